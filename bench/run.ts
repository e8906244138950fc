/**
 * `npm run bench`: creates the bench CA, runs each suite in its own Node process with
 * NODE_EXTRA_CA_CERTS pointing at it (Node reads that variable only at start-up), prints a summary
 * and writes every figure to bench/results/latest.json.
 *
 *   node dist/bench/run.js [--quick] [--rows N] [--runs N] [--concurrency N] [--suite ingest,query]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTlsMaterial } from '../src/server/tls.js';
import { BENCH_CA_DIR, RESULT_ENV, parseOptions } from './support.js';

const SUITES = ['ingest', 'ingest-transform', 'query', 'compile', 'kql-sql', 'storage', 'authz', 'scale', 'cmk', 'tier-append', 'portal', 'memory', 'cold', 'token'] as const;
const RESULTS_DIR = resolve(fileURLToPath(new URL('../../bench/results', import.meta.url)));

const args = process.argv.slice(2);
const opts = parseOptions(args);
const suites = opts.suites.length > 0 ? opts.suites : [...SUITES];
for (const s of suites) if (!(SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite '${s}' (${SUITES.join(', ')})`);
// The suites get every flag but --suite.
const suiteArgs = args.filter((a, i) => a !== '--suite' && args[i - 1] !== '--suite');

const { caPath } = await ensureTlsMaterial(BENCH_CA_DIR);
const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-results-'));

function runSuite(name: string, out: string): Promise<number> {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [script, ...suiteArgs], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath, [RESULT_ENV]: out },
    stdio: 'inherit',
  });
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

type Suite = Record<string, unknown> & { suite: string };
const results: Suite[] = [];
let failed = false;
try {
  for (const name of suites) {
    process.stderr.write(`\n== ${name} ==\n`);
    const out = join(scratch, `${name}.json`);
    const code = await runSuite(name, out);
    if (code !== 0) failed = true;
    if (existsSync(out)) results.push(JSON.parse(readFileSync(out, 'utf8')) as Suite);
    else process.stderr.write(`${name}: no result (exit code ${code})\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  options: { quick: opts.quick, rows: opts.rows ?? null, runs: opts.runs, concurrency: opts.concurrency },
  suites: results,
};
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);

// ---- summary
const lines: string[] = ['', `Vigil benchmarks — ${report.date.slice(0, 10)}, ${report.machine.cpus} cores, Node ${report.machine.node}`];
for (const s of results) {
  if (s.suite === 'ingest') {
    const r = s as unknown as {
      rows: number; concurrency: number; vigil: { rowsPerSecond: number }; duckdb: { rowsPerSecond: number }; ratio: number; check: { ok: boolean };
      cpu: { vigilServerMsPer1000Rows: number; duckdbMsPer1000Rows: number; ratio: number } | null;
    };
    lines.push(
      `ingest  ${r.rows.toLocaleString('en')} rows, 1,000-row upload() calls, ${r.concurrency} in flight`,
      `  Vigil ${r.vigil.rowsPerSecond.toLocaleString('en')} rows/s | DuckDB appender ${r.duckdb.rowsPerSecond.toLocaleString('en')} rows/s | Vigil/DuckDB ${r.ratio}${r.check.ok ? '' : '  ROW COUNT WRONG'}`,
      ...(r.cpu ? [`  CPU per 1,000 rows: Vigil server ${r.cpu.vigilServerMsPer1000Rows} ms | DuckDB appender ${r.cpu.duckdbMsPer1000Rows} ms | DuckDB/Vigil ${r.cpu.ratio}`] : []),
    );
  } else if (s.suite === 'tier-append') {
    const r = s as unknown as { rows: number; cpuMsPer1000Rows: Record<string, number>; compressedOverPlain: number; appenderOverChunk: number; recordTextOverTier: number; check: { ok: boolean } };
    lines.push(
      `tier-append  ${r.rows.toLocaleString('en')} rows, CPU per 1,000 rows: ${Object.entries(r.cpuMsPer1000Rows).map(([k, v]) => `${k} ${v} ms`).join(' | ')}`,
      `  record's text/tier ${r.recordTextOverTier} | compressed/plain ${r.compressedOverPlain} | appender/chunk ${r.appenderOverChunk}${r.check.ok ? '' : '  ROW COUNT WRONG'}`,
    );
  } else if (s.suite === 'ingest-transform') {
    const r = s as unknown as { rows: number; transformation: string; source: { rowsPerSecond: number }; transformed: { rowsPerSecond: number }; ratio: number; check: { ok: boolean } };
    lines.push(
      `ingest-transform  ${r.rows.toLocaleString('en')} rows per side; transformKql: ${r.transformation}`,
      `  transformed ${r.transformed.rowsPerSecond.toLocaleString('en')} rows/s | source ${r.source.rowsPerSecond.toLocaleString('en')} rows/s | transformed/source ${r.ratio} (goal >= 0.8)${r.check.ok ? '' : '  ROW COUNT WRONG'}`,
    );
  } else if (s.suite === 'query') {
    const r = s as unknown as {
      rows: number;
      queries: { name: string; vigil?: { medianMs: number; p95Ms: number }; duckdb?: { medianMs: number; p95Ms: number }; ratio?: number; check: { ok: boolean; difference?: string } }[];
    };
    lines.push(`query   ${r.rows.toLocaleString('en')} rows; median / p95 ms; ratio = Vigil median / DuckDB median`);
    for (const q of r.queries) {
      lines.push(
        q.check.ok && q.vigil && q.duckdb
          ? `  ${q.name.padEnd(36)} Vigil ${fmt(q.vigil.medianMs)} / ${fmt(q.vigil.p95Ms)} | DuckDB ${fmt(q.duckdb.medianMs)} / ${fmt(q.duckdb.p95Ms)} | ×${q.ratio}`
          : `  ${q.name.padEnd(36)} WRONG ANSWER: ${q.check.difference ?? '?'}`,
      );
    }
  } else if (s.suite === 'scale') {
    const r = s as unknown as { workspaces: number; tables: number; vigil: { startMs: number; rssAddedMiB: number }; duckdb: { startMs: number; rssAddedMiB: number }; startRatio: number; rssRatio: number };
    lines.push(
      `scale   ${r.workspaces.toLocaleString('en')} workspaces, ${r.tables.toLocaleString('en')} tables, opened by a fresh process`,
      `  start Vigil ${fmt(r.vigil.startMs)} ms | DuckDB file ${fmt(r.duckdb.startMs)} ms | ×${r.startRatio};  RSS added Vigil ${r.vigil.rssAddedMiB} MiB | DuckDB ${r.duckdb.rssAddedMiB} MiB | ×${r.rssRatio}`,
    );
  } else if (s.suite === 'memory') {
    const r = s as unknown as { tables: number; rowsPerTable: number; peakRssMiB: number; goalMiB: number; withinGoal: boolean; phases: { phase: string; rssMiB: number; memoryTierMiB: number; decryptedParquetInTmpfsMiB: number }[] };
    lines.push(`memory  ${r.tables} tables × ${r.rowsPerTable.toLocaleString('en')} rows in one engine: peak RSS ${r.peakRssMiB} MiB (goal ≤ ${r.goalMiB} MiB)${r.withinGoal ? '' : '  OVER THE GOAL'}`);
    for (const p of r.phases) lines.push(`  ${p.phase.padEnd(34)} RSS ${String(p.rssMiB).padStart(7)} MiB | memory tier ${p.memoryTierMiB} MiB | decrypted Parquet in tmpfs ${p.decryptedParquetInTmpfsMiB} MiB`);
  } else if (s.suite === 'cmk') {
    const r = s as unknown as { rows: number; ingest: { ratio: number }; query: { ratio: number }; goal: number };
    lines.push(`cmk     ${r.rows.toLocaleString('en')} rows; throughput with a customer-managed key / with service-managed keys (goal ≥ ${r.goal}): ingestion ×${r.ingest.ratio}, queries ×${r.query.ratio}`);
  } else if (s.suite === 'cold') {
    const r = s as unknown as { rows: number; segments: number; queries: { name: string; vigil: { medianMs: number }; duckdb: { medianMs: number }; ratio: number; openMs: { vigil: number; duckdb: number }; sameAnswer: boolean }[] };
    lines.push(`cold    first query after a restart, ${r.rows.toLocaleString('en')} rows in ${r.segments} segments, fresh processes; ratio = Vigil / DuckDB file (goal <= 2)`);
    for (const q of r.queries) {
      lines.push(`  ${q.name.padEnd(28)} Vigil ${fmt(q.vigil.medianMs)} | DuckDB ${fmt(q.duckdb.medianMs)} | ×${q.ratio}; opening Vigil ${fmt(q.openMs.vigil)} | DuckDB ${fmt(q.openMs.duckdb)}${q.sameAnswer ? '' : '  ANSWERS DIFFER'}`);
    }
  } else if (s.suite === 'portal') {
    const r = s as unknown as { runs: number; goalMs: number; portal: { wall: { medianMs: number; p95Ms: number }; editorVisible: { medianMs: number }; editorReady: { medianMs: number }; returningWall?: { medianMs: number; p95Ms: number }; returningEditorVisible?: { medianMs: number }; browserCpu?: { medianMs: number }; returningBrowserCpu?: { medianMs: number } }; baseline: { medianMs: number }; ratio: number; withinGoal: boolean; returningRatio?: number; returningWithinGoal?: boolean };
    lines.push(
      `portal  first load with the editor, ${r.runs} runs, fresh browser context each (goal < ${r.goalMs} ms)`,
      `  median ${fmt(r.portal.wall.medianMs)} ms (p95 ${fmt(r.portal.wall.p95Ms)} ms; editor on the page after ${fmt(r.portal.editorVisible.medianMs)} ms; schema in ${fmt(r.portal.editorReady.medianMs)} ms into the final page) | script-free page ${fmt(r.baseline.medianMs)} ms | ×${r.ratio}${r.withinGoal ? '' : '  OVER THE GOAL'}`,
      ...(r.portal.browserCpu ? [`  browser CPU per load (median): first visit ${fmt(r.portal.browserCpu.medianMs)} ms, returning ${fmt(r.portal.returningBrowserCpu!.medianMs)} ms`] : []),
    );
    if (r.portal.returningWall) {
      lines.push(
        `  returning user (warm HTTP cache): median ${fmt(r.portal.returningWall.medianMs)} ms (p95 ${fmt(r.portal.returningWall.p95Ms)} ms; editor on the page after ${fmt(r.portal.returningEditorVisible!.medianMs)} ms) | ×${r.returningRatio}${r.returningWithinGoal ? '' : '  OVER THE GOAL'}`,
      );
    }
  }
}
lines.push(`results: ${join(RESULTS_DIR, 'latest.json')}`, '');
process.stdout.write(lines.join('\n'));
if (failed) process.exitCode = 1;

function fmt(ms: number): string {
  return ms.toFixed(ms < 10 ? 2 : 1).padStart(7);
}
