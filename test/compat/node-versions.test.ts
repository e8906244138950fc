/**
 * Node 20 is past its end of life: Vigil is also tested on newer Node releases (issue #21, item 5).
 * `.ci/run` installs Node 22 and 24 from npm's `node` package into `.ci-node/<major>/` (when the
 * registry serves them); this suite runs the server, the README quick start and the SDK end-to-end
 * suites on each of them, with that Node's own test runner. Without them (a developer machine that
 * did not run .ci/run) it is skipped, saying how to get them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const MAJORS = ['22', '24'];
const FILES = ['dist/test/compat/bin.test.js', 'dist/test/compat/int64.test.js', 'dist/test/compat/base-url-audience.test.js', 'dist/test/e2e/readme-snippets.test.js', 'dist/test/e2e/sdk-end-to-end.test.js'];

const nodeFor = (major: string) => join(ROOT, '.ci-node', major, 'node_modules', '.bin', 'node');

describe('newer Node releases', { timeout: 900_000 }, () => {
  for (const major of MAJORS) {
    const node = nodeFor(major);
    const skip = existsSync(node) ? undefined : `Node ${major} is not installed in .ci-node/${major} (npm install --prefix .ci-node/${major} node@${major}; .ci/run does it)`;
    it(`runs the server, the README quick start and the SDK suites on Node ${major}`, { skip }, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child of this one
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
        execFile(node, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...FILES], { cwd: ROOT, env, timeout: 800_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
          res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      const version = await new Promise<string>((res) => execFile(node, ['--version'], (_e, out) => res(out.trim())));
      assert.match(version, new RegExp(`^v${major}\\.`));
      assert.equal(code, 0, `${stdout.split('\n').filter((l) => /not ok|# (pass|fail)|Error/.test(l)).join('\n')}\n${stderr}`);
      assert.match(stdout, /^# fail 0$/m);
      assert.doesNotMatch(stdout, /^# pass 0$/m);
    });
  }
});
