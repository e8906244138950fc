/**
 * Issue #12, the activity plugins end to end: `evaluate sliding_window_counts()`,
 * `activity_counts_metrics()`, `activity_metrics()`, `active_users_count()` and `dcount_intersect()` over a table ingested with the official Logs
 * Ingestion SDK (stored in the workspace's DuckDB files), queried with the official query SDK on a
 * real server; the period limit and a step that is not positive are 400s with Azure's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACTIVITY_MAX_PERIODS, NEW_ACTIVITY_MAX_PERIODS } from '../../src/kql/emit/activity.js';
import { sdkClients } from '../support/clients.js';
import type { Column } from '../support/log-table.js';
import { queryBadRequest, queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'UserId', type: 'string' },
  { name: 'Seen', type: 'datetime' },
  { name: 'Region', type: 'string' },
];
/** activity-counts-metrics-plugin.md's example rows, with a Region. */
const VISITS: [string, string, string][] = [
  ['A', '2017-08-01', 'eu'], ['D', '2017-08-01', 'eu'], ['J', '2017-08-01', 'us'], ['B', '2017-08-01', 'us'],
  ['C', '2017-08-02', 'eu'], ['T', '2017-08-02', 'eu'], ['J', '2017-08-02', 'us'], ['H', '2017-08-03', 'eu'],
  ['T', '2017-08-03', 'eu'], ['T', '2017-08-03', 'eu'], ['J', '2017-08-03', 'us'], ['B', '2017-08-03', 'us'],
  ['S', '2017-08-03', 'eu'], ['S', '2017-08-04', 'eu'],
];
const day = (d: string) => new Date(`${d}T00:00:00Z`);

describe('activity plugins (sliding_window_counts, activity_counts_metrics, activity_metrics, active_users_count, dcount_intersect) over the query API', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);

  const badRequest = (query: string) => queryBadRequest(vigil.bootstrap, query);

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'Visits_CL', COLUMNS, VISITS.map(([UserId, d, Region]) => ({ TimeGenerated: now, UserId, Seen: `${d}T00:00:00Z`, Region })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('activity_counts_metrics gives the documented output over the stored table', async () => {
    assert.deepEqual(await rows('Visits_CL | evaluate activity_counts_metrics(UserId, Seen, datetime(2017-08-01), datetime(2017-08-04), 1d)'), [
      [day('2017-08-01'), 4, 4, 4, 4],
      [day('2017-08-02'), 3, 3, 2, 6],
      [day('2017-08-03'), 6, 5, 2, 8],
      [day('2017-08-04'), 1, 1, 0, 8],
    ]);
  });

  it('sliding_window_counts slices by a stored dimension', async () => {
    assert.deepEqual(await rows('Visits_CL | evaluate sliding_window_counts(UserId, Seen, datetime(2017-08-01), datetime(2017-08-03), 2d, 1d, Region)'), [
      [day('2017-08-01'), 'eu', 2, 2],
      [day('2017-08-01'), 'us', 2, 2],
      [day('2017-08-02'), 'eu', 4, 4],
      [day('2017-08-02'), 'us', 3, 2],
      [day('2017-08-03'), 'eu', 6, 4],
      [day('2017-08-03'), 'us', 3, 2],
    ]);
  });

  it('activity_metrics gives retention and churn against the previous day', async () => {
    // day 1: A D J B; day 2: C T J (J returns); day 3: H T J B S (T, J return)
    assert.deepEqual(await rows('Visits_CL | evaluate activity_metrics(UserId, Seen, datetime(2017-08-01), datetime(2017-08-03), 1d) | project Seen, dcount_values, dcount_newvalues, retention_rate, churn_rate'), [
      [day('2017-08-01'), 4, 4, 'NaN', 'NaN'], // Azure's wire form of a real NaN
      [day('2017-08-02'), 3, 2, 0.25, 0.75],
      [day('2017-08-03'), 5, 3, 2 / 3, 1 / 3],
    ]);
  });

  it('active_users_count counts IDs seen on two distinct days of their 3-day lookback', async () => {
    assert.deepEqual(await rows('Visits_CL | evaluate active_users_count(UserId, Seen, datetime(2017-08-01), datetime(2017-08-04), 3d, 1d, 2, 1d)'), [
      [day('2017-08-02'), 1],
      [day('2017-08-03'), 3],
      [day('2017-08-04'), 1],
    ]);
  });

  it('dcount_intersect reads hll() states of the stored table', async () => {
    const q = 'Visits_CL | summarize all = hll(UserId), eu = hll(iif(Region == "eu", UserId, "")), late = hll(iif(Seen >= datetime(2017-08-03), UserId, "")) | evaluate dcount_intersect(all, eu, late) | project-away all, eu, late';
    // '' is one more value of eu and late, but not of all: no intersection holds it
    assert.deepEqual(await rows(q), [[8, 6, 3]]);
  });

  it('more periods than the limit is a 400 naming it; exactly the limit runs', async () => {
    const source = 'range T from 0 to 0 step 1 | extend Id = 1';
    const err = await badRequest(`${source} | evaluate activity_counts_metrics(Id, T, 0, ${ACTIVITY_MAX_PERIODS}, 1)`);
    assert.equal(err.code, 'BadArgumentError');
    assert.match(err.message, new RegExp(`produce at most ${ACTIVITY_MAX_PERIODS} periods`));
    const b = vigil.bootstrap;
    await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, `${source} | evaluate sliding_window_counts(Id, T, 0, ${ACTIVITY_MAX_PERIODS}, 1, 1)`, { duration: 'P1D' }), /periods/);
    assert.deepEqual(await rows(`${source} | evaluate activity_counts_metrics(Id, T, 0, ${ACTIVITY_MAX_PERIODS - 1}, 1)`), [[0, 1, 1, 1, 1]]);
    // new_activity_metrics compares every pair of periods: its limit is lower
    const nam = await badRequest(`${source} | evaluate new_activity_metrics(Id, T, 0, ${NEW_ACTIVITY_MAX_PERIODS}, 1)`);
    assert.match(nam.message, new RegExp(`compares at most ${NEW_ACTIVITY_MAX_PERIODS} periods`));
    assert.deepEqual(await rows(`${source} | evaluate new_activity_metrics(Id, T, 0, ${NEW_ACTIVITY_MAX_PERIODS - 1}, 1) | summarize count(), sum(dcount_retained_values)`), [[NEW_ACTIVITY_MAX_PERIODS * (NEW_ACTIVITY_MAX_PERIODS + 1) / 2, 1]]);
  });

  it('a step that is not positive is a 400', async () => {
    const err = await badRequest('range T from 0 to 3 step 1 | extend Id = 1, s = 0 | evaluate activity_counts_metrics(Id, T, 0, 3, toscalar(print z = 0))');
    assert.equal(err.code, 'BadArgumentError');
    assert.match(err.message, /greater than zero/);
  });
});
