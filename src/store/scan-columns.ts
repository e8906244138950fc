/**
 * Which columns of each decrypted segment file a statement reads, from DuckDB's optimized plan of
 * the statement itself, over the query's own views on the connection that runs it: the columns of
 * every `read_parquet` scan of the file. (The plan probe's stand-in tables do not tell: DuckDB keeps
 * a column of each branch of a view's UNION ALL that no column of is needed, so a count over a view
 * reads one column of every file although the probe's scan reads none.) A segment of format VGLSEG02
 * is decrypted only as far as these columns (segment-parts.ts): every part of the plan is searched,
 * not only the operators' children, and a file a scan reads that this cannot read in full is
 * returned as needing every column.
 */
type Json = Record<string, unknown>;

/** DuckDB's virtual columns (row id, file row number, and the like) have indexes from 2^63: they read no stored column. */
const VIRTUAL_FROM = 2 ** 63;

export interface FileColumns {
  /** Lower-case names of the columns read, per file path. */
  columns: Map<string, Set<string>>;
  /** Files (or, as `undefined`, all files) read by a scan not understood: they need every column. */
  whole: Set<string | undefined>;
}

export function columnsFromPlan(plan: Json): FileColumns {
  const out: FileColumns = { columns: new Map(), whole: new Set() };
  const scan = (n: Json) => {
    if (typeof n.name !== 'string' || !n.name.includes('parquet')) return;
    const files = (n.function_data as { files?: unknown } | undefined)?.files;
    if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) {
      out.whole.add(undefined);
      return;
    }
    const names = n.names;
    const indexes = n.column_indexes;
    const cols = new Set<string>();
    let understood = n.name === 'read_parquet' && Array.isArray(names) && Array.isArray(indexes);
    for (const c of understood ? (indexes as Json[]) : []) {
      const i = Number(c.index);
      const nested = Array.isArray(c.child_indexes) && c.child_indexes.length > 0;
      if (!nested && Number.isInteger(i) && i >= 0 && i < (names as unknown[]).length && typeof (names as unknown[])[i] === 'string') cols.add(((names as unknown[])[i] as string).toLowerCase());
      else if (nested || !(i >= VIRTUAL_FROM)) understood = false;
    }
    for (const f of files as string[]) {
      if (!understood) out.whole.add(f);
      else {
        const have = out.columns.get(f) ?? new Set<string>();
        for (const c of cols) have.add(c);
        out.columns.set(f, have);
      }
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
  return out;
}
