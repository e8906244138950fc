/**
 * The storage engine's background schedule: every tick seals what is due, and at their intervals
 * (on the monotonic clock) runs retention and compaction; work that failed on storage is retried
 * after STORAGE_RETRY_MS instead of a whole interval later.
 */
import { storageErrorKind } from '../../util/storage-io.js';
import { monotonicMs, STORAGE_RETRY_MS, type EngineContext } from './context.js';
import { runCompaction } from './compaction.js';
import { backgroundFailed, backgroundOk } from './health.js';
import { runRetention } from './retention.js';
import { sealDue } from './sealing.js';

export class BackgroundWork {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  private lastRetention = 0;
  private lastCompaction = 0;

  constructor(private readonly ctx: EngineContext) {}

  start(): void {
    const tick = () => {
      if (this.busy || this.ctx.closed) return;
      this.busy = true;
      this.running = (async () => {
        await sealDue(this.ctx);
        await this.ctx.memory.compressIfDue(this.ctx.opts.hotUncompressedBytes);
        // Schedules run on the monotonic clock, so a wall clock set back does not stall them; retention's
        // cutoff is wall-clock time (the rows' TimeGenerated is).
        const now = monotonicMs();
        // Retention and compaction that failed on storage run again after STORAGE_RETRY_MS, not a whole interval later.
        if (now - this.lastRetention >= this.ctx.opts.retentionIntervalMs) {
          this.lastRetention = now;
          try {
            await runRetention(this.ctx, Date.now());
            backgroundOk(this.ctx, 'retention');
          } catch (err) {
            if (storageErrorKind(err)) this.lastRetention = now - this.ctx.opts.retentionIntervalMs + STORAGE_RETRY_MS;
            backgroundFailed(this.ctx, 'retention', err, `retention failed (${(err as Error).message})`);
          }
        }
        if (now - this.lastCompaction >= this.ctx.opts.compactionIntervalMs) {
          this.lastCompaction = now;
          try {
            await runCompaction(this.ctx);
            backgroundOk(this.ctx, 'compaction');
          } catch (err) {
            if (storageErrorKind(err)) this.lastCompaction = now - this.ctx.opts.compactionIntervalMs + STORAGE_RETRY_MS;
            backgroundFailed(this.ctx, 'compaction', err, `compaction failed (${(err as Error).message})`);
          }
        }
      })()
        .catch((err: unknown) => this.ctx.log('error', `background storage work failed: ${(err as Error).message}`))
        .finally(() => {
          this.busy = false;
        });
    };
    this.lastRetention = monotonicMs();
    this.lastCompaction = monotonicMs();
    const timer = setInterval(tick, Math.min(1000, Math.max(50, Math.floor(this.ctx.opts.sealAgeMs / 4))));
    timer.unref();
    this.timer = timer;
  }

  /** Retention failed on storage outside the schedule (at start-up): it runs again soon. */
  retryRetentionSoon(): void {
    this.lastRetention = monotonicMs() - this.ctx.opts.retentionIntervalMs + STORAGE_RETRY_MS;
  }

  /** Stops the schedule and waits for the running tick. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
