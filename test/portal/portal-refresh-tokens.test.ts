/**
 * The portal's refresh tokens (issue 18), over HTTPS against a real server: the refresh_token grant
 * rotates the token at each use; a replayed (spent) refresh token revokes the whole family, the thief's
 * copy and the user's alike; a refresh token lives only as long as the sign-in session it came from —
 * sign-out, a password change, an admin's reset or disabling the user end it; another client, a client
 * secret, a foreign scope and garbage are refused with AAD's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUD, call, Principals } from '../support/principals.js';
import { cookieHeader, freshTotp, freshTotpTime, refresh, signInUser, type CreatedUser } from '../support/user-sign-in.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';


interface TokenAnswer { access_token?: string; refresh_token?: string; expires_in?: number; scope?: string; error?: string; error_description?: string; error_codes?: number[] }

describe('portal refresh tokens: rotation, reuse detection, bound to the sign-in session', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let graph: string;
  before(async () => {
    vigil = await startVigil();
    graph = await new Principals(vigil.bootstrap).adminToken(AUD.graph);
  });
  after(async () => vigil?.dispose());

  const use = async (refreshToken: string, overrides: Record<string, string> = {}) => {
    const r = await refresh(vigil.endpoint, vigil.bootstrap.tenantId, refreshToken, overrides);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    return { status: r.status, body: (await r.json()) as TokenAnswer };
  };
  const me = async (token: string) => (await call(vigil.bootstrap, token, 'GET', '/v1.0/me')).json<{ id: string; userPrincipalName: string }>();
  /** Users through Graph (as `vigil user create` does; the CLI itself is tested in portal-accounts). */
  const newUser = async (name: string): Promise<CreatedUser> => {
    const password = `the passphrase of ${name}`;
    const r = await call(vigil.bootstrap, graph, 'POST', '/v1.0/users', { displayName: name, userPrincipalName: `${name}@vigil.local`, passwordProfile: { password } });
    assert.equal(r.status, 201, r.text);
    const u = r.json<{ id: string; userPrincipalName: string; vigilTotp: { secret: string; uri: string } }>();
    return { objectId: u.id, userPrincipalName: u.userPrincipalName, password, totpSecret: u.vigilTotp.secret, totpUri: u.vigilTotp.uri, portal: `${vigil.endpoint}/portal/` };
  };
  /** An admin's change to a user (`vigil user reset-password|disable` send the same). */
  const patchUser = async (user: CreatedUser, body: Record<string, unknown>) => {
    const r = await call(vigil.bootstrap, graph, 'PATCH', `/v1.0/users/${user.objectId}`, body);
    assert.equal(r.status, 204, r.text);
  };

  it('issues a refresh token with the code, and rotates it at each use', async () => {
    const user = await newUser('rotating');
    const first = await signInUser(vigil, user);
    assert.match(first.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    const a = await use(first.refreshToken);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.ok(a.body.access_token && a.body.refresh_token && a.body.refresh_token !== first.refreshToken);
    assert.ok(a.body.expires_in! > 0);
    assert.equal((await me(a.body.access_token!)).userPrincipalName, user.userPrincipalName);
    const b = await use(a.body.refresh_token!);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.notEqual(b.body.refresh_token, a.body.refresh_token);
    assert.equal((await me(b.body.access_token!)).id, user.objectId);
  });

  it('a replayed refresh token revokes the family: the attacker’s copy and the user’s next token both fail', async () => {
    const user = await newUser('victim');
    const steps = { step: 0 };
    const { refreshToken: stolen } = await signInUser(vigil, user, await freshTotpTime(steps));
    // The user refreshes first; the attacker replays the stolen (now spent) token.
    const legit = await use(stolen);
    assert.equal(legit.status, 200);
    const replay = await use(stolen);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(replay.body.error_description!, /already used/);
    // The successor the user holds is revoked too.
    const next = await use(legit.body.refresh_token!);
    assert.equal(next.status, 400);
    assert.equal(next.body.error, 'invalid_grant');
    // The other way round: the attacker rotates first, then the user's spent copy revokes the attacker's.
    const { refreshToken: copy } = await signInUser(vigil, user, await freshTotpTime(steps));
    const thief = await use(copy);
    assert.equal(thief.status, 200);
    assert.equal((await use(copy)).status, 400);
    assert.equal((await use(thief.body.refresh_token!)).status, 400);
  });

  it('ends with the sign-in session: sign-out', async () => {
    const user = await newUser('leaving');
    const { refreshToken, session } = await signInUser(vigil, user);
    const out = await fetch(`${vigil.endpoint}/${vigil.bootstrap.tenantId}/oauth2/v2.0/logout`, {
      method: 'POST',
      headers: { origin: vigil.endpoint, 'x-vigil-portal': '1', cookie: cookieHeader(session) },
    });
    assert.equal(out.status, 204);
    const r = await use(refreshToken);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_grant');
    assert.match(r.body.error_description!, /sign-in session .* has ended/);
  });

  it('ends when the user changes its password, an admin resets it or disables the user', async () => {
    const changer = await newUser('changing');
    const steps = { step: 0 }; // each TOTP step serves once
    const s1 = await signInUser(vigil, changer, await freshTotpTime(steps));
    const changed = await call(vigil.bootstrap, s1.token, 'POST', '/v1.0/me/changePassword', {
      currentPassword: changer.password,
      newPassword: 'another long passphrase 9',
      vigilTotpCode: await freshTotp(changer.totpSecret, steps),
    });
    assert.equal(changed.status, 204, changed.text);
    assert.equal((await use(s1.refreshToken)).status, 400);

    const reset = await newUser('resetting');
    const s2 = await signInUser(vigil, reset);
    await patchUser(reset, { passwordProfile: { password: 'reset by the admin 12345' } });
    assert.equal((await use(s2.refreshToken)).status, 400);

    const disabled = await newUser('disabling');
    const s3 = await signInUser(vigil, disabled);
    const before = await use(s3.refreshToken);
    assert.equal(before.status, 200);
    await patchUser(disabled, { accountEnabled: false });
    const r = await use(before.body.refresh_token!);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_grant');
  });

  it('refuses another client, a client secret, another resource and unknown tokens', async () => {
    const user = await newUser('strict');
    const steps = { step: 0 };
    const s = await signInUser(vigil, user, await freshTotpTime(steps));
    const secret = await use(s.refreshToken, { client_secret: 'x' });
    assert.equal(secret.status, 400);
    assert.equal(secret.body.error, 'invalid_request');
    const scope = await use(s.refreshToken, { scope: 'https://management.azure.com/.default' });
    assert.equal(scope.status, 400);
    assert.equal(scope.body.error, 'invalid_scope');
    // Refused, not spent: the user's token still works.
    const still = await use(s.refreshToken);
    assert.equal(still.status, 200, JSON.stringify(still.body));
    assert.equal((await use(still.body.refresh_token!, { scope: `${vigil.endpoint}/.default offline_access` })).status, 200, 'its own resource may be named');
    const s2 = await signInUser(vigil, user, await freshTotpTime(steps));
    const other = await use(s2.refreshToken, { client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' });
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_grant');
    for (const garbage of ['', 'x'.repeat(5000), 'not-a-token']) {
      const r = await use(garbage);
      assert.equal(r.status, 400);
      assert.ok(['invalid_grant', 'invalid_request'].includes(r.body.error!), JSON.stringify(r.body));
    }
    const missing = await fetch(`${vigil.endpoint}/${vigil.bootstrap.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: '6f1c1bd4-8a0e-4b57-9d3e-5b7c0f4a9e21' }).toString(),
    });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as TokenAnswer).error, 'invalid_request');
  });
});
