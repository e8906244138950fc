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
