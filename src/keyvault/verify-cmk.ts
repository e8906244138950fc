/**
 * `vigil verify`'s check of a workspace linked to a cluster with a customer-managed key: the wrap of
 * the workspace key under the vault key (keyring.json `cmk`) must open, with that key version's
 * private part from the vault's key store, to exactly the workspace key. An altered wrap, a purged
 * key version or a missing vault is reported (the server would refuse the workspace's data).
 */
import { timingSafeEqual } from 'node:crypto';
import type { MasterKeys } from '../keys/master-key.js';
import { readCmkWrap, readWorkspaceKey } from '../keys/workspace-keys.js';
import { KeyStore } from './key-store.js';

export function verifyCmkWrap(dataDir: string, workspaceDir: string, master: MasterKeys): string | undefined {
  let wrap;
  try {
    wrap = readCmkWrap(workspaceDir);
  } catch (err) {
    return (err as Error).message;
  }
  if (!wrap) return undefined;
  const where = `its key wrapped under the customer-managed key ${wrap.keyName}/${wrap.keyVersion} of ${wrap.keyVaultUri}`;
  let vault: string;
  try {
    vault = new URL(wrap.keyVaultUri).hostname.split('.')[0]!;
  } catch {
    return `${where}: the key vault URI is not valid`;
  }
  try {
    const store = KeyStore.open(dataDir, master, false);
    const unwrapped = store.unwrapOffline(vault, wrap.keyName, wrap.keyVersion, wrap.alg, Buffer.from(wrap.wrapped, 'base64'));
    const expected = readWorkspaceKey(workspaceDir, master);
    const same = unwrapped.length === expected.length && timingSafeEqual(unwrapped, expected);
    unwrapped.fill(0);
    expected.fill(0);
    return same ? undefined : `${where} does not open to the workspace key: it was altered. Re-link the workspace (or restore keyring.json from your backup)`;
  } catch (err) {
    return `${where} cannot be opened (${(err as Error).message.split('\n')[0]}): it was altered, or the key version was purged`;
  }
}
