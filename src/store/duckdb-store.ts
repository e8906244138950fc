import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../kql/index.js';
import { sqlIdent, sqlString } from '../kql/sql.js';
import { ConnectionPool } from './connection-pool.js';
import { ColumnBatch } from './column-batch.js';
import { DUCKDB_TYPE, type StoredValue } from './column-types.js';
import { QueryAbortedError } from './store.js';
import { registerKqlRuntime } from '../kql/runtime/index.js';

export interface DuckDbStoreOptions {
  dataDir: string;
  /** DuckDB memory limit, e.g. '4GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Connections kept for concurrent queries. */
  queryConnections?: number;
}

/** Serialises async work: each call waits for the previous one to finish. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Workspace GUIDs become catalog names `ws_<hex>`; only hex digits survive, so no quoting trouble. */
const catalogName = (workspaceId: string) => `ws_${workspaceId.toLowerCase().replace(/[^0-9a-f]/g, '')}`;

/**
 * The plain DuckDB store: the baseline the storage benchmarks measure the engine against (same rows
 * in native DuckDB tables), not used by the server — it has none of the engine's encryption nor its
 * statement isolation. One DuckDB file per workspace, all attached to one in-process DuckDB
 * instance (one memory budget, and cross-workspace queries are plain SQL). Appends go through
 * one writer connection inside a transaction; queries use a small pool of connections and can be
 * interrupted.
 */
export class DuckDbStore {
  private readonly writeLock = new Mutex();
  private readonly attached = new Set<string>();
  private readonly pool = new ConnectionPool();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly dir: string,
  ) {}

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    const dir = join(options.dataDir, 'workspaces');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tempDir = join(options.dataDir, 'tmp');
    rmSync(tempDir, { recursive: true, force: true });
    mkdirSync(tempDir, { recursive: true, mode: 0o700 });
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: options.memoryLimit ?? '4GB',
      threads: String(options.threads ?? 2),
      temp_directory: tempDir,
    });
    const writer = await instance.connect();
    await writer.run('LOAD json; LOAD icu; SET TimeZone = \'UTC\'');
    registerKqlRuntime(writer);
    const store = new DuckDbStore(instance, writer, dir);
    for (let i = 0; i < (options.queryConnections ?? 4); i++) {
      const c = await instance.connect();
      await c.run("SET TimeZone = 'UTC'");
      store.pool.add(c);
    }
    return store;
  }

  private async attach(workspaceId: string): Promise<string> {
    const name = catalogName(workspaceId);
    if (!this.attached.has(name)) {
      await this.writer.run(`ATTACH IF NOT EXISTS ${sqlString(join(this.dir, `${name}.duckdb`))} AS ${sqlIdent(name)}`);
      this.attached.add(name);
    }
    return name;
  }

  /** Attaches every workspace file so queries can read them; called once at start. */
  async attachWorkspaces(workspaceIds: string[]): Promise<void> {
    await this.writeLock.run(async () => {
      for (const id of workspaceIds) await this.attach(id);
    });
  }

  tableSource(workspaceId: string, table: string): string {
    return `${sqlIdent(catalogName(workspaceId))}.main.${sqlIdent(table)}`;
  }

  async ensureTable(workspaceId: string, table: string, columns: ColumnSchema[]): Promise<void> {
    await this.writeLock.run(async () => {
      const cat = await this.attach(workspaceId);
      const existing = await this.writer.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE database_name = ${sqlString(cat)} AND schema_name = 'main' AND table_name = ${sqlString(table)}`,
      );
      const have = new Set(existing.getRowsJS().map((r) => String(r[0]).toLowerCase()));
      const target = this.tableSource(workspaceId, table);
      if (have.size === 0) {
        const cols = columns.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ');
        await this.writer.run(`CREATE TABLE IF NOT EXISTS ${target} (${cols})`);
        return;
      }
      for (const c of columns) {
        if (!have.has(c.name.toLowerCase())) await this.writer.run(`ALTER TABLE ${target} ADD COLUMN ${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`);
      }
    });
  }

  async append(workspaceId: string, table: string, columns: ColumnSchema[], batch: StoredValue[][] | ColumnBatch): Promise<void> {
    const rows = batch instanceof ColumnBatch ? batch.toRows() : batch;
    if (rows.length === 0) return;
    await this.writeLock.run(async () => {
      const cat = await this.attach(workspaceId);
      // The appender writes columns by position, so read the physical order and map onto it.
      const physical = (
        await this.writer.runAndReadAll(
          `SELECT column_name FROM duckdb_columns() WHERE database_name = ${sqlString(cat)} AND schema_name = 'main' AND table_name = ${sqlString(table)} ORDER BY column_index`,
        )
      ).getRowsJS().map((r) => String(r[0]).toLowerCase());
      const index = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
      const plan = physical.map((name) => {
        const i = index.get(name);
        return { i, type: i === undefined ? undefined : columns[i]!.type };
      });
      await this.writer.run('BEGIN TRANSACTION');
      let appender: DuckDBAppender | undefined;
      try {
        appender = await this.writer.createAppender(table, 'main', cat);
        for (const row of rows) {
          for (const p of plan) {
            const v = p.i === undefined ? null : row[p.i];
            if (v === null || v === undefined) appender.appendNull();
            else if (typeof v === 'bigint') appender.appendBigInt(v);
            else if (typeof v === 'boolean') appender.appendBoolean(v);
            else if (typeof v === 'number') p.type === 'int' ? appender.appendInteger(v) : appender.appendDouble(v);
            else appender.appendVarchar(v);
          }
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
        appender = undefined;
        await this.writer.run('COMMIT');
      } catch (err) {
        try {
          appender?.closeSync();
        } catch {
          /* the transaction is rolled back below either way */
        }
        await this.writer.run('ROLLBACK');
        throw err;
      }
    });
  }

  async dropTable(workspaceId: string, table: string): Promise<void> {
    await this.writeLock.run(async () => {
      await this.attach(workspaceId);
      await this.writer.run(`DROP TABLE IF EXISTS ${this.tableSource(workspaceId, table)}`);
    });
  }

  async purge(workspaceId: string, table: string, whereSql: string): Promise<number> {
    return this.writeLock.run(async () => {
      const cat = await this.attach(workspaceId);
      const exists = await this.writer.runAndReadAll(
        `SELECT 1 FROM duckdb_tables() WHERE database_name = ${sqlString(cat)} AND schema_name = 'main' AND table_name = ${sqlString(table)}`,
      );
      if (exists.getRowsJS().length === 0) return 0;
      const r = await this.writer.runAndReadAll(`DELETE FROM ${this.tableSource(workspaceId, table)} WHERE ${whereSql}`);
      const removed = Number(r.getRowsJS()[0]?.[0] ?? 0);
      // Write the table's blocks again without the deleted rows.
      if (removed > 0) await this.writer.run(`CHECKPOINT ${sqlIdent(cat)}`);
      return removed;
    });
  }

  async dropWorkspace(workspaceId: string): Promise<void> {
    await this.writeLock.run(async () => {
      const name = catalogName(workspaceId);
      if (this.attached.has(name)) {
        await this.writer.run(`DETACH ${sqlIdent(name)}`);
        this.attached.delete(name);
      }
      rmSync(join(this.dir, `${name}.duckdb`), { force: true });
      rmSync(join(this.dir, `${name}.duckdb.wal`), { force: true });
    });
  }

  async query(sql: string, limits: { timeoutMs: number; signal?: AbortSignal }): Promise<{ columnNames: string[]; rows: unknown[][] }> {
    const conn = await this.pool.acquire();
    let aborted: 'timeout' | 'cancelled' | undefined;
    const stop = (reason: 'timeout' | 'cancelled') => {
      if (aborted) return;
      aborted = reason;
      conn.interrupt();
    };
    const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
    const onAbort = () => stop('cancelled');
    limits.signal?.addEventListener('abort', onAbort);
    try {
      if (limits.signal?.aborted) throw new QueryAbortedError('cancelled');
      const reader = await conn.runAndReadAll(sql);
      if (aborted) throw new QueryAbortedError(aborted);
      return { columnNames: reader.columnNames(), rows: reader.getRowsJS() as unknown[][] };
    } catch (err) {
      if (aborted) throw new QueryAbortedError(aborted);
      throw err;
    } finally {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      this.pool.release(conn);
    }
  }

  async close(): Promise<void> {
    await this.writeLock.run(async () => {
      await this.writer.run('CHECKPOINT').catch(() => undefined);
      this.pool.closeIdle();
      this.writer.closeSync();
      this.instance.closeSync();
    });
  }
}
