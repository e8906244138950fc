import { resourceGroupId } from '../metadata/resource-ids.js';
import type { ActionGroupRecord, ScheduledQueryRuleRecord } from './records.js';

export const RULE_TYPE = 'Microsoft.Insights/scheduledQueryRules';
export const ACTION_GROUP_TYPE = 'Microsoft.Insights/actionGroups';

export const ruleResourceId = (r: Pick<ScheduledQueryRuleRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(r.subscriptionId, r.resourceGroup)}/providers/${RULE_TYPE}/${r.name}`;

export const actionGroupResourceId = (g: Pick<ActionGroupRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(g.subscriptionId, g.resourceGroup)}/providers/${ACTION_GROUP_TYPE}/${g.name}`;

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}` → its parts (case-insensitive). */
export function parseResourceId(id: string, type: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const [ns, t] = type.split('/');
  const m = new RegExp(`^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/${ns}/${t}/([^/]+)/*$`, 'i').exec(id.trim());
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}
