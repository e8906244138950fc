/**
 * datetime.ts — datetime and timespan functions. Datetimes are BIGINT 100-ns ticks since
 * 0001-01-01 (types.ts): tick arithmetic directly, calendar parts through a µs TIMESTAMP
 * (datetime-sql.ts) with the 100-ns digit put back where it survives.
 */
import { type ArgInfo, type ScalarFunction, type SqlArg } from '../bound.js';
import { addTicks, inDatetimeRange, MAX_DATETIME_TICKS, EPOCH_TICKS, subMicroTick, ticksOfTs, tsOfTicks } from '../datetime-sql.js';
import { sqlString } from '../sql.js';
import { datetimePlusSql, literalSql, wrappingLongSql } from '../sqlexpr.js';
import { isIntegral, isNumeric } from '../types.js';
import {
  fail, as, str, requireType, numericOrDyn, anyScalar, fn, dateLike, tsLike, intLike, constString, requireConst, letSql,
} from './define.js';

/** A datetime literal, or a null one when the value is outside Kusto's range. */
function datetimeLiteral(ticks: bigint): string {
  return literalSql('datetime', ticks >= 0n && ticks <= MAX_DATETIME_TICKS ? ticks : null);
}

const ago: ScalarFunction = fn('ago', [(t) => t === 'timespan'], 0, 'datetime', (args, ctx) => {
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return datetimeLiteral(ctx.nowTicks - a.literal.value);
  return datetimePlusSql(literalSql('datetime', ctx.nowTicks), a.sql, '-');
}, 'a timespan');

const now: ScalarFunction = fn('now', [(t) => t === 'timespan'], 1, 'datetime', (args, ctx) => {
  if (args.length === 0) return literalSql('datetime', ctx.nowTicks);
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return datetimeLiteral(ctx.nowTicks + a.literal.value);
  return datetimePlusSql(literalSql('datetime', ctx.nowTicks), a.sql);
}, 'a timespan');

/** get*(date): one part of a datetime as an int. */
function datePart(name: string, expr: (d: string) => string): ScalarFunction {
  return fn(name, [(t) => t === 'datetime' || t === 'dynamic' || t === 'string'], 0, 'int', (args) => `CAST(${expr(dt(args[0]!))} AS INTEGER)`, 'a datetime');
}

// ───────────── datetime / timespan ─────────────

export const TICKS_DAY = 864000000000;
/** floor(x / n) * n for BIGINT x and positive n (exact, also for negative x). */
function floorMul(x: string, n: string): string {
  return `(${x} - (((${x} % ${n}) + ${n}) % ${n}))`;
}
/** floor(x / n) for BIGINT x and positive n. */
function floorDiv(x: string, n: string): string {
  return `(${floorMul(x, n)} // ${n})`;
}
/** The argument as ticks. */
const tk = (a: SqlArg) => as(a, 'datetime');
/** The argument as a µs TIMESTAMP, for DuckDB's calendar functions. */
const dt = (a: SqlArg) => tsOfTicks(tk(a));
const TICKS_PER_SECOND = 10000000;
const offsetArg = (a: SqlArg | undefined) => (a ? `CAST(${as(a, 'long')} AS INTEGER)` : '0');

type PeriodUnit = 'day' | 'week' | 'month' | 'year';

/** startof*(date[, offset]) and endof*(date[, offset]) — week starts on Sunday; endof* is the last tick. */
function periodStart(unit: PeriodUnit, d: string, off: string): string {
  switch (unit) {
    case 'day': return `CAST(date_trunc('day', ${d}) + to_days(${off}) AS TIMESTAMP)`;
    case 'week': return `CAST(date_trunc('day', ${d}) - to_days(CAST(dayofweek(${d}) AS INTEGER)) + to_days(7 * ${off}) AS TIMESTAMP)`;
    case 'month': return `CAST(date_trunc('month', ${d}) + to_months(${off}) AS TIMESTAMP)`;
    case 'year': return `CAST(date_trunc('year', ${d}) + to_years(${off}) AS TIMESTAMP)`;
  }
}
/** startof<unit> is the period's first tick; endof<unit> the tick before the next period starts. */
function periodBoundary(edge: 'start' | 'end', unit: PeriodUnit): ScalarFunction {
  return fn(`${edge}of${unit}`, [dateLike, intLike], 1, 'datetime', (a) => {
    const off = offsetArg(a[1]);
    const start = (o: string) => ticksOfTs(periodStart(unit, dt(a[0]!), o));
    return inDatetimeRange(edge === 'start' ? start(off) : `(${start(`(${off} + 1)`)} - 1)`);
  }, 'a datetime');
}

const PARTS = ['year', 'quarter', 'month', 'week_of_year', 'week', 'day', 'dayofyear', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];
function partName(args: ArgInfo[], fnName: string, allowed: string[]): string {
  const p = requireConst(args, 0, fnName, 'the part').toLowerCase();
  if (!allowed.includes(p)) fail(`${fnName}(): unknown part '${p}'`, 0);
  return p;
}
function datetimePartSql(p: string, t: string): string {
  const d = tsOfTicks(t);
  const frac = `((${t}) % ${TICKS_PER_SECOND})`;
  switch (p) {
    case 'year': return `year(${d})`;
    case 'quarter': return `quarter(${d})`;
    case 'month': return `month(${d})`;
    case 'week_of_year': case 'week': return `weekofyear(${d})`;
    case 'day': return `day(${d})`;
    case 'dayofyear': return `dayofyear(${d})`;
    case 'hour': return `hour(${d})`;
    case 'minute': return `minute(${d})`;
    case 'second': return `second(${d})`;
    case 'millisecond': return `(${frac} // 10000)`;
    case 'microsecond': return `(${frac} // 10)`;
    default: return `(${frac} * 100)`;
  }
}
const datetimePart: ScalarFunction = {
  name: 'datetime_part', minArgs: 2, maxArgs: 2,
  bind(args) {
    partName(args, 'datetime_part', PARTS);
    requireType(args, 1, dateLike, 'a datetime', 'datetime_part');
    return 'int';
  },
  emit: (a) => `CAST(${datetimePartSql(constString(a[0])!.toLowerCase(), tk(a[1]!))} AS INTEGER)`,
};
const ADD_PARTS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];
const datetimeAdd: ScalarFunction = {
  name: 'datetime_add', minArgs: 3, maxArgs: 3,
  bind(args) {
    partName(args, 'datetime_add', ADD_PARTS);
    requireType(args, 1, intLike, 'an integer', 'datetime_add');
    requireType(args, 2, dateLike, 'a datetime', 'datetime_add');
    return 'datetime';
  },
  emit(a) {
    const p = constString(a[0])!.toLowerCase();
    const n = as(a[1]!, 'long');
    const t = tk(a[2]!);
    // fixed-length units: tick arithmetic (a product past the whole range is null, never an overflow)
    const perUnit: Record<string, bigint> = { week: 6048000000000n, day: 864000000000n, hour: 36000000000n, minute: 600000000n, second: 10000000n, millisecond: 10000n, microsecond: 10n };
    if (p === 'nanosecond') return addTicks(t, `(${n} // 100)`);
    const k = perUnit[p];
    if (k !== undefined) return addTicks(t, `(CASE WHEN abs(${n}) <= ${MAX_DATETIME_TICKS / k} THEN ${n} * ${k} END)`);
    // calendar units: on the µs TIMESTAMP (month ends clamp), the 100-ns digit kept; more than
    // 10,000 years either way always leaves the range (and could overflow the tick conversion)
    const months = p === 'year' ? `(12 * ${n})` : p === 'quarter' ? `(3 * ${n})` : n;
    const shifted = `try(CAST(${tsOfTicks(t)} + to_months(CAST(${months} AS INTEGER)) AS TIMESTAMP))`;
    return `(CASE WHEN abs(${n}) <= 120000 THEN ${inDatetimeRange(`(${ticksOfTs(shifted)} + ${subMicroTick(t)})`)} END)`;
  },
};
/** datetime_diff(part, d1, d2): number of period boundaries between d2 and d1 (weeks start on Sunday). */
const datetimeDiff: ScalarFunction = {
  name: 'datetime_diff', minArgs: 3, maxArgs: 3,
  bind(args) {
    partName(args, 'datetime_diff', ADD_PARTS);
    requireType(args, 1, dateLike, 'a datetime', 'datetime_diff');
    requireType(args, 2, dateLike, 'a datetime', 'datetime_diff');
    return 'long';
  },
  emit(a) {
    const p = constString(a[0])!.toLowerCase();
    const t1 = tk(a[1]!), t2 = tk(a[2]!);
    const d1 = tsOfTicks(t1), d2 = tsOfTicks(t2);
    // ticks since 0001-01-01 are never negative, so // floors: boundaries crossed = difference of floors
    const per = (n: number | bigint) => `((${t1}) // ${n} - (${t2}) // ${n})`;
    switch (p) {
      case 'year': return `CAST(year(${d1}) - year(${d2}) AS BIGINT)`;
      case 'quarter': return `CAST((year(${d1}) * 4 + quarter(${d1})) - (year(${d2}) * 4 + quarter(${d2})) AS BIGINT)`;
      case 'month': return `CAST((year(${d1}) * 12 + month(${d1})) - (year(${d2}) * 12 + month(${d2})) AS BIGINT)`;
      // 0001-01-01 was a Monday: one day later, week boundaries fall on Sundays
      case 'week': return `(((${t1}) // ${TICKS_DAY} + 1) // 7 - ((${t2}) // ${TICKS_DAY} + 1) // 7)`;
      case 'day': return per(TICKS_DAY);
      case 'hour': return per(36000000000);
      case 'minute': return per(600000000);
      case 'second': return per(TICKS_PER_SECOND);
      case 'millisecond': return per(10000);
      case 'microsecond': return per(10);
      // 100 ns per tick; a difference past ±2^63 ns wraps like Kusto's long arithmetic
      default: return wrappingLongSql(`((${t1}) - (${t2}))`, '*', '100');
    }
  },
};

interface FmtPart { sql: string; lit?: string }
/** Splits a .NET custom format into runs of one pattern letter and literal text ('…', "…", \x escapes). */
function tokenizeFormat(fmt: string, letters: string): { letter?: string; n: number; text: string }[] {
  const out: { letter?: string; n: number; text: string }[] = [];
  const pushLit = (t: string) => {
    const last = out[out.length - 1];
    if (last && last.letter === undefined) last.text += t;
    else out.push({ n: 0, text: t });
  };
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i]!;
    if (letters.includes(c)) {
      let j = i;
      while (j < fmt.length && fmt[j] === c) j++;
      out.push({ letter: c, n: j - i, text: '' });
      i = j;
    } else if (c === '\\' && i + 1 < fmt.length) {
      pushLit(fmt[i + 1]!);
      i += 2;
    } else if (c === "'" || c === '"') {
      const j = fmt.indexOf(c, i + 1);
      pushLit(fmt.slice(i + 1, j < 0 ? fmt.length : j));
      i = j < 0 ? fmt.length : j + 1;
    } else {
      pushLit(c);
      i++;
    }
  }
  return out;
}
/** Joins format parts; an empty F… fraction also drops a '.' right before it (as .NET does). */
function joinFormat(parts: FmtPart[]): string {
  return parts.length ? `concat(${parts.map((p) => p.sql).join(', ')})` : "''";
}
function fractionPart(frac7: string, letter: string, n: number, parts: FmtPart[]): FmtPart {
  const digits = `left(${frac7}, ${Math.min(n, 7)})`;
  if (letter === 'f') return { sql: digits };
  const trimmed = `rtrim(${digits}, '0')`;
  const prev = parts[parts.length - 1];
  if (prev?.lit !== undefined && prev.lit.endsWith('.')) {
    const keep = prev.lit.slice(0, -1);
    parts[parts.length - 1] = { sql: sqlString(keep), lit: keep };
    return { sql: `(CASE WHEN ${trimmed} = '' THEN '' ELSE '.' || ${trimmed} END)` };
  }
  return { sql: trimmed };
}
const vc = (x: string) => `CAST(${x} AS VARCHAR)`;
const pad = (x: string, n: number) => `lpad(CAST(${x} AS VARCHAR), ${n}, '0')`;

/** `t`: ticks (bound once by the caller); calendar letters read its µs TIMESTAMP, f/F its 7 digits. */
function formatDatetimeSql(t: string, fmt: string): string {
  const parts: FmtPart[] = [];
  const d = tsOfTicks(t);
  const frac7 = `lpad(CAST(${t} % ${TICKS_PER_SECOND} AS VARCHAR), 7, '0')`;
  for (const t of tokenizeFormat(fmt, 'dfFhHmMsyt')) {
    const n = t.n;
    switch (t.letter) {
      case undefined: parts.push({ sql: sqlString(t.text), lit: t.text }); break;
      case 'd': parts.push({ sql: n === 1 ? vc(`day(${d})`) : n === 2 ? pad(`day(${d})`, 2) : n === 3 ? `strftime(${d}, '%a')` : `strftime(${d}, '%A')` }); break;
      case 'f': case 'F': parts.push(fractionPart(frac7, t.letter, n, parts)); break;
      case 'h': parts.push({ sql: n === 1 ? vc(`((hour(${d}) + 11) % 12 + 1)`) : pad(`((hour(${d}) + 11) % 12 + 1)`, 2) }); break;
      case 'H': parts.push({ sql: n === 1 ? vc(`hour(${d})`) : pad(`hour(${d})`, 2) }); break;
      case 'm': parts.push({ sql: n === 1 ? vc(`minute(${d})`) : pad(`minute(${d})`, 2) }); break;
      case 'M': parts.push({ sql: n === 1 ? vc(`month(${d})`) : n === 2 ? pad(`month(${d})`, 2) : n === 3 ? `strftime(${d}, '%b')` : `strftime(${d}, '%B')` }); break;
      case 's': parts.push({ sql: n === 1 ? vc(`second(${d})`) : pad(`second(${d})`, 2) }); break;
      case 'y': parts.push({ sql: n === 1 ? vc(`(year(${d}) % 100)`) : n === 2 ? pad(`(year(${d}) % 100)`, 2) : pad(`year(${d})`, n) }); break;
      case 't': parts.push({ sql: n === 1 ? `(CASE WHEN hour(${d}) < 12 THEN 'A' ELSE 'P' END)` : `(CASE WHEN hour(${d}) < 12 THEN 'AM' ELSE 'PM' END)` }); break;
    }
  }
  return `(CASE WHEN ${t} IS NULL THEN '' ELSE ${joinFormat(parts)} END)`;
}
function formatTimespanSql(ts: string, fmt: string): string {
  const parts: FmtPart[] = [];
  const T = `abs(${ts})`;
  const frac7 = `lpad(CAST(${T} % 10000000 AS VARCHAR), 7, '0')`;
  for (const t of tokenizeFormat(fmt, 'dfFhHms')) {
    const n = t.n;
    switch (t.letter) {
      case undefined: parts.push({ sql: sqlString(t.text), lit: t.text }); break;
      case 'd': parts.push({ sql: pad(`(${T} // ${TICKS_DAY})`, n) }); break;
      case 'f': case 'F': parts.push(fractionPart(frac7, t.letter, n, parts)); break;
      case 'h': case 'H': parts.push({ sql: n === 1 ? vc(`((${T} // 36000000000) % 24)`) : pad(`((${T} // 36000000000) % 24)`, 2) }); break;
      case 'm': parts.push({ sql: n === 1 ? vc(`((${T} // 600000000) % 60)`) : pad(`((${T} // 600000000) % 60)`, 2) }); break;
      case 's': parts.push({ sql: n === 1 ? vc(`((${T} // 10000000) % 60)`) : pad(`((${T} // 10000000) % 60)`, 2) }); break;
    }
  }
  return `(CASE WHEN ${ts} IS NULL THEN '' ELSE ${joinFormat(parts)} END)`;
}
const formatDatetime: ScalarFunction = {
  name: 'format_datetime', minArgs: 2, maxArgs: 2,
  bind(args) {
    requireType(args, 0, dateLike, 'a datetime', 'format_datetime');
    requireConst(args, 1, 'format_datetime', 'the format');
    return 'string';
  },
  emit: (a) => letSql(tk(a[0]!), '_d', formatDatetimeSql('_d', constString(a[1])!)),
};
const formatTimespan: ScalarFunction = {
  name: 'format_timespan', minArgs: 2, maxArgs: 2,
  bind(args) {
    requireType(args, 0, tsLike, 'a timespan', 'format_timespan');
    requireConst(args, 1, 'format_timespan', 'the format');
    return 'string';
  },
  emit: (a) => letSql(as(a[0]!, 'timespan'), '_t', formatTimespanSql('_t', constString(a[1])!)),
};

const makeDatetime: ScalarFunction = fn('make_datetime', [intLike, intLike, intLike, intLike, intLike, numericOrDyn], 3, 'datetime', (a) => {
  const i = (k: number) => (a[k] ? as(a[k]!, 'long') : 'CAST(0 AS BIGINT)');
  const s = a[5] ? as(a[5], 'real') : 'CAST(0 AS DOUBLE)';
  // whole ticks of the seconds argument (truncated; the small addend absorbs binary fractions like 0.1234567 * 1e7 = 1234566.9999…)
  const date = ticksOfTs(`try(make_timestamp(${i(0)}, ${i(1)}, ${i(2)}, ${i(3)}, ${i(4)}, 0))`);
  return `(CASE WHEN ${i(0)} BETWEEN 1 AND 9999 AND ${s} >= 0 AND ${s} < 60 THEN ${date} + CAST(floor(${s} * ${TICKS_PER_SECOND} + 0.0001) AS BIGINT) END)`;
}, 'numeric');
const makeTimespan: ScalarFunction = fn('make_timespan', [numericOrDyn, numericOrDyn, numericOrDyn, numericOrDyn], 2, 'timespan', (a) => {
  const l = (k: number) => as(a[k]!, 'long');
  const sec = (x: SqlArg) => `CAST(round(${as(x, 'real')} * 10000000) AS BIGINT)`;
  if (a.length === 2) return `(${l(0)} * 36000000000 + ${l(1)} * 600000000)`;
  if (a.length === 3) return `(${l(0)} * 36000000000 + ${l(1)} * 600000000 + ${sec(a[2]!)})`;
  return `(${l(0)} * ${TICKS_DAY} + ${l(1)} * 36000000000 + ${l(2)} * 600000000 + ${sec(a[3]!)})`;
}, 'numeric');

/** bin_at(value, size, fixed_point) — bins aligned to fixed_point. */
const binAt: ScalarFunction = {
  name: 'bin_at', minArgs: 3, maxArgs: 3,
  bind(args) {
    const [v, s, f] = args as [ArgInfo, ArgInfo, ArgInfo];
    if (v.type === 'datetime') {
      if (s.type !== 'timespan' || f.type !== 'datetime') fail('bin_at(): a datetime is binned by a timespan at a datetime fixed point');
      return 'datetime';
    }
    if (v.type === 'timespan') {
      if (s.type !== 'timespan' || f.type !== 'timespan') fail('bin_at(): a timespan is binned by a timespan at a timespan fixed point');
      return 'timespan';
    }
    if (!isNumeric(v.type) || !isNumeric(s.type) || !isNumeric(f.type)) fail('bin_at(): expects numeric, datetime or timespan arguments');
    return isIntegral(v.type) && isIntegral(s.type) && isIntegral(f.type) ? 'long' : 'real';
  },
  emit(a) {
    const [v, s, f] = a as [SqlArg, SqlArg, SqlArg];
    if (v.type === 'datetime') {
      return `(CASE WHEN ${s.sql} > 0 THEN ${inDatetimeRange(`(${f.sql} + ${floorMul(`(${v.sql} - ${f.sql})`, s.sql)})`)} END)`;
    }
    if (v.type === 'timespan' || (isIntegral(v.type) && isIntegral(s.type) && isIntegral(f.type))) {
      const x = as(v, 'long'), n = as(s, 'long'), fx = as(f, 'long');
      return `(CASE WHEN ${n} > 0 THEN ${fx} + ${floorMul(`(${x} - ${fx})`, n)} END)`;
    }
    const x = as(v, 'real'), n = as(s, 'real'), fx = as(f, 'real');
    return `(CASE WHEN ${n} > 0 THEN ${fx} + floor((${x} - ${fx}) / ${n}) * ${n} END)`;
  },
};

/** ICU time-zone conversions; an unknown zone gives null. */
const tzCheck = (tz: string) => `(${tz} IN (SELECT name FROM pg_timezone_names()))`;
const safeTz = (tz: string) => `(CASE WHEN ${tzCheck(tz)} THEN ${tz} ELSE 'UTC' END)`;
/** A zone-shifted µs TIMESTAMP back to ticks, with the 100-ns digit of the original value `t`. */
const shifted = (ts: string, t: string) => inDatetimeRange(`(${ticksOfTs(ts)} + ${subMicroTick(t)})`);
const utcToLocal: ScalarFunction = fn('datetime_utc_to_local', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN ${shifted(`CAST(timezone(${safeTz(str(a[1]!))}, timezone('UTC', ${dt(a[0]!)})) AS TIMESTAMP)`, tk(a[0]!))} END)`, 'a datetime');
const localToUtc: ScalarFunction = fn('datetime_local_to_utc', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN ${shifted(`CAST(timezone('UTC', timezone(${safeTz(str(a[1]!))}, ${dt(a[0]!)})) AS TIMESTAMP)`, tk(a[0]!))} END)`, 'a datetime');

/**
 * unixtime_*_todatetime(x): ticks = 1970-01-01 + x units. Integers exactly (128-bit, so no product
 * overflows), reals through floor; outside Kusto's range → null.
 */
function unixTime(name: string, ticksPerUnit: bigint | 'ns'): ScalarFunction {
  return fn(name, [numericOrDyn], 0, 'datetime', (a) => {
    const x = a[0]!;
    let h: string;
    if (isIntegral(x.type)) {
      const v = `CAST(${as(x, 'long')} AS HUGEINT)`;
      h = ticksPerUnit === 'ns' ? `(${floorDiv(v, '100')})` : `(${v} * ${ticksPerUnit})`;
    } else {
      const r = as(x, 'real');
      h = `TRY_CAST(floor(${ticksPerUnit === 'ns' ? `${r} / 100` : `${r} * ${ticksPerUnit}`}) AS HUGEINT)`;
    }
    return `CAST(${inDatetimeRange(`(${h} + ${EPOCH_TICKS})`)} AS BIGINT)`;
  }, 'numeric');
}

export const DATETIME_FUNCTIONS: ScalarFunction[] = [
  ago,
  now,
  datePart('getyear', (d) => `year(${d})`),
  datePart('getmonth', (d) => `month(${d})`),
  datePart('monthofyear', (d) => `month(${d})`),
  datePart('dayofmonth', (d) => `day(${d})`),
  datePart('dayofyear', (d) => `dayofyear(${d})`),
  datePart('hourofday', (d) => `hour(${d})`),
  ...(['day', 'week', 'month', 'year'] as const).flatMap((u) => [periodBoundary('start', u), periodBoundary('end', u)]),
  datetimePart, datetimeAdd, datetimeDiff, formatDatetime, formatTimespan, makeDatetime, makeTimespan, binAt,
  utcToLocal, localToUtc,
  fn('datetime_list_timezones', [], 0, 'dynamic', () => `(SELECT CAST(to_json(list(name ORDER BY name)) AS JSON) FROM pg_timezone_names())`),
  fn('week_of_year', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  fn('weekofyear', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  // 0001-01-01 was a Monday: days since then + 1, mod 7, is 0 on Sundays
  fn('dayofweek', [dateLike], 0, 'timespan', (a) => `((((${tk(a[0]!)}) // ${TICKS_DAY} + 1) % 7) * ${TICKS_DAY})`, 'a datetime'),
  unixTime('unixtime_nanoseconds_todatetime', 'ns'),
  unixTime('unixtime_microseconds_todatetime', 10n),
  unixTime('unixtime_milliseconds_todatetime', 10000n),
  unixTime('unixtime_seconds_todatetime', 10000000n),
];

