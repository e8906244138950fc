import { randomUUID } from 'node:crypto';
import type { ColumnSchema } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { CoercionError, coerceValue } from './coerce.js';
import { billedSize, toTableType } from './table-values.js';
import { streamInput, VIGIL_FILLED } from './transform/compile-transform.js';
import { IngestionTransforms } from './transform/ingestion-transforms.js';
import { streamColumns } from './streams.js';

/** One row as the table mapping reads it: values in the order of the mapping's input columns. */
interface InputRow {
  values: StoredValue[];
  resourceId: string | null;
  /** Approximate size of the record as sent (Azure's `_BilledSize`): names, values and JSON punctuation. */
  billedSize: number;
}

interface FlowPlan {
  flowIndex: number;
  workspace: WorkspaceRecord;
  table: string;
  columns: ColumnSchema[];
  /** The data flow has a transformation of its own (not `source`). */
  transformed: boolean;
}

/**
 * The Logs Ingestion API's work after authentication: validate every row of a request against the
 * stream declaration, run each data flow's transformation (ingestion-transforms.ts), shape the rows
 * for each destination table (standard columns included), apply the workspace transformation to
 * flows without their own, and append. A request is validated and transformed whole before
 * anything is stored, so a bad row stores nothing.
 */
export class IngestService {
  readonly transforms: IngestionTransforms;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    transforms?: IngestionTransforms,
  ) {
    this.transforms = transforms ?? new IngestionTransforms(metadata, store);
  }

  private plan(rule: DataCollectionRuleRecord, stream: string): FlowPlan[] {
    const plans: FlowPlan[] = [];
    rule.dataFlows.forEach((flow, flowIndex) => {
      if (!flow.streams.includes(stream)) return;
      // `Custom-<Table>_CL` or `Microsoft-<Table>` (an Azure standard table, stored when the rule was saved).
      const tableName = flow.outputStream.slice(flow.outputStream.indexOf('-') + 1);
      for (const destName of flow.destinations) {
        const dest = rule.destinations.logAnalytics.find((d) => d.name.toLowerCase() === destName.toLowerCase());
        const workspace = dest && this.metadata.workspaceByCustomerId(dest.workspaceId);
        const table = workspace?.tables.find((t) => t.name.toLowerCase() === tableName.toLowerCase());
        if (!workspace || !table) {
          throw new ApiError(404, 'NotFound', `The destination table '${tableName}' of data collection rule '${rule.immutableId}' no longer exists. Recreate the table or update the rule.`);
        }
        plans.push({ flowIndex, workspace, table: table.name, columns: tableSchema(table), transformed: (flow.transformKql || 'source') !== 'source' });
      }
    });
    return plans;
  }

  /** `options.resourceId`: the agent's resource (admission.ts), given to every row as `_ResourceId`. */
  async ingest(rule: DataCollectionRuleRecord, stream: string, rows: unknown[], options: { resourceId?: string } = {}): Promise<number> {
    const declared = streamColumns(rule, stream)!;
    const receivedMicros = BigInt(Date.now()) * 1000n;
    const ridIndex = declared.findIndex((c) => c.name === '_ResourceId');
    // 1. Validate and coerce every row against the stream declaration (values by declared position).
    const coerced: InputRow[] = new Array(rows.length);
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
    // 2. Transform and shape for each destination table.
    const input = streamInput(declared);
    const batches: { plan: FlowPlan; rows: StoredValue[][] }[] = [];
    for (const plan of this.plan(rule, stream)) {
      let inputColumns = input;
      let inputRows = coerced;
      if (plan.transformed) {
        const out = await this.transforms.applyFlow(rule, plan.flowIndex, stream, plan.workspace.customerId, plan.table, coerced.map((r) => r.values));
        inputColumns = out.columns;
        // After a transformation, `_ResourceId` and the billed size are those of the record it produced (as in Azure).
        const rid = out.columns.findIndex((c) => c.name.toLowerCase() === '_resourceid');
        const names = out.columns.map((c) => c.name);
        inputRows = out.rows.map((values) => {
          const r = rid >= 0 ? values[rid] : null;
          return { values, resourceId: typeof r === 'string' && r.length > 0 ? r.toLowerCase() : null, billedSize: billedSize(names, values) };
        });
      } else {
        this.transforms.statistics?.record(rule, plan.flowIndex, stream, plan.workspace.customerId, plan.table, coerced.length, coerced.length);
      }
      let shaped = shapeForTable(plan, inputColumns, inputRows, receivedMicros);
      // Data without a transformation of its own gets the workspace transformation of its table, if any.
      if (!plan.transformed) shaped = await this.transforms.applyWorkspaceTransform(plan.workspace, plan.table, plan.columns, shaped);
      batches.push({ plan, rows: shaped });
    }
    // 3. Store (a batch a transformation dropped entirely stores nothing and still succeeds).
    for (const { plan, rows: out } of batches) {
      if (out.length > 0) await this.store.append(plan.workspace.customerId, plan.table, plan.columns, out);
    }
    return rows.length;
  }
}

/** Rows (values in `inputColumns` order) as rows of the plan's table, standard columns filled. */
function shapeForTable(plan: FlowPlan, inputColumns: readonly ColumnSchema[], rows: InputRow[], receivedMicros: bigint): StoredValue[][] {
  const getters = plan.columns.map((c): ((r: InputRow, i: number) => StoredValue) => {
    const at = VIGIL_FILLED.has(c.name.toLowerCase()) ? -1 : findColumn(inputColumns, c.name);
    if (at >= 0) {
      const from = inputColumns[at]!;
      const isTime = c.name.toLowerCase() === 'timegenerated';
      return (r, i) => {
        try {
          const v = toTableType(r.values[at] ?? null, from.type, c.type);
          return isTime && v === null ? receivedMicros : v;
        } catch (err) {
          if (!(err instanceof CoercionError)) throw err;
          throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${from.name}': ${err.message} for the '${c.type}' column of table '${plan.table}'. Nothing from this request was stored.`);
        }
      };
    }
    switch (c.name) {
      case 'TenantId': return () => plan.workspace.customerId;
      case 'TimeGenerated': return () => receivedMicros;
      case 'Type': return () => plan.table;
      case '_ResourceId': return (r) => r.resourceId;
      case '_ItemId': return () => randomUUID();
      case '_TimeReceived': return () => receivedMicros;
      case '_BilledSize': return (r) => r.billedSize;
      default: return () => null;
    }
  });
  return rows.map((r, i) => getters.map((g) => g(r, i)));
}

function findColumn(columns: readonly ColumnSchema[], name: string): number {
  const exact = columns.findIndex((s) => s.name === name);
  return exact >= 0 ? exact : columns.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
}
