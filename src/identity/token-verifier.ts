/**
 * Verification of bearer tokens on every data- and control-plane request.
 *
 * Only tokens signed by Vigil's own signing key are accepted: the key is chosen by `kid` from
 * our key set and never taken from the token (no `jwk`/`jku`/`x5c`/`x5u`), and the algorithm is
 * pinned to RS256, so `alg: none`, HMAC-with-the-public-key and foreign-signed tokens all fail.
 * Errors are ApiError 401s in ARM's vocabulary and never echo token contents.
 */
import { errors as joseErrors, jwtVerify, type CryptoKey, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { ApiError } from '../errors/api-error.js';
import type { SigningKeys } from './signing-keys.js';
import { ISSUED_AT_MS_CLAIM, PRINCIPAL_KIND_CLAIM } from './token-issuer.js';
import type { Principal, PrincipalDirectory } from './types.js';

export interface TokenVerifierOptions {
  /** Accepted `iss` values, compared exactly (e.g. `https://127.0.0.1:8443/<tenant>/v2.0`). */
  issuers: string[];
  directory: PrincipalDirectory;
  /** Allowed clock skew for `exp` and `nbf`, in seconds. Default 60. */
  clockToleranceSec?: number;
  /** The clock (ms since the epoch); tests move it. Default Date.now. */
  now?: () => number;
}

/** Far above any real token (ours are ~1 KB); bounds the work done on hostile input. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;
/** Header parameters that would let a token name its own verification key. */
const KEY_CARRYING_HEADERS = ['jwk', 'jku', 'x5c', 'x5u'] as const;

const fail = (code: string, message: string) => new ApiError(401, code, message);
const missingHeader = () => fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
const badHeader = () => fail('AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
const invalidToken = (detail = '') => fail('InvalidAuthenticationToken', `The access token is invalid.${detail}`);

/** `https://x`, `https://x/` and `HTTPS://X` name the same resource. */
export function normalizeAudience(aud: string): string {
  return aud.trim().replace(/\/+$/, '').toLowerCase();
}

class KeyRejected extends Error {}

/**
 * Tokens whose signature and fixed header/claim checks passed, by their exact compact text, so the
 * RSA verification runs once per token rather than once per request. What can change while a token
 * is held — the clock against `exp`/`nbf`, its signing key being retired, the audience asked for, the
 * principal being disabled — is checked on every use, cached or not.
 */
const MAX_VERIFIED_TOKENS = 4096;
interface VerifiedToken {
  payload: JWTPayload;
  kid: string;
  /** The key that verified it: the key set must still hand out this very key for `kid`. */
  key: CryptoKey;
}

export class TokenVerifier {
  private readonly issuers: ReadonlySet<string>;
  private readonly clockToleranceSec: number;
  private readonly now: () => number;
  /** Insertion-ordered: the oldest entry goes first when full. */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly opts: TokenVerifierOptions,
  ) {
    if (opts.issuers.length === 0) throw new Error('TokenVerifier needs at least one accepted issuer');
    this.issuers = new Set(opts.issuers);
    this.clockToleranceSec = opts.clockToleranceSec ?? 60;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Verifies `Authorization: Bearer <jwt>` for an API whose accepted audiences are `audiences`,
   * and returns the calling principal. Throws ApiError(401) otherwise.
   */
  async verify(authorizationHeader: string | undefined, audiences: string[]): Promise<Principal> {
    if (audiences.length === 0) throw new Error('verify() needs at least one accepted audience');
    if (authorizationHeader === undefined || authorizationHeader.trim() === '') throw missingHeader();
    if (authorizationHeader.length > MAX_TOKEN_LENGTH + 16) throw invalidToken();
    const m = BEARER.exec(authorizationHeader);
    if (!m) {
      // "Bearer <something that is not a compact JWS>" is a bad token; anything else a bad header.
      throw /^Bearer[ \t]+\S/i.test(authorizationHeader) ? invalidToken() : badHeader();
    }
    const token = m[1]!;

    const payload = await this.verifiedPayload(token);

    if (typeof payload.iss !== 'string' || !this.issuers.has(payload.iss)) {
      throw fail('InvalidAuthenticationTokenIssuer', 'The access token has an issuer that is not trusted by this service.');
    }

    const accepted = new Set(audiences.map(normalizeAudience));
    const tokenAud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!tokenAud.some((a) => typeof a === 'string' && accepted.has(normalizeAudience(a)))) {
      throw fail(
        'InvalidAuthenticationTokenAudience',
        `The access token has an audience that is not valid for this API: expected one of ${audiences.map((a) => `'${a}'`).join(', ')}.`,
      );
    }

    const oid = payload.oid;
    const tid = payload.tid;
    const appId = payload.appid ?? payload.azp;
    if (!isNonEmptyString(oid) || !isNonEmptyString(tid) || !isNonEmptyString(appId)) throw invalidToken();
    if (!this.opts.directory.isActive(oid, issuedAtMs(payload))) {
      throw invalidToken(' Its principal has been deleted or disabled, or its sign-in sessions were revoked.');
    }

    return {
      objectId: oid,
      appId,
      tenantId: tid,
      kind: payload[PRINCIPAL_KIND_CLAIM] === 'ManagedIdentity' ? 'ManagedIdentity' : payload[PRINCIPAL_KIND_CLAIM] === 'User' ? 'User' : 'ServicePrincipal',
      claims: { ...payload },
    };
  }

  /**
   * The token's claims once its signature, algorithm, `typ`, required claims and validity window
   * check out: from the cache when this exact token was verified before (its key still in the key
   * set, the window re-checked against the clock now), else by jose.
   */
  private async verifiedPayload(token: string): Promise<JWTPayload> {
    const nowMs = this.now();
    const hit = this.verified.get(token);
    if (hit) {
      // A retired key's tokens stop working with it, cached or not.
      if (this.keys.verificationKey(hit.kid) !== hit.key) {
        this.verified.delete(token);
        throw invalidToken();
      }
      const nowSec = Math.floor(nowMs / 1000);
      // jose's rules: expired when exp <= now - tolerance, not yet valid when nbf > now + tolerance.
      if ((hit.payload.exp as number) <= nowSec - this.clockToleranceSec) {
        this.verified.delete(token);
        throw fail('ExpiredAuthenticationToken', 'The access token has expired.');
      }
      if ((hit.payload.nbf as number) > nowSec + this.clockToleranceSec) throw invalidToken(' It is not yet valid (nbf).');
      return hit.payload;
    }
    let payload: JWTPayload;
    let kid: string;
    let key: CryptoKey;
    try {
      const verified = await jwtVerify(token, this.keyFor, {
        algorithms: ['RS256'],
        typ: 'JWT',
        clockTolerance: this.clockToleranceSec,
        currentDate: new Date(nowMs),
        requiredClaims: ['iss', 'aud', 'exp', 'nbf', 'iat', 'oid', 'tid'],
      });
      payload = verified.payload;
      kid = verified.protectedHeader.kid!;
      key = verified.key;
    } catch (err) {
      // Claim errors come only after the signature checked out, so they may be told apart.
      if (err instanceof joseErrors.JWTExpired) throw fail('ExpiredAuthenticationToken', 'The access token has expired.');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf' && err.reason === 'check_failed') {
        throw invalidToken(' It is not yet valid (nbf).');
      }
      throw invalidToken();
    }
    // exp and nbf are required above; the cache re-checks them as numbers.
    if (typeof payload.exp === 'number' && typeof payload.nbf === 'number') {
      if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { payload, kid, key });
    }
    return payload;
  }

  /** Picks the verification key from Vigil's own key set by `kid`; nothing else is trusted. */
  private readonly keyFor = (header: JWTHeaderParameters): CryptoKey => {
    if (KEY_CARRYING_HEADERS.some((h) => h in header)) throw new KeyRejected('token carries its own key');
    if (typeof header.kid !== 'string') throw new KeyRejected('no kid');
    const key = this.keys.verificationKey(header.kid);
    if (!key) throw new KeyRejected('unknown kid');
    return key;
  };
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** When the token was issued, in ms: Vigil's own claim, else `iat` (whole seconds). */
function issuedAtMs(payload: JWTPayload): number | undefined {
  const ms = payload[ISSUED_AT_MS_CLAIM];
  if (typeof ms === 'number' && Number.isFinite(ms)) return ms;
  return typeof payload.iat === 'number' ? payload.iat * 1000 : undefined;
}
