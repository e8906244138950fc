/**
 * Workspace insights over the query audit (LAQueryLogs): who queried what, failures, denials (401/403/404),
 * the slowest queries, and ingestion volume per table. Each panel is a KQL query through the Query API,
 * so it shows exactly what the user may read.
 */
import { ApiFailure, api, runQuery, type Workspace } from './api';
import { renderChart } from './chart';
import { clear, h } from './dom';
import { loadDirectory, nameOf } from './directory';
import { staticTable } from './table';

const WINDOWS: [string, string][] = [['1d', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']];

interface Panel { id: string; title: string; description: string; query: (since: string) => string; chart?: string }

const EXTRA_PANELS: Panel[] = [
  {
    id: 'audit-slowest-queries',
    title: 'Slowest queries',
    description: 'The twenty queries that took longest.',
    query: (since) => `LAQueryLogs\n| where TimeGenerated > ago(${since})\n| top 20 by ResponseDurationMs desc\n| project TimeGenerated, AADObjectId, ResponseDurationMs, ResponseCode, QueryText = substring(QueryText, 0, 120)`,
  },
  {
    id: 'ingestion-volume',
    title: 'Ingestion volume per table',
    description: 'Rows stored per table in the window (tables you may read).',
    query: (since) => `union withsource=Table *\n| where TimeGenerated > ago(${since})\n| summarize Rows = count() by Table\n| order by Rows desc`,
    chart: 'barchart',
  },
];

export async function insightsPage(host: HTMLElement, workspaces: Workspace[]): Promise<void> {
  const wsSelect = h('select', { id: 'insights-workspace' }, ...workspaces.map((w) => h('option', { value: w.customerId }, `${w.name} (${w.resourceGroup})`)));
  const winSelect = h('select', { id: 'insights-window' }, ...WINDOWS.map(([v, l]) => h('option', { value: v, selected: v === '7d' }, l)));
  const refresh = h('button', { type: 'button', className: 'primary', id: 'insights-refresh' }, 'Refresh');
  const panels = h('div', { className: 'panels', id: 'insights-panels' });
  host.append(
    h('h1', {}, 'Workspace insights'),
    h('div', { className: 'toolbar' }, h('label', { for: 'insights-workspace' }, 'Workspace'), wsSelect, h('label', { for: 'insights-window' }, 'Window'), winSelect, refresh),
    panels,
  );
  const dir = await loadDirectory();

  const load = async () => {
    clear(panels);
    const w = workspaces.find((x) => x.customerId === wsSelect.value)!;
    const since = winSelect.value;
    const meta = await api<{ queries: { id: string; displayName: string; description: string; body: string }[] }>('GET', `/v1/workspaces/${w.customerId}/metadata`);
    const saved: Panel[] = meta.queries.map((q) => ({ id: q.id, title: q.displayName, description: q.description, query: (s: string) => q.body.replace(/ago\(7d\)/g, `ago(${s})`) }));
    if (!saved.length) panels.append(h('p', { role: 'note' }, 'The query audit (LAQueryLogs) is not readable here: turn it on with a diagnostic setting (category Audit) on the workspace, or ask for read access to it.'));
    for (const p of [...saved, ...EXTRA_PANELS]) {
      const section = h('section', { className: 'panel', tabindex: 0, id: `panel-${p.id}`, 'aria-labelledby': `title-${p.id}` }, h('h2', { id: `title-${p.id}` }, p.title), h('p', { className: 'muted' }, p.description));
      panels.append(section);
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
        if (p.chart && t.rows.length) {
          const c = h('div', { className: 'chart-canvas small' });
          section.append(c);
          renderChart(c, { columns: t.columns, rows: t.rows }, p.chart);
        }
        section.append(staticTable(p.title, columns, rows, `table-${p.id}`));
      } catch (err) {
        section.append(h('p', { className: 'query-error', role: 'alert' }, err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err)));
      }
    }
    panels.append(await alertRulesPanel(w));
  };
  refresh.addEventListener('click', () => void load());
  wsSelect.addEventListener('change', () => void load());
  winSelect.addEventListener('change', () => void load());
  await load();
}

interface RuleView {
  id: string;
  name: string;
  properties: { displayName?: string; severity: number; enabled: boolean; scopes: string[]; evaluationStatus: { lastEvaluation: { evaluatedAt: string; outcome: string } | null; firedAlerts: unknown[] } | null };
}

/** Log search alert rules that watch this workspace (ARM scheduledQueryRules), with their last evaluation and fired alerts. */
async function alertRulesPanel(w: Workspace): Promise<HTMLElement> {
  const section = h('section', { className: 'panel', tabindex: 0, id: 'panel-alert-rules', 'aria-labelledby': 'title-alert-rules' },
    h('h2', { id: 'title-alert-rules' }, 'Alert rules'),
    h('p', { className: 'muted' }, 'Log search alert rules on this workspace: state, last evaluation, alerts fired now.'));
  try {
    const r = await api<{ value: RuleView[] }>('GET', `/subscriptions/${w.subscriptionId}/providers/Microsoft.Insights/scheduledQueryRules?api-version=2023-12-01`);
    const mine = r.value.filter((x) => x.properties.scopes.some((s) => s.toLowerCase() === w.id.toLowerCase()));
    section.append(staticTable('Alert rules', ['Rule', 'Severity', 'Enabled', 'Last evaluation', 'Fired alerts'], mine.map((x) => {
      const last = x.properties.evaluationStatus?.lastEvaluation;
      return [x.properties.displayName ?? x.name, x.properties.severity, x.properties.enabled ? 'Yes' : 'No', last ? `${last.outcome} at ${last.evaluatedAt}` : 'not evaluated yet', x.properties.evaluationStatus?.firedAlerts.length ?? 0];
    }), 'table-alert-rules'));
  } catch (err) {
    section.append(h('p', { className: 'query-error', role: 'alert' }, err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err)));
  }
  return section;
}
