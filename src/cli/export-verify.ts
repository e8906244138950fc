/**
 * `vigil export verify --account A --container am-T`: proves that the exported copy of a table
 * matches the workspace, row by row, through Vigil's public APIs (as any user could, with their own
 * roles): it reads every exported blob of the workspace with the Blob API, then asks the Query API for
 * every row of the table whose `_TimeReceived` lies within the exported span, and reports
 *   - missing: rows of the workspace in that span that are not in the export,
 *   - altered: exported rows whose values differ from the workspace's,
 *   - foreign: exported rows the workspace does not have,
 *   - duplicates: rows exported more than once with the same values (allowed: export is at-least-once).
 * Exit status 1 when anything is missing, altered or foreign. Signs in with bootstrap.json's admin
 * (or --client-id and VIGIL_CLIENT_SECRET), who needs Storage Blob Data Reader on the account and
 * read access to the table.
 */
import { runningVigil } from './running-vigil.js';
import { call, describe } from './service-principals.js';

export interface ExportVerifyOptions {
  dataDir: string;
  account: string;
  container: string;
  workspace?: string;
  endpoint?: string;
  clientId?: string;
  json?: boolean;
}

export interface ExportVerifyReport {
  table: string;
  workspaceId: string;
  blobs: number;
  exportedLines: number;
  exportedRows: number;
  workspaceRows: number;
  from?: string;
  to?: string;
  missing: string[];
  altered: string[];
  foreign: string[];
  duplicates: number;
  ok: boolean;
}

const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

export async function exportVerify(o: ExportVerifyOptions): Promise<ExportVerifyReport> {
  const { b, endpoint, clientId, clientSecret, ca } = runningVigil(o);
  const token = async (scope: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
    const r = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
    if (r.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(r)}`);
    return (r.body as { access_token: string }).access_token;
  };
  const storage = { authorization: `Bearer ${await token('https://storage.azure.com/.default')}`, 'x-ms-version': '2025-11-05' };
  const workspaceId = o.workspace ?? b.workspaceId;

  // 1. The exported copy: every blob of the container (this workspace's folder), line by line.
  const base = `${endpoint}/${encodeURIComponent(o.account)}/${encodeURIComponent(o.container)}`;
  const names: string[] = [];
  let marker = '';
  do {
    const r = await call(`${base}?restype=container&comp=list${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`, ca, 'GET', storage);
    if (r.status !== 200) throw new Error(`listing ${o.account}/${o.container} failed: HTTP ${r.status} ${String(r.body).match(/<Code>([^<]*)<\/Code>/)?.[1] ?? ''}`);
    const xml = String(r.body);
    for (const m of xml.matchAll(/<Blob><Name>([^<]*)<\/Name>/g)) names.push(xmlText(m[1]!));
    marker = xmlText(/<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1] ?? '');
  } while (marker);
  const exported = new Map<string, { line: Record<string, unknown>; count: number; conflicting: boolean }>();
  let lines = 0;
  let table = '';
  let blobs = 0;
  for (const name of names) {
    const r = await call(`${base}/${name.split('/').map(encodeURIComponent).join('/')}`, ca, 'GET', storage);
    if (r.status !== 200) throw new Error(`reading ${name} failed: HTTP ${r.status}`);
    blobs++;
    const text = typeof r.body === 'string' ? r.body : `${JSON.stringify(r.body)}\n`;
    for (const l of text.split('\n')) {
      if (!l) continue;
      const line = JSON.parse(l) as Record<string, unknown>;
      if (String(line.TenantId ?? '').toLowerCase() !== workspaceId.toLowerCase()) continue;
      lines++;
      table ||= String(line.Type ?? '');
      const id = String(line._ItemId);
      const had = exported.get(id);
      if (had) {
        had.count++;
        if (canonical(had.line) !== canonical(line)) had.conflicting = true;
      } else exported.set(id, { line, count: 1, conflicting: false });
    }
  }
  if (!table) throw new Error(`${o.account}/${o.container} holds no exported rows of workspace ${workspaceId}.`);
  const received = [...exported.values()].map((e) => String(e.line._TimeReceived)).sort();
  const from = received[0]!;
  const to = received[received.length - 1]!;

  // 2. The workspace: every row of the table received within the exported span.
  const logs = { authorization: `Bearer ${await token('https://api.loganalytics.io/.default')}`, 'content-type': 'application/json', 'x-ms-app': 'vigil-export-verify' };
  const query = `${table} | where _TimeReceived between (datetime(${from}) .. datetime(${to}))`;
  const q = await call(`${endpoint}/v1/workspaces/${encodeURIComponent(workspaceId)}/query`, ca, 'POST', logs, JSON.stringify({ query }));
  if (q.status !== 200) throw new Error(`querying ${table} failed: ${describe(q)}`);
  const result = (q.body as { tables: { columns: { name: string; type: string }[]; rows: unknown[][] }[] }).tables[0]!;
  const stored = new Map<string, Record<string, unknown>>();
  for (const row of result.rows) {
    const obj: Record<string, unknown> = {};
    result.columns.forEach((c, i) => {
      const v = row[i];
      obj[c.name] = c.type === 'dynamic' && typeof v === 'string' ? safeParse(v) : v;
    });
    stored.set(String(obj._ItemId), obj);
  }

  const missing = [...stored.keys()].filter((id) => !exported.has(id));
  const foreign = [...exported.keys()].filter((id) => !stored.has(id));
  const altered = [...exported.entries()].filter(([id, e]) => stored.has(id) && (e.conflicting || canonical(e.line) !== canonical(stored.get(id)))).map(([id]) => id);
  const duplicates = [...exported.values()].reduce((n, e) => n + e.count - 1, 0);
  return {
    table,
    workspaceId,
    blobs,
    exportedLines: lines,
    exportedRows: exported.size,
    workspaceRows: stored.size,
    from,
    to,
    missing,
    altered,
    foreign,
    duplicates,
    ok: missing.length === 0 && altered.length === 0 && foreign.length === 0,
  };
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function formatExportReport(r: ExportVerifyReport): string {
  const out = [
    `${r.table} of workspace ${r.workspaceId}: ${r.exportedRows} rows exported in ${r.blobs} blobs (${r.exportedLines} lines, ${r.duplicates} duplicates), ${r.workspaceRows} rows in the workspace received ${r.from} .. ${r.to}`,
  ];
  const list = (what: string, ids: string[]) => {
    if (ids.length) out.push(`${what}: ${ids.length} (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);
  };
  list('MISSING from the export', r.missing);
  list('ALTERED in the export', r.altered);
  list('NOT IN the workspace', r.foreign);
  out.push(r.ok ? 'OK: the export holds every row of the workspace in that span, unchanged.' : 'FAILED: the export does not match the workspace.');
  return out.join('\n');
}
