import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrefer } from '../../src/query/prefer.js';
import { parseDurationMs, parseTimespan } from '../../src/query/timespan.js';
import { ApiError } from '../../src/errors/api-error.js';

const now = new Date('2024-06-01T12:00:00Z');

describe('request timespan', () => {
  it('parses ISO 8601 durations', () => {
    assert.equal(parseDurationMs('PT1H'), 3_600_000);
    assert.equal(parseDurationMs('P1D'), 86_400_000);
    assert.equal(parseDurationMs('P1DT2H30M'), 95_400_000);
    assert.equal(parseDurationMs('PT0.5S'), 500);
    assert.equal(parseDurationMs('P'), undefined);
    assert.equal(parseDurationMs('PT'), undefined);
    assert.equal(parseDurationMs('1h'), undefined);
  });
  it('accepts every form the SDK sends', () => {
    assert.deepEqual(parseTimespan('PT1H', now), { start: new Date('2024-06-01T11:00:00Z'), end: now });
    assert.deepEqual(parseTimespan('2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z', now), { start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-01-02T00:00:00Z') });
    assert.deepEqual(parseTimespan('2024-01-01T00:00:00Z/PT1H', now), { start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-01-01T01:00:00Z') });
    assert.deepEqual(parseTimespan('PT1H/2024-01-01T01:00:00Z', now), { start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-01-01T01:00:00Z') });
    assert.equal(parseTimespan(undefined, now), undefined);
  });
  it('refuses nonsense with a 400', () => {
    for (const bad of ['yesterday', 'PT1H/PT2H', '2024-01-02T00:00:00Z/2024-01-01T00:00:00Z', 'a/b/c']) {
      assert.throws(() => parseTimespan(bad, now), (e) => e instanceof ApiError && e.status === 400, bad);
    }
  });
});

describe('Prefer header', () => {
  it('reads the options the SDK sends', () => {
    assert.deepEqual(parsePrefer('wait=60,include-statistics=true,include-render=true'), {
      waitSeconds: 60,
      includeStatistics: true,
      includeRender: true,
      includeDataSources: false,
      includePermissions: false,
    });
    assert.equal(parsePrefer(undefined).includeStatistics, false);
  });
});
