/**
 * Whole-file reads and writes off the event loop in as few thread-pool operations as the kernel
 * allows. `fs/promises` readFile/writeFile move a file in 512 KiB pieces, each a round trip through
 * the event loop; on a busy machine those round trips cost more than the copy (measured on segment
 * decryption, issue #20: bench/README.md).
 */
import { open } from 'node:fs/promises';

/** The file's bytes, read with one buffer of its size (reads again only if the kernel returns less). */
export async function readWholeFile(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    await fh.close();
  }
}

/** Creates `path` (it must not exist) with `bytes`, written whole (again only if the kernel takes less). */
export async function writeNewFile(path: string, bytes: Uint8Array, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    let at = 0;
    while (at < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, at, bytes.length - at);
      at += bytesWritten;
    }
  } finally {
    await fh.close();
  }
}
