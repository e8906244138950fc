/**
 * Issue #17, continuous data export to immutable storage, end to end through the official SDKs:
 * rules with `@azure/arm-operationalinsights` `dataExports`, destination containers locked with
 * `@azure/arm-storage`, rows sent with the Logs Ingestion API, exported blobs read back with
 * `@azure/storage-blob`, and the workspace read with the Query API — against a real Vigil process
 * that is killed (SIGKILL) in the middle of the ingestion load and started again.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { StorageManagementClient } from '@azure/arm-storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { sdkClients } from '../support/clients.js';
import { readExportedBlobs } from '../support/exported-blobs.js';
import { createLogTable, ingest, queryWithStatistics, tokenFor, LOGS_AUDIENCE, MONITOR_AUDIENCE } from '../support/log-table.js';
import { Principals } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { waitFor } from '../support/wait-for.js';

const TABLE = 'ExportLogs_CL';
const STREAM = 'ExportLogs';
const ACCOUNT = 'vigilexport';
const AUDIT_ACCOUNT = 'vigilauditcopy';
// Container names allow only lower-case letters, digits and hyphens: `_CL` becomes `-cl`.
const CONTAINER = 'am-exportlogs-cl';

type Line = Record<string, unknown> & { _ItemId: string; Seq: number; Message: string; TimeGenerated: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `vigil export verify …` as an operator runs it; resolves with its exit code and output. */
function exportVerify(dataDir: string, account: string, container: string): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, 'export', 'verify', '--data-dir', dataDir, '--account', account, '--container', container], { timeout: 120_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('data export (dataExports → am-{table} append blobs in Vigil\'s immutable store)', () => {
  let vigil: VigilProcess;
  let ruleId: string;

  const clients = () => {
    const b = vigil.bootstrap;
    const c = sdkClients(b);
    return {
      ...c,
      storage: new StorageManagementClient(c.credential, b.subscriptionId, { endpoint: b.endpoint }),
      blobs: (account: string) => new BlobServiceClient(`${b.endpoint}/${account}`, c.credential),
    };
  };
  const accountId = (name: string) => `/subscriptions/${vigil.bootstrap.subscriptionId}/resourceGroups/${vigil.bootstrap.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${name}`;

  const exportedLines = (account: string, container: string) =>
    readExportedBlobs<Line>(clients().blobs(account).getContainerClient(container));

  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    const c = clients();
    ruleId = await createLogTable(b, TABLE, STREAM, [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Seq', type: 'long' },
      { name: 'Message', type: 'string' },
      { name: 'Props', type: 'dynamic' },
    ]);
    for (const name of [ACCOUNT, AUDIT_ACCOUNT]) {
      await c.storage.storageAccounts.create(b.resourceGroup, name, { location: 'local', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    }
    const token = await c.credential.getToken('https://storage.azure.com/.default');
    const oid = JSON.parse(Buffer.from(token!.token.split('.')[1]!, 'base64url').toString()).oid as string;
    const principals = new Principals(b);
    for (const name of [ACCOUNT, AUDIT_ACCOUNT]) await principals.assign(oid, 'Storage Blob Data Owner', accountId(name));
    // The export target is WORM before the first row arrives: a locked policy that allows protected appends.
    await c.storage.blobContainers.create(b.resourceGroup, ACCOUNT, CONTAINER, {});
    const p = await c.storage.blobContainers.createOrUpdateImmutabilityPolicy(b.resourceGroup, ACCOUNT, CONTAINER, {
      parameters: { immutabilityPeriodSinceCreationInDays: 30, allowProtectedAppendWrites: true },
    });
    await c.storage.blobContainers.lockImmutabilityPolicy(b.resourceGroup, ACCOUNT, CONTAINER, p.etag!);
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('manages export rules through @azure/arm-operationalinsights', async () => {
    const b = vigil.bootstrap;
    const la = clients().logAnalytics;
    const rule = await la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-worm', { tableNames: [TABLE], destination: { resourceId: accountId(ACCOUNT) }, enable: true });
    assert.deepEqual(rule.tableNames, [TABLE]);
    assert.equal(rule.destination?.resourceId, accountId(ACCOUNT));
    assert.equal(rule.enable, true);
    assert.ok(rule.dataExportId);
    const got = await la.dataExports.get(b.resourceGroup, b.workspaceName, 'to-worm');
    assert.equal(got.dataExportId, rule.dataExportId);
    const names: string[] = [];
    for await (const r of la.dataExports.listByWorkspace(b.resourceGroup, b.workspaceName)) names.push(r.name!);
    assert.deepEqual(names, ['to-worm']);

    const bad = (p: Promise<unknown>, status: number) => assert.rejects(p, (e: any) => e.statusCode === status);
    await bad(la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'nope', { tableNames: ['Missing_CL'], destination: { resourceId: accountId(AUDIT_ACCOUNT) } }), 400);
    await bad(la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'nope', { tableNames: [TABLE], destination: { resourceId: accountId('doesnotexist') } }), 400);
    await bad(la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'nope', { tableNames: [TABLE], destination: { resourceId: accountId(ACCOUNT) } }), 400); // one rule per destination
    await bad(la.dataExports.get(b.resourceGroup, b.workspaceName, 'nope'), 404);

    // A principal without read access to the table cannot export it, even with dataExports/write.
    const principals = new Principals(b);
    const contributor = await principals.create('export-writer');
    await principals.assign(contributor.objectId, 'Monitoring Contributor', b.workspaceResourceId);
    await principals.assign(contributor.objectId, 'Storage Blob Data Contributor', accountId(AUDIT_ACCOUNT));
    const asContributor = new (la.constructor as any)(contributor.credential, b.subscriptionId, { endpoint: b.endpoint });
    await bad(asContributor.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'sneaky', { tableNames: [TABLE], destination: { resourceId: accountId(AUDIT_ACCOUNT) } }), 403);
  });

  it('exports every row under ingestion load across a SIGKILL restart, in Azure\'s layout, into a locked container', async () => {
    let seq = 0;
    const acknowledged = new Set<number>();
    // The token is fetched before a wave starts: a kill must only ever interrupt ingestion requests.
    const send = async (batches: number, token: string) => {
      for (let i = 0; i < batches; i++) {
        const rows = Array.from({ length: 40 }, () => {
          seq++;
          // 7 fractional digits (100-ns ticks), which the export keeps
          const time = new Date().toISOString().replace('Z', `${String(seq % 10_000).padStart(4, '0')}Z`);
          return { TimeGenerated: time, Seq: seq, Message: `row ${seq} \u00e9 "quoted"`, Props: { n: seq, tags: ['a', 'b'] } };
        });
        const status = await ingest(vigil.bootstrap, token, ruleId, STREAM, rows).catch(() => 0);
        if (status === 204) for (const r of rows) acknowledged.add(r.Seq);
      }
    };
    // Load, with the exporter running; a kill in the middle of a second wave of load.
    await send(25, await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE));
    await sleep(2500);
    const wave = send(40, await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE));
    await sleep(400);
    const dataDir = vigil.dataDir;
    await vigil.kill();
    await wave;
    vigil = await startVigil({ dataDir });
    await send(25, await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE));
    assert.ok(acknowledged.size >= 2000, `acknowledged ${acknowledged.size}`);

    const logsToken = await tokenFor(vigil.bootstrap, LOGS_AUDIENCE);
    const stored = await queryWithStatistics(vigil.bootstrap, logsToken, `${TABLE} | project _ItemId, Seq, Message, TimeGenerated, Props`);
    assert.equal(stored.status, 200);
    const workspace = new Map(stored.rows.map((r) => [String(r[0]), r]));
    for (const s of acknowledged) assert.ok(stored.rows.some((r) => Number(r[1]) === s) || false, `acknowledged row ${s} missing from the workspace`);

    const { lines, blobs } = await waitFor('the export to catch up', async () => {
      const e = await exportedLines(ACCOUNT, CONTAINER);
      const ids = new Set(e.lines.map((l) => l._ItemId));
      return [...workspace.keys()].every((id) => ids.has(id)) ? e : undefined;
    });

    // Row by row: every stored row is exported exactly as stored; nothing exported that is not stored.
    const seen = new Map<string, number>();
    for (const l of lines) {
      const row = workspace.get(l._ItemId);
      assert.ok(row, `exported row ${l._ItemId} (Seq ${l.Seq}) is not in the workspace`);
      assert.equal(l.Seq, Number(row[1]));
      assert.equal(l.Message, row[2]);
      assert.equal(l.TimeGenerated, row[3]);
      assert.ok(l.TimeGenerated.endsWith(`${String(l.Seq % 10_000).padStart(4, '0')}Z`), `all 7 digits of row ${l.Seq}: ${l.TimeGenerated}`);
      assert.deepEqual(l.Props, JSON.parse(String(row[4])));
      assert.equal(l.Type, TABLE);
      assert.equal(l.TenantId, vigil.bootstrap.workspaceId);
      seen.set(l._ItemId, (seen.get(l._ItemId) ?? 0) + 1);
    }
    assert.equal(seen.size, workspace.size);
    const duplicates = lines.length - seen.size;
    // At-least-once: only a batch written just before the kill may be written again.
    assert.ok(duplicates <= 40 * 40, `${duplicates} duplicates`);

    // Azure's layout: lower-cased workspace id, 5-minute folders by TimeGenerated, append blobs.
    const wsId = vigil.bootstrap.workspaceResourceId.toLowerCase();
    for (const blob of blobs) {
      assert.equal(blob.type, 'AppendBlob');
      const m = /^WorkspaceResourceId=(.+)\/y=(\d{4})\/m=(\d{2})\/d=(\d{2})\/h=(\d{2})\/m=(\d{2})\/PT05M(_\d+)?\.json$/.exec(blob.name);
      assert.ok(m, blob.name);
      assert.equal(m[1], wsId);
      assert.equal(Number(m[6]) % 5, 0);
    }
    const c = clients().blobs(ACCOUNT).getContainerClient(CONTAINER);
    for (const l of lines.slice(0, 50)) {
      const t = new Date(l.TimeGenerated);
      const mm = String(Math.floor(t.getUTCMinutes() / 5) * 5).padStart(2, '0');
      const folder = `WorkspaceResourceId=${wsId}/y=${t.getUTCFullYear()}/m=${String(t.getUTCMonth() + 1).padStart(2, '0')}/d=${String(t.getUTCDate()).padStart(2, '0')}/h=${String(t.getUTCHours()).padStart(2, '0')}/m=${mm}/PT05M.json`;
      assert.ok(blobs.some((x) => x.name === folder), `no blob ${folder} for ${l.TimeGenerated}`);
    }
    // The operator's proof, through the public APIs: every row of the span is exported, unchanged.
    const verified = await exportVerify(vigil.dataDir, ACCOUNT, CONTAINER);
    assert.equal(verified.code, 0, verified.out);
    assert.match(verified.out, new RegExp(`${workspace.size} rows exported .* ${workspace.size} rows in the workspace`));
    assert.match(verified.out, /^OK: /m);

    // The exported copy survives the account's Owner.
    await assert.rejects(c.getBlobClient(blobs[0]!.name).delete(), (e: any) => e.statusCode === 409 && e.code === 'BlobImmutableDueToPolicy');
  });

  it('exports the query audit (LAQueryLogs)', async () => {
    const b = vigil.bootstrap;
    const c = clients();
    await c.monitor.diagnosticSettings.createOrUpdate(b.workspaceResourceId, 'audit', { workspaceId: b.workspaceResourceId, logs: [{ category: 'Audit', enabled: true }] });
    await c.logAnalytics.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'audit-copy', { tableNames: ['LAQueryLogs'], destination: { resourceId: accountId(AUDIT_ACCOUNT) }, enable: true });
    const marker = `marker_${Date.now()}`;
    const token = await tokenFor(b, LOGS_AUDIENCE);
    const q = await queryWithStatistics(b, token, `print x = '${marker}'`);
    assert.equal(q.status, 200);
    const line = await waitFor('the audit row to be exported', async () => {
      const e = await exportedLines(AUDIT_ACCOUNT, 'am-laquerylogs');
      return e.lines.find((l) => String(l.QueryText ?? '').includes(marker));
    });
    assert.equal(line.Type, 'LAQueryLogs');
    assert.equal(line.ResponseCode, 200);
    const verified = await exportVerify(vigil.dataDir, AUDIT_ACCOUNT, 'am-laquerylogs');
    assert.equal(verified.code, 0, verified.out);
  });

  it('a disabled rule exports nothing; re-enabled, it exports what arrives from then on', async () => {
    const b = vigil.bootstrap;
    const la = clients().logAnalytics;
    await la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-worm', { tableNames: [TABLE], destination: { resourceId: accountId(ACCOUNT) }, enable: false });
    assert.equal((await la.dataExports.get(b.resourceGroup, b.workspaceName, 'to-worm')).enable, false);
    const token = await tokenFor(b, MONITOR_AUDIENCE);
    const row = (Seq: number, Message: string) => ({ TimeGenerated: new Date().toISOString(), Seq, Message, Props: {} });
    assert.equal(await ingest(b, token, ruleId, STREAM, [row(900001, 'while-disabled')]), 204);
    await sleep(5000);
    assert.equal((await exportedLines(ACCOUNT, CONTAINER)).lines.some((l) => l.Message === 'while-disabled'), false);
    await la.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'to-worm', { tableNames: [TABLE], destination: { resourceId: accountId(ACCOUNT) }, enable: true });
    assert.equal(await ingest(b, token, ruleId, STREAM, [row(900002, 'after-enable')]), 204);
    const lines = await waitFor('the row sent after re-enabling', async () => {
      const e = await exportedLines(ACCOUNT, CONTAINER);
      return e.lines.some((l) => l.Message === 'after-enable') ? e.lines : undefined;
    });
    assert.equal(lines.some((l) => l.Message === 'while-disabled'), false);
    // What arrived while the rule was off is in the workspace but not in the export: verify says so.
    const verified = await exportVerify(vigil.dataDir, ACCOUNT, CONTAINER);
    assert.equal(verified.code, 1, verified.out);
    assert.match(verified.out, /MISSING from the export: 1 /);

    await la.dataExports.delete(b.resourceGroup, b.workspaceName, 'to-worm');
    await assert.rejects(la.dataExports.get(b.resourceGroup, b.workspaceName, 'to-worm'), (e: any) => e.statusCode === 404);
  });

  it('chains every exported block into the export ledger that vigil verify checks, and catches bytes the exporter did not write', async () => {
    const dataDir = vigil.dataDir;
    const verify = () => spawnSync(process.execPath, [CLI, 'verify', '--data-dir', dataDir, '--insecure-dev-keys'], { encoding: 'utf8' });
    await vigil.stop();
    const clean = verify();
    assert.equal(clean.status, 0, `${clean.stdout}${clean.stderr}`);
    assert.match(clean.stdout, /checked the export ledger: \d+ entr(?:y|ies), \d+ exported blob\(s\) in Vigil's blob store: every exported blob is exactly what the exporter wrote/);
    // Protected appends let anyone with a data role add to an export blob; the ledger shows it.
    vigil = await startVigil({ dataDir });
    const c = clients().blobs(ACCOUNT).getContainerClient(CONTAINER);
    let target = '';
    for await (const item of c.listBlobsFlat()) target = item.name;
    const forged = '{"Seq":-1,"Message":"forged"}\n';
    await c.getAppendBlobClient(target).appendBlock(forged, forged.length);
    await vigil.stop();
    const caught = verify();
    assert.equal(caught.status, 1, caught.stdout);
    assert.match(caught.stdout, new RegExp(`${forged.length} bytes from offset \\d+ were not written by the exporter`));
    vigil = await startVigil({ dataDir });
  });
});
