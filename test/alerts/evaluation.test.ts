/** Aggregation per dimension combination, thresholds, failing periods and auto-mitigation of log search alert conditions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advance, aggregate, targetResourceOf, type AlertStateEntry } from '../../src/alerts/evaluation.js';
import type { RuleCondition } from '../../src/alerts/records.js';

const cond = (over: Partial<RuleCondition> = {}): RuleCondition => ({
  query: 'T',
  timeAggregation: 'Count',
  dimensions: [],
  operator: 'GreaterThan',
  threshold: 0,
  failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
  ...over,
});
const keys = (r: { fired: string[]; resolved: string[] }) => ({ fired: r.fired, resolved: r.resolved });
const cols = [{ name: 'Computer' }, { name: 'Level' }, { name: 'Ms' }];
const rows = [
  ['web1', 'Error', 10],
  ['web1', 'Error', 30],
  ['web2', 'Warning', null],
  ['web2', 'Error', 5],
  ['web3', 'Info', 'x'],
];

describe('alert condition evaluation', () => {
  it('counts rows per dimension combination, with Include and Exclude', () => {
    const all = aggregate(cols, rows, cond({ dimensions: [{ name: 'Computer', operator: 'Include', values: ['*'] }] }));
    assert.deepEqual([...all.values()].map((g) => [g.dimensions[0]!.value, g.value]), [['web1', 2], ['web2', 2], ['web3', 1]]);
    const some = aggregate(cols, rows, cond({ dimensions: [{ name: 'Computer', operator: 'Include', values: ['web2'] }, { name: 'Level', operator: 'Exclude', values: ['Warning'] }] }));
    assert.deepEqual([...some.values()].map((g) => [g.dimensions.map((d) => d.value), g.value]), [[['web2', 'Error'], 1]]);
  });

  it('aggregates the measure column, skipping nulls and non-numbers', () => {
    const by = (timeAggregation: RuleCondition['timeAggregation']) =>
      Object.fromEntries([...aggregate(cols, rows, cond({ timeAggregation, metricMeasureColumn: 'Ms', dimensions: [{ name: 'Computer', operator: 'Include', values: ['*'] }] }))].map(([, g]) => [g.dimensions[0]!.value, g.value]));
    assert.deepEqual(by('Total'), { web1: 40, web2: 5 });
    assert.deepEqual(by('Average'), { web1: 20, web2: 5 });
    assert.deepEqual(by('Minimum'), { web1: 10, web2: 5 });
    assert.deepEqual(by('Maximum'), { web1: 30, web2: 5 });
  });

  it('counts 0 for an empty result without dimensions, and names a missing column', () => {
    assert.deepEqual([...aggregate(cols, [], cond()).values()], [{ dimensions: [], value: 0 }]);
    assert.throws(() => aggregate(cols, rows, cond({ dimensions: [{ name: 'Host', operator: 'Include', values: ['*'] }] })), /no column 'Host'/);
  });

  it('fires after minFailingPeriodsToAlert of numberOfEvaluationPeriods, and resolves with autoMitigate', () => {
    const c = cond({ failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 2 } });
    const alerts: Record<string, AlertStateEntry> = {};
    let id = 0;
    const step = (value: number | undefined, autoMitigate = true) =>
      advance(alerts, new Map(value === undefined ? [] : [['[]', { dimensions: [], value }]]), c, autoMitigate, 'now', () => `a${++id}`);
    assert.deepEqual(keys(step(1)), { fired: [], resolved: [] }, 'one breach of two needed');
    assert.deepEqual(keys(step(0)), { fired: [], resolved: [] });
    assert.deepEqual(keys(step(1)), { fired: ['[]'], resolved: [] }, 'two of the last three');
    assert.equal(alerts['[]']!.alertId, 'a1');
    assert.deepEqual(keys(step(5)), { fired: [], resolved: [] }, 'fires once, not again while fired');
    assert.deepEqual(keys(step(0)), { fired: [], resolved: [] }, 'still two of the last three');
    const last = step(0);
    assert.deepEqual(keys(last), { fired: [], resolved: ['[]'] });
    assert.equal(last.transitions.get('[]')?.alertId, 'a1', 'the resolved alert, as it was');
    const state = () => alerts['[]'] as AlertStateEntry | undefined;
    assert.equal(state()?.condition, 'Resolved');
    step(0);
    assert.equal(state(), undefined, 'nothing left to remember once no recent period breached');
    // Without autoMitigate a fired alert stays fired.
    step(1);
    step(1);
    assert.equal(state()?.condition, 'Fired');
    assert.equal(state()?.alertId, 'a2', 'a new alert');
    step(0, false);
    step(0, false);
    step(0, false);
    assert.equal(state()?.condition, 'Fired');
  });

  it('keeps a separate state per combination', () => {
    const c = cond({ dimensions: [{ name: 'Computer', operator: 'Include', values: ['*'] }] });
    const alerts: Record<string, AlertStateEntry> = {};
    const r1 = advance(alerts, aggregate(cols, rows, c), c, true, 't1', () => 'x');
    assert.deepEqual(r1.fired.sort(), ['["web1"]', '["web2"]', '["web3"]']);
    const r2 = advance(alerts, aggregate(cols, rows.slice(0, 2), c), c, true, 't2', () => 'y');
    assert.deepEqual({ fired: r2.fired, resolved: r2.resolved }, { fired: [], resolved: ['["web2"]', '["web3"]'] });
    assert.equal(alerts['["web1"]']!.condition, 'Fired');
  });

  it('splits by resourceIdColumn: one group per resource (ids compared case-insensitively), rows without an id in their own', () => {
    const vm = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
    const rc = [{ name: 'Res' }, { name: 'Computer' }];
    const data = [
      [vm, 'a'],
      [vm.toUpperCase(), 'a'],
      ['/subscriptions/s1/resourceGroups/rg2', 'b'],
      ['not a resource', 'c'],
      [null, 'd'],
    ];
    const groups = [...aggregate(rc, data, cond({ resourceIdColumn: 'Res' })).values()];
    assert.deepEqual(groups.map((g) => [g.resourceId, g.value]), [[vm.toLowerCase(), 2], ['/subscriptions/s1/resourcegroups/rg2', 1], [undefined, 2]]);
    // Combined with a dimension, each (dimension, resource) pair is its own alert.
    const both = aggregate(rc, data, cond({ resourceIdColumn: 'Res', dimensions: [{ name: 'Computer', operator: 'Include', values: ['*'] }] }));
    assert.equal(both.size, 4);
    // Without rows there is no resource to alert on (no empty-result group).
    assert.equal(aggregate(rc, [], cond({ resourceIdColumn: 'Res' })).size, 0);
    assert.throws(() => aggregate(rc, data, cond({ resourceIdColumn: 'Nope' })), /no column 'Nope'/);
    const alerts: Record<string, AlertStateEntry> = {};
    const r = advance(alerts, aggregate(rc, data, cond({ resourceIdColumn: 'Res' })), cond(), true, 't', () => 'id');
    assert.equal(r.transitions.get(r.fired[0]!)?.resourceId, vm.toLowerCase());
  });

  it('accepts only well-formed ARM ids as target resources', () => {
    assert.equal(targetResourceOf('/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a/slots/b/'), '/subscriptions/s/resourcegroups/r/providers/microsoft.web/sites/a/slots/b');
    for (const bad of ['', 'vm1', '/subscriptions/', '/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites', 'https://x/subscriptions/s', '/subscriptions/s x/resourceGroups/r', 42, `/subscriptions/${'s'.repeat(2000)}`]) {
      assert.equal(targetResourceOf(bad), undefined, String(bad).slice(0, 40));
    }
  });
});
