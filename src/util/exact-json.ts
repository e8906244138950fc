/**
 * JSON that keeps 64-bit integers exact. `JSON.parse` turns `9223372036854775807` into
 * 9223372036854775808 and `JSON.stringify` cannot write a bigint at all; Azure's APIs (and Python's
 * `json`, the .NET SDKs, Kusto) write longs as plain JSON numbers with every digit. Here integers
 * that a double cannot hold exactly are read as `bigint` and bigints are written as their digits,
 * through `lossless-json`; everything else is what `JSON.parse`/`JSON.stringify` give.
 */
import { isInteger, isSafeNumber, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

/** An integer a double cannot represent needs at least 16 digits (2^53 = 9007199254740992). */
const LONG_DIGIT_RUN = 16;

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Does `text` hold a run of at least 16 ASCII digits? Any 16 consecutive positions include exactly
 * one multiple of 16, so only those positions are looked at, and a digit there is measured both
 * ways — a sixteenth of the work of testing `/\d{16}/` at every position (which cost a third of the
 * JSON parse itself on a 1,000-row ingestion request).
 */
export function hasLongDigitRun(text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i += LONG_DIGIT_RUN) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= LONG_DIGIT_RUN) return true;
    // Continue at the first multiple of 16 at or after the run's end (the loop adds the 16).
    i = Math.ceil(end / LONG_DIGIT_RUN) * LONG_DIGIT_RUN - LONG_DIGIT_RUN;
  }
  return false;
}

/** Numbers: integers beyond ±(2^53−1) as bigint, all others as number. */
const parseNumber = (text: string): number | bigint => (isInteger(text) && !isSafeNumber(text) ? BigInt(text) : parseFloat(text));

/** Parses JSON text; integers that a JS number would round come back as bigint. Throws SyntaxError on bad JSON. */
export function parseExactJson(text: string): unknown {
  // Text without a run of 16 digits has no such integer: the native parser gives the same values, faster.
  if (!hasLongDigitRun(text)) return JSON.parse(text);
  return losslessParse(text, null, parseNumber);
}

/** JSON text of a value that may hold bigints (written as JSON numbers with all their digits). */
export function stringifyExactJson(value: unknown): string {
  const text = losslessStringify(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** `JSON.stringify` for a flat array of cells (a result row), with bigints written as exact numbers. */
export function stringifyRow(row: readonly unknown[]): string {
  if (!row.some((v) => typeof v === 'bigint')) return JSON.stringify(row);
  return `[${row.map((v) => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v) ?? 'null')).join(',')}]`;
}
