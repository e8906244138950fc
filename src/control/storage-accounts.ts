/**
 * `Microsoft.Storage/storageAccounts` served by Vigil's immutable blob store (src/blob/), as ARM:
 *   PUT|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}
 *   GET  …/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts, /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts
 *   PUT|GET|DELETE …/storageAccounts/{a}/blobServices/default/containers/{c};  GET …/blobServices/default/containers
 *   PUT|GET|DELETE …/containers/{c}/immutabilityPolicies/default;  POST …/immutabilityPolicies/default/lock | /extend
 *   POST …/containers/{c}/setLegalHold | /clearLegalHold
 * Validation and authorization here; every immutability rule lives in the blob store itself.
 */
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { BlobStore, StorageError, type AccountState, type ContainerState, type ImmutabilityPolicyState } from '../blob/blob-store.js';
import { accountResourceId, containerResourceId, STORAGE_ACCOUNT_TYPE as TYPE } from '../blob/resource-ids.js';
import { ApiError } from '../errors/api-error.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import type { ArmResult, ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const CONTAINER_TYPE = `${TYPE}/blobServices/containers`;
const POLICY_TYPE = `${CONTAINER_TYPE}/immutabilityPolicies`;

/** Microsoft.Storage api-versions are date strings; Vigil serves the contract of 2019-06-01 and later. */
function requireStorageApiVersion(ctx: ControlContext): void {
  const v = ctx.query.get('api-version');
  if (!v) throw new ApiError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(v) || v < '2019-06-01') {
    throw new ApiError(400, 'NoRegisteredProviderFound', `No registered resource provider found for API version '${v}' for type 'storageAccounts' of namespace 'Microsoft.Storage'. Use 2019-06-01 or later.`);
  }
}

const AccountBody = z.object({
  location: z.string().min(1, 'location is required'),
  kind: z.enum(['Storage', 'StorageV2', 'BlobStorage', 'FileStorage', 'BlockBlobStorage']),
  sku: z.object({ name: z.string().min(1) }).catchall(z.unknown()),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.record(z.string(), z.unknown()).nullish(),
}).catchall(z.unknown());

const PolicyBody = z.object({
  properties: z.object({
    immutabilityPeriodSinceCreationInDays: z.number().int(),
    allowProtectedAppendWrites: z.boolean().nullish(),
    allowProtectedAppendWritesAll: z.boolean().nullish(),
  }).catchall(z.unknown()),
}).catchall(z.unknown());

/** A policy body's settings, as the blob store takes them (put and extend). */
const policySettings = (body: z.infer<typeof PolicyBody>) => ({
  periodDays: body.properties.immutabilityPeriodSinceCreationInDays,
  allowProtectedAppendWrites: body.properties.allowProtectedAppendWrites ?? undefined,
  allowProtectedAppendWritesAll: body.properties.allowProtectedAppendWritesAll ?? undefined,
});

const LegalHoldBody = z.object({
  tags: z.array(z.string()).min(1, 'at least one tag is required'),
  allowProtectedAppendWritesAll: z.boolean().nullish(),
}).catchall(z.unknown());

function blobs(ctx: ControlContext): BlobStore {
  if (!ctx.deps.blobs) throw new ApiError(501, 'NotImplemented', 'This Vigil has no blob store.');
  return ctx.deps.blobs;
}

/** Runs a route body, turning the blob store's errors into ARM's JSON errors (same status and code). */
function arm(fn: (p: Record<string, string>, ctx: ControlContext) => Promise<ArmResult> | ArmResult) {
  return async (p: Record<string, string>, ctx: ControlContext): Promise<ArmResult> => {
    try {
      return await fn(p, ctx);
    } catch (err) {
      if (err instanceof StorageError) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
  };
}

function ifMatch(ctx: ControlContext): string | undefined {
  const v = ctx.headers?.['if-match'];
  return Array.isArray(v) ? v[0] : v;
}

export function shapeAccount(a: AccountState, baseUrl: string) {
  return {
    id: accountResourceId(a),
    name: a.name,
    type: TYPE,
    location: a.location,
    kind: a.kind,
    sku: { name: a.sku, tier: a.sku.startsWith('Premium') ? 'Premium' : 'Standard' },
    tags: a.tags,
    properties: {
      provisioningState: 'Succeeded',
      creationTime: a.createdAt,
      primaryLocation: a.location,
      statusOfPrimary: 'available',
      primaryEndpoints: { blob: `${baseUrl}/${a.name}/` },
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      encryption: { keySource: 'Microsoft.Storage', services: { blob: { enabled: true, keyType: 'Account' } } },
    },
  };
}

function shapePolicy(a: AccountState, container: string, p: ImmutabilityPolicyState) {
  return {
    id: `${containerResourceId(a, container)}/immutabilityPolicies/default`,
    name: 'default',
    type: POLICY_TYPE,
    etag: p.etag,
    properties: {
      immutabilityPeriodSinceCreationInDays: p.periodDays,
      state: p.state,
      allowProtectedAppendWrites: p.allowProtectedAppendWrites,
      allowProtectedAppendWritesAll: p.allowProtectedAppendWritesAll,
    },
  };
}

function shapeLegalHold(c: ContainerState) {
  return { hasLegalHold: c.legalHold.tags.length > 0, tags: c.legalHold.tags.map((t) => t.tag), allowProtectedAppendWritesAll: c.legalHold.allowProtectedAppendWritesAll };
}

function shapeContainer(a: AccountState, c: ContainerState) {
  return {
    id: containerResourceId(a, c.name),
    name: c.name,
    type: CONTAINER_TYPE,
    etag: c.etag,
    properties: {
      lastModifiedTime: c.lastModified,
      leaseStatus: 'Unlocked',
      leaseState: 'Available',
      publicAccess: 'None',
      metadata: c.metadata,
      hasImmutabilityPolicy: c.policy !== undefined,
      hasLegalHold: c.legalHold.tags.length > 0,
      ...(c.policy
        ? {
            immutabilityPolicy: {
              etag: c.policy.etag,
              properties: { ...shapePolicy(a, c.name, c.policy).properties },
              updateHistory: c.policy.history.map((h) => ({ ...h })),
            },
          }
        : {}),
      legalHold: {
        hasLegalHold: c.legalHold.tags.length > 0,
        tags: c.legalHold.tags.map((t) => ({ ...t })),
        protectedAppendWritesHistory: { allowProtectedAppendWritesAll: c.legalHold.allowProtectedAppendWritesAll },
      },
    },
  };
}

function requireAccount(ctx: ControlContext, sub: string, rg: string, name: string): AccountState {
  requireResourceGroup(ctx, sub, rg);
  const a = blobs(ctx).account(name);
  if (!a || a.subscriptionId.toLowerCase() !== sub.toLowerCase() || a.resourceGroup.toLowerCase() !== rg.toLowerCase()) {
    throw resourceNotFound(TYPE, name, rg);
  }
  return a;
}

const accountScope = (sub: string, rg: string, name: string) => `${resourceGroupId(sub, rg)}/providers/${TYPE}/${name}`;
const containerScope = (sub: string, rg: string, name: string, c: string) => `${accountScope(sub, rg, name)}/blobServices/default/containers/${c}`;

export function registerStorageAccountRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${TYPE}`;
  const acct = `${rgBase}/{name}`;
  const cont = `${acct}/blobServices/default/containers/{c}`;
  const policy = `${cont}/immutabilityPolicies/default`;
  const base = (ctx: ControlContext) => ctx.deps.publicBaseUrl?.() ?? '';

  router.add('GET', `/subscriptions/{sub}/providers/${TYPE}`, arm(({ sub }, ctx) => {
    requireStorageApiVersion(ctx);
    requireSubscription(ctx, sub!);
    const value = blobs(ctx).listAccounts({ subscriptionId: sub }).filter((a) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, accountResourceId(a))).map((a) => shapeAccount(a, base(ctx)));
    return { status: 200, body: { value } };
  }));

  router.add('GET', rgBase, arm(({ sub, rg }, ctx) => {
    requireStorageApiVersion(ctx);
    requireResourceGroup(ctx, sub!, rg!);
    const value = blobs(ctx).listAccounts({ subscriptionId: sub, resourceGroup: rg }).filter((a) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, accountResourceId(a))).map((a) => shapeAccount(a, base(ctx)));
    return { status: 200, body: { value } };
  }));

  router.add('GET', acct, arm(({ sub, rg, name }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, accountScope(sub!, rg!, name!));
    return { status: 200, body: shapeAccount(requireAccount(ctx, sub!, rg!, name!), base(ctx)) };
  }));

  router.add('PUT', acct, arm(async ({ sub, rg, name }, ctx) => {
    requireStorageApiVersion(ctx);
    requireResourceGroup(ctx, sub!, rg!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, accountScope(sub!, rg!, name!));
    const body = parseBody(AccountBody, ctx.body);
    if (body.sku.name.startsWith('Premium')) throw new ApiError(400, 'InvalidRequestContent', 'Vigil serves Standard storage accounts: use a Standard_* sku.');
    const { account, created } = await blobs(ctx).putAccount({ name: name!, subscriptionId: sub!, resourceGroup: rg!, location: body.location, kind: body.kind, sku: body.sku.name, tags: body.tags });
    return { status: 200, body: shapeAccount(account, base(ctx)), activity: { properties: { created } } };
  }));

  router.add('DELETE', acct, arm(async ({ sub, rg, name }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, accountScope(sub!, rg!, name!));
    requireResourceGroup(ctx, sub!, rg!);
    const a = blobs(ctx).account(name!);
    if (!a || a.subscriptionId.toLowerCase() !== sub!.toLowerCase() || a.resourceGroup.toLowerCase() !== rg!.toLowerCase()) return { status: 204 };
    await blobs(ctx).deleteAccount(name!);
    return { status: 200 };
  }));

  router.add('GET', `${acct}/blobServices/default/containers`, arm(({ sub, rg, name }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/read`, `${accountScope(sub!, rg!, name!)}/blobServices/default`);
    const a = requireAccount(ctx, sub!, rg!, name!);
    return { status: 200, body: { value: Object.values(a.containers).map((c) => shapeContainer(a, c)) } };
  }));

  router.add('GET', cont, arm(({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/read`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    return { status: 200, body: shapeContainer(a, blobs(ctx).requireContainer(name!, c!)) };
  }));

  router.add('PUT', cont, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/write`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    const body = (ctx.body ?? {}) as { properties?: { metadata?: Record<string, string> } };
    const { container, created } = await blobs(ctx).createContainer(name!, c!, body.properties?.metadata ?? {}, 'return');
    return { status: created ? 201 : 200, body: shapeContainer(a, container) };
  }));

  router.add('DELETE', cont, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/delete`, containerScope(sub!, rg!, name!, c!));
    requireAccount(ctx, sub!, rg!, name!);
    if (!blobs(ctx).container(name!, c!)) return { status: 204 };
    await blobs(ctx).deleteContainer(name!, c!);
    return { status: 200 };
  }));

  const actor = (ctx: ControlContext) => ({ objectId: ctx.caller.objectId, tenantId: ctx.caller.tenantId });
  const policyResult = (a: AccountState, c: string, p: ImmutabilityPolicyState, extra: Record<string, unknown> = {}): ArmResult => ({
    status: 200,
    body: shapePolicy(a, c, p),
    headers: { etag: p.etag },
    activity: { properties: { state: p.state, immutabilityPeriodSinceCreationInDays: p.periodDays, ...extra } },
  });

  router.add('GET', policy, arm(({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${POLICY_TYPE}/read`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    return policyResult(a, c!, blobs(ctx).requirePolicy(name!, c!));
  }));

  router.add('PUT', policy, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${POLICY_TYPE}/write`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    const p = await blobs(ctx).putPolicy(name!, c!, policySettings(parseBody(PolicyBody, ctx.body)), ifMatch(ctx), actor(ctx));
    return policyResult(a, c!, p);
  }));

  router.add('DELETE', policy, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${POLICY_TYPE}/delete`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    return policyResult(a, c!, await blobs(ctx).deletePolicy(name!, c!, ifMatch(ctx)));
  }));

  router.add('POST', `${policy}/lock`, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${POLICY_TYPE}/lock/action`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    return policyResult(a, c!, await blobs(ctx).lockPolicy(name!, c!, ifMatch(ctx), actor(ctx)));
  }));

  router.add('POST', `${policy}/extend`, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${POLICY_TYPE}/extend/action`, containerScope(sub!, rg!, name!, c!));
    const a = requireAccount(ctx, sub!, rg!, name!);
    const p = await blobs(ctx).extendPolicy(name!, c!, policySettings(parseBody(PolicyBody, ctx.body)), ifMatch(ctx), actor(ctx));
    return policyResult(a, c!, p, { extensions: p.extensions });
  }));

  router.add('POST', `${cont}/setLegalHold`, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/setLegalHold/action`, containerScope(sub!, rg!, name!, c!));
    requireAccount(ctx, sub!, rg!, name!);
    const body = parseBody(LegalHoldBody, ctx.body);
    await blobs(ctx).setLegalHold(name!, c!, body.tags, body.allowProtectedAppendWritesAll ?? undefined, actor(ctx));
    const container = blobs(ctx).requireContainer(name!, c!);
    return { status: 200, body: shapeLegalHold(container), activity: { properties: { tags: body.tags } } };
  }));

  router.add('POST', `${cont}/clearLegalHold`, arm(async ({ sub, rg, name, c }, ctx) => {
    requireStorageApiVersion(ctx);
    authorize(ctx.deps.metadata, ctx.caller, `${CONTAINER_TYPE}/clearLegalHold/action`, containerScope(sub!, rg!, name!, c!));
    requireAccount(ctx, sub!, rg!, name!);
    const body = parseBody(LegalHoldBody, ctx.body);
    await blobs(ctx).clearLegalHold(name!, c!, body.tags);
    const container = blobs(ctx).requireContainer(name!, c!);
    return { status: 200, body: shapeLegalHold(container), activity: { properties: { tags: body.tags } } };
  }));
}
