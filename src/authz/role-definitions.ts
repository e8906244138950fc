/**
 * Azure's built-in role definitions that matter to a Log Analytics deployment, with their real GUIDs,
 * actions, notActions and dataActions (reference: azure-monitor-contracts.md §4.3 and Azure's built-in roles).
 */
export interface RoleDefinition {
  /** The definition's GUID (lower case). */
  id: string;
  /** 'BuiltInRole' for Azure's roles, 'CustomRole' for roles defined through the roleDefinitions API. */
  type?: 'BuiltInRole' | 'CustomRole';
  /** Where a custom role may be assigned; built-in roles may be assigned anywhere ('/'). */
  assignableScopes?: string[];
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const role = (
  id: string,
  roleName: string,
  description: string,
  actions: string[],
  notActions: string[] = [],
  dataActions: string[] = [],
  notDataActions: string[] = [],
): RoleDefinition => ({ id, roleName, description, actions, notActions, dataActions, notDataActions });

/** The management-plane reads every Key Vault data role carries (Azure's built-in definitions). */
const KEY_VAULT_READ_ACTIONS = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  role('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', ['*']),
  role(
    'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.',
    ['*'],
    [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  ),
  role('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', 'View all resources, but does not allow you to make any changes.', ['*/read']),
  role(
    '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    'User Access Administrator',
    'Lets you manage user access to Azure resources.',
    ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
  ),
  role(
    '73c42c96-874c-492b-b04d-ab87d138a893',
    'Log Analytics Reader',
    'Log Analytics Reader can view and search all monitoring data as well as and view monitoring settings.',
    ['*/read', 'Microsoft.OperationalInsights/workspaces/analytics/query/action', 'Microsoft.OperationalInsights/workspaces/search/action', 'Microsoft.Support/*'],
    ['Microsoft.OperationalInsights/workspaces/sharedKeys/read'],
  ),
  role(
    '92aaf0da-9dab-42b6-94a3-d43ce8d16293',
    'Log Analytics Contributor',
    'Log Analytics Contributor can read all monitoring data and edit monitoring settings.',
    [
      '*/read',
      'Microsoft.ClassicCompute/virtualMachines/extensions/*',
      'Microsoft.ClassicStorage/storageAccounts/listKeys/action',
      'Microsoft.Compute/virtualMachines/extensions/*',
      'Microsoft.HybridCompute/machines/extensions/write',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Insights/diagnosticSettings/*',
      'Microsoft.OperationalInsights/*',
      'Microsoft.OperationsManagement/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourcegroups/deployments/*',
      'Microsoft.Storage/storageAccounts/listKeys/action',
      'Microsoft.Support/*',
    ],
  ),
  role(
    '3b03c2da-16b3-4a49-8834-0f8130efdd3b',
    'Log Analytics Data Reader',
    'Lets you read the data in Log Analytics workspaces.',
    ['Microsoft.OperationalInsights/workspaces/query/read', 'Microsoft.OperationalInsights/workspaces/read'],
    [],
    ['Microsoft.OperationalInsights/workspaces/tables/data/read'],
  ),
  role(
    '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
    'Monitoring Reader',
    'Can read all monitoring data.',
    ['*/read', 'Microsoft.OperationalInsights/workspaces/search/action', 'Microsoft.Support/*'],
  ),
  role(
    '749f88d5-cbae-40b8-bcfc-e573ddc772fa',
    'Monitoring Contributor',
    'Can read all monitoring data and update monitoring settings.',
    [
      '*/read',
      ...['alerts', 'alertsSummary', 'issues', 'smartDetectorAlertRules', 'actionRules', 'smartGroups', 'migrateFromSmartDetection', 'investigations', 'prometheusRuleGroups'].map(
        (t) => `Microsoft.AlertsManagement/${t}/*`,
      ),
      ...[
        'actiongroups', 'activityLogAlerts', 'AlertRules', 'components', 'createNotifications', 'dataCollectionEndpoints', 'dataCollectionRules',
        'dataCollectionRuleAssociations', 'DiagnosticSettings', 'eventtypes', 'LogDefinitions', 'metricalerts', 'MetricDefinitions', 'Metrics',
        'notificationStatus', 'scheduledqueryrules', 'webtests', 'workbooks', 'workbooktemplates', 'privateLinkScopes', 'privateLinkScopeOperationStatuses',
      ].map((t) => `Microsoft.Insights/${t}/*`),
      'Microsoft.Insights/Register/Action',
      'Microsoft.Monitor/accounts/*',
      'Microsoft.Monitor/settings/*',
      'Microsoft.Monitor/investigations/*',
      'Microsoft.OperationalInsights/workspaces/write',
      'Microsoft.OperationalInsights/workspaces/intelligencepacks/*',
      'Microsoft.OperationalInsights/workspaces/savedSearches/*',
      'Microsoft.OperationalInsights/workspaces/storageinsightconfigs/*',
      'Microsoft.OperationalInsights/workspaces/search/action',
      'Microsoft.OperationalInsights/workspaces/sharedKeys/action',
      'Microsoft.OperationalInsights/workspaces/sharedKeys/read',
      'Microsoft.OperationalInsights/locations/workspaces/failover/action',
      'Microsoft.OperationalInsights/workspaces/failback/action',
      'Microsoft.Support/*',
      'Microsoft.Resources/deployments/*',
    ],
  ),
  role(
    '3913510d-42f4-4e42-8a64-420c390055eb',
    'Monitoring Metrics Publisher',
    'Enables publishing metrics against Azure resources.',
    ['Microsoft.Insights/Register/Action', 'Microsoft.Support/*', 'Microsoft.Resources/subscriptions/resourceGroups/read'],
    [],
    ['Microsoft.Insights/Metrics/Write', 'Microsoft.Insights/Telemetry/Write'],
  ),
  // Azure Monitor workspaces (Managed Prometheus): query through the Prometheus HTTP API (issue 19).
  role(
    'b0d8363b-8ddd-447d-831f-62ca05bff136',
    'Monitoring Data Reader',
    'Provides access to read data in Azure Monitor Workspaces.',
    ['Microsoft.Monitor/accounts/read'],
    [],
    ['Microsoft.Monitor/accounts/data/metrics/read'],
  ),
  role(
    'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    'Storage Blob Data Contributor',
    'Allows for read, write and delete access to Azure Storage blob containers and data',
    [
      'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/write',
      'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    ],
    [],
    [
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action',
    ],
  ),
  role(
    'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    'Storage Blob Data Owner',
    'Allows for full access to Azure Storage blob containers and data, including assigning POSIX access control.',
    ['Microsoft.Storage/storageAccounts/blobServices/containers/*', 'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'],
    [],
    ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'],
  ),
  role(
    '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
    'Storage Blob Data Reader',
    'Allows for read access to Azure Storage blob containers and data',
    ['Microsoft.Storage/storageAccounts/blobServices/containers/read', 'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'],
    [],
    ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'],
  ),
  // Key Vault (issue #15): Azure's ids; the per-operation dataAction names Vigil checks are listed in README "Key vault".
  role(
    '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    'Key Vault Administrator',
    'Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments.',
    KEY_VAULT_READ_ACTIONS,
    [],
    ['Microsoft.KeyVault/vaults/*'],
  ),
  role(
    '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
    'Key Vault Crypto Officer',
    'Perform any action on the keys of a key vault, except manage permissions.',
    KEY_VAULT_READ_ACTIONS,
    [],
    ['Microsoft.KeyVault/vaults/keys/*', 'Microsoft.KeyVault/vaults/keyrotationpolicies/*'],
  ),
  role(
    '12338af0-0e69-4776-bea7-57ae8d297424',
    'Key Vault Crypto User',
    'Perform cryptographic operations using keys.',
    [],
    [],
    [
      'Microsoft.KeyVault/vaults/keys/read',
      'Microsoft.KeyVault/vaults/keys/update/action',
      'Microsoft.KeyVault/vaults/keys/backup/action',
      'Microsoft.KeyVault/vaults/keys/encrypt/action',
      'Microsoft.KeyVault/vaults/keys/decrypt/action',
      'Microsoft.KeyVault/vaults/keys/wrap/action',
      'Microsoft.KeyVault/vaults/keys/unwrap/action',
      'Microsoft.KeyVault/vaults/keys/sign/action',
      'Microsoft.KeyVault/vaults/keys/verify/action',
    ],
  ),
  role(
    'e147488a-f6f5-4113-8e2d-b22465e65bf6',
    'Key Vault Crypto Service Encryption User',
    'Read metadata of keys and perform wrap/unwrap operations.',
    ['Microsoft.EventGrid/eventSubscriptions/write', 'Microsoft.EventGrid/eventSubscriptions/read', 'Microsoft.EventGrid/eventSubscriptions/delete'],
    [],
    ['Microsoft.KeyVault/vaults/keys/read', 'Microsoft.KeyVault/vaults/keys/wrap/action', 'Microsoft.KeyVault/vaults/keys/unwrap/action'],
  ),
  role(
    '21090545-7ca7-4776-b22c-e363652d74d2',
    'Key Vault Reader',
    'Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material.',
    KEY_VAULT_READ_ACTIONS,
    [],
    ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
  ),
  // Customer Lockbox (issue #15): the approver role, with Azure's id and actions.
  role(
    '4dae6930-7baf-46f5-909e-0383bc931c46',
    'Azure Customer Lockbox Approver for Subscription',
    'Can approve Microsoft support requests to access specific resources contained within a subscription, when Customer Lockbox is enabled.',
    [
      'Microsoft.Authorization/*/read',
      'Microsoft.CustomerLockbox/requests/read',
      'Microsoft.CustomerLockbox/requests/UpdateApproval/action',
      'Microsoft.Resources/subscriptions/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Insights/eventtypes/values/read',
    ],
  ),
  // Vigil's own (not Azure's): marks the people who run the server. It grants nothing through RBAC;
  // its holders reach workspace data only through Customer Lockbox (src/lockbox), request by request.
  role(
    'b6f3c1e2-5a4d-4f0e-9c7b-7a1d2e3f4c50',
    'Vigil Operator',
    "Vigil-specific: an operator of this Vigil server. Grants no access to resources or data; may ask for access to one workspace's data through Customer Lockbox, which the subscription's Owner or a Lockbox approver must approve.",
    [],
  ),
];

export const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
export const MONITORING_METRICS_PUBLISHER_ROLE_ID = '3913510d-42f4-4e42-8a64-420c390055eb';
export const LOCKBOX_APPROVER_ROLE_ID = '4dae6930-7baf-46f5-909e-0383bc931c46';
export const VIGIL_OPERATOR_ROLE_ID = 'b6f3c1e2-5a4d-4f0e-9c7b-7a1d2e3f4c50';
export const MONITORING_DATA_READER_ROLE_ID = 'b0d8363b-8ddd-447d-831f-62ca05bff136';

const BY_ID = new Map(BUILT_IN_ROLES.map((r) => [r.id, r]));

/** A built-in role by GUID or by full definition id (`…/providers/Microsoft.Authorization/roleDefinitions/{guid}`). */
export function roleDefinitionById(id: string): RoleDefinition | undefined {
  return BY_ID.get(id.split('/').pop()!.toLowerCase());
}

export function builtInRoleByName(name: string): RoleDefinition | undefined {
  return BUILT_IN_ROLES.find((r) => r.roleName.toLowerCase() === name.toLowerCase());
}
