/**
 * Token-signing key rotation (`vigil rotate-signing-key`, with the server stopped): a new RS256 key
 * becomes the current one, sealed by the same root of trust; the old key's public half goes to the
 * retired list, so it stays in the JWKS and keeps verifying the tokens it signed until the longest
 * of them has expired (24 h, plus the verifier's clock tolerance), then it is dropped. After a
 * compromise, `revokeOld` drops the old key at once: every token it signed stops working.
 *
 * Order for an interrupted run: the retired list (with the old key) is written first, then the
 * current key is replaced. Stopping in between leaves the old key current and also listed as
 * retired, which changes nothing; running the command again rotates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  newStoredKey,
  openSealedSigningKey,
  parseStored,
  readRetiredSigningKeys,
  sealSigningKey,
  SEALED_SIGNING_KEY_FILE,
  SIGNING_KEY_FILE,
  writeRetiredSigningKeys,
  type RetiredSigningKey,
} from '../identity/signing-keys.js';
import { MAX_LIFETIME_SEC } from '../identity/token-issuer.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { RootOfTrustError, type KeyProtector } from './protector.js';

/** How long a rotated-out key stays: the longest token lifetime plus a margin above the verifier's clock tolerance. */
export const RETIRED_KEY_GRACE_MS = (MAX_LIFETIME_SEC + 5 * 60) * 1000;

export interface SigningKeyRotation {
  from: string;
  to: string;
  /** When the old key stops verifying (undefined when revoked at once). */
  oldKeyUntil?: string;
  /** Retired keys still published after this rotation. */
  retired: RetiredSigningKey[];
}

export async function rotateSigningKey(dataDir: string, protector: KeyProtector | undefined, o: { revokeOld?: boolean; now?: Date } = {}): Promise<SigningKeyRotation> {
  const keysDir = join(dataDir, 'keys');
  const file = join(keysDir, protector ? SEALED_SIGNING_KEY_FILE : SIGNING_KEY_FILE);
  if (!existsSync(file)) throw new RootOfTrustError(`${file} does not exist: there is no token signing key to rotate (start Vigil once to create it).`);
  const text = readFileSync(file, 'utf8');
  const old = protector ? openSealedSigningKey(text, file, protector) : parseStored(text, file);
  const now = o.now ?? new Date();
  const kept = readRetiredSigningKeys(keysDir, protector).filter((k) => Date.parse(k.removeAfter) > now.getTime() && k.kid !== old.kid);
  const { n, e } = old.jwk as { n: string; e: string };
  const oldKeyUntil = o.revokeOld ? undefined : new Date(now.getTime() + RETIRED_KEY_GRACE_MS).toISOString();
  const retired = oldKeyUntil ? [...kept, { kid: old.kid, n, e, retiredAt: now.toISOString(), removeAfter: oldKeyUntil }] : kept;
  writeRetiredSigningKeys(keysDir, retired, protector);
  const next = await newStoredKey();
  writeFileAtomic(file, protector ? sealSigningKey(next, protector) : `${JSON.stringify(next, null, 2)}\n`, 0o600);
  return { from: old.kid, to: next.kid, oldKeyUntil, retired };
}
