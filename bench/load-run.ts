/**
 * Sustained load against a real Vigil process on loopback: several service principals ingest and
 * query at the same time for a fixed duration. Every answer is classified (success, 429/503 with or
 * without Retry-After, other status, client timeout, network error), latencies are kept per
 * operation, the server's RSS is sampled every second, and afterwards every acknowledged row is
 * counted back by (client, batch). `bench/load.ts` is the CLI (`npm run load`);
 * test/e2e/sustained-load.test.ts runs a short real mode and checks the invariants.
 */
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { startVigil, type VigilProcess } from '../test/support/vigil-process.js';
import { sdkClients } from '../test/support/clients.js';
import { AUD, Principals, type TestPrincipal } from '../test/support/principals.js';

const gzipAsync = promisify(gzip);

export const LOAD_TABLE = 'LoadT_CL';
const STREAM = 'Custom-LoadT';
const COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Client', type: 'string' },
  { name: 'Batch', type: 'long' },
  { name: 'Seq', type: 'long' },
  { name: 'Payload', type: 'string' },
] as const;

export interface LoadOptions {
  durationSec: number;
  principals: number;
  ingestClients: number;
  queryClients: number;
  batchRows: number;
  /** The server's --ingest-requests-per-minute (per rule); below the offered rate, overload shows as 429. */
  ingestRequestsPerMinute: number;
  /** A request still unanswered after this long counts as a timeout (an invariant failure). */
  requestTimeoutMs: number;
  /** RSS samples before this second are warm-up (excluded from the growth figure). */
  warmupSec: number;
  progress?: (line: string) => void;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
  durationSec: 600,
  principals: 3,
  ingestClients: 4,
  queryClients: 3,
  batchRows: 500,
  ingestRequestsPerMinute: 1_200,
  requestTimeoutMs: 60_000,
  warmupSec: 60,
};

type Outcome = 'ok' | 'throttled' | 'unavailable' | 'throttledWithoutRetryAfter' | 'otherStatus' | 'timeout' | 'networkError';

interface OpStats {
  latenciesMs: number[];
  outcomes: Record<Outcome, number>;
  statuses: Record<string, number>;
}

export interface LoadReport {
  options: Omit<LoadOptions, 'progress'>;
  startedAt: string;
  elapsedSec: number;
  operations: Record<string, { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; outcomes: Record<Outcome, number>; statuses: Record<string, number> }>;
  /** One sample per second: seconds since start, server RSS (MiB), acknowledged rows so far, requests answered 429 so far. */
  samples: { t: number; rssMiB: number; ackedRows: number; throttled: number }[];
  rss: { warmupMiB: number; endMiB: number; maxMiB: number; growthAfterWarmupMiB: number };
  rows: { acknowledged: number; stored: number; lostAcknowledged: number; duplicated: number; unknownOutcomeBatches: number; storedUnacknowledged: number };
  /** Invariants: empty when all hold. */
  violations: string[];
}

const QUERIES: Record<string, string> = {
  'query:count-by-client': `${LOAD_TABLE} | summarize n = count() by Client`,
  'query:top10': `${LOAD_TABLE} | top 10 by Seq desc | project Client, Batch, Seq`,
  'query:has': `${LOAD_TABLE} | where Payload has "w17" | count`,
};

const newStats = (): OpStats => ({
  latenciesMs: [],
  outcomes: { ok: 0, throttled: 0, unavailable: 0, throttledWithoutRetryAfter: 0, otherStatus: 0, timeout: 0, networkError: 0 },
  statuses: {},
});

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const rssMiB = (pid: number): number => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  status: number;
  retryAfterSec: number | undefined;
  body: string;
}

/** One HTTPS request, timed; a timeout or network error is an outcome, not an exception. */
async function timedFetch(stats: OpStats, url: string, init: RequestInit, timeoutMs: number): Promise<Sent | 'timeout' | 'networkError'> {
  const start = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    stats.latenciesMs.push(performance.now() - start);
    stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
    const ra = res.headers.get('retry-after');
    const retryAfterSec = ra !== null && /^\d+$/.test(ra) ? Number(ra) : undefined;
    const ok = res.status >= 200 && res.status < 300;
    const outcome: Outcome = ok ? 'ok' : res.status === 429 ? (retryAfterSec === undefined ? 'throttledWithoutRetryAfter' : 'throttled') : res.status === 503 && retryAfterSec !== undefined ? 'unavailable' : 'otherStatus';
    stats.outcomes[outcome]++;
    return { status: res.status, retryAfterSec, body };
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    stats.outcomes[timeout ? 'timeout' : 'networkError']++;
    return timeout ? 'timeout' : 'networkError';
  }
}

interface Setup {
  vigil: VigilProcess;
  ruleId: string;
  principals: TestPrincipal[];
}

async function setUp(opts: LoadOptions): Promise<Setup> {
  const vigil = await startVigil({ args: ['--ingest-requests-per-minute', String(opts.ingestRequestsPerMinute)] });
  try {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, LOAD_TABLE, {
      schema: { name: LOAD_TABLE, columns: COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'load-logs', {
      body: {
        location: 'local',
        streamDeclarations: { [STREAM]: { columns: COLUMNS.map((c) => ({ ...c })) } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: [STREAM], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${LOAD_TABLE}` }],
      },
    });
    const p = new Principals(b);
    const principals: TestPrincipal[] = [];
    for (let i = 0; i < opts.principals; i++) {
      const sp = await p.create(`load-${i}`);
      await p.assign(sp.objectId, 'Monitoring Metrics Publisher', rule.id!);
      await p.assign(sp.objectId, 'Log Analytics Reader', b.workspaceResourceId);
      principals.push(sp);
    }
    return { vigil, ruleId: rule.immutableId!, principals };
  } catch (err) {
    await vigil.dispose();
    throw err;
  }
}

export async function runLoad(options: Partial<LoadOptions> = {}): Promise<LoadReport> {
  const opts: LoadOptions = { ...DEFAULT_LOAD_OPTIONS, ...options };
  const log = opts.progress ?? (() => undefined);
  log(`setting up: ${opts.principals} principals, ${opts.ingestClients} ingestion clients, ${opts.queryClients} query clients, ${opts.durationSec} s`);
  const { vigil, ruleId, principals } = await setUp(opts);
  const b = vigil.bootstrap;
  const pid = vigil.child.pid!;
  const tokens = await Promise.all(principals.map(async (p) => ({ ingest: await p.token(AUD.monitor), query: await p.token(AUD.logs) })));
  const stats = new Map<string, OpStats>([['ingest', newStats()], ...Object.keys(QUERIES).map((k) => [k, newStats()] as const)]);
  const acked = new Map<string, Set<number>>();
  const unknown = new Map<string, Set<number>>();
  let ackedRows = 0;
  const startedAt = new Date();
  const t0 = performance.now();
  const endAt = t0 + opts.durationSec * 1000;
  const running = () => performance.now() < endAt;
  const samples: LoadReport['samples'] = [];
  const sampler = setInterval(() => {
    samples.push({ t: Math.round((performance.now() - t0) / 1000), rssMiB: rssMiB(pid), ackedRows, throttled: stats.get('ingest')!.outcomes.throttled });
    if (samples.length % 10 === 0) log(`${samples.at(-1)!.t} s: ${ackedRows.toLocaleString('en')} rows acknowledged, RSS ${samples.at(-1)!.rssMiB} MiB, ${samples.at(-1)!.throttled} throttled`);
  }, 1000);

  const ingestUrl = `${b.endpoint}/dataCollectionRules/${ruleId}/streams/${STREAM}?api-version=2023-01-01`;
  const ingestClient = async (c: number) => {
    const client = `c${c}`;
    const token = tokens[c % tokens.length]!.ingest;
    const mine = new Set<number>();
    const lost = new Set<number>();
    acked.set(client, mine);
    unknown.set(client, lost);
    const s = stats.get('ingest')!;
    for (let batch = 0; running(); batch++) {
      const rows = Array.from({ length: opts.batchRows }, (_, k) => ({
        TimeGenerated: new Date().toISOString(),
        Client: client,
        Batch: batch,
        Seq: batch * opts.batchRows + k,
        Payload: `w${(batch + k) % 50} load row ${k} of batch ${batch} from ${client}`,
      }));
      const body = await gzipAsync(JSON.stringify(rows));
      // Resent on 429/503 after Retry-After until acknowledged or the run ends.
      for (;;) {
        const r = await timedFetch(s, ingestUrl, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' } }, opts.requestTimeoutMs);
        if (r === 'timeout' || r === 'networkError') {
          lost.add(batch); // its outcome is unknown: it may or may not be stored
          break;
        }
        if (r.status === 204) {
          mine.add(batch);
          ackedRows += opts.batchRows;
          break;
        }
        if ((r.status === 429 || r.status === 503) && r.retryAfterSec !== undefined && running()) {
          await sleep(Math.min(r.retryAfterSec * 1000, Math.max(0, endAt - performance.now())));
          if (!running()) break;
          continue;
        }
        break;
      }
    }
  };
  const queryUrl = `${b.endpoint}/v1/workspaces/${b.workspaceId}/query`;
  const names = Object.keys(QUERIES);
  const queryClient = async (c: number) => {
    const token = tokens[c % tokens.length]!.query;
    for (let i = c; running(); i++) {
      const name = names[i % names.length]!;
      const r = await timedFetch(stats.get(name)!, queryUrl, { method: 'POST', body: JSON.stringify({ query: QUERIES[name], timespan: 'P1D' }), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, opts.requestTimeoutMs);
      if (typeof r === 'object' && (r.status === 429 || r.status === 503) && r.retryAfterSec !== undefined) await sleep(Math.min(r.retryAfterSec * 1000, Math.max(0, endAt - performance.now())));
    }
  };
  try {
    await Promise.all([...Array.from({ length: opts.ingestClients }, (_, c) => ingestClient(c)), ...Array.from({ length: opts.queryClients }, (_, c) => queryClient(c))]);
    clearInterval(sampler);
    const elapsedSec = (performance.now() - t0) / 1000;
    log(`load done after ${elapsedSec.toFixed(1)} s; counting every acknowledged row back`);

    // Every acknowledged batch must be stored exactly once, whole.
    const res = await fetch(queryUrl, {
      method: 'POST',
      body: JSON.stringify({ query: `${LOAD_TABLE} | summarize n = count() by Client, Batch`, timespan: 'P1D' }),
      headers: { authorization: `Bearer ${tokens[0]!.query}`, 'content-type': 'application/json' },
    });
    if (res.status !== 200) throw new Error(`counting rows back: ${res.status} ${await res.text()}`);
    const stored = new Map<string, number>();
    for (const [client, batch, n] of ((await res.json()) as { tables: { rows: [string, number, number][] }[] }).tables[0]!.rows) stored.set(`${client}/${batch}`, Number(n));
    let lostAcknowledged = 0;
    let duplicated = 0;
    let storedUnacknowledged = 0;
    let storedRows = 0;
    for (const [client, batches] of acked) {
      for (const batch of batches) {
        const n = stored.get(`${client}/${batch}`) ?? 0;
        if (n < opts.batchRows) lostAcknowledged += opts.batchRows - n;
      }
    }
    for (const [key, n] of stored) {
      storedRows += n;
      if (n > opts.batchRows) duplicated += n - opts.batchRows;
      const [client, batch] = key.split('/') as [string, string];
      if (!acked.get(client)?.has(Number(batch)) && !unknown.get(client)?.has(Number(batch))) storedUnacknowledged += n;
    }
    const operations: LoadReport['operations'] = {};
    for (const [name, s] of stats) {
      const sorted = [...s.latenciesMs].sort((a, b2) => a - b2);
      const r1 = (x: number) => Math.round(x * 10) / 10;
      operations[name] = { count: sorted.length, p50Ms: r1(percentile(sorted, 50)), p95Ms: r1(percentile(sorted, 95)), p99Ms: r1(percentile(sorted, 99)), maxMs: r1(sorted.at(-1) ?? 0), outcomes: s.outcomes, statuses: s.statuses };
    }
    const afterWarmup = samples.filter((x) => x.t >= opts.warmupSec);
    const warm = afterWarmup[0] ?? samples[0];
    const rss = {
      warmupMiB: warm?.rssMiB ?? 0,
      endMiB: samples.at(-1)?.rssMiB ?? 0,
      maxMiB: Math.max(0, ...samples.map((x) => x.rssMiB)),
      growthAfterWarmupMiB: (samples.at(-1)?.rssMiB ?? 0) - (warm?.rssMiB ?? 0),
    };
    const violations: string[] = [];
    if (lostAcknowledged > 0) violations.push(`${lostAcknowledged} acknowledged rows are missing`);
    if (duplicated > 0) violations.push(`${duplicated} rows are stored more than once`);
    if (storedUnacknowledged > 0) violations.push(`${storedUnacknowledged} rows are stored from requests that were refused`);
    for (const [name, s] of stats) {
      if (s.outcomes.timeout > 0) violations.push(`${name}: ${s.outcomes.timeout} requests timed out after ${opts.requestTimeoutMs} ms (overload must answer 429/503 with Retry-After)`);
      if (s.outcomes.networkError > 0) violations.push(`${name}: ${s.outcomes.networkError} requests failed at the network level`);
      if (s.outcomes.throttledWithoutRetryAfter > 0) violations.push(`${name}: ${s.outcomes.throttledWithoutRetryAfter} 429 answers without Retry-After`);
      if (s.outcomes.otherStatus > 0) violations.push(`${name}: unexpected statuses ${JSON.stringify(s.statuses)}`);
    }
    if (ackedRows === 0) violations.push('no row was acknowledged');
    return {
      options: { ...opts, progress: undefined } as LoadReport['options'],
      startedAt: startedAt.toISOString(),
      elapsedSec: Math.round(elapsedSec * 10) / 10,
      operations,
      samples,
      rss,
      rows: { acknowledged: ackedRows, stored: storedRows, lostAcknowledged, duplicated, unknownOutcomeBatches: [...unknown.values()].reduce((n, s) => n + s.size, 0), storedUnacknowledged },
      violations,
    };
  } finally {
    clearInterval(sampler);
    await vigil.dispose();
  }
}
