import type { PrivateEndpointRecord, PrivateLinkScopeRecord } from '../network/records.js';
import type { RoleDefinition } from '../authz/role-definitions.js';
import type { KqlType } from '../kql/index.js';
import type { ActionGroupRecord, ScheduledQueryRuleRecord } from '../alerts/records.js';
import type { MonitorAccountRecord } from '../metrics/records.js';
import type { DataCollectionEndpointRecord, DataCollectionRuleAssociationRecord } from './data-collection-records.js';

/** Control-plane records as Vigil persists them. ARM ids are kept in the casing they were created with. */

export interface SubscriptionRecord {
  subscriptionId: string;
  displayName: string;
}

export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
}

export type TablePlan = 'Analytics' | 'Basic' | 'Auxiliary';

export interface TableColumn {
  name: string;
  type: KqlType;
  description?: string;
  displayName?: string;
  dataTypeHint?: string;
}

export interface TableRecord {
  name: string;
  plan: TablePlan;
  /** -1 means "the workspace default". */
  retentionInDays: number;
  totalRetentionInDays: number;
  /** Columns declared by the user (custom tables) — the standard columns are added by Vigil. */
  columns: TableColumn[];
  description?: string;
  tableType: 'CustomLog' | 'Microsoft';
  lastPlanModifiedDate: string;
  createdAt: string;
}

export interface WorkspaceRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** The GUID the query API addresses the workspace by. */
  customerId: string;
  location: string;
  tags?: Record<string, string>;
  retentionInDays: number;
  features: { enableLogAccessUsingOnlyResourcePermissions: boolean; [k: string]: unknown };
  publicNetworkAccessForIngestion: 'Enabled' | 'Disabled';
  publicNetworkAccessForQuery: 'Enabled' | 'Disabled';
  sku: string;
  createdDate: string;
  modifiedDate: string;
  tables: TableRecord[];
  /** The scheduled private-data scan of the workspace (src/governance/private-data-scanner.ts). */
  privateDataScan?: import('../governance/private-data-scanner.js').PrivateDataScanSettings;
  /** The dedicated cluster the workspace is linked to (`linkedServices/cluster`, issue #15). */
  clusterResourceId?: string;
  linkedAt?: string;
  /** Saved searches (`…/workspaces/{ws}/savedSearches`, issue 18); absent until the first one. */
  savedSearches?: SavedSearchRecord[];
}

export interface SavedSearchRecord {
  /** The resource name (Azure's saved search id). */
  name: string;
  category: string;
  displayName: string;
  query: string;
  functionAlias?: string;
  functionParameters?: string;
  version: number;
  tags?: { name: string; value: string }[];
  etag: string;
  createdBy: string;
  updatedAt: string;
}

export interface StreamColumn {
  name: string;
  type: 'string' | 'int' | 'long' | 'real' | 'boolean' | 'dynamic' | 'datetime';
}

/** `properties.dataSources.syslog[]` of a rule (src/control/dcr-syslog-sources.ts). */
export interface SyslogDataSource {
  name: string;
  /** `Microsoft-Syslog` and/or `Microsoft-CommonSecurityLog`. */
  streams: string[];
  /** DCR facility names (`auth`, `local4`, … or `*`). */
  facilityNames: string[];
  /** DCR level names (`Warning`, … or `*`). */
  logLevels: string[];
}

/** One entry of a rule's `otelLogs` data sources. */
export interface OtelLogsDataSource {
  name?: string;
  streams: string[];
  enrichWithResourceAttributes?: string[];
}

export interface DataCollectionRuleRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kind?: string;
  tags?: Record<string, string>;
  description?: string;
  immutableId: string;
  dataCollectionEndpointId?: string;
  streamDeclarations: Record<string, { columns: StreamColumn[] }>;
  destinations: {
    logAnalytics: { name: string; workspaceResourceId: string; workspaceId: string }[];
    /** Azure Monitor workspaces (Managed Prometheus): set on an account's default rule (issue 19). */
    monitoringAccounts?: { name: string; accountResourceId: string; accountId: string }[];
  };
  dataFlows: { streams: string[]; destinations: string[]; transformKql: string; outputStream: string }[];
  /**
   * `properties.dataSources`: syslog (validated; the built-in streams it produces need no
   * declaration) and others as given (e.g. `prometheusForwarder` on an account's default rule).
   */
  dataSources?: { syslog?: SyslogDataSource[]; [kind: string]: unknown };
  /** OpenTelemetry data sources (issue 19): `dataSources.otelLogs` / `directDataSources.otelLogs`, as given. */
  otelDataSources?: { otelLogs: OtelLogsDataSource[] };
  otelDirectDataSources?: { otelLogs: OtelLogsDataSource[] };
  createdAt: string;
}

export interface ServicePrincipalSecret {
  keyId: string;
  hash: string;
  endDateTime: string;
  displayName?: string;
}

export interface ServicePrincipalRecord {
  objectId: string;
  appId: string;
  displayName: string;
  tenantId: string;
  secrets: ServicePrincipalSecret[];
  createdAt: string;
}

/**
 * A user of the portal (issue 18): signs in with a password (argon2id hash only) and a TOTP code.
 * Role assignments name its object id, directly or through a group.
 */
export interface UserRecord {
  objectId: string;
  /** Sign-in name, e.g. `alice@vigil.local`; unique, compared case-insensitively. */
  userPrincipalName: string;
  displayName: string;
  passwordHash: string;
  /**
   * The TOTP shared secret (base32). It must be readable to check codes, so it is not hashed; it is
   * protected like the rest of metadata.json (0600 in a 0700 folder).
   */
  totpSecret: string;
  accountEnabled: boolean;
  createdAt: string;
  /**
   * Graph's `signInSessionsValidFromDateTime`: tokens issued before it no longer work (set when the
   * password is changed or reset). ISO 8601, whole seconds.
   */
  signInSessionsValidFrom?: string;
}

/** A security group: role assignments made to it apply to its members (users and service principals). */
export interface GroupRecord {
  objectId: string;
  displayName: string;
  /** Object ids of the members (not nested groups). */
  members: string[];
  createdAt: string;
}

export interface RoleAssignmentRecord {
  /** The assignment's GUID name. */
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group' | 'ForeignGroup' | 'Device';
  description?: string;
  createdOn: string;
  updatedOn?: string;
  createdBy?: string;
}

/** A custom role definition (`Microsoft.Authorization/roleDefinitions`, type CustomRole): a role definition plus where and when it was made. */
export interface CustomRoleDefinitionRecord extends Omit<RoleDefinition, 'type' | 'assignableScopes'> {
  assignableScopes: string[];
  /** The scope the definition was created at (its id's prefix). */
  scope: string;
  createdOn: string;
  updatedOn: string;
  createdBy?: string;
  updatedBy?: string;
}

/**
 * A user-assigned managed identity (`Microsoft.ManagedIdentity/userAssignedIdentities`). Tokens for
 * it come from the managed-identity endpoint to whoever presents its identity header, which is
 * stored only as an argon2id hash.
 */
export interface UserAssignedIdentityRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** The identity's object id: what role assignments name. */
  principalId: string;
  /** The identity's application (client) id. */
  clientId: string;
  tenantId: string;
  /** Hash of the current identity header (IDENTITY_HEADER), if one was issued. */
  identityHeaderHash?: string;
  createdAt: string;
}

/** `Microsoft.Authorization/locks` at any ARM scope (reference §6). */
export interface LockRecord {
  name: string;
  /** The scope the lock sits on, as created (a subscription, resource group or resource id). */
  scope: string;
  level: 'CanNotDelete' | 'ReadOnly';
  notes?: string;
  owners?: { applicationId?: string }[];
  createdOn: string;
  createdBy?: string;
}

/** One `logs` entry of a diagnostic setting. */
export interface DiagnosticLogSetting {
  category?: string;
  categoryGroup?: string;
  enabled: boolean;
}

/**
 * `Microsoft.Insights/diagnosticSettings` on a workspace (category `Audit` → LAQueryLogs) or on a
 * subscription (activity log categories → AzureActivity), sending to a Log Analytics workspace.
 */
export interface DiagnosticSettingRecord {
  name: string;
  /** The resource the setting is on (workspace or subscription id), as created. */
  scope: string;
  /** ARM id of the destination workspace. */
  workspaceId: string;
  logs: DiagnosticLogSetting[];
  logAnalyticsDestinationType?: string;
  createdOn: string;
  createdBy?: string;
}

/** A purge request (reference §5.1): `pending` until the store removed the rows, then `completed`. */
export interface PurgeOperationRecord {
  operationId: string;
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  /** customerId of the workspace. */
  workspaceId: string;
  table: string;
  filters: { column: string; operator: string; value: unknown }[];
  status: 'pending' | 'completed';
  requestedAt: string;
  requestedBy: string;
  correlationId?: string;
  completedAt?: string;
  rowsRemoved?: number;
  attempts?: number;
  /** The last failure (kept while the operation is retried). */
  lastError?: string;
}

export interface MetadataState {
  version: 1;
  tenantId: string;
  subscriptions: SubscriptionRecord[];
  resourceGroups: ResourceGroupRecord[];
  workspaces: WorkspaceRecord[];
  dataCollectionRules: DataCollectionRuleRecord[];
  servicePrincipals: ServicePrincipalRecord[];
  roleAssignments: RoleAssignmentRecord[];
  /** Added after the first release: defaulted to [] when an older metadata.json is loaded. */
  roleDefinitions: CustomRoleDefinitionRecord[];
  userAssignedIdentities: UserAssignedIdentityRecord[];
  /** Added with issue 6 (defaulted to [] on load). */
  locks: LockRecord[];
  diagnosticSettings: DiagnosticSettingRecord[];
  purgeOperations: PurgeOperationRecord[];
  /** Added with issue 16 (network isolation; defaulted to [] on load). */
  privateLinkScopes?: PrivateLinkScopeRecord[];
  privateEndpoints?: PrivateEndpointRecord[];
  /** Added with issue 13 (defaulted to [] on load). */
  scheduledQueryRules?: ScheduledQueryRuleRecord[];
  actionGroups?: ActionGroupRecord[];
  /** Added with issue 18 (portal users and groups; defaulted to [] on load). */
  users?: UserRecord[];
  groups?: GroupRecord[];
  /** Added with issue 19 (Azure Monitor workspaces; defaulted to [] on load). */
  monitorAccounts?: MonitorAccountRecord[];
  /** Added with issue 15 (customer-managed keys; defaulted to [] on load). */
  keyVaults?: KeyVaultRecord[];
  clusters?: ClusterRecord[];
  /** Added with issue 19 (defaulted to [] on load). */
  dataCollectionEndpoints?: DataCollectionEndpointRecord[];
  dataCollectionRuleAssociations?: DataCollectionRuleAssociationRecord[];
}

/** `Microsoft.KeyVault/vaults` (its keys live in src/keyvault/key-store.ts). Vault names are unique across Vigil, as in Azure. */
export interface KeyVaultRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  tenantId: string;
  sku: 'standard' | 'premium';
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  enableRbacAuthorization: boolean;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  createdAt: string;
  /** Set while the vault is soft-deleted (recoverable with createMode 'recover' until scheduledPurgeDate). */
  deletedAt?: string;
  scheduledPurgeDate?: string;
}

/** `Microsoft.OperationalInsights/clusters` with a customer-managed key. */
export interface ClusterRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  clusterId: string;
  identity: { type: 'None' } | { type: 'SystemAssigned'; principalId: string } | { type: 'UserAssigned'; resourceId: string };
  skuCapacity: number;
  billingType: 'Cluster' | 'Workspaces';
  keyVaultProperties?: { keyVaultUri: string; keyName: string; keyVersion: string; keyRsaSize?: number };
  createdDate: string;
  lastModifiedDate: string;
}
