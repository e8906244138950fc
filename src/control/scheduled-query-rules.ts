/**
 * `Microsoft.Insights/scheduledQueryRules` — log search alert rules (reference §8.1, wave 2 §5.3):
 *   PUT|PATCH|GET|DELETE /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/scheduledQueryRules/{name}
 *   GET …/resourceGroups/{rg}/providers/Microsoft.Insights/scheduledQueryRules  and  /subscriptions/{s}/providers/…
 *   GET …/scheduledQueryRules/{name}/evaluations   (Vigil: the rule's evaluation history, newest first)
 *
 * Least privilege: writing a rule needs `scheduledQueryRules/write` on it (Monitoring Contributor);
 * giving it a user-assigned identity also needs `userAssignedIdentities/assign/action` on that
 * identity. The rule's query always runs as its managed identity, never as its author: a rule without
 * an identity (as 2021-08-01 bodies are) gets a system-assigned one, which holds no role until one is
 * assigned to its `principalId`. The system-assigned principal is created with the rule and removed
 * with it (its role assignments too).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { ACTION_GROUP_TYPE, parseResourceId, RULE_TYPE, ruleResourceId } from '../alerts/ids.js';
import type { ScheduledQueryRuleRecord } from '../alerts/records.js';
import { parseWorkspaceResourceId, resourceGroupId } from '../metadata/resource-ids.js';
import { parseDurationMs } from '../query/timespan.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';

const UAMI_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const NAME = /^[^*#&+:<>?@%{}\\/]{1,260}$/;

const Condition = z.object({
  criterionType: z.string().nullish(),
  query: z.string().min(1, 'query is required').max(20_000),
  timeAggregation: z.enum(['Count', 'Average', 'Minimum', 'Maximum', 'Total']),
  metricMeasureColumn: z.string().nullish(),
  resourceIdColumn: z.string().nullish(),
  dimensions: z
    .array(z.object({ name: z.string().min(1), operator: z.enum(['Include', 'Exclude']), values: z.array(z.string()).min(1) }))
    .max(6)
    .nullish(),
  operator: z.enum(['Equals', 'GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual']),
  threshold: z.number({ message: 'threshold is required' }).finite(),
  failingPeriods: z
    .object({ numberOfEvaluationPeriods: z.number().int().min(1).max(6), minFailingPeriodsToAlert: z.number().int().min(1).max(6) })
    .nullish(),
  metricName: z.string().nullish(),
});

const RuleBody = z.object({
  location: z.string().min(1, 'location is required'),
  kind: z.string().nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  identity: z
    .object({
      type: z.enum(['None', 'SystemAssigned', 'UserAssigned']),
      userAssignedIdentities: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  properties: z
    .object({
      displayName: z.string().max(260).nullish(),
      description: z.string().max(2048).nullish(),
      severity: z.number().int().min(0).max(4),
      enabled: z.boolean().nullish(),
      scopes: z.array(z.string()).min(1, 'scopes needs one workspace').max(10),
      targetResourceTypes: z.array(z.string()).nullish(),
      evaluationFrequency: z.string(),
      windowSize: z.string(),
      overrideQueryTimeRange: z.string().nullish(),
      criteria: z.object({ allOf: z.array(Condition).length(1, 'criteria.allOf holds exactly one condition') }),
      muteActionsDuration: z.string().nullish(),
      autoMitigate: z.boolean().nullish(),
      actions: z
        .object({
          actionGroups: z.array(z.string()).max(5).nullish(),
          customProperties: z.record(z.string(), z.string()).nullish(),
          actionProperties: z.record(z.string(), z.string()).nullish(),
        })
        .nullish(),
      checkWorkspaceAlertsStorageConfigured: z.boolean().nullish(),
      skipQueryValidation: z.boolean().nullish(),
    })
    .catchall(z.unknown()),
});

function shape(ctx: ControlContext, r: ScheduledQueryRuleRecord) {
  let identity: unknown;
  if (r.identity.type === 'SystemAssigned') identity = { type: 'SystemAssigned', principalId: r.identity.principalId, tenantId: ctx.deps.metadata.tenantId };
  else {
    const ref = parseResourceId(r.identity.resourceId, UAMI_TYPE);
    const i = ref && ctx.deps.metadata.userAssignedIdentity(ref.subscriptionId, ref.resourceGroup, ref.name);
    identity = { type: 'UserAssigned', userAssignedIdentities: { [r.identity.resourceId]: i ? { principalId: i.principalId, clientId: i.clientId } : {} } };
  }
  const id = ruleResourceId(r);
  return {
    id,
    name: r.name,
    type: RULE_TYPE,
    location: r.location,
    kind: r.kind,
    tags: r.tags ?? {},
    identity,
    systemData: { createdBy: r.createdBy, createdByType: 'Application', createdAt: r.createdAt, lastModifiedBy: r.updatedBy, lastModifiedByType: 'Application', lastModifiedAt: r.updatedAt },
    properties: {
      createdWithApiVersion: r.createdWithApiVersion,
      isLegacyLogAnalyticsRule: false,
      ...(r.displayName ? { displayName: r.displayName } : {}),
      ...(r.description ? { description: r.description } : {}),
      severity: r.severity,
      enabled: r.enabled,
      scopes: r.scopes,
      ...(r.targetResourceTypes ? { targetResourceTypes: r.targetResourceTypes } : {}),
      evaluationFrequency: r.evaluationFrequency,
      windowSize: r.windowSize,
      ...(r.overrideQueryTimeRange ? { overrideQueryTimeRange: r.overrideQueryTimeRange } : {}),
      criteria: {
        allOf: r.criteria.allOf.map((c) => ({
          query: c.query,
          timeAggregation: c.timeAggregation,
          ...(c.metricMeasureColumn ? { metricMeasureColumn: c.metricMeasureColumn } : {}),
          ...(c.resourceIdColumn ? { resourceIdColumn: c.resourceIdColumn } : {}),
          dimensions: c.dimensions,
          operator: c.operator,
          threshold: c.threshold,
          failingPeriods: c.failingPeriods,
        })),
      },
      ...(r.muteActionsDuration ? { muteActionsDuration: r.muteActionsDuration } : {}),
      autoMitigate: r.autoMitigate,
      actions: { actionGroups: r.actions.actionGroups, customProperties: r.actions.customProperties ?? {}, actionProperties: r.actions.actionProperties ?? {} },
      isWorkspaceAlertsStorageConfigured: false,
      checkWorkspaceAlertsStorageConfigured: false,
      skipQueryValidation: false,
      /** Vigil: the last evaluation (outcome, error) and the alerts fired now. */
      evaluationStatus: ctx.deps.alerts?.status(id) ?? null,
    },
  };
}

function requireRule(ctx: ControlContext, sub: string, rg: string, name: string): ScheduledQueryRuleRecord {
  requireResourceGroup(ctx, sub, rg);
  const r = ctx.deps.metadata.scheduledQueryRule(sub, rg, name);
  if (!r) throw resourceNotFound(RULE_TYPE, name, rg);
  return r;
}

const bad = (message: string, target?: string) => new ApiError(400, 'BadRequest', message, target ? { target } : {});

export function registerScheduledQueryRuleRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${RULE_TYPE}`;
  const readable = (ctx: ControlContext, list: ScheduledQueryRuleRecord[]) =>
    list.filter((r) => isAllowed(ctx.deps.metadata, ctx.caller, `${RULE_TYPE}/read`, ruleResourceId(r))).map((r) => shape(ctx, r));

  router.add('GET', `/subscriptions/{sub}/providers/${RULE_TYPE}`, ({ sub }, ctx) => {
    requireApiVersion(ctx.query, RULE_TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.scheduledQueryRules({ subscriptionId: sub })) } };
  });

  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, RULE_TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: readable(ctx, ctx.deps.metadata.scheduledQueryRules({ subscriptionId: sub, resourceGroup: rg })) } };
  });

  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, RULE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${RULE_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${RULE_TYPE}/${name}`);
    return { status: 200, body: shape(ctx, requireRule(ctx, sub!, rg!, name!)) };
  });

  router.add('GET', `${rgBase}/{name}/evaluations`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, RULE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${RULE_TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${RULE_TYPE}/${name}`);
    const r = requireRule(ctx, sub!, rg!, name!);
    return { status: 200, body: { value: ctx.deps.alerts?.history(ruleResourceId(r)) ?? [] } };
  });

  const upsert = (patch: boolean) => (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, name } = p as { sub: string; rg: string; name: string };
    const apiVersion = requireApiVersion(ctx.query, RULE_TYPE);
    const ruleId = `${resourceGroupId(sub, rg)}/providers/${RULE_TYPE}/${name}`;
    authorize(ctx.deps.metadata, ctx.caller, `${RULE_TYPE}/write`, ruleId);
    requireResourceGroup(ctx, sub, rg);
    if (!NAME.test(name)) throw new ApiError(400, 'InvalidResourceName', `The rule name '${name}' is invalid.`);
    const existing = ctx.deps.metadata.scheduledQueryRule(sub, rg, name);
    let raw = ctx.body;
    if (patch) {
      const current = shape(ctx, requireRule(ctx, sub, rg, name));
      const b = (ctx.body ?? {}) as { tags?: unknown; identity?: unknown; properties?: Record<string, unknown> };
      raw = {
        location: current.location,
        kind: current.kind,
        tags: b.tags ?? current.tags,
        identity: b.identity ?? current.identity,
        properties: { ...current.properties, ...(b.properties ?? {}) },
      };
    }
    const body = parseBody(RuleBody, raw);
    const props = body.properties;
    if (body.kind && body.kind !== 'LogAlert') throw bad(`kind '${body.kind}' is not supported by Vigil; use 'LogAlert'.`, 'kind');
    const frequency = parseDurationMs(props.evaluationFrequency);
    const window = parseDurationMs(props.windowSize);
    const min = ctx.deps.alerts?.minFrequencyMs ?? 60_000;
    if (frequency === undefined || frequency < min || frequency > 24 * 3_600_000) {
      throw bad(`evaluationFrequency '${props.evaluationFrequency}' must be an ISO 8601 duration from ${min / 1000} seconds to 1 day.`, 'properties.evaluationFrequency');
    }
    if (window === undefined || window < frequency || window > 2 * 24 * 3_600_000) {
      throw bad(`windowSize '${props.windowSize}' must be an ISO 8601 duration of at least the evaluationFrequency and at most 2 days.`, 'properties.windowSize');
    }
    if (props.overrideQueryTimeRange) {
      const range = parseDurationMs(props.overrideQueryTimeRange);
      if (range === undefined || range < window || range > 2 * 24 * 3_600_000) {
        throw bad(`overrideQueryTimeRange '${props.overrideQueryTimeRange}' must be an ISO 8601 duration from the windowSize to 2 days.`, 'properties.overrideQueryTimeRange');
      }
    }
    for (const unsupported of ['resolveConfiguration', 'ruleResolveConfiguration'] as const) {
      if (props[unsupported] !== undefined && props[unsupported] !== null) {
        throw bad(`properties.${unsupported} is not supported by Vigil: alerts resolve with autoMitigate when the condition no longer holds.`, `properties.${unsupported}`);
      }
    }
    if (props.muteActionsDuration && parseDurationMs(props.muteActionsDuration) === undefined) {
      throw bad(`muteActionsDuration '${props.muteActionsDuration}' is not an ISO 8601 duration.`, 'properties.muteActionsDuration');
    }
    props.scopes.forEach((s, i) => {
      const ref = parseWorkspaceResourceId(s);
      const w = ref && ctx.deps.metadata.workspace(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!w) throw bad(`scopes[${i}]: '${s}' is not an existing Log Analytics workspace (Vigil's log search alerts are scoped to workspaces).`, `properties.scopes[${i}]`);
    });
    const condition = props.criteria.allOf[0]!;
    if (condition.timeAggregation !== 'Count' && !condition.metricMeasureColumn) {
      throw bad(`timeAggregation '${condition.timeAggregation}' needs a metricMeasureColumn.`, 'properties.criteria.allOf[0].metricMeasureColumn');
    }
    const failingPeriods = condition.failingPeriods ?? { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 };
    if (failingPeriods.minFailingPeriodsToAlert > failingPeriods.numberOfEvaluationPeriods) {
      throw bad('failingPeriods.minFailingPeriodsToAlert cannot exceed numberOfEvaluationPeriods.', 'properties.criteria.allOf[0].failingPeriods');
    }
    const actionGroups = props.actions?.actionGroups ?? [];
    actionGroups.forEach((id, i) => {
      const ref = parseResourceId(id, ACTION_GROUP_TYPE);
      if (!ref || !ctx.deps.metadata.actionGroup(ref.subscriptionId, ref.resourceGroup, ref.name)) {
        throw bad(`actions.actionGroups[${i}]: the action group '${id}' does not exist.`, `properties.actions.actionGroups[${i}]`);
      }
    });
    // The identity the query will run as.
    let identity: ScheduledQueryRuleRecord['identity'];
    if (body.identity?.type === 'UserAssigned') {
      const ids = Object.keys(body.identity.userAssignedIdentities ?? {});
      if (ids.length !== 1) throw bad('identity.userAssignedIdentities must name exactly one user-assigned identity.', 'identity.userAssignedIdentities');
      const ref = parseResourceId(ids[0]!, UAMI_TYPE);
      // Attaching an identity is acting as it: the same right as in Azure.
      if (ref) authorize(ctx.deps.metadata, ctx.caller, `${UAMI_TYPE}/assign/action`, `${resourceGroupId(ref.subscriptionId, ref.resourceGroup)}/providers/${UAMI_TYPE}/${ref.name}`);
      const i = ref && ctx.deps.metadata.userAssignedIdentity(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!i) throw bad(`The user-assigned identity '${ids[0]}' does not exist.`, 'identity.userAssignedIdentities');
      identity = { type: 'UserAssigned', resourceId: ids[0]! };
    } else {
      // SystemAssigned, None or absent: the rule's own principal (kept across updates).
      identity = { type: 'SystemAssigned', principalId: existing?.identity.type === 'SystemAssigned' ? existing.identity.principalId : randomUUID() };
    }
    // A system-assigned identity that was granted rights may only be pointed at other data or other
    // receivers by someone who could have granted those rights: otherwise a Monitoring Contributor
    // could borrow the identity's access by rewriting the query of a rule an Owner set up.
    if (existing?.identity.type === 'SystemAssigned' && identity.type === 'SystemAssigned' && ctx.deps.metadata.roleAssignmentsFor(identity.principalId).length > 0) {
      const before = existing.criteria.allOf[0]!;
      const redirected =
        before.query !== condition.query ||
        JSON.stringify(before.dimensions) !== JSON.stringify(condition.dimensions ?? []) ||
        (before.metricMeasureColumn ?? '') !== (condition.metricMeasureColumn ?? '') ||
        JSON.stringify(existing.scopes.map((x) => x.toLowerCase())) !== JSON.stringify(props.scopes.map((x) => x.toLowerCase())) ||
        JSON.stringify(existing.actions.actionGroups.map((x) => x.toLowerCase())) !== JSON.stringify(actionGroups.map((x) => x.toLowerCase()));
      if (redirected) authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.Authorization/roleAssignments/write', ruleId);
    }
    const now = new Date().toISOString();
    const record = ctx.deps.metadata.mutate((state) => {
      const list = (state.scheduledQueryRules ??= []);
      const next: ScheduledQueryRuleRecord = {
        subscriptionId: existing?.subscriptionId ?? sub,
        resourceGroup: existing?.resourceGroup ?? rg,
        name: existing?.name ?? name,
        location: existing?.location ?? body.location,
        kind: 'LogAlert',
        tags: body.tags ?? undefined,
        identity,
        displayName: props.displayName ?? undefined,
        description: props.description ?? undefined,
        severity: props.severity,
        enabled: props.enabled ?? true,
        scopes: props.scopes,
        targetResourceTypes: props.targetResourceTypes ?? undefined,
        evaluationFrequency: props.evaluationFrequency,
        windowSize: props.windowSize,
        overrideQueryTimeRange: props.overrideQueryTimeRange ?? undefined,
        criteria: {
          allOf: [
            {
              query: condition.query,
              timeAggregation: condition.timeAggregation,
              metricMeasureColumn: condition.metricMeasureColumn ?? undefined,
              resourceIdColumn: condition.resourceIdColumn ?? undefined,
              dimensions: condition.dimensions ?? [],
              operator: condition.operator,
              threshold: condition.threshold,
              failingPeriods,
            },
          ],
        },
        autoMitigate: props.autoMitigate ?? true,
        muteActionsDuration: props.muteActionsDuration ?? undefined,
        actions: { actionGroups, customProperties: props.actions?.customProperties ?? undefined, actionProperties: props.actions?.actionProperties ?? undefined },
        createdWithApiVersion: existing?.createdWithApiVersion ?? apiVersion,
        createdAt: existing?.createdAt ?? now,
        createdBy: existing?.createdBy ?? ctx.caller.objectId,
        updatedAt: now,
        updatedBy: ctx.caller.objectId,
      };
      // A system-assigned principal the rule no longer uses is gone, and so are its role assignments.
      if (existing?.identity.type === 'SystemAssigned' && identity.type !== 'SystemAssigned') {
        const old = existing.identity.principalId.toLowerCase();
        state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== old);
      }
      const i = existing ? list.indexOf(existing) : -1;
      if (i >= 0) list[i] = next;
      else list.push(next);
      return next;
    });
    return { status: existing ? 200 : 201, body: shape(ctx, record) };
  };
  router.add('PUT', `${rgBase}/{name}`, upsert(false));
  router.add('PATCH', `${rgBase}/{name}`, upsert(true));

  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, RULE_TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${RULE_TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${RULE_TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const r = ctx.deps.metadata.scheduledQueryRule(sub!, rg!, name!);
    if (!r) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.scheduledQueryRules = (state.scheduledQueryRules ?? []).filter((x) => x !== r);
      if (r.identity.type === 'SystemAssigned') {
        const old = r.identity.principalId.toLowerCase();
        state.roleAssignments = state.roleAssignments.filter((a) => a.principalId.toLowerCase() !== old);
      }
    });
    ctx.deps.alerts?.forget(ruleResourceId(r));
    return { status: 200 };
  });
}
