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
 */
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createFileExclusive, ensurePrivateDir, readIfExists, tightenMode } from './secure-files.js';
import { RootOfTrustError, SealError, type KeyProtector } from '../keys/protector.js';

export const SIGNING_KEY_FILE = 'token-signing.json';
export const SEALED_SIGNING_KEY_FILE = 'token-signing.sealed.json';
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
  /** The verification key for `kid`, or undefined when `kid` is not one of Vigil's keys. */
  verificationKey(kid: string): CryptoKey | undefined;
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

async function newStoredKey(): Promise<StoredKeyFile> {
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
export async function loadOrCreateSigningKeys(keysDir: string, protector?: KeyProtector): Promise<SigningKeys> {
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
