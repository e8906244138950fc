/**
 * Issue #6, the query audit end to end against a real Vigil: auditing is turned on with
 * `@azure/arm-monitor`'s diagnosticSettings client; successful, failing (syntax), denied (403),
 * `$batch` and resource-context queries each appear in LAQueryLogs within 5 s with the right
 * principal, response code and correlation id; the audit is security data (nothing can write to it,
 * and principals who can read the application's tables cannot read it through any KQL construct);
 * obfuscated literals never appear in Vigil's errors or logs; `vigil audit report` summarises it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type Reply, type TestPrincipal } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS = [
  { name: 'TimeGenerated', type: 'dateTime' },
  { name: 'Message', type: 'string' },
];
const STREAM = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Message', type: 'string' },
  { name: '_ResourceId', type: 'string' },
];
const DIAG = 'api-version=2021-05-01-preview';

type AuditRow = Record<string, unknown>;

describe('query audit (LAQueryLogs)', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let sub: string;
  let wsArm: string;
  let appA: string;
  let dataReader: TestPrincipal; // Log Analytics Data Reader on the workspace: reads every application table
  let subReader: TestPrincipal; // Reader on the subscription (*/read)
  let appAReader: TestPrincipal; // Reader on resource app-a (resource context)
  let auditor: TestPrincipal; // Log Analytics Reader on the workspace
  let tableAuditor: TestPrincipal; // Log Analytics Data Reader + Reader on …/tables/LAQueryLogs
  const run = randomUUID().slice(0, 8);

  const wsQuery = (token: string, query: string, headers: Record<string, string> = {}, workspaceId = b.workspaceId) =>
    call(b, token, 'POST', `/v1/workspaces/${workspaceId}/query`, { query, timespan: 'P1D' }, headers);
  const rowsOf = (r: Reply): AuditRow[] => {
    assert.equal(r.status, 200, r.text);
    const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
  };
  /** Polls LAQueryLogs (as the admin) until a record with this correlation id is there; at most `ms`. */
  const auditFor = async (correlationId: string, ms = 5000, count = 1, workspaceId = b.workspaceId): Promise<AuditRow[]> => {
    const admin = await p.adminToken(AUD.logs);
    const deadline = Date.now() + ms;
    for (;;) {
      const rows = rowsOf(await wsQuery(admin, `LAQueryLogs | where CorrelationId == '${correlationId}'`, {}, workspaceId));
      if (rows.length >= count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    sub = `/subscriptions/${b.subscriptionId}`;
    wsArm = b.workspaceResourceId;
    appA = `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-a`;
    const { logAnalytics, monitor, ingestion } = sdkClients(b);
    await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'App_CL', { schema: { name: 'App_CL', columns: COLUMNS } });
    const rule = await monitor.dataCollectionRules.create(b.resourceGroup, 'app', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-App': { columns: STREAM } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
        dataFlows: [{ streams: ['Custom-App'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-App_CL' }],
      },
    });
    await ingestion.upload(rule.immutableId!, 'Custom-App', [
      { TimeGenerated: new Date().toISOString(), Message: 'hello from a', _ResourceId: appA },
      { TimeGenerated: new Date().toISOString(), Message: 'hello from b', _ResourceId: `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-b` },
    ]);
    [dataReader, subReader, appAReader, auditor, tableAuditor] = await Promise.all(['data-reader', 'sub-reader', 'app-a-reader', 'auditor', 'table-auditor'].map((n) => p.create(n)));
    await p.assign(dataReader.objectId, 'Log Analytics Data Reader', wsArm);
    await p.assign(subReader.objectId, 'Reader', sub);
    await p.assign(appAReader.objectId, 'Reader', appA);
    await p.assign(auditor.objectId, 'Log Analytics Reader', wsArm);
    await p.assign(tableAuditor.objectId, 'Log Analytics Data Reader', wsArm);
    await p.assign(tableAuditor.objectId, 'Reader', `${wsArm}/tables/LAQueryLogs`);
  });
  after(async () => vigil?.dispose());

  it('turns auditing on with the official diagnosticSettings client (category Audit, same workspace)', async () => {
    const { monitor } = sdkClients(b);
    const setting = await monitor.diagnosticSettings.createOrUpdate(wsArm, 'audit-to-self', { workspaceId: wsArm, logs: [{ category: 'Audit', enabled: true }] });
    assert.equal(setting.name, 'audit-to-self');
    assert.equal(setting.workspaceId, wsArm);
    assert.deepEqual(setting.logs?.map((l) => [l.category, l.enabled]), [['Audit', true]]);
    const got = await monitor.diagnosticSettings.get(wsArm, 'audit-to-self');
    assert.equal(got.workspaceId, wsArm);
    const listed = [];
    for await (const s of monitor.diagnosticSettings.list(wsArm)) listed.push(s.name);
    assert.deepEqual(listed, ['audit-to-self']);
    // LAQueryLogs now exists, as a Microsoft table.
    const t = await sdkClients(b).logAnalytics.tables.get(b.resourceGroup, b.workspaceName, 'LAQueryLogs');
    assert.equal(t.schema?.tableType, 'Microsoft');
    for (const c of ['AADObjectId', 'AADClientId', 'AADTenantId', 'RequestClientApp', 'CorrelationId', 'QueryText', 'RequestTarget', 'RequestContext', 'ResponseCode', 'ResponseDurationMs', 'ResponseRowCount', 'StatsCPUTimeMs', 'QueryTimeRangeStart', 'QueryTimeRangeEnd']) {
      assert.ok(t.schema?.columns?.some((x) => x.name === c), `LAQueryLogs has ${c}`);
    }
  });

  it('refuses destinations and categories it does not serve, and callers who may not send to the destination', async () => {
    const arm = await p.adminToken(AUD.arm);
    const put = (body: unknown, token = arm, name = 'x') => call(b, token, 'PUT', `${wsArm}/providers/Microsoft.Insights/diagnosticSettings/${name}?${DIAG}`, body);
    assert.equal((await put({ properties: { storageAccountId: `${sub}/resourceGroups/x/providers/Microsoft.Storage/storageAccounts/s`, logs: [{ category: 'Audit', enabled: true }] } })).status, 400);
    assert.equal((await put({ properties: { workspaceId: wsArm, logs: [{ category: 'Nonsense', enabled: true }] } })).status, 400);
    assert.equal((await put({ properties: { workspaceId: `${sub}/resourceGroups/default/providers/Microsoft.OperationalInsights/workspaces/nope`, logs: [{ category: 'Audit', enabled: true }] } })).status, 400);
    // The same destination twice on one resource would double every record.
    assert.equal((await put({ properties: { workspaceId: wsArm, logs: [{ category: 'Audit', enabled: true }] } })).status, 400);
    // Reader may not change settings; Data Reader may not either.
    const readerArm = await subReader.token(AUD.arm);
    assert.equal((await put({ properties: { workspaceId: wsArm, logs: [{ category: 'Audit', enabled: true }] } }, readerArm)).status, 403);
    assert.equal((await call(b, readerArm, 'GET', `${wsArm}/providers/Microsoft.Insights/diagnosticSettings?${DIAG}`)).status, 200, 'Reader may read them');
  });

  it('records a successful query with principal, client app, correlation id, target, row count and statistics (SDK)', async () => {
    const correlationId = randomUUID();
    const client = new LogsQueryClient(dataReader.credential, { endpoint: `${b.endpoint}/v1` });
    const r = await client.queryWorkspace(b.workspaceId, 'App_CL | project Message', { duration: 'PT1H' }, {
      requestOptions: { headers: { 'x-ms-client-request-id': correlationId, 'x-ms-app': `audit-test-${run}` } },
    } as never);
    assert.equal(r.status, LogsQueryResultStatus.Success);
    const started = Date.now();
    const [row, extra] = await auditFor(correlationId);
    assert.ok(row, 'an LAQueryLogs record within 5 s');
    assert.ok(Date.now() - started < 5000);
    assert.equal(extra, undefined, 'exactly one record');
    assert.equal(row.AADObjectId, dataReader.objectId);
    assert.equal(row.AADClientId, dataReader.appId);
    assert.equal(row.AADTenantId, b.tenantId);
    assert.equal(row.RequestClientApp, `audit-test-${run}`);
    assert.equal(row.ResponseCode, 200);
    assert.equal(row.ResponseRowCount, 2);
    assert.equal(row.QueryText, 'App_CL | project Message');
    assert.equal(String(row.RequestTarget).toLowerCase(), wsArm.toLowerCase());
    assert.equal(row.TenantId, b.workspaceId);
    assert.equal(row.Type, 'LAQueryLogs');
    assert.ok(typeof row.ResponseDurationMs === 'number' && row.ResponseDurationMs >= 0);
    assert.ok(typeof row.StatsCPUTimeMs === 'number', 'Stats* are filled on 200');
    assert.equal(row.StatsWorkspaceCount, 1);
    assert.ok(row.StatsDataProcessedEnd);
    const start = Date.parse(String(row.QueryTimeRangeStart));
    const end = Date.parse(String(row.QueryTimeRangeEnd));
    assert.ok(Math.abs(end - start - 3_600_000) < 2000, `time range of PT1H: ${row.QueryTimeRangeStart}..${row.QueryTimeRangeEnd}`);
    const context = typeof row.RequestContext === 'string' ? JSON.parse(row.RequestContext) : row.RequestContext;
    assert.deepEqual(context.workspaces.map((x: string) => x.toLowerCase()), [wsArm.toLowerCase()]);
    assert.deepEqual(context.tables, ['App_CL']);
  });

  it('records a syntax error (400) and a denied query (403), without Stats*', async () => {
    const token = await dataReader.token(AUD.logs);
    const syntaxId = randomUUID();
    const bad = await wsQuery(token, 'App_CL | where', { 'x-ms-client-request-id': syntaxId });
    assert.equal(bad.status, 400);
    const deniedId = randomUUID();
    const denied = await wsQuery(token, 'LAQueryLogs | take 5', { 'x-ms-client-request-id': deniedId });
    assert.equal(denied.status, 403, denied.text);
    const [s] = await auditFor(syntaxId);
    assert.ok(s, 'syntax error audited');
    assert.equal(s.ResponseCode, 400);
    assert.equal(s.AADObjectId, dataReader.objectId);
    assert.equal(s.StatsCPUTimeMs, null);
    assert.equal(s.ResponseRowCount, 0);
    const [d] = await auditFor(deniedId);
    assert.ok(d, 'denied query audited');
    assert.equal(d.ResponseCode, 403);
    assert.equal(d.QueryText, 'LAQueryLogs | take 5');
  });

  it('records a query against a workspace the caller may not query (403, what the unauthorized-query alert keys on), in that workspace', async () => {
    const nobody = await p.create('nobody');
    const id = randomUUID();
    const r = await wsQuery(await nobody.token(AUD.logs), 'App_CL', { 'x-ms-client-request-id': id });
    assert.equal(r.status, 403);
    const [row] = await auditFor(id);
    assert.ok(row);
    assert.equal(row.ResponseCode, 403);
    assert.equal(row.AADObjectId, nobody.objectId);
  });

  it('records each $batch item with its own correlation id and code', async () => {
    const token = await dataReader.token(AUD.logs);
    const outer = randomUUID();
    const [ok, failed] = [randomUUID(), randomUUID()];
    const r = await call(
      b,
      token,
      'POST',
      '/v1/$batch',
      {
        requests: [
          { id: '1', workspace: b.workspaceId, body: { query: 'App_CL | count', timespan: 'P1D' }, headers: { 'x-ms-client-request-id': ok } },
          { id: '2', workspace: b.workspaceId, body: { query: 'App_CL | summarize by', timespan: 'P1D' }, headers: { 'x-ms-client-request-id': failed } },
          { id: '3', workspace: b.workspaceId, body: { query: 'print batch_outer = 1' } },
        ],
      },
      { 'x-ms-client-request-id': outer, 'x-ms-app': 'batch-app' },
    );
    assert.equal(r.status, 200, r.text);
    const [a] = await auditFor(ok);
    const [c] = await auditFor(failed);
    const [o] = await auditFor(outer);
    assert.equal(a?.ResponseCode, 200);
    assert.equal(a?.RequestClientApp, 'batch-app');
    assert.equal(c?.ResponseCode, 400);
    assert.equal(o?.QueryText, 'print batch_outer = 1', 'an item without its own id carries the batch request id');
  });

  it('records resource-context queries, with the resource as RequestTarget', async () => {
    const id = randomUUID();
    const client = new LogsQueryClient(appAReader.credential, { endpoint: `${b.endpoint}/v1` });
    const r = await client.queryResource(appA, 'App_CL | project Message', { duration: 'P1D' }, { requestOptions: { headers: { 'x-ms-client-request-id': id } } } as never);
    assert.equal(r.status, LogsQueryResultStatus.Success);
    if (r.status === LogsQueryResultStatus.Success) assert.deepEqual(r.tables[0]!.rows, [['hello from a']]);
    const [row] = await auditFor(id);
    assert.ok(row, 'resource-context query audited');
    assert.equal(row.AADObjectId, appAReader.objectId);
    assert.equal(String(row.RequestTarget).toLowerCase(), appA.toLowerCase());
    assert.equal(row.ResponseRowCount, 1);
    // A refused resource-context query is recorded too.
    const deniedId = randomUUID();
    const denied = await call(b, await appAReader.token(AUD.logs), 'POST', `/v1${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-b/query`, { query: 'App_CL' }, { 'x-ms-client-request-id': deniedId });
    assert.equal(denied.status, 403);
    const [d] = await auditFor(deniedId);
    assert.equal(d?.ResponseCode, 403);
  });

  it('a timed-out query is recorded with 504', async () => {
    const id = randomUUID();
    const token = await dataReader.token(AUD.logs);
    const heavy = 'range x from 1 to 3000000000 step 1 | summarize sum(x * x % 7)';
    const r = await wsQuery(token, heavy, { 'x-ms-client-request-id': id, prefer: 'wait=1' });
    if (r.status === 200) return; // the machine was fast enough: nothing to time out
    assert.equal(r.status, 504, r.text);
    const [row] = await auditFor(id);
    assert.equal(row?.ResponseCode, 504);
  });

  // ─────────────────────────── the audit is security data ───────────────────────────

  it('nobody can write into LAQueryLogs: rules, table changes and table deletion are refused', async () => {
    const arm = await p.adminToken(AUD.arm);
    const rule = (outputStream: string) =>
      call(b, arm, 'PUT', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/forge-${randomUUID().slice(0, 6)}?api-version=2023-03-11`, {
        location: 'local',
        properties: {
          streamDeclarations: { 'Custom-Forge': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'QueryText', type: 'string' }] } },
          destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
          dataFlows: [{ streams: ['Custom-Forge'], destinations: ['la'], transformKql: 'source', outputStream }],
        },
      });
    for (const out of ['Custom-LAQueryLogs', 'Microsoft-LAQueryLogs', 'LAQueryLogs', 'Custom-AzureActivity', 'Microsoft-AzureActivity']) {
      const r = await rule(out);
      assert.equal(r.status, 400, `${out}: ${r.text}`);
    }
    const tableUrl = `${wsArm}/tables/LAQueryLogs?api-version=2022-10-01`;
    const change = await call(b, arm, 'PUT', tableUrl, { properties: { schema: { name: 'LAQueryLogs', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Forged', type: 'string' }] } } });
    assert.equal(change.status, 400, change.text);
    assert.equal((await call(b, arm, 'DELETE', tableUrl)).status, 400);
    // Retention of the audit may be changed (as in Azure).
    assert.equal((await call(b, arm, 'PATCH', tableUrl, { properties: { retentionInDays: 90 } })).status, 200);
  });

  it('principals who can read the application tables cannot read the audit through any KQL construct', async () => {
    const attempts = [
      'LAQueryLogs',
      'LAQueryLogs | count',
      'union LAQueryLogs',
      'union *',
      'union withsource=T *',
      'union App*, LAQ*',
      'search "App_CL"',
      'search *',
      'LAQueryLogs | getschema',
      `workspace('${b.workspaceId}').LAQueryLogs`,
      `union workspace('${b.workspaceId}').LAQueryLogs`,
      `let t = LAQueryLogs; t`,
      'App_CL | join kind=leftouter (LAQueryLogs) on $left.Message == $right.QueryText',
      'App_CL | lookup (LAQueryLogs | project Message = QueryText, AADObjectId) on Message',
      'AzureActivity',
      'union isfuzzy=true LAQueryLogs, App_CL',
    ];
    const leaked = (r: Reply) => {
      if (r.status !== 200) return false;
      const body = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>();
      const text = JSON.stringify(body);
      return /AADObjectId|QueryText|RequestClientApp|"LAQueryLogs"|"AzureActivity"|OperationNameValue/.test(text);
    };
    for (const who of [dataReader, subReader]) {
      const token = await who.token(AUD.logs);
      for (const q of attempts) {
        const r = await wsQuery(token, q);
        assert.ok(!leaked(r), `${who.name}: '${q}' leaked audit data: ${r.text.slice(0, 300)}`);
        if (/^(LAQueryLogs|AzureActivity)/.test(q)) assert.equal(r.status, 403, `${who.name}: '${q}' → ${r.status}`);
      }
      // Nor does the metadata endpoint list it.
      const meta = await call(b, token, 'GET', `/v1/workspaces/${b.workspaceId}/metadata`);
      assert.equal(meta.status, 200);
      assert.ok(!/LAQueryLogs/.test(meta.text), `${who.name}: metadata lists LAQueryLogs`);
    }
    // Resource context: neither the application's resource nor the workspace as a resource.
    const token = await appAReader.token(AUD.logs);
    for (const q of ['LAQueryLogs', 'union *', 'search *', 'AzureActivity']) {
      for (const target of [appA, wsArm, `${sub}/resourceGroups/${b.resourceGroup}`]) {
        const r = await call(b, token, 'POST', `/v1${target}/query`, { query: q, timespan: 'P1D' });
        assert.ok(!leaked(r), `resource ${target}: '${q}' leaked audit data: ${r.text.slice(0, 300)}`);
      }
    }
    // Even with Reader on the workspace resource itself (resource-context logs/*/read on the workspace).
    const wsReader = await p.create('ws-resource-reader');
    await p.assign(wsReader.objectId, 'Reader', wsArm);
    const r = await call(b, await wsReader.token(AUD.logs), 'POST', `/v1${wsArm}/query`, { query: 'LAQueryLogs', timespan: 'P1D' });
    assert.ok(!leaked(r), `Reader on the workspace resource read the audit: ${r.text.slice(0, 300)}`);
    const r2 = await wsQuery(await wsReader.token(AUD.logs), 'LAQueryLogs');
    assert.equal(r2.status, 403, 'Reader (*/read) at the workspace is not explicit permission for the audit');
  });

  it('explicit permission reads the audit: Log Analytics Reader on the workspace, or a table-level assignment', async () => {
    for (const who of [auditor, tableAuditor]) {
      const client = new LogsQueryClient(who.credential, { endpoint: `${b.endpoint}/v1` });
      const r = await client.queryWorkspace(b.workspaceId, `LAQueryLogs | where AADObjectId == '${dataReader.objectId}' | count`, { duration: 'P1D' });
      assert.equal(r.status, LogsQueryResultStatus.Success, who.name);
      if (r.status === LogsQueryResultStatus.Success) assert.ok(Number(r.tables[0]!.rows[0]![0]) >= 3, who.name);
    }
    // tableAuditor reads the audit but still not another Microsoft table it has no grant on.
    const r = await wsQuery(await tableAuditor.token(AUD.logs), 'AzureActivity | take 1');
    assert.ok(r.status === 403 || r.status === 400, r.text);
  });

  // ─────────────────────────── obfuscated literals ───────────────────────────

  it('obfuscated literals never reach errors or Vigil logs; LAQueryLogs keeps the text as submitted', async () => {
    const token = await dataReader.token(AUD.logs);
    const secret = `s3cr3t-${randomUUID()}`;
    const okId = randomUUID();
    const ok = await wsQuery(token, `App_CL | where Message != h"${secret}" | count`, { 'x-ms-client-request-id': okId });
    assert.equal(ok.status, 200, ok.text);
    // An unterminated obfuscated literal: the lexer's error would quote it.
    const errId = randomUUID();
    const err = await wsQuery(token, `App_CL | where Message == h"${secret}-unterminated`, { 'x-ms-client-request-id': errId });
    assert.equal(err.status, 400);
    assert.ok(!err.text.includes(secret), `the error quotes the secret: ${err.text}`);
    // A semantic error around one.
    const err2 = await wsQuery(token, `App_CL | where NoSuchColumn == H@'${secret}' | extend y = h'${secret}' + 1`);
    assert.ok(err2.status >= 400 && !err2.text.includes(secret), `the error quotes the secret: ${err2.text}`);
    // In a $batch item.
    const batch = await call(b, token, 'POST', '/v1/$batch', { requests: [{ id: 'x', workspace: b.workspaceId, body: { query: `print h"${secret}` } }] });
    assert.equal(batch.status, 200);
    assert.ok(!batch.text.includes(secret), batch.text);
    // As submitted in the audit (Azure documents that the h prefix has no effect on LAQueryLogs).
    const [a] = await auditFor(okId);
    assert.equal(a?.QueryText, `App_CL | where Message != h"${secret}" | count`);
    const [e] = await auditFor(errId);
    assert.equal(e?.ResponseCode, 400);
    // The workspace setting masks them in the audit too.
    const arm = await p.adminToken(AUD.arm);
    const patch = await call(b, arm, 'PATCH', `${wsArm}?api-version=2022-10-01`, { properties: { features: { maskObfuscatedLiteralsInQueryAudit: true } } });
    assert.equal(patch.status, 200, patch.text);
    const maskedId = randomUUID();
    assert.equal((await wsQuery(token, `App_CL | where Message != h"${secret}" | count`, { 'x-ms-client-request-id': maskedId })).status, 200);
    const [m] = await auditFor(maskedId);
    assert.equal(m?.QueryText, 'App_CL | where Message != h"******" | count');
    await call(b, arm, 'PATCH', `${wsArm}?api-version=2022-10-01`, { properties: { features: { maskObfuscatedLiteralsInQueryAudit: false } } });
    // A control-plane error about KQL with an obfuscated literal (a rule's transformKql) is scrubbed too.
    const rule = await call(b, arm, 'PUT', `${sub}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/obf?api-version=2023-03-11`, {
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-App': { columns: STREAM } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
        dataFlows: [{ streams: ['Custom-App'], destinations: ['la'], transformKql: `source | where Message == h"${secret}`, outputStream: 'Custom-App_CL' }],
      },
    });
    assert.equal(rule.status, 400, rule.text);
    assert.ok(!rule.text.includes(secret), `control-plane error quotes the secret: ${rule.text}`);
    // Vigil's own log (stdout/stderr of the server) never has it.
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!vigil.output().includes(secret), 'the server log contains the secret');
  });

  // ─────────────────────────── a dedicated security workspace ───────────────────────────

  it('sends the audit of another workspace to a dedicated security workspace', async () => {
    const { logAnalytics, monitor } = sdkClients(b);
    const other = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'team-ws', { location: 'local' });
    const security = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'security-ws', { location: 'local' });
    await monitor.diagnosticSettings.createOrUpdate(other.id!, 'to-security', { workspaceId: security.id!, logs: [{ categoryGroup: 'audit', enabled: true }] });
    const id = randomUUID();
    const r = await wsQuery(await p.adminToken(AUD.logs), 'print 1', { 'x-ms-client-request-id': id }, other.customerId!);
    assert.equal(r.status, 200, r.text);
    const rows = await auditFor(id, 5000, 1, security.customerId!);
    assert.equal(rows.length, 1, 'in the security workspace');
    assert.equal(String(rows[0]!.RequestTarget).toLowerCase(), other.id!.toLowerCase());
    // The team workspace keeps no audit of its own: its LAQueryLogs (an Azure table every workspace has, #12) is empty.
    const local = await wsQuery(await p.adminToken(AUD.logs), 'LAQueryLogs', {}, other.customerId!);
    assert.equal(local.status, 200, local.text);
    assert.deepEqual(local.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!.rows, [], 'the team workspace has no LAQueryLogs records of its own');
    // Turning the setting off stops the audit.
    await monitor.diagnosticSettings.delete(other.id!, 'to-security');
    const id2 = randomUUID();
    await wsQuery(await p.adminToken(AUD.logs), 'print 2', { 'x-ms-client-request-id': id2 }, other.customerId!);
    assert.equal((await auditFor(id2, 1500, 1, security.customerId!)).length, 0);
  });

  // ─────────────────────────── workspace insights ───────────────────────────

  it('ships the report as saved queries that run, and `vigil audit report --since 7d` prints it', async () => {
    const meta = await call(b, await auditor.token(AUD.logs), 'GET', `/v1/workspaces/${b.workspaceId}/metadata`);
    const queries = meta.json<{ queries: { id: string; body: string }[] }>().queries;
    assert.ok(queries.length >= 6, meta.text.slice(0, 300));
    for (const q of queries) {
      const r = await wsQuery(await auditor.token(AUD.logs), q.body);
      assert.equal(r.status, 200, `${q.id}: ${r.text}`);
    }
    const cli = spawnSync(process.execPath, [CLI, 'audit', 'report', '--since', '7d', '--data-dir', vigil.dataDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 0, cli.stderr);
    for (const section of ['Who queried what', 'Failed queries', 'Denied queries', 'Top principals', 'Busiest tables']) assert.ok(cli.stdout.includes(section), section);
    assert.ok(cli.stdout.includes(dataReader.objectId), 'the data reader is among the principals');
    assert.ok(cli.stdout.includes('App_CL'), 'App_CL is among the busiest tables');
    const json = spawnSync(process.execPath, [CLI, 'audit', 'report', '--since', '1d', '--json', '--data-dir', vigil.dataDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { sections: { id: string; rows: Record<string, unknown>[] }[] };
    const summary = report.sections.find((s) => s.id === 'audit-summary')!.rows[0]!;
    assert.ok(Number(summary.Denied) >= 2 && Number(summary.Failed) >= 2 && Number(summary.Succeeded) >= 3, JSON.stringify(summary));
    const badSince = spawnSync(process.execPath, [CLI, 'audit', 'report', '--since', 'forever', '--data-dir', vigil.dataDir], { encoding: 'utf8' });
    assert.notEqual(badSince.status, 0);
  });
});
