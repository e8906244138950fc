/**
 * `Microsoft.Authorization/roleDefinitions` at any scope: the built-in roles (read only) and custom
 * roles (PUT with `assignableScopes`, GET, DELETE), as ARM serves them:
 *   GET        {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '…'|type eq 'CustomRole']
 *   GET|PUT|DELETE {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}
 * Writing a custom role needs `Microsoft.Authorization/roleDefinitions/write` at every scope it
 * names as assignable.
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { BUILT_IN_ROLES, roleDefinitionById, type RoleDefinition } from '../authz/role-definitions.js';
import { isWithinScope, parseArmScope } from '../authz/scope.js';
import type { CustomRoleDefinitionRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { GUID, requireScope } from './role-assignments.js';
import { parseBody } from './validation.js';

const TYPE = 'Microsoft.Authorization/roleDefinitions';
const ACTION = z
  .string()
  .min(1, 'an action must not be empty')
  .max(512)
  .regex(/^[A-Za-z0-9.*_\-/]+$/, 'an action is made of letters, digits, ., _, -, / and * wildcards (e.g. Microsoft.OperationalInsights/workspaces/query/*/read)');
const ACTIONS = z.array(ACTION).max(1000).nullish();

const DefinitionBody = z.object({
  properties: z.object({
    roleName: z.string().min(1, 'roleName is required').max(512),
    description: z.string().max(2048).nullish(),
    type: z.enum(['CustomRole', 'customrole']).nullish(),
    permissions: z
      .array(z.object({ actions: ACTIONS, notActions: ACTIONS, dataActions: ACTIONS, notDataActions: ACTIONS }))
      .min(1, 'permissions needs one entry: {actions, notActions, dataActions, notDataActions}')
      .max(1, 'Vigil keeps one permissions entry per role; merge them into one'),
    assignableScopes: z.array(z.string().min(1)).min(1, 'assignableScopes needs at least one scope').max(2000),
  }),
});

function definitionShape(r: RoleDefinition & Partial<CustomRoleDefinitionRecord>, subscriptionId?: string) {
  const builtIn = r.type !== 'CustomRole';
  const prefix = builtIn ? (subscriptionId ? `/subscriptions/${subscriptionId}` : '') : (r.scope ?? '');
  return {
    id: `${prefix}/providers/${TYPE}/${r.id}`,
    name: r.id,
    type: TYPE,
    properties: {
      roleName: r.roleName,
      type: builtIn ? 'BuiltInRole' : 'CustomRole',
      description: r.description,
      assignableScopes: builtIn ? ['/'] : r.assignableScopes,
      permissions: [{ actions: r.actions, notActions: r.notActions, dataActions: r.dataActions, notDataActions: r.notDataActions }],
      createdOn: r.createdOn ?? '2015-02-02T21:55:09.8806423Z',
      updatedOn: r.updatedOn ?? r.createdOn ?? '2015-02-02T21:55:09.8806423Z',
      createdBy: r.createdBy ?? null,
      updatedBy: r.updatedBy ?? null,
    },
  };
}

function parseFilter(filter: string | null): { roleName?: string; type?: 'BuiltInRole' | 'CustomRole' } {
  if (!filter || !filter.trim()) return {};
  let m: RegExpExecArray | null;
  if ((m = /^\s*roleName\s+eq\s+'([^']*)'\s*$/i.exec(filter))) return { roleName: m[1]! };
  if ((m = /^\s*type\s+eq\s+'(BuiltInRole|CustomRole)'\s*$/i.exec(filter))) return { type: m[1]!.toLowerCase() === 'builtinrole' ? 'BuiltInRole' : 'CustomRole' };
  throw new ApiError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Use roleName eq '{name}' or type eq 'BuiltInRole'|'CustomRole'.`);
}

export function registerRoleDefinitionRoutes(router: ArmRouter<ControlContext>): void {
  const suffix = `/providers/${TYPE}`;

  router.addExtension('GET', suffix, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, s.id);
    const f = parseFilter(ctx.query.get('$filter'));
    const custom = ctx.deps.metadata
      .customRoleDefinitions()
      .filter((r) => r.assignableScopes.some((a) => isWithinScope(s.id, a) || isWithinScope(a, s.id)))
      .map((r) => ({ ...r, type: 'CustomRole' as const }));
    const all: (RoleDefinition & Partial<CustomRoleDefinitionRecord>)[] = [...BUILT_IN_ROLES.map((r) => ({ ...r, type: 'BuiltInRole' as const })), ...custom];
    const value = all
      .filter((r) => !f.roleName || r.roleName.toLowerCase() === f.roleName.toLowerCase())
      .filter((r) => !f.type || r.type === f.type)
      .map((r) => definitionShape(r, s.subscriptionId));
    return { status: 200, body: { value } };
  });

  router.addExtension('GET', `${suffix}/{id}`, ({ scope, id }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, s.id);
    const builtIn = roleDefinitionById(id!);
    if (builtIn) return { status: 200, body: definitionShape({ ...builtIn, type: 'BuiltInRole' }, s.subscriptionId) };
    const custom = ctx.deps.metadata.customRoleDefinitions().find((r) => r.id === id!.toLowerCase());
    if (!custom) throw new ApiError(404, 'RoleDefinitionDoesNotExist', `The role definition '${id}' does not exist.`);
    return { status: 200, body: definitionShape({ ...custom, type: 'CustomRole' }) };
  });

  router.addExtension('PUT', `${suffix}/{id}`, ({ scope, id }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    if (!GUID.test(id!)) throw new ApiError(400, 'InvalidRoleDefinitionId', `The role definition ID '${id}' is not valid: it must be a GUID.`);
    const guid = id!.toLowerCase();
    if (roleDefinitionById(guid)) {
      throw new ApiError(400, 'RoleDefinitionUpdateNotPermitted', `'${guid}' is a built-in role; built-in roles cannot be changed. Create a custom role with a new GUID.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, s.id);
    const { properties: p } = parseBody(DefinitionBody, ctx.body);
    const scopes: string[] = [];
    for (const [i, raw] of p.assignableScopes.entries()) {
      const parsed = parseArmScope(raw);
      if (!parsed) {
        throw new ApiError(400, 'InvalidAssignableScope', `properties.assignableScopes[${i}]: '${raw}' is not a valid scope (use a subscription, resource group or resource id).`);
      }
      requireScope(ctx, parsed.id);
      // The author must be allowed to manage role definitions wherever the role can be used.
      authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, parsed.id);
      scopes.push(parsed.id);
    }
    if (!scopes.some((a) => isWithinScope(s.id, a) || isWithinScope(a, s.id))) {
      throw new ApiError(400, 'InvalidAssignableScope', `The role definition is created at '${s.id}', which is not related to any of its assignable scopes.`);
    }
    const clash = [...BUILT_IN_ROLES, ...ctx.deps.metadata.customRoleDefinitions()].find(
      (r) => r.roleName.toLowerCase() === p.roleName.toLowerCase() && r.id !== guid,
    );
    if (clash) throw new ApiError(409, 'RoleDefinitionWithSameNameExists', `A role definition named '${p.roleName}' already exists (${clash.id}); choose another roleName.`);
    const perms = p.permissions[0]!;
    const existing = ctx.deps.metadata.customRoleDefinitions().find((r) => r.id === guid);
    const now = new Date().toISOString();
    if (existing) {
      // Assignments outside the new assignable scopes would silently keep a role they may no longer have.
      const stranded = ctx.deps.metadata
        .roleAssignments()
        .filter((a) => a.roleDefinitionId.split('/').pop()!.toLowerCase() === guid && !scopes.some((sc) => isWithinScope(a.scope, sc)));
      if (stranded.length > 0) {
        throw new ApiError(400, 'RoleDefinitionHasAssignments', `The role is assigned at '${stranded[0]!.scope}', outside the new assignable scopes; delete those assignments first.`);
      }
    }
    const record: CustomRoleDefinitionRecord = {
      id: guid,
      roleName: p.roleName,
      description: p.description ?? '',
      actions: perms.actions ?? [],
      notActions: perms.notActions ?? [],
      dataActions: perms.dataActions ?? [],
      notDataActions: perms.notDataActions ?? [],
      assignableScopes: scopes,
      scope: existing?.scope ?? (s.level === 'subscription' || s.level === 'resourceGroup' ? s.id : `/subscriptions/${s.subscriptionId}`),
      createdOn: existing?.createdOn ?? now,
      updatedOn: now,
      createdBy: existing?.createdBy ?? ctx.caller.objectId,
      updatedBy: ctx.caller.objectId,
    };
    ctx.deps.metadata.mutate((state) => {
      state.roleDefinitions = [...state.roleDefinitions.filter((r) => r.id !== guid), record];
    });
    return { status: existing ? 200 : 201, body: definitionShape({ ...record, type: 'CustomRole' }) };
  });

  router.addExtension('DELETE', `${suffix}/{id}`, ({ scope, id }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const s = requireScope(ctx, scope!);
    if (roleDefinitionById(id!)) throw new ApiError(400, 'RoleDefinitionUpdateNotPermitted', 'Built-in roles cannot be deleted.');
    const existing = ctx.deps.metadata.customRoleDefinitions().find((r) => r.id === id!.toLowerCase());
    if (!existing) {
      authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, s.id);
      return { status: 204 };
    }
    for (const a of existing.assignableScopes) authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, a);
    if (ctx.deps.metadata.roleAssignments().some((a) => a.roleDefinitionId.split('/').pop()!.toLowerCase() === existing.id)) {
      throw new ApiError(400, 'RoleDefinitionHasAssignments', `There are role assignments of '${existing.roleName}'; delete them before the role definition.`);
    }
    ctx.deps.metadata.mutate((state) => {
      state.roleDefinitions = state.roleDefinitions.filter((r) => r.id !== existing.id);
    });
    return { status: 200, body: definitionShape({ ...existing, type: 'CustomRole' }) };
  });
}
