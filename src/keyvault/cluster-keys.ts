/**
 * Customer-managed keys of dedicated clusters (`Microsoft.OperationalInsights/clusters` with
 * `keyVaultProperties`): linking a workspace wraps its workspace key under the cluster's key in a
 * Vigil key vault (RSA-OAEP-256, as the cluster's managed identity, which needs
 * `keys/wrap/action` and `keys/unwrap/action` — Key Vault Crypto Service Encryption User). From then
 * on, ingestion into and queries of the workspace go through `check()`: the vault must unwrap the
 * workspace key for the cluster's identity, and the result is trusted for `cacheMs` (the cached
 * unwrapped key's lifetime, `--cmk-key-cache-seconds`).
 *
 * Revocation — the key version disabled, expired or deleted, the identity's role removed, the vault
 * deleted — makes `check()` fail with 403 `CustomerManagedKeyInaccessible`: ingestion is refused
 * (nothing of the request is stored, so nothing is dropped silently) and queries fail. Changes made
 * through the vault's data plane (disable, delete, rotate) drop the cached result at once; a role
 * removal or vault deletion takes effect within `cacheMs`. Restoring access restores both.
 *
 * Rotation re-wraps only the workspace keys (never the data): with an empty `keyVersion` (automatic
 * rotation) each new key version is picked up when the vault rotates the key; with an explicit
 * version, when the cluster is updated to another version.
 */
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { Caller } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys, readCmkWrap, readWorkspaceKey, writeCmkWrap, type CmkWrap } from '../keys/workspace-keys.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ClusterRecord, WorkspaceRecord } from '../metadata/records.js';
import type { LogStore } from '../store/store.js';
import { KeyStoreError } from './key-store.js';
import type { KeyVaultService } from './service.js';

export const CLUSTER_TYPE = 'Microsoft.OperationalInsights/clusters';
export const DEFAULT_CMK_KEY_CACHE_SECONDS = 60;
const ALG = 'RSA-OAEP-256';

export const clusterResourceId = (c: Pick<ClusterRecord, 'subscriptionId' | 'resourceGroup' | 'name'>) =>
  `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/${CLUSTER_TYPE}/${c.name}`;

export interface ClusterKeysOptions {
  dataDir: string;
  metadata: MetadataStore;
  keyVaults: KeyVaultService;
  master: MasterKeys;
  /** How long a successful unwrap is trusted (ms). */
  cacheMs: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export class ClusterKeys {
  /** Workspace (customerId, lower case) → when the vault last unwrapped its key for the cluster. */
  private readonly verified = new Map<string, number>();
  /** Workspaces whose key was found inaccessible (logged once per episode). */
  private readonly refused = new Set<string>();

  constructor(private readonly o: ClusterKeysOptions) {}

  private dir(customerId: string): string {
    return join(this.o.dataDir, 'storage', customerId.toLowerCase());
  }

  /** The principal the vault sees when the cluster uses its key. */
  identityOf(cluster: ClusterRecord): Caller | undefined {
    const tenantId = this.o.metadata.tenantId;
    if (cluster.identity.type === 'SystemAssigned') return { objectId: cluster.identity.principalId, appId: cluster.identity.principalId, tenantId };
    if (cluster.identity.type === 'UserAssigned') {
      const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(cluster.identity.resourceId);
      const sub = /^\/subscriptions\/([^/]+)/i.exec(cluster.identity.resourceId)?.[1];
      const i = m && sub ? this.o.metadata.userAssignedIdentity(sub, m[1]!, m[2]!) : undefined;
      return i ? { objectId: i.principalId, appId: i.clientId, tenantId } : undefined;
    }
    return undefined;
  }

  /** A cluster by its ARM id. */
  clusterById(id: string): ClusterRecord | undefined {
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/clusters\/([^/]+)$/i.exec(id);
    return m ? this.o.metadata.cluster(m[1]!, m[2]!, m[3]!) : undefined;
  }

  linkedWorkspaces(cluster: ClusterRecord): WorkspaceRecord[] {
    const id = clusterResourceId(cluster).toLowerCase();
    return this.o.metadata.workspaces().filter((w) => w.clusterResourceId?.toLowerCase() === id);
  }

  /**
   * Checks a cluster's key before it is used (cluster update with keyVaultProperties): the vault and key
   * exist, the vault has soft delete and purge protection, and the identity can wrap and unwrap.
   * Returns the version wraps will use. Throws Azure's 400s.
   */
  validateKey(cluster: ClusterRecord, kvp: NonNullable<ClusterRecord['keyVaultProperties']>): string {
    const name = this.o.keyVaults.vaultNameOfUri(kvp.keyVaultUri);
    const vault = name ? this.o.keyVaults.liveVault(name) : undefined;
    if (!vault) throw new ApiError(400, 'InvalidParameter', `Failed to validate key in Key Vault: the key vault '${kvp.keyVaultUri}' is not a Vigil key vault (https://{vault}.${this.o.keyVaults.dnsSuffix}:{port}) or does not exist.`);
    if (!vault.enableSoftDelete || !vault.enablePurgeProtection) {
      throw new ApiError(400, 'InvalidParameter', `Key isn't recoverable: the key vault '${vault.name}' must have soft delete and purge protection enabled to hold a customer-managed key.`);
    }
    const identity = this.identityOf(cluster);
    if (!identity) throw new ApiError(400, 'InvalidParameter', 'Failed to validate key in Key Vault: the cluster has no managed identity; set identity.type to SystemAssigned or UserAssigned first.');
    try {
      const probe = Buffer.from('vigil cluster key validation');
      const w = this.o.keyVaults.wrapAs(identity, kvp.keyVaultUri, kvp.keyName, kvp.keyVersion || undefined, ALG, probe);
      const back = this.o.keyVaults.unwrapAs(identity, kvp.keyVaultUri, kvp.keyName, w.version, ALG, w.value);
      if (!back.equals(probe)) throw new Error('the key did not unwrap what it wrapped');
      return w.version;
    } catch (err) {
      const why = err instanceof KeyStoreError || err instanceof Error ? err.message.split('\r\n')[0] : String(err);
      throw new ApiError(400, 'InvalidParameter', `Failed to validate key in Key Vault: ${why} The cluster's identity needs the Key Vault Crypto Service Encryption User role on the key (or its vault).`);
    }
  }

  /** Wraps the workspace key under the cluster's key (the configured version, or the current one). */
  private wrapWorkspace(cluster: ClusterRecord, customerId: string): CmkWrap {
    const kvp = cluster.keyVaultProperties!;
    const identity = this.identityOf(cluster);
    if (!identity) throw inaccessible(cluster, customerId, 'the cluster has no managed identity');
    const key = readWorkspaceKey(this.dir(customerId), this.o.master);
    try {
      const w = this.o.keyVaults.wrapAs(identity, kvp.keyVaultUri, kvp.keyName, kvp.keyVersion || undefined, ALG, key);
      return { keyVaultUri: kvp.keyVaultUri, keyName: kvp.keyName, keyVersion: w.version, alg: ALG, wrapped: w.value.toString('base64'), wrappedAt: new Date().toISOString() };
    } catch (err) {
      if (err instanceof KeyStoreError) throw inaccessible(cluster, customerId, err.message.split('\r\n')[0]!);
      throw err;
    } finally {
      key.fill(0);
    }
  }

  /** Links a workspace: its key is wrapped under the cluster's key (when the cluster has one). */
  link(cluster: ClusterRecord, w: WorkspaceRecord): void {
    // The keyring exists once the storage engine opened the workspace; a table-less workspace gets it here.
    loadOrCreateWorkspaceKeys(this.dir(w.customerId), w.customerId.toLowerCase(), this.o.master);
    if (cluster.keyVaultProperties?.keyName) writeCmkWrap(this.dir(w.customerId), this.wrapWorkspace(cluster, w.customerId));
    this.forget(w.customerId);
  }

  /** Unlinking needs the key to be accessible (revoked access cannot be bypassed by unlinking). */
  unlink(w: WorkspaceRecord): void {
    if (readCmkWrap(this.dir(w.customerId))) this.check(w.customerId, true);
    writeCmkWrap(this.dir(w.customerId), undefined);
    this.forget(w.customerId);
  }

  /** Re-wraps every linked workspace's key under the cluster's current key settings (rotation, key change). */
  rewrapCluster(cluster: ClusterRecord): number {
    let n = 0;
    for (const w of this.linkedWorkspaces(cluster)) {
      if (cluster.keyVaultProperties?.keyName) writeCmkWrap(this.dir(w.customerId), this.wrapWorkspace(cluster, w.customerId));
      else writeCmkWrap(this.dir(w.customerId), undefined);
      this.forget(w.customerId);
      n++;
    }
    return n;
  }

  /**
   * A key of a vault changed through its data plane (enabled, disabled, rotated, deleted, recovered):
   * cached unwraps of the clusters using it are dropped, and clusters on automatic rotation re-wrap
   * under a new current version.
   */
  onKeyChanged(vaultName: string, keyName: string): void {
    for (const c of this.o.metadata.clusters()) {
      const kvp = c.keyVaultProperties;
      if (!kvp?.keyName || kvp.keyName.toLowerCase() !== keyName.toLowerCase() || this.o.keyVaults.vaultNameOfUri(kvp.keyVaultUri) !== vaultName.toLowerCase()) continue;
      for (const w of this.linkedWorkspaces(c)) this.forget(w.customerId);
      if (!kvp.keyVersion) this.followRotation(c);
    }
  }

  /** Automatic rotation: wraps under the key's current version when the wraps are on an older one. */
  private followRotation(c: ClusterRecord): void {
    const kvp = c.keyVaultProperties!;
    const vault = this.o.keyVaults.vaultNameOfUri(kvp.keyVaultUri);
    let current: string;
    try {
      current = this.o.keyVaults.keys.version(vault!, kvp.keyName).version;
    } catch {
      return; // deleted: check() reports it
    }
    for (const w of this.linkedWorkspaces(c)) {
      const wrap = readCmkWrap(this.dir(w.customerId));
      if (!wrap || wrap.keyVersion === current) continue;
      try {
        writeCmkWrap(this.dir(w.customerId), this.wrapWorkspace(c, w.customerId));
        this.o.log?.('info', `workspace ${w.customerId}: its key is now wrapped under ${kvp.keyName}/${current} (automatic rotation of cluster ${c.name}); no data was rewritten`);
      } catch (err) {
        this.o.log?.('warn', `workspace ${w.customerId}: re-wrapping under the rotated key ${kvp.keyName}/${current} failed (${(err as Error).message}); it stays wrapped under ${wrap.keyVersion}`);
      }
    }
  }

  private forget(customerId: string): void {
    this.verified.delete(customerId.toLowerCase());
  }

  /**
   * The gate in front of a linked workspace's data: throws 403 CustomerManagedKeyInaccessible unless
   * the vault unwrapped the workspace key for the cluster's identity within the cache lifetime.
   */
  check(customerId: string, force = false): void {
    const id = customerId.toLowerCase();
    const w = this.o.metadata.workspaceByCustomerId(id);
    if (!w?.clusterResourceId) return;
    const at = this.verified.get(id);
    if (!force && at !== undefined && Date.now() - at < this.o.cacheMs) return;
    const cluster = this.clusterById(w.clusterResourceId);
    const wrap = readCmkWrap(this.dir(id));
    if (!wrap) {
      if (cluster?.keyVaultProperties?.keyName) throw inaccessible(cluster, id, 'the workspace key is not wrapped under the cluster key');
      return; // linked to a cluster with Microsoft-managed keys
    }
    if (!cluster) throw inaccessible(undefined, id, `the cluster '${w.clusterResourceId}' no longer exists`);
    const identity = this.identityOf(cluster);
    try {
      if (!identity) throw new KeyStoreError(403, 'Forbidden', 'the cluster has no managed identity');
      const key = this.o.keyVaults.unwrapAs(identity, wrap.keyVaultUri, wrap.keyName, wrap.keyVersion, wrap.alg, Buffer.from(wrap.wrapped, 'base64'));
      const expected = readWorkspaceKey(this.dir(id), this.o.master);
      const same = key.length === expected.length && timingSafeEqual(key, expected);
      key.fill(0);
      expected.fill(0);
      if (!same) throw new KeyStoreError(403, 'Forbidden', 'the vault key does not unwrap this workspace key: the wrapped key was altered');
    } catch (err) {
      this.verified.delete(id);
      if (!(err instanceof KeyStoreError)) throw err;
      const e = inaccessible(cluster, id, err.message.split('\r\n')[0]!);
      if (!this.refused.has(id)) {
        this.refused.add(id);
        this.o.log?.('warn', e.message);
      }
      throw e;
    }
    if (this.refused.delete(id)) this.o.log?.('info', `workspace ${id}: the customer-managed key of cluster ${cluster.name} is accessible again; ingestion and queries resume`);
    this.verified.set(id, Date.now());
  }
}

function inaccessible(cluster: ClusterRecord | undefined, customerId: string, why: string): ApiError {
  const key = cluster?.keyVaultProperties ? `${cluster.keyVaultProperties.keyVaultUri.replace(/\/+$/, '')}/keys/${cluster.keyVaultProperties.keyName}` : 'its key';
  return new ApiError(
    403,
    'CustomerManagedKeyInaccessible',
    `The customer-managed key of workspace ${customerId}${cluster ? ` (cluster ${cluster.name}, key ${key})` : ''} is not accessible: ${why}. ` +
      'Ingestion into this workspace and queries of it are refused until access to the key is restored; nothing of this request was stored, and rows acknowledged before are kept.',
  );
}

/**
 * The log store as ingestion and queries see it: every append and query of a workspace linked to a
 * cluster with a customer-managed key passes ClusterKeys.check first. (Vigil's own audit writes, the
 * exporter and purge use the unwrapped store.)
 */
export function gatedStore(store: LogStore, keys: ClusterKeys): LogStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (workspaceId: string, ...rest: unknown[]) => {
          keys.check(workspaceId);
          return (target.append as (...a: unknown[]) => Promise<void>).call(target, workspaceId, ...rest);
        };
      }
      if (prop === 'query') {
        return async (sql: string, limits: { tables: { workspaceId: string }[] }) => {
          for (const id of new Set(limits.tables.map((t) => t.workspaceId.toLowerCase()))) keys.check(id);
          return (target.query as (...a: unknown[]) => Promise<unknown>).call(target, sql, limits);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
