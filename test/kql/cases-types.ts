/**
 * Result types and automatic column names as Kusto's (issue #12): a wrong type (int for long, string for
 * dynamic) or a wrong generated name makes an answer differ even when every value agrees, and the
 * doc-examples comparator does not see types. Each case pins both (`name:type` in cols).
 * Sources: the pages of /work/shared/reference/kql-docs/query/ named in each section; functions'
 * types are also checked against every page's Returns section by result-types.test.ts.
 */
import type { Case } from './cases.js';

export const TYPE_CASES: Case[] = [
  // ───────────── automatic names (print-operator.md: print_N; extend/project: ColumnN) ─────────────
  { q: "print 1, \"a\", 2.5", cols: ["print_0:long","print_1:string","print_2:real"], rows: [[1,"a",2.5]] },
  { q: "print x = 1 | extend x * 2, strlen(\"ab\")", cols: ["x:long","Column1:long","strlen_:long"], rows: [[1,2,2]] },
  { q: "print x = 1 | project x + 1, tolower(\"A\"), x", cols: ["Column1:long","Column2:string","x:long"], rows: [[2,"a",1]] },

  // ───────────── aggregates: names and types (summarize-operator.md's "default values" example, aggregation pages) ─────────────
  { q: "datatable(x:long)[] | summarize any_x=take_any(x), arg_max_x=arg_max(x, *), arg_min_x=arg_min(x, *), avg(x), buildschema(todynamic(tostring(x))), max(x), min(x), percentile(x, 55), hll(x) ,stdev(x), sum(x), sumif(x, x > 0), tdigest(x), variance(x)", cols: ["any_x:long","arg_max_x:long","arg_min_x:long","avg_x:real","schema_x:dynamic","max_x:long","min_x:long","percentile_x_55:long","hll_x:dynamic","stdev_x:real","sum_x:long","sumif_x:long","tdigest_x:dynamic","variance_x:real"], rows: [[null,null,null,"NaN",null,null,null,null,null,0,0,0,null,0]] },
  { q: "Events | summarize count(), countif(Level == \"Error\"), dcount(Level), dcountif(Level, Count > 1), sum(Count), sumif(Count, Count > 1), avg(DurationMs), max(TimeGenerated), min(Count), stdev(DurationMs), variance(DurationMs)", cols: ["count_:long","countif_:long","dcount_Level:long","dcountif_Level:long","sum_Count:long","sumif_Count:long","avg_DurationMs:real","max_TimeGenerated:datetime","min_Count:long","stdev_DurationMs:real","variance_DurationMs:real"], rows: [[6,2,4,2,13,12,97.15,"2024-01-02T10:00:00.0000000Z",0,122.43334921499125,14989.925]] },
  // (the lists are sorted after the names are made: make_list/make_set promise no order)
  { q: "Events | summarize make_list(Level), make_set(Level), take_any(Level), percentile(DurationMs, 50), percentiles(DurationMs, 5, 95), percentiles_array(DurationMs, 50) | extend list_Level = array_sort_asc(list_Level), set_Level = array_sort_asc(set_Level)", cols: ["list_Level:dynamic","set_Level:dynamic","Level:string","percentile_DurationMs_50:real","percentile_DurationMs_5:real","percentile_DurationMs_95:real","percentiles_DurationMs:dynamic"], rows: [["[\"\",\"Error\",\"Error\",\"Information\",\"Information\",\"Warning\"]","[\"\",\"Error\",\"Information\",\"Warning\"]","Error",50,5,300,"[50.0]"]] },
  { q: "Logs_CL | summarize sum(Code), avg(Code), max(Code), min(Code), percentile(Code, 50), sum(Amount), max(Amount), sum(Elapsed), max(Elapsed), min(Flag), dcount(Id), count()", cols: ["sum_Code:long","avg_Code:real","max_Code:int","min_Code:int","percentile_Code_50:long","sum_Amount:decimal","max_Amount:decimal","sum_Elapsed:timespan","max_Elapsed:timespan","min_Flag:bool","dcount_Id:long","count_:long"], rows: [[700,350,500,200,200,"12.75","12.5","01:00:00.5000000","01:00:00",false,2,3]] },
  { q: "Logs_CL | summarize arg_max(Code, Message), arg_min(Code, Message)", cols: ["Code:int","Message:string","Code1:int","Message1:string"], rows: [[500,"North America has error: disk full",200,"Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun"]] },
  { q: "Logs_CL | summarize arg_max(Code, *)", cols: ["Code:int","TimeGenerated:datetime","Message:string","Id:guid","Amount:decimal","Flag:bool","Elapsed:timespan"], rows: [[500,"2024-01-02T06:00:00.0000000Z","North America has error: disk full",null,null,false,"00:00:00.5000000"]] },
  // aggregates of expressions over dynamic values (issue #12's make_list(toint(d[k]))): a computed index has no name, so d[k] is d_ (Kusto.Language's GetExpressionResultName: left_right with right empty)
  { q: "print d = dynamic({\"a\":1, \"b\":2}) | mv-expand k = bag_keys(d) | summarize make_list(toint(d[tostring(k)])), make_set(d[\"a\"]), max(toint(d.b))", cols: ["list_d_:dynamic","set_d_a:dynamic","max_d_b:int"], rows: [["[1,2]","[1]",2]] },
  { q: "print d = dynamic({\"a\":1}), k = \"a\" | extend d[k], tostring(d.a)", cols: ["d:dynamic","k:string","d_:dynamic","d_a:string"], rows: [["{\"a\":1}","a","1","1"]] },

  // ───────────── summarize by: bin() and to*() keep the argument's name; dcount_hll/percentile_tdigest (hll-merge-function.md, percentile-tdigest-function.md outputs) ─────────────
  { q: "Events | summarize count() by bin(TimeGenerated, 1d)", cols: ["TimeGenerated:datetime","count_:long"], rows: [["2024-01-02T00:00:00.0000000Z",2],["2024-01-01T00:00:00.0000000Z",4]] },
  { q: "Events | summarize count() by bin(DurationMs, 100), bin(Count, 2)", cols: ["DurationMs:real","Count:long","count_:long"], rows: [[0,0,2],[100,2,1],[0,6,1],[300,null,1],[null,2,1]] },
  { q: "Events | where isnotnull(Props.b) | summarize count() by tostring(Props.b)", cols: ["Props_b:string","count_:long"], rows: [["x",1],["y",1],["z",1]] },
  { q: "Events | where isnotnull(Props.a) | summarize c = count() by tolong(Props.a), tostring(Level)", cols: ["Props_a:long","Level:string","c:long"], rows: [[1,"Error",1],[3,"Information",1],[2,"Warning",1]] },
  { q: "Events | where isnotnull(Props.a) | summarize c = count() by tolong(Props[\"a\"]) | order by Props_a asc", cols: ["Props_a:long","c:long"], rows: [[1,1],[2,1],[3,1]] },
  { q: "Events | where isnotnull(Props.b) | project tostring(Props.b), todouble(Props.a), strlen(Level)", cols: ["Props_b:string","Props_a:real","strlen_Level:long"], rows: [["x",1,5],["y",2,7],["z",3,11]] },
  { q: "Events | summarize h = hll(Level) | project dcount_hll(h)", cols: ["dcount_hll_h:long"], rows: [[4]] },
  { q: "range x from 1 to 10 step 1 | summarize t = tdigest(x) | project percentile_tdigest(t, 100)", cols: ["percentile_tdigest_t:dynamic"], rows: [["10"]] },

  // ───────────── operators' produced columns: count, top-nested, make-series (dynamic), range (type of start), mv-expand (dynamic unless to typeof) ─────────────
  { q: "Events | count", cols: ["Count:long"], rows: [[6]] },
  { q: "Events | where isnotempty(Level) and Level != \"Information\" | top-nested 1 of Level by count()", cols: ["Level:string","aggregated_Level:long"], rows: [["Error",2]] },
  { q: "Events | top-nested 1 of Level by sum(Count)", cols: ["Level:string","aggregated_Level:long"], rows: [["Information",9]] },
  { q: "Events | where isnotempty(Level) | make-series c = count() default = 0 on TimeGenerated from datetime(2024-01-01) to datetime(2024-01-03) step 1d", cols: ["c:dynamic","TimeGenerated:dynamic"], rows: [["[4,1]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"]] },
  { q: "Events | where isnotempty(Level) | make-series count(), avg(DurationMs) default = 0 on TimeGenerated from datetime(2024-01-01) to datetime(2024-01-03) step 1d by Level", cols: ["Level:string","count_:dynamic","avg_DurationMs:dynamic","TimeGenerated:dynamic"], rows: [["Warning","[1,0]","[50.0,0.0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"],["Information","[1,1]","[10.25,NaN]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"],["Error","[2,0]","[210.25,0.0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"]] },
  { q: "range x from 1 to 3 step 1", cols: ["x:long"], rows: [[1],[2],[3]] },
  { q: "range x from 1.5 to 2.5 step 0.5", cols: ["x:real"], rows: [[1.5],[2],[2.5]] },
  { q: "range d from datetime(2024-01-01) to datetime(2024-01-01 02:00) step 1h", cols: ["d:datetime"], rows: [["2024-01-01T00:00:00.0000000Z"],["2024-01-01T01:00:00.0000000Z"],["2024-01-01T02:00:00.0000000Z"]] },
  { q: "range t from 1h to 3h step 1h", cols: ["t:timespan"], rows: [["01:00:00"],["02:00:00"],["03:00:00"]] },
  { q: "print d = dynamic([1, \"a\"]) | mv-expand d", cols: ["d:dynamic"], rows: [["1"],["\"a\""]] },
  { q: "print d = dynamic([1, 2]) | mv-expand d to typeof(long)", cols: ["d:long"], rows: [[1],[2]] },
  { q: "print d = dynamic([1, 2]) | mv-expand with_itemindex = i d to typeof(int)", cols: ["d:int","i:long"], rows: [[1,0],[2,1]] },

  // ───────────── arithmetic (numerical-operators.md: int op int → long; any real → real), timespans (timespan.md), iff/case unification ─────────────
  { q: "print a = toint(2), b = tolong(3), c = 2.5, d = todecimal(1.5) | extend ab = a + b, aa = a * a, ac = a + c, ad = a + d, cd = c + d, bd = b * d, bb = b / b, na = -a", cols: ["a:int","b:long","c:real","d:decimal","ab:long","aa:long","ac:real","ad:decimal","cd:real","bd:decimal","bb:long","na:int"], rows: [[2,3,2.5,"1.5",5,4,4.5,"3.5",4,"4.5",1,-2]] },
  { q: "print t = 1h, d = datetime(2024-01-01) | extend t2 = t * 2, t3 = t / 2, tt = t / 30m, dd = d - datetime(2023-12-31), dt = d + t, nt = -t, td = 2 * t", cols: ["t:timespan","d:datetime","t2:timespan","t3:timespan","tt:real","dd:timespan","dt:datetime","nt:timespan","td:timespan"], rows: [["01:00:00","2024-01-01T00:00:00.0000000Z","02:00:00","00:30:00",2,"1.00:00:00","2024-01-01T01:00:00.0000000Z","-01:00:00","02:00:00"]] },
  { q: "print iff(true, 1, 2.5), iff(false, toint(1), tolong(2)), iff(true, toint(1), toint(2)), case(false, 1, true, 2.5, 3), iff(true, \"a\", \"b\"), iff(true, dynamic([1]), dynamic(null))", cols: ["print_0:real","print_1:long","print_2:int","print_3:real","print_4:string","print_5:dynamic"], rows: [[1,2,1,2.5,"a","[1]"]] },

  // ───────────── scalar functions' result types (conversion, datetime, string and dynamic pages) ─────────────
  { q: "print toint(\"1\"), tolong(\"1\"), todouble(\"1\"), toreal(\"1\"), todecimal(\"1.5\"), tostring(1), todatetime(\"2024-01-01\"), totimespan(\"01:00:00\"), tobool(\"true\"), toguid(\"00000000-0000-0000-0000-000000000001\"), todynamic(\"[1]\")", cols: ["print_0:int","print_1:long","print_2:real","print_3:real","print_4:decimal","print_5:string","print_6:datetime","print_7:timespan","print_8:bool","print_9:guid","print_10:dynamic"], rows: [[1,1,1,1,"1.5","1","2024-01-01T00:00:00.0000000Z","01:00:00",true,"00000000-0000-0000-0000-000000000001","[1]"]] },
  { q: "print getyear(datetime(2024-03-05)), getmonth(datetime(2024-03-05)), dayofmonth(datetime(2024-03-05)), dayofweek(datetime(2024-03-05)), dayofyear(datetime(2024-03-05)), hourofday(datetime(2024-03-05 07:00)), datetime_part(\"year\", datetime(2024-03-05)), datetime_diff(\"day\", datetime(2024-03-05), datetime(2024-03-01)), week_of_year(datetime(2024-03-05))", cols: ["print_0:int","print_1:int","print_2:int","print_3:timespan","print_4:int","print_5:int","print_6:int","print_7:long","print_8:int"], rows: [[2024,3,5,"2.00:00:00",65,7,2024,4,10]] },
  { q: "print strlen(\"abc\"), string_size(\"abc\"), indexof(\"abc\", \"b\"), countof(\"aaa\", \"a\"), array_length(dynamic([1,2])), array_index_of(dynamic([1,2]), 2), hash(\"a\") == hash(\"a\"), abs(toint(-2)), abs(-2.5), abs(-1h)", cols: ["print_0:long","print_1:long","print_2:long","print_3:long","print_4:long","print_5:long","print_6:bool","print_7:long","print_8:real","print_9:timespan"], rows: [[3,3,1,3,2,1,true,2,2.5,"01:00:00"]] },
  { q: "print bin(toint(7), 2), bin(tolong(7), 2), bin(7.5, 2), bin(datetime(2024-01-01 10:20), 1h), bin(90m, 1h), floor(7.5, 2)", cols: ["print_0:long","print_1:long","print_2:real","print_3:datetime","print_4:timespan","print_5:real"], rows: [[6,6,6,"2024-01-01T10:00:00.0000000Z","01:00:00",6]] },
  // unary minus keeps an int an int, wrapping at -2^31; abs of an int is a long (Kusto.Language's operator and function tables)
  { q: "print a = toint(-2147483648), b = toint(5) | extend na = -a, nb = -b, ab = abs(a), nn = -toint(int(null))", cols: ["a:int","b:int","na:int","nb:int","ab:long","nn:int"], rows: [[-2147483648, 5, -2147483648, -5, 2147483648, null]] },
  // array_strcat, strcat_array's older name (Kusto.Language's catalogue)
  { q: "print a = array_strcat(dynamic([1, 'b', 2.5]), '-'), b = array_strcat(dynamic([]), ',')", cols: ["a:string","b:string"], rows: [["1-b-2.5", ""]] },
];
