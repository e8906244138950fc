/**
 * Workspace keys: one random 256-bit key per workspace, stored only wrapped by the master key in the
 * workspace's `keyring.json`. Everything of the workspace hangs off it through HKDF subkeys: the key
 * that wraps segment and log-file data keys, and the key of the manifest's MAC chain.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { deriveKey, newKey, unwrapKey, wrapKey, AuthenticationError } from './crypto.js';
import type { MasterKey, MasterKeys } from './master-key.js';

interface KeyringFile {
  kind: 'vigil-workspace-keyring';
  workspaceId: string;
  wraps: { masterKeyId: string; wrapped: string }[];
}

export interface WorkspaceKeys {
  /** Wraps the data key of each segment and of each log file. */
  wrapKey: Buffer;
  /** Keys the manifest's MAC chain. */
  macKey: Buffer;
  /** Keys hash_hmac_sha256_ws(): the workspace's pseudonyms (src/kql/functions/masking.ts). */
  pseudonymKey: Buffer;
}

const context = (workspaceId: string) => `vigil-workspace-key:${workspaceId.toLowerCase()}`;

export const keyringPath = (workspaceDir: string) => join(workspaceDir, 'keyring.json');

function derive(wsKey: Buffer): WorkspaceKeys {
  return { wrapKey: deriveKey(wsKey, 'vigil data-key wrapping'), macKey: deriveKey(wsKey, 'vigil manifest mac'), pseudonymKey: deriveKey(wsKey, 'vigil pseudonym key') };
}

function readKeyring(path: string): KeyringFile {
  const k = JSON.parse(readFileSync(path, 'utf8')) as KeyringFile;
  if (k.kind !== 'vigil-workspace-keyring' || !Array.isArray(k.wraps)) throw new Error(`${path} is not a Vigil workspace keyring`);
  return k;
}

function unwrapFrom(path: string, ring: KeyringFile, master: MasterKeys): Buffer {
  for (const w of ring.wraps) {
    const m = master.all.find((k) => k.id === w.masterKeyId);
    if (m) return unwrapKey(m.key, Buffer.from(w.wrapped, 'base64'), context(ring.workspaceId), `The workspace key in ${path}`);
  }
  throw new AuthenticationError(
    `The workspace key in ${path} is wrapped by master key ${ring.wraps.map((w) => w.masterKeyId).join(', ')}, but the master key in use is ${master.current.id} (${master.source}). Supply the master key it was created with.`,
  );
}

/** The workspace's keys, creating the keyring on first use. */
export function loadOrCreateWorkspaceKeys(workspaceDir: string, workspaceId: string, master: MasterKeys, create = true): WorkspaceKeys {
  const path = keyringPath(workspaceDir);
  if (existsSync(path)) return derive(unwrapFrom(path, readKeyring(path), master));
  if (!create) throw new Error(`${path} is missing: the workspace's data cannot be decrypted without it. Restore it from your backup.`);
  const key = newKey();
  const ring: KeyringFile = { kind: 'vigil-workspace-keyring', workspaceId, wraps: [{ masterKeyId: master.current.id, wrapped: wrapKey(master.current.key, key, context(workspaceId)).toString('base64') }] };
  writeFileAtomic(path, JSON.stringify(ring, null, 1));
  return derive(key);
}

/** Re-wraps a workspace key under `next` (the data is not touched). */
export function rewrapWorkspaceKey(workspaceDir: string, master: MasterKeys, next: MasterKey): void {
  const path = keyringPath(workspaceDir);
  const ring = readKeyring(path);
  const key = unwrapFrom(path, ring, master);
  ring.wraps = [{ masterKeyId: next.id, wrapped: wrapKey(next.key, key, context(ring.workspaceId)).toString('base64') }];
  writeFileAtomic(path, JSON.stringify(ring, null, 1));
}

/**
 * Every keyring wrapped directly by the storage master key: each workspace's (`storage/{id}`) and
 * the blob store's (`blobstore`), the key vaults' (`keyvault`), the identity and alert secrets' and
 * the lockbox's. Rotation and migration re-wrap exactly these.
 */
export type KeyringKind = 'workspace' | 'blob store' | 'key vault' | 'identity secrets' | 'alert secrets' | 'lockbox';

export function masterWrappedKeyrings(dataDir: string): { dir: string; kind: KeyringKind }[] {
  const storage = join(dataDir, 'storage');
  const rings: { dir: string; kind: KeyringKind }[] = (existsSync(storage) ? readdirSync(storage).sort() : []).map((id) => ({ dir: join(storage, id), kind: 'workspace' }));
  rings.push({ dir: join(dataDir, 'blobstore'), kind: 'blob store' });
  // The key vaults' keyring (src/keyvault/key-store.ts): it seals the private parts of the vault keys.
  rings.push({ dir: join(dataDir, 'keyvault'), kind: 'key vault' });
  // The keyring that seals users' TOTP secrets (src/identity/totp-secrets.ts).
  rings.push({ dir: join(dataDir, 'identity-secrets'), kind: 'identity secrets' });
  // The keyring that seals action groups' receiver addresses (src/alerts/alert-seal.ts).
  rings.push({ dir: join(dataDir, 'alert-secrets'), kind: 'alert secrets' });
  // The keyring whose key MACs the Customer Lockbox requests file (src/lockbox/requests.ts).
  rings.push({ dir: join(dataDir, 'lockbox'), kind: 'lockbox' });
  return rings.filter((r) => existsSync(keyringPath(r.dir)));
}

// ---- Customer-managed keys (issue #15): a workspace linked to a dedicated cluster ----------------

/**
 * The workspace key wrapped a second time, by the cluster's key in a key vault (RSA-OAEP-256). While
 * it is present, Vigil reads and writes the workspace only after the vault unwrapped it for the
 * cluster's identity (src/keyvault/cluster-keys.ts); `vigil verify` checks it opens to the workspace key.
 */
export interface CmkWrap {
  keyVaultUri: string;
  keyName: string;
  keyVersion: string;
  alg: 'RSA-OAEP-256';
  wrapped: string;
  wrappedAt: string;
}

/** The workspace key itself (unwrapped with the master key), for wrapping it under a customer-managed key. */
export function readWorkspaceKey(workspaceDir: string, master: MasterKeys): Buffer {
  const path = keyringPath(workspaceDir);
  return unwrapFrom(path, readKeyring(path), master);
}

export function readCmkWrap(workspaceDir: string): CmkWrap | undefined {
  const path = keyringPath(workspaceDir);
  if (!existsSync(path)) return undefined;
  return (readKeyring(path) as KeyringFile & { cmk?: CmkWrap }).cmk;
}

/** Sets (or, with undefined, removes) the customer-managed wrap of the workspace key. */
export function writeCmkWrap(workspaceDir: string, cmk: CmkWrap | undefined): void {
  const path = keyringPath(workspaceDir);
  const ring = readKeyring(path) as KeyringFile & { cmk?: CmkWrap };
  if (cmk) ring.cmk = cmk;
  else delete ring.cmk;
  writeFileAtomic(path, JSON.stringify(ring, null, 1));
}
