/**
 * Hot tables: rows acknowledged but not yet sealed, in in-memory DuckDB tables (catalog `hot`).
 * A table's hot rows live in one current table that appends go to, plus tables being sealed; a
 * sealing swap retires the current table (it stays readable until its segments are in the
 * manifest) and starts a new one.
 */
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from '../kql/sql.js';
import { DUCKDB_TYPE, type StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';

export const HOT_CATALOG = 'hot';

export interface HotTable {
  /** Name in the `hot` catalog. */
  name: string;
  /** Physical column order. */
  columns: StoredColumn[];
  rows: number;
  /** Plaintext bytes appended (log payload size), for the size trigger. */
  bytes: number;
  /** When the first row arrived (ms), for the age trigger. */
  firstAppendMs: number | undefined;
  /** Queries reading it right now. */
  readers: number;
  /** Dropped once nobody reads it. */
  retired: boolean;
  /** The last log record applied to it (set when it is retired for sealing). */
  watermark: number;
  /** The table schema version its columns are. */
  schemaVersion: number;
  droppedFromDb: boolean;
}

let counter = 0;

export const hotSource = (t: HotTable) => `${HOT_CATALOG}.main.${sqlIdent(t.name)}`;

export async function createHotTable(conn: DuckDBConnection, prefix: string, columns: StoredColumn[]): Promise<HotTable> {
  const name = `${prefix}_${++counter}`;
  const cols = columns.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ');
  await conn.run(`CREATE TABLE ${HOT_CATALOG}.main.${sqlIdent(name)} (${cols})`);
  return { name, columns: [...columns], rows: 0, bytes: 0, firstAppendMs: undefined, readers: 0, retired: false, watermark: 0, schemaVersion: 1, droppedFromDb: false };
}

export async function addHotColumns(conn: DuckDBConnection, t: HotTable, columns: StoredColumn[]): Promise<void> {
  for (const c of columns) {
    await conn.run(`ALTER TABLE ${hotSource(t)} ADD COLUMN ${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`);
    t.columns.push(c);
  }
}

export async function dropHotTable(conn: DuckDBConnection, t: HotTable): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${hotSource(t)}`);
}

function appendValue(a: DuckDBAppender, type: StoredColumn['type'], v: StoredValue | undefined): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (type) {
    case 'datetime':
      return a.appendTimestamp(new DuckDBTimestampValue(typeof v === 'bigint' ? v : BigInt(v as number)));
    case 'long':
    case 'timespan':
      return a.appendBigInt(typeof v === 'bigint' ? v : BigInt(v as number));
    case 'int':
      return a.appendInteger(Number(v));
    case 'real':
      return a.appendDouble(Number(v));
    case 'bool':
      return a.appendBoolean(Boolean(v));
    default:
      return a.appendVarchar(typeof v === 'string' ? v : String(v));
  }
}

/**
 * Appends rows (given in `columns` order) to a hot table in one transaction: all or nothing.
 * Columns the table has but the batch lacks are null.
 */
export async function appendHot(conn: DuckDBConnection, t: HotTable, columns: StoredColumn[], rows: StoredValue[][]): Promise<void> {
  const index = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
  const plan = t.columns.map((c) => ({ i: index.get(c.name.toLowerCase()), type: c.type }));
  await conn.run('BEGIN TRANSACTION');
  let appender: DuckDBAppender | undefined;
  try {
    appender = await conn.createAppender(t.name, 'main', HOT_CATALOG);
    for (const row of rows) {
      for (const p of plan) appendValue(appender, p.type, p.i === undefined ? null : row[p.i]);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
    appender = undefined;
    await conn.run('COMMIT');
  } catch (err) {
    try {
      appender?.closeSync();
    } catch {
      /* rolled back below */
    }
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
