/** Compaction: runs of small segments of a table are merged into one (the plan is compaction.ts's). */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { storageErrorKind } from '../../util/storage-io.js';
import { DAY_MICROS, planCompaction } from '../compaction.js';
import { crashPoint } from '../crash-points.js';
import type { SegmentEntry } from '../manifest.js';
import type { CachedSegment } from '../segment-cache.js';
import { exportSegments } from '../sealer.js';
import type { EngineContext, Ws } from './context.js';
import { segmentLoad, exportTarget, forgetSegments, pinSegments, reloadIntoTier, segmentSelect, unpinSegments } from './segments.js';
import { loadLater } from './tier-loads.js';

/** Compaction merges segments whose files take at most this many bytes together. */
const COMPACTION_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Merges runs of small segments of the same table and schema version that are adjacent in time,
 * across partitions, up to a seal's worth of rows, 64 MiB of segment files and one day (or one
 * partition, when partitions are wider) of TimeGenerated — see compaction.ts.
 */
export async function runCompaction(ctx: EngineContext): Promise<number> {
  let merged = 0;
  const policy = {
    smallRows: Math.max(1, Math.floor(ctx.opts.sealRows / 4)),
    maxRows: ctx.opts.sealRows,
    maxBytes: COMPACTION_MAX_BYTES,
    maxSpanMicros: Math.max(DAY_MICROS, ctx.opts.partitionMs * 1000),
  };
  for (const ws of [...ctx.workspaces.values()]) {
    const plans = planCompaction(ws.manifest.segments, policy);
    // Segments that left the memory tier during this pass with a generation they shared with merged
    // ones (see forgetSegments): loaded again once the pass is done, unless merged meanwhile.
    const leftTier = new Set<string>();
    for (const group of plans) {
      merged += await ctx.maintLock.run(() => compactGroup(ctx, ws, group, leftTier));
    }
    reloadIntoTier(ctx, ws, leftTier);
  }
  return merged;
}

async function compactGroup(ctx: EngineContext, ws: Ws, group: SegmentEntry[], leftTier: Set<string>): Promise<number> {
  const t = ws.tables.get(group[0]!.table);
  if (!t) return 0;
  const live = new Set(ws.manifest.segments.map((s) => s.id));
  if (!group.every((s) => live.has(s.id))) return 0;
  const ids = group.map((s) => s.id);
  pinSegments(ctx, ids);
  const acquired: CachedSegment[] = [];
  try {
    const files: { seg: SegmentEntry; path: string }[] = [];
    for (const seg of group) {
      const r = await ctx.cache.acquire(seg.id, undefined, segmentLoad(ctx, ws, seg));
      acquired.push(r);
      files.push({ seg, path: r.path });
    }
    const select = segmentSelect(ws, t, files);
    // One merged segment, whatever partitions its rows come from (its time range is the union of its parts').
    const exported = await exportSegments(ctx.sealConn, select, { ...exportTarget(ctx, ws, t, t.schemaVersion), partitionMicros: 0 });
    crashPoint('compact:segment-written');
    const still = new Set(ws.manifest.segments.map((s) => s.id));
    if (ws.tables.get(t.name) !== t || !ids.every((id) => still.has(id))) {
      for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
      return 0;
    }
    // Before the originals leave it: whether the merged rows belong in the memory tier.
    const inTier = group.some((s) => ctx.memory.has(s.id) || leftTier.has(s.id));
    let renamed = false;
    try {
      ws.manifest.replaceSegments(new Set(ids), exported.map((e) => e.entry));
      ws.manifest.save();
      // In the same synchronous step as the change (a failed save reverts it): no query finds the
      // merged segments anywhere but where the originals were.
      renamed = ctx.memory.renameSegments(ids, exported.map((e) => e.entry.id));
    } catch (err) {
      for (const e of exported) rmSync(join(ws.dir, 'segments', e.entry.file), { force: true });
      throw err;
    }
    crashPoint('compact:manifest-saved');
    if (!renamed) for (const e of exported) ctx.cache.put(e.entry.id, e.parquet);
    // Still in the same synchronous step as the manifest change: the originals leave the tier, and
    // with them every generation they share with other segments. A query reads a generation whole
    // or not at all (`__seg`), so one that still listed an original the manifest no longer has would
    // be left out of every view — and the other segments it holds with it, though a query had found
    // them in the tier (a batch partly missing from answers until the load below was done).
    for (const s of forgetSegments(ctx, ws, group)) leftTier.add(s.id);
    crashPoint('compact:originals-removed');
    // Rows that were in the memory tier stay there: when the originals were not all one generation
    // of the tier (see renameSegments), the merged segments are loaded from the Parquet just written
    // (queries read that Parquet meanwhile), not left for one query after another to load back.
    if (!renamed && inTier) {
      const mergedIds = new Set(exported.map((e) => e.entry.id));
      const merged = ws.manifest.segments.filter((s) => mergedIds.has(s.id));
      for (const seg of merged) loadLater(ctx, ws, t, seg);
      await Promise.all(merged.map((s) => ctx.tierLoads.get(s.id)));
    }
    return group.length;
  } catch (err) {
    // A full or failing disk: compaction runs again soon, once storage works.
    if (storageErrorKind(err)) throw err;
    ctx.log('warn', `compacting segments of table ${t.name} failed (${(err as Error).message}); they stay as they are`);
    return 0;
  } finally {
    for (const r of acquired) ctx.cache.release(r);
    unpinSegments(ctx, ids);
  }
}
