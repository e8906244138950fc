/**
 * Which time range of each table a query reads. The KQL compiler's SQL is planned by DuckDB against
 * empty stand-in tables (statistics propagation off, so nothing is folded away), and the filters
 * DuckDB pushes into each table scan are read from `json_serialize_plan`: every bound on
 * TimeGenerated that DuckDB proves applies to all rows of a scan narrows that table's range. Only
 * what DuckDB itself pushed into the scan is used, so pruning never drops rows the query needs; a
 * plan that cannot be read means "the whole table".
 */

/** An inclusive range of TimeGenerated in µs; undefined ends are open. */
export interface MicrosRange {
  lo?: number;
  hi?: number;
}

type Json = Record<string, unknown>;

const ALL: MicrosRange = {};

function constantMicros(c: unknown): number | undefined {
  const v = c as { type?: { id?: string }; is_null?: boolean; value?: unknown };
  if (!v || v.is_null) return undefined;
  const id = v.type?.id;
  if (id !== 'TIMESTAMP' && id !== 'TIMESTAMP WITH TIME ZONE') return undefined;
  return typeof v.value === 'number' ? v.value : undefined;
}

function fromComparison(op: string, micros: number | undefined, flipped = false): MicrosRange {
  if (micros === undefined) return ALL;
  const o = flipped ? ({ COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN', COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN', COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO', COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO' } as Record<string, string>)[op] ?? op : op;
  switch (o) {
    case 'COMPARE_EQUAL':
      return { lo: micros, hi: micros };
    case 'COMPARE_GREATERTHAN':
      return { lo: micros + 1 };
    case 'COMPARE_GREATERTHANOREQUALTO':
      return { lo: micros };
    case 'COMPARE_LESSTHAN':
      return { hi: micros - 1 };
    case 'COMPARE_LESSTHANOREQUALTO':
      return { hi: micros };
    default:
      return ALL;
  }
}

const intersect = (a: MicrosRange, b: MicrosRange): MicrosRange => ({
  lo: a.lo === undefined ? b.lo : b.lo === undefined ? a.lo : Math.max(a.lo, b.lo),
  hi: a.hi === undefined ? b.hi : b.hi === undefined ? a.hi : Math.min(a.hi, b.hi),
});

export const hull = (a: MicrosRange, b: MicrosRange): MicrosRange => ({
  lo: a.lo === undefined || b.lo === undefined ? undefined : Math.min(a.lo, b.lo),
  hi: a.hi === undefined || b.hi === undefined ? undefined : Math.max(a.hi, b.hi),
});

export { intersect as intersectRange };

/** Ticks of 1970-01-01 since 0001-01-01 (kql/datetime-sql.ts). */
const EPOCH_TICKS = 621355968000000000;

function isConstant(e: Json | undefined, value: number): boolean {
  const v = e?.value as { is_null?: boolean; value?: unknown } | undefined;
  return e?.expression_class === 'BOUND_CONSTANT' && !v?.is_null && Number(v?.value) === value;
}

/**
 * The KQL compiler's scan turns the stored TIMESTAMP into ticks, `epoch_us(TimeGenerated) * 10 +
 * 621355968000000000` (kql/types.ts); DuckDB pushes a comparison on it into the scan as this tree.
 */
function isTicksOfTimeRef(e: Json | undefined): boolean {
  if (e?.expression_class !== 'BOUND_FUNCTION' || e.name !== '+') return false;
  const [mul, add] = (e.children as Json[] | undefined) ?? [];
  if (!isConstant(add, EPOCH_TICKS) || mul?.expression_class !== 'BOUND_FUNCTION' || mul.name !== '*') return false;
  const [epoch, ten] = (mul.children as Json[] | undefined) ?? [];
  if (!isConstant(ten, 10) || epoch?.expression_class !== 'BOUND_FUNCTION' || epoch.name !== 'epoch_us') return false;
  return isTimeRef(((epoch.children as Json[] | undefined) ?? [])[0]);
}

/**
 * A BIGINT ticks constant compared with isTicksOfTimeRef → µs. Plan JSON numbers above 2^53 lose
 * up to a few hundred ticks, so the bound is widened by a millisecond on the side it limits.
 */
function ticksConstantMicros(c: unknown, op: string, flipped: boolean): number | undefined {
  const v = c as { type?: { id?: string }; is_null?: boolean; value?: unknown };
  if (!v || v.is_null || v.type?.id !== 'BIGINT' || typeof v.value !== 'number') return undefined;
  const us = Math.floor((v.value - EPOCH_TICKS) / 10);
  const lower = /GREATER/.test(op) !== flipped;
  return op === 'COMPARE_EQUAL' ? undefined : lower ? us - 1000 : us + 1000;
}

function isTimeRef(e: Json | undefined): boolean {
  if (!e) return false;
  if (e.expression_class === 'BOUND_REF') return true;
  // TimeGenerated::TIMESTAMPTZ keeps the instant.
  if (e.expression_class === 'BOUND_CAST') return isTimeRef(e.child as Json) && (e.return_type as { id?: string })?.id === 'TIMESTAMP WITH TIME ZONE';
  return false;
}

/** `x BETWEEN lower AND upper` (DuckDB merges two comparisons into one) as two bounds. */
function rangeOfBetween(e: Json): MicrosRange {
  const input = e.input as Json, lower = e.lower as Json, upper = e.upper as Json;
  const lowOp = e.lower_inclusive ? 'COMPARE_GREATERTHANOREQUALTO' : 'COMPARE_GREATERTHAN';
  const highOp = e.upper_inclusive ? 'COMPARE_LESSTHANOREQUALTO' : 'COMPARE_LESSTHAN';
  const bound = (op: string, c: Json): MicrosRange => {
    if (c?.expression_class !== 'BOUND_CONSTANT') return ALL;
    if (isTimeRef(input)) return fromComparison(op, constantMicros(c.value));
    if (isTicksOfTimeRef(input)) return fromComparison(op, ticksConstantMicros(c.value, op, false));
    return ALL;
  };
  return intersect(bound(lowOp, lower), bound(highOp, upper));
}

/** The range a pushed-down table filter on TimeGenerated implies. */
export function rangeOfFilter(f: Json): MicrosRange {
  switch (f.filter_type) {
    case 'CONSTANT_COMPARISON':
      return fromComparison(String(f.comparison_type), constantMicros(f.constant));
    case 'CONJUNCTION_AND':
      return ((f.child_filters as Json[]) ?? []).reduce<MicrosRange>((acc, c) => intersect(acc, rangeOfFilter(c)), ALL);
    case 'CONJUNCTION_OR': {
      const kids = (f.child_filters as Json[]) ?? [];
      if (kids.length === 0) return ALL;
      return kids.map(rangeOfFilter).reduce(hull);
    }
    case 'OPTIONAL_FILTER':
      return f.child_filter ? rangeOfFilter(f.child_filter as Json) : ALL;
    case 'IN_FILTER': {
      const vals = ((f.values as unknown[]) ?? []).map(constantMicros);
      if (vals.length === 0 || vals.some((v) => v === undefined)) return ALL;
      return { lo: Math.min(...(vals as number[])), hi: Math.max(...(vals as number[])) };
    }
    case 'EXPRESSION_FILTER': {
      const e = f.expr as Json;
      if (e?.expression_class === 'BOUND_BETWEEN') return rangeOfBetween(e);
      if (e?.expression_class !== 'BOUND_COMPARISON') return ALL;
      const l = e.left as Json;
      const r = e.right as Json;
      if (isTimeRef(l) && r?.expression_class === 'BOUND_CONSTANT') return fromComparison(String(e.type), constantMicros(r.value));
      if (isTimeRef(r) && l?.expression_class === 'BOUND_CONSTANT') return fromComparison(String(e.type), constantMicros(l.value), true);
      const op = String(e.type);
      if (isTicksOfTimeRef(l) && r?.expression_class === 'BOUND_CONSTANT') return fromComparison(op, ticksConstantMicros(r.value, op, false));
      if (isTicksOfTimeRef(r) && l?.expression_class === 'BOUND_CONSTANT') return fromComparison(op, ticksConstantMicros(l.value, op, true), true);
      return ALL;
    }
    default:
      return ALL;
  }
}

/**
 * From a serialized optimized plan: for each stand-in table name, the hull of the TimeGenerated
 * ranges of all its scans. `timeColumn` gives the column index of TimeGenerated per stand-in table.
 */
export function rangesFromPlan(plan: Json, timeColumn: Map<string, number>): Map<string, MicrosRange> {
  const out = new Map<string, MicrosRange>();
  const visit = (n: Json) => {
    if (n.type === 'LOGICAL_GET') {
      const table = (n.function_data as { table?: string } | undefined)?.table;
      if (table !== undefined && timeColumn.has(table)) {
        const col = timeColumn.get(table)!;
        let r: MicrosRange = ALL;
        for (const f of ((n.table_filters as { filters?: { key: number; value: Json }[] } | undefined)?.filters ?? [])) {
          if (f.key === col) r = intersect(r, rangeOfFilter(f.value));
        }
        out.set(table, out.has(table) ? hull(out.get(table)!, r) : r);
      }
    }
    for (const c of (n.children as Json[] | undefined) ?? []) visit(c);
  };
  for (const p of (plan.plans as Json[] | undefined) ?? []) visit(p);
  return out;
}
