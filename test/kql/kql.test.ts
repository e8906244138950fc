/**
 * Data-driven KQL tests: every case in cases.ts is compiled, wrapped for the wire,
 * executed on an in-memory DuckDB and compared with the expected typed table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KqlError } from '../../src/kql/index.js';
import { CASES as BASE_CASES } from './cases.js';
import { CASES as TABULAR_CASES } from './cases-tabular.js';
import { FUNCTION_CASES } from './cases-functions.js';
import { FIDELITY_CASES } from './cases-fidelity.js';
import { RUNTIME_CASES } from './cases-runtime.js';
import { OPERATOR_CASES } from './cases-operators.js';
import { EDGE_CASES } from './cases-edges.js';
import { PLUGIN_CASES } from './cases-plugins.js';
import { PLUGIN2_CASES } from './cases-plugins2.js';
import { TICK_CASES } from './cases-ticks.js';
import { GEO2_CASES } from './cases-geo2.js';
import { CATALOGUE_CASES } from './cases-catalogue.js';
import { OPS2_CASES } from './cases-ops2.js';
import { PLUGIN3_CASES } from './cases-plugins3.js';
import { GRAPH_CASES } from './cases-graph.js';
import { OPS3_CASES, PROJECT_BY_NAMES_CASES } from './cases-ops3.js';
import { DOCS_CASES, DOCS_CASES_2 } from './cases-docs.js';
import { TYPE_CASES } from './cases-types.js';
import { approxDifference, NOW, openDb, resolver, runKql } from './harness.js';

const CASES = [...BASE_CASES, ...TABULAR_CASES, ...FUNCTION_CASES, ...FIDELITY_CASES, ...RUNTIME_CASES, ...OPERATOR_CASES, ...EDGE_CASES, ...PLUGIN_CASES, ...TICK_CASES, ...PLUGIN2_CASES, ...GEO2_CASES, ...CATALOGUE_CASES, ...OPS2_CASES, ...PLUGIN3_CASES, ...GRAPH_CASES, ...OPS3_CASES, ...PROJECT_BY_NAMES_CASES, ...DOCS_CASES, ...DOCS_CASES_2, ...TYPE_CASES];

let conn: DuckDBConnection;

function key(row: unknown[]): string {
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

describe('KQL cases', () => {
  before(async () => {
    conn = await openDb();
  });
  after(() => {
    conn.closeSync();
  });

  for (const [i, c] of CASES.entries()) {
    const title = `#${i} ${c.q.length > 110 ? c.q.slice(0, 110) + '…' : c.q}`;
    test(title, async () => {
      const timespan = c.timespan
        ? { ...(c.timespan.start ? { start: new Date(c.timespan.start) } : {}), ...(c.timespan.end ? { end: new Date(c.timespan.end) } : {}) }
        : undefined;
      if (c.err) {
        let thrown: unknown;
        try {
          // through runKql: the error may come after a discovery step (bag_unpack/pivot over a stored table)
          await runKql(conn, c.q, timespan ? { timespan } : {});
        } catch (e) {
          thrown = e;
        }
        assert.ok(thrown instanceof KqlError, `expected a KqlError, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
        assert.equal(thrown.kind, c.err.kind, thrown.message);
        if (c.err.msg) assert.ok(thrown.message.includes(c.err.msg), `message ${JSON.stringify(thrown.message)} should include ${JSON.stringify(c.err.msg)}`);
        if (c.err.line !== undefined) assert.equal(thrown.line, c.err.line, `line of: ${thrown.message}`);
        if (c.err.column !== undefined) assert.equal(thrown.column, c.err.column, `column of: ${thrown.message}`);
        return;
      }
      const r = await runKql(conn, c.q, timespan ? { timespan } : {});
      assert.deepEqual(r.columns.map((x) => `${x.name}:${x.type}`), c.cols, 'columns');
      if (c.approx !== undefined) assert.equal(approxDifference(r.rows, c.rows!, c.approx), null, 'rows (approximately)');
      else if (c.ordered) assert.deepEqual(r.rows, c.rows);
      else assert.deepEqual(r.rows.map(key).sort(), c.rows!.map(key).sort());
      if (c.tables) assert.deepEqual(r.compiled.tables, c.tables);
      if (c.render) assert.deepEqual(r.compiled.render, c.render);
    });
  }

  test('case count', () => {
    assert.ok(CASES.length >= 120, `only ${CASES.length} cases`);
  });
});
