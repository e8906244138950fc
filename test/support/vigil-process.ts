/**
 * Starts a real Vigil server process for a test: a temporary data folder seeded with the test CA,
 * `vigil serve --host 127.0.0.1 --port 0`, and the bootstrap credentials it writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';
import { seedTestCa } from './test-ca.js';

export const CLI = resolve(fileURLToPath(new URL('../../src/cli/launcher.cjs', import.meta.url)));

export interface VigilProcess {
  endpoint: string;
  dataDir: string;
  bootstrap: BootstrapInfo;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait; the data folder stays for a restart. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Stops the process (if running) and deletes the data folder. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  /**
   * The root of trust: by default the tests run with `--insecure-dev-keys` (plain key files, so a test
   * can read the signing key to forge tokens); `false` leaves the choice to `args`/`env` (issue #15).
   */
  insecureDevKeys?: boolean;
}

const START_TIMEOUT_MS = 180_000;

export async function startVigil(options: StartOptions = {}): Promise<VigilProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-test-'));
  if (!options.dataDir) seedTestCa(dataDir);
  // VIGIL_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server of a bench run.
  const nodeArgs = (process.env.VIGIL_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // VIGIL_SERVER_CLI (another build's dist/src/cli/launcher.cjs) runs that build's server under this harness (A/B benches).
  const child = spawn(process.execPath, [...nodeArgs, process.env.VIGIL_SERVER_CLI ?? CLI, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', ...(options.insecureDevKeys === false ? [] : ['--insecure-dev-keys']), ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const endpoint = await new Promise<string>((res, rej) => {
    // Generous: on a loaded 2-core CI machine a start-up (keys, log replay, DuckDB) can take tens of seconds.
    // A server that misses it is killed, so that the test fails instead of hanging on a live child process.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`Vigil did not start within ${START_TIMEOUT_MS / 1000} s:\n${out}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const m = /serving on (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`Vigil exited with ${code} before serving:\n${out}`));
    });
  });
  // The endpoint the server printed, not the file's: on a full disk the server starts without being able to
  // update bootstrap.json, which then still names the previous start's port (the server warns about it).
  const bootstrap = { ...(JSON.parse(readFileSync(join(dataDir, 'bootstrap.json'), 'utf8')) as BootstrapInfo), endpoint, authorityHost: endpoint };
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  return {
    endpoint,
    dataDir,
    bootstrap,
    child,
    output: () => out,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    async dispose() {
      await waitExit('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
