import type { FastifyInstance } from 'fastify';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import { ArmRouter, type ArmMethod } from './arm-router.js';
import type { ControlContext, ControlDeps } from './context.js';
import { registerDataCollectionRuleRoutes } from './data-collection-rules.js';
import { registerManagedIdentityRoutes } from './managed-identities.js';
import { registerRoleAssignmentRoutes } from './role-assignments.js';
import { registerRoleDefinitionRoutes } from './role-definitions.js';
import { registerResourceGroupRoutes } from './resource-groups.js';
import { registerTableRoutes } from './tables.js';
import { registerWorkspaceRoutes } from './workspaces.js';

export interface ControlRouteDeps extends ControlDeps {
  authenticate: Authenticate;
}

/** Builds the table of ARM routes Vigil serves. */
export function buildArmRouter(publicBaseUrl: () => string = () => ''): ArmRouter<ControlContext> {
  const router = new ArmRouter<ControlContext>();
  registerRoleAssignmentRoutes(router);
  registerRoleDefinitionRoutes(router);
  registerManagedIdentityRoutes(router, publicBaseUrl);
  registerResourceGroupRoutes(router);
  registerWorkspaceRoutes(router);
  registerTableRoutes(router);
  registerDataCollectionRuleRoutes(router);
  return router;
}

/**
 * The ARM-shaped control plane under `/subscriptions/…`: authenticate for the management audience,
 * find the route (paths match case-insensitively), and let the resource module validate, authorize
 * and act.
 */
export async function controlRoutes(app: FastifyInstance, deps: ControlRouteDeps): Promise<void> {
  const router = buildArmRouter(deps.publicBaseUrl);
  const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.control);
    const [path, search = ''] = req.url.split('?') as [string, string?];
    const found = router.match(req.method as ArmMethod, path);
    if (!('route' in found)) {
      if (found.methodMismatch) throw new ApiError(405, 'MethodNotAllowed', `The method '${req.method}' is not allowed on '${path}'.`);
      throw new ApiError(404, 'InvalidResourceType', `No resource type served by Vigil matches the path '${path}'.`);
    }
    const ctx: ControlContext = { caller, query: new URLSearchParams(search), body: req.body, deps };
    const result = await found.route.handler(found.params, ctx);
    reply.code(result.status);
    for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
    return result.body === undefined ? reply.send() : reply.send(result.body);
  };
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'] as const) {
    app.route({ method, url: '/subscriptions/*', handler, bodyLimit: 4 * 1024 * 1024 });
  }
}
