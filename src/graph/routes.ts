/**
 * A Microsoft Graph-shaped subset for service principals (token audience `https://graph.microsoft.com`):
 *
 *   POST   /v1.0/servicePrincipals                    {displayName} → 201 {id, appId, displayName, …}
 *   GET    /v1.0/servicePrincipals                    → {value:[…]}
 *   GET    /v1.0/servicePrincipals/{id}               (object id)
 *   POST   /v1.0/servicePrincipals/{id}/addPassword   {passwordCredential?:{displayName,endDateTime}} → {secretText, keyId, endDateTime, …}
 *   POST   /v1.0/servicePrincipals/{id}/removePassword {keyId} → 204
 *   DELETE /v1.0/servicePrincipals/{id}               → 204; the principal's tokens stop working at once
 *
 * Vigil has no Entra directory roles, so directory rights come from Azure RBAC: creating, changing and
 * deleting principals needs `Microsoft.Authorization/roleAssignments/write` on a subscription of the
 * tenant (Owner, User Access Administrator) — whoever may grant roles may create what roles are
 * granted to. Reading needs `Microsoft.Authorization/roleAssignments/read` on a subscription; any
 * principal may read itself. Errors are Graph's `{"error":{"code","message","innerError"}}`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAllowed, type Caller } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { generateClientSecret, hashSecret, secretHint } from '../identity/secrets.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ServicePrincipalRecord } from '../metadata/records.js';

export interface GraphRouteDeps {
  metadata: MetadataStore;
  authenticate: Authenticate;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_SECRET_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;
const MAX_SECRET_LIFETIME_MS = 100 * 365 * 24 * 3600 * 1000;
const MAX_SECRETS = 20;

const CreateBody = z.object({
  displayName: z.string().trim().min(1, 'displayName is required').max(256, 'displayName has at most 256 characters'),
  appId: z.unknown().optional(),
});

const AddPasswordBody = z
  .object({
    passwordCredential: z
      .object({
        displayName: z.string().max(256).nullish(),
        endDateTime: z.string().nullish(),
        startDateTime: z.string().nullish(),
      })
      .catchall(z.unknown())
      .nullish(),
  })
  .catchall(z.unknown());

const RemovePasswordBody = z.object({ keyId: z.string().regex(GUID, 'keyId must be the GUID addPassword returned') });

/** Graph's error body; the `ApiError` keeps its status. */
export function graphError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, code, message, { innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': randomUUID() } });
}

export const notFound = (id: string) =>
  graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
export const denied = () =>
  graphError(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation. Managing service principals needs Microsoft.Authorization/roleAssignments/write on a subscription (Owner or User Access Administrator).',
  );

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(body)';
  throw graphError(400, 'Request_BadRequest', `Invalid value for '${path}': ${issue.message}`);
}

type SpFilter = (sp: ServicePrincipalRecord) => boolean;

const unsupportedFilter = (text: string) =>
  graphError(
    400,
    'Request_UnsupportedQuery',
    `Unsupported or invalid query filter clause specified for property or resource: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}. Vigil supports: servicePrincipalNames/any(c:c eq '…'), appId eq '…', id eq '…', displayName eq '…', startswith(displayName,'…'), joined with 'or'.`,
  );

/** One OData string literal: '…' with '' for a quote. */
const LITERAL = `'((?:[^']|'')*)'`;
const CLAUSES: { re: RegExp; test: (sp: ServicePrincipalRecord, v: string) => boolean }[] = [
  { re: new RegExp(`^servicePrincipalNames/any\\((\\w+):\\s*\\1\\s+eq\\s+${LITERAL}\\)$`, 'i'), test: (sp, v) => sp.appId.toLowerCase() === v.toLowerCase() },
  { re: new RegExp(`^appId\\s+eq\\s+${LITERAL}$`, 'i'), test: (sp, v) => sp.appId.toLowerCase() === v.toLowerCase() },
  { re: new RegExp(`^id\\s+eq\\s+${LITERAL}$`, 'i'), test: (sp, v) => sp.objectId.toLowerCase() === v.toLowerCase() },
  { re: new RegExp(`^displayName\\s+eq\\s+${LITERAL}$`, 'i'), test: (sp, v) => sp.displayName.toLowerCase() === v.toLowerCase() },
  { re: new RegExp(`^startswith\\(\\s*displayName\\s*,\\s*${LITERAL}\\s*\\)$`, 'i'), test: (sp, v) => sp.displayName.toLowerCase().startsWith(v.toLowerCase()) },
];

/**
 * The `$filter` forms Azure clients send to find a service principal (the Azure CLI's
 * `az role assignment --assignee` and `az ad sp show` use `servicePrincipalNames/any(c:c eq '{appId}')`),
 * joined with `or`. Anything else is refused, never ignored: a filter that matched everything would
 * hand a client the wrong principal.
 */
export function parseFilter(text: string): SpFilter {
  if (text.length > 2048) throw unsupportedFilter(text);
  const parts = text.trim().split(/\s+or\s+(?=(?:[^']*'[^']*')*[^']*$)/i);
  const tests = parts.map((part) => {
    const clause = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    for (const c of CLAUSES) {
      const m = c.re.exec(clause);
      if (m) {
        const value = m[m.length - 1]!.replace(/''/g, "'");
        return (sp: ServicePrincipalRecord) => c.test(sp, value);
      }
    }
    throw unsupportedFilter(text);
  });
  return (sp) => tests.some((t) => t(sp));
}

export async function graphRoutes(app: FastifyInstance, deps: GraphRouteDeps): Promise<void> {
  const { metadata } = deps;

  const subscriptionScopes = () => metadata.subscriptions().map((s) => `/subscriptions/${s.subscriptionId}`);
  const mayManage = (caller: Caller) => subscriptionScopes().some((s) => isAllowed(metadata, caller, 'Microsoft.Authorization/roleAssignments/write', s));
  const mayRead = (caller: Caller) => subscriptionScopes().some((s) => isAllowed(metadata, caller, 'Microsoft.Authorization/roleAssignments/read', s));

  const authenticate = async (req: FastifyRequest) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.graph);
    if (caller.tenantId.toLowerCase() !== metadata.tenantId.toLowerCase()) throw denied();
    return caller;
  };

  const shape = (sp: ServicePrincipalRecord) => ({
    id: sp.objectId,
    appId: sp.appId,
    displayName: sp.displayName,
    accountEnabled: true,
    appDisplayName: sp.displayName,
    appOwnerOrganizationId: sp.tenantId,
    servicePrincipalType: 'Application',
    servicePrincipalNames: [sp.appId],
    signInAudience: 'AzureADMyOrg',
    createdDateTime: sp.createdAt,
    passwordCredentials: sp.secrets.map((s) => ({
      customKeyIdentifier: null,
      displayName: s.displayName ?? null,
      endDateTime: s.endDateTime,
      hint: null,
      keyId: s.keyId,
      secretText: null,
      startDateTime: null,
    })),
  });

  const find = (ref: string): ServicePrincipalRecord | undefined => (GUID.test(ref) ? metadata.servicePrincipalByObjectId(ref) : undefined);

  const context = (suffix: string) => `https://graph.microsoft.com/v1.0/$metadata#${suffix}`;

  app.post('/v1.0/servicePrincipals', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const body = parse(CreateBody, req.body);
    if (body.appId !== undefined) {
      throw graphError(400, 'Request_BadRequest', "Vigil creates the application together with its service principal; leave out 'appId' and send only 'displayName'.");
    }
    const sp: ServicePrincipalRecord = {
      objectId: randomUUID(),
      appId: randomUUID(),
      displayName: body.displayName,
      tenantId: metadata.tenantId,
      secrets: [],
      createdAt: new Date().toISOString(),
    };
    metadata.mutate((state) => {
      state.servicePrincipals.push(sp);
    });
    return reply
      .code(201)
      .header('location', `/v1.0/servicePrincipals/${sp.objectId}`)
      .send({ '@odata.context': context('servicePrincipals/$entity'), ...shape(sp) });
  });

  app.get('/v1.0/servicePrincipals', async (req, reply) => {
    const caller = await authenticate(req);
    const filterText = (req.query as Record<string, unknown>)['$filter'];
    const filter = typeof filterText === 'string' ? parseFilter(filterText) : undefined;
    const all = metadata.servicePrincipals();
    const visible = mayRead(caller) ? all : all.filter((p) => p.objectId.toLowerCase() === caller.objectId.toLowerCase());
    return reply.send({ '@odata.context': context('servicePrincipals'), value: visible.filter((p) => !filter || filter(p)).map(shape) });
  });

  const getOne = async (req: FastifyRequest<{ Params: { ref: string } }>, reply: FastifyReply) => {
    const caller = await authenticate(req);
    const sp = find(req.params.ref);
    const self = sp && sp.objectId.toLowerCase() === caller.objectId.toLowerCase();
    if (!self && !mayRead(caller)) throw denied();
    if (!sp) throw notFound(req.params.ref);
    return reply.send({ '@odata.context': context('servicePrincipals/$entity'), ...shape(sp) });
  };
  app.get('/v1.0/servicePrincipals/:ref', getOne);

  app.post<{ Params: { id: string } }>('/v1.0/servicePrincipals/:id/addPassword', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const sp = find(req.params.id);
    if (!sp) throw notFound(req.params.id);
    const body = parse(AddPasswordBody, req.body);
    const now = Date.now();
    let end = now + DEFAULT_SECRET_LIFETIME_MS;
    const requested = body.passwordCredential?.endDateTime;
    if (requested) {
      const t = Date.parse(requested);
      if (!Number.isFinite(t) || t <= now) throw graphError(400, 'Request_BadRequest', "passwordCredential.endDateTime must be an ISO 8601 date-time in the future.");
      if (t - now > MAX_SECRET_LIFETIME_MS) throw graphError(400, 'Request_BadRequest', 'passwordCredential.endDateTime may be at most 100 years away.');
      end = t;
    }
    if (sp.secrets.length >= MAX_SECRETS) {
      throw graphError(400, 'Request_BadRequest', `The service principal already has ${MAX_SECRETS} secrets; remove one with removePassword first.`);
    }
    const secretText = generateClientSecret();
    const keyId = randomUUID();
    const hash = await hashSecret(secretText);
    const displayName = body.passwordCredential?.displayName ?? undefined;
    const endDateTime = new Date(end).toISOString();
    metadata.mutate((state) => {
      const target = state.servicePrincipals.find((p) => p.objectId === sp.objectId);
      if (!target) throw notFound(req.params.id);
      target.secrets.push({ keyId, hash, endDateTime, ...(displayName ? { displayName } : {}) });
    });
    void reply.header('cache-control', 'no-store');
    return reply.send({
      '@odata.context': context('microsoft.graph.passwordCredential'),
      customKeyIdentifier: null,
      displayName: displayName ?? null,
      endDateTime,
      hint: secretHint(secretText),
      keyId,
      secretText,
      startDateTime: new Date(now).toISOString(),
    });
  });

  app.post<{ Params: { id: string } }>('/v1.0/servicePrincipals/:id/removePassword', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const sp = find(req.params.id);
    if (!sp) throw notFound(req.params.id);
    const { keyId } = parse(RemovePasswordBody, req.body);
    if (!sp.secrets.some((s) => s.keyId.toLowerCase() === keyId.toLowerCase())) throw notFound(keyId);
    metadata.mutate((state) => {
      const target = state.servicePrincipals.find((p) => p.objectId === sp.objectId);
      if (target) target.secrets = target.secrets.filter((s) => s.keyId.toLowerCase() !== keyId.toLowerCase());
    });
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>('/v1.0/servicePrincipals/:id', async (req, reply) => {
    const caller = await authenticate(req);
    if (!mayManage(caller)) throw denied();
    const sp = find(req.params.id);
    if (!sp) throw notFound(req.params.id);
    metadata.mutate((state) => {
      state.servicePrincipals = state.servicePrincipals.filter((p) => p.objectId !== sp.objectId);
      // Drop its role assignments too: nothing may inherit them, and lists stay free of dangling principals.
      state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== sp.objectId.toLowerCase());
    });
    return reply.code(204).send();
  });
}
