/**
 * The system tables Vigil writes itself — `LAQueryLogs` (query audit, reference §3) and `AzureActivity`
 * (the activity log of control-plane operations) — with Azure's schemas. They are Microsoft tables
 * (`tableType: 'Microsoft'`): nothing ingests into them through the Logs Ingestion API (rules may only
 * write `Custom-*_CL` tables), their schema cannot be changed, and reading them needs explicit
 * permission (src/query/table-access.ts).
 */
import type { TableColumn, TableRecord } from '../metadata/records.js';

const col = (name: string, type: TableColumn['type']): TableColumn => ({ name, type });

export const LAQUERYLOGS = 'LAQueryLogs';
export const AZURE_ACTIVITY = 'AzureActivity';

/** LAQueryLogs, reference §3 (TenantId, Type, _ResourceId, _BilledSize and the other standard columns are added by tableSchema). */
const LAQUERYLOGS_COLUMNS: TableColumn[] = [
  col('TimeGenerated', 'datetime'),
  col('AADClientId', 'string'),
  col('AADEmail', 'string'),
  col('AADObjectId', 'string'),
  col('AADTenantId', 'string'),
  col('CorrelationId', 'string'),
  col('IsBillableQuery', 'bool'),
  col('IsWorkspaceInFailover', 'bool'),
  col('QueryText', 'string'),
  col('QueryTimeRangeEnd', 'datetime'),
  col('QueryTimeRangeStart', 'datetime'),
  col('RequestClientApp', 'string'),
  col('RequestContext', 'dynamic'),
  col('RequestContextFilters', 'dynamic'),
  col('RequestTarget', 'string'),
  col('ResponseCode', 'int'),
  col('ResponseDurationMs', 'real'),
  col('ResponseRowCount', 'int'),
  col('ScannedGB', 'real'),
  col('SourceSystem', 'string'),
  col('StatsCPUTimeMs', 'real'),
  col('StatsDataProcessedEnd', 'datetime'),
  col('StatsDataProcessedKB', 'real'),
  col('StatsDataProcessedStart', 'datetime'),
  col('StatsRegionCount', 'int'),
  col('StatsWorkspaceCount', 'int'),
  col('WorkspaceRegion', 'string'),
  col('_IsBillable', 'string'),
  col('_SubscriptionId', 'string'),
];

/** AzureActivity (Azure Monitor reference, `azureactivity`): the columns an administrative event fills. */
const AZURE_ACTIVITY_COLUMNS: TableColumn[] = [
  col('TimeGenerated', 'datetime'),
  col('OperationName', 'string'),
  col('OperationNameValue', 'string'),
  col('Level', 'string'),
  col('ActivityStatus', 'string'),
  col('ActivityStatusValue', 'string'),
  col('ActivitySubstatus', 'string'),
  col('ActivitySubstatusValue', 'string'),
  col('Category', 'string'),
  col('CategoryValue', 'string'),
  col('Caller', 'string'),
  col('CallerIpAddress', 'string'),
  col('CorrelationId', 'string'),
  col('EventDataId', 'string'),
  col('EventSubmissionTimestamp', 'datetime'),
  col('OperationId', 'string'),
  col('SubscriptionId', 'string'),
  col('ResourceGroup', 'string'),
  col('ResourceProvider', 'string'),
  col('ResourceProviderValue', 'string'),
  col('Resource', 'string'),
  col('ResourceId', 'string'),
  col('Hierarchy', 'string'),
  col('Authorization', 'string'),
  col('Authorization_d', 'dynamic'),
  col('Claims', 'string'),
  col('Claims_d', 'dynamic'),
  col('HTTPRequest', 'string'),
  col('Properties', 'string'),
  col('Properties_d', 'dynamic'),
  col('SourceSystem', 'string'),
];

export const VIGIL_INGESTION_STATISTICS = 'VigilIngestionStatistics';
export const VIGIL_PRIVATE_DATA_FINDINGS = 'VigilPrivateDataFindings';
export const VIGIL_ALERT_HISTORY = 'VigilAlertHistory';

/** Per data flow and interval: rows a rule received, its transformation dropped, and the table got (src/ingest/transform/ingestion-statistics.ts). */
const VIGIL_INGESTION_STATISTICS_COLUMNS: TableColumn[] = [
  col('TimeGenerated', 'datetime'),
  col('IntervalStart', 'datetime'),
  col('DataCollectionRuleId', 'string'),
  col('DataCollectionRuleImmutableId', 'string'),
  col('DataFlowIndex', 'int'),
  col('Stream', 'string'),
  col('OutputTable', 'string'),
  col('Transformation', 'string'),
  col('RowsReceived', 'long'),
  col('RowsDropped', 'long'),
  col('RowsIngested', 'long'),
];

/** One record per table, column and pattern a private-data scan found (never the values; src/governance/private-data-scanner.ts). */
const VIGIL_PRIVATE_DATA_FINDINGS_COLUMNS: TableColumn[] = [
  col('TimeGenerated', 'datetime'),
  col('ScanId', 'string'),
  col('ScannedTable', 'string'),
  col('ScannedColumn', 'string'),
  col('Pattern', 'string'),
  col('MatchCount', 'long'),
  col('RowsSampled', 'long'),
  col('RowsWithMatches', 'long'),
  col('SinceTime', 'datetime'),
  col('SuggestedRemedy', 'string'),
];

/** One record per alert a log search alert rule fired, and one when it resolved (src/alerts/alert-service.ts). */
const VIGIL_ALERT_HISTORY_COLUMNS: TableColumn[] = [
  col('TimeGenerated', 'datetime'),
  col('AlertId', 'string'),
  col('AlertRule', 'string'),
  col('AlertRuleName', 'string'),
  col('Severity', 'string'),
  col('MonitorCondition', 'string'),
  col('TargetResource', 'string'),
  col('Dimensions', 'dynamic'),
  col('FiredTime', 'datetime'),
  col('ResolvedTime', 'datetime'),
  col('IsSuppressed', 'bool'),
  col('Description', 'string'),
];

export const SYSTEM_TABLES: Record<string, { columns: TableColumn[]; description: string }> = {
  [LAQUERYLOGS]: { columns: LAQUERYLOGS_COLUMNS, description: 'Query audit: one record per query run against the workspaces that send their Audit category here.' },
  [AZURE_ACTIVITY]: { columns: AZURE_ACTIVITY_COLUMNS, description: 'Activity log: every control-plane write, delete and action of the subscriptions that send their activity log here.' },
  [VIGIL_INGESTION_STATISTICS]: { columns: VIGIL_INGESTION_STATISTICS_COLUMNS, description: 'Ingestion statistics: per data collection rule data flow and interval, rows received, dropped by its transformation and ingested.' },
  [VIGIL_ALERT_HISTORY]: { columns: VIGIL_ALERT_HISTORY_COLUMNS, description: 'Alert history: a record when a log search alert rule fires an alert (per dimension combination) and when it resolves.' },
  [VIGIL_PRIVATE_DATA_FINDINGS]: { columns: VIGIL_PRIVATE_DATA_FINDINGS_COLUMNS, description: 'Private-data scanner findings: per table, column and pattern, how many sampled values matched (never the values).' },
};

export function isSystemTable(t: Pick<TableRecord, 'tableType'>): boolean {
  return t.tableType === 'Microsoft';
}

