/**
 * Vigil's key vaults as one service: the vault records (metadata), their keys (KeyStore), how a vault
 * is addressed, and the ONE access decision of the keys data plane. A vault is reached at
 * `https://{vault}.{dnsSuffix}:{port}` (default suffix `vault.localhost`): Key Vault identifies the
 * vault by host name, and `@azure/keyvault-keys` parses key ids as `{vault URL}/keys/{name}/{version}`
 * with nothing else in the path, so a path prefix cannot name the vault.
 */
import type { Caller } from '../authz/authorize.js';
import { isAllowed } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { KeyVaultRecord } from '../metadata/records.js';
import { KeyStore, KeyStoreError } from './key-store.js';

export const KEY_VAULT_TYPE = 'Microsoft.KeyVault/vaults';
export const DEFAULT_KEY_VAULT_DNS_SUFFIX = 'vault.localhost';
/** Azure's Key Vault token audience; Vigil also accepts `https://{dnsSuffix}` (the challenge's resource). */
export const KEY_VAULT_AZURE_AUDIENCE = 'https://vault.azure.net';

export const vaultResourceId = (v: Pick<KeyVaultRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/${KEY_VAULT_TYPE}/${v.name}`;

export class KeyVaultService {
  constructor(
    readonly metadata: MetadataStore,
    readonly keys: KeyStore,
    readonly dnsSuffix: string,
    private readonly publicBaseUrl: () => string,
  ) {}

  /** The token audiences the vault data plane accepts. */
  audiences(): string[] {
    return [KEY_VAULT_AZURE_AUDIENCE, `https://${this.dnsSuffix}`];
  }

  /** `https://{name}.{suffix}:{port}` (no trailing slash). */
  vaultUrl(name: string): string {
    const port = new URL(this.publicBaseUrl() || 'https://localhost').port;
    return `https://${name.toLowerCase()}.${this.dnsSuffix}${port ? `:${port}` : ''}`;
  }

  /** The vault a data-plane request's Host names, if it names one of ours (port ignored). */
  vaultNameOfHost(host: string | undefined): string | undefined {
    if (!host) return undefined;
    const hostname = host.replace(/:\d+$/, '').toLowerCase();
    const suffix = `.${this.dnsSuffix.toLowerCase()}`;
    if (!hostname.endsWith(suffix)) return undefined;
    const name = hostname.slice(0, -suffix.length);
    return /^[a-z0-9-]{3,24}$/.test(name) ? name : undefined;
  }

  /** A live (not soft-deleted) vault by name. */
  liveVault(name: string): KeyVaultRecord | undefined {
    const v = this.metadata.keyVaultByName(name);
    return v && !v.deletedAt ? v : undefined;
  }

  /** The vault a `keyVaultUri` (as a cluster names it) points to; undefined when it is not one of ours. */
  vaultNameOfUri(uri: string): string | undefined {
    try {
      return this.vaultNameOfHost(new URL(uri).host);
    } catch {
      return undefined;
    }
  }

  /**
   * The data plane's access decision: RBAC (`enableRbacAuthorization`; access policies are not
   * served, so a vault without RBAC authorization admits nobody) on the key's scope
   * `{vault id}/keys/{name}`, which an assignment on the vault, its resource group or subscription covers.
   */
  authorizeKey(vault: KeyVaultRecord, caller: Caller, dataAction: string, keyName?: string): void {
    const scope = keyName ? `${vaultResourceId(vault)}/keys/${keyName}` : vaultResourceId(vault);
    const action = `${KEY_VAULT_TYPE}/${dataAction}`;
    if (vault.enableRbacAuthorization && isAllowed(this.metadata, caller, action, scope, 'dataAction')) return;
    throw new KeyStoreError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${caller.appId};oid=${caller.objectId}\r\nAction: '${action}'\r\nResource: '${scope.toLowerCase()}'\r\nAssignment: (not found)\r\nDecisionReason: ${vault.enableRbacAuthorization ? "'DeniedWithNoValidRBAC'" : "'the vault uses access policies, which Vigil does not serve: set enableRbacAuthorization'"}\r\nVault: ${vault.name};location=${vault.location}`,
      'ForbiddenByRbac',
    );
  }

  /**
   * unwrapKey performed by a service on behalf of `principal` (a cluster's managed identity), with the
   * same checks as the data plane: the vault exists, the principal holds `keys/unwrap/action`, the
   * key version is enabled and valid.
   */
  unwrapAs(principal: Caller, keyVaultUri: string, keyName: string, version: string, alg: string, wrapped: Buffer): Buffer {
    const vault = this.vaultForService(keyVaultUri);
    this.authorizeKey(vault, principal, 'keys/unwrap/action', keyName);
    return this.keys.unwrap(vault.name, keyName, version, alg, wrapped).value;
  }

  /** wrapKey on behalf of `principal`; returns the version used (the current one when `version` is empty). */
  wrapAs(principal: Caller, keyVaultUri: string, keyName: string, version: string | undefined, alg: string, key: Buffer): { version: string; value: Buffer } {
    const vault = this.vaultForService(keyVaultUri);
    this.authorizeKey(vault, principal, 'keys/wrap/action', keyName);
    return this.keys.wrap(vault.name, keyName, version, alg, key);
  }

  private vaultForService(keyVaultUri: string): KeyVaultRecord {
    const name = this.vaultNameOfUri(keyVaultUri);
    const vault = name ? this.liveVault(name) : undefined;
    if (!vault) throw new KeyStoreError(404, 'VaultNotFound', `The key vault '${keyVaultUri}' does not exist or was deleted.`);
    return vault;
  }
}
