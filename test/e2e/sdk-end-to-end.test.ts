/**
 * Issue #2's end-to-end path, driven only through the official Azure SDKs against a real Vigil
 * process: ClientSecretCredential → management SDKs create a custom table and a data collection
 * rule → LogsIngestionClient uploads 10,000 rows → LogsQueryClient reads them back with queries
 * whose answers this test computes on its own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { sdkClients } from '../support/clients.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const LEVELS = ['Information', 'Warning', 'Error'] as const;
const SERVICES = ['api', 'billing', 'auth', 'search', 'mailer'] as const;
const HOUR = 3_600_000;

type Row = {
  TimeGenerated: string;
  Level: string;
  Service: string;
  DurationMs: number;
  Code: number;
  Bytes: number;
  Message: string;
  RequestId: string;
  Props: { region: string; attempt: number };
};

function makeRows(n: number, base: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    // Spread over the 10 hours before `base`, at whole milliseconds.
    TimeGenerated: new Date(base - i * 3_600).toISOString(),
    Level: LEVELS[i % 3]!,
    Service: SERVICES[i % 5]!,
    DurationMs: (i % 997) + 0.5,
    Code: i % 7 === 0 ? 500 : 200,
    Bytes: i * 1_000_003,
    Message: i % 11 === 0 ? `request ${i} failed: upstream timeout` : `request ${i} ok`,
    RequestId: randomUUID(),
    Props: { region: i % 2 ? 'west' : 'east', attempt: i % 3 },
  }));
}

describe('end to end with the official Azure SDKs', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let clients: ReturnType<typeof sdkClients>;
  let ruleId: string;
  const base = Math.floor(Date.now() / HOUR) * HOUR - HOUR; // a whole hour, in the past
  const rows = makeRows(10_000, base);

  before(async () => {
    vigil = await startVigil();
    clients = sdkClients(vigil.bootstrap);
  });
  after(async () => vigil?.dispose());

  it('creates a custom table with the Log Analytics management SDK', async () => {
    const b = vigil.bootstrap;
    const table = await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'AppEvents_CL', {
      plan: 'Analytics',
      retentionInDays: 45,
      schema: {
        name: 'AppEvents_CL',
        columns: [
          { name: 'TimeGenerated', type: 'dateTime' },
          { name: 'Level', type: 'string' },
          { name: 'Service', type: 'string' },
          { name: 'DurationMs', type: 'real' },
          { name: 'Code', type: 'int' },
          { name: 'Bytes', type: 'long' },
          { name: 'Message', type: 'string' },
          { name: 'RequestId', type: 'guid' },
          { name: 'Props', type: 'dynamic' },
        ],
      },
    });
    assert.equal(table.name, 'AppEvents_CL');
    assert.equal(table.retentionInDays, 45);
    assert.equal(table.plan, 'Analytics');
    const got = await clients.logAnalytics.tables.get(b.resourceGroup, b.workspaceName, 'AppEvents_CL');
    assert.deepEqual(
      got.schema?.columns?.map((c) => `${c.name}:${c.type}`),
      ['TimeGenerated:dateTime', 'Level:string', 'Service:string', 'DurationMs:real', 'Code:int', 'Bytes:long', 'Message:string', 'RequestId:guid', 'Props:dynamic'],
    );
    const names: string[] = [];
    // Custom tables only: the workspace also lists the Microsoft tables Vigil fills itself (AzureActivity, the activity log).
    for await (const t of clients.logAnalytics.tables.listByWorkspace(b.resourceGroup, b.workspaceName)) if (t.schema?.tableType !== 'Microsoft') names.push(t.name!);
    assert.deepEqual(names, ['AppEvents_CL']);
    const ws = await clients.logAnalytics.workspaces.get(b.resourceGroup, b.workspaceName);
    assert.equal(ws.customerId, b.workspaceId);
  });

  it('creates a data collection rule with the Monitor management SDK', async () => {
    const b = vigil.bootstrap;
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'app-events', {
      body: {
        location: 'local',
        streamDeclarations: {
          'Custom-AppEvents': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'Level', type: 'string' },
              { name: 'Service', type: 'string' },
              { name: 'DurationMs', type: 'real' },
              { name: 'Code', type: 'int' },
              { name: 'Bytes', type: 'long' },
              { name: 'Message', type: 'string' },
              { name: 'RequestId', type: 'string' },
              { name: 'Props', type: 'dynamic' },
            ],
          },
        },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-AppEvents'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-AppEvents_CL' }],
      },
    });
    assert.match(rule.immutableId ?? '', /^dcr-[0-9a-f]{32}$/);
    ruleId = rule.immutableId!;
    const again = await clients.monitor.dataCollectionRules.get(b.resourceGroup, 'app-events');
    assert.equal(again.immutableId, ruleId);
    assert.equal(again.destinations?.logAnalytics?.[0]?.workspaceId, b.workspaceId);
  });

  it('uploads 10,000 rows with LogsIngestionClient', async () => {
    try {
      await clients.ingestion.upload(ruleId, 'Custom-AppEvents', rows);
    } catch (err) {
      const causes = ((err as { errors?: { cause: unknown }[] }).errors ?? []).map((e) => String(e.cause));
      assert.fail(`upload failed: ${causes.join('; ') || String(err)}`);
    }
  });

  const q = async (query: string, timespan: Parameters<typeof clients.query.queryWorkspace>[2] = { duration: 'P7D' }) => {
    const r = await clients.query.queryWorkspace(vigil.bootstrap.workspaceId, query, timespan);
    assert.equal(r.status, LogsQueryResultStatus.Success, JSON.stringify(r));
    if (r.status !== LogsQueryResultStatus.Success) throw new Error('unreachable');
    return r.tables[0]!;
  };

  it('counts every row exactly once', async () => {
    const t = await q('AppEvents_CL | count');
    assert.deepEqual(t.columnDescriptors, [{ name: 'Count', type: 'long' }]);
    assert.deepEqual(t.rows, [[10_000]]);
  });

  it('summarizes by a column', async () => {
    const t = await q('AppEvents_CL | summarize n = count() by Level | sort by Level asc');
    const expected = [...LEVELS].sort().map((l) => [l, rows.filter((r) => r.Level === l).length]);
    assert.deepEqual(t.rows, expected);
  });

  it('filters and aggregates numbers', async () => {
    const t = await q("AppEvents_CL | where Level == 'Error' and Code == 500 | summarize total = sum(Bytes), mx = max(DurationMs), c = count()");
    const sel = rows.filter((r) => r.Level === 'Error' && r.Code === 500);
    assert.deepEqual(t.rows, [[sel.reduce((s, r) => s + r.Bytes, 0), Math.max(...sel.map((r) => r.DurationMs)), sel.length]]);
  });

  it('bins by hour with the original datetimes', async () => {
    const t = await q('AppEvents_CL | summarize count() by bin(TimeGenerated, 1h) | sort by TimeGenerated asc');
    assert.deepEqual(t.columnDescriptors.map((c) => c.name), ['TimeGenerated', 'count_']);
    const buckets = new Map<number, number>();
    for (const r of rows) {
      const h = Math.floor(Date.parse(r.TimeGenerated) / HOUR) * HOUR;
      buckets.set(h, (buckets.get(h) ?? 0) + 1);
    }
    const expected = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([h, n]) => [new Date(h), n]);
    assert.deepEqual(t.rows, expected);
  });

  it('finds terms with has and takes the top rows', async () => {
    const t = await q("AppEvents_CL | where Message has 'timeout' | top 3 by DurationMs desc | project DurationMs, Message");
    const sel = rows.filter((r) => r.Message.includes('timeout')).sort((a, b) => b.DurationMs - a.DurationMs).slice(0, 3);
    assert.deepEqual(t.rows.map((r) => r[0]), sel.map((r) => r.DurationMs));
    assert.ok(t.rows.every((r) => String(r[1]).includes('timeout')));
  });

  it('reads dynamic properties and guids back', async () => {
    const t = await q("AppEvents_CL | where RequestId == toguid('" + rows[42]!.RequestId + "') | project RequestId, Props, region = tostring(Props.region)");
    assert.deepEqual(t.rows, [[rows[42]!.RequestId, rows[42]!.Props, rows[42]!.Props.region]]);
  });

  it('runs the functions the KQL runtime computes (xxHash64, S2, H3, IPv6) on stored rows', async () => {
    // Computed inside the storage engine's DuckDB by registered JavaScript functions; the statement guard admits them.
    const t = await q("AppEvents_CL | summarize n = count() by Level | extend h = hash(Level), s2 = geo_point_to_s2cell(-80.195829, 25.802215, 8), " +
      "h3 = geo_point_to_h3cell(-74.04450446039874, 40.689250859314974, 6), ip = parse_ipv6('192.168.255.255/24') | sort by Level asc");
    const expected = [...LEVELS].sort().map((l) => [l, rows.filter((r) => r.Level === l).length]);
    assert.deepEqual(t.rows.map((r) => [r[0], r[1]]), expected);
    assert.ok(t.rows.every((r) => typeof r[2] === 'number' && r[3] === '88d9b' && r[4] === '862a1072fffffff' && r[5] === '0000:0000:0000:0000:0000:ffff:c0a8:ff00'), JSON.stringify(t.rows));
    assert.equal(new Set(t.rows.map((r) => r[2])).size, LEVELS.length, 'distinct levels hash differently');
    const world = await q('print h = hash("World")');
    assert.deepEqual(world.rows, [[1846988464401551951]]);
  });

  it('runs partition, top-hitters and consume over stored rows', async () => {
    const expected = [...LEVELS].sort().map((l) => [l, rows.filter((r) => r.Level === l).length]);
    const t = await q('AppEvents_CL | partition hint.strategy=native by Level (summarize n = count() by Level) | sort by Level asc');
    assert.deepEqual(t.rows, expected);
    const hitters = await q('AppEvents_CL | top-hitters 1 of Level');
    const top = [...expected].sort((a, b) => (b[1] as number) - (a[1] as number))[0]!;
    assert.deepEqual(hitters.rows, [top]);
    assert.deepEqual((await q('AppEvents_CL | consume | count')).rows, [[0]]);
  });

  it('intersects the request timespan with the query', async () => {
    const startTime = new Date(base - 5 * HOUR);
    const endTime = new Date(base - 3 * HOUR);
    const t = await q("AppEvents_CL | where Service == 'api' | count", { startTime, endTime });
    const expected = rows.filter((r) => {
      const ms = Date.parse(r.TimeGenerated);
      return r.Service === 'api' && ms >= startTime.getTime() && ms < endTime.getTime();
    }).length;
    assert.ok(expected > 0);
    assert.deepEqual(t.rows, [[expected]]);
  });

  it('answers a batch in request order, with per-query errors', async () => {
    const ws = vigil.bootstrap.workspaceId;
    const results = await clients.query.queryBatch([
      { workspaceId: ws, query: 'AppEvents_CL | count', timespan: { duration: 'P7D' } },
      { workspaceId: ws, query: 'NoSuchTable_CL | count', timespan: { duration: 'P7D' } },
      { workspaceId: ws, query: "AppEvents_CL | where Level == 'Warning' | count", timespan: { duration: 'P7D' } },
    ]);
    assert.equal(results.length, 3);
    assert.equal(results[0]!.status, LogsQueryResultStatus.Success);
    assert.equal(results[1]!.status, LogsQueryResultStatus.PartialFailure);
    assert.equal(results[2]!.status, LogsQueryResultStatus.Success);
    if (results[0]!.status === LogsQueryResultStatus.Success) assert.deepEqual(results[0]!.tables[0]!.rows, [[10_000]]);
    if (results[2]!.status === LogsQueryResultStatus.Success) assert.deepEqual(results[2]!.tables[0]!.rows, [[rows.filter((r) => r.Level === 'Warning').length]]);
  });

  it('returns statistics when asked', async () => {
    const r = await clients.query.queryWorkspace(vigil.bootstrap.workspaceId, 'AppEvents_CL | take 5', { duration: 'P7D' }, { includeQueryStatistics: true });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    assert.ok(r.statistics, 'statistics are returned');
  });

  it('tells where the server spent its time in a Server-Timing header (and nothing else)', async () => {
    const seen: (string | undefined)[] = [];
    const client = new LogsQueryClient(clients.credential, {
      endpoint: `${vigil.bootstrap.endpoint}/v1`,
      additionalPolicies: [
        {
          position: 'perCall',
          policy: { name: 'keepServerTiming', sendRequest: async (req, next) => { const res = await next(req); seen.push(res.headers.get('server-timing')); return res; } },
        },
      ],
    });
    const r = await client.queryWorkspace(vigil.bootstrap.workspaceId, "AppEvents_CL | where Level == 'Error' | count", { duration: 'P7D' });
    assert.equal(r.status, LogsQueryResultStatus.Success);
    const header = seen.at(-1);
    assert.ok(header, 'the answer has a Server-Timing header');
    const phases = header.split(', ').map((p) => /^([a-z]+);dur=(\d+\.\d{2})$/.exec(p));
    assert.ok(phases.every(Boolean), header);
    const byName = new Map(phases.map((m) => [m![1]!, Number(m![2])]));
    assert.deepEqual([...byName.keys()], ['auth', 'compile', 'queue', 'execute', 'serialize', 'total']);
    const parts = ['auth', 'compile', 'queue', 'execute', 'serialize'].reduce((s, k) => s + byName.get(k)!, 0);
    // Rounded to 0.01 ms each: the phases fit inside the total.
    assert.ok(parts <= byName.get('total')! + 0.05, header);
    // A refused query gets Azure's error and no timings.
    const bad = await client.queryWorkspace(vigil.bootstrap.workspaceId, 'AppEvents_CL | where', { duration: 'P7D' }).catch((e: unknown) => e);
    assert.ok(bad instanceof Error);
    assert.equal(seen.at(-1), undefined);
  });

  it('keeps everything across a restart', async () => {
    await vigil.stop();
    const dataDir = vigil.dataDir;
    vigil = await startVigil({ dataDir });
    clients = sdkClients(vigil.bootstrap);
    const t = await q('AppEvents_CL | count');
    assert.deepEqual(t.rows, [[10_000]]);
    const rule = await clients.monitor.dataCollectionRules.get(vigil.bootstrap.resourceGroup, 'app-events');
    assert.equal(rule.immutableId, ruleId);
  });
});
