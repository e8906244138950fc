/**
 * Issue #15, customer-managed keys for alert data, against a real Vigil: a workspace linked to a
 * dedicated cluster whose key lives in Vigil's key vault (driven with @azure/keyvault-keys), a log
 * search alert rule over it and an action group with a webhook (driven with @azure/arm-monitor).
 * From the outside: no file of the data folder holds the rule's query, its custom properties or the
 * webhook's URL in the clear; revoking the key makes the rule's evaluations fail visibly
 * (CustomerManagedKeyInaccessible in the evaluation history and in the activity log) and holds back a
 * notification still being retried; re-enabling the key resumes evaluation; after a restart the rule
 * and its history read back intact.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeyClient } from '@azure/keyvault-keys';
import { sdkClients } from '../support/clients.js';
import { vaultAgent } from '../support/key-vault.js';
import { AUD, call, Principals } from '../support/principals.js';
import { runCli } from '../support/run-cli.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SQR = 'api-version=2023-12-01';
const KV = 'api-version=2024-11-01';
// Markers: each must be found nowhere in the data folder in the clear.
const QUERY_MARKER = 'QueryMarker7f3a9c';
const URL_MARKER = 'UrlMarker51be02';
const PROPERTY_MARKER = 'PropertyMarker0c44d1';

interface Evaluation {
  evaluatedAt: string;
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  error?: { code: string; message: string };
  notifications: { receiver: string; status: string; attempts: number; lastError?: string }[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

/** Files of the data folder holding `marker` (as UTF-8 or UTF-16); a file renamed away while listing is skipped. */
function filesHolding(dataDir: string, marker: string): string[] {
  const needles = [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')];
  return filesUnder(dataDir).filter((f) => {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch {
      return false;
    }
    return needles.some((n) => data.includes(n));
  });
}

describe('customer-managed keys for alert data', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let receiver: WebhookReceiver | undefined;
  let args: string[];
  let keys: KeyClient;
  let keyVersion: string;
  let wsArm: string;
  /** Requests to /hook/held are answered 503 once the test lets them go (release). */
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const received: { path: string; payload: any; at: number }[] = [];

  const rulePath = (name: string) => `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/scheduledQueryRules/${name}`;
  const agId = (name: string) => `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/actionGroups/${name}`;
  const evaluations = async (name: string): Promise<Evaluation[]> => {
    const r = await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath(name)}/evaluations?${SQR}`);
    assert.equal(r.status, 200, r.text);
    return r.json<{ value: Evaluation[] }>().value;
  };
  const activity = async (where: string) => {
    const r = await call(b, await p.adminToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: `AzureActivity | where ${where}`, timespan: 'P1D' });
    assert.equal(r.status, 200, r.text);
    const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
  };

  before(async () => {
    receiver = await startWebhookReceiver(async ({ path, body }) => {
      received.push({ path, payload: JSON.parse(body.toString()), at: Date.now() });
      if (!path.startsWith('/hook/held')) return 200;
      await held;
      return 503;
    });
    const port = receiver.port;
    const tls = receiver.tls;
    args = ['--cmk-key-cache-seconds', '1', '--alert-min-frequency', '2', '--alert-webhook-allow', '127.0.0.0/8', '--alert-webhook-ca', tls.caPath];
    vigil = await startVigil({ args });
    b = vigil.bootstrap;
    p = new Principals(b);
    const rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    const vaultArm = `${rg}/providers/Microsoft.KeyVault/vaults/alerts-vault`;

    // The vault and its key (the customer's), with soft delete and purge protection.
    const vault = await call(b, await p.adminToken(AUD.arm), 'PUT', `${vaultArm}?${KV}`, {
      location: 'local',
      properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, enablePurgeProtection: true, softDeleteRetentionInDays: 7 },
    });
    assert.equal(vault.status, 201, vault.text);
    const vaultUrl = vault.json<{ properties: { vaultUri: string } }>().properties.vaultUri.replace(/\/$/, '');
    const adminSp = await call(b, await p.adminToken(AUD.graph), 'GET', `/v1.0/servicePrincipals?$filter=appId eq '${b.clientId}'`);
    await p.assign(adminSp.json<{ value: { id: string }[] }>().value[0]!.id, 'Key Vault Crypto Officer', vaultArm);
    const { credential, logAnalytics: la, monitor } = sdkClients(b);
    keys = new KeyClient(vaultUrl, credential, { agent: vaultAgent });
    keyVersion = (await keys.createRsaKey('alerts-cmk', { keySize: 2048 })).properties.version!;

    // A dedicated cluster using that key, and a workspace linked to it.
    const cluster = await la.clusters.beginCreateOrUpdateAndWait(b.resourceGroup, 'alerts-cluster', { location: 'local', identity: { type: 'SystemAssigned' }, sku: { name: 'CapacityReservation', capacity: 100 } });
    await p.assign(cluster.identity!.principalId!, 'Key Vault Crypto Service Encryption User', `${vaultArm}/keys/alerts-cmk`);
    await la.clusters.beginUpdateAndWait(b.resourceGroup, 'alerts-cluster', { keyVaultProperties: { keyVaultUri: vaultUrl, keyName: 'alerts-cmk', keyVersion: '' } });
    const ws = await la.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'alerts-ws', { location: 'local' });
    wsArm = ws.id!;
    await la.linkedServices.beginCreateOrUpdateAndWait(b.resourceGroup, 'alerts-ws', 'cluster', { writeAccessResourceId: cluster.id! });

    // The action group: one receiver that answers, one whose answer the test holds back.
    await monitor.actionGroups.createOrUpdate(b.resourceGroup, 'cmk-ops', {
      location: 'global',
      groupShortName: 'cmkops',
      enabled: true,
      webhookReceivers: [{ name: 'hook', serviceUri: `https://127.0.0.1:${port}/hook/${URL_MARKER}`, useCommonAlertSchema: true }],
    });
    await monitor.actionGroups.createOrUpdate(b.resourceGroup, 'cmk-held', {
      location: 'global',
      groupShortName: 'cmkheld',
      enabled: true,
      webhookReceivers: [{ name: 'held', serviceUri: `https://127.0.0.1:${port}/hook/held`, useCommonAlertSchema: true }],
    });
  });

  after(async () => {
    await vigil?.dispose();
    release();
    await receiver?.close();
  });

  const createRule = async (name: string, actionGroup: string) => {
    const { monitor } = sdkClients(b);
    const rule = await monitor.scheduledQueryRules.createOrUpdate(b.resourceGroup, name, {
      location: 'local',
      kind: 'LogAlert',
      identity: { type: 'SystemAssigned' },
      description: 'alert data under the customer-managed key',
      severity: 3,
      enabled: true,
      scopes: [wsArm],
      evaluationFrequency: 'PT2S',
      windowSize: 'PT2S',
      criteria: { allOf: [{ query: `print Marker = '${QUERY_MARKER}'`, timeAggregation: 'Count', operator: 'GreaterThan', threshold: 0 }] },
      autoMitigate: false,
      actions: { actionGroups: [agId(actionGroup)], customProperties: { note: PROPERTY_MARKER } },
    });
    await p.assign(rule.identity!.principalId!, 'Log Analytics Reader', wsArm);
  };

  it('fires and notifies; the query, the custom properties and the webhook URL are nowhere in the data folder in the clear', async () => {
    await createRule('cmk-rule', 'cmk-ops');
    const hook = await waitFor('the webhook notification', async () => received.find((r) => r.path.includes(URL_MARKER)));
    assert.equal(hook.payload.data.alertContext.condition.allOf[0].searchQuery, `print Marker = '${QUERY_MARKER}'`);
    assert.deepEqual(hook.payload.data.customProperties, { note: PROPERTY_MARKER });
    await waitFor('the delivery recorded', async () => (await evaluations('cmk-rule')).find((e) => e.notifications.some((n) => n.status === 'Delivered')));
    // The rule reads back through ARM as it was written.
    const rule = (await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath('cmk-rule')}?${SQR}`)).json<any>();
    assert.equal(rule.properties.criteria.allOf[0].query, `print Marker = '${QUERY_MARKER}'`);
    assert.equal(rule.properties.actions.customProperties.note, PROPERTY_MARKER);
    for (const marker of [QUERY_MARKER, URL_MARKER, PROPERTY_MARKER]) {
      assert.deepEqual(filesHolding(vigil.dataDir, marker), [], `no file holds ${marker} in the clear`);
    }
    // The places they would be are sealed: the catalog and the evaluation state.
    const metadata = readFileSync(join(vigil.dataDir, 'metadata.json'), 'utf8');
    assert.match(metadata, /"sealed": "sealed:v1:/);
    const state = JSON.parse(readFileSync(join(vigil.dataDir, 'alerts', 'state.json'), 'utf8')) as { sealed: Record<string, string> };
    const customerId = (await sdkClients(b).logAnalytics.workspaces.get(b.resourceGroup, 'alerts-ws')).customerId!;
    assert.ok(state.sealed[customerId]?.startsWith(`sealed:v1:${customerId}:`), 'the rule\'s state is sealed under its workspace\'s key');
  });

  it('revoking the key: evaluations fail visibly, a notification being retried is held back; re-enabling resumes', async () => {
    // A second rule whose notification is in flight when the key is revoked.
    await createRule('cmk-held-rule', 'cmk-held');
    await waitFor('the held notification arriving', async () => received.find((r) => r.path === '/hook/held'));
    const revokedAt = new Date().toISOString();
    await keys.updateKeyProperties('alerts-cmk', keyVersion, { enabled: false });
    const revokedMs = Date.now();
    release();
    const failed = await waitFor('a failed evaluation', async () => (await evaluations('cmk-rule')).find((e) => e.outcome === 'Failed' && e.evaluatedAt > revokedAt));
    assert.equal(failed.error?.code, 'CustomerManagedKeyInaccessible');
    assert.match(failed.error?.message ?? '', /alerts-cmk/);
    const shown = (await call(b, await p.adminToken(AUD.arm), 'GET', `${rulePath('cmk-rule')}?${SQR}`)).json<any>();
    assert.equal(shown.properties.evaluationStatus.lastEvaluation.error.code, 'CustomerManagedKeyInaccessible');
    const entry = await waitFor('the failure in the activity log', async () => {
      const rows = await activity(`OperationNameValue == 'MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/EVALUATE/ACTION' and ActivityStatusValue == 'Failure' and ResourceId has 'cmk-rule'`);
      return rows.find((r) => String(r.Properties).includes('CustomerManagedKeyInaccessible'));
    });
    assert.ok(entry);
    // The notification that was being retried: its next attempt is refused for the key, not sent.
    const heldBack = await waitFor('the held notification refused for the key', async () =>
      (await evaluations('cmk-held-rule')).flatMap((e) => e.notifications).find((n) => n.receiver === 'held' && /CustomerManagedKeyInaccessible/.test(n.lastError ?? '')),
    );
    assert.ok(heldBack.attempts >= 2);
    assert.deepEqual(received.filter((r) => r.path === '/hook/held' && r.at > revokedMs), [], 'nothing was sent while the key was revoked');

    await keys.updateKeyProperties('alerts-cmk', keyVersion, { enabled: true });
    const enabledAt = new Date().toISOString();
    await waitFor('a successful evaluation after re-enabling', async () => (await evaluations('cmk-rule')).find((e) => e.outcome === 'Succeeded' && e.evaluatedAt > enabledAt));
    await waitFor('the recovery in the activity log', async () => {
      const rows = await activity(`OperationNameValue == 'MICROSOFT.INSIGHTS/SCHEDULEDQUERYRULES/EVALUATE/ACTION' and ActivityStatusValue == 'Success' and ResourceId has 'cmk-rule'`);
      return rows.find((r) => Date.parse(String(r.TimeGenerated)) >= Date.parse(enabledAt));
    });
  });

  it('after a restart the rule, its action group and its history read back from the sealed files', async () => {
    await vigil.stop();
    vigil = await startVigil({ dataDir: vigil.dataDir, args });
    b = vigil.bootstrap;
    p = new Principals(b);
    const { monitor } = sdkClients(b);
    const rule = await monitor.scheduledQueryRules.get(b.resourceGroup, 'cmk-rule');
    assert.equal(rule.criteria?.allOf?.[0]?.query, `print Marker = '${QUERY_MARKER}'`);
    assert.equal(rule.actions?.customProperties?.note, PROPERTY_MARKER);
    const group = await monitor.actionGroups.get(b.resourceGroup, 'cmk-ops');
    assert.match(group.webhookReceivers?.[0]?.serviceUri ?? '', new RegExp(`/hook/${URL_MARKER}$`));
    const history = await evaluations('cmk-rule');
    assert.ok(history.some((e) => e.error?.code === 'CustomerManagedKeyInaccessible'), 'the failures are still in the history');
    assert.ok(history.some((e) => e.notifications.some((n) => n.status === 'Delivered')), 'and the delivered notification');
    for (const marker of [QUERY_MARKER, URL_MARKER, PROPERTY_MARKER]) {
      assert.deepEqual(filesHolding(vigil.dataDir, marker), [], `no file holds ${marker} in the clear after the restart`);
    }
  });

  it('(last) `vigil verify` opens the sealed alert data, and names an altered part', async () => {
    await vigil.stop();
    const verify = () => runCli(['verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir]);
    const clean = await verify();
    assert.equal(clean.status, 0, `${clean.stdout}${clean.stderr}`);
    const path = join(vigil.dataDir, 'alerts', 'state.json');
    const state = JSON.parse(readFileSync(path, 'utf8')) as { sealed: Record<string, string> };
    const [ref, sealed] = Object.entries(state.sealed).find(([r]) => r !== 'service')!;
    const at = sealed.length - 30;
    state.sealed[ref] = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    writeFileSync(path, JSON.stringify(state));
    const altered = await verify();
    assert.equal(altered.status, 1, altered.stdout);
    assert.match(altered.stdout, new RegExp(`ERROR \\S+alerts/state\\.json: the alert state of workspace ${ref}: .*failed authentication`));
  });
});
