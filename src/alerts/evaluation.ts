/**
 * The pure part of evaluating a log search alert condition: aggregating the query's rows per
 * dimension combination, comparing with the threshold, and moving each combination's alert state
 * (failing periods: fired when at least `minFailingPeriodsToAlert` of the last
 * `numberOfEvaluationPeriods` evaluations breached; resolved, with `autoMitigate`, when fewer do).
 */
import { ApiError } from '../errors/api-error.js';
import type { RuleCondition } from './records.js';

export type Dimensions = { name: string; value: string }[];

export interface AlertStateEntry {
  dimensions: Dimensions;
  /** Breach results of the last evaluations, newest last (for failing periods). */
  recent: boolean[];
  condition: 'Fired' | 'Resolved';
  alertId?: string;
  firedAt?: string;
  resolvedAt?: string;
  metricValue: number;
  /** With `resourceIdColumn`: the resource the alert is about (its target), from that column. */
  resourceId?: string;
}

export type ConditionGroup = { dimensions: Dimensions; value: number; resourceId?: string };

const RESOURCE_ID = /^\/subscriptions\/[^/\s]+(\/resourcegroups\/[^/\s]+(\/providers\/[^/\s]+\/[^/\s]+\/[^/\s]+(\/[^/\s]+\/[^/\s]+)*)?)?$/i;

/**
 * The target resource named by a `resourceIdColumn` value: a well-formed ARM resource id, compared
 * case-insensitively as ARM does (kept lower-case). Anything else (empty, free text) names no
 * resource, and such rows form their own group whose alert targets the rule's scope.
 */
export function targetResourceOf(value: unknown): string | undefined {
  const t = typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
  return t.length <= 1024 && RESOURCE_ID.test(t) ? t.toLowerCase() : undefined;
}

export function dimensionSelects(d: { operator: 'Include' | 'Exclude'; values: string[] }, value: string): boolean {
  return d.operator === 'Include' ? d.values.includes('*') || d.values.includes(value) : !d.values.includes(value);
}

export function compare(value: number, op: RuleCondition['operator'], threshold: number): boolean {
  switch (op) {
    case 'Equals':
      return value === threshold;
    case 'GreaterThan':
      return value > threshold;
    case 'GreaterThanOrEqual':
      return value >= threshold;
    case 'LessThan':
      return value < threshold;
    case 'LessThanOrEqual':
      return value <= threshold;
  }
}

const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The condition's value per dimension combination (key: JSON of the dimension values). Count counts
 * rows; Average, Minimum, Maximum and Total aggregate `metricMeasureColumn` (null and non-numeric
 * values are skipped). With no rows and no dimensions, Count is 0 (so `LessThan` conditions can fire).
 * With `resourceIdColumn`, rows are also split by the resource id in that column (the alert of each
 * group targets that resource, see targetResourceOf).
 */
export function aggregate(columns: readonly { name: string }[], rows: readonly unknown[][], condition: RuleCondition): Map<string, ConditionGroup> {
  const index = (name: string) => {
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) throw new ApiError(400, 'InvalidQueryResult', `The query's results have no column '${name}' (named by the rule's condition).`);
    return i;
  };
  const dims = condition.dimensions.map((d) => ({ ...d, i: index(d.name) }));
  const measure = condition.timeAggregation === 'Count' ? undefined : index(condition.metricMeasureColumn ?? '');
  const resourceColumn = condition.resourceIdColumn ? index(condition.resourceIdColumn) : undefined;
  const groups = new Map<string, { dimensions: Dimensions; values: number[]; count: number; resourceId?: string }>();
  for (const row of rows) {
    const dimensions = dims.map((d) => ({ name: d.name, value: text(row[d.i]) }));
    if (dims.some((d, j) => !dimensionSelects(d, dimensions[j]!.value))) continue;
    const resourceId = resourceColumn === undefined ? undefined : targetResourceOf(row[resourceColumn]);
    const values = dimensions.map((d) => d.value);
    // The key of a rule without resourceIdColumn is unchanged (persisted alert states stay valid).
    const k = JSON.stringify(resourceColumn === undefined ? values : [...values, { resource: resourceId ?? '' }]);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { dimensions, values: [], count: 0, ...(resourceId ? { resourceId } : {}) }));
    g.count++;
    if (measure !== undefined && row[measure] !== null && row[measure] !== undefined && row[measure] !== '') {
      const v = Number(row[measure]);
      if (Number.isFinite(v)) g.values.push(v);
    }
  }
  if (groups.size === 0 && condition.timeAggregation === 'Count' && dims.length === 0 && resourceColumn === undefined) groups.set('[]', { dimensions: [], values: [], count: 0 });
  const out = new Map<string, ConditionGroup>();
  for (const [k, g] of groups) {
    if (condition.timeAggregation !== 'Count' && g.values.length === 0) continue;
    const sum = g.values.reduce((a, b) => a + b, 0);
    const value =
      condition.timeAggregation === 'Count'
        ? g.count
        : condition.timeAggregation === 'Total'
          ? sum
          : condition.timeAggregation === 'Average'
            ? sum / g.values.length
            : condition.timeAggregation === 'Minimum'
              ? g.values.reduce((a, b) => Math.min(a, b))
              : g.values.reduce((a, b) => Math.max(a, b));
    out.set(k, { dimensions: g.dimensions, value, ...(g.resourceId ? { resourceId: g.resourceId } : {}) });
  }
  return out;
}

/**
 * Moves the alert states by one evaluation's results. Returns the keys that fired and resolved, and
 * each of those alerts as it was at the transition; combinations with nothing left to remember are
 * dropped from `alerts`.
 */
export function advance(
  alerts: Record<string, AlertStateEntry>,
  groups: Map<string, ConditionGroup>,
  condition: RuleCondition,
  autoMitigate: boolean,
  now: string,
  newAlertId: () => string,
): { fired: string[]; resolved: string[]; transitions: Map<string, AlertStateEntry> } {
  const n = condition.failingPeriods.numberOfEvaluationPeriods;
  const m = condition.failingPeriods.minFailingPeriodsToAlert;
  const fired: string[] = [];
  const resolved: string[] = [];
  const transitions = new Map<string, AlertStateEntry>();
  for (const k of new Set([...groups.keys(), ...Object.keys(alerts)])) {
    const g = groups.get(k);
    const breached = g !== undefined && compare(g.value, condition.operator, condition.threshold);
    const a = (alerts[k] ??= { dimensions: g?.dimensions ?? [], recent: [], condition: 'Resolved', metricValue: 0, ...(g?.resourceId ? { resourceId: g.resourceId } : {}) });
    a.recent.push(breached);
    if (a.recent.length > n) a.recent.splice(0, a.recent.length - n);
    if (g) a.metricValue = g.value;
    const failing = a.recent.filter(Boolean).length >= m;
    if (failing && a.condition !== 'Fired') {
      a.condition = 'Fired';
      a.alertId = newAlertId();
      a.firedAt = now;
      delete a.resolvedAt;
      fired.push(k);
      transitions.set(k, structuredClone(a));
    } else if (!failing && a.condition === 'Fired' && autoMitigate) {
      a.condition = 'Resolved';
      a.resolvedAt = now;
      resolved.push(k);
      transitions.set(k, structuredClone(a));
    }
    if (a.condition !== 'Fired' && !a.recent.some(Boolean)) delete alerts[k];
  }
  return { fired, resolved, transitions };
}
