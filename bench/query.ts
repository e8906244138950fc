/**
 * Query latency: KQL through `LogsQueryClient.queryWorkspace` against a real Vigil process holding
 * N rows, against the hand-written DuckDB SQL for the same question on a DuckDB file holding the
 * same rows, in the same run. Both answers are compared before anything is timed.
 */
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { answerDifference, type Answer, type Comparison } from './answers.js';
import {
  BATCH, SPAN_MS, TABLE, benchEndMs, emitResult, latency, makeBatch, openBaseline, parseOptions, pool, progress, startBenchVigil, timed,
  uploadBatch, type Latency,
} from './support.js';

const HOUR = 3_600_000;
const WARMUP_RUNS = 3;
const LOAD_CONCURRENCY = 8;

interface Case extends Comparison {
  kql: string;
  sql: string;
  /** Both answers must have the same columns in the same order (a `SELECT *` against a whole row). */
  sameColumns?: boolean;
}

const CASES: Case[] = [
  {
    name: 'count by bin(5m)',
    kql: `${TABLE} | summarize count() by bin(TimeGenerated, 5m)`,
    sql: `SELECT time_bucket(INTERVAL 5 MINUTE, "TimeGenerated") AS TimeGenerated, count(*) AS count_ FROM T GROUP BY 1`,
    compare: ['TimeGenerated', 'count_'],
    ordered: false,
  },
  {
    name: "where Level == 'Error' | count",
    kql: `${TABLE} | where Level == 'Error' | count`,
    sql: `SELECT count(*) AS Count FROM T WHERE "Level" = 'Error'`,
    compare: ['Count'],
    ordered: true,
  },
  {
    name: 'avg(DurationMs) by Service',
    kql: `${TABLE} | summarize avg(DurationMs) by Service`,
    sql: `SELECT "Service", avg("DurationMs") AS avg_DurationMs FROM T GROUP BY 1`,
    compare: ['Service', 'avg_DurationMs'],
    ordered: false,
  },
  {
    name: 'top 10 by DurationMs',
    kql: `${TABLE} | top 10 by DurationMs`,
    sql: `SELECT * FROM T ORDER BY "DurationMs" DESC NULLS LAST LIMIT 10`,
    // Whole rows, every column both sides hold — except `_ItemId` (a GUID each side generates on its
    // own) and `_TimeReceived` (when each side received the row), which cannot match. The columns
    // themselves (names, order) are checked apart, below.
    compare: ['TenantId', 'TimeGenerated', 'Level', 'Service', 'DurationMs', 'Code', 'Message', 'Props', 'Type', '_ResourceId', '_BilledSize'],
    strings: ['TenantId', 'Level', 'Service', 'Message', 'Type', '_ResourceId'],
    sameColumns: true,
    ordered: true,
  },
  {
    name: "where Message has 'timeout' | count",
    kql: `${TABLE} | where Message has 'timeout' | count`,
    // The rows contain "timeout" only as a whole word, so a substring match is the same question.
    sql: `SELECT count(*) AS Count FROM T WHERE "Message" ILIKE '%timeout%'`,
    compare: ['Count'],
    ordered: true,
  },
];

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
const batchCount = Math.ceil(total / BATCH);
const endMs = benchEndMs();
// Fixed bounds around the rows, or (--duration) the last `duration` up to now, moving with every request.
const timespan = opts.duration ? { duration: opts.duration } : { startTime: new Date(endMs - SPAN_MS - HOUR), endTime: new Date(endMs + HOUR) };
if (opts.duration) process.stderr.write(`query: the SDK sends timespan duration ${opts.duration}\n`);
const batch = (b: number) => makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs);
const every = Math.max(1, Math.floor(batchCount / 10));

process.stderr.write(`query: ${total.toLocaleString('en')} rows, ${WARMUP_RUNS} warm-up + ${opts.runs} timed runs per query\n`);

let baseline: Awaited<ReturnType<typeof openBaseline>> | undefined;
let v: Awaited<ReturnType<typeof startBenchVigil>> | undefined;
try {
  // ---- setup (not measured): the same rows in DuckDB and in Vigil. Vigil starts first (and idles while
  // DuckDB loads): the baseline's TenantId is the customer id of Vigil's workspace.
  progress('starting Vigil');
  v = await startBenchVigil();
  const vigil = v;
  baseline = await openBaseline({ tenantId: vigil.vigil.bootstrap.workspaceId, type: TABLE, resourceId: null });
  progress('loading the DuckDB baseline');
  for (let b = 0; b < batchCount; b++) await baseline.append(batch(b));
  await baseline.conn.run('CHECKPOINT');
  const duck = baseline;
  let done = 0;
  const load = await timed(() =>
    pool(batchCount, LOAD_CONCURRENCY, async (b) => {
      await uploadBatch(vigil, batch(b));
      if (++done % every === 0) progress(`loading Vigil: ${(done * BATCH).toLocaleString('en')} rows`);
    }),
  );
  progress(`loaded Vigil in ${(load.ms / 1000).toFixed(1)} s (${Math.round((total / load.ms) * 1000).toLocaleString('en')} rows/s at concurrency ${LOAD_CONCURRENCY})`);

  // The SDK's client, with a policy that keeps each answer's Server-Timing header (where the server's time went).
  let lastTiming = '';
  const queryClient = new LogsQueryClient(vigil.clients.credential, {
    endpoint: `${vigil.vigil.bootstrap.endpoint}/v1`,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'keepServerTiming',
          sendRequest: async (request, next) => {
            const response = await next(request);
            lastTiming = response.headers.get('server-timing') ?? '';
            return response;
          },
        },
      },
    ],
  });
  const runVigil = async (kql: string, includeQueryStatistics = false): Promise<Answer & { statistics?: unknown }> => {
    const r = await queryClient.queryWorkspace(vigil.vigil.bootstrap.workspaceId, kql, timespan, { includeQueryStatistics });
    if (r.status !== LogsQueryResultStatus.Success) throw new Error(`Vigil query failed: ${kql}\n${JSON.stringify(r, null, 1)}`);
    const t = r.tables[0]!;
    return { columns: t.columnDescriptors.map((c) => c.name ?? ''), rows: t.rows as unknown[][], statistics: r.statistics };
  };
  const runDuck = async (sql: string): Promise<Answer> => {
    const reader = await duck.conn.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJS() as unknown[][] };
  };

  // Background work started by the load (e.g. sealing hot rows into segments) should not overlap the
  // timed runs: wait until the server's storage counters stop moving (at most 60 s).
  let last = '';
  for (let i = 0, same = 0; i < 60 && same < 2; i++) {
    const { executionTimeMs: _t, ...counters } = (storageStatistics((await runVigil(`${TABLE} | count`, true)).statistics) ?? {}) as Record<string, unknown>;
    const st = JSON.stringify(counters);
    same = st === last ? same + 1 : 0;
    last = st;
    if (same < 2) await new Promise((r) => setTimeout(r, 1000));
  }
  progress(`storage settled: ${last}`);

  // ---- the same answer on both sides, or the figures mean nothing.
  const totalCount = Number((await runVigil(`${TABLE} | count`)).rows[0]![0]);
  if (totalCount !== total) throw new Error(`Vigil holds ${totalCount} rows, expected ${total}`);

  const results = [];
  for (const c of CASES) {
    progress(`${c.name}: checking answers`);
    let vigilAnswer: (Answer & { statistics?: unknown }) | undefined;
    let error: string | undefined;
    try {
      // With the server's statistics (not timed): they tell where the time goes.
      vigilAnswer = await runVigil(c.kql, true);
    } catch (err) {
      error = (err as Error).message.split('\n').slice(0, 4).join(' ');
    }
    const duckAnswer = await runDuck(c.sql);
    const columnsDiffer =
      c.sameColumns && vigilAnswer && vigilAnswer.columns.join() !== duckAnswer.columns.join()
        ? `columns: Vigil [${vigilAnswer.columns.join(', ')}] vs DuckDB [${duckAnswer.columns.join(', ')}]`
        : undefined;
    const diff = vigilAnswer ? (columnsDiffer ?? answerDifference(vigilAnswer, duckAnswer, c)) : error;
    const check = {
      ok: diff === undefined,
      groups: { vigil: vigilAnswer?.rows.length ?? null, duckdb: duckAnswer.rows.length },
      ...(c.compare.includes('count_')
        ? { totalCount: { vigil: vigilAnswer ? sumColumn(vigilAnswer, 'count_') : null, duckdb: sumColumn(duckAnswer, 'count_') } }
        : {}),
      ...(diff ? { difference: diff } : {}),
    };
    if (diff) {
      progress(`${c.name}: WRONG ANSWER — ${diff}; not timed`);
      results.push({ name: c.name, kql: c.kql, sql: c.sql, check });
      continue;
    }
    for (let i = 0; i < WARMUP_RUNS; i++) {
      await runVigil(c.kql);
      await runDuck(c.sql);
    }
    const vigilMs: number[] = [];
    const duckMs: number[] = [];
    const phases = new Map<string, number[]>();
    for (let i = 0; i < opts.runs; i++) {
      // Interleaved, so drift (GC, page cache, turbo) hits both sides alike.
      vigilMs.push((await timed(() => runVigil(c.kql))).ms);
      for (const m of lastTiming.matchAll(/([a-z]+);dur=([0-9.]+)/g)) phases.set(m[1]!, [...(phases.get(m[1]!) ?? []), Number(m[2])]);
      duckMs.push((await timed(() => runDuck(c.sql))).ms);
    }
    const vl: Latency = latency(vigilMs);
    const dl: Latency = latency(duckMs);
    const ratio = Math.round((vl.medianMs / dl.medianMs) * 100) / 100;
    // Median of each Server-Timing phase: the server's share of the end-to-end time, and where it goes.
    const serverTiming = Object.fromEntries([...phases].map(([k, v]) => [k, latency(v).medianMs]));
    progress(`${c.name}: Vigil ${vl.medianMs} ms, DuckDB ${dl.medianMs} ms (median), ×${ratio}; server (median ms) ${JSON.stringify(serverTiming)}`);
    results.push({ name: c.name, kql: c.kql, sql: c.sql, vigil: vl, duckdb: dl, ratio, check, vigilStorage: storageStatistics(vigilAnswer?.statistics), serverTiming });
  }
  emitResult({ suite: 'query', rows: total, warmupRuns: WARMUP_RUNS, loadRowsPerSecond: Math.round((total / load.ms) * 1000), queries: results });
  if (results.some((r) => !r.check.ok)) process.exitCode = 1;
} finally {
  await v?.dispose();
  baseline?.dispose();
}

function sumColumn(a: Answer, name: string): number {
  const i = a.columns.indexOf(name);
  return a.rows.reduce((s, r) => s + Number(r[i]), 0);
}

/** The server's own execution time and storage counters (segments opened, hot rows…), if it reports them. */
function storageStatistics(statistics: unknown): unknown {
  const q = (statistics as { query?: { executionTime?: number; storage?: Record<string, unknown> } } | undefined)?.query;
  if (!q) return null;
  const { tables: _tables, ...storage } = q.storage ?? {};
  return { executionTimeMs: q.executionTime === undefined ? null : Math.round(q.executionTime * 1e5) / 100, ...storage };
}
