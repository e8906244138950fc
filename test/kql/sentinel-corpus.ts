/**
 * Real-world content over Azure's standard tables: Microsoft Sentinel analytics rules and hunting
 * queries, Defender XDR advanced hunting and Azure Monitor workbook queries, in the shapes they are
 * published in (written after the public Azure-Sentinel and Azure Monitor samples). Each one must
 * parse, and compile and run over the tables' documented schemas (test/kql/standard-tables.test.ts).
 */
export const SENTINEL_CORPUS: { name: string; q: string }[] = [
  {
    name: 'SigninLogs: password spray',
    q: `let threshold = 5;
SigninLogs
| where TimeGenerated > ago(1d)
| where ResultType in ("50126", "50053")
| summarize FailedCount = count(), IPs = make_set(IPAddress, 100), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by UserPrincipalName, AppDisplayName
| where FailedCount >= threshold
| extend AccountName = tostring(split(UserPrincipalName, "@")[0]), AccountUPNSuffix = tostring(split(UserPrincipalName, "@")[1])`,
  },
  {
    name: 'SigninLogs: location and device details',
    q: `SigninLogs
| where ResultType == "0"
| extend City = tostring(LocationDetails.city), State = tostring(LocationDetails.state), Country = tostring(LocationDetails.countryOrRegion)
| extend DeviceId = tostring(DeviceDetail.deviceId), Browser = tostring(DeviceDetail["browser"])
| summarize count() by City, Country, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'AuditLogs: role assignment',
    q: `AuditLogs
| where OperationName has_any ("Add member to role", "Add eligible member to role")
| extend InitiatedBy = tostring(InitiatedBy.user.userPrincipalName)
| mv-expand TargetResources
| extend TargetUser = tostring(TargetResources.userPrincipalName)
| mv-expand ModifiedProperties = TargetResources.modifiedProperties
| where ModifiedProperties.displayName == "Role.DisplayName"
| extend RoleName = trim(@'"', tostring(ModifiedProperties.newValue))
| project TimeGenerated, OperationName, InitiatedBy, TargetUser, RoleName`,
  },
  {
    name: 'AuditLogs: NewValue.[0]',
    q: `AuditLogs
| where OperationName == "Update application"
| mv-expand TargetResources
| mv-expand ModifiedProperties = TargetResources.modifiedProperties
| extend NewValue = parse_json(tostring(ModifiedProperties.newValue))
| extend FirstValue = tostring(NewValue.[0]), KeyType = tostring(NewValue.[0].KeyType)
| project TimeGenerated, FirstValue, KeyType`,
  },
  {
    name: 'SecurityEvent: failed logons',
    q: `SecurityEvent
| where EventID == 4625
| summarize FailedLogons = count() by Account, Computer, IpAddress, bin(TimeGenerated, 5m)
| where FailedLogons > 10`,
  },
  {
    name: 'SecurityEvent: encoded PowerShell',
    q: `SecurityEvent
| where EventID == 4688
| where CommandLine has_any ("-enc", "-EncodedCommand", "FromBase64String")
| extend ProcessName = tostring(split(NewProcessName, "\\\\")[-1])
| project TimeGenerated, Computer, Account, ProcessName, CommandLine, ParentProcessName`,
  },
  {
    name: 'SecurityEvent: account created and deleted',
    q: `let timeframe = 1d;
SecurityEvent
| where TimeGenerated > ago(timeframe) and EventID == 4720
| project CreatedTime = TimeGenerated, Computer, TargetAccount = tolower(TargetAccount)
| join kind=inner (SecurityEvent | where EventID == 4726 | project DeletedTime = TimeGenerated, TargetAccount = tolower(TargetAccount)) on TargetAccount
| where DeletedTime - CreatedTime < 1h
| extend Minutes = datetime_diff('minute', DeletedTime, CreatedTime)`,
  },
  {
    name: 'SecurityAlert: entities',
    q: `SecurityAlert
| where ProviderName == "MDATP"
| extend EntitiesDyn = parse_json(Entities)
| mv-expand EntitiesDyn
| where EntitiesDyn.Type == "account"
| summarize arg_max(TimeGenerated, *) by SystemAlertId`,
  },
  {
    name: 'SecurityAlert join IdentityInfo with .["…"]',
    q: `SecurityAlert
| where TimeGenerated > ago(7d)
| extend AccountName = tostring(parse_json(ExtendedProperties).["User Account"])
| join kind=inner (IdentityInfo | summarize arg_max(TimeGenerated, *) by AccountName | project AccountName, Department) on AccountName
| summarize Alerts = count() by Department`,
  },
  {
    name: 'OfficeActivity: forwarding inbox rule',
    q: `OfficeActivity
| where Operation =~ "New-InboxRule" and (Parameters has "ForwardTo" or Parameters has "RedirectTo")
| extend Events = todynamic(Parameters)
| mv-apply Event = Events on (summarize ParamNames = make_list(tostring(Event.Name)), ParamValues = make_list(tostring(Event.Value)))
| project TimeGenerated, UserId, ClientIP, ParamNames, ParamValues`,
  },
  {
    name: 'DeviceNetworkEvents: suspicious ports',
    q: `DeviceNetworkEvents
| where RemotePort in (4444, 5555, 1337)
| where ActionType == "ConnectionSuccess"
| summarize count(), make_set(RemoteIP) by DeviceName, InitiatingProcessFileName`,
  },
  {
    name: 'DeviceNetworkEvents: public destinations',
    q: `DeviceNetworkEvents
| where not(ipv4_is_private(RemoteIP))
| extend Host = tostring(parse_url(RemoteUrl).Host)
| summarize count() by Host`,
  },
  {
    name: 'IdentityInfo: admins',
    q: `IdentityInfo
| summarize arg_max(TimeGenerated, *) by AccountObjectId
| where AssignedRoles contains "Global Administrator"
| project AccountUPN, AccountDisplayName, Department`,
  },
  {
    name: 'AzureDiagnostics: firewall parse',
    q: `AzureDiagnostics
| where ResourceType == "AZUREFIREWALLS" and Category == "AzureFirewallNetworkRule"
| parse msg_s with Protocol " request from " SourceIP ":" SourcePort " to " TargetIP ":" TargetPort ". Action: " Action
| summarize count() by Action, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'Heartbeat: missing agents',
    q: `Heartbeat
| summarize LastHeartbeat = max(TimeGenerated) by Computer, OSType
| where LastHeartbeat < ago(15m)`,
  },
  {
    name: 'Perf: CPU',
    q: `Perf
| where ObjectName == "Processor" and CounterName == "% Processor Time"
| summarize AvgCPU = avg(CounterValue) by Computer, bin(TimeGenerated, 5m)
| render timechart`,
  },
  {
    name: 'Syslog: ssh brute force',
    q: `Syslog
| where Facility == "authpriv" and SyslogMessage has "Failed password"
| extend SrcIP = extract(@"from (\\d+\\.\\d+\\.\\d+\\.\\d+)", 1, SyslogMessage)
| summarize Attempts = count() by SrcIP, HostName
| top 10 by Attempts`,
  },
  {
    name: 'CommonSecurityLog: denied traffic',
    q: `CommonSecurityLog
| where DeviceVendor == "Palo Alto Networks" and Activity == "TRAFFIC"
| where DeviceAction != "allow"
| summarize count() by SourceIP, DestinationIP, DestinationPort`,
  },
  {
    name: 'union of interactive and non-interactive sign-ins',
    q: `union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs
| where ResultType == "0"
| summarize dcount(IPAddress) by UserPrincipalName`,
  },
  {
    name: 'ThreatIntelligenceIndicator join CommonSecurityLog',
    q: `let dt_lookBack = 1h;
let ioc_lookBack = 14d;
ThreatIntelligenceIndicator
| where TimeGenerated >= ago(ioc_lookBack) and ExpirationDateTime > now()
| summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId
| where Active == true
| where isnotempty(NetworkIP)
| join kind=innerunique (
    CommonSecurityLog
    | where TimeGenerated >= ago(dt_lookBack)
    | extend CSL_TimeGenerated = TimeGenerated
) on $left.NetworkIP == $right.DestinationIP
| where CSL_TimeGenerated < ExpirationDateTime
| project LatestIndicatorTime, Description, ActivityGroupNames, IndicatorId, ThreatType, Url, ExpirationDateTime, ConfidenceScore, CSL_TimeGenerated, SourceIP, DestinationIP`,
  },
  {
    name: 'AzureActivity: VM writes',
    q: `AzureActivity
| where OperationNameValue has_any ("Microsoft.Compute/virtualMachines/write")
| where ActivityStatusValue == "Success"
| summarize count() by Caller, CallerIpAddress, bin(TimeGenerated, 1d)`,
  },
  {
    name: 'Usage: billable data',
    q: `Usage
| where TimeGenerated > ago(30d)
| where IsBillable == true
| summarize BillableDataGB = sum(Quantity) / 1000 by DataType
| sort by BillableDataGB desc`,
  },
  {
    name: 'Event: system errors',
    q: `Event
| where EventLog == "System" and EventLevelName == "Error"
| summarize count() by Source, Computer`,
  },
  {
    name: 'W3CIISLog: server errors',
    q: `W3CIISLog
| where scStatus startswith "5"
| summarize count() by csUriStem, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'DeviceProcessEvents: encoded commands',
    q: `DeviceProcessEvents
| where FileName in~ ("powershell.exe", "pwsh.exe")
| where ProcessCommandLine matches regex @"(?i)-e(nc|ncodedcommand)?\\s"
| project TimeGenerated, DeviceName, AccountName, ProcessCommandLine, InitiatingProcessFileName`,
  },
  {
    name: 'DeviceFileEvents: long dynamic list',
    q: `let extensions = dynamic([".ps1", ".vbs", ".js", ".hta", ".bat", ".cmd", ".scr", ".exe", ".dll", ".lnk", ".iso", ".img", ".zip", ".rar", ".7z", ".jar", ".msi", ".wsf", ".cpl", ".reg"]);
DeviceFileEvents
| where ActionType == "FileCreated"
| where FileName has_any (extensions)
| summarize Files = make_set(FileName, 50) by DeviceName, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'EmailEvents join EmailUrlInfo',
    q: `EmailEvents
| where DeliveryAction == "Delivered" and ThreatTypes has "Phish"
| join kind=inner EmailUrlInfo on NetworkMessageId
| project TimeGenerated, SenderFromAddress, RecipientEmailAddress, Subject, Url`,
  },
  {
    name: 'IdentityLogonEvents: failures',
    q: `IdentityLogonEvents
| where ActionType == "LogonFailed"
| summarize Failures = count() by AccountUpn, DeviceName, bin(TimeGenerated, 10m)
| where Failures > 20`,
  },
  {
    name: 'AADUserRiskEvents: high risk',
    q: `AADUserRiskEvents
| where RiskLevel == "high"
| summarize arg_max(TimeGenerated, *) by Id
| project TimeGenerated, UserPrincipalName, RiskEventType, IpAddress, Location`,
  },
  {
    name: 'KubePodInventory: failed pods',
    q: `KubePodInventory
| where PodStatus == "Failed"
| summarize by PodName = Name, Namespace, ClusterName`,
  },
  {
    name: 'AppRequests: failures',
    q: `AppRequests
| where Success == false
| summarize failedCount = count(), avgDuration = avg(DurationMs) by OperationName, bin(TimeGenerated, 15m)
| where failedCount > 5`,
  },
  {
    name: 'StorageBlobLogs: downloads',
    q: `StorageBlobLogs
| where OperationName == "GetBlob" and StatusCode == "200"
| summarize Downloads = count(), Bytes = sum(ResponseBodySize) by CallerIpAddress, AccountName`,
  },
  {
    name: 'where with a single =',
    q: `SigninLogs
| where ResultType = "0" and AppDisplayName = "Azure Portal"
| take 10`,
  },
  {
    name: 'make-series of logons',
    q: `SecurityEvent
| where EventID == 4624
| make-series Logons = count() default = 0 on TimeGenerated from ago(7d) to now() step 1h by Computer`,
  },
  {
    name: 'SigninLogs: failure rate',
    q: `SigninLogs
| summarize Total = count(), Failures = countif(ResultType != "0"), Users = dcount(UserPrincipalName), FailedUsers = dcountif(UserPrincipalName, ResultType != "0") by AppDisplayName
| extend FailureRate = round(100.0 * Failures / Total, 2)`,
  },
  {
    name: 'let function with a timespan parameter',
    q: `let GetFailures = (lookback: timespan) { SigninLogs | where TimeGenerated > ago(lookback) and ResultType != "0" };
GetFailures(1d) | summarize count() by IPAddress`,
  },
  {
    name: 'SecurityEvent: shifts',
    q: `SecurityEvent
| extend Hour = datetime_part("hour", TimeGenerated)
| extend Shift = case(Hour < 8, "night", Hour < 18, "day", "evening")
| extend Day = format_datetime(TimeGenerated, "yyyy-MM-dd")
| summarize count() by Shift, Day`,
  },
  {
    name: 'entity mapping columns',
    q: `SigninLogs
| extend timestamp = TimeGenerated, AccountCustomEntity = UserPrincipalName, IPCustomEntity = IPAddress
| project-away ConditionalAccessPolicies
| project-reorder timestamp, AccountCustomEntity
| take 5`,
  },
  {
    name: 'AzureMetrics: CPU',
    q: `AzureMetrics
| where MetricName == "Percentage CPU"
| summarize avg(Average) by Resource, bin(TimeGenerated, 5m)`,
  },
  {
    name: 'InsightsMetrics: tags',
    q: `InsightsMetrics
| where Namespace == "Processor" and Name == "UtilizationPercentage"
| extend Tags = todynamic(Tags)
| extend Cores = toint(Tags["vm.azm.ms/totalCpus"])
| summarize avg(Val) by Computer, Cores`,
  },
  {
    name: 'search in named tables',
    q: `search in (SecurityEvent, Syslog) "mimikatz"
| summarize count() by $table`,
  },
  {
    name: 'SecurityIncident: alerts per incident',
    q: `SecurityIncident
| summarize arg_max(LastModifiedTime, *) by IncidentNumber
| mv-expand AlertIds
| extend AlertId = tostring(AlertIds)
| join kind=leftouter (SecurityAlert | summarize arg_max(TimeGenerated, *) by SystemAlertId | project SystemAlertId, AlertName) on $left.AlertId == $right.SystemAlertId
| summarize Alerts = make_set(AlertName) by IncidentNumber, Title, Severity`,
  },
  {
    name: 'lookup IdentityInfo',
    q: `SigninLogs
| where ResultType == "0"
| lookup kind=leftouter (IdentityInfo | summarize arg_max(TimeGenerated, *) by AccountUPN | project UserPrincipalName = AccountUPN, Department, JobTitle) on UserPrincipalName
| summarize count() by Department`,
  },
  {
    name: 'ConditionalAccessPolicies mv-expand',
    q: `SigninLogs
| where ConditionalAccessStatus == "failure"
| mv-expand CAP = ConditionalAccessPolicies
| extend PolicyName = tostring(CAP.displayName), PolicyResult = tostring(CAP.result)
| where PolicyResult == "failure"
| summarize count() by PolicyName`,
  },
  {
    name: 'DnsEvents: domains list',
    q: `let domains = dynamic(["evil.example", "bad.example"]);
DnsEvents
| where SubType == "LookupQuery"
| where Name has_any (domains)
| summarize count() by ClientIP, Name`,
  },
  {
    name: 'BehaviorAnalytics: investigation priority',
    q: `BehaviorAnalytics
| where InvestigationPriority > 5
| extend Country = tostring(DevicesInsights.Country)
| project TimeGenerated, UserPrincipalName, ActivityType, ActionType, SourceIPAddress, Country`,
  },
  {
    name: 'Anomalies',
    q: `Anomalies
| where Score > 0.5
| summarize count() by RuleName, bin(TimeGenerated, 1d)`,
  },
  {
    name: 'AWSCloudTrail: console logins without MFA',
    q: `AWSCloudTrail
| where EventName == "ConsoleLogin"
| extend MFAUsed = tostring(parse_json(AdditionalEventData).MFAUsed)
| where MFAUsed != "Yes"
| summarize count() by UserIdentityArn, SourceIpAddress`,
  },
  {
    name: 'ContainerLogV2: errors',
    q: `ContainerLogV2
| where LogMessage has "error"
| summarize count() by PodName, ContainerName, bin(TimeGenerated, 5m)`,
  },
  {
    name: 'AADServicePrincipalSignInLogs',
    q: `AADServicePrincipalSignInLogs
| where ResultType != "0"
| summarize count() by ServicePrincipalName, IPAddress`,
  },
  {
    name: 'CloudAppEvents',
    q: `CloudAppEvents
| where ActionType == "FileDownloaded"
| extend FileName = tostring(RawEventData.SourceFileName)
| summarize Downloads = count() by AccountDisplayName, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'AlertInfo join AlertEvidence',
    q: `AlertInfo
| where Severity == "High"
| join kind=inner AlertEvidence on AlertId
| summarize Entities = make_set(EntityType) by AlertId, Title`,
  },
  {
    name: 'DeviceLogonEvents: RDP',
    q: `DeviceLogonEvents
| where LogonType == "RemoteInteractive" and ActionType == "LogonSuccess"
| summarize Logons = count(), Sources = make_set(RemoteIP) by DeviceName, AccountName
| where Logons > 3`,
  },
  {
    name: 'DeviceRegistryEvents: Run keys',
    q: `DeviceRegistryEvents
| where RegistryKey has @"\\CurrentVersion\\Run"
| project TimeGenerated, DeviceName, RegistryKey, RegistryValueName, RegistryValueData, InitiatingProcessFileName`,
  },
  {
    name: 'Watchlist',
    q: `Watchlist
| where WatchlistAlias == "VIPUsers"
| extend UPN = tostring(WatchlistItem.UserPrincipalName)
| project UPN`,
  },
  {
    name: 'iff and coalesce',
    q: `SigninLogs
| extend Outcome = iff(ResultType == "0", "Success", "Failure"), Who = coalesce(UserPrincipalName, UserDisplayName, "unknown")
| summarize count() by Outcome, Who`,
  },
  {
    name: 'dynamic literal in the query and in operator',
    q: `let PrivilegedRoles = dynamic(["Global Administrator", "Privileged Role Administrator", "Security Administrator", "Exchange Administrator", "SharePoint Administrator", "User Administrator", "Application Administrator", "Cloud Application Administrator", "Conditional Access Administrator", "Authentication Administrator", "Privileged Authentication Administrator", "Intune Administrator", "Billing Administrator", "Helpdesk Administrator"]);
AuditLogs
| where OperationName == "Add member to role"
| mv-expand TargetResources
| mv-expand modifiedProperties = TargetResources.modifiedProperties
| where modifiedProperties.displayName == "Role.DisplayName"
| extend RoleName = tostring(parse_json(tostring(modifiedProperties.newValue)))
| where RoleName in (PrivilegedRoles)
| project TimeGenerated, RoleName`,
  },
  {
    name: 'column_ifexists for columns some workspaces lack',
    q: `SigninLogs
| extend RiskState = column_ifexists("RiskState", ""), AuthDetails = column_ifexists("AuthenticationDetails", "")
| extend Custom = column_ifexists("CustomField_s", "n/a")
| project TimeGenerated, UserPrincipalName, RiskState, AuthDetails, Custom`,
  },
  {
    name: 'find a term across the sign-in tables',
    q: `find in (SigninLogs, AADNonInteractiveUserSignInLogs) where UserPrincipalName =~ "alice@contoso.com" project TimeGenerated, IPAddress, AppDisplayName`,
  },
  {
    name: '_GetWatchlist',
    q: `let VIPs = _GetWatchlist('VIPUsers') | project SearchKey;
SigninLogs
| where UserPrincipalName in~ (VIPs)
| join kind=inner (_GetWatchlist('VIPUsers') | project UserPrincipalName = tolower(SearchKey), Tier = tostring(WatchlistItem.Tier)) on UserPrincipalName
| summarize count() by UserPrincipalName, Tier`,
  },
  {
    name: 'AADSignInEventsBeta (XDR schema, Timestamp)',
    q: `AADSignInEventsBeta
| where Timestamp > ago(1d) and ErrorCode != 0
| summarize count() by AccountUpn, Country`,
  },
];
