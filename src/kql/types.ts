/**
 * types.ts — KQL scalar types and their one-and-only DuckDB representation in compiled SQL.
 *
 *   bool→BOOLEAN  int→INTEGER  long→BIGINT  real→DOUBLE  decimal→DECIMAL(38,18)
 *   string→VARCHAR  datetime→BIGINT (100-ns ticks since 0001-01-01 UTC)  timespan→BIGINT (100-ns ticks)
 *   guid→UUID  dynamic→JSON
 *
 * Why datetimes are BIGINT ticks (issue #12): Kusto's datetime is .NET's DateTime — 100-ns ticks
 * from 0001-01-01 to 9999-12-31 23:59:59.9999999. DuckDB's TIMESTAMP keeps only µs, and its
 * TIMESTAMP_NS only 1677-09-21 … 2262-04-11, so neither holds every Kusto value; a BIGINT count of
 * ticks holds all of them exactly, makes `tolong(d)` the value itself, and keeps datetime ± timespan
 * plain integer arithmetic (a result outside the range is null, as in Kusto). Calendar functions
 * (year, startofmonth, format_datetime, …) go through a µs TIMESTAMP made from the ticks
 * (src/kql/datetime-sql.ts) and put the 100-ns digit back where it survives.
 *
 * Storage uses the same representation (issue #12): stored datetime columns are BIGINT ticks too, so
 * an ingested `…00.1234567Z` keeps its 7th digit, every Kusto datetime is storable, and a scan reads
 * the stored column as it is (no per-row conversion; comparisons with constants reach DuckDB's scan
 * on the stored column, so zone maps, Parquet statistics and the store's TimeGenerated pruning apply).
 * Data written before issue #12 held datetimes as µs TIMESTAMPs; the store converts those segments
 * and log records as it reads them (README "Storage", store/legacy-time.ts).
 */

export type KqlType = 'bool' | 'int' | 'long' | 'real' | 'decimal' | 'string' | 'datetime' | 'timespan' | 'guid' | 'dynamic';

export interface ColumnSchema {
  name: string;
  type: KqlType;
}

export const ALL_TYPES: readonly KqlType[] = ['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'];

const SQL_TYPES: Record<KqlType, string> = {
  bool: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  real: 'DOUBLE',
  decimal: 'DECIMAL(38,18)',
  string: 'VARCHAR',
  datetime: 'BIGINT',
  timespan: 'BIGINT',
  guid: 'UUID',
  dynamic: 'JSON',
};

export function sqlType(t: KqlType): string {
  return SQL_TYPES[t];
}

/** How a column of type t is stored in DuckDB tables and segments: as it is computed (see above). */
export function storageSqlType(t: KqlType): string {
  return SQL_TYPES[t];
}

/** Type names accepted in KQL source (datatable schemas, typed literals, casts). */
const TYPE_NAMES: Record<string, KqlType> = {
  bool: 'bool', boolean: 'bool',
  int: 'int', int32: 'int',
  long: 'long', int64: 'long',
  real: 'real', double: 'real',
  decimal: 'decimal',
  string: 'string',
  datetime: 'datetime', date: 'datetime',
  timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid',
  dynamic: 'dynamic',
};

export function parseTypeName(name: string): KqlType | undefined {
  return Object.prototype.hasOwnProperty.call(TYPE_NAMES, name) ? TYPE_NAMES[name] : undefined;
}

export function isIntegral(t: KqlType): boolean {
  return t === 'int' || t === 'long';
}

export function isNumeric(t: KqlType): boolean {
  return t === 'int' || t === 'long' || t === 'real' || t === 'decimal';
}

/** Result type of arithmetic between two numeric types (Kusto: int op int → long; any real → real). */
export function numericPromote(a: KqlType, b: KqlType): KqlType {
  if (a === 'real' || b === 'real') return 'real';
  if (a === 'decimal' || b === 'decimal') return 'decimal';
  return 'long';
}

/** Whether values of the two types can be compared with ==, <, … */
export function comparable(a: KqlType, b: KqlType): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (a === 'dynamic' || b === 'dynamic') return true;
  return false;
}

/** The common type of the branches of iff/case/coalesce, or undefined if they don't unify. */
export function commonType(types: KqlType[]): KqlType | undefined {
  let t: KqlType | undefined;
  for (const x of types) {
    if (t === undefined || t === x) { t = x; continue; }
    if (isNumeric(t) && isNumeric(x)) { t = t === 'int' && x === 'int' ? 'int' : numericPromote(t, x); continue; }
    return undefined;
  }
  return t;
}
