/**
 * emit/reduce.ts — the reduce operator (runtime/reduce.ts): the input's values collected by one
 * aggregate, clustered by kql_reduce(), the clusters unnested into rows; kind=source collects the
 * rows with their values and zips each row with its pattern. Past REDUCE_ROW_LIMIT input rows the
 * query fails with REDUCE_LIMIT_MESSAGE (query-service.ts passes it to the user as a 400).
 */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { ReducePlan } from '../plan-operators.js';
import { sqlIdent, sqlString } from '../sql.js';
import { C, exprSql, selectList } from './common.js';

/** Rows one reduce may read (every value is held in memory while clustering). */
export const REDUCE_ROW_LIMIT = 200_000;

export const REDUCE_LIMIT_MESSAGE = `Vigil limit: reduce reads at most ${REDUCE_ROW_LIMIT} rows; filter, sample or summarize the input first`;

export function emitReduce(plan: ReducePlan, ctx: EmitContext): string {
  const { input } = plan;
  const value = `coalesce(${exprSql(plan.value, 't', ctx)}, '')`;
  const args = `CAST(${plan.threshold} AS DOUBLE), ${sqlString(plan.characters)}`;
  const guard = (call: string) => `CASE WHEN a.n > ${REDUCE_ROW_LIMIT} THEN error(${sqlString(REDUCE_LIMIT_MESSAGE)}) ELSE ${call} END`;
  if (!plan.source) {
    const collected = `SELECT to_json(list(${value})) AS j, count(*) AS n FROM (${emitPlan(input, ctx)}) AS t`;
    const groups = `SELECT unnest(from_json(${guard(`kql_reduce(CAST(a.j AS VARCHAR), ${args})`)}, '[{"i":"BIGINT","p":"VARCHAR","c":"BIGINT","r":"VARCHAR"}]')) AS g FROM (${collected}) AS a`;
    return `SELECT ${selectList(['x.g.p', 'x.g.c', 'x.g.r'])} FROM (${groups}) AS x ORDER BY x.g.i`;
  }
  // kind=source: one list of (value, row) structs keeps each value with its row
  const field = (i: number) => sqlIdent(`f${i}`);
  const V = sqlIdent('v');
  const structs = `list(struct_pack(${[`${V} := ${value}`, ...input.schema.map((_, i) => `${field(i)} := t.${C(i)}`)].join(', ')}))`;
  const collected = `SELECT ${structs} AS l, count(*) AS n FROM (${emitPlan(input, ctx)}) AS t`;
  const patterns = `from_json(${guard(`kql_reduce_source(CAST(to_json(list_transform(a.l, e -> e.${V})) AS VARCHAR), ${args})`)}, '["VARCHAR"]')`;
  const zipped = `SELECT unnest(a.l) AS r, unnest(${patterns}) AS p FROM (${collected}) AS a`;
  return `SELECT ${selectList([...input.schema.map((_, i) => `x.r.${field(i)}`), 'x.p'])} FROM (${zipped}) AS x`;
}
