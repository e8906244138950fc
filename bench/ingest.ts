/**
 * Ingestion throughput: rows per second through `LogsIngestionClient.upload` (1,000-row calls, a
 * few in flight) into a real Vigil process, against the same rows appended straight into a
 * file-backed DuckDB with the DuckDBAppender in 1,000-row transactions, in the same run.
 */
import { readFileSync } from 'node:fs';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import {
  BATCH, TABLE, benchEndMs, emitResult, makeBatch, openBaseline, parseOptions, pool, progress, startBenchVigil, timed, uploadBatch,
  type Baseline, type LogRow,
} from './support.js';

const WARMUP_BATCHES = 5;
const ROUNDS = 5;

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 20_000 : 200_000);
const batchCount = Math.ceil(total / BATCH);
const endMs = benchEndMs();
// Rows are made before timing; both sides get the same objects. Warm-up rows come after them.
const batches: LogRow[][] = Array.from({ length: batchCount }, (_, b) => makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs));
const warmup: LogRow[][] = Array.from({ length: WARMUP_BATCHES }, (_, b) => makeBatch(total + b * BATCH, BATCH, total, endMs));
const perSecond = (rows: number, ms: number) => Math.round((rows / ms) * 1000);

/**
 * CPU time (user + system, ms) of a process so far, from /proc (Linux; undefined elsewhere). On a
 * machine shared with other work the wall-clock rates move with its load; the CPU each side spends
 * per row moves far less, so the suite reports both.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

process.stderr.write(`ingest: ${total.toLocaleString('en')} rows in ${batchCount} requests of ${BATCH}, concurrency ${opts.concurrency}, ${ROUNDS} alternating rounds\n`);

// Both sides run in ROUNDS alternating slices (DuckDB slice, then Vigil slice), so that drift in the
// machine's load hits both alike; each side's time is the sum over its slices.
progress('starting Vigil');
const v = await startBenchVigil();
let duckMs = 0;
let vigilMs = 0;
let duckCpuMs = 0;
let vigilCpuMs: number | undefined = 0;
let stored: number | undefined;
let baseline: Baseline | undefined;
try {
  const db = (baseline = await openBaseline());
  for (const w of warmup) await db.append(w);
  await pool(warmup.length, opts.concurrency, (i) => uploadBatch(v, warmup[i]!));
  const perRound = Math.ceil(batchCount / ROUNDS);
  const serverPid = v.vigil.child.pid;
  for (let r = 0; r * perRound < batchCount; r++) {
    const slice = batches.slice(r * perRound, (r + 1) * perRound);
    const ownBefore = ownCpuMs();
    duckMs += (await timed(async () => {
      for (const b of slice) await db.append(b);
    })).ms;
    duckCpuMs += ownCpuMs() - ownBefore;
    const serverBefore = processCpuMs(serverPid);
    vigilMs += (await timed(() => pool(slice.length, opts.concurrency, (i) => uploadBatch(v, slice[i]!)))).ms;
    const serverAfter = processCpuMs(serverPid);
    vigilCpuMs = vigilCpuMs === undefined || serverBefore === undefined || serverAfter === undefined ? undefined : vigilCpuMs + serverAfter - serverBefore;
    const sent = Math.min(total, (r + 1) * perRound * BATCH);
    progress(`${sent.toLocaleString('en')} rows: DuckDB ${perSecond(sent, duckMs).toLocaleString('en')} rows/s, Vigil ${perSecond(sent, vigilMs).toLocaleString('en')} rows/s`);
  }
  // Not timed: every row must have arrived exactly once, on both sides.
  const n = Number((await db.conn.runAndReadAll('SELECT count(*) FROM T')).getRowsJS()[0]![0]);
  if (n !== total + WARMUP_BATCHES * BATCH) throw new Error(`DuckDB baseline holds ${n} rows, expected ${total + WARMUP_BATCHES * BATCH}`);
  const r = await v.clients.query.queryWorkspace(v.vigil.bootstrap.workspaceId, `${TABLE} | count`, { startTime: new Date(0), endTime: new Date(endMs + 3_600_000) });
  if (r.status === LogsQueryResultStatus.Success) stored = Number(r.tables[0]!.rows[0]![0]);
} finally {
  await v.dispose();
  baseline?.dispose();
}

const expected = total + WARMUP_BATCHES * BATCH;
const result = {
  suite: 'ingest',
  rows: total,
  batchRows: BATCH,
  concurrency: opts.concurrency,
  rounds: ROUNDS,
  vigil: { ms: Math.round(vigilMs), rowsPerSecond: perSecond(total, vigilMs) },
  duckdb: { ms: Math.round(duckMs), rowsPerSecond: perSecond(total, duckMs) },
  /** Vigil rows/s divided by DuckDB rows/s (1 = as fast as the bare engine). */
  ratio: Math.round((duckMs / vigilMs) * 1000) / 1000,
  /**
   * CPU per 1,000 rows: the Vigil server process's (every thread; the SDK client not included)
   * against the bench process's while it appends the baseline; ratio = DuckDB's ÷ Vigil's (higher is better).
   */
  cpu:
    vigilCpuMs === undefined
      ? null
      : {
          vigilServerMsPer1000Rows: Math.round((vigilCpuMs / total) * 1000 * 100) / 100,
          duckdbMsPer1000Rows: Math.round((duckCpuMs / total) * 1000 * 100) / 100,
          ratio: Math.round((duckCpuMs / vigilCpuMs) * 1000) / 1000,
        },
  check: { expectedRows: expected, vigilRows: stored ?? null, ok: stored === expected },
};
emitResult(result);
if (!result.check.ok) {
  process.stderr.write(`ingest: Vigil holds ${stored ?? 'an unknown number of'} rows, expected ${expected}\n`);
  process.exitCode = 1;
}
