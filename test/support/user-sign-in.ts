/**
 * Portal users in tests (issue 18): `vigil user create` through the CLI, and the authorization code +
 * PKCE sign-in done with plain HTTPS requests, step by step as a browser does it, so tests can also
 * tamper with each step.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TOTP, Secret } from 'otpauth';
import { PORTAL_CLIENT_ID } from '../../src/identity/sign-in-routes.js';
import { CLI, type VigilProcess } from './vigil-process.js';

const run = promisify(execFile);

export interface CreatedUser {
  objectId: string;
  userPrincipalName: string;
  password: string;
  totpSecret: string;
  totpUri: string;
  portal: string;
}

export async function createUserWithCli(vigil: VigilProcess, upn: string, extra: string[] = []): Promise<CreatedUser> {
  const { stdout } = await run(process.execPath, [CLI, 'user', 'create', '--upn', upn, '--data-dir', vigil.dataDir, ...extra]);
  return JSON.parse(stdout) as CreatedUser;
}

/** The TOTP code for a moment; each 30-s step may sign in once, so tests pass distinct timestamps when they sign in twice. */
export function totpNow(secret: string, timestamp = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp });
}

/**
 * A code the server accepts at once and for at least 30 s, newer than the last one used with `last`
 * (each 30-s step serves once per user): the current step's code, else the next step's (the server
 * allows ±1 step of drift), else — both used — after waiting for the clock. (A code of the *previous*
 * step would be refused if a step boundary passed before the request arrived.)
 */
export async function freshTotp(secret: string, last: { step: number }): Promise<string> {
  return totpNow(secret, await freshTotpTime(last));
}

/** The moment whose code freshTotp() gives (for signInUser's `otpTimestamp`). */
export async function freshTotpTime(last: { step: number }): Promise<number> {
  for (;;) {
    const now = Date.now();
    const at = [now, now + 30_000].find((t) => Math.floor(t / 30_000) > last.step);
    if (at !== undefined) {
      last.step = Math.floor(at / 30_000);
      return at;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeStart {
  url: string;
  state: string;
  verifier: string;
  redirectUri: string;
}

export function authorizeUrl(endpoint: string, tenantId: string, overrides: Record<string, string> = {}): AuthorizeStart {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(12).toString('base64url');
  const redirectUri = `${endpoint}/portal/`;
  const q = new URLSearchParams({
    client_id: PORTAL_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${endpoint}/.default`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  });
  return { url: `${endpoint}/${tenantId}/oauth2/v2.0/authorize?${q}`, state, verifier, redirectUri };
}

/** Cookies from Set-Cookie headers, as `name=value` pairs for a Cookie header. */
export function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    out.set(pair!.slice(0, i), pair!.slice(i + 1));
  }
  return out;
}

export const cookieHeader = (m: Map<string, string>) => [...m].filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join('; ');

/** The sign-in form: its hidden fields (incl. the CSRF token) and the cookies set with it. */
export async function openSignInForm(start: AuthorizeStart): Promise<{ fields: URLSearchParams; cookies: Map<string, string>; res: Response; html: string }> {
  const res = await fetch(start.url, { redirect: 'manual' });
  const html = await res.text();
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
  }
  return { fields, cookies: cookiesOf(res), res, html };
}

export async function postSignIn(
  start: AuthorizeStart,
  form: { fields: URLSearchParams; cookies: Map<string, string> },
  credentials: { username: string; password: string; otp: string },
  headers: Record<string, string> = { origin: new URL(start.url).origin },
): Promise<Response> {
  const body = new URLSearchParams(form.fields);
  body.set('username', credentials.username);
  body.set('password', credentials.password);
  body.set('otp', credentials.otp);
  return fetch(start.url.split('?')[0]!, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(form.cookies), ...headers },
    body: body.toString(),
  });
}

export async function redeem(endpoint: string, tenantId: string, code: string, start: AuthorizeStart, overrides: Record<string, string> = {}): Promise<Response> {
  return fetch(`${endpoint}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, code, redirect_uri: start.redirectUri, code_verifier: start.verifier, ...overrides }).toString(),
  });
}

/** The whole flow; returns the access token, the refresh token and the session cookie. */
export async function signInUser(vigil: VigilProcess, user: CreatedUser, otpTimestamp = Date.now()): Promise<{ token: string; refreshToken: string; session: Map<string, string> }> {
  const start = authorizeUrl(vigil.endpoint, vigil.bootstrap.tenantId);
  const form = await openSignInForm(start);
  const posted = await postSignIn(start, form, { username: user.userPrincipalName, password: user.password, otp: totpNow(user.totpSecret, otpTimestamp) });
  if (posted.status !== 303) throw new Error(`sign-in failed: ${posted.status} ${await posted.text()}`);
  const location = new URL(posted.headers.get('location')!);
  const code = location.searchParams.get('code')!;
  const token = await redeem(vigil.endpoint, vigil.bootstrap.tenantId, code, start);
  if (token.status !== 200) throw new Error(`token: ${token.status} ${await token.text()}`);
  const body = (await token.json()) as { access_token: string; refresh_token: string };
  return { token: body.access_token, refreshToken: body.refresh_token, session: cookiesOf(posted) };
}

/** The refresh token grant, as the portal sends it. */
export async function refresh(endpoint: string, tenantId: string, refreshToken: string, overrides: Record<string, string> = {}): Promise<Response> {
  return fetch(`${endpoint}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: PORTAL_CLIENT_ID, refresh_token: refreshToken, ...overrides }).toString(),
  });
}
