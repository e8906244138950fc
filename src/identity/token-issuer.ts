/** Issues Entra ID-shaped v2.0 access tokens (RS256 JWTs) for Vigil's own principals. */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Jwks, SigningKeys } from './signing-keys.js';
import type { Principal } from './types.js';

export type TokenSubject = Pick<Principal, 'objectId' | 'appId' | 'tenantId' | 'kind'>;

export interface IssuedToken {
  token: string;
  /** Expiry, in seconds since the Unix epoch (the token's `exp`). */
  expiresOn: number;
}

/** Private claim that tells managed identities from app registrations (both have `idtyp: app`). */
export const PRINCIPAL_KIND_CLAIM = 'vigil_kind';
/** When the token was issued, in ms since the epoch (`iat` has whole seconds). */
export const ISSUED_AT_MS_CLAIM = 'vigil_iat_ms';

const MIN_LIFETIME_SEC = 60;
/** The longest a token Vigil issues lives: a rotated-out signing key stays published at least this long. */
export const MAX_LIFETIME_SEC = 24 * 60 * 60;

export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    /** The `iss` for a tenant: `${authorityHost}/${tenantId}/v2.0` (also what discovery advertises). */
    readonly issuerFor: (tenantId: string) => string,
  ) {}

  /** The public keys that verify this issuer's tokens (served as the JWKS). */
  get jwks(): Jwks {
    return this.keys.jwks;
  }

  /** `extraClaims` (e.g. `roles` for a secure webhook) never override the standard claims. */
  async issue(p: TokenSubject, audience: string, lifetimeSeconds = 3600, extraClaims: Record<string, unknown> = {}): Promise<IssuedToken> {
    if (!audience) throw new Error('audience is required');
    if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < MIN_LIFETIME_SEC || lifetimeSeconds > MAX_LIFETIME_SEC) {
      throw new Error(`lifetimeSeconds must be an integer between ${MIN_LIFETIME_SEC} and ${MAX_LIFETIME_SEC}`);
    }
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const exp = now + lifetimeSeconds;
    const uti = randomBytes(16).toString('base64url');
    const token = await new SignJWT({
      ...extraClaims,
      tid: p.tenantId,
      oid: p.objectId,
      appid: p.appId,
      azp: p.appId,
      // How the client authenticated: 0 public client (the portal, with PKCE), 1 secret, 2 platform credential.
      azpacr: p.kind === 'User' ? '0' : p.kind === 'ManagedIdentity' ? '2' : '1',
      idtyp: p.kind === 'User' ? 'user' : 'app',
      ver: '2.0',
      uti,
      // The issuance to the millisecond: a password change or TOTP renewal refuses the tokens issued
      // before it and keeps those issued after it, also within the same second (user-accounts.ts).
      [ISSUED_AT_MS_CLAIM]: nowMs,
      [PRINCIPAL_KIND_CLAIM]: p.kind,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keys.kid })
      .setIssuer(this.issuerFor(p.tenantId))
      .setAudience(audience)
      .setSubject(p.objectId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(uti)
      .sign(this.keys.privateKey);
    return { token, expiresOn: exp };
  }
}
