/**
 * Fuzz test: random mutations of valid queries either compile or throw KqlError (never
 * another exception), and SQL that compiles runs on DuckDB without errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compile, KqlError } from '../../src/kql/index.js';
import { wrapForWire } from '../../src/query/wire-format.js';
import { CASES as BASE_CASES } from './cases.js';
import { CASES as TABULAR_CASES } from './cases-tabular.js';

const CASES = [...BASE_CASES, ...TABULAR_CASES];
import { NOW, openDb, resolver } from './harness.js';

let conn: DuckDBConnection;

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
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

function mutate(q: string, r: () => number): string {
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

/**
 * Runtime data errors that a valid query can legitimately raise: long overflow, and an
 * invalid regular expression given to matches regex / extract / trim (reported by RE2 at run time).
 */
function acceptedRuntimeError(q: string, msg: string): boolean {
  if (/^Out of Range Error/.test(msg)) return true;
  // user regexes of parse kind=regex / parse-kv regex= are also only checked by RE2 at run time
  return /^Invalid Input Error/.test(msg) && /matches regex|extract\(|trim|kind=regex|regex=/.test(q);
}

describe('fuzz', () => {
  before(async () => {
    conn = await openDb();
  });
  after(() => conn.closeSync());

  test('mutated queries compile or throw KqlError; compiled SQL runs', async () => {
    const corpus = CASES.map((c) => c.q).filter((q) => q.length < 600);
    const r = rng(12345);
    const problems: string[] = [];
    let compiled = 0;
    let ran = 0;
    const ITER = 6000;
    for (let i = 0; i < ITER && problems.length < 15; i++) {
      const q = mutate(corpus[Math.floor(r() * corpus.length)]!, r);
      let sql: string;
      try {
        const c = compile(q, resolver, { now: NOW });
        sql = wrapForWire(c.sql, c.columns);
        compiled++;
      } catch (e) {
        if (e instanceof KqlError) {
          if (/Internal compiler error/.test(e.message)) problems.push(`internal error for ${JSON.stringify(q)}: ${e.message}`);
          continue;
        }
        if (e instanceof Error && /access denied/.test(e.message)) continue;
        problems.push(`non-KqlError for ${JSON.stringify(q)}: ${String(e)}`);
        continue;
      }
      try {
        await conn.runAndReadAll(`SELECT * FROM (${sql}) LIMIT 50`);
        ran++;
      } catch (e) {
        const msg = (e as Error).message;
        if (!acceptedRuntimeError(q, msg)) problems.push(`DuckDB error for ${JSON.stringify(q)}: ${msg.split('\n')[0]}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(compiled > 200, `only ${compiled} mutated queries compiled`);
    assert.ok(ran > 200, `only ${ran} ran`);
  });

  test('random garbage never escapes as a non-KqlError', () => {
    const r = rng(777);
    const alphabet = 'abcxyzEvents|()[]{}"\'@h.,;:=!<>~+-*/%0123456789 \n\tdatetime(dynamic(time(guid(let where project';
    for (let i = 0; i < 3000; i++) {
      let q = '';
      const len = Math.floor(r() * 60);
      for (let k = 0; k < len; k++) q += alphabet[Math.floor(r() * alphabet.length)];
      try {
        compile(q, resolver, { now: NOW });
      } catch (e) {
        if (!(e instanceof KqlError)) assert.fail(`non-KqlError for ${JSON.stringify(q)}: ${String(e)}`);
        assert.ok(!/Internal compiler error/.test(e.message), `${JSON.stringify(q)}: ${e.message}`);
        assert.ok(e.line >= 1 && e.column >= 1);
      }
    }
  });

  test('resolver errors propagate unchanged', () => {
    assert.throws(() => compile('Forbidden | count', resolver, { now: NOW }), (e: unknown) => e instanceof Error && !(e instanceof KqlError) && e.message === 'access denied to Forbidden');
    assert.throws(() => compile('let x = 1; union_me | where 1 == 1', resolver, { now: NOW }), KqlError);
  });
});
