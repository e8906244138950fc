/**
 * Azure's standard tables in every workspace (issue #12, DESIGN §8), through the official SDKs over
 * HTTPS: the Tables API lists them as Microsoft tables with their documented schemas; a Sentinel-style
 * query over an empty SigninLogs returns no rows with the documented columns; a data collection rule
 * with `Microsoft-Syslog` / `Microsoft-SecurityEvent` output streams fills them; their schema cannot be
 * changed and they cannot be deleted (retention can be changed); table-level access applies to them;
 * Sentinel's idioms run over filled non-interactive sign-ins, and its ASIM parsers are refused with a clear 400.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const TABLES_API = 'api-version=2025-02-01';

describe('Azure standard tables', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let clients: ReturnType<typeof sdkClients>;
  let wsArm: string;

  before(async () => {
    vigil = await startVigil();
    clients = sdkClients(vigil.bootstrap);
    wsArm = vigil.bootstrap.workspaceResourceId;
  });
  after(async () => vigil?.dispose());

  const query = async (kql: string, credential = clients.credential): Promise<LogsTable> => {
    const b = vigil.bootstrap;
    const q = credential === clients.credential ? clients.query : new (await import('@azure/monitor-query-logs')).LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` });
    const r = await q.queryWorkspace(b.workspaceId, kql, { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    return (r as { tables: LogsTable[] }).tables[0]!;
  };

  it('tables.list and tables.get show them as Microsoft tables with their documented columns', async () => {
    const b = vigil.bootstrap;
    const listed = new Map<string, { tableType?: string; source?: string }>();
    for await (const t of clients.logAnalytics.tables.listByWorkspace(b.resourceGroup, b.workspaceName)) listed.set(t.name!, { tableType: t.schema?.tableType, source: t.schema?.source });
    for (const name of ['SigninLogs', 'AuditLogs', 'SecurityEvent', 'SecurityAlert', 'OfficeActivity', 'DeviceNetworkEvents', 'IdentityInfo', 'AzureDiagnostics', 'Syslog', 'CommonSecurityLog', 'Heartbeat']) {
      assert.deepEqual(listed.get(name), { tableType: 'Microsoft', source: 'microsoft' }, name);
    }
    assert.ok(listed.size >= 160, `${listed.size} tables listed`);
    const signin = await clients.logAnalytics.tables.get(b.resourceGroup, b.workspaceName, 'SigninLogs');
    assert.equal(signin.schema?.tableType, 'Microsoft');
    const cols = new Map(signin.schema?.columns?.map((c) => [c.name!, c.type]));
    assert.equal(cols.get('UserPrincipalName'), 'string');
    assert.equal(cols.get('LocationDetails'), 'dynamic');
    assert.equal(cols.get('TimeGenerated'), 'dateTime');
    assert.ok(signin.schema?.standardColumns?.some((c) => c.name === 'TenantId'));
  });

  it('a Sentinel-style query over an empty SigninLogs returns no rows with the documented columns', async () => {
    const t = await query(`SigninLogs
| where TimeGenerated > ago(1d)
| where ResultType in ("50126", "50053")
| extend City = tostring(LocationDetails.city)
| summarize FailedCount = count(), IPs = make_set(IPAddress, 100) by UserPrincipalName, City
| where FailedCount >= 5`);
    assert.deepEqual(t.columnDescriptors.map((c) => c.name), ['UserPrincipalName', 'City', 'FailedCount', 'IPs']);
    assert.equal(t.rows.length, 0);
    const all = await query('SigninLogs | take 10');
    assert.equal(all.rows.length, 0);
    for (const c of ['TenantId', 'TimeGenerated', 'UserPrincipalName', 'ResultType', 'IPAddress', 'ConditionalAccessPolicies', 'Type', '_ResourceId']) {
      assert.ok(all.columnDescriptors.some((d) => d.name === c), `SigninLogs has ${c}`);
    }
    const joined = await query('union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs | summarize count()');
    assert.deepEqual(joined.rows, [[0]]);
  });

  it('a data collection rule fills Syslog and SecurityEvent through Microsoft-<Table> output streams', async () => {
    const b = vigil.bootstrap;
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'linux-and-windows', {
      body: {
        location: 'local',
        streamDeclarations: {
          'Custom-SyslogIn': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'Computer', type: 'string' },
              { name: 'Facility', type: 'string' },
              { name: 'SeverityLevel', type: 'string' },
              { name: 'SyslogMessage', type: 'string' },
              { name: 'ProcessID', type: 'int' },
            ],
          },
          'Custom-WinEvents': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'Computer', type: 'string' },
              { name: 'EventID', type: 'int' },
              { name: 'Account', type: 'string' },
              { name: 'IpAddress', type: 'string' },
            ],
          },
        },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
        dataFlows: [
          { streams: ['Custom-SyslogIn'], destinations: ['la'], transformKql: 'source', outputStream: 'Microsoft-Syslog' },
          { streams: ['Custom-WinEvents'], destinations: ['la'], transformKql: 'source', outputStream: 'Microsoft-SecurityEvent' },
        ],
      },
    });
    assert.deepEqual(rule.dataFlows?.map((f) => f.outputStream), ['Microsoft-Syslog', 'Microsoft-SecurityEvent']);
    const now = Date.now();
    const syslog = Array.from({ length: 20 }, (_, i) => ({
      TimeGenerated: new Date(now - i * 60_000).toISOString(),
      Computer: `host${i % 2}`,
      Facility: 'authpriv',
      SeverityLevel: 'info',
      SyslogMessage: `Failed password for root from 10.0.0.${i % 4} port 22 ssh2`,
      ProcessID: 1000 + i,
    }));
    const events = Array.from({ length: 12 }, (_, i) => ({
      TimeGenerated: new Date(now - i * 60_000).toISOString(),
      Computer: 'dc01',
      EventID: i % 3 === 0 ? 4624 : 4625,
      Account: `CONTOSO\\user${i % 2}`,
      IpAddress: '192.0.2.7',
    }));
    // upload() resolves when every chunk is accepted and rejects otherwise.
    await clients.ingestion.upload(rule.immutableId!, 'Custom-SyslogIn', syslog);
    await clients.ingestion.upload(rule.immutableId!, 'Custom-WinEvents', events);

    const brute = await query(`Syslog
| where Facility == "authpriv" and SyslogMessage has "Failed password"
| extend SrcIP = extract(@"from (\\d+\\.\\d+\\.\\d+\\.\\d+)", 1, SyslogMessage)
| summarize Attempts = count() by SrcIP
| order by SrcIP asc`);
    assert.deepEqual(brute.rows, [['10.0.0.0', 5], ['10.0.0.1', 5], ['10.0.0.2', 5], ['10.0.0.3', 5]]);
    const typed = await query('Syslog | summarize n = count(), maxPid = max(ProcessID) by Type, HostName');
    assert.deepEqual(typed.rows, [['Syslog', '', 20, 1019]]);
    const failures = await query('SecurityEvent | where EventID = 4625 | summarize FailedLogons = count() by Account | order by Account asc');
    assert.deepEqual(failures.rows, [['CONTOSO\\user0', 4], ['CONTOSO\\user1', 4]]);
    // Once stored, they are part of `union *` too.
    const union = await query('union * | summarize count() by Type | order by Type asc');
    assert.deepEqual(union.rows.filter((r) => r[0] === 'Syslog' || r[0] === 'SecurityEvent'), [['SecurityEvent', 12], ['Syslog', 20]]);
    const t = await clients.logAnalytics.tables.get(b.resourceGroup, b.workspaceName, 'Syslog');
    assert.equal(t.schema?.tableType, 'Microsoft');
  });

  it('Sentinel idioms over non-interactive sign-ins filled by a rule: ResultType == 0, mv-expand todynamic(…); ASIM parsers refused with a 400', async () => {
    const b = vigil.bootstrap;
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'entra-signins', {
      body: {
        location: 'local',
        streamDeclarations: {
          'Custom-SignIns': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'UserPrincipalName', type: 'string' },
              { name: 'ResultType', type: 'string' },
              { name: 'AuthenticationDetails', type: 'string' },
            ],
          },
        },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
        dataFlows: [{ streams: ['Custom-SignIns'], destinations: ['la'], transformKql: 'source', outputStream: 'Microsoft-AADNonInteractiveUserSignInLogs' }],
      },
    });
    const now = Date.now();
    const details = (...methods: string[]): string => JSON.stringify(methods.map((m) => ({ authenticationMethod: m, succeeded: true })));
    await clients.ingestion.upload(rule.immutableId!, 'Custom-SignIns', [
      { TimeGenerated: new Date(now - 3000).toISOString(), UserPrincipalName: 'alice@contoso.com', ResultType: '0', AuthenticationDetails: details('Password', 'Mobile app notification') },
      { TimeGenerated: new Date(now - 2000).toISOString(), UserPrincipalName: 'alice@contoso.com', ResultType: '50126', AuthenticationDetails: details('Password') },
      { TimeGenerated: new Date(now - 1000).toISOString(), UserPrincipalName: 'bob@contoso.com', ResultType: '0', AuthenticationDetails: details('Password') },
    ]);
    // The sign-in tables' ResultType is a string; Sentinel's published rules compare it with a number.
    const ok = await query('AADNonInteractiveUserSignInLogs | where ResultType == 0 | summarize SignIns = count() by UserPrincipalName | order by UserPrincipalName asc');
    assert.deepEqual(ok.rows, [['alice@contoso.com', 1], ['bob@contoso.com', 1]]);
    const failed = await query('AADNonInteractiveUserSignInLogs | where ResultType != 0 | project UserPrincipalName, ResultType');
    assert.deepEqual(failed.rows, [['alice@contoso.com', '50126']]);
    // mv-expand todynamic(Column) expands into that column.
    const methods = await query(`AADNonInteractiveUserSignInLogs
| where ResultType == 0
| mv-expand todynamic(AuthenticationDetails)
| extend AuthMethod = tostring(AuthenticationDetails.authenticationMethod)
| summarize count() by AuthMethod
| order by AuthMethod asc`);
    assert.deepEqual(methods.rows, [['Mobile app notification', 1], ['Password', 2]]);
    // ASIM parsers are Sentinel workspace functions Vigil does not ship: a 400 that says so.
    await assert.rejects(clients.query.queryWorkspace(b.workspaceId, "_Im_Authentication(starttime=ago(1d), eventresult='Failure') | summarize count() by TargetUsername", { duration: 'P1D' }), (e: { statusCode?: number; message?: string }) => {
      assert.equal(e.statusCode, 400);
      assert.match(e.message ?? '', /Unknown function: '_Im_Authentication'\. It is a Microsoft Sentinel ASIM parser/);
      return true;
    });
  });

  it('refuses rules that write the audit tables or tables that do not exist', async () => {
    const b = vigil.bootstrap;
    const token = await new Principals(b).adminToken(AUD.arm);
    for (const outputStream of ['Microsoft-LAQueryLogs', 'Microsoft-AzureActivity', 'Microsoft-NoSuchTable', 'Microsoft-SigninLogs_CL']) {
      const r = await call(b, token, 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/r-${randomUUID().slice(0, 8)}?api-version=2023-03-11`, {
        location: 'local',
        properties: {
          streamDeclarations: { 'Custom-In': { columns: [{ name: 'TimeGenerated', type: 'datetime' }] } },
          destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: wsArm }] },
          dataFlows: [{ streams: ['Custom-In'], destinations: ['la'], transformKql: 'source', outputStream }],
        },
      });
      assert.equal(r.status, 400, `${outputStream}: ${r.text}`);
      assert.equal(r.json<{ error: { code: string } }>().error.code, 'InvalidOutputTable');
    }
  });

  it('their schema cannot be changed and they cannot be deleted; retention can be changed', async () => {
    const b = vigil.bootstrap;
    const token = await new Principals(b).adminToken(AUD.arm);
    const url = `${wsArm}/tables/SigninLogs?${TABLES_API}`;
    const change = await call(b, token, 'PUT', url, { properties: { schema: { name: 'SigninLogs', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Extra', type: 'string' }] } } });
    assert.equal(change.status, 400, change.text);
    await assert.rejects(clients.logAnalytics.tables.beginDeleteAndWait(b.resourceGroup, b.workspaceName, 'SigninLogs'), (e: { statusCode?: number }) => e.statusCode === 400);
    const del = await call(b, token, 'DELETE', `${wsArm}/tables/Syslog?${TABLES_API}`);
    assert.equal(del.status, 400, del.text);
    assert.match(del.text, /cannot be deleted/);
    const patched = await clients.logAnalytics.tables.beginUpdateAndWait(b.resourceGroup, b.workspaceName, 'SigninLogs', { retentionInDays: 90 });
    assert.equal(patched.retentionInDays, 90);
    assert.equal((await clients.logAnalytics.tables.get(b.resourceGroup, b.workspaceName, 'SigninLogs')).retentionInDays, 90);
    let count = 0;
    for await (const t of clients.logAnalytics.tables.listByWorkspace(b.resourceGroup, b.workspaceName)) if (t.name === 'SigninLogs') count++;
    assert.equal(count, 1);
    // Still empty, still queryable.
    assert.equal((await query('SigninLogs | count')).rows[0]![0], 0);
    // A custom table cannot take a standard table's name (custom names end in _CL).
    const custom = await call(b, token, 'PUT', `${wsArm}/tables/MyTable?${TABLES_API}`, { properties: { schema: { name: 'MyTable', columns: [{ name: 'TimeGenerated', type: 'dateTime' }] } } });
    assert.equal(custom.status, 400);
  });

  it('table-level access applies: a reader of Syslog alone reads it, is refused SigninLogs, and sees only Syslog in metadata', async () => {
    const b = vigil.bootstrap;
    const p = new Principals(b);
    const queryOnly = await p.createQueryOnlyRole('Workspace query only', wsArm, 'Runs queries; tables are granted one by one.');
    const reader = await p.create('syslog-reader');
    await p.assign(reader.objectId, queryOnly, wsArm);
    await p.assign(reader.objectId, 'Log Analytics Data Reader', `${wsArm}/tables/Syslog`);
    const token = await reader.token(AUD.logs);
    const q = (kql: string) => call(b, token, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: kql, timespan: 'P1D' });
    const ok = await q('Syslog | count');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!.rows, [[20]]);
    for (const denied of ['SigninLogs', 'SecurityEvent | count', 'union Syslog, SigninLogs']) {
      const r = await q(denied);
      assert.equal(r.status, 403, `${denied}: ${r.text}`);
    }
    const union = await q('union * | summarize count() by Type');
    assert.deepEqual(union.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!.rows, [['Syslog', 20]]);
    const meta = await call(b, token, 'GET', `/v1/workspaces/${b.workspaceId}/metadata`);
    assert.equal(meta.status, 200);
    assert.deepEqual(meta.json<{ tables: { name: string }[] }>().tables.map((t) => t.name), ['Syslog']);
    // The admin's metadata lists every standard table.
    const adminMeta = await call(b, await p.adminToken(AUD.logs), 'GET', `/v1/workspaces/${b.workspaceId}/metadata`);
    const names = adminMeta.json<{ tables: { name: string }[] }>().tables.map((t) => t.name);
    for (const n of ['SigninLogs', 'SecurityEvent', 'Syslog', 'DeviceNetworkEvents']) assert.ok(names.includes(n), n);
  });
});
