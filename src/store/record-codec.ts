/**
 * The plaintext of a log record: one appended batch — in the binary layout (record-binary.ts, written
 * by ingestion since issue 20's storage work), or as JSON in one of two layouts —
 *   `{k:'cols', t: table, c: [[name, type]], n: rowCount, v: [column values]}` (written since issue 20:
 *   one array per column, or `{all: value}` for a column with one value in every row, so a batch held
 *   by columns is written without an array per row; still read), or
 *   `{k:'rows', t: table, c: [[name, type]], r: rows}` (older logs; still read, and written by purge's rewrite).
 * In long, timespan and datetime columns a bigint is a JSON number when a double holds it exactly
 * and its digits as a string otherwise; other bigints are strings.
 *
 * Datetimes are 100-ns ticks since 0001-01-01 in records marked `d: 'ticks'` (every record written
 * since issue #12); unmarked records are older and hold µs since the Unix epoch, converted to ticks
 * as they are read (legacy-time.ts).
 */
import type { KqlType } from '../kql/index.js';
import { ColumnBatch } from './column-batch.js';
import type { StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';
import { ticksOfLegacyMicros } from './legacy-time.js';
import { utf8 } from '../util/utf8.js';
import { BINARY_MAGIC, decodeBinaryRecord } from './record-binary.js';

export interface RowsRecord {
  table: string;
  columns: StoredColumn[];
  rows: StoredValue[][];
}

const BIG: ReadonlySet<KqlType> = new Set(['long', 'timespan', 'datetime']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

export function encodeRecord(r: RowsRecord): Buffer {
  const rows = r.rows.map((row) => row.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
  return Buffer.from(JSON.stringify({ k: 'rows', d: 'ticks', t: r.table, c: r.columns.map((c) => [c.name, c.type]), r: rows }));
}

/** The record of a batch held by columns (`batch.values[j]` is `columns[j]`'s). */
export function encodeColumnsRecord(table: string, columns: readonly StoredColumn[], batch: ColumnBatch): Buffer {
  const v = columns.map((c, j) => encodeColumn(batch.values[j]!, BIG.has(c.type)));
  return utf8(JSON.stringify({ k: 'cols', d: 'ticks', t: table, c: columns.map((c) => [c.name, c.type]), n: batch.rowCount, v }));
}


/**
 * A column as JSON can hold it: `{"all": value}` when every row has the same value (the tenant, the
 * table name, the time received, a missing column), else the same array when it has no bigint, else
 * a copy with them converted.
 */
function encodeColumn(values: readonly StoredValue[], big: boolean): readonly (StoredValue | string)[] | { all: StoredValue | string } {
  if (values.length > 1 && isConstant(values)) return { all: encodeCell(values[0]!, big) };
  let out: (StoredValue | string)[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'bigint') continue;
    out ??= values.slice();
    out[i] = encodeCell(v, big);
  }
  return out ?? values;
}

function isConstant(values: readonly StoredValue[]): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}

const encodeCell = (v: StoredValue, big: boolean): StoredValue | string =>
  typeof v !== 'bigint' ? v : big && v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();

/** The start of a record as `encodeRecord` and `encodeColumnsRecord` write it, up to the table name (a JSON string). */
const HEAD = /^\{"k":"(?:rows|cols)",(?:"d":"ticks",)?"t":("(?:[^"\\]|\\.)*")/;

/**
 * The table a record belongs to, without decoding its rows: opening a workspace replays only the
 * records not yet sealed, and decoding every sealed one of the log (up to a log file's 64 MiB)
 * only to learn its table made opening slower and left that much garbage for the first query's
 * collector. The name is read from the record's first bytes (JSON.stringify writes the keys in that
 * order); a record of any other shape is decoded whole.
 */
export function recordTable(payload: Buffer): string {
  // The binary layout: the table is in its small header, before any column.
  if (payload.length >= BINARY_MAGIC.length + 4 && payload.subarray(0, BINARY_MAGIC.length).equals(BINARY_MAGIC)) {
    const headerEnd = BINARY_MAGIC.length + 4 + payload.readUInt32LE(BINARY_MAGIC.length);
    const header = headerEnd <= payload.length ? (JSON.parse(payload.toString('utf8', BINARY_MAGIC.length + 4, headerEnd)) as { t?: unknown }) : undefined;
    return typeof header?.t === 'string' ? header.t : decodeRecord(payload).table;
  }
  const m = HEAD.exec(payload.toString('utf8', 0, Math.min(payload.length, 1024)));
  return m ? (JSON.parse(m[1]!) as string) : decodeRecord(payload).table;
}

export function decodeRecord(payload: Buffer): RowsRecord {
  if (payload.length >= BINARY_MAGIC.length && payload.subarray(0, BINARY_MAGIC.length).equals(BINARY_MAGIC)) {
    const b = decodeBinaryRecord(payload);
    const rows = b.batch.toRows();
    bigintsOf(b.columns, rows, undefined);
    return { table: b.table, columns: b.columns, rows };
  }
  const o = JSON.parse(payload.toString('utf8')) as { k: string; d?: string; t: string; c: [string, KqlType][]; r?: StoredValue[][]; n?: number; v?: (StoredValue[] | { all: StoredValue })[] };
  const columns = o.c.map(([name, type]) => ({ name, type }));
  let rows: StoredValue[][];
  if (o.k === 'rows') rows = o.r!;
  else if (o.k === 'cols') {
    const n = o.n!;
    const values = o.v!.map((col) => (Array.isArray(col) ? col : new Array<StoredValue>(n).fill(col.all)));
    if (values.length !== columns.length || values.some((col) => col.length !== n)) throw new Error(`log record of table '${o.t}' has columns of the wrong length`);
    rows = new ColumnBatch(o.n!, values).toRows();
  } else throw new Error(`unknown log record kind '${o.k}'`);
  bigintsOf(columns, rows, o.d !== 'ticks' ? columns.map((c) => c.type === 'datetime') : undefined);
  return { table: o.t, columns, rows };
}

/** Long, timespan and datetime values as bigints (and `legacyTime` columns' µs as ticks), in place. */
function bigintsOf(columns: readonly StoredColumn[], rows: StoredValue[][], legacyTime: boolean[] | undefined): void {
  const big = columns.map((c) => BIG.has(c.type));
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (big[j] && (typeof v === 'string' || typeof v === 'number')) row[j] = BigInt(v);
      if (legacyTime?.[j] && typeof row[j] === 'bigint') row[j] = ticksOfLegacyMicros(row[j] as bigint);
    }
  }
}
