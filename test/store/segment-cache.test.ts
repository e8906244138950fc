/**
 * The segment cache with asynchronous loads (decryption off the event loop, several at once): the
 * interleavings of a load in flight with other readers, with drop (the segment left the manifest or
 * moved into the memory tier), with eviction, and with close — each decided by the test, not by timing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SegmentCache } from '../../src/store/segment-cache.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-segment-cache-'));
  dirs.push(d);
  return d;
}

/** A load the test finishes when it wants. */
function gate() {
  let open!: (b: Buffer) => void;
  let fail!: (e: Error) => void;
  const p = new Promise<Buffer>((res, rej) => {
    open = res;
    fail = rej;
  });
  let calls = 0;
  return {
    load: () => {
      calls++;
      return p;
    },
    open,
    fail,
    calls: () => calls,
  };
}

describe('segment cache, asynchronous loads', () => {
  it('shares one load in flight between readers; each pins the same file', async () => {
    const dir = folder();
    const c = new SegmentCache(dir, 1 << 20);
    const g = gate();
    const a = c.acquire('s1', g.load);
    const b = c.acquire('s1', g.load);
    g.open(Buffer.from('plain-1'));
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(g.calls(), 1);
    assert.equal(ra.path, rb.path);
    assert.equal([ra.hit, rb.hit].filter(Boolean).length, 1, 'one miss, one shared');
    assert.equal(readFileSync(ra.path, 'utf8'), 'plain-1');
    c.release(ra);
    c.release(rb);
    assert.equal(c.count, 1);
  });

  it('a segment dropped while it loads arrives doomed: its readers get it, later readers load again, the file goes with the last reader', async () => {
    const dir = folder();
    const c = new SegmentCache(dir, 1 << 20);
    const g = gate();
    const a = c.acquire('s1', g.load);
    c.drop('s1');
    g.open(Buffer.from('old'));
    const ra = await a;
    assert.equal(readFileSync(ra.path, 'utf8'), 'old');
    assert.equal(c.count, 0, 'not cached');
    const rb = await c.acquire('s1', () => Buffer.from('new'));
    assert.notEqual(rb.path, ra.path);
    assert.equal(rb.hit, false);
    c.release(ra);
    assert.equal(existsSync(ra.path), false, 'the doomed copy goes with its last reader');
    assert.equal(readFileSync(rb.path, 'utf8'), 'new');
    c.release(rb);
  });

  it('a failed load leaves nothing behind and the next reader tries again', async () => {
    const dir = folder();
    const c = new SegmentCache(dir, 1 << 20);
    const g = gate();
    const a = c.acquire('s1', g.load);
    g.fail(new Error('damaged'));
    await assert.rejects(a, /damaged/);
    assert.equal(c.count, 0);
    assert.deepEqual(readdirSync(dir), []);
    const r = await c.acquire('s1', () => Buffer.from('ok'));
    assert.equal(readFileSync(r.path, 'utf8'), 'ok');
    c.release(r);
  });

  it('never evicts a pinned file while other loads complete, and fits the budget once released', async () => {
    const dir = folder();
    const c = new SegmentCache(dir, 10);
    const loads = ['a', 'b', 'c'].map((id) => ({ id, g: gate() }));
    const pending = loads.map(({ id, g }) => c.acquire(id, g.load));
    for (const { g } of loads.reverse()) g.open(Buffer.alloc(6, 1));
    const handles = await Promise.all(pending);
    for (const h of handles) assert.equal(existsSync(h.path), true, 'pinned files stay while read');
    for (const h of handles) c.release(h);
    assert.ok(c.bytes <= 10, `cache holds ${c.bytes} bytes`);
  });

  it('after close no load inserts; settled() waits for the ones in flight and their files go with their readers', async () => {
    const dir = folder();
    const c = new SegmentCache(dir, 1 << 20);
    const g = gate();
    const a = c.acquire('s1', g.load);
    c.close();
    let settled = false;
    const s = c.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'a load is still in flight');
    g.open(Buffer.from('late'));
    await assert.rejects(a, /closed/);
    await s;
    assert.equal(c.count, 0);
    assert.deepEqual(readdirSync(dir), []);
  });
});
