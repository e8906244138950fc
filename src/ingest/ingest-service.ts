import { randomUUID } from 'node:crypto';
import type { ColumnSchema, KqlType } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, StreamColumn } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { CoercionError, coerceValue } from './coerce.js';
import { streamColumns } from './streams.js';

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

/** One validated row: its values by declared stream column, and the standard values derived from it. */
interface CoercedRow {
  values: StoredValue[];
  resourceId: string | null;
  /** Approximate size of the record as sent (Azure's `_BilledSize`): names, values and JSON punctuation. */
  billedSize: number;
}

interface FlowPlan {
  workspaceId: string;
  table: string;
  columns: ColumnSchema[];
  /** For each table column: where its value comes from. */
  sources: ({ kind: 'stream'; column: StreamColumn } | { kind: 'standard'; name: string })[];
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
    const declared = streamColumns(rule, stream)!;
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

  /** `options.resourceId`: the agent's resource (admission.ts), given to every row as `_ResourceId`. */
  async ingest(rule: DataCollectionRuleRecord, stream: string, rows: unknown[], options: { resourceId?: string } = {}): Promise<number> {
    const declared = streamColumns(rule, stream)!;
    const receivedMicros = BigInt(Date.now()) * 1000n;
    const ridIndex = declared.findIndex((c) => c.name === '_ResourceId');
    // 1. Validate and coerce every row against the stream declaration (values by declared position).
    const coerced: CoercedRow[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new ApiError(400, 'InvalidJson', `Row ${i}: each log entry must be a JSON object, not ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
      }
      const obj = row as Record<string, unknown>;
      const values: StoredValue[] = new Array(declared.length);
      let billed = 2;
      for (let c = 0; c < declared.length; c++) {
        const col = declared[c]!;
        let v: StoredValue;
        try {
          v = coerceValue(obj[col.name], col.type);
        } catch (err) {
          if (!(err instanceof CoercionError)) throw err;
          throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${col.name}': ${err.message}; the stream declares it as '${col.type}'. Nothing from this request was stored.`, {
            target: `[${i}].${col.name}`,
          });
        }
        values[c] = v;
        billed += col.name.length + 4 + (typeof v === 'string' ? Buffer.byteLength(v) + 2 : v === null ? 4 : 8);
      }
      // `_ResourceId` is taken from the row even when the stream does not declare it; Azure stores it in lower case.
      const rid = options.resourceId ?? (ridIndex >= 0 ? values[ridIndex] : obj['_ResourceId']);
      coerced[i] = { values, resourceId: typeof rid === 'string' && rid.length > 0 ? rid.toLowerCase() : null, billedSize: billed };
    }
    // 2. Shape for each destination table.
    const plans = this.plan(rule, stream);
    const declaredIndex = new Map(declared.map((c, i) => [c, i]));
    const batches = plans.map((plan) => {
      const getters = plan.sources.map((src, j): ((r: CoercedRow, i: number) => StoredValue) => {
        const type = plan.columns[j]!.type;
        if (src.kind === 'stream') {
          const at = declaredIndex.get(src.column)!;
          const isTime = src.column.name.toLowerCase() === 'timegenerated';
          return (r, i) => {
            try {
              const v = toTableType(r.values[at] ?? null, src.column.type, type);
              return isTime && v === null ? receivedMicros : v;
            } catch (err) {
              if (!(err instanceof CoercionError)) throw err;
              throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${src.column.name}': ${err.message} for the '${type}' column of table '${plan.table}'. Nothing from this request was stored.`);
            }
          };
        }
        switch (src.name) {
          case 'TenantId': return () => plan.workspaceId;
          case 'TimeGenerated': return () => receivedMicros;
          case 'Type': return () => plan.table;
          case '_ResourceId': return (r) => r.resourceId;
          case '_ItemId': return () => randomUUID();
          case '_TimeReceived': return () => receivedMicros;
          case '_BilledSize': return (r) => r.billedSize;
          default: return () => null;
        }
      });
      const out: StoredValue[][] = coerced.map((r, i) => getters.map((g) => g(r, i)));
      return { plan, rows: out };
    });
    // 3. Store.
    for (const { plan, rows: out } of batches) await this.store.append(plan.workspaceId, plan.table, plan.columns, out);
    return rows.length;
  }
}
