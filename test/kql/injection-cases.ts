/**
 * Issue #11 — the in-process injection harness and its cases (used by injection.test.ts and
 * injection-property.test.ts). Every
 * SQL-looking payload (sql-payloads.ts) is placed in every literal and name position that reaches
 * the SQL — pivot, bag_unpack, basket/autocluster/diffpatterns, make-series, parse, parse-where, extract, extract_all,
 * format_datetime/format_timespan, strcat, strcat_delim, replace_string, replace_regex, translate,
 * trim, split, url_decode, parse_json, tostring, dynamic literals and bag keys, column names from
 * data, project-rename, let strings, h"" literals, datatable cells, countif — compiled, run on a
 * DuckDB that also holds what a query must never read (a `Secret` table, an attached `segmem`
 * catalog, a temp view named like the store's), and checked:
 *  - the payload comes back exactly as data (or as the semantically expected value);
 *  - no engine *Parser* error (query text never leaves its SQL quoting), no other engine error;
 *  - the secret canary never appears in rows, column names or errors, and no table was changed.
 * A clean KqlError is accepted only where a payload cannot be a column name (NUL).
 */
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compile, KqlError, sqlIdent, type ColumnSchema, type TableResolver } from '../../src/kql/index.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { StatementGuard, StatementRefusedError } from '../../src/store/statement-guard.js';
import { SECRET } from './sql-payloads.js';
import { registerKqlRuntime } from '../../src/kql/runtime/index.js';

const NOW = new Date('2024-01-03T00:00:00Z');
const EVENTS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
  { name: 'D', type: 'dynamic' },
];

class Denied extends Error {}
export const injectionResolver: TableResolver = {
  resolveTable(name) {
    if (name === 'Events') return { sql: `memory.main.${sqlIdent('Events')}`, columns: EVENTS };
    if (/secret|canary/i.test(name)) throw new Denied(`access denied to ${name}`);
    return undefined;
  },
  listTables: () => ['Events'],
};

/** An in-memory DuckDB laid out like the store: the readable table, and the things no query may read. */
export async function openInjectionDb(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' });
  const conn = await db.connect();
  registerKqlRuntime(conn);
  await conn.run(
    `CREATE TABLE "Events" ("TimeGenerated" BIGINT, "Msg" VARCHAR, "N" BIGINT, "D" JSON);
     INSERT INTO "Events" VALUES (638397000000000000 /* 2024-01-01 10:00 in ticks */, 'hello', 1, '{"a":1}');
     CREATE TABLE "Secret" (s VARCHAR); INSERT INTO "Secret" VALUES ('${SECRET}');
     CREATE TABLE "Canary" (x INTEGER); INSERT INTO "Canary" VALUES (1);
     ATTACH ':memory:' AS segmem;
     CREATE TABLE segmem.main.t_1 (s VARCHAR); INSERT INTO segmem.main.t_1 VALUES ('${SECRET}');
     CREATE TEMP VIEW "vigil_00000000000000000000000000000002_Secret_CL" AS SELECT '${SECRET}' AS s;`,
  );
  return conn;
}

export type Outcome =
  | { kind: 'rows'; columns: string[]; rows: unknown[][] }
  | { kind: 'kql-error'; message: string }
  | { kind: 'engine-error'; message: string };

let guard: Promise<StatementGuard> | undefined;
const GRANTED = new Set(['memory.main.events']);

/**
 * Compiles and runs as the Query API would: wrapForWire, the store's statement guard (granted: Events),
 * DuckDB, toWireRow; dynamic values come back parsed. A statement the guard refuses is an engine error:
 * the compiler's SQL for a query that only reads Events must always pass it.
 */
export async function runQuery(conn: DuckDBConnection, query: string): Promise<Outcome> {
  let sql: string;
  let columns: ColumnSchema[];
  try {
    const c = compile(query, injectionResolver, { now: NOW });
    sql = wrapForWire(c.sql, c.columns);
    columns = c.columns;
  } catch (err) {
    if (err instanceof KqlError || err instanceof Denied) return { kind: 'kql-error', message: err.message };
    throw err;
  }
  try {
    guard ??= StatementGuard.open("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
    await (await guard).check(sql, GRANTED);
  } catch (err) {
    if (err instanceof StatementRefusedError) return { kind: 'engine-error', message: `Statement refused by the store's guard: ${err.message}` };
    return { kind: 'engine-error', message: (err as Error).message };
  }
  try {
    const r = await conn.runAndReadAll(sql);
    const rows = (r.getRowsJS() as unknown[][]).map((row) =>
      toWireRow(row, columns).map((v, i) => (columns[i]!.type === 'dynamic' && typeof v === 'string' ? JSON.parse(v) : v)),
    );
    return { kind: 'rows', columns: columns.map((c) => c.name), rows };
  } catch (err) {
    return { kind: 'engine-error', message: (err as Error).message };
  }
}

/** Nothing forbidden in the outcome, no SQL text escaped, the canary table untouched. */
export async function assertContained(conn: DuckDBConnection, query: string, o: Outcome): Promise<void> {
  const text = JSON.stringify(o);
  assert.ok(!text.includes(SECRET), `forbidden data came back: ${query}\n${text.slice(0, 500)}`);
  assert.doesNotMatch(text, /temp_directory|enable_external_access|max_memory|access_mode/, `engine settings came back: ${query}\n${text.slice(0, 500)}`);
  if (o.kind === 'engine-error') assert.doesNotMatch(o.message, /Parser Error/, `query text broke out of its SQL quoting: ${query}\n${o.message}`);
  const canary = await conn.runAndReadAll('SELECT count(*) FROM "Canary"');
  assert.equal(Number(canary.getRowsJS()[0]![0]), 1, `the canary table was modified by ${query}`);
}

/** A KQL double-quoted string literal for any JS string. */
export function kqlString(s: string): string {
  return '"' + s.replace(/[\\"\n\r\t\0]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c]!) + '"';
}
/** A RE2 pattern matching exactly `s`. */
export function reQuote(s: string): string {
  return [...s].map((c) => (/[\\.+*?()|[\]{}^$\-#&~ ]/.test(c) ? `\\${c}` : c === '\0' ? '\\x00' : c === '\t' ? '\\t' : c)).join('');
}

export interface Case {
  /** What the position is. */
  name: string;
  query: (lit: string, v: string) => string;
  /** Expected result; `undefined` means: only containment (format strings, whose letters are specifiers). */
  expect?: (v: string) => { columns?: string[]; rows: unknown[][] };
  /** The payload becomes a column name: a clean KqlError is acceptable for names that cannot be (NUL). */
  names?: boolean;
  /** Payloads this case does not apply to (semantic reasons, not security). */
  skip?: (v: string) => boolean;
}

export const CASES: Case[] = [
  { name: 'print', query: (l) => `print x = ${l}`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'h"" obfuscated literal', query: (l) => `print x = h${l}`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'verbatim @"" literal', query: (_l, v) => `print x = @"${v.replace(/"/g, '""')}"`, expect: (v) => ({ rows: [[v]] }), skip: (v) => /[\n\r]/.test(v) },
  { name: 'extend on a table', query: (l) => `Events | extend s = ${l} | project s`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'where == on a table (no match)', query: (l) => `Events | where Msg == ${l} | count`, expect: (v) => ({ rows: [[v === 'hello' ? 1 : 0]] }) },
  { name: 'datatable cell + where ==, =~, in, contains, startswith, endswith', query: (l) => `datatable(a:string, b:string)[${l}, ${l}, "other", "x"] | where a == ${l} and a =~ ${l} and a in (${l}, "q") and a contains ${l} and a startswith ${l} and a endswith ${l} | project a, b`, expect: (v) => ({ rows: [[v, v]] }), skip: (v) => v === '' || v === 'other' },
  { name: 'matches regex (quoted pattern)', query: (l, v) => `datatable(a:string)[${l}, "zz"] | where a matches regex ${kqlString(`^${reQuote(v)}$`)}`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'countif (the $\' class)', query: (l) => `datatable(a:string)[${l}, "zz"] | summarize c = countif(a == ${l}), s = sumif(1, a == ${l}), m = make_set_if(a, a == ${l})`, expect: (v) => ({ rows: [[v === 'zz' ? 2 : 1, v === 'zz' ? 2 : 1, [v]]] }) },
  { name: 'summarize by a literal key', query: (l) => `Events | summarize n = count() by k = ${l}`, expect: (v) => ({ rows: [[v, 1]] }) },
  { name: 'let string', query: (l) => `let s = ${l}; print x = s, y = strcat(s, s)`, expect: (v) => ({ rows: [[v, v + v]] }) },
  { name: 'let function with a string default', query: (l) => `let f = (a:string) { strcat(a, ${l}) }; print x = f(${l})`, expect: (v) => ({ rows: [[v + v]] }) },
  { name: 'strcat', query: (l) => `print x = strcat(${l}, "|", ${l})`, expect: (v) => ({ rows: [[`${v}|${v}`]] }) },
  { name: 'strcat_delim', query: (l) => `print x = strcat_delim(${l}, "a", "b"), y = strcat_delim("-", ${l}, ${l})`, expect: (v) => ({ rows: [[`a${v}b`, `${v}-${v}`]] }) },
  { name: 'replace_string (replacement and lookup)', query: (l) => `print x = replace_string("aXb", "X", ${l}), y = replace_string(strcat("<", ${l}, ">"), ${l}, "Y")`, expect: (v) => ({ rows: [[`a${v}b`, v === '' ? `<>` : `<Y>`]] }), skip: (v) => v === '' || v.includes('<') || v.includes('>') },
  { name: 'replace_regex (input)', query: (l) => `print x = replace_regex(${l}, "(?s)^(.*)$", "[\\\\1]")`, expect: (v) => ({ rows: [[`[${v}]`]] }) },
  { name: 'replace_regex (quoted pattern)', query: (l, v) => `print x = replace_regex(strcat("<", ${l}, ">"), ${kqlString(reQuote(v))}, "Y")`, expect: (v) => ({ rows: [['<Y>']] }), skip: (v) => v === '' || v.includes('<') || v.includes('>') },
  { name: 'translate', query: (l) => `print x = translate("\\u0001", "\\u0002", ${l})`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'trim', query: (l) => `print x = trim("#", strcat("##", ${l}, "#"))`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.startsWith('#') || v.endsWith('#') },
  { name: 'split', query: (l) => `print x = split(strcat(${l}, "¦", "b"), "¦")`, expect: (v) => ({ rows: [[[v, 'b']]] }), skip: (v) => v.includes('¦') },
  { name: 'split by the payload', query: (l) => `print x = split(strcat("a", ${l}, "b"), ${l})`, expect: (v) => ({ rows: [[['a', 'b']]] }), skip: (v) => v === '' || v.includes('a') || v.includes('b') },
  { name: 'url_decode(url_encode_component())', query: (l) => `print x = url_decode(url_encode_component(${l}))`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('\0') },
  { name: 'url_decode (raw)', query: (l) => `print x = url_decode(${l})`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('%') || v.includes('+') },
  { name: 'extract', query: (l) => `print x = extract("(?s)^<(.*)>$", 1, strcat("<", ${l}, ">"))`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'extract (quoted pattern)', query: (l, v) => `print x = extract(${kqlString(`(${reQuote(v)})`)}, 1, strcat("<", ${l}, ">"))`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'extract_all', query: (l) => `print x = extract_all("¦([^¦]*)¦", strcat("¦", ${l}, "¦"))`, expect: (v) => ({ rows: [[[v]]] }), skip: (v) => v.includes('¦') },
  { name: 'parse (value)', query: (l) => `print s = strcat("<", ${l}, ">") | parse s with "<" x:string ">" | project x`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('>') || /[\n\r]/.test(v) },
  { name: 'parse (pattern)', query: (l) => `print s = strcat("a", ${l}, "b") | parse s with "a" ${l} x:string | project x`, expect: () => ({ rows: [['b']] }) },
  { name: 'parse-where', query: (l) => `print s = strcat("<", ${l}, ">") | parse-where s with "<" x:string ">" | project x`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('>') || /[\n\r]/.test(v) },
  { name: 'parse kind=regex (quoted)', query: (l, v) => `print s = strcat("<", ${l}, ">") | parse kind=regex s with "<" x:string ${kqlString(`>$`)} | project x`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('>') || /[\n\r]/.test(v) },
  { name: 'parse_json of a JSON string', query: (_l, v) => `print x = tostring(parse_json(${kqlString(JSON.stringify(v))}))`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'parse_json bag key and value', query: (l, v) => `print d = parse_json(${kqlString(JSON.stringify({ [v]: v }))}) | project x = tostring(d[${l}])`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'tostring / todynamic', query: (l) => `print x = tostring(${l}), y = tostring(todynamic(${kqlString('"')} ))`, expect: (v) => ({ rows: [[v, '"']] }) },
  { name: 'dynamic literal array and bag', query: (l) => `print d = dynamic([${l}]), b = dynamic({${l}: ${l}}) | project x = tostring(d[0]), y = tostring(b[${l}])`, expect: (v) => ({ rows: [[v, v]] }) },
  { name: 'bag_pack key and value', query: (l) => `print b = bag_pack(${l}, ${l}) | project y = tostring(b[${l}]), k = tostring(bag_keys(b)[0])`, expect: (v) => ({ rows: [[v, v]] }) },
  { name: 'bag_unpack: keys from data become columns', query: (l) => `datatable(d:dynamic)[dynamic({${l}: ${l}})] | evaluate bag_unpack(d)`, expect: (v) => ({ columns: [v], rows: [[v]] }), names: true },
  { name: 'bag_unpack with a prefix', query: (l) => `datatable(d:dynamic)[dynamic({${l}: 1})] | evaluate bag_unpack(d, "p_")`, expect: (v) => ({ columns: [`p_${v}`], rows: [[1]] }), names: true },
  { name: 'bag_unpack output schema naming the key', query: (l) => `datatable(d:dynamic)[dynamic({${l}: ${l}})] | evaluate bag_unpack(d) : ([${l}]:string)`, expect: (v) => ({ columns: [v], rows: [[v]] }), names: true },
  { name: 'pivot: values from data become columns (count)', query: (l) => `datatable(k:string)[${l}, ${l}, "zz"] | evaluate pivot(k)`, expect: (v) => (v === 'zz' ? { rows: [[3]] } : { columns: [v, 'zz'].sort(), rows: [[v, 'zz'].sort().map((c) => (c === v ? 2 : 1))] }), names: true },
  { name: 'pivot: sum with a group', query: (l) => `datatable(g:string, k:string, n:long)["g", ${l}, 1, "g", ${l}, 2] | evaluate pivot(k, sum(n), g)`, expect: (v) => ({ columns: ['g', v], rows: [['g', 3]] }), names: true },
  { name: 'pivot: an aggregate-looking literal in the aggregate (issue #11)', query: (l) => `datatable(k:string)[${l}] | evaluate pivot(k, max(strcat(k, "count(z)")))`, expect: (v) => ({ columns: [v], rows: [[`${v}count(z)`]] }), names: true },
  { name: 'pivot: the payload as the aggregate\'s literal', query: (l) => `datatable(k:string)["v"] | evaluate pivot(k, max(strcat(k, ${l})))`, expect: (v) => ({ columns: ['v'], rows: [[`v${v}`]] }) },
  { name: 'pivot: payload in both', query: (l) => `datatable(k:string)[${l}] | evaluate pivot(k, take_any(strcat(${l}, k, ${l})))`, expect: (v) => ({ columns: [v], rows: [[v + v + v]] }), names: true },
  { name: 'make-series: by a payload column', query: (l) => `datatable(T:datetime, k:string)[datetime(2024-01-01), ${l}] | make-series c = count() default=0 on T from datetime(2024-01-01) to datetime(2024-01-02) step 1d by k | project k, c`, expect: (v) => ({ rows: [[v, [1]]] }) },
  { name: 'make-series: countif on the payload', query: (l) => `datatable(T:datetime, k:string)[datetime(2024-01-01), ${l}] | make-series c = countif(k == ${l}) default=0 on T from datetime(2024-01-01) to datetime(2024-01-02) step 1d | project c`, expect: () => ({ rows: [[[1]]] }) },
  { name: 'make-series: payload-named series', query: (l) => `datatable(T:datetime, k:string)[datetime(2024-01-01), "a"] | make-series [${l}] = count() default=0 on T from datetime(2024-01-01) to datetime(2024-01-02) step 1d | project [${l}]`, expect: (v) => ({ columns: [v], rows: [[[1]]] }), names: true },
  { name: 'scan: declared default, condition and assignment', query: (l) => `print a = ${l} | scan declare (s:string = ${l}) with (step x: a == ${l} => s = strcat(x.s, ${l});) | project s`, expect: (v) => ({ rows: [[v + v]] }) },
  { name: 'scan: a payload-named declared column', query: (l) => `print a = 1 | scan declare ([${l}]:string = "d") with (step x: true;) | project [${l}]`, expect: (v) => ({ columns: [v], rows: [['d']] }), names: true },
  { name: 'narrow: payload column name and value', query: (l) => `print [${l}] = ${l} | evaluate narrow()`, expect: (v) => ({ columns: ['Row', 'Column', 'Value'], rows: [[0, v, v]] }), names: true },
  { name: 'basket: payload as a pattern value', query: (l) => `datatable(k:string)[${l}, ${l}] | evaluate basket()`, expect: (v) => ({ columns: ['SegmentId', 'Count', 'Percent', 'k'], rows: v === '' ? [] : [[0, 2, 100, v]] }) },
  { name: 'basket: a payload-named column', query: (l) => `datatable([${l}]:string)["a", "a"] | evaluate basket()`, expect: (v) => ({ columns: ['SegmentId', 'Count', 'Percent', v], rows: [[0, 2, 100, 'a']] }), names: true },
  { name: 'basket: payload as the string wildcard', query: (l) => `datatable(k:string, n:long)["a",1, "b",1] | evaluate basket(0.6, '~', '~', ${l})`, expect: (v) => ({ rows: [[0, 2, 100, v === '~' ? '' : v, 1]] }) },
  { name: 'autocluster: payload as a pattern value', query: (l) => `datatable(k:string)[${l}, ${l}] | evaluate autocluster()`, expect: (v) => ({ rows: v === '' ? [] : [[0, 2, 100, v]] }) },
  { name: 'diffpatterns: payload as the split value', query: (l) => `datatable(s:string, k:string)[${l},"x", "zz","y"] | evaluate diffpatterns(s, ${l}, "zz")`, expect: (v) => ({ columns: ['SegmentId', 'CountA', 'CountB', 'PercentA', 'PercentB', 'PercentDiffAB', 'k'], rows: v === 'zz' ? [] : [[0, 1, 0, 100, 0, 100, 'x'], [1, 0, 1, 0, 100, 100, 'y']] }) },
  { name: 'reduce: payload as the reduced value', query: (l) => `datatable(k:string)[${l}, ${l}] | reduce by k with threshold=0.4`, expect: (v) => (/[\p{L}\p{N}]/u.test(v) ? { columns: ['Pattern', 'Count', 'Representative'], rows: [[v, 2, v]] } : { rows: [['others', 2, '']] }) },
  { name: 'reduce kind=source: payload value', query: (l) => `datatable(k:string)[${l}] | reduce kind=source by k with threshold=0.5 | project k`, expect: (v) => ({ rows: [[v]] }) },
  { name: 'reduce: payload as the separator characters', query: (l) => `datatable(k:string)["ab", "ab"] | reduce by k with characters=${l}`, expect: (v) => ({ rows: [v.includes('a') && v.includes('b') ? ['others', 2, ''] : ['ab', 2, 'ab']] }), skip: (v) => v === '' },
  { name: 'parse-kv: payload as a value', query: (l) => `print s = strcat("k=", ${l}) | parse-kv s as (k:string) with (pair_delimiter="\\n", kv_delimiter="=") | project k`, expect: (v) => ({ rows: [[v]] }), skip: (v) => v.includes('\n') || v !== v.trim() },
  { name: 'parse-kv: payload as a key', query: (l) => `print s = "x" | parse-kv s as ([${l}]:string) with (pair_delimiter=";", kv_delimiter="=") | project [${l}]`, expect: (v) => ({ columns: [v], rows: [['']] }), names: true },
  { name: 'parse-kv: payload as the pair delimiter and quote', query: (l) => `print s = "a=1" | parse-kv s as (a:long) with (pair_delimiter=${l}, kv_delimiter="=", quote=${l})` },
  { name: 'project-rename to the payload', query: (l) => `print a = "v" | project-rename [${l}] = a`, expect: (v) => ({ columns: [v], rows: [['v']] }), names: true },
  { name: 'extend/project a payload-named column', query: (l) => `print a = 1 | extend [${l}] = ${l} | project [${l}]`, expect: (v) => ({ columns: [v], rows: [[v]] }), names: true },
  { name: 'summarize into a payload-named column', query: (l) => `Events | summarize [${l}] = count()`, expect: (v) => ({ columns: [v], rows: [[1]] }), names: true },
  { name: 'format_datetime format string', query: (l) => `print x = format_datetime(datetime(2024-01-02 03:04:05), ${l})` },
  { name: 'format_timespan format string', query: (l) => `print x = format_timespan(time(1.02:03:04), ${l})` },
];

/** Checks one outcome of a case against its expectation; returns a failure message or undefined. */
export function checkCase(c: Case, v: string, q: string, o: Outcome): string | undefined {
  if (o.kind === 'engine-error') return `${q}\n  engine error: ${o.message.split('\n')[0]}`;
  if (o.kind === 'kql-error') {
    if (c.names && (v.includes('\0') || v === '')) return undefined; // an empty name or a NUL in one: a clean KQL error
    if (!c.expect) return undefined; // format strings: a clean KQL error for an invalid format is fine
    return `${q}\n  KQL error: ${o.message}`;
  }
  if (!c.expect) {
    if (o.rows.length !== 1 || typeof o.rows[0]![0] !== 'string') return `${q}\n  expected one string, got ${JSON.stringify(o.rows)}`;
    return undefined;
  }
  const want = c.expect(v);
  try {
    if (want.columns) assert.deepEqual(o.columns, want.columns);
    assert.deepEqual(o.rows, want.rows);
    return undefined;
  } catch {
    return `${q}\n  got ${JSON.stringify({ columns: o.columns, rows: o.rows })}\n  want ${JSON.stringify(want)}`;
  }
}
