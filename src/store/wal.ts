/**
 * The write-ahead log of one workspace: a folder of files `<firstSeq>.wal`, each with its own random
 * data key (wrapped by the workspace key in the file header), holding records
 *
 *   length u32 ‖ sequence u64 ‖ AES-256-GCM ciphertext ‖ 16-byte tag
 *
 * where the 12-byte header is the record's additional authenticated data and the nonce is derived
 * from the sequence number (unique within a file, and every file has a fresh key). Appends are
 * group-committed: everything queued while one write + fdatasync is in flight goes out in the next
 * one, and no append resolves before its record is on disk.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirSync, nodeIo, StorageError, writeAllSync, writeFully, type StorageFile, type StorageIo } from '../util/storage-io.js';
import { Mutex } from './mutex.js';
import { crashPoint } from './crash-points.js';
import { AuthenticationError, decrypt, encrypt, newKey, unwrapKey, wrapKey, WRAPPED_KEY_BYTES, TAG_BYTES } from '../keys/crypto.js';

const MAGIC = Buffer.from('VGLWAL01');
const RECORD_HEADER = 12;
/** A record larger than this is corruption, not data (requests are limited to 1 MB). */
const MAX_RECORD = 256 * 1024 * 1024;

export const walFileName = (firstSeq: number) => `${String(firstSeq).padStart(20, '0')}.wal`;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function nonceFor(seq: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(seq), 4);
  return n;
}

function keyContext(workspaceId: string, firstSeq: number): string {
  return `vigil-wal-file:${workspaceId.toLowerCase()}:${firstSeq}`;
}

function fileHeader(workspaceId: string, firstSeq: number, wrapKeyBuf: Buffer): { header: Buffer; key: Buffer } {
  const body = Buffer.from(JSON.stringify({ workspaceId: workspaceId.toLowerCase(), firstSeq, createdAt: new Date().toISOString() }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const key = newKey();
  const authenticated = Buffer.concat([MAGIC, len, body]);
  const wrapped = wrapKey(wrapKeyBuf, key, `${keyContext(workspaceId, firstSeq)}:${authenticated.toString('base64')}`);
  return { header: Buffer.concat([authenticated, wrapped]), key };
}

export interface WalFileInfo {
  path: string;
  firstSeq: number;
  /** Last sequence number in the file (firstSeq - 1 when empty). */
  lastSeq: number;
  /** For each tag (table) the highest sequence number in this file. */
  tags: Map<string, number>;
}

export interface WalProblem {
  file: string;
  message: string;
  /** Torn tails are what a crash leaves (never acknowledged data); anything else is corruption or tampering. */
  kind: 'torn-tail' | 'bad-tail' | 'corrupt';
}

export interface WalReadResult {
  files: WalFileInfo[];
  lastSeq: number;
  problems: WalProblem[];
}

/**
 * Reads every log file in order and hands each authenticated record to `onRecord`, which returns the
 * record's tag. `repair` truncates a torn tail (the last file only) so the next writer starts clean;
 * without it (verification) the tail is reported. Corruption anywhere else is reported, never skipped
 * silently: the caller decides (the server refuses to start, `vigil verify` fails).
 */
export function readWal(dir: string, workspaceId: string, wrapKeyBuf: Buffer, onRecord: (seq: number, payload: Buffer) => string | undefined, repair: boolean): WalReadResult {
  // A rewrite (purge) interrupted after its new file was complete: the new file is the one that counts.
  const pending = new Set(safeList(dir).filter((n) => /^\d{20}\.wal\.new$/.test(n)).map((n) => n.slice(0, -'.new'.length)));
  if (repair) {
    for (const n of safeList(dir)) if (/^\d{20}\.wal\.new\.tmp$/.test(n)) rmSync(join(dir, n), { force: true });
    for (const n of pending) renameSync(join(dir, `${n}.new`), join(dir, n));
    if (pending.size > 0) fsyncDir(dir);
    pending.clear();
  }
  const names = [...new Set([...safeList(dir).filter((n) => /^\d{20}\.wal$/.test(n)), ...pending])].sort();
  const files: WalFileInfo[] = [];
  const problems: WalProblem[] = [];
  let expected: number | undefined;
  let lastSeq = 0;
  names.forEach((name, index) => {
    const path = join(dir, name);
    const isLast = index === names.length - 1;
    const firstSeq = Number(name.slice(0, 20));
    const info: WalFileInfo = { path, firstSeq, lastSeq: firstSeq - 1, tags: new Map() };
    files.push(info);
    if (expected !== undefined && firstSeq !== expected) {
      problems.push({ file: path, kind: 'corrupt', message: `starts at record ${firstSeq} but the previous log file ended at ${expected - 1}: records are missing` });
    }
    const buf = readFileSync(pending.has(name) ? `${path}.new` : path);
    const fail = (message: string, at: number, incomplete: boolean) => {
      // An incomplete record at the very end of the last file is what a crash during a write leaves;
      // a complete but unauthenticated last record can only come from a machine crash (never acknowledged) or tampering.
      const kind = isLast && tailOnly(buf, at) ? (incomplete ? 'torn-tail' : 'bad-tail') : 'corrupt';
      problems.push({ file: path, kind, message: `${message} at byte ${at}` });
      if (kind !== 'corrupt' && repair) {
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, at);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    };
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
      if (isLast && buf.length < MAGIC.length + 4 + 2 + WRAPPED_KEY_BYTES && MAGIC.subarray(0, Math.min(buf.length, 8)).equals(buf.subarray(0, Math.min(buf.length, 8)))) {
        // A file whose header was never completely written holds nothing.
        problems.push({ file: path, kind: 'torn-tail', message: 'the log file header is incomplete' });
        if (repair) rmSync(path, { force: true });
        files.pop();
        return;
      }
      problems.push({ file: path, kind: 'corrupt', message: 'is not a Vigil log file (bad header)' });
      return;
    }
    const bodyLen = buf.readUInt32BE(MAGIC.length);
    const headerEnd = MAGIC.length + 4 + bodyLen + WRAPPED_KEY_BYTES;
    let key: Buffer;
    try {
      if (buf.length < headerEnd) throw new AuthenticationError('the log file header is incomplete');
      const authenticated = buf.subarray(0, MAGIC.length + 4 + bodyLen);
      key = unwrapKey(wrapKeyBuf, buf.subarray(MAGIC.length + 4 + bodyLen, headerEnd), `${keyContext(workspaceId, firstSeq)}:${authenticated.toString('base64')}`, 'the log file header');
    } catch (err) {
      problems.push({ file: path, kind: 'corrupt', message: `${(err as Error).message}; none of its records can be read` });
      expected = undefined;
      return;
    }
    let at = headerEnd;
    let seq = firstSeq;
    while (at < buf.length) {
      if (buf.length - at < RECORD_HEADER) return fail('incomplete record header', at, true);
      const len = buf.readUInt32BE(at);
      const recSeq = Number(buf.readBigUInt64BE(at + 4));
      if (len > MAX_RECORD || buf.length - at < RECORD_HEADER + len + TAG_BYTES) return fail(`incomplete record ${seq}`, at, true);
      if (recSeq !== seq) return fail(`record ${seq} carries sequence number ${recSeq}`, at, false);
      let payload: Buffer;
      try {
        payload = decrypt(key, nonceFor(seq), buf.subarray(at + RECORD_HEADER, at + RECORD_HEADER + len), buf.subarray(at + RECORD_HEADER + len, at + RECORD_HEADER + len + TAG_BYTES), buf.subarray(at, at + RECORD_HEADER), `record ${seq}`);
      } catch (err) {
        return fail((err as Error).message, at, false);
      }
      const tag = onRecord(seq, payload);
      if (tag !== undefined) info.tags.set(tag, seq);
      info.lastSeq = seq;
      lastSeq = seq;
      seq++;
      at += RECORD_HEADER + len + TAG_BYTES;
    }
    expected = seq;
  });
  return { files, lastSeq: Math.max(lastSeq, ...files.map((f) => f.lastSeq)), problems };
}

/** Every record of one complete log file (no torn tail tolerated: it is a closed file). Throws on any damage. */
export function readWalFile(path: string, workspaceId: string, wrapKeyBuf: Buffer): { firstSeq: number; records: { seq: number; payload: Buffer }[] } {
  const name = path.split('/').pop()!;
  const firstSeq = Number(name.slice(0, 20));
  const records: { seq: number; payload: Buffer }[] = [];
  const buf = readFileSync(path);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new AuthenticationError(`${path} is not a Vigil log file (bad header)`);
  const bodyLen = buf.readUInt32BE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + bodyLen + WRAPPED_KEY_BYTES;
  if (buf.length < headerEnd) throw new AuthenticationError(`${path}: the log file header is incomplete`);
  const authenticated = buf.subarray(0, MAGIC.length + 4 + bodyLen);
  const key = unwrapKey(wrapKeyBuf, buf.subarray(MAGIC.length + 4 + bodyLen, headerEnd), `${keyContext(workspaceId, firstSeq)}:${authenticated.toString('base64')}`, `${path}: the log file header`);
  let at = headerEnd;
  let seq = firstSeq;
  while (at < buf.length) {
    if (buf.length - at < RECORD_HEADER) throw new AuthenticationError(`${path}: incomplete record header at byte ${at}`);
    const len = buf.readUInt32BE(at);
    if (len > MAX_RECORD || buf.length - at < RECORD_HEADER + len + TAG_BYTES) throw new AuthenticationError(`${path}: incomplete record ${seq}`);
    if (Number(buf.readBigUInt64BE(at + 4)) !== seq) throw new AuthenticationError(`${path}: record ${seq} carries another sequence number`);
    const payload = decrypt(key, nonceFor(seq), buf.subarray(at + RECORD_HEADER, at + RECORD_HEADER + len), buf.subarray(at + RECORD_HEADER + len, at + RECORD_HEADER + len + TAG_BYTES), buf.subarray(at, at + RECORD_HEADER), `${path}: record ${seq}`);
    records.push({ seq, payload });
    seq++;
    at += RECORD_HEADER + len + TAG_BYTES;
  }
  key.fill(0);
  return { firstSeq, records };
}

/**
 * Overwrites a file's bytes with zeros and fsyncs before unlinking it: the wrapped data key in its
 * header (and the ciphertext) are gone from the file system, not merely unlinked. (On copy-on-write
 * or wear-levelled storage old blocks may survive; without the data key they stay unreadable only
 * as long as the workspace key is secret — see DESIGN §6.)
 */
export function shredFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const size = statSync(path).size;
    const zeros = Buffer.alloc(Math.min(size, 1024 * 1024));
    for (let at = 0; at < size; at += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(path, { force: true });
}

/**
 * Replaces a closed log file with one holding the same sequence numbers and the given payloads,
 * under a fresh data key; the old file (and its wrapped data key) is shredded. Crash-safe: the new
 * file is complete (`.wal.new`, fsynced) before the old one is touched, and readWal prefers a
 * complete `.wal.new` over its `.wal`.
 */
export function replaceWalFile(path: string, workspaceId: string, wrapKeyBuf: Buffer, firstSeq: number, records: { seq: number; payload: Buffer }[], io: StorageIo = nodeIo): void {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const { header, key } = fileHeader(workspaceId, firstSeq, wrapKeyBuf);
  const parts: Buffer[] = [header];
  records.forEach((r, i) => {
    if (r.seq !== firstSeq + i) throw new Error(`replaceWalFile: record ${r.seq} out of sequence`);
    const head = Buffer.alloc(RECORD_HEADER);
    head.writeUInt32BE(r.payload.length);
    head.writeBigUInt64BE(BigInt(r.seq), 4);
    const { ciphertext, tag } = encrypt(key, r.payload, head, nonceFor(r.seq));
    parts.push(head, ciphertext, tag);
  });
  key.fill(0);
  const tmp = `${path}.new.tmp`;
  try {
    const fd = io.openSync(tmp, 'w', 0o600);
    try {
      writeAllSync(io, fd, Buffer.concat(parts));
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, `${path}.new`);
    fsyncDirSync(dir, io);
  } catch (err) {
    // Before the old file is touched: it stays the one that counts (a `.wal.new` left here is complete, and equivalent).
    try {
      io.unlinkSync(tmp);
    } catch {
      /* removed at the next start */
    }
    throw StorageError.from(err, tmp, 'rewriting a write-ahead log file');
  }
  crashPoint('wal-rewrite:new-written');
  shredFile(path);
  crashPoint('wal-rewrite:old-shredded');
  io.renameSync(`${path}.new`, path);
  fsyncDirSync(dir, io);
}

/** Is `at` the start of the last record in `buf` (nothing valid could follow)? Conservative: only a tail shorter than one full record, or the final record. */
function tailOnly(buf: Buffer, at: number): boolean {
  if (buf.length - at < RECORD_HEADER) return true;
  const len = buf.readUInt32BE(at);
  return len > MAX_RECORD || at + RECORD_HEADER + len + TAG_BYTES >= buf.length;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A durable record handed to its applier: its sequence number and what the appender queued with it. */
export interface DurableRecord<T> {
  seq: number;
  item: T;
}

/**
 * Applies durable records, in sequence order, and says how each went (undefined: applied; an Error:
 * refused, and that record's append rejects with it). Consecutive records of one group that were
 * queued with the same applier are handed to it in one call, so that it can apply them together.
 */
export type Applier<T> = (records: readonly DurableRecord<T>[]) => Promise<readonly (Error | undefined)[]>;

interface Pending {
  payload: Buffer;
  tag: string;
  item: unknown;
  applier: Applier<unknown>;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** The applier of `append`'s records: each record's own function, one after the other. */
const applyEach: Applier<(seq: number) => Promise<void>> = async (records) => {
  const out: (Error | undefined)[] = [];
  for (const r of records) {
    try {
      await r.item(r.seq);
      out.push(undefined);
    } catch (err) {
      out.push(asError(err));
    }
  }
  return out;
};

/**
 * Appends records to the log with group commit. Always starts a fresh file, after the last sequence number read.
 *
 * Failure model: a group is acknowledged only after all of its bytes were written (short writes are
 * continued) and fdatasync returned. `size` is the end of the last acknowledged record, and every
 * write goes to that position. When a write or fdatasync fails, the group is refused and the file is
 * truncated back to `size` and synced again (after a failed fsync the kernel may have dropped the
 * unwritten pages, so nothing of that group is trusted); the records before `size` were already on
 * disk and are untouched. Until that repair succeeds (it needs no free space, but an I/O error can
 * make it fail) every append retries it first and is refused meanwhile; afterwards appends continue
 * where the good records end, with the refused group's sequence numbers. Nothing ever makes the
 * writer give up for good: when the disk has room again, the next append succeeds.
 */
export class WalWriter {
  private fh: StorageFile | undefined;
  private current: WalFileInfo | undefined;
  private key: Buffer | undefined;
  /** End of the last durable (acknowledged) record of the current file. */
  private size = 0;
  /** The current file may hold bytes after `size` (a failed group): truncate before writing. */
  private suspect = false;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private nextSeq: number;
  private applyTail: Promise<void> = Promise.resolve();
  private paused = false;
  private readonly exclusiveLock = new Mutex();
  /** Groups written (one fdatasync each), for statistics. */
  syncs = 0;

  constructor(
    private readonly dir: string,
    private readonly workspaceId: string,
    private readonly wrapKeyBuf: Buffer,
    lastSeq: number,
    readonly files: WalFileInfo[],
    private readonly maxFileBytes: number,
    private readonly io: StorageIo = nodeIo,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  get lastAssignedSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Queues a record. Once it is durable, `apply(seq)` runs — in sequence order, one at a time, for
   * all records of this log — and the returned promise settles with its outcome. A write failure
   * rejects with a StorageError (full or failing disk) or the file system's error.
   */
  append(payload: Buffer, tag: string, apply: (seq: number) => Promise<void>): Promise<number> {
    return this.appendTo(payload, tag, apply, applyEach);
  }

  /**
   * Queues a record like `append`, applied once durable by `applier` with `item` — together with
   * the records next to it in the same group that were queued with the same applier (one call for
   * all of them; still in sequence order, one call at a time for all records of this log).
   */
  appendTo<T>(payload: Buffer, tag: string, item: T, applier: Applier<T>): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ payload, tag, item, applier: applier as Applier<unknown>, resolve, reject });
      if (!this.flushing && !this.paused) this.flushing = this.flushLoop();
    });
  }

  /** Chains the application of a durable group: runs of consecutive records with the same applier, one call each. */
  private applyGroup(batch: Pending[], seqs: number[]): void {
    for (let i = 0; i < batch.length; ) {
      let j = i + 1;
      while (j < batch.length && batch[j]!.applier === batch[i]!.applier) j++;
      const run = batch.slice(i, j);
      const records = run.map((p, k) => ({ seq: seqs[i + k]!, item: p.item }));
      this.applyTail = this.applyTail
        .then(() => run[0]!.applier(records))
        .then(
          (outcomes) =>
            run.forEach((p, k) => {
              const e = outcomes[k];
              if (e) p.reject(e);
              else p.resolve(records[k]!.seq);
            }),
          (err: unknown) => run.forEach((p) => p.reject(asError(err))),
        );
      i = j;
    }
  }

  private async openFile(firstSeq: number): Promise<void> {
    if (this.fh) {
      const old = this.fh;
      this.fh = undefined;
      this.current = undefined;
      await old.close();
    }
    const path = join(this.dir, walFileName(firstSeq));
    const { header, key } = fileHeader(this.workspaceId, firstSeq, this.wrapKeyBuf);
    let fh: StorageFile | undefined;
    try {
      // A file of this name can only be left by an earlier attempt that failed before any record: it holds nothing.
      fh = await this.io.open(path, 'w', 0o600);
      await writeFully(fh, header, 0);
      await fh.datasync();
      fsyncDirSync(this.dir, this.io);
    } catch (err) {
      key.fill(0);
      await fh?.close().catch(() => undefined);
      try {
        this.io.unlinkSync(path);
      } catch {
        /* a header-only file at the end of the log is dropped by the next start */
      }
      throw StorageError.from(err, path, 'creating a write-ahead log file');
    }
    this.fh = fh;
    this.key?.fill(0);
    this.key = key;
    this.size = header.length;
    this.suspect = false;
    this.current = { path, firstSeq, lastSeq: firstSeq - 1, tags: new Map() };
    // An empty file of this name read at start (a crash before its first record) is this one now.
    const stale = this.files.findIndex((f) => f.path === path);
    if (stale >= 0) this.files.splice(stale, 1);
    this.files.push(this.current);
  }

  /** Brings a suspect current file back to its last acknowledged record (truncate + sync; reopens it if needed). */
  private async repair(): Promise<void> {
    if (!this.suspect || !this.current) return;
    const path = this.current.path;
    try {
      this.fh ??= await this.io.open(path, 'r+');
      await this.fh.truncate(this.size);
      await this.fh.datasync();
      this.suspect = false;
    } catch (err) {
      // The descriptor itself may be what fails: reopen on the next attempt.
      const fh = this.fh;
      this.fh = undefined;
      await fh?.close().catch(() => undefined);
      throw StorageError.from(err, path, 'repairing the write-ahead log after a failed write');
    }
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.paused) {
        const batch = this.queue;
        this.queue = [];
        const firstSeq = this.nextSeq;
        try {
          await this.repair();
          if (!this.fh || !this.current || this.size >= this.maxFileBytes) await this.openFile(this.nextSeq);
          const bufs: Buffer[] = [];
          const seqs: number[] = [];
          for (const p of batch) {
            const seq = this.nextSeq++;
            const head = Buffer.alloc(RECORD_HEADER);
            head.writeUInt32BE(p.payload.length);
            head.writeBigUInt64BE(BigInt(seq), 4);
            const { ciphertext, tag } = encrypt(this.key!, p.payload, head, nonceFor(seq));
            bufs.push(head, ciphertext, tag);
            seqs.push(seq);
          }
          const group = Buffer.concat(bufs);
          const path = this.current!.path;
          try {
            await writeFully(this.fh!, group, this.size);
            await this.fh!.datasync();
          } catch (err) {
            // Some of the group may be in the file (or in the page cache): none of it counts.
            this.suspect = true;
            throw StorageError.from(err, path, 'appending to the write-ahead log');
          }
          this.size += group.length;
          this.syncs++;
          batch.forEach((p, i) => {
            this.current!.tags.set(p.tag, seqs[i]!);
            this.current!.lastSeq = seqs[i]!;
          });
          this.applyGroup(batch, seqs);
        } catch (err) {
          // The group is refused; its sequence numbers are used again by the next group.
          this.nextSeq = firstSeq;
          await this.repair().catch(() => undefined);
          const e = asError(err);
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Runs `fn` while nothing is written to the log: appends queue up (unacknowledged) meanwhile, and
   * every record already written has been applied. With `rotate`, the current file is closed first
   * (when it holds records), so every record so far is in a closed file and later ones go to a new file.
   */
  async exclusive<T>(rotate: boolean, fn: () => Promise<T>): Promise<T> {
    return this.exclusiveLock.run(() => this.runExclusive(rotate, fn));
  }

  private async runExclusive<T>(rotate: boolean, fn: () => Promise<T>): Promise<T> {
    this.paused = true;
    try {
      while (this.flushing) await this.flushing;
      await this.applyTail;
      await this.repair();
      if (rotate && this.current && this.current.lastSeq >= this.current.firstSeq) {
        const fh = this.fh;
        this.fh = undefined;
        this.current = undefined;
        await fh?.close();
      }
      return await fn();
    } finally {
      this.paused = false;
      if (this.queue.length > 0 && !this.flushing) this.flushing = this.flushLoop();
    }
  }

  /** The closed log files (every file but the one being appended to). */
  closedFiles(): WalFileInfo[] {
    return this.files.filter((f) => f !== this.current);
  }

  /** Waits for everything queued so far to be written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.applyTail;
  }

  /** Deletes closed files whose every record is sealed (`sealed(tag, seq)` says whether a record is). */
  deleteSealedFiles(sealed: (tag: string, seq: number) => boolean): number {
    let removed = 0;
    for (const f of [...this.files]) {
      if (f === this.current) continue;
      if ([...f.tags].every(([tag, seq]) => sealed(tag, seq))) {
        rmSync(f.path, { force: true });
        this.files.splice(this.files.indexOf(f), 1);
        removed++;
      } else break; // keep the log contiguous from its first file
    }
    if (removed > 0) fsyncDir(this.dir);
    return removed;
  }

  /** Bytes in the log files. */
  bytes(): number {
    let n = 0;
    for (const f of this.files) {
      try {
        n += statSync(f.path).size;
      } catch {
        /* deleted meanwhile */
      }
    }
    return n;
  }

  async close(): Promise<void> {
    await this.drain();
    // A refused group's bytes must not come back at the next start: one more repair attempt.
    await this.repair().catch(() => undefined);
    await this.fh?.close();
    this.fh = undefined;
  }
}
