/**
 * Dedicated clusters with customer-managed keys (reference wave2 §7):
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/clusters/{name}
 *   GET …/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/clusters  and  /subscriptions/{s}/providers/…/clusters
 *   PUT|GET|DELETE …/Microsoft.OperationalInsights/workspaces/{ws}/linkedServices/cluster   (link / unlink)
 *   GET            …/Microsoft.OperationalInsights/workspaces/{ws}/linkedServices
 *
 * Operations complete synchronously (200/201 with `provisioningState: Succeeded`; the SDKs' pollers
 * finish at once). Setting `keyVaultProperties` validates the key as the cluster's identity and
 * re-wraps the keys of linked workspaces (src/keyvault/cluster-keys.ts); data is never rewritten.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import type { ClusterRecord, WorkspaceRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { CLUSTER_TYPE, clusterResourceId, type ClusterKeys } from '../keyvault/cluster-keys.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const CAPACITIES = [100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 25000, 50000];
const LINKED_TYPE = 'Microsoft.OperationalInsights/workspaces/linkedServices';
const WS_TYPE = 'Microsoft.OperationalInsights/workspaces';

const KeyVaultProperties = z.object({
  keyVaultUri: z.string().nullish(),
  keyName: z.string().nullish(),
  keyVersion: z.string().nullish(),
  keyRsaSize: z.number().int().nullish(),
});

const Identity = z.object({
  type: z.enum(['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned']),
  userAssignedIdentities: z.record(z.string(), z.unknown()).nullish(),
});

const ClusterBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  identity: Identity.nullish(),
  sku: z.object({ name: z.literal('CapacityReservation'), capacity: z.number().int() }),
  properties: z
    .object({
      billingType: z.enum(['Cluster', 'Workspaces']).nullish(),
      keyVaultProperties: KeyVaultProperties.nullish(),
      isDoubleEncryptionEnabled: z.boolean().nullish(),
      isAvailabilityZonesEnabled: z.boolean().nullish(),
    })
    .catchall(z.unknown())
    .nullish(),
});

const PatchBody = z.object({
  tags: z.record(z.string(), z.string()).nullish(),
  identity: Identity.nullish(),
  sku: z.object({ name: z.literal('CapacityReservation'), capacity: z.number().int() }).nullish(),
  properties: z.object({ billingType: z.enum(['Cluster', 'Workspaces']).nullish(), keyVaultProperties: KeyVaultProperties.nullish() }).catchall(z.unknown()).nullish(),
});

function keys(ctx: ControlContext): ClusterKeys {
  if (!ctx.deps.clusterKeys) throw new ApiError(501, 'NotImplemented', 'Dedicated clusters are not available on this server.');
  return ctx.deps.clusterKeys;
}

function shape(c: ClusterRecord, ctx: ControlContext) {
  const linked = keys(ctx).linkedWorkspaces(c);
  const identity =
    c.identity.type === 'SystemAssigned'
      ? { type: 'SystemAssigned', principalId: c.identity.principalId, tenantId: ctx.deps.metadata.tenantId }
      : c.identity.type === 'UserAssigned'
        ? { type: 'UserAssigned', userAssignedIdentities: { [c.identity.resourceId]: userIdentity(ctx, c.identity.resourceId) } }
        : { type: 'None' };
  return {
    id: clusterResourceId(c),
    name: c.name,
    type: CLUSTER_TYPE,
    location: c.location,
    tags: c.tags ?? {},
    identity,
    sku: { name: 'CapacityReservation', capacity: c.skuCapacity },
    properties: {
      clusterId: c.clusterId,
      provisioningState: 'Succeeded',
      billingType: c.billingType,
      isDoubleEncryptionEnabled: false,
      isAvailabilityZonesEnabled: false,
      keyVaultProperties: c.keyVaultProperties ?? { keyVaultUri: '', keyName: '', keyVersion: '' },
      createdDate: c.createdDate,
      lastModifiedDate: c.lastModifiedDate,
      associatedWorkspaces: linked.map((w) => ({
        workspaceId: w.customerId,
        workspaceName: w.name,
        resourceId: `${resourceGroupId(w.subscriptionId, w.resourceGroup)}/providers/${WS_TYPE}/${w.name}`,
        associateDate: w.linkedAt,
      })),
      capacityReservationProperties: { minCapacity: 100, lastSkuUpdate: c.createdDate },
    },
  };
}

function userIdentity(ctx: ControlContext, id: string) {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(id);
  const i = m ? ctx.deps.metadata.userAssignedIdentity(m[1]!, m[2]!, m[3]!) : undefined;
  return i ? { principalId: i.principalId, clientId: i.clientId } : {};
}

function requireCluster(ctx: ControlContext, sub: string, rg: string, name: string): ClusterRecord {
  requireResourceGroup(ctx, sub, rg);
  const c = ctx.deps.metadata.cluster(sub, rg, name);
  if (!c) throw resourceNotFound(CLUSTER_TYPE, name, rg);
  return c;
}

/** The identity the body asks for, keeping an existing system-assigned principal. */
function identityFrom(ctx: ControlContext, body: z.infer<typeof Identity> | null | undefined, existing: ClusterRecord | undefined): ClusterRecord['identity'] {
  if (!body) return existing?.identity ?? { type: 'None' };
  if (body.type === 'SystemAssigned,UserAssigned') throw new ApiError(400, 'InvalidParameter', "Vigil's clusters use one identity: SystemAssigned or UserAssigned, not both.");
  if (body.type === 'SystemAssigned') return { type: 'SystemAssigned', principalId: existing?.identity.type === 'SystemAssigned' ? existing.identity.principalId : randomUUID() };
  if (body.type === 'UserAssigned') {
    const ids = Object.keys(body.userAssignedIdentities ?? {});
    if (ids.length !== 1) throw new ApiError(400, 'InvalidParameter', 'A UserAssigned cluster identity names exactly one user-assigned identity in identity.userAssignedIdentities.');
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(ids[0]!);
    if (!m || !ctx.deps.metadata.userAssignedIdentity(m[1]!, m[2]!, m[3]!)) throw new ApiError(400, 'InvalidParameter', `The user-assigned identity '${ids[0]}' does not exist.`);
    return { type: 'UserAssigned', resourceId: ids[0]! };
  }
  return { type: 'None' };
}

function keyProps(raw: z.infer<typeof KeyVaultProperties> | null | undefined, existing: ClusterRecord['keyVaultProperties']): ClusterRecord['keyVaultProperties'] {
  if (raw === undefined || raw === null) return existing;
  const uri = raw.keyVaultUri ?? '';
  const keyName = raw.keyName ?? '';
  const keyVersion = raw.keyVersion ?? '';
  if (!uri && !keyName && !keyVersion) return undefined;
  if (!uri || !keyName || !/^https:\/\//i.test(uri) || !/^[0-9a-zA-Z-]{1,127}$/.test(keyName) || (keyVersion && !/^[0-9a-f]{32}$/i.test(keyVersion))) {
    throw new ApiError(400, 'InvalidParameter', "KeyVaultProperties isn't empty but has a bad format: give keyVaultUri (https://…), keyName, and keyVersion (32 hex characters, or empty for automatic rotation).");
  }
  return { keyVaultUri: uri.replace(/\/+$/, ''), keyName, keyVersion: keyVersion.toLowerCase(), ...(raw.keyRsaSize ? { keyRsaSize: raw.keyRsaSize } : {}) };
}

export function registerClusterRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${CLUSTER_TYPE}`;
  const readable = (ctx: ControlContext, list: ClusterRecord[]) => list.filter((c) => isAllowed(ctx.deps.metadata, ctx.caller, `${CLUSTER_TYPE}/read`, clusterResourceId(c))).map((c) => shape(c, ctx));

  router.add('GET', `/subscriptions/{sub}/providers/${CLUSTER_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, CLUSTER_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.clusters({ subscriptionId: sub })) } };
  });
  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, CLUSTER_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.clusters({ subscriptionId: sub, resourceGroup: rg })) } };
  });
  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, CLUSTER_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${CLUSTER_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${CLUSTER_TYPE}/${name}`);
    return { status: 200, body: shape(requireCluster(ctx, sub!, rg!, name!), ctx) };
  });

  const write = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, name } = p as { sub: string; rg: string; name: string };
    requireApiVersion(ctx.query, CLUSTER_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${CLUSTER_TYPE}/write`, `${resourceGroupId(sub, rg)}/providers/${CLUSTER_TYPE}/${name}`);
    requireResourceGroup(ctx, sub, rg);
    const ck = keys(ctx);
    if (!NAME.test(name)) throw new ApiError(400, 'InvalidParameter', `The cluster name '${name}' is invalid: 4 to 63 letters, digits and dashes, starting and ending with a letter or digit.`);
    const existing = ctx.deps.metadata.cluster(sub, rg, name);
    if (patch && !existing) throw resourceNotFound(CLUSTER_TYPE, name, rg);
    const body = patch ? parseBody(PatchBody, ctx.body) : parseBody(ClusterBody, ctx.body);
    const capacity = body.sku?.capacity ?? existing?.skuCapacity;
    if (capacity === undefined || !CAPACITIES.includes(capacity)) throw new ApiError(400, 'InvalidParameter', `sku.capacity must be one of ${CAPACITIES.join(', ')} (GB per day).`);
    const identityChanged = body.identity !== undefined && body.identity !== null;
    const keyGiven = body.properties?.keyVaultProperties !== undefined && body.properties?.keyVaultProperties !== null;
    if (patch && identityChanged && keyGiven) throw new ApiError(400, 'InvalidParameter', 'Update the identity and the key in separate requests: the new identity needs access to the key first.');
    const identity = identityFrom(ctx, body.identity, existing);
    const kvp = keyProps(body.properties?.keyVaultProperties, existing?.keyVaultProperties);
    const now = new Date().toISOString();
    const next: ClusterRecord = {
      subscriptionId: existing?.subscriptionId ?? sub,
      resourceGroup: existing?.resourceGroup ?? rg,
      name: existing?.name ?? name,
      location: existing?.location ?? (body as { location?: string }).location ?? '',
      tags: body.tags ?? existing?.tags,
      clusterId: existing?.clusterId ?? randomUUID(),
      identity,
      skuCapacity: capacity,
      billingType: body.properties?.billingType ?? existing?.billingType ?? 'Cluster',
      ...(kvp ? { keyVaultProperties: kvp } : {}),
      createdDate: existing?.createdDate ?? now,
      lastModifiedDate: now,
    };
    const keyChanged = JSON.stringify(kvp ?? null) !== JSON.stringify(existing?.keyVaultProperties ?? null);
    if (kvp && (keyChanged || identityChanged)) ck.validateKey(next, kvp);
    const linked = existing ? ck.linkedWorkspaces(existing) : [];
    if (existing && !kvp && existing.keyVaultProperties && linked.length > 0) {
      throw new ApiError(400, 'InvalidParameter', 'The key of a cluster with linked workspaces cannot be removed (their keys are wrapped under it); set another key instead, or unlink the workspaces.');
    }
    ctx.deps.metadata.mutate((state) => {
      const list = (state.clusters ??= []);
      const i = existing ? list.indexOf(existing) : -1;
      if (i >= 0) list[i] = next;
      else list.push(next);
    });
    // A new key or version: the workspace keys are wrapped under it (no data is rewritten).
    const rewrapped = keyChanged || identityChanged ? ck.rewrapCluster(next) : 0;
    return {
      status: existing ? 200 : 201,
      body: shape(next, ctx),
      activity: { properties: { keyVaultProperties: kvp ?? null, identityType: identity.type, rewrappedWorkspaces: rewrapped } },
    };
  };
  router.add('PUT', `${rgBase}/{name}`, write(false));
  router.add('PATCH', `${rgBase}/{name}`, write(true));

  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, CLUSTER_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${CLUSTER_TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${CLUSTER_TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const c = ctx.deps.metadata.cluster(sub!, rg!, name!);
    if (!c) return { status: 204 };
    if (keys(ctx).linkedWorkspaces(c).length > 0) {
      throw new ApiError(409, 'Conflict', `The cluster '${name}' has linked workspaces: unlink them (DELETE …/workspaces/{ws}/linkedServices/cluster) before deleting it.`);
    }
    ctx.deps.metadata.mutate((state) => {
      state.clusters = (state.clusters ?? []).filter((x) => x !== c);
      if (c.identity.type === 'SystemAssigned') {
        const old = c.identity.principalId.toLowerCase();
        state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== old);
      }
    });
    return { status: 200 };
  });

  // ---- linkedServices/cluster
  const wsBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${WS_TYPE}/{ws}/linkedServices`;
  const requireWorkspace = (ctx: ControlContext, sub: string, rg: string, ws: string): WorkspaceRecord => {
    requireResourceGroup(ctx, sub, rg);
    const w = ctx.deps.metadata.workspace(sub, rg, ws);
    if (!w) throw resourceNotFound(WS_TYPE, ws, rg);
    return w;
  };
  const linkShape = (w: WorkspaceRecord, provisioningState = 'Succeeded') => ({
    id: `${resourceGroupId(w.subscriptionId, w.resourceGroup)}/providers/${WS_TYPE}/${w.name}/linkedServices/cluster`,
    name: `${w.name}/cluster`,
    type: LINKED_TYPE,
    properties: { writeAccessResourceId: w.clusterResourceId, provisioningState },
  });
  const checkName = (link: string) => {
    if (link.toLowerCase() !== 'cluster') {
      throw new ApiError(400, 'InvalidParameter', `Vigil serves the 'cluster' linked service only (dedicated clusters); '${link}' is not supported.`);
    }
  };

  router.add('GET', wsBase, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, LINKED_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${LINKED_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${WS_TYPE}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    return { status: 200, body: { value: w.clusterResourceId ? [linkShape(w)] : [] } };
  });
  router.add('GET', `${wsBase}/{link}`, ({ sub, rg, ws, link }, ctx) => {
    requireApiVersion(ctx.query, LINKED_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${LINKED_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${WS_TYPE}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    checkName(link!);
    if (!w.clusterResourceId) throw new ApiError(404, 'ResourceNotFound', `The workspace '${ws}' is not linked to a cluster.`);
    return { status: 200, body: linkShape(w) };
  });
  router.add('PUT', `${wsBase}/{link}`, ({ sub, rg, ws, link }, ctx) => {
    requireApiVersion(ctx.query, LINKED_TYPE);
    const wsId = `${resourceGroupId(sub!, rg!)}/providers/${WS_TYPE}/${ws}`;
    authorize(ctx.deps.metadata, ctx.caller, `${LINKED_TYPE}/write`, wsId);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    checkName(link!);
    const props = ((ctx.body ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
    const target = Object.entries(props).find(([k]) => k.toLowerCase() === 'writeaccessresourceid')?.[1];
    if (typeof target !== 'string' || !target) throw new ApiError(400, 'InvalidParameter', 'properties.writeAccessResourceId must name the cluster (its ARM resource id).');
    const ck = keys(ctx);
    const cluster = ck.clusterById(target);
    if (!cluster) throw new ApiError(400, 'InvalidParameter', `The cluster '${target}' was not found.`);
    authorize(ctx.deps.metadata, ctx.caller, `${CLUSTER_TYPE}/write`, clusterResourceId(cluster));
    if (w.clusterResourceId) {
      if (w.clusterResourceId.toLowerCase() === clusterResourceId(cluster).toLowerCase()) return { status: 200, body: linkShape(w) };
      throw new ApiError(409, 'Conflict', `The workspace '${ws}' is linked to another cluster (${w.clusterResourceId}); unlink it first.`);
    }
    if (ck.linkedWorkspaces(cluster).length >= 1000) throw new ApiError(400, 'InvalidParameter', 'A cluster has at most 1,000 linked workspaces.');
    ck.link(cluster, w);
    ctx.deps.metadata.mutate(() => {
      w.clusterResourceId = clusterResourceId(cluster);
      w.linkedAt = new Date().toISOString();
    });
    return { status: 200, body: linkShape(w), activity: { properties: { cluster: clusterResourceId(cluster), customerManagedKey: Boolean(cluster.keyVaultProperties?.keyName) } } };
  });
  router.add('DELETE', `${wsBase}/{link}`, ({ sub, rg, ws, link }, ctx) => {
    requireApiVersion(ctx.query, LINKED_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${LINKED_TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${WS_TYPE}/${ws}`);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    checkName(link!);
    if (!w.clusterResourceId) throw new ApiError(404, 'ResourceNotFound', `The workspace '${ws}' is not linked to a cluster.`);
    const body = linkShape(w, 'Succeeded');
    keys(ctx).unlink(w);
    ctx.deps.metadata.mutate(() => {
      delete w.clusterResourceId;
      delete w.linkedAt;
    });
    return { status: 200, body };
  });
}
