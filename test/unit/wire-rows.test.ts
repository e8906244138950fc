/**
 * Result rows are written to JSON cell by cell (`wireRowWriter`, src/query/wire-format.ts) and
 * datetimes formatted with Number arithmetic (`formatDatetimeTicks`, src/kql/literals.ts): the text
 * must be exactly what the general path gives — `toWireRow` then `stringifyRow` — for every value a
 * DuckDB column can hand over, and the datetimes exactly what the BigInt formatter gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDatetimeTicks, formatDatetimeTicksWide, MAX_DATETIME_TICKS, TICKS_PER_DAY } from '../../src/kql/literals.js';
import type { ColumnSchema, KqlType } from '../../src/kql/types.js';
import { toWireRow, wireRowAppender, wireRowWriter } from '../../src/query/wire-format.js';
import { stringifyRow } from '../../src/util/exact-json.js';

/** A deterministic pseudo-random sequence (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

const rnd = random(20_261_207);
const randomTicks = (): bigint => (BigInt(Math.floor(rnd() * 2 ** 31)) * BigInt(Math.floor(rnd() * 2 ** 31)) * 3n) % (MAX_DATETIME_TICKS + 1n);

/** Values of each type as getRowsJS() gives them (and some it should not, which take the general path). */
const VALUES: Record<KqlType, unknown[]> = {
  datetime: [
    0n, 1n, 9_999_999n, 10_000_000n, TICKS_PER_DAY - 1n, TICKS_PER_DAY, 621_355_968_000_000_000n, 638_400_000_001_234_567n,
    MAX_DATETIME_TICKS, MAX_DATETIME_TICKS - 1n, MAX_DATETIME_TICKS + 1n, -1n, -TICKS_PER_DAY - 5n,
    null, undefined, new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), 638_400_000_000_000_000, '638400000000000000', 'not a time',
  ],
  long: [0n, -0, 0, 1n, -1n, 42, -42, 2.9, -2.9, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), Number.MAX_SAFE_INTEGER, 2 ** 60, NaN, Infinity, '12345678901234567890', '-7', 'x', true, null, undefined],
  int: [0, 1, -1, 2_147_483_647, -2_147_483_648, 0n, 7n, 1.5, null, undefined, 'nope'],
  real: [0, -0, 1.5, -2.25, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 123456789.123456789, 10n, '3.5', 'NaN', null, undefined],
  bool: [true, false, 0, 1, '', 'true', null, undefined],
  string: ['', 'plain', 'a "quoted" \\ text', '\u2028\u2029', '\u0000\u001f\u007f', 'émoji 🚀 日本語', '\ud800 lone surrogate', 'x'.repeat(100_000), 12, null, undefined],
  guid: ['6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a', '', null, undefined],
  decimal: ['12.5', '0.25', '-1', null, undefined],
  dynamic: ['{"a":1,"b":[1,2,{"c":null}]}', '[]', '"text"', '12345678901234567890', 'null', '{"u":"\\u2028 é 🚀"}', { a: 1 }, [1, 'x'], 5, null, undefined],
  timespan: [0n, 1n, -1n, 36_000_000_000n, TICKS_PER_DAY * 3n + 12_345n, -TICKS_PER_DAY - 1n, 5, null, undefined],
};

const reference = (row: unknown[], columns: ColumnSchema[], longAsString = false) => stringifyRow(toWireRow(row, columns, { longAsString }));

describe('result rows as JSON text', () => {
  it('writes every value of every type as the general path does', () => {
    for (const [type, values] of Object.entries(VALUES) as [KqlType, unknown[]][]) {
      const columns: ColumnSchema[] = [{ name: 'c', type }];
      for (const longAsString of [false, true]) {
        const write = wireRowWriter(columns, { longAsString });
        for (const v of values) {
          assert.equal(write([v]), reference([v], columns, longAsString), `${type} ${typeof v === 'bigint' ? `${v}n` : String(v).slice(0, 40)} (longAsString ${longAsString})`);
        }
      }
    }
  });

  it('writes whole rows of mixed columns, extra cells left out and missing ones as nulls', () => {
    const types = Object.keys(VALUES) as KqlType[];
    const columns: ColumnSchema[] = types.map((type, i) => ({ name: `c${i}`, type }));
    const write = wireRowWriter(columns);
    for (let n = 0; n < 2_000; n++) {
      const row = types.map((t) => VALUES[t][Math.floor(rnd() * VALUES[t].length)]);
      assert.equal(write(row), reference(row, columns));
      // A parse of the text gives the row (the JSON is well formed).
      assert.equal(JSON.parse(write(row)).length, columns.length);
    }
    assert.equal(write([]), reference([], columns));
    assert.equal(write([...types.map((t) => VALUES[t][0]), 'extra']), reference([...types.map((t) => VALUES[t][0]), 'extra'], columns));
    assert.equal(wireRowWriter([])([1, 2]), '[]');
  });

  it('appends rows as pieces whose joined text and counted length are the rows', () => {
    const types = Object.keys(VALUES) as KqlType[];
    const columns: ColumnSchema[] = types.map((type, i) => ({ name: `c${i}`, type }));
    const append = wireRowAppender(columns);
    const out: string[] = ['prefix'];
    const rows = Array.from({ length: 50 }, () => types.map((t) => VALUES[t][Math.floor(rnd() * VALUES[t].length)]));
    for (const row of rows) {
      const before = out.join('').length;
      const length = append(row, out);
      assert.equal(out.join('').length - before, length);
    }
    assert.equal(out.join(''), `prefix${rows.map((r) => reference(r, columns)).join('')}`);
  });

  it('formats datetimes as the BigInt formatter does, across the whole range and day after day', () => {
    const samples = [0n, MAX_DATETIME_TICKS, ...Array.from({ length: 20_000 }, randomTicks)];
    // Runs of the same day and the next one, as a bin() summary has them (the formatter keeps the last day).
    for (let t = 638_400_000_000_000_000n - 3n * TICKS_PER_DAY, i = 0; i < 2_000; i++, t += 3_000_000_000n) samples.push(t, t - TICKS_PER_DAY, t + 1n);
    for (const t of samples) assert.equal(formatDatetimeTicks(t), formatDatetimeTicksWide(t), `${t}n`);
    assert.equal(formatDatetimeTicks(0n), '0001-01-01T00:00:00.0000000Z');
    assert.equal(formatDatetimeTicks(MAX_DATETIME_TICKS), '9999-12-31T23:59:59.9999999Z');
    assert.equal(formatDatetimeTicks(638_400_000_001_234_567n), '2024-01-04T21:20:00.1234567Z');
    assert.equal(formatDatetimeTicks(621_355_968_000_000_001n), '1970-01-01T00:00:00.0000001Z');
  });
});
