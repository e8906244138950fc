import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { resourceGroupId, workspaceResourceId } from '../metadata/resource-ids.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const TYPE = 'Microsoft.OperationalInsights/workspaces';
export const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;

const WorkspaceBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z
    .object({
      retentionInDays: z.number().int().min(30, 'retentionInDays must be between 30 and 730').max(730, 'retentionInDays must be between 30 and 730').nullish(),
      sku: z.object({ name: z.string() }).partial().nullish(),
      features: z
        .object({ enableLogAccessUsingOnlyResourcePermissions: z.boolean().nullish() })
        .catchall(z.unknown())
        .nullish(),
      publicNetworkAccessForIngestion: z.enum(['Enabled', 'Disabled']).nullish(),
      publicNetworkAccessForQuery: z.enum(['Enabled', 'Disabled']).nullish(),
    })
    .catchall(z.unknown())
    .nullish(),
});

export function workspaceShape(w: WorkspaceRecord) {
  return {
    id: workspaceResourceId(w),
    name: w.name,
    type: TYPE,
    location: w.location,
    tags: w.tags ?? {},
    properties: {
      provisioningState: 'Succeeded',
      customerId: w.customerId,
      sku: { name: w.sku },
      retentionInDays: w.retentionInDays,
      features: { legacy: 0, searchVersion: 1, ...w.features, ...(w.clusterResourceId ? { clusterResourceId: w.clusterResourceId } : {}) },
      workspaceCapping: { dailyQuotaGb: -1, dataIngestionStatus: 'RespectQuota' },
      publicNetworkAccessForIngestion: w.publicNetworkAccessForIngestion,
      publicNetworkAccessForQuery: w.publicNetworkAccessForQuery,
      createdDate: w.createdDate,
      modifiedDate: w.modifiedDate,
    },
  };
}

export function requireWorkspace(ctx: ControlContext, sub: string, rg: string, name: string): WorkspaceRecord {
  requireResourceGroup(ctx, sub, rg);
  const w = ctx.deps.metadata.workspace(sub, rg, name);
  if (!w) {
    throw resourceNotFound(TYPE, name, rg);
  }
  return w;
}

export function registerWorkspaceRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces';

  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.OperationalInsights/workspaces', ({ sub }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireSubscription(ctx, sub!);
    const visible = ctx.deps.metadata
      .workspaces({ subscriptionId: sub })
      .filter((w) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, workspaceResourceId(w)));
    return { status: 200, body: { value: visible.map(workspaceShape) } };
  });

  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const visible = ctx.deps.metadata
      .workspaces({ subscriptionId: sub, resourceGroup: rg })
      .filter((w) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, workspaceResourceId(w)));
    return { status: 200, body: { value: visible.map(workspaceShape) } };
  });

  router.add('GET', `${rgBase}/{ws}`, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${ws}`);
    return { status: 200, body: workspaceShape(requireWorkspace(ctx, sub!, rg!, ws!)) };
  });

  const upsert = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, ws } = p as { sub: string; rg: string; ws: string };
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub, rg);
    if (!WORKSPACE_NAME.test(ws)) {
      throw new ApiError(400, 'InvalidWorkspaceName', `Workspace name '${ws}' is invalid: use 4-63 letters, digits and hyphens, starting and ending with a letter or digit.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, `${resourceGroupId(sub, rg)}/providers/${TYPE}/${ws}`);
    const existing = ctx.deps.metadata.workspace(sub, rg, ws);
    if (patch && !existing) requireWorkspace(ctx, sub, rg, ws);
    const body = parseBody(patch ? WorkspaceBody.partial({ location: true }) : WorkspaceBody, ctx.body);
    const props = body.properties ?? {};
    const now = new Date().toISOString();
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) {
        if (body.location && body.location.toLowerCase() !== existing.location.toLowerCase()) {
          throw new ApiError(400, 'InvalidResourceLocation', `The resource '${ws}' already exists in location '${existing.location}'; a resource cannot be moved by changing its location.`);
        }
        if (body.tags) existing.tags = body.tags;
        if (props.retentionInDays != null) existing.retentionInDays = props.retentionInDays;
        if (props.sku?.name) existing.sku = props.sku.name;
        if (props.features) {
          const { enableLogAccessUsingOnlyResourcePermissions, ...rest } = props.features;
          // clusterResourceId is read-only: set by linkedServices/cluster, never by a workspace PUT.
          delete (rest as Record<string, unknown>).clusterResourceId;
          existing.features = { ...existing.features, ...rest };
          if (enableLogAccessUsingOnlyResourcePermissions != null) existing.features.enableLogAccessUsingOnlyResourcePermissions = enableLogAccessUsingOnlyResourcePermissions;
        }
        if (props.publicNetworkAccessForIngestion) existing.publicNetworkAccessForIngestion = props.publicNetworkAccessForIngestion;
        if (props.publicNetworkAccessForQuery) existing.publicNetworkAccessForQuery = props.publicNetworkAccessForQuery;
        existing.modifiedDate = now;
        return existing;
      }
      const created: WorkspaceRecord = newWorkspace(sub, rg, ws, body.location!, props.retentionInDays ?? 30);
      created.tags = body.tags;
      if (props.sku?.name) created.sku = props.sku.name;
      if (props.features?.enableLogAccessUsingOnlyResourcePermissions === false) created.features.enableLogAccessUsingOnlyResourcePermissions = false;
      if (props.publicNetworkAccessForIngestion) created.publicNetworkAccessForIngestion = props.publicNetworkAccessForIngestion;
      if (props.publicNetworkAccessForQuery) created.publicNetworkAccessForQuery = props.publicNetworkAccessForQuery;
      state.workspaces.push(created);
      return created;
    });
    return { status: existing ? 200 : 201, body: workspaceShape(record) };
  };
  router.add('PUT', `${rgBase}/{ws}`, upsert(false));
  router.add('PATCH', `${rgBase}/{ws}`, upsert(true));

  router.add('DELETE', `${rgBase}/{ws}`, async ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${ws}`);
    requireResourceGroup(ctx, sub!, rg!);
    const w = ctx.deps.metadata.workspace(sub!, rg!, ws!);
    if (!w) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.workspaces = state.workspaces.filter((x) => x !== w);
      // Diagnostic settings are extension resources of the workspace: they go with it.
      const id = workspaceResourceId(w).toLowerCase();
      state.diagnosticSettings = state.diagnosticSettings.filter((d) => d.scope.toLowerCase() !== id);
    });
    await ctx.deps.store.dropWorkspace(w.customerId);
    return { status: 200 };
  });
}

export function newWorkspace(sub: string, rg: string, name: string, location: string, retentionInDays = 30): WorkspaceRecord {
  const now = new Date().toISOString();
  return {
    subscriptionId: sub,
    resourceGroup: rg,
    name,
    customerId: randomUUID(),
    location,
    retentionInDays,
    features: { enableLogAccessUsingOnlyResourcePermissions: true },
    publicNetworkAccessForIngestion: 'Enabled',
    publicNetworkAccessForQuery: 'Enabled',
    sku: 'PerGB2018',
    createdDate: now,
    modifiedDate: now,
    tables: [],
  };
}
