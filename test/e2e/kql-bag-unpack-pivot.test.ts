/**
 * Issue #12, bag_unpack() and pivot() over a stored table end to end: rows with a dynamic column
 * ingested with the official Logs Ingestion SDK, queried with the official query SDK on a real
 * server. The output columns come from a discovery step the query service runs first (through the
 * same statement guard and limits); more than MAX_DISCOVERED_COLUMNS names is a 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_DISCOVERED_COLUMNS } from '../../src/kql/index.js';
import type { Column } from '../support/log-table.js';
import { queryBadRequest, queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Level', type: 'string' },
  { name: 'Props', type: 'dynamic' },
];
const EVENTS = [
  { Level: 'Error', Props: { user: 'alice', code: 500 } },
  { Level: 'Warning', Props: { user: 'bob', retry: true } },
  { Level: 'Error', Props: { user: 'carol', code: 503, 'odd key': 'x' } },
];

describe('bag_unpack and pivot over a stored table through the query API', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'AppEvents_CL', COLUMNS, EVENTS.map((e) => ({ TimeGenerated: now, ...e })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('bag_unpack makes one dynamic column per stored key, in key order, after the input columns', async () => {
    const schema = await rows('AppEvents_CL | evaluate bag_unpack(Props) | getschema | project ColumnName, ColumnType');
    assert.deepEqual(schema.slice(-4), [
      ['code', 'dynamic'],
      ['odd key', 'dynamic'],
      ['retry', 'dynamic'],
      ['user', 'dynamic'],
    ]);
    assert.ok(!schema.some((r) => r[0] === 'Props'));
    const got = await rows(`AppEvents_CL | evaluate bag_unpack(Props) | project Level, user = tostring(user), code = tolong(code), retry = tobool(retry), odd = tostring(['odd key']) | sort by user asc`);
    assert.deepEqual(got, [
      ['Error', 'alice', 500, null, ''],
      ['Warning', 'bob', null, true, ''],
      ['Error', 'carol', 503, null, 'x'],
    ]);
  });

  it('pivot makes one column per stored value, sorted', async () => {
    assert.deepEqual(await rows('AppEvents_CL | project Level | evaluate pivot(Level)'), [[2, 1]]);
    // without group columns, the other columns group (pivot-plugin.md)
    assert.deepEqual(await rows('AppEvents_CL | project Level, User = tostring(Props.user) | evaluate pivot(Level) | order by User asc'), [['alice', 1, 0], ['bob', 0, 1], ['carol', 1, 0]]);
    const schema = await rows('AppEvents_CL | evaluate pivot(Level, count(), tostring(Props.user)) | getschema | project ColumnName');
    assert.deepEqual(schema.map((r) => r[0]).slice(-2), ['Error', 'Warning']);
  });

  it('more distinct names than the cap is a 400 with Azure’s error shape', async () => {
    const error = await queryBadRequest(vigil.bootstrap, `range x from 1 to ${MAX_DISCOVERED_COLUMNS + 1} step 1 | evaluate pivot(x)`);
    assert.equal(error.code, 'BadArgumentError');
    assert.match(error.message, new RegExp(`more than ${MAX_DISCOVERED_COLUMNS} distinct values`));
  });
});
