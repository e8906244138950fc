/**
 * How the write-ahead log hands durable records to their applier (the memory tier's append): records
 * that become durable while earlier ones are still being applied wait, and are then applied together —
 * several groups in one call, in sequence order — each append still settling with its own outcome.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readWal, WalWriter, type Applier } from '../../src/store/wal.js';
import { tempDirs } from './fixtures.js';

const WS = '7c1f0e2d-3b4a-4c5d-8e6f-9a0b1c2d3e4f';
const KEY = randomBytes(32);
const tempDir = tempDirs('vigil-wal-apply-');

/** Sequence numbers of the records on disk so far (the file is still being appended to). */
function onDisk(dir: string): number[] {
  const seqs: number[] = [];
  readWal(dir, WS, KEY, (seq) => {
    seqs.push(seq);
    return 't';
  }, false);
  return seqs;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('write-ahead log: applying durable records', () => {
  it('records made durable while an application runs are applied together in the next call, in order, each with its own outcome', async () => {
    const dir = join(tempDir(), 'wal');
    mkdirSync(dir);
    const wal = new WalWriter(dir, WS, KEY, 0, [], 64 * 1024 * 1024);
    const calls: string[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const applier: Applier<string> = async (records) => {
      calls.push(records.map((r) => r.item));
      if (calls.length === 1) await held;
      // The applier refuses 'c': only that append fails.
      return records.map((r) => (r.item === 'c' ? new Error('c refused') : undefined));
    };
    const a = wal.appendTo(Buffer.from('a'), 't', 'a', applier);
    await until('the first record is being applied', () => calls.length === 1);
    // Three more records, each written (and fsynced) as a group of its own while 'a' is being applied.
    const b = wal.appendTo(Buffer.from('b'), 't', 'b', applier);
    await until('b is on disk', () => onDisk(dir).length === 2);
    const c = wal.appendTo(Buffer.from('c'), 't', 'c', applier).then(
      () => assert.fail('c was refused by its applier'),
      (e: Error) => e.message,
    );
    await until('c is on disk', () => onDisk(dir).length === 3);
    const d = wal.appendTo(Buffer.from('d'), 't', 'd', applier);
    await until('d is on disk', () => onDisk(dir).length === 4);
    assert.deepEqual(calls, [['a']], 'nothing else is applied while the first application runs');
    release();
    assert.equal(await a, 1);
    assert.equal(await b, 2);
    assert.equal(await c, 'c refused');
    assert.equal(await d, 4);
    assert.deepEqual(calls, [['a'], ['b', 'c', 'd']], 'the three durable records in one call, in sequence order');
    // Afterwards a lone record is applied on its own, as before.
    assert.equal(await wal.appendTo(Buffer.from('e'), 't', 'e', applier), 5);
    assert.deepEqual(calls.at(-1), ['e']);
    await wal.close();
    assert.deepEqual(onDisk(dir), [1, 2, 3, 4, 5]);
  });
});
