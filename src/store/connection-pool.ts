/** Query connections handed out one caller at a time; a caller that finds none waits, first come first served. */
import type { DuckDBConnection } from '@duckdb/node-api';

export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];

  add(c: DuckDBConnection): void {
    this.release(c);
  }

  acquire(): Promise<DuckDBConnection> {
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  /** Closes the connections not in use now. */
  closeIdle(): void {
    for (const c of this.idle.splice(0)) c.closeSync();
  }
}
