/**
 * The query endpoint of Azure Monitor workspaces: the Prometheus HTTP API below
 * `properties.metrics.prometheusQueryEndpoint` = `{base}/monitor-accounts/{accountId}`:
 *   GET|POST …/api/v1/query, …/api/v1/query_range, …/api/v1/series, …/api/v1/labels; GET …/api/v1/label/{name}/values
 * with a bearer token for `https://prometheus.monitor.azure.com` whose principal holds the dataAction
 * `Microsoft.Monitor/accounts/data/metrics/read` on the account (Monitoring Data Reader), from a network
 * the account accepts. Only these read paths are proxied to the account's Prometheus (GET with the
 * query string, POST with a form body); everything else under the prefix — admin API, remote read or
 * write, the UI, status pages — is 404. Errors use Prometheus's envelope
 * `{"status":"error","errorType","error"}`, as Azure's query endpoint answers.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAllowed } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { listenerOf } from '../network/listeners.js';
import { forward } from './forward.js';
import { requireAccountNetworkAccess } from './network-access.js';
import type { PrometheusSupervisor } from './prometheus-supervisor.js';
import { monitorAccountId } from './records.js';

export const READ_DATA_ACTION = 'Microsoft.Monitor/accounts/data/metrics/read';
/** Largest form body of a POSTed query. */
export const MAX_QUERY_FORM_BYTES = 256 * 1024;
const PREFIX = '/monitor-accounts/:accountId';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface QueryRouteDeps {
  metadata: MetadataStore;
  prometheus: PrometheusSupervisor;
  authenticate: Authenticate;
}

function prometheusError(status: number, errorType: string, error: string) {
  return { status: 'error', errorType, error };
}

export async function prometheusQueryRoutes(app: FastifyInstance, deps: QueryRouteDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_QUERY_FORM_BYTES }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let api: ApiError;
    if (err instanceof ApiError) api = err;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') api = new ApiError(413, 'ContentLengthLimitExceeded', `The form body is larger than ${MAX_QUERY_FORM_BYTES} bytes.`);
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') api = new ApiError(415, 'UnsupportedMediaType', 'POST a form body (application/x-www-form-urlencoded).');
    else {
      req.log.error({ err }, 'prometheus query failed');
      api = new ApiError(500, 'InternalServerError', `Vigil hit an unexpected error (correlation id ${req.id}).`);
    }
    for (const [k, v] of Object.entries(api.headers)) void reply.header(k, v);
    const message = api.extra.innererror ? `${api.message} ${(api.extra.innererror as { message?: string }).message ?? ''}`.trim() : api.message;
    return reply.code(api.status).type('application/json').send(prometheusError(api.status, api.code, message));
  });

  const proxy = (upstreamPath: (req: FastifyRequest<{ Params: Record<string, string> }>) => string) =>
    async (req: FastifyRequest<{ Params: Record<string, string> }>, reply: FastifyReply) => {
      const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.prometheus, req.raw);
      const account = deps.metadata.monitorAccountByAccountId(req.params.accountId!);
      const id = account ? monitorAccountId(account) : `(Azure Monitor workspace ${req.params.accountId})`;
      if (!account || !isAllowed(deps.metadata, caller, READ_DATA_ACTION, id, 'dataAction')) {
        // The same answer for an account that does not exist and one the caller may not read.
        throw new ApiError(
          403,
          'Forbidden',
          `User '${caller.objectId}' does not have access to perform any of the following actions '${READ_DATA_ACTION.toLowerCase()}' on resource '${id}'. RequestId: ${req.id}`,
        );
      }
      requireAccountNetworkAccess(deps.metadata, listenerOf(req.raw), 'query', account, req.ip);
      const upstream = deps.prometheus.upstream(account.accountId, id);
      const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const res =
        req.method === 'POST'
          ? await forward(upstream, 'POST', `${upstreamPath(req)}${search}`, { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, typeof req.body === 'string' ? req.body : '')
          : await forward(upstream, 'GET', `${upstreamPath(req)}${search}`, { accept: 'application/json' });
      void reply.code(res.statusCode ?? 502).header('content-type', res.headers['content-type'] ?? 'application/json');
      return reply.send(res);
    };

  for (const name of ['query', 'query_range', 'series', 'labels']) {
    app.route({ method: ['GET', 'POST'], url: `${PREFIX}/api/v1/${name}`, handler: proxy(() => `/api/v1/${name}`) });
  }
  app.get(`${PREFIX}/api/v1/label/:name/values`, async (req: FastifyRequest<{ Params: Record<string, string> }>, reply) => {
    if (!LABEL_NAME.test(req.params.name!)) throw new ApiError(400, 'bad_data', `invalid label name: '${req.params.name}'`);
    return proxy((r) => `/api/v1/label/${r.params.name}/values`)(req, reply);
  });
  // Everything else under an account's query endpoint is not served.
  app.all(`${PREFIX}/*`, async (req) => {
    throw new ApiError(404, 'NotFound', `${req.method} ${req.url.split('?')[0]} is not part of the query API of an Azure Monitor workspace: use /api/v1/query, /api/v1/query_range, /api/v1/series, /api/v1/labels or /api/v1/label/{name}/values.`);
  });
}
