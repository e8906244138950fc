/**
 * pick-row.ts — the aggregates that return the values of one row of each group as a STRUCT
 * (take_any / any of several columns, arg_max, arg_min), and struct_field, which reads one value
 * back: the binder turns `arg_max(k, a, b)` into one such aggregate and a struct_field call per
 * output column.  Carried columns go into the struct as stored; string fields are coalesced
 * when extracted.
 */
import type { AggregateFunction, ScalarFunction, SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';

const pack = (args: SqlArg[]) => `struct_pack(${args.map((a, i) => `f${i} := ${a.sql}`).join(', ')})`;

/** take_any(e1, e2, …) / any(…): the values of one arbitrary row per group. */
function takeAny(name: string): AggregateFunction {
  return {
    name, minArgs: 1, maxArgs: 1000, bind: () => 'dynamic', defaultName: () => name,
    rawStringArgsFrom: 0,
    emit: (args) => `any_value(${pack(args)})`,
  };
}

/** arg_max / arg_min (key, e1, …): the values of the row with the greatest (least) key. */
function argMax(name: 'arg_max' | 'arg_min'): AggregateFunction {
  const isMax = name === 'arg_max';
  return {
    name, minArgs: 1, maxArgs: 1000, bind: () => 'dynamic', defaultName: () => name,
    rawStringArgsFrom: 1,
    // a group whose keys are all null still gives one of its rows (arg-max-aggregation-function.md, "null handling")
    emit: (args) => {
      const row = pack(args.slice(1));
      return `coalesce(${isMax ? 'arg_max' : 'arg_min'}(${row}, ${args[0]!.sql}), first(${row}))`;
    },
    pickRow: (args) => ({ key: args[0]!.sql, row: pack(args.slice(1)), descending: isMax }),
  };
}

/** The row-picking aggregate behind each of these function names. */
export const ROW_AGGREGATES: ReadonlyMap<string, AggregateFunction> = new Map([
  ['take_any', takeAny('take_any')],
  ['any', takeAny('any')],
  ['arg_max', argMax('arg_max')],
  ['arg_min', argMax('arg_min')],
]);

/** struct_field(struct, i): field i of a row-picking aggregate's struct, of the call's type ('' for a NULL string). */
export const STRUCT_FIELD: ScalarFunction = {
  name: 'struct_extract', minArgs: 2, maxArgs: 2, bind: () => 'dynamic',
  emit: ([s, i], _ctx, resultType) => {
    const field = `struct_extract(${s!.sql}, ${sqlString(`f${String(i!.literal!.value)}`)})`;
    return resultType === 'string' ? `coalesce(${field}, '')` : field;
  },
};
