/**
 * Workspace insights, in four sections:
 *  - Query audit (LAQueryLogs): who queried what, failures, denials (401/403/404), the slowest queries;
 *  - Ingestion: rows stored per table, and per data collection rule (VigilIngestionStatistics: rows
 *    received, dropped by the transformation, ingested);
 *  - Alerts: the log search alert rules on the workspace and their state (ARM scheduledQueryRules), the
 *    alerts fired (Microsoft.AlertsManagement/alerts) and the alert history (VigilAlertHistory);
 *  - Private data: the scanner's settings (ARM privateDataScanSettings) and its latest findings
 *    (VigilPrivateDataFindings).
 * Every panel is fed by the APIs the SDKs use (Query API, ARM), so it shows exactly what the user may read.
 */
import { ApiFailure, api, runQuery, type Workspace } from './api';
import { renderChart } from './chart';
import { h } from './dom';
import { loadDirectory, nameOf, type DirectoryEntry } from './directory';
import { latestOnly } from './latest';
import { staticTable } from './table';

const WINDOWS: [string, string][] = [['1d', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']];

interface Panel { id: string; title: string; description: string; query: (since: string) => string; chart?: string }

const SECTIONS = [
  { id: 'audit', title: 'Query audit', description: 'Who queried what, failures and denials, from the query audit (LAQueryLogs).' },
  { id: 'ingestion', title: 'Ingestion', description: 'Rows stored per table, and what each data collection rule received, dropped and ingested.' },
  { id: 'alerts', title: 'Alerts', description: 'Log search alert rules on this workspace, the alerts they fired, and the alert history.' },
  { id: 'private-data', title: 'Private data', description: 'What the private-data scanner found in this workspace’s tables (counts, never the values).' },
] as const;
type SectionId = (typeof SECTIONS)[number]['id'];

const AUDIT_PANELS: Panel[] = [
  {
    id: 'audit-slowest-queries',
    title: 'Slowest queries',
    description: 'The twenty queries that took longest.',
    query: (since) => `LAQueryLogs\n| where TimeGenerated > ago(${since})\n| top 20 by ResponseDurationMs desc\n| project TimeGenerated, AADObjectId, ResponseDurationMs, ResponseCode, QueryText = substring(QueryText, 0, 120)`,
  },
];

const INGESTION_PANELS: Panel[] = [
  {
    id: 'ingestion-volume',
    title: 'Ingestion volume per table',
    description: 'Rows stored per table in the window (tables you may read).',
    query: (since) => `union withsource=Table *\n| where TimeGenerated > ago(${since})\n| summarize Rows = count() by Table\n| order by Rows desc`,
    chart: 'barchart',
  },
  {
    id: 'ingestion-per-dcr',
    title: 'Ingestion per data collection rule',
    description: 'Per rule and destination table: rows received, dropped by the rule’s transformation, and ingested.',
    query: (since) =>
      `VigilIngestionStatistics\n| where TimeGenerated > ago(${since})\n| summarize RowsReceived = sum(RowsReceived), RowsDropped = sum(RowsDropped), RowsIngested = sum(RowsIngested) by DataCollectionRuleId, OutputTable\n` +
      `| extend Rule = tostring(split(DataCollectionRuleId, "/")[8])\n| project Rule, OutputTable, RowsReceived, RowsDropped, RowsIngested, DataCollectionRuleId\n| order by RowsIngested desc, Rule asc`,
  },
];

const ALERT_HISTORY_PANEL: Panel = {
  id: 'alert-history',
  title: 'Alert history',
  description: 'The latest 100 alerts fired and resolved in the window (VigilAlertHistory).',
  query: (since) => `VigilAlertHistory\n| where TimeGenerated > ago(${since})\n| top 100 by TimeGenerated desc\n| project TimeGenerated, AlertRuleName, Severity, MonitorCondition, FiredTime, ResolvedTime, IsSuppressed, TargetResource`,
};

const FINDINGS_PANEL: Panel = {
  id: 'private-data-findings',
  title: 'Private-data findings',
  description: 'Per table, column and pattern, the latest scan’s counts and the suggested remedy.',
  query: (since) =>
    `VigilPrivateDataFindings\n| where TimeGenerated > ago(${since})\n| summarize arg_max(TimeGenerated, MatchCount, RowsWithMatches, RowsSampled, SuggestedRemedy) by ScannedTable, ScannedColumn, Pattern\n` +
    `| project LastScan = TimeGenerated, Table = ScannedTable, Column = ScannedColumn, Pattern, MatchCount, RowsWithMatches, RowsSampled, SuggestedRemedy\n| order by MatchCount desc, Table asc, Column asc, Pattern asc`,
};

const failure = (err: unknown) => h('p', { className: 'query-error', role: 'alert' }, err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err));

const panelSection = (id: string, title: string, description: string) =>
  h('section', { className: 'panel', tabindex: 0, id: `panel-${id}`, 'aria-labelledby': `title-${id}` }, h('h3', { id: `title-${id}` }, title), h('p', { className: 'muted' }, description));

export async function insightsPage(host: HTMLElement, workspaces: Workspace[]): Promise<void> {
  const wsSelect = h('select', { id: 'insights-workspace' }, ...workspaces.map((w) => h('option', { value: w.customerId }, `${w.name} (${w.resourceGroup})`)));
  const winSelect = h('select', { id: 'insights-window' }, ...WINDOWS.map(([v, l]) => h('option', { value: v, selected: v === '7d' }, l)));
  const refresh = h('button', { type: 'button', className: 'primary', id: 'insights-refresh' }, 'Refresh');
  // Jump links as buttons: the address bar's hash is the page route (#/insights), so they move focus instead.
  const jumps = h('nav', { 'aria-label': 'Insights sections', className: 'jumps' },
    ...SECTIONS.map((s) => h('button', { type: 'button', id: `jump-${s.id}`, onclick: () => document.getElementById(`section-${s.id}`)?.focus() }, s.title)));
  const panels = h('div', { className: 'panels', id: 'insights-panels' });
  host.append(
    h('h1', {}, 'Workspace insights'),
    h('div', { className: 'toolbar' }, h('label', { for: 'insights-workspace' }, 'Workspace'), wsSelect, h('label', { for: 'insights-window' }, 'Window'), winSelect, refresh),
    jumps,
    panels,
  );
  const dir = await loadDirectory();

  const begin = latestOnly();
  const load = async () => {
    const current = begin();
    const w = workspaces.find((x) => x.customerId === wsSelect.value)!;
    const since = winSelect.value;
    // Each load renders into its own view, which replaces the previous one; a superseded load stops at its next step.
    const view = h('div', { className: 'insights-view', 'data-workspace': w.customerId, 'data-window': since });
    panels.replaceChildren(view);
    const sections = new Map<SectionId, HTMLElement>();
    for (const s of SECTIONS) {
      const el = h('section', { className: 'insights-section', id: `section-${s.id}`, tabindex: -1, 'aria-labelledby': `heading-${s.id}` },
        h('h2', { id: `heading-${s.id}` }, s.title), h('p', { className: 'muted' }, s.description));
      sections.set(s.id, el);
      view.append(el);
    }
    const into = (s: SectionId) => sections.get(s)!;

    let saved: Panel[] = [];
    try {
      const meta = await api<{ queries: { id: string; displayName: string; description: string; body: string }[] }>('GET', `/v1/workspaces/${w.customerId}/metadata`);
      saved = meta.queries.map((q) => ({ id: q.id, title: q.displayName, description: q.description, query: (s: string) => q.body.replace(/ago\(7d\)/g, `ago(${s})`) }));
    } catch (err) {
      if (!current()) return;
      into('audit').append(failure(err));
    }
    if (!current()) return;
    if (!saved.length) into('audit').append(h('p', { role: 'note' }, 'The query audit (LAQueryLogs) is not readable here: turn it on with a diagnostic setting (category Audit) on the workspace, or ask for read access to it.'));

    for (const p of [...saved, ...AUDIT_PANELS]) if (!(await queryPanel(into('audit'), w, p, since, dir, current))) return;
    for (const p of INGESTION_PANELS) if (!(await queryPanel(into('ingestion'), w, p, since, dir, current))) return;
    const rules = await alertRulesPanel(w);
    if (!current()) return;
    into('alerts').append(rules);
    const fired = await firedAlertsPanel(w);
    if (!current()) return;
    into('alerts').append(fired);
    if (!(await queryPanel(into('alerts'), w, ALERT_HISTORY_PANEL, since, dir, current))) return;
    const settings = await scanSettingsPanel(w);
    if (!current()) return;
    into('private-data').append(settings);
    if (!(await queryPanel(into('private-data'), w, FINDINGS_PANEL, since, dir, current))) return;
    view.dataset.complete = 'true';
  };
  refresh.addEventListener('click', () => void load());
  wsSelect.addEventListener('change', () => void load());
  winSelect.addEventListener('change', () => void load());
  await load();
}

/** Runs one panel's query and appends its table (and chart); false when a newer load took over meanwhile. */
async function queryPanel(host: HTMLElement, w: Workspace, p: Panel, since: string, dir: DirectoryEntry[], current: () => boolean): Promise<boolean> {
  const section = panelSection(p.id, p.title, p.description);
  let content: HTMLElement[];
  let chart: (() => void) | undefined;
  try {
    const r = await runQuery(w.customerId, p.query(since));
    const t = r.tables[0]!;
    const principalCol = t.columns.findIndex((c) => c.name === 'AADObjectId');
    const columns = t.columns.map((c) => c.name);
    const rows = t.rows.map((row) => row.slice());
    if (principalCol >= 0) {
      columns.splice(principalCol + 1, 0, 'Principal');
      for (const row of rows) row.splice(principalCol + 1, 0, nameOf(dir, row[principalCol]));
    }
    content = [staticTable(p.title, columns, rows, `table-${p.id}`)];
    if (p.chart && t.rows.length) {
      const c = h('div', { className: 'chart-canvas small' });
      const visualization = p.chart;
      content.unshift(c);
      chart = () => renderChart(c, { columns: t.columns, rows: t.rows }, visualization); // once in the page: ECharts measures its host
    }
  } catch (err) {
    content = [failure(err)];
  }
  if (!current()) return false;
  host.append(section);
  section.append(...content);
  chart?.();
  return true;
}

interface RuleView {
  id: string;
  name: string;
  properties: { displayName?: string; severity: number; enabled: boolean; scopes: string[]; evaluationStatus: { lastEvaluation: { evaluatedAt: string; outcome: string } | null; firedAlerts: unknown[] } | null };
}

/** Log search alert rules that watch this workspace (ARM scheduledQueryRules), with their last evaluation and fired alerts. */
async function alertRulesPanel(w: Workspace): Promise<HTMLElement> {
  const section = panelSection('alert-rules', 'Alert rules', 'Log search alert rules on this workspace: state, last evaluation, alerts fired now.');
  try {
    const r = await api<{ value: RuleView[] }>('GET', `/subscriptions/${w.subscriptionId}/providers/Microsoft.Insights/scheduledQueryRules?api-version=2023-12-01`);
    const mine = r.value.filter((x) => x.properties.scopes.some((s) => s.toLowerCase() === w.id.toLowerCase()));
    section.append(staticTable('Alert rules', ['Rule', 'Severity', 'Enabled', 'Last evaluation', 'Fired alerts'], mine.map((x) => {
      const last = x.properties.evaluationStatus?.lastEvaluation;
      return [x.properties.displayName ?? x.name, x.properties.severity, x.properties.enabled ? 'Yes' : 'No', last ? `${last.outcome} at ${last.evaluatedAt}` : 'not evaluated yet', x.properties.evaluationStatus?.firedAlerts.length ?? 0];
    }), 'table-alert-rules'));
  } catch (err) {
    section.append(failure(err));
  }
  return section;
}

interface AlertView {
  id: string;
  name: string;
  properties: { essentials: { severity: string; alertState: string; monitorCondition: string; startDateTime: string; targetResourceName: string; monitorConditionResolvedDateTime?: string } };
}

/**
 * The alerts fired on this workspace's resources (Microsoft.AlertsManagement/alerts at the workspace scope),
 * newest first, each with Acknowledge / Close: the public changestate call the SDKs and the CLI make, with
 * the user's own token, so a user without `alerts/changestate/action` (Monitoring Contributor) sees ARM's refusal.
 */
async function firedAlertsPanel(w: Workspace): Promise<HTMLElement> {
  const section = panelSection('fired-alerts', 'Fired alerts', 'Alerts of this workspace’s rules, with their state (New, Acknowledged, Closed) and condition (Fired, Resolved). Acknowledge an alert you are working on; close it once handled.');
  const result = h('p', { id: 'alert-action-result', role: 'status' });
  try {
    const r = await api<{ value: AlertView[] }>('GET', `${w.id}/providers/Microsoft.AlertsManagement/alerts?api-version=2019-03-01&sortBy=startDateTime&sortOrder=desc&pageCount=100`);
    section.append(staticTable('Fired alerts', ['Alert rule', 'Severity', 'State', 'Condition', 'Started', 'Resolved', 'Target', 'Actions'], r.value.map((a) => {
      const e = a.properties.essentials;
      const state = h('span', { className: 'alert-state' }, e.alertState);
      return [a.name, e.severity, state, e.monitorCondition, e.startDateTime, e.monitorConditionResolvedDateTime ?? '', e.targetResourceName, alertActions(a, state, result)];
    }), 'table-fired-alerts'), result);
  } catch (err) {
    section.append(failure(err));
  }
  return section;
}

const ALERT_ACTIONS: [newState: string, label: string][] = [['Acknowledged', 'Acknowledge'], ['Closed', 'Close']];

/** The state buttons of one alert: each offered unless the alert is in that state already. */
function alertActions(a: AlertView, state: HTMLElement, result: HTMLElement): HTMLElement {
  const cell = h('span', { className: 'alert-actions', 'data-alert-id': a.id });
  const paint = () => {
    cell.replaceChildren(...ALERT_ACTIONS.filter(([next]) => next !== state.textContent).map(([next, label]) => {
      const button = h('button', { type: 'button', 'aria-label': `${label} the alert ${a.name} started ${a.properties.essentials.startDateTime}`, 'data-new-state': next }, label);
      button.addEventListener('click', async () => {
        for (const b of cell.querySelectorAll('button')) b.disabled = true;
        result.textContent = `${label}…`;
        try {
          const changed = await api<AlertView>('POST', `${a.id}/changestate?api-version=2019-03-01&newState=${next}`, { comments: `${label}d in the Vigil portal` });
          state.textContent = changed.properties.essentials.alertState;
          result.textContent = `The alert ${a.name} is now ${state.textContent}.`;
          paint();
        } catch (err) {
          result.textContent = err instanceof ApiFailure ? `Not changed: ${err.code}: ${err.message}` : `Not changed: ${String(err)}`;
          for (const b of cell.querySelectorAll('button')) b.disabled = false;
        }
      });
      return button;
    }));
  };
  paint();
  return cell;
}

interface ScanSettingsView { properties: { enabled: boolean; intervalHours: number; lookbackHours: number; lastRunAt: string | null } }

/** The workspace's scheduled private-data scan (ARM …/privateDataScanSettings/default). */
async function scanSettingsPanel(w: Workspace): Promise<HTMLElement> {
  const section = panelSection('private-data-settings', 'Scheduled scans', 'Whether this workspace is scanned on a schedule, and when it last was.');
  try {
    const s = (await api<ScanSettingsView>('GET', `${w.id}/privateDataScanSettings/default?api-version=2023-09-01`)).properties;
    section.append(h('p', { id: 'private-data-schedule' },
      s.enabled ? `On: every ${s.intervalHours} h over the last ${s.lookbackHours} h.` : 'Off: scans run only when asked for (vigil scan, or POST …/scanPrivateData).',
      ' ',
      s.lastRunAt ? `Last scheduled run: ${s.lastRunAt}.` : 'No scheduled run yet.'));
  } catch (err) {
    section.append(failure(err));
  }
  return section;
}
