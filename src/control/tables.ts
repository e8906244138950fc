import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import type { KqlType } from '../kql/index.js';
import { tableResourceId, workspaceResourceId } from '../metadata/resource-ids.js';
import type { TableColumn, TablePlan, TableRecord, WorkspaceRecord } from '../metadata/records.js';
import { RESERVED_COLUMN_NAMES, STANDARD_COLUMNS, tableSchema } from '../metadata/standard-columns.js';
import { findWorkspaceTable, isAuditTable, materializeStandardTable, workspaceTables } from '../metadata/standard-tables.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';
import { requireWorkspace } from './workspaces.js';

const TYPE = 'Microsoft.OperationalInsights/workspaces/tables';

/** ARM spells column types differently from KQL (`boolean`, `dateTime`). */
const ARM_TO_KQL: Record<string, KqlType> = {
  string: 'string', int: 'int', long: 'long', real: 'real', boolean: 'bool', bool: 'bool',
  datetime: 'datetime', guid: 'guid', dynamic: 'dynamic',
};
const KQL_TO_ARM: Partial<Record<KqlType, string>> = { bool: 'boolean', datetime: 'dateTime' };
const armType = (t: KqlType) => KQL_TO_ARM[t] ?? t;

const TOTAL_RETENTION_ABOVE_730 = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383];
export const CUSTOM_TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,59}_CL$/;
const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]{0,44}$/;

const ColumnBody = z.object({
  name: z.string().regex(COLUMN_NAME, 'a column name starts with a letter and has at most 45 letters, digits or underscores'),
  type: z.string().refine((t) => t.toLowerCase() in ARM_TO_KQL, { message: `type must be one of ${Object.keys(ARM_TO_KQL).join(', ')}` }),
  description: z.string().nullish(),
  displayName: z.string().nullish(),
  dataTypeHint: z.enum(['uri', 'guid', 'armPath', 'ip']).nullish(),
});

const TableBody = z.object({
  properties: z
    .object({
      plan: z.enum(['Analytics', 'Basic', 'Auxiliary']).nullish(),
      retentionInDays: z
        .number()
        .int()
        .refine((n) => n === -1 || (n >= 4 && n <= 730), { message: 'retentionInDays must be -1 (workspace default) or between 4 and 730' })
        .nullish(),
      totalRetentionInDays: z
        .number()
        .int()
        .refine((n) => n === -1 || (n >= 4 && n <= 730) || TOTAL_RETENTION_ABOVE_730.includes(n), {
          message: `totalRetentionInDays must be -1, between 4 and 730, or one of ${TOTAL_RETENTION_ABOVE_730.join(', ')}`,
        })
        .nullish(),
      schema: z
        .object({
          name: z.string().nullish(),
          description: z.string().nullish(),
          columns: z.array(ColumnBody).max(500, 'a table has at most 500 columns').nullish(),
        })
        .catchall(z.unknown())
        .nullish(),
    })
    .catchall(z.unknown()),
});

export function tableShape(w: WorkspaceRecord, t: TableRecord) {
  const retention = t.retentionInDays === -1 ? w.retentionInDays : t.retentionInDays;
  const total = t.totalRetentionInDays === -1 ? retention : t.totalRetentionInDays;
  const own = new Set(t.columns.map((c) => c.name.toLowerCase()));
  return {
    id: tableResourceId(w, t.name),
    name: t.name,
    type: TYPE,
    properties: {
      provisioningState: 'Succeeded',
      plan: t.plan,
      lastPlanModifiedDate: t.lastPlanModifiedDate,
      retentionInDays: retention,
      totalRetentionInDays: total,
      archiveRetentionInDays: total - retention,
      retentionInDaysAsDefault: t.retentionInDays === -1,
      totalRetentionInDaysAsDefault: t.totalRetentionInDays === -1,
      schema: {
        name: t.name,
        description: t.description,
        tableType: t.tableType,
        tableSubType: 'DataCollectionRuleBased',
        source: t.tableType === 'CustomLog' ? 'customer' : 'microsoft',
        columns: t.columns.map((c) => ({ ...c, type: armType(c.type), isDefaultDisplay: false, isHidden: false })),
        standardColumns: STANDARD_COLUMNS.filter((c) => !own.has(c.name.toLowerCase())).map((c) => ({
          name: c.name,
          type: armType(c.type),
          isDefaultDisplay: false,
          isHidden: c.name.startsWith('_'),
        })),
      },
    },
  };
}

/** A table of the workspace: a stored one, or one of Azure's standard tables (every workspace has them). */
function findTable(w: WorkspaceRecord, name: string): TableRecord | undefined {
  return findWorkspaceTable(w, name);
}

function requireTable(w: WorkspaceRecord, name: string): TableRecord {
  const t = findTable(w, name);
  if (!t) throw new ApiError(404, 'ResourceNotFound', `The table '${name}' was not found in workspace '${w.name}'.`);
  return t;
}

/** Validates the declared columns of a custom table: no duplicates, no reserved names, a datetime TimeGenerated. */
function checkColumns(columns: { name: string; type: string }[]): TableColumn[] {
  const seen = new Set<string>();
  const out: TableColumn[] = [];
  columns.forEach((c, i) => {
    const lower = c.name.toLowerCase();
    if (seen.has(lower)) throw new ApiError(400, 'InvalidParameter', `properties.schema.columns[${i}]: the column '${c.name}' is declared twice.`, { target: `properties.schema.columns[${i}].name` });
    if (RESERVED_COLUMN_NAMES.has(lower)) {
      throw new ApiError(400, 'InvalidParameter', `properties.schema.columns[${i}]: '${c.name}' is a reserved column name.`, { target: `properties.schema.columns[${i}].name` });
    }
    seen.add(lower);
    out.push({ name: c.name, type: ARM_TO_KQL[c.type.toLowerCase()]! });
  });
  const tg = out.find((c) => c.name.toLowerCase() === 'timegenerated');
  if (!tg) throw new ApiError(400, 'InvalidParameter', "properties.schema.columns: a custom table must declare a 'TimeGenerated' column of type 'dateTime'.", { target: 'properties.schema.columns' });
  if (tg.type !== 'datetime') throw new ApiError(400, 'InvalidParameter', "properties.schema.columns: 'TimeGenerated' must be of type 'dateTime'.", { target: 'properties.schema.columns' });
  tg.name = 'TimeGenerated';
  return out;
}

export function registerTableRoutes(router: ArmRouter<ControlContext>): void {
  const base = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/tables';

  router.add('GET', base, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    const visible = workspaceTables(w).filter((t) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, tableResourceId(w, t.name)));
    return { status: 200, body: { value: visible.map((t) => tableShape(w, t)) } };
  });

  router.add('GET', `${base}/{table}`, ({ sub, rg, ws, table }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, tableResourceId(w, table!));
    return { status: 200, body: tableShape(w, requireTable(w, table!)) };
  });

  const upsert = (patch: boolean) => async (p: Record<string, string>, ctx: ControlContext) => {
    const { sub, rg, ws, table } = p as Record<'sub' | 'rg' | 'ws' | 'table', string>;
    requireApiVersion(ctx.query, TYPE);
    const w = requireWorkspace(ctx, sub, rg, ws);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, tableResourceId(w, table));
    const body = parseBody(TableBody, ctx.body).properties;
    let existing = findTable(w, table);
    if (patch && !existing) requireTable(w, table);
    if (!existing && !CUSTOM_TABLE_NAME.test(table)) {
      throw new ApiError(400, 'InvalidParameter', `Table name '${table}' is invalid: a custom table name starts with a letter, has letters, digits or underscores, and ends with '_CL'.`);
    }
    if (existing?.tableType === 'Microsoft' && body.schema?.columns) {
      throw new ApiError(400, 'InvalidParameter', `properties.schema.columns: '${existing.name}' is an Azure table with a fixed schema; its columns cannot be changed (retention and plan can).`, { target: 'properties.schema.columns' });
    }
    const columns = body.schema?.columns ? checkColumns(body.schema.columns) : undefined;
    if (!existing && !columns) throw new ApiError(400, 'InvalidParameter', 'properties.schema.columns is required to create a custom table.', { target: 'properties.schema.columns' });
    if (existing && columns) {
      // Columns can be added; an existing column keeps its type, and columns are not dropped (data would be lost).
      for (const old of existing.columns) {
        const now = columns.find((c) => c.name.toLowerCase() === old.name.toLowerCase());
        if (!now) throw new ApiError(400, 'InvalidParameter', `properties.schema.columns: column '${old.name}' cannot be removed from table '${existing.name}'.`);
        if (now.type !== old.type) {
          throw new ApiError(400, 'InvalidParameter', `properties.schema.columns: column '${old.name}' is '${armType(old.type)}' and cannot change type to '${armType(now.type)}'.`);
        }
      }
    }
    const plan = (body.plan ?? undefined) as TablePlan | undefined;
    if (existing && plan && plan !== existing.plan && (plan === 'Auxiliary' || existing.plan === 'Auxiliary')) {
      throw new ApiError(400, 'InvalidParameter', `properties.plan: a table cannot be switched to or from the Auxiliary plan (table '${existing.name}' is ${existing.plan}).`);
    }
    if (plan === 'Basic' || plan === 'Auxiliary') {
      if (body.retentionInDays != null && body.retentionInDays !== -1 && body.retentionInDays !== 30) {
        throw new ApiError(400, 'InvalidParameter', `properties.retentionInDays: ${plan} tables have a fixed interactive retention of 30 days.`);
      }
    }
    // A standard table that is not stored yet becomes a stored one to keep its own retention and plan.
    if (existing?.tableType === 'Microsoft' && !w.tables.includes(existing)) existing = await materializeStandardTable(ctx.deps.metadata, ctx.deps.store, w, existing.name);
    const now = new Date().toISOString();
    const record = ctx.deps.metadata.mutate(() => {
      if (existing) {
        if (columns) existing.columns = columns;
        if (plan && plan !== existing.plan) {
          existing.plan = plan;
          existing.lastPlanModifiedDate = now;
        }
        // PUT resets unspecified retention to the defaults; PATCH leaves it unchanged (Tables API semantics).
        if (body.retentionInDays != null) existing.retentionInDays = body.retentionInDays;
        else if (!patch) existing.retentionInDays = -1;
        if (body.totalRetentionInDays != null) existing.totalRetentionInDays = body.totalRetentionInDays;
        else if (!patch) existing.totalRetentionInDays = -1;
        if (body.schema?.description != null) existing.description = body.schema.description;
        return existing;
      }
      const created: TableRecord = {
        name: table,
        plan: plan ?? 'Analytics',
        retentionInDays: body.retentionInDays ?? -1,
        totalRetentionInDays: body.totalRetentionInDays ?? -1,
        columns: columns!,
        description: body.schema?.description ?? undefined,
        tableType: 'CustomLog',
        lastPlanModifiedDate: now,
        createdAt: now,
      };
      w.tables.push(created);
      return created;
    });
    await ctx.deps.store.ensureTable(w.customerId, record.name, tableSchema(record));
    return { status: 200, body: tableShape(w, record) };
  };
  router.add('PUT', `${base}/{table}`, upsert(false));
  router.add('PATCH', `${base}/{table}`, upsert(true));

  router.add('DELETE', `${base}/{table}`, async ({ sub, rg, ws, table }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, tableResourceId(w, table!));
    const t = findTable(w, table!);
    if (!t) return { status: 204 };
    if (t.tableType === 'Microsoft') {
      if (isAuditTable(t.name)) {
        throw new ApiError(400, 'InvalidParameter', `'${t.name}' is a system table (audit data) and cannot be deleted; turn off the diagnostic setting that fills it instead, or purge rows.`);
      }
      throw new ApiError(400, 'InvalidParameter', `'${t.name}' is an Azure table and cannot be deleted (only custom '_CL' tables can); lower its retention, or purge rows, to remove its data.`);
    }
    ctx.deps.metadata.mutate(() => {
      w.tables = w.tables.filter((x) => x !== t);
    });
    await ctx.deps.store.dropTable(w.customerId, t.name);
    return { status: 200 };
  });
}

export { workspaceResourceId };
