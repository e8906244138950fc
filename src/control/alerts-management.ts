/**
 * `Microsoft.AlertsManagement/alerts` over the alerts Vigil's log search alert rules fired
 * (reference wave 2 §5), at any scope (subscription, resource group or resource):
 *   GET  {scope}/providers/Microsoft.AlertsManagement/alerts                       list (filters, paging)
 *   GET  {scope}/providers/Microsoft.AlertsManagement/alerts/{alertId}             one alert
 *   POST {scope}/providers/Microsoft.AlertsManagement/alerts/{alertId}/changestate?newState=New|Acknowledged|Closed
 *   GET  {scope}/providers/Microsoft.AlertsManagement/alerts/{alertId}/history     its modifications
 *   GET  {scope}/providers/Microsoft.AlertsManagement/alertsSummary?groupby=…      counts
 *
 * Access is decided per alert on its target resource (the rule's workspace, or the resource named by
 * the rule's `resourceIdColumn`): reading needs `Microsoft.AlertsManagement/alerts/read` there
 * (Reader, Monitoring Reader through `*\/read`), changing the state needs
 * `Microsoft.AlertsManagement/alerts/changestate/action` (Monitoring Contributor's `alerts/*`). A
 * list shows only the alerts the caller may read; a caller with no such right at or below the scope
 * gets 403, and an alert the caller may not read is answered like one that does not exist.
 */
import { authorize, isAllowed, isGrantedAtOrBelow } from '../authz/authorize.js';
import { ALERT_STATES, ALERT_TYPE, alertBody, historyBody, parseAlertFilter, summaryBody, type FiredAlertRecord } from '../alerts/fired-alerts.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireSubscription } from './resource-groups.js';

const READ = `${ALERT_TYPE}/read`;
const CHANGE_STATE = `${ALERT_TYPE}/changestate/action`;

/** The scope must be a subscription or something in one; returns it normalized (no trailing '/'). */
function checkScope(ctx: ControlContext, scope: string): string {
  const m = /^\/subscriptions\/([^/]+)(\/.*)?$/i.exec(scope);
  if (!m) throw new ApiError(400, 'InvalidScope', `The scope '${scope}' is not a subscription, resource group or resource.`);
  requireSubscription(ctx, m[1]!);
  return scope.replace(/\/+$/, '');
}

/** The alerts at or below the scope that the caller may perform `action` on; 403 when it may on none. */
function visibleAlerts(ctx: ControlContext, scope: string, action: string): FiredAlertRecord[] {
  const { metadata } = ctx.deps;
  if (!isAllowed(metadata, ctx.caller, action, scope) && !isGrantedAtOrBelow(metadata, ctx.caller, action, scope)) authorize(metadata, ctx.caller, action, scope);
  return (ctx.deps.alerts?.alertsWithin(scope) ?? []).filter((a) => isAllowed(metadata, ctx.caller, action, a.targetResource));
}

function findAlert(ctx: ControlContext, scope: string, alertId: string, action: string): FiredAlertRecord {
  const a = visibleAlerts(ctx, scope, action).find((x) => x.id.toLowerCase() === alertId.toLowerCase());
  if (!a) throw new ApiError(404, 'ResourceNotFound', `The alert '${alertId}' was not found under the scope '${scope}'.`);
  return a;
}

export function registerAlertsManagementRoutes(router: ArmRouter<ControlContext>): void {
  const base = `providers/${ALERT_TYPE}`;

  router.addExtension('GET', base, ({ scope }, ctx) => {
    requireApiVersion(ctx.query, ALERT_TYPE);
    const s = checkScope(ctx, scope!);
    const filter = parseAlertFilter(ctx.query);
    const all = filter.sort(visibleAlerts(ctx, s, READ).filter(filter.matches));
    const token = ctx.query.get('ctoken');
    const offset = token === null ? 0 : Number(token);
    if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'BadRequest', `The continuation token '${token}' is invalid.`);
    const page = all.slice(offset, offset + filter.pageCount);
    let nextLink: string | undefined;
    if (offset + page.length < all.length) {
      const q = new URLSearchParams(ctx.query);
      q.set('ctoken', String(offset + page.length));
      nextLink = `${(ctx.deps.publicBaseUrl?.() ?? '').replace(/\/+$/, '')}${s}/${base}?${q.toString()}`;
    }
    return { status: 200, body: { value: page.map((a) => alertBody(a, filter.includeContext)), ...(nextLink ? { nextLink } : {}) } };
  });

  router.addExtension('GET', `${base}/{alertId}`, ({ scope, alertId }, ctx) => {
    requireApiVersion(ctx.query, ALERT_TYPE);
    return { status: 200, body: alertBody(findAlert(ctx, checkScope(ctx, scope!), alertId!, READ)) };
  });

  router.addExtension('GET', `${base}/{alertId}/history`, ({ scope, alertId }, ctx) => {
    requireApiVersion(ctx.query, ALERT_TYPE);
    return { status: 200, body: historyBody(findAlert(ctx, checkScope(ctx, scope!), alertId!, READ)) };
  });

  router.addExtension('POST', `${base}/{alertId}/changestate`, ({ scope, alertId }, ctx) => {
    requireApiVersion(ctx.query, ALERT_TYPE);
    const s = checkScope(ctx, scope!);
    const given = ctx.query.get('newState') ?? '';
    const next = ALERT_STATES.find((x) => x.toLowerCase() === given.toLowerCase());
    if (!next) throw new ApiError(400, 'BadRequest', `newState '${given}' is invalid; expected one of ${ALERT_STATES.join(', ')}.`);
    const body = (ctx.body ?? {}) as { comments?: unknown; comment?: unknown };
    const comments = typeof body.comments === 'string' ? body.comments : typeof body.comment === 'string' ? body.comment : '';
    if (comments.length > 4096) throw new ApiError(400, 'BadRequest', 'comments has at most 4096 characters.');
    // Reading it and changing its state are separate rights: a reader gets 403, not 404, for an alert it can see.
    const a = findAlert(ctx, s, alertId!, READ);
    authorize(ctx.deps.metadata, ctx.caller, CHANGE_STATE, a.targetResource);
    const changed = ctx.deps.alerts!.changeState(a.id, next, ctx.caller.objectId, comments)!;
    return { status: 200, body: alertBody(changed) };
  });

  router.addExtension('GET', 'providers/Microsoft.AlertsManagement/alertsSummary', ({ scope }, ctx) => {
    requireApiVersion(ctx.query, ALERT_TYPE);
    const s = checkScope(ctx, scope!);
    const filter = parseAlertFilter(ctx.query);
    const groupby = [...ctx.query].find(([k]) => k.toLowerCase() === 'groupby')?.[1];
    return { status: 200, body: summaryBody(s, visibleAlerts(ctx, s, READ).filter(filter.matches), groupby) };
  });
}
