/** The plaintext of a log record: one appended batch, `{k:'rows', t: table, c: [[name, type]], r: rows}` as JSON with bigints as strings. */
import type { KqlType } from '../kql/index.js';
import type { StoredValue } from './column-types.js';
import type { StoredColumn } from './manifest.js';

export interface RowsRecord {
  table: string;
  columns: StoredColumn[];
  rows: StoredValue[][];
}

const BIG: ReadonlySet<KqlType> = new Set(['long', 'timespan', 'datetime']);

export function encodeRecord(r: RowsRecord): Buffer {
  const rows = r.rows.map((row) => row.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
  return Buffer.from(JSON.stringify({ k: 'rows', t: r.table, c: r.columns.map((c) => [c.name, c.type]), r: rows }));
}

export function decodeRecord(payload: Buffer): RowsRecord {
  const o = JSON.parse(payload.toString('utf8')) as { k: string; t: string; c: [string, KqlType][]; r: StoredValue[][] };
  if (o.k !== 'rows') throw new Error(`unknown log record kind '${o.k}'`);
  const columns = o.c.map(([name, type]) => ({ name, type }));
  const big = columns.map((c) => BIG.has(c.type));
  for (const row of o.r) {
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (big[j] && (typeof v === 'string' || typeof v === 'number')) row[j] = BigInt(v);
    }
  }
  return { table: o.t, columns, rows: o.r };
}
