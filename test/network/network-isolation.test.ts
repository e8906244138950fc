/**
 * Network isolation by listener. One Vigil serves the public listener (127.0.0.1) and two private
 * listeners on loopback aliases that stand for separate networks: 127.0.0.2 is a private endpoint of
 * an Azure Monitor Private Link Scope that contains workspace A (not workspace B); 127.0.0.3 is a
 * private network with no private endpoint.
 *
 * For each of the 16 combinations of the workspaces' publicNetworkAccessForIngestion/ForQuery and the
 * scope's ingestionAccessMode/queryAccessMode, ingestion and queries into A and B through the public
 * and the private listener get the expected allow (204/200) or deny (403 with Azure's error), refused
 * queries are in LAQueryLogs with 403, and exactly the allowed rows were written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { createStreamsRule, type Column } from '../support/log-table.js';
import { AUD, call } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

const WS_VERSION = 'api-version=2025-02-01';
const SCOPE_VERSION = 'api-version=2021-07-01-preview';
const PE_VERSION = 'api-version=2024-05-01';
const columns: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Message', type: 'string' },
];

type Flag = 'Enabled' | 'Disabled';
type Mode = 'Open' | 'PrivateOnly';
type Net = 'public' | 'private';
type Ws = 'A' | 'B';

/** The rule under test, written independently of the implementation. */
function expected(c: { ingestFlag: Flag; queryFlag: Flag; ingestMode: Mode; queryMode: Mode }, net: Net, ws: Ws, plane: 'ingest' | 'query'): boolean {
  const flag = plane === 'ingest' ? c.ingestFlag : c.queryFlag;
  const mode = plane === 'ingest' ? c.ingestMode : c.queryMode;
  if (net === 'public') return flag === 'Enabled';
  if (ws === 'A') return true; // in the scope of the private endpoint
  return mode === 'Open' && flag === 'Enabled';
}

interface Reply {
  status: number;
  text: string;
  json: () => any;
  headers: Headers;
}

async function send(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
}

describe('network isolation by listener', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let privateUrl: string;
  let otherUrl: string;
  let arm: string;
  let logs: string;
  let monitor: string;
  const ws: Record<Ws, { id: string; customerId: string; ruleId: string; stream: string; table: string }> = {} as never;
  let scopePath: string;
  let connectionName: string;

  const armCall = (method: string, path: string, body?: unknown) => call(b, arm, method, path, body);
  const setScope = (ingestMode: Mode, queryMode: Mode, exclusions: unknown[] = []) =>
    armCall('PUT', `${scopePath}?${SCOPE_VERSION}`, { location: 'global', properties: { accessModeSettings: { ingestionAccessMode: ingestMode, queryAccessMode: queryMode, exclusions } } });
  const setFlags = async (ingestFlag: Flag, queryFlag: Flag) => {
    for (const w of Object.values(ws)) {
      const r = await armCall('PATCH', `${w.id}?${WS_VERSION}`, { properties: { publicNetworkAccessForIngestion: ingestFlag, publicNetworkAccessForQuery: queryFlag } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().properties.publicNetworkAccessForQuery, queryFlag);
    }
  };
  const baseOf = (net: Net | 'other') => (net === 'public' ? b.endpoint : net === 'private' ? privateUrl : otherUrl);
  const ingestVia = (net: Net | 'other', w: Ws, message: string) =>
    send(baseOf(net), monitor, 'POST', `/dataCollectionRules/${ws[w].ruleId}/streams/Custom-${ws[w].stream}?api-version=2023-01-01`, [{ TimeGenerated: new Date().toISOString(), Message: message }]);
  const queryVia = (net: Net | 'other', w: Ws, correlationId: string) =>
    send(baseOf(net), logs, 'POST', `/v1/workspaces/${ws[w].customerId}/query`, { query: `${ws[w].table} | count` }, { 'x-ms-client-request-id': correlationId });

  before(async () => {
    vigil = await startVigil({ args: ['--private-listener', '127.0.0.2:0', '--private-listener', '127.0.0.3:0'] });
    b = vigil.bootstrap;
    const listeners = [...vigil.output().matchAll(/private listener on (https:\/\/\S+)/g)].map((m) => m[1]!);
    assert.equal(listeners.length, 2, vigil.output());
    [privateUrl, otherUrl] = listeners as [string, string];
    arm = await sdkClients(b).credential.getToken(`${AUD.arm}/.default`).then((t) => t.token);
    logs = await sdkClients(b).credential.getToken(`${AUD.logs}/.default`).then((t) => t.token);
    monitor = await sdkClients(b).credential.getToken(`${AUD.monitor}/.default`).then((t) => t.token);

    const { logAnalytics } = sdkClients(b);
    await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'ws-outside', { location: 'local' });
    const other = await logAnalytics.workspaces.get(b.resourceGroup, 'ws-outside');
    for (const [key, name, id, customerId] of [
      ['A', b.workspaceName, b.workspaceResourceId, b.workspaceId],
      ['B', 'ws-outside', other.id!, other.customerId!],
    ] as const) {
      const table = `Net${key}_CL`;
      await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, name, table, {
        schema: { name: table, columns: columns.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
      });
      const rule = await createStreamsRule(b, `net-${key.toLowerCase()}`, id, [{ stream: `Net${key}`, table }], columns);
      ws[key] = { id, customerId, ruleId: rule.immutableId!, stream: `Net${key}`, table };
    }
    // Audit A's queries into A.
    const diag = await armCall('PUT', `${ws.A.id}/providers/Microsoft.Insights/diagnosticSettings/audit?api-version=2021-05-01-preview`, {
      properties: { workspaceId: ws.A.id, logs: [{ category: 'Audit', enabled: true }] },
    });
    assert.equal(diag.status, 200, diag.text);

    scopePath = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/microsoft.insights/privateLinkScopes/ampls-a`;
    const created = await setScope('Open', 'Open');
    assert.equal(created.status, 201, created.text);
    const scoped = await armCall('PUT', `${scopePath}/scopedResources/ws-a?${SCOPE_VERSION}`, { properties: { linkedResourceId: ws.A.id } });
    assert.equal(scoped.status, 201, scoped.text);
    const pe = await armCall('PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Network/privateEndpoints/pe-a?${PE_VERSION}`, {
      location: 'local',
      properties: {
        privateLinkServiceConnections: [{ name: 'to-ampls-a', properties: { privateLinkServiceId: scopePath, groupIds: ['azuremonitor'] } }],
        ipConfigurations: [{ name: 'listener', properties: { privateIPAddress: '127.0.0.2' } }],
      },
    });
    assert.equal(pe.status, 201, pe.text);
    assert.equal(pe.json().properties.privateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status, 'Approved');
    const scope = (await armCall('GET', `${scopePath}?${SCOPE_VERSION}`)).json();
    assert.equal(scope.properties.privateEndpointConnections.length, 1);
    connectionName = scope.properties.privateEndpointConnections[0].name;
    assert.equal(scope.properties.privateEndpointConnections[0].properties.privateEndpoint.id.toLowerCase(), pe.json().id.toLowerCase());
  });
  after(async () => {
    await vigil?.dispose();
  });

  const written = new Set<string>();
  const refusedQueries: string[] = [];
  const allowedQueries: string[] = [];

  test('16 combinations of workspace flags and scope access modes × {public, private} × {A in scope, B outside} × {ingestion, query}', async (t) => {
    const flags: Flag[] = ['Enabled', 'Disabled'];
    const modes: Mode[] = ['Open', 'PrivateOnly'];
    const table: string[] = [];
    let n = 0;
    for (const ingestFlag of flags)
      for (const queryFlag of flags)
        for (const ingestMode of modes)
          for (const queryMode of modes) {
            n++;
            const c = { ingestFlag, queryFlag, ingestMode, queryMode };
            await setFlags(ingestFlag, queryFlag);
            const s = await setScope(ingestMode, queryMode);
            assert.equal(s.status, 200, s.text);
            const cells: string[] = [];
            for (const net of ['public', 'private'] as const)
              for (const w of ['A', 'B'] as const) {
                const message = `case-${n}-${net}-${w}`;
                const ing = await ingestVia(net, w, message);
                const wantIngest = expected(c, net, w, 'ingest');
                if (wantIngest) {
                  assert.equal(ing.status, 204, `case ${n} ${JSON.stringify(c)} ingest ${net} ${w}: ${ing.text}`);
                  written.add(`${w}:${message}`);
                } else {
                  assert.equal(ing.status, 403, `case ${n} ${JSON.stringify(c)} ingest ${net} ${w}: ${ing.text}`);
                  const e = ing.json().error;
                  assert.equal(e.code, 'Forbidden');
                  assert.equal(e.innererror.code, 'NspValidationFailedError');
                  assert.equal(ing.headers.get('x-ms-error-code'), 'Forbidden');
                }
                const correlationId = `net-${n}-${net}-${w}`;
                const q = await queryVia(net, w, correlationId);
                const wantQuery = expected(c, net, w, 'query');
                if (wantQuery) {
                  assert.equal(q.status, 200, `case ${n} ${JSON.stringify(c)} query ${net} ${w}: ${q.text}`);
                  if (w === 'A') allowedQueries.push(correlationId);
                } else {
                  assert.equal(q.status, 403, `case ${n} ${JSON.stringify(c)} query ${net} ${w}: ${q.text}`);
                  const e = q.json().error;
                  assert.equal(e.code, 'InsufficientAccessError');
                  assert.equal(e.innererror.code, 'NspValidationFailedError');
                  assert.match(e.innererror.message, /^Access to workspace '[^']+' from '127\.0\.0\.1' is denied\./);
                  assert.ok(!('tables' in q.json()), 'no data in a refusal');
                  if (w === 'A') refusedQueries.push(correlationId);
                }
                cells.push(`${net}/${w}: ingest ${wantIngest ? 'allow' : 'deny'}, query ${wantQuery ? 'allow' : 'deny'}`);
              }
            table.push(`${String(n).padStart(2)} ingest=${ingestFlag} query=${queryFlag} ingestMode=${ingestMode} queryMode=${queryMode} | ${cells.join(' | ')}`);
          }
    assert.equal(n, 16);
    // Every kind of outcome occurred.
    assert.ok(refusedQueries.length > 0 && allowedQueries.length > 0);
    for (const row of table) t.diagnostic(row);
  });

  test('exactly the allowed rows were written; refused queries are in LAQueryLogs with 403', async () => {
    await setFlags('Enabled', 'Enabled');
    assert.equal((await setScope('Open', 'Open')).status, 200);
    for (const w of ['A', 'B'] as const) {
      const r = await send(b.endpoint, logs, 'POST', `/v1/workspaces/${ws[w].customerId}/query`, { query: `${ws[w].table} | project Message` });
      assert.equal(r.status, 200, r.text);
      const got = new Set((r.json().tables[0].rows as string[][]).map((row) => `${w}:${row[0]}`));
      const want = new Set([...written].filter((x) => x.startsWith(`${w}:`)));
      assert.deepEqual([...got].sort(), [...want].sort());
    }
    const ids = [...refusedQueries, ...allowedQueries];
    const list = ids.map((x) => `'${x}'`).join(',');
    let rows: [string, number][] = [];
    const deadline = Date.now() + 60_000;
    while (rows.length < ids.length) {
      assert.ok(Date.now() < deadline, `only ${rows.length} of ${ids.length} audit records arrived`);
      await new Promise((r) => setTimeout(r, 200));
      const r = await send(b.endpoint, logs, 'POST', `/v1/workspaces/${ws.A.customerId}/query`, { query: `LAQueryLogs | where CorrelationId in (${list}) | project CorrelationId, ResponseCode` });
      rows = r.json().tables[0].rows;
    }
    const codes = new Map(rows.map(([id, code]) => [id, code]));
    for (const id of refusedQueries) assert.equal(codes.get(id), 403, id);
    for (const id of allowedQueries) assert.equal(codes.get(id), 200, id);
  });

  test('an exclusion for the private endpoint connection overrides the scope mode', async () => {
    await setFlags('Enabled', 'Enabled');
    assert.equal((await setScope('PrivateOnly', 'PrivateOnly')).status, 200);
    assert.equal((await queryVia('private', 'B', 'excl-1')).status, 403);
    assert.equal((await ingestVia('private', 'B', 'excl-1')).status, 403);
    const s = await setScope('PrivateOnly', 'PrivateOnly', [{ privateEndpointConnectionName: connectionName, queryAccessMode: 'Open', ingestionAccessMode: 'Open' }]);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json().properties.accessModeSettings.exclusions[0].privateEndpointConnectionName, connectionName);
    assert.equal((await queryVia('private', 'B', 'excl-2')).status, 200);
    assert.equal((await ingestVia('private', 'B', 'excl-2')).status, 204);
  });

  test('a private network without a private endpoint is public traffic; $batch items and resource-context queries are checked too', async () => {
    await setFlags('Disabled', 'Disabled');
    assert.equal((await setScope('Open', 'Open')).status, 200);
    assert.equal((await queryVia('other', 'A', 'other-1')).status, 403);
    assert.equal((await ingestVia('other', 'A', 'other-1')).status, 403);
    assert.equal((await queryVia('private', 'A', 'other-2')).status, 200);

    const batch = (base: string) =>
      send(base, logs, 'POST', '/v1/$batch', { requests: [{ id: '1', workspace: ws.A.customerId, body: { query: `${ws.A.table} | count` } }] });
    const pub = await batch(b.endpoint);
    assert.equal(pub.status, 200);
    assert.equal(pub.json().responses[0].status, 403);
    assert.equal(pub.json().responses[0].body.error.innererror.code, 'NspValidationFailedError');
    const priv = await batch(privateUrl);
    assert.equal(priv.json().responses[0].status, 200);

    const resource = `/v1${ws.A.id}/query`;
    const rc = await send(b.endpoint, logs, 'POST', resource, { query: `${ws.A.table} | count` });
    assert.equal(rc.status, 403, rc.text);
    assert.equal(rc.json().error.innererror.code, 'NspValidationFailedError');
    const md = await send(b.endpoint, logs, 'GET', `/v1/workspaces/${ws.A.customerId}/metadata`);
    assert.equal(md.status, 403, md.text);
  });

  test('ARM stays reachable on every listener for administration', async () => {
    for (const base of [b.endpoint, privateUrl, otherUrl]) {
      const r = await send(base, arm, 'GET', `${ws.A.id}?${WS_VERSION}`);
      assert.equal(r.status, 200, `${base}: ${r.text}`);
      assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    }
    await setFlags('Enabled', 'Enabled');
  });

  test('the official SDKs reach a workspace closed to public networks through the private listener only', async () => {
    await setFlags('Disabled', 'Disabled');
    assert.equal((await setScope('PrivateOnly', 'PrivateOnly')).status, 200);
    const { credential } = sdkClients(b);
    const row = { TimeGenerated: new Date().toISOString(), Message: 'sdk-private' };
    await new LogsIngestionClient(privateUrl, credential).upload(ws.A.ruleId, `Custom-${ws.A.stream}`, [row]);
    await assert.rejects(new LogsIngestionClient(b.endpoint, credential).upload(ws.A.ruleId, `Custom-${ws.A.stream}`, [{ ...row, Message: 'sdk-public' }]), (err: Error) =>
      /403|Access to workspace/.test(`${err.message} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')}`),
    );
    const viaPrivate = await new LogsQueryClient(credential, { endpoint: `${privateUrl}/v1` }).queryWorkspace(ws.A.customerId, `${ws.A.table} | where Message startswith 'sdk-' | project Message`, { duration: 'P1D' });
    assert.equal(viaPrivate.status, 'Success');
    assert.deepEqual((viaPrivate as { tables: { rows: unknown[][] }[] }).tables[0]!.rows, [['sdk-private']]);
    await assert.rejects(new LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` }).queryWorkspace(ws.A.customerId, `${ws.A.table} | count`, { duration: 'P1D' }), (err: { statusCode?: number }) => err.statusCode === 403);
    // The management SDK pointed at the private listener (its scope is derived from that URL).
    const viaPrivateArm = new OperationalInsightsManagementClient(credential, b.subscriptionId, { endpoint: privateUrl });
    assert.equal((await viaPrivateArm.workspaces.get(b.resourceGroup, b.workspaceName)).publicNetworkAccessForQuery, 'Disabled');
    await setFlags('Enabled', 'Enabled');
    assert.equal((await setScope('Open', 'Open')).status, 200);
  });

  test('ARM: the resources read back, and a private endpoint must name a private listener', async () => {
    const scoped = await armCall('GET', `${scopePath}/scopedResources?${SCOPE_VERSION}`);
    assert.equal(scoped.status, 200);
    assert.deepEqual(scoped.json().value.map((r: any) => r.properties.linkedResourceId), [ws.A.id]);
    const conn = await armCall('GET', `${scopePath}/privateEndpointConnections/${connectionName}?${SCOPE_VERSION}`);
    assert.equal(conn.status, 200, conn.text);
    assert.equal(conn.json().properties.privateLinkServiceConnectionState.status, 'Approved');
    const bad = await armCall('PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Network/privateEndpoints/pe-typo?${PE_VERSION}`, {
      location: 'local',
      properties: {
        privateLinkServiceConnections: [{ name: 'c', properties: { privateLinkServiceId: scopePath, groupIds: ['azuremonitor'] } }],
        ipConfigurations: [{ name: 'listener', properties: { privateIPAddress: '10.9.9.9' } }],
      },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json().error.code, 'InvalidPrivateIPAddress');
    const badMode = await armCall('PUT', `${scopePath}?${SCOPE_VERSION}`, { location: 'global', properties: { accessModeSettings: { ingestionAccessMode: 'Closed', queryAccessMode: 'Open' } } });
    assert.equal(badMode.status, 400, badMode.text);
    const noVersion = await armCall('GET', scopePath);
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.json().error.code, 'MissingApiVersionParameter');

    // Removing the workspace from the scope takes away the private path.
    await setFlags('Enabled', 'Disabled');
    assert.equal((await queryVia('private', 'A', 'unscoped-1')).status, 200);
    assert.equal((await armCall('DELETE', `${scopePath}/scopedResources/ws-a?${SCOPE_VERSION}`)).status, 200);
    assert.equal((await queryVia('private', 'A', 'unscoped-2')).status, 403);
    await setFlags('Enabled', 'Enabled');
  });
});
