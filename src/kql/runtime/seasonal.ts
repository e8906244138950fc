/**
 * seasonal.ts — series_seasonal (series-seasonal-function.md): the seasonal component of a series,
 * each bin the median of the values at the same phase across the periods.
 *
 * period > 0 is used as given; -1 (the default) detects the period; any other value gives zeros.
 * Detection keeps the best autocorrelation peak (unbiased estimate, trend removed by a least-squares
 * line) among periods of at least 4 bins that repeat more than twice in the series, when it reaches
 * the docs' threshold 0.7 — the docs' examples: 6 and 5 bins found, a 12-bin series of two 6-bin
 * repetitions "too short to be detected". No period gives zeros.
 */
import { INTEGER, VARCHAR } from '@duckdb/node-api';
import { parseJsonArray, runtimeFunction } from './udf.js';

const THRESHOLD = 0.7;
const MIN_PERIOD = 4;
/** Longer series are refused (null), as series_fft's limit keeps one row's work bounded. */
export const MAX_SEASONAL_POINTS = 1_000_000;

function median(values: number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The series less its least-squares line (missing values stay NaN). */
function detrended(y: number[]): number[] {
  let c = 0, sx = 0, sy = 0;
  y.forEach((v, i) => { if (!Number.isNaN(v)) { c++; sx += i; sy += v; } });
  if (c === 0) return y;
  const mx = sx / c, my = sy / c;
  let sxy = 0, sxx = 0;
  y.forEach((v, i) => { if (!Number.isNaN(v)) { sxy += (i - mx) * (v - my); sxx += (i - mx) ** 2; } });
  const slope = sxx > 0 ? sxy / sxx : 0;
  return y.map((v, i) => v - (my + slope * (i - mx)));
}

/** Unbiased autocorrelation of d at each lag in [lo, hi]. */
function autocorrelation(d: number[], lo: number, hi: number): Map<number, number> {
  const present = d.filter((v) => !Number.isNaN(v));
  const m = present.reduce((a, b) => a + b, 0) / present.length;
  const variance = present.reduce((a, v) => a + (v - m) ** 2, 0) / present.length;
  const out = new Map<number, number>();
  for (let lag = lo; lag <= hi; lag++) {
    let sum = 0, pairs = 0;
    for (let i = 0; i + lag < d.length; i++) {
      if (Number.isNaN(d[i]!) || Number.isNaN(d[i + lag]!)) continue;
      sum += (d[i]! - m) * (d[i + lag]! - m);
      pairs++;
    }
    out.set(lag, variance > 0 && pairs > 0 ? sum / pairs / variance : 0);
  }
  return out;
}

export function detectSeasonalPeriod(y: number[]): number {
  const hi = Math.floor((y.length - 1) / 2);
  if (hi < MIN_PERIOD) return 0;
  const r = autocorrelation(detrended(y), MIN_PERIOD - 1, hi + 1);
  let best = 0, bestScore = THRESHOLD;
  for (let p = MIN_PERIOD; p <= hi; p++) {
    const s = r.get(p)!;
    const peak = s >= (r.get(p - 1) ?? -Infinity) && s >= (r.get(p + 1) ?? -Infinity);
    if (peak && s >= bestScore) [best, bestScore] = [p, s];
  }
  return best;
}

export function seasonal(y: number[], period: number): number[] {
  const p = period > 0 ? period : period === -1 ? detectSeasonalPeriod(y) : 0;
  if (p <= 0) return y.map(() => 0);
  const phase = Array.from({ length: Math.min(p, y.length) }, (_, k) => {
    const vals: number[] = [];
    for (let i = k; i < y.length; i += p) vals.push(y[i]!);
    const m = median(vals);
    return Number.isNaN(m) ? 0 : m;
  });
  return y.map((_, i) => phase[i % p]!);
}

export const SEASONAL_FUNCTIONS = [
  runtimeFunction('kql_series_seasonal', [VARCHAR, INTEGER], VARCHAR, (s: string, period: number) => {
    const v = parseJsonArray(s);
    if (!v || v.length > MAX_SEASONAL_POINTS) return null;
    return JSON.stringify(seasonal(v.map((x) => (typeof x === 'number' ? x : NaN)), period));
  }),
];
