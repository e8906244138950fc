/**
 * Issue #12, doc-example fidelity (second pass): the docs examples Vigil refused or answered
 * differently — rows_near (rows-near-plugin.md), search's column forms (search-operator.md,
 * let-statement.md's views), find over tables with different columns (find-operator.md, its
 * EventsTable1/EventsTable2 rebuilt as views), year-first datetime literals with commas
 * (endofweek-function.md, startofweek-function.md), ``` multi-line strings (scalar-data-types/string.md),
 * and the forms Vigil refuses with their reason (external_data, database() in find).
 */
import type { Case } from './cases.js';

const D = (day: string) => `${day}T00:00:00.0000000Z`;

const ROWS_NEAR_DOC = `datatable (Timestamp:datetime, Value:long, State:string )
[
    datetime(2021-06-01), 1, "Success",
    datetime(2021-06-02), 4, "Success",
    datetime(2021-06-03), 3, "Success",
    datetime(2021-06-04), 11, "Success",
    datetime(2021-06-05), 15, "Success",
    datetime(2021-06-06), 2, "Success",
    datetime(2021-06-07), 19, "Error",
    datetime(2021-06-08), 12, "Success",
    datetime(2021-06-09), 7, "Success",
    datetime(2021-06-10), 9, "Success",
    datetime(2021-06-11), 4, "Success",
    datetime(2021-06-12), 1, "Success",
]
| sort by Timestamp asc `;

/** find-operator.md's two tables, as views (find without `in` reads views too). */
const EVENTS = `let EventsTable1 = view () { datatable(Session_Id:string, Level:string, EventText:string, Version:string)[
'acbd207d-51aa-4df7-bfa7-be70eb68f04e','Information','Some Text1','v1.0.0',
'acbd207d-51aa-4df7-bfa7-be70eb68f04e','Error','Some Text2','v1.0.0',
'28b8e46e-3c31-43cf-83cb-48921c3986fc','Error','Some Text3','v1.0.1',
'8f057b11-3281-45c3-a856-05ebb18a3c59','Information','Some Text4','v1.1.0'] };
let EventsTable2 = view () { datatable(Session_Id:string, Level:string, EventText:string, EventName:string)[
'f7d5f95f-f580-4ea6-830b-5776c8d64fdd','Information','Some Other Text1','Event1',
'acbd207d-51aa-4df7-bfa7-be70eb68f04e','Information','Some Other Text2','Event2',
'acbd207d-51aa-4df7-bfa7-be70eb68f04e','Error','Some Other Text3','Event3',
'15eaeab5-8576-4b58-8fc6-478f75d8fee4','Error','Some Other Text4','Event4'] };
`;
const S1 = 'acbd207d-51aa-4df7-bfa7-be70eb68f04e';

/** find-operator.md's Table1 and Table2, whose ProcessId has another type in each. */
const PROCESS = `let Table1 = view () { datatable(Level:string, Timestamp:datetime, ProcessId:string)['a', datetime(2024-01-01), '1001', 'b', datetime(2024-01-02), '7'] };
let Table2 = view () { datatable(Level:string, Timestamp:datetime, ProcessId:long)['c', datetime(2024-01-03), 1001, 'd', datetime(2024-01-04), 8] };
`;

/** search-operator.md's Customers (a few rows), as a view. */
const CUSTOMERS = `let Customers = view () { datatable(CustomerKey:long, FirstName:string, LastName:string)[18285,'Riley','Hughes', 802,'Aaron','Sharma', 5,'Hughesy','Smith', 6,'Jo','Aaron-Hughes'] };\n`;
const CUSTOMER_COLS = ['$table:string', 'CustomerKey:long', 'FirstName:string', 'LastName:string'];

export const DOCS2_CASES: Case[] = [
  // ───────────── rows_near (rows-near-plugin.md) ─────────────
  { q: `${ROWS_NEAR_DOC}\n| evaluate rows_near(State == "Error", 2)`, cols: ['Timestamp:datetime', 'Value:long', 'State:string'], ordered: true,
    rows: [[D('2021-06-05'), 15, 'Success'], [D('2021-06-06'), 2, 'Success'], [D('2021-06-07'), 19, 'Error'], [D('2021-06-08'), 12, 'Success'], [D('2021-06-09'), 7, 'Success']] },
  // RowsAfter overrides the rows after; windows of several matches merge, each row once, in input order
  { q: 'range x from 1 to 10 step 1 | evaluate rows_near(x % 4 == 0, 1, 0)', cols: ['x:long'], ordered: true, rows: [[3], [4], [7], [8]] },
  { q: 'range x from 1 to 10 step 1 | evaluate rows_near(x % 4 == 0, 0, 1)', cols: ['x:long'], ordered: true, rows: [[4], [5], [8], [9]] },
  { q: 'range x from 1 to 10 step 1 | evaluate rows_near(x == 3 or x == 5, 1)', cols: ['x:long'], ordered: true, rows: [[2], [3], [4], [5], [6]] },
  // at the edges of the input the window is cut short
  { q: 'range x from 1 to 10 step 1 | evaluate rows_near(x == 1 or x == 10, 0, 2)', cols: ['x:long'], ordered: true, rows: [[1], [2], [3], [10]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 3, 100)', cols: ['x:long'], ordered: true, rows: [[1], [2], [3], [4], [5]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x > 100, 3)', cols: ['x:long'], rows: [] },
  // a null condition is not true
  { q: 'datatable(x:long, b:bool)[1, bool(null), 2, false, 3, true] | evaluate rows_near(b, 0)', cols: ['x:long', 'b:bool'], rows: [[3, true]] },
  { q: 'range x from 1 to 6 step 1 | evaluate rows_near(x == 3, 1) | extend n = row_number()', cols: ['x:long', 'n:long'], ordered: true, rows: [[2, 1], [3, 2], [4, 3]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x, 3)', err: { kind: 'SemanticError', msg: "rows_near(): Condition must be a bool expression, got 'long'" } },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 2, -1)', err: { kind: 'SemanticError', msg: 'rows_near(): NumRows must be a non-negative integer constant' } },
  // NumRows is a constant: a column of the input is not in its scope
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 2, x)', err: { kind: 'SemanticError', msg: "Failed to resolve scalar expression named 'x'" } },
  { q: 'let n = 2;\nrange x from 1 to 5 step 1 | evaluate rows_near(x == 2, n)', cols: ['x:long'], ordered: true, rows: [[1], [2], [3], [4]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 2, 1, toint(-1))', err: { kind: 'SemanticError', msg: 'rows_near(): RowsAfter must be a non-negative integer constant' } },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 2, 1, 1.5)', err: { kind: 'SemanticError', msg: 'rows_near(): RowsAfter must be a non-negative integer constant' } },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 3, 9007199254740991, 0)', cols: ['x:long'], ordered: true, rows: [[1], [2], [3]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 3, 9007199254740992)', err: { kind: 'SemanticError', msg: 'rows_near(): NumRows must be a non-negative integer constant' } },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 3, long(null))', err: { kind: 'SemanticError', msg: 'rows_near(): NumRows must be a non-negative integer constant' } },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 3, 1) | evaluate rows_near(x == 4, 0, 5)', cols: ['x:long'], rows: [[4]] },
  { q: 'range x from 1 to 5 step 1 | evaluate rows_near(x == 2)', err: { kind: 'SemanticError', msg: 'rows_near(): expects (Condition, NumRows [, RowsAfter])' } },

  // ───────────── search: Col:"term", Col:term, Col == value (search-operator.md, let-statement.md) ─────────────
  { q: `${CUSTOMERS}search FirstName:"Aaron" or LastName:"Hughes"`, cols: CUSTOMER_COLS,
    rows: [['Customers', 18285, 'Riley', 'Hughes'], ['Customers', 802, 'Aaron', 'Sharma'], ['Customers', 6, 'Jo', 'Aaron-Hughes']] },
  { q: `${CUSTOMERS}search in (Customers) FirstName:Aaron`, cols: CUSTOMER_COLS, rows: [['Customers', 802, 'Aaron', 'Sharma']] },
  { q: `${CUSTOMERS}search in (Customers) LastName:Hughes and CustomerKey > 100`, cols: CUSTOMER_COLS, rows: [['Customers', 18285, 'Riley', 'Hughes']] },
  { q: `${CUSTOMERS}search kind=case_sensitive LastName:"hughes"`, cols: CUSTOMER_COLS, rows: [] },
  { q: `${CUSTOMERS}search in (Customers) LastName: "Hughes"`, cols: CUSTOMER_COLS, rows: [['Customers', 18285, 'Riley', 'Hughes'], ['Customers', 6, 'Jo', 'Aaron-Hughes']] },
  { q: 'let Range10 = view () { range MyColumn from 1 to 10 step 1 };\nlet Range20 = view () { range MyColumn from 1 to 20 step 1 };\nsearch MyColumn == 5',
    cols: ['$table:string', 'MyColumn:long'], rows: [['Range10', 5], ['Range20', 5]] },
  // over the stored tables: a table with one of the named columns is searched on the columns it has
  { q: 'search Level:"Error" or Message:quick | project $table, Level, Message', cols: ['$table:string', 'Level:string', 'Message:string'],
    rows: [['Events', 'Error', ''], ['Events', 'Error', ''], ['Logs_CL', '', 'The quick brown fox']] },
  { q: 'search Level:Error and DurationMs > 200 | project $table, DurationMs', cols: ['$table:string', 'DurationMs:real'], rows: [['Events', 300]] },
  { q: 'search Message:quick and Level:"Error" | count', cols: ['Count:long'], rows: [[0]] },
  { q: 'Events | search Level:Error | project Level, Count', cols: ['Level:string', 'Count:long'], rows: [['Error', 3], ['Error', null]] },
  { q: 'search ("quick" or Level:Error) | project $table, Level, Message', cols: ['$table:string', 'Level:string', 'Message:string'],
    rows: [['Events', 'Error', ''], ['Events', 'Error', ''], ['Logs_CL', '', 'The quick brown fox']] },
  { q: 'search in (Events) not(Level:Error) | project Level', cols: ['Level:string'], rows: [['Warning'], ['Information'], ['Information'], ['']] },
  { q: 'search Level has "Err" | count', cols: ['Count:long'], rows: [[0]] },
  // a table or let name `search` is still a table reference
  { q: 'let search = datatable(a:long)[1, 2]; search | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'search in (Events) Message:"x"', err: { kind: 'SemanticError', msg: "Failed to resolve scalar expression named 'Message'" } },

  // ───────────── find over tables with different columns (find-operator.md) ─────────────
  { q: `${EVENTS}find in (EventsTable1, EventsTable2)\n     where Session_Id == '${S1}' and Level == 'Error'\n     project EventText, Version, EventName, pack_all()`,
    cols: ['source_:string', 'EventText:string', 'Version:string', 'EventName:string', 'pack_:dynamic'],
    rows: [['EventsTable1', 'Some Text2', 'v1.0.0', '', `{"Session_Id":"${S1}","Level":"Error"}`], ['EventsTable2', 'Some Other Text3', '', 'Event3', `{"Session_Id":"${S1}","Level":"Error"}`]] },
  { q: `${EVENTS}find Version == 'v1.0.0' or EventName == 'Event1' project Session_Id, EventText, Version, EventName`,
    cols: ['source_:string', 'Session_Id:string', 'EventText:string', 'Version:string', 'EventName:string'],
    rows: [['EventsTable1', S1, 'Some Text1', 'v1.0.0', ''], ['EventsTable1', S1, 'Some Text2', 'v1.0.0', ''], ['EventsTable2', 'f7d5f95f-f580-4ea6-830b-5776c8d64fdd', 'Some Other Text1', '', 'Event1']] },
  { q: `${EVENTS}find Session_Id == '${S1}'`, cols: ['source_:string', 'Session_Id:string', 'Level:string', 'EventText:string', 'pack_:dynamic'],
    rows: [['EventsTable1', S1, 'Information', 'Some Text1', '{"Version":"v1.0.0"}'], ['EventsTable1', S1, 'Error', 'Some Text2', '{"Version":"v1.0.0"}'],
      ['EventsTable2', S1, 'Information', 'Some Other Text2', '{"EventName":"Event2"}'], ['EventsTable2', S1, 'Error', 'Some Other Text3', '{"EventName":"Event3"}']] },
  { q: `${EVENTS}find Session_Id == '${S1}' project pack_all()`, cols: ['source_:string', 'pack_:dynamic'],
    rows: [['EventsTable1', `{"Session_Id":"${S1}","Level":"Information","EventText":"Some Text1","Version":"v1.0.0"}`], ['EventsTable1', `{"Session_Id":"${S1}","Level":"Error","EventText":"Some Text2","Version":"v1.0.0"}`],
      ['EventsTable2', `{"Session_Id":"${S1}","Level":"Information","EventText":"Some Other Text2","EventName":"Event2"}`], ['EventsTable2', `{"Session_Id":"${S1}","Level":"Error","EventText":"Some Other Text3","EventName":"Event3"}`]] },
  { q: `${EVENTS}find withsource=T in (EventsTable*) where EventName == 'Event4' project-smart`, cols: ['T:string', 'EventName:string', 'Session_Id:string', 'Level:string', 'EventText:string', 'pack_:dynamic'],
    rows: [['EventsTable2', 'Event4', '15eaeab5-8576-4b58-8fc6-478f75d8fee4', 'Error', 'Some Other Text4', '{}']] },
  // a column with a different type per table (find-operator.md, "find acts as union"): the predicate is bound with each table's
  // own types; project-smart gives one column per type, named as union names them; `project Col:type` converts
  { q: `${PROCESS}find in (Table1, Table2) where tostring(ProcessId) == "1001"`,
    cols: ['source_:string', 'ProcessId_string:string', 'ProcessId_long:long', 'Level:string', 'Timestamp:datetime', 'pack_:dynamic'],
    rows: [['Table1', '1001', null, 'a', D('2024-01-01'), '{}'], ['Table2', '', 1001, 'c', D('2024-01-03'), '{}']] },
  { q: `${PROCESS}let Table3 = view () { datatable(Level:string)['e'] };\nfind in (Table1, Table2, Table3) where tostring(ProcessId) == "1001" or Level == 'e'`,
    cols: ['source_:string', 'ProcessId_string:string', 'ProcessId_long:long', 'Level:string', 'pack_:dynamic'],
    rows: [['Table1', '1001', null, 'a', `{"Timestamp":"${D('2024-01-01')}"}`], ['Table2', '', 1001, 'c', `{"Timestamp":"${D('2024-01-03')}"}`], ['Table3', '', null, 'e', '{}']] },
  { q: `${PROCESS}find in (Table1, Table2) where tostring(ProcessId) == "1001" project Level, Timestamp, ProcessId:string`,
    cols: ['source_:string', 'Level:string', 'Timestamp:datetime', 'ProcessId:string'], rows: [['Table1', 'a', D('2024-01-01'), '1001'], ['Table2', 'c', D('2024-01-03'), '1001']] },
  { q: `${PROCESS}find in (Table1, Table2) where tostring(ProcessId) == "1001" project Level, ProcessId`, err: { kind: 'SemanticError', msg: "find: the column 'ProcessId' has several types (string, long); name one, as ProcessId:type" } },
  // the docs' own query: a string column compared with a number is compared numerically (as Sentinel content relies on),
  // so both tables take part and the schema has ProcessId_string and ProcessId_long, as find-operator.md states
  { q: `${PROCESS}find in (Table1, Table2) where ProcessId == 1001`, cols: ['source_:string', 'ProcessId_string:string', 'ProcessId_long:long', 'Level:string', 'Timestamp:datetime', 'pack_:dynamic'],
    rows: [['Table1', '1001', null, 'a', D('2024-01-01'), '{}'], ['Table2', '', 1001, 'c', D('2024-01-03'), '{}']] },
  { q: `${PROCESS}find in (Table1) where ProcessId == 1001`, cols: ['source_:string', 'ProcessId:string', 'Level:string', 'Timestamp:datetime', 'pack_:dynamic'],
    rows: [['Table1', '1001', 'a', D('2024-01-01'), '{}']] },
  // a predicate valid for one table's types only: the other table is left out
  { q: `${PROCESS}find in (Table1, Table2) where ProcessId > 1000`, cols: ['source_:string', 'ProcessId:long', 'Level:string', 'Timestamp:datetime', 'pack_:dynamic'],
    rows: [['Table2', 1001, 'c', D('2024-01-03'), '{}']] },
  { q: `${PROCESS}find in (Table1) where ProcessId > 1000`, err: { kind: 'SemanticError' } },
  // Log Analytics has no databases: find's database() sources are refused with the reason, not a parse error
  { q: 'find in (database(\'*\').*) where * has "Kusto"', err: { kind: 'SemanticError', msg: 'database() is not supported' } },
  { q: 'find in (database("S*").C*) where * has "Kusto"', err: { kind: 'SemanticError', msg: 'database() is not supported' } },

  // ───────────── datetime(y, m, d): year-first with commas (endofweek-function.md, startofweek-function.md) ─────────────
  { q: `let endofweekSunday = (dateArg: datetime) {\n    datetime_add('day', 8, endofweek(datetime_add('day', -8, dateArg)))\n};\nlet data=datatable(Date: datetime, day: string)\n[\ndatetime(2025, 6, 14), "Saturday",\ndatetime(2025, 6, 15), "Sunday",\ndatetime(2025, 6, 16), "Monday",\ndatetime(2025, 6, 17), "Tuesday"\n];\ndata \n| extend SundayEndOfWeek=endofweekSunday(Date)`,
    cols: ['Date:datetime', 'day:string', 'SundayEndOfWeek:datetime'],
    rows: [[D('2025-06-14'), 'Saturday', '2025-06-15T23:59:59.9999999Z'], [D('2025-06-15'), 'Sunday', '2025-06-15T23:59:59.9999999Z'], [D('2025-06-16'), 'Monday', '2025-06-22T23:59:59.9999999Z'], [D('2025-06-17'), 'Tuesday', '2025-06-22T23:59:59.9999999Z']] },
  { q: 'print a = datetime(2025, 6, 14), b = datetime(2025,12,31), c = datetime(2024, 2, 29 10:30)', cols: ['a:datetime', 'b:datetime', 'c:datetime'], rows: [[D('2025-06-14'), D('2025-12-31'), '2024-02-29T10:30:00.0000000Z']] },
  { q: 'print datetime(2025, 13, 14)', err: { kind: 'SyntaxError', msg: "invalid datetime literal '2025, 13, 14'" } },
  { q: 'print datetime(2025, 2, 29)', err: { kind: 'SyntaxError', msg: 'invalid datetime literal' } },
  { q: 'print datetime(2025-6, 14)', err: { kind: 'SyntaxError', msg: 'invalid datetime literal' } },

  // ───────────── ``` multi-line string literals (scalar-data-types/string.md) ─────────────
  { q: 'print program = ```\n  public class Program {\n    public static void Main() {\n      System.Console.WriteLine("Hello!");\n    }\n  }```',
    cols: ['program:string'], rows: [['\n  public class Program {\n    public static void Main() {\n      System.Console.WriteLine("Hello!");\n    }\n  }']] },
  { q: 'print s = ```a``` , n = strlen(```\n```)', cols: ['s:string', 'n:long'], rows: [['a', 1]] },

  // ───────────── external_data, externaldata's other spelling (ipv4-lookup-plugin.md): refused with the reason ─────────────
  { q: "let IP_Data = external_data(network:string, geoname_id:long)['https://example.com/a.csv'];\ndatatable(ip:string)['2.20.183.12'] | evaluate ipv4_lookup(IP_Data, ip, network)",
    err: { kind: 'SemanticError', msg: 'externaldata is not supported: Vigil queries never read from outside the workspace' } },
];
