/**
 * Issue #15, the third root of trust: Vigil's master key (and token-signing key) sealed by a key in a
 * key vault that is not this Vigil. A first Vigil ("the vault host") serves a vault whose RSA key a
 * service principal may use (Key Vault Crypto Service Encryption User); a second Vigil runs with
 * `--master-key-vault-key` and that principal. From the outside: the second starts, holds no plain
 * key file, ingests and queries; with the key disabled, or as a principal without the role, it
 * refuses to start naming the key; re-enabled, it starts with its data intact; `rotate-master-key`
 * and `verify` work under the vault key.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeyClient } from '@azure/keyvault-keys';
import { readProtectorRecord } from '../../src/keys/protector.js';
import { sdkClients } from '../support/clients.js';
import { vaultAgent } from '../support/key-vault.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { seedTestCa } from '../support/test-ca.js';
import { runCli } from '../support/run-cli.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const KV = 'api-version=2024-11-01';

/** The environment of a child: no root-of-trust variables but the ones given. */
function envWith(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^VIGIL_(MASTER|PKCS11)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

describe('the master key sealed by a key in another key vault', { timeout: 600_000 }, () => {
  let host: VigilProcess; // serves the vault
  let vigil: VigilProcess | undefined; // its root of trust is the vault key
  let secretsDir: string;
  let dataDir: string;
  let keys: KeyClient;
  let keyUrl: string;
  let user: TestPrincipal; // may wrap and unwrap with the key
  let stranger: TestPrincipal; // may not

  const vaultArgs = (who: TestPrincipal) => {
    const file = join(secretsDir, `${who.name}.secret`);
    writeFileSync(file, `${who.secret}\n`, { mode: 0o600 });
    return [
      '--master-key-vault-key', keyUrl,
      '--master-key-vault-tenant-id', host.bootstrap.tenantId,
      '--master-key-vault-client-id', who.appId,
      '--master-key-vault-client-secret-file', file,
      '--master-key-vault-authority-host', host.bootstrap.authorityHost,
    ];
  };
  const start = (who: TestPrincipal) => startVigil({ dataDir, args: vaultArgs(who), insecureDevKeys: false, env: envWith() });
  const refuses = async (who: TestPrincipal, message: RegExp) => {
    const r = await runCli(['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...vaultArgs(who)], envWith());
    assert.equal(r.status, 1, `serve should refuse: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /serving on/);
    assert.match(r.stderr, message);
  };
  const count = async (v: VigilProcess): Promise<number> => {
    const token = await tokenFor(v.bootstrap, LOGS_AUDIENCE);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await queryWithStatistics(v.bootstrap, token, 'Root_CL | count', 'P1D');
      if (r.status === 200) return Number(r.rows[0]![0]);
      if (Date.now() > deadline) assert.fail(`query failed: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  };

  before(async () => {
    secretsDir = mkdtempSync(join(tmpdir(), 'vigil-vault-secrets-'));
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-vault-rooted-'));
    seedTestCa(dataDir);
    host = await startVigil();
    const b = host.bootstrap;
    const p = new Principals(b);
    const vaultArm = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.KeyVault/vaults/root-vault`;
    const vault = await call(b, await p.adminToken(AUD.arm), 'PUT', `${vaultArm}?${KV}`, {
      location: 'local',
      properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, enablePurgeProtection: true, softDeleteRetentionInDays: 7 },
    });
    assert.equal(vault.status, 201, vault.text);
    const vaultUrl = vault.json<{ properties: { vaultUri: string } }>().properties.vaultUri.replace(/\/$/, '');
    const adminSp = await call(b, await p.adminToken(AUD.graph), 'GET', `/v1.0/servicePrincipals?$filter=appId eq '${b.clientId}'`);
    await p.assign(adminSp.json<{ value: { id: string }[] }>().value[0]!.id, 'Key Vault Crypto Officer', vaultArm);
    keys = new KeyClient(vaultUrl, sdkClients(b).credential, { agent: vaultAgent });
    await keys.createRsaKey('vigil-root', { keySize: 2048 });
    keyUrl = `${vaultUrl}/keys/vigil-root`;
    user = await p.create('vigil-root-user');
    stranger = await p.create('stranger');
    await p.assign(user.objectId, 'Key Vault Crypto Service Encryption User', `${vaultArm}/keys/vigil-root`);
  });

  after(async () => {
    await vigil?.stop();
    await host?.dispose();
    vaultAgent.destroy();
    for (const d of [secretsDir, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('starts with the vault key as root of trust: no plain key file, data ingested and queried', async () => {
    vigil = await start(user);
    const record = readProtectorRecord(dataDir)!;
    assert.equal(record.protector, 'keyvault');
    const params = record.params.keyVault as { keyId: string; wrapped: string };
    assert.match(params.keyId, /\/keys\/vigil-root\/[0-9a-f]{32}$/, 'the versioned key the wrap was made with');
    for (const f of ['storage-master.key', 'token-signing.json']) assert.ok(!existsSync(join(dataDir, 'keys', f)), `no plain ${f}`);
    const ruleId = await createLogTable(vigil.bootstrap, 'Root_CL', 'Root', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
    ]);
    const token = await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE);
    assert.equal(await ingest(vigil.bootstrap, token, ruleId, 'Root', [1, 2, 3].map((i) => ({ TimeGenerated: new Date().toISOString(), Message: `row ${i}` }))), 204);
    assert.equal(await count(vigil), 3);
    await vigil.stop();
    vigil = undefined;
  });

  it('refuses to start while the key is disabled, or as a principal without the role; starts again once re-enabled', async () => {
    const version = (await keys.getKey('vigil-root')).properties.version!;
    await keys.updateKeyProperties('vigil-root', version, { enabled: false });
    await refuses(user, /key vault key https:\/\/root-vault\.vault\.localhost:\d+\/keys\/vigil-root\/[0-9a-f]{32} could not unwrap .*HTTP 403/);
    await keys.updateKeyProperties('vigil-root', version, { enabled: true });
    await refuses(stranger, /could not unwrap .*HTTP 403.*Key Vault Crypto Service Encryption User/);
    // The key given must be the one the folder was sealed with.
    const other = await runCli(['serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', ...vaultArgs(user).map((a) => (a === keyUrl ? keyUrl.replace('vigil-root', 'other-key') : a))], envWith());
    assert.equal(other.status, 1);
    assert.match(other.stderr, /sealed under the vault key .*vigil-root/);
    vigil = await start(user);
    assert.equal(await count(vigil), 3, 'the data is intact');
    await vigil.stop();
    vigil = undefined;
  });

  it('rotate-master-key and verify work under the vault key', async () => {
    const rotate = await runCli(['rotate-master-key', '--data-dir', dataDir, ...vaultArgs(user)], envWith(), 180_000);
    assert.equal(rotate.status, 0, `${rotate.stdout}${rotate.stderr}`);
    assert.match(rotate.stdout, /key vault key .*vigil-root/);
    const verify = await runCli(['verify', '--data-dir', dataDir, ...vaultArgs(user)], envWith(), 180_000);
    assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);
    vigil = await start(user);
    assert.equal(await count(vigil), 3);
    // Nothing but the wrap in protector.json: the key-encryption key is not in the data folder.
    assert.ok(!readFileSync(join(dataDir, 'keys', 'protector.json'), 'utf8').includes(user.secret), 'the client secret is not stored');
  });

  it('every new option is in --help of the commands that take a root of trust, and in the README', async () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const options = ['--master-key-vault-key', '--master-key-vault-tenant-id', '--master-key-vault-client-id', '--master-key-vault-client-secret-file', '--master-key-vault-authority-host', 'VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET'];
    for (const cmd of ['serve', 'rotate-master-key', 'verify', 'protect-keys']) {
      const h = await runCli([cmd, '--help']);
      assert.equal(h.status, 0, h.stderr);
      for (const o of options) assert.ok(h.stdout.includes(o), `${cmd} --help lists ${o}`);
    }
    for (const o of options) assert.ok(readme.includes(o), `README documents ${o}`);
  });
});
