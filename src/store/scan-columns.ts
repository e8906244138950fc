/**
 * Which columns of each table a query reads, from DuckDB's optimized plan of it (the plan probe's,
 * against stand-in tables): the columns of every scan of the table's stand-in. A segment of format
 * VGLSEG02 is decrypted only as far as these columns (segment-parts.ts), so a column missing here
 * would be read from a hole: every part of the plan is searched, not only the operators' children,
 * and a scan this cannot read in full leaves its table out (all its columns are then decrypted).
 */
type Json = Record<string, unknown>;

/** DuckDB's virtual columns (row id, and the like) have indexes from 2^63: they read no stored column. */
const VIRTUAL_FROM = 2 ** 63;

/** For each of `views` whose scans are all understood, the lower-case names of the columns they read. */
export function columnsFromPlan(plan: Json, views: ReadonlySet<string>): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  const unknown = new Set<string>();
  const scan = (n: Json) => {
    const table = (n.function_data as { table?: unknown } | undefined)?.table;
    if (typeof table !== 'string' || !views.has(table)) return;
    const names = n.names;
    const indexes = n.column_indexes;
    if (n.name !== 'seq_scan' || !Array.isArray(names) || !Array.isArray(indexes)) {
      unknown.add(table);
      return;
    }
    const cols = read.get(table) ?? new Set<string>();
    read.set(table, cols);
    for (const c of indexes as Json[]) {
      const i = Number(c.index);
      const nested = Array.isArray(c.child_indexes) && c.child_indexes.length > 0;
      if (Number.isInteger(i) && i >= 0 && i < names.length && typeof names[i] === 'string' && !nested) cols.add(names[i].toLowerCase());
      else if (!(i >= VIRTUAL_FROM) || nested) unknown.add(table);
    }
  };
  const visit = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else if (v !== null && typeof v === 'object') {
      const n = v as Json;
      if (n.type === 'LOGICAL_GET') scan(n);
      for (const x of Object.values(n)) visit(x);
    }
  };
  visit(plan);
  for (const t of unknown) read.delete(t);
  return read;
}
