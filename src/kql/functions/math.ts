/** math.ts — numeric and bitwise functions. */
import { type ArgInfo, type ScalarFunction, type SqlArg } from '../bound.js';
import { isIntegral, isNumeric } from '../types.js';
import { fail, as, numericOrDyn, fn, intLike, letSql, NAN, POS_INF, guardedMath, logSql } from './define.js';

/** bin(value, size): rounds down to a multiple of size (datetimes aligned to 0001-01-01 like Kusto). */
const bin: ScalarFunction = {
  name: 'bin',
  minArgs: 2,
  maxArgs: 2,
  bind(args) {
    const [v, s] = args as [ArgInfo, ArgInfo];
    if (v.type === 'datetime') {
      if (s.type !== 'timespan') fail(`bin(): the bin size for a datetime must be a timespan`, 1);
      return 'datetime';
    }
    if (v.type === 'timespan') {
      if (s.type !== 'timespan' && !isNumeric(s.type)) fail(`bin(): the bin size for a timespan must be a timespan`, 1);
      return 'timespan';
    }
    if (isNumeric(v.type) || v.type === 'dynamic') {
      if (!isNumeric(s.type)) fail(`bin(): the bin size must be numeric`, 1);
      if (isIntegral(v.type) && isIntegral(s.type)) return 'long';
      if (v.type === 'decimal' && s.type !== 'real') return 'decimal';
      return 'real';
    }
    return fail(`bin(): cannot bin values of type ${v.type}`, 0);
  },
  emit(args) {
    const [v, s] = args as [SqlArg, SqlArg];
    const positiveLit = s.literal !== undefined && s.literal.value !== null && Number(s.literal.value) > 0;
    const guard = (size: string, body: string) => (positiveLit ? body : `(CASE WHEN ${size} > 0 THEN ${body} END)`);
    if (v.type === 'datetime') {
      // ticks since 0001-01-01 are never negative, so // floors
      return guard(s.sql, `((${v.sql} // ${s.sql}) * ${s.sql})`);
    }
    if (v.type === 'timespan' || (isIntegral(v.type) && isIntegral(s.type))) {
      const x = as(v, 'long');
      const size = v.type === 'timespan' && !isIntegral(s.type) && s.type !== 'timespan' ? `TRY_CAST(${s.sql} AS BIGINT)` : as(s, s.type === 'timespan' ? 'timespan' : 'long');
      return guard(size, `(${x} - (((${x} % ${size}) + ${size}) % ${size}))`);
    }
    if (v.type === 'decimal' && s.type !== 'real') {
      const size = as(s, 'decimal');
      return guard(size, `CAST(floor(${v.sql} / ${size}) * ${size} AS DECIMAL(38,18))`);
    }
    const x = as(v, 'real'), size = as(s, 'real');
    return guard(size, `(floor(${x} / ${size}) * ${size})`);
  },
};

const floorOne: ScalarFunction = fn('floor', [numericOrDyn], 0, (a) => (isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => (isIntegral(a[0]!.type) ? as(a[0]!, 'long') : `floor(${as(a[0]!, 'real')})`), 'numeric');

// ───────────── math ─────────────

const bitwise = (name: string, arity: number, body: (x: string[]) => string) =>
  fn(name, Array(arity).fill(intLike), 0, 'long', (a) => body(a.map((x) => as(x, 'long'))), 'an integer');

export const MATH_FUNCTIONS: ScalarFunction[] = [
  bin,
  { ...bin, name: 'floor', minArgs: 1, bind: (args) => (args.length === 1 ? floorOne.bind(args) : bin.bind(args)), emit: (args, ctx) => (args.length === 1 ? floorOne.emit(args, ctx) : bin.emit(args, ctx)) },
  // abs of an int is a long (Kusto.Language's Functions.cs), so abs(-2^31) needs no wrap
  fn('abs', [(t) => isNumeric(t) || t === 'timespan'], 0, (a) => (a[0]!.type === 'int' ? 'long' : a[0]!.type), (a) =>
    a[0]!.type === 'long' ? `(CASE WHEN ${a[0]!.sql} = -9223372036854775808 THEN ${a[0]!.sql} ELSE abs(${a[0]!.sql}) END)` : a[0]!.type === 'int' ? `abs(CAST(${a[0]!.sql} AS BIGINT))` : `abs(${a[0]!.sql})`, 'numeric'),
  fn('ceiling', [numericOrDyn], 0, (a) => (isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => (isIntegral(a[0]!.type) ? as(a[0]!, 'long') : `ceil(${as(a[0]!, 'real')})`), 'numeric'),
  fn('pi', [], 0, 'real', () => 'pi()'),
  fn('isnan', [numericOrDyn], 0, 'bool', (a) => `isnan(${as(a[0]!, 'real')})`, 'numeric'),
  fn('isinf', [numericOrDyn], 0, 'bool', (a) => `isinf(${as(a[0]!, 'real')})`, 'numeric'),
  fn('isfinite', [numericOrDyn], 0, 'bool', (a) => `isfinite(${as(a[0]!, 'real')})`, 'numeric'),
  guardedMath('log', logSql('ln', 'CAST(NULL AS DOUBLE)')),
  guardedMath('log10', logSql('log10', 'CAST(NULL AS DOUBLE)')),
  guardedMath('log2', logSql('log2', 'CAST(NULL AS DOUBLE)')),
  // sqrt of a negative is NaN in Kusto (issue #12), though sqrt-function.md says null
  guardedMath('sqrt', (x) => `(CASE WHEN ${x} < 0 THEN ${NAN} ELSE sqrt(${x}) END)`),
  guardedMath('exp', (x) => `exp(${x})`),
  guardedMath('exp2', (x) => `pow(2.0, ${x})`),
  guardedMath('exp10', (x) => `pow(10.0, ${x})`),
  guardedMath('sin', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE sin(${x}) END)`),
  guardedMath('cos', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE cos(${x}) END)`),
  guardedMath('tan', (x) => `(CASE WHEN isinf(${x}) THEN ${NAN} ELSE tan(${x}) END)`),
  guardedMath('cot', (x) => `(CASE WHEN ${x} = 0 THEN ${POS_INF} WHEN isinf(${x}) THEN ${NAN} ELSE cot(${x}) END)`),
  guardedMath('asin', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN asin(${x}) ELSE ${NAN} END)`),
  guardedMath('acos', (x) => `(CASE WHEN ${x} BETWEEN -1 AND 1 THEN acos(${x}) ELSE ${NAN} END)`),
  guardedMath('atan', (x) => `atan(${x})`),
  guardedMath('degrees', (x) => `degrees(${x})`),
  guardedMath('radians', (x) => `radians(${x})`),
  guardedMath('gamma', (x) => `(CASE WHEN ${x} = 0 THEN ${POS_INF} WHEN ${x} < 0 AND ${x} = floor(${x}) THEN ${NAN} WHEN ${x} > 171.7 THEN ${POS_INF} ELSE gamma(${x}) END)`),
  guardedMath('loggamma', (x) => `(CASE WHEN ${x} <= 0 AND ${x} = floor(${x}) THEN ${POS_INF} ELSE lgamma(${x}) END)`),
  fn('atan2', [numericOrDyn, numericOrDyn], 0, 'real', (a) => `atan2(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')})`, 'numeric'),
  fn('pow', [numericOrDyn, numericOrDyn], 0, 'real', (a) => `try(pow(${as(a[0]!, 'real')}, ${as(a[1]!, 'real')}))`, 'numeric'),
  fn('round', [numericOrDyn, intLike], 1, (a) => (a[0]!.type === 'decimal' ? 'decimal' : isIntegral(a[0]!.type) ? 'long' : 'real'), (a) => {
    const p = a[1] ? as(a[1], 'int') : '0';
    if (a[0]!.type === 'decimal') return `CAST(round(${a[0]!.sql}, ${p}) AS DECIMAL(38,18))`;
    if (isIntegral(a[0]!.type)) return `CAST(round(${as(a[0]!, 'long')}, ${p}) AS BIGINT)`;
    return `round(${as(a[0]!, 'real')}, ${p})`;
  }, 'numeric'),
  // a real whatever the argument's type, as Kusto.Language's Functions.cs declares it
  fn('sign', [numericOrDyn], 0, 'real', (a) => `CAST(sign(${a[0]!.type === 'decimal' ? a[0]!.sql : as(a[0]!, 'real')}) AS DOUBLE)`, 'numeric'),
  fn('rand', [numericOrDyn], 1, (a) => (a.length ? 'long' : 'real'), (a) => (a.length ? `CAST(floor(random() * ${as(a[0]!, 'long')}) AS BIGINT)` : 'random()'), 'numeric'),
  // erf/erfc (erf-function.md, erfc-function.md): computed in the runtime (runtime/special-math.ts)
  fn('erf', [numericOrDyn], 0, 'real', (a) => `kql_erf(${as(a[0]!, 'real')})`, 'numeric'),
  fn('erfc', [numericOrDyn], 0, 'real', (a) => `kql_erfc(${as(a[0]!, 'real')})`, 'numeric'),
  bitwise('binary_and', 2, ([x, y]) => `(${x} & ${y})`),
  bitwise('binary_or', 2, ([x, y]) => `(${x} | ${y})`),
  bitwise('binary_xor', 2, ([x, y]) => `xor(${x}, ${y})`),
  bitwise('binary_not', 1, ([x]) => `(~${x})`),
  // 64-bit wrap-around like .NET: shift in HUGEINT, keep the low 64 bits, reinterpret as signed
  bitwise('binary_shift_left', 2, ([x, n]) => `(CASE WHEN ${n} < 0 OR ${n} >= 64 THEN NULL ELSE ${letSql(`((CAST(${x} AS HUGEINT) & 18446744073709551615) << CAST(${n} AS HUGEINT)) & 18446744073709551615`, '_h', 'CAST(CASE WHEN _h >= 9223372036854775808 THEN _h - 18446744073709551616 ELSE _h END AS BIGINT)')} END)`),
  bitwise('binary_shift_right', 2, ([x, n]) => `(CASE WHEN ${n} < 0 OR ${n} >= 64 THEN NULL ELSE (${x} >> CAST(${n} AS INTEGER)) END)`),
  bitwise('bitset_count_ones', 1, ([x]) => `CAST(bit_count(${x}) AS BIGINT)`),
];


/**
 * around(value, center, delta) (around-function.md): value within [center − delta, center + delta];
 * numbers, datetimes (with a timespan delta) or timespans. Null if any argument is null.
 */
MATH_FUNCTIONS.push({
  name: 'around', minArgs: 3, maxArgs: 3,
  bind(args) {
    const [v, c, d] = args as [ArgInfo, ArgInfo, ArgInfo];
    const ok = v.type === 'datetime' ? c.type === 'datetime' && d.type === 'timespan'
      : v.type === 'timespan' ? c.type === 'timespan' && d.type === 'timespan'
        : isNumeric(v.type) && isNumeric(c.type) && isNumeric(d.type);
    if (!ok) fail(`around(): expects (number, number, number), (datetime, datetime, timespan) or (timespan, timespan, timespan), got (${v.type}, ${c.type}, ${d.type})`);
    return 'bool';
  },
  emit(args) {
    const [v, c, d] = args as [SqlArg, SqlArg, SqlArg];
    const t = isNumeric(v.type) ? (args.every((a) => isIntegral(a.type)) ? 'long' : 'real') : v.type;
    const delta = isNumeric(v.type) ? as(d, t) : d.sql;
    return letSql(as(c, t), '_c', letSql(delta, '_d', `(${as(v, t)} BETWEEN _c - _d AND _c + _d)`));
  },
});
