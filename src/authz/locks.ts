/**
 * Management locks (reference §6) — THE lock check of the control plane, called by the ARM route
 * dispatcher (src/control/routes.ts) before every operation:
 *
 *   - GET is never blocked; neither is the data plane (query, ingestion), which does not come here.
 *   - `ReadOnly` at the target or above blocks PUT, PATCH, DELETE and POST (every action, purge included).
 *   - `CanNotDelete` at the target or above blocks DELETE. A DELETE is also blocked by any lock BELOW
 *     the target, since deleting a resource group or workspace deletes what the lock protects.
 *     CanNotDelete does not block POST actions: Azure documents that it does not stop a purge.
 *   - Locks themselves (`…/providers/Microsoft.Authorization/locks/…`) are managed whatever the locks
 *     (with `Microsoft.Authorization/locks/*`), or a ReadOnly lock could never be removed.
 *
 * A blocked call gets 409 `ScopeLocked` naming the lock(s) — but only once the caller has shown it
 * may perform the operation at all: as in ARM, authorization comes first (403), then locks (409), so a
 * caller without access learns nothing about locks.
 */
import { ApiError } from '../errors/api-error.js';
import type { LockRecord } from '../metadata/records.js';
import { isAllowed, type AssignmentSource, type Caller } from './authorize.js';
import { isWithinScope } from './scope.js';

export const LOCK_TYPE = 'Microsoft.Authorization/locks';

export interface LockSource extends AssignmentSource {
  locks(): readonly LockRecord[];
}

export const lockId = (l: Pick<LockRecord, 'scope' | 'name'>) => `${l.scope.replace(/\/+$/, '')}/providers/${LOCK_TYPE}/${l.name}`;

const segmentsOf = (path: string) => path.split('/').filter((s) => s.length > 0);

/**
 * The ARM action a request performs, derived from its method and path the way ARM names actions:
 * `{namespace}/{type}[/{childType}…]/write|delete`, or `…/{verb}/action` for a POST.
 * `undefined` when the path does not name a resource type (then the lock check alone decides).
 */
export function armAction(method: string, path: string): string | undefined {
  const parts = segmentsOf(path.split('?')[0]!);
  const suffix = method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write';
  const p = parts.map((x) => x.toLowerCase()).lastIndexOf('providers');
  if (p < 0) {
    // /subscriptions/{s}[/resourceGroups/{rg}]
    if (parts.length === 4 && parts[2]!.toLowerCase() === 'resourcegroups') return `Microsoft.Resources/subscriptions/resourceGroups/${suffix}`;
    if (parts.length === 2) return `Microsoft.Resources/subscriptions/${suffix}`;
    return undefined;
  }
  const rest = parts.slice(p + 1);
  if (rest.length < 2) return undefined;
  const [namespace, ...pairs] = rest as [string, ...string[]];
  const types: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) types.push(pairs[i]!);
  if (method === 'POST' && pairs.length % 2 === 1) {
    // …/{type}/{name}/{verb}: the verb is the last "type".
    const verb = types.pop()!;
    return `${namespace}/${types.join('/')}/${verb}/action`;
  }
  return `${namespace}/${types.join('/')}/${suffix}`;
}

/** The locks that block `method` on `path`, most restrictive first (empty when none does). */
export function blockingLocks(source: LockSource, method: string, path: string): LockRecord[] {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return [];
  const target = `/${segmentsOf(path.split('?')[0]!).join('/')}`;
  if (new RegExp(`/providers/${LOCK_TYPE.replace('.', '\\.')}(/|$)`, 'i').test(target)) return [];
  const out = source.locks().filter((l) => {
    const above = isWithinScope(target, l.scope);
    if (method === 'DELETE') return above || isWithinScope(l.scope, target);
    return above && l.level === 'ReadOnly';
  });
  return out.sort((a, b) => (a.level === b.level ? 0 : a.level === 'ReadOnly' ? -1 : 1));
}

/** Throws 409 ScopeLocked (or, for a caller who may not perform the operation anyway, its 403) when a lock blocks the call. */
export function enforceLocks(source: LockSource, caller: Caller, method: string, path: string): void {
  const locks = blockingLocks(source, method, path);
  if (locks.length === 0) return;
  const target = `/${segmentsOf(path.split('?')[0]!).join('/')}`;
  const action = armAction(method, target);
  if (action && !isAllowed(source, caller, action, target)) {
    throw new ApiError(
      403,
      'AuthorizationFailed',
      `The client '${caller.appId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${target}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  const operation = method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write';
  throw new ApiError(
    409,
    'ScopeLocked',
    `The scope '${target}' cannot perform ${operation} operation because following scope(s) are locked: ${locks.map((l) => `'${lockId(l)}' (${l.level})`).join(', ')}. Please remove the lock and try again.`,
    { details: locks.map((l) => ({ code: 'ScopeLocked', message: `${lockId(l)}: ${l.level}${l.notes ? ` — ${l.notes}` : ''}`, target: lockId(l) })) },
  );
}
