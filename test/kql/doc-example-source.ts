/**
 * The self-contained examples of the KQL reference docs: a ```kusto block followed by an **Output**
 * table. Read by the doc-example agreement report (doc-examples.ts) and the schema oracle
 * (schema-oracle.ts).
 */

export interface Example {
  file: string;
  query: string;
  columns: string[];
  rows: string[][];
}

export function splitRow(line: string): string[] {
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

/** Every ```kusto block of a page, with where it ends in the text. */
export function kustoBlocks(text: string): { query: string; end: number }[] {
  const out: { query: string; end: number }[] = [];
  // a fence closes only on a line of its own: a query may hold a ``` multi-line string literal
  const re = /```(?:kusto|kql)[^\n]*\n([\s\S]*?)\n[ \t>]*```[ \t]*(?=\n|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ query: m[1]!.trim(), end: re.lastIndex });
  return out;
}

export function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  for (const { query, end } of kustoBlocks(text)) {
    const after = text.slice(end, end + 6000);
    const next = after.search(/```(?:kusto|kql)/);
    const section = next >= 0 ? after.slice(0, next) : after;
    const out1 = section.search(/\*\*Output\*\*|#+ Output|Output:/i);
    if (out1 < 0) continue;
    const lines = section.slice(out1).split('\n');
    const start = lines.findIndex((l) => l.trim().startsWith('|'));
    if (start < 0) continue;
    const table: string[] = [];
    // a row may lack its leading pipe (`0123…|`, unicode-codepoints-to-string-function.md)
    for (let i = start; i < lines.length && (i === start || lines[i]!.includes('|')) && lines[i]!.trim() !== ''; i++) table.push(lines[i]!);
    if (table.length < 2 || !/^\|?\s*:?-{2,}/.test(table[1]!.trim())) continue;
    out.push({ file, query, columns: splitRow(table[0]!), rows: table.slice(2).map(splitRow) });
  }
  return out;
}
