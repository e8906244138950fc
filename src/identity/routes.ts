/**
 * The Entra ID-shaped endpoints that `@azure/identity` (MSAL) talks to:
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /{tenant}/discovery/v2.0/keys
 *   POST /{tenant}/oauth2/v2.0/token        (client credentials with a client secret)
 *
 * Errors here are AAD-shaped (`{error, error_description: "AADSTS…", error_codes, …}`), not
 * Vigil's `{"error":{…}}`, because MSAL parses them; the plugin therefore has its own error
 * handler and form parser, both encapsulated in this plugin.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { generateClientSecret, hashSecret, verifySecret } from './secrets.js';
import type { TokenIssuer } from './token-issuer.js';
import { normalizeAudience } from './token-verifier.js';
import type { PrincipalDirectory, ServicePrincipalRecord } from './types.js';
import type { AuthorizationCodes } from './sign-in-state.js';
import type { RefreshTokens } from './refresh-tokens.js';

/** The authorization code grant for users signed in at the authorization endpoint (sign-in-routes.ts). */
export interface UserCodeGrant {
  codes: AuthorizationCodes;
  /** An enabled user by object id (a user disabled since the code was issued gets no token). */
  activeUser: (objectId: string) => { objectId: string; userPrincipalName: string; displayName: string } | undefined;
  /** Refresh tokens (refresh-tokens.ts): one family per redeemed code, rotated at each use. */
  refreshTokens: RefreshTokens;
}

export interface IdentityRoutesOptions {
  directory: PrincipalDirectory;
  issuer: TokenIssuer;
  /** The tenant GUID this Vigil serves. */
  tenantId: string;
  /** Scheme, host and port clients use as `authorityHost`, e.g. `https://127.0.0.1:8443`. */
  publicBaseUrl: () => string;
  /** Resources tokens may be issued for, e.g. `https://monitor.azure.com`. */
  allowedAudiences: string[];
  /** More resources, known only once the server listens (Vigil's own base URL). */
  extraAudiences?: () => readonly string[];
  /** Other names accepted for the tenant in paths (e.g. a domain name); matched case-insensitively. */
  tenantAliases?: string[];
  /**
   * Names answered only by the discovery document, which then names this tenant's endpoints:
   * `organizations` and `common`, where MSAL and the Azure CLI look when no tenant is given.
   * Tokens are still issued only on the tenant's own token endpoint.
   */
  discoveryAliases?: string[];
  /** Access token lifetime in seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Failed client authentications allowed per client id and window before 429. Default 10 per 60 s. */
  throttle?: { maxFailures: number; windowSeconds: number };
  /** Enables `grant_type=authorization_code` (with PKCE) for the portal's users. */
  userCodeGrant?: UserCodeGrant;
  /** Checks a secret against a stored hash (default: argon2id verifySecret); tests observe the calls. */
  verifySecret?: (secret: string, storedHash: string) => Promise<boolean>;
}

const FORM_BODY_LIMIT = 16 * 1024;
const MAX_CLIENT_ID_LENGTH = 128;
const MAX_SECRET_LENGTH = 512;
/** OIDC scopes MSAL may add; they carry no resource and are ignored in the client credentials flow. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const DEFAULT_SUFFIX = '/.default';

type FormBody = URLSearchParams;

interface AadError {
  status: number;
  error: string;
  code: number;
  description: string;
  headers?: Record<string, string>;
}

const aad = (status: number, error: string, code: number, description: string, headers?: Record<string, string>): AadError => ({
  status,
  error,
  code,
  description,
  ...(headers ? { headers } : {}),
});

const missingParam = (name: string) =>
  aad(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
const malformed = () => aad(400, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.');
const invalidScope = () =>
  aad(400, 'invalid_scope', 70011, "The provided request must include a 'scope' input parameter of the form '<resource>/.default'.");
const unknownClient = () =>
  aad(400, 'unauthorized_client', 700016, 'Application was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.');
const badSecret = () =>
  aad(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
const expiredSecret = () => aad(401, 'invalid_client', 7000222, 'The provided client secret keys for the app are expired. Create new keys for the app.');

export const identityRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app: FastifyInstance, deps: IdentityRoutesOptions) => {
  const tenantNames = new Set([deps.tenantId, ...(deps.tenantAliases ?? [])].map((t) => t.toLowerCase()));
  const audiences = new Set(deps.allowedAudiences.map(normalizeAudience));
  const lifetime = deps.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(lifetime) || lifetime < 300 || lifetime > 86_400) throw new Error('tokenLifetimeSeconds must be an integer between 300 and 86400');
  if (audiences.size === 0) throw new Error('allowedAudiences must not be empty');
  const throttle = new FailureThrottle(deps.throttle?.maxFailures ?? 10, (deps.throttle?.windowSeconds ?? 60) * 1000);
  // Verified when the client is unknown, so the answer takes as long as for a known client.
  const dummyHash = await hashSecret(generateClientSecret());

  const base = () => deps.publicBaseUrl().replace(/\/+$/, '');
  const knownTenant = (t: string) => tenantNames.has(t.toLowerCase());
  const discoveryNames = new Set((deps.discoveryAliases ?? []).map((t) => t.toLowerCase()));

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (req, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) {
      done(Object.assign(new Error('Unsupported charset'), { statusCode: 415 }), undefined);
      return;
    }
    done(null, new URLSearchParams(body as string));
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'identity endpoint failed');
    const e =
      status === 500
        ? aad(500, 'server_error', 50000, 'There was an error issuing a token or an issue with our sign-in service.')
        : aad(status, 'invalid_request', 9002313, 'Invalid request. Request is malformed or invalid.');
    return sendAad(req, reply, e);
  });

  const discoveryDocument = () => {
    const t = `${base()}/${deps.tenantId}`;
    return {
      token_endpoint: `${t}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      jwks_uri: `${t}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['token'],
      scopes_supported: [],
      grant_types_supported: deps.userCodeGrant ? ['client_credentials', 'authorization_code', 'refresh_token'] : ['client_credentials'],
      code_challenge_methods_supported: ['S256'],
      claims_parameter_supported: true,
      issuer: deps.issuer.issuerFor(deps.tenantId),
      request_uri_parameter_supported: false,
      // Users sign in here (sign-in-routes.ts), for the portal's own client only.
      authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
      tenant_region_scope: null,
      cloud_instance_name: new URL(base()).host,
    };
  };

  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (req, reply) => {
    if (!knownTenant(req.params.tenant) && !discoveryNames.has(req.params.tenant.toLowerCase())) return sendAad(req, reply, unknownTenant());
    return discoveryDocument();
  });

  /**
   * The discovery document at `/adfs/.well-known/openid-configuration`: Azure CLI releases whose MSAL
   * always asks Microsoft's login host to validate an authority (no `core.instance_discovery` setting)
   * skip that check for an AD FS authority, so a cloud registered with `--endpoint-active-directory
   * {base}/adfs` signs in against Vigil (as against Azure Stack Hub). It names the same endpoints.
   */
  app.get('/adfs/.well-known/openid-configuration', async () => discoveryDocument());

  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', async (req, reply) => {
    if (!knownTenant(req.params.tenant)) return sendAad(req, reply, unknownTenant());
    void reply.header('cache-control', 'public, max-age=3600');
    return deps.issuer.jwks;
  });

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    if (!knownTenant(req.params.tenant)) return sendAad(req, reply, unknownTenant());
    const form: FormBody = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();

    const params = readParams(form, ['grant_type', 'client_id', 'client_secret', 'scope']);
    if ('error' in params) return sendAad(req, reply, params);
    const { grant_type: grantType, client_id: clientId, client_secret: secret, scope } = params;

    if (grantType === undefined) return sendAad(req, reply, missingParam('grant_type'));
    if (grantType === 'authorization_code' && deps.userCodeGrant) return redeemCode(req, reply, form, deps.userCodeGrant);
    if (grantType === 'refresh_token' && deps.userCodeGrant) return redeemRefreshToken(req, reply, form, deps.userCodeGrant);
    if (grantType !== 'client_credentials') {
      return sendAad(req, reply, aad(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type. Vigil supports client_credentials, and authorization_code with PKCE (then refresh_token) for its portal.'));
    }
    if (clientId === undefined) return sendAad(req, reply, missingParam('client_id'));
    if (clientId.length > MAX_CLIENT_ID_LENGTH || !/^[\x21-\x7e]+$/.test(clientId)) {
      return sendAad(req, reply, aad(400, 'invalid_request', 700038, "'client_id' is not a valid application identifier."));
    }
    if (secret === undefined) return sendAad(req, reply, missingParam('client_secret'));
    if (scope === undefined) return sendAad(req, reply, missingParam('scope'));

    const resource = resourceOf(scope);
    if (resource === undefined) return sendAad(req, reply, invalidScope());
    const extra = deps.extraAudiences?.() ?? [];
    if (!audiences.has(normalizeAudience(resource)) && !extra.some((a) => normalizeAudience(a) === normalizeAudience(resource))) {
      return sendAad(
        req,
        reply,
        aad(400, 'invalid_scope', 500011, `The resource principal named ${truncate(resource, 200)} was not found in the tenant. Vigil issues tokens for: ${[...deps.allowedAudiences, ...extra].join(', ')}.`),
      );
    }

    const throttleKey = clientId.toLowerCase();
    const retryAfter = throttle.retryAfterSeconds(throttleKey);
    if (retryAfter !== undefined) {
      return sendAad(
        req,
        reply,
        aad(429, 'temporarily_unavailable', 50053, 'The client has been temporarily locked out because of too many failed authentication attempts. Try again later.', {
          'retry-after': String(retryAfter),
        }),
      );
    }

    // Count the attempt before verifying, so a burst of concurrent guesses cannot all slip in
    // before the first failure is recorded; a success takes its own count back.
    throttle.recordFailure(throttleKey);
    const sp = deps.directory.findServicePrincipalByAppId(clientId);
    const client = sp && sp.tenantId.toLowerCase() === deps.tenantId.toLowerCase() ? sp : undefined;
    const outcome = await checkSecret(client, secret.length <= MAX_SECRET_LENGTH ? secret : '', dummyHash, deps.verifySecret ?? verifySecret);
    if (outcome !== 'ok') {
      req.log.info({ clientId, outcome }, 'client authentication failed');
      return sendAad(req, reply, outcome === 'unknown' ? unknownClient() : outcome === 'expired' ? expiredSecret() : badSecret());
    }
    throttle.forgive(throttleKey);
    if (!deps.directory.isActive(client!.objectId)) {
      return sendAad(req, reply, aad(400, 'unauthorized_client', 7000112, 'Application is disabled.'));
    }

    const { token, expiresOn } = await deps.issuer.issue(
      { objectId: client!.objectId, appId: client!.appId, tenantId: client!.tenantId, kind: 'ServicePrincipal' },
      resource,
      lifetime,
    );
    // Report one second less than the real lifetime so the client renews a little early.
    const expiresIn = Math.max(0, expiresOn - Math.floor(Date.now() / 1000) - 1);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
  });

  /** RFC 6749 §4.1.3 with RFC 7636: a public client redeems its code with the PKCE verifier. */
  async function redeemCode(req: FastifyRequest, reply: FastifyReply, form: FormBody, grant: UserCodeGrant) {
    const p = readParams(form, ['client_id', 'code', 'redirect_uri', 'code_verifier', 'client_secret']);
    if ('error' in p) return sendAad(req, reply, p);
    for (const name of ['client_id', 'code', 'redirect_uri', 'code_verifier'] as const) if (p[name] === undefined) return sendAad(req, reply, missingParam(name));
    if (p.client_secret !== undefined) return sendAad(req, reply, aad(400, 'invalid_request', 700025, 'The portal is a public client: it sends no client_secret.'));
    const outcome = grant.codes.redeem(p.code!, p.client_id!, p.redirect_uri!, p.code_verifier!);
    if (!outcome.ok) {
      req.log.info({ reason: outcome.reason }, 'authorization code refused');
      const description =
        outcome.reason === 'verifier'
          ? 'The code_verifier does not match the code_challenge supplied in the authorization request.'
          : outcome.reason === 'mismatch'
            ? 'The client_id or redirect_uri differs from the authorization request.'
            : 'The provided authorization code is invalid, expired or already redeemed.';
      return sendAad(req, reply, aad(400, 'invalid_grant', outcome.reason === 'verifier' ? 501481 : 70008, description));
    }
    const user = grant.activeUser(outcome.grant.userId);
    if (!user) return sendAad(req, reply, aad(400, 'invalid_grant', 50057, 'The user account is disabled or deleted.'));
    const { userId, clientId, resource, sessionKey } = outcome.grant;
    return userTokens(reply, user, clientId, resource, grant.refreshTokens.start({ userId, clientId, resource, sessionKey }));
  }

  /**
   * RFC 6749 §6 for the portal's public client: the refresh token is single use (rotated), a spent one
   * revokes its family, and it works only while the sign-in session it came from lives (refresh-tokens.ts).
   */
  async function redeemRefreshToken(req: FastifyRequest, reply: FastifyReply, form: FormBody, grant: UserCodeGrant) {
    const p = readParams(form, ['client_id', 'refresh_token', 'client_secret', 'scope']);
    if ('error' in p) return sendAad(req, reply, p);
    for (const name of ['client_id', 'refresh_token'] as const) if (p[name] === undefined) return sendAad(req, reply, missingParam(name));
    if (p.client_secret !== undefined) return sendAad(req, reply, aad(400, 'invalid_request', 700025, 'The portal is a public client: it sends no client_secret.'));
    const asked = p.scope === undefined ? undefined : resourceOf(p.scope);
    if (p.scope !== undefined && asked === undefined) return sendAad(req, reply, invalidScope());
    const outcome = grant.refreshTokens.use(p.refresh_token!, p.client_id!, (resource) => asked === undefined || normalizeAudience(asked) === normalizeAudience(resource));
    if (!outcome.ok && outcome.reason === 'resource') return sendAad(req, reply, invalidScope());
    if (!outcome.ok) {
      req.log.info({ reason: outcome.reason }, 'refresh token refused');
      if (outcome.reason === 'reused') req.log.warn('a spent refresh token was presented again: its family is revoked');
      const description =
        outcome.reason === 'reused'
          ? 'The refresh token was already used; every refresh token issued with it is now revoked. Sign in again.'
          : outcome.reason === 'session'
            ? 'The sign-in session this refresh token belongs to has ended (sign-out, password change, or the account disabled). Sign in again.'
            : 'The refresh token is invalid, expired or revoked.';
      return sendAad(req, reply, aad(400, 'invalid_grant', outcome.reason === 'session' ? 50173 : 70008, description));
    }
    const { userId, clientId, resource } = outcome.grant;
    const user = grant.activeUser(userId);
    if (!user) return sendAad(req, reply, aad(400, 'invalid_grant', 50057, 'The user account is disabled or deleted.'));
    return userTokens(reply, user, clientId, resource, outcome.refreshToken);
  }

  async function userTokens(reply: FastifyReply, user: { objectId: string; userPrincipalName: string; displayName: string }, clientId: string, resource: string, refreshToken: string) {
    const { token, expiresOn } = await deps.issuer.issue(
      { objectId: user.objectId, appId: clientId, tenantId: deps.tenantId, kind: 'User' },
      resource,
      lifetime,
      { upn: user.userPrincipalName, name: user.displayName, scp: 'user_impersonation' },
    );
    const expiresIn = Math.max(0, expiresOn - Math.floor(Date.now() / 1000) - 1);
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { token_type: 'Bearer', scope: `${resource}/.default offline_access`, expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token, refresh_token: refreshToken };
  }
};

const unknownTenant = () =>
  aad(400, 'invalid_tenant', 90002, 'Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.');

/**
 * Reads single-valued parameters. A repeated parameter is refused: with two `client_id`s,
 * different layers could otherwise disagree about which one was authenticated.
 */
function readParams<K extends string>(form: FormBody, names: readonly K[]): Record<K, string | undefined> | AadError {
  const out = {} as Record<K, string | undefined>;
  for (const name of names) {
    const values = form.getAll(name);
    if (values.length > 1) return malformed();
    const v = values[0];
    out[name] = v ? v : undefined; // an empty value counts as missing
  }
  return out;
}

/** The resource of a client-credentials scope (`<resource>/.default`), or undefined if it is not one. */
function resourceOf(scope: string): string | undefined {
  const scopes = scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  if (scopes.length !== 1) return undefined;
  const s = scopes[0]!;
  if (!s.endsWith(DEFAULT_SUFFIX) || s.length === DEFAULT_SUFFIX.length) return undefined;
  return s.slice(0, -DEFAULT_SUFFIX.length);
}

/**
 * Checks a secret against every secret of the client without stopping at the first match, and
 * against a dummy hash when the client is unknown, so timing tells little about the client.
 */
async function checkSecret(
  client: ServicePrincipalRecord | undefined,
  secret: string,
  dummyHash: string,
  verifySecret: (secret: string, storedHash: string) => Promise<boolean>,
): Promise<'ok' | 'unknown' | 'invalid' | 'expired'> {
  if (!client || client.secrets.length === 0) {
    await verifySecret(secret, dummyHash);
    return client ? 'invalid' : 'unknown';
  }
  const now = Date.now();
  let valid = false;
  let expired = false;
  for (const s of client.secrets) {
    if (await verifySecret(secret, s.hash)) {
      const end = Date.parse(s.endDateTime);
      if (Number.isFinite(end) && end > now) valid = true;
      else expired = true;
    }
  }
  return valid ? 'ok' : expired ? 'expired' : 'invalid';
}

function sendAad(req: FastifyRequest, reply: FastifyReply, e: AadError): FastifyReply {
  const traceId = randomUUID();
  const correlationId = correlationIdOf(req);
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (e.headers) void reply.headers(e.headers);
  return reply
    .code(e.status)
    .header('cache-control', 'no-store')
    .send({
      error: e.error,
      error_description: `AADSTS${e.code}: ${e.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [e.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** MSAL's `client-request-id` (query or header) when it is a UUID, so client logs line up; else a new one. */
function correlationIdOf(req: FastifyRequest): string {
  const q = (req.query as Record<string, unknown> | undefined)?.['client-request-id'];
  const h = req.headers['client-request-id'];
  for (const v of [q, h]) if (typeof v === 'string' && UUID.test(v)) return v.toLowerCase();
  return randomUUID();
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * Counts failed client authentications per client id in a fixed window; at the limit the client
 * id is refused (429) until the window ends, even with the right secret — otherwise the limit
 * would not slow down guessing. Successes do not wipe earlier failures. Memory is bounded:
 * expired entries are swept, and past the cap the oldest unlocked entries are dropped first.
 */
export class FailureThrottle {
  private readonly entries = new Map<string, { count: number; windowStart: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or undefined when it is not locked out. */
  retryAfterSeconds(key: string): number | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const remaining = e.windowStart + this.windowMs - this.now();
    if (remaining <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return e.count >= this.maxFailures ? Math.ceil(remaining / 1000) : undefined;
  }

  recordFailure(key: string): void {
    const t = this.now();
    const e = this.entries.get(key);
    if (e && t < e.windowStart + this.windowMs) {
      e.count++;
      return;
    }
    if (e) this.entries.delete(key); // re-insert so insertion order stays oldest-first
    else if (this.entries.size >= this.maxEntries) this.evict(t);
    this.entries.set(key, { count: 1, windowStart: t });
  }

  /** Takes back one recorded failure (the attempt turned out to succeed). */
  forgive(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (--e.count <= 0) this.entries.delete(key);
  }

  private evict(t: number): void {
    for (const [k, e] of this.entries) if (t >= e.windowStart + this.windowMs) this.entries.delete(k);
    // Still full: drop the oldest entries that are not locked out, and only then locked ones, so a
    // flood of random client ids cannot lift a lockout cheaply. (Map keeps insertion order.)
    for (const lockedToo of [false, true]) {
      for (const [k, e] of this.entries) {
        if (this.entries.size < this.maxEntries) return;
        if (lockedToo || e.count < this.maxFailures) this.entries.delete(k);
      }
    }
  }
}
