/**
 * Network access decisions (issue 16): may a request that arrived on a given listener ingest into,
 * or query, a workspace?
 *
 * - On the public listener — and on a private listener that no approved private endpoint connects to
 *   a private link scope, which is just another network — the workspace's flag decides:
 *   `publicNetworkAccessForIngestion` / `publicNetworkAccessForQuery` `Enabled` allows, `Disabled` refuses.
 * - On a private listener that is a private endpoint of one or more Azure Monitor Private Link Scopes:
 *   a workspace that is a scoped resource of one of them is always reachable (that is what the private
 *   link is for, whatever the workspace's public flags say). Any other workspace is refused if one of
 *   those scopes is in `PrivateOnly` mode for the plane (the scope's `ingestionAccessMode` /
 *   `queryAccessMode`, or the mode of an exclusion naming this endpoint's connection); in `Open` mode
 *   the request is treated as public traffic and the workspace's flag decides.
 *
 * Data collection endpoints (issue 19) follow the same rule, with `networkAcls.publicNetworkAccess` as
 * their flag, for the ingestion plane (Logs Ingestion API, OTLP, agent configuration).
 */
import { ApiError } from '../errors/api-error.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import type { ListenerInfo } from './listeners.js';
import type { AccessMode, PrivateEndpointRecord, PrivateLinkScopeRecord } from './records.js';
import { privateLinkScopeId } from './resource-ids.js';
import type { DataCollectionEndpointRecord } from '../metadata/data-collection-records.js';
import { dataCollectionEndpointId } from '../metadata/data-collection-ids.js';

export type Plane = 'ingestion' | 'query';

export type NetworkDecision = { allowed: true; via: string } | { allowed: false; reason: string };

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const sameAddress = (a: string, b: string) => a.replace(/^::ffff:/i, '').toLowerCase() === b.replace(/^::ffff:/i, '').toLowerCase();

/** The approved private endpoints of a private listener, each with its private link scope. */
export function endpointsOf(metadata: MetadataStore, listener: ListenerInfo): { endpoint: PrivateEndpointRecord; scope: PrivateLinkScopeRecord }[] {
  if (listener.kind !== 'private') return [];
  const out: { endpoint: PrivateEndpointRecord; scope: PrivateLinkScopeRecord }[] = [];
  for (const endpoint of metadata.privateEndpoints()) {
    if (endpoint.status !== 'Approved' || !sameAddress(endpoint.privateIPAddress, listener.host)) continue;
    const scope = metadata.privateLinkScopes().find((s) => eq(privateLinkScopeId(s), endpoint.privateLinkServiceId));
    if (scope) out.push({ endpoint, scope });
  }
  return out;
}

export function modeFor(scope: PrivateLinkScopeRecord, endpoint: PrivateEndpointRecord, plane: Plane): AccessMode {
  const exclusion = scope.exclusions.find((e) => eq(e.privateEndpointConnectionName, endpoint.connectionName));
  const key = plane === 'query' ? 'queryAccessMode' : 'ingestionAccessMode';
  return exclusion?.[key] ?? scope[key];
}

export function networkDecision(metadata: MetadataStore, listener: ListenerInfo, plane: Plane, workspace: WorkspaceRecord): NetworkDecision {
  const flag = plane === 'query' ? workspace.publicNetworkAccessForQuery : workspace.publicNetworkAccessForIngestion;
  const property = plane === 'query' ? 'publicNetworkAccessForQuery' : 'publicNetworkAccessForIngestion';
  return decide(metadata, listener, plane, workspaceResourceId(workspace), 'workspace', flag === 'Disabled', `the workspace Networking settings (${property})`);
}

/**
 * The same decision for a data collection endpoint (issue 19): its `networkAcls.publicNetworkAccess`
 * takes the place of the workspace flag. `SecuredByPerimeter` counts as `Disabled`: Vigil has no
 * network security perimeter, so only a private endpoint of a scope containing the endpoint reaches it.
 */
export function dceNetworkDecision(metadata: MetadataStore, listener: ListenerInfo, dce: DataCollectionEndpointRecord): NetworkDecision {
  return decide(metadata, listener, 'ingestion', dataCollectionEndpointId(dce), 'data collection endpoint', dce.publicNetworkAccess !== 'Enabled', 'the data collection endpoint\'s networkAcls.publicNetworkAccess');
}

/** The one rule for every resource: scoped private link first, then PrivateOnly scopes, then the resource's public flag. */
function decide(metadata: MetadataStore, listener: ListenerInfo, plane: Plane, resourceId: string, what: string, publicDisabled: boolean, setting: string): NetworkDecision {
  const links = endpointsOf(metadata, listener);
  for (const { endpoint, scope } of links) {
    if (scope.scopedResources.some((r) => eq(r.linkedResourceId, resourceId))) {
      return { allowed: true, via: `private endpoint '${endpoint.name}' of private link scope '${scope.name}'` };
    }
  }
  for (const { endpoint, scope } of links) {
    if (modeFor(scope, endpoint, plane) === 'PrivateOnly') {
      return {
        allowed: false,
        reason: `This network reaches only the resources of Azure Monitor Private Link Scope '${scope.name}' (${plane} access mode PrivateOnly for private endpoint connection '${endpoint.connectionName}'), and the ${what} is not one of them. Add the ${what} to the scope's scopedResources or set the access mode to Open.`,
      };
    }
  }
  if (publicDisabled) {
    return {
      allowed: false,
      reason: `To allow access from public networks, change ${setting}, or reach it through a private endpoint of an Azure Monitor Private Link Scope that contains it.`,
    };
  }
  return { allowed: true, via: listener.kind === 'private' ? 'a private listener, as public traffic' : 'the public listener' };
}

/** The refusal of a query, as Azure answers it (403 InsufficientAccessError / NspValidationFailedError). */
export function queryRefusal(workspace: WorkspaceRecord, clientIp: string, reason: string): ApiError {
  return new ApiError(403, 'InsufficientAccessError', 'The provided credentials have insufficient access to perform the requested operation', {
    innererror: {
      code: 'NspValidationFailedError',
      message: `Access to workspace '${workspace.name}' from '${clientIp}' is denied. ${reason} (workspace resource ID: ${workspaceResourceId(workspace)})`,
    },
  });
}

/** The refusal of an ingestion request (403; the innererror code as for queries). */
export function ingestionRefusal(workspace: WorkspaceRecord, clientIp: string, reason: string): ApiError {
  const message = `Access to workspace '${workspace.name}' from '${clientIp}' is denied. ${reason} (workspace resource ID: ${workspaceResourceId(workspace)})`;
  return new ApiError(403, 'Forbidden', message, { innererror: { code: 'NspValidationFailedError', message } });
}

/** Throws the plane's refusal when the request's network may not reach the workspace. */
export function requireNetworkAccess(metadata: MetadataStore, listener: ListenerInfo, plane: Plane, workspace: WorkspaceRecord, clientIp: string): void {
  const d = networkDecision(metadata, listener, plane, workspace);
  if (d.allowed) return;
  throw plane === 'query' ? queryRefusal(workspace, clientIp, d.reason) : ingestionRefusal(workspace, clientIp, d.reason);
}

/** Throws 403 when the request's network may not reach the data collection endpoint (its ingestion and configuration endpoints alike). */
export function requireDceNetworkAccess(metadata: MetadataStore, listener: ListenerInfo, dce: DataCollectionEndpointRecord, clientIp: string): void {
  const d = dceNetworkDecision(metadata, listener, dce);
  if (d.allowed) return;
  const message = `Access to data collection endpoint '${dce.name}' from '${clientIp}' is denied. ${d.reason} (data collection endpoint resource ID: ${dataCollectionEndpointId(dce)})`;
  throw new ApiError(403, 'Forbidden', message, { innererror: { code: 'NspValidationFailedError', message } });
}
