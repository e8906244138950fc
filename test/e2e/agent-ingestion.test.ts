/**
 * Agents with managed identities (issue 19). A virtual machine's agent runs with a user-assigned
 * managed identity (ManagedIdentityCredential through Vigil's identity endpoint) that holds Monitoring
 * Metrics Publisher on the VM. The VM has a data collection rule association (and a
 * `configurationAccessEndpoint` association with a data collection endpoint), made with
 * @azure/arm-monitor. The agent fetches its configuration from the endpoint, sends what it says with
 * `x-ms-AzureResourceId`, and the rows carry the VM as `_ResourceId`: a resource-context reader of the
 * VM sees them, a reader of another VM does not, a principal without rights is refused, and an agent
 * cannot claim a resource it is not the agent of.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ManagedIdentityCredential } from '@azure/identity';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

const COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Computer', type: 'string' },
  { name: 'Message', type: 'string' },
] as const;
const MI_VERSION = 'api-version=2023-01-31';

describe('agents: managed identity, rule associations, _ResourceId', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let p: Principals;
  let vm1: string;
  let vm2: string;
  let ruleId: string;
  let ruleArmId: string;
  let dceId: string;
  let agent: ManagedIdentityCredential;
  let agentPrincipalId: string;
  let nobody: TestPrincipal;
  let vm1Reader: TestPrincipal;
  let vm2Reader: TestPrincipal;
  let otlpUrl: string;

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    const rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    vm1 = `${rg}/providers/Microsoft.Compute/virtualMachines/vm-web-1`;
    vm2 = `${rg}/providers/Microsoft.Compute/virtualMachines/vm-db-2`;
    const { logAnalytics, monitor } = sdkClients(b);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'AgentLogs_CL', {
      schema: { name: 'AgentLogs_CL', columns: COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    const dce = await monitor.dataCollectionEndpoints.create(b.resourceGroup, 'agents-dce', { body: { location: 'local', kind: 'Linux', description: 'for the VMs' } });
    dceId = dce.id!;
    assert.equal(dce.networkAcls?.publicNetworkAccess, 'Enabled');
    assert.match(dce.immutableId!, /^dce-[0-9a-f]{32}$/);
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'vm-logs', {
      body: {
        location: 'local',
        dataCollectionEndpointId: dceId,
        streamDeclarations: { 'Custom-AgentLogs': { columns: [...COLUMNS] } },
        dataSources: { otelLogs: [{ name: 'otel', streams: ['Microsoft-OTel-Logs'] }] },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [
          { streams: ['Custom-AgentLogs'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-AgentLogs_CL' },
          { streams: ['Microsoft-OTel-Logs'], destinations: ['la'] },
        ],
      },
    });
    ruleId = rule.immutableId!;
    ruleArmId = rule.id!;
    assert.equal(rule.dataCollectionEndpointId?.toLowerCase(), dceId.toLowerCase());

    // The VM's identity, the agent's credential, and its one role: Monitoring Metrics Publisher on the VM.
    const arm = await p.adminToken(AUD.arm);
    const miPath = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/vm-web-1-identity`;
    const mi = await call(b, arm, 'PUT', `${miPath}?${MI_VERSION}`, { location: 'local' });
    assert.equal(mi.status, 201, mi.text);
    const { principalId, clientId } = mi.json<{ properties: { principalId: string; clientId: string } }>().properties;
    agentPrincipalId = principalId;
    await p.assign(principalId, 'Monitoring Metrics Publisher', vm1);
    const hdr = (await call(b, arm, 'POST', `${miPath}/regenerateIdentityHeader?${MI_VERSION}`)).json<{ identityEndpoint: string; identityHeader: string }>();
    process.env.IDENTITY_ENDPOINT = hdr.identityEndpoint;
    process.env.IDENTITY_HEADER = hdr.identityHeader;
    agent = new ManagedIdentityCredential({ clientId });

    nobody = await p.create('agent-nobody');
    vm1Reader = await p.create('vm1-reader');
    vm2Reader = await p.create('vm2-reader');
    await p.assign(vm1Reader.objectId, 'Reader', vm1);
    await p.assign(vm2Reader.objectId, 'Reader', vm2);
  });
  after(async () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await vigil?.dispose();
  });

  const configPath = (vm: string) => `/locations/local${vm}/agentConfigurations?platform=linux&api-version=2022-06-02`;
  const agentToken = async () => (await agent.getToken(`${AUD.monitor}/.default`)).token;
  const send = async (token: string, vm: string | undefined, message: string) =>
    call(b, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-AgentLogs?api-version=2023-01-01`, [{ TimeGenerated: new Date().toISOString(), Computer: 'web-1', Message: message, _ResourceId: vm2 }], vm ? { 'x-ms-AzureResourceId': vm } : {});

  test('associations through @azure/arm-monitor: create, get, list by resource, rule and endpoint; validation', async () => {
    const { monitor } = sdkClients(b);
    const a = await monitor.dataCollectionRuleAssociations.create(vm1, 'vm-logs-association', { body: { dataCollectionRuleId: ruleArmId, description: 'web tier' } });
    assert.equal(a.id, `${vm1}/providers/Microsoft.Insights/dataCollectionRuleAssociations/vm-logs-association`);
    assert.equal(a.dataCollectionRuleId, ruleArmId);
    const c = await monitor.dataCollectionRuleAssociations.create(vm1, 'configurationAccessEndpoint', { body: { dataCollectionEndpointId: dceId } });
    assert.equal(c.dataCollectionEndpointId, dceId);
    assert.equal((await monitor.dataCollectionRuleAssociations.get(vm1, 'vm-logs-association')).description, 'web tier');
    const names = async (it: AsyncIterable<{ name?: string }>) => {
      const out: string[] = [];
      for await (const x of it) out.push(x.name!);
      return out.sort();
    };
    assert.deepEqual(await names(monitor.dataCollectionRuleAssociations.listByResource(vm1)), ['configurationAccessEndpoint', 'vm-logs-association']);
    assert.deepEqual(await names(monitor.dataCollectionRuleAssociations.listByRule(b.resourceGroup, 'vm-logs')), ['vm-logs-association']);
    assert.deepEqual(await names(monitor.dataCollectionRuleAssociations.listByDataCollectionEndpoint(b.resourceGroup, 'agents-dce')), ['configurationAccessEndpoint']);
    assert.deepEqual(await names(monitor.dataCollectionRuleAssociations.listByResource(vm2)), []);

    const arm = await p.adminToken(AUD.arm);
    const put = (scope: string, name: string, properties: unknown) => call(b, arm, 'PUT', `${scope}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}?api-version=2024-03-11`, { properties });
    const both = await put(vm2, 'x', { dataCollectionRuleId: ruleArmId, dataCollectionEndpointId: dceId });
    assert.equal(both.status, 400, both.text);
    const badName = await put(vm2, 'not-config', { dataCollectionEndpointId: dceId });
    assert.equal(badName.status, 400, badName.text);
    const missing = await put(vm2, 'x', { dataCollectionRuleId: ruleArmId.replace('vm-logs', 'nope') });
    assert.equal(missing.status, 400, missing.text);
    const noGroup = await put(`/subscriptions/${b.subscriptionId}/resourceGroups/nope/providers/Microsoft.Compute/virtualMachines/v`, 'x', { dataCollectionRuleId: ruleArmId });
    assert.equal(noGroup.status, 404, noGroup.text);
    // A dot segment in the resource id (sent raw: fetch would resolve it) is refused, not resolved.
    const dots = await new Promise<number>((resolve, reject) => {
      const u = new URL(b.endpoint);
      const req = httpsRequest(
        { host: u.hostname, port: u.port, method: 'PUT', path: `${vm1}/%2E%2E/vm-db-2/providers/Microsoft.Insights/dataCollectionRuleAssociations/x?api-version=2024-03-11`, headers: { authorization: `Bearer ${arm}`, 'content-type': 'application/json' } },
        (res) => (res.resume(), resolve(res.statusCode!)),
      );
      req.on('error', reject);
      req.end(JSON.stringify({ properties: { dataCollectionRuleId: ruleArmId } }));
    });
    assert.equal(dots, 400);
    // Associating needs write on the rule, not only on the resource: a VM Reader cannot.
    const byReader = await call(b, await vm1Reader.token(AUD.arm), 'PUT', `${vm1}/providers/Microsoft.Insights/dataCollectionRuleAssociations/sneaky?api-version=2024-03-11`, { properties: { dataCollectionRuleId: ruleArmId } });
    assert.equal(byReader.status, 403, byReader.text);
    assert.equal(byReader.json().error.code, 'AuthorizationFailed');
    // The endpoint in use by a rule cannot be deleted from under it.
    const del = await call(b, arm, 'DELETE', `${dceId}?api-version=2024-03-11`);
    assert.equal(del.status, 409, del.text);
  });

  test('the agent fetches its configuration from the endpoint with its managed identity', async () => {
    const r = await call(b, await agentToken(), 'GET', configPath(vm1));
    assert.equal(r.status, 200, r.text);
    const cfg = r.json<{ resourceId: string; configurationAccessEndpoint: { id: string }; dataCollectionRules: { immutableId: string; streams: { stream: string; ingestionUrl?: string; otlpLogsUrl?: string; columns?: unknown[] }[] }[] }>();
    assert.equal(cfg.resourceId, vm1);
    assert.equal(cfg.configurationAccessEndpoint.id, dceId);
    assert.equal(cfg.dataCollectionRules.length, 1);
    assert.equal(cfg.dataCollectionRules[0]!.immutableId, ruleId);
    assert.deepEqual(cfg.dataCollectionRules[0]!.streams[0], {
      stream: 'Custom-AgentLogs',
      columns: [...COLUMNS],
      ingestionUrl: `${b.endpoint}/dataCollectionRules/${ruleId}/streams/Custom-AgentLogs?api-version=2023-01-01`,
    });
    assert.deepEqual(cfg.dataCollectionRules[0]!.streams[1], {
      stream: 'Microsoft-OTel-Logs',
      otlpLogsUrl: `${b.endpoint}/datacollectionRules/${ruleId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs`,
    });
    otlpUrl = cfg.dataCollectionRules[0]!.streams[1]!.otlpLogsUrl!;
    // Not the agent of vm-db-2, and a principal without rights: refused.
    const other = await call(b, await agentToken(), 'GET', configPath(vm2));
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json().error.code, 'AuthorizationFailed');
    const refused = await call(b, await nobody.token(AUD.monitor), 'GET', configPath(vm1));
    assert.equal(refused.status, 403, refused.text);
    assert.equal((await call(b, undefined, 'GET', configPath(vm1))).status, 401);
  });

  test('the agent sends with the official ingestion client; its rows carry the VM as _ResourceId', async () => {
    // The resource header is added by a pipeline policy, the SDK's way of adding a header to every request.
    const client = new LogsIngestionClient(b.endpoint, agent, {
      additionalPolicies: [{ position: 'perCall', policy: { name: 'agentResource', sendRequest: (req, next) => (req.headers.set('x-ms-AzureResourceId', vm1), next(req)) } }],
    });
    await client.upload(ruleId, 'Custom-AgentLogs', [{ TimeGenerated: new Date().toISOString(), Computer: 'web-1', Message: 'agent-sdk', _ResourceId: vm2 }]);
    const raw = await send(await agentToken(), vm1, 'agent-raw');
    assert.equal(raw.status, 204, raw.text);
    // OTLP from the same agent, to the URL its configuration named.
    const otlp = await fetch(otlpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${await agentToken()}`, 'content-type': 'application/json', 'x-ms-AzureResourceId': vm1 },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'agent-otlp' } }] }] }] }),
    });
    assert.equal(otlp.status, 200, await otlp.text());
    const o = await sdkClients(b).query.queryWorkspace(b.workspaceId, "OTelLogs | where Body == 'agent-otlp' | project _ResourceId", { duration: 'P1D' });
    assert.equal(o.status, LogsQueryResultStatus.Success);
    if (o.status === LogsQueryResultStatus.Success) assert.deepEqual(o.tables[0]!.rows, [[vm1.toLowerCase()]]);
    const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, "AgentLogs_CL | where Message startswith 'agent-' | project Message, _ResourceId | order by Message asc", { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows, [['agent-raw', vm1.toLowerCase()], ['agent-sdk', vm1.toLowerCase()]]);
  });

  test('refused: no association, a resource the caller is not the agent of, no rights at all; nothing stored', async () => {
    // The agent's identity has no role on the rule: without the header (no association applies) it may not send.
    const noHeader = await send(await agentToken(), undefined, 'refused-no-header');
    assert.equal(noHeader.status, 403, noHeader.text);
    assert.equal(noHeader.json().error.code, 'OperationFailed');
    // Claiming vm-db-2: neither associated nor the agent's.
    const claim = await send(await agentToken(), vm2, 'refused-claim');
    assert.equal(claim.status, 403, claim.text);
    // A principal without rights, with or without the header.
    for (const vm of [vm1, undefined]) {
      const r = await send(await nobody.token(AUD.monitor), vm, 'refused-nobody');
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json().error.code, 'OperationFailed');
    }
    // Publisher on vm-db-2 but vm-db-2 is not associated with the rule.
    await p.assign(agentPrincipalId, 'Monitoring Metrics Publisher', vm2);
    const unassociated = await send(await agentToken(), vm2, 'refused-unassociated');
    assert.equal(unassociated.status, 403, unassociated.text);
    for (const claimed of ['not-a-resource', `${vm1}/../vm-db-2`, `${vm1}/`]) {
      const bad = await send(await agentToken(), claimed, 'refused-bad');
      assert.equal(bad.status, 400, `${claimed}: ${bad.text}`);
      assert.equal(bad.json().error.code, 'InvalidResourceId');
    }
    const r = await sdkClients(b).query.queryWorkspace(b.workspaceId, "AgentLogs_CL | where Message startswith 'refused-' | count", { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows, [[0]]);
  });

  test('resource context: a reader of the VM sees the agent rows, a reader of another VM does not, a principal without rights is refused', async () => {
    const q = (who: TestPrincipal) => new LogsQueryClient(who.credential, { endpoint: `${b.endpoint}/v1` });
    const mine = await q(vm1Reader).queryResource(vm1, "AgentLogs_CL | where Message startswith 'agent-' | project Message | order by Message asc", { duration: 'P1D' });
    assert.equal(mine.status, LogsQueryResultStatus.Success);
    if (mine.status === LogsQueryResultStatus.Success) assert.deepEqual(mine.tables[0]!.rows, [['agent-raw'], ['agent-sdk']]);
    const theirs = await q(vm2Reader).queryResource(vm2, 'AgentLogs_CL | count', { duration: 'P1D' });
    assert.equal(theirs.status, LogsQueryResultStatus.Success);
    if (theirs.status === LogsQueryResultStatus.Success) assert.deepEqual(theirs.tables[0]!.rows, [[0]]);
    await assert.rejects(q(vm2Reader).queryResource(vm1, 'AgentLogs_CL', { duration: 'P1D' }), (e: { statusCode?: number }) => e.statusCode === 403);
    await assert.rejects(q(nobody).queryResource(vm1, 'AgentLogs_CL', { duration: 'P1D' }), (e: { statusCode?: number }) => e.statusCode === 403);
  });

  test('deleting the association stops the agent', async () => {
    await sdkClients(b).monitor.dataCollectionRuleAssociations.delete(vm1, 'vm-logs-association');
    const r = await send(await agentToken(), vm1, 'after-delete');
    assert.equal(r.status, 403, r.text);
    const cfg = await call(b, await agentToken(), 'GET', configPath(vm1));
    assert.equal(cfg.status, 200);
    assert.deepEqual(cfg.json().dataCollectionRules, []);
  });

  test('deleting a rule deletes its associations: a new rule of the same name does not inherit them', async () => {
    const { monitor } = sdkClients(b);
    await monitor.dataCollectionRuleAssociations.create(vm1, 'again', { body: { dataCollectionRuleId: ruleArmId } });
    const arm = await p.adminToken(AUD.arm);
    assert.equal((await call(b, arm, 'DELETE', `${ruleArmId}?api-version=2024-03-11`)).status, 200);
    const left = [];
    for await (const a of monitor.dataCollectionRuleAssociations.listByResource(vm1)) left.push(a.name);
    assert.deepEqual(left, ['configurationAccessEndpoint']);
  });
});
