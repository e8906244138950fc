/**
 * Azure's standard tables (DESIGN §8): every workspace knows SigninLogs, AuditLogs, SecurityEvent,
 * Syslog, CommonSecurityLog, the Device* tables, AzureDiagnostics… with their documented schemas, as
 * Microsoft tables (schema fixed, no `_CL`), so Sentinel and Azure Monitor content compiles and runs
 * unchanged. A query against one that holds no data returns an empty result with its columns.
 *
 * A standard table is *virtual* until something needs it stored: a data collection rule that writes
 * it (`Microsoft-<Table>` output stream), a change of its retention or plan, or the audit writing
 * LAQueryLogs / AzureActivity. Only then is a TableRecord added to the workspace and the store
 * table created (`materializeStandardTable`); before that the catalog below stands in for it, so
 * 160 tables cost nothing per workspace.
 */
import { AZURE_ACTIVITY, LAQUERYLOGS, SYSTEM_TABLES } from '../audit/system-tables.js';
import type { KqlType } from '../kql/index.js';
import type { LogStore } from '../store/store.js';
import { AZURE_TABLES } from './azure-tables.js';
import { OTEL_TABLES } from './otel-tables.js';
import type { MetadataStore } from './metadata-store.js';
import type { TableColumn, TableRecord, WorkspaceRecord } from './records.js';
import { STANDARD_COLUMNS, tableSchema } from './standard-columns.js';

export interface StandardTableDef {
  name: string;
  /** The table's own columns (TimeGenerated first); the standard columns are added by tableSchema. */
  columns: readonly TableColumn[];
  description: string;
}

/** Audit tables Vigil writes itself: nothing else may write them, and reading them needs explicit permission. */
export const AUDIT_TABLES: ReadonlySet<string> = new Set([LAQUERYLOGS, AZURE_ACTIVITY, ...Object.keys(SYSTEM_TABLES)].map((n) => n.toLowerCase()));

export const isAuditTable = (name: string): boolean => AUDIT_TABLES.has(name.toLowerCase());

const STANDARD_NAMES = new Set(STANDARD_COLUMNS.map((c) => c.name.toLowerCase()));

function define(name: string, docDate: string, spec: string): StandardTableDef {
  const seen = new Set<string>();
  const own: TableColumn[] = [];
  for (const item of spec.split(' ')) {
    const [col, type] = item.split(':') as [string, KqlType];
    const lower = col.toLowerCase();
    // Vigil's column names are case-insensitive (DuckDB); the docs list a few pairs that differ
    // only in case (AzureDiagnostics clientIP_s/clientIp_s, status_s/Status_s): the first is kept.
    if (seen.has(lower)) continue;
    seen.add(lower);
    // TenantId, Type, _ResourceId, _BilledSize… are the standard columns every table has (in their standard types).
    if (STANDARD_NAMES.has(lower) && lower !== 'timegenerated') continue;
    own.push(Object.freeze({ name: col, type }));
  }
  const time = own.findIndex((c) => c.name.toLowerCase() === 'timegenerated');
  if (time > 0) own.unshift(...own.splice(time, 1));
  return { name, columns: Object.freeze(own), description: `Azure standard table ${name} (schema as documented in the Azure Monitor Logs reference, ${docDate}).` };
}

const CATALOG = new Map<string, StandardTableDef>();
for (const [name, [docDate, spec]] of Object.entries({ ...AZURE_TABLES, ...OTEL_TABLES })) CATALOG.set(name.toLowerCase(), define(name, docDate, spec));
// The audit tables keep the schema Vigil has always written them with.
for (const [name, def] of Object.entries(SYSTEM_TABLES)) {
  CATALOG.set(name.toLowerCase(), { name, columns: Object.freeze(def.columns.map((c) => Object.freeze({ ...c }))), description: def.description });
}

/** The standard table of that name (case-insensitive), if Azure has one. */
export function standardTable(name: string): StandardTableDef | undefined {
  return CATALOG.get(name.toLowerCase());
}

/** Every standard table, sorted by name. */
export function standardTables(): StandardTableDef[] {
  return [...CATALOG.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** May a data collection rule write this standard table (`Microsoft-<Table>`)? Everything but the audit. */
export function isIngestibleStandardTable(name: string): boolean {
  return standardTable(name) !== undefined && !isAuditTable(name);
}

const virtualRecords = new WeakMap<WorkspaceRecord, Map<string, TableRecord>>();

/** The record a standard table has in a workspace before it is stored (retention and plan: the defaults). */
function virtualRecord(w: WorkspaceRecord, def: StandardTableDef): TableRecord {
  let byName = virtualRecords.get(w);
  if (!byName) virtualRecords.set(w, (byName = new Map()));
  let t = byName.get(def.name);
  if (!t) {
    t = {
      name: def.name,
      plan: 'Analytics',
      retentionInDays: -1,
      totalRetentionInDays: -1,
      columns: def.columns as TableColumn[],
      description: def.description,
      tableType: 'Microsoft',
      lastPlanModifiedDate: w.createdDate,
      createdAt: w.createdDate,
    };
    byName.set(def.name, t);
  }
  return t;
}

/** Is this record a standard table that is not stored yet (no data, no store table)? */
export function isVirtualTable(w: WorkspaceRecord, t: TableRecord): boolean {
  return virtualRecords.get(w)?.get(t.name) === t && !w.tables.includes(t);
}

/** A table of the workspace by name: a stored one (exact name first, then any casing), else a standard table. */
export function findWorkspaceTable(w: WorkspaceRecord, name: string): TableRecord | undefined {
  const stored = w.tables.find((x) => x.name === name) ?? w.tables.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (stored) return stored;
  const def = standardTable(name);
  return def ? virtualRecord(w, def) : undefined;
}

/** Every table of the workspace: the stored ones, then the standard tables not stored yet. */
export function workspaceTables(w: WorkspaceRecord): TableRecord[] {
  const stored = new Set(w.tables.map((t) => t.name.toLowerCase()));
  return [...w.tables, ...standardTables().filter((d) => !stored.has(d.name.toLowerCase())).map((d) => virtualRecord(w, d))];
}

/**
 * Makes a standard table a stored table of the workspace (catalog record and store table), e.g. when
 * a rule starts writing it; returns its record. A table already stored is returned as it is.
 */
export async function materializeStandardTable(metadata: MetadataStore, store: LogStore, w: WorkspaceRecord, name: string): Promise<TableRecord> {
  const def = standardTable(name);
  let t = w.tables.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!t) {
    if (!def) throw new Error(`'${name}' is not a standard table`);
    const now = new Date().toISOString();
    // The store table first: once the record is in the catalog, queries read the stored table.
    await store.ensureTable(w.customerId, def.name, tableSchema(def));
    t = metadata.mutate(() => {
      const existing = w.tables.find((x) => x.name.toLowerCase() === def.name.toLowerCase());
      if (existing) return existing;
      const created: TableRecord = {
        name: def.name,
        plan: 'Analytics',
        retentionInDays: -1,
        totalRetentionInDays: -1,
        columns: def.columns.map((c) => ({ ...c })),
        description: def.description,
        tableType: 'Microsoft',
        lastPlanModifiedDate: now,
        createdAt: now,
      };
      w.tables.push(created);
      return created;
    });
  }
  await store.ensureTable(w.customerId, t.name, tableSchema(t));
  return t;
}
