/**
 * The common alert schema (Log Alerts V2 `alertContext`) that webhook receivers get, and its 256 KB
 * limit (reference §8.3).
 *
 * Azure never embeds search results in Log Alerts V2 payloads, and for the older log alerts drops the
 * embedded search results from a payload that would exceed 256 KB, keeping the links to them. What
 * comes from query results in Vigil's payload is the dimension values (and the configuration item
 * named by one), so an oversized payload is reduced the same way: the dimension values are dropped
 * (their names stay, each with an empty value, and `configurationItems` falls back to the target),
 * and the links back to the query stay, so the receiver can fetch the results. A payload that is
 * still too large after that (its size then comes from the rule itself) is not sent: see
 * fitToLimit().
 */
import type { RuleCondition, ScheduledQueryRuleRecord } from './records.js';
import { ruleResourceId } from './ids.js';

export interface AlertInstance {
  alertId: string;
  monitorCondition: 'Fired' | 'Resolved';
  firedDateTime: string;
  resolvedDateTime?: string;
  dimensions: { name: string; value: string }[];
  metricValue: number;
  windowStart: string;
  windowEnd: string;
  /** The resource the alert is about (from `resourceIdColumn`); otherwise the rule's scopes. */
  targetResource?: string;
}

/** Azure's limit for one alert payload. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}…` → group and type (lower-case). */
export function resourceParts(id: string): { resourceGroup?: string; type?: string; name: string } {
  const parts = id.split('/').filter(Boolean);
  const rgAt = parts.findIndex((p) => p.toLowerCase() === 'resourcegroups');
  const provAt = parts.findIndex((p) => p.toLowerCase() === 'providers');
  const typeSegments = provAt >= 0 ? parts.slice(provAt + 1).filter((_, i) => i === 0 || i % 2 === 1) : [];
  return {
    ...(rgAt >= 0 && parts[rgAt + 1] ? { resourceGroup: parts[rgAt + 1] } : {}),
    ...(typeSegments.length > 1 ? { type: typeSegments.join('/').toLowerCase() } : {}),
    name: parts[parts.length - 1] ?? '',
  };
}

const CONFIGURATION_ITEM_COLUMNS = ['_resourceid', 'resourceid', 'resource', 'computer'];

export function commonAlertSchema(rule: ScheduledQueryRuleRecord, condition: RuleCondition, alert: AlertInstance, baseUrl: string): unknown {
  const ruleId = ruleResourceId(rule);
  const byPriority = CONFIGURATION_ITEM_COLUMNS.map((c) => alert.dimensions.find((d) => d.name.toLowerCase() === c)).find(Boolean);
  const target = alert.targetResource ? resourceParts(alert.targetResource) : undefined;
  const configurationItems = byPriority ? [byPriority.value] : target ? [target.name] : rule.scopes.map((s) => s.split('/').pop()!);
  const workspaceScope = rule.scopes[0] ?? '';
  const api = `${baseUrl}/v1${workspaceScope}/query?query=${encodeURIComponent(condition.query)}&timespan=${encodeURIComponent(`${alert.windowStart}/${alert.windowEnd}`)}`;
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${rule.subscriptionId}/providers/Microsoft.AlertsManagement/alerts/${alert.alertId}`,
        alertRule: rule.name,
        alertRuleID: ruleId,
        severity: `Sev${rule.severity}`,
        signalType: 'Log',
        monitorCondition: alert.monitorCondition,
        monitoringService: 'Log Alerts V2',
        alertTargetIDs: alert.targetResource ? [alert.targetResource.toLowerCase()] : rule.scopes.map((s) => s.toLowerCase()),
        configurationItems,
        originAlertId: alert.alertId,
        firedDateTime: alert.firedDateTime,
        ...(alert.resolvedDateTime ? { resolvedDateTime: alert.resolvedDateTime } : {}),
        description: rule.description ?? '',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
        targetResourceGroup: target ? (target.resourceGroup ?? '') : rule.resourceGroup,
        targetResourceType: target ? (target.type ?? '') : 'microsoft.operationalinsights/workspaces',
      },
      alertContext: {
        properties: rule.actions.actionProperties ?? {},
        conditionType: 'LogQueryCriteria',
        condition: {
          windowSize: rule.windowSize,
          allOf: [
            {
              searchQuery: condition.query,
              metricMeasureColumn: condition.metricMeasureColumn ?? null,
              targetResourceTypes: `['${(rule.targetResourceTypes ?? ['Microsoft.OperationalInsights/workspaces']).join("','")}']`,
              operator: condition.operator,
              threshold: String(condition.threshold),
              timeAggregation: condition.timeAggregation,
              dimensions: alert.dimensions,
              metricValue: alert.metricValue,
              failingPeriods: condition.failingPeriods,
              linkToSearchResultsAPI: api,
              linkToFilteredSearchResultsAPI: api,
            },
          ],
          windowStartTime: alert.windowStart,
          windowEndTime: alert.windowEnd,
        },
      },
      customProperties: rule.actions.customProperties ?? null,
    },
  };
}

export type FittedPayload = { json: string; trimmed: boolean } | { tooLarge: number };

/**
 * Serializes a common-schema payload within PAYLOAD_LIMIT_BYTES: as is when it fits; otherwise with
 * the dimension values dropped (see the module comment); `tooLarge` (the reduced size) when even that
 * does not fit.
 */
export function fitToLimit(payload: unknown, limit = PAYLOAD_LIMIT_BYTES): FittedPayload {
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json) <= limit) return { json, trimmed: false };
  const reduced = structuredClone(payload) as {
    data: { essentials: { configurationItems: string[]; alertTargetIDs: string[] }; alertContext: { condition: { allOf: { dimensions: { name: string; value: string }[] }[] } } };
  };
  for (const c of reduced.data.alertContext.condition.allOf) c.dimensions = c.dimensions.map((d) => ({ name: d.name, value: '' }));
  reduced.data.essentials.configurationItems = reduced.data.essentials.alertTargetIDs.map((t) => t.split('/').pop()!);
  const smaller = JSON.stringify(reduced);
  return Buffer.byteLength(smaller) <= limit ? { json: smaller, trimmed: true } : { tooLarge: Buffer.byteLength(smaller) };
}
