/**
 * Where a query's time goes outside the server's `total` (issue #20): the bench's queries over the
 * bench rows, each run three ways in alternation against one Vigil process —
 *   sdk   `LogsQueryClient.queryWorkspace` (token cached; the SDK's pipeline and result conversion),
 *   bare  a Node `https` POST on a keep-alive agent with the body, token and headers the SDK sends,
 *         the answer read whole and `JSON.parse`d,
 * and, per run, the server's `Server-Timing` total and (with the probe, bench/query-split-probe.ts)
 * the server's time from the request handed over by Node's HTTP layer to the answer's last byte.
 * Also: the client's CPU per query on each side, the server process's CPU per query (/proc), and
 * how many TCP connections each side opened (keep-alive held or not).
 *
 *   NODE_EXTRA_CA_CERTS=.bench-data/ca/tls/ca.pem node dist/bench/query-split.js [--rows N] [--runs N]
 *
 * VIGIL_SERVER_CLI=<other checkout>/dist/src/cli/launcher.cjs serves with another build (same client).
 */
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { BATCH, SPAN_MS, TABLE, benchEndMs, latency, makeBatch, parseOptions, pool, progress, startBenchVigil, uploadBatch } from './support.js';

const HOUR = 3_600_000;
const QUERIES: [string, string][] = [
  ['count by bin(5m)', `${TABLE} | summarize count() by bin(TimeGenerated, 5m)`],
  ["where Level == 'Error' | count", `${TABLE} | where Level == 'Error' | count`],
  ['avg(DurationMs) by Service', `${TABLE} | summarize avg(DurationMs) by Service`],
  ['top 10 by DurationMs', `${TABLE} | top 10 by DurationMs`],
  ["where Message has 'timeout' | count", `${TABLE} | where Message has 'timeout' | count`],
];

// VIGIL_QUERY_SPLIT_ONLY=<regex> runs only the queries whose name matches.
const only = process.env.VIGIL_QUERY_SPLIT_ONLY ? new RegExp(process.env.VIGIL_QUERY_SPLIT_ONLY, 'i') : undefined;
const opts = parseOptions();
const total = opts.rows ?? 100_000;
const runs = opts.runs;
const endMs = benchEndMs();
const start = new Date(endMs - SPAN_MS - HOUR);
const end = new Date(endMs + HOUR);

// TCP connections this process opens (a new one per query would mean a TLS handshake per query).
let connections = 0;
subscribe('net.client.socket', () => connections++);

const probeDir = mkdtempSync(join(tmpdir(), 'vigil-query-split-'));
const probeFile = join(probeDir, 'server.txt');
writeFileSync(probeFile, '');
process.env.VIGIL_QUERY_SPLIT_FILE = probeFile;
const probe = fileURLToPath(new URL('./query-split-probe.js', import.meta.url));
process.env.VIGIL_SERVER_NODE_ARGS = `${process.env.VIGIL_SERVER_NODE_ARGS ?? ''} --import ${probe}`.trim();
const probeLines = () => readFileSync(probeFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));

/** CPU seconds (user + system, every thread) of process `pid`. */
const processCpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const v = await startBenchVigil();
try {
  progress(`loading ${total.toLocaleString('en')} rows`);
  await pool(Math.ceil(total / BATCH), 8, (b) => uploadBatch(v, makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs)));
  const b = v.vigil.bootstrap;
  const serverPid = v.vigil.child.pid!;
  let timing = '';
  const client = new LogsQueryClient(v.clients.credential, {
    endpoint: `${b.endpoint}/v1`,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'keepServerTiming',
          sendRequest: async (req, next) => {
            const res = await next(req);
            timing = res.headers.get('server-timing') ?? '';
            return res;
          },
        },
      },
    ],
  });
  const sdk = async (kql: string) => {
    const r = await client.queryWorkspace(b.workspaceId, kql, { startTime: start, endTime: end });
    if (r.status !== LogsQueryResultStatus.Success) throw new Error(`query failed: ${kql}`);
    return r.tables[0]!.rows.length;
  };
  const token = (await v.clients.credential.getToken('https://api.loganalytics.io/.default'))!.token;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(`${b.endpoint}/v1/workspaces/${b.workspaceId}/query`);
  const bare = (kql: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ query: kql, timespan: `${start.toISOString()}/${end.toISOString()}` });
      const req = request(url, {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'accept-encoding': 'gzip,deflate',
          'x-ms-client-request-id': randomUUID(),
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          timing = String(res.headers['server-timing'] ?? '');
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tables: { rows: unknown[] }[] };
          resolve(answer.tables[0]!.rows.length);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const totalOf = () => Number(/total;dur=([0-9.]+)/.exec(timing)?.[1] ?? NaN);

  const results = [];
  for (const [name, kql] of QUERIES.filter(([n]) => !only || only.test(n))) {
    progress(`${name}: ${runs} runs`);
    for (let i = 0; i < 3; i++) (await sdk(kql), await bare(kql));
    const side = { sdk: { wall: [] as number[], total: [] as number[], server: [] as number[][], cpu: 0, serverCpu: 0, conns: 0 }, bare: { wall: [] as number[], total: [] as number[], server: [] as number[][], cpu: 0, serverCpu: 0, conns: 0 } };
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      for (const [k, fn] of [['sdk', sdk], ['bare', bare]] as const) {
        const s = side[k];
        const before = probeLines().length;
        const c0 = connections;
        const cpu0 = process.cpuUsage();
        const sc0 = processCpuMs(serverPid);
        const t0 = process.hrtime.bigint();
        rows = await fn(kql);
        s.wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const cpu = process.cpuUsage(cpu0);
        s.cpu += (cpu.user + cpu.system) / 1000;
        s.conns += connections - c0;
        s.total.push(totalOf());
        // The probe writes after the answer is out: give it a moment.
        await new Promise((r) => setTimeout(r, 10));
        s.serverCpu += processCpuMs(serverPid) - sc0;
        const lines = probeLines();
        if (lines.length > before) s.server.push(lines[lines.length - 1]!);
      }
    }
    const med = (x: number[]) => (x.length ? latency(x).medianMs : null);
    const sum = (k: 'sdk' | 'bare') => ({
      wallMs: med(side[k].wall),
      serverTotalMs: med(side[k].total),
      serverRequestToLastByteMs: med(side[k].server.map((s) => s[0]!)),
      serverBeforeAnswerOutsideTotalMs: med(side[k].server.map((s) => s[1]!)),
      serverWriteMs: med(side[k].server.map((s) => s[2]!)),
      outsideTotalMs: med(side[k].wall.map((w, i) => w - side[k].total[i]!)),
      outsideServerMs: side[k].server.length === runs ? med(side[k].wall.map((w, i) => w - side[k].server[i]![0]!)) : null,
      clientCpuMsPerQuery: Math.round((side[k].cpu / runs) * 100) / 100,
      serverCpuMsPerQuery: Math.round((side[k].serverCpu / runs) * 100) / 100,
      newConnections: side[k].conns,
    });
    const r = { name, rows, sdk: sum('sdk'), bare: sum('bare') };
    progress(`${name}: ${JSON.stringify(r)}`);
    results.push(r);
  }
  process.stdout.write(`${JSON.stringify({ rows: total, runs, server: process.env.VIGIL_SERVER_CLI ?? 'this build', results }, null, 1)}\n`);
  agent.destroy();
} finally {
  await v.dispose();
  rmSync(probeDir, { recursive: true, force: true });
}
