/**
 * The root of trust: a KeyProtector seals the storage master key and the token-signing key, so the
 * data folder holds them only wrapped. Three protectors exist: a passphrase (argon2id), a PKCS#11
 * HSM, and a key in a key vault that is not this Vigil (src/keys/keyvault-protector.ts). The fourth mode, plain key files in the data folder, is not a protector: it is chosen only
 * with the explicit `--insecure-dev-keys`, and Vigil warns about it loudly at every start.
 *
 * Which protector a data folder uses is recorded in `keys/protector.json` (its parameters — salt and
 * argon2id costs, or HSM token and key label — and a sealed check value, which tells a wrong
 * passphrase or HSM key apart from an altered wrapped key). A start never falls back from a
 * protector to plain files: when the configured root of trust is missing or wrong, Vigil refuses to
 * start and names what to provide.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

export type ProtectorKind = 'passphrase' | 'pkcs11' | 'keyvault';

export interface KeyProtector {
  readonly kind: ProtectorKind;
  /** A short description for messages (no secret in it). */
  readonly description: string;
  /** The parameters to record in protector.json (no secret in them). */
  readonly params: Record<string, unknown>;
  /** Seals `plaintext` bound to `context` (authenticated). */
  seal(plaintext: Buffer, context: string): Buffer;
  /** Opens what `seal` produced with the same `context`; throws SealError if it fails authentication. */
  open(sealed: Buffer, context: string, what: string): Buffer;
  /** Releases the protector (logs out of the HSM). The server closes it once its keys are loaded. */
  close(): void;
}

/** A sealed value failed authentication: altered, or sealed by another passphrase or HSM key. */
export class SealError extends Error {}

/** The root of trust is missing, wrong or not configured: Vigil refuses to start. The message names what to provide. */
export class RootOfTrustError extends Error {}

/** How the operator configured the root of trust (the `serve` options and their environment variables). */
export interface KeyProtectionOptions {
  /** Plain key files in the data folder: development only. */
  insecureDevKeys?: boolean;
  /** File holding the passphrase (its first line); the passphrase may also come from VIGIL_MASTER_PASSPHRASE. */
  masterPassphraseFile?: string;
  pkcs11Module?: string;
  pkcs11TokenLabel?: string;
  pkcs11Slot?: string;
  /** File holding the user PIN (its first line); the PIN may also come from VIGIL_PKCS11_PIN. */
  pkcs11PinFile?: string;
  pkcs11KeyLabel?: string;
  /** A key in another key vault (Azure Key Vault or another Vigil): its id, and the service principal that may use it. */
  masterKeyVaultKey?: string;
  masterKeyVaultTenantId?: string;
  masterKeyVaultClientId?: string;
  /** File holding the principal's client secret (its first line); it may also come from VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET. */
  masterKeyVaultClientSecretFile?: string;
  /** The Entra authority issuing the principal's tokens (default Azure's login.microsoftonline.com). */
  masterKeyVaultAuthorityHost?: string;
  env?: NodeJS.ProcessEnv;
}

export const PASSPHRASE_ENV = 'VIGIL_MASTER_PASSPHRASE';
export const PIN_ENV = 'VIGIL_PKCS11_PIN';
export const VAULT_SECRET_ENV = 'VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET';
export const DEFAULT_PKCS11_KEY_LABEL = 'vigil-master-wrap';

/** What each kind of root of trust asks the operator for, for refusal messages. */
export const HOW_TO_PROVIDE: Record<ProtectorKind | 'any', string> = {
  passphrase: `the passphrase in ${PASSPHRASE_ENV} or in a file given with --master-passphrase-file (never on the command line)`,
  pkcs11: `the HSM: --pkcs11-module <path to the PKCS#11 library> with --pkcs11-token-label <label> (or --pkcs11-slot <id>), and its user PIN in ${PIN_ENV} or a file given with --pkcs11-pin-file`,
  keyvault: `the key vault key: --master-key-vault-key https://{vault}/keys/{name} with --master-key-vault-tenant-id and --master-key-vault-client-id, and the client secret in ${'VIGIL_MASTER_KEY_VAULT_CLIENT_SECRET'} or a file given with --master-key-vault-client-secret-file`,
  any:
    `a root of trust for the keys: a passphrase (${PASSPHRASE_ENV} or --master-passphrase-file), or a PKCS#11 HSM ` +
    `(--pkcs11-module, --pkcs11-token-label, PIN in ${PIN_ENV} or --pkcs11-pin-file); for development only, --insecure-dev-keys keeps the keys as plain files in the data folder`,
};

export const protectorFile = (dataDir: string) => join(dataDir, 'keys', 'protector.json');
/** The plain key files of the insecure mode (and of data folders from before #15). */
export const plainKeyFiles = (dataDir: string) =>
  ['storage-master.key', 'storage-master.next.key', 'token-signing.json', 'token-signing.retired.json'].map((f) => join(dataDir, 'keys', f)).filter((f) => existsSync(f));

export interface ProtectorRecord {
  kind: 'vigil-key-protector';
  version: 1;
  protector: ProtectorKind;
  params: Record<string, unknown>;
  /** CHECK_VALUE sealed under CHECK_CONTEXT: opens only with the right passphrase or HSM key. */
  check: string;
  createdAt: string;
}

const CHECK_CONTEXT = 'vigil-key-protector-check';
const CHECK_VALUE = Buffer.from('vigil: this root of trust opens this data folder');

export function readProtectorRecord(dataDir: string): ProtectorRecord | undefined {
  const path = protectorFile(dataDir);
  if (!existsSync(path)) return undefined;
  let r: Partial<ProtectorRecord>;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as Partial<ProtectorRecord>;
  } catch {
    throw new RootOfTrustError(`${path} is not valid JSON. Restore it from your backup: it says how the keys of this data folder are protected.`);
  }
  if (r.kind !== 'vigil-key-protector' || r.version !== 1 || (r.protector !== 'passphrase' && r.protector !== 'pkcs11' && r.protector !== 'keyvault') || typeof r.check !== 'string' || !r.params) {
    throw new RootOfTrustError(`${path} is not a Vigil key protector record. Restore it from your backup.`);
  }
  return r as ProtectorRecord;
}

export function writeProtectorRecord(dataDir: string, protector: KeyProtector): void {
  const record: ProtectorRecord = {
    kind: 'vigil-key-protector',
    version: 1,
    protector: protector.kind,
    params: protector.params,
    check: protector.seal(CHECK_VALUE, CHECK_CONTEXT).toString('base64'),
    createdAt: new Date().toISOString(),
  };
  writeFileAtomic(protectorFile(dataDir), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/** Whether `protector` is the one the data folder was set up with (the check value opens). */
export function checkProtector(dataDir: string, record: ProtectorRecord, protector: KeyProtector): boolean {
  try {
    return protector.open(Buffer.from(record.check, 'base64'), CHECK_CONTEXT, 'the protector check value').equals(CHECK_VALUE);
  } catch (err) {
    if (err instanceof SealError) return false;
    throw err;
  }
}

/** Reads a secret (passphrase, PIN) from the first line of a file that only its owner may read. */
export function readSecretFile(path: string, what: string): string {
  if (!existsSync(path)) throw new RootOfTrustError(`The ${what} file ${path} does not exist.`);
  if ((statSync(path).mode & 0o077) !== 0) throw new RootOfTrustError(`The ${what} file ${path} is readable by other users: run 'chmod 600 ${path}'.`);
  const text = readFileSync(path, 'utf8').split(/\r?\n/)[0] ?? '';
  if (!text) throw new RootOfTrustError(`The ${what} file ${path} is empty.`);
  return text;
}

/** Which root of trust the options ask for; undefined when none was given. */
export function configuredKind(o: KeyProtectionOptions): ProtectorKind | 'insecure' | undefined {
  const env = o.env ?? process.env;
  const chosen: (ProtectorKind | 'insecure')[] = [];
  if (o.insecureDevKeys) chosen.push('insecure');
  if (o.masterPassphraseFile || env[PASSPHRASE_ENV]) chosen.push('passphrase');
  if (o.pkcs11Module) chosen.push('pkcs11');
  if (o.masterKeyVaultKey) chosen.push('keyvault');
  if (chosen.length > 1) {
    throw new RootOfTrustError(
      `Choose one root of trust for the keys, not several (${chosen.map((c) => (c === 'insecure' ? '--insecure-dev-keys' : c === 'passphrase' ? `a passphrase (${PASSPHRASE_ENV} or --master-passphrase-file)` : c === 'pkcs11' ? '--pkcs11-module' : '--master-key-vault-key')).join(' and ')}).`,
    );
  }
  return chosen[0];
}
