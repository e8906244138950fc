/** emit/evaluate.ts — the evaluate plugins written as one SELECT: bag_unpack, pivot, narrow and rows_near. */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { BagUnpackPlan, NarrowPlan, PivotPlan, RowsNearPlan } from '../plan-operators.js';
import { jsonPointer, sqlString } from '../sql.js';
import { toStringSql } from '../sqlexpr.js';
import type { KqlType } from '../types.js';
import { C, exprSql, selectList } from './common.js';
import { mvCast } from './mv-expand.js';

/** The value of one bag key, converted (cast-only) to a column type. */
function bagValueSql(bag: string, key: string, t: KqlType): string {
  const v = `json_extract(${bag}, ${jsonPointer([key])})`;
  return t === 'dynamic' ? `(CASE WHEN json_type(${v}) = 'NULL' THEN NULL ELSE ${v} END)` : mvCast(v, t);
}

export function emitBagUnpack(plan: BagUnpackPlan, ctx: EmitContext): string {
  const b = `(${exprSql(plan.bag, 't', ctx)})`;
  const exprs = plan.columns.map((c) => ('input' in c ? `t.${C(c.input)}` : bagValueSql(b, c.key, c.type)));
  return `SELECT ${selectList(exprs)} FROM (${emitPlan(plan.input, ctx)}) AS t`;
}

export function emitPivot(plan: PivotPlan, ctx: EmitContext): string {
  const ex = (e: Parameters<typeof exprSql>[0]) => exprSql(e, 't', ctx);
  const key = plan.column.type === 'string' ? ex(plan.column) : `CAST(${ex(plan.column)} AS VARCHAR)`;
  // Each pivot column aggregates the rows of its value: the aggregate is emitted with that
  // row filter in its context (its FILTER clause), the value a literal through sqlString.
  const filtered = plan.values.map((v) => exprSql(plan.aggregate, 't', { ...ctx, aggregateFilter: `${key} = ${sqlString(v)}` }));
  const cols = [...plan.groups.map(ex), ...filtered];
  const gb = plan.groups.length ? ` GROUP BY ${plan.groups.map((_, i) => i + 1).join(', ')}` : '';
  return `SELECT ${selectList(cols)} FROM (${emitPlan(plan.input, ctx)}) AS t${gb}`;
}

/** narrow-plugin.md: one row per cell — the row's 0-based number, the column's name, the value as a string. */
export function emitNarrow(plan: NarrowPlan, ctx: EmitContext): string {
  const cells = plan.input.schema.map((c, i) => `{'k': ${sqlString(c.name)}, 'v': ${toStringSql(`t.${C(i)}`, c.type)}}`);
  const numbered = `SELECT row_number() OVER () - 1 AS nr_row, t.* FROM (${emitPlan(plan.input, ctx)}) AS t`;
  const exploded = `SELECT t.nr_row, unnest([${cells.join(', ')}]) AS nr_cell, unnest(range(${cells.length})) AS nr_col FROM (${numbered}) AS t`;
  return `SELECT ${selectList(['x.nr_row', 'x.nr_cell.k', "coalesce(x.nr_cell.v, '')"])} FROM (${exploded}) AS x ORDER BY x.nr_row, x.nr_col`;
}

/**
 * rows-near-plugin.md: row r is kept when a row c with a true condition has c − before ≤ r ≤ c + after,
 * i.e. when some condition in the window [r − after, r + before] (in input order) is true.
 */
export function emitRowsNear(plan: RowsNearPlan, ctx: EmitContext): string {
  const n = plan.input.schema.length;
  const numbered = `SELECT t.*, row_number() OVER () AS rn_pos FROM (${emitPlan(plan.input, ctx)}) AS t`;
  const hit = `CASE WHEN ${exprSql(plan.condition, 't', ctx)} THEN 1 ELSE 0 END`;
  const flagged = `SELECT t.*, max(${hit}) OVER (ORDER BY t.rn_pos ROWS BETWEEN ${plan.after} PRECEDING AND ${plan.before} FOLLOWING) AS rn_near FROM (${numbered}) AS t`;
  return `SELECT ${selectList(Array.from({ length: n }, (_, i) => `x.${C(i)}`))} FROM (${flagged}) AS x WHERE x.rn_near = 1 ORDER BY x.rn_pos`;
}
