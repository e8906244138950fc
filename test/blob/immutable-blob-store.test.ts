/**
 * Issue #17, Vigil's immutable blob store, driven as a user drives Azure Storage: storage accounts and
 * container immutability through `@azure/arm-storage`, the data plane through `@azure/storage-blob`
 * (path-style endpoint `https://127.0.0.1:{port}/{account}`, bearer tokens), against a real Vigil
 * process. Every immutability rule is tried by the subscription's Owner who also holds Storage Blob
 * Data Owner — the most powerful caller there is — and must fail with Azure's 409 codes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageManagementClient } from '@azure/arm-storage';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { sdkClients } from '../support/clients.js';
import { Principals } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';

const ACCOUNT = 'vigilworm';
const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

async function rejectsWith(p: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(p, (err: any) => {
    // A HEAD (getProperties) error has no body: the SDK gives the x-ms-error-code header as details.errorCode.
    const got = err.code ?? err.details?.errorCode;
    assert.equal(err.statusCode, status, `expected ${status} ${code}, got ${err.statusCode} ${got}: ${err.message}`);
    assert.equal(got, code);
    return true;
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('immutable blob store (Microsoft.Storage + Blob API)', () => {
  let vigil: VigilProcess;
  let arm: StorageManagementClient;
  let service: BlobServiceClient;
  let rg: string;
  let accountId: string;
  let principals: Principals;

  const start = async (dataDir?: string) => {
    vigil = await startVigil(dataDir ? { dataDir } : {});
    const b = vigil.bootstrap;
    const { credential } = sdkClients(b);
    arm = new StorageManagementClient(credential, b.subscriptionId, { endpoint: b.endpoint });
    service = new BlobServiceClient(`${b.endpoint}/${ACCOUNT}`, credential);
    principals = new Principals(b);
  };

  before(async () => {
    await start();
    rg = vigil.bootstrap.resourceGroup;
    const account = await arm.storageAccounts.create(rg, ACCOUNT, { location: 'local', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    accountId = account.id!;
    // The bootstrap admin is Owner (control plane); data access needs a data role, as in Azure.
    const admin = vigil.bootstrap;
    const adminObjectId = JSON.parse(Buffer.from((await sdkClients(admin).credential.getToken('https://storage.azure.com/.default'))!.token.split('.')[1]!, 'base64url').toString()).oid;
    await principals.assign(adminObjectId, 'Storage Blob Data Owner', accountId);
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('creates, reads and lists storage accounts through ARM', async () => {
    const a = await arm.storageAccounts.getProperties(rg, ACCOUNT);
    assert.equal(a.name, ACCOUNT);
    assert.equal(a.kind, 'StorageV2');
    assert.equal(a.primaryEndpoints?.blob, `${vigil.endpoint}/${ACCOUNT}/`);
    const listed = [];
    for await (const x of arm.storageAccounts.listByResourceGroup(rg)) listed.push(x.name);
    assert.deepEqual(listed, [ACCOUNT]);
    await assert.rejects(arm.storageAccounts.create(rg, 'Bad_Name', { location: 'local', kind: 'StorageV2', sku: { name: 'Standard_LRS' } }), (e: any) => e.statusCode === 400);
  });

  it('serves containers, block blobs and append blobs to @azure/storage-blob', async () => {
    const c = service.getContainerClient('plain');
    await c.create();
    await rejectsWith(c.create(), 409, 'ContainerAlreadyExists');
    const block = c.getBlockBlobClient('dir/one.txt');
    await block.upload('hello world', 11, { blobHTTPHeaders: { blobContentType: 'text/plain' }, metadata: { origin: 'test' } });
    assert.equal((await block.downloadToBuffer()).toString(), 'hello world');
    const props = await block.getProperties();
    assert.equal(props.contentLength, 11);
    assert.equal(props.contentType, 'text/plain');
    assert.equal(props.blobType, 'BlockBlob');
    assert.equal(props.metadata?.origin, 'test');
    assert.equal((await block.download(6, 5)).contentLength, 5);

    const append = c.getAppendBlobClient('dir/log.json');
    await append.create();
    for (const line of ['{"a":1}\n', '{"a":2}\n', '{"a":3}\n']) await append.appendBlock(line, line.length);
    assert.equal((await append.downloadToBuffer()).toString(), '{"a":1}\n{"a":2}\n{"a":3}\n');
    assert.equal((await append.getProperties()).blobCommittedBlockCount, 3);
    await rejectsWith(append.appendBlock('x', 1, { conditions: { appendPosition: 3 } }), 412, 'AppendPositionConditionNotMet');
    await rejectsWith(c.getAppendBlobClient('dir/log.json').create({ conditions: { ifNoneMatch: '*' } }), 409, 'BlobAlreadyExists');

    const names: string[] = [];
    for await (const b of c.listBlobsFlat()) names.push(`${b.name}:${b.properties.blobType}:${b.properties.contentLength}`);
    assert.deepEqual(names, ['dir/log.json:AppendBlob:24', 'dir/one.txt:BlockBlob:11']);
    const containers: string[] = [];
    for await (const x of service.listContainers()) containers.push(x.name);
    assert.ok(containers.includes('plain'));

    // Without a policy or a hold, blobs and containers can be deleted.
    await block.delete();
    await rejectsWith(block.getProperties(), 404, 'BlobNotFound');
    await c.delete();
    await rejectsWith(c.getProperties(), 404, 'ContainerNotFound');
  });

  it('authorizes every data operation through role assignments', async () => {
    const c = service.getContainerClient('authz');
    await c.create();
    await c.getBlockBlobClient('x.txt').upload('secret', 6);
    const reader = await principals.create('blob-reader');
    const ownerOnly = await principals.create('arm-reader');
    await principals.assign(reader.objectId, 'Storage Blob Data Reader', accountId);
    await principals.assign(ownerOnly.objectId, 'Reader', accountId);
    const asReader = new BlobServiceClient(`${vigil.endpoint}/${ACCOUNT}`, reader.credential).getContainerClient('authz');
    const asArmReader = new BlobServiceClient(`${vigil.endpoint}/${ACCOUNT}`, ownerOnly.credential).getContainerClient('authz');
    assert.equal((await asReader.getBlockBlobClient('x.txt').downloadToBuffer()).toString(), 'secret');
    await rejectsWith(asReader.getBlockBlobClient('y.txt').upload('no', 2), 403, 'AuthorizationPermissionMismatch');
    await rejectsWith(asReader.getBlockBlobClient('x.txt').delete(), 403, 'AuthorizationPermissionMismatch');
    // Reader on the account (a control-plane role) does not read data.
    await rejectsWith(asArmReader.getBlockBlobClient('x.txt').downloadToBuffer(), 403, 'AuthorizationPermissionMismatch');
    // No token at all.
    const anon = await fetch(`${vigil.endpoint}/${ACCOUNT}/authz/x.txt`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('x-ms-error-code'), 'NoAuthenticationInformation');
    assert.match(await anon.text(), /<Error><Code>NoAuthenticationInformation<\/Code>/);
  });

  it('a time-based retention policy protects blobs from the Owner: no delete, no overwrite, appends only if allowed', async () => {
    const name = 'am-laquerylogs';
    await arm.blobContainers.create(rg, ACCOUNT, name, {});
    const c = service.getContainerClient(name);
    const log = c.getAppendBlobClient('y=2026/PT05M.json');
    await log.create();
    await log.appendBlock('{"n":1}\n', 8);
    const block = c.getBlockBlobClient('fixed.txt');
    await block.upload('v1', 2);

    const policy = await arm.blobContainers.createOrUpdateImmutabilityPolicy(rg, ACCOUNT, name, {
      parameters: { immutabilityPeriodSinceCreationInDays: 7, allowProtectedAppendWrites: true },
    });
    assert.equal(policy.state, 'Unlocked');
    assert.ok(policy.etag);

    // Unlocked policies are already enforced.
    await rejectsWith(block.delete(), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(block.upload('v2', 2), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(block.setMetadata({ x: 'y' }), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(log.delete(), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(log.create(), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(c.delete(), 409, 'ContainerImmutabilityPolicyFailure');
    await rejectsWith(arm.blobContainers.delete(rg, ACCOUNT, name), 409, 'ContainerImmutabilityPolicyFailure');
    await rejectsWith(arm.storageAccounts.delete(rg, ACCOUNT), 409, 'ContainerImmutabilityPolicyFailure');
    // New blobs can be created; protected appends go through.
    await c.getBlockBlobClient('new.txt').upload('new', 3);
    await log.appendBlock('{"n":2}\n', 8);
    assert.equal((await log.downloadToBuffer()).toString(), '{"n":1}\n{"n":2}\n');

    // Lock: the ETag is required and must match.
    await rejectsWith(arm.blobContainers.lockImmutabilityPolicy(rg, ACCOUNT, name, '"0x8DWRONG"'), 412, 'ConditionNotMet');
    const current = await arm.blobContainers.getImmutabilityPolicy(rg, ACCOUNT, name);
    const locked = await arm.blobContainers.lockImmutabilityPolicy(rg, ACCOUNT, name, current.etag!);
    assert.equal(locked.state, 'Locked');
    await rejectsWith(arm.blobContainers.lockImmutabilityPolicy(rg, ACCOUNT, name, locked.etag!), 409, 'ContainerImmutabilityPolicyFailure');
    // A locked policy cannot be changed by PUT, deleted, shortened, or have its append setting changed.
    await rejectsWith(
      arm.blobContainers.createOrUpdateImmutabilityPolicy(rg, ACCOUNT, name, { parameters: { immutabilityPeriodSinceCreationInDays: 1 }, ifMatch: locked.etag }),
      409,
      'ContainerImmutabilityPolicyFailure',
    );
    await rejectsWith(arm.blobContainers.deleteImmutabilityPolicy(rg, ACCOUNT, name, locked.etag!), 409, 'ContainerImmutabilityPolicyFailure');
    await rejectsWith(
      arm.blobContainers.extendImmutabilityPolicy(rg, ACCOUNT, name, locked.etag!, { parameters: { immutabilityPeriodSinceCreationInDays: 3 } }),
      400,
      'InvalidImmutabilityPolicyPeriod',
    );
    await rejectsWith(
      arm.blobContainers.extendImmutabilityPolicy(rg, ACCOUNT, name, locked.etag!, { parameters: { immutabilityPeriodSinceCreationInDays: 9, allowProtectedAppendWrites: false } }),
      400,
      'InvalidImmutabilityPolicy',
    );
    // Five extensions, then no more.
    let etag = locked.etag!;
    for (let i = 1; i <= 5; i++) {
      const p = await arm.blobContainers.extendImmutabilityPolicy(rg, ACCOUNT, name, etag, { parameters: { immutabilityPeriodSinceCreationInDays: 7 + i } });
      assert.equal(p.immutabilityPeriodSinceCreationInDays, 7 + i);
      etag = p.etag!;
    }
    await rejectsWith(
      arm.blobContainers.extendImmutabilityPolicy(rg, ACCOUNT, name, etag, { parameters: { immutabilityPeriodSinceCreationInDays: 100 } }),
      409,
      'ContainerImmutabilityPolicyFailure',
    );
    const container = await arm.blobContainers.get(rg, ACCOUNT, name);
    assert.equal(container.hasImmutabilityPolicy, true);
    assert.deepEqual(container.immutabilityPolicy?.updateHistory?.map((h) => h.update), ['put', 'lock', 'extend', 'extend', 'extend', 'extend', 'extend']);
    // Still protected, still appendable.
    await rejectsWith(block.delete(), 409, 'BlobImmutableDueToPolicy');
    await log.appendBlock('{"n":3}\n', 8);
    assert.equal((await c.getProperties()).hasImmutabilityPolicy, true);
  });

  it('without allowProtectedAppendWrites even appends are refused; an unlocked policy can be removed', async () => {
    const name = 'noappend';
    await arm.blobContainers.create(rg, ACCOUNT, name, {});
    const c = service.getContainerClient(name);
    const log = c.getAppendBlobClient('log.json');
    await log.create();
    const p = await arm.blobContainers.createOrUpdateImmutabilityPolicy(rg, ACCOUNT, name, { parameters: { immutabilityPeriodSinceCreationInDays: 1 } });
    await rejectsWith(log.appendBlock('x\n', 2), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(arm.blobContainers.deleteImmutabilityPolicy(rg, ACCOUNT, name, '"0x8DWRONG"'), 412, 'ConditionNotMet');
    await arm.blobContainers.deleteImmutabilityPolicy(rg, ACCOUNT, name, p.etag!);
    await log.appendBlock('x\n', 2);
    await log.delete();
    await c.delete();
  });

  it('legal holds with tags block deletes and overwrites until every tag is cleared', async () => {
    const name = 'held';
    await arm.blobContainers.create(rg, ACCOUNT, name, {});
    const c = service.getContainerClient(name);
    const blob = c.getBlockBlobClient('evidence.txt');
    await blob.upload('evidence', 8);
    const log = c.getAppendBlobClient('log.json');
    await log.create();
    const hold = await arm.blobContainers.setLegalHold(rg, ACCOUNT, name, { tags: ['Case2026', 'audit1'] });
    assert.equal(hold.hasLegalHold, true);
    assert.deepEqual(hold.tags, ['case2026', 'audit1']);
    await rejectsWith(blob.delete(), 409, 'BlobImmutableDueToLegalHold');
    await rejectsWith(blob.upload('changed', 7), 409, 'BlobImmutableDueToLegalHold');
    await rejectsWith(log.appendBlock('x\n', 2), 409, 'BlobImmutableDueToLegalHold');
    await rejectsWith(c.delete(), 409, 'ContainerImmutabilityPolicyFailure');
    // Appends under a hold only with allowProtectedAppendWritesAll.
    await arm.blobContainers.setLegalHold(rg, ACCOUNT, name, { tags: ['audit1'], allowProtectedAppendWritesAll: true });
    await log.appendBlock('x\n', 2);
    await rejectsWith(arm.blobContainers.setLegalHold(rg, ACCOUNT, name, { tags: ['no'] }), 400, 'InvalidLegalHoldTags');
    const partly = await arm.blobContainers.clearLegalHold(rg, ACCOUNT, name, { tags: ['audit1'] });
    assert.deepEqual(partly.tags, ['case2026']);
    await rejectsWith(blob.delete(), 409, 'BlobImmutableDueToLegalHold');
    const cleared = await arm.blobContainers.clearLegalHold(rg, ACCOUNT, name, { tags: ['case2026'] });
    assert.equal(cleared.hasLegalHold, false);
    await blob.delete();
  });

  it('stores blobs encrypted (files 0600) and keeps every rule across a restart', async () => {
    const c = service.getContainerClient('am-laquerylogs');
    const log = c.getAppendBlobClient('y=2026/PT05M.json');
    await log.appendBlock(`{"secret":"${MARKER}"}\n`, MARKER.length + 14);
    const before = (await log.downloadToBuffer()).toString();
    const root = join(vigil.dataDir, 'blobstore');
    const files = filesUnder(root);
    assert.ok(files.length > 3);
    for (const f of files) {
      assert.equal(statSync(f).mode & 0o077, 0, `${f} must be 0600`);
      const bytes = readFileSync(f);
      assert.equal(bytes.includes(Buffer.from(MARKER)), false, `${f} holds plaintext`);
      assert.equal(bytes.includes(Buffer.from('{"n":1}')), false, `${f} holds plaintext`);
    }
    const dataDir = vigil.dataDir;
    await vigil.stop();
    // Rotating the master key re-wraps the blob store's key too.
    const rotated = spawnSync(process.execPath, [CLI, 'rotate-master-key', '--data-dir', dataDir, '--insecure-dev-keys'], { encoding: 'utf8' });
    assert.equal(rotated.status, 0, rotated.stderr);
    await start(dataDir);
    const again = service.getContainerClient('am-laquerylogs');
    assert.equal((await again.getAppendBlobClient('y=2026/PT05M.json').downloadToBuffer()).toString(), before);
    const p = await arm.blobContainers.getImmutabilityPolicy(rg, ACCOUNT, 'am-laquerylogs');
    assert.equal(p.state, 'Locked');
    assert.equal(p.immutabilityPeriodSinceCreationInDays, 12);
    await rejectsWith(again.getBlockBlobClient('fixed.txt').delete(), 409, 'BlobImmutableDueToPolicy');
    await rejectsWith(arm.storageAccounts.delete(rg, ACCOUNT), 409, 'ContainerImmutabilityPolicyFailure');
  });
});
