/**
 * Conformance cases of the second KQL pass on the harness tables (harness.ts): the operators
 * partition, top-hitters, consume; regexes as Kusto reads them (regex.md); union withsource names.
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

  // ───────────── regex.md: Perl classes are Unicode-aware; \u escapes ─────────────
  { q: 'print extract(@"\\d+", 0, "x٣٤y"), "٣" matches regex @"^\\d$", "x" matches regex @"^\\D$", countof("a1b٢2", @"\\d", "regex")', cols: ['print_0:string', 'print_1:bool', 'print_2:bool', 'print_3:long'], rows: [['٣٤', true, true, 3]] },
  { q: 'print a = "é" matches regex @"^\\w$", b = "\u00a0" matches regex @"^\\s$", c = "é" matches regex @"^\\W$", d = extract(@"(\\w+)", 1, "¡héllo!"), e = "ab" matches regex @"^[\\w]+$"', cols: ['a:bool', 'b:bool', 'c:bool', 'd:string', 'e:bool'], rows: [[true, true, false, 'héllo', true]] },
  { q: 'print a = "é" matches regex @"^\\u00e9$", b = "é" matches regex @"^\\u{E9}$", c = "é" matches regex @"^\\U000000E9$", d = replace_regex("a1b2", @"\\d", "#")', cols: ['a:bool', 'b:bool', 'c:bool', 'd:string'], rows: [[true, true, true, 'a#b#']] },
  { q: 'print t = trim_start(@"\\d+", "٣٤abc"), u = trim_end(@"\\s+", "abc\u00a0 ")', cols: ['t:string', 'u:string'], rows: [['abc', 'abc']] },
  // ───────────── union-operator.md: withsource names let-bound tabular arguments union_arg<i> ─────────────
  { q: 'let T = datatable(x:long)[1]; union withsource=src T, (datatable(x:long)[2]) | project src, x', cols: ['src:string', 'x:long'], rows: [['union_arg0', 1], ['union_arg1', 2]] },
  { q: 'let T = Events | where Level == "Warning"; union withsource=src T, (Events | where Level == "Error" | take 1) | summarize count() by src', cols: ['src:string', 'count_:long'], rows: [['union_arg0', 1], ['union_arg1', 1]] },
  { q: 'let T = Events; union withsource=src T, (Events | take 1) | summarize count() by src', cols: ['src:string', 'count_:long'], rows: [['Events', 6], ['union_arg1', 1]] },
];

