/**
 * Decrypted segments, as Parquet files in the memory-backed scratch folder, bounded by size (LRU).
 * A reader pins the file it was handed (`acquire` → handle → `release`); pinned files are never
 * evicted. A segment removed from the manifest (retention, compaction, drop), or whose plaintext
 * moved into the memory tier, leaves the cache at once, and its file disappears once its last
 * reader is done. Every decryption gets a file name of its own: a segment decrypted again while an
 * older copy is still being read never shares — nor deletes — that reader's file.
 * A segment of format VGLSEG02 is decrypted as far as its readers need (the columns they read,
 * segment-parts.ts): a reader needing more has the missing parts written into the same file, into
 * holes no earlier reader reads.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wholeFill } from './segment.js';
import type { SegmentFill } from './segment-parts.js';

/**
 * Writes into `path` what a reader of the columns `want` (lower case; undefined: all) needs of the
 * segment and returns what the file then holds; `fill` is what it held (undefined: a new file).
 */
export type SegmentLoad = (path: string, fill: SegmentFill | undefined, want: ReadonlySet<string> | undefined) => SegmentFill;

interface Entry {
  id: string;
  path: string;
  bytes: number;
  fill: SegmentFill;
  pins: number;
  lastUsed: number;
  /** Out of the cache; the file goes when the last reader releases it. */
  doomed: boolean;
}

/** A pinned decrypted segment. */
export interface CachedSegment {
  path: string;
  bytes: number;
  /** Whether the plaintext was already there. */
  hit: boolean;
  /** Bytes this acquire decrypted. */
  decrypted: number;
  readonly entry: Entry;
}

export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<unknown>>();
  private total = 0;
  private counter = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.size;
  }

  /**
   * Pins segment `id` for a reader of the columns `want` (lower case; undefined: all), decrypting on
   * a miss with `load` what is not there yet (a failing load of a new file leaves no file, see `insert`).
   */
  async acquire(id: string, want: ReadonlySet<string> | undefined, load: SegmentLoad): Promise<CachedSegment> {
    let hit = true;
    let decrypted = 0;
    for (;;) {
      const pending = this.loading.get(id);
      if (pending) {
        await pending;
        continue;
      }
      const e = this.entries.get(id);
      if (e && e.fill.covers(want)) {
        e.pins++;
        e.lastUsed = Date.now();
        if (hit) this.hits++;
        return { path: e.path, hit, bytes: e.bytes, decrypted, entry: e };
      }
      if (hit) this.misses++;
      hit = false;
      // Synchronous inside: readers pinned on `e` read only parts already there, never the holes written now.
      const next = Promise.resolve().then(() => {
        const before = e?.bytes ?? 0;
        const got = e ? this.extend(e, want, load) : this.insert(id, (path) => load(path, undefined, want));
        decrypted += got.bytes - before;
      });
      this.loading.set(id, next);
      next.finally(() => this.loading.delete(id)).catch(() => undefined);
      await next;
    }
  }

  release(handle: CachedSegment): void {
    const e = handle.entry;
    e.pins--;
    if (e.pins === 0 && e.doomed) rmSync(e.path, { force: true });
    else this.evict();
  }

  /** Adds a segment whose plaintext is already at hand (just sealed). */
  put(id: string, parquet: Uint8Array): void {
    if (this.entries.has(id)) return;
    this.evict(parquet.length);
    try {
      this.insert(id, (path) => {
        writeFileSync(path, parquet, { flag: 'wx', mode: 0o600 });
        return wholeFill(parquet.length);
      });
    } catch {
      // Best effort (a full tmpfs): the segment is decrypted again when a query needs it.
    }
    this.evict();
  }

  /** The segment leaves the cache: its plaintext file is deleted as soon as nobody reads it. */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (e) this.retire(id, e);
  }

  /** Writes a new copy of segment `id` with `write` (which returns what it wrote); the file is handed to readers only once `write` returned. */
  private insert(id: string, write: (path: string) => SegmentFill): Entry {
    const path = join(this.dir, `${id}-${++this.counter}.parquet`);
    let fill: SegmentFill;
    try {
      fill = write(path);
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
    const entry: Entry = { id, path, bytes: fill.bytes, fill, pins: 0, lastUsed: Date.now(), doomed: false };
    // A copy decrypted while an older one was being retired: the older stays its readers' until released.
    const old = this.entries.get(id);
    if (old) this.retire(id, old);
    this.entries.set(id, entry);
    this.total += entry.bytes;
    return entry;
  }

  /** Whether the pinned copy `handle` holds what a reader of the columns `want` (undefined: all) reads. */
  covers(handle: CachedSegment, want: ReadonlySet<string> | undefined): boolean {
    return handle.entry.fill.covers(want);
  }

  /**
   * Writes into the pinned copy `handle` what a reader of the columns `want` needs and it lacks; returns
   * the bytes decrypted. Its other readers read only parts already there, never the holes written now.
   */
  fill(handle: CachedSegment, want: ReadonlySet<string> | undefined, load: SegmentLoad): number {
    const before = handle.entry.bytes;
    if (!handle.entry.fill.covers(want)) this.extend(handle.entry, want, load);
    return handle.entry.bytes - before;
  }

  /** Writes into a cached copy what a reader of `want` needs and it lacks (a failure leaves what was written: authenticated parts). */
  private extend(e: Entry, want: ReadonlySet<string> | undefined, load: SegmentLoad): Entry {
    try {
      e.fill = load(e.path, e.fill, want);
    } finally {
      const grown = e.fill.bytes - e.bytes;
      e.bytes += grown;
      if (this.entries.get(e.id) === e) this.total += grown;
    }
    return e;
  }

  private retire(id: string, e: Entry): void {
    if (this.entries.get(id) === e) {
      this.entries.delete(id);
      this.total -= e.bytes;
    }
    e.doomed = true;
    if (e.pins === 0) rmSync(e.path, { force: true });
  }

  /** Evicts unpinned segments, least recently used first, until the cache fits. */
  evict(room = 0): void {
    if (this.total + room <= this.maxBytes) return;
    const victims = [...this.entries].filter(([, e]) => e.pins === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, e] of victims) {
      if (this.total + room <= this.maxBytes) break;
      this.retire(id, e);
    }
  }

  clear(): void {
    for (const [id, e] of [...this.entries]) this.retire(id, e);
  }
}
