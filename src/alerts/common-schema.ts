/** The common alert schema (Log Alerts V2 `alertContext`) that webhook receivers get. */
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
}

const CONFIGURATION_ITEM_COLUMNS = ['_resourceid', 'resourceid', 'resource', 'computer'];

export function commonAlertSchema(rule: ScheduledQueryRuleRecord, condition: RuleCondition, alert: AlertInstance, baseUrl: string): unknown {
  const ruleId = ruleResourceId(rule);
  const byPriority = CONFIGURATION_ITEM_COLUMNS.map((c) => alert.dimensions.find((d) => d.name.toLowerCase() === c)).find(Boolean);
  const configurationItems = byPriority ? [byPriority.value] : rule.scopes.map((s) => s.split('/').pop()!);
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
        alertTargetIDs: rule.scopes.map((s) => s.toLowerCase()),
        configurationItems,
        originAlertId: alert.alertId,
        firedDateTime: alert.firedDateTime,
        ...(alert.resolvedDateTime ? { resolvedDateTime: alert.resolvedDateTime } : {}),
        description: rule.description ?? '',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
        targetResourceGroup: rule.resourceGroup,
        targetResourceType: 'microsoft.operationalinsights/workspaces',
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
