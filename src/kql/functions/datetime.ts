/** datetime.ts — datetime and timespan functions. */
import { type ArgInfo, type ScalarFunction, type SqlArg } from '../bound.js';
import { sqlString } from '../sql.js';
import { literalSql, ticksToInterval } from '../sqlexpr.js';
import { isIntegral, isNumeric } from '../types.js';
import {
  fail, as, str, requireType, numericOrDyn, anyScalar, fn, dateLike, tsLike, intLike, constString, requireConst, letSql,
} from './define.js';

function nowSql(nowUs: bigint): string {
  return literalSql('datetime', nowUs);
}

const ago: ScalarFunction = fn('ago', [(t) => t === 'timespan'], 0, 'datetime', (args, ctx) => {
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return literalSql('datetime', ctx.nowUs - a.literal.value / 10n);
  return `(${nowSql(ctx.nowUs)} - ${ticksToInterval(a.sql)})`;
}, 'a timespan');

const now: ScalarFunction = fn('now', [(t) => t === 'timespan'], 1, 'datetime', (args, ctx) => {
  if (args.length === 0) return nowSql(ctx.nowUs);
  const a = args[0]!;
  if (a.literal && typeof a.literal.value === 'bigint') return literalSql('datetime', ctx.nowUs + a.literal.value / 10n);
  return `(${nowSql(ctx.nowUs)} + ${ticksToInterval(a.sql)})`;
}, 'a timespan');

/** get*(date): one part of a datetime as an int. */
function datePart(name: string, expr: (d: string) => string): ScalarFunction {
  return fn(name, [(t) => t === 'datetime' || t === 'dynamic' || t === 'string'], 0, 'int', (args) => `CAST(${expr(as(args[0]!, 'datetime'))} AS INTEGER)`, 'a datetime');
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
const dt = (a: SqlArg) => as(a, 'datetime');
const offsetArg = (a: SqlArg | undefined) => (a ? `CAST(${as(a, 'long')} AS INTEGER)` : '0');

/** startof*(date[, offset]) and endof*(date[, offset]) — week starts on Sunday; endof* is the last tick (µs here). */
function periodStart(unit: 'day' | 'week' | 'month' | 'year', d: string, off: string): string {
  switch (unit) {
    case 'day': return `CAST(date_trunc('day', ${d}) + to_days(${off}) AS TIMESTAMP)`;
    case 'week': return `CAST(date_trunc('day', ${d}) - to_days(CAST(dayofweek(${d}) AS INTEGER)) + to_days(7 * ${off}) AS TIMESTAMP)`;
    case 'month': return `CAST(date_trunc('month', ${d}) + to_months(${off}) AS TIMESTAMP)`;
    case 'year': return `CAST(date_trunc('year', ${d}) + to_years(${off}) AS TIMESTAMP)`;
  }
}
function startOf(unit: 'day' | 'week' | 'month' | 'year'): ScalarFunction {
  return fn(`startof${unit}`, [dateLike, intLike], 1, 'datetime', (a) => periodStart(unit, dt(a[0]!), offsetArg(a[1])), 'a datetime');
}
function endOf(unit: 'day' | 'week' | 'month' | 'year'): ScalarFunction {
  return fn(`endof${unit}`, [dateLike, intLike], 1, 'datetime', (a) => `(${periodStart(unit, dt(a[0]!), `(${offsetArg(a[1])} + 1)`)} - INTERVAL 1 MICROSECOND)`, 'a datetime');
}

const PARTS = ['year', 'quarter', 'month', 'week_of_year', 'week', 'day', 'dayofyear', 'hour', 'minute', 'second', 'millisecond', 'microsecond', 'nanosecond'];
function partName(args: ArgInfo[], fnName: string, allowed: string[]): string {
  const p = requireConst(args, 0, fnName, 'the part').toLowerCase();
  if (!allowed.includes(p)) fail(`${fnName}(): unknown part '${p}'`, 0);
  return p;
}
function datetimePartSql(p: string, d: string): string {
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
    case 'millisecond': return `((microsecond(${d}) % 1000000) // 1000)`;
    case 'microsecond': return `(microsecond(${d}) % 1000000)`;
    default: return `((microsecond(${d}) % 1000000) * 1000)`;
  }
}
const datetimePart: ScalarFunction = {
  name: 'datetime_part', minArgs: 2, maxArgs: 2,
  bind(args) {
    partName(args, 'datetime_part', PARTS);
    requireType(args, 1, dateLike, 'a datetime', 'datetime_part');
    return 'int';
  },
  emit: (a) => `CAST(${datetimePartSql(constString(a[0])!.toLowerCase(), dt(a[1]!))} AS INTEGER)`,
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
    const d = dt(a[2]!);
    const iv: Record<string, string> = {
      year: `to_years(CAST(${n} AS INTEGER))`, quarter: `to_months(CAST(3 * ${n} AS INTEGER))`, month: `to_months(CAST(${n} AS INTEGER))`,
      week: `to_days(CAST(7 * ${n} AS INTEGER))`, day: `to_days(CAST(${n} AS INTEGER))`, hour: `to_hours(${n})`, minute: `to_minutes(${n})`,
      second: `to_seconds(CAST(${n} AS DOUBLE))`, millisecond: `to_milliseconds(CAST(${n} AS DOUBLE))`, microsecond: `to_microseconds(${n})`, nanosecond: `to_microseconds(${n} // 1000)`,
    };
    return `try(CAST(${d} + ${iv[p]} AS TIMESTAMP))`;
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
    const d1 = dt(a[1]!), d2 = dt(a[2]!);
    const us = (d: string) => `epoch_us(${d})`;
    const per = (n: number) => `(${floorDiv(us(d1), String(n))} - ${floorDiv(us(d2), String(n))})`;
    switch (p) {
      case 'year': return `CAST(year(${d1}) - year(${d2}) AS BIGINT)`;
      case 'quarter': return `CAST((year(${d1}) * 4 + quarter(${d1})) - (year(${d2}) * 4 + quarter(${d2})) AS BIGINT)`;
      case 'month': return `CAST((year(${d1}) * 12 + month(${d1})) - (year(${d2}) * 12 + month(${d2})) AS BIGINT)`;
      // 1970-01-04 was a Sunday: shift by 3 days so that week boundaries fall on Sundays
      case 'week': return `(${floorDiv(`(${us(d1)} - 259200000000)`, '604800000000')} - ${floorDiv(`(${us(d2)} - 259200000000)`, '604800000000')})`;
      case 'day': return per(86400000000);
      case 'hour': return per(3600000000);
      case 'minute': return per(60000000);
      case 'second': return per(1000000);
      case 'millisecond': return per(1000);
      case 'microsecond': return `(${us(d1)} - ${us(d2)})`;
      default: return `((${us(d1)} - ${us(d2)}) * 1000)`;
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

function formatDatetimeSql(d: string, fmt: string): string {
  const parts: FmtPart[] = [];
  const frac7 = `(lpad(CAST(microsecond(${d}) % 1000000 AS VARCHAR), 6, '0') || '0')`;
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
  return `(CASE WHEN ${d} IS NULL THEN '' ELSE ${joinFormat(parts)} END)`;
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
  emit: (a) => letSql(dt(a[0]!), '_d', formatDatetimeSql('_d', constString(a[1])!)),
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
  // whole microseconds of the seconds argument (truncated, like the 100-ns ticks are truncated elsewhere)
  return `(CASE WHEN ${i(0)} BETWEEN 1 AND 9999 AND ${s} >= 0 AND ${s} < 60 THEN try(make_timestamp(${i(0)}, ${i(1)}, ${i(2)}, ${i(3)}, ${i(4)}, 0) + to_microseconds(CAST(floor(${s} * 1000000 + 0.0000001) AS BIGINT))) END)`;
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
      const diff = `((epoch_us(${v.sql}) - epoch_us(${f.sql})) * 10)`;
      return `(CASE WHEN ${s.sql} > 0 THEN CAST(${f.sql} + to_microseconds(${floorMul(diff, s.sql)} // 10) AS TIMESTAMP) END)`;
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
const utcToLocal: ScalarFunction = fn('datetime_utc_to_local', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN CAST(timezone(${safeTz(str(a[1]!))}, timezone('UTC', ${dt(a[0]!)})) AS TIMESTAMP) END)`, 'a datetime');
const localToUtc: ScalarFunction = fn('datetime_local_to_utc', [dateLike, anyScalar], 0, 'datetime', (a) =>
  `(CASE WHEN ${tzCheck(str(a[1]!))} THEN CAST(timezone('UTC', timezone(${safeTz(str(a[1]!))}, ${dt(a[0]!)})) AS TIMESTAMP) END)`, 'a datetime');

export const DATETIME_FUNCTIONS: ScalarFunction[] = [
  ago,
  now,
  datePart('getyear', (d) => `year(${d})`),
  datePart('getmonth', (d) => `month(${d})`),
  datePart('monthofyear', (d) => `month(${d})`),
  datePart('dayofmonth', (d) => `day(${d})`),
  datePart('dayofyear', (d) => `dayofyear(${d})`),
  datePart('hourofday', (d) => `hour(${d})`),
  startOf('day'), startOf('week'), startOf('month'), startOf('year'),
  endOf('day'), endOf('week'), endOf('month'), endOf('year'),
  datetimePart, datetimeAdd, datetimeDiff, formatDatetime, formatTimespan, makeDatetime, makeTimespan, binAt,
  utcToLocal, localToUtc,
  fn('datetime_list_timezones', [], 0, 'dynamic', () => `(SELECT CAST(to_json(list(name ORDER BY name)) AS JSON) FROM pg_timezone_names())`),
  fn('week_of_year', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  fn('weekofyear', [dateLike], 0, 'int', (a) => `CAST(weekofyear(${dt(a[0]!)}) AS INTEGER)`, 'a datetime'),
  fn('dayofweek', [dateLike], 0, 'timespan', (a) => `(CAST(dayofweek(${dt(a[0]!)}) AS BIGINT) * ${TICKS_DAY})`, 'a datetime'),
  fn('unixtime_nanoseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} / 1000) AS BIGINT)))`, 'numeric'),
  fn('unixtime_microseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')}) AS BIGINT)))`, 'numeric'),
  fn('unixtime_milliseconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} * 1000) AS BIGINT)))`, 'numeric'),
  fn('unixtime_seconds_todatetime', [numericOrDyn], 0, 'datetime', (a) => `try(make_timestamp(TRY_CAST(floor(${as(a[0]!, 'real')} * 1000000) AS BIGINT)))`, 'numeric'),
];

