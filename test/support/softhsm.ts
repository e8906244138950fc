/**
 * A SoftHSM v2 token for tests: a temporary SOFTHSM2_CONF with its own token folder, a token
 * initialised with `softhsm2-util --init-token`. `available()` is false (and says why) when softhsm2
 * is not installed; `.ci/run` installs it, so CI always runs these tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'];

export const SOFTHSM_MODULE = MODULES.find((m) => existsSync(m));

/** Why the HSM tests are skipped, or false when softhsm2 is there. */
export function softhsmMissing(): string | false {
  const util = spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' });
  if (util.error || !SOFTHSM_MODULE) return 'softhsm2 is not installed (apt-get install softhsm2; .ci/run installs it): the PKCS#11 tests are skipped';
  return false;
}

export interface SoftHsm {
  module: string;
  conf: string;
  /** A conf whose token folder is empty: the HSM is "absent". */
  emptyConf: string;
  tokenLabel: string;
  pin: string;
  dispose(): void;
}

export function createSoftHsm(tokenLabel = 'vigil-test', pin = '246813579'): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-softhsm-'));
  const conf = (name: string) => {
    const tokens = join(dir, name);
    mkdirSync(tokens);
    const path = join(dir, `${name}.conf`);
    writeFileSync(path, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
    return path;
  };
  const main = conf('tokens');
  const empty = conf('empty');
  const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', '97531'], { encoding: 'utf8', env: { ...process.env, SOFTHSM2_CONF: main } });
  if (r.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${r.stderr}${r.stdout}`);
  return { module: SOFTHSM_MODULE!, conf: main, emptyConf: empty, tokenLabel, pin, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
