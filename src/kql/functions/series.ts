/** series.ts — series_* functions over dynamic arrays. */
import { type ScalarFunction, type SqlArg } from '../bound.js';
import { isIntegral, type KqlType } from '../types.js';
import {
  as, isNullLit, anyScalar, fn, isDynamic, numericOrDyn, intLike, elems, fromElems, letSql, jsonText, numText, elemIsInt, elemNum, logSql,
} from './define.js';

// ───────────── series ─────────────

const numList = (d: string) => `list_transform(${elems(d)}, _e -> ${elemNum('_e')})`;
const numArray = (l: string) => fromElems(`list_transform(${l}, _v -> ${numText('_v')})`);

function seriesBinary(name: string, op: (x: string, y: string) => string, kind: 'int' | 'real' | 'bool'): ScalarFunction {
  return fn(name, [anyScalar, anyScalar], 0, 'dynamic', (a) => {
    const side = (x: SqlArg) => (x.type === 'dynamic'
      ? { list: `list_transform(${elems(x.sql)}, _e -> {'v': ${elemNum('_e')}, 'i': ${elemIsInt('_e')}})`, at: (l: string) => `${l}[_i + 1].v`, isInt: (l: string) => `coalesce(${l}[_i + 1].i, FALSE)`, len: (l: string) => `len(${l})` }
      : { list: `{'v': ${as(x, 'real')}, 'i': ${isIntegral(x.type) ? 'TRUE' : 'FALSE'}}`, at: (l: string) => `${l}.v`, isInt: (l: string) => `${l}.i`, len: () => '0' });
    const x = side(a[0]!), y = side(a[1]!);
    const range = `range(greatest(${x.len('_sx')}, ${y.len('_sy')}))`;
    const body = kind === 'bool'
      ? `list_transform(${range}, _i -> coalesce(CAST(${op(x.at('_sx'), y.at('_sy'))} AS VARCHAR), 'null'))`
      : `list_transform(${range}, _i -> ${numText(op(x.at('_sx'), y.at('_sy')), kind === 'int' ? `(${x.isInt('_sx')} AND ${y.isInt('_sy')})` : 'FALSE')})`;
    return letSql(x.list, '_sx', letSql(y.list, '_sy', fromElems(body)));
  });
}
function seriesUnary(name: string, f: (x: string) => string): ScalarFunction {
  return fn(name, [isDynamic], 0, 'dynamic', (a) => numArray(`list_transform(${numList(a[0]!.sql)}, _x -> ${f('_x')})`), 'dynamic');
}
/** series_fill_*: missing = JSON null (or the given placeholder). */
function fillSql(d: string, missing: SqlArg | undefined, kind: 'forward' | 'backward'): string {
  const miss = missing && !isNullLit(missing) ? `(_e = ${jsonText(missing)})` : `(_e = 'null')`;
  const l = `list_transform(${elems(d)}, _e -> CASE WHEN ${miss} THEN NULL ELSE _e END)`;
  const body = kind === 'forward'
    ? `list_transform(range(len(_fl)), _i -> coalesce(list_last(list_filter(list_slice(_fl, 1, _i + 1), _z -> _z IS NOT NULL)), 'null'))`
    : `list_transform(range(len(_fl)), _i -> coalesce(list_first(list_filter(list_slice(_fl, _i + 1, len(_fl)), _z -> _z IS NOT NULL)), 'null'))`;
  return `(CASE WHEN json_type(${d}) = 'ARRAY' THEN ${fromElems(letSql(l, '_fl', body))} END)`;
}

const STATS_OUTPUTS = [
  { key: 'min', type: 'real' }, { key: 'min_idx', type: 'long' }, { key: 'max', type: 'real' }, { key: 'max_idx', type: 'long' },
  { key: 'avg', type: 'real' }, { key: 'stdev', type: 'real' }, { key: 'variance', type: 'real' },
] as const;

const statsBag = (d: string) => letSql(`list_filter(${numList(d)}, _z -> _z IS NOT NULL)`, '_sv', `CAST(json_object(` +
  `'min', list_min(_sv), 'min_idx', list_position(${numList(d)}, list_min(_sv)) - 1, 'max', list_max(_sv), 'max_idx', list_position(${numList(d)}, list_max(_sv)) - 1, ` +
  `'avg', list_avg(_sv), 'stdev', list_stddev_samp(_sv), 'variance', list_var_samp(_sv), 'sum', list_sum(_sv), 'len', len(${elems(d)})) AS JSON)`);

export const SERIES_FUNCTIONS: ScalarFunction[] = [

  seriesBinary('series_add', (x, y) => `${x} + ${y}`, 'int'),
  seriesBinary('series_subtract', (x, y) => `${x} - ${y}`, 'int'),
  seriesBinary('series_multiply', (x, y) => `${x} * ${y}`, 'int'),
  seriesBinary('series_divide', (x, y) => `${x} / ${y}`, 'real'),
  seriesBinary('series_pow', (x, y) => `try(pow(${x}, ${y}))`, 'real'),
  seriesBinary('series_greater', (x, y) => `${x} > ${y}`, 'bool'),
  seriesBinary('series_greater_equals', (x, y) => `${x} >= ${y}`, 'bool'),
  seriesBinary('series_less', (x, y) => `${x} < ${y}`, 'bool'),
  seriesBinary('series_less_equals', (x, y) => `${x} <= ${y}`, 'bool'),
  seriesBinary('series_equals', (x, y) => `${x} = ${y}`, 'bool'),
  seriesBinary('series_not_equals', (x, y) => `${x} <> ${y}`, 'bool'),
  seriesUnary('series_abs', (x) => `abs(${x})`),
  seriesUnary('series_ceiling', (x) => `ceil(${x})`),
  seriesUnary('series_floor', (x) => `floor(${x})`),
  seriesUnary('series_sign', (x) => `CAST(sign(${x}) AS DOUBLE)`),
  seriesUnary('series_exp', (x) => `exp(${x})`),
  seriesUnary('series_log', logSql('ln')),
  seriesUnary('series_sin', (x) => `sin(${x})`),
  seriesUnary('series_cos', (x) => `cos(${x})`),
  seriesUnary('series_tan', (x) => `tan(${x})`),
  fn('series_sum', [isDynamic], 0, 'real', (a) => `CAST(coalesce(list_sum(${numList(a[0]!.sql)}), 0) AS DOUBLE)`, 'dynamic'),
  fn('series_stats_dynamic', [isDynamic, anyScalar], 1, 'dynamic', (a) => statsBag(a[0]!.sql), 'dynamic'),
  // several columns: series_stats_x_min, …_min_idx, …_max, …_max_idx, …_avg, …_stdev, …_variance (series-stats-function.md)
  { ...fn('series_stats', [isDynamic, anyScalar], 1, 'dynamic', (a) => statsBag(a[0]!.sql), 'dynamic'), outputs: STATS_OUTPUTS },
  fn('series_fill_forward', [isDynamic, anyScalar], 1, 'dynamic', (a) => fillSql(a[0]!.sql, a[1], 'forward'), 'dynamic'),
  fn('series_fill_backward', [isDynamic, anyScalar], 1, 'dynamic', (a) => fillSql(a[0]!.sql, a[1], 'backward'), 'dynamic'),
  fn('series_fill_const', [isDynamic, anyScalar, anyScalar], 1, 'dynamic', (a) => {
    const miss = a[2] && !isNullLit(a[2]) ? `(_e = ${jsonText(a[2])})` : `(_e = 'null')`;
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${fromElems(`list_transform(${elems(a[0]!.sql)}, _e -> CASE WHEN ${miss} THEN ${jsonText(a[1]!)} ELSE _e END)`)} END)`;
  }, 'dynamic'),
  // series_fill_linear(series [, missing [, fill_edges = true [, constant = 0]]]) (series-fill-linear-function.md):
  // interpolates between known values; the edges take the nearest known value unless fill_edges is
  // false; an array of only missing values is filled with the constant (kept when it is null); an
  // array of only integers gives integers (the interpolation truncated, as the docs' example shows)
  fn('series_fill_linear', [isDynamic, anyScalar, anyScalar, anyScalar], 3, 'dynamic', (a) => {
    const miss = a[1] && !isNullLit(a[1]) ? `(_e = ${jsonText(a[1])})` : `(_e = 'null')`;
    const edges = a[2] ? `coalesce(${as(a[2], 'bool')}, TRUE)` : 'TRUE';
    const constant = a[3] ? as(a[3], 'real') : '0.0';
    const vals = `list_transform(${elems(a[0]!.sql)}, _e -> CASE WHEN ${miss} THEN NULL ELSE ${elemNum('_e')} END)`;
    const ints = `len(list_filter(${elems(a[0]!.sql)}, _e -> NOT ${miss} AND NOT ${elemIsInt('_e')})) = 0`;
    // index of previous / next known value; interpolate between them, the edges from the nearest one
    const prev = `list_last(list_filter(range(_i + 1), _j -> _lv[_j + 1] IS NOT NULL))`;
    const next = `list_first(list_filter(range(_i, len(_lv)), _j -> _lv[_j + 1] IS NOT NULL))`;
    const interp = letSql(prev, '_p', letSql(next, '_n', `CASE WHEN _p IS NULL AND _n IS NULL THEN ${constant} WHEN _p IS NULL THEN (CASE WHEN ${edges} THEN _lv[_n + 1] END) WHEN _n IS NULL THEN (CASE WHEN ${edges} THEN _lv[_p + 1] END) WHEN _p = _n THEN _lv[_p + 1] ELSE _lv[_p + 1] + (_lv[_n + 1] - _lv[_p + 1]) * (_i - _p) / (_n - _p) END`));
    const body = `list_transform(range(len(_lv)), _i -> CASE WHEN _lv[_i + 1] IS NOT NULL THEN _lv[_i + 1] ELSE ${interp} END)`;
    const anyKnown = `len(list_filter(_lv, _x -> _x IS NOT NULL)) > 0`;
    const asInts = fromElems(`list_transform(_r, _v -> ${numText('trunc(_v)', 'TRUE')})`);
    return `(CASE WHEN json_type(${a[0]!.sql}) = 'ARRAY' THEN ${letSql(vals, '_lv', letSql(body, '_r', `CASE WHEN ${anyKnown} AND ${ints} THEN ${asInts} ELSE ${numArray('_r')} END`))} END)`;
  }, 'dynamic'),
];

// ───────────── computed by the KQL runtime (src/kql/runtime/series.ts) ─────────────

const LINE_OUTPUTS = [
  { key: 'rsquare', type: 'real' }, { key: 'slope', type: 'real' }, { key: 'variance', type: 'real' },
  { key: 'rvariance', type: 'real' }, { key: 'interception', type: 'real' }, { key: 'line_fit', type: 'dynamic' },
] as const;
const TWO_LINES_OUTPUTS = [
  { key: 'rsquare', type: 'real' }, { key: 'split_idx', type: 'int' }, { key: 'variance', type: 'real' }, { key: 'rvariance', type: 'real' },
  { key: 'line_fit', type: 'dynamic' }, { key: 'right_rsquare', type: 'real' }, { key: 'right_slope', type: 'real' },
  { key: 'right_interception', type: 'real' }, { key: 'right_variance', type: 'real' }, { key: 'right_rvariance', type: 'real' },
  { key: 'left_rsquare', type: 'real' }, { key: 'left_slope', type: 'real' }, { key: 'left_interception', type: 'real' },
  { key: 'left_variance', type: 'real' }, { key: 'left_rvariance', type: 'real' },
] as const;
const FFT_OUTPUTS = [{ key: 'real', type: 'dynamic' }, { key: 'imag', type: 'dynamic' }] as const;

const arrayText = (a: SqlArg) => `CAST(${a.sql} AS VARCHAR)`;
const runtime = (call: string) => `CAST(${call} AS JSON)`;
const isBool = (t: KqlType) => t === 'bool';

SERIES_FUNCTIONS.push(
  { ...fn('series_fit_line', [isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_fit_line(${arrayText(a[0]!)})`), 'dynamic'), outputs: LINE_OUTPUTS },
  fn('series_fit_line_dynamic', [isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_fit_line(${arrayText(a[0]!)})`), 'dynamic'),
  { ...fn('series_fit_2lines', [isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_fit_2lines(${arrayText(a[0]!)})`), 'dynamic'), outputs: TWO_LINES_OUTPUTS },
  fn('series_fit_2lines_dynamic', [isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_fit_2lines(${arrayText(a[0]!)})`), 'dynamic'),
  fn('series_pearson_correlation', [isDynamic, isDynamic], 0, 'real', (a) => `kql_series_pearson_correlation(${arrayText(a[0]!)}, ${arrayText(a[1]!)})`, 'dynamic'),
  fn('series_iir', [isDynamic, isDynamic, isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_iir(${a.map(arrayText).join(', ')})`), 'dynamic'),
  fn('series_fir', [isDynamic, isDynamic, isBool, isBool], 2, 'dynamic', (a) =>
    runtime(`kql_series_fir(${arrayText(a[0]!)}, ${arrayText(a[1]!)}, ${a[2] ? `CAST(${a[2].sql} AS INTEGER)` : 'CAST(-1 AS INTEGER)'}, ${a[3] ? a[3].sql : 'FALSE'})`), 'dynamic or bool'),
  { ...fn('series_fft', [isDynamic, isDynamic], 1, 'dynamic', (a) => runtime(`kql_series_fft(${arrayText(a[0]!)}, ${a[1] ? arrayText(a[1]) : "'[]'"}, FALSE)`), 'dynamic'), outputs: FFT_OUTPUTS },
  { ...fn('series_ifft', [isDynamic, isDynamic], 0, 'dynamic', (a) => runtime(`kql_series_fft(${arrayText(a[0]!)}, ${arrayText(a[1]!)}, TRUE)`), 'dynamic'), outputs: FFT_OUTPUTS },
);

const POLY_OUTPUTS = [
  { key: 'rsquare', type: 'real' }, { key: 'coefficients', type: 'dynamic' }, { key: 'variance', type: 'real' },
  { key: 'rvariance', type: 'real' }, { key: 'poly_fit', type: 'dynamic' },
] as const;
/** A dynamic array argument, or a number repeated to the other argument's length (series_dot_product(series, n)). */
const seriesOrScalar = (a: SqlArg, other: SqlArg) => (a.type === 'dynamic' ? arrayText(a)
  : `CAST(to_json(list_transform(range(CAST(greatest(coalesce(json_array_length(${other.type === 'dynamic' ? other.sql : "'[]'"}), 0), 1) AS BIGINT)), _i -> ${as(a, 'real')})) AS VARCHAR)`);

SERIES_FUNCTIONS.push(
  seriesUnary('series_acos', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN acos(${x}) ELSE CAST('NaN' AS DOUBLE) END)`),
  seriesUnary('series_asin', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN asin(${x}) ELSE CAST('NaN' AS DOUBLE) END)`),
  seriesUnary('series_atan', (x) => `atan(${x})`),
  fn('series_dot_product', [anyScalar, anyScalar], 0, 'real', (a) => `kql_series_dot_product(${seriesOrScalar(a[0]!, a[1]!)}, ${seriesOrScalar(a[1]!, a[0]!)})`),
  fn('series_cosine_similarity', [isDynamic, isDynamic, numericOrDyn, numericOrDyn], 2, 'real', (a) =>
    `kql_series_cosine_similarity(${arrayText(a[0]!)}, ${arrayText(a[1]!)}, ${a[2] ? as(a[2], 'real') : 'CAST(-1 AS DOUBLE)'}, ${a[3] ? as(a[3], 'real') : 'CAST(-1 AS DOUBLE)'})`, 'dynamic'),
  fn('series_magnitude', [isDynamic], 0, 'real', (a) => `kql_series_magnitude(${arrayText(a[0]!)})`, 'dynamic'),
  fn('series_product', [isDynamic], 0, 'real', (a) => `kql_series_product(${arrayText(a[0]!)})`, 'dynamic'),
  { ...fn('series_fit_poly', [isDynamic, isDynamic, intLike], 2, 'dynamic', (a) =>
    runtime(`kql_series_fit_poly(${arrayText(a[0]!)}, ${a[1] && !isNullLit(a[1]) ? arrayText(a[1]) : "''"}, ${a[2] ? `CAST(${as(a[2], 'long')} AS INTEGER)` : 'CAST(1 AS INTEGER)'})`), 'dynamic'), outputs: POLY_OUTPUTS },
);

// ───────────── decomposition, outliers, periods (runtime/decompose.ts) ─────────────

const DECOMPOSE_OUTPUTS = [{ key: 'baseline', type: 'dynamic' }, { key: 'seasonal', type: 'dynamic' }, { key: 'trend', type: 'dynamic' }, { key: 'residual', type: 'dynamic' }] as const;
const ANOMALY_OUTPUTS = [{ key: 'ad_flag', type: 'dynamic' }, { key: 'ad_score', type: 'dynamic' }, { key: 'baseline', type: 'dynamic' }] as const;
const PERIODS_OUTPUTS = [{ key: 'periods', type: 'dynamic' }, { key: 'scores', type: 'dynamic' }] as const;
const isStringArg = (t: KqlType) => t === 'string';
/** An optional argument as SQL of `t`, its default when absent or null (runtime functions are not called with NULL). */
const opt = (a: SqlArg | undefined, t: KqlType, dflt: string, sqlT: string) => `CAST(coalesce(${a && !isNullLit(a) ? as(a, t) : 'NULL'}, ${dflt}) AS ${sqlT})`;
const season = (a: SqlArg | undefined) => opt(a, 'long', '-1', 'INTEGER');
const trendArg = (a: SqlArg | undefined) => opt(a, 'string', "'avg'", 'VARCHAR');
const thresholdArg = (a: SqlArg | undefined) => opt(a, 'real', '0.6', 'DOUBLE');

SERIES_FUNCTIONS.push(
  fn('series_outliers', [isDynamic, isStringArg, numericOrDyn, numericOrDyn, numericOrDyn], 4, 'dynamic', (a) =>
    runtime(`kql_series_outliers(${arrayText(a[0]!)}, ${opt(a[1], 'string', "'ctukey'", 'VARCHAR')}, ${opt(a[2], 'real', "'NaN'", 'DOUBLE')}, ${opt(a[3], 'real', '10', 'DOUBLE')}, ${opt(a[4], 'real', '90', 'DOUBLE')})`), 'dynamic'),
  { ...fn('series_decompose', [isDynamic, intLike, isStringArg, intLike, numericOrDyn], 4, 'dynamic', (a) =>
    runtime(`kql_series_decompose(${arrayText(a[0]!)}, ${season(a[1])}, ${trendArg(a[2])}, ${opt(a[3], 'long', '0', 'INTEGER')}, ${thresholdArg(a[4])})`), 'dynamic'), outputs: DECOMPOSE_OUTPUTS },
  { ...fn('series_decompose_anomalies', [isDynamic, numericOrDyn, intLike, isStringArg, intLike, isStringArg, numericOrDyn], 6, 'dynamic', (a) =>
    runtime(`kql_series_decompose_anomalies(${arrayText(a[0]!)}, ${opt(a[1], 'real', '1.5', 'DOUBLE')}, ${season(a[2])}, ${trendArg(a[3])}, ${opt(a[4], 'long', '0', 'INTEGER')}, ${opt(a[5], 'string', "'ctukey'", 'VARCHAR')}, ${thresholdArg(a[6])})`), 'dynamic'), outputs: ANOMALY_OUTPUTS },
  fn('series_seasonal', [isDynamic, intLike], 1, 'dynamic', (a) => runtime(`kql_series_seasonal(${arrayText(a[0]!)}, ${season(a[1])})`), 'dynamic'),
  fn('series_decompose_forecast', [isDynamic, intLike, intLike, isStringArg, numericOrDyn], 3, 'dynamic', (a) =>
    runtime(`kql_series_decompose_forecast(${arrayText(a[0]!)}, ${opt(a[1], 'long', '0', 'INTEGER')}, ${season(a[2])}, ${trendArg(a[3])}, ${thresholdArg(a[4])})`), 'dynamic'),
  { ...fn('series_periods_detect', [isDynamic, numericOrDyn, numericOrDyn, intLike], 0, 'dynamic', (a) =>
    runtime(`kql_series_periods_detect(${arrayText(a[0]!)}, ${as(a[1]!, 'real')}, ${as(a[2]!, 'real')}, CAST(${as(a[3]!, 'long')} AS INTEGER))`), 'dynamic'), outputs: PERIODS_OUTPUTS },
  { ...fn('series_periods_validate', [isDynamic, ...Array.from({ length: 16 }, () => numericOrDyn)], 15, 'dynamic', (a) =>
    runtime(`kql_series_periods_validate(${arrayText(a[0]!)}, CAST(to_json([${a.slice(1).map((p) => as(p, 'real')).join(', ')}]) AS VARCHAR))`), 'dynamic'), outputs: PERIODS_OUTPUTS },
);
