import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import type { ResourceGroupRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';

const ResourceGroupBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).optional(),
});

export const RESOURCE_GROUP_NAME = /^[-\w._()]{1,90}$/;

export function requireSubscription(ctx: ControlContext, sub: string) {
  const s = ctx.deps.metadata.subscription(sub);
  if (!s) throw new ApiError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  return s;
}

export function requireResourceGroup(ctx: ControlContext, sub: string, rg: string): ResourceGroupRecord {
  requireSubscription(ctx, sub);
  const g = ctx.deps.metadata.resourceGroup(sub, rg);
  if (!g) throw new ApiError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  return g;
}

const shape = (g: ResourceGroupRecord) => ({
  id: resourceGroupId(g.subscriptionId, g.name),
  name: g.name,
  type: 'Microsoft.Resources/resourceGroups',
  location: g.location,
  tags: g.tags ?? {},
  properties: { provisioningState: 'Succeeded' },
});

export function registerResourceGroupRoutes(router: ArmRouter<ControlContext>): void {
  const base = '/subscriptions/{sub}/resourceGroups';
  router.add('GET', base, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, 'Microsoft.Resources/resourceGroups');
    requireSubscription(ctx, sub!);
    authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Resources/subscriptions/resourceGroups/read', `/subscriptions/${sub}`);
    return { status: 200, body: { value: ctx.deps.metadata.resourceGroups(sub!).map(shape) } };
  });
  router.add('GET', `${base}/{rg}`, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, 'Microsoft.Resources/resourceGroups');
    authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Resources/subscriptions/resourceGroups/read', resourceGroupId(sub!, rg!));
    return { status: 200, body: shape(requireResourceGroup(ctx, sub!, rg!)) };
  });
  router.add('PUT', `${base}/{rg}`, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, 'Microsoft.Resources/resourceGroups');
    requireSubscription(ctx, sub!);
    if (!RESOURCE_GROUP_NAME.test(rg!) || rg!.endsWith('.')) {
      throw new ApiError(400, 'InvalidResourceGroup', `The provided resource group name '${rg}' has these invalid characters or is too long.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Resources/subscriptions/resourceGroups/write', resourceGroupId(sub!, rg!));
    const body = parseBody(ResourceGroupBody, ctx.body);
    const existing = ctx.deps.metadata.resourceGroup(sub!, rg!);
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) {
        existing.tags = body.tags ?? existing.tags;
        return existing;
      }
      const g: ResourceGroupRecord = { subscriptionId: sub!, name: rg!, location: body.location, tags: body.tags };
      state.resourceGroups.push(g);
      return g;
    });
    return { status: existing ? 200 : 201, body: shape(record) };
  });
}
