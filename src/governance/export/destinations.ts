/**
 * Where a data export rule writes: a storage account of Vigil's own blob store, or a storage account
 * elsewhere that speaks the Azure Blob API (Azure Storage, Azurite, another Vigil), which the operator
 * maps to its ARM id in `D/export-destinations.json` (mode 0600: it holds credentials):
 *
 *   { "destinations": [
 *     { "resourceId": "/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/{name}",
 *       "blobEndpoint": "https://{name}.blob.core.windows.net",
 *       "sharedKey": { "accountName": "…", "accountKey": "…" } },
 *     { "resourceId": "…", "blobEndpoint": "https://other-vigil:8443/{name}",
 *       "clientSecret": { "tenantId": "…", "clientId": "…", "clientSecret": "…", "authorityHost": "https://…" } } ] }
 *
 * Both kinds are written the same way: create the container if needed, then per folder the current
 * append blob (`PT05M.json`, then `PT05M_1.json`, … once one holds 50,000 blocks) and Append Block.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import type { BlobStore } from '../../blob/blob-store.js';
import { parseStorageAccountId } from '../../blob/resource-ids.js';

/** What the exporter needs of a destination container. */
export interface ExportSink {
  ensureContainer(): Promise<void>;
  /** The blob's type and committed block count, or undefined if it does not exist. */
  blobInfo(name: string): Promise<{ type: string; blocks: number; size: number } | undefined>;
  /** Creates an empty append blob; an existing one is left alone. */
  createAppendBlob(name: string): Promise<void>;
  appendBlock(name: string, data: Buffer): Promise<void>;
}

export interface ExternalDestination {
  resourceId: string;
  blobEndpoint: string;
  sharedKey?: { accountName: string; accountKey: string };
  clientSecret?: { tenantId: string; clientId: string; clientSecret: string; authorityHost?: string };
}

/** Reads the operator's external destinations (none if the file is absent); refuses a file others can read. */
export function loadExternalDestinations(dataDir: string): ExternalDestination[] {
  const path = join(dataDir, 'export-destinations.json');
  if (!existsSync(path)) return [];
  if ((statSync(path).mode & 0o077) !== 0) throw new Error(`${path} holds credentials but others can read it: run 'chmod 600 ${path}'.`);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { destinations?: ExternalDestination[] };
  const list = parsed.destinations ?? [];
  for (const d of list) {
    if (!parseStorageAccountId(d.resourceId)) throw new Error(`${path}: '${d.resourceId}' is not a storage account resource id.`);
    if (!/^https:\/\//.test(d.blobEndpoint)) throw new Error(`${path}: the blob endpoint of '${d.resourceId}' must be an https:// URL.`);
    if (!d.sharedKey === !d.clientSecret) throw new Error(`${path}: give '${d.resourceId}' exactly one of sharedKey or clientSecret.`);
  }
  return list;
}

export class LocalSink implements ExportSink {
  constructor(
    private readonly blobs: BlobStore,
    private readonly account: string,
    private readonly container: string,
  ) {}

  async ensureContainer(): Promise<void> {
    await this.blobs.createContainer(this.account, this.container, {}, 'return');
  }

  async blobInfo(name: string) {
    const b = this.blobs.blob(this.account, this.container, name);
    return b ? { type: b.type, blocks: b.blocks, size: b.size } : undefined;
  }

  async createAppendBlob(name: string): Promise<void> {
    if (this.blobs.blob(this.account, this.container, name)) return;
    await this.blobs.putBlob(this.account, this.container, name, { type: 'AppendBlob', data: Buffer.alloc(0), contentType: 'application/json', ifNoneMatch: '*' });
  }

  async appendBlock(name: string, data: Buffer): Promise<void> {
    await this.blobs.appendBlock(this.account, this.container, name, data);
  }
}

export class RemoteSink implements ExportSink {
  private readonly client: ContainerClient;

  constructor(dest: ExternalDestination, container: string) {
    const credential = dest.sharedKey
      ? new StorageSharedKeyCredential(dest.sharedKey.accountName, dest.sharedKey.accountKey)
      : new ClientSecretCredential(dest.clientSecret!.tenantId, dest.clientSecret!.clientId, dest.clientSecret!.clientSecret, {
          authorityHost: dest.clientSecret!.authorityHost,
          disableInstanceDiscovery: dest.clientSecret!.authorityHost !== undefined,
        });
    this.client = new BlobServiceClient(dest.blobEndpoint.replace(/\/+$/, ''), credential).getContainerClient(container);
  }

  async ensureContainer(): Promise<void> {
    await this.client.createIfNotExists();
  }

  async blobInfo(name: string) {
    try {
      const p = await this.client.getBlobClient(name).getProperties();
      return { type: p.blobType ?? 'BlockBlob', blocks: p.blobCommittedBlockCount ?? 0, size: p.contentLength ?? 0 };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async createAppendBlob(name: string): Promise<void> {
    await this.client.getAppendBlobClient(name).createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  async appendBlock(name: string, data: Buffer): Promise<void> {
    await this.client.getAppendBlobClient(name).appendBlock(data, data.length);
  }
}


