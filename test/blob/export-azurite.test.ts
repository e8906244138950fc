/**
 * Issue #17: a data export rule writes to Azurite, Microsoft's Azure Storage emulator (npm `azurite`),
 * exactly as to Azure Storage — shared-key authentication, append blobs in Azure's layout — and a
 * rule can be disabled and enabled again without losing or doubling rows. `.ci/run` installs Azurite
 * into `.ci-azurite/` (it is a 190 MB tool, kept out of the project's dependencies); without it this
 * suite is skipped, saying how to get it. Azurite serves HTTPS with the test CA's server certificate
 * on 127.0.0.1 and a free port, and is stopped by the suite.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { sdkClients } from '../support/clients.js';
import { createLogTable, ingest, queryWithStatistics, tokenFor, LOGS_AUDIENCE, MONITOR_AUDIENCE } from '../support/log-table.js';
import { seedTestCa, TEST_CA_DIR } from '../support/test-ca.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { freePort } from '../support/free-port.js';
import { assertExportedAsStored, readExportedBlobs, type ExportedRow } from '../support/exported-blobs.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const AZURITE = join(ROOT, '.ci-azurite', 'node_modules', '.bin', 'azurite-blob');
const skip = existsSync(AZURITE) ? undefined : 'Azurite is not installed in .ci-azurite (npm install --prefix .ci-azurite azurite@3.35.0; .ci/run does it)';
// Azurite's well-known development account (documented by Microsoft; not a secret).
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe('data export to Azurite (the Azure Storage emulator)', { skip, timeout: 300_000 }, () => {
  let azurite: ChildProcess;
  let azuriteDir: string;
  let blobEndpoint: string;
  let vigil: VigilProcess;
  let ruleId: string;
  const accountId = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator/providers/Microsoft.Storage/storageAccounts/devstoreaccount1';
  const container = 'am-azuritelogs-cl';
  const service = () => new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(ACCOUNT, KEY));

  before(async () => {
    azuriteDir = mkdtempSync(join(tmpdir(), 'vigil-azurite-'));
    const port = await freePort();
    azurite = spawn(AZURITE, ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', azuriteDir, '--cert', join(TEST_CA_DIR, 'tls', 'server.pem'), '--key', join(TEST_CA_DIR, 'tls', 'server-key.pem'), '--skipApiVersionCheck', '--silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    azurite.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    azurite.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    blobEndpoint = `https://127.0.0.1:${port}/${ACCOUNT}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await service().getProperties();
        break;
      } catch (err) {
        if (azurite.exitCode !== null || Date.now() > deadline) throw new Error(`Azurite did not start: ${String(err)}\n${output}`);
        await sleep(250);
      }
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    seedTestCa(dataDir);
    writeFileSync(join(dataDir, 'export-destinations.json'), JSON.stringify({ destinations: [{ resourceId: accountId, blobEndpoint, sharedKey: { accountName: ACCOUNT, accountKey: KEY } }] }), { mode: 0o600 });
    vigil = await startVigil({ dataDir });
    ruleId = await createLogTable(vigil.bootstrap, 'AzuriteLogs_CL', 'AzuriteLogs', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Seq', type: 'long' },
      { name: 'Message', type: 'string' },
    ]);
  });
  after(async () => {
    await vigil?.dispose();
    // Azurite writes to its folder until it has exited: wait for that before removing the folder.
    if (azurite && azurite.exitCode === null && azurite.signalCode === null) {
      const exited = new Promise((res) => azurite.once('exit', res));
      azurite.kill('SIGTERM');
      await exited;
    }
    if (azuriteDir) rmSync(azuriteDir, { recursive: true, force: true });
  });

  const send = async (from: number, n: number) => {
    const b = vigil.bootstrap;
    const token = await tokenFor(b, MONITOR_AUDIENCE);
    const rows = Array.from({ length: n }, (_, k) => ({ TimeGenerated: new Date().toISOString(), Seq: from + k, Message: `azurite ${from + k}` }));
    assert.equal(await ingest(b, token, ruleId, 'AzuriteLogs', rows), 204);
  };

  /** Every exported line, read back through the Blob API with the account key, once `expected` distinct rows are there. */
  const exported = async (expected: number) => {
    const c = service().getContainerClient(container);
    const { lines, blobs } = await waitFor(`${expected} exported rows`, async () => {
      const e = await readExportedBlobs<ExportedRow>(c);
      return new Set(e.lines.map((l) => l._ItemId)).size >= expected ? e : undefined;
    }, 120_000, 500);
    return { lines, names: blobs };
  };

  it('exports continuously into Azurite in Azure’s layout, row by row as stored', async () => {
    const b = vigil.bootstrap;
    await sdkClients(b).logAnalytics.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-azurite', {
      tableNames: ['AzuriteLogs_CL'],
      destination: { resourceId: accountId },
      enable: true,
    });
    for (let i = 0; i < 5; i++) await send(i * 40, 40);
    const stored = await queryWithStatistics(b, await tokenFor(b, LOGS_AUDIENCE), 'AzuriteLogs_CL | project _ItemId, Seq, Message, TimeGenerated');
    assert.equal(stored.rows.length, 200);
    const { lines, names } = await exported(200);
    assertExportedAsStored(lines, stored.rows);
    const ws = b.workspaceResourceId.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const n of names) {
      assert.match(n.name, new RegExp(`^WorkspaceResourceId=${ws}/y=\\d{4}/m=\\d{2}/d=\\d{2}/h=\\d{2}/m=\\d{2}/PT05M(_\\d+)?\\.json$`));
      assert.equal(n.type, 'AppendBlob');
    }
  });

  it('exports nothing while the rule is disabled and resumes, without duplicates, with what arrives after it is enabled again', async () => {
    const b = vigil.bootstrap;
    const exports = sdkClients(b).logAnalytics.dataExports;
    await exports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-azurite', { tableNames: ['AzuriteLogs_CL'], destination: { resourceId: accountId }, enable: false });
    await send(1000, 30);
    await sleep(3_000);
    const during = await exported(0);
    assert.equal(during.lines.filter((l) => l.Seq >= 1000).length, 0, 'nothing is exported while the rule is disabled');
    await exports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-azurite', { tableNames: ['AzuriteLogs_CL'], destination: { resourceId: accountId }, enable: true });
    await send(2000, 30);
    // 200 rows from the first test and the 30 sent after re-enabling; the 30 sent while disabled never come.
    const { lines } = await exported(230);
    const ids = lines.map((l) => l._ItemId);
    assert.equal(new Set(ids).size, ids.length, 'no row is exported twice');
    const seqs = new Set(lines.map((l) => l.Seq));
    for (let s = 2000; s < 2030; s++) assert.ok(seqs.has(s), `row ${s} after re-enabling was exported`);
    // As in Azure (and the README): a rule exports what arrives after it is enabled again, no backfill.
    for (let s = 1000; s < 1030; s++) assert.ok(!seqs.has(s), `row ${s} stored while the rule was disabled is not exported`);
  });
});
