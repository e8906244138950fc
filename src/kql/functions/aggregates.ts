/** aggregates.ts — summarize aggregates (count, sum, percentiles, make_list, dcount, …). */
import { type AggregateFunction, type ArgInfo, type BoundExpr, type EmitContext, type ScalarFunction, type SqlArg } from '../bound.js';
import { literalSql, toDynamicSql, toStringSql } from '../sqlexpr.js';
import { EPOCH_TICKS } from '../datetime-sql.js';
import { sqlString } from '../sql.js';
import { isIntegral, isNumeric, sqlType as sqlTypeOf, type KqlType } from '../types.js';
import { fail, as, notDynamic, fn, isDynamic, intLike, constArray, fromElems, letSql, numText } from './define.js';
import { asMap } from './dynamic.js';
import { expressionResultName } from './result-names.js';

// ───────────── aggregates ─────────────

interface AggSpec {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** prefix of the automatic column name (defaults to the function name) */
  prefix?: string;
  /** Output named after the column it reads (take_any(State) → State), as Kusto does; the prefix only for expressions. */
  keepsName?: boolean;
  /** the automatic name includes the columns of this many arguments (covariance(x, y) → covariance_x_y) */
  namedArgs?: number;
  bind(args: ArgInfo[]): KqlType;
  /** `f` is the aggregate's FILTER clause (`''` or ` FILTER (WHERE …)`), placed after every aggregate call it makes. */
  emit(args: SqlArg[], f: string): string;
  /** index of a predicate argument (…if aggregates) — emitted as FILTER (WHERE …) */
  predicateArg?: number;
}

/**
 * The FILTER clause of an aggregate call: its own predicate (…if variants) and the row filter its
 * context asks for (pivot: the rows of one pivot value), both SQL built from bound expressions.
 */
export function filterClause(predicates: string[], ctx: EmitContext): string {
  const all = ctx.aggregateFilter === undefined ? predicates : [...predicates, ctx.aggregateFilter];
  return all.length === 0 ? '' : ` FILTER (WHERE ${all.map((p) => `(${p})`).join(' AND ')})`;
}

function aggregate(spec: AggSpec): AggregateFunction {
  return {
    name: spec.name,
    minArgs: spec.minArgs,
    maxArgs: spec.maxArgs,
    honorsFilter: true,
    bind(args) {
      if (spec.predicateArg !== undefined) {
        const p = args[spec.predicateArg];
        if (p && p.type !== 'bool' && p.type !== 'dynamic') fail(`${spec.name}(): the predicate must be bool, got '${p.type}'`, spec.predicateArg);
      }
      return spec.bind(args);
    },
    emit(args, ctx) {
      if (spec.predicateArg === undefined) return spec.emit(args, filterClause([], ctx));
      const pred = as(args[spec.predicateArg]!, 'bool');
      const rest = args.filter((_, i) => i !== spec.predicateArg);
      return spec.emit(rest, filterClause([pred], ctx));
    },
    defaultName(args) {
      const prefix = spec.prefix ?? spec.name;
      if (spec.namedArgs) return [prefix, ...args.slice(0, spec.namedArgs).map((a) => expressionResultName(a) ?? '')].join('_');
      const col = expressionResultName(args[0]);
      if (spec.keepsName && col) return col;
      return prefix + '_' + (col ?? '');
    },
  };
}

const sumType = (t: KqlType): KqlType => (t === 'int' || t === 'long' ? 'long' : t === 'timespan' ? 'timespan' : t === 'decimal' ? 'decimal' : 'real');
/**
 * sum()/sumif(): 0 over no rows or only nulls — "Default values of aggregations" in
 * summarize-operator.md (sum, sumif, variance, stdev… default to 0).
 */
function sumSql(a: SqlArg, f: string): string {
  const t = sumType(a.type);
  const x = a.type === 'dynamic' ? as(a, 'real') : a.sql;
  if (t === 'long' || t === 'timespan') return `coalesce(CAST(sum(${x})${f} AS BIGINT), 0)`;
  if (t === 'decimal') return `coalesce(CAST(sum(${x})${f} AS DECIMAL(38,18)), CAST(0 AS DECIMAL(38,18)))`;
  return `coalesce(CAST(sum(${x})${f} AS DOUBLE), CAST(0 AS DOUBLE))`;
}
/** avg()/avgif() of reals: NaN over no rows or only nulls ("The result of avg_x(x) is NaN due to dividing by 0", summarize-operator.md). */
function avgSql(a: SqlArg, f: string): string {
  if (a.type === 'timespan') return `CAST(avg(${a.sql})${f} AS BIGINT)`;
  return `coalesce(avg(${as(a, 'real')})${f}, CAST('NaN' AS DOUBLE))`;
}
/** variance()/stdev() (and their -if forms): 0 over fewer than two values (summarize-operator.md's defaults). */
const zeroIfNull = (sql: string) => `coalesce(${sql}, CAST(0 AS DOUBLE))`;
function minMaxSql(fn: 'min' | 'max', a: SqlArg, f: string): string {
  const sql = `${fn}(${a.sql})${f}`;
  return a.type === 'string' ? `coalesce(${sql}, '')` : sql;
}
const summable = (t: KqlType) => isNumeric(t) || t === 'timespan' || t === 'dynamic';
function requireArg(name: string, pred: (t: KqlType) => boolean, what: string) {
  return (args: ArgInfo[]) => {
    if (!pred(args[0]!.type)) fail(`${name}(): expects ${what}, got '${args[0]!.type}'`, 0);
  };
}

const AGG_SPECS: AggSpec[] = [
  // count(x) counts every record, nulls included ("The standard count function includes null values in its count", summarize-operator.md).
  { name: 'count', minArgs: 0, maxArgs: 1, bind: () => 'long', emit: (_a, f) => `count(*)${f}` },
  { name: 'countif', minArgs: 1, maxArgs: 1, predicateArg: 0, bind: () => 'long', emit: (_a, f) => `count(*)${f}` },
  { name: 'sum', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('sum', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a, f) => sumSql(a[0]!, f) },
  { name: 'sumif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('sumif', summable, 'a numeric or timespan value')(a), sumType(a[0]!.type)), emit: (a, f) => sumSql(a[0]!, f) },
  { name: 'avg', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('avg', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a, f) => avgSql(a[0]!, f) },
  { name: 'avgif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('avgif', summable, 'a numeric or timespan value')(a), a[0]!.type === 'timespan' ? 'timespan' : 'real'), emit: (a, f) => avgSql(a[0]!, f) },
  { name: 'min', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('min', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('min', a[0]!, f) },
  { name: 'max', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('max', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('max', a[0]!, f) },
  { name: 'minif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('minif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('min', a[0]!, f) },
  { name: 'maxif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: (a) => (requireArg('maxif', notDynamic, 'a scalar value')(a), a[0]!.type), emit: (a, f) => minMaxSql('max', a[0]!, f) },
  // dcount is exact here (Kusto's is an estimate; exact is within its error bounds)
  { name: 'dcount', minArgs: 1, maxArgs: 2, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'dcountif', minArgs: 2, maxArgs: 3, predicateArg: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'take_any', minArgs: 1, maxArgs: 1, prefix: 'any', keepsName: true, bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'any', minArgs: 1, maxArgs: 1, prefix: 'any', bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'take_anyif', minArgs: 2, maxArgs: 2, prefix: 'any', keepsName: true, predicateArg: 1, bind: (a) => a[0]!.type, emit: (a, f) => (a[0]!.type === 'string' ? `coalesce(any_value(${a[0]!.sql})${f}, '')` : `any_value(${a[0]!.sql})${f}`) },
  { name: 'make_list', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => `coalesce(CAST(to_json(list_filter(list(${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${f}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'make_set', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => `coalesce(CAST(to_json(list_filter(list(DISTINCT ${toDynamicSql(a[0]!.sql, a[0]!.type, false)})${f}, v -> v IS NOT NULL AND CAST(v AS VARCHAR) <> 'null')) AS JSON), CAST('[]' AS JSON))` },
  { name: 'stdev', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`stddev_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'stdevp', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => `stddev_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'variance', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`var_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'variancep', minArgs: 1, maxArgs: 1, bind: () => 'real', emit: (a, f) => `var_pop(${as(a[0]!, 'real')})${f}` },
];

// ───────────── more aggregates ─────────────

/** make_list / make_set family: JSON array of the (non-null) values, optionally capped at max_size. */
function listAggSql(a: SqlArg[], f: string, distinct: boolean, keepNulls: boolean): string {
  const v = toDynamicSql(a[0]!.sql, a[0]!.type, false);
  let l = `list(${distinct ? 'DISTINCT ' : ''}${keepNulls ? `coalesce(${v}, CAST('null' AS JSON))` : v})${f}`;
  // A dynamic array adds its elements, not itself ("Set from array column", make-set-aggregation-function.md).
  if (a[0]!.type === 'dynamic' && !keepNulls) {
    l = `flatten(list_transform(${l}, _a -> CASE WHEN json_type(_a) = 'ARRAY' THEN CAST(_a AS JSON[]) ELSE [_a] END))`;
    if (distinct) l = `list_distinct(${l})`;
  }
  if (!keepNulls) l = `list_filter(${l}, _v -> _v IS NOT NULL AND CAST(_v AS VARCHAR) <> 'null')`;
  if (a[1]) l = `list_slice(${l}, 1, ${as(a[1], 'long')})`;
  return `coalesce(CAST(to_json(${l}) AS JSON), CAST('[]' AS JSON))`;
}
function bagAggSql(a: SqlArg[], f: string): string {
  const maps = `list_filter(list(${asMap(a[0]!.sql)})${f}, _m -> _m IS NOT NULL)`;
  // A key keeps the value of the first bag that has it.
  let entries = `map_entries(list_reduce(list_concat([CAST(MAP() AS MAP(VARCHAR, JSON))], ${maps}), (_x, _y) -> map_concat(_x, map_from_entries(list_filter(map_entries(_y), _e -> NOT list_contains(map_keys(_x), _e.key))))))`;
  if (a[1]) entries = `list_slice(${entries}, 1, ${as(a[1], 'long')})`;
  return `CAST(to_json(map_from_entries(${entries})) AS JSON)`;
}
/** Values of a list of x's type rendered as a JSON array (datetimes/timespans as their Kusto text). */
function typedListJson(l: string, t: KqlType): string {
  if (t === 'datetime' || t === 'timespan') return fromElems(`list_transform(${l}, _v -> CAST(to_json(${toStringSql('_v', t)}) AS VARCHAR))`);
  if (t === 'real') return fromElems(`list_transform(${l}, _v -> ${numText('_v')})`);
  return `CAST(to_json(${l}) AS JSON)`;
}
/** Constant percentiles of percentiles()/percentiles_array(): numbers, or one dynamic array of numbers. */
function percentileList(args: ArgInfo[] | SqlArg[], from: number, fnName: string): number[] {
  const ps: number[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    const arr = constArray(a);
    if (arr) { arr.forEach((v) => ps.push(Number(v))); continue; }
    if (!a.literal || a.literal.value === null || !isNumeric(a.type)) fail(`${fnName}(): the percentiles must be numeric constants`, i);
    ps.push(Number(a.literal.value));
  }
  ps.forEach((p) => { if (!(p >= 0 && p <= 100)) fail(`${fnName}(): the percentile must be between 0 and 100`); });
  return ps;
}
/** One [x, p] argument list per constant percentile (p keeps its literal when given as a number). */
function percentileSplit(args: ArgInfo[], fnName: string, from = 1): BoundExpr[][] {
  const ps = percentileList(args, from, fnName);
  const lits: BoundExpr[] = [];
  for (let i = from; i < args.length; i++) {
    const a = args[i]!;
    const arr = constArray(a);
    if (arr) arr.forEach((v) => lits.push({ k: 'lit', type: 'real', value: Number(v) }));
    else lits.push(a.literal!);
  }
  if (lits.length !== ps.length) fail(`${fnName}(): the percentiles must be numeric constants`);
  return lits.map((l) => [...args.slice(0, from).map((a) => a.expr), l]);
}
const percentileValueType = (t: KqlType): KqlType => (t === 'int' ? 'long' : t);
function requirePercentileInput(args: ArgInfo[], fnName: string): void {
  const t = args[0]!.type;
  if (!isNumeric(t) && t !== 'timespan' && t !== 'datetime') fail(`${fnName}(): expects a numeric, datetime or timespan value`, 0);
}

/** HLL state: a k-minimum-values sketch — the K smallest distinct 52-bit hashes, as a JSON array. */
export const KMV_K = 4096;
const hash52 = (a: SqlArg) => `(CASE WHEN ${a.sql} IS NOT NULL THEN (hash(${a.type === 'dynamic' ? `CAST(${a.sql} AS VARCHAR)` : a.sql}) >> 12) END)`;
const kmvJson = (l: string) => `CAST(to_json(list_slice(list_sort(list_filter(${l}, _h -> _h IS NOT NULL)), 1, ${KMV_K})) AS JSON)`;
function dcountHllSql(h: string): string {
  return letSql(`TRY_CAST(${h} AS UBIGINT[])`, '_k', `CASE WHEN _k IS NULL THEN NULL WHEN len(_k) < ${KMV_K} THEN CAST(len(_k) AS BIGINT) ELSE CAST(round((${KMV_K} - 1) / (CAST(_k[${KMV_K}] AS DOUBLE) / 4503599627370496.0)) AS BIGINT) END`);
}

/**
 * tdigest(x [, w]) / tdigest_merge(d): the state runtime/tdigest.ts keeps ([[type], values, weights]);
 * values travel as doubles (datetimes as µs since the Unix epoch — a double holds those exactly, not
 * the ticks since 0001 —, timespans as ticks).
 */
const TDIGEST_TYPE: Partial<Record<KqlType, number>> = { int: 7, long: 7, real: 3, decimal: 3, datetime: 5, timespan: 6 };
function digestValue(a: SqlArg): string {
  if (a.type === 'datetime') return `(CAST(${a.sql} - ${EPOCH_TICKS} AS DOUBLE) / 10.0)`;
  if (a.type === 'timespan') return `CAST(${a.sql} AS DOUBLE)`;
  return `CAST(${as(a, 'real')} AS DOUBLE)`;
}
const tdigestState = (a: SqlArg[], f: string) =>
  `CAST(kql_tdigest(CAST(to_json(list(struct_pack(v := ${digestValue(a[0]!)}, w := ${a[1] ? `CAST(${as(a[1], 'long')} AS DOUBLE)` : 'CAST(1 AS DOUBLE)'}))${f}) AS VARCHAR), CAST(${TDIGEST_TYPE[a[0]!.type]} AS INTEGER)) AS JSON)`;

const AGG_EXTRAS: AggSpec[] = [
  {
    name: 'tdigest', minArgs: 1, maxArgs: 2,
    bind(a) {
      if (TDIGEST_TYPE[a[0]!.type] === undefined) fail(`tdigest(): expects a numeric, datetime or timespan value, got '${a[0]!.type}'`, 0);
      if (a[1] && !isIntegral(a[1].type)) fail('tdigest(): the weight must be an integer', 1);
      return 'dynamic';
    },
    emit: (a, f) => tdigestState(a, f),
  },
  {
    name: 'tdigest_merge', minArgs: 1, maxArgs: 1, prefix: 'merge_tdigests',
    bind: (a) => (requireArg('tdigest_merge', isDynamic, 'a tdigest() value')(a), 'dynamic'),
    emit: (a, f) => `CAST(kql_tdigest_merge(CAST(to_json(list(${a[0]!.sql})${f}) AS VARCHAR)) AS JSON)`,
  },
  { name: 'make_list', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  // buildschema-aggregation-function.md: computed over the group's values by the runtime (src/kql/runtime/buildschema.ts)
  {
    name: 'buildschema', minArgs: 1, maxArgs: 1, prefix: 'schema',
    bind: (a) => (requireArg('buildschema', isDynamic, 'dynamic')(a), 'dynamic'),
    emit: (a, f) => `CAST(kql_buildschema(CAST(to_json(list(${a[0]!.sql})${f}) AS VARCHAR)) AS JSON)`,
  },
  { name: 'makelist', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  { name: 'make_list_if', minArgs: 2, maxArgs: 3, prefix: 'list', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, false) },
  { name: 'make_list_with_nulls', minArgs: 1, maxArgs: 2, prefix: 'list', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, false, true) },
  { name: 'make_set', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'makeset', minArgs: 1, maxArgs: 2, prefix: 'set', bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'make_set_if', minArgs: 2, maxArgs: 3, prefix: 'set', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => listAggSql(a, f, true, false) },
  { name: 'make_bag', minArgs: 1, maxArgs: 2, prefix: 'bag', bind: (a) => (requireArg('make_bag', isDynamic, 'a dynamic property bag')(a), 'dynamic'), emit: bagAggSql },
  { name: 'make_bag_if', minArgs: 2, maxArgs: 3, prefix: 'bag', predicateArg: 1, bind: (a) => (requireArg('make_bag_if', isDynamic, 'a dynamic property bag')(a), 'dynamic'), emit: bagAggSql },
  { name: 'stdevif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`stddev_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'stdevpif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => `stddev_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'varianceif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => zeroIfNull(`var_samp(${as(a[0]!, 'real')})${f}`) },
  { name: 'variancepif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'real', emit: (a, f) => `var_pop(${as(a[0]!, 'real')})${f}` },
  { name: 'covariance', namedArgs: 2, minArgs: 2, maxArgs: 2, bind: () => 'real', emit: (a, f) => `covar_samp(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covariancep', namedArgs: 2, minArgs: 2, maxArgs: 2, bind: () => 'real', emit: (a, f) => `covar_pop(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covarianceif', namedArgs: 2, minArgs: 3, maxArgs: 3, predicateArg: 2, bind: () => 'real', emit: (a, f) => `covar_samp(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'covariancepif', namedArgs: 2, minArgs: 3, maxArgs: 3, predicateArg: 2, bind: () => 'real', emit: (a, f) => `covar_pop(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})${f}` },
  { name: 'count_distinct', minArgs: 1, maxArgs: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'count_distinctif', minArgs: 2, maxArgs: 2, predicateArg: 1, bind: () => 'long', emit: (a, f) => `count(DISTINCT ${a[0]!.type === 'dynamic' ? `CAST(${a[0]!.sql} AS VARCHAR)` : a[0]!.sql})${f}` },
  { name: 'binary_all_and', keepsName: true, minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_and', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_and(${as(a[0]!, 'long')})${f}` },
  { name: 'binary_all_or', keepsName: true, minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_or', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_or(${as(a[0]!, 'long')})${f}` },
  { name: 'binary_all_xor', keepsName: true, minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('binary_all_xor', intLike, 'an integer')(a), 'long'), emit: (a, f) => `bit_xor(${as(a[0]!, 'long')})${f}` },
  { name: 'hll', minArgs: 1, maxArgs: 2, bind: () => 'dynamic', emit: (a, f) => kmvJson(`list(DISTINCT ${hash52(a[0]!)})${f}`) },
  { name: 'hll_if', minArgs: 2, maxArgs: 3, prefix: 'hll', predicateArg: 1, bind: () => 'dynamic', emit: (a, f) => kmvJson(`list(DISTINCT ${hash52(a[0]!)})${f}`) },
  { name: 'hll_merge', minArgs: 1, maxArgs: 1, bind: (a) => (requireArg('hll_merge', isDynamic, 'an hll() value')(a), 'dynamic'), emit: (a, f) => kmvJson(`list_distinct(flatten(list(TRY_CAST(${a[0]!.sql} AS UBIGINT[]))${f}))`) },
  {
    name: 'percentilesw_array', minArgs: 3, maxArgs: 64, prefix: 'percentile', // percentilesw-aggregation-function.md names it percentile_x (percentiles_array: percentiles_x)
    bind(a) { requireWeighted(a, 'percentilesw_array'); percentileList(a, 2, 'percentilesw_array'); return 'dynamic'; },
    emit(a, f) {
      const ps = JSON.stringify(percentileList(a, 2, 'percentilesw_array'));
      return `coalesce(CAST(kql_weighted_percentiles(${weightedPairs(a, f)}, ${sqlString(ps)}) AS JSON), CAST('[]' AS JSON))`;
    },
  },
  {
    name: 'percentiles_array', minArgs: 2, maxArgs: 64, prefix: 'percentiles',
    bind(a) { requirePercentileInput(a, 'percentiles_array'); percentileList(a, 1, 'percentiles_array'); return 'dynamic'; },
    emit(a, f) {
      const ps = percentileList(a, 1, 'percentiles_array').map((p) => literalSql('real', p / 100));
      const t = percentileValueType(a[0]!.type);
      return `coalesce(${typedListJson(`quantile_disc(${as(a[0]!, t)}, [${ps.join(', ')}])${f}`, t)}, CAST('[]' AS JSON))`;
    },
  },
];

/** percentiles(x, p): a single percentile here; several need one output column each (binder support). */
const percentilesAgg: AggregateFunction = {
  name: 'percentiles',
  minArgs: 2,
  maxArgs: 64,
  bind(args) {
    requirePercentileInput(args, 'percentiles');
    const ps = percentileList(args, 1, 'percentiles');
    if (ps.length !== 1) fail('percentiles(): several percentiles (one output column each) are supported only as a whole summarize item, e.g. summarize percentiles(x, 50, 95)');
    return percentileValueType(args[0]!.type);
  },
  honorsFilter: true,
  emit(args, ctx) {
    const p = percentileList(args, 1, 'percentiles')[0]!;
    return `quantile_disc(${as(args[0]!, percentileValueType(args[0]!.type))}, ${literalSql('real', p / 100)})${filterClause([], ctx)}`;
  },
  expand(args) {
    requirePercentileInput(args, 'percentiles');
    return percentileSplit(args, 'percentiles');
  },
  defaultName(args) {
    const a = args[1];
    let p = '';
    if (a?.k === 'lit') p = a.type === 'dynamic' ? String((JSON.parse(String(a.value)) as unknown[])[0]) : String(a.value);
    return `percentile_${expressionResultName(args[0]) ?? ''}_${p.replace('.', '_')}`;
  },
};

/**
 * percentilew(x, w, p) / percentilesw(x, w, p…) / percentilesw_array: weighted nearest-rank
 * percentiles, computed by the KQL runtime (kql_weighted_percentile) over the group's (value,
 * weight) pairs. Numeric and timespan values; the answer has the value's type.
 */
function requireWeighted(args: ArgInfo[], fnName: string): void {
  const t = args[0]!.type;
  if (!isNumeric(t) && t !== 'timespan') fail(`${fnName}(): expects a numeric or timespan value`, 0);
  if (!isIntegral(args[1]!.type)) fail(`${fnName}(): the weight must be an integer`, 1);
}
const weightedPairs = (a: SqlArg[], f: string) =>
  `CAST(to_json(list(struct_pack(v := CAST(${as(a[0]!, a[0]!.type === 'timespan' ? 'long' : 'real')} AS DOUBLE), w := CAST(${as(a[1]!, 'long')} AS DOUBLE)))${f}) AS VARCHAR)`;
const fromDouble = (sql: string, t: KqlType) => (t === 'real' ? sql : t === 'decimal' ? `CAST(${sql} AS DECIMAL(38,18))` : `CAST(${sql} AS BIGINT)`);

const percentilew: AggregateFunction = {
  name: 'percentilew',
  minArgs: 3,
  maxArgs: 3,
  bind(args) {
    requireWeighted(args, 'percentilew');
    percentileList(args, 2, 'percentilew');
    return percentileValueType(args[0]!.type);
  },
  honorsFilter: true,
  emit(args, ctx) {
    const p = percentileList(args, 2, 'percentilew')[0]!;
    return fromDouble(`kql_weighted_percentile(${weightedPairs(args, filterClause([], ctx))}, ${literalSql('real', p)})`, percentileValueType(args[0]!.type));
  },
  defaultName(args) {
    const a = args[2];
    const p = a?.k === 'lit' ? String(a.value) : '';
    return `percentile_${expressionResultName(args[0]) ?? ''}_${p.replace('.', '_')}`;
  },
};

const percentilesw: AggregateFunction = {
  ...percentilew,
  name: 'percentilesw',
  maxArgs: 64,
  bind(args) {
    requireWeighted(args, 'percentilesw');
    if (percentileList(args, 2, 'percentilesw').length !== 1) fail('percentilesw(): several percentiles (one output column each) are supported only as a whole summarize item, e.g. summarize percentilesw(x, w, 50, 95)');
    return percentileValueType(args[0]!.type);
  },
  expand(args) {
    requireWeighted(args, 'percentilesw');
    return percentileSplit(args, 'percentilesw', 2);
  },
};

const percentile: AggregateFunction = {
  name: 'percentile',
  minArgs: 2,
  maxArgs: 2,
  bind(args) {
    if (!args[1]!.literal || !isNumeric(args[1]!.type)) fail('percentile(): the percentile must be a numeric constant', 1);
    const p = Number(args[1]!.literal!.value);
    if (!(p >= 0 && p <= 100)) fail('percentile(): the percentile must be between 0 and 100', 1);
    if (!isNumeric(args[0]!.type) && args[0]!.type !== 'timespan' && args[0]!.type !== 'datetime') fail('percentile(): expects a numeric, datetime or timespan value', 0);
    return args[0]!.type === 'int' ? 'long' : args[0]!.type;
  },
  honorsFilter: true,
  emit(args, ctx) {
    const p = Number(args[1]!.literal!.value) / 100;
    const x = args[0]!.type === 'int' ? as(args[0]!, 'long') : args[0]!.sql;
    return `quantile_disc(${x}, ${literalSql('real', p)})${filterClause([], ctx)}`;
  },
  defaultName(args) {
    const p = args[1]?.k === 'lit' ? String(args[1].value).replace('.', '_') : '';
    return `percentile_${expressionResultName(args[0]) ?? ''}_${p}`;
  },
};

export const AGGREGATE_FUNCTIONS: ReadonlyMap<string, AggregateFunction> = new Map<string, AggregateFunction>([
  ...[...AGG_SPECS, ...AGG_EXTRAS].map((s): [string, AggregateFunction] => [s.name, aggregate(s)]),
  ['percentile', percentile],
  ['percentiles', percentilesAgg],
  ['percentilew', percentilew],
  ['percentilesw', percentilesw],
]);

/** percentile_tdigest(d, p [, typeof(T)]) and merge_tdigest(d, …): the scalars over tdigest() states. */
export const TDIGEST_SCALAR_FUNCTIONS: ScalarFunction[] = [
  {
    name: 'percentile_tdigest',
    // an unnamed call is percentile_tdigest_<state> (percentile-tdigest-function.md's output)
    minArgs: 2,
    maxArgs: 3,
    typeLiteralArg: 2,
    bind(args) {
      if (args[0]!.type !== 'dynamic') fail('percentile_tdigest(): the first argument must be a tdigest() value', 0);
      if (!isNumeric(args[1]!.type)) fail('percentile_tdigest(): the percentile must be a number', 1);
      if (args.length < 3) return 'dynamic';
      const t = args[2]!.literal?.typeOf;
      if (!t || (!isNumeric(t) && t !== 'datetime' && t !== 'timespan')) fail('percentile_tdigest(): the 3rd argument must be a type literal such as typeof(long)', 2);
      return t;
    },
    emit(a) {
      const v = `kql_tdigest_percentile(CAST(${a[0]!.sql} AS VARCHAR), CAST(${as(a[1]!, 'real')} AS DOUBLE))`;
      const asDatetime = `(CAST(round(${v} * 10) AS BIGINT) + ${EPOCH_TICKS})`;
      const t = a[2]?.literal?.typeOf;
      if (t === 'datetime') return asDatetime;
      if (t) return `CAST(${v} AS ${sqlTypeOf(t)})`;
      const code = `kql_tdigest_type(CAST(${a[0]!.sql} AS VARCHAR))`;
      return `(CASE ${code} WHEN 5 THEN to_json(${toStringSql(asDatetime, 'datetime')}) WHEN 6 THEN to_json(${toStringSql(`CAST(${v} AS BIGINT)`, 'timespan')}) WHEN 7 THEN to_json(CAST(${v} AS BIGINT)) ELSE to_json(${v}) END)`;
    },
  },
  ...['percentiles_array_tdigest', 'percentile_array_tdigest'].map((name): ScalarFunction => ({
    name,
    minArgs: 2,
    maxArgs: 64,
    typeLiteralArg: 2,
    bind(args) {
      if (args[0]!.type !== 'dynamic') fail(`${name}(): the first argument must be a tdigest() value`, 0);
      args.slice(1).forEach((x, i) => {
        if (i === 1 && x.literal?.typeOf) return;
        if (!isNumeric(x.type) && !(i === 0 && x.type === 'dynamic')) fail(`${name}(): the percentiles must be numbers or one dynamic array`, i + 1);
      });
      return 'dynamic';
    },
    emit(a) {
      const ps = a.slice(1).filter((x) => !x.literal?.typeOf);
      const list = ps.length === 1 && ps[0]!.type === 'dynamic' ? `CAST(${ps[0]!.sql} AS VARCHAR)` : `CAST(to_json([${ps.map((x) => `CAST(${as(x, 'real')} AS DOUBLE)`).join(', ')}]) AS VARCHAR)`;
      return `CAST(kql_tdigest_percentiles(CAST(${a[0]!.sql} AS VARCHAR), ${list}) AS JSON)`;
    },
  })),
  ...(['rank', 'percentrank'] as const).map((kind): ScalarFunction => ({
    name: `${kind}_tdigest`,
    minArgs: 2,
    maxArgs: 2,
    bind(args) {
      if (args[0]!.type !== 'dynamic') fail(`${kind}_tdigest(): the first argument must be a tdigest() value`, 0);
      if (TDIGEST_TYPE[args[1]!.type] === undefined) fail(`${kind}_tdigest(): the value must be a number, datetime or timespan`, 1);
      return kind === 'rank' ? 'long' : 'real';
    },
    emit(a) {
      const v = `kql_tdigest_${kind}(CAST(${a[0]!.sql} AS VARCHAR), ${digestValue(a[1]!)})`;
      return kind === 'rank' ? `CAST(${v} AS BIGINT)` : v;
    },
  })),
  {
    name: 'merge_tdigest',
    minArgs: 1,
    maxArgs: 64,
    bind(args) {
      args.forEach((x, i) => {
        if (x.type !== 'dynamic') fail('merge_tdigest(): the arguments must be tdigest() values', i);
      });
      return 'dynamic';
    },
    emit: (a) => `CAST(kql_tdigest_merge(CAST(to_json([${a.map((x) => `CAST(${x.sql} AS JSON)`).join(', ')}]) AS VARCHAR)) AS JSON)`,
  },
];

/**
 * dcount_hll(hll): the scalar that reads an hll()/hll_merge() state; hll_merge(hll1, hll2 [, …])
 * (hll-merge-function.md): the scalar that merges 2 to 64 states (the aggregate of the same name
 * merges a column's).
 */
export const HLL_SCALAR_FUNCTIONS: ScalarFunction[] = [
  // an unnamed call is dcount_hll_<state> (hll-merge-function.md's output: dcount_hll_merged)
  { ...fn('dcount_hll', [isDynamic], 0, 'long', (a) => dcountHllSql(a[0]!.sql), 'dynamic') },
  {
    name: 'hll_merge',
    minArgs: 2,
    maxArgs: 64,
    bind(args) {
      args.forEach((a, i) => { if (a.type !== 'dynamic') fail(`hll_merge(): argument ${i + 1} must be an hll() value (dynamic), got '${a.type}'`, i); });
      return 'dynamic';
    },
    emit: (a) => kmvJson(`list_distinct(flatten(list_filter([${a.map((x) => `TRY_CAST(${x.sql} AS UBIGINT[])`).join(', ')}], _l -> _l IS NOT NULL)))`),
  },
];
