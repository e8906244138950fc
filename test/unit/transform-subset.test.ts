/**
 * Azure's transformKql subset (src/ingest/transform/supported-kql.ts): what it accepts compiles and
 * runs; outside it, the refusal names the construct and its position. The e2e suite checks the
 * refusals over ARM; this one checks that nothing Azure allows is refused.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { compileTransform, outputMismatch, TransformError } from '../../src/ingest/transform/compile-transform.js';
import { TransformRunner } from '../../src/ingest/transform/run-transform.js';

const INPUT = [
  { name: 'TimeGenerated', type: 'datetime' as const },
  { name: 'Msg', type: 'string' as const },
  { name: 'Level', type: 'int' as const },
  { name: 'Props', type: 'dynamic' as const },
];
const ROW = [638355968000000000n /* 2023-11-14T22:13:20Z in ticks since 0001-01-01, as stored */, 'user=bob action=login', 3, '{"a":{"b":7},"tags":["x","y"]}'];
const runner = new TransformRunner();
after(() => runner.close());

describe('transformation subset', () => {
  const accepted: [string, unknown[]][] = [
    ['source', ROW],
    ['source | where Level > 1 and Msg has "bob" | project-rename Message = Msg', [ROW[0], 'user=bob action=login', 3, ROW[3]]],
    ['let threshold = 2;\nsource | where Level >= threshold | project Level', [3]],
    ['let f = (x: long) { x * 2 };\nsource | project d = f(Level)', [6n]],
    ['source | project v = tolong(Props.a.b), n = array_length(Props.tags), t = gettype(Props)', [7n, 2n, 'dictionary']],
    ['source | project s = iif(Level > 2, "high", "low"), c = case(Level == 1, "one", Level == 3, "three", "other")', ['high', 'three']],
    ['source | project x = strcat_delim("-", tostring(Level), toupper(substring(Msg, 0, 4)))', ['3-USER']],
    ['source | project d = startofday(TimeGenerated) < TimeGenerated, y = getyear(TimeGenerated)', [true, 2023]],
    ['source | project e = extract("user=(\\\\w+)", 1, Msg), ix = indexof(Msg, "action"), cnt = countof(Msg, "=")', ['bob', 9n, 2n]],
    ['source | project b = binary_and(Level, 1), p = pow(2, Level), r = round(2.567, 2)', [1n, 8, 2.57]],
    ['source | project k = columnifexists("Missing", "default"), m = max_of(Level, 10)', ['default', 10n]],
    ['source | project ok = Msg matches regex "action=\\\\w+", inlist = Level in (1, 3), notin = Level !in (3)', [true, true, false]],
    ['source | parse Msg with "user=" User " action=" Action | project User, Action', ['bob', 'login']],
    ['source | project b = base64_decodestring(base64_encodestring("hi")), h = hash_sha256("abc")', ['hi', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad']],
    ['print x = 1', [1n]],
    ['datatable (a: long) [1] | extend b = a + 1', [1n, 2n]],
    ['source | extend j = parse_json(\'{"k":1}\') | project k = toint(j.k), z = zip(pack_array(1), pack_array(2))', [1, '[[1,2]]']],
    ['source | project x = parse_xml(\'<e name="v"><a>7</a></e>\') | project n = tostring(x.e["@name"]), a = toint(x.e.a)', ['v', 7]],
  ];
  for (const [kql, expected] of accepted) {
    it(`accepts and runs: ${kql.replace(/\n/g, ' ')}`, async () => {
      const t = compileTransform(kql, INPUT);
      const rows = await runner.apply(t, [ROW]);
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], expected);
    });
  }

  it('names the construct and its line and column', () => {
    assert.throws(() => compileTransform('source\n| where Level > 1\n| summarize count()', INPUT), (e: TransformError) => e.line === 3 && e.column === 3 && /'summarize' operator/.test(e.message));
    assert.throws(() => compileTransform('source | extend x = bag_keys(Props)', INPUT), (e: TransformError) => e.column === 21 && /'bag_keys\(\)'/.test(e.message));
    assert.throws(() => compileTransform('source | where Nope == 1', INPUT), (e: TransformError) => e.column === 16 && /Nope/.test(e.message));
  });

  it('checks the output against a table schema', () => {
    const t = compileTransform('source | project TimeGenerated, Level, Extra = 1.5', INPUT);
    const schema = [{ name: 'TimeGenerated', type: 'datetime' as const }, { name: 'Level', type: 'long' as const }];
    assert.match(outputMismatch(t.output, 'T_CL', schema)!, /'Extra' \(real\) does not exist in table 'T_CL'/);
    assert.equal(outputMismatch(t.output.slice(0, 2), 'T_CL', schema), undefined); // int → long fits
    assert.match(outputMismatch([{ name: 'Level', type: 'string' }], 'T_CL', schema)!, /is of type 'string'/);
  });
});
