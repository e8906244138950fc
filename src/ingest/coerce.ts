import type { StreamColumn } from '../metadata/records.js';
import type { StoredValue } from '../store/column-types.js';
import { stringifyExactJson } from '../util/exact-json.js';
import { MAX_DATETIME_TICKS, UNIX_EPOCH_TICKS } from '../kql/literals.js';

/** Why a value could not be converted to its declared type (the caller adds row and column). */
export class CoercionError extends Error {}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Date.UTC, except that years 0–99 are those years (Date.UTC reads them as 1900–1999). */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): number {
  if (year >= 100) return Date.UTC(year, month, day, hour, minute, second, ms);
  const d = new Date(Date.UTC(2000, month, day, hour, minute, second, ms));
  d.setUTCFullYear(year);
  return d.getTime();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const digitsAt = (t: string, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
};

/** Days from 0001-01-01 to the given proleptic Gregorian date (month 1–12), by arithmetic alone (H. Hinnant's days_from_civil). */
function daysSinceYear1(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  // days_from_civil counts from 1970-01-01, which is day 719,162 of year 1.
  return era * 146097 + doe - 719468 + 719162;
}

const TICKS_PER_DAY = 864_000_000_000n;
/** The last day seen and its ticks at midnight: a request's rows mostly fall on one or two days. */
let lastDay = -1;
let lastDayTicks = 0n;

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` — what `Date.toISOString()` (so every JavaScript SDK) sends — read
 * without a regular expression or a Date, with two bigint operations per value (the day's ticks
 * are remembered); anything else returns undefined and takes the general path.
 */
function parseIsoMillisZ(t: string): bigint | undefined {
  if (t.length !== 24 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46 || t.charCodeAt(23) !== 90) return undefined;
  const year = digitsAt(t, 0, 4), month = digitsAt(t, 5, 2), day = digitsAt(t, 8, 2);
  const hour = digitsAt(t, 11, 2), minute = digitsAt(t, 14, 2), second = digitsAt(t, 17, 2), ms = digitsAt(t, 20, 3);
  // Year 0000 is before Kusto's range; every time of a day in years 1–9999 is inside it.
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  const days = daysSinceYear1(year, month, day);
  if (days !== lastDay) {
    lastDayTicks = BigInt(days) * TICKS_PER_DAY;
    lastDay = days;
  }
  // At most 863,999,990,000 ticks into the day: exact as a double.
  return lastDayTicks + BigInt((((hour * 60 + minute) * 60 + second) * 1000 + ms) * 10_000);
}

const TICKS_PER_MS = 10_000n;

/** The ticks when inside Kusto's datetime range (0001-01-01 … 9999-12-31 23:59:59.9999999), else undefined. */
const inKustoRange = (ticks: bigint): bigint | undefined => (ticks >= 0n && ticks <= MAX_DATETIME_TICKS ? ticks : undefined);

/**
 * Parses an ISO 8601 datetime into the stored form: 100-ns ticks since 0001-01-01 UTC (src/kql/types.ts;
 * UTC when no offset is given, digits past the 7th truncated). Undefined when it is not a datetime or
 * falls outside Kusto's range.
 */
export function parseDatetimeTicks(text: string): bigint | undefined {
  const fast = parseIsoMillisZ(text);
  if (fast !== undefined) return fast;
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = utcMs(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined; // e.g. Feb 30
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return inKustoRange(BigInt(ms) * TICKS_PER_MS + UNIX_EPOCH_TICKS + BigInt((frac + '0000000').slice(0, 7)));
}

/**
 * A long from a JSON number or a numeric string. Integers beyond ±(2^53−1) arrive as bigint from the
 * exact parser (decode-body.ts); a number that is still a double beyond that range was rounded
 * somewhere before Vigil and is refused rather than stored as a value nobody sent.
 */
function toLong(v: unknown): bigint {
  if (typeof v === 'bigint') {
    if (v < LONG_MIN || v > LONG_MAX) throw new CoercionError(`${v} is outside the range of a long`);
    return v;
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new CoercionError(`${v} is not a whole number`);
    if (!Number.isSafeInteger(v)) throw new CoercionError(`${v} is outside the range of a long or was rounded before it reached Vigil`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) {
    const b = BigInt(v.trim());
    if (b < LONG_MIN || b > LONG_MAX) throw new CoercionError(`'${v}' is outside the range of a long`);
    return b;
  }
  throw new CoercionError(`${describe(v)} is not an integer`);
}

function describe(v: unknown): string {
  const text = stringifyExactJson(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The JSON text of a parsed value: `JSON.stringify` (native, several times faster) unless the value
 * holds a bigint (an integer beyond ±(2^53−1), which it refuses), then the exact writer.
 */
export function jsonText(v: unknown): string {
  try {
    const text = JSON.stringify(v);
    if (text !== undefined) return text;
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
  return stringifyExactJson(v);
}

/** Converts one JSON value of a stream column; `null`/absent stays null. Throws CoercionError. */
export type Coercer = (v: unknown) => StoredValue;

/**
 * The conversion for one stream column type, chosen once per stream declaration (ingest-service.ts
 * compiles a stream's columns into an array of these) instead of once per value.
 */
export const COERCERS: Readonly<Record<StreamColumn['type'], Coercer>> = {
  string: (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'object' ? jsonText(v) : String(v)),
  dynamic: (v) => (v === null || v === undefined ? null : jsonText(v)),
  boolean: (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
    if (v === 0 || v === 1) return v === 1;
    throw new CoercionError(`${describe(v)} is not a boolean`);
  },
  int: (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v;
    const n = toLong(v);
    if (n < INT32_MIN || n > INT32_MAX) throw new CoercionError(`${describe(v)} is outside the range of an int`);
    return Number(n);
  },
  long: (v) => (v === null || v === undefined ? null : toLong(v)),
  real: (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    if (typeof v === 'string' && /^(NaN|[+-]?Infinity)$/.test(v.trim())) return Number(v.trim());
    throw new CoercionError(`${describe(v)} is not a number`);
  },
  datetime: (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') {
      const ticks = parseDatetimeTicks(v);
      if (ticks !== undefined) return ticks;
    }
    throw new CoercionError(`${describe(v)} is not an ISO 8601 datetime between 0001-01-01 and 9999-12-31`);
  },
};

/**
 * Converts one JSON value to the stored form of a stream column type, as the Logs Ingestion API
 * does: numbers and numeric strings for numeric types, ISO 8601 text for datetime, anything for
 * dynamic and string (objects become their JSON). `null` stays null.
 */
export function coerceValue(v: unknown, type: StreamColumn['type']): StoredValue {
  return COERCERS[type](v);
}
