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
import { guarded, NOW, openDb, resolver } from './harness.js';
import { StatementRefusedError } from '../../src/store/statement-guard.js';
import { mutate, rng } from './mutator.js';

let conn: DuckDBConnection;

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
        await conn.runAndReadAll(await guarded(`SELECT * FROM (${sql}) LIMIT 50`));
        ran++;
      } catch (e) {
        const msg = (e as Error).message;
        if (e instanceof StatementRefusedError) {
          problems.push(`the store's statement guard refused the compiled SQL of ${JSON.stringify(q)}: ${msg}`);
          continue;
        }
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
