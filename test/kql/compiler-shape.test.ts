/**
 * The compiler's shape (issue #12): the binder produces a typed, bound tree and never SQL; one
 * emitter (emitter.ts and its per-operator modules under emit/) turns that tree into SQL; the
 * function catalogue (functions/) declares each entry's signature, type and emission together.
 *
 * This reads the compiler's sources: the binder's modules (src/kql/binder*.ts and any bind/
 * folder) may not import the SQL modules, directly or through the plan modules they use (only the
 * catalogue, which emits by design, is not followed), and hold no SQL text; no plan node carries
 * a function (the SQL-building closures of the old GenericPlan).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const KQL_DIR = fileURLToPath(new URL('../../../src/kql/', import.meta.url));

/** The modules that write SQL: the binder must not reach them. */
const SQL_MODULES = ['sql.ts', 'sqlexpr.ts', 'emitter.ts', 'datetime-sql.ts'];
const isSqlModule = (f: string) => SQL_MODULES.includes(f) || f.startsWith('emit/');
/** The function catalogue: each entry declares its emission, so its imports are not followed. */
const isCatalogue = (f: string) => f.startsWith('functions/');

/** Code without comments (whole comment lines, block comments and trailing `// …`). */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .map((l) => l.replace(/\s\/\/\s.*$/, ''))
    .join('\n');
}

/** The relative module specifiers a source imports or re-exports (static and dynamic), as files under src/kql/. */
function importsOf(file: string): string[] {
  const text = code(readFileSync(join(KQL_DIR, file), 'utf8'));
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(KQL_DIR, normalize(join(KQL_DIR, dirname(file), s.replace(/\.js$/, '.ts')))).split('\\').join('/'));
}

function binderModules(): string[] {
  const files = readdirSync(KQL_DIR, { recursive: true, encoding: 'utf8' }).map((f) => f.split('\\').join('/'));
  return files.filter((f) => f.endsWith('.ts') && (/^binder[^/]*\.ts$/.test(f) || f.startsWith('bind/')));
}

/** SQL in string or template text: statements, clauses and DuckDB functions the emitter writes. */
const SQL_TEXT = /\b(SELECT|FROM \(|WHERE |GROUP BY|ORDER BY|UNION ALL|QUALIFY|LATERAL|OVER \(|CASE WHEN|CAST\(|TRY_CAST|IS NOT DISTINCT)\b|\b(struct_pack|struct_extract|json_extract|json_type|regexp_extract|regexp_matches|list_transform|unnest|coalesce|any_value)\(/;

describe('the compiler keeps its stages apart', () => {
  it('the binder imports nothing that writes SQL, directly or through the plan modules', () => {
    const modules = binderModules();
    assert.ok(modules.includes('binder.ts'), `found the binder's sources in ${KQL_DIR}`);
    const bad: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string, path: string[]) => {
      for (const dep of importsOf(file)) {
        if (!existsSync(join(KQL_DIR, dep))) continue; // outside src/kql (type-only helpers) or not a module file
        if (isSqlModule(dep)) bad.push([...path, file, dep].join(' → '));
        else if (!isCatalogue(dep) && !seen.has(dep)) {
          seen.add(dep);
          visit(dep, [...path, file]);
        }
      }
    };
    for (const m of modules) visit(m, []);
    assert.ok(seen.has('planner.ts'), 'followed the binder into the planner');
    assert.deepEqual(bad, [], 'the binder must build plan nodes and bound expressions only; SQL belongs to the emitter (emit/) and the catalogue');
  });

  it('the binder holds no SQL text', () => {
    const found: string[] = [];
    for (const m of binderModules()) {
      code(readFileSync(join(KQL_DIR, m), 'utf8')).split('\n').forEach((line) => {
        if (SQL_TEXT.test(line)) found.push(`${m}: ${line.trim()}`);
      });
    }
    assert.deepEqual(found, []);
  });

  it('plan nodes carry bound expressions and plain data, never functions', () => {
    const found: string[] = [];
    const known: Record<string, string> = { 'planner.ts': 'FilterPlan', 'plan-operators.ts': 'ParsePlan', 'bound.ts': 'BoundCall' };
    for (const [file, example] of Object.entries(known)) {
      const text = code(readFileSync(join(KQL_DIR, file), 'utf8'));
      // multi-line bodies, and one-line ones (`export interface X extends Y { a: T; b: U }`)
      const bodies = [
        ...[...text.matchAll(/export interface (\w+)[^{\n]*\{\n([\s\S]*?)\n\}/g)].map((m) => ({ name: m[1]!, members: m[2]!.split('\n') })),
        ...[...text.matchAll(/export interface (\w+)[^{\n]*\{([^\n]*)\}\s*$/gm)].map((m) => ({ name: m[1]!, members: m[2]!.split(';') })),
      ];
      for (const { name, members } of bodies) {
        // the catalogue's entry interfaces (ScalarFunction, AggregateFunction) are functions by design
        if (file === 'bound.ts' && !name.startsWith('Bound')) continue;
        for (const member of members) if (/^\s*\w+\??\s*(\(|:\s*\(.*\)\s*=>)/.test(member)) found.push(`${file} ${name}: ${member.trim()}`);
      }
      assert.ok(bodies.some((b) => b.name === example), `read the node interfaces of ${file} (${example})`);
    }
    assert.deepEqual(found, []);
  });
});
