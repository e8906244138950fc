/**
 * The README is a contract: its "Send and query logs with the official SDKs" snippets, run as a user
 * would paste them (one module, imports first), against a real Vigil, must print the logs they sent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The README's JS blocks of one section, as a single module with its imports hoisted. */
export function snippetModule(readme: string, from: string, to: string): string {
  const section = readme.slice(readme.indexOf(from), readme.indexOf(to));
  const lines = [...section.matchAll(/```js\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
  return [...lines.filter((l) => l.startsWith('import ')), ...lines.filter((l) => !l.startsWith('import '))].join('\n');
}

describe('README snippets', { timeout: 120_000 }, () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => vigil?.dispose());

  it('send logs and query them back exactly as the README shows', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const code = snippetModule(readme, '## Send and query logs with the official SDKs', '## What is there today');
    assert.match(code, /LogsIngestionClient/);
    // A folder of the user's own: the app, the packages it installed (linked), and the data folder it reads.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-readme-'));
    try {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      symlinkSync(vigil.dataDir, join(dir, 'vigil-data'));
      writeFileSync(join(dir, 'app.mjs'), code);
      const { stdout } = await promisify(execFile)(process.execPath, ['app.mjs'], { timeout: 60_000, env: process.env, cwd: dir });
      assert.match(stdout, /\[\s*\[\s*'Error',\s*1\s*\]\s*\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
