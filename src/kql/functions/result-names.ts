/**
 * result-names.ts — the name Kusto gives the column of an unnamed expression (`project strlen(Level)` →
 * `strlen_Level`, `summarize avg(x * 2)` → `avg_`), as Kusto.Language's Binder.GetExpressionResultName and
 * GetFunctionResultName compute it: a column keeps its name, `a.b[0]` becomes `a_b_0`, and a call is named
 * by its function's result-name rule (the table below, Kusto.Language's `ResultNameKind` of each function);
 * an aggregate is named as summarize names it; anything else has no name (the caller falls back to ColumnN, or to `prefix_` for an aggregate).
 */
import type { BoundExpr } from '../bound.js';

type ResultNameRule =
  /** `<prefix>_<first argument's name>` (strlen(Level) → strlen_Level; gettype(x) → type_x) */
  | { kind: 'prefixAndFirst'; prefix: string }
  /** the first argument's name (tostring(Id) → Id) */
  | { kind: 'firstArgument' }
  /** the only argument's name, when there is exactly one (make_timespan(x) → x) */
  | { kind: 'onlyArgument' }
  /** the first argument's name and a suffix, when it has a name (array_sort_asc(x) → x_sorted) */
  | { kind: 'firstArgumentAndSuffix'; suffix: string };

const FIRST: ResultNameRule = { kind: 'firstArgument' };
const named = (prefix: string): ResultNameRule => ({ kind: 'prefixAndFirst', prefix });

/** Scalar functions whose unnamed result takes a name (every other function: ColumnN). */
const SCALAR_RULES: ReadonlyMap<string, ResultNameRule> = new Map<string, ResultNameRule>([
  ...['strlen', 'string_size', 'dcount_hll', 'percentile_tdigest'].map((n) => [n, named(n)] as const),
  ['gettype', named('type')],
  ['treepath', named('tree')],
  ['repeat', named('repeat')],
  ['percentiles_array_tdigest', named('percentile_tdigest')],
  ['make_datetime', { kind: 'onlyArgument' }],
  ['array_sort_asc', { kind: 'firstArgumentAndSuffix', suffix: '_sorted' }],
  ['array_sort_desc', { kind: 'firstArgumentAndSuffix', suffix: '_sorted' }],
  ['make_timespan', { kind: 'onlyArgument' }],
  ...[
    'split', 'tostring', 'tohex', 'todynamic', 'toobject', 'tolong', 'toint', 'toreal', 'todouble', 'todatetime', 'totimespan',
    'totime', 'tobool', 'toboolean', 'todecimal', 'toguid', 'parse_csv', 'parsejson', 'parse_json', 'parse_xml', 'format_datetime',
    'format_timespan', 'startofday', 'bin', 'floor', 'bin_at', 'bin_auto', 'binary_and', 'binary_or', 'binary_xor', 'binary_not',
    'binary_shift_right', 'binary_shift_left', 'bitset_count_ones', 'series_fir', 'series_outliers', 'series_iir',
    'series_fill_backward', 'series_fill_forward', 'series_fill_const', 'series_fill_linear', 'round', 'ceiling', 'pow', 'sqrt',
    'log', 'log2', 'log10', 'exp', 'exp2', 'exp10', 'cos', 'sin', 'tan', 'acos', 'asin', 'atan', 'atan2', 'abs', 'rand', 'gamma',
    'loggamma', 'erf', 'erfc', 'format_bytes',
  ].map((n) => [n, FIRST] as const),
]);

/** The name of an unnamed expression's column, or undefined when Kusto gives it none. */
export function expressionResultName(e: BoundExpr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.k === 'col') return e.name;
  if (e.k === 'path') {
    let name = expressionResultName(e.target);
    for (const s of e.steps) {
      // a selector names itself when it is a property name or a literal index (a negative index is an expression: no name)
      const part = typeof s === 'string' ? s : typeof s === 'number' && s >= 0 ? String(s) : '';
      name = name ? `${name}_${part}` : part;
    }
    return name;
  }
  if (e.k === 'call') {
    const rule = SCALAR_RULES.get(e.fn.name);
    if (!rule) return undefined;
    if (rule.kind === 'firstArgument') return e.args.length > 0 ? expressionResultName(e.args[0]) : undefined;
    if (rule.kind === 'onlyArgument') return e.args.length === 1 ? expressionResultName(e.args[0]) : undefined;
    if (rule.kind === 'firstArgumentAndSuffix') {
      const first = expressionResultName(e.args[0]);
      return first ? first + rule.suffix : undefined;
    }
    return `${rule.prefix}_${e.args.length > 0 ? (expressionResultName(e.args[0]) ?? '') : ''}`;
  }
  // an aggregate inside an expression lends its own automatic name (tostring(make_set(x)) → set_x)
  if (e.k === 'agg') return e.fn.defaultName(e.args);
  return undefined;
}
