/**
 * The key-vault protector: the root of trust is an RSA key in a key vault that is NOT this Vigil —
 * Azure Key Vault, or the key vault of another Vigil instance (both speak the keys data plane of
 * `@azure/keyvault-keys`) — used by a service principal (client id and secret) that needs only
 * `keys/wrap/action` and `keys/unwrap/action` on it (Key Vault Crypto Service Encryption User).
 *
 * Why another vault: this Vigil's own vaults keep their keys sealed under a keyring that the storage
 * master key wraps, so a master key sealed by one of them could only be opened with itself. The cycle
 * is broken by putting the root of trust in a vault whose keys do not depend on this data folder; the
 * server also needs the vault before it serves anything, so its own vaults could not answer anyway.
 *
 * How: a random 256-bit key-encryption key is wrapped by the vault key (RSA-OAEP-256) once, when the
 * protector is set up; protector.json records the key's versioned id and that wrap (neither is
 * secret). At every start (and for rotate-master-key, verify, …) the vault unwraps it; Vigil's keys
 * are then sealed and opened with it (AES-256-GCM, the context as AAD), like the passphrase's
 * argon2id key. The vault therefore sees one unwrap per start, and revoking the key (disabling it,
 * removing the principal's role, deleting it) makes the next start refuse, naming the key.
 */
import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { ClientSecretCredential } from '@azure/identity';
import { CryptographyClient } from '@azure/keyvault-keys';
import { kekSealing } from './kek-sealing.js';
import { RootOfTrustError, type KeyProtector } from './protector.js';

export interface KeyVaultProtectorOptions {
  /** `https://{vault}/keys/{name}` or `…/keys/{name}/{version}`. */
  keyId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The Entra authority (default Azure's); another Vigil's endpoint when its vault holds the key. */
  authorityHost?: string;
}

/** What protector.json records (nothing secret: the wrapped key opens only with the vault). */
export interface KeyVaultParams {
  /** The versioned key id the wrap was made with. */
  keyId: string;
  tenantId: string;
  clientId: string;
  authorityHost?: string;
  alg: 'RSA-OAEP-256';
  /** The key-encryption key, wrapped by the vault key (base64). */
  wrapped: string;
}

const ALG = 'RSA-OAEP-256';
const KEY_ID = /^https:\/\/([^/?#]+)\/keys\/([A-Za-z0-9-]{1,127})(?:\/([0-9a-f]{32}))?\/?$/i;

/** `*.localhost` is loopback (RFC 6761), also where the system resolver does not say so (plain glibc). */
const lookup: LookupFunction = (hostname, options, callback) => {
  if (!/(^|\.)localhost$/i.test(hostname)) return dnsLookup(hostname, options, callback as never);
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export function parseVaultKeyId(keyId: string): { vault: string; name: string; version?: string } {
  const m = KEY_ID.exec(keyId.trim());
  if (!m) throw new RootOfTrustError(`--master-key-vault-key '${keyId}' is not a key vault key id: give https://{vault}/keys/{name} (or …/{name}/{version}).`);
  return { vault: m[1]!.toLowerCase(), name: m[2]!, version: m[3] };
}

export async function keyVaultProtector(o: KeyVaultProtectorOptions, existing?: KeyVaultParams): Promise<KeyProtector> {
  const wanted = parseVaultKeyId(o.keyId);
  if (existing) {
    const had = parseVaultKeyId(existing.keyId);
    if (had.vault !== wanted.vault || had.name.toLowerCase() !== wanted.name.toLowerCase()) {
      throw new RootOfTrustError(`The keys of this data folder are sealed under the vault key ${existing.keyId}, not ${o.keyId}: give that key with --master-key-vault-key.`);
    }
  }
  const agent = new Agent({ lookup, keepAlive: false });
  const credential = new ClientSecretCredential(o.tenantId, o.clientId, o.clientSecret, {
    ...(o.authorityHost ? { authorityHost: o.authorityHost, disableInstanceDiscovery: true } : {}),
  });
  const keyId = existing?.keyId ?? o.keyId.trim().replace(/\/+$/, '');
  const client = new CryptographyClient(keyId, credential, { agent });
  const failed = (what: string, err: unknown) => {
    const e = err as { statusCode?: number; message?: string };
    return new RootOfTrustError(
      `The key vault key ${keyId} could not ${what} Vigil's key-encryption key${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}: ${(e.message ?? String(err)).split(/\r?\n/)[0]!.replace(/\.+$/, '')}. ` +
        `The service principal ${o.clientId} needs the Key Vault Crypto Service Encryption User role on the key, the key must be enabled, and the vault reachable.`,
    );
  };
  let kek: Buffer;
  let params: KeyVaultParams;
  if (existing) {
    try {
      kek = Buffer.from((await client.unwrapKey(ALG, Buffer.from(existing.wrapped, 'base64'))).result);
    } catch (err) {
      throw failed('unwrap', err);
    }
    params = existing;
  } else {
    kek = randomBytes(32);
    try {
      const w = await client.wrapKey(ALG, kek);
      params = { keyId: w.keyID ?? keyId, tenantId: o.tenantId, clientId: o.clientId, ...(o.authorityHost ? { authorityHost: o.authorityHost } : {}), alg: ALG, wrapped: Buffer.from(w.result).toString('base64') };
    } catch (err) {
      throw failed('wrap', err);
    }
  }
  agent.destroy();
  if (kek.length !== 32) throw new RootOfTrustError(`The key vault key ${keyId} unwrapped ${kek.length} bytes, not Vigil's 32-byte key-encryption key: protector.json was altered.`);
  return {
    kind: 'keyvault',
    description: `key vault key ${params.keyId}`,
    params: { keyVault: params },
    ...kekSealing(kek),
  };
}
