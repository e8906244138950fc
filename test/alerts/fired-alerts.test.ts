/** The pure parts of the alerts API and of the 256 KB payload limit: list filters, sorting, the summary, payload reduction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonAlertSchema, fitToLimit, PAYLOAD_LIMIT_BYTES } from '../../src/alerts/common-schema.js';
import { alertBody, parseAlertFilter, summaryBody, type FiredAlertRecord } from '../../src/alerts/fired-alerts.js';
import type { RuleCondition, ScheduledQueryRuleRecord } from '../../src/alerts/records.js';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws';
const condition: RuleCondition = { query: 'T', timeAggregation: 'Count', dimensions: [], operator: 'GreaterThan', threshold: 0, failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 } };
const rule = (over: Partial<ScheduledQueryRuleRecord> = {}): ScheduledQueryRuleRecord => ({
  subscriptionId: 's1',
  resourceGroup: 'rg',
  name: 'r',
  location: 'local',
  kind: 'LogAlert',
  identity: { type: 'SystemAssigned', principalId: 'p' },
  severity: 2,
  enabled: true,
  scopes: [WS],
  evaluationFrequency: 'PT5M',
  windowSize: 'PT5M',
  criteria: { allOf: [condition] },
  autoMitigate: true,
  actions: { actionGroups: [] },
  createdWithApiVersion: '2023-12-01',
  createdAt: '',
  createdBy: '',
  updatedAt: '',
  updatedBy: '',
  ...over,
});
const alert = (id: string, over: Partial<FiredAlertRecord> = {}): FiredAlertRecord => ({
  id,
  alertRule: `${WS}/x`,
  ruleName: 'r',
  subscriptionId: 's1',
  severity: 2,
  targetResource: WS,
  description: '',
  monitorCondition: 'Fired',
  alertState: 'New',
  startDateTime: new Date().toISOString(),
  lastModifiedDateTime: new Date().toISOString(),
  lastModifiedUserName: 'System',
  isSuppressed: false,
  context: {},
  modifications: [],
  ...over,
});
const instance = (dimensions: { name: string; value: string }[]) => ({
  alertId: 'a',
  monitorCondition: 'Fired' as const,
  firedDateTime: 't',
  dimensions,
  metricValue: 1,
  windowStart: 's',
  windowEnd: 'e',
});

describe('the alerts API and the payload limit', () => {
  it('filters, sorts and validates list parameters', () => {
    const list = [alert('a', { severity: 0 }), alert('b', { severity: 3, alertState: 'Closed' }), alert('c', { startDateTime: new Date(Date.now() - 2 * 86_400_000).toISOString() })];
    const ids = (q: string) => {
      const f = parseAlertFilter(new URLSearchParams(q));
      return f.sort(list.filter(f.matches)).map((a) => a.id);
    };
    assert.deepEqual(ids('sortBy=severity&sortOrder=asc'), ['a', 'b'], 'timeRange defaults to 1d');
    assert.deepEqual(ids('timeRange=7d&sortBy=severity&sortOrder=desc'), ['b', 'c', 'a']);
    assert.deepEqual(ids('alertState=closed'), ['b'], 'values are case-insensitive');
    assert.deepEqual(ids('Severity=Sev0'), ['a'], 'names are case-insensitive');
    assert.deepEqual(ids('monitorService=Platform'), []);
    for (const bad of ['severity=5', 'alertState=Open', 'timeRange=2h', 'pageCount=251', 'pageCount=26&includeContext=true', 'sortBy=x', 'sortOrder=up', 'customTimeRange=x']) {
      assert.throws(() => parseAlertFilter(new URLSearchParams(bad)), (e: any) => e.status === 400 && e.code === 'BadRequest', bad);
    }
  });

  it('summarizes by one or two fields', () => {
    const s = summaryBody('/subscriptions/s1', [alert('a'), alert('b', { alertState: 'Closed' }), alert('c', { severity: 0 })], 'severity,alertState') as any;
    assert.equal(s.properties.total, 3);
    assert.deepEqual(s.properties.values, [
      { name: 'Sev0', count: 1, groupedby: 'alertState', values: [{ name: 'New', count: 1 }] },
      { name: 'Sev2', count: 2, groupedby: 'alertState', values: [{ name: 'Closed', count: 1 }, { name: 'New', count: 1 }] },
    ]);
    assert.throws(() => summaryBody('/s', [], 'colour'), /groupby/);
    assert.throws(() => summaryBody('/s', [], undefined), /groupby/);
  });

  it('shapes an alert as ARM does, its id under the target resource', () => {
    const body = alertBody(alert('g', { targetResource: '/subscriptions/s1/resourcegroups/b/providers/microsoft.compute/virtualmachines/vm' }), false) as any;
    assert.equal(body.id, '/subscriptions/s1/resourcegroups/b/providers/microsoft.compute/virtualmachines/vm/providers/Microsoft.AlertsManagement/alerts/g');
    assert.equal(body.properties.essentials.targetResourceName, 'vm');
    assert.equal(body.properties.essentials.targetResourceGroup, 'b');
    assert.equal(body.properties.context, undefined);
  });

  it('sends a payload under 256 KB as is, drops dimension values past it, and refuses what is still too large', () => {
    const small = fitToLimit(commonAlertSchema(rule(), condition, instance([{ name: 'Computer', value: 'web1' }]), 'https://v'));
    assert.ok('json' in small && !small.trimmed);
    const big = commonAlertSchema(rule(), condition, instance([{ name: 'Computer', value: 'x'.repeat(PAYLOAD_LIMIT_BYTES) }]), 'https://v');
    const fitted = fitToLimit(big);
    assert.ok('json' in fitted && fitted.trimmed);
    assert.ok(Buffer.byteLength(fitted.json) <= PAYLOAD_LIMIT_BYTES);
    const payload = JSON.parse(fitted.json);
    assert.deepEqual(payload.data.alertContext.condition.allOf[0].dimensions, [{ name: 'Computer', value: '' }]);
    assert.deepEqual(payload.data.essentials.configurationItems, ['ws']);
    assert.ok(payload.data.alertContext.condition.allOf[0].linkToSearchResultsAPI.startsWith('https://v/v1/subscriptions/'));
    // Multi-byte characters count in bytes.
    const wide = fitToLimit(commonAlertSchema(rule(), condition, instance([{ name: 'C', value: 'é'.repeat(PAYLOAD_LIMIT_BYTES / 2) }]), 'https://v'));
    assert.ok('json' in wide && wide.trimmed);
    // The rule itself too large (huge custom properties): not sent.
    const huge = fitToLimit(commonAlertSchema(rule({ actions: { actionGroups: [], customProperties: { k: 'v'.repeat(PAYLOAD_LIMIT_BYTES) } } }), condition, instance([]), 'https://v'));
    assert.ok('tooLarge' in huge && huge.tooLarge > PAYLOAD_LIMIT_BYTES);
  });
});
