/**
 * Compiled KQL over the storage engine, datetimes stored as 100-ns ticks as the compiler computes
 * them (src/kql/types.ts): stored values read back with all 7 digits, tick arithmetic works on them,
 * and a TimeGenerated filter written in KQL prunes sealed segments (src/store/time-pruning.ts)
 * without dropping a row one tick inside a bound.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compile, type ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS = '1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6';
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];
const tempDir = tempDirs('vigil-ticks-');

describe('compiled KQL datetimes over stored ticks', { timeout: 180_000 }, () => {
  let e: StorageEngine;

  before(async () => {
    e = await StorageEngine.open({ dataDir: tempDir(), sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
    await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    // one row per hour for two days from 2024-01-01, each 0.1234567 s past the hour
    const rows = Array.from({ length: 48 }, (_, k) => ['t', BASE_TICKS + BigInt(k) * HOUR_TICKS + 1234567n, `m-${k}`, BigInt(k)]);
    await e.append(WS, 'T_CL', COLS, rows);
    await e.sealDue(true);
    assert.equal((await e.segmentsOf(WS)).length, 48, 'one segment per hour partition');
  });

  after(async () => {
    await e.close();
  });

  async function kql(query: string) {
    const compiled = compile(query, { resolveTable: (n) => (n === 'T_CL' ? { sql: e.tableSource(WS, 'T_CL'), columns: COLS } : undefined) }, { now: new Date('2024-01-03T00:00:00Z') });
    const out = await e.query(wrapForWire(compiled.sql, compiled.columns), { timeoutMs: 60_000, exactScan: true, tables: [{ workspaceId: WS, table: 'T_CL' }] });
    return { rows: out.rows.map((r) => toWireRow(r, compiled.columns)), stats: out.statistics! };
  }

  it('reads stored values exactly and computes with ticks on them', async () => {
    const r = await kql("T_CL | where N == 5 | project TimeGenerated, next = TimeGenerated + 1tick, f = format_datetime(TimeGenerated, 'HH:mm:ss.fffffff'), ns = datetime_part('nanosecond', TimeGenerated + 3tick)");
    assert.deepEqual(r.rows, [['2024-01-01T05:00:00.1234567Z', '2024-01-01T05:00:00.1234568Z', '05:00:00.1234567', 123457000]]);
  });

  it('prunes sealed segments by a TimeGenerated range written in KQL', async () => {
    const hour = await kql('T_CL | where TimeGenerated >= datetime(2024-01-02 05:00) and TimeGenerated < datetime(2024-01-02 06:00) | count');
    assert.deepEqual(hour.rows, [[1]]);
    assert.equal(hour.stats.segmentsOpened, 1);
    const recent = await kql('T_CL | where TimeGenerated > ago(3h) | summarize count(), min(N)');
    assert.deepEqual(recent.rows, [[3, 45]]);
    assert.equal(recent.stats.segmentsOpened, 3);
    const between = await kql('T_CL | where TimeGenerated between (datetime(2024-01-01 10:00) .. datetime(2024-01-01 12:00)) | count');
    assert.deepEqual(between.rows, [[2]]); // 10:00:00.1234567 and 11:00:00.1234567; 12:00:00.1234567 is past the end
  });

  it('prunes an avg too, whose compiled NaN constant DuckDB writes bare in the plan JSON', async () => {
    const r = await kql('T_CL | where TimeGenerated >= datetime(2024-01-02 05:00) and TimeGenerated < datetime(2024-01-02 07:00) | summarize avg(N)');
    assert.deepEqual(r.rows, [[29.5]]);
    assert.equal(r.stats.segmentsOpened, 2);
  });

  it('prunes nothing it must not: a bound one tick past a stored value keeps its segment', async () => {
    const r = await kql('T_CL | where TimeGenerated <= datetime(2024-01-01 00:00:00.1234567) | project N');
    assert.deepEqual(r.rows, [[0]]);
    assert.deepEqual((await kql('T_CL | where TimeGenerated < datetime(2024-01-01 00:00:00.1234567) | project N')).rows, []);
    assert.deepEqual((await kql('T_CL | where TimeGenerated == datetime(2024-01-01 07:00:00.1234567) | project N')).rows, [[7]]);
    assert.deepEqual((await kql('T_CL | where TimeGenerated == datetime(2024-01-01 07:00:00.1234566) | project N')).rows, []);
    const r2 = await kql('T_CL | where TimeGenerated > datetime(2024-01-01 23:00:00.1234566) and TimeGenerated < datetime(2024-01-01 23:00:00.1234568) | project N');
    assert.deepEqual(r2.rows, [[23]]);
    assert.equal(r2.stats.segmentsOpened, 1);
  });
});
