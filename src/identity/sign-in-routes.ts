/**
 * Interactive sign-in for users (issue 18): the OAuth 2.0 authorization endpoint with PKCE, for the
 * portal's own public client.
 *
 *   GET  /{tenant}/oauth2/v2.0/authorize   client_id, response_type=code, redirect_uri, scope, state,
 *                                          code_challenge, code_challenge_method=S256[, prompt=none]
 *        → with a sign-in session: 302 to redirect_uri?code=…&state=…; else the sign-in form
 *   POST /{tenant}/oauth2/v2.0/authorize   the form (user name, password, TOTP code) → 303 with a code
 *   POST /{tenant}/oauth2/v2.0/logout      ends the sign-in session (the portal's sign-out)
 *
 * The code is redeemed at the token endpoint (routes.ts, grant_type=authorization_code) for an access
 * token whose subject is the user; what the user may then do is decided by role assignments alone,
 * exactly as for a service principal.
 *
 * Cross-site defences: the session cookie is `Secure; HttpOnly; SameSite=Strict` and scoped to
 * `/{tenant}/oauth2/`; a POST needs an `Origin` of this server (browsers always send it on POSTs), the
 * form also a CSRF token equal to a cookie set with the form (double submit), and sign-out the
 * `X-Vigil-Portal` header (not sendable cross-site without a CORS preflight, which Vigil never grants).
 * A code only reaches a registered redirect URI and is useless without the PKCE verifier.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { UserRecord } from '../metadata/records.js';
import { FailureThrottle } from './routes.js';
import { errorPage, SIGN_IN_CSP, signInPage } from './sign-in-page.js';
import { AuthorizationCodes, CODE_CHALLENGE, SESSION_LIFETIME_MS, SessionStore, sameSecret } from './sign-in-state.js';
import { hashPassword, TotpVerifier, verifyPassword } from './user-credentials.js';
import type { TotpSecretSeal } from './totp-secrets.js';

/** The portal's client id (a public client: no secret, PKCE required). */
export const PORTAL_CLIENT_ID = '6f1c1bd4-8a0e-4b57-9d3e-5b7c0f4a9e21';
export const PORTAL_PATH = '/portal/';
export const SESSION_COOKIE = 'vigil_session';
const CSRF_COOKIE = 'vigil_signin_csrf';
export const PORTAL_HEADER = 'x-vigil-portal';
const FORM_BODY_LIMIT = 16 * 1024;

export interface SignInDeps {
  metadata: MetadataStore;
  /** Base URLs this server answers on (public and private listeners): the portal's redirect URIs are `{base}/portal/`. */
  baseUrls: () => string[];
  /** Resources a code may be issued for (the same ones the token endpoint serves). */
  audienceAllowed: (resource: string) => boolean;
  sessions: SessionStore;
  codes: AuthorizationCodes;
  /** Failed sign-ins per user name and window before the name is locked out (default 10 per 5 min). */
  throttle?: { maxFailures: number; windowSeconds: number };
  /** Opens the sealed TOTP secrets of users (src/identity/totp-secrets.ts). */
  totpSecrets: TotpSecretSeal;
  /** The TOTP codes already used (shared with the password change); default: this route's own. */
  totpCodes?: TotpVerifier;
}

/** Cookie header → name/value map (first occurrence wins). */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    if (!out.has(k)) out.set(k, part.slice(i + 1).trim());
  }
  return out;
}

/** The origins that are this server: its base URLs, and the origin the browser addressed (Host). */
function ownOrigins(req: FastifyRequest, deps: SignInDeps): Set<string> {
  const origins = new Set(deps.baseUrls().map((b) => new URL(b).origin));
  if (req.headers.host) {
    try {
      origins.add(new URL(`https://${req.headers.host}`).origin);
    } catch {
      /* a malformed Host adds nothing */
    }
  }
  return origins;
}

/** A POST from a page of this server? (Origin is sent by browsers on every POST.) */
export function sameOriginPost(req: FastifyRequest, deps: SignInDeps): boolean {
  const origin = req.headers.origin;
  return typeof origin === 'string' && ownOrigins(req, deps).has(origin);
}

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  resource: string;
  state: string;
  codeChallenge: string;
  prompt?: string;
}

type Checked = { ok: true; request: AuthorizeRequest } | { ok: false; redirect: boolean; error: string; description: string };

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

function checkAuthorizeRequest(q: Record<string, string | undefined>, req: FastifyRequest, deps: SignInDeps): Checked {
  const clientId = q.client_id ?? '';
  const redirectUri = q.redirect_uri ?? '';
  // The client and the redirect URI first: until both are known good, errors are shown, never redirected.
  if (clientId.toLowerCase() !== PORTAL_CLIENT_ID) return { ok: false, redirect: false, error: 'unauthorized_client', description: 'Unknown client_id: only the Vigil portal signs users in.' };
  const allowed = [...ownOrigins(req, deps)].map((o) => `${o}${PORTAL_PATH}`);
  if (!allowed.includes(redirectUri)) return { ok: false, redirect: false, error: 'invalid_request', description: 'The redirect_uri is not registered for the Vigil portal.' };
  const bad = (error: string, description: string): Checked => ({ ok: false, redirect: true, error, description });
  if (q.response_type !== 'code') return bad('unsupported_response_type', "response_type must be 'code'.");
  if (q.code_challenge_method !== 'S256') return bad('invalid_request', "PKCE is required: code_challenge_method must be 'S256'.");
  if (!q.code_challenge || !CODE_CHALLENGE.test(q.code_challenge)) return bad('invalid_request', 'code_challenge must be BASE64URL(SHA256(code_verifier)).');
  if (!q.state || q.state.length > 512) return bad('invalid_request', 'state is required (at most 512 characters).');
  const scopes = (q.scope ?? '').split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  const s = scopes.length === 1 ? scopes[0]! : '';
  const resource = s.endsWith('/.default') ? s.slice(0, -'/.default'.length) : '';
  if (!resource || !deps.audienceAllowed(resource)) return bad('invalid_scope', "scope must be one '<resource>/.default' of a resource Vigil serves.");
  return { ok: true, request: { clientId: PORTAL_CLIENT_ID, redirectUri, resource, state: q.state, codeChallenge: q.code_challenge, prompt: q.prompt } };
}

const AUTHORIZE_PARAMS = ['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

export async function signInRoutes(app: FastifyInstance, deps: SignInDeps): Promise<void> {
  const throttle = new FailureThrottle(deps.throttle?.maxFailures ?? 10, (deps.throttle?.windowSeconds ?? 300) * 1000);
  const totp = deps.totpCodes ?? new TotpVerifier((u) => deps.totpSecrets.open(u.objectId, u.totpSecret));
  // Verified when the user name is unknown, so the answer takes as long as for a known user.
  const dummyHash = await hashPassword(randomBytes(24).toString('base64url'));
  const { metadata } = deps;
  const knownTenant = (t: string) => t.toLowerCase() === metadata.tenantId.toLowerCase();
  const cookiePath = () => `/${metadata.tenantId}/oauth2/`;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  const page = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .header('content-security-policy', SIGN_IN_CSP)
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      // Not no-referrer: under it Chromium sends `Origin: null` with the form, which the Origin check refuses.
      .header('referrer-policy', 'same-origin')
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(html);

  const redirectWith = (reply: FastifyReply, r: { redirectUri: string }, params: Record<string, string>) => {
    const url = new URL(r.redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(url.toString(), 303);
  };

  const giveCode = (reply: FastifyReply, r: AuthorizeRequest, user: UserRecord, sessionCookie: string) =>
    redirectWith(reply, r, {
      code: deps.codes.issue({ userId: user.objectId, clientId: r.clientId, redirectUri: r.redirectUri, resource: r.resource, codeChallenge: r.codeChallenge, sessionKey: deps.sessions.keyOf(sessionCookie) }),
      state: r.state,
    });

  const activeUser = (id: string) => {
    const u = metadata.userByObjectId(id);
    return u && u.accountEnabled ? u : undefined;
  };

  const showForm = (reply: FastifyReply, params: Record<string, string>, status = 200, error?: string, username?: string) => {
    const csrf = randomBytes(24).toString('base64url');
    void reply.header('set-cookie', `${CSRF_COOKIE}=${csrf}; Path=${cookiePath()}; Secure; HttpOnly; SameSite=Strict; Max-Age=1800`);
    return page(reply, status, signInPage({ params, csrfToken: csrf, error, username }));
  };

  app.get<{ Params: { tenant: string }; Querystring: Record<string, string> }>('/:tenant/oauth2/v2.0/authorize', async (req, reply) => {
    if (!knownTenant(req.params.tenant)) return page(reply, 400, errorPage('Sign-in failed', 'Unknown tenant.'));
    const checked = checkAuthorizeRequest(req.query, req, deps);
    if (!checked.ok) {
      if (!checked.redirect) return page(reply, 400, errorPage('Sign-in failed', checked.description));
      return redirectWith(reply, { redirectUri: req.query.redirect_uri! }, { error: checked.error, error_description: checked.description, ...(req.query.state ? { state: req.query.state } : {}) });
    }
    const r = checked.request;
    const cookie = readCookies(req.headers.cookie).get(SESSION_COOKIE);
    const session = deps.sessions.get(cookie);
    const user = session ? activeUser(session.userId) : undefined;
    if (user) return giveCode(reply, r, user, cookie!);
    if (r.prompt === 'none') return redirectWith(reply, r, { error: 'login_required', error_description: 'No sign-in session.', state: r.state });
    const params: Record<string, string> = {};
    for (const k of AUTHORIZE_PARAMS) if (req.query[k]) params[k] = req.query[k]!;
    return showForm(reply, params);
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', async (req, reply) => {
    if (!knownTenant(req.params.tenant)) return page(reply, 400, errorPage('Sign-in failed', 'Unknown tenant.'));
    if (!sameOriginPost(req, deps)) {
      req.log.warn({ origin: req.headers.origin ?? null }, 'sign-in form posted from another origin: refused');
      return page(reply, 403, errorPage('Sign-in refused', 'The sign-in form must be posted from this server’s own sign-in page.'));
    }
    const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
    const one = (k: string) => (form.getAll(k).length === 1 ? form.get(k)! : undefined);
    if (!sameSecret(one('csrf_token'), readCookies(req.headers.cookie).get(CSRF_COOKIE))) {
      return page(reply, 403, errorPage('Sign-in refused', 'The sign-in form expired or did not come from this server. Go back to the portal and sign in again.'));
    }
    const q: Record<string, string | undefined> = {};
    for (const k of AUTHORIZE_PARAMS) q[k] = one(k);
    const checked = checkAuthorizeRequest(q, req, deps);
    if (!checked.ok) return page(reply, 400, errorPage('Sign-in failed', checked.description));
    const params: Record<string, string> = {};
    for (const k of AUTHORIZE_PARAMS) if (q[k]) params[k] = q[k]!;

    const username = (one('username') ?? '').trim().slice(0, 256);
    const password = (one('password') ?? '').slice(0, 256);
    const code = (one('otp') ?? '').trim();
    const key = username.toLowerCase();
    const retryAfter = throttle.retryAfterSeconds(key);
    if (retryAfter !== undefined) {
      void reply.header('retry-after', String(retryAfter));
      return showForm(reply, params, 429, 'Too many failed sign-ins for this user. Try again later.', username);
    }
    throttle.recordFailure(key);
    const user = metadata.userByPrincipalName(username);
    const passwordOk = await verifyPassword(password, user?.passwordHash ?? dummyHash);
    // The code is checked only after the password, so it cannot be probed without it.
    const ok = !!user && user.accountEnabled && passwordOk && totp.check(user, code);
    if (!ok) {
      req.log.info({ username: username.slice(0, 64) }, 'user sign-in failed');
      return showForm(reply, params, 401, 'Sign-in failed: the user name, password or authenticator code is wrong.', username);
    }
    throttle.forgive(key);
    const session = deps.sessions.create(user.objectId);
    void reply.header('set-cookie', [
      `${SESSION_COOKIE}=${session}; Path=${cookiePath()}; Secure; HttpOnly; SameSite=Strict; Max-Age=${SESSION_LIFETIME_MS / 1000}`,
      `${CSRF_COOKIE}=; Path=${cookiePath()}; Secure; HttpOnly; SameSite=Strict; Max-Age=0`,
    ]);
    req.log.info({ userId: user.objectId }, 'user signed in');
    return giveCode(reply, checked.request, user, session);
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/logout', async (req, reply) => {
    if (!knownTenant(req.params.tenant)) return reply.code(404).send({ error: { code: 'NotFound', message: 'Unknown tenant.' } });
    if (!sameOriginPost(req, deps) || req.headers[PORTAL_HEADER] !== '1') {
      return reply.code(403).send({ error: { code: 'CrossSiteRequestRefused', message: `Sign-out must come from the portal (same Origin and the ${PORTAL_HEADER} header).` } });
    }
    deps.sessions.end(readCookies(req.headers.cookie).get(SESSION_COOKIE));
    return reply
      .code(204)
      .header('set-cookie', `${SESSION_COOKIE}=; Path=${cookiePath()}; Secure; HttpOnly; SameSite=Strict; Max-Age=0`)
      .send();
  });
}
