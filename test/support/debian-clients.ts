/**
 * Finding the Azure clients Debian ships (python3-azure, azure-cli) for the compatibility suites.
 * `.ci/run` installs them; on a developer machine without them the suites are skipped with a
 * message saying what to install. Under CI (CI=true) a missing client is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's interpreter first: a pyenv or venv `python3` earlier on PATH does not see python3-azure. */
export function pythonWith(modules: string[]): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    try {
      execFileSync(candidate, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore', timeout: 60_000 });
      return candidate;
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

export function azureCli(): string | undefined {
  for (const candidate of ['/usr/bin/az', 'az']) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    try {
      execFileSync(candidate, ['version', '--output', 'none'], { stdio: 'ignore', timeout: 120_000, env: { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: 'false' } });
      return candidate;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

/** The reason to skip a suite, or undefined to run it; throws under CI, where the client must be there. */
export function missing(what: string, found: string | undefined, install: string): string | undefined {
  if (found) return undefined;
  const message = `${what} is not installed: ${install} (CI installs it in .ci/run)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}
