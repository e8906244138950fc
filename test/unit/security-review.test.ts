/**
 * Security review — compiler level. Hostile KQL is compiled with a resolver that exposes only
 * `Events` (the table `Secret` exists in the same DuckDB but is denied), the SQL is executed in an
 * in-memory DuckDB, and we check that no query text escaped its SQL quoting: DuckDB never reports a
 * *Parser* error for SQL the compiler produced, the rows/errors never contain the secret, and the
 * canary table still exists.
 *
 * Tests marked `// FINDING n` fail today and demonstrate a bug; the others document controls that hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { compile, KqlError, sqlIdent, type ColumnSchema, type TableResolver } from '../../src/kql/index.js';
import { SCALAR_FUNCTIONS, AGGREGATE_FUNCTIONS } from '../../src/kql/functions/index.js';
import { wrapForWire } from '../../src/query/wire-format.js';
import { registerKqlRuntime } from '../../src/kql/runtime/index.js';

const SECRET = 'TOPSECRET-9c41';
const NOW = new Date('2024-01-03T00:00:00Z');
const EVENTS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
  { name: 'D', type: 'dynamic' },
  { name: '_ResourceId', type: 'string' },
];

class Denied extends Error {}
const resolver: TableResolver = {
  resolveTable(name) {
    if (name === 'Events') return { sql: sqlIdent('Events'), columns: EVENTS };
    if (name.toLowerCase() === 'secret') throw new Denied(`access denied to ${name}`);
    return undefined;
  },
  listTables: () => ['Events'],
};

let conn: DuckDBConnection;
before(async () => {
  const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' });
  conn = await db.connect();
  registerKqlRuntime(conn);
  await conn.run(
    `CREATE TABLE "Events" ("TimeGenerated" TIMESTAMP, "Msg" VARCHAR, "N" BIGINT, "D" JSON, "_ResourceId" VARCHAR);
     INSERT INTO "Events" VALUES ('2024-01-01 10:00:00', 'hello', 1, '{"a":1}', '/subscriptions/s/resourcegroups/rg/x');
     CREATE TABLE "Secret" (s VARCHAR); INSERT INTO "Secret" VALUES ('${SECRET}');
     CREATE TABLE "Canary" (x INTEGER); INSERT INTO "Canary" VALUES (1);`,
  );
});
after(() => conn?.closeSync?.());

type Outcome = { kind: 'compile-error'; message: string } | { kind: 'rows'; text: string } | { kind: 'engine-error'; message: string };

async function run(query: string): Promise<Outcome> {
  let sql: string;
  try {
    const c = compile(query, resolver, { now: NOW });
    sql = wrapForWire(c.sql, c.columns);
  } catch (err) {
    if (err instanceof KqlError || err instanceof Denied) return { kind: 'compile-error', message: err.message };
    throw err;
  }
  try {
    const r = await conn.runAndReadAll(sql);
    return { kind: 'rows', text: JSON.stringify(r.getRowsJS(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)) };
  } catch (err) {
    return { kind: 'engine-error', message: (err as Error).message };
  }
}

/** The SQL the compiler produced kept every piece of query text inside its quotes. */
async function assertContained(query: string): Promise<Outcome> {
  const o = await run(query);
  if (o.kind === 'engine-error') assert.doesNotMatch(o.message, /Parser Error/, `query text broke out of its SQL quoting: ${query}\n${o.message}`);
  const text = o.kind === 'rows' ? o.text : o.message;
  assert.ok(!text.includes(SECRET), `the denied table leaked through: ${query}\n${text.slice(0, 400)}`);
  const canary = await conn.runAndReadAll('SELECT count(*) FROM "Canary"');
  assert.equal(Number(canary.getRowsJS()[0]![0]), 1, 'the canary table was modified');
  return o;
}

// `'` and `"` inside KQL strings arrive in SQL as data; $-sequences are special in JS String.replace.
const Q = "'";
describe('security review: SQL injection through the KQL compiler', () => {
  // FINDING 1 (critical): `…if` aggregates build their SQL with String.prototype.replace(marker, replacementString)
  // (src/kql/functions/aggregates.ts aggregate().emit). The predicate SQL — which contains the user's string literals —
  // is used as the *replacement string*, so `$'`, `$\``, `$&`, `$$` in a KQL string literal are expanded by
  // JavaScript AFTER sqlString escaped it. `$'` deletes the doubled quote and closes the SQL string early:
  // arbitrary SQL runs (here: reading the denied table `Secret`, out through the error message).
  test(`FINDING 1: countif() with "$${Q} || <sql> || $${Q}" runs attacker SQL (reads a denied table)`, async () => {
    await assertContained(`Events | summarize c = countif(Msg == "$${Q} || CAST((SELECT string_agg(s, chr(44)) FROM Secret) AS INTEGER) || $${Q}")`);
  });
  test(`FINDING 1: the same hole in sumif / dcountif / avgif / maxif / make_set_if / take_anyif`, async () => {
    for (const agg of ['sumif(N, ', 'dcountif(Msg, ', 'avgif(N, ', 'maxif(N, ', 'make_set_if(Msg, ', 'take_anyif(Msg, ']) {
      await assertContained(`Events | summarize c = ${agg}Msg == "$${Q} || CAST((SELECT s FROM Secret) AS INTEGER) || $${Q}")`);
    }
  });
  test('FINDING 1: countif() changes the value of string literals containing $$ / $& / $` (correctness symptom of the same bug)', async () => {
    const o = await run('datatable(Msg:string)["a$$b"] | summarize c = countif(Msg == "a$$b")');
    assert.deepEqual(o, { kind: 'rows', text: '[["1"]]' }, 'countif(Msg == "a$$b") must count the row whose Msg is "a$$b"');
  });
  test('FINDING 1: a dynamic predicate column is mangled too (json path "$" in the predicate SQL)', async () => {
    // No user text at all: the predicate SQL of a dynamic column contains json_extract_string(x, '$') and the `$'` in it is expanded.
    const o = await run('Events | summarize c = countif(D)');
    assert.notEqual(o.kind, 'engine-error', o.kind === 'engine-error' ? o.message : '');
  });

  // Controls that hold: every other literal / identifier form tried stays inside its quotes.
  const HOSTILE_STRINGS = [
    `"x${Q} || (SELECT s FROM Secret) || ${Q}"`,
    `@"x\\${Q} || (SELECT s FROM Secret) || ${Q}"`,
    `${Q}x\\${Q} || (SELECT s FROM Secret) || ${Q}${Q}`,
    `"x\\u0027 || (SELECT s FROM Secret) || \\u0027"`,
    `"a\\u0000${Q} || (SELECT s FROM Secret) || ${Q}"`,
    `h"x${Q} || (SELECT s FROM Secret) || ${Q}"`,
    `h@${Q}x${Q}${Q} || (SELECT s FROM Secret) || ${Q}${Q}${Q}`,
    '```x\' || (SELECT s FROM Secret) || \'```',
    `"\\\\${Q}) OR 1=1 --"`,
    `"%_\\\\${Q}"`,
    `"\\"vigil_x\\""`,
  ];
  const TEMPLATES: ((s: string) => string)[] = [
    (s) => `print x = ${s}`,
    (s) => `Events | where Msg == ${s}`,
    (s) => `Events | where Msg has ${s}`,
    (s) => `Events | where Msg !has_cs ${s}`,
    (s) => `Events | where Msg hasprefix ${s} or Msg hassuffix ${s}`,
    (s) => `Events | where Msg contains ${s} or Msg startswith ${s} or Msg endswith_cs ${s}`,
    (s) => `Events | where Msg in (${s}, "b") or Msg in~ (${s})`,
    (s) => `Events | where Msg has_any (${s}, "b") or Msg has_all (${s})`,
    (s) => `Events | where Msg matches regex ${s}`,
    (s) => `Events | where Msg =~ ${s}`,
    (s) => `Events | extend x = D[${s}]`,
    (s) => `Events | extend x = extract(${s}, 0, Msg)`,
    (s) => `Events | extend x = replace_regex(Msg, ${s}, ${s})`,
    (s) => `Events | extend x = split(Msg, ${s})`,
    (s) => `Events | extend x = countof(Msg, ${s})`,
    (s) => `Events | extend x = format_datetime(TimeGenerated, ${s})`,
    (s) => `Events | extend x = bag_pack(${s}, 1)`,
    (s) => `Events | parse Msg with ${s} x:string`,
    (s) => `Events | parse kind=regex Msg with ${s} x:string`,
    (s) => `Events | parse-kv Msg as (k:string) with (pair_delimiter=${s}, kv_delimiter=${s})`,
    (s) => `Events | search ${s}`,
    (s) => `search ${s}`,
    (s) => `datatable(a:string)[${s}] | where a == ${s}`,
    (s) => `Events | summarize count() by x = strcat(Msg, ${s})`,
    (s) => `Events | summarize make_set(${s})`,
    (s) => `Events | summarize c = count() by Msg | where Msg == ${s}`,
    (s) => `Events | mv-expand x = D | where tostring(x) == ${s}`,
    (s) => `Events | extend x = trim(${s}, Msg) | extend y = url_decode(${s})`,
    (s) => `Events | extend x = iff(Msg == ${s}, ${s}, Msg)`,
    (s) => `Events | extend x = case(Msg == ${s}, ${s}, "z")`,
    (s) => `Events | where tostring(D.a) == ${s}`,
    (s) => `print x = todynamic(${s})`,
    (s) => `Events | top-nested 1 of x = strcat(Msg, ${s}) by count()`,
    (s) => `Events | make-series c = count() default=0 on TimeGenerated step 1h by x = strcat(Msg, ${s})`,
  ];
  test('string literals of every form stay inside their SQL quotes in every construct tried', async () => {
    for (const t of TEMPLATES) for (const s of HOSTILE_STRINGS) await assertContained(t(s));
  });

  const HOSTILE_NAMES = [`['x"; DROP TABLE "Canary"; --']`, `['a"b']`, `['a\\u0000b']`, `["q${Q}q"]`, `['"']`];
  test('bracketed identifiers stay inside their SQL quotes (project, extend, summarize by, mv-expand, parse, datatable, rename)', async () => {
    for (const n of HOSTILE_NAMES) {
      for (const q of [
        `Events | extend ${n} = 1`,
        `Events | project ${n} = Msg`,
        `Events | summarize count() by ${n} = Msg`,
        `Events | summarize ${n} = count()`,
        `Events | mv-expand ${n} = D`,
        `Events | parse Msg with "he" ${n}:string "o"`,
        `datatable(${n}:string)["x"]`,
        `Events | project-rename ${n} = Msg`,
        `Events | extend ${n} = 1 | project-away ${n}`,
        `Events | extend D2 = D[${n.slice(1, -1)}]`,
        `Events | evaluate bag_unpack(D) : (${n}:long)`,
      ]) {
        await assertContained(q);
      }
    }
  });

  test('every scalar function and aggregate, fed hostile literals in every position, keeps them quoted (except the FINDING 1 family)', async () => {
    const P = [`"x${Q} || (SELECT s FROM Secret) || ${Q}"`, `dynamic(["x${Q} || (SELECT s FROM Secret) || ${Q}"])`, `dynamic({"k${Q}":"v${Q}"})`, '"%_\\\\"', 'D', 'Msg'];
    const predicateAggs = new Set([...AGGREGATE_FUNCTIONS.keys()].filter((n) => /if$/.test(n)));
    const broken: string[] = [];
    const consider = async (q: string, skipFamily: boolean) => {
      const o = await run(q);
      const text = o.kind === 'rows' ? o.text : o.message;
      if ((o.kind === 'engine-error' && /Parser Error/.test(o.message)) || text.includes(SECRET)) {
        if (!skipFamily) broken.push(q);
      }
    };
    for (const [name, f] of SCALAR_FUNCTIONS) {
      for (let a = f.minArgs; a <= Math.min(f.maxArgs, 3); a++) {
        for (const p of P) for (let pos = 0; pos < a; pos++) {
          const args = Array.from({ length: a }, (_, i) => (i === pos ? p : i === 0 ? 'Msg' : '"x"'));
          await consider(`Events | extend r = ${name}(${args.join(', ')})`, false);
        }
      }
    }
    for (const [name, f] of AGGREGATE_FUNCTIONS) {
      for (let a = f.minArgs; a <= Math.min(f.maxArgs, 3); a++) {
        for (const p of P) for (let pos = 0; pos < a; pos++) {
          const args = Array.from({ length: a }, (_, i) => (i === pos ? p : i === 0 ? 'Msg' : '"x"'));
          await consider(`Events | summarize r = ${name}(${args.join(', ')})`, predicateAggs.has(name));
        }
      }
    }
    assert.deepEqual(broken, [], `queries whose literals escaped their SQL quoting:\n${broken.join('\n')}`);
  });

  test('a denied table is refused by every construct that names it (resolver consulted, error propagates)', () => {
    for (const q of [
      'Secret', 'SECRET | count', 'union Events, secret', 'union Eve*, Sec*', 'Events | join (Secret) on $left.Msg == $right.s',
      'Events | lookup (Secret) on Msg', 'let T = Secret; T', 'let Events = Secret; Events', 'print toscalar(Secret | count)',
      'Events | where Msg in (Secret | project s)', 'table("Secret")', 'materialize(Secret)', 'view () { Secret }',
      'Secret | getschema', 'search in (Secret) "x"', 'Events | mv-apply x = D on (union Secret)', 'let f = () { Secret }; f()', 'print column_names_of(Secret)',
    ]) {
      try {
        const c = compile(q, resolver, { now: NOW });
        // Only acceptable if the denied table is not part of the plan (e.g. wildcard that does not list it).
        assert.ok(!c.sql.includes('"Secret"'), `${q} reached the denied table: ${c.sql.slice(0, 200)}`);
      } catch (err) {
        assert.ok(err instanceof Denied || err instanceof KqlError, `${q}: ${(err as Error).message}`);
      }
    }
  });

  test('union * / search * never list a table the resolver did not list (case tricks included)', () => {
    for (const q of ['union *', 'union S*', 'union s*', 'union *ret', 'search "x"', 'search in (S*) "x"', 'union withsource=T * | distinct T']) {
      try {
        const c = compile(q, resolver, { now: NOW });
        assert.ok(!c.sql.includes('"Secret"'), q);
      } catch (err) {
        assert.ok(err instanceof KqlError, `${q}: ${(err as Error).message}`);
      }
    }
  });
});
