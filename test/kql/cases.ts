/**
 * KQL test cases as data: a query and the table Kusto returns (columns "name:type", rows
 * as wire values), or the error it raises.  Most expectations come from the examples and
 * stated outputs in the KQL reference docs; the rest follow the documented semantics on
 * the tables defined in harness.ts.
 *
 * Rows are compared as a multiset unless `ordered` is set.
 */
export interface Case {
  q: string;
  cols?: string[];
  rows?: unknown[][];
  ordered?: boolean;
  err?: { kind: 'SyntaxError' | 'SemanticError'; msg?: string; line?: number; column?: number };
  timespan?: { start?: string; end?: string };
  /** expected `tables` of the compiled query */
  tables?: string[];
  render?: Record<string, unknown>;
  /**
   * Compare rows with this absolute tolerance on numbers (also inside dynamic JSON), polygon rings
   * compared from their smallest vertex (see harness.ts sameApprox): for geometry computed by a
   * different algorithm than Kusto's, whose docs print the last digits of its own rounding.
   */
  approx?: number;
}

const D = (s: string) => s; // wire datetime text, e.g. D('2024-01-01T10:00:00.0000000Z')

export const CASES: Case[] = [
  // ───────────── print ─────────────
  { q: 'print x=1, 2', cols: ['x:long', 'print_1:long'], rows: [[1, 2]] },
  { q: 'print 0 + 1 + 2 + 3 + 4 + 5, x = "Wow!"', cols: ['print_0:long', 'x:string'], rows: [[15, 'Wow!']] },
  { q: 'print banner=strcat("Hello", ", ", "World!")', cols: ['banner:string'], rows: [['Hello, World!']] },
  { q: 'print str = strcat("hello", " ", "world")', cols: ['str:string'], rows: [['hello world']] },
  { q: 'print 1, 2.5, true, "s"', cols: ['print_0:long', 'print_1:real', 'print_2:bool', 'print_3:string'], rows: [[1, 2.5, true, 's']] },
  { q: "print 'a' \"b\" @'c\\d'", cols: ['print_0:string'], rows: [['abc\\d']] },
  { q: 'print "tab\\there", @"C:\\path", @"say ""hi"""', cols: ['print_0:string', 'print_1:string', 'print_2:string'], rows: [['tab\there', 'C:\\path', 'say "hi"']] },
  { q: 'print h"secret", h@\'raw\\x\'', cols: ['print_0:string', 'print_1:string'], rows: [['secret', 'raw\\x']] },
  { q: 'print "\\u00e9\\n"', cols: ['print_0:string'], rows: [['é\n']] },
  { q: 'print ```multi\nline```', cols: ['print_0:string'], rows: [['multi\nline']] },
  { q: 'print bool(null), datetime(null), dynamic(null), guid(null), int(null), long(null), real(null), double(null), timespan(null)', cols: ['print_0:bool', 'print_1:datetime', 'print_2:dynamic', 'print_3:guid', 'print_4:int', 'print_5:long', 'print_6:real', 'print_7:real', 'print_8:timespan'], rows: [[null, null, null, null, null, null, null, null, null]] },
  { q: 'print int(5), long(-3), real(1.5), bool(true), decimal(1.25), real(nan), real(+inf), real(-inf)', cols: ['print_0:int', 'print_1:long', 'print_2:real', 'print_3:bool', 'print_4:decimal', 'print_5:real', 'print_6:real', 'print_7:real'], rows: [[5, -3, 1.5, true, '1.25', 'NaN', 'Infinity', '-Infinity']] },
  { q: 'print g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642)', cols: ['g:guid'], rows: [['74be27de-1e4e-49d9-b579-fe0b331d3642']] },
  { q: 'print -9223372036854775808, 9007199254740991, 0x1F', cols: ['print_0:long', 'print_1:long', 'print_2:long'], rows: [[-9223372036854775808n, 9007199254740991, 31]] },
  { q: 'print 1e3, 1.5e-3, .5', cols: ['print_0:real', 'print_1:real', 'print_2:real'], rows: [[1000, 0.0015, 0.5]] },

  // ───────────── datetime / timespan literals & arithmetic ─────────────
  { q: 'print datetime(2024-01-01), datetime(2024-01-01T10:00:00Z), datetime(2015-12-31 23:59:59.9), datetime(2024-01-01 10:00:00.1234567)', cols: ['print_0:datetime', 'print_1:datetime', 'print_2:datetime', 'print_3:datetime'], rows: [[D('2024-01-01T00:00:00.0000000Z'), D('2024-01-01T10:00:00.0000000Z'), D('2015-12-31T23:59:59.9000000Z'), D('2024-01-01T10:00:00.1234567Z')]] },
  { q: "print datetime('2007-04-07'), date(2020-02-29)", cols: ['print_0:datetime', 'print_1:datetime'], rows: [[D('2007-04-07T00:00:00.0000000Z'), D('2020-02-29T00:00:00.0000000Z')]] },
  { q: 'print 1d, 2h, 30m, 10s, 100ms, 1tick, 10microsecond, 1.5h, -1d', cols: ['print_0:timespan', 'print_1:timespan', 'print_2:timespan', 'print_3:timespan', 'print_4:timespan', 'print_5:timespan', 'print_6:timespan', 'print_7:timespan', 'print_8:timespan'], rows: [['1.00:00:00', '02:00:00', '00:30:00', '00:00:10', '00:00:00.1000000', '00:00:00.0000001', '00:00:00.0000100', '01:30:00', '-1.00:00:00']] },
  { q: 'print time(1.02:03:04), timespan(0.12:34:56.7), time(00:01:00), timespan(15 seconds), timespan(2), time(-01:00:00)', cols: ['print_0:timespan', 'print_1:timespan', 'print_2:timespan', 'print_3:timespan', 'print_4:timespan', 'print_5:timespan'], rows: [['1.02:03:04', '12:34:56.7000000', '00:01:00', '00:00:15', '2.00:00:00', '-01:00:00']] },
  { q: 'print result1 = 1d / 1s, result2 = time(1d) / time(1s), result3 = 24 * 60 * time(00:01:00) / time(1s)', cols: ['result1:real', 'result2:real', 'result3:real'], rows: [[86400, 86400, 86400]] },
  { q: 'print seconds = 86400 | extend t = seconds * 1s', cols: ['seconds:long', 't:timespan'], rows: [[86400, '1.00:00:00']] },
  { q: 'print datetime(1997-06-25) - datetime(1910-06-11)', cols: ['print_0:timespan'], rows: [['31791.00:00:00']] },
  { q: 'print datetime(1910-06-11) + 1d, 1d + 2d, 1d / 5h, 1.5 * 1h, 1h - 30m', cols: ['print_0:datetime', 'print_1:timespan', 'print_2:real', 'print_3:timespan', 'print_4:timespan'], rows: [[D('1910-06-12T00:00:00.0000000Z'), '3.00:00:00', 4.8, '01:30:00', '00:30:00']] },
  { q: 'print result = datetime(1970-01-01) + 1546897531 * 1sec', cols: ['result:datetime'], rows: [[D('2019-01-07T21:45:31.0000000Z')]] },
  { q: 'print result = (datetime(2019-01-07 21:45:31.0000000) - datetime(1970-01-01)) / 1s', cols: ['result:real'], rows: [[1546897531]] },
  { q: 'print now(), ago(1d), ago(-1h), now(1h), ago(1h) < now()', cols: ['print_0:datetime', 'print_1:datetime', 'print_2:datetime', 'print_3:datetime', 'print_4:bool'], rows: [[D('2024-01-03T00:00:00.0000000Z'), D('2024-01-02T00:00:00.0000000Z'), D('2024-01-03T01:00:00.0000000Z'), D('2024-01-03T01:00:00.0000000Z'), true]] },
  // Kusto's full range, to the last tick
  { q: 'print datetime(0001-01-01), datetime(9999-12-31 23:59:59.9999999)', cols: ['print_0:datetime', 'print_1:datetime'], rows: [[D('0001-01-01T00:00:00.0000000Z'), D('9999-12-31T23:59:59.9999999Z')]] },

  // ───────────── arithmetic ─────────────
  { q: 'print plusPlus = 14 % 12, minusPlus = -14 % 12, plusMinus = 14 % -12, minusMinus = -14 % -12', cols: ['plusPlus:long', 'minusPlus:long', 'plusMinus:long', 'minusMinus:long'], rows: [[2, 10, 2, 10]] },
  { q: 'print 1.0 / 2, 1 / 2.0, 1 / 2, real(1) / 2, -7 / 2', cols: ['print_0:real', 'print_1:real', 'print_2:long', 'print_3:real', 'print_4:long'], rows: [[0.5, 0.5, 0, 0.5, -3]] },
  { q: 'print int(2) + int(3), int(2) * 2.5, 2 - 5, -(3), 2 * (3 + 4)', cols: ['print_0:long', 'print_1:real', 'print_2:long', 'print_3:long', 'print_4:long'], rows: [[5, 5, -3, -3, 14]] },
  { q: 'print 1 / 0, 1.0 / 0, -1.0 / 0, 0.0 / 0', cols: ['print_0:long', 'print_1:real', 'print_2:real', 'print_3:real'], rows: [[null, 'Infinity', '-Infinity', 'NaN']] },
  { q: 'print 3.14 + 3.14, 0.23 - 0.22 > 0', cols: ['print_0:real', 'print_1:bool'], rows: [[6.28, true]] },

  // ───────────── comparisons, logic, nulls ─────────────
  { q: 'print 1 == 1, 1 != 0, 4 <= 5, 5 >= 4, 1 < 10, 0.23 > 0.22, 10m > 1s, now() > ago(1d)', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool', 'print_6:bool', 'print_7:bool'], rows: [[true, true, true, true, true, true, true, true]] },
  { q: 'datatable(val:int)[5, int(null)] | extend IsBiggerThan3 = val > 3 | extend IsBiggerThan3OrNull = val > 3 or isnull(val) | extend IsEqualToNull = val == int(null) | extend IsNotEqualToNull = val != int(null)', cols: ['val:int', 'IsBiggerThan3:bool', 'IsBiggerThan3OrNull:bool', 'IsEqualToNull:bool', 'IsNotEqualToNull:bool'], rows: [[5, true, true, false, true], [null, null, true, null, null]] },
  { q: 'datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival != 5', cols: ['ival:int', 'sval:string'], rows: [[null, 'b']] },
  { q: 'datatable(a:long, b:long)[1, long(null), long(null), long(null), 2, 2] | project eq = a == b, ne = a != b', cols: ['eq:bool', 'ne:bool'], rows: [[false, true], [null, null], [true, false]] },
  { q: 'print true and false, true or false, not(true), not(false), true and bool(null), false and bool(null), true or bool(null)', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool', 'print_6:bool'], rows: [[false, true, false, true, null, false, true]] },
  { q: 'print isnull(""), isempty(""), isnotempty("x"), isnull(int(null)), isnotnull(1), isempty(int(null)), isnull(dynamic(null))', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool', 'print_6:bool'], rows: [[false, true, true, true, true, true, true]] },
  { q: 'print isempty(parse_json("")), isempty(parse_json("[]")), isempty(parse_json("{}")), isempty("x")', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, false, false, false]] },

  // ───────────── string operators ─────────────
  { q: 'print "aBc" == "aBc", "abc" != "ABC", "abc" =~ "ABC", "aBc" !~ "xyz"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, true, true, true]] },
  { q: 'print "FabriKam" contains "BRik", "Fabrikam" !contains "xyz", "FabriKam" contains_cs "Kam", "Fabrikam" !contains_cs "Kam", "Fabrikam" contains_cs "kam"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool'], rows: [[true, true, true, true, true]] },
  { q: 'print "Fabrikam" endswith "Kam", "Fabrikam" !endswith "brik", "Fabrikam" endswith_cs "kam", "Fabrikam" !endswith_cs "brik"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, true, true, true]] },
  { q: 'print "Fabrikam" startswith "fab", "Fabrikam" !startswith "kam", "Fabrikam" startswith_cs "Fab", "Fabrikam" !startswith_cs "fab"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, true, true, true]] },
  { q: 'print "North America" has "america", "North America" !has "amer", "North America" has_cs "America", "North America" !has_cs "amer"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, true, true, true]] },
  { q: 'print "North America" hasprefix "ame", "North America" !hasprefix "mer", "North America" hassuffix "ica", "North America" !hassuffix "americ", "North America" hasprefix_cs "Ame", "North America" hassuffix_cs "ica"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool'], rows: [[true, true, true, true, true, true]] },
  { q: 'print "North and South America" has_all("south", "north"), "North America" has_any("south", "north"), "North America" has_any("south", "east")', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool'], rows: [[true, true, false]] },
  { q: 'print "KustoExplorerQueryRun" has "Explorer", "KustoExplorerQueryRun" contains "Explorer"', cols: ['print_0:bool', 'print_1:bool'], rows: [[false, true]] },
  { q: 'Logs_CL | where Message has "ad67d136" | project Code', cols: ['Code:int'], rows: [[200]] },
  { q: 'Logs_CL | where Message has "KustoExplorerQueryRun" or Message has "c1db" | count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Logs_CL | where Message has "error" | project Code', cols: ['Code:int'], rows: [[500]] },
  { q: 'Logs_CL | where Message has "err" | count', cols: ['Count:long'], rows: [[0]] },
  { q: 'Logs_CL | where Message has "disk full" | count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Logs_CL | where Message has "50%_" | count', cols: ['Count:long'], rows: [[0]] },
  { q: 'print "Fabrikam" matches regex "b.*k", "abc" matches regex "^b"', cols: ['print_0:bool', 'print_1:bool'], rows: [[true, false]] },
  { q: 'print "abc" in ("123", "345", "abc"), "bca" !in ("123", "345", "abc"), "Abc" in~ ("123", "345", "abc"), "bCa" !in~ ("123", "345", "ABC"), "Abc" in ("abc")', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool'], rows: [[true, true, true, true, false]] },
  { q: 'print 2 in (1, 2, 3), 4 !in (1, 2, 3), 1.0 in (1, 2), "b" in (dynamic(["a", "b"]))', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [[true, true, true, true]] },
  { q: 'Events | where Level in ("Error", "Warning") | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'Events | where Level in~ (dynamic(["ERROR", "warning"])) | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'let states = dynamic(["error", "warning"]); Events | where Level has_any (states) | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'Events | where Level !in ("Error") | count', cols: ['Count:long'], rows: [[4]] },
  { q: 'Events | where Level contains "ERR" | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where Level startswith "info" | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where _ResourceId endswith "vm1" | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where _ResourceId has "subs" | count', cols: ['Count:long'], rows: [[5]] },
  { q: 'Events | where Level =~ "error" | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where Level == "" | count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Events | where Level != "Error" | count', cols: ['Count:long'], rows: [[4]] },

  // ───────────── between ─────────────
  { q: 'range x from 1 to 100 step 1 | where x between (50 .. 55)', cols: ['x:long'], rows: [[50], [51], [52], [53], [54], [55]], ordered: true },
  { q: 'range x from 1 to 10 step 1 | where x !between (5 .. 9)', cols: ['x:long'], rows: [[1], [2], [3], [4], [10]], ordered: true },
  { q: 'Events | where TimeGenerated between (datetime(2024-01-01 10:00) .. datetime(2024-01-01 11:15)) | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'Events | where TimeGenerated between (datetime(2024-01-01) .. 1d) | count', cols: ['Count:long'], rows: [[4]] },
  { q: 'Events | where TimeGenerated !between (datetime(2024-01-01) .. 1d) | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where DurationMs between (10 .. 100) | project DurationMs', cols: ['DurationMs:real'], rows: [[50], [10.25]] },

  // ───────────── range / datatable ─────────────
  { q: 'range x from 1 to 10 step 2', cols: ['x:long'], rows: [[1], [3], [5], [7], [9]], ordered: true },
  { q: 'range x from 10 to 1 step -3', cols: ['x:long'], rows: [[10], [7], [4], [1]], ordered: true },
  { q: 'range x from 5 to 1 step 1', cols: ['x:long'], rows: [] },
  { q: 'range x from 0.5 to 2 step 0.5', cols: ['x:real'], rows: [[0.5], [1], [1.5], [2]], ordered: true },
  { q: 'range Time from datetime(2024-01-01) to datetime(2024-01-03) step 1d', cols: ['Time:datetime'], rows: [[D('2024-01-01T00:00:00.0000000Z')], [D('2024-01-02T00:00:00.0000000Z')], [D('2024-01-03T00:00:00.0000000Z')]], ordered: true },
  { q: 'range t from 0s to 1m step 30s', cols: ['t:timespan'], rows: [['00:00:00'], ['00:00:30'], ['00:01:00']], ordered: true },
  { q: 'range LastWeek from ago(7d) to now() step 1d | count', cols: ['Count:long'], rows: [[8]] },
  { q: 'range Size from 1 to 15 step 2 | extend bucket = case(Size <= 3, "Small", Size <= 10, "Medium", "Large")', cols: ['Size:long', 'bucket:string'], rows: [[1, 'Small'], [3, 'Small'], [5, 'Medium'], [7, 'Medium'], [9, 'Medium'], [11, 'Large'], [13, 'Large'], [15, 'Large']], ordered: true },
  { q: 'datatable(a:int, b:string)[1,"x",2,"y"]', cols: ['a:int', 'b:string'], rows: [[1, 'x'], [2, 'y']], ordered: true },
  { q: 'datatable(Date:datetime, Event:string, MoreData:dynamic) [datetime(1910-06-11), "Born", dynamic({"key1":"value1", "key2":"value2"}), datetime(1930-01-01), "Enters Ecole Navale", dynamic({"key1":"value3", "key2":"value4"}), datetime(1953-01-01), "Published first book", dynamic({"key1":"value5", "key2":"value6"}), datetime(1997-06-25), "Died", dynamic({"key1":"value7", "key2":"value8"}),] | where strlen(Event) > 4 | extend key2 = MoreData.key2', cols: ['Date:datetime', 'Event:string', 'MoreData:dynamic', 'key2:dynamic'], rows: [[D('1930-01-01T00:00:00.0000000Z'), 'Enters Ecole Navale', '{"key1":"value3","key2":"value4"}', '"value4"'], [D('1953-01-01T00:00:00.0000000Z'), 'Published first book', '{"key1":"value5","key2":"value6"}', '"value6"']], ordered: true },
  { q: 'datatable(x:real, y:long, z:dynamic)[1, 2, 3]', cols: ['x:real', 'y:long', 'z:dynamic'], rows: [[1, 2, '3']] },
  { q: 'datatable(a:string)[] | count', cols: ['Count:long'], rows: [[0]] },
  { q: "datatable(['my col']:long)[1] | project ['my col']", cols: ['my col:long'], rows: [[1]] },

  // ───────────── tables, where, project, extend ─────────────
  { q: 'Events | count', cols: ['Count:long'], rows: [[6]], tables: ['Events'] },
  { q: "['My Table'] | project id", cols: ['id:long'], rows: [[1], [2]], tables: ['My Table'] },
  { q: 'Events | where Level == "Error" | project TimeGenerated, DurationMs', cols: ['TimeGenerated:datetime', 'DurationMs:real'], rows: [[D('2024-01-01T10:00:00.0000000Z'), 120.5], [D('2024-01-01T12:00:00.0000000Z'), 300]] },
  { q: 'Events | filter DurationMs > 100 | project Level', cols: ['Level:string'], rows: [['Error'], ['Error']] },
  { q: 'Events | where isnull(DurationMs) | project Level, DurationMs, Count', cols: ['Level:string', 'DurationMs:real', 'Count:long'], rows: [['Information', null, 2]] },
  { q: 'Events | where isempty(_ResourceId) or isempty(Level) | project Count', cols: ['Count:long'], rows: [[2], [0]] },
  { q: 'Events | where Count > 2 and DurationMs < 200 | project Count', cols: ['Count:long'], rows: [[3], [7]] },
  { q: 'Events | where TimeGenerated > ago(1d) | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | where TimeGenerated > ago(1d) + 9h + 30m | count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Events | project Level, d = DurationMs * 2, c = Count + 1 | where Level == "Warning"', cols: ['Level:string', 'd:real', 'c:long'], rows: [['Warning', 100, 2]] },
  { q: 'Events | project strlen(Level), Count * 2 | take 1', cols: ['strlen_Level:long', 'Column1:long'], rows: [[5, 6]] },
  { q: 'Events | extend x = Count * 2, y = x + 1 | where Level == "Warning" | project x, y', cols: ['x:long', 'y:long'], rows: [[2, 3]] },
  { q: 'Events | extend Level = toupper(Level) | where Count == 1 | project-away Props', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long', '_ResourceId:string'], rows: [[D('2024-01-01T10:30:00.0000000Z'), 'WARNING', 50, 1, '/subs/1/vm2']] },
  { q: 'Events | where Count == 7 | extend a = Props.a, b = tostring(Props.b), k = tostring(Props.nested.k), k2 = Props["nested"]["k"] | project a, b, k, k2', cols: ['a:dynamic', 'b:string', 'k:string', 'k2:dynamic'], rows: [['3', 'z', 'v', '"v"']] },
  { q: 'Events | where toint(Props.a) >= 2 | project Count', cols: ['Count:long'], rows: [[1], [7]] },
  { q: 'Events | where Props.a == 2 | project Count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Events | where Props.b == "x" | project Count', cols: ['Count:long'], rows: [[3]] },
  { q: 'Events | where Count == 3 | project Props.arr[0], Props.arr[-1], array_length(Props.arr)', cols: ['Props_arr_0:dynamic', 'Props_arr_:dynamic', 'Column1:long'], rows: [['1', '3', 3]] },
  { q: 'Events | where Count == 2 | project isnull(Props.a), isnull(Props.missing), tostring(Props.a)', cols: ['Column1:bool', 'Column2:bool', 'Props_a:string'], rows: [[true, true, '']] },
  { q: 'Events | project-away Props, _ResourceId | take 1', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long'], rows: [[D('2024-01-01T10:00:00.0000000Z'), 'Error', 120.5, 3]] },
  { q: 'Events | project-away *Id, Pr* | where Count == 1', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long'], rows: [[D('2024-01-01T10:30:00.0000000Z'), 'Warning', 50, 1]] },
  { q: 'Events | project-keep Level, *Ms | where Level == "Warning"', cols: ['Level:string', 'DurationMs:real'], rows: [['Warning', 50]] },
  { q: 'Events | project-rename Lvl = Level, Dur = DurationMs | project Lvl, Dur | where Dur == 50', cols: ['Lvl:string', 'Dur:real'], rows: [['Warning', 50]] },
  { q: 'Events | project-reorder Count, Level | project-away TimeGenerated, DurationMs, Props, _ResourceId | take 1', cols: ['Count:long', 'Level:string'], rows: [[3, 'Error']] },
  { q: 'Events | take 2 | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'Events | limit 0', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long', 'Props:dynamic', '_ResourceId:string'], rows: [] },
  { q: 'let n = 3; Events | take n | count', cols: ['Count:long'], rows: [[3]] },

  // ───────────── sort / top ─────────────
  { q: 'Events | sort by DurationMs | project DurationMs', cols: ['DurationMs:real'], rows: [[300], [120.5], [50], [10.25], [5], [null]], ordered: true },
  { q: 'Events | sort by DurationMs asc | project DurationMs', cols: ['DurationMs:real'], rows: [[null], [5], [10.25], [50], [120.5], [300]], ordered: true },
  { q: 'Events | order by DurationMs asc nulls last | project DurationMs', cols: ['DurationMs:real'], rows: [[5], [10.25], [50], [120.5], [300], [null]], ordered: true },
  { q: 'Events | sort by DurationMs desc nulls first | project DurationMs', cols: ['DurationMs:real'], rows: [[null], [300], [120.5], [50], [10.25], [5]], ordered: true },
  { q: 'Events | sort by Level asc, Count desc | project Level, Count', cols: ['Level:string', 'Count:long'], rows: [['', 0], ['Error', 3], ['Error', null], ['Information', 7], ['Information', 2], ['Warning', 1]], ordered: true },
  { q: 'Events | top 3 by DurationMs | project DurationMs', cols: ['DurationMs:real'], rows: [[300], [120.5], [50]], ordered: true },
  { q: 'Events | top 2 by Count asc | project Count', cols: ['Count:long'], rows: [[null], [0]], ordered: true },
  { q: 'Events | top 2 by Count asc nulls last | project Count', cols: ['Count:long'], rows: [[0], [1]], ordered: true },
  { q: 'Events | top 1 by strlen(Level) | project Level', cols: ['Level:string'], rows: [['Information']] },
  { q: 'Events | sort by TimeGenerated asc | take 2 | project TimeGenerated', cols: ['TimeGenerated:datetime'], rows: [[D('2024-01-01T10:00:00.0000000Z')], [D('2024-01-01T10:30:00.0000000Z')]], ordered: true },

  // ───────────── summarize ─────────────
  { q: 'Events | summarize count() by Level', cols: ['Level:string', 'count_:long'], rows: [['Error', 2], ['Warning', 1], ['Information', 2], ['', 1]] },
  { q: 'Events | summarize count()', cols: ['count_:long'], rows: [[6]] },
  // sum over no rows is 0 (summarize-operator.md, "Default values of aggregations")
  { q: 'Events | where Level == "nope" | summarize count(), sum(Count)', cols: ['count_:long', 'sum_Count:long'], rows: [[0, 0]] },
  { q: 'Events | summarize count(), sum(Count), avg(DurationMs), min(TimeGenerated), max(DurationMs), dcount(Level) by bin(TimeGenerated, 1d)', cols: ['TimeGenerated:datetime', 'count_:long', 'sum_Count:long', 'avg_DurationMs:real', 'min_TimeGenerated:datetime', 'max_DurationMs:real', 'dcount_Level:long'], rows: [[D('2024-01-01T00:00:00.0000000Z'), 4, 11, 120.1875, D('2024-01-01T10:00:00.0000000Z'), 300, 3], [D('2024-01-02T00:00:00.0000000Z'), 2, 2, 5, D('2024-01-02T09:00:00.0000000Z'), 5, 2]] },
  { q: 'Events | summarize n = count() by bin(TimeGenerated, 1h) | where n > 1', cols: ['TimeGenerated:datetime', 'n:long'], rows: [[D('2024-01-01T10:00:00.0000000Z'), 2]] },
  { q: 'Events | summarize countif(Level == "Error"), sumif(Count, Level == "Information"), avgif(DurationMs, Count > 0)', cols: ['countif_:long', 'sumif_Count:long', 'avgif_DurationMs:real'], rows: [[2, 9, 60.25]] },
  { q: 'Events | summarize take_any(Level) by Level | count', cols: ['Count:long'], rows: [[4]] },
  { q: 'Events | summarize min(Level), max(Level), minif(Count, Count > 0), maxif(Count, Level == "Error")', cols: ['min_Level:string', 'max_Level:string', 'minif_Count:long', 'maxif_Count:long'], rows: [['', 'Warning', 1, 3]] },
  { q: 'Events | summarize avg_dur = round(avg(DurationMs), 2), c = count() * 2 by Level | sort by Level asc', cols: ['Level:string', 'avg_dur:real', 'c:long'], rows: [['', 5, 2], ['Error', 210.25, 4], ['Information', 10.25, 4], ['Warning', 50, 2]], ordered: true },
  { q: 'Events | summarize by Level | sort by Level asc', cols: ['Level:string'], rows: [[''], ['Error'], ['Information'], ['Warning']], ordered: true },
  { q: 'Events | summarize count() by Level, strlen(_ResourceId) | where Level == "Error"', cols: ['Level:string', 'strlen__ResourceId:long', 'count_:long'], rows: [['Error', 11, 2]] },
  { q: 'Events | summarize count() by L = tolower(Level) | where L == "error"', cols: ['L:string', 'count_:long'], rows: [['error', 2]] },
  // count(x) counts nulls too, and is named count_x (summarize-operator.md: `summarize count(y)` → count_y = 2 with one null y)
  { q: 'Events | summarize sum(DurationMs), count(DurationMs), dcount(_ResourceId)', cols: ['sum_DurationMs:real', 'count_DurationMs:long', 'dcount__ResourceId:long'], rows: [[485.75, 6, 4]] },
  { q: 'Events | summarize count(), count() by Level | where Level == "Warning"', cols: ['Level:string', 'count_:long', 'count_1:long'], rows: [['Warning', 1, 1]] },
  { q: 'Events | summarize make_set(Level), make_list(Count) by b = bin(TimeGenerated, 1d) | where b == datetime(2024-01-02) | project b', cols: ['b:datetime'], rows: [[D('2024-01-02T00:00:00.0000000Z')]] },
  { q: 'Events | where Level == "Error" | summarize make_list(Count), percentile(DurationMs, 50), variance(DurationMs)', cols: ['list_Count:dynamic', 'percentile_DurationMs_50:real', 'variance_DurationMs:real'], rows: [['[3]', 120.5, 16110.125]] },
  { q: 'Events | summarize Total = sum(Count) by R = _ResourceId | where R == "/subs/1/vm1"', cols: ['R:string', 'Total:long'], rows: [['/subs/1/vm1', 10]] },
  { q: 'Events | summarize count() by bin(DurationMs, 100) | sort by DurationMs asc', cols: ['DurationMs:real', 'count_:long'], rows: [[null, 1], [0, 3], [100, 1], [300, 1]], ordered: true },
  { q: 'Events | summarize sum(Count) by bin(Count, 5) | sort by Count asc nulls last', cols: ['Count:long', 'sum_Count:long'], rows: [[0, 6], [5, 7], [null, 0]], ordered: true }, // sum of only nulls is 0 (summarize-operator.md)
  { q: 'Logs_CL | summarize sum(Elapsed), avg(Elapsed), max(Elapsed), sum(Amount), countif(Flag)', cols: ['sum_Elapsed:timespan', 'avg_Elapsed:timespan', 'max_Elapsed:timespan', 'sum_Amount:decimal', 'countif_Flag:long'], rows: [['01:00:00.5000000', '00:30:00.2500000', '01:00:00', '12.75', 1]] },

  // ───────────── count / distinct ─────────────
  { q: 'Events | distinct Level', cols: ['Level:string'], rows: [['Error'], ['Warning'], ['Information'], ['']] },
  { q: 'Events | distinct Level, _ResourceId | count', cols: ['Count:long'], rows: [[6]] },
  { q: 'Events | distinct _ResourceId | count', cols: ['Count:long'], rows: [[4]] },
  { q: 'datatable(a:long, b:string)[1, "x", 1, "x", 2, "y"] | distinct *', cols: ['a:long', 'b:string'], rows: [[1, 'x'], [2, 'y']] },
  { q: 'Events | where Level == "Error" | count | extend double = Count * 2', cols: ['Count:long', 'double:long'], rows: [[2, 4]] },

  // ───────────── functions ─────────────
  { q: 'print bin(4.5, 1), bin(time(16d), 7d), bin(datetime(1970-05-11 13:45:07), 1d)', cols: ['print_0:real', 'print_1:timespan', 'print_2:datetime'], rows: [[4, '14.00:00:00', D('1970-05-11T00:00:00.0000000Z')]] },
  { q: 'print bin(-7, 5), bin(7, 5), floor(-4.5), floor(datetime(2024-01-01 10:59), 1h), bin(10m, 15m)', cols: ['print_0:long', 'print_1:long', 'print_2:real', 'print_3:datetime', 'print_4:timespan'], rows: [[-10, 5, -5, D('2024-01-01T10:00:00.0000000Z'), '00:00:00']] },
  { q: 'print bin(datetime(2024-01-04), 7d)', cols: ['print_0:datetime'], rows: [[D('2024-01-01T00:00:00.0000000Z')]] },
  { q: 'print tostring(123), tostring(1.0), tostring(1.5), tostring(datetime(2024-01-01)), tostring(1h), tostring(true), tostring(dynamic({"a":1})), tostring(int(null))', cols: ['print_0:string', 'print_1:string', 'print_2:string', 'print_3:string', 'print_4:string', 'print_5:string', 'print_6:string', 'print_7:string'], rows: [['123', '1', '1.5', '2024-01-01T00:00:00.0000000Z', '01:00:00', 'True', '{"a":1}', '']] }, // tostring(true) is "True" (issue #12)
  { q: 'print toint("123") == 123 | project Integer = print_0', cols: ['Integer:bool'], rows: [[true]] },
  { q: 'print toint(2.3) | project Integer = print_0', cols: ['Integer:int'], rows: [[2]] },
  { q: 'print tolong("123") == 123, tolong("x"), tolong(" 42 "), todouble("1.5"), toreal(2), toint(true), tolong(-2.7)', cols: ['print_0:bool', 'print_1:long', 'print_2:long', 'print_3:real', 'print_4:real', 'print_5:int', 'print_6:long'], rows: [[true, null, 42, 1.5, 2, 1, -2]] },
  { q: 'print tobool("true") == true, tobool("false") == false, tobool(1) == true, tobool(123) == true, tobool("x")', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool'], rows: [[true, true, true, true, null]] },
  { q: 'print todatetime("2015-12-31 23:59:59.9"), todatetime("2024-01-01T10:00:00Z"), todatetime("nope"), todatetime(datetime(2020-01-01))', cols: ['print_0:datetime', 'print_1:datetime', 'print_2:datetime', 'print_3:datetime'], rows: [[D('2015-12-31T23:59:59.9000000Z'), D('2024-01-01T10:00:00.0000000Z'), null, D('2020-01-01T00:00:00.0000000Z')]] },
  { q: 'let value=5; print minsStr=totimespan("0.00:03:00"), days=totimespan(4d), hour=totimespan(value * 1h), mins=totimespan(value * 2m), seconds=totimespan(5 * 4s), timespanMin=timespan(25min)', cols: ['minsStr:timespan', 'days:timespan', 'hour:timespan', 'mins:timespan', 'seconds:timespan', 'timespanMin:timespan'], rows: [['00:03:00', '4.00:00:00', '05:00:00', '00:10:00', '00:00:20', '00:25:00']] },
  { q: 'print totimespan("-1.02:03:04.5"), totimespan("bad")', cols: ['print_0:timespan', 'print_1:timespan'], rows: [['-1.02:03:04.5000000', null]] },
  { q: 'print toguid("74BE27DE-1E4E-49D9-B579-FE0B331D3642"), todecimal("1.50")', cols: ['print_0:guid', 'print_1:decimal'], rows: [['74be27de-1e4e-49d9-b579-fe0b331d3642', '1.5']] },
  { q: 'print iff(1 > 2, "a", "b"), iif(true, 1, 2), iff(bool(null), 1, 2), iff(true, 1, 2.5)', cols: ['print_0:string', 'print_1:long', 'print_2:long', 'print_3:real'], rows: [['b', 1, 2, 1]] },
  { q: 'Events | extend Sev = iff(Level == "Error", "High", "Low") | summarize count() by Sev', cols: ['Sev:string', 'count_:long'], rows: [['High', 2], ['Low', 4]] },
  { q: 'print length = strlen("hello"), l2 = strlen("⒦⒰⒮⒯⒪"), l3 = strlen(123)', cols: ['length:long', 'l2:long', 'l3:long'], rows: [[5, 5, 3]] },
  { q: 'print tolower("ABC"), toupper("abc"), strcat("a", 1, true, 1.5), strcat_delim("-", "a", "b", 3)', cols: ['print_0:string', 'print_1:string', 'print_2:string', 'print_3:string'], rows: [['abc', 'ABC', 'a1True1.5', 'a-b-3']] }, // a bool converts to "True" (issue #12)
  { q: 'print substring("123456", 1), substring("123456", 2, 2), substring("ABCD", 0, 2), substring("123456", -2, 2), substring("abc", 10)', cols: ['print_0:string', 'print_1:string', 'print_2:string', 'print_3:string', 'print_4:string'], rows: [['23456', '34', 'AB', '56', '']] },
  { q: 'print result=coalesce(tolong("not a number"), tolong("42"), 33)', cols: ['result:long'], rows: [[42]] },
  { q: 'print coalesce("", "x", "y"), coalesce(int(null), int(null)), coalesce("", "")', cols: ['print_0:string', 'print_1:int', 'print_2:string'], rows: [['x', null, '']] },
  { q: 'print countof("aaa", "a"), countof("aaaa", "aa"), countof("ababa", "ab"), countof("ababa", "aba")', cols: ['print_0:long', 'print_1:long', 'print_2:long', 'print_3:long'], rows: [[3, 3, 2, 2]] },
  { q: 'print idx1 = indexof("abcdefg","cde"), idx2 = indexof("abc", "x")', cols: ['idx1:long', 'idx2:long'], rows: [[2, -1]] },
  { q: 'print replace_string("A magic trick can turn a cat into a dog", "cat", "hamster"), reverse("abc"), extract("x=([0-9.]+)", 1, "hello x=45.6|wo")', cols: ['print_0:string', 'print_1:string', 'print_2:string'], rows: [['A magic trick can turn a hamster into a dog', 'cba', '45.6']] },
  { q: 'print abs(-5), sqrt(16), pow(2, 10), round(2.567, 2), ceiling(1.2), floor(1.8), exp(0), log10(100)', cols: ['print_0:long', 'print_1:real', 'print_2:real', 'print_3:real', 'print_4:real', 'print_5:real', 'print_6:real', 'print_7:real'], rows: [[5, 4, 1024, 2.57, 2, 1, 1, 2]] },
  { q: 'print min_of(10, 1, 5), max_of(1.5, 3), max_of(datetime(2020-01-01), datetime(2021-01-01))', cols: ['print_0:long', 'print_1:real', 'print_2:datetime'], rows: [[1, 3, D('2021-01-01T00:00:00.0000000Z')]] },
  { q: 'print startofday(datetime(2017-01-01 10:10:17)), startofmonth(datetime(2017-01-15 10:10:17)), startofyear(datetime(2017-05-15)), startofweek(datetime(2017-01-03 10:10:17)), endofday(datetime(2017-01-01 10:10:17))', cols: ['print_0:datetime', 'print_1:datetime', 'print_2:datetime', 'print_3:datetime', 'print_4:datetime'], rows: [[D('2017-01-01T00:00:00.0000000Z'), D('2017-01-01T00:00:00.0000000Z'), D('2017-01-01T00:00:00.0000000Z'), D('2017-01-01T00:00:00.0000000Z'), D('2017-01-01T23:59:59.9999999Z')]] },
  { q: 'print getyear(datetime(2015-10-12)), getmonth(datetime(2015-10-12)), dayofmonth(datetime(2015-10-12)), hourofday(datetime(2015-10-12 11:30)), dayofweek(datetime(1947-11-30 10:00:05)), dayofweek(datetime(1970-05-11))', cols: ['print_0:int', 'print_1:int', 'print_2:int', 'print_3:int', 'print_4:timespan', 'print_5:timespan'], rows: [[2015, 10, 12, 11, '00:00:00', '1.00:00:00']] },
  { q: 'print d = parse_json(\'{"a":123, "b":"{\\\\"c\\\\":456}"}\') | project d_b_c = parse_json(tostring(d.b)).c', cols: ['d_b_c:dynamic'], rows: [['456']] },
  { q: 'datatable(context_custom_metrics:string) [\'{"duration":{"value":118.0,"count":5.0,"min":100.0,"max":150.0}}\'] | extend d = parse_json(context_custom_metrics) | project duration_value = todouble(d.duration.value), duration_min = todouble(d.duration.min)', cols: ['duration_value:real', 'duration_min:real'], rows: [[118, 100]] },
  { q: 'print parse_json("not json"), todynamic("[1,2]"), dynamic([1, "a", true, null, {"k": -1.5}])', cols: ['print_0:dynamic', 'print_1:dynamic', 'print_2:dynamic'], rows: [['"not json"', '[1,2]', '[1,"a",true,null,{"k":-1.5}]']] },
  { q: 'print x = dynamic({"a":[1,2,{"b":"c"}]}) | project y = x.a[2].b, z = x["a"][-1], w = x.a[0], n = x.nope', cols: ['y:dynamic', 'z:dynamic', 'w:dynamic', 'n:dynamic'], rows: [['"c"', '{"b":"c"}', '1', null]] },
  { q: 'print array_length(dynamic([1,2,3])), array_length(dynamic({})), bag_keys(dynamic({"a":1,"b":2})), pack_array(1, "x")', cols: ['print_0:long', 'print_1:long', 'print_2:dynamic', 'print_3:dynamic'], rows: [[3, null, '["a","b"]', '[1,"x"]']] },
  { q: 'print split("a,b,c", ","), isnan(real(nan)), isinf(real(+inf)), isfinite(1.0)', cols: ['print_0:dynamic', 'print_1:bool', 'print_2:bool', 'print_3:bool'], rows: [['["a","b","c"]', true, true, true]] },
  { q: 'print unixtime_seconds_todatetime(1546300800), unixtime_milliseconds_todatetime(1546300800123)', cols: ['print_0:datetime', 'print_1:datetime'], rows: [[D('2019-01-01T00:00:00.0000000Z'), D('2019-01-01T00:00:00.1230000Z')]] },
  { q: 'Logs_CL | where Code == 200 | project Id, Amount, Elapsed, Flag, tostring(Id), Elapsed / 1s', cols: ['Id:guid', 'Amount:decimal', 'Elapsed:timespan', 'Flag:bool', 'Id1:string', 'Column1:real'], rows: [['6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a', '12.5', '01:00:00', true, '6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a', 3600]] },
  { q: 'Logs_CL | where Id == guid(6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a) | project Code', cols: ['Code:int'], rows: [[200]] },
  { q: 'Logs_CL | where Elapsed > 1s | project Code', cols: ['Code:int'], rows: [[200]] },
  { q: 'Logs_CL | where isnull(Flag) | project Code, Amount * 2', cols: ['Code:int', 'Column1:decimal'], rows: [[null, '0.5']] },

  // ───────────── let ─────────────
  { q: 'let x = 5; let y = x * 2; print y', cols: ['print_0:long'], rows: [[10]] },
  { q: 'let Start = datetime(2024-01-01 10:15); let End = Start + 2h; Events | where TimeGenerated between (Start .. End) | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'let E = Events | where Level == "Error"; E | count', cols: ['Count:long'], rows: [[2]], tables: ['Events'] },
  { q: 'let T = Events; let U = T; U | where Count == 1 | project Level', cols: ['Level:string'], rows: [['Warning']] },
  { q: 'let threshold = 100.0;\nEvents\n| where DurationMs > threshold\n| project Level;', cols: ['Level:string'], rows: [['Error'], ['Error']] },

  // ───────────── comments, layout, misc ─────────────
  { q: '// a comment\nEvents // trailing\n| where Level == "Warning" // why\n| project Count', cols: ['Count:long'], rows: [[1]] },
  { q: 'Events | where Level == "Error" | render timechart with (title="Errors", ytitle=Count)', cols: ['TimeGenerated:datetime', 'Level:string', 'DurationMs:real', 'Count:long', 'Props:dynamic', '_ResourceId:string'], rows: [[D('2024-01-01T10:00:00.0000000Z'), 'Error', 120.5, 3, '{"a":1,"b":"x","arr":[1,2,3]}', '/subs/1/vm1'], [D('2024-01-01T12:00:00.0000000Z'), 'Error', 300, null, null, '/subs/2/vm3']], render: { visualization: 'timechart', title: 'Errors', ytitle: 'Count' } },
  { q: 'print a = 1, A = 2', cols: ['a:long', 'A:long'], rows: [[1, 2]] },
  { q: "print ['weird \"name\"'] = 1, ['select'] = 2", cols: ['weird "name":long', 'select:long'], rows: [[1, 2]] },
  { q: 'Events | where Level == "it\'s" or Level == \'say "x"\' or Level == "\'; DROP TABLE Events; --" | count', cols: ['Count:long'], rows: [[0]] },
  { q: 'Events | summarize hint.strategy=shuffle count() by Level | where Level == "Error"', cols: ['Level:string', 'count_:long'], rows: [['Error', 2]] },

  // ───────────── request timespan ─────────────
  { q: 'Events | count', timespan: { start: '2024-01-01T10:30:00Z', end: '2024-01-02T00:00:00Z' }, cols: ['Count:long'], rows: [[3]] },
  { q: 'Events | where Level == "Error" | count', timespan: { start: '2024-01-01T11:00:00Z' }, cols: ['Count:long'], rows: [[1]] },
  { q: "['My Table'] | count", timespan: { start: '2030-01-01T00:00:00Z' }, cols: ['Count:long'], rows: [[2]] },

  // ───────────── NULL strings in storage read as '' (the compiler reads string columns raw and compares them as stored where NULL and '' agree) ─────────────
  // Events: Level is NULL in the row with Count 0; _ResourceId is NULL in the row with Count 2.
  { q: "Events | where Level == '' | project Count", cols: ['Count:long'], rows: [[0]] },
  { q: "Events | where '' == Level | project Count", cols: ['Count:long'], rows: [[0]] },
  { q: "Events | where Level != 'Error' | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where 'Error' != Level | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where Level != '' | count", cols: ['Count:long'], rows: [[5]] },
  { q: "Events | where Level == 'Error' and _ResourceId == '/subs/2/vm3' | project Count", cols: ['Count:long'], rows: [[null]] },
  { q: "Events | where Level in ('Error', '') | project Count", cols: ['Count:long'], rows: [[3], [null], [0]] },
  { q: "Events | where Level in ('Warning', 'Information') | project Count", cols: ['Count:long'], rows: [[1], [7], [2]] },
  { q: "Events | where Level !in ('Error') | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where not(Level has 'error') | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where Level !has 'error' | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where Level !contains 'o' | project Count", cols: ['Count:long'], rows: [[1], [0]] },
  { q: "Events | where not(Level == 'Error') | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | where Level startswith 'err' or _ResourceId endswith 'VM3' | project Count", cols: ['Count:long'], rows: [[3], [null], [0]] },
  { q: "Events | where Level =~ 'ERROR' | count", cols: ['Count:long'], rows: [[2]] },
  { q: "Events | where Level contains_cs 'rr' or Level hasprefix 'warn' | project Count", cols: ['Count:long'], rows: [[3], [1], [null]] },
  { q: "Events | where isnotempty(Level) and isnotempty(_ResourceId) | count", cols: ['Count:long'], rows: [[4]] },
  { q: "Events | where not(isnotempty(Level)) | project Count", cols: ['Count:long'], rows: [[0]] },
  { q: "Events | where isempty(Level) or Level == 'Warning' | project Count", cols: ['Count:long'], rows: [[1], [0]] },
  { q: "Events | where (Level == 'Error') == false | project Count", cols: ['Count:long'], rows: [[1], [7], [2], [0]] },
  { q: "Events | extend e = Level == 'Error', h = Level has 'x', c = Level contains 'r' | where Count == 0 | project e, h, c", cols: ['e:bool', 'h:bool', 'c:bool'], rows: [[false, false, false]] },
  { q: "Events | extend L = Level | where L == '' | project Count, L", cols: ['Count:long', 'L:string'], rows: [[0, '']] },
  { q: "Events | project L = Level, Count | where Count == 0 | extend n = strlen(L), e = isempty(L), s = strcat('[', L, ']')", cols: ['L:string', 'Count:long', 'n:long', 'e:bool', 's:string'], rows: [['', 0, 0, true, '[]']] },
  { q: 'Events | summarize n = count() by _ResourceId', cols: ['_ResourceId:string', 'n:long'], rows: [['/subs/1/vm1', 2], ['/subs/1/vm2', 1], ['/subs/2/vm3', 2], ['', 1]] },
  { q: "Events | extend r = _ResourceId | summarize n = count(), d = dcount(r), m = min(r), l = array_sort_asc(make_set(r)) by g = r == ''", cols: ['g:bool', 'n:long', 'd:long', 'm:string', 'l:dynamic'], rows: [[false, 5, 3, '/subs/1/vm1', '["/subs/1/vm1","/subs/1/vm2","/subs/2/vm3"]'], [true, 1, 1, '', '[""]']] },
  { q: 'Events | project Level | distinct Level', cols: ['Level:string'], rows: [['Error'], ['Warning'], ['Information'], ['']] },
  { q: 'Events | top 2 by Level asc | project Level', cols: ['Level:string'], rows: [[''], ['Error']], ordered: true },
  { q: 'Events | sort by Level desc, Count asc | project Level, Count', cols: ['Level:string', 'Count:long'], rows: [['Warning', 1], ['Information', 2], ['Information', 7], ['Error', null], ['Error', 3], ['', 0]], ordered: true },
  { q: 'Events | take 10 | where Count == 0 | project Level, _ResourceId', cols: ['Level:string', '_ResourceId:string'], rows: [['', '/subs/2/vm3']] },
  { q: 'Events | summarize arg_max(TimeGenerated, *) by _ResourceId | project _ResourceId, Level, Count', cols: ['_ResourceId:string', 'Level:string', 'Count:long'], rows: [['/subs/1/vm1', 'Information', 7], ['/subs/1/vm2', 'Warning', 1], ['/subs/2/vm3', '', 0], ['', 'Information', 2]] },
  { q: 'Events | where isnull(Count) or Count == 0 | summarize arg_max(TimeGenerated, Level, _ResourceId), arg_min(TimeGenerated, Level)', cols: ['TimeGenerated:datetime', 'Level:string', '_ResourceId:string', 'TimeGenerated1:datetime', 'Level1:string'], rows: [[D('2024-01-02T10:00:00.0000000Z'), '', '/subs/2/vm3', D('2024-01-01T12:00:00.0000000Z'), 'Error']] },
  { q: 'Events | summarize arg_max(Level, Count) by _ResourceId | where _ResourceId == "/subs/2/vm3"', cols: ['_ResourceId:string', 'Level:string', 'Count:long'], rows: [['/subs/2/vm3', 'Error', null]] },
  { q: 'Events | join kind=inner (Events | project _ResourceId, L2 = Level) on _ResourceId | where isempty(_ResourceId) | project Count, L2', cols: ['Count:long', 'L2:string'], rows: [[2, 'Information']] },
  { q: "Events | where Level == 'Error' | join kind=leftouter (Events | where Count == 0 | project Level, C2 = Count) on Level | project Count, C2", cols: ['Count:long', 'C2:long'], rows: [[3, null], [null, null]] },
  // summarize with one arg_max/arg_min and group keys runs as a top-1 per group; a group whose keys are all null still gives its row (arg-max-aggregation-function.md, "null handling": Banana → Yellow)
  { q: 'Events | summarize arg_max(DurationMs, Level, Count) by _ResourceId', cols: ['_ResourceId:string', 'DurationMs:real', 'Level:string', 'Count:long'], rows: [['/subs/1/vm1', 120.5, 'Error', 3], ['/subs/1/vm2', 50, 'Warning', 1], ['/subs/2/vm3', 300, 'Error', null], ['', null, 'Information', 2]] },
  { q: 'Events | summarize arg_min(DurationMs, *) by Level | project Level, DurationMs, Count', cols: ['Level:string', 'DurationMs:real', 'Count:long'], rows: [['Error', 120.5, 3], ['Warning', 50, 1], ['Information', 10.25, 7], ['', 5, 0]] },
  { q: 'Events | summarize (m, c) = arg_max(DurationMs, Count), n = count() by _ResourceId', cols: ['_ResourceId:string', 'm:real', 'c:long', 'n:long'], rows: [['/subs/1/vm1', 120.5, 3, 2], ['/subs/1/vm2', 50, 1, 1], ['/subs/2/vm3', 300, null, 2], ['', null, 2, 1]] },
  { q: 'Events | summarize arg_max(strlen(Level), up = toupper(Level)) by d = bin(TimeGenerated, 1d)', cols: ['d:datetime', 'strlen_Level:long', 'up:string'], rows: [[D('2024-01-01T00:00:00.0000000Z'), 11, 'INFORMATION'], [D('2024-01-02T00:00:00.0000000Z'), 11, 'INFORMATION']] },
  { q: 'Events | where Count > 100 | summarize arg_max(TimeGenerated, *) by Level', cols: ['Level:string', 'TimeGenerated:datetime', 'DurationMs:real', 'Count:long', 'Props:dynamic', '_ResourceId:string'], rows: [] },
  // dynamic properties with constant steps are read with one json_extract_string
  { q: 'Events | extend b = tostring(Props.b), a = tolong(Props.a), n = tostring(Props.nested.k), x = todouble(Props.arr[1]), y = tostring(Props.arr), z = tostring(Props.nested), w = toint(Props["a"]) | project Count, b, a, n, x, y, z, w', cols: ['Count:long', 'b:string', 'a:long', 'n:string', 'x:real', 'y:string', 'z:string', 'w:int'], rows: [[3, 'x', 1, '', 2, '[1,2,3]', '', 1], [1, 'y', 2, '', null, '', '', 2], [7, 'z', 3, 'v', null, '', '{"k":"v"}', 3], [null, '', null, '', null, '', '', null], [2, '', null, '', null, '', '', null], [0, '', null, '', null, '', '', null]] },
  { q: "Events | where Props.a == 2 or tostring(Props.b) == 'z' or Props.arr[-1] == 3 | project Count", cols: ['Count:long'], rows: [[3], [1], [7]] },
  { q: "Events | where tobool(Props.a) and isnull(todatetime(Props.b)) | project Count", cols: ['Count:long'], rows: [[3], [1], [7]] },
  // case-insensitive string operators fold case like DuckDB's lower() (also beyond ASCII)
  { q: 'print "ÄBC" contains "äb", "ÄBC" startswith "äb", "xÄBC" endswith "äbc", "x ÄBC" has "äbc", "ÄBC" contains_cs "äb", "ÄBC" hasprefix "ä", "ÄB-C" hassuffix "c"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool', 'print_6:bool'], rows: [[true, true, true, true, false, true, true]] },
  { q: 'print "50% off_sale" contains "0% o", "50% off_sale" contains "f_s", "a\\\\b" contains "\\\\", "50% off" startswith "50%", "x_" endswith "_", "a%b" has "%"', cols: ['print_0:bool', 'print_1:bool', 'print_2:bool', 'print_3:bool', 'print_4:bool', 'print_5:bool'], rows: [[true, true, true, true, true, false]] },
  // parse: a pattern starting with a string column or * matches from the start of a line
  { q: 'print s = "line1 x\\nkey=val, rest" | parse s with k "=" v "," * | project k, v', cols: ['k:string', 'v:string'], rows: [['key', 'val']] },
  { q: 'print s = "first=1\\nsecond=2" | parse s with * "=" n:long | project n', cols: ['n:long'], rows: [[1]] },
  { q: 'print s = "a\\nb\\nc=3" | parse s with name "=" n:long * | project name, n', cols: ['name:string', 'n:long'], rows: [['c', 3]] },
  { q: 'print s = "n=-0042 and m=99" | parse s with * "n=" n:int " and m=" m:long | project n, m', cols: ['n:int', 'm:long'], rows: [[-42, 99]] },
  { q: 'print s = "n=99999999999 rest" | parse s with * "n=" n:int " " r | project n, r', cols: ['n:int', 'r:string'], rows: [[null, '']] },
  { q: 'print s = "no match here" | parse s with a "=" b:long | project a, b', cols: ['a:string', 'b:long'], rows: [['', null]] },
  { q: 'print s = "k=v" | parse s with a "=" b | project a, b', cols: ['a:string', 'b:string'], rows: [['k', 'v']] },
  { q: 'print s = "k=" | parse s with a "=" b | project a, b', cols: ['a:string', 'b:string'], rows: [['k', '']] },
  { q: 'print s = "count: 12x" | parse kind=relaxed s with "count: " n:long "y" * | project n', cols: ['n:long'], rows: [[null]] },
  // bin on datetimes is aligned to 0001-01-01 for every size (odd sizes, days, before 1970)
  { q: 'print bin(datetime(2024-01-01 10:17:00), 7m), bin(datetime(1969-12-31 23:59:59), 1h), bin(datetime(2024-01-03 12:00), 7d), bin(datetime(2024-01-01), 13d), bin(datetime(1900-06-15 03:04:05), 7m)', cols: ['print_0:datetime', 'print_1:datetime', 'print_2:datetime', 'print_3:datetime', 'print_4:datetime'], rows: [[D('2024-01-01T10:16:00.0000000Z'), D('1969-12-31T23:00:00.0000000Z'), D('2024-01-01T00:00:00.0000000Z'), D('2023-12-28T00:00:00.0000000Z'), D('1900-06-15T03:03:00.0000000Z')]] },

  // ───────────── errors ─────────────
  { q: 'Foo | count', err: { kind: 'SemanticError', msg: "Failed to resolve table or column expression named 'Foo'", line: 1, column: 1 } },
  { q: 'Events\n| where Lvl == "x"', err: { kind: 'SemanticError', msg: "Failed to resolve scalar expression named 'Lvl'", line: 2, column: 9 } },
  { q: 'print foo(1)', err: { kind: 'SemanticError', msg: "Unknown function: 'foo'", line: 1, column: 7 } },
  { q: 'Events | where', err: { kind: 'SyntaxError', msg: "Query could not be parsed at '' on line [1,15]", line: 1, column: 15 } },
  { q: 'Events | whre Level == 1', err: { kind: 'SyntaxError', msg: "Query could not be parsed at 'whre' on line [1,10]", line: 1, column: 10 } },
  { q: 'Events | | count', err: { kind: 'SyntaxError', msg: "Query could not be parsed at '|' on line [1,10]", line: 1, column: 10 } },
  { q: 'print "unterminated', err: { kind: 'SyntaxError', line: 1, column: 7 } },
  { q: 'print x = (1 + 2', err: { kind: 'SyntaxError', line: 1, column: 17 } },
  { q: 'print datetime(2024-13-01)', err: { kind: 'SyntaxError', line: 1, column: 7 } },
  { q: 'print 1 + "a"', err: { kind: 'SemanticError', line: 1, column: 9 } },
  { q: 'Events | where Level', err: { kind: 'SemanticError', msg: "The 'where' predicate must be of type bool", line: 1, column: 16 } },
  { q: 'Events | extend c = count()', err: { kind: 'SemanticError', msg: "can only be used in the aggregation list of summarize", line: 1, column: 21 } },
  { q: 'Events | summarize strlen(Level)', err: { kind: 'SemanticError', msg: 'must contain an aggregate function' } },
  { q: 'print strlen()', err: { kind: 'SemanticError', msg: "The function 'strlen' expects 1 argument" } },
  { q: 'Events | project Level.x', err: { kind: 'SemanticError', msg: 'require a dynamic value' } },
  { q: 'Events | project-away Nope', err: { kind: 'SemanticError', msg: "Failed to resolve scalar expression named 'Nope'" } },
  { q: 'datatable(a:int)[1, 2, "x"]', err: { kind: 'SemanticError' } },
  { q: 'datatable(a:int, b:int)[1, 2, 3]', err: { kind: 'SemanticError', msg: 'not a multiple' } },
  { q: 'Events | take "x"', err: { kind: 'SemanticError', msg: 'must be an integer' } },
  { q: 'Events | render timechart | count', err: { kind: 'SemanticError', msg: 'must be the last operator' } },
  { q: 'Events | count; Events | count', err: { kind: 'SemanticError', msg: 'more than one tabular expression', line: 1, column: 17 } },
  { q: 'let x = 1;', err: { kind: 'SemanticError', msg: 'no tabular expression' } },
  { q: '', err: { kind: 'SyntaxError' } },
  { q: 'print x = 1 +* 2', err: { kind: 'SyntaxError', msg: "at '*'" } },
  { q: 'print 99999999999999999999', err: { kind: 'SyntaxError', msg: 'out of range' } },
  { q: 'print ' + '('.repeat(500) + '1' + ')'.repeat(500), err: { kind: 'SyntaxError', msg: 'nested too deeply' } },
  { q: 'print ' + Array(2000).fill('1').join(' + '), err: { kind: 'SyntaxError', msg: 'nested too deeply' } },
  { q: 'Events' + ' | take 1'.repeat(400), err: { kind: 'SyntaxError', msg: 'pipeline is too long' } },
  { q: 'print "a" < 1', err: { kind: 'SemanticError', msg: 'Cannot compare' } },
  { q: 'print iff(true, 1, "a")', err: { kind: 'SemanticError', msg: 'same type' } },
  { q: 'let x = 1; x | count', err: { kind: 'SemanticError', msg: 'scalar' } },
  { q: 'Events | summarize count() by Props', err: { kind: 'SemanticError', msg: 'dynamic' } },
  { q: 'Events | where Level @ 1', err: { kind: 'SyntaxError', msg: "at '@'" } },
];
