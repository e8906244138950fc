/**
 * `GET /subscriptions` and `GET /subscriptions/{id}` (Microsoft.Resources), as the Azure CLI
 * (`az login`), the Python and .NET SDKs call them: the subscriptions where the caller holds any role
 * assignment — at the subscription, below it, or at the root — in Azure's body. A subscription the
 * caller holds nothing on is answered as not found, so its existence is not disclosed.
 */
import { isWithinScope } from '../authz/scope.js';
import type { SubscriptionRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';

/** The Microsoft.Resources subscription api-versions clients send (2016-06-01 … 2022-12-01). */
export const SUBSCRIPTION_VERSIONS = [
  '2014-04-01-preview', '2015-11-01', '2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01',
];

function requireVersion(ctx: ControlContext): void {
  const version = ctx.query.get('api-version');
  if (!version) throw new ApiError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  if (!SUBSCRIPTION_VERSIONS.includes(version)) {
    throw new ApiError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${version}' is invalid. The supported versions are '${SUBSCRIPTION_VERSIONS.join(',')}'.`,
    );
  }
}

function visible(ctx: ControlContext): SubscriptionRecord[] {
  const scopes = ctx.deps.metadata.roleAssignmentsFor(ctx.caller.objectId).map((a) => a.scope);
  return ctx.deps.metadata
    .subscriptions()
    .filter((s) => scopes.some((scope) => isWithinScope(scope, `/subscriptions/${s.subscriptionId}`) || isWithinScope(`/subscriptions/${s.subscriptionId}`, scope)));
}

function shape(s: SubscriptionRecord, tenantId: string) {
  return {
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId,
    displayName: s.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'Vigil_2026-01-01', spendingLimit: 'Off' },
  };
}

export function registerSubscriptionRoutes(router: ArmRouter<ControlContext>): void {
  router.add('GET', '/subscriptions', (_params, ctx) => {
    requireVersion(ctx);
    const value = visible(ctx).map((s) => shape(s, ctx.deps.metadata.tenantId));
    return { status: 200, body: { value, count: { type: 'Total', value: value.length } } };
  });
  router.add('GET', '/subscriptions/{sub}', ({ sub }, ctx) => {
    requireVersion(ctx);
    const s = visible(ctx).find((x) => x.subscriptionId.toLowerCase() === sub!.toLowerCase());
    if (!s) throw new ApiError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    return { status: 200, body: shape(s, ctx.deps.metadata.tenantId) };
  });
}
