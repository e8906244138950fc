/**
 * `vigil change-key-protector`: moves a data folder's keys from one root of trust to another — a new
 * passphrase, passphrase → PKCS#11 HSM, HSM → passphrase, or another HSM key — re-sealing only what
 * the root of trust seals: the storage master key, the token-signing key and the retired signing
 * keys. The master key itself stays the same, so no workspace key is re-wrapped and no data is
 * touched (rotate it separately with `vigil rotate-master-key`).
 *
 * Every file is re-sealed atomically, and `keys/protector.json` is written last. An interrupted run
 * leaves some files sealed by the new protector and the record naming the old one; running the
 * command again with the same options opens each file with whichever protector sealed it and
 * finishes. Going back to plain key files is not offered: that is a downgrade.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSealedSigningKey, readRetiredSigningKeys, sealSigningKey, SEALED_RETIRED_SIGNING_KEYS_FILE, SEALED_SIGNING_KEY_FILE, writeRetiredSigningKeys } from '../identity/signing-keys.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { readSealedMasterKey, sealedKeyFile, sealedNextKeyFile, writeSealedMasterKey } from './master-key.js';
import { configuredKind, RootOfTrustError, writeProtectorRecord, type KeyProtectionOptions, type KeyProtector } from './protector.js';
import { buildProtector, openRootOfTrust } from './root-of-trust.js';

/** Opens with the old protector, or with the new one when an interrupted run already re-sealed it. */
function openWithEither<T>(open: (p: KeyProtector) => T, from: KeyProtector, to: KeyProtector): T {
  try {
    return open(from);
  } catch (first) {
    try {
      return open(to);
    } catch {
      throw first;
    }
  }
}

export async function changeKeyProtector(dataDir: string, from: KeyProtectionOptions, to: KeyProtectionOptions): Promise<{ from: string; to: string; resealed: string[]; masterKey: string }> {
  const kind = configuredKind(to);
  if (kind !== 'passphrase' && kind !== 'pkcs11') {
    throw new RootOfTrustError('Name the new root of trust: a passphrase (VIGIL_NEW_MASTER_PASSPHRASE or --new-master-passphrase-file) or a PKCS#11 HSM (--new-pkcs11-module …). Plain key files are not a target.');
  }
  const root = await openRootOfTrust(dataDir, from, { create: false });
  if (!root.protector) {
    throw new RootOfTrustError(`The keys of ${dataDir} are plain files (--insecure-dev-keys): seal them with 'vigil protect-keys', which also replaces the master key they exposed.`);
  }
  const old = root.protector;
  let next: KeyProtector | undefined;
  try {
    if (existsSync(sealedNextKeyFile(dataDir))) {
      throw new RootOfTrustError(`${sealedNextKeyFile(dataDir)} exists: a 'vigil rotate-master-key' was interrupted. Run it again to finish first.`);
    }
    next = await buildProtector(kind, to);
    const target = next;
    const resealed: string[] = [];
    const masterFile = sealedKeyFile(dataDir);
    const master = openWithEither((p) => readSealedMasterKey(masterFile, p), old, target);
    writeSealedMasterKey(masterFile, master.key, target);
    resealed.push(masterFile);
    const keysDir = join(dataDir, 'keys');
    const signingFile = join(keysDir, SEALED_SIGNING_KEY_FILE);
    if (existsSync(signingFile)) {
      const text = readFileSync(signingFile, 'utf8');
      const stored = openWithEither((p) => openSealedSigningKey(text, signingFile, p), old, target);
      writeFileAtomic(signingFile, sealSigningKey(stored, target), 0o600);
      resealed.push(signingFile);
    }
    const retiredFile = join(keysDir, SEALED_RETIRED_SIGNING_KEYS_FILE);
    if (existsSync(retiredFile)) {
      writeRetiredSigningKeys(keysDir, openWithEither((p) => readRetiredSigningKeys(keysDir, p), old, target), target);
      resealed.push(retiredFile);
    }
    // Last: from here on the folder opens only with the new root of trust.
    writeProtectorRecord(dataDir, target);
    return { from: old.description, to: target.description, resealed, masterKey: master.id };
  } finally {
    old.close();
    next?.close();
  }
}
