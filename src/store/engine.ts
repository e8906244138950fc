/**
 * Vigil's storage engine behind the LogStore interface (DESIGN §6): per workspace an encrypted,
 * group-committed write-ahead log, hot rows in in-memory DuckDB, encrypted immutable Parquet
 * segments listed in a MAC-chained manifest, and queries over hot rows plus the segments whose
 * time range overlaps the query, decrypted only into a memory-backed cache.
 *
 * The StorageEngine owns the shared state (engine/context.ts) and opens DuckDB; each job lives in
 * its own module under engine/: workspaces (open and replay), ingest, drop, query, sealing,
 * retention, compaction, purge, segments (decrypt, pin, forget) and background (the schedule).
 */
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../kql/index.js';
import { sqlString } from '../kql/sql.js';
import { ConnectionPool } from './connection-pool.js';
import { loadMasterKeys, type MasterKeys } from '../keys/master-key.js';
import type { StoredValue } from './column-types.js';
import { SCRATCH_CATALOG } from './hot-tables.js';
import type { SegmentEntry } from './manifest.js';
import { Mutex } from './mutex.js';
import type { ColumnBatch } from './column-batch.js';
import { closeScratch, HOW_TO, openScratch, SMALL_SCRATCH_BYTES, type Scratch } from './scratch.js';
import { SegmentCache } from './segment-cache.js';
import { MemoryTier } from './memory-tier.js';
import { StatementGuard } from './statement-guard.js';
import type { LogStore, QueryLimits, QueryOutput } from './store.js';
import { PlanProbe } from './plan-probe.js';
import { FreeSpaceGuard, DEFAULT_MIN_FREE_BYTES } from './disk-space.js';
import { nodeIo, storageErrorKind } from '../util/storage-io.js';
import { registerKqlRuntime } from '../kql/runtime/index.js';
import { tableSource, type EngineContext, type EngineOptions, type EngineSettings, type TableRt, type WorkspaceTables, type Ws } from './engine/context.js';
import { BackgroundWork } from './engine/background.js';
import { runCompaction } from './engine/compaction.js';
import { tierLoadsSettled } from './engine/tier-loads.js';
import { dropTable, dropWorkspace } from './engine/drop.js';
import { backgroundFailed } from './engine/health.js';
import { append, ensureTable } from './engine/ingest.js';
import { purge } from './engine/purge.js';
import { query } from './engine/query.js';
import { warmUp } from './engine/warm-up.js';
import { runRetention } from './engine/retention.js';
import { sealDue, sealTable } from './engine/sealing.js';
import { workspace } from './engine/workspaces.js';

export type { EngineOptions, WorkspaceTables } from './engine/context.js';

export interface EngineStatus {
  workspaces: number;
  hotRows: number;
  /** Bytes of the log records of the unsealed rows (what `hotMaxBytes` bounds). */
  hotBytes: number;
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

export class StorageEngine implements LogStore {
  /** Each query's views keep their tables to the request's timespan, unfiltered when the snapshot is all inside it (engine/query.ts). */
  readonly appliesTimespan = true;
  /** What the job modules share. */
  private readonly ctx: EngineContext;
  private readonly background: BackgroundWork;
  /** Segments a running query reads, and encrypted files waiting for their readers to finish (the context's maps). */
  private readonly segmentReaders = new Map<string, number>();
  private readonly pendingDelete = new Map<string, { path: string; shred: boolean }>();
  /** Free space of the data folder, and storage-failure episodes (logged once each). */
  readonly space: FreeSpaceGuard;
  readonly opts: EngineSettings;

  private constructor(
    private readonly instance: DuckDBInstance,
    writer: DuckDBConnection,
    sealConn: DuckDBConnection,
    probe: PlanProbe,
    guard: StatementGuard,
    master: MasterKeys,
    scratch: Scratch,
    readonly cache: SegmentCache,
    readonly memory: MemoryTier,
    options: EngineOptions,
  ) {
    this.opts = {
      sealRows: 500_000,
      sealBytes: 64 * 1024 * 1024,
      sealAgeMs: 10 * 60_000,
      hotMaxBytes: 256 * 1024 * 1024,
      hotUncompressedBytes: 16 * 1024 * 1024,
      partitionMs: 3_600_000,
      segmentCacheBytes: 1024 * 1024 * 1024,
      walFileBytes: 64 * 1024 * 1024,
      retentionIntervalMs: 3_600_000,
      compactionIntervalMs: 10 * 60_000,
      minFreeBytes: DEFAULT_MIN_FREE_BYTES,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      dataDir: options.dataDir,
    } as EngineSettings;
    const log = (level: 'info' | 'warn' | 'error', message: string) => {
      if (this.opts.log) this.opts.log(level, message);
      else if (level !== 'info') process.stderr.write(`vigil storage ${level}: ${message}\n`);
    };
    this.space = new FreeSpaceGuard(options.dataDir, this.opts.minFreeBytes, log);
    this.ctx = {
      opts: this.opts,
      io: options.io ?? nodeIo,
      space: this.space,
      master,
      scratch,
      workspaces: new Map(),
      opening: new Map(),
      writeLock: new Mutex(),
      maintLock: new Mutex(),
      writer,
      sealConn,
      probe,
      guard,
      pool: new ConnectionPool(),
      viewSql: new WeakMap(),
      cache,
      memory,
      segmentReaders: this.segmentReaders,
      pendingDelete: this.pendingDelete,
      tierLoads: new Map(),
      backgroundFailing: new Set(),
      closed: false,
      log,
    };
    this.background = new BackgroundWork(this.ctx);
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
        // Segment files are decrypted in part and filled in later in place (segment-parts.ts): DuckDB
        // must read a file as it is now, never blocks it cached while a column chunk was still a hole.
        enable_external_file_cache: 'false',
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
        engine.ctx.pool.add(c);
      }
      // Lock DuckDB down: SQL may touch no file but the memory-backed scratch folder (segments being
      // sealed or loaded), and no setting can be changed afterwards. Whatever SQL reaches a query
      // connection cannot read the data folder, keys or system files, nor write anywhere else.
      await writer.run(`SET allowed_directories = [${sqlString(`${scratch.dir.replace(/\/+$/, '')}/`)}]`);
      await writer.run('SET enable_external_access = false');
      await writer.run('SET lock_configuration = true');
      engine.background.start();
      return engine;
    } catch (err) {
      closeScratch(scratch);
      throw err;
    }
  }

  /** Opens every workspace (replaying its log) and makes sure each listed table exists; called once at start. */
  async attachWorkspaces(list: WorkspaceTables[]): Promise<void> {
    for (const w of list) {
      await workspace(this.ctx, w.workspaceId);
      for (const t of w.tables) await ensureTable(this.ctx, w.workspaceId, t.name, t.columns);
    }
    try {
      await runRetention(this.ctx);
    } catch (err) {
      // Start on a full disk (queries work; ingestion answers 503): retention runs again in the background.
      if (!storageErrorKind(err)) throw err;
      this.background.retryRetentionSoon();
      backgroundFailed(this.ctx, 'retention', err, `retention failed (${(err as Error).message})`);
    }
    // Last, so the server reports ready only once the query path has run once (engine/warm-up.ts).
    await warmUp(this.ctx);
  }

  // ------------------------------------------------------------------ LogStore: writes (engine/ingest.ts, engine/drop.ts)

  ensureTable(workspaceId: string, table: string, columns: ColumnSchema[]): Promise<void> {
    return ensureTable(this.ctx, workspaceId, table, columns);
  }

  async pseudonymKey(workspaceId: string): Promise<Buffer> {
    return (await workspace(this.ctx, workspaceId)).keys.pseudonymKey;
  }

  /**
   * Appends rows: durable in the log before it resolves. Refused with a StorageError (→ 503) when the
   * free-space threshold would be crossed or a write fails; nothing of a refused append is kept.
   */
  append(workspaceId: string, table: string, columns: ColumnSchema[], rows: StoredValue[][] | ColumnBatch): Promise<void> {
    return append(this.ctx, workspaceId, table, columns, rows);
  }

  dropTable(workspaceId: string, table: string): Promise<void> {
    return dropTable(this.ctx, workspaceId, table);
  }

  dropWorkspace(workspaceId: string): Promise<void> {
    return dropWorkspace(this.ctx, workspaceId);
  }

  // ------------------------------------------------------------------ maintenance (engine/sealing.ts, retention.ts, compaction.ts, purge.ts)

  /** Seals a table's hot rows into segments now (whatever the thresholds). */
  sealTable(ws: Ws, t: TableRt): Promise<number> {
    return sealTable(this.ctx, ws, t);
  }

  /** Seals every table whose hot rows reached a threshold (or all, with `force`). */
  sealDue(force = false): Promise<number> {
    return sealDue(this.ctx, force);
  }

  /** Drops segments (and hot rows) past each table's retention. */
  runRetention(nowMs = Date.now()): Promise<number> {
    return runRetention(this.ctx, nowMs);
  }

  /** Merges runs of small adjacent segments (see engine/compaction.ts). */
  runCompaction(): Promise<number> {
    return runCompaction(this.ctx);
  }

  /** GDPR purge of the rows of `table` for which `whereSql` is TRUE; returns the rows removed (see engine/purge.ts). */
  purge(workspaceId: string, table: string, whereSql: string): Promise<number> {
    return purge(this.ctx, workspaceId, table, whereSql);
  }

  // ------------------------------------------------------------------ queries (engine/query.ts)

  tableSource(workspaceId: string, table: string, resourceScope?: string): string {
    return tableSource(workspaceId, table, resourceScope);
  }

  query(sql: string, limits: QueryLimits): Promise<QueryOutput> {
    return query(this.ctx, sql, limits);
  }

  // ------------------------------------------------------------------ status and shutdown

  status(): EngineStatus {
    let hotRows = 0;
    let hotBytes = 0;
    let segments = 0;
    let segmentRows = 0;
    let segmentBytes = 0;
    let walBytes = 0;
    let walSyncs = 0;
    for (const ws of this.ctx.workspaces.values()) {
      for (const t of ws.tables.values()) {
        for (const h of [t.hot, ...t.sealing]) {
          hotRows += h.rows;
          hotBytes += h.bytes;
        }
      }
      for (const s of ws.manifest.segments) {
        segments++;
        segmentRows += s.rows;
        segmentBytes += s.size;
      }
      walBytes += ws.wal.bytes();
      walSyncs += ws.wal.syncs;
    }
    return { workspaces: this.ctx.workspaces.size, hotRows, hotBytes, segments, segmentRows, segmentBytes, walBytes, cacheBytes: this.cache.bytes, cachedSegments: this.cache.count, memoryTierBytes: this.memory.bytes, memoryTierSegments: this.memory.count, hotUncompressedBytes: this.memory.uncompressedBytes, walSyncs };
  }

  /** Resolves once the memory-tier loads queries left behind them are done (src/store/engine/tier-loads.ts). */
  tierLoadsSettled(): Promise<void> {
    return tierLoadsSettled(this.ctx);
  }

  /** For tests and tools: the workspace's manifest segments. */
  async segmentsOf(workspaceId: string): Promise<readonly SegmentEntry[]> {
    return (await workspace(this.ctx, workspaceId)).manifest.segments;
  }

  async close(): Promise<void> {
    const ctx = this.ctx;
    if (ctx.closed) return;
    ctx.closed = true;
    await this.background.stop();
    await tierLoadsSettled(ctx);
    for (const ws of ctx.workspaces.values()) await ws.wal.close();
    await ctx.maintLock.run(() => undefined);
    await this.memory.close();
    await ctx.writeLock.run(async () => {
      ctx.pool.closeIdle();
      ctx.writer.closeSync();
      ctx.sealConn.closeSync();
      this.instance.closeSync();
      await ctx.probe.close();
      await ctx.guard.close();
    });
    this.cache.clear();
    closeScratch(ctx.scratch);
  }
}

export const storageDir = (dataDir: string) => join(dataDir, 'storage');
