import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirSync, nodeIo, writeAllSync, type StorageIo } from './storage-io.js';

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file, never a torn one:
 * write a temp file (every byte: short writes are continued), fsync it, rename over the target,
 * fsync the folder. Files are created 0600.
 *
 * A failure before the rename (a full disk, an I/O error) throws and leaves the old file as it was,
 * the temp file removed. A failure of the folder's fsync after the rename is retried once; if it
 * fails again it throws an error with `committed: true` — the new file is in place (a crash of the
 * machine before the folder reaches the disk could still show the old one).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, io: StorageIo = nodeIo): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fd = io.openSync(tmp, 'w', mode);
    try {
      writeAllSync(io, fd, typeof data === 'string' ? Buffer.from(data) : data);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, path);
  } catch (err) {
    try {
      io.unlinkSync(tmp);
    } catch {
      /* nothing to remove, or the disk refuses even that: a stray temp file, never read */
    }
    throw err;
  }
  try {
    fsyncDirSync(dir, io);
  } catch {
    try {
      fsyncDirSync(dir, io);
    } catch (err) {
      throw Object.assign(err as Error, { committed: true });
    }
  }
}
