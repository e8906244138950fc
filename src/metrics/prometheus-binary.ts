import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** What to tell an operator whose Vigil has no Prometheus to run. */
export const INSTALL_HINT =
  "Install Prometheus 2.42 or later (on Debian/Ubuntu: 'apt-get install prometheus') and restart Vigil, or point --prometheus-binary (VIGIL_PROMETHEUS_BINARY) at the prometheus executable.";

export type BinaryLookup = { found: true; path: string } | { found: false; reason: string };

const executable = (path: string) => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The Prometheus executable Vigil runs for Azure Monitor workspaces: the path given (`--prometheus-binary`),
 * or else `prometheus` on PATH. Not finding one is not an error at start: Vigil serves everything else,
 * and creating an account says what to install.
 */
export function findPrometheusBinary(given: string | undefined, pathEnv = process.env.PATH ?? ''): BinaryLookup {
  if (given) {
    const path = isAbsolute(given) ? given : resolve(given);
    return executable(path) ? { found: true, path } : { found: false, reason: `The Prometheus binary '${path}' (--prometheus-binary) does not exist or is not executable.` };
  }
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const path = join(dir, 'prometheus');
    if (executable(path)) return { found: true, path };
  }
  return { found: false, reason: "No 'prometheus' executable was found on PATH." };
}
