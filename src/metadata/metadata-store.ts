import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { PrivateEndpointRecord, PrivateLinkScopeRecord } from '../network/records.js';
import type { AssignmentSource } from '../authz/authorize.js';
import type { RoleDefinition } from '../authz/role-definitions.js';
import type { ActionGroupRecord, ScheduledQueryRuleRecord } from '../alerts/records.js';
import type { MonitorAccountRecord } from '../metrics/records.js';
import type { DataCollectionEndpointRecord, DataCollectionRuleAssociationRecord } from './data-collection-records.js';
import type {
  ClusterRecord,
  KeyVaultRecord,
  CustomRoleDefinitionRecord,
  DataCollectionRuleRecord,
  DiagnosticSettingRecord,
  LockRecord,
  MetadataState,
  ResourceGroupRecord,
  RoleAssignmentRecord,
  PurgeOperationRecord,
  ServicePrincipalRecord,
  GroupRecord,
  UserAssignedIdentityRecord,
  UserRecord,
  WorkspaceRecord,
} from './records.js';

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * How the catalog is written to and read from disk when parts of it are sealed (alert rules' queries,
 * action groups' receivers: src/alerts/alert-seal.ts). `encode` must not change the state it is given.
 */
export interface CatalogCodec {
  encode(state: MetadataState): MetadataState;
  decode(state: MetadataState): MetadataState;
  /** Does the file as read hold values the codec would seal (written by an earlier release)? Then it is rewritten at once. */
  needsRewrite(state: MetadataState): boolean;
}

/**
 * The control-plane catalog: every ARM resource and principal Vigil knows, kept in memory and written
 * through to `metadata.json` (0600, atomic replace) on every change. Lookups are case-insensitive,
 * as ARM names are.
 */
export class MetadataStore implements AssignmentSource {
  /** Moves on every change; the access decision caches what it derived per version. */
  private version = 0;
  private assignmentIndex: { version: number; byPrincipal: Map<string, RoleAssignmentRecord[]> } | undefined;

  private constructor(
    private readonly path: string,
    private state: MetadataState,
    private readonly codec?: CatalogCodec,
  ) {}

  /** Fills in what older files lack (the format stays version 1: new arrays default to empty). */
  private static upgrade(state: MetadataState): MetadataState {
    state.roleDefinitions ??= [];
    state.userAssignedIdentities ??= [];
    state.roleAssignments ??= [];
    state.servicePrincipals ??= [];
    state.locks ??= [];
    state.diagnosticSettings ??= [];
    state.purgeOperations ??= [];
    state.privateLinkScopes ??= [];
    state.privateEndpoints ??= [];
    state.scheduledQueryRules ??= [];
    state.actionGroups ??= [];
    state.keyVaults ??= [];
    state.clusters ??= [];
    state.users ??= [];
    state.groups ??= [];
    state.monitorAccounts ??= [];
    state.dataCollectionEndpoints ??= [];
    state.dataCollectionRuleAssociations ??= [];
    return state;
  }

  static open(dataDir: string, init: () => MetadataState, codec?: CatalogCodec): { store: MetadataStore; created: boolean } {
    const path = join(dataDir, 'metadata.json');
    if (existsSync(path)) {
      const disk = JSON.parse(readFileSync(path, 'utf8')) as MetadataState;
      if (disk.version !== 1) throw new Error(`${path}: unsupported metadata version ${String(disk.version)}`);
      const rewrite = codec?.needsRewrite(disk) ?? false;
      const store = new MetadataStore(path, MetadataStore.upgrade(codec ? codec.decode(disk) : disk), codec);
      if (rewrite) store.save();
      return { store, created: false };
    }
    const store = new MetadataStore(path, MetadataStore.upgrade(init()), codec);
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
    } finally {
      this.version++;
    }
  }

  private save(): void {
    writeFileAtomic(this.path, JSON.stringify(this.codec ? this.codec.encode(this.state) : this.state, null, 1));
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

  get authzVersion(): number {
    return this.version;
  }

  /**
   * The assignments that apply to a principal: its own, and those made to every group it is a member
   * of (issue 18). This is what the access decision reads, so group grants work on every plane.
   */
  roleAssignmentsFor(principalId: string): RoleAssignmentRecord[] {
    if (!this.assignmentIndex || this.assignmentIndex.version !== this.version) {
      const direct = new Map<string, RoleAssignmentRecord[]>();
      for (const a of this.state.roleAssignments) {
        const key = a.principalId.toLowerCase();
        const list = direct.get(key);
        if (list) list.push(a);
        else direct.set(key, [a]);
      }
      const byPrincipal = new Map(direct);
      for (const g of this.state.groups ?? []) {
        const viaGroup = direct.get(g.objectId.toLowerCase());
        if (!viaGroup) continue;
        for (const m of g.members) {
          const key = m.toLowerCase();
          byPrincipal.set(key, [...(byPrincipal.get(key) ?? []), ...viaGroup]);
        }
      }
      this.assignmentIndex = { version: this.version, byPrincipal };
    }
    return this.assignmentIndex.byPrincipal.get(principalId.toLowerCase()) ?? [];
  }

  users(): UserRecord[] {
    return this.state.users ?? [];
  }

  userByObjectId(objectId: string): UserRecord | undefined {
    return this.users().find((u) => eq(u.objectId, objectId));
  }

  userByPrincipalName(upn: string): UserRecord | undefined {
    return this.users().find((u) => eq(u.userPrincipalName, upn));
  }

  groups(): GroupRecord[] {
    return this.state.groups ?? [];
  }

  groupByObjectId(objectId: string): GroupRecord | undefined {
    return this.groups().find((g) => eq(g.objectId, objectId));
  }

  /** What kind of directory object an object id names, or undefined when none. */
  principalTypeOf(objectId: string): 'ServicePrincipal' | 'User' | 'Group' | undefined {
    if (this.userByObjectId(objectId)) return 'User';
    if (this.groupByObjectId(objectId)) return 'Group';
    return this.principalExists(objectId) ? 'ServicePrincipal' : undefined;
  }

  roleAssignments(): RoleAssignmentRecord[] {
    return this.state.roleAssignments;
  }

  customRoleDefinitions(): CustomRoleDefinitionRecord[] {
    return this.state.roleDefinitions;
  }

  customRoleDefinition(id: string): RoleDefinition | undefined {
    const r = this.state.roleDefinitions.find((d) => eq(d.id, id));
    return r ? { ...r, type: 'CustomRole' } : undefined;
  }

  userAssignedIdentity(subscriptionId: string, resourceGroup: string, name: string): UserAssignedIdentityRecord | undefined {
    return this.state.userAssignedIdentities.find(
      (i) => eq(i.subscriptionId, subscriptionId) && eq(i.resourceGroup, resourceGroup) && eq(i.name, name),
    );
  }

  userAssignedIdentities(filter: { subscriptionId?: string; resourceGroup?: string } = {}): UserAssignedIdentityRecord[] {
    return this.state.userAssignedIdentities.filter(
      (i) =>
        (!filter.subscriptionId || eq(i.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(i.resourceGroup, filter.resourceGroup)),
    );
  }

  userAssignedIdentityByPrincipalId(principalId: string): UserAssignedIdentityRecord | undefined {
    return this.state.userAssignedIdentities.find((i) => eq(i.principalId, principalId));
  }

  userAssignedIdentityByClientId(clientId: string): UserAssignedIdentityRecord | undefined {
    return this.state.userAssignedIdentities.find((i) => eq(i.clientId, clientId));
  }

  servicePrincipals(): ServicePrincipalRecord[] {
    return this.state.servicePrincipals;
  }

  /**
   * A principal that may hold tokens: a service principal, a managed identity (user-assigned, or a
   * rule's system-assigned one) or an enabled user. Groups hold no tokens (see principalTypeOf).
   */
  principalExists(objectId: string): boolean {
    return (
      this.users().some((u) => u.accountEnabled && eq(u.objectId, objectId)) ||
      this.servicePrincipalByObjectId(objectId) !== undefined ||
      this.userAssignedIdentityByPrincipalId(objectId) !== undefined ||
      (this.state.scheduledQueryRules ?? []).some((r) => r.identity.type === 'SystemAssigned' && eq(r.identity.principalId, objectId)) ||
      (this.state.clusters ?? []).some((c) => c.identity.type === 'SystemAssigned' && eq(c.identity.principalId, objectId))
    );
  }

  scheduledQueryRules(filter: { subscriptionId?: string; resourceGroup?: string } = {}): ScheduledQueryRuleRecord[] {
    return (this.state.scheduledQueryRules ?? []).filter(
      (r) =>
        (!filter.subscriptionId || eq(r.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(r.resourceGroup, filter.resourceGroup)),
    );
  }

  scheduledQueryRule(subscriptionId: string, resourceGroup: string, name: string): ScheduledQueryRuleRecord | undefined {
    return this.scheduledQueryRules({ subscriptionId, resourceGroup }).find((r) => eq(r.name, name));
  }

  actionGroups(filter: { subscriptionId?: string; resourceGroup?: string } = {}): ActionGroupRecord[] {
    return (this.state.actionGroups ?? []).filter(
      (g) =>
        (!filter.subscriptionId || eq(g.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(g.resourceGroup, filter.resourceGroup)),
    );
  }

  actionGroup(subscriptionId: string, resourceGroup: string, name: string): ActionGroupRecord | undefined {
    return this.actionGroups({ subscriptionId, resourceGroup }).find((g) => eq(g.name, name));
  }

  /** Key vaults, soft-deleted ones included (check `deletedAt`). */
  keyVaults(): KeyVaultRecord[] {
    return this.state.keyVaults ?? [];
  }

  /** A vault by its globally unique name (live or soft-deleted). */
  keyVaultByName(name: string): KeyVaultRecord | undefined {
    return (this.state.keyVaults ?? []).find((v) => eq(v.name, name));
  }

  clusters(filter: { subscriptionId?: string; resourceGroup?: string } = {}): ClusterRecord[] {
    return (this.state.clusters ?? []).filter(
      (c) => (!filter.subscriptionId || eq(c.subscriptionId, filter.subscriptionId)) && (!filter.resourceGroup || eq(c.resourceGroup, filter.resourceGroup)),
    );
  }

  cluster(subscriptionId: string, resourceGroup: string, name: string): ClusterRecord | undefined {
    return this.clusters({ subscriptionId, resourceGroup }).find((c) => eq(c.name, name));
  }

  locks(): LockRecord[] {
    return this.state.locks;
  }

  diagnosticSettings(): DiagnosticSettingRecord[] {
    return this.state.diagnosticSettings;
  }

  /** Azure Monitor Private Link Scopes (issue 16). */
  privateLinkScopes(): PrivateLinkScopeRecord[] {
    return this.state.privateLinkScopes ?? [];
  }

  /** Private endpoints, each one a private listener connected to a private link scope (issue 16). */
  privateEndpoints(): PrivateEndpointRecord[] {
    return this.state.privateEndpoints ?? [];
  }

  /** Azure Monitor workspaces (issue 19). */
  monitorAccounts(filter: { subscriptionId?: string; resourceGroup?: string } = {}): MonitorAccountRecord[] {
    return (this.state.monitorAccounts ?? []).filter(
      (a) =>
        (!filter.subscriptionId || eq(a.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(a.resourceGroup, filter.resourceGroup)),
    );
  }

  monitorAccount(subscriptionId: string, resourceGroup: string, name: string): MonitorAccountRecord | undefined {
    return this.monitorAccounts({ subscriptionId, resourceGroup }).find((a) => eq(a.name, name));
  }

  monitorAccountByAccountId(accountId: string): MonitorAccountRecord | undefined {
    return (this.state.monitorAccounts ?? []).find((a) => eq(a.accountId, accountId));
  }

  /** Data collection endpoints (issue 19). */
  dataCollectionEndpoints(filter: { subscriptionId?: string; resourceGroup?: string } = {}): DataCollectionEndpointRecord[] {
    return (this.state.dataCollectionEndpoints ?? []).filter(
      (e) =>
        (!filter.subscriptionId || eq(e.subscriptionId, filter.subscriptionId)) &&
        (!filter.resourceGroup || eq(e.resourceGroup, filter.resourceGroup)),
    );
  }

  dataCollectionEndpoint(subscriptionId: string, resourceGroup: string, name: string): DataCollectionEndpointRecord | undefined {
    return this.dataCollectionEndpoints({ subscriptionId, resourceGroup }).find((e) => eq(e.name, name));
  }

  /** Data collection rule associations on every resource (issue 19). */
  dataCollectionRuleAssociations(): DataCollectionRuleAssociationRecord[] {
    return this.state.dataCollectionRuleAssociations ?? [];
  }

  purgeOperations(): PurgeOperationRecord[] {
    return this.state.purgeOperations;
  }
}
