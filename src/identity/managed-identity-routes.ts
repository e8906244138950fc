/**
 * The managed-identity token endpoint that `@azure/identity`'s `ManagedIdentityCredential` reaches:
 *
 *   GET /metadata/identity/oauth2/token?api-version=2019-08-01&resource=…[&client_id=…]
 *   GET /msi/token?…  (the same handler, at App Service's usual path)
 *
 * How a caller proves it may act as an identity. On Azure the platform does this: only code on the VM
 * or in the App Service can reach IMDS or knows the App Service `IDENTITY_HEADER`. Vigil is not that
 * platform, so every identity has an *identity header*: a 256-bit random secret that an authorized
 * operator obtains once through ARM (`POST …/userAssignedIdentities/{name}/regenerateIdentityHeader`)
 * and gives to the workload as
 *
 *   IDENTITY_ENDPOINT=https://<vigil>/metadata/identity/oauth2/token
 *   IDENTITY_HEADER=<identityHeader>
 *
 * `ManagedIdentityCredential` then sends it as `X-IDENTITY-HEADER` (App Service protocol). The header
 * also names the identity it belongs to, so the credential works with or without `clientId`. Vigil
 * stores only an argon2id hash of it. A request without a valid header gets no token — the IMDS
 * form (`Metadata: true` alone) is refused with an error that says what to send instead.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { FailureThrottle } from './routes.js';
import { verifySecret } from './secrets.js';
import type { TokenIssuer } from './token-issuer.js';
import { normalizeAudience } from './token-verifier.js';

export interface ManagedIdentityRouteDeps {
  metadata: MetadataStore;
  issuer: TokenIssuer;
  allowedAudiences: string[];
  /** More resources, known only once the server listens (Vigil's own base URL). */
  extraAudiences?: () => readonly string[];
  tokenLifetimeSeconds?: number;
}

const HEADER_PREFIX = 'vmi1';
const HEADER = /^vmi1\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/;

/** A new identity header for the identity with this principal (object) id. */
export function newIdentityHeader(principalId: string): string {
  return `${HEADER_PREFIX}.${principalId.replace(/-/g, '').toLowerCase()}.${randomBytes(32).toString('base64url')}`;
}

function principalIdOf(header: string): string | undefined {
  const m = HEADER.exec(header);
  if (!m) return undefined;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface MiError {
  status: number;
  error: string;
  description: string;
}

const err = (status: number, error: string, description: string): MiError => ({ status, error, description });

export async function managedIdentityRoutes(app: FastifyInstance, deps: ManagedIdentityRouteDeps): Promise<void> {
  const audiences = new Set(deps.allowedAudiences.map(normalizeAudience));
  const lifetime = deps.tokenLifetimeSeconds ?? 3600;
  const throttle = new FailureThrottle(10, 60_000);

  const send = (reply: FastifyReply, e: MiError) =>
    reply.code(e.status).header('cache-control', 'no-store').send({ error: e.error, error_description: e.description });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = new URLSearchParams(req.url.split('?')[1] ?? '');
    const single = (name: string) => {
      const all = q.getAll(name);
      return all.length === 1 ? all[0] : all.length > 1 ? null : undefined;
    };
    const rawHeader = req.headers['x-identity-header'] ?? req.headers['secret'];
    const header = typeof rawHeader === 'string' ? rawHeader.trim() : undefined;
    if (!header) {
      return send(
        reply,
        err(
          400,
          'invalid_request',
          "Vigil issues managed-identity tokens only to callers that present the identity's header. Get one with POST …/userAssignedIdentities/{name}/regenerateIdentityHeader and set IDENTITY_ENDPOINT and IDENTITY_HEADER for ManagedIdentityCredential.",
        ),
      );
    }
    const resource = single('resource');
    if (resource === null) return send(reply, err(400, 'invalid_request', "The 'resource' parameter is given more than once."));
    if (!resource) return send(reply, err(400, 'invalid_request', "The 'resource' parameter is required (e.g. resource=https://monitor.azure.com)."));
    const normalized = normalizeAudience(resource.replace(/\/\.default$/, ''));
    const extra = deps.extraAudiences?.() ?? [];
    if (!audiences.has(normalized) && !extra.some((a) => normalizeAudience(a) === normalized)) {
      return send(reply, err(400, 'invalid_resource', `Vigil issues tokens only for: ${[...deps.allowedAudiences, ...extra].join(', ')}.`));
    }
    const principalId = principalIdOf(header);
    const throttleKey = principalId ?? 'malformed';
    const retryAfter = throttle.retryAfterSeconds(throttleKey);
    if (retryAfter !== undefined) {
      void reply.header('retry-after', String(retryAfter));
      return send(reply, err(429, 'temporarily_unavailable', 'Too many failed attempts for this identity; try again later.'));
    }
    const identity = principalId ? deps.metadata.userAssignedIdentityByPrincipalId(principalId) : undefined;
    const ok = identity?.identityHeaderHash ? await verifySecret(header, identity.identityHeaderHash) : false;
    if (!identity || !ok) {
      throttle.recordFailure(throttleKey);
      req.log.info({ principalId }, 'managed identity header refused');
      return send(reply, err(401, 'unauthorized_client', 'The identity header is not valid: it was regenerated, or its identity was deleted. Get a new one with regenerateIdentityHeader.'));
    }
    // The credential may name the identity; it must be the one the header belongs to.
    for (const [param, value] of [
      ['client_id', identity.clientId],
      ['clientid', identity.clientId],
      ['principal_id', identity.principalId],
      ['object_id', identity.principalId],
    ] as const) {
      const given = single(param);
      if (given === null || (given !== undefined && given.toLowerCase() !== value.toLowerCase())) {
        return send(reply, err(400, 'invalid_request', `The identity header belongs to another identity than the ${param} requested.`));
      }
    }
    for (const param of ['mi_res_id', 'msi_res_id']) {
      const given = single(param);
      const id = `/subscriptions/${identity.subscriptionId}/resourceGroups/${identity.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity.name}`;
      if (given === null || (given !== undefined && given.toLowerCase() !== id.toLowerCase())) {
        return send(reply, err(400, 'invalid_request', `The identity header belongs to another identity than the ${param} requested.`));
      }
    }
    const { token, expiresOn } = await deps.issuer.issue(
      { objectId: identity.principalId, appId: identity.clientId, tenantId: identity.tenantId, kind: 'ManagedIdentity' },
      resource.replace(/\/\.default$/, '').replace(/\/+$/, ''),
      lifetime,
    );
    const now = Math.floor(Date.now() / 1000);
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({
        access_token: token,
        client_id: identity.clientId,
        expires_in: String(expiresOn - now),
        expires_on: String(expiresOn),
        ext_expires_in: String(expiresOn - now),
        not_before: String(now),
        resource,
        token_type: 'Bearer',
      });
  };

  for (const url of ['/metadata/identity/oauth2/token', '/metadata/identity/oauth2/token/', '/msi/token']) app.get(url, handler);
}
