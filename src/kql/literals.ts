/**
 * literals.ts — parsing of the textual bodies of typed literals:
 * datetime(…), timespan(…)/time(…), guid(…).  Pure functions, no SQL.
 *
 * Representations (shared with the AST and bound trees):
 *   datetime → bigint 100-ns ticks since 0001-01-01 UTC (.NET DateTime.Ticks, as Kusto; types.ts)
 *   timespan → bigint ticks (100 ns)
 */
import { decimalTimesTicks, TIMESPAN_UNITS } from './lexer.js';

export const TICKS_PER_DAY = 864000000000n;
export const TICKS_PER_HOUR = 36000000000n;
export const TICKS_PER_MINUTE = 600000000n;
export const TICKS_PER_SECOND = 10000000n;
export const MAX_DATETIME_TICKS = 3155378975999999999n; // 9999-12-31 23:59:59.9999999
/** Ticks of 1970-01-01 since 0001-01-01. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: y + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/**
 * Parses a datetime literal body.  Accepts ISO 8601 (`2024-01-01`, `2024-01-01T10:00`,
 * `2024-01-01 10:00:00.1234567Z`, with an optional `±hh:mm` offset), `/` separators,
 * month-first dates (`12-02-2022`, `12/02/2022 10:00`), and the RFC 822/850 forms (`Sat, 8 Nov 14 15:05:02 GMT`, `08-Nov-14 15:05`).
 * Returns ticks since 0001-01-01 (digits past the 7th are truncated), or undefined if invalid.
 */
export function parseDatetimeText(text: string): bigint | undefined {
  const s = text.trim();
  let y: number, mo: number, d: number;
  let h = 0, mi = 0, sec = 0;
  let frac = '';
  let offsetMin = 0;
  // (spaces around the date's separators are allowed, as the docs' datetime(2017 - 08 - 01); commas
  // too, as .NET's invariant culture reads the year-first datetime(2025, 6, 14) of endofweek-function.md)
  let m = /^(\d{4})\s*(?:[-/]\s*(\d{1,2})\s*[-/]|,\s*(\d{1,2})\s*,)\s*(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|GMT|UTC|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    y = +m[1]!; mo = +(m[2] ?? m[3])!; d = +m[4]!;
    if (m[5] !== undefined) { h = +m[5]; mi = +m[6]!; }
    if (m[7] !== undefined) sec = +m[7];
    frac = m[8] ?? '';
    const off = m[9];
    if (off && /^[+-]/.test(off)) {
      const digits = off.replace(':', '');
      offsetMin = (off[0] === '-' ? -1 : 1) * (parseInt(digits.slice(1, 3), 10) * 60 + parseInt(digits.slice(3, 5), 10));
    }
  } else if ((m = /^(\d{1,2})[-/](\d{1,2})[-/](\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|GMT|UTC)?$/.exec(s))) {
    // month first, as .NET's invariant culture reads 12-02-2022 (todatetime-function.md)
    mo = +m[1]!; d = +m[2]!; y = +m[3]!;
    if (m[4] !== undefined) { h = +m[4]; mi = +m[5]!; }
    if (m[6] !== undefined) sec = +m[6];
    frac = m[7] ?? '';
  } else {
    // RFC 822 / RFC 850: [Weekday, ] d Mon yy[yy] hh:mm[:ss] [GMT]   or   dd-Mon-yy hh:mm[:ss] [GMT]
    m = /^(?:[A-Za-z]+,\s*)?(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+(GMT|UTC|Z))?$/.exec(s);
    if (!m) return undefined;
    const mon = MONTHS[m[2]!.toLowerCase()];
    if (mon === undefined) return undefined;
    d = +m[1]!; mo = mon; y = +m[3]!;
    if (m[3]!.length === 2) y += y < 50 ? 2000 : 1900;
    h = +m[4]!; mi = +m[5]!;
    if (m[6] !== undefined) sec = +m[6];
  }
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  const days = BigInt(daysFromCivil(y, mo, d));
  const fracTicks = BigInt((frac + '0000000').slice(0, 7));
  const ticks = UNIX_EPOCH_TICKS + (((days * 24n + BigInt(h)) * 60n + BigInt(mi) - BigInt(offsetMin)) * 60n + BigInt(sec)) * TICKS_PER_SECOND + fracTicks;
  if (ticks < 0n || ticks > MAX_DATETIME_TICKS) return undefined;
  return ticks;
}

/** "00".."99": two-digit fields of a formatted datetime. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
/** The last day formatted ("YYYY-MM-DDT") and its number: a result's datetimes mostly share days. */
let lastDay = -1;
let lastDayText = '';

/**
 * Formats ticks since 0001-01-01 as Kusto does: 2024-01-01T10:00:00.1234567Z (7 fractional digits).
 * Two BigInt divisions, then Number arithmetic (seconds since 0001-01-01 stay far below 2^53 up to
 * 9999-12-31): every datetime cell of every query answer passes here.
 */
export function formatDatetimeTicks(ticks: bigint): string {
  if (ticks < 0n || ticks > MAX_DATETIME_TICKS) return formatDatetimeTicksWide(ticks);
  const secs = Number(ticks / TICKS_PER_SECOND);
  const frac = Number(ticks % TICKS_PER_SECOND);
  const day = Math.floor(secs / 86400);
  let sod = secs - day * 86400;
  if (day !== lastDay) {
    const { y, m, d } = civilFromDays(day - 719162); // 719162 days from 0001-01-01 to 1970-01-01
    lastDayText = `${String(y).padStart(4, '0')}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}T`;
    lastDay = day;
  }
  const hh = Math.floor(sod / 3600);
  sod -= hh * 3600;
  const mm = Math.floor(sod / 60);
  const ss = sod - mm * 60;
  return `${lastDayText}${TWO_DIGITS[hh]}:${TWO_DIGITS[mm]}:${TWO_DIGITS[ss]}.${frac === 0 ? '0000000' : String(frac).padStart(7, '0')}Z`;
}

/** The same for ticks outside 0001-01-01..9999-12-31 (BigInt throughout, as before). */
export function formatDatetimeTicksWide(ticks: bigint): string {
  const days = ticks / TICKS_PER_DAY;
  const rem = ticks % TICKS_PER_DAY;
  const { y, m, d } = civilFromDays(Number(days) - 719162); // 719162 days from 0001-01-01 to 1970-01-01
  const secOfDay = rem / TICKS_PER_SECOND;
  const frac = rem % TICKS_PER_SECOND;
  const hh = secOfDay / 3600n, mm = (secOfDay / 60n) % 60n, ss = secOfDay % 60n;
  const p = (n: number | bigint, w: number) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(m, 2)}-${p(d, 2)}T${p(hh, 2)}:${p(mm, 2)}:${p(ss, 2)}.${p(frac, 7)}Z`;
}

/** µs since the Unix epoch (e.g. a JavaScript Date's ms × 1000) → ticks since 0001-01-01. */
export function ticksFromUnixMicros(us: bigint): bigint {
  return us * 10n + UNIX_EPOCH_TICKS;
}

/** Ticks since 0001-01-01 → µs since the Unix epoch (floored: the 100-ns digit is dropped). */
export function unixMicrosFromTicks(ticks: bigint): bigint {
  const t = ticks - UNIX_EPOCH_TICKS;
  return t >= 0n || t % 10n === 0n ? t / 10n : t / 10n - 1n;
}

/**
 * Parses a timespan literal body: `1.02:03:04.5`, `00:01:00`, `-1d`, `15 seconds`, `2` (days), `1.5h`.
 * Returns ticks, or undefined if invalid.
 */
export function parseTimespanText(text: string): bigint | undefined {
  const s = text.trim();
  let m = /^([+-])?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(s);
  if (m) {
    const days = BigInt(m[2] ?? '0');
    const h = BigInt(m[3]!), mi = BigInt(m[4]!), sec = BigInt(m[5] ?? '0');
    if (h > 23n || mi > 59n || sec > 59n) return undefined;
    const frac = BigInt(((m[6] ?? '') + '0000000').slice(0, 7));
    const t = days * TICKS_PER_DAY + h * TICKS_PER_HOUR + mi * TICKS_PER_MINUTE + sec * TICKS_PER_SECOND + frac;
    return m[1] === '-' ? -t : t;
  }
  m = /^([+-])?(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)$/.exec(s);
  if (m) {
    const unit = m[3] === '' ? 'd' : m[3]!;
    const per = Object.prototype.hasOwnProperty.call(TIMESPAN_UNITS, unit) ? TIMESPAN_UNITS[unit] : undefined;
    if (per === undefined) return undefined;
    const t = decimalTimesTicks(m[2]!.replace(/\.$/, ''), per);
    if (t === undefined) return undefined;
    return m[1] === '-' ? -t : t;
  }
  return undefined;
}

/** Formats ticks as Kusto prints a timespan: [-][d.]hh:mm:ss[.fffffff]. */
export function formatTimespanTicks(ticks: bigint): string {
  const neg = ticks < 0n;
  let t = neg ? -ticks : ticks;
  const days = t / TICKS_PER_DAY;
  t %= TICKS_PER_DAY;
  const h = t / TICKS_PER_HOUR;
  t %= TICKS_PER_HOUR;
  const mi = t / TICKS_PER_MINUTE;
  t %= TICKS_PER_MINUTE;
  const sec = t / TICKS_PER_SECOND;
  const frac = t % TICKS_PER_SECOND;
  const p = (n: bigint, w: number) => String(n).padStart(w, '0');
  return (neg ? '-' : '') + (days > 0n ? `${days}.` : '') + `${p(h, 2)}:${p(mi, 2)}:${p(sec, 2)}` + (frac > 0n ? `.${p(frac, 7)}` : '');
}

/** Validates and normalizes a GUID (lower case, 8-4-4-4-12). */
export function parseGuidText(text: string): string | undefined {
  const s = text.trim();
  const m = /^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/.exec(s);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
}

/** Formats a JS number the way Kusto prints a real in text (tostring / strcat). */
export function formatReal(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n).replace('e+', 'E+').replace('e-', 'E-');
}
