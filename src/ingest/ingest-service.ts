import { randomUUID } from 'node:crypto';
import type { ColumnSchema, KqlType } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, StreamColumn } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { COERCERS, CoercionError, type Coercer } from './coerce.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value in its stream type, converted to the (compatible) type of the destination table column. */
function toTableType(v: StoredValue, from: StreamColumn['type'], to: KqlType): StoredValue {
  if (v === null) return null;
  if (to === 'real' && typeof v === 'bigint') return Number(v);
  if (to === 'real' && typeof v === 'number') return v;
  if (to === 'long' && typeof v === 'number') return BigInt(v);
  if (to === 'guid') {
    if (typeof v !== 'string' || !GUID.test(v)) throw new CoercionError(`${typeof v === 'string' ? JSON.stringify(v) : String(v)} is not a GUID`);
    return v.toLowerCase();
  }
  if (to === 'dynamic' && from === 'string') return JSON.stringify(v);
  return v;
}

interface FlowPlan {
  workspaceId: string;
  table: string;
  columns: ColumnSchema[];
  /** For each table column: where its value comes from. */
  sources: ({ kind: 'stream'; column: StreamColumn } | { kind: 'standard'; name: string })[];
}

/** One table column's value for a row: from a declared stream column (at its position), or a standard value. */
type Cell =
  | { kind: 'stream'; at: number; column: StreamColumn; type: KqlType; convert: boolean; isTime: boolean }
  | { kind: 'tenant' | 'type'; value: string }
  | { kind: 'received' | 'resourceId' | 'itemId' | 'billed' | 'null' };

/**
 * A stream's ingestion, worked out once per (stream declaration, destination tables) and reused by
 * every request with the same shape: each declared column's coercer and billed-size cost, and for
 * each destination which cell of the row comes from where.
 */
interface CompiledStream {
  declared: StreamColumn[];
  coercers: Coercer[];
  /** Per declared column: its share of `_BilledSize` besides the value (name, quotes, colon, comma). */
  nameCost: number[];
  ridIndex: number;
  targets: { plan: FlowPlan; cells: Cell[] }[];
}

const COMPILED_CACHE_LIMIT = 1_000;

function compileStream(declared: StreamColumn[], plans: FlowPlan[]): CompiledStream {
  const declaredIndex = new Map(declared.map((c, i) => [c, i]));
  const targets = plans.map((plan) => ({
    plan,
    cells: plan.sources.map((src, j): Cell => {
      const type = plan.columns[j]!.type;
      if (src.kind === 'stream') {
        const convert = type === 'real' || type === 'long' || type === 'guid' || (type === 'dynamic' && src.column.type === 'string');
        return { kind: 'stream', at: declaredIndex.get(src.column)!, column: src.column, type, convert, isTime: src.column.name.toLowerCase() === 'timegenerated' };
      }
      switch (src.name) {
        case 'TenantId': return { kind: 'tenant', value: plan.workspaceId };
        case 'Type': return { kind: 'type', value: plan.table };
        case 'TimeGenerated':
        case '_TimeReceived': return { kind: 'received' };
        case '_ResourceId': return { kind: 'resourceId' };
        case '_ItemId': return { kind: 'itemId' };
        case '_BilledSize': return { kind: 'billed' };
        default: return { kind: 'null' };
      }
    }),
  }));
  return {
    declared,
    coercers: declared.map((c) => COERCERS[c.type]),
    nameCost: declared.map((c) => c.name.length + 4),
    ridIndex: declared.findIndex((c) => c.name === '_ResourceId'),
    targets,
  };
}

/**
 * The Logs Ingestion API's work after authentication: validate every row of a request against the
 * stream declaration, shape it for each destination table (standard columns included), and append
 * it. A request is validated whole before anything is stored, so a bad row stores nothing.
 */
export class IngestService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
  ) {}

  private plan(rule: DataCollectionRuleRecord, stream: string): FlowPlan[] {
    const declared = rule.streamDeclarations[stream]!.columns;
    const plans: FlowPlan[] = [];
    for (const flow of rule.dataFlows.filter((f) => f.streams.includes(stream))) {
      // `Custom-<Table>_CL` or `Microsoft-<Table>` (an Azure standard table, stored when the rule was saved).
      const tableName = flow.outputStream.slice(flow.outputStream.indexOf('-') + 1);
      for (const destName of flow.destinations) {
        const dest = rule.destinations.logAnalytics.find((d) => d.name.toLowerCase() === destName.toLowerCase());
        const workspace = dest && this.metadata.workspaceByCustomerId(dest.workspaceId);
        const table = workspace?.tables.find((t) => t.name.toLowerCase() === tableName.toLowerCase());
        if (!workspace || !table) {
          throw new ApiError(404, 'NotFound', `The destination table '${tableName}' of data collection rule '${rule.immutableId}' no longer exists. Recreate the table or update the rule.`);
        }
        const columns = tableSchema(table);
        const sources = columns.map((c) => {
          const fromStream = declared.find((s) => s.name === c.name) ?? declared.find((s) => s.name.toLowerCase() === c.name.toLowerCase());
          if (fromStream && c.name !== 'TenantId' && c.name !== 'Type' && c.name !== '_ItemId' && c.name !== '_TimeReceived' && c.name !== '_BilledSize') {
            return { kind: 'stream' as const, column: fromStream };
          }
          return { kind: 'standard' as const, name: c.name };
        });
        plans.push({ workspaceId: workspace.customerId, table: table.name, columns, sources });
      }
    }
    return plans;
  }

  /** Compiled shapes by fingerprint (declaration and destination schemas), so a changed rule or table compiles anew. */
  private readonly compiled = new Map<string, CompiledStream>();

  private compile(rule: DataCollectionRuleRecord, stream: string): CompiledStream {
    const declared = rule.streamDeclarations[stream]!.columns;
    const plans = this.plan(rule, stream);
    const key = JSON.stringify([declared, plans.map((p) => [p.workspaceId, p.table, p.columns, p.sources])]);
    let c = this.compiled.get(key);
    // The plans are rebuilt each request; a cached shape must use the same column objects it indexes.
    if (c && c.declared === declared) return c;
    if (this.compiled.size >= COMPILED_CACHE_LIMIT) this.compiled.clear();
    c = compileStream(declared, plans);
    this.compiled.set(key, c);
    return c;
  }

  async ingest(rule: DataCollectionRuleRecord, stream: string, rows: unknown[]): Promise<number> {
    const s = this.compile(rule, stream);
    const { declared, coercers, nameCost, ridIndex, targets } = s;
    const receivedMicros = BigInt(Date.now()) * 1000n;
    const outs: StoredValue[][][] = targets.map(() => new Array(rows.length));
    const values: StoredValue[] = new Array(declared.length);
    // Validate and coerce every row against the stream declaration, and shape it for each destination table.
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new ApiError(400, 'InvalidJson', `Row ${i}: each log entry must be a JSON object, not ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
      }
      const obj = row as Record<string, unknown>;
      let billed = 2;
      for (let c = 0; c < declared.length; c++) {
        let v: StoredValue;
        try {
          v = coercers[c]!(obj[declared[c]!.name]);
        } catch (err) {
          if (!(err instanceof CoercionError)) throw err;
          const col = declared[c]!;
          throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${col.name}': ${err.message}; the stream declares it as '${col.type}'. Nothing from this request was stored.`, {
            target: `[${i}].${col.name}`,
          });
        }
        values[c] = v;
        billed += nameCost[c]! + (typeof v === 'string' ? Buffer.byteLength(v) + 2 : v === null ? 4 : 8);
      }
      // `_ResourceId` is taken from the row even when the stream does not declare it; Azure stores it in lower case.
      const ridRaw = ridIndex >= 0 ? values[ridIndex] : obj['_ResourceId'];
      const rid = typeof ridRaw === 'string' && ridRaw.length > 0 ? ridRaw.toLowerCase() : null;
      for (let t = 0; t < targets.length; t++) {
        const { plan, cells } = targets[t]!;
        const out: StoredValue[] = new Array(cells.length);
        for (let j = 0; j < cells.length; j++) {
          const cell = cells[j]!;
          switch (cell.kind) {
            case 'stream': {
              let v = values[cell.at] ?? null;
              if (cell.convert && v !== null) {
                try {
                  v = toTableType(v, cell.column.type, cell.type);
                } catch (err) {
                  if (!(err instanceof CoercionError)) throw err;
                  throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${cell.column.name}': ${err.message} for the '${cell.type}' column of table '${plan.table}'. Nothing from this request was stored.`);
                }
              }
              out[j] = cell.isTime && v === null ? receivedMicros : v;
              break;
            }
            case 'tenant':
            case 'type': out[j] = cell.value; break;
            case 'received': out[j] = receivedMicros; break;
            case 'resourceId': out[j] = rid; break;
            case 'itemId': out[j] = randomUUID(); break;
            case 'billed': out[j] = billed; break;
            default: out[j] = null;
          }
        }
        outs[t]![i] = out;
      }
    }
    // Store.
    for (let t = 0; t < targets.length; t++) await this.store.append(targets[t]!.plan.workspaceId, targets[t]!.plan.table, targets[t]!.plan.columns, outs[t]!);
    return rows.length;
  }
}
