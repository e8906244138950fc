/**
 * Issue #12, doc-example fidelity: each case holds the documented answer of a docs example
 * (kql-docs/query/<page>.md) that Vigil answered differently, and the edges next to it.
 */
import type { Case } from './cases.js';

const MULTI = `dynamic({"type":"MultiPolygon","coordinates":[[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]],[[[-73.94262313842773,40.775991804565585],[-73.98107528686523,40.791849155467695],[-73.99600982666016,40.77092185281977],[-73.96150588989258,40.75609977566361],[-73.94262313842773,40.775991804565585]]]]})`;
const PEOPLE = `datatable(Name:string, d:dynamic)\n[\n    'James', dynamic({"Name": "John", "Age":20}),\n    'David', dynamic({ "Age":40}),\n    'Emily', dynamic({"Name": "Jasmine", "Age":30}),\n]`;
const FILL = `let data = datatable(arr: dynamic)\n[\n    dynamic([null, 111.0, null, 36.0, 41.0, null, null, 16.0, 61.0, 33.0, null, null]),\n    dynamic([null, 111, null, 36, 41, null, null, 16, 61, 33, null, null]),\n    dynamic([null, null, null, null])\n];\ndata\n`;

export const DOCS_CASES: Case[] = [
  // ───────────── a MultiPolygon's overlapping members are measured as their union (geo-polygon-area/perimeter/centroid-function.md) ─────────────
  { q: `let polygons = ${MULTI};\nprint polygons_union_area = geo_polygon_area(polygons)`, cols: ['polygons_union_area:real'], rows: [[10889971.5343487]], approx: 1e-5 },
  { q: `let polygons = ${MULTI};\nprint perimeter = geo_polygon_perimeter(polygons)`, cols: ['perimeter:real'], rows: [[15943.5384578745]], approx: 1e-7 },
  { q: `let polygons = ${MULTI};\nprint polygons_union_centroid = geo_polygon_centroid(polygons)`, cols: ['polygons_union_centroid:dynamic'],
    rows: [['{"type": "Point", "coordinates": [-73.968569587829577, 40.776310752555119]}']], approx: 1e-9 },
  // members apart are summed as before
  { q: `print same = round(geo_polygon_area(dynamic({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6],[5,5]]]]})) - geo_polygon_area(dynamic({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]})) - geo_polygon_area(dynamic({"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,6],[5,5]]]})), 0)`,
    cols: ['same:real'], rows: [[0]] },

  // ───────────── bag_unpack's columnsConflict and ignoredProperties (bag-unpack-plugin.md) ─────────────
  { q: `${PEOPLE}\n| evaluate bag_unpack(d, columnsConflict='replace_source')`, cols: ['Name:string', 'Age:long'], rows: [['John', 20], ['', 40], ['Jasmine', 30]] },
  { q: `${PEOPLE}\n| evaluate bag_unpack(d, columnsConflict='keep_source')`, cols: ['Name:string', 'Age:long'], rows: [['James', 20], ['David', 40], ['Emily', 30]] },
  { q: `${PEOPLE}\n| evaluate bag_unpack(d)`, err: { kind: 'SemanticError', msg: "clashes with the input column 'Name'" } },
  { q: `${PEOPLE}\n| evaluate bag_unpack(d, 'p_')`, cols: ['Name:string', 'p_Age:long', 'p_Name:string'], rows: [['James', 20, 'John'], ['David', 40, ''], ['Emily', 30, 'Jasmine']] },
  { q: `datatable(d:dynamic)\n[\n    dynamic({"Name": "John", "Age":20, "Address": "Address-1" }),\n    dynamic({"Name": "Dave", "Age":40, "Address": "Address-2"}),\n    dynamic({"Name": "Jasmine", "Age":30, "Address": "Address-3"}),\n]\n| evaluate bag_unpack(d, ignoredProperties=dynamic(['Address', 'Age']))`,
    cols: ['Name:string'], rows: [['John'], ['Dave'], ['Jasmine']] },
  { q: `${PEOPLE}\n| evaluate bag_unpack(d, columnsConflict='merge')`, err: { kind: 'SemanticError', msg: "columnsConflict must be 'error', 'replace_source' or 'keep_source'" } },

  // ───────────── mv-apply: a column expanded in place is the subquery's; the subquery sees the row's other columns (mv-apply-operator.md) ─────────────
  { q: `print rings = dynamic(["a", "b"])\n| mv-apply rings on (summarize cells = make_list(rings))`, cols: ['cells:dynamic'], rows: [['["a","b"]']] },
  { q: `datatable (index: int, Arr: dynamic)\n[\n    0, dynamic([7]),\n    1, dynamic([6, 11, 7])\n]\n| mv-apply Arr2=Arr to typeof(long) on (take 100)`,
    cols: ['index:int', 'Arr:dynamic', 'Arr2:long'], rows: [[0, '[7]', 7], [1, '[6,11,7]', 6], [1, '[6,11,7]', 11], [1, '[6,11,7]', 7]] },
  { q: `datatable (row: int, Arr: dynamic)\n[\n    0, dynamic([5, 1, 3]),\n    1, dynamic([4, 10, 8, 7])\n]\n| mv-apply with_itemindex=index value=Arr to typeof(long) on (where index >= 2)`,
    cols: ['row:int', 'Arr:dynamic', 'value:long', 'index:long'], rows: [[0, '[5,1,3]', 3, 2], [1, '[4,10,8,7]', 8, 2], [1, '[4,10,8,7]', 7, 3]] },
  { q: `datatable(Source: string, Target: string, Count: long)\n[\n    '555-1234', '555-1212', 46,\n    '555-2424', '', int(null)\n]\n| extend Pack = pack_all()\n| mv-apply removeProperties = Pack on\n    (\n    mv-expand kind = array Pack\n    | where Pack[1] !startswith "555"\n    | summarize propsToRemove = make_set(Pack[0])\n    )\n| extend values = bag_remove_keys(Pack, propsToRemove)\n| project-away propsToRemove`,
    cols: ['Source:string', 'Target:string', 'Count:long', 'Pack:dynamic', 'values:dynamic'],
    rows: [['555-1234', '555-1212', 46, '{"Source":"555-1234","Target":"555-1212","Count":46}', '{"Source":"555-1234","Target":"555-1212"}'],
      ['555-2424', '', null, '{"Source":"555-2424","Target":"","Count":null}', '{"Source":"555-2424"}']] },
  // the subquery's own value of a passed-through column wins, in the column's place
  { q: `print k = 1, a = dynamic([1, 2])\n| mv-apply a on (extend k = k * 10 + a)`, cols: ['k:long', 'a:dynamic'], rows: [[11, '1'], [12, '2']] },

  // ───────────── series_fill_linear's fill_edges and constant_value (series-fill-linear-function.md) ─────────────
  { q: `${FILL}| project without_args = series_fill_linear(arr), with_edges = series_fill_linear(arr, double(null), true), wo_edges = series_fill_linear(arr, double(null), false), with_const = series_fill_linear(arr, double(null), true, 3.14159)`,
    cols: ['without_args:dynamic', 'with_edges:dynamic', 'wo_edges:dynamic', 'with_const:dynamic'],
    rows: [
      ['[111.0,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,33.0,33.0]', '[111.0,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,33.0,33.0]', '[null,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,null,null]', '[111.0,111.0,73.5,36.0,41.0,32.666666666666664,24.333333333333332,16.0,61.0,33.0,33.0,33.0]'],
      ['[111,111,73,36,41,32,24,16,61,33,33,33]', '[111,111,73,36,41,32,24,16,61,33,33,33]', '[null,111,73,36,41,32,24,16,61,33,null,null]', '[111,111,73,36,41,32,24,16,61,33,33,33]'],
      ['[0.0,0.0,0.0,0.0]', '[0.0,0.0,0.0,0.0]', '[0.0,0.0,0.0,0.0]', '[3.14159,3.14159,3.14159,3.14159]'],
    ] },
  { q: `print keep_nulls = series_fill_linear(dynamic([null, null]), double(null), true, double(null)), placeholder = series_fill_linear(dynamic([1, -1, 3]), -1)`,
    cols: ['keep_nulls:dynamic', 'placeholder:dynamic'], rows: [['[null,null]', '[1,2,3]']] },

  // ───────────── a real in a dynamic literal stays a real (bag-remove-keys-function.md prints 42.0) ─────────────
  { q: `print d = dynamic([111.0, 2, -3.0, 1e3]), t = gettype(dynamic([111.0])[0])`,
    cols: ['d:dynamic', 't:string'], rows: [['[111.0,2,-3.0,1000.0]', 'real']] },

  // ───────────── indexof_regex with start, length and occurrence (indexof-regex-function.md) ─────────────
  { q: `print\n    idx1 = indexof_regex("abcabc", @"a.c"),\n    idx2 = indexof_regex("abcabcdefg", @"a.c", 0, 9, 2),\n    idx3 = indexof_regex("abcabc", @"a.c", 1, -1, 2),\n    idx4 = indexof_regex("ababaa", @"a.a", 0, -1, 2),\n    idx5 = indexof_regex("abcabc", @"a|ab", -1)`,
    cols: ['idx1:long', 'idx2:long', 'idx3:long', 'idx4:long', 'idx5:long'], rows: [[0, 3, -1, -1, null]] },
  { q: `print a = indexof_regex("xxabcabc", "abc", 2), b = indexof_regex("xxabcabc", "abc", 0, 4), c = indexof_regex("abc", "b", 0, -2), d = indexof_regex("abc", "b", 0, -1, -1)`,
    cols: ['a:long', 'b:long', 'c:long', 'd:long'], rows: [[2, -1, null, null]] },

  // ───────────── extract_json with a type literal (extract-json-function.md) ─────────────
  { q: `let json = '{"name": "John", "age": 30, "city": "New York"}';\nprint extract_json("$.name", json, typeof(string))`, cols: ['print_0:string'], rows: [['John']] },
  { q: `let json = '{"name": "John", "age": 30}';\nprint a = extract_json("$.age", json, typeof(long)), b = extractjson("$.missing", json, typeof(long)), c = extract_json("$.age", json)`,
    cols: ['a:long', 'b:long', 'c:string'], rows: [[30, null, '30']] },
  { q: `print extract_json("$.a", "{}", "long")`, err: { kind: 'SemanticError', msg: 'must be a type literal' } },
];

export const DOCS_CASES_2: Case[] = [
  // ───────────── automatic names (covariance-aggregation-function.md, percentilesw-aggregation-function.md) ─────────────
  { q: `datatable(x:real, y:real) [\n    1.0, 14.0,\n    2.0, 10.0,\n    3.0, 17.0,\n    4.0, 20.0,\n    5.0, 50.0,\n]\n| summarize covariance(x, y)`, cols: ['covariance_x_y:real'], rows: [[20.5]] },
  { q: `datatable(x:real, y:real) [1.0, 14.0, 2.0, 10.0]\n| summarize covariancep(x, y), covarianceif(x, y, x > 0), covariancepif(x, y, x > 0)`, cols: ['covariancep_x_y:real', 'covarianceif_x_y:real', 'covariancepif_x_y:real'], rows: [[-1, -2, -1]] },
  { q: `datatable (ReqCount:long, LatencyBucket:long) [8, 10, 6, 20, 3, 30, 1, 40]\n| summarize percentilesw_array(LatencyBucket, ReqCount, 50, 75, 99.9)`, cols: ['percentile_LatencyBucket:dynamic'], rows: [['[20,20,40]']] },

  // ───────────── a function without parameters named without parentheses (named-expressions.md: print x, x, y, y) ─────────────
  { q: `let x = () { 7 };\nlet y = () { toscalar(print 8) };\nprint x, x + 1, y, y`, cols: ['print_0:long', 'print_1:long', 'print_2:long', 'print_3:long'], rows: [[7, 8, 8, 8]] },
  { q: `let f = (n: long) { n };\nprint f`, err: { kind: 'SemanticError', msg: "'f' is a function; call it as f(…)" } },

  // ───────────── new_activity_metrics' Cohort as a let-bound scalar (new-activity-metrics-plugin.md passes _start) ─────────────
  { q: `let _start = datetime(2017-05-01);\nlet _end = datetime(2017-05-31);\ndatatable(Day:datetime, id:long)[datetime(2017-05-01), 1, datetime(2017-05-01), 2, datetime(2017-05-08), 1, datetime(2017-05-08), 3]\n| evaluate new_activity_metrics(['id'], Day, _start, _end, 7d, _start)\n| where to_Day <= datetime(2017-05-08)\n| project from_Day, to_Day, dcount_new_values, retention_rate`,
    ordered: true, cols: ['from_Day:datetime', 'to_Day:datetime', 'dcount_new_values:long', 'retention_rate:real'],
    rows: [['2017-05-01T00:00:00.0000000Z', '2017-05-01T00:00:00.0000000Z', 2, 1], ['2017-05-01T00:00:00.0000000Z', '2017-05-08T00:00:00.0000000Z', 1, 0.5]] },
  { q: `let _start = datetime(2017-05-01);\nlet lookback_data = datatable(Day:datetime, id:long)[];\ndatatable(Day:datetime, id:long)[]\n| evaluate new_activity_metrics(id, Day, _start, _start + 30d, 7d, _start, lookback_data)`,
    err: { kind: 'SemanticError', msg: 'the Lookback table is not supported' } },

  // ───────────── month-first dates, as .NET's invariant culture reads them (todatetime-function.md, array-iff-function.md) ─────────────
  { q: `print todatetime('12-02-2022') == datetime('12-02-2022')`, cols: ['print_0:bool'], rows: [[true]] },
  { q: `print a = datetime('12-02-2022'), b = todatetime('12/2/2022 10:30'), c = todatetime('1-2-2022'), d = todatetime('13-02-2022'), e = datetime(01/31/2022 23:59:59.5)`,
    cols: ['a:datetime', 'b:datetime', 'c:datetime', 'd:datetime', 'e:datetime'],
    rows: [['2022-12-02T00:00:00.0000000Z', '2022-12-02T10:30:00.0000000Z', '2022-01-02T00:00:00.0000000Z', null, '2022-01-31T23:59:59.5000000Z']] },
  { q: `print condition=dynamic(["some string value", datetime("01-01-2022"), null]), if_true=1, if_false=0\n| extend res= array_iff(condition, if_true, if_false)`,
    cols: ['condition:dynamic', 'if_true:long', 'if_false:long', 'res:dynamic'], rows: [['["some string value","2022-01-01T00:00:00.0000000Z",null]', 1, 0, '[null,null,null]']] },
  { q: `print datetime(13/01/2022)`, err: { kind: 'SyntaxError', msg: 'invalid datetime literal' } },

  // ───────────── hll_merge() the scalar, next to hll_merge() the aggregate (hll-merge-function.md) ─────────────
  { q: `range x from 1 to 10 step 1\n| extend y = x + 10\n| summarize hll_x = hll(x), hll_y = hll(y)\n| project merged = hll_merge(hll_x, hll_y)\n| project dcount_hll(merged)`, cols: ['dcount_hll_merged:long'], rows: [[20]] },
  { q: `range x from 1 to 10 step 1\n| summarize h = hll(x) by k = x % 2\n| summarize m = hll_merge(h)\n| project d = dcount_hll(m), with_null = dcount_hll(hll_merge(m, dynamic(null))), twice = dcount_hll(hll_merge(m, m, m))`,
    cols: ['d:long', 'with_null:long', 'twice:long'], rows: [[10, 10, 10]] },
  { q: `print hll_merge(dynamic([1]), 2)`, err: { kind: 'SemanticError', msg: 'hll_merge(): argument 2 must be an hll() value' } },

  // ───────────── a where on the left side's columns after an innerunique join filters before the dedup (join-innerunique.md) ─────────────
  { q: `let t1 = datatable(key: long, value: string)\n    [\n    1, "val1.1",\n    1, "val1.2"\n];\nlet t2 = datatable(key: long, value: string)\n    [\n    1, "val1.3",\n    1, "val1.4"\n];\nt1\n| join kind = innerunique\n    t2\n    on key\n| where value == "val1.2"`,
    cols: ['key:long', 'value:string', 'key1:long', 'value1:string'], rows: [[1, 'val1.2', 1, 'val1.3'], [1, 'val1.2', 1, 'val1.4']] },
  // the default kind is innerunique; a predicate on the right side's columns stays after the join
  { q: `let t1 = datatable(key: long, value: string) [1, "val1.1", 1, "val1.2"];\nlet t2 = datatable(key: long, value: string) [1, "val1.3", 1, "val1.4"];\nt1 | join t2 on key | where value != "val1.1" and key > 0 | project value, value1`,
    cols: ['value:string', 'value1:string'], rows: [['val1.2', 'val1.3'], ['val1.2', 'val1.4']] },
  { q: `let t1 = datatable(key: long, value: string) [1, "val1.1", 1, "val1.2"];\nlet t2 = datatable(key: long, value: string) [1, "val1.3", 1, "val1.4"];\nt1 | join kind=inner t2 on key | where value == "val1.2" | count`, cols: ['Count:long'], rows: [[2]] },

  // ───────────── constant arguments of a function stay constants (invoke-operator.md, table-function.md) ─────────────
  { q: `let clipped_average = (T:(x: long), lowPercentile:double, upPercentile:double)\n{\n   let high = toscalar(T | summarize percentiles(x, upPercentile));\n   let low = toscalar(T | summarize percentiles(x, lowPercentile));\n   T\n   | where x > low and x < high\n   | summarize avg(x)\n};\nrange x from 1 to 100 step 1\n| invoke clipped_average(5, 99)`,
    cols: ['avg_x:real'], rows: [[52]] },
  { q: `let foo = (tableName:string)\n{\n    table(tableName) | count\n};\nfoo('Events')`, cols: ['Count:long'], rows: [[6]] },
  { q: `let foo = (tableName:string) { table(tableName) | count };\nfoo('NoSuch')`, err: { kind: 'SemanticError', msg: "Failed to resolve table or column expression named 'NoSuch'" } },
  { q: `print x = 1 | extend y = toscalar(table(strcat('Ev', 'ents')) | count)`, err: { kind: 'SemanticError', msg: 'table() expects a table name as a constant string' } },

  // ───────────── a constant make-series item: the constant in the bins with rows, the default elsewhere (make-series-operator.md) ─────────────
  { q: `let startDate = datetime(2025-01-06);\nlet endDate = datetime(2025-02-09);\nlet data = datatable(Time: datetime, Value: int, other:int)\n[\n    datetime(2025-01-07), 10, 11,\n    datetime(2025-01-16), 20, 21,\n    datetime(2025-02-01), 30, 5\n];\ndata\n| make-series Value=sum(Value), other=-1 default=-2 on Time from startDate to endDate step 7d\n| mv-expand Value, Time, other\n| extend Time=todatetime(Time), Value=toint(Value), other=toint(other)\n| project-reorder Time, Value, other`,
    ordered: true, cols: ['Time:datetime', 'Value:int', 'other:int'],
    rows: [['2025-01-06T00:00:00.0000000Z', 10, -1], ['2025-01-13T00:00:00.0000000Z', 20, -1], ['2025-01-20T00:00:00.0000000Z', 0, -2], ['2025-01-27T00:00:00.0000000Z', 30, -1], ['2025-02-03T00:00:00.0000000Z', 0, -2]] },
  { q: `datatable(Time: datetime, Value: int)[datetime(2025-01-07), 10]\n| make-series v = Value on Time from datetime(2025-01-06) to datetime(2025-01-20) step 7d`,
    err: { kind: 'SemanticError', msg: 'make-series: each item must be an aggregate function call or a constant' } },
];
