/**
 * The bounded queue between the syslog listeners and the ingestion service: rows are batched per
 * (rule, stream) and handed to IngestService one batch at a time, so durability, validation and the
 * store's limits apply exactly as for the Logs Ingestion API.
 *
 * Back-pressure instead of loss: when the queue holds `maxQueuedRows` rows (or `maxQueuedBytes`),
 * every TCP/TLS connection is paused (the kernel's receive window then stops the sender, which
 * keeps its messages in its own queue) until the queue has drained to half. A batch the store
 * refuses for lack of space or a failing disk (StorageFull / StorageUnavailable, or 429/503) stays
 * at the head of the queue and is retried with a growing delay; the connections stay paused
 * meanwhile. UDP has no flow control: a datagram that arrives while the queue is full is dropped
 * and counted (SyslogListenerStats.udpDropped).
 */
import { ApiError } from '../errors/api-error.js';
import type { DataCollectionRuleRecord } from '../metadata/records.js';
import { storageErrorKind } from '../util/storage-io.js';
import type { Row } from './rows.js';
import { syslogStreamColumns } from './streams.js';

export interface PipelineLimits {
  /** Rows per ingestion call. */
  batchRows: number;
  /** How long a partial batch waits for more rows. */
  flushMs: number;
  /** Rows queued before connections are paused (and UDP datagrams dropped). */
  maxQueuedRows: number;
  /** Approximate bytes queued before the same. */
  maxQueuedBytes: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = { batchRows: 5000, flushMs: 250, maxQueuedRows: 20_000, maxQueuedBytes: 32 * 1024 * 1024 };

export type IngestFn = (rule: DataCollectionRuleRecord, stream: string, rows: unknown[]) => Promise<number>;

export interface PipelineStats {
  queuedRows: number;
  ingestedRows: number;
  /** Rows a non-retryable error refused (the rule or its table was deleted, a row the table refuses). */
  failedRows: number;
  /** Batches retried after a storage or throttling refusal. */
  retries: number;
  /** Are the TCP/TLS connections paused right now? */
  paused: boolean;
}

interface Queue {
  ruleId: string;
  stream: string;
  rows: Row[];
  bytes: number[];
}

const MAX_RETRY_DELAY_MS = 10_000;

/** Errors worth retrying: the store is full or failing, or ingestion is throttled or unavailable. */
function retryable(err: unknown): boolean {
  if (storageErrorKind(err)) return true;
  return err instanceof ApiError && (err.status === 429 || err.status === 503);
}

export class SyslogPipeline {
  private readonly queues = new Map<string, Queue>();
  private queuedRows = 0;
  private queuedBytes = 0;
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private retryDelay = 0;
  private closed = false;
  private readonly pausable = new Set<{ pause(): void; resume(): void }>();
  private readonly idleWaiters: (() => void)[] = [];
  readonly stats: PipelineStats = { queuedRows: 0, ingestedRows: 0, failedRows: 0, retries: 0, paused: false };

  constructor(
    private readonly resolveRule: (immutableId: string) => DataCollectionRuleRecord | undefined,
    private readonly ingest: IngestFn,
    private readonly log: (level: 'warn' | 'error' | 'info', message: string) => void,
    readonly limits: PipelineLimits = DEFAULT_PIPELINE_LIMITS,
  ) {}

  /** Is there room for more rows? UDP drops a datagram when there is none. */
  get full(): boolean {
    return this.queuedRows >= this.limits.maxQueuedRows || this.queuedBytes >= this.limits.maxQueuedBytes;
  }

  /** A connection to pause while the queue is full (now, if it is); untrack it when it closes. */
  track(conn: { pause(): void; resume(): void }): () => void {
    this.pausable.add(conn);
    if (this.stats.paused) conn.pause();
    return () => this.pausable.delete(conn);
  }

  enqueue(ruleId: string, stream: string, row: Row, bytes: number): void {
    const key = `${ruleId}\n${stream}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { ruleId, stream, rows: [], bytes: [] };
      this.queues.set(key, q);
    }
    q.rows.push(row);
    q.bytes.push(bytes);
    this.queuedRows++;
    this.queuedBytes += bytes;
    this.stats.queuedRows = this.queuedRows;
    if (this.full && !this.stats.paused) {
      this.stats.paused = true;
      for (const c of this.pausable) c.pause();
    }
    if (q.rows.length >= this.limits.batchRows) this.kick(0);
    else this.kick(this.limits.flushMs);
  }

  private kick(delayMs: number): void {
    if (this.flushing || this.closed) return;
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  private maybeResume(): void {
    if (this.stats.paused && this.queuedRows <= this.limits.maxQueuedRows / 2 && this.queuedBytes <= this.limits.maxQueuedBytes / 2) {
      this.stats.paused = false;
      for (const c of this.pausable) c.resume();
    }
  }

  /** Sends batches until the queue is empty, one at a time. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.closed) {
        // The fullest queue first: it is the one most likely to hold back the senders.
        let q: Queue | undefined;
        for (const candidate of this.queues.values()) if (candidate.rows.length > 0 && (!q || candidate.rows.length > q.rows.length)) q = candidate;
        if (!q) break;
        const n = Math.min(q.rows.length, this.limits.batchRows);
        const rows = q.rows.slice(0, n);
        const bytes = q.bytes.slice(0, n).reduce((a, b) => a + b, 0);
        const rule = this.resolveRule(q.ruleId);
        try {
          if (!rule) throw new Error(`data collection rule '${q.ruleId}' no longer exists`);
          const withStream = { ...rule, streamDeclarations: { ...rule.streamDeclarations, [q.stream]: { columns: syslogStreamColumns(q.stream) } } };
          await this.ingest(withStream, q.stream, rows);
          this.stats.ingestedRows += n;
          this.retryDelay = 0;
        } catch (err) {
          if (retryable(err) && !this.closed) {
            // Nothing was stored: keep the batch at the head, keep the senders paused, retry later.
            this.stats.retries++;
            this.retryDelay = Math.min(MAX_RETRY_DELAY_MS, this.retryDelay ? this.retryDelay * 2 : 250);
            if (this.stats.retries === 1 || this.retryDelay === MAX_RETRY_DELAY_MS) {
              this.log('warn', `syslog ingestion into rule '${q.ruleId}' refused (${(err as Error).message}); retrying in ${this.retryDelay} ms, senders held back meanwhile`);
            }
            if (!this.stats.paused) {
              this.stats.paused = true;
              for (const c of this.pausable) c.pause();
            }
            await new Promise((r) => setTimeout(r, this.retryDelay));
            continue;
          }
          this.stats.failedRows += n;
          this.log('error', `syslog rows for rule '${q.ruleId}' stream '${q.stream}' could not be ingested and were dropped (${n} rows): ${(err as Error).message}`);
        }
        q.rows.splice(0, n);
        q.bytes.splice(0, n);
        if (q.rows.length === 0) this.queues.delete(`${q.ruleId}\n${q.stream}`);
        this.queuedRows -= n;
        this.queuedBytes -= bytes;
        this.stats.queuedRows = this.queuedRows;
        this.maybeResume();
        // A partial batch waits for more rows unless the queue is under pressure.
        if (!this.stats.paused && ![...this.queues.values()].some((x) => x.rows.length >= this.limits.batchRows)) break;
      }
    } finally {
      this.flushing = false;
    }
    if (this.queuedRows > 0) this.kick(this.limits.flushMs);
    else for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once everything queued so far has been handed to ingestion (or failed). */
  async drain(): Promise<void> {
    if (this.queuedRows === 0) return;
    const done = new Promise<void>((r) => this.idleWaiters.push(r));
    this.kick(0);
    await done;
  }

  /** Flushes what is queued (unless storage refuses it), then stops. */
  async close(): Promise<void> {
    if (this.queuedRows > 0) {
      await Promise.race([this.drain(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
