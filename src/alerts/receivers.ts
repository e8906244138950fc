/**
 * The receivers of an action group that Vigil delivers to, all over the same HTTPS delivery and SSRF
 * checks (webhook-delivery.ts): webhook receivers, and the two kinds that are webhooks behind a
 * callback URL — Logic App receivers (`callbackUrl`) and Azure Function receivers (`httpTriggerUrl`).
 * Email receivers go to the operator's SMTP relay (email-delivery.ts).
 * Receiver names are unique across the whole group, so a notification names its receiver by name.
 */
import type { ActionGroupRecord } from './records.js';

export interface DeliverableReceiver {
  kind: 'webhook' | 'logicApp' | 'azureFunction' | 'email';
  name: string;
  /** The URL of the HTTPS kinds ('' for email). */
  serviceUri: string;
  emailAddress?: string;
  useAadAuth: boolean;
  identifierUri?: string;
  tenantId?: string;
}

export function deliverableReceivers(g: ActionGroupRecord): DeliverableReceiver[] {
  return [
    ...g.webhookReceivers.map((r) => ({ kind: 'webhook' as const, name: r.name, serviceUri: r.serviceUri, useAadAuth: r.useAadAuth, identifierUri: r.identifierUri, tenantId: r.tenantId })),
    ...(g.logicAppReceivers ?? []).map((r) => ({ kind: 'logicApp' as const, name: r.name, serviceUri: r.callbackUrl, useAadAuth: false })),
    ...(g.azureFunctionReceivers ?? []).map((r) => ({ kind: 'azureFunction' as const, name: r.name, serviceUri: r.httpTriggerUrl, useAadAuth: false })),
    ...(g.emailReceivers ?? []).map((r) => ({ kind: 'email' as const, name: r.name, serviceUri: '', emailAddress: r.emailAddress, useAadAuth: false })),
  ];
}
