/**
 * Issue #15, token-signing key rotation against a real Vigil whose keys are sealed by a passphrase:
 * a real client (`@azure/identity` + `@azure/monitor-query-logs`) keeps the token it cached before
 * `vigil rotate-signing-key` and goes on working after the restart; the JWKS publishes the old key
 * beside the new one; `--revoke-old-key` makes the revoked key's tokens fail at once; `vigil verify`
 * names an altered retired-key list, and the server refuses to start on it. Dropping a retired key
 * once its tokens have expired is driven with an injected clock (no waiting for 24 hours).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { decodeProtectedHeader } from 'jose';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { seedTestCa } from '../support/test-ca.js';
import { loadOrCreateSigningKeys, SEALED_RETIRED_SIGNING_KEYS_FILE } from '../../src/identity/signing-keys.js';
import { TokenIssuer } from '../../src/identity/token-issuer.js';
import { TokenVerifier } from '../../src/identity/token-verifier.js';
import { RETIRED_KEY_GRACE_MS, rotateSigningKey } from '../../src/keys/rotate-signing-key.js';

const PASSPHRASE = 'rotate me, rotate me not';
const LOGS = 'https://api.loganalytics.io';

function envWith(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^VIGIL_(MASTER|PKCS11)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: envWith({ VIGIL_MASTER_PASSPHRASE: PASSPHRASE }), timeout: 120_000 });
const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

describe('token-signing key rotation', { timeout: 600_000 }, () => {
  let vigil: VigilProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-rotate-'));
  after(async () => {
    await vigil?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  let port = '0';
  const start = async () => {
    const blank = Object.fromEntries(Object.keys(process.env).filter((k) => /^VIGIL_(MASTER|PKCS11)/.test(k)).map((k) => [k, '']));
    // The same port across restarts: a token's issuer names the endpoint.
    vigil = await startVigil({ dataDir, args: ['--port', port], env: { ...blank, VIGIL_MASTER_PASSPHRASE: PASSPHRASE }, insecureDevKeys: false });
    port = new URL(vigil.endpoint).port;
    return vigil;
  };
  const status = async (token: string) => {
    const r = await fetch(`${vigil!.endpoint}/v1/workspaces/${vigil!.bootstrap.workspaceId}/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'print x = 1' }),
    });
    return r.status;
  };
  const jwksKids = async () => {
    const r = await fetch(`${vigil!.endpoint}/${vigil!.bootstrap.tenantId}/discovery/v2.0/keys`);
    return ((await r.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
  };

  it('keeps a real client with a token from before the rotation working, and publishes both keys', async () => {
    seedTestCa(dataDir);
    await start(); // on a free port, kept for the restarts
    const b = vigil!.bootstrap;
    const credential = new ClientSecretCredential(b.tenantId, b.clientId, b.clientSecret, { authorityHost: b.authorityHost, disableInstanceDiscovery: true });
    const client = new LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` });
    const before = await client.queryWorkspace(b.workspaceId, 'print x = 1', { duration: 'PT1H' });
    assert.equal(before.status, LogsQueryResultStatus.Success);
    const oldToken = (await credential.getToken(`${LOGS}/.default`))!.token;
    const oldKid = kidOf(oldToken);
    assert.deepEqual(await jwksKids(), [oldKid]);

    await vigil!.stop();
    const rotated = cli(['rotate-signing-key', '--data-dir', dataDir]);
    assert.equal(rotated.status, 0, rotated.stderr);
    assert.match(rotated.stdout, new RegExp(`token signing key ${oldKid} -> \\S+ \\(passphrase`));
    await start();

    // The same client, holding its cached token signed by the old key, goes on working.
    assert.equal((await credential.getToken(`${LOGS}/.default`))!.token, oldToken, 'the client still holds the old token');
    const afterRotation = await client.queryWorkspace(b.workspaceId, 'print x = 1', { duration: 'PT1H' });
    assert.equal(afterRotation.status, LogsQueryResultStatus.Success);
    const fresh = new ClientSecretCredential(b.tenantId, b.clientId, b.clientSecret, { authorityHost: b.authorityHost, disableInstanceDiscovery: true });
    const newToken = (await fresh.getToken(`${LOGS}/.default`))!.token;
    const newKid = kidOf(newToken);
    assert.notEqual(newKid, oldKid);
    assert.deepEqual(await jwksKids(), [oldKid, newKid].sort());
    assert.equal(await status(newToken), 200);

    // After a compromise: --revoke-old-key drops the current key at once; the earlier retired key stays in its window.
    await vigil!.stop();
    const revoked = cli(['rotate-signing-key', '--data-dir', dataDir, '--revoke-old-key']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked/);
    await start();
    assert.equal(await status(newToken), 401);
    assert.equal(await status(oldToken), 200);
    const kids = await jwksKids();
    assert.ok(kids.includes(oldKid) && !kids.includes(newKid) && kids.length === 2);

    // vigil verify opens the sealed retired list, and names it once altered; the server refuses it.
    await vigil!.stop();
    const verified = cli(['verify', '--data-dir', dataDir]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    const file = join(dataDir, 'keys', SEALED_RETIRED_SIGNING_KEYS_FILE);
    const original = readFileSync(file, 'utf8');
    const body = JSON.parse(original) as { sealed: string };
    const sealed = Buffer.from(body.sealed, 'base64');
    sealed[sealed.length - 1]! ^= 1;
    writeFileSync(file, JSON.stringify({ ...body, sealed: sealed.toString('base64') }));
    const broken = cli(['verify', '--data-dir', dataDir]);
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, new RegExp(`ERROR ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const refused = cli(['serve', '--data-dir', dataDir, '--port', '0']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /retired token signing keys/);
    writeFileSync(file, original);
    vigil = undefined;
  });
});

describe('retired signing keys over time (injected clock)', () => {
  it('verify the tokens they signed until the grace period ends, then are dropped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-retire-'));
    try {
      const keysDir = join(dataDir, 'keys');
      const keys = await loadOrCreateSigningKeys(keysDir);
      const issuer = new TokenIssuer(keys, (t) => `https://vigil.test/${t}/v2.0`);
      const subject = { objectId: 'o1', appId: 'a1', tenantId: 't1', kind: 'ServicePrincipal' as const };
      const { token } = await issuer.issue(subject, LOGS, 3600);
      const directory = { findServicePrincipalByAppId: () => undefined, isActive: () => true };
      const at = new Date('2030-01-01T00:00:00Z');
      const r = await rotateSigningKey(dataDir, undefined, { now: at });
      assert.equal(r.oldKeyUntil, new Date(at.getTime() + RETIRED_KEY_GRACE_MS).toISOString());
      assert.ok(RETIRED_KEY_GRACE_MS > 24 * 3600_000, 'longer than the longest token Vigil issues');
      const verifyAt = async (ms: number) => {
        const k = await loadOrCreateSigningKeys(keysDir, undefined, () => ms);
        const v = new TokenVerifier(k, { issuers: ['https://vigil.test/t1/v2.0'], directory });
        const ok = await v.verify(`Bearer ${token}`, [LOGS]).then(() => true, () => false);
        return { ok, published: k.jwks.keys.map((x) => x.kid) };
      };
      const inWindow = await verifyAt(at.getTime() + 23 * 3600_000);
      assert.deepEqual(inWindow, { ok: true, published: [r.to, r.from] });
      const afterWindow = await verifyAt(at.getTime() + RETIRED_KEY_GRACE_MS + 1);
      assert.deepEqual(afterWindow, { ok: false, published: [r.to] });
      // The next rotation prunes it from the file.
      const again = await rotateSigningKey(dataDir, undefined, { now: new Date(at.getTime() + RETIRED_KEY_GRACE_MS + 1) });
      assert.deepEqual(again.retired.map((k) => k.kid), [r.to]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
