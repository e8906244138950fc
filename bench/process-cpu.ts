/**
 * CPU time of this process's descendants (the browsers a bench launched), from /proc: a figure that,
 * unlike wall time, hardly moves with the load of a shared machine. Linux only (the bench machine's).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Proc { ppid: number; cpuTicks: number }

function processes(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After "pid (comm) ": state ppid … utime(14) stime(15), counting from 1; comm may hold spaces.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** CPU ticks per descendant process of `root` (default: this process). */
export function descendantCpu(root = process.pid): Map<number, number> {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const [pid, p] of all) (children.get(p.ppid) ?? children.set(p.ppid, []).get(p.ppid)!).push(pid);
  const out = new Map<number, number>();
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    out.set(pid, all.get(pid)!.cpuTicks);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Milliseconds of CPU the descendants spent between two snapshots (processes gone by `after` are not counted). */
export function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Resolves once this process's descendants have been (nearly) idle for `windowMs` (under `idleMs` of
 * CPU in the window), or after `timeoutMs` regardless. The portal bench waits for it after opening a
 * new browser window, so that Chromium's own start-up work for that window (it preloads its omnibox
 * popup, a WebUI renderer of ~0.6 s CPU on the bench machine) is not counted as the page's load: a
 * user's new tab in a running browser does not pay it.
 */
export async function quiescence(windowMs = 300, idleMs = 30, timeoutMs = 10_000, root = process.pid): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let before = descendantCpu(root);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = descendantCpu(root);
    if (cpuMsBetween(before, now) < idleMs) return;
    before = now;
  }
}
