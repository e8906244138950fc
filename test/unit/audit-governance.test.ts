/** Unit tests of issue #6's pure parts: obfuscated-literal masking, secret scrubbing, the lock decision, purge filters. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactError, redactString, secretsInBody } from '../../src/audit/redact.js';
import { armAction, blockingLocks, enforceLocks } from '../../src/authz/locks.js';
import { ApiError } from '../../src/errors/api-error.js';
import { purgePredicate } from '../../src/governance/purge.js';
import { maskObfuscatedLiterals, obfuscatedSecrets, MASKED_LITERAL } from '../../src/kql/obfuscate.js';
import type { LockRecord, RoleAssignmentRecord } from '../../src/metadata/records.js';

describe('obfuscated literals', () => {
  it('masks every form the lexer knows, and nothing else', () => {
    assert.equal(maskObfuscatedLiterals('T | where a == h"secret"'), `T | where a == ${MASKED_LITERAL}`);
    assert.equal(maskObfuscatedLiterals("print h'x', H@\"y\\\", h@'z''q'"), `print ${MASKED_LITERAL}, ${MASKED_LITERAL}, ${MASKED_LITERAL}`);
    assert.equal(maskObfuscatedLiterals('print "https://x/blob?" h\'sv=2012&sig=abc\''), `print "https://x/blob?" ${MASKED_LITERAL}`);
    // Not obfuscated: plain strings, an identifier ending in h, a timespan such as 1h followed by a string.
    for (const q of ['print "h\\"no"', 'T | extend path = "x" | where moh == "y"', 'T | where t > ago(1h) | where x == "v"', 'print hh"x"']) {
      assert.equal(maskObfuscatedLiterals(q), q);
    }
    // Inside a comment nothing is a literal.
    assert.equal(maskObfuscatedLiterals('T // h"not a literal"\n| take 1'), 'T // h"not a literal"\n| take 1');
  });

  it('handles text the lexer refuses: unterminated literals are masked to the end of the line', () => {
    assert.equal(maskObfuscatedLiterals('T | where a == h"unterminated secret\n| take 1'), `T | where a == ${MASKED_LITERAL}\n| take 1`);
    assert.equal(maskObfuscatedLiterals('T | where a == h"s1" # h"s2"'), `T | where a == ${MASKED_LITERAL} # ${MASKED_LITERAL}`);
    assert.deepEqual(obfuscatedSecrets('print h"abc", "plain", h\'d\\x41ef\''), ['h\'d\\x41ef\'', 'h"abc"', 'dAef', 'abc']);
  });

  it('scrubs secrets and their long prefixes from messages, errors and nested bodies', () => {
    const secrets = obfuscatedSecrets('T | where a == h"super-secret-value-1234567890"');
    assert.equal(redactString("bad 'super-secret-val…' here", secrets), "bad '******…' here");
    const e = redactError(new ApiError(400, 'X', 'at h"super-secret-value-1234567890"', { innererror: { token: 'super-secret-value-1234567890' } }), secrets) as ApiError;
    assert.ok(!JSON.stringify(e.body()).includes('super-secret'));
    assert.deepEqual(secretsInBody({ properties: { dataFlows: [{ transformKql: 'source | where x == h"k"' }] } }), ['h"k"', 'k']);
  });
});

describe('the lock decision', () => {
  const SUB = '/subscriptions/s1';
  const WS = `${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws`;
  const lock = (scope: string, level: LockRecord['level'], name: string = level): LockRecord => ({ name, scope, level, createdOn: '' });
  const source = (locks: LockRecord[], assignments: RoleAssignmentRecord[] = []) => ({ locks: () => locks, roleAssignmentsFor: () => assignments });
  const owner: RoleAssignmentRecord = { name: 'a', scope: SUB, roleDefinitionId: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', principalId: 'p', principalType: 'ServicePrincipal', createdOn: '' };
  const caller = { objectId: 'p', appId: 'p', tenantId: 't' };

  it('derives ARM actions from method and path', () => {
    assert.equal(armAction('PUT', `${WS}/tables/T_CL`), 'Microsoft.OperationalInsights/workspaces/tables/write');
    assert.equal(armAction('DELETE', WS), 'Microsoft.OperationalInsights/workspaces/delete');
    assert.equal(armAction('POST', `${WS}/purge`), 'Microsoft.OperationalInsights/workspaces/purge/action');
    assert.equal(armAction('PUT', `${WS}/providers/Microsoft.Insights/diagnosticSettings/x`), 'Microsoft.Insights/diagnosticSettings/write');
    assert.equal(armAction('PUT', `${SUB}/resourceGroups/rg`), 'Microsoft.Resources/subscriptions/resourceGroups/write');
  });

  it('CanNotDelete blocks deletes at and below it, and deletes of what contains it; never writes, actions or reads', () => {
    const s = source([lock(`${SUB}/resourceGroups/rg`, 'CanNotDelete')]);
    assert.equal(blockingLocks(s, 'DELETE', `${WS}/tables/T_CL`).length, 1);
    assert.equal(blockingLocks(s, 'PUT', `${WS}/tables/T_CL`).length, 0);
    assert.equal(blockingLocks(s, 'POST', `${WS}/purge`).length, 0);
    assert.equal(blockingLocks(s, 'GET', WS).length, 0);
    assert.equal(blockingLocks(source([lock(`${WS}/tables/T_CL`, 'CanNotDelete')]), 'DELETE', WS).length, 1);
    assert.equal(blockingLocks(s, 'DELETE', `${SUB}/resourceGroups/rg2/providers/x/y/z`).length, 0, 'a sibling resource group is not covered');
    assert.equal(blockingLocks(s, 'DELETE', `${SUB}/resourceGroups/rg-2`).length, 0, 'prefixes are segment-wise');
  });

  it('ReadOnly blocks writes, deletes and actions, but never managing locks', () => {
    const s = source([lock(WS, 'ReadOnly'), lock(WS, 'CanNotDelete', 'cnd')]);
    for (const m of ['PUT', 'PATCH', 'DELETE', 'POST']) assert.ok(blockingLocks(s, m, `${WS}/purge`).length > 0, m);
    assert.equal(blockingLocks(s, 'DELETE', `${WS}/providers/Microsoft.Authorization/locks/x`).length, 0);
    assert.equal(blockingLocks(s, 'DELETE', WS)[0]!.level, 'ReadOnly', 'the most restrictive first');
  });

  it('answers 409 ScopeLocked naming the lock to an authorized caller, 403 to anyone else', () => {
    const locks = [lock(WS, 'ReadOnly', 'freeze')];
    assert.throws(() => enforceLocks(source(locks, [owner]), caller, 'PATCH', WS), (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'ScopeLocked' && e.message.includes(`${WS}/providers/Microsoft.Authorization/locks/freeze`));
    assert.throws(() => enforceLocks(source(locks, []), caller, 'PATCH', WS), (e: unknown) => e instanceof ApiError && e.status === 403 && !e.message.includes('freeze'));
    assert.doesNotThrow(() => enforceLocks(source([], []), caller, 'PATCH', WS));
  });
});

describe('purge filters', () => {
  const cols = [
    { name: 'TimeGenerated', type: 'datetime' as const },
    { name: 'Email', type: 'string' as const },
    { name: 'N', type: 'int' as const },
    { name: 'Id', type: 'guid' as const },
    { name: 'Ok', type: 'bool' as const },
    { name: 'Bag', type: 'dynamic' as const },
  ];
  it('builds one ANDed predicate with quoted identifiers and escaped literals', () => {
    assert.equal(
      purgePredicate(cols, [
        { column: 'email', operator: '=~', value: "O'Brien@x" },
        { column: 'N', operator: 'between', value: [1, '5'] },
        { column: 'Id', operator: 'in', value: ['0F8FAD5B-D9CB-469F-A165-70867728950E'] },
      ]),
      `(lower("Email") = lower('O''Brien@x')) AND ("N" BETWEEN 1 AND 5) AND (lower(CAST("Id" AS VARCHAR)) IN ('0f8fad5b-d9cb-469f-a165-70867728950e'))`,
    );
    // datetimes are stored as 100-ns ticks since 0001-01-01: a filter keeps all 7 fractional digits
    assert.equal(purgePredicate(cols, [{ column: 'TimeGenerated', operator: '<', value: '2024-01-01T00:00:00Z' }]), `("TimeGenerated" < 638396640000000000::BIGINT)`);
    assert.equal(purgePredicate(cols, [{ column: 'TimeGenerated', operator: '>=', value: '2024-01-01T00:00:00.1234567Z' }]), `("TimeGenerated" >= 638396640001234567::BIGINT)`);
  });
  it('refuses what it cannot do faithfully', () => {
    const bad = (filters: unknown) => assert.throws(() => purgePredicate(cols, filters as never), (e: unknown) => e instanceof ApiError && e.status === 400, JSON.stringify(filters));
    bad([{ column: 'TimeGenerated', operator: '<', value: '10000-01-01T00:00:00Z' }]);
    bad([{ column: 'TimeGenerated', operator: '<', value: 'yesterday' }]);
    bad([]);
    bad([{ column: 'Nope', operator: '==', value: 1 }]);
    bad([{ column: 'Email', operator: 'has', value: 'x' }]);
    bad([{ column: 'N', operator: '==', value: '1; DROP TABLE x' }]);
    bad([{ column: 'N', operator: 'in', value: [] }]);
    bad([{ column: 'Bag', operator: '==', value: '{}' }]);
    bad([{ column: 'Ok', operator: '>', value: true }]);
    bad([{ column: 'Email', operator: '==', value: { nested: 1 } }]);
  });
});

describe('DuckDbStore.purge', () => {
  it('removes exactly the matching rows and reports how many', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { DuckDbStore } = await import('../../src/store/duckdb-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-duckpurge-'));
    const store = await DuckDbStore.open({ dataDir: dir, memoryLimit: '256MB' });
    try {
      const ws = '11111111-2222-3333-4444-555555555555';
      const cols = [
        { name: 'TimeGenerated', type: 'datetime' as const },
        { name: 'Email', type: 'string' as const },
      ];
      await store.ensureTable(ws, 'T_CL', cols);
      await store.append(ws, 'T_CL', cols, [
        [638396640000000000n, 'a@x'], // datetimes are stored as 100-ns ticks since 0001-01-01
        [638396640000000001n, 'A@X'],
        [638396640000000002n, 'b@x'],
      ]);
      assert.equal(await store.purge(ws, 'T_CL', purgePredicate(cols, [{ column: 'Email', operator: '=~', value: 'a@x' }])), 2);
      const out = await store.query(`SELECT "Email" FROM ${store.tableSource(ws, 'T_CL')}`, { timeoutMs: 10_000 });
      assert.deepEqual(out.rows, [['b@x']]);
      assert.equal(await store.purge(ws, 'Missing_CL', 'TRUE'), 0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
