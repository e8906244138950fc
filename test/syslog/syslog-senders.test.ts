/**
 * Syslog and CEF from real senders (issue #19): Debian's rsyslog (omfwd, OpenSSL stream driver) and
 * syslog-ng (`syslog()` and `network()` destinations) send over mutual TLS to `vigil serve
 * --syslog-tls …,client-ca=…,dcr=…`; the rows are read back with the official LogsQueryClient.
 * A data collection rule with a `dataSources.syslog` data source (made with the official
 * MonitorClient) decides which facilities and levels are kept and which workspace gets them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createSocket } from 'node:dgram';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Durations } from '@azure/monitor-query-logs';
import { clientCa } from '../support/client-ca.js';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals } from '../support/principals.js';
import { rsyslogMissing, startRsyslog, startSyslogNg, syslogNgMissing, writeLines, type SenderProcess } from '../support/syslog-senders.js';
import { TEST_CA_DIR } from '../support/test-ca.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const skip = rsyslogMissing() ?? syslogNgMissing();
const SERVER_CA_FILE = join(TEST_CA_DIR, 'tls', 'ca.pem');

describe('syslog and CEF from rsyslog and syslog-ng over TLS', { skip, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-'));
  let vigil: VigilProcess;
  let ruleArmId: string;
  let tlsPort: number;
  let tcpPort: number;
  let udpPort: number;
  let agentAppId: string;
  let intruderAppId: string;
  const senders: SenderProcess[] = [];
  let agentFiles: { caFile: string; certFile: string; keyFile: string };
  let agents: Awaited<ReturnType<typeof clientCa>>;

  const query = async (kql: string) => {
    const r = await sdkClients(vigil.bootstrap).query.queryWorkspace(vigil.bootstrap.workspaceId, kql, { duration: Durations.oneDay });
    assert.equal(r.status, 'Success', JSON.stringify(r));
    return (r as { tables: { rows: unknown[][] }[] }).tables[0]!.rows;
  };
  /** Polls until the query returns `expected` rows' worth (its first cell), or gives up after a while. */
  const waitForCount = async (kql: string, expected: number, seconds = 60) => {
    let last = -1;
    for (let i = 0; i < seconds * 2; i++) {
      last = Number((await query(kql))[0]?.[0] ?? 0);
      if (last >= expected) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    return last;
  };

  before(async () => {
    agents = await clientCa('Syslog agents CA');
    writeFileSync(join(dir, 'agents-ca.pem'), agents.pem);
    // First start: the rule, the agent principal (Monitoring Metrics Publisher on the rule) and an intruder without it.
    vigil = await startVigil();
    const b = vigil.bootstrap;
    const rule = await sdkClients(b).monitor.dataCollectionRules.create(b.resourceGroup, 'syslog-rule', {
      body: {
        location: 'local',
        kind: 'Linux',
        dataSources: {
          syslog: [
            { name: 'sysLogs', streams: ['Microsoft-Syslog'], facilityNames: ['auth', 'authpriv', 'daemon', 'local0', 'user'], logLevels: ['Info', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency'] },
            { name: 'cef', streams: ['Microsoft-CommonSecurityLog'], facilityNames: ['local4'], logLevels: ['*'] },
          ],
        },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [
          { streams: ['Microsoft-Syslog'], destinations: ['la'] },
          { streams: ['Microsoft-CommonSecurityLog'], destinations: ['la'] },
        ],
      },
    } as never);
    ruleArmId = rule.id!;
    const principals = new Principals(b);
    const agent = await principals.create('syslog-agent');
    await principals.assign(agent.objectId, 'Monitoring Metrics Publisher', ruleArmId);
    const intruder = await principals.create('syslog-intruder');
    agentAppId = agent.appId;
    intruderAppId = intruder.appId;
    const issued = await agents.issue(agentAppId);
    writeFileSync(join(dir, 'agent.pem'), issued.cert);
    writeFileSync(join(dir, 'agent-key.pem'), issued.key, { mode: 0o600 });
    agentFiles = { caFile: SERVER_CA_FILE, certFile: join(dir, 'agent.pem'), keyFile: join(dir, 'agent-key.pem') };
    await vigil.stop();
    // Second start: the syslog listeners send through that rule.
    const dataDir = vigil.dataDir;
    vigil = await startVigil({
      dataDir,
      args: [
        '--syslog-tls', `127.0.0.1:0,client-ca=${join(dir, 'agents-ca.pem')},dcr=${ruleArmId}`,
        '--syslog-tcp', '127.0.0.1:0',
        '--syslog-udp', '127.0.0.1:0',
        '--syslog-dcr', rule.immutableId!,
        '--syslog-max-queued-rows', '20000',
      ],
    });
    const port = (t: string) => Number(new RegExp(`syslog ${t} listener on 127\\.0\\.0\\.1:(\\d+)`).exec(vigil.output())![1]);
    tlsPort = port('tls');
    tcpPort = port('tcp');
    udpPort = port('udp');
  });
  after(async () => {
    for (const s of senders) await s.stop();
    await vigil?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the rule: dataSources.syslog is validated and read back', async () => {
    const b = vigil.bootstrap;
    const got = await sdkClients(b).monitor.dataCollectionRules.get(b.resourceGroup, 'syslog-rule');
    assert.deepEqual(JSON.parse(JSON.stringify((got as { dataSources?: { syslog?: unknown[] } }).dataSources?.syslog?.[1])), { name: 'cef', streams: ['Microsoft-CommonSecurityLog'], facilityNames: ['local4'], logLevels: ['*'] });
    const token = await new Principals(b).adminToken(AUD.arm);
    const path = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/dataCollectionRules/bad-syslog?api-version=2023-03-11`;
    const body = (syslog: unknown, streams = ['Microsoft-Syslog']) => ({
      location: 'local',
      properties: {
        ...(syslog ? { dataSources: { syslog } } : {}),
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams, destinations: ['la'] }],
      },
    });
    const badFacility = await call(b, token, 'PUT', path, body([{ name: 's', streams: ['Microsoft-Syslog'], facilityNames: ['kernel'], logLevels: ['*'] }]));
    assert.equal(badFacility.status, 400);
    assert.match(badFacility.json<{ error: { message: string } }>().error.message, /facilityNames: 'kernel' is not one of/);
    const badLevel = await call(b, token, 'PUT', path, body([{ name: 's', streams: ['Microsoft-Syslog'], facilityNames: ['auth'], logLevels: ['Verbose'] }]));
    assert.equal(badLevel.status, 400);
    const badStream = await call(b, token, 'PUT', path, body([{ name: 's', streams: ['Microsoft-Perf'], facilityNames: ['auth'] }]));
    assert.equal(badStream.status, 400);
    // A flow of Microsoft-Syslog with no data source: a built-in stream (rows shaped like the Syslog
    // table) that the Logs Ingestion API or an agent may send, like Microsoft-ContainerLogV2 (issue 19).
    const noSource = await call(b, token, 'PUT', path, body(undefined));
    assert.equal(noSource.status, 201, noSource.text);
    // A stream that is neither declared, nor built in, nor produced by a data source is refused.
    const unknown = await call(b, token, 'PUT', path, body(undefined, ['Microsoft-NoSuchTable']));
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'InvalidPayload');
  });

  test('rsyslog, RFC 5424 octet-counted over mutual TLS: the Syslog columns', async () => {
    const rsyslog = await startRsyslog(dir, { port: tlsPort }, agentFiles, 'rfc5424');
    senders.push(rsyslog);
    await writeLines(rsyslog.inputPort, [
      '<38>Dec  6 10:00:00 web01 sshd[4242]: Accepted publickey for alice from 10.0.0.9 port 50122',
      '<31>Dec  6 10:00:01 web01 cron[7]: debug: not collected (Debug is not a selected level)',
      '<163>Dec  6 10:00:02 web01 mail[8]: not collected (facility mail is not selected)',
    ]);
    assert.equal(await waitForCount("Syslog | where ProcessName == 'sshd' | count", 1), 1, rsyslog.output());
    const rows = await query("Syslog | where ProcessName == 'sshd' | project Facility, SeverityLevel, HostName, Computer, ProcessID, SyslogMessage, HostIP, isnotnull(EventTime), Type");
    assert.deepEqual(rows, [['auth', 'info', 'web01', 'web01', 4242, 'Accepted publickey for alice from 10.0.0.9 port 50122', '127.0.0.1', true, 'Syslog']]);
    // The unselected facility and level were not stored.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await query("Syslog | where SyslogMessage has 'not collected' | count"), [[0]]);
  });

  test('rsyslog, RFC 3164 newline-framed over TLS, with a CEF message into CommonSecurityLog', async () => {
    const rsyslog = await startRsyslog(dir, { port: tlsPort }, agentFiles, 'rfc3164');
    senders.push(rsyslog);
    await writeLines(rsyslog.inputPort, [
      '<164>Dec  6 10:01:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|src=10.1.1.5 spt=51515 dst=192.0.2.7 dpt=443 proto=TCP act=allow suser=bob msg=session ended \\= ok cs1Label=Rule cs1=allow-web in=1200 out=3400 customKey=x',
      '<14>Dec  6 10:01:01 app02 myapp: plain 3164 message',
    ]);
    assert.equal(await waitForCount('CommonSecurityLog | count', 1), 1, rsyslog.output());
    const csl = await query(
      'CommonSecurityLog | project DeviceVendor, DeviceProduct, DeviceVersion, DeviceEventClassID, Activity, LogSeverity, SourceIP, SourcePort, DestinationIP, DestinationPort, Protocol, DeviceAction, SourceUserName, Message, DeviceCustomString1Label, DeviceCustomString1, ReceivedBytes, SentBytes, AdditionalExtensions, Computer',
    );
    assert.deepEqual(csl, [['Palo Alto Networks', 'PAN-OS', '10.1', 'TRAFFIC', 'end', '3', '10.1.1.5', 51515, '192.0.2.7', 443, 'TCP', 'allow', 'bob', 'session ended = ok', 'Rule', 'allow-web', 1200, 3400, 'customKey=x', 'fw01']]);
    assert.equal(await waitForCount("Syslog | where ProcessName == 'myapp' | count", 1), 1);
    assert.deepEqual(await query("Syslog | where ProcessName == 'myapp' | project Facility, SeverityLevel, HostName, SyslogMessage, ProcessID"), [['user', 'info', 'app02', 'plain 3164 message', null]]);
  });

  test('syslog-ng syslog() (RFC 5424, RFC 5425 framing) and network() (RFC 3164) over mutual TLS', async () => {
    const ng5424 = await startSyslogNg(dir, { port: tlsPort }, agentFiles, 'rfc5424');
    senders.push(ng5424);
    const ng3164 = await startSyslogNg(dir, { port: tlsPort }, agentFiles, 'rfc3164');
    senders.push(ng3164);
    await writeLines(ng5424.inputPort, ['<29>Dec  6 10:02:00 db01 postgres[99]: via syslog-ng syslog() driver']);
    await writeLines(ng3164.inputPort, ['<131>Dec  6 10:02:01 db02 backup[100]: via syslog-ng network() driver']);
    assert.equal(await waitForCount("Syslog | where SyslogMessage startswith 'via syslog-ng' | count", 2), 2, ng5424.output() + ng3164.output());
    const rows = await query("Syslog | where SyslogMessage startswith 'via syslog-ng' | order by HostName asc | project HostName, Facility, SeverityLevel, ProcessName, ProcessID, SyslogMessage");
    assert.deepEqual(rows, [
      ['db01', 'daemon', 'notice', 'postgres', 99, 'via syslog-ng syslog() driver'],
      ['db02', 'local0', 'err', 'backup', 100, 'via syslog-ng network() driver'],
    ]);
  });

  // VIGIL_SYSLOG_BURST sets the size (npm run test:syslog-burst sends a million).
  const total = Number(process.env.VIGIL_SYSLOG_BURST ?? 100_000);
  test(`a burst of ${total.toLocaleString('en')} messages through rsyslog over TLS arrives complete`, { timeout: 300_000 + total * 2 }, async () => {
    const rsyslog = await startRsyslog(dir, { port: tlsPort }, agentFiles, 'rfc5424');
    senders.push(rsyslog);
    function* lines() {
      for (let i = 0; i < total; i++) yield `<134>Dec  6 11:00:00 burst01 burst[1]: burst message ${i}`;
    }
    await writeLines(rsyslog.inputPort, lines());
    const count = await waitForCount("Syslog | where HostName == 'burst01' | count", total, 240 + total / 1000);
    assert.equal(count, total, rsyslog.output());
    assert.deepEqual(await query("Syslog | where HostName == 'burst01' | summarize dcount(SyslogMessage)"), [[total]]);
  });

  test('attackers: no client certificate, a certificate of another CA, a principal without the role — refused, nothing stored', async () => {
    const handshake = (opts: { cert?: string; key?: string }) =>
      new Promise<string>((resolve) => {
        const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: readFileSync(SERVER_CA_FILE, 'utf8'), ...opts });
        s.on('secureConnect', () => {
          s.write('<38>1 2026-12-06T10:00:00Z evil sshd 1 - - intruder message\n');
        });
        s.on('error', (e) => resolve(`error ${e.message}`));
        s.on('close', () => resolve('closed'));
        s.setTimeout(10_000, () => {
          s.destroy();
          resolve('timeout');
        });
      });
    const rogue = await clientCa('Rogue CA');
    const fromRogue = await rogue.issue(agentAppId);
    const intruder = await agents.issue(intruderAppId);
    const unknown = await agents.issue('00000000-0000-0000-0000-000000000000');
    for (const attempt of [{}, fromRogue, intruder, unknown]) {
      const outcome = await handshake(attempt);
      assert.notEqual(outcome, 'timeout');
    }
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await query("Syslog | where SyslogMessage has 'intruder' | count"), [[0]]);
    // The refusals are counted.
    const token = await new Principals(vigil.bootstrap).adminToken(AUD.arm);
    const stats = (await call(vigil.bootstrap, token, 'GET', '/vigil/syslog/listeners')).json<{ value: { transport: string; refusedConnections: number }[] }>();
    assert.ok(stats.value.find((l) => l.transport === 'tls')!.refusedConnections >= 4, JSON.stringify(stats));
  });

  test('a principal whose role is removed stops writing on its open connection', async () => {
    const b = vigil.bootstrap;
    const principals = new Principals(b);
    const agent2 = await principals.create('syslog-agent-2');
    const assignment = await principals.assign(agent2.objectId, 'Monitoring Metrics Publisher', ruleArmId);
    const cert = await agents.issue(agent2.appId);
    const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: readFileSync(SERVER_CA_FILE, 'utf8'), cert: cert.cert, key: cert.key });
    await new Promise((r) => s.once('secureConnect', r));
    try {
      s.write('<86>Dec  6 10:05:00 revoked-host app[1]: before revocation\n');
      assert.equal(await waitForCount("Syslog | where HostName == 'revoked-host' | count", 1), 1);
      const removed = await call(b, await principals.adminToken(AUD.arm), 'DELETE', `${ruleArmId}/providers/Microsoft.Authorization/roleAssignments/${assignment}?api-version=2022-04-01`);
      assert.equal(removed.status, 200, removed.text);
      // Rules and role assignments are re-read at most a second apart.
      await new Promise((r) => setTimeout(r, 1500));
      s.write('<86>Dec  6 10:05:01 revoked-host app[1]: after revocation\n');
      // A marker through the same rule's queue after it: once the marker is stored, the message before it would have been.
      const marker = tcpConnect(tcpPort, '127.0.0.1');
      await new Promise((r) => marker.once('connect', r));
      await new Promise<void>((r) => marker.end('<86>Dec  6 10:05:02 marker-host app[1]: marker\n', () => r()));
      assert.equal(await waitForCount("Syslog | where HostName == 'marker-host' | count", 1), 1);
      assert.deepEqual(await query("Syslog | where HostName == 'revoked-host' | project SyslogMessage"), [['before revocation']]);
    } finally {
      s.destroy();
    }
  });

  test('plain TCP and UDP on loopback (a local agent); UDP counts what it drops', async () => {
    const tcp = tcpConnect(tcpPort, '127.0.0.1');
    await new Promise((r) => tcp.once('connect', r));
    const counted = '<86>1 2026-12-06T10:03:00.123456Z h1 su 5 - - tcp one';
    await new Promise<void>((r) => tcp.end(`${Buffer.byteLength(counted)} ${counted}\n<86>Dec  6 10:03:01 h1 su[6]: tcp two\n`, () => r()));
    const udp = createSocket('udp4');
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => udp.send(`<13>Dec  6 10:03:02 h2 udpapp[1]: udp ${i}`, udpPort, '127.0.0.1', () => r()));
    udp.close();
    assert.equal(await waitForCount("Syslog | where HostName in ('h1', 'h2') | count", 7), 7);
    assert.deepEqual(await query("Syslog | where HostName == 'h1' | order by SyslogMessage asc | project SyslogMessage, Facility, SeverityLevel, ProcessID, EventTime == datetime(2026-12-06T10:03:00.123456Z), isnotnull(EventTime)"), [
      ['tcp one', 'authpriv', 'info', 5, true, true],
      ['tcp two', 'authpriv', 'info', 6, false, true],
    ]);
    const token = await new Principals(vigil.bootstrap).adminToken(AUD.arm);
    const stats = (await call(vigil.bootstrap, token, 'GET', '/vigil/syslog/listeners')).json<{ value: { transport: string; messages: number; udpDropped: number }[]; queue: { paused: boolean } }>();
    const udpStats = stats.value.find((l) => l.transport === 'udp')!;
    assert.equal(udpStats.messages, 5);
    assert.equal(udpStats.udpDropped, 0);
    // Someone without rights on the rules sees no listener.
    const nobody = await new Principals(vigil.bootstrap).create('syslog-stats-nobody');
    const hidden = await call(vigil.bootstrap, await nobody.token(AUD.arm), 'GET', '/vigil/syslog/listeners');
    assert.equal(hidden.status, 200);
    assert.deepEqual(hidden.json<{ value: unknown[] }>().value, []);
  });
});
