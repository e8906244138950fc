import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { CoercionError, coerceValue, parseDatetimeMicros } from '../../src/ingest/coerce.js';
import { decodeIngestBody, MAX_INGEST_BYTES } from '../../src/ingest/decode-body.js';
import { ApiError } from '../../src/errors/api-error.js';

describe('ingestion value coercion', () => {
  it('parses ISO 8601 datetimes to microseconds', () => {
    assert.equal(parseDatetimeMicros('2024-01-02T03:04:05Z'), BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n);
    assert.equal(parseDatetimeMicros('2024-01-02T03:04:05.1234567Z'), BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n + 123456n);
    assert.equal(parseDatetimeMicros('2024-01-02T05:04:05+02:00'), BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n);
    assert.equal(parseDatetimeMicros('2024-01-02'), BigInt(Date.UTC(2024, 0, 2)) * 1000n);
    assert.equal(parseDatetimeMicros('2024-02-30T00:00:00Z'), undefined);
    assert.equal(parseDatetimeMicros('yesterday'), undefined);
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
  it('reads JSON integers beyond 2^53 exactly and keeps their digits in every column type', () => {
    const [row] = decodeIngestBody(Buffer.from('[{"a":9223372036854775807,"b":-9223372036854775808,"c":9007199254740993,"d":{"n":12345678901234567890},"e":1.5,"f":7}]'), undefined) as Record<string, unknown>[];
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
  it('keeps null, and serialises objects for string and dynamic columns', () => {
    assert.equal(coerceValue(null, 'int'), null);
    assert.equal(coerceValue({ a: 1 }, 'dynamic'), '{"a":1}');
    assert.equal(coerceValue({ a: 1 }, 'string'), '{"a":1}');
    assert.equal(coerceValue(5, 'string'), '5');
  });
});

describe('ingestion body decoding', () => {
  it('decodes gzip and plain JSON arrays', () => {
    assert.deepEqual(decodeIngestBody(gzipSync('[{"a":1}]'), 'gzip'), [{ a: 1 }]);
    assert.deepEqual(decodeIngestBody(Buffer.from('[]'), undefined), []);
  });
  it('stops a gzip bomb at the limit', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_INGEST_BYTES * 4, 0x20));
    assert.throws(() => decodeIngestBody(bomb, 'gzip'), (e) => e instanceof ApiError && e.status === 413);
  });
  it('refuses corrupt gzip, non-arrays and unknown encodings', () => {
    assert.throws(() => decodeIngestBody(Buffer.from('not gzip'), 'gzip'), (e) => e instanceof ApiError && e.status === 400);
    assert.throws(() => decodeIngestBody(Buffer.from('{"a":1}'), undefined), (e) => e instanceof ApiError && e.status === 400);
    assert.throws(() => decodeIngestBody(Buffer.from('[]'), 'br'), (e) => e instanceof ApiError && e.status === 415);
  });
});
