/** What the storage-engine tests share: a fixed time origin and temporary folders removed after the file's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const HOUR_US = 3_600_000_000n;
/** 2024-01-01T00:00:00Z in µs: rows far in the past, so no test depends on the clock. */
export const BASE_US = BigInt(Date.UTC(2024, 0, 1)) * 1000n;

/** A maker of temporary folders named `prefix…`, all removed once the test file is done. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
