/**
 * `Microsoft.Insights/actionGroups` with webhook receivers (reference §8.2):
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/actionGroups/{name}
 *   GET …/resourceGroups/{rg}/providers/Microsoft.Insights/actionGroups  and  /subscriptions/{s}/providers/…
 *
 * Webhook receivers are served, and Logic App (`callbackUrl`) and Azure Function (`httpTriggerUrl`)
 * receivers, which are webhooks behind a callback URL and go through the same delivery and SSRF
 * checks; email receivers when an SMTP relay is configured (`--alert-smtp-url`), and are refused
 * otherwise. A body with other receiver kinds (SMS, voice, push, ITSM, runbook, ARM role, event
 * hub, incident) is refused with 400 `UnsupportedReceiverType` rather than accepted and silently never
 * notified. Receiver URLs must be https; receiver names are unique across the group. A secure webhook
 * (`useAadAuth`) needs the `identifierUri` its tokens are issued for, which may not be an audience that
 * Vigil itself accepts (so a webhook token can never be replayed against Vigil).
 */
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { ALL_AUDIENCES } from '../identity/audiences.js';
import { ACTION_GROUP_TYPE, actionGroupResourceId } from '../alerts/ids.js';
import type { ActionGroupRecord } from '../alerts/records.js';
import { resourceGroupId } from '../metadata/resource-ids.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const NAME = /^[^*#&+:<>?@%{}\\/]{1,260}$/;
const OTHER_RECEIVERS = [
  'smsReceivers', 'itsmReceivers', 'azureAppPushReceivers', 'automationRunbookReceivers', 'voiceReceivers',
  'armRoleReceivers', 'eventHubReceivers', 'incidentReceivers',
] as const;

const httpsUrl = (field: string) =>
  z
    .string({ message: `${field} is required` })
    .url(`${field} must be an absolute URL`)
    .refine((u) => u.startsWith('https://'), 'Vigil sends webhooks over https only');

const EmailReceiver = z.object({
  name: z.string().min(1, 'a receiver needs a name').max(260),
  emailAddress: z.string().email('emailAddress must be an email address').max(254),
  useCommonAlertSchema: z.boolean().nullish(),
  status: z.string().nullish(),
});

const LogicAppReceiver = z.object({
  name: z.string().min(1, 'a receiver needs a name').max(260),
  resourceId: z.string().min(1, 'resourceId (the Logic App) is required'),
  callbackUrl: httpsUrl('callbackUrl'),
  useCommonAlertSchema: z.boolean().nullish(),
  managedIdentity: z.string().nullish(),
});

const AzureFunctionReceiver = z.object({
  name: z.string().min(1, 'a receiver needs a name').max(260),
  functionAppResourceId: z.string().min(1, 'functionAppResourceId is required'),
  functionName: z.string().min(1, 'functionName is required'),
  httpTriggerUrl: httpsUrl('httpTriggerUrl'),
  useCommonAlertSchema: z.boolean().nullish(),
  managedIdentity: z.string().nullish(),
});

const WebhookReceiver = z.object({
  name: z.string().min(1, 'a receiver needs a name').max(260),
  serviceUri: z
    .string()
    .url('serviceUri must be an absolute URL')
    .refine((u) => u.startsWith('https://'), 'Vigil sends webhooks over https only'),
  useCommonAlertSchema: z.boolean().nullish(),
  useAadAuth: z.boolean().nullish(),
  objectId: z.string().nullish(),
  identifierUri: z.string().nullish(),
  tenantId: z.string().nullish(),
  managedIdentity: z.string().nullish(),
});

const GroupBody = z.object({
  location: z.string().min(1, 'location is required'),
  tags: z.record(z.string(), z.string()).nullish(),
  identity: z.unknown().optional(),
  properties: z
    .object({
      groupShortName: z.string().min(1, 'groupShortName is required').max(12, 'groupShortName has at most 12 characters'),
      enabled: z.boolean({ message: 'enabled is required' }),
      webhookReceivers: z.array(WebhookReceiver).max(10).nullish(),
      emailReceivers: z.array(EmailReceiver).max(1000).nullish(),
      logicAppReceivers: z.array(LogicAppReceiver).max(10).nullish(),
      azureFunctionReceivers: z.array(AzureFunctionReceiver).max(10).nullish(),
    })
    .catchall(z.unknown()),
});

function shape(g: ActionGroupRecord) {
  return {
    id: actionGroupResourceId(g),
    name: g.name,
    type: 'Microsoft.Insights/ActionGroups',
    location: g.location,
    tags: g.tags ?? {},
    properties: {
      groupShortName: g.groupShortName,
      enabled: g.enabled,
      webhookReceivers: g.webhookReceivers.map((r) => ({
        name: r.name,
        serviceUri: r.serviceUri,
        useCommonAlertSchema: r.useCommonAlertSchema,
        useAadAuth: r.useAadAuth,
        ...(r.useAadAuth ? { objectId: r.objectId, identifierUri: r.identifierUri, tenantId: r.tenantId } : {}),
      })),
      emailReceivers: (g.emailReceivers ?? []).map((r) => ({ name: r.name, emailAddress: r.emailAddress, useCommonAlertSchema: r.useCommonAlertSchema, status: 'Enabled' })),
      logicAppReceivers: (g.logicAppReceivers ?? []).map((r) => ({ name: r.name, resourceId: r.resourceId, callbackUrl: r.callbackUrl, useCommonAlertSchema: r.useCommonAlertSchema })),
      azureFunctionReceivers: (g.azureFunctionReceivers ?? []).map((r) => ({
        name: r.name,
        functionAppResourceId: r.functionAppResourceId,
        functionName: r.functionName,
        httpTriggerUrl: r.httpTriggerUrl,
        useCommonAlertSchema: r.useCommonAlertSchema,
      })),
      ...Object.fromEntries(OTHER_RECEIVERS.map((k) => [k, []])),
    },
  };
}

function requireGroup(ctx: ControlContext, sub: string, rg: string, name: string): ActionGroupRecord {
  requireResourceGroup(ctx, sub, rg);
  const g = ctx.deps.metadata.actionGroup(sub, rg, name);
  if (!g) throw resourceNotFound(ACTION_GROUP_TYPE, name, rg);
  return g;
}

export function registerActionGroupRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${ACTION_GROUP_TYPE}`;
  const readable = (ctx: ControlContext, list: ActionGroupRecord[]) =>
    list.filter((g) => isAllowed(ctx.deps.metadata, ctx.caller, `${ACTION_GROUP_TYPE}/read`, actionGroupResourceId(g))).map(shape);

  router.add('GET', `/subscriptions/{sub}/providers/${ACTION_GROUP_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, ACTION_GROUP_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.actionGroups({ subscriptionId: sub })) } };
  });

  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, ACTION_GROUP_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.actionGroups({ subscriptionId: sub, resourceGroup: rg })) } };
  });

  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, ACTION_GROUP_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${ACTION_GROUP_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${ACTION_GROUP_TYPE}/${name}`);
    return { status: 200, body: shape(requireGroup(ctx, sub!, rg!, name!)) };
  });

  const upsert = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, name } = p as { sub: string; rg: string; name: string };
    requireApiVersion(ctx.query, ACTION_GROUP_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${ACTION_GROUP_TYPE}/write`, `${resourceGroupId(sub, rg)}/providers/${ACTION_GROUP_TYPE}/${name}`);
    requireResourceGroup(ctx, sub, rg);
    if (!NAME.test(name)) throw new ApiError(400, 'InvalidResourceName', `The action group name '${name}' is invalid.`);
    const existing = ctx.deps.metadata.actionGroup(sub, rg, name);
    let raw = ctx.body;
    if (patch) {
      const g = requireGroup(ctx, sub, rg, name);
      const b = (ctx.body ?? {}) as { tags?: Record<string, string>; properties?: { enabled?: boolean } };
      const current = shape(g);
      raw = { location: g.location, tags: b.tags ?? g.tags, properties: { ...current.properties, ...(typeof b.properties?.enabled === 'boolean' ? { enabled: b.properties.enabled } : {}) } };
    }
    const body = parseBody(GroupBody, raw);
    for (const k of OTHER_RECEIVERS) {
      const v = body.properties[k];
      if (Array.isArray(v) && v.length > 0) {
        throw new ApiError(400, 'UnsupportedReceiverType', `properties.${k}: Vigil delivers alerts to webhook, Logic App, Azure Function and email receivers only; remove the ${k} (nothing would be notified through them).`);
      }
    }
    const emails = body.properties.emailReceivers ?? [];
    if (emails.length > 0 && !ctx.deps.alerts?.emailEnabled) {
      throw new ApiError(400, 'UnsupportedReceiverType', 'properties.emailReceivers: this Vigil has no SMTP relay to send email through (an operator starts it with --alert-smtp-url); remove the emailReceivers (nothing would be notified through them).');
    }
    const receivers = body.properties.webhookReceivers ?? [];
    const logicApps = body.properties.logicAppReceivers ?? [];
    const functions = body.properties.azureFunctionReceivers ?? [];
    const names = new Set<string>();
    for (const r of [...receivers, ...emails, ...logicApps, ...functions]) {
      if (names.has(r.name.toLowerCase())) throw new ApiError(400, 'InvalidRequestContent', `The receiver name '${r.name}' is used twice; receiver names are unique in an action group.`);
      names.add(r.name.toLowerCase());
    }
    for (const r of receivers) {
      if (r.useAadAuth) {
        if (!r.identifierUri) throw new ApiError(400, 'InvalidRequestContent', `The secure webhook '${r.name}' (useAadAuth) needs an identifierUri: the audience of the tokens it receives.`);
        const base = ctx.deps.publicBaseUrl?.() ?? '';
        const own = [...ALL_AUDIENCES, base].filter(Boolean).map((a) => a.replace(/\/+$/, '').toLowerCase());
        if (own.includes(r.identifierUri.replace(/\/+$/, '').toLowerCase())) {
          throw new ApiError(400, 'InvalidRequestContent', `The identifierUri of '${r.name}' is an audience Vigil itself accepts; use the App ID URI of the webhook's own application.`);
        }
      }
    }
    const record = ctx.deps.metadata.mutate((state) => {
      const list = (state.actionGroups ??= []);
      const next: ActionGroupRecord = {
        subscriptionId: existing?.subscriptionId ?? sub,
        resourceGroup: existing?.resourceGroup ?? rg,
        name: existing?.name ?? name,
        location: existing?.location ?? body.location,
        tags: body.tags ?? undefined,
        groupShortName: body.properties.groupShortName,
        enabled: body.properties.enabled,
        webhookReceivers: receivers.map((r) => ({
          name: r.name,
          serviceUri: r.serviceUri,
          useCommonAlertSchema: r.useCommonAlertSchema ?? false,
          useAadAuth: r.useAadAuth ?? false,
          ...(r.useAadAuth ? { objectId: r.objectId ?? undefined, identifierUri: r.identifierUri!, tenantId: r.tenantId ?? state.tenantId } : {}),
        })),
        ...(emails.length > 0 ? { emailReceivers: emails.map((r) => ({ name: r.name, emailAddress: r.emailAddress, useCommonAlertSchema: r.useCommonAlertSchema ?? false })) } : {}),
        ...(logicApps.length > 0
          ? { logicAppReceivers: logicApps.map((r) => ({ name: r.name, resourceId: r.resourceId, callbackUrl: r.callbackUrl, useCommonAlertSchema: r.useCommonAlertSchema ?? false })) }
          : {}),
        ...(functions.length > 0
          ? {
              azureFunctionReceivers: functions.map((r) => ({
                name: r.name,
                functionAppResourceId: r.functionAppResourceId,
                functionName: r.functionName,
                httpTriggerUrl: r.httpTriggerUrl,
                useCommonAlertSchema: r.useCommonAlertSchema ?? false,
              })),
            }
          : {}),
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      };
      const i = existing ? list.findIndex((g) => g.subscriptionId === existing.subscriptionId && g.resourceGroup === existing.resourceGroup && g.name === existing.name) : -1;
      if (i >= 0) list[i] = next;
      else list.push(next);
      return next;
    });
    return { status: existing ? 200 : 201, body: shape(record) };
  };
  router.add('PUT', `${rgBase}/{name}`, upsert(false));
  router.add('PATCH', `${rgBase}/{name}`, upsert(true));

  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, ACTION_GROUP_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${ACTION_GROUP_TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${ACTION_GROUP_TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const g = ctx.deps.metadata.actionGroup(sub!, rg!, name!);
    if (!g) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.actionGroups = (state.actionGroups ?? []).filter((x) => x !== g);
    });
    return { status: 200 };
  });
}
