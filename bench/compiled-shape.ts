/**
 * What the compiled SQL's shape costs, in the storage engine alone (no HTTP, no client): the query
 * suite's questions over the bench rows in a StorageEngine (sealed into the memory tier), each run
 * through `engine.query` as the query service runs it (wire wrapper and row limit included) in three
 * forms, interleaved run by run:
 *   - `hand`: the hand-written SQL over the same view (what a person would write);
 *   - `this`: the SQL this build's compiler emits;
 *   - `other`: the SQL another build's compiler emits (VIGIL_BENCH_OTHER_COMPILER=<build>/dist/src/kql/index.js;
 *     without it, this build's again).
 * Figures: median wall ms and median process CPU ms per query (all of DuckDB's threads), which the
 * machine's load moves far less than wall time. `--rows 1000` shows the fixed cost of the statement
 * (binding and planning its nesting), `--rows 1000000` (default) that plus the scan.
 *
 *   node dist/bench/compiled-shape.js [--rows N] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type ColumnSchema, type TableResolver } from '../src/kql/index.js';
import { wrapForWire } from '../src/query/wire-format.js';
import { StorageEngine } from '../src/store/engine.js';
import type { StoredValue } from '../src/store/column-types.js';
import { BATCH, COLUMNS, benchEndMs, makeBatch, parseOptions, progress } from './support.js';

const WS = '3e1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5';
const TABLE = 'BenchLogs_CL';
const EPOCH_TICKS = 621355968000000000n;
const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
const runs = Math.max(15, opts.runs);
const cols: ColumnSchema[] = COLUMNS.map((c) => ({ name: c.name, type: c.type }));
const otherPath = process.env.VIGIL_BENCH_OTHER_COMPILER;
const other = otherPath ? ((await import(otherPath)) as { compile: typeof compile }).compile : compile;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-shape-'));
const e = await StorageEngine.open({ dataDir: dir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
try {
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: TABLE, columns: cols }] }]);
  const endMs = benchEndMs();
  for (let b = 0; b * BATCH < total; b++) {
    const rows: StoredValue[][] = makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs).map((r) => [
      BigInt(Date.parse(r.TimeGenerated)) * 10_000n + EPOCH_TICKS, r.Level, r.Service, r.DurationMs, r.Code, r.Message, JSON.stringify(r.Props),
    ]);
    await e.append(WS, TABLE, cols, rows);
  }
  await e.sealDue(true);
  progress(`loaded and sealed ${total.toLocaleString('en')} rows${otherPath ? `; other compiler: ${otherPath}` : ''}`);
  const src = e.tableSource(WS, TABLE);
  const resolver: TableResolver = { resolveTable: (n) => (n === TABLE ? { sql: src, columns: cols } : undefined) };
  const grant = [{ workspaceId: WS, table: TABLE }];
  const wire = (c: typeof compile, kql: string) => {
    const q = c(kql, resolver, { now: new Date() });
    return `SELECT * FROM (${wrapForWire(q.sql, q.columns)}) LIMIT 500001`;
  };
  const QUERIES = [
    ['count by bin(5m)', `${TABLE} | summarize count() by bin(TimeGenerated, 5m)`, `SELECT (("TimeGenerated" // 3000000000) * 3000000000) AS "TimeGenerated", count(*) AS count_ FROM ${src} GROUP BY 1`],
    ["where Level == 'Error' | count", `${TABLE} | where Level == 'Error' | count`, `SELECT count(*) AS "Count" FROM ${src} WHERE "Level" = 'Error'`],
    ['avg(DurationMs) by Service', `${TABLE} | summarize avg(DurationMs) by Service`, `SELECT "Service", avg("DurationMs") AS "avg_DurationMs" FROM ${src} GROUP BY 1`],
    ['top 10 by DurationMs', `${TABLE} | top 10 by DurationMs`, `SELECT * FROM ${src} ORDER BY "DurationMs" DESC NULLS LAST LIMIT 10`],
  ] as const;
  const results = [];
  for (const [name, kql, hand] of QUERIES) {
    const sides = [
      { side: 'hand', sql: hand, ms: [] as number[], cpu: [] as number[] },
      { side: 'this', sql: wire(compile, kql), ms: [] as number[], cpu: [] as number[] },
      { side: 'other', sql: wire(other, kql), ms: [] as number[], cpu: [] as number[] },
    ];
    for (let k = -3; k < runs; k++) {
      for (const s of k % 2 ? [...sides].reverse() : sides) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        await e.query(s.sql, { timeoutMs: 60_000, tables: grant });
        const c = process.cpuUsage(c0);
        if (k < 0) continue;
        s.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
        s.cpu.push((c.user + c.system) / 1000);
      }
    }
    const row = Object.fromEntries([['query', name], ...sides.flatMap((s) => [[`${s.side}Ms`, +median(s.ms).toFixed(2)], [`${s.side}CpuMs`, +median(s.cpu).toFixed(2)]])]);
    results.push(row);
    progress(JSON.stringify(row));
  }
  process.stdout.write(`${JSON.stringify({ suite: 'compiled-shape', rows: total, runs, loadavg: loadavg(), results }, null, 1)}\n`);
} finally {
  await e.close();
  rmSync(dir, { recursive: true, force: true });
}
