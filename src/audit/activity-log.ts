/**
 * The activity log: every control-plane write, delete and action (PUT, PATCH, DELETE, POST) — who,
 * what, on which scope, with which result, correlation id and caller IP — as an `AzureActivity` row
 * in the workspace(s) the subscription's diagnostic setting names (by default the subscription's
 * default workspace; see destinations.ts). The ARM dispatcher (src/control/routes.ts) records each
 * call in one place; long-running work (a purge) adds its completion.
 *
 * Nothing from request bodies is recorded except what a handler chooses to add, and every message
 * passes through the request's obfuscated-literal scrubbing before it gets here.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { activityDestinations } from './destinations.js';
import type { AuditSink } from './sink.js';
import { AZURE_ACTIVITY } from './system-tables.js';

export interface ActivityEvent {
  caller: Caller;
  method: string;
  /** The ARM path of the request (the resource or action id). */
  resourceId: string;
  /** The ARM operation, e.g. `Microsoft.OperationalInsights/workspaces/tables/write`. */
  operation: string;
  /** The operation's display name, when it differs from the ARM operation (e.g. 'Approve Lockbox Request'). */
  operationDisplayName?: string;
  status: number;
  errorCode?: string;
  errorMessage?: string;
  correlationId: string;
  callerIp?: string;
  /** Extra properties the handler adds (never request bodies wholesale). */
  properties?: Record<string, unknown>;
  operationId?: string;
  /** Overrides the status derived from the HTTP status (e.g. 'Succeeded' for a completed purge). */
  activityStatus?: 'Start' | 'Accept' | 'Success' | 'Failure';
}

const subscriptionOf = (path: string) => /^\/*subscriptions\/([^/]+)/i.exec(path)?.[1];
const resourceGroupOf = (path: string) => /^\/*subscriptions\/[^/]+\/resourcegroups\/([^/]+)/i.exec(path)?.[1];
const providerOf = (path: string) => {
  const all = [...path.matchAll(/\/providers\/([^/]+)/gi)];
  return all.length ? all[all.length - 1]![1]! : 'Microsoft.Resources';
};

export class ActivityLog {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly sink: AuditSink,
  ) {}

  record(e: ActivityEvent): void {
    try {
      const sub = subscriptionOf(e.resourceId);
      if (!sub) return;
      const destinations = activityDestinations(this.metadata, sub);
      if (destinations.length === 0) return;
      const now = new Date();
      const failed = e.status >= 400;
      const status = e.activityStatus ?? (failed ? 'Failure' : e.status === 202 ? 'Accept' : 'Success');
      const substatus = (STATUS_CODES[e.status] ?? String(e.status)).replace(/[^A-Za-z]/g, '');
      const authorization = { action: e.operation, scope: e.resourceId };
      const claims = { appid: e.caller.appId, oid: e.caller.objectId, tid: e.caller.tenantId };
      const http = { clientRequestId: e.correlationId, clientIpAddress: e.callerIp ?? '', method: e.method };
      const properties = {
        statusCode: substatus,
        httpStatusCode: e.status,
        serviceRequestId: e.correlationId,
        ...(e.errorCode ? { statusMessage: JSON.stringify({ error: { code: e.errorCode, message: e.errorMessage ?? '' } }) } : {}),
        ...(e.properties ?? {}),
      };
      const segments = e.resourceId.split('/').filter(Boolean);
      for (const w of destinations) {
        this.sink.write(w, AZURE_ACTIVITY, {
          TimeGenerated: now,
          OperationName: e.operationDisplayName ?? e.operation,
          OperationNameValue: e.operation.toUpperCase(),
          Level: failed ? 'Error' : 'Informational',
          ActivityStatus: status === 'Success' ? 'Succeeded' : status === 'Failure' ? 'Failed' : status === 'Accept' ? 'Accepted' : 'Started',
          ActivityStatusValue: status,
          ActivitySubstatus: substatus,
          ActivitySubstatusValue: substatus,
          Category: 'Administrative',
          CategoryValue: 'Administrative',
          Caller: e.caller.objectId,
          CallerIpAddress: e.callerIp ?? '',
          CorrelationId: e.correlationId,
          EventDataId: randomUUID(),
          EventSubmissionTimestamp: now,
          OperationId: e.operationId ?? randomUUID(),
          SubscriptionId: sub,
          ResourceGroup: resourceGroupOf(e.resourceId) ?? '',
          ResourceProvider: providerOf(e.resourceId),
          ResourceProviderValue: providerOf(e.resourceId).toUpperCase(),
          Resource: segments[segments.length - 1] ?? '',
          ResourceId: e.resourceId,
          Hierarchy: `${e.caller.tenantId}/${sub}`,
          Authorization: JSON.stringify(authorization),
          Authorization_d: authorization,
          Claims: JSON.stringify(claims),
          Claims_d: claims,
          HTTPRequest: JSON.stringify(http),
          Properties: JSON.stringify(properties),
          Properties_d: properties,
          SourceSystem: 'Azure',
          _ResourceId: e.resourceId.toLowerCase(),
        });
      }
    } catch {
      // The activity log never changes the outcome of the operation it records.
    }
  }
}
