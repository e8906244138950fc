/**
 * `vigil audit report --since 7d`: workspace insights over the query audit of a running Vigil — who
 * queried what, failed and denied queries, top principals and the busiest tables — by running the
 * saved report queries (src/audit/report-queries.ts) against the workspace that receives LAQueryLogs.
 * It signs in with the credentials of `<data-dir>/bootstrap.json` (or --client-id and
 * VIGIL_CLIENT_SECRET), which must be allowed to read LAQueryLogs there.
 */
import { parseSince, REPORT_QUERIES } from '../audit/report-queries.js';
import { runningVigil } from './running-vigil.js';
import { call, describe } from './service-principals.js';

export interface AuditReportOptions {
  dataDir: string;
  since: string;
  /** The workspace holding LAQueryLogs (GUID); default: the bootstrap workspace. */
  workspace?: string;
  endpoint?: string;
  clientId?: string;
  json?: boolean;
}

interface Table {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

function formatTable(t: Table): string {
  if (t.rows.length === 0) return '  (none)';
  const head = t.columns.map((c) => c.name);
  const body = t.rows.map((r) => r.map(cell));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export async function auditReport(o: AuditReportOptions): Promise<string> {
  const since = parseSince(o.since);
  const { b, endpoint, clientId, clientSecret, ca } = runningVigil(o);
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://api.loganalytics.io/.default' });
  const token = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
  const headers = {
    authorization: `Bearer ${(token.body as { access_token: string }).access_token}`,
    'content-type': 'application/json',
    'x-ms-app': 'vigil-audit-report',
  };
  const workspace = o.workspace ?? b.workspaceId;
  const results: { id: string; title: string; description: string; table: Table }[] = [];
  for (const q of REPORT_QUERIES) {
    const r = await call(`${endpoint}/v1/workspaces/${encodeURIComponent(workspace)}/query`, ca, 'POST', headers, JSON.stringify({ query: q.body(since) }));
    if (r.status !== 200) {
      const why = describe(r);
      if (/LAQueryLogs/.test(why) && r.status === 400) {
        throw new Error(`workspace ${workspace} has no query audit yet: turn it on with a diagnostic setting (category 'Audit') that sends to it. (${why})`);
      }
      throw new Error(`the '${q.displayName}' query failed in workspace ${workspace}: ${why}`);
    }
    results.push({ id: q.id, title: q.displayName, description: q.description, table: (r.body as { tables: Table[] }).tables[0]! });
  }
  if (o.json) {
    return JSON.stringify(
      {
        workspace,
        since,
        generatedAt: new Date().toISOString(),
        sections: results.map((r) => ({
          id: r.id,
          title: r.title,
          rows: r.table.rows.map((row) => Object.fromEntries(r.table.columns.map((c, i) => [c.name, row[i]]))),
        })),
      },
      null,
      2,
    );
  }
  const out = [`Query audit of workspace ${workspace}, last ${since} (generated ${new Date().toISOString()})`, ''];
  for (const r of results) out.push(`${r.title} — ${r.description}`, formatTable(r.table), '');
  return out.join('\n');
}
