/** Client secrets: generated like Entra ID's, stored only as argon2id hashes. */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** RFC 3986 unreserved characters: safe in URLs, form bodies and shells without quoting issues. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const ALNUM = ALPHABET.slice(0, 62);

/**
 * Argon2id parameters: OWASP's minimum profile (19 MiB, 2 passes, 1 lane). Secrets are random
 * (≈ 220 bits), so the hash only has to make an offline attack on a stolen database pointless;
 * these settings verify in ~15 ms on a 2-core box. The parameters travel in the PHC string, so
 * they can be raised later without breaking existing hashes.
 */
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Uniform random characters from `alphabet` (rejection sampling: no modulo bias). */
function randomChars(alphabet: string, n: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === n) break;
    }
  }
  return out;
}

/**
 * A new client secret shaped like Entra ID's: 40 characters, a 3-character hint, the `8Q~`
 * marker, then 34 random characters (e.g. `aB38Q~…`). The hint may be shown later to
 * identify a secret; the remaining 34 characters alone carry ≈ 205 bits of entropy.
 */
export function generateClientSecret(): string {
  return `${randomChars(ALNUM, 3)}8Q~${randomChars(ALPHABET, 34)}`;
}

/** The first characters of a secret, safe to display (Entra calls it `hint`). */
export function secretHint(secret: string): string {
  return secret.slice(0, 3);
}

/** Hashes a secret for storage (PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2_OPTIONS);
}

/** True if `secret` matches `storedHash`. A malformed hash counts as a mismatch, never an exception. */
export async function verifySecret(secret: string, storedHash: string): Promise<boolean> {
  try {
    return await verify(storedHash, secret);
  } catch {
    return false;
  }
}
