/**
 * Doc-example agreement report (not a test): runs every self-contained example of the KQL reference
 * docs (a ```kusto block followed by an **Output** table, reading no stored table) through the
 * compiler and DuckDB, and compares the answer with the documented output, cell by cell.
 *
 *   node dist/test/kql/doc-examples.js [docs-folder] [--show N] [--file substring]
 *
 * Prints the agreement rate and the disagreements grouped by doc page. Column names are compared
 * only with DOCEX_NAMES=1 (the docs' headers are often hand-written). Row order matters only when
 * the query orders its rows. Examples whose compiled query reads a table (find, search, union *:
 * they would read the harness's tables, not the help cluster's) are left out of the figures, and so
 * are find/search over the database (no `in (…)`, or wildcards or database() in it) even when they
 * fail: the tables and columns they name are the help cluster's.
 *
 * What the comparison normalises, and nothing more (a different value never compares equal):
 * - markdown: `<br>` / `<br />` are line breaks; a cell's code span, bold and autolinks
 *   (`<https://…>`, `[url](url)`) lose their markup; runs of whitespace (markdown tables cannot show
 *   them, nor leading or trailing blanks, nor line breaks inside strings) compare as one space.
 * - numbers: equal to 15 significant digits (the docs' UI prints reals so) up to a relative 1e-12
 *   (evaluation order of long computations), or the docs' text is the value rounded to the decimals
 *   it shows; a real's NaN/±Infinity (text on the wire) matches
 *   `NaN`, `∞`, `-∞`, `inf`; a bool matches `true`/`false` or `1`/`0`.
 * - dynamic values and JSON text: both sides parsed and compared as values (key order, JSON
 *   whitespace and `118` vs `118.0` do not matter; numbers as above); the docs' quote-less forms
 *   (`[yes, no, yes]`, a bare `a` for the dynamic string "a") are read as the strings they show;
 *   a GeoJSON polygon ring listed from another vertex is the same ring (both compared from their
 *   smallest vertex, as the conformance cases' `approx` does).
 * - datetimes: as instants, the docs' `2024-01-01 10:00:00.0000000` equal to the wire's
 *   `2024-01-01T10:00:00.0000000Z`; timespans without trailing fraction zeros.
 * - null: an empty cell, `null`, `""` or `(null)`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ColumnSchema } from '../../src/kql/index.js';
import { examplesOf, type Example } from './doc-example-source.js';
import { canonicalGeo, openDb, runKql } from './harness.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: 'string' }, file: { type: 'string' } } });
const folder = positionals[0] ?? '/work/shared/reference/kql-docs/query';
const show = Number(values.show ?? 0) || 0;
const only = values.file;

/**
 * A docs cell as the text it stands for: markdown line breaks (`<br>`, `<br />`) are newlines,
 * code spans, bold and autolinks (`<https://…>`, `[url](url)`) lose their markup.
 */
function unquote(cellText: string): string {
  let c = cellText.replace(/<br\s*\/?>/gi, '\n').replace(/&nbsp;/g, ' ').trim();
  c = c.replace(/^`([\s\S]*)`$/, '$1').replace(/^\*\*([\s\S]*)\*\*$/, '$1');
  c = c.replace(/^<(https?:\/\/[^>\s]+)>$/, '$1');
  const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(c);
  if (link && link[1] === link[2]) c = link[1]!;
  return c.trim();
}

/** Markdown tables cannot show runs of spaces, line breaks or leading/trailing blanks. */
const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Two numbers agree when they are equal to 15 significant digits (the docs' UI prints reals so) up to
 * a relative 1e-12 (the last digits of a long floating-point computation depend on its order), or
 * when the docs' text is the value rounded to the decimals the docs show.
 */
function sameNumber(v: number, c: string): boolean {
  const n = Number(c.replace(/,/g, ''));
  if (c.trim() === '' || Number.isNaN(n)) return false;
  if (n === v) return true;
  if (Number(v.toPrecision(15)) === Number(n.toPrecision(15))) return true;
  // the last digits of a long floating-point computation (geodesics, iterations) depend on its order
  if (Math.abs(v - n) <= 1e-12 * Math.max(Math.abs(v), Math.abs(n))) return true;
  const digits = (c.split('.')[1] ?? '').replace(/e.*$/i, '').length;
  return !/e/i.test(c) && Math.abs(v - n) <= 0.5 * 10 ** -digits * (1 + 1e-9);
}

/**
 * The docs' text of a dynamic value: JSON, else JSON whose strings lost their quotes
 * (`[yes, no, yes]`), else a bare string (`a`, shown for the dynamic string "a").
 */
function parseDocsJson(c: string): unknown {
  try {
    return JSON.parse(c);
  } catch {
    // not strict JSON: try the docs' quote-less forms below
  }
  if (/^[[{]/.test(c)) {
    const quoted = c.replace(/"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.\- ]*[\w.]|[A-Za-z_]/g, (t) => (t.startsWith('"') || /^(true|false|null)$/.test(t) ? t : JSON.stringify(t)));
    try {
      return JSON.parse(quoted);
    } catch {
      return undefined;
    }
  }
  return c;
}

/** Deep equality of JSON values: numbers as sameNumber, object keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, String(b));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  if (typeof a === 'string' && typeof b === 'string') return a === b || collapse(a) === collapse(b);
  return a === b;
}

const NUMERIC = new Set(['long', 'int', 'real', 'decimal']);

function sameCell(value: unknown, cellText: string, type: string): boolean {
  let v = value;
  const c = unquote(cellText);
  if (v === null || v === undefined || v === '') return c === '' || c === 'null' || c === '""' || c === '(null)';
  if (typeof v === 'boolean') return c.toLowerCase() === String(v) || c === (v ? '1' : '0');
  if (typeof v === 'bigint') v = Number(v);
  // the wire writes a real's NaN and infinities as text
  if (NUMERIC.has(type) && typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v)) v = Number(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return c === 'NaN';
    if (!Number.isFinite(v)) return /^-?(inf|infinity|∞)$/i.test(c) && (v > 0) === !c.startsWith('-');
    return sameNumber(v, c);
  }
  if (type === 'dynamic' && typeof v === 'string') {
    // a dynamic cell travels as JSON text
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = v;
    }
    const docs = parseDocsJson(c);
    // a polygon ring listed from another vertex is the same ring: both start from their smallest vertex
    const geo = (x: unknown) => canonicalGeo(x as Parameters<typeof canonicalGeo>[0], 1e-9);
    return docs !== undefined && (sameJson(parsed, docs) || sameJson(geo(parsed), geo(docs)));
  }
  if (typeof v === 'object') {
    const docs = parseDocsJson(c);
    return docs !== undefined && sameJson(v, docs);
  }
  const s = String(v);
  if (/^[[{]/.test(s)) {
    try {
      const docs = parseDocsJson(c);
      if (docs !== undefined && typeof docs === 'object' && sameJson(JSON.parse(s), docs)) return true;
    } catch {
      // not JSON on one side: compared as text below
    }
  }
  if (s === c || collapse(s) === collapse(c) || collapse(s) === collapse(c.replace(/^"([\s\S]*)"$/, '$1'))) return true;
  // datetimes: the docs' UI writes them without 'T' and 'Z', and with or without fractions
  if (/^\d{4}-\d\d-\d\d[T ]/.test(s) && /^\d{4}-\d\d-\d\d/.test(c)) return instant(s) === instant(c);
  if (/^-?(\d+\.)?\d\d:\d\d:\d\d/.test(s)) return s.replace(/\.?0+$/, '') === c.replace(/\.?0+$/, '');
  return false;
}

function instant(s: string): string {
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(\.\d+)?)?\s*(Z|UTC)?$/.exec(s.trim());
  if (!m) return s;
  const time = (m[2] ?? '00:00:00').padEnd(8, ':00').slice(0, 8);
  const frac = (m[3] ?? '').slice(1).replace(/0+$/, '');
  return `${m[1]}T${time}${frac ? '.' + frac : ''}`;
}

const rowKey = (cells: string[]) => cells.join(' | ');
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));

async function main(): Promise<void> {
  const files = (readdirSync(folder, { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && (!only || f.includes(only)));
  const examples = files.flatMap((f) => examplesOf(f, readFileSync(join(folder, f), 'utf8')));
  const conn = await openDb();
  let agree = 0, differ = 0, failed = 0, skipped = 0;
  const problems: string[] = [];
  for (const ex of examples) {
    // find / search without `in (…)` read every table of the help cluster's database: their output
    // cannot be reproduced here (the harness's tables differ), whether they run or not
    if (readsDatabase(ex.query)) {
      skipped++;
      continue;
    }
    let result;
    try {
      result = await runKql(conn, ex.query);
    } catch (err) {
      const msg = (err as Error).message;
      // Examples over stored tables of the help cluster (StormEvents, …) cannot run here.
      if (/Failed to resolve table|not found|unknown table|could not be resolved/i.test(msg) && !/function/i.test(msg)) continue;
      failed++;
      problems.push(`${ex.file}: ERROR ${msg.slice(0, 200)}\n    ${ex.query.replace(/\n/g, '\n    ')}`);
      continue;
    }
    const ordered = isOrdered(ex.query);
    const got = result.rows.map((r) => r.map((v) => v));
    // An example that reads tables (find, search, union * over the help cluster's database) would
    // read the harness's own tables here: its documented output cannot be reproduced.
    if (result.compiled.tables.length > 0) {
      skipped++;
      continue;
    }
    const problem = compare(ex, result.columns, got, ordered);
    if (problem) {
      differ++;
      problems.push(`${ex.file}: ${problem}\n    ${ex.query.replace(/\n/g, '\n    ')}`);
    } else agree++;
  }
  const total = agree + differ + failed;
  console.log(`doc examples runnable here: ${total}; agree ${agree} (${((100 * agree) / total).toFixed(1)}%), differ ${differ}, fail ${failed} (not counted: ${skipped} that read the harness's tables or the help cluster's database)`);
  for (const p of problems.slice(0, show || problems.length)) console.log(`- ${p}`);
}

/** A find or search over the database's tables (no `in (…)` list, or a wildcard or database() in it). */
function readsDatabase(query: string): boolean {
  const text = query.replace(/\/\/[^\n]*/g, '');
  const m = /(?:^|[;\n])\s*(find|search)\b(?!\s*\()\s*(?:kind\s*=\s*\w+\s*)?(?:withsource\s*=\s*\w+\s*)?(in\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\))?/.exec(text);
  if (!m) return false;
  return m[2] === undefined || /\*|database\s*\(|cluster\s*\(/.test(m[3] ?? '');
}

/**
 * Whether the query's output rows come in a defined order: an ordering operator (sort, order, top,
 * serialize, range) that no later operator which does not keep order (summarize, distinct, join,
 * union, partition, count) follows.
 */
function isOrdered(query: string): boolean {
  const text = query.replace(/\/\/[^\n]*/g, '');
  let last = -1;
  for (const m of text.matchAll(/\b(sort|order|top|serialize|range)\b/g)) last = m.index!;
  if (last < 0) return false;
  if (/\|\s*(summarize|distinct|join|union|partition)\b/.test(text.slice(last))) return false;
  // a function body's operator (MyDistinct((range …)) with `T | distinct *`, user-defined-functions.md) runs
  // after the ordered input it is given
  return !/\{[^}]*\|\s*(summarize|distinct|join|union|partition)\b[^}]*\}/.test(text);
}

/** The docs write "no rows" as one empty row (`||`) with fewer cells than columns. */
function documentedRows(ex: Example): string[][] {
  const [only] = ex.rows;
  return ex.rows.length === 1 && only!.length < ex.columns.length && only!.every((c) => c === '') ? [] : ex.rows;
}

function compare(ex: Example, columns: ColumnSchema[], got: unknown[][], ordered: boolean): string | undefined {
  const names = columns.map((c) => c.name);
  const cols = ex.columns.map(unquote);
  if (cols.length !== names.length) return `columns: docs ${JSON.stringify(cols)}, got ${JSON.stringify(names)}`;
  if (process.env.DOCEX_NAMES && cols.some((c, i) => c !== names[i])) return `column names: docs ${JSON.stringify(cols)}, got ${JSON.stringify(names)}`;
  const rows = documentedRows(ex);
  if (rows.length !== got.length) return `rows: docs ${rows.length}, got ${got.length}: ${json(got.slice(0, 5))}`;
  const match = (g: unknown[], d: string[]) => g.every((v, i) => sameCell(v, d[i] ?? '', columns[i]!.type));
  if (ordered) {
    for (let i = 0; i < got.length; i++) if (!match(got[i]!, rows[i]!)) return `row ${i + 1}: docs ${JSON.stringify(rows[i])}, got ${json(got[i])}`;
    return undefined;
  }
  const left = [...rows];
  for (const g of got) {
    const k = left.findIndex((d) => match(g, d));
    if (k < 0) return `row not in docs: ${json(g)} (docs: ${JSON.stringify(left.slice(0, 3).map(rowKey))})`;
    left.splice(k, 1);
  }
  return undefined;
}

await main();
