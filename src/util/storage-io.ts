/**
 * The file-system calls of Vigil's write path (write-ahead log, manifest and other atomic files,
 * segment files) behind one small interface, so that tests can inject a failure into any single
 * call — a write, an fsync, a rename — without monkey-patching `node:fs`.
 *
 * Every write here is *complete or an error*: `write(2)` may write fewer bytes than asked without
 * failing (on a full disk it writes what fits and only the next call fails with ENOSPC), and
 * Node's `FileHandle.write/writev` and `fs.writeSync` pass such a short count through silently.
 * `writeFully` and `writeAllSync` loop until every byte is written or a call fails.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** An open file of the write-ahead log (async: the group commit does not block the event loop). */
export interface StorageFile {
  /** One positional write; may write fewer bytes than asked (returns how many). */
  write(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface StorageIo {
  open(path: string, flags: string, mode?: number): Promise<StorageFile>;
  openSync(path: string, flags: string, mode?: number): number;
  /** One positional write; may write fewer bytes than asked. */
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

class NodeFile implements StorageFile {
  constructor(private readonly fh: FileHandle) {}
  async write(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return (await this.fh.write(buf, offset, length, position)).bytesWritten;
  }
  datasync(): Promise<void> {
    return this.fh.datasync();
  }
  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

/** The real file system. */
export const nodeIo: StorageIo = {
  open: async (path, flags, mode) => new NodeFile(await open(path, flags, mode)),
  openSync: (path, flags, mode) => openSync(path, flags, mode),
  writeSync: (fd, buf, offset, length, position) => writeSync(fd, buf, offset, length, position),
  fsyncSync: (fd) => fsyncSync(fd),
  ftruncateSync: (fd, length) => ftruncateSync(fd, length),
  closeSync: (fd) => closeSync(fd),
  renameSync: (from, to) => renameSync(from, to),
  unlinkSync: (path) => rmSync(path, { force: true }),
};

/** Writes all of `buf` at `position`, looping over short writes; throws on the first failed call. */
export async function writeFully(file: StorageFile, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const n = await file.write(buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('no space left on device, write (wrote 0 bytes)'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Writes all of `buf` at the file's current position (sync), looping over short writes. */
export function writeAllSync(io: StorageIo, fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) {
    const n = io.writeSync(fd, buf, done, buf.length - done, null);
    if (n <= 0) throw Object.assign(new Error('no space left on device, write (wrote 0 bytes)'), { code: 'ENOSPC' });
    done += n;
  }
}

/** fsync of a folder (makes a create, rename or unlink in it durable). */
export function fsyncDirSync(dir: string, io: StorageIo = nodeIo): void {
  const fd = io.openSync(dir, 'r');
  try {
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const FAILING_CODES = new Set(['EIO', 'EROFS', 'ENXIO', 'ENODEV', 'EBADF', 'ESTALE', 'EUCLEAN', 'EREMOTEIO']);

/** Is this error the file system saying it is full, or failing (rather than a bug)? */
export function storageErrorKind(err: unknown): 'full' | 'failing' | undefined {
  if (err instanceof StorageError) return err.kind;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (FULL_CODES.has(code)) return 'full';
  if (FAILING_CODES.has(code)) return 'failing';
  return undefined;
}

/**
 * Storage is full (or below Vigil's free-space threshold) or failing: nothing of the request was
 * acknowledged, and it can be retried once an operator frees space or fixes the disk. The APIs
 * answer it with 503 and Retry-After.
 */
export class StorageError extends Error {
  constructor(
    readonly kind: 'full' | 'failing',
    message: string,
    /** The file or folder that could not be written. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }

  /** The Azure-shaped error code. */
  get code(): 'StorageFull' | 'StorageUnavailable' {
    return this.kind === 'full' ? 'StorageFull' : 'StorageUnavailable';
  }

  /** Wraps a file-system error (ENOSPC, EIO…) from writing `path`; other errors are returned unchanged. */
  static from(err: unknown, path: string, what: string): unknown {
    if (err instanceof StorageError) return err;
    const kind = storageErrorKind(err);
    if (!kind) return err;
    const why = (err as Error).message;
    return new StorageError(
      kind,
      kind === 'full'
        ? `Vigil's storage is full: ${what} failed (${why}).`
        : `Vigil's storage is failing: ${what} failed (${why}).`,
      path,
      { cause: err },
    );
  }
}
