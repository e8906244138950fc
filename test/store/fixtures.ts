/** What the storage-engine tests share: a fixed time origin and temporary folders removed after the file's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** Datetimes are stored as 100-ns ticks since 0001-01-01 UTC (src/kql/types.ts). */
export const HOUR_TICKS = 36_000_000_000n;
export const DAY_TICKS = 24n * HOUR_TICKS;
/** Ticks of 1970-01-01T00:00:00Z. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;
/** The stored ticks of a time given in ms since the epoch. */
export const ticksOfMs = (ms: number): bigint => BigInt(ms) * 10_000n + UNIX_EPOCH_TICKS;
/** 2024-01-01T00:00:00Z in ticks: rows far in the past, so no test depends on the clock. */
export const BASE_TICKS = ticksOfMs(Date.UTC(2024, 0, 1));
/** SQL: the stored ticks of an ISO time (`2024-01-02 05:00:00`, UTC), to compare stored datetime columns with. */
export const ticksSql = (iso: string): string => `${ticksOfMs(Date.parse(`${iso.replace(' ', 'T')}Z`))}::BIGINT`;

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
