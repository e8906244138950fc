/**
 * emit/activity.ts — the SQL of the activity evaluate plugins (plan-activity.ts).
 *
 * The timeline plugins number each row's period k = floor((timeline − Start) ÷ Step) and keep
 * periods 0 … last (Start + last × Step ≤ End); rows outside are ignored. Only periods and
 * dimension combinations with rows are output, in period order. Past ACTIVITY_MAX_PERIODS
 * periods, or with a Step that is not positive, the query fails with a clear error.
 */
import type { BoundExpr, EmitContext } from '../bound.js';
import { emitPlan } from '../emitter.js';
import { KMV_K } from '../functions/aggregates.js';
import type { ActiveUsersCountPlan, ActivityCountsMetricsPlan, ActivityMetricsPlan, ActivityPluginPlan, DcountIntersectPlan, FunnelSequenceCompletionPlan, NewActivityMetricsPlan, SessionCountPlan, RollingPercentilePlan, SlidingWindowCountsPlan, TimelinePeriods } from '../plan-activity.js';
import { convertSql, literalSql } from '../sqlexpr.js';
import { sqlString } from '../sql.js';
import { sqlType } from '../types.js';
import { C, constSql, exprSql, selectList } from './common.js';

/** Periods one timeline plugin may produce (each row may be counted in up to this many). */
export const ACTIVITY_MAX_PERIODS = 100_000;
export const ACTIVITY_PERIODS_MESSAGE = `Vigil limit: the activity plugins produce at most ${ACTIVITY_MAX_PERIODS} periods; use a larger step or a shorter Start–End range`;
/** new_activity_metrics compares every pair of periods: fewer of them. */
export const NEW_ACTIVITY_MAX_PERIODS = 1_000;
export const NEW_ACTIVITY_PERIODS_MESSAGE = `Vigil limit: new_activity_metrics compares at most ${NEW_ACTIVITY_MAX_PERIODS} periods; use a larger window or a shorter Start–End range`;
export const ACTIVITY_STEP_MESSAGE = 'The activity plugins need a step (Bin) greater than zero';

export function emitActivityPlugin(plan: ActivityPluginPlan, ctx: EmitContext): string {
  switch (plan.kind) {
    case 'slidingWindowCounts': return emitSlidingWindowCounts(plan, ctx);
    case 'activityCountsMetrics': return emitActivityCountsMetrics(plan, ctx);
    case 'activityMetrics': return emitActivityMetrics(plan, ctx);
    case 'newActivityMetrics': return emitNewActivityMetrics(plan, ctx);
    case 'rollingPercentile': return emitRollingPercentile(plan, ctx);
    case 'activeUsersCount': return emitActiveUsersCount(plan, ctx);
    case 'dcountIntersect': return emitDcountIntersect(plan, ctx);
    case 'funnelSequenceCompletion': return emitFunnelSequenceCompletion(plan, ctx);
    case 'sessionCount': return emitSessionCount(plan, ctx);
  }
}

const dimCol = (i: number) => `ap_d${i}`;

/**
 * ap_c: the constants (s = Start, b = Step, last = the last period's number); ap_r: the input's
 * rows as (i = ID, d… = dimensions, k = period, tl = timeline).
 */
function periodCtes(plan: TimelinePeriods & { input: ActivityPluginPlan['input'] }, ctx: EmitContext, extraConstants = '', maxPeriods = ACTIVITY_MAX_PERIODS, periodsMessage = ACTIVITY_PERIODS_MESSAGE): string {
  const lit = (e: BoundExpr) => constSql(e, ctx);
  const s = lit(plan.start);
  const b = lit(plan.step);
  const span = `(CAST(ap_p.e - ap_p.s AS DOUBLE) / ap_p.b)`;
  const last = `CASE WHEN ap_p.b IS NULL OR NOT (ap_p.b > 0) THEN error(${sqlString(ACTIVITY_STEP_MESSAGE)}) WHEN ${span} >= ${maxPeriods} THEN error(${sqlString(periodsMessage)}) ELSE CAST(floor(${span}) AS BIGINT) END`;
  const params = `SELECT ${s} AS s, ${lit(plan.end)} AS e, ${b} AS b${extraConstants}`;
  const consts = `SELECT ap_p.*, ${last} AS last FROM ap_p`;
  const ex = (e: BoundExpr) => exprSql(e, 't', ctx);
  const tl = ex(plan.timeline);
  const k = `CAST(floor(CAST(${tl} - ap_c.s AS DOUBLE) / ap_c.b) AS BIGINT)`;
  const rows = `SELECT ${[`${ex(plan.id)} AS i`, ...plan.dimensions.map((d, i) => `${ex(d)} AS ${dimCol(i)}`), `${k} AS k`, `${tl} AS tl`].join(', ')} FROM (${emitPlan(plan.input, ctx)}) AS t, ap_c WHERE ${tl} IS NOT NULL`;
  return `ap_p AS (${params}), ap_c AS (${consts}), ap_r AS (${rows})`;
}

/** The start of period `k` in the timeline's type. */
function periodStart(plan: TimelinePeriods, k: string): string {
  return `CAST(ap_c.s + ${k} * ap_c.b AS ${sqlType(plan.timeline.type)})`;
}

/** sliding_window_counts: each row counts in its period and the LookbackWindow ÷ Bin − 1 periods after it. */
function emitSlidingWindowCounts(plan: SlidingWindowCountsPlan, ctx: EmitContext): string {
  const dims = plan.dimensions.map((_, i) => `x.${dimCol(i)}`);
  // the window in whole periods (LookbackWindow rounded down to a multiple of Bin, at least one)
  const w = `greatest(CAST(floor(CAST(ap_c.lb AS DOUBLE) / ap_c.b) AS BIGINT), 1)`;
  const expanded = `SELECT r.*, unnest(range(greatest(r.k, 0), least(r.k + ${w}, ap_c.last + 1))) AS p FROM ap_r AS r, ap_c WHERE r.k <= ap_c.last`;
  const cols = [periodStart(plan, 'x.p'), ...dims, 'count(*)', 'count(DISTINCT x.i)'];
  const groupBy = ['x.p', ...dims, 'ap_c.s', 'ap_c.b'].join(', ');
  return `WITH ${periodCtes(plan, ctx, `, ${constSql(plan.lookback, ctx)} AS lb`)} SELECT ${selectList(cols)} FROM (${expanded}) AS x, ap_c GROUP BY ${groupBy} ORDER BY x.p${dims.map((d) => `, ${d}`).join('')}`;
}

/** activity_counts_metrics: per period, rows, distinct IDs, IDs first seen then, and IDs seen so far. */
function emitActivityCountsMetrics(plan: ActivityCountsMetricsPlan, ctx: EmitContext): string {
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const inRange = `SELECT r.* FROM ap_r AS r, ap_c WHERE r.k >= 0 AND r.k <= ap_c.last`;
  // each ID's first period within its dimensions
  const firstSeen = `SELECT ${[...dims, 'i', 'min(k) AS f'].join(', ')} FROM ap_in WHERE i IS NOT NULL GROUP BY ${[...dims, 'i'].join(', ')}`;
  const news = `SELECT ${[...dims, 'f AS k', 'count(*) AS n'].join(', ')} FROM ap_first GROUP BY ${[...dims, 'f'].join(', ')}`;
  const perPeriod = `SELECT ${[...dims, 'k', 'count(*) AS cnt', 'count(DISTINCT i) AS dc'].join(', ')} FROM ap_in GROUP BY ${[...dims, 'k'].join(', ')}`;
  const same = dims.map((d) => `n.${d} IS NOT DISTINCT FROM g.${d}`);
  const joined = `SELECT g.*, coalesce(n.n, 0) AS nw FROM ap_g AS g LEFT JOIN ap_new AS n ON ${[...same, 'n.k = g.k'].join(' AND ')}`;
  const partition = dims.length ? `PARTITION BY ${dims.map((d) => `x.${d}`).join(', ')} ` : '';
  const aggregated = `CAST(sum(x.nw) OVER (${partition}ORDER BY x.k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT)`;
  const cols = [periodStart(plan, 'x.k'), ...dims.map((d) => `x.${d}`), 'x.cnt', 'x.dc', 'CAST(x.nw AS BIGINT)', aggregated];
  return `WITH ${periodCtes(plan, ctx)}, ap_in AS (${inRange}), ap_first AS (${firstSeen}), ap_new AS (${news}), ap_g AS (${perPeriod}) ` +
    `SELECT ${selectList(cols)} FROM (${joined}) AS x, ap_c ORDER BY x.k${dims.map((d) => `, x.${d}`).join('')}`;
}

/** activity_metrics: each period's distinct IDs against the previous period's. */
function emitActivityMetrics(plan: ActivityMetricsPlan, ctx: EmitContext): string {
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const ids = `SELECT DISTINCT ${[...dims, 'i', 'k'].join(', ')} FROM ap_r, ap_c WHERE i IS NOT NULL AND k >= 0 AND k <= ap_c.last`;
  const perPeriod = `SELECT ${[...dims, 'k', 'count(*) AS dc'].join(', ')} FROM ap_ids GROUP BY ${[...dims, 'k'].join(', ')}`;
  const same = (a: string, b: string) => dims.map((d) => `${a}.${d} IS NOT DISTINCT FROM ${b}.${d}`);
  // IDs of each period seen in the period before
  const kept = `SELECT ${[...dims.map((d) => `a.${d}`), 'a.k', 'count(*) AS kept'].join(', ')} FROM ap_ids AS a JOIN ap_ids AS b ON ${['b.i = a.i', ...same('b', 'a'), 'b.k = a.k - 1'].join(' AND ')} GROUP BY ${[...dims.map((d) => `a.${d}`), 'a.k'].join(', ')}`;
  const joined = `SELECT g.*, coalesce(r.kept, 0) AS kept, coalesce(p.dc, 0) AS prev FROM ap_g AS g ` +
    `LEFT JOIN ap_kept AS r ON ${[...same('r', 'g'), 'r.k = g.k'].join(' AND ')} LEFT JOIN ap_g AS p ON ${[...same('p', 'g'), 'p.k = g.k - 1'].join(' AND ')}`;
  const rate = (n: string) => `CASE WHEN x.prev = 0 THEN CAST('NaN' AS DOUBLE) ELSE CAST(${n} AS DOUBLE) / x.prev END`;
  const cols = [periodStart(plan, 'x.k'), 'x.dc', 'x.dc - x.kept', rate('x.kept'), rate('x.prev - x.kept'), ...dims.map((d) => `x.${d}`)];
  return `WITH ${periodCtes(plan, ctx)}, ap_ids AS (${ids}), ap_g AS (${perPeriod}), ap_kept AS (${kept}) ` +
    `SELECT ${selectList(cols)} FROM (${joined}) AS x, ap_c ORDER BY x.k${dims.map((d) => `, x.${d}`).join('')}`;
}

/**
 * active_users_count: an appearance at t in the range is active when the ID's appearances in
 * (t − LookbackWindow, t] — before Start too — fall in at least ActivePeriodsCount distinct
 * periods bin(·, Period); each period counts the distinct IDs with an active appearance in it.
 */
function emitActiveUsersCount(plan: ActiveUsersCountPlan, ctx: EmitContext): string {
  const lit = (e: BoundExpr) => constSql(e, ctx);
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const integral = plan.timeline.type === 'datetime' || plan.timeline.type === 'timespan';
  // bin(x, Period) — exact on ticks for datetimes and timespans
  const periodBin = (x: string) => (integral ? `(${x} - (((${x} % ap_c.per) + ap_c.per) % ap_c.per))` : `floor(CAST(${x} AS DOUBLE) / ap_c.per)`);
  const same = ['r.i = a.i', ...dims.map((d) => `r.${d} IS NOT DISTINCT FROM a.${d}`), 'r.tl > a.tl - ap_c.lb', 'r.tl <= a.tl'];
  const groups = ['a.i', ...dims.map((d) => `a.${d}`), 'a.k', 'a.tl', 'ap_c.n'];
  const active = `SELECT ${['a.i', ...dims.map((d) => `a.${d}`), 'a.k'].join(', ')} FROM ap_r AS a CROSS JOIN ap_c JOIN ap_r AS r ON ${same.join(' AND ')} ` +
    `WHERE a.k >= 0 AND a.k <= ap_c.last GROUP BY ${groups.join(', ')} HAVING count(DISTINCT ${periodBin('r.tl')}) >= ap_c.n`;
  const cols = [periodStart(plan, 'x.k'), ...dims.map((d) => `x.${d}`), 'count(DISTINCT x.i)'];
  const groupBy = ['x.k', ...dims.map((d) => `x.${d}`), 'ap_c.s', 'ap_c.b'].join(', ');
  const extra = `, ${lit(plan.lookback)} AS lb, ${lit(plan.period)} AS per, ${lit(plan.activePeriods)} AS n`;
  return `WITH ${periodCtes(plan, ctx, extra)}, ap_act AS (${active}) SELECT ${selectList(cols)} FROM ap_act AS x, ap_c GROUP BY ${groupBy} ORDER BY x.k${dims.map((d) => `, x.${d}`).join('')}`;
}

/**
 * new_activity_metrics: for each cohort period f (IDs first seen in it, per dimension combination)
 * and each period t ≥ f: IDs of t first seen after f (at t = f: the cohort), the cohort's IDs seen
 * in t and not, and their rates (NaN for an empty cohort). Every pair of periods is output.
 */
function emitNewActivityMetrics(plan: NewActivityMetricsPlan, ctx: EmitContext): string {
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const eq = (a: string, b: string) => dims.map((d) => `${a}.${d} IS NOT DISTINCT FROM ${b}.${d}`);
  const list = (a: string, more: string[]) => [...dims.map((d) => `${a}.${d}`), ...more].join(', ');
  const ids = `SELECT DISTINCT ${[...dims, 'i', 'k'].join(', ')} FROM ap_r, ap_c WHERE i IS NOT NULL AND k >= 0 AND k <= ap_c.last`;
  const first = `SELECT ${[...dims, 'i', 'min(k) AS f'].join(', ')} FROM na_ids GROUP BY ${[...dims, 'i'].join(', ')}`;
  const combos = dims.length ? `SELECT DISTINCT ${dims.join(', ')} FROM na_ids` : 'SELECT 1 AS na_one WHERE EXISTS (SELECT 1 FROM na_ids)';
  const cohortK = plan.cohort ? ` AND pf.f = CAST(floor(CAST(${constSql(plan.cohort, ctx)} - ap_c.s AS DOUBLE) / ap_c.b) AS BIGINT)` : '';
  const periods = (name: string) => `(SELECT unnest(range(0, (SELECT last FROM ap_c) + 1)) AS ${name})`;
  const pairs = `SELECT ${list('c', ['pf.f', 'pt.t'])} FROM na_combos AS c, ap_c, ${periods('f')} AS pf, ${periods('t')} AS pt WHERE pt.t >= pf.f${cohortK}`;
  const cohorts = `SELECT ${[...dims, 'f', 'count(*) AS n'].join(', ')} FROM na_first GROUP BY ${[...dims, 'f'].join(', ')}`;
  const retained = `SELECT ${list('fi', ['fi.f', 'x.k AS t', 'count(*) AS r'])} FROM na_first AS fi JOIN na_ids AS x ON ${['x.i = fi.i', ...eq('x', 'fi'), 'x.k >= fi.f'].join(' AND ')} GROUP BY ${list('fi', ['fi.f', 'x.k'])}`;
  const later = `SELECT ${list('p', ['p.f', 'p.t', 'count(*) AS m'])} FROM na_pairs AS p JOIN na_ids AS x ON ${[...eq('x', 'p'), 'x.k = p.t'].join(' AND ')} JOIN na_first AS fi ON ${['fi.i = x.i', ...eq('fi', 'x'), 'fi.f > p.f'].join(' AND ')} GROUP BY ${list('p', ['p.f', 'p.t'])}`;
  const joined = `SELECT p.*, coalesce(c.n, 0) AS n, coalesce(r.r, 0) AS r, CASE WHEN p.t = p.f THEN coalesce(c.n, 0) ELSE coalesce(l.m, 0) END AS m FROM na_pairs AS p ` +
    `LEFT JOIN na_cohorts AS c ON ${[...eq('c', 'p'), 'c.f = p.f'].join(' AND ')} ` +
    `LEFT JOIN na_retained AS r ON ${[...eq('r', 'p'), 'r.f = p.f', 'r.t = p.t'].join(' AND ')} ` +
    `LEFT JOIN na_later AS l ON ${[...eq('l', 'p'), 'l.f = p.f', 'l.t = p.t'].join(' AND ')}`;
  const rate = (x: string) => `CASE WHEN x.n = 0 THEN CAST('NaN' AS DOUBLE) ELSE CAST(${x} AS DOUBLE) / x.n END`;
  const cols = [periodStart(plan, 'x.f'), periodStart(plan, 'x.t'), 'CAST(x.m AS BIGINT)', 'CAST(x.r AS BIGINT)', 'CAST(x.n - x.r AS BIGINT)', rate('x.r'), rate('x.n - x.r'), ...dims.map((d) => `x.${d}`)];
  return `WITH ${periodCtes(plan, ctx, '', NEW_ACTIVITY_MAX_PERIODS, NEW_ACTIVITY_PERIODS_MESSAGE)}, na_ids AS (${ids}), na_first AS (${first}), na_combos AS (${combos}), na_pairs AS (${pairs}), ` +
    `na_cohorts AS (${cohorts}), na_retained AS (${retained}), na_later AS (${later}) SELECT ${selectList(cols)} FROM (${joined}) AS x, ap_c ORDER BY x.f, x.t${dims.map((d) => `, x.${d}`).join('')}`;
}

/**
 * rolling_percentile: each row counts in its bin and the BinsPerWindow − 1 bins after it; bins (per
 * dimension combination) without rows of their own are not output. The percentile is
 * percentile()'s (quantile_disc).
 */
function emitRollingPercentile(plan: RollingPercentilePlan, ctx: EmitContext): string {
  const ex = (e: BoundExpr) => exprSql(e, 't', ctx);
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const b = `(${constSql(plan.binSize, ctx)})`;
  const idx = ex(plan.index);
  const integral = plan.index.type !== 'real' && plan.index.type !== 'decimal' && plan.binSize.type !== 'real' && plan.binSize.type !== 'decimal';
  // the bin's number: floor(index ÷ BinSize), exact in integers for ticks and longs
  const n = integral ? `((${idx} - (((${idx} % ${b}) + ${b}) % ${b})) // ${b})` : `CAST(floor(${idx} / ${b}) AS BIGINT)`;
  const v = plan.value.type === 'int' ? `CAST(${ex(plan.value)} AS BIGINT)` : ex(plan.value);
  const rows = `SELECT ${[`${v} AS v`, ...plan.dimensions.map((d, i) => `${ex(d)} AS ${dimCol(i)}`), `${n} AS n`].join(', ')} FROM (${emitPlan(plan.input, ctx)}) AS t WHERE ${idx} IS NOT NULL`;
  const expanded = `SELECT r.*, unnest(range(r.n, r.n + ${plan.binsPerWindow})) AS p FROM rp_r AS r`;
  const present = `SELECT DISTINCT ${[...dims, 'n'].join(', ')} FROM rp_r`;
  const on = [...dims.map((d) => `b.${d} IS NOT DISTINCT FROM x.${d}`), 'b.n = x.p'];
  const cols = [`CAST(x.p * ${b} AS ${sqlType(plan.index.type)})`, ...dims.map((d) => `x.${d}`), `quantile_disc(x.v, ${literalSql('real', plan.percentile / 100)})`];
  const keys = [...dims.map((d) => `x.${d}`), 'x.p'];
  return `WITH rp_r AS (${rows}), rp_b AS (${present}) SELECT ${selectList(cols)} FROM (${expanded}) AS x JOIN rp_b AS b ON ${on.join(' AND ')} GROUP BY ${keys.join(', ')} ORDER BY ${keys.join(', ')}`;
}

/**
 * dcount_intersect: hll() states are k-minimum-values sketches (functions/aggregates.ts). The
 * intersection of S1 … Sn is estimated from U, the K smallest hashes of their union: the share of U
 * found in every sketch, times the union's estimate — exact while the union has fewer than K values.
 */
function emitDcountIntersect(plan: DcountIntersectPlan, ctx: EmitContext): string {
  const sketches = plan.sketches.map((s) => `TRY_CAST(${exprSql(s, 't', ctx)} AS UBIGINT[])`);
  const cols = sketches.map((_, n) => {
    const hs = sketches.slice(0, n + 1);
    const u = `list_slice(list_sort(list_distinct(flatten([${hs.join(', ')}]))), 1, ${KMV_K})`;
    const m = `len(list_filter(${u}, _x -> ${hs.map((h) => `list_contains(${h}, _x)`).join(' AND ')}))`;
    const estimate = `CASE WHEN len(${u}) < ${KMV_K} THEN CAST(${m} AS BIGINT) ELSE CAST(round(${m} / ${KMV_K}.0 * (${KMV_K} - 1) / (CAST((${u})[${KMV_K}] AS DOUBLE) / 4503599627370496.0)) AS BIGINT) END`;
    return `CASE WHEN ${hs.map((h) => `${h} IS NULL`).join(' OR ')} THEN NULL ELSE ${estimate} END`;
  });
  return `SELECT ${selectList([...plan.input.schema.map((_, i) => `t.${C(i)}`), ...cols])} FROM (${emitPlan(plan.input, ctx)}) AS t`;
}

/**
 * funnel_sequence_completion: the rows of each bin in (timeline, input) order; from every row in the
 * first state, each next step is the ID's first later row (in that order) in the step's state, in
 * the same bin — the earliest continuation reaches furthest within any window.  A step counts the
 * ID for a window when some start reaches it no later than the window after the start.  Every bin
 * with rows gets every window and step, in the order given.
 */
function emitFunnelSequenceCompletion(plan: FunnelSequenceCompletionPlan, ctx: EmitContext): string {
  const periods = { ...plan, dimensions: [plan.state] };
  const events = `SELECT r.i, r.k, r.tl, r.${dimCol(0)} AS st, row_number() OVER (ORDER BY r.k, r.tl) AS rn FROM ap_r AS r, ap_c WHERE r.k >= 0 AND r.k <= ap_c.last AND r.i IS NOT NULL`;
  const steps: string[] = [`fs_s0 AS (SELECT i, k, tl AS t0, rn AS r0, tl AS t, rn FROM fs_e WHERE st = ${sqlString(plan.sequence[0]!)})`];
  for (let j = 1; j < plan.sequence.length; j++) {
    const next = `SELECT s.i, s.k, s.t0, s.r0, min({'t': e.tl, 'rn': e.rn}) AS m FROM fs_s${j - 1} AS s JOIN fs_e AS e ON e.i = s.i AND e.k = s.k AND e.st = ${sqlString(plan.sequence[j]!)} AND (e.tl > s.t OR (e.tl = s.t AND e.rn > s.rn)) GROUP BY s.i, s.k, s.t0, s.r0`;
    steps.push(`fs_s${j} AS (SELECT i, k, t0, r0, m.t AS t, m.rn AS rn FROM (${next}))`);
  }
  const reached = plan.sequence.map((_, j) => `SELECT ${j} AS j, i, k, t - t0 AS d FROM fs_s${j}`).join(' UNION ALL ');
  const windows = constSql(plan.windows, ctx);
  const windowValues = Array.from({ length: plan.windowCount }, (_, j) => `(${j}, ${convertSql(`json_extract(${windows}, '$[${j}]')`, 'dynamic', plan.windowType)})`).join(', ');
  const states = plan.sequence.map((s, j) => `(${j}, ${sqlString(s)})`).join(', ');
  const counted = `SELECT b.k, w.wj, w.wv, q.j, q.name, count(DISTINCT a.i) AS n FROM (SELECT DISTINCT k FROM fs_e) AS b CROSS JOIN fs_w AS w CROSS JOIN fs_q AS q `
    + `LEFT JOIN fs_all AS a ON a.k = b.k AND a.j = q.j AND a.d <= w.wv GROUP BY b.k, w.wj, w.wv, q.j, q.name`;
  const cols = [periodStart(plan, 'x.k'), 'x.name', `CAST(x.wv AS ${sqlType(plan.windowType)})`, 'CAST(x.n AS BIGINT)'];
  return `WITH ${periodCtes(periods, ctx)}, fs_e AS (${events}), ${steps.join(', ')}, fs_all AS (${reached}), `
    + `fs_w AS (SELECT * FROM (VALUES ${windowValues}) AS v(wj, wv)), fs_q AS (SELECT * FROM (VALUES ${states}) AS v(j, name)) `
    + `SELECT ${selectList(cols)} FROM (${counted}) AS x, ap_c ORDER BY x.k, x.wj, x.j`;
}

/**
 * session_count: a row starts a session of its ID (within its dimensions) unless the ID's previous
 * row — rows before Start included — is at most LookBackWindow before it; each period counts the
 * sessions with a row in it.
 */
function emitSessionCount(plan: SessionCountPlan, ctx: EmitContext): string {
  const dims = plan.dimensions.map((_, i) => dimCol(i));
  const by = `PARTITION BY ${['r.i', ...dims.map((d) => `r.${d}`)].join(', ')} ORDER BY r.tl`;
  const starts = `SELECT r.*, (CASE WHEN r.tl - lag(r.tl) OVER (${by}) <= ap_c.lb THEN 0 ELSE 1 END) AS ns FROM ap_r AS r, ap_c WHERE r.i IS NOT NULL`;
  const sessions = `SELECT s.*, sum(s.ns) OVER (PARTITION BY ${['s.i', ...dims.map((d) => `s.${d}`)].join(', ')} ORDER BY s.tl, s.ns DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sid FROM sc_starts AS s`;
  const cols = [periodStart(plan, 'x.k'), ...dims.map((d) => `x.${d}`), 'CAST(count(DISTINCT struct_pack(i := x.i, s := x.sid)) AS BIGINT)'];
  const groupBy = ['x.k', ...dims.map((d) => `x.${d}`), 'ap_c.s', 'ap_c.b'].join(', ');
  return `WITH ${periodCtes(plan, ctx, `, ${constSql(plan.lookback, ctx)} AS lb`)}, sc_starts AS (${starts}), sc_sessions AS (${sessions}) `
    + `SELECT ${selectList(cols)} FROM sc_sessions AS x, ap_c WHERE x.k >= 0 AND x.k <= ap_c.last GROUP BY ${groupBy} ORDER BY x.k${dims.map((d) => `, x.${d}`).join('')}`;
}
