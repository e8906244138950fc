/**
 * Alert resources as Vigil persists them in the control-plane catalog (metadata.json):
 * `Microsoft.Insights/scheduledQueryRules` (log search alert rules) and `Microsoft.Insights/actionGroups`.
 * Evaluation state (last evaluated period, alert state per dimension combination, history) is not
 * configuration and lives in its own file (src/alerts/alert-state.ts).
 */

export type TimeAggregation = 'Count' | 'Average' | 'Minimum' | 'Maximum' | 'Total';
export type ConditionOperator = 'Equals' | 'GreaterThan' | 'GreaterThanOrEqual' | 'LessThan' | 'LessThanOrEqual';

export interface RuleDimension {
  name: string;
  operator: 'Include' | 'Exclude';
  values: string[];
}

export interface RuleCondition {
  query: string;
  timeAggregation: TimeAggregation;
  metricMeasureColumn?: string;
  resourceIdColumn?: string;
  dimensions: RuleDimension[];
  operator: ConditionOperator;
  threshold: number;
  failingPeriods: { numberOfEvaluationPeriods: number; minFailingPeriodsToAlert: number };
}

export interface ScheduledQueryRuleRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kind: 'LogAlert';
  tags?: Record<string, string>;
  /**
   * Whom the rule's query runs as. `SystemAssigned`: a principal created with the rule and removed
   * with it (`principalId`); `UserAssigned`: the ARM id of a user-assigned managed identity.
   */
  identity: { type: 'SystemAssigned'; principalId: string } | { type: 'UserAssigned'; resourceId: string };
  displayName?: string;
  description?: string;
  severity: number;
  enabled: boolean;
  scopes: string[];
  targetResourceTypes?: string[];
  /** ISO 8601 durations as given, and their length in ms. */
  evaluationFrequency: string;
  windowSize: string;
  /** The query's time range when longer than windowSize. */
  overrideQueryTimeRange?: string;
  criteria: { allOf: RuleCondition[] };
  autoMitigate: boolean;
  muteActionsDuration?: string;
  actions: { actionGroups: string[]; customProperties?: Record<string, string>; actionProperties?: Record<string, string> };
  createdWithApiVersion: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface WebhookReceiverRecord {
  name: string;
  serviceUri: string;
  useCommonAlertSchema: boolean;
  useAadAuth: boolean;
  objectId?: string;
  identifierUri?: string;
  tenantId?: string;
}

/** An email receiver: delivered through the operator's SMTP relay (`--alert-smtp-url`). */
export interface EmailReceiverRecord {
  name: string;
  emailAddress: string;
  useCommonAlertSchema: boolean;
}

/** A Logic App receiver: its workflow's HTTP trigger `callbackUrl` is sent the alert like a webhook. */
export interface LogicAppReceiverRecord {
  name: string;
  resourceId: string;
  callbackUrl: string;
  useCommonAlertSchema: boolean;
}

/** An Azure Function receiver: its `httpTriggerUrl` is sent the alert like a webhook. */
export interface AzureFunctionReceiverRecord {
  name: string;
  functionAppResourceId: string;
  functionName: string;
  httpTriggerUrl: string;
  useCommonAlertSchema: boolean;
}

export interface ActionGroupRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  groupShortName: string;
  enabled: boolean;
  webhookReceivers: WebhookReceiverRecord[];
  emailReceivers?: EmailReceiverRecord[];
  logicAppReceivers?: LogicAppReceiverRecord[];
  azureFunctionReceivers?: AzureFunctionReceiverRecord[];
  createdAt: string;
}
