/**
 * Conformance cases for issue #12's second operator pass: parse-kv in every documented mode
 * (parse-kv-operator.md), the reduce operator (reduce-operator.md, Vaarandi's SLCT — see
 * src/kql/runtime/reduce.ts), named and default arguments of user-defined functions
 * (user-defined-functions.md, assert-function.md) and parse-where kind=regex with and without flags
 * (parse-where-operator.md). Where a case is a doc example its expected rows are the documented output.
 */
import type { Case } from './cases.js';

const KV = 'pair_delimiter=" ", kv_delimiter="="';
const EVENT = 'src=10.1.1.123 dst=10.1.1.124 bytes=125';
const EVENT_COLS = ['event time:datetime', 'src:string', 'dst:string', 'bytes:long', 'failure:string'];
const EVENT_ROW = ['2021-01-01T10:00:54.0000000Z', '10.1.1.123', '10.1.1.124', 125, 'connection aborted'];
const REDUCE_COLS = ['Pattern:string', 'Count:long', 'Representative:string'];
const CITIES = 'datatable(city:string)["San Bernard","Paris","San Diego","Moscow","Paris","San Jose","Paris"]';
const F = 'let f = (a:long, b:string = "b.default", c:long = 0) { strcat(a, "-", b, "-", c) };';
const TRACES =
  'let Traces = datatable(EventText: string)["Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=non_valid_integer, sliceNumber=11)", "Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15)"];';

export const OPS2_CASES: Case[] = [
  // ───────────── parse-kv: specified delimiters (docs' examples) ─────────────
  {
    q: 'print str="ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info" | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (pair_delimiter=\',\', kv_delimiter=\':\') | project-away str',
    cols: ['Text:string', 'ThreadId:long', 'Machine:string'], rows: [['The service is up', 458745723, 'Node001']],
  },
  // a quoted value holds delimiters; a quoted key in the text matches ['event time'] in the keys list
  {
    q: `print str='${EVENT} failure="connection aborted" "event time"=2021-01-01T10:00:54' | parse-kv str as (['event time']:datetime, src:string, dst:string, bytes:long, failure:string) with (${KV}, quote='"') | project-away str`,
    cols: EVENT_COLS, rows: [EVENT_ROW],
  },
  // asymmetric quotes
  {
    q: `print str='${EVENT} failure=(connection aborted) (event time)=(2021-01-01 10:00:54)' | parse-kv str as (['event time']:datetime, src:string, dst:string, bytes:long, failure:string) with (${KV}, quote='()') | project-away str`,
    cols: EVENT_COLS, rows: [EVENT_ROW],
  },
  // an escape character inside a quoted value
  {
    q: `print str='${EVENT} failure="the remote host sent \\\\"bye!\\\\"" time=2021-01-01T10:00:54' | parse-kv str as (['time']:datetime, src:string, dst:string, bytes:long, failure:string) with (${KV}, quote='"', escape='\\\\') | project-away str`,
    cols: ['time:datetime', 'src:string', 'dst:string', 'bytes:long', 'failure:string'],
    rows: [['2021-01-01T10:00:54.0000000Z', '10.1.1.123', '10.1.1.124', 125, 'the remote host sent "bye!"']],
  },
  // greedy: without it a value ends at the pair delimiter; with it, at the next key
  {
    q: `print str='name=John Doe phone=555 5555 city=New York' | parse-kv str as (name:string, phone:string, city:string) with (${KV}) | project-away str`,
    cols: ['name:string', 'phone:string', 'city:string'], rows: [['John', '555', 'New']],
  },
  {
    q: `print str='name=John Doe phone=555 5555 city=New York' | parse-kv str as (name:string, phone:string, city:string) with (${KV}, greedy=true) | project-away str`,
    cols: ['name:string', 'phone:string', 'city:string'], rows: [['John Doe', '555 5555', 'New York']],
  },
  // ───────────── parse-kv: nonspecified delimiters ─────────────
  {
    q: 'print str="2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: Started" | parse-kv str as (Text: string, ThreadId:long, Machine: string) | project-away str',
    cols: ['Text:string', 'ThreadId:long', 'Machine:string'], rows: [['Started', 458745723, 'Node001']],
  },
  {
    q: 'print str="2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: \'The service \\\\\' is up\'" | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (quote="\'", escape=\'\\\\\') | project-away str',
    cols: ['Text:string', 'ThreadId:long', 'Machine:string'], rows: [['The service \' is up', 458745723, 'Node001']],
  },
  // a key's value is the token after it, even when that token is another key's name
  { q: 'print s="Text: Machine, Machine: x, Level: Info" | parse-kv s as (Text, Machine, Level) | project-away s', cols: ['Text:string', 'Machine:string', 'Level:string'], rows: [['Machine', 'x', 'Info']] },
  // every non-alphanumeric character delimits (so a dotted value is cut); `_` belongs to names
  { q: 'print s="user_name=bob;ip=10.0.0.1" | parse-kv s as (user_name, ip) | project-away s', cols: ['user_name:string', 'ip:string'], rows: [['bob', '10']] },
  { q: 'print s="user_name=bob;ip=10.0.0.1" | parse-kv s as (user_name, ip) with (pair_delimiter=";", kv_delimiter="=") | project-away s', cols: ['user_name:string', 'ip:string'], rows: [['bob', '10.0.0.1']] },
  // ───────────── parse-kv: documented rules ─────────────
  // the first appearance of a key wins (delimiter and regex modes)
  { q: `print s="a=1 a=2" | parse-kv s as (a:long) with (${KV}) | project-away s`, cols: ['a:long'], rows: [[1]] },
  { q: 'print s="k1:v1 k2:v2 k1:v3" | parse-kv s as (k1, k2) with (regex=@"(\\w+):(\\w+)") | project-away s', cols: ['k1:string', 'k2:string'], rows: [['v1', 'v2']] },
  // white space around keys and values is ignored; a missing key is '' (string) or null
  {
    q: 'print s=" a = 1 ,b= x y ,c" | parse-kv s as (a:long, b:string, c:string, d:long) with (pair_delimiter=",", kv_delimiter="=") | project-away s',
    cols: ['a:long', 'b:string', 'c:string', 'd:long'], rows: [[1, 'x y', '', null]],
  },
  { q: `print s="" | parse-kv s as (a, b:long) with (${KV}) | project-away s`, cols: ['a:string', 'b:long'], rows: [['', null]] },
  // several quote arguments; multi-character delimiters; a pair delimiter inside an unquoted value of another delimiter
  { q: `print s=@"a=""x y"" b=(z w) c=3" | parse-kv s as (a, b, c:int) with (${KV}, quote=@"""", quote="()") | project-away s`, cols: ['a:string', 'b:string', 'c:int'], rows: [['x y', 'z w', 3]] },
  { q: 'print s="a:=1;;b:=2" | parse-kv s as (a:long, b:long) with (pair_delimiter=";;", kv_delimiter=":=") | project-away s', cols: ['a:long', 'b:long'], rows: [[1, 2]] },
  { q: `print s="name=x,y,z id=3" | parse-kv s as (name, id:long) with (${KV}) | project-away s`, cols: ['name:string', 'id:long'], rows: [['x,y,z', 3]] },
  { q: `print s="msg=hello there friend end=1" | parse-kv s as (msg, end:long) with (${KV}, greedy=true) | project-away s`, cols: ['msg:string', 'end:long'], rows: [['hello there friend', 1]] },
  // a non-string source is converted with tostring()
  { q: 'print s=dynamic({"x":1}) | parse-kv s as (x:long) | project-away s', cols: ['x:long'], rows: [[1]] },
  // ───────────── parse-kv: bad options ─────────────
  { q: 'print s="a=1" | parse-kv s as (a:long) with (pair_delimiter=" ")', err: { kind: 'SemanticError', msg: 'pair_delimiter and kv_delimiter are given together' } },
  { q: 'print s="a=1" | parse-kv s as (a:long) with (pair_delimiter="", kv_delimiter="=")', err: { kind: 'SemanticError', msg: 'a delimiter cannot be empty' } },
  { q: 'print s="a=1" | parse-kv s as (a:long) with (quote="abc")', err: { kind: 'SemanticError', msg: 'quote must be one or two characters' } },
  { q: 'print s="a=1" | parse-kv s as (a:long) with (escape="ab")', err: { kind: 'SemanticError', msg: 'escape must be one character' } },
  { q: 'print s="a=1" | parse-kv s as (a:long) with (greedy=true)', err: { kind: 'SemanticError', msg: 'greedy needs pair_delimiter and kv_delimiter' } },
  { q: 'print s="a=1" | parse-kv s as (a:long) with (regex="(a)=(1)", quote="x")', err: { kind: 'SemanticError', msg: 'regex cannot be combined' } },

  // ───────────── reduce (docs' deterministic examples) ─────────────
  // default separators: fooZ1 … fooZ10 are one term each, none above the support → others
  { q: 'range x from 1 to 10 step 1 | project str = strcat("foo", "Z", tostring(x)) | reduce by str', cols: REDUCE_COLS, rows: [['others', 10, '']] },
  // Z separates: foo is frequent, the numbers are not
  { q: 'range x from 1 to 10 step 1 | project str = strcat("foo", "Z", tostring(x)) | reduce by str with characters="Z"', cols: REDUCE_COLS, rows: [['foo*', 10, 'fooZ1']] },
  // kind=source appends each row's Pattern
  {
    q: 'range x from 1 to 10 step 1 | project str = strcat("foo", "Z", tostring(x)) | reduce kind=source by str with characters="Z" | where str in ("fooZ1", "fooZ10")',
    cols: ['str:string', 'Pattern:string'], rows: [['fooZ1', 'foo*'], ['fooZ10', 'foo*']],
  },
  // the docs' city illustration: clusters by count (then first appearance), others last
  { q: `${CITIES} | reduce by city with threshold=0.3`, ordered: true, cols: REDUCE_COLS, rows: [['San *', 3, 'San Bernard'], ['Paris', 3, 'Paris'], ['others', 1, '']] },
  {
    q: `${CITIES} | reduce kind=source by city with threshold=0.3`, cols: ['city:string', 'Pattern:string'],
    rows: [['San Bernard', 'San *'], ['Paris', 'Paris'], ['San Diego', 'San *'], ['Moscow', 'others'], ['Paris', 'Paris'], ['San Jose', 'San *'], ['Paris', 'Paris']],
  },
  // non-alphanumeric separators stay in the pattern
  { q: 'datatable(s:string)["One -on- One","Two -on- Two","Three -on- Three"] | reduce by s with threshold=0.5', cols: REDUCE_COLS, rows: [['* -on- *', 3, 'One -on- One']] },
  // a candidate below the support goes to others even when its terms are frequent
  { q: 'datatable(s:string)["error 500 at a","error 404 at b","error 500 at c","warn 1"] | reduce by s with threshold=0.4', ordered: true, cols: REDUCE_COLS, rows: [['error 500 at *', 2, 'error 500 at a'], ['others', 2, '']] },
  // edges: no rows; null and empty values; a non-string expression
  { q: 'range x from 1 to 10 step 1 | where x > 100 | reduce by tostring(x)', cols: REDUCE_COLS, rows: [] },
  { q: 'range x from 1 to 10 step 1 | where x > 100 | reduce kind=source by tostring(x)', cols: ['x:long', 'Pattern:string'], rows: [] },
  { q: 'datatable(s:string)["","","a"] | extend n=long(null) | reduce by n', cols: REDUCE_COLS, rows: [['others', 3, '']] },
  { q: 'range x from 1 to 4 step 1 | reduce by x % 2', cols: REDUCE_COLS, rows: [['1', 2, '1'], ['0', 2, '0']] },
  // bad parameters
  { q: 'range x from 1 to 4 step 1 | reduce by x with threshold=0', err: { kind: 'SemanticError', msg: 'threshold must be a constant real between 0 and 1' } },
  { q: 'range x from 1 to 4 step 1 | reduce by x with threshold=1.5', err: { kind: 'SemanticError', msg: 'threshold must be a constant real between 0 and 1' } },
  { q: 'range x from 1 to 4 step 1 | reduce by x with characters=""', err: { kind: 'SemanticError', msg: 'characters must be a non-empty constant string' } },
  { q: 'range x from 1 to 4 step 1 | reduce by x with foo=1', err: { kind: 'SemanticError', msg: "unknown parameter 'foo'" } },
  { q: 'range x from 1 to 4 step 1 | reduce by x with threshold=0.2, threshold=0.3', err: { kind: 'SemanticError', msg: "'threshold' is given twice" } },
  { q: 'range x from 1 to 4 step 1 | reduce kind=foo by x', err: { kind: 'SyntaxError', msg: "the only kind is 'source'" } },
  { q: 'range x from 1 to 4 step 1 | extend Pattern=1 | reduce kind=source by x', err: { kind: 'SemanticError', msg: "already has a column named 'Pattern'" } },

  // ───────────── named and default arguments of user-defined functions ─────────────
  // assert-function.md's call: a named argument first, then a positional one for the next free parameter
  { q: 'let checkLength = (len:long, s:string) { strlen(s) > len }; datatable(input:string)["123","4567"] | where checkLength(len=3, input)', cols: ['input:string'], rows: [['4567']] },
  { q: `${F} print f(12, c=7)`, cols: ['print_0:string'], rows: [['12-b.default-7']] },
  { q: `${F} print f(c=1, b="x", a=2), f(3), f(4, "y")`, cols: ['print_0:string', 'print_1:string', 'print_2:string'], rows: [['2-x-1', '3-b.default-0', '4-y-0']] },
  { q: 'let T = (n:long = 2) { range x from 1 to n step 1 }; T(n=3) | count', cols: ['Count:long'], rows: [[3]] },
  { q: 'let g = (T:(x:long), k:long = 1) { T | where x > k }; g(k=2, T=(range x from 1 to 4 step 1)) | count', cols: ['Count:long'], rows: [[2]] },
  { q: 'let g = (T:(x:long), k:long = 1) { T | where x > k }; range x from 1 to 4 step 1 | invoke g(k=3)', cols: ['x:long'], rows: [[4]] },
  { q: `${F} print f(a=1, a=2)`, err: { kind: 'SemanticError', msg: "the argument 'a' is given twice" } },
  { q: `${F} print f(c=1, 2, "z", 5)`, err: { kind: 'SemanticError', msg: 'expects 3 arguments, got 4' } },
  { q: `${F} print f(d=1)`, err: { kind: 'SemanticError', msg: "has no parameter named 'd'" } },
  { q: `${F} print f(b="q")`, err: { kind: 'SemanticError', msg: "expects a value for parameter 'a'" } },

  // assert-function.md: evaluated while binding, so it fails even where no row reaches it
  {
    q: 'let checkLength = (len:long, s:string) { assert(len > 0, "Length must be greater than zero") and strlen(s) > len }; datatable(input:string)["123","4567"] | where checkLength(len=long(-1), input)',
    err: { kind: 'SemanticError', msg: "assert() has failed with message: 'Length must be greater than zero'" },
  },
  { q: 'let checkLength = (len:long, s:string) { assert(len > 0, "Length must be greater than zero") and strlen(s) > len }; datatable(input:string)["123","4567"] | where checkLength(len=3, input)', cols: ['input:string'], rows: [['4567']] },
  { q: 'let b=false; print x="Hello" | where b | where assert(b, "Assertion failed")', err: { kind: 'SemanticError', msg: "assert() has failed with message: 'Assertion failed'" } },
  { q: 'print assert(strlen("abc") == 3 and not(1 > 2), "m"), assert(-1 < 0, strcat("n", "o"))', cols: ['print_0:bool', 'print_1:bool'], rows: [[true, true]] },
  { q: 'print x=1 | where assert(x > 0, "m")', err: { kind: 'SemanticError', msg: 'the condition must be a constant bool' } },
  { q: 'print x="m" | where assert(true, x)', err: { kind: 'SemanticError', msg: 'the message must be a constant string' } },

  // ───────────── parse-where kind=regex: case-sensitive unless flags=i (the docs' output is empty) ─────────────
  { q: `${TRACES} Traces | parse-where kind = regex EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * | project resourceName, totalSlices`, cols: ['resourceName:string', 'totalSlices:long'], rows: [] },
  { q: `${TRACES} Traces | parse-where kind = regex flags=i EventText with * "RESOURCENAME=" resourceName "," * "totalSlices=" totalSlices: long "," * | project resourceName, totalSlices`, cols: ['resourceName:string', 'totalSlices:long'], rows: [['PipelineScheduler', 27]] },
];
