/**
 * tdigest.ts — the state of tdigest()/tdigest_merge() (tdigest-aggregation-function.md) and its
 * percentiles (percentile-tdigest-function.md), as pure runtime functions.
 *
 * A state is Kusto's JSON layout `[[type], [value…], [weight…]]`: centroids with their weights.
 * Vigil keeps every distinct value as its own centroid (exact percentiles) up to MAX_CENTROIDS;
 * past that, neighbouring values merge into centroids of equal weight (their weighted mean), which
 * is what makes the structure a digest. Values are numbers: datetimes as µs since the epoch,
 * timespans as ticks; `type` tells which (7 = long/int as in the docs' example output; Vigil's own
 * tags for the others: 3 real, 5 datetime, 6 timespan).
 */
import { DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

const MAX_CENTROIDS = 10_000;

type Digest = [[number], number[], number[]];

function build(type: number, pairs: { v: number; w: number }[]): Digest {
  const byValue = new Map<number, number>();
  for (const { v, w } of pairs) if (Number.isFinite(v) && Number.isFinite(w) && w > 0) byValue.set(v, (byValue.get(v) ?? 0) + w);
  let centroids = [...byValue].sort((a, b) => a[0] - b[0]);
  if (centroids.length > MAX_CENTROIDS) {
    const total = centroids.reduce((s, c) => s + c[1], 0);
    const per = total / MAX_CENTROIDS;
    const merged: [number, number][] = [];
    let sum = 0, weight = 0;
    for (const [v, w] of centroids) {
      sum += v * w;
      weight += w;
      if (weight >= per) {
        merged.push([sum / weight, weight]);
        sum = 0;
        weight = 0;
      }
    }
    if (weight > 0) merged.push([sum / weight, weight]);
    centroids = merged;
  }
  return [[type], centroids.map((c) => c[0]), centroids.map((c) => c[1])];
}

function parse(text: string): Digest | null {
  try {
    const d = JSON.parse(text) as unknown;
    if (!Array.isArray(d) || d.length !== 3 || !Array.isArray(d[0]) || !Array.isArray(d[1]) || !Array.isArray(d[2])) return null;
    if (typeof d[0][0] !== 'number' || d[1].length !== d[2].length) return null;
    if (!(d[1] as unknown[]).every((x) => typeof x === 'number') || !(d[2] as unknown[]).every((x) => typeof x === 'number')) return null;
    return d as Digest;
  } catch {
    return null;
  }
}

/** Weighted nearest rank over the centroids: the smallest value whose cumulative weight reaches p% of the total. */
export function digestPercentile(d: Digest, p: number): number | null {
  const total = d[2].reduce((s, w) => s + w, 0);
  if (total <= 0 || !(p >= 0 && p <= 100)) return null;
  const rank = Math.max(Math.ceil((p / 100) * total), 1);
  let acc = 0;
  for (let i = 0; i < d[1].length; i++) {
    acc += d[2][i]!;
    if (acc >= rank) return d[1][i]!;
  }
  return d[1][d[1].length - 1] ?? null;
}

/** The number of values at or below `v` (the sum of the weights of the centroids ≤ v). */
export function digestRank(d: Digest, v: number): number {
  let rank = 0;
  for (let i = 0; i < d[1].length; i++) if (d[1][i]! <= v) rank += d[2][i]!;
  return rank;
}

/** A centroid value as Kusto shows it in a dynamic array: datetimes and timespans as text. */
function shown(type: number, v: number): number | string {
  if (type === 5) {
    const us = Math.trunc(v);
    const ms = Math.floor(us / 1000);
    const iso = new Date(ms).toISOString(); // …:ss.mmmZ
    return `${iso.slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}0Z`;
  }
  if (type === 6) {
    const ticks = Math.trunc(v), neg = ticks < 0, t = Math.abs(ticks);
    const days = Math.floor(t / 864e9), rest = t - days * 864e9;
    const h = Math.floor(rest / 36e9), m = Math.floor((rest % 36e9) / 6e8), sec = Math.floor((rest % 6e8) / 1e7), frac = rest % 1e7;
    const pad = (x: number) => String(x).padStart(2, '0');
    return `${neg ? '-' : ''}${days ? `${days}.` : ''}${pad(h)}:${pad(m)}:${pad(sec)}${frac ? `.${String(frac).padStart(7, '0')}` : ''}`;
  }
  return v;
}

export const TDIGEST_FUNCTIONS = [
  /** pairs: JSON [{v, w}, …] of one group */
  runtimeFunction('kql_tdigest', [VARCHAR, INTEGER], VARCHAR, (pairs: string, type: number) => {
    const list = JSON.parse(pairs) as { v: number | null; w: number | null }[];
    return JSON.stringify(build(type, list.filter((x) => x.v !== null).map((x) => ({ v: x.v!, w: x.w ?? 1 }))));
  }),
  /** digests: JSON [digest, …]; digests of different types cannot merge (null) */
  runtimeFunction('kql_tdigest_merge', [VARCHAR], VARCHAR, (digests: string) => {
    const list = (JSON.parse(digests) as unknown[]).filter((x) => x !== null).map((x) => parse(JSON.stringify(x)));
    if (list.length === 0 || list.some((d) => d === null)) return null;
    const type = list[0]![0][0];
    if (list.some((d) => d![0][0] !== type)) return null;
    return JSON.stringify(build(type, list.flatMap((d) => d![1].map((v, i) => ({ v, w: d![2][i]! })))));
  }),
  runtimeFunction('kql_tdigest_percentile', [VARCHAR, DOUBLE], DOUBLE, (digest: string, p: number) => {
    const d = parse(digest);
    return d ? digestPercentile(d, p) : null;
  }),
  runtimeFunction('kql_tdigest_percentiles', [VARCHAR, VARCHAR], VARCHAR, (digest: string, ps: string) => {
    const d = parse(digest);
    const list = JSON.parse(ps) as unknown;
    if (!d || !Array.isArray(list)) return null;
    return JSON.stringify(list.map((p) => {
      const v = typeof p === 'number' ? digestPercentile(d, p) : null;
      return v === null ? null : shown(d[0][0], v);
    }));
  }),
  runtimeFunction('kql_tdigest_rank', [VARCHAR, DOUBLE], DOUBLE, (digest: string, v: number) => {
    const d = parse(digest);
    return d ? digestRank(d, v) : null;
  }),
  runtimeFunction('kql_tdigest_percentrank', [VARCHAR, DOUBLE], DOUBLE, (digest: string, v: number) => {
    const d = parse(digest);
    const total = d ? d[2].reduce((a, w) => a + w, 0) : 0;
    return d && total > 0 ? (digestRank(d, v) * 100) / total : null;
  }),
  runtimeFunction('kql_tdigest_type', [VARCHAR], INTEGER, (digest: string) => parse(digest)?.[0][0] ?? null),
];
