/**
 * Turns rows into sealed segments: one zstd Parquet file per time partition (TimeGenerated bucket),
 * written by DuckDB into the memory-backed scratch folder, read back, encrypted with a fresh data
 * key, and written durably into the workspace's segment folder. Used by sealing (hot rows) and by
 * compaction (merged segments).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../kql/sql.js';
import type { NewSegment } from './manifest.js';
import type { StorageIo } from '../util/storage-io.js';
import { UNIX_EPOCH_TICKS, unixMicrosFromTicks } from '../kql/literals.js';
import { newSegmentId, segmentFileName, writeSegmentFile } from './segment.js';
import { sealSegmentParts, type ColumnChunk } from './segment-parts.js';

/** Segments whose rows have no TimeGenerated are never pruned. */
export const OPEN_MIN = Number.MIN_SAFE_INTEGER;
export const OPEN_MAX = Number.MAX_SAFE_INTEGER;
const NULL_PARTITION = -999_999_999_999;

export interface ExportTarget {
  workspaceId: string;
  table: string;
  schemaVersion: number;
  wrapKey: Buffer;
  segmentsDir: string;
  scratchDir: string;
  /** Partition width in µs (one segment per bucket of TimeGenerated); 0: all rows in one segment (compaction). */
  partitionMicros: number;
  /** The file-system layer (tests inject faults). */
  io?: StorageIo;
}

export interface ExportedSegment {
  entry: NewSegment;
  /** The plaintext Parquet, for the cache. */
  parquet: Buffer;
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The partition (floor of µs since the epoch / partitionMicros) of the stored ticks of TimeGenerated. */
function partitionSql(partitionMicros: number): string {
  const since = `("TimeGenerated" - ${UNIX_EPOCH_TICKS})`;
  const width = BigInt(partitionMicros) * 10n;
  // `//` truncates toward zero: a negative remainder (before 1970) floors one partition down
  return `COALESCE(${since} // ${width} - (CASE WHEN ${since} % ${width} < 0 THEN 1 ELSE 0 END), ${NULL_PARTITION})::BIGINT`;
}

/** µs since the epoch (floored) of ticks read back from DuckDB, for the manifest's time range. */
const microsOfTicks = (v: unknown): number => Number(unixMicrosFromTicks(BigInt(v as bigint)));

/**
 * Writes the rows of `select` (a SELECT with the table's columns, including TimeGenerated, datetimes as
 * stored ticks) as segments.
 */
export async function exportSegments(conn: DuckDBConnection, select: string, t: ExportTarget): Promise<ExportedSegment[]> {
  const staging = join(t.scratchDir, `seal-${randomBytes(8).toString('hex')}`);
  const out: ExportedSegment[] = [];
  try {
    const part = t.partitionMicros > 0 ? partitionSql(t.partitionMicros) : '0::BIGINT';
    await conn.run(
      `COPY (SELECT *, ${part} AS "__vigil_part" FROM (${select}) ORDER BY "TimeGenerated") ` +
        `TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("__vigil_part"), ROW_GROUP_SIZE 122880)`,
    );
    let parts: string[] = [];
    try {
      parts = readdirSync(staging).filter((d) => d.startsWith('__vigil_part='));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // no rows: nothing written
    }
    for (const part of parts) {
      for (const f of readdirSync(join(staging, part)).filter((n) => n.endsWith('.parquet'))) {
        const path = join(staging, part, f);
        const stats = (
          await conn.runAndReadAll(`SELECT count(*), min("TimeGenerated"), max("TimeGenerated"), count("TimeGenerated") FROM read_parquet(${sqlString(path)})`)
        ).getRowsJS()[0]!;
        const rows = Number(stats[0]);
        if (rows === 0) continue;
        const hasNulls = Number(stats[3]) < rows;
        const chunks = await columnChunks(conn, path);
        const parquet = readFileSync(path);
        rmSync(path);
        const id = newSegmentId();
        const createdAt = new Date().toISOString();
        const { bytes, sha256 } = sealSegmentParts(t.wrapKey, { segmentId: id, workspaceId: t.workspaceId, table: t.table, createdAt }, parquet, chunks);
        const file = segmentFileName(id);
        writeSegmentFile(join(t.segmentsDir, file), bytes, t.io);
        out.push({
          parquet,
          entry: {
            id,
            table: t.table,
            file,
            schemaVersion: t.schemaVersion,
            rows,
            minTime: hasNulls || stats[1] === null ? OPEN_MIN : microsOfTicks(stats[1]),
            maxTime: hasNulls || stats[2] === null ? OPEN_MAX : microsOfTicks(stats[2]),
            size: bytes.length,
            sha256,
            createdAt,
            datetimes: 'ticks',
          },
        });
      }
    }
    if (out.length > 0) fsyncDir(t.segmentsDir);
    return out;
  } catch (err) {
    for (const s of out) rmSync(join(t.segmentsDir, s.entry.file), { force: true });
    throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The column chunks of a Parquet file DuckDB just wrote, from its metadata: where a reader of each
 * column reads (from the dictionary page when there is one, total_compressed_size bytes, as DuckDB's
 * reader does) — the parts of its segment file (segment-parts.ts).
 */
async function columnChunks(conn: DuckDBConnection, path: string): Promise<ColumnChunk[]> {
  const rows = (
    await conn.runAndReadAll(`SELECT path_in_schema, dictionary_page_offset, data_page_offset, total_compressed_size FROM parquet_metadata(${sqlString(path)})`)
  ).getRowsJS();
  return rows.map(([column, dict, data, size]) => ({
    column: String(column),
    at: dict !== null && Number(dict) >= 4 ? Number(dict) : Number(data),
    length: Number(size),
  }));
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
