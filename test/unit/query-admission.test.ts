import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/errors/api-error.js';
import { QueryAdmission } from '../../src/query/admission.js';

const far = () => Date.now() + 60_000;
const status = (e: unknown) => (e instanceof ApiError ? e.status : -1);

describe('query admission', () => {
  it('runs at most N queries per principal and hands slots over in order', async () => {
    const a = new QueryAdmission(2, 10);
    const r1 = await a.admit('p', far());
    const r2 = await a.admit('p', far());
    const order: number[] = [];
    const w3 = a.admit('p', far()).then((r) => (order.push(3), r));
    const w4 = a.admit('p', far()).then((r) => (order.push(4), r));
    const other = await a.admit('q', far()); // another principal is not held up
    other();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, []);
    r1();
    const r3 = await w3;
    assert.deepEqual(order, [3]);
    r1(); // releasing twice frees nothing more
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, [3]);
    r2();
    (await w4)();
    r3();
    // Everything released: two new queries run at once again.
    (await a.admit('p', far()))();
  });

  it('counts waiting against the deadline (504) and honours cancellation (499)', async () => {
    const a = new QueryAdmission(1, 10);
    const r = await a.admit('p', far());
    await assert.rejects(a.admit('p', Date.now() + 30), (e) => status(e) === 504);
    const ac = new AbortController();
    const w = a.admit('p', far(), ac.signal);
    ac.abort();
    await assert.rejects(w, (e) => status(e) === 499);
    r();
    (await a.admit('p', far()))();
  });

  it('refuses with 429 when too many queries wait', async () => {
    const a = new QueryAdmission(1, 2);
    const r = await a.admit('p', far());
    const w1 = a.admit('p', far());
    const w2 = a.admit('p', far());
    await assert.rejects(a.admit('p', far()), (e) => status(e) === 429 && (e as ApiError).headers['retry-after'] !== undefined);
    r();
    (await w1)();
    (await w2)();
  });
});
