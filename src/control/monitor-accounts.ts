/**
 * Azure Monitor workspaces (`Microsoft.Monitor/accounts`, api 2023-04-03): Managed Prometheus accounts.
 * Creating one also creates, as Azure does, the managed resource group `MA_<name>_<location>_managed`
 * and in it the account's default data collection rule (a `prometheusForwarder` source whose
 * `Microsoft-PrometheusMetrics` stream flows to the account), and starts the account's Prometheus
 * server (src/metrics); deleting the account stops that server and deletes its data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { dataCollectionRuleId, resourceGroupId } from '../metadata/resource-ids.js';
import type { DataCollectionRuleRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { MONITOR_ACCOUNT_TYPE, monitorAccountId, type MonitorAccountRecord } from '../metrics/records.js';
import { PROMETHEUS_STREAM, queryEndpointPath, remoteWritePath } from '../metrics/endpoints.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const TYPE = MONITOR_ACCOUNT_TYPE;
/** Azure's pattern `^(?!-)[a-zA-Z0-9-]+[^-]$`, bounded (the managed resource group name must stay within 90 characters). */
const ACCOUNT_NAME = /^(?!-)[a-zA-Z0-9-]{1,43}[a-zA-Z0-9]$/;
const DESTINATION = 'MonitoringAccount1';

const AccountBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z.object({ publicNetworkAccess: z.enum(['Enabled', 'Disabled']).nullish() }).catchall(z.unknown()).nullish(),
});
const AccountPatch = z.object({ tags: z.record(z.string(), z.string()).nullish() }).catchall(z.unknown());

/** Accounts being created or deleted (ARM ids, lower case): a second request for one meanwhile is a 409. */
const inFlight = new Set<string>();
function exclusive<T>(id: string, run: () => Promise<T>): Promise<T> {
  const key = id.toLowerCase();
  if (inFlight.has(key)) throw new ApiError(409, 'Conflict', `Another operation on '${id}' is in progress; retry when it has finished.`);
  inFlight.add(key);
  return run().finally(() => inFlight.delete(key));
}

const managedResourceGroupName = (name: string, location: string) => `MA_${name}_${location.toLowerCase().replace(/\s+/g, '')}_managed`;

export function accountShape(a: MonitorAccountRecord, baseUrl: string) {
  return {
    id: monitorAccountId(a),
    name: a.name,
    type: TYPE,
    location: a.location,
    tags: a.tags ?? {},
    properties: {
      accountId: a.accountId,
      metrics: { prometheusQueryEndpoint: `${baseUrl}${queryEndpointPath(a.accountId)}`, internalId: a.internalId },
      provisioningState: 'Succeeded',
      defaultIngestionSettings: {
        dataCollectionRuleResourceId: a.defaultDataCollectionRuleResourceId,
        dataCollectionEndpointResourceId: a.defaultDataCollectionEndpointResourceId,
        // In Azure's preview api-versions; here always, so clients find the remote-write URL.
        dataCollectionRuleImmutableId: a.defaultDataCollectionRuleImmutableId,
        ingestionEndpoints: { metrics: `${baseUrl}${remoteWritePath(a.defaultDataCollectionRuleImmutableId)}` },
      },
      publicNetworkAccess: a.publicNetworkAccess,
      privateEndpointConnections: [],
    },
  };
}

function defaultRule(a: MonitorAccountRecord, ruleName: string): DataCollectionRuleRecord {
  return {
    subscriptionId: a.subscriptionId,
    resourceGroup: a.managedResourceGroup,
    name: ruleName,
    location: a.location,
    description: `Default data collection rule of Azure Monitor workspace '${a.name}' (remote write of Prometheus metrics).`,
    immutableId: a.defaultDataCollectionRuleImmutableId,
    dataCollectionEndpointId: a.defaultDataCollectionEndpointResourceId,
    streamDeclarations: {},
    dataSources: { prometheusForwarder: [{ name: 'PrometheusDataSource', streams: [PROMETHEUS_STREAM], labelIncludeFilter: {} }] },
    destinations: { logAnalytics: [], monitoringAccounts: [{ name: DESTINATION, accountResourceId: monitorAccountId(a), accountId: a.accountId }] },
    dataFlows: [{ streams: [PROMETHEUS_STREAM], destinations: [DESTINATION], transformKql: 'source', outputStream: PROMETHEUS_STREAM }],
    createdAt: a.createdAt,
  };
}

export function registerMonitorAccountRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Monitor/accounts';
  const base = (ctx: ControlContext) => ctx.deps.publicBaseUrl?.() ?? '';
  const visible = (ctx: ControlContext, accounts: MonitorAccountRecord[]) =>
    accounts.filter((a) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, monitorAccountId(a))).map((a) => accountShape(a, base(ctx)));
  const idOf = (sub: string, rg: string, name: string) => `${resourceGroupId(sub, rg)}/providers/${TYPE}/${name}`;

  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.Monitor/accounts', ({ sub }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.monitorAccounts({ subscriptionId: sub })) } };
  });
  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.monitorAccounts({ subscriptionId: sub, resourceGroup: rg })) } };
  });
  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, idOf(sub!, rg!, name!));
    requireResourceGroup(ctx, sub!, rg!);
    const a = ctx.deps.metadata.monitorAccount(sub!, rg!, name!);
    if (!a) throw resourceNotFound(TYPE, name!, rg!);
    return { status: 200, body: accountShape(a, base(ctx)) };
  });

  router.add('PUT', `${rgBase}/{name}`, async ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    if (!ACCOUNT_NAME.test(name!)) {
      throw new ApiError(400, 'InvalidResourceName', `Azure Monitor workspace name '${name}' is invalid: use 2-44 letters, digits and hyphens, not starting or ending with a hyphen.`);
    }
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, idOf(sub!, rg!, name!));
    const body = parseBody(AccountBody, ctx.body);
    const now = new Date().toISOString();
    const existing = ctx.deps.metadata.monitorAccount(sub!, rg!, name!);
    if (existing) {
      if (body.location.toLowerCase().replace(/\s+/g, '') !== existing.location.toLowerCase().replace(/\s+/g, '')) {
        throw new ApiError(400, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${existing.location}'; a resource cannot be moved by changing its location.`);
      }
      const record = ctx.deps.metadata.mutate(() => {
        existing.tags = body.tags ?? undefined;
        if (body.properties?.publicNetworkAccess) existing.publicNetworkAccess = body.properties.publicNetworkAccess;
        existing.modifiedAt = now;
        return existing;
      });
      return { status: 200, body: accountShape(record, base(ctx)) };
    }
    // Without a Prometheus to run there is no account to make: say what to install, change nothing.
    const prometheus = ctx.deps.prometheus;
    if (!prometheus) throw new ApiError(409, 'PrometheusNotInstalled', 'Azure Monitor workspaces are not enabled on this Vigil.');
    prometheus.requireBinary();
    const managedResourceGroup = managedResourceGroupName(name!, body.location);
    const ruleName = name!;
    const accountId = randomUUID();
    const record: MonitorAccountRecord = {
      subscriptionId: sub!,
      resourceGroup: rg!,
      name: name!,
      location: body.location,
      tags: body.tags ?? undefined,
      accountId,
      internalId: `mac_${accountId}`,
      publicNetworkAccess: body.properties?.publicNetworkAccess ?? 'Enabled',
      defaultDataCollectionRuleResourceId: dataCollectionRuleId({ subscriptionId: sub!, resourceGroup: managedResourceGroup, name: ruleName }),
      defaultDataCollectionRuleImmutableId: `dcr-${randomBytes(16).toString('hex')}`,
      defaultDataCollectionEndpointResourceId: `${resourceGroupId(sub!, managedResourceGroup)}/providers/Microsoft.Insights/dataCollectionEndpoints/${name}`,
      managedResourceGroup,
      createdAt: now,
      modifiedAt: now,
    };
    const label = monitorAccountId(record);
    return exclusive(label, async () => {
      // The server first: an account whose Prometheus cannot start is not created.
      try {
        await prometheus.ensure(accountId, label);
      } catch (err) {
        await prometheus.remove(accountId);
        throw err;
      }
      try {
        ctx.deps.metadata.mutate((state) => {
          if (ctx.deps.metadata.monitorAccount(sub!, rg!, name!)) throw new ApiError(409, 'Conflict', `The Azure Monitor workspace '${name}' was created meanwhile; send the request again to update it.`);
          if (!ctx.deps.metadata.resourceGroup(sub!, managedResourceGroup)) {
            state.resourceGroups.push({ subscriptionId: sub!, name: managedResourceGroup, location: body.location, tags: { 'managed-by': label } });
          }
          state.dataCollectionRules = state.dataCollectionRules.filter(
            (r) => !(r.subscriptionId.toLowerCase() === sub!.toLowerCase() && r.resourceGroup.toLowerCase() === managedResourceGroup.toLowerCase() && r.name.toLowerCase() === ruleName.toLowerCase()),
          );
          state.dataCollectionRules.push(defaultRule(record, ruleName));
          (state.monitorAccounts ??= []).push(record);
        });
      } catch (err) {
        await prometheus.remove(accountId);
        throw err;
      }
      return { status: 201, body: accountShape(record, base(ctx)) };
    });
  });

  router.add('PATCH', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, idOf(sub!, rg!, name!));
    requireResourceGroup(ctx, sub!, rg!);
    const a = ctx.deps.metadata.monitorAccount(sub!, rg!, name!);
    if (!a) throw resourceNotFound(TYPE, name!, rg!);
    const body = parseBody(AccountPatch, ctx.body);
    const record = ctx.deps.metadata.mutate(() => {
      if (body.tags) a.tags = body.tags;
      a.modifiedAt = new Date().toISOString();
      return a;
    });
    return { status: 200, body: accountShape(record, base(ctx)) };
  });

  router.add('DELETE', `${rgBase}/{name}`, async ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, idOf(sub!, rg!, name!));
    requireResourceGroup(ctx, sub!, rg!);
    const a = ctx.deps.metadata.monitorAccount(sub!, rg!, name!);
    if (!a) return { status: 204 };
    return exclusive(monitorAccountId(a), async () => {
      const ruleId = a.defaultDataCollectionRuleResourceId.toLowerCase();
      ctx.deps.metadata.mutate((state) => {
        state.monitorAccounts = (state.monitorAccounts ?? []).filter((x) => x !== a);
        state.dataCollectionRules = state.dataCollectionRules.filter((r) => dataCollectionRuleId(r).toLowerCase() !== ruleId);
        // The managed resource group goes with the account when nothing else was put in it.
        const inGroup = (r: { subscriptionId: string; resourceGroup: string }) =>
          r.subscriptionId.toLowerCase() === a.subscriptionId.toLowerCase() && r.resourceGroup.toLowerCase() === a.managedResourceGroup.toLowerCase();
        const empty = ![...state.workspaces, ...state.dataCollectionRules, ...(state.monitorAccounts ?? []), ...state.userAssignedIdentities].some(inGroup);
        if (empty) state.resourceGroups = state.resourceGroups.filter((g) => !inGroup({ subscriptionId: g.subscriptionId, resourceGroup: g.name }));
      });
      await ctx.deps.prometheus?.remove(a.accountId);
      return { status: 204 };
    });
  });
}
