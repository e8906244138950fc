/**
 * Rows into a memory-tier table with DuckDB's append work off the event loop. DuckDB's appender
 * flushes synchronously: copying the rows into the table's row groups and committing ran on the
 * main thread (a quarter of its busy time during ingestion, bench/README). Here the rows reach
 * DuckDB as the output of a table function instead, through one prepared statement per table,
 *
 *   INSERT INTO segmem.main."t_N" SELECT * FROM vigil_tier_feed()
 *
 * run asynchronously: DuckDB executes it on a thread of its own and calls back into JavaScript only
 * to have each data chunk filled (the same vector writes as before, hot-tables.ts); the copy into
 * the table and the commit happen on DuckDB's thread while the event loop serves requests. One
 * statement is one transaction: all or nothing, whatever the number of chunks.
 *
 * The function is registered in the instance's catalog, where every connection could name it: it
 * only answers its own connection (the one that prepared the statements), and only while an append
 * of that connection is running — and the statement guard refuses it in any query anyway.
 */
import { DuckDBTableFunction, type DuckDBConnection, type DuckDBDataChunk, type DuckDBPreparedStatement, type DuckDBType } from '@duckdb/node-api';
import { sqlIdent } from '../kql/sql.js';

export const FEED_FUNCTION = 'vigil_tier_feed';

/** What one append hands DuckDB: its columns, its rows, and how to fill one chunk of them. */
export interface FeedRows {
  /** The output columns: exactly the target table's physical columns, in order. */
  types: readonly DuckDBType[];
  names: readonly string[];
  rowCount: number;
  /** Writes rows `from`..`from + n` into `chunk` (its row count is already `n`). */
  fill(chunk: DuckDBDataChunk, from: number, n: number): void;
}

/** Rows per chunk DuckDB asks for (its vector size). */
const CHUNK_ROWS = 2048;
/** Prepared statements kept (one per tier table appended to recently). */
const STATEMENTS = 64;

export class TierFeed {
  /** The append running now (one at a time per connection: the engine's write lock). */
  private current: FeedRows | undefined;
  /** The connection the function answers, learnt when the first statement is bound. */
  private owner: number | undefined;
  private readonly statements = new Map<string, { width: number; ps: DuckDBPreparedStatement }>();

  private constructor(private readonly conn: DuckDBConnection) {}

  /** Registers the function on `conn`'s instance (once per instance) and returns the feed of `conn`. */
  static register(conn: DuckDBConnection): TierFeed {
    const feed = new TierFeed(conn);
    conn.registerTableFunction(
      DuckDBTableFunction.create({
        name: FEED_FUNCTION,
        bindFunction: (info) => {
          const rows = feed.current;
          const id = info.clientContext.connectionId;
          if (!rows || (feed.owner !== undefined && feed.owner !== id)) return info.setError(`${FEED_FUNCTION} is internal to the storage engine`);
          feed.owner ??= id;
          rows.types.forEach((t, j) => info.addResultColumn(rows.names[j]!, t));
          info.setCardinality(rows.rowCount, true);
        },
        initFunction: (info) => {
          const rows = feed.current;
          if (!rows) return info.setError(`${FEED_FUNCTION} is internal to the storage engine`);
          // One thread: the chunks come in order, and fill() is called for one chunk at a time.
          info.setMaxThreads(1);
          info.setInitData({ rows, from: 0 });
        },
        mainFunction: (info, output) => {
          const state = info.initData as { rows: FeedRows; from: number };
          // The append this scan was started for, and no other (a rebind between appends sees the new one).
          if (state.rows !== feed.current) throw new Error(`${FEED_FUNCTION}: the rows changed during the append`);
          const n = Math.min(CHUNK_ROWS, state.rows.rowCount - state.from);
          output.rowCount = n;
          if (n <= 0) return;
          state.rows.fill(output, state.from, n);
          state.from += n;
        },
      }),
    );
    return feed;
  }

  /**
   * Appends `rows` to `table` (`catalog.main.table`, whose physical columns are exactly `rows.names`
   * with `rows.types`) in one statement: all or nothing. Resolves once committed.
   */
  async append(catalog: string, table: string, rows: FeedRows): Promise<void> {
    if (this.current) throw new Error('TierFeed: one append at a time');
    if (rows.rowCount === 0) return;
    this.current = rows;
    try {
      const ps = await this.statement(catalog, table, rows.names.length);
      await ps.run();
    } finally {
      this.current = undefined;
    }
  }

  /** The prepared INSERT for a table of `width` columns (prepared again when the table got columns). */
  private async statement(catalog: string, table: string, width: number): Promise<DuckDBPreparedStatement> {
    const key = `${catalog}.${table}`;
    const have = this.statements.get(key);
    if (have && have.width === width) {
      // Most recently used last.
      this.statements.delete(key);
      this.statements.set(key, have);
      return have.ps;
    }
    if (have) {
      this.statements.delete(key);
      have.ps.destroySync();
    }
    const ps = await this.conn.prepare(`INSERT INTO ${sqlIdent(catalog)}.main.${sqlIdent(table)} SELECT * FROM ${FEED_FUNCTION}()`);
    this.statements.set(key, { width, ps });
    while (this.statements.size > STATEMENTS) {
      const [oldest, s] = this.statements.entries().next().value as [string, { ps: DuckDBPreparedStatement }];
      this.statements.delete(oldest);
      s.ps.destroySync();
    }
    return ps;
  }
}
