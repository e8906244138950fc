/**
 * Hot rows: rows acknowledged but not yet sealed. They live in the log table's memory-tier table
 * (see memory-tier.ts) as a hot generation, tagged with its own number in `__seg`, so a query reads
 * hot rows and loaded segments in one base-table scan. A table has one current generation that
 * appends go to, plus generations being sealed; a sealing swap retires the current generation (it
 * stays readable until its segments are in the manifest) and starts a new one.
 *
 * Purge also uses plain scratch tables (catalog `scratch`) to evaluate its predicate over log records.
 */
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBVarCharType, INTEGER, VARCHAR,
  type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBVector,
} from '@duckdb/node-api';
import { sqlIdent } from '../kql/sql.js';
import { asColumnBatch, ColumnBatch } from './column-batch.js';
import { DUCKDB_TYPE, type StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';
import { MEM_CATALOG, SEG_COLUMN, type HotGeneration, type MemoryTier } from './memory-tier.js';
import { fillEncodedText, fillTextVector, setConstantInteger, setConstantText, type EncodedText } from './text-vector.js';

/** Rows per DuckDB data chunk (DuckDB's vector size). */
const CHUNK_ROWS = 2048;

/**
 * Rows a DuckDB appender buffers until its flush: it commits by itself once 100 chunks are buffered
 * (DuckDB's `DEFAULT_FLUSH_COUNT`, 100 × 2,048 rows); one chunk fewer, to stay clear of it.
 */
export const APPENDER_BUFFER_ROWS = 99 * CHUNK_ROWS;

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
  /**
   * The TimeGenerated ticks of every row appended to it so far (widened before an append commits,
   * never narrowed: purge only removes rows), so a query that sees its rows can tell whether they all
   * lie inside the request's timespan (timespan-cover.ts).
   */
  times: TimeBounds;
}

/** The least and greatest TimeGenerated ticks of some rows (undefined while there are none), and whether any lacks one. */
export interface TimeBounds {
  min?: bigint;
  max?: bigint;
  nulls: boolean;
}

/** The WHERE condition selecting a hot generation's rows in its tier table. */
export const hotRows = (h: HotTable) => `${sqlIdent(SEG_COLUMN)} = ${h.gen.seg}`;

/** SELECT of a hot generation's rows in the columns of its schema version (for sealing). */
export const hotSelect = (h: HotTable) => `SELECT ${h.columns.map((c) => sqlIdent(c.name)).join(', ')} FROM ${h.gen.sql} WHERE ${hotRows(h)}`;

export async function createHotTable(tier: MemoryTier, tierKey: string, columns: StoredColumn[], schemaVersion: number): Promise<HotTable> {
  const gen = await tier.addHot(tierKey, columns);
  return { gen, tierKey, columns: [...columns], rows: 0, bytes: 0, firstAppendMs: undefined, readers: 0, retired: false, watermark: 0, schemaVersion, droppedFromDb: false, times: { nulls: false } };
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
 * Columns the tier table has but the batch lacks are null. `texts[j]`, when given, is column j's
 * text already in UTF-8 (the log record's), written as it is.
 */
export async function appendHot(conn: DuckDBConnection, tier: MemoryTier, t: HotTable, columns: StoredColumn[], rows: StoredValue[][] | ColumnBatch, texts?: readonly (EncodedText | undefined)[]): Promise<void> {
  const batch = asColumnBatch(rows, columns.length);
  // Before the rows can be visible to any query's snapshot (a failed append only leaves them wider).
  widenTimes(t.times, columns, batch);
  await appendBatch(conn, MEM_CATALOG, t.gen.table, tier.order(t.tierKey), columns, batch, t.gen.seg, texts);
}

/** Widens `times` to the TimeGenerated values of a batch (a batch without the column is all nulls). */
function widenTimes(times: TimeBounds, columns: readonly StoredColumn[], batch: ColumnBatch): void {
  if (batch.rowCount === 0) return;
  const j = columns.findIndex((c) => c.name.toLowerCase() === 'timegenerated');
  const values = j >= 0 && columns[j]!.type === 'datetime' ? batch.values[j] : undefined;
  if (!values) {
    times.nulls = true;
    return;
  }
  let { min, max } = times;
  for (let i = 0; i < batch.rowCount; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      times.nulls = true;
      continue;
    }
    const ticks = typeof v === 'bigint' ? v : BigInt(v as number);
    if (min === undefined || ticks < min) min = ticks;
    if (max === undefined || ticks > max) max = ticks;
  }
  times.min = min;
  times.max = max;
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
  await appendBatch(conn, SCRATCH_CATALOG, t.name, t.columns, columns, ColumnBatch.fromRows(rows, columns.length));
}

/**
 * The vector type a column is appended as (text for UUID and DECIMAL columns: DuckDB casts it on
 * append). A dynamic column's JSON text goes in as DuckDB's JSON type itself — VARCHAR named JSON —
 * so the appender copies it as the column's own type instead of casting VARCHAR to JSON, which does
 * not check the text either (dynamic values are JSON text written by Vigil: coerce.ts, json-column.ts).
 */
const CHUNK_TYPE: Record<StoredColumn['type'] | 'seg', DuckDBType> = {
  datetime: BIGINT,
  long: BIGINT,
  timespan: BIGINT,
  int: INTEGER,
  real: DOUBLE,
  bool: BOOLEAN,
  string: VARCHAR,
  dynamic: DuckDBVarCharType.create('JSON'),
  guid: VARCHAR,
  decimal: VARCHAR,
  seg: INTEGER,
};

const TEXT_TYPES = new Set<StoredColumn['type'] | 'seg'>(['string', 'dynamic', 'guid', 'decimal']);

/** The string rows `from`..`from + n` all hold, if they are all the same string (not null). */
function sameText(values: readonly StoredValue[], from: number, n: number): string | undefined {
  const first = values[from];
  if (typeof first !== 'string' || n < 2) return undefined;
  for (let i = from + 1; i < from + n; i++) if (values[i] !== first) return undefined;
  return first;
}

/** Writes rows `from`..`from + n` of one column into a chunk's vector, converted to the column's stored type. */
function fillVector(vec: DuckDBVector, type: StoredColumn['type'], values: readonly StoredValue[] | undefined, from: number, n: number): void {
  if (!values) {
    for (let i = 0; i < n; i++) vec.setItem(i, null);
    return;
  }
  switch (type) {
    case 'datetime':
    case 'long':
    case 'timespan':
      for (let i = 0; i < n; i++) {
        const v = values[from + i];
        vec.setItem(i, v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(v as number));
      }
      return;
    case 'int':
    case 'real':
      for (let i = 0; i < n; i++) {
        const v = values[from + i];
        vec.setItem(i, v === null || v === undefined ? null : Number(v));
      }
      return;
    case 'bool':
      for (let i = 0; i < n; i++) {
        const v = values[from + i];
        vec.setItem(i, v === null || v === undefined ? null : Boolean(v));
      }
      return;
    default:
      fillTextVector(vec, n, (i) => {
        const v = values[from + i];
        return v === null || v === undefined ? null : typeof v === 'string' ? v : String(v);
      });
  }
}

/**
 * Appends a batch (`columns[j]`'s values in `batch.values[j]`) to a table whose physical columns are
 * `order`, in one transaction: all or nothing. The values go into DuckDB data chunks column by
 * column (numbers and ticks copied as typed arrays, not one native call per value; `seg`, and text
 * every row of a chunk shares, as DuckDB constant vectors). Columns the batch lacks are null; the
 * `seg` column gets `seg`.
 */
async function appendBatch(
  conn: DuckDBConnection,
  catalog: string,
  table: string,
  order: readonly { name: string; type: StoredColumn['type'] | 'seg' }[],
  columns: readonly StoredColumn[],
  batch: ColumnBatch,
  seg?: number,
  texts?: readonly (EncodedText | undefined)[],
): Promise<void> {
  const index = new Map(columns.map((c, i) => [c.name.toLowerCase(), i]));
  const plan = order.map((c) => {
    const i = index.get(c.name.toLowerCase());
    return { values: i === undefined ? undefined : batch.values[i], text: i === undefined ? undefined : texts?.[i], type: c.type };
  });
  const types = order.map((c) => CHUNK_TYPE[c.type]);
  // The appender's flush is a transaction of its own (all or nothing), which spares the two
  // statements of an explicit one (~0.9 ms of CPU per append). DuckDB's appender buffers the chunks
  // until its flush — unless 100 are buffered: then it commits them by itself, so more rows than
  // that need an explicit transaction.
  const explicit = batch.rowCount > APPENDER_BUFFER_ROWS;
  if (explicit) await conn.run('BEGIN TRANSACTION');
  let appender: DuckDBAppender | undefined;
  try {
    appender = await conn.createAppender(table, 'main', catalog);
    for (let from = 0; from < batch.rowCount; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, batch.rowCount - from);
      const chunk = DuckDBDataChunk.create(types, n);
      plan.forEach((p, j) => {
        const vec = chunk.getColumnVector(j);
        if (p.type === 'seg') {
          if (setConstantInteger(vec, seg!)) return;
          for (let i = 0; i < n; i++) vec.setItem(i, seg!);
        } else if (TEXT_TYPES.has(p.type) && p.values) {
          // A value every row of the chunk shares (the tenant, the table's type): written once.
          const same = sameText(p.values, from, n);
          if (same !== undefined && setConstantText(vec, same)) return;
          if (!p.text || !fillEncodedText(vec, n, p.text, from)) fillVector(vec, p.type, p.values, from, n);
        } else fillVector(vec, p.type, p.values, from, n);
        vec.flush();
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
    appender.closeSync();
    appender = undefined;
    if (explicit) await conn.run('COMMIT');
  } catch (err) {
    try {
      // Buffered rows are dropped, never flushed by the close: without an explicit transaction
      // nothing else would undo them.
      appender?.clear();
      appender?.closeSync();
    } catch {
      /* rolled back below, or never appended */
    }
    if (explicit) await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
