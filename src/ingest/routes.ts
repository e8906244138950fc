import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError, storageApiError } from '../errors/api-error.js';
import { decodeIngestBody, MAX_INGEST_BYTES } from './decode-body.js';
import type { IngestService } from './ingest-service.js';
import { RateLimiter } from './rate-limiter.js';
import { admitIngestion } from './admission.js';
import { mirrorErrorCodeHeader } from '../errors/error-code-header.js';

const SUPPORTED_VERSIONS = new Set(['2023-01-01', '2021-11-01-preview', '2023-04-01-preview']);

export interface IngestRouteDeps {
  metadata: MetadataStore;
  ingest: IngestService;
  authenticate: Authenticate;
  /** Requests per minute per rule (Azure: 12,000). */
  requestsPerMinute?: number;
  /** The per-rule counter, when it is shared with another ingestion protocol (OTLP). */
  limiter?: RateLimiter;
}

/**
 * The Logs Ingestion API: `POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01`,
 * gzip or plain JSON array, 204 on success; failures carry `x-ms-error-code` as Azure's do.
 */
export async function ingestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const limiter = deps.limiter ?? new RateLimiter(deps.requestsPerMinute ?? 12_000, 60_000);
  // The body is read raw (bounded) so that gzip can be decoded with its own bound.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_INGEST_BYTES }, (_req, body, done) => done(null, body));

  mirrorErrorCodeHeader(app);

  app.post<{ Params: { ruleId: string; stream: string } }>('/dataCollectionRules/:ruleId/streams/:stream', async (req, reply) => {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const version = query.get('api-version');
    if (!version) throw new ApiError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    if (!SUPPORTED_VERSIONS.has(version)) {
      throw new ApiError(400, 'UnsupportedApiVersion', `The api-version '${version}' is not supported. Supported versions: ${[...SUPPORTED_VERSIONS].join(', ')}.`);
    }
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.ingestion, req.raw);
    const { rule, resourceId } = admitIngestion(deps.metadata, req, caller, req.params.ruleId, req.params.stream);
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') {
      throw new ApiError(415, 'UnsupportedMediaType', `Content-Type must be application/json (got '${contentType || 'none'}').`);
    }
    if (!limiter.take(rule.immutableId)) {
      throw new ApiError(429, 'TooManyRequests', `Too many requests to data collection rule '${rule.immutableId}'. Retry after the time in the Retry-After header.`, {}, { 'retry-after': String(limiter.retryAfterSeconds(rule.immutableId)) });
    }
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    // The parsed rows are passed on, not kept in this frame: they are garbage once coerced (ingest-service.ts).
    const stored = deps.ingest.ingest(rule, req.params.stream, await decodeIngestBody(body, req.headers['content-encoding'] as string | undefined), { resourceId });
    try {
      await stored;
    } catch (err) {
      // A full or failing disk: 503 with Retry-After (nothing was acknowledged; the SDKs retry).
      throw storageApiError(err) ?? err;
    }
    return reply.code(204).send();
  });
}
