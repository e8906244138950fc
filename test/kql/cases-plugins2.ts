/**
 * Conformance cases for the pattern-mining plugins of issue #12 (basket-plugin.md,
 * autocluster-plugin.md, diffpatterns-plugin.md). The docs' examples run on StormEvents, which
 * Vigil's tests do not hold: they run here on STORMS, ten rows of the same shape, with the
 * expectation derived by hand from the documented algorithm (see src/kql/runtime/patterns.ts):
 *  - basket(0.2): every closed itemset of weight ≥ 2 (counted by hand: 18 of them; {NO} is absent
 *    because {NO, 0} matches the same six rows — as {NO} is absent from the docs' output);
 *  - autocluster: Seed-Expand over the closed itemsets, score = coverage^SizeWeight ×
 *    (set dimensions ÷ dimensions)^(1−SizeWeight);
 *  - diffpatterns: closed itemsets whose PercentA and PercentB differ by ≥ Threshold×100 points,
 *    without the split column.
 * SegmentIds follow Vigil's order (Count or PercentDiffAB descending); Kusto's are not stable.
 */
import type { Case } from './cases.js';

const STORMS = 'datatable(State:string, EventType:string, DamageCrops:int, DamageProperty:int)["TEXAS","Hail",0,0, "TEXAS","Hail",0,0, "KANSAS","Hail",0,0, "IOWA","Hail",0,0, "IOWA","Hail",0,5, "TEXAS","Thunderstorm Wind",10,0, "KANSAS","Thunderstorm Wind",0,3, "IOWA","Flood",0,0, "TEXAS","Flood",20,0, "KANSAS","Thunderstorm Wind",0,0]';
const YES_NO = '| extend Damage = iff(DamageCrops + DamageProperty > 0 , "YES" , "NO")';
const BASKET_COLS = ['SegmentId:long', 'Count:long', 'Percent:real', 'State:string', 'EventType:string', 'Damage:string', 'DamageCrops:int'];
const CLUSTER_COLS = ['SegmentId:long', 'Count:long', 'Percent:real', 'State:string', 'EventType:string', 'Damage:string'];
const DIFF_COLS = ['SegmentId:long', 'CountA:long', 'CountB:long', 'PercentA:real', 'PercentB:real', 'PercentDiffAB:real'];
const TW = 'Thunderstorm Wind';

/** basket(0.2) over STORMS with wildcards s (strings) and n (DamageCrops). */
const basketRows = (s: string, n: number | null) => [
  [0, 8, 80, s, s, s, 0],
  [1, 6, 60, s, s, 'NO', 0],
  [2, 5, 50, s, 'Hail', s, 0],
  [3, 4, 40, 'TEXAS', s, s, n],
  [4, 4, 40, s, s, 'YES', n],
  [5, 4, 40, s, 'Hail', 'NO', 0],
  [6, 3, 30, s, TW, s, n],
  [7, 3, 30, 'KANSAS', s, s, 0],
  [8, 3, 30, 'IOWA', s, s, 0],
  [9, 2, 20, s, 'Flood', s, n],
  [10, 2, 20, s, s, 'YES', 0],
  [11, 2, 20, 'TEXAS', s, 'YES', n],
  [12, 2, 20, s, TW, 'YES', n],
  [13, 2, 20, 'KANSAS', s, 'NO', 0],
  [14, 2, 20, 'IOWA', 'Hail', s, 0],
  [15, 2, 20, 'IOWA', s, 'NO', 0],
  [16, 2, 20, 'KANSAS', TW, s, 0],
  [17, 2, 20, 'TEXAS', 'Hail', 'NO', 0],
];

export const PLUGIN2_CASES: Case[] = [
  // ───────────── basket-plugin.md ─────────────
  { q: `${STORMS} ${YES_NO} | project State, EventType, Damage, DamageCrops | evaluate basket(0.2)`, cols: BASKET_COLS, rows: basketRows('', null) },
  { q: `${STORMS} ${YES_NO} | project State, EventType, Damage, DamageCrops | evaluate basket(0.2, '~', '~', '*', int(-1))`, cols: BASKET_COLS, rows: basketRows('*', -1) },
  { q: `${STORMS} ${YES_NO} | project State, EventType, Damage, DamageCrops | evaluate basket(0.2) | sort by SegmentId asc | take 3`, ordered: true, cols: BASKET_COLS, rows: basketRows('', null).slice(0, 3) },
  // the default threshold 0.05 and MaxDimensions 5: every closed itemset of a 3-row table
  { q: 'datatable(a:string, b:long)["x",1, "x",2, "y",2] | evaluate basket()', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string', 'b:long'], rows: [[0, 2, 100 * 2 / 3, 'x', null], [1, 2, 100 * 2 / 3, '', 2], [2, 1, 100 / 3, 'x', 1], [3, 1, 100 / 3, 'x', 2], [4, 1, 100 / 3, 'y', 2]] },
  // MaxDimensions 1: single items only
  { q: 'datatable(a:string, b:long)["x",1, "x",2, "y",2] | evaluate basket(0.05, "~", 1)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string', 'b:long'], rows: [[0, 2, 100 * 2 / 3, 'x', null], [1, 2, 100 * 2 / 3, '', 2], [2, 1, 100 / 3, '', 1], [3, 1, 100 / 3, 'y', null]] },
  // a weight column: counts are sums of weights; the weight column is not a dimension
  { q: 'datatable(a:string, n:long)["x",3, "y",1] | evaluate basket(0.5, n)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string'], rows: [[0, 3, 75, 'x']] },
  // null and negative weights count as 0
  { q: 'datatable(a:string, n:long)["x",3, "y",-5, "z",long(null), "x",1] | evaluate basket(0.5, n)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string'], rows: [[0, 4, 100, 'x']] },
  // null and empty values are never items; no rows, no patterns
  { q: 'datatable(a:string, b:long)["",long(null), "",long(null)] | evaluate basket()', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string', 'b:long'], rows: [] },
  { q: 'range x from 1 to 10 step 1 | where x > 100 | evaluate basket()', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'x:long'], rows: [] },
  // pattern values keep their column types (read back from a matching row)
  { q: 'datatable(t:datetime, s:timespan, r:real, b:bool, g:guid)[datetime(2024-01-01), 1h, 1.5, true, guid(00000000-0000-0000-0000-000000000001), datetime(2024-01-01), 2h, 1.5, false, guid(00000000-0000-0000-0000-000000000001)] | evaluate basket(0.6)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 't:datetime', 's:timespan', 'r:real', 'b:bool', 'g:guid'], rows: [[0, 2, 100, '2024-01-01T00:00:00.0000000Z', null, 1.5, null, '00000000-0000-0000-0000-000000000001']] },
  // only a weight column: no dimensions, no patterns
  { q: 'print n = 1 | evaluate basket(0.5, n)', cols: ['SegmentId:long', 'Count:long', 'Percent:real'], rows: [] },
  { q: 'print a = 1 | evaluate basket(0.01)', err: { kind: 'SemanticError', msg: 'basket(): Threshold must be a number in the range 0.015 to 1' } },
  { q: 'print a = 1 | evaluate basket(2)', err: { kind: 'SemanticError', msg: 'basket(): Threshold must be a number in the range 0.015 to 1' } },
  { q: 'print a = "x" | evaluate basket(0.2, a)', err: { kind: 'SemanticError', msg: "basket(): WeightColumn must be a numeric column, got 'string'" } },
  { q: 'print a = 1 | evaluate basket(0.2, "~", 0)', err: { kind: 'SemanticError', msg: 'basket(): MaxDimensions must be an integer in the range 1 to 1000' } },
  { q: 'print a = 1 | evaluate basket(0.2, nope)', err: { kind: 'SemanticError' } },

  // ───────────── autocluster-plugin.md ─────────────
  // the docs' example with SizeWeight 0.6: {Hail, NO} first (as in the docs), then the patterns covering rows it leaves
  { q: `${STORMS} ${YES_NO} | project State, EventType, Damage | evaluate autocluster(0.6)`, cols: CLUSTER_COLS, rows: [[0, 4, 40, '', 'Hail', 'NO'], [1, 4, 40, '', '', 'YES'], [2, 2, 20, 'KANSAS', '', 'NO'], [3, 2, 20, 'IOWA', '', 'NO']] },
  // custom wildcard; SizeWeight 1 favours coverage alone: the most general patterns, each covering a row the ones before leave
  // ({YES} still covers KANSAS/Thunderstorm Wind/YES)
  { q: `${STORMS} ${YES_NO} | project State, EventType, Damage | evaluate autocluster(1, '~', '~', '*')`, cols: CLUSTER_COLS, rows: [[0, 6, 60, '*', '*', 'NO'], [1, 5, 50, '*', 'Hail', '*'], [2, 4, 40, 'TEXAS', '*', '*'], [3, 4, 40, '*', '*', 'YES']] },
  // SizeWeight 0 favours informativeness alone: whole rows
  { q: 'datatable(a:string, b:string)["x","1", "x","1", "y","2"] | evaluate autocluster(0)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string', 'b:string'], rows: [[0, 2, 100 * 2 / 3, 'x', '1'], [1, 1, 100 / 3, 'y', '2']] },
  { q: 'datatable(a:string, w:long)["x",9, "y",1] | evaluate autocluster(0.5, w)', cols: ['SegmentId:long', 'Count:long', 'Percent:real', 'a:string'], rows: [[0, 9, 90, 'x'], [1, 1, 10, 'y']] },
  { q: 'print a = 1 | evaluate autocluster(1.5)', err: { kind: 'SemanticError', msg: 'autocluster(): SizeWeight must be a number in the range 0 to 1' } },
  { q: 'print a = 1 | evaluate autocluster(0.5, "~", 0)', err: { kind: 'SemanticError', msg: 'autocluster(): NumSeeds must be an integer in the range 1 to 1000' } },

  // ───────────── diffpatterns-plugin.md ─────────────
  // set A: the six undamaged rows, set B: the four damaged ones; the split column is not in the output
  {
    q: `${STORMS} | extend Damage = iff(DamageCrops + DamageProperty > 0 , 1 , 0) | project State , EventType , Damage, DamageCrops | evaluate diffpatterns(Damage, "0", "1")`,
    cols: [...DIFF_COLS, 'State:string', 'EventType:string', 'DamageCrops:int'],
    rows: [
      [0, 6, 2, 100, 50, 50, '', '', 0],
      [1, 1, 2, 100 / 6, 50, 50 - 100 / 6, '', TW, null],
      [2, 0, 1, 0, 25, 25, 'TEXAS', 'Flood', 20],
      [3, 2, 2, 200 / 6, 50, 50 - 200 / 6, 'TEXAS', '', null],
      [4, 1, 1, 100 / 6, 25, 25 - 100 / 6, '', 'Flood', null],
    ],
  },
  // Threshold 0.3: only differences of 30 points or more; custom wildcards
  {
    q: `${STORMS} | extend Damage = iff(DamageCrops + DamageProperty > 0 , 1 , 0) | project State , EventType , Damage, DamageCrops | evaluate diffpatterns(Damage, "0", "1", "~", 0.3, "~", "*", int(-1))`,
    cols: [...DIFF_COLS, 'State:string', 'EventType:string', 'DamageCrops:int'],
    rows: [
      [0, 6, 2, 100, 50, 50, '*', '*', 0],
      [1, 1, 2, 100 / 6, 50, 50 - 100 / 6, '*', TW, -1],
    ],
  },
  // rows of other split values are in neither set; a weight column
  { q: 'datatable(s:string, k:string, w:long)["a","x",3, "b","y",1, "c","x",100] | evaluate diffpatterns(s, "a", "b", w)', cols: [...DIFF_COLS, 'k:string'], rows: [[0, 3, 0, 100, 0, 100, 'x'], [1, 0, 1, 0, 100, 100, 'y']] },
  // the split values are compared with tostring(SplitColumn): a bool is "True"/"False"
  { q: 'datatable(k:string, v:bool)["a",true, "b",false] | evaluate diffpatterns(v, "True", "False")', cols: [...DIFF_COLS, 'k:string'], rows: [[0, 1, 0, 100, 0, 100, 'a'], [1, 0, 1, 0, 100, 100, 'b']] },
  { q: 'datatable(k:string, v:bool)["a",true, "b",false] | evaluate diffpatterns(v, "true", "false")', cols: [...DIFF_COLS, 'k:string'], rows: [] },
  // a set without rows: nothing to compare
  { q: 'datatable(s:string, k:string)["a","x"] | evaluate diffpatterns(s, "a", "b")', cols: [...DIFF_COLS, 'k:string'], rows: [] },
  { q: 'print a = 1 | evaluate diffpatterns(a, "1")', err: { kind: 'SemanticError', msg: 'diffpatterns(): expects SplitColumn, SplitValueA, SplitValueB' } },
  { q: 'print a = 1 | evaluate diffpatterns(a, 1, "2")', err: { kind: 'SemanticError', msg: 'diffpatterns(): SplitValueA must be a string' } },
  { q: 'print a = 1 | evaluate diffpatterns(a + 1, "1", "2")', err: { kind: 'SemanticError', msg: 'diffpatterns(): SplitColumn must be a column of the input' } },
];
