/**
 * sqlexpr.ts — reusable SQL expression builders: typed literals and the
 * conversions between KQL types (the to*() family, and the implicit
 * conversions operators apply).  All constants go through sql.ts.
 */
import type { LiteralValue } from './bound.js';
import { addTicks, inDatetimeRange, ticksOfTs, tsOfTicks, EPOCH_TICKS } from './datetime-sql.js';
import { formatReal } from './literals.js';
import { sqlString } from './sql.js';
import { sqlType, type KqlType } from './types.js';

export { EPOCH_TICKS };

/** SQL for a literal of the given KQL type (value representation: see ast.ts LiteralExpr). */
export function literalSql(type: KqlType, value: LiteralValue): string {
  if (value === null) return `CAST(NULL AS ${sqlType(type)})`;
  switch (type) {
    case 'bool':
      return value ? 'TRUE' : 'FALSE';
    case 'int':
      return `CAST(${BigInt(value as bigint).toString()} AS INTEGER)`;
    case 'long':
    case 'timespan':
    case 'datetime':
      return `CAST(${BigInt(value as bigint).toString()} AS BIGINT)`;
    case 'real': {
      const n = value as number;
      const text = Object.is(n, -0) ? '-0.0' : formatReal(n);
      return `CAST(${sqlString(text)} AS DOUBLE)`;
    }
    case 'decimal':
      return `CAST(${sqlString(String(value))} AS DECIMAL(38,18))`;
    case 'string':
      return sqlString(String(value));
    case 'guid':
      return `CAST(${sqlString(String(value))} AS UUID)`;
    case 'dynamic':
      return `CAST(${sqlString(String(value))} AS JSON)`;
  }
}

/** datetime + timespan (ticks), null outside Kusto's datetime range. */
export function datetimePlusSql(d: string, ticks: string, op: '+' | '-' = '+'): string {
  return addTicks(d, ticks, op);
}

/** Scalar text of a dynamic value: strings unquoted, other values as JSON text; NULL for JSON null. */
function dynamicScalarText(a: string): string {
  return `json_extract_string(${a}, '$')`;
}

/** Kusto's textual form of a timespan: [-][d.]hh:mm:ss[.fffffff], computed in SQL from ticks. */
function timespanToStringSql(a: string): string {
  const t = `abs(${a})`;
  const p2 = (e: string) => `lpad(CAST(${e} AS VARCHAR), 2, '0')`;
  return (
    `coalesce((CASE WHEN ${a} < 0 THEN '-' ELSE '' END)` +
    ` || (CASE WHEN ${t} >= 864000000000 THEN CAST(${t} // 864000000000 AS VARCHAR) || '.' ELSE '' END)` +
    ` || ${p2(`(${t} // 36000000000) % 24`)} || ':' || ${p2(`(${t} // 600000000) % 60`)} || ':' || ${p2(`(${t} // 10000000) % 60`)}` +
    ` || (CASE WHEN ${t} % 10000000 <> 0 THEN '.' || lpad(CAST(${t} % 10000000 AS VARCHAR), 7, '0') ELSE '' END), '')`
  );
}

/** Kusto's textual form of a real (1.0 → "1", 1e20 → "1E+20", NaN, Infinity). */
function realToStringSql(a: string): string {
  return (
    `(CASE WHEN ${a} IS NULL THEN '' WHEN isnan(${a}) THEN 'NaN' WHEN ${a} = 'Infinity'::DOUBLE THEN 'Infinity' WHEN ${a} = '-Infinity'::DOUBLE THEN '-Infinity'` +
    ` WHEN ${a} = trunc(${a}) AND abs(${a}) < 1e15 THEN CAST(CAST(${a} AS BIGINT) AS VARCHAR)` +
    ` ELSE replace(CAST(${a} AS VARCHAR), 'e', 'E') END)`
  );
}

export function toStringSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'string':
      return a;
    case 'bool':
      // Kusto writes a bool as "True"/"False" (a dynamic true stays JSON's "true"; issue #12)
      return `(CASE WHEN ${a} IS NULL THEN '' WHEN ${a} THEN 'True' ELSE 'False' END)`;
    case 'int':
    case 'long':
    case 'guid':
      return `coalesce(CAST(${a} AS VARCHAR), '')`;
    case 'real':
      return realToStringSql(a);
    case 'decimal':
      return `coalesce(rtrim(rtrim(CAST(${a} AS VARCHAR), '0'), '.'), '')`;
    case 'datetime':
      // 7 fractional digits: the µs from the calendar form, then the 100-ns digit
      return `coalesce(strftime(${tsOfTicks(a)}, '%Y-%m-%dT%H:%M:%S.%f') || CAST((${a}) % 10 AS VARCHAR) || 'Z', '')`;
    case 'timespan':
      return timespanToStringSql(a);
    case 'dynamic':
      return `coalesce(${text ?? dynamicScalarText(a)}, '')`;
  }
}

/** Parses integer text exactly, and other numeric text through DOUBLE with truncation. */
function stringToLongSql(a: string): string {
  return `(CASE WHEN regexp_full_match(trim(${a}), '[+-]?[0-9]+') THEN TRY_CAST(trim(${a}) AS BIGINT) ELSE TRY_CAST(trunc(TRY_CAST(trim(${a}) AS DOUBLE)) AS BIGINT) END)`;
}

export function toLongSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'long':
    case 'timespan':
      return a;
    case 'int':
    case 'bool':
      return `CAST(${a} AS BIGINT)`;
    case 'real':
    case 'decimal':
      return `TRY_CAST(trunc(${a}) AS BIGINT)`;
    case 'datetime':
      return a; // ticks since 0001-01-01, as Kusto's tolong(datetime)
    case 'string':
      return stringToLongSql(a);
    case 'dynamic':
      return stringToLongSql(text ?? dynamicScalarText(a));
    case 'guid':
      return 'CAST(NULL AS BIGINT)';
  }
}

/**
 * A HUGEINT value wrapped to BIGINT (two's complement): Kusto's long arithmetic wraps instead of
 * failing (issue #12). `h` appears once; only adds, masks and subtracts (HUGEINT division is slow).
 */
export function wrapToLongSql(h: string): string {
  return `CAST((((${h}) + CAST('9223372036854775808' AS HUGEINT)) & CAST('18446744073709551615' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT)`;
}

/**
 * `x op y` on BIGINTs, wrapping on overflow: the BIGINT operation where it does not overflow (the
 * common case, at full speed), the 128-bit one wrapped where it does.
 */
export function wrappingLongSql(x: string, op: '+' | '-' | '*', y: string, rowwise = true): string {
  const wrapped = wrapToLongSql(`CAST(${x} AS HUGEINT) ${op} ${y}`);
  // try() takes only row-wise expressions; and x, y appear twice in the fast form, so past a size
  // the (slower) 128-bit form alone keeps nested arithmetic from growing exponentially.
  if (!rowwise || x.length + y.length > 2000) return wrapped;
  return `coalesce(try(${x} ${op} ${y}), ${wrapped})`;
}

/** A BIGINT wrapped to INTEGER (its low 32 bits, two's complement). */
function wrapToIntSql(l: string): string {
  return `CAST(((${l}) % 4294967296 + 6442450944) % 4294967296 - 2147483648 AS INTEGER)`;
}

/** toint(): the long value's low 32 bits — a long out of int range wraps (issue #12: toint(4294967297) is 1). */
export function toIntSql(a: string, from: KqlType, text?: string): string {
  if (from === 'int') return a;
  return wrapToIntSql(toLongSql(a, from, text));
}

export function toRealSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'real':
      return a;
    case 'int':
    case 'long':
    case 'decimal':
    case 'bool':
    case 'timespan':
      return `CAST(${a} AS DOUBLE)`;
    case 'datetime':
      return `CAST(${toLongSql(a, from)} AS DOUBLE)`;
    case 'string':
      return `TRY_CAST(trim(${a}) AS DOUBLE)`;
    case 'dynamic':
      return `TRY_CAST(${text ?? dynamicScalarText(a)} AS DOUBLE)`;
    case 'guid':
      return 'CAST(NULL AS DOUBLE)';
  }
}

export function toDecimalSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'decimal':
      return a;
    case 'int':
    case 'long':
    case 'real':
    case 'bool':
      return `TRY_CAST(${a} AS DECIMAL(38,18))`;
    case 'string':
      return `TRY_CAST(trim(${a}) AS DECIMAL(38,18))`;
    case 'dynamic':
      return `TRY_CAST(${text ?? dynamicScalarText(a)} AS DECIMAL(38,18))`;
    default:
      return 'CAST(NULL AS DECIMAL(38,18))';
  }
}

/** "true"/"false" in any case, or an integer (non-zero is true); anything else ("1.0", "yes") is null (issue #12). */
function stringToBoolSql(s: string): string {
  return `(CASE WHEN lower(trim(${s})) = 'true' THEN TRUE WHEN lower(trim(${s})) = 'false' THEN FALSE WHEN regexp_full_match(trim(${s}), '[+-]?[0-9]+') THEN TRY_CAST(trim(${s}) AS HUGEINT) <> 0 END)`;
}

export function toBoolSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'bool':
      return a;
    case 'int':
    case 'long':
    case 'real':
    case 'decimal':
    case 'timespan':
      return `(${a} <> 0)`;
    case 'string':
      return stringToBoolSql(a);
    case 'dynamic':
      return stringToBoolSql(text ?? dynamicScalarText(a));
    default:
      return 'CAST(NULL AS BOOLEAN)';
  }
}

// A trailing Z/UTC/GMT is removed; a 5-digit or signed year empties the text (no TIMESTAMP past
// Kusto's range reaches epoch_us() * 10, which could overflow).
const DT_SUFFIX_RE = sqlString('^[+-].*|^[0-9]{5}.*|\\s*(Z|z|UTC|GMT)$');

/** The 7th fractional digit of a time of day (…:ss.fffffff), which DuckDB's µs TIMESTAMP cast drops. */
const SEVENTH_DIGIT_RE = sqlString(':[0-9]{2}[.,][0-9]{6}([0-9])');

/** A month-first date at the start of the text: month, day, 4-digit year. */
const US_DATE_RE = sqlString('^([0-9]{1,2})[-/]([0-9]{1,2})[-/]([0-9]{4})');

/** A trailing numeric UTC offset (±hh:mm, ±hhmm), which DuckDB's TIMESTAMP cast would ignore. */
const DT_OFFSET_RE = sqlString('[+-][0-9]{2}:?[0-9]{2}\\s*$');

/**
 * ISO-ish text → ticks (UTC).  A trailing Z/UTC/GMT is accepted; a numeric offset is applied
 * (through TIMESTAMPTZ: the session's time zone is UTC).
 */
function stringToDatetimeSql(s: string): string {
  // a month-first date (12-02-2022, 12/02/2022 …) as .NET's invariant culture reads it: ISO order
  const iso = `regexp_replace(trim(${s}), ${US_DATE_RE}, '\\3-\\1-\\2')`;
  const text = `regexp_replace(${iso}, ${DT_SUFFIX_RE}, '')`;
  const ts = `(CASE WHEN regexp_matches(${s}, ${DT_OFFSET_RE}) THEN TRY_CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP) ELSE TRY_CAST(${text} AS TIMESTAMP) END)`;
  const us = ticksOfTs(ts);
  return inDatetimeRange(`(${us} + coalesce(TRY_CAST(regexp_extract(${s}, ${SEVENTH_DIGIT_RE}, 1) AS BIGINT), 0))`);
}

export function toDatetimeSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'datetime':
      return a;
    case 'string':
      return stringToDatetimeSql(a);
    case 'dynamic':
      return stringToDatetimeSql(text ?? dynamicScalarText(a));
    default:
      return 'CAST(NULL AS BIGINT)';
  }
}

const TIMESPAN_RE = sqlString('^\\s*(-)?(?:([0-9]+)\\.)?([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\\.([0-9]{1,7}))?)?\\s*$');

/** "[-][d.]hh:mm[:ss[.fffffff]]" → ticks, computed with regexp_extract groups. */
function stringToTimespanSql(s: string): string {
  const g = (i: number) => `regexp_extract(${s}, ${TIMESPAN_RE}, ${i})`;
  const n = (i: number) => `coalesce(TRY_CAST(${g(i)} AS BIGINT), 0)`;
  return (
    `(CASE WHEN regexp_matches(${s}, ${TIMESPAN_RE}) THEN (CASE WHEN ${g(1)} = '-' THEN -1 ELSE 1 END) * (` +
    `${n(2)} * 864000000000 + ${n(3)} * 36000000000 + ${n(4)} * 600000000 + ${n(5)} * 10000000 + coalesce(TRY_CAST(rpad(${g(6)}, 7, '0') AS BIGINT), 0)) END)`
  );
}

export function toTimespanSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'timespan':
      return a;
    case 'int':
    case 'long':
      return `CAST(${a} AS BIGINT)`;
    case 'real':
    case 'decimal':
      return `TRY_CAST(trunc(${a}) AS BIGINT)`;
    case 'string':
      return stringToTimespanSql(a);
    case 'dynamic':
      return stringToTimespanSql(text ?? dynamicScalarText(a));
    default:
      return 'CAST(NULL AS BIGINT)';
  }
}

export function toGuidSql(a: string, from: KqlType, text?: string): string {
  switch (from) {
    case 'guid':
      return a;
    case 'string':
      return `TRY_CAST(trim(${a}) AS UUID)`;
    case 'dynamic':
      return `TRY_CAST(${text ?? dynamicScalarText(a)} AS UUID)`;
    default:
      return 'CAST(NULL AS UUID)';
  }
}

/** Any value → dynamic.  Strings are parsed as JSON when valid (parse_json semantics). */
export function toDynamicSql(a: string, from: KqlType, parseStrings: boolean): string {
  switch (from) {
    case 'dynamic':
      return a;
    case 'string':
      if (parseStrings) return `(CASE WHEN ${a} = '' THEN CAST(NULL AS JSON) WHEN json_valid(${a}) THEN CAST(${a} AS JSON) ELSE to_json(${a}) END)`;
      return `to_json(${a})`;
    case 'datetime':
    case 'timespan':
      return `CAST(to_json(${toStringSql(a, from)}) AS JSON)`;
    case 'guid':
    case 'decimal':
      return `to_json(CAST(${a} AS VARCHAR))`;
    case 'real':
      return `(CASE WHEN isnan(${a}) OR isinf(${a}) THEN to_json(${realToStringSql(a)}) ELSE to_json(${a}) END)`;
    default:
      return `to_json(${a})`;
  }
}

/**
 * Converts between any two KQL types with to*() semantics (null when not convertible).  For a
 * dynamic value, `text` may give SQL for its scalar text (what json_extract_string(a, '$') would
 * return) computed more cheaply — e.g. json_extract_string(doc, pointer) for a property access.
 */
export function convertSql(a: string, from: KqlType, to: KqlType, text?: string): string {
  if (from === to) return a;
  switch (to) {
    case 'string': return toStringSql(a, from, text);
    case 'long': return toLongSql(a, from, text);
    case 'int': return toIntSql(a, from, text);
    case 'real': return toRealSql(a, from, text);
    case 'decimal': return toDecimalSql(a, from, text);
    case 'bool': return toBoolSql(a, from, text);
    case 'datetime': return toDatetimeSql(a, from, text);
    case 'timespan': return toTimespanSql(a, from, text);
    case 'guid': return toGuidSql(a, from, text);
    case 'dynamic': return toDynamicSql(a, from, true);
  }
}
