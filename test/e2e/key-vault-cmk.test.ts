/**
 * Issue #15 (key vault and customer-managed keys) against a real Vigil: `Microsoft.KeyVault/vaults`
 * over ARM, the keys data plane driven by `@azure/keyvault-keys` (challenge authentication, create,
 * versions, get, enable/disable, rotate, wrap/unwrap, soft delete, recover, purge protection, RBAC
 * from the attacker's side), then a dedicated cluster with a customer-managed key driven by
 * `@azure/arm-operationalinsights` (identity, keyVaultProperties, linkedServices/cluster), and
 * revocation: the key disabled mid-ingestion (every acknowledged row readable after re-enabling,
 * nothing acknowledged after revocation), the cluster's role removed, the vault deleted and
 * recovered, rotation while queries run (workspace keys re-wrapped, no data rewritten), explicit
 * versions, the activity log, and `vigil verify` finding an altered wrapped key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { sdkClients } from '../support/clients.js';
import { vaultAgent, vaultRequest } from '../support/key-vault.js';
import { AUD, call, Principals, type Reply, type TestPrincipal } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createStreamsRule, ingest, type Column } from '../support/log-table.js';

const KV = 'api-version=2024-11-01';
const COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Seq', type: 'int' },
];

type Row = Record<string, unknown>;

describe('key vault and customer-managed keys', { timeout: 900_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let rgArm: string;
  let vaultArm: string;
  let vaultUrl: string;
  let keys: KeyClient;
  let reader: TestPrincipal;
  let wsId: string; // customerId of the linked workspace
  let ruleId: string;
  let clusterArm: string;
  let clusterPrincipal: string;
  let cseAssignment: string; // Crypto Service Encryption User of the cluster, on the key
  let firstVersion: string;

  const arm = () => p.adminToken(AUD.arm);
  const keyArm = (name: string) => `${vaultArm}/keys/${name}`;
  const keyring = () => JSON.parse(readFileSync(join(vigil.dataDir, 'storage', wsId, 'keyring.json'), 'utf8')) as { cmk?: { keyVersion: string; wrapped: string } };
  const query = async (q: string, workspaceId = wsId): Promise<Reply> =>
    call(b, await p.adminToken(AUD.logs), 'POST', `/v1/workspaces/${workspaceId}/query`, { query: q, timespan: 'P1D' });
  const rows = (r: Reply): Row[] => {
    assert.equal(r.status, 200, r.text);
    const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
  };
  const assertRevoked = (r: Reply | { status: number; text: string }, what: string) => {
    assert.equal(r.status, 403, `${what}: ${r.text}`);
    assert.equal(JSON.parse(r.text).error.code, 'CustomerManagedKeyInaccessible', what);
  };
  const send = async (seqs: number[]) => {
    const res = await call(b, await p.adminToken(AUD.monitor), 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-CmkStream?api-version=2023-01-01`, seqs.map((s) => ({ TimeGenerated: new Date().toISOString(), Seq: s })));
    return res;
  };
  /** Polls until `done(reply)` or the deadline (generous: the machine is loaded); returns the last reply. */
  const until = async (f: () => Promise<Reply>, done: (r: Reply) => boolean, ms = 60_000): Promise<Reply> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await f();
      if (done(r) || Date.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 250));
    }
  };
  const activity = async (where: string, n = 1): Promise<Row[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await query(`AzureActivity | where ${where} | order by TimeGenerated asc`, b.workspaceId);
      const got = r.status === 200 ? rows(r) : [];
      if (got.length >= n || Date.now() > deadline) return got;
      await new Promise((res) => setTimeout(res, 300));
    }
  };

  before(async () => {
    vigil = await startVigil({ args: ['--cmk-key-cache-seconds', '1'] });
    b = vigil.bootstrap;
    p = new Principals(b);
    rgArm = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    vaultArm = `${rgArm}/providers/Microsoft.KeyVault/vaults/cmk-vault`;
    reader = await p.create('kv-reader');
  });
  after(async () => {
    vaultAgent.destroy();
    await vigil?.dispose();
  });

  it('creates a vault over ARM, with soft delete, purge protection and RBAC, and refuses bad input', async () => {
    const token = await arm();
    const body = { location: 'local', properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, enablePurgeProtection: true, softDeleteRetentionInDays: 7 } };
    const r = await call(b, token, 'PUT', `${vaultArm}?${KV}`, body);
    assert.equal(r.status, 201, r.text);
    const v = r.json<{ properties: Record<string, unknown> }>().properties;
    vaultUrl = String(v.vaultUri).replace(/\/$/, '');
    assert.match(vaultUrl, /^https:\/\/cmk-vault\.vault\.localhost:\d+$/);
    assert.equal(v.enableSoftDelete, true);
    assert.equal(v.enablePurgeProtection, true);
    assert.equal(v.softDeleteRetentionInDays, 7);
    assert.equal(v.enableRbacAuthorization, true);
    assert.equal((await call(b, token, 'GET', `${vaultArm}?${KV}`)).json<{ name: string }>().name, 'cmk-vault');
    // Bad input: Azure's error shape, nothing created or changed.
    const bad = async (path: string, b2: unknown, status: number, code: string) => {
      const res = await call(b, token, 'PUT', `${path}?${KV}`, b2);
      assert.equal(res.status, status, res.text);
      assert.equal(res.json<{ error: { code: string } }>().error.code, code);
    };
    await bad(`${rgArm}/providers/Microsoft.KeyVault/vaults/a_b`, body, 400, 'VaultNameNotValid');
    await bad(`${rgArm}/providers/Microsoft.KeyVault/vaults/other-vault`, { ...body, properties: { ...body.properties, accessPolicies: [{ objectId: 'x' }] } }, 400, 'BadRequest');
    await bad(`${rgArm}/providers/Microsoft.KeyVault/vaults/other-vault`, { ...body, properties: { ...body.properties, softDeleteRetentionInDays: 3 } }, 400, 'InvalidRequestContent');
    await bad(vaultArm, { ...body, properties: { ...body.properties, enablePurgeProtection: false } }, 400, 'BadRequest');
    await bad(`${rgArm}/providers/Microsoft.KeyVault/vaults/other-vault`, { ...body, properties: { ...body.properties, publicNetworkAccess: 'Disabled' } }, 400, 'BadRequest');
    await bad(`${rgArm}/providers/Microsoft.KeyVault/vaults/other-vault`, { ...body, properties: { ...body.properties, networkAcls: { defaultAction: 'Deny' } } }, 400, 'BadRequest');
    assert.equal((await call(b, token, 'GET', `${rgArm}/providers/Microsoft.KeyVault/vaults/other-vault?${KV}`)).status, 404, 'nothing was created by the refused requests');
    // Vault names are global: another resource group cannot take it.
    assert.equal((await call(b, token, 'PUT', `/subscriptions/${b.subscriptionId}/resourcegroups/other-rg?api-version=2021-04-01`, { location: 'local' })).status, 201);
    await bad(`/subscriptions/${b.subscriptionId}/resourceGroups/other-rg/providers/Microsoft.KeyVault/vaults/cmk-vault`, body, 409, 'VaultAlreadyExists');
    // Only the Reader role is granted to the reader; a caller with no role may not even read the vault.
    await p.assign(reader.objectId, 'Key Vault Reader', vaultArm);
  });

  it('answers the Key Vault challenge: 401 with WWW-Authenticate naming the authority and the resource', async () => {
    const r = await vaultRequest(`${vaultUrl}/keys?api-version=7.6`, 'GET');
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'Unauthorized');
    assert.equal(r.headers['www-authenticate'], `Bearer authorization="${b.endpoint}/${b.tenantId}", resource="https://vault.localhost"`);
    // A host that names no vault is not served as one.
    const none = await vaultRequest(vaultUrl.replace('cmk-vault', 'no-such-vault'), 'GET');
    assert.equal(none.status, 404);
  });

  it('drives the keys data plane with @azure/keyvault-keys: RBAC, create, versions, disable, rotate, wrap/unwrap', async () => {
    const { credential } = sdkClients(b);
    keys = new KeyClient(vaultUrl, credential, { agent: vaultAgent });
    // The subscription Owner has no data actions: the data plane refuses it until a Key Vault role is assigned.
    await assert.rejects(keys.createRsaKey('cmk', { keySize: 2048 }), (e: { statusCode?: number; message?: string }) => e.statusCode === 403 && /not authorized/.test(e.message ?? ''));
    const adminSp = await call(b, await p.adminToken(AUD.graph), 'GET', `/v1.0/servicePrincipals?$filter=appId eq '${b.clientId}'`);
    const adminObjectId = adminSp.json<{ value: { id: string }[] }>().value[0]!.id;
    await p.assign(adminObjectId, 'Key Vault Crypto Officer', vaultArm);

    const key = await keys.createRsaKey('cmk', { keySize: 2048 });
    firstVersion = key.properties.version!;
    assert.match(firstVersion, /^[0-9a-f]{32}$/);
    assert.equal(key.id, `${vaultUrl}/keys/cmk/${firstVersion}`);
    assert.equal(key.keyType, 'RSA');
    assert.ok(key.key?.n && key.key.n.length >= 256, 'the public modulus is returned');
    assert.equal(key.key?.d, undefined, 'no private material in responses');
    assert.equal(key.properties.recoveryLevel, 'CustomizedRecoverable');
    assert.equal(key.properties.recoverableDays, 7);
    // Nothing private in plain text on disk either: only the sealed form is stored.
    const stored = readFileSync(join(vigil.dataDir, 'keyvault', 'vaults', 'cmk-vault.json'), 'utf8');
    assert.ok(!stored.includes('"d"') && stored.includes('"sealed"'));

    const got = await keys.getKey('cmk');
    assert.equal(got.properties.version, firstVersion);
    // wrap / unwrap with both OAEP variants, through CryptographyClient as a service would.
    const crypto = new CryptographyClient(got, credential, { agent: vaultAgent });
    const cek = randomBytes(32);
    for (const alg of ['RSA-OAEP', 'RSA-OAEP-256'] as const) {
      const wrapped = await crypto.wrapKey(alg, cek);
      assert.equal(wrapped.keyID, `${vaultUrl}/keys/cmk/${firstVersion}`);
      assert.deepEqual(Buffer.from((await crypto.unwrapKey(alg, wrapped.result)).result), cek);
    }
    // A Reader sees the key but may not use it.
    const readerKeys = new KeyClient(vaultUrl, reader.credential, { agent: vaultAgent });
    assert.equal((await readerKeys.getKey('cmk')).properties.version, firstVersion);
    const readerCrypto = new CryptographyClient(`${vaultUrl}/keys/cmk/${firstVersion}`, reader.credential, { agent: vaultAgent });
    await assert.rejects(readerCrypto.wrapKey('RSA-OAEP-256', cek), (e: { statusCode?: number }) => e.statusCode === 403);
    await assert.rejects(readerKeys.updateKeyProperties('cmk', firstVersion, { enabled: false }), (e: { statusCode?: number }) => e.statusCode === 403);

    // Disable → wrap refused; enable → works again.
    await keys.updateKeyProperties('cmk', firstVersion, { enabled: false });
    await assert.rejects(crypto.wrapKey('RSA-OAEP-256', cek), (e: { statusCode?: number; message?: string }) => e.statusCode === 403 && /disabled/.test(e.message ?? ''));
    assert.equal((await keys.updateKeyProperties('cmk', firstVersion, { enabled: true })).properties.enabled, true);

    // Rotate: a new current version; the old one still unwraps what it wrapped.
    const rotated = await keys.rotateKey('cmk');
    assert.notEqual(rotated.properties.version, firstVersion);
    const versions: string[] = [];
    for await (const v of keys.listPropertiesOfKeyVersions('cmk')) versions.push(v.version!);
    assert.deepEqual(versions.sort(), [firstVersion, rotated.properties.version!].sort());
    const names: string[] = [];
    for await (const k of keys.listPropertiesOfKeys()) names.push(k.name);
    assert.deepEqual(names, ['cmk']);
    // Bad input in Key Vault's error shape.
    const token = await p.adminToken('https://vault.localhost');
    const badAlg = await vaultRequest(`${vaultUrl}/keys/cmk/${firstVersion}/wrapkey?api-version=7.6`, 'POST', token, { alg: 'RSA1_5', value: cek.toString('base64url') });
    assert.equal(badAlg.status, 400, badAlg.text);
    assert.equal(badAlg.json<{ error: { code: string } }>().error.code, 'BadParameter');
    const ec = await vaultRequest(`${vaultUrl}/keys/ec1/create?api-version=7.6`, 'POST', token, { kty: 'EC', crv: 'P-256' });
    assert.equal(ec.status, 400, ec.text);
    const tampered = await vaultRequest(`${vaultUrl}/keys/cmk/${firstVersion}/unwrapkey?api-version=7.6`, 'POST', token, { alg: 'RSA-OAEP-256', value: randomBytes(256).toString('base64url') });
    assert.equal(tampered.status, 400, tampered.text);
  });

  it('soft-deletes, recovers, and refuses to purge under purge protection', async () => {
    await keys.createRsaKey('scratch');
    const poller = await keys.beginDeleteKey('scratch', { intervalInMs: 100 });
    const deleted = await poller.pollUntilDone();
    assert.ok(deleted.properties.recoveryId?.endsWith('/deletedkeys/scratch'));
    assert.ok(deleted.properties.scheduledPurgeDate && deleted.properties.deletedOn);
    await assert.rejects(keys.getKey('scratch'), (e: { statusCode?: number }) => e.statusCode === 404);
    // The name is taken while the key is recoverable.
    await assert.rejects(keys.createRsaKey('scratch'), (e: { statusCode?: number }) => e.statusCode === 409);
    assert.equal((await keys.getDeletedKey('scratch')).name, 'scratch');
    await (await keys.beginRecoverDeletedKey('scratch', { intervalInMs: 100 })).pollUntilDone();
    assert.equal((await keys.getKey('scratch')).name, 'scratch');
    await (await keys.beginDeleteKey('scratch', { intervalInMs: 100 })).pollUntilDone();
    await assert.rejects(keys.purgeDeletedKey('scratch'), (e: { statusCode?: number; message?: string }) => e.statusCode === 403 && /purge protection/.test(e.message ?? ''));
    assert.equal((await keys.getDeletedKey('scratch')).name, 'scratch', 'still recoverable');
  });

  it('creates a cluster with a managed identity; its key is validated as that identity', async () => {
    const la = sdkClients(b).logAnalytics;
    const cluster = await la.clusters.beginCreateOrUpdateAndWait(b.resourceGroup, 'cmk-cluster', {
      location: 'local',
      identity: { type: 'SystemAssigned' },
      sku: { name: 'CapacityReservation', capacity: 100 },
    });
    clusterArm = cluster.id!;
    clusterPrincipal = cluster.identity!.principalId!;
    assert.match(clusterPrincipal, /^[0-9a-f-]{36}$/);
    const keyProps = { keyVaultUri: `${vaultUrl}/`, keyName: 'cmk', keyVersion: '' };
    // Without a role on the key the cluster's identity cannot use it.
    await assert.rejects(la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster', { keyVaultProperties: keyProps }), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /Failed to validate key/.test(e.message ?? ''));
    cseAssignment = await p.assign(clusterPrincipal, 'Key Vault Crypto Service Encryption User', keyArm('cmk'));
    // A key in a vault without purge protection is refused.
    const token = await arm();
    const loose = await call(b, token, 'PUT', `${rgArm}/providers/Microsoft.KeyVault/vaults/loose-vault?${KV}`, { location: 'local', properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' } } });
    assert.equal(loose.status, 201, loose.text);
    const looseUpdate = await call(b, token, 'PATCH', `${clusterArm}?api-version=2025-02-01`, { properties: { keyVaultProperties: { keyVaultUri: loose.json<{ properties: { vaultUri: string } }>().properties.vaultUri, keyName: 'cmk' } } });
    assert.equal(looseUpdate.status, 400, looseUpdate.text);
    assert.match(looseUpdate.text, /Key isn't recoverable/);
    const updated = await la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster', { keyVaultProperties: keyProps });
    assert.equal(updated.keyVaultProperties?.keyName, 'cmk');
    assert.equal(updated.keyVaultProperties?.keyVersion, '');
    assert.equal(updated.provisioningState, 'Succeeded');
  });

  it('links a workspace: its key is wrapped under the cluster key; the workspace and cluster show the link', async () => {
    const la = sdkClients(b).logAnalytics;
    const ws = await la.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'cmk-ws', { location: 'local' });
    wsId = ws.customerId!;
    await la.tables.beginCreateOrUpdateAndWait(b.resourceGroup, 'cmk-ws', 'Cmk_CL', { schema: { name: 'Cmk_CL', columns: COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) } });
    const rule = await createStreamsRule(b, 'cmk-rule', ws.id!, [{ stream: 'CmkStream', table: 'Cmk_CL' }], COLUMNS);
    ruleId = rule.immutableId!;
    assert.equal((await send([0])).status, 204, 'ingestion before linking');
    await la.linkedServices.beginCreateOrUpdateAndWait(b.resourceGroup, 'cmk-ws', 'cluster', { writeAccessResourceId: clusterArm });
    const linked = await la.workspaces.get(b.resourceGroup, 'cmk-ws');
    assert.equal(linked.features?.clusterResourceId?.toLowerCase(), clusterArm.toLowerCase());
    const c = await la.clusters.get(b.resourceGroup, 'cmk-cluster');
    assert.deepEqual(c.associatedWorkspaces?.map((w) => w.workspaceId), [wsId]);
    const current = (await keys.getKey('cmk')).properties.version!;
    assert.equal(keyring().cmk?.keyVersion, current, 'wrapped under the current version (automatic rotation)');
    assert.equal((await send([1])).status, 204, 'ingestion after linking');
    assert.deepEqual(rows(await query('Cmk_CL | order by Seq asc | project Seq')).map((r) => r.Seq), [0, 1]);
  });

  it('revoking the key mid-ingestion: nothing is acknowledged after it, everything acknowledged before is readable after re-enabling', async () => {
    const acknowledged = new Set<number>();
    const current = (await keys.getKey('cmk')).properties.version!;
    let seq = 100;
    let revoked = false;
    let afterRevocation = 0;
    const writer = (async () => {
      for (let i = 0; i < 400 && afterRevocation < 5; i++) {
        const batch = [seq++, seq++];
        const startedAfterRevocation = revoked;
        const r = await send(batch);
        if (r.status === 204) {
          assert.ok(!startedAfterRevocation, `a batch sent after revocation was acknowledged: ${batch}`);
          batch.forEach((s) => acknowledged.add(s));
        } else {
          assertRevoked(r, 'ingestion after revocation');
          if (startedAfterRevocation) afterRevocation++;
        }
      }
    })();
    // Let some batches through, then disable the key version in use.
    while (acknowledged.size < 10) await new Promise((res) => setTimeout(res, 20));
    await keys.updateKeyProperties('cmk', current, { enabled: false });
    revoked = true;
    await writer;
    assert.ok(afterRevocation >= 5, 'batches sent after revocation were refused');
    assertRevoked(await query('Cmk_CL | count'), 'query while revoked');
    // Re-enabling restores both.
    await keys.updateKeyProperties('cmk', current, { enabled: true });
    assert.equal((await send([9999])).status, 204, 'ingestion after re-enabling');
    acknowledged.add(9999);
    const stored = rows(await query('Cmk_CL | where Seq >= 100 | project Seq')).map((r) => Number(r.Seq));
    assert.deepEqual(stored.sort((x, y) => x - y), [...acknowledged].sort((x, y) => x - y), 'exactly the acknowledged rows, no more, no less');
    // The changes are in the activity log (of the default workspace, which is not linked).
    const changes = await activity(`OperationNameValue == 'MICROSOFT.KEYVAULT/VAULTS/KEYS/UPDATE/ACTION' and Properties contains '"enabled":false'`);
    assert.ok(changes.length >= 1, 'the disable is in AzureActivity');
    assert.equal(changes[0]!.ResourceId, keyArm('cmk'));
  });

  it('removing the cluster identity\'s role revokes within the cache lifetime; restoring it restores access', async () => {
    const del = await call(b, await arm(), 'DELETE', `${keyArm('cmk')}/providers/Microsoft.Authorization/roleAssignments/${cseAssignment}?api-version=2022-04-01`);
    assert.equal(del.status, 200, del.text);
    const r = await until(() => query('Cmk_CL | count'), (x) => x.status === 403);
    assertRevoked(r, 'query after the role was removed');
    assertRevoked(await send([50_000]), 'ingestion after the role was removed');
    cseAssignment = await p.assign(clusterPrincipal, 'Key Vault Crypto Service Encryption User', keyArm('cmk'));
    const back = await until(() => query('Cmk_CL | count'), (x) => x.status === 200);
    assert.equal(back.status, 200, back.text);
    const removal = await activity(`OperationNameValue == 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE' and ResourceId contains 'keys/cmk'`);
    assert.ok(removal.length >= 1, 'the role removal is in AzureActivity');
  });

  it('rotation during queries re-wraps the workspace key without rewriting data; explicit versions are honoured', async () => {
    const la = sdkClients(b).logAnalytics;
    // The workspace's files, with their bytes: a rotation must not rewrite any of them. (Records may still be
    // appended to the WAL meanwhile: the 5-second VigilIngestionStatistics flush, audit rows.)
    const dataFiles = () => {
      const dir = join(vigil.dataDir, 'storage', wsId);
      return new Map(['wal', 'segments'].flatMap((d) => readdirSync(join(dir, d)).map((f) => [`${d}/${f}`, readFileSync(join(dir, d, f))] as const)));
    };
    const unrewritten = (was: Map<string, Buffer>, now: Map<string, Buffer>) =>
      [...was].filter(([name, bytes]) => !now.get(name)?.subarray(0, bytes.length).equals(bytes)).map(([name]) => name);
    const expected = rows(await query('Cmk_CL | count'))[0]!.Count;
    const before = dataFiles();
    const wrapBefore = keyring().cmk!;
    let stop = false;
    const statuses: number[] = [];
    const reader = (async () => {
      while (!stop) {
        const r = await query('Cmk_CL | count');
        statuses.push(r.status);
        if (r.status === 200) assert.equal(rows(r)[0]!.Count, expected);
      }
    })();
    const rotated = await keys.rotateKey('cmk');
    const newVersion = rotated.properties.version!;
    await new Promise((res) => setTimeout(res, 500));
    stop = true;
    await reader;
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `every query during rotation succeeded: ${statuses.join(',')}`);
    assert.equal(keyring().cmk!.keyVersion, newVersion, 'the workspace key is wrapped under the new version');
    assert.notEqual(keyring().cmk!.wrapped, wrapBefore.wrapped);
    assert.deepEqual(unrewritten(before, dataFiles()), [], 'no log or segment file was rewritten (only appended to)');
    // An explicit version: the wraps move to it, and the other versions no longer matter.
    await la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster', { keyVaultProperties: { keyVaultUri: vaultUrl, keyName: 'cmk', keyVersion: firstVersion } });
    assert.equal(keyring().cmk!.keyVersion, firstVersion);
    await keys.updateKeyProperties('cmk', newVersion, { enabled: false });
    assert.equal((await query('Cmk_CL | count')).status, 200, 'disabling a version the cluster does not use changes nothing');
    await keys.updateKeyProperties('cmk', newVersion, { enabled: true });
    await la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster', { keyVaultProperties: { keyVaultUri: vaultUrl, keyName: 'cmk', keyVersion: '' } });
    assert.equal(keyring().cmk!.keyVersion, newVersion, 'back to automatic rotation: the current version');
    assert.equal(rows(await query('Cmk_CL | count'))[0]!.Count, expected);
  });

  it('deleting the vault revokes; recovering it restores', async () => {
    const token = await arm();
    assert.equal((await call(b, token, 'DELETE', `${vaultArm}?${KV}`)).status, 200);
    assert.equal((await call(b, token, 'GET', `${vaultArm}?${KV}`)).status, 404);
    assertRevoked(await until(() => query('Cmk_CL | count'), (x) => x.status === 403), 'query after the vault was deleted');
    const again = await call(b, token, 'PUT', `${vaultArm}?${KV}`, { location: 'local', properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' } } });
    assert.equal(again.status, 409, 'the name of a soft-deleted vault is taken until it is recovered or purged');
    const recovered = await call(b, token, 'PUT', `${vaultArm}?${KV}`, { location: 'local', properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' }, createMode: 'recover' } });
    assert.equal(recovered.status, 201, recovered.text);
    const back = await until(() => query('Cmk_CL | count'), (x) => x.status === 200);
    assert.equal(back.status, 200, back.text);
    assert.equal((await send([77_777])).status, 204);
  });

  it('unlinking is refused while the key is revoked; a cluster with linked workspaces cannot be deleted', async () => {
    const la = sdkClients(b).logAnalytics;
    const current = (await keys.getKey('cmk')).properties.version!;
    await keys.updateKeyProperties('cmk', current, { enabled: false });
    await assert.rejects(la.linkedServices.beginDeleteAndWait(b.resourceGroup, 'cmk-ws', 'cluster'), (e: { statusCode?: number }) => e.statusCode === 403);
    await keys.updateKeyProperties('cmk', current, { enabled: true });
    // A cluster with linked workspaces cannot be deleted.
    const del = await call(b, await arm(), 'DELETE', `${clusterArm}?api-version=2025-02-01`);
    assert.equal(del.status, 409, del.text);
    // From the attacker's side: write access to a workspace does not let one link it to (or unlink it
    // from) a cluster one may not write, nor change the cluster's key.
    const wsArm = `${rgArm}/providers/Microsoft.OperationalInsights/workspaces/cmk-ws`;
    await p.assign(reader.objectId, 'Log Analytics Contributor', wsArm);
    const other = await la.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'other-ws', { location: 'local' });
    await p.assign(reader.objectId, 'Log Analytics Contributor', other.id!);
    const asReader = await reader.token(AUD.arm);
    const link = await call(b, asReader, 'PUT', `${other.id}/linkedServices/cluster?api-version=2020-08-01`, { properties: { writeAccessResourceId: clusterArm } });
    assert.equal(link.status, 403, link.text);
    assert.equal(link.json<{ error: { code: string } }>().error.code, 'AuthorizationFailed');
    const patch = await call(b, asReader, 'PATCH', `${clusterArm}?api-version=2025-02-01`, { properties: { keyVaultProperties: { keyVaultUri: vaultUrl, keyName: 'cmk', keyVersion: firstVersion } } });
    assert.equal(patch.status, 403, patch.text);
    const unlinkOther = await call(b, asReader, 'DELETE', `${other.id}/linkedServices/cluster?api-version=2020-08-01`);
    assert.equal(unlinkOther.status, 404, 'not linked');
    assert.equal((await la.workspaces.get(b.resourceGroup, 'other-ws')).features?.clusterResourceId, undefined);
  });

  it('deleting the key revokes; recovering it restores; the link and the key changes are in the activity log', async () => {
    await (await keys.beginDeleteKey('cmk', { intervalInMs: 100 })).pollUntilDone();
    assertRevoked(await query('Cmk_CL | count'), 'query after the key was deleted');
    assertRevoked(await send([88_888]), 'ingestion after the key was deleted');
    await (await keys.beginRecoverDeletedKey('cmk', { intervalInMs: 100 })).pollUntilDone();
    assert.equal((await query('Cmk_CL | count')).status, 200);
    assert.equal((await send([88_889])).status, 204);
    const link = await activity(`OperationNameValue == 'MICROSOFT.OPERATIONALINSIGHTS/WORKSPACES/LINKEDSERVICES/WRITE'`);
    assert.ok(link.length >= 1, 'the link is in AzureActivity');
    assert.ok(String(link[0]!.Properties).includes('"customerManagedKey":true'));
    for (const op of ['DELETE', 'RECOVER/ACTION', 'ROTATE/ACTION', 'CREATE/ACTION']) {
      assert.ok((await activity(`OperationNameValue == 'MICROSOFT.KEYVAULT/VAULTS/KEYS/${op}'`)).length >= 1, `keys/${op.toLowerCase()} is in AzureActivity`);
    }
  });

  it('a cluster with a user-assigned identity uses that identity for the key', async () => {
    const la = sdkClients(b).logAnalytics;
    const token = await arm();
    const mi = await call(b, token, 'PUT', `${rgArm}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cmk-mi?api-version=2023-01-31`, { location: 'local' });
    assert.equal(mi.status, 201, mi.text);
    const miId = mi.json<{ id: string; properties: { principalId: string } }>();
    await la.clusters.beginCreateOrUpdateAndWait(b.resourceGroup, 'cmk-cluster-2', {
      location: 'local',
      identity: { type: 'UserAssigned', userAssignedIdentities: { [miId.id]: {} } },
      sku: { name: 'CapacityReservation', capacity: 100 },
    });
    const keyProps = { keyVaultUri: vaultUrl, keyName: 'cmk', keyVersion: '' };
    await assert.rejects(la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster-2', { keyVaultProperties: keyProps }), (e: { statusCode?: number }) => e.statusCode === 400);
    await p.assign(miId.properties.principalId, 'Key Vault Crypto Service Encryption User', vaultArm);
    const c = await la.clusters.beginUpdateAndWait(b.resourceGroup, 'cmk-cluster-2', { keyVaultProperties: keyProps });
    assert.equal(c.keyVaultProperties?.keyName, 'cmk');
    assert.equal(Object.values(c.identity?.userAssignedIdentities ?? {})[0]?.principalId, miId.properties.principalId);
    // Not linked to anything: it can be deleted.
    await la.clusters.beginDeleteAndWait(b.resourceGroup, 'cmk-cluster-2');
    await assert.rejects(la.clusters.get(b.resourceGroup, 'cmk-cluster-2'), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('(last) `vigil verify` detects an altered wrapped workspace key', async () => {
    await vigil.stop();
    const clean = spawnSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(clean.status, 0, `verify before the change:\n${clean.stdout}\n${clean.stderr}`);
    const path = join(vigil.dataDir, 'storage', wsId, 'keyring.json');
    const ring = JSON.parse(readFileSync(path, 'utf8')) as { cmk: { wrapped: string } };
    const w = Buffer.from(ring.cmk.wrapped, 'base64');
    w[17] = w[17]! ^ 0x01;
    ring.cmk.wrapped = w.toString('base64');
    writeFileSync(path, JSON.stringify(ring));
    const v = spawnSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir], { encoding: 'utf8', timeout: 120_000 });
    assert.notEqual(v.status, 0, `verify must fail:\n${v.stdout}`);
    assert.match(`${v.stdout}${v.stderr}`, /customer-managed key cmk\/[0-9a-f]{32}/);
    assert.match(`${v.stdout}${v.stderr}`, /keyring\.json/);
    // And a server on it refuses the workspace's data rather than trusting the altered wrap.
    vigil = await startVigil({ dataDir: vigil.dataDir, args: ['--cmk-key-cache-seconds', '1'] });
    b = vigil.bootstrap;
    p = new Principals(b);
    assertRevoked(await query('Cmk_CL | count'), 'query with an altered wrapped key');
  });
});
