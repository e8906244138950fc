/**
 * Sealing under a key-encryption key held in memory: AES-256-GCM, nonce ‖ ciphertext ‖ tag, bound to a
 * context. The protectors whose secret yields such a key (a passphrase through argon2id, a key a key vault
 * unwraps) share it; a PKCS#11 HSM seals inside the token instead.
 */
import { AuthenticationError, NONCE_BYTES, TAG_BYTES, decrypt, encrypt } from './crypto.js';
import { SealError, type KeyProtector } from './protector.js';

export function kekSealing(kek: Buffer): Pick<KeyProtector, 'seal' | 'open' | 'close'> {
  return {
    seal(plaintext, context) {
      const { nonce, ciphertext, tag } = encrypt(kek, plaintext, Buffer.from(context));
      return Buffer.concat([nonce, ciphertext, tag]);
    },
    open(sealed, context, what) {
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new SealError(`${what} is truncated`);
      try {
        return decrypt(kek, sealed.subarray(0, NONCE_BYTES), sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES), sealed.subarray(sealed.length - TAG_BYTES), Buffer.from(context), what);
      } catch (err) {
        if (err instanceof AuthenticationError) throw new SealError(err.message);
        throw err;
      }
    },
    close() {
      kek.fill(0);
    },
  };
}
