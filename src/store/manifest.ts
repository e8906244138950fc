/**
 * The workspace manifest (`manifest.json`): for each table its schema versions and the last log
 * record already sealed into segments, and every live segment with its table, schema version, row
 * count, min/max TimeGenerated (µs), size and SHA-256, and how it stores datetimes (legacy-time.ts).
 * Each segment entry carries an HMAC over its fields and the previous entry's HMAC (a chain keyed by
 * the workspace key, so it cannot be recomputed without the key), and the whole file carries an HMAC.
 * Updates are atomic: temp file, fsync, rename, fsync of the folder. A save that fails (full disk, I/O error) leaves the file as it
 * was and puts the in-memory copy back to it, so the caller's change is undone as a whole.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import { nodeIo, StorageError, type StorageIo } from '../util/storage-io.js';
import { hmacHex } from '../keys/crypto.js';
import type { KqlType } from '../kql/index.js';

export interface StoredColumn {
  name: string;
  type: KqlType;
}

export interface SchemaVersion {
  version: number;
  columns: StoredColumn[];
}

export interface TableState {
  /** Log records up to this sequence number are in segments (or were dropped with the table). */
  sealedThroughSeq: number;
  dropped?: boolean;
  schemas: SchemaVersion[];
}

export interface SegmentEntry {
  id: string;
  table: string;
  file: string;
  schemaVersion: number;
  rows: number;
  /** Min and max TimeGenerated, µs since the epoch (floored: a µs holds ten ticks). */
  minTime: number;
  maxTime: number;
  /** 'ticks': datetime columns are BIGINT 100-ns ticks; absent: µs TIMESTAMPs (written before issue #12, legacy-time.ts). */
  datetimes?: 'ticks';
  size: number;
  sha256: string;
  createdAt: string;
  prev: string;
  hash: string;
}

export type NewSegment = Omit<SegmentEntry, 'prev' | 'hash'>;

interface ManifestBody {
  format: 'vigil-manifest';
  version: 1;
  workspaceId: string;
  generation: number;
  updatedAt: string;
  tables: Record<string, TableState>;
  segments: SegmentEntry[];
}

export class ManifestError extends Error {}

/** The MACed fields of an entry (`datetimes` only when set, so that entries written before it still verify). */
const entryFields = (e: NewSegment) =>
  JSON.stringify([e.id, e.table, e.file, e.schemaVersion, e.rows, e.minTime, e.maxTime, e.size, e.sha256, e.createdAt, ...(e.datetimes ? [e.datetimes] : [])]);

export class Manifest {
  /** The body as last loaded or saved (what the file holds): a failed save goes back to it. */
  private persisted: string;

  private constructor(
    private readonly path: string,
    private readonly macKey: Buffer,
    private body: ManifestBody,
    private readonly io: StorageIo = nodeIo,
  ) {
    this.persisted = JSON.stringify(body);
  }

  private genesis(): string {
    return hmacHex(this.macKey, 'vigil-manifest-genesis:', this.body.workspaceId.toLowerCase());
  }

  /**
   * Reads the manifest and checks its MAC and chain. Returns problems instead of throwing when
   * `collect` is given (verification); otherwise any problem throws.
   */
  static load(path: string, workspaceId: string, macKey: Buffer, collect?: string[], io?: StorageIo): Manifest {
    if (!existsSync(path)) {
      return new Manifest(path, macKey, { format: 'vigil-manifest', version: 1, workspaceId: workspaceId.toLowerCase(), generation: 0, updatedAt: new Date().toISOString(), tables: {}, segments: [] }, io);
    }
    const problems: string[] = [];
    let parsed: ManifestBody & { mac?: string };
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as ManifestBody & { mac?: string };
    } catch (err) {
      throw new ManifestError(`${path} is not readable JSON (${(err as Error).message}): it was altered or damaged. Restore it from your backup.`);
    }
    const { mac, ...body } = parsed;
    const m = new Manifest(path, macKey, body as ManifestBody, io);
    if (hmacHex(macKey, JSON.stringify(body)) !== mac) problems.push(`${path}: the manifest's MAC does not match its contents (the manifest was altered, or belongs to another workspace)`);
    if (body.workspaceId?.toLowerCase() !== workspaceId.toLowerCase()) problems.push(`${path}: the manifest belongs to workspace ${body.workspaceId}, not ${workspaceId}`);
    let prev = m.genesis();
    for (const e of body.segments ?? []) {
      const expected = hmacHex(macKey, prev, entryFields(e));
      if (e.prev !== prev || e.hash !== expected) problems.push(`${path}: the chain breaks at segment ${e.id} of table ${e.table} (entry altered, removed or reordered)`);
      prev = e.hash;
    }
    if (problems.length > 0) {
      if (collect) collect.push(...problems);
      else throw new ManifestError(`${problems.join('; ')}. Run 'vigil verify' for a full report and restore the workspace folder from your backup.`);
    }
    return m;
  }

  get workspaceId(): string {
    return this.body.workspaceId;
  }

  get tables(): Readonly<Record<string, TableState>> {
    return this.body.tables;
  }

  get segments(): readonly SegmentEntry[] {
    return this.body.segments;
  }

  table(name: string): TableState | undefined {
    return this.body.tables[name];
  }

  /** Mutations happen on the in-memory copy; `save()` makes them durable. */
  setTable(name: string, state: TableState): void {
    this.body.tables[name] = state;
  }

  /** Removes segments and adds new ones, then re-chains every entry. */
  replaceSegments(remove: Set<string>, add: NewSegment[]): void {
    const kept: NewSegment[] = this.body.segments.filter((s) => !remove.has(s.id));
    let prev = this.genesis();
    this.body.segments = [...kept, ...add].map((s) => {
      const { id, table, file, schemaVersion, rows, minTime, maxTime, size, sha256, createdAt, datetimes } = s;
      const e: SegmentEntry = { id, table, file, schemaVersion, rows, minTime, maxTime, size, sha256, createdAt, ...(datetimes ? { datetimes } : {}), prev, hash: '' };
      e.hash = hmacHex(this.macKey, prev, entryFields(e));
      prev = e.hash;
      return e;
    });
  }

  /**
   * Makes the in-memory changes durable. On failure the file is unchanged and so, again, is the
   * in-memory copy (every change since the last save is undone; callers re-read `table()` and
   * `segments` rather than keep objects across a save); the error is a StorageError when the disk is
   * full or failing.
   */
  save(): void {
    this.body.generation++;
    this.body.updatedAt = new Date().toISOString();
    const mac = hmacHex(this.macKey, JSON.stringify(this.body));
    try {
      writeFileAtomic(this.path, JSON.stringify({ ...this.body, mac }, null, 1), 0o600, this.io);
    } catch (err) {
      if (!(err as { committed?: boolean }).committed) {
        this.body = JSON.parse(this.persisted) as ManifestBody;
        throw StorageError.from(err, this.path, 'writing the manifest');
      }
      // The new file is in place; only the folder's fsync failed (twice): keep the new state, the next save syncs the folder again.
    }
    this.persisted = JSON.stringify(this.body);
  }
}
