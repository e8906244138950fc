/** Small file helpers for secrets on disk: atomic writes with exact modes, permission tightening. */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/** Reads a UTF-8 file, or returns undefined if it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Narrows a file's or directory's permissions if someone loosened them; never widens. */
export async function tightenMode(file: string, mode: number): Promise<void> {
  const st = await fs.stat(file);
  if ((st.mode & 0o777 & ~mode) !== 0) await fs.chmod(file, st.mode & mode & 0o777);
}

/** Creates `dir` (and parents) and makes sure it is no more open than `mode`. */
export async function ensurePrivateDir(dir: string, mode = 0o700): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode });
  await tightenMode(dir, mode); // mkdir's mode is ignored when the directory already exists
}

/** Writes `data` to a new temporary file beside `file`, with exactly `mode`, synced to disk. */
async function writeTemp(file: string, data: string, mode: number): Promise<string> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await fs.open(tmp, 'wx', mode); // created with the final mode: never readable more widely
  try {
    await fh.writeFile(data, 'utf8');
    await fh.chmod(mode); // exact mode, whatever the umask did
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  return tmp;
}

/**
 * Creates `file` atomically only if it does not exist yet (temp file + hard link, which fails
 * on an existing target). Returns false, leaving the existing file alone, if it was already there —
 * so two processes starting at once never overwrite each other's key.
 */
export async function createFileExclusive(file: string, data: string, mode: number): Promise<boolean> {
  const tmp = await writeTemp(file, data, mode);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
