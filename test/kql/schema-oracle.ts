/**
 * Schema oracle report (not a test): the column names and types of Vigil's answers against those
 * Kusto's own semantic analyser (Kusto.Language, the `@kusto/language-service-next` package the portal's
 * editor already ships) computes for the same query. Kusto.Language is Microsoft's implementation of
 * KQL's binding rules: its result schema is the one the Kusto service returns, so a name or type that
 * differs is Vigil's to explain.
 *
 *   node dist/test/kql/schema-oracle.js [--docs folder] [--show N] [--only docs|cases|corpus]
 *
 * Queries: every ```kusto block of the reference docs that Vigil runs without stored tables, every
 * conformance case of kql.test.ts that is not an expected error (over the harness's tables, which are
 * given to Kusto.Language with the same schemas), and the Sentinel corpus (sentinel-corpus.ts) over the
 * Azure standard tables' schemas (compiled, not run: the tables are empty). A query is compared only when
 * Kusto.Language finds no error in it and Vigil runs (or, for the corpus, compiles) it; the corpus
 * queries Kusto.Language rejects are listed too, since a corpus query must be valid KQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, emptyRelationSql, type ColumnSchema, type TableResolver } from '../../src/kql/index.js';
import { tableSchema } from '../../src/metadata/standard-columns.js';
import { standardTable, standardTables } from '../../src/metadata/standard-tables.js';
import { SENTINEL_CORPUS } from './sentinel-corpus.js';
import { kustoBlocks } from './doc-example-source.js';
import { kustoLanguage } from './kusto-language.js';
import { openDb, runKql, TABLES } from './harness.js';
import type { Case } from './cases.js';
import { ALL_CASES } from './all-cases.js';

interface KustoColumn { name: string; type: string }

/** Kusto.Language's result schema and errors for a query, over the given tables. */
type Analyse = (query: string) => { columns: KustoColumn[] | undefined; errors: string[] };

function analyser(schemas: Record<string, ColumnSchema[]>): Analyse {
  const K = kustoLanguage();
  const tables = Object.entries(schemas).map(([name, columns]) => K.Symbols.TableSymbol.From(`(${columns.map((c) => `['${c.name}']:${c.type}`).join(', ')})`).WithName(name));
  const state = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor1('db', tables, false));
  return (query) => {
    const code = K.KustoCode.ParseAndAnalyze(query, state);
    const diagnostics = code.GetDiagnostics();
    const errors: string[] = [];
    for (let i = 0; i < diagnostics.Count; i++) {
      const d = diagnostics.getItem(i);
      if (String(d.Severity) === 'Error') errors.push(String(d.Message));
    }
    const rt = code.ResultType;
    if (!rt || !rt.Columns) return { columns: undefined, errors };
    const columns: KustoColumn[] = [];
    for (let i = 0; i < rt.Columns.Count; i++) {
      const c = rt.Columns.getItem(i);
      columns.push({ name: String(c.Name), type: String(c.Type.Name) });
    }
    return { columns, errors };
  };
}

const { values } = parseArgs({ options: { docs: { type: 'string' }, show: { type: 'string' }, only: { type: 'string' } } });
const folder = values.docs ?? '/work/shared/reference/kql-docs/query';
const show = Number(values.show ?? 0) || Infinity;

function difference(kusto: KustoColumn[], vigil: ColumnSchema[]): { kind: 'count' | 'name' | 'type'; text: string } | undefined {
  const k = kusto.map((c) => `${c.name}:${c.type}`);
  const v = vigil.map((c) => `${c.name}:${c.type}`);
  if (k.length !== v.length) return { kind: 'count', text: `Kusto ${JSON.stringify(k)}, Vigil ${JSON.stringify(v)}` };
  const names = kusto.some((c, i) => c.name !== vigil[i]!.name);
  const types = kusto.some((c, i) => c.type !== vigil[i]!.type);
  if (!names && !types) return undefined;
  const cells = k.map((x, i) => (x === v[i] ? x : `${v[i]} (Kusto ${x})`));
  return { kind: names ? 'name' : 'type', text: cells.join(', ') };
}

/** The standard tables as the server resolves them in a workspace where nothing wrote them yet. */
const standardResolver: TableResolver = {
  resolveTable(name) {
    const def = standardTable(name);
    if (!def) return undefined;
    const columns = tableSchema(def);
    return { sql: emptyRelationSql(columns), columns };
  },
  listTables: () => [],
};

async function main(): Promise<void> {
  const analyse = analyser(Object.fromEntries(Object.entries(TABLES).map(([n, t]) => [n, t.columns])));
  const analyseStandard = analyser(Object.fromEntries(standardTables().map((d) => [d.name, tableSchema(d)])));
  const conn = await openDb();
  const queries: { source: string; q: string }[] = [];
  if (values.only === undefined || values.only === 'docs') {
    const files = (readdirSync(folder, { recursive: true }) as string[]).filter((f) => f.endsWith('.md'));
    for (const f of files) for (const b of kustoBlocks(readFileSync(join(folder, f), 'utf8'))) queries.push({ source: f, q: b.query });
  }
  if (values.only === undefined || values.only === 'cases') ALL_CASES.filter((c: Case) => !c.err).forEach((c: Case, i: number) => queries.push({ source: `case ${i}`, q: c.q }));
  if (values.only === undefined || values.only === 'corpus') for (const c of SENTINEL_CORPUS) queries.push({ source: `corpus: ${c.name}`, q: c.q });
  const counts = { compared: 0, same: 0, count: 0, name: 0, type: 0, kustoError: 0, vigilError: 0, readsTables: 0 };
  const lines: string[] = [];
  for (const { source, q } of queries) {
    const corpus = source.startsWith('corpus');
    const k = (corpus ? analyseStandard : analyse)(q);
    if (k.errors.length > 0 || !k.columns) {
      counts.kustoError++;
      if (corpus) lines.push(`- [Kusto.Language rejects] ${source}: ${k.errors.join(' | ').slice(0, 300)}`);
      continue;
    }
    let columns: ColumnSchema[];
    try {
      if (corpus) {
        columns = compile(q, standardResolver, { now: new Date() }).columns;
        counts.compared++;
        const d = difference(k.columns, columns);
        if (!d) counts.same++;
        else {
          counts[d.kind]++;
          lines.push(`- [${d.kind}] ${source}: ${d.text}`);
        }
        continue;
      }
      const r = await runKql(conn, q);
      // docs examples over the help cluster's tables would read the harness's: not comparable
      if (!source.startsWith('case') && r.compiled.tables.length > 0) { counts.readsTables++; continue; }
      columns = r.columns;
    } catch {
      counts.vigilError++;
      continue;
    }
    counts.compared++;
    const d = difference(k.columns, columns);
    if (!d) { counts.same++; continue; }
    counts[d.kind]++;
    lines.push(`- [${d.kind}] ${source}: ${d.text}\n    ${q.replace(/\n/g, '\n    ').slice(0, 600)}`);
  }
  console.log(`schema oracle: ${counts.compared} queries compared, ${counts.same} same names and types (${((100 * counts.same) / counts.compared).toFixed(1)}%); ` +
    `differ: ${counts.count} column count, ${counts.name} names, ${counts.type} types only; ` +
    `not compared: ${counts.kustoError} that Kusto.Language rejects, ${counts.vigilError} that Vigil fails, ${counts.readsTables} docs examples reading tables`);
  for (const l of lines.slice(0, show)) console.log(l);
}

await main();
