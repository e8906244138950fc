/**
 * Which time range of each table a query reads. The KQL compiler's SQL is planned by DuckDB against
 * empty stand-in tables (statistics propagation off, so nothing is folded away), and the filters
 * DuckDB pushes into each table scan are read from `json_serialize_plan`: every bound on
 * TimeGenerated that DuckDB proves applies to all rows of a scan narrows that table's range. Only
 * what DuckDB itself pushed into the scan is used, so pruning never drops rows the query needs; a
 * plan that cannot be read means "the whole table".
 */

/** An inclusive range of TimeGenerated in µs since the epoch (floored); undefined ends are open. */
export interface MicrosRange {
  lo?: number;
  hi?: number;
}

type Json = Record<string, unknown>;

const ALL: MicrosRange = {};

/** Ticks of 1970-01-01 since 0001-01-01 (kql/literals.ts). */
const EPOCH_TICKS = 621355968000000000n;

/** ⌊(ticks − epoch) / 10⌋: the µs since the epoch that the manifest's segment bounds are (floored). */
function microsOf(ticks: bigint): number {
  const t = ticks - EPOCH_TICKS;
  return Number(t >= 0n || t % 10n === 0n ? t / 10n : t / 10n - 1n);
}

/**
 * The exact integer of a plan constant: numbers past 2^53 arrive as strings (quoted by
 * `quoteLongConstants` before the plan is parsed), smaller ones as exact JSON numbers.
 */
function constantTicks(c: unknown): bigint | undefined {
  const v = c as { type?: { id?: string }; is_null?: boolean; value?: unknown };
  if (!v || v.is_null || v.type?.id !== 'BIGINT') return undefined;
  if (typeof v.value === 'number' && Number.isSafeInteger(v.value)) return BigInt(v.value);
  if (typeof v.value === 'string' && /^-?\d+$/.test(v.value)) return BigInt(v.value);
  return undefined;
}

/**
 * The µs range of TimeGenerated (stored as BIGINT ticks, kql/types.ts) that `TimeGenerated op c`
 * allows, c a BIGINT constant. Bounds are floored µs of the first and last tick allowed, as the
 * manifest's segment bounds are floored µs of their first and last rows: exact to the tick.
 */
function fromComparison(op: string, c: unknown, flipped = false): MicrosRange {
  const t = constantTicks(c);
  if (t === undefined) return ALL;
  const o = flipped ? ({ COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN', COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN', COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO', COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO' } as Record<string, string>)[op] ?? op : op;
  switch (o) {
    case 'COMPARE_EQUAL':
      return { lo: microsOf(t), hi: microsOf(t) };
    case 'COMPARE_GREATERTHAN':
      return { lo: microsOf(t + 1n) };
    case 'COMPARE_GREATERTHANOREQUALTO':
      return { lo: microsOf(t) };
    case 'COMPARE_LESSTHAN':
      return { hi: microsOf(t - 1n) };
    case 'COMPARE_LESSTHANOREQUALTO':
      return { hi: microsOf(t) };
    default:
      return ALL;
  }
}

/**
 * Plan JSON text with every constant `"value"` of 16 digits or more quoted, so that `JSON.parse`
 * keeps the ticks of a datetime bound exact (a double holds integers up to 2^53 only). Inside a JSON
 * string such text has escaped quotes, so it is never matched.
 */
export function quoteLongConstants(planJson: string): string {
  return planJson.replace(/"value":(-?\d{16,})(?=[,}\]])/g, '"value":"$1"');
}

/**
 * Plan JSON text with the non-finite double constants DuckDB writes bare (`"value":NaN`, e.g. the
 * compiler's `coalesce(avg(x), 'NaN')`), which are not JSON, quoted: unquoted, `JSON.parse` fails and
 * the whole plan is unread (no time pruning, no count from the manifest).
 */
export function quoteNonFiniteConstants(planJson: string): string {
  return planJson.replace(/"value":(-?(?:NaN|Infinity|inf|nan))(?=[,}\]])/g, '"value":"$1"');
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

function isTimeRef(e: Json | undefined): boolean {
  return e?.expression_class === 'BOUND_REF';
}

/** `x BETWEEN lower AND upper` (DuckDB merges two comparisons into one) as two bounds. */
function rangeOfBetween(e: Json): MicrosRange {
  const input = e.input as Json, lower = e.lower as Json, upper = e.upper as Json;
  const lowOp = e.lower_inclusive ? 'COMPARE_GREATERTHANOREQUALTO' : 'COMPARE_GREATERTHAN';
  const highOp = e.upper_inclusive ? 'COMPARE_LESSTHANOREQUALTO' : 'COMPARE_LESSTHAN';
  const bound = (op: string, c: Json): MicrosRange => {
    if (c?.expression_class !== 'BOUND_CONSTANT') return ALL;
    return isTimeRef(input) ? fromComparison(op, c.value) : ALL;
  };
  return intersect(bound(lowOp, lower), bound(highOp, upper));
}

/** The range a pushed-down table filter on TimeGenerated implies. */
export function rangeOfFilter(f: Json): MicrosRange {
  switch (f.filter_type) {
    case 'CONSTANT_COMPARISON':
      return fromComparison(String(f.comparison_type), f.constant);
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
      const vals = ((f.values as unknown[]) ?? []).map((v) => fromComparison('COMPARE_EQUAL', v));
      if (vals.length === 0 || vals.some((v) => v.lo === undefined)) return ALL;
      return vals.reduce(hull);
    }
    case 'EXPRESSION_FILTER': {
      const e = f.expr as Json;
      if (e?.expression_class === 'BOUND_BETWEEN') return rangeOfBetween(e);
      if (e?.expression_class !== 'BOUND_COMPARISON') return ALL;
      const l = e.left as Json;
      const r = e.right as Json;
      if (isTimeRef(l) && r?.expression_class === 'BOUND_CONSTANT') return fromComparison(String(e.type), r.value);
      if (isTimeRef(r) && l?.expression_class === 'BOUND_CONSTANT') return fromComparison(String(e.type), l.value, true);
      return ALL;
    }
    default:
      return ALL;
  }
}

/**
 * The range a pushed-down filter on TimeGenerated allows EXACTLY, or undefined when it is not one of
 * the exact forms: a constant comparison (<, <=, >, >=, =) or an AND of them. (`rangeOfFilter` may
 * widen — an OR becomes its hull — which is right for pruning, wrong for counting; see manifest-count.ts.)
 */
export function exactRangeOfFilter(f: Json): MicrosRange | undefined {
  switch (f.filter_type) {
    case 'CONSTANT_COMPARISON': {
      const op = String(f.comparison_type);
      if (!['COMPARE_EQUAL', 'COMPARE_GREATERTHAN', 'COMPARE_GREATERTHANOREQUALTO', 'COMPARE_LESSTHAN', 'COMPARE_LESSTHANOREQUALTO'].includes(op) || constantTicks(f.constant) === undefined) return undefined;
      return fromComparison(op, f.constant);
    }
    case 'CONJUNCTION_AND': {
      const kids = (f.child_filters as Json[]) ?? [];
      if (kids.length === 0) return undefined;
      let r: MicrosRange = ALL;
      for (const c of kids) {
        const k = exactRangeOfFilter(c);
        if (!k) return undefined;
        r = intersect(r, k);
      }
      return r;
    }
    default:
      return undefined;
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
