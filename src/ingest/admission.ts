/**
 * Who may send what into a data collection rule, from which network — one decision shared by the Logs
 * Ingestion API and OTLP ingestion (issue 19):
 *
 * 1. The rule exists (404 `NotFound`).
 * 2. The caller may send: `Microsoft.Insights/Telemetry/Write` on the rule (Monitoring Metrics
 *    Publisher) — or, for an agent that names the resource it runs for in `x-ms-AzureResourceId`
 *    (the header of Azure's HTTP Data Collector API), that data action on that resource AND an
 *    association of the resource with the rule. An agent's rows then carry that resource as
 *    `_ResourceId` (whatever the rows say), so resource-context readers of the resource see them; a
 *    caller without the data action on the resource cannot claim it. Refusal: 403 `OperationFailed`.
 * 3. The stream is one of the rule's (404 `InvalidStream`).
 * 4. The network: the rule's data collection endpoint (`networkAcls.publicNetworkAccess`) and every
 *    destination workspace (`publicNetworkAccessForIngestion`) accept the listener the request arrived
 *    on (403 `Forbidden` / `NspValidationFailedError`).
 */
import type { FastifyRequest } from 'fastify';
import { isAllowed, type Caller } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { normalizeResourceId, parseDataCollectionEndpointId } from '../metadata/data-collection-ids.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord } from '../metadata/records.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import { requireDceNetworkAccess, requireNetworkAccess } from '../network/access.js';
import { listenerOf } from '../network/listeners.js';
import { streamColumns } from './streams.js';

export const AGENT_RESOURCE_HEADER = 'x-ms-azureresourceid';
const TELEMETRY_WRITE = 'Microsoft.Insights/Telemetry/Write';
const RESOURCE_ID = /^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+(\/providers\/[^/]+\/[^/]+\/[^/]+(\/[^/]+\/[^/]+)*)?)?$/i;

export interface Admitted {
  rule: DataCollectionRuleRecord;
  /** The agent's resource, lower-cased as Azure stores `_ResourceId`; every row gets it. */
  resourceId?: string;
}

/** The resource an agent names in `x-ms-AzureResourceId`, if any (400 when it is not an ARM resource id). */
export function agentResource(req: FastifyRequest): string | undefined {
  const raw = req.headers[AGENT_RESOURCE_HEADER];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw.join(',') : raw.trim();
  if (!RESOURCE_ID.test(value) || value.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new ApiError(400, 'InvalidResourceId', `The x-ms-AzureResourceId header '${value.slice(0, 200)}' is not an Azure resource id (/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}).`);
  }
  return value;
}

/** Is the resource associated with the rule (a data collection rule association on exactly that resource)? */
export function isAssociated(metadata: MetadataStore, resourceId: string, rule: DataCollectionRuleRecord): boolean {
  const resource = normalizeResourceId(resourceId);
  const ruleId = normalizeResourceId(dataCollectionRuleId(rule));
  return metadata
    .dataCollectionRuleAssociations()
    .some((a) => a.dataCollectionRuleId && normalizeResourceId(a.resourceUri) === resource && normalizeResourceId(a.dataCollectionRuleId) === ruleId);
}

export function admitIngestion(metadata: MetadataStore, req: FastifyRequest, caller: Caller, immutableId: string, stream: string): Admitted {
  const rule = metadata.dataCollectionRuleByImmutableId(immutableId);
  if (!rule) throw new ApiError(404, 'NotFound', `Data collection rule with immutable Id '${immutableId}' not found.`);
  const resource = agentResource(req);
  if (resource !== undefined) {
    if (!isAssociated(metadata, resource, rule) || !isAllowed(metadata, caller, TELEMETRY_WRITE, resource, 'dataAction')) {
      throw new ApiError(
        403,
        'OperationFailed',
        `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${rule.immutableId}' on behalf of resource '${resource}'. The resource needs a data collection rule association with the rule, and the caller (the resource's managed identity) the Monitoring Metrics Publisher role on the resource.`,
      );
    }
  } else if (!isAllowed(metadata, caller, TELEMETRY_WRITE, dataCollectionRuleId(rule), 'dataAction')) {
    throw new ApiError(
      403,
      'OperationFailed',
      `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${rule.immutableId}'. Assign the Monitoring Metrics Publisher role on the rule to the caller.`,
    );
  }
  if (!streamColumns(rule, stream)) {
    const streams = [...Object.keys(rule.streamDeclarations), ...rule.dataFlows.flatMap((f) => f.streams).filter((s) => !rule.streamDeclarations[s])];
    throw new ApiError(404, 'InvalidStream', `Stream '${stream}' is not declared in data collection rule '${rule.immutableId}'. Declared streams: ${[...new Set(streams)].join(', ')}.`);
  }
  const listener = listenerOf(req.raw);
  const where = { rule: rule.immutableId, listener: `${listener.kind} ${listener.host}:${listener.port}`, ip: req.ip };
  try {
    const dceRef = rule.dataCollectionEndpointId ? parseDataCollectionEndpointId(rule.dataCollectionEndpointId) : undefined;
    const dce = dceRef && metadata.dataCollectionEndpoint(dceRef.subscriptionId, dceRef.resourceGroup, dceRef.name);
    if (dce) requireDceNetworkAccess(metadata, listener, dce, req.ip);
    // Every workspace this stream flows to must accept ingestion from this request's network.
    for (const flow of rule.dataFlows.filter((f) => f.streams.includes(stream))) {
      for (const name of flow.destinations) {
        const dest = rule.destinations.logAnalytics.find((d) => d.name.toLowerCase() === name.toLowerCase());
        const workspace = dest && metadata.workspaceByCustomerId(dest.workspaceId);
        if (workspace) requireNetworkAccess(metadata, listener, 'ingestion', workspace, req.ip);
      }
    }
  } catch (err) {
    req.log.warn(where, 'ingestion refused by network isolation');
    throw err;
  }
  return { rule, ...(resource !== undefined ? { resourceId: resource.toLowerCase() } : {}) };
}
