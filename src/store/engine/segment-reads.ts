/**
 * A query's segments, decrypted into the scratch cache several at once: each file is read, decrypted
 * (WebCrypto, on libuv's thread pool) and written off the event loop, a few in flight, so a cold query
 * over many segments uses every core instead of one and the loop keeps serving meanwhile.
 */
import { availableParallelism } from 'node:os';
import type { SegmentEntry } from '../manifest.js';
import type { CachedSegment } from '../segment-cache.js';
import type { EngineContext, Ws } from './context.js';
import { decryptSegmentAsync } from './segments.js';

/** Loads in flight at once: enough to keep the cores busy, few enough to bound the plaintext held in memory at once (libuv's pool has 4 threads). */
export const PARALLEL_LOADS = Math.min(4, Math.max(2, availableParallelism()));

/**
 * Pins the decrypted copy of each segment (in `segs` order). Every handle acquired is pushed to
 * `held` as soon as it is, so the caller releases them all whatever happens; on the first failure
 * (or once `stopped()` says so) no new load starts, the ones in flight end, and the error is thrown.
 */
export async function readSegments(ctx: EngineContext, ws: Ws, segs: readonly SegmentEntry[], held: CachedSegment[], stopped: () => Error | undefined): Promise<CachedSegment[]> {
  const out: CachedSegment[] = new Array(segs.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < segs.length) {
      const stop = stopped();
      if (stop) {
        failure = stop;
        break;
      }
      const i = next++;
      const seg = segs[i]!;
      try {
        const r = await ctx.cache.acquire(seg.id, () => decryptSegmentAsync(ctx, ws, seg));
        held.push(r);
        out[i] = r;
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LOADS, segs.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}
