/**
 * GDPR purge (reference §5.1): `POST …/workspaces/{ws}/purge {table, filters[{column, operator, value}]}`
 * with the operators `==, =~, in, in~, >, >=, <, <=, between` (KQL semantics, filters ANDed).
 *
 * A request is validated whole (table, plan, columns, operator/value types), counted against the
 * limit of 50 purge requests per workspace per hour (counted from the persisted operations, so a
 * restart does not reset it), stored as a `pending` operation, and answered 202. The store then
 * removes the matching rows (LogStore.purge) and the operation becomes `completed`; a failure is
 * retried with backoff, and pending operations resume after a restart. Every purge request is in the
 * activity log (by the ARM dispatcher) and so is its completion (here) — with the table, columns
 * and operators, but never the filter values, which are the very personal data being erased.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../authz/authorize.js';
import type { ActivityLog } from '../audit/activity-log.js';
import { ApiError } from '../errors/api-error.js';
import { sqlIdent, sqlString, type ColumnSchema } from '../kql/index.js';
import { parseDatetimeText } from '../kql/literals.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { PurgeOperationRecord, WorkspaceRecord } from '../metadata/records.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import { tableSchema } from '../metadata/standard-columns.js';
import type { LogStore } from '../store/store.js';
import { storageErrorKind } from '../util/storage-io.js';

export const PURGE_OPERATORS = ['==', '=~', 'in', 'in~', '>', '>=', '<', '<=', 'between'] as const;
export const PURGE_LIMIT_PER_HOUR = 50;
const MAX_VALUES = 1000;
const MAX_ATTEMPTS = 8;

export interface PurgeFilter {
  column: string;
  operator: string;
  value: unknown;
  key?: string | null;
}

const bad = (message: string, target?: string) => new ApiError(400, 'InvalidPurgeRequest', message, target ? { target } : {});

function literal(c: ColumnSchema, v: unknown, where: string): string {
  if (v === null || v === undefined || typeof v === 'object') throw bad(`${where}: expected a ${c.type} value for column '${c.name}', got ${JSON.stringify(v) ?? 'nothing'}.`, where);
  switch (c.type) {
    case 'string':
      return sqlString(String(v));
    case 'guid':
      if (typeof v !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) throw bad(`${where}: '${String(v)}' is not a GUID (column '${c.name}').`, where);
      return sqlString(v.toLowerCase());
    case 'int':
    case 'long':
      if (!/^[+-]?\d{1,19}$/.test(String(v).trim())) throw bad(`${where}: ${JSON.stringify(v)} is not a whole number (column '${c.name}' is ${c.type}).`, where);
      return BigInt(String(v).trim()).toString();
    case 'real':
    case 'decimal': {
      const n = typeof v === 'number' ? v : Number(String(v));
      if (!Number.isFinite(n) || (typeof v === 'string' && v.trim() === '')) throw bad(`${where}: ${JSON.stringify(v)} is not a number (column '${c.name}').`, where);
      return `CAST(${sqlString(String(n))} AS DOUBLE)`;
    }
    case 'bool':
      if (v === true || v === false) return String(v).toUpperCase();
      if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toUpperCase();
      throw bad(`${where}: ${JSON.stringify(v)} is not a boolean (column '${c.name}').`, where);
    case 'datetime': {
      // stored as 100-ns ticks (kql/types.ts): a filter keeps all 7 fractional digits
      const ticks = typeof v === 'string' ? parseDatetimeText(v) : undefined;
      if (ticks === undefined) throw bad(`${where}: ${JSON.stringify(v)} is not an ISO 8601 datetime between 0001-01-01 and 9999-12-31 (column '${c.name}').`, where);
      return `${ticks}::BIGINT`;
    }
    default:
      throw bad(`${where}: purge cannot filter on column '${c.name}' of type ${c.type}; filter on a string, number, bool, guid or datetime column.`, where);
  }
}

/** The SQL predicate (over the table's columns) selecting the rows a purge removes. Throws 400 for an invalid filter. */
export function purgePredicate(columns: ColumnSchema[], filters: PurgeFilter[]): string {
  if (!Array.isArray(filters) || filters.length === 0) throw bad('filters: a purge needs at least one filter.', 'filters');
  return filters
    .map((f, i) => {
      const at = `filters[${i}]`;
      if (f.key) throw bad(`${at}.key: custom-dimension keys (Application Insights) are not supported by Vigil; filter on a column of the table.`, `${at}.key`);
      const c = columns.find((x) => x.name === f.column) ?? columns.find((x) => x.name.toLowerCase() === String(f.column).toLowerCase());
      if (!c) throw bad(`${at}.column: the table has no column '${f.column}'.`, `${at}.column`);
      const op = String(f.operator);
      if (!(PURGE_OPERATORS as readonly string[]).includes(op)) throw bad(`${at}.operator: '${op}' is not a purge operator; use one of ${PURGE_OPERATORS.join(', ')}.`, `${at}.operator`);
      const insensitive = op === '=~' || op === 'in~';
      if (insensitive && c.type !== 'string') throw bad(`${at}.operator: '${op}' compares strings; column '${c.name}' is ${c.type}.`, `${at}.operator`);
      const col = c.type === 'guid' ? `lower(CAST(${sqlIdent(c.name)} AS VARCHAR))` : insensitive ? `lower(${sqlIdent(c.name)})` : sqlIdent(c.name);
      const lit = (v: unknown, where: string) => (insensitive ? `lower(${literal(c, v, where)})` : literal(c, v, where));
      if (op === 'in' || op === 'in~') {
        if (!Array.isArray(f.value) || f.value.length === 0 || f.value.length > MAX_VALUES) throw bad(`${at}.value: '${op}' needs an array of 1 to ${MAX_VALUES} values.`, `${at}.value`);
        return `${col} IN (${f.value.map((v, j) => lit(v, `${at}.value[${j}]`)).join(', ')})`;
      }
      if (op === 'between') {
        if (!Array.isArray(f.value) || f.value.length !== 2) throw bad(`${at}.value: 'between' needs an array of two values [from, to].`, `${at}.value`);
        return `${col} BETWEEN ${lit(f.value[0], `${at}.value[0]`)} AND ${lit(f.value[1], `${at}.value[1]`)}`;
      }
      if (Array.isArray(f.value)) throw bad(`${at}.value: '${op}' takes one value, not an array.`, `${at}.value`);
      if ((op === '>' || op === '>=' || op === '<' || op === '<=') && c.type === 'bool') throw bad(`${at}.operator: '${op}' does not apply to the bool column '${c.name}'.`, `${at}.operator`);
      return `${col} ${op === '==' || op === '=~' ? '=' : op} ${lit(f.value, `${at}.value`)}`;
    })
    .map((p) => `(${p})`)
    .join(' AND ');
}

export class PurgeService {
  private chain: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly activity?: ActivityLog,
    private readonly log: (level: 'info' | 'error', message: string) => void = () => undefined,
  ) {}

  /** Validates and accepts a purge request; the rows are removed in the background. */
  request(w: WorkspaceRecord, body: { table: string; filters: PurgeFilter[] }, caller: Caller, correlationId: string): PurgeOperationRecord {
    const t = w.tables.find((x) => x.name === body.table) ?? w.tables.find((x) => x.name.toLowerCase() === body.table.toLowerCase());
    if (!t) throw bad(`table: the workspace '${w.name}' has no table '${body.table}'.`, 'table');
    if (t.plan !== 'Analytics') {
      throw bad(`table: '${t.name}' is a ${t.plan} table; purge works only on Analytics tables (Basic and Auxiliary tables cannot be purged).`, 'table');
    }
    purgePredicate(tableSchema(t), body.filters); // validate now: a bad filter is a 400, not a failed operation
    const hourAgo = Date.now() - 3_600_000;
    const recent = this.metadata.purgeOperations().filter((o) => o.workspaceId === w.customerId && Date.parse(o.requestedAt) > hourAgo);
    if (recent.length >= PURGE_LIMIT_PER_HOUR) {
      const oldest = Math.min(...recent.map((o) => Date.parse(o.requestedAt)));
      const retryAfter = Math.max(1, Math.ceil((oldest + 3_600_000 - Date.now()) / 1000));
      throw new ApiError(
        429,
        'TooManyRequests',
        `Purge requests are limited to ${PURGE_LIMIT_PER_HOUR} per hour for workspace '${w.name}'. Combine identities in one request with the 'in' operator, or retry after ${retryAfter} seconds.`,
        {},
        { 'retry-after': String(retryAfter) },
      );
    }
    const op: PurgeOperationRecord = {
      operationId: randomUUID(),
      subscriptionId: w.subscriptionId,
      resourceGroup: w.resourceGroup,
      workspaceName: w.name,
      workspaceId: w.customerId,
      table: t.name,
      filters: body.filters.map((f) => ({ column: f.column, operator: f.operator, value: f.value })),
      status: 'pending',
      requestedAt: new Date().toISOString(),
      requestedBy: caller.objectId,
      correlationId,
      attempts: 0,
    };
    this.metadata.mutate((state) => {
      // Completed operations older than 30 days are forgotten (with their filter values).
      const cutoff = Date.now() - 30 * 86_400_000;
      state.purgeOperations = state.purgeOperations.filter((o) => o.status === 'pending' || Date.parse(o.completedAt ?? o.requestedAt) > cutoff);
      state.purgeOperations.push(op);
    });
    this.schedule(op.operationId, 0);
    return op;
  }

  find(w: WorkspaceRecord, purgeId: string): PurgeOperationRecord | undefined {
    const id = purgeId.replace(/^purge-/i, '').toLowerCase();
    return this.metadata.purgeOperations().find((o) => o.workspaceId === w.customerId && o.operationId === id);
  }

  /** Picks up the operations a previous run left pending. */
  resume(): void {
    for (const o of this.metadata.purgeOperations()) if (o.status === 'pending') this.schedule(o.operationId, 0);
  }

  /** Waits for every scheduled purge that is due now (tests, shutdown). */
  async idle(): Promise<void> {
    await this.chain;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(operationId: string, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.chain = this.chain.then(() => this.execute(operationId));
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async execute(operationId: string): Promise<void> {
    if (this.closed) return;
    const op = this.metadata.purgeOperations().find((o) => o.operationId === operationId);
    if (!op || op.status !== 'pending') return;
    const w = this.metadata.workspaceByCustomerId(op.workspaceId);
    const t = w?.tables.find((x) => x.name === op.table);
    let removed = 0;
    try {
      // A workspace or table deleted since the request holds no rows any more: nothing to purge.
      if (w && t) removed = await this.store.purge(w.customerId, t.name, purgePredicate(tableSchema(t), op.filters));
    } catch (err) {
      const attempts = (op.attempts ?? 0) + 1;
      // The store's message may quote filter values (the personal data being erased): keep none of its quoted parts.
      const message = String((err as Error).message ?? err).split('\n')[0]!.replace(/'[^']*'|"[^"]*"/g, "'…'").slice(0, 300);
      try {
        this.metadata.mutate(() => {
          op.attempts = attempts;
          op.lastError = message;
        });
      } catch {
        /* the metadata cannot be written either (a full disk): the retry below still happens */
      }
      this.log('error', `purge ${op.operationId} of table ${op.table} failed (attempt ${attempts}): ${message}`);
      // A full or failing disk is not the purge's fault: it is retried (every 5 minutes at most) until storage works again.
      if (attempts < MAX_ATTEMPTS || storageErrorKind(err)) this.schedule(op.operationId, Math.min(300_000, 1000 * 2 ** Math.min(attempts, 9)));
      return;
    }
    const completedAt = new Date().toISOString();
    const filterSummary = op.filters.map((f) => ({ column: f.column, operator: f.operator, values: Array.isArray(f.value) ? f.value.length : 1 }));
    this.metadata.mutate(() => {
      op.status = 'completed';
      op.completedAt = completedAt;
      op.rowsRemoved = removed;
      op.attempts = (op.attempts ?? 0) + 1;
      delete op.lastError;
      // The values identify the person whose data was erased: once done, they are not kept either.
      op.filters = op.filters.map((f) => ({ column: f.column, operator: f.operator, value: null }));
    });
    this.log('info', `purge ${op.operationId}: removed ${removed} row(s) from ${op.table} of workspace ${op.workspaceId}`);
    const resourceId = w ? `${workspaceResourceId(w)}/purge` : `/subscriptions/${op.subscriptionId}/resourceGroups/${op.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${op.workspaceName}/purge`;
    this.activity?.record({
      caller: { objectId: op.requestedBy, appId: this.metadata.servicePrincipalByObjectId(op.requestedBy)?.appId ?? op.requestedBy, tenantId: this.metadata.tenantId },
      method: 'POST',
      resourceId,
      operation: 'Microsoft.OperationalInsights/workspaces/purge/action',
      status: 200,
      correlationId: op.correlationId ?? op.operationId,
      operationId: op.operationId,
      activityStatus: 'Success',
      properties: {
        purgeOperationId: op.operationId,
        purgeStatus: 'completed',
        table: op.table,
        filters: filterSummary,
        rowsRemoved: removed,
        requestedAt: op.requestedAt,
        completedAt,
      },
    });
  }
}
