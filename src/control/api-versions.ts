import { ApiError } from '../errors/api-error.js';

/**
 * Published api-versions of the resource types Vigil serves (from the azure-rest-api-specs folders).
 * ARM refuses a request without one, and one it does not know for the type.
 */
const WORKSPACE_VERSIONS = [
  '2015-03-20', '2015-11-01-preview', '2017-01-01-preview', '2017-03-03-preview', '2017-03-15-preview', '2017-04-26-preview',
  '2019-08-01-preview', '2019-09-01', '2019-09-01-preview', '2020-03-01-preview', '2020-08-01', '2020-10-01', '2021-03-01-privatepreview',
  '2021-06-01', '2021-12-01-preview', '2022-10-01', '2023-01-01-preview', '2023-09-01', '2025-02-01', '2025-07-01',
];

const DCR_VERSIONS = [
  '2019-11-01-preview', '2021-04-01', '2021-09-01-preview', '2022-06-01', '2023-03-11', '2024-03-11', '2023-10-01-preview',
  '2024-12-01-preview', '2025-05-11',
];

const RESOURCE_GROUP_VERSIONS = [
  '2014-04-01', '2015-01-01', '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01',
  '2019-03-01', '2019-05-01', '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01', '2020-08-01', '2020-10-01',
  '2021-01-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01',
];

const ROLE_ASSIGNMENT_VERSIONS = [
  '2015-06-01', '2015-07-01', '2017-10-01-preview', '2018-01-01-preview', '2018-09-01-preview', '2020-03-01-preview', '2020-04-01-preview',
  '2020-08-01-preview', '2020-10-01-preview', '2022-01-01-preview', '2022-04-01',
];

const ROLE_DEFINITION_VERSIONS = ['2015-06-01', '2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview'];

const MANAGED_IDENTITY_VERSIONS = [
  '2015-08-31-preview', '2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31', '2023-07-31-preview', '2024-11-30',
  '2025-01-31-preview',
];

const LOCK_VERSIONS = ['2015-01-01', '2016-09-01', '2017-04-01', '2020-05-01'];

const DIAGNOSTIC_SETTINGS_VERSIONS = ['2015-07-01', '2016-09-01', '2017-05-01-preview', '2020-01-01-preview', '2021-05-01-preview'];

const SCHEDULED_QUERY_RULE_VERSIONS = [
  '2020-05-01-preview', '2021-02-01-preview', '2021-08-01', '2022-06-15', '2022-08-01-preview', '2023-03-15-preview', '2023-12-01',
  '2024-01-01-preview', '2025-01-01-preview',
];

const ACTION_GROUP_VERSIONS = [
  '2017-04-01', '2018-03-01', '2018-09-01', '2019-03-01', '2019-06-01', '2021-09-01', '2022-04-01', '2022-06-01', '2023-01-01',
  '2023-09-01-preview', '2024-10-01-preview',
];

const ALERTS_MANAGEMENT_VERSIONS = ['2018-05-05', '2019-03-01', '2019-05-05-preview', '2023-07-12-preview', '2024-01-01-preview', '2025-05-25-preview'];

const PRIVATE_LINK_SCOPE_VERSIONS = ['2019-10-17-preview', '2021-07-01-preview', '2021-09-01', '2023-06-01-preview'];
const PRIVATE_ENDPOINT_VERSIONS = [
  '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01', '2020-03-01', '2020-04-01', '2020-05-01',
  '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01', '2021-02-01', '2021-03-01', '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01',
  '2022-07-01', '2022-09-01', '2022-11-01', '2023-02-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01',
  '2024-03-01', '2024-05-01', '2024-07-01', '2024-10-01',
];

const MONITOR_ACCOUNT_VERSIONS = ['2021-06-03-preview', '2023-04-03', '2023-10-01-preview', '2025-05-03-preview', '2025-10-03-preview'];
const KEY_VAULT_VERSIONS = [
  '2015-06-01', '2016-10-01', '2018-02-14', '2019-09-01', '2021-04-01-preview', '2021-06-01-preview', '2021-10-01', '2021-11-01-preview',
  '2022-02-01-preview', '2022-07-01', '2022-11-01', '2023-02-01', '2023-07-01', '2024-04-01-preview', '2024-11-01', '2024-12-01-preview', '2025-05-01',
];

const CLUSTER_VERSIONS = ['2019-08-01-preview', '2020-03-01-preview', '2020-08-01', '2020-10-01', '2021-06-01', '2022-10-01', '2023-09-01', '2025-02-01', '2025-07-01'];

export type VersionedType =
  | 'Microsoft.KeyVault/vaults'
  | 'Microsoft.OperationalInsights/clusters'
  | 'Microsoft.OperationalInsights/workspaces/linkedServices'
  | 'Microsoft.OperationalInsights/workspaces'
  | 'Microsoft.OperationalInsights/workspaces/tables'
  | 'Microsoft.Insights/dataCollectionRules'
  | 'Microsoft.Resources/resourceGroups'
  | 'Microsoft.Resources/subscriptions'
  | 'Microsoft.Authorization/roleAssignments'
  | 'Microsoft.Authorization/roleDefinitions'
  | 'Microsoft.ManagedIdentity/userAssignedIdentities'
  | 'Microsoft.Authorization/locks'
  | 'Microsoft.Insights/diagnosticSettings'
  | 'Microsoft.Insights/scheduledQueryRules'
  | 'Microsoft.Insights/actionGroups'
  | 'microsoft.insights/privateLinkScopes'
  | 'Microsoft.Network/privateEndpoints'
  | 'Microsoft.AlertsManagement/alerts'
  | 'Microsoft.Monitor/accounts'
  | 'Microsoft.Insights/dataCollectionEndpoints'
  | 'Microsoft.Insights/dataCollectionRuleAssociations';

const SUPPORTED: Record<VersionedType, string[]> = {
  'Microsoft.KeyVault/vaults': KEY_VAULT_VERSIONS,
  'Microsoft.OperationalInsights/clusters': CLUSTER_VERSIONS,
  'Microsoft.OperationalInsights/workspaces/linkedServices': WORKSPACE_VERSIONS.filter((v) => v >= '2015-11-01-preview'),
  'Microsoft.OperationalInsights/workspaces': WORKSPACE_VERSIONS,
  'Microsoft.OperationalInsights/workspaces/tables': WORKSPACE_VERSIONS.filter((v) => v >= '2020-08-01'),
  'Microsoft.Insights/dataCollectionRules': DCR_VERSIONS,
  'Microsoft.Resources/resourceGroups': RESOURCE_GROUP_VERSIONS,
  'Microsoft.Resources/subscriptions': RESOURCE_GROUP_VERSIONS,
  'Microsoft.Authorization/roleAssignments': ROLE_ASSIGNMENT_VERSIONS,
  'Microsoft.Authorization/roleDefinitions': ROLE_DEFINITION_VERSIONS,
  'Microsoft.ManagedIdentity/userAssignedIdentities': MANAGED_IDENTITY_VERSIONS,
  'Microsoft.Authorization/locks': LOCK_VERSIONS,
  'Microsoft.Insights/diagnosticSettings': DIAGNOSTIC_SETTINGS_VERSIONS,
  'Microsoft.Insights/scheduledQueryRules': SCHEDULED_QUERY_RULE_VERSIONS,
  'Microsoft.Insights/actionGroups': ACTION_GROUP_VERSIONS,
  'microsoft.insights/privateLinkScopes': PRIVATE_LINK_SCOPE_VERSIONS,
  'Microsoft.Network/privateEndpoints': PRIVATE_ENDPOINT_VERSIONS,
  // Issue 19: the data collection API versions that have endpoints and associations.
  'Microsoft.Insights/dataCollectionEndpoints': DCR_VERSIONS.filter((v) => v >= '2021-04-01'),
  'Microsoft.Insights/dataCollectionRuleAssociations': DCR_VERSIONS,
  'Microsoft.AlertsManagement/alerts': ALERTS_MANAGEMENT_VERSIONS,
  'Microsoft.Monitor/accounts': MONITOR_ACCOUNT_VERSIONS,
};

/** The request's api-version (query keys are decoded first: the SDKs percent-encode `api%2Dversion`). */
export function requireApiVersion(query: URLSearchParams, type: VersionedType): string {
  const version = query.get('api-version');
  if (!version) {
    throw new ApiError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const supported = SUPPORTED[type];
  if (!supported.includes(version)) {
    const [ns, ...rest] = type.split('/');
    throw new ApiError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location 'global' and API version '${version}' for type '${rest.join('/')}' of namespace '${ns}'. The supported api-versions are '${supported.join(', ')}'.`,
    );
  }
  return version;
}
