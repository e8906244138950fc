/**
 * Security of table references in the tabular language: every construct that names a table
 * (union incl. wildcards, join, lookup, search, let, let functions, getschema, workspace(),
 * evaluate plugins with a LookupTable: ipv4_lookup, ipv6_lookup, geo_polygon_lookup, geo_line_lookup;
 * make-graph's edges and node tables)
 * must consult the caller's resolver, whose errors propagate unchanged; wildcards may only
 * expand to the tables listed by listTables().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile, compileDiscovering, KqlError, sqlIdent, type ResolvedTable, type TableResolver } from '../../src/kql/index.js';
import { NOW, TABLES } from './harness.js';

class Denied extends Error {}

function makeResolver(visible: string[], opts: { list?: boolean } = {}): TableResolver & { consulted: string[] } {
  const consulted: string[] = [];
  const r: TableResolver & { consulted: string[] } = {
    consulted,
    resolveTable(name: string): ResolvedTable | undefined {
      consulted.push(name);
      if (name === 'Secret') throw new Denied(`access denied to ${name}`);
      const t = TABLES[name] ?? (name === 'Secret' ? TABLES.Events : undefined);
      return t ? { sql: sqlIdent(name), columns: t.columns } : undefined;
    },
  };
  if (opts.list !== false) r.listTables = () => visible;
  return r;
}

const DENIED_QUERIES = [
  'Secret | count',
  'union Events, Secret | count',
  'Events | union Secret',
  'Events | join (Secret) on Level',
  'Events | join kind=leftouter Secret on Level',
  'Events | lookup Secret on Level',
  'search in (Secret) "x"',
  'search in (Events, Secret) "x"',
  // search's column forms (Col:"term", Col:term, Col == value) and find's forms name their tables the same way
  'search in (Secret) Level:"x"',
  'search in (Events, Secret) Level:x or Message:"y"',
  'search in (Events, Secret) Level == "Error"',
  'search in (E*, Secret) Level:"x"',
  'find in (Events, Secret) where Level == "x"',
  'find withsource=T in (Events, Secret) where Level:"x" project-smart',
  'find in (Events, Secret) where * has "x" project Level, pack_all()',
  'let V = view () { Secret }; search Level:"x"',
  'Events | evaluate rows_near(Level in (Secret | project Level), 1)',
  'Events | evaluate rows_near(Level == "x", 1) | union Secret',
  'let T = Secret; T | count',
  'let T = Secret | where 1 == 1; print 1',
  'let f = () { Secret }; f() | count',
  'let f = (n:long) { Secret | take n }; f(1)',
  'let g = (T:(*)) { T | count }; g(Secret)',
  'Secret | getschema',
  'print toscalar(Secret | count)',
  'Events | where Level in (Secret | project Level)',
  'let m = materialize(Secret); m | count',
  'union isfuzzy=true Events, Secret | count',
  'table("Secret") | count',
  'let f = (name:string) { table(name) | count }; f("Secret")',
  'Events | mv-apply x = Props on (union Secret)',
  'Events | partition by Level (union Secret)',
  'Events | partition by Level (join (Secret) on Level)',
  'Events | partition by Level (where Level in (Secret | project Level))',
  'Events | scan with (step a: Level in (Secret | project Level);)',
  'Events | scan declare (n:long) with (step a: true => n = toscalar(Secret | count);)',
  'Events | fork (union Secret) (count)',
  'Events | fork named = (join (Secret) on Level)',
  'Events | facet by Level with (where Level in (Secret | project Level))',
  'Secret | facet by Level',
  'Secret | evaluate basket()',
  'Events | union Secret | evaluate autocluster()',
  'Events | evaluate basket(0.05, "~", "~", toscalar(Secret | project Level | take 1))',
  'Events | evaluate autocluster(toscalar(Secret | count))',
  'Events | evaluate diffpatterns(Level, toscalar(Secret | project Level | take 1), "x")',
  'Events | join (Secret | evaluate diffpatterns(Level, "a", "b")) on Level',
  'Secret | reduce by Level',
  'Events | union Secret | reduce kind=source by Level',
  'Events | reduce by strcat(Level, toscalar(Secret | count))',
  'Events | reduce by Level with characters=toscalar(Secret | project Level | take 1)',
  'Events | parse-kv Level as (a:string) with (pair_delimiter=toscalar(Secret | project Level | take 1), kv_delimiter="=")',
  'Events | evaluate ipv4_lookup(Secret, Level, Level)',
  'Events | evaluate ipv6_lookup((Secret | project Level), Level, Level, return_unmatched = true)',
  'let L = Secret | project Net = Level; Events | evaluate ipv4_lookup(L, Level, Net)',
  'Secret | evaluate ipv4_lookup(Events, Level, Level)',
  'Events | evaluate geo_polygon_lookup(Secret, Props, DurationMs, DurationMs)',
  'Events | evaluate geo_line_lookup((Secret | project L = Props), L, DurationMs, DurationMs, 100, return_unmatched = true)',
  'Events | evaluate activity_counts_metrics(Level, TimeGenerated, toscalar(Secret | summarize min(TimeGenerated)), now(), 1d)',
  'Events | evaluate dcount_intersect(toscalar(Secret | summarize hll(Level)), toscalar(Secret | summarize hll(Level)))',
  // graph operators: the edges, either node table, a let-bound node table, a partitioned graph, a subquery in the pattern's where
  'Secret | make-graph Level --> Level | graph-to-table edges',
  'Events | make-graph Level --> Level with Secret on Level | graph-to-table nodes',
  'Events | make-graph Level --> Level with Events on Level, (Secret | project Level) on Level | graph-to-table nodes',
  'let N = Secret; Events | make-graph Level --> Level with N on Level | graph-match (a)-->(b) project a.Level',
  'Events | make-graph Level --> Level with Secret on Level partitioned-by Level (graph-to-table nodes)',
  'Events | make-graph Level --> Level with_node_id=n | graph-match (a)-->(b) where a.n in (Secret | project Level) project a.n',
  'let g = Secret | make-graph Level --> Level; g | graph-shortest-paths (a)-[e*1..2]->(b) project x = 1',
];

describe('tabular security', () => {
  for (const q of DENIED_QUERIES) {
    test(`resolver is consulted and its error propagates: ${q}`, () => {
      const r = makeResolver(['Events', 'Logs_CL']);
      assert.throws(() => compile(q, r, { now: NOW }), (e: unknown) => e instanceof Denied && !(e instanceof KqlError));
      assert.ok(r.consulted.includes('Secret'));
    });
  }

  test('a discovery step (bag_unpack/pivot over a stored table) never runs when the input names a denied table', async () => {
    for (const q of ['union Events, Secret | evaluate bag_unpack(Props)', 'Events | union Secret | evaluate pivot(Level)', 'Events | evaluate bag_unpack(Props) | join (Secret) on Level', 'Events | where Level in (Secret | project Level) | evaluate pivot(Level)', 'Events | evaluate bag_unpack(Props) | union Secret', 'Events | evaluate bag_unpack(Props) | extend n = toscalar(Secret | count)', 'Events | evaluate pivot(Level, count(), _ResourceId) | extend n = toscalar(Secret | count)']) {
      const r = makeResolver(['Events', 'Logs_CL']);
      const ran: string[] = [];
      await assert.rejects(compileDiscovering(q, r, { now: NOW }, async (step) => { ran.push(step.sql); return []; }), (e: unknown) => e instanceof Denied, q);
      assert.ok(r.consulted.includes('Secret'), q);
      // the whole query is bound before any discovery runs: refused before any statement runs
      assert.deepEqual(ran, [], q);
    }
  });

  test('a query whose later part needs the discovered names: the discovery reads only the allowed input, the query is still refused', async () => {
    const r = makeResolver(['Events', 'Logs_CL']);
    const ran: string[] = [];
    await assert.rejects(compileDiscovering('Events | evaluate bag_unpack(Props) | project a | union Secret', r, { now: NOW }, async (step) => { ran.push(step.sql); return ['a']; }), Denied);
    assert.equal(ran.length, 1);
    assert.ok(!/Secret/.test(ran[0]!), ran[0]);
  });

  test('a discovery step reads only the operator input (the tables the query itself reads)', async () => {
    const r = makeResolver(['Events', 'Logs_CL']);
    const steps: string[] = [];
    const c = await compileDiscovering('Events | where Level == "Error" | evaluate bag_unpack(Props)', r, { now: NOW }, async (step) => { steps.push(step.sql); return ['b', 'a']; });
    assert.equal(steps.length, 1);
    assert.match(steps[0]!, /json_keys/);
    assert.deepEqual(r.consulted, ['Events', 'Events']);
    assert.deepEqual(c.columns.slice(-2), [{ name: 'a', type: 'dynamic' }, { name: 'b', type: 'dynamic' }]);
    // plain compile() cannot run one: today's 400 text
    assert.throws(() => compile('Events | evaluate bag_unpack(Props)', r, { now: NOW }), (e: unknown) => e instanceof KqlError && /output-schema form/.test(e.message));
  });

  test('wildcards expand only to listTables() names (Secret is skipped, never resolved)', () => {
    const r = makeResolver(['Events', 'Logs_CL']);
    const c = compile('union withsource=T * | distinct T', r, { now: NOW });
    assert.deepEqual(c.tables.sort(), ['Events', 'Logs_CL']);
    assert.ok(!r.consulted.includes('Secret'));
    const s = compile('search "x"', r, { now: NOW });
    assert.deepEqual(s.tables.sort(), ['Events', 'Logs_CL']);
    assert.ok(!r.consulted.includes('Secret'));
    const e = compile('union E*', r, { now: NOW });
    assert.deepEqual(e.tables, ['Events']);
    // search's column forms and find over every table: the listed tables only
    for (const q of ['search Level:"x" or Message:quick', 'search Level == "Error"', 'find Level == "Error" project-smart', 'find in (*) where * has "x"']) {
      const f = compile(q, r, { now: NOW });
      assert.deepEqual(f.tables.sort(), ['Events', 'Logs_CL'], q);
      assert.ok(!r.consulted.includes('Secret'), q);
    }
  });

  test('listed names are still resolved through resolveTable (a denial there propagates)', () => {
    const r = makeResolver(['Events', 'Secret']);
    assert.throws(() => compile('union *', r, { now: NOW }), Denied);
  });

  test('without listTables, wildcards match nothing', () => {
    const r = makeResolver([], { list: false });
    assert.throws(() => compile('union App*', r, { now: NOW }), KqlError);
    assert.deepEqual(r.consulted, []);
    const c = compile('search "x"', r, { now: NOW });
    assert.deepEqual(c.tables, []);
  });

  test('workspace() without resolveQualifiedTable is a SemanticError; with it, errors propagate', () => {
    const r = makeResolver(['Events']);
    assert.throws(() => compile("workspace('w1').Events | count", r, { now: NOW }), (e: unknown) => e instanceof KqlError && e.kind === 'SemanticError');
    const q: TableResolver = {
      ...r,
      resolveQualifiedTable(kind, id, table) {
        if (id === 'w2') throw new Denied(`denied ${kind} ${id} ${table}`);
        return { sql: sqlIdent('Events'), columns: TABLES.Events!.columns };
      },
    };
    assert.equal(compile("workspace('w1').Events | count", q, { now: NOW }).tables[0], "workspace('w1').Events");
    assert.throws(() => compile("union Events, workspace('w2').Events", q, { now: NOW }), Denied);
  });
});
