/**
 * Network access to an Azure Monitor workspace's data planes (remote write and the Prometheus query
 * API), with the same rules as for Log Analytics workspaces (src/network/access.ts): through a private
 * endpoint of a private link scope that contains the account, always; through one whose access mode
 * for the plane is PrivateOnly and that does not contain it, never; otherwise the account's single
 * `publicNetworkAccess` flag decides, for ingestion and query alike.
 */
import { ApiError } from '../errors/api-error.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { endpointsOf, modeFor, type Plane } from '../network/access.js';
import type { ListenerInfo } from '../network/listeners.js';
import { monitorAccountId, type MonitorAccountRecord } from './records.js';

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Undefined when the request's network may reach the account's plane; else why not. */
export function accountNetworkRefusal(metadata: MetadataStore, listener: ListenerInfo, plane: Plane, account: MonitorAccountRecord): string | undefined {
  const id = monitorAccountId(account);
  const links = endpointsOf(metadata, listener);
  if (links.some(({ scope }) => scope.scopedResources.some((r) => eq(r.linkedResourceId, id)))) return undefined;
  for (const { endpoint, scope } of links) {
    if (modeFor(scope, endpoint, plane) === 'PrivateOnly') {
      return `This network reaches only the resources of Azure Monitor Private Link Scope '${scope.name}' (${plane} access mode PrivateOnly for private endpoint connection '${endpoint.connectionName}'), and the Azure Monitor workspace is not one of them. Add it to the scope's scopedResources or set the access mode to Open.`;
    }
  }
  if (account.publicNetworkAccess === 'Disabled') {
    return 'To allow access from public networks, set the Azure Monitor workspace\'s publicNetworkAccess to Enabled, or reach it through a private endpoint of an Azure Monitor Private Link Scope that contains it.';
  }
  return undefined;
}

/** Throws a 403 (code Forbidden, innererror NspValidationFailedError) when the network may not reach the account. */
export function requireAccountNetworkAccess(metadata: MetadataStore, listener: ListenerInfo, plane: Plane, account: MonitorAccountRecord, clientIp: string): void {
  const reason = accountNetworkRefusal(metadata, listener, plane, account);
  if (!reason) return;
  const message = `Access to Azure Monitor workspace '${account.name}' from '${clientIp}' is denied. ${reason} (resource ID: ${monitorAccountId(account)})`;
  throw new ApiError(403, 'Forbidden', message, { innererror: { code: 'NspValidationFailedError', message } });
}
