/**
 * Customer Lockbox's life cycle with an injected clock (issue #15): a request nobody decides expires
 * after 4 days (and is recorded once), an approval grants access for exactly 8 hours, an expired or
 * decided request cannot be decided again, and a grant cannot be made outside the lockbox service.
 * The HTTP side is tested end to end in test/e2e/customer-lockbox.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ActivityEvent, ActivityLog } from '../../src/audit/activity-log.js';
import { LOCKBOX_APPROVER_ROLE_ID } from '../../src/authz/role-definitions.js';
import { ApiError } from '../../src/errors/api-error.js';
import { LockboxGrant, LockboxService } from '../../src/lockbox/lockbox-service.js';
import { AZURE_LIFETIMES, LockboxRequests } from '../../src/lockbox/requests.js';
import { MetadataStore } from '../../src/metadata/metadata-store.js';
import { initialState } from '../../src/server/bootstrap.js';
import { isControlPlanePath } from '../../src/network/listeners.js';

describe('Customer Lockbox life cycle (injected clock)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-lockbox-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { state } = await initialState();
  const { store: metadata } = MetadataStore.open(dataDir, () => state);
  const sub = state.subscriptions[0]!.subscriptionId;
  const workspace = metadata.workspaces()[0]!;
  const operatorSp = state.servicePrincipals.find((p) => p.displayName === 'vigil-operator')!;
  const operator = { objectId: operatorSp.objectId, appId: operatorSp.appId, tenantId: state.tenantId };
  const approver = { objectId: randomUUID(), appId: randomUUID(), tenantId: state.tenantId };
  metadata.mutate((s) => {
    s.roleAssignments.push({
      name: randomUUID(),
      scope: `/subscriptions/${sub}`,
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${LOCKBOX_APPROVER_ROLE_ID}`,
      principalId: approver.objectId,
      principalType: 'ServicePrincipal',
      createdOn: '2030-01-01T00:00:00.000Z',
    });
  });
  let now = Date.parse('2030-01-02T00:00:00Z');
  const events: ActivityEvent[] = [];
  const activity = { record: (e: ActivityEvent) => events.push(e) } as unknown as ActivityLog;
  const service = new LockboxService(metadata, new LockboxRequests(dataDir, AZURE_LIFETIMES, () => new Date(now)), activity);
  service.requests.setOptedIn(true);
  const origin = { correlationId: 'c' };
  const ask = () => service.createRequest(operator, { workspace: workspace.customerId, justification: 'why' }, origin);
  const approve = (id: string) => service.updateApproval(approver, sub, id, { status: 'Approve' }, origin);
  const refusedWith = (f: () => unknown, status: number, code: string) =>
    assert.throws(f, (e: unknown) => e instanceof ApiError && e.status === status && e.code === code);

  it('expires a request nobody decides after 4 days, records it once, and refuses to decide it then', () => {
    const r = ask();
    now += AZURE_LIFETIMES.pendingMs - 1;
    service.sweep();
    assert.equal(service.requests.byId(r.requestId)!.status, 'Pending');
    now += 1;
    service.sweep();
    service.sweep();
    assert.equal(service.requests.byId(r.requestId)!.status, 'Expired');
    assert.equal(service.requests.byId(r.requestId)!.expiredBecause, 'NoDecision');
    assert.equal(events.filter((e) => e.operationDisplayName === 'Lockbox Request Expiry' && e.properties?.lockboxRequestId === r.requestId).length, 1);
    refusedWith(() => approve(r.requestId), 409, 'RequestNotPending');
    refusedWith(() => service.authorizeAccess(operator, workspace, r.requestId, origin), 403, 'InsufficientAccessError');
  });

  it('grants access for exactly 8 hours after approval, then expires it', () => {
    const r = ask();
    now += 60_000;
    approve(r.requestId);
    const approvedAt = now;
    now = approvedAt + AZURE_LIFETIMES.approvalMs - 1;
    const grant = service.authorizeAccess(operator, workspace, r.requestId, origin);
    assert.equal(grant.workspaceId, workspace.customerId);
    assert.equal(grant.expires.getTime(), approvedAt + AZURE_LIFETIMES.approvalMs);
    now += 1;
    refusedWith(() => service.authorizeAccess(operator, workspace, r.requestId, origin), 403, 'InsufficientAccessError');
    assert.equal(service.requests.byId(r.requestId)!.status, 'Expired');
    assert.equal(service.requests.byId(r.requestId)!.expiredBecause, 'AccessWindowEnded');
    refusedWith(() => service.updateApproval(approver, sub, r.requestId, { status: 'Deny' }, origin), 409, 'RequestNotPending');
  });

  it('survives a restart: decisions and the opt-in are persisted', () => {
    const r = ask();
    approve(r.requestId);
    const reopened = new LockboxRequests(dataDir, AZURE_LIFETIMES, () => new Date(now));
    assert.equal(reopened.optedIn, true);
    assert.equal(reopened.byId(r.requestId)!.status, 'Approved');
  });

  it('refuses lifetimes above Azure\'s and grants made outside the service', () => {
    assert.throws(() => new LockboxRequests(dataDir, { pendingMs: AZURE_LIFETIMES.pendingMs + 1, approvalMs: 1000 }), /4 days/);
    assert.throws(() => new LockboxRequests(dataDir, { pendingMs: 1000, approvalMs: AZURE_LIFETIMES.approvalMs + 1 }), /8 hours/);
    assert.throws(() => new LockboxGrant(Symbol('lockbox grant'), 'r', workspace.customerId, new Date(now + 1e9)), /issued only by the LockboxService/);
  });
});

describe('Customer Lockbox paths and --control-plane-access private-only', () => {
  it('counts the lockbox API and operator requests as control plane, the operator query as data plane', () => {
    assert.equal(isControlPlanePath('/providers/Microsoft.CustomerLockbox/enableLockbox?api-version=2018-02-28-preview'), true);
    assert.equal(isControlPlanePath('//providers/Microsoft.CustomerLockbox/tenantOptedIn/t'), true);
    assert.equal(isControlPlanePath('/operator/lockbox/requests'), true);
    assert.equal(isControlPlanePath('/operator/workspaces/00000000-0000-0000-0000-000000000000/query'), false);
  });
});
