/**
 * Real-world content over Azure's standard tables: Microsoft Sentinel analytics rules and hunting
 * queries, Defender XDR advanced hunting and Azure Monitor workbook queries, in the shapes they are
 * published in (written after the public Azure-Sentinel and Azure Monitor samples). Each one must
 * parse, and compile and run over the tables' documented schemas (test/kql/standard-tables.test.ts).
 */
export interface CorpusQuery {
  name: string;
  q: string;
  /** The query makes rows of its own (range, datatable…), so it has rows over empty tables too. */
  makesRows?: true;
}

export const SENTINEL_CORPUS: CorpusQuery[] = [
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
  // ---- Azure AD / Entra ID sign-ins (Detections/SigninLogs, Hunting Queries/SigninLogs) ----
  {
    name: 'SigninLogs: brute force against Azure Portal',
    q: `let failureCountThreshold = 5;
let successCountThreshold = 1;
let authenticationWindow = 20m;
let aadFunc = (tableName:string){
table(tableName)
| extend DeviceDetail = todynamic(DeviceDetail), Status = todynamic(DeviceDetail), LocationDetails = todynamic(LocationDetails)
| extend OS = tostring(DeviceDetail.operatingSystem), Browser = tostring(DeviceDetail.browser)
| extend State = tostring(LocationDetails.state), City = tostring(LocationDetails.city), Region = tostring(LocationDetails.countryOrRegion)
| where AppDisplayName has "Azure Portal"
| extend FailureOrSuccess = iff(ResultType in ("0", "50125", "50140", "70043", "70044"), "Success", "Failure")
| summarize FailOrSuccessCount = count() by FailureOrSuccess, UserPrincipalName, UserDisplayName, IPAddress, OS, Browser, State, City, Region, Type, bin(TimeGenerated, authenticationWindow)
| summarize FailureSuccessDetails = make_bag(pack(FailureOrSuccess, FailOrSuccessCount)) by UserPrincipalName, UserDisplayName, IPAddress, OS, Browser, State, City, Region, Type, TimeGenerated
| extend Failure = toint(FailureSuccessDetails.Failure), Success = toint(FailureSuccessDetails.Success)
| where Failure >= failureCountThreshold and Success >= successCountThreshold
| extend timestamp = TimeGenerated, AccountCustomEntity = UserPrincipalName, IPCustomEntity = IPAddress
};
let aadSignin = aadFunc("SigninLogs");
let aadNonInt = aadFunc("AADNonInteractiveUserSignInLogs");
union isfuzzy=true aadSignin, aadNonInt
| extend Name = tostring(split(UserPrincipalName,'@',0)[0]), UPNSuffix = tostring(split(UserPrincipalName,'@',1)[0])`,
  },
  {
    name: 'SigninLogs: anomalous sign-in location by user account',
    q: `let starttime = 14d;
let endtime = 1d;
let countThreshold = 1;
SigninLogs
| where TimeGenerated between (startofday(ago(starttime)) .. startofday(ago(endtime)))
| extend LocationString = strcat(tostring(LocationDetails.countryOrRegion), "/", tostring(LocationDetails.state), "/", tostring(LocationDetails.city))
| project TimeGenerated, AppDisplayName, UserPrincipalName, LocationString
| make-series dLocationCount = dcount(LocationString) on TimeGenerated in range(startofday(ago(starttime)), now(), 1d) by UserPrincipalName, AppDisplayName
| extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(dLocationCount)
| where Slope > 0.3
| top 3 by Slope desc`,
  },
  {
    name: 'SigninLogs: sign-ins from IPs that attempt sign-ins to disabled accounts',
    q: `let threshold = 100;
SigninLogs
| where ResultType == "50057"
| where ResultDescription =~ "User account is disabled. The account has been disabled by an administrator."
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), disabledAccountLoginAttempts = count(),
    disabledAccountsTargeted = dcount(UserPrincipalName), applicationsTargeted = dcount(AppDisplayName), disabledAccountSet = make_set(UserPrincipalName),
    applicationSet = make_set(AppDisplayName) by IPAddress, Type
| order by disabledAccountLoginAttempts desc
| join kind=leftouter (
    SigninLogs
    | where ResultType == 0
    | summarize successfulAccountSigninCount = dcount(UserPrincipalName), successfulAccountSigninSet = make_set(UserPrincipalName, 15) by IPAddress, Type
    | where successfulAccountSigninCount < threshold
) on IPAddress
| where isnotempty(successfulAccountSigninCount)
| project StartTime, EndTime, IPAddress, disabledAccountLoginAttempts, disabledAccountsTargeted, disabledAccountSet, applicationSet, successfulAccountSigninCount, successfulAccountSigninSet, Type
| order by disabledAccountLoginAttempts
| extend timestamp = StartTime, IPCustomEntity = IPAddress`,
  },
  {
    name: 'SigninLogs: distributed password cracking attempts',
    q: `let s_threshold = 30;
let l_threshold = 3;
SigninLogs
| where OperationName =~ "Sign-in activity"
| where ResultType in ("50053", "50126", "50055")
| extend LocationDetails = todynamic(LocationDetails)
| extend locationString = strcat(tostring(LocationDetails.countryOrRegion), "/", tostring(LocationDetails.state), "/", tostring(LocationDetails.city), ";")
| project TimeGenerated, AppDisplayName, UserPrincipalName, IPAddress, locationString, ResultType, ResultDescription
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), LocationCount = dcount(locationString), Locations = make_set(locationString, 100),
    IPAddresses = make_set(IPAddress, 100), IPAddressCount = dcount(IPAddress), AppDisplayNames = make_set(AppDisplayName, 100), ResultDescription = make_set(ResultDescription, 50),
    FailedLogonCount = count() by UserPrincipalName
| where FailedLogonCount > s_threshold and LocationCount >= l_threshold
| extend timestamp = StartTime, AccountCustomEntity = UserPrincipalName`,
  },
  {
    name: 'SigninLogs: MFA rejected by user',
    q: `let riskScoreCutoff = 20;
SigninLogs
| where ResultType == 500121
| extend additionalDetails_ = tostring(Status.additionalDetails)
| extend UserPrincipalName = tolower(UserPrincipalName)
| where additionalDetails_ =~ "MFA denied; user declined the authentication" or additionalDetails_ has "fraud"
| summarize StartTime = min(TimeGenerated), EndTIme = max(TimeGenerated) by UserPrincipalName, UserId, AADTenantId, IPAddress
| extend Name = tostring(split(UserPrincipalName,'@',0)[0]), UPNSuffix = tostring(split(UserPrincipalName,'@',1)[0])
| join kind=leftouter (
    IdentityInfo
    | summarize LatestReportTime = arg_max(TimeGenerated, *) by AccountUPN
    | project AccountUPN, Tags, JobTitle, GroupMembership, AssignedRoles, UserType, IsAccountEnabled
    | summarize Tags = make_set(Tags, 1000), GroupMembership = make_set(GroupMembership, 1000), AssignedRoles = make_set(AssignedRoles, 1000), UserType = make_set(UserType, 1000), UserAccountControl = make_set(UserType, 1000)
        by AccountUPN
    | extend UserPrincipalName = tolower(AccountUPN)
) on UserPrincipalName
| join kind=leftouter (
    BehaviorAnalytics
    | where ActivityType in ("FailedLogOn", "LogOn")
    | where isnotempty(SourceIPAddress)
    | project UsersInsights, DevicesInsights, ActivityInsights, InvestigationPriority, SourceIPAddress
    | project-rename IPAddress = SourceIPAddress
    | summarize UsersInsights = make_set(UsersInsights, 1000), DevicesInsights = make_set(DevicesInsights, 1000), IPInvestigationPriority = sum(InvestigationPriority) by IPAddress
) on IPAddress
| extend UEBARiskScore = IPInvestigationPriority
| where UEBARiskScore > riskScoreCutoff
| sort by UEBARiskScore desc`,
  },
  {
    name: 'SigninLogs: successful sign-in from non-compliant device',
    q: `SigninLogs
| where ResultType == 0
| extend DeviceDetail = todynamic(DeviceDetail)
| extend isCompliant = tostring(DeviceDetail.isCompliant), isManaged = tostring(DeviceDetail.isManaged), trustType = tostring(DeviceDetail.trustType)
| where isCompliant != "true"
| where AppDisplayName in~ ("Azure Portal", "Microsoft Azure PowerShell", "Microsoft Azure CLI")
| summarize count(), make_set(IPAddress, 20) by UserPrincipalName, AppDisplayName, isManaged, trustType`,
  },
  {
    name: 'SigninLogs: legacy authentication',
    q: `let legacyAuthProtocols = dynamic(["Exchange ActiveSync", "IMAP", "POP", "SMTP", "Authenticated SMTP", "Exchange Web Services", "MAPI Over HTTP", "Offline Address Book", "Other clients", "Outlook Anywhere (RPC over HTTP)", "Exchange Online PowerShell", "AutoDiscover"]);
SigninLogs
| where TimeGenerated > ago(7d)
| where ClientAppUsed in (legacyAuthProtocols)
| extend City = tostring(LocationDetails.city), Country = tostring(LocationDetails.countryOrRegion)
| summarize Attempts = count(), Successes = countif(ResultType == "0"), Countries = make_set(Country) by UserPrincipalName, ClientAppUsed
| sort by Attempts desc`,
  },
  {
    name: 'SigninLogs: first access credential added to application or service principal (hunting, anomalous app)',
    q: `let lookback = 14d;
let timeframe = 1d;
let known = SigninLogs
| where TimeGenerated between (ago(lookback) .. ago(timeframe))
| where ResultType == "0"
| summarize by AppId, UserPrincipalName;
SigninLogs
| where TimeGenerated > ago(timeframe)
| where ResultType == "0"
| join kind=leftanti known on AppId, UserPrincipalName
| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), count() by AppDisplayName, AppId, UserPrincipalName, IPAddress`,
  },
  {
    name: 'SigninLogs: impossible travel with geo_distance_2points',
    q: `SigninLogs
| where ResultType == "0"
| extend Lat = toreal(LocationDetails.geoCoordinates.latitude), Lon = toreal(LocationDetails.geoCoordinates.longitude)
| where isnotempty(Lat) and isnotempty(Lon)
| project TimeGenerated, UserPrincipalName, IPAddress, Lat, Lon
| sort by UserPrincipalName asc, TimeGenerated asc
| extend PrevTime = prev(TimeGenerated), PrevLat = prev(Lat), PrevLon = prev(Lon), PrevUser = prev(UserPrincipalName)
| where PrevUser == UserPrincipalName
| extend DistanceKm = geo_distance_2points(Lon, Lat, PrevLon, PrevLat) / 1000, Hours = datetime_diff('second', TimeGenerated, PrevTime) / 3600.0
| extend SpeedKmh = iff(Hours > 0, DistanceKm / Hours, real(null))
| where SpeedKmh > 900`,
  },
  {
    name: 'SigninLogs: Conditional Access failures by policy (workbook)',
    q: `SigninLogs
| where TimeGenerated > ago(7d)
| where ConditionalAccessStatus == "failure" or ConditionalAccessStatus == "notApplied"
| mv-expand ConditionalAccessPolicies
| extend CAName = tostring(ConditionalAccessPolicies.displayName), CAResult = tostring(ConditionalAccessPolicies.result)
| where CAResult in ("failure", "reportOnlyFailure")
| summarize Count = count(), Users = dcount(UserPrincipalName) by CAName, CAResult
| sort by Count desc`,
  },
  {
    name: 'SigninLogs: sign-ins by authentication method',
    q: `SigninLogs
| where ResultType == 0
| mv-expand todynamic(AuthenticationDetails)
| extend AuthMethod = tostring(AuthenticationDetails.authenticationMethod), Succeeded = tobool(AuthenticationDetails.succeeded)
| where AuthMethod != "Previously satisfied"
| summarize count() by AuthMethod, Succeeded
| sort by count_ desc`,
  },
  {
    name: 'SigninLogs: user agents of failed sign-ins',
    q: `SigninLogs
| where ResultType != "0"
| extend UA = tostring(parse_json(tostring(DeviceDetail)).browser)
| where UserAgent has_any ("python-requests", "curl", "Go-http-client", "okhttp", "axios")
| summarize Attempts = count(), Users = make_set(UserPrincipalName, 25) by UserAgent, IPAddress
| order by Attempts desc`,
  },
  {
    name: 'SigninLogs: time series anomalies of failed sign-ins',
    q: `let starttime = 14d;
let timeframe = 1h;
let scorethreshold = 3;
let TimeSeriesData = SigninLogs
| where TimeGenerated between (startofday(ago(starttime)) .. now())
| where ResultType != "0"
| make-series Total = count() on TimeGenerated from startofday(ago(starttime)) to now() step timeframe;
TimeSeriesData
| extend (anomalies, score, baseline) = series_decompose_anomalies(Total, scorethreshold, -1, 'linefit')
| mv-expand Total to typeof(double), TimeGenerated to typeof(datetime), anomalies to typeof(double), score to typeof(double), baseline to typeof(long)
| where anomalies > 0
| project TimeGenerated, Total, baseline, anomalies, score`,
  },
  {
    name: 'SigninLogs: MFA fatigue (many MFA requests)',
    q: `let threshold = 10;
SigninLogs
| where ResultType in ("50074", "50076", "500121")
| extend AuthDetails = todynamic(AuthenticationDetails)
| mv-expand AuthDetails
| extend AuthMethod = tostring(AuthDetails.authenticationMethod), AuthResult = tostring(AuthDetails.authenticationStepResultDetail)
| where AuthMethod has "Mobile app notification"
| summarize MFAPrompts = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), IPs = make_set(IPAddress) by UserPrincipalName, bin(TimeGenerated, 1h)
| where MFAPrompts >= threshold`,
  },
  {
    name: 'SigninLogs: sign-ins to rare applications (top-nested)',
    q: `SigninLogs
| where TimeGenerated > ago(7d)
| top-nested 10 of AppDisplayName by count(), top-nested 3 of UserPrincipalName by count()`,
  },
  {
    name: 'SigninLogs: guest users sign-ins',
    q: `SigninLogs
| where UserType == "Guest" or UserPrincipalName has "#EXT#"
| where ResultType == "0"
| extend HomeTenant = iff(HomeTenantId != ResourceTenantId, "External", "Internal")
| summarize SigninCount = count(), Apps = make_set(AppDisplayName) by UserPrincipalName, HomeTenantId
| sort by SigninCount desc`,
  },
  {
    name: 'SigninLogs: ResultType description summary',
    q: `SigninLogs
| where TimeGenerated >= ago(1d)
| summarize Count = count() by ResultType, ResultDescription
| extend ResultType = toint(ResultType)
| order by Count desc
| take 50`,
  },
  {
    name: 'AADNonInteractiveUserSignInLogs: password spray on non-interactive',
    q: `let td = 1h;
let distinctAccountThreshold = 10;
AADNonInteractiveUserSignInLogs
| where ResultType in ("50126", "50053", "50055", "50056")
| extend LocationDetails = todynamic(LocationDetails), DeviceDetail = todynamic(DeviceDetail)
| extend City = tostring(LocationDetails.city), Country = tostring(LocationDetails.countryOrRegion), OS = tostring(DeviceDetail.operatingSystem)
| summarize DistinctAccounts = dcount(UserPrincipalName), Accounts = make_set(UserPrincipalName, 100), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by IPAddress, City, Country, bin(TimeGenerated, td)
| where DistinctAccounts >= distinctAccountThreshold`,
  },
  {
    name: 'AADNonInteractiveUserSignInLogs: token from unusual IP',
    q: `let lookback = 7d;
let recent = 1d;
let historic = AADNonInteractiveUserSignInLogs
| where TimeGenerated between (ago(lookback) .. ago(recent))
| where ResultType == 0
| distinct UserPrincipalName, IPAddress;
AADNonInteractiveUserSignInLogs
| where TimeGenerated > ago(recent)
| where ResultType == 0
| join kind=leftanti historic on UserPrincipalName, IPAddress
| summarize count(), Apps = make_set(AppDisplayName) by UserPrincipalName, IPAddress, AutonomousSystemNumber`,
  },
  {
    name: 'AADServicePrincipalSignInLogs: service principal sign-ins from new IPs',
    q: `let starttime = 14d;
let endtime = 1d;
let known = AADServicePrincipalSignInLogs
| where TimeGenerated between (ago(starttime) .. ago(endtime))
| where ResultType == "0"
| summarize KnownIPs = make_set(IPAddress, 1000) by ServicePrincipalId;
AADServicePrincipalSignInLogs
| where TimeGenerated > ago(endtime)
| where ResultType == "0"
| join kind=inner known on ServicePrincipalId
| where not(set_has_element(KnownIPs, IPAddress))
| project TimeGenerated, ServicePrincipalName, ServicePrincipalId, IPAddress, ResourceDisplayName, AppId`,
  },
  {
    name: 'AADManagedIdentitySignInLogs: resources accessed',
    q: `AADManagedIdentitySignInLogs
| where TimeGenerated > ago(1d)
| summarize count(), Resources = make_set(ResourceDisplayName) by ServicePrincipalName, ServicePrincipalId
| order by count_ desc`,
  },
  {
    name: 'AADUserRiskEvents join SigninLogs',
    q: `AADUserRiskEvents
| where TimeGenerated > ago(1d)
| where RiskState != "remediated" and RiskState != "dismissed"
| summarize arg_max(TimeGenerated, *) by Id
| project RiskTime = TimeGenerated, UserPrincipalName, RiskEventType, RiskLevel, RequestId
| join kind=inner (SigninLogs | where TimeGenerated > ago(1d) | project SigninTime = TimeGenerated, OriginalRequestId, IPAddress, AppDisplayName, ResultType) on $left.RequestId == $right.OriginalRequestId
| project RiskTime, SigninTime, UserPrincipalName, RiskEventType, RiskLevel, IPAddress, AppDisplayName, ResultType`,
  },
  {
    name: 'AADRiskyUsers: at risk users',
    q: `AADRiskyUsers
| where RiskState == "atRisk"
| summarize arg_max(TimeGenerated, *) by Id
| project UserPrincipalName, UserDisplayName, RiskLevel, RiskDetail, RiskLastUpdatedDateTime`,
  },
  {
    name: 'SigninLogs: GeoIP of sign-in IP',
    q: `SigninLogs
| where TimeGenerated > ago(1d)
| where ResultType == "0"
| summarize by IPAddress, UserPrincipalName
| extend GeoIPInfo = geo_info_from_ip_address(IPAddress)
| extend country = tostring(parse_json(GeoIPInfo).country), state = tostring(parse_json(GeoIPInfo).state), city = tostring(parse_json(GeoIPInfo).city)
| summarize Users = make_set(UserPrincipalName) by country, state, city`,
  },
  {
    name: 'SigninLogs: multiple users sign-ins from same non-corporate IP',
    q: `let corporateRanges = dynamic(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
SigninLogs
| where ResultType == "0"
| where not(ipv4_is_in_any_range(IPAddress, corporateRanges))
| summarize UserCount = dcount(UserPrincipalName), Users = make_set(UserPrincipalName, 50) by IPAddress
| where UserCount > 5`,
  },
  {
    name: 'SigninLogs: sign-ins where risk level during sign-in is high',
    q: `SigninLogs
| where RiskLevelDuringSignIn in~ ("high", "medium")
| where ResultType == 0
| extend RiskEvents = todynamic(RiskEventTypes_V2)
| mv-expand RiskEvent = RiskEvents to typeof(string)
| summarize Events = make_set(RiskEvent), arg_max(TimeGenerated, IPAddress, AppDisplayName) by UserPrincipalName`,
  },
  {
    name: 'SigninLogs: token protection / device code flow',
    q: `SigninLogs
| where AuthenticationProtocol == "deviceCode"
| where ResultType == 0
| project TimeGenerated, UserPrincipalName, AppDisplayName, IPAddress, UserAgent, ClientAppUsed, Location`,
  },
  {
    name: 'SigninLogs: failed sign-ins per hour timechart (workbook)',
    q: `SigninLogs
| where TimeGenerated > ago(7d)
| where ResultType != "0"
| summarize Failures = count() by bin(TimeGenerated, 1h), AppDisplayName
| render timechart`,
  },
  {
    name: 'SigninLogs: days since last sign-in per user (workbook)',
    q: `SigninLogs
| where TimeGenerated > ago(90d)
| where ResultType == 0
| summarize LastSignIn = max(TimeGenerated) by UserPrincipalName
| extend DaysSinceLastSignIn = datetime_diff('day', now(), LastSignIn)
| where DaysSinceLastSignIn > 30
| order by DaysSinceLastSignIn desc`,
  },
  {
    name: 'SigninLogs: materialize for first and last seen',
    q: `let signins = materialize(SigninLogs
| where TimeGenerated > ago(14d)
| where ResultType == 0
| project TimeGenerated, UserPrincipalName, IPAddress, AppDisplayName);
let firstSeen = signins | summarize FirstSeen = min(TimeGenerated) by UserPrincipalName, IPAddress;
signins
| where TimeGenerated > ago(1d)
| join kind=inner firstSeen on UserPrincipalName, IPAddress
| where FirstSeen > ago(1d)
| summarize NewIPs = make_set(IPAddress), Apps = make_set(AppDisplayName) by UserPrincipalName`,
  },
  {
    name: 'SigninLogs: session lifetime / parse_json of AuthenticationProcessingDetails',
    q: `SigninLogs
| where TimeGenerated > ago(1d)
| extend Processing = parse_json(AuthenticationProcessingDetails)
| mv-expand Processing
| extend Key = tostring(Processing.key), Value = tostring(Processing.value)
| where Key == "Legacy TLS (TLS 1.0, 1.1, 3DES)" and Value == "True"
| summarize count() by UserPrincipalName, AppDisplayName, UserAgent`,
  },
  // ---- AuditLogs and AzureActivity (Detections/AuditLogs, Detections/AzureActivity) ----
  {
    name: 'AuditLogs: credential added after admin consent',
    q: `let auditLookback = 1d;
AuditLogs
| where TimeGenerated > ago(auditLookback)
| where OperationName has_any ("Add service principal", "Certificates and secrets management")
| where Result =~ "success"
| mv-apply TargetResource = TargetResources on
  (
    where TargetResource.type =~ "Application"
    | extend targetDisplayName = tostring(TargetResource.displayName),
             targetId = tostring(TargetResource.id),
             targetType = tostring(TargetResource.type),
             keyEvents = TargetResource.modifiedProperties
  )
| mv-apply Property = keyEvents on
  (
    where Property.displayName =~ "KeyDescription"
    | extend new_value_set = parse_json(tostring(Property.newValue)), old_value_set = parse_json(tostring(Property.oldValue))
  )
| where old_value_set != "[]"
| extend diff = set_difference(new_value_set, old_value_set)
| where isnotempty(diff)
| parse diff with * "KeyIdentifier=" keyIdentifier:string ",KeyType=" keyType:string ",KeyUsage=" keyUsage:string ",DisplayName=" keyDisplayName:string "]" *
| where keyUsage =~ "Verify"
| mv-apply AdditionalDetail = AdditionalDetails on
  (
    where AdditionalDetail.key =~ "User-Agent"
    | extend UserAgent = tostring(AdditionalDetail.value)
  )
| extend InitiatingUserOrApp = iff(isnotempty(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.app.displayName))
| extend InitiatingIpAddress = iff(isnotempty(InitiatedBy.user.ipAddress), tostring(InitiatedBy.user.ipAddress), tostring(InitiatedBy.app.ipAddress))
| project-away diff, new_value_set, old_value_set
| project-reorder TimeGenerated, OperationName, InitiatingUserOrApp, InitiatingIpAddress, UserAgent, targetDisplayName, targetId, targetType, keyDisplayName, keyType, keyUsage, keyIdentifier, CorrelationId, TenantId
| extend timestamp = TimeGenerated, AccountCustomEntity = InitiatingUserOrApp, IPCustomEntity = InitiatingIpAddress`,
  },
  {
    name: 'AuditLogs: user added to privileged group',
    q: `let OperationList = dynamic(["Add member to group", "Add owner to group"]);
let PrivilegedGroups = dynamic(["UserAccountAdmins", "PrivilegedRoleAdmins", "TenantAdmins"]);
AuditLogs
| where LoggedByService =~ "Core Directory"
| where Category =~ "GroupManagement"
| where OperationName in~ (OperationList)
| mv-apply TargetResource = TargetResources on
  (
      where TargetResource.type =~ "User"
      | extend TargetUserPrincipalName = tostring(TargetResource.userPrincipalName),
               modProps = TargetResource.modifiedProperties
  )
| mv-apply Property = modProps on
  (
      where Property.displayName =~ "Group.DisplayName"
      | extend TargetGroupName = trim(@'"',tostring(Property.newValue))
  )
| extend InitiatingApp = tostring(InitiatedBy.app.displayName)
| extend Initiator = iif(isnotempty(InitiatingApp), InitiatingApp, tostring(InitiatedBy.user.userPrincipalName))
| where Initiator != "MS-PIM" and Initiator != "MS-PIM-Fairfax"
| where TargetGroupName in~ (PrivilegedGroups)
| project TimeGenerated, AADTenantId, Category, AADOperationType, Initiator, TargetUserPrincipalName, TargetGroupName, Result, ResultReason`,
  },
  {
    name: 'AuditLogs: conditional access policy modified',
    q: `AuditLogs
| where OperationName has "conditional access policy"
| where Result =~ "success"
| extend CAPolicyName = tostring(TargetResources[0].displayName)
| extend userPrincipalName = tostring(InitiatedBy.user.userPrincipalName)
| extend ipAddress = tostring(InitiatedBy.user.ipAddress)
| extend Modified = tostring(TargetResources[0].modifiedProperties[0].newValue), Previous = tostring(TargetResources[0].modifiedProperties[0].oldValue)
| project TimeGenerated, OperationName, CAPolicyName, userPrincipalName, ipAddress, Modified, Previous`,
  },
  {
    name: 'AuditLogs: mail.read permissions granted to application',
    q: `AuditLogs
| where Category =~ "ApplicationManagement"
| where ActivityDisplayName has_any ("Add delegated permission grant","Add app role assignment to service principal")
| where Result =~ "success"
| where tostring(InitiatedBy.user.userPrincipalName) has "@" or tostring(InitiatedBy.app.displayName) has "@"
| extend props = parse_json(tostring(TargetResources[0].modifiedProperties))
| mv-expand props
| extend UserAgent = tostring(AdditionalDetails[0].value)
| extend InitiatingUser = tostring(parse_json(tostring(InitiatedBy.user)).userPrincipalName)
| extend UserIPAddress = tostring(parse_json(tostring(InitiatedBy.user)).ipAddress)
| extend DisplayName = tostring(props.displayName)
| extend Permissions = tostring(parse_json(tostring(props.newValue)))
| where Permissions has_any ("Mail.Read", "Mail.ReadWrite")
| extend PermissionsAddedTo = tostring(TargetResources[0].displayName)
| extend Type = tostring(TargetResources[0].type)
| project-away props
| join kind=leftouter(
  AuditLogs
  | where ActivityDisplayName has "Consent to application"
  | extend AppName = tostring(TargetResources[0].displayName)
  | extend AppId = tostring(TargetResources[0].id)
  | project AppName, AppId, CorrelationId) on CorrelationId
| project-reorder TimeGenerated, OperationName, InitiatingUser, UserIPAddress, UserAgent, PermissionsAddedTo, Permissions, AppName, AppId, CorrelationId`,
  },
  {
    name: 'AuditLogs: bulk user deletion',
    q: `let threshold = 10;
AuditLogs
| where OperationName =~ "Delete user"
| where Result =~ "success"
| extend InitiatedByUser = tostring(InitiatedBy.user.userPrincipalName)
| extend TargetUser = tostring(TargetResources[0].userPrincipalName)
| summarize DeletedCount = count(), DeletedUsers = make_set(TargetUser, 100), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by InitiatedByUser, bin(TimeGenerated, 10m)
| where DeletedCount >= threshold`,
  },
  {
    name: 'AuditLogs: MFA method changes (security info registration)',
    q: `AuditLogs
| where LoggedByService == "Authentication Methods"
| where OperationName in~ ("User registered security info", "User deleted security info", "User changed default security info")
| extend User = tostring(TargetResources[0].userPrincipalName), IP = tostring(InitiatedBy.user.ipAddress)
| extend Method = tostring(parse_json(tostring(AdditionalDetails))[0].value)
| summarize Changes = count(), Operations = make_set(OperationName), IPs = make_set(IP) by User, bin(TimeGenerated, 1d)`,
  },
  {
    name: 'AuditLogs: PIM role activation outside PIM',
    q: `AuditLogs
| where Category =~ "RoleManagement"
| where OperationName in~ ("Add member to role", "Add eligible member to role")
| where Identity != "MS-PIM"
| extend TargetUser = tostring(TargetResources[0].userPrincipalName)
| extend RoleName = tostring(TargetResources[0].modifiedProperties[1].newValue)
| extend Initiator = coalesce(tostring(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.app.displayName))
| project TimeGenerated, Initiator, TargetUser, RoleName, OperationName, CorrelationId`,
  },
  {
    name: 'AuditLogs: new app registration with redirect URI',
    q: `AuditLogs
| where OperationName has "Update application" and Result == "success"
| mv-expand TargetResources
| mv-expand modifiedProperties = TargetResources.modifiedProperties
| where modifiedProperties.displayName == "AppAddress"
| extend NewAddresses = parse_json(tostring(modifiedProperties.newValue)), OldAddresses = parse_json(tostring(modifiedProperties.oldValue))
| mv-expand NewAddress = NewAddresses
| extend RedirectUrl = tostring(NewAddress.Address)
| where RedirectUrl has_any ("localhost", "ngrok", "127.0.0.1")
| project TimeGenerated, AppName = tostring(TargetResources.displayName), RedirectUrl, Actor = tostring(InitiatedBy.user.userPrincipalName)`,
  },
  {
    name: 'AuditLogs: federation settings changed',
    q: `AuditLogs
| where OperationName =~ "Set federation settings on domain" or OperationName =~ "Set domain authentication"
| extend Domain = tostring(TargetResources[0].displayName)
| extend Actor = tostring(InitiatedBy.user.userPrincipalName), ActorIP = tostring(InitiatedBy.user.ipAddress)
| extend ModProps = TargetResources[0].modifiedProperties
| mv-expand ModProps
| extend Property = tostring(ModProps.displayName), NewValue = tostring(ModProps.newValue)
| summarize Properties = make_bag(bag_pack(Property, NewValue)) by TimeGenerated, Domain, Actor, ActorIP, OperationName`,
  },
  {
    name: 'AuditLogs: guest invited and redeemed quickly',
    q: `let invites = AuditLogs
| where OperationName == "Invite external user"
| extend InvitedUser = tolower(tostring(TargetResources[0].userPrincipalName)), Inviter = tostring(InitiatedBy.user.userPrincipalName)
| project InviteTime = TimeGenerated, InvitedUser, Inviter;
AuditLogs
| where OperationName == "Redeem external user invite"
| extend InvitedUser = tolower(tostring(TargetResources[0].userPrincipalName))
| project RedeemTime = TimeGenerated, InvitedUser
| join kind=inner invites on InvitedUser
| extend MinutesToRedeem = datetime_diff('minute', RedeemTime, InviteTime)
| where MinutesToRedeem between (0 .. 10)`,
  },
  {
    name: 'AuditLogs: operations by service (workbook)',
    q: `AuditLogs
| where TimeGenerated > ago(7d)
| summarize Count = count() by LoggedByService, OperationName
| sort by Count desc
| take 20`,
  },
  {
    name: 'AuditLogs: password reset by admin followed by sign-in',
    q: `let resets = AuditLogs
| where OperationName in ("Reset user password", "Reset password (by admin)")
| extend TargetUPN = tolower(tostring(TargetResources[0].userPrincipalName)), Admin = tostring(InitiatedBy.user.userPrincipalName)
| project ResetTime = TimeGenerated, TargetUPN, Admin;
resets
| join kind=inner (SigninLogs | where ResultType == "0" | project SigninTime = TimeGenerated, TargetUPN = tolower(UserPrincipalName), IPAddress, AppDisplayName) on TargetUPN
| where SigninTime between (ResetTime .. (ResetTime + 1h))
| project ResetTime, SigninTime, TargetUPN, Admin, IPAddress, AppDisplayName`,
  },
  {
    name: 'AuditLogs: extract_all of GUIDs in modified properties',
    q: `AuditLogs
| where OperationName == "Consent to application"
| extend ConsentContext = tostring(TargetResources[0].modifiedProperties[4].newValue)
| extend Scopes = extract_all(@"Scope: ([^,\\]]+)", ConsentContext)
| extend Guids = extract_all(@"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", ConsentContext)
| extend ScopeList = strcat_array(Scopes, ", ")
| project TimeGenerated, ConsentContext, Scopes, ScopeList, Guids`,
  },
  {
    name: 'AzureActivity: mass resource deletion',
    q: `let threshold = 25;
AzureActivity
| where OperationNameValue endswith "/delete"
| where ActivityStatusValue =~ "Success"
| summarize DeleteCount = count(), Resources = make_set(_ResourceId, 50), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by Caller, CallerIpAddress, bin(TimeGenerated, 1h)
| where DeleteCount > threshold
| extend timestamp = StartTime, AccountCustomEntity = Caller, IPCustomEntity = CallerIpAddress`,
  },
  {
    name: 'AzureActivity: creation of expensive compute',
    q: `let tokens = dynamic(["416","208","192","128","120","96","80","72","64","48","44","40","g5","gs5","g4","gs4","nc12","nc24","nv24"]);
let operationList = dynamic(["microsoft.compute/virtualmachines/write", "microsoft.resources/deployments/write"]);
AzureActivity
| where OperationNameValue in~ (operationList)
| where ActivityStatusValue startswith "Accept"
| where Properties has 'vmSize'
| extend parsed_property = parse_json(tostring((parse_json(Properties).responseBody))).properties
| extend vmSize = tostring((parsed_property.hardwareProfile).vmSize)
| mv-apply token = tokens to typeof(string) on (where vmSize contains token)
| extend ComputerName = tostring((parsed_property.osProfile).computerName)
| project TimeGenerated, OperationNameValue, ActivityStatusValue, Caller, CallerIpAddress, ComputerName, vmSize
| extend Name = tostring(split(Caller,'@',0)[0]), UPNSuffix = tostring(split(Caller,'@',1)[0])`,
  },
  {
    name: 'AzureActivity: rare subscription-level operations',
    q: `let starttime = 14d;
let endtime = 1d;
let SensitiveOperationList = dynamic(["microsoft.compute/snapshots/write", "microsoft.network/networksecuritygroups/write", "microsoft.storage/storageaccounts/listkeys/action"]);
let SensitiveActivity = AzureActivity
| where OperationNameValue in~ (SensitiveOperationList) or OperationNameValue hassuffix "listkeys/action"
| where ActivityStatusValue =~ "Success";
SensitiveActivity
| where TimeGenerated >= ago(starttime) and TimeGenerated < ago(endtime)
| summarize count() by CallerIpAddress, Caller, OperationNameValue
| join kind=rightanti (
    SensitiveActivity
    | where TimeGenerated >= ago(endtime)
    | summarize StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated), ActivityTimeStamp = make_list(TimeGenerated), ActivityStatusValue = make_list(ActivityStatusValue), CorrelationIds = make_list(CorrelationId), ResourceGroups = make_list(ResourceGroup), ResourceIds = make_list(_ResourceId), ActivityCountByCallerIPAddress = count()
        by CallerIpAddress, Caller, OperationNameValue
    | where ActivityCountByCallerIPAddress > 1
) on CallerIpAddress, Caller, OperationNameValue
| extend Name = iif(Caller has '@', tostring(split(Caller,'@',0)[0]), ""), UPNSuffix = iif(Caller has '@', tostring(split(Caller,'@',1)[0]), "")`,
  },
  {
    name: 'AzureActivity: NSG rule allowing any inbound',
    q: `AzureActivity
| where OperationNameValue =~ "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE"
| where ActivityStatusValue == "Success"
| extend props = parse_json(Properties)
| extend requestbody = parse_json(tostring(props.requestbody))
| extend access = tostring(requestbody.properties.access), direction = tostring(requestbody.properties.direction), sourceAddressPrefix = tostring(requestbody.properties.sourceAddressPrefix)
| where access == "Allow" and direction == "Inbound" and sourceAddressPrefix in ("*", "0.0.0.0/0", "Internet")
| project TimeGenerated, Caller, CallerIpAddress, ResourceGroup, _ResourceId, sourceAddressPrefix`,
  },
  {
    name: 'AzureActivity: role assignment at subscription scope',
    q: `AzureActivity
| where OperationNameValue =~ "Microsoft.Authorization/roleAssignments/write"
| where ActivityStatusValue =~ "Success" or ActivityStatusValue =~ "Start"
| extend Scope = tostring(Properties_d.entity)
| extend RequestBody = parse_json(tostring(Properties_d.requestbody))
| extend RoleDefinitionId = tostring(RequestBody.Properties.RoleDefinitionId), PrincipalId = tostring(RequestBody.Properties.PrincipalId)
| extend RoleGuid = tostring(split(RoleDefinitionId, "/")[-1])
| where RoleGuid in ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c")
| project TimeGenerated, Caller, CallerIpAddress, Scope, RoleGuid, PrincipalId`,
  },
  {
    name: 'AzureActivity: key vault access policy change',
    q: `AzureActivity
| where OperationNameValue has_any ("MICROSOFT.KEYVAULT/VAULTS/WRITE", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE")
| where ActivityStatusValue == "Success"
| extend Vault = tostring(split(_ResourceId, "/")[8])
| summarize count(), Callers = make_set(Caller), IPs = make_set(CallerIpAddress) by Vault, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'AzureActivity: activity per caller (workbook, render barchart)',
    q: `AzureActivity
| where TimeGenerated > ago(30d)
| where isnotempty(Caller)
| summarize Operations = count() by Caller
| top 15 by Operations desc
| render barchart`,
  },
  {
    name: 'AzureActivity: failed operations by resource provider',
    q: `AzureActivity
| where ActivityStatusValue in ("Failure", "Failed")
| extend Provider = tostring(split(OperationNameValue, "/")[0])
| summarize Failures = count() by Provider, ResourceProviderValue, bin(TimeGenerated, 1d)
| order by Failures desc`,
  },
  {
    name: 'AzureActivity: first time caller used an operation (anti join on a lookback)',
    q: `let lookback = 30d;
let recent = 1d;
AzureActivity
| where TimeGenerated > ago(recent)
| where ActivityStatusValue == "Success"
| summarize FirstRecent = min(TimeGenerated) by Caller, OperationNameValue
| join kind=leftanti (
    AzureActivity
    | where TimeGenerated between (ago(lookback) .. ago(recent))
    | distinct Caller, OperationNameValue
) on Caller, OperationNameValue
| order by FirstRecent asc`,
  },
  {
    name: 'AzureActivity: Claims of callers',
    q: `AzureActivity
| where CategoryValue == "Administrative"
| extend ClaimsJson = parse_json(Claims)
| extend AppId = tostring(ClaimsJson.appid), Upn = tostring(ClaimsJson["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]), IPAddr = tostring(ClaimsJson.ipaddr)
| summarize count() by AppId, Upn, IPAddr`,
  },
  // ---- Windows security events (Detections/SecurityEvent, Hunting Queries/SecurityEvent) ----
  {
    name: 'SecurityEvent: user added to privileged group and removed',
    q: `let WellKnownLocalSID = "S-1-5-32-5[0-9][0-9]$";
let WellKnownGroupSID = "S-1-5-21-[0-9]*-[0-9]*-[0-9]*-5[0-9][0-9]$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1102$|S-1-5-21-[0-9]*-[0-9]*-[0-9]*-1103$";
let AC_Add = SecurityEvent
| where EventID in (4728, 4732, 4756)
| where TargetSid matches regex WellKnownLocalSID or TargetSid matches regex WellKnownGroupSID
| project StartTime = TimeGenerated, SourceUserName = SubjectUserName, SourceDomainName = SubjectDomainName, Computer, MemberName, MemberSid, TargetUserName, TargetSid, Activity;
let AC_Remove = SecurityEvent
| where EventID in (4729, 4733, 4757)
| where TargetSid matches regex WellKnownLocalSID or TargetSid matches regex WellKnownGroupSID
| project EndTime = TimeGenerated, SourceUserName = SubjectUserName, SourceDomainName = SubjectDomainName, Computer, MemberName, MemberSid, TargetUserName, TargetSid, Activity;
AC_Add
| join kind=inner AC_Remove on MemberSid, TargetSid, Computer
| where EndTime - StartTime between (0m .. 1h)
| extend AccountCustomEntity = MemberName, HostCustomEntity = Computer`,
  },
  {
    name: 'SecurityEvent: security event log cleared',
    q: `SecurityEvent
| where EventID == 1102 and EventSourceName =~ "Microsoft-Windows-Eventlog"
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), EventCount = count() by Computer, Account, EventID, Activity
| extend timestamp = StartTime, AccountCustomEntity = Account, HostCustomEntity = Computer`,
  },
  {
    name: 'SecurityEvent: new service installed (7045 via Event) and 4697',
    q: `let sysEvents = Event
| where EventLog == "System" and EventID == 7045
| parse EventData with * 'ServiceName">' ServiceName "<" * 'ImagePath">' ImagePath "<" *
| project TimeGenerated, Computer, ServiceName, ImagePath;
let secEvents = SecurityEvent
| where EventID == 4697
| parse EventData with * 'ServiceName">' ServiceName "<" * 'ServiceFileName">' ImagePath "<" *
| project TimeGenerated, Computer, ServiceName, ImagePath;
union sysEvents, secEvents
| where ImagePath has_any ("cmd.exe", "powershell", "\\\\ADMIN$", "%COMSPEC%", "rundll32")`,
  },
  {
    name: 'SecurityEvent: logon from many computers by one account',
    q: `SecurityEvent
| where EventID == 4624
| where LogonType in (3, 10)
| where AccountType == "User"
| summarize ComputerCount = dcount(Computer), Computers = make_set(Computer, 50), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by TargetAccount, IpAddress, bin(TimeGenerated, 1h)
| where ComputerCount > 10`,
  },
  {
    name: 'SecurityEvent: Kerberoasting (4769 with RC4)',
    q: `SecurityEvent
| where EventID == 4769
| parse EventData with * 'TicketEncryptionType">' TicketEncryptionType "<" *
| where TicketEncryptionType == "0x17"
| parse EventData with * 'ServiceName">' ServiceName "<" *
| where ServiceName !endswith "$" and ServiceName !~ "krbtgt"
| summarize ServiceCount = dcount(ServiceName), Services = make_set(ServiceName) by Account = TargetUserName, IpAddress, bin(TimeGenerated, 1h)
| where ServiceCount > 5`,
  },
  {
    name: 'SecurityEvent: process creation by rare parent (4688)',
    q: `let lookback = 14d;
let ProcessCreation = SecurityEvent
| where TimeGenerated > ago(lookback)
| where EventID == 4688
| project TimeGenerated, Computer, Account, ParentProcessName, NewProcessName, CommandLine
| extend Parent = tolower(tostring(split(ParentProcessName, "\\\\")[-1])), Child = tolower(tostring(split(NewProcessName, "\\\\")[-1]));
let Rare = ProcessCreation
| summarize Count = count(), Hosts = dcount(Computer) by Parent, Child
| where Count < 5 and Hosts == 1;
ProcessCreation
| join kind=inner Rare on Parent, Child
| project TimeGenerated, Computer, Account, Parent, Child, CommandLine`,
  },
  {
    name: 'SecurityEvent: LSASS access (4656/4663)',
    q: `SecurityEvent
| where EventID in (4656, 4663)
| where ObjectName endswith "\\\\lsass.exe"
| where AccessMask in ("0x1010", "0x1410", "0x147a", "0x1fffff")
| where ProcessName !has "MsMpEng.exe" and ProcessName !has "csrss.exe"
| summarize count(), make_set(ProcessName) by Computer, SubjectUserName, AccessMask`,
  },
  {
    name: 'SecurityEvent: account lockouts per domain controller',
    q: `SecurityEvent
| where EventID == 4740
| extend LockedAccount = TargetAccount, CallerComputer = TargetDomainName
| summarize Lockouts = count(), Accounts = make_set(LockedAccount, 100) by Computer, bin(TimeGenerated, 1h)
| sort by Lockouts desc`,
  },
  {
    name: 'SecurityEvent: RDP logons from public IPs',
    q: `SecurityEvent
| where EventID == 4624 and LogonType == 10
| where isnotempty(IpAddress) and IpAddress != "-"
| where not(ipv4_is_private(IpAddress)) and IpAddress != "127.0.0.1"
| summarize Logons = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated) by Computer, TargetAccount, IpAddress`,
  },
  {
    name: 'SecurityEvent: scheduled task created (4698) with XML parse',
    q: `SecurityEvent
| where EventID == 4698
| extend TaskContent = extract(@'<Data Name="TaskContent">([\\s\\S]*?)</Data>', 1, EventData)
| parse EventData with * 'TaskName">' TaskName "<" *
| extend Command = extract(@"<Command>(.*?)</Command>", 1, TaskContent), Arguments = extract(@"<Arguments>(.*?)</Arguments>", 1, TaskContent)
| where Command has_any ("powershell", "cmd.exe", "mshta", "wscript", "rundll32", "regsvr32")
| project TimeGenerated, Computer, SubjectUserName, TaskName, Command, Arguments`,
  },
  {
    name: 'SecurityEvent: failed logon reasons (workbook)',
    q: `SecurityEvent
| where EventID == 4625
| extend Reason = case(
    SubStatus =~ "0xC0000064", "User does not exist",
    SubStatus =~ "0xC000006A", "Wrong password",
    SubStatus =~ "0xC0000234", "Account locked",
    SubStatus =~ "0xC0000072", "Account disabled",
    SubStatus =~ "0xC000006F", "Outside logon hours",
    SubStatus =~ "0xC0000071", "Password expired",
    "Other")
| summarize Count = count() by Reason
| render piechart`,
  },
  {
    name: 'SecurityEvent: count of events per EventID (workbook)',
    q: `SecurityEvent
| where TimeGenerated > ago(1d)
| summarize Count = count() by EventID, Activity
| top 20 by Count`,
  },
  {
    name: 'SecurityEvent: password spray from one IP across accounts',
    q: `let timeframe = 1h;
SecurityEvent
| where EventID == 4625 and AccountType =~ "User"
| where IpAddress !in ("127.0.0.1", "::1", "-")
| summarize DistinctAccounts = dcount(TargetAccount), Accounts = make_set(TargetAccount, 100), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by IpAddress, bin(TimeGenerated, timeframe)
| where DistinctAccounts > 20
| extend IPCustomEntity = IpAddress`,
  },
  {
    name: 'SecurityEvent: AD object modified (5136) with attribute',
    q: `SecurityEvent
| where EventID == 5136
| parse EventData with * 'ObjectDN">' ObjectDN "<" * 'AttributeLDAPDisplayName">' AttributeName "<" * 'AttributeValue">' AttributeValue "<" *
| where AttributeName in~ ("msDS-AllowedToActOnBehalfOfOtherIdentity", "servicePrincipalName", "member", "msDS-KeyCredentialLink")
| project TimeGenerated, Computer, SubjectUserName, ObjectDN, AttributeName, AttributeValue`,
  },
  {
    name: 'SecurityEvent: suspicious command lines with has_any list and regex',
    q: `let suspicious = dynamic(["vssadmin delete shadows", "wbadmin delete catalog", "bcdedit /set {default} recoveryenabled no", "wmic shadowcopy delete", "cipher /w"]);
SecurityEvent
| where EventID == 4688
| where CommandLine has_any (suspicious) or CommandLine matches regex @"(?i)vssadmin(\\.exe)?\\s+delete\\s+shadows"
| project TimeGenerated, Computer, Account, CommandLine, ParentProcessName`,
  },
  {
    name: 'SecurityEvent: first-time logon to host (anti join)',
    q: `let lookback = 30d;
let timeframe = 1d;
SecurityEvent
| where TimeGenerated > ago(timeframe)
| where EventID == 4624 and LogonType == 10
| summarize FirstLogon = min(TimeGenerated) by TargetAccount, Computer
| join kind=leftanti (
    SecurityEvent
    | where TimeGenerated between (ago(lookback) .. ago(timeframe))
    | where EventID == 4624 and LogonType == 10
    | distinct TargetAccount, Computer
) on TargetAccount, Computer`,
  },
  {
    name: 'SecurityEvent: audit policy changed (4719)',
    q: `SecurityEvent
| where EventID == 4719
| extend Category = extract(@'CategoryId">([^<]+)<', 1, EventData), Changes = extract(@'AuditPolicyChanges">([^<]+)<', 1, EventData)
| where Changes has "%%8448" or Changes has "%%8450"
| project TimeGenerated, Computer, SubjectUserName, Category, Changes`,
  },
  {
    name: 'SecurityEvent: hourly logon baseline with series_decompose_anomalies',
    q: `let lookback = 7d;
SecurityEvent
| where TimeGenerated > ago(lookback)
| where EventID == 4624
| make-series LogonCount = count() default = 0 on TimeGenerated from ago(lookback) to now() step 1h by Computer
| extend (Anomalies, Score, Baseline) = series_decompose_anomalies(LogonCount, 2.5, -1, 'linefit')
| mv-expand TimeGenerated to typeof(datetime), LogonCount to typeof(long), Anomalies to typeof(int), Score to typeof(real), Baseline to typeof(real)
| where Anomalies > 0
| project Computer, TimeGenerated, LogonCount, Baseline, Score`,
  },
  {
    name: 'SecurityEvent: NTLM logons by workstation (project-rename)',
    q: `SecurityEvent
| where EventID == 4624 and AuthenticationPackageName == "NTLM"
| project-rename SourceHost = WorkstationName, User = TargetUserName
| summarize Logons = count() by SourceHost, User, LmPackageName
| sort by Logons desc`,
  },
  {
    name: 'SecurityEvent: user account enabled then disabled',
    q: `let timeframe = 1d;
let spanoftime = 10m;
let threshold = 0;
SecurityEvent
| where TimeGenerated > ago(2*timeframe)
| where EventID == 4722
| project EnabledTime = TimeGenerated, TargetSid, EnabledBy = SubjectAccount, Computer
| join kind=inner (
    SecurityEvent
    | where TimeGenerated > ago(timeframe)
    | where EventID == 4725
    | project DisabledTime = TimeGenerated, TargetSid, DisabledBy = SubjectAccount
) on TargetSid
| where DisabledTime - EnabledTime between (0min .. spanoftime)
| summarize Count = count() by EnabledTime, DisabledTime, TargetSid, EnabledBy, DisabledBy, Computer
| where Count > threshold`,
  },
  {
    name: 'Event: Sysmon process create parsed from EventData XML',
    q: `Event
| where Source == "Microsoft-Windows-Sysmon" and EventID == 1
| extend EventXml = parse_xml(EventData)
| extend Image = tostring(EventXml.DataItem.EventData.Data[4]["#text"])
| parse EventData with * '<Data Name="CommandLine">' CommandLine '</Data>' *
| parse EventData with * '<Data Name="ParentImage">' ParentImage '</Data>' *
| where CommandLine has_any ("-enc", "downloadstring", "iex")
| project TimeGenerated, Computer, Image, CommandLine, ParentImage`,
  },
  {
    name: 'Event: Sysmon network connection (EventID 3) via RenderedDescription',
    q: `Event
| where Source == "Microsoft-Windows-Sysmon" and EventID == 3
| parse RenderedDescription with * "Image: " Image " User: " * "DestinationIp: " DestinationIp " DestinationHostname: " DestinationHostname " DestinationPort: " DestinationPort " " *
| where DestinationPort in ("4444", "3389", "5985")
| summarize count() by Computer, Image, DestinationIp, DestinationPort`,
  },
  {
    name: 'Event: application crashes (workbook)',
    q: `Event
| where EventLog == "Application" and EventID == 1000
| parse RenderedDescription with "Faulting application name: " AppName ", version" *
| summarize Crashes = count() by AppName, Computer
| top 10 by Crashes`,
  },
  {
    name: 'WindowsEvent: Sysmon via AMA (EventData dynamic)',
    q: `WindowsEvent
| where Provider == "Microsoft-Windows-Sysmon" and EventID == 1
| extend CommandLine = tostring(EventData.CommandLine), Image = tostring(EventData.Image), ParentImage = tostring(EventData.ParentImage), User = tostring(EventData.User)
| where Image endswith "\\\\rundll32.exe" and CommandLine has "javascript:"
| project TimeGenerated, Computer, User, Image, CommandLine, ParentImage`,
  },
  {
    name: 'WindowsEvent: PowerShell script block logging',
    q: `WindowsEvent
| where Provider == "Microsoft-Windows-PowerShell" and EventID == 4104
| extend ScriptBlockText = tostring(EventData.ScriptBlockText)
| where ScriptBlockText has_any ("Invoke-Mimikatz", "Invoke-Kerberoast", "Get-GPPPassword", "PowerView")
| project TimeGenerated, Computer, ScriptBlockText`,
  },
  {
    name: 'SecurityEvent: group membership enumeration by host (4798/4799)',
    q: `SecurityEvent
| where EventID in (4798, 4799)
| where CallerProcessName !endswith "\\\\mmc.exe" and CallerProcessName !endswith "\\\\svchost.exe"
| summarize Enumerations = count(), Groups = make_set(TargetUserName, 50) by Computer, SubjectUserName, CallerProcessName, bin(TimeGenerated, 10m)
| where Enumerations > 10`,
  },
  {
    name: 'SecurityEvent: DCSync (4662 replication GUIDs)',
    q: `SecurityEvent
| where EventID == 4662
| where Properties has_any ("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2", "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2", "89e95b76-444d-4c62-991a-0facbeda640c")
| where AccountType !~ "Machine"
| where SubjectUserName !endswith "$"
| summarize count() by Computer, SubjectUserName, SubjectDomainName`,
  },
  // ---- Office 365 (Detections/OfficeActivity, Hunting Queries/OfficeActivity) ----
  {
    name: 'OfficeActivity: mail redirect via ExO transport rule',
    q: `OfficeActivity
| where OfficeWorkload == "Exchange"
| where Operation in~ ("New-TransportRule", "Set-TransportRule")
| mv-apply DynamicParameters = todynamic(Parameters) on (summarize ParsedParameters = make_bag(bag_pack(tostring(DynamicParameters.Name), DynamicParameters.Value)))
| extend RuleName = case(
  Operation =~ "Set-TransportRule", OfficeObjectId,
  Operation =~ "New-TransportRule", ParsedParameters.Name,
  "Unknown")
| mv-expand ExpandedParameters = todynamic(Parameters)
| where ExpandedParameters.Name in~ ("BlindCopyTo", "RedirectMessageTo") and isnotempty(ExpandedParameters.Value)
| extend RedirectTo = ExpandedParameters.Value
| extend ClientIPValues = extract_all(@'\\[?(::ffff:)?(?P<IPAddress>(\\d+\\.\\d+\\.\\d+\\.\\d+)|[^\\]]+)\\]?([-:](?P<Port>\\d+))?', dynamic(["IPAddress", "Port"]), ClientIP)[0]
| project TimeGenerated, RedirectTo, IPAddress = tostring(ClientIPValues[0]), Port = tostring(ClientIPValues[1]), UserId, Operation, RuleName, Parameters
| extend AccountName = tostring(split(UserId, "@")[0]), AccountUPNSuffix = tostring(split(UserId, "@")[1])`,
  },
  {
    name: 'OfficeActivity: mailbox permissions added (Add-MailboxPermission)',
    q: `OfficeActivity
| where Operation =~ "Add-MailboxPermission"
| extend ParsedParameters = todynamic(Parameters)
| mv-apply p = ParsedParameters on (summarize bag = make_bag(bag_pack(tostring(p.Name), tostring(p.Value))))
| extend Identity = tostring(bag.Identity), User = tostring(bag.User), AccessRights = tostring(bag.AccessRights)
| where AccessRights has "FullAccess"
| project TimeGenerated, UserId, ClientIP, Identity, User, AccessRights`,
  },
  {
    name: 'OfficeActivity: SharePoint file downloads by new IP',
    q: `let starttime = 14d;
let endtime = 1d;
let historicalActivity =
OfficeActivity
| where TimeGenerated between (ago(starttime) .. ago(endtime))
| where RecordType == "SharePointFileOperation"
| where Operation in ("FileDownloaded", "FileUploaded")
| summarize historicalCount = count() by ClientIP, RecordType, Operation;
let recentActivity = OfficeActivity
| where TimeGenerated > ago(endtime)
| where RecordType == "SharePointFileOperation"
| where Operation in ("FileDownloaded", "FileUploaded")
| summarize min(Start_Time), max(Start_Time), recentCount = count() by ClientIP, RecordType, Operation;
let RareIP = recentActivity | join kind=leftanti (historicalActivity) on ClientIP, RecordType, Operation
| summarize by ClientIP;
OfficeActivity
| where TimeGenerated > ago(endtime)
| where RecordType == "SharePointFileOperation"
| where Operation in ("FileDownloaded", "FileUploaded")
| where ClientIP in (RareIP)
| summarize StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated), Files = make_set(OfficeObjectId, 100) by ClientIP, UserId, Site_Url, UserAgent`,
  },
  {
    name: 'OfficeActivity: mass download by a single user',
    q: `let threshold = 200;
OfficeActivity
| where Operation in~ ("FileDownloaded", "FileSyncDownloadedFull")
| summarize Files = dcount(OfficeObjectId), Sites = make_set(Site_Url, 20), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by UserId, ClientIP, bin(TimeGenerated, 1h)
| where Files > threshold
| extend AccountCustomEntity = UserId, IPCustomEntity = ClientIP`,
  },
  {
    name: 'OfficeActivity: anonymous sharing links created',
    q: `OfficeActivity
| where Operation in~ ("AnonymousLinkCreated", "AnonymousLinkUpdated", "AnonymousLinkUsed")
| extend FileName = tostring(split(OfficeObjectId, "/")[-1])
| summarize Links = count(), Files = make_set(FileName, 100) by UserId, Operation, Site_Url
| order by Links desc`,
  },
  {
    name: 'OfficeActivity: external user added to Teams',
    q: `OfficeActivity
| where OfficeWorkload =~ "MicrosoftTeams"
| where Operation =~ "MemberAdded"
| extend UPN = tostring(parse_json(Members)[0].UPN)
| where UPN contains "#EXT#"
| project TimeGenerated, Operation, UPN, UserId, AADGroupId, TeamName`,
  },
  {
    name: 'OfficeActivity: Teams external user added and removed quickly',
    q: `let TeamsAddDel = (Op:string){
  OfficeActivity
  | where OfficeWorkload =~ "MicrosoftTeams"
  | where Operation == Op
  | where Members has ("#EXT#")
  | mv-expand Members
  | extend UPN = tostring(Members.UPN)
  | where UPN has ("#EXT#")
  | project TimeGenerated, Operation, UPN, UserId, TeamName, ClientIP
};
let TeamsAdd = TeamsAddDel("MemberAdded")
| project TimeAdded = TimeGenerated, Operation, MemberAdded = UPN, UserWhoAdded = UserId, TeamName, ClientIP;
let TeamsDel = TeamsAddDel("MemberRemoved")
| project TimeDeleted = TimeGenerated, Operation, MemberRemoved = UPN, UserWhoDeleted = UserId, TeamName, ClientIP;
TeamsAdd
| join kind = inner (TeamsDel) on $left.MemberAdded == $right.MemberRemoved
| where TimeDeleted > TimeAdded
| project TimeAdded, TimeDeleted, MemberAdded_Removed = MemberAdded, UserWhoAdded, UserWhoDeleted, TeamName, ClientIP`,
  },
  {
    name: 'OfficeActivity: Exchange admin audit (cmdlets by admin)',
    q: `OfficeActivity
| where RecordType =~ "ExchangeAdmin"
| where UserType in~ ("Admin", "DcAdmin")
| where Operation !in~ ("Set-ConditionalAccessPolicy", "Set-User", "Set-Mailbox") and Operation !startswith "Get-"
| summarize Cmdlets = make_set(Operation, 50), Count = count() by UserId, ClientIP
| sort by Count desc`,
  },
  {
    name: 'OfficeActivity: SharePoint file operations by user agent',
    q: `OfficeActivity
| where RecordType == "SharePointFileOperation"
| where UserAgent has_any ("python", "curl", "PowerShell", "rclone", "Go-http-client")
| summarize Files = dcount(OfficeObjectId), Operations = make_set(Operation) by UserId, ClientIP, UserAgent`,
  },
  {
    name: 'OfficeActivity: mail items accessed via Graph by app',
    q: `OfficeActivity
| where Operation == "MailItemsAccessed"
| where ResultStatus == "Succeeded"
| extend AppId = tostring(parse_json(ClientInfoString).AppId)
| extend ClientAppId = iff(isnotempty(ClientAppId), ClientAppId, AppId)
| summarize Accesses = count(), Mailboxes = dcount(MailboxOwnerUPN) by ClientAppId, ClientIP
| where Mailboxes > 10`,
  },
  {
    name: 'OfficeActivity: inbox rule with delete or move to RSS folder',
    q: `let Keywords = dynamic(["helpdesk", " alert", " suspicious", "fake", "malicious", "phishing", "spam", "do not click", "do not open", "hijacked", "Fatal"]);
OfficeActivity
| where OfficeWorkload =~ "Exchange"
| where Operation =~ "New-InboxRule" and (ResultStatus =~ "True" or ResultStatus =~ "Succeeded")
| where Parameters has "Deleted Items" or Parameters has "Junk Email" or Parameters has "DeleteMessage" or Parameters has "RSS"
| extend Events = todynamic(Parameters)
| parse Events with * "SubjectContainsWords" SubjectContainsWords '}'*
| parse Events with * "BodyContainsWords" BodyContainsWords '}'*
| parse Events with * "SubjectOrBodyContainsWords" SubjectOrBodyContainsWords '}'*
| where SubjectContainsWords has_any (Keywords)
 or BodyContainsWords has_any (Keywords)
 or SubjectOrBodyContainsWords has_any (Keywords)
| extend ClientIPAddress = case( ClientIP has ".", tostring(split(ClientIP,":")[0]), ClientIP has "[", tostring(trim_start(@'[[]',tostring(split(ClientIP,"]")[0]))), ClientIP )
| extend Keyword = iff(isnotempty(SubjectContainsWords), SubjectContainsWords, (iff(isnotempty(BodyContainsWords),BodyContainsWords,SubjectOrBodyContainsWords )))
| extend RuleDetail = case(OfficeObjectId contains '/' , tostring(split(OfficeObjectId, '/')[-1]) , tostring(split(OfficeObjectId, '\\\\')[-1]))
| summarize count(), StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated) by Operation, UserId, ClientIPAddress, ResultStatus, Keyword, OriginatingServer, OfficeObjectId, RuleDetail`,
  },
  {
    name: 'OfficeActivity: files uploaded then shared externally',
    q: `let uploads = OfficeActivity
| where Operation == "FileUploaded"
| project UploadTime = TimeGenerated, UserId, OfficeObjectId, SourceFileName;
OfficeActivity
| where Operation in ("SharingInvitationCreated", "AnonymousLinkCreated", "SecureLinkCreated")
| where TargetUserOrGroupType in ("Guest", "External") or Operation == "AnonymousLinkCreated"
| project ShareTime = TimeGenerated, UserId, OfficeObjectId, TargetUserOrGroupName, Operation
| join kind=inner uploads on UserId, OfficeObjectId
| where ShareTime between (UploadTime .. (UploadTime + 2h))
| project UploadTime, ShareTime, UserId, SourceFileName, TargetUserOrGroupName, Operation`,
  },
  {
    name: 'OfficeActivity: workload activity over time (workbook)',
    q: `OfficeActivity
| where TimeGenerated > ago(14d)
| summarize Events = count() by OfficeWorkload, bin(TimeGenerated, 1d)
| render timechart`,
  },
  {
    name: 'OfficeActivity: logins from multiple countries (ClientIP port strip)',
    q: `OfficeActivity
| where RecordType in ("ExchangeItem", "SharePointFileOperation")
| extend IP = iff(ClientIP has "]", trim(@"[\\[\\]]", tostring(split(ClientIP, "]:")[0])), tostring(split(ClientIP, ":")[0]))
| where isnotempty(IP) and ipv4_is_private(IP) == false
| extend Geo = geo_info_from_ip_address(IP)
| extend Country = tostring(Geo.country)
| summarize Countries = make_set(Country), CountryCount = dcount(Country) by UserId, bin(TimeGenerated, 1d)
| where CountryCount > 2`,
  },
  {
    name: 'OfficeActivity: Power Automate flow created',
    q: `OfficeActivity
| where RecordType == "MicrosoftFlow"
| where Operation in ("CreateFlow", "EditFlow")
| extend Details = parse_json(OperationProperties)
| mv-expand Details
| extend Key = tostring(Details.Name), Value = tostring(Details.Value)
| where Key == "FlowConnectorNames"
| project TimeGenerated, UserId, Operation, Value`,
  },
  {
    name: 'OfficeActivity: SharePoint site collection admin added',
    q: `OfficeActivity
| where OfficeWorkload =~ "SharePoint"
| where Operation =~ "SiteCollectionAdminAdded"
| extend NewAdmin = tostring(parse_json(ModifiedProperties)[0].NewValue)
| project TimeGenerated, UserId, Site_Url, NewAdmin, ClientIP`,
  },
  {
    name: 'OfficeActivity: multiple Teams deleted by a user',
    q: `let max_delete_count = 3;
let deleting_users = OfficeActivity
| where OfficeWorkload =~ "MicrosoftTeams"
| where Operation =~ "TeamDeleted"
| summarize count_ = count() by UserId
| where count_ > max_delete_count
| project UserId;
OfficeActivity
| where OfficeWorkload =~ "MicrosoftTeams"
| where Operation =~ "TeamDeleted"
| where UserId in (deleting_users)
| extend TeamName = tostring(parse_json(tostring(parse_json(Members)))[0].UPN)
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Teams = make_set(TeamName) by UserId`,
  },
  {
    name: 'OfficeActivity: non-owner mailbox login activity',
    q: `OfficeActivity
| where Operation =~ "MailboxLogin" and Logon_Type != "Owner"
| summarize count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by Operation, OrganizationName, UserType, UserId, MailboxOwnerUPN, Logon_Type, ClientIP
| extend AccountCustomEntity = UserId, IPCustomEntity = ClientIP`,
  },
  {
    name: 'OfficeActivity: file extensions uploaded (extract and make_set_if)',
    q: `OfficeActivity
| where Operation == "FileUploaded"
| extend Extension = tolower(extract(@"\\.([^.]+)$", 1, SourceFileName))
| summarize Uploads = count(), Executables = make_set_if(SourceFileName, Extension in ("exe", "dll", "ps1", "bat", "vbs")), Extensions = make_set(Extension, 50) by UserId
| where array_length(Executables) > 0`,
  },
  // ---- Syslog, CEF, DNS, IIS, Azure Diagnostics (Detections/Syslog, CommonSecurityLog, DnsEvents, W3CIISLog, AzureDiagnostics) ----
  {
    name: 'Syslog: new sudo user',
    q: `Syslog
| where Facility =~ "authpriv"
| where SyslogMessage has "sudo:" and SyslogMessage has "COMMAND="
| parse SyslogMessage with * "sudo: " User " : " * "USER=" RunAs " ; COMMAND=" Command
| summarize FirstSeen = min(TimeGenerated), Commands = make_set(Command, 20) by HostName, User, RunAs`,
  },
  {
    name: 'Syslog: SSH successful logon after failures (parse kind=regex)',
    q: `let failures = Syslog
| where ProcessName =~ "sshd" and SyslogMessage has "Failed password"
| parse kind=regex SyslogMessage with "Failed password for (invalid user )?" User:string " from " SrcIP:string " port " Port:int
| summarize Failures = count() by User, SrcIP, HostName;
Syslog
| where ProcessName =~ "sshd" and SyslogMessage has "Accepted"
| parse kind=regex SyslogMessage with "Accepted (password|publickey) for " User:string " from " SrcIP:string " port " Port:int
| join kind=inner failures on User, SrcIP, HostName
| where Failures > 5
| project TimeGenerated, HostName, User, SrcIP, Failures`,
  },
  {
    name: 'Syslog: cron jobs edited',
    q: `Syslog
| where Facility =~ "cron"
| where SyslogMessage has_any ("REPLACE", "(root) EDIT", "BEGIN EDIT", "END EDIT")
| extend User = extract(@"\\((\\w+)\\)", 1, SyslogMessage)
| project TimeGenerated, Computer, HostIP, User, SyslogMessage`,
  },
  {
    name: 'Syslog: squid proxy rare domains (split on spaces)',
    q: `Syslog
| where ProcessName contains "squid"
| extend URL = extract("(([A-Z]+ [a-z]{4,5}:\\\\/\\\\/)|[A-Z]+ )([^ :\\\\/]*)", 3, SyslogMessage),
         SourceIP = extract("([0-9]+ )(([0-9]{1,3})\\\\.([0-9]{1,3})\\\\.([0-9]{1,3})\\\\.([0-9]{1,3}))", 2, SyslogMessage),
         Status = extract("(TCP_(([A-Z]+)(_[A-Z]+)*)|UDP_(([A-Z]+)(_[A-Z]+)*))", 1, SyslogMessage),
         HTTP_Status_Code = extract("(TCP_(([A-Z]+)(_[A-Z]+)*)|UDP_(([A-Z]+)(_[A-Z]+)*))/([0-9]{3})", 8, SyslogMessage),
         User = extract("(CONNECT |GET )([^ ]* )([^ ]+)", 3, SyslogMessage),
         RemotePort = extract("(CONNECT |GET )([^ ]*)(:)([0-9]*)", 4, SyslogMessage),
         Domain = extract("(([A-Z]+ [a-z]{4,5}:\\\\/\\\\/)|[A-Z]+ )([^ :\\\\/]*)", 3, SyslogMessage),
         Bytes = toint(extract("([A-Z]+\\\\/[0-9]{3} )([0-9]+)", 2, SyslogMessage))
| extend TLD = extract("\\\\.[a-z]*$", 0, Domain)
| where HTTP_Status_Code == "200"
| summarize count(), BytesSent = sum(Bytes) by Domain, TLD, SourceIP
| where count_ < 5`,
  },
  {
    name: 'Syslog: agent health per computer (workbook)',
    q: `Syslog
| where TimeGenerated > ago(1d)
| summarize Messages = count(), LastMessage = max(TimeGenerated), Facilities = make_set(Facility) by Computer
| extend MinutesSinceLast = datetime_diff('minute', now(), LastMessage)
| order by MinutesSinceLast desc`,
  },
  {
    name: 'Syslog: severity over time (workbook)',
    q: `Syslog
| where SeverityLevel in ("emerg", "alert", "crit", "err")
| summarize count() by SeverityLevel, bin(TimeGenerated, 1h)
| render columnchart`,
  },
  {
    name: 'Syslog: reverse shell command lines (auditd execve)',
    q: `Syslog
| where ProcessName == "audispd" or SyslogMessage has "type=EXECVE"
| where SyslogMessage has_any ("/dev/tcp/", "nc -e", "ncat -e", "bash -i", "python -c 'import socket")
| extend Args = extract_all(@"a\\d+=""([^""]*)""", SyslogMessage)
| extend CommandLine = strcat_array(Args, " ")
| project TimeGenerated, Computer, CommandLine, SyslogMessage`,
  },
  {
    name: 'CommonSecurityLog: Fortinet firewall port scan',
    q: `let threshold = 100;
CommonSecurityLog
| where DeviceVendor =~ "Fortinet"
| where DeviceAction !in~ ("close", "client-rst", "server-rst", "accept")
| where isnotempty(DestinationPort)
| summarize PortCount = dcount(DestinationPort), Ports = make_set(DestinationPort, 100), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by SourceIP, DestinationIP, DeviceName, bin(TimeGenerated, 5m)
| where PortCount >= threshold
| extend IPCustomEntity = SourceIP`,
  },
  {
    name: 'CommonSecurityLog: Palo Alto threat log with AdditionalExtensions',
    q: `CommonSecurityLog
| where DeviceVendor =~ "Palo Alto Networks" and Activity =~ "THREAT"
| where LogSeverity in ("4", "5") or DeviceEventClassID has "spyware"
| extend PanOSThreatCategory = extract("PanOSThreatCategory=([^;]+)", 1, AdditionalExtensions), PanOSContentVersion = extract("PanOSContentVersion=([^;]+)", 1, AdditionalExtensions)
| extend URL = iff(isnotempty(RequestURL), RequestURL, DestinationHostName)
| summarize count() by SourceIP, DestinationIP, Activity, DeviceEventClassID, PanOSThreatCategory, URL`,
  },
  {
    name: 'CommonSecurityLog: beaconing (regular intervals)',
    q: `let starttime = 2d;
let endtime = 1d;
let TimeDeltaThreshold = 10;
let TotalEventsThreshold = 15;
let PercentBeaconThreshold = 80;
CommonSecurityLog
| where DeviceVendor == "Palo Alto Networks" and Activity == "TRAFFIC"
| where TimeGenerated between (startofday(ago(starttime)) .. startofday(ago(endtime)))
| where ipv4_is_private(DestinationIP) == false
| project TimeGenerated, DeviceName, SourceUserID, SourceIP, SourcePort, DestinationIP, DestinationPort, ReceivedBytes, SentBytes
| sort by SourceIP asc, TimeGenerated asc, DestinationIP asc, DestinationPort asc
| serialize
| extend nextTimeGenerated = next(TimeGenerated, 1), nextSourceIP = next(SourceIP, 1)
| extend TimeDeltainSeconds = datetime_diff('second', nextTimeGenerated, TimeGenerated)
| where SourceIP == nextSourceIP
| where TimeDeltainSeconds > TimeDeltaThreshold
| project TimeGenerated, TimeDeltainSeconds, DeviceName, SourceUserID, SourceIP, SourcePort, DestinationIP, DestinationPort, ReceivedBytes, SentBytes
| summarize count(), sum(ReceivedBytes), sum(SentBytes), make_list(TimeDeltainSeconds) by TimeDeltainSeconds, bin(TimeGenerated, 1h), DeviceName, SourceUserID, SourceIP, DestinationIP, DestinationPort
| summarize (MostFrequentTimeDeltaCount, MostFrequentTimeDeltainSeconds) = arg_max(count_, TimeDeltainSeconds), TotalEvents = sum(count_), TotalSentBytes = sum(sum_SentBytes), TotalReceivedBytes = sum(sum_ReceivedBytes) by bin(TimeGenerated, 1h), DeviceName, SourceUserID, SourceIP, DestinationIP, DestinationPort
| where TotalEvents > TotalEventsThreshold
| extend BeaconPercent = MostFrequentTimeDeltaCount / toreal(TotalEvents) * 100
| where BeaconPercent > PercentBeaconThreshold`,
  },
  {
    name: 'CommonSecurityLog: large outbound transfer',
    q: `CommonSecurityLog
| where CommunicationDirection in ("Outbound", "1") or DeviceOutboundInterface has "ethernet1/1"
| summarize TotalSent = sum(SentBytes), Sessions = count() by SourceIP, DestinationIP, bin(TimeGenerated, 1h)
| where TotalSent > 1073741824
| extend SentGB = round(TotalSent / 1073741824.0, 2)`,
  },
  {
    name: 'CommonSecurityLog: Cisco ASA denied by ACL',
    q: `CommonSecurityLog
| where DeviceVendor == "Cisco" and DeviceProduct == "ASA"
| where DeviceEventClassID in ("106023", "106001", "106006", "106007")
| summarize Denies = count(), Ports = make_set(DestinationPort, 20) by SourceIP, DestinationIP, Protocol
| top 25 by Denies`,
  },
  {
    name: 'CommonSecurityLog: vendors and products sending (workbook)',
    q: `CommonSecurityLog
| summarize Events = count(), LastEvent = max(TimeGenerated) by DeviceVendor, DeviceProduct
| order by Events desc`,
  },
  {
    name: 'CommonSecurityLog: Zscaler URL categories blocked',
    q: `CommonSecurityLog
| where DeviceVendor == "Zscaler" and DeviceProduct == "NSSWeblog"
| where DeviceAction =~ "Blocked"
| extend UrlCategory = DeviceCustomString2, Hostname = DestinationHostName
| summarize Blocks = count() by UrlCategory, SourceUserName
| order by Blocks desc`,
  },
  {
    name: 'DnsEvents: high reverse DNS count by host',
    q: `let threshold = 10;
DnsEvents
| where Name contains "in-addr.arpa"
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), dcount(Name), make_set(Name, 100) by ClientIP
| where dcount_Name > threshold
| extend IPCustomEntity = ClientIP`,
  },
  {
    name: 'DnsEvents: DGA-like domains (entropy proxy, length and digits)',
    q: `DnsEvents
| where SubType == "LookupQuery"
| extend Domain = tostring(split(Name, ".")[-2]), TLD = tostring(split(Name, ".")[-1])
| extend DomainLength = strlen(Domain), Digits = countof(Domain, @"[0-9]", "regex")
| where DomainLength > 15 and Digits > 3
| summarize Count = count(), Domains = make_set(Name, 50) by ClientIP
| where Count > 20`,
  },
  {
    name: 'DnsEvents: DNS tunnelling (long queries)',
    q: `DnsEvents
| where SubType =~ "LookupQuery"
| where QueryType in ("TXT", "NULL") or strlen(Name) > 60
| extend SubDomainCount = array_length(split(Name, "."))
| summarize Queries = count(), LongestQuery = max(strlen(Name)), Domains = make_set(Name, 20) by ClientIP, bin(TimeGenerated, 1h)
| where Queries > 100`,
  },
  {
    name: 'DnsEvents join ThreatIntelligenceIndicator on domain',
    q: `let dt_lookBack = 1h;
let ioc_lookBack = 14d;
ThreatIntelligenceIndicator
| where TimeGenerated >= ago(ioc_lookBack) and ExpirationDateTime > now()
| summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId
| where Active == true
| where isnotempty(DomainName)
| join kind=innerunique (
    DnsEvents
    | where TimeGenerated >= ago(dt_lookBack)
    | where SubType =~ "LookupQuery" and isnotempty(Name)
    | extend Domain = tolower(Name), DNS_TimeGenerated = TimeGenerated
) on $left.DomainName == $right.Domain
| where DNS_TimeGenerated < ExpirationDateTime
| project LatestIndicatorTime, Description, ActivityGroupNames, IndicatorId, ThreatType, ExpirationDateTime, ConfidenceScore, DNS_TimeGenerated, ClientIP, Computer, Name`,
  },
  {
    name: 'W3CIISLog: high error rate from client',
    q: `let timeBin = 1m;
let minimumErrors = 30;
W3CIISLog
| where scStatus in ("401", "403", "404")
| summarize Errors = count(), Uris = make_set(csUriStem, 20), UserAgents = make_set(csUserAgent, 5) by cIP, sSiteName, bin(TimeGenerated, timeBin)
| where Errors > minimumErrors`,
  },
  {
    name: 'W3CIISLog: webshell access patterns',
    q: `let webshellExtensions = dynamic([".aspx", ".ashx", ".asmx", ".asp"]);
W3CIISLog
| where csMethod == "POST"
| extend File = tostring(split(csUriStem, "/")[-1])
| extend Extension = strcat(".", tostring(split(File, ".")[-1]))
| where Extension in~ (webshellExtensions)
| where scStatus == "200"
| summarize Requests = count(), Clients = dcount(cIP), ClientIPs = make_set(cIP, 10) by csUriStem, sSiteName, Computer
| where Clients <= 2 and Requests > 5`,
  },
  {
    name: 'W3CIISLog: Exchange ProxyShell / autodiscover exploitation',
    q: `W3CIISLog
| where csUriStem has "autodiscover.json" and (csUriQuery has "/mapi/nspi" or csUriQuery has "powershell")
| where scStatus in ("200", "302")
| project TimeGenerated, Computer, sIP, cIP, csUriStem, csUriQuery, csUserAgent, scStatus`,
  },
  {
    name: 'W3CIISLog: URL decode of query string',
    q: `W3CIISLog
| where isnotempty(csUriQuery)
| extend Decoded = url_decode(csUriQuery)
| where Decoded has_any ("<script", "union select", "../..", "cmd.exe", "/etc/passwd")
| summarize count(), make_set(Decoded, 10) by cIP, csUriStem`,
  },
  {
    name: 'AzureDiagnostics: Key Vault sensitive operations',
    q: `let SensitiveOperationList = dynamic(["VaultDelete", "KeyDelete", "SecretDelete", "SecretPurge", "KeyPurge", "SecretBackup", "KeyBackup", "SecretListDeleted", "CertificateDelete", "CertificatePurge"]);
AzureDiagnostics
| where ResourceType =~ "VAULTS" and ResultType =~ "Success"
| where OperationName in~ (SensitiveOperationList)
| summarize EventCount = count(), StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated), TimeTriggered = make_list(TimeGenerated), OperationNameList = make_set(OperationName), RequestURLList = make_set(requestUri_s), CallerIPList = make_set(CallerIPAddress),
    CallerIPMax = arg_max(CallerIPAddress, *) by ResourceType, Resource, identity_claim_oid_g, identity_claim_upn_s
| extend timestamp = StartTimeUtc, IPCustomEntity = CallerIPMax, AccountCustomEntity = identity_claim_upn_s`,
  },
  {
    name: 'AzureDiagnostics: Application Gateway WAF blocks',
    q: `AzureDiagnostics
| where ResourceProvider == "MICROSOFT.NETWORK" and Category == "ApplicationGatewayFirewallLog"
| where action_s == "Blocked" or action_s == "Matched"
| summarize Blocks = count(), Rules = make_set(ruleId_s, 20), Uris = make_set(requestUri_s, 20) by clientIp_s, hostname_s, bin(TimeGenerated, 1h)
| order by Blocks desc`,
  },
  {
    name: 'AzureDiagnostics: SQL audit failed logins',
    q: `AzureDiagnostics
| where Category == "SQLSecurityAuditEvents"
| where action_name_s in ("DATABASE AUTHENTICATION FAILED", "LOGIN FAILED")
| summarize Failures = count(), Principals = make_set(server_principal_name_s, 50) by client_ip_s, LogicalServerName_s, bin(TimeGenerated, 1h)
| where Failures > 20`,
  },
  {
    name: 'AzureDiagnostics: SQL injection indicators in statements',
    q: `let suspiciousTokens = dynamic(["xp_cmdshell", "sp_configure", "OPENROWSET", "waitfor delay", "union select", "information_schema"]);
AzureDiagnostics
| where Category == "SQLSecurityAuditEvents"
| where statement_s has_any (suspiciousTokens)
| project TimeGenerated, LogicalServerName_s, database_name_s, server_principal_name_s, client_ip_s, application_name_s, statement_s`,
  },
  {
    name: 'AzureDiagnostics: Azure Firewall application rule parse',
    q: `AzureDiagnostics
| where Category == "AzureFirewallApplicationRule"
| parse msg_s with Protocol " request from " SourceIP ":" SourcePortInt:int " to " FQDN ":" TargetPortInt:int *
| parse msg_s with * ". Action: " Action "." *
| parse msg_s with * "Rule Collection: " RuleCollection ". Rule: " Rule
| where Action == "Deny"
| summarize count() by SourceIP, FQDN, RuleCollection
| top 20 by count_`,
  },
  {
    name: 'AzureDiagnostics: Front Door access by country',
    q: `AzureDiagnostics
| where ResourceType == "FRONTDOORS" and Category == "FrontdoorAccessLog"
| extend Country = tostring(geo_info_from_ip_address(clientIp_s).country)
| summarize Requests = count(), Errors = countif(toint(httpStatusCode_s) >= 400) by Country
| extend ErrorRate = round(100.0 * Errors / Requests, 1)
| order by Requests desc`,
  },
  {
    name: 'AzureDiagnostics: NSG flow events (column_ifexists for optional fields)',
    q: `AzureDiagnostics
| where Category == "NetworkSecurityGroupEvent"
| extend Direction = column_ifexists("direction_s", ""), Rule = column_ifexists("ruleName_s", ""), Type = column_ifexists("type_s", "")
| summarize count() by Resource, Direction, Rule, Type`,
  },
  {
    name: 'AZKVAuditLogs: secret reads by identity',
    q: `AZKVAuditLogs
| where OperationName in ("SecretGet", "SecretList")
| extend Upn = tostring(Identity.claim.upn), AppId = tostring(Identity.claim.appid)
| summarize Reads = count(), Secrets = dcount(Id) by Upn, AppId, CallerIpAddress, bin(TimeGenerated, 1h)
| where Reads > 50`,
  },
  {
    name: 'LAQueryLogs: expensive queries by user',
    q: `LAQueryLogs
| where TimeGenerated > ago(7d)
| summarize Queries = count(), CPU = sum(StatsCPUTimeMs), ScannedGB = sum(ScannedGB), Failed = countif(ResponseCode != 200) by AADEmail, RequestClientApp
| order by CPU desc`,
  },
  {
    name: 'LAQueryLogs: queries touching sensitive tables',
    q: `LAQueryLogs
| where QueryText has_any ("SecurityEvent", "SigninLogs", "AuditLogs")
| where AADEmail !endswith "@contoso.com"
| project TimeGenerated, AADEmail, RequestClientApp, ResponseRowCount, QueryText = substring(QueryText, 0, 200)`,
  },
  // ---- Microsoft Defender XDR advanced hunting (Hunting Queries/Microsoft 365 Defender) ----
  {
    name: 'DeviceProcessEvents: LOLBins downloading files (Defender portal form, Timestamp)',
    q: `DeviceProcessEvents
| where Timestamp > ago(7d)
| where FileName in~ ("certutil.exe", "bitsadmin.exe", "mshta.exe", "regsvr32.exe", "rundll32.exe", "msiexec.exe")
| where ProcessCommandLine has_any ("http://", "https://", "-urlcache", "/transfer", "scrobj.dll")
| project Timestamp, DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName, InitiatingProcessCommandLine`,
  },
  {
    name: 'DeviceProcessEvents: Office spawning script interpreters',
    q: `let officeApps = dynamic(["winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "onenote.exe", "msaccess.exe", "mspub.exe"]);
let interpreters = dynamic(["powershell.exe", "cmd.exe", "wscript.exe", "cscript.exe", "mshta.exe", "rundll32.exe", "regsvr32.exe"]);
DeviceProcessEvents
| where InitiatingProcessFileName in~ (officeApps)
| where FileName in~ (interpreters)
| summarize Count = count(), CommandLines = make_set(ProcessCommandLine, 10) by DeviceName, InitiatingProcessFileName, FileName
| order by Count desc`,
  },
  {
    name: 'DeviceProcessEvents: ransomware shadow copy deletion',
    q: `DeviceProcessEvents
| where TimeGenerated > ago(1d)
| where (FileName =~ "vssadmin.exe" and ProcessCommandLine has_all ("delete", "shadows"))
    or (FileName =~ "wmic.exe" and ProcessCommandLine has_all ("shadowcopy", "delete"))
    or (FileName =~ "bcdedit.exe" and ProcessCommandLine has_any ("recoveryenabled", "bootstatuspolicy"))
    or (FileName =~ "wbadmin.exe" and ProcessCommandLine has "delete")
| summarize Commands = make_set(ProcessCommandLine), FirstSeen = min(TimeGenerated) by DeviceId, DeviceName, AccountName
| where array_length(Commands) >= 2`,
  },
  {
    name: 'DeviceProcessEvents: encoded PowerShell decoded',
    q: `DeviceProcessEvents
| where FileName in~ ("powershell.exe", "pwsh.exe")
| where ProcessCommandLine matches regex @"(?i)\\s-(e|en|enc|enco|encodedcommand)\\s"
| extend EncodedPart = extract(@"(?i)\\s-e[a-z]*\\s+([A-Za-z0-9+/=]{20,})", 1, ProcessCommandLine)
| extend Decoded = base64_decode_tostring(EncodedPart)
| where isnotempty(Decoded)
| project TimeGenerated, DeviceName, AccountName, Decoded, ProcessCommandLine`,
  },
  {
    name: 'DeviceProcessEvents: rare processes across the fleet',
    q: `DeviceProcessEvents
| where TimeGenerated > ago(7d)
| summarize Devices = dcount(DeviceId), FirstSeen = min(TimeGenerated), Sample = any(ProcessCommandLine) by SHA1, FileName
| where Devices == 1
| join kind=inner (DeviceFileCertificateInfo | where IsSigned == false | distinct SHA1, IsSigned) on SHA1
| take 100`,
  },
  {
    name: 'DeviceProcessEvents: credential dumping tools',
    q: `DeviceProcessEvents
| where (FileName =~ "procdump.exe" or FileName =~ "procdump64.exe") and ProcessCommandLine has "lsass"
    or ProcessCommandLine has_any ("sekurlsa::", "lsadump::", "privilege::debug")
    or (FileName =~ "rundll32.exe" and ProcessCommandLine has_all ("comsvcs", "MiniDump"))
| project TimeGenerated, DeviceName, AccountName, AccountDomain, FileName, ProcessCommandLine, InitiatingProcessFileName, InitiatingProcessAccountName`,
  },
  {
    name: 'DeviceProcessEvents: AnyDesk and remote tools (in~ and has_any)',
    q: `let tools = dynamic(["anydesk.exe", "teamviewer.exe", "screenconnect.client.exe", "atera_agent.exe", "splashtop.exe", "rustdesk.exe", "ngrok.exe"]);
DeviceProcessEvents
| where TimeGenerated > ago(30d)
| where FileName in~ (tools) or ProcessVersionInfoCompanyName has_any ("AnyDesk", "TeamViewer", "ConnectWise")
| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), Devices = dcount(DeviceId) by FileName, ProcessVersionInfoCompanyName
| order by Devices desc`,
  },
  {
    name: 'DeviceProcessEvents: process tree with arg_max',
    q: `DeviceProcessEvents
| where FileName =~ "cmd.exe" and InitiatingProcessFileName =~ "w3wp.exe"
| summarize arg_max(TimeGenerated, *) by DeviceId, ProcessCommandLine
| project TimeGenerated, DeviceName, ProcessCommandLine, InitiatingProcessCommandLine, InitiatingProcessParentFileName`,
  },
  {
    name: 'DeviceNetworkEvents: connections to Tor exit and known C2 ports',
    q: `let c2Ports = dynamic([4444, 8443, 8080, 1337, 31337, 6666, 50050]);
DeviceNetworkEvents
| where TimeGenerated > ago(1d)
| where RemotePort in (c2Ports)
| where RemoteIPType == "Public"
| where InitiatingProcessFileName !in~ ("chrome.exe", "msedge.exe", "firefox.exe", "teams.exe")
| summarize Connections = count(), RemoteIPs = make_set(RemoteIP, 20) by DeviceName, InitiatingProcessFileName, RemotePort`,
  },
  {
    name: 'DeviceNetworkEvents: PowerShell network connections',
    q: `DeviceNetworkEvents
| where InitiatingProcessFileName in~ ("powershell.exe", "pwsh.exe", "powershell_ise.exe")
| where ActionType == "ConnectionSuccess"
| where RemoteIPType != "Private" and RemoteIPType != "Loopback"
| summarize Count = count(), Urls = make_set(RemoteUrl, 50) by DeviceName, InitiatingProcessAccountName, InitiatingProcessCommandLine
| order by Count desc`,
  },
  {
    name: 'DeviceNetworkEvents: SMB lateral movement fan-out',
    q: `DeviceNetworkEvents
| where RemotePort == 445 and ActionType == "ConnectionSuccess"
| where InitiatingProcessFileName !in~ ("system", "svchost.exe")
| summarize Targets = dcount(RemoteIP), TargetList = make_set(RemoteIP, 100) by DeviceName, InitiatingProcessFileName, bin(TimeGenerated, 10m)
| where Targets > 20`,
  },
  {
    name: 'DeviceNetworkEvents join TI on RemoteIP',
    q: `let ioc = ThreatIntelligenceIndicator
| where Active == true and ExpirationDateTime > now()
| where isnotempty(NetworkIP)
| summarize arg_max(TimeGenerated, *) by NetworkIP
| project NetworkIP, ThreatType, ConfidenceScore, Description;
DeviceNetworkEvents
| where TimeGenerated > ago(1d)
| join kind=inner ioc on $left.RemoteIP == $right.NetworkIP
| project TimeGenerated, DeviceName, RemoteIP, RemotePort, RemoteUrl, InitiatingProcessFileName, ThreatType, ConfidenceScore`,
  },
  {
    name: 'DeviceNetworkEvents: ipv4_is_in_range of corporate egress',
    q: `DeviceNetworkEvents
| where ActionType == "InboundConnectionAccepted"
| where not(ipv4_is_in_range(RemoteIP, "10.0.0.0/8")) and not(ipv4_is_in_range(RemoteIP, "192.168.0.0/16"))
| where LocalPort in (3389, 22, 5985, 5986)
| summarize count() by DeviceName, LocalPort, RemoteIP`,
  },
  {
    name: 'DeviceFileEvents: files dropped in startup folder',
    q: `DeviceFileEvents
| where ActionType in ("FileCreated", "FileModified", "FileRenamed")
| where FolderPath has @"\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"
| project TimeGenerated, DeviceName, FileName, FolderPath, SHA256, InitiatingProcessFileName, InitiatingProcessCommandLine`,
  },
  {
    name: 'DeviceFileEvents: ransomware mass rename',
    q: `DeviceFileEvents
| where ActionType == "FileRenamed"
| extend NewExtension = tostring(split(FileName, ".")[-1]), OldExtension = tostring(split(PreviousFileName, ".")[-1])
| where NewExtension != OldExtension
| summarize Renamed = count(), Extensions = make_set(NewExtension, 10), Folders = dcount(FolderPath) by DeviceName, InitiatingProcessFileName, bin(TimeGenerated, 5m)
| where Renamed > 100 and array_length(Extensions) <= 2`,
  },
  {
    name: 'DeviceFileEvents: files downloaded from the internet (FileOriginUrl)',
    q: `DeviceFileEvents
| where isnotempty(FileOriginUrl)
| extend Host = tostring(parse_url(FileOriginUrl).Host)
| where FileName endswith ".iso" or FileName endswith ".img" or FileName endswith ".vhd" or FileName endswith ".one"
| project TimeGenerated, DeviceName, FileName, Host, FileOriginUrl, FileOriginReferrerUrl, SHA256`,
  },
  {
    name: 'DeviceFileEvents join DeviceProcessEvents (dropped and executed)',
    q: `let dropped = DeviceFileEvents
| where TimeGenerated > ago(1d)
| where ActionType == "FileCreated"
| where FolderPath has_any (@"\\AppData\\Local\\Temp\\", @"\\Downloads\\", @"\\Users\\Public\\")
| project DropTime = TimeGenerated, DeviceId, SHA256, FileName, FolderPath;
DeviceProcessEvents
| where TimeGenerated > ago(1d)
| join kind=inner dropped on DeviceId, SHA256
| where TimeGenerated between (DropTime .. (DropTime + 10m))
| project DropTime, ExecTime = TimeGenerated, DeviceName, FileName, FolderPath, ProcessCommandLine`,
  },
  {
    name: 'DeviceLogonEvents: local admin logons',
    q: `DeviceLogonEvents
| where IsLocalAdmin == true
| where LogonType in ("Interactive", "RemoteInteractive")
| where AccountDomain !~ DeviceName
| summarize Logons = count(), Devices = make_set(DeviceName, 50) by AccountName, AccountDomain
| order by Logons desc`,
  },
  {
    name: 'DeviceLogonEvents: brute force then success',
    q: `DeviceLogonEvents
| where TimeGenerated > ago(1d)
| summarize Failures = countif(ActionType == "LogonFailed"), Successes = countif(ActionType == "LogonSuccess"), FirstFailure = minif(TimeGenerated, ActionType == "LogonFailed"), LastSuccess = maxif(TimeGenerated, ActionType == "LogonSuccess") by DeviceName, AccountName, RemoteIP
| where Failures > 20 and Successes > 0 and LastSuccess > FirstFailure`,
  },
  {
    name: 'DeviceEvents: ASR rule hits',
    q: `DeviceEvents
| where ActionType startswith "Asr"
| extend Fields = parse_json(AdditionalFields)
| extend IsAudit = tobool(Fields.IsAudit)
| summarize Blocked = countif(ActionType endswith "Blocked"), Audited = countif(ActionType endswith "Audited") by ActionType, DeviceName, FileName
| order by Blocked desc`,
  },
  {
    name: 'DeviceEvents: named pipe events (AdditionalFields)',
    q: `DeviceEvents
| where ActionType == "NamedPipeEvent"
| extend AdditionalFields = todynamic(AdditionalFields)
| extend PipeName = tostring(AdditionalFields.PipeName), FileOperation = tostring(AdditionalFields.FileOperation)
| where PipeName matches regex @"(?i)\\\\(msagent_|postex_|status_|mojo\\.5688\\.8052)"
| project TimeGenerated, DeviceName, PipeName, FileOperation, InitiatingProcessFileName`,
  },
  {
    name: 'DeviceEvents: evaluate bag_unpack of AdditionalFields',
    q: `DeviceEvents
| where ActionType == "AntivirusDetection"
| extend Fields = parse_json(AdditionalFields)
| project TimeGenerated, DeviceName, FileName, Fields
| evaluate bag_unpack(Fields)`,
  },
  {
    name: 'DeviceImageLoadEvents: unsigned DLL loaded by LSASS',
    q: `DeviceImageLoadEvents
| where InitiatingProcessFileName =~ "lsass.exe"
| join kind=leftanti (DeviceFileCertificateInfo | where IsSigned == true | distinct SHA1) on SHA1
| summarize Devices = dcount(DeviceId), Samples = make_set(FolderPath, 10) by FileName, SHA1`,
  },
  {
    name: 'DeviceRegistryEvents: defender tamper',
    q: `DeviceRegistryEvents
| where RegistryKey has @"SOFTWARE\\Policies\\Microsoft\\Windows Defender"
| where RegistryValueName in~ ("DisableAntiSpyware", "DisableRealtimeMonitoring", "DisableBehaviorMonitoring", "DisableIOAVProtection")
| where RegistryValueData == "1"
| project TimeGenerated, DeviceName, RegistryKey, RegistryValueName, RegistryValueData, InitiatingProcessFileName, InitiatingProcessAccountName`,
  },
  {
    name: 'DeviceInfo: onboarded devices by OS (Defender portal form, Timestamp)',
    q: `DeviceInfo
| where Timestamp > ago(7d)
| summarize arg_max(Timestamp, *) by DeviceId
| summarize Devices = dcount(DeviceId) by OSPlatform, OSVersion, OnboardingStatus
| order by Devices desc`,
  },
  {
    name: 'DeviceTvmSoftwareVulnerabilities: critical CVEs',
    q: `DeviceTvmSoftwareVulnerabilities
| where VulnerabilitySeverityLevel == "Critical"
| summarize Devices = dcount(DeviceId), CVEs = make_set(CveId, 50) by SoftwareVendor, SoftwareName, SoftwareVersion
| order by Devices desc`,
  },
  {
    name: 'EmailEvents: phishing delivered then clicked',
    q: `EmailEvents
| where TimeGenerated > ago(7d)
| where ThreatTypes has "Phish" and DeliveryAction == "Delivered"
| join kind=inner (UrlClickEvents | where ActionType == "ClickAllowed" | project ClickTime = TimeGenerated, NetworkMessageId, Url, AccountUpn) on NetworkMessageId
| project TimeGenerated, ClickTime, RecipientEmailAddress, SenderFromAddress, Subject, Url`,
  },
  {
    name: 'EmailEvents: internal sender spoofing (SenderFromDomain vs SenderMailFromDomain)',
    q: `EmailEvents
| where EmailDirection == "Inbound"
| where SenderFromDomain != SenderMailFromDomain
| where AuthenticationDetails !has "\\"SPF\\":\\"pass\\""
| extend Auth = parse_json(AuthenticationDetails)
| extend SPF = tostring(Auth.SPF), DKIM = tostring(Auth.DKIM), DMARC = tostring(Auth.DMARC)
| where DMARC != "pass"
| summarize count() by SenderFromDomain, SenderMailFromDomain, SPF, DKIM, DMARC`,
  },
  {
    name: 'EmailAttachmentInfo: macro attachments to many recipients',
    q: `EmailAttachmentInfo
| where FileType in~ ("docm", "xlsm", "pptm", "doc", "xls")
| summarize Recipients = dcount(RecipientEmailAddress), Senders = make_set(SenderFromAddress, 10), Messages = make_set(NetworkMessageId, 100) by SHA256, FileName
| where Recipients > 10
| mv-expand NetworkMessageId = Messages to typeof(string)
| join kind=inner (EmailEvents | project NetworkMessageId, Subject, DeliveryAction) on NetworkMessageId
| summarize Recipients = any(Recipients), Subjects = make_set(Subject, 10), Delivered = countif(DeliveryAction == "Delivered") by SHA256, FileName`,
  },
  {
    name: 'EmailPostDeliveryEvents: ZAP removed phish',
    q: `EmailPostDeliveryEvents
| where ActionType == "Phish ZAP" and ActionResult == "Success"
| join kind=inner (EmailEvents | project NetworkMessageId, Subject, SenderFromAddress, RecipientEmailAddress) on NetworkMessageId
| summarize Removed = count() by SenderFromAddress, Subject
| top 20 by Removed`,
  },
  {
    name: 'EmailUrlInfo: URLs by domain',
    q: `EmailUrlInfo
| where TimeGenerated > ago(1d)
| summarize Messages = dcount(NetworkMessageId), Urls = make_set(Url, 20) by UrlDomain
| order by Messages desc
| take 50`,
  },
  {
    name: 'IdentityDirectoryEvents: sensitive group changes',
    q: `IdentityDirectoryEvents
| where ActionType == "Group Membership changed"
| extend AddedToGroup = tostring(AdditionalFields["TO.GROUP"]), RemovedFromGroup = tostring(AdditionalFields["FROM.GROUP"]), TargetAccount = tostring(AdditionalFields["TARGET_OBJECT.USER"])
| where AddedToGroup in~ ("Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators")
| project TimeGenerated, AccountName, TargetAccount, AddedToGroup, DeviceName`,
  },
  {
    name: 'IdentityQueryEvents: LDAP reconnaissance',
    q: `IdentityQueryEvents
| where ActionType == "LDAP query"
| where Query has_any ("objectCategory=computer", "servicePrincipalName=*", "adminCount=1", "userAccountControl:1.2.840.113556.1.4.803:=4194304")
| summarize Queries = count(), Samples = make_set(Query, 10) by DeviceName, AccountName, bin(TimeGenerated, 1h)
| where Queries > 5`,
  },
  {
    name: 'IdentityLogonEvents: protocol use per account (pivot)',
    q: `IdentityLogonEvents
| where TimeGenerated > ago(7d)
| summarize Count = count() by AccountUpn, Protocol
| evaluate pivot(Protocol, sum(Count))`,
  },
  {
    name: 'CloudAppEvents: mass delete in SharePoint or OneDrive',
    q: `CloudAppEvents
| where Application in ("Microsoft SharePoint Online", "Microsoft OneDrive for Business")
| where ActionType in ("FileDeleted", "FileRecycled")
| summarize Deleted = count() by AccountDisplayName, AccountObjectId, IPAddress, bin(TimeGenerated, 10m)
| where Deleted > 100`,
  },
  {
    name: 'CloudAppEvents: OAuth app consent with RawEventData',
    q: `CloudAppEvents
| where ActionType == "Consent to application."
| extend RawData = parse_json(RawEventData)
| extend AppName = tostring(RawData.Target[3].ID), Scope = tostring(RawData.ModifiedProperties[4].NewValue)
| where Scope has_any ("Mail.Read", "Files.ReadWrite.All", "offline_access")
| project TimeGenerated, AccountDisplayName, IPAddress, AppName, Scope`,
  },
  {
    name: 'AlertEvidence: devices with multiple high-severity alerts',
    q: `AlertInfo
| where TimeGenerated > ago(7d)
| where Severity in ("High", "Medium")
| join kind=inner (AlertEvidence | where EntityType == "Machine" | project AlertId, DeviceId, DeviceName) on AlertId
| summarize Alerts = dcount(AlertId), Titles = make_set(Title, 20), Sources = make_set(ServiceSource) by DeviceId, DeviceName
| where Alerts > 2`,
  },
  {
    name: 'AADSpnSignInEventsBeta: service principal sign-ins',
    q: `AADSpnSignInEventsBeta
| where Timestamp > ago(1d)
| where ErrorCode == 0
| summarize count(), IPs = make_set(IPAddress) by ServicePrincipalName, ApplicationId, ResourceDisplayName`,
  },
  {
    name: 'DeviceProcessEvents: invoke a tabular function (hunting helper)',
    q: `let ProcessesOn = (T:(DeviceName:string, FileName:string, ProcessCommandLine:string), host:string) {
    T | where DeviceName =~ host | project FileName, ProcessCommandLine
};
DeviceProcessEvents
| where TimeGenerated > ago(1h)
| invoke ProcessesOn("web01.contoso.com")
| summarize count() by FileName`,
  },
  // ---- Alerts, incidents, threat intelligence, UEBA, ASIM, watchlists (Detections/MultipleDataSources, ThreatIntelligenceIndicator, ASimDNS, …) ----
  {
    name: 'SecurityAlert: alerts from multiple providers on one host',
    q: `SecurityAlert
| where TimeGenerated > ago(1d)
| extend Entities = parse_json(Entities)
| mv-expand Entity = Entities
| where Entity.Type == "host"
| extend HostName = tolower(tostring(Entity.HostName))
| where isnotempty(HostName)
| summarize Providers = dcount(ProviderName), ProviderList = make_set(ProviderName), Alerts = make_set(AlertName, 20) by HostName
| where Providers > 1`,
  },
  {
    name: 'SecurityAlert: alert volume by product and severity (workbook)',
    q: `SecurityAlert
| where TimeGenerated > ago(30d)
| summarize arg_max(TimeGenerated, *) by SystemAlertId
| summarize Alerts = count() by ProductName, AlertSeverity
| order by Alerts desc`,
  },
  {
    name: 'SecurityAlert: MITRE tactics of alerts (mv-expand of a JSON string)',
    q: `SecurityAlert
| where TimeGenerated > ago(7d)
| where isnotempty(Tactics)
| extend Tactic = split(Tactics, ",")
| mv-expand Tactic to typeof(string)
| extend Tactic = trim(" ", Tactic)
| summarize Alerts = dcount(SystemAlertId) by Tactic
| sort by Alerts desc`,
  },
  {
    name: 'SecurityAlert: account entities joined to sign-ins',
    q: `let alerts = SecurityAlert
| where TimeGenerated > ago(1d)
| where AlertSeverity in ("High", "Medium")
| mv-expand Entity = todynamic(Entities)
| where Entity.Type == "account"
| extend Upn = tolower(strcat(tostring(Entity.Name), "@", tostring(Entity.UPNSuffix)))
| project AlertTime = TimeGenerated, AlertName, Upn;
SigninLogs
| where TimeGenerated > ago(1d)
| extend Upn = tolower(UserPrincipalName)
| join kind=inner alerts on Upn
| where TimeGenerated between ((AlertTime - 1h) .. (AlertTime + 1h))
| summarize SignIns = count(), IPs = make_set(IPAddress) by Upn, AlertName`,
  },
  {
    name: 'SecurityIncident: mean time to close by severity (workbook)',
    q: `SecurityIncident
| where TimeGenerated > ago(30d)
| summarize arg_max(TimeGenerated, *) by IncidentNumber
| where Status == "Closed"
| extend TimeToClose = datetime_diff('minute', ClosedTime, CreatedTime)
| summarize MeanMinutesToClose = avg(TimeToClose), Median = percentile(TimeToClose, 50), Incidents = count() by Severity`,
  },
  {
    name: 'SecurityIncident: classification by owner',
    q: `SecurityIncident
| summarize arg_max(LastModifiedTime, *) by IncidentNumber
| extend OwnerUpn = tostring(Owner.userPrincipalName), OwnerName = tostring(Owner.assignedTo)
| where Status == "Closed"
| summarize Incidents = count() by OwnerName, Classification, ClassificationReason
| order by Incidents desc`,
  },
  {
    name: 'SecurityIncident: incidents per analytic rule (mv-expand RelatedAnalyticRuleIds)',
    q: `SecurityIncident
| where CreatedTime > ago(30d)
| summarize arg_max(TimeGenerated, *) by IncidentNumber
| mv-expand RuleId = RelatedAnalyticRuleIds to typeof(string)
| summarize Incidents = dcount(IncidentNumber), TruePositives = dcountif(IncidentNumber, Classification == "TruePositive"), FalsePositives = dcountif(IncidentNumber, Classification == "FalsePositive") by RuleId
| extend FPRate = round(100.0 * FalsePositives / Incidents, 1)`,
  },
  {
    name: 'SecurityIncident: labels and tactics from AdditionalData',
    q: `SecurityIncident
| summarize arg_max(TimeGenerated, *) by IncidentNumber
| extend Tactics = AdditionalData.tactics, AlertCount = toint(AdditionalData.alertsCount), Products = AdditionalData.alertProductNames
| mv-expand Label = Labels
| extend LabelName = tostring(Label.labelName)
| project IncidentNumber, Title, Severity, Status, AlertCount, Tactics, Products, LabelName`,
  },
  {
    name: 'ThreatIntelligenceIndicator: IP indicators matched in SigninLogs',
    q: `let dt_lookBack = 1h;
let ioc_lookBack = 14d;
let IP_Indicators = ThreatIntelligenceIndicator
| where TimeGenerated >= ago(ioc_lookBack) and ExpirationDateTime > now()
| summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId
| where Active == true
| where isnotempty(NetworkIP) or isnotempty(EmailSourceIpAddress) or isnotempty(NetworkDestinationIP) or isnotempty(NetworkSourceIP)
| extend TI_ipEntity = iff(isnotempty(NetworkIP), NetworkIP, NetworkDestinationIP)
| extend TI_ipEntity = iff(isempty(TI_ipEntity) and isnotempty(NetworkSourceIP), NetworkSourceIP, TI_ipEntity)
| extend TI_ipEntity = iff(isempty(TI_ipEntity) and isnotempty(EmailSourceIpAddress), EmailSourceIpAddress, TI_ipEntity);
IP_Indicators
| join kind=innerunique (
    SigninLogs
    | where TimeGenerated >= ago(dt_lookBack)
    | extend Status = todynamic(Status), LocationDetails = todynamic(LocationDetails)
    | extend StatusCode = tostring(Status.errorCode), StatusDetails = tostring(Status.additionalDetails)
    | extend State = tostring(LocationDetails.state), City = tostring(LocationDetails.city), Region = tostring(LocationDetails.countryOrRegion)
    | extend SigninLogs_TimeGenerated = TimeGenerated, Type = Type
) on $left.TI_ipEntity == $right.IPAddress
| where SigninLogs_TimeGenerated < ExpirationDateTime
| summarize SigninLogs_TimeGenerated = arg_max(SigninLogs_TimeGenerated, *), IoC_TimeGenerated = arg_max(LatestIndicatorTime, *) by IndicatorId, IPAddress
| project SigninLogs_TimeGenerated, Description, ActivityGroupNames, IndicatorId, ThreatType, Url, ExpirationDateTime, ConfidenceScore, UserPrincipalName, IPAddress, AppDisplayName, StatusCode, StatusDetails, Region, City
| extend timestamp = SigninLogs_TimeGenerated, AccountCustomEntity = UserPrincipalName, IPCustomEntity = IPAddress`,
  },
  {
    name: 'ThreatIntelligenceIndicator: URL indicators matched in OfficeActivity',
    q: `let ioc_lookBack = 14d;
ThreatIntelligenceIndicator
| where TimeGenerated >= ago(ioc_lookBack) and ExpirationDateTime > now()
| summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId
| where Active == true
| where isnotempty(Url)
| join kind=inner (
    OfficeActivity
    | where TimeGenerated > ago(1d)
    | extend Url = tostring(parse_json(tostring(parse_json(ExtendedProperties)))["URL"])
    | where isnotempty(Url)
) on Url
| project LatestIndicatorTime, Description, ThreatType, Url, UserId, ClientIP, Operation`,
  },
  {
    name: 'ThreatIntelligenceIndicator: file hash matched in DeviceFileEvents',
    q: `let ioc_lookBack = 14d;
let FileHashIndicators = ThreatIntelligenceIndicator
| where TimeGenerated >= ago(ioc_lookBack) and ExpirationDateTime > now()
| where isnotempty(FileHashValue)
| summarize LatestIndicatorTime = arg_max(TimeGenerated, *) by IndicatorId
| where Active == true
| extend FileHashValue = tolower(FileHashValue);
FileHashIndicators
| join kind=innerunique (
    DeviceFileEvents
    | where TimeGenerated > ago(1d)
    | extend SHA256 = tolower(SHA256)
) on $left.FileHashValue == $right.SHA256
| project LatestIndicatorTime, Description, ThreatType, FileHashValue, DeviceName, FileName, FolderPath, InitiatingProcessAccountName`,
  },
  {
    name: 'ThreatIntelligenceIndicator: indicators by source and type (workbook)',
    q: `ThreatIntelligenceIndicator
| where TimeGenerated > ago(90d)
| summarize arg_max(TimeGenerated, *) by IndicatorId
| where Active == true and ExpirationDateTime > now()
| extend IndicatorType = case(isnotempty(NetworkIP) or isnotempty(NetworkSourceIP) or isnotempty(NetworkDestinationIP), "IP", isnotempty(Url), "URL", isnotempty(DomainName), "Domain", isnotempty(FileHashValue), "FileHash", isnotempty(EmailSenderAddress), "Email", "Other")
| summarize count() by SourceSystem, IndicatorType`,
  },
  {
    name: 'ThreatIntelIndicators (new STIX table): active IP observables',
    q: `ThreatIntelIndicators
| where IsActive == true and ValidUntil > now()
| where ObservableKey has "ipv4-addr"
| summarize arg_max(TimeGenerated, *) by Id
| extend Labels = tostring(Data.labels), ThreatTypes = tostring(Data.indicator_types)
| project ObservableValue, Confidence, Source, Labels, ThreatTypes, ValidUntil`,
  },
  {
    name: 'BehaviorAnalytics: first time activity insights',
    q: `BehaviorAnalytics
| where ActivityInsights.FirstTimeUserConnectedFromCountry == true or ActivityInsights.FirstTimeUserAccessedResource == true
| extend Country = tostring(SourceIPLocation)
| project TimeGenerated, UserPrincipalName, ActivityType, ActionType, SourceIPAddress, Country, InvestigationPriority, ActivityInsights`,
  },
  {
    name: 'BehaviorAnalytics: top users by investigation priority',
    q: `BehaviorAnalytics
| where TimeGenerated > ago(7d)
| where InvestigationPriority > 0
| summarize Score = sum(InvestigationPriority), Activities = make_set(ActionType, 20) by UserPrincipalName
| top 10 by Score desc`,
  },
  {
    name: 'UserPeerAnalytics: peers of a user',
    q: `UserPeerAnalytics
| where UserPrincipalName =~ "alice@contoso.com"
| summarize arg_max(TimeGenerated, *) by PeerUserPrincipalName
| order by Rank asc
| project PeerUserPrincipalName, Rank`,
  },
  {
    name: 'IdentityInfo: users of a department with their sign-ins',
    q: `let Finance = IdentityInfo
| where TimeGenerated > ago(14d)
| summarize arg_max(TimeGenerated, *) by AccountObjectId
| where Department =~ "Finance"
| project AccountUPN = tolower(AccountUPN), JobTitle;
SigninLogs
| where TimeGenerated > ago(1d)
| extend AccountUPN = tolower(UserPrincipalName)
| where AccountUPN in (Finance)
| summarize count() by AccountUPN, AppDisplayName`,
  },
  {
    name: 'IdentityInfo: privileged role holders without MFA',
    q: `IdentityInfo
| summarize arg_max(TimeGenerated, *) by AccountObjectId
| where array_length(AssignedRoles) > 0
| mv-expand Role = AssignedRoles to typeof(string)
| where Role has "Administrator"
| where IsMFARegistered == false
| summarize Roles = make_set(Role) by AccountUPN, AccountDisplayName`,
  },
  {
    name: 'Anomalies: anomaly reasons (mv-expand AnomalyReasons)',
    q: `Anomalies
| where TimeGenerated > ago(7d)
| mv-expand Reason = AnomalyReasons
| extend ReasonName = tostring(Reason.Name), ReasonValue = tostring(Reason.Value)
| summarize count() by AnomalyTemplateName, ReasonName`,
  },
  {
    name: 'HuntingBookmark: bookmarks per hunter',
    q: `HuntingBookmark
| where SoftDeleted == false
| summarize arg_max(TimeGenerated, *) by BookmarkId
| summarize Bookmarks = count(), Tags = make_set(Tags) by CreatedBy`,
  },
  {
    name: 'SentinelHealth: failing data connectors and analytics rules',
    q: `SentinelHealth
| where TimeGenerated > ago(1d)
| where Status != "Success"
| summarize Failures = count(), LastFailure = max(TimeGenerated), Reasons = make_set(Reason, 10) by SentinelResourceType, SentinelResourceName, Status
| order by Failures desc`,
  },
  {
    name: 'Watchlist join: high value assets with alerts',
    q: `let HVA = _GetWatchlist('HighValueAssets') | project Hostname = tolower(tostring(SearchKey)), Owner = tostring(WatchlistItem.Owner);
SecurityAlert
| where TimeGenerated > ago(1d)
| extend Host = tolower(CompromisedEntity)
| join kind=inner HVA on $left.Host == $right.Hostname
| project TimeGenerated, AlertName, AlertSeverity, Host, Owner`,
  },
  {
    name: 'Watchlist: exclusions of service accounts (!in)',
    q: `let ServiceAccounts = _GetWatchlist('ServiceAccounts') | project SearchKey;
SecurityEvent
| where EventID == 4625
| where TargetAccount !in (ServiceAccounts)
| summarize count() by TargetAccount, Computer`,
  },
  {
    name: 'ASIM: network session parser (imNetworkSession)',
    q: `imNetworkSession(starttime=ago(1d), endtime=now(), dstportnumber=3389)
| where DvcAction == "Allow"
| summarize Sessions = count() by SrcIpAddr, DstIpAddr, DstPortNumber`,
  },
  {
    name: 'ASIM: DNS parser with domain list (_Im_Dns)',
    q: `let lookback = 1h;
let domains = dynamic(["evil.example", "bad.example"]);
_Im_Dns(starttime=ago(lookback), domain_has_any=domains)
| summarize count() by SrcIpAddr, DnsQuery`,
  },
  {
    name: 'ASIM: authentication parser (_Im_Authentication)',
    q: `_Im_Authentication(starttime=ago(1d), endtime=now(), eventresult='Failure')
| summarize Failures = count() by TargetUsername, SrcIpAddr
| where Failures > 50`,
  },
  {
    name: 'ASimNetworkSessionLogs: native table of normalized network sessions',
    q: `ASimNetworkSessionLogs
| where TimeGenerated > ago(1d)
| where DvcAction in ("Deny", "Drop")
| summarize Blocked = count() by SrcIpAddr, DstIpAddr, DstPortNumber, NetworkProtocol
| top 20 by Blocked`,
  },
  {
    name: 'externaldata: Tor exit node list',
    q: `let TorNodes = (externaldata (TorIP:string) [@"https://check.torproject.org/torbulkexitlist"] with (format="txt", ignoreFirstRecord=false));
SigninLogs
| where IPAddress in (TorNodes)
| project TimeGenerated, UserPrincipalName, IPAddress, AppDisplayName`,
  },
  {
    name: 'externaldata: Microsoft service tags JSON',
    q: `let ServiceTags = externaldata(values: dynamic)
[@"https://raw.githubusercontent.com/microsoft/mstic/master/PublicFeeds/MSTICIoCs.json"]
with (format="multijson");
ServiceTags
| mv-expand values
| extend Name = tostring(values.name)
| take 10`,
  },
  {
    name: 'externaldata: CSV of IOCs with schema',
    q: `let IOCs = externaldata(DateAdded:string, IoC:string, Type:string, TLP:string)
[@"https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Sample%20Data/Feeds/Log4j_IOC_List.csv"]
with (format="csv", ignoreFirstRecord=true);
let IPList = IOCs | where Type =~ "ip" | project IoC;
CommonSecurityLog
| where SourceIP in (IPList) or DestinationIP in (IPList)
| project TimeGenerated, SourceIP, DestinationIP, DeviceVendor`,
  },
  {
    name: 'Heartbeat: agents by OS and version (workbook)',
    q: `Heartbeat
| where TimeGenerated > ago(1d)
| summarize arg_max(TimeGenerated, *) by Computer
| summarize Agents = dcount(Computer) by OSType, Version, Category
| order by Agents desc`,
  },
  {
    name: 'Heartbeat: availability percentage per computer',
    q: `let start = ago(7d);
let end = now();
Heartbeat
| where TimeGenerated between (start .. end)
| summarize HeartbeatsPerHour = count() by bin_at(TimeGenerated, 1h, start), Computer
| extend AvailablePerHour = iff(HeartbeatsPerHour > 0, true, false)
| summarize TotalAvailableHours = countif(AvailablePerHour == true) by Computer
| extend LengthOfTimeInHours = toscalar(print datetime_diff('hour', end, start))
| extend AvailabilityPercentage = round(100.0 * TotalAvailableHours / LengthOfTimeInHours, 2)`,
  },
  {
    name: 'Perf: free disk space below threshold',
    q: `Perf
| where ObjectName == "LogicalDisk" and CounterName == "% Free Space"
| where InstanceName != "_Total" and InstanceName !has "HarddiskVolume"
| summarize arg_max(TimeGenerated, CounterValue) by Computer, InstanceName
| where CounterValue < 10
| project Computer, Drive = InstanceName, FreePercent = round(CounterValue, 1)`,
  },
  {
    name: 'Perf: memory percentiles',
    q: `Perf
| where ObjectName == "Memory" and CounterName in ("Available MBytes", "% Committed Bytes In Use")
| summarize percentiles(CounterValue, 50, 95, 99) by Computer, CounterName, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'Usage: daily ingestion per table (workbook)',
    q: `Usage
| where TimeGenerated > startofday(ago(31d))
| where IsBillable == true
| summarize IngestedGB = sum(Quantity) / 1000.0 by bin(StartTime, 1d), DataType
| render columnchart`,
  },
  {
    name: 'Usage: toscalar total and share per table',
    q: `let Total = toscalar(Usage | where TimeGenerated > ago(30d) and IsBillable == true | summarize sum(Quantity));
Usage
| where TimeGenerated > ago(30d) and IsBillable == true
| summarize GB = sum(Quantity) / 1000.0 by DataType
| extend Percent = round(100.0 * GB * 1000.0 / Total, 2)
| order by GB desc`,
  },
  {
    name: 'union withsource: events per table (workbook)',
    q: `union withsource = TableName SecurityEvent, Syslog, CommonSecurityLog, SigninLogs
| where TimeGenerated > ago(1d)
| summarize Events = count(), LastEvent = max(TimeGenerated) by TableName`,
  },
  {
    name: 'union * : billable size per type',
    q: `union *
| where TimeGenerated > ago(1d)
| where _IsBillable == true
| summarize BillableBytes = sum(_BilledSize) by Type
| order by BillableBytes desc`,
  },
  {
    name: 'Update: missing security updates',
    q: `Update
| where TimeGenerated > ago(14d)
| where Classification in ("Security Updates", "Critical Updates")
| summarize arg_max(TimeGenerated, *) by Computer, UpdateID
| where UpdateState == "Needed" and Optional == false
| summarize MissingUpdates = count(), KBs = make_set(KBID, 50) by Computer, OSType`,
  },
  {
    name: 'KubeEvents: warnings by reason',
    q: `KubeEvents
| where TimeGenerated > ago(1d)
| where KubeEventType == "Warning"
| summarize Count = sum(Count) by Reason, Namespace, ObjectKind
| order by Count desc`,
  },
  {
    name: 'ContainerLog: exceptions in logs',
    q: `ContainerLog
| where LogEntry has_cs "Exception" and LogEntry !has_cs "DEBUG"
| summarize Count = count() by Image, Name
| join kind=leftouter (ContainerInventory | summarize arg_max(TimeGenerated, *) by ContainerID | project Name, ContainerState) on Name
| order by Count desc`,
  },
  {
    name: 'AppExceptions: top problems (Application Insights workspace-based)',
    q: `AppExceptions
| where TimeGenerated > ago(1d)
| summarize Count = sum(ItemCount), Users = dcount(UserId) by ProblemId, ExceptionType, OuterMessage
| top 10 by Count`,
  },
  {
    name: 'AppTraces: severity counts per role',
    q: `AppTraces
| where SeverityLevel >= 3
| summarize count() by AppRoleName, SeverityLevel, bin(TimeGenerated, 1h)`,
  },
  {
    name: 'AWSCloudTrail: IAM changes by root or assumed role',
    q: `let EventNameList = dynamic(["AttachUserPolicy", "AttachRolePolicy", "PutUserPolicy", "PutRolePolicy", "CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile", "AddUserToGroup"]);
AWSCloudTrail
| where EventName in~ (EventNameList)
| where isempty(ErrorCode) and isempty(ErrorMessage)
| extend UserIdentityUserName = iff(isnotempty(UserIdentityUserName), UserIdentityUserName, tostring(split(UserIdentityArn, "/")[-1]))
| summarize EventCount = count(), StartTimeUtc = min(TimeGenerated), EndTimeUtc = max(TimeGenerated), Events = make_set(EventName) by UserIdentityType, UserIdentityUserName, SourceIpAddress, UserIdentityAccountId
| extend timestamp = StartTimeUtc, AccountCustomEntity = UserIdentityUserName, IPCustomEntity = SourceIpAddress`,
  },
  {
    name: 'AWSCloudTrail: S3 bucket policy made public (RequestParameters)',
    q: `AWSCloudTrail
| where EventName in ("PutBucketPolicy", "PutBucketAcl", "DeleteBucketPublicAccessBlock")
| extend Request = parse_json(RequestParameters)
| extend BucketName = tostring(Request.bucketName)
| where RequestParameters has_any ("AllUsers", "\\"Principal\\":\\"*\\"", "AuthenticatedUsers")
| project TimeGenerated, EventName, BucketName, UserIdentityArn, SourceIpAddress, AWSRegion`,
  },
  {
    name: 'AWSGuardDuty: high severity findings',
    q: `AWSGuardDuty
| where Severity >= 7
| extend ResourceType = tostring(ResourceDetails.resourceType), Action = tostring(ServiceDetails.action.actionType)
| summarize count() by ActivityType, ResourceType, Action, Region`,
  },
  {
    name: 'GCPAuditLogs: IAM policy changes',
    q: `GCPAuditLogs
| where MethodName has "SetIamPolicy"
| extend Deltas = Request.policy.bindings
| mv-expand Binding = Deltas
| extend Role = tostring(Binding.role), Members = Binding.members
| project TimeGenerated, PrincipalEmail, ProjectId, Role, Members`,
  },
  {
    name: 'MicrosoftGraphActivityLogs: enumeration of users by app',
    q: `MicrosoftGraphActivityLogs
| where RequestMethod == "GET"
| where RequestUri has_any ("/users", "/groups", "/directoryRoles", "/servicePrincipals")
| summarize Requests = count(), Uris = dcount(RequestUri) by AppId, ServicePrincipalId, UserId, IPAddress, bin(TimeGenerated, 1h)
| where Requests > 1000`,
  },
  {
    name: 'AADProvisioningLogs: failed provisioning',
    q: `AADProvisioningLogs
| where ResultType == "Failure"
| extend Target = tostring(parse_json(TargetIdentity).displayName), Source = tostring(parse_json(SourceIdentity).displayName)
| summarize count() by ProvisioningAction, Target, Source`,
  },
  {
    name: 'VMConnection: outbound to malicious IPs',
    q: `VMConnection
| where Direction == "outbound"
| where isnotempty(MaliciousIp)
| summarize Bytes = sum(BytesSent), Connections = sum(LinksEstablished) by Computer, ProcessName, RemoteIp, IndicatorThreatType`,
  },
  {
    name: 'evaluate autocluster of failed sign-ins',
    q: `SigninLogs
| where TimeGenerated > ago(1d)
| where ResultType != "0"
| project AppDisplayName, ClientAppUsed, ResultType, Location, UserAgent
| evaluate autocluster()`,
  },
  {
    name: 'evaluate basket of process launches',
    q: `DeviceProcessEvents
| where TimeGenerated > ago(1d)
| project FileName, InitiatingProcessFileName, AccountDomain
| evaluate basket(0.05)`,
  },
  {
    name: 'Cross-table: sign-in followed by mailbox rule (union and join)',
    q: `let window = 30m;
let risky = SigninLogs
| where RiskLevelDuringSignIn in ("high", "medium")
| project SigninTime = TimeGenerated, UserPrincipalName = tolower(UserPrincipalName), IPAddress;
OfficeActivity
| where Operation in~ ("New-InboxRule", "Set-InboxRule", "UpdateInboxRules")
| extend UserPrincipalName = tolower(UserId)
| join kind=inner risky on UserPrincipalName
| where TimeGenerated between (SigninTime .. (SigninTime + window))
| project SigninTime, RuleTime = TimeGenerated, UserPrincipalName, IPAddress, ClientIP, Operation, Parameters`,
  },
  {
    name: 'Cross-table: host with alerts and failed logons (let-bound scalars and datatable)',
    q: `let severities = datatable(AlertSeverity:string, Weight:int) ["High", 3, "Medium", 2, "Low", 1, "Informational", 0];
let lookback = totimespan("1d");
SecurityAlert
| where TimeGenerated > ago(lookback)
| lookup severities on AlertSeverity
| summarize Score = sum(Weight), Alerts = make_set(AlertName, 10) by CompromisedEntity
| join kind=leftouter (SecurityEvent | where TimeGenerated > ago(lookback) and EventID == 4625 | summarize FailedLogons = count() by Computer) on $left.CompromisedEntity == $right.Computer
| extend FailedLogons = coalesce(FailedLogons, 0)
| order by Score desc`,
  },
  {
    name: 'format_datetime and hour-of-day heatmap (workbook)',
    q: `SigninLogs
| where TimeGenerated > ago(7d)
| extend Day = format_datetime(TimeGenerated, "yyyy-MM-dd"), Hour = hourofday(TimeGenerated), Weekday = dayofweek(TimeGenerated) / 1d
| summarize SignIns = count() by Day, Hour, Weekday
| order by Day asc, Hour asc`,
  },
  {
    name: 'range-generated timeline with leftouter join (workbook)',
    makesRows: true,
    q: `let start = startofday(ago(7d));
let end = startofday(now());
range Day from start to end step 1d
| join kind=leftouter (SecurityEvent | where TimeGenerated >= start | summarize Events = count() by Day = startofday(TimeGenerated)) on Day
| project Day, Events = coalesce(Events, 0)`,
  },
  {
    name: 'DeviceProcessEvents: local account created with net.exe (has_all over a let-bound list)',
    q: `let addUser = dynamic(["user", "/add"]);
let addToAdmins = dynamic(["localgroup", "administrators", "/add"]);
DeviceProcessEvents
| where TimeGenerated > ago(7d)
| where FileName in~ ("net.exe", "net1.exe")
| where ProcessCommandLine has_all (addUser) or ProcessCommandLine has_all (addToAdmins)
| extend NewUser = extract(@"(?i)user\\s+(\\S+)\\s+", 1, ProcessCommandLine)
| summarize Commands = make_set(ProcessCommandLine, 20), FirstSeen = min(TimeGenerated) by DeviceName, InitiatingProcessAccountName, NewUser`,
  },
  {
    name: 'DeviceEvents: bag_unpack with a column prefix',
    q: `DeviceEvents
| where ActionType == "PowerShellCommand"
| extend Fields = todynamic(AdditionalFields)
| project TimeGenerated, DeviceName, InitiatingProcessCommandLine, Fields
| evaluate bag_unpack(Fields, 'PS_')
| summarize count() by DeviceName`,
  },
  {
    name: 'SigninLogs: ResultType against a let-bound list of numeric error codes',
    q: `let errorCodes = dynamic([50053, 50126, 50055, 50057]);
SigninLogs
| where toint(ResultType) in (errorCodes)
| summarize Failures = count() by ResultType, ResultDescription
| order by Failures desc`,
  },
];

/**
 * The queries of the corpus Vigil refuses, each with why and the error it gives (the test checks
 * both, and fails when one of them starts to run: then it leaves this list).
 */

const AZD = "AzureDiagnostics' columns depend on the resource types that send to it; the Azure Monitor reference (azure-tables.json) does not document";
const CASE_TWIN = "AzureDiagnostics documents both clientIP_s and clientIp_s; Vigil's column names are case-insensitive (DuckDB), so the catalogue keeps the first (src/metadata/standard-tables.ts) and clientIp_s (Application Gateway WAF, Front Door) does not resolve";
const TIMESTAMP = 'Defender portal (advanced hunting) form: the Log Analytics schema of the Defender XDR tables (azure-tables.json) has TimeGenerated, not Timestamp';
const ASIM = 'ASIM parsers are functions Microsoft Sentinel deploys in its workspaces; Vigil does not ship them and says so';
const EXTERNAL = 'externaldata reads URLs: parsed, then refused with a clear message (Vigil queries never leave the workspace)';
export const SENTINEL_REFUSED: Record<string, { stage: 'parse' | 'compile' | 'run'; reason: string; error: RegExp }> = {
  // Columns the documented schemas lack (Azure too fails to resolve a column the workspace has never received).
  'AzureDiagnostics: Key Vault sensitive operations': { stage: 'compile', reason: `${AZD} identity_claim_oid_g / identity_claim_upn_s (Key Vault audit)`, error: /Failed to resolve scalar expression named 'identity_claim_oid_g'/ },
  'AzureDiagnostics: SQL audit failed logins': { stage: 'compile', reason: `${AZD} server_principal_name_s (SQL audit)`, error: /Failed to resolve scalar expression named 'server_principal_name_s'/ },
  'AzureDiagnostics: SQL injection indicators in statements': { stage: 'compile', reason: `${AZD} server_principal_name_s (SQL audit)`, error: /Failed to resolve scalar expression named 'server_principal_name_s'/ },
  'AzureDiagnostics: Application Gateway WAF blocks': { stage: 'compile', reason: CASE_TWIN, error: /Failed to resolve scalar expression named 'clientIp_s'/ },
  'AzureDiagnostics: Front Door access by country': { stage: 'compile', reason: CASE_TWIN, error: /Failed to resolve scalar expression named 'clientIp_s'/ },
  'DeviceProcessEvents: LOLBins downloading files (Defender portal form, Timestamp)': { stage: 'compile', reason: TIMESTAMP, error: /Failed to resolve scalar expression named 'Timestamp'/ },
  'DeviceInfo: onboarded devices by OS (Defender portal form, Timestamp)': { stage: 'compile', reason: TIMESTAMP, error: /Failed to resolve scalar expression named 'Timestamp'/ },
  // Sentinel workspace functions Vigil does not ship (a stand-in would make up normalisations).
  'ASIM: network session parser (imNetworkSession)': { stage: 'compile', reason: ASIM, error: /Unknown function: 'imNetworkSession'\. It is a Microsoft Sentinel ASIM parser/ },
  'ASIM: DNS parser with domain list (_Im_Dns)': { stage: 'compile', reason: ASIM, error: /Unknown function: '_Im_Dns'\. It is a Microsoft Sentinel ASIM parser/ },
  'ASIM: authentication parser (_Im_Authentication)': { stage: 'compile', reason: ASIM, error: /Unknown function: '_Im_Authentication'\. It is a Microsoft Sentinel ASIM parser/ },
  // Reading URLs from a query stays disallowed.
  'externaldata: Tor exit node list': { stage: 'compile', reason: EXTERNAL, error: /externaldata is not supported: Vigil queries never read from outside the workspace/ },
  'externaldata: Microsoft service tags JSON': { stage: 'compile', reason: EXTERNAL, error: /externaldata is not supported: Vigil queries never read from outside the workspace/ },
  'externaldata: CSV of IOCs with schema': { stage: 'compile', reason: EXTERNAL, error: /externaldata is not supported: Vigil queries never read from outside the workspace/ },
  // The test's workspace has stored nothing, and wildcards cover stored tables only (src/query/table-access.ts).
  'union * : billable size per type': { stage: 'compile', reason: 'union * covers the tables a workspace has stored (a standard table joins once something writes it); this workspace has stored none', error: /Failed to resolve table expression named '\*'/ },
};
