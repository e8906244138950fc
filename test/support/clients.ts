/** The official Azure SDK clients, pointed at a test Vigil exactly as the README tells users to. */
import { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import { MonitorClient } from '@azure/arm-monitor';
import { ClientSecretCredential } from '@azure/identity';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';

export function sdkClients(b: BootstrapInfo) {
  const credential = new ClientSecretCredential(b.tenantId, b.clientId, b.clientSecret, {
    authorityHost: b.authorityHost,
    disableInstanceDiscovery: true,
  });
  return {
    credential,
    logAnalytics: new OperationalInsightsManagementClient(credential, b.subscriptionId, { endpoint: b.endpoint }),
    monitor: new MonitorClient(credential, b.subscriptionId, { endpoint: b.endpoint }),
    ingestion: new LogsIngestionClient(b.endpoint, credential),
    query: new LogsQueryClient(credential, { endpoint: `${b.endpoint}/v1` }),
  };
}

/** A raw HTTPS call with a token for `audience`, for the cases the SDKs cannot express (bad input). */
export async function rawRequest(
  b: BootstrapInfo,
  token: string | undefined,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`${b.endpoint}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body as BodyInit | undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export async function tokenFor(b: BootstrapInfo, audience: string): Promise<string> {
  const { credential } = sdkClients(b);
  const t = await credential.getToken(`${audience}/.default`);
  return t.token;
}
