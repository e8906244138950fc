/**
 * Vigil's storage engine behind the LogStore interface (DESIGN §6): per workspace an encrypted,
 * group-committed write-ahead log, hot rows in in-memory DuckDB, encrypted immutable Parquet
 * segments listed in a MAC-chained manifest, and queries over hot rows plus the segments whose
 * time range overlaps the query, decrypted only into a memory-backed cache.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../kql/index.js';
import { sqlIdent, sqlString } from '../kql/sql.js';
import { ConnectionPool } from './connection-pool.js';
import { loadMasterKeys, type MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys, type WorkspaceKeys } from '../keys/workspace-keys.js';
import { DUCKDB_TYPE, type StoredValue } from './column-types.js';
import { DAY_MICROS, planCompaction } from './compaction.js';
import { SegmentDamagedError } from './segment-damaged.js';
import { addHotColumns, appendHot, appendScratch, createHotTable, createScratchTable, dropHotTable, dropScratchTable, SCRATCH_CATALOG, hotRows, hotSelect, scratchSource, type HotTable } from './hot-tables.js';
import { Manifest, type SegmentEntry, type StoredColumn } from './manifest.js';
import { Mutex } from './mutex.js';
import { asColumnBatch, type ColumnBatch } from './column-batch.js';
import { decodeRecord, encodeColumnsRecord, encodeRecord, type RowsRecord } from './record-codec.js';
import { expiredSegments, retentionCutoff } from './retention.js';
import { closeScratch, HOW_TO, openScratch, SMALL_SCRATCH_BYTES, type Scratch } from './scratch.js';
import { ensureDir, exportSegments, OPEN_MAX, OPEN_MIN, type ExportedSegment } from './sealer.js';
import { SegmentCache, type CachedSegment } from './segment-cache.js';
import { MemoryTier, segmentFilter, type TierSource } from './memory-tier.js';
import { openSegment } from './segment.js';
import { resourceScopeFilter } from './row-scope.js';
import { StatementGuard } from './statement-guard.js';
import { QueryAbortedError, type LogStore, type QueryLimits, type QueryOutput, type ScanStatistics, type TableGrant } from './store.js';
import { PlanProbe } from './plan-probe.js';
import { intersectRange, type MicrosRange } from './time-pruning.js';
import { readWal, readWalFile, replaceWalFile, shredFile, WalWriter } from './wal.js';
import { DEFAULT_MIN_FREE_BYTES, FreeSpaceGuard } from './disk-space.js';
import { nodeIo, storageErrorKind, type StorageIo } from '../util/storage-io.js';
import { registerKqlRuntime } from '../kql/runtime/index.js';
import { crashPoint } from './crash-points.js';

/** Milliseconds on a clock that never jumps (for schedules and ages; never for timestamps). */
const monotonicMs = () => performance.now();

export interface EngineOptions {
  dataDir: string;
  /** The master keys, opened under the root of trust by the server (default: the data folder's plain key files). */
  masterKeys?: MasterKeys;
  /** DuckDB memory limit, e.g. '4GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Connections for concurrent queries (default 8: more than the 5 one principal may use at once, so one caller cannot hold them all). */
  queryConnections?: number;
  /** Memory-backed folder for plaintext (default /dev/shm, or VIGIL_SCRATCH_DIR). */
  scratchDir?: string;
  /** Seal a table's hot rows once they reach this many rows… */
  sealRows?: number;
  /** …or this many bytes of log payload… */
  sealBytes?: number;
  /** …or once the oldest is this old. */
  sealAgeMs?: number;
  /** One segment per bucket of TimeGenerated this wide (ms). */
  partitionMs?: number;
  /** Size bound of the decrypted-segment cache (Parquet files in the scratch tmpfs). */
  segmentCacheBytes?: number;
  /**
   * Memory budget of the memory tier: decrypted segments as compressed in-memory DuckDB tables
   * (LRU; segments beyond it are read as Parquet from the scratch cache). 0 turns it off.
   * Default 1 GiB (about 45 million rows of typical logs).
   */
  memoryTierBytes?: number;
  /**
   * Hot rows are compressed in the background once this many bytes of log payload were appended
   * uncompressed (besides when a table is sealed); bounds their memory between seals. Default 128 MiB.
   */
  hotUncompressedBytes?: number;
  walFileBytes?: number;
  retentionIntervalMs?: number;
  compactionIntervalMs?: number;
  /** Retention of a table in days (undefined or ≤ 0: keep everything). */
  retentionDays?: (workspaceId: string, table: string) => number | undefined;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Ingestion is refused (503 StorageFull) while less than this many bytes would stay free on the
   * data folder's file system (default 256 MiB; 0: only a full disk refuses). The reserve is for
   * sealing, compaction, manifest updates and the audit tables.
   */
  minFreeBytes?: number;
  /** Tables that may write into the reserve (default: the audit tables LAQueryLogs and AzureActivity). */
  reserveTables?: readonly string[];
  /** The file-system layer of the write path (tests inject faults). */
  io?: StorageIo;
}

export interface WorkspaceTables {
  workspaceId: string;
  tables: { name: string; columns: ColumnSchema[] }[];
}

interface TableRt {
  name: string;
  /** Its table in the memory tier (hot rows and loaded segments). A table created again after a drop gets a new one. */
  tierKey: string;
  columns: StoredColumn[];
  schemaVersion: number;
  hot: HotTable;
  /** Retired hot tables whose rows are being sealed (oldest first). */
  sealing: HotTable[];
  dropped: boolean;
  sealingNow: boolean;
}

interface Ws {
  id: string;
  hex: string;
  dir: string;
  keys: WorkspaceKeys;
  manifest: Manifest;
  wal: WalWriter;
  tables: Map<string, TableRt>;
  lastApplied: Map<string, number>;
}

export interface EngineStatus {
  workspaces: number;
  hotRows: number;
  segments: number;
  segmentRows: number;
  segmentBytes: number;
  walBytes: number;
  cacheBytes: number;
  cachedSegments: number;
  /** Bytes DuckDB holds for segments in the memory tier, and how many segments are there. */
  memoryTierBytes: number;
  memoryTierSegments: number;
  /** Log payload bytes of hot rows appended since the memory tier last compressed. */
  hotUncompressedBytes: number;
  walSyncs: number;
}

/** Compaction merges segments whose files take at most this many bytes together. */
const COMPACTION_MAX_BYTES = 64 * 1024 * 1024;
/** Tables written into the free-space reserve: the audit must not stop when ingestion does. */
const RESERVE_TABLES = ['LAQueryLogs', 'AzureActivity'];
/** Background work that failed on storage is retried this soon (rather than at its next interval). */
const STORAGE_RETRY_MS = 5000;
const VIEW_PREFIX = 'vigil_';
const hexOf = (workspaceId: string) => workspaceId.toLowerCase().replace(/[^0-9a-f]/g, '');
const viewName = (hex: string, table: string) => `${VIEW_PREFIX}${hex}_${table}`;
/** The view of a grant: the table's, or — for a resource scope — one named for that scope too. */
const grantViewName = (hex: string, table: string, resourceScope?: string) =>
  resourceScope === undefined ? viewName(hex, table) : `${viewName(hex, table)}@${createHash('sha256').update(resourceScope).digest('hex').slice(0, 24)}`;
/** The memory-tier key of a table: its view name and the schema version it was (re)created or opened at. */
const tierKeyOf = (hex: string, table: string, version: number) => `${viewName(hex, table)}#${version}`;

function microsIso(us: number | undefined): string | undefined {
  if (us === undefined || us <= OPEN_MIN || us >= OPEN_MAX) return undefined;
  return new Date(Math.floor(us / 1000)).toISOString();
}

export class StorageEngine implements LogStore {
  private readonly workspaces = new Map<string, Ws>();
  private readonly opening = new Map<string, Promise<Ws>>();
  private readonly writeLock = new Mutex();
  /** Serialises what rewrites a table's stored rows: sealing, retention, compaction and purge. */
  private readonly maintLock = new Mutex();
  /** The view SQL each query connection last created, per view (skip re-creating an identical one). */
  private readonly viewSql = new WeakMap<DuckDBConnection, Map<string, string>>();
  private readonly pool = new ConnectionPool();
  /** Segments a running query reads, and encrypted files waiting for their readers to finish. */
  private readonly segmentReaders = new Map<string, number>();
  private readonly pendingDelete = new Map<string, { path: string; shred: boolean }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private background: Promise<void> = Promise.resolve();
  private backgroundBusy = false;
  private closed = false;
  private lastRetention = 0;
  private lastCompaction = 0;
  private readonly io: StorageIo;
  /** Free space of the data folder, and storage-failure episodes (logged once each). */
  readonly space: FreeSpaceGuard;
  readonly opts: Required<Omit<EngineOptions, 'masterKeys' | 'retentionDays' | 'log' | 'scratchDir' | 'memoryLimit' | 'threads' | 'queryConnections' | 'io' | 'reserveTables'>> & EngineOptions;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly sealConn: DuckDBConnection,
    private readonly probe: PlanProbe,
    private readonly guard: StatementGuard,
    private readonly master: MasterKeys,
    private readonly scratch: Scratch,
    readonly cache: SegmentCache,
    readonly memory: MemoryTier,
    options: EngineOptions,
  ) {
    this.opts = {
      sealRows: 500_000,
      sealBytes: 64 * 1024 * 1024,
      sealAgeMs: 10 * 60_000,
      hotUncompressedBytes: 128 * 1024 * 1024,
      partitionMs: 3_600_000,
      segmentCacheBytes: 1024 * 1024 * 1024,
      walFileBytes: 64 * 1024 * 1024,
      retentionIntervalMs: 3_600_000,
      compactionIntervalMs: 10 * 60_000,
      minFreeBytes: DEFAULT_MIN_FREE_BYTES,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      dataDir: options.dataDir,
    } as StorageEngine['opts'];
    this.io = options.io ?? nodeIo;
    this.space = new FreeSpaceGuard(options.dataDir, this.opts.minFreeBytes, (level, message) => this.log(level, message));
  }

  static async open(options: EngineOptions): Promise<StorageEngine> {
    const master = options.masterKeys ?? (await loadMasterKeys(options.dataDir, { create: true }));
    const scratch = openScratch(options.scratchDir);
    try {
      const instance = await DuckDBInstance.create(':memory:', {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        memory_limit: options.memoryLimit ?? '4GB',
        threads: String(options.threads ?? 2),
        // Spills go to the memory-backed scratch folder, never to a persistent disk, and take at most
        // half of it (a query that needs more fails with DuckDB's out-of-temp-space error, not ENOSPC).
        temp_directory: join(scratch.dir, 'duckdb-tmp'),
        max_temp_directory_size: `${Math.max(16, Math.floor(scratch.freeBytes / 2 / 1024 / 1024))}MiB`,
        // No automatic checkpoints: they compress the memory tier inside an append's commit, on the
        // request's path; the tier compresses in the background instead (memory-tier.ts).
        checkpoint_threshold: '1TB',
      });
      if (scratch.freeBytes < SMALL_SCRATCH_BYTES) {
        const say = options.log ? (m: string) => options.log!('warn', m) : (m: string) => process.stderr.write(`vigil storage warn: ${m}\n`);
        say(
          `the scratch folder has only ${Math.round(scratch.freeBytes / 1048576)} MB free (Docker's default /dev/shm is 64 MB). Vigil runs correctly: decrypted segments are held in ` +
            `its in-memory tier and the tmpfs only stages one segment at a time, but large queries cannot spill. For big workspaces give it more: ${HOW_TO}`,
        );
      }
      const setup = "LOAD json; LOAD icu; LOAD parquet; SET TimeZone = 'UTC'";
      const writer = await instance.connect();
      await writer.run(setup);
      registerKqlRuntime(writer);
      await writer.run(`ATTACH ':memory:' AS ${SCRATCH_CATALOG}`);
      const sealConn = await instance.connect();
      await sealConn.run(setup);
      const probe = await PlanProbe.open(setup);
      // Half the scratch space at most, so sealing and spills keep room.
      const cacheBytes = options.segmentCacheBytes ?? Math.max(16 * 1024 * 1024, Math.min(1024 * 1024 * 1024, Math.floor(scratch.freeBytes / 2)));
      const memConn = await instance.connect();
      await memConn.run(setup);
      const memory = await MemoryTier.attach(memConn, options.memoryTierBytes ?? 1024 * 1024 * 1024);
      const engine = new StorageEngine(instance, writer, sealConn, probe, await StatementGuard.open(setup), master, scratch, new SegmentCache(join(scratch.dir, 'segments'), cacheBytes), memory, options);
      for (let i = 0; i < (options.queryConnections ?? 8); i++) {
        const c = await instance.connect();
        await c.run(setup);
        // Parquet footers of cached segments are parsed once, not per query (they live in DuckDB's memory).
        await c.run('SET parquet_metadata_cache = true');
        engine.pool.add(c);
      }
      // Lock DuckDB down: SQL may touch no file but the memory-backed scratch folder (segments being
      // sealed or loaded), and no setting can be changed afterwards. Whatever SQL reaches a query
      // connection cannot read the data folder, keys or system files, nor write anywhere else.
      await writer.run(`SET allowed_directories = [${sqlString(`${scratch.dir.replace(/\/+$/, '')}/`)}]`);
      await writer.run('SET enable_external_access = false');
      await writer.run('SET lock_configuration = true');
      engine.startBackground();
      return engine;
    } catch (err) {
      closeScratch(scratch);
      throw err;
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.opts.log) this.opts.log(level, message);
    else if (level !== 'info') process.stderr.write(`vigil storage ${level}: ${message}\n`);
  }

  // ------------------------------------------------------------------ workspaces

  private workspaceDir(id: string): string {
    return join(this.opts.dataDir, 'storage', id.toLowerCase());
  }

  /** Opens every workspace (replaying its log) and makes sure each listed table exists; called once at start. */
  async attachWorkspaces(list: WorkspaceTables[]): Promise<void> {
    for (const w of list) {
      await this.workspace(w.workspaceId);
      for (const t of w.tables) await this.ensureTable(w.workspaceId, t.name, t.columns);
    }
    try {
      await this.runRetention();
    } catch (err) {
      // Start on a full disk (queries work; ingestion answers 503): retention runs again in the background.
      if (!storageErrorKind(err)) throw err;
      this.lastRetention = monotonicMs() - this.opts.retentionIntervalMs + STORAGE_RETRY_MS;
      this.backgroundFailed('retention', err, `retention failed (${(err as Error).message})`);
    }
  }

  private workspace(workspaceId: string): Promise<Ws> {
    const id = workspaceId.toLowerCase();
    const ws = this.workspaces.get(id);
    if (ws) return Promise.resolve(ws);
    let p = this.opening.get(id);
    if (!p) {
      p = this.openWorkspace(id).finally(() => this.opening.delete(id));
      this.opening.set(id, p);
    }
    return p;
  }

  private async openWorkspace(id: string): Promise<Ws> {
    if (this.closed) throw new Error('The storage engine is closed.');
    const dir = this.workspaceDir(id);
    ensureDir(join(dir, 'wal'));
    ensureDir(join(dir, 'segments'));
    const keys = loadOrCreateWorkspaceKeys(dir, id, this.master);
    const manifest = Manifest.load(join(dir, 'manifest.json'), id, keys.macKey, undefined, this.io);
    const hex = hexOf(id);
    const tables = new Map<string, TableRt>();
    for (const [name, state] of Object.entries(manifest.tables)) {
      if (state.dropped) continue;
      const schema = state.schemas[state.schemas.length - 1]!;
      const tierKey = tierKeyOf(hex, name, schema.version);
      const hot = await this.writeLock.run(() => createHotTable(this.memory, tierKey, schema.columns, schema.version));
      tables.set(name, { name, tierKey, columns: [...schema.columns], schemaVersion: schema.version, hot, sealing: [], dropped: false, sealingNow: false });
    }
    // Segment files not in the manifest were written by a seal or compaction that crashed before committing.
    const listed = new Set(manifest.segments.map((s) => s.file));
    // Or old segments a purge had replaced in the manifest but not yet destroyed: shred them all.
    for (const f of readdirSync(join(dir, 'segments'))) {
      if (!listed.has(f)) shredFile(join(dir, 'segments', f));
    }
    // Replay the log: every record not yet sealed goes back into the hot tables.
    const records: { seq: number; rec: RowsRecord; bytes: number }[] = [];
    const read = readWal(
      join(dir, 'wal'),
      id,
      keys.wrapKey,
      (seq, payload) => {
        const rec = decodeRecord(payload);
        const state = manifest.table(rec.table);
        if (state && !state.dropped && seq > state.sealedThroughSeq) records.push({ seq, rec, bytes: payload.length });
        return rec.table;
      },
      true,
    );
    const corrupt = read.problems.filter((p) => p.kind === 'corrupt');
    if (corrupt.length > 0) {
      throw new Error(
        `The write-ahead log of workspace ${id} is damaged or was altered: ${corrupt.map((p) => `${p.file} ${p.message}`).join('; ')}. ` +
          `Vigil will not start on it, because acknowledged rows could be lost. Run 'vigil verify --data-dir ${this.opts.dataDir}' and restore the workspace folder from your backup.`,
      );
    }
    for (const p of read.problems) this.log('warn', `${p.file}: ${p.message} — dropped (a write interrupted by a crash; it was never acknowledged)`);
    const lastApplied = new Map<string, number>();
    let replayed = 0;
    await this.writeLock.run(async () => {
      // Consecutive records of one table go in one transaction.
      for (let i = 0; i < records.length; ) {
        const t = tables.get(records[i]!.rec.table);
        let j = i;
        const rows: StoredValue[][] = [];
        const cols = records[i]!.rec.columns;
        const same = (a: StoredColumn[], b: StoredColumn[]) => a.length === b.length && a.every((c, k) => c.name === b[k]!.name && c.type === b[k]!.type);
        while (j < records.length && records[j]!.rec.table === records[i]!.rec.table && same(records[j]!.rec.columns, cols) && rows.length < 200_000) {
          for (const r of records[j]!.rec.rows) rows.push(r);
          j++;
        }
        if (t) {
          try {
            await appendHot(this.writer, this.memory, t.hot, cols, rows);
            t.hot.rows += rows.length;
            t.hot.firstAppendMs ??= monotonicMs();
            for (let k = i; k < j; k++) t.hot.bytes += records[k]!.bytes;
            for (let k = i; k < j; k++) this.memory.appendedHot(records[k]!.bytes);
            replayed += rows.length;
          } catch (err) {
            this.log('warn', `workspace ${id}: log records ${records[i]!.seq}–${records[j - 1]!.seq} of table ${t.name} could not be replayed (${(err as Error).message}); they were rejected when first written, so nothing acknowledged is lost`);
          }
          lastApplied.set(t.name, records[j - 1]!.seq);
        }
        i = j;
      }
    });
    if (replayed > 0) this.log('info', `workspace ${id}: replayed ${replayed} rows from the write-ahead log`);
    const wal = new WalWriter(join(dir, 'wal'), id, keys.wrapKey, read.lastSeq, read.files, this.opts.walFileBytes, this.io);
    const ws: Ws = { id, hex, dir, keys, manifest, wal, tables, lastApplied };
    this.workspaces.set(id, ws);
    return ws;
  }

  // ------------------------------------------------------------------ LogStore: writes

  async ensureTable(workspaceId: string, table: string, columns: ColumnSchema[]): Promise<void> {
    const ws = await this.workspace(workspaceId);
    await this.writeLock.run(async () => {
      const t = ws.tables.get(table);
      if (!t) {
        const previous = ws.manifest.table(table);
        const version = previous ? Math.max(0, ...previous.schemas.map((s) => s.version)) + 1 : 1;
        const cols = columns.map((c) => ({ name: c.name, type: c.type }));
        const tierKey = tierKeyOf(ws.hex, table, version);
        const hot = await createHotTable(this.memory, tierKey, cols, version);
        ws.manifest.setTable(table, { sealedThroughSeq: previous?.sealedThroughSeq ?? 0, schemas: [{ version, columns: cols }] });
        ws.manifest.save();
        ws.tables.set(table, { name: table, tierKey, columns: [...cols], schemaVersion: version, hot, sealing: [], dropped: false, sealingNow: false });
        return;
      }
      const have = new Set(t.columns.map((c) => c.name.toLowerCase()));
      const missing = columns.filter((c) => !have.has(c.name.toLowerCase())).map((c) => ({ name: c.name, type: c.type }));
      if (missing.length === 0) return;
      const state = ws.manifest.table(table)!;
      const version = t.schemaVersion + 1;
      const next = [...t.columns, ...missing];
      state.schemas.push({ version, columns: next });
      ws.manifest.save();
      await addHotColumns(this.memory, t.hot, missing);
      t.hot.schemaVersion = version;
      t.columns = next;
      t.schemaVersion = version;
    });
  }

  /**
   * Appends rows: durable in the log before it resolves. Refused with a StorageError (→ 503) when the
   * free-space threshold would be crossed or a write fails; nothing of a refused append is kept.
   */
  async pseudonymKey(workspaceId: string): Promise<Buffer> {
    return (await this.workspace(workspaceId)).keys.pseudonymKey;
  }

  async append(workspaceId: string, table: string, columns: ColumnSchema[], rows: StoredValue[][] | ColumnBatch): Promise<void> {
    const batch = asColumnBatch(rows, columns.length);
    if (batch.rowCount === 0) return;
    const ws = await this.workspace(workspaceId);
    const cols = columns.map((c) => ({ name: c.name, type: c.type }));
    const payload = encodeColumnsRecord(table, cols, batch);
    const reserve = (this.opts.reserveTables ?? RESERVE_TABLES).includes(table);
    await this.space.check(payload.length + 4096, reserve);
    try {
      let t = ws.tables.get(table);
      if (!t || columns.some((c) => !t!.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase()))) {
        await this.ensureTable(workspaceId, table, columns);
        t = ws.tables.get(table)!;
      }
      await this.appendLogged(ws, table, cols, batch, payload);
    } catch (err) {
      throw this.space.fail(err);
    }
    this.space.wrote(payload.length + 28);
    // Only an append held to the threshold ends an episode (the audit may still write into the reserve).
    if (!reserve) this.space.ok();
  }

  private async appendLogged(ws: Ws, table: string, cols: StoredColumn[], batch: ColumnBatch, payload: Buffer): Promise<void> {
    await ws.wal.append(payload, table, (seq) =>
      this.writeLock.run(async () => {
        const cur = ws.tables.get(table);
        if (!cur || cur.dropped) throw new Error(`Table '${table}' was deleted while the rows were being stored.`);
        await appendHot(this.writer, this.memory, cur.hot, cols, batch);
        cur.hot.rows += batch.rowCount;
        cur.hot.bytes += payload.length;
        this.memory.appendedHot(payload.length);
        cur.hot.firstAppendMs ??= monotonicMs();
        ws.lastApplied.set(table, seq);
      }),
    );
  }

  async dropTable(workspaceId: string, table: string): Promise<void> {
    const ws = await this.workspace(workspaceId);
    const t = ws.tables.get(table);
    if (t) t.dropped = true;
    await ws.wal.drain();
    await this.writeLock.run(async () => {
      const state = ws.manifest.table(table);
      if (!state && !t) return;
      const segs = ws.manifest.segments.filter((s) => s.table === table);
      ws.manifest.setTable(table, { sealedThroughSeq: ws.wal.lastAssignedSeq, dropped: true, schemas: state?.schemas ?? [] });
      ws.manifest.replaceSegments(new Set(segs.map((s) => s.id)), []);
      ws.manifest.save();
      ws.tables.delete(table);
      if (t) for (const h of [t.hot, ...t.sealing]) h.retired = true;
      this.forgetSegments(ws, segs);
    });
    if (t) for (const h of [t.hot, ...t.sealing]) await this.dropIfUnread(h);
  }

  async dropWorkspace(workspaceId: string): Promise<void> {
    const id = workspaceId.toLowerCase();
    const ws = await this.workspace(id);
    for (const t of ws.tables.values()) t.dropped = true;
    await ws.wal.close();
    this.workspaces.delete(id);
    for (const t of ws.tables.values()) {
      for (const h of [t.hot, ...t.sealing]) {
        h.retired = true;
        await this.dropIfUnread(h);
      }
    }
    for (const s of ws.manifest.segments) this.cache.drop(s.id);
    rmSync(ws.dir, { recursive: true, force: true });
  }

  /** Segments left the manifest: delete (or shred) their files once no query reads them. */
  private forgetSegments(ws: Ws, segs: readonly SegmentEntry[], shred = false): void {
    for (const s of segs) {
      this.cache.drop(s.id);
      this.memory.drop(s.id);
      const path = join(ws.dir, 'segments', s.file);
      if ((this.segmentReaders.get(s.id) ?? 0) > 0) this.pendingDelete.set(s.id, { path, shred });
      else if (shred) shredFile(path);
      else rmSync(path, { force: true });
    }
  }

  /** A retired hot generation nobody reads any more leaves the memory tier (failing that, it stays as unread rows; nothing is lost). */
  private async dropIfUnread(h: HotTable): Promise<void> {
    if (h.retired && h.readers === 0 && !h.droppedFromDb) {
      h.droppedFromDb = true;
      await dropHotTable(this.memory, h).catch((err: unknown) => this.log('warn', `freeing the memory of retired hot rows failed (${(err as Error).message})`));
    }
  }

  // ------------------------------------------------------------------ sealing

  /** Seals a table's hot rows into segments now (whatever the thresholds). */
  sealTable(ws: Ws, t: TableRt): Promise<number> {
    return this.maintLock.run(() => this.sealTableLocked(ws, t));
  }

  private async sealTableLocked(ws: Ws, t: TableRt): Promise<number> {
    // One seal per table at a time; a second caller waits for the running one, then seals what is left.
    while (t.sealingNow) await new Promise((r) => setTimeout(r, 10));
    t.sealingNow = true;
    let sealed = 0;
    try {
      if (t.hot.rows > 0) {
        await this.writeLock.run(async () => {
          const fresh = await createHotTable(this.memory, t.tierKey, t.columns, t.schemaVersion);
          // The swap is one synchronous step: a query sees the old table either as hot or as sealing, never both.
          const old = t.hot;
          old.watermark = ws.lastApplied.get(t.name) ?? 0;
          t.sealing.push(old);
          t.hot = fresh;
        });
      }
      while (t.sealing.length > 0) {
        const h = t.sealing[0]!;
        const exported = await exportSegments(this.sealConn, hotSelect(h), {
          workspaceId: ws.id,
          table: t.name,
          schemaVersion: h.schemaVersion,
          wrapKey: ws.keys.wrapKey,
          segmentsDir: join(ws.dir, 'segments'),
          scratchDir: this.scratch.dir,
          partitionMicros: this.opts.partitionMs * 1000,
          io: this.io,
        });
        if (ws.tables.get(t.name) !== t || t.dropped || this.workspaces.get(ws.id) !== ws) {
          for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
          return sealed;
        }
        // Commit: segments into the manifest together with the log position they cover.
        try {
          const state = ws.manifest.table(t.name)!;
          ws.manifest.replaceSegments(new Set(), exported.map((e) => e.entry));
          state.sealedThroughSeq = Math.max(state.sealedThroughSeq, h.watermark);
          ws.manifest.save();
        } catch (err) {
          // Not committed (the manifest is as it was): the rows stay hot and in the log, the next attempt seals them again.
          for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
          throw err;
        }
        t.sealing.shift();
        h.retired = true;
        // In the same synchronous step: the hot generation's rows stay in the memory tier as the new
        // segments' copy (no load of what is already there), else their plaintext goes to the cache.
        const adopted = this.memory.adopt(
          h.gen.id,
          exported.map((e) => e.entry.id),
          Math.round(1.5 * exported.reduce((n, e) => n + e.parquet.length, 0)),
        );
        if (!adopted) for (const e of exported) this.cache.put(e.entry.id, e.parquet);
        // Adopted rows are still uncompressed (hot rows are): compress them, as a loaded segment is.
        else await this.memory.compress();
        sealed += exported.reduce((n, e) => n + e.entry.rows, 0);
        // Short of space: close the current log file too, so that it can go once its records are sealed
        // (the log otherwise keeps a copy of sealed rows until its file reaches 64 MiB).
        if (this.space.refusing) await ws.wal.exclusive(true, async () => undefined).catch(() => undefined);
        try {
          ws.wal.deleteSealedFiles((tag, seq) => {
            const st = ws.manifest.table(tag);
            return st === undefined || seq <= st.sealedThroughSeq;
          });
        } catch (err) {
          // Committed already: the sealed log files are removed by the next seal (or replayed as sealed, i.e. skipped).
          this.log('warn', `removing sealed log files of workspace ${ws.id} failed (${(err as Error).message}); retried with the next seal`);
        }
        await this.dropIfUnread(h);
      }
      return sealed;
    } finally {
      t.sealingNow = false;
    }
  }

  /** Seals every table whose hot rows reached a threshold (or all, with `force`). */
  async sealDue(force = false): Promise<number> {
    let n = 0;
    for (const ws of [...this.workspaces.values()]) {
      for (const t of [...ws.tables.values()]) {
        const h = t.hot;
        const due =
          t.sealing.length > 0 ||
          (h.rows > 0 && (force || h.rows >= this.opts.sealRows || h.bytes >= this.opts.sealBytes || (h.firstAppendMs !== undefined && monotonicMs() - h.firstAppendMs >= this.opts.sealAgeMs)));
        if (!due) continue;
        try {
          n += await this.sealTable(ws, t);
          this.backgroundOk('sealing');
        } catch (err) {
          this.backgroundFailed('sealing', err, `sealing table ${t.name} of workspace ${ws.id} failed (${(err as Error).message}); its rows stay hot and in the log, and are sealed on the next attempt`);
        }
      }
    }
    return n;
  }

  /** Background work failing on storage: logged once until it succeeds again (not on every retry). */
  private readonly backgroundFailing = new Set<string>();

  private backgroundFailed(what: string, err: unknown, message: string): void {
    if (!storageErrorKind(err)) {
      this.log('error', message);
      return;
    }
    if (this.backgroundFailing.has(what)) return;
    this.backgroundFailing.add(what);
    this.log('error', `${message}. Storage is full or failing (${this.space.dir}); ${what} is retried every few seconds and this is not logged again until it succeeds`);
  }

  private backgroundOk(what: string): void {
    if (this.backgroundFailing.delete(what)) this.log('warn', `${what} works again: storage recovered`);
  }

  // ------------------------------------------------------------------ retention and compaction

  /** Drops segments (and hot rows) past each table's retention. */
  async runRetention(nowMs = Date.now()): Promise<number> {
    if (!this.opts.retentionDays) return 0;
    let dropped = 0;
    for (const ws of [...this.workspaces.values()]) {
      for (const t of [...ws.tables.values()]) {
        const cutoff = retentionCutoff(nowMs, this.opts.retentionDays(ws.id, t.name));
        if (cutoff === undefined) continue;
        dropped += await this.maintLock.run(() => this.retainTable(ws, t, cutoff));
      }
    }
    return dropped;
  }

  private async retainTable(ws: Ws, t: TableRt, cutoff: number): Promise<number> {
    if (ws.tables.get(t.name) !== t) return 0;
    let dropped = 0;
    const expired = expiredSegments(ws.manifest.segments, t.name, cutoff);
    if (expired.length > 0) {
      ws.manifest.replaceSegments(new Set(expired.map((s) => s.id)), []);
      ws.manifest.save();
      this.forgetSegments(ws, expired);
      dropped += expired.reduce((n, s) => n + s.rows, 0);
    }
    await this.writeLock.run(async () => {
      for (const h of [t.hot, ...t.sealing]) {
        if (h.droppedFromDb) continue;
        const r = await this.writer.runAndReadAll(`DELETE FROM ${h.gen.sql} WHERE ${hotRows(h)} AND "TimeGenerated" < make_timestamp(${Math.floor(cutoff)}::BIGINT)`);
        const n = Number(r.getRowsJS()[0]?.[0] ?? 0);
        h.rows -= n;
        dropped += n;
      }
    });
    return dropped;
  }

  /**
   * Merges runs of small segments of the same table and schema version that are adjacent in time,
   * across partitions, up to a seal's worth of rows, 64 MiB of segment files and one day (or one
   * partition, when partitions are wider) of TimeGenerated — see compaction.ts.
   */
  async runCompaction(): Promise<number> {
    let merged = 0;
    const policy = {
      smallRows: Math.max(1, Math.floor(this.opts.sealRows / 4)),
      maxRows: this.opts.sealRows,
      maxBytes: COMPACTION_MAX_BYTES,
      maxSpanMicros: Math.max(DAY_MICROS, this.opts.partitionMs * 1000),
    };
    for (const ws of [...this.workspaces.values()]) {
      const plans = planCompaction(ws.manifest.segments, policy);
      for (const group of plans) {
        merged += await this.maintLock.run(() => this.compactGroup(ws, group));
      }
    }
    return merged;
  }

  private async compactGroup(ws: Ws, group: SegmentEntry[]): Promise<number> {
    const t = ws.tables.get(group[0]!.table);
    if (!t) return 0;
    const live = new Set(ws.manifest.segments.map((s) => s.id));
    if (!group.every((s) => live.has(s.id))) return 0;
    const ids = group.map((s) => s.id);
    this.pinSegments(ids);
    const acquired: CachedSegment[] = [];
    try {
      const files: { seg: SegmentEntry; path: string }[] = [];
      for (const seg of group) {
        const r = await this.cache.acquire(seg.id, () => this.decryptSegment(ws, seg));
        acquired.push(r);
        files.push({ seg, path: r.path });
      }
      const select = this.segmentSelect(ws, t, files);
      // One merged segment, whatever partitions its rows come from (its time range is the union of its parts').
      const exported = await exportSegments(this.sealConn, select, { ...this.exportTarget(ws, t, t.schemaVersion), partitionMicros: 0 });
      crashPoint('compact:segment-written');
      const still = new Set(ws.manifest.segments.map((s) => s.id));
      if (ws.tables.get(t.name) !== t || !ids.every((id) => still.has(id))) {
        for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
        return 0;
      }
      try {
        ws.manifest.replaceSegments(new Set(ids), exported.map((e) => e.entry));
        ws.manifest.save();
      } catch (err) {
        for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
        throw err;
      }
      crashPoint('compact:manifest-saved');
      for (const e of exported) this.cache.put(e.entry.id, e.parquet);
      this.forgetSegments(ws, group);
      crashPoint('compact:originals-removed');
      return group.length;
    } catch (err) {
      // A full or failing disk: compaction runs again soon, once storage works.
      if (storageErrorKind(err)) throw err;
      this.log('warn', `compacting segments of table ${t.name} failed (${(err as Error).message}); they stay as they are`);
      return 0;
    } finally {
      for (const r of acquired) this.cache.release(r);
      this.unpinSegments(ids);
    }
  }

  private exportTarget(ws: Ws, t: TableRt, schemaVersion: number) {
    return {
      io: this.io,
      workspaceId: ws.id,
      table: t.name,
      schemaVersion,
      wrapKey: ws.keys.wrapKey,
      segmentsDir: join(ws.dir, 'segments'),
      scratchDir: this.scratch.dir,
      partitionMicros: this.opts.partitionMs * 1000,
    };
  }

  private startBackground(): void {
    const tick = () => {
      if (this.backgroundBusy || this.closed) return;
      this.backgroundBusy = true;
      this.background = (async () => {
        await this.sealDue();
        await this.memory.compressIfDue(this.opts.hotUncompressedBytes);
        // Schedules run on the monotonic clock, so a wall clock set back does not stall them; retention's
        // cutoff is wall-clock time (the rows' TimeGenerated is).
        const now = monotonicMs();
        // Retention and compaction that failed on storage run again after STORAGE_RETRY_MS, not a whole interval later.
        if (now - this.lastRetention >= this.opts.retentionIntervalMs) {
          this.lastRetention = now;
          try {
            await this.runRetention(Date.now());
            this.backgroundOk('retention');
          } catch (err) {
            if (storageErrorKind(err)) this.lastRetention = now - this.opts.retentionIntervalMs + STORAGE_RETRY_MS;
            this.backgroundFailed('retention', err, `retention failed (${(err as Error).message})`);
          }
        }
        if (now - this.lastCompaction >= this.opts.compactionIntervalMs) {
          this.lastCompaction = now;
          try {
            await this.runCompaction();
            this.backgroundOk('compaction');
          } catch (err) {
            if (storageErrorKind(err)) this.lastCompaction = now - this.opts.compactionIntervalMs + STORAGE_RETRY_MS;
            this.backgroundFailed('compaction', err, `compaction failed (${(err as Error).message})`);
          }
        }
      })()
        .catch((err: unknown) => this.log('error', `background storage work failed: ${(err as Error).message}`))
        .finally(() => {
          this.backgroundBusy = false;
        });
    };
    this.lastRetention = monotonicMs();
    this.lastCompaction = monotonicMs();
    const timer = setInterval(tick, Math.min(1000, Math.max(50, Math.floor(this.opts.sealAgeMs / 4))));
    timer.unref();
    this.timers.push(timer);
  }

  // ------------------------------------------------------------------ queries

  tableSource(workspaceId: string, table: string, resourceScope?: string): string {
    return `temp.main.${sqlIdent(grantViewName(hexOf(workspaceId), table, resourceScope))}`;
  }

  private decryptSegment(ws: Ws, seg: SegmentEntry): Buffer {
    const path = join(ws.dir, 'segments', seg.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // an I/O error, not damage
      throw this.damaged(ws, seg, path, 'the file is missing');
    }
    try {
      return openSegment(ws.keys.wrapKey, bytes, { segmentId: seg.id, workspaceId: ws.id, table: seg.table });
    } catch (err) {
      throw this.damaged(ws, seg, path, (err as Error).message);
    }
  }

  private damaged(ws: Ws, seg: SegmentEntry, path: string, reason: string): SegmentDamagedError {
    const e = new SegmentDamagedError(path, seg.file, ws.id, seg.table, reason);
    this.log('error', `${path}: ${e.message}`);
    return e;
  }

  private pinSegments(ids: string[]): void {
    for (const id of ids) this.segmentReaders.set(id, (this.segmentReaders.get(id) ?? 0) + 1);
  }

  private unpinSegments(ids: string[]): void {
    for (const id of ids) {
      const n = (this.segmentReaders.get(id) ?? 1) - 1;
      if (n > 0) this.segmentReaders.set(id, n);
      else {
        this.segmentReaders.delete(id);
        const pending = this.pendingDelete.get(id);
        if (pending) {
          // A query that chose the segment before it left the manifest may have decrypted or loaded it
          // after it was forgotten (forgetSegments dropped what was there then): that plaintext goes too.
          this.cache.drop(id);
          this.memory.drop(id);
          if (pending.shred) shredFile(pending.path);
          else rmSync(pending.path, { force: true });
          this.pendingDelete.delete(id);
        }
      }
    }
  }

  /** SELECT of the table's current columns over decrypted segment files (older schema versions: new columns are NULL). */
  private segmentSelect(ws: Ws, t: TableRt, files: { seg: SegmentEntry; path: string }[]): string {
    const state = ws.manifest.table(t.name);
    const byVersion = new Map<number, string[]>();
    for (const f of files) byVersion.set(f.seg.schemaVersion, [...(byVersion.get(f.seg.schemaVersion) ?? []), f.path]);
    const parts: string[] = [];
    for (const [version, paths] of byVersion) {
      const cols = state?.schemas.find((s) => s.version === version)?.columns ?? t.columns;
      const have = new Set(cols.map((c) => c.name.toLowerCase()));
      const list = t.columns.map((c) => (have.has(c.name.toLowerCase()) ? sqlIdent(c.name) : `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${sqlIdent(c.name)}`)).join(', ');
      parts.push(`SELECT ${list} FROM read_parquet([${paths.map(sqlString).join(', ')}])`);
    }
    return parts.join(' UNION ALL ');
  }

  /** SELECT of the table's current columns over its memory-tier table, only the rows of the given segments. */
  private memorySelect(t: TableRt, src: TierSource, where: string): string {
    const list = t.columns.map((c) => (src.has(c.name) ? sqlIdent(c.name) : `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${sqlIdent(c.name)}`)).join(', ');
    return `SELECT ${list} FROM ${src.sql}${where ? ` WHERE ${where}` : ''}`;
  }

  async query(sql: string, limits: QueryLimits): Promise<QueryOutput> {
    const stats: ScanStatistics = {
      segmentsConsidered: 0,
      segmentsPruned: 0,
      segmentsOpened: 0,
      segmentsDecrypted: 0,
      segmentCacheHits: 0,
      bytesDecrypted: 0,
      hotRows: 0,
      segmentRows: 0,
      rowsScanned: 0,
      rowsTotal: 0,
      tables: [],
    };
    // The tables of the query's grant, each under its own view (a resource-scoped grant's view holds
    // only that scope's rows). Nothing else is given a view, and the guard refuses SQL that names
    // anything else — another workspace, another table, the memory tier, a system function.
    const refs: { view: string; ws: Ws; t: TableRt; grant: TableGrant }[] = [];
    for (const grant of limits.tables) {
      const hex = hexOf(grant.workspaceId);
      const view = grantViewName(hex, grant.table, grant.resourceScope);
      if (refs.some((r) => r.view === view)) continue;
      const ws = [...this.workspaces.values()].find((w) => w.hex === hex);
      const t = ws?.tables.get(grant.table);
      if (ws && t) refs.push({ view, ws, t, grant });
    }
    // The tables as they are now are the query's: their hot rows (and with them their memory-tier
    // tables) are held from here, so a table dropped while the statement is checked is still read
    // whole, as it was when the query came.
    const readHot: HotTable[] = [];
    for (const { t } of refs) {
      for (const h of [t.hot, ...t.sealing]) {
        h.readers++;
        readHot.push(h);
      }
    }
    const releaseHot = async () => {
      for (const h of readHot) h.readers--;
      for (const h of readHot) await this.dropIfUnread(h).catch(() => undefined);
    };
    const grantedViews = new Map(limits.tables.map((g) => [`temp.main.${grantViewName(hexOf(g.workspaceId), g.table, g.resourceScope).toLowerCase()}`, g]));
    let tablesRead: TableGrant[];
    try {
      tablesRead = (await this.guard.check(sql, new Set(grantedViews.keys()))).map((v) => grantedViews.get(v)!);
    } catch (err) {
      await releaseHot();
      throw err;
    }
    limits.onTablesRead?.(tablesRead);
    const requested: MicrosRange = {
      lo: limits.timespan?.start ? limits.timespan.start.getTime() * 1000 : undefined,
      hi: limits.timespan?.end ? limits.timespan.end.getTime() * 1000 : undefined,
    };
    // The query's own TimeGenerated range (planning it costs a millisecond or two) pays off only for
    // segments that would have to be decrypted or loaded: what is in the memory tier is one table,
    // whose zone maps skip the rows outside the range anyway.
    const overlaps = (s: SegmentEntry, r: MicrosRange) => (r.lo === undefined || s.maxTime >= r.lo) && (r.hi === undefined || s.minTime <= r.hi);
    const planRange = limits.exactScan || refs.some(({ ws, t }) => ws.manifest.segments.some((s) => s.table === t.name && overlaps(s, requested) && !this.memory.has(s.id)));
    let ranges = new Map<string, MicrosRange>();
    try {
      if (refs.length > 0 && planRange) ranges = await this.probe.ranges(sql, refs.map(({ view, t }) => ({ view, columns: t.columns })));
    } catch (err) {
      await releaseHot();
      throw err;
    }
    const conn = await this.pool.acquire();
    const pinnedSegs: string[] = [];
    const cached: CachedSegment[] = [];
    const pinnedMem: string[] = [];
    const plans: {
      view: string;
      ws: Ws;
      t: TableRt;
      /** Chosen segments read from decrypted Parquet (the others are in the memory tier). */
      files: { seg: SegmentEntry; path: string }[];
      /** Hot generations and segments of the query's snapshot that the tier part may show (pruned ones too: the query's own predicates drop their rows). */
      wanted: Set<string>;
      grant: TableGrant;
    }[] = [];
    let inTransaction = false;
    let committing: Promise<unknown> | undefined;
    let aborted: 'timeout' | 'cancelled' | undefined;
    // DuckDB forgets an interrupt that arrives before the statement starts executing, so once a
    // query is to stop it is interrupted again every 50 ms until its run settles.
    let reinterrupt: NodeJS.Timeout | undefined;
    const stop = (reason: 'timeout' | 'cancelled') => {
      if (aborted) return;
      aborted = reason;
      conn.interrupt();
      reinterrupt = setInterval(() => conn.interrupt(), 50);
    };
    const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
    const onAbort = () => stop('cancelled');
    limits.signal?.addEventListener('abort', onAbort);
    try {
      if (limits.signal?.aborted) throw new QueryAbortedError('cancelled');
      for (const { view, ws, t, grant } of refs) {
        const range = intersectRange(ranges.get(view) ?? {}, requested);
        // Snapshot (synchronous): hot tables and segments as of now.
        const hots = [t.hot, ...t.sealing];
        for (const h of hots) {
          h.readers++;
          readHot.push(h);
        }
        const segs = ws.manifest.segments.filter((s) => s.table === t.name);
        const chosen = segs.filter((s) => overlaps(s, range));
        this.pinSegments(chosen.map((s) => s.id));
        pinnedSegs.push(...chosen.map((s) => s.id));
        const hotRows = hots.reduce((n, h) => n + h.rows, 0);
        const segRows = chosen.reduce((n, s) => n + s.rows, 0);
        stats.segmentsConsidered += segs.length;
        stats.segmentsOpened += chosen.length;
        stats.segmentsPruned += segs.length - chosen.length;
        stats.hotRows += hotRows;
        stats.segmentRows += segRows;
        stats.rowsTotal += hotRows + segs.reduce((n, s) => n + s.rows, 0);
        stats.tables.push({
          table: t.name,
          from: microsIso(range.lo),
          to: microsIso(range.hi),
          segmentsConsidered: segs.length,
          segmentsOpened: chosen.length,
          hotRows,
          segmentRows: segRows,
        });
        const files: { seg: SegmentEntry; path: string }[] = [];
        const tierKey = t.tierKey;
        for (const seg of chosen) {
          if (aborted) throw new QueryAbortedError(aborted);
          // 1st tier: an in-memory table; 2nd: decrypted Parquet in the scratch tmpfs; else decrypt.
          if (this.memory.tryAcquire(seg.id) !== undefined) {
            pinnedMem.push(seg.id);
            stats.segmentCacheHits++;
            continue;
          }
          const r = await this.cache.acquire(seg.id, () => this.decryptSegment(ws, seg));
          if (r.hit) stats.segmentCacheHits++;
          else {
            stats.segmentsDecrypted++;
            stats.bytesDecrypted += seg.size;
          }
          const loaded = await this.memory.load(seg.id, tierKey, t.columns, r.path, r.bytes).catch((err: unknown) => {
            this.log('warn', `loading segment ${seg.id} into the memory tier failed (${(err as Error).message}); it is read from Parquet`);
            return undefined;
          });
          if (loaded !== undefined) {
            pinnedMem.push(seg.id);
            // Its plaintext now lives in DuckDB's memory: the Parquet copy leaves the scratch folder.
            this.cache.release(r);
            this.cache.drop(seg.id);
          } else {
            cached.push(r);
            files.push({ seg, path: r.path });
          }
        }
        const wanted = new Set(segs.filter((s) => !files.some((f) => f.seg.id === s.id)).map((s) => s.id));
        for (const h of hots) wanted.add(h.gen.id);
        plans.push({ view, ws, t, files, wanted, grant });
      }
      // The query reads the memory tier in a snapshot whose visible generations are known (see
      // MemoryTier.beginSnapshot), so the view usually needs no filter at all.
      const tierKeys = [...new Set(plans.map((p) => p.t.tierKey))];
      // From here an error may leave a transaction open: the catch below rolls it back (a rollback
      // without one is harmless).
      inTransaction = tierKeys.length > 0;
      const atSnapshot = await this.memory.beginSnapshot(conn, tierKeys);
      for (const { view, ws, t, files, wanted, grant } of plans) {
        const { source, present } = atSnapshot.get(t.tierKey)!;
        // The current hot generation keeps the table's tier table alive, so it is there.
        if (!source) throw new Error(`memory tier table of ${t.name} is missing`);
        const parts = [this.memorySelect(t, source, segmentFilter(present, wanted))];
        if (files.length > 0) parts.push(this.segmentSelect(ws, t, files));
        const rows = grant.resourceScope === undefined ? parts.join(' UNION ALL ') : `SELECT * FROM (${parts.join(' UNION ALL ')}) WHERE ${resourceScopeFilter(grant.resourceScope)}`;
        const viewSql = `CREATE OR REPLACE TEMP VIEW ${sqlIdent(view)} AS ${rows}`;
        let views = this.viewSql.get(conn);
        if (!views) this.viewSql.set(conn, (views = new Map()));
        if (views.get(view) !== viewSql) {
          views.delete(view);
          await conn.run(viewSql);
          views.set(view, viewSql);
        }
      }
      stats.rowsScanned = stats.hotRows + stats.segmentRows;
      if (aborted) throw new QueryAbortedError(aborted);
      const reader = await conn.runAndReadAll(sql);
      if (aborted) throw new QueryAbortedError(aborted);
      if (inTransaction) {
        // The answer is read: the (read-only) transaction ends while the caller already has it; the
        // connection goes back to the pool once it has.
        inTransaction = false;
        const views = this.viewSql.get(conn);
        committing = conn.run('COMMIT').catch(() => {
          // Views created in it are gone with it.
          if (views) this.viewSql.delete(conn);
          return conn.run('ROLLBACK').catch(() => undefined);
        });
      }
      return { columnNames: reader.columnNames(), rows: reader.getRowsJS() as unknown[][], tablesRead, statistics: stats };
    } catch (err) {
      if (inTransaction) {
        // The views created in it are gone with it.
        this.viewSql.delete(conn);
        await conn.run('ROLLBACK').catch(() => undefined);
      }
      if (aborted) throw new QueryAbortedError(aborted);
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(reinterrupt);
      limits.signal?.removeEventListener('abort', onAbort);
      for (const r of cached) this.cache.release(r);
      for (const id of pinnedMem) this.memory.release(id);
      this.unpinSegments(pinnedSegs);
      if (committing) void committing.then(() => this.pool.release(conn));
      else this.pool.release(conn);
      await releaseHot();
    }
  }

  // ------------------------------------------------------------------ purge

  /**
   * GDPR purge (DESIGN §6): physically removes the rows of `table` for which `whereSql` is TRUE
   * from every place they are stored, and returns how many rows were removed (hot and sealed;
   * a row still unsealed counts once even though its log record is rewritten too).
   *
   * 1. Hot rows: with the log paused (appends queue, unacknowledged) and its current file rotated,
   *    the matching rows are deleted from the table's hot tables. Every row acknowledged so far is
   *    now in a closed log file; rows acknowledged later are after the purge.
   * 2. Log: every closed log file holding records of the table is rewritten with the same sequence
   *    numbers, the matching rows taken out of those records, under a fresh data key; the old file
   *    is shredded (zeroed, fsynced, unlinked). Replay after a restart therefore rebuilds exactly
   *    the purged hot state — nothing is lost, nothing comes back, nothing is duplicated.
   * 3. Segments: each segment of the table that holds matching rows (pruned by the predicate's
   *    TimeGenerated range) is rewritten without them into new segments with new data keys; the
   *    manifest swaps them in one atomic, re-chained update, and the old files are shredded once no
   *    running query reads them (purge waits for that), their plaintext dropped from the caches.
   *
   * Interrupted at any point, a retry (the purge service retries; pending purges resume after a
   * restart) finishes the job: each step is idempotent and crash-safe on its own.
   */
  async purge(workspaceId: string, table: string, whereSql: string): Promise<number> {
    const ws = await this.workspace(workspaceId);
    return this.maintLock.run(async () => {
      const t = ws.tables.get(table);
      if (!t || t.dropped) return 0;
      let removed = 0;
      // 1. hot rows, at a cut in the log
      await ws.wal.exclusive(true, () =>
        this.writeLock.run(async () => {
          for (const h of [t.hot, ...t.sealing]) {
            if (h.droppedFromDb) continue;
            // The tier table has every column of the table (older generations read NULL in newer ones).
            const r = await this.writer.runAndReadAll(`DELETE FROM ${h.gen.sql} WHERE ${hotRows(h)} AND (${whereSql})`);
            const n = Number(r.getRowsJS()[0]?.[0] ?? 0);
            h.rows -= n;
            removed += n;
          }
        }),
      );
      crashPoint('purge:hot-deleted');
      // 2. the log files
      await this.purgeLog(ws, t, whereSql);
      crashPoint('purge:log-rewritten');
      // 3. sealed segments
      removed += await this.purgeSegments(ws, t, whereSql);
      crashPoint('purge:segments-replaced');
      ws.wal.deleteSealedFiles((tag, seq) => {
        const st = ws.manifest.table(tag);
        return st === undefined || seq <= st.sealedThroughSeq;
      });
      return removed;
    });
  }

  /** Rewrites every closed log file holding records of `t` without the rows matching `whereSql`. */
  private async purgeLog(ws: Ws, t: TableRt, whereSql: string): Promise<number> {
    let rewritten = 0;
    for (const f of ws.wal.closedFiles()) {
      if (!f.tags.has(t.name)) continue;
      const { firstSeq, records } = readWalFile(f.path, ws.id, ws.keys.wrapKey);
      const decoded = records.map((r) => {
        const rec = decodeRecord(r.payload);
        return rec.table === t.name ? rec : undefined;
      });
      // Which rows of the table's records match: evaluated by DuckDB, over the table's current columns.
      const scratch = await this.writeLock.run(() => createScratchTable(this.writer, `purge_${ws.hex}`, [...t.columns, { name: '__vigil_i', type: 'long' }]));
      let matches: Set<number>;
      try {
        let i = 0;
        for (const rec of decoded) {
          if (!rec) continue;
          const cols = [...rec.columns, { name: '__vigil_i', type: 'long' as const }];
          const rows = rec.rows.map((row) => [...row, BigInt(i++)]);
          if (rows.length > 0) await this.writeLock.run(() => appendScratch(this.writer, scratch, cols, rows));
        }
        const r = await this.writeLock.run(() => this.writer.runAndReadAll(`SELECT "__vigil_i" FROM ${scratchSource(scratch)} WHERE ${whereSql}`));
        matches = new Set(r.getRowsJS().map((row) => Number(row[0])));
      } finally {
        await this.writeLock.run(() => dropScratchTable(this.writer, scratch));
      }
      if (matches.size === 0) continue;
      let i = 0;
      const out = records.map((r, k) => {
        const rec = decoded[k];
        if (!rec) return r;
        const rows = rec.rows.filter(() => !matches.has(i++));
        return rows.length === rec.rows.length ? r : { seq: r.seq, payload: encodeRecord({ table: rec.table, columns: rec.columns, rows }) };
      });
      replaceWalFile(f.path, ws.id, ws.keys.wrapKey, firstSeq, out, this.io);
      rewritten++;
    }
    return rewritten;
  }

  /** Rewrites the segments of `t` holding rows that match `whereSql`; returns the rows removed. */
  private async purgeSegments(ws: Ws, t: TableRt, whereSql: string): Promise<number> {
    const view = viewName(ws.hex, t.name);
    const range = (await this.probe.ranges(`SELECT 1 FROM ${this.tableSource(ws.id, t.name)} WHERE ${whereSql}`, [{ view, columns: t.columns }])).get(view) ?? {};
    const segs = ws.manifest.segments.filter((s) => s.table === t.name && (range.lo === undefined || s.maxTime >= range.lo) && (range.hi === undefined || s.minTime <= range.hi));
    const ids = segs.map((s) => s.id);
    this.pinSegments(ids);
    const acquired: CachedSegment[] = [];
    const added: ExportedSegment[] = [];
    const replaced: SegmentEntry[] = [];
    let removed = 0;
    try {
      for (const seg of segs) {
        const r = await this.cache.acquire(seg.id, () => this.decryptSegment(ws, seg));
        acquired.push(r);
        const select = this.segmentSelect(ws, t, [{ seg, path: r.path }]);
        const n = Number((await this.sealConn.runAndReadAll(`SELECT count(*) FROM (${select}) WHERE ${whereSql}`)).getRowsJS()[0]?.[0] ?? 0);
        if (n === 0) continue;
        added.push(...(await exportSegments(this.sealConn, `SELECT * FROM (${select}) WHERE NOT coalesce((${whereSql}), false)`, this.exportTarget(ws, t, t.schemaVersion))));
        replaced.push(seg);
        removed += n;
      }
      if (replaced.length === 0) return 0;
      crashPoint('purge:segments-written');
      if (ws.tables.get(t.name) !== t || this.workspaces.get(ws.id) !== ws) {
        for (const e of added) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
        return 0;
      }
      ws.manifest.replaceSegments(new Set(replaced.map((s) => s.id)), added.map((e) => e.entry));
      ws.manifest.save();
      added.length = 0;
      crashPoint('purge:manifest-saved');
    } catch (err) {
      for (const e of added) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
      throw err;
    } finally {
      for (const r of acquired) this.cache.release(r);
      this.unpinSegments(ids);
    }
    // The old segments: plaintext out of the caches, encrypted files (with their wrapped data keys) shredded.
    this.forgetSegments(ws, replaced, true);
    await this.awaitShredded(replaced.map((s) => s.id));
    return removed;
  }

  /** Waits until the files of these forgotten segments are destroyed (a running query may still read them). */
  private async awaitShredded(ids: string[]): Promise<void> {
    const deadline = monotonicMs() + 15 * 60_000;
    while (ids.some((id) => this.pendingDelete.has(id))) {
      if (monotonicMs() > deadline) throw new Error('purge: queries kept reading the old segments for 15 minutes; the purge will be retried');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // ------------------------------------------------------------------ status and shutdown

  status(): EngineStatus {
    let hotRows = 0;
    let segments = 0;
    let segmentRows = 0;
    let segmentBytes = 0;
    let walBytes = 0;
    let walSyncs = 0;
    for (const ws of this.workspaces.values()) {
      for (const t of ws.tables.values()) for (const h of [t.hot, ...t.sealing]) hotRows += h.rows;
      for (const s of ws.manifest.segments) {
        segments++;
        segmentRows += s.rows;
        segmentBytes += s.size;
      }
      walBytes += ws.wal.bytes();
      walSyncs += ws.wal.syncs;
    }
    return { workspaces: this.workspaces.size, hotRows, segments, segmentRows, segmentBytes, walBytes, cacheBytes: this.cache.bytes, cachedSegments: this.cache.count, memoryTierBytes: this.memory.bytes, memoryTierSegments: this.memory.count, hotUncompressedBytes: this.memory.uncompressedBytes, walSyncs };
  }

  /** For tests and tools: the workspace's manifest segments. */
  async segmentsOf(workspaceId: string): Promise<readonly SegmentEntry[]> {
    return (await this.workspace(workspaceId)).manifest.segments;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.background;
    for (const ws of this.workspaces.values()) await ws.wal.close();
    await this.maintLock.run(() => undefined);
    await this.memory.close();
    await this.writeLock.run(async () => {
      this.pool.closeIdle();
      this.writer.closeSync();
      this.sealConn.closeSync();
      this.instance.closeSync();
      await this.probe.close();
      await this.guard.close();
    });
    this.cache.clear();
    closeScratch(this.scratch);
  }
}

export const storageDir = (dataDir: string) => join(dataDir, 'storage');
