/**
 * Azure's standard tables (DESIGN §8, issue #12): the catalog Vigil ships (src/metadata/azure-tables.ts,
 * generated from the reference azure-tables.json), and real-world Sentinel / Azure Monitor content
 * over them — every query parses, compiles, passes the store's statement guard and runs, returning no
 * rows (the tables hold no data) with the documented columns.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compile, emptyRelationSql, type ResolvedTable, type TableResolver } from '../../src/kql/index.js';
import { parse } from '../../src/kql/parser.js';
import { AZURE_TABLES } from '../../src/metadata/azure-tables.js';
import { tableSchema } from '../../src/metadata/standard-columns.js';
import { standardTable, standardTables } from '../../src/metadata/standard-tables.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { guarded, NOW, openDb } from './harness.js';
import { SENTINEL_CORPUS } from './sentinel-corpus.js';

const REFERENCE = fileURLToPath(new URL('../../../../shared/reference/azure-tables.json', import.meta.url));

/** Resolves the standard tables as the server does for a workspace where nothing wrote them yet. */
const resolver: TableResolver = {
  resolveTable(name: string): ResolvedTable | undefined {
    const def = standardTable(name);
    if (!def) return undefined;
    const columns = tableSchema(def);
    return { sql: emptyRelationSql(columns), columns };
  },
  listTables: () => [],
};

describe('Azure standard tables: the catalog', () => {
  it('has the documented tables, each with TimeGenerated and the standard columns, no column twice', () => {
    assert.ok(Object.keys(AZURE_TABLES).length >= 160);
    for (const name of ['SigninLogs', 'AuditLogs', 'SecurityEvent', 'SecurityAlert', 'OfficeActivity', 'DeviceNetworkEvents', 'IdentityInfo', 'AzureDiagnostics', 'Syslog', 'CommonSecurityLog', 'LAQueryLogs', 'AzureActivity']) {
      assert.ok(standardTable(name), name);
      assert.equal(standardTable(name.toLowerCase())?.name, name, 'names resolve case-insensitively to their documented spelling');
    }
    for (const def of standardTables()) {
      const cols = tableSchema(def);
      const lower = cols.map((c) => c.name.toLowerCase());
      assert.equal(new Set(lower).size, lower.length, `${def.name}: a column twice`);
      for (const std of ['tenantid', 'timegenerated', 'type', '_resourceid', '_itemid', '_timereceived', '_billedsize']) assert.ok(lower.includes(std), `${def.name} lacks ${std}`);
      assert.equal(cols.find((c) => c.name === 'TimeGenerated')?.type, 'datetime');
    }
    const signin = tableSchema(standardTable('SigninLogs')!);
    for (const [n, t] of [['UserPrincipalName', 'string'], ['ResultType', 'string'], ['LocationDetails', 'dynamic'], ['ConditionalAccessPolicies', 'dynamic'], ['IPAddress', 'string']] as const) {
      assert.equal(signin.find((c) => c.name === n)?.type, t, `SigninLogs.${n}`);
    }
    assert.equal(tableSchema(standardTable('SecurityEvent')!).find((c) => c.name === 'EventID')?.type, 'int');
  });

  it('is what the reference azure-tables.json documents (when the reference is beside the clone)', { skip: !existsSync(REFERENCE) && 'no ../shared/reference' }, () => {
    const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { tables: Record<string, { columns: { name: string; type: string }[] }> };
    assert.deepEqual(Object.keys(AZURE_TABLES).sort(), Object.keys(ref.tables).sort(), 'regenerate with: node scripts/generate-azure-tables.mjs');
    for (const [name, t] of Object.entries(ref.tables)) {
      assert.equal(AZURE_TABLES[name]![1], t.columns.map((c) => `${c.name}:${c.type}`).join(' '), `${name}: regenerate with node scripts/generate-azure-tables.mjs`);
    }
  });
});

describe('Azure standard tables: Sentinel and Azure Monitor content', () => {
  let conn: DuckDBConnection;
  before(async () => {
    conn = await openDb();
  });
  after(() => conn.closeSync());

  it('parses every query of the corpus', () => {
    const failed = SENTINEL_CORPUS.filter((c) => {
      try {
        parse(c.q);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(failed.map((c) => c.name), []);
  });

  for (const c of SENTINEL_CORPUS) {
    it(`compiles and runs: ${c.name}`, async () => {
      const compiled = compile(c.q, resolver, { now: NOW });
      const reader = await conn.runAndReadAll(await guarded(wrapForWire(compiled.sql, compiled.columns)));
      const rows = (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns));
      // The tables are empty: no rows, except where the query makes rows of its own (make-series has none without groups).
      assert.deepEqual(rows, []);
    });
  }

  it('an empty SigninLogs has the documented columns', async () => {
    const compiled = compile('SigninLogs | where ResultType != "0" | take 10', resolver, { now: NOW });
    assert.deepEqual(compiled.columns, tableSchema(standardTable('SigninLogs')!));
    const reader = await conn.runAndReadAll(await guarded(wrapForWire(compiled.sql, compiled.columns)));
    assert.equal(reader.getRowsJS().length, 0);
  });
});
