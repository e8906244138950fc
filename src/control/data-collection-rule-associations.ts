/**
 * Data collection rule associations (`Microsoft.Insights/dataCollectionRuleAssociations`, issue 19), an
 * extension resource on ANY resource id:
 *   PUT|GET|DELETE {resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}
 *   GET {resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations
 *   GET …/providers/Microsoft.Insights/dataCollectionRules/{rule}/associations
 *   GET …/providers/Microsoft.Insights/dataCollectionEndpoints/{endpoint}/associations
 *
 * The resource need not be one Vigil manages (a virtual machine, a Kubernetes cluster): only its
 * subscription and resource group must exist. An association names a rule (any name) or, named
 * `configurationAccessEndpoint`, the endpoint the resource's agent fetches its configuration from.
 *
 * Who may associate: `dataCollectionRuleAssociations/write` on the resource, and — because an
 * association lets the resource's agent send into the rule without a role on the rule —
 * `dataCollectionRules/write` on the rule (Monitoring Contributor has both), or read on the endpoint.
 */
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { DataCollectionRuleAssociationRecord } from '../metadata/data-collection-records.js';
import { DCE_TYPE, DCRA_TYPE, dataCollectionEndpointId, normalizeResourceId, parseDataCollectionEndpointId, parseDataCollectionRuleId } from '../metadata/data-collection-ids.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody } from './validation.js';

const DCR_TYPE = 'Microsoft.Insights/dataCollectionRules';
const NAME = /^[A-Za-z0-9][-\w.]{0,63}$/;
export const CONFIGURATION_ACCESS_ENDPOINT = 'configurationAccessEndpoint';

const AssociationBody = z.object({
  properties: z
    .object({
      description: z.string().max(1024).nullish(),
      dataCollectionRuleId: z.string().min(1).nullish(),
      dataCollectionEndpointId: z.string().min(1).nullish(),
    })
    .catchall(z.unknown()),
});

export const associationId = (a: Pick<DataCollectionRuleAssociationRecord, 'resourceUri' | 'name'>) => `${a.resourceUri}/providers/${DCRA_TYPE}/${a.name}`;

function shape(a: DataCollectionRuleAssociationRecord) {
  return {
    id: associationId(a),
    name: a.name,
    type: DCRA_TYPE,
    properties: {
      ...(a.description !== undefined ? { description: a.description } : {}),
      ...(a.dataCollectionRuleId ? { dataCollectionRuleId: a.dataCollectionRuleId } : {}),
      ...(a.dataCollectionEndpointId ? { dataCollectionEndpointId: a.dataCollectionEndpointId } : {}),
      provisioningState: 'Succeeded',
    },
  };
}

/** A resource id Vigil can associate: `/subscriptions/{s}[/resourceGroups/{rg}[/providers/…]]`, with that subscription and group existing. */
function requireResourceScope(ctx: ControlContext, scope: string): string {
  const m = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/.*)?$/i.exec(scope);
  if (!m || scope.split('/').some((segment) => segment === '.' || segment === '..')) throw new ApiError(400, 'InvalidResourceUri', `'${scope}' is not a resource id: an association is made on /subscriptions/{subscription}/resourceGroups/{group}/providers/{type}/{name}.`);
  if (m[2]) requireResourceGroup(ctx, m[1]!, m[2]);
  else requireSubscription(ctx, m[1]!);
  return scope.replace(/\/+$/, '');
}

const sameScope = (a: string, b: string) => normalizeResourceId(a) === normalizeResourceId(b);

/** The associations of a resource (exact resource id, any casing). */
export function associationsOf(ctx: { deps: { metadata: ControlContext['deps']['metadata'] } }, resourceUri: string): DataCollectionRuleAssociationRecord[] {
  return ctx.deps.metadata.dataCollectionRuleAssociations().filter((a) => sameScope(a.resourceUri, resourceUri));
}

export function registerDataCollectionRuleAssociationRoutes(router: ArmRouter<ControlContext>): void {
  const suffix = `providers/${DCRA_TYPE}`;
  const readable = (ctx: ControlContext, list: DataCollectionRuleAssociationRecord[]) =>
    list.filter((a) => isAllowed(ctx.deps.metadata, ctx.caller, `${DCRA_TYPE}/read`, a.resourceUri)).map(shape);

  router.addExtension('GET', suffix, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    const resourceUri = requireResourceScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${DCRA_TYPE}/read`, resourceUri);
    return { status: 200, body: { value: associationsOf(ctx, resourceUri).map(shape) } };
  });
  router.addExtension('GET', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    const resourceUri = requireResourceScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${DCRA_TYPE}/read`, resourceUri);
    const a = associationsOf(ctx, resourceUri).find((x) => x.name.toLowerCase() === name!.toLowerCase());
    if (!a) throw new ApiError(404, 'ResourceNotFound', `The data collection rule association '${name}' on '${resourceUri}' was not found.`);
    return { status: 200, body: shape(a) };
  });
  router.addExtension('PUT', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    const resourceUri = requireResourceScope(ctx, scope!);
    if (!NAME.test(name!)) throw new ApiError(400, 'InvalidResourceName', `Association name '${name}' is invalid.`);
    authorize(ctx.deps.metadata, ctx.caller, `${DCRA_TYPE}/write`, resourceUri);
    const p = parseBody(AssociationBody, ctx.body).properties;
    if (Boolean(p.dataCollectionRuleId) === Boolean(p.dataCollectionEndpointId)) {
      throw new ApiError(400, 'InvalidPayload', 'An association names either properties.dataCollectionRuleId or properties.dataCollectionEndpointId, not both and not neither.');
    }
    const record: DataCollectionRuleAssociationRecord = { resourceUri, name: name!, createdAt: new Date().toISOString(), ...(p.description ? { description: p.description } : {}) };
    if (p.dataCollectionRuleId) {
      const ref = parseDataCollectionRuleId(p.dataCollectionRuleId);
      if (!ref) throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionRuleId: '${p.dataCollectionRuleId}' is not a data collection rule id.`, { target: 'properties.dataCollectionRuleId' });
      // Associating lets the resource's agent send into the rule: the caller must be able to change the rule.
      authorize(ctx.deps.metadata, ctx.caller, `${DCR_TYPE}/write`, p.dataCollectionRuleId);
      const rule = ctx.deps.metadata.dataCollectionRule(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!rule) throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionRuleId: data collection rule '${p.dataCollectionRuleId}' does not exist.`, { target: 'properties.dataCollectionRuleId' });
      record.dataCollectionRuleId = dataCollectionRuleId(rule);
    } else {
      if (name!.toLowerCase() !== CONFIGURATION_ACCESS_ENDPOINT.toLowerCase()) {
        throw new ApiError(400, 'InvalidPayload', `An association that names a data collection endpoint must be named '${CONFIGURATION_ACCESS_ENDPOINT}'.`);
      }
      const ref = parseDataCollectionEndpointId(p.dataCollectionEndpointId!);
      if (!ref) throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionEndpointId: '${p.dataCollectionEndpointId}' is not a data collection endpoint id.`, { target: 'properties.dataCollectionEndpointId' });
      authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/read`, p.dataCollectionEndpointId!);
      const dce = ctx.deps.metadata.dataCollectionEndpoint(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!dce) throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionEndpointId: data collection endpoint '${p.dataCollectionEndpointId}' does not exist.`, { target: 'properties.dataCollectionEndpointId' });
      record.dataCollectionEndpointId = dataCollectionEndpointId(dce);
      record.name = CONFIGURATION_ACCESS_ENDPOINT;
    }
    const existing = associationsOf(ctx, resourceUri).find((x) => x.name.toLowerCase() === name!.toLowerCase());
    ctx.deps.metadata.mutate((state) => {
      state.dataCollectionRuleAssociations = state.dataCollectionRuleAssociations!.filter((x) => x !== existing);
      state.dataCollectionRuleAssociations.push(existing ? { ...record, createdAt: existing.createdAt } : record);
    });
    return { status: existing ? 200 : 201, body: shape(record) };
  });
  router.addExtension('DELETE', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    const resourceUri = requireResourceScope(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${DCRA_TYPE}/delete`, resourceUri);
    const a = associationsOf(ctx, resourceUri).find((x) => x.name.toLowerCase() === name!.toLowerCase());
    if (!a) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.dataCollectionRuleAssociations = state.dataCollectionRuleAssociations!.filter((x) => x !== a);
    });
    return { status: 200 };
  });

  router.add('GET', `/subscriptions/{sub}/resourceGroups/{rg}/providers/${DCR_TYPE}/{rule}/associations`, ({ sub, rg, rule }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const r = ctx.deps.metadata.dataCollectionRule(sub!, rg!, rule!);
    if (!r) throw new ApiError(404, 'ResourceNotFound', `The Resource '${DCR_TYPE}/${rule}' under resource group '${rg}' was not found.`);
    authorize(ctx.deps.metadata, ctx.caller, `${DCR_TYPE}/read`, dataCollectionRuleId(r));
    const id = dataCollectionRuleId(r);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.dataCollectionRuleAssociations().filter((a) => a.dataCollectionRuleId && sameScope(a.dataCollectionRuleId, id))) } };
  });
  router.add('GET', `/subscriptions/{sub}/resourceGroups/{rg}/providers/${DCE_TYPE}/{endpoint}/associations`, ({ sub, rg, endpoint }, ctx) => {
    requireApiVersion(ctx.query, DCRA_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    const e = ctx.deps.metadata.dataCollectionEndpoint(sub!, rg!, endpoint!);
    if (!e) throw new ApiError(404, 'ResourceNotFound', `The Resource '${DCE_TYPE}/${endpoint}' under resource group '${rg}' was not found.`);
    authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/read`, dataCollectionEndpointId(e));
    const id = dataCollectionEndpointId(e);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.dataCollectionRuleAssociations().filter((a) => a.dataCollectionEndpointId && sameScope(a.dataCollectionEndpointId, id))) } };
  });
}
