/**
 * The log search alert evaluator: a scheduler that runs every enabled scheduled query rule once per
 * `evaluationFrequency` period, as the rule's managed identity and with its rights only, keeps the
 * alert state per dimension combination (Fired → Resolved with `autoMitigate`), and hands fired and
 * resolved alerts to the action groups' webhook receivers.
 *
 * Periods are aligned to the epoch: a rule with frequency F is evaluated for the windows ending at
 * k·F (window = `windowSize`, ending there). The end of the last evaluated period is persisted per
 * rule (`<dataDir>/alerts/state.json`, written atomically together with the alert states and the
 * notifications the evaluation produced), so after a restart the scheduler continues with the next
 * period: none is evaluated twice and none is skipped. Catch-up policy: periods that fell due while
 * Vigil was down are evaluated in order, oldest first, each over its own window; if more than
 * `MAX_CATCH_UP` are due, the older ones are recorded in the history as one `Skipped` entry (with the
 * range) and only the latest `MAX_CATCH_UP` are evaluated. A rule's first period is the first one
 * ending after it was created (or re-enabled).
 *
 * Evaluations are not user queries: they are not written to LAQueryLogs (as in Azure). Each one is
 * recorded in the rule's evaluation history instead (rule, identity, outcome, rows, duration, error),
 * served at `GET {rule}/evaluations`; a failing rule also writes an activity-log entry when it starts
 * failing and when it recovers.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Caller } from '../authz/authorize.js';
import type { AuditSink } from '../audit/sink.js';
import { VIGIL_ALERT_HISTORY } from '../audit/system-tables.js';
import type { ActivityLog } from '../audit/activity-log.js';
import { ApiError } from '../errors/api-error.js';
import type { TokenIssuer } from '../identity/token-issuer.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { parseWorkspaceResourceId } from '../metadata/resource-ids.js';
import type { QueryService } from '../query/query-service.js';
import { parseDurationMs } from '../query/timespan.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { commonAlertSchema, fitToLimit, type AlertInstance } from './common-schema.js';
import { ALERT_RETENTION_MS, type AlertState, type FiredAlertRecord } from './fired-alerts.js';
import { deliverableReceivers } from './receivers.js';
import { ACTION_GROUP_TYPE, parseResourceId, ruleResourceId } from './ids.js';
import type { RuleCondition, ScheduledQueryRuleRecord } from './records.js';
import type { WebhookSender } from './webhook-delivery.js';
import type { EmailSender } from './email-delivery.js';
import { advance, aggregate, type AlertStateEntry, type Dimensions } from './evaluation.js';
import { AlertSeal, SERVICE_REF, STATE_PURPOSE } from './alert-seal.js';

/** The Action Groups first-party application (the `appid` of secure-webhook tokens in Azure). */
export const ACTION_GROUPS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';
export const SECURE_WEBHOOK_ROLE = 'ActionGroupsSecureWebhook';
export const MAX_CATCH_UP = 60;
const MAX_HISTORY = 200;
/** Fired alerts kept (beside the 30-day retention); the oldest resolved ones go first. */
export const MAX_FIRED_ALERTS = 1000;
/** The alert context kept with a fired alert: beyond this, kept without dimension values, then without the links. */
const MAX_STORED_CONTEXT_BYTES = 16 * 1024;
const RETRY_DELAYS_MS = [1_000, 4_000, 15_000];

export interface NotificationRecord {
  id: string;
  alertId: string;
  monitorCondition: 'Fired' | 'Resolved';
  actionGroup: string;
  receiver: string;
  status: 'Pending' | 'Delivered' | 'Failed' | 'Refused' | 'Suppressed';
  attempts: number;
  httpStatus?: number;
  lastError?: string;
  lastAttemptAt?: string;
  /** The payload to send (kept until delivered or given up). */
  payload?: string;
  /** The payload exceeded 256 KB and was sent without its dimension values (common-schema.ts). */
  payloadTrimmed?: boolean;
}

export interface EvaluationRecord {
  id: string;
  rule: string;
  /** Object id of the identity the query ran as. */
  identity: string;
  windowStart: string;
  windowEnd: string;
  evaluatedAt: string;
  outcome: 'Succeeded' | 'Failed' | 'Skipped';
  rows?: number;
  durationMs?: number;
  error?: { code: string; message: string };
  /** Dimension combinations whose alert fired or resolved in this evaluation. */
  fired: string[];
  resolved: string[];
  notifications: NotificationRecord[];
}

interface RuleState {
  /** Epoch ms of the end of the last evaluated (or skipped) period. */
  lastPeriodEnd?: number;
  lastOutcome?: 'Succeeded' | 'Failed';
  /** muteActionsDuration: notifications are suppressed until then (epoch ms). */
  mutedUntil?: number;
  alerts: Record<string, AlertStateEntry>;
  history: EvaluationRecord[];
}

interface StateFile {
  version: 1;
  rules: Record<string, RuleState>;
  /** The alerts rules fired (`Microsoft.AlertsManagement/alerts`), by lower-case alert id; they outlive their rule. */
  firedAlerts?: Record<string, FiredAlertRecord>;
  /**
   * On disk, with an AlertSeal: the rules' states and fired alerts sealed per workspace (the ref: the
   * customerId of the rule's first scope, or `service`), `rules`/`firedAlerts` then empty.
   */
  sealed?: Record<string, string>;
}

/** What one sealed part of the state file holds. */
interface SealedPart {
  rules: Record<string, RuleState>;
  firedAlerts: Record<string, FiredAlertRecord>;
}

export interface AlertServiceOptions {
  dataDir: string;
  metadata: MetadataStore;
  queries: QueryService;
  issuer: TokenIssuer;
  sender: WebhookSender;
  /** Email receivers' SMTP relay (`--alert-smtp-url`); without it email receivers are refused. */
  mailer?: EmailSender;
  activity?: ActivityLog;
  /** Where fired and resolved alerts are recorded as VigilAlertHistory rows of the rule's workspaces (the audit sink). */
  history?: Pick<AuditSink, 'write'>;
  publicBaseUrl: () => string;
  /** How often the scheduler looks for due periods (default 1 s). */
  tickMs?: number;
  /** The shortest evaluationFrequency a rule may have (Azure: PT1M; `--alert-min-frequency` lowers it for development and tests). */
  minFrequencyMs?: number;
  log?: (level: 'warn' | 'error', message: string) => void;
  /** Seals the state file per workspace (src/alerts/alert-seal.ts); without it the state is written in the clear. */
  seal?: AlertSeal;
  /**
   * The customer-managed key gate (ClusterKeys.check): throws 403 CustomerManagedKeyInaccessible for a
   * workspace linked to a cluster whose key is not accessible. Evaluations of rules over such a
   * workspace then fail, and their notifications are held back.
   */
  cmk?: { check(customerId: string): void };
}

const key = (ruleId: string) => ruleId.toLowerCase();

export class AlertService {
  private readonly dir: string;
  private readonly path: string;
  /** A failed state write is logged once, then retried with every later write. */
  private saveFailing = false;
  private state: StateFile;
  /** The sealed part each rule's state and each fired alert was read from or last written to (its workspace). */
  private readonly refs = new Map<string, string>();
  private readonly alertRefs = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;
  private readonly deliveries = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  readonly minFrequencyMs: number;

  /** Can email receivers be notified (an SMTP relay is configured)? */
  get emailEnabled(): boolean {
    return this.o.mailer !== undefined;
  }

  constructor(private readonly o: AlertServiceOptions) {
    this.minFrequencyMs = o.minFrequencyMs ?? 60_000;
    this.dir = join(o.dataDir, 'alerts');
    this.path = join(this.dir, 'state.json');
    this.state = existsSync(this.path) ? this.load(JSON.parse(readFileSync(this.path, 'utf8')) as StateFile) : { version: 1, rules: {} };
  }

  /** The state as read from disk: sealed parts opened (a state written in the clear is taken as it is and sealed at the next write). */
  private load(disk: StateFile): StateFile {
    const state: StateFile = { version: 1, rules: { ...disk.rules }, firedAlerts: { ...(disk.firedAlerts ?? {}) } };
    for (const [ref, blob] of Object.entries(disk.sealed ?? {})) {
      if (!this.o.seal) throw new Error(`${this.path} is sealed, but no key to open it was given`);
      const part = JSON.parse(this.o.seal.open(blob, STATE_PURPOSE)) as SealedPart;
      for (const [k, v] of Object.entries(part.rules)) (state.rules[k] = v), this.refs.set(k, ref);
      for (const [k, v] of Object.entries(part.firedAlerts)) (state.firedAlerts![k] = v), this.alertRefs.set(k, ref);
    }
    return state;
  }

  /** The state as written to disk: with a seal, each workspace's rules and fired alerts sealed under its key. */
  private diskForm(): StateFile {
    const seal = this.o.seal;
    if (!seal) return this.state;
    const workspaces = this.o.metadata.workspaces();
    const rules = new Map(this.o.metadata.scheduledQueryRules().map((r) => [key(ruleResourceId(r)), r]));
    const refOfRule = (id: string): string => {
      const r = rules.get(id);
      const ref = r ? AlertSeal.refOfScopes(r.scopes, workspaces) : (this.refs.get(id) ?? SERVICE_REF);
      this.refs.set(id, ref);
      return ref;
    };
    const parts = new Map<string, SealedPart>();
    const part = (ref: string): SealedPart => {
      let p = parts.get(ref);
      if (!p) parts.set(ref, (p = { rules: {}, firedAlerts: {} }));
      return p;
    };
    for (const [id, s] of Object.entries(this.state.rules)) part(refOfRule(id)).rules[id] = s;
    for (const [id, a] of Object.entries(this.state.firedAlerts ?? {})) {
      // A fired alert stays with its rule's workspace; once the rule is gone, where it was.
      const rule = key(a.alertRule);
      const ref = rules.has(rule) ? refOfRule(rule) : (this.alertRefs.get(id) ?? refOfRule(rule));
      this.alertRefs.set(id, ref);
      part(ref).firedAlerts[id] = a;
    }
    return { version: 1, rules: {}, sealed: Object.fromEntries([...parts].map(([ref, p]) => [ref, seal.seal(ref, STATE_PURPOSE, JSON.stringify(p))])) };
  }

  /**
   * Why the rule's workspaces' data may not be used now (a customer-managed key not accessible), or
   * undefined. The message is Azure's CustomerManagedKeyInaccessible.
   */
  private keyInaccessible(ruleId: string): string | undefined {
    if (!this.o.cmk) return undefined;
    const rule = this.o.metadata.scheduledQueryRules().find((r) => key(ruleResourceId(r)) === key(ruleId));
    for (const scope of rule?.scopes ?? []) {
      const ref = parseWorkspaceResourceId(scope);
      const w = ref && this.o.metadata.workspace(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!w) continue;
      try {
        this.o.cmk.check(w.customerId);
      } catch (err) {
        if (err instanceof ApiError) return `${err.code}: ${err.message}`;
        throw err;
      }
    }
    return undefined;
  }

  start(): void {
    // Notifications that were still pending when the server stopped are sent now.
    for (const s of Object.values(this.state.rules)) {
      for (const e of s.history) for (const n of e.notifications) if (n.status === 'Pending') this.deliver(e, n);
    }
    const tick = () => {
      if (this.closed) return;
      void this.tick().finally(() => {
        if (!this.closed) this.timer = setTimeout(tick, this.o.tickMs ?? 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.retryTimers) clearTimeout(t);
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await Promise.allSettled([...this.deliveries]);
    this.o.mailer?.close();
    this.save();
  }

  /** The rule's evaluation history, newest first. */
  history(ruleId: string): EvaluationRecord[] {
    return [...(this.state.rules[key(ruleId)]?.history ?? [])].reverse().map((e) => ({ ...e, notifications: e.notifications.map(({ payload: _p, ...n }) => n) }));
  }

  /** The status shown on the rule: its last evaluation and the alerts that are fired now. */
  status(ruleId: string): unknown {
    const s = this.state.rules[key(ruleId)];
    const last = s?.history[s.history.length - 1];
    return {
      lastEvaluation: last ? { windowEnd: last.windowEnd, evaluatedAt: last.evaluatedAt, outcome: last.outcome, ...(last.error ? { error: last.error } : {}) } : null,
      firedAlerts: Object.values(s?.alerts ?? {})
        .filter((a) => a.condition === 'Fired')
        .map((a) => ({ alertId: a.alertId, dimensions: a.dimensions, firedDateTime: a.firedAt })),
    };
  }

  /** The fired alerts whose target resource is `scope` or below it. */
  alertsWithin(scope: string): FiredAlertRecord[] {
    const s = scope.toLowerCase().replace(/\/+$/, '');
    this.pruneAlerts();
    return Object.values(this.state.firedAlerts ?? {}).filter((a) => {
      const t = a.targetResource.toLowerCase();
      return t === s || t.startsWith(`${s}/`);
    });
  }

  /** Changes an alert's user-managed state (New, Acknowledged, Closed), with its modification history. */
  changeState(alertId: string, next: AlertState, user: string, comments: string): FiredAlertRecord | undefined {
    const a = this.state.firedAlerts?.[alertId.toLowerCase()];
    if (!a) return undefined;
    const now = new Date().toISOString();
    a.modifications.push({ modificationEvent: 'StateChange', oldValue: a.alertState, newValue: next, modifiedAt: now, modifiedBy: user, comments, description: `State changed from '${a.alertState}' to '${next}'` });
    a.alertState = next;
    a.lastModifiedDateTime = now;
    a.lastModifiedUserName = user;
    this.save();
    return a;
  }

  /** Azure keeps alerts 30 days; Vigil also keeps at most MAX_FIRED_ALERTS, dropping the oldest resolved ones first. */
  private pruneAlerts(): void {
    const all = (this.state.firedAlerts ??= {});
    const cutoff = Date.now() - ALERT_RETENTION_MS;
    for (const [k, a] of Object.entries(all)) if (Date.parse(a.startDateTime) < cutoff) delete all[k];
    const excess = Object.keys(all).length - MAX_FIRED_ALERTS;
    if (excess > 0) {
      const order = Object.entries(all).sort(([, x], [, y]) => (x.monitorCondition === y.monitorCondition ? (x.lastModifiedDateTime < y.lastModifiedDateTime ? -1 : 1) : x.monitorCondition === 'Resolved' ? -1 : 1));
      for (const [k] of order.slice(0, excess)) delete all[k];
    }
  }

  /** A VigilAlertHistory row in each workspace the rule watches (its scopes): the alert history as a table. */
  private writeHistory(rule: ScheduledQueryRuleRecord, a: AlertStateEntry, muted: boolean): void {
    if (!this.o.history) return;
    for (const scope of rule.scopes) {
      const ref = parseWorkspaceResourceId(scope);
      const w = ref && this.o.metadata.workspace(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!w) continue;
      this.o.history.write(w, VIGIL_ALERT_HISTORY, {
        TimeGenerated: new Date(),
        AlertId: a.alertId!,
        AlertRule: ruleResourceId(rule),
        AlertRuleName: rule.name,
        Severity: `Sev${rule.severity}`,
        MonitorCondition: a.condition,
        TargetResource: a.resourceId ?? rule.scopes[0]!,
        Dimensions: (a.dimensions ?? []) as unknown[],
        FiredTime: a.firedAt ? new Date(a.firedAt) : null,
        ResolvedTime: a.resolvedAt ? new Date(a.resolvedAt) : null,
        IsSuppressed: muted,
        Description: rule.description ?? '',
      });
    }
  }

  /** Records (Fired) or updates (Resolved) the alert behind a transition. */
  private recordAlert(rule: ScheduledQueryRuleRecord, a: AlertStateEntry, context: unknown, muted: boolean, actions: number): void {
    this.writeHistory(rule, a, muted);
    const all = (this.state.firedAlerts ??= {});
    const now = new Date().toISOString();
    const k = a.alertId!.toLowerCase();
    const event = muted
      ? { modificationEvent: 'ActionsSuppressed' as const, description: "Actions suppressed by the rule's muteActionsDuration" }
      : { modificationEvent: 'ActionsTriggered' as const, description: `Actions triggered (${actions} receivers)` };
    const actionEntry = { ...event, oldValue: '', newValue: '', modifiedAt: now, modifiedBy: 'System', comments: '' };
    const existing = all[k];
    if (a.condition === 'Resolved') {
      if (!existing) return;
      existing.monitorCondition = 'Resolved';
      existing.monitorConditionResolvedDateTime = a.resolvedAt ?? now;
      existing.lastModifiedDateTime = now;
      existing.lastModifiedUserName = 'System';
      existing.modifications.push({ modificationEvent: 'MonitorConditionChange', oldValue: 'Fired', newValue: 'Resolved', modifiedAt: now, modifiedBy: 'System', comments: '', description: 'Monitor condition changed to Resolved' });
      if (actions > 0 || muted) existing.modifications.push(actionEntry);
      return;
    }
    all[k] = {
      id: a.alertId!,
      alertRule: ruleResourceId(rule),
      ruleName: rule.name,
      subscriptionId: rule.subscriptionId,
      severity: rule.severity,
      targetResource: a.resourceId ?? rule.scopes[0]!,
      description: rule.description ?? '',
      monitorCondition: 'Fired',
      alertState: 'New',
      startDateTime: a.firedAt ?? now,
      lastModifiedDateTime: now,
      lastModifiedUserName: 'System',
      isSuppressed: muted,
      context,
      ...(rule.actions.customProperties ? { customProperties: rule.actions.customProperties } : {}),
      modifications: [
        { modificationEvent: 'AlertCreated', oldValue: '', newValue: 'New', modifiedAt: now, modifiedBy: 'System', comments: '', description: 'Alert fired' },
        ...(actions > 0 || muted ? [actionEntry] : []),
      ],
    };
    this.pruneAlerts();
  }

  /** Forgets the state of a deleted rule. */
  forget(ruleId: string): void {
    delete this.state.rules[key(ruleId)];
    this.save();
  }

  /**
   * Persists the state (atomically). Vigil starts and runs on a full disk, so a failed write is logged
   * once and retried with the next one; until one succeeds, a restart would repeat the evaluations
   * made since the last successful write.
   */
  private save(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(this.path, JSON.stringify(this.diskForm()));
      if (this.saveFailing) this.o.log?.('warn', 'alert state: written again');
      this.saveFailing = false;
    } catch (err) {
      if (!this.saveFailing) this.o.log?.('error', `alert state: cannot write ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); evaluations continue and the write is retried`);
      this.saveFailing = true;
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = Date.now();
      const rules = this.o.metadata.scheduledQueryRules();
      const live = new Set(rules.map((r) => key(ruleResourceId(r))));
      let changed = false;
      for (const k of Object.keys(this.state.rules)) if (!live.has(k)) (delete this.state.rules[k], (changed = true));
      for (const rule of rules) {
        if (this.closed) break;
        const frequency = parseDurationMs(rule.evaluationFrequency)!;
        const id = key(ruleResourceId(rule));
        const s = (this.state.rules[id] ??= { alerts: {}, history: [] });
        const latest = Math.floor(now / frequency) * frequency;
        if (!rule.enabled) {
          // A disabled rule is not evaluated, and periods it was disabled for are not caught up.
          if (s.lastPeriodEnd === undefined || s.lastPeriodEnd < latest) (s.lastPeriodEnd = latest), (changed = true);
          continue;
        }
        const since = s.lastPeriodEnd ?? Math.max(Date.parse(rule.updatedAt), Date.parse(rule.createdAt));
        let next = (Math.floor(since / frequency) + 1) * frequency;
        if (s.lastPeriodEnd === undefined && next > latest) continue;
        if (next > latest) continue;
        const due = Math.floor((latest - next) / frequency) + 1;
        if (due > MAX_CATCH_UP) {
          const skipTo = latest - (MAX_CATCH_UP - 1) * frequency;
          this.push(s, {
            id: randomUUID(),
            rule: ruleResourceId(rule),
            identity: '',
            windowStart: new Date(next - parseDurationMs(rule.windowSize)!).toISOString(),
            windowEnd: new Date(skipTo - frequency).toISOString(),
            evaluatedAt: new Date().toISOString(),
            outcome: 'Skipped',
            error: { code: 'CatchUpLimit', message: `${due - MAX_CATCH_UP} periods fell due while Vigil was not running; only the latest ${MAX_CATCH_UP} are evaluated.` },
            fired: [],
            resolved: [],
            notifications: [],
          });
          s.lastPeriodEnd = skipTo - frequency;
          next = skipTo;
          this.save();
        }
        for (let end = next; end <= latest && !this.closed; end += frequency) {
          const current = this.o.metadata.scheduledQueryRules().find((r) => key(ruleResourceId(r)) === id);
          if (!current || !current.enabled) break;
          await this.evaluate(current, s, end);
        }
      }
      if (changed) this.save();
    } catch (err) {
      this.o.log?.('error', `alert scheduler: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private push(s: RuleState, e: EvaluationRecord): void {
    s.history.push(e);
    if (s.history.length > MAX_HISTORY) s.history.splice(0, s.history.length - MAX_HISTORY);
  }

  /** Who the rule's query runs as: its system-assigned principal or its user-assigned identity. */
  private callerOf(rule: ScheduledQueryRuleRecord): Caller {
    if (rule.identity.type === 'SystemAssigned') return { objectId: rule.identity.principalId, appId: rule.identity.principalId, tenantId: this.o.metadata.tenantId };
    const ref = parseResourceId(rule.identity.resourceId, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    const i = ref && this.o.metadata.userAssignedIdentity(ref.subscriptionId, ref.resourceGroup, ref.name);
    if (!i) throw new ApiError(404, 'IdentityNotFound', `The rule's user-assigned identity '${rule.identity.resourceId}' does not exist.`);
    return { objectId: i.principalId, appId: i.clientId, tenantId: i.tenantId };
  }

  private async evaluate(rule: ScheduledQueryRuleRecord, s: RuleState, periodEnd: number): Promise<void> {
    const ruleId = ruleResourceId(rule);
    const windowMs = parseDurationMs(rule.overrideQueryTimeRange ?? rule.windowSize)!;
    const windowStart = new Date(periodEnd - windowMs).toISOString();
    const windowEnd = new Date(periodEnd).toISOString();
    const started = process.hrtime.bigint();
    const record: EvaluationRecord = {
      id: randomUUID(),
      rule: ruleId,
      identity: '',
      windowStart,
      windowEnd,
      evaluatedAt: new Date().toISOString(),
      outcome: 'Succeeded',
      fired: [],
      resolved: [],
      notifications: [],
    };
    let caller: Caller | undefined;
    try {
      caller = this.callerOf(rule);
      record.identity = caller.objectId;
      const condition = rule.criteria.allOf[0]!;
      const groups = await this.runCondition(rule, condition, caller, periodEnd, windowMs, record);
      this.applyResults(rule, condition, s, groups, record, windowStart, windowEnd);
    } catch (err) {
      record.outcome = 'Failed';
      record.error =
        err instanceof ApiError
          ? { code: err.code, message: err.message }
          : { code: 'EvaluationFailed', message: `The rule could not be evaluated: ${(err as Error).message}` };
    }
    record.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const previous = s.lastOutcome;
    s.lastOutcome = record.outcome === 'Failed' ? 'Failed' : 'Succeeded';
    s.lastPeriodEnd = periodEnd;
    this.push(s, record);
    // The period, its alert states and the notifications it produced are committed together.
    this.save();
    if (record.outcome === 'Failed' && previous !== 'Failed') this.recordActivity(rule, caller, record, false);
    if (record.outcome !== 'Failed' && previous === 'Failed') this.recordActivity(rule, caller, record, true);
    for (const n of record.notifications) if (n.status === 'Pending') this.deliver(record, n);
  }

  private recordActivity(rule: ScheduledQueryRuleRecord, caller: Caller | undefined, e: EvaluationRecord, recovered: boolean): void {
    const status = recovered ? 200 : ['InsufficientAccessError', 'AuthorizationFailed', 'CustomerManagedKeyInaccessible'].includes(e.error?.code ?? '') ? 403 : 400;
    this.o.activity?.record({
      caller: caller ?? { objectId: e.identity, appId: '', tenantId: this.o.metadata.tenantId },
      method: 'POST',
      resourceId: ruleResourceId(rule),
      operation: 'Microsoft.Insights/scheduledQueryRules/evaluate/action',
      status,
      correlationId: e.id,
      ...(recovered ? {} : { errorCode: e.error?.code, errorMessage: e.error?.message }),
      properties: { windowStartTime: e.windowStart, windowEndTime: e.windowEnd, identity: e.identity, ...(recovered ? { recovered: true } : {}) },
    });
  }

  /** Runs the condition's query for the window and aggregates it per dimension combination. */
  private async runCondition(
    rule: ScheduledQueryRuleRecord,
    condition: RuleCondition,
    caller: Caller,
    periodEnd: number,
    windowMs: number,
    record: EvaluationRecord,
  ): Promise<Map<string, { dimensions: { name: string; value: string }[]; value: number }>> {
    const workspaces = rule.scopes.map((scope) => {
      const ref = parseWorkspaceResourceId(scope);
      const w = ref && this.o.metadata.workspace(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!w) throw new ApiError(404, 'ResourceNotFound', `The scope '${scope}' of the rule does not exist.`);
      return w;
    });
    // A workspace whose customer-managed key is inaccessible: the evaluation fails (visibly) before the query runs.
    for (const w of workspaces) this.o.cmk?.check(w.customerId);
    const result = await this.o.queries.run({
      caller,
      workspace: workspaces[0]!,
      additionalWorkspaces: workspaces.slice(1),
      query: condition.query,
      timespan: { start: new Date(periodEnd - windowMs), end: new Date(periodEnd) },
      prefer: { includeStatistics: false, includeRender: false, includeDataSources: false, includePermissions: false },
    });
    const table = result.tables[0]!;
    const rows = table.rows.toJSON() as unknown[][];
    record.rows = rows.length;
    return aggregate(table.columns, rows, condition);
  }

  private applyResults(
    rule: ScheduledQueryRuleRecord,
    condition: RuleCondition,
    s: RuleState,
    groups: Map<string, { dimensions: Dimensions; value: number }>,
    record: EvaluationRecord,
    windowStart: string,
    windowEnd: string,
  ): void {
    const { fired, resolved, transitions } = advance(s.alerts, groups, condition, rule.autoMitigate, new Date().toISOString(), randomUUID);
    record.fired = fired;
    record.resolved = resolved;
    const now = Date.now();
    const muted = s.mutedUntil !== undefined && now < s.mutedUntil;
    for (const k of [...fired, ...resolved]) this.notify(rule, condition, transitions.get(k)!, record, windowStart, windowEnd, muted);
    // muteActionsDuration: after an alert fires, the rule's actions are muted for that long.
    const mute = rule.muteActionsDuration ? parseDurationMs(rule.muteActionsDuration) : undefined;
    if (mute && fired.length > 0 && !muted) s.mutedUntil = now + mute;
  }

  private notify(rule: ScheduledQueryRuleRecord, condition: RuleCondition, a: AlertStateEntry, record: EvaluationRecord, windowStart: string, windowEnd: string, muted: boolean): void {
    const alert: AlertInstance = {
      alertId: a.alertId!,
      monitorCondition: a.condition,
      firedDateTime: a.firedAt!,
      resolvedDateTime: a.resolvedAt,
      dimensions: a.dimensions,
      metricValue: a.metricValue,
      windowStart,
      windowEnd,
      ...(a.resourceId ? { targetResource: a.resourceId } : {}),
    };
    const schema = commonAlertSchema(rule, condition, alert, this.o.publicBaseUrl());
    const fitted = fitToLimit(schema);
    const base = { alertId: a.alertId!, monitorCondition: a.condition, attempts: 0 };
    const before = record.notifications.length;
    for (const groupId of rule.actions.actionGroups) {
      const ref = parseResourceId(groupId, ACTION_GROUP_TYPE);
      const group = ref && this.o.metadata.actionGroup(ref.subscriptionId, ref.resourceGroup, ref.name);
      if (!group || !group.enabled) continue;
      for (const r of deliverableReceivers(group)) {
        const id = { id: randomUUID(), ...base, actionGroup: groupId, receiver: r.name };
        record.notifications.push(
          muted
            ? { ...id, status: 'Suppressed', lastError: 'muted by the rule\'s muteActionsDuration' }
            : 'tooLarge' in fitted
              ? { ...id, status: 'Failed', lastError: `PayloadTooLarge: the alert payload is ${fitted.tooLarge} bytes even without its dimension values; Azure's limit is 262144 bytes (shorten the rule's query, description or custom properties)` }
              : { ...id, status: 'Pending', payload: fitted.json, ...(fitted.trimmed ? { payloadTrimmed: true } : {}) },
        );
      }
    }
    this.recordAlert(rule, a, storedContext(schema), muted, record.notifications.length - before);
  }

  /** Sends one notification, retrying with backoff; its status is persisted after each attempt. */
  private deliver(e: EvaluationRecord, n: NotificationRecord): void {
    const attempt = async () => {
      if (this.closed) return;
      const ref = parseResourceId(n.actionGroup, ACTION_GROUP_TYPE);
      const group = ref && this.o.metadata.actionGroup(ref.subscriptionId, ref.resourceGroup, ref.name);
      const receiver = group && deliverableReceivers(group).find((r) => r.name === n.receiver);
      if (!group || !receiver) {
        Object.assign(n, { status: 'Failed', lastError: 'the action group or receiver no longer exists' });
        delete n.payload;
        this.save();
        return;
      }
      // The rule's workspace key is not accessible: the alert data is held back, and the attempt counts as failed.
      const blocked = this.keyInaccessible(e.rule);
      if (blocked) {
        n.attempts++;
        n.lastAttemptAt = new Date().toISOString();
        settle({ ok: false, permanent: false, error: blocked }, false);
        return;
      }
      if (receiver.kind === 'email') {
        n.attempts++;
        n.lastAttemptAt = new Date().toISOString();
        const r = this.o.mailer
          ? await this.o.mailer.send(receiver.emailAddress!, n.payload ?? '{}')
          : { ok: false, permanent: true, error: 'no SMTP relay is configured (--alert-smtp-url): the email was not sent' };
        settle(r, false);
        return;
      }
      let bearer: string | undefined;
      if (receiver.useAadAuth) {
        bearer = (
          await this.o.issuer.issue(
            { objectId: ACTION_GROUPS_APP_ID, appId: ACTION_GROUPS_APP_ID, tenantId: receiver.tenantId ?? this.o.metadata.tenantId, kind: 'ServicePrincipal' },
            receiver.identifierUri!,
            3600,
            { roles: [SECURE_WEBHOOK_ROLE] },
          )
        ).token;
      }
      n.attempts++;
      n.lastAttemptAt = new Date().toISOString();
      const r = await this.o.sender.send(receiver.serviceUri, n.payload ?? '{}', bearer);
      n.httpStatus = r.httpStatus;
      settle(r, r.error?.startsWith('webhook target refused') || r.error?.startsWith('only https') || false);
    };
    /** Records an attempt's outcome; schedules the next attempt while it may still pass. */
    const settle = (r: { ok: boolean; permanent: boolean; error?: string }, refused: boolean) => {
      if (r.ok) {
        n.status = 'Delivered';
        delete n.lastError;
        delete n.payload;
      } else {
        n.lastError = r.error;
        if (r.permanent || n.attempts > RETRY_DELAYS_MS.length) {
          n.status = refused ? 'Refused' : 'Failed';
          delete n.payload;
        }
      }
      this.save();
      if (n.status === 'Pending' && !this.closed) {
        const t = setTimeout(() => {
          this.retryTimers.delete(t);
          track();
        }, RETRY_DELAYS_MS[n.attempts - 1]);
        this.retryTimers.add(t);
      }
    };
    const track = () => {
      const p = attempt().catch((err: unknown) => this.o.log?.('error', `webhook delivery: ${(err as Error).message}`));
      this.deliveries.add(p);
      void p.finally(() => this.deliveries.delete(p));
    };
    track();
  }
}

/** The alert context kept with a fired alert, within MAX_STORED_CONTEXT_BYTES. */
function storedContext(schema: unknown): unknown {
  const context = (schema as { data: { alertContext: unknown } }).data.alertContext;
  if (Buffer.byteLength(JSON.stringify(context)) <= MAX_STORED_CONTEXT_BYTES) return context;
  const fitted = fitToLimit(schema, MAX_STORED_CONTEXT_BYTES);
  if (!('tooLarge' in fitted)) return (JSON.parse(fitted.json) as { data: { alertContext: unknown } }).data.alertContext;
  const c = context as { conditionType: string; condition: { windowSize: string; windowStartTime: string; windowEndTime: string } };
  return { conditionType: c.conditionType, condition: { windowSize: c.condition.windowSize, windowStartTime: c.condition.windowStartTime, windowEndTime: c.condition.windowEndTime }, truncated: true };
}
