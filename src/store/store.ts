import type { ColumnSchema } from '../kql/index.js';
import type { ColumnBatch } from './column-batch.js';
import type { StoredValue } from './column-types.js';

/** Per-query execution limits. */
export interface QueryLimits {
  /** Abort the query after this many milliseconds (the caller turns the abort into a 504). */
  timeoutMs: number;
  /** Also aborts the query, e.g. when the client disconnects. */
  signal?: AbortSignal;
  /**
   * The request's timespan. A store that `appliesTimespan` keeps every table with a datetime
   * TimeGenerated to its rows inside it (`start <= TimeGenerated < end`), and the SQL need not filter
   * on it; any store may use it to skip data outside it (the storage engine prunes segments with it).
   */
  timespan?: { start?: Date; end?: Date };
  /**
   * The tables the query was authorized to read (from the query's table resolver), each with the row
   * scope its grant carries. The store exposes these and nothing else to the SQL, and refuses SQL that
   * names anything else; it never works out the tables by reading the SQL text.
   */
  tables: TableGrant[];
  /** Called once the statement is checked, before it runs, with the granted tables it reads. */
  onTablesRead?: (tables: TableGrant[]) => void;
  /**
   * The caller shows the scan statistics (Prefer: include-statistics): work out every table's time
   * range from the query even when it saves no work (all the data it could need is in memory).
   */
  exactScan?: boolean;
}

/**
 * One table granted to a query. `resourceScope` (a lower-case ARM resource id): the grant covers only
 * the rows whose `_ResourceId` is that resource or below it (resource-context queries); the store
 * applies it in the table's source itself, so no statement can see the table's other rows.
 */
export interface TableGrant {
  workspaceId: string;
  table: string;
  resourceScope?: string;
}

/** What the storage engine read for one query (shown with `Prefer: include-statistics=true`). */
export interface ScanStatistics {
  /** Sealed segments of the queried tables. */
  segmentsConsidered: number;
  /** Segments skipped because their TimeGenerated range is outside the query's. */
  segmentsPruned: number;
  /** Segments the query read. */
  segmentsOpened: number;
  /**
   * Opened segments a pure `count()` took from the manifest's row counts instead of reading them
   * (every row inside the query's TimeGenerated bounds; manifest-count.ts). Not decrypted.
   */
  segmentsCounted: number;
  /** Opened segments that had to be decrypted (not in the memory cache). */
  segmentsDecrypted: number;
  /** Opened segments that did not have to be decrypted: in the memory tier, or decrypted Parquet in the scratch cache. */
  segmentCacheHits: number;
  /** Of those, the segments read from the memory tier (the others were read as decrypted Parquet). */
  segmentsInMemory: number;
  bytesDecrypted: number;
  /**
   * Times the statement ran again in an explicit snapshot because the memory tier's generations
   * changed while its own snapshot started (engine/query.ts); usually 0.
   */
  snapshotRetries: number;
  /** Rows not yet sealed (always read). */
  hotRows: number;
  /** Rows in the opened segments. */
  segmentRows: number;
  /** hotRows + segmentRows: the rows handed to the executor before its own filtering. */
  rowsScanned: number;
  /** Hot rows plus the rows of every segment considered. */
  rowsTotal: number;
  /** Per table read; `timespanFiltered`: some of its rows may lie outside the request's timespan, so its view filters on it (timespan-cover.ts). */
  tables: { table: string; from?: string; to?: string; segmentsConsidered: number; segmentsOpened: number; hotRows: number; segmentRows: number; timespanFiltered?: boolean }[];
}

export interface QueryOutput {
  columnNames: string[];
  /** Rows as DuckDB JS values (`DuckDBResultReader.getRowsJS()`). */
  rows: unknown[][];
  /** The granted tables the statement reads (as the store checked it before running it). */
  tablesRead: TableGrant[];
  /** Scan statistics, from stores that keep them. */
  statistics?: ScanStatistics;
}

/**
 * What the rest of Vigil knows about storage: append a batch to a workspace table atomically,
 * and expose tables as SQL sources for a query. The encrypted segment engine replaces the
 * implementation behind this interface.
 */
export interface LogStore {
  /**
   * `query` applies `limits.timespan` itself (see QueryLimits.timespan): the compiler is not given
   * it, so the SQL text does not change with it. Otherwise the compiled SQL filters on it.
   */
  readonly appliesTimespan?: boolean;
  /** Creates the table, or adds the columns it lacks (existing columns keep their type). */
  ensureTable(workspaceId: string, table: string, columns: ColumnSchema[]): Promise<void>;
  /** Appends all rows or none. `rows[i][j]` (or, held by columns, `rows.values[j][i]`) is a value of `columns[j]`. */
  append(workspaceId: string, table: string, columns: ColumnSchema[], rows: StoredValue[][] | ColumnBatch): Promise<void>;
  dropTable(workspaceId: string, table: string): Promise<void>;
  dropWorkspace(workspaceId: string): Promise<void>;
  /** The FROM-clause source of a table (of its rows in `resourceScope`, when given), for the KQL compiler. */
  tableSource(workspaceId: string, table: string, resourceScope?: string): string;
  /**
   * Runs SQL produced by the KQL compiler, after checking that it is a single SELECT that names only
   * the sources of `limits.tables` (StatementRefusedError otherwise).
   */
  query(sql: string, limits: QueryLimits): Promise<QueryOutput>;
  /**
   * GDPR purge: physically removes the rows of `table` for which `whereSql` (a SQL predicate over the
   * table's columns, quoted identifiers; built by src/governance/purge.ts) is TRUE, everywhere the store
   * keeps them, and returns how many were removed. A missing table has nothing to remove (0).
   */
  purge(workspaceId: string, table: string, whereSql: string): Promise<number>;
  /** The key of the workspace's pseudonyms (hash_hmac_sha256_ws), derived from its workspace key. */
  pseudonymKey?(workspaceId: string): Promise<Buffer>;
  /** Row counts per table, for metadata and statistics. */
  close(): Promise<void>;
}

export class QueryAbortedError extends Error {
  constructor(readonly reason: 'timeout' | 'cancelled') {
    super(reason === 'timeout' ? 'The query exceeded its time limit' : 'The query was cancelled');
  }
}
