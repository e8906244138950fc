/**
 * reduce.ts — the reduce operator (reduce-operator.md) as pure runtime functions: Vaarandi's SLCT
 * ("A Data Clustering Algorithm for Mining Patterns From Event Logs"), which the docs cite.
 *
 *  1. Each value splits into terms at the separator characters (default: every character that is
 *     not a letter or digit; `characters=` gives them instead). A term is known by its position.
 *  2. A (position, term) pair is frequent when it appears in more than threshold × rows values.
 *  3. A value's cluster candidate is the value with its non-frequent terms replaced by `*`
 *     (separators that are letters or digits next to a wildcard are part of it — `fooZ1` with
 *     characters="Z" is `foo*` — and wildcards then adjacent merge into one).
 *  4. Candidates supported by more than threshold × rows values are the clusters; the rest, and
 *     values with no frequent term, are `others` (whose representative is empty).
 * Output (aggregate): `[{"i": index, "p": pattern, "c": count, "r": representative}…]`, clusters by count
 * descending then first appearance, `others` last; the representative is a cluster's first value.
 * Output (kind=source): each value's pattern, as a JSON array in input order.
 */
import { DOUBLE, VARCHAR } from '@duckdb/node-api';
import { parseJsonArray, runtimeFunction } from './udf.js';

export const OTHERS = 'others';

interface Segment {
  text: string;
  term: boolean;
}

function isSeparatorOf(characters: string | null): (ch: string) => boolean {
  if (characters === null) return (ch) => !/[\p{L}\p{N}]/u.test(ch);
  const set = new Set(Array.from(characters));
  return (ch) => set.has(ch);
}

/** The value as alternating terms and separator runs. */
function segments(value: string, isSep: (ch: string) => boolean): Segment[] {
  const out: Segment[] = [];
  for (const ch of Array.from(value)) {
    const term = !isSep(ch);
    const last = out[out.length - 1];
    if (last && last.term === term) last.text += ch;
    else out.push({ text: ch, term });
  }
  return out;
}

const isAlnum = (s: string): boolean => /^[\p{L}\p{N}]+$/u.test(s);

/** The candidate of one value: non-frequent terms become `*`; null when no term is frequent. */
function candidate(segs: Segment[], frequent: (pos: number, term: string) => boolean): string | null {
  const parts: Segment[] = [];
  let pos = 0;
  let any = false;
  for (const s of segs) {
    if (!s.term) parts.push(s);
    else if (frequent(pos++, s.text)) {
      parts.push(s);
      any = true;
    } else parts.push({ text: '*', term: true });
  }
  if (!any) return null;
  // letter/digit separators next to a wildcard belong to it; then adjacent wildcards merge
  const kept = parts.filter((s, i) => s.term || !isAlnum(s.text) || (parts[i - 1]?.text !== '*' && parts[i + 1]?.text !== '*'));
  let pattern = '';
  let lastWild = false;
  for (const s of kept) {
    const wild = s.term && s.text === '*';
    if (!(wild && lastWild)) pattern += s.text;
    lastWild = wild;
  }
  return pattern;
}

/** Each value's pattern (OTHERS when it belongs to no cluster). */
export function reducePatterns(values: string[], threshold: number, characters: string | null): string[] {
  const isSep = isSeparatorOf(characters);
  const support = threshold * values.length;
  const split = values.map((v) => segments(v, isSep));
  const counts = new Map<string, number>();
  const pairKey = (pos: number, term: string) => `${pos}\u0000${term}`;
  for (const segs of split) {
    const seen = new Set<string>();
    let pos = 0;
    for (const s of segs) {
      if (!s.term) continue;
      const k = pairKey(pos++, s.text);
      if (seen.has(k)) continue;
      seen.add(k);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const frequent = (pos: number, term: string) => (counts.get(pairKey(pos, term)) ?? 0) > support;
  const candidates = split.map((segs) => candidate(segs, frequent));
  const candidateCounts = new Map<string, number>();
  for (const c of candidates) if (c !== null) candidateCounts.set(c, (candidateCounts.get(c) ?? 0) + 1);
  return candidates.map((c) => (c !== null && candidateCounts.get(c)! > support ? c : OTHERS));
}

export interface ReduceGroup {
  p: string;
  c: number;
  r: string;
}

/** The clusters with their counts and representatives, then `others` (if any value fell there). */
export function reduceGroups(values: string[], threshold: number, characters: string | null): ReduceGroup[] {
  const patterns = reducePatterns(values, threshold, characters);
  const groups = new Map<string, ReduceGroup>();
  patterns.forEach((p, i) => {
    const g = groups.get(p);
    if (g) g.c++;
    else groups.set(p, { p, c: 1, r: p === OTHERS ? '' : values[i]! });
  });
  const others = groups.get(OTHERS);
  groups.delete(OTHERS);
  const clusters = [...groups.values()].sort((a, b) => b.c - a.c);
  return others ? [...clusters, others] : clusters;
}

function readValues(json: string): string[] | null {
  const v = parseJsonArray(json);
  return v ? v.map((x) => (typeof x === 'string' ? x : x === null ? '' : String(x))) : null;
}

/** `characters` is '' for the default separators (the compiler passes the option's text otherwise). */
const chars = (c: string): string | null => (c === '' ? null : c);

export const REDUCE_FUNCTIONS = [
  runtimeFunction('kql_reduce', [VARCHAR, DOUBLE, VARCHAR], VARCHAR, (values: string, threshold: number, characters: string) => {
    const v = readValues(values);
    return v ? JSON.stringify(reduceGroups(v, threshold, chars(characters)).map((g, i) => ({ i, ...g }))) : null;
  }),
  runtimeFunction('kql_reduce_source', [VARCHAR, DOUBLE, VARCHAR], VARCHAR, (values: string, threshold: number, characters: string) => {
    const v = readValues(values);
    return v ? JSON.stringify(reducePatterns(v, threshold, chars(characters))) : null;
  }),
];
