import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { CoercionError, coerceValue, parseDatetimeTicks } from '../../src/ingest/coerce.js';
import { decodeIngestBody, MAX_INGEST_BYTES } from '../../src/ingest/decode-body.js';
import { ApiError } from '../../src/errors/api-error.js';
import { hasLongDigitRun } from '../../src/util/exact-json.js';

describe('ingestion value coercion', () => {
  it('parses ISO 8601 datetimes to 100-ns ticks since 0001-01-01, all 7 fractional digits kept', () => {
    const ticks = (ms: number) => BigInt(ms) * 10_000n + 621355968000000000n;
    assert.equal(parseDatetimeTicks('2024-01-02T03:04:05Z'), ticks(Date.UTC(2024, 0, 2, 3, 4, 5)));
    assert.equal(parseDatetimeTicks('2024-01-02T03:04:05.123Z'), ticks(Date.UTC(2024, 0, 2, 3, 4, 5, 123)));
    assert.equal(parseDatetimeTicks('2024-01-02T03:04:05.1234567Z'), ticks(Date.UTC(2024, 0, 2, 3, 4, 5)) + 1234567n);
    assert.equal(parseDatetimeTicks('2024-01-02T03:04:05.123456789Z'), ticks(Date.UTC(2024, 0, 2, 3, 4, 5)) + 1234567n);
    assert.equal(parseDatetimeTicks('2024-01-02T05:04:05+02:00'), ticks(Date.UTC(2024, 0, 2, 3, 4, 5)));
    assert.equal(parseDatetimeTicks('2024-01-02'), ticks(Date.UTC(2024, 0, 2)));
    assert.equal(parseDatetimeTicks('2024-02-30T00:00:00Z'), undefined);
    assert.equal(parseDatetimeTicks('yesterday'), undefined);
    // Kusto's whole range, and nothing outside it
    assert.equal(parseDatetimeTicks('0001-01-01T00:00:00.0000000Z'), 0n);
    assert.equal(parseDatetimeTicks('9999-12-31T23:59:59.9999999Z'), 3155378975999999999n);
    assert.equal(parseDatetimeTicks('1500-06-01T00:00:00.0000001Z'), ticks(Date.UTC(1500, 5, 1)) + 1n);
    assert.equal(parseDatetimeTicks('0000-12-31T23:59:59Z'), undefined);
    assert.equal(parseDatetimeTicks('0001-01-01T00:30:00+01:00'), undefined);
    assert.equal(parseDatetimeTicks('9999-12-31T23:30:00-01:00'), undefined);
    assert.throws(() => coerceValue('0001-01-01T00:30:00+01:00', 'datetime'), CoercionError);
    assert.throws(() => coerceValue('0000-01-01T00:00:00.000Z', 'datetime'), CoercionError);
    assert.equal(coerceValue('2024-01-01T00:00:00.1234567Z', 'datetime'), ticks(Date.UTC(2024, 0, 1)) + 1234567n);
  });
  it('converts numbers and numeric strings, and refuses what does not fit', () => {
    assert.equal(coerceValue('42', 'int'), 42);
    assert.equal(coerceValue(42, 'long'), 42n);
    assert.equal(coerceValue('9223372036854775807', 'long'), 9223372036854775807n);
    assert.throws(() => coerceValue('9223372036854775808', 'long'), CoercionError);
    assert.throws(() => coerceValue(2 ** 31, 'int'), CoercionError);
    assert.throws(() => coerceValue(1.5, 'int'), CoercionError);
    assert.throws(() => coerceValue('seven', 'real'), CoercionError);
    assert.equal(coerceValue('1.5', 'real'), 1.5);
    assert.equal(coerceValue('TRUE', 'boolean'), true);
    assert.throws(() => coerceValue('yes', 'boolean'), CoercionError);
  });
  it('reads JSON integers beyond 2^53 exactly and keeps their digits in every column type', async () => {
    const [row] = (await decodeIngestBody(Buffer.from('[{"a":9223372036854775807,"b":-9223372036854775808,"c":9007199254740993,"d":{"n":12345678901234567890},"e":1.5,"f":7}]'), undefined)) as Record<string, unknown>[];
    assert.deepEqual(row, { a: 9223372036854775807n, b: -9223372036854775808n, c: 9007199254740993n, d: { n: 12345678901234567890n }, e: 1.5, f: 7 });
    assert.equal(coerceValue(row!.a, 'long'), 9223372036854775807n);
    assert.equal(coerceValue(row!.b, 'long'), -9223372036854775808n);
    assert.equal(coerceValue(row!.c, 'string'), '9007199254740993');
    assert.equal(coerceValue(row!.d, 'dynamic'), '{"n":12345678901234567890}');
    assert.equal(coerceValue(row!.d, 'string'), '{"n":12345678901234567890}');
    assert.equal(coerceValue(row!.c, 'real'), 9007199254740992);
    assert.throws(() => coerceValue(row!.c, 'int'), /outside the range of an int/);
    assert.throws(() => coerceValue(9223372036854775808n, 'long'), /outside the range of a long/);
    assert.throws(() => coerceValue(2 ** 60, 'long'), CoercionError); // a double that was rounded already
  });
  it('finds a run of 16 digits wherever it starts, as /\\d{16}/ does (the check before the exact parser)', () => {
    const re = /\d{16}/;
    // Runs of 15, 16 and 17 digits at every offset around the stride of 16, between non-digits.
    for (let lead = 0; lead < 40; lead++) {
      for (const len of [1, 4, 15, 16, 17, 31, 32, 33]) {
        const text = `${'x'.repeat(lead)}${'7'.repeat(len)}",${'9'.repeat(15)}:`;
        assert.equal(hasLongDigitRun(text), re.test(text), `${lead} + ${len}`);
      }
    }
    // Random texts of digits and other characters, dense enough to hold runs of every length.
    let seed = 42;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 3000; k++) {
      let text = '';
      const n = Math.floor(next() * 120);
      for (let i = 0; i < n; i++) text += next() < 0.93 ? String(Math.floor(next() * 10)) : ',';
      assert.equal(hasLongDigitRun(text), re.test(text), text);
    }
    assert.equal(hasLongDigitRun(''), false);
    assert.equal(hasLongDigitRun('9007199254740993'), true);
  });
  it('reads toISOString() datetimes on the fast path exactly as the general parser does', () => {
    for (const text of ['2024-02-29T23:59:59.123Z', '1970-01-01T00:00:00.000Z', '2023-12-31T12:00:00.999Z', '0001-01-01T00:00:00.000Z']) {
      assert.equal(coerceValue(text, 'datetime'), BigInt(Date.parse(text)) * 10_000n + 621355968000000000n, text);
      assert.equal(coerceValue(` ${text}`, 'datetime'), coerceValue(text, 'datetime')); // the regex path
    }
    // Times spread over Kusto's whole range (years 1–9999), several per day: the fast path's day arithmetic and its remembered day.
    const year1 = new Date(0);
    year1.setUTCFullYear(1, 0, 1); // Date.UTC would read year 1 as 1901
    const first = year1.getTime();
    const span = Date.UTC(9999, 11, 31, 23, 59, 59, 999) - first;
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 5000; k++) {
      const base = first + Math.floor(next() * span);
      for (const ms of [base, base + 1, base + Math.floor(next() * 86_400_000)]) {
        const d = new Date(Math.min(ms, first + span));
        const text = d.toISOString();
        assert.equal(coerceValue(text, 'datetime'), BigInt(d.getTime()) * 10_000n + 621355968000000000n, text);
      }
    }
    for (const bad of ['2023-02-29T00:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-01-01T24:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-01-01T00:60:00.000Z', '2024-0a-01T00:00:00.000Z']) {
      assert.throws(() => coerceValue(bad, 'datetime'), CoercionError, bad);
    }
  });
  it('keeps null, and serialises objects for string and dynamic columns', () => {
    assert.equal(coerceValue(null, 'int'), null);
    assert.equal(coerceValue({ a: 1 }, 'dynamic'), '{"a":1}');
    assert.equal(coerceValue({ a: 1 }, 'string'), '{"a":1}');
    assert.equal(coerceValue(5, 'string'), '5');
  });
});

describe('ingestion body decoding', () => {
  it('decodes gzip, deflate and plain JSON arrays', async () => {
    assert.deepEqual(await decodeIngestBody(gzipSync('[{"a":1}]'), 'gzip'), [{ a: 1 }]);
    assert.deepEqual(await decodeIngestBody(deflateSync('[{"a":2}]'), 'deflate'), [{ a: 2 }]);
    assert.deepEqual(await decodeIngestBody(Buffer.from('[]'), undefined), []);
  });
  it('stops a gzip or deflate bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(MAX_INGEST_BYTES * 4, 0x20));
    await assert.rejects(decodeIngestBody(bomb, 'gzip'), (e) => e instanceof ApiError && e.status === 413);
    await assert.rejects(decodeIngestBody(deflateSync(Buffer.alloc(MAX_INGEST_BYTES * 4, 0x20)), 'deflate'), (e) => e instanceof ApiError && e.status === 413);
  });
  it('refuses corrupt gzip, non-arrays and unknown encodings', async () => {
    await assert.rejects(decodeIngestBody(Buffer.from('not gzip'), 'gzip'), (e) => e instanceof ApiError && e.status === 400);
    await assert.rejects(decodeIngestBody(Buffer.from('{"a":1}'), undefined), (e) => e instanceof ApiError && e.status === 400);
    await assert.rejects(decodeIngestBody(Buffer.from('[]'), 'br'), (e) => e instanceof ApiError && e.status === 415);
  });
});
