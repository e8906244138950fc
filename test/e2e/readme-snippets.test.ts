/**
 * The README is a contract: its "Send and query logs with the official SDKs" snippets, run as a user
 * would paste them (one module, imports first), against a real Vigil, must print the logs they sent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  /**
   * The packages the README's `npm install` gives a new user: on Node 22 and later the latest releases
   * (pinned in package-lock.json); on Node 20 npm picks the newest releases whose `engines` allow it
   * for the packages without a version: arm-operationalinsights 9.0.0 (installed here as an alias),
   * which asks for a token for the endpoint itself rather than for management.azure.com.
   */
  const sdkSets: { name: string; packages: Record<string, string> }[] = [
    { name: 'the SDKs Node 22 and later get (arm-operationalinsights 11, arm-monitor 8)', packages: {} },
    { name: 'the SDKs Node 20 gets (arm-operationalinsights 9, arm-monitor 8)', packages: { 'arm-operationalinsights': 'arm-operationalinsights-9' } },
  ];
  for (const set of sdkSets) {
    it(`send logs and query them back exactly as the README shows, with ${set.name}`, async () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const code = snippetModule(readme, '## Send and query logs with the official SDKs', '## What is there today');
      assert.match(code, /LogsIngestionClient/);
      const installed = /npm install ((?:@azure\/[\w-]+(?:@\d+)? ?)+)/.exec(readme.slice(readme.indexOf('## Send and query logs with the official SDKs')))![1]!.trim().split(' ');
      // A folder of the user's own: the app, the packages it installed (linked), and the data folder it reads.
      const dir = mkdtempSync(join(tmpdir(), 'vigil-readme-'));
      try {
        mkdirSync(join(dir, 'node_modules', '@azure'), { recursive: true });
        for (const spec of installed) {
          // `@azure/arm-monitor@8`: the version pinned in package-lock.json must be that major.
          const [pkg, major] = spec.split(/(?<=.)@/) as [string, string | undefined];
          const name = pkg.slice('@azure/'.length);
          if (major && !set.packages[name]) {
            const pinned = (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
            assert.equal(pinned.split('.')[0], major, `${pkg} ${pinned}`);
          }
          const from = set.packages[name] ? join(ROOT, 'node_modules', set.packages[name]) : join(ROOT, 'node_modules', pkg);
          symlinkSync(from, join(dir, 'node_modules', pkg));
        }
        symlinkSync(vigil.dataDir, join(dir, 'vigil-data'));
        writeFileSync(join(dir, 'app.mjs'), code);
        for (const name of Object.keys(set.packages)) {
          const linked = JSON.parse(readFileSync(join(dir, 'node_modules', '@azure', name, 'package.json'), 'utf8')) as { name: string; version: string };
          assert.equal(linked.name, `@azure/${name}`);
        }
        const { stdout } = await promisify(execFile)(process.execPath, ['app.mjs'], { timeout: 60_000, env: process.env, cwd: dir });
        // The second run finds the first one's row too.
        assert.match(stdout, new RegExp(`\\[\\s*\\[\\s*'Error',\\s*${sdkSets.indexOf(set) + 1}\\s*\\]\\s*\\]`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
