/** Queries over the storage engine. */
import { OPEN_MAX, OPEN_MIN } from '../sealer.js';
import type { HotTable } from '../hot-tables.js';
import type { SegmentEntry } from '../manifest.js';
import { wholeInRange, type CountShape } from '../manifest-count.js';
import { segmentFilter, type TierSnapshot } from '../memory-tier.js';
import { resourceScopeFilter } from '../row-scope.js';
import type { CachedSegment } from '../segment-cache.js';
import { QueryAbortedError, type QueryLimits, type QueryOutput, type ScanStatistics, type TableGrant } from '../store.js';
import { runAndReadRows } from '../read-rows.js';
import { intersectRange, type MicrosRange } from '../time-pruning.js';
import { snapshotInside, timespanFilter, timespanOf } from '../timespan-cover.js';
import { sqlIdent } from '../../kql/sql.js';
import { grantViewName, hexOf, type EngineContext, type TableRt, type Ws } from './context.js';
import { segmentLoad, dropIfUnread, segmentFileIntact, memorySelect, pinSegments, segmentSelect, unpinSegments } from './segments.js';
import { loadLater } from './tier-loads.js';
import { anyPartial, decryptScanned, FOOTER_ONLY, type ScannedFile } from './scanned-parts.js';

function microsIso(us: number | undefined): string | undefined {
  if (us === undefined || us <= OPEN_MIN || us >= OPEN_MAX) return undefined;
  return new Date(Math.floor(us / 1000)).toISOString();
}

/**
 * Runs guarded SQL over the views of the query's grants: each view reads the table's hot rows and
 * the segments that overlap the query's time range (loaded into the memory tier, or decrypted
 * Parquet), pinned while the query runs; timeout and cancellation interrupt DuckDB.
 */
export async function query(ctx: EngineContext, sql: string, limits: QueryLimits): Promise<QueryOutput> {
  // The request's timespan: each view keeps its table to it (timespan-cover.ts); the SQL does not filter on it.
  const span = timespanOf(limits.timespan);
  const stats: ScanStatistics = {
    segmentsConsidered: 0,
    segmentsPruned: 0,
    segmentsOpened: 0,
    segmentsCounted: 0,
    segmentsDecrypted: 0,
    segmentCacheHits: 0,
    segmentsInMemory: 0,
    snapshotRetries: 0,
    bytesDecrypted: 0,
    hotRows: 0,
    segmentRows: 0,
    rowsScanned: 0,
    rowsTotal: 0,
    tables: [],
  };
  // The tables of the query's grant, each under its own view (a resource-scoped grant's view holds
  // only that scope's rows). Nothing else is given a view, and the guard refuses SQL that names
  // anything else — another workspace, another table, the memory tier, a system function.
  const refs: { view: string; ws: Ws; t: TableRt; grant: TableGrant }[] = [];
  for (const grant of limits.tables) {
    const hex = hexOf(grant.workspaceId);
    const view = grantViewName(hex, grant.table, grant.resourceScope);
    if (refs.some((r) => r.view === view)) continue;
    const ws = [...ctx.workspaces.values()].find((w) => w.hex === hex);
    const t = ws?.tables.get(grant.table);
    if (ws && t) refs.push({ view, ws, t, grant });
  }
  // The tables as they are now are the query's: their hot rows (and with them their memory-tier
  // tables) are held from here, so a table dropped while the statement is checked is still read
  // whole, as it was when the query came.
  const readHot: HotTable[] = [];
  for (const { t } of refs) {
    for (const h of [t.hot, ...t.sealing]) {
      h.readers++;
      readHot.push(h);
    }
  }
  const releaseHot = async () => {
    for (const h of readHot) h.readers--;
    for (const h of readHot) await dropIfUnread(ctx, h).catch(() => undefined);
  };
  const grantedViews = new Map(limits.tables.map((g) => [`temp.main.${grantViewName(hexOf(g.workspaceId), g.table, g.resourceScope).toLowerCase()}`, g]));
  let tablesRead: TableGrant[];
  try {
    tablesRead = (await ctx.guard.check(sql, new Set(grantedViews.keys()))).map((v) => grantedViews.get(v)!);
  } catch (err) {
    await releaseHot();
    throw err;
  }
  limits.onTablesRead?.(tablesRead);
  const requested: MicrosRange = { lo: span?.startUs, hi: span?.endUs };
  // The query's own TimeGenerated range (planning it costs a millisecond or two) pays off only for
  // segments that would have to be decrypted or loaded: what is in the memory tier is one table,
  // whose zone maps skip the rows outside the range anyway.
  const overlaps = (s: SegmentEntry, r: MicrosRange) => (r.lo === undefined || s.maxTime >= r.lo) && (r.hi === undefined || s.minTime <= r.hi);
  const planRange = limits.exactScan || refs.some(({ ws, t }) => ws.manifest.segments.some((s) => s.table === t.name && overlaps(s, requested) && !ctx.memory.has(s.id)));
  let ranges = new Map<string, MicrosRange>();
  let countShape: CountShape | undefined;
  try {
    if (refs.length > 0 && planRange) ({ ranges, count: countShape } = await ctx.probe.probe(sql, refs.map(({ view, t }) => ({ view, columns: t.columns }))));
  } catch (err) {
    await releaseHot();
    throw err;
  }
  const conn = await ctx.pool.acquire();
  const pinnedSegs: string[] = [];
  const cached: CachedSegment[] = [];
  /** The decrypted segment files the statement reads, and the bytes this query decrypted of each. */
  const scanned: ScannedFile[] = [];
  const decryptedFiles = new Map<ScannedFile, number>();
  const addDecrypted = (grown: Map<ScannedFile, number>) => {
    for (const [f, n] of grown) decryptedFiles.set(f, (decryptedFiles.get(f) ?? 0) + n);
  };
  const pinnedMem: string[] = [];
  /** Segments this query reads from Parquet, for the memory tier after it (tier-loads.ts). */
  const toLoad: { ws: Ws; t: TableRt; seg: SegmentEntry }[] = [];
  const plans: {
    view: string;
    ws: Ws;
    t: TableRt;
    /** The table's hot generations and segments in the query's snapshot. */
    hots: HotTable[];
    segs: SegmentEntry[];
    /** Chosen segments read from decrypted Parquet (the others are in the memory tier). */
    files: { seg: SegmentEntry; path: string }[];
    /** Hot generations and segments of the query's snapshot that the tier part may show (pruned ones too: the query's own predicates drop their rows). */
    wanted: Set<string>;
    /** Segments a pure count takes from the manifest (not read; neither files nor wanted). */
    counted: SegmentEntry[];
    grant: TableGrant;
    stat: ScanStatistics['tables'][number];
  }[] = [];
  let inTransaction = false;
  let committing: Promise<unknown> | undefined;
  let aborted: 'timeout' | 'cancelled' | undefined;
  // DuckDB forgets an interrupt that arrives before the statement starts executing, so once a
  // query is to stop it is interrupted again every 50 ms until its run settles.
  let reinterrupt: NodeJS.Timeout | undefined;
  const stop = (reason: 'timeout' | 'cancelled') => {
    if (aborted) return;
    aborted = reason;
    conn.interrupt();
    reinterrupt = setInterval(() => conn.interrupt(), 50);
  };
  const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
  const onAbort = () => stop('cancelled');
  limits.signal?.addEventListener('abort', onAbort);
  try {
    if (limits.signal?.aborted) throw new QueryAbortedError('cancelled');
    for (const { view, ws, t, grant } of refs) {
      const range = intersectRange(ranges.get(view) ?? {}, requested);
      // Snapshot (synchronous): hot tables and segments as of now.
      const hots = [t.hot, ...t.sealing];
      for (const h of hots) {
        h.readers++;
        readHot.push(h);
      }
      const segs = ws.manifest.segments.filter((s) => s.table === t.name);
      const chosen = segs.filter((s) => overlaps(s, range));
      pinSegments(ctx, chosen.map((s) => s.id));
      pinnedSegs.push(...chosen.map((s) => s.id));
      const hotRows = hots.reduce((n, h) => n + h.rows, 0);
      const segRows = chosen.reduce((n, s) => n + s.rows, 0);
      stats.segmentsConsidered += segs.length;
      stats.segmentsOpened += chosen.length;
      stats.segmentsPruned += segs.length - chosen.length;
      stats.hotRows += hotRows;
      stats.segmentRows += segRows;
      stats.rowsTotal += hotRows + segs.reduce((n, s) => n + s.rows, 0);
      const stat: ScanStatistics['tables'][number] = {
        table: t.name,
        from: microsIso(range.lo),
        to: microsIso(range.hi),
        segmentsConsidered: segs.length,
        segmentsOpened: chosen.length,
        hotRows,
        segmentRows: segRows,
        timespanFiltered: false,
      };
      stats.tables.push(stat);
      // A pure count (manifest-count.ts) over a table with no row-level scope: segments wholly inside
      // its bounds count by the manifest. One already in the memory tier is as cheap to count there.
      // Its file must be there at the size the manifest says: a missing or cut file is read, and its
      // damage reported, as for any other query (a changed byte only a decryption finds: `vigil verify`).
      // The count's bounds are the SQL's own and the timespan the view applies.
      const countRange = countShape?.view === view ? intersectRange(countShape.range, requested) : undefined;
      const counted = countRange && grant.resourceScope === undefined ? chosen.filter((s) => wholeInRange(s, countRange) && !ctx.memory.has(s.id) && segmentFileIntact(ws, s)) : [];
      const files: { seg: SegmentEntry; path: string }[] = [];
      // 1st tier: an in-memory table; 2nd: decrypted Parquet in the scratch tmpfs; else decrypt.
      // The memory tier is asked for every segment at once, in the same synchronous step as the
      // manifest was read: compaction renames a tier generation to the merged segments in one step
      // with the manifest, so a query must not find some of a generation's segments in the tier and
      // the others (renamed meanwhile) not — the generation would be left out of its view.
      const fromParquet: SegmentEntry[] = [];
      for (const seg of chosen) {
        if (counted.includes(seg)) continue;
        if (ctx.memory.tryAcquire(seg.id) !== undefined) {
          pinnedMem.push(seg.id);
          stats.segmentCacheHits++;
          stats.segmentsInMemory++;
        } else fromParquet.push(seg);
      }
      for (const seg of fromParquet) {
        if (aborted) throw new QueryAbortedError(aborted);
        // The Parquet footer first (segment files of format VGLSEG02): the columns the statement
        // reads are decrypted once its plan over the views is known (scanned-parts.ts).
        const load = segmentLoad(ctx, ws, seg);
        const r = await ctx.cache.acquire(seg.id, FOOTER_ONLY, load);
        const f = { handle: r, load };
        scanned.push(f);
        if (!r.hit) decryptedFiles.set(f, r.decrypted);
        // This query reads the decrypted Parquet; loading (and compressing) the segment into the
        // memory tier waits until it has its answer, so a cold query does not pay for it.
        cached.push(r);
        files.push({ seg, path: r.path });
        toLoad.push({ ws, t, seg });
      }
      const wanted = new Set(segs.filter((s) => !files.some((f) => f.seg.id === s.id) && !counted.includes(s)).map((s) => s.id));
      for (const h of hots) wanted.add(h.gen.id);
      plans.push({ view, ws, t, hots, segs, files, wanted, counted, grant, stat });
    }
    // The query reads the memory tier in a snapshot whose visible generations are known (see
    // MemoryTier.beginSnapshot), so the view usually needs no filter at all.
    const tierKeys = [...new Set(plans.map((p) => p.t.tierKey))];
    /** Whether a view left unfiltered by the timespan would still be, with the hot bounds as they are now. */
    type Unfiltered = () => boolean;
    /** The views over the generations of `atSnapshot`, then the statement; the rows a pure count takes from the manifest are added. */
    const readAt = async (atSnapshot: TierSnapshot) => {
      let countedRows = 0;
      stats.segmentsCounted = 0;
      const unfiltered: Unfiltered[] = [];
      for (const { view, ws, t, hots, segs, files, wanted: chosenWanted, counted, grant, stat } of plans) {
        const { source, present } = atSnapshot.get(t.tierKey)!;
        // The current hot generation keeps the table's tier table alive, so it is there.
        if (!source) throw new Error(`memory tier table of ${t.name} is missing`);
        // A counted segment that reached the memory tier meanwhile (a background load; a generation
        // sealed in place) is counted there instead: hiding its generation could hide other rows too.
        const wanted = new Set(chosenWanted);
        const inTier = new Set([...present.values()].flatMap((g) => g.segments));
        for (const seg of counted) {
          if (inTier.has(seg.id)) wanted.add(seg.id);
          else {
            countedRows += seg.rows;
            stats.segmentsCounted++;
          }
        }
        const parts = [memorySelect(t, source, segmentFilter(present, wanted))];
        if (files.length > 0) parts.push(segmentSelect(ws, t, files));
        const conds: string[] = [];
        if (grant.resourceScope !== undefined) conds.push(resourceScopeFilter(grant.resourceScope));
        // Decided on the captured generations; hot bounds are widened before their rows commit (see below for a statement without a transaction).
        const time = span && t.columns.find((c) => c.name.toLowerCase() === 'timegenerated' && c.type === 'datetime');
        stat.timespanFiltered = false;
        if (span && time) {
          const segments = new Map(segs.map((s) => [s.id, s]));
          for (const s of ws.manifest.segments) if (s.table === t.name && !segments.has(s.id)) segments.set(s.id, s);
          const inside = () => snapshotInside(span, { present, wanted, hots, segments, files });
          if (inside()) unfiltered.push(inside);
          else {
            conds.push(timespanFilter(time.name, span));
            stat.timespanFiltered = true;
          }
        }
        const rows = conds.length === 0 ? parts.join(' UNION ALL ') : `SELECT * FROM (${parts.join(' UNION ALL ')}) WHERE ${conds.join(' AND ')}`;
        const viewSql = `CREATE OR REPLACE TEMP VIEW ${sqlIdent(view)} AS ${rows}`;
        let views = ctx.viewSql.get(conn);
        if (!views) ctx.viewSql.set(conn, (views = new Map()));
        if (views.get(view) !== viewSql) {
          views.delete(view);
          await conn.run(viewSql);
          views.set(view, viewSql);
        }
      }
      if (aborted) throw new QueryAbortedError(aborted);
      addDecrypted(await decryptScanned(ctx.cache, conn, sql, scanned));
      if (aborted) throw new QueryAbortedError(aborted);
      if (ctx.opts.beforeStatement) await ctx.opts.beforeStatement();
      let read;
      try {
        read = await runAndReadRows(conn, sql);
      } catch (err) {
        // A column chunk the plan did not show would be read as a hole (zeros), which DuckDB refuses:
        // once more with the files whole, rather than fail a query over intact segments.
        if (aborted || !anyPartial(ctx.cache, scanned)) throw err;
        ctx.log('warn', `a query over partly decrypted segments failed (${(err as Error).message}); running it again over whole segments`);
        addDecrypted(await decryptScanned(ctx.cache, conn, sql, scanned, true));
        read = await runAndReadRows(conn, sql);
      }
      const { columnNames, rows } = read;
      if (aborted) throw new QueryAbortedError(aborted);
      if (countedRows > 0) addCounted(rows, countedRows);
      return { columnNames, rows, unfiltered };
    };
    stats.rowsScanned = stats.hotRows + stats.segmentRows;
    // First without a transaction, saving a DuckDB call before the statement (BEGIN and its touch)
    // and one after (COMMIT): one statement is its own snapshot, which starts while it runs. When
    // the epoch of the tables it reads is after it what it was when their generations were captured
    // before it, those did not change while the snapshot started, so it saw exactly the captured
    // ones — what beginSnapshot makes sure of around its BEGIN. Otherwise the answer is dropped and
    // the statement runs again in an explicit snapshot. The epoch is the tables' own, so changes to
    // other tables (another table's seal, a segment loaded elsewhere) never cost a second run.
    // Rows appended to a captured hot generation do not move the epoch, and the statement may see
    // rows committed after its views were made: a view left without the timespan filter is checked
    // again after the statement, against the hot bounds as they are then (they only widen, before
    // their rows commit), so every row the statement could have seen is inside the timespan.
    const epoch = ctx.memory.epochOf(tierKeys);
    let { columnNames, rows, unfiltered } = await readAt(ctx.memory.capture(tierKeys));
    if (tierKeys.length > 0 && (ctx.memory.epochOf(tierKeys) !== epoch || !unfiltered.every((inside) => inside()))) {
      stats.snapshotRetries++;
      // From here an error may leave a transaction open: the catch below rolls it back (a rollback
      // without one is harmless).
      inTransaction = true;
      ({ columnNames, rows } = await readAt(await ctx.memory.beginSnapshot(conn, tierKeys)));
      // The answer is read: the (read-only) transaction ends while the caller already has it; the
      // connection goes back to the pool once it has.
      inTransaction = false;
      const views = ctx.viewSql.get(conn);
      committing = conn.run('COMMIT').catch(() => {
        // Views created in it are gone with it.
        if (views) ctx.viewSql.delete(conn);
        return conn.run('ROLLBACK').catch(() => undefined);
      });
    }
    for (const f of scanned) {
      if (!decryptedFiles.has(f)) stats.segmentCacheHits++;
    }
    stats.segmentsDecrypted = decryptedFiles.size;
    stats.bytesDecrypted = [...decryptedFiles.values()].reduce((a, b) => a + b, 0);
    return { columnNames, rows, tablesRead, statistics: stats };
  } catch (err) {
    if (inTransaction) {
      // The views created in it are gone with it.
      ctx.viewSql.delete(conn);
      await conn.run('ROLLBACK').catch(() => undefined);
    }
    if (aborted) throw new QueryAbortedError(aborted);
    throw err;
  } finally {
    clearTimeout(timer);
    clearInterval(reinterrupt);
    limits.signal?.removeEventListener('abort', onAbort);
    for (const r of cached) ctx.cache.release(r);
    for (const id of pinnedMem) ctx.memory.release(id);
    for (const { ws, t, seg } of toLoad) loadLater(ctx, ws, t, seg);
    unpinSegments(ctx, pinnedSegs);
    if (committing) void committing.then(() => ctx.pool.release(conn));
    else ctx.pool.release(conn);
    await releaseHot();
  }
}

/** Adds the rows counted from the manifest to a pure count's one answer (the plan said it is one row of one count). */
function addCounted(rows: unknown[][], n: number): void {
  const v = rows.length === 1 && rows[0]!.length === 1 ? rows[0]![0] : undefined;
  if (typeof v === 'bigint') rows[0]![0] = v + BigInt(n);
  else if (typeof v === 'number') rows[0]![0] = v + n;
  else throw new Error('a count answered from the manifest did not produce one count');
}
