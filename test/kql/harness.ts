/**
 * Shared test harness: an in-memory DuckDB with known tables, and a runner that
 * compiles KQL, wraps it for the wire, executes it and converts rows.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compileDiscovering, sqlIdent, type ColumnSchema, type CompiledQuery, type ResolvedTable, type TableResolver } from '../../src/kql/index.js';
import { toWireRow, wrapForWire } from '../../src/query/wire-format.js';
import { StatementGuard } from '../../src/store/statement-guard.js';
import { registerKqlRuntime } from '../../src/kql/runtime/index.js';

export const NOW = new Date('2024-01-03T00:00:00Z');

export const TABLES: Record<string, { columns: ColumnSchema[]; create: string; rows: string[] }> = {
  Events: {
    columns: [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Level', type: 'string' },
      { name: 'DurationMs', type: 'real' },
      { name: 'Count', type: 'long' },
      { name: 'Props', type: 'dynamic' },
      { name: '_ResourceId', type: 'string' },
    ],
    create: 'CREATE TABLE "Events" ("TimeGenerated" TIMESTAMP, "Level" VARCHAR, "DurationMs" DOUBLE, "Count" BIGINT, "Props" JSON, "_ResourceId" VARCHAR)',
    rows: [
      `('2024-01-01 10:00:00', 'Error', 120.5, 3, '{"a":1,"b":"x","arr":[1,2,3]}', '/subs/1/vm1')`,
      `('2024-01-01 10:30:00', 'Warning', 50, 1, '{"a":2,"b":"y"}', '/subs/1/vm2')`,
      `('2024-01-01 11:15:00', 'Information', 10.25, 7, '{"a":3,"b":"z","nested":{"k":"v"}}', '/subs/1/vm1')`,
      `('2024-01-01 12:00:00', 'Error', 300, NULL, NULL, '/subs/2/vm3')`,
      `('2024-01-02 09:00:00', 'Information', NULL, 2, '{"a":null}', NULL)`,
      `('2024-01-02 10:00:00', NULL, 5, 0, '[]', '/subs/2/vm3')`,
    ],
  },
  'My Table': {
    columns: [
      { name: 'id', type: 'long' },
      { name: 'Name', type: 'string' },
    ],
    create: 'CREATE TABLE "My Table" ("id" BIGINT, "Name" VARCHAR)',
    rows: [`(1, 'one')`, `(2, 'two')`],
  },
  Logs_CL: {
    columns: [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
      { name: 'Id', type: 'guid' },
      { name: 'Amount', type: 'decimal' },
      { name: 'Flag', type: 'bool' },
      { name: 'Elapsed', type: 'timespan' },
      { name: 'Code', type: 'int' },
    ],
    create: 'CREATE TABLE "Logs_CL" ("TimeGenerated" TIMESTAMP, "Message" VARCHAR, "Id" UUID, "Amount" DECIMAL(38,18), "Flag" BOOLEAN, "Elapsed" BIGINT, "Code" INTEGER)',
    rows: [
      `('2024-01-02 00:00:00', 'Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun', '6f3c1072-2739-461c-8aa5-5c1b2d4e5f6a', 12.5, true, 36000000000, 200)`,
      `('2024-01-02 06:00:00', 'North America has error: disk full', NULL, NULL, false, 5000000, 500)`,
      `('2024-01-02 12:00:00', 'The quick brown fox', '00000000-0000-0000-0000-000000000001', 0.25, NULL, NULL, NULL)`,
    ],
  },
};

/** Tables are named fully qualified, as the store's statement guard requires. */
const source = (name: string) => `memory.main.${sqlIdent(name)}`;
const GRANTED = new Set(Object.keys(TABLES).map((n) => `memory.main.${n.toLowerCase()}`));
let guard: Promise<StatementGuard> | undefined;
/**
 * Every compiled statement goes through the store's statement guard before it runs, as on the server:
 * the conformance cases prove the guard lets all of the compiler's SQL through (and no more).
 */
export async function guarded(sql: string): Promise<string> {
  guard ??= StatementGuard.open("LOAD json; LOAD icu; SET TimeZone = 'UTC'");
  await (await guard).check(sql, GRANTED);
  return sql;
}

export const resolver: TableResolver = {
  resolveTable(name: string): ResolvedTable | undefined {
    if (name === 'Forbidden') throw new Error('access denied to Forbidden');
    const t = TABLES[name];
    return t ? { sql: source(name), columns: t.columns } : undefined;
  },
  /** Tables the caller may read (Forbidden is not listed: wildcards must skip it). */
  listTables(): string[] {
    return Object.keys(TABLES);
  },
  resolveQualifiedTable(kind: 'workspace' | 'resource', id: string, table: string): ResolvedTable | undefined {
    if (kind === 'workspace' && id === 'other-ws' && TABLES[table]) return { sql: source(table), columns: TABLES[table]!.columns };
    if (id === 'denied-ws') throw new Error(`access denied to workspace ${id}`);
    return undefined;
  },
};

export async function openDb(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' });
  const conn = await db.connect();
  registerKqlRuntime(conn);
  for (const t of Object.values(TABLES)) {
    await conn.run(t.create);
    const name = t.create.match(/CREATE TABLE ("[^"]+")/)![1];
    await conn.run(`INSERT INTO ${name} VALUES ${t.rows.join(', ')}`);
    // The rows above write datetimes as readable TIMESTAMP text; the store keeps them as BIGINT
    // 100-ns ticks since 0001-01-01 (src/kql/types.ts), which is what the compiled SQL reads.
    for (const c of t.columns.filter((x) => x.type === 'datetime')) {
      await conn.run(`ALTER TABLE ${name} ALTER COLUMN ${sqlIdent(c.name)} SET DATA TYPE BIGINT USING (epoch_us(${sqlIdent(c.name)}) * 10 + 621355968000000000)`);
    }
  }
  return conn;
}

export interface QueryResult {
  columns: ColumnSchema[];
  rows: unknown[][];
  compiled: CompiledQuery;
}

export async function runKql(conn: DuckDBConnection, query: string, options: { timespan?: { start?: Date; end?: Date } } = {}): Promise<QueryResult> {
  // Discovery steps (bag_unpack/pivot over a stored table) run as the query service runs them: guarded.
  const compiled = await compileDiscovering(query, resolver, { now: NOW, ...options }, async (step) => {
    const reader = await conn.runAndReadAll(await guarded(wrapForWire(step.sql, [{ name: 'v', type: 'string' }])));
    return (reader.getRowsJS() as unknown[][]).map((r) => String(r[0] ?? ''));
  });
  const reader = await conn.runAndReadAll(await guarded(wrapForWire(compiled.sql, compiled.columns)));
  const rows = (reader.getRowsJS() as unknown[][]).map((r) => toWireRow(r, compiled.columns));
  return { columns: compiled.columns, rows, compiled };
}

// ───────────── approximate comparison (Case.approx) ─────────────

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A closed ring listed from its smallest vertex (lexicographic on coordinates rounded to `tol`). */
function canonicalRing(ring: Json[], tol: number): Json[] {
  const open = ring.slice(0, -1) as number[][];
  const key = (c: number[]) => c.map((x) => Math.round(x / tol) * tol);
  let at = 0;
  open.forEach((c, i) => {
    const [a, b] = [key(c), key(open[at]!)];
    if (a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!)) at = i;
  });
  const rotated = [...open.slice(at), ...open.slice(0, at)];
  return [...rotated, rotated[0]!] as Json[];
}

/** GeoJSON with every polygon ring in canonical rotation. */
export function canonicalGeo(v: Json, tol: number): Json {
  if (Array.isArray(v)) return v.map((x) => canonicalGeo(x, tol));
  if (v === null || typeof v !== 'object') return v;
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) out[k] = canonicalGeo(x, tol);
  if (v.type === 'Polygon' && Array.isArray(v.coordinates)) out.coordinates = v.coordinates.map((r) => canonicalRing(r as Json[], tol));
  if (v.type === 'MultiPolygon' && Array.isArray(v.coordinates)) out.coordinates = v.coordinates.map((p) => (p as Json[]).map((r) => canonicalRing(r as Json[], tol)));
  return out;
}

function parsedCell(v: unknown): Json {
  if (typeof v === 'string' && /^[[{]/.test(v)) {
    try {
      return JSON.parse(v) as Json;
    } catch {
      return v;
    }
  }
  return v as Json;
}

/** Where a and b differ beyond `tol` (a path and both values), or null when they agree. */
function difference(a: Json, b: Json, tol: number, path: string): string | null {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tol ? null : `${path}: ${a} vs ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i]!, b[i]!, tol, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      if (!(k in a) || !(k in b)) return `${path}.${k}: missing on one side`;
      const d = difference(a[k]!, b[k]!, tol, `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Ordered rows compared with tolerance `tol` (numbers, and numbers inside dynamic JSON with polygon rings canonically rotated). */
export function approxDifference(actual: unknown[][], expected: unknown[][], tol: number): string | null {
  const prep = (rows: unknown[][]) => rows.map((r) => r.map((v) => canonicalGeo(parsedCell(v), tol)));
  return difference(prep(actual) as Json, prep(expected) as Json, tol, 'rows');
}
