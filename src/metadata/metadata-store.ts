import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type {
  DataCollectionRuleRecord,
  MetadataState,
  ResourceGroupRecord,
  RoleAssignmentRecord,
  ServicePrincipalRecord,
  WorkspaceRecord,
} from './records.js';

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The control-plane catalog: every ARM resource and principal Vigil knows, kept in memory and written
 * through to `metadata.json` (0600, atomic replace) on every change. Lookups are case-insensitive,
 * as ARM names are.
 */
export class MetadataStore {
  private constructor(
    private readonly path: string,
    private state: MetadataState,
  ) {}

  static open(dataDir: string, init: () => MetadataState): { store: MetadataStore; created: boolean } {
    const path = join(dataDir, 'metadata.json');
    if (existsSync(path)) {
      const state = JSON.parse(readFileSync(path, 'utf8')) as MetadataState;
      if (state.version !== 1) throw new Error(`${path}: unsupported metadata version ${String(state.version)}`);
      return { store: new MetadataStore(path, state), created: false };
    }
    const store = new MetadataStore(path, init());
    store.save();
    return { store, created: true };
  }

  get tenantId(): string {
    return this.state.tenantId;
  }

  /** A deep copy of the whole state, for reports that must not change it. */
  snapshot(): MetadataState {
    return structuredClone(this.state);
  }

  /** Applies a change and persists it; the change is visible only if it was saved. */
  mutate<T>(change: (state: MetadataState) => T): T {
    const backup = structuredClone(this.state);
    try {
      const result = change(this.state);
      this.save();
      return result;
    } catch (err) {
      this.state = backup;
      throw err;
    }
  }

  private save(): void {
    writeFileAtomic(this.path, JSON.stringify(this.state, null, 1));
  }

  subscription(subscriptionId: string) {
    return this.state.subscriptions.find((s) => eq(s.subscriptionId, subscriptionId));
  }

  subscriptions() {
    return this.state.subscriptions;
  }

  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.state.resourceGroups.find((g) => eq(g.subscriptionId, subscriptionId) && eq(g.name, name));
  }

  resourceGroups(subscriptionId: string): ResourceGroupRecord[] {
    return this.state.resourceGroups.filter((g) => eq(g.subscriptionId, subscriptionId));
  }

  workspace(subscriptionId: string, resourceGroup: string, name: string): WorkspaceRecord | undefined {
    return this.state.workspaces.find(
      (w) => eq(w.subscriptionId, subscriptionId) && eq(w.resourceGroup, resourceGroup) && eq(w.name, name),
    );
  }

  workspaceByCustomerId(customerId: string): WorkspaceRecord | undefined {
    return this.state.workspaces.find((w) => eq(w.customerId, customerId));
  }

  workspaces(filter: { subscriptionId?: string; resourceGroup?: string } = {}): WorkspaceRecord[] {
    return this.state.workspaces.filter(
      (w) =>
        (!filter.subscriptionId || eq(w.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(w.resourceGroup, filter.resourceGroup)),
    );
  }

  dataCollectionRule(subscriptionId: string, resourceGroup: string, name: string): DataCollectionRuleRecord | undefined {
    return this.state.dataCollectionRules.find(
      (r) => eq(r.subscriptionId, subscriptionId) && eq(r.resourceGroup, resourceGroup) && eq(r.name, name),
    );
  }

  dataCollectionRuleByImmutableId(immutableId: string): DataCollectionRuleRecord | undefined {
    return this.state.dataCollectionRules.find((r) => eq(r.immutableId, immutableId));
  }

  dataCollectionRules(filter: { subscriptionId?: string; resourceGroup?: string } = {}): DataCollectionRuleRecord[] {
    return this.state.dataCollectionRules.filter(
      (r) =>
        (!filter.subscriptionId || eq(r.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(r.resourceGroup, filter.resourceGroup)),
    );
  }

  servicePrincipalByAppId(appId: string): ServicePrincipalRecord | undefined {
    return this.state.servicePrincipals.find((p) => eq(p.appId, appId));
  }

  servicePrincipalByObjectId(objectId: string): ServicePrincipalRecord | undefined {
    return this.state.servicePrincipals.find((p) => eq(p.objectId, objectId));
  }

  roleAssignmentsFor(principalId: string): RoleAssignmentRecord[] {
    return this.state.roleAssignments.filter((a) => eq(a.principalId, principalId));
  }
}
