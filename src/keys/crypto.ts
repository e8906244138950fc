/** AES-256-GCM and HKDF helpers shared by the key hierarchy, the write-ahead log and the segments. */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** A wrapped 256-bit key: nonce ‖ ciphertext ‖ tag. */
export const WRAPPED_KEY_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;

/** Thrown when authenticated decryption fails: the data was altered, or the key is not the one it was sealed with. */
export class AuthenticationError extends Error {}

export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function encrypt(key: Buffer, plaintext: Uint8Array, aad: Uint8Array, nonce: Buffer = randomBytes(NONCE_BYTES)): { nonce: Buffer; ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = c.update(plaintext);
  const rest = c.final();
  // GCM is a stream mode: final() adds nothing, and a record's ciphertext need not be copied again.
  const ciphertext = rest.length === 0 ? body : Buffer.concat([body, rest]);
  return { nonce, ciphertext, tag: c.getAuthTag() };
}

export function decrypt(key: Buffer, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array, what: string): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw new AuthenticationError(`${what} failed authentication: it was altered, or it was sealed with another key`);
  }
}

/** Wraps `key` under `kek`, bound to `context` (the AAD). */
export function wrapKey(kek: Buffer, key: Buffer, context: string): Buffer {
  const { nonce, ciphertext, tag } = encrypt(kek, key, Buffer.from(context));
  return Buffer.concat([nonce, ciphertext, tag]);
}

export function unwrapKey(kek: Buffer, wrapped: Uint8Array, context: string, what: string): Buffer {
  if (wrapped.length !== WRAPPED_KEY_BYTES) throw new AuthenticationError(`${what}: the wrapped key has the wrong length`);
  return decrypt(kek, wrapped.subarray(0, NONCE_BYTES), wrapped.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES), wrapped.subarray(NONCE_BYTES + KEY_BYTES), Buffer.from(context), what);
}

/** A subkey of `key` for one purpose (HKDF-SHA-256). */
export function deriveKey(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from(purpose), KEY_BYTES));
}

export function hmacHex(key: Buffer, ...parts: (string | Uint8Array)[]): string {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
