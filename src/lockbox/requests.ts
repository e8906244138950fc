/**
 * Customer Lockbox requests and their life cycle, persisted in `D/lockbox/requests.json` (0600,
 * atomic writes), with the tenant's opt-in:
 *
 *   Pending ("Customer Notified") --approve--> Approved --(access window over)--> Expired
 *          \--deny--> Denied
 *           \--(no decision within the pending lifetime)--> Expired
 *
 * Integrity: an approval in this file opens a workspace's data to an operator, so the file carries
 * an HMAC-SHA-256 (`mac`) under a key of its own keyring, `D/lockbox/keyring.json`, which the master
 * key (the root of trust) wraps. Someone who can write the data folder but does not hold the root of
 * trust cannot approve a request, extend an approval, or add an approved one: the server refuses to
 * start on a file whose MAC does not verify (delete the file to start over: every request is then
 * gone and the tenant is opted out, so operators have no access). A file without a MAC (written by an
 * earlier release) is accepted once, with every approval in it ended, and MACed from then on.
 * Replaying an older MACed file can bring back requests as they were then, but never extends an
 * approval past the expiry it was given.
 *
 * Time comes from an injected clock and the two lifetimes are configurable (never above Azure's 4
 * days and 8 hours), so tests drive expiry without waiting. A state change caused by time is applied
 * by `expire()`, which returns the requests it expired so that each expiry is recorded once.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hmacHex } from '../keys/crypto.js';
import type { MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../keys/workspace-keys.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export type LockboxStatus = 'Pending' | 'Approved' | 'Denied' | 'Expired';

export interface LockboxRequestRecord {
  requestId: string;
  subscriptionId: string;
  /** The one workspace the request covers: its ARM id and customerId. */
  workspaceResourceId: string;
  workspaceId: string;
  justification: string;
  supportRequest: string;
  /** The operator who asked; only they may use an approval. */
  requestedBy: { objectId: string; appId: string };
  status: LockboxStatus;
  createdDateTime: string;
  /** Pending: when it expires undecided. Approved: when access ends. */
  expirationDateTime: string;
  /** Hours of access an approval grants (Azure's `duration`, a string of hours). */
  durationHours: number;
  decidedBy?: { objectId: string; appId: string };
  decidedDateTime?: string;
  decisionReason?: string;
  /** Why it expired: undecided, or the access window ended. */
  expiredBecause?: 'NoDecision' | 'AccessWindowEnded';
}

export interface LockboxLifetimes {
  /** How long a request waits for a decision (Azure: 4 days). */
  pendingMs: number;
  /** How long an approval grants access (Azure: 8 hours). */
  approvalMs: number;
}

export const AZURE_LIFETIMES: LockboxLifetimes = { pendingMs: 4 * 24 * 3600_000, approvalMs: 8 * 3600_000 };
/** Requests an operator may have waiting for a decision at once. */
export const MAX_PENDING_PER_OPERATOR = 20;

interface FileShape {
  version: 1;
  optedIn: boolean;
  requests: LockboxRequestRecord[];
  /** HMAC-SHA-256 of the rest (see macOf), under the lockbox keyring's key. */
  mac?: string;
}

const KEYRING_ID = 'vigil-lockbox';
export const lockboxDir = (dataDir: string) => join(dataDir, 'lockbox');

/** The key that MACs the requests file: from the lockbox keyring, wrapped by the master key. */
export function lockboxMacKey(dataDir: string, master: MasterKeys): Buffer {
  return loadOrCreateWorkspaceKeys(lockboxDir(dataDir), KEYRING_ID, master, true).macKey;
}

/** Thrown when the requests file was altered outside Vigil. */
export class LockboxIntegrityError extends Error {}

const macOf = (key: Buffer, s: Omit<FileShape, 'mac'>) => hmacHex(key, 'vigil-lockbox-requests:v1\n', JSON.stringify({ version: s.version, optedIn: s.optedIn, requests: s.requests }));

/** For `vigil verify`: why lockbox/requests.json cannot be trusted, or undefined (no file, or its MAC verifies). Changes nothing. */
export function verifyLockboxFile(dataDir: string, master: MasterKeys): string | undefined {
  const path = join(lockboxDir(dataDir), 'requests.json');
  if (!existsSync(path)) return undefined;
  let file: FileShape;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as FileShape;
  } catch {
    return 'not valid JSON: it was altered or truncated';
  }
  const { mac, ...state } = file;
  if (mac === undefined) return undefined; // from before the MAC: the server ends its approvals when it reads it
  const expected = Buffer.from(macOf(lockboxMacKey(dataDir, master), state), 'hex');
  const got = Buffer.from(typeof mac === 'string' ? mac : '', 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected) ? undefined : 'its MAC does not verify: the Customer Lockbox requests were altered outside Vigil (the server refuses to start on it)';
}

export class LockboxRequests {
  private state: FileShape;
  private readonly path: string;

  /**
   * `macKey` (lockboxMacKey): the file is MACed and verified; without it (unit tests of the life cycle) it is not.
   */
  constructor(
    dataDir: string,
    readonly lifetimes: LockboxLifetimes = AZURE_LIFETIMES,
    readonly now: () => Date = () => new Date(),
    private readonly macKey?: Buffer,
  ) {
    if (!(lifetimes.pendingMs > 0 && lifetimes.pendingMs <= AZURE_LIFETIMES.pendingMs)) throw new Error('the lockbox pending lifetime must be positive and at most 4 days');
    if (!(lifetimes.approvalMs > 0 && lifetimes.approvalMs <= AZURE_LIFETIMES.approvalMs)) throw new Error('the lockbox approval duration must be positive and at most 8 hours');
    this.path = join(lockboxDir(dataDir), 'requests.json');
    this.state = existsSync(this.path) ? this.load(JSON.parse(readFileSync(this.path, 'utf8')) as FileShape) : { version: 1, optedIn: false, requests: [] };
  }

  /** The file as read, its MAC verified (see the module comment for a file without one). */
  private load(file: FileShape): FileShape {
    const { mac, ...state } = file;
    if (!this.macKey) return state;
    if (mac === undefined) {
      // Written by a release before the MAC: nothing in it is trusted to grant access.
      const at = this.now().toISOString();
      for (const r of state.requests) {
        if (r.status === 'Approved') Object.assign(r, { status: 'Expired', expiredBecause: 'AccessWindowEnded', expirationDateTime: at });
      }
      this.state = state;
      this.save();
      return state;
    }
    const expected = Buffer.from(macOf(this.macKey, state), 'hex');
    const got = Buffer.from(typeof mac === 'string' ? mac : '', 'hex');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new LockboxIntegrityError(
        `${this.path} was altered outside Vigil (its MAC does not verify): Customer Lockbox requests cannot be trusted. ` +
          'Restore the file from your backup, or delete it to start over (every request is then gone and the tenant is opted out of Lockbox, so operators have no access to workspace data).',
      );
    }
    return state;
  }

  private save(): void {
    const file: FileShape = this.macKey ? { ...this.state, mac: macOf(this.macKey, this.state) } : this.state;
    writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  }

  get optedIn(): boolean {
    return this.state.optedIn;
  }

  setOptedIn(value: boolean): void {
    this.state.optedIn = value;
    this.save();
  }

  /** Applies what time decided (undecided requests past their lifetime, approvals past their window) and returns those requests. */
  expire(): LockboxRequestRecord[] {
    const now = this.now().getTime();
    const expired: LockboxRequestRecord[] = [];
    for (const r of this.state.requests) {
      if ((r.status === 'Pending' || r.status === 'Approved') && Date.parse(r.expirationDateTime) <= now) {
        r.expiredBecause = r.status === 'Pending' ? 'NoDecision' : 'AccessWindowEnded';
        r.status = 'Expired';
        expired.push(r);
      }
    }
    if (expired.length) this.save();
    return expired;
  }

  create(r: Pick<LockboxRequestRecord, 'subscriptionId' | 'workspaceResourceId' | 'workspaceId' | 'justification' | 'supportRequest' | 'requestedBy'>): LockboxRequestRecord {
    const created = this.now();
    const record: LockboxRequestRecord = {
      ...r,
      requestId: randomUUID(),
      status: 'Pending',
      createdDateTime: created.toISOString(),
      expirationDateTime: new Date(created.getTime() + this.lifetimes.pendingMs).toISOString(),
      durationHours: this.lifetimes.approvalMs / 3600_000,
    };
    this.state.requests.push(record);
    this.save();
    return record;
  }

  get(subscriptionId: string, requestId: string): LockboxRequestRecord | undefined {
    return this.state.requests.find((r) => r.requestId.toLowerCase() === requestId.toLowerCase() && r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  }

  byId(requestId: string): LockboxRequestRecord | undefined {
    return this.state.requests.find((r) => r.requestId.toLowerCase() === requestId.toLowerCase());
  }

  list(subscriptionId: string): LockboxRequestRecord[] {
    return this.state.requests.filter((r) => r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
  }

  pendingOf(objectId: string): number {
    return this.state.requests.filter((r) => r.status === 'Pending' && r.requestedBy.objectId === objectId).length;
  }

  /** Approve or deny a Pending request (the caller has checked who may). */
  decide(r: LockboxRequestRecord, approve: boolean, by: { objectId: string; appId: string }, reason: string): LockboxRequestRecord {
    if (r.status !== 'Pending') throw new Error(`request ${r.requestId} is ${r.status}, not Pending`);
    const at = this.now();
    r.status = approve ? 'Approved' : 'Denied';
    r.decidedBy = by;
    r.decidedDateTime = at.toISOString();
    r.decisionReason = reason;
    if (approve) r.expirationDateTime = new Date(at.getTime() + this.lifetimes.approvalMs).toISOString();
    this.save();
    return r;
  }
}
