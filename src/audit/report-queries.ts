/**
 * Workspace insights over the query audit: the KQL behind `vigil audit report --since 7d`, shipped
 * with every workspace that has LAQueryLogs as saved queries (the `queries` of the metadata API).
 * Each query reads only LAQueryLogs, so running one needs exactly the permission the audit needs.
 */

export interface ReportQuery {
  id: string;
  displayName: string;
  description: string;
  /** The KQL, for a look-back window such as `7d`. */
  body: (since: string) => string;
}

const window = (since: string) => `LAQueryLogs\n| where TimeGenerated > ago(${since})`;
/** Denied: refused authentication or authorization (Vigil answers 404 for a workspace the caller may not query). */
const DENIED = 'ResponseCode in (401, 403, 404)';

export const REPORT_QUERIES: readonly ReportQuery[] = [
  {
    id: 'audit-summary',
    displayName: 'Query audit summary',
    description: 'How many queries ran, succeeded, failed and were denied, and by how many principals.',
    body: (since) =>
      `${window(since)}\n| summarize Queries = count(), Succeeded = countif(ResponseCode == 200), Failed = countif(ResponseCode != 200 and not(${DENIED})), Denied = countif(${DENIED}), Principals = dcount(AADObjectId)`,
  },
  {
    id: 'audit-who-queried-what',
    displayName: 'Who queried what',
    description: 'Per principal and client application: how many queries, against which targets and tables, and when last.',
    body: (since) =>
      `${window(since)}\n| extend Tables = tostring(RequestContext.tables)\n| summarize Queries = count(), LastQuery = max(TimeGenerated), Targets = make_set(RequestTarget, 10), Tables = make_set(Tables, 10) by AADObjectId, AADClientId, RequestClientApp\n| order by Queries desc`,
  },
  {
    id: 'audit-failed-queries',
    displayName: 'Failed queries',
    description: 'Queries that failed for another reason than access (syntax and semantic errors, timeouts, cancellations), newest first.',
    body: (since) =>
      `${window(since)}\n| where ResponseCode != 200 and not(${DENIED})\n| project TimeGenerated, AADObjectId, AADClientId, ResponseCode, CorrelationId, RequestTarget, QueryText = substring(QueryText, 0, 200)\n| order by TimeGenerated desc\n| take 100`,
  },
  {
    id: 'audit-denied-queries',
    displayName: 'Denied queries',
    description: 'Queries refused for lack of access (401, 403, and 404 for a workspace the caller may not query), newest first.',
    body: (since) =>
      `${window(since)}\n| where ${DENIED}\n| project TimeGenerated, AADObjectId, AADClientId, ResponseCode, CorrelationId, RequestTarget, QueryText = substring(QueryText, 0, 200)\n| order by TimeGenerated desc\n| take 100`,
  },
  {
    id: 'audit-top-principals',
    displayName: 'Top principals',
    description: 'The ten principals that ran the most queries, with their failures, denials, rows returned and time spent.',
    body: (since) =>
      `${window(since)}\n| summarize Queries = count(), Failed = countif(ResponseCode != 200), Denied = countif(${DENIED}), RowsReturned = sum(ResponseRowCount), DurationMs = sum(ResponseDurationMs) by AADObjectId, AADClientId\n| top 10 by Queries desc`,
  },
  {
    id: 'audit-busiest-tables',
    displayName: 'Busiest tables',
    description: 'The ten tables read by the most successful queries, with how many principals read them.',
    body: (since) =>
      `${window(since)}\n| where ResponseCode == 200\n| mv-expand Table = RequestContext.tables to typeof(string)\n| where isnotempty(Table)\n| summarize Queries = count(), Principals = dcount(AADObjectId), RowsReturned = sum(ResponseRowCount) by Table\n| top 10 by Queries desc`,
  },
];

/** The saved queries as the metadata API lists them. */
export function savedReportQueries() {
  return REPORT_QUERIES.map((q) => ({
    id: q.id,
    name: q.id,
    displayName: q.displayName,
    description: q.description,
    body: q.body('7d'),
    labels: ['Vigil', 'Query audit'],
    tags: { category: ['Audit'] },
    related: { tables: ['LAQueryLogs'], categories: ['audit'] },
  }));
}

/** A look-back window for `--since`: a whole number of days, hours or minutes (7d, 12h, 30m). */
export function parseSince(s: string): string {
  const m = /^\s*(\d{1,5})\s*([dhm])\s*$/i.exec(s);
  if (!m || Number(m[1]) === 0) throw new Error(`'${s}' is not a look-back window: use a whole number of days, hours or minutes, e.g. 7d, 12h or 30m.`);
  return `${Number(m[1])}${m[2]!.toLowerCase()}`;
}
