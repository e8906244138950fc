/**
 * The memory-backed scratch folder: the only place plaintext (decrypted segments, Parquet being
 * sealed, DuckDB spill files) is ever written. It must be a tmpfs/ramfs; Vigil refuses to start
 * otherwise, because plaintext on a persistent disk would defeat encryption at rest.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;
const PREFIX = 'vigil-scratch-';

/** What to do when there is no usable tmpfs (Vigil never writes plaintext to a persistent disk). */
export const HOW_TO =
  'Vigil decrypts data only into memory and needs a small tmpfs for it (at least 64 MB; decrypted segments themselves live in its memory tier, see --memory-tier-mb). ' +
  "Point --scratch-dir (or VIGIL_SCRATCH_DIR) at one: on a host, 'mount -t tmpfs -o size=512m,mode=1777 tmpfs /run/vigil'; " +
  "in Docker, '--tmpfs /run/vigil:rw,size=512m,mode=1777' (or '--shm-size=512m' for /dev/shm); in Kubernetes, an emptyDir volume with medium: Memory.";

/** Below this much free scratch space Vigil warns at start: spills and the Parquet cache are small. */
export const SMALL_SCRATCH_BYTES = 256 * 1024 * 1024;

export interface Scratch {
  dir: string;
  /** Bytes free on the memory-backed file system when Vigil started. */
  freeBytes: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates this process's private scratch folder under `base` (default /dev/shm), removing ones left by dead Vigil processes. */
export function openScratch(base: string | undefined): Scratch {
  const root = base ?? process.env.VIGIL_SCRATCH_DIR ?? '/dev/shm';
  if (!existsSync(root)) {
    throw new Error(`The scratch folder ${root} does not exist. ${HOW_TO}`);
  }
  const fs = statfsSync(root);
  if (fs.type !== TMPFS_MAGIC && fs.type !== RAMFS_MAGIC) {
    throw new Error(`The scratch folder ${root} is not memory-backed (tmpfs/ramfs), so decrypted data would reach a persistent disk. ${HOW_TO}`);
  }
  for (const name of readdirSync(root)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-[0-9a-f]+$`).exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, `${PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  mkdirSync(join(dir, 'duckdb-tmp'), { mode: 0o700 });
  mkdirSync(join(dir, 'segments'), { mode: 0o700 });
  return { dir, freeBytes: fs.bavail * fs.bsize };
}

export function closeScratch(s: Scratch): void {
  rmSync(s.dir, { recursive: true, force: true });
}
