/**
 * Decrypted segments, as Parquet files in the memory-backed scratch folder, bounded by size (LRU).
 * A query pins the segments it reads; pinned files are never evicted, and a segment removed from
 * the manifest (retention, compaction, drop) disappears once its last reader is done.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Entry {
  path: string;
  bytes: number;
  pins: number;
  lastUsed: number;
  doomed: boolean;
}

export class SegmentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private total = 0;
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

  /** Pins segment `id`, decrypting it with `load` on a miss. Returns its plaintext Parquet path. */
  async acquire(id: string, load: () => Buffer): Promise<{ path: string; hit: boolean; bytes: number }> {
    const e = this.entries.get(id);
    if (e && !e.doomed) {
      e.pins++;
      e.lastUsed = Date.now();
      this.hits++;
      return { path: e.path, hit: true, bytes: e.bytes };
    }
    let pending = this.loading.get(id);
    let hit = true;
    if (!pending) {
      hit = false;
      this.misses++;
      pending = Promise.resolve().then(() => this.insert(id, load()));
      this.loading.set(id, pending);
      pending.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const entry = await pending;
    entry.pins++;
    entry.lastUsed = Date.now();
    return { path: entry.path, hit, bytes: entry.bytes };
  }

  release(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.pins--;
    if (e.pins === 0 && e.doomed) this.remove(id, e);
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
      rmSync(join(this.dir, `${id}.parquet`), { force: true });
    }
    this.evict();
  }

  /** The segment is gone from the manifest: delete its plaintext as soon as nobody reads it. */
  drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.doomed = true;
    if (e.pins === 0) this.remove(id, e);
  }

  private insert(id: string, parquet: Uint8Array): Entry {
    const path = join(this.dir, `${id}.parquet`);
    writeFileSync(path, parquet, { mode: 0o600 });
    const entry: Entry = { path, bytes: parquet.length, pins: 0, lastUsed: Date.now(), doomed: false };
    this.entries.set(id, entry);
    this.total += entry.bytes;
    return entry;
  }

  private remove(id: string, e: Entry): void {
    rmSync(e.path, { force: true });
    this.entries.delete(id);
    this.total -= e.bytes;
  }

  /** Evicts unpinned segments, least recently used first, until the cache fits. */
  evict(room = 0): void {
    if (this.total + room <= this.maxBytes) return;
    const victims = [...this.entries].filter(([, e]) => e.pins === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, e] of victims) {
      if (this.total + room <= this.maxBytes) break;
      this.remove(id, e);
    }
  }

  clear(): void {
    for (const [id, e] of [...this.entries]) this.remove(id, e);
  }
}
