/**
 * The profile-to-flame-graph tool (bench/flamegraph.ts): self and total time from weighted samples,
 * idle left out, frames of the same name under one parent merged, the time window honoured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callTree, flameSvg, topSelf } from '../../bench/flamegraph.js';

const frame = (id: number, functionName: string, children: number[] = [], url = 'file:///x/dist/src/a.js') => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });

// root → (idle), main → parse (twice, as two nodes), main → append
const profile = {
  nodes: [
    frame(1, '(root)', [2, 3], ''),
    frame(2, '(idle)', [], ''),
    frame(3, 'main', [4, 5, 6]),
    frame(4, 'parse'),
    frame(5, 'parse'),
    frame(6, 'append', [], 'file:///x/node_modules/@duckdb/node-api/lib/index.js'),
  ],
  samples: [2, 4, 5, 6, 3, 2, 4],
  timeDeltas: [1000, 200, 300, 400, 100, 5000, 50],
};

test('self and total times come from the samples, idle is not busy time', () => {
  const tree = callTree(profile);
  assert.equal(tree.total, 200 + 300 + 400 + 100 + 50);
  const main = tree.children.find((f) => f.name.startsWith('main'))!;
  assert.equal(main.self, 100);
  assert.equal(main.total, 1050);
  assert.equal(tree.children.length, 1, 'the idle frame is left out');
  const parse = main.children.filter((f) => f.name.startsWith('parse'));
  assert.equal(parse.length, 1, 'two nodes of one function under one parent are one frame');
  assert.equal(parse[0]!.total, 550);
  assert.match(main.children.find((f) => f.name.startsWith('append'))!.name, /@duckdb\/node-api/);
});

test('the window keeps only samples inside it', () => {
  // Sample times: 1000, 1200, 1500, 1900, 2000, 7000, 7050 µs.
  const tree = callTree(profile, { fromSec: 0.0013, untilSec: 0.002 });
  assert.equal(tree.total, 300 + 400 + 100);
});

test('top self time and the SVG', () => {
  const tree = callTree(profile);
  const top = topSelf(tree, 2);
  assert.deepEqual(top.map((t) => t.name.split(' ')[0]), ['parse', 'append']);
  assert.equal(top[0]!.ms, 0.55);
  const svg = flameSvg(tree, 'a <title>');
  assert.match(svg, /^<svg /);
  assert.match(svg, /a &lt;title&gt;/);
  assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 4, 'background + root, main, parse, append');
});
