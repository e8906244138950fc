/**
 * Mutual TLS on a private listener (`--private-listener 127.0.0.2:0,client-ca=FILE`): an agent with a
 * certificate from the agents' CA whose subject CN is a service principal's client id ingests and
 * queries without a token, as that principal; no certificate, or one from another CA, fails the
 * handshake; a certificate for no known principal is 401; the control plane ignores certificates;
 * the public listener is unaffected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clientCa, type IssuedCertificate as Issued } from '../support/client-ca.js';
import { createLogTable } from '../support/log-table.js';
import { AUD } from '../support/principals.js';
import { sdkClients } from '../support/clients.js';
import { TEST_CA_DIR } from '../support/test-ca.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const SERVER_CA = readFileSync(join(TEST_CA_DIR, 'tls', 'ca.pem'), 'utf8');

interface Result {
  status?: number;
  body?: string;
  error?: string;
}

function request(url: string, method: string, path: string, client: Issued | undefined, body?: unknown, token?: string): Promise<Result> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: u.hostname,
        port: Number(u.port),
        method,
        path,
        ca: SERVER_CA,
        agent: false,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', (err) => resolve({ error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('mutual TLS on a private listener', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mtls-'));
  let vigil: VigilProcess;
  let privateUrl: string;
  let agents: Awaited<ReturnType<typeof clientCa>>;
  let rogue: Awaited<ReturnType<typeof clientCa>>;
  let ruleId: string;

  before(async () => {
    agents = await clientCa('Agents CA');
    rogue = await clientCa('Rogue CA');
    writeFileSync(join(dir, 'agents-ca.pem'), agents.pem);
    vigil = await startVigil({ args: ['--private-listener', `127.0.0.2:0,client-ca=${join(dir, 'agents-ca.pem')}`] });
    privateUrl = /private listener on (https:\/\/\S+)/.exec(vigil.output())![1]!;
    ruleId = await createLogTable(vigil.bootstrap, 'Agent_CL', 'Agent', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
    ]);
  });
  after(async () => {
    await vigil?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const ingestPath = () => `/dataCollectionRules/${ruleId}/streams/Custom-Agent?api-version=2023-01-01`;

  test("a good client certificate (CN = a principal's client id) ingests and queries without a token", async () => {
    const good = await agents.issue(vigil.bootstrap.clientId);
    const ing = await request(privateUrl, 'POST', ingestPath(), good, [{ TimeGenerated: new Date().toISOString(), Message: 'from agent' }]);
    assert.equal(ing.status, 204, ing.error ?? ing.body);
    const q = await request(privateUrl, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, good, { query: 'Agent_CL | project Message' });
    assert.equal(q.status, 200, q.error ?? q.body);
    assert.deepEqual(JSON.parse(q.body!).tables[0].rows, [['from agent']]);
  });

  test('no client certificate, or one from another CA, fails the handshake', async () => {
    const none = await request(privateUrl, 'GET', '/healthz', undefined);
    assert.equal(none.status, undefined, `answered ${none.status} without a client certificate`);
    assert.match(none.error!, /certificate|alert|ECONNRESET|socket hang up/i);
    const bad = await request(privateUrl, 'POST', ingestPath(), await rogue.issue(vigil.bootstrap.clientId), [{ Message: 'rogue' }]);
    assert.equal(bad.status, undefined, `answered ${bad.status} to a rogue certificate`);
    assert.match(bad.error!, /certificate|alert|ECONNRESET|socket hang up/i);
  });

  test('a certificate for no known principal is 401; the control plane ignores certificates', async () => {
    const stranger = await agents.issue('00000000-0000-0000-0000-00000000beef');
    const r = await request(privateUrl, 'POST', ingestPath(), stranger, [{ Message: 'x' }]);
    assert.equal(r.status, 401, r.body);
    assert.equal(JSON.parse(r.body!).error.code, 'InvalidAuthenticationToken');
    const good = await agents.issue(vigil.bootstrap.clientId);
    const armCall = await request(privateUrl, 'GET', `${vigil.bootstrap.workspaceResourceId}?api-version=2025-02-01`, good);
    assert.equal(armCall.status, 401, armCall.body);
    // With a token, the mutual-TLS listener serves the control plane as usual.
    const token = (await sdkClients(vigil.bootstrap).credential.getToken(`${AUD.arm}/.default`)).token;
    const withToken = await request(privateUrl, 'GET', `${vigil.bootstrap.workspaceResourceId}?api-version=2025-02-01`, good, undefined, token);
    assert.equal(withToken.status, 200, withToken.body);
  });

  test('the public listener asks for no client certificate', async () => {
    const r = await request(vigil.endpoint, 'GET', '/healthz', undefined);
    assert.equal(r.status, 200, r.error);
    const noToken = await request(vigil.endpoint, 'POST', ingestPath(), await agents.issue(vigil.bootstrap.clientId), [{ Message: 'x' }]);
    assert.equal(noToken.status, 401, 'a certificate the public listener did not ask for signs nobody in');
  });
});
