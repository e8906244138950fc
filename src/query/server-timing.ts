/**
 * Where a query's time went on the server, sent back as a `Server-Timing` response header (W3C
 * Server Timing): `auth;dur=0.41, compile;dur=0.12, queue;dur=0.01, execute;dur=1.87, serialize;dur=0.05, total;dur=2.6`.
 *
 * Phases are wall-clock milliseconds measured inside the server process; a phase that ran several
 * times (a `fork` with several result tables) is summed. Only phase names and durations are sent —
 * never query text, table names or row counts — and only on answers to an authenticated caller.
 */
export const TIMING_PHASES = ['auth', 'compile', 'queue', 'execute', 'serialize'] as const;
export type TimingPhase = (typeof TIMING_PHASES)[number];

export class ServerTimings {
  private readonly started = process.hrtime.bigint();
  private readonly spent = new Map<TimingPhase, number>();

  /** Adds the time since `since` (a `process.hrtime.bigint()` value) to `phase`; returns now. */
  add(phase: TimingPhase, since: bigint): bigint {
    const now = process.hrtime.bigint();
    this.spent.set(phase, (this.spent.get(phase) ?? 0) + Number(now - since) / 1e6);
    return now;
  }

  /** Runs `fn`, counting its time (until its promise settles) to `phase`. */
  async time<T>(phase: TimingPhase, fn: () => Promise<T>): Promise<T> {
    const since = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.add(phase, since);
    }
  }

  /** Milliseconds spent in `phase` so far (0 when it did not run). */
  of(phase: TimingPhase): number {
    return this.spent.get(phase) ?? 0;
  }

  /** The header value: the phases that ran, in order, then the total since this object was made. */
  header(): string {
    const total = Number(process.hrtime.bigint() - this.started) / 1e6;
    const parts = TIMING_PHASES.filter((p) => this.spent.has(p)).map((p) => `${p};dur=${this.of(p).toFixed(2)}`);
    parts.push(`total;dur=${total.toFixed(2)}`);
    return parts.join(', ');
  }
}
