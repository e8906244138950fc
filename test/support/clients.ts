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
  const send = () =>
    fetch(`${b.endpoint}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body as BodyInit | undefined,
    });
  let res: Response;
  try {
    res = await send();
  } catch (err) {
    if (!isStaleKeepAliveSocket(err)) throw withCause(err, method, path);
    res = await send().catch((again: unknown) => {
      throw withCause(again, method, path);
    });
  }
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/**
 * fetch() reuses pooled keep-alive sockets. When a test blocks its event loop for longer than the
 * server's keep-alive timeout (spawnSync of the CLI on a loaded machine), the server's close of an
 * idle socket is not yet processed when the next request picks that socket, and the request fails
 * with "other side closed" before the server ever read it. Such a request is sent again, once, on a
 * fresh socket; a server that is down still fails (connection refused).
 */
function isStaleKeepAliveSocket(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return err instanceof TypeError && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET');
}

/** "fetch failed" alone does not say why: name the request and the socket-level cause. */
function withCause(err: unknown, method: string, path: string): Error {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return new Error(`${method} ${path.split('?')[0]}: ${(err as Error)?.message ?? String(err)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`, { cause: err });
}

export async function tokenFor(b: BootstrapInfo, audience: string): Promise<string> {
  const { credential } = sdkClients(b);
  const t = await credential.getToken(`${audience}/.default`);
  return t.token;
}
