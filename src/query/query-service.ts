import type { Caller } from '../authz/authorize.js';
import { compileDiscovering, KqlError, type ColumnSchema, type DiscoveryStep } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { ApiError } from '../errors/api-error.js';
import { StatementRefusedError } from '../store/statement-guard.js';
import { SegmentDamagedError } from '../store/segment-damaged.js';
import { QueryAbortedError, type LogStore, type ScanStatistics } from '../store/store.js';
import type { PreferOptions } from './prefer.js';
import { insufficientAccess, TableAccess, type AccessResolver, type QueryContext } from './table-access.js';
import type { TimeRange } from './timespan.js';
import { QueryAdmission } from './admission.js';
import { wireRowAppender, wireStatement } from './wire-format.js';
import { JsonRows } from './result-json.js';
import { querySession } from './query-session.js';
import { PATTERN_PLUGIN_LIMIT_MESSAGE, PATTERN_PLUGIN_PATTERNS_MESSAGE } from '../kql/pattern-plugins.js';
import { GEO_SHAPE_LIMIT_MESSAGE } from '../kql/functions/geo.js';
import { REDUCE_LIMIT_MESSAGE } from '../kql/emit/reduce.js';
import { ASSERT_FAILED } from '../kql/functions/conditional.js';
import { ACTIVITY_PERIODS_MESSAGE, ACTIVITY_STEP_MESSAGE, NEW_ACTIVITY_PERIODS_MESSAGE } from '../kql/emit/activity.js';
import { GRAPH_LIMIT_MESSAGES } from '../kql/plan-graph.js';
import type { LockboxGrant } from '../lockbox/lockbox-service.js';
import { ServerTimings } from './server-timing.js';
import { CompileCache } from './compile-cache.js';

/** Limits of one query (Azure: 500,000 rows, ~64 MB, default 3 min, at most 10 min). */
export interface QueryLimitsConfig {
  maxRows: number;
  maxResultBytes: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  /** Queries one principal may run at once; more wait their turn (Azure: 5). */
  concurrentPerPrincipal?: number;
  /** Queries that may wait in all before new ones get 429 (Azure: 200). */
  maxQueued?: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimitsConfig = {
  maxRows: 500_000,
  maxResultBytes: 64 * 1024 * 1024,
  defaultTimeoutSeconds: 180,
  maxTimeoutSeconds: 600,
};

export interface QueryRequest {
  caller: Caller;
  /** Workspace context: the workspace in the path (absent in resource context). */
  workspace?: WorkspaceRecord;
  additionalWorkspaces: WorkspaceRecord[];
  /** Resource context (`/v1/{resourceId}/query`): the resource, resource group or subscription id. */
  resourceId?: string;
  query: string;
  timespan?: TimeRange;
  prefer: PreferOptions;
  signal?: AbortSignal;
  /** Filled in as the query runs, for the query audit (LAQueryLogs). */
  trace?: QueryTrace;
  /** An operator's approved Customer Lockbox request: replaces RBAC for its one workspace (src/lockbox). */
  lockbox?: LockboxGrant;
  /** Where the request's time goes, for its `Server-Timing` header. */
  timings?: ServerTimings;
}

/** What a query used and read, for its LAQueryLogs record (src/audit/query-audit.ts). */
export interface QueryTrace {
  /** Tables referenced, as resolved. */
  tables?: string[];
  /** ARM ids of the workspaces whose tables the query read. */
  workspaces?: string[];
  scan?: ScanStatistics;
  rowCount?: number;
}

export interface QueryResults {
  tables: { name: string; columns: { name: string; type: string }[]; rows: JsonRows }[];
  statistics?: unknown;
  render?: unknown;
  error?: unknown;
  permissions?: unknown;
}

/** Turns a compiler error into the Query API's 400 with its position (reference §2). */
function kqlErrorToApi(err: KqlError): ApiError {
  const syntax = err.kind === 'SyntaxError';
  return new ApiError(400, 'BadArgumentError', err.message, {
    innererror: {
      code: err.kind,
      message: syntax ? 'A recognition error occurred in the query.' : 'A semantic error occurred.',
      innererror: { code: syntax ? 'SYN0002' : 'SEM0100', message: err.message, line: err.line, pos: err.column, ...(err.token ? { token: err.token } : {}) },
    },
  });
}

/**
 * Runs KQL for the Query API: checks the caller may query the workspace, compiles through a table
 * resolver that enforces table-level read access, executes with time, row and size limits, and
 * shapes the result as Azure's `{tables:[{name,columns,rows}]}`.
 */
export class QueryService {
  /** Table- and resource-level read decisions (src/query/table-access.ts). */
  readonly access: TableAccess;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly limits: QueryLimitsConfig = DEFAULT_QUERY_LIMITS,
    /** Operator log (never given query text). */
    private readonly log?: (level: 'warn', message: string) => void,
    /** The server's public endpoint URL (current_cluster_endpoint() reports its host). */
    private readonly endpoint: () => string = () => '',
  ) {
    this.access = new TableAccess(metadata, store);
    this.admission = new QueryAdmission(limits.concurrentPerPrincipal ?? 5, limits.maxQueued ?? 200);
  }

  private readonly admission: QueryAdmission;
  /** Compiled queries for the next run of the same text by the same caller (src/query/compile-cache.ts). */
  private readonly compiled = new CompileCache();

  /** May the caller query this workspace at all? */
  canQueryWorkspace(caller: Caller, w: WorkspaceRecord): boolean {
    return this.access.canQueryWorkspace(caller, w);
  }

  /** May the caller read this table of this workspace (legacy per-table action or the granular dataAction)? */
  canReadTable(caller: Caller, w: WorkspaceRecord, table: string): boolean {
    return this.access.canReadTable(caller, w, table);
  }

  /** Finds a workspace by GUID, ARM resource id, or unique name — the forms Azure accepts. */
  findWorkspace(ref: string): WorkspaceRecord | undefined {
    return this.access.findWorkspace(ref);
  }

  async run(req: QueryRequest): Promise<QueryResults> {
    const started = process.hrtime.bigint();
    const timings = req.timings ?? new ServerTimings();
    let context: QueryContext;
    if (req.resourceId !== undefined) {
      context = { kind: 'resource', resourceId: req.resourceId };
    } else {
      if (!req.workspace) throw new Error('QueryRequest needs a workspace or a resourceId');
      const primary = req.workspace;
      const workspaces = [primary, ...req.additionalWorkspaces.filter((w) => w.customerId !== primary.customerId)];
      if (req.lockbox) {
        // An operator under an approved lockbox request: its one workspace, nothing else (the grant was checked by src/lockbox).
        if (workspaces.length !== 1 || primary.customerId !== req.lockbox.workspaceId) throw insufficientAccess(`Customer Lockbox request '${req.lockbox.requestId}' covers one workspace only.`);
        if (req.lockbox.expires.getTime() <= Date.now()) throw insufficientAccess(`the access window of Customer Lockbox request '${req.lockbox.requestId}' is over.`);
      } else {
        for (const w of workspaces) {
          if (!this.canQueryWorkspace(req.caller, w)) throw insufficientAccess(`the caller may not query workspace '${w.customerId}'.`);
        }
      }
      context = { kind: 'workspace', workspaces };
    }
    // The one table resolver: authorization of every table reference, and the _ResourceId filter in resource context.
    let resolver = this.access.resolverFor(req.caller, context, req.lockbox);
    const waitSeconds = Math.min(req.prefer.waitSeconds ?? this.limits.defaultTimeoutSeconds, this.limits.maxTimeoutSeconds);
    const deadline = Date.now() + waitSeconds * 1000;
    // A discovery step (bag_unpack keys, pivot values of a stored table) runs as the query does:
    // admitted, through the statement guard, under the same deadline and limits.
    let release: (() => void) | undefined;
    const runDiscovery = async (step: DiscoveryStep): Promise<string[]> => {
      release ??= await this.admission.admit(req.caller.objectId, deadline, req.signal);
      const out = await this.runStatement(step.sql, [{ name: 'v', type: 'string' }], req, resolver, deadline, waitSeconds);
      return out.rows.map((r) => String(r[0] ?? ''));
    };
    let compiled;
    try {
      // The timespan goes to the compiler only when the store does not apply it (the storage engine
      // does, per snapshot: timespan-cover.ts) — then the SQL, and so the cache key, do not move with it.
      const timespan = this.store.appliesTimespan ? undefined : req.timespan;
      // The same text by the same caller in the same context (and timespan, when compiled in) compiled before:
      // reused when the resolver answers as it did then (src/query/compile-cache.ts). Not under a lockbox grant.
      const cacheKey = req.lockbox ? undefined : JSON.stringify([req.caller.objectId, req.caller.appId, req.caller.tenantId, context.kind === 'workspace' ? context.workspaces.map((w) => w.customerId) : context.resourceId, timespan?.start?.getTime() ?? null, timespan?.end?.getTime() ?? null, req.query]);
      compiled = cacheKey === undefined ? undefined : this.compiled.reuse(cacheKey, resolver);
      if (!compiled) {
        // A reuse that failed may have asked the resolver some tables: a fresh one grants only what this compile asks.
        if (cacheKey !== undefined) resolver = this.access.resolverFor(req.caller, context, req.lockbox);
        const recorded = this.compiled.recording(resolver);
        let discoveries = 0;
        // hash_hmac_sha256_ws() is keyed with the primary workspace's pseudonym key (opened only when used).
        const pseudonymKey = req.workspace && /hash_hmac_sha256_ws/i.test(req.query) && this.store.pseudonymKey ? await this.store.pseudonymKey(req.workspace.customerId) : undefined;
        // current_principal() & co. answer for the authenticated caller (src/query/query-session.ts).
        const session = querySession(req.caller, this.metadata, req.workspace?.name ?? req.resourceId ?? '', this.endpoint());
        const discover = (step: DiscoveryStep) => (discoveries++, runDiscovery(step));
        compiled = await compileDiscovering(req.query, recorded.resolver, { now: new Date(), timespan, multipleResults: true, session, ...(pseudonymKey ? { pseudonymKey } : {}) }, discover);
        if (cacheKey !== undefined) this.compiled.keep(cacheKey, compiled, recorded, discoveries);
      }
    } catch (err) {
      release?.();
      if (err instanceof KqlError) throw kqlErrorToApi(err);
      throw err;
    }
    if (req.trace) {
      // The tables read are what the store checked the statement reads (set below), not what the
      // compiler believed it referenced.
      req.trace.tables = [];
      req.trace.workspaces = resolver.permissions().dataSources.map((d) => d.resourceId);
    }
    let since = timings.add('compile', started);
    release ??= await this.admission.admit(req.caller.objectId, deadline, req.signal);
    since = timings.add('queue', since);
    // One statement per result table (fork and facet have several), run one after the other under
    // the same admission and deadline.
    const tables = compiled.results ?? [{ name: 'PrimaryResult', sql: compiled.sql, columns: compiled.columns }];
    const result: QueryResults = { tables: [] };
    let truncated: string | undefined;
    let output: Awaited<ReturnType<typeof this.store.query>> | undefined;
    let rowCount = 0;
    let bytes = 0;
    try {
      for (const table of tables) {
        output = await this.runStatement(table.sql, table.columns, req, resolver, deadline, waitSeconds);
        since = timings.add('execute', since);
        if (req.trace) req.trace.scan = output.statistics;
        // Each row is serialised here, once: to enforce the size limit, and as the response's text
        // (the pieces of every row, joined once into the table's rows text).
        const pieces: string[] = [];
        const appendRow = wireRowAppender(table.columns);
        let tableRows = 0;
        for (const raw of output.rows) {
          if (rowCount >= this.limits.maxRows) {
            truncated = `Query result set has exceeded the internal record count limit ${this.limits.maxRows} records.`;
            break;
          }
          const mark = pieces.length;
          if (tableRows > 0) pieces.push(',');
          bytes += appendRow(raw, pieces) + 1;
          if (bytes > this.limits.maxResultBytes) {
            pieces.length = mark;
            truncated = `Query result set has exceeded the internal data size limit ${this.limits.maxResultBytes} bytes.`;
            break;
          }
          tableRows++;
          rowCount++;
        }
        result.tables.push({ name: table.name, columns: table.columns.map((c) => ({ name: c.name, type: c.type })), rows: new JsonRows(pieces.join(''), tableRows) });
        since = timings.add('serialize', since);
        if (truncated) break;
      }
    } finally {
      release();
    }
    if (truncated) {
      result.error = {
        code: 'PartialError',
        message: 'There were some errors when processing your query.',
        details: [{ code: 'EngineError', message: truncated, innererror: { code: 'E_QUERY_RESULT_SET_TOO_LARGE', message: truncated } }],
      };
    }
    if (req.prefer.includeStatistics) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      result.statistics = {
        query: {
          executionTime: seconds,
          resourceUsage: { cache: {}, cpu: { 'total cpu': formatSeconds(seconds) }, memory: {} },
          inputDatasetStatistics: output?.statistics
            ? {
                // Kusto's names: extents are Vigil's sealed segments; "scanned" ones were read after time pruning.
                extents: { total: output.statistics.segmentsConsidered, scanned: output.statistics.segmentsOpened },
                rows: { total: output.statistics.rowsTotal, scanned: output.statistics.rowsScanned },
              }
            : { extents: {}, rows: {} },
          ...(output?.statistics ? { storage: output.statistics } : {}),
          datasetStatistics: [{ tableRowCount: rowCount, tableSize: bytes }],
          crossClusterResourceUsage: {},
          tables: compiled.tables,
        },
      };
    }
    if (req.prefer.includeRender && compiled.render) result.render = compiled.render;
    if (req.prefer.includePermissions) result.permissions = resolver.permissions();
    return result;
  }

  /** Runs one compiled result table's statement in the store, mapping its failures to API errors. */
  private async runStatement(tableSql: string, columns: ColumnSchema[], req: QueryRequest, resolver: AccessResolver, deadline: number, waitSeconds: number) {
    const sql = wireStatement(tableSql, columns, this.limits.maxRows);
    try {
      if (deadline <= Date.now()) throw new QueryAbortedError('timeout'); // its turn came too late
      return await this.store.query(sql, {
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal: req.signal,
        timespan: req.timespan,
        tables: resolver.grantedTables(),
        exactScan: req.prefer.includeStatistics,
        onTablesRead: (read) => {
          if (req.trace) req.trace.tables = [...new Set([...(req.trace.tables ?? []), ...read.map((g) => g.table)])];
        },
      });
    } catch (err) {
      if (err instanceof QueryAbortedError) {
        if (err.reason === 'timeout') {
          throw new ApiError(504, 'GatewayTimeout', `The query ran longer than its time limit of ${waitSeconds} seconds and was stopped. Narrow the time range or filter earlier, or ask for more time with the 'Prefer: wait=<seconds>' header (at most ${this.limits.maxTimeoutSeconds}).`);
        }
        throw new ApiError(499, 'QueryCancelled', 'The query was cancelled because the client went away.');
      }
      if (err instanceof StatementRefusedError) {
        // The compiled statement named something outside the caller's grant: a compiler fault or an
        // attack that got through it. Nothing ran; the operator hears of it (without the query text).
        this.log?.('warn', `a query of principal ${req.caller.objectId} was refused by the store's statement guard: ${err.message}`);
        throw insufficientAccess('the query tried to read data outside what the caller was granted; nothing was run.');
      }
      // Refusals decided in front of the store keep their own status (e.g. 403 CustomerManagedKeyInaccessible).
      if (err instanceof ApiError) throw err;
      if (err instanceof SegmentDamagedError) {
        // Stored data is damaged: the server's fault, not the query's. Other tables keep serving.
        throw new ApiError(500, 'StorageCorrupted', `The query needs rows that cannot be read: ${err.message}`);
      }
      throw new ApiError(400, 'BadArgumentError', `The query could not be executed: ${describeEngineError((err as Error).message)}`, {
        innererror: { code: 'EngineError', message: describeEngineError((err as Error).message) },
      });
    }
  }
}

function formatSeconds(s: number): string {
  const total = Math.round(s * 1e7);
  const ticks = String(total % 1e7).padStart(7, '0');
  const secs = Math.floor(total / 1e7);
  return `${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}.${ticks}`;
}

/**
 * What a user is told when the engine fails while running a query. DuckDB's own text can quote
 * data values, file paths and generated SQL (and so obfuscated literals or rows of other tables), so
 * only its error class is kept, with advice; the text itself never leaves the process.
 */
export function describeEngineError(message: string): string {
  // Vigil's own limits raised inside the engine (error() with a constant text): compared whole, so no data can pass
  for (const limit of [PATTERN_PLUGIN_LIMIT_MESSAGE, PATTERN_PLUGIN_PATTERNS_MESSAGE, GEO_SHAPE_LIMIT_MESSAGE, REDUCE_LIMIT_MESSAGE, ACTIVITY_PERIODS_MESSAGE, ACTIVITY_STEP_MESSAGE, NEW_ACTIVITY_PERIODS_MESSAGE, ...GRAPH_LIMIT_MESSAGES]) if (message === `Invalid Input Error: ${limit}`) return limit;
  // a failed assert(): its message is a string literal of the query itself (functions/conditional.ts)
  if (message.startsWith(`Invalid Input Error: ${ASSERT_FAILED}`)) return message.slice('Invalid Input Error: '.length);
  const kind = /^([A-Za-z ]+? Error):/.exec(message)?.[1] ?? 'Error';
  switch (kind) {
    case 'Conversion Error':
      return 'A value could not be converted to the type the query needs. The to*() functions (toint, todouble, todatetime…) return null instead of failing.';
    case 'Out of Range Error':
      return 'A number went out of the range of its type during the query (for example long arithmetic overflow). Convert to real with todouble() for large values.';
    case 'Invalid Input Error':
      return /regex|regular expression/i.test(message)
        ? 'A regular expression in the query is not valid. Vigil uses RE2 syntax (no lookarounds or backreferences).'
        : 'An input value is not valid for the function it was passed to.';
    case 'Out of Memory Error':
      return 'The query needed more memory than the engine may use. Narrow the time range, filter earlier, or summarize before joining.';
    case 'Interrupt Error':
      return 'The query was interrupted.';
    default:
      return `The engine could not run the query (${kind}). Simplify the query or report it with the correlation id.`;
  }
}
