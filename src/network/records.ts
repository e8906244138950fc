/** Persistent records of the network-isolation resources (kept in metadata.json). */

export type AccessMode = 'Open' | 'PrivateOnly';

export interface AccessModeExclusion {
  privateEndpointConnectionName: string;
  queryAccessMode?: AccessMode;
  ingestionAccessMode?: AccessMode;
}

/** `Microsoft.Insights/privateLinkScopes/{name}` (Azure Monitor Private Link Scope, AMPLS). */
export interface PrivateLinkScopeRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  queryAccessMode: AccessMode;
  ingestionAccessMode: AccessMode;
  exclusions: AccessModeExclusion[];
  /** `…/scopedResources/{name}`: the workspaces inside the scope. */
  scopedResources: { name: string; linkedResourceId: string }[];
}

export type ConnectionStatus = 'Approved' | 'Pending' | 'Rejected';

/**
 * `Microsoft.Network/privateEndpoints/{name}`: a private listener of this Vigil (matched by the IP
 * address of its ipConfiguration) connected to one private link scope.
 */
export interface PrivateEndpointRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** The private IP address: the address of a `--private-listener`. */
  privateIPAddress: string;
  /** The name of the connection in the endpoint's `privateLinkServiceConnections`. */
  serviceConnectionName: string;
  /** The private link scope's resource id. */
  privateLinkServiceId: string;
  groupIds: string[];
  /** The connection's name on the private link scope (`{endpoint}.{id}`, as Azure names them). */
  connectionName: string;
  status: ConnectionStatus;
  description: string;
}
