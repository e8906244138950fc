/**
 * Storage suite (issue #4), in one process so every ratio comes from the same run and machine:
 *
 * 1. ingest: the same batches appended, with the same concurrency, to the foundation's plain DuckDB
 *    file store and to the storage engine (encrypted write-ahead log, fsync before each append
 *    resolves, group commit) → rows/s and their ratio (goal ≥ 0.7×);
 * 2. query: N rows (default 10,000,000) sealed into encrypted segments, against the same rows in a
 *    native, file-backed DuckDB table → median per query and the ratio (goal ≤ 1.5×), segments
 *    warm in the memory-backed cache, plus the cold first run (decrypting every segment);
 * 3. memory: RSS of the process and bytes of decrypted segments in tmpfs while it holds N rows.
 *
 *   node dist/bench/storage.js [--quick] [--rows N] [--runs N] [--concurrency N]
 *   VIGIL_MEMORY_TIER_MB=0 node dist/bench/storage.js …   (memory tier off: Parquet in tmpfs only)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from '../src/kql/index.js';
import { DUCKDB_TYPE, type StoredValue } from '../src/store/column-types.js';
import { sqlIdent } from '../src/kql/sql.js';
import { ticksFromUnixMicros } from '../src/kql/literals.js';
import { DuckDbStore } from '../src/store/duckdb-store.js';
import { StorageEngine } from '../src/store/engine.js';
import { answerDifference } from './answers.js';
import { COLUMNS as BENCH_COLUMNS, emitResult, latency, parseOptions, progress, timed, pool, benchEndMs, makeRow, type LogRow } from './support.js';

const WS = '5e0f2a4b-0c1d-4e2f-8a9b-000000000001';
const TABLE = 'BenchLogs_CL';
/** The bench table's columns (in process, without the standard columns the server adds). */
const COLUMNS: ColumnSchema[] = BENCH_COLUMNS.map((c) => ({ ...c }));

const opts = parseOptions();
/** Memory tier budget for the engine (MiB; 0 = off, i.e. every segment read as Parquet from tmpfs). */
const MEMORY_TIER_MB = process.env.VIGIL_MEMORY_TIER_MB === undefined ? undefined : Number(process.env.VIGIL_MEMORY_TIER_MB);
const tierBytes = MEMORY_TIER_MB === undefined ? undefined : Math.floor(MEMORY_TIER_MB * 1024 * 1024);

const N = opts.rows ?? (opts.quick ? 1_000_000 : 10_000_000);
const INGEST_ROWS = Math.min(N, opts.quick ? 200_000 : 1_000_000);
const BATCH = 1_000;
const end = benchEndMs();

function stored(r: LogRow): StoredValue[] {
  return [ticks(Date.parse(r.TimeGenerated)), r.Level, r.Service, r.DurationMs, r.Code, r.Message, JSON.stringify(r.Props)];
}
const batchOf = (from: number, count: number, n: number) => Array.from({ length: count }, (_, k) => stored(makeRow(from + k, n, end)));

const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
const dirs: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

async function ingestRate(append: (rows: StoredValue[][]) => Promise<void>): Promise<number> {
  const batches = Math.ceil(INGEST_ROWS / BATCH);
  // Rows are built up front so only the store is timed.
  const data = Array.from({ length: batches }, (_, i) => batchOf(i * BATCH, Math.min(BATCH, INGEST_ROWS - i * BATCH), INGEST_ROWS));
  const { ms } = await timed(() => pool(batches, opts.concurrency, (i) => append(data[i]!)));
  return Math.round(INGEST_ROWS / (ms / 1000));
}

/** Datetimes are stored as 100-ns ticks since 0001-01-01 (src/kql/types.ts), in both tables. */
const ticks = (ms: number): bigint => ticksFromUnixMicros(BigInt(ms) * 1000n);
const FIVE_MINUTES = 3_000_000_000n; // in ticks

const QUERIES: [string, (src: string) => string][] = [
  ['count over 1 day', (s) => `SELECT count(*) FROM ${s} WHERE "TimeGenerated" >= ${ticks(end - 2 * 86_400_000)} AND "TimeGenerated" < ${ticks(end - 86_400_000)}`],
  ['bin 5m by Level', (s) => `SELECT "TimeGenerated" // ${FIVE_MINUTES} * ${FIVE_MINUTES} AS b, "Level", count(*), avg("DurationMs") FROM ${s} GROUP BY ALL ORDER BY b, "Level" LIMIT 100`],
  ['Message ILIKE %timeout%', (s) => `SELECT count(*) FROM ${s} WHERE "Message" ILIKE '%timeout%'`],
  ['Props.region group by', (s) => `SELECT json_extract_string("Props", '$.region') AS r, count(*) FROM ${s} GROUP BY r ORDER BY r`],
  ['top 10 by DurationMs', (s) => `SELECT * FROM ${s} ORDER BY "DurationMs" DESC LIMIT 10`],
  ['p95 by Service', (s) => `SELECT "Service", count(*), quantile_cont("DurationMs", 0.95) FROM ${s} GROUP BY 1 ORDER BY 1`],
];

async function appendNative(native: DuckDBConnection, rows: StoredValue[][]): Promise<void> {
  const a = await native.createAppender('T');
  for (const r of rows) {
    a.appendBigInt(r[0] as bigint);
    a.appendVarchar(r[1] as string);
    a.appendVarchar(r[2] as string);
    a.appendDouble(r[3] as number);
    a.appendInteger(r[4] as number);
    a.appendVarchar(r[5] as string);
    a.appendVarchar(r[6] as string);
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}

/** Runs every query on the engine and on the native table, interleaved; medians, ratios and answer checks. */
async function timeQueries(engine: StorageEngine, native: DuckDBConnection, src: string) {
  const queries: Record<string, unknown> = {};
  const ratios: number[] = [];
  for (const [name, sql] of QUERIES) {
    const e: number[] = [];
    const n: number[] = [];
    let eRows: unknown[][] = [];
    let nRows: unknown[][] = [];
    for (let r = 0; r < Math.min(opts.runs, 7); r++) {
      const a = await timed(() => engine.query(sql(src), { timeoutMs: 600_000, tables: [{ workspaceId: WS, table: TABLE }] }));
      e.push(a.ms);
      eRows = a.value.rows;
      const b = await timed(async () => (await native.runAndReadAll(sql('T'))).getRowsJS());
      n.push(b.ms);
      nRows = b.value as unknown[][];
    }
    const le = latency(e);
    const ln = latency(n);
    const ratio = Math.round((le.medianMs / ln.medianMs) * 100) / 100;
    ratios.push(ratio);
    // top 10: ties in DurationMs may order differently; compare the sort key only.
    const columns = (eRows[0] ?? nRows[0] ?? []).map((_, k) => String(k));
    const difference = answerDifference(
      { columns, rows: eRows },
      { columns, rows: nRows },
      { name, compare: name.startsWith('top') ? ['3'] : columns, ordered: true },
      ['engine', 'native'],
    );
    if (difference) process.exitCode = 1;
    queries[name] = { engine: le, native: ln, ratio, sameAnswer: !difference, ...(difference ? { difference } : {}) };
    const note = difference ? `  (answers differ! ${difference})` : '';
    progress(`  ${name.padEnd(26)} engine ${le.medianMs.toFixed(1).padStart(8)} ms   native ${ln.medianMs.toFixed(1).padStart(8)} ms   ×${ratio}${note}`);
  }
  const geo = Math.round(Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length) * 100) / 100;
  const totalE = Object.values(queries).reduce((s: number, q) => s + (q as { engine: { medianMs: number } }).engine.medianMs, 0);
  const totalN = Object.values(queries).reduce((s: number, q) => s + (q as { native: { medianMs: number } }).native.medianMs, 0);
  return { queries, geometricMeanRatio: geo, sumOfMediansRatio: Math.round((totalE / totalN) * 100) / 100 };
}

async function main() {
  const result: Record<string, unknown> = { suite: 'storage', rows: N, ingestRows: INGEST_ROWS, concurrency: opts.concurrency, batch: BATCH };

  // ---------------------------------------------------------------- 1. ingest
  progress(`ingest: ${INGEST_ROWS} rows, batches of ${BATCH}, ${opts.concurrency} concurrent appends`);
  const plain = await DuckDbStore.open({ dataDir: temp('vigil-bench-plain-') });
  await plain.ensureTable(WS, TABLE, COLUMNS);
  const plainRate = await ingestRate((rows) => plain.append(WS, TABLE, COLUMNS, rows));
  await plain.close();
  progress(`  plain DuckDB file store: ${plainRate} rows/s`);
  const engDir = temp('vigil-bench-engine-');
  let engine = await StorageEngine.open({ dataDir: engDir, sealAgeMs: 3_600_000, log: () => undefined });
  await engine.attachWorkspaces([{ workspaceId: WS, tables: [{ name: TABLE, columns: COLUMNS }] }]);
  const syncsBefore = engine.status().walSyncs;
  const engineRate = await ingestRate((rows) => engine.append(WS, TABLE, COLUMNS, rows));
  const syncs = engine.status().walSyncs - syncsBefore;
  progress(`  storage engine (encrypted WAL, fsync, group commit): ${engineRate} rows/s, ${syncs} fsyncs for ${Math.ceil(INGEST_ROWS / BATCH)} appends`);
  result.ingest = { plainRowsPerSec: plainRate, engineRowsPerSec: engineRate, ratio: Math.round((engineRate / plainRate) * 100) / 100, goal: '>= 0.7', fsyncs: syncs, appends: Math.ceil(INGEST_ROWS / BATCH) };
  await engine.close();
  rmSync(engDir, { recursive: true, force: true });

  // ---------------------------------------------------------------- 2. query: load N rows into both
  progress(`query: loading ${N} rows into the engine (sealed) and into a native DuckDB table`);
  const qDir = temp('vigil-bench-query-');
  // Sealed here every 2M rows (hotMaxBytes off: 2M rows' log records exceed its default), as before the bound existed.
  engine = await StorageEngine.open({ dataDir: qDir, sealAgeMs: 3_600_000, sealRows: 2_000_000, hotMaxBytes: 0, partitionMs: 86_400_000, memoryTierBytes: tierBytes, log: () => undefined });
  await engine.attachWorkspaces([{ workspaceId: WS, tables: [{ name: TABLE, columns: COLUMNS }] }]);
  const baseDir = temp('vigil-bench-native-');
  const inst = await DuckDBInstance.create(join(baseDir, 'native.duckdb'), { threads: '2', memory_limit: '4GB' });
  const native = await inst.connect();
  await native.run("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  // The same column types the engine stores (datetimes as BIGINT ticks), so both run the same SQL.
  await native.run(`CREATE TABLE T (${COLUMNS.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
  const LOAD = 50_000;
  const loaded = await timed(async () => {
    for (let i = 0; i < N; i += LOAD) {
      const rows = batchOf(i, Math.min(LOAD, N - i), N);
      await engine.append(WS, TABLE, COLUMNS, rows);
      await appendNative(native, rows);
      if ((i / LOAD) % 20 === 0) progress(`  ${i + rows.length} rows`);
      if (engine.status().hotRows >= 2_000_000) await engine.sealDue(true);
    }
    await engine.sealDue(true);
    await native.run('CHECKPOINT');
  });
  const st = engine.status();
  progress(`  loaded in ${(loaded.ms / 1000).toFixed(1)} s: ${st.segments} segments, ${mib(st.segmentBytes)} MiB encrypted, ${st.hotRows} hot rows`);
  const src = engine.tableSource(WS, TABLE);
  // Cold: the cache is emptied, so the first query decrypts every segment it needs.
  engine.cache.clear();
  await engine.memory.clear();
  const cold = await timed(() => engine.query(`SELECT count(*) FROM ${src}`, { timeoutMs: 600_000, tables: [{ workspaceId: WS, table: TABLE }] }));
  progress(`  cold count(*) (decrypt ${cold.value.statistics?.segmentsDecrypted} segments, ${mib(cold.value.statistics?.bytesDecrypted ?? 0)} MiB): ${cold.ms.toFixed(0)} ms`);
  const sealed = await timeQueries(engine, native, src);
  result.query = { ...sealed, goal: '<= 1.5', coldFirstQueryMs: Math.round(cold.ms), segments: st.segments, segmentBytes: st.segmentBytes };
  progress(`  ratio: geometric mean ×${sealed.geometricMeanRatio}, sum of medians ×${sealed.sumOfMediansRatio}`);

  // The same queries while the newest rows are still hot (unsealed), as on a live server: the view
  // is then a UNION ALL of the hot table and the memory tier, which DuckDB cannot late-materialize.
  const HOT = Math.min(50_000, Math.max(1, Math.floor(N / 100)));
  progress(`query with ${HOT} more rows hot (not sealed), as on a live server`);
  const hotRows = batchOf(N, HOT, N + HOT);
  await engine.append(WS, TABLE, COLUMNS, hotRows);
  await appendNative(native, hotRows);
  const withHot = await timeQueries(engine, native, src);
  result.queryWithHotRows = { hotRows: HOT, ...withHot };
  progress(`  ratio: geometric mean ×${withHot.geometricMeanRatio}, sum of medians ×${withHot.sumOfMediansRatio}`);

  // ---------------------------------------------------------------- 3. memory
  native.closeSync();
  inst.closeSync();
  if (global.gc) global.gc();
  const mem = process.memoryUsage();
  const s2 = engine.status();
  result.memory = {
    rows: N,
    rssMiB: mib(mem.rss),
    heapUsedMiB: mib(mem.heapUsed),
    memoryTierMiB: mib(s2.memoryTierBytes),
    memoryTierSegments: s2.memoryTierSegments,
    decryptedSegmentCacheMiB: mib(s2.cacheBytes),
    encryptedSegmentsMiB: mib(s2.segmentBytes),
    note: 'RSS of this process (engine only; the native baseline is closed; it includes the memory tier) plus the tmpfs Parquet cache, which is not in RSS',
  };
  progress(
    `memory holding ${N} rows: RSS ${mib(mem.rss)} MiB (memory tier: ${s2.memoryTierSegments} segments, ${mib(s2.memoryTierBytes)} MiB) + decrypted Parquet in tmpfs ${mib(s2.cacheBytes)} MiB (encrypted on disk: ${mib(s2.segmentBytes)} MiB)`,
  );
  await engine.close();
  emitResult(result);
}

try {
  await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
