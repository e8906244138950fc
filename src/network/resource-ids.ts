import type { PrivateEndpointRecord, PrivateLinkScopeRecord } from './records.js';

export const PRIVATE_LINK_SCOPE_TYPE = 'microsoft.insights/privateLinkScopes';
export const PRIVATE_ENDPOINT_TYPE = 'Microsoft.Network/privateEndpoints';

export const privateLinkScopeId = (s: Pick<PrivateLinkScopeRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/microsoft.insights/privateLinkScopes/${s.name}`;

export const privateEndpointId = (p: Pick<PrivateEndpointRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Network/privateEndpoints/${p.name}`;
