/**
 * Issue #15, Customer Lockbox, from the attacker's side, against a real Vigil process: the operator
 * (operator.json, role Vigil Operator) reads no workspace data without an approved request; the
 * customer hands over the admin (retires the bootstrap secret) and opts in; only the subscription's
 * Owner or a Lockbox Approver assigned at the subscription before the request may decide — never the
 * requester, another operator, a Contributor or an approver assigned at a resource group; an approval
 * covers one workspace, one operator, no Auxiliary table and no cross-workspace reference; denial and
 * expiry refuse; every step is in the activity log and every operator query in LAQueryLogs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type Reply, type TestPrincipal } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { runCli } from '../support/run-cli.js';
import type { BootstrapInfo, OperatorInfo } from '../../src/server/bootstrap.js';
import { LOCKBOX_APPROVER_ROLE_ID, VIGIL_OPERATOR_ROLE_ID } from '../../src/authz/role-definitions.js';

const API = 'api-version=2018-02-28-preview';
const COLUMNS = [
  { name: 'TimeGenerated', type: 'dateTime' },
  { name: 'Message', type: 'string' },
];
const STREAM = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Message', type: 'string' },
];

type Row = Record<string, unknown>;
const rowsOf = (r: Reply): Row[] => {
  assert.equal(r.status, 200, r.text);
  const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
};

/** Sets up a Vigil with a table of data in the default workspace, and the customer's takeover of the admin. */
async function customerTakesOver(vigil: VigilProcess) {
  const b = vigil.bootstrap;
  const boot = new Principals(b);
  const graph = await boot.adminToken(AUD.graph);
  const admin = (await call(b, graph, 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${b.clientId}'`)}`)).json<{ value: { id: string; passwordCredentials: { keyId: string; displayName: string }[] }[] }>().value[0]!;
  const added = await call(b, graph, 'POST', `/v1.0/servicePrincipals/${admin.id}/addPassword`, { passwordCredential: { displayName: 'customer' } });
  assert.equal(added.status, 200, added.text);
  const customerB: BootstrapInfo = { ...b, clientSecret: added.json<{ secretText: string }>().secretText };
  const p = new Principals(customerB);
  const bootstrapKey = admin.passwordCredentials.find((c) => c.displayName === 'bootstrap')!.keyId;
  return { p, customerB, adminObjectId: admin.id, bootstrapKey };
}

describe('Customer Lockbox', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let p: Principals; // the customer, signed in with a secret of its own
  let customerB: BootstrapInfo;
  let op: OperatorInfo;
  let opToken: (aud: string) => Promise<string>;
  let otherOperator: TestPrincipal;
  let approver: TestPrincipal; // Azure Customer Lockbox Approver for Subscription, at the subscription
  let rgApprover: TestPrincipal; // the same role, at a resource group only
  let contributor: TestPrincipal; // Contributor at the subscription: '*' actions, but not an approver
  let otherWs: { id: string; arm: string };
  let sub: string;
  let adminObjectId: string;
  let bootstrapKey: string;

  const opTokens = new Map<string, Promise<string>>();
  const tokenAs = async (clientId: string, secret: string, aud: string) => {
    const r = await fetch(`${b.endpoint}/${b.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${aud}/.default` }).toString(),
    });
    return { status: r.status, body: (await r.json()) as { access_token?: string } };
  };
  const lockboxUrl = (rest = '') => `${sub}/providers/Microsoft.CustomerLockbox/requests${rest}`;
  const ask = async (workspace = b.workspaceId, token?: string) =>
    call(b, token ?? (await opToken(AUD.arm)), 'POST', '/operator/lockbox/requests', { workspace, justification: 'ticket 42: ingestion looks stuck', supportRequest: '42' });
  const decide = async (token: string, requestId: string, status: 'Approve' | 'Deny', reason = 'ok') =>
    call(b, token, 'POST', lockboxUrl(`/${requestId}/updateApproval?${API}`), { status, reason });
  const opQuery = async (query: string, lockboxRequestId?: string, workspace = b.workspaceId, token?: string, correlation?: string) =>
    call(b, token ?? (await opToken(AUD.logs)), 'POST', `/operator/workspaces/${workspace}/query`, { query, timespan: 'P1D', ...(lockboxRequestId ? { lockboxRequestId } : {}) }, correlation ? { 'x-ms-client-request-id': correlation } : {});
  /** Polls (as the customer) until the KQL returns at least one row; a generous bound, the machine is shared. */
  const poll = async (query: string, workspaceId = b.workspaceId): Promise<Row[]> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = rowsOf(await call(b, await p.adminToken(AUD.logs), 'POST', `/v1/workspaces/${workspaceId}/query`, { query, timespan: 'P1D' }));
      if (rows.length > 0 || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    sub = `/subscriptions/${b.subscriptionId}`;
    op = JSON.parse(readFileSync(join(vigil.dataDir, 'operator.json'), 'utf8')) as OperatorInfo;
    opToken = (aud) => {
      let t = opTokens.get(aud);
      if (!t) opTokens.set(aud, (t = tokenAs(op.clientId, op.clientSecret, aud).then((r) => r.body.access_token!)));
      return t;
    };
    ({ p, customerB, adminObjectId, bootstrapKey } = await customerTakesOver(vigil));
    const { logAnalytics, monitor, ingestion } = sdkClients(customerB);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'App_CL', { schema: { name: 'App_CL', columns: COLUMNS } });
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Aux_CL', { plan: 'Auxiliary', schema: { name: 'Aux_CL', columns: COLUMNS } });
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'app', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-App': { columns: STREAM } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-App'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-App_CL' }],
      },
    });
    await ingestion.upload(rule.immutableId!, 'Custom-App', [{ TimeGenerated: new Date().toISOString(), Message: 'customer secret row' }]);
    const other = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'other', { location: 'local' });
    otherWs = { id: other.customerId!, arm: other.id! };
    // Query audit of the default workspace into itself.
    await monitor.diagnosticSettings.createOrUpdate(b.workspaceResourceId, 'audit', { workspaceId: b.workspaceResourceId, logs: [{ category: 'Audit', enabled: true }] });
    [otherOperator, approver, rgApprover, contributor] = await Promise.all(['operator-2', 'approver', 'rg-approver', 'contributor'].map((n) => p.create(n)));
    await p.assign(otherOperator.objectId, VIGIL_OPERATOR_ROLE_ID, sub);
    await p.assign(approver.objectId, LOCKBOX_APPROVER_ROLE_ID, sub);
    await p.assign(rgApprover.objectId, LOCKBOX_APPROVER_ROLE_ID, `${sub}/resourceGroups/${b.resourceGroup}`);
    await p.assign(contributor.objectId, 'Contributor', sub);
  });
  after(async () => vigil?.dispose());

  it('creates an operator principal on first start, in operator.json (0600), holding only the Vigil Operator role', async () => {
    assert.equal(statSync(join(vigil.dataDir, 'operator.json')).mode & 0o777, 0o600);
    assert.equal(op.tenantId, b.tenantId);
    const arm = await p.adminToken(AUD.arm);
    const list = (await call(b, arm, 'GET', `${sub}/providers/Microsoft.Authorization/roleAssignments?${'api-version=2022-04-01'}&$filter=${encodeURIComponent(`principalId eq '${op.objectId}'`)}`)).json<{ value: { properties: { roleDefinitionId: string } }[] }>().value;
    assert.deepEqual(list.map((a) => a.properties.roleDefinitionId.split('/').pop()), [VIGIL_OPERATOR_ROLE_ID]);
  });

  it('gives the operator nothing through the ordinary paths: the Query API, ARM, and the lockbox API itself', async () => {
    const q = await call(b, await opToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'App_CL' });
    assert.equal(q.status, 403, q.text);
    const tables = await call(b, await opToken(AUD.arm), 'GET', `${b.workspaceResourceId}/tables?api-version=2022-10-01`);
    assert.deepEqual(tables.json<{ value: unknown[] }>().value, []);
    assert.equal((await call(b, await opToken(AUD.arm), 'GET', `${b.workspaceResourceId}/tables/App_CL?api-version=2022-10-01`)).status, 403);
    const list = await call(b, await opToken(AUD.arm), 'GET', lockboxUrl(`?${API}`));
    assert.equal(list.status, 403);
  });

  it('refuses operator requests and access while the tenant has not opted in', async () => {
    const opted = await call(b, await p.adminToken(AUD.arm), 'GET', `/providers/Microsoft.CustomerLockbox/tenantOptedIn/${b.tenantId}?${API}`);
    assert.deepEqual(opted.json(), { isOptedIn: false });
    const r = await ask();
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'LockboxNotEnabled');
    const q = await opQuery('App_CL', 'whatever');
    assert.equal(q.status, 403);
  });

  it('refuses to opt in while the bootstrap secret (readable by whoever runs the server) is valid, and to operators and non-Owners', async () => {
    const bootAdmin = new Principals(b);
    const refused = await call(b, await bootAdmin.adminToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.json<{ error: { code: string } }>().error.code, 'BootstrapCredentialActive');
    assert.match(refused.text, new RegExp(bootstrapKey));
    assert.equal((await call(b, await opToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`)).status, 403);
    assert.equal((await call(b, await contributor.token(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`)).status, 403);
    // The customer retires the bootstrap secret: bootstrap.json no longer signs anyone in.
    const rm = await call(b, await p.adminToken(AUD.graph), 'POST', `/v1.0/servicePrincipals/${adminObjectId}/removePassword`, { keyId: bootstrapKey });
    assert.equal(rm.status, 204, rm.text);
    assert.equal((await tokenAs(b.clientId, b.clientSecret, AUD.arm)).status, 401);
    const ok = await call(b, await p.adminToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual((await call(b, await p.adminToken(AUD.arm), 'GET', `/providers/Microsoft.CustomerLockbox/tenantOptedIn/${b.tenantId}?${API}`)).json(), { isOptedIn: true });
    const ops = (await call(b, await p.adminToken(AUD.arm), 'GET', `/providers/Microsoft.CustomerLockbox/operations?${API}`)).json<{ value: { name: string }[] }>().value;
    assert.ok(ops.some((o) => o.name === 'Microsoft.CustomerLockbox/requests/UpdateApproval/action'));
  });

  let requestId: string;
  it('refuses operator access without an approved request, and audits each refusal (LAQueryLogs 403, activity log)', async () => {
    const none = await opQuery('App_CL', undefined, b.workspaceId, undefined, 'lockbox-no-request');
    assert.equal(none.status, 403, none.text);
    assert.equal(none.json<{ error: { code: string } }>().error.code, 'InsufficientAccessError');
    const r = await ask();
    assert.equal(r.status, 201, r.text);
    const created = r.json<{ id: string; name: string; type: string; properties: Record<string, string> }>();
    requestId = created.properties.requestId!;
    assert.equal(created.id, `${sub}/providers/Microsoft.CustomerLockbox/requests/${requestId}`);
    assert.equal(created.name, `LockboxRequest_${requestId}`);
    assert.equal(created.properties.status, 'Pending');
    assert.equal(created.properties.duration, '8');
    assert.equal(created.properties.resourceIds, b.workspaceResourceId.toUpperCase());
    // 4 days to decide.
    assert.equal(Date.parse(created.properties.expirationDateTime!) - Date.parse(created.properties.createdDateTime!), 4 * 24 * 3600_000);
    const pending = await opQuery('App_CL', requestId, b.workspaceId, undefined, 'lockbox-pending');
    assert.equal(pending.status, 403, pending.text);
    assert.match(pending.text, /Pending/);
    const audit = await poll(`LAQueryLogs | where CorrelationId in ('lockbox-no-request', 'lockbox-pending') | project AADObjectId, ResponseCode, RequestContext`);
    assert.ok(audit.length >= 1);
    for (const a of audit) {
      assert.equal(a.AADObjectId, op.objectId);
      assert.equal(a.ResponseCode, 403);
    }
    const activity = await poll(`AzureActivity | where OperationName == 'Customer Lockbox Access' and ActivityStatusValue == 'Failure' | where Caller == '${op.objectId}'`);
    assert.ok(activity.length >= 1);
    const createdEvent = await poll(`AzureActivity | where OperationName == 'Create Lockbox Request' | where Properties has '${requestId}'`);
    assert.equal(createdEvent[0]!.Caller, op.objectId);
  });

  it('lists requests with $filter and gets one, for the customer', async () => {
    const arm = await p.adminToken(AUD.arm);
    const list = (await call(b, arm, 'GET', lockboxUrl(`?${API}&$filter=${encodeURIComponent("properties/status eq 'Pending'")}`))).json<{ value: { properties: { requestId: string } }[] }>().value;
    assert.ok(list.some((x) => x.properties.requestId === requestId));
    const approved = (await call(b, arm, 'GET', lockboxUrl(`?${API}&$filter=${encodeURIComponent("properties/status eq 'Approved'")}`))).json<{ value: unknown[] }>().value;
    assert.equal(approved.length, 0);
    assert.equal((await call(b, arm, 'GET', lockboxUrl(`?${API}&$filter=${encodeURIComponent('1 eq 1')}`))).status, 400);
    const got = await call(b, arm, 'GET', lockboxUrl(`/${requestId}?${API}`));
    assert.equal(got.json<{ properties: { justification: string } }>().properties.justification, 'ticket 42: ingestion looks stuck');
    assert.equal((await call(b, arm, 'GET', lockboxUrl(`/00000000-0000-0000-0000-000000000000?${API}`))).status, 404);
  });

  it('lets neither the requester, another operator, a Contributor, nor an approver at a resource group decide', async () => {
    const mine = await decide(await opToken(AUD.arm), requestId, 'Approve');
    assert.equal(mine.status, 403, mine.text);
    assert.equal(mine.json<{ error: { code: string } }>().error.code, 'RequesterCannotApprove');
    for (const [who, code] of [[otherOperator, null], [contributor, 'AuthorizationFailed'], [rgApprover, 'AuthorizationFailed']] as const) {
      const r = await decide(await who.token(AUD.arm), requestId, 'Approve');
      assert.equal(r.status, 403, `${who.name}: ${r.text}`);
      if (code) assert.equal(r.json<{ error: { code: string } }>().error.code, code);
    }
    // An approver assigned after the request was made does not count (Azure: assignments must exist before).
    const late = await p.create('late-approver');
    await p.assign(late.objectId, LOCKBOX_APPROVER_ROLE_ID, sub);
    assert.equal((await decide(await late.token(AUD.arm), requestId, 'Approve')).status, 403);
    const still = await call(b, await p.adminToken(AUD.arm), 'GET', lockboxUrl(`/${requestId}?${API}`));
    assert.equal(still.json<{ properties: { status: string } }>().properties.status, 'Pending');
  });

  it('with approval by a Lockbox Approver: that operator reads that workspace for 8 hours, audited; nothing more', async () => {
    const ok = await decide(await approver.token(AUD.arm), requestId, 'Approve', 'go ahead');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json(), { status: 'Approve', reason: 'go ahead' });
    const got = (await call(b, await p.adminToken(AUD.arm), 'GET', lockboxUrl(`/${requestId}?${API}`))).json<{ properties: Record<string, unknown> }>().properties;
    assert.equal(got.status, 'Approved');
    assert.equal(Date.parse(got.expirationDateTime as string) - Date.parse(got.decidedDateTime as string), 8 * 3600_000);
    // Deciding twice: 409 with the current status.
    const again = await decide(await approver.token(AUD.arm), requestId, 'Deny');
    assert.equal(again.status, 409);
    assert.equal(again.json<{ error: { additionalInfo: { info: { currentStatus: string } }[] } }>().error.additionalInfo[0]!.info.currentStatus, 'Approved');

    const rows = rowsOf(await opQuery('App_CL | project Message', requestId, b.workspaceId, undefined, 'lockbox-allowed'));
    assert.deepEqual(rows, [{ Message: 'customer secret row' }]);
    // Another workspace, a cross-workspace reference, an Auxiliary table, another operator, the ordinary API: refused.
    assert.equal((await opQuery('App_CL', requestId, otherWs.id)).status, 403);
    const cross = await opQuery(`workspace('${otherWs.id}').App_CL`, requestId);
    assert.equal(cross.status, 403, cross.text);
    const aux = await opQuery('Aux_CL', requestId);
    assert.equal(aux.status, 403, aux.text);
    assert.match(aux.text, /Auxiliary/);
    const wildcard = rowsOf(await opQuery('union * | summarize by Type', requestId));
    assert.ok(!wildcard.some((r) => r.Type === 'Aux_CL'));
    const borrowed = await opQuery('App_CL', requestId, b.workspaceId, await otherOperator.token(AUD.logs));
    assert.equal(borrowed.status, 403);
    assert.equal((await call(b, await opToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'App_CL' })).status, 403);

    const audit = await poll(`LAQueryLogs | where CorrelationId == 'lockbox-allowed' | project AADObjectId, ResponseCode, RequestContext, ResponseRowCount`);
    assert.equal(audit[0]!.AADObjectId, op.objectId);
    assert.equal(audit[0]!.ResponseCode, 200);
    assert.equal(audit[0]!.ResponseRowCount, 1);
    const context = audit[0]!.RequestContext;
    // dynamic columns come back as JSON text, as from Azure
    assert.equal((typeof context === 'string' ? (JSON.parse(context) as { lockboxRequest: string }) : (context as { lockboxRequest: string })).lockboxRequest, requestId);
    const approvedEvent = await poll(`AzureActivity | where OperationName == 'Approve Lockbox Request' and ActivityStatusValue == 'Success' | where Properties has '${requestId}'`);
    assert.equal(approvedEvent[0]!.Caller, approver.objectId);
    const access = await poll(`AzureActivity | where OperationName == 'Customer Lockbox Access' and ActivityStatusValue == 'Success' | where Properties has '${requestId}'`);
    assert.equal(access[0]!.Caller, op.objectId);
  });

  it('denial: the operator stays refused (through the CLI on both sides)', async () => {
    const env = { ...process.env, VIGIL_CLIENT_SECRET: customerB.clientSecret };
    const asked = await runCli(['operator', 'request', '--data-dir', vigil.dataDir, '--workspace', b.workspaceId, '--justification', 'look at App_CL']);
    assert.equal(asked.status, 0, asked.stderr);
    const id = (JSON.parse(asked.stdout) as { properties: { requestId: string } }).properties.requestId;
    const listed = await runCli(['lockbox', 'list', '--data-dir', vigil.dataDir, '--client-id', b.clientId, '--status', 'Pending', '--json'], env);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { properties: { requestId: string } }[]).some((r) => r.properties.requestId === id));
    const denied = await runCli(['lockbox', 'deny', id, '--data-dir', vigil.dataDir, '--client-id', b.clientId, '--reason', 'not needed'], env);
    assert.equal(denied.status, 0, denied.stderr);
    const status = await runCli(['operator', 'status', id, '--data-dir', vigil.dataDir]);
    assert.equal((JSON.parse(status.stdout) as { properties: { status: string } }).properties.status, 'Denied');
    const q = await runCli(['operator', 'query', '--data-dir', vigil.dataDir, '--workspace', b.workspaceId, '--request', id, '--query', 'App_CL']);
    assert.equal(q.status, 1);
    assert.match(q.stderr, /Denied/);
    // The approved request still works through the CLI.
    const ok = await runCli(['operator', 'query', '--data-dir', vigil.dataDir, '--workspace', b.workspaceId, '--request', requestId, '--query', 'App_CL | project Message']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { tables: { rows: unknown[][] }[] }).tables[0]!.rows, [['customer secret row']]);
    const deniedEvent = await poll(`AzureActivity | where OperationName == 'Deny Lockbox Request' and ActivityStatusValue == 'Success' | where Properties has '${id}'`);
    assert.equal(deniedEvent[0]!.Caller, adminObjectId);
  });

  it('disabling Customer Lockbox cuts operator access, even under an approved request', async () => {
    assert.equal((await call(b, await p.adminToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/disableLockbox?${API}`)).status, 200);
    assert.equal((await opQuery('App_CL', requestId)).status, 403);
    assert.equal((await call(b, await p.adminToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`)).status, 200);
    assert.equal((await opQuery('App_CL', requestId)).status, 200);
  });
});

describe('Customer Lockbox expiry', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  after(async () => vigil?.dispose());

  it('ends access when the approval window is over, and records the expiry', async () => {
    // Access windows of 2 s: the test waits until the stated expiration has passed, then checks (no timed assertion).
    vigil = await startVigil({ args: ['--lockbox-approval-duration', '2'] });
    const b = vigil.bootstrap;
    const { p, adminObjectId, bootstrapKey } = await customerTakesOver(vigil);
    assert.equal((await call(b, await p.adminToken(AUD.graph), 'POST', `/v1.0/servicePrincipals/${adminObjectId}/removePassword`, { keyId: bootstrapKey })).status, 204);
    assert.equal((await call(b, await p.adminToken(AUD.arm), 'POST', `/providers/Microsoft.CustomerLockbox/enableLockbox?${API}`)).status, 200);
    const op = JSON.parse(readFileSync(join(vigil.dataDir, 'operator.json'), 'utf8')) as OperatorInfo;
    const opCred = p.credentialFor(op.clientId, op.clientSecret);
    const opArm = (await opCred.getToken(`${AUD.arm}/.default`)).token;
    const opLogs = (await opCred.getToken(`${AUD.logs}/.default`)).token;
    const r = await call(b, opArm, 'POST', '/operator/lockbox/requests', { workspace: b.workspaceId, justification: 'expiry' });
    assert.equal(r.status, 201, r.text);
    const id = r.json<{ properties: { requestId: string } }>().properties.requestId;
    const ok = await call(b, await p.adminToken(AUD.arm), 'POST', `/subscriptions/${b.subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${id}/updateApproval?${API}`, { status: 'Approve' });
    assert.equal(ok.status, 200, ok.text);
    const got = (await call(b, await p.adminToken(AUD.arm), 'GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${id}?${API}`)).json<{ properties: { expirationDateTime: string } }>();
    const until = Date.parse(got.properties.expirationDateTime);
    while (Date.now() <= until + 50) await new Promise((res) => setTimeout(res, 100));
    const q = await call(b, opLogs, 'POST', `/operator/workspaces/${b.workspaceId}/query`, { query: 'print 1', lockboxRequestId: id });
    assert.equal(q.status, 403, q.text);
    const after = (await call(b, await p.adminToken(AUD.arm), 'GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${id}?${API}`)).json<{ properties: { status: string; expiredBecause: string } }>();
    assert.equal(after.properties.status, 'Expired');
    assert.equal(after.properties.expiredBecause, 'AccessWindowEnded');
    const deadline = Date.now() + 60_000;
    let rows: Row[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = rowsOf(await call(b, await p.adminToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: `AzureActivity | where OperationName == 'Lockbox Request Expiry' | where Properties has '${id}'`, timespan: 'P1D' }));
      if (rows.length === 0) await new Promise((res) => setTimeout(res, 300));
    }
    assert.equal(rows.length, 1);
  });

  it('an attacker with write access to the data folder cannot approve a request by editing lockbox/requests.json', async () => {
    const path = join(vigil.dataDir, 'lockbox', 'requests.json');
    const opToken = async (aud: string) => {
      const op = JSON.parse(readFileSync(join(vigil.dataDir, 'operator.json'), 'utf8')) as OperatorInfo;
      return (await new Principals(vigil.bootstrap).credentialFor(op.clientId, op.clientSecret).getToken(`${aud}/.default`)).token;
    };
    const opQuery = async (id: string) => call(vigil.bootstrap, await opToken(AUD.logs), 'POST', `/operator/workspaces/${vigil.bootstrap.workspaceId}/query`, { query: 'print 1', lockboxRequestId: id });
    await vigil.stop();
    const original = readFileSync(path, 'utf8');
    const file = JSON.parse(original) as { mac?: string; requests: { requestId: string; status: string; expirationDateTime: string; expiredBecause?: string }[] };
    assert.match(file.mac ?? '', /^[0-9a-f]{64}$/, 'the file carries a MAC');
    const r = file.requests[0]!;
    const id = r.requestId;
    // The expired approval is made current again, for a day.
    const forged = { ...r, status: 'Approved', expirationDateTime: new Date(Date.now() + 86_400_000).toISOString() };
    delete forged.expiredBecause;
    writeFileSync(path, JSON.stringify({ ...file, requests: [forged] }));
    await assert.rejects(startVigil({ dataDir: vigil.dataDir }), (e: Error) => /lockbox[\\/]requests\.json was altered outside Vigil/.test(e.message), 'the server refuses to start on an altered file');
    const verify = await runCli(['verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir]);
    assert.equal(verify.status, 1, verify.stdout);
    assert.match(verify.stdout, /ERROR \S+lockbox\/requests\.json: its MAC does not verify/);
    // Without its MAC, the file is taken as one from before integrity protection: no approval in it counts.
    const { mac: _mac, ...unmaced } = { ...file, requests: [forged] };
    writeFileSync(path, JSON.stringify(unmaced));
    vigil = await startVigil({ dataDir: vigil.dataDir });
    const refused = await opQuery(id);
    assert.equal(refused.status, 403, refused.text);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as typeof file;
    assert.equal(stored.requests[0]!.status, 'Expired', 'the approval was ended when the file was read');
    assert.match(stored.mac ?? '', /^[0-9a-f]{64}$/, 'and the file is MACed again');
    // The genuine file: the server starts, and the request stays expired.
    await vigil.stop();
    writeFileSync(path, original);
    vigil = await startVigil({ dataDir: vigil.dataDir });
    assert.equal((await opQuery(id)).status, 403);
  });

  it('refuses lifetimes above Azure\'s', async () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--insecure-dev-keys', '--port', '0', '--data-dir', join(vigil.dataDir, 'x'), '--lockbox-approval-duration', '28801'], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /at most 8 hours/);
  });
});

describe('Customer Lockbox and key commands are documented', () => {
  it('every new command and option is in --help and in the README', () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const help = (args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const serve = help(['serve']);
    for (const o of ['--lockbox-pending-lifetime', '--lockbox-approval-duration', 'VIGIL_LOCKBOX_PENDING_LIFETIME_SECONDS', 'VIGIL_LOCKBOX_APPROVAL_DURATION_SECONDS']) {
      assert.ok(serve.includes(o), `serve --help lists ${o}`);
      assert.ok(readme.includes(o), `README documents ${o}`);
    }
    const commands: [string[], string[]][] = [
      [['lockbox', 'list'], ['--status']],
      [['lockbox', 'approve'], ['--reason']],
      [['lockbox', 'deny'], ['--reason']],
      [['operator', 'request'], ['--workspace', '--justification', '--support-request']],
      [['operator', 'status'], []],
      [['operator', 'query'], ['--workspace', '--request', '--query']],
      [['rotate-signing-key'], ['--revoke-old-key']],
      [['change-key-protector'], ['--new-master-passphrase-file', '--new-pkcs11-module', '--new-pkcs11-token-label', '--new-pkcs11-slot', '--new-pkcs11-pin-file', '--new-pkcs11-key-label']],
    ];
    for (const [cmd, options] of commands) {
      const h = help(cmd);
      assert.ok(readme.includes(`vigil ${cmd.join(' ')}`), `README shows vigil ${cmd.join(' ')}`);
      for (const o of options) {
        assert.ok(h.includes(o), `${cmd.join(' ')} --help lists ${o}`);
        assert.ok(readme.includes(o), `README documents ${o}`);
      }
    }
  });
});
