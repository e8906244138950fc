/**
 * Crash points for crash-safety tests: with VIGIL_CRASH_AT=<name> (or <name>#<n> for its n-th
 * occurrence) the process kills itself with SIGKILL when it reaches that point, exactly as a power
 * cut or the OOM killer would stop it there. Unset (always, outside tests) it does nothing.
 */
const target = process.env.VIGIL_CRASH_AT;
const [name, nth] = (target ?? '').split('#') as [string, string | undefined];
let seen = 0;

export function crashPoint(point: string): void {
  if (target === undefined || point !== name) return;
  seen++;
  if (nth === undefined || Number(nth) === seen) process.kill(process.pid, 'SIGKILL');
}
