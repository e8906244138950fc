/**
 * Conformance cases for the tabular language (statements and operators): join (every kind),
 * lookup, union, as, serialize + window functions, mv-expand, mv-apply, parse / parse-where /
 * parse-kv, make-series, top-nested, getschema, sample, search, let functions / invoke /
 * materialize / toscalar, `in (subquery)`, set, evaluate bag_unpack / pivot, arg_max / arg_min,
 * workspace() references.  Same shape as cases.ts.  Where a group is taken from the KQL reference
 * docs (/work/shared/reference/kql-docs/query/*.md) the file is named in the group comment; the
 * other cases follow the documented semantics on the tables of harness.ts.
 */
import type { Case } from './cases.js';

export const CASES: Case[] = [

  // ───── join-inner.md, join-innerunique.md, join-fullouter.md, join-left*.md, join-right*.md (X/Y example tables) ─────
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'k',5,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40,'k',50]; X | join kind=inner Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",2,"b",10],["b",3,"b",10],["k",5,"k",50],["c",4,"c",30],["c",4,"c",20]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",2,"b",10],["c",4,"c",20],["c",4,"c",30]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=innerunique Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",2,"b",10],["c",4,"c",20],["c",4,"c",30]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=fullouter Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",2,"b",10],["b",3,"b",10],["c",4,"c",30],["c",4,"c",20],["a",1,"",null],["",null,"d",40]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=leftouter Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",2,"b",10],["b",3,"b",10],["c",4,"c",30],["c",4,"c",20],["a",1,"",null]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=rightouter Y on Key", cols: ["Key:string","Value1:long","Key1:string","Value2:long"], rows: [["b",3,"b",10],["c",4,"c",20],["c",4,"c",30],["b",2,"b",10],["",null,"d",40]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=leftanti Y on Key", cols: ["Key:string","Value1:long"], rows: [["a",1]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=anti Y on Key", cols: ["Key:string","Value1:long"], rows: [["a",1]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=rightanti Y on Key", cols: ["Key:string","Value2:long"], rows: [["d",40]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=leftsemi Y on Key", cols: ["Key:string","Value1:long"], rows: [["b",2],["b",3],["c",4]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=rightsemi Y on Key", cols: ["Key:string","Value2:long"], rows: [["b",10],["c",20],["c",30]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=inner (Y | project K2=Key, Value2) on $left.Key == $right.K2", cols: ["Key:string","Value1:long","K2:string","Value2:long"], rows: [["b",2,"b",10],["b",3,"b",10],["c",4,"c",30],["c",4,"c",20]] },
  { q: "let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4]; let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40]; X | join kind=inner (Y | project K2=Key, Value2) on $right.K2 == $left.Key | count", cols: ["Count:long"], rows: [[4]] },
  { q: "let t1 = datatable(key: long, value: string)[1, \"val1.1\", 1, \"val1.2\"]; let t2 = datatable(key: long, value: string)[1, \"val1.3\", 1, \"val1.4\"]; t1 | join kind = innerunique t2 on key | where value == \"val1.1\" | count", cols: ["Count:long"], rows: [[2]] },
  { q: "let X = datatable(a:long, b:string)[1,'x',2,'y']; let Y = datatable(a:long, b:string, c:long)[1,'x',10, 1,'z',20]; X | join kind=inner Y on a, b", cols: ["a:long","b:string","a1:long","b1:string","c:long"], rows: [[1,"x",1,"x",10]] },
  { q: "let X = datatable(a:long, b:string)[1,'x',2,'y']; let Y = datatable(a:long, b:string, c:long)[1,'x',10, 1,'z',20]; X | join kind=inner Y on a and b | project c", cols: ["c:long"], rows: [[10]] },
  { q: "let X = datatable(a:long)[1,2]; let Y = datatable(a:int)[int(1)]; X | join kind=inner Y on a | project a", cols: ["a:long"], rows: [[1]] },
  { q: "Events | join kind=inner (Events | summarize n=count() by Level) on Level | project Level, n | summarize max(n) by Level", cols: ["Level:string","max_n:long"], rows: [["Error",2],["",1],["Warning",1],["Information",2]] },
  { q: "Events | join kind=leftsemi (datatable(Level:string)['Error']) on Level | project Count", cols: ["Count:long"], rows: [[3],[null]] },
  { q: "Events | join kind=leftanti (datatable(Level:string)['Error', 'Information']) on Level | project Level", cols: ["Level:string"], rows: [["Warning"],[""]] },

  // ───── lookup-operator.md ─────
  { q: "let FactTable=datatable(Row:string,Personal:string,Family:string) [\"1\", \"Rowan\", \"Murphy\", \"2\", \"Ellis\", \"Turner\", \"3\", \"Ellis\", \"Turner\", \"4\", \"Maya\", \"Robinson\", \"5\", \"Quinn\", \"Campbell\"]; let DimTable=datatable(Personal:string,Family:string,Alias:string) [\"Rowan\", \"Murphy\", \"rowanm\", \"Ellis\", \"Turner\", \"ellist\", \"Maya\", \"Robinson\", \"mayar\", \"Quinn\", \"Campbell\", \"quinnc\"]; FactTable | lookup kind=leftouter DimTable on Personal, Family", cols: ["Row:string","Personal:string","Family:string","Alias:string"], rows: [["1","Rowan","Murphy","rowanm"],["2","Ellis","Turner","ellist"],["3","Ellis","Turner","ellist"],["4","Maya","Robinson","mayar"],["5","Quinn","Campbell","quinnc"]] },
  { q: "let FactTable=datatable(Row:string,Personal:string,Family:string) [\"1\", \"Rowan\", \"Murphy\", \"6\", \"Bob\", \"Smith\"]; let DimTable=datatable(Personal:string,Family:string,Alias:string) [\"Rowan\", \"Murphy\", \"rowanm\"]; FactTable | lookup DimTable on Personal, Family", cols: ["Row:string","Personal:string","Family:string","Alias:string"], rows: [["1","Rowan","Murphy","rowanm"],["6","Bob","Smith",""]] },
  { q: "let FactTable=datatable(Row:string,Personal:string,Family:string) [\"1\", \"Rowan\", \"Murphy\", \"6\", \"Bob\", \"Smith\"]; let DimTable=datatable(Personal:string,Family:string,Alias:string) [\"Rowan\", \"Murphy\", \"rowanm\"]; FactTable | lookup kind=inner DimTable on Personal, Family", cols: ["Row:string","Personal:string","Family:string","Alias:string"], rows: [["1","Rowan","Murphy","rowanm"]] },
  { q: "Events | lookup (datatable(L:string, Sev:long)[\"Error\", 3, \"Warning\", 2]) on $left.Level == $right.L | project Level, Sev", cols: ["Level:string","Sev:long"], rows: [["Error",3],["Warning",2],["Error",3],["Information",null],["Information",null],["",null]] },
  { q: "Events | lookup kind=inner (datatable(Level:string, Sev:long)[\"Error\", 3]) on Level | project Count, Sev", cols: ["Count:long","Sev:long"], rows: [[3,3],[null,3]] },

  // ───── union-operator.md ─────
  { q: "let View_1 = view () { print x=1 }; let View_2 = view () { print x=toint(2) }; union withsource=TableName View_1, View_2", cols: ["TableName:string","x_long:long","x_int:int"], rows: [["View_1",1,null],["View_2",null,2]] },
  { q: "let View_1 = view () { print x=1 }; let View_2 = view () { print x=toint(2) }; let View_3 = view () { print x_long=3 }; union withsource=TableName View_1, View_2, View_3", cols: ["TableName:string","x_long1:long","x_int:int","x_long:long"], rows: [["View_1",1,null,null],["View_2",null,2,null],["View_3",null,null,3]] },
  { q: "let View_1 = view () { print x=1 }; let View_2 = view () { print x=1 }; let OtherView_1 = view () { print x=1 }; union isfuzzy=true (View_1 | where x > 0), (View_2 | where x > 0), (View_3 | where x > 0) | count", cols: ["Count:long"], rows: [[2]] },
  { q: "let View_1 = view () { print x=1 }; let View_2 = view () { print x=1 }; let OtherView_1 = view () { print x=1 }; union isfuzzy=true View*, SomeView*, OtherView* | count", cols: ["Count:long"], rows: [[3]] },
  { q: "union Events, Logs_CL | count", cols: ["Count:long"], rows: [[9]] },
  { q: "union kind=inner Events, Logs_CL | getschema | project ColumnName, ColumnType", cols: ["ColumnName:string","ColumnType:string"], rows: [["TimeGenerated","datetime"]], ordered: true },
  { q: "union kind=outer Events, Logs_CL | getschema | project ColumnName, ColumnType", cols: ["ColumnName:string","ColumnType:string"], rows: [["TimeGenerated","datetime"],["Level","string"],["DurationMs","real"],["Count","long"],["Props","dynamic"],["_ResourceId","string"],["Message","string"],["Id","guid"],["Amount","decimal"],["Flag","bool"],["Elapsed","timespan"],["Code","int"]], ordered: true },
  { q: "union withsource=T Events, Logs_CL | summarize n=count() by T", cols: ["T:string","n:long"], rows: [["Logs_CL",3],["Events",6]] },
  { q: "Events | union Logs_CL | count", cols: ["Count:long"], rows: [[9]] },
  { q: "Events | union (Logs_CL | where Code == 200) | count", cols: ["Count:long"], rows: [[7]] },
  { q: "union withsource=T Logs_* | distinct T", cols: ["T:string"], rows: [["Logs_CL"]] },
  { q: "union withsource=T *, My* | distinct T", cols: ["T:string"], rows: [["Logs_CL"],["Events"],["My Table"]] },
  { q: "union withsource=T * | distinct T", cols: ["T:string"], rows: [["Logs_CL"],["Events"],["My Table"]] },
  { q: "union kind=inner withsource=Src (print a=1, b=\"x\"), (print a=2, c=1.5) | project-away Src", cols: ["a:long"], rows: [[1],[2]] },
  { q: "union (print a=1, b=\"x\"), (print a=2, c=1.5)", cols: ["a:long","b:string","c:real"], rows: [[1,"x",null],[2,"",1.5]] },
  { q: "union (datatable(x:long)[1,2]), (datatable(x:long)[3]) | summarize sum(x)", cols: ["sum_x:long"], rows: [[6]] },
  { q: "union My* | count", cols: ["Count:long"], rows: [[2]] },

  // ───── as-operator.md ─────
  { q: "range x from 1 to 5 step 1 | as T | where x > 3 | count", cols: ["Count:long"], rows: [[2]] },
  { q: "range x from 1 to 3 step 1 | as X | join kind=inner (X | project x, y = x * 10) on x | project x, y", cols: ["x:long","y:long"], rows: [[1,10],[2,20],[3,30]] },

  // ───── serialize-operator.md, row-number-function.md, prev-function.md, next-function.md, row-cumsum-function.md ─────
  { q: "range a from 1 to 10 step 1 | sort by a desc | extend rn=row_number()", cols: ["a:long","rn:long"], rows: [[10,1],[9,2],[8,3],[7,4],[6,5],[5,6],[4,7],[3,8],[2,9],[1,10]], ordered: true },
  { q: "range a from 1 to 10 step 2 | extend rn=row_number()", cols: ["a:long","rn:long"], rows: [[1,1],[3,2],[5,3],[7,4],[9,5]], ordered: true },
  { q: "range a from 1 to 5 step 1 | extend rn=row_number(7)", cols: ["a:long","rn:long"], rows: [[1,7],[2,8],[3,9],[4,10],[5,11]], ordered: true },
  { q: "datatable(x:long)[5,3,9] | serialize | extend rn = row_number()", cols: ["x:long","rn:long"], rows: [[5,1],[3,2],[9,3]], ordered: true },
  { q: "datatable(x:long)[5,3,9] | serialize rn = row_number(), p = prev(x)", cols: ["x:long","rn:long","p:long"], rows: [[5,1,null],[3,2,5],[9,3,3]], ordered: true },
  { q: "datatable (a:long) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | serialize | extend cs=row_cumsum(a)", cols: ["a:long","cs:long"], rows: [[1,1],[2,3],[3,6],[4,10],[5,15],[6,21],[7,28],[8,36],[9,45],[10,55]], ordered: true },
  { q: "range a from 1 to 5 step 1 | extend p=prev(a), n=next(a), p2=prev(a, 2), n2=next(a, 2, 0)", cols: ["a:long","p:long","n:long","p2:long","n2:long"], rows: [[1,null,2,null,3],[2,1,3,null,4],[3,2,4,1,5],[4,3,5,2,0],[5,4,null,3,0]], ordered: true },
  { q: "datatable(t:datetime, v:long)[datetime(2024-01-01), 1, datetime(2024-01-02), 4, datetime(2024-01-03), 9] | sort by t asc | extend delta = v - prev(v)", cols: ["t:datetime","v:long","delta:long"], rows: [["2024-01-01T00:00:00.0000000Z",1,null],["2024-01-02T00:00:00.0000000Z",4,3],["2024-01-03T00:00:00.0000000Z",9,5]], ordered: true },
  { q: "Events | sort by TimeGenerated asc | extend gap = TimeGenerated - prev(TimeGenerated) | project gap", cols: ["gap:timespan"], rows: [[null],["00:30:00"],["00:45:00"],["00:45:00"],["21:00:00"],["01:00:00"]], ordered: true },
  { q: "Events | where Count > 0 | project Count | sort by Count asc | extend p = prev(Count) | where p > 1", cols: ["Count:long","p:long"], rows: [[3,2],[7,3]], ordered: true },
  { q: "range x from 1 to 5 step 1 | where row_number() > 3", cols: ["x:long"], rows: [[4],[5]], ordered: true },
  { q: "Events | serialize | where row_number() <= 2 | count", cols: ["Count:long"], rows: [[2]] },
  { q: "datatable(x:long)[1,2] | extend rn = row_number()", err: { kind: 'SemanticError', msg: "Function 'row_number' cannot be invoked in current context. Details: the row set", line: 1, column: 38 } },
  { q: "Events | extend p = prev(Count)", err: { kind: 'SemanticError', msg: "Function 'prev' cannot be invoked in current context. Details: the row set must ", line: 1, column: 21 } },
  { q: "Events | summarize count() by Level | extend rn = row_number()", err: { kind: 'SemanticError', msg: "Function 'row_number' cannot be invoked in current context. Details: the row set", line: 1, column: 51 } },
  { q: "range x from 1 to 3 step 1 | take 2 | extend rn = row_number()", cols: ["x:long","rn:long"], rows: [[1,1],[2,2]], ordered: true },

  // ───── mv-expand-operator.md ─────
  { q: "datatable (a: int, b: dynamic)[1, dynamic([10, 20]), 2, dynamic(['a', 'b'])] | mv-expand b", cols: ["a:int","b:dynamic"], rows: [[1,"10"],[1,"20"],[2,"\"a\""],[2,"\"b\""]], ordered: true },
  { q: "datatable (a: int, b: dynamic)[1, dynamic({\"prop1\": \"a1\", \"prop2\": \"b1\"}), 2, dynamic({\"prop1\": \"a2\", \"prop2\": \"b2\"})] | mv-expand b", cols: ["a:int","b:dynamic"], rows: [[1,"{\"prop1\":\"a1\"}"],[1,"{\"prop2\":\"b1\"}"],[2,"{\"prop1\":\"a2\"}"],[2,"{\"prop2\":\"b2\"}"]], ordered: true },
  { q: "datatable (a: int, b: dynamic)[1, dynamic({\"prop1\": \"a1\", \"prop2\": \"b1\"}), 2, dynamic({\"prop1\": \"a2\", \"prop2\": \"b2\"})] | mv-expand kind=array b | extend key = b[0], val=b[1]", cols: ["a:int","b:dynamic","key:dynamic","val:dynamic"], rows: [[1,"[\"prop1\",\"a1\"]","\"prop1\"","\"a1\""],[1,"[\"prop2\",\"b1\"]","\"prop2\"","\"b1\""],[2,"[\"prop1\",\"a2\"]","\"prop1\"","\"a2\""],[2,"[\"prop2\",\"b2\"]","\"prop2\"","\"b2\""]], ordered: true },
  { q: "datatable (a: int, b: dynamic, c: dynamic)[1, dynamic({\"prop1\": \"a\", \"prop2\": \"b\"}), dynamic([5, 4, 3])] | mv-expand b, c", cols: ["a:int","b:dynamic","c:dynamic"], rows: [[1,"{\"prop1\":\"a\"}","5"],[1,"{\"prop2\":\"b\"}","4"],[1,null,"3"]], ordered: true },
  { q: "datatable (a: int, b: dynamic, c: dynamic)[1, dynamic({\"prop1\": \"a\", \"prop2\": \"b\"}), dynamic([5, 6])] | mv-expand b | mv-expand c", cols: ["a:int","b:dynamic","c:dynamic"], rows: [[1,"{\"prop1\":\"a\"}","5"],[1,"{\"prop1\":\"a\"}","6"],[1,"{\"prop2\":\"b\"}","5"],[1,"{\"prop2\":\"b\"}","6"]], ordered: true },
  { q: "datatable (a: string, b: dynamic, c: dynamic)[\"Constant\", dynamic([1, 2, 3, 4]), dynamic([6, 7, 8, 9])] | mv-expand b, c to typeof(int) | getschema", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string"], rows: [["a",0,"System.String","string"],["b",1,"System.Object","dynamic"],["c",2,"System.Int32","int"]], ordered: true },
  { q: "range x from 1 to 4 step 1 | summarize x = make_list(x) | mv-expand with_itemindex=Index x", cols: ["x:dynamic","Index:long"], rows: [["1",0],["2",1],["3",2],["4",3]], ordered: true },
  { q: "datatable(a:long, b:dynamic)[1, dynamic([]), 2, dynamic(null), 3, dynamic([7])] | mv-expand b", cols: ["a:long","b:dynamic"], rows: [[2,null],[3,"7"]], ordered: true },
  { q: "datatable(b:dynamic)[dynamic([1,2,3,4,5])] | mv-expand b limit 2", cols: ["b:dynamic"], rows: [["1"],["2"]], ordered: true },
  { q: "datatable(b:dynamic)[dynamic([\"1\",\"x\",3])] | mv-expand b to typeof(long)", cols: ["b:long"], rows: [[null],[null],[3]], ordered: true },
  { q: "datatable(b:dynamic)[dynamic([\"a\",\"b\"])] | mv-expand b to typeof(string) | extend l = strlen(b)", cols: ["b:string","l:long"], rows: [["a",1],["b",1]], ordered: true },
  { q: "datatable(b:dynamic)[dynamic([1,2])] | mv-expand v = b | project v", cols: ["v:dynamic"], rows: [["1"],["2"]], ordered: true },
  { q: "Events | mv-expand Props.arr | where isnotnull(Props_arr) | project Props_arr", cols: ["Props_arr:dynamic"], rows: [["1"],["2"],["3"]], ordered: true },
  { q: "Events | mv-expand x = Props.arr to typeof(long) | summarize sum(x)", cols: ["sum_x:long"], rows: [[6]], ordered: true },
  { q: "Events | where Level == \"Error\" | mv-expand bagexpansion=array Props | summarize count()", cols: ["count_:long"], rows: [[4]], ordered: true },
  { q: "print d = dynamic({\"a\": [1, 2], \"b\": 3}) | mv-expand d", cols: ["d:dynamic"], rows: [["{\"a\":[1,2]}"],["{\"b\":3}"]], ordered: true },
  { q: "print x = 5 | mv-expand y = dynamic([1, 2]) | project x, y", cols: ["x:long","y:dynamic"], rows: [[5,"1"],[5,"2"]], ordered: true },
  { q: "Events | mv-expand Count", err: { kind: 'SemanticError', msg: "mv-expand: the expression to expand must be of type dynamic, got 'long'", line: 1, column: 20 } },

  // ───── mv-apply-operator.md ─────
  { q: "let data = datatable (index: int, Arr: dynamic)[0, dynamic([7]), 1, dynamic([6, 11, 7])]; data | mv-apply Arr2=Arr to typeof(long) on (take 100)", cols: ["index:int","Arr:dynamic","Arr2:long"], rows: [[0,"[7]",7],[1,"[6,11,7]",7],[1,"[6,11,7]",11],[1,"[6,11,7]",6]] },
  { q: "let data = datatable (index: int, Arr: dynamic)[0, dynamic([1, 5, 3]), 1, dynamic([10, 2, 5, 7])]; data | mv-apply topElem=Arr to typeof(long) on (top 1 by topElem)", cols: ["index:int","Arr:dynamic","topElem:long"], rows: [[0,"[1,5,3]",5],[1,"[10,2,5,7]",10]] },
  { q: "let data = datatable (index: int, Arr: dynamic)[0, dynamic([5, 1, 3]), 1, dynamic([4, 10, 8, 7])]; data | mv-apply Arr2=Arr to typeof(long) on (top 2 by Arr2 | summarize Top2=make_list(Arr2))", cols: ["index:int","Arr:dynamic","Top2:dynamic"], rows: [[0,"[5,1,3]","[5,3]"],[1,"[4,10,8,7]","[10,8]"]] },
  { q: "datatable (Val:int, Arr1:dynamic, Arr2:dynamic)[ 1, dynamic(['A1', 'A2', 'A3']), dynamic([10, 30, 7]), 7, dynamic(['B1', 'B2', 'B5']), dynamic([15, 11, 50]), 3, dynamic(['C1', 'C2', 'C3', 'C4']), dynamic([6, 40, 20, 8])] | mv-apply NewArr1=Arr1, NewArr2=Arr2 to typeof(long) on (top 2 by NewArr2 | summarize NewArr1=make_list(NewArr1), NewArr2=make_list(NewArr2))", cols: ["Val:int","Arr1:dynamic","Arr2:dynamic","NewArr1:dynamic","NewArr2:dynamic"], rows: [[1,"[\"A1\",\"A2\",\"A3\"]","[10,30,7]","[\"A2\",\"A1\"]","[30,10]"],[7,"[\"B1\",\"B2\",\"B5\"]","[15,11,50]","[\"B5\",\"B1\"]","[50,15]"],[3,"[\"C1\",\"C2\",\"C3\",\"C4\"]","[6,40,20,8]","[\"C2\",\"C3\"]","[40,20]"]] },
  { q: "let data = datatable (row: int, Arr: dynamic)[0, dynamic([5, 1, 3]), 1, dynamic([4, 10, 8, 7])]; data | mv-apply with_itemindex=index element=Arr to typeof(long) on (where index >= 2)", cols: ["row:int","Arr:dynamic","element:long","index:long"], rows: [[0,"[5,1,3]",3,2],[1,"[4,10,8,7]",7,3],[1,"[4,10,8,7]",8,2]] },
  { q: "datatable(x:long, a:dynamic)[1, dynamic([1,2,3]), 2, dynamic([10])] | mv-apply v = a to typeof(long) on (summarize s = sum(v))", cols: ["x:long","a:dynamic","s:long"], rows: [[1,"[1,2,3]",6],[2,"[10]",10]] },
  { q: "datatable(x:long, a:dynamic)[1, dynamic([1,2,3]), 2, dynamic([])] | mv-apply v = a to typeof(long) on (where v > 1)", cols: ["x:long","a:dynamic","v:long"], rows: [[1,"[1,2,3]",3],[1,"[1,2,3]",2]] },

  // ───── parse-operator.md ─────
  { q: "let Traces = datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)\", \"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15, lockTime=02/17/2016 08:40:00, releaseTime=02/17/2016 08:40:00, previousLockTime=02/17/2016 08:39:00)\"]; Traces | parse EventText with * \"resourceName=\" resourceName \", totalSlices=\" totalSlices: long * \"sliceNumber=\" sliceNumber: long * \"lockTime=\" lockTime \", releaseTime=\" releaseTime: date \",\" * \"previousLockTime=\" previousLockTime: date \")\" * | project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime", cols: ["resourceName:string","totalSlices:long","sliceNumber:long","lockTime:string","releaseTime:datetime","previousLockTime:datetime"], rows: [["PipelineScheduler",27,23,"02/17/2016 08:40:01","2016-02-17T08:40:01.0000000Z","2016-02-17T08:39:01.0000000Z"],["PipelineScheduler",27,15,"02/17/2016 08:40:00","2016-02-17T08:40:00.0000000Z","2016-02-17T08:39:00.0000000Z"]] },
  { q: "let Leads=datatable(Contacts: string)[\"Event: LeadContact (email=john@contosohotel.com, Website=https:contosohotel.com)\", \"Event: LeadContact (email=abi@fourthcoffee.com, Website=https:www.fourthcoffee.com)\"]; Leads | parse Contacts with * \"email=\" alias:string \"@\" domain: string \", Website=https:\" WebsiteDomain: string \")\" | project EmailAddress=strcat(alias, \"@\", domain), EmailAlias=alias, WebsiteDomain", cols: ["EmailAddress:string","EmailAlias:string","WebsiteDomain:string"], rows: [["john@contosohotel.com","john","contosohotel.com"],["abi@fourthcoffee.com","abi","www.fourthcoffee.com"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)\"]; Traces | parse kind=regex EventText with \"(.*?)[a-zA-Z]*=\" resourceName @\", totalSlices=\\s*\\d+\\s*.*?sliceNumber=\" sliceNumber: long \".*?(previous)?lockTime=\" lockTime \".*?releaseTime=\" releaseTime \".*?previousLockTime=\" previousLockTime: date \"\\\\)\" | project resourceName, sliceNumber, lockTime, releaseTime, previousLockTime", cols: ["resourceName:string","sliceNumber:long","lockTime:string","releaseTime:string","previousLockTime:datetime"], rows: [["PipelineScheduler",23,"02/17/2016 08:40:01, ","02/17/2016 08:40:01, ","2016-02-17T08:39:01.0000000Z"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)\"]; Traces | parse kind=regex EventText with * \"resourceName=\" resourceName ',' * | project resourceName", cols: ["resourceName:string"], rows: [["PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)\"]; Traces | parse kind=regex flags=Ui EventText with * \"RESOURCENAME=\" resourceName ',' * | project resourceName", cols: ["resourceName:string"], rows: [["PipelineScheduler"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler\\ntotalSlices=27\\nsliceNumber=23\\nlockTime=02/17/2016 08:40:01\\nreleaseTime=02/17/2016 08:40:01\\npreviousLockTime=02/17/2016 08:39:01)\"]; Traces | parse kind=regex flags=s EventText with * \"resourceName=\" resourceName: string \"(.*?)totalSlices=\" totalSlices: long \"(.*?)lockTime=\" lockTime: datetime \"(.*?)releaseTime=\" releaseTime: datetime \"(.*?)previousLockTime=\" previousLockTime: datetime \"\\\\)\" | project-away EventText", cols: ["resourceName:string","totalSlices:long","lockTime:datetime","releaseTime:datetime","previousLockTime:datetime"], rows: [["PipelineScheduler\n",27,"2016-02-17T08:40:01.0000000Z","2016-02-17T08:40:01.0000000Z","2016-02-17T08:39:01.0000000Z"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=nonValidDateTime 08:40:01, previousLockTime=02/17/2016 08:39:01)\", \"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=nonValidLongValue, sliceNumber=20, lockTime=02/17/2016 08:40:01, releaseTime=nonValidDateTime 08:40:01, previousLockTime=02/17/2016 08:39:01)\", \"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=22, lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:01)\"]; Traces | parse kind=relaxed EventText with * \"resourceName=\" resourceName \", totalSlices=\" totalSlices: long \", sliceNumber=\" sliceNumber: long * \"lockTime=\" lockTime \", releaseTime=\" releaseTime: date \",\" * \"previousLockTime=\" previousLockTime: date \")\" * | project-away EventText", cols: ["resourceName:string","totalSlices:long","sliceNumber:long","lockTime:string","releaseTime:datetime","previousLockTime:datetime"], rows: [["PipelineScheduler",27,23,"02/17/2016 08:40:01",null,"2016-02-17T08:39:01.0000000Z"],["PipelineScheduler",null,20,"02/17/2016 08:40:01",null,"2016-02-17T08:39:01.0000000Z"],["PipelineScheduler",27,22,"02/17/2016 08:41:01","2016-02-17T08:41:00.0000000Z","2016-02-17T08:40:01.0000000Z"]] },
  { q: "let Traces=datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=nonValidLongValue, sliceNumber=20, lockTime=02/17/2016 08:40:01, releaseTime=nonValidDateTime 08:40:01, previousLockTime=02/17/2016 08:39:01)\"]; Traces | parse EventText with * \"resourceName=\" resourceName \", totalSlices=\" totalSlices: long \", sliceNumber=\" sliceNumber: long * \"lockTime=\" lockTime \", releaseTime=\" releaseTime: date \",\" * \"previousLockTime=\" previousLockTime: date \")\" * | project-away EventText", cols: ["resourceName:string","totalSlices:long","sliceNumber:long","lockTime:string","releaseTime:datetime","previousLockTime:datetime"], rows: [["",null,null,"",null,null]] },
  { q: "print s = \"key1=val1;key2=42\" | parse s with \"key1=\" v1 \";key2=\" v2:long", cols: ["s:string","v1:string","v2:long"], rows: [["key1=val1;key2=42","val1",42]] },
  { q: "print s = \"a-b\" | parse s with x \"-\" y", cols: ["s:string","x:string","y:string"], rows: [["a-b","a","b"]] },
  { q: "print s = \"no match here\" | parse s with \"key=\" v:long", cols: ["s:string","v:long"], rows: [["no match here",null]] },
  { q: "print s = \"x=1.5, y=true\" | parse s with \"x=\" x:real \", y=\" y:bool", cols: ["s:string","x:real","y:bool"], rows: [["x=1.5, y=true",1.5,true]] },
  { q: "print s = 123 | parse s with a:long", cols: ["s:long","a:long"], rows: [[123,123]] },
  { q: "Logs_CL | parse Message with \"North \" region \" has \" rest | project region, rest", cols: ["region:string","rest:string"], rows: [["",""],["America","error: disk full"],["",""]] },
  { q: "Logs_CL | parse Message with * \"fox\" tail | project tail", cols: ["tail:string"], rows: [[""],[""],[""]] },

  // ───── parse-where-operator.md ─────
  { q: "let Traces = datatable(EventText: string)[\"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=23, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)\", \"Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=invalid_number, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:00)\"]; Traces | parse-where EventText with * \"resourceName=\" resourceName \", totalSlices=\" totalSlices: long * \"sliceNumber=\" sliceNumber: long * \"lockTime=\" lockTime \", releaseTime=\" releaseTime: date \",\" * \"previousLockTime=\" previousLockTime: date \")\" * | project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime", cols: ["resourceName:string","totalSlices:long","sliceNumber:long","lockTime:string","releaseTime:datetime","previousLockTime:datetime"], rows: [["PipelineScheduler",27,23,"02/17/2016 08:40:01","2016-02-17T08:40:01.0000000Z","2016-02-17T08:39:01.0000000Z"]] },
  { q: "datatable(s:string)[\"a=1 b=2\", \"x\", \"a=q b=3\"] | parse-where s with \"a=\" a:long \" b=\" b:long", cols: ["s:string","a:long","b:long"], rows: [["a=1 b=2",1,2]] },
  { q: "datatable(s:string)[\"ID=1\", \"nothing\"] | parse-where kind=regex s with \"ID=\" id:long", cols: ["s:string","id:long"], rows: [["ID=1",1]] },

  // ───── parse-kv-operator.md ─────
  { q: "print str=\"ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info\" | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (pair_delimiter=',', kv_delimiter=':') | project-away str", cols: ["Text:string","ThreadId:long","Machine:string"], rows: [["The service is up",458745723,"Node001"]] },
  { q: "print str=\"ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info\" | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (pair_delimiter=',', kv_delimiter=':', greedy=true) | project-away str", cols: ["Text:string","ThreadId:long","Machine:string"], rows: [["The service is up",458745723,"Node001"]] },
  { q: "print str=\"a=1 b=hello c=3\" | parse-kv str as (a:long, b:string, d:string) | project-away str", cols: ["a:long","b:string","d:string"], rows: [[1,"hello",""]] },
  { q: "print str=\"src=10.0.0.1;dst=10.0.0.2\" | parse-kv str as (src:string, dst:string) with (pair_delimiter=';', kv_delimiter='=') | project src, dst", cols: ["src:string","dst:string"], rows: [["10.0.0.1","10.0.0.2"]] },

  // ───── make-series-operator.md ─────
  { q: "let data=datatable(timestamp:datetime, metric: real)[datetime(2016-12-31T06:00), 50, datetime(2017-01-01), 4, datetime(2017-01-02), 3, datetime(2017-01-03), 4, datetime(2017-01-03T03:00), 6, datetime(2017-01-05), 8, datetime(2017-01-05T13:40), 13, datetime(2017-01-06), 4, datetime(2017-01-07), 3, datetime(2017-01-08), 8, datetime(2017-01-08T21:00), 8, datetime(2017-01-09), 2, datetime(2017-01-09T12:00), 11, datetime(2017-01-10T05:00), 5]; let interval = 1d; let stime = datetime(2017-01-01); let etime = datetime(2017-01-10); data | make-series avg(metric) on timestamp from stime to etime step interval", cols: ["avg_metric:dynamic","timestamp:dynamic"], rows: [["[4.0,3.0,5.0,0.0,10.5,4.0,3.0,8.0,6.5]","[\"2017-01-01T00:00:00.0000000Z\",\"2017-01-02T00:00:00.0000000Z\",\"2017-01-03T00:00:00.0000000Z\",\"2017-01-04T00:00:00.0000000Z\",\"2017-01-05T00:00:00.0000000Z\",\"2017-01-06T00:00:00.0000000Z\",\"2017-01-07T00:00:00.0000000Z\",\"2017-01-08T00:00:00.0000000Z\",\"2017-01-09T00:00:00.0000000Z\"]"]] },
  { q: "Events | make-series n=count() default=0 on TimeGenerated from datetime(2024-01-01) to datetime(2024-01-03) step 1d by Level", cols: ["Level:string","n:dynamic","TimeGenerated:dynamic"], rows: [["Warning","[1,0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"],["Information","[1,1]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"],["Error","[2,0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"],["","[0,1]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"]] },
  { q: "Events | make-series n=count() on TimeGenerated from datetime(2024-01-01) to datetime(2024-01-02) step 6h", cols: ["n:dynamic","TimeGenerated:dynamic"], rows: [["[0,3,1,0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-01T06:00:00.0000000Z\",\"2024-01-01T12:00:00.0000000Z\",\"2024-01-01T18:00:00.0000000Z\"]"]] },
  { q: "Events | make-series s=sum(Count) default=-1 on TimeGenerated from datetime(2024-01-01 10:00) to datetime(2024-01-01 13:00) step 1h", cols: ["s:dynamic","TimeGenerated:dynamic"], rows: [["[4,7,0]","[\"2024-01-01T10:00:00.0000000Z\",\"2024-01-01T11:00:00.0000000Z\",\"2024-01-01T12:00:00.0000000Z\"]"]] }, // the 12:00 bin has a row (Count null): its sum is 0, not absent (summarize-operator.md defaults)
  { q: "Events | make-series total=sum(DurationMs), n=count() on TimeGenerated step 1d", cols: ["total:dynamic","n:dynamic","TimeGenerated:dynamic"], rows: [["[480.75,5.0]","[4,2]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"]] },
  { q: "datatable(x:long, v:long)[1, 10, 2, 20, 4, 40] | make-series sum(v) on x from 0 to 5 step 1", cols: ["sum_v:dynamic","x:dynamic"], rows: [["[0,10,20,0,40]","[0,1,2,3,4]"]] },
  { q: "Events | make-series n=count() on TimeGenerated in range(datetime(2024-01-01), datetime(2024-01-03), 1d) by Level | where Level == \"Error\"", cols: ["Level:string","n:dynamic","TimeGenerated:dynamic"], rows: [["Error","[2,0]","[\"2024-01-01T00:00:00.0000000Z\",\"2024-01-02T00:00:00.0000000Z\"]"]] },

  // ───── top-nested-operator.md ─────
  { q: "Events | top-nested 2 of Level by count(), top-nested 1 of _ResourceId by sum(Count)", cols: ["Level:string","aggregated_Level:long","_ResourceId:string","aggregated__ResourceId:long"], rows: [["Information",2,"/subs/1/vm1",7],["Error",2,"/subs/1/vm1",3]] },  // Error and Information tie: order between them is not defined
  // Error and Information tie on count() (2 each); Kusto picks either, so the case asks for both.
  { q: "Events | top-nested 2 of Level by n = count() | where Level in ('Error', 'Information')", cols: ["Level:string","n:long"], rows: [["Error",2],["Information",2]] },
  { q: "Events | top-nested of Level by sum(Count) asc", cols: ["Level:string","aggregated_Level:long"], rows: [["Error",3],["",0],["Warning",1],["Information",9]], ordered: false },
  { q: "Events | top-nested 3 of Level by max(DurationMs) | count", cols: ["Count:long"], rows: [[3]] },

  // ───── getschema-operator.md ─────
  { q: "Events | getschema", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string"], rows: [["TimeGenerated",0,"System.DateTime","datetime"],["Level",1,"System.String","string"],["DurationMs",2,"System.Double","real"],["Count",3,"System.Int64","long"],["Props",4,"System.Object","dynamic"],["_ResourceId",5,"System.String","string"]], ordered: true },
  { q: "Logs_CL | getschema", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string"], rows: [["TimeGenerated",0,"System.DateTime","datetime"],["Message",1,"System.String","string"],["Id",2,"System.Guid","guid"],["Amount",3,"System.Data.SqlTypes.SqlDecimal","decimal"],["Flag",4,"System.SByte","bool"],["Elapsed",5,"System.TimeSpan","timespan"],["Code",6,"System.Int32","int"]], ordered: true },
  { q: "Events | project Level, Count | getschema", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string"], rows: [["Level",0,"System.String","string"],["Count",1,"System.Int64","long"]], ordered: true },
  { q: "datatable(a:decimal, b:timespan, c:guid, d:bool)[] | getschema", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string"], rows: [["a",0,"System.Data.SqlTypes.SqlDecimal","decimal"],["b",1,"System.TimeSpan","timespan"],["c",2,"System.Guid","guid"],["d",3,"System.SByte","bool"]], ordered: true },
  { q: "print 1 | getschema | extend rn = row_number()", cols: ["ColumnName:string","ColumnOrdinal:int","DataType:string","ColumnType:string","rn:long"], rows: [["print_0",0,"System.Int64","long",1]], ordered: true },

  // ───── sample / sample-distinct ─────
  { q: "Events | sample 2 | count", cols: ["Count:long"], rows: [[2]] },
  { q: "Events | sample 100 | count", cols: ["Count:long"], rows: [[6]] },
  { q: "Events | sample 0 | count", cols: ["Count:long"], rows: [[0]] },
  { q: "Events | sample-distinct 10 of Level | count", cols: ["Count:long"], rows: [[4]] },
  { q: "Events | sample-distinct 2 of Level | count", cols: ["Count:long"], rows: [[2]] },
  { q: "range x from 1 to 100 step 1 | sample-distinct 5 of x % 3 | count", cols: ["Count:long"], rows: [[3]] },

  // ───── search-operator.md ─────
  { q: "Events | search \"error\" | project Level", cols: ["Level:string"], rows: [["Error"],["Error"]] },
  { q: "search in (Events, Logs_CL) \"error\" | project ['$table']", cols: ["$table:string"], rows: [["Events"],["Events"],["Logs_CL"]] },
  { q: "search in (Events) Level:\"warning\" | project Count", cols: ["Count:long"], rows: [[1]] },
  { q: "search in (Events) Level == \"Error\" | count", cols: ["Count:long"], rows: [[2]] },
  { q: "search in (Logs_CL) \"fox*\" | project Code", cols: ["Code:int"], rows: [[null]] },
  { q: "search in (Logs_CL) \"*xplorer*\" | project Code", cols: ["Code:int"], rows: [[200]] },
  { q: "search in (Logs_CL) \"*rror\" | count", cols: ["Count:long"], rows: [[1]] },
  { q: "search kind=case_sensitive in (Logs_CL) \"north\" | count", cols: ["Count:long"], rows: [[0]] },
  { q: "search in (Logs_CL) \"north\" and \"disk\" | project Code", cols: ["Code:int"], rows: [[500]] },
  { q: "search in (Logs_CL) \"north\" or \"quick\" | count", cols: ["Count:long"], rows: [[2]] },
  { q: "search in (Logs_CL) \"The*fox\" | project Code", cols: ["Code:int"], rows: [[null]] },
  { q: "search in (Logs_CL) * | count", cols: ["Count:long"], rows: [[3]] },
  { q: "search \"fox\" | project ['$table'], Code", cols: ["$table:string","Code:int"], rows: [["Logs_CL",null]] },
  { q: "search in (Events) \"vm3\" and Count > 0 | project Count", cols: ["Count:long"], rows: [] },
  { q: "Events | where * has \"warning\" | project Count", cols: ["Count:long"], rows: [[1]] },
  { q: "Logs_CL | where * contains \"QUICK\" | project Code", cols: ["Code:int"], rows: [[null]] },

  // ───── let-statement.md, user-defined functions, invoke-operator.md ─────
  { q: "let f = (x:long, y:long = 10) { x + y }; print f(1), f(1, 2), f(y=5, x=1)", cols: ["print_0:long","print_1:long","print_2:long"], rows: [[11,3,6]] },
  { q: "let addone = (x:long) { x + 1 }; range x from 1 to 3 step 1 | extend y = addone(x)", cols: ["x:long","y:long"], rows: [[1,2],[2,3],[3,4]] },
  { q: "let T = (n:long) { range x from 1 to n step 1 }; T(3) | count", cols: ["Count:long"], rows: [[3]] },
  { q: "let g = (T:(x:long)) { T | where x > 1 }; range x from 1 to 3 step 1 | invoke g()", cols: ["x:long"], rows: [[2],[3]] },
  { q: "let g = (T:(*), n:long) { T | take n }; Events | invoke g(2) | count", cols: ["Count:long"], rows: [[2]] },
  { q: "let f = (T:(Level:string)) { T | summarize count() by Level }; f(Events) | count", cols: ["Count:long"], rows: [[4]] },
  { q: "let f = (T:(Level:string)) { T | distinct Level }; f((Events | where Count > 1)) | count", cols: ["Count:long"], rows: [[2]] },
  { q: "let f = (a:string, b:string = \"!\") { strcat(a, b) }; print f(\"hi\"), f(\"hi\", \"?\")", cols: ["print_0:string","print_1:string"], rows: [["hi!","hi?"]] },
  { q: "let f = () { 42 }; print f()", cols: ["print_0:long"], rows: [[42]] },
  { q: "let f = (x:long) { let y = x * 2; y + 1 }; print f(5)", cols: ["print_0:long"], rows: [[11]] },
  { q: "let V = view () { print v = 1 }; V | extend w = v + 1", cols: ["v:long","w:long"], rows: [[1,2]] },
  { q: "let n = 2; let f = (x:long) { x * n }; print f(3)", cols: ["print_0:long"], rows: [[6]] },
  { q: "let f = (x:real) { x / 2 }; print f(3)", cols: ["print_0:real"], rows: [[1.5]] },
  { q: "let f = (x:long) { x }; print f(\"a\")", err: { kind: 'SemanticError', msg: "The function 'f' expects parameter 'x' of type 'long', got 'string'", line: 1, column: 33 } },
  { q: "let f = (x:long) { x }; print f()", err: { kind: 'SemanticError', msg: "The function 'f' expects a value for parameter 'x'", line: 1, column: 31 } },
  { q: "let f = (x:long) { x }; print f(1, 2)", err: { kind: 'SemanticError', msg: "The function 'f' expects 1 argument, got 2", line: 1, column: 36 } },
  { q: "let f = (x:long) { x }; print f(z=1)", err: { kind: 'SemanticError', msg: "The function 'f' has no parameter named 'z'", line: 1, column: 33 } },
  { q: "let f = (T:(missing:string)) { T | count }; f(Events)", err: { kind: 'SemanticError', msg: "The function 'f': the tabular argument for 'T' has no column 'missing' of type '", line: 1, column: 47 } },
  { q: "let x = 5; let y = x * 2; print y", cols: ["print_0:long"], rows: [[10]] },
  { q: "let T = Events | where Level == \"Error\"; T | count", cols: ["Count:long"], rows: [[2]] },
  { q: "let T = Events; let U = T | where Count > 1; U | count", cols: ["Count:long"], rows: [[3]] },
  { q: "let f = (x:long) { f(x) }; print f(1)", err: { kind: 'SemanticError', msg: "Recursive or too deeply nested calls of function 'f' are not supported", line: 1, column: 20 } },

  // ───── materialize-function.md, toscalar-function.md ─────
  { q: "let m = materialize(Events | summarize c=count() by Level); m | where c > 1", cols: ["Level:string","c:long"], rows: [["Error",2],["Information",2]] },
  { q: "let m = materialize(Events | summarize c=count() by Level); m | join kind=inner m on Level | count", cols: ["Count:long"], rows: [[4]] },
  { q: "let total = toscalar(Events | count); Events | summarize n = count() by Level | extend pct = n * 100 / total", cols: ["Level:string","n:long","pct:long"], rows: [["Error",2,33],["",1,16],["Warning",1,16],["Information",2,33]] },
  { q: "print toscalar(Events | count)", cols: ["print_0:long"], rows: [[6]] },
  { q: "print toscalar(Events | summarize max(Count))", cols: ["print_0:long"], rows: [[7]] },
  { q: "print toscalar(1 + 2)", cols: ["print_0:long"], rows: [[3]] },
  { q: "let x = toscalar(Events | where Level == \"Nope\" | project Count); print isnull(x)", cols: ["print_0:bool"], rows: [[true]] },

  // ───── in-operator.md (subquery forms) ─────
  { q: "Events | where Level in (Events | where Count > 2 | project Level) | project Count", cols: ["Count:long"], rows: [[3],[7],[null],[2]] },
  { q: "Events | where Level !in (datatable(l:string)['Error']) | count", cols: ["Count:long"], rows: [[4]] },
  { q: "let L = datatable(l:string)['Warning', 'Information']; Events | where Level in (L) | count", cols: ["Count:long"], rows: [[3]] },
  { q: "Events | where Count in ((Events | where Level == \"Error\" | project Count)) | count", cols: ["Count:long"], rows: [[1]] },
  { q: "Events | where Level in~ (datatable(l:string)['error']) | count", cols: ["Count:long"], rows: [[2]] },
  { q: "Events | where Count !in (datatable(c:long)[long(null)]) | count", cols: ["Count:long"], rows: [[6]] },

  // ───── set-statement.md ─────
  { q: "set truncationmaxrecords=100; print 1", cols: ["print_0:long"], rows: [[1]] },
  { q: "set notruncation; print 1", cols: ["print_0:long"], rows: [[1]] },
  { q: "set querytrace; Events | count", cols: ["Count:long"], rows: [[6]] },
  { q: "set bogus=1; print 1", err: { kind: 'SemanticError', msg: "Unknown or unsupported query option 'bogus' in set statement", line: 1, column: 1 } },

  // ───── evaluate bag_unpack (bag-unpack-plugin.md), pivot (pivot-plugin.md) ─────
  { q: "datatable(d:dynamic)[dynamic({\"Name\": \"John\", \"Age\":20}), dynamic({\"Name\": \"Dave\", \"Age\":40}), dynamic({\"Name\": \"Jasmine\", \"Age\":30})] | evaluate bag_unpack(d)", cols: ["Age:long","Name:string"], rows: [[20,"John"],[40,"Dave"],[30,"Jasmine"]] },
  { q: "datatable(d:dynamic)[dynamic({\"Name\": \"John\", \"Age\":20}), dynamic({\"Name\": \"Dave\", \"Age\":40}), dynamic({\"Name\": \"Jasmine\", \"Age\":30})] | evaluate bag_unpack(d, 'Property_')", cols: ["Property_Age:long","Property_Name:string"], rows: [[20,"John"],[40,"Dave"],[30,"Jasmine"]] },
  { q: "datatable(x:long, d:dynamic)[1, dynamic({\"a\": 1.5, \"b\": \"s\"}), 2, dynamic({\"a\": 2, \"c\": true})] | evaluate bag_unpack(d)", cols: ["x:long","a:real","b:string","c:bool"], rows: [[1,1.5,"s",null],[2,2,"",true]] },
  { q: "Events | evaluate bag_unpack(Props) : (a:long, b:string)", cols: ["a:long","b:string"], rows: [[1,"x"],[2,"y"],[3,"z"],[null,""],[null,""],[null,""]] },
  { q: "Events | evaluate bag_unpack(Props) : (*, a:long) | project Level, a", cols: ["Level:string","a:long"], rows: [["Error",1],["Warning",2],["Information",3],["Error",null],["Information",null],["",null]] },
  // over a stored table the columns are discovered from the data (src/kql/discovery.ts): dynamic, keys sorted, after the input's
  { q: "Events | evaluate bag_unpack(Props) | project Level, a, arr, b, nested", cols: ["Level:string","a:dynamic","arr:dynamic","b:dynamic","nested:dynamic"], rows: [["Error","1","[1,2,3]","\"x\"",null],["Warning","2",null,"\"y\"",null],["Information","3",null,"\"z\"","{\"k\":\"v\"}"],["Error",null,null,null,null],["Information",null,null,null,null],["",null,null,null,null]] },
  { q: "Events | evaluate bag_unpack(Props, 'p_') | getschema | project ColumnName", cols: ["ColumnName:string"], rows: [["TimeGenerated"],["Level"],["DurationMs"],["Count"],["_ResourceId"],["p_a"],["p_arr"],["p_b"],["p_nested"]] },
  { q: "let f = (T:(Props:dynamic)) { T | evaluate bag_unpack(Props) }; f(Events | where Level == 'Warning') | union f(Events | where Level == 'Information') | project a, b, nested", cols: ["a:dynamic","b:dynamic","nested:dynamic"], rows: [["2","\"y\"",null],["3","\"z\"","{\"k\":\"v\"}"],[null,null,null]] },
  { q: "range x from 1 to 1001 step 1 | extend d = bag_pack(strcat('k', x), x) | evaluate bag_unpack(d)", err: { kind: 'SemanticError', msg: "bag_unpack(): the bag has more than 1000 distinct keys", line: 1, column: 83 } },
  { q: "range x from 1 to 1000 step 1 | extend d = bag_pack(strcat('k', x), x) | evaluate bag_unpack(d) | project k1, k1000 | where isnotnull(k1) or isnotnull(k1000)", cols: ["k1:dynamic","k1000:dynamic"], rows: [["1",null],[null,"1000"]] },
  { q: "datatable(k:string, v:long)[\"a\",1,\"b\",2,\"a\",3] | evaluate pivot(k, sum(v))", cols: ["a:long","b:long"], rows: [[4,2]] },
  { q: "datatable(k:string, g:string)[\"a\",\"x\",\"b\",\"x\",\"a\",\"y\"] | evaluate pivot(k, count(), g)", cols: ["g:string","a:long","b:long"], rows: [["x",1,1],["y",1,0]] },
  { q: "datatable(k:string)[\"a\",\"b\",\"a\"] | evaluate pivot(k)", cols: ["a:long","b:long"], rows: [[2,1]] },
  { q: "Events | where isnotempty(Level) | project Level | evaluate pivot(Level)", cols: ["Error:long","Information:long","Warning:long"], rows: [[2,2,1]] },
  // without group columns, every column but the pivot column and the aggregated ones groups (pivot-plugin.md: "The default is all columns other than the pivoted column and the aggregation column"; its first example)
  { q: "datatable(State:string, EventType:string)[\"ALABAMA\",\"Thunderstorm Wind\",\"ALASKA\",\"High Wind\",\"ALABAMA\",\"Thunderstorm Wind\",\"ALABAMA\",\"Strong Wind\"] | evaluate pivot(State) | order by EventType asc", cols: ["EventType:string","ALABAMA:long","ALASKA:long"], rows: [["High Wind",0,1],["Strong Wind",1,0],["Thunderstorm Wind",2,0]] },
  { q: "datatable(k:string, g:string, v:long)[\"a\",\"x\",1,\"b\",\"x\",2,\"a\",\"y\",3] | evaluate pivot(k, sum(v)) | order by g asc", cols: ["g:string","a:long","b:long"], rows: [["x",1,2],["y",3,0]] },
  { q: "Events | where isnotempty(Level) | evaluate pivot(Level, sum(Count), _ResourceId) | order by _ResourceId asc", cols: ["_ResourceId:string","Error:long","Information:long","Warning:long"], rows: [["",0,2,0],["/subs/1/vm1",3,7,0],["/subs/1/vm2",0,0,1],["/subs/2/vm3",0,0,0]] },
  { q: "Events | project Level | evaluate pivot(Level)", err: { kind: 'SemanticError', msg: "The result's column 1 has an empty name", line: 1, column: 1 } },
  { q: "range x from 1 to 1001 step 1 | evaluate pivot(x)", err: { kind: 'SemanticError', msg: "pivot(): the pivot column has more than 1000 distinct values", line: 1, column: 42 } },
  { q: "Events | evaluate nosuchplugin()", err: { kind: 'SemanticError', msg: "The plugin 'nosuchplugin' is not supported", line: 1, column: 19 } },

  // ───── workspace() / resource() cross-scope references ─────
  { q: "workspace('other-ws').Events | count", cols: ["Count:long"], rows: [[6]] },
  { q: "union Events, workspace('other-ws').Events | count", cols: ["Count:long"], rows: [[12]] },
  { q: "workspace('nope').Events | count", err: { kind: 'SemanticError', msg: "Failed to resolve table expression named 'workspace('nope').Events'", line: 1, column: 1 } },
  { q: "app('other-ws').Events | count", err: { kind: 'SemanticError', msg: "Failed to resolve table expression named 'app('other-ws').Events'", line: 1, column: 1 } },

  // ───── arg-max-aggregation-function.md, arg-min-aggregation-function.md ─────
  { q: "Events | summarize arg_max(TimeGenerated, *) by Level", cols: ["Level:string","TimeGenerated:datetime","DurationMs:real","Count:long","Props:dynamic","_ResourceId:string"], rows: [["Error","2024-01-01T12:00:00.0000000Z",300,null,null,"/subs/2/vm3"],["","2024-01-02T10:00:00.0000000Z",5,0,"[]","/subs/2/vm3"],["Warning","2024-01-01T10:30:00.0000000Z",50,1,"{\"a\":2,\"b\":\"y\"}","/subs/1/vm2"],["Information","2024-01-02T09:00:00.0000000Z",null,2,"{\"a\":null}",""]] },
  { q: "Events | summarize arg_min(DurationMs, Level, Count)", cols: ["DurationMs:real","Level:string","Count:long"], rows: [[5,"",0]] },
  { q: "Events | summarize (t, l) = arg_max(Count, Level), c = count()", cols: ["t:long","l:string","c:long"], rows: [[7,"Information",6]] },
  { q: "Events | summarize arg_max(Count, Level) by _ResourceId", cols: ["_ResourceId:string","Count:long","Level:string"], rows: [["/subs/2/vm3",0,""],["",2,"Information"],["/subs/1/vm1",7,"Information"],["/subs/1/vm2",1,"Warning"]] },
  { q: "Events | summarize arg_min(TimeGenerated, *) | project TimeGenerated, Level", cols: ["TimeGenerated:datetime","Level:string"], rows: [["2024-01-01T10:00:00.0000000Z","Error"]] },
  { q: "datatable(Fruit:string, Price:long)[\"Apple\", 3, \"Banana\", 5, \"Cherry\", 4] | summarize arg_max(Price, Fruit)", cols: ["Price:long","Fruit:string"], rows: [[5,"Banana"]] },
  { q: "datatable(Fruit:string, Price:long)[\"Apple\", 3, \"Banana\", 5, \"Cherry\", 4] | summarize arg_min(Price, Fruit)", cols: ["Price:long","Fruit:string"], rows: [[3,"Apple"]] },
  { q: "datatable(g:string, x:long, y:string)[\"a\", 1, \"p\", \"a\", 5, \"q\", \"b\", 2, \"r\", \"b\", long(null), \"s\"] | summarize arg_max(x, y) by g", cols: ["g:string","x:long","y:string"], rows: [["b",2,"r"],["a",5,"q"]] },

  // ───── syntax and semantic errors of the new operators ─────
  { q: "Events | join kind=sideways Events on Level", err: { kind: 'SyntaxError', msg: "Query could not be parsed at 'sideways' on line [1,20]: unknown join kind", line: 1, column: 20 } },
  { q: "Events | join Events on Nope", err: { kind: 'SemanticError', msg: "join: Failed to resolve column named 'Nope' on the left side", line: 1, column: 25 } },
  { q: "Events | join Events on $left.Level == $right.Count", err: { kind: 'SemanticError', msg: "join: the key 'Level' has type 'string' on the left side and 'long' on the right", line: 1, column: 25 } },
  { q: "Events | lookup Events on", err: { kind: 'SyntaxError', msg: "Query could not be parsed at '' on line [1,26]", line: 1, column: 26 } },
  { q: "Events | mv-expand Level", err: { kind: 'SemanticError', msg: "mv-expand: the expression to expand must be of type dynamic, got 'string'", line: 1, column: 20 } },
  { q: "Events | make-series count() on Level step 1", err: { kind: 'SemanticError', msg: "make-series: the axis must be datetime, timespan or numeric, got 'string'", line: 1, column: 33 } },
  { q: "Events | top-nested 2 of Level by Count", err: { kind: 'SemanticError', msg: "top-nested: the by expression must be an aggregate function call", line: 1, column: 35 } },
  { q: "Events | parse Level with", err: { kind: 'SyntaxError', msg: "Query could not be parsed at '' on line [1,26]: expected a parse pattern", line: 1, column: 26 } },
  { q: "union", err: { kind: 'SemanticError', msg: "Failed to resolve table or column expression named 'union'", line: 1, column: 1 } },
  { q: "Events | union NoSuchTable", err: { kind: 'SemanticError', msg: "Failed to resolve table or column expression named 'NoSuchTable'", line: 1, column: 16 } },
  { q: "Events | invoke nosuch()", err: { kind: 'SemanticError', msg: "Unknown function: 'nosuch'", line: 1, column: 17 } },
  { q: "Events | sample \"x\"", err: { kind: 'SemanticError', msg: "The row count must be an integer, got 'string'", line: 1, column: 17 } },
];
