/**
 * Scale: start-up time and memory of a storage engine holding many workspaces and tables (default
 * 1,000 workspaces × 10 tables = 10,000 tables; --quick: 100 × 10), against a native DuckDB file
 * holding the same tables, each opened by a fresh Node process in the same run. Figures, not
 * assertions: ratio = Vigil ÷ DuckDB for the time to open everything and for the RSS it added.
 */
import { ticksFromUnixMicros } from '../src/kql/literals.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSchema } from '../src/kql/index.js';
import { StorageEngine } from '../src/store/engine.js';
import { emitResult, parseOptions, progress } from './support.js';

const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];
const wsId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const layout = (workspaces: number, tables: number) =>
  Array.from({ length: workspaces }, (_, w) => ({ workspaceId: wsId(w), tables: Array.from({ length: tables }, (_, t) => ({ name: `T${t}_CL`, columns: COLS })) }));
const quietEngine = (dataDir: string) => StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, retentionIntervalMs: 3_600_000, log: () => undefined });
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

// ---- child modes: open what the parent made, report time and RSS added as JSON on stdout
const [mode, dir, wArg, tArg] = process.argv.slice(2);
if (mode === '--open-vigil' || mode === '--open-duckdb') {
  const before = rssMiB();
  const t0 = performance.now();
  let tables = 0;
  if (mode === '--open-vigil') {
    const e = await quietEngine(dir!);
    await e.attachWorkspaces(layout(Number(wArg), Number(tArg)));
    tables = Number(wArg) * Number(tArg);
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, rssAddedMiB: rssMiB() - before, tables }));
    await e.close();
  } else {
    const instance = await DuckDBInstance.create(join(dir!, 'baseline.duckdb'), { threads: '2', memory_limit: '4GB' });
    const conn = await instance.connect();
    tables = Number((await conn.runAndReadAll('SELECT count(*) FROM duckdb_tables()')).getRowsJS()[0]![0]);
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, rssAddedMiB: rssMiB() - before, tables }));
    conn.closeSync();
    instance.closeSync();
  }
  process.exit(0);
}

const opts = parseOptions();
const workspaces = opts.quick ? 100 : 1_000;
const perWorkspace = 10;
const total = workspaces * perWorkspace;
const self = fileURLToPath(import.meta.url);
const openIn = (flag: string, d: string) => {
  const r = spawnSync(process.execPath, [self, flag, d, String(workspaces), String(perWorkspace)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${flag} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; rssAddedMiB: number; tables: number };
};

const vigilDir = mkdtempSync(join(tmpdir(), 'vigil-bench-scale-'));
const duckDir = mkdtempSync(join(tmpdir(), 'vigil-bench-scale-duckdb-'));
try {
  progress(`creating ${workspaces.toLocaleString('en')} workspaces × ${perWorkspace} tables in Vigil's engine (one row per workspace)`);
  const e = await quietEngine(vigilDir);
  await e.attachWorkspaces(layout(workspaces, perWorkspace));
  const now = ticksFromUnixMicros(BigInt(Date.now()) * 1000n); // stored datetimes are ticks (src/kql/types.ts)
  for (let w = 0; w < workspaces; w++) await e.append(wsId(w), 'T0_CL', COLS, [['t', now, `row of workspace ${w}`, BigInt(w)]]);
  await e.close();
  progress('creating the same tables in a native DuckDB file');
  const instance = await DuckDBInstance.create(join(duckDir, 'baseline.duckdb'), { threads: '2', memory_limit: '4GB' });
  const conn = await instance.connect();
  await conn.run('BEGIN TRANSACTION');
  for (let w = 0; w < workspaces; w++) {
    for (let t = 0; t < perWorkspace; t++) await conn.run(`CREATE TABLE "w${w}_T${t}" ("TenantId" VARCHAR, "TimeGenerated" TIMESTAMP, "Msg" VARCHAR, "N" BIGINT)`);
    await conn.run(`INSERT INTO "w${w}_T0" VALUES ('t', now(), 'row', ${w})`);
  }
  await conn.run('COMMIT');
  conn.closeSync();
  instance.closeSync();
  progress('opening each in a fresh process');
  const vigil = openIn('--open-vigil', vigilDir);
  const duckdb = openIn('--open-duckdb', duckDir);
  if (duckdb.tables !== total || vigil.tables !== total) throw new Error(`expected ${total} tables, Vigil ${vigil.tables}, DuckDB ${duckdb.tables}`);
  const r = (x: number) => Math.round(x * 10) / 10;
  emitResult({
    suite: 'scale',
    workspaces,
    tables: total,
    vigil: { startMs: r(vigil.ms), rssAddedMiB: r(vigil.rssAddedMiB) },
    duckdb: { startMs: r(duckdb.ms), rssAddedMiB: r(duckdb.rssAddedMiB) },
    /** Vigil ÷ DuckDB (lower is better). */
    startRatio: r(vigil.ms / duckdb.ms),
    rssRatio: r(vigil.rssAddedMiB / Math.max(1, duckdb.rssAddedMiB)),
  });
} finally {
  rmSync(vigilDir, { recursive: true, force: true });
  rmSync(duckDir, { recursive: true, force: true });
}
