/**
 * A query's segment files of format VGLSEG02 are decrypted in two steps: the parts every reader
 * needs (the Parquet footer, so DuckDB can bind the views), then — once the views exist — the column
 * chunks the statement's own optimized plan reads of each file (scan-columns.ts), before the
 * statement runs. A column chunk not decrypted is a hole of zeros in the file; DuckDB reading one
 * fails on its page header (it never yields rows), and `readEverything` is then the way back.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../../kql/sql.js';
import { runAndReadRows } from '../read-rows.js';
import { columnsFromPlan, type FileColumns } from '../scan-columns.js';
import type { CachedSegment, SegmentCache, SegmentLoad } from '../segment-cache.js';
import { quoteLongConstants, quoteNonFiniteConstants } from '../time-pruning.js';

/** A decrypted segment file a query reads: its pinned copy, and how to decrypt more of it. */
export interface ScannedFile {
  handle: CachedSegment;
  load: SegmentLoad;
}

/** The parts a reader of no column needs: the Parquet file's magic, footer and indexes. */
export const FOOTER_ONLY: ReadonlySet<string> = new Set();

const EVERYTHING: FileColumns = { columns: new Map(), whole: new Set([undefined]) };

/** The columns of each file the statement's plan reads (every column of every file when the plan does not tell). */
async function plannedColumns(conn: DuckDBConnection, sql: string): Promise<FileColumns> {
  try {
    const { rows } = await runAndReadRows(conn, `SELECT json_serialize_plan(${sqlString(sql)}, skip_null := true, skip_empty := true, optimize := true)`);
    const plan = JSON.parse(quoteNonFiniteConstants(quoteLongConstants(String(rows[0]?.[0])))) as Record<string, unknown>;
    return plan.error ? EVERYTHING : columnsFromPlan(plan);
  } catch {
    return EVERYTHING;
  }
}

/**
 * Decrypts into the query's partly decrypted files the columns the statement `sql` reads of each
 * (all of them with `readEverything`, or for a file the plan does not show); returns the bytes
 * decrypted per file (only those that grew). The views over the files must exist on `conn`.
 */
export async function decryptScanned(cache: SegmentCache, conn: DuckDBConnection, sql: string, files: readonly ScannedFile[], readEverything = false): Promise<Map<ScannedFile, number>> {
  const grown = new Map<ScannedFile, number>();
  const partial = files.filter((f) => !cache.covers(f.handle, undefined));
  if (partial.length === 0) return grown;
  const planned = readEverything ? EVERYTHING : await plannedColumns(conn, sql);
  for (const f of partial) {
    const path = f.handle.path;
    const want = planned.whole.has(undefined) || planned.whole.has(path) ? undefined : planned.columns.get(path);
    const n = cache.fill(f.handle, want, f.load);
    if (n > 0) grown.set(f, n);
  }
  return grown;
}

/** Whether some of the files are decrypted only in part. */
export const anyPartial = (cache: SegmentCache, files: readonly ScannedFile[]) => files.some((f) => !cache.covers(f.handle, undefined));
