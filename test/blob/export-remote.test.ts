/**
 * Issue #17: the same data export rule works against any storage that speaks the Azure Blob API. Here
 * the destination is a storage account in ANOTHER Vigil process (standing in for Azure Storage or
 * Azurite), mapped by the operator in `export-destinations.json` and written by a least-privileged
 * service principal of that other Vigil (Storage Blob Data Contributor) into a locked WORM container.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageManagementClient } from '@azure/arm-storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { sdkClients } from '../support/clients.js';
import { createLogTable, ingest, queryWithStatistics, tokenFor, LOGS_AUDIENCE, MONITOR_AUDIENCE } from '../support/log-table.js';
import { Principals } from '../support/principals.js';
import { seedTestCa } from '../support/test-ca.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { assertExportedAsStored, readExportedBlobs, type ExportedRow } from '../support/exported-blobs.js';
import { waitFor } from '../support/wait-for.js';


describe('data export to a remote Blob endpoint (export-destinations.json)', () => {
  let remote: VigilProcess;
  let local: VigilProcess;
  let remoteAccountId: string;
  const container = 'am-remotelogs-cl';

  before(async () => {
    // The remote storage: an account, a locked container that allows protected appends, and a writer.
    remote = await startVigil();
    const rb = remote.bootstrap;
    const rc = sdkClients(rb);
    const storage = new StorageManagementClient(rc.credential, rb.subscriptionId, { endpoint: rb.endpoint });
    const account = await storage.storageAccounts.create(rb.resourceGroup, 'remotecopy', { location: 'local', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    remoteAccountId = account.id!;
    await storage.blobContainers.create(rb.resourceGroup, 'remotecopy', container, {});
    const p = await storage.blobContainers.createOrUpdateImmutabilityPolicy(rb.resourceGroup, 'remotecopy', container, {
      parameters: { immutabilityPeriodSinceCreationInDays: 30, allowProtectedAppendWrites: true },
    });
    await storage.blobContainers.lockImmutabilityPolicy(rb.resourceGroup, 'remotecopy', container, p.etag!);
    const principals = new Principals(rb);
    const writer = await principals.create('exporter');
    await principals.assign(writer.objectId, 'Storage Blob Data Contributor', remoteAccountId);
    const adminOid = JSON.parse(Buffer.from((await rc.credential.getToken('https://storage.azure.com/.default'))!.token.split('.')[1]!, 'base64url').toString()).oid as string;
    await principals.assign(adminOid, 'Storage Blob Data Reader', remoteAccountId);

    // The exporting Vigil, told where that account lives and how to sign in to it.
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    seedTestCa(dataDir);
    writeFileSync(
      join(dataDir, 'export-destinations.json'),
      JSON.stringify({
        destinations: [
          {
            resourceId: remoteAccountId,
            blobEndpoint: `${rb.endpoint}/remotecopy`,
            clientSecret: { tenantId: rb.tenantId, clientId: writer.appId, clientSecret: writer.secret, authorityHost: rb.authorityHost },
          },
        ],
      }),
      { mode: 0o600 },
    );
    local = await startVigil({ dataDir });
  });
  after(async () => {
    await local?.dispose();
    await remote?.dispose();
  });

  it('exports continuously into the remote locked container, row by row as stored', async () => {
    const b = local.bootstrap;
    const ruleId = await createLogTable(b, 'RemoteLogs_CL', 'RemoteLogs', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Seq', type: 'long' },
      { name: 'Message', type: 'string' },
    ]);
    await sdkClients(b).logAnalytics.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'remote', {
      tableNames: ['RemoteLogs_CL'],
      destination: { resourceId: remoteAccountId },
      enable: true,
    });
    const token = await tokenFor(b, MONITOR_AUDIENCE);
    for (let i = 0; i < 10; i++) {
      const rows = Array.from({ length: 30 }, (_, k) => ({ TimeGenerated: new Date().toISOString(), Seq: i * 30 + k, Message: `remote ${i * 30 + k}` }));
      assert.equal(await ingest(b, token, ruleId, 'RemoteLogs', rows), 204);
    }
    const stored = await queryWithStatistics(b, await tokenFor(b, LOGS_AUDIENCE), 'RemoteLogs_CL | project _ItemId, Seq, Message, TimeGenerated');
    assert.equal(stored.rows.length, 300);

    const reader = new BlobServiceClient(`${remote.endpoint}/remotecopy`, sdkClients(remote.bootstrap).credential).getContainerClient(container);
    const { lines, blobs } = await waitFor('300 exported rows', async () => {
      const e = await readExportedBlobs<ExportedRow>(reader);
      return new Set(e.lines.map((l) => l._ItemId)).size >= 300 ? e : undefined;
    }, 90_000, 500);
    const names = blobs.map((x) => x.name);
    assertExportedAsStored(lines, stored.rows);
    const wsId = b.workspaceResourceId.toLowerCase();
    for (const n of names) assert.match(n, new RegExp(`^WorkspaceResourceId=${wsId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/y=\\d{4}/m=\\d{2}/d=\\d{2}/h=\\d{2}/m=\\d{2}/PT05M\\.json$`));
  });

  it('refuses to start with a destinations file others can read (it holds credentials)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    seedTestCa(dataDir);
    writeFileSync(join(dataDir, 'export-destinations.json'), JSON.stringify({ destinations: [] }), { mode: 0o644 });
    chmodSync(join(dataDir, 'export-destinations.json'), 0o644);
    await assert.rejects(startVigil({ dataDir }), /chmod 600/);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
