/**
 * Decrypted segments, as Parquet files in the memory-backed scratch folder, bounded by size (LRU).
 * A reader pins the file it was handed (`acquire` → handle → `release`); pinned files are never
 * evicted. A segment removed from the manifest (retention, compaction, drop), or whose plaintext
 * moved into the memory tier, leaves the cache at once, and its file disappears once its last
 * reader is done. Every decryption gets a file name of its own: a segment decrypted again while an
 * older copy is still being read never shares — nor deletes — that reader's file.
 */
import { rmSync, writeFileSync } from 'node:fs';
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

export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
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
   * Pins segment `id`, decrypting it on a miss with `load`, which writes the plaintext to the new file
   * at the path it is given and returns its length (a failing load leaves no file, see `insert`).
   */
  async acquire(id: string, load: (path: string) => number): Promise<CachedSegment> {
    const e = this.entries.get(id);
    if (e) {
      e.pins++;
      e.lastUsed = Date.now();
      this.hits++;
      return { path: e.path, hit: true, bytes: e.bytes, entry: e };
    }
    let pending = this.loading.get(id);
    let hit = true;
    if (!pending) {
      hit = false;
      this.misses++;
      pending = Promise.resolve().then(() => this.insert(id, load));
      this.loading.set(id, pending);
      pending.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const entry = await pending;
    entry.pins++;
    entry.lastUsed = Date.now();
    return { path: entry.path, hit, bytes: entry.bytes, entry };
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
        return parquet.length;
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

  /** Writes a new copy of segment `id` with `write` (which returns its length); the file is handed to readers only once `write` returned. */
  private insert(id: string, write: (path: string) => number): Entry {
    const path = join(this.dir, `${id}-${++this.counter}.parquet`);
    let bytes: number;
    try {
      bytes = write(path);
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
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

  clear(): void {
    for (const [id, e] of [...this.entries]) this.retire(id, e);
  }
}
