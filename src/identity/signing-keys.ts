/**
 * The RSA key that signs Vigil's access tokens (RS256), kept in `<keysDir>/token-signing.json`.
 * Created on first start and reused afterwards, so tokens survive a restart.
 *
 * File format (0600, directory 0700):
 *   { "version": 1, "alg": "RS256", "kid": "<RFC 7638 thumbprint>", "createdAt": "<ISO>", "jwk": { <private RSA JWK> } }
 *
 * That plain file is the insecure development mode. With a root of trust (a KeyProtector: passphrase
 * or HSM) the private JWK is stored only sealed by it, in `<keysDir>/token-signing.sealed.json`:
 *   { "version": 1, "alg": "RS256", "kid": "…", "createdAt": "…", "protector": "passphrase|pkcs11", "sealed": "<base64>" }
 *
 * Rotation (`vigil rotate-signing-key`, src/keys/rotate-signing-key.ts) replaces the current key and
 * keeps the old one's PUBLIC key in the retired list — `token-signing.retired.sealed.json` (sealed by
 * the protector, so nobody who can only write the disk can slip in a verification key of their own)
 * or `token-signing.retired.json` in the insecure mode — until every token it signed has expired:
 * published in the JWKS and accepted, then dropped.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createFileExclusive, ensurePrivateDir, readIfExists, tightenMode } from './secure-files.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { RootOfTrustError, SealError, type KeyProtector } from '../keys/protector.js';

export const SIGNING_KEY_FILE = 'token-signing.json';
export const SEALED_SIGNING_KEY_FILE = 'token-signing.sealed.json';
export const RETIRED_SIGNING_KEYS_FILE = 'token-signing.retired.json';
export const SEALED_RETIRED_SIGNING_KEYS_FILE = 'token-signing.retired.sealed.json';
const RETIRED_CONTEXT = 'vigil-token-signing-retired-keys';
const sealContext = (kid: string) => `vigil-token-signing-key:${kid}`;
const ALG = 'RS256';
const MODULUS_BITS = 2048;

export interface PublicSigningJwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
  alg: 'RS256';
}

export interface Jwks {
  keys: PublicSigningJwk[];
}

export interface SigningKeys {
  /** Key id placed in every token header. */
  readonly kid: string;
  readonly alg: 'RS256';
  /** Non-extractable private key, for signing. */
  readonly privateKey: CryptoKey;
  /** Public key matching `kid`. */
  readonly publicKey: CryptoKey;
  /** The public keys as served at `/{tenant}/discovery/v2.0/keys`. */
  readonly jwks: Jwks;
  /** The verification key for `kid` (the current key, or a retired one until its tokens have expired), or undefined. */
  verificationKey(kid: string): CryptoKey | undefined;
}

/** A rotated-out key: only its public half, kept until every token it signed has expired. */
export interface RetiredSigningKey {
  kid: string;
  n: string;
  e: string;
  retiredAt: string;
  /** After this instant the key verifies nothing and is left out of the JWKS. */
  removeAfter: string;
}

export interface StoredKeyFile {
  version: 1;
  alg: 'RS256';
  kid: string;
  createdAt: string;
  jwk: JWK;
}

interface SealedKeyFile {
  version: 1;
  alg: 'RS256';
  kid: string;
  createdAt: string;
  protector: string;
  sealed: string;
}

export async function newStoredKey(): Promise<StoredKeyFile> {
  const { privateKey } = await generateKeyPair(ALG, { modulusLength: MODULUS_BITS, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { version: 1, alg: ALG, kid: await calculateJwkThumbprint(jwk, 'sha256'), createdAt: new Date().toISOString(), jwk };
}

/** The sealed form of a stored key (the private JWK sealed by `protector`, bound to the kid). */
export function sealSigningKey(stored: { version: 1; alg: 'RS256'; kid: string; createdAt: string; jwk: JWK }, protector: KeyProtector): string {
  const file: SealedKeyFile = { version: 1, alg: ALG, kid: stored.kid, createdAt: stored.createdAt, protector: protector.kind, sealed: protector.seal(Buffer.from(JSON.stringify(stored.jwk)), sealContext(stored.kid)).toString('base64') };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Opens a sealed key file; an altered file or a wrong protector is a RootOfTrustError naming the file. */
export function openSealedSigningKey(text: string, file: string, protector: KeyProtector): StoredKeyFile {
  let s: Partial<SealedKeyFile>;
  try {
    s = JSON.parse(text) as Partial<SealedKeyFile>;
  } catch {
    throw new RootOfTrustError(`The sealed token signing key ${file} is not valid JSON: it was altered. Restore it from a backup; deleting it creates a new key and invalidates every issued token.`);
  }
  if (s.version !== 1 || s.alg !== ALG || typeof s.kid !== 'string' || typeof s.sealed !== 'string') throw new RootOfTrustError(`${file} is not a sealed Vigil token signing key: restore it from a backup.`);
  let jwk: JWK;
  try {
    jwk = JSON.parse(protector.open(Buffer.from(s.sealed, 'base64'), sealContext(s.kid), `The sealed token signing key ${file}`).toString('utf8')) as JWK;
  } catch (err) {
    if (err instanceof SealError) throw new RootOfTrustError(`${err.message}. Restore ${file} from a backup; deleting it creates a new key and invalidates every issued token.`);
    throw err;
  }
  return parseStored(JSON.stringify({ version: 1, alg: ALG, kid: s.kid, createdAt: s.createdAt ?? '', jwk }), file);
}

/**
 * Loads the token-signing key from `keysDir`, creating it on first use: sealed by `protector`, or,
 * without one (the insecure development mode), as a plain file.
 */
export async function loadOrCreateSigningKeys(keysDir: string, protector?: KeyProtector, now: () => number = Date.now): Promise<SigningKeys> {
  const keys = await loadCurrentSigningKey(keysDir, protector);
  return withRetired(keys, readRetiredSigningKeys(keysDir, protector), now);
}

/** The retired keys of `keysDir` (opened with the protector when there is one); an altered list refuses. */
export function readRetiredSigningKeys(keysDir: string, protector?: KeyProtector): RetiredSigningKey[] {
  const file = path.join(keysDir, protector ? SEALED_RETIRED_SIGNING_KEYS_FILE : RETIRED_SIGNING_KEYS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const bad = (why: string) => new RootOfTrustError(`The retired token signing keys ${file} ${why}: restore the file from a backup, or delete it (tokens signed by rotated-out keys then stop working).`);
  try {
    const outer = JSON.parse(text) as { version?: number; keys?: RetiredSigningKey[]; sealed?: string };
    if (outer.version !== 1) throw bad('are not a Vigil retired-key list');
    const list = protector
      ? (JSON.parse(protector.open(Buffer.from(String(outer.sealed), 'base64'), RETIRED_CONTEXT, `The retired token signing keys ${file}`).toString('utf8')) as RetiredSigningKey[])
      : outer.keys;
    if (!Array.isArray(list) || list.some((k) => typeof k.kid !== 'string' || typeof k.n !== 'string' || typeof k.e !== 'string' || Number.isNaN(Date.parse(k.removeAfter)))) throw bad('are malformed');
    return list;
  } catch (err) {
    if (err instanceof RootOfTrustError) throw err;
    if (err instanceof SealError) throw bad(`do not open (${err.message})`);
    throw bad('are not valid JSON');
  }
}

/** Writes the retired list (sealed by the protector when there is one), atomically. */
export function writeRetiredSigningKeys(keysDir: string, list: RetiredSigningKey[], protector?: KeyProtector): void {
  const body = protector
    ? { version: 1, protector: protector.kind, sealed: protector.seal(Buffer.from(JSON.stringify(list)), RETIRED_CONTEXT).toString('base64') }
    : { version: 1, keys: list };
  writeFileAtomic(path.join(keysDir, protector ? SEALED_RETIRED_SIGNING_KEYS_FILE : RETIRED_SIGNING_KEYS_FILE), `${JSON.stringify(body, null, 2)}\n`, 0o600);
}

/** Adds the retired keys to the current one: in the JWKS and for verification, each until its `removeAfter`. */
async function withRetired(current: SigningKeys, retired: RetiredSigningKey[], now: () => number): Promise<SigningKeys> {
  const live = retired.filter((k) => k.kid !== current.kid);
  const verifiers = new Map<string, { key: CryptoKey; until: number; jwk: PublicSigningJwk }>();
  for (const k of live) {
    if ((await calculateJwkThumbprint({ kty: 'RSA', n: k.n, e: k.e }, 'sha256')) !== k.kid) throw new RootOfTrustError(`A retired token signing key (kid ${k.kid}) does not match its kid: the retired-key list was altered.`);
    verifiers.set(k.kid, {
      key: (await importJWK({ kty: 'RSA', n: k.n, e: k.e, alg: ALG }, ALG)) as CryptoKey,
      until: Date.parse(k.removeAfter),
      jwk: { kty: 'RSA', use: 'sig', kid: k.kid, n: k.n, e: k.e, alg: ALG },
    });
  }
  return {
    kid: current.kid,
    alg: current.alg,
    privateKey: current.privateKey,
    publicKey: current.publicKey,
    get jwks(): Jwks {
      const t = now();
      return { keys: [...current.jwks.keys, ...[...verifiers.values()].filter((v) => v.until > t).map((v) => v.jwk)] };
    },
    verificationKey: (kid) => {
      const own = current.verificationKey(kid);
      if (own) return own;
      const v = verifiers.get(kid);
      return v && v.until > now() ? v.key : undefined;
    },
  };
}

async function loadCurrentSigningKey(keysDir: string, protector?: KeyProtector): Promise<SigningKeys> {
  await ensurePrivateDir(keysDir);
  if (protector) {
    const sealedFile = path.join(keysDir, SEALED_SIGNING_KEY_FILE);
    let sealedText = await readIfExists(sealedFile);
    if (sealedText === undefined) {
      await createFileExclusive(sealedFile, sealSigningKey(await newStoredKey(), protector), 0o600);
      sealedText = await readIfExists(sealedFile);
      if (sealedText === undefined) throw new Error(`Token signing key ${sealedFile} disappeared while it was being created.`);
    }
    await tightenMode(sealedFile, 0o600);
    return fromStored(openSealedSigningKey(sealedText, sealedFile, protector), sealedFile);
  }
  const file = path.join(keysDir, SIGNING_KEY_FILE);

  let text = await readIfExists(file);
  if (text === undefined) {
    const stored = await newStoredKey();
    // If another process created the file meanwhile, its key wins and we load it below.
    await createFileExclusive(file, JSON.stringify(stored, null, 2) + '\n', 0o600);
    text = await readIfExists(file);
    if (text === undefined) throw new Error(`Token signing key ${file} disappeared while it was being created.`);
  }
  await tightenMode(file, 0o600);
  return fromStored(parseStored(text, file), file);
}

export function parseStored(text: string, file: string): StoredKeyFile {
  const bad = (why: string) => new Error(`Token signing key file ${file} is invalid (${why}). Restore it from a backup; deleting it creates a new key and invalidates every issued token.`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const s = v as Partial<StoredKeyFile>;
  if (!s || typeof s !== 'object' || s.version !== 1) throw bad('unknown version');
  if (s.alg !== ALG) throw bad('algorithm is not RS256');
  if (typeof s.kid !== 'string' || !s.kid) throw bad('missing kid');
  const jwk = s.jwk;
  if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || typeof jwk.d !== 'string') throw bad('not an RSA private key');
  if (Buffer.from(jwk.n, 'base64url').length * 8 < MODULUS_BITS) throw bad('modulus shorter than 2048 bits');
  return s as StoredKeyFile;
}

async function fromStored(stored: StoredKeyFile, file: string): Promise<SigningKeys> {
  const { kty, n, e } = stored.jwk as { kty: 'RSA'; n: string; e: string };
  // The kid is the key's thumbprint: a mismatch means the file was edited by hand.
  if ((await calculateJwkThumbprint({ kty, n, e }, 'sha256')) !== stored.kid) {
    throw new Error(`Token signing key file ${file} is invalid (kid does not match the key).`);
  }
  const privateJwk: JWK = { ...stored.jwk, alg: ALG };
  delete privateJwk.key_ops;
  delete privateJwk.ext;
  const privateKey = (await importJWK(privateJwk, ALG, { extractable: false })) as CryptoKey;
  const publicKey = (await importJWK({ kty, n, e, alg: ALG }, ALG)) as CryptoKey;
  const publicJwk: PublicSigningJwk = { kty: 'RSA', use: 'sig', kid: stored.kid, n, e, alg: ALG };
  const jwks: Jwks = { keys: [publicJwk] };
  return {
    kid: stored.kid,
    alg: ALG,
    privateKey,
    publicKey,
    jwks,
    verificationKey: (kid) => (kid === stored.kid ? publicKey : undefined),
  };
}
