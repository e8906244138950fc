/**
 * `vigil protect-keys`: moves a data folder from plain key files (the insecure mode, or a folder from
 * before #15) to a root of trust. A new master key is generated and sealed by the protector, every
 * workspace key is re-wrapped under it (no log or segment is rewritten), the token-signing key is
 * sealed (issued tokens stay valid), and the plain files are overwritten and deleted. Each step is
 * idempotent: an interrupted run is finished by running it again with the same options.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive } from '../identity/secure-files.js';
import { parseStored, readRetiredSigningKeys, sealSigningKey, SEALED_RETIRED_SIGNING_KEYS_FILE, SEALED_SIGNING_KEY_FILE, SIGNING_KEY_FILE, writeRetiredSigningKeys } from '../identity/signing-keys.js';
import { loadMasterKeys, newMasterKeySealed, readSealedMasterKey, sealedKeyFile, type MasterKeys } from './master-key.js';
import { plainKeyFiles, RootOfTrustError, type KeyProtectionOptions } from './protector.js';
import { openRootOfTrust } from './root-of-trust.js';
import { masterWrappedKeyrings, rewrapWorkspaceKey } from './workspace-keys.js';

/** Overwrites a file with zeros and deletes it (best effort against recovery: the disk may keep old blocks). */
export function shred(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(size));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
}

export async function protectKeys(dataDir: string, o: KeyProtectionOptions): Promise<{ mode: string; workspaces: number; masterKey: string; removed: string[] }> {
  const env = o.env ?? process.env;
  const root = await openRootOfTrust(dataDir, o, { create: true, migrating: true });
  const protector = root.protector;
  if (!protector) throw new RootOfTrustError('protect-keys needs a root of trust.');
  try {
    const keysDir = join(dataDir, 'keys');
    const plain = plainKeyFiles(dataDir);
    const hasPlainMaster = plain.some((f) => f.endsWith('.key')) || Boolean(env.VIGIL_MASTER_KEY_FILE);
    const old: MasterKeys | undefined = hasPlainMaster ? await loadMasterKeys(dataDir, { create: false, env }) : undefined;
    const target = existsSync(sealedKeyFile(dataDir)) ? readSealedMasterKey(sealedKeyFile(dataDir), protector) : newMasterKeySealed(dataDir, protector);
    const unwrapWith: MasterKeys = { current: target, all: [target, ...(old?.all ?? [])], source: old ? `${old.source} or ${sealedKeyFile(dataDir)}` : sealedKeyFile(dataDir) };
    let workspaces = 0;
    for (const { dir, kind } of masterWrappedKeyrings(dataDir)) {
      rewrapWorkspaceKey(dir, unwrapWith, target);
      if (kind === 'workspace') workspaces++;
    }
    const plainSigning = join(keysDir, SIGNING_KEY_FILE);
    if (existsSync(plainSigning)) {
      const stored = parseStored(readFileSync(plainSigning, 'utf8'), plainSigning);
      // Sealed only if no sealed key exists yet (a re-run keeps the one already sealed).
      await createFileExclusive(join(keysDir, SEALED_SIGNING_KEY_FILE), sealSigningKey(stored, protector), 0o600);
    }
    // Rotated-out signing keys (public halves) keep verifying their tokens: sealed too.
    if (!existsSync(join(keysDir, SEALED_RETIRED_SIGNING_KEYS_FILE))) {
      const retired = readRetiredSigningKeys(keysDir);
      if (retired.length) writeRetiredSigningKeys(keysDir, retired, protector);
    }
    const removed = plainKeyFiles(dataDir);
    for (const f of removed) shred(f);
    return { mode: root.description, workspaces, masterKey: target.id, removed };
  } finally {
    protector.close();
  }
}
