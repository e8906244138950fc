/**
 * Free space of the data folder's file system, and the "storage is full" episodes the operator is
 * told about.
 *
 * Ingestion stops being accepted while less than `minFreeBytes` would be left after the write
 * (default 256 MiB, `--min-free-disk-mb`): the rest is the reserve that sealing (segments), compaction,
 * manifest updates and the audit tables (LAQueryLogs, AzureActivity, which are not held to the
 * threshold) still write into, so that the disk is never filled completely by ingestion.
 *
 * The file system is asked (statfs) at most once a second while space is plentiful — the bytes
 * written since are counted against it — and on every check while storage is refusing, so that the
 * first upload after space returns succeeds.
 *
 * An episode starts with the first refusal or failed write and ends with the next successful append;
 * each start and end is logged once, with the folder, its free space and the threshold — never once
 * per request.
 */
import { statfs } from 'node:fs/promises';
import { StorageError, storageErrorKind } from '../util/storage-io.js';

export const DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024;
const STAT_INTERVAL_MS = 1000;
const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

export class FreeSpaceGuard {
  private free: number | undefined;
  private statAt = 0;
  private writtenSince = 0;
  private statting: Promise<void> | undefined;
  private episode: { since: number; refused: number; kind: 'full' | 'failing' } | undefined;

  constructor(
    /** The data folder (the file system checked). */
    readonly dir: string,
    readonly minFreeBytes: number,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {}

  /** Is a storage problem going on (refusals since the last successful write)? */
  get refusing(): boolean {
    return this.episode !== undefined;
  }

  private async stat(): Promise<void> {
    this.statting ??= (async () => {
      try {
        const s = await statfs(this.dir);
        this.free = Number(s.bavail) * Number(s.bsize);
        this.writtenSince = 0;
        this.statAt = Date.now();
      } catch {
        this.free = undefined; // cannot tell: the write itself will say
      } finally {
        this.statting = undefined;
      }
    })();
    await this.statting;
  }

  /** Free bytes as last seen (minus what was written since), after refreshing when due. */
  async freeBytes(): Promise<number | undefined> {
    if (this.episode || this.free === undefined || Date.now() - this.statAt >= STAT_INTERVAL_MS) await this.stat();
    return this.free === undefined ? undefined : this.free - this.writtenSince;
  }

  /**
   * Throws a StorageError (full) when writing `bytes` would leave less than the threshold
   * (`reserve`: the audit tables may use the reserve, down to an empty disk).
   */
  async check(bytes: number, reserve = false): Promise<void> {
    if (this.minFreeBytes <= 0 && !this.episode) return;
    const free = await this.freeBytes();
    if (free === undefined) return;
    const keep = reserve ? 0 : this.minFreeBytes;
    if (free - bytes >= keep) return;
    const err = new StorageError(
      'full',
      `Vigil's storage is full: the file system of its data folder has ${mb(free)} free and Vigil keeps at least ${mb(this.minFreeBytes)} free ` +
        `(--min-free-disk-mb).`,
      this.dir,
    );
    this.fail(err, `an append of ${mb(bytes)} needs ${mb(keep + bytes - free)} more`);
    throw err;
  }

  /** Counts bytes written since the last statfs. */
  wrote(bytes: number): void {
    this.writtenSince += bytes;
  }

  /**
   * Records a storage failure (a refusal, or a write that failed) and logs it if it starts an
   * episode. Returns the error to throw: a StorageError for a full or failing disk, else `err` itself.
   */
  fail(err: unknown, detail?: string): unknown {
    const kind = storageErrorKind(err);
    if (!kind) return err;
    if (this.episode) {
      this.episode.refused++;
      return err;
    }
    this.episode = { since: Date.now(), refused: 1, kind };
    const path = err instanceof StorageError && err.path ? err.path : this.dir;
    // Logged with the free space as of now (a fresh statfs).
    void this.stat().then(() => {
    const free = this.free === undefined ? 'unknown' : mb(Math.max(0, this.free - this.writtenSince));
    this.log(
      'error',
      kind === 'full'
        ? `storage is full: ${path} (file system of ${this.dir}) has ${free} free; Vigil keeps ${mb(this.minFreeBytes)} free (--min-free-disk-mb)` +
            `${detail ? `, ${detail}` : ''}. Ingestion answers 503 StorageFull (with Retry-After) until space is freed; queries keep working. ` +
            `Free space on that file system or grow it — no restart is needed. (${(err as Error).message.split('\n')[0]})`
        : `storage is failing: writing ${path} failed (${(err as Error).message.split('\n')[0]}); ${free} free on the file system of ${this.dir}. ` +
            `Ingestion answers 503 StorageUnavailable (with Retry-After) until a write succeeds again; check the disk.`,
    );
    });
    return err;
  }

  /** A write succeeded: ends an episode (logged once). */
  ok(): void {
    if (!this.episode) return;
    const e = this.episode;
    this.episode = undefined;
    this.log('warn', `storage recovered: writes succeed again after ${Math.round((Date.now() - e.since) / 1000)} s and ${e.refused} refused or failed write(s); ${this.free === undefined ? '' : `${mb(this.free - this.writtenSince)} free; `}ingestion resumed`);
  }
}
