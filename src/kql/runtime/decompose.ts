/**
 * decompose.ts — Kusto's time-series analysis functions (series-outliers-function.md,
 * series-decompose*-function.md, series-periods-*-function.md) as pure runtime functions.
 *
 * The documented algorithm is followed step by step:
 *   - outliers: Tukey's fences. `tukey` uses the 25th/75th percentiles, `ctukey` the given ones
 *     (default 10th/90th); the score of x above the upper quantile is (x − upper) / (upper − lower),
 *     below the lower one (x − lower) / (upper − lower), 0 between them and for missing values; a
 *     score beyond ±1.5 is Tukey's k = 1.5 fence.
 *   - decompose: seasonal = the median of the learning points of the same phase (period given, or
 *     detected with periods_detect above the seasonality threshold), trend over the deseasoned
 *     learning points (`avg`: their average, `linefit`: their least-squares line, extended to the
 *     test points), baseline = seasonal + trend, residual = x − baseline.
 *   - periods: a period's score is the autocorrelation of the (line-detrended) series at that lag,
 *     clipped to [0, 1]; a period is a lag where that score peaks and reaches 0.5 (less is reported
 *     as 0, as the docs' examples show for non-periods); detection skips harmonics of periods found.
 * Percentiles interpolate linearly between ranks.  Kusto's own period scoring is not published: its
 * scores differ from these (the docs' monthly traffic example scores its 14-point period 0.84 in
 * Kusto, 0.75 here) while the detected periods agree.
 */
import { DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { parseJsonArray, runtimeFunction } from './udf.js';

/** Elements as numbers; missing ones (null, non-numeric) as NaN. */
function numbers(text: string): number[] | null {
  const v = parseJsonArray(text);
  if (!v) return null;
  return v.map((x) => (typeof x === 'number' ? x : NaN));
}

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function median(values: number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return s.length ? percentile(s, 50) : NaN;
}

export function outlierScores(x: number[], kind: string, ignore: number | null, minPct: number, maxPct: number): number[] | null {
  const missing = (v: number) => Number.isNaN(v) || (ignore !== null && v === ignore);
  let lowP = minPct, highP = maxPct;
  if (kind === 'tukey') [lowP, highP] = [25, 75];
  else if (kind !== 'ctukey') return null;
  if (!(lowP >= 2 && highP <= 98 && lowP < highP)) return null;
  const sorted = x.filter((v) => !missing(v)).sort((a, b) => a - b);
  const lo = percentile(sorted, lowP), hi = percentile(sorted, highP);
  const range = hi - lo;
  return x.map((v) => {
    if (missing(v) || sorted.length === 0) return 0;
    // an empty quantile range (most values equal) scales by 1: the distance past the fence
    if (v > hi) return (v - hi) / (range > 0 ? range : 1);
    if (v < lo) return (v - lo) / (range > 0 ? range : 1);
    return 0;
  });
}

/** Least-squares line over (i, y[i]) for i < n with y[i] present; returns a value for every index. */
function lineFit(y: number[], n: number): (i: number) => number {
  let c = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(y[i]!)) { c++; sx += i; sy += y[i]!; }
  if (c === 0) return () => NaN;
  const mx = sx / c, my = sy / c;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(y[i]!)) { sxy += (i - mx) * (y[i]! - my); sxx += (i - mx) ** 2; }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return (i) => my + slope * (i - mx);
}

/** Scores below this are not significant: reported as 0 (no period). */
const MIN_SCORE = 0.5;

/** Autocorrelation of y at `lag` (missing values skipped), clipped to [0, 1]. */
function periodScore(y: number[], lag: number): number {
  const n = y.length;
  if (lag < 4 || lag > n / 2) return 0;
  const line = lineFit(y, n);
  const d = y.map((v, i) => v - line(i));
  const present = d.filter((v) => !Number.isNaN(v));
  if (present.length === 0) return 0;
  const m = present.reduce((a, b) => a + b, 0) / present.length;
  let den = 0;
  for (const v of present) den += (v - m) ** 2;
  if (den === 0) return 0;
  let num = 0;
  for (let i = 0; i + lag < n; i++) if (!Number.isNaN(d[i]!) && !Number.isNaN(d[i + lag]!)) num += (d[i]! - m) * (d[i + lag]! - m);
  return Math.min(1, Math.max(0, num / den));
}

export function detectPeriods(y: number[], minPeriod: number, maxPeriod: number, count: number): { periods: number[]; scores: number[] } {
  const lo = Math.max(4, Math.ceil(minPeriod)), hi = Math.min(Math.floor(maxPeriod), Math.floor(y.length / 2));
  const scores = new Map<number, number>();
  for (let p = lo - 1; p <= hi + 1; p++) scores.set(p, p >= 4 ? periodScore(y, p) : 0);
  const found: { p: number; s: number }[] = [];
  for (let p = lo; p <= hi; p++) {
    const s = scores.get(p)!;
    if (s >= MIN_SCORE && s >= (scores.get(p - 1) ?? 0) && s >= (scores.get(p + 1) ?? 0)) found.push({ p, s });
  }
  found.sort((a, b) => b.s - a.s || a.p - b.p);
  // a multiple of a period already found is its harmonic, not another period
  const top: { p: number; s: number }[] = [];
  for (const f of found) {
    if (top.length >= count) break;
    if (!top.some((t) => f.p % t.p === 0)) top.push(f);
  }
  while (top.length < count) top.push({ p: 0, s: 0 });
  return { periods: top.map((f) => f.p), scores: top.map((f) => f.s) };
}

export interface Decomposition {
  baseline: number[];
  seasonal: number[];
  trend: number[];
  residual: number[];
}

export function decompose(x: number[], seasonality: number, trendKind: string, testPoints: number, threshold: number): Decomposition | null {
  const n = x.length;
  const learn = Math.max(0, n - Math.max(0, testPoints));
  if (trendKind !== 'avg' && trendKind !== 'linefit' && trendKind !== 'none') return null;
  let period = seasonality;
  if (period < 0) {
    const d = detectPeriods(x.slice(0, learn), 4, learn / 2, 1);
    period = d.scores[0]! >= threshold ? d.periods[0]! : 0;
  }
  const seasonal = new Array<number>(n).fill(0);
  if (period > 0) {
    const p = Math.round(period);
    const phase: number[] = [];
    for (let k = 0; k < p; k++) {
      const vals: number[] = [];
      for (let i = k; i < learn; i += p) vals.push(x[i]!);
      phase.push(median(vals));
    }
    for (let i = 0; i < n; i++) seasonal[i] = Number.isNaN(phase[i % p]!) ? 0 : phase[i % p]!;
  }
  const deseasoned = x.map((v, i) => v - seasonal[i]!);
  let trend: number[];
  if (trendKind === 'none') trend = new Array<number>(n).fill(0);
  else if (trendKind === 'avg') {
    const present = deseasoned.slice(0, learn).filter((v) => !Number.isNaN(v));
    const avg = present.length ? present.reduce((a, b) => a + b, 0) / present.length : 0;
    trend = new Array<number>(n).fill(avg);
  } else {
    const line = lineFit(deseasoned, learn);
    trend = x.map((_, i) => line(i));
  }
  const baseline = seasonal.map((s, i) => s + trend[i]!);
  const residual = x.map((v, i) => (Number.isNaN(v) ? NaN : v - baseline[i]!));
  return { baseline, seasonal, trend, residual };
}

const round = (v: number) => (Number.isFinite(v) ? v : NaN);

export const DECOMPOSE_FUNCTIONS = [
  runtimeFunction('kql_series_outliers', [VARCHAR, VARCHAR, DOUBLE, DOUBLE, DOUBLE], VARCHAR, (s: string, kind: string, ignore: number, lo: number, hi: number) => {
    const x = numbers(s);
    const r = x ? outlierScores(x, kind, Number.isNaN(ignore) ? null : ignore, lo, hi) : null;
    return r ? json(r) : null;
  }),
  runtimeFunction('kql_series_decompose', [VARCHAR, INTEGER, VARCHAR, INTEGER, DOUBLE], VARCHAR, (s: string, season: number, trend: string, test: number, threshold: number) => {
    const x = numbers(s);
    const d = x ? decompose(x, season, trend, test, threshold) : null;
    return d ? json(d) : null;
  }),
  runtimeFunction('kql_series_decompose_anomalies', [VARCHAR, DOUBLE, INTEGER, VARCHAR, INTEGER, VARCHAR, DOUBLE], VARCHAR,
    (s: string, k: number, season: number, trend: string, test: number, method: string, threshold: number) => {
      const x = numbers(s);
      const d = x ? decompose(x, season, trend, test, threshold) : null;
      if (!d) return null;
      const score = outlierScores(d.residual, method, null, 10, 90);
      if (!score) return null;
      const flag = score.map((v) => (v > k ? 1 : v < -k ? -1 : 0));
      return json({ ad_flag: flag, ad_score: score.map(round), baseline: d.baseline });
    }),
  runtimeFunction('kql_series_decompose_forecast', [VARCHAR, INTEGER, INTEGER, VARCHAR, DOUBLE], VARCHAR, (s: string, points: number, season: number, trend: string, threshold: number) => {
    const x = numbers(s);
    const d = x ? decompose(x, season, trend, points, threshold) : null;
    return d ? json(d.baseline) : null;
  }),
  runtimeFunction('kql_series_periods_detect', [VARCHAR, DOUBLE, DOUBLE, INTEGER], VARCHAR, (s: string, lo: number, hi: number, count: number) => {
    const x = numbers(s);
    return x && count >= 0 && count <= 1000 ? json(detectPeriods(x, lo, hi, count)) : null;
  }),
  runtimeFunction('kql_series_periods_validate', [VARCHAR, VARCHAR], VARCHAR, (s: string, periods: string) => {
    const x = numbers(s), p = numbers(periods);
    if (!x || !p || p.length === 0 || p.length > 16) return null;
    // a period scores only where the autocorrelation peaks (a lag between two peaks is no period)
    const peak = (v: number) => periodScore(x, v) >= Math.max(periodScore(x, v - 1), periodScore(x, v + 1));
    return json({ periods: p, scores: p.map((v) => (Number.isInteger(v) && peak(v) && periodScore(x, v) >= MIN_SCORE ? periodScore(x, v) : 0)) });
  }),
];
