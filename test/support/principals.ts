/**
 * Principals and role assignments on a test Vigil, made through Vigil's public APIs exactly as an
 * operator would: service principals through the Graph-shaped API, role assignments through ARM,
 * and credentials through `ClientSecretCredential`.
 */
import { randomUUID } from 'node:crypto';
import { ClientSecretCredential } from '@azure/identity';
import { BUILT_IN_ROLES } from '../../src/authz/role-definitions.js';
import type { BootstrapInfo } from '../../src/server/bootstrap.js';
import { rawRequest, tokenFor } from './clients.js';

export const AUD = {
  graph: 'https://graph.microsoft.com',
  arm: 'https://management.azure.com',
  logs: 'https://api.loganalytics.io',
  monitor: 'https://monitor.azure.com',
} as const;

export const RA_VERSION = 'api-version=2022-04-01';

export interface TestPrincipal {
  name: string;
  objectId: string;
  appId: string;
  secret: string;
  credential: ClientSecretCredential;
  token(audience: string): Promise<string>;
}

export function roleId(name: string): string {
  const r = BUILT_IN_ROLES.find((x) => x.roleName === name);
  if (!r) throw new Error(`no built-in role '${name}'`);
  return r.id;
}

export interface Reply {
  status: number;
  text: string;
  json: <T = any>() => T;
  headers: Headers;
}

/** A raw JSON call with a bearer token. */
export async function call(b: BootstrapInfo, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await rawRequest(b, token, method, path, body === undefined ? undefined : JSON.stringify(body), {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
  return { status: r.status, text: r.text, headers: r.headers, json: <T>() => r.json() as T };
}

export class Principals {
  private readonly adminTokens = new Map<string, Promise<string>>();
  constructor(readonly b: BootstrapInfo) {}

  adminToken(audience: string): Promise<string> {
    let t = this.adminTokens.get(audience);
    if (!t) this.adminTokens.set(audience, (t = tokenFor(this.b, audience)));
    return t;
  }

  credentialFor(appId: string, secret: string): ClientSecretCredential {
    return new ClientSecretCredential(this.b.tenantId, appId, secret, { authorityHost: this.b.authorityHost, disableInstanceDiscovery: true });
  }

  /** Creates a service principal with a secret through `/v1.0/servicePrincipals` and `addPassword`. */
  async create(name: string): Promise<TestPrincipal> {
    const graph = await this.adminToken(AUD.graph);
    const sp = await call(this.b, graph, 'POST', '/v1.0/servicePrincipals', { displayName: name });
    if (sp.status !== 201) throw new Error(`creating ${name}: ${sp.status} ${sp.text}`);
    const { id, appId } = sp.json<{ id: string; appId: string }>();
    const pw = await call(this.b, graph, 'POST', `/v1.0/servicePrincipals/${id}/addPassword`, { passwordCredential: { displayName: 'test' } });
    if (pw.status !== 200) throw new Error(`addPassword for ${name}: ${pw.status} ${pw.text}`);
    const secret = pw.json<{ secretText: string }>().secretText;
    const credential = this.credentialFor(appId, secret);
    return {
      name,
      objectId: id,
      appId,
      secret,
      credential,
      token: async (audience) => (await credential.getToken(`${audience}/.default`)).token,
    };
  }

  /** Assigns a role (built-in name or definition GUID) at a scope, as the admin; returns the assignment's name. */
  /**
   * A custom role that may query the workspace (workspaces/read + workspaces/query/read) and read no
   * table: the first half of Azure's table-level access pattern, tables then granted one by one.
   * Returns its GUID.
   */
  async createQueryOnlyRole(roleName: string, workspaceArm: string, description?: string): Promise<string> {
    const id = randomUUID();
    const res = await call(this.b, await this.adminToken(AUD.arm), 'PUT', `/subscriptions/${this.b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}?${RA_VERSION}`, {
      properties: {
        roleName,
        ...(description ? { description } : {}),
        permissions: [{ actions: ['Microsoft.OperationalInsights/workspaces/read', 'Microsoft.OperationalInsights/workspaces/query/read'] }],
        assignableScopes: [workspaceArm],
      },
    });
    if (res.status !== 201) throw new Error(`creating role ${roleName}: ${res.status} ${res.text}`);
    return id;
  }

  async assign(principalId: string, role: string, scope: string, token?: string): Promise<string> {
    const name = randomUUID();
    const guid = /^[0-9a-f-]{36}$/i.test(role) ? role : roleId(role);
    const res = await call(this.b, token ?? (await this.adminToken(AUD.arm)), 'PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?${RA_VERSION}`, {
      properties: { roleDefinitionId: `/subscriptions/${this.b.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, principalId },
    });
    if (res.status !== 201) throw new Error(`assigning ${role} at ${scope}: ${res.status} ${res.text}`);
    return name;
  }
}
