/**
 * `vigil sp create --name X`: creates a service principal on a running Vigil through its Graph-shaped
 * API, adds a client secret, and prints the credentials once (the secret is stored only hashed).
 * It signs in with the credentials in `<data-dir>/bootstrap.json` (the admin principal) unless other
 * ones are given, and trusts the CA named there.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import type { BootstrapInfo } from '../server/bootstrap.js';

export interface CreateSpOptions {
  name: string;
  dataDir: string;
  /** Overrides for who signs in (default: the admin in bootstrap.json). */
  clientId?: string;
  clientSecret?: string;
  endpoint?: string;
  /** Optionally grant a role (built-in name or definition GUID) at a scope right away. */
  role?: string;
  scope?: string;
}

export interface CreatedSp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  objectId: string;
  displayName: string;
  secretEndDateTime: string;
  authorityHost: string;
  endpoint: string;
  roleAssignmentId?: string;
}

interface Reply {
  status: number;
  body: unknown;
}

export function call(url: string, ca: string | undefined, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, ...(ca ? { ca } : {}) }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* keep the text */
        }
        res({ status: r.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', rej);
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    if (body) req.write(body);
    req.end();
  });
}

export function describe(r: Reply): string {
  const b = r.body as { error?: { message?: string } | string; error_description?: string } | undefined;
  if (b && typeof b === 'object') {
    if (typeof b.error === 'object' && b.error?.message) return b.error.message;
    if (b.error_description) return b.error_description;
  }
  return `HTTP ${r.status}`;
}

export async function createServicePrincipal(o: CreateSpOptions): Promise<CreatedSp> {
  const dataDir = resolve(o.dataDir);
  let b: BootstrapInfo;
  try {
    b = JSON.parse(readFileSync(join(dataDir, 'bootstrap.json'), 'utf8')) as BootstrapInfo;
  } catch (err) {
    throw new Error(`cannot read ${join(dataDir, 'bootstrap.json')} (${(err as Error).message}); start Vigil with 'vigil serve --data-dir ${o.dataDir}' first, or pass --data-dir.`);
  }
  const endpoint = (o.endpoint ?? b.endpoint).replace(/\/+$/, '');
  const clientId = o.clientId ?? b.clientId;
  const clientSecret = o.clientSecret ?? process.env.VIGIL_CLIENT_SECRET ?? b.clientSecret;
  if (!clientSecret) throw new Error('no client secret to sign in with: bootstrap.json has none; pass --client-id and set VIGIL_CLIENT_SECRET.');
  let ca: string | undefined;
  try {
    ca = b.caPath ? readFileSync(b.caPath, 'utf8') : undefined;
  } catch {
    ca = undefined; // fall back to the system trust store (and NODE_EXTRA_CA_CERTS)
  }

  if ((o.role === undefined) !== (o.scope === undefined)) throw new Error('--role and --scope go together: name the role and the scope to grant it at.');
  const signIn = async (resource: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${resource}/.default` });
    const token = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
    return { authorization: `Bearer ${(token.body as { access_token: string }).access_token}`, 'content-type': 'application/json' };
  };
  const auth = await signIn('https://graph.microsoft.com');
  // Resolve the role before creating anything, so a typo does not leave a principal behind.
  let roleDefinitionId: string | undefined;
  let scope: string | undefined;
  if (o.role && o.scope) {
    scope = o.scope.startsWith('/') ? o.scope.replace(/\/+$/, '') : `/${o.scope.replace(/\/+$/, '')}`;
    const arm = await signIn('https://management.azure.com');
    const filter = /^[0-9a-f-]{36}$/i.test(o.role) ? '' : `&$filter=${encodeURIComponent(`roleName eq '${o.role.replace(/'/g, "''")}'`)}`;
    const defs = await call(`${endpoint}${scope}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01${filter}`, ca, 'GET', arm);
    if (defs.status !== 200) throw new Error(`looking up role '${o.role}' at ${scope} failed: ${describe(defs)}`);
    const found = (defs.body as { value: { id: string; name: string }[] }).value.find((d) => !filter ? d.name.toLowerCase() === o.role!.toLowerCase() : true);
    if (!found) throw new Error(`no role named '${o.role}' can be assigned at ${scope}; list them with GET ${scope}/providers/Microsoft.Authorization/roleDefinitions.`);
    roleDefinitionId = found.id;
  }

  const created = await call(`${endpoint}/v1.0/servicePrincipals`, ca, 'POST', auth, JSON.stringify({ displayName: o.name }));
  if (created.status !== 201) throw new Error(`creating the service principal failed: ${describe(created)}`);
  const sp = created.body as { id: string; appId: string; displayName: string };
  const secret = await call(`${endpoint}/v1.0/servicePrincipals/${sp.id}/addPassword`, ca, 'POST', auth, JSON.stringify({ passwordCredential: { displayName: 'vigil sp create' } }));
  if (secret.status !== 200) {
    throw new Error(`the service principal ${sp.id} was created, but adding a secret failed: ${describe(secret)}. Add one with POST /v1.0/servicePrincipals/${sp.id}/addPassword.`);
  }
  const s = secret.body as { secretText: string; endDateTime: string };
  let roleAssignmentId: string | undefined;
  if (roleDefinitionId && scope) {
    const arm = await signIn('https://management.azure.com');
    const put = await call(
      `${endpoint}${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
      ca,
      'PUT',
      arm,
      JSON.stringify({ properties: { roleDefinitionId, principalId: sp.id, principalType: 'ServicePrincipal' } }),
    );
    if (put.status !== 201 && put.status !== 200) {
      process.stdout.write(`${JSON.stringify({ tenantId: b.tenantId, clientId: sp.appId, clientSecret: s.secretText, objectId: sp.id }, null, 2)}\n`);
      throw new Error(`the service principal was created (credentials above), but the role assignment failed: ${describe(put)}`);
    }
    roleAssignmentId = (put.body as { id: string }).id;
  }
  return {
    tenantId: b.tenantId,
    clientId: sp.appId,
    clientSecret: s.secretText,
    objectId: sp.id,
    displayName: sp.displayName,
    secretEndDateTime: s.endDateTime,
    authorityHost: endpoint,
    endpoint,
    ...(roleAssignmentId ? { roleAssignmentId } : {}),
  };
}
