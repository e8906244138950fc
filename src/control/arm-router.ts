/**
 * A small router for ARM-shaped paths. ARM matches literal segments case-insensitively
 * (`resourceGroups` and `resourcegroups` are the same), decodes each segment, and tolerates
 * doubled or trailing slashes. Patterns name their parameters in braces.
 */
export type ArmMethod = 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';

export interface ArmRoute<C> {
  method: ArmMethod;
  pattern: string;
  handler: (params: Record<string, string>, ctx: C) => Promise<ArmResult> | ArmResult;
}

export interface ArmResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Extra properties for the activity-log entry of this operation (never whole request bodies). */
  activity?: { properties?: Record<string, unknown>; operationId?: string };
}

interface Compiled<C> {
  route: ArmRoute<C>;
  segments: { literal?: string; param?: string }[];
}

export function splitPath(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

export class ArmRouter<C> {
  private readonly routes: Compiled<C>[] = [];
  private readonly extensions: Compiled<C>[] = [];

  add(method: ArmMethod, pattern: string, handler: ArmRoute<C>['handler']): this {
    const segments = splitPath(pattern).map((s) =>
      s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() },
    );
    this.routes.push({ route: { method, pattern, handler }, segments });
    return this;
  }

  /**
   * An extension resource that lives at ANY scope, e.g.
   * `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`: the pattern is the suffix after
   * the scope, and the scope (one or more leading segments, decoded and re-joined with '/', with a
   * leading '/') arrives as the `scope` parameter. Extension routes are tried before fixed routes.
   */
  addExtension(method: ArmMethod, suffix: string, handler: ArmRoute<C>['handler']): this {
    const segments = splitPath(suffix).map((s) =>
      s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() },
    );
    this.extensions.push({ route: { method, pattern: `{scope}/${suffix.replace(/^\/+/, '')}`, handler }, segments });
    return this;
  }

  /** Finds the route for a path. `methodMismatch` tells a 405 from a 404. */
  match(method: string, path: string): { route: ArmRoute<C>; params: Record<string, string> } | { methodMismatch: boolean } {
    const parts = splitPath(path);
    let methodMismatch = false;
    for (const { route, segments } of this.extensions) {
      if (parts.length <= segments.length) continue;
      const offset = parts.length - segments.length;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const seg = segments[i]!;
        const part = parts[offset + i]!;
        if (seg.literal !== undefined) ok = seg.literal === part.toLowerCase();
        else params[seg.param!] = part;
      }
      if (!ok) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      // Segments are kept as separate values: a decoded '/' inside one must not create a new level.
      if (parts.slice(0, offset).some((p) => p.includes('/'))) continue;
      params.scope = `/${parts.slice(0, offset).join('/')}`;
      return { route, params };
    }
    if (methodMismatch) return { methodMismatch };
    for (const { route, segments } of this.routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const seg = segments[i]!;
        if (seg.literal !== undefined) ok = seg.literal === parts[i]!.toLowerCase();
        else params[seg.param!] = parts[i]!;
      }
      if (!ok) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params };
    }
    return { methodMismatch };
  }
}
