/**
 * Access: for a principal (user, group or service principal) and a workspace, which tables a query may
 * read, and the role assignments and scopes that grant it — answered by the server's own access checks
 * (GET …/workspaces/{ws}/effectiveAccess).
 */
import { ApiFailure, api, type Workspace } from './api';
import { claims } from './auth';
import { clear, h } from './dom';
import { loadDirectory } from './directory';
import { latestOnly } from './latest';
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
  // The signed-in principal first, wherever the directory lists it.
  (principal as HTMLSelectElement).value = me;
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
  // Every change reloads; only the latest load may render.
  const begin = latestOnly();
  const load = async () => {
    const current = begin();
    try {
      const r = await api<EffectiveAccess>('GET', `${wsSelect.value}/effectiveAccess?api-version=2022-10-01&principalId=${encodeURIComponent(principal.value)}`);
      if (!current()) return;
      clear(out);
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
      if (!current()) return;
      clear(out);
      out.append(h('p', { className: 'query-error', role: 'alert' }, err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err)));
    }
  };
  out.before(await grantForm(() => principal.value, () => workspaces.find((w) => w.id === wsSelect.value)!, load));
  principal.addEventListener('change', () => void load());
  wsSelect.addEventListener('change', () => void load());
  filter.addEventListener('input', () => void load());
  readableOnly.addEventListener('change', () => void load());
  await load();
}

/**
 * Grants a built-in role to the selected principal, through ARM's role assignment API (PUT
 * …/roleAssignments/{guid}), so it needs what any client needs: `roleAssignments/write` at the scope.
 */
async function grantForm(principalId: () => string, workspace: () => Workspace, reload: () => Promise<void>): Promise<HTMLElement> {
  const w = workspace();
  let roles: { id: string; properties: { roleName: string; type: string } }[] = [];
  try {
    roles = (await api<{ value: typeof roles }>('GET', `${w.id}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01`)).value.filter((r) => r.properties.type === 'BuiltInRole');
  } catch {
    /* cannot list roles: the form stays empty */
  }
  const role = h('select', { id: 'grant-role' }, ...roles.map((r) => h('option', { value: r.id, selected: r.properties.roleName === 'Log Analytics Reader' }, r.properties.roleName)));
  const scope = h('select', { id: 'grant-scope' }, h('option', { value: 'workspace' }, 'This workspace'), h('option', { value: 'resourceGroup' }, 'Its resource group'), h('option', { value: 'subscription' }, 'Its subscription'));
  const table = h('input', { id: 'grant-table', type: 'text', placeholder: 'all tables' });
  const button = h('button', { type: 'button', className: 'primary', id: 'grant' }, 'Grant');
  const result = h('p', { id: 'grant-result', role: 'status' });
  button.addEventListener('click', async () => {
    const ws = workspace();
    const base = scope.value === 'subscription' ? `/subscriptions/${ws.subscriptionId}` : scope.value === 'resourceGroup' ? `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}` : ws.id;
    const at = table.value.trim() && scope.value === 'workspace' ? `${ws.id}/tables/${table.value.trim()}` : base;
    result.textContent = 'Granting…';
    try {
      await api('PUT', `${at}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, { properties: { roleDefinitionId: role.value, principalId: principalId() } });
      result.textContent = `Granted ${role.selectedOptions[0]?.textContent ?? ''} at ${at}.`;
      await reload();
    } catch (err) {
      result.textContent = err instanceof ApiFailure ? `Not granted: ${err.code}: ${err.message}` : String(err);
    }
  });
  return h('section', { className: 'panel grant', 'aria-labelledby': 'grant-title' },
    h('h2', { id: 'grant-title' }, 'Grant a role to this principal'),
    h('div', { className: 'toolbar' },
      h('label', { for: 'grant-role' }, 'Role'), role,
      h('label', { for: 'grant-scope' }, 'Scope'), scope,
      h('label', { for: 'grant-table' }, 'Table (optional)'), table,
      button),
    result,
  );
}
