/**
 * `vigil user create`, `vigil group create`, `vigil group add-member` (issue 18): portal users and
 * security groups on a running Vigil, through its Graph-shaped API, signed in as the admin of
 * `<data-dir>/bootstrap.json` (or other credentials). A new user's password (generated unless given in
 * VIGIL_USER_PASSWORD) and TOTP secret are printed once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { call, describe } from './service-principals.js';
import { runningVigil } from './running-vigil.js';

export interface AdminOptions {
  dataDir: string;
  endpoint?: string;
  clientId?: string;
}

interface Session {
  endpoint: string;
  tenantId: string;
  ca: string | undefined;
  headers: (resource: string) => Promise<Record<string, string>>;
}

function open(o: AdminOptions): Session {
  const { b, endpoint, clientId, clientSecret, ca } = runningVigil(o);
  const headers = async (resource: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${resource}/.default` });
    const token = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
    return { authorization: `Bearer ${(token.body as { access_token: string }).access_token}`, 'content-type': 'application/json' };
  };
  return { endpoint, tenantId: b.tenantId, ca, headers };
}

/** Resolves a role name or GUID to its definition id at `scope` (before anything is created). */
async function resolveRole(s: Session, role: string, scope: string): Promise<string> {
  const arm = await s.headers('https://management.azure.com');
  const byGuid = /^[0-9a-f-]{36}$/i.test(role);
  const filter = byGuid ? '' : `&$filter=${encodeURIComponent(`roleName eq '${role.replace(/'/g, "''")}'`)}`;
  const defs = await call(`${s.endpoint}${scope}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01${filter}`, s.ca, 'GET', arm);
  if (defs.status !== 200) throw new Error(`looking up role '${role}' at ${scope} failed: ${describe(defs)}`);
  const found = (defs.body as { value: { id: string; name: string }[] }).value.find((d) => (byGuid ? d.name.toLowerCase() === role.toLowerCase() : true));
  if (!found) throw new Error(`no role named '${role}' can be assigned at ${scope}.`);
  return found.id;
}

async function assign(s: Session, roleDefinitionId: string, scope: string, principalId: string, principalType: 'User' | 'Group'): Promise<string> {
  const arm = await s.headers('https://management.azure.com');
  const put = await call(
    `${s.endpoint}${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
    s.ca,
    'PUT',
    arm,
    JSON.stringify({ properties: { roleDefinitionId, principalId, principalType } }),
  );
  if (put.status !== 201 && put.status !== 200) throw new Error(`the ${principalType.toLowerCase()} was created, but the role assignment failed: ${describe(put)}`);
  return (put.body as { id: string }).id;
}

const normalizeScope = (scope: string) => (scope.startsWith('/') ? scope.replace(/\/+$/, '') : `/${scope.replace(/\/+$/, '')}`);

export interface CreateUserOptions extends AdminOptions {
  userPrincipalName: string;
  displayName?: string;
  role?: string;
  scope?: string;
}

export async function createUser(o: CreateUserOptions) {
  if ((o.role === undefined) !== (o.scope === undefined)) throw new Error('--role and --scope go together.');
  const s = open(o);
  const scope = o.scope ? normalizeScope(o.scope) : undefined;
  const roleDefinitionId = o.role && scope ? await resolveRole(s, o.role, scope) : undefined;
  const given = process.env.VIGIL_USER_PASSWORD;
  // 24 random bytes, base64url: 32 characters, 192 bits.
  const password = given ?? randomBytes(24).toString('base64url');
  const graph = await s.headers('https://graph.microsoft.com');
  const created = await call(
    `${s.endpoint}/v1.0/users`,
    s.ca,
    'POST',
    graph,
    JSON.stringify({ userPrincipalName: o.userPrincipalName, displayName: o.displayName ?? o.userPrincipalName.split('@')[0], passwordProfile: { password } }),
  );
  if (created.status !== 201) throw new Error(`creating the user failed: ${describe(created)}`);
  const u = created.body as { id: string; userPrincipalName: string; displayName: string; vigilTotp: { secret: string; uri: string } };
  const roleAssignmentId = roleDefinitionId && scope ? await assign(s, roleDefinitionId, scope, u.id, 'User') : undefined;
  return {
    objectId: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    ...(given ? {} : { password }),
    totpSecret: u.vigilTotp.secret,
    totpUri: u.vigilTotp.uri,
    portal: `${s.endpoint}/portal/`,
    ...(roleAssignmentId ? { roleAssignmentId } : {}),
  };
}

export interface CreateGroupOptions extends AdminOptions {
  displayName: string;
  role?: string;
  scope?: string;
}

export async function createGroup(o: CreateGroupOptions) {
  if ((o.role === undefined) !== (o.scope === undefined)) throw new Error('--role and --scope go together.');
  const s = open(o);
  const scope = o.scope ? normalizeScope(o.scope) : undefined;
  const roleDefinitionId = o.role && scope ? await resolveRole(s, o.role, scope) : undefined;
  const graph = await s.headers('https://graph.microsoft.com');
  const created = await call(`${s.endpoint}/v1.0/groups`, s.ca, 'POST', graph, JSON.stringify({ displayName: o.displayName, securityEnabled: true, mailEnabled: false }));
  if (created.status !== 201) throw new Error(`creating the group failed: ${describe(created)}`);
  const g = created.body as { id: string; displayName: string };
  const roleAssignmentId = roleDefinitionId && scope ? await assign(s, roleDefinitionId, scope, g.id, 'Group') : undefined;
  return { objectId: g.id, displayName: g.displayName, ...(roleAssignmentId ? { roleAssignmentId } : {}) };
}

export async function addGroupMember(o: AdminOptions & { group: string; member: string }) {
  const s = open(o);
  const graph = await s.headers('https://graph.microsoft.com');
  let memberId = o.member;
  if (memberId.includes('@')) {
    const u = await call(`${s.endpoint}/v1.0/users/${encodeURIComponent(memberId)}`, s.ca, 'GET', graph);
    if (u.status !== 200) throw new Error(`no user '${o.member}': ${describe(u)}`);
    memberId = (u.body as { id: string }).id;
  }
  const r = await call(
    `${s.endpoint}/v1.0/groups/${encodeURIComponent(o.group)}/members/$ref`,
    s.ca,
    'POST',
    graph,
    JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` }),
  );
  if (r.status !== 204) throw new Error(`adding the member failed: ${describe(r)}`);
  return { group: o.group, member: memberId };
}

/** A user's object id from its object id or sign-in name. */
async function resolveUser(s: Session, graph: Record<string, string>, ref: string): Promise<{ id: string; userPrincipalName: string }> {
  const u = await call(`${s.endpoint}/v1.0/users/${encodeURIComponent(ref)}`, s.ca, 'GET', graph);
  if (u.status !== 200) throw new Error(`no user '${ref}': ${describe(u)}`);
  return u.body as { id: string; userPrincipalName: string };
}

/** `vigil user disable|enable`: PATCH /v1.0/users/{id} {accountEnabled}; disabling ends the user's sessions and tokens at once. */
export async function setUserEnabled(o: AdminOptions & { user: string; enabled: boolean }) {
  const s = open(o);
  const graph = await s.headers('https://graph.microsoft.com');
  const u = await resolveUser(s, graph, o.user);
  const r = await call(`${s.endpoint}/v1.0/users/${u.id}`, s.ca, 'PATCH', graph, JSON.stringify({ accountEnabled: o.enabled }));
  if (r.status !== 204) throw new Error(`${o.enabled ? 'enabling' : 'disabling'} the user failed: ${describe(r)}`);
  return { objectId: u.id, userPrincipalName: u.userPrincipalName, accountEnabled: o.enabled };
}

/**
 * `vigil user reset-password`: PATCH /v1.0/users/{id} {passwordProfile}; the new password (generated
 * unless VIGIL_USER_PASSWORD is set) is printed once; the user's sessions and earlier tokens end.
 */
export async function resetUserPassword(o: AdminOptions & { user: string }) {
  const s = open(o);
  const graph = await s.headers('https://graph.microsoft.com');
  const u = await resolveUser(s, graph, o.user);
  const given = process.env.VIGIL_USER_PASSWORD;
  const password = given ?? randomBytes(24).toString('base64url');
  const r = await call(`${s.endpoint}/v1.0/users/${u.id}`, s.ca, 'PATCH', graph, JSON.stringify({ passwordProfile: { password } }));
  if (r.status !== 204) throw new Error(`resetting the password failed: ${describe(r)}`);
  return { objectId: u.id, userPrincipalName: u.userPrincipalName, ...(given ? {} : { password }) };
}

/**
 * `vigil user reset-totp`: POST /v1.0/users/{id}/authentication/vigilTotp/reset; the new TOTP secret is
 * printed once (and its otpauth:// URI); the old one stops working, the user's sessions and earlier tokens end.
 */
export async function resetUserTotp(o: AdminOptions & { user: string }) {
  const s = open(o);
  const graph = await s.headers('https://graph.microsoft.com');
  const u = await resolveUser(s, graph, o.user);
  const r = await call(`${s.endpoint}/v1.0/users/${u.id}/authentication/vigilTotp/reset`, s.ca, 'POST', graph, '{}');
  if (r.status !== 200) throw new Error(`resetting the authenticator failed: ${describe(r)}`);
  const t = r.body as { secret: string; uri: string };
  return { objectId: u.id, userPrincipalName: u.userPrincipalName, totpSecret: t.secret, totpUri: t.uri };
}
