/**
 * Users and groups (issue 18): `vigil user create`, sign-in with password + TOTP through the
 * authorization code flow with PKCE, tokens that meet the same authorization as a service principal's,
 * group role assignments, and the attacker's side: CSRF on the form and sign-out, replayed TOTP codes
 * and authorization codes, wrong verifiers, foreign redirect URIs, a reader calling admin routes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AUD, call, Principals } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import {
  authorizeUrl,
  cookieHeader,
  cookiesOf,
  createUserWithCli,
  openSignInForm,
  postSignIn,
  redeem,
  signInUser,
  totpNow,
  type CreatedUser,
} from '../support/user-sign-in.js';
import { decodeJwt } from 'jose';

describe('portal users: sign-in with password + TOTP, PKCE, groups', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;
  let principals: Principals;
  let reader: CreatedUser;
  before(async () => {
    vigil = await startVigil();
    principals = new Principals(vigil.bootstrap);
    reader = await createUserWithCli(vigil, 'reader@vigil.local', ['--role', 'Log Analytics Reader', '--scope', vigil.bootstrap.workspaceResourceId]);
  });
  after(async () => vigil?.dispose());

  it('vigil user create prints a password and TOTP secret once and stores only an argon2id hash', () => {
    assert.match(reader.objectId, /^[0-9a-f-]{36}$/);
    assert.ok(reader.password.length >= 24);
    assert.match(reader.totpUri, /^otpauth:\/\/totp\/Vigil:reader%40vigil\.local\?/);
    assert.equal(reader.portal, `${vigil.endpoint}/portal/`);
    const metadata = readFileSync(join(vigil.dataDir, 'metadata.json'), 'utf8');
    assert.ok(!metadata.includes(reader.password), 'the password is not stored in clear');
    assert.match(metadata, /"passwordHash": "\$argon2id\$v=19\$m=47104,t=1,p=1\$/);
    // The TOTP secret is sealed under its own keyring (wrapped by the master key): nowhere in the data folder in the clear.
    assert.ok(!metadata.includes(reader.totpSecret), 'the TOTP secret is not stored in clear');
    assert.match(metadata, /"totpSecret": "sealed:v1:/);
    const stack = [vigil.dataDir];
    while (stack.length) {
      const dir = stack.pop()!;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) stack.push(p);
        else if (e.isFile()) {
          let bytes: Buffer;
          try {
            bytes = readFileSync(p);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a temporary file renamed away meanwhile
            throw err;
          }
          assert.ok(!bytes.includes(reader.totpSecret), `${p} holds the TOTP secret`);
        }
      }
    }
    assert.ok(existsSync(join(vigil.dataDir, 'identity-secrets', 'keyring.json')));
  });

  it('signs in with the code flow: the token names the user and is authorised like any principal', async () => {
    const { token, session } = await signInUser(vigil, reader);
    const claims = decodeJwt(token);
    assert.equal(claims.oid, reader.objectId);
    assert.equal(claims.idtyp, 'user');
    assert.equal(claims.upn, 'reader@vigil.local');
    // The session cookie is Secure, HttpOnly, SameSite=Strict and scoped to the sign-in endpoints.
    assert.ok(session.get('vigil_session'));
    const b = vigil.bootstrap;
    const q = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'print x = 1' });
    assert.equal(q.status, 200, q.text);
    // A reader may not manage: ARM writes, role assignments and Graph are refused with 403.
    const put = await call(b, token, 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/default/providers/Microsoft.OperationalInsights/workspaces/evil?api-version=2022-10-01`, { location: 'local' });
    assert.equal(put.status, 403, put.text);
    const ra = await call(b, token, 'PUT', `${b.workspaceResourceId}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`, principalId: reader.objectId },
    });
    assert.equal(ra.status, 403, ra.text);
    const mkUser = await call(b, token, 'POST', '/v1.0/users', { displayName: 'x', userPrincipalName: 'x@vigil.local', passwordProfile: { password: 'a-long-enough-password' } });
    assert.equal(mkUser.status, 403, mkUser.text);
    const me = await call(b, token, 'GET', '/v1.0/me');
    assert.equal(me.json<{ userPrincipalName: string }>().userPrincipalName, 'reader@vigil.local');
  });

  it('the session cookie has the required attributes, and a second authorize needs no password', async () => {
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const form = await openSignInForm(start);
    assert.equal(form.res.status, 200);
    assert.match(form.res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.doesNotMatch(form.html, /<script/i);
    const posted = await postSignIn(start, form, { username: reader.userPrincipalName, password: reader.password, otp: totpNow(reader.totpSecret, Date.now() + 30_000) });
    assert.equal(posted.status, 303, await posted.text());
    const setCookie = posted.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!;
    assert.match(setCookie, /; Secure/);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.match(setCookie, new RegExp(`; Path=/${vigil.bootstrap.tenantId}/oauth2/`));
    const again = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const res = await fetch(again.url, { redirect: 'manual', headers: { cookie: cookieHeader(cookiesOf(posted)) } });
    assert.equal(res.status, 303);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('state'), again.state);
    const token = await redeem(vigil.endpoint, vigil.bootstrap.tenantId, loc.searchParams.get('code')!, again);
    assert.equal(token.status, 200);
    // Sign-out needs the portal's header and Origin; then the cookie no longer works.
    const logoutUrl = `${vigil.endpoint}/${vigil.bootstrap.tenantId}/oauth2/v2.0/logout`;
    const cookie = cookieHeader(cookiesOf(posted));
    const forged = await fetch(logoutUrl, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    assert.equal(forged.status, 403);
    const noHeader = await fetch(logoutUrl, { method: 'POST', headers: { cookie, origin: vigil.endpoint } });
    assert.equal(noHeader.status, 403);
    const out = await fetch(logoutUrl, { method: 'POST', headers: { cookie, origin: vigil.endpoint, 'x-vigil-portal': '1' } });
    assert.equal(out.status, 204);
    const after = await fetch(authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId).url, { redirect: 'manual', headers: { cookie } });
    assert.equal(after.status, 200, 'signed out: the form again');
  });

  it('refuses cross-site form posts, a missing CSRF token, wrong passwords and codes, and replayed TOTP codes', async () => {
    const u = await createUserWithCli(vigil, 'victim@vigil.local');
    const creds = { username: u.userPrincipalName, password: u.password, otp: totpNow(u.totpSecret) };
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const form = await openSignInForm(start);
    assert.equal((await postSignIn(start, form, creds, { origin: 'https://evil.example' })).status, 403);
    assert.equal((await postSignIn(start, form, creds, {})).status, 403, 'no Origin');
    const noCsrf = { fields: new URLSearchParams(form.fields), cookies: form.cookies };
    noCsrf.fields.set('csrf_token', 'forged');
    assert.equal((await postSignIn(start, noCsrf, creds)).status, 403);
    assert.equal((await postSignIn(start, form, { ...creds, password: 'wrong-password-123' })).status, 401);
    assert.equal((await postSignIn(start, form, { ...creds, otp: creds.otp === '000000' ? '111111' : '000000' })).status, 401);
    assert.equal((await postSignIn(start, form, creds)).status, 303, 'the right credentials');
    const replay = await openSignInForm(authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId));
    assert.equal((await postSignIn(start, replay, creds)).status, 401, 'the same TOTP code twice');
  });

  it('locks a user name out after repeated failures', async () => {
    const u = await createUserWithCli(vigil, 'guessed@vigil.local');
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const form = await openSignInForm(start);
    let last = 0;
    for (let i = 0; i < 11; i++) last = (await postSignIn(start, form, { username: u.userPrincipalName, password: `wrong-${i}-password`, otp: '123456' })).status;
    assert.equal(last, 429);
    const right = await postSignIn(start, form, { username: u.userPrincipalName, password: u.password, otp: totpNow(u.totpSecret) });
    assert.equal(right.status, 429, 'still locked out with the right password');
  });

  it('authorization codes: single use, bound to the PKCE verifier, client and redirect URI', async () => {
    const u = await createUserWithCli(vigil, 'codes@vigil.local');
    const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const posted = await postSignIn(start, await openSignInForm(start), { username: u.userPrincipalName, password: u.password, otp: totpNow(u.totpSecret) });
    assert.equal(posted.status, 303);
    const code = new URL(posted.headers.get('location')!).searchParams.get('code')!;
    const wrong = await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code, start, { code_verifier: 'x'.repeat(43) });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_grant');
    // The failed attempt used the code up: even the right verifier now fails.
    const late = await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code, start);
    assert.equal(late.status, 400);
    // With the session, a fresh code; redeemed once, not twice.
    const again = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const res = await fetch(again.url, { redirect: 'manual', headers: { cookie: cookieHeader(cookiesOf(posted)) } });
    const code2 = new URL(res.headers.get('location')!).searchParams.get('code')!;
    assert.equal((await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code2, again, { redirect_uri: 'https://evil.example/portal/' })).status, 400);
    const third = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
    const code3 = new URL((await fetch(third.url, { redirect: 'manual', headers: { cookie: cookieHeader(cookiesOf(posted)) } })).headers.get('location')!).searchParams.get('code')!;
    assert.equal((await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code3, third)).status, 200);
    assert.equal((await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code3, third)).status, 400, 'a code is redeemed once');
  });

  it('never redirects to a foreign redirect URI, and requires PKCE', async () => {
    const foreign = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId, { redirect_uri: 'https://evil.example/portal/' });
    const res = await fetch(foreign.url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    const plain = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId, { code_challenge_method: 'plain' });
    const r2 = await fetch(plain.url, { redirect: 'manual' });
    assert.equal(r2.status, 303);
    assert.equal(new URL(r2.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  });

  it('a role assigned to a group applies to its members; vigil group commands', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { CLI } = await import('../support/vigil-process.js');
    const run = promisify(execFile);
    const u = await createUserWithCli(vigil, 'member@vigil.local');
    const first = await signInUser(vigil, u);
    const b = vigil.bootstrap;
    assert.equal((await call(b, first.token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'print 1' })).status, 403, 'no role yet');
    const g = JSON.parse((await run(process.execPath, [CLI, 'group', 'create', '--name', 'analysts', '--role', 'Log Analytics Reader', '--scope', b.workspaceResourceId, '--data-dir', vigil.dataDir])).stdout) as { objectId: string; roleAssignmentId: string };
    assert.match(g.roleAssignmentId, /roleAssignments/);
    await run(process.execPath, [CLI, 'group', 'add-member', '--group', g.objectId, '--member', 'member@vigil.local', '--data-dir', vigil.dataDir]);
    assert.equal((await call(b, first.token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'print 1' })).status, 200, 'granted through the group, at once');
    const list = await call(b, await principals.adminToken(AUD.arm), 'GET', `${b.workspaceResourceId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`);
    assert.ok(list.json<{ value: { properties: { principalId: string; principalType: string } }[] }>().value.some((a) => a.properties.principalId === g.objectId && a.properties.principalType === 'Group'));
    // Deleting the user ends its tokens.
    const del = await call(b, await principals.adminToken(AUD.graph), 'DELETE', `/v1.0/users/${u.objectId}`);
    assert.equal(del.status, 204);
    assert.equal((await call(b, first.token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'print 1' })).status, 401);
  });
});
