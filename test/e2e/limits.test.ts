/**
 * Every limit is enforced: query time (504), result rows (PartialError with the rows that fit),
 * result bytes, ingestion request rate (429 with Retry-After), query text size, batch size.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('limits', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  let queryToken: string;
  const query = (body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(vigil.bootstrap, queryToken, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, JSON.stringify(body), { 'content-type': 'application/json', ...headers });

  before(async () => {
    vigil = await startVigil({ args: ['--query-max-rows', '1000', '--query-max-bytes', '200000', '--ingest-requests-per-minute', '3'] });
    queryToken = await tokenFor(vigil.bootstrap, 'https://api.loganalytics.io');
  });
  after(async () => vigil?.dispose());

  it('stops a query that runs past Prefer: wait with a 504', async () => {
    const started = Date.now();
    const res = await query({ query: 'range x from 1 to 5000000000 step 1 | where x % 7 == 3 | summarize sum(x)' }, { prefer: 'wait=1' });
    assert.equal(res.status, 504, res.text);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'GatewayTimeout');
    assert.ok(Date.now() - started < 30_000, 'the engine was interrupted, not left to finish');
    // The server is still healthy afterwards.
    const ok = await query({ query: 'print x = 1' });
    assert.equal(ok.status, 200, ok.text);
  });

  it('truncates a result over the row limit and says so, as Azure does', async () => {
    const r = await sdkClients(vigil.bootstrap).query.queryWorkspace(vigil.bootstrap.workspaceId, 'range x from 1 to 5000 step 1', { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.PartialFailure);
    if (r.status !== LogsQueryResultStatus.PartialFailure) return;
    assert.equal(r.partialTables[0]!.rows.length, 1000);
    assert.match(r.partialError.message + JSON.stringify(r.partialError.details), /record count limit 1000/);
  });

  it('truncates a result over the size limit', async () => {
    const res = await query({ query: "range x from 1 to 900 step 1 | extend s = strcat(tostring(x), '-', '" + 'y'.repeat(400) + "')" });
    assert.equal(res.status, 200, res.text);
    const body = res.json() as { tables: { rows: unknown[] }[]; error?: { code: string; details: { message: string }[] } };
    assert.equal(body.error?.code, 'PartialError');
    assert.match(body.error!.details[0]!.message, /data size limit 200000/);
    assert.ok(body.tables[0]!.rows.length < 900 && body.tables[0]!.rows.length > 0);
    // Exactly the rows whose texts (and a separator each) fit in the limit: one more would not.
    const rows = body.tables[0]!.rows;
    const used = rows.reduce((n: number, row) => n + JSON.stringify(row).length + 1, 0);
    const next = JSON.stringify([rows.length + 1, `${rows.length + 1}-${'y'.repeat(400)}`]).length + 1;
    assert.ok(used <= 200_000 && used + next > 200_000, `${rows.length} rows use ${used} of 200000; the next needs ${next}`);
  });

  it('throttles ingestion per rule with 429 and Retry-After', async () => {
    const b = vigil.bootstrap;
    const { logAnalytics, monitor } = sdkClients(b);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Rate_CL', {
      schema: { name: 'Rate_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'N', type: 'int' }] },
    });
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'rate', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Rate': { columns: [{ name: 'N', type: 'int' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Rate'], destinations: ['la'], outputStream: 'Custom-Rate_CL' }],
      },
    });
    const token = await tokenFor(b, 'https://monitor.azure.com');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(b, token, 'POST', `/dataCollectionRules/${rule.immutableId}/streams/Custom-Rate?api-version=2023-01-01`, JSON.stringify([{ N: i }]), { 'content-type': 'application/json' });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    assert.deepEqual(statuses, [204, 204, 204, 429, 429]);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60);
    const count = await query({ query: 'Rate_CL | count' });
    assert.deepEqual((count.json() as { tables: { rows: unknown[] }[] }).tables[0]!.rows, [[3]]);
  });

  it('OTLP exports and Logs Ingestion calls share one request budget per rule', async () => {
    const b = vigil.bootstrap;
    const { logAnalytics, monitor } = sdkClients(b);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Rate_CL', {
      schema: { name: 'Rate_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'N', type: 'int' }] },
    });
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'rate-otlp', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Rate': { columns: [{ name: 'N', type: 'int' }] } },
        directDataSources: { otelLogs: [{ streams: ['Microsoft-OTel-Logs'] }] },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [
          { streams: ['Custom-Rate'], destinations: ['la'], outputStream: 'Custom-Rate_CL' },
          { streams: ['Microsoft-OTel-Logs'], destinations: ['la'] },
        ],
      },
    });
    const token = await tokenFor(b, 'https://monitor.azure.com');
    const logs = () => rawRequest(b, token, 'POST', `/dataCollectionRules/${rule.immutableId}/streams/Custom-Rate?api-version=2023-01-01`, '[{"N":1}]', { 'content-type': 'application/json' });
    const otlp = () => rawRequest(b, token, 'POST', `/datacollectionRules/${rule.immutableId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs`, '{"resourceLogs":[]}', { 'content-type': 'application/json' });
    const statuses = [(await logs()).status, (await otlp()).status, (await logs()).status];
    const over = await otlp();
    assert.deepEqual([...statuses, over.status, (await logs()).status], [204, 200, 204, 429, 429]);
    assert.equal((over.json() as { error: { code: string } }).error.code, 'TooManyRequests');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
  });

  it('refuses an oversized query text and an oversized batch', async () => {
    const long = await query({ query: `print x = '${'a'.repeat(100_001)}'` });
    assert.equal(long.status, 400);
    const ws = vigil.bootstrap.workspaceId;
    const batch = await rawRequest(vigil.bootstrap, queryToken, 'POST', '/v1/$batch', JSON.stringify({ requests: Array.from({ length: 11 }, (_, i) => ({ id: String(i), workspace: ws, body: { query: 'print 1' } })) }), {
      'content-type': 'application/json',
    });
    assert.equal(batch.status, 400);
    assert.equal((batch.json() as { error: { code: string } }).error.code, 'BadArgumentError');
  });
});
