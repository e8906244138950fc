/**
 * KQL operators of issue #12 through the Log Analytics Query API with the official query SDK, on a
 * real server: fork and facet return several result tables (named as in Kusto), scan and the
 * series decomposition run past the store's statement guard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const T = 'datatable(Level:string, Count:long)["Error", 3, "Warning", 1, "Error", 2, "Information", 7]';

describe('KQL result tables and operators over the query API', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => {
    await vigil?.dispose();
  });

  async function tables(query: string): Promise<LogsTable[]> {
    const b = vigil.bootstrap;
    const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, query, { duration: 'PT1H' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status !== LogsQueryResultStatus.Success) return [];
    return r.tables;
  }

  it('fork returns one table per leg, named by name= or as', async () => {
    const t = await tables(`${T} | fork (where Level == "Error" | summarize n = sum(Count)) Busy = (where Count > 2 | project Level | sort by Level asc) (take 1 | count | as Counted)`);
    assert.deepEqual(t.map((x) => x.name), ['GenericResult', 'Busy', 'Counted']);
    assert.deepEqual(t[0]!.rows, [[5]]);
    assert.deepEqual(t[1]!.rows, [['Error'], ['Information']]);
    assert.deepEqual(t[2]!.rows, [[1]]);
    assert.deepEqual(t[1]!.columnDescriptors.map((c) => c.name), ['Level']);
  });

  it('facet returns the with-table, then a count per value of each column', async () => {
    const t = await tables(`${T} | facet by Level, Count with (where Count >= 3 | sort by Count asc)`);
    assert.deepEqual(t.map((x) => x.name), ['GenericResult', 'Level', 'Count']);
    assert.deepEqual(t[0]!.rows, [['Error', 3], ['Information', 7]]);
    assert.deepEqual(t[1]!.rows.map((r) => `${r[0]}=${r[1]}`).sort(), ['Error=2', 'Information=1', 'Warning=1']);
    assert.deepEqual(t[2]!.columnDescriptors.map((c) => c.name), ['Count', 'count_Count']);
  });

  it('fork is the last operator only, and a bad leg is a 400 with the error shape', async () => {
    const b = vigil.bootstrap;
    await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, `${T} | fork (count) | take 1`, { duration: 'PT1H' }), /can only be the last operator/);
    await assert.rejects(sdkClients(b).query.queryWorkspace(b.workspaceId, `${T} | fork (where Nope > 1)`, { duration: 'PT1H' }), /Nope/);
  });

  it('scan runs its documented example', async () => {
    const t = await tables('range x from 1 to 5 step 1 | scan declare (cumulative_x:long=0) with (step s1: true => cumulative_x = x + s1.cumulative_x;)');
    assert.deepEqual(t[0]!.rows, [[1, 1], [2, 3], [3, 6], [4, 10], [5, 15]]);
  });

  it('series_decompose_anomalies flags the outliers of a seasonal series', async () => {
    const t = await tables('range t from 1 to 24*7*5 step 1 | extend y = iff((t/24)%7>=5, 10.0, 15.0) - (((t%24)/10)*((t%24)/10)) | extend y=iff(t==150 or t==200, y-8.0, y) | extend y=iff(t==300, y+8.0, y) | summarize y=make_list(y, 10000) | extend series_decompose_anomalies(y) | mv-expand with_itemindex=i f = series_decompose_anomalies_y_ad_flag to typeof(long) | where f != 0 | project t = i + 1, f');
    assert.deepEqual(t[0]!.rows, [[150, -1], [200, -1], [300, 1]]);
  });
});
