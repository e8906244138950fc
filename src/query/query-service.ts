import { isAllowed, type Caller } from '../authz/authorize.js';
import { compile, KqlError, type ColumnSchema, type ResolvedTable } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, tableResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { ApiError } from '../errors/api-error.js';
import { QueryAbortedError, type LogStore } from '../store/store.js';
import { sqlIdent } from '../kql/sql.js';
import type { PreferOptions } from './prefer.js';
import type { TimeRange } from './timespan.js';
import { toWireRow, wrapForWire } from './wire-format.js';

/** Limits of one query (Azure: 500,000 rows, ~64 MB, default 3 min, at most 10 min). */
export interface QueryLimitsConfig {
  maxRows: number;
  maxResultBytes: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimitsConfig = {
  maxRows: 500_000,
  maxResultBytes: 64 * 1024 * 1024,
  defaultTimeoutSeconds: 180,
  maxTimeoutSeconds: 600,
};

export interface QueryRequest {
  caller: Caller;
  workspace: WorkspaceRecord;
  additionalWorkspaces: WorkspaceRecord[];
  query: string;
  timespan?: TimeRange;
  prefer: PreferOptions;
  signal?: AbortSignal;
}

export interface QueryResults {
  tables: { name: string; columns: { name: string; type: string }[]; rows: unknown[][] }[];
  statistics?: unknown;
  render?: unknown;
  error?: unknown;
}

const insufficientAccess = (what: string) =>
  new ApiError(403, 'InsufficientAccessError', `The provided credentials have insufficient access to perform the requested operation: ${what}`, {
    innererror: { code: 'AuthorizationFailedError', message: what },
  });

/** Turns a compiler error into the Query API's 400 with its position (reference §2). */
function kqlErrorToApi(err: KqlError): ApiError {
  const syntax = err.kind === 'SyntaxError';
  return new ApiError(400, 'BadArgumentError', `${syntax ? 'Syntax error' : 'Semantic error'} at line ${err.line}, column ${err.column}: ${err.message}`, {
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
  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly limits: QueryLimitsConfig = DEFAULT_QUERY_LIMITS,
  ) {}

  /** May the caller query this workspace at all? */
  canQueryWorkspace(caller: Caller, w: WorkspaceRecord): boolean {
    return isAllowed(this.metadata, caller, 'Microsoft.OperationalInsights/workspaces/query/read', workspaceResourceId(w));
  }

  /** May the caller read this table of this workspace (legacy per-table action or the granular dataAction)? */
  canReadTable(caller: Caller, w: WorkspaceRecord, table: string): boolean {
    const scope = tableResourceId(w, table);
    return (
      isAllowed(this.metadata, caller, `Microsoft.OperationalInsights/workspaces/query/${table}/read`, scope) ||
      isAllowed(this.metadata, caller, 'Microsoft.OperationalInsights/workspaces/tables/data/read', scope, 'dataAction')
    );
  }

  /** Finds a workspace by GUID, ARM resource id, or unique name — the forms Azure accepts. */
  findWorkspace(ref: string): WorkspaceRecord | undefined {
    const byId = this.metadata.workspaceByCustomerId(ref);
    if (byId) return byId;
    const arm = parseWorkspaceResourceId(ref);
    if (arm) return this.metadata.workspace(arm.subscriptionId, arm.resourceGroup, arm.name);
    const named = this.metadata.workspaces().filter((w) => w.name.toLowerCase() === ref.toLowerCase());
    return named.length === 1 ? named[0] : undefined;
  }

  async run(req: QueryRequest): Promise<QueryResults> {
    const started = process.hrtime.bigint();
    const workspaces = [req.workspace, ...req.additionalWorkspaces.filter((w) => w.customerId !== req.workspace.customerId)];
    for (const w of workspaces) {
      if (!this.canQueryWorkspace(req.caller, w)) throw insufficientAccess(`the caller may not query workspace '${w.customerId}'.`);
    }
    const resolver = {
      resolveTable: (name: string): ResolvedTable | undefined => {
        const sources: { w: WorkspaceRecord; columns: ColumnSchema[]; table: string }[] = [];
        for (const w of workspaces) {
          const t = w.tables.find((x) => x.name === name) ?? w.tables.find((x) => x.name.toLowerCase() === name.toLowerCase());
          if (!t) continue;
          if (!this.canReadTable(req.caller, w, t.name)) throw insufficientAccess(`the caller may not read table '${t.name}'.`);
          sources.push({ w, table: t.name, columns: tableSchema(t) });
        }
        if (sources.length === 0) return undefined;
        if (sources.length === 1) return { sql: this.store.tableSource(sources[0]!.w.customerId, sources[0]!.table), columns: sources[0]!.columns };
        // The same table in several workspaces: their union, columns aligned by name.
        const columns: ColumnSchema[] = [];
        for (const s of sources) for (const c of s.columns) if (!columns.some((x) => x.name === c.name)) columns.push(c);
        const selects = sources.map((s) => {
          const list = columns.map((c) => (s.columns.some((x) => x.name === c.name) ? sqlIdent(c.name) : `NULL AS ${sqlIdent(c.name)}`)).join(', ');
          return `SELECT ${list} FROM ${this.store.tableSource(s.w.customerId, s.table)}`;
        });
        return { sql: `(${selects.join(' UNION ALL ')})`, columns };
      },
    };
    let compiled;
    try {
      compiled = compile(req.query, resolver, { now: new Date(), timespan: req.timespan });
    } catch (err) {
      if (err instanceof KqlError) throw kqlErrorToApi(err);
      throw err;
    }
    const waitSeconds = Math.min(req.prefer.waitSeconds ?? this.limits.defaultTimeoutSeconds, this.limits.maxTimeoutSeconds);
    const sql = `SELECT * FROM (${wrapForWire(compiled.sql, compiled.columns)}) LIMIT ${this.limits.maxRows + 1}`;
    let output;
    try {
      output = await this.store.query(sql, { timeoutMs: waitSeconds * 1000, signal: req.signal });
    } catch (err) {
      if (err instanceof QueryAbortedError) {
        if (err.reason === 'timeout') {
          throw new ApiError(504, 'GatewayTimeout', `The query ran longer than its time limit of ${waitSeconds} seconds and was stopped. Narrow the time range or filter earlier, or ask for more time with the 'Prefer: wait=<seconds>' header (at most ${this.limits.maxTimeoutSeconds}).`);
        }
        throw new ApiError(499, 'QueryCancelled', 'The query was cancelled because the client went away.');
      }
      throw new ApiError(400, 'BadArgumentError', 'The query could not be executed.', {
        innererror: { code: 'EngineError', message: sanitizeEngineMessage((err as Error).message) },
      });
    }
    const rows: unknown[][] = [];
    let bytes = 0;
    let truncated: string | undefined;
    for (const raw of output.rows) {
      if (rows.length >= this.limits.maxRows) {
        truncated = `Query result set has exceeded the internal record count limit ${this.limits.maxRows} records.`;
        break;
      }
      const row = toWireRow(raw, compiled.columns);
      bytes += JSON.stringify(row).length + 1;
      if (bytes > this.limits.maxResultBytes) {
        truncated = `Query result set has exceeded the internal data size limit ${this.limits.maxResultBytes} bytes.`;
        break;
      }
      rows.push(row);
    }
    const result: QueryResults = {
      tables: [{ name: 'PrimaryResult', columns: compiled.columns.map((c) => ({ name: c.name, type: c.type })), rows }],
    };
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
          inputDatasetStatistics: { extents: {}, rows: {} },
          datasetStatistics: [{ tableRowCount: rows.length, tableSize: bytes }],
          crossClusterResourceUsage: {},
          tables: compiled.tables,
        },
      };
    }
    if (req.prefer.includeRender && compiled.render) result.render = compiled.render;
    return result;
  }
}

function formatSeconds(s: number): string {
  const total = Math.round(s * 1e7);
  const ticks = String(total % 1e7).padStart(7, '0');
  const secs = Math.floor(total / 1e7);
  return `${String(Math.floor(secs / 3600)).padStart(2, '0')}:${String(Math.floor(secs / 60) % 60).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}.${ticks}`;
}

/** DuckDB messages may quote generated SQL; keep only the first line and drop anything SQL-like. */
function sanitizeEngineMessage(message: string): string {
  const first = message.split('\n')[0] ?? 'execution failed';
  return first.replace(/"ws_[0-9a-f]+"\.main\./g, '').slice(0, 300);
}
