/**
 * Managed Prometheus end to end, over HTTPS against a real Vigil that runs Debian's Prometheus per
 * Azure Monitor workspace: a Prometheus agent (a real remote-write sender, signing in with client
 * credentials at Vigil's token endpoint) writes into the account's default data collection rule, and
 * PromQL through the account's query endpoint reads it back with a Monitoring Data Reader token.
 * From the attacker's side: no token, a token without the role, the wrong role for the plane, paths
 * beyond the query API, oversized bodies, a disabled public network. Supervision: a killed Prometheus
 * is restarted with its data; deleting the account stops it and deletes the data; so does stopping Vigil.
 * And a Vigil without the binary still serves, and creating an account says what to install.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { rawRequest } from '../support/clients.js';
import { startPrometheusAgent, type Agent } from '../support/prometheus-agent.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

const V = 'api-version=2023-04-03';
const PROM_AUD = 'https://prometheus.monitor.azure.com';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A POST that declares a body of `declaredLength` bytes and sends only its first KB, then waits: a
 * server that refuses by size (or refuses the caller) answers without waiting for the rest. Sending
 * the whole body would race the server's close (a reset can swallow the answer).
 */
function postDeclared(url: string, token: string, declaredLength: number, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((res, rej) => {
    const req = httpsRequest(url, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}`, 'content-length': String(declaredLength) } }, (r) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString()));
      r.on('end', () => {
        res({ status: r.statusCode!, text });
        req.destroy();
      });
    });
    req.on('error', (err) => rej(err));
    // A server that waited for the whole body would never answer: fail instead of hanging.
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer to a request declaring ${declaredLength} bytes within 60 s`)));
    req.write(Buffer.alloc(Math.min(1024, declaredLength)));
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Managed Prometheus (Azure Monitor workspaces)', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: BootstrapInfo;
  let principals: Principals;
  let arm: string;
  let publisher: TestPrincipal;
  let reader: TestPrincipal;
  let agent: Agent | undefined;
  let account: any;
  let accountPath: string;
  let privateUrl: string;
  const marker = randomUUID();

  const promPid = (accountId: string) => {
    const file = join(vigil.dataDir, 'prometheus', accountId, 'prometheus.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  };
  const queryPath = () => new URL(account.properties.metrics.prometheusQueryEndpoint).pathname;
  const remoteWrite = () => account.properties.defaultIngestionSettings.ingestionEndpoints.metrics as string;
  const promQuery = async (token: string | undefined, q: string) => {
    const r = await rawRequest(b, token, 'GET', `${queryPath()}/api/v1/query?query=${encodeURIComponent(q)}`);
    return { status: r.status, body: JSON.parse(r.text) };
  };
  const seriesCount = async () => {
    const r = await promQuery(await reader.token(PROM_AUD), `up{vigil_test="${marker}"}`);
    return r.status === 200 && r.body.data.result.length > 0 ? r.body : undefined;
  };

  before(async () => {
    vigil = await startVigil({ args: ['--private-listener', '127.0.0.2:0'] });
    b = vigil.bootstrap;
    privateUrl = /private listener on (https:\/\/\S+)/.exec(vigil.output())![1]!;
    principals = new Principals(b);
    arm = await principals.adminToken(AUD.arm);
    publisher = await principals.create('metrics-publisher');
    reader = await principals.create('metrics-reader');
    const rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    accountPath = `${rg}/providers/Microsoft.Monitor/accounts/amw-test`;
  });

  after(async () => {
    await agent?.stop();
    await vigil?.dispose();
  });

  test('creating an account answers Azure\'s body and starts its Prometheus on loopback', async () => {
    const r = await call(b, arm, 'PUT', `${accountPath}?${V}`, { location: 'eastus', tags: { team: 'sre' } });
    assert.equal(r.status, 201, r.text);
    account = r.json();
    assert.equal(account.type, 'Microsoft.Monitor/accounts');
    assert.equal(account.id, accountPath);
    const p = account.properties;
    assert.match(p.accountId, /^[0-9a-f-]{36}$/);
    assert.equal(p.metrics.internalId, `mac_${p.accountId}`);
    assert.equal(p.metrics.prometheusQueryEndpoint, `${b.endpoint}/monitor-accounts/${p.accountId}`);
    assert.equal(p.publicNetworkAccess, 'Enabled');
    assert.equal(p.provisioningState, 'Succeeded');
    const managedRg = `/subscriptions/${b.subscriptionId}/resourceGroups/MA_amw-test_eastus_managed`;
    assert.equal(p.defaultIngestionSettings.dataCollectionRuleResourceId, `${managedRg}/providers/Microsoft.Insights/dataCollectionRules/amw-test`);
    assert.equal(p.defaultIngestionSettings.dataCollectionEndpointResourceId, `${managedRg}/providers/Microsoft.Insights/dataCollectionEndpoints/amw-test`);
    assert.equal(remoteWrite(), `${b.endpoint}/dataCollectionRules/${p.defaultIngestionSettings.dataCollectionRuleImmutableId}/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24`);
    // The default rule is a real rule of the managed resource group.
    const dcr = await call(b, arm, 'GET', `${p.defaultIngestionSettings.dataCollectionRuleResourceId}?api-version=2023-03-11`);
    assert.equal(dcr.status, 200, dcr.text);
    assert.deepEqual(dcr.json().properties.destinations.monitoringAccounts, [{ name: 'MonitoringAccount1', accountResourceId: accountPath, accountId: p.accountId }]);
    assert.deepEqual(dcr.json().properties.dataSources.prometheusForwarder[0].streams, ['Microsoft-PrometheusMetrics']);
    // GET, list, PATCH (tags); PUT again is an update.
    assert.equal((await call(b, arm, 'GET', `${accountPath}?${V}`)).json().properties.accountId, p.accountId);
    const list = await call(b, arm, 'GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.Monitor/accounts?${V}`);
    assert.deepEqual(list.json().value.map((a: any) => a.name), ['amw-test']);
    const patched = await call(b, arm, 'PATCH', `${accountPath}?${V}`, { tags: { team: 'platform' } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json().tags, { team: 'platform' });
    // Bad input: name, api-version, body.
    assert.equal((await call(b, arm, 'PUT', `${accountPath.replace('amw-test', 'bad-')}?${V}`, { location: 'eastus' })).json().error.code, 'InvalidResourceName');
    assert.equal((await call(b, arm, 'GET', `${accountPath}?api-version=2019-01-01`)).status, 400);
    const noLocation = await call(b, arm, 'PUT', `${accountPath.replace('amw-test', 'amw-other')}?${V}`, {});
    assert.equal(noLocation.status, 400);
    assert.equal(noLocation.json().error.code, 'InvalidRequestContent');
    // The server behind it: a Prometheus process, bound to loopback, its data under the data folder.
    const pid = promPid(p.accountId);
    assert.ok(pid && alive(pid), 'the account has a running Prometheus');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(cmdline.some((a) => /^--web\.listen-address=127\.0\.0\.1:\d+$/.test(a)), cmdline.join(' '));
    assert.ok(cmdline.includes('--web.enable-remote-write-receiver'));
    assert.ok(cmdline.includes(`--storage.tsdb.path=${join(vigil.dataDir, 'prometheus', p.accountId, 'data')}`));
    assert.ok(cmdline.some((a) => a.startsWith('--storage.tsdb.retention.time=')));
    assert.ok(!cmdline.includes('--web.enable-admin-api'));
    // Other local users cannot go around Vigil: the loopback Prometheus wants a password only Vigil has.
    const port = Number(cmdline.find((a) => a.startsWith('--web.listen-address='))!.split(':').pop());
    const direct = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`);
    assert.equal(direct.status, 401);
    const guessed = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`, { headers: { authorization: `Basic ${Buffer.from('vigil:vigil').toString('base64')}` } });
    assert.equal(guessed.status, 401);
    const folder = join(vigil.dataDir, 'prometheus', p.accountId);
    assert.equal(statSync(folder).mode & 0o077, 0, 'the account folder is private');
    assert.equal(statSync(join(folder, 'web.yml')).mode & 0o077, 0, 'the web config is private');
  });

  test('a Prometheus agent remote-writes with a Monitoring Metrics Publisher token; PromQL reads it back with Monitoring Data Reader', async () => {
    await principals.assign(publisher.objectId, 'Monitoring Metrics Publisher', account.properties.defaultIngestionSettings.dataCollectionRuleResourceId);
    await principals.assign(reader.objectId, 'Monitoring Data Reader', accountPath);
    agent = await startPrometheusAgent({
      remoteWriteUrl: remoteWrite(),
      tokenUrl: `${b.endpoint}/${b.tenantId}/oauth2/v2.0/token`,
      clientId: publisher.appId,
      clientSecret: publisher.secret,
      // Prometheus's own Azure AD remote-write scope, double slash included.
      scope: 'https://monitor.azure.com//.default',
      caFile: b.caPath,
      labels: { vigil_test: marker },
    });
    const found = await eventually('the agent\'s series reaching the account', seriesCount).catch((err: Error) => {
      throw new Error(`${err.message}\nagent output:\n${agent!.output().slice(-3000)}`);
    });
    assert.equal(found.status, 'success');
    assert.equal(found.data.resultType, 'vector');
    assert.equal(found.data.result[0].metric.job, 'agent');
    assert.equal(found.data.result[0].value[1], '1');

    const token = await reader.token(PROM_AUD);
    const now = Math.floor(Date.now() / 1000);
    // query_range as a POSTed form, series, labels, label values.
    const range = await rawRequest(b, token, 'POST', `${queryPath()}/api/v1/query_range`, new URLSearchParams({ query: `up{vigil_test="${marker}"}`, start: String(now - 600), end: String(now + 60), step: '15' }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(range.status, 200, range.text);
    assert.equal(JSON.parse(range.text).data.resultType, 'matrix');
    assert.ok(JSON.parse(range.text).data.result[0].values.length >= 1);
    const series = await rawRequest(b, token, 'GET', `${queryPath()}/api/v1/series?match[]=${encodeURIComponent(`{vigil_test="${marker}"}`)}`);
    assert.equal(series.status, 200, series.text);
    assert.ok(JSON.parse(series.text).data.some((s: any) => s.__name__ === 'prometheus_build_info'));
    const labels = await rawRequest(b, token, 'GET', `${queryPath()}/api/v1/labels`);
    assert.ok(JSON.parse(labels.text).data.includes('vigil_test'));
    const names = await rawRequest(b, token, 'GET', `${queryPath()}/api/v1/label/__name__/values`);
    assert.ok(JSON.parse(names.text).data.includes('up'));
    const values = await rawRequest(b, token, 'GET', `${queryPath()}/api/v1/label/vigil_test/values`);
    assert.deepEqual(JSON.parse(values.text).data, [marker]);
    // A bad PromQL expression is Prometheus's own 400.
    const bad = await promQuery(token, 'up{');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errorType, 'bad_data');
  });

  test('the query endpoint refuses no token, the wrong audience, a principal without the role, and everything beyond the query API', async () => {
    const q = `up{vigil_test="${marker}"}`;
    const none = await promQuery(undefined, q);
    assert.equal(none.status, 401);
    // The publisher may write but not read.
    const writer = await promQuery(await publisher.token(PROM_AUD), q);
    assert.equal(writer.status, 403);
    assert.equal(writer.body.status, 'error');
    assert.equal(writer.body.errorType, 'Forbidden');
    assert.match(writer.body.error, new RegExp(`User '${publisher.objectId}' does not have access to perform any of the following actions 'microsoft.monitor/accounts/data/metrics/read' on resource '${accountPath}'`));
    // A principal with no role at all; an account that does not exist looks the same.
    const stranger = await principals.create('metrics-stranger');
    assert.equal((await promQuery(await stranger.token(PROM_AUD), q)).status, 403);
    const other = await rawRequest(b, await reader.token(PROM_AUD), 'GET', `/monitor-accounts/${randomUUID()}/api/v1/query?query=up`);
    assert.equal(other.status, 403);
    // Owner of the subscription has no data action: control-plane rights do not read metrics.
    assert.equal((await promQuery(await principals.adminToken(PROM_AUD), q)).status, 403);
    // A token for another plane (Log Analytics) is not accepted.
    assert.equal((await promQuery(await reader.token(AUD.logs), q)).status, 401);
    // Only the read API is proxied: admin, remote write/read, status, UI are not.
    const token = await reader.token(PROM_AUD);
    for (const [method, path] of [
      ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up'],
      ['POST', '/api/v1/admin/tsdb/snapshot'],
      ['POST', '/api/v1/write'],
      ['POST', '/api/v1/read'],
      ['GET', '/api/v1/status/config'],
      ['GET', '/api/v1/targets'],
      ['GET', '/graph'],
      ['POST', '/-/quit'],
      ['GET', '/api/v1/label/bad-name/values'],
    ] as const) {
      const r = await rawRequest(b, token, method, `${queryPath()}${path}`);
      assert.ok(r.status === 404 || r.status === 400, `${method} ${path}: ${r.status} ${r.text}`);
      assert.equal(JSON.parse(r.text).status, 'error');
    }
    // The series are still there (nothing was deleted).
    assert.ok(await seriesCount());
  });

  test('remote write refuses no token, a principal without Monitoring Metrics Publisher, and bodies beyond the limits', { timeout: 180_000 }, async () => {
    const path = remoteWrite().slice(b.endpoint.length);
    const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
    const body = Buffer.from([0x00]); // an empty WriteRequest, snappy-framed
    assert.equal((await rawRequest(b, undefined, 'POST', path, body, headers)).status, 401);
    const readerWrite = await rawRequest(b, await reader.token(AUD.monitor), 'POST', path, body, headers);
    assert.equal(readerWrite.status, 403);
    assert.equal(JSON.parse(readerWrite.text).error.code, 'OperationFailed');
    const token = await publisher.token(AUD.monitor);
    assert.equal((await rawRequest(b, token, 'POST', path, body, headers)).status, 204);
    assert.equal((await rawRequest(b, token, 'POST', path, body, { ...headers, 'content-type': 'application/json' })).status, 415);
    assert.equal((await rawRequest(b, token, 'POST', path, body, { ...headers, 'content-encoding': 'gzip' })).status, 415);
    assert.equal((await rawRequest(b, token, 'POST', path.replace(/api-version=[^&]+/, 'api-version=1999-01-01'), body, headers)).status, 400);
    assert.equal((await rawRequest(b, token, 'POST', path.replace('Microsoft-PrometheusMetrics', 'Custom-Other'), body, headers)).status, 404);
    // Compressed size above 4 MB.
    const big = await postDeclared(`${b.endpoint}${path}`, token, 4 * 1024 * 1024 + 1, headers);
    assert.equal(big.status, 413, big.text);
    assert.equal(JSON.parse(big.text).error.code, 'ContentLengthLimitExceeded');
    // Under the limit (2 MB), the body reaches Prometheus, which refuses what is not a WriteRequest: 400, not 413.
    const sizable = Buffer.alloc(2 * 1024 * 1024, 0xff);
    sizable[0] = 0x05;
    const under = await rawRequest(b, token, 'POST', path, sizable, headers);
    assert.equal(under.status, 400, under.text);
    assert.equal(JSON.parse(under.text).error.code, 'InvalidPayload');
    // Anonymous senders are refused before their body is read.
    assert.equal((await postDeclared(`${b.endpoint}${path}`, 'not-a-token', 4 * 1024 * 1024, headers)).status, 401);
    // A small body that declares a 64 MB decompressed size (snappy's varint preamble).
    const bomb = await rawRequest(b, token, 'POST', path, Buffer.from([0x80, 0x80, 0x80, 0x20, 0x00]), headers);
    assert.equal(bomb.status, 413, bomb.text);
    // Garbage that is not a WriteRequest: Prometheus's refusal, as a 400.
    const garbage = await rawRequest(b, token, 'POST', path, Buffer.from([0x05, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff]), headers);
    assert.equal(garbage.status, 400, garbage.text);
  });

  test('publicNetworkAccess Disabled refuses remote write and queries from the public listener', async () => {
    const off = await call(b, arm, 'PUT', `${accountPath}?${V}`, { location: 'eastus', properties: { publicNetworkAccess: 'Disabled' } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json().properties.publicNetworkAccess, 'Disabled');
    const q = await promQuery(await reader.token(PROM_AUD), 'up');
    assert.equal(q.status, 403);
    assert.match(q.body.error, /NspValidationFailedError|denied/);
    const path = remoteWrite().slice(b.endpoint.length);
    const w = await rawRequest(b, await publisher.token(AUD.monitor), 'POST', path, Buffer.from([0x00]), { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' });
    assert.equal(w.status, 403);
    assert.equal(JSON.parse(w.text).error.innererror.code, 'NspValidationFailedError');
    const on = await call(b, arm, 'PUT', `${accountPath}?${V}`, { location: 'eastus', properties: { publicNetworkAccess: 'Enabled' } });
    assert.equal(on.status, 200);
    assert.ok(await seriesCount());
  });

  test('through a private endpoint of a private link scope that contains the account, a disabled public network still reaches it', async () => {
    const rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
    const scopePath = `${rg}/providers/microsoft.insights/privateLinkScopes/ampls-metrics`;
    const SCOPE_V = 'api-version=2021-07-01-preview';
    const scope = await call(b, arm, 'PUT', `${scopePath}?${SCOPE_V}`, { location: 'global', properties: { accessModeSettings: { ingestionAccessMode: 'PrivateOnly', queryAccessMode: 'PrivateOnly' } } });
    assert.equal(scope.status, 201, scope.text);
    const pe = await call(b, arm, 'PUT', `${rg}/providers/Microsoft.Network/privateEndpoints/pe-metrics?api-version=2024-05-01`, {
      location: 'local',
      properties: {
        privateLinkServiceConnections: [{ name: 'to-ampls-metrics', properties: { privateLinkServiceId: scopePath, groupIds: ['azuremonitor'] } }],
        ipConfigurations: [{ name: 'listener', properties: { privateIPAddress: '127.0.0.2' } }],
      },
    });
    assert.equal(pe.status, 201, pe.text);
    const off = await call(b, arm, 'PUT', `${accountPath}?${V}`, { location: 'eastus', properties: { publicNetworkAccess: 'Disabled' } });
    assert.equal(off.status, 200, off.text);
    const reader_ = await reader.token(PROM_AUD);
    const writer = await publisher.token(AUD.monitor);
    const viaPrivate = (token: string, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) =>
      fetch(`${privateUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body: body as unknown as BodyInit | undefined }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const q = `${queryPath()}/api/v1/query?query=${encodeURIComponent(`up{vigil_test="${marker}"}`)}`;
    const writePath = remoteWrite().slice(b.endpoint.length);
    const rwHeaders = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
    // Not in the scope yet: the PrivateOnly scope refuses it on the private network.
    assert.equal((await viaPrivate(reader_, 'GET', q)).status, 403);
    assert.equal((await viaPrivate(writer, 'POST', writePath, Buffer.from([0x00]), rwHeaders)).status, 403);
    const scoped = await call(b, arm, 'PUT', `${scopePath}/scopedResources/amw?${SCOPE_V}`, { properties: { linkedResourceId: accountPath } });
    assert.equal(scoped.status, 201, scoped.text);
    // In the scope: reachable privately, still refused publicly.
    const privately = await viaPrivate(reader_, 'GET', q);
    assert.equal(privately.status, 200, privately.text);
    assert.ok(JSON.parse(privately.text).data.result.length > 0);
    assert.equal((await viaPrivate(writer, 'POST', writePath, Buffer.from([0x00]), rwHeaders)).status, 204);
    assert.equal((await promQuery(reader_, 'up')).status, 403);
    // Clean up for the next tests: out of the scope, public access back on.
    assert.equal((await call(b, arm, 'DELETE', `${scopePath}/scopedResources/amw?${SCOPE_V}`)).status, 200);
    assert.equal((await call(b, arm, 'PUT', `${accountPath}?${V}`, { location: 'eastus', properties: { publicNetworkAccess: 'Enabled' } })).status, 200);
  });

  test('a Prometheus that dies is restarted by Vigil, with its data', async () => {
    await agent!.stop();
    agent = undefined;
    const before = promPid(account.properties.accountId)!;
    process.kill(before, 'SIGKILL');
    const after = await eventually('a new Prometheus', async () => {
      const pid = promPid(account.properties.accountId);
      return pid && pid !== before && alive(pid) ? pid : undefined;
    });
    assert.notEqual(after, before);
    assert.ok(await eventually('queries answering again with the old series', seriesCount));
  });

  test('two concurrent creations of one account make one account and one Prometheus', async () => {
    const path = `${accountPath.replace('amw-test', 'amw-race')}?${V}`;
    const [x, y] = await Promise.all([call(b, arm, 'PUT', path, { location: 'eastus' }), call(b, arm, 'PUT', path, { location: 'eastus' })]);
    const statuses = [x.status, y.status].sort();
    assert.ok(JSON.stringify(statuses) === '[201,409]' || JSON.stringify(statuses) === '[200,201]', `${x.status} ${x.text} / ${y.status} ${y.text}`);
    const list = await call(b, arm, 'GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.Monitor/accounts?${V}`);
    const races = list.json().value.filter((a: any) => a.name === 'amw-race');
    assert.equal(races.length, 1);
    const folders = readdirSync(join(vigil.dataDir, 'prometheus'));
    assert.ok(folders.includes(races[0].properties.accountId));
    assert.equal(folders.length, 2, `one folder per account: ${folders.join(', ')}`);
    assert.equal((await call(b, arm, 'DELETE', path)).status, 204);
  });

  test('deleting the account stops its Prometheus and deletes its data and default rule', async () => {
    const { accountId } = account.properties;
    const pid = promPid(accountId)!;
    const del = await call(b, arm, 'DELETE', `${accountPath}?${V}`);
    assert.equal(del.status, 204, del.text);
    assert.equal(alive(pid), false);
    assert.equal(existsSync(join(vigil.dataDir, 'prometheus', accountId)), false);
    assert.equal((await call(b, arm, 'GET', `${accountPath}?${V}`)).status, 404);
    assert.equal((await call(b, arm, 'GET', `${account.properties.defaultIngestionSettings.dataCollectionRuleResourceId}?api-version=2023-03-11`)).status, 404);
    assert.equal((await promQuery(await reader.token(PROM_AUD), 'up')).status, 403);
  });

  test('stopping Vigil stops the accounts\' Prometheus servers; starting it again starts them, ending one a killed Vigil left behind', async () => {
    const r = await call(b, arm, 'PUT', `${accountPath.replace('amw-test', 'amw-two')}?${V}`, { location: 'westeurope' });
    assert.equal(r.status, 201, r.text);
    const two = r.json();
    await principals.assign(reader.objectId, 'Monitoring Data Reader', two.id);
    const pid = promPid(two.properties.accountId)!;
    assert.ok(alive(pid));
    await vigil.stop();
    assert.equal(alive(pid), false);

    const ask = async () => {
      const res = await fetch(`${two.properties.metrics.prometheusQueryEndpoint.replace(b.endpoint, vigil.endpoint)}/api/v1/query?query=vector(7)`, {
        // The restarted Vigil listens on another port: sign in there.
        headers: { authorization: `Bearer ${(await new Principals(vigil.bootstrap).credentialFor(reader.appId, reader.secret).getToken(`${PROM_AUD}/.default`)).token}` },
      });
      return res.status === 200 ? ((await res.json()) as any) : undefined;
    };
    vigil = await startVigil({ dataDir: vigil.dataDir, args: ['--private-listener', '127.0.0.2:0'] });
    const answer = await eventually('the account answering after Vigil restarted', ask);
    assert.equal(answer.data.result[0].value[1], '7');
    const second = promPid(two.properties.accountId)!;
    assert.ok(second && second !== pid && alive(second));

    // A Vigil killed outright leaves its Prometheus running (holding the TSDB lock): the next start ends it.
    await vigil.kill();
    assert.ok(alive(second), 'the orphan is still running');
    vigil = await startVigil({ dataDir: vigil.dataDir, args: ['--private-listener', '127.0.0.2:0'] });
    assert.ok(await eventually('the account answering after the orphan was replaced', ask));
    await eventually('the orphan gone', async () => (alive(second) ? undefined : true));
    const third = promPid(two.properties.accountId)!;
    assert.ok(third !== second && alive(third));
  });
});

describe('Managed Prometheus without the prometheus binary', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil({ args: ['--prometheus-binary', '/nonexistent/bin/prometheus'] });
  });
  after(async () => {
    await vigil?.dispose();
  });

  test('Vigil serves, and creating an account answers an Azure-shaped error that says what to install', async () => {
    const b = vigil.bootstrap;
    const arm = await new Principals(b).adminToken(AUD.arm);
    const r = await call(b, arm, 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Monitor/accounts/amw-none?${V}`, { location: 'eastus' });
    assert.equal(r.status, 409, r.text);
    const e = r.json().error;
    assert.equal(e.code, 'PrometheusNotInstalled');
    assert.match(e.message, /\/nonexistent\/bin\/prometheus/);
    assert.match(e.message, /apt-get install prometheus/);
    // Nothing was made, and the rest of Vigil works.
    assert.equal((await call(b, arm, 'GET', `/subscriptions/${b.subscriptionId}/providers/Microsoft.Monitor/accounts?${V}`)).json().value.length, 0);
    assert.equal((await call(b, arm, 'GET', `/subscriptions/${b.subscriptionId}/resourceGroups/MA_amw-none_eastus_managed?api-version=2021-04-01`)).status, 404);
    const ws = await call(b, arm, 'GET', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${b.workspaceName}?api-version=2025-02-01`);
    assert.equal(ws.status, 200, ws.text);
  });
});
