/**
 * Customer Lockbox — THE place where Vigil decides whether an operator may read a workspace's data,
 * and who may approve that.
 *
 * Operators are the people who run the server: principals holding Vigil's own role "Vigil Operator"
 * on the subscription (the bootstrap creates one, `operator.json`). That role grants nothing through
 * RBAC; an operator reads a workspace's data only through the operator query path, and only under a
 * lockbox request that
 *   - the operator created for that one workspace while the tenant had opted in (enableLockbox),
 *   - the subscription's Owner or an "Azure Customer Lockbox Approver for Subscription" approved —
 *     assigned AT the subscription BEFORE the request was made, never an operator, never the
 *     requester — and
 *   - has not expired (access for 8 hours after approval; 4 days to decide).
 * Each creation, decision, expiry and access (allowed or refused) goes to the activity log; operator
 * queries also go to LAQueryLogs like every query (src/lockbox/operator-routes.ts).
 */
import type { Caller } from '../authz/authorize.js';
import { authorize } from '../authz/authorize.js';
import { LOCKBOX_APPROVER_ROLE_ID, OWNER_ROLE_ID, VIGIL_OPERATOR_ROLE_ID } from '../authz/role-definitions.js';
import { isWithinScope, normalizeScope } from '../authz/scope.js';
import type { ActivityLog } from '../audit/activity-log.js';
import { ApiError } from '../errors/api-error.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import { insufficientAccess } from '../query/table-access.js';
import { MAX_PENDING_PER_OPERATOR, type LockboxRequestRecord, type LockboxRequests } from './requests.js';

export const LOCKBOX_PROVIDER = 'Microsoft.CustomerLockbox';
const READ = 'Microsoft.CustomerLockbox/requests/read';
const MAX_JUSTIFICATION = 1000;
const MAX_REASON = 1000;
const MAX_SUPPORT_REQUEST = 64;

const issued = Symbol('lockbox grant');

/**
 * What an approved request lets one operator read: one workspace, until `expires`. Only this module
 * makes one (the constructor needs a module-private symbol); the query service trusts it.
 */
export class LockboxGrant {
  constructor(
    key: symbol,
    readonly requestId: string,
    /** The workspace's customerId. */
    readonly workspaceId: string,
    readonly expires: Date,
  ) {
    if (key !== issued) throw new Error('a LockboxGrant is issued only by the LockboxService');
  }
}

/** Request context for the activity log. */
export interface Origin {
  correlationId: string;
  callerIp?: string;
}

export const requestArmId = (r: Pick<LockboxRequestRecord, 'subscriptionId' | 'requestId'>) =>
  `/subscriptions/${r.subscriptionId}/providers/${LOCKBOX_PROVIDER}/requests/${r.requestId}`;

/** A request as Azure's LockboxRequestResponse (plus who asked and who decided, which Vigil knows). */
export function requestResponse(r: LockboxRequestRecord) {
  return {
    id: requestArmId(r),
    name: `LockboxRequest_${r.requestId}`,
    type: 'requests',
    properties: {
      requestId: r.requestId,
      justification: r.justification,
      status: r.status,
      createdDateTime: r.createdDateTime,
      expirationDateTime: r.expirationDateTime,
      duration: String(r.durationHours),
      resourceIds: r.workspaceResourceId.toUpperCase(),
      resourceType: 'Microsoft.OperationalInsights/workspaces',
      supportRequest: r.supportRequest,
      supportCaseUrl: '',
      workItemSource: 'Vigil operator',
      subscriptionId: r.subscriptionId,
      requestedBy: r.requestedBy,
      ...(r.decidedBy ? { decidedBy: r.decidedBy, decidedDateTime: r.decidedDateTime, decisionReason: r.decisionReason } : {}),
      ...(r.expiredBecause ? { expiredBecause: r.expiredBecause } : {}),
    },
  };
}

const notOptedIn = () =>
  new ApiError(409, 'LockboxNotEnabled', 'Customer Lockbox is not enabled for this tenant: operators have no access to workspace data. A tenant Owner enables it with POST /providers/Microsoft.CustomerLockbox/enableLockbox.');

export class LockboxService {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly metadata: MetadataStore,
    readonly requests: LockboxRequests,
    private readonly activity?: ActivityLog,
  ) {}

  /** Records expiries as time makes them, also when nobody asks (every minute). */
  start(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), 60_000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Applies expiries and records each in the activity log, once. */
  sweep(): void {
    for (const r of this.requests.expire()) {
      this.record(r, { correlationId: r.requestId }, { objectId: 'Vigil', appId: 'Vigil', tenantId: this.metadata.tenantId }, 'Microsoft.CustomerLockbox/requests/expire/action', 'Lockbox Request Expiry', 200, {
        expiredBecause: r.expiredBecause,
      });
    }
  }

  /** Is the caller an operator of this subscription (the Vigil Operator role at it or above)? */
  isOperator(caller: Caller, subscriptionId: string): boolean {
    const sub = normalizeScope(`/subscriptions/${subscriptionId}`);
    return this.metadata
      .roleAssignmentsFor(caller.objectId)
      .some((a) => a.roleDefinitionId.split('/').pop()!.toLowerCase() === VIGIL_OPERATOR_ROLE_ID && isWithinScope(sub, normalizeScope(a.scope)));
  }

  /** Does the caller hold any operator role anywhere (operators never approve or opt in)? */
  private isOperatorAnywhere(caller: Caller): boolean {
    return this.metadata.roleAssignmentsFor(caller.objectId).some((a) => a.roleDefinitionId.split('/').pop()!.toLowerCase() === VIGIL_OPERATOR_ROLE_ID);
  }

  /** Owner or Lockbox Approver assigned exactly at the subscription (management-group and lower assignments do not count), no later than `before`. */
  private approverAssignment(caller: Caller, subscriptionId: string, roles: string[], before?: string) {
    const sub = normalizeScope(`/subscriptions/${subscriptionId}`);
    return this.metadata
      .roleAssignmentsFor(caller.objectId)
      .find((a) => roles.includes(a.roleDefinitionId.split('/').pop()!.toLowerCase()) && normalizeScope(a.scope) === sub && (before === undefined || Date.parse(a.createdOn) <= Date.parse(before)));
  }

  /** One activity-log entry; `errorCode`/`errorMessage` in `properties` become the entry's error (status ≥ 400). */
  private record(r: LockboxRequestRecord | undefined, origin: Origin, caller: Caller, operation: string, displayName: string, status: number, props: Record<string, unknown>, resourceId?: string) {
    const { errorCode, errorMessage, ...properties } = props;
    this.activity?.record({
      caller,
      method: 'POST',
      resourceId: resourceId ?? requestArmId(r!),
      operation,
      operationDisplayName: displayName,
      status,
      correlationId: origin.correlationId,
      callerIp: origin.callerIp,
      properties: { ...(r ? { lockboxRequestId: r.requestId, workspace: r.workspaceResourceId } : {}), ...properties },
      ...(status >= 400 ? { errorCode: String(errorCode ?? 'Forbidden'), errorMessage: String(errorMessage ?? '') } : {}),
    });
  }

  // ---- the customer's side: Microsoft.CustomerLockbox ----------------------------------------

  list(caller: Caller, subscriptionId: string, filter: string | null): LockboxRequestRecord[] {
    authorize(this.metadata, caller, READ, `/subscriptions/${subscriptionId}`);
    this.sweep();
    let status: string | undefined;
    if (filter !== null && filter.trim() !== '') {
      const m = /^\s*properties\/status\s+eq\s+'([A-Za-z]+)'\s*$/i.exec(filter);
      if (!m) throw new ApiError(400, 'InvalidFilter', `The $filter '${filter.slice(0, 200)}' is not supported: use properties/status eq '<status>' (e.g. 'Pending').`);
      status = m[1]!.toLowerCase();
    }
    return this.requests.list(subscriptionId).filter((r) => status === undefined || r.status.toLowerCase() === status);
  }

  get(caller: Caller, subscriptionId: string, requestId: string): LockboxRequestRecord {
    authorize(this.metadata, caller, READ, `/subscriptions/${subscriptionId}`);
    this.sweep();
    const r = this.requests.get(subscriptionId, requestId);
    if (!r) throw new ApiError(404, 'RequestNotFound', `The lockbox request '${requestId}' was not found in subscription '${subscriptionId}'.`);
    return r;
  }

  /** `updateApproval`: Approve or Deny a Pending request. */
  updateApproval(caller: Caller, subscriptionId: string, requestId: string, body: unknown, origin: Origin): { status: 'Approve' | 'Deny'; reason: string } {
    const b = (body ?? {}) as { status?: unknown; decision?: unknown; reason?: unknown };
    // The swagger's example sends `decision`; the schema says `status`. Both are accepted.
    const raw = b.status ?? b.decision;
    const decision = typeof raw === 'string' ? (raw.toLowerCase() === 'approve' ? 'Approve' : raw.toLowerCase() === 'deny' ? 'Deny' : undefined) : undefined;
    if (!decision) throw new ApiError(400, 'InvalidRequestContent', "The body must be {\"status\": \"Approve\" | \"Deny\", \"reason\": \"…\"}.", { target: 'status' });
    if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > MAX_REASON)) {
      throw new ApiError(400, 'InvalidRequestContent', `'reason' must be a string of at most ${MAX_REASON} characters.`, { target: 'reason' });
    }
    const reason = (b.reason as string | undefined) ?? '';
    /** A refused decision: in the activity log (when the request exists), then 403. */
    const refuse = (r: LockboxRequestRecord | undefined, code: string, message: string) => {
      if (r) this.record(r, origin, caller, 'Microsoft.CustomerLockbox/requests/UpdateApproval/action', `${decision} Lockbox Request`, 403, { errorCode: code, errorMessage: message });
      return new ApiError(403, code, message);
    };
    // Separation of duties first, so the requester and operators hear why, not just "no read access".
    this.sweep();
    const own = this.requests.get(subscriptionId, requestId);
    if (own && own.requestedBy.objectId === caller.objectId) throw refuse(own, 'RequesterCannotApprove', 'The operator who asked for access cannot approve or deny their own lockbox request.');
    if (this.isOperatorAnywhere(caller)) throw refuse(own, 'OperatorCannotApprove', 'A Vigil operator cannot approve or deny lockbox requests: the customer decides.');
    const r = this.get(caller, subscriptionId, requestId);
    if (!this.approverAssignment(caller, subscriptionId, [OWNER_ROLE_ID, LOCKBOX_APPROVER_ROLE_ID], r.createdDateTime)) {
      throw refuse(
        r,
        'AuthorizationFailed',
        `The client '${caller.appId}' with object id '${caller.objectId}' may not decide lockbox requests: only the Owner of subscription '${subscriptionId}' or an 'Azure Customer Lockbox Approver for Subscription', assigned at the subscription before the request was created, may.`,
      );
    }
    if (!this.requests.optedIn) throw notOptedIn();
    if (r.status !== 'Pending') {
      throw new ApiError(409, 'RequestNotPending', `The lockbox request '${r.requestId}' is ${r.status}: only a Pending request can be approved or denied.`, {
        target: r.requestId,
        additionalInfo: [{ type: 'LockboxRequestStatus', info: { currentStatus: r.status } }],
      });
    }
    this.requests.decide(r, decision === 'Approve', { objectId: caller.objectId, appId: caller.appId }, reason);
    this.record(r, origin, caller, 'Microsoft.CustomerLockbox/requests/UpdateApproval/action', `${decision} Lockbox Request`, 200, {
      decision,
      reason,
      ...(decision === 'Approve' ? { accessUntil: r.expirationDateTime } : {}),
    });
    return { status: decision, reason };
  }

  tenantOptedIn(caller: Caller, tenantId: string): boolean {
    if (tenantId.toLowerCase() !== caller.tenantId.toLowerCase()) throw new ApiError(403, 'AuthorizationFailed', `The caller is not in tenant '${tenantId}'.`);
    return this.requests.optedIn;
  }

  /**
   * enableLockbox / disableLockbox: the tenant's administrator — Owner at every subscription of the
   * tenant, and not an operator. Enabling needs the bootstrap admin secret (written in clear to
   * bootstrap.json, which anyone with a shell on the host can read) to be retired first: otherwise
   * an operator could sign in as the Owner and approve their own requests.
   */
  setOptedIn(caller: Caller, enable: boolean, origin: Origin): void {
    const subs = this.metadata.subscriptions();
    const action = enable ? 'enableLockbox' : 'disableLockbox';
    const refuse = (status: number, code: string, message: string) => {
      for (const s of subs) this.record(undefined, origin, caller, `Microsoft.CustomerLockbox/${action}/action`, enable ? 'Enable Lockbox' : 'Disable Lockbox', status, { errorCode: code, errorMessage: message }, `/subscriptions/${s.subscriptionId}/providers/${LOCKBOX_PROVIDER}/${action}`);
      return new ApiError(status, code, message);
    };
    if (this.isOperatorAnywhere(caller)) throw refuse(403, 'OperatorCannotApprove', 'A Vigil operator cannot turn Customer Lockbox on or off: the customer decides.');
    if (subs.length === 0 || !subs.every((s) => this.approverAssignment(caller, s.subscriptionId, [OWNER_ROLE_ID]))) {
      throw refuse(403, 'AuthorizationFailed', `The client '${caller.appId}' may not ${enable ? 'enable' : 'disable'} Customer Lockbox: it needs Owner at every subscription of the tenant.`);
    }
    if (enable) {
      const exposed = this.metadata.servicePrincipals().filter((p) => p.displayName === 'vigil-admin' && p.secrets.some((s) => s.displayName === 'bootstrap'));
      if (exposed.length) {
        const p = exposed[0]!;
        const keyId = p.secrets.find((s) => s.displayName === 'bootstrap')!.keyId;
        throw refuse(
          409,
          'BootstrapCredentialActive',
          `The admin principal's bootstrap secret (keyId ${keyId}) is still valid, and it is written in clear in bootstrap.json where whoever runs the server can read it. Add a secret of your own (POST /v1.0/servicePrincipals/${p.objectId}/addPassword), sign in with it, remove the bootstrap one (removePassword with keyId ${keyId}), then enable Customer Lockbox.`,
        );
      }
    }
    this.requests.setOptedIn(enable);
    for (const s of subs) this.record(undefined, origin, caller, `Microsoft.CustomerLockbox/${action}/action`, enable ? 'Enable Lockbox' : 'Disable Lockbox', 200, {}, `/subscriptions/${s.subscriptionId}/providers/${LOCKBOX_PROVIDER}/${action}`);
  }

  // ---- the operator's side ----------------------------------------------------------------

  private findWorkspace(ref: string): WorkspaceRecord | undefined {
    const byId = this.metadata.workspaceByCustomerId(ref);
    if (byId) return byId;
    const arm = parseWorkspaceResourceId(ref);
    return arm ? this.metadata.workspace(arm.subscriptionId, arm.resourceGroup, arm.name) : undefined;
  }

  /** An operator asks for access to one workspace ("Customer Notified"). */
  createRequest(caller: Caller, body: unknown, origin: Origin): LockboxRequestRecord {
    const b = (body ?? {}) as { workspace?: unknown; justification?: unknown; supportRequest?: unknown };
    if (typeof b.workspace !== 'string' || b.workspace === '') throw new ApiError(400, 'InvalidRequestContent', "'workspace' (a workspace's customerId GUID or ARM id) is required.", { target: 'workspace' });
    if (typeof b.justification !== 'string' || b.justification.trim() === '' || b.justification.length > MAX_JUSTIFICATION) {
      throw new ApiError(400, 'InvalidRequestContent', `'justification' is required: why the operator needs the data, at most ${MAX_JUSTIFICATION} characters.`, { target: 'justification' });
    }
    if (b.supportRequest !== undefined && (typeof b.supportRequest !== 'string' || b.supportRequest.length > MAX_SUPPORT_REQUEST)) {
      throw new ApiError(400, 'InvalidRequestContent', `'supportRequest' must be a string of at most ${MAX_SUPPORT_REQUEST} characters (the support ticket number).`, { target: 'supportRequest' });
    }
    const w = this.findWorkspace(b.workspace);
    if (!w) throw new ApiError(404, 'WorkspaceNotFound', `The workspace '${b.workspace}' was not found.`);
    if (!this.isOperator(caller, w.subscriptionId)) {
      throw new ApiError(403, 'AuthorizationFailed', `The client '${caller.appId}' with object id '${caller.objectId}' is not a Vigil operator of subscription '${w.subscriptionId}': only operators ask for lockbox access.`);
    }
    if (!this.requests.optedIn) throw notOptedIn();
    if (this.requests.pendingOf(caller.objectId) >= MAX_PENDING_PER_OPERATOR) {
      throw new ApiError(429, 'TooManyPendingRequests', `The operator already has ${MAX_PENDING_PER_OPERATOR} lockbox requests waiting for a decision; wait for them to be decided or to expire.`);
    }
    const r = this.requests.create({
      subscriptionId: w.subscriptionId,
      workspaceResourceId: workspaceResourceId(w),
      workspaceId: w.customerId,
      justification: b.justification,
      supportRequest: (b.supportRequest as string | undefined) ?? '',
      requestedBy: { objectId: caller.objectId, appId: caller.appId },
    });
    this.record(r, origin, caller, 'Microsoft.CustomerLockbox/requests/write', 'Create Lockbox Request', 201, { justification: r.justification, supportRequest: r.supportRequest });
    return r;
  }

  /** An operator reads one of their own requests (to see whether it was decided). */
  operatorGet(caller: Caller, requestId: string): LockboxRequestRecord {
    this.sweep();
    const r = this.requests.byId(requestId);
    if (!r || r.requestedBy.objectId !== caller.objectId || !this.isOperator(caller, r.subscriptionId)) {
      throw new ApiError(404, 'RequestNotFound', `The lockbox request '${requestId}' was not found among this operator's requests.`);
    }
    return r;
  }

  /**
   * May this operator read workspace `w` under request `requestId` now? Returns the grant, or throws
   * 403 InsufficientAccessError (what the query audit and its standard alert key on). Every attempt,
   * allowed or refused, is in the activity log.
   */
  authorizeAccess(caller: Caller, w: WorkspaceRecord, requestId: string | undefined, origin: Origin): LockboxGrant {
    this.sweep();
    const r = requestId ? this.requests.byId(requestId) : undefined;
    const refuse = (why: string) => {
      this.record(r, origin, caller, 'Microsoft.OperationalInsights/workspaces/query/read', 'Customer Lockbox Access', 403, { errorCode: 'InsufficientAccessError', errorMessage: why }, workspaceResourceId(w));
      return insufficientAccess(why);
    };
    if (!this.isOperator(caller, w.subscriptionId)) throw refuse(`the caller is not a Vigil operator of subscription '${w.subscriptionId}'.`);
    if (!this.requests.optedIn) throw refuse('Customer Lockbox is not enabled for this tenant, so operators have no access to workspace data.');
    if (!requestId) throw refuse('operator access needs an approved lockbox request: give its id (lockboxRequestId).');
    if (!r || r.requestedBy.objectId !== caller.objectId) throw refuse(`there is no lockbox request '${requestId}' of this operator.`);
    if (r.workspaceId !== w.customerId) throw refuse(`lockbox request '${r.requestId}' covers workspace '${r.workspaceResourceId}', not '${workspaceResourceId(w)}'.`);
    if (r.status !== 'Approved') throw refuse(`lockbox request '${r.requestId}' is ${r.status}${r.status === 'Pending' ? ': the customer has not approved it yet' : ''}.`);
    const expires = new Date(r.expirationDateTime);
    if (expires.getTime() <= this.requests.now().getTime()) throw refuse(`the access window of lockbox request '${r.requestId}' ended at ${r.expirationDateTime}.`);
    this.record(r, origin, caller, 'Microsoft.OperationalInsights/workspaces/query/read', 'Customer Lockbox Access', 200, { accessUntil: r.expirationDateTime }, workspaceResourceId(w));
    return new LockboxGrant(issued, r.requestId, w.customerId, expires);
  }
}
