/**
 * Applying compiled transformations to batches. The batch is appended to a temporary table of a
 * DuckDB instance of its own (in memory, one thread, no file or extension access, settings locked) and the
 * transformation's SQL — the KQL compiler's, the same semantics as a query — runs over it, as a
 * statement prepared once per transformation (per lane). Two lanes (instances, one batch at a
 * time each) let batches of concurrent requests overlap; a batch's rows leave the instance when it
 * is done.
 *
 * This is THE function every ingestion path calls for a data flow with a transformation:
 * `TransformRunner.apply(compiled, rows)` (through ingestion-transforms.ts).
 */
import { type DuckDBAppender, type DuckDBConnection, type DuckDBInstance, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { sqlIdent, type ColumnSchema } from '../../kql/index.js';
import { DUCKDB_TYPE, type StoredValue } from '../../store/column-types.js';
import { Mutex } from '../../store/mutex.js';
import { openSideInstance } from '../../store/side-instance.js';
import { registerRuntimeFunction, type RuntimeFunction } from '../../kql/runtime/udf.js';
import type { CompiledTransform } from './compile-transform.js';

const SETUP = "LOAD json; LOAD icu; SET TimeZone = 'UTC'";
/** Prepared statements kept per lane (least recently used dropped beyond it). */
const MAX_PREPARED = 200;

function appendValue(a: DuckDBAppender, type: ColumnSchema['type'], v: StoredValue | undefined): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (type) {
    case 'datetime': case 'long': case 'timespan': return a.appendBigInt(typeof v === 'bigint' ? v : BigInt(v as number));
    case 'int': return a.appendInteger(Number(v));
    case 'real': return a.appendDouble(Number(v));
    case 'bool': return a.appendBoolean(Boolean(v));
    default: return a.appendVarchar(typeof v === 'string' ? v : String(v));
  }
}

/** A DuckDB value of a result column back in the stored form (see column-types.ts). */
function storedValue(v: unknown, type: ColumnSchema['type']): StoredValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    // compiled KQL yields datetimes as ticks, the stored form too (kql/types.ts)
    case 'datetime': case 'long': case 'timespan': return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'int': case 'real': return Number(v);
    case 'bool': return Boolean(v);
    case 'string': case 'dynamic': return typeof v === 'string' ? v : String(v);
    default: return String(v); // guid, decimal
  }
}

interface Lane {
  conn: DuckDBConnection;
  mutex: Mutex;
  busy: number;
  /** Source tables created on this connection, with their prepared DELETE. */
  tables: Map<string, DuckDBPreparedStatement>;
  prepared: Map<string, DuckDBPreparedStatement>;
}

export class TransformRunner {
  private side: Promise<{ instances: DuckDBInstance[]; lanes: Lane[] }> | undefined;

  constructor(
    /** Runtime functions of this server's own (geo_location's, with a GeoIP database), registered on every lane. */
    private readonly extraFunctions: readonly RuntimeFunction[] = [],
    private readonly lanes = 2,
    private readonly memoryLimit = '128MB',
  ) {}

  /** One small instance per lane (settings such as the time zone are per connection and locked). */
  private open(): Promise<{ instances: DuckDBInstance[]; lanes: Lane[] }> {
    this.side ??= (async () => {
      const opened = await Promise.all(Array.from({ length: this.lanes }, () => openSideInstance(SETUP, this.memoryLimit)));
      for (const o of opened) for (const f of this.extraFunctions) registerRuntimeFunction(o.conn, f);
      return {
        instances: opened.map((o) => o.instance),
        lanes: opened.map((o) => ({ conn: o.conn, mutex: new Mutex(), busy: 0, tables: new Map(), prepared: new Map() })),
      };
    })();
    return this.side;
  }

  private async statement(lane: Lane, sql: string, keep: boolean): Promise<DuckDBPreparedStatement> {
    let p = lane.prepared.get(sql);
    if (p) {
      lane.prepared.delete(sql);
      lane.prepared.set(sql, p); // most recently used last
      return p;
    }
    p = await lane.conn.prepare(sql);
    if (keep) {
      if (lane.prepared.size >= MAX_PREPARED) {
        const [oldest, stmt] = lane.prepared.entries().next().value!;
        lane.prepared.delete(oldest);
        stmt.destroySync();
      }
      lane.prepared.set(sql, p);
    }
    return p;
  }

  /**
   * Runs `t` over `rows` (values in `t.input` order, stored form) and returns the rows it keeps, in
   * `t.output` order. `pseudonymKey`: the destination workspace's key, when the transformation uses
   * hash_hmac_sha256_ws().
   */
  async apply(t: CompiledTransform, rows: StoredValue[][], pseudonymKey?: Uint8Array, now = new Date()): Promise<StoredValue[][]> {
    if (t.usesPseudonym && !pseudonymKey) throw new Error('the transformation uses hash_hmac_sha256_ws() but no workspace key was given');
    const sql = t.sql(now, pseudonymKey);
    const { lanes } = await this.open();
    const lane = lanes.reduce((a, b) => (b.busy < a.busy ? b : a));
    lane.busy++;
    try {
      return await lane.mutex.run(async () => {
        const { conn } = lane;
        let clear = lane.tables.get(t.sourceTable);
        if (!clear) {
          await conn.run(`CREATE TEMP TABLE ${sqlIdent(t.sourceTable)} (${t.input.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
          clear = await conn.prepare(`DELETE FROM ${sqlIdent(t.sourceTable)}`);
          lane.tables.set(t.sourceTable, clear);
        }
        try {
          const appender = await conn.createAppender(t.sourceTable, 'main', 'temp');
          try {
            for (const row of rows) {
              for (let i = 0; i < t.input.length; i++) appendValue(appender, t.input[i]!.type, row[i]);
              appender.endRow();
            }
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
          const stmt = await this.statement(lane, sql, t.stableSql);
          try {
            const reader = await stmt.runAndReadAll();
            const types = t.output.map((c) => c.type);
            return reader.getRows().map((r) => types.map((type, i) => storedValue(r[i], type)));
          } finally {
            if (!t.stableSql) stmt.destroySync();
          }
        } finally {
          await clear.run();
        }
      });
    } finally {
      lane.busy--;
    }
  }

  async close(): Promise<void> {
    const side = this.side;
    this.side = undefined;
    if (!side) return;
    const { instances, lanes } = await side;
    for (const l of lanes) {
      for (const p of l.prepared.values()) p.destroySync();
      for (const p of l.tables.values()) p.destroySync();
      l.conn.closeSync();
    }
    for (const i of instances) i.closeSync();
  }
}
