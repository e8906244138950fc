/**
 * Ingestion statistics count rows once they are stored (issue #20): a request refused after its
 * transformation ran — here a full disk, as `--min-free-disk-mb` above the free space makes every
 * upload one — counts nothing, neither in the rule's `ingestionStatistics` nor (thus) in the
 * VigilIngestionStatistics table; a batch the transformation drops entirely needs no storage and
 * is counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const ARM = 'https://management.azure.com';
const MONITOR = 'https://monitor.azure.com';
const DCR_API = 'api-version=2022-06-01';

type FlowStatistics = { dataFlowIndex: number; rowsReceived: number; rowsDropped: number; rowsIngested: number };

describe('ingestion statistics count only stored rows', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let arm: string;
  let monitor: string;
  const rows = Array.from({ length: 20 }, (_, i) => ({ TimeGenerated: new Date(Date.now() - i * 1000).toISOString(), Level: i % 4, Message: `m${i}` }));
  const rulePath = (name: string) => `/subscriptions/${vigil.bootstrap.subscriptionId}/resourceGroups/${vigil.bootstrap.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/${name}?${DCR_API}`;

  /** A rule whose data flows (transformations) write Custom-Raw into Stats_CL; its immutable id. */
  async function createRule(name: string, transformations: string[]): Promise<string> {
    const body = {
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-Raw': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Level', type: 'int' }, { name: 'Message', type: 'string' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: vigil.bootstrap.workspaceResourceId }] },
        dataFlows: transformations.map((transformKql) => ({ streams: ['Custom-Raw'], destinations: ['la'], transformKql, outputStream: 'Custom-Stats_CL' })),
      },
    };
    const res = await rawRequest(vigil.bootstrap, arm, 'PUT', rulePath(name), JSON.stringify(body), { 'content-type': 'application/json' });
    assert.equal(res.status, 201, res.text);
    return (res.json() as { properties: { immutableId: string } }).properties.immutableId;
  }
  const upload = (immutableId: string, batch: unknown[]) =>
    rawRequest(vigil.bootstrap, monitor, 'POST', `/dataCollectionRules/${immutableId}/streams/Custom-Raw?api-version=2023-01-01`, JSON.stringify(batch), { 'content-type': 'application/json' });
  const statistics = async (name: string) => {
    const got = await rawRequest(vigil.bootstrap, arm, 'GET', rulePath(name));
    assert.equal(got.status, 200, got.text);
    return (got.json() as { properties: { ingestionStatistics: { dataFlows: FlowStatistics[] } } }).properties.ingestionStatistics.dataFlows.map((f) => [f.dataFlowIndex, f.rowsReceived, f.rowsDropped, f.rowsIngested]);
  };

  before(async () => {
    // More free space than any disk has: every upload is refused with 503 StorageFull (the audit tables still write).
    vigil = await startVigil({ args: ['--min-free-disk-mb', String(1024 * 1024 * 1024)] });
    const b = vigil.bootstrap;
    arm = await tokenFor(b, ARM);
    monitor = await tokenFor(b, MONITOR);
    await sdkClients(b).logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Stats_CL', {
      schema: { name: 'Stats_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Level', type: 'int' }, { name: 'Message', type: 'string' }] },
    });
  });
  after(async () => vigil?.dispose());

  it('counts nothing of a request whose transformed rows were refused by storage', async () => {
    const id = await createRule('refused', ['source | where Level >= 2', 'source']);
    const res = await upload(id, rows);
    assert.equal(res.status, 503, res.text);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'StorageFull');
    assert.deepEqual(await statistics('refused'), [], 'a refused request is counted as neither received, dropped nor ingested');
  });

  it('counts a request whose transformation dropped every row (nothing needed storing)', async () => {
    const id = await createRule('all-dropped', ['source | where Level > 100']);
    const res = await upload(id, rows);
    assert.equal(res.status, 204, res.text);
    assert.deepEqual(await statistics('all-dropped'), [[0, rows.length, rows.length, 0]]);
  });
});
