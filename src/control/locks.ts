/**
 * `Microsoft.Authorization/locks` — an extension resource at ANY ARM scope (reference §6):
 *   PUT|GET|DELETE {scope}/providers/Microsoft.Authorization/locks/{name}
 *   GET            {scope}/providers/Microsoft.Authorization/locks[?$filter=atScope()]
 * Levels `CanNotDelete` and `ReadOnly`, inherited downwards. Managing locks needs
 * `Microsoft.Authorization/locks/write|delete` at the scope (Owner, User Access Administrator; not
 * Contributor); reading them `…/locks/read`. The check itself is src/authz/locks.ts.
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { LOCK_TYPE, lockId } from '../authz/locks.js';
import { isWithinScope, normalizeScope } from '../authz/scope.js';
import { ApiError } from '../errors/api-error.js';
import type { LockRecord } from '../metadata/records.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireScope } from './role-assignments.js';
import { parseBody } from './validation.js';

const LOCK_NAME = /^[^<>%&:\\?/*#|]{1,90}$/;

const LockBody = z.object({
  properties: z.object({
    level: z.enum(['CanNotDelete', 'ReadOnly'], { message: "level must be 'CanNotDelete' or 'ReadOnly'" }),
    notes: z.string().max(512, 'notes are at most 512 characters').nullish(),
    owners: z.array(z.object({ applicationId: z.string().max(128).nullish() })).max(10).nullish(),
  }),
});

export function lockShape(l: LockRecord) {
  return {
    id: lockId(l),
    type: LOCK_TYPE,
    name: l.name,
    properties: { level: l.level, notes: l.notes ?? null, owners: l.owners ?? [] },
    systemData: { createdAt: l.createdOn, createdBy: l.createdBy ?? null, createdByType: 'Application' },
  };
}

export function registerLockRoutes(router: ArmRouter<ControlContext>): void {
  const suffix = `/providers/${LOCK_TYPE}`;
  const same = (l: LockRecord, scope: string, name: string) => normalizeScope(l.scope) === normalizeScope(scope) && l.name.toLowerCase() === name.toLowerCase();

  router.addExtension('GET', suffix, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, LOCK_TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${LOCK_TYPE}/read`, s.id);
    const atScope = /atScope\(\s*\)/i.test(ctx.query.get('$filter') ?? '');
    // The locks that apply here (at the scope or inherited from above) and, unless atScope(), those below it.
    const value = ctx.deps.metadata
      .locks()
      .filter((l) => isWithinScope(s.id, l.scope) || (!atScope && isWithinScope(l.scope, s.id)))
      .map(lockShape);
    return { status: 200, body: { value } };
  });

  router.addExtension('GET', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, LOCK_TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${LOCK_TYPE}/read`, s.id);
    const l = ctx.deps.metadata.locks().find((x) => same(x, s.id, name!));
    if (!l) throw new ApiError(404, 'LockNotFound', `The lock '${name}' could not be found at scope '${s.id}'.`);
    return { status: 200, body: lockShape(l) };
  });

  router.addExtension('PUT', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, LOCK_TYPE);
    const s = requireScope(ctx, scope!);
    if (!LOCK_NAME.test(name!)) {
      throw new ApiError(400, 'InvalidLockName', `The lock name '${name}' is invalid: use 1-90 characters without < > % & : \\ ? / * # |.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${LOCK_TYPE}/write`, s.id);
    const { properties: p } = parseBody(LockBody, ctx.body);
    const existing = ctx.deps.metadata.locks().find((x) => same(x, s.id, name!));
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) {
        existing.level = p.level;
        existing.notes = p.notes ?? undefined;
        existing.owners = p.owners?.map((o) => ({ ...(o.applicationId ? { applicationId: o.applicationId } : {}) }));
        return existing;
      }
      const created: LockRecord = {
        name: name!,
        scope: s.id,
        level: p.level,
        ...(p.notes ? { notes: p.notes } : {}),
        ...(p.owners ? { owners: p.owners.map((o) => ({ ...(o.applicationId ? { applicationId: o.applicationId } : {}) })) } : {}),
        createdOn: new Date().toISOString(),
        createdBy: ctx.caller.objectId,
      };
      state.locks.push(created);
      return created;
    });
    return { status: existing ? 200 : 201, body: lockShape(record) };
  });

  router.addExtension('DELETE', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, LOCK_TYPE);
    const s = requireScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${LOCK_TYPE}/delete`, s.id);
    const l = ctx.deps.metadata.locks().find((x) => same(x, s.id, name!));
    if (!l) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.locks = state.locks.filter((x) => !same(x, s.id, name!));
    });
    return { status: 200 };
  });
}
