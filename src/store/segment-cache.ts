/**
 * Decrypted segments, as Parquet files in the memory-backed scratch folder, bounded by size (LRU).
 * A reader pins the file it was handed (`acquire` → handle → `release`); pinned files are never
 * evicted. A segment removed from the manifest (retention, compaction, drop), or whose plaintext
 * moved into the memory tier, leaves the cache at once, and its file disappears once its last
 * reader is done. Every decryption gets a file name of its own: a segment decrypted again while an
 * older copy is still being read never shares — nor deletes — that reader's file.
 *
 * Loads may be asynchronous (decryption and the file write off the event loop), so several run at
 * once. A load in flight is shared by every reader asking for that segment; a segment dropped while
 * it loads arrives doomed (its readers get it, nobody after them, and its file goes with the last of
 * them); after `close()` nothing new is inserted, and `settled()` waits for the loads in flight.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { writeNewFile } from '../util/whole-file.js';
import { join } from 'node:path';

interface Entry {
  path: string;
  bytes: number;
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
  readonly entry: Entry;
}

/** A load in flight; `doomed` once the segment is dropped meanwhile. */
interface Loading {
  entry: Promise<Entry>;
  doomed: boolean;
  /** Readers waiting for it: the entry lands pinned once for each. */
  readers: number;
}

export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Loading>();
  private closed = false;
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

  /** Pins segment `id`, decrypting it with `load` on a miss. */
  async acquire(id: string, load: () => Buffer | Promise<Buffer>): Promise<CachedSegment> {
    const e = this.entries.get(id);
    if (e) {
      e.pins++;
      e.lastUsed = Date.now();
      this.hits++;
      return { path: e.path, hit: true, bytes: e.bytes, entry: e };
    }
    let l = this.loading.get(id);
    const hit = l !== undefined;
    if (!l) {
      this.misses++;
      l = { doomed: false, readers: 0, entry: undefined as unknown as Promise<Entry> };
      this.loading.set(id, l);
      l.entry = this.load(id, l, load);
      l.entry.catch(() => undefined);
    }
    // Counted now, pinned by the load in the same step as it lands: no release or eviction can come between.
    l.readers++;
    const entry = await l.entry;
    return { path: entry.path, hit, bytes: entry.bytes, entry };
  }

  /** One load: decrypt (`load`), write the file, and hand it pinned to its readers. Leaves `loading` in the same step as it lands or fails. */
  private async load(id: string, l: Loading, load: () => Buffer | Promise<Buffer>): Promise<Entry> {
    try {
      const parquet = await load();
      if (this.closed) throw new Error('the segment cache is closed');
      const path = join(this.dir, `${id}-${++this.counter}.parquet`);
      try {
        await writeNewFile(path, parquet, 0o600);
      } catch (err) {
        rmSync(path, { force: true });
        throw err;
      }
      // Closed or dropped while the file was written: its readers have it, nobody else.
      const entry = this.closed || l.doomed ? { path, bytes: parquet.length, pins: 0, lastUsed: Date.now(), doomed: true } : this.adopt(id, path, parquet.length);
      entry.pins += l.readers;
      return entry;
    } finally {
      if (this.loading.get(id) === l) this.loading.delete(id);
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
      this.insert(id, parquet);
    } catch {
      // Best effort (a full tmpfs): the segment is decrypted again when a query needs it.
    }
    this.evict();
  }

  /** The segment leaves the cache (a load in flight too): its plaintext file is deleted as soon as nobody reads it. */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (e) this.retire(id, e);
    const l = this.loading.get(id);
    if (l) l.doomed = true;
  }

  private insert(id: string, parquet: Uint8Array): Entry {
    if (this.closed) throw new Error('the segment cache is closed');
    const path = join(this.dir, `${id}-${++this.counter}.parquet`);
    try {
      writeFileSync(path, parquet, { mode: 0o600 });
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
    return this.adopt(id, path, parquet.length);
  }

  /** Makes a written file the cached copy of `id`. */
  private adopt(id: string, path: string, bytes: number): Entry {
    const entry: Entry = { path, bytes, pins: 0, lastUsed: Date.now(), doomed: false };
    // A copy decrypted while an older one was being retired: the older stays its readers' until released.
    const old = this.entries.get(id);
    if (old) this.retire(id, old);
    this.entries.set(id, entry);
    this.total += entry.bytes;
    return entry;
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

  /** Resolves once every load in flight has ended (inserted or failed). */
  async settled(): Promise<void> {
    while (this.loading.size > 0) await Promise.allSettled([...this.loading.values()].map((l) => l.entry));
  }

  /** Every cached file goes (pinned ones when released). */
  clear(): void {
    for (const [id, e] of [...this.entries]) this.retire(id, e);
  }

  /** `clear()`, and nothing is inserted any more; `settled()` then waits for the loads in flight before the folder goes. */
  close(): void {
    this.closed = true;
    this.clear();
  }
}
