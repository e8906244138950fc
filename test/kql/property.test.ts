/**
 * Property tests: literals round-trip exactly through lexer → parser → SQL → DuckDB → wire.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatTimespanTicks } from '../../src/kql/literals.js';
import { openDb, runKql } from './harness.js';

let conn: DuckDBConnection;

/** Encodes a JS string as a KQL double-quoted string literal. */
function kqlString(s: string): string {
  return '"' + s.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]!) + '"';
}

async function printValue(literal: string): Promise<unknown> {
  const r = await runKql(conn, `print x = ${literal}`);
  assert.equal(r.rows.length, 1);
  return r.rows[0]![0];
}

const RUNS = { numRuns: 150 };

describe('literal round-trips', () => {
  before(async () => {
    conn = await openDb();
  });
  after(() => conn.closeSync());

  test('strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (s) => {
        assert.equal(await printValue(kqlString(s)), s);
      }),
      RUNS,
    );
  });

  test('verbatim strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).filter((s) => !/[\n\r]/.test(s)), async (s) => {
        assert.equal(await printValue(`@'${s.replace(/'/g, "''")}'`), s);
      }),
      RUNS,
    );
  });

  test('longs (exact through tostring, and exact on the wire: numbers when a double holds them, else bigints)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), async (n) => {
        assert.equal(await printValue(`tostring(${n})`), n.toString());
        const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
        assert.equal(await printValue(`${n}`), safe ? Number(n) : n);
      }),
      RUNS,
    );
  });

  test('reals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (d) => {
        const lit = `real(${d < 0 || Object.is(d, -0) ? '-' : ''}${String(Math.abs(d))})`;
        const v = await printValue(lit);
        assert.ok(Object.is(v, d) || (d === 0 && v === 0), `${lit} → ${String(v)}`);
      }),
      RUNS,
    );
  });

  test('datetimes (100-ns ticks, 7-digit wire format)', async () => {
    const arb = fc.tuple(
      fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 9999 }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ([d, subMs]) => {
        const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
        const frac = iso.slice(20, 23) + String(subMs).padStart(4, '0');
        const lit = `datetime(${iso.slice(0, 19)}.${frac})`;
        assert.equal(await printValue(lit), `${iso.slice(0, 19)}.${frac}Z`);
        // and back through text: tostring() then todatetime() keeps every tick
        assert.equal(await printValue(`todatetime(tostring(${lit}))`), `${iso.slice(0, 19)}.${frac}Z`);
      }),
      RUNS,
    );
  });

  test('timespans', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), async (ticks) => {
        const text = formatTimespanTicks(ticks);
        assert.equal(await printValue(`time(${text})`), text);
        assert.equal(await printValue(`${ticks}tick`.replace(/^-(.*)$/, '-$1')), text);
      }),
      RUNS,
    );
  });

  test('tostring of timespans and datetimes agrees with the wire format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), async (ticks) => {
        const r = await runKql(conn, `print t = ${ticks}tick | extend s = tostring(t), d = datetime(2000-01-01) + t | extend ds = tostring(d)`);
        const [t, s, d, ds] = r.rows[0]!;
        assert.equal(s, t);
        assert.equal(ds, d);
      }),
      { numRuns: 80 },
    );
  });
});
