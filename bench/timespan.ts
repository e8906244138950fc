/**
 * The request timespan in the storage engine alone (no HTTP, no client): the bench table's rows in a
 * StorageEngine, sealed into the memory tier, queried with a timespan that covers every row — in the
 * two ways a query can carry it, interleaved run by run:
 *   - `sql`: the compiler filters TimeGenerated in the SQL (what main did, and still does for a store
 *     that does not apply the timespan itself);
 *   - `engine`: the SQL does not mention it and the engine's view decides (src/store/timespan-cover.ts).
 * `fixed` sends the same bounds every run; `moving` shifts the start by 1 ms every run, as the SDK's
 * `duration` does (the SQL of `sql` then differs every run, so the statement guard parses it again);
 * `moving, cuts` starts half-way through the rows, so both ways filter (the engine's view is then
 * created again every run instead). Compilation is outside the timed part. Figures: median ms per query, and the
 * process's CPU per query (all of DuckDB's threads) over all runs.
 *
 *   node dist/bench/timespan.js [--rows N] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type ColumnSchema } from '../src/kql/index.js';
import { wrapForWire } from '../src/query/wire-format.js';
import { StorageEngine } from '../src/store/engine.js';
import type { StoredValue } from '../src/store/column-types.js';
import { BATCH, COLUMNS, SPAN_MS, benchEndMs, makeBatch, parseOptions, progress } from './support.js';

const WS = '3e1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5';
const TABLE = 'BenchLogs_CL';
const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
const runs = opts.runs;
const endMs = benchEndMs();
const HOUR = 3_600_000;
const EPOCH_TICKS = 621355968000000000n;

const cols: ColumnSchema[] = COLUMNS.map((c) => ({ name: c.name, type: c.type }));
const QUERIES = [
  { name: 'avg(DurationMs) by Service', kql: `${TABLE} | summarize avg(DurationMs) by Service` },
  { name: "where Level == 'Error' | count", kql: `${TABLE} | where Level == 'Error' | count` },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-timespan-'));
const e = await StorageEngine.open({ dataDir: dir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
try {
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: TABLE, columns: cols }] }]);
  for (let b = 0; b * BATCH < total; b++) {
    const rows: StoredValue[][] = makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs).map((r) => [
      BigInt(Date.parse(r.TimeGenerated)) * 10_000n + EPOCH_TICKS, r.Level, r.Service, r.DurationMs, r.Code, r.Message, JSON.stringify(r.Props),
    ]);
    await e.append(WS, TABLE, cols, rows);
  }
  await e.sealDue(true);
  progress(`loaded and sealed ${total.toLocaleString('en')} rows`);
  const resolver = { resolveTable: (n: string) => (n === TABLE ? { sql: e.tableSource(WS, TABLE), columns: cols } : undefined) };
  const grant = [{ workspaceId: WS, table: TABLE }];
  type Scenario = 'fixed' | 'moving' | 'moving, cuts';
  const spanAt = (k: number, s: Scenario) => ({ start: new Date((s === 'moving, cuts' ? endMs - SPAN_MS / 2 : endMs - SPAN_MS - HOUR) + (s === 'fixed' ? 0 : k)), end: new Date(endMs + HOUR) });
  const run = async (kql: string, mode: 'sql' | 'engine', timespan: { start: Date; end: Date }) => {
    const c = compile(kql, resolver, { now: new Date(), ...(mode === 'sql' ? { timespan } : {}) });
    const sql = `SELECT * FROM (${wrapForWire(c.sql, c.columns)}) LIMIT 500001`;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const out = await e.query(sql, { timeoutMs: 60_000, tables: grant, timespan });
    const cpu = process.cpuUsage(cpu0);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, rows: out.rows.map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : typeof v === 'number' ? Number(v.toPrecision(12)) : v))).sort().join('\n') };
  };
  const results = [];
  for (const q of QUERIES) {
    for (const scenario of ['fixed', 'moving', 'moving, cuts'] as const) {
      const t: Record<'sql' | 'engine', { ms: number[]; cpu: number[] }> = { sql: { ms: [], cpu: [] }, engine: { ms: [], cpu: [] } };
      let answer: string | undefined;
      for (let k = -3; k < runs; k++) {
        for (const mode of k % 2 === 0 ? (['sql', 'engine'] as const) : (['engine', 'sql'] as const)) {
          const r = await run(q.kql, mode, spanAt(k + 100, scenario));
          answer ??= r.rows;
          // (in any order; parallel sums of doubles differ in the last bits from run to run: compared to 12 digits)
          if (r.rows !== answer) throw new Error(`${q.name}: the answers differ between the two ways: ${answer} ${r.rows}`);
          if (k >= 0) {
            t[mode].ms.push(r.ms);
            t[mode].cpu.push(r.cpuMs);
          }
        }
      }
      const row = {
        query: q.name,
        timespan: scenario,
        sqlMs: +median(t.sql.ms).toFixed(2),
        engineMs: +median(t.engine.ms).toFixed(2),
        sqlCpuMs: +median(t.sql.cpu).toFixed(2),
        engineCpuMs: +median(t.engine.cpu).toFixed(2),
      };
      results.push(row);
      progress(JSON.stringify(row));
    }
  }
  process.stdout.write(`${JSON.stringify({ suite: 'timespan', rows: total, runs, loadavg: (await import('node:os')).loadavg(), results }, null, 1)}\n`);
} finally {
  await e.close();
  rmSync(dir, { recursive: true, force: true });
}
