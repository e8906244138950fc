import type { ColumnSchema } from '../kql/index.js';
import type { TableRecord } from './records.js';

/**
 * Columns every Log Analytics table carries besides its own (DESIGN §4). Users may not declare
 * these (except TimeGenerated, which custom tables must declare); Vigil fills them on ingestion.
 */
export const STANDARD_COLUMNS: readonly ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Type', type: 'string' },
  { name: '_ResourceId', type: 'string' },
  { name: '_ItemId', type: 'string' },
  { name: '_TimeReceived', type: 'datetime' },
  { name: '_BilledSize', type: 'real' },
];

/** Names a custom table may not use for its own columns (Azure's reserved list plus the standard columns). */
export const RESERVED_COLUMN_NAMES = new Set(
  ['_ResourceId', 'id', '_SubscriptionId', 'TenantId', 'Type', 'UniqueId', 'Title', '_ItemId', '_TimeReceived', '_BilledSize', '_IsBillable'].map((n) =>
    n.toLowerCase(),
  ),
);

/** The full schema of a table as queries see it: TenantId, the table's own columns, then the remaining standard columns. */
export function tableSchema(table: { readonly columns: readonly TableRecord['columns'][number][] }): ColumnSchema[] {
  const own = table.columns.map((c) => ({ name: c.name, type: c.type }));
  const ownNames = new Set(own.map((c) => c.name.toLowerCase()));
  const [tenant, ...rest] = STANDARD_COLUMNS;
  const lead = ownNames.has('tenantid') ? [] : [tenant!];
  return [...lead, ...own, ...rest.filter((c) => !ownNames.has(c.name.toLowerCase()))];
}
