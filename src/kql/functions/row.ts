/**
 * row.ts — functions of the row itself rather than of their arguments: pack_all(),
 * bag_pack_columns() and ingestion_time(). The binder hands them the input row's schema
 * (binder.ts, bindCall) and they become ordinary calls and column references:
 *  - pack_all([ignore_null_empty]) → a bag of every column, by name (pack-all-function.md);
 *  - bag_pack_columns(c1, c2, …) → a bag of the named columns (bag-pack-columns-function.md);
 *  - ingestion_time() → the row's `_TimeReceived` (when Vigil received it; every Log Analytics
 *    table has it) while the row still carries that column, else null — as Kusto gives null
 *    outside a table's context;
 *  - estimate_data_size(c1, …) / estimate_data_size(*) → the bytes of the values
 *    (estimate-data-size-function.md): bool 1, int 4, long/real/datetime/timespan 8, decimal and
 *    guid 16, a string its UTF-8 length, a dynamic value the length of its JSON text; null 0.
 */
import { BindFailure, type BoundExpr, type ScalarFunction, type SqlArg } from '../bound.js';
import type { ColumnSchema, KqlType } from '../types.js';
import { isEmptySql } from './conditional.js';
import { asJson, jsonText, str } from './define.js';

/** A bag of (name, value) argument pairs; with `ignoreEmpty`, null and empty values are left out. */
function packPairs(name: string, ignoreEmpty: boolean): ScalarFunction {
  return {
    name, minArgs: 0, maxArgs: Number.MAX_SAFE_INTEGER, bind: () => 'dynamic',
    emit(a) {
      if (a.length === 0) return `CAST('{}' AS JSON)`;
      if (!ignoreEmpty) {
        const items: string[] = [];
        for (let i = 0; i < a.length; i += 2) items.push(str(a[i]!), asJson(a[i + 1]!));
        return `CAST(json_object(${items.join(', ')}) AS JSON)`;
      }
      const members: string[] = [];
      for (let i = 0; i < a.length; i += 2) {
        members.push(`(CASE WHEN ${isEmptySql(a[i + 1]!)} THEN NULL ELSE CAST(to_json(${str(a[i]!)}) AS VARCHAR) || ':' || ${jsonText(a[i + 1]!)} END)`);
      }
      return `CAST('{' || array_to_string(list_filter([${members.join(', ')}], _m -> _m IS NOT NULL), ',') || '}' AS JSON)`;
    },
  };
}
const PACK = packPairs('pack_all', false);
const PACK_NON_EMPTY = packPairs('pack_all', true);

const FIXED_SIZES: Partial<Record<KqlType, number>> = { bool: 1, int: 4, long: 8, real: 8, datetime: 8, timespan: 8, decimal: 16, guid: 16 };
function sizeSql(a: SqlArg): string {
  const size = a.type === 'string' ? `strlen(${a.sql})` : a.type === 'dynamic' ? `strlen(CAST(${a.sql} AS VARCHAR))` : String(FIXED_SIZES[a.type] ?? 8);
  return `(CASE WHEN ${a.sql} IS NULL THEN 0 ELSE ${size} END)`;
}
const ESTIMATE_DATA_SIZE: ScalarFunction = {
  name: 'estimate_data_size', minArgs: 1, maxArgs: Number.MAX_SAFE_INTEGER, bind: () => 'long',
  emit: (a) => `CAST(${a.map(sizeSql).join(' + ')} AS BIGINT)`,
};

export const ROW_FUNCTION_NAMES: ReadonlySet<string> = new Set(['pack_all', 'bag_pack_columns', 'ingestion_time', 'estimate_data_size']);
/** A `*` argument (estimate_data_size(*)): every column of the row. */
export const ALL_COLUMNS = '*';

const column = (schema: ColumnSchema[], i: number): BoundExpr => ({ k: 'col', index: i, name: schema[i]!.name, type: schema[i]!.type });
const pairsOf = (schema: ColumnSchema[], cols: number[]): BoundExpr[] =>
  cols.flatMap((i) => [{ k: 'lit', type: 'string', value: schema[i]!.name } as BoundExpr, column(schema, i)]);

/**
 * Binds a row function over the input row `schema`; `args` are its bound arguments. In `extend`,
 * pack_all() packs the operator's input columns only (`inputColumns`), not those the same extend
 * computes, as the docs' example shows. Throws BindFailure.
 */
export function bindRowFunction(name: string, starredArgs: (BoundExpr | typeof ALL_COLUMNS)[], schema: ColumnSchema[], inputColumns = schema.length): BoundExpr {
  // columns the binder computes beneath a projection are named with a NUL: never user columns
  const visible = schema.map((_, i) => i).filter((i) => i < inputColumns && !schema[i]!.name.startsWith('\u0000'));
  if (name === 'estimate_data_size') {
    if (starredArgs.length === 0) throw new BindFailure("The function 'estimate_data_size' expects at least 1 argument, got 0");
    const cols = starredArgs.flatMap((a) => (a === ALL_COLUMNS ? visible.map((i) => column(schema, i)) : [a]));
    return cols.length ? { k: 'call', fn: ESTIMATE_DATA_SIZE, args: cols, type: 'long' } : { k: 'lit', type: 'long', value: 0n };
  }
  const star = starredArgs.indexOf(ALL_COLUMNS);
  if (star >= 0) throw new BindFailure(`${name}(): '*' is not an argument of this function`, star);
  const args = starredArgs as BoundExpr[];
  switch (name) {
    case 'pack_all': {
      if (args.length > 1) throw new BindFailure(`The function 'pack_all' expects between 0 and 1 arguments, got ${args.length}`);
      const flag = args[0];
      if (flag && (flag.k !== 'lit' || flag.type !== 'bool')) throw new BindFailure('pack_all(): ignore_null_empty must be a bool constant (true or false)', 0);
      const fn = flag && flag.k === 'lit' && flag.value === true ? PACK_NON_EMPTY : PACK;
      return { k: 'call', fn, args: pairsOf(schema, visible), type: 'dynamic' };
    }
    case 'bag_pack_columns': {
      if (args.length === 0) throw new BindFailure("The function 'bag_pack_columns' expects at least 1 argument, got 0");
      const cols = args.map((a, i) => {
        if (a.k !== 'col') throw new BindFailure('bag_pack_columns(): every argument must be a column name', i);
        return a.index;
      });
      return { k: 'call', fn: PACK, args: pairsOf(schema, cols), type: 'dynamic' };
    }
    case 'ingestion_time': {
      if (args.length > 0) throw new BindFailure(`The function 'ingestion_time' expects 0 arguments, got ${args.length}`);
      const i = schema.findIndex((c) => c.name === '_TimeReceived' && c.type === 'datetime');
      return i >= 0 ? column(schema, i) : { k: 'lit', type: 'datetime', value: null };
    }
    default:
      throw new BindFailure(`${name}() is not a row function`);
  }
}
