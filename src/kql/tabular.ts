/**
 * tabular.ts — plan constructors for the tabular operators that don't map onto the relational
 * core of planner.ts: union, join, lookup and mv-expand.  They decide the output schema (union
 * column placement, join column renaming) and build the typed nodes of plan-operators.ts; the
 * SQL is written by the emitter (emit/union.ts, emit/join.ts, emit/mv-expand.ts).
 */
import * as P from './planner.js';
import type { BoundExpr } from './bound.js';
import type { ColumnSchema, KqlType } from './types.js';

export type { JoinKind, MvItem } from './plan-operators.js';

// ───────────── union ─────────────

export interface UnionLegPlan {
  plan: P.PlanNode;
  /** value of the withsource column */
  source: string;
}

/**
 * Output schema of a union: kind=outer keeps every column (a name seen with several types
 * becomes name_type for each type, de-duplicated against real names); kind=inner keeps the
 * columns (name and type) common to all legs.
 */
export function unionSchema(legs: P.PlanNode[], kind: 'inner' | 'outer'): { schema: ColumnSchema[]; keys: string[] } {
  const entries: { name: string; type: KqlType }[] = [];
  const key = (n: string, t: KqlType) => `${t}\u0000${n}`;
  const seen = new Set<string>();
  for (const l of legs) {
    for (const c of l.schema) {
      const k = key(c.name, c.type);
      if (!seen.has(k)) {
        seen.add(k);
        entries.push({ name: c.name, type: c.type });
      }
    }
  }
  let kept = entries;
  if (kind === 'inner') kept = entries.filter((e) => legs.every((l) => l.schema.some((c) => c.name === e.name && c.type === e.type)));
  const typesByName = new Map<string, number>();
  for (const e of kept) typesByName.set(e.name, (typesByName.get(e.name) ?? 0) + 1);
  const used = new Set<string>(kept.filter((e) => typesByName.get(e.name) === 1).map((e) => e.name));
  const schema = kept.map((e) => {
    if (typesByName.get(e.name) === 1) return { name: e.name, type: e.type };
    const base = `${e.name}_${e.type}`;
    let n = base;
    for (let i = 1; used.has(n); i++) n = `${base}${i}`;
    used.add(n);
    return { name: n, type: e.type };
  });
  return { schema, keys: kept.map((e) => key(e.name, e.type)) };
}

export function unionPlan(legs: UnionLegPlan[], kind: 'inner' | 'outer', withsource: string | undefined): P.UnionPlan {
  const { schema, keys } = unionSchema(legs.map((l) => l.plan), kind);
  const out: ColumnSchema[] = withsource !== undefined ? [{ name: withsource, type: 'string' }, ...schema] : schema;
  // make the withsource column name unique against the others
  if (withsource !== undefined && schema.some((c) => c.name === withsource)) {
    let n = withsource;
    for (let i = 1; schema.some((c) => c.name === n); i++) n = `${withsource}${i}`;
    out[0] = { name: n, type: 'string' };
  }
  const columnMaps = legs.map((l) => keys.map((k) => l.plan.schema.findIndex((c) => `${c.type}\u0000${c.name}` === k)));
  const node: P.UnionPlan = { kind: 'union', inputs: legs.map((l) => l.plan), schema: out, columnMaps };
  if (withsource !== undefined) node.sources = legs.map((l) => l.source);
  return node;
}

// ───────────── join / lookup ─────────────

/** `base`, `base1`, `base2`, … — the first not in `used`. */
export function uniqueName(base: string, used: Set<string>): string {
  let n = base;
  for (let i = 1; used.has(n); i++) n = `${base}${i}`;
  used.add(n);
  return n;
}

export function joinPlan(left: P.PlanNode, right: P.PlanNode, kind: P.JoinKind, keys: P.JoinKey[]): P.JoinPlan {
  const used = new Set<string>();
  const leftCols = left.schema.map((c) => ({ name: uniqueName(c.name, used), type: c.type }));
  let schema: ColumnSchema[];
  if (kind === 'leftsemi' || kind === 'leftanti') schema = left.schema.slice();
  else if (kind === 'rightsemi' || kind === 'rightanti') schema = right.schema.slice();
  else schema = [...leftCols, ...right.schema.map((c) => ({ name: uniqueName(c.name, used), type: c.type }))];
  return { kind: 'join', left, right, joinKind: kind, keys, schema, serialized: false };
}

/** lookup: left columns, then right columns except the right keys; leftouter or inner. */
export function lookupPlan(left: P.PlanNode, right: P.PlanNode, kind: 'leftouter' | 'inner', keys: P.JoinKey[]): P.LookupPlan {
  const used = new Set<string>(left.schema.map((c) => c.name));
  const rightColumns = right.schema.map((_, i) => i).filter((i) => !keys.some((k) => k.r === i));
  const schema = [...left.schema, ...rightColumns.map((i) => ({ name: uniqueName(right.schema[i]!.name, used), type: right.schema[i]!.type }))];
  return { kind: 'lookup', left, right, lookupKind: kind, keys, rightColumns, schema, serialized: P.isSerialized(left) };
}

// ───────────── mv-expand ─────────────

export function mvExpandPlan(
  input: P.PlanNode, items: P.MvItem[], schema: ColumnSchema[], bagKind: 'bag' | 'array',
  itemIndex: number | undefined, limit: BoundExpr | undefined,
): P.MvExpandPlan {
  const node: P.MvExpandPlan = { kind: 'mvExpand', input, items, bagKind, schema, serialized: false };
  if (itemIndex !== undefined) node.itemIndex = itemIndex;
  if (limit !== undefined) node.limit = limit;
  return node;
}

// ───────────── parse ─────────────

/** Number of capturing groups in an RE2 pattern (used to skip groups of user regexes in parse kind=regex). */
export function countGroups(re: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (re[i + 1] === ']') i++;
      continue;
    }
    if (c === '(') {
      if (re[i + 1] !== '?') n++;
      else if (re[i + 2] === 'P' && re[i + 3] === '<') n++;
      else if (re[i + 2] === '<' && re[i + 3] !== '=' && re[i + 3] !== '!') n++;
    }
  }
  return n;
}
