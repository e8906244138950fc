/**
 * Answer checking for the benchmarks: before anything is timed, Vigil's answer and the baseline's
 * must agree on the compared columns — instants as Kusto's ISO text, JSON re-serialised, numbers
 * equal within a relative 1e-9 (sums and averages add in another order across segments, and
 * floating-point addition is not associative), rows in order or as a multiset.
 */
import { DuckDBTimestampValue } from '@duckdb/node-api';
import { formatDatetimeTicks, ticksFromUnixMicros } from '../src/kql/literals.js';

export interface Answer {
  columns: string[];
  rows: unknown[][];
}

export interface Comparison {
  name: string;
  /** Columns compared (by name, on both sides). */
  compare: string[];
  /** Rows compared in order (the query orders them) or as a multiset. */
  ordered?: boolean;
  /**
   * Compared columns of Kusto type string: Kusto has no null string (an answer gives a stored null
   * as ""), so a null on either side is compared as "".
   */
  strings?: string[];
}

/** A cell in the form both sides agree on. */
export function canonCell(v: unknown): string | number {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v instanceof Date) return formatDatetimeTicks(ticksFromUnixMicros(BigInt(v.getTime()) * 1000n));
  if (v instanceof DuckDBTimestampValue) return formatDatetimeTicks(ticksFromUnixMicros(v.micros));
  // A dynamic value the SDK has parsed (DuckDB gives a JSON column as its text, handled below).
  if (typeof v === 'object' && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) return JSON.stringify(v);
  if (typeof v === 'string') {
    if (/^[[{]/.test(v)) {
      try {
        return JSON.stringify(JSON.parse(v));
      } catch {
        /* plain text */
      }
    }
    return v;
  }
  return String(v);
}

function sameCell(a: string | number, b: string | number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

function projectRows(a: Answer, c: Comparison, side: string): (string | number)[][] {
  const idx = c.compare.map((name) => {
    const i = a.columns.indexOf(name);
    if (i < 0) throw new Error(`${c.name}: column '${name}' missing from the ${side} answer [${a.columns.join(', ')}]`);
    return i;
  });
  const asString = c.compare.map((name) => c.strings?.includes(name) ?? false);
  const rows = a.rows.map((r) => idx.map((i, k) => (asString[k] && (r[i] === null || r[i] === undefined) ? '' : canonCell(r[i]))));
  if (!c.ordered) {
    const key = (x: unknown[]) => JSON.stringify(x);
    rows.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  }
  return rows;
}

/** Undefined when the answers agree, else the first difference. */
export function answerDifference(mine: Answer, baseline: Answer, c: Comparison, sides: [string, string] = ['Vigil', 'DuckDB']): string | undefined {
  const a = projectRows(mine, c, sides[0]);
  const b = projectRows(baseline, c, sides[1]);
  if (a.length !== b.length) return `${sides[0]} returned ${a.length} rows, ${sides[1]} ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!a[i]!.every((x, k) => sameCell(x, b[i]![k]!))) return `row ${i}: ${sides[0]} ${JSON.stringify(a[i])} vs ${sides[1]} ${JSON.stringify(b[i])}`;
  }
  return undefined;
}
