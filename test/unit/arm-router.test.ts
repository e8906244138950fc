import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArmRouter } from '../../src/control/arm-router.js';

describe('ARM path routing', () => {
  const router = new ArmRouter<null>().add('GET', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionRules/{name}', () => ({ status: 200 }));
  it('matches literal segments case-insensitively and keeps parameter casing', () => {
    const m = router.match('GET', '/subscriptions/S1/resourcegroups/MyRG/providers/microsoft.insights/datacollectionrules/Rule%201');
    assert.ok('route' in m);
    assert.deepEqual(m.params, { sub: 'S1', rg: 'MyRG', name: 'Rule 1' });
  });
  it('tolerates doubled and trailing slashes', () => {
    assert.ok('route' in router.match('GET', '//subscriptions/S1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/r/'));
  });
  it('tells a wrong method from an unknown path', () => {
    assert.deepEqual(router.match('PUT', '/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/r'), { methodMismatch: true });
    assert.deepEqual(router.match('GET', '/subscriptions/S1/resourceGroups/rg'), { methodMismatch: false });
  });
});
