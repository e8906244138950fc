/**
 * Applying compiled transformations to batches. The batch is appended to a temporary table of a
 * DuckDB instance of its own (in memory, one thread, no file or extension access, settings locked)
 * and the transformation's SQL — the KQL compiler's, the same semantics as a query — runs over it.
 * One batch at a time per runner; a batch's rows leave the instance when it is done.
 *
 * This is THE function every ingestion path calls for a data flow with a transformation:
 * `TransformRunner.apply(compiled, rows)` (see ingest-service.ts).
 */
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import { sqlIdent, type ColumnSchema } from '../../kql/index.js';
import { DUCKDB_TYPE, type StoredValue } from '../../store/column-types.js';
import { Mutex } from '../../store/mutex.js';
import { openSideInstance } from '../../store/side-instance.js';
import type { CompiledTransform } from './compile-transform.js';

const SETUP = "LOAD json; LOAD icu; SET TimeZone = 'UTC'";

function appendValue(a: DuckDBAppender, type: ColumnSchema['type'], v: StoredValue | undefined): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (type) {
    case 'datetime': return a.appendTimestamp(new DuckDBTimestampValue(typeof v === 'bigint' ? v : BigInt(v as number)));
    case 'long': case 'timespan': return a.appendBigInt(typeof v === 'bigint' ? v : BigInt(v as number));
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
    case 'datetime': return (v as DuckDBTimestampValue).micros;
    case 'long': case 'timespan': return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'int': case 'real': return Number(v);
    case 'bool': return Boolean(v);
    case 'string': case 'dynamic': return typeof v === 'string' ? v : String(v);
    default: return String(v); // guid, decimal
  }
}

export class TransformRunner {
  private side: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | undefined;
  private readonly created = new Set<string>();
  private readonly mutex = new Mutex();

  constructor(private readonly memoryLimit = '256MB') {}

  private connection(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
    this.side ??= openSideInstance(SETUP, this.memoryLimit);
    return this.side;
  }

  /**
   * Runs `t` over `rows` (values in `t.input` order, stored form) and returns the rows it keeps, in
   * `t.output` order. `pseudonymKey`: the destination workspace's key, when the transformation uses
   * hash_hmac_sha256_ws().
   */
  apply(t: CompiledTransform, rows: StoredValue[][], pseudonymKey?: Uint8Array, now = new Date()): Promise<StoredValue[][]> {
    if (t.usesPseudonym && !pseudonymKey) throw new Error('the transformation uses hash_hmac_sha256_ws() but no workspace key was given');
    const sql = t.sql(now, pseudonymKey);
    return this.mutex.run(async () => {
      const { conn } = await this.connection();
      const table = sqlIdent(t.sourceTable);
      if (!this.created.has(t.sourceTable)) {
        await conn.run(`CREATE TEMP TABLE ${table} (${t.input.map((c) => `${sqlIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
        this.created.add(t.sourceTable);
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
        const reader = await conn.runAndReadAll(sql);
        const types = t.output.map((c) => c.type);
        return reader.getRows().map((r) => types.map((type, i) => storedValue(r[i], type)));
      } finally {
        await conn.run(`DELETE FROM ${table}`);
      }
    });
  }

  async close(): Promise<void> {
    const side = this.side;
    this.side = undefined;
    if (!side) return;
    const { instance, conn } = await side;
    conn.closeSync();
    instance.closeSync();
  }
}
