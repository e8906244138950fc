/**
 * What reading a query's answer into JS values costs, in process (no server): the statement is run
 * (materialized) once per read, untimed, then its chunks are read into rows two ways, alternating,
 * and the process's CPU time of the read alone is taken:
 *   - generic: `chunk.convertRows(JSDuckDBValueConverter)` (src/store/read-rows.ts before);
 *   - bulk: column by column from the vectors' typed arrays (src/store/column-reader.ts).
 * Answers over a 1M-row table of Vigil's storage types (BIGINT ticks, VARCHAR, DOUBLE, INTEGER,
 * BOOLEAN): the suite's bin count (2,016 rows × 2 columns), a 30,000-row SELECT of seven columns,
 * and the same 30,000 rows of the numeric columns only. Medians of ROUNDS reads each; ratio bulk ÷ generic.
 * Usage: node dist/bench/read-rows.js [--rounds N]
 */
import { DuckDBInstance, JSDuckDBValueConverter, type DuckDBConnection } from '@duckdb/node-api';
import { appendChunkRows } from '../src/store/column-reader.js';

const arg = process.argv.indexOf('--rounds');
const ROUNDS = arg > 0 ? Number(process.argv[arg + 1]) : 31;
const ROWS = 1_000_000;
// 7 days of 100-ns ticks ending at a fixed instant: 2,016 five-minute bins.
const END_TICKS = 638_000_000_000_000_000n;
const SPAN_TICKS = 7n * 24n * 3600n * 10_000_000n;
const BIN_TICKS = 5n * 60n * 10_000_000n;

const QUERIES: { name: string; sql: string }[] = [
  { name: 'bin count (2,016 × 2)', sql: `SELECT (t // ${BIN_TICKS}) * ${BIN_TICKS} AS b, count(*) AS c FROM logs GROUP BY 1 ORDER BY 1` },
  { name: 'take 30,000 × 7 columns', sql: `SELECT t, level, service, duration, code, ok, message FROM logs LIMIT 30000` },
  { name: 'take 30,000 × 4 numeric', sql: `SELECT t, duration, code, ok FROM logs LIMIT 30000` },
];

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timedRead(conn: DuckDBConnection, sql: string, bulk: boolean): Promise<number> {
  const result = await conn.run(sql);
  const chunks = [];
  for (let i = 0, n = result.chunkCount; i < n; i++) chunks.push(result.getChunk(i));
  const rows: unknown[][] = [];
  const t0 = cpuMs();
  for (const chunk of chunks) {
    if (bulk) appendChunkRows(chunk, rows);
    else for (const row of chunk.convertRows(JSDuckDBValueConverter)) rows.push(row);
  }
  return cpuMs() - t0;
}

async function main(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE logs AS SELECT
      ${END_TICKS - SPAN_TICKS}::BIGINT + (i * ${SPAN_TICKS / BigInt(ROWS)})::BIGINT AS t,
      (['Information', 'Warning', 'Error', 'Debug'])[1 + i % 4] AS level,
      'service-' || (i % 17) AS service,
      CASE WHEN i % 13 = 0 THEN NULL ELSE (hash(i) % 100000) / 100.0 END::DOUBLE AS duration,
      (200 + i % 5)::INTEGER AS code,
      i % 3 = 0 AS ok,
      'request ' || i || ' handled by the checkout service in region westeurope' AS message
    FROM range(${ROWS}) r(i)`);
  const out: Record<string, { genericMs: number; bulkMs: number; ratio: number }> = {};
  for (const q of QUERIES) {
    const generic: number[] = [];
    const bulk: number[] = [];
    // Warm-up, both.
    await timedRead(conn, q.sql, false);
    await timedRead(conn, q.sql, true);
    for (let r = 0; r < ROUNDS; r++) {
      generic.push(await timedRead(conn, q.sql, false));
      bulk.push(await timedRead(conn, q.sql, true));
    }
    const g = median(generic);
    const b = median(bulk);
    out[q.name] = { genericMs: +g.toFixed(3), bulkMs: +b.toFixed(3), ratio: +(b / g).toFixed(3) };
  }
  conn.closeSync();
  instance.closeSync();
  console.log(JSON.stringify({ rounds: ROUNDS, results: out }, null, 2));
}

await main();
