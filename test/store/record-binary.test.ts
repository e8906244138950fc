/**
 * The binary log record (src/store/record-binary.ts): every value reads back exactly as it was
 * written — through the typed layouts and through the JSON fallback for what they cannot hold
 * (lone surrogates, bigints beyond 64 bits, mixed types) — and a damaged record is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ColumnBatch } from '../../src/store/column-batch.js';
import type { StoredValue } from '../../src/store/column-types.js';
import type { StoredColumn } from '../../src/store/manifest.js';
import { BINARY_MAGIC, decodeBinaryRecord, encodeBinaryRecord } from '../../src/store/record-binary.js';
import { decodeRecord, encodeColumnsRecord } from '../../src/store/record-codec.js';

const COLUMNS: StoredColumn[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'Big', type: 'long' },
  { name: 'Small', type: 'int' },
  { name: 'Ratio', type: 'real' },
  { name: 'Flag', type: 'bool' },
  { name: 'Props', type: 'dynamic' },
  { name: 'Tenant', type: 'string' },
  { name: 'Missing', type: 'string' },
];

function row(i: number): StoredValue[] {
  return [
    638_000_000_000_000_000n + BigInt(i) * 10_000_000n + BigInt(i % 10),
    i % 7 === 0 ? null : i % 5 === 0 ? '' : `m-${i} "quoted" ünïcødé 日本語 😀 \\ ${'x'.repeat(i % 50)}`,
    i % 5 === 0 ? 9_223_372_036_854_775_807n - BigInt(i) : i % 5 === 1 ? -9_223_372_036_854_775_808n + BigInt(i) : BigInt(i * 1_000_003),
    i % 11 === 0 ? null : (i % 2 === 0 ? 1 : -1) * (2_147_483_000 + (i % 600)),
    i % 13 === 0 ? null : i / 7,
    i % 3 === 0 ? null : i % 2 === 0,
    i % 4 === 0 ? null : JSON.stringify({ i, tags: ['a', 'b'] }),
    '1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d',
    null,
  ];
}

const roundTrip = (rows: StoredValue[][], columns = COLUMNS) => decodeRecord(encodeBinaryRecord('T_CL', columns, ColumnBatch.fromRows(rows, columns.length)));

describe('binary log record', () => {
  it('reads back every type exactly, and as the JSON layout reads the same batch', () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    const payload = encodeBinaryRecord('T_CL', COLUMNS, ColumnBatch.fromRows(rows, COLUMNS.length));
    assert.ok(payload.subarray(0, BINARY_MAGIC.length).equals(BINARY_MAGIC));
    const rec = decodeRecord(payload);
    assert.equal(rec.table, 'T_CL');
    assert.deepEqual(rec.columns, COLUMNS);
    assert.deepEqual(rec.rows, rows);
    assert.deepEqual(rec, decodeRecord(encodeColumnsRecord('T_CL', COLUMNS, ColumnBatch.fromRows(rows, COLUMNS.length))));
  });

  it('keeps what the typed layouts cannot hold: lone surrogates, bigints beyond 64 bits, mixed types', () => {
    const columns: StoredColumn[] = [
      { name: 'S', type: 'string' },
      { name: 'L', type: 'long' },
      { name: 'M', type: 'string' },
      { name: 'D', type: 'real' },
    ];
    const rows: StoredValue[][] = [
      ['lone \ud800 high', 2n ** 70n, 'text', -0],
      ['lone \udfff low', -(2n ** 64n), 42, Number.MAX_VALUE],
      ['pair 😀 ok', 1n, true, 5e-324],
      ['\ud83d', 0n, null, -1.5],
    ];
    const rec = roundTrip(rows, columns);
    assert.deepEqual(rec.rows, rows);
    assert.ok(Object.is(rec.rows[0]![3], -0), 'negative zero kept');
  });

  it('constant and all-null columns, one row, and no rows', () => {
    const same = Array.from({ length: 50 }, () => row(3));
    assert.deepEqual(roundTrip(same).rows, same);
    assert.deepEqual(roundTrip([row(8)]).rows, [row(8)]);
    assert.deepEqual(roundTrip([]).rows, []);
    const nulls = Array.from({ length: 20 }, () => COLUMNS.map(() => null));
    assert.deepEqual(roundTrip(nulls).rows, nulls);
  });

  it('a damaged record is refused, never read short', () => {
    const payload = encodeBinaryRecord('T_CL', COLUMNS, ColumnBatch.fromRows(Array.from({ length: 40 }, (_, i) => row(i)), COLUMNS.length));
    for (const cut of [5, 20, payload.length - 1]) assert.throws(() => decodeBinaryRecord(payload.subarray(0, cut)), /ends early|bad|length/);
    assert.throws(() => decodeBinaryRecord(Buffer.concat([payload, Buffer.from([0])])), /after its last column/);
    const badLayout = Buffer.from(payload);
    // The first column's layout byte follows the magic, the header's length and the header.
    badLayout[BINARY_MAGIC.length + 4 + badLayout.readUInt32LE(BINARY_MAGIC.length)] = 99;
    assert.throws(() => decodeBinaryRecord(badLayout), /unknown column layout 99/);
  });
});
