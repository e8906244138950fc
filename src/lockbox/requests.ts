/**
 * Customer Lockbox requests and their life cycle, persisted in `D/lockbox/requests.json` (0600,
 * atomic writes), with the tenant's opt-in:
 *
 *   Pending ("Customer Notified") --approve--> Approved --(access window over)--> Expired
 *          \--deny--> Denied
 *           \--(no decision within the pending lifetime)--> Expired
 *
 * Time comes from an injected clock and the two lifetimes are configurable (never above Azure's 4
 * days and 8 hours), so tests drive expiry without waiting. A state change caused by time is applied
 * by `expire()`, which returns the requests it expired so that each expiry is recorded once.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
}

export class LockboxRequests {
  private state: FileShape;
  private readonly path: string;

  constructor(
    dataDir: string,
    readonly lifetimes: LockboxLifetimes = AZURE_LIFETIMES,
    readonly now: () => Date = () => new Date(),
  ) {
    if (!(lifetimes.pendingMs > 0 && lifetimes.pendingMs <= AZURE_LIFETIMES.pendingMs)) throw new Error('the lockbox pending lifetime must be positive and at most 4 days');
    if (!(lifetimes.approvalMs > 0 && lifetimes.approvalMs <= AZURE_LIFETIMES.approvalMs)) throw new Error('the lockbox approval duration must be positive and at most 8 hours');
    this.path = join(dataDir, 'lockbox', 'requests.json');
    this.state = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as FileShape) : { version: 1, optedIn: false, requests: [] };
  }

  private save(): void {
    writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`, 0o600);
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
