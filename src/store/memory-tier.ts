/**
 * The memory tier: recently used decrypted segments loaded as in-memory DuckDB tables (catalog
 * `segmem`, attached with DuckDB's in-memory compression, ~1.5× the Parquet size), bounded by a
 * byte budget measured from DuckDB's own accounting, least recently used evicted first. A segment
 * outside the tier is read as decrypted Parquet from the scratch cache (the fallback tier).
 *
 * Why: scans of in-memory tables are as fast as DuckDB's native tables (no Parquet decoding, no
 * footers per query), and the plaintext never needs a file once loaded — so a small /dev/shm
 * (Docker's 64 MB) only has to hold one segment at a time while it is loaded.
 *
 * A query pins the tables it reads; pinned tables are never dropped. A segment removed from the
 * manifest (retention, compaction, purge, drop) is dropped as soon as its last reader is done.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from '../kql/sql.js';
import { Mutex } from './mutex.js';

export const MEM_CATALOG = 'segmem';

interface Entry {
  table: string;
  pins: number;
  lastUsed: number;
  doomed: boolean;
}

export class MemoryTier {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry | undefined>>();
  private readonly lock = new Mutex();
  private counter = 0;
  private closed = false;
  private used = 0;
  hits = 0;
  loads = 0;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly budgetBytes: number,
  ) {}

  static async attach(conn: DuckDBConnection, budgetBytes: number): Promise<MemoryTier> {
    if (budgetBytes > 0) await conn.run(`ATTACH ':memory:' AS ${MEM_CATALOG} (COMPRESS)`);
    return new MemoryTier(conn, budgetBytes);
  }

  get enabled(): boolean {
    return this.budgetBytes > 0;
  }

  /** Bytes DuckDB holds for the tier's tables. */
  get bytes(): number {
    return this.used;
  }

  get count(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    const e = this.entries.get(id);
    return !!e && !e.doomed;
  }

  /** Pins the segment's table when it is in the tier; returns its SQL name. */
  tryAcquire(id: string): string | undefined {
    const e = this.entries.get(id);
    if (!e || e.doomed) return undefined;
    e.pins++;
    e.lastUsed = Date.now();
    this.hits++;
    return `${MEM_CATALOG}.main.${sqlIdent(e.table)}`;
  }

  /**
   * Loads a decrypted Parquet file into the tier and pins it, if the budget allows (after evicting
   * unpinned tables). Returns the table's SQL name, or undefined when it does not fit.
   */
  async load(id: string, parquetPath: string, parquetBytes: number): Promise<string | undefined> {
    if (!this.enabled || parquetBytes * 1.5 > this.budgetBytes) return undefined;
    let p = this.loading.get(id);
    if (!p) {
      p = this.lock.run(async () => {
        if (this.closed) return undefined;
        if (this.entries.has(id)) return this.entries.get(id);
        await this.evictLocked(Math.max(0, this.budgetBytes - parquetBytes * 1.5));
        if (this.used + parquetBytes * 1.5 > this.budgetBytes) return undefined;
        const table = `s_${++this.counter}`;
        await this.conn.run(`CREATE TABLE ${MEM_CATALOG}.main.${sqlIdent(table)} AS SELECT * FROM read_parquet(${sqlString(parquetPath)})`);
        // Compresses the new table now, so the budget counts its compressed size.
        await this.conn.run(`CHECKPOINT ${MEM_CATALOG}`);
        const e: Entry = { table, pins: 0, lastUsed: Date.now(), doomed: false };
        this.entries.set(id, e);
        this.loads++;
        await this.measure();
        // The estimate was low: make room among the others, or give the segment back to the Parquet tier.
        if (this.used > this.budgetBytes) await this.evictLocked(this.budgetBytes, id);
        if (this.used > this.budgetBytes) {
          await this.dropLocked(id, e);
          return undefined;
        }
        return e;
      });
      this.loading.set(id, p);
      p.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const e = await p;
    if (!e || e.doomed) return undefined;
    e.pins++;
    e.lastUsed = Date.now();
    return `${MEM_CATALOG}.main.${sqlIdent(e.table)}`;
  }

  release(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.pins--;
    if (e.pins === 0 && e.doomed) void this.lock.run(() => this.dropLocked(id, e)).catch(() => undefined);
  }

  /** The segment left the manifest: drop its table once nobody reads it. */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) {
      // Being loaded right now: drop it once it is in.
      this.loading.get(id)?.then(() => this.drop(id), () => undefined);
      return;
    }
    e.doomed = true;
    if (e.pins === 0) void this.lock.run(() => this.dropLocked(id, e)).catch(() => undefined);
  }

  /** Resolves once every drop requested so far is done. */
  settle(): Promise<void> {
    return this.lock.run(() => undefined);
  }

  private async dropLocked(id: string, e: Entry): Promise<void> {
    if (this.closed || this.entries.get(id) !== e) return;
    this.entries.delete(id);
    await this.conn.run(`DROP TABLE IF EXISTS ${MEM_CATALOG}.main.${sqlIdent(e.table)}`);
    await this.measure();
  }

  private async measure(): Promise<void> {
    if (this.closed) return;
    const r = await this.conn.runAndReadAll(`SELECT memory_usage FROM pragma_database_size() WHERE database_name = '${MEM_CATALOG}'`);
    this.used = parseSize(String(r.getRowsJS()[0]?.[0] ?? '0'));
  }

  /** Drops unpinned tables, least recently used first, until at most `target` bytes are used. */
  private async evictLocked(target: number, keep?: string): Promise<void> {
    if (this.used <= target) return;
    const victims = [...this.entries].filter(([id, e]) => e.pins === 0 && id !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, e] of victims) {
      if (this.used <= target) break;
      await this.dropLocked(id, e);
    }
  }

  /** Waits for running loads and drops, then closes the tier's connection (the tables go with the instance). */
  async close(): Promise<void> {
    await this.lock.run(() => {
      this.closed = true;
      this.entries.clear();
      this.conn.closeSync();
    });
  }

  async clear(): Promise<void> {
    await this.lock.run(async () => {
      for (const [id, e] of [...this.entries]) if (e.pins === 0) await this.dropLocked(id, e);
    });
  }
}

/** DuckDB's human-readable sizes ("69.5 MiB", "1.2 GiB", "512 bytes") in bytes. */
export function parseSize(s: string): number {
  const m = /^([\d.]+)\s*(bytes|[KMGTP]i?B)?$/i.exec(s.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'bytes').toUpperCase();
  const pow = { BYTES: 0, KB: 1, KIB: 1, MB: 2, MIB: 2, GB: 3, GIB: 3, TB: 4, TIB: 4, PB: 5, PIB: 5 }[unit] ?? 0;
  const base = unit.includes('I') || unit === 'BYTES' ? 1024 : 1000;
  return Math.round(n * base ** pow);
}
