import type { DataCollectionEndpointRecord } from './data-collection-records.js';
import { resourceGroupId } from './resource-ids.js';

export const DCE_TYPE = 'Microsoft.Insights/dataCollectionEndpoints';
export const DCRA_TYPE = 'Microsoft.Insights/dataCollectionRuleAssociations';

export const dataCollectionEndpointId = (e: Pick<DataCollectionEndpointRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `${resourceGroupId(e.subscriptionId, e.resourceGroup)}/providers/${DCE_TYPE}/${e.name}`;

type Ref = { subscriptionId: string; resourceGroup: string; name: string };

function parse(id: string, type: string): Ref | undefined {
  const [ns, kind] = type.toLowerCase().split('/') as [string, string];
  const m = new RegExp(`^/?subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/${ns.replace('.', '\\.')}/${kind}/([^/]+)/?$`, 'i').exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionEndpoints/{name}` (any casing). */
export const parseDataCollectionEndpointId = (id: string) => parse(id, DCE_TYPE);

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionRules/{name}` (any casing). */
export const parseDataCollectionRuleId = (id: string) => parse(id, 'Microsoft.Insights/dataCollectionRules');

/** Normalises an ARM resource id for comparisons: one leading slash, no trailing slash, lower case. */
export const normalizeResourceId = (id: string) => `/${id.split('/').filter(Boolean).join('/')}`.toLowerCase();
