/**
 * patterns.ts — the pattern-mining plugins (basket-plugin.md, autocluster-plugin.md,
 * diffpatterns-plugin.md) as pure runtime functions.
 *
 * Input: the plugin's rows as JSON, `[{"w": weight, "d": [dimension values…]}, …]` (the compiler
 * collects them with to_json(list(…)), bounded by a row limit). A pattern is a set of items, an
 * item one dimension holding one value; null and empty-string values are never items (they are
 * the wildcards' defaults). Output: the patterns as JSON, `[{"r": row, "c": count, "p": percent,
 * "m": [dimension set?…]}, …]`, `r` the index of a row the pattern matches — the compiler takes
 * the pattern's values from that row, so they keep their column types exactly.
 *
 *   - basket: Apriori. Frequent itemsets (weight ratio ≥ threshold, at most MaxDimensions items),
 *     keeping the closed ones (an itemset is dropped when an itemset with one more item matches
 *     the same rows' weight: the docs' example lists {NO, 0} but not {NO}).
 *   - autocluster: Seed-Expand. Candidates are the closed frequent itemsets (threshold 0.015, the
 *     documented minimum); a pattern's score is the weighted geometric mean of its coverage (weight
 *     ratio) and its informativeness (set dimensions ÷ dimensions) with weights SizeWeight and
 *     1 − SizeWeight. Seeds are the NumSeeds best-scoring candidates; each expands greedily to the
 *     candidate with more items (a superset) that raises the score most, until none does; the distinct local
 *     optima are returned best first, dropping one that covers no row not already covered by a
 *     better one.
 *   - diffpatterns: the closed itemsets frequent (ratio ≥ threshold) in set A or in set B whose
 *     percentages differ by at least threshold×100 points, best difference first; a pattern is
 *     dropped when a more general returned pattern (a subset of its items) has a difference at
 *     least as large.
 * Kusto samples when choosing initial frequent values and does not publish its scoring, so results
 * near a threshold, and the segment order, can differ from Kusto's.
 */
import { DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { parseJsonArray, runtimeFunction } from './udf.js';

interface Row {
  w: number;
  items: number[];
}

interface Itemset {
  items: number[]; // item ids, ascending
  tids: number[]; // matching rows, ascending
  weight: number;
}

interface Pattern {
  r: number;
  c: number;
  p: number;
  m: boolean[];
}

interface Dataset {
  rows: Row[];
  dims: number;
  itemDim: number[]; // item id → dimension
  total: number;
}

/** Upper bound on the frequent itemsets one call may hold; past it the plugin fails (see TOO_MANY_PATTERNS). */
export const MAX_ITEMSETS = 10000;
/** The result that tells the compiled query to fail with the limit's message instead of returning patterns. */
export const TOO_MANY_PATTERNS = '"too many patterns"';

class TooManyPatterns extends Error {}

function parseRows(text: string): { w: number; d: unknown[] }[] | null {
  const v = parseJsonArray(text);
  if (!v) return null;
  const out: { w: number; d: unknown[] }[] = [];
  for (const r of v) {
    if (!r || typeof r !== 'object') return null;
    const o = r as { w?: unknown; d?: unknown };
    if (!Array.isArray(o.d)) return null;
    // a missing weight is 1; a null, non-finite or negative one counts as 0
    const w = typeof o.w === 'number' && Number.isFinite(o.w) ? Math.max(0, o.w) : o.w === undefined ? 1 : 0;
    out.push({ w, d: o.d });
  }
  return out;
}

/** Items of every row; `keep(row)` selects the rows taken into the dataset. */
function dataset(raw: { w: number; d: unknown[] }[]): Dataset {
  const ids = new Map<string, number>();
  const itemDim: number[] = [];
  const dims = raw.reduce((m, r) => Math.max(m, r.d.length), 0);
  const rows = raw.map((r) => {
    const items: number[] = [];
    r.d.forEach((x, dim) => {
      if (x === null || x === undefined || x === '') return;
      const key = `${dim}\u0000${JSON.stringify(x)}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = itemDim.length;
        ids.set(key, id);
        itemDim.push(dim);
      }
      items.push(id);
    });
    items.sort((a, b) => a - b);
    return { w: r.w, items };
  });
  return { rows, dims, itemDim, total: rows.reduce((s, r) => s + r.w, 0) };
}

const weightOf = (ds: Dataset, tids: number[]) => tids.reduce((s, t) => s + ds.rows[t]!.w, 0);

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}

/** Apriori: every itemset of at most maxDims items (one per dimension) that `frequent` accepts. */
function frequentItemsets(ds: Dataset, maxDims: number, frequent: (tids: number[]) => boolean): Itemset[] {
  const tidsOf = new Map<number, number[]>();
  ds.rows.forEach((r, t) => {
    for (const i of r.items) {
      let l = tidsOf.get(i);
      if (!l) tidsOf.set(i, (l = []));
      l.push(t);
    }
  });
  let level: Itemset[] = [...tidsOf].filter(([, tids]) => frequent(tids)).map(([i, tids]) => ({ items: [i], tids, weight: weightOf(ds, tids) }));
  level.sort((a, b) => a.items[0]! - b.items[0]!);
  const all: Itemset[] = [...level];
  if (all.length > MAX_ITEMSETS) throw new TooManyPatterns();
  for (let k = 2; k <= maxDims && level.length > 1; k++) {
    const next: Itemset[] = [];
    const known = new Set(level.map((s) => s.items.join(',')));
    for (let a = 0; a < level.length; a++) {
      for (let b = a + 1; b < level.length; b++) {
        const x = level[a]!.items;
        const y = level[b]!.items;
        if (!x.slice(0, -1).every((v, i) => v === y[i])) break; // sorted: prefixes stop matching
        const last = y[y.length - 1]!;
        if (x.some((i) => ds.itemDim[i] === ds.itemDim[last])) continue;
        const items = [...x, last];
        // Apriori pruning: every (k−1)-subset must be frequent
        if (!items.every((_, drop) => known.has(items.filter((__, i) => i !== drop).join(',')))) continue;
        const tids = intersect(level[a]!.tids, level[b]!.tids);
        if (!frequent(tids)) continue;
        next.push({ items, tids, weight: weightOf(ds, tids) });
        if (all.length + next.length > MAX_ITEMSETS) throw new TooManyPatterns();
      }
    }
    all.push(...next);
    level = next;
  }
  return all;
}

/** Drops an itemset when an itemset with one more item matches rows of the same weight. */
function closed(sets: Itemset[]): Itemset[] {
  const weightByKey = new Map(sets.map((s) => [s.items.join(','), s.weight]));
  const absorbed = new Set<string>();
  for (const s of sets) {
    for (let drop = 0; drop < s.items.length && s.items.length > 1; drop++) {
      const sub = s.items.filter((_, i) => i !== drop).join(',');
      if (weightByKey.get(sub) === s.weight) absorbed.add(sub);
    }
  }
  return sets.filter((s) => !absorbed.has(s.items.join(',')));
}

function mask(ds: Dataset, items: number[]): boolean[] {
  const m = new Array<boolean>(ds.dims).fill(false);
  for (const i of items) m[ds.itemDim[i]!] = true;
  return m;
}

const byWeight = (a: Itemset, b: Itemset) => b.weight - a.weight || a.items.length - b.items.length || a.tids[0]! - b.tids[0]!;

export function basket(rowsJson: string, threshold: number, maxDims: number): Pattern[] | null {
  const raw = parseRows(rowsJson);
  if (!raw) return null;
  const ds = dataset(raw);
  if (ds.total <= 0) return [];
  const sets = closed(frequentItemsets(ds, Math.max(1, maxDims), (tids) => weightOf(ds, tids) >= threshold * ds.total)).sort(byWeight);
  return sets.map((s) => ({ r: s.tids[0]!, c: s.weight, p: (100 * s.weight) / ds.total, m: mask(ds, s.items) }));
}

export function autocluster(rowsJson: string, sizeWeight: number, numSeeds: number): Pattern[] | null {
  const raw = parseRows(rowsJson);
  if (!raw) return null;
  const ds = dataset(raw);
  if (ds.total <= 0 || ds.dims === 0) return [];
  const candidates = closed(frequentItemsets(ds, ds.dims, (tids) => weightOf(ds, tids) >= 0.015 * ds.total));
  const score = (s: Itemset) => Math.pow(s.weight / ds.total, sizeWeight) * Math.pow(s.items.length / ds.dims, 1 - sizeWeight);
  const byKey = new Map(candidates.map((s) => [s.items.join(','), s]));
  const seeds = [...candidates].sort((a, b) => score(b) - score(a) || byWeight(a, b)).slice(0, Math.max(1, numSeeds));
  const optima = new Map<string, Itemset>();
  for (const seed of seeds) {
    let cur = seed;
    for (;;) {
      let best: Itemset | undefined;
      for (const c of candidates) {
        if (c.items.length <= cur.items.length || !cur.items.every((i) => c.items.includes(i))) continue;
        if (score(c) > score(best ?? cur)) best = c;
      }
      if (!best) break;
      cur = best;
    }
    optima.set(cur.items.join(','), byKey.get(cur.items.join(','))!);
  }
  const ranked = [...optima.values()].sort((a, b) => score(b) - score(a) || byWeight(a, b));
  const covered = new Set<number>();
  const out: Pattern[] = [];
  for (const s of ranked) {
    if (s.tids.every((t) => covered.has(t))) continue;
    for (const t of s.tids) covered.add(t);
    out.push({ r: s.tids[0]!, c: s.weight, p: (100 * s.weight) / ds.total, m: mask(ds, s.items) });
  }
  return out;
}

export interface DiffPattern {
  r: number;
  ca: number;
  cb: number;
  pa: number;
  pb: number;
  m: boolean[];
}

/** `side` per row: 0 = set A, 1 = set B (rows of neither are not passed). */
export function diffpatterns(rowsJson: string, threshold: number, maxDims: number): DiffPattern[] | null {
  const raw = parseRows(rowsJson);
  if (!raw) return null;
  // the first dimension is the side (0 = A, 1 = B); the others are the pattern's dimensions
  const side = raw.map((r) => (r.d[0] === 1 ? 1 : 0));
  const ds = dataset(raw.map((r) => ({ w: r.w, d: r.d.slice(1) })));
  const totalA = ds.rows.reduce((s, r, t) => s + (side[t] === 0 ? r.w : 0), 0);
  const totalB = ds.total - totalA;
  if (totalA <= 0 || totalB <= 0) return [];
  const pct = (tids: number[]) => {
    let a = 0;
    let b = 0;
    for (const t of tids) {
      if (side[t] === 0) a += ds.rows[t]!.w;
      else b += ds.rows[t]!.w;
    }
    return { a, b, pa: (100 * a) / totalA, pb: (100 * b) / totalB };
  };
  const frequent = (tids: number[]) => {
    const p = pct(tids);
    return p.pa >= threshold * 100 || p.pb >= threshold * 100;
  };
  const sets = closed(frequentItemsets(ds, maxDims > 0 ? maxDims : ds.dims, frequent))
    .map((s) => ({ s, p: pct(s.tids) }))
    .map((x) => ({ ...x, diff: Math.abs(x.p.pa - x.p.pb) }))
    .filter((x) => x.diff >= threshold * 100)
    .sort((x, y) => y.diff - x.diff || byWeight(x.s, y.s));
  const kept: typeof sets = [];
  for (const x of sets) {
    if (kept.some((k) => k.diff >= x.diff && k.s.items.every((i) => x.s.items.includes(i)))) continue;
    kept.push(x);
  }
  return kept.map(({ s, p }) => ({ r: s.tids[0]!, ca: p.a, cb: p.b, pa: p.pa, pb: p.pb, m: mask(ds, s.items) }));
}

/** The JSON result of a plugin: its patterns numbered, null for unreadable input, or TOO_MANY_PATTERNS. */
function result(mine: () => object[] | null): string | null {
  try {
    const r = mine();
    return r ? JSON.stringify(r.map((x, i) => ({ i, ...x }))) : null;
  } catch (err) {
    if (err instanceof TooManyPatterns) return TOO_MANY_PATTERNS;
    throw err;
  }
}

export const PATTERN_FUNCTIONS = [
  runtimeFunction('kql_basket', [VARCHAR, DOUBLE, INTEGER], VARCHAR, (rows: string, threshold: number, maxDims: number) => result(() => basket(rows, threshold, maxDims))),
  runtimeFunction('kql_autocluster', [VARCHAR, DOUBLE, INTEGER], VARCHAR, (rows: string, sizeWeight: number, numSeeds: number) => result(() => autocluster(rows, sizeWeight, numSeeds))),
  runtimeFunction('kql_diffpatterns', [VARCHAR, DOUBLE, INTEGER], VARCHAR, (rows: string, threshold: number, maxDims: number) => result(() => diffpatterns(rows, threshold, maxDims))),
];
