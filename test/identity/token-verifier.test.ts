import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, constants, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { loadOrCreateSigningKeys, SIGNING_KEY_FILE, type SigningKeys } from '../../src/identity/signing-keys.js';
import { TokenIssuer } from '../../src/identity/token-issuer.js';
import { TokenVerifier } from '../../src/identity/token-verifier.js';
import { ApiError } from '../../src/errors/api-error.js';
import { APP_ID, issuerFor, LOG_ANALYTICS, MemoryDirectory, MONITOR, OBJECT_ID, servicePrincipal, TENANT_ID, tempDir } from './helpers.js';

const BASE = 'https://127.0.0.1:8443';
const ISSUER = `${BASE}/${TENANT_ID}/v2.0`;
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

let keys: SigningKeys;
const keysDir = path.join(tempDir({ after }), 'keys');
let rsaPrivate: KeyObject; // Vigil's own private key, for crafting tokens by hand
let directory: MemoryDirectory;
let issuer: TokenIssuer;
let verifier: TokenVerifier;
const subject = { objectId: OBJECT_ID, appId: APP_ID, tenantId: TENANT_ID, kind: 'ServicePrincipal' as const };

function claims(over: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { aud: MONITOR, iss: ISSUER, tid: TENANT_ID, oid: OBJECT_ID, sub: OBJECT_ID, appid: APP_ID, azp: APP_ID, iat: now, nbf: now, exp: now + 3600, ...over };
}

/** A token signed by Vigil's real key, with any header/claims: only claim checks can refuse it. */
function signWithVigilKey(payload: JWTPayload, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: keys.kid, ...header })}.${b64(payload)}`;
  return `${input}.${nodeSign('sha256', Buffer.from(input), rsaPrivate).toString('base64url')}`;
}

async function rejects(header: string | undefined, code: string, audiences = [MONITOR]): Promise<ApiError> {
  try {
    await verifier.verify(header, audiences);
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.equal(err.code, code, err.message);
    assert.deepEqual(err.headers, {}, 'no WWW-Authenticate or other headers');
    // No part of the token is echoed back.
    for (const part of (header ?? '').replace(/^\S+\s*/, '').split('.')) if (part.length > 8) assert.ok(!err.message.includes(part));
    return err;
  }
  assert.fail(`expected ${code}, but the token was accepted`);
}

before(async () => {
  keys = await loadOrCreateSigningKeys(keysDir);
  const stored = JSON.parse(readFileSync(path.join(keysDir, SIGNING_KEY_FILE), 'utf8'));
  rsaPrivate = createPrivateKey({ key: stored.jwk, format: 'jwk' });
  directory = new MemoryDirectory([servicePrincipal('unused')]);
  issuer = new TokenIssuer(keys, issuerFor(BASE));
  verifier = new TokenVerifier(keys, { issuers: [ISSUER], directory });
});

describe('signing keys', () => {
  test('are created 0600 in a 0700 directory and reused after a restart', async () => {
    assert.equal(statSync(keysDir).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(keysDir, SIGNING_KEY_FILE)).mode & 0o777, 0o600);
    const { token } = await issuer.issue(subject, MONITOR);
    const reloaded = await loadOrCreateSigningKeys(keysDir);
    assert.equal(reloaded.kid, keys.kid);
    const p = await new TokenVerifier(reloaded, { issuers: [ISSUER], directory }).verify(`Bearer ${token}`, [MONITOR]);
    assert.equal(p.objectId, OBJECT_ID);
  });

  test('JWKS exposes only the public part', () => {
    assert.equal(keys.jwks.keys.length, 1);
    const [jwk] = keys.jwks.keys;
    assert.deepEqual(Object.keys(jwk!).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(jwk!.kid, keys.kid);
    assert.equal(Buffer.from(jwk!.n, 'base64url').length * 8, 2048);
  });

  test('a key file whose kid does not match its key is refused', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, SIGNING_KEY_FILE);
    await loadOrCreateSigningKeys(dir);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...stored, kid: 'forged' }));
    await assert.rejects(loadOrCreateSigningKeys(dir), /kid does not match/);
    writeFileSync(file, '{not json');
    await assert.rejects(loadOrCreateSigningKeys(dir), /invalid/);
  });
});

describe('issued tokens', () => {
  test('carry the Entra v2.0 claims and verify', async () => {
    const { token, expiresOn } = await issuer.issue(subject, MONITOR);
    const [h, p] = token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
    assert.deepEqual(h, { alg: 'RS256', typ: 'JWT', kid: keys.kid });
    assert.equal(p.aud, MONITOR);
    assert.equal(p.iss, ISSUER);
    assert.equal(p.tid, TENANT_ID);
    assert.equal(p.oid, OBJECT_ID);
    assert.equal(p.sub, OBJECT_ID);
    assert.equal(p.appid, APP_ID);
    assert.equal(p.azp, APP_ID);
    assert.equal(p.idtyp, 'app');
    assert.equal(p.ver, '2.0');
    assert.equal(p.exp, expiresOn);
    assert.equal(p.exp - p.iat, 3600);
    assert.equal(p.nbf, p.iat);
    assert.ok(typeof p.uti === 'string' && p.uti.length >= 16);
    assert.equal(p.jti, p.uti);
    const other = await issuer.issue(subject, MONITOR);
    assert.notEqual(JSON.parse(Buffer.from(other.token.split('.')[1]!, 'base64url').toString()).uti, p.uti);

    const principal = await verifier.verify(`Bearer ${token}`, [MONITOR]);
    assert.deepEqual(
      { objectId: principal.objectId, appId: principal.appId, tenantId: principal.tenantId, kind: principal.kind },
      { objectId: OBJECT_ID, appId: APP_ID, tenantId: TENANT_ID, kind: 'ServicePrincipal' },
    );
    assert.equal(principal.claims.aud, MONITOR);
  });

  test('managed identity kind round-trips; scheme is case-insensitive', async () => {
    const { token } = await issuer.issue({ ...subject, kind: 'ManagedIdentity' }, MONITOR);
    assert.equal((await verifier.verify(`bearer ${token}`, [MONITOR])).kind, 'ManagedIdentity');
  });

  test('audience matches with or without a trailing slash', async () => {
    const { token } = await issuer.issue(subject, `${MONITOR}/`);
    await verifier.verify(`Bearer ${token}`, [MONITOR]);
    const { token: t2 } = await issuer.issue(subject, MONITOR);
    await verifier.verify(`Bearer ${t2}`, [`${MONITOR}/`]);
    await verifier.verify(`Bearer ${t2}`, [LOG_ANALYTICS, MONITOR]);
  });

  test('a token within the clock tolerance is still accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    await verifier.verify(`Bearer ${signWithVigilKey(claims({ exp: now - 30 }))}`, [MONITOR]);
    await verifier.verify(`Bearer ${signWithVigilKey(claims({ nbf: now + 30 }))}`, [MONITOR]);
  });
});

describe('attacks and bad tokens are refused', () => {
  test('missing Authorization header', async () => {
    const e = await rejects(undefined, 'AuthenticationFailed');
    assert.equal(e.message, "Authentication failed. The 'Authorization' header is missing.");
    await rejects('', 'AuthenticationFailed');
  });

  test('ill-formed Authorization header', async () => {
    const { token } = await issuer.issue(subject, MONITOR);
    await rejects('Basic dXNlcjpwYXNz', 'AuthenticationFailed');
    await rejects('Bearer', 'AuthenticationFailed');
    await rejects('Bearer    ', 'AuthenticationFailed');
    await rejects(token, 'AuthenticationFailed'); // no scheme
    await rejects(`Basic ${token}`, 'AuthenticationFailed');
    await rejects('Bearer not-a-jwt', 'InvalidAuthenticationToken');
    await rejects(`Bearer ${token} extra`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${token}.${token}`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${'a'.repeat(20_000)}.b.c`, 'InvalidAuthenticationToken');
  });

  test('alg: none', async () => {
    await rejects(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${b64({ alg: 'none', typ: 'JWT', kid: keys.kid })}.${b64(claims())}.`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${b64({ alg: 'None', kid: keys.kid })}.${b64(claims())}.`, 'InvalidAuthenticationToken');
  });

  test('HS256 signed with the public key as the HMAC secret', async () => {
    const pems = [await exportSPKI(keys.publicKey), JSON.stringify(keys.jwks.keys[0]), keys.jwks.keys[0]!.n];
    for (const secret of pems) {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: keys.kid })}.${b64(claims())}`;
      const sig = createHmac('sha256', secret).update(input).digest('base64url');
      await rejects(`Bearer ${input}.${sig}`, 'InvalidAuthenticationToken');
    }
  });

  test('RS256 key used with another algorithm (PS256)', async () => {
    const input = `${b64({ alg: 'PS256', typ: 'JWT', kid: keys.kid })}.${b64(claims())}`;
    const sig = nodeSign('sha256', Buffer.from(input), { key: rsaPrivate, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    await rejects(`Bearer ${input}.${sig.toString('base64url')}`, 'InvalidAuthenticationToken');
  });

  test('unknown kid, and no kid', async () => {
    await rejects(`Bearer ${signWithVigilKey(claims(), { kid: 'someone-elses-key' })}`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${signWithVigilKey(claims(), { kid: undefined })}`, 'InvalidAuthenticationToken');
  });

  test("a different RSA key presenting Vigil's kid", async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid }).sign(attacker.privateKey);
    await rejects(`Bearer ${forged}`, 'InvalidAuthenticationToken');
  });

  test('a token that embeds its own key (jwk / jku / x5c headers)', async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    for (const extra of [{ jwk }, { jwk, kid: undefined }, { jku: 'https://evil.example/keys' }, { x5c: ['MIIB'] }]) {
      const header = { alg: 'RS256', typ: 'JWT', kid: keys.kid, ...extra };
      const forged = await new SignJWT(claims()).setProtectedHeader(header as never).sign(attacker.privateKey);
      await rejects(`Bearer ${forged}`, 'InvalidAuthenticationToken');
    }
    // Even signed with Vigil's own key, a key-carrying header is refused.
    await rejects(`Bearer ${signWithVigilKey(claims(), { jwk })}`, 'InvalidAuthenticationToken');
  });

  test('tampered payload or header', async () => {
    const { token } = await issuer.issue(subject, MONITOR);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    await rejects(`Bearer ${h}.${b64({ ...payload, oid: 'another-principal' })}.${s}`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${h}.${b64({ ...payload, exp: payload.exp + 86400 })}.${s}`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${b64({ alg: 'RS256', typ: 'JWT', kid: keys.kid, x: 1 })}.${p}.${s}`, 'InvalidAuthenticationToken');
    const flipped = Buffer.from(s, 'base64url');
    flipped[10]! ^= 1;
    await rejects(`Bearer ${h}.${p}.${flipped.toString('base64url')}`, 'InvalidAuthenticationToken');
    await rejects(`Bearer ${h}.${p}.`, 'InvalidAuthenticationToken');
  });

  test('wrong audience', async () => {
    const { token } = await issuer.issue(subject, LOG_ANALYTICS);
    const e = await rejects(`Bearer ${token}`, 'InvalidAuthenticationTokenAudience');
    assert.match(e.message, /^The access token has an audience that is not valid for this API: expected one of 'https:\/\/monitor\.azure\.com'/);
    await rejects(`Bearer ${signWithVigilKey(claims({ aud: 'https://monitor.azure.com.evil.example' }))}`, 'InvalidAuthenticationTokenAudience');
    await rejects(`Bearer ${signWithVigilKey(claims({ aud: [] }))}`, 'InvalidAuthenticationTokenAudience');
  });

  test('wrong issuer', async () => {
    const foreign = new TokenIssuer(keys, issuerFor('https://login.microsoftonline.com'));
    await rejects(`Bearer ${(await foreign.issue(subject, MONITOR)).token}`, 'InvalidAuthenticationTokenIssuer');
    await rejects(`Bearer ${signWithVigilKey(claims({ iss: `${ISSUER}/` }))}`, 'InvalidAuthenticationTokenIssuer');
  });

  test('expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const e = await rejects(`Bearer ${signWithVigilKey(claims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))}`, 'ExpiredAuthenticationToken');
    assert.equal(e.message, 'The access token has expired.');
  });

  test('not yet valid (nbf in the future)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejects(`Bearer ${signWithVigilKey(claims({ nbf: now + 600 }))}`, 'InvalidAuthenticationToken');
  });

  test('missing required claims', async () => {
    for (const drop of ['exp', 'nbf', 'oid', 'tid', 'aud', 'iss']) {
      const c = claims();
      delete c[drop];
      await rejects(`Bearer ${signWithVigilKey(c)}`, 'InvalidAuthenticationToken');
    }
    await rejects(`Bearer ${signWithVigilKey(claims({ appid: undefined, azp: undefined }))}`, 'InvalidAuthenticationToken');
  });

  test('wrong typ header', async () => {
    await rejects(`Bearer ${signWithVigilKey(claims(), { typ: 'at+jwt+evil' })}`, 'InvalidAuthenticationToken');
  });

  test('inactive (disabled or deleted) principal', async () => {
    const { token } = await issuer.issue(subject, MONITOR);
    directory.disabled.add(OBJECT_ID);
    try {
      await rejects(`Bearer ${token}`, 'InvalidAuthenticationToken');
    } finally {
      directory.disabled.delete(OBJECT_ID);
    }
    const { token: ghost } = await issuer.issue({ ...subject, objectId: 'deleted-principal' }, MONITOR);
    await rejects(`Bearer ${ghost}`, 'InvalidAuthenticationToken');
  });
});

describe('a verified token is remembered, but re-checked on every use (token cache)', () => {
  /** A verifier with its own clock (ms), so the tests move time instead of waiting. */
  const withClock = (over: { keys?: SigningKeys; clockToleranceSec?: number } = {}) => {
    const clock = { now: Date.now() };
    const v = new TokenVerifier(over.keys ?? keys, { issuers: [ISSUER], directory, clockToleranceSec: over.clockToleranceSec ?? 0, now: () => clock.now });
    return { v, clock };
  };
  const refused = async (v: TokenVerifier, token: string, code: string, audiences = [MONITOR]) => {
    await assert.rejects(v.verify(`Bearer ${token}`, audiences), (err: unknown) => err instanceof ApiError && err.status === 401 && err.code === code);
  };

  test('the same token is refused once it expires, and a not-yet-valid one until its nbf', async () => {
    const { v, clock } = withClock();
    const now = Math.floor(clock.now / 1000);
    const token = signWithVigilKey(claims({ iat: now, nbf: now, exp: now + 100 }));
    assert.equal((await v.verify(`Bearer ${token}`, [MONITOR])).objectId, OBJECT_ID);
    assert.equal((await v.verify(`Bearer ${token}`, [MONITOR])).objectId, OBJECT_ID, 'a second use (cached) is accepted');
    clock.now += 101_000;
    await refused(v, token, 'ExpiredAuthenticationToken');
    await refused(v, token, 'ExpiredAuthenticationToken');
    // The clock jumping back cannot make a token valid before its nbf, cached or not.
    const later = signWithVigilKey(claims({ iat: now, nbf: now + 500, exp: now + 3600 }));
    clock.now = (now + 500) * 1000;
    await v.verify(`Bearer ${later}`, [MONITOR]);
    clock.now = (now + 10) * 1000;
    await refused(v, later, 'InvalidAuthenticationToken');
  });

  test('a cached token is still held to the audience asked for and to its principal being active', async () => {
    const { v } = withClock();
    const { token } = await issuer.issue(subject, MONITOR);
    await v.verify(`Bearer ${token}`, [MONITOR]);
    await refused(v, token, 'InvalidAuthenticationTokenAudience', [LOG_ANALYTICS]);
    directory.disabled.add(OBJECT_ID);
    try {
      await refused(v, token, 'InvalidAuthenticationToken');
    } finally {
      directory.disabled.delete(OBJECT_ID);
    }
    await v.verify(`Bearer ${token}`, [MONITOR]);
  });

  test('a token stops working as soon as its signing key leaves the key set', async () => {
    let dropped = false;
    const shrinking = { ...keys, verificationKey: (kid: string) => (dropped ? undefined : keys.verificationKey(kid)) } as SigningKeys;
    const { v } = withClock({ keys: shrinking });
    const { token } = await issuer.issue(subject, MONITOR);
    await v.verify(`Bearer ${token}`, [MONITOR]);
    dropped = true;
    await refused(v, token, 'InvalidAuthenticationToken');
  });

  test('a tampered copy of a cached token is not taken for it', async () => {
    const { v } = withClock();
    const { token } = await issuer.issue(subject, MONITOR);
    await v.verify(`Bearer ${token}`, [MONITOR]);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${b64({ ...payload, oid: 'someone-else' })}.${s}`;
    await refused(v, forged, 'InvalidAuthenticationToken');
    // The signature of one token does not carry over to another with the same claims but a flipped bit.
    const i = h!.length + p!.length + 2 + 20; // a character inside the signature
    await refused(v, `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`, 'InvalidAuthenticationToken');
  });
});
