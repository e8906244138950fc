/**
 * Query mutation shared by the compiler fuzzer (test/kql/fuzz.test.ts) and the Query API fuzzer
 * (test/e2e/query-fuzz.test.ts): a seeded PRNG and a mutator that deletes, inserts KQL fragments
 * (SQL-looking string literals among them, issue #11), truncates, duplicates and injects random
 * characters; and a literal mutator that replaces a string literal of a query by a SQL-looking one.
 */
import { SQL_PAYLOADS } from './sql-payloads.js';

/** A KQL double-quoted string literal for any JS string. */
export function kqlLiteral(s: string): string {
  return '"' + s.replace(/[\\"\n\r\t\0]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c]!) + '"';
}

/** String literals that look like SQL (issue #11), in the KQL forms that reach the compiler: "…", '…', @"…", h"…". */
export const SQL_LITERALS: string[] = [
  ...SQL_PAYLOADS.map(kqlLiteral),
  ...SQL_PAYLOADS.filter((s) => !/[\n\r]/.test(s)).slice(0, 12).map((s) => `@"${s.replace(/"/g, '""')}"`),
  ...SQL_PAYLOADS.slice(0, 12).map((s) => `h${kqlLiteral(s)}`),
  `'x\\' || (SELECT s FROM Secret) || \\''`,
];

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FRAGMENTS = [
  '|', '(', ')', '[', ']', '{', '}', ',', ';', '.', '..', '=', '==', '!=', '<', '>', '=~', '+', '-', '*', '/', '%', ':', '"', "'", '@',
  ' where ', ' project ', ' extend ', ' summarize ', ' by ', ' count ', ' take ', ' sort by ', ' top 3 by ', ' distinct ', ' let ', ' and ', ' or ',
  ' has ', ' !has ', ' contains ', ' in ', ' !in ', ' between ', ' asc ', ' desc ', ' nulls first ',
  'Events', 'Level', 'DurationMs', 'Count', 'Props', 'TimeGenerated', 'Props.a', 'x', 'print_0',
  '1', '0', '-1', '1.5', '1d', '1h', '0s', '9223372036854775807', 'datetime(2024-01-01)', 'datetime(null)', 'dynamic([1,2])', 'dynamic({"a":1})',
  'int(null)', 'real(nan)', 'true', 'false', '""', '"x"', 'guid(00000000-0000-0000-0000-000000000000)',
  'count()', 'sum(Count)', 'avg(DurationMs)', 'bin(TimeGenerated, 1h)', 'tostring(', 'toint(', 'strlen(', 'iff(', 'case(', 'coalesce(', 'now()', 'ago(1d)',
  'substring(', 'bin(', 'todatetime(', 'totimespan(', 'parse_json(', 'isempty(', 'strcat(', 'countof(', 'make_list(', 'dcount(',
  // tabular language
  ' | union ', ' union * ', ' union withsource=T ', ' kind=inner ', ' kind=outer ', ' isfuzzy=true ', ' | join ', ' kind=leftouter ', ' kind=fullouter ',
  ' kind=rightanti ', ' kind=leftsemi ', ' on ', ' $left.', ' $right.', ' | lookup ', ' | as X ', ' | serialize ', 'row_number()', 'prev(', 'next(', 'row_cumsum(',
  ' | mv-expand ', ' to typeof(long) ', ' with_itemindex=i ', ' limit 2 ', ' | mv-apply ', ' on (', ' | parse ', ' with ', ' kind=regex ', ' kind=relaxed ',
  ' | parse-where ', ' | parse-kv ', ' as (', ' | make-series ', ' default=0 ', ' from ', ' to ', ' step ', ' | search ', ' search in (', ' | getschema ',
  ' | sample 2 ', ' | reduce by ', ' kind=source ', ' with threshold=0.5 ', ' characters="-" ', ' | sample-distinct 2 of ', ' | top-nested 2 of ', ' | evaluate bag_unpack(', ' | evaluate pivot(', ' | invoke ', 'toscalar(', 'materialize(',
  'let f = (x:long) { x }; ', 'view () { print 1 }', ' set notruncation; ', 'arg_max(', 'arg_min(', "workspace('w').", '(T:(*))', '*',
  // issue #11: plugins whose column names come from data, and SQL-looking literals
  ' | evaluate pivot(Level) ', ' | evaluate pivot(Level, max(strcat(Level, "count(z)"))) ', 'datatable(k:string)["count(z)", "sum(x)"]', ' | project-rename ["a\'b"] = ',
  ...SQL_LITERALS,
];

export function mutate(q: string, r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(r() * (q.length + 1));
    const op = r();
    if (op < 0.3) q = q.slice(0, pos) + q.slice(pos + 1 + Math.floor(r() * 4));
    else if (op < 0.7) q = q.slice(0, pos) + FRAGMENTS[Math.floor(r() * FRAGMENTS.length)] + q.slice(pos);
    else if (op < 0.8) q = q.slice(0, pos);
    else if (op < 0.9) {
      const a = Math.floor(r() * q.length);
      q = q.slice(0, pos) + q.slice(a, a + 1 + Math.floor(r() * 12)) + q.slice(pos);
    } else q = q.slice(0, pos) + String.fromCharCode(Math.floor(r() * 0x3000)) + q.slice(pos);
  }
  return q;
}


/** Matches the string literals of a query ("…" and '…' with escapes, and @"…" verbatim ones). */
const STRING_LITERAL = /@"(?:[^"]|"")*"|@'(?:[^']|'')*'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/**
 * Replaces one string literal of `q` (or, when it has none, appends an `extend`) by a SQL-looking
 * literal: a payload as is, or with another payload spliced into it.
 */
export function mutateLiteral(q: string, r: () => number): string {
  // Not the empty string: an empty column name is a known compiler gap (injection.test.ts, its todo test).
  const payloads = SQL_PAYLOADS.filter((s) => s !== '');
  let payload = payloads[Math.floor(r() * payloads.length)]!;
  if (r() < 0.3) {
    const pos = Math.floor(r() * (payload.length + 1));
    const other = payloads[Math.floor(r() * payloads.length)]!;
    payload = payload.slice(0, pos) + other + payload.slice(pos);
  }
  const lit = r() < 0.85 ? kqlLiteral(payload) : `h${kqlLiteral(payload)}`;
  const found = [...q.matchAll(STRING_LITERAL)];
  if (found.length === 0) return `${q} | extend __sql = ${lit}`;
  const m = found[Math.floor(r() * found.length)]!;
  return q.slice(0, m.index) + lit + q.slice(m.index! + m[0].length);
}
