/**
 * `npx vigil …` keeps working after every rebuild (issue #21, item 1): the bin that package.json
 * names must be executable as the build leaves it, because `npm run build` recreates it and npm
 * only sets the bit when it first links the bin.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const run = promisify(execFile);

// npx reads the whole installed tree before it runs a bin: ~18 s of CPU here, over a minute on a busy machine.
describe('the vigil bin', { timeout: 240_000 }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(ROOT, pkg.bin.vigil!);

  it('is executable by its owner, group and others as the build writes it', () => {
    const mode = statSync(bin).mode & 0o777;
    assert.equal(mode & 0o111, 0o111, `mode is ${mode.toString(8)}`);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('runs as a program, and through npx from the project folder', async () => {
    const direct = await run(bin, ['--help'], { cwd: ROOT });
    assert.match(direct.stdout, /Usage: vigil/);
    const npx = await run('npx', ['--no-install', 'vigil', 'serve', '--help'], { cwd: ROOT, env: { ...process.env, npm_config_update_notifier: 'false' } });
    assert.match(npx.stdout, /Usage: vigil serve/);
  });
});
