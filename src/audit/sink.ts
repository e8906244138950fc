/**
 * Where audit records go: rows for system tables (LAQueryLogs, AzureActivity) are buffered briefly and
 * appended to the destination workspace's table in batches, well within the 5 seconds the issue allows.
 * Writing an audit record never delays or fails the request it describes; a failed append is retried
 * with the next flush and reported to the log (without the record's content).
 *
 * Under a full or failing disk nothing is dropped silently: the audit tables may write into the
 * storage engine's free-space reserve (ingestion is refused first); if even that fails, records stay
 * queued in memory and are retried every flush (500 ms), the first failure and the recovery each
 * logged once. The queue holds at most `maxQueuedRows` rows per destination table; beyond that the
 * oldest are dropped and the count is logged as an error, as is any record still unwritten at
 * shutdown.
 */
import { randomUUID } from 'node:crypto';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import type { StoredValue } from '../store/column-types.js';
import type { LogStore } from '../store/store.js';
import { materializeStandardTable } from '../metadata/standard-tables.js';
import { SYSTEM_TABLES } from './system-tables.js';
import { parseDatetimeText, ticksFromUnixMicros } from '../kql/literals.js';

export type AuditValue = string | number | boolean | bigint | Date | null | undefined | Record<string, unknown> | unknown[];

/** 100-ns ticks since 0001-01-01, the store's datetime form (kql/types.ts). */
const ticksOf = (d: Date): bigint => ticksFromUnixMicros(BigInt(d.getTime()) * 1000n);

export class AuditSink {
  private readonly pending = new Map<string, { workspaceId: string; table: string; rows: Record<string, AuditValue>[] }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Destination tables whose last append failed (logged once until one succeeds), with when it began. */
  private readonly failing = new Map<string, number>();
  /** Rows dropped because the queue was full, for the log. */
  dropped = 0;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly log: (message: string) => void = () => undefined,
    flushIntervalMs = 500,
    private readonly maxQueuedRows = 100_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** Queues one row for a system table of a workspace (by customerId). */
  write(workspace: WorkspaceRecord, table: keyof typeof SYSTEM_TABLES & string, row: Record<string, AuditValue>): void {
    if (this.closed) return;
    const key = `${workspace.customerId}\u0000${table}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { workspaceId: workspace.customerId, table, rows: [] }));
    const now = new Date();
    entry.rows.push({
      TenantId: workspace.customerId,
      Type: table,
      _ItemId: randomUUID(),
      _TimeReceived: now,
      ...row,
      _BilledSize: JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).length,
    });
    if (entry.rows.length >= 1000) void this.flush();
  }

  /** Appends everything queued (callers may await it, e.g. before shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const b of batches) {
      if (b.rows.length === 0) continue;
      const key = `${b.workspaceId}\u0000${b.table}`;
      const w = this.metadata.workspaceByCustomerId(b.workspaceId);
      if (!w) continue; // the destination workspace was deleted
      try {
        const t = await materializeStandardTable(this.metadata, this.store, w, b.table);
        const columns = tableSchema(t);
        const rows: StoredValue[][] = b.rows.map((r) => columns.map((c) => toStored(r[c.name], c.type)));
        await this.store.append(w.customerId, t.name, columns, rows);
        const since = this.failing.get(key);
        if (since !== undefined) {
          this.failing.delete(key);
          this.log(`writing ${b.table} records to workspace ${b.workspaceId} works again after ${Math.round((Date.now() - since) / 1000)} s; the queued records are written`);
        }
      } catch (err) {
        if (!this.failing.has(key)) {
          this.failing.set(key, Date.now());
          // The engine's message may quote a value of the record (a query text): keep none of its quoted parts.
          const why = String((err as Error).message ?? err).split('\n')[0]!.replace(/'[^']*'|"[^"]*"/g, "'…'").slice(0, 300);
          this.log(`writing ${b.rows.length} ${b.table} record(s) to workspace ${b.workspaceId} failed: ${why}; they stay queued and are retried every flush (not logged again until it works)`);
        }
        if (!this.closed) {
          const again = this.pending.get(key);
          if (again) again.rows.unshift(...b.rows);
          else this.pending.set(key, b);
          const q = this.pending.get(key)!;
          if (q.rows.length > this.maxQueuedRows) {
            const n = q.rows.length - this.maxQueuedRows;
            q.rows.splice(0, n);
            this.dropped += n;
            this.log(`DROPPED ${n} ${b.table} record(s) of workspace ${b.workspaceId}: storage has refused them for ${Math.round((Date.now() - this.failing.get(key)!) / 1000)} s and the queue holds at most ${this.maxQueuedRows}`);
          }
        } else {
          this.dropped += b.rows.length;
          this.log(`LOST ${b.rows.length} ${b.table} record(s) of workspace ${b.workspaceId}: storage refused them until shutdown`);
        }
      }
    }
  }

  /** Rows waiting to be written. */
  get queued(): number {
    let n = 0;
    for (const b of this.pending.values()) n += b.rows.length;
    return n;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    // A last attempt; what storage still refuses is logged as lost (never dropped without a word).
    this.closed = true;
    if (this.pending.size > 0) await this.flush();
  }
}

function toStored(v: AuditValue, type: string): StoredValue {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'datetime':
      if (v instanceof Date) return Number.isFinite(v.getTime()) ? ticksOf(v) : null;
      if (typeof v === 'bigint') return v;
      if (typeof v === 'string') return parseDatetimeText(v) ?? null;
      return null;
    case 'dynamic':
      return typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    case 'int':
      return typeof v === 'number' ? Math.trunc(v) : typeof v === 'bigint' ? Number(v) : Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : null;
    case 'long':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
    case 'real':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.isFinite(Number(v)) ? Number(v) : null;
    case 'bool':
      return typeof v === 'boolean' ? v : v === 'true';
    default:
      return typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
