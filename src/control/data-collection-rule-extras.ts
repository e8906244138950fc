/**
 * What issue 19 adds to data collection rules, kept apart from the rule routes: the OpenTelemetry
 * logs data sources (`dataSources.otelLogs` / `directDataSources.otelLogs`, api 2024-03-11) and the
 * check that `dataCollectionEndpointId` names an endpoint that exists and that the caller may see.
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { dataCollectionEndpointId, DCE_TYPE, parseDataCollectionEndpointId } from '../metadata/data-collection-ids.js';
import type { OtelLogsDataSource } from '../metadata/records.js';
import { OTEL_LOGS_STREAM } from '../ingest/streams.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';

const OtelLogs = z
  .array(
    z.object({
      name: z.string().nullish(),
      streams: z.array(z.literal(OTEL_LOGS_STREAM, { message: `an otelLogs data source has the stream '${OTEL_LOGS_STREAM}'` })).min(1),
      enrichWithResourceAttributes: z.array(z.string()).nullish(),
    }).catchall(z.unknown()),
  )
  .nullish();
const Sources = z.object({ otelLogs: OtelLogs }).catchall(z.unknown()).nullish();
const Body = z.object({ dataSources: Sources, directDataSources: Sources }).catchall(z.unknown());

const keep = (list: z.infer<typeof OtelLogs>): { otelLogs: OtelLogsDataSource[] } | undefined =>
  list && list.length > 0
    ? { otelLogs: list.map((d) => ({ ...(d.name ? { name: d.name } : {}), streams: d.streams, ...(d.enrichWithResourceAttributes ? { enrichWithResourceAttributes: d.enrichWithResourceAttributes } : {}) })) }
    : undefined;

/** The rule's OTel logs data sources, and the streams they provide. */
export function otelDataSources(properties: unknown): { dataSources?: { otelLogs: OtelLogsDataSource[] }; directDataSources?: { otelLogs: OtelLogsDataSource[] }; logs: string[] } {
  const p = parseBody(Body, { ...(properties as object) });
  const dataSources = keep(p.dataSources?.otelLogs);
  const directDataSources = keep(p.directDataSources?.otelLogs);
  const logs = [...(dataSources?.otelLogs ?? []), ...(directDataSources?.otelLogs ?? [])].flatMap((d) => d.streams);
  return { dataSources, directDataSources, logs };
}

/** `properties.dataCollectionEndpointId` must name an existing endpoint the caller can read; returns its id as Vigil spells it. */
export function requireRuleEndpoint(ctx: ControlContext, id: string): string {
  const ref = parseDataCollectionEndpointId(id);
  if (!ref) {
    throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionEndpointId: '${id}' is not a data collection endpoint id (/subscriptions/{s}/resourceGroups/{rg}/providers/${DCE_TYPE}/{name}).`, {
      target: 'properties.dataCollectionEndpointId',
    });
  }
  authorize(ctx.deps.metadata, ctx.caller, `${DCE_TYPE}/read`, id);
  const dce = ctx.deps.metadata.dataCollectionEndpoint(ref.subscriptionId, ref.resourceGroup, ref.name);
  if (!dce) {
    throw new ApiError(400, 'InvalidPayload', `properties.dataCollectionEndpointId: data collection endpoint '${id}' does not exist.`, { target: 'properties.dataCollectionEndpointId' });
  }
  return dataCollectionEndpointId(dce);
}
