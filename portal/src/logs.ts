/**
 * The Logs page: the monaco-kusto editor with the workspace's schema (completion, diagnostics, hover),
 * a time range, the Query API, a virtualised grid, charts for `render`, CSV export, and query errors
 * marked at their line and column in the editor.
 */
import './monaco-features'; // the editor's features: suggest, hover, find, folding… (a subset of editor.all)
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api';
import { getKustoWorker, themeNames } from '@kusto/monaco-kusto';
import { ApiFailure, api, runQuery, type QueryResult, type Workspace } from './api';
import { CHART_KINDS } from './chart-kinds';
import { downloadCsv } from './csv';
import { clear, h } from './dom';
import { parseDynamic, renderGrid, type GridData } from './grid';
import { monacoWorker } from './workers';

(self as any).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return monacoWorker(label);
  },
};

export const TIME_RANGES: [string, string][] = [
  ['PT30M', 'Last 30 minutes'],
  ['PT1H', 'Last hour'],
  ['PT4H', 'Last 4 hours'],
  ['P1D', 'Last 24 hours'],
  ['P7D', 'Last 7 days'],
  ['P30D', 'Last 30 days'],
  ['', 'Set in query'],
];

const QUERY_KEY = 'vigil.query';

interface MetadataTable { name: string; columns: { name: string; type: string }[] }

async function setSchema(model: monaco.editor.ITextModel, w: Workspace, prefix: string): Promise<number> {
  // The language worker starts (a large script to compile) while the schema is fetched.
  const [meta, accessor] = await Promise.all([api<{ tables: MetadataTable[] }>('GET', `${prefix}/metadata`), getKustoWorker()]);
  const database = {
    name: w.name,
    tables: meta.tables.map((t) => ({ name: t.name, entityType: 'Table' as const, columns: t.columns.map((c) => ({ name: c.name, type: c.type })) })),
    functions: [],
    entityGroups: [],
    majorVersion: 1,
    minorVersion: 0,
  };
  const worker = await accessor(model.uri);
  await worker.setSchema({ clusterType: 'Engine', cluster: { connectionString: location.origin, databases: [database] }, database });
  return meta.tables.length;
}

/** The position of a query error from Vigil's `innererror` chain (line, pos are 1-based). */
export function errorPosition(body: any): { line: number; column: number; token?: string; message: string } | undefined {
  for (let e = body?.error; e; e = e.innererror) {
    if (typeof e.line === 'number' && typeof e.pos === 'number') return { line: e.line, column: e.pos, token: e.token, message: e.message };
  }
  return undefined;
}

export async function logsPage(host: HTMLElement, workspaces: Workspace[]): Promise<void> {
  const wsSelect = h('select', { id: 'workspace' }, ...workspaces.map((w) => h('option', { value: w.customerId }, `${w.name} (${w.resourceGroup})`)));
  const scopeSelect = h('select', { id: 'scope' },
    h('option', { value: 'workspace' }, 'The workspace (workspace context)'),
    h('option', { value: 'resourceGroup' }, 'Its resource group (resource context)'),
    h('option', { value: 'subscription' }, 'Its subscription (resource context)'));
  const timeSelect = h('select', { id: 'timerange' }, ...TIME_RANGES.map(([v, label]) => h('option', { value: v, selected: v === 'P1D' }, label)));
  const runButton = h('button', { type: 'button', className: 'primary', id: 'run' }, 'Run');
  const csvButton = h('button', { type: 'button', id: 'export-csv', disabled: true }, 'Export CSV');
  const saved = h('select', { id: 'saved-queries' }, h('option', { value: '' }, '—'));
  const history = h('select', { id: 'query-history' }, h('option', { value: '' }, '—'));
  const saveName = h('input', { id: 'save-name', type: 'text', placeholder: 'Name', maxlength: 256 });
  const saveButton = h('button', { type: 'button', id: 'save-query' }, 'Save query');
  const status = h('p', { className: 'status', role: 'status', id: 'query-status' });
  const errorBox = h('div', { className: 'query-error', role: 'alert', id: 'query-error', hidden: true });
  const editorHost = h('div', { className: 'editor', id: 'editor' });
  const tabResults = h('button', { type: 'button', role: 'tab', id: 'tab-results', 'aria-selected': 'true', 'aria-controls': 'panel-results' }, 'Results');
  const tabChart = h('button', { type: 'button', role: 'tab', id: 'tab-chart', 'aria-selected': 'false', 'aria-controls': 'panel-chart', disabled: true }, 'Chart');
  const panelResults = h('div', { role: 'tabpanel', id: 'panel-results', 'aria-labelledby': 'tab-results', className: 'results' });
  const panelChart = h('div', { role: 'tabpanel', id: 'panel-chart', 'aria-labelledby': 'tab-chart', className: 'chart', hidden: true });
  const chartHost = h('div', { className: 'chart-canvas', id: 'chart' });
  panelChart.append(chartHost);

  host.append(
    h('h1', { className: 'visually-hidden' }, 'Logs'),
    h('div', { className: 'toolbar' },
      h('label', { for: 'workspace' }, 'Workspace'), wsSelect,
      h('label', { for: 'scope' }, 'Scope'), scopeSelect,
      h('label', { for: 'timerange' }, 'Time range'), timeSelect,
      runButton, csvButton),
    h('div', { className: 'toolbar' },
      h('label', { for: 'saved-queries' }, 'Saved queries'), saved,
      h('label', { for: 'query-history' }, 'History'), history,
      h('label', { for: 'save-name' }, 'Save as'), saveName, saveButton),
    editorHost,
    errorBox,
    status,
    h('div', { role: 'tablist', 'aria-label': 'Result views', className: 'tabs' }, tabResults, tabChart),
    panelResults,
    panelChart,
  );

  const model = monaco.editor.createModel(sessionStorage.getItem(QUERY_KEY) ?? 'LAQueryLogs\n| summarize Queries = count() by bin(TimeGenerated, 1h)\n| render timechart', 'kusto');
  const editor = monaco.editor.create(editorHost, {
    model,
    theme: themeNames.light,
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 14,
    scrollBeyondLastLine: false,
    ariaLabel: 'KQL query editor. Shift+Enter runs the query.',
    accessibilitySupport: 'on',
  });
  (window as any).vigilEditor = editor; // for the browser tests and the curious

  const workspace = () => workspaces.find((w) => w.customerId === wsSelect.value)!;
  /** The Query API path of the chosen scope: workspace context, or resource context over a resource group or subscription. */
  const target = () => {
    const w = workspace();
    if (scopeSelect.value === 'subscription') return `/v1/subscriptions/${w.subscriptionId}`;
    if (scopeSelect.value === 'resourceGroup') return `/v1/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}`;
    return `/v1/workspaces/${w.customerId}`;
  };
  const loadSchema = async () => {
    try {
      const n = await setSchema(model, workspace(), target());
      status.textContent = `Schema loaded: ${n} tables you may read.`;
      editorHost.dataset.schema = 'loaded';
    } catch (err) {
      status.textContent = `The schema could not be loaded: ${(err as Error).message}`;
    }
  };
  wsSelect.addEventListener('change', () => void loadSchema());
  scopeSelect.addEventListener('change', () => void loadSchema());
  wsSelect.addEventListener('change', () => void loadSaved());

  let result: GridData | undefined;
  const select = (tab: 'results' | 'chart') => {
    tabResults.setAttribute('aria-selected', String(tab === 'results'));
    tabChart.setAttribute('aria-selected', String(tab === 'chart'));
    panelResults.hidden = tab !== 'results';
    panelChart.hidden = tab !== 'chart';
    if (tab === 'chart') void import('./chart').then((c) => c.resizeChart());
  };
  tabResults.addEventListener('click', () => select('results'));
  tabChart.addEventListener('click', () => select('chart'));

  const showError = (err: unknown) => {
    errorBox.hidden = false;
    clear(errorBox);
    if (err instanceof ApiFailure) {
      const pos = errorPosition(err.body);
      errorBox.append(h('strong', {}, `${err.code}: `), err.message);
      if (pos) {
        const line = Math.min(pos.line, model.getLineCount());
        const end = pos.token ? pos.column + pos.token.length : model.getLineMaxColumn(line);
        monaco.editor.setModelMarkers(model, 'vigil-query', [
          { severity: monaco.MarkerSeverity.Error, message: pos.message, startLineNumber: line, startColumn: pos.column, endLineNumber: line, endColumn: Math.max(end, pos.column + 1) },
        ]);
        editor.revealLineInCenter(line);
        editor.setPosition({ lineNumber: line, column: pos.column });
        errorBox.append(h('p', { id: 'error-position' }, `Line ${pos.line}, column ${pos.column}: ${pos.message}`));
      }
    } else {
      errorBox.append(String((err as Error).message ?? err));
    }
  };

  // Saved queries are the workspace's savedSearches (ARM), so SDKs and the CLI see the same ones.
  const savedBase = () => `${workspace().id}/savedSearches`;
  let savedList: { name: string; properties: { displayName: string; query: string } }[] = [];
  const loadSaved = async () => {
    try {
      savedList = (await api<{ value: typeof savedList }>('GET', `${savedBase()}?api-version=2020-08-01`)).value;
    } catch {
      savedList = [];
    }
    clear(saved);
    saved.append(h('option', { value: '' }, savedList.length ? 'Open a saved query…' : '—'), ...savedList.map((x) => h('option', { value: x.name }, x.properties.displayName)));
  };
  saved.addEventListener('change', () => {
    const x = savedList.find((s) => s.name === saved.value);
    if (x) model.setValue(x.properties.query);
  });
  saveButton.addEventListener('click', async () => {
    const displayName = saveName.value.trim();
    if (!displayName) {
      status.textContent = 'Give the query a name to save it.';
      return;
    }
    const id = displayName.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').slice(0, 100) || crypto.randomUUID();
    try {
      await api('PUT', `${savedBase()}/${encodeURIComponent(id)}?api-version=2020-08-01`, { properties: { category: 'Portal', displayName, query: model.getValue(), version: 2 } });
      status.textContent = `Saved as '${displayName}'.`;
      await loadSaved();
    } catch (err) {
      status.textContent = err instanceof ApiFailure ? `Not saved: ${err.code}: ${err.message}` : String(err);
    }
  });
  // History: this tab's last 20 queries (sessionStorage, gone with the tab).
  const HISTORY_KEY = 'vigil.history';
  const readHistory = () => JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]') as string[];
  const paintHistory = () => {
    clear(history);
    const items = readHistory();
    history.append(h('option', { value: '' }, items.length ? 'Recent queries…' : '—'), ...items.map((q, i) => h('option', { value: String(i) }, q.replace(/\s+/g, ' ').slice(0, 80))));
  };
  history.addEventListener('change', () => {
    const q = readHistory()[Number(history.value)];
    if (history.value !== '' && q !== undefined) model.setValue(q);
  });
  paintHistory();

  const run = async () => {
    const query = model.getValue();
    sessionStorage.setItem(QUERY_KEY, query);
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify([query, ...readHistory().filter((q) => q !== query)].slice(0, 20)));
    paintHistory();
    monaco.editor.setModelMarkers(model, 'vigil-query', []);
    errorBox.hidden = true;
    status.textContent = 'Running…';
    runButton.disabled = true;
    const started = performance.now();
    try {
      const r: QueryResult = await runQuery(target(), query, timeSelect.value || undefined);
      const t = r.tables[0] ?? { columns: [], rows: [] };
      result = parseDynamic({ columns: t.columns, rows: t.rows });
      renderGrid(panelResults, result);
      csvButton.disabled = false;
      status.textContent = `${t.rows.length} rows in ${Math.round(performance.now() - started)} ms.`;
      const kind = r.render?.visualization;
      if (kind && CHART_KINDS.includes(kind)) {
        // ECharts is a chunk of its own, fetched on the first chart.
        const { renderChart } = await import('./chart');
        tabChart.disabled = false;
        select('chart');
        renderChart(chartHost, result, kind);
        chartHost.dataset.visualization = kind;
      } else {
        tabChart.disabled = true;
        select('results');
      }
    } catch (err) {
      status.textContent = 'The query failed.';
      showError(err);
    } finally {
      runButton.disabled = false;
    }
  };
  runButton.addEventListener('click', () => void run());
  csvButton.addEventListener('click', () => result && downloadCsv(result));
  editor.addCommand(monaco.KeyMod.Shift | monaco.KeyCode.Enter, () => void run());
  await Promise.all([loadSchema(), loadSaved()]);
}
