/** Calls Vigil's public APIs (Query API, ARM, Graph) with the user's bearer token, as any SDK does. */
import { forgetToken, startSignIn, token } from './auth';

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: unknown) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${await token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401) {
    forgetToken();
    await startSignIn();
  }
  const text = await r.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!r.ok) {
    const e = parsed?.error;
    throw new ApiFailure(r.status, e?.code ?? `HTTP ${r.status}`, e?.message ?? `HTTP ${r.status}`, parsed);
  }
  return parsed as T;
}

export interface Workspace { id: string; name: string; customerId: string; resourceGroup: string; subscriptionId: string }

/** Every workspace the user can see, through ARM (subscriptions, then workspaces per subscription). */
export async function listWorkspaces(): Promise<Workspace[]> {
  const subs = await api<{ value: { subscriptionId: string }[] }>('GET', '/subscriptions?api-version=2022-12-01');
  const out: Workspace[] = [];
  for (const s of subs.value) {
    try {
      const ws = await api<{ value: { id: string; name: string; properties: { customerId: string } }[] }>(
        'GET',
        `/subscriptions/${s.subscriptionId}/providers/Microsoft.OperationalInsights/workspaces?api-version=2022-10-01`,
      );
      for (const w of ws.value) out.push({ id: w.id, name: w.name, customerId: w.properties.customerId, resourceGroup: w.id.split('/')[4]!, subscriptionId: s.subscriptionId });
    } catch (err) {
      if (!(err instanceof ApiFailure && err.status === 403)) throw err;
    }
  }
  return out;
}

export interface QueryResult {
  tables: { name: string; columns: { name: string; type: string }[]; rows: unknown[][] }[];
  render?: { visualization: string; [k: string]: unknown };
}

/** `target`: a workspace id (workspace context), or a Query API path prefix such as `/v1/subscriptions/…` (resource context). */
export function runQuery(target: string, query: string, timespan?: string): Promise<QueryResult> {
  const prefix = target.startsWith('/v1/') ? target : `/v1/workspaces/${target}`;
  return api<QueryResult>('POST', `${prefix}/query`, { query, ...(timespan ? { timespan } : {}) }, { prefer: 'include-render=true' });
}
