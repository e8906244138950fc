import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonBody } from '../../src/ingest/parse-rows.js';
import { parseExactJson } from '../../src/util/exact-json.js';

/** What parsing the whole text gives: the value, or the error's message. */
function whole(text: string): { value?: unknown; error?: string } {
  try {
    return { value: parseExactJson(text) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function pieces(text: string): { value?: unknown; error?: string } {
  try {
    return { value: parseJsonBody(Buffer.from(text, 'utf8')) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Rows whose strings and nested values are full of `},{`, so that many cuts fall where they must not. */
function trickyRows(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    i,
    Message: i % 7 === 0 ? `quoted "},{" and \\"},{\\" and ü€😀 ${i}` : `plain row ${i} ${'x'.repeat(i % 200)}`,
    Props: { list: [{ a: i }, { b: `},{${i}` }, [{ c: 1 }, { d: [{}, {}] }]], nested: { deeper: [{ e: null }, { f: true }] } },
    Big: i % 11 === 0 ? '9223372036854775807' : i,
  }));
}

describe('ingestion request JSON, parsed in pieces', () => {
  it('gives exactly the values of parsing the whole text, whatever the cuts fall on', () => {
    for (const n of [0, 1, 5, 400, 3000]) {
      const text = JSON.stringify(trickyRows(n));
      assert.deepEqual(pieces(text), whole(text), `${n} rows`);
    }
    // Whitespace around and between elements, and a long integer that only the exact parser keeps.
    const spaced = ` \n[ ${trickyRows(2000).map((r) => JSON.stringify(r)).join(' ,\n ')} ]\r\n`;
    assert.deepEqual(pieces(spaced), whole(spaced));
    const longs = `[${Array.from({ length: 3000 }, (_, i) => `{"v":${i % 500 === 0 ? '9223372036854775807' : i},"s":"${'y'.repeat(40)}"}`).join(',')}]`;
    const parsed = parseJsonBody(Buffer.from(longs)) as { v: unknown }[];
    assert.equal(parsed[500]!.v, 9223372036854775807n);
    assert.deepEqual(parsed, parseExactJson(longs));
  });

  it('refuses what the whole text refuses, with the same message', () => {
    const good = JSON.stringify(trickyRows(3000));
    const bad = [
      `${good.slice(0, -1)},]`, // trailing comma
      good.slice(0, -1), // no closing bracket
      `${good.slice(0, 100_000)}\u0000${good.slice(100_000)}`, // a control character mid-way
      `${good.slice(0, 150_000)}}${good.slice(150_000)}`, // a stray brace mid-way
      `{"rows":${good}}`, // an object, not an array
      `[${good.slice(1, -1)}]]`,
    ];
    for (const text of bad) {
      const w = whole(text);
      const p = pieces(text);
      // Either both refuse with the same message, or both give the same value (a stray brace inside a string is fine).
      assert.deepEqual(p, w);
    }
    assert.ok(bad.some((text) => whole(text).error !== undefined));
  });

  it('reads invalid UTF-8 as the whole text does (replacement characters)', () => {
    const rows = JSON.stringify(trickyRows(2000));
    const at = rows.indexOf('plain row 1500');
    const buf = Buffer.concat([Buffer.from(rows.slice(0, at)), Buffer.from([0xe2, 0x82]), Buffer.from(rows.slice(at))]);
    assert.deepEqual(parseJsonBody(buf), parseExactJson(buf.toString('utf8')));
  });
});
