/**
 * KQL compile time for typical log queries (issue #3's goal: under 1 ms), against DuckDB preparing
 * the SQL the compiler emits — the cost of the step that follows compilation — in the same run.
 * No server: the compiler is called in process, as the query service calls it.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { compile, type ColumnSchema, type TableResolver } from '../src/kql/index.js';
import { sqlIdent } from '../src/kql/sql.js';
import { DUCKDB_TYPE } from '../src/store/column-types.js';
import { COLUMNS as BENCH_COLUMNS, emitResult, latency, parseOptions, progress } from './support.js';
import { registerKqlRuntime } from '../src/kql/runtime/index.js';

const COLUMNS: ColumnSchema[] = [{ name: 'TenantId', type: 'string' }, ...BENCH_COLUMNS, { name: '_ResourceId', type: 'string' }];

/** Ten queries of the kinds people paste from Azure Monitor and Sentinel. */
export const TYPICAL_QUERIES = [
  'AppLogs | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 5m)',
  "AppLogs | where Level == 'Error' | summarize count() by Service | top 5 by count_",
  "AppLogs | where Message has 'timeout' and Code >= 500 | project TimeGenerated, Service, Message | take 100",
  'AppLogs | summarize avg(DurationMs), percentile(DurationMs, 95) by Service, bin(TimeGenerated, 1h)',
  "AppLogs | extend region = tostring(Props.region) | summarize dcount(_ResourceId) by region",
  'AppLogs | top 10 by DurationMs desc | project TimeGenerated, Service, DurationMs',
  "let errors = AppLogs | where Level == 'Error'; errors | summarize n = count() by Service | join kind=leftouter (AppLogs | summarize total = count() by Service) on Service | extend ratio = todouble(n) / total",
  "AppLogs | where TimeGenerated between (ago(1d) .. now()) | summarize arg_max(TimeGenerated, *) by Service",
  "AppLogs | parse Message with 'request ' id:long ' ' outcome | summarize count() by outcome",
  'AppLogs | make-series n = count() default = 0 on TimeGenerated from ago(1d) to now() step 1h by Service',
];

const opts = parseOptions();
const iterations = opts.quick ? 300 : 3_000;
const resolver: TableResolver = {
  resolveTable: (name) => (name === 'AppLogs' ? { sql: sqlIdent('AppLogs'), columns: COLUMNS } : undefined),
  listTables: () => ['AppLogs'],
};
const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
const conn = await db.connect();
registerKqlRuntime(conn);
await conn.run(`CREATE TABLE AppLogs (${COLUMNS.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);

const results = [];
for (const query of TYPICAL_QUERIES) {
  const now = new Date();
  const { sql } = compile(query, resolver, { now });
  for (let i = 0; i < 50; i++) compile(query, resolver, { now }); // warm the JIT
  const compileUs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    compile(query, resolver, { now });
    compileUs.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  const prepareUs: number[] = [];
  for (let i = 0; i < Math.min(iterations, 300); i++) {
    const t = process.hrtime.bigint();
    const p = await conn.prepare(sql);
    prepareUs.push(Number(process.hrtime.bigint() - t) / 1e3);
    p.destroySync();
  }
  const c = latency(compileUs);
  const p = latency(prepareUs);
  results.push({ query, compileMedianUs: c.medianMs, compileP95Us: c.p95Ms, duckdbPrepareMedianUs: p.medianMs, ratio: c.medianMs / p.medianMs });
  progress(`${c.medianMs.toFixed(0).padStart(5)} µs compile (p95 ${c.p95Ms.toFixed(0)}), ${p.medianMs.toFixed(0).padStart(5)} µs DuckDB prepare — ${query.slice(0, 70)}`);
}
conn.closeSync();
db.closeSync();
const medians = results.map((r) => r.compileMedianUs).sort((a, b) => a - b);
emitResult({
  suite: 'compile',
  iterations,
  medianOfMediansUs: medians[Math.floor(medians.length / 2)],
  worstMedianUs: medians[medians.length - 1],
  geomeanRatioToDuckdbPrepare: Math.exp(results.reduce((s, r) => s + Math.log(r.ratio), 0) / results.length),
  queries: results,
});
