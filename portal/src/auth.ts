/**
 * Sign-in for the portal: OAuth 2.0 authorization code + PKCE (S256) against Vigil's own identity
 * endpoints. The access token lives in memory only; the PKCE verifier and state survive the redirect in
 * sessionStorage (this tab only) and are removed as soon as the code is redeemed.
 */
export const PORTAL_CLIENT_ID = '6f1c1bd4-8a0e-4b57-9d3e-5b7c0f4a9e21'; // = PORTAL_CLIENT_ID in src/identity/sign-in-routes.ts
const PKCE_KEY = 'vigil.pkce';

interface Endpoints { authorize: string; token: string; tenant: string }
let endpoints: Endpoints | undefined;
let accessToken: { value: string; expiresAt: number } | undefined;
/** In memory only, like the access token: rotated at each use; it works while the sign-in session lasts. */
let refreshToken: string | undefined;
let refreshing: Promise<string | undefined> | undefined;

const ENDPOINTS_KEY = 'vigil.endpoints';

/** The identity endpoints, from the discovery document; kept for the tab, so the load after the sign-in redirect needs no second request. */
async function discover(): Promise<Endpoints> {
  if (endpoints) return endpoints;
  const kept = JSON.parse(sessionStorage.getItem(ENDPOINTS_KEY) ?? 'null') as Endpoints | null;
  if (kept && new URL(kept.token, location.origin).origin === location.origin) return (endpoints = kept);
  const r = await fetch('/organizations/v2.0/.well-known/openid-configuration');
  if (!r.ok) throw new Error(`discovery failed: HTTP ${r.status}`);
  const d = (await r.json()) as { authorization_endpoint: string; token_endpoint: string };
  const tenant = new URL(d.token_endpoint).pathname.split('/')[1]!;
  endpoints = { authorize: d.authorization_endpoint, token: d.token_endpoint, tenant };
  sessionStorage.setItem(ENDPOINTS_KEY, JSON.stringify(endpoints));
  return endpoints;
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => b64url(crypto.getRandomValues(new Uint8Array(n)));
const redirectUri = () => `${location.origin}/portal/`;

interface Pkce { verifier: string; challenge: string; state: string }

async function pkce(): Promise<Pkce> {
  const verifier = random(32);
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  return { verifier, challenge, state: random(16) };
}

/** The authorization request for a fresh PKCE pair; `prompt=none` answers at once, with a code or `login_required`. */
function authorizeUrl(e: Endpoints, p: Pkce, prompt?: 'none'): string {
  const q = new URLSearchParams({
    client_id: PORTAL_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: `${location.origin}/.default`,
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
  });
  if (prompt) q.set('prompt', prompt);
  return `${e.authorize}?${q}`;
}

/** Goes to the authorization endpoint (which answers at once while the sign-in session lasts, else shows the form). */
export async function startSignIn(): Promise<never> {
  const e = await discover();
  const p = await pkce();
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier: p.verifier, state: p.state, hash: location.hash }));
  location.assign(authorizeUrl(e, p));
  return new Promise<never>(() => {});
}

let codeListener: (() => void) | undefined;

/** `f` runs when a sign-in code is in hand, before it is redeemed (main.ts starts fetching the app then). */
export function onSignInCode(f: () => void): void {
  codeListener = f;
}

/**
 * Signs in without leaving the page while the sign-in session lasts (issue 18: one page load instead of
 * two). The same authorization request as startSignIn's, with `prompt=none`, is fetched instead of
 * navigated to: the session cookie goes with it (same origin; it is HttpOnly, the page never sees it),
 * and the endpoint redirects to the portal's redirect URI with a code, which the page reads from the
 * response's final URL — a same-origin response, which no other origin could read — and redeems with its
 * PKCE verifier, as after a navigation. Undefined when there is no session (`login_required`) or anything
 * else than a code comes back: the caller then navigates (startSignIn), which shows the form or the error.
 */
export async function silentSignIn(): Promise<string | undefined> {
  const e = await discover();
  const p = await pkce();
  let back: URL;
  try {
    const r = await fetch(authorizeUrl(e, p, 'none'), { credentials: 'same-origin', cache: 'no-store' });
    void r.body?.cancel(); // the portal's page itself, which the redirect fetched
    back = new URL(r.url);
  } catch {
    return undefined;
  }
  const code = back.searchParams.get('code');
  if (back.origin !== location.origin || back.pathname !== '/portal/' || !code || back.searchParams.get('state') !== p.state) return undefined;
  codeListener?.();
  return redeem(e, code, p.verifier).catch(() => undefined);
}

/** Completes a sign-in redirect if this page load is one; returns the token, or undefined if none. */
export async function completeSignIn(): Promise<string | undefined> {
  const url = new URL(location.href);
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return undefined;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string; hash: string } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', `/portal/${saved?.hash ?? ''}`);
  if (error) throw new Error(`Sign-in failed: ${url.searchParams.get('error_description') ?? error}`);
  if (!saved || saved.state !== url.searchParams.get('state')) throw new Error('Sign-in failed: the response does not belong to this tab (state mismatch).');
  codeListener?.();
  return redeem(await discover(), code!, saved.verifier);
}

/** Redeems a code at the token endpoint with the PKCE verifier that asked for it. */
async function redeem(e: Endpoints, code: string, verifier: string): Promise<string> {
  const r = await fetch(e.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, code, redirect_uri: redirectUri(), code_verifier: verifier }),
  });
  return keep(r, 'Sign-in failed');
}

type TokenAnswer = { access_token?: string; refresh_token?: string; expires_in?: number; error_description?: string };

async function keep(r: Response, failure: string): Promise<string> {
  const body = (await r.json()) as TokenAnswer;
  if (!r.ok || !body.access_token) throw new Error(`${failure}: ${body.error_description ?? `HTTP ${r.status}`}`);
  accessToken = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
  refreshToken = body.refresh_token;
  return accessToken.value;
}

/** A new access token for the refresh token (which is rotated); undefined when it no longer works. */
async function refresh(): Promise<string | undefined> {
  const rt = refreshToken;
  if (!rt) return undefined;
  refreshToken = undefined; // single use, whatever the answer
  const e = await discover();
  const r = await fetch(e.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: PORTAL_CLIENT_ID, refresh_token: rt }),
  });
  return keep(r, 'Refresh failed').catch(() => undefined);
}

/**
 * The current token; when it is missing or about to expire, a new one through the refresh token or the
 * sign-in session (silentSignIn) — the page stays as it is — else a new sign-in (the page navigates away).
 */
export async function token(): Promise<string> {
  if (accessToken && accessToken.expiresAt - Date.now() > 60_000) return accessToken.value;
  // One at a time: concurrent callers share it (a second use of the same refresh token would revoke the family).
  refreshing ??= refresh()
    .then((t) => t ?? silentSignIn())
    .finally(() => (refreshing = undefined));
  return (await refreshing) ?? startSignIn();
}

export function forgetToken(): void {
  accessToken = undefined;
  refreshToken = undefined;
}

/** Ends the access token early so that the next call refreshes it (tests: `window.vigilExpireToken()`). */
export function expireAccessToken(): void {
  if (accessToken) accessToken.expiresAt = 0;
}

/** The signed-in user's claims (for display only: every decision is the server's). */
export function claims(): Record<string, unknown> {
  if (!accessToken) return {};
  const payload = accessToken.value.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** Ends the sign-in session (cookie) and forgets the token. */
export async function signOut(): Promise<void> {
  const e = await discover();
  await fetch(`/${e.tenant}/oauth2/v2.0/logout`, { method: 'POST', headers: { 'x-vigil-portal': '1' }, credentials: 'same-origin' });
  forgetToken();
}
