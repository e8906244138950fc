/**
 * TOTP re-enrolment (issue 18) over HTTPS against a real server: a user renews its authenticator with
 * its current password and a current code (POST /v1.0/me/authentication/vigilTotp/renew); an admin
 * resets a user's with `vigil user reset-totp`. Either way the old secret stops working at once, the new
 * one signs in, and the user's sessions, refresh tokens and earlier access tokens end. Attacker's side:
 * a wrong password or code changes nothing, the guesses share the password change's throttle, and a
 * user cannot reset anybody's authenticator through the admin route.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AUD, call, Principals } from '../support/principals.js';
import { authorizeUrl, cookieHeader, freshTotpTime, openSignInForm, postSignIn, refresh, signInUser, totpNow, type CreatedUser } from '../support/user-sign-in.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const run = promisify(execFile);
const STEP = 30_000;

describe('portal TOTP re-enrolment: the user’s own renewal and an admin’s reset', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let graph: string;
  before(async () => {
    vigil = await startVigil();
    graph = await new Principals(vigil.bootstrap).adminToken(AUD.graph);
  });
  after(async () => vigil?.dispose());

  const newUser = async (name: string): Promise<CreatedUser> => {
    const password = `the passphrase of ${name}`;
    const r = await call(vigil.bootstrap, graph, 'POST', '/v1.0/users', { displayName: name, userPrincipalName: `${name}@vigil.local`, passwordProfile: { password } });
    assert.equal(r.status, 201, r.text);
    const u = r.json<{ id: string; userPrincipalName: string; vigilTotp: { secret: string; uri: string } }>();
    return { objectId: u.id, userPrincipalName: u.userPrincipalName, password, totpSecret: u.vigilTotp.secret, totpUri: u.vigilTotp.uri, portal: `${vigil.endpoint}/portal/` };
  };
  const signInStatus = async (user: CreatedUser, secret: string, otpTimestamp: number) => {
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const form = await openSignInForm(start);
    return (await postSignIn(start, form, { username: user.userPrincipalName, password: user.password, otp: totpNow(secret, otpTimestamp) })).status;
  };
  const sessionWorks = async (session: Map<string, string>) => {
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId, { prompt: 'none' });
    const r = await fetch(start.url, { redirect: 'manual', headers: { cookie: cookieHeader(session) } });
    assert.equal(r.status, 303);
    return new URL(r.headers.get('location')!).searchParams.has('code');
  };
  /** Waits until the clock is past the second a token was issued in (tokens of the change's own second are kept). */
  const pastIssueSecond = async (token: string) => {
    const iat = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
    while (Math.floor(Date.now() / 1000) <= iat) await new Promise((r) => setTimeout(r, 100));
  };
  const renew = (token: string, body: Record<string, unknown>) => call(vigil.bootstrap, token, 'POST', '/v1.0/me/authentication/vigilTotp/renew', body);

  it('a user renews its authenticator with its password and a current code: the old secret stops, the new one signs in, sessions end', async () => {
    const user = await newUser('renewing');
    const steps = { step: 0 }; // each TOTP step serves once
    const { token, refreshToken, session } = await signInUser(vigil, user, await freshTotpTime(steps));
    const renewAt = await freshTotpTime(steps);
    assert.equal((await renew(token, { currentPassword: 'not the password', vigilTotpCode: totpNow(user.totpSecret, renewAt) })).status, 400);
    assert.equal((await renew(token, { currentPassword: user.password, vigilTotpCode: totpNow(user.totpSecret, renewAt + 10 * STEP) })).status, 400, 'a code of another time');
    assert.equal((await renew(token, { currentPassword: user.password, vigilTotpCode: totpNow(user.totpSecret, renewAt), extra: 1 })).status, 400, 'unknown properties are refused');
    assert.ok(await sessionWorks(session), 'refused attempts change nothing');

    const r = await renew(token, { currentPassword: user.password, vigilTotpCode: totpNow(user.totpSecret, renewAt) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const fresh = r.json<{ secret: string; uri: string }>();
    assert.match(fresh.secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(fresh.secret, user.totpSecret);
    assert.ok(fresh.uri.startsWith('otpauth://totp/') && fresh.uri.includes(`secret=${fresh.secret}`), fresh.uri);

    // Its sessions and refresh tokens ended, and the token it had stops working.
    assert.equal(await sessionWorks(session), false);
    assert.equal((await refresh(vigil.endpoint, vigil.bootstrap.tenantId, refreshToken)).status, 400);
    await pastIssueSecond(token);
    assert.equal((await call(vigil.bootstrap, token, 'GET', '/v1.0/me')).status, 401);
    // The old secret no longer signs in; the new one does (a later time step: each step serves once).
    const later = await freshTotpTime(steps);
    assert.equal(await signInStatus(user, user.totpSecret, later), 401);
    assert.equal(await signInStatus(user, fresh.secret, later), 303);
  });

  it('renewal guesses share the password change’s throttle', async () => {
    const user = await newUser('guessing');
    const { token } = await signInUser(vigil, user);
    const wrong = { currentPassword: 'a wrong guess of it', vigilTotpCode: '123456' };
    for (let i = 0; i < 3; i++) assert.equal((await renew(token, wrong)).status, 400);
    for (let i = 0; i < 2; i++) {
      const c = await call(vigil.bootstrap, token, 'POST', '/v1.0/me/changePassword', { ...wrong, newPassword: 'whatever it would be 1' });
      assert.equal(c.status, 400, c.text);
    }
    const locked = await renew(token, { currentPassword: user.password, vigilTotpCode: totpNow(user.totpSecret) });
    assert.equal(locked.status, 429, locked.text);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal(locked.json<{ error: { code: string } }>().error.code, 'TooManyRequests');
  });

  it('an admin resets a user’s authenticator with `vigil user reset-totp`; a user may not reset anybody’s', async () => {
    const user = await newUser('phone-lost');
    const other = await newUser('bystander');
    const steps = { step: 0 };
    const { token, session } = await signInUser(vigil, user, await freshTotpTime(steps));
    // A user's token on the admin route: refused, for another user and for itself.
    for (const target of [other.objectId, user.objectId]) {
      const r = await call(vigil.bootstrap, token, 'POST', `/v1.0/users/${target}/authentication/vigilTotp/reset`, {});
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json<{ error: { code: string } }>().error.code, 'Authorization_RequestDenied');
    }
    assert.ok(await sessionWorks(session));

    const { stdout } = await run(process.execPath, [CLI, 'user', 'reset-totp', '--user', user.userPrincipalName, '--data-dir', vigil.dataDir]);
    const reset = JSON.parse(stdout) as { objectId: string; userPrincipalName: string; totpSecret: string; totpUri: string };
    assert.equal(reset.objectId, user.objectId);
    assert.match(reset.totpSecret, /^[A-Z2-7]{32}$/);
    assert.notEqual(reset.totpSecret, user.totpSecret);
    assert.equal(await sessionWorks(session), false);
    const later = await freshTotpTime(steps);
    assert.equal(await signInStatus(user, user.totpSecret, later), 401);
    assert.equal(await signInStatus(user, reset.totpSecret, later), 303);

    const unknown = await run(process.execPath, [CLI, 'user', 'reset-totp', '--user', 'nobody@vigil.local', '--data-dir', vigil.dataDir]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(unknown && unknown.code !== 0, 'an unknown user fails');
  });
});
