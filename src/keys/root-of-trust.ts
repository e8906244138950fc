/**
 * Chooses and opens the root of trust of a data folder from the operator's options, or refuses with
 * a message naming what to provide. Never falls back: a folder whose keys are sealed by a protector
 * opens only with that protector, and plain key files are used only with an explicit
 * `--insecure-dev-keys`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSealedSigningKey, parseStored, readRetiredSigningKeys, RETIRED_SIGNING_KEYS_FILE, SEALED_RETIRED_SIGNING_KEYS_FILE, SEALED_SIGNING_KEY_FILE, SIGNING_KEY_FILE } from '../identity/signing-keys.js';
import { loadMasterKeys, loadSealedMasterKeys, MASTER_KEY_ENV, sealedKeyFile, type MasterKeys } from './master-key.js';
import { passphraseProtector, type Argon2idParams } from './passphrase-protector.js';
import { pkcs11Protector, type Pkcs11Params } from './pkcs11-protector.js';
import { keyVaultProtector, type KeyVaultParams } from './keyvault-protector.js';
import {
  DEFAULT_PKCS11_KEY_LABEL,
  HOW_TO_PROVIDE,
  PASSPHRASE_ENV,
  PIN_ENV,
  VAULT_SECRET_ENV,
  RootOfTrustError,
  checkProtector,
  configuredKind,
  plainKeyFiles,
  readProtectorRecord,
  readSecretFile,
  writeProtectorRecord,
  type KeyProtectionOptions,
  type KeyProtector,
  type ProtectorKind,
} from './protector.js';

export interface RootOfTrust {
  mode: ProtectorKind | 'insecure-dev-keys';
  /** Undefined in the insecure mode. Close it once the keys are loaded. */
  protector?: KeyProtector;
  description: string;
}

export const INSECURE_WARNING =
  'WARNING: --insecure-dev-keys: the storage master key and the token-signing key are PLAIN FILES in the data folder. ' +
  'Anyone who can read its disk (or a backup of it) can decrypt every log and forge tokens for every principal. ' +
  `Use this for development only; protect the keys with a passphrase (${PASSPHRASE_ENV}) or an HSM (--pkcs11-module): see 'vigil protect-keys --help'.`;

const kindName = (k: ProtectorKind) => (k === 'passphrase' ? 'a passphrase' : k === 'pkcs11' ? 'a PKCS#11 HSM' : 'a key vault key');

export interface OpenOptions {
  /** Set up the protector on a folder that has none yet (first start, `protect-keys`). */
  create: boolean;
  /** `vigil protect-keys`: plain key files may be present, they are what is being migrated. */
  migrating?: boolean;
}

export async function buildProtector(kind: ProtectorKind, o: KeyProtectionOptions, recordParams?: Record<string, unknown>): Promise<KeyProtector> {
  const env = o.env ?? process.env;
  if (kind === 'passphrase') {
    const passphrase = o.masterPassphraseFile ? readSecretFile(o.masterPassphraseFile, 'master passphrase') : env[PASSPHRASE_ENV]!;
    // Read once: no child process or diagnostic dump of the environment gets it afterwards.
    if (env === process.env) delete process.env[PASSPHRASE_ENV];
    return passphraseProtector(passphrase, recordParams?.argon2id as Argon2idParams | undefined);
  }
  if (kind === 'keyvault') {
    const secret = o.masterKeyVaultClientSecretFile ? readSecretFile(o.masterKeyVaultClientSecretFile, 'key vault client secret') : env[VAULT_SECRET_ENV];
    if (env === process.env) delete process.env[VAULT_SECRET_ENV];
    const recorded = recordParams?.keyVault as KeyVaultParams | undefined;
    const tenantId = o.masterKeyVaultTenantId ?? recorded?.tenantId;
    const clientId = o.masterKeyVaultClientId ?? recorded?.clientId;
    if (!secret || !tenantId || !clientId) throw new RootOfTrustError(`The key vault root of trust needs ${HOW_TO_PROVIDE.keyvault}.`);
    return keyVaultProtector({ keyId: o.masterKeyVaultKey!, tenantId, clientId, clientSecret: secret, authorityHost: o.masterKeyVaultAuthorityHost ?? recorded?.authorityHost }, recorded);
  }
  const pin = o.pkcs11PinFile ? readSecretFile(o.pkcs11PinFile, 'PKCS#11 PIN') : env[PIN_ENV];
  if (env === process.env) delete process.env[PIN_ENV];
  if (!pin) throw new RootOfTrustError(`No PIN for the HSM: provide the token's user PIN in ${PIN_ENV} or a file given with --pkcs11-pin-file.`);
  const recorded = recordParams?.pkcs11 as Pkcs11Params | undefined;
  return pkcs11Protector(
    {
      module: o.pkcs11Module!,
      tokenLabel: o.pkcs11TokenLabel ?? (o.pkcs11Slot === undefined ? recorded?.tokenLabel : undefined),
      slot: o.pkcs11Slot,
      pin,
      keyLabel: o.pkcs11KeyLabel ?? recorded?.keyLabel ?? DEFAULT_PKCS11_KEY_LABEL,
    },
    recorded,
  );
}

export async function openRootOfTrust(dataDir: string, o: KeyProtectionOptions, options: OpenOptions): Promise<RootOfTrust> {
  const env = o.env ?? process.env;
  const kind = configuredKind(o);
  const record = readProtectorRecord(dataDir);
  const plain = plainKeyFiles(dataDir);
  const keysDir = join(dataDir, 'keys');
  if (kind === undefined) {
    if (record) throw new RootOfTrustError(`The keys of ${dataDir} are sealed by ${kindName(record.protector)}: provide ${HOW_TO_PROVIDE[record.protector]}.`);
    if (plain.length) {
      throw new RootOfTrustError(
        `The keys in ${keysDir} are plain files that anyone who can read the disk can use. Protect them with 'vigil protect-keys --data-dir ${dataDir}' and ${HOW_TO_PROVIDE.any.replace(/^a root of trust for the keys: /, '')}.`,
      );
    }
    throw new RootOfTrustError(`Vigil needs ${HOW_TO_PROVIDE.any}.`);
  }
  if (kind === 'insecure') {
    if (record) throw new RootOfTrustError(`The keys of ${dataDir} are sealed by ${kindName(record.protector)}; --insecure-dev-keys never bypasses it: provide ${HOW_TO_PROVIDE[record.protector]}.`);
    if (options.migrating) throw new RootOfTrustError(`'vigil protect-keys' seals the keys with a root of trust: provide ${HOW_TO_PROVIDE.any.replace(/; for development only.*$/, '')}.`);
    return { mode: 'insecure-dev-keys', description: `plain key files in ${keysDir} (--insecure-dev-keys)` };
  }
  if (record && record.protector !== kind) {
    throw new RootOfTrustError(`The keys of ${dataDir} are sealed by ${kindName(record.protector)}, not ${kindName(kind)}: provide ${HOW_TO_PROVIDE[record.protector]}.`);
  }
  if (env[MASTER_KEY_ENV] && !options.migrating) {
    throw new RootOfTrustError(`${MASTER_KEY_ENV} names a plain master key file, which a root of trust replaces: unset it (run 'vigil protect-keys' once with it set to seal that key's workspaces under the protector).`);
  }
  if (plain.length && !options.migrating) {
    throw new RootOfTrustError(
      record
        ? `Plain key files remain beside the sealed keys (${plain.join(', ')}): an interrupted 'vigil protect-keys'. Run it again with the same options to finish.`
        : `The keys in ${keysDir} are plain files: seal them first with 'vigil protect-keys --data-dir ${dataDir}' and the same root-of-trust options.`,
    );
  }
  if (!record && !options.create) throw new RootOfTrustError(`${dataDir} has no keys sealed by a root of trust (no ${join(keysDir, 'protector.json')}).`);
  const protector = await buildProtector(kind, o, record?.params);
  try {
    if (record) {
      if (!checkProtector(dataDir, record, protector)) {
        throw new RootOfTrustError(
          kind === 'passphrase'
            ? `The master passphrase is wrong: it does not open the keys of ${dataDir}. Provide the right one in ${PASSPHRASE_ENV} or a file given with --master-passphrase-file.`
            : kind === 'keyvault'
              ? `The key vault key '${protector.description}' does not open the keys of ${dataDir}: protector.json was altered. Restore it from your backup.`
              : `The HSM key '${protector.description}' does not open the keys of ${dataDir}: connect the HSM and token the data folder was set up with.`,
        );
      }
    } else {
      writeProtectorRecord(dataDir, protector);
    }
  } catch (err) {
    protector.close();
    throw err;
  }
  return { mode: kind, protector, description: protector.description };
}

/** The storage master keys under the root of trust (created on first start when `create`). */
export async function loadMasterKeysUnder(dataDir: string, root: RootOfTrust, options: { create: boolean; env?: NodeJS.ProcessEnv }): Promise<MasterKeys> {
  return root.protector ? loadSealedMasterKeys(dataDir, root.protector, options) : loadMasterKeys(dataDir, options);
}

/**
 * For `vigil verify`: opens every key the root of trust protects — the sealed master key (and a
 * staged one), the token-signing key — and names each file that does not open (altered, or sealed
 * by another protector). Returns the master keys when they open.
 */
export async function verifyKeys(dataDir: string, root: RootOfTrust, env?: NodeJS.ProcessEnv): Promise<{ master?: MasterKeys; problems: { file: string; message: string }[] }> {
  const problems: { file: string; message: string }[] = [];
  let master: MasterKeys | undefined;
  try {
    master = await loadMasterKeysUnder(dataDir, root, { create: false, env });
  } catch (err) {
    const file = root.protector ? (/(\S+storage-master[^\s]*\.json)/.exec((err as Error).message)?.[1] ?? sealedKeyFile(dataDir)) : join(dataDir, 'keys', 'storage-master.key');
    problems.push({ file, message: (err as Error).message });
  }
  const signingFile = join(dataDir, 'keys', root.protector ? SEALED_SIGNING_KEY_FILE : SIGNING_KEY_FILE);
  if (existsSync(signingFile)) {
    try {
      if (root.protector) openSealedSigningKey(readFileSync(signingFile, 'utf8'), signingFile, root.protector);
      else parseStored(readFileSync(signingFile, 'utf8'), signingFile);
    } catch (err) {
      problems.push({ file: signingFile, message: (err as Error).message });
    }
  }
  try {
    readRetiredSigningKeys(join(dataDir, 'keys'), root.protector);
  } catch (err) {
    problems.push({ file: join(dataDir, 'keys', root.protector ? SEALED_RETIRED_SIGNING_KEYS_FILE : RETIRED_SIGNING_KEYS_FILE), message: (err as Error).message });
  }
  return { master, problems };
}
