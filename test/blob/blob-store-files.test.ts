/**
 * The blob store's files: a write torn by a crash (record on disk, index not updated) is never read
 * and is cut by the next append; an index edited outside Vigil, or a record altered on disk, is refused.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BlobStore } from '../../src/blob/blob-store.js';
import { loadMasterKeys } from '../../src/keys/master-key.js';

describe('blob store files', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function fresh() {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-blob-'));
    dirs.push(dataDir);
    const master = await loadMasterKeys(dataDir, { create: true });
    const store = BlobStore.open(dataDir, master);
    await store.putAccount({ name: 'acct', subscriptionId: 's', resourceGroup: 'rg', location: 'local', kind: 'StorageV2', sku: 'Standard_LRS' });
    await store.createContainer('acct', 'logs');
    await store.putBlob('acct', 'logs', 'a.json', { type: 'AppendBlob', data: Buffer.alloc(0) });
    await store.appendBlock('acct', 'logs', 'a.json', Buffer.from('one\n'));
    const dataFile = join(dataDir, 'blobstore', 'accounts', 'acct', 'data', store.blob('acct', 'logs', 'a.json')!.file);
    return { dataDir, master, store, dataFile };
  }

  it('ignores a torn tail and cuts it on the next append', async () => {
    const { dataDir, master, dataFile } = await fresh();
    // A crash after the record reached the disk but before the index did.
    appendFileSync(dataFile, Buffer.from('garbage that is not a committed record'));
    const reopened = BlobStore.open(dataDir, master);
    assert.equal(reopened.readBlob('acct', 'logs', 'a.json').toString(), 'one\n');
    await reopened.appendBlock('acct', 'logs', 'a.json', Buffer.from('two\n'));
    assert.equal(reopened.readBlob('acct', 'logs', 'a.json').toString(), 'one\ntwo\n');
    assert.equal(BlobStore.open(dataDir, master).readBlob('acct', 'logs', 'a.json').toString(), 'one\ntwo\n');
  });

  it('refuses an index edited outside Vigil (e.g. a policy removed)', async () => {
    const { dataDir, master, store } = await fresh();
    await store.putPolicy('acct', 'logs', { periodDays: 30 }, undefined, { objectId: 'o', tenantId: 't' });
    const path = join(dataDir, 'blobstore', 'accounts', 'acct', 'index.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as { account: string };
    const account = JSON.parse(file.account) as { containers: Record<string, { policy?: unknown }> };
    delete account.containers.logs!.policy;
    file.account = JSON.stringify(account);
    writeFileSync(path, JSON.stringify(file));
    assert.throws(() => BlobStore.open(dataDir, master), /failed authentication/);
  });

  it('refuses a record altered on disk', async () => {
    const { dataDir, master, dataFile } = await fresh();
    const bytes = readFileSync(dataFile);
    bytes[bytes.length - 20] ^= 0x01;
    writeFileSync(dataFile, bytes);
    assert.throws(() => BlobStore.open(dataDir, master).readBlob('acct', 'logs', 'a.json'), /failed authentication/);
    assert.ok(readdirSync(join(dataDir, 'blobstore')).includes('keyring.json'));
  });
});
