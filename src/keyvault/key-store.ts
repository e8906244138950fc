/**
 * The key material of Vigil's key vaults (`Microsoft.KeyVault/vaults`): RSA keys with versions,
 * attributes, soft delete and purge. One file per vault, `D/keyvault/vaults/{name}.json` (0600). A
 * key's private part is stored only sealed (AES-256-GCM, bound to vault, key name and version) under
 * the vault keyring key, which the storage master key — the root of trust — wraps
 * (`D/keyvault/keyring.json`, re-wrapped by `vigil rotate-master-key` with every other keyring).
 * Private material never leaves this module except as the result of an unwrap or decrypt, and is
 * never logged.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../util/atomic-file.js';
import { decrypt, encrypt, NONCE_BYTES, TAG_BYTES } from '../keys/crypto.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../keys/workspace-keys.js';

const generate = promisify(generateKeyPair);

export const keyVaultDir = (dataDir: string) => join(dataDir, 'keyvault');
/** The keyring id of the vault keyring (the context its key is wrapped under). */
export const KEY_VAULT_KEYRING_ID = 'vigil-key-vault';

export interface KeyVersionRecord {
  version: string;
  kty: 'RSA' | 'RSA-HSM';
  keySize: number;
  /** Public modulus and exponent, base64url. */
  n: string;
  e: string;
  keyOps: string[];
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  tags?: Record<string, string>;
  /** The private key (PKCS#8 DER), sealed: nonce ‖ ciphertext ‖ tag, base64. */
  sealed: string;
}

export interface KeyRecord {
  name: string;
  /** Oldest first; the last is the current version. */
  versions: KeyVersionRecord[];
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

interface VaultFile {
  kind: 'vigil-key-vault';
  vault: string;
  keys: Record<string, KeyRecord>;
}

/** Why a key operation failed, mapped by the data plane onto Key Vault's errors. */
export class KeyStoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message);
  }
}

export const WRAP_ALGORITHMS = ['RSA-OAEP', 'RSA-OAEP-256'] as const;
export type WrapAlgorithm = (typeof WRAP_ALGORITHMS)[number];

const now = () => Math.floor(Date.now() / 1000);
const b64url = (b: Buffer) => b.toString('base64url');
const sealContext = (vault: string, name: string, version: string) => Buffer.from(`vigil-key-vault-key:${vault.toLowerCase()}/${name.toLowerCase()}/${version}`);

export class KeyStore {
  private readonly sealKey: Buffer;

  private constructor(private readonly dir: string, sealKey: Buffer) {
    this.sealKey = sealKey;
  }

  /** Opens the key store under the master keys (creating the vault keyring on first use). */
  static open(dataDir: string, master: MasterKeys, create = true): KeyStore {
    const dir = keyVaultDir(dataDir);
    const keys = loadOrCreateWorkspaceKeys(dir, KEY_VAULT_KEYRING_ID, master, create);
    return new KeyStore(dir, keys.wrapKey);
  }

  private path(vault: string): string {
    return join(this.dir, 'vaults', `${vault.toLowerCase()}.json`);
  }

  private read(vault: string): VaultFile {
    const p = this.path(vault);
    if (!existsSync(p)) return { kind: 'vigil-key-vault', vault: vault.toLowerCase(), keys: {} };
    const f = JSON.parse(readFileSync(p, 'utf8')) as VaultFile;
    if (f.kind !== 'vigil-key-vault') throw new Error(`${p} is not a Vigil key vault file`);
    return f;
  }

  private write(f: VaultFile): void {
    writeFileAtomic(this.path(f.vault), JSON.stringify(f));
  }

  /** Removes a vault's keys for good (the vault was purged). */
  purgeVault(vault: string): void {
    rmSync(this.path(vault), { force: true });
  }

  /** Purges soft-deleted keys whose retention has run out. */
  private expire(f: VaultFile): boolean {
    let changed = false;
    for (const [k, rec] of Object.entries(f.keys)) {
      if (rec.deleted && rec.deleted.scheduledPurgeDate <= now()) {
        delete f.keys[k];
        changed = true;
      }
    }
    return changed;
  }

  private load(vault: string): VaultFile {
    const f = this.read(vault);
    if (this.expire(f)) this.write(f);
    return f;
  }

  /** A live key (not deleted); 404 KeyNotFound otherwise. */
  key(vault: string, name: string): KeyRecord {
    const rec = this.load(vault).keys[name.toLowerCase()];
    if (!rec || rec.deleted) throw keyNotFound(name);
    return rec;
  }

  keys(vault: string): KeyRecord[] {
    return Object.values(this.load(vault).keys).filter((k) => !k.deleted);
  }

  deletedKeys(vault: string): KeyRecord[] {
    return Object.values(this.load(vault).keys).filter((k) => k.deleted);
  }

  deletedKey(vault: string, name: string): KeyRecord {
    const rec = this.load(vault).keys[name.toLowerCase()];
    if (!rec?.deleted) throw new KeyStoreError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    return rec;
  }

  /** A version of a live key; '' or undefined is the current version. */
  version(vault: string, name: string, version?: string): KeyVersionRecord {
    const rec = this.key(vault, name);
    if (!version) return rec.versions[rec.versions.length - 1]!;
    const v = rec.versions.find((x) => x.version === version.toLowerCase());
    if (!v) throw keyNotFound(`${name}/${version}`);
    return v;
  }

  /** Creates a key, or a new version of an existing one (create on an existing name, and rotate). */
  async createVersion(
    vault: string,
    name: string,
    p: { kty: 'RSA' | 'RSA-HSM'; keySize: number; keyOps: string[]; enabled: boolean; nbf?: number; exp?: number; tags?: Record<string, string> },
  ): Promise<KeyVersionRecord> {
    const { publicKey, privateKey } = await generate('rsa', { modulusLength: p.keySize, publicExponent: 0x10001 });
    const jwk = publicKey.export({ format: 'jwk' });
    const version = randomBytes(16).toString('hex');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const { nonce, ciphertext, tag } = encrypt(this.sealKey, der, sealContext(vault, name, version));
    const t = now();
    const v: KeyVersionRecord = {
      version,
      kty: p.kty,
      keySize: p.keySize,
      n: jwk.n!,
      e: jwk.e!,
      keyOps: p.keyOps,
      enabled: p.enabled,
      ...(p.nbf !== undefined ? { nbf: p.nbf } : {}),
      ...(p.exp !== undefined ? { exp: p.exp } : {}),
      created: t,
      updated: t,
      ...(p.tags ? { tags: p.tags } : {}),
      sealed: Buffer.concat([nonce, ciphertext, tag]).toString('base64'),
    };
    const f = this.load(vault);
    const key = f.keys[name.toLowerCase()];
    if (key?.deleted) throw new KeyStoreError(409, 'Conflict', `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
    if (key) key.versions.push(v);
    else f.keys[name.toLowerCase()] = { name, versions: [v] };
    this.write(f);
    return v;
  }

  /** Changes a version's attributes and tags. */
  update(vault: string, name: string, version: string | undefined, change: { enabled?: boolean; nbf?: number; exp?: number; keyOps?: string[]; tags?: Record<string, string> }): KeyVersionRecord {
    const f = this.load(vault);
    const rec = f.keys[name.toLowerCase()];
    if (!rec || rec.deleted) throw keyNotFound(name);
    const v = version ? rec.versions.find((x) => x.version === version.toLowerCase()) : rec.versions[rec.versions.length - 1];
    if (!v) throw keyNotFound(`${name}/${version}`);
    if (change.enabled !== undefined) v.enabled = change.enabled;
    if (change.nbf !== undefined) v.nbf = change.nbf;
    if (change.exp !== undefined) v.exp = change.exp;
    if (change.keyOps !== undefined) v.keyOps = change.keyOps;
    if (change.tags !== undefined) v.tags = change.tags;
    v.updated = now();
    this.write(f);
    return v;
  }

  /** Soft-deletes a key (all its versions) for `retentionDays`. */
  softDelete(vault: string, name: string, retentionDays: number): KeyRecord {
    const f = this.load(vault);
    const rec = f.keys[name.toLowerCase()];
    if (!rec || rec.deleted) throw keyNotFound(name);
    const t = now();
    rec.deleted = { deletedDate: t, scheduledPurgeDate: t + retentionDays * 86400 };
    this.write(f);
    return rec;
  }

  recover(vault: string, name: string): KeyRecord {
    const f = this.load(vault);
    const rec = f.keys[name.toLowerCase()];
    if (!rec?.deleted) throw new KeyStoreError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    delete rec.deleted;
    this.write(f);
    return rec;
  }

  /** Purges a soft-deleted key. Purge protection refuses it until the retention period ends. */
  purge(vault: string, name: string, purgeProtection: boolean): void {
    const f = this.load(vault);
    const rec = f.keys[name.toLowerCase()];
    if (!rec?.deleted) throw new KeyStoreError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
    if (purgeProtection) {
      throw new KeyStoreError(
        403,
        'Forbidden',
        `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed (${new Date(rec.deleted.scheduledPurgeDate * 1000).toISOString()}).`,
        'PurgeProtectionEnabled',
      );
    }
    delete f.keys[name.toLowerCase()];
    this.write(f);
  }

  private usable(name: string, v: KeyVersionRecord, op: string): void {
    const t = now();
    if (!v.enabled) throw new KeyStoreError(403, 'Forbidden', `Operation ${op} is not allowed on a disabled key.`, 'KeyDisabled');
    if (v.nbf !== undefined && t < v.nbf) throw new KeyStoreError(403, 'Forbidden', `Operation ${op} is not allowed on a key that is not yet valid.`, 'KeyNotYetValid');
    if (v.exp !== undefined && t >= v.exp) throw new KeyStoreError(403, 'Forbidden', `Operation ${op} is not allowed on an expired key.`, 'KeyExpired');
    if (v.keyOps.length > 0 && !v.keyOps.includes(op)) throw new KeyStoreError(403, 'Forbidden', `Operation ${op} is not permitted on key ${name}: its key_ops are ${v.keyOps.join(', ')}.`, 'KeyOperationForbidden');
  }

  private publicKey(v: KeyVersionRecord): KeyObject {
    return createPublicKey({ key: { kty: 'RSA', n: v.n, e: v.e }, format: 'jwk' });
  }

  private privateKey(vault: string, name: string, v: KeyVersionRecord): KeyObject {
    const sealed = Buffer.from(v.sealed, 'base64');
    const der = decrypt(
      this.sealKey,
      sealed.subarray(0, NONCE_BYTES),
      sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES),
      sealed.subarray(sealed.length - TAG_BYTES),
      sealContext(vault, name, v.version),
      `The private part of key ${name}/${v.version} in vault ${vault}`,
    );
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }

  /** wrapKey / encrypt: RSA-OAEP (SHA-1) or RSA-OAEP-256 with the public key. */
  wrap(vault: string, name: string, version: string | undefined, alg: string, value: Buffer, op: 'wrapKey' | 'encrypt' = 'wrapKey'): { version: string; value: Buffer } {
    const v = this.version(vault, name, version);
    this.usable(name, v, op);
    const hash = oaepHash(alg);
    return { version: v.version, value: publicEncrypt({ key: this.publicKey(v), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, value) };
  }

  /** unwrapKey / decrypt with the private key. */
  unwrap(vault: string, name: string, version: string | undefined, alg: string, value: Buffer, op: 'unwrapKey' | 'decrypt' = 'unwrapKey'): { version: string; value: Buffer } {
    const v = this.version(vault, name, version);
    this.usable(name, v, op);
    const hash = oaepHash(alg);
    try {
      return { version: v.version, value: privateDecrypt({ key: this.privateKey(vault, name, v), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, value) };
    } catch {
      throw new KeyStoreError(400, 'BadParameter', `The value could not be unwrapped with key ${name}/${v.version} and algorithm ${alg}: it was not wrapped by this key version, or it was altered.`);
    }
  }

  /** Unwraps with the private key of a version even if it is disabled, for offline checks (`vigil verify`). */
  unwrapOffline(vault: string, name: string, version: string, alg: string, value: Buffer): Buffer {
    const f = this.read(vault);
    const v = f.keys[name.toLowerCase()]?.versions.find((x) => x.version === version);
    if (!v) throw keyNotFound(`${name}/${version}`);
    return privateDecrypt({ key: this.privateKey(vault, name, v), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(alg) }, value);
  }

  /** The JWK of a version (public parts only). */
  jwk(vaultUrl: string, name: string, v: KeyVersionRecord): Record<string, unknown> {
    return { kid: `${vaultUrl}/keys/${name}/${v.version}`, kty: v.kty, key_ops: v.keyOps, n: v.n, e: v.e };
  }
}

function oaepHash(alg: string): 'sha1' | 'sha256' {
  if (alg === 'RSA-OAEP') return 'sha1';
  if (alg === 'RSA-OAEP-256') return 'sha256';
  throw new KeyStoreError(400, 'BadParameter', `The algorithm '${alg}' is not supported by Vigil's key vault: use RSA-OAEP or RSA-OAEP-256.`);
}

function keyNotFound(name: string): KeyStoreError {
  return new KeyStoreError(404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`);
}

export const b64urlOf = b64url;
