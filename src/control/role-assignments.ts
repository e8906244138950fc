/**
 * `Microsoft.Authorization/roleAssignments` — an extension resource at ANY ARM scope:
 *   PUT|GET|DELETE {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}
 *   GET            {scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope()|principalId eq '…'|assignedTo('…')]
 * where {scope} is a subscription, a resource group, a workspace, a table, or any resource id — also
 * one that exists only as `_ResourceId` values in the logs. Creating or deleting an assignment needs
 * `Microsoft.Authorization/roleAssignments/write` (`…/delete`) at the scope; reading needs `…/read`.
 */
import { z } from 'zod';
import { authorize, resolveRole } from '../authz/authorize.js';
import { isWithinScope, normalizeScope, parseArmScope, type ArmScope } from '../authz/scope.js';
import type { RoleAssignmentRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';

const TYPE = 'Microsoft.Authorization/roleAssignments';
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AssignmentBody = z.object({
  properties: z.object({
    roleDefinitionId: z.string().min(1, 'roleDefinitionId is required').max(1024),
    principalId: z.string().regex(GUID, 'principalId must be the object id (a GUID) of a service principal or managed identity'),
    principalType: z.enum(['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device']).nullish(),
    description: z.string().max(2048).nullish(),
    condition: z.string().nullish(),
    conditionVersion: z.string().nullish(),
    delegatedManagedIdentityResourceId: z.string().nullish(),
  }),
});

/** Checks an extension scope: well formed, in a subscription Vigil serves. */
export function requireScope(ctx: ControlContext, scope: string): ArmScope {
  const parsed = parseArmScope(scope);
  if (!parsed) {
    throw new ApiError(
      400,
      'InvalidScope',
      `The scope '${scope}' is not a valid ARM scope. Use /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name}, or a resource id below it (…/providers/{namespace}/{type}/{name}).`,
    );
  }
  if (!ctx.deps.metadata.subscription(parsed.subscriptionId)) {
    throw new ApiError(404, 'SubscriptionNotFound', `The subscription '${parsed.subscriptionId}' could not be found.`);
  }
  return parsed;
}

export function roleAssignmentShape(a: RoleAssignmentRecord) {
  return {
    id: `${a.scope}/providers/${TYPE}/${a.name}`,
    name: a.name,
    type: TYPE,
    properties: {
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      description: a.description ?? null,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.updatedOn ?? a.createdOn,
      createdBy: a.createdBy ?? null,
      updatedBy: a.createdBy ?? null,
      delegatedManagedIdentityResourceId: null,
    },
  };
}

/** The filters ARM's list supports: `atScope()`, `principalId eq '{id}'`, `assignedTo('{id}')`, joined by `and`. */
function parseFilter(filter: string | null): { atScope: boolean; principalId?: string } {
  const out: { atScope: boolean; principalId?: string } = { atScope: false };
  if (!filter || !filter.trim()) return out;
  for (const raw of filter.split(/\s+and\s+/i)) {
    const term = raw.trim();
    let m: RegExpExecArray | null;
    if (/^atScope\(\s*\)$/i.test(term)) out.atScope = true;
    else if ((m = /^principalId\s+eq\s+'([^']*)'$/i.exec(term)) || (m = /^assignedTo\(\s*'([^']*)'\s*\)$/i.exec(term))) out.principalId = m[1]!;
    else {
      throw new ApiError(
        400,
        'UnsupportedQuery',
        `The filter '${filter}' is not supported. Use atScope(), principalId eq '{objectId}' or assignedTo('{objectId}'), joined by 'and'.`,
      );
    }
  }
  return out;
}

const notFound = (name: string) => new ApiError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);

export function registerRoleAssignmentRoutes(router: ArmRouter<ControlContext>): void {
  const suffix = `/providers/${TYPE}`;

  router.addExtension('GET', suffix, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, s.id);
    const filter = parseFilter(ctx.query.get('$filter'));
    const value = ctx.deps.metadata
      .roleAssignments()
      .filter((a) => isWithinScope(s.id, a.scope) || (!filter.atScope && isWithinScope(a.scope, s.id)))
      .filter((a) => !filter.principalId || a.principalId.toLowerCase() === filter.principalId.toLowerCase())
      .map(roleAssignmentShape);
    return { status: 200, body: { value } };
  });

  router.addExtension('GET', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, s.id);
    const a = ctx.deps.metadata.roleAssignments().find((x) => x.name.toLowerCase() === name!.toLowerCase() && normalizeScope(x.scope) === normalizeScope(s.id));
    if (!a) throw notFound(name!);
    return { status: 200, body: roleAssignmentShape(a) };
  });

  router.addExtension('PUT', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    if (!GUID.test(name!)) {
      throw new ApiError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, s.id);
    const { properties: p } = parseBody(AssignmentBody, ctx.body);
    if (p.condition || p.conditionVersion) {
      throw new ApiError(
        400,
        'ConditionNotSupported',
        'Vigil does not evaluate role assignment conditions (ABAC). Remove properties.condition and grant the role at a narrower scope (for example a table) instead.',
      );
    }
    if (p.delegatedManagedIdentityResourceId) {
      throw new ApiError(400, 'InvalidParameter', 'properties.delegatedManagedIdentityResourceId is not supported by Vigil; remove it.');
    }
    const metadata = ctx.deps.metadata;
    const role = resolveRole(metadata, p.roleDefinitionId);
    const roleGuid = p.roleDefinitionId.split('/').pop()!.toLowerCase();
    if (!role) {
      throw new ApiError(
        400,
        'RoleDefinitionDoesNotExist',
        `The specified role definition with ID '${roleGuid}' does not exist. List the role definitions with GET ${s.id}/providers/Microsoft.Authorization/roleDefinitions.`,
      );
    }
    const assignable = role.assignableScopes ?? ['/'];
    if (!assignable.some((a) => isWithinScope(s.id, a))) {
      throw new ApiError(
        400,
        'InvalidRoleAssignmentScope',
        `The role '${role.roleName}' cannot be assigned at scope '${s.id}': its assignable scopes are ${assignable.map((a) => `'${a}'`).join(', ')}.`,
      );
    }
    const principalType = metadata.principalTypeOf(p.principalId);
    if (!principalType) {
      throw new ApiError(
        400,
        'PrincipalNotFound',
        `Principal ${p.principalId.replace(/-/g, '')} does not exist in the directory ${metadata.tenantId}. Check the object id (the 'id' of the service principal, or the 'principalId' of the managed identity).`,
      );
    }
    if (p.principalType && p.principalType !== principalType) {
      throw new ApiError(
        400,
        'UnmatchedPrincipalType',
        `The PrincipalId '${p.principalId.replace(/-/g, '')}' has type '${principalType}', which is different from specified PrincipalType '${p.principalType}'.`,
      );
    }
    const roleDefinitionId = `/subscriptions/${s.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
    const same = (a: RoleAssignmentRecord) =>
      normalizeScope(a.scope) === normalizeScope(s.id) &&
      a.principalId.toLowerCase() === p.principalId.toLowerCase() &&
      a.roleDefinitionId.split('/').pop()!.toLowerCase() === roleGuid;
    const byName = metadata.roleAssignments().find((a) => a.name.toLowerCase() === name!.toLowerCase());
    if (byName) {
      if (same(byName)) return { status: 200, body: roleAssignmentShape(byName) };
      throw new ApiError(
        400,
        'RoleAssignmentUpdateNotPermitted',
        `The role assignment '${name}' already exists with another scope, role or principal; tenant, principal, role and scope of an assignment cannot be changed. Delete it first, or use a new GUID.`,
      );
    }
    const duplicate = metadata.roleAssignments().find(same);
    if (duplicate) {
      throw new ApiError(409, 'RoleAssignmentExists', `The role assignment already exists (its id is '${roleAssignmentShape(duplicate).id}').`);
    }
    const now = new Date().toISOString();
    const record: RoleAssignmentRecord = {
      name: name!.toLowerCase(),
      scope: s.id,
      roleDefinitionId,
      principalId: p.principalId.toLowerCase(),
      principalType,
      ...(p.description ? { description: p.description } : {}),
      createdOn: now,
      updatedOn: now,
      createdBy: ctx.caller.objectId,
    };
    metadata.mutate((state) => {
      state.roleAssignments.push(record);
    });
    return { status: 201, body: roleAssignmentShape(record) };
  });

  router.addExtension('DELETE', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, s.id);
    const a = ctx.deps.metadata.roleAssignments().find((x) => x.name.toLowerCase() === name!.toLowerCase() && normalizeScope(x.scope) === normalizeScope(s.id));
    if (!a) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.roleAssignments = state.roleAssignments.filter((x) => x !== a);
    });
    return { status: 200, body: roleAssignmentShape(a) };
  });
}
