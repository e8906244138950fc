import { ApiError } from '../errors/api-error.js';

/**
 * Query admission, as Azure throttles Log Analytics: each principal runs at most `perPrincipal`
 * queries at once (Azure: 5); the rest wait in a FIFO queue, and time spent waiting counts against
 * the query's own time limit. When more than `maxQueued` queries wait in all, new ones get 429.
 * This keeps one caller (or one large `$batch`) from occupying every engine connection.
 */
export class QueryAdmission {
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, (() => void)[]>();
  private queued = 0;

  constructor(
    private readonly perPrincipal = 5,
    private readonly maxQueued = 200,
  ) {}

  /** Waits for a slot; resolves to the function that frees it. */
  async admit(principal: string, deadlineMs: number, signal?: AbortSignal): Promise<() => void> {
    const release = () => {
      const next = this.queues.get(principal)?.shift();
      if (next) next();
      else {
        const n = (this.running.get(principal) ?? 1) - 1;
        if (n <= 0) this.running.delete(principal);
        else this.running.set(principal, n);
      }
    };
    const now = this.running.get(principal) ?? 0;
    if (now < this.perPrincipal) {
      this.running.set(principal, now + 1);
      return once(release);
    }
    if (this.queued >= this.maxQueued) {
      throw new ApiError(429, 'TooManyRequests', `Too many queries are waiting to run (${this.maxQueued}). Retry after the time in the Retry-After header.`, {}, { 'retry-after': '10' });
    }
    const queue = this.queues.get(principal) ?? [];
    this.queues.set(principal, queue);
    this.queued++;
    return new Promise<() => void>((resolve, reject) => {
      let settled = false;
      const wake = () => {
        if (settled) return release(); // pass the slot on
        settled = true;
        cleanup();
        resolve(once(release)); // the slot of the finished query is handed over, so `running` is unchanged
      };
      const fail = (err: ApiError) => {
        if (settled) return;
        settled = true;
        const i = queue.indexOf(wake);
        if (i >= 0) queue.splice(i, 1);
        cleanup();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new ApiError(504, 'GatewayTimeout', `The query waited for its turn longer than its time limit: this principal already runs ${this.perPrincipal} queries. Retry later or run fewer queries at once.`)),
        Math.max(0, deadlineMs - Date.now()),
      );
      const onAbort = () => fail(new ApiError(499, 'QueryCancelled', 'The query was cancelled because the client went away.'));
      signal?.addEventListener('abort', onAbort);
      const cleanup = () => {
        this.queued--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (queue.length === 0) this.queues.delete(principal);
      };
      queue.push(wake);
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
