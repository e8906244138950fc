import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionMatches, authorize, isAllowed } from '../../src/authz/authorize.js';
import { BUILT_IN_ROLES } from '../../src/authz/role-definitions.js';
import { isWithinScope, normalizeScope } from '../../src/authz/scope.js';
import type { RoleAssignmentRecord } from '../../src/metadata/records.js';
import { ApiError } from '../../src/errors/api-error.js';

const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const WS = `${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws`;
const caller = { objectId: 'p1', appId: 'a1', tenantId: 't' };
const roleId = (name: string) => BUILT_IN_ROLES.find((r) => r.roleName === name)!.id;
const source = (assignments: Partial<RoleAssignmentRecord>[]) => ({
  roleAssignmentsFor: (id: string) => assignments.filter((a) => a.principalId === id) as RoleAssignmentRecord[],
});

describe('ARM action matching', () => {
  it('matches wildcards across segments, case-insensitively', () => {
    assert.ok(actionMatches('*', 'Microsoft.OperationalInsights/workspaces/write'));
    assert.ok(actionMatches('*/read', 'Microsoft.OperationalInsights/workspaces/query/AppEvents_CL/read'));
    assert.ok(actionMatches('Microsoft.Authorization/*/Write', 'microsoft.authorization/roleAssignments/write'));
    assert.ok(!actionMatches('*/read', 'Microsoft.OperationalInsights/workspaces/write'));
    assert.ok(!actionMatches('Microsoft.Insights/Telemetry/Write', 'Microsoft.Insights/Telemetry/WriteMore'));
  });
  it('treats regex characters in patterns literally', () => {
    assert.ok(!actionMatches('Microsoft.Insights/a.b', 'Microsoft.Insights/aXb'));
  });
});

describe('scopes', () => {
  it('inherit downwards by whole segments and ignore case and extra slashes', () => {
    assert.ok(isWithinScope(WS, SUB));
    assert.ok(isWithinScope(`${WS}/tables/T_CL`, WS.toUpperCase()));
    assert.ok(isWithinScope(`//${WS.slice(1)}//`, WS));
    assert.ok(!isWithinScope(`${WS}2`, WS));
    assert.ok(!isWithinScope(SUB, WS));
    assert.equal(normalizeScope('subscriptions/X/'), '/subscriptions/x');
  });
});

describe('the access decision', () => {
  it('Owner may do anything below its scope and nothing outside it', () => {
    const s = source([{ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Owner') }]);
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/delete', WS));
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/delete', '/subscriptions/22222222-2222-2222-2222-222222222222'));
  });
  it('Contributor may not write role assignments', () => {
    const s = source([{ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Contributor') }]);
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS));
    assert.ok(!isAllowed(s, caller, 'Microsoft.Authorization/roleAssignments/write', WS));
  });
  it('Reader may read but not write', () => {
    const s = source([{ principalId: 'p1', scope: WS, roleDefinitionId: roleId('Reader') }]);
    assert.ok(isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS));
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS));
    assert.throws(() => authorize(s, caller, 'Microsoft.OperationalInsights/workspaces/write', WS), (e) => e instanceof ApiError && e.status === 403 && e.code === 'AuthorizationFailed');
  });
  it('dataActions are separate from actions', () => {
    const s = source([{ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Monitoring Metrics Publisher') }]);
    assert.ok(isAllowed(s, caller, 'Microsoft.Insights/Telemetry/Write', `${SUB}/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/r`, 'dataAction'));
    assert.ok(!isAllowed(s, caller, 'Microsoft.Insights/Telemetry/Write', WS, 'action'));
    const owner = source([{ principalId: 'p1', scope: SUB, roleDefinitionId: roleId('Owner') }]);
    assert.ok(!isAllowed(owner, caller, 'Microsoft.Insights/Telemetry/Write', WS, 'dataAction'), 'Owner has no dataActions');
  });
  it('another principal\'s assignment grants nothing', () => {
    const s = source([{ principalId: 'p2', scope: SUB, roleDefinitionId: roleId('Owner') }]);
    assert.ok(!isAllowed(s, caller, 'Microsoft.OperationalInsights/workspaces/read', WS));
  });
});
