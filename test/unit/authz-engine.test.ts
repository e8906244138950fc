import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowed, isGrantedAtOrBelow, type AssignmentSource } from '../../src/authz/authorize.js';
import { BUILT_IN_ROLES, type RoleDefinition } from '../../src/authz/role-definitions.js';
import { parseArmScope } from '../../src/authz/scope.js';
import { ArmRouter } from '../../src/control/arm-router.js';
import type { RoleAssignmentRecord } from '../../src/metadata/records.js';

const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const WS = `${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws`;
const caller = { objectId: 'P1', appId: 'a1', tenantId: 't' };
const roleId = (name: string) => BUILT_IN_ROLES.find((r) => r.roleName === name)!.id;

/** A mutable source with a version, like the metadata store. */
class Source implements AssignmentSource {
  authzVersion = 0;
  assignments: Partial<RoleAssignmentRecord>[] = [];
  custom = new Map<string, RoleDefinition>();
  reads = 0;
  roleAssignmentsFor(id: string) {
    this.reads++;
    return this.assignments.filter((a) => a.principalId!.toLowerCase() === id.toLowerCase()) as RoleAssignmentRecord[];
  }
  customRoleDefinition(id: string) {
    return this.custom.get(id);
  }
  add(a: Partial<RoleAssignmentRecord>) {
    this.assignments.push(a);
    this.authzVersion++;
  }
}

describe('the access decision, extended', () => {
  it('custom roles are resolved through the source, with their notActions and dataActions', () => {
    const s = new Source();
    s.custom.set('c0ffee00-0000-4000-8000-000000000001', {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      roleName: 'custom',
      description: '',
      actions: ['Microsoft.OperationalInsights/workspaces/*'],
      notActions: ['Microsoft.OperationalInsights/workspaces/delete'],
      dataActions: ['Microsoft.OperationalInsights/workspaces/tables/data/read'],
      notDataActions: [],
      type: 'CustomRole',
    });
    s.add({ principalId: 'p1', scope: WS, roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/C0FFEE00-0000-4000-8000-000000000001` });
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS));
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/delete', WS));
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/tables/data/read', `${WS}/tables/T_CL`, 'dataAction'));
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', SUB), 'does not apply above its scope');
  });

  it('caches per version and sees a new or removed assignment at once', () => {
    const s = new Source();
    s.add({ principalId: 'p1', scope: WS, roleDefinitionId: roleId('Reader') });
    for (let i = 0; i < 100; i++) assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS));
    assert.equal(s.reads, 1, 'the assignments were read once for 100 identical decisions');
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS));
    s.add({ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Contributor') });
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS), 'a new assignment counts on the next decision');
    s.assignments = [];
    s.authzVersion++;
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS), 'a removed assignment stops counting');
  });

  it('a source without a version is read on every decision (never stale)', () => {
    const assignments: Partial<RoleAssignmentRecord>[] = [{ principalId: 'p1', scope: WS, roleDefinitionId: roleId('Reader') }];
    const s: AssignmentSource = { roleAssignmentsFor: () => assignments as RoleAssignmentRecord[] };
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS));
    assignments.length = 0;
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS));
  });

  it('isGrantedAtOrBelow counts only assignments on the scope itself or below it', () => {
    const s = new Source();
    s.add({ principalId: 'p1', scope: WS, roleDefinitionId: roleId('Reader') });
    assert.ok(!isGrantedAtOrBelow(s, caller, 'Microsoft.OperationalInsights/workspaces/query/T_CL/read', `${WS}/tables/T_CL`), 'inherited from the workspace');
    s.add({ principalId: 'p1', scope: `${WS}/tables/T_CL`, roleDefinitionId: roleId('Reader') });
    assert.ok(isGrantedAtOrBelow(s, caller, 'Microsoft.OperationalInsights/workspaces/query/T_CL/read', `${WS}/TABLES/t_cl`));
  });

  it('resource permissions: */read and Microsoft.Insights/logs/*/read match per-table log actions', () => {
    const s = new Source();
    s.add({ principalId: 'p1', scope: `${SUB}/resourceGroups/apps/providers/Microsoft.Web/sites/a`, roleDefinitionId: roleId('Reader') });
    assert.ok(isAllowed(s, caller, 'Microsoft.Insights/logs/AppEvents_CL/read', `${SUB}/resourceGroups/apps/providers/Microsoft.Web/sites/a/slots/x`));
    assert.ok(!isAllowed(s, caller, 'Microsoft.Insights/logs/AppEvents_CL/read', `${SUB}/resourceGroups/apps/providers/Microsoft.Web/sites/a2`));
    const metrics = new Source();
    metrics.add({ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Monitoring Metrics Publisher') });
    assert.ok(!isAllowed(metrics, caller, 'Microsoft.Insights/logs/AppEvents_CL/read', SUB));
  });
});

describe('ARM scopes', () => {
  it('parses subscription, resource group and nested resource scopes', () => {
    assert.equal(parseArmScope(SUB)!.level, 'subscription');
    assert.equal(parseArmScope(`${SUB}/resourcegroups/rg`)!.id, `${SUB}/resourceGroups/rg`);
    const t = parseArmScope(`${WS}/tables/T_CL`)!;
    assert.equal(t.level, 'resource');
    assert.equal(t.resourceType, 'Microsoft.OperationalInsights/workspaces/tables');
    assert.deepEqual(t.names, ['ws', 'T_CL']);
  });
  it('refuses dot segments, control characters, odd shapes and other roots', () => {
    for (const bad of [
      `${SUB}/resourceGroups/rg/..`,
      `${SUB}/resourceGroups/.`,
      `${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites`,
      `${SUB}/resourceGroups`,
      `${SUB}/foo/bar`,
      '/providers/Microsoft.Management/managementGroups/x',
      `${SUB}/resourceGroups/r\u0000g`,
      '/',
    ]) {
      assert.equal(parseArmScope(bad), undefined, bad);
    }
  });
});

describe('ARM router extension routes', () => {
  const router = new ArmRouter<null>()
    .add('GET', '/subscriptions/{sub}/resourceGroups/{rg}', () => ({ status: 200, body: 'rg' }))
    .addExtension('GET', '/providers/Microsoft.Authorization/roleAssignments/{name}', (p) => ({ status: 200, body: p }))
    .addExtension('PUT', '/providers/Microsoft.Authorization/roleAssignments/{name}', (p) => ({ status: 201, body: p }));

  it('matches a suffix at any scope, case-insensitively, and hands over the scope', () => {
    const m = router.match('GET', `${WS}/tables/T_CL/PROVIDERS/microsoft.authorization/RoleAssignments/abc`);
    assert.ok('route' in m);
    assert.equal(m.params.scope, `${WS}/tables/T_CL`);
    assert.equal(m.params.name, 'abc');
  });
  it('tells a 405 from a 404 and leaves fixed routes alone', () => {
    const m = router.match('DELETE', `${SUB}/providers/Microsoft.Authorization/roleAssignments/abc`);
    assert.deepEqual(m, { methodMismatch: true });
    const rg = router.match('GET', `${SUB}/resourceGroups/rg`);
    assert.ok('route' in rg);
  });
  it('does not let an encoded slash add a scope level', () => {
    const m = router.match('GET', `${SUB}/resourceGroups/a%2Fb/providers/Microsoft.Authorization/roleAssignments/abc`);
    assert.ok(!('route' in m));
  });
});
