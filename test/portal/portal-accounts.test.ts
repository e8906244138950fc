/**
 * Portal accounts (issue 18): a user changes its own password (current password + authenticator code,
 * Graph's POST /v1.0/me/changePassword); an admin disables, enables and resets a user with the CLI
 * (`vigil user disable|enable|reset-password`, over Graph's PATCH /v1.0/users/{id}). A disabled user
 * cannot sign in and its session and tokens stop at once; after a password change or reset the old
 * password, the old session and the tokens issued before it stop working. Attacker's side: a user
 * cannot manage users, not even itself; password changes are throttled; unknown properties are refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AUD, call, Principals } from '../support/principals.js';
import { authorizeUrl, cookieHeader, createUserWithCli, openSignInForm, postSignIn, signInUser, totpNow, type CreatedUser } from '../support/user-sign-in.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const run = promisify(execFile);
const STEP = 30_000;

describe('portal accounts: password change, disable, reset', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;
  let principals: Principals;
  before(async () => {
    vigil = await startVigil();
    principals = new Principals(vigil.bootstrap);
  });
  after(async () => vigil?.dispose());

  const me = (token: string) => call(vigil.bootstrap, token, 'GET', '/v1.0/me');
  /** Whether the sign-in session cookie still yields a code without the password (prompt=none). */
  const sessionWorks = async (session: Map<string, string>) => {
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId, { prompt: 'none' });
    const r = await fetch(start.url, { redirect: 'manual', headers: { cookie: cookieHeader(session) } });
    assert.equal(r.status, 303);
    return new URL(r.headers.get('location')!).searchParams.has('code');
  };
  const signInStatus = async (user: CreatedUser, password: string, otpTimestamp: number) => {
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const form = await openSignInForm(start);
    return (await postSignIn(start, form, { username: user.userPrincipalName, password, otp: totpNow(user.totpSecret, otpTimestamp) })).status;
  };
  /** Waits until the clock is past the second a token was issued in (tokens of the change's own second are kept). */
  const pastIssueSecond = async (token: string) => {
    const iat = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
    while (Math.floor(Date.now() / 1000) <= iat) await new Promise((r) => setTimeout(r, 100));
  };
  const cli = async (args: string[], env: Record<string, string> = {}) =>
    JSON.parse((await run(process.execPath, [CLI, 'user', ...args, '--data-dir', vigil.dataDir], { env: { ...process.env, ...env } })).stdout) as Record<string, unknown>;

  it('a user changes its password with the current password and a fresh authenticator code; its sessions and earlier tokens end', async () => {
    const b = vigil.bootstrap;
    const user = await createUserWithCli(vigil, 'changer@vigil.local');
    // Three authenticator steps in a row (each code serves once): sign-in, the change, the next sign-in.
    const signedInAt = Date.now() - STEP;
    const { token, session } = await signInUser(vigil, user, signedInAt);
    const change = (body: Record<string, unknown>) => call(b, token, 'POST', '/v1.0/me/changePassword', body);
    const newPassword = 'a brand new passphrase 42';

    const wrongPassword = await change({ currentPassword: 'not the password', newPassword, vigilTotpCode: totpNow(user.totpSecret) });
    assert.equal(wrongPassword.status, 400, wrongPassword.text);
    assert.equal(wrongPassword.json<{ error: { code: string } }>().error.code, 'Request_BadRequest');
    const valid = [-1, 0, 1].map((d) => totpNow(user.totpSecret, Date.now() + d * STEP));
    const wrongCode = await change({ currentPassword: user.password, newPassword, vigilTotpCode: ['000000', '111111', '222222', '333333'].find((c) => !valid.includes(c))! });
    assert.equal(wrongCode.status, 400, wrongCode.text);
    const usedCode = await change({ currentPassword: user.password, newPassword, vigilTotpCode: totpNow(user.totpSecret, signedInAt) });
    assert.equal(usedCode.status, 400, 'the code that signed in does not serve twice');
    assert.equal((await change({ currentPassword: user.password, newPassword })).status, 400, 'the code is required');
    assert.equal((await change({ currentPassword: user.password, newPassword: 'short', vigilTotpCode: totpNow(user.totpSecret) })).status, 400);
    assert.equal((await change({ currentPassword: user.password, newPassword: user.password, vigilTotpCode: totpNow(user.totpSecret) })).status, 400);
    // Nothing changed so far.
    assert.equal((await me(token)).status, 200);
    assert.equal(await sessionWorks(session), true);

    await pastIssueSecond(token);
    const ok = await change({ currentPassword: user.password, newPassword, vigilTotpCode: totpNow(user.totpSecret) });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await me(token)).status, 401, 'the token issued before the change stops working');
    assert.equal(await sessionWorks(session), false, 'the sign-in session ended');
    assert.equal(await signInStatus(user, user.password, Date.now() + STEP), 401, 'the old password no longer signs in');
    const again = await signInUser(vigil, { ...user, password: newPassword }, Date.now() + STEP);
    assert.equal((await me(again.token)).status, 200, 'the new password signs in, and its token works');
  });

  it('an admin disables a user: its session and tokens stop at once and it cannot sign in; enabled, it can again', async () => {
    const user = await createUserWithCli(vigil, 'leaver@vigil.local');
    const { token, session } = await signInUser(vigil, user, Date.now() - STEP);
    assert.equal((await me(token)).status, 200);
    assert.deepEqual(await cli(['disable', '--user', user.userPrincipalName]), { objectId: user.objectId, userPrincipalName: user.userPrincipalName, accountEnabled: false });
    assert.equal((await me(token)).status, 401);
    assert.equal((await call(vigil.bootstrap, token, 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, { query: 'print 1' })).status, 401);
    assert.equal(await sessionWorks(session), false);
    assert.equal(await signInStatus(user, user.password, Date.now()), 401);
    const shown = await call(vigil.bootstrap, await principals.adminToken(AUD.graph), 'GET', `/v1.0/users/${user.objectId}`);
    assert.equal(shown.json<{ accountEnabled: boolean }>().accountEnabled, false);

    await cli(['enable', '--user', user.objectId]);
    const back = await signInUser(vigil, user, Date.now() + STEP);
    assert.equal((await me(back.token)).status, 200);
  });

  it('an admin resets a password: the new one signs in; the old one, the session and earlier tokens stop', async () => {
    const user = await createUserWithCli(vigil, 'forgetful@vigil.local');
    const { token, session } = await signInUser(vigil, user, Date.now() - STEP);
    await pastIssueSecond(token);
    const reset = await cli(['reset-password', '--user', user.userPrincipalName]);
    assert.equal(reset.objectId, user.objectId);
    assert.match(String(reset.password), /^[A-Za-z0-9_-]{32}$/);
    assert.equal((await me(token)).status, 401);
    assert.equal(await sessionWorks(session), false);
    assert.equal(await signInStatus(user, user.password, Date.now()), 401);
    const again = await signInUser(vigil, { ...user, password: String(reset.password) }, Date.now() + STEP);
    assert.equal((await me(again.token)).status, 200);
    // A chosen password, from the environment.
    const chosen = await cli(['reset-password', '--user', user.objectId], { VIGIL_USER_PASSWORD: 'chosen by the admin 7' });
    assert.equal(chosen.password, undefined, 'a given password is not echoed');
  });

  it('attacker side: a user cannot manage users, not even itself; guessing the current password is throttled', async () => {
    const b = vigil.bootstrap;
    const victim = await createUserWithCli(vigil, 'victim@vigil.local');
    const mallory = await createUserWithCli(vigil, 'mallory@vigil.local', ['--role', 'Log Analytics Reader', '--scope', `/subscriptions/${b.subscriptionId}`]);
    const { token } = await signInUser(vigil, mallory, Date.now() - STEP);
    for (const [id, body] of [
      [victim.objectId, { accountEnabled: false }],
      [victim.objectId, { passwordProfile: { password: 'taken over by mallory' } }],
      [mallory.objectId, { displayName: 'Admin' }],
    ] as const) {
      const r = await call(b, token, 'PATCH', `/v1.0/users/${id}`, body);
      assert.equal(r.status, 403, r.text);
    }
    assert.equal(await signInStatus(victim, victim.password, Date.now()), 303, 'the victim is untouched');
    // An admin's PATCH with a property Vigil does not let anybody set is refused, not ignored.
    const admin = await principals.adminToken(AUD.graph);
    const sneaky = await call(b, admin, 'PATCH', `/v1.0/users/${victim.objectId}`, { passwordHash: '$argon2id$…' });
    assert.equal(sneaky.status, 400, sneaky.text);
    // A service principal has no password to change.
    assert.equal((await call(b, admin, 'POST', '/v1.0/me/changePassword', { currentPassword: 'x', newPassword: 'a long new password', vigilTotpCode: '123456' })).status, 400);
    // Five wrong guesses of the current password, then even the right one is refused for the window.
    for (let i = 0; i < 5; i++) {
      const r = await call(b, token, 'POST', '/v1.0/me/changePassword', { currentPassword: `guess number ${i}`, newPassword: 'a long new password', vigilTotpCode: totpNow(mallory.totpSecret) });
      assert.equal(r.status, 400, r.text);
    }
    const locked = await call(b, token, 'POST', '/v1.0/me/changePassword', { currentPassword: mallory.password, newPassword: 'a long new password', vigilTotpCode: totpNow(mallory.totpSecret) });
    assert.equal(locked.status, 429, locked.text);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });
});
