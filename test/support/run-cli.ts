/**
 * Runs the `vigil` CLI as a child process without blocking the test's event loop (spawnSync would:
 * on a loaded machine the test's pooled connections, timers and the server's piped output then
 * wait for as long as the CLI takes).
 */
import { execFile } from 'node:child_process';
import { CLI } from './vigil-process.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
    });
  });
}
