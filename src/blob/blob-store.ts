/**
 * Vigil's immutable blob store: storage accounts, containers, block and append blobs, with Azure's
 * container-level immutability (time-based retention policies, unlocked then locked, extended at
 * most five times; legal holds with tags; protected append writes).
 *
 * Every rule is enforced HERE, in the only code that can change or remove a blob, a container or an
 * account: the data plane, the ARM routes and anything else in Vigil go through these methods, and no
 * method has a flag that skips a check. A caller's roles decide whether it may ask; immutability
 * decides whether the answer can be yes — for the account's Owner as for anyone.
 *
 * At rest (folder `D/blobstore/`, files 0600, folders 0700):
 *   - `keyring.json` — the store's key, wrapped by the storage master key (re-wrapped by
 *     `vigil rotate-master-key`); HKDF subkeys wrap each blob's data key and key the index MACs;
 *   - `accounts/{name}/index.json` — the account, its containers, policies, holds and blob
 *     properties, authenticated by an HMAC (a changed index is refused at start);
 *   - `accounts/{name}/data/{id}` — one file per blob: records of AES-256-GCM ciphertext (one per
 *     Put Blob or Append Block), each bound by its AAD to the account, container, blob and position.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decrypt, deriveKey, encrypt, hmacHex, newKey, NONCE_BYTES, TAG_BYTES, unwrapKey, wrapKey } from '../keys/crypto.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys, type WorkspaceKeys } from '../keys/workspace-keys.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export const DAY_MS = 86_400_000;
export const MAX_POLICY_DAYS = 146_000;
export const MAX_EXTENSIONS = 5;
export const MAX_LEGAL_HOLD_TAGS = 10;
/** Azure's limit of committed blocks per append blob. */
export const MAX_APPEND_BLOCKS = 50_000;

/** An error with Azure Storage's status and code; the data plane sends it as XML, ARM as JSON. */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface PolicyHistoryEntry {
  update: 'put' | 'lock' | 'extend';
  immutabilityPeriodSinceCreationInDays: number;
  timestamp: string;
  objectIdentifier: string;
  tenantId: string;
  allowProtectedAppendWrites: boolean;
  allowProtectedAppendWritesAll: boolean;
}

export interface ImmutabilityPolicyState {
  periodDays: number;
  allowProtectedAppendWrites: boolean;
  allowProtectedAppendWritesAll: boolean;
  state: 'Unlocked' | 'Locked';
  etag: string;
  extensions: number;
  history: PolicyHistoryEntry[];
}

export interface LegalHoldTag {
  tag: string;
  timestamp: string;
  objectIdentifier: string;
  tenantId: string;
}

export interface BlobState {
  name: string;
  type: 'BlockBlob' | 'AppendBlob';
  createdAt: string;
  lastModified: string;
  etag: string;
  size: number;
  contentType: string;
  /** Base64 MD5 of a block blob's content. */
  contentMd5?: string;
  metadata: Record<string, string>;
  /** Data file id (under `data/`). */
  file: string;
  /** The blob's data key, wrapped by the store key (bound to the file id). */
  wrappedKey: string;
  /** Committed records and the file length they end at (a torn tail beyond is ignored, then cut). */
  blocks: number;
  fileBytes: number;
}

export interface ContainerState {
  name: string;
  createdAt: string;
  lastModified: string;
  etag: string;
  metadata: Record<string, string>;
  policy?: ImmutabilityPolicyState;
  legalHold: { tags: LegalHoldTag[]; allowProtectedAppendWritesAll: boolean };
  blobs: Record<string, BlobState>;
}

export interface AccountState {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kind: string;
  sku: string;
  tags: Record<string, string>;
  createdAt: string;
  containers: Record<string, ContainerState>;
}

/** Who did it, for the policy's update history and the legal hold's tags. */
export interface Actor {
  objectId: string;
  tenantId: string;
}

export const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
export const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
/** First path segments Vigil's other planes use: never account names (the data plane is path-style). */
const RESERVED_ACCOUNT_NAMES = new Set(['subscriptions', 'metadata', 'healthz', 'providers', 'tenants', 'blobstore', 'common', 'organizations', 'consumers']);

const newEtag = () => `"0x8D${randomBytes(7).toString('hex').toUpperCase()}"`;
const isoNow = () => new Date().toISOString();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface IndexFile {
  kind: 'vigil-blob-account';
  mac: string;
  account: string;
}

export class BlobStore {
  private readonly accounts = new Map<string, AccountState>();
  private readonly keys: WorkspaceKeys;
  /** One mutation at a time per account: state changes and their persistence are serialized. */
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly root: string,
    master: MasterKeys,
  ) {
    mkdirSync(join(root, 'accounts'), { recursive: true, mode: 0o700 });
    this.keys = loadOrCreateWorkspaceKeys(root, 'vigil-blob-store', master);
    for (const name of readdirSync(join(root, 'accounts'))) {
      const path = join(root, 'accounts', name, 'index.json');
      if (!existsSync(path)) continue;
      this.accounts.set(name, this.readIndex(path));
    }
  }

  static open(dataDir: string, master: MasterKeys): BlobStore {
    return new BlobStore(blobStoreDir(dataDir), master);
  }

  /** The key of the export ledger's MAC chain (src/governance/export/ledger.ts), derived from the store's key. */
  ledgerKey(): Buffer {
    return deriveKey(this.keys.macKey, 'vigil export ledger');
  }

  // ---------- persistence ----------

  private readIndex(path: string): AccountState {
    const file = JSON.parse(readFileSync(path, 'utf8')) as IndexFile;
    if (file.kind !== 'vigil-blob-account' || typeof file.account !== 'string' || hmacHex(this.keys.macKey, 'blob-index\0', file.account) !== file.mac) {
      throw new Error(`${path} failed authentication: the blob store's index was altered outside Vigil. Restore it from your backup.`);
    }
    return JSON.parse(file.account) as AccountState;
  }

  private persist(a: AccountState): void {
    const account = JSON.stringify(a);
    const file: IndexFile = { kind: 'vigil-blob-account', mac: hmacHex(this.keys.macKey, 'blob-index\0', account), account };
    writeFileAtomic(join(this.accountDir(a.name), 'index.json'), JSON.stringify(file));
  }

  private accountDir(name: string): string {
    return join(this.root, 'accounts', name);
  }

  private dataPath(account: string, file: string): string {
    return join(this.accountDir(account), 'data', file);
  }

  /** Runs `fn` with the account's mutations serialized. */
  private async exclusive<T>(account: string, fn: () => T | Promise<T>): Promise<T> {
    const prev = this.locks.get(account) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(account, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(account) === tail) this.locks.delete(account);
    }
  }

  // ---------- accounts ----------

  account(name: string): AccountState | undefined {
    return this.accounts.get(name);
  }

  listAccounts(filter: { subscriptionId?: string; resourceGroup?: string } = {}): AccountState[] {
    return [...this.accounts.values()].filter(
      (a) =>
        (!filter.subscriptionId || a.subscriptionId.toLowerCase() === filter.subscriptionId.toLowerCase()) &&
        (!filter.resourceGroup || a.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase()),
    );
  }

  async putAccount(input: { name: string; subscriptionId: string; resourceGroup: string; location: string; kind: string; sku: string; tags?: Record<string, string> }): Promise<{ account: AccountState; created: boolean }> {
    if (!ACCOUNT_NAME.test(input.name)) {
      throw new StorageError(400, 'AccountNameInvalid', `'${input.name}' is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`);
    }
    if (RESERVED_ACCOUNT_NAMES.has(input.name)) {
      throw new StorageError(409, 'StorageAccountAlreadyTaken', `The storage account named ${input.name} is already taken (Vigil reserves it for its own paths).`);
    }
    return this.exclusive(input.name, () => {
      const existing = this.accounts.get(input.name);
      if (existing) {
        if (existing.subscriptionId.toLowerCase() !== input.subscriptionId.toLowerCase() || existing.resourceGroup.toLowerCase() !== input.resourceGroup.toLowerCase()) {
          throw new StorageError(409, 'StorageAccountAlreadyTaken', `The storage account named ${input.name} is already taken.`);
        }
        if (existing.location.toLowerCase() !== input.location.toLowerCase()) {
          throw new StorageError(400, 'InvalidResourceLocation', `The storage account '${input.name}' already exists in location '${existing.location}'.`);
        }
        existing.kind = input.kind;
        existing.sku = input.sku;
        if (input.tags) existing.tags = input.tags;
        this.persist(existing);
        return { account: existing, created: false };
      }
      const a: AccountState = { ...input, tags: input.tags ?? {}, createdAt: isoNow(), containers: {} };
      mkdirSync(join(this.accountDir(a.name), 'data'), { recursive: true, mode: 0o700 });
      this.persist(a);
      this.accounts.set(a.name, a);
      return { account: a, created: true };
    });
  }

  /** Deletes an account and all its data — refused while any container is protected by a hold, a locked policy or a protected blob. */
  async deleteAccount(name: string): Promise<boolean> {
    return this.exclusive(name, () => {
      const a = this.accounts.get(name);
      if (!a) return false;
      const now = Date.now();
      for (const c of Object.values(a.containers)) this.assertContainerDeletable(c, now);
      this.accounts.delete(name);
      rmSync(this.accountDir(name), { recursive: true, force: true });
      return true;
    });
  }

  // ---------- containers ----------

  requireAccount(name: string): AccountState {
    const a = this.accounts.get(name);
    if (!a) throw new StorageError(404, 'ResourceNotFound', `The storage account ${name} was not found.`);
    return a;
  }

  container(account: string, name: string): ContainerState | undefined {
    return this.accounts.get(account)?.containers[name];
  }

  requireContainer(account: string, name: string): ContainerState {
    const c = this.requireAccount(account).containers[name];
    if (!c) throw new StorageError(404, 'ContainerNotFound', 'The specified container does not exist.');
    return c;
  }

  async createContainer(account: string, name: string, metadata: Record<string, string> = {}, ifExists: 'fail' | 'return' = 'fail'): Promise<{ container: ContainerState; created: boolean }> {
    if (!CONTAINER_NAME.test(name)) throw new StorageError(400, 'InvalidResourceName', 'The specified resource name contains invalid characters.');
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const existing = a.containers[name];
      if (existing) {
        if (ifExists === 'return') return { container: existing, created: false };
        throw new StorageError(409, 'ContainerAlreadyExists', 'The specified container already exists.');
      }
      const now = isoNow();
      const c: ContainerState = { name, createdAt: now, lastModified: now, etag: newEtag(), metadata, legalHold: { tags: [], allowProtectedAppendWritesAll: false }, blobs: {} };
      a.containers[name] = c;
      this.persist(a);
      return { container: c, created: true };
    });
  }

  private assertContainerDeletable(c: ContainerState, now: number): void {
    if (c.legalHold.tags.length > 0) {
      throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', `The container '${c.name}' has a legal hold (${c.legalHold.tags.map((t) => t.tag).join(', ')}): it cannot be deleted until every tag is cleared.`);
    }
    if (c.policy?.state === 'Locked') {
      throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', `The container '${c.name}' has a locked immutability policy: it cannot be deleted.`);
    }
    for (const b of Object.values(c.blobs)) {
      if (this.retentionUntil(c, b) > now) {
        throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', `The container '${c.name}' holds blobs under an immutability policy: it cannot be deleted while they are retained.`);
      }
    }
  }

  async deleteContainer(account: string, name: string): Promise<void> {
    await this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = a.containers[name];
      if (!c) throw new StorageError(404, 'ContainerNotFound', 'The specified container does not exist.');
      this.assertContainerDeletable(c, Date.now());
      delete a.containers[name];
      this.persist(a);
      for (const b of Object.values(c.blobs)) rmSync(this.dataPath(account, b.file), { force: true });
    });
  }

  // ---------- immutability ----------

  /** Until when the policy retains this blob (0: no policy). Append blobs with protected appends count from their last change. */
  private retentionUntil(c: ContainerState, b: BlobState): number {
    const p = c.policy;
    if (!p) return 0;
    const fromLastChange = b.type === 'AppendBlob' && (p.allowProtectedAppendWrites || p.allowProtectedAppendWritesAll);
    return Date.parse(fromLastChange ? b.lastModified : b.createdAt) + p.periodDays * DAY_MS;
  }

  /** Throws 409 if the blob may not be deleted. */
  private assertDeletable(c: ContainerState, b: BlobState): void {
    if (c.legalHold.tags.length > 0) throw new StorageError(409, 'BlobImmutableDueToLegalHold', 'This operation is not permitted as the blob is immutable due to one or more legal holds.');
    if (this.retentionUntil(c, b) > Date.now()) throw new StorageError(409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
  }

  /** Throws 409 if the existing blob may not be overwritten (a policy forbids it even after retention ends). */
  private assertOverwritable(c: ContainerState): void {
    if (c.legalHold.tags.length > 0) throw new StorageError(409, 'BlobImmutableDueToLegalHold', 'This operation is not permitted as the blob is immutable due to one or more legal holds.');
    if (c.policy) throw new StorageError(409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
  }

  private assertAppendable(c: ContainerState): void {
    if (c.legalHold.tags.length > 0 && !c.legalHold.allowProtectedAppendWritesAll) {
      throw new StorageError(409, 'BlobImmutableDueToLegalHold', 'This operation is not permitted as the blob is immutable due to one or more legal holds.');
    }
    if (c.policy && !c.policy.allowProtectedAppendWrites && !c.policy.allowProtectedAppendWritesAll) {
      throw new StorageError(409, 'BlobImmutableDueToPolicy', 'This operation is not permitted as the blob is immutable due to a policy.');
    }
  }

  private checkIfMatch(p: ImmutabilityPolicyState, ifMatch: string | undefined, required: boolean): void {
    if (ifMatch === undefined || ifMatch === '') {
      if (required) throw new StorageError(400, 'MissingRequiredHeader', 'The If-Match header with the policy\'s ETag is required for this operation.');
      return;
    }
    if (ifMatch !== '*' && ifMatch !== p.etag) {
      throw new StorageError(412, 'ConditionNotMet', `The ETag in If-Match (${ifMatch}) does not match the immutability policy's current ETag (${p.etag}).`);
    }
  }

  private history(p: ImmutabilityPolicyState, update: PolicyHistoryEntry['update'], actor: Actor): void {
    p.history.push({
      update,
      immutabilityPeriodSinceCreationInDays: p.periodDays,
      timestamp: isoNow(),
      objectIdentifier: actor.objectId,
      tenantId: actor.tenantId,
      allowProtectedAppendWrites: p.allowProtectedAppendWrites,
      allowProtectedAppendWritesAll: p.allowProtectedAppendWritesAll,
    });
  }

  private static checkPeriod(days: number): void {
    if (!Number.isInteger(days) || days < 1 || days > MAX_POLICY_DAYS) {
      throw new StorageError(400, 'InvalidImmutabilityPolicyPeriod', `immutabilityPeriodSinceCreationInDays must be a whole number of days from 1 to ${MAX_POLICY_DAYS}.`);
    }
  }

  /** Creates or updates an UNLOCKED policy (If-Match optional; `*` = only if one exists). */
  async putPolicy(account: string, container: string, input: { periodDays: number; allowProtectedAppendWrites?: boolean; allowProtectedAppendWritesAll?: boolean }, ifMatch: string | undefined, actor: Actor): Promise<ImmutabilityPolicyState> {
    BlobStore.checkPeriod(input.periodDays);
    if (input.allowProtectedAppendWrites && input.allowProtectedAppendWritesAll) {
      throw new StorageError(400, 'InvalidImmutabilityPolicy', 'allowProtectedAppendWrites and allowProtectedAppendWritesAll are mutually exclusive.');
    }
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const p = c.policy;
      if (p) {
        if (p.state === 'Locked') throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', 'The immutability policy is locked: it can only be extended (POST …/immutabilityPolicies/default/extend).');
        this.checkIfMatch(p, ifMatch, false);
        p.periodDays = input.periodDays;
        p.allowProtectedAppendWrites = input.allowProtectedAppendWrites ?? false;
        p.allowProtectedAppendWritesAll = input.allowProtectedAppendWritesAll ?? false;
        p.etag = newEtag();
        this.history(p, 'put', actor);
      } else {
        if (ifMatch === '*') throw new StorageError(412, 'ConditionNotMet', 'If-Match: * was given but the container has no immutability policy.');
        if (ifMatch) throw new StorageError(412, 'ConditionNotMet', 'If-Match was given but the container has no immutability policy.');
        c.policy = {
          periodDays: input.periodDays,
          allowProtectedAppendWrites: input.allowProtectedAppendWrites ?? false,
          allowProtectedAppendWritesAll: input.allowProtectedAppendWritesAll ?? false,
          state: 'Unlocked',
          etag: newEtag(),
          extensions: 0,
          history: [],
        };
        this.history(c.policy, 'put', actor);
      }
      c.lastModified = isoNow();
      this.persist(a);
      return c.policy!;
    });
  }

  requirePolicy(account: string, container: string): ImmutabilityPolicyState {
    const p = this.requireContainer(account, container).policy;
    if (!p) throw new StorageError(404, 'ImmutabilityPolicyNotFound', `The container '${container}' has no immutability policy.`);
    return p;
  }

  /** Deletes an UNLOCKED policy (If-Match required). A locked policy can never be deleted. */
  async deletePolicy(account: string, container: string, ifMatch: string | undefined): Promise<ImmutabilityPolicyState> {
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const p = this.requirePolicy(account, container);
      this.checkIfMatch(p, ifMatch, true);
      if (p.state === 'Locked') throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', 'The immutability policy is locked: a locked policy cannot be deleted.');
      delete c.policy;
      c.lastModified = isoNow();
      this.persist(a);
      return { ...p, periodDays: 0, etag: newEtag() };
    });
  }

  async lockPolicy(account: string, container: string, ifMatch: string | undefined, actor: Actor): Promise<ImmutabilityPolicyState> {
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const p = this.requirePolicy(account, container);
      this.checkIfMatch(p, ifMatch, true);
      if (p.state === 'Locked') throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', 'The immutability policy is already locked.');
      p.state = 'Locked';
      p.etag = newEtag();
      this.history(p, 'lock', actor);
      this.persist(a);
      return p;
    });
  }

  async extendPolicy(account: string, container: string, input: { periodDays: number; allowProtectedAppendWrites?: boolean; allowProtectedAppendWritesAll?: boolean }, ifMatch: string | undefined, actor: Actor): Promise<ImmutabilityPolicyState> {
    BlobStore.checkPeriod(input.periodDays);
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const p = this.requirePolicy(account, container);
      this.checkIfMatch(p, ifMatch, true);
      if (p.state !== 'Locked') throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', 'Only a locked immutability policy can be extended; update an unlocked one with PUT.');
      if (input.periodDays <= p.periodDays) {
        throw new StorageError(400, 'InvalidImmutabilityPolicyPeriod', `A locked immutability policy can only be lengthened: ${input.periodDays} days is not more than the current ${p.periodDays}.`);
      }
      if ((input.allowProtectedAppendWrites !== undefined && input.allowProtectedAppendWrites !== p.allowProtectedAppendWrites) || (input.allowProtectedAppendWritesAll !== undefined && input.allowProtectedAppendWritesAll !== p.allowProtectedAppendWritesAll)) {
        throw new StorageError(400, 'InvalidImmutabilityPolicy', 'Extending a locked policy cannot change allowProtectedAppendWrites or allowProtectedAppendWritesAll.');
      }
      if (p.extensions >= MAX_EXTENSIONS) {
        throw new StorageError(409, 'ContainerImmutabilityPolicyFailure', `A locked immutability policy can be extended at most ${MAX_EXTENSIONS} times; this one has been extended ${p.extensions} times.`);
      }
      p.periodDays = input.periodDays;
      p.extensions++;
      p.etag = newEtag();
      this.history(p, 'extend', actor);
      this.persist(a);
      return p;
    });
  }

  async setLegalHold(account: string, container: string, tags: string[], allowProtectedAppendWritesAll: boolean | undefined, actor: Actor): Promise<ContainerState['legalHold']> {
    const norm = BlobStore.checkTags(tags);
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const have = new Set(c.legalHold.tags.map((t) => t.tag));
      const add = norm.filter((t) => !have.has(t));
      if (have.size + add.length > MAX_LEGAL_HOLD_TAGS) throw new StorageError(400, 'InvalidLegalHoldTags', `A container can have at most ${MAX_LEGAL_HOLD_TAGS} legal hold tags.`);
      const now = isoNow();
      for (const tag of add) c.legalHold.tags.push({ tag, timestamp: now, objectIdentifier: actor.objectId, tenantId: actor.tenantId });
      if (allowProtectedAppendWritesAll !== undefined) c.legalHold.allowProtectedAppendWritesAll = allowProtectedAppendWritesAll;
      c.lastModified = now;
      this.persist(a);
      return c.legalHold;
    });
  }

  async clearLegalHold(account: string, container: string, tags: string[]): Promise<ContainerState['legalHold']> {
    const norm = new Set(BlobStore.checkTags(tags));
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      c.legalHold.tags = c.legalHold.tags.filter((t) => !norm.has(t.tag));
      if (c.legalHold.tags.length === 0) c.legalHold.allowProtectedAppendWritesAll = false;
      c.lastModified = isoNow();
      this.persist(a);
      return c.legalHold;
    });
  }

  private static checkTags(tags: string[]): string[] {
    if (!Array.isArray(tags) || tags.length === 0) throw new StorageError(400, 'InvalidLegalHoldTags', 'Give at least one legal hold tag.');
    for (const t of tags) {
      if (typeof t !== 'string' || !/^[A-Za-z0-9]{3,23}$/.test(t)) throw new StorageError(400, 'InvalidLegalHoldTags', `Legal hold tag '${String(t)}' is invalid: use 3 to 23 letters and digits.`);
    }
    return [...new Set(tags.map((t) => t.toLowerCase()))];
  }

  // ---------- blobs ----------

  blob(account: string, container: string, name: string): BlobState | undefined {
    return this.accounts.get(account)?.containers[container]?.blobs[name];
  }

  requireBlob(account: string, container: string, name: string): BlobState {
    const c = this.requireContainer(account, container);
    const b = c.blobs[name];
    if (!b) throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.');
    return b;
  }

  private blobKey(account: string, b: BlobState): Buffer {
    return unwrapKey(this.keys.wrapKey, Buffer.from(b.wrappedKey, 'base64'), `vigil-blob-key:${account}:${b.file}`, `The data key of blob ${b.name}`);
  }

  private static aad(account: string, container: string, b: BlobState, index: number): Buffer {
    return Buffer.from(`vigil-blob\0${account}\0${container}\0${b.name}\0${b.file}\0${index}`);
  }

  /** Writes one encrypted record at the committed end of the blob's file and fsyncs it. */
  private writeRecord(account: string, container: string, b: BlobState, key: Buffer, data: Uint8Array, create: boolean): number {
    const path = this.dataPath(account, b.file);
    const { nonce, ciphertext, tag } = encrypt(key, data, BlobStore.aad(account, container, b, b.blocks));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(ciphertext.length);
    const record = Buffer.concat([head, nonce, ciphertext, tag]);
    const fd = openSync(path, create ? 'wx' : 'r+', 0o600);
    try {
      // A crash after an earlier write but before its index update left a tail: cut it.
      if (!create && statSync(path).size !== b.fileBytes) ftruncateSync(fd, b.fileBytes);
      writeSync(fd, record, 0, record.length, b.fileBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return record.length;
  }

  private newBlob(name: string, type: BlobState['type'], account: string, contentType: string, metadata: Record<string, string>): { blob: BlobState; key: Buffer } {
    const now = isoNow();
    const file = randomUUID();
    const key = newKey();
    const blob: BlobState = {
      name,
      type,
      createdAt: now,
      lastModified: now,
      etag: newEtag(),
      size: 0,
      contentType,
      metadata,
      file,
      wrappedKey: wrapKey(this.keys.wrapKey, key, `vigil-blob-key:${account}:${file}`).toString('base64'),
      blocks: 0,
      fileBytes: 0,
    };
    return { blob, key };
  }

  /**
   * Put Blob: a block blob with `data`, or an empty append blob. Over an existing name this is an
   * overwrite: refused under a legal hold or any immutability policy; `ifNoneMatch: '*'` refuses it always.
   */
  async putBlob(
    account: string,
    container: string,
    name: string,
    input: { type: BlobState['type']; data: Uint8Array; contentType?: string; metadata?: Record<string, string>; ifNoneMatch?: string; ifMatch?: string },
  ): Promise<BlobState> {
    if (name.length === 0 || name.length > 1024) throw new StorageError(400, 'InvalidResourceName', 'The specified resource name length is not within the permissible limits.');
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const existing = c.blobs[name];
      if (existing && input.ifNoneMatch === '*') throw new StorageError(409, 'BlobAlreadyExists', 'The specified blob already exists.');
      if (input.ifMatch && (!existing || (input.ifMatch !== '*' && input.ifMatch !== existing.etag))) {
        throw new StorageError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
      }
      if (existing) this.assertOverwritable(c);
      const { blob, key } = this.newBlob(name, input.type, account, input.contentType ?? 'application/octet-stream', input.metadata ?? {});
      if (input.type === 'BlockBlob') {
        blob.fileBytes = this.writeRecord(account, container, blob, key, input.data, true);
        blob.blocks = 1;
        blob.size = input.data.length;
        blob.contentMd5 = createHash('md5').update(input.data).digest('base64');
      } else {
        closeSync(openSync(this.dataPath(account, blob.file), 'wx', 0o600));
      }
      c.blobs[name] = blob;
      this.persist(a);
      if (existing) rmSync(this.dataPath(account, existing.file), { force: true });
      return blob;
    });
  }

  /** Append Block: allowed on a protected container only with protected append writes. */
  async appendBlock(
    account: string,
    container: string,
    name: string,
    data: Uint8Array,
    conditions: { appendPosition?: number; maxSize?: number; ifMatch?: string } = {},
  ): Promise<{ blob: BlobState; offset: number }> {
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const b = this.requireBlob(account, container, name);
      if (b.type !== 'AppendBlob') throw new StorageError(409, 'InvalidBlobType', 'The blob type is invalid for this operation.');
      if (data.length === 0) throw new StorageError(400, 'InvalidHeaderValue', 'An append block must not be empty.');
      if (conditions.ifMatch && conditions.ifMatch !== '*' && conditions.ifMatch !== b.etag) {
        throw new StorageError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
      }
      if (conditions.appendPosition !== undefined && conditions.appendPosition !== b.size) {
        throw new StorageError(412, 'AppendPositionConditionNotMet', 'The append position condition specified was not met.');
      }
      if (conditions.maxSize !== undefined && b.size + data.length > conditions.maxSize) {
        throw new StorageError(412, 'MaxBlobSizeConditionNotMet', 'The max blob size condition specified was not met.');
      }
      if (b.blocks >= MAX_APPEND_BLOCKS) throw new StorageError(409, 'BlockCountExceedsLimit', 'The committed block count cannot exceed the maximum limit of 50,000 blocks.');
      this.assertAppendable(c);
      const offset = b.size;
      const written = this.writeRecord(account, container, b, this.blobKey(account, b), data, false);
      b.fileBytes += written;
      b.blocks++;
      b.size += data.length;
      b.lastModified = isoNow();
      b.etag = newEtag();
      this.persist(a);
      return { blob: b, offset };
    });
  }

  /** The blob's content, decrypted and authenticated record by record. */
  readBlob(account: string, container: string, name: string): Buffer {
    const b = this.requireBlob(account, container, name);
    const key = this.blobKey(account, b);
    const path = this.dataPath(account, b.file);
    const file = b.fileBytes === 0 ? Buffer.alloc(0) : readFileSync(path).subarray(0, b.fileBytes);
    const parts: Buffer[] = [];
    let pos = 0;
    for (let i = 0; i < b.blocks; i++) {
      const len = file.readUInt32BE(pos);
      const nonce = file.subarray(pos + 4, pos + 4 + NONCE_BYTES);
      const ct = file.subarray(pos + 4 + NONCE_BYTES, pos + 4 + NONCE_BYTES + len);
      const tag = file.subarray(pos + 4 + NONCE_BYTES + len, pos + 4 + NONCE_BYTES + len + TAG_BYTES);
      parts.push(decrypt(key, nonce, ct, tag, BlobStore.aad(account, container, b, i), `Block ${i} of blob ${container}/${name}`));
      pos += 4 + NONCE_BYTES + len + TAG_BYTES;
    }
    return Buffer.concat(parts);
  }

  /** SHA-256 of the blob's content (for ledgers and verification). */
  blobSha256(account: string, container: string, name: string): string {
    return sha256(this.readBlob(account, container, name));
  }

  async setBlobMetadata(account: string, container: string, name: string, metadata: Record<string, string>): Promise<BlobState> {
    return this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const b = this.requireBlob(account, container, name);
      this.assertOverwritable(c);
      b.metadata = metadata;
      b.etag = newEtag();
      b.lastModified = isoNow();
      this.persist(a);
      return b;
    });
  }

  async deleteBlob(account: string, container: string, name: string): Promise<void> {
    await this.exclusive(account, () => {
      const a = this.requireAccount(account);
      const c = this.requireContainer(account, container);
      const b = this.requireBlob(account, container, name);
      this.assertDeletable(c, b);
      delete c.blobs[name];
      this.persist(a);
      rmSync(this.dataPath(account, b.file), { force: true });
    });
  }
}

export const blobStoreDir = (dataDir: string) => join(dataDir, 'blobstore');
