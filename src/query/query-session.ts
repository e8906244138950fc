/**
 * query-session.ts — the session of one Query API request as KQL's current_principal(),
 * current_principal_details(), current_principal_is_member_of(), current_database() and
 * current_cluster_endpoint() report it.
 *
 * Built from the authenticated caller only (never from the request body), in Kusto's formats:
 * FQN `aaduser=<objectId>;<tenantId>` for a user, `aadapp=<appId>;<tenantId>` for an application
 * or managed identity. The caller is a member of its own FQNs (also without `;tenant`, and a user
 * by `aaduser=<upn>`) and of every Vigil security group that lists it (`aadgroup=<objectId>[;tenant]`
 * or `aadgroup=<display name>`). Membership is compared case-insensitively.
 */
import type { Caller } from '../authz/authorize.js';
import type { QuerySession } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';

export function querySession(caller: Caller, metadata: MetadataStore, database: string, endpoint = ''): QuerySession {
  const tenant = caller.tenantId;
  const user = metadata.userByObjectId(caller.objectId);
  const names = new Set<string>();
  let fqn: string;
  let details: Record<string, string | null>;
  if (user) {
    fqn = `aaduser=${caller.objectId};${tenant}`;
    names.add(`aaduser=${caller.objectId}`).add(`aaduser=${user.userPrincipalName}`);
    details = {
      UserPrincipalName: user.userPrincipalName,
      IdentityProvider: 'Vigil',
      Authority: tenant,
      // a Vigil user signs in with a password and a TOTP code
      Mfa: 'True',
      Type: 'AadUser',
      DisplayName: `${user.displayName} (upn: ${user.userPrincipalName})`,
      ObjectId: caller.objectId,
      FQN: fqn,
      Notes: null,
    };
  } else {
    const app = metadata.servicePrincipalByObjectId(caller.objectId);
    fqn = `aadapp=${caller.appId};${tenant}`;
    names.add(`aadapp=${caller.appId}`);
    details = {
      IdentityProvider: 'Vigil',
      Authority: tenant,
      Mfa: 'False',
      Type: 'AadApplication',
      DisplayName: `${app?.displayName ?? caller.appId} (app id: ${caller.appId})`,
      ObjectId: caller.objectId,
      FQN: fqn,
      Notes: null,
    };
  }
  names.add(fqn);
  for (const g of metadata.groups()) {
    if (!g.members.some((m) => m.toLowerCase() === caller.objectId.toLowerCase())) continue;
    names.add(`aadgroup=${g.objectId};${tenant}`).add(`aadgroup=${g.objectId}`).add(`aadgroup=${g.displayName}`);
  }
  return { principalFqn: fqn, principalDetails: details, memberOf: new Set([...names].map((n) => n.toLowerCase())), database, clusterEndpoint: hostOf(endpoint) };
}

/** The DNS name (host) of an endpoint URL, as current_cluster_endpoint() reports it. */
function hostOf(endpoint: string): string {
  try {
    return endpoint ? new URL(endpoint).hostname : '';
  } catch {
    return '';
  }
}
