/**
 * Data collection endpoints (issue 19, closing a gap of issue 16): ARM CRUD through @azure/arm-monitor,
 * and `networkAcls.publicNetworkAccess` enforced per request by the listener it arrived on, for the
 * three things that go through an endpoint — Logs Ingestion API calls and OTLP exports into a rule that
 * names it, and an agent's configuration request through it.
 *
 * One Vigil with the public listener (127.0.0.1) and two private listeners: 127.0.0.2 is a private
 * endpoint of a private link scope, 127.0.0.3 a private network with no private endpoint. The
 * workspace stays open to public ingestion and is in the scope, so every refusal below is the endpoint's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

const SCOPE_VERSION = 'api-version=2021-07-01-preview';
const DCE_VERSION = 'api-version=2024-03-11';
type Access = 'Enabled' | 'Disabled' | 'SecuredByPerimeter';
type Net = 'public' | 'endpoint' | 'other';

/** The rule under test, written independently of the implementation. */
function expected(access: Access, net: Net, scoped: boolean, mode: 'Open' | 'PrivateOnly'): boolean {
  if (net === 'endpoint' && scoped) return true;
  if (net === 'endpoint' && mode === 'PrivateOnly') return false;
  return access === 'Enabled';
}

describe('data collection endpoints: ARM and network access by listener', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let urls: Record<Net, string>;
  let monitorToken: string;
  let arm: string;
  let dceId: string;
  let ruleId: string;
  let otlpRuleId: string;
  let scopePath: string;
  const vm = () => `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Compute/virtualMachines/vm-net`;

  before(async () => {
    vigil = await startVigil({ args: ['--private-listener', '127.0.0.2:0', '--private-listener', '127.0.0.3:0'] });
    b = vigil.bootstrap;
    const listeners = [...vigil.output().matchAll(/private listener on (https:\/\/\S+)/g)].map((m) => m[1]!);
    assert.equal(listeners.length, 2, vigil.output());
    urls = { public: b.endpoint, endpoint: listeners[0]!, other: listeners[1]! };
    const p = new Principals(b);
    arm = await p.adminToken(AUD.arm);
    monitorToken = await p.adminToken(AUD.monitor);
    const { monitor, logAnalytics } = sdkClients(b);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'DceNet_CL', {
      schema: { name: 'DceNet_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Message', type: 'string' }] },
    });
    const dce = await monitor.dataCollectionEndpoints.create(b.resourceGroup, 'net-dce', { body: { location: 'local' } });
    dceId = dce.id!;
    const destinations = { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] };
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'net-rule', {
      body: {
        location: 'local',
        dataCollectionEndpointId: dceId,
        streamDeclarations: { 'Custom-DceNet': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Message', type: 'string' }] } },
        destinations,
        dataFlows: [{ streams: ['Custom-DceNet'], destinations: ['la'], outputStream: 'Custom-DceNet_CL' }],
      },
    });
    ruleId = rule.immutableId!;
    const otlp = await monitor.dataCollectionRules.create(b.resourceGroup, 'net-otlp', {
      body: {
        location: 'local',
        dataCollectionEndpointId: dceId,
        directDataSources: { otelLogs: [{ streams: ['Microsoft-OTel-Logs'] }] },
        destinations,
        dataFlows: [{ streams: ['Microsoft-OTel-Logs'], destinations: ['la'] }],
      },
    });
    otlpRuleId = otlp.immutableId!;
    // The admin's configuration requests for a VM: it is the VM's agent (Publisher at the subscription) and the VM uses the endpoint.
    await monitor.dataCollectionRuleAssociations.create(vm(), 'configurationAccessEndpoint', { body: { dataCollectionEndpointId: dceId } });

    scopePath = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/microsoft.insights/privateLinkScopes/ampls-dce`;
    const scope = await call(b, arm, 'PUT', `${scopePath}?${SCOPE_VERSION}`, { location: 'global', properties: { accessModeSettings: { ingestionAccessMode: 'Open', queryAccessMode: 'Open' } } });
    assert.equal(scope.status, 201, scope.text);
    // The workspace is in the scope throughout, so that every refusal below is the endpoint's.
    const ws = await call(b, arm, 'PUT', `${scopePath}/scopedResources/ws?${SCOPE_VERSION}`, { properties: { linkedResourceId: b.workspaceResourceId } });
    assert.equal(ws.status, 201, ws.text);
    const pe = await call(b, arm, 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Network/privateEndpoints/pe-dce?api-version=2024-05-01`, {
      location: 'local',
      properties: {
        privateLinkServiceConnections: [{ name: 'to-ampls', properties: { privateLinkServiceId: scopePath, groupIds: ['azuremonitor'] } }],
        ipConfigurations: [{ name: 'listener', properties: { privateIPAddress: '127.0.0.2' } }],
      },
    });
    assert.equal(pe.status, 201, pe.text);
  });
  after(async () => {
    await vigil?.dispose();
  });

  const viaNet = async (net: Net, method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${urls[net]}${path}`, { method, headers: { authorization: `Bearer ${monitorToken}`, ...headers }, body });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
  const ingest = (net: Net, message: string) =>
    viaNet(net, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-DceNet?api-version=2023-01-01`, JSON.stringify([{ TimeGenerated: new Date().toISOString(), Message: message }]), { 'content-type': 'application/json' });
  const otlp = (net: Net, message: string) =>
    viaNet(
      net,
      'POST',
      `/datacollectionRules/${otlpRuleId}/streams/Microsoft-OTLP-Logs/otlp/v1/logs`,
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: message } }] }] }] }),
      { 'content-type': 'application/json' },
    );
  const config = (net: Net) => viaNet(net, 'GET', `/locations/local${vm()}/agentConfigurations`);

  test('ARM: create, get, list, patch tags, validation; the SDK reads the endpoints and flags', async () => {
    const { monitor } = sdkClients(b);
    const got = await monitor.dataCollectionEndpoints.get(b.resourceGroup, 'net-dce');
    assert.equal(got.id, dceId);
    assert.equal(got.logsIngestion?.endpoint, b.endpoint);
    assert.equal(got.configurationAccess?.endpoint, b.endpoint);
    assert.equal(got.networkAcls?.publicNetworkAccess, 'Enabled');
    const names = async (it: AsyncIterable<{ name?: string }>) => {
      const out: string[] = [];
      for await (const x of it) out.push(x.name!);
      return out;
    };
    assert.deepEqual(await names(monitor.dataCollectionEndpoints.listByResourceGroup(b.resourceGroup)), ['net-dce']);
    assert.deepEqual(await names(monitor.dataCollectionEndpoints.listBySubscription()), ['net-dce']);
    const patched = await monitor.dataCollectionEndpoints.update(b.resourceGroup, 'net-dce', { body: { tags: { team: 'net' } } });
    assert.deepEqual(patched.tags, { team: 'net' });
    const bad = await call(b, arm, 'PUT', `${dceId}?${DCE_VERSION}`, { location: 'local', properties: { networkAcls: { publicNetworkAccess: 'Sometimes' } } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json().error.code, 'InvalidRequestContent');
    const moved = await call(b, arm, 'PUT', `${dceId}?${DCE_VERSION}`, { location: 'elsewhere' });
    assert.equal(moved.status, 400, moved.text);
    const noVersion = await call(b, arm, 'GET', dceId);
    assert.equal(noVersion.status, 400);
    const missing = await call(b, arm, 'GET', `${dceId}-missing?${DCE_VERSION}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error.code, 'ResourceNotFound');
    // A reader cannot create one.
    const p = new Principals(b);
    const reader = await p.create('dce-reader');
    await p.assign(reader.objectId, 'Reader', `/subscriptions/${b.subscriptionId}`);
    const byReader = await call(b, await reader.token(AUD.arm), 'PUT', `${dceId.replace('net-dce', 'other-dce')}?${DCE_VERSION}`, { location: 'local' });
    assert.equal(byReader.status, 403, byReader.text);
    // Create with Disabled, then delete (unused).
    const spare = await monitor.dataCollectionEndpoints.create(b.resourceGroup, 'spare-dce', { body: { location: 'local', networkAcls: { publicNetworkAccess: 'Disabled' } } });
    assert.equal(spare.networkAcls?.publicNetworkAccess, 'Disabled');
    await monitor.dataCollectionEndpoints.delete(b.resourceGroup, 'spare-dce');
    await assert.rejects(monitor.dataCollectionEndpoints.get(b.resourceGroup, 'spare-dce'), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  test('networkAcls.publicNetworkAccess × listener × scoped or not × access mode, for ingestion, OTLP and configuration', async (t) => {
    const written: string[] = [];
    let n = 0;
    for (const scoped of [false, true]) {
      if (scoped) {
        const s = await call(b, arm, 'PUT', `${scopePath}/scopedResources/dce?${SCOPE_VERSION}`, { properties: { linkedResourceId: dceId } });
        assert.equal(s.status, 201, s.text);
        const shown = await call(b, arm, 'GET', `${dceId}?${DCE_VERSION}`);
        assert.equal(shown.json().properties.privateLinkScopedResources.length, 1);
      }
      for (const mode of ['Open', 'PrivateOnly'] as const) {
        const m = await call(b, arm, 'PUT', `${scopePath}?${SCOPE_VERSION}`, { location: 'global', properties: { accessModeSettings: { ingestionAccessMode: mode, queryAccessMode: 'Open' } } });
        assert.equal(m.status, 200, m.text);
        for (const access of ['Enabled', 'Disabled', 'SecuredByPerimeter'] as const) {
          const put = await call(b, arm, 'PUT', `${dceId}?${DCE_VERSION}`, { location: 'local', properties: { networkAcls: { publicNetworkAccess: access } } });
          assert.equal(put.status, 200, put.text);
          for (const net of ['public', 'endpoint', 'other'] as const) {
            n++;
            const want = expected(access, net, scoped, mode);
            const label = `${access} via ${net}, ${scoped ? 'scoped' : 'not scoped'}, ${mode}`;
            const message = `dce-${n}`;
            for (const [what, r] of [['ingest', await ingest(net, message)], ['otlp', await otlp(net, `${message}-otlp`)], ['config', await config(net)]] as const) {
              if (want) {
                assert.equal(r.status, what === 'ingest' ? 204 : 200, `${label} ${what}: ${r.text}`);
              } else {
                assert.equal(r.status, 403, `${label} ${what}: ${r.text}`);
                const e = r.json().error;
                assert.equal(e.code, 'Forbidden');
                assert.equal(e.innererror.code, 'NspValidationFailedError');
                assert.match(e.message, /^Access to data collection endpoint 'net-dce' from '127\.0\.0\.1' is denied\./);
              }
            }
            if (want) written.push(message, `${message}-otlp`);
            t.diagnostic(`${label}: ${want ? 'allow' : 'deny'}`);
          }
        }
      }
    }
    // Exactly the allowed requests stored rows.
    const r = await call(b, await new Principals(b).adminToken(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, {
      query: "union DceNet_CL, OTelLogs | extend m = coalesce(Message, Body) | where m startswith 'dce-' | project m",
      timespan: 'P1D',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json().tables[0].rows.map((x: string[]) => x[0]).sort(), written.sort());
    assert.ok(written.length > 0 && written.length < n * 2);
  });
});
