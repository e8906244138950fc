/**
 * ARM scopes are paths like `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`.
 * They compare case-insensitively and inherit downwards: a grant at a scope covers every scope below it.
 */
export function normalizeScope(scope: string): string {
  const trimmed = scope.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  return (trimmed.startsWith('/') ? trimmed : `/${trimmed}`).toLowerCase();
}

/** True when `inner` is `outer` or lies below it (segment-wise, so `/a/bc` is not below `/a/b`). */
export function isWithinScope(inner: string, outer: string): boolean {
  const i = normalizeScope(inner);
  const o = normalizeScope(outer);
  if (o === '' || o === '/') return true;
  return i === o || i.startsWith(`${o}/`);
}

/** The parts of an ARM scope Vigil can assign roles at, with the scope in its canonical casing of keywords. */
export interface ArmScope {
  /** `/subscriptions/{s}[/resourceGroups/{rg}[/providers/{ns}/{type}/{name}[/{type}/{name}]…]]` */
  id: string;
  subscriptionId: string;
  resourceGroup?: string;
  /** `Microsoft.OperationalInsights/workspaces/tables`, when the scope is a resource. */
  resourceType?: string;
  /** Name segments of the resource, outermost first. */
  names: string[];
  level: 'subscription' | 'resourceGroup' | 'resource';
}

const BAD_SEGMENT = /^\.{1,2}$|[\u0000-\u001f\u007f]/;

/**
 * Parses and checks an ARM scope (already split into decoded segments or as a path). Refuses what
 * ARM refuses and what could make two spellings name different scopes: empty, `.` and `..`
 * segments, control characters, a missing subscription, and odd segment counts below `providers`.
 */
export function parseArmScope(scope: string | string[]): ArmScope | undefined {
  const parts = Array.isArray(scope) ? scope : scope.split('/').filter((s) => s.length > 0);
  if (parts.length < 2 || parts.some((p) => BAD_SEGMENT.test(p) || p.includes('/'))) return undefined;
  if (parts[0]!.toLowerCase() !== 'subscriptions') return undefined;
  const subscriptionId = parts[1]!;
  if (parts.length === 2) return { id: `/subscriptions/${subscriptionId}`, subscriptionId, names: [], level: 'subscription' };
  if (parts[2]!.toLowerCase() !== 'resourcegroups' || parts.length < 4) return undefined;
  const resourceGroup = parts[3]!;
  const rgId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
  if (parts.length === 4) return { id: rgId, subscriptionId, resourceGroup, names: [], level: 'resourceGroup' };
  // providers/{namespace}/{type}/{name}[/{type}/{name}]...
  if (parts[4]!.toLowerCase() !== 'providers') return undefined;
  const rest = parts.slice(5);
  if (rest.length < 3 || (rest.length - 1) % 2 !== 0) return undefined;
  const [namespace, ...pairs] = rest as [string, ...string[]];
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    types.push(pairs[i]!);
    names.push(pairs[i + 1]!);
  }
  return {
    id: `${rgId}/providers/${[namespace, ...pairs].join('/')}`,
    subscriptionId,
    resourceGroup,
    resourceType: `${namespace}/${types.join('/')}`,
    names,
    level: 'resource',
  };
}
