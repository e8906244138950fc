/**
 * What the interactive sign-in (issue 18) keeps between requests, in memory:
 *  - sign-in sessions: the `vigil_session` cookie of a user who signed in (8 h), so the portal can get
 *    new codes without asking for the password again; only a hash of the cookie value is kept;
 *  - authorization codes: single use, 60 s, bound to the client, redirect URI, resource and the PKCE
 *    challenge (RFC 7636, S256 only).
 * Both are bounded in number; a restart signs everybody out, which is the safe direction.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const sha256Base64Url = (s: string) => createHash('sha256').update(s).digest('base64url');

export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;
const CODE_LIFETIME_MS = 60 * 1000;
const MAX_SESSIONS = 10_000;
const MAX_CODES = 10_000;

export interface SignInSession {
  userId: string;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, SignInSession>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Creates a session and returns the cookie value (256 random bits). */
  create(userId: string): string {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const value = randomBytes(32).toString('base64url');
    this.sessions.set(sha256Base64Url(value), { userId, expiresAt: this.now() + SESSION_LIFETIME_MS });
    return value;
  }

  get(cookieValue: string | undefined): SignInSession | undefined {
    if (!cookieValue || cookieValue.length > 100) return undefined;
    const key = sha256Base64Url(cookieValue);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return s;
  }

  /** The key a session is kept under (a hash of its cookie value): what refresh tokens name their session by. */
  keyOf(cookieValue: string): string {
    return sha256Base64Url(cookieValue);
  }

  /** A live session by its key (refresh-tokens.ts: a refresh token lives only as long as its session). */
  byKey(key: string): SignInSession | undefined {
    const s = this.sessions.get(key);
    if (!s || s.expiresAt <= this.now()) return undefined;
    return s;
  }

  end(cookieValue: string | undefined): void {
    if (cookieValue && cookieValue.length <= 100) this.sessions.delete(sha256Base64Url(cookieValue));
  }

  /** Ends every session of a user (deleted or disabled). */
  endAllOf(userId: string): void {
    for (const [k, s] of this.sessions) if (s.userId.toLowerCase() === userId.toLowerCase()) this.sessions.delete(k);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= t) this.sessions.delete(k);
  }
}

export interface CodeGrant {
  userId: string;
  clientId: string;
  redirectUri: string;
  resource: string;
  codeChallenge: string;
  /** The sign-in session (SessionStore key) the code was issued in: the refresh tokens it leads to end with it. */
  sessionKey: string;
}

export type RedeemOutcome = { ok: true; grant: CodeGrant } | { ok: false; reason: 'unknown' | 'mismatch' | 'verifier' };

/** RFC 7636: 43–128 characters from the unreserved set. */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** BASE64URL(SHA256(verifier)): 43 characters. */
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export class AuthorizationCodes {
  private readonly codes = new Map<string, CodeGrant & { expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(grant: CodeGrant): string {
    const t = this.now();
    for (const [k, c] of this.codes) if (c.expiresAt <= t) this.codes.delete(k);
    if (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(sha256Base64Url(code), { ...grant, expiresAt: t + CODE_LIFETIME_MS });
    return code;
  }

  /**
   * Redeems a code: it is gone after the first attempt whatever the outcome (RFC 6749 §4.1.2), so a
   * stolen code cannot be tried against many verifiers.
   */
  redeem(code: string, clientId: string, redirectUri: string, codeVerifier: string): RedeemOutcome {
    if (code.length > 100) return { ok: false, reason: 'unknown' };
    const key = sha256Base64Url(code);
    const c = this.codes.get(key);
    this.codes.delete(key);
    if (!c || c.expiresAt <= this.now()) return { ok: false, reason: 'unknown' };
    if (c.clientId.toLowerCase() !== clientId.toLowerCase() || c.redirectUri !== redirectUri) return { ok: false, reason: 'mismatch' };
    if (!CODE_VERIFIER.test(codeVerifier)) return { ok: false, reason: 'verifier' };
    const expected = Buffer.from(c.codeChallenge);
    const actual = Buffer.from(sha256Base64Url(codeVerifier));
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'verifier' };
    const { expiresAt: _expiresAt, ...grant } = c;
    return { ok: true, grant };
  }
}

/** Constant-time comparison of two short strings (CSRF tokens). */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return timingSafeEqual(sha256(a), sha256(b));
}
