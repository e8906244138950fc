/**
 * Issue #12 (KQL fidelity): real-world syntax (Sentinel / Azure Monitor content) and the semantics
 * that differed from Kusto. Each expectation cites the reference doc in
 * ../shared/reference/kql-docs/query/ it comes from, or the statement of Kusto's behaviour.
 */
import type { Case } from './cases.js';
import { SENTINEL_CASES } from './cases-sentinel.js';

const LONG_LIST = Array.from({ length: 300 }, (_, i) => `"item${i}"`).join(', ');

export const FIDELITY_CASES: Case[] = [
  // ───────────── real-world syntax ─────────────
  // where X = value: a single = compares in a where predicate (issue #12's real-world queries)
  { q: 'Events | where Level = "Error" | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where Level = "Error" and Count = 3 | project Level, Count', cols: ['Level:string', 'Count:long'], rows: [['Error', 3]] },
  { q: 'Events | where (Level = "Warning") or Count = 7 | summarize n = count()', cols: ['n:long'], rows: [[2]] },
  { q: 'Events | extend a = 1 | where a = 1 | summarize c = count()', cols: ['c:long'], rows: [[6]] },
  // … but only there: elsewhere `=` still names a column
  { q: 'print x = 1 | extend y = x + 1', cols: ['x:long', 'y:long'], rows: [[1, 2]] },
  // x.[0]: an index after a dot, as AuditLogs content writes NewValue.[0]
  { q: 'print x = dynamic([1, 2, 3]) | project a = x.[0], b = x.[-1], c = x.[1 + 1]', cols: ['a:dynamic', 'b:dynamic', 'c:dynamic'], rows: [['1', '3', '3']] },
  { q: 'print d = dynamic({"a b": [10, 20], "k": [{"v": "x"}]}) | project v = d.["a b"].[1], w = tostring(d.k.[0].v)', cols: ['v:dynamic', 'w:string'], rows: [['20', 'x']] },
  { q: 'Events | where isnotnull(Props.arr) | project e = toint(Props.arr.[2])', cols: ['e:int'], rows: [[3]] },
  // long dynamic literals (watchlists of IOCs written inline)
  { q: `let iocs = dynamic([${LONG_LIST}]); print n = array_length(iocs), last = tostring(iocs[-1]), has = "item299" in (iocs)`, cols: ['n:long', 'last:string', 'has:bool'], rows: [[300, 'item299', true]] },
  // externaldata: the schema syntax parses (externaldata-operator.md), the operator is refused with a reason
  { q: 'externaldata (Url:string, Category:string) [@"https://example.com/list.csv"] with (format="csv", ignoreFirstRecord=true)', err: { kind: 'SemanticError', msg: 'externaldata is not supported', line: 1, column: 1 } },
  { q: 'let bad = externaldata (ip:string) [h@"https://example.com/ips.txt"] with (format = txt);\nEvents | where Level in (bad)', err: { kind: 'SemanticError', msg: 'externaldata is not supported' } },
  { q: 'Events | join kind=inner (externaldata (Level:string, Team:string)[@"https://example.com/a.csv", @"https://example.com/b.csv"]) on Level', err: { kind: 'SemanticError', msg: 'Ingest the reference data' } },

  // ───────────── aggregates over no rows, only nulls, one value ─────────────
  // summarize-operator.md, "Default values of aggregations" and its examples
  { q: 'datatable(x:long)[] | summarize any_x=take_any(x), arg_max_x=arg_max(x, *), arg_min_x=arg_min(x, *), avg(x), max(x), min(x), percentile(x, 55), stdev(x), sum(x), sumif(x, x > 0), variance(x)', cols: ['any_x:long', 'arg_max_x:long', 'arg_min_x:long', 'avg_x:real', 'max_x:long', 'min_x:long', 'percentile_x_55:long', 'stdev_x:real', 'sum_x:long', 'sumif_x:long', 'variance_x:real'], rows: [[null, null, null, 'NaN', null, null, null, 0, 0, 0, 0]] },
  { q: 'datatable(x:long)[] | summarize count(x), countif(x > 0), dcount(x), dcountif(x, x > 0)', cols: ['count_x:long', 'countif_:long', 'dcount_x:long', 'dcountif_x:long'], rows: [[0, 0, 0, 0]] },
  { q: 'datatable(x:long)[] | summarize make_set(x), make_list(x)', cols: ['set_x:dynamic', 'list_x:dynamic'], rows: [['[]', '[]']] },
  { q: 'range x from 1 to 4 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize sum(y), avg(y)', cols: ['sum_y:real', 'avg_y:real'], rows: [[15, 5]] },
  { q: 'range x from 1 to 2 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize count(y)', cols: ['count_y:long'], rows: [[2]] },
  { q: 'range x from 1 to 2 step 1 | extend y = iff(x == 1, real(null), real(5)) | summarize make_set(y), make_set(y)', cols: ['set_y:dynamic', 'set_y1:dynamic'], rows: [['[5.0]', '[5.0]']] },
  // only nulls: sum/sumif 0, avg/avgif NaN, min/max null, make_list [] (ignore-nulls.md + the defaults)
  { q: 'datatable(x:long)[long(null), long(null)] | summarize s=sum(x), si=sumif(x, true), a=avg(x), ai=avgif(x, true), mn=min(x), mx=max(x), l=make_list(x), st=make_set(x), v=variance(x), sd=stdev(x)', cols: ['s:long', 'si:long', 'a:real', 'ai:real', 'mn:long', 'mx:long', 'l:dynamic', 'st:dynamic', 'v:real', 'sd:real'], rows: [[0, 0, 'NaN', 'NaN', null, null, '[]', '[]', 0, 0]] },
  { q: 'datatable(x:real)[real(null)] | summarize s=sum(x), a=avg(x)', cols: ['s:real', 'a:real'], rows: [[0, 'NaN']] },
  // variance/stdev of a single value: 0 (issue #12)
  { q: 'datatable(x:long)[5] | summarize v=variance(x), sd=stdev(x), vi=varianceif(x, true), si=stdevif(x, true)', cols: ['v:real', 'sd:real', 'vi:real', 'si:real'], rows: [[0, 0, 0, 0]] },
  // … and the same per group
  { q: 'datatable(g:string, x:long)["a", long(null), "b", 4, "b", 6, "c", 7] | summarize s=sum(x), a=avg(x), mx=max(x), v=variance(x), l=make_list(x) by g', cols: ['g:string', 's:long', 'a:real', 'mx:long', 'v:real', 'l:dynamic'], rows: [['a', 0, 'NaN', null, 0, '[]'], ['b', 10, 5, 6, 2, '[4,6]'], ['c', 7, 7, 7, 0, '[7]']] },
  { q: 'Events | summarize s = sumif(Count, Level == "nope"), a = avgif(DurationMs, Level == "nope"), n = countif(Level == "nope") by Level', cols: ['Level:string', 's:long', 'a:real', 'n:long'], rows: [['Error', 0, 'NaN', 0], ['Warning', 0, 'NaN', 0], ['Information', 0, 'NaN', 0], ['', 0, 'NaN', 0]] },

  // make_set / make_list of dynamic arrays add their elements (make-set-aggregation-function.md, "Set from array column")
  { q: "datatable (Val: int, Arr1: dynamic)[1, dynamic(['A1', 'A2', 'A3']), 5, dynamic(['A2', 'C1']), 7, dynamic(['C2', 'A3']), 5, dynamic(['C2', 'A1'])] | summarize Val_set=array_sort_asc(make_set(Val)), Arr1_set=array_sort_asc(make_set(Arr1))", cols: ['Val_set:dynamic', 'Arr1_set:dynamic'], rows: [['[1,5,7]', '["A1","A2","A3","C1","C2"]']] },
  { q: "datatable (Arr1: dynamic)[dynamic(['A1', 'A2']), dynamic(['A2']), dynamic({'k': 1}), dynamic(5)] | summarize l = array_sort_asc(make_list(Arr1))", cols: ['l:dynamic'], rows: [['[5,"A1","A2","A2",{"k":1}]']] },
  // make_list of bags keeps them whole (make-list-aggregation-function.md, "Packing a dynamic object")
  { q: 'datatable (name: string, sideCount: int)["triangle", 3, "square", 4] | extend d = bag_pack("name", name, "sideCount", sideCount) | summarize mylist = make_list(d)', cols: ['mylist:dynamic'], rows: [['[{"name":"triangle","sideCount":3},{"name":"square","sideCount":4}]']] },
  // make_bag (make-bag-aggregation-function.md) — a key keeps its first value (issue #12)
  { q: 'let T = datatable(prop:string, value:string)["prop01", "val_a", "prop02", "val_b", "prop03", "val_c"]; T | extend p = bag_pack(prop, value) | summarize dict=make_bag(p)', cols: ['dict:dynamic'], rows: [['{"prop01":"val_a","prop02":"val_b","prop03":"val_c"}']] },
  { q: 'datatable(i:long, b:dynamic)[1, dynamic({"a": 1}), 2, dynamic({"a": 2, "b": 3}), 3, dynamic({"b": 4, "c": 5})] | order by i asc | summarize bag = make_bag(b)', cols: ['bag:dynamic'], rows: [['{"a":1,"b":3,"c":5}']] },

  // ───────────── conversions ─────────────
  // tostring of a bool is "True"/"False"; of a dynamic true, JSON's "true" (issue #12; tostring-function.md: "a string representation")
  { q: 'print tostring(true), tostring(false), tostring(dynamic(true)), tostring(bool(null)), strcat("x=", 1 == 1)', cols: ['print_0:string', 'print_1:string', 'print_2:string', 'print_3:string', 'print_4:string'], rows: [['True', 'False', 'true', '', 'x=True']] },
  // tobool (tobool-function.md: tobool("true") == true, tobool("false") == false, tobool(1) == true, tobool(123) == true; unconvertible → null)
  { q: 'print tobool("true"), tobool("True"), tobool("1"), tobool("false"), tobool("FALSE"), tobool("0"), tobool(1), tobool(123), tobool(0)', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool', 'print_6:bool', 'print_7:bool', 'print_8:bool'], rows: [[true, true, true, false, false, false, true, true, false]] },
  { q: 'print tobool("1.0"), tobool("0.0"), tobool("yes"), tobool(""), tobool("t")', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool'], rows: [[null, null, null, null, null]] },
  // toint: truncates (toint-function.md: toint(2.3) is 2, toint("123") == 123); a long out of int range wraps to 32 bits (issue #12)
  { q: 'print toint(2.3), toint("123") == 123, toint(4294967297), toint(2147483648), toint(-2147483649), toint(1h), tolong(1h)', cols: ['print_0:int', 'print_1:bool', 'print_2:int', 'print_3:int', 'print_4:int', 'print_5:int', 'print_6:long'], rows: [[2, true, 1, -2147483648, 2147483647, 1640261632, 36000000000]] },
  // timespan ÷ timespan is a real (scalar-data-types/timespan.md: time(1d) / time(1s) is a real)
  { q: 'print a = 1h / 30m, b = 1d / 1h, c = 90m / 1h, d = 1h / 2', cols: ['a:real', 'b:real', 'c:real', 'd:timespan'], rows: [[2, 24, 1.5, '00:30:00']] },

  // ───────────── arithmetic ─────────────
  // long arithmetic wraps (two's complement) instead of failing (issue #12)
  { q: 'print a = 9223372036854775807 + 1, b = -9223372036854775808 - 1, c = 9223372036854775807 * 2, d = int(2147483647) + int(1), e = -(-9223372036854775808)', cols: ['a:long', 'b:long', 'c:long', 'd:long', 'e:long'], rows: [[-9223372036854775808n, 9223372036854775807n, -2, 2147483648, -9223372036854775808n]] },
  { q: 'print x = 9223372036854775807 | extend y = x + 10, z = x * x, w = abs(-x - 1)', cols: ['x:long', 'y:long', 'z:long', 'w:long'], rows: [[9223372036854775807n, -9223372036854775799n, 1, -9223372036854775808n]] },
  // % and / on negatives (numerical-operators.md: 14 % 12, -14 % 12 → 2, 10; integer / truncates)
  { q: 'print a = -7 / 2, b = 7 / -2, c = -7 % 3, d = 7 % -3, e = -14 % 12, f = -7.5 % 2', cols: ['a:long', 'b:long', 'c:long', 'd:long', 'e:long', 'f:real'], rows: [[-3, -3, 2, 1, 10, 0.5]] },
  // log of a negative is null (log-function.md, log10-function.md, log2-function.md); sqrt of a negative is NaN (issue #12)
  { q: 'print log(-1), log10(-10), log2(-2), log(0), log(1), sqrt(-1), sqrt(4)', cols: ['print_0:real', 'print_1:real', 'print_2:real', 'print_3:real', 'print_4:real', 'print_5:real', 'print_6:real'], rows: [[null, null, null, '-Infinity', 0, 'NaN', 2]] },

  // ───────────── joins match null keys to null keys (issue #12) ─────────────
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n'] | join kind=inner (datatable(k:long, b:string)[1,'y', long(null),'m', 2, 'z']) on k", cols: ['k:long', 'a:string', 'k1:long', 'b:string'], rows: [[1, 'x', 1, 'y'], [null, 'n', null, 'm']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n', long(null), 'o'] | join (datatable(k:long, b:string)[1,'y', long(null),'m']) on k", cols: ['k:long', 'a:string', 'k1:long', 'b:string'], rows: [[1, 'x', 1, 'y'], [null, 'n', null, 'm']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n', 3, 'q'] | join kind=leftouter (datatable(k:long, b:string)[1,'y', long(null),'m']) on k", cols: ['k:long', 'a:string', 'k1:long', 'b:string'], rows: [[1, 'x', 1, 'y'], [null, 'n', null, 'm'], [3, 'q', null, '']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n'] | join kind=fullouter (datatable(k:long, b:string)[long(null),'m', 2, 'z']) on k", cols: ['k:long', 'a:string', 'k1:long', 'b:string'], rows: [[1, 'x', null, ''], [null, 'n', null, 'm'], [null, '', 2, 'z']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n'] | join kind=leftanti (datatable(k:long, b:string)[long(null),'m']) on k", cols: ['k:long', 'a:string'], rows: [[1, 'x']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n'] | join kind=leftsemi (datatable(k:long, b:string)[long(null),'m']) on k", cols: ['k:long', 'a:string'], rows: [[null, 'n']] },
  { q: "datatable(k:long, a:string)[long(null),'n'] | join kind=rightanti (datatable(k:long, b:string)[long(null),'m', 2, 'z']) on k", cols: ['k:long', 'b:string'], rows: [[2, 'z']] },
  { q: "datatable(k:real, a:string)[real(null),'n'] | join kind=rightsemi (datatable(k:long, b:string)[long(null),'m', 2, 'z']) on $left.k == $right.k", cols: ['k:long', 'b:string'], rows: [[null, 'm']] },
  { q: "datatable(k:long, a:string)[1,'x', long(null),'n'] | lookup (datatable(k:long, b:string)[1,'y', long(null),'m']) on k", cols: ['k:long', 'a:string', 'b:string'], rows: [[1, 'x', 'y'], [null, 'n', 'm']] },
  { q: "datatable(k:datetime, a:string)[datetime(null),'n'] | lookup kind=inner (datatable(k:datetime, b:string)[datetime(null),'m']) on k", cols: ['k:datetime', 'a:string', 'b:string'], rows: [[null, 'n', 'm']] },

  // ───────────── strings ─────────────
  // split with an index past the end: null (issue #12); split-function.md's examples
  { q: 'print split("aa_bb", "_"), split("aaa_bbb_ccc", "_", 1), split("", "_"), split("a__b", "_"), split("aabbcc", "bb"), split("a_b_c", "_", 3), split("a_b_c", "_", 10)', cols: ['print_0:dynamic', 'print_1:dynamic', 'print_2:dynamic', 'print_3:dynamic', 'print_4:dynamic', 'print_5:dynamic', 'print_6:dynamic'], rows: [['["aa","bb"]', '["bbb"]', '[""]', '["a","","b"]', '["aa","cc"]', null, null]] },
  // substring (substring-function.md's examples; a negative start counts from the end)
  { q: 'print substring("123456", 1), substring("123456", 2, 2), substring("ABCD", 0, 2), substring("123456", -2, 2), substring("123456", 10), substring("123456", 4, 100)', cols: ['print_0:string', 'print_1:string', 'print_2:string', 'print_3:string', 'print_4:string', 'print_5:string'], rows: [['23456', '34', 'AB', '56', '', '56']] },

  // ───────────── find (find-operator.md) ─────────────
  // a bare term searches every column of every table; project-smart with no predicate columns and no common column: source_ and pack_
  { q: 'find "disk"', cols: ['source_:string', 'pack_:dynamic'], rows: [['Logs_CL', '{"TimeGenerated":"2024-01-02T06:00:00.0000000Z","Message":"North America has error: disk full","Id":null,"Amount":null,"Flag":false,"Elapsed":"00:00:00.5000000","Code":500}']] },
  { q: 'find "nothing-matches-this"', cols: ['source_:string', 'pack_:dynamic'], rows: [] },
  // `find Pred`: the predicate's columns, then the columns common to the sources, the rest in pack_ (here one source: nothing left)
  { q: 'find Count == 3', cols: ['source_:string', 'Count:long', 'TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Props:dynamic', '_ResourceId:string', 'pack_:dynamic'], rows: [['Events', 3, '2024-01-01T10:00:00.0000000Z', 'Error', 120.5, '{"a":1,"b":"x","arr":[1,2,3]}', '/subs/1/vm1', '{}']] },
  // two sources: only their common column (TimeGenerated) stays a column
  { q: 'find in (Events, Logs_CL) where * has "disk" or Level == "Warning"', cols: ['source_:string', 'Level:string', 'TimeGenerated:datetime', 'pack_:dynamic'], rows: [['Events', 'Warning', '2024-01-01T10:30:00.0000000Z', '{"DurationMs":50.0,"Count":1,"Props":{"a":2,"b":"y"},"_ResourceId":"/subs/1/vm2"}'], ['Logs_CL', '', '2024-01-02T06:00:00.0000000Z', '{"Message":"North America has error: disk full","Id":null,"Amount":null,"Flag":false,"Elapsed":"00:00:00.5000000","Code":500}']] },
  // project: the listed columns, null where a source lacks one; each source filtered by the part of the predicate it has
  { q: 'find in (Events, Logs_CL) where Level == "Error" or Code == 500 project Level, Code', cols: ['source_:string', 'Level:string', 'Code:int'], rows: [['Events', 'Error', null], ['Events', 'Error', null], ['Logs_CL', '', 500]] },
  { q: 'find withsource=Src in (Events) where Count == 7 project Level, Count, pack_all()', cols: ['Src:string', 'Level:string', 'Count:long', 'pack_:dynamic'], rows: [['Events', 'Information', 7, '{"TimeGenerated":"2024-01-01T11:15:00.0000000Z","DurationMs":10.25,"Props":{"a":3,"b":"z","nested":{"k":"v"}},"_ResourceId":"/subs/1/vm1"}']] },
  { q: 'find in (Events) where Count == 7 project pack_all()', cols: ['source_:string', 'pack_:dynamic'], rows: [['Events', '{"TimeGenerated":"2024-01-01T11:15:00.0000000Z","Level":"Information","DurationMs":10.25,"Count":7,"Props":{"a":3,"b":"z","nested":{"k":"v"}},"_ResourceId":"/subs/1/vm1"}']] },
  // a source with none of the predicate's columns is left out; a typed project column converts
  { q: 'find in (Events, Logs_CL, ["My Table"]) where Code >= 200 project Code:long, Message', cols: ['source_:string', 'Code:long', 'Message:string'], rows: [['Logs_CL', 200, 'Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun'], ['Logs_CL', 500, 'North America has error: disk full']] },
  { q: 'find in (Events) where Count == 3 | project source_, Count', cols: ['source_:string', 'Count:long'], rows: [['Events', 3]] },
  // `find` is still a name where it is not the operator
  { q: 'let find = Events; find | count', cols: ['Count:long'], rows: [[6]] },

  // ───────────── column_ifexists (column-ifexists-function.md): the column if the row has it, else the default ─────────────
  { q: 'Events | where Level == "Warning" | project column_ifexists("Capital", Level)', cols: ['Level:string'], rows: [['Warning']] },
  { q: 'Events | where Count == 7 | project a = column_ifexists("Count", 0), b = column_ifexists("Nope", "none"), c = columnifexists("Nope", long(null))', cols: ['a:long', 'b:string', 'c:long'], rows: [[7, 'none', null]] },
  { q: 'print column_ifexists(Level, "x")', err: { kind: 'SemanticError', msg: 'the column name must be a string literal' } },

  // ───────────── has_any_ipv4 (has-any-ipv4-function.md's examples) ─────────────
  { q: "print result=has_any_ipv4('05:04:54 127.0.0.1 GET /favicon.ico 404', '127.0.0.1', '127.0.0.2')", cols: ['result:bool'], rows: [[true]] },
  { q: "print result=has_any_ipv4('05:04:54 127.0.0.1 GET /favicon.ico 404', dynamic(['127.0.0.1', '127.0.0.2']))", cols: ['result:bool'], rows: [[true]] },
  { q: 'print result=has_any_ipv4(\'05:04:54 127.0.0.256 GET /favicon.ico 404\', dynamic(["127.0.0.256", "192.168.1.1"]))', cols: ['result:bool'], rows: [[false]] },
  { q: "print result=has_any_ipv4('05:04:54127.0.0.1 GET /favicon.ico 404', '127.0.0.1', '192.168.1.1')", cols: ['result:bool'], rows: [[false]] },
  // the behaviours the Sentinel corpus relies on (test/kql/sentinel-corpus.ts)
  ...SENTINEL_CASES,
];
