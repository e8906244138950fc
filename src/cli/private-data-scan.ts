/**
 * `vigil scan --workspace <id> --since 1d`: runs the private-data scanner over a workspace of a
 * running Vigil (ARM action `scanPrivateData`, signed in with `<data-dir>/bootstrap.json` or
 * --client-id and VIGIL_CLIENT_SECRET) and prints its findings: per table, column and pattern, how
 * many sampled values matched, and a suggested remedy. The found values are never printed (the
 * server does not return them).
 */
import { runningVigil } from './running-vigil.js';
import { call, describe } from './service-principals.js';
import type { ScanReport } from '../governance/private-data-scanner.js';

export interface ScanOptions {
  dataDir: string;
  workspace?: string;
  since: string;
  sampleRows?: number;
  endpoint?: string;
  clientId?: string;
}

const ARM = 'https://management.azure.com';

export async function privateDataScan(o: ScanOptions): Promise<ScanReport> {
  const { b, endpoint, clientId, clientSecret, ca } = runningVigil(o);
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${ARM}/.default` });
  const token = await call(`${endpoint}/${b.tenantId}/oauth2/v2.0/token`, ca, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  if (token.status !== 200) throw new Error(`sign-in as ${clientId} failed: ${describe(token)}`);
  const headers = { authorization: `Bearer ${(token.body as { access_token: string }).access_token}`, 'content-type': 'application/json' };
  const ref = o.workspace ?? b.workspaceResourceId;
  const list = await call(`${endpoint}/subscriptions/${b.subscriptionId}/providers/Microsoft.OperationalInsights/workspaces?api-version=2023-09-01`, ca, 'GET', headers);
  if (list.status !== 200) throw new Error(`listing workspaces failed: ${describe(list)}`);
  const matches = (list.body as { value: { id: string; name: string; properties: { customerId: string } }[] }).value.filter(
    (w) => w.id.toLowerCase() === ref.toLowerCase() || w.properties.customerId.toLowerCase() === ref.toLowerCase() || w.name.toLowerCase() === ref.toLowerCase(),
  );
  if (matches.length !== 1) throw new Error(matches.length === 0 ? `no workspace '${ref}' in subscription ${b.subscriptionId}.` : `'${ref}' names several workspaces; pass the ARM id.`);
  const body = JSON.stringify({ since: o.since, ...(o.sampleRows ? { sampleRows: o.sampleRows } : {}) });
  const r = await call(`${endpoint}${matches[0]!.id}/scanPrivateData?api-version=2023-09-01`, ca, 'POST', headers, body);
  if (r.status !== 200) throw new Error(`the scan failed: ${describe(r)}`);
  return r.body as ScanReport;
}

export function formatScanReport(r: ScanReport): string {
  const lines = [`private-data scan ${r.scanId} of workspace ${r.workspaceId}: rows since ${r.since}, ${r.tablesScanned} table(s), ${r.rowsSampled} row(s) sampled`];
  if (r.findings.length === 0) return [...lines, 'no private data found'].join('\n');
  lines.push(`${r.findings.length} finding(s) (also in the workspace's VigilPrivateDataFindings table):`);
  for (const f of r.findings) {
    lines.push(`  ${f.table}.${f.column}: ${f.pattern} — ${f.matchCount} match(es) in ${f.rowsWithMatches} of ${f.rowsSampled} sampled row(s)`);
    lines.push(`    remedy: ${f.suggestedRemedy}`);
  }
  return lines.join('\n');
}
