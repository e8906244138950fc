/**
 * Isolation by construction (issue #11): the storage engine is handed hostile SQL directly — as if the
 * KQL compiler had been tricked into emitting arbitrary text — for a query granted one table of one
 * workspace. Whatever the statement names beyond that grant (another table, another workspace, the
 * memory tier's catalog, a view left on the connection by an earlier query, system functions and
 * views, settings, files, a second statement), the engine refuses it before running anything; and a
 * resource-scoped grant shows no row outside its scope, whatever the statement does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { StatementRefusedError } from '../../src/store/statement-guard.js';
import type { TableGrant } from '../../src/store/store.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const WS_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: '_ResourceId', type: 'string' },
  { name: 'Msg', type: 'string' },
];
const R1 = '/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1';
const R2 = '/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm2';
const tempDir = tempDirs('vigil-isolation-');

describe('the storage engine runs only what a query was granted', () => {
  let e: StorageEngine;
  const own: TableGrant = { workspaceId: WS_A, table: 'Granted_CL' };
  const run = (sql: string, tables: TableGrant[] = [own]) => e.query(sql, { timeoutMs: 10_000, tables });
  const values = async (sql: string, tables?: TableGrant[]) => (await run(sql, tables)).rows.flat().map(String);

  before(async () => {
    e = await StorageEngine.open({ dataDir: tempDir(), sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
    await e.attachWorkspaces([
      { workspaceId: WS_A, tables: [{ name: 'Granted_CL', columns: COLS }, { name: 'Secret_CL', columns: COLS }, { name: 'LAQueryLogs', columns: COLS }] },
      { workspaceId: WS_B, tables: [{ name: 'Other_CL', columns: COLS }] },
    ]);
    await e.append(WS_A, 'Granted_CL', COLS, [[BASE_TICKS, R1, 'mine-vm1'], [BASE_TICKS + HOUR_TICKS, R2, 'mine-vm2']]);
    await e.append(WS_A, 'Secret_CL', COLS, [[BASE_TICKS, R1, 'SECRET-same-workspace']]);
    await e.append(WS_A, 'LAQueryLogs', COLS, [[BASE_TICKS, R1, 'SECRET-audit']]);
    await e.append(WS_B, 'Other_CL', COLS, [[BASE_TICKS, R1, 'SECRET-other-workspace']]);
    // Earlier queries of other principals leave their views on the pooled connections.
    for (let i = 0; i < 8; i++) {
      await run(`SELECT count(*) FROM ${e.tableSource(WS_B, 'Other_CL')}`, [{ workspaceId: WS_B, table: 'Other_CL' }]);
      await run(`SELECT count(*) FROM ${e.tableSource(WS_A, 'Secret_CL')}`, [{ workspaceId: WS_A, table: 'Secret_CL' }]);
    }
  });
  after(async () => {
    await e.close();
  });

  it('runs a statement over the granted table and says which tables it read', async () => {
    const out = await run(`SELECT "Msg" FROM ${e.tableSource(WS_A, 'Granted_CL')} ORDER BY 1`);
    assert.deepEqual(out.rows.flat(), ['mine-vm1', 'mine-vm2']);
    assert.deepEqual(out.tablesRead, [own]);
    // Subqueries, CTEs, set operations, joins and value-generating table functions are fine.
    const src = e.tableSource(WS_A, 'Granted_CL');
    const sql = `WITH a AS (SELECT "Msg" AS m FROM ${src}), b AS (SELECT m FROM a WHERE m LIKE 'mine%') SELECT count(*) FROM b JOIN range(1) r ON true UNION ALL SELECT count(*) FROM (SELECT unnest([1, 2]) AS x) s`;
    assert.deepEqual(await values(sql), ['2', '2']);
  });

  const hostile: [string, (e: StorageEngine) => string][] = [
    ['another table of the same workspace', (x) => `SELECT "Msg" FROM ${x.tableSource(WS_A, 'Secret_CL')}`],
    ['the audit table', (x) => `SELECT "Msg" FROM ${x.tableSource(WS_A, 'LAQueryLogs')}`],
    ['a table of another workspace', (x) => `SELECT "Msg" FROM ${x.tableSource(WS_B, 'Other_CL')}`],
    ['a forbidden table beside the granted one', (x) => `SELECT "Msg" FROM ${x.tableSource(WS_A, 'Granted_CL')} UNION ALL SELECT "Msg" FROM ${x.tableSource(WS_B, 'Other_CL')}`],
    ['a forbidden table in a scalar subquery', (x) => `SELECT (SELECT max("Msg") FROM ${x.tableSource(WS_B, 'Other_CL')}) FROM ${x.tableSource(WS_A, 'Granted_CL')}`],
    ['a forbidden table in IN (subquery)', (x) => `SELECT 1 FROM ${x.tableSource(WS_A, 'Granted_CL')} WHERE "Msg" IN (SELECT "Msg" FROM ${x.tableSource(WS_A, 'Secret_CL')})`],
    ['a forbidden table inside a CTE', (x) => `WITH s AS (SELECT * FROM ${x.tableSource(WS_A, 'Secret_CL')}) SELECT "Msg" FROM s`],
    ['the memory tier catalog', () => `SELECT * FROM segmem.main.t_1`],
    ['the memory tier catalog, two-part name', () => `SELECT * FROM segmem.t_2`],
    ['an unqualified memory tier table', () => `SELECT * FROM t_1`],
    ['an unqualified view name', (x) => `SELECT * FROM ${x.tableSource(WS_B, 'Other_CL').replace(/^temp\.main\./, '')}`],
    ['the scratch catalog', () => `SELECT * FROM scratch.main.anything`],
    ['duckdb_settings()', () => `SELECT * FROM duckdb_settings()`],
    ['duckdb_tables()', () => `SELECT * FROM duckdb_tables()`],
    ['duckdb_views()', () => `SELECT sql FROM duckdb_views()`],
    ['a system view', () => `SELECT * FROM duckdb_views`],
    ['information_schema', () => `SELECT * FROM information_schema.tables`],
    ['pg_catalog', () => `SELECT * FROM pg_catalog.pg_class`],
    ['sqlite_master', () => `SELECT * FROM sqlite_master`],
    ['current_setting()', () => `SELECT current_setting('temp_directory')`],
    ['getvariable()', () => `SELECT getvariable('x')`],
    ['version()', () => `SELECT version()`],
    ['current_database()', () => `SELECT current_database()`],
    ['a pg_catalog macro', () => `SELECT pg_catalog.current_database()`],
    ['a macro that reads the catalog', () => `SELECT get_block_size('segmem')`],
    ['a macro over a denied function', () => `SELECT current_catalog()`],
    ['json_execute_serialized_sql()', () => `SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))`],
    ['query()', () => `SELECT * FROM query('SELECT * FROM segmem.main.t_1')`],
    ['query_table()', () => `SELECT * FROM query_table('segmem.main.t_1')`],
    ['read_parquet()', () => `SELECT * FROM read_parquet('/etc/passwd')`],
    ['read_text()', () => `SELECT * FROM read_text('/etc/passwd')`],
    ['glob()', () => `SELECT * FROM glob('/*')`],
    ['a replacement scan of a file', () => `SELECT * FROM '/etc/passwd'`],
    ['a second statement', (x) => `SELECT 1 FROM ${x.tableSource(WS_A, 'Granted_CL')}; SELECT * FROM segmem.main.t_1`],
    ['ATTACH', () => `ATTACH ':memory:' AS x`],
    ['SET', () => `SET memory_limit = '1GB'`],
    ['PRAGMA', () => `PRAGMA database_list`],
    ['COPY', (x) => `COPY (SELECT * FROM ${x.tableSource(WS_A, 'Granted_CL')}) TO '/tmp/vigil-leak.csv'`],
    ['CREATE', () => `CREATE TEMP VIEW leak AS SELECT * FROM segmem.main.t_1`],
    ['DROP', (x) => `DROP VIEW ${x.tableSource(WS_A, 'Granted_CL')}`],
    ['SUMMARIZE', () => `SUMMARIZE segmem.main.t_1`],
    ['DESCRIBE', () => `DESCRIBE SELECT * FROM segmem.main.t_1`],
    ['FROM-first syntax', () => `FROM segmem.main.t_1`],
    ['a CTE named like a system table that reads it', () => `WITH duckdb_settings AS (SELECT * FROM duckdb_settings) SELECT * FROM duckdb_settings`],
    ['a CTE used outside its scope', () => `SELECT * FROM (WITH t_1 AS (SELECT 1 AS x) SELECT x FROM t_1) AS a, t_1`],
    ['a CTE referring to a later one', () => `WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a`],
    ['a recursive CTE', () => `WITH RECURSIVE r AS (SELECT 1 AS x UNION ALL SELECT x + 1 FROM r WHERE x < 3) SELECT * FROM r`],
    ['PIVOT over the tier', () => `PIVOT segmem.main.t_1 ON "Msg" USING count(*)`],
    // The left side of IN (subquery) / = ANY (subquery) is an expression of its own.
    ['a denied function left of IN (subquery)', () => `SELECT 1 WHERE current_setting('temp_directory') IN (SELECT 1)`],
    ['a forbidden table left of IN (subquery)', (x) => `SELECT 1 WHERE (SELECT max("Msg") FROM ${x.tableSource(WS_B, 'Other_CL')}) IN (SELECT 'x')`],
    ['the memory tier left of = ANY (subquery)', () => `SELECT 1 WHERE (SELECT count(*) FROM segmem.main.t_1) = ANY (SELECT 1)`],
  ];
  for (const [what, sql] of hostile) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(run(sql(e)), (err: unknown) => err instanceof StatementRefusedError || (err instanceof Error && /syntax|parser/i.test(err.message)));
    });
  }

  it('shows a resource-scoped grant only the rows of its scope, whatever the statement does', async () => {
    const scoped: TableGrant = { workspaceId: WS_A, table: 'Granted_CL', resourceScope: R1 };
    // The compiled SQL adds no _ResourceId filter of its own: the grant's view holds the scope.
    assert.deepEqual(await values(`SELECT "Msg" FROM ${e.tableSource(WS_A, 'Granted_CL', R1)}`, [scoped]), ['mine-vm1']);
    assert.deepEqual(await values(`SELECT count(*) FROM ${e.tableSource(WS_A, 'Granted_CL', R1)} WHERE "_ResourceId" <> '${R1}' OR true`, [scoped]), ['1']);
    // The unscoped view of the same table (left on connections by earlier workspace-context queries) is not this grant's.
    await values(`SELECT "Msg" FROM ${e.tableSource(WS_A, 'Granted_CL')}`);
    await assert.rejects(run(`SELECT "Msg" FROM ${e.tableSource(WS_A, 'Granted_CL')}`, [scoped]), StatementRefusedError);
    // A scope is a path prefix at segment boundaries: vm1 does not grant vm10.
    assert.deepEqual(await values(`SELECT count(*) FROM ${e.tableSource(WS_A, 'Granted_CL', `${R1}0`)}`, [{ ...scoped, resourceScope: `${R1}0` }]), ['0']);
    // The scope is data: a quote in it cannot end the filter's literal.
    const quoted = `${R1}/slots/o' OR true OR '`;
    assert.deepEqual(await values(`SELECT count(*) FROM ${e.tableSource(WS_A, 'Granted_CL', quoted)}`, [{ ...scoped, resourceScope: quoted }]), ['0']);
  });
});
