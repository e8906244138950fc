/**
 * `Microsoft.Insights/diagnosticSettings` (api-version 2021-05-01-preview, as `@azure/arm-monitor`
 * sends it) — an extension resource on:
 *   - a workspace: category `Audit` (or category group `audit` / `allLogs`) turns on the query audit,
 *     whose LAQueryLogs rows go to the setting's destination workspace (the same one or a dedicated
 *     security workspace);
 *   - a subscription: the activity log categories (`Administrative`, …); `Administrative` sends the
 *     AzureActivity rows of control-plane operations to the destination workspace (without any
 *     setting they go to the subscription's default workspace).
 * Only Log Analytics destinations are served. Reading needs `Microsoft.Insights/diagnosticSettings/read`,
 * changing `…/write` / `…/delete` at the resource, and sending to a workspace needs
 * `Microsoft.OperationalInsights/workspaces/sharedKeys/action` on the destination (as in Azure).
 */
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { normalizeScope } from '../authz/scope.js';
import { AZURE_ACTIVITY, LAQUERYLOGS } from '../audit/system-tables.js';
import { materializeStandardTable } from '../metadata/standard-tables.js';
import { ApiError } from '../errors/api-error.js';
import type { DiagnosticSettingRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireScope } from './role-assignments.js';
import { parseBody } from './validation.js';

const TYPE = 'Microsoft.Insights/diagnosticSettings';
const NAME = /^[^<>*%&:\\?/#|]{1,260}$/;
const MAX_PER_RESOURCE = 5;
const WORKSPACE_CATEGORIES = ['Audit'];
const WORKSPACE_GROUPS = ['audit', 'allLogs'];
const ACTIVITY_CATEGORIES = ['Administrative', 'Security', 'ServiceHealth', 'Alert', 'Recommendation', 'Policy', 'Autoscale', 'ResourceHealth'];

const LogSetting = z.object({
  category: z.string().max(256).nullish(),
  categoryGroup: z.string().max(256).nullish(),
  enabled: z.boolean({ message: 'enabled is required (true or false)' }),
  retentionPolicy: z.object({ enabled: z.boolean().nullish(), days: z.number().int().min(0).nullish() }).nullish(),
});

const SettingBody = z.object({
  properties: z
    .object({
      workspaceId: z.string().max(1024).nullish(),
      storageAccountId: z.string().nullish(),
      serviceBusRuleId: z.string().nullish(),
      eventHubAuthorizationRuleId: z.string().nullish(),
      eventHubName: z.string().nullish(),
      marketplacePartnerId: z.string().nullish(),
      logAnalyticsDestinationType: z.string().max(64).nullish(),
      logs: z.array(LogSetting).max(50).nullish(),
      metrics: z.array(z.object({ category: z.string().nullish(), enabled: z.boolean().nullish(), timeGrain: z.string().nullish() }).catchall(z.unknown())).max(50).nullish(),
    })
    .catchall(z.unknown()),
});

export function diagnosticSettingShape(s: DiagnosticSettingRecord) {
  return {
    id: `${s.scope}/providers/microsoft.insights/diagnosticSettings/${s.name}`,
    name: s.name,
    type: TYPE,
    properties: {
      storageAccountId: null,
      serviceBusRuleId: null,
      eventHubAuthorizationRuleId: null,
      eventHubName: null,
      marketplacePartnerId: null,
      workspaceId: s.workspaceId,
      logAnalyticsDestinationType: s.logAnalyticsDestinationType ?? null,
      metrics: [],
      logs: s.logs.map((l) => ({
        category: l.category ?? null,
        categoryGroup: l.categoryGroup ?? null,
        enabled: l.enabled,
        retentionPolicy: { enabled: false, days: 0 },
      })),
    },
  };
}

const notFound = (name: string, scope: string) =>
  new ApiError(404, 'ResourceNotFound', `The diagnostic setting '${name}' does not exist on '${scope}'.`);

/** The resource a setting may sit on: a workspace Vigil knows, or a subscription. */
function requireTarget(ctx: ControlContext, scope: string): { id: string; kind: 'workspace' | 'subscription' } {
  const s = requireScope(ctx, scope);
  if (s.level === 'subscription') return { id: s.id, kind: 'subscription' };
  const ws = parseWorkspaceResourceId(s.id);
  if (ws) {
    const w = ctx.deps.metadata.workspace(ws.subscriptionId, ws.resourceGroup, ws.name);
    if (!w) throw new ApiError(404, 'ResourceNotFound', `The Resource 'Microsoft.OperationalInsights/workspaces/${ws.name}' under resource group '${ws.resourceGroup}' was not found.`);
    return { id: workspaceResourceId(w), kind: 'workspace' };
  }
  throw new ApiError(
    400,
    'ResourceTypeNotSupported',
    `Vigil serves diagnostic settings on Log Analytics workspaces (category 'Audit') and on subscriptions (the activity log), not on '${s.id}'.`,
  );
}

export function registerDiagnosticSettingRoutes(router: ArmRouter<ControlContext>): void {
  const suffix = `/providers/${TYPE}`;
  const at = (ctx: ControlContext, scope: string) => ctx.deps.metadata.diagnosticSettings().filter((s) => normalizeScope(s.scope) === normalizeScope(scope));

  router.addExtension('GET', suffix, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const target = requireTarget(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, target.id);
    return { status: 200, body: { value: at(ctx, target.id).map(diagnosticSettingShape) } };
  });

  router.addExtension('GET', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const target = requireTarget(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, target.id);
    const s = at(ctx, target.id).find((x) => x.name.toLowerCase() === name!.toLowerCase());
    if (!s) throw notFound(name!, target.id);
    return { status: 200, body: diagnosticSettingShape(s) };
  });

  router.addExtension('PUT', `${suffix}/{name}`, async ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const target = requireTarget(ctx, scope!);
    if (!NAME.test(name!)) throw new ApiError(400, 'InvalidParameter', `The diagnostic setting name '${name}' is invalid: use 1-260 characters without < > * % & : \\ ? / # |.`);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, target.id);
    const p = parseBody(SettingBody, ctx.body).properties;
    for (const k of ['storageAccountId', 'serviceBusRuleId', 'eventHubAuthorizationRuleId', 'eventHubName', 'marketplacePartnerId'] as const) {
      if (p[k]) throw new ApiError(400, 'DestinationNotSupported', `properties.${k}: Vigil sends diagnostic data only to Log Analytics workspaces; set properties.workspaceId instead.`, { target: `properties.${k}` });
    }
    if (!p.workspaceId) throw new ApiError(400, 'InvalidParameter', 'properties.workspaceId is required: the ARM id of the Log Analytics workspace to send to.', { target: 'properties.workspaceId' });
    const destId = parseWorkspaceResourceId(p.workspaceId);
    const dest = destId && ctx.deps.metadata.workspace(destId.subscriptionId, destId.resourceGroup, destId.name);
    if (!dest) throw new ApiError(400, 'InvalidParameter', `properties.workspaceId: '${p.workspaceId}' is not a Log Analytics workspace served by this Vigil.`, { target: 'properties.workspaceId' });
    const destArm = workspaceResourceId(dest);
    if (!isAllowed(ctx.deps.metadata, ctx.caller, 'Microsoft.OperationalInsights/workspaces/sharedKeys/action', destArm)) {
      throw new ApiError(
        403,
        'LinkedAuthorizationFailed',
        `The client '${ctx.caller.appId}' with object id '${ctx.caller.objectId}' has permission to change the diagnostic setting but not to send to '${destArm}': it needs 'Microsoft.OperationalInsights/workspaces/sharedKeys/action' there.`,
      );
    }
    const logs = p.logs ?? [];
    if (logs.length === 0) throw new ApiError(400, 'InvalidParameter', 'properties.logs: name at least one log category (e.g. {"category": "Audit", "enabled": true}).', { target: 'properties.logs' });
    const categories = target.kind === 'workspace' ? WORKSPACE_CATEGORIES : ACTIVITY_CATEGORIES;
    const groups = target.kind === 'workspace' ? WORKSPACE_GROUPS : ['allLogs'];
    logs.forEach((l, i) => {
      if (!!l.category === !!l.categoryGroup) {
        throw new ApiError(400, 'InvalidParameter', `properties.logs[${i}]: set exactly one of category and categoryGroup.`, { target: `properties.logs[${i}]` });
      }
      if (l.category && !categories.some((c) => c.toLowerCase() === l.category!.toLowerCase())) {
        throw new ApiError(400, 'InvalidParameter', `properties.logs[${i}].category: '${l.category}' is not a category of this resource; the categories are ${categories.join(', ')}.`, { target: `properties.logs[${i}].category` });
      }
      if (l.categoryGroup && !groups.some((c) => c.toLowerCase() === l.categoryGroup!.toLowerCase())) {
        throw new ApiError(400, 'InvalidParameter', `properties.logs[${i}].categoryGroup: '${l.categoryGroup}' is not a category group of this resource; the groups are ${groups.join(', ')}.`, { target: `properties.logs[${i}].categoryGroup` });
      }
    });
    const existing = at(ctx, target.id);
    const same = existing.find((x) => x.name.toLowerCase() === name!.toLowerCase());
    if (!same && existing.length >= MAX_PER_RESOURCE) {
      throw new ApiError(400, 'InvalidParameter', `A resource has at most ${MAX_PER_RESOURCE} diagnostic settings; '${target.id}' has ${existing.length}.`);
    }
    const clash = existing.find((x) => x !== same && normalizeScope(x.workspaceId) === normalizeScope(destArm));
    if (clash) {
      throw new ApiError(400, 'InvalidParameter', `Data sink '${destArm}' is already used in diagnostic setting '${clash.name}' of this resource; a destination can be named by one setting only.`);
    }
    const record: DiagnosticSettingRecord = {
      name: same?.name ?? name!,
      scope: target.id,
      workspaceId: destArm,
      logs: logs.map((l) => ({
        ...(l.category ? { category: categories.find((c) => c.toLowerCase() === l.category!.toLowerCase())! } : {}),
        ...(l.categoryGroup ? { categoryGroup: groups.find((c) => c.toLowerCase() === l.categoryGroup!.toLowerCase())! } : {}),
        enabled: l.enabled,
      })),
      ...(p.logAnalyticsDestinationType ? { logAnalyticsDestinationType: p.logAnalyticsDestinationType } : {}),
      createdOn: new Date().toISOString(),
      createdBy: ctx.caller.objectId,
    };
    ctx.deps.metadata.mutate((state) => {
      state.diagnosticSettings = state.diagnosticSettings.filter((x) => x !== same);
      state.diagnosticSettings.push(record);
    });
    // The destination's system table exists from now on, so the first record has a place to go.
    if (record.logs.some((l) => l.enabled)) {
      await materializeStandardTable(ctx.deps.metadata, ctx.deps.store, dest, target.kind === 'workspace' ? LAQUERYLOGS : AZURE_ACTIVITY);
    }
    return { status: 200, body: diagnosticSettingShape(record) };
  });

  router.addExtension('DELETE', `${suffix}/{name}`, ({ scope, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const target = requireTarget(ctx, scope!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, target.id);
    const s = at(ctx, target.id).find((x) => x.name.toLowerCase() === name!.toLowerCase());
    if (!s) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.diagnosticSettings = state.diagnosticSettings.filter((x) => x !== s);
    });
    return { status: 200 };
  });
}
