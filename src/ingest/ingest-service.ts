import { randomUUID } from 'node:crypto';
import type { ColumnSchema, KqlType } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, StreamColumn, WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import { ColumnBatch } from '../store/column-batch.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { COERCERS, CoercionError, jsonText, type Coercer } from './coerce.js';
import { jsonTexts } from './json-column.js';
import { billedSize, toTableType } from './table-values.js';
import { streamInput, VIGIL_FILLED } from './transform/compile-transform.js';
import { IngestionTransforms } from './transform/ingestion-transforms.js';
import { streamColumns } from './streams.js';
import { ticksFromUnixMicros } from '../kql/literals.js';

/**
 * A request's rows as the table mapping reads them, held by columns: `batch.values[c]` holds column
 * `columns[c]` for every row; `resourceIds[i]` and `billedSizes[i]` are row i's `_ResourceId`
 * (lower case, or null) and Azure's `_BilledSize` (names, values and JSON punctuation as sent).
 */
interface InputBatch {
  columns: readonly ColumnSchema[];
  batch: ColumnBatch;
  resourceIds: (string | null)[];
  billedSizes: number[];
}

/** A stream declaration compiled once: its coercers, its `source` columns and the fixed part of the billed size. */
interface CompiledStream {
  names: string[];
  types: StreamColumn['type'][];
  coercers: Coercer[];
  /** Columns declared `dynamic`: their JSON text is written per column (json-column.ts). */
  jsonColumn: boolean[];
  input: ColumnSchema[];
  resourceIdIndex: number;
  /** `{}` and, per column, its name, quotes and colon (the values' sizes are added per row). */
  billedBase: number;
}

const compiledStreams = new WeakMap<readonly StreamColumn[], CompiledStream>();

function compileStream(declared: readonly StreamColumn[]): CompiledStream {
  let c = compiledStreams.get(declared);
  if (!c) {
    c = {
      names: declared.map((d) => d.name),
      types: declared.map((d) => d.type),
      coercers: declared.map((d) => COERCERS[d.type]),
      jsonColumn: declared.map((d) => d.type === 'dynamic'),
      input: streamInput(declared),
      resourceIdIndex: declared.findIndex((d) => d.name === '_ResourceId'),
      billedBase: 2 + declared.reduce((n, d) => n + d.name.length + 4, 0),
    };
    compiledStreams.set(declared, c);
  }
  return c;
}

const lowerResourceId = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v.toLowerCase() : null);

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
  ingest(rule: DataCollectionRuleRecord, stream: string, rows: unknown[], options: { resourceId?: string } = {}): Promise<number> {
    const receivedTicks = ticksFromUnixMicros(BigInt(Date.now()) * 1000n);
    // 1. Validate and coerce every row against the stream declaration, into one array per declared column.
    //    Done here, outside the async part: the parsed rows are garbage once their values are taken,
    //    instead of living (and being copied by each young-generation GC, then promoted) until the
    //    append is durable — which is what grew GC time with the number of requests in flight.
    let coerced: InputBatch;
    try {
      coerced = coerceRows(compileStream(streamColumns(rule, stream)!), rows, options.resourceId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.shapeAndStore(rule, stream, rows.length, coerced, receivedTicks);
  }

  /** Steps 2 and 3 of ingest(): `received` rows, coerced. */
  private async shapeAndStore(rule: DataCollectionRuleRecord, stream: string, received: number, coerced: InputBatch, receivedTicks: bigint): Promise<number> {
    // 2. Transform and shape for each destination table.
    // Each batch's statistics are counted once it is stored (a refused request ingested nothing).
    const batches: { plan: FlowPlan; batch: ColumnBatch; count: () => void }[] = [];
    for (const plan of this.plan(rule, stream)) {
      let input = coerced;
      const counts: (() => void)[] = [];
      if (!plan.transformed) counts.push(() => this.transforms.statistics?.record(rule, plan.flowIndex, stream, plan.workspace.customerId, plan.table, received, received));
      if (plan.transformed) {
        const out = await this.transforms.applyFlow(rule, plan.flowIndex, stream, plan.workspace.customerId, plan.table, coerced.batch.toRows());
        counts.push(out.count);
        // After a transformation, `_ResourceId` and the billed size are those of the record it produced (as in Azure).
        const rid = out.columns.findIndex((c) => c.name.toLowerCase() === '_resourceid');
        const names = out.columns.map((c) => c.name);
        input = {
          columns: out.columns,
          batch: ColumnBatch.fromRows(out.rows, out.columns.length),
          resourceIds: out.rows.map((values) => (rid >= 0 ? lowerResourceId(values[rid]) : null)),
          billedSizes: out.rows.map((values) => billedSize(names, values)),
        };
      }
      let shaped = shapeForTable(plan, input, receivedTicks);
      // Data without a transformation of its own gets the workspace transformation of its table, if any.
      if (!plan.transformed && this.transforms.hasWorkspaceTransform(plan.workspace, plan.table)) {
        const out = await this.transforms.applyWorkspaceTransform(plan.workspace, plan.table, plan.columns, shaped.toRows());
        shaped = ColumnBatch.fromRows(out.rows, plan.columns.length);
        counts.push(out.count);
      }
      batches.push({ plan, batch: shaped, count: () => counts.forEach((c) => c()) });
    }
    // 3. Store (a batch a transformation dropped entirely stores nothing and still succeeds), and count
    //    each batch once it is durable: a refused append (a revoked customer-managed key, a full disk)
    //    counts nothing of it, a transformation's drops included.
    for (const { plan, batch, count } of batches) {
      if (batch.rowCount > 0) await this.store.append(plan.workspace.customerId, plan.table, plan.columns, batch);
      count();
    }
    return received;
  }
}

/** The rows of a request coerced to their declared types (400 InvalidArgument naming the first bad value). */
function coerceRows(stream: CompiledStream, rows: unknown[], agentResourceId: string | undefined): InputBatch {
  const n = rows.length;
  const width = stream.names.length;
  // Arrays grown by push stay "packed" (`new Array(n)` makes them holey for good), and the log
  // record's JSON.stringify takes a fast path only for packed arrays (~30 % less time per column).
  const values: StoredValue[][] = [];
  for (let c = 0; c < width; c++) values.push([]);
  const billedSizes: number[] = [];
  const { names, coercers, jsonColumn } = stream;
  // `dynamic` columns take the values as parsed here; their JSON text is written for the whole column below.
  const parsed: unknown[][] = [];
  for (let c = 0; c < width; c++) parsed.push([]);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new ApiError(400, 'InvalidJson', `Row ${i}: each log entry must be a JSON object, not ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}.`);
    }
    const obj = row as Record<string, unknown>;
    for (let c = 0; c < width; c++) {
      if (jsonColumn[c]) {
        parsed[c]!.push(obj[names[c]!]);
        continue;
      }
      let v: StoredValue;
      try {
        v = coercers[c]!(obj[names[c]!]);
      } catch (err) {
        if (!(err instanceof CoercionError)) throw err;
        throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${names[c]}': ${err.message}; the stream declares it as '${stream.types[c]}'. Nothing from this request was stored.`, {
          target: `[${i}].${names[c]}`,
        });
      }
      values[c]!.push(v);
    }
    billedSizes.push(stream.billedBase);
  }
  for (let c = 0; c < width; c++) if (jsonColumn[c]) values[c] = jsonTexts(parsed[c]!, jsonText);
  // Each value's size, column by column (a column of ASCII text is measured with one call, not one per value).
  for (let c = 0; c < width; c++) addValueSizes(billedSizes, values[c]!);
  // `_ResourceId` is taken from the row even when the stream does not declare it; Azure stores it in lower case.
  const resourceIds: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    resourceIds.push(lowerResourceId(agentResourceId ?? (stream.resourceIdIndex >= 0 ? values[stream.resourceIdIndex]![i] : (rows[i] as Record<string, unknown>)['_ResourceId'])));
  }
  return { columns: stream.input, batch: new ColumnBatch(n, values), resourceIds, billedSizes };
}

/**
 * Adds each value's share of `_BilledSize` to `billed[i]`: a string's UTF-8 bytes + 2, 4 for null, 8
 * for anything else. Strings are measured together: when the column's text joined is as many UTF-8
 * bytes as characters it is ASCII, and each string's length is its byte count.
 */
function addValueSizes(billed: number[], col: readonly StoredValue[]): void {
  const n = billed.length;
  const strings: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (typeof v === 'string') strings.push(v);
    else billed[i]! += v === null || v === undefined ? 4 : 8;
  }
  if (strings.length === 0) return;
  const joined = strings.join('');
  const ascii = Buffer.byteLength(joined) === joined.length;
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (typeof v === 'string') billed[i]! += (ascii ? v.length : Buffer.byteLength(v)) + 2;
  }
}

/** Would toTableType(v, from, to) return every value unchanged? Then a column is stored as it came. */
const keepsValues = (from: KqlType, to: KqlType) => to !== 'real' && to !== 'long' && to !== 'guid' && !(to === 'dynamic' && from === 'string');

/** The input's rows as a batch of the plan's table (its columns, in order), standard columns filled. */
function shapeForTable(plan: FlowPlan, input: InputBatch, receivedTicks: bigint): ColumnBatch {
  const n = input.batch.rowCount;
  // Every column built here is packed (see coerceRows).
  const filled = <T extends StoredValue>(v: T): T[] => packed(n, () => v);
  const out = plan.columns.map((c): StoredValue[] => {
    const at = VIGIL_FILLED.has(c.name.toLowerCase()) ? -1 : findColumn(input.columns, c.name);
    if (at >= 0) {
      const from = input.columns[at]!;
      const src = input.batch.values[at]!;
      const isTime = c.name.toLowerCase() === 'timegenerated';
      if (keepsValues(from.type, c.type) && !(isTime && src.includes(null))) return src;
      const col: StoredValue[] = [];
      for (let i = 0; i < n; i++) {
        try {
          const v = toTableType(src[i] ?? null, from.type, c.type);
          col.push(isTime && v === null ? receivedTicks : v);
        } catch (err) {
          if (!(err instanceof CoercionError)) throw err;
          throw new ApiError(400, 'InvalidArgument', `Row ${i}, column '${from.name}': ${err.message} for the '${c.type}' column of table '${plan.table}'. Nothing from this request was stored.`);
        }
      }
      return col;
    }
    switch (c.name) {
      case 'TenantId': return filled(plan.workspace.customerId);
      case 'TimeGenerated': return filled(receivedTicks);
      case 'Type': return filled(plan.table);
      case '_ResourceId': return input.resourceIds;
      case '_ItemId': return packed(n, () => randomUUID());
      case '_TimeReceived': return filled(receivedTicks);
      case '_BilledSize': return input.billedSizes;
      default: return filled(null);
    }
  });
  return new ColumnBatch(n, out);
}

/** An array of `n` values `value(i)`, packed (grown by push). */
function packed<T>(n: number, value: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(value(i));
  return out;
}

function findColumn(columns: readonly ColumnSchema[], name: string): number {
  const exact = columns.findIndex((s) => s.name === name);
  return exact >= 0 ? exact : columns.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
}
