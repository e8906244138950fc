import { ApiError } from '../errors/api-error.js';
import type { RoleAssignmentRecord } from '../metadata/records.js';
import { roleDefinitionById, type RoleDefinition } from './role-definitions.js';
import { isWithinScope } from './scope.js';

/** Who is asking: the token's object id is what role assignments name. */
export interface Caller {
  objectId: string;
  appId: string;
  tenantId: string;
}

export interface AssignmentSource {
  roleAssignmentsFor(principalId: string): RoleAssignmentRecord[];
}

export type ActionKind = 'action' | 'dataAction';

const patternCache = new Map<string, RegExp>();

/** ARM action patterns: case-insensitive, `*` matches any run of characters including `/`. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

function roleGrants(role: RoleDefinition, action: string, kind: ActionKind): boolean {
  const [allow, deny] = kind === 'action' ? [role.actions, role.notActions] : [role.dataActions, role.notDataActions];
  return allow.some((p) => actionMatches(p, action)) && !deny.some((p) => actionMatches(p, action));
}

/**
 * The one access decision of Vigil: may `caller` perform `action` on `scope`?
 * Allowed when some role assignment of the caller at `scope` or above it holds a role whose
 * (data)actions match and whose not(Data)Actions do not. Everything else is denied.
 */
export function isAllowed(source: AssignmentSource, caller: Caller, action: string, scope: string, kind: ActionKind = 'action'): boolean {
  for (const assignment of source.roleAssignmentsFor(caller.objectId)) {
    if (!isWithinScope(scope, assignment.scope)) continue;
    const role = roleDefinitionById(assignment.roleDefinitionId);
    if (role && roleGrants(role, action, kind)) return true;
  }
  return false;
}

/** Throws ARM's 403 `AuthorizationFailed` when the caller may not act. */
export function authorize(source: AssignmentSource, caller: Caller, action: string, scope: string, kind: ActionKind = 'action'): void {
  if (isAllowed(source, caller, action, scope, kind)) return;
  throw new ApiError(
    403,
    'AuthorizationFailed',
    `The client '${caller.appId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
