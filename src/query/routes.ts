import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { AUDIENCES } from '../identity/audiences.js';
import type { Authenticate } from '../identity/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import { parsePrefer, type PreferOptions } from './prefer.js';
import type { QueryResults, QueryService, QueryTrace } from './query-service.js';
import { resultJson } from './result-json.js';
import type { QueryAuditor } from '../audit/query-audit.js';
import { savedReportQueries } from '../audit/report-queries.js';
import { LAQUERYLOGS } from '../audit/system-tables.js';
import { workspaceTables } from '../metadata/standard-tables.js';
import { parseTimespan } from './timespan.js';
import { ServerTimings } from './server-timing.js';
import { isWithinScope, normalizeScope, parseArmScope } from '../authz/scope.js';
import { insufficientAccess } from './table-access.js';
import { listenerOf, type ListenerInfo } from '../network/listeners.js';
import { requireNetworkAccess } from '../network/access.js';

export interface QueryRouteDeps {
  metadata: MetadataStore;
  queries: QueryService;
  authenticate: Authenticate;
  /** The query audit (LAQueryLogs): every user query passes through it, whatever its outcome. */
  auditor?: QueryAuditor;
}

interface Origin {
  listener: ListenerInfo;
  ip: string;
}

/** A header value as one string (the first, when repeated), bounded in length. */
const header = (v: unknown): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.length > 0 ? s.slice(0, 256) : undefined;
};

interface QueryBody {
  query?: unknown;
  timespan?: unknown;
  workspaces?: unknown;
}

const MAX_QUERY_CHARS = 100_000;
const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_BATCH_REQUESTS = 10;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const pathNotFound = (what: string) => new ApiError(404, 'PathNotFoundError', `The requested path does not exist: ${what}`);

/** Aborts when the client goes away before the answer is written. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * The Log Analytics Query API (`/v1`): `GET|POST /workspaces/{id}/query`, `POST /$batch` and
 * `GET|POST /workspaces/{id}/metadata`, with Azure's bodies, `Prefer` options and errors.
 */
export async function queryRoutes(app: FastifyInstance, deps: QueryRouteDeps): Promise<void> {
  const { queries } = deps;

  /**
   * The workspace a query names, for a caller who may query it. A caller without query rights gets
   * 403 InsufficientAccessError, as in Azure (the standard "unauthorized query attempts" alert keys
   * on LAQueryLogs ResponseCode 403), and an unknown workspace 404 — except where telling the two
   * apart would let a caller discover workspaces it cannot guess: a workspace named by its (guessable)
   * name is reported absent unless the caller may query it, and one named by ARM id in a subscription
   * where the caller holds no role at all is refused with 403 whether or not it exists, as ARM does.
   * A customerId is a random GUID: knowing one is not discovering it.
   */
  const workspaceFor = (caller: Caller, ref: string): WorkspaceRecord => {
    const w = queries.findWorkspace(ref);
    if (w && queries.canQueryWorkspace(caller, w)) return w;
    const notFound = () =>
      new ApiError(404, 'WorkspaceNotFoundError', `The workspace '${ref}' could not be found. Check the workspace id (its customerId GUID, or its ARM resource id).`);
    const refused = () => insufficientAccess(`the caller may not query workspace '${ref}'. Grant a role with Microsoft.OperationalInsights/workspaces/query/read (e.g. Log Analytics Reader) on it.`);
    if (GUID.test(ref)) throw w ? refused() : notFound();
    const arm = parseWorkspaceResourceId(ref);
    if (arm) {
      const subscription = normalizeScope(`/subscriptions/${arm.subscriptionId}`);
      const inSubscription = deps.metadata.roleAssignmentsFor(caller.objectId).some((a) => {
        const scope = normalizeScope(a.scope);
        return isWithinScope(scope, subscription) || isWithinScope(subscription, scope);
      });
      throw w || !inSubscription ? refused() : notFound();
    }
    throw notFound();
  };

  /**
   * The resource of a resource-centric path `/v1/{resourceId}/query` (the SDK sends `/v1//subscriptions/…`).
   * Segments are decoded one by one; an encoded '/' or a '.'/'..' segment does not make a valid id.
   */
  const resourceFromPath = (url: string, verb: 'query' | 'metadata'): string => {
    const raw = url.split('?')[0]!.replace(/^\/+v1\/+/i, '');
    const segments = raw.split('/').filter((x) => x.length > 0);
    const last = segments.pop();
    let decoded: string[];
    try {
      decoded = segments.map((x) => decodeURIComponent(x));
    } catch {
      throw pathNotFound(url.split('?')[0]!);
    }
    const scope = last?.toLowerCase() === verb ? parseArmScope(decoded) : undefined;
    if (!scope) throw pathNotFound(url.split('?')[0]!);
    if (!deps.metadata.subscription(scope.subscriptionId)) {
      throw new ApiError(404, 'ResourceNotFoundError', `The resource '${scope.id}' was not found: its subscription is not served by this Vigil.`);
    }
    return scope.id;
  };

  /** Resource context: refuse outright a caller with no way at all to read logs of the resource. */
  const requireResourceAccess = (caller: Caller, resourceId: string) => {
    if (!queries.access.hasResourceLogAccess(caller, resourceId) && queries.access.readableForResource(caller, resourceId).length === 0) {
      throw insufficientAccess(
        `the caller may not read logs of '${resourceId}'. Grant a role with Microsoft.Insights/logs/*/read (e.g. Reader) on the resource, or a role on the tables to read.`,
      );
    }
  };

  const validateBody = (body: QueryBody) => {
    if (typeof body.query !== 'string' || body.query.trim() === '') {
      throw new ApiError(400, 'BadArgumentError', "The request had some invalid properties: 'query' is required and must be a non-empty string.", {
        innererror: { code: 'QueryValidationError', message: "'query' is required" },
      });
    }
    if (body.query.length > MAX_QUERY_CHARS) {
      throw new ApiError(400, 'BadArgumentError', `The query is ${body.query.length} characters long; the limit is ${MAX_QUERY_CHARS}.`);
    }
    if (body.timespan !== undefined && body.timespan !== null && typeof body.timespan !== 'string') {
      throw new ApiError(400, 'BadArgumentError', "The request had some invalid properties: 'timespan' must be an ISO 8601 string.");
    }
    return body.query;
  };

  /**
   * THE place every user query passes: one query (workspace context, resource context, or one $batch
   * item) runs inside the auditor, which records it in LAQueryLogs whatever the outcome and scrubs
   * obfuscated literals from its errors.
   */
  const audited = (
    caller: Caller,
    target: { workspaceRefs?: string[]; resourceId?: string },
    body: QueryBody,
    headers: { app?: string; correlationId: string },
    execute: (trace: QueryTrace) => Promise<QueryResults>,
  ): Promise<QueryResults> => {
    if (!deps.auditor) return execute({});
    return deps.auditor.run(
      { caller, ...target, query: body.query, timespan: body.timespan, clientApp: headers.app, correlationId: headers.correlationId },
      execute,
    );
  };
  const workspaceRefsOf = (workspaceRef: string, body: QueryBody) => [
    workspaceRef,
    ...(Array.isArray(body.workspaces) ? body.workspaces.filter((x): x is string => typeof x === 'string').slice(0, 100) : []),
  ];
  const requestHeaders = (req: FastifyRequest, item: Record<string, string> = {}) => ({
    app: header(item['x-ms-app']) ?? header(req.headers['x-ms-app']),
    correlationId: header(item['x-ms-client-request-id']) ?? header(req.headers['x-ms-client-request-id']) ?? req.id,
  });

  /** The network a request came from: its listener (public or private) and client address. */
  const originOf = (req: FastifyRequest): Origin => ({ listener: listenerOf(req.raw), ip: req.ip });
  /** Network isolation (src/network/access.ts): the workspace must accept queries from this network. */
  const requireNetwork = (origin: Origin, workspaces: Iterable<WorkspaceRecord>) => {
    for (const w of workspaces) requireNetworkAccess(deps.metadata, origin.listener, 'query', w, origin.ip);
  };
  /** Resource context: every workspace that holds readable rows of the resource must accept queries from this network. */
  const requireResourceNetwork = (origin: Origin, caller: Caller, resourceId: string) =>
    requireNetwork(origin, new Map(queries.access.readableForResource(caller, resourceId).map(({ w }) => [w.customerId, w])).values());

  const runResource = async (caller: Caller, origin: Origin, resourceId: string, body: QueryBody, prefer: PreferOptions, signal?: AbortSignal, trace?: QueryTrace, timings?: ServerTimings): Promise<QueryResults> => {
    const query = validateBody(body);
    requireResourceAccess(caller, resourceId);
    requireResourceNetwork(origin, caller, resourceId);
    const timespan = parseTimespan(body.timespan as string | undefined, new Date());
    return queries.run({ caller, resourceId, additionalWorkspaces: [], query, timespan, prefer, signal, trace, timings });
  };

  const runOne = async (caller: Caller, origin: Origin, workspaceRef: string, body: QueryBody, prefer: PreferOptions, signal?: AbortSignal, trace?: QueryTrace, timings?: ServerTimings): Promise<QueryResults> => {
    const query = validateBody(body);
    let extra: string[] = [];
    if (body.workspaces !== undefined && body.workspaces !== null) {
      if (!Array.isArray(body.workspaces) || body.workspaces.some((x) => typeof x !== 'string')) {
        throw new ApiError(400, 'BadArgumentError', "The request had some invalid properties: 'workspaces' must be an array of workspace ids.");
      }
      extra = body.workspaces as string[];
      if (extra.length > 100) throw new ApiError(400, 'BadArgumentError', 'A query can span at most 100 workspaces.');
    }
    const workspace = workspaceFor(caller, workspaceRef);
    const additional = extra.map((ref) => workspaceFor(caller, ref));
    requireNetwork(origin, [workspace, ...additional]);
    const timespan = parseTimespan(body.timespan as string | undefined, new Date());
    return queries.run({ caller, workspace, additionalWorkspaces: additional, query, timespan, prefer, signal, trace, timings });
  };

  const handleQuery = async (req: FastifyRequest<{ Params: { workspaceId: string } }>, reply: FastifyReply, body: QueryBody) => {
    const timings = new ServerTimings();
    const caller = await timings.time('auth', () => deps.authenticate(req.headers.authorization, AUDIENCES.query, req.raw));
    const prefer = parsePrefer(req.headers.prefer);
    const signal = disconnectSignal(reply);
    const result = await audited(caller, { workspaceRefs: workspaceRefsOf(req.params.workspaceId, body) }, body, requestHeaders(req), (trace) =>
      runOne(caller, originOf(req), req.params.workspaceId, body, prefer, signal, trace, timings),
    );
    return sendResult(reply, prefer, result, timings);
  };

  const sendResult = (reply: FastifyReply, prefer: PreferOptions, result: QueryResults, timings: ServerTimings) => {
    const applied = [
      prefer.includeStatistics && 'include-statistics=true',
      prefer.includeRender && 'include-render=true',
      prefer.includePermissions && 'include-permissions=true',
      prefer.waitSeconds && `wait=${prefer.waitSeconds}`,
    ].filter(Boolean);
    if (applied.length) reply.header('preference-applied', applied.join(','));
    const since = process.hrtime.bigint();
    const text = resultJson(result);
    timings.add('serialize', since);
    reply.header('server-timing', timings.header());
    return reply.code(200).type(JSON_TYPE).send(text);
  };

  /** `GET|POST /v1/{resourceId}/query` and `/v1/{resourceId}/metadata`: resource-centric queries. */
  const handleResource = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    const timings = new ServerTimings();
    const caller = await timings.time('auth', () => deps.authenticate(req.headers.authorization, AUDIENCES.query, req.raw));
    if (/\/metadata\/*$/i.test(path)) return resourceMetadata(caller, originOf(req), resourceFromPath(req.url, 'metadata'), reply);
    const resourceId = resourceFromPath(req.url, 'query');
    let body: QueryBody;
    if (req.method === 'GET') {
      const q = req.query as Record<string, string>;
      body = { query: q.query, timespan: q.timespan };
    } else {
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
        throw new ApiError(400, 'BadArgumentError', 'The request body must be a JSON object {"query": "...", "timespan": "..."} sent with Content-Type: application/json.');
      }
      body = req.body as QueryBody;
    }
    const prefer = parsePrefer(req.headers.prefer);
    const signal = disconnectSignal(reply);
    return sendResult(
      reply,
      prefer,
      await audited(caller, { resourceId }, body, requestHeaders(req), (trace) => runResource(caller, originOf(req), resourceId, body, prefer, signal, trace, timings)),
      timings,
    );
  };
  app.get('/v1/*', handleResource);
  app.post('/v1/*', handleResource);

  const resourceMetadata = (caller: Caller, origin: Origin, resourceId: string, reply: FastifyReply) => {
    requireResourceAccess(caller, resourceId);
    requireResourceNetwork(origin, caller, resourceId);
    const readable = queries.access.readableForResource(caller, resourceId);
    const byName = new Map<string, { name: string; columns: { name: string; type: string }[]; workspaces: string[] }>();
    for (const { w, t } of readable) {
      const entry = byName.get(t.name.toLowerCase()) ?? { name: t.name, columns: tableSchema(t).map((c) => ({ name: c.name, type: c.type })), workspaces: [] };
      entry.workspaces.push(w.customerId);
      byName.set(t.name.toLowerCase(), entry);
    }
    const workspaces = [...new Map(readable.map(({ w }) => [w.customerId, w])).values()];
    return reply.code(200).send({
      categories: [],
      resourceTypes: [],
      solutions: [],
      tables: [...byName.values()].map((t) => ({ id: `t/${t.name}`, name: t.name, timespanColumn: 'TimeGenerated', columns: t.columns, workspaces: t.workspaces })),
      functions: [],
      queries: [],
      applications: [],
      workspaces: workspaces.map((w) => ({ id: w.customerId, resourceId: workspaceResourceId(w), name: w.name, region: w.location })),
      resources: [{ id: resourceId }],
      permissions: [{ resources: [{ resourceId, dataSources: workspaces.map((w) => workspaceResourceId(w)) }] }],
    });
  };

  app.get<{ Params: { workspaceId: string }; Querystring: Record<string, string> }>('/v1/workspaces/:workspaceId/query', (req, reply) => {
    const q = req.query;
    return handleQuery(req, reply, { query: q.query, timespan: q.timespan, workspaces: q.workspaces ? q.workspaces.split(',').map((s) => s.trim()) : undefined });
  });

  app.post<{ Params: { workspaceId: string }; Body: QueryBody }>('/v1/workspaces/:workspaceId/query', (req, reply) => {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      throw new ApiError(400, 'BadArgumentError', 'The request body must be a JSON object {"query": "...", "timespan": "..."} sent with Content-Type: application/json.');
    }
    return handleQuery(req, reply, req.body);
  });

  app.post<{ Body: unknown }>('/v1/$batch', async (req, reply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.query, req.raw);
    const body = req.body as { requests?: unknown } | undefined;
    const invalid = (why: string) => new ApiError(400, 'BadArgumentError', `The batch request is invalid: ${why}`, { innererror: { code: 'QueryValidationError', message: why } });
    if (!body || typeof body !== 'object' || !Array.isArray(body.requests)) throw invalid("the body must be {\"requests\": [...]}.");
    if (body.requests.length === 0) throw invalid('it has no requests.');
    if (body.requests.length > MAX_BATCH_REQUESTS) throw invalid(`it has ${body.requests.length} requests; the limit is ${MAX_BATCH_REQUESTS}.`);
    const ids = new Set<string>();
    const items = body.requests.map((r: unknown, i: number) => {
      const item = r as { id?: unknown; workspace?: unknown; body?: unknown; headers?: Record<string, unknown>; path?: unknown; method?: unknown };
      if (!item || typeof item !== 'object') throw invalid(`requests[${i}] is not an object.`);
      if (typeof item.id !== 'string' || item.id === '') throw invalid(`requests[${i}].id is required.`);
      if (ids.has(item.id)) throw invalid(`the id '${item.id}' is used twice.`);
      ids.add(item.id);
      if (typeof item.workspace !== 'string' || item.workspace === '') throw invalid(`requests[${i}].workspace is required.`);
      if (!item.body || typeof item.body !== 'object') throw invalid(`requests[${i}].body is required.`);
      return item as { id: string; workspace: string; body: QueryBody; headers?: Record<string, unknown>; path?: unknown; method?: unknown };
    });
    const signal = disconnectSignal(reply);
    const responses = await Promise.all(
      items.map(async (item) => {
        try {
          const path = typeof item.path === 'string' ? item.path : '/query';
          const method = typeof item.method === 'string' ? item.method.toUpperCase() : 'POST';
          if (path.replace(/\/+$/, '').toLowerCase() !== '/query') throw pathNotFound(path);
          if (method !== 'POST' && method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `Method ${method} is not allowed for ${path}.`);
          const headers = Object.fromEntries(Object.entries(item.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
          const body = item.body;
          const result = await audited(caller, { workspaceRefs: workspaceRefsOf(item.workspace, body) }, body, requestHeaders(req, headers), (trace) =>
            runOne(caller, originOf(req), item.workspace, body, parsePrefer(headers.prefer), signal, trace),
          );
          return { id: item.id, status: 200, body: result };
        } catch (err) {
          if (err instanceof ApiError) return { id: item.id, status: err.status, body: err.body() };
          throw err;
        }
      }),
    );
    return reply.code(200).type(JSON_TYPE).send(resultJson({ responses }));
  });

  const metadata = async (req: FastifyRequest<{ Params: { workspaceId: string } }>, reply: FastifyReply) => {
    const caller = await deps.authenticate(req.headers.authorization, AUDIENCES.query, req.raw);
    const w = workspaceFor(caller, req.params.workspaceId);
    requireNetwork(originOf(req), [w]);
    const tables = workspaceTables(w)
      .filter((t) => queries.canReadTable(caller, w, t.name))
      .map((t) => ({
        id: `t/${t.name}`,
        name: t.name,
        timespanColumn: 'TimeGenerated',
        columns: tableSchema(t).map((c) => ({ name: c.name, type: c.type })),
        workspaces: [w.customerId],
      }));
    return reply.code(200).send({
      categories: [],
      resourceTypes: [],
      solutions: [],
      tables,
      functions: [],
      // The workspace-insights queries over the query audit, for whoever may read it.
      queries: tables.some((t) => t.name === LAQUERYLOGS) ? savedReportQueries() : [],
      applications: [],
      workspaces: [{ id: w.customerId, resourceId: workspaceResourceId(w), name: w.name, region: w.location }],
      resources: [],
      permissions: [{ workspace: w.customerId, dataSources: [{ resourceId: workspaceResourceId(w) }] }],
    });
  };
  app.get('/v1/workspaces/:workspaceId/metadata', metadata);
  app.post('/v1/workspaces/:workspaceId/metadata', metadata);
}
