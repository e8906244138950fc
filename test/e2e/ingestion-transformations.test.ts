/**
 * Issue #14: ingestion-time transformations, driven as a user would — rules created over ARM
 * (management SDK and raw PUTs for the error cases), rows sent with @azure/monitor-ingestion, data
 * read back with @azure/monitor-query-logs, against a real Vigil process.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { rawRequest, sdkClients, tokenFor } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const ARM = 'https://management.azure.com';
const MONITOR = 'https://monitor.azure.com';
const DCR_API = 'api-version=2022-06-01';

const STREAM_COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Computer', type: 'string' },
  { name: 'Level', type: 'int' },
  { name: 'Message', type: 'string' },
  { name: 'ClientIp', type: 'string' },
  { name: 'Email', type: 'string' },
  { name: 'Secret', type: 'string' },
  { name: 'Line', type: 'string' },
] as const;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('ingestion-time transformations', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let clients: ReturnType<typeof sdkClients>;
  let arm: string;
  let ws2: { id: string; customerId: string };
  let ruleId: string;
  const now = Date.now();
  const rows = Array.from({ length: 20 }, (_, i) => ({
    TimeGenerated: new Date(now - i * 1000).toISOString(),
    Computer: `host${i % 3}`,
    Level: i % 4,
    Message: `user signed in; Password=hunter${i}; token ok`,
    ClientIp: `10.0.0.${i}`,
    Email: `user${i}@example.com`,
    Secret: `s3cr3t-${i}`,
    Line: `GET /api/items/${i} ${200 + (i % 2) * 300}`,
  }));

  const rulePath = (name: string) => `/subscriptions/${vigil.bootstrap.subscriptionId}/resourceGroups/${vigil.bootstrap.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/${name}?${DCR_API}`;
  const putRule = (name: string, body: unknown) => rawRequest(vigil.bootstrap, arm, 'PUT', rulePath(name), JSON.stringify(body), { 'content-type': 'application/json' });
  const ruleBody = (transformKql: string, table = 'Events_CL', extra: Record<string, unknown> = {}) => ({
    location: 'local',
    properties: {
      streamDeclarations: { 'Custom-Raw': { columns: STREAM_COLUMNS } },
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: vigil.bootstrap.workspaceResourceId }] },
      dataFlows: [{ streams: ['Custom-Raw'], destinations: ['la'], transformKql, outputStream: `Custom-${table}` }],
      ...extra,
    },
  });
  const q = async (query: string, workspaceId = vigil.bootstrap.workspaceId) => {
    const r = await clients.query.queryWorkspace(workspaceId, query, { duration: 'P1D' });
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    if (r.status !== LogsQueryResultStatus.Success) throw new Error('unreachable');
    return r.tables[0]!;
  };
  const createTable = (workspaceName: string, table: string, columns: { name: string; type: string }[]) =>
    clients.logAnalytics.tables.beginCreateOrUpdateAndWait(vigil.bootstrap.resourceGroup, workspaceName, table, { schema: { name: table, columns } });

  before(async () => {
    vigil = await startVigil();
    clients = sdkClients(vigil.bootstrap);
    arm = await tokenFor(vigil.bootstrap, ARM);
    const b = vigil.bootstrap;
    const w = await clients.logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'second-ws', { location: 'local' });
    ws2 = { id: w.id!, customerId: w.customerId! };
    await createTable(b.workspaceName, 'Events_CL', [
      { name: 'TimeGenerated', type: 'dateTime' },
      { name: 'Computer', type: 'string' },
      { name: 'Level', type: 'int' },
      { name: 'Message', type: 'string' },
      { name: 'ClientIpHash', type: 'string' },
      { name: 'Email', type: 'string' },
      { name: 'Path', type: 'string' },
      { name: 'Code', type: 'int' },
      { name: 'UserKey', type: 'string' },
    ]);
    await createTable('second-ws', 'Audit_CL', [
      { name: 'TimeGenerated', type: 'dateTime' },
      { name: 'Computer', type: 'string' },
      { name: 'Message', type: 'string' },
    ]);
  });
  after(async () => vigil?.dispose());

  it('creates a rule whose stream goes through two transformations to two tables in two workspaces', async () => {
    const b = vigil.bootstrap;
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'transforms', {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Raw': { columns: [...STREAM_COLUMNS] } },
        destinations: { logAnalytics: [{ name: 'main', workspaceResourceId: b.workspaceResourceId }, { name: 'audit', workspaceResourceId: ws2.id }] },
        dataFlows: [
          {
            streams: ['Custom-Raw'],
            destinations: ['main'],
            // filter, drop a column, mask columns, parse into new columns
            transformKql:
              'source\n| where Level >= 2\n| project-away Secret\n| extend ClientIpHash = hash_sha256(ClientIp), Email = redact_email(Email), UserKey = hash_hmac_sha256_ws(Email)\n| project-away ClientIp\n| parse Line with "GET " Path " " Code:int\n| project-away Line',
            outputStream: 'Custom-Events_CL',
          },
          { streams: ['Custom-Raw'], destinations: ['audit'], transformKql: 'source | project TimeGenerated, Computer, Message = redact_secrets(Message)', outputStream: 'Custom-Audit_CL' },
        ],
      },
    });
    ruleId = rule.immutableId!;
    assert.equal(rule.dataFlows?.length, 2);
    await clients.ingestion.upload(ruleId, 'Custom-Raw', rows);
  });

  it('filters rows, drops and masks columns and parses new ones', async () => {
    const t = await q('Events_CL | sort by TimeGenerated desc | project Computer, Level, Message, ClientIpHash, Email, Path, Code');
    const kept = rows.filter((r) => r.Level >= 2);
    assert.equal(t.rows.length, kept.length);
    assert.deepEqual(
      t.rows,
      kept.map((r) => [r.Computer, r.Level, r.Message, sha256(r.ClientIp), '[email]', r.Line.split(' ')[1], Number(r.Line.split(' ')[2])]),
    );
    // The dropped column is nowhere: the table never had it, and no stored value contains it.
    const leak = await q(`Events_CL | where * has 's3cr3t' | count`);
    assert.deepEqual(leak.rows, [[0]]);
  });

  it('keys hash_hmac_sha256_ws() with the workspace: stable, not a plain hash, the same in queries', async () => {
    const t = await q('Events_CL | summarize k = make_set(UserKey) | extend n = array_length(k)');
    assert.equal(t.rows[0]![1], 1); // every kept Email became '[email]' before it was hashed: one pseudonym
    const key = (t.rows[0]![0] as string[])[0]!;
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(key, sha256('[email]'));
    const again = await q("print k = hash_hmac_sha256_ws('[email]')");
    assert.equal(again.rows[0]![0], key);
    const other = await q("print k = hash_hmac_sha256_ws('[email]')", ws2.customerId);
    assert.notEqual(other.rows[0]![0], key, 'another workspace has another key');
  });

  it('routes the same stream to a second table in another workspace', async () => {
    const t = await q('Audit_CL | sort by TimeGenerated desc | project Computer, Message', ws2.customerId);
    assert.deepEqual(t.rows, rows.map((r) => [r.Computer, 'user signed in; Password=[secret]; token ok']));
  });

  it('answers 204 to a batch whose every row is dropped, and counts the dropped rows', async () => {
    const token = await tokenFor(vigil.bootstrap, MONITOR);
    const dropped = rows.map((r) => ({ ...r, Level: 0 }));
    const res = await rawRequest(vigil.bootstrap, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-Raw?api-version=2023-01-01`, JSON.stringify(dropped), { 'content-type': 'application/json' });
    assert.equal(res.status, 204, res.text);
    const t = await q('Events_CL | count');
    assert.deepEqual(t.rows, [[rows.filter((r) => r.Level >= 2).length]]);
    // The rule's GET shows the counts per data flow.
    const got = (await rawRequest(vigil.bootstrap, arm, 'GET', rulePath('transforms'))).json() as { properties: { ingestionStatistics: { dataFlows: { dataFlowIndex: number; rowsReceived: number; rowsDropped: number; rowsIngested: number }[] } } };
    const flow0 = got.properties.ingestionStatistics.dataFlows.find((f) => f.dataFlowIndex === 0)!;
    const expectedDropped = rows.filter((r) => r.Level < 2).length + rows.length;
    assert.deepEqual([flow0.rowsReceived, flow0.rowsDropped, flow0.rowsIngested], [rows.length * 2, expectedDropped, rows.length * 2 - expectedDropped]);
    const flow1 = got.properties.ingestionStatistics.dataFlows.find((f) => f.dataFlowIndex === 1)!;
    assert.deepEqual([flow1.rowsReceived, flow1.rowsDropped], [rows.length * 2, 0]);
    // …and the VigilIngestionStatistics table of the destination workspace, within a few seconds.
    const deadline = Date.now() + 60_000;
    let seen: unknown[][] = [];
    while (Date.now() < deadline) {
      seen = (await q(`VigilIngestionStatistics | where DataCollectionRuleImmutableId == '${ruleId}' and DataFlowIndex == 0 | summarize sum(RowsReceived), sum(RowsDropped)`)).rows;
      if (seen[0]?.[0] === rows.length * 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(seen, [[rows.length * 2, expectedDropped]]);
  });

  it('refuses a request the transformation fails on, without quoting the engine, and stores nothing of it', async () => {
    const res = await putRule('runtime', ruleBody('source | where Message matches regex Computer | project TimeGenerated, Computer'));
    assert.equal(res.status, 201, res.text);
    const immutableId = (res.json() as { properties: { immutableId: string } }).properties.immutableId;
    const token = await tokenFor(vigil.bootstrap, MONITOR);
    const send = (computer: string) =>
      rawRequest(vigil.bootstrap, token, 'POST', `/dataCollectionRules/${immutableId}/streams/Custom-Raw?api-version=2023-01-01`, JSON.stringify([{ ...rows[0], Computer: computer, Message: 'abc' }]), { 'content-type': 'application/json' });
    const before = (await q('Events_CL | count')).rows[0]![0] as number;
    const bad = await send('(unclosed');
    assert.equal(bad.status, 400, bad.text);
    const body = bad.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'InvalidTransformResult');
    assert.equal(bad.headers.get('x-ms-error-code'), 'InvalidTransformResult');
    assert.ok(!/SELECT|unclosed|missing \)/.test(body.error.message), body.error.message);
    assert.deepEqual((await q('Events_CL | count')).rows, [[before]]);
    // The runner is fine afterwards.
    assert.equal((await send('a.c')).status, 204);
    assert.deepEqual((await q('Events_CL | count')).rows, [[before + 1]]);
    await rawRequest(vigil.bootstrap, arm, 'DELETE', rulePath('runtime'));
  });

  it('refuses every construct outside Azure\'s transformation subset at creation, with its position', async () => {
    const cases: [string, number, number][] = [
      ['source | summarize count() by Computer', 1, 10],
      ['source | take 10', 1, 10],
      ['source | sort by Level', 1, 10],
      ['source | top 3 by Level', 1, 10],
      ['source | distinct Computer', 1, 10],
      ['source | join (source) on Computer', 1, 10],
      ['source | union source', 1, 10],
      ['source | mv-expand x = split(Message, ";")', 1, 10],
      ['source | evaluate bag_unpack(x)', 1, 10],
      ['source | parse kind=regex Message with "(?<a>.*)"', 1, 10],
      ['source | make-series count() on TimeGenerated step 1h', 1, 10],
      ['source\n| where Level between (1 .. 3)', 2, 9],
      ['source\n| extend g = geo_location(ClientIp)', 2, 14],
      ['source\n| extend k = bag_keys(parse_json(Message))', 2, 14],
      ['source | where Level in ((source | project Level))', 1, 26],
      ['source | extend x = toscalar(source | count)', 1, 21],
      ['Events_CL | where Level > 1', 1, 1],
      ['range x from 1 to 3 step 1', 1, 1],
      ["set truncationmaxrecords = 1;\nsource", 1, 1],
      ['source | where Computer in~ ("a")', 1, 16],
      ['source | parse Message with a ";" b ";" c ";" d ";" e ";" f ";" g ";" h ";" i ";" j ";" k', 1, 10],
      ['source | where Level >', 1, 23],
    ];
    for (const [kql, line, column] of cases) {
      const res = await putRule('refused', ruleBody(kql));
      assert.equal(res.status, 400, `${kql}: ${res.text}`);
      const body = res.json() as { error: { code: string; message: string; target?: string } };
      assert.equal(body.error.code, 'InvalidTransformQuery', kql);
      assert.match(body.error.message, /^properties\.dataFlows\[0\]\.transformKql: /, kql);
      assert.ok(body.error.message.includes(`line ${line}, column ${column}`) || body.error.message.includes(`line [${line},${column}]`), `${kql} → ${body.error.message}`);
      assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/json');
    }
    // Nothing was created.
    assert.equal((await rawRequest(vigil.bootstrap, arm, 'GET', rulePath('refused'))).status, 404);
  });

  it('refuses at creation a transformation whose output does not fit the table', async () => {
    const unknown = await putRule('mismatch', ruleBody('source | project TimeGenerated, Computer, Secret'));
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'InvalidTransformOutput');
    assert.match(unknown.text, /'Secret' \(string\) does not exist in table 'Events_CL'/);
    const typed = await putRule('mismatch', ruleBody('source | project TimeGenerated, Level = Message'));
    assert.equal(typed.status, 400, typed.text);
    assert.match(typed.text, /'Level' is of type 'string', but column 'Level' of table 'Events_CL' is 'int'/);
    const filled = await putRule('mismatch', ruleBody('source | project TimeGenerated, Computer, TenantId = Computer'));
    assert.equal(filled.status, 400, filled.text);
    assert.match(filled.text, /'TenantId' is filled by the service/);
    // An update of an existing rule is checked the same way and leaves the rule as it was.
    const ok = await putRule('mismatch', ruleBody('source | project TimeGenerated, Computer'));
    assert.equal(ok.status, 201, ok.text);
    const bad = await putRule('mismatch', ruleBody('source | take 1'));
    assert.equal(bad.status, 400);
    const kept = (await rawRequest(vigil.bootstrap, arm, 'GET', rulePath('mismatch'))).json() as { properties: { dataFlows: { transformKql: string }[] } };
    assert.equal(kept.properties.dataFlows[0]!.transformKql, 'source | project TimeGenerated, Computer');
  });

  it('writes a standard table through Microsoft-<Table> with a transformation (not AzureActivity)', async () => {
    const b = vigil.bootstrap;
    const body = (outputStream: string) => ({
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-Raw': { columns: STREAM_COLUMNS } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Raw'], destinations: ['la'], outputStream, transformKql: 'source | where Level > 0 | project TimeGenerated, Computer, SyslogMessage = redact_ip(Message), HostIP = "", Facility = "auth", SeverityLevel = "info"' }],
      },
    });
    const res = await putRule('to-syslog', body('Microsoft-Syslog'));
    assert.equal(res.status, 201, res.text);
    const immutableId = (res.json() as { properties: { immutableId: string } }).properties.immutableId;
    await clients.ingestion.upload(immutableId, 'Custom-Raw', rows.map((r) => ({ ...r, Message: `from ${r.ClientIp}` })));
    const t = await q("Syslog | where Facility == 'auth' | summarize c = count(), m = make_set(SyslogMessage)");
    assert.deepEqual(t.rows, [[rows.filter((r) => r.Level > 0).length, ['from [ip]']]]);
    const refused = await putRule('to-activity', body('Microsoft-AzureActivity'));
    assert.equal(refused.status, 400);
  });

  it('applies the workspace transformation to data that arrives without a transformation of its own', async () => {
    const b = vigil.bootstrap;
    await createTable(b.workspaceName, 'Plain_CL', [
      { name: 'TimeGenerated', type: 'dateTime' },
      { name: 'Computer', type: 'string' },
      { name: 'Level', type: 'int' },
      { name: 'Message', type: 'string' },
    ]);
    const wt = await putRule('ws-transforms', {
      location: 'local',
      kind: 'WorkspaceTransforms',
      properties: {
        destinations: { logAnalytics: [{ name: 'ws', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Microsoft-Table-Plain_CL'], destinations: ['ws'], transformKql: 'source | where Level != 0 | extend Message = redact_email(Message)' }],
      },
    });
    assert.equal(wt.status, 201, wt.text);
    // A second workspace transformation rule for the same workspace is refused.
    const second = await putRule('ws-transforms-2', { ...(wt.json() as object), name: undefined, id: undefined });
    assert.equal(second.status, 409, second.text);
    // Its output is checked against the table too.
    const badOut = await putRule('ws-transforms', {
      location: 'local',
      kind: 'WorkspaceTransforms',
      properties: {
        destinations: { logAnalytics: [{ name: 'ws', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Microsoft-Table-Plain_CL'], destinations: ['ws'], transformKql: 'source | extend Extra = 1' }],
      },
    });
    assert.equal(badOut.status, 400, badOut.text);

    const plain = await putRule('plain', {
      location: 'local',
      properties: {
        streamDeclarations: { 'Custom-Plain': { columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Computer', type: 'string' }, { name: 'Level', type: 'int' }, { name: 'Message', type: 'string' }] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Plain'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-Plain_CL' }],
      },
    });
    assert.equal(plain.status, 201, plain.text);
    const immutableId = (plain.json() as { properties: { immutableId: string } }).properties.immutableId;
    await clients.ingestion.upload(immutableId, 'Custom-Plain', rows.map((r) => ({ TimeGenerated: r.TimeGenerated, Computer: r.Computer, Level: r.Level, Message: `mail ${r.Email}` })));
    const t = await q('Plain_CL | summarize c = count(), m = make_set(Message), l = make_set(Level)');
    assert.equal(t.rows[0]![0], rows.filter((r) => r.Level !== 0).length);
    assert.deepEqual(t.rows[0]![1], ['mail [email]']);
    assert.ok(!(t.rows[0]![2] as number[]).includes(0));
  });
});
