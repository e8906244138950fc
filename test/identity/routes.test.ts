import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { FailureThrottle, identityRoutes } from '../../src/identity/routes.js';
import { generateClientSecret, hashSecret, verifySecret } from '../../src/identity/secrets.js';
import { loadOrCreateSigningKeys } from '../../src/identity/signing-keys.js';
import { TokenIssuer } from '../../src/identity/token-issuer.js';
import { TokenVerifier } from '../../src/identity/token-verifier.js';
import { APP_ID, issuerFor, LOG_ANALYTICS, MemoryDirectory, MONITOR, OBJECT_ID, servicePrincipal, TENANT_ID, tempDir } from './helpers.js';

const BASE = 'https://127.0.0.1:8443';
const FORM = 'application/x-www-form-urlencoded;charset=utf-8';
const EXPIRED_APP = '0b7e7f3e-0000-4000-8000-00000000e001';
const DISABLED_APP = '0b7e7f3e-0000-4000-8000-00000000d001';
const keysDir = tempDir({ after });

let app: FastifyInstance;
let verifier: TokenVerifier;
let directory: MemoryDirectory;
const secret = generateClientSecret();
/** The stored hashes each secret verification ran against (observed through the routes' verifySecret option). */
const verified: string[] = [];

before(async () => {
  const hash = await hashSecret(secret);
  directory = new MemoryDirectory([
    servicePrincipal(hash),
    servicePrincipal(hash, {
      appId: EXPIRED_APP,
      objectId: 'obj-expired',
      secrets: [{ keyId: 'k', hash, endDateTime: new Date(Date.now() - 1000).toISOString() }],
    }),
    servicePrincipal(hash, { appId: DISABLED_APP, objectId: 'obj-disabled' }),
  ]);
  directory.disabled.add('obj-disabled');
  const keys = await loadOrCreateSigningKeys(keysDir);
  const issuer = new TokenIssuer(keys, issuerFor(BASE));
  verifier = new TokenVerifier(keys, { issuers: [issuer.issuerFor(TENANT_ID)], directory });
  app = Fastify();
  await app.register(identityRoutes, {
    directory,
    issuer,
    tenantId: TENANT_ID,
    publicBaseUrl: () => BASE,
    allowedAudiences: [MONITOR, LOG_ANALYTICS],
    throttle: { maxFailures: 10, windowSeconds: 60 },
    verifySecret: (s, h) => {
      verified.push(h);
      return verifySecret(s, h);
    },
  });
  await app.ready();
});
after(() => app.close());

function token(params: Record<string, string | string[]>, opts: { tenant?: string; contentType?: string; query?: string } = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) body.append(k, x);
  return app.inject({
    method: 'POST',
    url: `/${opts.tenant ?? TENANT_ID}/oauth2/v2.0/token${opts.query ?? ''}`,
    headers: { 'content-type': opts.contentType ?? FORM },
    payload: body.toString(),
  });
}

const good = (over: Record<string, string | string[]> = {}) => ({
  client_id: APP_ID,
  client_secret: secret,
  grant_type: 'client_credentials',
  scope: `${MONITOR}/.default`,
  ...over,
});

function assertAad(res: LightMyRequestResponse, status: number, error: string, code: number) {
  assert.equal(res.statusCode, status, res.body);
  const b = res.json();
  assert.equal(b.error, error);
  assert.deepEqual(b.error_codes, [code]);
  assert.ok(b.error_description.startsWith(`AADSTS${code}: `), b.error_description);
  assert.match(b.trace_id, /^[0-9a-f-]{36}$/);
  assert.match(b.correlation_id, /^[0-9a-f-]{36}$/);
  assert.match(b.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.ok(!res.body.includes(secret), 'the secret is never echoed');
  return b;
}

describe('discovery', () => {
  test('openid-configuration has the keys MSAL requires, for the tenant GUID in any case', async () => {
    for (const tenant of [TENANT_ID, TENANT_ID.toUpperCase()]) {
      const res = await app.inject(`/${tenant}/v2.0/.well-known/openid-configuration`);
      assert.equal(res.statusCode, 200);
      const c = res.json();
      assert.equal(c.issuer, `${BASE}/${TENANT_ID}/v2.0`);
      assert.equal(c.token_endpoint, `${BASE}/${TENANT_ID}/oauth2/v2.0/token`);
      assert.equal(c.jwks_uri, `${BASE}/${TENANT_ID}/discovery/v2.0/keys`);
      assert.equal(c.authorization_endpoint, `${BASE}/${TENANT_ID}/oauth2/v2.0/authorize`);
      assert.deepEqual(c.response_types_supported, ['token']);
      assert.deepEqual(c.id_token_signing_alg_values_supported, ['RS256']);
      assert.deepEqual(c.token_endpoint_auth_methods_supported, ['client_secret_post']);
      assert.equal(c.tenant_region_scope, null);
    }
  });

  test('an unknown tenant is an AAD-shaped invalid_tenant', async () => {
    assertAad(await app.inject('/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration'), 400, 'invalid_tenant', 90002);
    assertAad(await app.inject('/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys'), 400, 'invalid_tenant', 90002);
    assertAad(await token(good(), { tenant: 'common' }), 400, 'invalid_tenant', 90002);
  });

  test('JWKS', async () => {
    const res = await app.inject(`/${TENANT_ID}/discovery/v2.0/keys`);
    assert.equal(res.statusCode, 200);
    const { keys } = res.json();
    assert.equal(keys.length, 1);
    assert.deepEqual(Object.keys(keys[0]).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(keys[0].use, 'sig');
  });
});

describe('token endpoint', () => {
  test('client credentials issue a token that the verifier accepts', async () => {
    const res = await token(good({ claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}', 'x-client-SKU': 'msal.js.node' }), {
      query: '?client-request-id=0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const b = res.json();
    assert.deepEqual(Object.keys(b).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.expires_in, 3599);
    assert.equal(b.ext_expires_in, 3599);
    const p = await verifier.verify(`Bearer ${b.access_token}`, [MONITOR]);
    assert.deepEqual([p.objectId, p.appId, p.tenantId, p.kind], [OBJECT_ID, APP_ID, TENANT_ID, 'ServicePrincipal']);
    await assert.rejects(verifier.verify(`Bearer ${b.access_token}`, [LOG_ANALYTICS]), { code: 'InvalidAuthenticationTokenAudience' });
  });

  test('plain form content type, a trailing-slash resource and OIDC scopes are accepted', async () => {
    const res = await token(good({ scope: `openid profile offline_access ${LOG_ANALYTICS}//.default` }), {
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(res.statusCode, 200, res.body);
    const aud = JSON.parse(Buffer.from(res.json().access_token.split('.')[1], 'base64url').toString()).aud;
    assert.equal(aud, `${LOG_ANALYTICS}/`);
    await verifier.verify(`Bearer ${res.json().access_token}`, [LOG_ANALYTICS]);
  });

  test('unknown client → 400 unauthorized_client AADSTS700016', async () => {
    assertAad(await token(good({ client_id: '11111111-2222-3333-4444-555555555555' })), 400, 'unauthorized_client', 700016);
  });

  test('wrong secret → 401 invalid_client AADSTS7000215; expired secret → AADSTS7000222', async () => {
    assertAad(await token(good({ client_secret: generateClientSecret() })), 401, 'invalid_client', 7000215);
    assertAad(await token(good({ client_id: EXPIRED_APP })), 401, 'invalid_client', 7000222);
    assertAad(await token(good({ client_id: EXPIRED_APP, client_secret: 'nope' })), 401, 'invalid_client', 7000215);
  });

  test('a disabled application gets no token', async () => {
    assertAad(await token(good({ client_id: DISABLED_APP })), 400, 'unauthorized_client', 7000112);
  });

  test('bad scopes → invalid_scope', async () => {
    assertAad(await token(good({ scope: MONITOR })), 400, 'invalid_scope', 70011);
    assertAad(await token(good({ scope: `${MONITOR}/user_impersonation` })), 400, 'invalid_scope', 70011);
    assertAad(await token(good({ scope: '/.default' })), 400, 'invalid_scope', 70011);
    assertAad(await token(good({ scope: `${MONITOR}/.default ${LOG_ANALYTICS}/.default` })), 400, 'invalid_scope', 70011);
    assertAad(await token(good({ scope: 'https://management.azure.com/.default' })), 400, 'invalid_scope', 500011);
    assertAad(await token(good({ scope: 'https://monitor.azure.com.evil.example/.default' })), 400, 'invalid_scope', 500011);
  });

  test('wrong grant type → unsupported_grant_type AADSTS70003', async () => {
    assertAad(await token(good({ grant_type: 'password' })), 400, 'unsupported_grant_type', 70003);
    assertAad(await token(good({ grant_type: 'authorization_code' })), 400, 'unsupported_grant_type', 70003);
  });

  test('missing parameters → invalid_request AADSTS900144', async () => {
    for (const name of ['grant_type', 'client_id', 'client_secret', 'scope']) {
      const params: Record<string, string> = good();
      delete params[name];
      const b = assertAad(await token(params), 400, 'invalid_request', 900144);
      assert.ok(b.error_description.includes(`'${name}'`));
    }
    assertAad(await token(good({ client_secret: '' })), 400, 'invalid_request', 900144);
  });

  test('repeated parameters, JSON bodies, other charsets and oversize bodies are refused AAD-style', async () => {
    assertAad(await token(good({ client_id: [APP_ID, '11111111-2222-3333-4444-555555555555'] })), 400, 'invalid_request', 9002313);
    const json = await app.inject({ method: 'POST', url: `/${TENANT_ID}/oauth2/v2.0/token`, payload: good() });
    assertAad(json, 400, 'invalid_request', 900144);
    assertAad(await token(good(), { contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1' }), 415, 'invalid_request', 9002313);
    assertAad(await token(good({ padding: 'x'.repeat(20_000) })), 413, 'invalid_request', 9002313);
    assertAad(await token(good({ client_id: 'x'.repeat(200) })), 400, 'invalid_request', 700038);
  });

  test('after 10 failures a client id is locked out with 429 and Retry-After, even with the right secret', async () => {
    const hash = await hashSecret(secret);
    const appId = '22222222-0000-4000-8000-000000000099';
    directory.principals.push(servicePrincipal(hash, { appId, objectId: 'obj-throttle' }));
    for (let i = 0; i < 10; i++) assertAad(await token(good({ client_id: appId, client_secret: `wrong-${i}` })), 401, 'invalid_client', 7000215);
    const locked = await token(good({ client_id: appId }));
    assertAad(locked, 429, 'temporarily_unavailable', 50053);
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
    // The client id is matched case-insensitively; other clients are unaffected.
    assertAad(await token(good({ client_id: appId.toUpperCase() })), 429, 'temporarily_unavailable', 50053);
    assert.equal((await token(good())).statusCode, 200);
    // Successful sign-ins do not consume the budget.
    for (let i = 0; i < 15; i++) assert.equal((await token(good())).statusCode, 200);
    // Unknown client ids are throttled the same way.
    const ghost = '33333333-0000-4000-8000-000000000000';
    for (let i = 0; i < 10; i++) assertAad(await token(good({ client_id: ghost })), 400, 'unauthorized_client', 700016);
    assertAad(await token(good({ client_id: ghost })), 429, 'temporarily_unavailable', 50053);
    // A concurrent burst cannot get more than the limit through to secret verification.
    const burstApp = '55555555-0000-4000-8000-000000000000';
    const burst = await Promise.all(Array.from({ length: 30 }, () => token(good({ client_id: burstApp, client_secret: 'x' }))));
    assert.equal(burst.filter((r) => r.statusCode === 400).length, 10);
    assert.equal(burst.filter((r) => r.statusCode === 429).length, 20);
  });

  test('an unknown client costs a secret verification too (no fast path that reveals it)', async () => {
    // Counted, not timed: the same number of argon2id verifications, with the same cost parameters.
    const params = (h: string) => /^\$argon2id\$v=19\$(m=\d+,t=\d+,p=\d+)\$/.exec(h)?.[1];
    const attempt = async (clientId: string) => {
      verified.length = 0;
      await token(good({ client_id: clientId, client_secret: 'wrong' }));
      return [...verified];
    };
    const known = await attempt(APP_ID);
    const unknown = await attempt('44444444-0000-4000-8000-000000000000');
    assert.equal(known.length, 1, 'the known client has one secret');
    assert.equal(unknown.length, 1, 'the unknown client is verified against a dummy hash');
    assert.notEqual(unknown[0], known[0]);
    assert.ok(params(known[0]!), known[0]);
    assert.equal(params(unknown[0]!), params(known[0]!), 'the dummy hash costs what a real one does');
    // A malformed client id or an oversized secret takes the same path.
    assert.equal((await attempt('not-a-guid')).length, 1);
  });
});

test('FailureThrottle: window, reset and bounded memory', () => {
  let now = 0;
  const th = new FailureThrottle(3, 60_000, 4, () => now);
  for (let i = 0; i < 3; i++) th.recordFailure('a');
  assert.equal(th.retryAfterSeconds('a'), 60);
  now = 59_001;
  assert.equal(th.retryAfterSeconds('a'), 1);
  now = 60_000;
  assert.equal(th.retryAfterSeconds('a'), undefined);
  // A success takes back only its own count: earlier failures still count.
  th.recordFailure('b');
  th.recordFailure('b');
  th.recordFailure('b');
  th.forgive('b');
  assert.equal(th.retryAfterSeconds('b'), undefined);
  th.recordFailure('b');
  assert.equal(th.retryAfterSeconds('b'), 60);
  // Locked entries survive a flood of new keys longer than unlocked ones.
  for (let i = 0; i < 3; i++) th.recordFailure('locked');
  for (let i = 0; i < 20; i++) th.recordFailure(`flood-${i}`);
  assert.ok(th.retryAfterSeconds('locked') !== undefined);
});
