/**
 * The query audit (LAQueryLogs, reference §3). `QueryAuditor.run` wraps the execution of ONE user
 * query — workspace context, resource context, or one `$batch` item — and, whatever the outcome
 * (200, syntax error, 403, 404, timeout, cancellation, an unexpected failure), writes one LAQueryLogs
 * record to the audit destination of every workspace the query concerned whose diagnostic setting
 * sends the `Audit` category somewhere. It also scrubs the query's obfuscated literals (`h"…"`) out
 * of any error the query produced before it leaves Vigil.
 *
 * QueryText is kept as submitted, as Azure documents, unless the queried or the destination workspace
 * has the feature flag `maskObfuscatedLiteralsInQueryAudit`, which stores it with `h"******"` instead.
 * Queries Vigil runs for itself (e.g. alert rules) pass `internal: true` and are not logged, as in Azure.
 */
import type { Caller } from '../authz/authorize.js';
import { isAllowed } from '../authz/authorize.js';
import { normalizeScope, parseArmScope } from '../authz/scope.js';
import { ApiError } from '../errors/api-error.js';
import { maskObfuscatedLiterals, obfuscatedSecrets } from '../kql/obfuscate.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import type { QueryTrace } from '../query/query-service.js';
import { parseTimespan } from '../query/timespan.js';
import { auditDestinations } from './destinations.js';
import { redactError } from './redact.js';
import type { AuditSink } from './sink.js';
import { LAQUERYLOGS } from './system-tables.js';

export interface AuditedQuery {
  caller: Caller;
  /** Workspace context: the workspace reference of the path, then those of the body's `workspaces`. */
  workspaceRefs?: string[];
  /** Resource context: the resource (group, subscription) id of the path. */
  resourceId?: string;
  query: unknown;
  timespan: unknown;
  /** `x-ms-app`. */
  clientApp?: string;
  /** `x-ms-client-request-id` (else the request id). */
  correlationId: string;
  /** A query Vigil runs for itself (alert rules): not logged. */
  internal?: boolean;
  /** An operator query under Customer Lockbox: the request it named (recorded in RequestContext). */
  lockboxRequestId?: string;
}

export const MASK_FEATURE = 'maskObfuscatedLiteralsInQueryAudit';
const QUERY_READ = 'Microsoft.OperationalInsights/workspaces/query/read';

export class QueryAuditor {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly sink: AuditSink,
    private readonly findWorkspace: (ref: string) => WorkspaceRecord | undefined,
  ) {}

  async run<T extends { tables?: { rows: { length: number } }[] }>(q: AuditedQuery, execute: (trace: QueryTrace) => Promise<T>): Promise<T> {
    const submitted = new Date();
    const started = process.hrtime.bigint();
    const trace: QueryTrace = {};
    try {
      const result = await execute(trace);
      trace.rowCount = result.tables?.[0]?.rows.length ?? 0;
      this.record(q, submitted, started, 200, trace);
      return result;
    } catch (err) {
      this.record(q, submitted, started, err instanceof ApiError ? err.status : 500, trace);
      throw redactError(err, typeof q.query === 'string' ? obfuscatedSecrets(q.query) : []);
    }
  }

  /** The workspaces whose audit gets this query: the path's workspace (even when it was refused), the others only when the caller may query them. */
  private concerned(q: AuditedQuery, trace: QueryTrace): WorkspaceRecord[] {
    const out = new Map<string, WorkspaceRecord>();
    const add = (w: WorkspaceRecord | undefined) => w && out.set(w.customerId, w);
    if (q.workspaceRefs) {
      q.workspaceRefs.forEach((ref, i) => {
        const w = this.findWorkspace(ref);
        if (w && (i === 0 || isAllowed(this.metadata, q.caller, QUERY_READ, workspaceResourceId(w)))) add(w);
      });
    }
    for (const id of trace.workspaces ?? []) {
      const p = parseWorkspaceResourceId(id);
      add(p && this.metadata.workspace(p.subscriptionId, p.resourceGroup, p.name));
    }
    if (q.resourceId !== undefined && out.size === 0) {
      // A resource-context query that read nothing (refused, or failed before reading): the audited
      // workspaces of the resource's subscription record the attempt.
      const scope = parseArmScope(q.resourceId);
      if (scope) for (const w of this.metadata.workspaces({ subscriptionId: scope.subscriptionId })) if (auditDestinations(this.metadata, w).length) add(w);
    }
    return [...out.values()];
  }

  private record(q: AuditedQuery, submitted: Date, started: bigint, code: number, trace: QueryTrace): void {
    if (q.internal) return;
    try {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const concerned = this.concerned(q, trace);
      if (concerned.length === 0) return;
      let range: { start?: Date; end?: Date } | undefined;
      try {
        range = parseTimespan(typeof q.timespan === 'string' ? q.timespan : undefined, submitted);
      } catch {
        range = undefined;
      }
      const text = typeof q.query === 'string' ? q.query : '';
      const ok = code === 200;
      const scan = trace.scan;
      let from: Date | undefined;
      let to: Date | undefined;
      for (const t of scan?.tables ?? []) {
        if (t.from && (!from || new Date(t.from) < from)) from = new Date(t.from);
        if (t.to && (!to || new Date(t.to) > to)) to = new Date(t.to);
      }
      const processedKB = scan ? scan.bytesDecrypted / 1024 : 0;
      const contextWorkspaces = concerned.map((w) => workspaceResourceId(w));
      for (const source of concerned) {
        for (const dest of auditDestinations(this.metadata, source)) {
          const mask = source.features[MASK_FEATURE] === true || dest.features[MASK_FEATURE] === true;
          const target = q.resourceId ?? workspaceResourceId(source);
          this.sink.write(dest, LAQUERYLOGS, {
            TimeGenerated: submitted,
            AADClientId: q.caller.appId,
            AADEmail: '',
            AADObjectId: q.caller.objectId,
            AADTenantId: q.caller.tenantId,
            CorrelationId: q.correlationId,
            IsBillableQuery: false,
            IsWorkspaceInFailover: false,
            QueryText: mask ? maskObfuscatedLiterals(text) : text,
            QueryTimeRangeStart: range?.start ?? null,
            QueryTimeRangeEnd: range?.end ?? (range?.start ? submitted : null),
            RequestClientApp: q.clientApp ?? '',
            RequestContext:
              q.resourceId !== undefined
                ? { resources: [q.resourceId], ...(trace.tables ? { tables: trace.tables } : {}) }
                : { workspaces: contextWorkspaces, ...(trace.tables ? { tables: trace.tables } : {}), ...(q.lockboxRequestId !== undefined ? { lockboxRequest: q.lockboxRequestId } : {}) },
            RequestContextFilters: {},
            RequestTarget: target,
            ResponseCode: code,
            ResponseDurationMs: Math.round(durationMs * 1000) / 1000,
            ResponseRowCount: ok ? (trace.rowCount ?? 0) : 0,
            ScannedGB: ok ? processedKB / 1024 / 1024 : null,
            SourceSystem: 'Azure',
            StatsCPUTimeMs: ok ? Math.round(durationMs * 1000) / 1000 : null,
            StatsDataProcessedKB: ok ? processedKB : null,
            StatsDataProcessedStart: ok ? (from ?? range?.start ?? null) : null,
            StatsDataProcessedEnd: ok ? (to ?? range?.end ?? submitted) : null,
            StatsRegionCount: ok ? 1 : null,
            StatsWorkspaceCount: ok ? Math.max(1, trace.workspaces?.length ?? concerned.length) : null,
            WorkspaceRegion: source.location,
            _IsBillable: 'False',
            _SubscriptionId: source.subscriptionId,
            _ResourceId: normalizeScope(workspaceResourceId(source)),
          });
        }
      }
    } catch {
      // Auditing must never turn a query's outcome into a different one.
    }
  }
}
