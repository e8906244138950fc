/**
 * What every benchmark suite shares: command-line options, the synthetic log rows, a real Vigil
 * process with a custom table and data collection rule (set up with the management SDKs exactly as
 * test/e2e/sdk-end-to-end.test.ts does), the DuckDB baseline, timing statistics and result output.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAggregateLogsUploadError } from '@azure/monitor-ingestion';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { sdkClients } from '../test/support/clients.js';
import { startVigil, type VigilProcess } from '../test/support/vigil-process.js';
import { ticksFromUnixMicros } from '../src/kql/literals.js';

/** The bench CA (git-ignored `.bench-data/ca`); run.ts creates it and sets NODE_EXTRA_CA_CERTS to its ca.pem. */
export const BENCH_CA_DIR = resolve(fileURLToPath(new URL('../../.bench-data/ca', import.meta.url)));
/** Where a suite writes its JSON result for run.ts (set by run.ts). */
export const RESULT_ENV = 'VIGIL_BENCH_RESULT';

// ---------------------------------------------------------------- options

export interface BenchOptions {
  quick: boolean;
  /** Rows to ingest / to query over; undefined means the suite's default. */
  rows?: number;
  /** Timed runs per query. */
  runs: number;
  /** Concurrent upload() calls in the timed ingestion. */
  concurrency: number;
  /** Suites to run (run.ts only). */
  suites: string[];
  /**
   * The query suite sends this ISO 8601 duration as the SDK's timespan (`{ duration }`: the server
   * takes the last `duration` up to now, a different start on every request) instead of fixed bounds.
   */
  duration?: string;
}

export function parseOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const o: BenchOptions = { quick: false, runs: 15, concurrency: 4, suites: [] };
  const num = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive whole number (got '${v ?? ''}')`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--rows') o.rows = num(a, argv[++i]);
    else if (a === '--runs') o.runs = num(a, argv[++i]);
    else if (a === '--concurrency') o.concurrency = num(a, argv[++i]);
    else if (a === '--suite') o.suites.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--duration') {
      o.duration = argv[++i] ?? '';
      if (!/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(o.duration)) throw new Error(`--duration needs an ISO 8601 duration such as P9D or PT200H (got '${o.duration}')`);
    } else throw new Error(`unknown option '${a}' (use --quick, --rows N, --runs N, --concurrency N, --suite ingest,query, --duration P9D)`);
  }
  return o;
}

// ---------------------------------------------------------------- output

const t0 = Date.now();
/** Progress goes to stderr, with the seconds since the suite started. */
export function progress(msg: string): void {
  process.stderr.write(`  [${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

/** Writes the suite result where run.ts asked for it (or prints it when run on its own). */
export function emitResult(result: unknown): void {
  const path = process.env[RESULT_ENV];
  if (path) writeFileSync(path, JSON.stringify(result, null, 2));
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

export function requireBenchCa(): void {
  if (!process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error('NODE_EXTRA_CA_CERTS is not set: run the suites through `npm run bench` / `node dist/bench/run.js`.');
  }
}

// ---------------------------------------------------------------- statistics

export function quantile(sorted: number[], q: number): number {
  // Nearest rank: with 15 runs, p95 is the slowest run.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Latency {
  medianMs: number;
  p95Ms: number;
  minMs: number;
  runs: number;
}

export function latency(samplesMs: number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { medianMs: r(quantile(s, 0.5)), p95Ms: r(quantile(s, 0.95)), minMs: r(s[0]!), runs: s.length };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

// ---------------------------------------------------------------- the rows

export const TABLE = 'BenchLogs_CL';
export const STREAM = 'Custom-BenchLogs';
export const BATCH = 1_000;
/** The rows are spread over the 7 days before `endMs`. */
export const SPAN_MS = 7 * 24 * 3_600_000;

/** A type alias (not an interface) so it is assignable to the SDK's Record<string, unknown>. */
export type LogRow = {
  TimeGenerated: string;
  Level: string;
  Service: string;
  DurationMs: number;
  Code: number;
  Message: string;
  Props: { region: string; attempt: number; tenant: string };
};

const SERVICES = ['api', 'billing', 'auth', 'search', 'mailer', 'checkout', 'catalog', 'gateway'] as const;
const REGIONS = ['westeurope', 'eastus', 'southeastasia'] as const;

/** A deterministic number in [0, 1) for (i, salt). */
function unit(i: number, salt: number): number {
  let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** Row `i` of `n`: ~80 % Information, 15 % Warning, 5 % Error; "timeout" appears only as a whole word. */
export function makeRow(i: number, n: number, endMs: number): LogRow {
  const u = unit(i, 1);
  const Level = u < 0.8 ? 'Information' : u < 0.95 ? 'Warning' : 'Error';
  const Service = SERVICES[Math.floor(unit(i, 2) * SERVICES.length)]!;
  const DurationMs = Math.round(-Math.log(1 - unit(i, 3)) * 120_000) / 1000;
  const Code = Level === 'Error' ? (i % 2 ? 500 : 503) : Level === 'Warning' ? (i % 2 ? 429 : 404) : 200;
  const Message =
    Level === 'Error' && i % 3 === 0
      ? `upstream timeout after ${DurationMs} ms calling ${Service}`
      : `${Level === 'Error' ? 'failed' : 'handled'} GET /api/v1/items/${i % 5000} for ${Service} in ${DurationMs} ms`;
  return {
    TimeGenerated: new Date(endMs - 1 - Math.floor((i * SPAN_MS) / n)).toISOString(),
    Level,
    Service,
    DurationMs,
    Code,
    Message,
    Props: { region: REGIONS[i % 3]!, attempt: i % 4, tenant: `t${i % 50}` },
  };
}

/** Rows [from, from + count) of `n`. */
export function makeBatch(from: number, count: number, n: number, endMs: number): LogRow[] {
  return Array.from({ length: count }, (_, k) => makeRow(from + k, n, endMs));
}

/** A whole hour, one hour in the past: every row is older than now, so any timespan ending now covers them. */
export function benchEndMs(): number {
  const HOUR = 3_600_000;
  return Math.floor(Date.now() / HOUR) * HOUR - HOUR;
}

// ---------------------------------------------------------------- Vigil under test

/** The bench table's own columns (the standard columns come on top). */
export const COLUMNS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Level', type: 'string' },
  { name: 'Service', type: 'string' },
  { name: 'DurationMs', type: 'real' },
  { name: 'Code', type: 'int' },
  { name: 'Message', type: 'string' },
  { name: 'Props', type: 'dynamic' },
] as const;

export interface BenchVigil {
  vigil: VigilProcess;
  clients: ReturnType<typeof sdkClients>;
  ruleId: string;
  /** Stops the server and removes its data folder. */
  dispose(): Promise<void>;
}

/**
 * A real Vigil process on 127.0.0.1 (free port) with a temporary data folder seeded with the bench
 * CA, and the table + data collection rule created through the management SDKs.
 */
export async function startBenchVigil(): Promise<BenchVigil> {
  requireBenchCa();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  for (const f of ['ca.pem', 'ca-key.pem']) copyFileSync(join(BENCH_CA_DIR, 'tls', f), join(tlsDir, f));
  let vigil: VigilProcess;
  try {
    // Compact every few seconds, so the timed queries see the steady state a long-running server
    // reaches (merged segments), not the first minutes' one-segment-per-hour layout.
    vigil = await startVigil({ dataDir, env: { VIGIL_COMPACTION_INTERVAL_SECONDS: '5' } });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  try {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, TABLE, {
      schema: { name: TABLE, columns: COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'bench-logs', {
      body: {
        location: 'local',
        streamDeclarations: { [STREAM]: { columns: COLUMNS.map((c) => ({ ...c })) } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: [STREAM], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${TABLE}` }],
      },
    });
    return { vigil, clients, ruleId: rule.immutableId!, dispose: () => vigil.dispose() };
  } catch (err) {
    await vigil.dispose();
    throw err;
  }
}

/** One upload() call of a batch; throws with the service's message if any chunk failed. */
export async function uploadBatch(v: BenchVigil, rows: LogRow[]): Promise<void> {
  try {
    await v.clients.ingestion.upload(v.ruleId, STREAM, rows, { maxConcurrency: 1 });
  } catch (err) {
    const causes = isAggregateLogsUploadError(err) ? err.errors.map((e) => e.cause.message) : [String(err)];
    throw new Error(`upload failed: ${causes.join('; ')}`);
  }
}

// ---------------------------------------------------------------- DuckDB baseline

export interface Baseline {
  conn: DuckDBConnection;
  /** Appends the rows in one transaction with the DuckDBAppender. */
  append(rows: LogRow[]): Promise<void>;
  /** Closes DuckDB and removes its folder. */
  dispose(): void;
}

/**
 * Appends a bench row's columns, in the order of COLUMNS, to a DuckDB appender (the caller ends the
 * row): TimeGenerated as a native TIMESTAMP, or as the BIGINT ticks Vigil stores (src/kql/types.ts).
 */
export function appendLogRow(a: DuckDBAppender, r: LogRow, time: 'timestamp' | 'ticks' = 'timestamp'): void {
  const us = BigInt(Date.parse(r.TimeGenerated)) * 1000n;
  if (time === 'ticks') a.appendBigInt(ticksFromUnixMicros(us));
  else a.appendTimestamp(new DuckDBTimestampValue(us));
  a.appendVarchar(r.Level);
  a.appendVarchar(r.Service);
  a.appendDouble(r.DurationMs);
  a.appendInteger(r.Code);
  a.appendVarchar(r.Message);
  a.appendVarchar(JSON.stringify(r.Props));
}

/**
 * A bench row's `_BilledSize` as Vigil computes it on ingestion (src/ingest/ingest-service.ts,
 * coerceRows): 2, plus per declared column its name's length + 4 and its value's size — a string's
 * (or a dynamic's JSON text's) UTF-8 bytes + 2, 8 for a number or a datetime (stored as ticks).
 */
export function billedSize(r: LogRow): number {
  const text = (s: string) => Buffer.byteLength(s) + 2;
  const names = COLUMNS.reduce((n, c) => n + c.name.length + 4, 2);
  return names + 8 + text(r.Level) + text(r.Service) + 8 + 8 + text(r.Message) + text(JSON.stringify(r.Props));
}

/** What Vigil puts in the standard columns of the bench table's rows (the same for every row). */
export interface StandardValues {
  /** `TenantId`: the workspace's customer id. */
  tenantId: string;
  /** `Type`: the table's name. */
  type: string;
  /** `_ResourceId`: null for rows sent through the Logs Ingestion API without an agent's resource. */
  resourceId: string | null;
}

/** The rows with Vigil's standard columns around the bench ones: one receive time per batch, as Vigil gives every row of a request. */
function appendWithStandardColumns(a: DuckDBAppender, rows: LogRow[], standard: StandardValues): void {
  const received = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
  for (const r of rows) {
    a.appendVarchar(standard.tenantId);
    appendLogRow(a, r);
    a.appendVarchar(standard.type);
    if (standard.resourceId === null) a.appendNull();
    else a.appendVarchar(standard.resourceId);
    a.appendVarchar(randomUUID());
    a.appendTimestamp(received);
    a.appendDouble(billedSize(r));
    a.endRow();
  }
}

/**
 * A file-backed DuckDB in a temporary folder, table `T` with native DuckDB column types (TIMESTAMP
 * for the datetimes). Without `standard`, T holds the 7 bench columns (the ingest suite's baseline).
 * With it (the query suite's), T holds the columns Vigil's bench table holds, in the order a query
 * sees them (src/metadata/standard-columns.ts, tableSchema): TenantId, the 7 bench columns, then
 * Type, _ResourceId, _ItemId, _TimeReceived, _BilledSize — filled as Vigil fills them on ingestion
 * (a new GUID per row, one receive time per appended batch), so `SELECT *` answers the question
 * `| top 10 by DurationMs` asks of Vigil, over rows as wide as Vigil's.
 */
export async function openBaseline(standard?: StandardValues): Promise<Baseline> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-duckdb-'));
  // Same engine settings as Vigil's store: 2 threads, 4 GB.
  const instance = await DuckDBInstance.create(join(dir, 'baseline.duckdb'), { threads: '2', memory_limit: '4GB' });
  const conn = await instance.connect();
  await conn.run("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  const bench = '"TimeGenerated" TIMESTAMP, "Level" VARCHAR, "Service" VARCHAR, "DurationMs" DOUBLE, "Code" INTEGER, "Message" VARCHAR, "Props" JSON';
  await conn.run(
    standard
      ? `CREATE TABLE T ("TenantId" VARCHAR, ${bench}, "Type" VARCHAR, "_ResourceId" VARCHAR, "_ItemId" VARCHAR, "_TimeReceived" TIMESTAMP, "_BilledSize" DOUBLE)`
      : `CREATE TABLE T (${bench})`,
  );
  return {
    conn,
    async append(rows) {
      await conn.run('BEGIN TRANSACTION');
      const a = await conn.createAppender('T');
      if (standard) appendWithStandardColumns(a, rows, standard);
      else {
        for (const r of rows) {
          appendLogRow(a, r);
          a.endRow();
        }
      }
      a.flushSync();
      a.closeSync();
      await conn.run('COMMIT');
    },
    dispose() {
      conn.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
