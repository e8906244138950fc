/**
 * Vigil's own base URL is a token audience of every plane it serves (issue #21, item 2): clients that
 * derive the scope from the endpoint (`@azure/arm-operationalinsights` 9, Python's azure-monitor-query
 * 1.1, the Azure CLI's `https://host:port//.default` for Graph) get tokens and are served. What such a token may do is decided by role assignments alone, exactly as
 * for a token with Azure's audience of the plane.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OperationalInsightsManagementClient as OperationalInsights9 } from 'arm-operationalinsights-9';
import { MonitorClient as Monitor7 } from 'arm-monitor-7';
import { createLogTable } from '../support/log-table.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('the public base URL as token audience', { timeout: 120_000 }, () => {
  let vigil: VigilProcess;
  let p: Principals;
  let reader: TestPrincipal;
  let nobody: TestPrincipal;
  let ruleId: string;
  before(async () => {
    vigil = await startVigil();
    const b = vigil.bootstrap;
    p = new Principals(b);
    ruleId = await createLogTable(b, 'Aud_CL', 'Aud', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
    ]);
    reader = await p.create('la-reader');
    await p.assign(reader.objectId, 'Log Analytics Reader', b.workspaceResourceId);
    nobody = await p.create('no-roles');
  });
  after(async () => vigil?.dispose());

  it('issues tokens for the base URL with and without trailing slashes, and for nothing else new', async () => {
    const b = vigil.bootstrap;
    for (const scope of [`${b.endpoint}/.default`, `${b.endpoint}//.default`, `${b.endpoint.toUpperCase()}/.default`]) {
      const t = await reader.credential.getToken(scope);
      assert.ok(t.token.split('.').length === 3, scope);
    }
    const other = `https://127.0.0.2:${new URL(b.endpoint).port}`;
    await assert.rejects(reader.credential.getToken(`${other}/.default`), /AADSTS500011/);
    await assert.rejects(reader.credential.getToken(`${b.endpoint}/v1/.default`), /AADSTS500011/);
  });

  it('serves the admin on every plane with a base-URL token', async () => {
    const b = vigil.bootstrap;
    const token = await p.adminToken(b.endpoint);
    const graphStyle = await p.adminToken(`${b.endpoint}/`); // the CLI's `https://host:port//.default`
    const ws = await call(b, token, 'GET', `${b.workspaceResourceId}?api-version=2022-10-01`);
    assert.equal(ws.status, 200, ws.text);
    const sps = await call(b, graphStyle, 'GET', '/v1.0/servicePrincipals');
    assert.equal(sps.status, 200, sps.text);
    const ingest = await call(b, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-Aud?api-version=2023-01-01`, [{ TimeGenerated: new Date().toISOString(), Message: 'hi' }]);
    assert.equal(ingest.status, 204, ingest.text);
    const q = await call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'Aud_CL | count', timespan: 'P1D' });
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(q.json().tables[0].rows, [[1]]);
  });

  it('keeps every role check: a base-URL token can do exactly what the same principal can do with Azure audiences', async () => {
    const b = vigil.bootstrap;
    const table = { properties: { schema: { name: 'Nope_CL', columns: [{ name: 'TimeGenerated', type: 'datetime' }] } } };
    const cases: { name: string; azure: string; method: string; path: string; body?: unknown }[] = [
      { name: 'query', azure: AUD.logs, method: 'POST', path: `/v1/workspaces/${b.workspaceId}/query`, body: { query: 'Aud_CL | count', timespan: 'P1D' } },
      { name: 'read the workspace', azure: AUD.arm, method: 'GET', path: `${b.workspaceResourceId}?api-version=2022-10-01` },
      { name: 'create a table', azure: AUD.arm, method: 'PUT', path: `${b.workspaceResourceId}/tables/Nope_CL?api-version=2022-10-01`, body: table },
      { name: 'assign a role', azure: AUD.arm, method: 'PUT', path: `${b.workspaceResourceId}/providers/Microsoft.Authorization/roleAssignments/5b0c8a8e-7a3c-4c39-9b59-111111111111?api-version=2022-04-01`, body: { properties: { roleDefinitionId: `/subscriptions/${b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`, principalId: reader.objectId } } },
      { name: 'ingest', azure: AUD.monitor, method: 'POST', path: `/dataCollectionRules/${ruleId}/streams/Custom-Aud?api-version=2023-01-01`, body: [{ TimeGenerated: new Date().toISOString(), Message: 'x' }] },
      { name: 'create a service principal', azure: AUD.graph, method: 'POST', path: '/v1.0/servicePrincipals', body: { displayName: 'escalate' } },
    ];
    const seen: string[] = [];
    for (const who of [reader, nobody]) {
      const base = await who.token(b.endpoint);
      for (const c of cases) {
        const withAzure = await call(b, await who.token(c.azure), c.method, c.path, c.body);
        const withBase = await call(b, base, c.method, c.path, c.body);
        assert.equal(withBase.status, withAzure.status, `${who.name} ${c.name}: ${withBase.text} vs ${withAzure.text}`);
        seen.push(`${who.name} ${c.name} ${withBase.status}`);
      }
    }
    // And the decisions are the expected ones (so the comparison above is not between two failures of another kind).
    assert.deepEqual(seen, [
      'la-reader query 200',
      'la-reader read the workspace 200',
      'la-reader create a table 403',
      'la-reader assign a role 403',
      'la-reader ingest 403',
      'la-reader create a service principal 403',
      'no-roles query 403',
      'no-roles read the workspace 403',
      'no-roles create a table 403',
      'no-roles assign a role 403',
      'no-roles ingest 403',
      'no-roles create a service principal 403',
    ]);
  });

  it('serves arm-operationalinsights 9 (which asks for {endpoint}/.default) and reads rules with arm-monitor 7', async () => {
    const b = vigil.bootstrap;
    let scopes: string[] = [];
    const credential = { getToken: (s: string | string[], o?: object) => (scopes.push(...[s].flat()), p.credentialFor(b.clientId, b.clientSecret).getToken(s, o)) };
    const oi = new OperationalInsights9(credential, b.subscriptionId, { endpoint: b.endpoint });
    const ws = await oi.workspaces.get(b.resourceGroup, b.workspaceName);
    assert.equal(ws.customerId, b.workspaceId);
    const tables: string[] = [];
    for await (const t of oi.tables.listByWorkspace(b.resourceGroup, b.workspaceName)) tables.push(t.name!);
    assert.ok(tables.includes('Aud_CL'), tables.join());
    assert.deepEqual([...new Set(scopes)], [`${b.endpoint}/.default`]);
    scopes = [];
    const monitor = new Monitor7(credential, b.subscriptionId, { endpoint: b.endpoint });
    const rule = await monitor.dataCollectionRules.get(b.resourceGroup, 'aud-rule');
    assert.equal(rule.immutableId, ruleId);
    assert.deepEqual([...new Set(scopes)], ['https://management.azure.com/.default']);
  });
});
