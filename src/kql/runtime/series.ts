/**
 * series.ts — series_* functions defined by numeric algorithms: line fits, Pearson correlation,
 * IIR/FIR filters, FFT. Arrays arrive as JSON text; non-numeric elements read as null (NaN in the
 * arithmetic), as Kusto's series functions treat them.
 *
 * Line fits use x = 1 … n; `variance` is the sample variance of the values and `rvariance` the
 * residuals' sum of squares over n − 1: the docs' series_fit_line example (slope 2.730, interception
 * −1.666, variance 98.628, rvariance 1.686, rsquare 0.982) is reproduced exactly this way.
 */
import { BOOLEAN, DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { parseJsonArray, runtimeFunction } from './udf.js';

function numbers(json: string): number[] | null {
  const v = parseJsonArray(json);
  if (!v) return null;
  return v.map((x) => (typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : NaN));
}

/** JSON for a result: NaN and ±∞ become null (JSON cannot hold them). */
const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

interface LineFit {
  rsquare: number;
  slope: number;
  variance: number;
  rvariance: number;
  interception: number;
  line_fit: number[];
}

/** Least squares over y[from … to) with x = from+1 … to (positions in the whole series). */
function fitLine(y: number[], from = 0, to = y.length): LineFit {
  const n = to - from;
  let sx = 0, sy = 0;
  for (let i = from; i < to; i++) {
    sx += i + 1;
    sy += y[i]!;
  }
  const mx = sx / n, my = sy / n;
  let sxy = 0, sxx = 0, ss = 0;
  for (let i = from; i < to; i++) {
    sxy += (i + 1 - mx) * (y[i]! - my);
    sxx += (i + 1 - mx) ** 2;
    ss += (y[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const interception = my - slope * mx;
  const line_fit: number[] = [];
  let rs = 0;
  for (let i = from; i < to; i++) {
    const f = slope * (i + 1) + interception;
    line_fit.push(f);
    rs += (y[i]! - f) ** 2;
  }
  const denom = Math.max(n - 1, 1);
  return { rsquare: ss === 0 ? 1 : 1 - rs / ss, slope, variance: ss / denom, rvariance: rs / denom, interception, line_fit };
}

/** Two segments: the split that maximises the total r-square; each side has at least two points. */
function fitTwoLines(y: number[]) {
  const n = y.length;
  const all = fitLine(y);
  let ss = 0;
  const my = y.reduce((a, b) => a + b, 0) / n;
  for (const v of y) ss += (v - my) ** 2;
  let best: { rsquare: number; split: number; left: LineFit; right: LineFit } | undefined;
  for (let split = 2; split <= n - 2; split++) {
    const left = fitLine(y, 0, split), right = fitLine(y, split, n);
    const rs = (left.rvariance * Math.max(split - 1, 1)) + (right.rvariance * Math.max(n - split - 1, 1));
    const rsquare = ss === 0 ? 1 : 1 - rs / ss;
    if (!best || rsquare > best.rsquare) best = { rsquare, split, left, right };
  }
  if (!best) {
    return { rsquare: all.rsquare, split_idx: 0, variance: all.variance, rvariance: all.rvariance, line_fit: all.line_fit,
      right_rsquare: all.rsquare, right_slope: all.slope, right_interception: all.interception, right_variance: all.variance, right_rvariance: all.rvariance,
      left_rsquare: all.rsquare, left_slope: all.slope, left_interception: all.interception, left_variance: all.variance, left_rvariance: all.rvariance };
  }
  const { left, right } = best;
  const rsTotal = left.rvariance * Math.max(best.split - 1, 1) + right.rvariance * Math.max(n - best.split - 1, 1);
  return {
    rsquare: best.rsquare, split_idx: best.split, variance: all.variance, rvariance: rsTotal / Math.max(n - 1, 1), line_fit: [...left.line_fit, ...right.line_fit],
    right_rsquare: right.rsquare, right_slope: right.slope, right_interception: right.interception, right_variance: right.variance, right_rvariance: right.rvariance,
    left_rsquare: left.rsquare, left_slope: left.slope, left_interception: left.interception, left_variance: left.variance, left_rvariance: left.rvariance,
  };
}

function pearson(a: number[], b: number[]): number | null {
  if (a.length !== b.length || a.length === 0 || a.some((x) => Number.isNaN(x)) || b.some((x) => Number.isNaN(x))) return null;
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** y[i] = (Σ b[k]·x[i−k] − Σ_{k≥1} a[k]·y[i−k]) / a[0] (series-iir-function.md). */
function iir(x: number[], b: number[], a: number[]): number[] | null {
  if (a.length === 0 || a[0] === 0 || b.length === 0) return null;
  const y: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let v = 0;
    for (let k = 0; k < b.length && k <= i; k++) v += b[k]! * x[i - k]!;
    for (let k = 1; k < a.length && k <= i; k++) v -= a[k]! * y[i - k]!;
    y.push(v / a[0]!);
  }
  return y;
}

/**
 * FIR: y[i] = Σ f[k]·x[i−k] (center: the window is centred on i); normalize divides by Σ f.
 * `normalize` −1 means unspecified: true unless a coefficient is negative (series-fir-function.md).
 */
function fir(x: number[], f: number[], normalize: number, center: boolean): number[] | null {
  const negative = f.some((c) => c < 0);
  const norm = normalize < 0 ? !negative : normalize === 1;
  if (norm && negative) return null;
  const sum = f.reduce((s, c) => s + c, 0);
  const shift = center ? Math.floor(f.length / 2) : 0;
  return x.map((_, i) => {
    let v = 0;
    for (let k = 0; k < f.length; k++) {
      const j = i - k + shift;
      if (j >= 0 && j < x.length) v += f[k]! * x[j]!;
    }
    return norm ? v / sum : v;
  });
}

/** Discrete Fourier transform (direct; inverse divides by n). */
function dft(re: number[], im: number[], inverse: boolean): { real: number[]; imag: number[] } {
  const n = re.length;
  const sign = inverse ? 1 : -1;
  const real: number[] = [], imag: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let t = 0; t < n; t++) {
      const angle = (sign * 2 * Math.PI * k * t) / n;
      const c = Math.cos(angle), s = Math.sin(angle);
      const xr = re[t]!, xi = im[t] ?? 0;
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    real.push(inverse ? sr / n : sr);
    imag.push(inverse ? si / n : si);
  }
  return { real, imag };
}

/** Direct DFT is O(n²): longer series are refused (null) rather than stalling the query. */
const MAX_DFT = 8192;

export const SERIES_FUNCTIONS = [
  runtimeFunction('kql_series_fit_line', [VARCHAR], VARCHAR, (y: string) => {
    const v = numbers(y);
    return v && v.length > 0 ? json(fitLine(v)) : null;
  }),
  runtimeFunction('kql_series_fit_2lines', [VARCHAR], VARCHAR, (y: string) => {
    const v = numbers(y);
    return v && v.length > 0 ? json(fitTwoLines(v)) : null;
  }),
  runtimeFunction('kql_series_pearson_correlation', [VARCHAR, VARCHAR], DOUBLE, (a: string, b: string) => {
    const x = numbers(a), y = numbers(b);
    return x && y ? pearson(x, y) : null;
  }),
  runtimeFunction('kql_series_iir', [VARCHAR, VARCHAR, VARCHAR], VARCHAR, (x: string, b: string, a: string) => {
    const xs = numbers(x), bs = numbers(b), as = numbers(a);
    const y = xs && bs && as ? iir(xs, bs, as) : null;
    return y ? json(y) : null;
  }),
  runtimeFunction('kql_series_fir', [VARCHAR, VARCHAR, INTEGER, BOOLEAN], VARCHAR, (x: string, f: string, normalize: number, center: boolean) => {
    const xs = numbers(x), fs = numbers(f);
    const y = xs && fs && fs.length ? fir(xs, fs, normalize, center) : null;
    return y ? json(y) : null;
  }),
  runtimeFunction('kql_series_fft', [VARCHAR, VARCHAR, BOOLEAN], VARCHAR, (re: string, im: string, inverse: boolean) => {
    const r = numbers(re), i = numbers(im);
    if (!r || !i || r.length > MAX_DFT || (i.length && i.length !== r.length)) return null;
    return json(dft(r, i, inverse));
  }),
];

/**
 * Weighted nearest-rank percentile (percentilesw-aggregation-function.md): each value counts as
 * many times as its weight; the answer is the smallest value whose cumulative weight reaches
 * ceil(p/100 × total weight) (at least 1). Rows with a null value or a weight ≤ 0 count for nothing.
 */
export function weightedPercentile(pairs: { v: number | null; w: number | null }[], p: number): number | null {
  const items = pairs.filter((x): x is { v: number; w: number } => x.v !== null && x.w !== null && x.w > 0).sort((a, b) => a.v - b.v);
  const total = items.reduce((s, x) => s + x.w, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let cum = 0;
  for (const x of items) {
    cum += x.w;
    if (cum >= rank) return x.v;
  }
  return items[items.length - 1]!.v;
}

SERIES_FUNCTIONS.push(
  runtimeFunction('kql_weighted_percentile', [VARCHAR, DOUBLE], DOUBLE, (json: string, p: number) => {
    try {
      return weightedPercentile(JSON.parse(json) as { v: number | null; w: number | null }[], p);
    } catch {
      return null;
    }
  }),
  runtimeFunction('kql_weighted_percentiles', [VARCHAR, VARCHAR], VARCHAR, (json: string, ps: string) => {
    try {
      const pairs = JSON.parse(json) as { v: number | null; w: number | null }[];
      return JSON.stringify((JSON.parse(ps) as number[]).map((p) => weightedPercentile(pairs, p)));
    } catch {
      return null;
    }
  }),
);

/** Elements as numbers, or null for non-numeric ones ("any non-numeric element … is ignored"). */
function numericOrNull(json: string): (number | null)[] | null {
  const v = numbers(json);
  return v && v.map((x) => (Number.isNaN(x) ? null : x));
}

function dot(a: (number | null)[], b: (number | null)[]): number {
  let s = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== null && b[i] !== null) s += a[i]! * b[i]!;
  return s;
}

/**
 * Least-squares polynomial of `degree` through (x, y) (x defaults to 1 … n), solved by the normal
 * equations with Gaussian elimination and partial pivoting; coefficients from the highest power.
 */
function fitPoly(y: number[], x: number[], degree: number) {
  const n = y.length;
  const m = degree + 1;
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (let i = 0; i < n; i++) {
    const pw = Array.from({ length: 2 * m - 1 }, (_, k) => x[i]! ** k);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) a[r]![c]! += pw[r + c]!;
      a[r]![m]! += pw[r]! * y[i]!;
    }
  }
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (p === 0) return null;
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / p;
      for (let c = col; c <= m; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const low = a.map((row, i) => row[m]! / row[i]!); // c0 … c_degree
  const poly_fit = x.map((xi) => low.reduce((s, c, k) => s + c * xi ** k, 0));
  const my = y.reduce((s, v) => s + v, 0) / n;
  const ss = y.reduce((s, v) => s + (v - my) ** 2, 0);
  const rs = y.reduce((s, v, i) => s + (v - poly_fit[i]!) ** 2, 0);
  const denom = Math.max(n - 1, 1);
  return { rsquare: ss === 0 ? 1 : 1 - rs / ss, coefficients: [...low].reverse(), variance: ss / denom, rvariance: rs / denom, poly_fit };
}

SERIES_FUNCTIONS.push(
  runtimeFunction('kql_series_dot_product', [VARCHAR, VARCHAR], DOUBLE, (a: string, b: string) => {
    const x = numericOrNull(a), y = numericOrNull(b);
    return x && y ? dot(x, y) : null;
  }),
  runtimeFunction('kql_series_cosine_similarity', [VARCHAR, VARCHAR, DOUBLE, DOUBLE], DOUBLE, (a: string, b: string, ma: number, mb: number) => {
    const x = numericOrNull(a), y = numericOrNull(b);
    if (!x || !y) return null;
    const n = Math.min(x.length, y.length);
    const xs = x.slice(0, n), ys = y.slice(0, n);
    const m1 = ma >= 0 ? ma : Math.sqrt(dot(xs, xs)), m2 = mb >= 0 ? mb : Math.sqrt(dot(ys, ys));
    return dot(xs, ys) / (m1 * m2);
  }),
  runtimeFunction('kql_series_magnitude', [VARCHAR], DOUBLE, (a: string) => {
    const x = numericOrNull(a);
    return x ? Math.sqrt(dot(x, x)) : null;
  }),
  runtimeFunction('kql_series_product', [VARCHAR], DOUBLE, (a: string) => {
    const x = numericOrNull(a);
    return x ? x.reduce<number>((p, v) => (v === null ? p : p * v), 1) : null;
  }),
  runtimeFunction('kql_series_fit_poly', [VARCHAR, VARCHAR, INTEGER], VARCHAR, (ys: string, xs: string, degree: number) => {
    const y = numbers(ys);
    if (!y || y.length === 0 || degree < 1 || degree > 16) return null;
    const x = xs === '' ? y.map((_, i) => i + 1) : numbers(xs);
    if (!x || x.length !== y.length) return null;
    const fit = fitPoly(y, x, degree);
    return fit ? json(fit) : null;
  }),
);
