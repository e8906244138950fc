/**
 * The pattern miners of runtime/patterns.ts against a brute-force oracle: on random small tables,
 * basket's patterns are exactly the closed itemsets (of at most MaxDimensions items) whose weight
 * ratio reaches the threshold, with the right counts and a matching representative row; diffpatterns'
 * percentages are those of the rows each pattern matches in each set. Bad input gives null, never a throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { autocluster, basket, diffpatterns } from '../../src/kql/runtime/patterns.js';

type Table = { w: number; d: (string | null)[] }[];

/** Every itemset (one value per chosen column) that some row matches, with its matching rows. */
function allItemsets(rows: Table, dims: number, maxDims: number): Map<string, { cols: (string | null)[]; tids: number[] }> {
  const out = new Map<string, { cols: (string | null)[]; tids: number[] }>();
  rows.forEach((r) => {
    for (let m = 1; m < 1 << dims; m++) {
      const cols = r.d.map((v, i) => ((m >> i) & 1 ? v : null));
      if (cols.some((v, i) => (m >> i) & 1 && (v === null || v === ''))) continue;
      if (cols.filter((v) => v !== null).length > maxDims) continue;
      const k = JSON.stringify(cols);
      if (!out.has(k)) {
        const tids = rows.flatMap((x, t) => (cols.every((v, i) => v === null || x.d[i] === v) ? [t] : []));
        out.set(k, { cols, tids });
      }
    }
  });
  return out;
}

const table = fc.integer({ min: 1, max: 4 }).chain((dims) =>
  fc.array(fc.record({ w: fc.integer({ min: 1, max: 3 }), d: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: dims, maxLength: dims }) }), { minLength: 1, maxLength: 12 }).map((rows) => ({ dims, rows })),
);

describe('pattern miners (runtime/patterns.ts)', () => {
  it('basket returns exactly the closed frequent itemsets', () => {
    fc.assert(
      fc.property(table, fc.constantFrom(0.05, 0.2, 0.5), fc.integer({ min: 1, max: 4 }), ({ dims, rows }, threshold, maxDims) => {
        const total = rows.reduce((s, r) => s + r.w, 0);
        const sets = allItemsets(rows, dims, maxDims);
        const weight = (tids: number[]) => tids.reduce((s, t) => s + rows[t]!.w, 0);
        const frequent = [...sets.values()].filter((s) => weight(s.tids) >= threshold * total);
        const closedOnes = frequent.filter((s) => !frequent.some((o) => o !== s && o.tids.length === s.tids.length && weight(o.tids) === weight(s.tids) && s.cols.every((v, i) => v === null || o.cols[i] === v) && o.cols.filter((v) => v !== null).length === s.cols.filter((v) => v !== null).length + 1));
        const want = closedOnes.map((s) => `${JSON.stringify(s.cols.map((v) => v !== null))}|${JSON.stringify(s.cols)}|${weight(s.tids)}`).sort();
        const got = basket(JSON.stringify(rows), threshold, maxDims)!;
        const gotKeys = got.map((p) => {
          const cols = p.m.map((on, i) => (on ? rows[p.r]!.d[i]! : null));
          assert.equal(p.p, (100 * p.c) / total);
          return `${JSON.stringify(p.m)}|${JSON.stringify(cols)}|${p.c}`;
        });
        assert.deepEqual(gotKeys.sort(), want);
      }),
      { numRuns: 300 },
    );
  });

  it('diffpatterns reports each pattern with its rows in A and in B', () => {
    fc.assert(
      fc.property(table, ({ dims, rows }) => {
        const side = rows.map((_, i) => i % 2);
        const input = rows.map((r, i) => ({ w: r.w, d: [side[i], ...r.d] }));
        const totalA = rows.reduce((s, r, i) => s + (side[i] === 0 ? r.w : 0), 0);
        const totalB = rows.reduce((s, r, i) => s + (side[i] === 1 ? r.w : 0), 0);
        const got = diffpatterns(JSON.stringify(input), 0.05, 0)!;
        if (totalA === 0 || totalB === 0) return assert.deepEqual(got, []);
        for (const p of got) {
          const cols = p.m.map((on, i) => (on ? rows[p.r]!.d[i]! : null));
          const match = rows.map((x) => cols.every((v, i) => v === null || x.d[i] === v));
          const a = rows.reduce((s, r, i) => s + (match[i] && side[i] === 0 ? r.w : 0), 0);
          const b = rows.reduce((s, r, i) => s + (match[i] && side[i] === 1 ? r.w : 0), 0);
          assert.deepEqual([p.ca, p.cb, p.pa, p.pb], [a, b, (100 * a) / totalA, (100 * b) / totalB]);
          assert.ok(Math.abs(p.pa - p.pb) >= 5);
        }
        assert.equal(dims, rows[0]!.d.length);
      }),
      { numRuns: 200 },
    );
  });

  it('autocluster patterns match their rows and never repeat', () => {
    fc.assert(
      fc.property(table, fc.double({ min: 0, max: 1, noNaN: true }), ({ rows }, sizeWeight) => {
        const got = autocluster(JSON.stringify(rows), sizeWeight, 25)!;
        const keys = new Set<string>();
        for (const p of got) {
          const cols = p.m.map((on, i) => (on ? rows[p.r]!.d[i]! : null));
          const c = rows.reduce((s, x) => s + (cols.every((v, i) => v === null || x.d[i] === v) ? x.w : 0), 0);
          assert.equal(p.c, c);
          keys.add(JSON.stringify(cols));
        }
        assert.equal(keys.size, got.length);
      }),
      { numRuns: 200 },
    );
  });

  it('bad input is null, not an exception', () => {
    for (const text of ['', 'nope', '{}', '[1]', '[{"w":1}]']) {
      assert.equal(basket(text, 0.05, 5), null);
      assert.equal(autocluster(text, 0.5, 25), null);
      assert.equal(diffpatterns(text, 0.05, 0), null);
    }
    assert.deepEqual(basket('[]', 0.05, 5), []);
  });
});
