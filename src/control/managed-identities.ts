/**
 * User-assigned managed identities (`Microsoft.ManagedIdentity/userAssignedIdentities`) as ARM resources:
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}
 *   GET  …/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities  and  /subscriptions/{s}/providers/…
 *
 * Vigil is not the compute platform that would hold an identity, so it hands out an identity header
 * instead: `POST …/userAssignedIdentities/{name}/regenerateIdentityHeader` (needs
 * `Microsoft.ManagedIdentity/userAssignedIdentities/assign/action`, as attaching an identity to a
 * resource does in Azure) returns `{identityEndpoint, identityHeader, clientId, principalId}` once.
 * A workload sets them as `IDENTITY_ENDPOINT` / `IDENTITY_HEADER` and `ManagedIdentityCredential`
 * gets tokens for the identity (see src/identity/managed-identity-routes.ts). Regenerating revokes
 * the previous header; deleting the identity revokes its header and its outstanding tokens.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { hashSecret } from '../identity/secrets.js';
import { newIdentityHeader } from '../identity/managed-identity-routes.js';
import type { UserAssignedIdentityRecord } from '../metadata/records.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;

const IdentityBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.object({ isolationScope: z.enum(['None', 'Regional']).nullish() }).catchall(z.unknown()).nullish(),
});

export const identityResourceId = (i: Pick<UserAssignedIdentityRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(i.subscriptionId, i.resourceGroup)}/providers/${TYPE}/${i.name}`;

function shape(i: UserAssignedIdentityRecord) {
  return {
    id: identityResourceId(i),
    name: i.name,
    type: TYPE,
    location: i.location,
    tags: i.tags ?? {},
    properties: { tenantId: i.tenantId, principalId: i.principalId, clientId: i.clientId, isolationScope: 'None' },
  };
}

function requireIdentity(ctx: ControlContext, sub: string, rg: string, name: string): UserAssignedIdentityRecord {
  requireResourceGroup(ctx, sub, rg);
  const i = ctx.deps.metadata.userAssignedIdentity(sub, rg, name);
  if (!i) {
    throw resourceNotFound(TYPE, name, rg);
  }
  return i;
}

export function registerManagedIdentityRoutes(router: ArmRouter<ControlContext>, publicBaseUrl: () => string): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${TYPE}`;

  router.add('GET', `/subscriptions/{sub}/providers/${TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireSubscription(ctx, sub!);
    const value = ctx.deps.metadata
      .userAssignedIdentities({ subscriptionId: sub })
      .filter((i) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, identityResourceId(i)))
      .map(shape);
    return { status: 200, body: { value } };
  });

  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const value = ctx.deps.metadata
      .userAssignedIdentities({ subscriptionId: sub, resourceGroup: rg })
      .filter((i) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, identityResourceId(i)))
      .map(shape);
    return { status: 200, body: { value } };
  });

  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    return { status: 200, body: shape(requireIdentity(ctx, sub!, rg!, name!)) };
  });

  const upsert = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, name } = p as { sub: string; rg: string; name: string };
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub, rg);
    if (!NAME.test(name)) {
      throw new ApiError(400, 'InvalidResourceName', `The identity name '${name}' is invalid: use 3-128 letters, digits, hyphens and underscores, starting with a letter or digit.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, `${resourceGroupId(sub, rg)}/providers/${TYPE}/${name}`);
    const existing = ctx.deps.metadata.userAssignedIdentity(sub, rg, name);
    if (patch && !existing) requireIdentity(ctx, sub, rg, name);
    const body = parseBody(patch ? IdentityBody.partial({ location: true }) : IdentityBody, ctx.body);
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) {
        if (body.location && body.location.toLowerCase() !== existing.location.toLowerCase()) {
          throw new ApiError(400, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${existing.location}'; a resource cannot be moved by changing its location.`);
        }
        if (body.tags) existing.tags = body.tags;
        return existing;
      }
      const created: UserAssignedIdentityRecord = {
        subscriptionId: sub,
        resourceGroup: rg,
        name,
        location: body.location!,
        tags: body.tags,
        principalId: randomUUID(),
        clientId: randomUUID(),
        tenantId: ctx.deps.metadata.tenantId,
        createdAt: new Date().toISOString(),
      };
      state.userAssignedIdentities.push(created);
      return created;
    });
    return { status: existing ? 200 : 201, body: shape(record) };
  };
  router.add('PUT', `${rgBase}/{name}`, upsert(false));
  router.add('PATCH', `${rgBase}/{name}`, upsert(true));

  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const i = ctx.deps.metadata.userAssignedIdentity(sub!, rg!, name!);
    if (!i) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.userAssignedIdentities = state.userAssignedIdentities.filter((x) => x !== i);
      // Its assignments name an object id that no longer exists; drop them so no later principal inherits them.
      state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== i.principalId.toLowerCase());
    });
    return { status: 200 };
  });

  router.add('POST', `${rgBase}/{name}/regenerateIdentityHeader`, async ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const id = `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`;
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/assign/action`, id);
    const i = requireIdentity(ctx, sub!, rg!, name!);
    const header = newIdentityHeader(i.principalId);
    const hash = await hashSecret(header);
    ctx.deps.metadata.mutate(() => {
      i.identityHeaderHash = hash;
    });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: {
        identityEndpoint: `${publicBaseUrl()}/metadata/identity/oauth2/token`,
        identityHeader: header,
        clientId: i.clientId,
        principalId: i.principalId,
        tenantId: i.tenantId,
      },
    };
  });
}
