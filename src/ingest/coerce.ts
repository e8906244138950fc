import type { StreamColumn } from '../metadata/records.js';
import type { StoredValue } from '../store/column-types.js';
import { stringifyExactJson } from '../util/exact-json.js';

/** Why a value could not be converted to its declared type (the caller adds row and column). */
export class CoercionError extends Error {}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses an ISO 8601 datetime into microseconds since the Unix epoch (UTC when no offset is given). */
export function parseDatetimeMicros(text: string): bigint | undefined {
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined; // e.g. Feb 30
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const micros = BigInt(ms) * 1000n + BigInt((frac + '000000').slice(0, 6));
  return micros;
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
 * Converts one JSON value to the stored form of a stream column type, as the Logs Ingestion API
 * does: numbers and numeric strings for numeric types, ISO 8601 text for datetime, anything for
 * dynamic and string (objects become their JSON). `null` stays null.
 */
export function coerceValue(v: unknown, type: StreamColumn['type']): StoredValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'object' ? stringifyExactJson(v) : String(v);
    case 'dynamic':
      return stringifyExactJson(v);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
      if (v === 0 || v === 1) return v === 1;
      throw new CoercionError(`${describe(v)} is not a boolean`);
    case 'int': {
      const n = toLong(v);
      if (n < INT32_MIN || n > INT32_MAX) throw new CoercionError(`${describe(v)} is outside the range of an int`);
      return Number(n);
    }
    case 'long':
      return toLong(v);
    case 'real': {
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      if (typeof v === 'string' && /^(NaN|[+-]?Infinity)$/.test(v.trim())) return Number(v.trim());
      throw new CoercionError(`${describe(v)} is not a number`);
    }
    case 'datetime': {
      if (typeof v === 'string') {
        const micros = parseDatetimeMicros(v);
        if (micros !== undefined) return micros;
      }
      throw new CoercionError(`${describe(v)} is not an ISO 8601 datetime`);
    }
  }
}
