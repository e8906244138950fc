/**
 * Customer Lockbox from the command line.
 *
 * The customer's side (`vigil lockbox list|approve|deny`) calls `Microsoft.CustomerLockbox` as the
 * principal of bootstrap.json or `--client-id` with VIGIL_CLIENT_SECRET (an Owner or Lockbox approver).
 * The operator's side (`vigil operator request|status|query`) signs in as the operator principal of
 * `<data-dir>/operator.json` (or `--client-id` with VIGIL_CLIENT_SECRET) and reaches workspace data
 * only under an approved request.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OperatorInfo } from '../server/bootstrap.js';
import { runningVigil, type RunningVigil } from './running-vigil.js';
import { call, describe } from './service-principals.js';

const API = 'api-version=2018-02-28-preview';

export interface ConnectOptions {
  dataDir: string;
  endpoint?: string;
  clientId?: string;
}

async function signIn(v: RunningVigil, clientId: string, clientSecret: string, resource: string): Promise<Record<string, string>> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${resource}/.default` });
  const token = await call(`${v.endpoint}/${v.b.tenantId}/oauth2/v2.0/token`, v.ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
  return { authorization: `Bearer ${(token.body as { access_token: string }).access_token}`, 'content-type': 'application/json' };
}

/** The customer (approver): bootstrap.json's principal, or --client-id with VIGIL_CLIENT_SECRET. */
async function customer(o: ConnectOptions) {
  const v = runningVigil(o);
  return { v, headers: await signIn(v, v.clientId, v.clientSecret, 'https://management.azure.com') };
}

/** The operator: operator.json's principal, or --client-id with VIGIL_CLIENT_SECRET. */
async function operator(o: ConnectOptions, resource: string) {
  const v = runningVigil({ dataDir: o.dataDir, endpoint: o.endpoint, withoutSecret: true });
  let clientId = o.clientId;
  let secret = process.env.VIGIL_CLIENT_SECRET;
  if (!clientId) {
    const file = join(resolve(o.dataDir), 'operator.json');
    let info: OperatorInfo;
    try {
      info = JSON.parse(readFileSync(file, 'utf8')) as OperatorInfo;
    } catch (err) {
      throw new Error(`cannot read ${file} (${(err as Error).message}); pass --client-id of an operator principal and set VIGIL_CLIENT_SECRET.`);
    }
    clientId = info.clientId;
    secret = info.clientSecret;
  }
  if (!secret) throw new Error('no client secret to sign in with: set VIGIL_CLIENT_SECRET.');
  return { v, headers: await signIn(v, clientId, secret, resource) };
}

const check = (r: { status: number; body: unknown }, what: string, ok = [200]) => {
  if (!ok.includes(r.status)) throw new Error(`${what} failed (${r.status}): ${describe(r)}`);
  return r.body;
};

interface RequestBody {
  properties: { requestId: string; status: string; resourceIds: string; justification: string; createdDateTime: string; expirationDateTime: string; requestedBy?: { appId: string } };
}

export function formatRequests(list: RequestBody[]): string {
  if (list.length === 0) return '(no lockbox requests)';
  return list
    .map(({ properties: p }) => `${p.requestId}  ${p.status.padEnd(8)}  until ${p.expirationDateTime}  by ${p.requestedBy?.appId ?? '?'}\n    ${p.resourceIds}\n    ${p.justification}`)
    .join('\n');
}

export async function lockboxList(o: ConnectOptions & { status?: string; subscription?: string }): Promise<RequestBody[]> {
  const { v, headers } = await customer(o);
  const filter = o.status ? `&$filter=${encodeURIComponent(`properties/status eq '${o.status.replace(/'/g, '')}'`)}` : '';
  const r = await call(`${v.endpoint}/subscriptions/${o.subscription ?? v.b.subscriptionId}/providers/Microsoft.CustomerLockbox/requests?${API}${filter}`, v.ca, 'GET', headers);
  return (check(r, 'listing lockbox requests') as { value: RequestBody[] }).value;
}

export async function lockboxDecide(o: ConnectOptions & { requestId: string; approve: boolean; reason?: string; subscription?: string }): Promise<unknown> {
  const { v, headers } = await customer(o);
  const r = await call(
    `${v.endpoint}/subscriptions/${o.subscription ?? v.b.subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${encodeURIComponent(o.requestId)}/updateApproval?${API}`,
    v.ca,
    'POST',
    headers,
    JSON.stringify({ status: o.approve ? 'Approve' : 'Deny', reason: o.reason ?? '' }),
  );
  return check(r, o.approve ? 'approving' : 'denying');
}

export async function operatorRequest(o: ConnectOptions & { workspace: string; justification: string; supportRequest?: string }): Promise<RequestBody> {
  const { v, headers } = await operator(o, 'https://management.azure.com');
  const r = await call(`${v.endpoint}/operator/lockbox/requests`, v.ca, 'POST', headers, JSON.stringify({ workspace: o.workspace, justification: o.justification, ...(o.supportRequest ? { supportRequest: o.supportRequest } : {}) }));
  return check(r, 'asking for lockbox access', [201]) as RequestBody;
}

export async function operatorStatus(o: ConnectOptions & { requestId: string }): Promise<RequestBody> {
  const { v, headers } = await operator(o, 'https://management.azure.com');
  const r = await call(`${v.endpoint}/operator/lockbox/requests/${encodeURIComponent(o.requestId)}`, v.ca, 'GET', headers);
  return check(r, 'reading the lockbox request') as RequestBody;
}

export async function operatorQuery(o: ConnectOptions & { workspace: string; request: string; query: string; timespan?: string }): Promise<unknown> {
  const { v, headers } = await operator(o, 'https://api.loganalytics.io');
  const r = await call(
    `${v.endpoint}/operator/workspaces/${encodeURIComponent(o.workspace)}/query`,
    v.ca,
    'POST',
    { ...headers, 'x-ms-app': 'vigil-operator-cli' },
    JSON.stringify({ query: o.query, lockboxRequestId: o.request, ...(o.timespan ? { timespan: o.timespan } : {}) }),
  );
  return check(r, 'the operator query');
}
