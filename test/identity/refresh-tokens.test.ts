/**
 * The refresh token store's limits (src/identity/refresh-tokens.ts); its behaviour over HTTPS is in
 * test/portal/portal-refresh-tokens.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_FAMILIES, MAX_FAMILIES_PER_USER, MAX_ROTATIONS, RefreshTokens } from '../../src/identity/refresh-tokens.js';

const CLIENT = 'portal-client';
const grant = (sessionKey: string, userId = 'u1') => ({ userId, clientId: CLIENT, resource: 'https://vigil', sessionKey });

describe('refresh token store limits', () => {
  it(`ends a family after ${MAX_ROTATIONS} uses`, () => {
    const store = new RefreshTokens(() => true);
    let token = store.start(grant('s'));
    for (let i = 0; i < MAX_ROTATIONS; i++) {
      const r = store.use(token, CLIENT);
      assert.ok(r.ok, `use ${i + 1}`);
      token = r.refreshToken;
    }
    assert.deepEqual(store.use(token, CLIENT), { ok: false, reason: 'exhausted' });
    assert.equal(store.size, 0);
  });

  it(`keeps at most ${MAX_FAMILIES} families: those of ended sessions go first, then the oldest`, () => {
    const live = new Set<string>();
    const store = new RefreshTokens((key) => live.has(key));
    const tokens: string[] = [];
    for (let i = 0; i < MAX_FAMILIES; i++) {
      live.add(`s${i}`);
      tokens.push(store.start(grant(`s${i}`, `u${i}`)));
    }
    assert.equal(store.size, MAX_FAMILIES);
    // Session 5 ended: its family is the one dropped for the next.
    live.delete('s5');
    live.add('new');
    const newest = store.start(grant('new', 'u-new'));
    assert.equal(store.size, MAX_FAMILIES);
    assert.equal(store.use(tokens[5]!, CLIENT).ok, false);
    const first = store.use(tokens[0]!, CLIENT);
    assert.ok(first.ok, 'the oldest live one is kept while an ended one could go');
    // All live: the oldest goes.
    live.add('newer');
    store.start(grant('newer', 'u-newer'));
    assert.equal(store.size, MAX_FAMILIES);
    assert.deepEqual(store.use(first.refreshToken, CLIENT), { ok: false, reason: 'unknown' });
    assert.equal(store.use(tokens[1]!, CLIENT).ok, true);
    assert.equal(store.use(newest, CLIENT).ok, true);
  });

  it(`keeps at most ${MAX_FAMILIES_PER_USER} families per user: its oldest goes, other users' stay`, () => {
    const store = new RefreshTokens(() => true);
    const other = store.start(grant('o', 'u2'));
    const mine = Array.from({ length: MAX_FAMILIES_PER_USER }, (_, i) => store.start(grant(`s${i}`)));
    const next = store.start(grant('next'));
    assert.equal(store.size, MAX_FAMILIES_PER_USER + 1);
    assert.deepEqual(store.use(mine[0]!, CLIENT), { ok: false, reason: 'unknown' });
    for (const t of [mine[1]!, next, other]) assert.equal(store.use(t, CLIENT).ok, true);
  });

  it('refuses an over-long token before hashing, and a session that now belongs to another user', () => {
    const owner = new Map([['s', 'u1']]);
    const store = new RefreshTokens((key, userId) => owner.get(key) === userId);
    const t = store.start(grant('s'));
    assert.deepEqual(store.use('x'.repeat(101), CLIENT), { ok: false, reason: 'unknown' });
    owner.set('s', 'u2');
    assert.deepEqual(store.use(t, CLIENT), { ok: false, reason: 'session' });
  });
});
