/**
 * Master key rotation: every workspace key is re-wrapped under the new master key; no log or
 * segment is rewritten. For the service-managed key the new key is staged first, so a rotation
 * interrupted at any point leaves every workspace readable (both keys are loaded until it finishes).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadMasterKeys, loadSealedMasterKeys, promoteNextSealedKey, promoteNextServiceKey, readOperatorKey, stageNextSealedKey, stageNextServiceKey, type MasterKey } from './master-key.js';
import { RootOfTrustError, type KeyProtector } from './protector.js';
import { keyringPath, rewrapWorkspaceKey } from './workspace-keys.js';

/**
 * Rotates the master key. With a `protector` (passphrase or HSM) the new key is sealed by it, like the
 * old one; without one (the insecure plain-file mode) the new key is a plain file, or `newKeyFile`.
 */
export async function rotateMasterKey(dataDir: string, newKeyFile?: string, protector?: KeyProtector): Promise<{ workspaces: number; from: string; to: string }> {
  if (protector && newKeyFile) throw new RootOfTrustError('--new-key-file supplies a plain key file: it is for the insecure plain-file mode only. With a passphrase or an HSM the new master key is generated and sealed by it.');
  const master = protector ? loadSealedMasterKeys(dataDir, protector, { create: false }) : await loadMasterKeys(dataDir, { create: false });
  const next: MasterKey = protector ? stageNextSealedKey(dataDir, protector) : newKeyFile ? readOperatorKey(newKeyFile) : stageNextServiceKey(dataDir);
  const keys = { ...master, all: [...master.all, next] };
  const root = join(dataDir, 'storage');
  let n = 0;
  for (const id of existsSync(root) ? readdirSync(root) : []) {
    const dir = join(root, id);
    if (!existsSync(keyringPath(dir))) continue;
    rewrapWorkspaceKey(dir, keys, next);
    n++;
  }
  if (protector) promoteNextSealedKey(dataDir);
  else if (!newKeyFile) promoteNextServiceKey(dataDir);
  return { workspaces: n, from: master.current.id, to: next.id };
}
