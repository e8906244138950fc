/**
 * `--control-plane-access private-only`: ARM and the Graph-shaped directory answer only on the private
 * listener; on the public one they are 403 before anything else. Tokens, ingestion and queries stay public.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { AUD } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { CLI } from '../support/vigil-process.js';
import { spawnSync } from 'node:child_process';

describe('control plane on private listeners only', { timeout: 120_000 }, () => {
  let vigil: VigilProcess;
  let privateUrl: string;
  before(async () => {
    vigil = await startVigil({ args: ['--private-listener', '127.0.0.2:0', '--control-plane-access', 'private-only'] });
    privateUrl = /private listener on (https:\/\/\S+)/.exec(vigil.output())![1]!;
  });
  after(async () => {
    await vigil?.dispose();
  });

  test('ARM and Graph are refused on the public listener and served on the private one', async () => {
    const b = vigil.bootstrap;
    const { credential } = sdkClients(b); // the token endpoint is on the public listener
    const arm = (await credential.getToken(`${AUD.arm}/.default`)).token;
    const graph = (await credential.getToken(`${AUD.graph}/.default`)).token;
    const path = `${b.workspaceResourceId}?api-version=2025-02-01`;
    for (const [p, token] of [[path, arm], [`//${path.slice(1)}`, arm], ['/v1.0/servicePrincipals', graph], [path, undefined]] as const) {
      const res = await fetch(`${b.endpoint}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      assert.equal(res.status, 403, p);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PublicNetworkAccessDisabled');
    }
    const priv = await fetch(`${privateUrl}${path}`, { headers: { authorization: `Bearer ${arm}` } });
    assert.equal(priv.status, 200);
    const graphPriv = await fetch(`${privateUrl}/v1.0/servicePrincipals`, { headers: { authorization: `Bearer ${graph}` } });
    assert.equal(graphPriv.status, 200);
    // Queries stay on the public listener.
    const logs = (await credential.getToken(`${AUD.logs}/.default`)).token;
    const q = await fetch(`${b.endpoint}/v1/workspaces/${b.workspaceId}/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${logs}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'print 1' }),
    });
    assert.equal(q.status, 200);
  });

  test('refuses to start private-only without a private listener', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--data-dir', vigil.dataDir, '--port', '0', '--insecure-dev-keys', '--control-plane-access', 'private-only'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /needs at least one --private-listener/);
  });
});
