/**
 * Segments as the engine's jobs use them: decrypted on demand, pinned while read, forgotten (their
 * files deleted or shredded once no reader is left), and read through SELECTs over the table's
 * current columns — from decrypted Parquet files or from the memory tier.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sqlIdent, sqlString } from '../../kql/sql.js';
import { DUCKDB_TYPE } from '../column-types.js';
import { dropHotTable, type HotTable } from '../hot-tables.js';
import type { SegmentEntry, StoredColumn } from '../manifest.js';
import { segmentColumnSql, segmentDatetimes } from '../legacy-time.js';
import type { TierSource } from '../memory-tier.js';
import { SegmentDamagedError } from '../segment-damaged.js';
import { decryptSegmentInto } from '../segment.js';
import type { SegmentFill } from '../segment-parts.js';
import type { SegmentLoad } from '../segment-cache.js';
import { AuthenticationError } from '../../keys/crypto.js';
import { shredFile } from '../wal.js';
import type { EngineContext, TableRt, Ws } from './context.js';
import { loadLater } from './tier-loads.js';

/**
 * Segments left the manifest: delete (or shred) their files once no query reads them. A generation
 * of the memory tier holding several segments (a seal's, or a merge's) leaves it as a whole: returns
 * those of its segments that stay in the manifest, which left the tier with it. `reloadIntoTier`
 * loads them again (callers do, at once or — compaction — once its pass is done) rather than leave
 * them to be decrypted as Parquet by the next query and loaded only after it.
 */
export function forgetSegments(ctx: EngineContext, ws: Ws, segs: readonly SegmentEntry[], shred = false): SegmentEntry[] {
  const gone = new Set(segs.map((s) => s.id));
  const inTier = ws.manifest.segments.filter((s) => !gone.has(s.id) && ctx.memory.has(s.id));
  for (const s of segs) {
    ctx.cache.drop(s.id);
    ctx.memory.drop(s.id);
    const path = join(ws.dir, 'segments', s.file);
    if ((ctx.segmentReaders.get(s.id) ?? 0) > 0) ctx.pendingDelete.set(s.id, { path, shred });
    else if (shred) shredFile(path);
    else rmSync(path, { force: true });
  }
  return inTier.filter((s) => !ctx.memory.has(s.id));
}

/** Loads into the memory tier, in the background, those of `ids` still in the manifest and not in the tier. */
export function reloadIntoTier(ctx: EngineContext, ws: Ws, ids: ReadonlySet<string>): void {
  for (const s of ws.manifest.segments) {
    const t = ws.tables.get(s.table);
    if (t && ids.has(s.id) && !ctx.memory.has(s.id)) loadLater(ctx, ws, t, s);
  }
}

/** A retired hot generation nobody reads any more leaves the memory tier (failing that, it stays as unread rows; nothing is lost). */
export async function dropIfUnread(ctx: EngineContext, h: HotTable): Promise<void> {
  if (h.retired && h.readers === 0 && !h.droppedFromDb) {
    h.droppedFromDb = true;
    await dropHotTable(ctx.memory, h).catch((err: unknown) => ctx.log('warn', `freeing the memory of retired hot rows failed (${(err as Error).message})`));
  }
}

/**
 * How the segment cache decrypts a segment's file into its plaintext file in the scratch folder:
 * what a reader of the given columns needs (segment.ts, decryptSegmentInto); nothing unauthenticated
 * is ever handed out (a damaged or missing file: SegmentDamagedError).
 */
export const segmentLoad =
  (ctx: EngineContext, ws: Ws, seg: SegmentEntry): SegmentLoad =>
  (dest, fill, want) =>
    decryptSegment(ctx, ws, seg, dest, fill, want);

function decryptSegment(ctx: EngineContext, ws: Ws, seg: SegmentEntry, dest: string, fill: SegmentFill | undefined, want: ReadonlySet<string> | undefined): SegmentFill {
  const path = join(ws.dir, 'segments', seg.file);
  try {
    return decryptSegmentInto(ws.keys.wrapKey, path, { segmentId: seg.id, workspaceId: ws.id, table: seg.table }, dest, fill, want);
  } catch (err) {
    if (err instanceof AuthenticationError) throw damaged(ctx, ws, seg, path, err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(path)) throw damaged(ctx, ws, seg, path, 'the file is missing');
    throw err; // an I/O error (a full scratch folder too), not damage
  }
}

/** Whether a segment's file exists with the size the manifest records (a stat, nothing read). */
export function segmentFileIntact(ws: Ws, seg: SegmentEntry): boolean {
  try {
    return statSync(join(ws.dir, 'segments', seg.file)).size === seg.size;
  } catch {
    return false;
  }
}

function damaged(ctx: EngineContext, ws: Ws, seg: SegmentEntry, path: string, reason: string): SegmentDamagedError {
  const e = new SegmentDamagedError(path, seg.file, ws.id, seg.table, reason);
  ctx.log('error', `${path}: ${e.message}`);
  return e;
}

/** Marks segments as read by a running job: their files stay until unpinned. */
export function pinSegments(ctx: EngineContext, ids: string[]): void {
  for (const id of ids) ctx.segmentReaders.set(id, (ctx.segmentReaders.get(id) ?? 0) + 1);
}

/** Ends a read of segments; forgotten ones nobody reads any more are destroyed now. */
export function unpinSegments(ctx: EngineContext, ids: string[]): void {
  for (const id of ids) {
    const n = (ctx.segmentReaders.get(id) ?? 1) - 1;
    if (n > 0) ctx.segmentReaders.set(id, n);
    else {
      ctx.segmentReaders.delete(id);
      const pending = ctx.pendingDelete.get(id);
      if (pending) {
        // A query that chose the segment before it left the manifest may have decrypted or loaded it
        // after it was forgotten (forgetSegments dropped what was there then): that plaintext goes too.
        ctx.cache.drop(id);
        ctx.memory.drop(id);
        if (pending.shred) shredFile(pending.path);
        else rmSync(pending.path, { force: true });
        ctx.pendingDelete.delete(id);
      }
    }
  }
}

/** The columns a segment of schema version `version` has. */
function segmentColumns(ws: Ws, t: TableRt, version: number): StoredColumn[] {
  return ws.manifest.table(t.name)?.schemas.find((s) => s.version === version)?.columns ?? t.columns;
}

/**
 * SELECT of the table's current columns over decrypted segment files (older schema versions: new
 * columns are NULL; segments written before issue #12: datetimes converted to ticks, legacy-time.ts).
 */
export function segmentSelect(ws: Ws, t: TableRt, files: { seg: SegmentEntry; path: string }[]): string {
  const groups = new Map<string, { version: number; form: ReturnType<typeof segmentDatetimes>; paths: string[] }>();
  for (const f of files) {
    const form = segmentDatetimes(f.seg);
    const key = `${f.seg.schemaVersion}:${form}`;
    if (!groups.has(key)) groups.set(key, { version: f.seg.schemaVersion, form, paths: [] });
    groups.get(key)!.paths.push(f.path);
  }
  const parts: string[] = [];
  for (const { version, form, paths } of groups.values()) {
    const have = new Set(segmentColumns(ws, t, version).map((c) => c.name.toLowerCase()));
    const list = t.columns.map((c) => (have.has(c.name.toLowerCase()) ? segmentColumnSql(c, form) : `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${sqlIdent(c.name)}`)).join(', ');
    parts.push(`SELECT ${list} FROM read_parquet([${paths.map(sqlString).join(', ')}])`);
  }
  return parts.join(' UNION ALL ');
}

/** The datetime columns a segment written before issue #12 stores as µs TIMESTAMPs (none for newer ones). */
export function legacyDatetimeColumns(ws: Ws, t: TableRt, seg: SegmentEntry): string[] {
  if (segmentDatetimes(seg) === 'ticks') return [];
  return segmentColumns(ws, t, seg.schemaVersion).filter((c) => c.type === 'datetime').map((c) => c.name);
}

/** SELECT of the table's current columns over its memory-tier table, only the rows of the given segments. */
export function memorySelect(t: TableRt, src: TierSource, where: string): string {
  const list = t.columns.map((c) => (src.has(c.name) ? sqlIdent(c.name) : `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${sqlIdent(c.name)}`)).join(', ');
  return `SELECT ${list} FROM ${src.sql}${where ? ` WHERE ${where}` : ''}`;
}

/** Where and how new segments of a table are written (see sealer.ts). */
export function exportTarget(ctx: EngineContext, ws: Ws, t: TableRt, schemaVersion: number) {
  return {
    io: ctx.io,
    workspaceId: ws.id,
    table: t.name,
    schemaVersion,
    wrapKey: ws.keys.wrapKey,
    segmentsDir: join(ws.dir, 'segments'),
    scratchDir: ctx.scratch.dir,
    partitionMicros: ctx.opts.partitionMs * 1000,
  };
}
