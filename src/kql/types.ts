/**
 * types.ts — KQL scalar types and their one-and-only DuckDB representation.
 *
 *   bool→BOOLEAN  int→INTEGER  long→BIGINT  real→DOUBLE  decimal→DECIMAL(38,18)
 *   string→VARCHAR  datetime→TIMESTAMP (UTC, µs)  timespan→BIGINT (100-ns ticks)
 *   guid→UUID  dynamic→JSON
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
  datetime: 'TIMESTAMP',
  timespan: 'BIGINT',
  guid: 'UUID',
  dynamic: 'JSON',
};

export function sqlType(t: KqlType): string {
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
