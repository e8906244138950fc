/**
 * emit/patterns.ts — basket, autocluster and diffpatterns (pattern-plugins.ts): the input collected
 * by one aggregate, mined by the runtime function kql_<plugin>(), the patterns unnested into rows.
 */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { PatternPlugin, PatternPluginPlan } from '../plan-operators.js';
import { PATTERN_PLUGIN_LIMIT_MESSAGE, PATTERN_PLUGIN_PATTERNS_MESSAGE, PATTERN_PLUGIN_ROW_LIMIT } from '../pattern-plugins.js';
import { TOO_MANY_PATTERNS } from '../runtime/patterns.js';
import { sqlIdent, sqlString } from '../sql.js';
import { sqlType } from '../types.js';
import { C, exprSql, selectList } from './common.js';

const RESULT_SHAPE: Record<PatternPlugin, string> = {
  basket: '[{"i":"BIGINT","r":"BIGINT","c":"DOUBLE","p":"DOUBLE","m":["BOOLEAN"]}]',
  autocluster: '[{"i":"BIGINT","r":"BIGINT","c":"DOUBLE","p":"DOUBLE","m":["BOOLEAN"]}]',
  diffpatterns: '[{"i":"BIGINT","r":"BIGINT","ca":"DOUBLE","cb":"DOUBLE","pa":"DOUBLE","pb":"DOUBLE","m":["BOOLEAN"]}]',
};

export function emitPatternPlugin(plan: PatternPluginPlan, ctx: EmitContext): string {
  const { input, dimensions: dims } = plan;
  const field = (i: number) => sqlIdent(`f${i}`);
  const weight = plan.weight === undefined ? '1' : `coalesce(CAST(t.${C(plan.weight)} AS DOUBLE), 0)`;
  const dimJson = dims.map((i) => `to_json(t.${C(i)})`);
  let where = '';
  if (plan.split) {
    const s = exprSql(plan.split.asString, 't', ctx);
    dimJson.unshift(`to_json(CASE WHEN ${s} = ${sqlString(plan.split.a)} THEN 0 ELSE 1 END)`);
    where = ` WHERE ${s} IN (${sqlString(plan.split.a)}, ${sqlString(plan.split.b)})`;
  }
  const rowsJson = `to_json(list({'w': ${weight}, 'd': [${dimJson.join(', ')}]}))`;
  const structs = `list(struct_pack(${dims.map((i) => `${field(i)} := t.${C(i)}`).join(', ') || "x := NULL"}))`;
  const collected = `SELECT ${structs} AS l, ${rowsJson} AS j, count(*) AS n FROM (${emitPlan(input, ctx)}) AS t${where}`;
  const fn = `kql_${plan.plugin}(CAST(a.j AS VARCHAR), CAST(${plan.ratio} AS DOUBLE), CAST(${Math.trunc(plan.count)} AS INTEGER))`;
  const guarded = `CASE WHEN a.n > ${PATTERN_PLUGIN_ROW_LIMIT} THEN error(${sqlString(PATTERN_PLUGIN_LIMIT_MESSAGE)}) ELSE ${fn} END`;
  const mined = `SELECT a.l, ${guarded} AS r FROM (${collected}) AS a`;
  const checked = `CASE WHEN m.r = ${sqlString(TOO_MANY_PATTERNS)} THEN error(${sqlString(PATTERN_PLUGIN_PATTERNS_MESSAGE)}) ELSE m.r END`;
  const patterns = `SELECT m.l, unnest(from_json(${checked}, ${sqlString(RESULT_SHAPE[plan.plugin])})) AS p FROM (${mined}) AS m`;
  const values = dims.map((i, k) => {
    const type = input.schema[i]!.type;
    const custom = plan.wildcards.get(type);
    const wildcard = custom ? exprSql(custom, 't', ctx) : type === 'string' ? "''" : `CAST(NULL AS ${sqlType(type)})`;
    return `CASE WHEN x.p.m[${k + 1}] THEN x.l[x.p.r + 1].${field(i)} ELSE ${wildcard} END`;
  });
  const leading =
    plan.plugin === 'diffpatterns'
      ? ['x.p.i', 'CAST(round(x.p.ca) AS BIGINT)', 'CAST(round(x.p.cb) AS BIGINT)', 'x.p.pa', 'x.p.pb', 'abs(x.p.pa - x.p.pb)']
      : ['x.p.i', 'CAST(round(x.p.c) AS BIGINT)', 'x.p.p'];
  return `SELECT ${selectList([...leading, ...values])} FROM (${patterns}) AS x ORDER BY 1`;
}
