/**
 * Ingestion-time transformations, as every ingestion path applies them:
 *
 *   - `applyFlow(rule, flowIndex, …)`: a data flow's own `transformKql` over the stream's rows;
 *   - `applyWorkspaceTransform(workspace, table, …)`: the workspace transformation (a rule of kind
 *     `WorkspaceTransforms` whose data flow reads `Microsoft-Table-<Table>`) over rows shaped for
 *     the table, for data that arrives without a transformation of its own (a `source` data flow,
 *     or any other ingestion path that writes tables directly).
 *
 * Transformations are compiled once per text and input schema (a rule version) and cached; rows a
 * transformation drops are counted per rule (ingestion-statistics.ts) by the caller, once the rows are
 * stored: each apply returns a `count()` for that (a request refused after its transformation — a
 * full disk, a revoked key — counts nothing).
 */
import { randomUUID } from 'node:crypto';
import type { ColumnSchema } from '../../kql/index.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, WorkspaceRecord } from '../../metadata/records.js';
import type { StoredValue } from '../../store/column-types.js';
import type { LogStore } from '../../store/store.js';
import { billedSize, toTableType } from '../table-values.js';
import { compileTransform, streamInput, VIGIL_FILLED, type CompiledTransform } from './compile-transform.js';
import type { IngestionStatistics } from './ingestion-statistics.js';
import { TransformRunner } from './run-transform.js';
import type { GeoIpDatabase } from './geo-location.js';
import type { TransformFeatures } from './supported-kql.js';
import { ApiError } from '../../errors/api-error.js';
import { describeEngineError } from '../../query/query-service.js';
import { streamColumns } from '../streams.js';

export const WORKSPACE_TRANSFORMS_KIND = 'WorkspaceTransforms';
/** The input stream of a workspace transformation data flow: `Microsoft-Table-<Table>`. */
export const WORKSPACE_TABLE_STREAM = /^Microsoft-Table-([A-Za-z][A-Za-z0-9_]*)$/;

const MAX_CACHED = 2_000;

/** The columns a workspace transformation reads: the table's, without those only Vigil fills. */
export function workspaceTransformInput(tableColumns: readonly ColumnSchema[]): ColumnSchema[] {
  return tableColumns.filter((c) => !VIGIL_FILLED.has(c.name.toLowerCase()));
}

export class IngestionTransforms {
  private readonly cache = new Map<string, CompiledTransform>();

  private readonly runner: TransformRunner;
  /** What this server evaluates beyond the fixed subset (geo_location() with a GeoIP database). */
  readonly features: TransformFeatures;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    readonly statistics?: IngestionStatistics,
    geoIp?: GeoIpDatabase,
  ) {
    this.features = { geoLocation: geoIp !== undefined };
    this.runner = new TransformRunner(geoIp ? [geoIp.runtimeFunction()] : []);
  }

  /** The compiled form of a transformation (compiled on first use, then cached). */
  compiled(text: string, input: ColumnSchema[]): CompiledTransform {
    const key = `${text}\u0000${JSON.stringify(input)}`;
    let c = this.cache.get(key);
    if (!c) {
      c = compileTransform(text, input, this.features);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Runs a transformation; an engine error becomes a 400 that names the data flow but never quotes
   * the engine's message (it may hold the SQL, with the pseudonym key, or values of the batch).
   */
  private async run(t: CompiledTransform, rows: StoredValue[][], workspaceId: string, what: string): Promise<StoredValue[][]> {
    const key = await this.keyFor(t, workspaceId);
    try {
      return await this.runner.apply(t, rows, key);
    } catch (err) {
      throw new ApiError(400, 'InvalidTransformResult', `The transformation of ${what} could not be applied to this request: ${describeEngineError(String((err as Error).message ?? err))} Nothing from this request was stored.`);
    }
  }

  private async keyFor(t: CompiledTransform, workspaceId: string): Promise<Buffer | undefined> {
    if (!t.usesPseudonym) return undefined;
    if (!this.store.pseudonymKey) throw new Error('this store has no pseudonym keys');
    return this.store.pseudonymKey(workspaceId);
  }

  /**
   * Runs data flow `flowIndex` of `rule` over `rows` (values in the stream's declared column order)
   * for destination `workspaceId`: the rows kept, in the output columns' order, and `count()` to
   * call once they are stored (the flow's rows received, dropped and ingested).
   */
  async applyFlow(rule: DataCollectionRuleRecord, flowIndex: number, stream: string, workspaceId: string, table: string, rows: StoredValue[][]): Promise<{ columns: ColumnSchema[]; rows: StoredValue[][]; count: () => void }> {
    const flow = rule.dataFlows[flowIndex]!;
    const t = this.compiled(flow.transformKql, streamInput(streamColumns(rule, stream)!));
    const out = rows.length === 0 ? [] : await this.run(t, rows, workspaceId, `data flow ${flowIndex} of data collection rule '${rule.immutableId}'`);
    const count = () => this.statistics?.record(rule, flowIndex, stream, workspaceId, table, rows.length, out.length);
    return { columns: t.output, rows: out, count };
  }

  /** The workspace transformation for `table` of `workspace`, if its workspace transformation rule has one. */
  workspaceTransformFor(workspace: WorkspaceRecord, table: string): { rule: DataCollectionRuleRecord; flowIndex: number; stream: string } | undefined {
    for (const rule of this.metadata.dataCollectionRules({})) {
      if (rule.kind !== WORKSPACE_TRANSFORMS_KIND) continue;
      if (!rule.destinations.logAnalytics.some((d) => d.workspaceId === workspace.customerId)) continue;
      const flowIndex = rule.dataFlows.findIndex((f) => f.streams.some((s) => WORKSPACE_TABLE_STREAM.exec(s)?.[1]?.toLowerCase() === table.toLowerCase()));
      if (flowIndex >= 0) return { rule, flowIndex, stream: rule.dataFlows[flowIndex]!.streams[0]! };
    }
    return undefined;
  }

  /** Does `table` of `workspace` have a workspace transformation other than `source` (so applyWorkspaceTransform changes rows)? */
  hasWorkspaceTransform(workspace: WorkspaceRecord, table: string): boolean {
    const wt = this.workspaceTransformFor(workspace, table);
    const text = wt?.rule.dataFlows[wt.flowIndex]!.transformKql;
    return !!text && text !== 'source';
  }

  /**
   * Applies the workspace transformation of `table` (if there is one) to rows shaped for it
   * (`columns` = the table's schema, values in that order) and returns the rows to store, in the
   * same shape, and `count()` to call once they are stored. Columns only Vigil fills keep their
   * values (`_ItemId` new, `_BilledSize` recomputed).
   */
  async applyWorkspaceTransform(workspace: WorkspaceRecord, table: string, columns: ColumnSchema[], rows: StoredValue[][]): Promise<{ rows: StoredValue[][]; count: () => void }> {
    const none = () => undefined;
    const wt = this.workspaceTransformFor(workspace, table);
    if (!wt || rows.length === 0) return { rows, count: none };
    const flow = wt.rule.dataFlows[wt.flowIndex]!;
    if (!flow.transformKql || flow.transformKql === 'source') return { rows, count: none };
    const input = workspaceTransformInput(columns);
    const at = input.map((c) => columns.findIndex((x) => x.name === c.name));
    const t = this.compiled(flow.transformKql, input);
    const out = await this.run(t, rows.map((r) => at.map((i) => r[i] ?? null)), workspace.customerId, `the workspace transformation of table '${table}'`);
    const count = () => this.statistics?.record(wt.rule, wt.flowIndex, wt.stream, workspace.customerId, table, rows.length, out.length);
    const first = rows[0]!;
    const outIndex = new Map(t.output.map((c, i) => [c.name.toLowerCase(), i]));
    const names = t.output.map((c) => c.name);
    const shaped = out.map((o) =>
      columns.map((c, j) => {
        switch (c.name) {
          case 'TenantId': case 'Type': case '_TimeReceived': return first[j] ?? null;
          case '_ItemId': return randomUUID();
          case '_BilledSize': return billedSize(names, o);
        }
        const i = outIndex.get(c.name.toLowerCase());
        const v = i === undefined ? null : toTableType(o[i] ?? null, t.output[i]!.type, c.type);
        // A record without a TimeGenerated gets the time it was received, as without a transformation.
        return v === null && c.name === 'TimeGenerated' ? (first[columns.findIndex((x) => x.name === '_TimeReceived')] ?? null) : v;
      }),
    );
    return { rows: shaped, count };
  }

  close(): Promise<void> {
    this.statistics?.close();
    return this.runner.close();
  }
}
