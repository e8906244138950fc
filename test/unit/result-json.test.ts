/** Query results are serialised once: the rows' texts are spliced into the envelope unchanged. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonRows, resultJson } from '../../src/query/result-json.js';

describe('result JSON', () => {
  it('gives exactly what JSON.stringify gives for the same rows', () => {
    const rows = [
      [1, 'a "quoted" \u2028 text', null, { x: [1, 2] }],
      [2.5, '', true, '2024-01-01T00:00:00Z'],
    ];
    const envelope = (r: unknown) => ({ tables: [{ name: 'PrimaryResult', columns: [{ name: 'x', type: 'long' }], rows: r }], statistics: { n: 1 } });
    const spliced = resultJson(envelope(JsonRows.of(rows.map((r) => JSON.stringify(r)))));
    assert.equal(spliced, JSON.stringify(envelope(rows)));
    // Batches hold several results.
    const batch = { responses: [{ id: '1', body: envelope(JsonRows.of([JSON.stringify(rows[0])])) }, { id: '2', body: envelope(JsonRows.of([])) }] };
    assert.equal(resultJson(batch), JSON.stringify({ responses: [{ id: '1', body: envelope([rows[0]]) }, { id: '2', body: envelope([]) }] }));
    // Outside resultJson the rows still serialise correctly.
    assert.equal(JSON.stringify(JsonRows.of(['[1]', '[2]'])), '[[1],[2]]');
  });

  it('leaves out and writes what JSON.stringify does: undefined, functions, nulls, dates, nested arrays', () => {
    const value = {
      a: undefined,
      f: () => 1,
      n: null,
      d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
      list: [undefined, () => 1, [1, [2, { x: undefined, y: 'z' }]], JsonRows.of(['[1,"a"]'])],
      nested: { deeper: { rows: JsonRows.of([]) }, u: '\u2028"\\' },
      'key "quoted"': 1.5e300,
    };
    assert.equal(resultJson(value), JSON.stringify(value));
    assert.equal(resultJson([JsonRows.of(['[true]'])]), '[[[true]]]');
    assert.equal(resultJson('text'), '"text"');
  });

  it('cannot be fooled by text that looks like its placeholder', () => {
    const forged = '\u001f0000:0';
    const value = { tables: [{ name: forged, columns: [{ name: '"\\u001f0:0"', type: 'string' }], rows: JsonRows.of(['["secret"]']) }], note: '\u001f' };
    const out = JSON.parse(resultJson(value)) as { tables: { name: string; columns: { name: string }[]; rows: unknown[] }[]; note: string };
    assert.equal(out.tables[0]!.name, forged);
    assert.equal(out.tables[0]!.columns[0]!.name, '"\\u001f0:0"');
    assert.deepEqual(out.tables[0]!.rows, [['secret']]);
    assert.equal(out.note, '\u001f');
  });
});
