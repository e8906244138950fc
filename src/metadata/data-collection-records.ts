/** Persistent records of data collection endpoints and data collection rule associations (issue 19). */

export type DcePublicNetworkAccess = 'Enabled' | 'Disabled' | 'SecuredByPerimeter';

/** `Microsoft.Insights/dataCollectionEndpoints/{name}`. Its endpoints are this Vigil's URLs. */
export interface DataCollectionEndpointRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kind?: string;
  tags?: Record<string, string>;
  description?: string;
  /** `dce-<32 hex>`. */
  immutableId: string;
  /** `networkAcls.publicNetworkAccess`, enforced per request by the listener it arrived on (src/network/access.ts). */
  publicNetworkAccess: DcePublicNetworkAccess;
  createdAt: string;
}

/**
 * `{resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}`: ties a resource
 * (any ARM id, e.g. a virtual machine) to a data collection rule, or — named
 * `configurationAccessEndpoint` — to the endpoint its agent fetches its configuration from.
 */
export interface DataCollectionRuleAssociationRecord {
  /** The associated resource's id, as given. */
  resourceUri: string;
  name: string;
  description?: string;
  dataCollectionRuleId?: string;
  dataCollectionEndpointId?: string;
  createdAt: string;
}
