/**
 * Access: for a principal (user, group or service principal) and a workspace, which tables a query may
 * read, and the role assignments and scopes that grant it — answered by the server's own access checks
 * (GET …/workspaces/{ws}/effectiveAccess).
 */
import { ApiFailure, api, type Workspace } from './api';
import { claims } from './auth';
import { clear, h } from './dom';
import { loadDirectory } from './directory';
import { staticTable } from './table';

interface GrantView { roleName: string; scope: string; via: string; groupName?: string | null }
interface EffectiveAccess {
  principalType: string;
  canQueryWorkspace: boolean;
  workspaceGrants: GrantView[];
  tables: { table: string; canRead: boolean; auditTable: boolean; grants: GrantView[]; deniedBecause?: string }[];
}

const grantText = (g: GrantView) => `${g.roleName} at ${g.scope}${g.via === 'group' ? ` (through group ${g.groupName ?? '?'})` : ''}`;
const DENIED: Record<string, string> = {
  noWorkspaceQueryAccess: 'cannot query the workspace',
  noTableReadAccess: 'no role grants reading this table',
  auditTableNeedsExplicitGrant: 'audit table: needs an explicit grant',
};

export async function accessPage(host: HTMLElement, workspaces: Workspace[]): Promise<void> {
  const me = String(claims().oid ?? '');
  const dir = await loadDirectory();
  if (!dir.some((d) => d.id === me)) dir.unshift({ id: me, name: `${String(claims().name ?? 'me')} (you)`, kind: 'User' });
  const principal = h('select', { id: 'access-principal' }, ...dir.map((d) => h('option', { value: d.id }, `${d.name} — ${d.kind}`)));
  const wsSelect = h('select', { id: 'access-workspace' }, ...workspaces.map((w) => h('option', { value: w.id }, `${w.name} (${w.resourceGroup})`)));
  const filter = h('input', { id: 'access-filter', type: 'search', placeholder: 'Table name' });
  const readableOnly = h('input', { id: 'access-readable', type: 'checkbox' });
  const out = h('div', { id: 'access-result' });
  host.append(
    h('h1', {}, 'Access'),
    h('p', { className: 'muted' }, 'Who can read which table, and why: the role assignments and scopes behind each grant.'),
    h('div', { className: 'toolbar' }, h('label', { for: 'access-principal' }, 'Principal'), principal, h('label', { for: 'access-workspace' }, 'Workspace'), wsSelect,
      h('label', { for: 'access-filter' }, 'Filter tables'), filter,
      readableOnly, h('label', { for: 'access-readable' }, 'Readable tables only')),
    out,
  );
  const load = async () => {
    clear(out);
    try {
      const r = await api<EffectiveAccess>('GET', `${wsSelect.value}/effectiveAccess?api-version=2022-10-01&principalId=${encodeURIComponent(principal.value)}`);
      out.append(
        h('p', { id: 'access-summary' }, r.canQueryWorkspace ? `May query the workspace, through: ${r.workspaceGrants.map(grantText).join('; ')}.` : 'May not query this workspace.'),
        staticTable(
          'Effective access per table',
          ['Table', 'Can read', 'Granted by'],
          r.tables
            .filter((t) => (!readableOnly.checked || t.canRead) && t.table.toLowerCase().includes(filter.value.trim().toLowerCase()))
            .map((t) => [t.table, t.canRead ? 'Yes' : 'No', t.canRead ? t.grants.map(grantText).join('; ') : DENIED[t.deniedBecause ?? ''] ?? '']),
          'access-table',
        ),
      );
    } catch (err) {
      out.append(h('p', { className: 'query-error', role: 'alert' }, err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err)));
    }
  };
  principal.addEventListener('change', () => void load());
  wsSelect.addEventListener('change', () => void load());
  filter.addEventListener('input', () => void load());
  readableOnly.addEventListener('change', () => void load());
  await load();
}
