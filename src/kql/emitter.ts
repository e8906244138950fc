/**
 * emitter.ts — logical plan → DuckDB SQL.
 *
 * Every plan node becomes one SELECT whose output columns are named
 * positionally ("c0", "c1", …); the node's input is aliased "t".  KQL column
 * names only appear in the outermost SELECT (through sqlIdent), so names that
 * differ only in case, or contain any characters, are harmless.  DuckDB's
 * optimizer flattens the nested subqueries.
 */
import type { BoundExpr, EmitContext, SqlArg } from './bound.js';
import { pathSql } from './functions.js';
import type { PlanNode, PlanSortKey } from './planner.js';
import { sqlIdent } from './sql.js';
import { literalSql, ticksToInterval } from './sqlexpr.js';
import { sqlType } from './types.js';

/** Generated SQL larger than this is rejected (guards against pathological expansion). */
export const MAX_SQL_LENGTH = 8_000_000;

export class SqlTooLargeError extends Error {}

const col = (i: number) => sqlIdent(`c${i}`);
const inputCol = (i: number) => `t.${col(i)}`;

export function emitQuery(plan: PlanNode, ctx: EmitContext): string {
  const inner = emitPlan(plan, ctx);
  const select = plan.schema.map((c, i) => `CAST(t.${col(i)} AS ${sqlType(c.type)}) AS ${sqlIdent(c.name)}`).join(', ');
  const sql = `SELECT ${select} FROM (${inner}) AS t`;
  if (sql.length > MAX_SQL_LENGTH) throw new SqlTooLargeError();
  return sql;
}

export function emitExpr(e: BoundExpr, ref: (i: number) => string, ctx: EmitContext): string {
  switch (e.k) {
    case 'lit':
      return literalSql(e.type, e.value);
    case 'col':
      return ref(e.index);
    case 'call':
    case 'agg': {
      const args: SqlArg[] = e.args.map((a) => {
        const sql = emitExpr(a, ref, ctx);
        return a.k === 'lit' ? { sql, type: a.type, literal: a } : { sql, type: a.type };
      });
      const sql = e.fn.emit(args, ctx);
      if (sql.length > MAX_SQL_LENGTH) throw new SqlTooLargeError();
      return sql;
    }
    case 'path': {
      const steps = e.steps.map((s) => (typeof s === 'object' ? { sql: emitExpr(s, ref, ctx), type: s.type } : s));
      return pathSql(emitExpr(e.target, ref, ctx), steps);
    }
  }
}

function selectList(exprs: string[]): string {
  return exprs.map((e, i) => `${e} AS ${col(i)}`).join(', ');
}

function orderBy(keys: PlanSortKey[], ctx: EmitContext): string {
  return keys
    .map((k) => `${emitExpr(k.expr, inputCol, ctx)} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`)
    .join(', ');
}

function limitSql(count: BoundExpr, ctx: EmitContext): string {
  return `greatest(${emitExpr(count, () => 'NULL', ctx)}, 0)`;
}

export function emitPlan(plan: PlanNode, ctx: EmitContext): string {
  const from = (input: PlanNode) => `FROM (${emitPlan(input, ctx)}) AS t`;
  const expr = (e: BoundExpr) => emitExpr(e, inputCol, ctx);
  switch (plan.kind) {
    case 'scan': {
      // Kusto strings are never null: read NULL strings as ''.
      const cols = plan.schema.map((c) => (c.type === 'string' ? `coalesce(${sqlIdent(c.name)}, '')` : sqlIdent(c.name)));
      let sql = `SELECT ${cols.length ? selectList(cols) : 'NULL AS c0'} FROM ${plan.source}`;
      const tf = plan.timeFilter;
      if (tf) {
        const conds: string[] = [];
        if (tf.startUs !== undefined) conds.push(`${sqlIdent(tf.column)} >= ${literalSql('datetime', tf.startUs)}`);
        if (tf.endUs !== undefined) conds.push(`${sqlIdent(tf.column)} < ${literalSql('datetime', tf.endUs)}`);
        sql += ` WHERE ${conds.join(' AND ')}`;
      }
      return sql;
    }
    case 'datatable': {
      if (plan.rows.length === 0) {
        return `SELECT ${selectList(plan.schema.map((c) => `CAST(NULL AS ${sqlType(c.type)})`))} WHERE FALSE`;
      }
      const rows = plan.rows.map((r) => `(${r.map((v, i) => `CAST(${emitExpr(v, () => 'NULL', ctx)} AS ${sqlType(plan.schema[i]!.type)})`).join(', ')})`);
      return `SELECT * FROM (VALUES ${rows.join(', ')}) AS v(${plan.schema.map((_, i) => col(i)).join(', ')})`;
    }
    case 'print':
      return plan.exprs.length ? `SELECT ${selectList(plan.exprs.map((e) => emitExpr(e, () => 'NULL', ctx)))}` : 'SELECT 1 AS c0 WHERE FALSE';
    case 'range':
      return emitRange(plan, ctx);
    case 'filter':
      return `SELECT * ${from(plan.input)} WHERE ${expr(plan.predicate)}`;
    case 'project':
      return plan.exprs.length ? `SELECT ${selectList(plan.exprs.map(expr))} ${from(plan.input)}` : `SELECT NULL AS c0 ${from(plan.input)} WHERE FALSE`;
    case 'extend': {
      const exprs = plan.schema.map((_, i) => inputCol(i));
      for (const a of plan.assignments) exprs[a.index] = expr(a.expr);
      return `SELECT ${selectList(exprs)} ${from(plan.input)}`;
    }
    case 'aggregate': {
      const exprs = [...plan.keys.map(expr), ...plan.aggregates.map(expr)];
      const groupBy = plan.keys.length ? ` GROUP BY ${plan.keys.map((_, i) => i + 1).join(', ')}` : '';
      return `SELECT ${selectList(exprs)} ${from(plan.input)}${groupBy}`;
    }
    case 'sort':
      return `SELECT * ${from(plan.input)} ORDER BY ${orderBy(plan.keys, ctx)}`;
    case 'limit':
      return `SELECT * ${from(plan.input)} LIMIT ${limitSql(plan.count, ctx)}`;
    case 'top':
      return `SELECT * ${from(plan.input)} ORDER BY ${orderBy(plan.keys, ctx)} LIMIT ${limitSql(plan.count, ctx)}`;
    case 'distinct':
      return `SELECT DISTINCT * ${from(plan.input)}`;
    case 'count':
      return `SELECT count(*) AS ${col(0)} ${from(plan.input)}`;
    case 'generic':
      return plan.build(plan.inputs.map((i) => emitPlan(i, ctx)), ctx);
  }
}

/** range x from a to b step s (inclusive), via generate_series over the step index. */
function emitRange(plan: Extract<PlanNode, { kind: 'range' }>, ctx: EmitContext): string {
  const type = plan.schema[0]!.type;
  const lit = (e: BoundExpr) => emitExpr(e, () => 'NULL', ctx);
  const from = lit(plan.from), to = lit(plan.to), step = lit(plan.step);
  let count: string;
  let value: string;
  if (type === 'datetime') {
    count = `CAST(floor(((epoch_us(${to}) - epoch_us(${from})) * 10) / ${step}) AS BIGINT)`;
    value = `(${from} + ${ticksToInterval(`g.i * ${step}`)})`;
  } else if (type === 'real') {
    count = `CAST(floor((CAST(${to} AS DOUBLE) - ${from}) / ${step}) AS BIGINT)`;
    value = `(CAST(${from} AS DOUBLE) + g.i * ${step})`;
  } else {
    count = `((CAST(${to} AS BIGINT) - ${from}) // ${step})`;
    value = `(CAST(${from} AS BIGINT) + g.i * ${step})`;
  }
  const n = `coalesce(CASE WHEN ${step} = 0 THEN -1 WHEN (${to} < ${from}) <> (${step} < 0) AND ${to} <> ${from} THEN -1 ELSE ${count} END, -1)`;
  return `SELECT ${value} AS ${col(0)} FROM generate_series(0, ${n}) AS g(i)`;
}
