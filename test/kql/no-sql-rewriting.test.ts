/**
 * SQL is produced once, from the bound tree, by builders (issue #11): nothing in the compiler may
 * pattern-match or splice SQL text after it is generated — the pivot and countif injections were
 * exactly that. This lint reads the compiler's sources and fails on any text-rewriting call
 * (`.replace`, `.replaceAll`, `.match`, `.matchAll`, `new RegExp`) in the modules that build SQL,
 * except the few listed below, each on a name or a literal value before it is escaped. Escaping
 * itself lives in one module, src/kql/sql.ts; the lexer, parser, literal and obfuscation modules
 * work on query text before any SQL exists.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const KQL_DIR = fileURLToPath(new URL('../../../src/kql/', import.meta.url));

/** Modules that never hold generated SQL; runtime/ computes values in JavaScript inside DuckDB and never sees SQL text. */
const BEFORE_SQL = new Set(['sql.ts', 'lexer.ts', 'parser.ts', 'literals.ts', 'obfuscate.ts', 'errors.ts', 'ast.ts', 'regex.ts']);
const beforeSql = (f: string) => BEFORE_SQL.has(f) || f.startsWith('runtime/');

/** Allowed occurrences: [file, exact code fragment, why it is not SQL]. */
const ALLOWED: [string, string, string][] = [
  ['wildcards.ts', "const re = new RegExp('^' + pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')).join('.*') + '$');", 'a KQL name pattern matched against table and column names in JavaScript'],
  ['bind/summarize.ts', "const name = p.pattern.replace(/\\\\\\*/g, '*');", 'a column name pattern (the escaped star of a literal name)'],
  ['functions/aggregates.ts', "return `percentile_${expressionResultName(args[0]) ?? ''}_${p.replace('.', '_')}`;", 'an output column name'],
  ['functions/aggregates.ts', "const p = args[1]?.k === 'lit' ? String(args[1].value).replace('.', '_') : '';", 'an output column name'],
];

const REWRITING = /\.(replace|replaceAll|match|matchAll)\(|new RegExp\(/;

describe('the KQL compiler never rewrites generated SQL', () => {
  it('has no text-rewriting call in the modules that build SQL, but the listed ones on names and values', () => {
    const found: string[] = [];
    const used = new Set<string>();
    const files = readdirSync(KQL_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !beforeSql(f));
    assert.ok(files.includes('binder.ts') && files.includes('functions/index.ts') && files.includes('emitter.ts'), `read the compiler's sources in ${KQL_DIR}`);
    for (const file of files) {
      readFileSync(KQL_DIR + file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.trim();
          if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*') || !REWRITING.test(code)) return;
          const allowed = ALLOWED.find(([f, fragment]) => f === file && code === fragment);
          if (allowed) used.add(allowed[1]);
          else found.push(`${file}:${i + 1}: ${code}`);
        });
    }
    assert.deepEqual(found, [], 'generated SQL must not be rewritten: build it from the bound tree (or add a name/value-only use to ALLOWED with the reason)');
    assert.deepEqual(ALLOWED.filter(([, fragment]) => !used.has(fragment)).map(([f, fragment]) => `${f}: ${fragment}`), [], 'an allowed occurrence no longer exists: remove it from ALLOWED');
  });
});
