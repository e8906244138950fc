/**
 * Query mutation shared by the compiler fuzzer (test/kql/fuzz.test.ts) and the Query API fuzzer
 * (test/e2e/query-fuzz.test.ts): a seeded PRNG and a mutator that deletes, inserts KQL fragments,
 * truncates, duplicates and injects random characters.
 */

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
  ' | sample 2 ', ' | sample-distinct 2 of ', ' | top-nested 2 of ', ' | evaluate bag_unpack(', ' | evaluate pivot(', ' | invoke ', 'toscalar(', 'materialize(',
  'let f = (x:long) { x }; ', 'view () { print 1 }', ' set notruncation; ', 'arg_max(', 'arg_min(', "workspace('w').", '(T:(*))', '*',
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

