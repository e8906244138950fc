/**
 * Conformance cases for the tabular operators added in the second KQL pass: partition,
 * top-hitters, consume (partition-operator.md, top-hitters-operator.md, consume-operator.md),
 * on the harness tables (harness.ts).
 */
import type { Case } from './cases.js';

export const OPERATOR_CASES: Case[] = [
  // ───────────── partition-operator.md ─────────────
  { q: 'Events | partition by Level (top 1 by TimeGenerated desc | project Level, t = tostring(TimeGenerated))', cols: ['Level:string', 't:string'], rows: [['Error', '2024-01-01T12:00:00.0000000Z'], ['Warning', '2024-01-01T10:30:00.0000000Z'], ['Information', '2024-01-02T09:00:00.0000000Z'], ['', '2024-01-02T10:00:00.0000000Z']] },
  { q: 'Events | where isnotempty(Level) | partition hint.strategy=native by Level (summarize Events = count(), Total = sum(Count) by Level | top 3 by Events)', cols: ['Level:string', 'Events:long', 'Total:long'], rows: [['Error', 2, 3], ['Warning', 1, 1], ['Information', 2, 9]] },
  { q: 'Events | partition hint.strategy = native by _ResourceId (summarize n = count() | extend one = 1)', cols: ['n:long', 'one:long'], rows: [[2, 1], [1, 1], [2, 1], [1, 1]] },
  { q: 'Events | partition by Level (take 0)', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long', 'Props:dynamic', '_ResourceId:string'], rows: [] },
  { q: 'Events | partition by Nope (take 1)', err: { kind: 'SemanticError', msg: "partition: unknown column 'Nope'" } },
  { q: 'Events | partition by Level { Events | take 1 }', err: { kind: 'SemanticError', msg: 'partition: a subquery with its own source' } },
  { q: 'Events | partition by Props (take 1)', err: { kind: 'SemanticError', msg: 'cannot be of type dynamic' } },
  // ───────────── top-hitters-operator.md ─────────────
  { q: 'Events | top-hitters 2 of Level', cols: ['Level:string', 'approximate_count_Level:long'], rows: [['Error', 2], ['Information', 2]] },
  { q: 'Events | top-hitters 1 of Level by Count', cols: ['Level:string', 'approximate_sum_Count:long'], rows: [['Information', 9]] },
  // ───────────── consume-operator.md ─────────────
  { q: 'Events | consume', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long', 'Props:dynamic', '_ResourceId:string'], rows: [] },
  { q: 'Events | consume decodeblocks = true | count', cols: ['Count:long'], rows: [[0]] },
];
