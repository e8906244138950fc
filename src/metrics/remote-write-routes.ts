/**
 * Metrics ingestion of Azure Monitor workspaces: Prometheus remote write (1.0: snappy-compressed
 * protobuf `WriteRequest`) at
 *   POST /dataCollectionRules/{immutableId}/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24
 * — Azure's data collection endpoint metrics URL, here on Vigil's own listeners. A bearer token for
 * `https://monitor.azure.com` whose principal has Monitoring Metrics Publisher (dataAction
 * `Microsoft.Insights/Metrics/Write`) on the rule; the rule's Prometheus stream must flow to an account
 * the request's network may reach. The body is checked for size (compressed and declared decompressed)
 * and passed unchanged to the account's Prometheus, which decodes and stores it. 204 on success.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAllowed, type Caller } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import { listenerOf } from '../network/listeners.js';
import { PROMETHEUS_STREAM, REMOTE_WRITE_API_VERSIONS } from './endpoints.js';
import { forward, readText } from './forward.js';
import { requireAccountNetworkAccess } from './network-access.js';
import type { PrometheusSupervisor } from './prometheus-supervisor.js';
import { monitorAccountId } from './records.js';
import { mirrorErrorCodeHeader } from '../errors/error-code-header.js';

/** Largest compressed body accepted (Prometheus senders batch far below this). */
export const MAX_REMOTE_WRITE_BYTES = 4 * 1024 * 1024;
/** Largest decompressed size a body may declare (snappy's length preamble), so the store never allocates more. */
export const MAX_REMOTE_WRITE_DECODED_BYTES = 32 * 1024 * 1024;

export interface RemoteWriteDeps {
  metadata: MetadataStore;
  prometheus: PrometheusSupervisor;
  authenticate: Authenticate;
}

/** Snappy block format: the decoded length as a little-endian base-128 varint at the start. */
export function snappyDecodedLength(body: Buffer): number | undefined {
  let value = 0;
  for (let i = 0; i < Math.min(body.length, 5); i++) {
    const b = body[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value;
  }
  return undefined;
}

export async function remoteWriteRoutes(app: FastifyInstance, deps: RemoteWriteDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REMOTE_WRITE_BYTES }, (_req, body, done) => done(null, body));
  mirrorErrorCodeHeader(app);

  const callers = new WeakMap<object, Caller>();
  // The api-version and the token are checked before the body is read: an anonymous sender never gets 4 MB in.
  const checkCaller = async (req: FastifyRequest) => {
    const version = new URLSearchParams(req.url.split('?')[1] ?? '').get('api-version');
    if (!version) throw new ApiError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    if (!(REMOTE_WRITE_API_VERSIONS as readonly string[]).includes(version)) {
      throw new ApiError(400, 'UnsupportedApiVersion', `The api-version '${version}' is not supported. Supported versions: ${REMOTE_WRITE_API_VERSIONS.join(', ')}.`);
    }
    callers.set(req, await deps.authenticate(req.headers.authorization, AUDIENCES.ingestion, req.raw));
  };

  app.post<{ Params: { ruleId: string; stream: string } }>('/dataCollectionRules/:ruleId/streams/:stream/api/v1/write', { onRequest: checkCaller }, async (req, reply) => {
    const caller = callers.get(req)!;
    const rule = deps.metadata.dataCollectionRuleByImmutableId(req.params.ruleId);
    if (!rule) throw new ApiError(404, 'NotFound', `Data collection rule with immutable Id '${req.params.ruleId}' not found.`);
    if (!isAllowed(deps.metadata, caller, 'Microsoft.Insights/Metrics/Write', dataCollectionRuleId(rule), 'dataAction')) {
      throw new ApiError(
        403,
        'OperationFailed',
        `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${rule.immutableId}'. Assign the Monitoring Metrics Publisher role on the rule to the caller.`,
      );
    }
    // The rule's Prometheus stream and the account(s) it flows to.
    const stream = req.params.stream;
    const accounts =
      stream.toLowerCase() === PROMETHEUS_STREAM.toLowerCase()
        ? rule.dataFlows
            .filter((f) => f.streams.some((s) => s.toLowerCase() === stream.toLowerCase()))
            .flatMap((f) => f.destinations)
            .map((name) => rule.destinations.monitoringAccounts?.find((d) => d.name.toLowerCase() === name.toLowerCase()))
            .map((d) => d && deps.metadata.monitorAccountByAccountId(d.accountId))
            .filter((a) => a !== undefined)
        : [];
    if (accounts.length === 0) {
      throw new ApiError(404, 'InvalidStream', `Data collection rule '${rule.immutableId}' has no data flow of stream '${stream}' to an Azure Monitor workspace. Remote write uses stream '${PROMETHEUS_STREAM}' of an account's default rule.`);
    }
    const listener = listenerOf(req.raw);
    for (const a of accounts) requireAccountNetworkAccess(deps.metadata, listener, 'ingestion', a, req.ip);

    const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-protobuf') {
      throw new ApiError(415, 'UnsupportedMediaType', `Content-Type must be application/x-protobuf (a Prometheus remote-write WriteRequest; got '${contentType || 'none'}').`);
    }
    const encoding = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== 'snappy') throw new ApiError(415, 'UnsupportedMediaType', `Content-Encoding must be snappy (got '${encoding || 'none'}').`);
    const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const decoded = snappyDecodedLength(body);
    if (decoded === undefined) throw new ApiError(400, 'InvalidPayload', 'The body is not a snappy-compressed block.');
    if (decoded > MAX_REMOTE_WRITE_DECODED_BYTES) {
      throw new ApiError(413, 'ContentLengthLimitExceeded', `The body decompresses to ${decoded} bytes; at most ${MAX_REMOTE_WRITE_DECODED_BYTES} are accepted. Send smaller batches (queue_config.max_samples_per_send).`);
    }
    for (const a of accounts) {
      const upstream = deps.prometheus.upstream(a.accountId, monitorAccountId(a));
      const res = await forward(upstream, 'POST', '/api/v1/write', {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': String(req.headers['x-prometheus-remote-write-version'] ?? '0.1.0').slice(0, 16),
      }, body);
      const text = await readText(res);
      const status = res.statusCode ?? 500;
      if (status >= 500) throw new ApiError(503, 'ServiceUnavailable', `The metrics store did not accept the batch (${status}); retry.`, {}, { 'retry-after': '5' });
      if (status >= 400) throw new ApiError(400, 'InvalidPayload', `The metrics were refused: ${text.trim() || `status ${status}`}`);
    }
    return reply.code(204).send();
  });
}
