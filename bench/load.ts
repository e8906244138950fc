/**
 * `npm run load`: sustained concurrent ingestion and queries against a real Vigil on loopback
 * (bench/load-run.ts), then a JSON report and an SVG plot in bench/results/. Exits non-zero when an
 * invariant fails (acknowledged rows missing, timeouts instead of 429, a 429 without Retry-After).
 *
 *   npm run load                          # 10 minutes
 *   npm run load -- --duration 60 --ingest-clients 8 --query-clients 4 --principals 4
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_LOAD_OPTIONS, runLoad } from './load-run.js';
import { loadSvg } from './load-svg.js';

const n = (v: string) => {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`not a positive number: ${v}`);
  return x;
};
const d = DEFAULT_LOAD_OPTIONS;
const cmd = new Command('load')
  .option('--duration <seconds>', 'how long the load runs', n, d.durationSec)
  .option('--principals <n>', 'service principals the clients are spread over', n, d.principals)
  .option('--ingest-clients <n>', 'concurrent ingestion clients', n, d.ingestClients)
  .option('--query-clients <n>', 'concurrent query clients', n, d.queryClients)
  .option('--batch-rows <n>', 'rows per ingestion request', n, d.batchRows)
  .option('--ingest-rpm <n>', "the server's --ingest-requests-per-minute (below the offered rate, overload shows as 429)", n, d.ingestRequestsPerMinute)
  .option('--warmup <seconds>', 'RSS growth is measured after this', n, d.warmupSec)
  .option('--out <dir>', 'where the JSON report and SVG plot go', 'bench/results')
  .parse();
const o = cmd.opts<{ duration: number; principals: number; ingestClients: number; queryClients: number; batchRows: number; ingestRpm: number; warmup: number; out: string }>();

const report = await runLoad({
  durationSec: o.duration,
  principals: o.principals,
  ingestClients: o.ingestClients,
  queryClients: o.queryClients,
  batchRows: o.batchRows,
  ingestRequestsPerMinute: o.ingestRpm,
  warmupSec: Math.min(o.warmup, o.duration / 2),
  progress: (line) => process.stderr.write(`load: ${line}\n`),
});
mkdirSync(o.out, { recursive: true });
const stamp = report.startedAt.replace(/[:.]/g, '-');
const json = join(o.out, `load-${stamp}.json`);
const svg = join(o.out, `load-${stamp}.svg`);
writeFileSync(json, JSON.stringify(report, null, 2));
writeFileSync(svg, loadSvg(report));
for (const [name, op] of Object.entries(report.operations)) {
  process.stdout.write(`${name.padEnd(22)} ${String(op.count).padStart(7)} requests  p50 ${op.p50Ms} ms  p95 ${op.p95Ms} ms  p99 ${op.p99Ms} ms  statuses ${JSON.stringify(op.statuses)}\n`);
}
process.stdout.write(`rows: ${JSON.stringify(report.rows)}\nRSS: ${JSON.stringify(report.rss)}\nreport: ${json}\nplot: ${svg}\n`);
if (report.violations.length > 0) {
  process.stdout.write(`INVARIANTS FAILED:\n  ${report.violations.join('\n  ')}\n`);
  process.exitCode = 1;
}
