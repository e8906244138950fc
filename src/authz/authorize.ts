import { ApiError } from '../errors/api-error.js';
import type { RoleAssignmentRecord } from '../metadata/records.js';
import { roleDefinitionById, type RoleDefinition } from './role-definitions.js';
import { normalizeScope } from './scope.js';

/** Who is asking: the token's object id is what role assignments name. */
export interface Caller {
  objectId: string;
  appId: string;
  tenantId: string;
}

/**
 * Where the decision reads role assignments and custom role definitions from (the metadata store).
 * `authzVersion` changes whenever either changes: the decision caches what it derived from them
 * per version, so a new or deleted assignment takes effect on the very next request.
 */
export interface AssignmentSource {
  roleAssignmentsFor(principalId: string): readonly RoleAssignmentRecord[];
  /** Custom role definitions (built-in roles are always known). */
  customRoleDefinition?(id: string): RoleDefinition | undefined;
  readonly authzVersion?: number;
}

export type ActionKind = 'action' | 'dataAction';

const patternCache = new Map<string, RegExp>();

/** ARM action patterns: case-insensitive, `*` matches any run of characters including `/`. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

/** Does this role grant the (data)action? Its actions must match and its not(Data)Actions must not. */
export function roleGrants(role: RoleDefinition, action: string, kind: ActionKind): boolean {
  const [allow, deny] = kind === 'action' ? [role.actions, role.notActions] : [role.dataActions, role.notDataActions];
  return allow.some((p) => actionMatches(p, action)) && !deny.some((p) => actionMatches(p, action));
}

export function resolveRole(source: AssignmentSource, roleDefinitionId: string): RoleDefinition | undefined {
  return roleDefinitionById(roleDefinitionId) ?? source.customRoleDefinition?.(roleDefinitionId.split('/').pop()!.toLowerCase());
}

/**
 * Per source and principal, the normalized scopes at which each (kind, action) is granted. Built
 * lazily from the principal's assignments and thrown away whenever `authzVersion` moves, so a query
 * that checks fifty tables against a principal with a thousand assignments matches each role
 * pattern once, not fifty thousand times.
 */
/** Where one (principal, kind, action) is granted: the assignment scopes, normalized. */
interface Grants {
  /** For "at or above": membership of each of the target's ancestors, so the cost does not grow with the assignments. */
  set: Set<string>;
  /** For "at or below": the scopes themselves. */
  list: string[];
}

interface SourceCache {
  version: number | undefined;
  /** principal (lower case) → "kind\0action" (lower case) → grants. */
  principals: Map<string, Map<string, Grants>>;
}
const MAX_CACHED_ACTIONS = 4096;
const MAX_CACHED_PRINCIPALS = 10_000;
const caches = new WeakMap<AssignmentSource, SourceCache>();

function grantsFor(source: AssignmentSource, principalId: string, action: string, kind: ActionKind): Grants {
  const version = source.authzVersion;
  let cache = caches.get(source);
  // A source without a version cannot tell us when it changed: derive afresh every time.
  if (!cache || version === undefined || cache.version !== version) {
    cache = { version, principals: new Map() };
    if (version !== undefined) caches.set(source, cache);
  }
  const key = principalId.toLowerCase();
  let perAction = cache.principals.get(key);
  if (!perAction) {
    if (cache.principals.size >= MAX_CACHED_PRINCIPALS) cache.principals.clear();
    cache.principals.set(key, (perAction = new Map()));
  }
  const actionKey = `${kind}\u0000${action.toLowerCase()}`;
  let grants = perAction.get(actionKey);
  if (!grants) {
    const list: string[] = [];
    // Many assignments share a few roles: match each role's patterns once.
    const byRole = new Map<string, boolean>();
    for (const a of source.roleAssignmentsFor(principalId)) {
      let grants = byRole.get(a.roleDefinitionId);
      if (grants === undefined) {
        const role = resolveRole(source, a.roleDefinitionId);
        byRole.set(a.roleDefinitionId, (grants = role !== undefined && roleGrants(role, action, kind)));
      }
      if (grants) list.push(normalizeScope(a.scope));
    }
    grants = { set: new Set(list), list };
    if (perAction.size >= MAX_CACHED_ACTIONS) perAction.clear();
    perAction.set(actionKey, grants);
  }
  return grants;
}

function covers(granted: string, target: string): boolean {
  return granted === '/' || target === granted || target.startsWith(`${granted}/`);
}

/** Is `target` or one of its ancestors (segment-wise) in the set? */
function coveredBySet(set: Set<string>, target: string): boolean {
  if (set.size === 0) return false;
  if (set.has('/') || set.has(target)) return true;
  for (let i = target.lastIndexOf('/'); i > 0; i = target.lastIndexOf('/', i - 1)) {
    if (set.has(target.slice(0, i))) return true;
  }
  return false;
}

/**
 * The one access decision of Vigil: may `caller` perform `action` on `scope`?
 * Allowed when some role assignment of the caller at `scope` or above it holds a role whose
 * (data)actions match and whose not(Data)Actions do not. Everything else is denied.
 */
export function isAllowed(source: AssignmentSource, caller: Caller, action: string, scope: string, kind: ActionKind = 'action'): boolean {
  return coveredBySet(grantsFor(source, caller.objectId, action, kind).set, normalizeScope(scope));
}

/**
 * Like isAllowed, but counts only assignments made at `scope` itself or below it — e.g. "is there an
 * assignment on this table?", as opposed to one inherited from the workspace or subscription.
 */
export function isGrantedAtOrBelow(source: AssignmentSource, caller: Caller, action: string, scope: string, kind: ActionKind = 'action'): boolean {
  const target = normalizeScope(scope);
  return grantsFor(source, caller.objectId, action, kind).list.some((g) => covers(target, g));
}

/** Throws ARM's 403 `AuthorizationFailed` when the caller may not act. */
export function authorize(source: AssignmentSource, caller: Caller, action: string, scope: string, kind: ActionKind = 'action'): void {
  if (isAllowed(source, caller, action, scope, kind)) return;
  throw new ApiError(
    403,
    'AuthorizationFailed',
    `The client '${caller.appId}' with object id '${caller.objectId}' does not have authorization to perform ${kind === 'dataAction' ? 'data action' : 'action'} '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** One role assignment that grants an action at a target scope, and how it reaches the principal. */
export interface Grant {
  assignment: RoleAssignmentRecord;
  roleName: string;
  /** `direct`, or the object id of the group the assignment was made to. */
  via: 'direct' | { groupId: string };
}

/**
 * The explanation behind isAllowed: every assignment of the principal (direct or through a group) at
 * `scope` or above whose role grants the (data)action. Uses the same role matching and the same
 * assignment source as the decision, so the two cannot disagree: isAllowed is true exactly when this
 * list is not empty.
 */
export function grantsOf(source: AssignmentSource, principalId: string, action: string, scope: string, kind: ActionKind = 'action'): Grant[] {
  const target = normalizeScope(scope);
  const out: Grant[] = [];
  for (const a of source.roleAssignmentsFor(principalId)) {
    const role = resolveRole(source, a.roleDefinitionId);
    if (!role || !roleGrants(role, action, kind) || !covers(normalizeScope(a.scope), target)) continue;
    out.push({ assignment: a, roleName: role.roleName, via: a.principalId.toLowerCase() === principalId.toLowerCase() ? 'direct' : { groupId: a.principalId } });
  }
  return out;
}
