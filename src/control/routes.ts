import type { FastifyInstance } from 'fastify';
import { registerEffectiveAccessRoutes } from './effective-access.js';
import { registerSavedSearchRoutes } from './saved-searches.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import { ArmRouter, splitPath, type ArmMethod } from './arm-router.js';
import type { ControlContext, ControlDeps } from './context.js';
import { armAction, enforceLocks } from '../authz/locks.js';
import { redactError, secretsInBody } from '../audit/redact.js';
import { registerPrivateDataScanRoutes } from './private-data-scans.js';
import { registerDataCollectionRuleRoutes } from './data-collection-rules.js';
import { registerDiagnosticSettingRoutes } from './diagnostic-settings.js';
import { registerLockRoutes } from './locks.js';
import { registerPurgeRoutes } from './purge.js';
import { registerManagedIdentityRoutes } from './managed-identities.js';
import { registerRoleAssignmentRoutes } from './role-assignments.js';
import { registerRoleDefinitionRoutes } from './role-definitions.js';
import { registerResourceGroupRoutes } from './resource-groups.js';
import { registerSubscriptionRoutes } from './subscriptions.js';
import { registerTableRoutes } from './tables.js';
import { registerWorkspaceRoutes } from './workspaces.js';
import { registerStorageAccountRoutes } from './storage-accounts.js';
import { registerDataExportRoutes } from './data-exports.js';
import { registerWorkspaceSchemaRoutes } from './workspace-schema.js';
import { registerPrivateLinkRoutes } from './private-link.js';
import { registerScheduledQueryRuleRoutes } from './scheduled-query-rules.js';
import { registerActionGroupRoutes } from './action-groups.js';
import { registerDataCollectionEndpointRoutes } from './data-collection-endpoints.js';
import { registerDataCollectionRuleAssociationRoutes } from './data-collection-rule-associations.js';
import { registerAlertsManagementRoutes } from './alerts-management.js';
import { registerKeyVaultRoutes } from './key-vaults.js';
import { registerClusterRoutes } from './clusters.js';
import { registerCustomerLockboxRoutes } from '../lockbox/routes.js';
import { registerMonitorAccountRoutes } from './monitor-accounts.js';

export interface ControlRouteDeps extends ControlDeps {
  authenticate: Authenticate;
}

/** Builds the table of ARM routes Vigil serves. */
export function buildArmRouter(publicBaseUrl: () => string = () => '', privateListeners: () => string[] = () => []): ArmRouter<ControlContext> {
  const router = new ArmRouter<ControlContext>();
  registerRoleAssignmentRoutes(router);
  registerRoleDefinitionRoutes(router);
  registerLockRoutes(router);
  registerDiagnosticSettingRoutes(router);
  registerManagedIdentityRoutes(router, publicBaseUrl);
  registerSubscriptionRoutes(router);
  registerResourceGroupRoutes(router);
  registerWorkspaceRoutes(router);
  registerWorkspaceSchemaRoutes(router);
  registerTableRoutes(router);
  registerDataCollectionRuleRoutes(router);
  registerPrivateDataScanRoutes(router);
  registerPurgeRoutes(router);
  registerStorageAccountRoutes(router);
  registerDataExportRoutes(router);
  registerPrivateLinkRoutes(router, privateListeners);
  registerScheduledQueryRuleRoutes(router);
  registerActionGroupRoutes(router);
  registerEffectiveAccessRoutes(router);
  registerSavedSearchRoutes(router);
  registerDataCollectionEndpointRoutes(router);
  registerDataCollectionRuleAssociationRoutes(router);
  registerAlertsManagementRoutes(router);
  registerKeyVaultRoutes(router);
  registerClusterRoutes(router);
  registerCustomerLockboxRoutes(router);
  registerMonitorAccountRoutes(router);
  return router;
}

/**
 * The ARM-shaped control plane under `/subscriptions/…`: authenticate for the management audience,
 * find the route (paths match case-insensitively), and let the resource module validate, authorize
 * and act. This dispatcher is also the ONE place where, for every operation,
 *   - management locks are checked before anything changes (src/authz/locks.ts; GET is never blocked),
 *   - every write, delete and action is recorded in the activity log, whatever its outcome, and
 *   - obfuscated literals (`h"…"`) found anywhere in the request body are scrubbed from errors.
 */
export async function controlRoutes(app: FastifyInstance, deps: ControlRouteDeps): Promise<void> {
  const router = buildArmRouter(deps.publicBaseUrl, deps.privateListeners);
  const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    const [rawPath, search = ''] = req.url.split('?') as [string, string?];
    // Decoded segments, for locks and the activity log (a decoded '/' only adds levels: never escapes a lock).
    const path = `/${splitPath(rawPath).join('/')}`;
    const found = router.match(req.method as ArmMethod, rawPath);
    if (!('route' in found)) {
      if (found.methodMismatch) throw new ApiError(405, 'MethodNotAllowed', `The method '${req.method}' is not allowed on '${path}'.`);
      throw new ApiError(404, 'InvalidResourceType', `No resource type served by Vigil matches the path '${path}'.`);
    }
    const given = req.headers['x-ms-client-request-id'];
    const correlationId = typeof given === 'string' && given.length > 0 ? given.slice(0, 128) : req.id;
    const ctx: ControlContext = { caller, query: new URLSearchParams(search), body: req.body, deps, correlationId, headers: req.headers };
    const mutating = req.method !== 'GET';
    const record = (status: number, extra: { errorCode?: string; errorMessage?: string; properties?: Record<string, unknown>; operationId?: string } = {}) => {
      if (!mutating || !deps.activity) return;
      deps.activity.record({
        caller,
        method: req.method,
        resourceId: path,
        operation: armAction(req.method, path) ?? `${req.method} ${path}`,
        status,
        correlationId,
        callerIp: req.ip,
        ...extra,
      });
    };
    let result;
    try {
      if (mutating) enforceLocks(deps.metadata, caller, req.method, path);
      result = await found.route.handler(found.params, ctx);
    } catch (err) {
      const scrubbed = redactError(err, secretsInBody(req.body));
      if (scrubbed instanceof ApiError) record(scrubbed.status, { errorCode: scrubbed.code, errorMessage: scrubbed.message });
      else record(500, { errorCode: 'InternalServerError' });
      throw scrubbed;
    }
    record(result.status, { properties: result.activity?.properties, operationId: result.activity?.operationId });
    reply.code(result.status);
    for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
    return result.body === undefined ? reply.send() : reply.send(result.body);
  };
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'] as const) {
    app.route({ method, url: '/subscriptions/*', handler, bodyLimit: 4 * 1024 * 1024 });
  }
  app.route({ method: 'GET', url: '/subscriptions', handler });
}
