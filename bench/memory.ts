/**
 * Memory suite (issue #20: "10M rows per table in 10 tables under 2 GiB RSS, or state the model"):
 * the storage engine in this process, with the server's defaults, holding TABLES tables of N rows
 * each (default 10 × 10,000,000; `--quick` 10 × 1,000,000; `--rows N` sets the rows per table).
 * Rows go straight through `StorageEngine.append` (encrypted, fsynced log; the background seals as
 * the server does), not through HTTP, so that setup takes minutes rather than hours.
 *
 * RSS (and its peak, VmHWM) is read after each phase: loaded; every table sealed; after a query on
 * each table in turn; after a second round over all tables; after one query reading all tables at
 * once. Decrypted Parquet in the scratch tmpfs is RAM too but not in RSS: it is reported beside it.
 * Every query's answer is checked (every row counted), so a budget that lost rows fails the suite.
 *
 *   node dist/bench/memory.js [--quick] [--rows N]
 *   VIGIL_MEMORY_TIER_MB=512 node dist/bench/memory.js …   (another memory-tier budget)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnSchema } from '../src/kql/index.js';
import { ColumnBatch } from '../src/store/column-batch.js';
import type { StoredValue } from '../src/store/column-types.js';
import { StorageEngine, type EngineStatus } from '../src/store/engine.js';
import { ticksFromUnixMicros } from '../src/kql/literals.js';
import { COLUMNS as BENCH_COLUMNS, SPAN_MS, benchEndMs, emitResult, makeRow, parseOptions, progress, timed } from './support.js';

const WS = '5e0f2a4b-0c1d-4e2f-8a9b-000000000020';
const TABLES = 10;
const tableName = (k: number) => `MemLogs${k}_CL`;
const COLUMNS: ColumnSchema[] = BENCH_COLUMNS.map((c) => ({ ...c }));

const opts = parseOptions();
const N = opts.rows ?? (opts.quick ? 1_000_000 : 10_000_000);
const BATCH = 50_000;
const GOAL_BYTES = 2 * 1024 * 1024 * 1024;
const MEMORY_TIER_MB = process.env.VIGIL_MEMORY_TIER_MB === undefined ? undefined : Number(process.env.VIGIL_MEMORY_TIER_MB);
const end = benchEndMs();

const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

/** Rows [from, from + count) of `n` as a column batch (the values of bench/support.ts's makeRow). */
function batchOf(from: number, count: number, n: number): ColumnBatch {
  const cols: StoredValue[][] = COLUMNS.map(() => new Array<StoredValue>(count));
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const r = makeRow(i, n, end);
    cols[0]![k] = ticksFromUnixMicros(BigInt(end - 1 - Math.floor((i * SPAN_MS) / n)) * 1000n); // stored datetimes are ticks
    cols[1]![k] = r.Level;
    cols[2]![k] = r.Service;
    cols[3]![k] = r.DurationMs;
    cols[4]![k] = r.Code;
    cols[5]![k] = r.Message;
    cols[6]![k] = JSON.stringify(r.Props);
  }
  return new ColumnBatch(count, cols);
}

/** RSS now and its peak so far (Linux: /proc/self/status). */
function rss(): { rssMiB: number; peakMiB: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, peakMiB: Math.round(kb('VmHWM') / 102.4) / 10 };
}

const phases: Record<string, unknown>[] = [];
function record(phase: string, engine: StorageEngine, extra: Record<string, unknown> = {}): void {
  const m = rss();
  const s: EngineStatus = engine.status();
  const p = {
    phase,
    ...m,
    heapUsedMiB: mib(process.memoryUsage().heapUsed),
    memoryTierMiB: mib(s.memoryTierBytes),
    memoryTierSegments: s.memoryTierSegments,
    hotRows: s.hotRows,
    segments: s.segments,
    encryptedSegmentsMiB: mib(s.segmentBytes),
    decryptedParquetInTmpfsMiB: mib(s.cacheBytes),
    cachedSegments: s.cachedSegments,
    ...extra,
  };
  phases.push(p);
  progress(
    `${phase.padEnd(34)} RSS ${String(m.rssMiB).padStart(7)} MiB (peak ${m.peakMiB}) | tier ${p.memoryTierMiB} MiB, ${p.memoryTierSegments} segs | hot ${s.hotRows} rows | ` +
      `${s.segments} segments, ${p.encryptedSegmentsMiB} MiB encrypted | tmpfs Parquet ${p.decryptedParquetInTmpfsMiB} MiB`,
  );
}

/** One table's query: the JSON column grouped (every segment read whole), every row counted. */
async function queryTable(engine: StorageEngine, k: number): Promise<number> {
  const src = engine.tableSource(WS, tableName(k));
  const out = await engine.query(`SELECT json_extract_string("Props", '$.region') AS r, count(*) AS n FROM ${src} GROUP BY r`, {
    timeoutMs: 3_600_000,
    tables: [{ workspaceId: WS, table: tableName(k) }],
  });
  const rows = out.rows.reduce((s, r) => s + Number(r[1]), 0);
  if (rows !== N) throw new Error(`${tableName(k)}: the query counted ${rows} rows, not ${N}`);
  return rows;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-memory-'));
  try {
    const base = rss();
    progress(`memory: ${TABLES} tables × ${N.toLocaleString('en')} rows, engine defaults${MEMORY_TIER_MB === undefined ? '' : `, memory tier ${MEMORY_TIER_MB} MiB`}`);
    const engine = await StorageEngine.open({
      dataDir,
      memoryTierBytes: MEMORY_TIER_MB === undefined ? undefined : Math.floor(MEMORY_TIER_MB * 1024 * 1024),
      log: (level, m) => {
        if (level !== 'info') progress(`engine ${level}: ${m}`);
      },
    });
    const result: Record<string, unknown> = {
      suite: 'memory',
      tables: TABLES,
      rowsPerTable: N,
      goalMiB: mib(GOAL_BYTES),
      baseRssMiB: base.rssMiB,
      options: { memoryTierBytes: engine.opts.memoryTierBytes ?? 1024 * 1024 * 1024, sealRows: engine.opts.sealRows, partitionMs: engine.opts.partitionMs, segmentCacheBytes: engine.opts.segmentCacheBytes },
    };
    try {
      await engine.attachWorkspaces([{ workspaceId: WS, tables: Array.from({ length: TABLES }, (_, k) => ({ name: tableName(k), columns: COLUMNS })) }]);
      record('opened', engine);

      // Tables are filled side by side, as a server ingesting into all of them; the background seals.
      const loading: Record<string, number>[] = [];
      result.loading = loading;
      const loaded = await timed(async () => {
        for (let i = 0; i < N; i += BATCH) {
          const batch = batchOf(i, Math.min(BATCH, N - i), N);
          await Promise.all(Array.from({ length: TABLES }, (_, k) => engine.append(WS, tableName(k), COLUMNS, batch)));
          if ((i / BATCH) % 10 === 9) {
            const s = engine.status();
            const sample = { rows: (i + batch.rowCount) * TABLES, ...rss(), memoryTierMiB: mib(s.memoryTierBytes), hotRows: s.hotRows, segments: s.segments };
            loading.push(sample);
            progress(`  ${sample.rows.toLocaleString('en')} rows: RSS ${sample.rssMiB} MiB (peak ${sample.peakMiB}) | tier ${sample.memoryTierMiB} MiB | hot ${s.hotRows} rows | ${s.segments} segments`);
          }
        }
      });
      result.loadSeconds = Math.round(loaded.ms / 100) / 10;
      result.loadRowsPerSecond = Math.round((N * TABLES) / (loaded.ms / 1000));
      record('loaded', engine);

      await engine.sealDue(true);
      record('sealed', engine);
      await engine.runCompaction();
      record('compacted', engine);

      for (let k = 0; k < TABLES; k++) {
        const q = await timed(() => queryTable(engine, k));
        record(`queried table ${k + 1} of ${TABLES}`, engine, { queryMs: Math.round(q.ms) });
      }
      for (let k = 0; k < TABLES; k++) await queryTable(engine, k);
      record('second round over all tables', engine);

      const union = Array.from({ length: TABLES }, (_, k) => `SELECT "Props" FROM ${engine.tableSource(WS, tableName(k))}`).join(' UNION ALL ');
      const all = await timed(() =>
        engine.query(`SELECT json_extract_string("Props", '$.region') AS r, count(*) AS n FROM (${union}) GROUP BY r`, {
          timeoutMs: 3_600_000,
          tables: Array.from({ length: TABLES }, (_, k) => ({ workspaceId: WS, table: tableName(k) })),
        }),
      );
      const total = all.value.rows.reduce((s, r) => s + Number(r[1]), 0);
      if (total !== N * TABLES) throw new Error(`the query over all tables counted ${total} rows, not ${N * TABLES}`);
      record('one query over all tables', engine, { queryMs: Math.round(all.ms) });

      const peak = rss().peakMiB;
      result.phases = phases;
      result.peakRssMiB = peak;
      result.withinGoal = peak <= mib(GOAL_BYTES);
      progress(`peak RSS ${peak} MiB for ${(N * TABLES).toLocaleString('en')} rows (goal ≤ ${mib(GOAL_BYTES)} MiB): ${result.withinGoal ? 'within' : 'OVER'}`);
    } finally {
      await engine.close();
    }
    emitResult(result);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
