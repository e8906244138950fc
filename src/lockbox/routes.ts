/**
 * The HTTP side of Customer Lockbox.
 *
 * The customer's API, `Microsoft.CustomerLockbox` (api-version 2018-02-28-preview):
 *   GET  /subscriptions/{s}/providers/Microsoft.CustomerLockbox/requests[?$filter=properties/status eq 'Pending']
 *   GET  /subscriptions/{s}/providers/Microsoft.CustomerLockbox/requests/{requestId}
 *   POST /subscriptions/{s}/providers/Microsoft.CustomerLockbox/requests/{requestId}/updateApproval  {"status":"Approve"|"Deny","reason"}
 *   GET  /providers/Microsoft.CustomerLockbox/tenantOptedIn/{tenantId}
 *   POST /providers/Microsoft.CustomerLockbox/enableLockbox | disableLockbox
 *   GET  /providers/Microsoft.CustomerLockbox/operations
 * The subscription-scoped ones are ARM routes (the control plane's dispatcher adds the activity log
 * and locks); the tenant-scoped ones are registered here.
 *
 * The operator's side (Vigil's own, not Azure's — in Azure it is Microsoft's internal tooling):
 *   POST /operator/lockbox/requests            {"workspace","justification","supportRequest"?}  (management audience)
 *   GET  /operator/lockbox/requests/{requestId}                                                   (management audience)
 *   POST /operator/workspaces/{workspace}/query {"query","timespan"?,"lockboxRequestId"}          (Log Analytics audience)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ArmRouter } from '../control/arm-router.js';
import type { ControlContext } from '../control/context.js';
import { ApiError } from '../errors/api-error.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import type { QueryAuditor } from '../audit/query-audit.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { listenerOf } from '../network/listeners.js';
import { requireNetworkAccess } from '../network/access.js';
import { parsePrefer } from '../query/prefer.js';
import type { QueryService } from '../query/query-service.js';
import { resultJson } from '../query/result-json.js';
import { parseTimespan } from '../query/timespan.js';
import { LOCKBOX_PROVIDER, requestResponse, type LockboxService } from './lockbox-service.js';

export const LOCKBOX_API_VERSIONS = ['2018-02-28-preview', '2018-10-11-preview'];

/** The swagger omits api-version on the list operation; Vigil accepts it missing, but not unknown. */
function checkApiVersion(q: URLSearchParams): void {
  const v = q.get('api-version');
  if (v !== null && !LOCKBOX_API_VERSIONS.includes(v)) {
    throw new ApiError(400, 'InvalidApiVersionParameter', `The api-version '${v.slice(0, 40)}' is invalid. The supported versions are '${LOCKBOX_API_VERSIONS.join(',')}'.`);
  }
}

const serviceOf = (ctx: ControlContext): LockboxService => {
  if (!ctx.deps.lockbox) throw new ApiError(404, 'InvalidResourceType', 'Customer Lockbox is not served here.');
  return ctx.deps.lockbox;
};

const subscriptionOf = (ctx: ControlContext, s: string) => {
  if (!ctx.deps.metadata.subscription(s)) throw new ApiError(404, 'SubscriptionNotFound', `The subscription '${s}' could not be found.`);
  return s;
};

export function registerCustomerLockboxRoutes(router: ArmRouter<ControlContext>): void {
  const base = `/subscriptions/{s}/providers/${LOCKBOX_PROVIDER}/requests`;
  router.add('GET', base, (p, ctx) => {
    checkApiVersion(ctx.query);
    const list = serviceOf(ctx).list(ctx.caller, subscriptionOf(ctx, p.s!), ctx.query.get('$filter'));
    return { status: 200, body: { value: list.map(requestResponse) } };
  });
  router.add('GET', `${base}/{id}`, (p, ctx) => {
    checkApiVersion(ctx.query);
    return { status: 200, body: requestResponse(serviceOf(ctx).get(ctx.caller, subscriptionOf(ctx, p.s!), p.id!)) };
  });
  router.add('POST', `${base}/{id}/updateApproval`, (p, ctx) => {
    checkApiVersion(ctx.query);
    const approval = serviceOf(ctx).updateApproval(ctx.caller, subscriptionOf(ctx, p.s!), p.id!, ctx.body, { correlationId: ctx.correlationId ?? p.id! });
    return { status: 200, body: approval, activity: { properties: { lockboxRequestId: p.id, decision: approval.status } } };
  });
}

const OPERATIONS = [
  ['requests/read', 'Read Lockbox Request', 'Reads lockbox requests of a subscription.'],
  ['requests/UpdateApproval/action', 'Approve or Deny Lockbox Request', 'Approves or denies a lockbox request.'],
  ['tenantOptedIn/read', 'Read Tenant Opt-in', 'Tells whether the tenant has enabled Customer Lockbox.'],
  ['enableLockbox/action', 'Enable Lockbox', 'Enables Customer Lockbox for the tenant.'],
  ['disableLockbox/action', 'Disable Lockbox', 'Disables Customer Lockbox for the tenant.'],
  ['operations/read', 'Read Operations', 'Lists the operations of Microsoft.CustomerLockbox.'],
].map(([op, operation, description]) => ({
  name: `${LOCKBOX_PROVIDER}/${op}`,
  isDataAction: false,
  display: { provider: 'Microsoft Customer Lockbox', resource: op!.split('/')[0], operation, description },
}));

export interface LockboxRouteDeps {
  lockbox: LockboxService;
  metadata: MetadataStore;
  queries: QueryService;
  authenticate: Authenticate;
  auditor?: QueryAuditor;
}

const correlationOf = (req: FastifyRequest) => {
  const given = req.headers['x-ms-client-request-id'];
  return typeof given === 'string' && given.length > 0 ? given.slice(0, 128) : req.id;
};

export async function lockboxRoutes(app: FastifyInstance, deps: LockboxRouteDeps): Promise<void> {
  const { lockbox } = deps;
  const tenantBase = `/providers/${LOCKBOX_PROVIDER}`;
  const arm = async (req: FastifyRequest) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    checkApiVersion(new URLSearchParams(req.url.split('?')[1] ?? ''));
    return caller;
  };

  app.get(`${tenantBase}/operations`, async (req) => {
    await arm(req);
    return { value: OPERATIONS };
  });
  app.get<{ Params: { tenantId: string } }>(`${tenantBase}/tenantOptedIn/:tenantId`, async (req) => {
    const caller = await arm(req);
    return { isOptedIn: lockbox.tenantOptedIn(caller, req.params.tenantId) };
  });
  for (const enable of [true, false]) {
    app.post(`${tenantBase}/${enable ? 'enableLockbox' : 'disableLockbox'}`, async (req, reply) => {
      const caller = await arm(req);
      lockbox.setOptedIn(caller, enable, { correlationId: correlationOf(req), callerIp: req.ip });
      return reply.code(200).send();
    });
  }

  // The operator's side.
  app.post('/operator/lockbox/requests', async (req, reply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    const r = lockbox.createRequest(caller, req.body, { correlationId: correlationOf(req), callerIp: req.ip });
    return reply.code(201).send(requestResponse(r));
  });
  app.get<{ Params: { id: string } }>('/operator/lockbox/requests/:id', async (req) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    return requestResponse(lockbox.operatorGet(caller, req.params.id));
  });

  app.post<{ Params: { workspace: string } }>('/operator/workspaces/:workspace/query', async (req, reply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.query, req.raw);
    const body = (req.body ?? {}) as { query?: unknown; timespan?: unknown; lockboxRequestId?: unknown };
    if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'BadArgumentError', 'The request body must be a JSON object {"query","timespan","lockboxRequestId"}.');
    const requestId = typeof body.lockboxRequestId === 'string' && body.lockboxRequestId !== '' ? body.lockboxRequestId.slice(0, 64) : undefined;
    const correlationId = correlationOf(req);
    const run = async () => {
      if (typeof body.query !== 'string' || body.query.trim() === '' || body.query.length > 100_000) {
        throw new ApiError(400, 'BadArgumentError', "'query' is required: a KQL query of at most 100000 characters.");
      }
      if (body.timespan !== undefined && body.timespan !== null && typeof body.timespan !== 'string') throw new ApiError(400, 'BadArgumentError', "'timespan' must be an ISO 8601 string.");
      // Only a workspace's customerId: an operator names exactly the workspace the request covers.
      const w = deps.metadata.workspaceByCustomerId(req.params.workspace);
      if (!w) throw new ApiError(404, 'WorkspaceNotFoundError', `The workspace '${req.params.workspace}' could not be found (give its customerId GUID).`);
      const grant = lockbox.authorizeAccess(caller, w, requestId, { correlationId, callerIp: req.ip });
      requireNetworkAccess(deps.metadata, listenerOf(req.raw), 'query', w, req.ip);
      const timespan = parseTimespan(body.timespan as string | undefined, new Date());
      return { w, grant, timespan };
    };
    const prefer = parsePrefer(req.headers.prefer);
    const execute = async (trace: import('../query/query-service.js').QueryTrace) => {
      const { w, grant, timespan } = await run();
      return deps.queries.run({ caller, workspace: w, additionalWorkspaces: [], query: body.query as string, timespan, prefer, trace, lockbox: grant });
    };
    const result = deps.auditor
      ? await deps.auditor.run(
          {
            caller,
            workspaceRefs: [req.params.workspace],
            query: body.query,
            timespan: body.timespan,
            clientApp: typeof req.headers['x-ms-app'] === 'string' ? req.headers['x-ms-app'].slice(0, 256) : 'vigil-operator',
            correlationId,
            lockboxRequestId: requestId ?? '',
          },
          execute,
        )
      : await execute({});
    return reply.code(200).type('application/json; charset=utf-8').send(resultJson(result));
  });
}
