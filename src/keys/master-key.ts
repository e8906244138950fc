/**
 * The storage master key: it wraps every workspace key. Service-managed by default (created at first
 * start in `D/keys/storage-master.key`, mode 0600), or supplied by the operator with
 * `VIGIL_MASTER_KEY_FILE` (a file holding 32 random bytes as base64 or hex). Rotation writes the new
 * key to `storage-master.next.key`, re-wraps every workspace key, then renames it over the current
 * one; a start in between knows both keys, so an interrupted rotation loses nothing.
 *
 * Those plain files are the insecure development mode (`--insecure-dev-keys`). With a root of trust
 * (a KeyProtector: passphrase or HSM) the key is stored only sealed, in `storage-master.sealed.json`
 * (and `storage-master.next.sealed.json` during a rotation), and rotation works the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, ensurePrivateDir, tightenMode } from '../identity/secure-files.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { KEY_BYTES, newKey } from './crypto.js';
import { RootOfTrustError, SealError, type KeyProtector } from './protector.js';

export interface MasterKey {
  /** A fingerprint of the key (not secret): which key wrapped a workspace key. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  /** The key new wraps use. */
  current: MasterKey;
  /** Every key that may unwrap (the current one first). */
  all: MasterKey[];
  /** Where the current key came from, for messages. */
  source: string;
}

export const MASTER_KEY_ENV = 'VIGIL_MASTER_KEY_FILE';

export const fingerprint = (key: Buffer) => createHash('sha256').update('vigil-master-key-id').update(key).digest('hex').slice(0, 16);

const keyFile = (dataDir: string) => join(dataDir, 'keys', 'storage-master.key');
const nextKeyFile = (dataDir: string) => join(dataDir, 'keys', 'storage-master.next.key');

function parseServiceKey(path: string): MasterKey {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { key?: string };
  const key = Buffer.from(parsed.key ?? '', 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${path} does not hold a 256-bit key. Restore it from your backup: without it the stored logs cannot be decrypted.`);
  return { id: fingerprint(key), key };
}

/** Reads an operator-supplied key file: 32 bytes as base64 or hex, nothing else. */
export function readOperatorKey(path: string): MasterKey {
  if (!existsSync(path)) throw new Error(`The master key file ${path} does not exist. Point ${MASTER_KEY_ENV} at a file holding 32 random bytes (base64 or hex).`);
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`The master key file ${path} is readable by other users: run 'chmod 600 ${path}'.`);
  const text = readFileSync(path, 'utf8').trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`The master key file ${path} must hold exactly 32 bytes as base64 or hex (for example: openssl rand -base64 32 > ${path}).`);
  return { id: fingerprint(key), key };
}

function serviceKeyJson(key: Buffer): string {
  return JSON.stringify({ kind: 'vigil-storage-master-key', id: fingerprint(key), key: key.toString('base64'), createdAt: new Date().toISOString() });
}

/** Loads the master keys; creates the service-managed key on first start (`create`). */
export async function loadMasterKeys(dataDir: string, options: { create: boolean; env?: NodeJS.ProcessEnv } = { create: true }): Promise<MasterKeys> {
  const env = options.env ?? process.env;
  const operatorFile = env[MASTER_KEY_ENV];
  const extra: MasterKey[] = [];
  const next = nextKeyFile(dataDir);
  if (existsSync(next)) extra.push(parseServiceKey(next));
  if (operatorFile) {
    const current = readOperatorKey(operatorFile);
    // A service-managed key left from before the operator took over still unwraps old keyrings.
    if (existsSync(keyFile(dataDir))) extra.push(parseServiceKey(keyFile(dataDir)));
    return { current, all: [current, ...extra.filter((k) => k.id !== current.id)], source: operatorFile };
  }
  const path = keyFile(dataDir);
  if (!existsSync(path)) {
    if (!options.create) throw new Error(`No storage master key: ${path} does not exist and ${MASTER_KEY_ENV} is not set.`);
    await ensurePrivateDir(join(dataDir, 'keys'));
    await createFileExclusive(path, serviceKeyJson(newKey()), 0o600);
  }
  await tightenMode(path, 0o600);
  const current = parseServiceKey(path);
  return { current, all: [current, ...extra.filter((k) => k.id !== current.id)], source: path };
}

/** Step 1 of a service-managed rotation: the new key, written beside the current one. */
export function stageNextServiceKey(dataDir: string): MasterKey {
  // A key staged by an interrupted rotation may already wrap some keyrings: the rotation resumes with
  // it. Replacing it would leave those keyrings wrapped by a key that exists nowhere any more.
  const next = nextKeyFile(dataDir);
  if (existsSync(next)) return parseServiceKey(next);
  const key = newKey();
  writeFileAtomic(next, serviceKeyJson(key));
  return { id: fingerprint(key), key };
}

/** Last step of a service-managed rotation: the staged key becomes the current one. */
export function promoteNextServiceKey(dataDir: string): void {
  renameSync(nextKeyFile(dataDir), keyFile(dataDir));
}

// ---- Sealed by a root of trust -------------------------------------------------------------------

const SEALED_CONTEXT = 'vigil-storage-master-key';
export const sealedKeyFile = (dataDir: string) => join(dataDir, 'keys', 'storage-master.sealed.json');
export const sealedNextKeyFile = (dataDir: string) => join(dataDir, 'keys', 'storage-master.next.sealed.json');

interface SealedKeyFile {
  kind: 'vigil-sealed-storage-master-key';
  id: string;
  protector: string;
  sealed: string;
  createdAt: string;
}

/** Writes `key` sealed by `protector` to `path` (atomically, 0600). */
export function writeSealedMasterKey(path: string, key: Buffer, protector: KeyProtector): MasterKey {
  const file: SealedKeyFile = { kind: 'vigil-sealed-storage-master-key', id: fingerprint(key), protector: protector.kind, sealed: protector.seal(key, SEALED_CONTEXT).toString('base64'), createdAt: new Date().toISOString() };
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  return { id: file.id, key };
}

/** Opens a sealed master key file; an altered file (or a wrong protector) is a RootOfTrustError naming it. */
export function readSealedMasterKey(path: string, protector: KeyProtector): MasterKey {
  let file: Partial<SealedKeyFile>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<SealedKeyFile>;
  } catch {
    throw new RootOfTrustError(`The sealed storage master key ${path} is not valid JSON: it was altered. Restore it from your backup; without it the stored logs cannot be decrypted.`);
  }
  if (file.kind !== 'vigil-sealed-storage-master-key' || typeof file.sealed !== 'string') throw new RootOfTrustError(`${path} is not a sealed Vigil storage master key: restore it from your backup.`);
  let key: Buffer;
  try {
    key = protector.open(Buffer.from(file.sealed, 'base64'), SEALED_CONTEXT, `The sealed storage master key ${path}`);
  } catch (err) {
    if (err instanceof SealError) throw new RootOfTrustError(`${err.message}. Restore ${path} from your backup.`);
    throw err;
  }
  if (key.length !== KEY_BYTES || fingerprint(key) !== file.id) throw new RootOfTrustError(`The sealed storage master key ${path} does not hold the key it names (${file.id}): it was altered. Restore it from your backup.`);
  return { id: file.id, key };
}

/** Loads the master keys sealed by `protector`; creates and seals a new key on first start (`create`). */
export function loadSealedMasterKeys(dataDir: string, protector: KeyProtector, options: { create: boolean }): MasterKeys {
  const path = sealedKeyFile(dataDir);
  if (!existsSync(path)) {
    if (!options.create) throw new RootOfTrustError(`No storage master key: ${path} does not exist. Restore it from your backup.`);
    writeSealedMasterKey(path, newKey(), protector);
  }
  const current = readSealedMasterKey(path, protector);
  const extra = existsSync(sealedNextKeyFile(dataDir)) ? [readSealedMasterKey(sealedNextKeyFile(dataDir), protector)] : [];
  return { current, all: [current, ...extra.filter((k) => k.id !== current.id)], source: `${path} (${protector.description})` };
}

/** A new master key, sealed as the current one (first start, `protect-keys`). */
export function newMasterKeySealed(dataDir: string, protector: KeyProtector): MasterKey {
  return writeSealedMasterKey(sealedKeyFile(dataDir), newKey(), protector);
}

/** Step 1 of a sealed rotation: a new key, sealed beside the current one. */
export function stageNextSealedKey(dataDir: string, protector: KeyProtector): MasterKey {
  // As for the service-managed key: an interrupted rotation's staged key is resumed, never replaced.
  const next = sealedNextKeyFile(dataDir);
  if (existsSync(next)) return readSealedMasterKey(next, protector);
  return writeSealedMasterKey(next, newKey(), protector);
}

/** Last step of a sealed rotation. */
export function promoteNextSealedKey(dataDir: string): void {
  renameSync(sealedNextKeyFile(dataDir), sealedKeyFile(dataDir));
}
