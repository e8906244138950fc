/**
 * One cold first query in a fresh process, for `bench/cold.ts`: opens either the storage engine on
 * its data folder (`vigil`: master keys, manifests, log replay) or the native DuckDB file
 * (`duckdb`), then runs one statement, and prints `{openMs, firstQueryMs, rows, statistics}` as JSON.
 *
 *   node dist/bench/cold-child.js vigil <dataDir> <workspaceId> <table> <sql with {T}>
 *   node dist/bench/cold-child.js duckdb <file> - - <sql with {T}>
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { StorageEngine } from '../src/store/engine.js';
import { COLUMNS } from './support.js';

const [mode, path, workspaceId, table, sql] = process.argv.slice(2) as [string, string, string, string, string];
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};

if (mode === 'vigil') {
  let t = process.hrtime.bigint();
  const engine = await StorageEngine.open({ dataDir: path, sealAgeMs: 3_600_000, log: () => undefined });
  await engine.attachWorkspaces([{ workspaceId, tables: [{ name: table, columns: COLUMNS.map((c) => ({ ...c })) }] }]);
  const openMs = ms(t);
  t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const out = await engine.query(sql.replaceAll('{T}', engine.tableSource(workspaceId, table)), { timeoutMs: 600_000, tables: [{ workspaceId, table }] });
  const firstQueryMs = ms(t);
  const firstQueryCpuMs = cpuMs(cpu);
  const s = out.statistics;
  process.stdout.write(`${JSON.stringify({ openMs, firstQueryMs, firstQueryCpuMs, rows: out.rows, statistics: s && { segmentsOpened: s.segmentsOpened, segmentsCounted: s.segmentsCounted, segmentsDecrypted: s.segmentsDecrypted, bytesDecrypted: s.bytesDecrypted } }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
  await engine.close();
} else {
  let t = process.hrtime.bigint();
  const inst = await DuckDBInstance.create(path, { threads: '2', memory_limit: '4GB' });
  const conn = await inst.connect();
  await conn.run("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  const openMs = ms(t);
  t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const rows = (await conn.runAndReadAll(sql.replaceAll('{T}', 'T'))).getRowsJS();
  const firstQueryMs = ms(t);
  const firstQueryCpuMs = cpuMs(cpu);
  process.stdout.write(`${JSON.stringify({ openMs, firstQueryMs, firstQueryCpuMs, rows }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
  conn.closeSync();
  inst.closeSync();
}
