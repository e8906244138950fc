/**
 * Where an agent learns what to collect and where to send it (issue 19). An agent — Azure Monitor
 * Agent's role, played by any program that runs for a resource (a VM, a cluster) with that resource's
 * managed identity — asks the configuration-access endpoint of its data collection endpoint:
 *
 *   GET /locations/{location}/{resourceId}/agentConfigurations[?platform=linux&api-version=…]
 *
 * with a bearer token for `https://monitor.azure.com`. The path follows the handler URL that AMA's
 * troubleshooting logs show (`…handler.control.monitor.azure.com/locations/{region}/subscriptions/…/
 * agentConfigurations`); AMA's own wire format is not public, so the answer is Vigil's JSON: the rules
 * associated with the resource, each with the streams it accepts and the exact URLs to send them to.
 *
 * The caller must hold `Microsoft.Insights/Telemetry/Write` on the resource (Monitoring Metrics
 * Publisher on it: the role that makes an identity the resource's agent; 403 otherwise). The
 * endpoint associated as `configurationAccessEndpoint` enforces its `networkAcls` on this request.
 */
import type { FastifyInstance } from 'fastify';
import { isAllowed } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { Authenticate } from '../identity/authenticate.js';
import { AUDIENCES } from '../identity/audiences.js';
import { dataCollectionEndpointId, normalizeResourceId, parseDataCollectionEndpointId, parseDataCollectionRuleId } from '../metadata/data-collection-ids.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import { requireDceNetworkAccess } from '../network/access.js';
import { listenerOf } from '../network/listeners.js';
import { OTEL_LOGS_STREAM, streamColumns } from './streams.js';

export interface AgentConfigurationDeps {
  metadata: MetadataStore;
  authenticate: Authenticate;
  publicBaseUrl: () => string;
}

const RESOURCE_PATH = /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+(?:\/providers\/.+)?)?)\/agentConfigurations$/i;

export async function agentConfigurationRoutes(app: FastifyInstance, deps: AgentConfigurationDeps): Promise<void> {
  app.get<{ Params: { location: string; '*': string } }>('/locations/:location/*', async (req, reply) => {
    const m = RESOURCE_PATH.exec(`/${req.params['*'].replace(/^\/+|\/+$/g, '')}`);
    if (!m) throw new ApiError(404, 'PathNotFoundError', 'Agent configurations are at /locations/{location}/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}/agentConfigurations.');
    const resourceId = m[1]!;
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.ingestion, req.raw);
    if (!isAllowed(deps.metadata, caller, 'Microsoft.Insights/Telemetry/Write', resourceId, 'dataAction')) {
      throw new ApiError(
        403,
        'AuthorizationFailed',
        `The client '${caller.appId}' with object id '${caller.objectId}' is not an agent of '${resourceId}': it needs the data action 'Microsoft.Insights/Telemetry/Write' (Monitoring Metrics Publisher) on the resource.`,
      );
    }
    const resource = normalizeResourceId(resourceId);
    const associations = deps.metadata.dataCollectionRuleAssociations().filter((a) => normalizeResourceId(a.resourceUri) === resource);
    const listener = listenerOf(req.raw);
    const configAssociation = associations.find((a) => a.dataCollectionEndpointId);
    const configRef = configAssociation && parseDataCollectionEndpointId(configAssociation.dataCollectionEndpointId!);
    const configDce = configRef && deps.metadata.dataCollectionEndpoint(configRef.subscriptionId, configRef.resourceGroup, configRef.name);
    if (configDce) requireDceNetworkAccess(deps.metadata, listener, configDce, req.ip);
    // The URLs handed out are those of the listener the agent reached.
    const base = listener.kind === 'private' ? `https://${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${listener.port}` : deps.publicBaseUrl();
    const rules = associations.flatMap((a) => {
      const ref = a.dataCollectionRuleId ? parseDataCollectionRuleId(a.dataCollectionRuleId) : undefined;
      const rule = ref && deps.metadata.dataCollectionRule(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!rule) return [];
      const streams = [...new Set([...Object.keys(rule.streamDeclarations), ...rule.dataFlows.flatMap((f) => f.streams)])];
      return [
        {
          associationName: a.name,
          dataCollectionRuleId: dataCollectionRuleId(rule),
          immutableId: rule.immutableId,
          ...(rule.dataCollectionEndpointId ? { dataCollectionEndpointId: rule.dataCollectionEndpointId } : {}),
          streams: streams.map((stream) =>
            stream === OTEL_LOGS_STREAM
              ? { stream, otlpLogsUrl: `${base}/datacollectionRules/${rule.immutableId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs` }
              : { stream, columns: streamColumns(rule, stream) ?? [], ingestionUrl: `${base}/dataCollectionRules/${rule.immutableId}/streams/${stream}?api-version=2023-01-01` },
          ),
        },
      ];
    });
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({
        resourceId,
        location: req.params.location,
        ...(configDce ? { configurationAccessEndpoint: { id: dataCollectionEndpointId(configDce), immutableId: configDce.immutableId } } : {}),
        // Send with `x-ms-AzureResourceId: <resourceId>` so the rows are attributed to the resource.
        resourceIdHeader: 'x-ms-AzureResourceId',
        dataCollectionRules: rules,
      });
  });
}
