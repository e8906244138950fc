/**
 * Issue #12, real-world content: the Kusto behaviours Microsoft Sentinel's published analytics
 * rules and hunting queries rely on (test/kql/sentinel-corpus.ts), each as a conformance case.
 */
import type { Case } from './cases.js';

export const SENTINEL_CASES: Case[] = [
  // ───── == and != between a string and a number (SigninLogs' string ResultType: `ResultType == 0`, `ResultType == 500121`) ─────
  // Published rules compare the string column with a number; the string converts to the number's type.
  { q: 'datatable(ResultType:string)["0", "50126", "", "abc"] | where ResultType == 0', cols: ['ResultType:string'], rows: [['0']] },
  { q: 'datatable(ResultType:string)["0", "500121", "", "abc"] | where ResultType != 500121', cols: ['ResultType:string'], rows: [['0'], [''], ['abc']] },
  { q: 'datatable(EventID:int)[4624, 4625] | where EventID == "4624"', cols: ['EventID:int'], rows: [[4624]] },
  { q: 'print a = "1.5" == 1.5, b = "2" == 2, c = "x" == 0, d = "x" != 0, e = 3 == "03"', cols: ['a:bool', 'b:bool', 'c:bool', 'd:bool', 'e:bool'], rows: [[true, true, false, true, true]] },
  // in / !in: the same rule (x in (a, b) is x == a or x == b)
  { q: 'datatable(ResultType:string)["0", "50126", "50053", "x"] | where ResultType in (50126, 50053)', cols: ['ResultType:string'], rows: [['50126'], ['50053']] },
  { q: 'datatable(ResultType:string)["0", "50126", "x"] | where ResultType !in (50126)', cols: ['ResultType:string'], rows: [['0'], ['x']] },
  { q: 'datatable(EventID:int)[4624, 4625, 4688] | where EventID in ("4624", "4625")', cols: ['EventID:int'], rows: [[4624], [4625]] },
  // ordering stays an error (cases.ts: print "a" < 1)
  { q: 'print "5" > 1', err: { kind: 'SemanticError', msg: 'Cannot compare values of types string and long' } },
  // ───── mv-expand todynamic(Column): the expanded column replaces Column (mv-expand-operator.md: "Otherwise, the existing ColumnName is replaced") ─────
  { q: 'datatable(AuthenticationDetails:string)[\'[{"authenticationMethod":"Password"},{"authenticationMethod":"SMS"}]\'] | mv-expand todynamic(AuthenticationDetails) | extend m = tostring(AuthenticationDetails.authenticationMethod)', cols: ['AuthenticationDetails:dynamic', 'm:string'], rows: [['{"authenticationMethod":"Password"}', 'Password'], ['{"authenticationMethod":"SMS"}', 'SMS']] },
  { q: 'datatable(Entities:string, n:long)[\'[{"Type":"host"}]\', 1] | mv-expand parse_json(Entities) | project n, t = tostring(Entities.Type)', cols: ['n:long', 't:string'], rows: [[1, 'host']] },
  // ───── a dynamic branch of iff()/case() takes the other branches' type (MailRedirectViaExOTransportRule: case(…, OfficeObjectId, …, ParsedParameters.Name, "Unknown")) ─────
  { q: 'print p = dynamic({"Name":"Rule 1"}) | extend r = case(false, "a", true, p.Name, "Unknown"), s = iff(true, p.Name, "x")', cols: ['p:dynamic', 'r:string', 's:string'], rows: [['{"Name":"Rule 1"}', 'Rule 1', 'Rule 1']] },
  { q: 'print r = iff(false, dynamic(1), 2)', cols: ['r:long'], rows: [[2]] },
  { q: 'print r = iff(true, dynamic([1]), dynamic(2))', cols: ['r:dynamic'], rows: [['[1]']] },
  { q: 'print r = case(true, "a", 1)', err: { kind: 'SemanticError', msg: 'case(): all values must have the same type' } },
  // ───── ASIM parsers are Sentinel workspace functions Vigil does not ship: a clear unknown-function error ─────
  { q: '_Im_Dns(starttime=ago(1h)) | take 1', err: { kind: 'SemanticError', msg: "Unknown function: '_Im_Dns'. It is a Microsoft Sentinel ASIM parser" } },
  { q: 'imNetworkSession | take 1', err: { kind: 'SemanticError', msg: "Unknown function: 'imNetworkSession'" } },
  { q: 'imNetworkSession(dstportnumber=3389) | take 1', err: { kind: 'SemanticError', msg: 'ASIM parser' } },
  // a user-defined function of that name is the user's
  { q: 'let imDns = () { print x = 1 }; imDns()', cols: ['x:long'], rows: [[1]] },
  // …nor Defender XDR advanced hunting's functions, which Log Analytics does not have either
  { q: 'Events | invoke FileProfile(Level, 1000)', err: { kind: 'SemanticError', msg: "Unknown function: 'FileProfile'. It is a Microsoft Defender XDR advanced hunting function" } },
  { q: 'DeviceFromIP("10.0.0.1", now())', err: { kind: 'SemanticError', msg: 'Microsoft Defender XDR advanced hunting function' } },
  { q: 'NoSuchFunction(1) | take 1', err: { kind: 'SemanticError', msg: "Unknown function: 'NoSuchFunction'" } },
];
