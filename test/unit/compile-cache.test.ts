/** Compiled queries reused only when every input of the compile is the same now (src/query/compile-cache.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, type ColumnSchema, type ResolvedTable, type TableResolver } from '../../src/kql/index.js';
import { CompileCache } from '../../src/query/compile-cache.js';

const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Level', type: 'string' },
];

/** A resolver over `tables` (name → source), counting what it was asked; `denied` names throw. */
function resolverOf(tables: Record<string, ResolvedTable>, denied: string[] = []): TableResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolveTable: (name) => {
      asked.push(name);
      if (denied.includes(name)) throw new Error(`may not read ${name}`);
      return tables[name];
    },
    listTables: () => Object.keys(tables).filter((t) => !denied.includes(t)),
  };
}

const T = { sql: 'temp.main."vigil_t"', columns: COLS };
const U = { sql: 'temp.main."vigil_u"', columns: COLS };
const now = new Date(Date.UTC(2026, 0, 1));

function compileInto(cache: CompileCache, key: string, text: string, resolver: TableResolver, discoveries = 0) {
  const recorded = cache.recording(resolver);
  const compiled = compile(text, recorded.resolver, { now, multipleResults: true });
  cache.keep(key, compiled, recorded, discoveries);
  return compiled;
}

describe('compile cache', () => {
  it('reuses a compile when the resolver answers the same, asking it the same tables (so it grants them)', () => {
    const cache = new CompileCache();
    const text = "T | where Level == 'Error' | union U | count";
    const first = compileInto(cache, 'k', text, resolverOf({ T, U }));
    const again = resolverOf({ T, U });
    assert.equal(cache.reuse('k', again), first);
    assert.deepEqual(again.asked, ['T', 'U']);
    assert.equal(cache.reuse('other key', resolverOf({ T, U })), undefined);
  });

  it('compiles afresh when an answer changed: a table refused, its source or its columns changed, a table added to a wildcard', () => {
    const text = "T | union U | where Level == 'Error'";
    for (const now of [
      resolverOf({ T, U }, ['U']),
      resolverOf({ T, U: { ...U, sql: 'temp.main."vigil_other"' } }),
      resolverOf({ T, U: { ...U, columns: [...COLS, { name: 'Extra', type: 'long' }] } }),
      resolverOf({ T }),
    ]) {
      const cache = new CompileCache();
      compileInto(cache, 'k', text, resolverOf({ T, U }));
      assert.equal(cache.reuse('k', now), undefined);
      // ... and the entry is gone.
      assert.equal(cache.reuse('k', resolverOf({ T, U })), undefined);
    }
    const cache = new CompileCache();
    compileInto(cache, 'w', 'union * | count', resolverOf({ T }));
    assert.equal(cache.reuse('w', resolverOf({ T, U })), undefined, 'union * now covers another table');
  });

  it('keeps nothing that depends on now(), the session, the pseudonym key, a discovery, or a resolver that threw', () => {
    const cache = new CompileCache();
    compileInto(cache, 'now', 'T | where TimeGenerated > ago(1h)', resolverOf({ T }));
    assert.equal(cache.reuse('now', resolverOf({ T })), undefined);
    const session = { principalFqn: 'aaduser=x;t', principalDetails: {}, memberOf: new Set<string>(), database: 'w', clusterEndpoint: 'h' };
    const recorded = cache.recording(resolverOf({ T }));
    cache.keep('session', compile('T | extend P = current_principal()', recorded.resolver, { now, session }), recorded, 0);
    assert.equal(cache.reuse('session', resolverOf({ T })), undefined);
    const withSession = cache.recording(resolverOf({ T }));
    cache.keep('unused session', compile('T | count', withSession.resolver, { now, session }), withSession, 0);
    assert.ok(cache.reuse('unused session', resolverOf({ T })), 'a session the SQL does not use does not matter');
    const keyed = cache.recording(resolverOf({ T }));
    cache.keep('key', compile('T | extend H = hash_hmac_sha256_ws(Level)', keyed.resolver, { now, pseudonymKey: new Uint8Array(32) }), keyed, 0);
    assert.equal(cache.reuse('key', resolverOf({ T })), undefined);
    compileInto(cache, 'discovered', 'T | count', resolverOf({ T }), 1);
    assert.equal(cache.reuse('discovered', resolverOf({ T })), undefined);
    // A resolver that threw inside a compile that still succeeded (e.g. a fuzzy union) is not replayed.
    const throwing = cache.recording(resolverOf({ T }, ['U']));
    assert.throws(() => throwing.resolver.resolveTable('U'));
    cache.keep('threw', compile('T | count', throwing.resolver, { now }), throwing, 0);
    assert.equal(cache.reuse('threw', resolverOf({ T })), undefined);
  });

  it('holds at most its capacity, least recently used out first', () => {
    const cache = new CompileCache(2);
    compileInto(cache, 'a', 'T | count', resolverOf({ T }));
    compileInto(cache, 'b', 'T | take 1', resolverOf({ T }));
    assert.ok(cache.reuse('a', resolverOf({ T })));
    compileInto(cache, 'c', 'T | take 2', resolverOf({ T }));
    assert.equal(cache.reuse('b', resolverOf({ T })), undefined);
    assert.ok(cache.reuse('a', resolverOf({ T })));
    assert.ok(cache.reuse('c', resolverOf({ T })));
  });
});
