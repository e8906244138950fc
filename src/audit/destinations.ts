/**
 * Where audit data goes, from the diagnostic settings (`Microsoft.Insights/diagnosticSettings`):
 * a workspace's setting with the `Audit` category sends its LAQueryLogs to the named workspace; a
 * subscription's setting with the `Administrative` category sends its activity log (AzureActivity) to
 * the named workspace, and without one the activity log goes to the subscription's default workspace.
 */
import { normalizeScope } from '../authz/scope.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DiagnosticSettingRecord, WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, workspaceResourceId } from '../metadata/resource-ids.js';

const enabledFor = (s: DiagnosticSettingRecord, category: string, groups: string[]) =>
  s.logs.some(
    (l) =>
      l.enabled &&
      ((l.category && l.category.toLowerCase() === category.toLowerCase()) || (l.categoryGroup && groups.includes(l.categoryGroup.toLowerCase()))),
  );

function destinationsOf(metadata: MetadataStore, settings: DiagnosticSettingRecord[]): WorkspaceRecord[] {
  const out = new Map<string, WorkspaceRecord>();
  for (const s of settings) {
    const id = parseWorkspaceResourceId(s.workspaceId);
    const w = id && metadata.workspace(id.subscriptionId, id.resourceGroup, id.name);
    if (w) out.set(w.customerId, w);
  }
  return [...out.values()];
}

/** The workspaces that receive the query audit (LAQueryLogs) of workspace `w`; empty when auditing is off. */
export function auditDestinations(metadata: MetadataStore, w: WorkspaceRecord): WorkspaceRecord[] {
  const scope = normalizeScope(workspaceResourceId(w));
  return destinationsOf(
    metadata,
    metadata.diagnosticSettings().filter((s) => normalizeScope(s.scope) === scope && enabledFor(s, 'Audit', ['audit', 'alllogs'])),
  );
}

/** The subscription's default workspace: `default` in resource group `default`, else its first workspace. */
export function defaultWorkspace(metadata: MetadataStore, subscriptionId: string): WorkspaceRecord | undefined {
  const all = metadata.workspaces({ subscriptionId });
  return all.find((w) => w.name.toLowerCase() === 'default' && w.resourceGroup.toLowerCase() === 'default') ?? all[0];
}

/** The workspaces that receive the activity log of a subscription. */
export function activityDestinations(metadata: MetadataStore, subscriptionId: string): WorkspaceRecord[] {
  const scope = normalizeScope(`/subscriptions/${subscriptionId}`);
  const settings = metadata.diagnosticSettings().filter((s) => normalizeScope(s.scope) === scope);
  if (settings.length > 0) {
    // Settings exist: they decide (settings that all leave Administrative off turn the activity log off)...
    const enabled = settings.filter((s) => enabledFor(s, 'Administrative', ['alllogs', 'audit']));
    if (enabled.length === 0) return [];
    const found = destinationsOf(metadata, enabled);
    // ...but a destination that was deleted does not silently stop it: it falls back to the default workspace.
    if (found.length > 0) return found;
  }
  const d = defaultWorkspace(metadata, subscriptionId);
  return d ? [d] : [];
}
