/**
 * emit/common.ts — what the per-operator emit modules share: positional column names (c0, c1, …),
 * select lists, typed nulls and expressions over an aliased input.
 */
import type { BoundExpr, EmitContext } from '../bound.js';
import { emitExpr } from '../emitter.js';
import { sqlIdent } from '../sql.js';
import { sqlType, type KqlType } from '../types.js';

export const C = (i: number): string => sqlIdent(`c${i}`);
export const selectList = (exprs: string[]): string => exprs.map((e, i) => `${e} AS ${C(i)}`).join(', ');

/** A typed NULL — or '' for strings (Kusto strings are never null). */
export function nullOf(t: KqlType): string {
  return t === 'string' ? "''" : `CAST(NULL AS ${sqlType(t)})`;
}

/** An expression over the input aliased `alias` (columns c0, c1, …). */
export function exprSql(e: BoundExpr, alias: string, ctx: EmitContext): string {
  return emitExpr(e, (i) => `${alias}.${C(i)}`, ctx);
}

/** A constant expression (row counts, bin sizes, defaults): it reads no row. */
export function constSql(e: BoundExpr, ctx: EmitContext): string {
  return emitExpr(e, () => 'NULL', ctx);
}
