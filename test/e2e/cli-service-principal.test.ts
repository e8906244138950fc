/** `vigil sp create --name X` against a running server: prints working credentials once, stores only a hash. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { AUD, call } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const run = promisify(execFile);

describe('vigil sp create', { timeout: 120_000 }, () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => vigil?.dispose());

  it('creates a principal whose printed secret signs in, and keeps only its hash', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'sp', 'create', '--name', 'ci-reader', '--data-dir', vigil.dataDir]);
    const created = JSON.parse(stdout) as { tenantId: string; clientId: string; clientSecret: string; objectId: string; displayName: string; authorityHost: string };
    assert.equal(created.displayName, 'ci-reader');
    assert.equal(created.tenantId, vigil.bootstrap.tenantId);
    assert.match(stderr, /Save the clientSecret now/);
    const credential = new ClientSecretCredential(created.tenantId, created.clientId, created.clientSecret, { authorityHost: created.authorityHost, disableInstanceDiscovery: true });
    const token = (await credential.getToken(`${AUD.logs}/.default`)).token;
    // No roles yet: authenticated, but refused (403, as in Azure).
    const res = await call(vigil.bootstrap, token, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, { query: 'print 1' });
    assert.equal(res.status, 403, res.text);
    const metadata = readFileSync(join(vigil.dataDir, 'metadata.json'), 'utf8');
    assert.ok(!metadata.includes(created.clientSecret), 'the secret is not stored in clear');
    assert.match(metadata, /\$argon2id\$/);
  });

  it('grants a role at a scope when asked, and the principal can use it', async () => {
    const b = vigil.bootstrap;
    const { stdout } = await run(process.execPath, [CLI, 'sp', 'create', '--name', 'ws-reader', '--data-dir', vigil.dataDir, '--role', 'Log Analytics Reader', '--scope', b.workspaceResourceId]);
    const created = JSON.parse(stdout) as { tenantId: string; clientId: string; clientSecret: string; roleAssignmentId: string; authorityHost: string };
    assert.match(created.roleAssignmentId, /\/providers\/Microsoft\.Authorization\/roleAssignments\/[0-9a-f-]{36}$/);
    const credential = new ClientSecretCredential(created.tenantId, created.clientId, created.clientSecret, { authorityHost: created.authorityHost, disableInstanceDiscovery: true });
    const token = (await credential.getToken(`${AUD.logs}/.default`)).token;
    const res = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'print 1' });
    assert.equal(res.status, 200, res.text);
    await assert.rejects(run(process.execPath, [CLI, 'sp', 'create', '--name', 'typo', '--data-dir', vigil.dataDir, '--role', 'Log Analytics Raeder', '--scope', b.workspaceResourceId]), (e: { stderr?: string }) => {
      assert.match(e.stderr ?? '', /no role named 'Log Analytics Raeder'/);
      return true;
    });
  });

  it('fails with a clear message when no Vigil has run in the data folder', async () => {
    await assert.rejects(run(process.execPath, [CLI, 'sp', 'create', '--name', 'x', '--data-dir', join(vigil.dataDir, 'nowhere')]), (e: { stderr?: string }) => {
      assert.match(e.stderr ?? '', /bootstrap\.json/);
      return true;
    });
  });
});
