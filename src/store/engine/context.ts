/**
 * What the storage engine's jobs (ingest, query, sealing, retention, compaction, purge, background)
 * share: the engine's options, its open workspaces and tables, locks, DuckDB connections and
 * caches. The StorageEngine owns this state and hands one EngineContext to the job modules.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../../kql/index.js';
import { sqlIdent } from '../../kql/sql.js';
import type { MasterKeys } from '../../keys/master-key.js';
import type { WorkspaceKeys } from '../../keys/workspace-keys.js';
import type { StorageIo } from '../../util/storage-io.js';
import type { ConnectionPool } from '../connection-pool.js';
import type { FreeSpaceGuard } from '../disk-space.js';
import type { HotTable } from '../hot-tables.js';
import type { Manifest, StoredColumn } from '../manifest.js';
import type { MemoryTier } from '../memory-tier.js';
import type { Mutex } from '../mutex.js';
import type { PlanProbe } from '../plan-probe.js';
import type { Scratch } from '../scratch.js';
import type { SegmentCache } from '../segment-cache.js';
import type { StatementGuard } from '../statement-guard.js';
import type { WalWriter } from '../wal.js';

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
  /**
   * Unsealed rows of all tables together, in bytes of their log records: above this the background
   * seals the tables holding the most first, down to half of it (default 256 MiB; 0: no bound but
   * each table's own). Hot rows are outside the memory tier's budget; this bounds them when many
   * tables are written at once.
   */
  hotMaxBytes?: number;
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
   * uncompressed (besides when a table is sealed): bounds their memory between seals and the share
   * of recent rows that queries scan uncompressed (filters and groupings on text ×2–×4 slower there).
   * Default 16 MiB — about as often as DuckDB's automatic checkpoints compressed them before.
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

/** The options with their defaults applied. */
export type EngineSettings = Required<Omit<EngineOptions, 'masterKeys' | 'retentionDays' | 'log' | 'scratchDir' | 'memoryLimit' | 'threads' | 'queryConnections' | 'io' | 'reserveTables'>> & EngineOptions;

export interface WorkspaceTables {
  workspaceId: string;
  tables: { name: string; columns: ColumnSchema[] }[];
}

/** A table of an open workspace. */
export interface TableRt {
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

/** An open workspace. */
export interface Ws {
  id: string;
  hex: string;
  dir: string;
  keys: WorkspaceKeys;
  manifest: Manifest;
  wal: WalWriter;
  tables: Map<string, TableRt>;
  lastApplied: Map<string, number>;
}

export interface EngineContext {
  readonly opts: EngineSettings;
  readonly io: StorageIo;
  /** Free space of the data folder, and storage-failure episodes (logged once each). */
  readonly space: FreeSpaceGuard;
  readonly master: MasterKeys;
  readonly scratch: Scratch;
  readonly workspaces: Map<string, Ws>;
  readonly opening: Map<string, Promise<Ws>>;
  /** Serialises writes to the memory tier through the writer connection. */
  readonly writeLock: Mutex;
  /** Serialises what rewrites a table's stored rows: sealing, retention, compaction and purge. */
  readonly maintLock: Mutex;
  readonly writer: DuckDBConnection;
  readonly sealConn: DuckDBConnection;
  readonly probe: PlanProbe;
  readonly guard: StatementGuard;
  readonly pool: ConnectionPool;
  /** The view SQL each query connection last created, per view (skip re-creating an identical one). */
  readonly viewSql: WeakMap<DuckDBConnection, Map<string, string>>;
  readonly cache: SegmentCache;
  readonly memory: MemoryTier;
  /** Segments a running query reads, and encrypted files waiting for their readers to finish. */
  readonly segmentReaders: Map<string, number>;
  readonly pendingDelete: Map<string, { path: string; shred: boolean }>;
  /** Memory-tier loads of segments queries read from Parquet, running after them (tier-loads.ts). */
  readonly tierLoads: Map<string, Promise<void>>;
  /** Background work failing on storage (logged once until it succeeds again). */
  readonly backgroundFailing: Set<string>;
  closed: boolean;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Milliseconds on a clock that never jumps (for schedules and ages; never for timestamps). */
export const monotonicMs = () => performance.now();

/** Tables written into the free-space reserve: the audit must not stop when ingestion does. */
export const RESERVE_TABLES = ['LAQueryLogs', 'AzureActivity'];
/** Background work that failed on storage is retried this soon (rather than at its next interval). */
export const STORAGE_RETRY_MS = 5000;
const VIEW_PREFIX = 'vigil_';
export const hexOf = (workspaceId: string) => workspaceId.toLowerCase().replace(/[^0-9a-f]/g, '');
export const viewName = (hex: string, table: string) => `${VIEW_PREFIX}${hex}_${table}`;
/** The view of a grant: the table's, or — for a resource scope — one named for that scope too. */
export const grantViewName = (hex: string, table: string, resourceScope?: string) =>
  resourceScope === undefined ? viewName(hex, table) : `${viewName(hex, table)}@${createHash('sha256').update(resourceScope).digest('hex').slice(0, 24)}`;
/** The memory-tier key of a table: its view name and the schema version it was (re)created or opened at. */
export const tierKeyOf = (hex: string, table: string, version: number) => `${viewName(hex, table)}#${version}`;
/** How SQL names a table of a workspace (the query's view of it). */
export const tableSource = (workspaceId: string, table: string, resourceScope?: string) => `temp.main.${sqlIdent(grantViewName(hexOf(workspaceId), table, resourceScope))}`;
