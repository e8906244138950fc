/**
 * The common shapes over a table — `where p | count`, `summarize … by k`, `top N by c`, `where p |
 * summarize …`, `summarize count() by bin(TimeGenerated, 5m)`, projections and filters over them —
 * are emitted as one SELECT over the table (emitter.ts, Flat). These pin their answers where the
 * flat form could go wrong: NULL strings (Kusto's ''), NULL and NaN numbers, NULL datetimes, ties,
 * the request timespan, renamed columns, and an empty table. Every statement goes through the
 * store's statement guard, as on the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compile, type ColumnSchema, type TableResolver } from '../../src/kql/index.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { registerKqlRuntime } from '../../src/kql/runtime/index.js';
import { StatementGuard } from '../../src/store/statement-guard.js';

const COLUMNS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Level', type: 'string' },
  { name: 'Service', type: 'string' },
  { name: 'DurationMs', type: 'real' },
  { name: 'Code', type: 'int' },
];
const ticks = (iso: string | null) => (iso === null ? 'NULL' : `(epoch_us(TIMESTAMP '${iso}') * 10 + 621355968000000000)`);
const ROWS = [
  [ticks('2024-01-01 10:00:00'), "'Error'", "'a'", '10', '500'],
  [ticks('2024-01-01 10:02:00'), "'Error'", 'NULL', 'NULL', 'NULL'],
  [ticks('2024-01-01 10:04:59'), 'NULL', "'b'", '10', '200'],
  [ticks('2024-01-01 10:05:00'), "''", "'a'", "'NaN'", '200'],
  [ticks('2024-01-01 10:20:00'), "'Information'", "'b'", '5', 'NULL'],
  [ticks(null), "'Error'", "'a'", '20', '503'],
];
const resolver: TableResolver = {
  resolveTable: (name) => (name === 'F' || name === 'E' ? { sql: `memory.main.${name}`, columns: COLUMNS } : undefined),
};

let conn: DuckDBConnection;
let guard: StatementGuard;

async function run(kql: string, timespan?: { start: string; end: string }): Promise<{ columns: string[]; rows: unknown[][] }> {
  const compiled = compile(kql, resolver, { now: new Date('2024-01-03T00:00:00Z'), ...(timespan ? { timespan: { start: new Date(timespan.start), end: new Date(timespan.end) } } : {}) });
  const sql = wrapForWire(compiled.sql, compiled.columns);
  await guard.check(sql, new Set(['memory.main.f', 'memory.main.e']));
  const reader = await conn.runAndReadAll(sql);
  return { columns: compiled.columns.map((c) => `${c.name}:${c.type}`), rows: (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns)) };
}

/** Rows in a fixed order, for answers whose order the query does not set. */
const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe('the common shapes, emitted as one SELECT over the table', () => {
  before(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
    registerKqlRuntime(conn);
    for (const t of ['F', 'E']) await conn.run(`CREATE TABLE ${t} ("TimeGenerated" BIGINT, "Level" VARCHAR, "Service" VARCHAR, "DurationMs" DOUBLE, "Code" INTEGER)`);
    await conn.run(`INSERT INTO F VALUES ${ROWS.map((r) => `(${r.join(', ')})`).join(', ')}`);
    guard = await StatementGuard.open("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  });
  after(async () => {
    await guard.close();
    conn.closeSync();
  });

  it('where p | count: a NULL string is the empty string, the count a long, an empty table counts 0', async () => {
    assert.deepEqual(await run("F | where Level == 'Error' | count"), { columns: ['Count:long'], rows: [[3]] });
    assert.deepEqual((await run("F | where Level == '' | count")).rows, [[2]]);
    assert.deepEqual((await run("F | where Level != 'Error' | count")).rows, [[3]]);
    assert.deepEqual((await run('F | where isempty(Service) | count')).rows, [[1]]);
    assert.deepEqual((await run('F | count')).rows, [[6]]);
    assert.deepEqual(await run("E | where Level == 'Error' | count"), { columns: ['Count:long'], rows: [[0]] });
  });

  it('summarize avg by k: NULL keys group as the empty string, avg is real and NaN over no numbers', async () => {
    const r = await run('F | summarize avg(DurationMs) by Service');
    assert.deepEqual(r.columns, ['Service:string', 'avg_DurationMs:real']);
    assert.deepEqual(sorted(r.rows), sorted([['', 'NaN'], ['a', 'NaN'], ['b', 7.5]]));
    assert.deepEqual((await run('E | summarize avg(DurationMs) by Service')).rows, []);
    assert.deepEqual(await run('E | summarize count(), avg(DurationMs)'), { columns: ['count_:long', 'avg_DurationMs:real'], rows: [[0, 'NaN']] });
  });

  it('where p | summarize … by k: the filter holds before the groups', async () => {
    const r = await run("F | where Level == 'Error' | summarize n = count(), m = max(DurationMs), s = sum(Code) by Service");
    assert.deepEqual(r.columns, ['Service:string', 'n:long', 'm:real', 's:long']);
    assert.deepEqual(sorted(r.rows), sorted([['', 1, null, 0], ['a', 2, 20, 1003]]));
    const d = await run('F | where isnotempty(Level) | summarize dcount(Service), countif(Code == 200) by Level');
    assert.deepEqual(sorted(d.rows), sorted([['Error', 2, 0], ['Information', 1, 0]]));
  });

  it('top N by c: descending, NaN after the numbers and null last; ties kept; ascending puts nulls first', async () => {
    assert.deepEqual((await run('F | top 6 by DurationMs | project DurationMs, Code')).rows, [[20, 503], [10, 500], [10, 200], [5, null], ['NaN', 200], [null, null]]);
    const tied = await run('F | top 3 by DurationMs');
    assert.deepEqual(tied.columns, COLUMNS.map((c) => `${c.name}:${c.type}`));
    assert.deepEqual(tied.rows.map((r) => r[3]), [20, 10, 10]);
    assert.deepEqual(sorted(tied.rows.slice(1).map((r) => [r[2], r[4]])), sorted([['a', 500], ['b', 200]]));
    assert.deepEqual((await run('F | top 3 by Code asc | project Code')).rows, [[null], [null], [200]]);
    assert.deepEqual((await run('F | top 2 by Level asc | project Level')).rows, [[''], ['']]);
    assert.deepEqual((await run('E | top 3 by DurationMs')).rows, []);
  });

  it('summarize count() by bin(TimeGenerated, 5m): bins of ticks, a NULL time its own group', async () => {
    const r = await run('F | summarize count() by bin(TimeGenerated, 5m)');
    assert.deepEqual(r.columns, ['TimeGenerated:datetime', 'count_:long']);
    assert.deepEqual(sorted(r.rows), sorted([['2024-01-01T10:00:00.0000000Z', 3], ['2024-01-01T10:05:00.0000000Z', 1], ['2024-01-01T10:20:00.0000000Z', 1], [null, 1]]));
    assert.deepEqual((await run('E | summarize count() by bin(TimeGenerated, 5m)')).rows, []);
  });

  it('projections, sorts and takes over the table, and the request timespan', async () => {
    assert.deepEqual((await run("F | project S = Service, L = Level | where L == 'Error' | count")).rows, [[3]]);
    assert.deepEqual(await run('F | project-away Code | where isempty(Service) | project Level, Service'), { columns: ['Level:string', 'Service:string'], rows: [['Error', '']] });
    assert.deepEqual((await run('F | where Code > 0 | sort by Code desc, DurationMs asc | project Code, DurationMs')).rows, [[503, 20], [500, 10], [200, 'NaN'], [200, 10]]);
    assert.deepEqual((await run("F | where Service == 'a' | take 10 | count")).rows, [[3]]);
    assert.deepEqual(sorted((await run('F | where Code == 200 | extend d2 = DurationMs * 2 | project Service, d2')).rows), sorted([['b', 20], ['a', 'NaN']]));
    assert.deepEqual((await run("F | where Level == 'Error' | extend x = DurationMs * 2, L2 = Level | where x > 15 | summarize count() by L2")).rows, [['Error', 2]]);
    assert.deepEqual((await run("F | extend Level = strcat(Level, '!') | where Level == '!' | count")).rows, [[2]]);
    assert.deepEqual((await run('F | where isnotnull(Code) | serialize r = row_number() | where r > 1 | count')).rows, [[3]]);
    const span = { start: '2024-01-01T10:02:00Z', end: '2024-01-01T10:20:00Z' };
    assert.deepEqual((await run('F | count', span)).rows, [[3]]);
    assert.deepEqual((await run("F | where Level == 'Error' | count", span)).rows, [[1]]);
    assert.deepEqual(sorted((await run('F | summarize count() by Service', span)).rows), sorted([['', 1], ['a', 1], ['b', 1]]));
  });
});
