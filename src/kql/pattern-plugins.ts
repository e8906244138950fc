/**
 * pattern-plugins.ts — the plans of `evaluate basket()`, `autocluster()` and `diffpatterns()`.
 *
 * SQL cannot mine patterns, so the input is collected once by one aggregate: the rows as a list of
 * structs (to read the patterns' values back with their exact types) and, as JSON, each row's weight
 * and dimension values, handed to a pure runtime function (runtime/patterns.ts). Its result — one
 * entry per pattern naming a matching row and which dimensions the pattern sets — is unnested into
 * rows. The output schema is known when compiling: the documented leading columns, then the input's
 * dimension columns. Past PATTERN_PLUGIN_ROW_LIMIT input rows, or past MAX_ITEMSETS frequent
 * patterns, the query fails with a clear error.
 */
import type { BoundExpr, EmitContext } from './bound.js';
import * as P from './planner.js';
import { sqlIdent, sqlString } from './sql.js';
import * as T from './tabular.js';
import { sqlType, type ColumnSchema, type KqlType } from './types.js';
import { MAX_ITEMSETS, TOO_MANY_PATTERNS } from './runtime/patterns.js';

/** Rows one pattern plugin may read (the whole input is held in memory while mining). */
export const PATTERN_PLUGIN_ROW_LIMIT = 200_000;

/** The engine's error text when the limit is passed; query-service.ts passes it through to the user. */
export const PATTERN_PLUGIN_LIMIT_MESSAGE = `Vigil limit: the pattern plugins (basket, autocluster, diffpatterns) read at most ${PATTERN_PLUGIN_ROW_LIMIT} rows; filter or summarize the input first`;

/** The error when the input has more frequent patterns than runtime/patterns.ts MAX_ITEMSETS. */
export const PATTERN_PLUGIN_PATTERNS_MESSAGE = `Vigil limit: the input has more than ${MAX_ITEMSETS} frequent patterns; raise the threshold, lower MaxDimensions, or project fewer columns`;

export type PatternPlugin = 'basket' | 'autocluster' | 'diffpatterns';

export interface PatternPluginArgs {
  plugin: PatternPlugin;
  /** basket/diffpatterns: Threshold; autocluster: SizeWeight. */
  ratio: number;
  /** basket/diffpatterns: MaxDimensions (0 = unlimited); autocluster: NumSeeds. */
  count: number;
  /** The weight column's index, if any. */
  weight?: number;
  /** diffpatterns: the split column's index and the two values (compared with tostring(column)). */
  split?: { index: number; a: string; b: string; asString: BoundExpr };
  /** CustomWildcard literals, by type. */
  wildcards: Map<KqlType, BoundExpr>;
}

const LEADING: Record<PatternPlugin, ColumnSchema[]> = {
  basket: [
    { name: 'SegmentId', type: 'long' },
    { name: 'Count', type: 'long' },
    { name: 'Percent', type: 'real' },
  ],
  autocluster: [
    { name: 'SegmentId', type: 'long' },
    { name: 'Count', type: 'long' },
    { name: 'Percent', type: 'real' },
  ],
  diffpatterns: [
    { name: 'SegmentId', type: 'long' },
    { name: 'CountA', type: 'long' },
    { name: 'CountB', type: 'long' },
    { name: 'PercentA', type: 'real' },
    { name: 'PercentB', type: 'real' },
    { name: 'PercentDiffAB', type: 'real' },
  ],
};

const RESULT_SHAPE: Record<PatternPlugin, string> = {
  basket: '[{"i":"BIGINT","r":"BIGINT","c":"DOUBLE","p":"DOUBLE","m":["BOOLEAN"]}]',
  autocluster: '[{"i":"BIGINT","r":"BIGINT","c":"DOUBLE","p":"DOUBLE","m":["BOOLEAN"]}]',
  diffpatterns: '[{"i":"BIGINT","r":"BIGINT","ca":"DOUBLE","cb":"DOUBLE","pa":"DOUBLE","pb":"DOUBLE","m":["BOOLEAN"]}]',
};

export function patternPluginPlan(input: P.PlanNode, args: PatternPluginArgs): P.PlanNode {
  const dims = input.schema.map((_, i) => i).filter((i) => i !== args.weight && i !== args.split?.index);
  const schema: ColumnSchema[] = [...LEADING[args.plugin], ...dims.map((i) => input.schema[i]!)];
  return P.generic(args.plugin, [input], schema, ([sql], ctx: EmitContext) => {
    const field = (i: number) => sqlIdent(`f${i}`);
    const weight = args.weight === undefined ? '1' : `coalesce(CAST(t.${T.C(args.weight)} AS DOUBLE), 0)`;
    const dimJson = dims.map((i) => `to_json(t.${T.C(i)})`);
    let where = '';
    if (args.split) {
      const s = T.exprSql(args.split.asString, 't', ctx);
      dimJson.unshift(`to_json(CASE WHEN ${s} = ${sqlString(args.split.a)} THEN 0 ELSE 1 END)`);
      where = ` WHERE ${s} IN (${sqlString(args.split.a)}, ${sqlString(args.split.b)})`;
    }
    const rowsJson = `to_json(list({'w': ${weight}, 'd': [${dimJson.join(', ')}]}))`;
    const structs = `list(struct_pack(${dims.map((i) => `${field(i)} := t.${T.C(i)}`).join(', ') || "x := NULL"}))`;
    const collected = `SELECT ${structs} AS l, ${rowsJson} AS j, count(*) AS n FROM (${sql}) AS t${where}`;
    const fn = `kql_${args.plugin}(CAST(a.j AS VARCHAR), CAST(${args.ratio} AS DOUBLE), CAST(${Math.trunc(args.count)} AS INTEGER))`;
    const guarded = `CASE WHEN a.n > ${PATTERN_PLUGIN_ROW_LIMIT} THEN error(${sqlString(PATTERN_PLUGIN_LIMIT_MESSAGE)}) ELSE ${fn} END`;
    const mined = `SELECT a.l, ${guarded} AS r FROM (${collected}) AS a`;
    const checked = `CASE WHEN m.r = ${sqlString(TOO_MANY_PATTERNS)} THEN error(${sqlString(PATTERN_PLUGIN_PATTERNS_MESSAGE)}) ELSE m.r END`;
    const patterns = `SELECT m.l, unnest(from_json(${checked}, ${sqlString(RESULT_SHAPE[args.plugin])})) AS p FROM (${mined}) AS m`;
    const values = dims.map((i, k) => {
      const type = input.schema[i]!.type;
      const custom = args.wildcards.get(type);
      const wildcard = custom ? T.exprSql(custom, 't', ctx) : type === 'string' ? "''" : `CAST(NULL AS ${sqlType(type)})`;
      return `CASE WHEN x.p.m[${k + 1}] THEN x.l[x.p.r + 1].${field(i)} ELSE ${wildcard} END`;
    });
    const leading =
      args.plugin === 'diffpatterns'
        ? ['x.p.i', 'CAST(round(x.p.ca) AS BIGINT)', 'CAST(round(x.p.cb) AS BIGINT)', 'x.p.pa', 'x.p.pb', 'abs(x.p.pa - x.p.pb)']
        : ['x.p.i', 'CAST(round(x.p.c) AS BIGINT)', 'x.p.p'];
    return `SELECT ${T.selectList([...leading, ...values])} FROM (${patterns}) AS x ORDER BY 1`;
  }, true);
}
