/**
 * Data collection endpoints (`Microsoft.Insights/dataCollectionEndpoints`, issue 19):
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionEndpoints/{name}
 *   GET …/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionEndpoints  and  /subscriptions/{s}/providers/…
 *
 * An endpoint's `logsIngestion`, `configurationAccess` and `metricsIngestion` URLs are this Vigil's
 * base URL: one server answers every role. A data collection rule names its endpoint with
 * `dataCollectionEndpointId`; the endpoint's `networkAcls.publicNetworkAccess` is then enforced on every
 * request for that rule and on every agent configuration request through it (src/network/access.ts).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { DataCollectionEndpointRecord } from '../metadata/data-collection-records.js';
import { DCE_TYPE, dataCollectionEndpointId, normalizeResourceId } from '../metadata/data-collection-ids.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const NAME = /^[A-Za-z0-9][-\w.]{0,62}$/;
const ACCESS = ['Enabled', 'Disabled', 'SecuredByPerimeter'] as const;

const EndpointBody = z.object({
  location: z.string().min(1, 'location is required'),
  kind: z.enum(['Linux', 'Windows']).nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z
    .object({
      description: z.string().max(1024).nullish(),
      networkAcls: z.object({ publicNetworkAccess: z.enum(ACCESS).nullish() }).catchall(z.unknown()).nullish(),
    })
    .catchall(z.unknown())
    .nullish(),
});

/** PATCH changes tags only (as in Azure: `{tags, identity}`). */
const PatchBody = z.object({ tags: z.record(z.string(), z.string()).nullish(), identity: z.unknown().optional() });

export function endpointShape(e: DataCollectionEndpointRecord, baseUrl: string, scopes: { resourceId: string; scopeId: string }[] = []) {
  return {
    id: dataCollectionEndpointId(e),
    name: e.name,
    type: DCE_TYPE,
    location: e.location,
    ...(e.kind ? { kind: e.kind } : {}),
    tags: e.tags ?? {},
    properties: {
      ...(e.description !== undefined ? { description: e.description } : {}),
      immutableId: e.immutableId,
      configurationAccess: { endpoint: baseUrl },
      logsIngestion: { endpoint: baseUrl },
      metricsIngestion: { endpoint: baseUrl },
      networkAcls: { publicNetworkAccess: e.publicNetworkAccess },
      privateLinkScopedResources: scopes,
      provisioningState: 'Succeeded',
    },
  };
}

export function registerDataCollectionEndpointRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${DCE_TYPE}`;
  const idOf = (sub: string, rg: string, name: string) => `${resourceGroupId(sub, rg)}/providers/${DCE_TYPE}/${name}`;
  const shape = (ctx: ControlContext, e: DataCollectionEndpointRecord) => {
    const id = normalizeResourceId(dataCollectionEndpointId(e));
    const scopes = ctx.deps.metadata
      .privateLinkScopes()
      .filter((s) => s.scopedResources.some((r) => normalizeResourceId(r.linkedResourceId) === id))
      .map((s) => ({ resourceId: dataCollectionEndpointId(e), scopeId: `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/microsoft.insights/privateLinkScopes/${s.name}` }));
    return endpointShape(e, ctx.deps.publicBaseUrl?.() ?? '', scopes);
  };
  const visible = (ctx: ControlContext, list: DataCollectionEndpointRecord[]) =>
    list.filter((e) => isAllowed(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/read`, dataCollectionEndpointId(e))).map((e) => shape(ctx, e));
  const require = (ctx: ControlContext, sub: string, rg: string, name: string) => {
    requireResourceGroup(ctx, sub, rg);
    const e = ctx.deps.metadata.dataCollectionEndpoint(sub, rg, name);
    if (!e) throw resourceNotFound(DCE_TYPE, name, rg);
    return e;
  };

  router.add('GET', `/subscriptions/{sub}/providers/${DCE_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.dataCollectionEndpoints({ subscriptionId: sub })) } };
  });
  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.dataCollectionEndpoints({ subscriptionId: sub, resourceGroup: rg })) } };
  });
  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/read`, idOf(sub!, rg!, name!));
    return { status: 200, body: shape(ctx, require(ctx, sub!, rg!, name!)) };
  });
  router.add('PUT', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    if (!NAME.test(name!)) throw new ApiError(400, 'InvalidResourceName', `Data collection endpoint name '${name}' is invalid: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit.`);
    authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/write`, idOf(sub!, rg!, name!));
    const body = parseBody(EndpointBody, ctx.body);
    const existing = ctx.deps.metadata.dataCollectionEndpoint(sub!, rg!, name!);
    if (existing && body.location.toLowerCase() !== existing.location.toLowerCase()) {
      throw new ApiError(400, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${existing.location}'; a resource cannot be moved by changing its location.`);
    }
    const fields = {
      kind: body.kind ?? undefined,
      tags: body.tags ?? undefined,
      description: body.properties?.description ?? undefined,
      // Azure's default for a new endpoint is Enabled; a PUT replaces the whole resource.
      publicNetworkAccess: body.properties?.networkAcls?.publicNetworkAccess ?? 'Enabled',
    };
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) return Object.assign(existing, fields);
      const created: DataCollectionEndpointRecord = {
        subscriptionId: sub!,
        resourceGroup: rg!,
        name: name!,
        location: body.location,
        immutableId: `dce-${randomBytes(16).toString('hex')}`,
        createdAt: new Date().toISOString(),
        ...fields,
      };
      state.dataCollectionEndpoints!.push(created);
      return created;
    });
    return { status: existing ? 200 : 201, body: shape(ctx, record), activity: { properties: { publicNetworkAccess: record.publicNetworkAccess } } };
  });
  router.add('PATCH', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/write`, idOf(sub!, rg!, name!));
    const e = require(ctx, sub!, rg!, name!);
    const body = parseBody(PatchBody, ctx.body);
    ctx.deps.metadata.mutate(() => {
      if (body.tags) e.tags = body.tags;
    });
    return { status: 200, body: shape(ctx, e) };
  });
  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, DCE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/delete`, idOf(sub!, rg!, name!));
    requireResourceGroup(ctx, sub!, rg!);
    const e = ctx.deps.metadata.dataCollectionEndpoint(sub!, rg!, name!);
    if (!e) return { status: 204 };
    const id = normalizeResourceId(dataCollectionEndpointId(e));
    const rules = ctx.deps.metadata.dataCollectionRules().filter((r) => r.dataCollectionEndpointId && normalizeResourceId(r.dataCollectionEndpointId) === id);
    if (rules.length > 0) {
      // Deleting it would silently lift the network restriction the rules rely on.
      throw new ApiError(409, 'Conflict', `Data collection endpoint '${name}' is used by data collection rule(s) ${rules.map((r) => `'${r.name}'`).join(', ')}. Remove their dataCollectionEndpointId first.`);
    }
    ctx.deps.metadata.mutate((state) => {
      state.dataCollectionEndpoints = state.dataCollectionEndpoints!.filter((x) => x !== e);
      state.dataCollectionRuleAssociations = state.dataCollectionRuleAssociations!.filter(
        (a) => !a.dataCollectionEndpointId || normalizeResourceId(a.dataCollectionEndpointId) !== id,
      );
    });
    return { status: 200 };
  });
}
