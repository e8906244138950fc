/**
 * Fuzz test: random mutations of valid queries either compile or throw KqlError (never
 * another exception), and SQL that compiles runs on DuckDB without errors. Issue #11: the
 * mutations include SQL-looking string literals, and a second pass replaces the string literals of
 * the conformance queries by SQL-looking ones; the database also holds a `Secret` table and a
 * `segmem` catalog, whose canary must never come back, and the SQL never fails to *parse*.
 *
 * `npm test` runs a short mode; VIGIL_FUZZ_ITER=N runs N iterations per fuzz test (default 6000 / 1500).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compile, KqlError } from '../../src/kql/index.js';
import { wrapForWire } from '../../src/query/wire-format.js';
import { CASES as BASE_CASES } from './cases.js';
import { CASES as TABULAR_CASES } from './cases-tabular.js';

const CASES = [...BASE_CASES, ...TABULAR_CASES];
import { guarded, NOW, openDb, resolver } from './harness.js';
import { StatementRefusedError } from '../../src/store/statement-guard.js';
import { mutate, mutateLiteral, rng } from './mutator.js';
import { SECRET } from './sql-payloads.js';

const ITER = Number(process.env.VIGIL_FUZZ_ITER ?? 0);

let conn: DuckDBConnection;

/** Queries whose literals reach SQL through data-driven names or rewritten aggregates (issue #11). */
const INJECTION_SEEDS = [
  'datatable(k:string, v:string)["a", "x", "b", "y"] | evaluate pivot(k, max(strcat(v, "y")))',
  'datatable(k:string)["a"] | evaluate pivot(k, take_any(strcat(k, "b")))',
  'datatable(k:string, n:long)["a", 1, "b", 2] | evaluate pivot(k, sum(n))',
  'datatable(g:string, k:string)["g", "a"] | evaluate pivot(k, count(), g)',
  'datatable(d:dynamic)[dynamic({"k": "v"})] | evaluate bag_unpack(d)',
  'datatable(d:dynamic)[dynamic({"k": 1})] | evaluate bag_unpack(d, "p_")',
  'Events | summarize c = countif(Level == "Error"), s = sumif(Count, Level == "Warning") by Level',
  'datatable(T:datetime, k:string)[datetime(2024-01-01), "a"] | make-series c = countif(k == "a") default=0 on T from datetime(2024-01-01) to datetime(2024-01-02) step 1d by k',
  'print s = "<a>" | parse s with "<" x:string ">"',
  'print s = "<a>" | parse-where s with "<" x:string ">"',
  'print x = strcat_delim("-", "a", "b"), y = replace_string("aXb", "X", "y"), z = translate("a", "b", "abc")',
];

/**
 * Runtime data errors that a valid query can legitimately raise: long overflow, and an
 * invalid regular expression given to matches regex / extract / trim (reported by RE2 at run time).
 */
function acceptedRuntimeError(q: string, msg: string): boolean {
  if (/^Out of Range Error/.test(msg)) return true;
  // user regexes of parse kind=regex / parse-kv regex= are also only checked by RE2 at run time
  return /^Invalid Input Error/.test(msg) && /matches regex|extract\(|trim|kind=regex|regex=/.test(q);
}

/**
 * Runs a compiled query as the server does — through the store's statement guard — and records what
 * may never happen: a guard refusal of the compiler's SQL, or the Secret canary in the answer or an
 * error. Returns whether it ran, and DuckDB's error otherwise (for the caller's own rules).
 */
async function runGuarded(sql: string, q: string, problems: string[]): Promise<{ ran: boolean; error?: string }> {
  try {
    const res = await conn.runAndReadAll(await guarded(`SELECT * FROM (${sql}) LIMIT 50`));
    if (JSON.stringify(res.getRowsJS(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(SECRET)) problems.push(`the Secret canary came back for ${JSON.stringify(q)}`);
    return { ran: true };
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof StatementRefusedError) {
      problems.push(`the store's statement guard refused the compiled SQL of ${JSON.stringify(q)}: ${msg}`);
      return { ran: false };
    }
    if (msg.includes(SECRET)) problems.push(`the Secret canary came back in an error for ${JSON.stringify(q)}`);
    return { ran: false, error: msg };
  }
}

describe('fuzz', () => {
  before(async () => {
    conn = await openDb();
    await conn.run(
      `CREATE TABLE "Secret" (s VARCHAR); INSERT INTO "Secret" VALUES ('${SECRET}');
       ATTACH ':memory:' AS segmem; CREATE TABLE segmem.main.t_1 (s VARCHAR); INSERT INTO segmem.main.t_1 VALUES ('${SECRET}');`,
    );
  });
  after(() => conn.closeSync());

  test('mutated queries compile or throw KqlError; compiled SQL runs', async () => {
    const corpus = CASES.map((c) => c.q).filter((q) => q.length < 600);
    const r = rng(12345);
    const problems: string[] = [];
    let compiled = 0;
    let ran = 0;
    const iterations = ITER || 6000;
    for (let i = 0; i < iterations && problems.length < 15; i++) {
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
      const run = await runGuarded(sql, q, problems);
      if (run.ran) ran++;
      else if (run.error !== undefined && !run.error.includes(SECRET) && !acceptedRuntimeError(q, run.error)) {
        problems.push(`DuckDB error for ${JSON.stringify(q)}: ${run.error.split('\n')[0]}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(compiled > 200, `only ${compiled} mutated queries compiled`);
    assert.ok(ran > 200, `only ${ran} ran`);
  });

  test('issue #11: string literals replaced by SQL-looking ones stay data (no parse error, no canary)', async () => {
    // The conformance queries, and the constructs of issue #11 whose SQL was rewritten as text.
    const corpus = CASES.map((c) => c.q).filter((q) => q.length < 600);
    const r = rng(1111);
    const problems: string[] = [];
    let ran = 0;
    const iterations = ITER || 1500;
    for (let i = 0; i < iterations && problems.length < 15; i++) {
      const base = r() < 0.3 ? INJECTION_SEEDS[Math.floor(r() * INJECTION_SEEDS.length)]! : corpus[Math.floor(r() * corpus.length)]!;
      const q = mutateLiteral(base, r);
      let sql: string;
      try {
        const c = compile(q, resolver, { now: NOW });
        sql = wrapForWire(c.sql, c.columns);
      } catch (e) {
        if (e instanceof KqlError || (e instanceof Error && /access denied/.test(e.message))) continue;
        problems.push(`non-KqlError for ${JSON.stringify(q)}: ${String(e)}`);
        continue;
      }
      // A literal that lands where a regex, a number or a date is expected may fail at run time — as data.
      // It must never make the SQL unparseable or name anything the guard refuses, nor bring back the canary.
      const run = await runGuarded(sql, q, problems);
      if (run.ran) ran++;
      else if (run.error !== undefined && /Parser Error/.test(run.error)) problems.push(`${run.error.split('\n')[0]} for ${JSON.stringify(q)}`);
    }
    assert.deepEqual(problems, []);
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
