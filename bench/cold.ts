/**
 * The cold query (issue #20): the first query after a restart. N rows (default 10,000,000; --quick
 * 1,000,000) are sealed into the storage engine's encrypted segments and written to a native DuckDB
 * file; both are closed. Then, for each query, a fresh Node process opens the engine on its data folder
 * and runs the query once (`bench/cold-child.ts`), and another fresh process opens the native file and
 * runs the same query once — alternating, `--runs` times (at most 5). Both sides find their files in
 * the OS page cache (written moments before), so the difference is what each does with them: Vigil
 * decrypts and loads segments, DuckDB reads its blocks. Ratio = Vigil's median first-query time ÷
 * DuckDB's (goal ≤ 2); the opening (keys, manifests, log replay / the file's catalog) is reported apart.
 *
 *   node dist/bench/cold.js [--quick] [--rows N] [--runs N]
 *
 * `VIGIL_BENCH_COLD_COMPARE=/other/checkout/dist/bench/cold-child.js` also times another build's
 * engine on the same files in the same rounds (before/after figures from one run).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { StoredValue } from '../src/store/column-types.js';
import { StorageEngine } from '../src/store/engine.js';
import { ticksFromUnixMicros, unixMicrosFromTicks } from '../src/kql/literals.js';
import { compile } from '../src/kql/index.js';
import { DEFAULT_QUERY_LIMITS } from '../src/query/query-service.js';
import { wireStatement } from '../src/query/wire-format.js';
import { answerDifference } from './answers.js';
import { benchEndMs, COLUMNS, emitResult, latency, makeRow, parseOptions, progress, type LogRow } from './support.js';

const WS = '5e0f2a4b-0c1d-4e2f-8a9b-000000000002';
const TABLE = 'BenchLogs_CL';
const opts = parseOptions();
const N = opts.rows ?? (opts.quick ? 1_000_000 : 10_000_000);
const RUNS = Math.max(1, Math.min(opts.runs, 5));
const end = benchEndMs();
const run = promisify(execFile);
const child = fileURLToPath(new URL('./cold-child.js', import.meta.url));

// The statement the Query API runs for `T | count` (compiled, cast for the wire, under the row cap).
const apiCount = compile(`${TABLE} | count`, { resolveTable: (n) => (n === TABLE ? { sql: '{T}', columns: COLUMNS.map((c) => ({ ...c })) } : undefined) }, { now: new Date(end) });
/** [name, SQL for DuckDB's file (and for Vigil unless the third is given), SQL for Vigil]. */
const QUERIES: [string, string, string?][] = [
  ['count()', 'SELECT count(*) FROM {T}'],
  ['T | count, as the API runs it', 'SELECT count(*) FROM {T}', wireStatement(apiCount.sql, apiCount.columns, DEFAULT_QUERY_LIMITS.maxRows)],
  ['avg(DurationMs) by Service', 'SELECT "Service", avg("DurationMs") FROM {T} GROUP BY 1 ORDER BY 1'],
  ['top 10 by DurationMs', 'SELECT "DurationMs" FROM {T} ORDER BY "DurationMs" DESC LIMIT 10'],
  ['count over the last day', 'SELECT count(*) FROM {T} WHERE "TimeGenerated" >= {SINCE}'],
];
// Vigil stores datetimes as BIGINT 100-ns ticks (src/kql/types.ts), the native file as TIMESTAMP.
const SINCE_US = BigInt(end - 86_400_000) * 1000n;
const forVigil = (sql: string) => sql.replaceAll('{SINCE}', `${ticksFromUnixMicros(SINCE_US)}`);
const forDuckDb = (sql: string) => sql.replaceAll('{SINCE}', `make_timestamp(${SINCE_US})`);

const stored = (r: LogRow): StoredValue[] => [ticksFromUnixMicros(BigInt(Date.parse(r.TimeGenerated)) * 1000n), r.Level, r.Service, r.DurationMs, r.Code, r.Message, JSON.stringify(r.Props)];

async function appendNative(native: DuckDBConnection, rows: StoredValue[][]): Promise<void> {
  const a = await native.createAppender('T');
  for (const r of rows) {
    a.appendTimestamp(new DuckDBTimestampValue(unixMicrosFromTicks(r[0] as bigint)));
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

interface ChildResult {
  openMs: number;
  firstQueryMs: number;
  /** Process CPU time of the first query (absent from builds before it was measured). */
  firstQueryCpuMs?: number;
  rows: unknown[][];
  statistics?: { segmentsOpened: number; segmentsCounted?: number; segmentsDecrypted: number; bytesDecrypted: number };
}
const once = async (args: string[], script = child): Promise<ChildResult> => JSON.parse((await run(process.execPath, [script, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout) as ChildResult;
const otherChild = process.env.VIGIL_BENCH_COLD_COMPARE;

const dirs: string[] = [];
try {
  const engineDir = mkdtempSync(join(tmpdir(), 'vigil-bench-cold-'));
  const nativeDir = mkdtempSync(join(tmpdir(), 'vigil-bench-cold-native-'));
  dirs.push(engineDir, nativeDir);
  const nativeFile = join(nativeDir, 'native.duckdb');
  progress(`cold: loading ${N.toLocaleString('en')} rows into the engine (sealed) and a native DuckDB file`);
  const engine = await StorageEngine.open({ dataDir: engineDir, sealAgeMs: 3_600_000, sealRows: 2_000_000, partitionMs: 86_400_000, log: () => undefined });
  await engine.attachWorkspaces([{ workspaceId: WS, tables: [{ name: TABLE, columns: COLUMNS.map((c) => ({ ...c })) }] }]);
  const inst = await DuckDBInstance.create(nativeFile, { threads: '2', memory_limit: '4GB' });
  const native = await inst.connect();
  await native.run("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  await native.run('CREATE TABLE T ("TimeGenerated" TIMESTAMP, "Level" VARCHAR, "Service" VARCHAR, "DurationMs" DOUBLE, "Code" INTEGER, "Message" VARCHAR, "Props" JSON)');
  const LOAD = 50_000;
  for (let i = 0; i < N; i += LOAD) {
    const rows = Array.from({ length: Math.min(LOAD, N - i) }, (_, k) => stored(makeRow(i + k, N, end)));
    await engine.append(WS, TABLE, COLUMNS.map((c) => ({ ...c })), rows);
    await appendNative(native, rows);
    if ((i / LOAD) % 20 === 0) progress(`  ${(i + rows.length).toLocaleString('en')} rows`);
    if (engine.status().hotRows >= 2_000_000) await engine.sealDue(true);
  }
  await engine.sealDue(true);
  await native.run('CHECKPOINT');
  const st = engine.status();
  progress(`  ${st.segments} segments, ${Math.round(st.segmentBytes / 1048576)} MiB encrypted, ${st.hotRows} hot rows`);
  await engine.close();
  native.closeSync();
  inst.closeSync();

  const queries = [];
  for (const [name, sql, vigilSql = sql] of QUERIES) {
    const vigil: ChildResult[] = [];
    const duck: ChildResult[] = [];
    const other: ChildResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      vigil.push(await once(['vigil', engineDir, WS, TABLE, forVigil(vigilSql)]));
      duck.push(await once(['duckdb', nativeFile, '-', '-', forDuckDb(sql)]));
      if (otherChild) other.push(await once(['vigil', engineDir, WS, TABLE, forVigil(vigilSql)], otherChild));
    }
    const o = other.length > 0 ? latency(other.map((x) => x.firstQueryMs)) : undefined;
    const v = latency(vigil.map((x) => x.firstQueryMs));
    const d = latency(duck.map((x) => x.firstQueryMs));
    const columns = (vigil[0]!.rows[0] ?? []).map((_, k) => String(k));
    const difference = answerDifference({ columns, rows: vigil[0]!.rows }, { columns, rows: duck[0]!.rows }, { name, compare: columns, ordered: true }, ['vigil', 'duckdb']);
    if (difference) process.exitCode = 1;
    const ratio = Math.round((v.medianMs / d.medianMs) * 100) / 100;
    const openVigil = latency(vigil.map((x) => x.openMs)).medianMs;
    const openDuck = latency(duck.map((x) => x.openMs)).medianMs;
    const otherRatio = o && Math.round((o.medianMs / d.medianMs) * 100) / 100;
    const cpuOf = (xs: ChildResult[]) => (xs.every((x) => x.firstQueryCpuMs !== undefined) && xs.length > 0 ? latency(xs.map((x) => x.firstQueryCpuMs!)).medianMs : undefined);
    const cpu = { vigil: cpuOf(vigil), duckdb: cpuOf(duck), ...(otherChild ? { otherBuild: cpuOf(other) } : {}) };
    progress(
      `  ${name.padEnd(28)} first query: Vigil ${v.medianMs} ms, DuckDB ${d.medianMs} ms, ×${ratio}${o ? ` (other build ${o.medianMs} ms, ×${otherRatio})` : ''}; ` +
        `CPU: Vigil ${cpu.vigil ?? '-'} ms, DuckDB ${cpu.duckdb ?? '-'} ms${otherChild ? `, other build ${cpu.otherBuild ?? '-'} ms` : ''}; ` +
        `opening: Vigil ${openVigil} ms, DuckDB ${openDuck} ms${o ? ` (other build ${latency(other.map((x) => x.openMs)).medianMs} ms)` : ''}; ${JSON.stringify(vigil[0]!.statistics)}${difference ? ` ANSWERS DIFFER: ${difference}` : ''}`,
    );
    queries.push({ name, sql, ...(vigilSql !== sql ? { vigilSql } : {}), vigil: v, duckdb: d, ratio, ...(o ? { otherBuild: o, otherBuildRatio: otherRatio } : {}), cpuMs: cpu, openMs: { vigil: openVigil, duckdb: openDuck, ...(o ? { otherBuild: latency(other.map((x) => x.openMs)).medianMs } : {}) }, statistics: vigil[0]!.statistics, sameAnswer: !difference });
  }
  emitResult({ suite: 'cold', rows: N, segments: st.segments, segmentBytes: st.segmentBytes, runs: RUNS, goal: '<= 2', queries });
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
