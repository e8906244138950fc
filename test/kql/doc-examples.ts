/**
 * Doc-example agreement report (not a test): runs every self-contained example of the KQL reference
 * docs (a ```kusto block followed by an **Output** table, reading no stored table) through the
 * compiler and DuckDB, and compares the answer with the documented output, cell by cell.
 *
 *   node dist/test/kql/doc-examples.js [docs-folder] [--show N] [--file substring]
 *
 * Prints the agreement rate and the disagreements grouped by doc page. Cells compare loosely where
 * the docs print loosely: numbers to the digits the docs show, datetimes as instants, dynamic values
 * as JSON, row order only when the query orders its rows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, runKql } from './harness.js';

interface Example {
  file: string;
  query: string;
  columns: string[];
  rows: string[][];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: 'string' }, file: { type: 'string' } } });
const folder = positionals[0] ?? '/work/shared/reference/kql-docs/query';
const show = Number(values.show ?? 0) || 0;
const only = values.file;

function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\' && body[i + 1] === '|') { cur += '|'; i++; continue; }
    if (ch === '|') { cells.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  const re = /```(?:kusto|kql)[^\n]*\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const query = m[1]!.trim();
    const after = text.slice(re.lastIndex, re.lastIndex + 6000);
    const next = after.search(/```(?:kusto|kql)/);
    const section = next >= 0 ? after.slice(0, next) : after;
    const out1 = section.search(/\*\*Output\*\*|#+ Output|Output:/i);
    if (out1 < 0) continue;
    const lines = section.slice(out1).split('\n');
    const start = lines.findIndex((l) => l.trim().startsWith('|'));
    if (start < 0) continue;
    const table: string[] = [];
    for (let i = start; i < lines.length && lines[i]!.trim().startsWith('|'); i++) table.push(lines[i]!);
    if (table.length < 2 || !/^\|?\s*:?-{2,}/.test(table[1]!.trim())) continue;
    out.push({ file, query, columns: splitRow(table[0]!), rows: table.slice(2).map(splitRow) });
  }
  return out;
}

const unquote = (s: string) => s.replace(/<br\s*\/?>/g, ' ').trim().replace(/^`(.*)`$/, '$1').replace(/^\*\*(.*)\*\*$/, '$1');

function sameCell(value: unknown, cellText: string): boolean {
  let v = value;
  const c = unquote(cellText);
  if (v === null || v === undefined || v === '') return c === '' || c === 'null' || c === '""' || c === '(null)';
  if (typeof v === 'boolean') return c.toLowerCase() === String(v) || c === (v ? '1' : '0');
  if (typeof v === 'bigint') v = Number(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return c === 'NaN';
    if (!Number.isFinite(v)) return /^-?(inf|infinity|∞)$/i.test(c) && (v > 0) === !c.startsWith('-');
    const n = Number(c.replace(/,/g, ''));
    if (Number.isNaN(n)) return false;
    if (n === v) return true;
    const digits = (c.split('.')[1] ?? '').replace(/e.*$/i, '').length;
    if (Math.abs(v - n) <= 0.5 * 10 ** -digits + 1e-12) return true;
    return Math.abs(v - n) <= 1e-6 * Math.max(Math.abs(v), Math.abs(n));
  }
  if (typeof v === 'object') {
    try {
      return JSON.stringify(normalize(v)) === JSON.stringify(normalize(JSON.parse(c)));
    } catch {
      return false;
    }
  }
  const s = String(v);
  if (/^[[{]/.test(s)) {
    try {
      if (JSON.stringify(normalize(JSON.parse(s))) === JSON.stringify(normalize(JSON.parse(c)))) return true;
    } catch {
      // not JSON on one side: compared as text below
    }
  }
  if (s === c || s === c.replace(/^"(.*)"$/, '$1')) return true;
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

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, normalize(x)]));
  return v;
}

const rowKey = (cells: string[]) => cells.join(' | ');
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));

async function main(): Promise<void> {
  const files = (readdirSync(folder, { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && (!only || f.includes(only)));
  const examples = files.flatMap((f) => examplesOf(f, readFileSync(join(folder, f), 'utf8')));
  const conn = await openDb();
  let agree = 0, differ = 0, failed = 0;
  const problems: string[] = [];
  for (const ex of examples) {
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
    const ordered = /\b(sort|order|top|serialize|range)\b/.test(ex.query) && !/\bsummarize\b/.test(ex.query.split('\n').slice(-1)[0] ?? '');
    const got = result.rows.map((r) => r.map((v) => v));
    const problem = compare(ex, result.columns.map((c) => c.name), got, ordered);
    if (problem) {
      differ++;
      problems.push(`${ex.file}: ${problem}\n    ${ex.query.replace(/\n/g, '\n    ')}`);
    } else agree++;
  }
  const total = agree + differ + failed;
  console.log(`doc examples runnable here: ${total}; agree ${agree} (${((100 * agree) / total).toFixed(1)}%), differ ${differ}, fail ${failed}`);
  for (const p of problems.slice(0, show || problems.length)) console.log(`- ${p}`);
}

function compare(ex: Example, names: string[], got: unknown[][], ordered: boolean): string | undefined {
  const cols = ex.columns.map(unquote);
  if (cols.length !== names.length) return `columns: docs ${JSON.stringify(cols)}, got ${JSON.stringify(names)}`;
  if (ex.rows.length !== got.length) return `rows: docs ${ex.rows.length}, got ${got.length}: ${json(got.slice(0, 5))}`;
  const match = (g: unknown[], d: string[]) => g.every((v, i) => sameCell(v, d[i] ?? ''));
  if (ordered) {
    for (let i = 0; i < got.length; i++) if (!match(got[i]!, ex.rows[i]!)) return `row ${i + 1}: docs ${JSON.stringify(ex.rows[i])}, got ${json(got[i])}`;
    return undefined;
  }
  const left = [...ex.rows];
  for (const g of got) {
    const k = left.findIndex((d) => match(g, d));
    if (k < 0) return `row not in docs: ${json(g)} (docs: ${JSON.stringify(left.slice(0, 3).map(rowKey))})`;
    left.splice(k, 1);
  }
  return undefined;
}

await main();
