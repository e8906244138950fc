/**
 * Text written into DuckDB VARCHAR vectors without one native call per string (text-vector.ts):
 * strings of up to 12 UTF-8 bytes inline, long strings repeating the previous one as copies of its
 * string_t. Whatever the mix, DuckDB must hold exactly the strings given — ASCII and multi-byte
 * characters at the 12-byte edge, empty strings, nulls between repeats — and compare, group and
 * match them like strings it wrote itself (inline bytes past the string must be zero). The same from
 * text a log record already holds in UTF-8 (fillEncodedText), chunk by chunk from an offset, and from
 * records joined (concatEncodedText).
 */
import assert from 'node:assert/strict';
import { DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { after, before, describe, it } from 'node:test';
import bindings from '@duckdb/node-bindings';
import { concatEncodedText, fillEncodedText, fillTextVector, type EncodedText } from '../../src/store/text-vector.js';
import { encodeBinaryRecord } from '../../src/store/record-binary.js';
import { ColumnBatch } from '../../src/store/column-batch.js';

const EDGES = [
  '', 'a', 'abc', 'Information', 'hello world!', 'hello world!!', 'BenchLogs_CL', // 0, 1, 3, 11, 12, 13, 12 bytes
  'héllo', 'ünïcødé', 'ünïcødé!', '日本語漢', '日本語漢字', '😀😀😀', '😀😀😀x', 'a\u0000b', "it's \"quoted\"",
  '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg',
];

/** A column's text as a binary log record encodes it (the encoding the memory tier's append reuses). */
function encoded(vals: readonly (string | null)[]): EncodedText {
  const texts: (EncodedText | undefined)[] = [];
  encodeBinaryRecord('T', [{ name: 'S', type: 'string' }], new ColumnBatch(vals.length, [[...vals]]), texts);
  assert.ok(texts[0], 'the column took the TEXT layout');
  return texts[0];
}

/** 2,048 rows (a full chunk): edge values, runs of one long value with nulls inside, distinct long values. */
function values(): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < 2048; i++) {
    if (i < EDGES.length) out.push(EDGES[i]!);
    else if (i < 600) out.push(i % 50 === 0 ? null : 'tenant 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'); // one value, nulls between
    else if (i < 900) out.push(EDGES[i % EDGES.length]!); // short and long, alternating
    else if (i < 1200) out.push(i % 2 === 0 ? 'long value number one, same every other row' : null);
    else out.push(i % 9 === 0 ? null : `message ${i} — ${'x'.repeat(i % 40)}`);
  }
  return out;
}

describe('text into VARCHAR vectors', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  before(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    conn = await instance.connect();
  });
  after(() => {
    conn.closeSync();
    instance.closeSync();
  });

  async function appendChunks(table: string, chunks: (string | null)[][], fast: boolean | 'encoded'): Promise<void> {
    await conn.run(`CREATE TABLE ${table} (i INTEGER, s VARCHAR)`);
    const appender = await conn.createAppender(table);
    let base = 0;
    // Encoded: the chunks' rows as two log records' text, joined; each chunk filled from its offset.
    const all = chunks.flat();
    const half = chunks[0]!.length + 7;
    const text = fast === 'encoded' ? concatEncodedText([encoded(all.slice(0, half)), encoded(all.slice(half))]) : undefined;
    for (const vals of chunks) {
      const chunk = DuckDBDataChunk.create([INTEGER, VARCHAR], vals.length);
      const ids = chunk.getColumnVector(0);
      for (let i = 0; i < vals.length; i++) ids.setItem(i, base + i);
      ids.flush();
      const vec = chunk.getColumnVector(1);
      if (fast === 'encoded') assert.ok(fillEncodedText(vec, vals.length, text!, base));
      else if (fast) fillTextVector(vec, vals.length, (i) => vals[i]!);
      else {
        for (let i = 0; i < vals.length; i++) vec.setItem(i, vals[i]!);
        vec.flush();
      }
      appender.appendDataChunk(chunk);
      base += vals.length;
    }
    appender.flushSync();
    appender.closeSync();
  }

  it("writes each row's string_t as DuckDB does: length and the first bytes (the pointer aside)", () => {
    for (const vals of [values(), values().reverse(), EDGES, ['a long string of more than twelve bytes'], [null, 'ünïcødé ünïcødé ünïcødé', null, '😀 a long one 😀', '😀 a long one 😀']]) {
      const n = vals.length;
      const fast = DuckDBDataChunk.create([VARCHAR], n).getColumnVector(0);
      const slow = DuckDBDataChunk.create([VARCHAR], n).getColumnVector(0);
      fillTextVector(fast, n, (i) => vals[i]!);
      for (let i = 0; i < n; i++) slow.setItem(i, vals[i]!);
      slow.flush();
      const f = bindings.vector_get_data((fast as unknown as { vector: bindings.Vector }).vector, n * 16);
      const s = bindings.vector_get_data((slow as unknown as { vector: bindings.Vector }).vector, n * 16);
      for (let i = 0; i < n; i++) {
        if (vals[i] === null) continue;
        // Inline strings: all 16 bytes; others: length and prefix (the pointers are into different heaps).
        const bytes = Buffer.byteLength(vals[i]!) <= 12 ? 16 : 8;
        assert.deepEqual(f.subarray(i * 16, i * 16 + bytes), s.subarray(i * 16, i * 16 + bytes), `row ${i}: ${JSON.stringify(vals[i])}`);
      }
    }
  });

  for (const [mode, fast, slow] of [[true, 'fast', 'slow'], ['encoded', 'enc', 'slow2']] as const) {
    it(`stores exactly the strings given, and they compare like strings DuckDB wrote (${mode === true ? 'from strings' : "from a log record's UTF-8"})`, async () => {
      const chunks = [values(), values().reverse(), EDGES.slice(0, 5), [null, null], ['same long string in a small chunk', 'same long string in a small chunk']];
      await appendChunks(fast, chunks, mode);
      await appendChunks(slow, chunks, false);
      const got = (await conn.runAndReadAll(`SELECT s FROM ${fast} ORDER BY i`)).getRowsJS().map((r) => r[0]);
      assert.deepEqual(got, chunks.flat());
      const sums = (await conn.runAndReadAll(`SELECT count(*), count(s), sum(length(s)), sum(strlen(s)) FROM ${fast}`)).getRowsJS();
      assert.deepEqual(sums, (await conn.runAndReadAll(`SELECT count(*), count(s), sum(length(s)), sum(strlen(s)) FROM ${slow}`)).getRowsJS());
      // Same rows as the one-call-per-string path, value for value (hash joins and sorts compare whole string_t's).
      const diff = (await conn.runAndReadAll(`SELECT count(*) FROM (SELECT i, s FROM ${fast} EXCEPT ALL SELECT i, s FROM ${slow})`)).getRowsJS();
      assert.deepEqual(diff, [[0n]]);
      const joined = (await conn.runAndReadAll(`SELECT count(*) FROM ${fast} JOIN ${slow} USING (i) WHERE ${fast}.s = ${slow}.s`)).getRowsJS();
      assert.deepEqual(joined, (await conn.runAndReadAll(`SELECT count(s) FROM ${slow}`)).getRowsJS());
      // Against literals and in groups.
      for (const s of EDGES) {
        const n = (await conn.runAndReadAll(`SELECT count(*) FROM ${fast} WHERE s = '${s.replace(/'/g, "''").replace(/\u0000/g, "' || chr(0) || '")}'`)).getRowsJS()[0]![0];
        const m = chunks.flat().filter((v) => v === s).length;
        assert.equal(Number(n), m, `rows equal to ${JSON.stringify(s)}`);
      }
      const groups = (await conn.runAndReadAll(`SELECT s, count(*) FROM ${fast} GROUP BY s ORDER BY s NULLS FIRST`)).getRowsJS();
      assert.deepEqual(groups, (await conn.runAndReadAll(`SELECT s, count(*) FROM ${slow} GROUP BY s ORDER BY s NULLS FIRST`)).getRowsJS());
      const like = (await conn.runAndReadAll(`SELECT count(*) FROM ${fast} WHERE s LIKE 'hello%' OR s ILIKE '%ÜNÏ%' OR prefix(s, 'tenant')`)).getRowsJS();
      assert.deepEqual(like, (await conn.runAndReadAll(`SELECT count(*) FROM ${slow} WHERE s LIKE 'hello%' OR s ILIKE '%ÜNÏ%' OR prefix(s, 'tenant')`)).getRowsJS());
    });
  }
});
