/**
 * Polling for a condition a test cannot be notified of (a row exported, an alert fired): the probe
 * runs until it returns a value, with a generous deadline for a loaded CI machine, and a timeout
 * names what was awaited.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
