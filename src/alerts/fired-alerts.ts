/**
 * The alerts Vigil's log search alert rules fired, as `Microsoft.AlertsManagement/alerts` resources
 * (reference wave 2 §5): one record per fired alert (one alert id from Fired to Resolved), with its
 * user-managed `alertState` (New → Acknowledged → Closed) and its modification history. The records
 * are kept by the AlertService in its state file; this module holds their shape and the pure parts of
 * the API: the ARM body, list filters, sorting and the summary.
 */
import { ApiError } from '../errors/api-error.js';
import { resourceParts } from './common-schema.js';

export const ALERT_TYPE = 'Microsoft.AlertsManagement/alerts';
export const ALERT_STATES = ['New', 'Acknowledged', 'Closed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
/** Azure keeps alerts for 30 days. */
export const ALERT_RETENTION_MS = 30 * 24 * 3_600_000;

export interface AlertModification {
  modificationEvent: 'AlertCreated' | 'StateChange' | 'MonitorConditionChange' | 'ActionsTriggered' | 'ActionsSuppressed';
  oldValue: string;
  newValue: string;
  modifiedAt: string;
  modifiedBy: string;
  comments: string;
  description: string;
}

export interface FiredAlertRecord {
  /** The alert's guid (also the common schema's `originAlertId`). */
  id: string;
  /** The rule's ARM id and name. */
  alertRule: string;
  ruleName: string;
  subscriptionId: string;
  severity: number;
  /** The resource the alert is about: the `resourceIdColumn` value, or the rule's (first) scope. */
  targetResource: string;
  description: string;
  monitorCondition: 'Fired' | 'Resolved';
  alertState: AlertState;
  startDateTime: string;
  lastModifiedDateTime: string;
  monitorConditionResolvedDateTime?: string;
  lastModifiedUserName: string;
  isSuppressed: boolean;
  /** The Log Alerts V2 alert context (as in the common schema), dimension values dropped past the size limit. */
  context: unknown;
  customProperties?: Record<string, string>;
  modifications: AlertModification[];
}

export const alertArmId = (a: Pick<FiredAlertRecord, 'targetResource' | 'id'>) => `${a.targetResource}/providers/${ALERT_TYPE}/${a.id}`;

/** The ARM body of an alert (`includeContext` adds the alert context). */
export function alertBody(a: FiredAlertRecord, includeContext = true): unknown {
  const t = resourceParts(a.targetResource);
  return {
    id: alertArmId(a),
    type: ALERT_TYPE,
    name: a.ruleName,
    properties: {
      essentials: {
        severity: `Sev${a.severity}`,
        signalType: 'Log',
        alertState: a.alertState,
        monitorCondition: a.monitorCondition,
        targetResource: a.targetResource,
        targetResourceName: t.name,
        targetResourceGroup: t.resourceGroup ?? '',
        targetResourceType: t.type ?? '',
        monitorService: 'Log Alerts V2',
        alertRule: a.alertRule,
        sourceCreatedId: a.id,
        startDateTime: a.startDateTime,
        lastModifiedDateTime: a.lastModifiedDateTime,
        ...(a.monitorConditionResolvedDateTime ? { monitorConditionResolvedDateTime: a.monitorConditionResolvedDateTime } : {}),
        lastModifiedUserName: a.lastModifiedUserName,
        actionStatus: { isSuppressed: a.isSuppressed },
        description: a.description,
      },
      ...(includeContext ? { context: a.context ?? {} } : {}),
      egressConfig: {},
      customProperties: a.customProperties ?? {},
    },
  };
}

/** The alert's history resource (`…/alerts/{id}/history`). */
export function historyBody(a: FiredAlertRecord): unknown {
  return { id: `${alertArmId(a)}/history/default`, type: `${ALERT_TYPE}/history`, name: 'default', properties: { alertId: a.id, modifications: a.modifications } };
}

const bad = (message: string) => new ApiError(400, 'BadRequest', message);

const SORT_FIELDS: Record<string, (a: FiredAlertRecord) => string | number> = {
  name: (a) => a.ruleName.toLowerCase(),
  severity: (a) => a.severity,
  alertstate: (a) => ALERT_STATES.indexOf(a.alertState),
  monitorcondition: (a) => a.monitorCondition,
  targetresource: (a) => a.targetResource.toLowerCase(),
  targetresourcename: (a) => resourceParts(a.targetResource).name.toLowerCase(),
  targetresourcegroup: (a) => (resourceParts(a.targetResource).resourceGroup ?? '').toLowerCase(),
  targetresourcetype: (a) => resourceParts(a.targetResource).type ?? '',
  startdatetime: (a) => a.startDateTime,
  lastmodifieddatetime: (a) => a.lastModifiedDateTime,
};
const TIME_RANGES: Record<string, number> = { '1h': 3_600_000, '1d': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** Reads a query parameter case-insensitively (ARM query names are case-insensitive). */
function param(q: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of q) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** The list filters of `GET {scope}/providers/Microsoft.AlertsManagement/alerts` (wave 2 §5.1). */
export interface AlertFilter {
  matches: (a: FiredAlertRecord) => boolean;
  sort: (list: FiredAlertRecord[]) => FiredAlertRecord[];
  pageCount: number;
  includeContext: boolean;
}

export function parseAlertFilter(q: URLSearchParams, now = Date.now()): AlertFilter {
  const checks: ((a: FiredAlertRecord) => boolean)[] = [];
  const oneOf = (name: string, allowed: readonly string[]) => {
    const v = param(q, name);
    if (v === undefined) return undefined;
    const hit = allowed.find((x) => x.toLowerCase() === v.toLowerCase());
    if (!hit) throw bad(`The value '${v}' of '${name}' is invalid; expected one of ${allowed.join(', ')}.`);
    return hit;
  };
  const severity = oneOf('severity', ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4']);
  if (severity) checks.push((a) => `Sev${a.severity}` === severity);
  const condition = oneOf('monitorCondition', ['Fired', 'Resolved']);
  if (condition) checks.push((a) => a.monitorCondition === condition);
  const state = oneOf('alertState', ALERT_STATES);
  if (state) checks.push((a) => a.alertState === state);
  const service = param(q, 'monitorService');
  if (service) checks.push(() => service.toLowerCase() === 'log alerts v2');
  const signal = oneOf('signalType', ['Metric', 'Log', 'Unknown']);
  if (signal) checks.push(() => signal === 'Log');
  const rule = param(q, 'alertRule');
  if (rule) checks.push((a) => a.alertRule.toLowerCase() === rule.toLowerCase());
  const target = param(q, 'targetResource');
  if (target) checks.push((a) => a.targetResource.toLowerCase() === target.toLowerCase().replace(/\/+$/, ''));
  const targetType = param(q, 'targetResourceType');
  if (targetType) checks.push((a) => (resourceParts(a.targetResource).type ?? '') === targetType.toLowerCase());
  const targetGroup = param(q, 'targetResourceGroup');
  if (targetGroup) checks.push((a) => (resourceParts(a.targetResource).resourceGroup ?? '').toLowerCase() === targetGroup.toLowerCase());
  const custom = param(q, 'customTimeRange');
  const range = param(q, 'timeRange');
  if (custom) {
    const [s, e] = custom.split('/');
    const start = Date.parse(s ?? '');
    const end = Date.parse(e ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start || end - start > TIME_RANGES['30d']!) {
      throw bad(`customTimeRange '${custom}' must be '<start>/<end>' (ISO 8601) spanning at most 30 days.`);
    }
    checks.push((a) => Date.parse(a.startDateTime) >= start && Date.parse(a.startDateTime) <= end);
  } else {
    const span = TIME_RANGES[(range ?? '1d').toLowerCase()];
    if (span === undefined) throw bad(`timeRange '${range}' is invalid; expected one of 1h, 1d, 7d, 30d.`);
    checks.push((a) => Date.parse(a.startDateTime) >= now - span);
  }
  const includeContext = (param(q, 'includeContext') ?? 'false').toLowerCase() === 'true';
  const pageText = param(q, 'pageCount');
  const pageCount = pageText === undefined ? 25 : Number(pageText);
  if (!Number.isInteger(pageCount) || pageCount < 1 || pageCount > 250 || (includeContext && pageCount > 25)) {
    throw bad(`pageCount '${pageText}' must be an integer from 1 to 250 (to 25 with includeContext=true).`);
  }
  const sortBy = param(q, 'sortBy') ?? 'lastModifiedDateTime';
  const key = SORT_FIELDS[sortBy.toLowerCase()];
  if (!key) throw bad(`sortBy '${sortBy}' is invalid; expected one of ${Object.keys(SORT_FIELDS).join(', ')}.`);
  const order = oneOf('sortOrder', ['asc', 'desc']) ?? 'desc';
  const sign = order === 'asc' ? 1 : -1;
  return {
    matches: (a) => checks.every((c) => c(a)),
    // Ties are broken by id, so pages are stable.
    sort: (list) => [...list].sort((x, y) => (key(x) < key(y) ? -sign : key(x) > key(y) ? sign : x.id < y.id ? -1 : x.id > y.id ? 1 : 0)),
    pageCount,
    includeContext,
  };
}

/** `alertsSummary`: counts by one field, then optionally a second (`groupby=severity,alertState`). */
export function summaryBody(scope: string, alerts: FiredAlertRecord[], groupby: string | undefined): unknown {
  const FIELDS: Record<string, (a: FiredAlertRecord) => string> = {
    severity: (a) => `Sev${a.severity}`,
    alertstate: (a) => a.alertState,
    monitorcondition: (a) => a.monitorCondition,
    monitorservice: () => 'Log Alerts V2',
    signaltype: () => 'Log',
    alertrule: (a) => a.alertRule,
  };
  const names: Record<string, string> = { severity: 'severity', alertstate: 'alertState', monitorcondition: 'monitorCondition', monitorservice: 'monitorService', signaltype: 'signalType', alertrule: 'alertRule' };
  const fields = (groupby ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  if (fields.length < 1 || fields.length > 2 || fields.some((f) => !FIELDS[f.toLowerCase()])) {
    throw bad(`groupby '${groupby ?? ''}' must name one or two of ${Object.values(names).join(', ')}.`);
  }
  const group = (list: FiredAlertRecord[], depth: number): { name: string; count: number; groupedby?: string; values?: unknown[] }[] => {
    const f = fields[depth]!.toLowerCase();
    const by = new Map<string, FiredAlertRecord[]>();
    for (const a of list) by.set(FIELDS[f]!(a), [...(by.get(FIELDS[f]!(a)) ?? []), a]);
    return [...by.entries()]
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([name, items]) => ({
        name,
        count: items.length,
        ...(depth + 1 < fields.length ? { groupedby: names[fields[depth + 1]!.toLowerCase()], values: group(items, depth + 1) } : {}),
      }));
  };
  return {
    id: `${scope}/providers/Microsoft.AlertsManagement/alertsSummary/current`,
    type: 'Microsoft.AlertsManagement/alertsSummary',
    name: 'current',
    properties: { groupedby: names[fields[0]!.toLowerCase()], smartGroupsCount: 0, total: alerts.length, values: group(alerts, 0) },
  };
}
