/**
 * Issue #11 — SQL injection through the KQL compiler, from the attacker's side, in process: every
 * SQL-looking payload of sql-payloads.ts in every literal and name position of injection-cases.ts
 * (pivot, bag_unpack, make-series, parse, parse-where, extract, extract_all, format strings, strcat,
 * strcat_delim, replace_string, replace_regex, translate, trim, split, url_decode, parse_json,
 * tostring, dynamic literals and bag keys, column names from data, project-rename, let strings,
 * h"" literals, datatable cells, countif) comes back exactly as data, with no engine error and
 * nothing forbidden (a Secret table, a segmem catalog, a store-like temp view, the settings).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { assertContained, CASES, checkCase, kqlString, openInjectionDb, runQuery } from './injection-cases.js';
import { FORBIDDEN_SQL, SECRET, SQL_PAYLOADS } from './sql-payloads.js';

let conn: DuckDBConnection;

describe('issue #11: SQL-looking payloads in every literal position come back as data', () => {
  before(async () => {
    conn = await openInjectionDb();
  });
  after(() => conn?.closeSync());

  test('the test database holds the forbidden data (the checks below can fail)', async () => {
    for (const e of FORBIDDEN_SQL.slice(0, 3)) {
      const r = await conn.runAndReadAll(`SELECT (${e})`);
      assert.ok(String(r.getRowsJS()[0]![0]).includes(SECRET), e);
    }
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const failures: string[] = [];
      for (const v of SQL_PAYLOADS) {
        if (c.skip?.(v) || (c.names && v === '')) continue; // empty names: their own test below
        const q = c.query(kqlString(v), v);
        const o = await runQuery(conn, q);
        try {
          await assertContained(conn, q, o);
        } catch (err) {
          failures.push((err as Error).message.split('\n').slice(0, 2).join('\n  '));
          continue;
        }
        const f = checkCase(c, v, q, o);
        if (f) failures.push(f);
      }
      assert.deepEqual(failures, [], `${failures.length} payload(s) did not come back as data:\n${failures.slice(0, 12).join('\n')}`);
    });
  }

  // Found while testing #11 (not an injection): an empty column name — from a pivot value, a bag key,
  // project-rename/extend/summarize [""] — must be refused by the compiler, not reach DuckDB as `""`.
  test('an empty column name (from data or written) is a clean KQL error or a named column — never an engine error', async () => {
    const failures: string[] = [];
    for (const c of CASES.filter((x) => x.names)) {
      const q = c.query(kqlString(''), '');
      const o = await runQuery(conn, q);
      await assertContained(conn, q, o);
      if (o.kind === 'engine-error') failures.push(`${q}\n  ${o.message.split('\n')[0]}`);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  test('the pivot exploit of issue #11 reads nothing forbidden (Secret, segmem.main.t_1, a temp view, duckdb_settings, current_setting)', async () => {
    for (const e of FORBIDDEN_SQL) {
      for (const agg of ['count(z)', 'sum(x)', 'avg(x)', 'min(x)', 'max(x)', 'any_value(x)', 'list(x)', 'stddev_samp(x)', 'var_samp(x)', 'quantile_disc(x)', 'COUNT(*)']) {
        const v = ` || (${e}) || `;
        const q = `datatable(k:string)[${kqlString(v)}] | evaluate pivot(k, max(strcat(k, ${kqlString(agg)})))`;
        const o = await runQuery(conn, q);
        await assertContained(conn, q, o);
        assert.deepEqual(o, { kind: 'rows', columns: [v], rows: [[`${v}${agg}`]] }, q);
      }
    }
  });
});
