/**
 * A master-key rotation killed after it staged the new key and re-wrapped some keyrings must resume
 * with the SAME staged key: a second attempt that staged a fresh key used to overwrite the first,
 * and a second kill then left keyrings wrapped by a key that existed nowhere (every row of those
 * workspaces unreadable). Found by the SIGKILL-during-rotation suite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadMasterKeys, stageNextServiceKey } from '../../src/keys/master-key.js';
import { rotateMasterKey } from '../../src/keys/rotate.js';
import { loadOrCreateWorkspaceKeys, rewrapWorkspaceKey } from '../../src/keys/workspace-keys.js';

describe('master-key rotation resumes with the staged key', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-staging-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stages once: a second stage returns the key already staged', async () => {
    await loadMasterKeys(dataDir, { create: true });
    const a = stageNextServiceKey(dataDir);
    const b = stageNextServiceKey(dataDir);
    assert.equal(b.id, a.id);
    assert.ok(a.key.equals(b.key));
  });

  it('an interrupted rotation (some keyrings already under the staged key) completes, and every keyring opens afterwards', async () => {
    const master = await loadMasterKeys(dataDir, { create: false });
    const dirs = [0, 1, 2].map((i) => join(dataDir, 'storage', `00000000-0000-4000-8000-00000000000${i}`));
    const before = dirs.map((d, i) => loadOrCreateWorkspaceKeys(d, `00000000-0000-4000-8000-00000000000${i}`, master, true).macKey);
    // The first attempt got as far as re-wrapping one keyring under the staged key, then died.
    const staged = stageNextServiceKey(dataDir);
    rewrapWorkspaceKey(dirs[0]!, { ...master, all: [...master.all, staged] }, staged);
    // The second attempt runs to the end.
    const r = await rotateMasterKey(dataDir);
    assert.equal(r.to, staged.id, 'the rotation finished with the key the first attempt staged');
    const after = await loadMasterKeys(dataDir, { create: false });
    assert.equal(after.current.id, staged.id);
    dirs.forEach((d, i) => assert.ok(loadOrCreateWorkspaceKeys(d, `00000000-0000-4000-8000-00000000000${i}`, after, false).macKey.equals(before[i]!), `keyring ${i} opens with the new master key`));
  });
});
