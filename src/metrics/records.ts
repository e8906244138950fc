/** Azure Monitor workspaces (`Microsoft.Monitor/accounts`, Managed Prometheus) as kept in metadata.json. */

export interface MonitorAccountRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** `properties.accountId`: a GUID; also names the account's Prometheus data folder and its query path. */
  accountId: string;
  /** `properties.metrics.internalId`: `mac_<guid>`. */
  internalId: string;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  /** The default data collection rule Vigil made with the account (in the managed resource group), and its immutable id. */
  defaultDataCollectionRuleResourceId: string;
  defaultDataCollectionRuleImmutableId: string;
  /** The default data collection endpoint's id, as Azure names it (the endpoint resource itself is Microsoft.Insights' to serve). */
  defaultDataCollectionEndpointResourceId: string;
  /** `MA_<name>_<location>_managed`, created with the account. */
  managedResourceGroup: string;
  createdAt: string;
  modifiedAt: string;
}

export const MONITOR_ACCOUNT_TYPE = 'Microsoft.Monitor/accounts';

export const monitorAccountId = (a: Pick<MonitorAccountRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/${MONITOR_ACCOUNT_TYPE}/${a.name}`;

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Monitor/accounts/{name}` (any casing). */
export function parseMonitorAccountId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = /^\/?subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.monitor\/accounts\/([^/]+)\/?$/i.exec(id);
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}
