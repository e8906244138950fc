/**
 * Issue #12, parse-kv and reduce end to end: log lines ingested with the official Logs Ingestion SDK
 * (stored in the workspace's DuckDB files), queried with the official query SDK on a real server.
 * Their runtime functions (kql_parse_kv, kql_reduce, kql_reduce_source) pass the store's statement
 * guard; reduce's row limit and parse-kv's bad options are 400s with Azure's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REDUCE_ROW_LIMIT } from '../../src/kql/emit/reduce.js';
import type { Column } from '../support/log-table.js';
import { queryBadRequest, queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Message', type: 'string' },
];
const MESSAGES = [
  'user=alice action=login result="ok, first try" ms=12',
  'user=bob action=login result=denied ms=7',
  'user=alice action=logout result=ok ms=3',
  'user=carol action=login result="ok" ms=25',
];

describe('parse-kv and reduce over the query API', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);
  const badRequest = (query: string) => queryBadRequest(vigil.bootstrap, query);

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'AppLog_CL', COLUMNS, MESSAGES.map((Message) => ({ TimeGenerated: now, Message })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('parse-kv extracts quoted and typed values from stored lines', async () => {
    const got = await rows(`AppLog_CL | parse-kv Message as (user:string, result:string, ms:long) with (pair_delimiter=' ', kv_delimiter='=', quote='"') | where ms > 5 | summarize total = sum(ms) by user, result | sort by user asc, result asc`);
    assert.deepEqual(got, [
      ['alice', 'ok, first try', 12],
      ['bob', 'denied', 7],
      ['carol', 'ok', 25],
    ]);
  });

  it('reduce clusters the stored lines; kind=source tags each row', async () => {
    // "action login by alice", "action login by bob", "action logout by alice", "action login by carol"
    const source = 'AppLog_CL | parse-kv Message as (user:string, action:string) with (pair_delimiter=" ", kv_delimiter="=") | project Line = strcat("action ", action, " by ", user)';
    const got = await rows(`${source} | reduce by Line with threshold=0.3`);
    assert.equal(got.length, 2);
    assert.deepEqual(got.map((r) => [r[0], r[1]]), [['action login by *', 2], ['others', 2]]);
    assert.ok(['action login by bob', 'action login by carol'].includes(got[0]![2] as string), String(got[0]![2]));
    assert.equal(got[1]![2], '');
    const tagged = await rows(`${source} | reduce kind=source by Line with threshold=0.3 | sort by Line asc`);
    assert.deepEqual(tagged, [
      ['action login by alice', 'others'],
      ['action login by bob', 'action login by *'],
      ['action login by carol', 'action login by *'],
      ['action logout by alice', 'others'],
    ]);
  });

  it('reduce over more rows than its limit is a 400 naming the limit; exactly the limit runs', async () => {
    const error = await badRequest(`range x from 1 to ${REDUCE_ROW_LIMIT + 1} step 1 | reduce by tostring(x)`);
    assert.equal(error.code, 'BadArgumentError');
    assert.match(error.message, new RegExp(`reduce reads at most ${REDUCE_ROW_LIMIT} rows`));
    const ok = await rows(`range x from 1 to ${REDUCE_ROW_LIMIT} step 1 | reduce by strcat("id ", x % 2) with threshold=0.6`);
    assert.deepEqual(ok.map((r) => [r[0], r[1]]), [['id *', REDUCE_ROW_LIMIT]]);
    assert.ok(['id 0', 'id 1'].includes(ok[0]![2] as string));
  });

  it('bad parse-kv and reduce options are 400s naming the option', async () => {
    const kv = await badRequest(`AppLog_CL | parse-kv Message as (user:string) with (pair_delimiter=' ')`);
    assert.equal(kv.code, 'BadArgumentError');
    assert.match(kv.message, /pair_delimiter and kv_delimiter/);
    const red = await badRequest('AppLog_CL | reduce by Message with threshold=2');
    assert.match(red.message, /threshold must be a constant real between 0 and 1/);
  });
});
