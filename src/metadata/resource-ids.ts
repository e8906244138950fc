import type { DataCollectionRuleRecord, WorkspaceRecord } from './records.js';

/** ARM resource ids of Vigil's records, in the casing Azure returns them. */
export const subscriptionId = (sub: string) => `/subscriptions/${sub}`;

export const resourceGroupId = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;

export const workspaceResourceId = (w: Pick<WorkspaceRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(w.subscriptionId, w.resourceGroup)}/providers/Microsoft.OperationalInsights/workspaces/${w.name}`;

export const tableResourceId = (w: Pick<WorkspaceRecord, 'subscriptionId' | 'resourceGroup' | 'name'>, table: string) =>
  `${workspaceResourceId(w)}/tables/${table}`;

export const dataCollectionRuleId = (r: Pick<DataCollectionRuleRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(r.subscriptionId, r.resourceGroup)}/providers/Microsoft.Insights/dataCollectionRules/${r.name}`;

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}` (any casing). */
export function parseWorkspaceResourceId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = /^\/?subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.operationalinsights\/workspaces\/([^/]+)\/?$/i.exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}
