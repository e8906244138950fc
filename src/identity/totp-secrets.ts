/**
 * Users' TOTP secrets at rest (issue 18): a TOTP secret must be readable to check a code, so it
 * cannot be hashed like a password; it is sealed (AES-256-GCM, bound to the user's object id) under
 * a key of its own keyring, `D/identity-secrets/keyring.json`, which the storage master key — the root
 * of trust — wraps and `vigil rotate-master-key` / `protect-keys` re-wrap with every other keyring.
 * `metadata.json` therefore holds `sealed:v1:…`, never the secret. Secrets written in the clear by an
 * earlier release are sealed when the server starts (`sealPlainSecrets`).
 */
import { join } from 'node:path';
import { decrypt, encrypt } from '../keys/crypto.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../keys/workspace-keys.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

const PREFIX = 'sealed:v1:';
const KEYRING_ID = 'vigil-identity-secrets';
const aad = (objectId: string) => Buffer.from(`vigil-totp-secret:${objectId.toLowerCase()}`);

export const identitySecretsDir = (dataDir: string) => join(dataDir, 'identity-secrets');

export class TotpSecretSeal {
  private constructor(private readonly key: Buffer) {}

  static open(dataDir: string, master: MasterKeys): TotpSecretSeal {
    return new TotpSecretSeal(loadOrCreateWorkspaceKeys(identitySecretsDir(dataDir), KEYRING_ID, master, true).wrapKey);
  }

  isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(objectId: string, secret: string): string {
    const { nonce, ciphertext, tag } = encrypt(this.key, Buffer.from(secret, 'utf8'), aad(objectId));
    return `${PREFIX}${nonce.toString('base64')}.${ciphertext.toString('base64')}.${tag.toString('base64')}`;
  }

  /** The secret of a stored value; one written in the clear (before sealing existed) as it is. */
  open(objectId: string, stored: string): string {
    if (!this.isSealed(stored)) return stored;
    const [nonce, ciphertext, tag] = stored.slice(PREFIX.length).split('.').map((p) => Buffer.from(p, 'base64'));
    return decrypt(this.key, nonce!, ciphertext!, tag!, aad(objectId), `the TOTP secret of user ${objectId}`).toString('utf8');
  }

  /** Seals every user's TOTP secret still stored in the clear; returns how many. */
  sealPlainSecrets(metadata: MetadataStore): number {
    const plain = metadata.users().filter((u) => !this.isSealed(u.totpSecret)).length;
    if (plain === 0) return 0;
    metadata.mutate((state) => {
      for (const u of state.users ?? []) if (!this.isSealed(u.totpSecret)) u.totpSecret = this.seal(u.objectId, u.totpSecret);
    });
    return plain;
  }
}
