/**
 * Conformance cases for issue #12's third operator/function pass: row_window_session
 * (row-window-session-function.md), … The docs' examples are here with their documented output; the
 * other expectations are derived by hand from the documented definitions.
 */
import type { Case } from './cases.js';

const T = (s: string) => `2024-04-11T${s}:00.0000000Z`;
const SESSION_DOC = `datatable (ID:string, Timestamp:datetime) [
    "1", datetime(2024-04-11 10:00:00),
    "2", datetime(2024-04-11 10:18:00),
    "1", datetime(2024-04-11 11:00:00),
    "3", datetime(2024-04-11 11:30:00),
    "2", datetime(2024-04-11 13:30:00),
    "2", datetime(2024-04-11 10:16:00)
]
| sort by ID asc, Timestamp asc
| extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))`;
/** Minutes past 10:00, one row each, with a null in the middle. */
const hhmm = (m: number) => `${String(10 + Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const MINUTES = (ms: (number | null)[]) => `datatable(T:datetime)[${ms.map((m) => (m === null ? 'datetime(null)' : `datetime(2024-04-11 ${hhmm(m)})`)).join(', ')}] | serialize`;
const M = (m: number | null) => (m === null ? null : T(hhmm(m)));

export const OPS3_CASES: Case[] = [
  // ───────────── row_window_session ─────────────
  {
    q: SESSION_DOC,
    cols: ['ID:string', 'Timestamp:datetime', 'SessionStarted:datetime'],
    ordered: true,
    rows: [['1', T('10:00'), T('10:00')], ['1', T('11:00'), T('11:00')], ['2', T('10:16'), T('10:16')], ['2', T('10:18'), T('10:16')], ['2', T('13:30'), T('13:30')], ['3', T('11:30'), T('11:30')]],
  },
  // neighbours under 5 minutes apart stay in one session until 10 minutes from its start; an equal distance starts a new one
  {
    q: `${MINUTES([0, 4, 8, 10, 14, 19, 24])} | extend S = row_window_session(T, 10m, 5m) | project S`,
    cols: ['S:datetime'], ordered: true,
    rows: [[M(0)], [M(0)], [M(0)], [M(10)], [M(10)], [M(19)], [M(24)]],
  },
  // a null value has a null session and the next value starts a new one
  {
    q: `${MINUTES([0, 1, null, 2, 3])} | extend S = row_window_session(T, 1h, 1h) | project S`,
    cols: ['S:datetime'], ordered: true,
    rows: [[M(0)], [M(0)], [null], [M(2)], [M(2)]],
  },
  // restart starts a session; the function's column sits between columns computed before and after it
  {
    q: `${MINUTES([0, 1, 2, 3])} | extend n = row_number(), S = row_window_session(T, 1h, 1h, T == datetime(2024-04-11 10:02)), k = n * 10 | project n, S, k`,
    cols: ['n:long', 'S:datetime', 'k:long'], ordered: true,
    rows: [[1, M(0), 10], [2, M(0), 20], [3, M(2), 30], [4, M(2), 40]],
  },
  // in project, and twice in one extend
  {
    q: `${MINUTES([0, 6, 7, 30])} | project A = row_window_session(T, 1h, 5m), B = row_window_session(T, 1h, 2m)`,
    cols: ['A:datetime', 'B:datetime'], ordered: true,
    rows: [[M(0), M(0)], [M(6), M(6)], [M(6), M(6)], [M(30), M(30)]],
  },
  // in where (the staged computation goes beneath the filter), and row_rank_dense there too
  {
    q: `${MINUTES([0, 1, 2, 3, 4])} | where row_window_session(T, 2m, 1h) == T`,
    cols: ['T:datetime'], ordered: true, rows: [[M(0)], [M(2)], [M(4)]],
  },
  { q: 'range x from 1 to 5 step 1 | where row_rank_dense(x / 2) == 2', cols: ['x:long'], ordered: true, rows: [[2], [3]] },
  { q: 'datatable(T:datetime)[datetime(2024-01-01)] | extend S = row_window_session(T, 1h, 5m)', err: { kind: 'SemanticError', msg: 'serialized' } },
  { q: 'range x from 1 to 3 step 1 | extend S = row_window_session(x, 1h, 5m)', err: { kind: 'SemanticError', msg: 'must be a datetime' } },
  { q: 'range x from 1 to 3 step 1 | extend S = row_window_session(datetime(2024-01-01), 1, 5m)', err: { kind: 'SemanticError', msg: 'MaxDistanceFromFirst must be a timespan' } },
  { q: 'range x from 1 to 3 step 1 | extend S = row_window_session(datetime(2024-01-01), 1h, 5m, 1)', err: { kind: 'SemanticError', msg: "'restart' argument must be bool" } },
  { q: 'range x from 1 to 3 step 1 | extend S = row_window_session(datetime(2024-01-01), 1h)', err: { kind: 'SemanticError' } },

  // ───────────── unicode_codepoints_to_string (unicode-codepoints-to-string-function.md): variadic ─────────────
  { q: 'print str = unicode_codepoints_to_string(75, 117, 115, 116, 111)', cols: ['str:string'], rows: [['Kusto']] },
  { q: 'print str = unicode_codepoints_to_string(dynamic([75, 117, 115, 116, 111]))', cols: ['str:string'], rows: [['Kusto']] },
  { q: 'print str = unicode_codepoints_to_string(dynamic([75, 117, 115]), 116, 111)', cols: ['str:string'], rows: [['Kusto']] },
  { q: 'print str = unicode_codepoints_to_string(75, 10, 117, 10, 115, 10, 116, 10, 111)', cols: ['str:string'], rows: [['K\nu\ns\nt\no']] },
  { q: 'print str = unicode_codepoints_to_string(range(48,57), range(65,90), range(97,122))', cols: ['str:string'], rows: [['0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']] },
  { q: 'print str = unicode_codepoints_to_string(int(null), dynamic([]), 65)', cols: ['str:string'], rows: [['A']] },
  { q: 'print str = unicode_codepoints_to_string(65, "B")', err: { kind: 'SemanticError', msg: 'must be an integer or a dynamic array' } },

  // ───────────── cross-cluster / cross-database references: refused with a reason (Log Analytics has workspaces) ─────────────
  { q: "cluster('help').database('Samples').StormEvents | count", err: { kind: 'SemanticError', msg: "cluster() is not supported: Log Analytics has no clusters; a query reads the tables of its workspace, and another workspace's with workspace(", line: 1, column: 1 } },
  { q: "cluster('help.kusto.windows.net').database('Samples').StormEvents | count", err: { kind: 'SemanticError', msg: 'cluster() is not supported' } },
  { q: "database('Samples').StormEvents | count", err: { kind: 'SemanticError', msg: 'database() is not supported: Log Analytics has no databases' } },
  { q: "union (print x = 1), (database('d').T)", err: { kind: 'SemanticError', msg: 'database() is not supported', column: 23 } },
  { q: "external_table('ArchivedProducts') | take 10", err: { kind: 'SemanticError', msg: 'external_table() is not supported: external tables are an Azure Data Explorer feature' } },
  { q: "materialized_view('ViewName') | count", err: { kind: 'SemanticError', msg: 'materialized_view() is not supported' } },
  { q: 'stored_query_result("Events") | take 5', err: { kind: 'SemanticError', msg: 'stored_query_result() is not supported' } },
  { q: "print x = cluster('c')", err: { kind: 'SemanticError', msg: 'cluster() is not supported', column: 11 } },
  { q: "let foo = (clusterName:string)\n{\n    cluster(clusterName).database('Samples').StormEvents | count\n};\nfoo('help')", err: { kind: 'SemanticError', msg: 'cluster() is not supported', line: 3, column: 5 } },
  { q: "let T = database('d').T; T | take 1", err: { kind: 'SemanticError', msg: 'database() is not supported', line: 1, column: 9 } },

  // ───────────── sort / top with NaN and infinities (sort-operator.md "Using special floating-point values") ─────────────
  ...([
    ['asc nulls first', [null, 'NaN', '-Infinity', -5, 0, 5, 'Infinity']],
    ['asc', [null, 'NaN', '-Infinity', -5, 0, 5, 'Infinity']],
    ['desc nulls first', [null, 'NaN', 'Infinity', 5, 0, -5, '-Infinity']],
    ['asc nulls last', ['-Infinity', -5, 0, 5, 'Infinity', 'NaN', null]],
    ['desc nulls last', ['Infinity', 5, 0, -5, '-Infinity', 'NaN', null]],
    ['desc', ['Infinity', 5, 0, -5, '-Infinity', 'NaN', null]],
  ] as [string, unknown[]][]).map(([order, values]): Case => ({
    q: `datatable(x:real)[0, real(nan), 5, real(null), real(-inf), -5, real(+inf)] | sort by x ${order}`,
    cols: ['x:real'], ordered: true, rows: values.map((v) => [v]),
  })),
  { q: 'datatable(x:real)[0, real(nan), 5, real(null), real(-inf), -5, real(+inf)] | top 3 by x', cols: ['x:real'], ordered: true, rows: [['Infinity'], [5], [0]] },
  { q: 'datatable(x:real)[0, real(nan), 5, real(null), real(-inf), -5, real(+inf)] | top 3 by x asc', cols: ['x:real'], ordered: true, rows: [[null], ['NaN'], ['-Infinity']] },
  { q: 'datatable(x:real, k:long)[real(nan), 1, 2, 1, real(nan), 2, real(null), 2, 1, 2] | sort by k asc, x desc', cols: ['x:real', 'k:long'], ordered: true, rows: [[2, 1], ['NaN', 1], [1, 2], ['NaN', 2], [null, 2]] },

  // ───────────── top-nested … with others = C (top-nested-operator.md) ─────────────
  {
    q: 'datatable(S:string, D:long)["a",5, "b",3, "c",1, "c",1] | top-nested 1 of S with others="Other" by sum(D)',
    cols: ['S:string', 'aggregated_S:long'], ordered: true, rows: [['a', 5], ['Other', 5]],
  },
  // every level's others row: under each kept group (only where rows are left), the levels below it null
  {
    q: `datatable(S:string, E:string, D:long)["a","x",5, "a","y",2, "a","z",1, "b","x",3, "c","x",1, "c","y",1]
| top-nested 2 of S with others="OS" by sum(D), top-nested 1 of E with others = "OE" by sum(D)`,
    cols: ['S:string', 'aggregated_S:long', 'E:string', 'aggregated_E:long'], ordered: true,
    rows: [['a', 8, 'x', 5], ['a', 8, 'OE', 3], ['b', 3, 'x', 3], ['OS', 2, '', null]],
  },
  // nothing left over: no others row; a long level with a long constant; other aggregates
  { q: 'datatable(S:string, D:long)["a",5] | top-nested 2 of S with others="Other" by sum(D)', cols: ['S:string', 'aggregated_S:long'], rows: [['a', 5]] },
  {
    q: 'range x from 1 to 10 step 1 | top-nested 3 of k = x % 4 with others = -1 by n = sum(x), top-nested 1 of x by m = max(x)',
    cols: ['k:long', 'n:long', 'x:long', 'm:long'], ordered: true,
    rows: [[2, 18, 10, 10], [1, 15, 9, 9], [0, 12, 8, 8], [-1, 10, null, null]],
  },
  { q: 'datatable(S:string, D:long)["a",5] | top-nested 2 of S with others=1 by sum(D)', err: { kind: 'SemanticError', msg: "the 'with others' value must be of the level's type 'string', got 'long'" } },

  // ───────────── array_sort_asc / array_sort_desc with several arrays (array-sort-asc-function.md) ─────────────
  {
    q: 'let array1 = dynamic([1,3,4,5,2]);\nlet array2 = dynamic(["a","b","c","d","e"]);\nprint array_sort_asc(array1,array2)',
    cols: ['array1_sorted:dynamic', 'array2_sorted:dynamic'], rows: [['[1,2,3,4,5]', '["a","e","b","c","d"]']],
  },
  {
    q: `datatable(command:string, command_time:datetime, user_id:string)
['chmod', datetime(2019-07-15), "user1", 'ls', datetime(2019-07-02), "user1", 'dir', datetime(2019-07-22), "user1", 'mkdir', datetime(2019-07-14), "user1",
 'rm', datetime(2019-07-27), "user1", 'pwd', datetime(2019-07-25), "user1", 'rm', datetime(2019-07-23), "user2", 'pwd', datetime(2019-07-25), "user2"]
| summarize timestamps = make_list(command_time), commands = make_list(command) by user_id
| project user_id, commands_in_chronological_order = array_sort_asc(timestamps, commands)[1]`,
    cols: ['user_id:string', 'commands_in_chronological_order:dynamic'],
    rows: [['user1', '["ls","mkdir","chmod","dir","pwd","rm"]'], ['user2', '["rm","pwd"]']],
  },
  // descending, nulls first, ties kept in order; an array of another length is null; column names + _sorted; (x, y) = …
  {
    q: 'print array_sort_desc(dynamic([3,1,null,1]), dynamic(["x","y","z","w"]), dynamic([1]), false)',
    cols: ['array1_sorted:dynamic', 'array2_sorted:dynamic', 'array3_sorted:dynamic'], rows: [['[null,3,1,1]', '["z","x","y","w"]', null]],
  },
  {
    q: 'datatable(a:dynamic, b:dynamic)[dynamic([2,1]), dynamic(["b","a"])] | extend array_sort_asc(a, b)',
    cols: ['a:dynamic', 'b:dynamic', 'a_sorted:dynamic', 'b_sorted:dynamic'], rows: [['[2,1]', '["b","a"]', '[1,2]', '["a","b"]']],
  },
  {
    q: 'datatable(a:dynamic, b:dynamic)[dynamic([2,1]), dynamic(["b","a"])] | project (x, y) = array_sort_desc(a, b)',
    cols: ['x:dynamic', 'y:dynamic'], rows: [['[2,1]', '["b","a"]']],
  },
  { q: 'print array_sort_asc(dynamic([2,1]), 1)', err: { kind: 'SemanticError', msg: 'expects dynamic arrays' } },

  // ───────────── partition by Column { subquery with its own source } (partition-operator.md) ─────────────
  {
    q: 'let T = datatable(a:long, b:string)[1,"x", 2,"y", 2,"z", 4,"w"];\nrange x from 1 to 3 step 1\n| partition hint.strategy=legacy by x {T | where a == x}\n| count',
    cols: ['Count:long'], rows: [[3]],
  },
  // the key is a scalar inside the subquery (also through toscalar()); partitions without rows add none
  {
    q: 'let T = datatable(a:long, b:string)[1,"x", 2,"y", 2,"z"]; range x from 1 to 3 step 1 | partition by x {T | where a == x | extend k = x * 10, s = toscalar(x)}',
    cols: ['a:long', 'b:string', 'k:long', 's:long'], rows: [[1, 'x', 10, 1], [2, 'y', 20, 2], [2, 'z', 20, 2]],
  },
  {
    q: `let Polygons = datatable(description:string, polygon:dynamic)[
  "A", dynamic({"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}),
  "B", dynamic({"type":"Polygon","coordinates":[[[10,10],[12,10],[12,12],[10,12],[10,10]]]})];
let Locations = datatable(longitude:real, latitude:real)[1, 1, 11, 11, 50, 50];
Polygons
| project polygonPartition = tostring(pack("description", description, "polygon", polygon))
| partition hint.materialized=true hint.strategy=native by polygonPartition
{
  Locations
  | extend description = tostring(parse_json(toscalar(polygonPartition)).description)
  | extend polygon = parse_json(toscalar(polygonPartition)).polygon
  | where geo_point_in_polygon(longitude, latitude, polygon)
  | project-away polygon
}`,
    cols: ['longitude:real', 'latitude:real', 'description:string'], rows: [[1, 1, 'A'], [11, 11, 'B']],
  },
  { q: 'range x from 1 to 3 step 1 | partition by y {print 1}', err: { kind: 'SemanticError', msg: "unknown column 'y'" } },

  // ───────────── funnel_sequence_completion (funnel-sequence-completion-plugin.md) ─────────────
  // by hand: on day 1, ID 1 goes A 0:00 → B 0:30 → C 3:00; ID 2 A 1:00 → (C 1:10 skipped) B 1:20 → C 1:40; ID 3 has B before A;
  // on day 2 (Start + 1 × BinSize ≤ End, as for the other timeline plugins) ID 4 goes A → B
  {
    q: `let T = datatable(Id:long, Ts:datetime, Ev:string)[
 1, datetime(2024-01-01 00:00), "A", 1, datetime(2024-01-01 00:30), "B", 1, datetime(2024-01-01 03:00), "C",
 2, datetime(2024-01-01 01:00), "A", 2, datetime(2024-01-01 01:10), "C", 2, datetime(2024-01-01 01:20), "B", 2, datetime(2024-01-01 01:40), "C",
 3, datetime(2024-01-01 05:00), "B", 3, datetime(2024-01-01 06:00), "A",
 4, datetime(2024-01-02 00:00), "A", 4, datetime(2024-01-02 00:10), "B", 5, datetime(2024-01-03 00:00), "A"];
T | evaluate funnel_sequence_completion(Id, Ts, datetime(2024-01-01), datetime(2024-01-02), 1d, Ev, dynamic(["A","B","C"]), dynamic([1h, 4h]))`,
    cols: ['Ts:datetime', 'Ev:string', 'Period:timespan', 'dcount:long'], ordered: true,
    rows: [
      ['2024-01-01T00:00:00.0000000Z', 'A', '01:00:00', 3], ['2024-01-01T00:00:00.0000000Z', 'B', '01:00:00', 2], ['2024-01-01T00:00:00.0000000Z', 'C', '01:00:00', 1],
      ['2024-01-01T00:00:00.0000000Z', 'A', '04:00:00', 3], ['2024-01-01T00:00:00.0000000Z', 'B', '04:00:00', 2], ['2024-01-01T00:00:00.0000000Z', 'C', '04:00:00', 2],
      ['2024-01-02T00:00:00.0000000Z', 'A', '01:00:00', 1], ['2024-01-02T00:00:00.0000000Z', 'B', '01:00:00', 1], ['2024-01-02T00:00:00.0000000Z', 'C', '01:00:00', 0],
      ['2024-01-02T00:00:00.0000000Z', 'A', '04:00:00', 1], ['2024-01-02T00:00:00.0000000Z', 'B', '04:00:00', 1], ['2024-01-02T00:00:00.0000000Z', 'C', '04:00:00', 0],
    ],
  },
  // a numeric timeline; a later start that reaches further than an earlier one; a repeated state needs a second row
  {
    q: `datatable(Id:string, T:long, S:string)["u",1,"A", "u",2,"A", "u",50,"A", "u",52,"B", "u",53,"B", "v",1,"A", "v",2,"B"]
| evaluate funnel_sequence_completion(Id, T, 0, 99, 100, S, dynamic(["A","B","B"]), dynamic([1, 5]))`,
    cols: ['T:long', 'S:string', 'Period:long', 'dcount:long'], ordered: true,
    rows: [[0, 'A', 1, 2], [0, 'B', 1, 1], [0, 'B', 1, 0], [0, 'A', 5, 2], [0, 'B', 5, 2], [0, 'B', 5, 1]],
  },
  { q: 'datatable(Id:long, T:long, S:string)[1,1,"A"] | evaluate funnel_sequence_completion(Id, T, 0, 9, 1, S, dynamic([]), dynamic([1]))', err: { kind: 'SemanticError', msg: 'Sequence must be a constant dynamic array of 1 to 32 strings' } },
  { q: 'datatable(Id:long, T:long, S:long)[1,1,1] | evaluate funnel_sequence_completion(Id, T, 0, 9, 1, S, dynamic(["A"]), dynamic([1]))', err: { kind: 'SemanticError', msg: 'StateColumn must be a string column' } },
  { q: 'datatable(Id:long, T:long, S:string)[1,1,"A"] | evaluate funnel_sequence_completion(Id, T, 0, 9, 1, S, dynamic(["A"]))', err: { kind: 'SemanticError', msg: 'expects 8 arguments' } },

  // ───────────── geo_info_from_ip_address: a 400 on a server without a GeoIP database (the answers: test/e2e/geo-location.test.ts) ─────────────
  { q: "print ip_location=geo_info_from_ip_address('20.53.203.50')", err: { kind: 'SemanticError', msg: 'geo_info_from_ip_address() needs a GeoIP database, and this server has none: its operator starts it with --geoip-database' } },
  { q: 'print geo_info_from_ip_address(1)', err: { kind: 'SemanticError', msg: "expects a string, got 'long'" } },

  // ───────────── schema_merge (schema-merge-plugin.md) ─────────────
  ...([
    ['Uri:string, HttpStatus:int, Referrer:string', '', [['Uri', 0, 'System.String', 'string'], ['HttpStatus', 1, 'System.Int32', 'int'], ['Referrer', 2, 'System.String', 'string']]],
    ['Uri:string, Referrer:string, HttpStatus:int', '', [['Uri', 0, 'System.String', 'string'], ['Referrer', 1, 'System.String', 'string'], ['HttpStatus', -1, 'ERROR(unknown CSL type:ERROR(columns are out of order))', 'ERROR(columns are out of order)']]],
    ['Uri:string, Referrer:string, HttpStatus:int', 'PreserveOrder = false', [['Uri', 0, 'System.String', 'string'], ['Referrer', 1, 'System.String', 'string'], ['HttpStatus', 2, 'System.Int32', 'int']]],
    // a column in one schema only; the first appearance's type wins
    ['Uri:long, Agent:string', 'false', [['Uri', 0, 'System.String', 'string'], ['HttpStatus', 1, 'System.Int32', 'int'], ['Agent', 2, 'System.String', 'string']]],
  ] as [string, string, unknown[][]][]).map(([second, arg, rows]): Case => ({
    q: `let schema1 = datatable(Uri:string, HttpStatus:int)[] | getschema;\nlet schema2 = datatable(${second})[] | getschema;\nunion schema1, schema2 | evaluate schema_merge(${arg})`,
    cols: ['ColumnName:string', 'ColumnOrdinal:int', 'DataType:string', 'ColumnType:string'], ordered: true, rows,
  })),
  { q: 'print x = 1 | evaluate schema_merge()', err: { kind: 'SemanticError', msg: "schema_merge(): the input must be schemas as getschema returns them (a string column 'ColumnName' is missing)" } },
  { q: 'datatable(a:long)[] | getschema | evaluate schema_merge(1)', err: { kind: 'SemanticError', msg: 'PreserveOrder must be a constant bool' } },

  // ───────────── session_count (session-count-plugin.md; user-analytics.md: a record starts a new session when its ID was not seen in the lookback before it) ─────────────
  // by hand: a has sessions {-2, 1, 3} (the row before Start continues into it), {10, 12}, {25}; b has {5, 6} and {30} (past End's last period)
  {
    q: 'datatable(Id:string, T:long, D:string)["a",1,"x", "a",3,"x", "a",10,"x", "a",12,"x", "a",25,"x", "b",5,"x", "b",6,"y", "b",30,"y", "a",-2,"x"] | evaluate session_count(Id, T, 0, 29, 10, 5)',
    cols: ['T:long', 'count_sessions:long'], ordered: true, rows: [[0, 2], [10, 1], [20, 1]],
  },
  // per dimension: b's rows in x and y are sessions of their own
  {
    q: 'datatable(Id:string, T:long, D:string)["a",1,"x", "a",3,"x", "a",10,"x", "a",12,"x", "a",25,"x", "b",5,"x", "b",6,"y", "b",30,"y", "a",-2,"x"] | evaluate session_count(Id, T, 0, 29, 10, 5, D)',
    cols: ['T:long', 'D:string', 'count_sessions:long'], ordered: true, rows: [[0, 'x', 2], [0, 'y', 1], [10, 'x', 1], [20, 'x', 1]],
  },
  // datetimes: a gap of exactly the lookback continues the session, a longer one starts another
  {
    q: `datatable(U:string, Ts:datetime)["u", datetime(2024-01-01 00:00), "u", datetime(2024-01-01 00:30), "u", datetime(2024-01-01 01:31), "v", datetime(2024-01-01 00:10)]
| evaluate session_count(U, Ts, datetime(2024-01-01), datetime(2024-01-01 23:59), 1d, 30m)`,
    cols: ['Ts:datetime', 'count_sessions:long'], rows: [['2024-01-01T00:00:00.0000000Z', 3]],
  },
  // the docs' data: Id appears at every Timeline slot it divides; with a lookback of 41 slots an Id ≤ 41 keeps one session
  // (41 in each period), a larger one starts a session at every row (Ids 42…50 have two rows in each period: 18)
  {
    q: `let _data = range Timeline from 1 to 200 step 1 | extend __key = 1 | join kind=inner (range Id from 1 to 50 step 1 | extend __key=1) on __key | where Timeline % Id == 0 | project Timeline, Id;
_data | evaluate session_count(Id, Timeline, 1, 200, 100, 41)`,
    cols: ['Timeline:long', 'count_sessions:long'], ordered: true, rows: [[1, 41 + 18], [101, 41 + 18]],
  },
  { q: 'datatable(Id:string, T:long)["a",1] | evaluate session_count(Id, T, 0, 9, 1)', err: { kind: 'SemanticError', msg: 'session_count(): expects at least 6 arguments' } },

  // ───────────── a scalar function as a whole query (binary-xor-function.md's examples): a 400 that says how to print it ─────────────
  { q: 'binary_xor(1,1)', err: { kind: 'SemanticError', msg: "'binary_xor' is a scalar function and a query must return a table: print its value with print binary_xor(…)", line: 1, column: 1 } },
  { q: 'print binary_xor(1,1), binary_xor(1,2)', cols: ['print_0:long', 'print_1:long'], rows: [[0, 3]] },
  { q: 'no_such_function(1)', err: { kind: 'SemanticError', msg: "Unknown function: 'no_such_function'" } },

  // ───────────── the pattern statement: refused with a reason ─────────────
  {
    q: 'declare pattern country = (name:string)[state:string]\n{\n  ("USA").["New York"] = { print Capital = "Albany" };\n};\ncountry("USA").["New York"]',
    err: { kind: 'SyntaxError', msg: 'the pattern statement (declare pattern) is not supported', line: 1, column: 9 },
  },
];

// ───────────── project-by-names (project-by-names-operator.md: the docs' examples, then edges) ─────────────
const PEOPLE = `datatable(Name:string, Age:int, City:string, Country:string) ['Peter', 39, 'New York', 'USA']`;
const LOOKUP_COLUMNS = `let LookupTable = datatable(Name:string, Age:int, City:string, Country:string) ['Peter', 39, 'New York', 'USA'];
let LookupColumns = (Source:(Name:string), lookup_columns: dynamic) {
    Source
    | lookup LookupTable on Name
    | project-by-names column_names_of(Source), lookup_columns
};
datatable(Name:string, Data:string) ['Peter', 'Source-data']`;
export const PROJECT_BY_NAMES_CASES: Case[] = [
  { q: `${PEOPLE} | project-by-names "Name", "City"`, cols: ['Name:string', 'City:string'], rows: [['Peter', 'New York']] },
  { q: `${PEOPLE} | project-by-names dynamic(["Name", "Country"])`, cols: ['Name:string', 'Country:string'], rows: [['Peter', 'USA']] },
  { q: `${PEOPLE} | project-by-names "C*"`, cols: ['City:string', 'Country:string'], rows: [['New York', 'USA']] },
  { q: `${LOOKUP_COLUMNS} | invoke LookupColumns(dynamic(['Country']))`, cols: ['Name:string', 'Data:string', 'Country:string'], rows: [['Peter', 'Source-data', 'USA']] },
  { q: `${LOOKUP_COLUMNS} | invoke LookupColumns(dynamic(['Country', 'NonExistingColumn']))`, cols: ['Name:string', 'Data:string', 'Country:string'], rows: [['Peter', 'Source-data', 'USA']] },
  // the order specified, each column once, a pattern after a name it also matches adds nothing
  { q: `${PEOPLE} | project-by-names "Country", "C*", "Name"`, cols: ['Country:string', 'City:string', 'Name:string'], rows: [['USA', 'New York', 'Peter']] },
  { q: `let cols = dynamic(["Age"]); ${PEOPLE} | project-by-names cols, strcat("Na", "me")`, cols: ['Age:int', 'Name:string'], rows: [[39, 'Peter']] },
  // no column matched: Vigil refuses a table without columns, as for project-keep
  { q: `${PEOPLE} | project-by-names "Nothing"`, err: { kind: 'SemanticError', msg: 'without columns' } },
  // a specifier is a constant, not a column reference
  { q: `${PEOPLE} | project-by-names Name`, err: { kind: 'SemanticError', msg: "Failed to resolve scalar expression named 'Name'" } },
  { q: `${PEOPLE} | project-by-names tostring(now())`, err: { kind: 'SemanticError', msg: 'project-by-names: each column specifier must be a constant' } },
  { q: `${PEOPLE} | project-by-names dynamic([1])`, err: { kind: 'SemanticError', msg: 'only strings' } },
];
