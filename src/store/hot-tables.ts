/**
 * Hot rows: rows acknowledged but not yet sealed. They live in the log table's memory-tier table
 * (see memory-tier.ts) as a hot generation, tagged with its own number in `__seg`, so a query reads
 * hot rows and loaded segments in one base-table scan. A table has one current generation that
 * appends go to, plus generations being sealed; a sealing swap retires the current generation (it
 * stays readable until its segments are in the manifest) and starts a new one.
 *
 * Purge also uses plain scratch tables (catalog `scratch`) to evaluate its predicate over log records.
 */
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from '../kql/sql.js';
import { DUCKDB_TYPE, type StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';
import { MEM_CATALOG, SEG_COLUMN, type HotGeneration, type MemoryTier } from './memory-tier.js';

/** Plain in-memory tables for purge's predicate over log records. */
export const SCRATCH_CATALOG = 'scratch';

export interface HotTable {
  /** Its generation in the memory tier: entry id, `__seg` number, tier table. */
  gen: HotGeneration;
  /** The memory-tier key of its log table. */
  tierKey: string;
  /** The columns of its schema version (the tier table may have more). */
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

/** The WHERE condition selecting a hot generation's rows in its tier table. */
export const hotRows = (h: HotTable) => `${sqlIdent(SEG_COLUMN)} = ${h.gen.seg}`;

/** SELECT of a hot generation's rows in the columns of its schema version (for sealing). */
export const hotSelect = (h: HotTable) => `SELECT ${h.columns.map((c) => sqlIdent(c.name)).join(', ')} FROM ${h.gen.sql} WHERE ${hotRows(h)}`;

export async function createHotTable(tier: MemoryTier, tierKey: string, columns: StoredColumn[], schemaVersion: number): Promise<HotTable> {
  const gen = await tier.addHot(tierKey, columns);
  return { gen, tierKey, columns: [...columns], rows: 0, bytes: 0, firstAppendMs: undefined, readers: 0, retired: false, watermark: 0, schemaVersion, droppedFromDb: false };
}

/** New columns for the table (its tier table gets them; the current generation's schema grows). */
export async function addHotColumns(tier: MemoryTier, t: HotTable, columns: StoredColumn[]): Promise<void> {
  await tier.addColumns(t.tierKey, columns);
  for (const c of columns) t.columns.push(c);
}

export async function dropHotTable(tier: MemoryTier, t: HotTable): Promise<void> {
  await tier.removeHot(t.gen.id);
}

/**
 * Appends rows (given in `columns` order) to a hot generation in one transaction: all or nothing.
 * Columns the tier table has but the batch lacks are null.
 */
export async function appendHot(conn: DuckDBConnection, tier: MemoryTier, t: HotTable, columns: StoredColumn[], rows: StoredValue[][]): Promise<void> {
  const seg = t.gen.seg;
  await appendRows(conn, MEM_CATALOG, t.gen.table, tier.order(t.tierKey), columns, rows, () => seg);
}

// ---------------------------------------------------------------- scratch tables (purge)

export interface ScratchTable {
  name: string;
  columns: StoredColumn[];
}

let counter = 0;

export const scratchSource = (t: ScratchTable) => `${SCRATCH_CATALOG}.main.${sqlIdent(t.name)}`;

export async function createScratchTable(conn: DuckDBConnection, prefix: string, columns: StoredColumn[]): Promise<ScratchTable> {
  const name = `${prefix}_${++counter}`;
  const cols = columns.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ');
  await conn.run(`CREATE TABLE ${SCRATCH_CATALOG}.main.${sqlIdent(name)} (${cols})`);
  return { name, columns: [...columns] };
}

export async function dropScratchTable(conn: DuckDBConnection, t: ScratchTable): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${scratchSource(t)}`);
}

export async function appendScratch(conn: DuckDBConnection, t: ScratchTable, columns: StoredColumn[], rows: StoredValue[][]): Promise<void> {
  await appendRows(conn, SCRATCH_CATALOG, t.name, t.columns, columns, rows);
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
 * Appends rows (given in `columns` order) to a table whose physical columns are `order`, in one
 * transaction: all or nothing. Columns the batch lacks are null; the `seg` column gets `seg()`.
 */
async function appendRows(
  conn: DuckDBConnection,
  catalog: string,
  table: string,
  order: readonly { name: string; type: StoredColumn['type'] | 'seg' }[],
  columns: StoredColumn[],
  rows: StoredValue[][],
  seg?: () => number,
): Promise<void> {
  const index = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
  const plan = order.map((c) => ({ i: index.get(c.name.toLowerCase()), type: c.type }));
  await conn.run('BEGIN TRANSACTION');
  let appender: DuckDBAppender | undefined;
  try {
    appender = await conn.createAppender(table, 'main', catalog);
    for (const row of rows) {
      for (const p of plan) {
        if (p.type === 'seg') appender.appendInteger(seg!());
        else appendValue(appender, p.type, p.i === undefined ? null : row[p.i]);
      }
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
