import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonText } from '../../src/ingest/coerce.js';
import { jsonTexts } from '../../src/ingest/json-column.js';
import { parseExactJson } from '../../src/util/exact-json.js';

/** What writing each value alone gives (the per-value coercion of a `dynamic` column). */
const oneByOne = (values: readonly unknown[]) => values.map((v) => (v === null || v === undefined ? null : jsonText(v)));

describe('JSON text of a dynamic column, written at once', () => {
  it('gives each value the text writing it alone gives', () => {
    const columns: unknown[][] = [
      [],
      [{ a: 1 }],
      [{}, {}, {}],
      [{ region: 'westeurope', attempt: 1 }, null, undefined, { region: 'eastus', attempt: 2, tenant: 't1' }],
      // `},{` inside strings and nested values: more occurrences than boundaries.
      [{ s: 'a},{b' }, { n: [{ x: 1 }, { y: 2 }] }, { z: '}' }, { w: '{' }],
      [{ s: 'ü€😀 "quoted" \\ \u0001' }, { deep: { deeper: { deepest: [1, 2, { e: null }] } } }],
      // Not all objects: each is written alone.
      [{ a: 1 }, [1, 2], 'text', 5, true, null],
      [[{ a: 1 }, { b: 2 }], [{ c: 3 }]],
      // An integer beyond ±(2^53−1) (parsed as bigint), which JSON.stringify refuses.
      [{ big: 9223372036854775807n }, { small: 1 }],
      (parseExactJson(`[${Array.from({ length: 1000 }, (_, i) => `{"region":"r${i % 3}","attempt":${i % 4},"tenant":"t${i}"}`).join(',')}]`) as unknown[]),
    ];
    for (const values of columns) assert.deepEqual(jsonTexts(values, jsonText), oneByOne(values), JSON.stringify(values, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    assert.equal(jsonTexts([{ big: 9223372036854775807n }, { small: 1 }], jsonText)[0], '{"big":9223372036854775807}');
  });
});
