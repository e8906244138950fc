/**
 * The memory tier: a table's hot rows and its recently used decrypted segments, held in ONE
 * compressed in-memory DuckDB table per log table (catalog `segmem`), each row tagged in `__seg`
 * with the number of its generation — a hot generation (rows appended, not yet sealed; see
 * hot-tables.ts) or a loaded segment. Segments are bounded by a byte budget, least recently used
 * evicted first; a segment outside the tier is read as decrypted Parquet from the scratch cache.
 * Each segment counts what DuckDB's in-memory table memory grew by when it was loaded (DuckDB's
 * accounting is per instance, not per catalog). Hot rows are outside the budget: sealing bounds them.
 *
 * Compression happens only when the tier checkpoints its catalog, never on an append's commit (the
 * engine turns DuckDB's automatic checkpoints off, which compressed inside the committing append):
 * new rows stay uncompressed — an append costs what a plain in-memory table's does (bench `--suite
 * tier-append`) — until a segment is loaded or removed, a hot generation is sealed (`compress`,
 * then its rows are the segments' copy), or the hot rows appended since the last checkpoint reach
 * a bound (`compressIfDue`, from the engine's background work). The bound is kept small: uncompressed
 * rows take ~6× the memory, and filters and groupings on text over them run ×2–×4 slower (top-N is faster).
 *
 * Why one table: DuckDB then sees a single base-table scan and plans it as a native table's — zone
 * maps skip row groups, and top-N runs with late materialization (sort keys first, the other
 * columns of only the winning rows), which a UNION ALL of per-segment or hot tables prevents
 * (×3–×18 slower over 10M rows). Which generations a query may see is decided when its snapshot
 * starts (`present`, `epoch`, `segmentFilter`); usually all of them, so the scan has no filter.
 *
 * Why in memory at all: scans of in-memory tables are as fast as DuckDB's native tables (no
 * Parquet decoding), and the plaintext never needs a file once loaded — so a small /dev/shm
 * (Docker's 64 MB) only has to hold one segment at a time while it is loaded.
 *
 * A query pins the segments it reads; a pinned segment's rows are never deleted. A segment removed
 * from the manifest (retention, compaction, purge, drop) is deleted from its table as soon as its
 * last reader is done, and a table whose last generation left is dropped — except segments that
 * compaction merged from one generation: that generation is renamed to the merged segments
 * (`renameSegments`), whose rows it already holds.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from '../kql/sql.js';
import { DUCKDB_TYPE } from './column-types.js';
import { ticksOfLegacyTimestamp } from './legacy-time.js';
import type { StoredColumn } from './manifest.js';
import { Mutex } from './mutex.js';

export const MEM_CATALOG = 'segmem';
/** The column that tags each row of a tier table with its segment's number. */
export const SEG_COLUMN = '__seg';

interface TierTable {
  /** Name in the `segmem` catalog. */
  name: string;
  /** Column name (lower case) → type, in the table now. */
  columns: Map<string, StoredColumn['type']>;
  /** The table's physical column order (`__seg` included), for appenders. */
  order: { name: string; type: StoredColumn['type'] | 'seg' }[];
  /** Segments whose rows it holds (or is loading). */
  segments: number;
}

interface Entry {
  key: string;
  seg: number;
  pins: number;
  lastUsed: number;
  doomed: boolean;
  /** Bytes the segment added to the tier when it was loaded (for choosing eviction victims). */
  bytes: number;
  /** A hot generation (rows appended, not yet sealed): never evicted, not in the budget. */
  hot: boolean;
  /** Its rows are committed (a segment is listed before its INSERT starts, for `present`, but readable only after). */
  ready: boolean;
  /**
   * The ids it is listed under in `entries`: a loaded segment's id; a hot generation's id; or, for
   * a hot generation that was sealed in place (`adopt`), the ids of the segments sealed from it
   * plus its hot id for as long as queries may still read it as hot rows.
   */
  ids: Set<string>;
  /** Its hot id while it is listed under one: a generation with one is never removed except by `removeHot`. */
  hotId?: string;
  /** Ids it got from `renameSegments`: merged id → the ids it replaced. */
  mergedFrom?: Map<string, readonly string[]>;
  removed: boolean;
}

/** What a query's snapshot may find of one generation in a tier table (see `segmentFilter`). */
export interface PresentGeneration {
  hotId?: string;
  segments: string[];
  /**
   * Segments merged from others while in the tier (`renameSegments`): merged id → the ids it was
   * listed under before. A query that chose the originals sees the merged rows as theirs.
   */
  mergedFrom?: ReadonlyMap<string, readonly string[]>;
}

/** Per log table: its tier table (absent when it has none) and the generations a snapshot may see. */
export type TierSnapshot = Map<string, { source?: TierSource; present: Map<number, PresentGeneration> }>;

/** What a query reads of a tier table: its SQL name and the columns it has. */
export interface TierSource {
  sql: string;
  has(column: string): boolean;
}

/** A hot generation: where its rows are appended. */
export interface HotGeneration {
  /** Its entry in the tier. */
  id: string;
  /** Its number in `__seg`. */
  seg: number;
  /** The tier table: name in the `segmem` catalog and SQL name. */
  table: string;
  sql: string;
}

export class MemoryTier {
  private readonly entries = new Map<string, Entry>();
  private readonly tables = new Map<string, TierTable>();
  private readonly loading = new Map<string, Promise<Entry | undefined>>();
  /** Ids a generation was listed under before `renameSegments` replaced them: a query that pinned one still releases it. */
  private readonly renamed = new Map<string, Entry>();
  private readonly lock = new Mutex();
  private counter = 0;
  private tableCounter = 0;
  /** Changes whenever the set of entries or a table's columns change. */
  epoch = 0;
  /** The same, per log table (key): what a query reading only those tables has to watch. */
  private readonly keyEpochs = new Map<string, number>();
  private closed = false;
  private used = 0;
  hits = 0;
  loads = 0;
  /** Log payload bytes appended to hot generations since the tier's last checkpoint: rows not compressed yet. */
  private uncompressed = 0;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly budgetBytes: number,
  ) {}

  static async attach(conn: DuckDBConnection, budgetBytes: number): Promise<MemoryTier> {
    await conn.run(`ATTACH ':memory:' AS ${MEM_CATALOG} (COMPRESS)`);
    return new MemoryTier(conn, budgetBytes);
  }

  /** Whether sealed segments are loaded (hot generations always live here). */
  get enabled(): boolean {
    return this.budgetBytes > 0;
  }

  /** Bytes the tier's segments take (as counted when each was loaded). */
  get bytes(): number {
    return this.used;
  }

  /** Log payload bytes of hot rows appended since the last checkpoint (not compressed yet). */
  get uncompressedBytes(): number {
    return this.uncompressed;
  }

  /** Rows were appended to a hot generation (`bytes`: their log payload), still uncompressed. */
  appendedHot(bytes: number): void {
    this.uncompressed += bytes;
  }

  /** Compresses every row appended so far (a checkpoint of the tier's catalog); best effort. */
  compress(): Promise<void> {
    return this.lock.run(() => (this.closed ? undefined : this.checkpoint()));
  }

  /** Compresses when at least `limitBytes` of hot rows have been appended uncompressed. */
  async compressIfDue(limitBytes: number): Promise<void> {
    if (this.uncompressed >= limitBytes) await this.compress();
  }

  /** Sealed segments in the tier. */
  get count(): number {
    return [...this.entries].filter(([id, e]) => !e.doomed && !e.hot && id !== e.hotId).length;
  }

  /** Each generation once. */
  private generations(): Entry[] {
    return [...new Set(this.entries.values())];
  }

  has(id: string): boolean {
    const e = this.entries.get(id);
    return !!e && !e.doomed && e.ready;
  }

  /** Whether a copy of the segment is on its way out (doomed, its rows not deleted yet): a new load of it must wait. */
  leaving(id: string): boolean {
    const e = this.entries.get(id);
    return !!e && e.doomed && !e.removed;
  }

  /** The tier table of log table `key`, as it is now (a copy: later changes do not show). */
  source(key: string): TierSource | undefined {
    const t = this.tables.get(key);
    if (!t) return undefined;
    const columns = new Set(t.columns.keys());
    return { sql: `${MEM_CATALOG}.main.${sqlIdent(t.name)}`, has: (c) => columns.has(c.toLowerCase()) };
  }

  /** The physical column order of log table `key`'s tier table (for an appender; `seg` marks `__seg`). */
  order(key: string): readonly { name: string; type: StoredColumn['type'] | 'seg' }[] {
    return this.tables.get(key)?.order ?? [];
  }

  /**
   * Starts a hot generation of log table `key` (creating its tier table, or adding `columns` it
   * lacks). The caller holds the engine's write lock: appends and column changes never overlap.
   */
  addHot(key: string, columns: readonly StoredColumn[]): Promise<HotGeneration> {
    return this.lock.run(async () => {
      if (this.closed) throw new Error('The storage engine is closed.');
      const t = await this.tableFor(key, columns, true);
      if (!t) throw new Error(`the in-memory table of ${key} has a column of another type`);
      const seg = ++this.counter;
      const id = `hot:${seg}`;
      const e: Entry = { key, seg, pins: 0, lastUsed: Date.now(), doomed: false, bytes: 0, hot: true, ready: true, ids: new Set([id]), hotId: id, removed: false };
      t.segments++;
      this.entries.set(id, e);
      this.changed(key);
      return { id, seg: e.seg, table: t.name, sql: `${MEM_CATALOG}.main.${sqlIdent(t.name)}` };
    });
  }

  /** Adds columns to log table `key`'s tier table (the caller holds the engine's write lock). */
  addColumns(key: string, columns: readonly StoredColumn[]): Promise<void> {
    return this.lock.run(async () => {
      if (!(await this.tableFor(key, columns, true))) throw new Error(`the in-memory table of ${key} has a column of another type`);
    });
  }

  /**
   * A hot generation was sealed into `segmentIds` (the manifest lists them from now on): its rows
   * ARE those segments' rows, so it stays as their copy in the tier instead of being deleted and the
   * segments loaded again. Synchronous, in the same step as the manifest change, so that no query
   * can find the segments elsewhere first. Refused (false) when the tier is off or over its budget.
   */
  adopt(hotId: string, segmentIds: readonly string[], bytes: number): boolean {
    const e = this.entries.get(hotId);
    if (!e || !e.hot || e.doomed || !this.enabled || segmentIds.length === 0 || segmentIds.some((id) => this.entries.has(id))) return false;
    if (this.used + bytes > this.budgetBytes) return false;
    e.hot = false;
    e.bytes = bytes;
    e.lastUsed = Date.now();
    this.used += bytes;
    for (const id of segmentIds) {
      this.entries.set(id, e);
      e.ids.add(id);
    }
    this.changed(e.key);
    return true;
  }

  /**
   * Segments `from` were merged into segments `to` holding exactly their rows (compaction): when all
   * of `from` are one generation's, that generation is listed under `to` instead — its rows in the
   * tier ARE the merged segments' rows, so nothing is copied and nothing leaves memory. Synchronous,
   * in the same step as the manifest change, like `adopt`. False (nothing changed) when `from` are
   * not all in one readable generation; the caller then loads the merged segments itself.
   */
  renameSegments(from: readonly string[], to: readonly string[]): boolean {
    const e = from.length > 0 ? this.entries.get(from[0]!) : undefined;
    if (!e || e.doomed || !e.ready || e.hot || to.length === 0 || to.some((id) => this.entries.has(id))) return false;
    if (from.some((id) => this.entries.get(id) !== e || id === e.hotId)) return false;
    for (const id of from) {
      this.entries.delete(id);
      e.ids.delete(id);
      this.renamed.set(id, e);
    }
    for (const id of to) {
      this.entries.set(id, e);
      e.ids.add(id);
      (e.mergedFrom ??= new Map()).set(id, [...from]);
    }
    e.lastUsed = Date.now();
    this.changed(e.key);
    return true;
  }

  /**
   * Ends a hot generation (nobody reads it as hot rows any more): its rows are deleted — or, when it
   * was adopted as sealed segments, only its hot id goes.
   */
  removeHot(hotId: string): Promise<void> {
    return this.lock.run(async () => {
      const e = this.entries.get(hotId);
      if (!e) return;
      if (e.ids.size === 1) return this.removeLocked([e]);
      this.entries.delete(hotId);
      e.ids.delete(hotId);
      e.hotId = undefined;
      this.changed(e.key);
      if (e.doomed && e.pins === 0) await this.removeLocked([e]);
    });
  }

  /**
   * Segments of log table `key` whose rows may be visible in the tier table: each entry is added
   * before its INSERT starts and removed only after its DELETE has committed. Read it together with
   * `epoch` around the start of a DuckDB snapshot (see the engine's query).
   */
  present(key: string): Map<number, PresentGeneration> {
    const out = new Map<number, PresentGeneration>();
    for (const [id, e] of this.entries) {
      if (e.key !== key) continue;
      let g = out.get(e.seg);
      if (!g) out.set(e.seg, (g = { segments: [], ...(e.mergedFrom ? { mergedFrom: new Map(e.mergedFrom) } : {}) }));
      if (id === e.hotId) g.hotId = id;
      else g.segments.push(id);
    }
    return out;
  }

  /** Pins the segment when it is in the tier; returns its number in `__seg`. */
  tryAcquire(id: string): number | undefined {
    const e = this.entries.get(id);
    // Still loading: the caller waits for the load (`load` joins it).
    if (!e || e.doomed || !e.ready || id === e.hotId) return undefined;
    e.pins++;
    e.lastUsed = Date.now();
    this.hits++;
    return e.seg;
  }

  /** Whether a segment of about this many plaintext bytes may be loaded (the tier is on, and it fits its budget). */
  mayHold(parquetBytes: number): boolean {
    return this.enabled && parquetBytes * 1.5 <= this.budgetBytes;
  }

  /**
   * Loads a decrypted Parquet file (a segment of log table `key`, whose current columns are
   * `columns`) into the tier and pins it, if the budget allows (after evicting unpinned segments).
   * Returns its number in `__seg`, or undefined when it does not fit. `legacyDatetimes`: the file's
   * datetime columns stored as µs TIMESTAMPs (written before issue #12), loaded as ticks (legacy-time.ts).
   */
  async load(id: string, key: string, columns: readonly StoredColumn[], parquetPath: string, parquetBytes: number, legacyDatetimes: readonly string[] = []): Promise<number | undefined> {
    if (!this.mayHold(parquetBytes)) return undefined;
    let p = this.loading.get(id);
    if (!p) {
      p = this.lock.run(() => this.loadLocked(id, key, columns, parquetPath, parquetBytes, legacyDatetimes));
      this.loading.set(id, p);
      p.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const e = await p;
    if (!e || e.doomed) return undefined;
    e.pins++;
    e.lastUsed = Date.now();
    return e.seg;
  }

  private async loadLocked(id: string, key: string, columns: readonly StoredColumn[], parquetPath: string, parquetBytes: number, legacyDatetimes: readonly string[]): Promise<Entry | undefined> {
    if (this.closed) return undefined;
    if (this.entries.has(id)) return this.entries.get(id);
    const estimate = parquetBytes * 1.5;
    await this.evictLocked(Math.max(0, this.budgetBytes - estimate));
    if (this.used + estimate > this.budgetBytes) return undefined;
    const table = await this.tableFor(key, columns, false);
    if (!table) return undefined;
    const before = await this.inMemoryTableBytes();
    const e: Entry = { key, seg: ++this.counter, pins: 0, lastUsed: Date.now(), doomed: false, bytes: estimate, hot: false, ready: false, ids: new Set([id]), removed: false };
    table.segments++;
    this.entries.set(id, e);
    this.changed(key);
    this.used += e.bytes;
    try {
      // BY NAME: a segment of an older schema version lacks the newer columns, which read as NULL.
      const replace = legacyDatetimes.length ? ` REPLACE (${legacyDatetimes.map((c) => `${ticksOfLegacyTimestamp(sqlIdent(c))} AS ${sqlIdent(c)}`).join(', ')})` : '';
      await this.conn.run(
        `INSERT INTO ${MEM_CATALOG}.main.${sqlIdent(table.name)} BY NAME SELECT *${replace}, ${e.seg}::INTEGER AS ${sqlIdent(SEG_COLUMN)} FROM read_parquet(${sqlString(parquetPath)})`,
      );
      // Compresses the new rows now, so the budget counts their compressed size.
      await this.checkpoint();
    } catch (err) {
      await this.removeLocked([e]);
      throw err;
    }
    this.loads++;
    // What it took. Hot rows share DuckDB's counter, so a concurrent append blurs it: bounded by
    // the Parquet size below (small segments share blocks) and by what compression could cost above.
    const grown = Math.min(4 * parquetBytes + 1024 * 1024, Math.max(parquetBytes, (await this.inMemoryTableBytes()) - before));
    this.used += grown - e.bytes;
    e.bytes = grown;
    // The estimate was low: make room among the others, or give the segment back to the Parquet tier.
    if (this.used > this.budgetBytes) await this.evictLocked(this.budgetBytes, e);
    if (this.used > this.budgetBytes) {
      await this.removeLocked([e]);
      return undefined;
    }
    // Readable (and so pinnable) only now: a pinned segment is never removed.
    e.ready = true;
    return e;
  }

  /**
   * The tier table for log table `key` with at least `columns`: created, or widened when `widen`
   * (only under the engine's write lock: a column added while an append is open fails its commit).
   * Undefined when a column's type differs, or a column is missing and may not be added: such a
   * segment stays in Parquet.
   */
  private async tableFor(key: string, columns: readonly StoredColumn[], widen: boolean): Promise<TierTable | undefined> {
    let t = this.tables.get(key);
    if (!t) {
      t = { name: `t_${++this.tableCounter}`, columns: new Map(), order: [], segments: 0 };
      const list = [...columns.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`), `${sqlIdent(SEG_COLUMN)} INTEGER`];
      await this.conn.run(`CREATE TABLE ${MEM_CATALOG}.main.${sqlIdent(t.name)} (${list.join(', ')})`);
      for (const c of columns) t.columns.set(c.name.toLowerCase(), c.type);
      t.order = [...columns.map((c) => ({ name: c.name, type: c.type })), { name: SEG_COLUMN, type: 'seg' as const }];
      this.tables.set(key, t);
      this.changed(key);
      return t;
    }
    if (columns.some((c) => t!.columns.has(c.name.toLowerCase()) && t!.columns.get(c.name.toLowerCase()) !== c.type)) return undefined;
    const missing = columns.filter((c) => !t!.columns.has(c.name.toLowerCase()));
    if (missing.length > 0 && !widen) return undefined;
    for (const c of missing) {
      await this.conn.run(`ALTER TABLE ${MEM_CATALOG}.main.${sqlIdent(t.name)} ADD COLUMN ${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`);
      t.columns.set(c.name.toLowerCase(), c.type);
      t.order = [...t.order, { name: c.name, type: c.type }];
      // A query's snapshot must not predate a column its view names: it retries (see `epoch`).
      this.changed(key);
    }
    return t;
  }

  release(id: string): void {
    const e = this.entries.get(id) ?? this.renamed.get(id);
    if (!e) return;
    e.pins--;
    if (e.pins === 0 && e.doomed && e.hotId === undefined) void this.lock.run(() => this.removeLocked([e])).catch(() => undefined);
  }

  /**
   * The segment left the manifest: delete its rows once nobody reads them. A generation adopted as
   * several segments goes as a whole (its other segments are loaded again when needed).
   */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) {
      // Being loaded right now: drop it once it is in.
      this.loading.get(id)?.then(() => this.drop(id), () => undefined);
      return;
    }
    e.doomed = true;
    if (e.pins === 0 && e.hotId === undefined) void this.lock.run(() => this.removeLocked([e])).catch(() => undefined);
  }

  /** `epoch`, and that of each of `keys`, moves on. */
  private changed(...keys: string[]): void {
    this.epoch++;
    for (const k of keys) this.keyEpochs.set(k, (this.keyEpochs.get(k) ?? 0) + 1);
  }

  /** The epoch of log tables `keys` (compare with ===): the same as long as nothing of theirs `epoch` counts changed. */
  epochOf(keys: readonly string[]): string {
    return keys.map((k) => this.keyEpochs.get(k) ?? 0).join(',');
  }

  /**
   * The tier tables of `keys` and their generations as they are now. Valid for a DuckDB snapshot that
   * starts while `epoch` stays what it was when this was taken (read it before, compare it after).
   */
  capture(keys: readonly string[]): TierSnapshot {
    return new Map(keys.map((k) => [k, { source: this.source(k), present: this.present(k) }]));
  }

  /**
   * Starts a DuckDB snapshot on `conn` (an explicit transaction; the caller ends it) in which the
   * tier tables of `keys` are read, and returns, per key, the table and the generations that
   * snapshot can see — captured at the same instant. Appends, seals, loads and evictions change the
   * tier all the time: the snapshot starts (touching each table) while neither the set of
   * generations nor the tables' columns change, retried when they did, and after three tries under
   * the tier's lock. Knowing exactly what the snapshot holds, a query needs no filter in the usual
   * case, and DuckDB plans its scan as a native table's (zone maps, late materialization for top-N).
   */
  async beginSnapshot(conn: DuckDBConnection, keys: string[]): Promise<TierSnapshot> {
    const capture = () => this.capture(keys);
    if (keys.length === 0) return capture();
    const touch = keys.map((k) => this.source(k)?.sql).filter((x): x is string => x !== undefined);
    const begin = async () => {
      await conn.run(['BEGIN TRANSACTION', ...touch.map((x) => `SELECT 1 FROM ${x} LIMIT 0`)].join('; '));
      return capture();
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const epoch = this.epoch;
      const snap = await begin();
      if (this.epoch === epoch) return snap;
      await conn.run('ROLLBACK');
    }
    return this.lock.run(begin);
  }

  /** Resolves once every drop requested so far is done. */
  settle(): Promise<void> {
    return this.lock.run(() => undefined);
  }

  /** Deletes the rows of these segments (one statement per table), drops tables left empty, then reclaims the memory. */
  private async removeLocked(victims: Entry[]): Promise<void> {
    if (this.closed) return;
    // Doomed at once (no new readers), but out of `entries` only once the delete has committed:
    // until then `present()` must show their rows to the queries.
    const live = [...new Set(victims)].filter((e) => !e.removed);
    for (const e of live) e.doomed = true;
    const byKey = new Map<string, number[]>();
    for (const e of live) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.seg]);
    if (byKey.size === 0) return;
    // Should the delete fail, the entries stay (doomed) so that no range ever covers their rows.
    await this.deleteRows(byKey);
    for (const e of live) {
      for (const id of e.ids) if (this.entries.get(id) === e) this.entries.delete(id);
      for (const [id, r] of this.renamed) if (r === e) this.renamed.delete(id);
      e.removed = true;
      this.used -= e.bytes;
    }
    this.changed(...byKey.keys());
    // A checkpoint of the in-memory catalog frees the row groups the deletes emptied.
    await this.checkpoint();
  }

  private async deleteRows(byKey: Map<string, number[]>): Promise<void> {
    for (const [key, segs] of byKey) {
      const t = this.tables.get(key);
      if (!t) continue;
      t.segments -= segs.length;
      if (t.segments <= 0) {
        this.tables.delete(key);
        await this.conn.run(`DROP TABLE IF EXISTS ${MEM_CATALOG}.main.${sqlIdent(t.name)}`);
      } else {
        await this.conn.run(`DELETE FROM ${MEM_CATALOG}.main.${sqlIdent(t.name)} WHERE ${sqlIdent(SEG_COLUMN)} IN (${segs.join(', ')})`);
      }
    }
  }

  /**
   * Checkpoints the tier's catalog: compresses new rows and frees what deletes emptied. Best effort:
   * DuckDB refuses while another transaction holds a change it cannot settle yet (a table dropped
   * while a query still reads it); the next checkpoint does the work then.
   */
  private async checkpoint(): Promise<void> {
    const appended = this.uncompressed;
    try {
      await this.conn.run(`CHECKPOINT ${MEM_CATALOG}`);
      this.uncompressed -= appended;
    } catch {
      /* retried by the next checkpoint */
    }
  }

  /** DuckDB's memory for in-memory tables (the tier's and the hot tables). */
  private async inMemoryTableBytes(): Promise<number> {
    const r = await this.conn.runAndReadAll(`SELECT memory_usage_bytes FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`);
    return Number(r.getRowsJS()[0]?.[0] ?? 0);
  }

  /** Removes unpinned segments, least recently used first, until at most `target` bytes are used (by their load-time sizes). */
  private async evictLocked(target: number, keep?: Entry): Promise<void> {
    if (this.used <= target) return;
    const candidates = this.generations()
      .filter((e) => e.pins === 0 && !e.hot && e.hotId === undefined && e !== keep)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    const victims: Entry[] = [];
    let expected = this.used;
    for (const c of candidates) {
      if (expected <= target) break;
      victims.push(c);
      expected -= c.bytes;
    }
    if (victims.length > 0) await this.removeLocked(victims);
  }

  /** Waits for running loads and drops, then closes the tier's connection (the tables go with the instance). */
  async close(): Promise<void> {
    await this.lock.run(() => {
      this.closed = true;
      this.entries.clear();
      this.tables.clear();
      this.changed(...this.keyEpochs.keys());
      this.conn.closeSync();
    });
  }

  /** Removes every unpinned segment. */
  async clear(): Promise<void> {
    await this.lock.run(() => this.removeLocked(this.generations().filter((e) => e.pins === 0 && !e.hot && e.hotId === undefined)));
  }
}

/**
 * Whether a query that wants `wanted` (hot ids and segment ids) sees a present generation: when it
 * reads its hot id (hot rows), or when it wants every segment listed for it. A merged segment is
 * wanted when it is, or when everything it was merged from is (a query that chose its segments
 * before compaction renamed them), however many merges ago.
 */
export function seesGeneration(wanted: ReadonlySet<string>): (g: PresentGeneration) => boolean {
  const want = (g: PresentGeneration, id: string, depth = 0): boolean =>
    wanted.has(id) || (depth < 64 && (g.mergedFrom?.get(id)?.every((o) => want(g, o, depth + 1)) ?? false));
  return (g) => (g.hotId !== undefined && wanted.has(g.hotId)) || (g.segments.length > 0 && g.segments.every((id) => want(g, id)));
}

/**
 * The WHERE condition over `__seg` that keeps, of the generations present in a tier table, exactly
 * those the query may see — or '' when it may see every one (the usual case: no filter at all, so
 * DuckDB plans the scan exactly as a native table's; even an always-true range filter halves top-N
 * speed, and an IN list costs one comparison per value per row). A generation is seen when the
 * query reads its hot id (hot rows), or when it wants every segment listed for it. Ranges of
 * numbers are split around every generation it may not see.
 */
export function segmentFilter(present: ReadonlyMap<number, PresentGeneration>, wanted: ReadonlySet<string>): string {
  const seen = seesGeneration(wanted);
  const all = [...present].sort((a, b) => a[0] - b[0]);
  if (all.every(([, g]) => seen(g))) return '';
  const ranges: [number, number][] = [];
  let open: [number, number] | undefined;
  for (const [n, g] of all) {
    if (seen(g)) {
      if (open) open[1] = n;
      else ranges.push((open = [n, n]));
    } else open = undefined;
  }
  const col = sqlIdent(SEG_COLUMN);
  const terms = ranges.map(([a, b]) => (a === b ? `${col} = ${a}` : `${col} BETWEEN ${a} AND ${b}`));
  return terms.length === 0 ? 'false' : terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}
