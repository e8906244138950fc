/**
 * A query's answer read column by column in bulk (column-reader.ts) must be exactly what the node
 * API's generic `convertRows(JSDuckDBValueConverter)` gives on the same result: for every type the
 * reader handles (BIGINT, DOUBLE, INTEGER, BOOLEAN, VARCHAR, JSON) with nulls and edge values
 * (int64 extremes, NaN, ±Infinity, -0, empty, inline-edge, long and non-ASCII strings), across
 * chunk boundaries (2,048 rows), in random mixed-type results, and for the types it leaves to the
 * generic converter (DECIMAL, UUID, HUGEINT, LIST, TIMESTAMP...).
 */
import assert from 'node:assert/strict';
import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { after, before, describe, it } from 'node:test';
import { appendChunkRows } from '../../src/store/column-reader.js';
import { runAndReadRows } from '../../src/store/read-rows.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

/** Both readers on one materialized result of `sql`; asserts they agree and returns the rows. */
async function same(sql: string): Promise<unknown[][]> {
  const result = await conn.run(sql);
  const generic: unknown[][] = [];
  const bulk: unknown[][] = [];
  for (let i = 0; i < result.chunkCount; i++) {
    const chunk = result.getChunk(i);
    for (const row of chunk.convertRows(JSDuckDBValueConverter)) generic.push(row);
    appendChunkRows(chunk, bulk);
  }
  // deepStrictEqual tells -0 from 0 and NaN equals NaN (Object.is), bigint from number.
  assert.deepStrictEqual(bulk, generic);
  return bulk;
}

function sqlString(s: string): string {
  // A NUL cannot be in an SQL literal: chr(0) joined in.
  return `'${s.replace(/'/g, "''").replace(/\u0000/g, "' || chr(0) || '")}'`;
}

const STRINGS = [
  '', 'a', 'hello world!', 'hello world!!', 'héllo', 'ünïcødé!', '日本語漢', '日本語漢字', '😀😀😀', '😀😀😀x',
  'a\u0000b', "it's", 'x'.repeat(5000), `long ${'ü'.repeat(300)} end`, '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
];

describe('column reader (bulk) equals the generic converter', () => {
  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  });
  after(() => {
    conn.closeSync();
    instance.closeSync();
  });

  it('BIGINT: extremes, zero, nulls', async () => {
    const rows = await same(
      `SELECT * FROM (VALUES ('-9223372036854775808'::BIGINT), (9223372036854775807::BIGINT), (0::BIGINT), (NULL::BIGINT), (-1::BIGINT), (638000000000000000::BIGINT)) t(v)`,
    );
    assert.deepStrictEqual(rows.map((r) => r[0]), [-9223372036854775808n, 9223372036854775807n, 0n, null, -1n, 638000000000000000n]);
  });

  it('DOUBLE: NaN, ±Infinity, -0, extremes, nulls', async () => {
    const rows = await same(
      `SELECT * FROM (VALUES ('NaN'::DOUBLE), ('Infinity'::DOUBLE), ('-Infinity'::DOUBLE), (-0.0::DOUBLE), (0.0::DOUBLE), (NULL::DOUBLE), (1.7976931348623157e308::DOUBLE), (5e-324::DOUBLE), (0.1::DOUBLE)) t(v)`,
    );
    assert.ok(Number.isNaN(rows[0]![0]));
    assert.ok(Object.is(rows[3]![0], -0));
    assert.equal(rows[5]![0], null);
  });

  it('INTEGER and BOOLEAN with nulls', async () => {
    const rows = await same(
      `SELECT * FROM (VALUES ('-2147483648'::INTEGER, true), (2147483647::INTEGER, false), (NULL::INTEGER, NULL::BOOLEAN), (0::INTEGER, true)) t(i, b)`,
    );
    assert.deepStrictEqual(rows, [[-2147483648, true], [2147483647, false], [null, null], [0, true]]);
  });

  it('VARCHAR and JSON: empty, inline edge, long, non-ASCII, NUL, nulls', async () => {
    const values = STRINGS.map((s) => `(${sqlString(s)})`).join(', ');
    const rows = await same(`SELECT v, to_json(v) AS j FROM (VALUES ${values}, (NULL)) t(v)`);
    assert.deepStrictEqual(rows.map((r) => r[0]), [...STRINGS, null]);
    await same(`SELECT '{"a": [1, "ü"]}'::JSON AS j, NULL::JSON AS n`);
  });

  it('chunk boundaries: 2,047 to 6,145 rows of every handled type with nulls', async () => {
    for (const n of [2047, 2048, 2049, 4096, 6145]) {
      const rows = await same(
        `SELECT i::BIGINT AS l, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS d, CASE WHEN i % 5 = 0 THEN NULL ELSE i::INTEGER END AS n,
                CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END AS b,
                CASE WHEN i % 11 = 0 THEN NULL WHEN i % 2 = 0 THEN 'r' || i ELSE 'a longer text value for row ' || i || ' é' END AS s
         FROM range(${n}) t(i) ORDER BY i`,
      );
      assert.equal(rows.length, n);
      assert.deepStrictEqual(rows[n - 1]![0], BigInt(n - 1));
    }
  });

  it('long strings next to each other in the heap: ASCII runs, non-ASCII runs, nulls between', async () => {
    await conn.run(`CREATE TABLE msgs AS SELECT i, CASE WHEN i % 97 = 0 THEN NULL WHEN i % 10 = 3 THEN 'short ' || (i % 10)
        WHEN i BETWEEN 3000 AND 3100 THEN 'ünïcødé message ' || i || ' \uFFFD' ELSE 'request ' || i || ' handled by the checkout service' END AS m
      FROM range(7000) r(i)`);
    const rows = await same(`SELECT m, i FROM msgs ORDER BY i`);
    assert.equal(rows[5]![0], 'request 5 handled by the checkout service');
    assert.equal(rows[3001]![0], 'ünïcødé message 3001 \uFFFD');
    await same(`SELECT m FROM msgs WHERE i % 3 = 0 ORDER BY i DESC`);
    await same(`SELECT string_agg(m, ',') AS all FROM msgs`);
  });

  it('types left to the generic converter give its values', async () => {
    await same(
      `SELECT 12.5::DECIMAL(38,18) AS dec, NULL::DECIMAL(38,18) AS dn, '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'::UUID AS g,
              170141183460469231731687303715884105727::HUGEINT AS h, [1, 2, NULL] AS l, {'a': 1, 'b': 'x'} AS st,
              TIMESTAMP '2024-01-02 03:04:05' AS ts, NULL AS nothing, 3::TINYINT AS ti, 2.5::FLOAT AS f, 'x'::BLOB AS bl`,
    );
  });

  it('random mixed-type results of several chunks', async () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pool = [
      (k: number) => `CASE WHEN hash(i, ${k}) % 4 = 0 THEN NULL ELSE (hash(i, ${k}) - 9223372036854775807)::BIGINT END`,
      (k: number) => `CASE WHEN hash(i, ${k}) % 3 = 0 THEN NULL ELSE (hash(i, ${k}) % 100000)::DOUBLE / 7 - 5000 END`,
      (k: number) => `CASE WHEN hash(i, ${k}) % 5 = 0 THEN NULL ELSE (hash(i, ${k}) % 4000000000)::BIGINT - 2000000000 END::INTEGER`,
      (k: number) => `CASE WHEN hash(i, ${k}) % 6 = 0 THEN NULL ELSE hash(i, ${k}) % 2 = 0 END`,
      (k: number) => `CASE WHEN hash(i, ${k}) % 4 = 0 THEN NULL ELSE repeat('ü', (hash(i, ${k}) % 20)::INTEGER) || (hash(i, ${k}) % 1000)::VARCHAR END`,
      (k: number) => `CASE WHEN hash(i, ${k}) % 4 = 0 THEN NULL ELSE ((hash(i, ${k}) % 1000)::DECIMAL(38,18) / 8) END`,
    ];
    for (let round = 0; round < 6; round++) {
      const cols = 1 + Math.floor(rand() * 7);
      const exprs = Array.from({ length: cols }, (_, k) => `${pool[Math.floor(rand() * pool.length)]!(round * 10 + k)} AS c${k}`);
      const n = 1 + Math.floor(rand() * 7000);
      const rows = await same(`SELECT ${exprs.join(', ')} FROM range(${n}) t(i)`);
      assert.equal(rows.length, n);
    }
  });

  it('runAndReadRows reads through the bulk reader (same rows as the generic converter)', async () => {
    const sql = `SELECT i::BIGINT AS a, 'v' || i AS b FROM range(3000) t(i) ORDER BY i`;
    const { columnNames, rows } = await runAndReadRows(conn, sql);
    assert.deepStrictEqual(columnNames, ['a', 'b']);
    const generic = (await conn.runAndReadAll(sql)).getRowsJS();
    assert.deepStrictEqual(rows, generic);
  });
});
