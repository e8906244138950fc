/** conversion.ts — to*() conversions and type inspection. */
import { type ScalarFunction } from '../bound.js';
import { sqlString } from '../sql.js';
import { convertSql, toDynamicSql } from '../sqlexpr.js';
import { type KqlType } from '../types.js';
import { as, anyScalar, fn } from './define.js';

/** A to*() conversion; an unnamed one keeps its argument's name (summarize by tostring(Props.a) → Props_a), as Kusto does. */
function conversion(name: string, to: KqlType): ScalarFunction {
  return { ...fn(name, [anyScalar], 0, to, (args) => as(args[0]!, to)) };
}

// ───────────── conversion / type ─────────────

const gettypeFn: ScalarFunction = fn('gettype', [anyScalar], 0, 'string', (a) => {
  const x = a[0]!;
  if (x.type !== 'dynamic') return sqlString(x.type);
  return `(CASE json_type(${x.sql}) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'bool'` +
    ` WHEN 'DOUBLE' THEN 'real' WHEN 'BIGINT' THEN (CASE WHEN TRY_CAST(CAST(${x.sql} AS VARCHAR) AS INTEGER) IS NULL THEN 'long' ELSE 'int' END)` +
    ` WHEN 'UBIGINT' THEN (CASE WHEN TRY_CAST(CAST(${x.sql} AS VARCHAR) AS INTEGER) IS NULL THEN 'long' ELSE 'int' END) WHEN 'HUGEINT' THEN 'long' ELSE 'null' END)`;
});

export const CONVERSION_FUNCTIONS: ScalarFunction[] = [
  conversion('tostring', 'string'),
  conversion('toint', 'int'),
  conversion('tolong', 'long'),
  conversion('todouble', 'real'),
  conversion('tobool', 'bool'),
  conversion('toboolean', 'bool'),
  conversion('todatetime', 'datetime'),
  conversion('totimespan', 'timespan'),
  conversion('totime', 'timespan'),
  conversion('toguid', 'guid'),
  conversion('todecimal', 'decimal'),
  { ...fn('todynamic', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)) },
  fn('parse_json', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)),
  fn('parsejson', [anyScalar], 0, 'dynamic', (a) => toDynamicSql(a[0]!.sql, a[0]!.type, true)),
  fn('new_guid', [], 0, 'guid', () => 'uuid()'),
  gettypeFn,
  { ...fn('toreal', [anyScalar], 0, 'real', (a) => convertSql(a[0]!.sql, a[0]!.type, 'real')) },
];

