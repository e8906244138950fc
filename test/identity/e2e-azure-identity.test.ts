/**
 * End to end: the official `@azure/identity` ClientSecretCredential gets a token from Vigil's
 * token service over HTTPS with the local CA, and TokenVerifier accepts it. The SDK runs in a
 * child process because Node reads NODE_EXTRA_CA_CERTS only at startup.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { identityRoutes } from '../../src/identity/routes.js';
import { generateClientSecret, hashSecret } from '../../src/identity/secrets.js';
import { loadOrCreateSigningKeys } from '../../src/identity/signing-keys.js';
import { TokenIssuer } from '../../src/identity/token-issuer.js';
import { TokenVerifier } from '../../src/identity/token-verifier.js';
import { ensureTlsMaterial } from '../../src/server/tls.js';
import { APP_ID, LOG_ANALYTICS, MemoryDirectory, MONITOR, OBJECT_ID, servicePrincipal, TENANT_ID, tempDir } from './helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = tempDir({ after });
const secret = generateClientSecret();
let app: FastifyInstance;
let base: string;
let caPath: string;
let verifier: TokenVerifier;

/** Runs the SDK in a child process; it prints one JSON line: the token or the error. */
const CHILD = `
import { ClientSecretCredential } from '@azure/identity';
const [tenant, client, secret, authorityHost, ...scopes] = process.argv.slice(1);
const cred = new ClientSecretCredential(tenant, client, secret, { authorityHost, disableInstanceDiscovery: true });
const out = [];
try {
  for (const scope of scopes) {
    const t = await cred.getToken(scope);
    const cae = await cred.getToken(scope, { enableCae: true });
    out.push({ token: t.token, expiresOnTimestamp: t.expiresOnTimestamp, caeToken: cae.token });
  }
  console.log(JSON.stringify({ ok: out }));
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, message: e.message } }));
}
`;

function runSdk(clientSecret: string, ...scopes: string[]): Promise<any> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: caPath };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD, TENANT_ID, APP_ID, clientSecret, base, ...scopes],
      { cwd: REPO_ROOT, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()!));
        } catch {
          reject(new Error(`unexpected child output: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

before(async () => {
  const tls = await ensureTlsMaterial(dataDir);
  caPath = tls.caPath;
  const keys = await loadOrCreateSigningKeys(path.join(dataDir, 'keys'));
  const directory = new MemoryDirectory([servicePrincipal(await hashSecret(secret))]);
  let publicBase = '';
  const issuer = new TokenIssuer(keys, (tid) => `${publicBase}/${tid}/v2.0`);
  app = Fastify({ https: { key: tls.keyPem, cert: tls.certPem, minVersion: 'TLSv1.2' } });
  await app.register(identityRoutes, {
    directory,
    issuer,
    tenantId: TENANT_ID,
    publicBaseUrl: () => publicBase,
    allowedAudiences: [MONITOR, LOG_ANALYTICS],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = publicBase = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  verifier = new TokenVerifier(keys, { issuers: [`${base}/${TENANT_ID}/v2.0`], directory });
});
after(() => app?.close());

test('ClientSecretCredential gets tokens that TokenVerifier accepts (plain and CAE)', async () => {
  const res = await runSdk(secret, `${MONITOR}/.default`, `${LOG_ANALYTICS}/.default`);
  assert.ok(res.ok, JSON.stringify(res.error));
  const [monitor, la] = res.ok;
  for (const tok of [monitor.token, monitor.caeToken]) {
    const p = await verifier.verify(`Bearer ${tok}`, [MONITOR]);
    assert.deepEqual([p.objectId, p.appId, p.tenantId], [OBJECT_ID, APP_ID, TENANT_ID]);
  }
  const inAnHour = Date.now() + 3600_000;
  assert.ok(Math.abs(monitor.expiresOnTimestamp - inAnHour) < 120_000, 'SDK sees a ~1 h expiry');
  await verifier.verify(`Bearer ${la.token}`, [LOG_ANALYTICS]);
  await assert.rejects(verifier.verify(`Bearer ${la.token}`, [MONITOR]), { code: 'InvalidAuthenticationTokenAudience' });
});

test('a wrong secret surfaces as the SDK error with invalid_client', async () => {
  const res = await runSdk(generateClientSecret(), `${MONITOR}/.default`);
  assert.equal(res.error?.name, 'AuthenticationRequiredError', JSON.stringify(res));
  assert.match(res.error.message, /invalid_client/);
  assert.match(res.error.message, /AADSTS7000215/);
});

test('a resource Vigil does not serve is refused', async () => {
  const res = await runSdk(secret, 'https://management.azure.com/.default');
  assert.ok(res.error, JSON.stringify(res));
  assert.match(res.error.message, /invalid_scope|AADSTS500011/);
});
