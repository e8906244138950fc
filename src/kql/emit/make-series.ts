/**
 * emit/make-series.ts — make-series: the axis as a number, the bins from `from` (or the minimum)
 * to `to` (or past the maximum), each aggregate per group and bin, gathered into arrays in bin
 * order with the default where a bin has no rows.
 */
import type { EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import type { MakeSeriesPlan } from '../plan-operators.js';
import { EPOCH_TICKS, toDynamicSql, toStringSql } from '../sqlexpr.js';
import { isIntegral, sqlType } from '../types.js';
import { C, constSql, exprSql, selectList } from './common.js';

const keyCol = (i: number): string => `ms_k${i}`;
const aggCol = (i: number): string => `ms_a${i}`;

export function emitMakeSeries(plan: MakeSeriesPlan, ctx: EmitContext): string {
  const { input, keys, axis, step, from, to } = plan;
  const aggs = plan.aggregates;
  const axisType = axis.type;
  const ex = (e: Parameters<typeof exprSql>[0]) => exprSql(e, 't', ctx);
  const lit = (e: Parameters<typeof constSql>[0]) => constSql(e, ctx);
  // the axis as a number: datetime → ticks since 1970 (small enough for a DOUBLE's 53 bits), timespan → ticks, numbers as DOUBLE
  const num = (x: string) => (axisType === 'datetime' ? `CAST(${x} - ${EPOCH_TICKS} AS DOUBLE)` : `CAST(${x} AS DOUBLE)`);
  const stepN = `CAST(${lit(step)} AS DOUBLE)`;
  const ax = `t.${C(input.schema.length)}`;
  const src = `SELECT t.*, ${ex(axis)} AS ${C(input.schema.length)} FROM (${emitPlan(input, ctx)}) AS t`;
  const fromN = from ? num(lit(from)) : `(SELECT floor(min(${num(ax)}) / ${stepN}) * ${stepN} FROM ms_src AS t)`;
  const toN = to ? num(lit(to)) : `(SELECT floor(max(${num(ax)}) / ${stepN}) * ${stepN} + ${stepN} FROM ms_src AS t)`;
  const nBins = `CAST(greatest(ceil((ms_b.hi - ms_b.lo) / ${stepN}), 0) AS BIGINT)`;
  const idx = `CAST(floor((${num(ax)} - ms_b.lo) / ${stepN}) AS BIGINT)`;
  const keyCols = keys.map((k, i) => `${ex(k)} AS ${keyCol(i)}`);
  const aggCols = aggs.map((a, i) => `${ex(a.expr)} AS ${aggCol(i)}`);
  const agg = `SELECT ${[...keyCols, `${idx} AS ms_i`, ...aggCols].join(', ')} FROM ms_src AS t, ms_b WHERE ${num(ax)} >= ms_b.lo AND ${num(ax)} < ms_b.hi GROUP BY ${[...keys.map((_, i) => i + 1), keys.length + 1].join(', ')}`;
  // no group keys: one series, or none for an empty input unless kind=nonempty (make-series-operator.md)
  const grp = keys.length ? `SELECT DISTINCT ${keys.map((_, i) => keyCol(i)).join(', ')} FROM ms_agg`
    : plan.nonEmpty ? 'SELECT 1 AS ms_one' : 'SELECT 1 AS ms_one WHERE EXISTS (SELECT 1 FROM ms_src)';
  const axisVal = axisType === 'datetime'
    ? `CAST(to_json(${toStringSql(`(CAST(round(ms_b.lo + ms_bins.ms_i * ${stepN}) AS BIGINT) + ${EPOCH_TICKS})`, 'datetime')}) AS JSON)`
    : axisType === 'timespan'
      ? `CAST(to_json(${toStringSql(`CAST(ms_b.lo + ms_bins.ms_i * ${stepN} AS BIGINT)`, 'timespan')}) AS JSON)`
      : isIntegral(axisType) ? `to_json(CAST(ms_b.lo + ms_bins.ms_i * ${stepN} AS BIGINT))` : `to_json(ms_b.lo + ms_bins.ms_i * ${stepN})`;
  const on = keys.map((_, i) => `g.${keyCol(i)} IS NOT DISTINCT FROM a.${keyCol(i)}`);
  const values = aggs.map((a, i) => {
    const t = a.expr.type;
    const def = a.default;
    const d = def.type === t || (def.k === 'lit' && def.value === null) ? lit(def) : `CAST(${lit(def)} AS ${sqlType(t)})`;
    const v = `coalesce(a.${aggCol(i)}, ${d})`;
    const j = t === 'datetime' || t === 'timespan' || t === 'dynamic' || t === 'guid' || t === 'decimal' ? toDynamicSql(v, t, false) : `to_json(${v})`;
    return `CAST(to_json(list(${j} ORDER BY ms_bins.ms_i)) AS JSON)`;
  });
  const outCols = [...keys.map((_, i) => `g.${keyCol(i)}`), ...values, `CAST(to_json(list(${axisVal} ORDER BY ms_bins.ms_i)) AS JSON)`];
  const groupBy = keys.length ? ` GROUP BY ${keys.map((_, i) => `g.${keyCol(i)}`).join(', ')}` : '';
  return `WITH ms_src AS (${src}), ms_b AS (SELECT ${fromN} AS lo, ${toN} AS hi), ms_agg AS (${agg}), ms_bins AS (SELECT unnest(range(${nBins})) AS ms_i FROM ms_b) ` +
    `SELECT ${selectList(outCols)} FROM (${grp}) AS g CROSS JOIN ms_bins CROSS JOIN ms_b LEFT JOIN ms_agg AS a ON ${[...on, 'a.ms_i = ms_bins.ms_i'].join(' AND ')}${groupBy}` +
    (keys.length ? '' : ' HAVING count(*) > 0');
}
