/**
 * Who may read which rows of which table — the access side of the KQL binder's one table resolver.
 *
 * Every table reference of every KQL construct is resolved through `resolverFor(...)`. The resolver
 * decides, per workspace and table, whether the caller may read it, and returns a SQL source that
 * already carries the row restriction of the query context:
 *
 * Workspace context (`/v1/workspaces/{id}/query`, with optional extra `workspaces`): the caller needs
 * `Microsoft.OperationalInsights/workspaces/query/read` on every workspace (checked by the route), and
 * per table either the legacy `…/workspaces/query/{Table}/read` action (also `query/Tables.Custom/read`
 * for custom tables, and anything `*\/read`), or the granular dataAction `…/workspaces/tables/data/read`,
 * at the table scope `…/workspaces/{ws}/tables/{Table}` or above it.
 *
 * Resource context (`/v1/{resourceId}/query`, R = that id, a resource group or a subscription): every
 * workspace is considered, and only rows whose `_ResourceId` is R or lies below R are visible. Table T
 * of workspace W is readable when
 *   - an assignment ON the table (scope `…/tables/T` or below) grants its read: table-level access
 *     grants the table's rows whatever the resource permissions; or
 *   - W uses resource permissions (`enableLogAccessUsingOnlyResourcePermissions`, the default) and the
 *     caller holds `Microsoft.Insights/logs/T/read` on R (`Microsoft.Insights/logs/*\/read`, `*\/read`); or
 *   - W requires workspace permissions (the flag is false) and the caller holds that resource
 *     permission AND the workspace-context permissions for T in W.
 *
 * Azure's standard tables (SigninLogs, SecurityEvent, Syslog… src/metadata/standard-tables.ts) are
 * tables of every workspace under these same rules; one nothing has written yet reads as no rows.
 *
 * The audit tables (LAQueryLogs, AzureActivity — Microsoft tables Vigil writes itself) need EXPLICIT
 * permission on top of the rules above: an assignment on the table itself, or Owner, Log Analytics
 * Reader or Log Analytics Contributor at the workspace or above, or a role that names the table's
 * `…/workspaces/query/{Table}/read` action literally. `*\/read` roles (Reader, Monitoring Reader,
 * Contributor), Log Analytics Data Reader and resource-context grants do not reach them, so a
 * principal who may read an application's tables cannot read the audit through any construct.
 *
 * A table named in the query that exists but is not readable anywhere in scope is a 403
 * `InsufficientAccessError`; wildcard forms (`listTables`) list only readable tables, so denied ones
 * are skipped silently, as Azure does.
 */
import { actionMatches, grantsOf, isAllowed, isGrantedAtOrBelow, resolveRole, type Caller, type Grant } from '../authz/authorize.js';
import { OWNER_ROLE_ID } from '../authz/role-definitions.js';
import { isWithinScope, normalizeScope, parseArmScope } from '../authz/scope.js';
import type { ColumnSchema, ResolvedTable, TableResolver } from '../kql/index.js';
import { emptyRelationSql, sqlIdent } from '../kql/sql.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { TableRecord, WorkspaceRecord } from '../metadata/records.js';
import { parseWorkspaceResourceId, tableResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { findWorkspaceTable, isAuditTable } from '../metadata/standard-tables.js';
import { ApiError } from '../errors/api-error.js';
import type { LogStore, TableGrant } from '../store/store.js';
import type { LockboxGrant } from '../lockbox/lockbox-service.js';

export type QueryContext =
  | { kind: 'workspace'; workspaces: WorkspaceRecord[] }
  /** `resourceId` as parsed from the path (any casing); rows are matched case-insensitively. */
  | { kind: 'resource'; resourceId: string };

/** A resolver that can also enumerate the tables the caller may read (for `union *`, `search *`, wildcards). */
export interface AccessResolver extends TableResolver {
  /** Names of the tables the caller may read in this context, sorted; denied tables are not listed. */
  listTables(): string[];
  /**
   * `workspace('id').Table` and `resource('id').Table`: the table of another workspace (workspace-context
   * rules: the caller must be able to query that workspace and read the table) or of a resource
   * (resource-context rules and the `_ResourceId` filter). A workspace the caller cannot query is
   * refused with the same error as one that does not exist.
   */
  resolveQualifiedTable(kind: 'workspace' | 'resource' | 'app', id: string, table: string): ResolvedTable | undefined;
  /** What the query used, for `Prefer: include-permissions=true`. */
  permissions(): QueryPermissions;
  /** Every stored table this resolver granted to the query: the only tables the store may expose to it. */
  grantedTables(): TableGrant[];
}

export interface QueryPermissions {
  resources: { resourceId: string; dataSources: string[] }[];
  dataSources: { resourceId: string }[];
}

export const insufficientAccess = (what: string) =>
  new ApiError(403, 'InsufficientAccessError', `The provided credentials have insufficient access to perform the requested operation: ${what}`, {
    innererror: { code: 'AuthorizationFailedError', message: what },
  });

const QUERY_READ = 'Microsoft.OperationalInsights/workspaces/query/read';
const TABLE_DATA_READ = 'Microsoft.OperationalInsights/workspaces/tables/data/read';
/** Roles that grant the audit tables at the workspace or above: Owner, Log Analytics Reader, Log Analytics Contributor. */
const AUDIT_READER_ROLES = new Set([OWNER_ROLE_ID, '73c42c96-874c-492b-b04d-ab87d138a893', '92aaf0da-9dab-42b6-94a3-d43ce8d16293']);

const findTable = findWorkspaceTable;

export class TableAccess {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
  ) {}

  /** May the caller query this workspace at all (workspace context)? */
  canQueryWorkspace(caller: Caller, w: WorkspaceRecord): boolean {
    return isAllowed(this.metadata, caller, QUERY_READ, workspaceResourceId(w));
  }

  /** Workspace context: may the caller read this table (legacy per-table action, Tables.Custom, or the granular dataAction)? */
  canReadTable(caller: Caller, w: WorkspaceRecord, table: string): boolean {
    const scope = tableResourceId(w, table);
    if (isAuditTable(table) && !this.canReadSystemTable(caller, w, table)) return false;
    return (
      isAllowed(this.metadata, caller, `Microsoft.OperationalInsights/workspaces/query/${table}/read`, scope) ||
      (/_CL$/i.test(table) && isAllowed(this.metadata, caller, 'Microsoft.OperationalInsights/workspaces/query/Tables.Custom/read', scope)) ||
      isAllowed(this.metadata, caller, TABLE_DATA_READ, scope, 'dataAction')
    );
  }

  /**
   * Why the caller may (or may not) query a table in workspace context, for the portal's Access page:
   * the decision itself is canQueryWorkspace + canReadTable (the very checks a query meets); the grants
   * are the assignments behind each half, from the same assignment source and role matching.
   */
  explainTableRead(caller: Caller, w: WorkspaceRecord, table: string): { canQuery: boolean; canRead: boolean; auditTable: boolean; workspaceGrants: Grant[]; tableGrants: Grant[] } {
    const scope = tableResourceId(w, table);
    const canQuery = this.canQueryWorkspace(caller, w);
    const tableGrants = [
      ...grantsOf(this.metadata, caller.objectId, `Microsoft.OperationalInsights/workspaces/query/${table}/read`, scope),
      ...(/_CL$/i.test(table) ? grantsOf(this.metadata, caller.objectId, 'Microsoft.OperationalInsights/workspaces/query/Tables.Custom/read', scope) : []),
      ...grantsOf(this.metadata, caller.objectId, TABLE_DATA_READ, scope, 'dataAction'),
    ].filter((g, i, all) => all.findIndex((x) => x.assignment.name === g.assignment.name) === i);
    return {
      canQuery,
      canRead: canQuery && this.canReadTable(caller, w, table),
      auditTable: isAuditTable(table),
      workspaceGrants: grantsOf(this.metadata, caller.objectId, QUERY_READ, workspaceResourceId(w)),
      tableGrants,
    };
  }

  /** An assignment made on the table itself (not inherited from the workspace or above) that lets the caller read it. */
  hasTableLevelGrant(caller: Caller, w: WorkspaceRecord, table: string): boolean {
    const scope = tableResourceId(w, table);
    return (
      isGrantedAtOrBelow(this.metadata, caller, `Microsoft.OperationalInsights/workspaces/query/${table}/read`, scope) ||
      isGrantedAtOrBelow(this.metadata, caller, TABLE_DATA_READ, scope, 'dataAction')
    );
  }

  /** Resource context: may the caller read table T of workspace W for resource scope R? */
  canReadTableForResource(caller: Caller, w: WorkspaceRecord, table: string, resourceId: string): boolean {
    if (isAuditTable(table) && !this.canReadSystemTable(caller, w, table)) return false;
    if (this.hasTableLevelGrant(caller, w, table)) return true;
    const resourcePermission = isAllowed(this.metadata, caller, `Microsoft.Insights/logs/${table}/read`, resourceId);
    if (!resourcePermission) return false;
    if (w.features.enableLogAccessUsingOnlyResourcePermissions !== false) return true;
    return this.canQueryWorkspace(caller, w) && this.canReadTable(caller, w, table);
  }

  /**
   * The explicit permission a system (audit) table needs besides the ordinary read rules: an assignment
   * on the table, Owner / Log Analytics Reader / Log Analytics Contributor at the workspace or above, or
   * a role that lists `…/workspaces/query/{Table}/read` literally (no wildcard).
   */
  canReadSystemTable(caller: Caller, w: WorkspaceRecord, table: string): boolean {
    if (this.hasTableLevelGrant(caller, w, table)) return true;
    const workspace = workspaceResourceId(w);
    const action = `Microsoft.OperationalInsights/workspaces/query/${table}/read`.toLowerCase();
    for (const a of this.metadata.roleAssignmentsFor(caller.objectId)) {
      if (!isWithinScope(workspace, a.scope)) continue;
      if (AUDIT_READER_ROLES.has(a.roleDefinitionId.split('/').pop()!.toLowerCase())) return true;
      const role = resolveRole(this.metadata, a.roleDefinitionId);
      if (role && role.actions.some((p) => p.toLowerCase() === action) && !role.notActions.some((p) => actionMatches(p, action))) return true;
    }
    return false;
  }

  /** Does the caller hold any logs read permission on the resource scope (tells "no access" from "no data")? */
  hasResourceLogAccess(caller: Caller, resourceId: string): boolean {
    return isAllowed(this.metadata, caller, 'Microsoft.Insights/logs/*/read', resourceId);
  }

  /**
   * The one resolver for a query: every table reference of every construct comes through here.
   * With `lockbox` (an operator's approved Customer Lockbox request, src/lockbox), RBAC is not asked:
   * the grant covers the tables of its one workspace except Auxiliary ones (as in Azure), and no
   * workspace() or resource() reference.
   */
  resolverFor(caller: Caller, ctx: QueryContext, lockbox?: LockboxGrant): AccessResolver {
    const workspaces = ctx.kind === 'workspace' ? ctx.workspaces : this.metadata.workspaces();
    const resourceScope = ctx.kind === 'resource' ? normalizeScope(ctx.resourceId) : undefined;
    const readable = (w: WorkspaceRecord, t: TableRecord) =>
      lockbox
        ? ctx.kind === 'workspace' && w.customerId === lockbox.workspaceId && t.plan !== 'Auxiliary'
        : ctx.kind === 'workspace'
          ? this.canReadTable(caller, w, t.name)
          : this.canReadTableForResource(caller, w, t.name, ctx.resourceId);
    const used = new Set<WorkspaceRecord>();

    const granted = new Map<string, TableGrant>();
    const source = (w: WorkspaceRecord, t: TableRecord): string => {
      // In resource context the grant covers only the rows of R and below it: the store applies
      // that in the table's source itself, so the compiled SQL never sees the table's other rows.
      const grant: TableGrant = resourceScope === undefined ? { workspaceId: w.customerId, table: t.name } : { workspaceId: w.customerId, table: t.name, resourceScope };
      granted.set(`${w.customerId}/${t.name}/${resourceScope ?? ''}`, grant);
      return this.store.tableSource(w.customerId, t.name, resourceScope);
    };

    const resolveTable = (name: string): ResolvedTable | undefined => {
      const sources: { w: WorkspaceRecord; t: TableRecord; columns: ColumnSchema[] }[] = [];
      let denied: string | undefined;
      for (const w of workspaces) {
        const t = findTable(w, name);
        if (!t) continue;
        if (!readable(w, t)) {
          if (lockbox && t.plan === 'Auxiliary') {
            throw insufficientAccess(`table '${t.name}' has the Auxiliary plan: Customer Lockbox access does not cover Auxiliary tables, as in Azure.`);
          }
          denied ??= t.name;
          continue;
        }
        sources.push({ w, t, columns: tableSchema(t) });
      }
      // Workspace context: a table the caller names but may not read in some queried workspace is refused
      // outright. Resource context: it is refused only when no workspace grants it (partial access is normal).
      if (denied !== undefined && (ctx.kind === 'workspace' || sources.length === 0)) {
        throw insufficientAccess(`the caller may not read table '${denied}'.`);
      }
      if (sources.length === 0) return undefined;
      for (const s of sources) used.add(s.w);
      // A standard table nothing has written yet has no store table: it reads as no rows, with its columns.
      const stored = sources.filter((s) => s.w.tables.includes(s.t));
      if (stored.length === 0) return { sql: emptyRelationSql(sources[0]!.columns), columns: sources[0]!.columns };
      if (sources.length === 1) return { sql: source(sources[0]!.w, sources[0]!.t), columns: sources[0]!.columns };
      // The same table in several workspaces: their union, columns aligned by name.
      const columns: ColumnSchema[] = [];
      for (const s of sources) for (const c of s.columns) if (!columns.some((x) => x.name === c.name)) columns.push(c);
      const selects = stored.map((s) => {
        const list = columns.map((c) => (s.columns.some((x) => x.name === c.name) ? sqlIdent(c.name) : `NULL AS ${sqlIdent(c.name)}`)).join(', ');
        return `SELECT ${list} FROM ${source(s.w, s.t)}`;
      });
      return { sql: `(${selects.join(' UNION ALL ')})`, columns };
    };

    // Wildcards (`union *`, `search`, `union Sign*`) cover the tables that are stored: a standard table
    // joins them once something writes it (160 empty tables would only widen the union's schema).
    const listTables = (): string[] => {
      const names = new Map<string, string>();
      for (const w of workspaces) for (const t of w.tables) if (!names.has(t.name.toLowerCase()) && readable(w, t)) names.set(t.name.toLowerCase(), t.name);
      return [...names.values()].sort();
    };

    const permissions = (): QueryPermissions => {
      const dataSources = [...used].map((w) => workspaceResourceId(w));
      return {
        resources: ctx.kind === 'resource' ? [{ resourceId: ctx.resourceId, dataSources }] : [],
        dataSources: dataSources.map((resourceId) => ({ resourceId })),
      };
    };

    // A qualified reference resolves through a resolver of its own context; what that one grants is
    // granted to this query too (the store exposes exactly the granted tables).
    const adopt = (inner: AccessResolver, table: string): ResolvedTable | undefined => {
      const resolved = inner.resolveTable(table);
      for (const g of inner.grantedTables()) granted.set(`${g.workspaceId}/${g.table}`, g);
      return resolved;
    };

    const resolveQualifiedTable = (kind: 'workspace' | 'resource' | 'app', id: string, table: string): ResolvedTable | undefined => {
      if (lockbox) throw insufficientAccess(`Customer Lockbox access covers only the workspace of request '${lockbox.requestId}': ${kind}('${id}') references are refused.`);
      if (kind === 'app') {
        throw new ApiError(400, 'BadArgumentError', `app('${id}') refers to Application Insights, which Vigil does not serve; query a workspace() or a resource() instead.`);
      }
      if (kind === 'resource') {
        const scope = parseArmScope(id);
        if (!scope || !this.metadata.subscription(scope.subscriptionId)) {
          throw insufficientAccess(`resource('${id}') is not a resource the caller may read logs of (or it is not a valid resource id).`);
        }
        return adopt(this.resolverFor(caller, { kind: 'resource', resourceId: scope.id }), table);
      }
      const w = this.findWorkspace(id);
      if (!w || !this.canQueryWorkspace(caller, w)) {
        throw insufficientAccess(`workspace('${id}') does not exist or the caller may not query it.`);
      }
      const resolved = adopt(this.resolverFor(caller, { kind: 'workspace', workspaces: [w] }), table);
      if (resolved) used.add(w);
      return resolved;
    };

    return { resolveTable, listTables, permissions, resolveQualifiedTable, grantedTables: () => [...granted.values()] };
  }

  /** A workspace by GUID (customerId), ARM resource id, or unique name — the forms `workspace()` accepts. */
  findWorkspace(ref: string): WorkspaceRecord | undefined {
    const byId = this.metadata.workspaceByCustomerId(ref);
    if (byId) return byId;
    const arm = parseWorkspaceResourceId(ref);
    if (arm) return this.metadata.workspace(arm.subscriptionId, arm.resourceGroup, arm.name);
    const named = this.metadata.workspaces().filter((w) => w.name.toLowerCase() === ref.toLowerCase());
    return named.length === 1 ? named[0] : undefined;
  }

  /**
   * Resource context: the stored tables (per workspace) the caller may read, for the metadata endpoint
   * and the 403 check. A resource's logs are the tables that hold data; standard tables nothing has
   * written yet are left out here (they still resolve, as no rows, in its queries).
   */
  readableForResource(caller: Caller, resourceId: string): { w: WorkspaceRecord; t: TableRecord }[] {
    const out: { w: WorkspaceRecord; t: TableRecord }[] = [];
    for (const w of this.metadata.workspaces()) for (const t of w.tables) if (this.canReadTableForResource(caller, w, t.name, resourceId)) out.push({ w, t });
    return out;
  }
}
