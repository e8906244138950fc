/**
 * Native OTLP/HTTP log ingestion, as Azure Monitor's (issue 19):
 *
 *   POST /datacollectionRules/{immutableId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs
 *   (also `dataCollectionRules`, and the older stream segment `opentelemetry_logs`)
 *
 * `Content-Type: application/x-protobuf` or `application/json`, optionally `Content-Encoding: gzip`;
 * a bearer token for `https://monitor.azure.com`. The URL's stream segment stands for the rule's
 * `Microsoft-OTel-Logs` stream, whose data flow writes `OTelLogs`. Admission (rights, agent resource,
 * network) is the Logs Ingestion API's (admission.ts), and rows are stored through the ingestion
 * service, so validation, durability and limits are the same. Success: 200 with an empty
 * `ExportLogsServiceResponse` in the request's encoding; refusals: Azure's JSON error shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, storageApiError } from '../../errors/api-error.js';
import type { Authenticate } from '../../identity/authenticate.js';
import { AUDIENCES } from '../../identity/audiences.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { admitIngestion } from '../admission.js';
import type { IngestService } from '../ingest-service.js';
import { RateLimiter } from '../rate-limiter.js';
import { OTEL_LOGS_STREAM } from '../streams.js';
import { decodeOtlpLogs, MAX_OTLP_BYTES, otlpEncoding } from './decode.js';
import { otelLogsRows } from './otel-logs.js';
import { ExportLogsServiceResponse } from './proto.js';

export interface OtlpRouteDeps {
  metadata: MetadataStore;
  ingest: IngestService;
  authenticate: Authenticate;
  /** Requests per minute per rule (as the Logs Ingestion API). */
  requestsPerMinute?: number;
  /** The Logs Ingestion API's per-rule counter: one budget per rule, whichever protocol sends. */
  limiter?: RateLimiter;
}

/** URL stream segments for logs (case-insensitive): the documented one and the older collector sample's. */
const LOG_SEGMENTS = new Set(['microsoft-otlp-logs', 'opentelemetry_logs']);
const TRACE_SEGMENTS = new Set(['microsoft-otlp-traces', 'opentelemetry_traces']);

export async function otlpRoutes(app: FastifyInstance, deps: OtlpRouteDeps): Promise<void> {
  const limiter = deps.limiter ?? new RateLimiter(deps.requestsPerMinute ?? 12_000, 60_000);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_OTLP_BYTES }, (_req, body, done) => done(null, body));

  const handler = async (req: FastifyRequest<{ Params: { ruleId: string; stream: string } }>, reply: FastifyReply) => {
    const segment = req.params.stream.toLowerCase();
    if (TRACE_SEGMENTS.has(segment)) throw new ApiError(404, 'InvalidStream', 'Vigil ingests OpenTelemetry logs only: send traces elsewhere, or as logs.');
    if (!LOG_SEGMENTS.has(segment)) {
      throw new ApiError(404, 'InvalidStream', `'${req.params.stream}' is not an OTLP logs stream: post to …/streams/Microsoft-OTLP-Logs/otlp/v1/logs.`);
    }
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.ingestion, req.raw);
    const { rule, resourceId } = admitIngestion(deps.metadata, req, caller, req.params.ruleId, OTEL_LOGS_STREAM);
    const encoding = otlpEncoding(req.headers['content-type']);
    if (!limiter.take(rule.immutableId)) {
      throw new ApiError(429, 'TooManyRequests', `Too many requests to data collection rule '${rule.immutableId}'. Retry after the time in the Retry-After header.`, {}, { 'retry-after': String(limiter.retryAfterSeconds(rule.immutableId)) });
    }
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const request = decodeOtlpLogs(body, encoding, req.headers['content-encoding'] as string | undefined);
    const enrich = [...(rule.otelDataSources?.otelLogs ?? []), ...(rule.otelDirectDataSources?.otelLogs ?? [])].flatMap((d) => d.enrichWithResourceAttributes ?? []);
    const rows = otelLogsRows(request, enrich);
    if (rows.length > 0) {
      try {
        await deps.ingest.ingest(rule, OTEL_LOGS_STREAM, rows, { resourceId });
      } catch (err) {
        throw storageApiError(err) ?? err;
      }
    }
    if (encoding === 'json') return reply.code(200).type('application/json').send('{}');
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(ExportLogsServiceResponse.encode(ExportLogsServiceResponse.create({})).finish()));
  };
  for (const rules of ['datacollectionRules', 'dataCollectionRules', 'datacollectionrules']) {
    app.post<{ Params: { ruleId: string; stream: string } }>(`/${rules}/:ruleId/streams/:stream/otlp/v1/logs`, handler);
  }
}
