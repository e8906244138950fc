/**
 * Issue #14: the private-data scanner over seeded data — `vigil scan` (the CLI against a running
 * Vigil) and the per-workspace schedule find each planted kind, and no planted value appears in the
 * report, the server's log, the findings table, the activity log, the query audit or the data folder.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { AUD, Principals } from '../support/principals.js';

const run = promisify(execFile);
const ARM = 'https://management.azure.com';

/** The values planted in the data: none may ever leave the table they were ingested into. */
const PLANTED = {
  email: 'planted.person@leak-example.org',
  card: '4539 1488 0343 6467',
  ssn: '219-09-9999',
  custom: 'XC-20481632',
  ipv4: '203.0.113.77',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
  accountKey: 'Zm9vYmFyYmF6cXV4cXV1eDEyMw==',
  aws: 'AKIAQWERTYUIOPASDFGH',
  token: 'q8Vz3LmN7xR2pT9wK4yH6bJ1cF5dG0sA',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('private-data scanner', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let clients: ReturnType<typeof sdkClients>;
  let arm: string;
  const planted = Object.values(PLANTED);
  const settingsPath = () => `${vigil.bootstrap.workspaceResourceId}/privateDataScanSettings/default?api-version=2023-09-01`;
  const q = async (query: string) => {
    const r = await clients.query.queryWorkspace(vigil.bootstrap.workspaceId, query, { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    if (r.status !== LogsQueryResultStatus.Success) throw new Error('unreachable');
    return r.tables[0]!;
  };
  const assertNoPlanted = (where: string, text: string) => {
    for (const v of planted) assert.ok(!text.includes(v), `${where} contains the planted value ${v.slice(0, 4)}…`);
  };

  before(async () => {
    vigil = await startVigil();
    clients = sdkClients(vigil.bootstrap);
    arm = await tokenFor(vigil.bootstrap, ARM);
    const b = vigil.bootstrap;
    const columns = [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
      { name: 'Props', type: 'dynamic' },
      { name: 'Note', type: 'string' },
      { name: 'Clean', type: 'string' },
    ] as const;
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Leaky_CL', {
      schema: { name: 'Leaky_CL', columns: columns.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'leaky', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Leaky': { columns: [...columns] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Leaky'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-Leaky_CL' }],
      },
    });
    const now = Date.now();
    await clients.ingestion.upload(rule.immutableId!, 'Custom-Leaky', [
      { TimeGenerated: new Date(now - 1000).toISOString(), Message: `contact ${PLANTED.email} paid with ${PLANTED.card}`, Props: { ssn: PLANTED.ssn, citizen: PLANTED.custom }, Note: `login from ${PLANTED.ipv4} and ${PLANTED.ipv6}`, Clean: 'nothing to see' },
      { TimeGenerated: new Date(now - 2000).toISOString(), Message: `DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=${PLANTED.accountKey};EndpointSuffix=core.windows.net`, Props: { key: PLANTED.aws }, Note: `session ${PLANTED.token}`, Clean: 'request ok in 12:30:45, version 1.2.3' },
      { TimeGenerated: new Date(now - 3000).toISOString(), Message: 'order 4111111111111112 is not a card', Props: {}, Note: `hash ${'ab12'.repeat(16)}`, Clean: 'fine' },
    ]);
    // A national-id format of this workspace besides the defaults.
    const put = await rawRequest(b, arm, 'PUT', settingsPath(), JSON.stringify({
      properties: { enabled: false, nationalIdPatterns: [{ name: 'us-ssn', regex: String.raw`\b\d{3}-\d{2}-\d{4}\b` }, { name: 'xc-citizen', regex: String.raw`\bXC-\d{8}\b` }] },
    }), { 'content-type': 'application/json' });
    assert.equal(put.status, 200, put.text);
  });
  after(async () => vigil?.dispose());

  it('vigil scan finds each planted kind, with counts and remedies and none of the values', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'scan', '--workspace', vigil.bootstrap.workspaceName, '--since', '1d', '--data-dir', vigil.dataDir, '--json'], { env: { ...process.env } });
    assertNoPlanted('the CLI output', stdout + stderr);
    const report = JSON.parse(stdout) as { scanId: string; findings: { table: string; column: string; pattern: string; matchCount: number; rowsWithMatches: number; rowsSampled: number; suggestedRemedy: string }[] };
    const leaky = report.findings.filter((f) => f.table === 'Leaky_CL');
    const got = leaky.map((f) => `${f.column}:${f.pattern}:${f.matchCount}`).sort();
    assert.deepEqual(got, [
      'Message:email:1',
      'Message:high-entropy-token:1', // the AccountKey value is a random base64 key too
      'Message:payment-card:1',
      'Message:secret:key-value:1',
      'Note:high-entropy-token:1',
      'Note:ipv4:1',
      'Note:ipv6:1',
      'Props:national-id:us-ssn:1',
      'Props:national-id:xc-citizen:1',
      'Props:secret:aws-access-key:1',
    ].sort());
    for (const f of leaky) {
      assert.equal(f.rowsSampled, 3);
      assert.match(f.suggestedRemedy, /transformKql|purge/);
    }
    assert.match(leaky.find((f) => f.pattern === 'email')!.suggestedRemedy, /redact_email\(\['Message'\]\)/);
    // The human-readable form too.
    const text = await run(process.execPath, [CLI, 'scan', '--since', 'P1D', '--data-dir', vigil.dataDir]);
    assertNoPlanted('the CLI text output', text.stdout + text.stderr);
    assert.match(text.stdout, /Leaky_CL\.Message: email — 1 match\(es\) in 1 of 3 sampled row\(s\)/);
  });

  it('records findings in VigilPrivateDataFindings (no values), and runs on the workspace schedule', async () => {
    const put = await rawRequest(vigil.bootstrap, arm, 'PUT', settingsPath(), JSON.stringify({ properties: { enabled: true, intervalHours: 24, lookbackHours: 24 } }), { 'content-type': 'application/json' });
    assert.equal(put.status, 200, put.text);
    let scans: unknown[][] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      scans = (await q("VigilPrivateDataFindings | where ScannedTable == 'Leaky_CL' | summarize n = count() by ScanId")).rows;
      if (scans.length >= 3) break; // two CLI scans and the scheduled one
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(scans.length, 3, JSON.stringify(scans));
    const settings = (await rawRequest(vigil.bootstrap, arm, 'GET', settingsPath())).json() as { properties: { lastRunAt: string | null; enabled: boolean } };
    assert.ok(settings.properties.lastRunAt, 'the scheduled scan ran');
    const all = await q('VigilPrivateDataFindings');
    assertNoPlanted('VigilPrivateDataFindings', JSON.stringify(all.rows));
    const patterns = new Set((await q("VigilPrivateDataFindings | where ScannedTable == 'Leaky_CL' | distinct Pattern")).rows.map((r) => r[0]));
    // The scheduled scan uses the default national-id formats (the setting was replaced without its own list).
    for (const p of ['email', 'payment-card', 'ipv4', 'ipv6', 'secret:key-value', 'secret:aws-access-key', 'high-entropy-token', 'national-id:us-ssn', 'national-id:xc-citizen']) assert.ok(patterns.has(p), p);
  });

  it('never copies a planted value into logs, the activity log, the audit or the data folder', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    assertNoPlanted('the server log', vigil.output());
    assertNoPlanted('AzureActivity', JSON.stringify((await q('AzureActivity')).rows));
    assertNoPlanted('LAQueryLogs', JSON.stringify((await q('LAQueryLogs')).rows));
    for (const f of filesUnder(vigil.dataDir)) assertNoPlanted(f, readFileSync(f).toString('latin1'));
  });

  it('lets only those who may scan run it: a Log Analytics Reader gets 403, and cannot change the schedule', async () => {
    const b = vigil.bootstrap;
    const p = new Principals(b);
    const reader = await p.create('scan-reader');
    await p.assign(reader.objectId, 'Log Analytics Reader', b.workspaceResourceId);
    const token = await reader.token(AUD.arm);
    const scan = await rawRequest(b, token, 'POST', `${b.workspaceResourceId}/scanPrivateData?api-version=2023-09-01`, JSON.stringify({ since: '1d' }), { 'content-type': 'application/json' });
    assert.equal(scan.status, 403, scan.text);
    const put = await rawRequest(b, token, 'PUT', settingsPath(), JSON.stringify({ properties: { enabled: false } }), { 'content-type': 'application/json' });
    assert.equal(put.status, 403, put.text);
    assert.equal((await rawRequest(b, token, 'GET', settingsPath())).status, 200);
  });

  it('refuses a bad look-back window and a bad national-id pattern', async () => {
    const b = vigil.bootstrap;
    const bad = await rawRequest(b, arm, 'POST', `${b.workspaceResourceId}/scanPrivateData?api-version=2023-09-01`, JSON.stringify({ since: 'yesterday' }), { 'content-type': 'application/json' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((bad.json() as { error: { code: string } }).error.code, 'InvalidParameter');
    const badPattern = await rawRequest(b, arm, 'PUT', settingsPath(), JSON.stringify({ properties: { enabled: false, nationalIdPatterns: [{ name: 'x', regex: '(' }] } }), { 'content-type': 'application/json' });
    assert.equal(badPattern.status, 400, badPattern.text);
    const empty = await rawRequest(b, arm, 'PUT', settingsPath(), JSON.stringify({ properties: { enabled: false, nationalIdPatterns: [{ name: 'x', regex: '\\d*' }] } }), { 'content-type': 'application/json' });
    assert.equal(empty.status, 400, empty.text);
  });
});
