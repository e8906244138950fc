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
  // the { … } form: the subquery (its own source) runs once per distinct Level (4 of them)
  { q: 'Events | partition by Level { Events | count }', cols: ['Count:long'], rows: [[6], [6], [6], [6]] },
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

  // ───────────── row-rank-dense-function.md / row-rank-min-function.md ─────────────
  { q: 'datatable (Airport:string, Airline:string, Departures:long)["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, "SEA", "BA", 2, "SEA", "EL", 3] | sort by Departures asc | extend Rank=row_rank_dense(Departures) | project Departures, Rank', ordered: true, cols: ['Departures:long', 'Rank:long'], rows: [[2, 1], [3, 2], [3, 2], [3, 2], [100, 3]] },
  { q: 'datatable (Airport:string, Airline:string, Departures:long)["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, "SEA", "BA", 2, "SEA", "EL", 3, "AMS", "EL", 1, "AMS", "BA", 1] | sort by Airport desc, Departures asc | extend Rank=row_rank_dense(Departures, prev(Airport) != Airport) | project Airport, Departures, Rank', ordered: true, cols: ['Airport:string', 'Departures:long', 'Rank:long'], rows: [['SEA', 2, 1], ['SEA', 3, 2], ['SEA', 3, 2], ['SEA', 3, 2], ['SEA', 100, 3], ['AMS', 1, 1], ['AMS', 1, 1]] },
  { q: 'datatable (Airport:string, Airline:string, Departures:long)["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, "SEA", "BA", 2, "SEA", "EL", 3] | sort by Departures asc | extend Rank=row_rank_min(Departures) | project Departures, Rank', ordered: true, cols: ['Departures:long', 'Rank:long'], rows: [[2, 1], [3, 2], [3, 2], [3, 2], [100, 5]] },
  { q: 'datatable(Category:string, Item:string, Value:int)["A", "item1", 10, "A","item2", 10, "A", "item3", 5, "A", "item4", 20, "B", "item2", 5, "B", "item1", 7] | sort by Category asc, Value asc | extend rank = row_rank_min(Value, Category != prev(Category)) | project Category, Value, rank', ordered: true, cols: ['Category:string', 'Value:int', 'rank:long'], rows: [['A', 5, 1], ['A', 10, 2], ['A', 10, 2], ['A', 20, 4], ['B', 5, 1], ['B', 7, 2]] },
  // ───────────── row-number-function.md / row-cumsum-function.md: the restart argument ─────────────
  { q: 'datatable (Airport:string, Airline:string, Departures:long)["TLV", "LH", 1, "TLV", "LY", 100, "SEA", "LH", 1, "SEA", "BA", 2, "SEA", "LY", 0] | sort by Airport asc, Departures desc | extend Rank=row_number(1, prev(Airport) != Airport)', ordered: true, cols: ['Airport:string', 'Airline:string', 'Departures:long', 'Rank:long'], rows: [['SEA', 'BA', 2, 1], ['SEA', 'LH', 1, 2], ['SEA', 'LY', 0, 3], ['TLV', 'LY', 100, 1], ['TLV', 'LH', 1, 2]] },
  { q: 'datatable (name:string, month:int, salary:long)["Alice", 1, 1000, "Bob", 1, 1000, "Alice", 2, 2000, "Bob", 2, 1950, "Alice", 3, 1400, "Bob", 3, 1450] | order by name asc, month asc | extend total=row_cumsum(salary, name != prev(name))', ordered: true, cols: ['name:string', 'month:int', 'salary:long', 'total:long'], rows: [['Alice', 1, 1000, 1000], ['Alice', 2, 2000, 3000], ['Alice', 3, 1400, 4400], ['Bob', 1, 1000, 1000], ['Bob', 2, 1950, 2950], ['Bob', 3, 1450, 4400]] },
  { q: 'range a from 1 to 6 step 1 | serialize | extend r = a % 3 == 1 | extend n = row_number(1, r), s = row_cumsum(a, r), s2 = row_cumsum(a * 10, r), d = row_rank_dense(r) | project a, n, s, s2, d', ordered: true, cols: ['a:long', 'n:long', 's:long', 's2:long', 'd:long'], rows: [[1, 1, 1, 10, 1], [2, 2, 3, 30, 2], [3, 3, 6, 60, 2], [4, 1, 4, 40, 3], [5, 2, 9, 90, 4], [6, 3, 15, 150, 4]] },
  { q: 'range a from 1 to 3 step 1 | serialize | project a, n = row_number(5, a == 2) * 2', ordered: true, cols: ['a:long', 'n:long'], rows: [[1, 10], [2, 10], [3, 12]] },

  // ───────────── percentilesw-aggregation-function.md ─────────────
  { q: 'let latencyTable = datatable (ReqCount:long, LatencyBucket:long)[8, 10, 6, 20, 3, 30, 1, 40]; latencyTable | summarize percentilesw(LatencyBucket, ReqCount, 50, 75, 99.9)', cols: ['percentile_LatencyBucket_50:long', 'percentile_LatencyBucket_75:long', 'percentile_LatencyBucket_99_9:long'], rows: [[20, 20, 40]] },
  { q: 'let latencyTable = datatable (ReqCount:long, LatencyBucket:long)[8, 10, 6, 20, 3, 30, 1, 40]; latencyTable | summarize percentilesw_array(LatencyBucket, ReqCount, 50, 75, 99.9)', cols: ['percentile_LatencyBucket:dynamic'], rows: [['[20,20,40]']] },
  { q: 'let latencyTable = datatable (ReqCount:long, LatencyBucket:long)[8, 10, 6, 20, 3, 30, 1, 40]; latencyTable | summarize p = percentilew(LatencyBucket, ReqCount, 44), q = percentilew(LatencyBucket, ReqCount, 45)', cols: ['p:long', 'q:long'], rows: [[10, 20]] },
  { q: 'datatable(x:real, w:long)[1.5, 0, 2.5, 3, 9.5, 1] | summarize percentilew(x, w, 100), p0 = percentilew(x, w, 0)', cols: ['percentile_x_100:real', 'p0:real'], rows: [[9.5, 2.5]] },
];
