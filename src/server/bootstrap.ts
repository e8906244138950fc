import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONITORING_METRICS_PUBLISHER_ROLE_ID, OWNER_ROLE_ID, VIGIL_OPERATOR_ROLE_ID } from '../authz/role-definitions.js';
import { newWorkspace } from '../control/workspaces.js';
import type { MetadataState } from '../metadata/records.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import { generateClientSecret, hashSecret } from '../identity/secrets.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { storageErrorKind } from '../util/storage-io.js';

/** The keys of `bootstrap.json`, exactly (issue #2). */
export interface BootstrapInfo {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  workspaceId: string;
  workspaceResourceId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  endpoint: string;
  caPath: string;
}

export const DEFAULT_LOCATION = 'local';

/**
 * The state of a brand-new Vigil: a tenant, a subscription, resource group `default`, workspace
 * `default`, and an admin service principal holding Owner (and Monitoring Metrics Publisher) on the subscription. Returns the admin's
 * secret too: it is shown once (in bootstrap.json) and stored only as a hash.
 */
export async function initialState(): Promise<{ state: MetadataState; adminSecret: string; operatorSecret: string }> {
  const tenantId = randomUUID();
  const subscriptionId = randomUUID();
  const adminSecret = generateClientSecret();
  const now = new Date().toISOString();
  const admin = {
    objectId: randomUUID(),
    appId: randomUUID(),
    displayName: 'vigil-admin',
    tenantId,
    secrets: [{ keyId: randomUUID(), hash: await hashSecret(adminSecret), endDateTime: '2299-12-31T00:00:00Z', displayName: 'bootstrap' }],
    createdAt: now,
  };
  // The operator principal (Customer Lockbox): the people who run the server sign in as it, and it
  // holds only the Vigil Operator role, which reaches workspace data only under an approved request.
  const operatorSecret = generateClientSecret();
  const operator = {
    objectId: randomUUID(),
    appId: randomUUID(),
    displayName: 'vigil-operator',
    tenantId,
    secrets: [{ keyId: randomUUID(), hash: await hashSecret(operatorSecret), endDateTime: '2299-12-31T00:00:00Z', displayName: 'bootstrap' }],
    createdAt: now,
  };
  const state: MetadataState = {
    version: 1,
    tenantId,
    subscriptions: [{ subscriptionId, displayName: 'Vigil' }],
    resourceGroups: [{ subscriptionId, name: 'default', location: DEFAULT_LOCATION }],
    workspaces: [newWorkspace(subscriptionId, 'default', 'default', DEFAULT_LOCATION)],
    dataCollectionRules: [],
    servicePrincipals: [admin, operator],
    // Owner manages everything; as in Azure, sending logs is a dataAction that Owner does not hold,
    // so the admin also gets Monitoring Metrics Publisher to make the first upload work.
    roleAssignments: [OWNER_ROLE_ID, MONITORING_METRICS_PUBLISHER_ROLE_ID].map((roleId) => ({
      name: randomUUID(),
      scope: `/subscriptions/${subscriptionId}`,
      roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
      principalId: admin.objectId,
      principalType: 'ServicePrincipal' as const,
      createdOn: now,
    })).concat([{
      name: randomUUID(),
      scope: `/subscriptions/${subscriptionId}`,
      roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${VIGIL_OPERATOR_ROLE_ID}`,
      principalId: operator.objectId,
      principalType: 'ServicePrincipal' as const,
      createdOn: now,
    }]),
    roleDefinitions: [],
    userAssignedIdentities: [],
    locks: [],
    diagnosticSettings: [],
    purgeOperations: [],
    scheduledQueryRules: [],
    actionGroups: [],
  };
  return { state, adminSecret, operatorSecret };
}

/**
 * Writes `bootstrap.json` (0600). The admin secret is known in clear only on first start; later
 * starts keep the one already in the file and refresh the endpoint, which follows host and port.
 */
export function writeBootstrapFile(dataDir: string, state: MetadataState, endpoint: string, caPath: string, adminSecret?: string): BootstrapInfo {
  const path = join(dataDir, 'bootstrap.json');
  let secret = adminSecret;
  if (secret === undefined && existsSync(path)) {
    try {
      secret = (JSON.parse(readFileSync(path, 'utf8')) as Partial<BootstrapInfo>).clientSecret;
    } catch {
      secret = undefined;
    }
  }
  const admin = state.servicePrincipals.find((p) => p.displayName === 'vigil-admin') ?? state.servicePrincipals[0]!;
  const w = state.workspaces.find((x) => x.name === 'default') ?? state.workspaces[0];
  const info: BootstrapInfo = {
    tenantId: state.tenantId,
    subscriptionId: state.subscriptions[0]!.subscriptionId,
    resourceGroup: w?.resourceGroup ?? 'default',
    workspaceName: w?.name ?? '',
    workspaceId: w?.customerId ?? '',
    workspaceResourceId: w ? workspaceResourceId(w) : '',
    clientId: admin.appId,
    clientSecret: secret ?? '',
    authorityHost: endpoint,
    endpoint,
    caPath,
  };
  try {
    writeFileAtomic(path, `${JSON.stringify(info, null, 2)}\n`, 0o600);
  } catch (err) {
    // Start on a full disk all the same (queries work, ingestion answers 503 until space returns).
    if (!storageErrorKind(err)) throw err;
    process.stderr.write(`vigil warn: ${path} could not be updated (${(err as Error).message}); it may name an old endpoint until the next start\n`);
  }
  return info;
}

/** The operator's credentials (`operator.json`, 0600), written once, on first start: Customer Lockbox's operator side (`vigil operator …`). */
export interface OperatorInfo {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  objectId: string;
}

export function writeOperatorFile(dataDir: string, state: MetadataState, secret: string): void {
  const p = state.servicePrincipals.find((x) => x.displayName === 'vigil-operator');
  if (!p) return;
  const info: OperatorInfo = { tenantId: state.tenantId, clientId: p.appId, clientSecret: secret, objectId: p.objectId };
  writeFileAtomic(join(dataDir, 'operator.json'), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}
