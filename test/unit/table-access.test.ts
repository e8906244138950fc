/**
 * The query resolver's decisions, in process: what each caller's resolver resolves, refuses and lists,
 * for the constructs the KQL compiler hands to it (table names, wildcard listings, workspace() and
 * resource() references) — independent of which constructs the compiler supports today.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUILT_IN_ROLES } from '../../src/authz/role-definitions.js';
import { newWorkspace } from '../../src/control/workspaces.js';
import { ApiError } from '../../src/errors/api-error.js';
import { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { MetadataState, RoleAssignmentRecord, TableRecord } from '../../src/metadata/records.js';
import { workspaceResourceId } from '../../src/metadata/resource-ids.js';
import { TableAccess } from '../../src/query/table-access.js';
import type { LogStore } from '../../src/store/store.js';

const SUBID = '11111111-1111-4111-8111-111111111111';
const SUB = `/subscriptions/${SUBID}`;
const roleId = (n: string) => BUILT_IN_ROLES.find((r) => r.roleName === n)!.id;
const table = (name: string): TableRecord => ({
  name, plan: 'Analytics', retentionInDays: -1, totalRetentionInDays: -1, columns: [{ name: 'TimeGenerated', type: 'datetime' }],
  tableType: 'CustomLog', lastPlanModifiedDate: '', createdAt: '',
});

const dir = mkdtempSync(join(tmpdir(), 'vigil-access-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const w1 = newWorkspace(SUBID, 'rg', 'ws-one', 'local');
w1.tables = [table('Public_CL'), table('Secret_CL')];
const w2 = newWorkspace(SUBID, 'rg', 'ws-two', 'local');
w2.tables = [table('Other_CL'), table('Public_CL')];
const W1 = workspaceResourceId(w1);
const W2 = workspaceResourceId(w2);
const RA = `${SUB}/resourceGroups/apps/providers/Microsoft.Web/sites/app-a`;
const assignment = (principalId: string, role: string, scope: string): RoleAssignmentRecord => ({
  name: `${principalId}-${role}-${scope}`, scope, roleDefinitionId: roleId(role), principalId, principalType: 'ServicePrincipal', createdOn: '',
});
const state: MetadataState = {
  version: 1, tenantId: 't', subscriptions: [{ subscriptionId: SUBID, displayName: 's' }], resourceGroups: [], workspaces: [w1, w2],
  dataCollectionRules: [], servicePrincipals: [], roleDefinitions: [], userAssignedIdentities: [], locks: [], diagnosticSettings: [], purgeOperations: [],
  roleAssignments: [
    assignment('table', 'Reader', `${W1}/tables/Public_CL`),
    assignment('table', 'Log Analytics Data Reader', `${W1}/tables/Public_CL`),
    assignment('ws1', 'Log Analytics Reader', W1),
    assignment('res', 'Reader', RA),
  ],
};
// The table-level reader also needs query/read on the workspace: give it Log Analytics Data Reader's
// actions without its dataActions through a table-free custom role.
state.roleDefinitions.push({
  id: 'c0ffee00-0000-4000-8000-00000000000a', roleName: 'query only', description: '', scope: SUB, createdOn: '', updatedOn: '',
  actions: ['Microsoft.OperationalInsights/workspaces/query/read'], notActions: [], dataActions: [], notDataActions: [], assignableScopes: [SUB],
});
state.roleAssignments.push({ ...assignment('table', 'Reader', W1), roleDefinitionId: 'c0ffee00-0000-4000-8000-00000000000a', name: 'q' });
const { store: metadata } = MetadataStore.open(dir, () => state);
const store = { tableSource: (ws: string, t: string, scope?: string) => `"ws_${ws}"."${t}"${scope === undefined ? '' : ` /* scope ${scope} */`}` } as unknown as LogStore;
const access = new TableAccess(metadata, store);
const who = (objectId: string) => ({ objectId, appId: objectId, tenantId: 't' });
const denied = (e: unknown) => e instanceof ApiError && e.status === 403 && e.code === 'InsufficientAccessError';

describe('the table resolver', () => {
  it('workspace context: a table-level reader resolves its table, is refused the other, and lists only its own', () => {
    const r = access.resolverFor(who('table'), { kind: 'workspace', workspaces: [w1] });
    assert.ok(r.resolveTable('Public_CL'));
    assert.ok(r.resolveTable('public_cl'), 'names resolve case-insensitively');
    assert.throws(() => r.resolveTable('Secret_CL'), denied);
    assert.equal(r.resolveTable('Missing_CL'), undefined);
    assert.deepEqual(r.listTables(), ['Public_CL']);
  });

  it('workspace(): another workspace the caller cannot query is refused like a missing one', () => {
    const r = access.resolverFor(who('ws1'), { kind: 'workspace', workspaces: [w1] });
    assert.ok(r.resolveQualifiedTable('workspace', 'ws-one', 'Secret_CL'));
    assert.throws(() => r.resolveQualifiedTable('workspace', w2.customerId, 'Other_CL'), denied);
    assert.throws(() => r.resolveQualifiedTable('workspace', W2, 'Other_CL'), denied);
    assert.throws(() => r.resolveQualifiedTable('workspace', 'no-such-ws', 'Other_CL'), denied);
    assert.throws(() => r.resolveQualifiedTable('app', 'x', 'requests'), (e) => e instanceof ApiError && e.status === 400);
  });

  it('resource context: each grant carries the resource scope, which the store applies in its source', () => {
    const r = access.resolverFor(who('res'), { kind: 'resource', resourceId: `${RA.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions')}` });
    const t = r.resolveTable('Public_CL')!;
    assert.match(t.sql, /UNION ALL/, 'the table of both workspaces');
    assert.ok(t.sql.includes(`/* scope ${RA.toLowerCase()} */`), t.sql);
    const grants = r.grantedTables();
    assert.equal(grants.length, 2);
    for (const g of grants) assert.deepEqual({ table: g.table, resourceScope: g.resourceScope }, { table: 'Public_CL', resourceScope: RA.toLowerCase() });
    assert.deepEqual(r.listTables(), ['Other_CL', 'Public_CL', 'Secret_CL']);
  });

  it("resource(): a resource the caller has no role on resolves nothing readable", () => {
    const r = access.resolverFor(who('res'), { kind: 'resource', resourceId: RA });
    assert.throws(() => r.resolveQualifiedTable('resource', `${SUB}/resourceGroups/apps/providers/Microsoft.Web/sites/app-b`, 'Public_CL'), denied);
    assert.throws(() => r.resolveQualifiedTable('resource', `${RA}/../app-b`, 'Public_CL'), denied);
    assert.ok(r.resolveQualifiedTable('resource', `${RA}/slots/o'brien`, 'Public_CL'));
    assert.ok(r.grantedTables().some((g) => g.resourceScope === `${RA}/slots/o'brien`.toLowerCase()), 'the scope is passed as data, not SQL');
  });

  it('resource context: a table-level grant reads that table for any resource, nothing else', () => {
    const r = access.resolverFor(who('table'), { kind: 'resource', resourceId: `${SUB}/resourceGroups/other` });
    assert.ok(r.resolveTable('Public_CL'));
    assert.throws(() => r.resolveTable('Secret_CL'), denied);
    assert.deepEqual(r.listTables(), ['Public_CL']);
  });

  it('resource context with the workspace requiring workspace permissions', () => {
    metadata.mutate(() => {
      w2.features.enableLogAccessUsingOnlyResourcePermissions = false;
    });
    try {
      const r = access.resolverFor(who('res'), { kind: 'resource', resourceId: RA });
      const t = r.resolveTable('Public_CL')!;
      assert.ok(!t.sql.includes(w2.customerId), 'workspace two needs workspace permissions now');
      assert.throws(() => r.resolveTable('Other_CL'), denied, 'a table only in that workspace is refused');
    } finally {
      metadata.mutate(() => {
        w2.features.enableLogAccessUsingOnlyResourcePermissions = true;
      });
    }
  });

  it('a caller without roles resolves nothing and lists nothing', () => {
    const r = access.resolverFor(who('nobody'), { kind: 'resource', resourceId: RA });
    assert.deepEqual(r.listTables(), []);
    assert.throws(() => r.resolveTable('Public_CL'), denied);
    assert.equal(access.hasResourceLogAccess(who('nobody'), RA), false);
  });
});
