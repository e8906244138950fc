/**
 * Azure's standard tables (DESIGN §8, issue #12): the catalog Vigil ships (src/metadata/azure-tables.ts,
 * generated from the reference azure-tables.json), and real-world Sentinel / Azure Monitor content
 * over them — every query parses, compiles, passes the store's statement guard and runs, returning no
 * rows (the tables hold no data) with the documented columns — except the few listed in
 * SENTINEL_REFUSED, each with its reason and the clear error it gets. The rates are reported
 * (test diagnostics) and the test fails below the goals of issue #12 (99% parse, 95% compile and run).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compile, compileDiscovering, emptyRelationSql, type ResolvedTable, type TableResolver } from '../../src/kql/index.js';
import { parse } from '../../src/kql/parser.js';
import { installGeoIpInfo } from '../../src/kql/runtime/geo-ip-info.js';
import { GeoIpDatabase } from '../../src/ingest/transform/geo-location.js';
import { AZURE_TABLES } from '../../src/metadata/azure-tables.js';
import { tableSchema } from '../../src/metadata/standard-columns.js';
import { standardTable, standardTables } from '../../src/metadata/standard-tables.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { guarded, NOW, openDb } from './harness.js';
import { SENTINEL_CORPUS, SENTINEL_REFUSED } from './sentinel-corpus.js';
import { writeMmdb } from '../support/mmdb-writer.js';

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
  let geoDir: string;
  /** What happened to each query of the corpus: 'ok', or the stage that failed and its message. */
  const outcomes = new Map<string, { stage: 'ok' } | { stage: 'parse' | 'compile' | 'run'; message: string }>();

  before(async () => {
    conn = await openDb();
    // geo_info_from_ip_address() needs the operator's GeoIP database (vigil serve --geoip-database):
    // this server has one, as a Sentinel workspace has its own.
    geoDir = mkdtempSync(join(tmpdir(), 'vigil-sentinel-geoip-'));
    const file = join(geoDir, 'City.mmdb');
    writeFileSync(file, writeMmdb([{ cidr: '81.2.69.0/24', record: { country: { names: { en: 'United Kingdom' } }, city: { names: { en: 'London' } } } }]));
    const geoIp = new GeoIpDatabase(file);
    installGeoIpInfo((ip) => geoIp.info(ip));
  });
  after(() => {
    conn.closeSync();
    rmSync(geoDir, { recursive: true, force: true });
  });

  /** Parses, compiles (with the discovery steps the server runs) and runs one query as the server does. */
  async function run(q: string): Promise<{ rows: unknown[][] } | { stage: 'parse' | 'compile' | 'run'; message: string }> {
    try {
      parse(q);
    } catch (err) {
      return { stage: 'parse', message: (err as Error).message };
    }
    let compiled;
    try {
      compiled = await compileDiscovering(q, resolver, { now: NOW }, async (step) => {
        const reader = await conn.runAndReadAll(await guarded(step.sql));
        return (reader.getRowsJS() as unknown[][]).map((r) => String(r[0] ?? ''));
      });
    } catch (err) {
      return { stage: 'compile', message: (err as Error).message };
    }
    try {
      const reader = await conn.runAndReadAll(await guarded(wrapForWire(compiled.sql, compiled.columns)));
      return { rows: (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns)) };
    } catch (err) {
      return { stage: 'run', message: (err as Error).message };
    }
  }

  it('has at least 250 distinct queries, and every refusal listed is a query of the corpus', () => {
    assert.ok(SENTINEL_CORPUS.length >= 250, `${SENTINEL_CORPUS.length} queries`);
    assert.equal(new Set(SENTINEL_CORPUS.map((c) => c.name)).size, SENTINEL_CORPUS.length, 'a query name twice');
    const names = new Set(SENTINEL_CORPUS.map((c) => c.name));
    assert.deepEqual(Object.keys(SENTINEL_REFUSED).filter((n) => !names.has(n)), []);
  });

  for (const c of SENTINEL_CORPUS) {
    const refused = SENTINEL_REFUSED[c.name];
    if (refused) {
      it(`refuses, with a clear message: ${c.name}`, async () => {
        const r = await run(c.q);
        outcomes.set(c.name, 'rows' in r ? { stage: 'ok' } : r);
        assert.ok(!('rows' in r), `listed as refused (${refused.reason}) but it runs: remove it from SENTINEL_REFUSED`);
        assert.equal(r.stage, refused.stage);
        assert.match(r.message, refused.error);
      });
      continue;
    }
    it(`compiles and runs: ${c.name}`, async () => {
      const r = await run(c.q);
      outcomes.set(c.name, 'rows' in r ? { stage: 'ok' } : r);
      if (!('rows' in r)) assert.fail(`${r.stage}: ${r.message}`);
      // The tables are empty: no rows, except where the query makes rows of its own (range, print…).
      if (c.makesRows) assert.ok(r.rows.length > 0);
      else assert.deepEqual(r.rows, []);
    });
  }

  it('reaches the goals: >= 99% parse, >= 95% compile and run', (t) => {
    const n = SENTINEL_CORPUS.length;
    assert.equal(outcomes.size, n, 'every query ran');
    const parsed = [...outcomes.values()].filter((o) => o.stage !== 'parse').length;
    const ran = [...outcomes.values()].filter((o) => o.stage === 'ok').length;
    const pct = (k: number): string => `${((100 * k) / n).toFixed(1)}%`;
    t.diagnostic(`Sentinel corpus: ${n} queries; parse ${parsed}/${n} (${pct(parsed)}); compile and run ${ran}/${n} (${pct(ran)})`);
    for (const [name, o] of outcomes) if (o.stage !== 'ok') t.diagnostic(`  refused (${o.stage}): ${name}: ${SENTINEL_REFUSED[name]?.reason ?? o.message}`);
    assert.ok(parsed / n >= 0.99, `parse rate ${pct(parsed)} < 99%`);
    assert.ok(ran / n >= 0.95, `compile-and-run rate ${pct(ran)} < 95%`);
  });

  it('an empty SigninLogs has the documented columns', async () => {
    const compiled = compile('SigninLogs | where ResultType != "0" | take 10', resolver, { now: NOW });
    assert.deepEqual(compiled.columns, tableSchema(standardTable('SigninLogs')!));
    const reader = await conn.runAndReadAll(await guarded(wrapForWire(compiled.sql, compiled.columns)));
    assert.equal(reader.getRowsJS().length, 0);
  });
});
