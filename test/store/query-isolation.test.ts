/**
 * Issue #11 — isolation inside the store, from the attacker's side: whatever SQL reaches
 * `StorageEngine.query` (an injection the compiler missed), it can read only the tables granted in
 * `limits.tables`. Two workspaces with a granted table, a denied table in the same workspace and a
 * table in another workspace, each holding rows in every place the engine keeps them (sealed into
 * the memory tier, and hot); every other table has been read by an earlier, authorized query so its
 * views and tier tables exist. Raw SQL then tries every name the engine uses — the per-query view
 * names, `segmem.main.t_N`, the catalogs — and must get an error or nothing forbidden, must not
 * change anything, and must not reach files or settings.
 */
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine } from '../../src/store/engine.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const W1 = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const W2 = '11111111-2222-3333-4444-555555555555';
const hex = (id: string) => id.replace(/-/g, '');
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
];
const SECRET = 'SECRET-ROW';

const tempDir = tempDirs('vigil-isolation-');

describe('issue #11: a query\'s SQL reads only its granted tables (store isolation)', { timeout: 120_000 }, () => {
  let e: StorageEngine;
  const granted = [{ workspaceId: W1, table: 'Granted_CL' }];
  const rows = (prefix: string, from: number, n: number) => Array.from({ length: n }, (_, k) => ['t', BASE_TICKS + BigInt(from + k) * HOUR_TICKS, `${prefix}-${from + k}`]);

  /** Runs `sql` as a query granted only W1/Granted_CL; returns its rows as text, or the error message. */
  const attack = async (sql: string): Promise<{ ok: boolean; text: string }> => {
    try {
      const out = await e.query(sql, { timeoutMs: 10_000, tables: granted });
      return { ok: true, text: JSON.stringify(out.rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) };
    } catch (err) {
      return { ok: false, text: (err as Error).message };
    }
  };
  const assertNoSecret = async (sql: string) => {
    const r = await attack(sql);
    assert.ok(!r.text.includes(SECRET), `a query granted only Granted_CL read forbidden rows with:\n${sql}\n→ ${r.text.slice(0, 400)}`);
    return r;
  };
  const source = (ws: string, table: string) => e.tableSource(ws, table);

  before(async () => {
    e = await StorageEngine.open({ dataDir: tempDir(), sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined });
    await e.attachWorkspaces([
      { workspaceId: W1, tables: [{ name: 'Granted_CL', columns: COLS }, { name: 'Secret_CL', columns: COLS }, { name: 'LAQueryLogs', columns: COLS }] },
      { workspaceId: W2, tables: [{ name: 'Other_CL', columns: COLS }] },
    ]);
    for (const [ws, table, prefix] of [
      [W1, 'Granted_CL', 'granted'],
      [W1, 'Secret_CL', `${SECRET}-w1`],
      [W1, 'LAQueryLogs', `${SECRET}-audit`],
      [W2, 'Other_CL', `${SECRET}-w2`],
    ] as const) {
      await e.append(ws, table, COLS, rows(prefix, 0, 3));
    }
    await e.sealDue(true);
    for (const [ws, table, prefix] of [
      [W1, 'Granted_CL', 'granted'],
      [W1, 'Secret_CL', `${SECRET}-w1`],
      [W1, 'LAQueryLogs', `${SECRET}-audit`],
      [W2, 'Other_CL', `${SECRET}-w2`],
    ] as const) {
      await e.append(ws, table, COLS, rows(prefix, 3, 2)); // hot rows too
      // An authorized reader of each table: its views and tier tables exist from now on.
      const out = await e.query(`SELECT count(*) FROM ${source(ws, table)}`, { timeoutMs: 10_000, tables: [{ workspaceId: ws, table }] });
      assert.equal(Number(out.rows[0]![0]), 5, `${table} holds its rows`);
    }
  });
  after(async () => e?.close());

  it('the granted table is readable (sealed and hot rows)', async () => {
    const r = await attack(`SELECT string_agg("Msg", ',' ORDER BY "Msg") FROM ${source(W1, 'Granted_CL')}`);
    assert.ok(r.ok, r.text);
    assert.equal(r.text, JSON.stringify([['granted-0,granted-1,granted-2,granted-3,granted-4']]));
  });

  it('a denied table of the same workspace, the audit table and another workspace\'s table are unreadable by name', async () => {
    for (const [ws, table] of [[W1, 'Secret_CL'], [W1, 'LAQueryLogs'], [W2, 'Other_CL']] as const) {
      // Several times: the engine runs queries on pooled connections, each with its own temp catalog.
      for (let i = 0; i < 4; i++) await assertNoSecret(`SELECT string_agg("Msg", ',') FROM ${source(ws, table)}`);
      await assertNoSecret(`SELECT string_agg("Msg", ',') FROM temp.main."vigil_${hex(ws)}_${table}"`);
      await assertNoSecret(`SELECT string_agg("Msg", ',') FROM "vigil_${hex(ws)}_${table}"`);
      await assertNoSecret(`SELECT string_agg("Msg", ',') FROM temp."vigil_${hex(ws)}_${table}"`);
      await assertNoSecret(`SELECT string_agg("Msg", ',') FROM temp.main."v_${hex(ws)}_${table}"`);
    }
  });

  it('the memory tier is unreadable: segmem.main.t_N, by any spelling', async () => {
    for (let n = 1; n <= 12; n++) {
      await assertNoSecret(`SELECT string_agg(CAST(x AS VARCHAR), ',') FROM segmem.main.t_${n} AS x`);
      await assertNoSecret(`SELECT string_agg(CAST(x AS VARCHAR), ',') FROM segmem.t_${n} AS x`);
      await assertNoSecret(`SELECT string_agg(CAST(x AS VARCHAR), ',') FROM "SEGMEM"."MAIN"."T_${n}" AS x`);
    }
  });

  it('every table the catalogs list is unreadable unless granted, also through query_table() and query()', async () => {
    // Each attached database, schema and table is a way in: list them, then try each one found.
    const listed = await attack(
      `SELECT string_agg(database_name || '.' || schema_name || '.' || table_name, ',') FROM (SELECT database_name, schema_name, table_name FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal)`,
    );
    if (listed.ok) {
      const names = (JSON.parse(listed.text) as (string | null)[][])[0]![0]?.split(',') ?? [];
      for (const n of names) {
        const [db, schema, table] = n.split('.');
        await assertNoSecret(`SELECT string_agg(CAST(x AS VARCHAR), ',') FROM "${db}"."${schema}"."${table}" AS x`);
        await assertNoSecret(`SELECT string_agg(CAST(x AS VARCHAR), ',') FROM query_table('"${db}"."${schema}"."${table}"') AS x`);
      }
    }
    for (const sql of [
      `SELECT string_agg(CAST(x AS VARCHAR), ',') FROM query_table('segmem.main.t_2') AS x`,
      `SELECT * FROM query('SELECT string_agg(CAST(x AS VARCHAR), '','') FROM segmem.main.t_2 AS x')`,
    ]) {
      await assertNoSecret(sql);
    }
  });

  it('the catalogs do not even name the tables the query may not read', async () => {
    // Several times: the engine runs queries on pooled connections, each with its own temp catalog.
    for (let i = 0; i < 8; i++) {
      const listed = await attack(`SELECT string_agg(database_name || '.' || table_name, ',') FROM (SELECT database_name, table_name FROM duckdb_tables() UNION ALL SELECT database_name, view_name FROM duckdb_views() WHERE NOT internal)`);
      assert.ok(!/Secret_CL|Other_CL|LAQueryLogs|vigil_11111111/i.test(listed.text), `the catalog lists tables the query may not read: ${listed.text.slice(0, 400)}`);
    }
  });

  it('a forbidden read hidden in any clause, join, set operation, lambda or table-function argument reaches nothing', async () => {
    const G = source(W1, 'Granted_CL');
    const probes = [
      ...[2, 3, 4].map((n) => `(SELECT string_agg(CAST(x AS VARCHAR), ',') FROM segmem.main.t_${n} AS x)`),
      `(SELECT string_agg("Msg", ',') FROM ${source(W1, 'Secret_CL')})`,
      `(SELECT string_agg("Msg", ',') FROM ${source(W2, 'Other_CL')})`,
    ];
    const forms: ((p: string) => string)[] = [
      (p) => `SELECT ${p}`,
      (p) => `SELECT "Msg", ${p} AS leak FROM ${G}`,
      (p) => `SELECT * FROM ${G} WHERE "Msg" IN (SELECT ${p})`,
      (p) => `SELECT * FROM ${G} AS g, LATERAL (SELECT ${p} AS leak) AS l`,
      (p) => `SELECT "Msg" FROM ${G} UNION ALL SELECT ${p}`,
      (p) => `SELECT "Msg" FROM ${G} UNION BY NAME SELECT ${p} AS "Msg"`,
      (p) => `WITH c AS (SELECT ${p} AS leak) SELECT * FROM c`,
      (p) => `WITH RECURSIVE c(n, leak) AS (SELECT 1, ${p} UNION ALL SELECT n + 1, leak FROM c WHERE n < 2) SELECT * FROM c`,
      (p) => `SELECT * FROM json_each(to_json(${p}))`,
      (p) => `SELECT * FROM unnest([${p}])`,
      (p) => `SELECT * FROM range(1) AS r(x) WHERE x < length(${p})`,
      (p) => `SELECT list_transform([1], x -> ${p})`,
      (p) => `SELECT [${p} FOR x IN [1]]`,
      (p) => `SELECT struct_pack(leak := ${p})`,
      (p) => `SELECT MAP {${p}: 1}`,
      (p) => `SELECT string_agg("Msg", ',' ORDER BY ${p}) FROM ${G}`,
      (p) => `SELECT count(*) FILTER (WHERE ${p} IS NOT NULL), any_value(${p}) FROM ${G}`,
      (p) => `SELECT first_value(${p}) OVER (PARTITION BY ${p}) FROM ${G}`,
      (p) => `SELECT * FROM ${G} QUALIFY ${p} IS NOT NULL`,
      (p) => `SELECT * EXCLUDE ("Msg"), ${p} FROM ${G}`,
      (p) => `SELECT * REPLACE (${p} AS "Msg") FROM ${G}`,
      (p) => `SELECT CASE WHEN true THEN ${p} END`,
      (p) => `SELECT * FROM (VALUES (${p})) AS v(leak)`,
      (p) => `SELECT * FROM ${G} LIMIT length(${p})`,
      (p) => `SELECT * FROM ${G} ORDER BY ${p}`,
      (p) => `SELECT "Msg", count(*) FROM ${G} GROUP BY GROUPING SETS (("Msg"), (${p}))`,
      (p) => `SELECT error(${p})`,
      (p) => `SELECT CAST(${p} AS INTEGER)`,
      (p) => `SELECT format('{}', ${p})`,
    ];
    for (const p of probes) for (const f of forms) await assertNoSecret(f(p));
    // Other ways to name a table: DESCRIBE / SUMMARIZE / SHOW as table references, PIVOT, replacement scans.
    for (const sql of [
      `SELECT * FROM (DESCRIBE ${source(W1, 'Secret_CL')})`,
      `SELECT * FROM (SUMMARIZE ${source(W1, 'Secret_CL')})`,
      `SELECT * FROM (SUMMARIZE segmem.main.t_2)`,
      `SELECT * FROM (SHOW TABLES)`,
      `SELECT * FROM (SHOW ALL TABLES)`,
      `PIVOT segmem.main.t_2 ON "Msg"`,
      `SELECT * FROM (PIVOT ${source(W1, 'Secret_CL')} ON "Msg")`,
      `FROM segmem.main.t_2`,
      `SELECT * FROM 'segmem.main.t_2'`,
    ]) {
      await assertNoSecret(sql);
    }
  });

  it('the engine\'s settings and state are refused, however the function is spelled', async () => {
    for (const sql of [
      `SELECT current_setting('temp_directory')`,
      `SELECT CURRENT_SETTING('temp_directory')`,
      `SELECT "current_setting"('temp_directory')`,
      `SELECT main.current_setting('temp_directory')`,
      `SELECT pg_catalog.current_setting('temp_directory')`,
      `SELECT system.main.current_setting('temp_directory')`,
      `SELECT ('temp_directory').current_setting()`,
      `SELECT list_transform(['temp_directory'], x -> current_setting(x))`,
      `SELECT * FROM duckdb_settings()`,
      `SELECT * FROM pragma_database_list()`,
      `SELECT * FROM duckdb_databases()`,
      `SELECT * FROM duckdb_temporary_files()`,
      `SELECT getvariable('x'), version()`,
      `SELECT * FROM query('SELECT 1')`,
      `SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))`,
    ]) {
      const r = await attack(sql);
      assert.ok(!r.ok, `${sql} ran: ${r.text.slice(0, 200)}`);
    }
  });

  it('no statement changes anything: writes, DDL, ATTACH, SET and multi-statement SQL are refused', async () => {
    for (const sql of [
      `DELETE FROM ${source(W1, 'Granted_CL')}`,
      `SELECT 1; DELETE FROM segmem.main.t_1`,
      `SELECT 1; DROP TABLE segmem.main.t_1`,
      `SELECT 1; DROP VIEW temp.main."vigil_${hex(W1)}_Secret_CL"`,
      `SELECT 1; CREATE TABLE segmem.main.evil AS SELECT 1`,
      `SELECT 1; UPDATE segmem.main.t_1 SET "Msg" = 'x'`,
      `SELECT 1; ATTACH ':memory:' AS evil`,
      `SELECT 1; SET enable_external_access = true`,
      `SELECT 1; SET lock_configuration = false`,
      `SELECT 1; DETACH segmem`,
    ]) {
      await attack(sql);
    }
    for (const [ws, table] of [[W1, 'Granted_CL'], [W1, 'Secret_CL'], [W1, 'LAQueryLogs'], [W2, 'Other_CL']] as const) {
      const out = await e.query(`SELECT count(*) FROM ${source(ws, table)}`, { timeoutMs: 10_000, tables: [{ workspaceId: ws, table }] });
      assert.equal(Number(out.rows[0]![0]), 5, `${table} still holds all its rows`);
    }
  });

  it('no file or setting is reachable (external access off, configuration locked)', async () => {
    for (const sql of [
      `SELECT content FROM read_text('/etc/hostname')`,
      `SELECT * FROM read_csv('/etc/passwd')`,
      `SELECT * FROM glob('/*')`,
      `COPY (SELECT 1) TO '/tmp/vigil-isolation-probe.csv'`,
    ]) {
      const r = await attack(sql);
      assert.ok(!r.ok, `${sql} ran: ${r.text.slice(0, 200)}`);
    }
  });
});
