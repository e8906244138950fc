/**
 * Azure's OpenTelemetry tables that the generated reference (azure-tables.ts, from a 2024 snapshot of
 * the docs) predates. Same "Name:type" format. OTelLogs: the columns of its Azure Monitor table
 * reference page (reference/azure-contracts-wave2.md §1.4), written by native OTLP ingestion (issue 19).
 */
export const OTEL_TABLES: Record<string, readonly [docDate: string, columns: string]> = {
  OTelLogs: [
    '2025-11',
    [
      'TimeGenerated:datetime Body:string SeverityNumber:int SeverityText:string SeverityLevel:int TraceId:string SpanId:string',
      'Attributes:dynamic ResourceAttributes:dynamic Measurements:dynamic DroppedAttributesCount:int ScopeName:string ScopeVersion:string',
      'ServiceName:string ServiceNamespace:string ServiceVersion:string ServiceInstanceId:string RoleName:string DeploymentEnvironmentName:string',
      'K8sContainerName:string K8sNamespaceName:string K8sPodName:string',
      'ClientBrowser:string ClientCity:string ClientCountryOrRegion:string ClientIP:string ClientModel:string ClientOS:string ClientStateOrProvince:string ClientType:string',
      'OperationName:string SessionId:string UserId:string UserAccountId:string EndUserId:string SyntheticSource:string SDKVersion:string ItemCount:int',
      'SourceSystem:string TenantId:string Type:string _BilledSize:real _IsBillable:string _ResourceId:string _SubscriptionId:string',
    ].join(' '),
  ],
};
