/**
 * The quality of the SQL the KQL compiler emits: ten representative log queries over the same rows
 * in DuckDB, each against the hand-written DuckDB SQL for the same question, in process — no server
 * and no storage engine. The Vigil side reads a table in the form Vigil stores (datetimes as BIGINT
 * ticks, src/kql/types.ts), the hand-written SQL a native table (TIMESTAMP), so the difference is the
 * SQL and the stored form (plus the compile step and the wire shaping, which the Vigil side pays as
 * the query service does).
 *
 * Per query: both answers are compared first (same rows; order-insensitive unless the query
 * orders; floating point to 1e-9 relative), then 3 warm-up runs and `--runs` timed runs (≥ 15) of
 * compile + execute + read on the Vigil side and execute + read of the hand-written SQL,
 * interleaved (and alternating which goes first). Ratio = Vigil median ÷ DuckDB median.
 *
 * The cost of isolation (issue #11): a third side runs the Vigil side with every statement checked
 * by the store's statement guard first (parsed by DuckDB and walked; a fresh text each run, so its
 * cache never hides the parse). `guardRatio` = guarded Vigil median ÷ Vigil median, in the same run.
 *
 *   node dist/bench/kql-sql.js [--quick] [--rows N] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compile, type ColumnSchema, type TableResolver } from '../src/kql/index.js';
import { sqlIdent } from '../src/kql/sql.js';
import { toWireRow, wrapForWire } from '../src/query/wire-format.js';
import { DUCKDB_TYPE } from '../src/store/column-types.js';
import { StatementGuard } from '../src/store/statement-guard.js';
import { answerDifference, type Answer, type Comparison } from './answers.js';
import { appendLogRow, COLUMNS as BENCH_COLUMNS, emitResult, latency, makeRow, parseOptions, progress, type Latency } from './support.js';
import { registerKqlRuntime } from '../src/kql/runtime/index.js';

const WARMUP_RUNS = 3;
const DAY_MS = 86_400_000;
/** The rows end here (a fixed instant, so every run sees the same data); now() = this instant. */
const END_MS = Date.UTC(2026, 0, 8);
const MAX_ROWS = 500_000; // the query service's default row limit (+1 is appended like it does)

const COLUMNS: ColumnSchema[] = [...BENCH_COLUMNS, { name: '_ResourceId', type: 'string' }];

interface Case extends Comparison {
  kql: string;
  sql: string;
}

const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
const ARG_MAX_COLS = ['Level', 'DurationMs', 'Code', 'Message', 'Props', '_ResourceId'];

const CASES: Case[] = [
  {
    name: 'count by bin(5m)',
    kql: 'AppLogs | summarize count() by bin(TimeGenerated, 5m)',
    sql: 'SELECT time_bucket(INTERVAL 5 MINUTE, "TimeGenerated") AS "TimeGenerated", count(*) AS count_ FROM AppLogs GROUP BY 1',
    compare: ['TimeGenerated', 'count_'],
    ordered: false,
  },
  {
    name: 'filtered count',
    kql: "AppLogs | where Level == 'Error' and Service == 'checkout' | count",
    sql: `SELECT count(*) AS "Count" FROM AppLogs WHERE "Level" = 'Error' AND "Service" = 'checkout'`,
    compare: ['Count'],
    ordered: true,
  },
  {
    name: 'avg, count by Service, Level',
    kql: 'AppLogs | summarize avg(DurationMs), count() by Service, Level',
    sql: 'SELECT "Service", "Level", avg("DurationMs") AS "avg_DurationMs", count(*) AS count_ FROM AppLogs GROUP BY 1, 2',
    compare: ['Service', 'Level', 'avg_DurationMs', 'count_'],
    ordered: false,
  },
  {
    name: 'top 10 by DurationMs',
    kql: 'AppLogs | top 10 by DurationMs desc | project TimeGenerated, Service, DurationMs, Message',
    sql: 'SELECT "TimeGenerated", "Service", "DurationMs", "Message" FROM AppLogs ORDER BY "DurationMs" DESC LIMIT 10',
    compare: ['TimeGenerated', 'Service', 'DurationMs', 'Message'],
    ordered: true,
  },
  {
    name: "has 'timeout', count by Service",
    kql: "AppLogs | where Message has 'timeout' | summarize count() by Service",
    // "timeout" occurs only as a whole word in these rows, so a substring match is the same question.
    sql: `SELECT "Service", count(*) AS count_ FROM AppLogs WHERE "Message" ILIKE '%timeout%' GROUP BY 1`,
    compare: ['Service', 'count_'],
    ordered: false,
  },
  {
    name: 'Props.region, dcount(_ResourceId)',
    kql: 'AppLogs | extend region = tostring(Props.region) | summarize dcount(_ResourceId) by region',
    sql: `SELECT "Props"->>'region' AS region, count(DISTINCT "_ResourceId") AS "dcount__ResourceId" FROM AppLogs GROUP BY 1`,
    compare: ['region', 'dcount__ResourceId'],
    ordered: false,
  },
  {
    name: 'percentile 95 by Service, bin(1h)',
    kql: 'AppLogs | summarize percentile(DurationMs, 95) by Service, bin(TimeGenerated, 1h)',
    sql: 'SELECT "Service", time_bucket(INTERVAL 1 HOUR, "TimeGenerated") AS "TimeGenerated", quantile_disc("DurationMs", 0.95) AS "percentile_DurationMs_95" FROM AppLogs GROUP BY 1, 2',
    compare: ['Service', 'TimeGenerated', 'percentile_DurationMs_95'],
    ordered: false,
  },
  {
    name: 'join errors to totals by Service',
    kql:
      "AppLogs | where Level == 'Error' | summarize errors = count() by Service" +
      ' | join (AppLogs | summarize total = count() by Service) on Service' +
      ' | project Service, errors, total, ratio = todouble(errors) / total',
    sql:
      `SELECT e."Service", e.errors, t.total, e.errors / t.total AS ratio` +
      ` FROM (SELECT "Service", count(*) AS errors FROM AppLogs WHERE "Level" = 'Error' GROUP BY 1) AS e` +
      ` JOIN (SELECT "Service", count(*) AS total FROM AppLogs GROUP BY 1) AS t ON e."Service" = t."Service"`,
    compare: ['Service', 'errors', 'total', 'ratio'],
    ordered: false,
  },
  {
    name: 'arg_max(TimeGenerated, *) by Service',
    kql: 'AppLogs | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, *) by Service',
    sql:
      `SELECT "Service", max("TimeGenerated") AS "TimeGenerated", ${ARG_MAX_COLS.map((c) => `arg_max(${sqlIdent(c)}, "TimeGenerated") AS ${sqlIdent(c)}`).join(', ')}` +
      ` FROM AppLogs WHERE "TimeGenerated" > ${ts(END_MS - DAY_MS)} GROUP BY 1`,
    compare: ['Service', 'TimeGenerated', ...ARG_MAX_COLS],
    ordered: false,
  },
  {
    name: 'parse, count and dcount by verb',
    kql: "AppLogs | parse Message with verb ' GET /api/v1/items/' item:long ' for ' * | summarize requests = count(), items = dcount(item) by verb",
    sql:
      `SELECT p.verb AS verb, count(*) AS requests, count(DISTINCT TRY_CAST(p.item AS BIGINT)) AS items` +
      ` FROM (SELECT regexp_extract("Message", '^(.*?) GET /api/v1/items/(-?[0-9]+) for ', ['verb', 'item']) AS p FROM AppLogs) GROUP BY 1`,
    compare: ['verb', 'requests', 'items'],
    ordered: false,
  },
];

// ---------------------------------------------------------------- setup

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
const runs = Math.max(15, opts.runs);
// Fully qualified, as the statement guard requires (the file's catalog is 'bench'). The hand-written
// SQL reads `AppLogs`, the same rows with native column types.
const SOURCE = `bench.main.${sqlIdent('VigilAppLogs')}`;
const GRANTED = new Set(['bench.main.vigilapplogs']);
const resolver: TableResolver = {
  resolveTable: (name) => (name === 'AppLogs' ? { sql: SOURCE, columns: COLUMNS } : undefined),
  listTables: () => ['AppLogs'],
};

process.stderr.write(`kql-sql: ${total.toLocaleString('en')} rows, ${WARMUP_RUNS} warm-up + ${runs} timed runs per query\n`);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-kqlsql-'));
// A file-backed database (compressed, with zone maps, like sealed data), with the store's engine settings.
const db = await DuckDBInstance.create(join(dir, 'bench.duckdb'), { threads: '2', memory_limit: '4GB', autoinstall_known_extensions: 'false' });
const conn = await db.connect();
registerKqlRuntime(conn);
const guard = await StatementGuard.open("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
let guardRun = 0;
try {
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run(`CREATE TABLE VigilAppLogs (${COLUMNS.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
  await conn.run(`CREATE TABLE AppLogs (${COLUMNS.map((c) => `${sqlIdent(c.name)} ${c.type === 'datetime' ? 'TIMESTAMP' : DUCKDB_TYPE[c.type]}`).join(', ')})`);
  progress('loading rows');
  await load(conn, 'VigilAppLogs', 'ticks', total);
  await load(conn, 'AppLogs', 'timestamp', total);
  await conn.run('CHECKPOINT');
  progress('loaded');

  const results = [];
  let wrong = 0;
  for (const c of CASES) {
    const now = new Date(END_MS);
    const vigilRun = async (): Promise<Answer> => {
      const compiled = compile(c.kql, resolver, { now });
      const reader = await conn.runAndReadAll(`SELECT * FROM (${wrapForWire(compiled.sql, compiled.columns)}) LIMIT ${MAX_ROWS + 1}`);
      return { columns: compiled.columns.map((x) => x.name), rows: (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns)) };
    };
    const guardedRun = async (): Promise<Answer> => {
      const compiled = compile(c.kql, resolver, { now });
      const sql = `SELECT * FROM (${wrapForWire(compiled.sql, compiled.columns)}) LIMIT ${MAX_ROWS + 1} /* ${guardRun++} */`;
      await guard.check(sql, GRANTED);
      const reader = await conn.runAndReadAll(sql);
      return { columns: compiled.columns.map((x) => x.name), rows: (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns)) };
    };
    const duckRun = async (): Promise<Answer> => {
      const reader = await conn.runAndReadAll(c.sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJS() as unknown[][] };
    };
    const compiledSql = compile(c.kql, resolver, { now }).sql;
    const diff = answerDifference(await vigilRun(), await duckRun(), c);
    if (diff) {
      wrong++;
      progress(`WRONG ANSWER ${c.name}: ${diff}`);
      results.push({ name: c.name, kql: c.kql, sql: c.sql, compiledSql, check: { ok: false, difference: diff } });
      continue;
    }
    for (let i = 0; i < WARMUP_RUNS; i++) {
      await vigilRun();
      await guardedRun();
      await duckRun();
    }
    const vMs: number[] = [];
    const gMs: number[] = [];
    const dMs: number[] = [];
    const time = async (fn: () => Promise<unknown>, into: number[]) => {
      const t = process.hrtime.bigint();
      await fn();
      into.push(Number(process.hrtime.bigint() - t) / 1e6);
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        await time(vigilRun, vMs);
        await time(guardedRun, gMs);
        await time(duckRun, dMs);
      } else {
        await time(duckRun, dMs);
        await time(guardedRun, gMs);
        await time(vigilRun, vMs);
      }
    }
    const vigil: Latency = latency(vMs);
    const guarded: Latency = latency(gMs);
    const duckdb: Latency = latency(dMs);
    const ratio = Math.round((vigil.medianMs / duckdb.medianMs) * 100) / 100;
    const guardRatio = Math.round((guarded.medianMs / vigil.medianMs) * 100) / 100;
    results.push({ name: c.name, kql: c.kql, sql: c.sql, compiledSql, vigil, guarded, duckdb, ratio, guardRatio, check: { ok: true } });
    progress(`${c.name.padEnd(36)} Vigil ${fmt(vigil.medianMs)} / ${fmt(vigil.p95Ms)} ms | DuckDB ${fmt(duckdb.medianMs)} / ${fmt(duckdb.p95Ms)} ms | ×${ratio.toFixed(2)} | guarded ${fmt(guarded.medianMs)} ms ×${guardRatio.toFixed(2)}`);
  }
  const timed = results.filter((r): r is typeof r & { ratio: number } => typeof (r as { ratio?: number }).ratio === 'number');
  const geomean = timed.length ? Math.exp(timed.reduce((s, r) => s + Math.log(r.ratio), 0) / timed.length) : NaN;
  const guardGeomean = timed.length ? Math.exp(timed.reduce((s, r) => s + Math.log((r as { guardRatio: number }).guardRatio), 0) / timed.length) : NaN;
  progress(`geometric mean of the ratios: ×${geomean.toFixed(2)} over ${timed.length} queries${wrong ? `; ${wrong} WRONG` : ''}; statement guard ×${guardGeomean.toFixed(3)}`);
  emitResult({ suite: 'kql-sql', rows: total, runs, geomeanRatio: Math.round(geomean * 1000) / 1000, guardGeomeanRatio: Math.round(guardGeomean * 1000) / 1000, queries: results });
  if (wrong) process.exitCode = 1;
} finally {
  await guard.close();
  conn.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
}

/** The rows of bench/support.ts (makeRow), plus a _ResourceId, appended in 100k-row transactions. */
async function load(c: DuckDBConnection, table: string, time: 'timestamp' | 'ticks', n: number): Promise<void> {
  const CHUNK = 100_000;
  for (let from = 0; from < n; from += CHUNK) {
    await c.run('BEGIN TRANSACTION');
    const a = await c.createAppender(table);
    for (let i = from; i < Math.min(n, from + CHUNK); i++) {
      const r = makeRow(i, n, END_MS);
      appendLogRow(a, r, time);
      a.appendVarchar(`/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-${r.Props.region}/providers/Microsoft.Web/sites/${r.Service}-${i % 37}`);
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
    await c.run('COMMIT');
  }
}

function fmt(ms: number): string {
  return ms.toFixed(ms < 10 ? 2 : 1).padStart(7);
}
