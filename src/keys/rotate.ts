/**
 * Master key rotation: every workspace key is re-wrapped under the new master key; no log or
 * segment is rewritten. For the service-managed key the new key is staged first, so a rotation
 * interrupted at any point leaves every workspace readable (both keys are loaded until it finishes).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadMasterKeys, promoteNextServiceKey, readOperatorKey, stageNextServiceKey, type MasterKey } from './master-key.js';
import { keyringPath, rewrapWorkspaceKey } from './workspace-keys.js';

export async function rotateMasterKey(dataDir: string, newKeyFile?: string): Promise<{ workspaces: number; from: string; to: string }> {
  const master = await loadMasterKeys(dataDir, { create: false });
  const next: MasterKey = newKeyFile ? readOperatorKey(newKeyFile) : stageNextServiceKey(dataDir);
  const keys = { ...master, all: [...master.all, next] };
  const root = join(dataDir, 'storage');
  let n = 0;
  for (const id of existsSync(root) ? readdirSync(root) : []) {
    const dir = join(root, id);
    if (!existsSync(keyringPath(dir))) continue;
    rewrapWorkspaceKey(dir, keys, next);
    n++;
  }
  // The blob store's keyring (src/blob/blob-store.ts) hangs off the same master key.
  const blobDir = join(dataDir, 'blobstore');
  if (existsSync(keyringPath(blobDir))) rewrapWorkspaceKey(blobDir, keys, next);
  if (!newKeyFile) promoteNextServiceKey(dataDir);
  return { workspaces: n, from: master.current.id, to: next.id };
}
