import { randomUUID } from 'node:crypto';
import type { ColumnSchema, KqlType } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, StreamColumn } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { CoercionError, coerceValue } from './coerce.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value in its stream type, converted to the (compatible) type of the destination table column. */
function toTableType(v: StoredValue, from: StreamColumn['type'], to: KqlType): StoredValue {
  if (v === null) return null;
  if (to === 'real' && typeof v === 'bigint') return Number(v);
  if (to === 'real' && typeof v === 'number') return v;
  if (to === 'long' && typeof v === 'number') return BigInt(v);
  if (to === 'guid') {
    if (typeof v !== 'string' || !GUID.test(v)) throw new CoercionError(`${JSON.stringify(v)} is not a GUID`);
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
      const tableName = flow.outputStream.replace(/^Custom-/, '');
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

  async ingest(rule: DataCollectionRuleRecord, stream: string, rows: unknown[]): Promise<number> {
    const declared = rule.streamDeclarations[stream]!.columns;
    const receivedMicros = BigInt(Date.now()) * 1000n;
    // 1. Validate and coerce every row against the stream declaration.
    const coerced: Map<string, StoredValue>[] = rows.map((row, i) => {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new ApiError(400, 'InvalidJson', `Row ${i}: each log entry must be a JSON object, not ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
      }
      const values = new Map<string, StoredValue>();
      const obj = row as Record<string, unknown>;
      for (const col of declared) {
        try {
          values.set(col.name, coerceValue(obj[col.name], col.type));
        } catch (err) {
          if (!(err instanceof CoercionError)) throw err;
          throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${col.name}': ${err.message}; the stream declares it as '${col.type}'. Nothing from this request was stored.`, {
            target: `[${i}].${col.name}`,
          });
        }
      }
      // `_ResourceId` is taken from the row even when the stream does not declare it; Azure stores it in lower case.
      const rid = values.get('_ResourceId') ?? obj['_ResourceId'];
      values.set('_ResourceId', typeof rid === 'string' && rid.length > 0 ? rid.toLowerCase() : null);
      values.set('_BilledSize', Buffer.byteLength(JSON.stringify(row)));
      return values;
    });
    // 2. Shape for each destination table.
    const plans = this.plan(rule, stream);
    const batches = plans.map((plan) => {
      const out: StoredValue[][] = coerced.map((values, i) =>
        plan.sources.map((src, j) => {
          const type = plan.columns[j]!.type;
          if (src.kind === 'stream') {
            try {
              const v = toTableType(values.get(src.column.name) ?? null, src.column.type, type);
              return src.column.name.toLowerCase() === 'timegenerated' && v === null ? receivedMicros : v;
            } catch (err) {
              if (!(err instanceof CoercionError)) throw err;
              throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${src.column.name}': ${err.message} for the '${type}' column of table '${plan.table}'. Nothing from this request was stored.`);
            }
          }
          switch (src.name) {
            case 'TenantId': return plan.workspaceId;
            case 'TimeGenerated': return receivedMicros;
            case 'Type': return plan.table;
            case '_ResourceId': return values.get('_ResourceId') ?? null;
            case '_ItemId': return randomUUID();
            case '_TimeReceived': return receivedMicros;
            case '_BilledSize': return values.get('_BilledSize') ?? null;
            default: return null;
          }
        }),
      );
      return { plan, rows: out };
    });
    // 3. Store.
    for (const { plan, rows: out } of batches) await this.store.append(plan.workspaceId, plan.table, plan.columns, out);
    return rows.length;
  }
}
