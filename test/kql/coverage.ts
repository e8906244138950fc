/**
 * Function coverage report (not a test): compares the function catalog (src/kql/functions/)
 * with the function list of Microsoft's KQL reference.
 *
 *   node dist/test/kql/coverage.js [docs-folder]      (default /work/shared/reference/kql-docs/query)
 *
 * The catalog is read from toc.yml (sections "Scalar functions", "Aggregation functions",
 * "Time series analysis", "Window functions", "Geospatial", "Special functions"); without toc.yml
 * the *-function.md / *-aggregation-function.md file names are used.  A missing folder is reported
 * and only the implemented names are listed.
 *
 * Whether a name is supported is asked of the real compiler, not of a list: some functions live in
 * the catalogue, others in the binder (arg_max, window functions, toscalar, table, column_ifexists …).
 * Each name is compiled in a few one-line probes — as a scalar (`print f()`), as an aggregate
 * (`summarize f()`) and as a tabular expression (`f()`) — without arguments: a known function fails
 * on its arguments or its context, an unknown one with "Unknown function". A function Vigil refuses
 * on purpose (an error that says it is not supported, and why) is counted apart as "refused".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, KqlError, type TableResolver } from '../../src/kql/index.js';
import { AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS } from '../../src/kql/functions/index.js';
import { kustoLanguage } from './kusto-language.js';

const folder = process.argv[2] ?? '/work/shared/reference/kql-docs/query';

function fromToc(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const top = /^ {2}- name: (.*)$/.exec(line);
    if (top) { section = top[1]!.trim(); continue; }
    const fn = /^\s+- name: "?([A-Za-z0-9_]+)\(\)/.exec(line);
    if (fn) {
      const list = sections.get(section) ?? [];
      if (!list.includes(fn[1]!)) list.push(fn[1]!);
      sections.set(section, list);
    }
  }
  return sections;
}

function fromFiles(files: string[]): Map<string, string[]> {
  const agg = files.filter((f) => f.endsWith('-aggregation-function.md')).map((f) => f.replace(/-aggregation-function\.md$/, '').replace(/-/g, '_'));
  const scalar = files.filter((f) => f.endsWith('-function.md') && !f.endsWith('-aggregation-function.md')).map((f) => f.replace(/-function\.md$/, '').replace(/-/g, '_'));
  return new Map([['Scalar functions', scalar], ['Aggregation functions', agg]]);
}

const NO_TABLES: TableResolver = { resolveTable: () => undefined };

type Support = 'supported' | 'refused' | 'missing';

/** What the compiler says of `name` in each probe form. */
function probe(name: string): Support {
  const forms = [`print ${name}()`, `print x=1 | summarize ${name}()`, `${name}()`];
  let refused = false;
  for (const q of forms) {
    try {
      compile(q, NO_TABLES, { now: new Date(0) });
      return 'supported';
    } catch (err) {
      if (!(err instanceof KqlError)) return 'supported'; // not a compile-time "unknown" (e.g. the resolver)
      if (err.message.includes(`Unknown function: '${name}'`)) continue;
      // the tabular form of a scalar function says it is one: that form tells nothing
      if (err.message.includes(`'${name}' is a scalar function and a query must return a table`)) continue;
      if (/is not supported/i.test(err.message) && err.message.includes(name)) { refused = true; continue; }
      return 'supported';
    }
  }
  return refused ? 'refused' : 'missing';
}

interface KustoSymbol { Name: string; IsHidden?: boolean; IsObsolete?: boolean }

/** Kusto.Language's function and aggregate catalogues. */
function kustoLanguageCatalogue(): { functions: KustoSymbol[]; aggregates: KustoSymbol[] } {
  const K = kustoLanguage();
  const items = (list: Record<string, KustoSymbol>) => Object.keys(list).filter((k) => /^\d+$/.test(k)).map((k) => list[k]!);
  return { functions: items(K.Functions.All), aggregates: items(K.Aggregates.All) };
}

function kustoLanguageCoverage(): void {
  const { functions, aggregates } = kustoLanguageCatalogue();
  for (const [title, list] of [['Kusto.Language Functions.All', functions], ['Kusto.Language Aggregates.All', aggregates]] as const) {
    const visible = list.filter((s) => !s.IsHidden && !s.IsObsolete);
    const names = [...new Set(visible.map((s) => String(s.Name)))];
    const support = new Map(names.map((f) => [f, probe(f)]));
    const ok = names.filter((f) => support.get(f) === 'supported');
    const refused = names.filter((f) => support.get(f) === 'refused');
    const missing = names.filter((f) => support.get(f) === 'missing');
    console.log(`\n${title}: ${ok.length}/${names.length} (${((100 * ok.length) / names.length).toFixed(1)}%) — the entries neither hidden nor obsolete (${list.length} in all)`);
    if (refused.length) console.log(`  refused with a reason: ${refused.join(', ')}`);
    if (missing.length) console.log(`  missing: ${missing.join(', ')}`);
  }
}

function main(): void {
  const implementedScalars = new Set(SCALAR_FUNCTIONS.keys());
  const implementedAggs = new Set(AGGREGATE_FUNCTIONS.keys());
  console.log(`catalogue: ${implementedScalars.size} scalar functions, ${implementedAggs.size} aggregates (including aliases); support is probed through the compiler`);
  if (!existsSync(folder)) {
    console.log(`reference folder not found: ${folder} — no coverage computed`);
    return;
  }
  const toc = join(folder, 'toc.yml');
  const sections = existsSync(toc) ? fromToc(readFileSync(toc, 'utf8')) : fromFiles(readdirSync(folder));
  const wanted = ['Scalar functions', 'Aggregation functions', 'Time series analysis', 'Window functions', 'Geospatial', 'Special functions'];
  let total = 0, done = 0;
  for (const name of wanted) {
    const fns = sections.get(name);
    if (!fns) continue;
    const support = new Map(fns.map((f) => [f, probe(f)]));
    const ok = fns.filter((f) => support.get(f) === 'supported');
    const refused = fns.filter((f) => support.get(f) === 'refused');
    const missing = fns.filter((f) => support.get(f) === 'missing');
    total += fns.length;
    done += ok.length;
    console.log(`\n${name}: ${ok.length}/${fns.length} (${((100 * ok.length) / fns.length).toFixed(1)}%)`);
    if (refused.length) console.log(`  refused with a reason: ${refused.join(', ')}`);
    if (missing.length) console.log(`  missing: ${missing.join(', ')}`);
  }
  const extra = [...implementedScalars, ...implementedAggs].filter((f) => ![...sections.values()].some((l) => l.includes(f)));
  console.log(`\nall listed functions: ${done}/${total} (${((100 * done) / Math.max(total, 1)).toFixed(1)}%)`);
  console.log(`implemented but not in the reference list (aliases, operators-as-functions): ${extra.length}`);
  kustoLanguageCoverage();
}

main();
