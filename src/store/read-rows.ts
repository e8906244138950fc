/**
 * A statement's whole answer as JS values in one round trip to DuckDB. `runAndReadAll` runs the
 * statement (materialized) and then fetches each chunk, and one more to learn there is none left,
 * each fetch a hop through libuv's thread pool: a one-row answer costs three hops, and on a loaded
 * machine a hop costs milliseconds (issue #20, the cold first query pays several). The result of
 * `run` is already materialized, so its chunks are read here synchronously, column by column
 * (column-reader.ts: the values `getRowsJS`'s JS converter gives, read in bulk).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendChunkRows } from './column-reader.js';

export interface ReadRows {
  columnNames: string[];
  rows: unknown[][];
}

export async function runAndReadRows(conn: DuckDBConnection, sql: string): Promise<ReadRows> {
  const result = await conn.run(sql);
  const rows: unknown[][] = [];
  for (let i = 0, n = result.chunkCount; i < n; i++) {
    appendChunkRows(result.getChunk(i), rows);
  }
  return { columnNames: result.columnNames(), rows };
}
