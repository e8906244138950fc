/**
 * Issue #12, the pattern-mining plugins end to end: `evaluate basket()`, `autocluster()` and
 * `diffpatterns()` over a table ingested with the official Logs Ingestion SDK (stored in the
 * workspace's DuckDB files), queried with the official query SDK on a real server; their runtime
 * function passes the store's statement guard; the row limit is a 400 with Azure's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PATTERN_PLUGIN_ROW_LIMIT } from '../../src/kql/pattern-plugins.js';
import { MAX_ITEMSETS } from '../../src/kql/runtime/patterns.js';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import type { Column } from '../support/log-table.js';
import { queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'State', type: 'string' },
  { name: 'EventType', type: 'string' },
  { name: 'Damage', type: 'string' },
  { name: 'DamageCrops', type: 'int' },
];
/** The ten rows of test/kql/cases-plugins2.ts's STORMS, with Damage already derived. */
const STORMS: [string, string, string, number][] = [
  ['TEXAS', 'Hail', 'NO', 0],
  ['TEXAS', 'Hail', 'NO', 0],
  ['KANSAS', 'Hail', 'NO', 0],
  ['IOWA', 'Hail', 'NO', 0],
  ['IOWA', 'Hail', 'YES', 0],
  ['TEXAS', 'Thunderstorm Wind', 'YES', 10],
  ['KANSAS', 'Thunderstorm Wind', 'YES', 0],
  ['IOWA', 'Flood', 'NO', 0],
  ['TEXAS', 'Flood', 'YES', 20],
  ['KANSAS', 'Thunderstorm Wind', 'NO', 0],
];
const SOURCE = 'Storms_CL | project State, EventType, Damage, DamageCrops';

describe('pattern plugins (basket, autocluster, diffpatterns) over the query API', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);
  const sorted = (r: unknown[][]) => r.map((x) => JSON.stringify(x)).sort();

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'Storms_CL', COLUMNS, STORMS.map(([State, EventType, Damage, DamageCrops]) => ({ TimeGenerated: now, State, EventType, Damage, DamageCrops })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('basket returns the closed frequent itemsets of a stored table', async () => {
    const got = await rows(`${SOURCE} | evaluate basket(0.3, '~', '~', '*', int(-1))`);
    assert.deepEqual(sorted(got), sorted([
      [0, 8, 80, '*', '*', '*', 0],
      [1, 6, 60, '*', '*', 'NO', 0],
      [2, 5, 50, '*', 'Hail', '*', 0],
      [3, 4, 40, 'TEXAS', '*', '*', -1],
      [4, 4, 40, '*', '*', 'YES', -1],
      [5, 4, 40, '*', 'Hail', 'NO', 0],
      [6, 3, 30, '*', 'Thunderstorm Wind', '*', -1],
      [7, 3, 30, 'KANSAS', '*', '*', 0],
      [8, 3, 30, 'IOWA', '*', '*', 0],
    ]));
  });

  it('autocluster and diffpatterns run on the stored table', async () => {
    assert.deepEqual(await rows(`${SOURCE} | project-away DamageCrops | evaluate autocluster(0.6)`), [
      [0, 4, 40, '', 'Hail', 'NO'],
      [1, 4, 40, '', '', 'YES'],
      [2, 2, 20, 'KANSAS', '', 'NO'],
      [3, 2, 20, 'IOWA', '', 'NO'],
    ]);
    const diff = await rows(`${SOURCE} | evaluate diffpatterns(Damage, "NO", "YES", "~", 0.3)`);
    assert.deepEqual(diff.map((r) => [r[0], r[1], r[2], r[6], r[7], r[8]]), [
      [0, 6, 2, '', '', 0],
      [1, 1, 2, '', 'Thunderstorm Wind', null],
    ]);
  });

  it('an input past the row limit is a 400 with the error shape, naming the limit', async () => {
    const b = vigil.bootstrap;
    const query = `range x from 1 to ${PATTERN_PLUGIN_ROW_LIMIT + 1} step 1 | evaluate basket()`;
    await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, query, { duration: 'P1D' }), new RegExp(`read at most ${PATTERN_PLUGIN_ROW_LIMIT} rows`));
    const token = await tokenFor(b, 'https://api.loganalytics.io');
    const r = await rawRequest(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, JSON.stringify({ query }), { 'content-type': 'application/json' });
    assert.equal(r.status, 400, r.text);
    const body = r.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'BadArgumentError');
    assert.match(body.error.message, /the pattern plugins \(basket, autocluster, diffpatterns\) read at most/);
    // exactly the limit is accepted
    const ok = await rows(`range x from 1 to ${PATTERN_PLUGIN_ROW_LIMIT} step 1 | extend k = "a" | project k | evaluate basket()`);
    assert.deepEqual(ok, [[0, PATTERN_PLUGIN_ROW_LIMIT, 100, 'a']]);
  });

  it('an input with more frequent patterns than the miner holds is a 400 naming that limit', async () => {
    const b = vigil.bootstrap;
    // 20 columns equal in every row: C(20,1) + … + C(20,5) = 21699 frequent itemsets of at most 5 items
    const wide = `print ${Array.from({ length: 20 }, (_, i) => `a${i} = "x"`).join(', ')}`;
    await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, `${wide} | evaluate basket()`, { duration: 'P1D' }), new RegExp(`more than ${MAX_ITEMSETS} frequent patterns`));
    // MaxDimensions 3 stays under it (1350 itemsets); the closed ones are the C(20,3) = 1140 of 3 items
    assert.deepEqual(await rows(`${wide} | evaluate basket(0.05, "~", 3) | summarize n = count(), c = max(Count)`), [[1140, 1]]);
  });
});
