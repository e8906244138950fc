/**
 * Counting what transformations do: per data flow of a rule (and destination table), rows received,
 * dropped by the transformation's `where` and ingested. The totals since the server started are
 * shown in the rule's GET (`properties.ingestionStatistics`); every interval the counts of that
 * interval are written as records of the `VigilIngestionStatistics` table of the destination
 * workspace, where they can be queried and alerted on.
 */
import { VIGIL_INGESTION_STATISTICS } from '../../audit/system-tables.js';
import type { AuditSink } from '../../audit/sink.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { DataCollectionRuleRecord } from '../../metadata/records.js';
import { dataCollectionRuleId } from '../../metadata/resource-ids.js';
import { maskObfuscatedLiterals } from '../../kql/obfuscate.js';

export interface FlowCounts {
  rowsReceived: number;
  rowsDropped: number;
  rowsIngested: number;
}

interface FlowKey {
  ruleId: string;
  immutableId: string;
  flowIndex: number;
  stream: string;
  workspaceId: string;
  table: string;
  transformation: string;
}

const zero = (): FlowCounts => ({ rowsReceived: 0, rowsDropped: 0, rowsIngested: 0 });

export class IngestionStatistics {
  private readonly totals = new Map<string, Map<string, FlowCounts & { flowIndex: number; stream: string; table: string; workspaceId: string }>>();
  private pending = new Map<string, { key: FlowKey; counts: FlowCounts }>();
  private intervalStart = new Date();
  private readonly startedAt = new Date().toISOString();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly sink?: AuditSink,
    intervalMs = 10_000,
  ) {
    if (sink) {
      this.timer = setInterval(() => this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  /** Counts one batch of one data flow into one table. */
  record(rule: DataCollectionRuleRecord, flowIndex: number, stream: string, workspaceId: string, table: string, received: number, ingested: number): void {
    const k = `${rule.immutableId}\u0000${flowIndex}\u0000${workspaceId}\u0000${table}`;
    let byFlow = this.totals.get(rule.immutableId);
    if (!byFlow) this.totals.set(rule.immutableId, (byFlow = new Map()));
    let t = byFlow.get(k);
    if (!t) byFlow.set(k, (t = { ...zero(), flowIndex, stream, table, workspaceId }));
    let p = this.pending.get(k);
    if (!p) {
      const key: FlowKey = {
        ruleId: dataCollectionRuleId(rule), immutableId: rule.immutableId, flowIndex, stream, workspaceId, table,
        // Obfuscated literals (h"…") of the text stay out of the table, as in the query audit.
        transformation: maskObfuscatedLiterals(rule.dataFlows[flowIndex]?.transformKql ?? 'source'),
      };
      this.pending.set(k, (p = { key, counts: zero() }));
    }
    for (const c of [t, p.counts]) {
      c.rowsReceived += received;
      c.rowsDropped += received - ingested;
      c.rowsIngested += ingested;
    }
  }

  /** The totals of a rule since the server started, per data flow and destination table (for the rule's GET). */
  forRule(immutableId: string): { since: string; dataFlows: (FlowCounts & { dataFlowIndex: number; stream: string; outputTable: string; workspaceId: string })[] } {
    const flows = [...(this.totals.get(immutableId)?.values() ?? [])]
      .sort((a, b) => a.flowIndex - b.flowIndex || a.table.localeCompare(b.table))
      .map((t) => ({ dataFlowIndex: t.flowIndex, stream: t.stream, outputTable: t.table, workspaceId: t.workspaceId, rowsReceived: t.rowsReceived, rowsDropped: t.rowsDropped, rowsIngested: t.rowsIngested }));
    return { since: this.startedAt, dataFlows: flows };
  }

  /** Queues this interval's counts as VigilIngestionStatistics records (the sink appends them). */
  flush(): void {
    if (!this.sink || this.pending.size === 0) return;
    const batch = this.pending;
    const start = this.intervalStart;
    this.pending = new Map();
    this.intervalStart = new Date();
    for (const { key, counts } of batch.values()) {
      const w = this.metadata.workspaceByCustomerId(key.workspaceId);
      if (!w) continue;
      this.sink.write(w, VIGIL_INGESTION_STATISTICS, {
        TimeGenerated: this.intervalStart,
        IntervalStart: start,
        DataCollectionRuleId: key.ruleId,
        DataCollectionRuleImmutableId: key.immutableId,
        DataFlowIndex: key.flowIndex,
        Stream: key.stream,
        OutputTable: key.table,
        Transformation: key.transformation,
        RowsReceived: BigInt(counts.rowsReceived),
        RowsDropped: BigInt(counts.rowsDropped),
        RowsIngested: BigInt(counts.rowsIngested),
      });
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }
}
