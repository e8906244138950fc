/**
 * subquery.ts — the scalar functions that read a table: toscalar() and `x in (T)` / `x !in (T)`
 * (and their case-insensitive forms) over the first column of a subquery.  The binder puts the
 * subquery's plan on the call (BoundCall.subquery); the emitter passes its SELECT as the last argument.
 */
import type { ScalarFunction, SqlArg } from '../bound.js';
import { sqlIdent } from '../sql.js';
import { convertSql } from '../sqlexpr.js';
import type { KqlType } from '../types.js';

const first = sqlIdent('c0');

function subqueryFn(name: string, emit: (args: SqlArg[]) => string): ScalarFunction {
  return { name, minArgs: 0, maxArgs: 2, bind: () => 'dynamic', emit: (args) => emit(args) };
}

/** toscalar(T): the first column of the first row. */
export const TOSCALAR = subqueryFn('toscalar', (a) => `(SELECT s.${first} FROM (${a[0]!.sql}) AS s LIMIT 1)`);

/** x in (T) / x !in (T) (`~`: case-insensitive) on the first column of T, its nulls left out. */
function inSubquery(negated: boolean, caseInsensitive: boolean): ScalarFunction {
  return subqueryFn(negated ? '!in' : 'in', ([a, sub]) => {
    const st = sub!.type;
    let lhs = a!.type === st ? a!.sql : convertSql(a!.sql, a!.type, st);
    let rhs = `s.${first}`;
    if (caseInsensitive) {
      lhs = `lower(${lhs})`;
      rhs = `lower(${rhs})`;
    }
    const values = `(SELECT ${rhs} FROM (${sub!.sql}) AS s WHERE s.${first} IS NOT NULL)`;
    return negated ? `coalesce(NOT (${lhs} IN ${values}), TRUE)` : `coalesce(${lhs} IN ${values}, FALSE)`;
  });
}

/** The `in` entry for an operator spelling: in, !in, in~, !in~. */
export const IN_SUBQUERY: ReadonlyMap<string, ScalarFunction> = new Map([
  ['in', inSubquery(false, false)],
  ['!in', inSubquery(true, false)],
  ['in~', inSubquery(false, true)],
  ['!in~', inSubquery(true, true)],
]);

/**
 * The key of the current partition in `partition by Column { subquery }` (partition-operator.md):
 * inside the subquery, Column names this value.  It reads the key row the partition's SQL joins its
 * subquery to (emit/partition.ts: `pkey<id>.pk`).
 */
export function partitionKey(id: number, type: KqlType): ScalarFunction {
  return { name: 'partition key', minArgs: 0, maxArgs: 0, bind: () => type, emit: () => `pkey${Math.trunc(id)}.pk` };
}
