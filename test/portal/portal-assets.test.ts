/**
 * The portal's static assets as a browser sees them over HTTPS (issue 18, first load under 2 s): the
 * bundle is named by content hash and cached `immutable`, index.html is revalidated (`no-cache`, same
 * CSP), every file has an ETag and If-None-Match answers 304, the large bundles go out pre-compressed
 * (brotli or gzip, by Accept-Encoding), and neither a forged If-None-Match nor a path under
 * /portal/assets reaches anything but the asset it names.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { PORTAL_CSP } from '../../src/portal/routes.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const ASSETS = resolve(fileURLToPath(new URL('../../portal/assets', import.meta.url)));
const HASHED = /^\/portal\/assets\/[a-z.]+-[A-Z2-7]{8}\.(js|css)$/;

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A GET with exactly these headers (fetch would add its own Accept-Encoding and decode the body). */
function get(endpoint: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolveRaw, reject) => {
    const req = request(`${endpoint}${path}`, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveRaw({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('portal assets: caching, revalidation, compression', { timeout: 180_000 }, () => {
  let vigil: VigilProcess;
  let entryJs: string;
  let entryCss: string;
  let kustoWorker: string;
  before(async () => {
    vigil = await startVigil();
    const html = (await get(vigil.endpoint, '/portal/')).body.toString('utf8');
    entryJs = /<script type="module" src="([^"]+)"><\/script>/.exec(html)![1]!;
    entryCss = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!;
    kustoWorker = `/portal/assets/${readdirSync(ASSETS).find((n) => /^kusto\.worker-[A-Z2-7]{8}\.js$/.test(n))!}`;
  });
  after(async () => vigil?.dispose());

  it('names the bundle by content hash and caches it for a year; index.html is revalidated with its CSP', async () => {
    const page = await get(vigil.endpoint, '/portal/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['content-security-policy'], PORTAL_CSP);
    assert.match(String(page.headers.etag), /^"[A-Za-z0-9_-]+"$/);
    assert.match(entryJs, HASHED);
    assert.match(entryCss, HASHED);
    assert.match(kustoWorker, /^\/portal\/assets\/kusto\.worker-[A-Z2-7]{8}\.js$/);
    for (const path of [entryJs, entryCss, kustoWorker]) {
      const r = await get(vigil.endpoint, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable', path);
      assert.equal(r.headers['content-security-policy'], PORTAL_CSP, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.ok(r.headers.etag, path);
      assert.ok(r.body.length > 100, path);
    }
    // The sign-in page's stylesheet keeps its name (the server-rendered page names it): revalidated, not immutable.
    const signin = await get(vigil.endpoint, '/portal/assets/signin.css');
    assert.equal(signin.status, 200);
    assert.equal(signin.headers['cache-control'], 'no-cache');
    // The old unhashed names are gone, so no browser can hold a stale copy under them.
    assert.equal((await get(vigil.endpoint, '/portal/assets/kusto.worker.js')).status, 404);
  });

  it('answers If-None-Match with 304 for the current ETag, and the full body for any other', async () => {
    for (const path of ['/portal/', entryJs, kustoWorker, '/portal/assets/signin.css']) {
      const first = await get(vigil.endpoint, path);
      const etag = String(first.headers.etag);
      const again = await get(vigil.endpoint, path, { 'if-none-match': etag });
      assert.equal(again.status, 304, path);
      assert.equal(again.body.length, 0, path);
      assert.equal(again.headers.etag, etag, path);
      assert.equal(again.headers['cache-control'], first.headers['cache-control'], path);
      assert.equal((await get(vigil.endpoint, path, { 'if-none-match': `W/${etag}` })).status, 304, `${path} weak`);
      assert.equal((await get(vigil.endpoint, path, { 'if-none-match': `"other", ${etag}` })).status, 304, `${path} in a list`);
      // Tampered: one character changed, the quotes dropped, another file's tag, garbage.
      const flipped = etag.replace(/^"(.)/, (_m, c: string) => `"${c === 'A' ? 'B' : 'A'}`);
      for (const forged of [flipped, etag.slice(1, -1), `${etag.slice(0, -1)}x"`, '"', 'W/', ',,,', 'a'.repeat(5000)]) {
        const r = await get(vigil.endpoint, path, { 'if-none-match': forged });
        assert.equal(r.status, 200, `${path} with If-None-Match ${forged.slice(0, 40)}`);
        assert.deepEqual(r.body, first.body, path);
      }
    }
    const css = await get(vigil.endpoint, entryCss);
    assert.equal((await get(vigil.endpoint, entryJs, { 'if-none-match': String(css.headers.etag) })).status, 200, "another asset's ETag");
  });

  it('sends the large bundles brotli- or gzip-compressed as Accept-Encoding allows', async () => {
    const plain = await get(vigil.endpoint, kustoWorker);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    const br = await get(vigil.endpoint, kustoWorker, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.ok(br.body.length < plain.body.length / 4, `brotli ${br.body.length} of ${plain.body.length} bytes`);
    assert.deepEqual(brotliDecompressSync(br.body), plain.body);
    const gz = await get(vigil.endpoint, kustoWorker, { 'accept-encoding': 'br;q=0, gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), plain.body);
    assert.notEqual(gz.headers.etag, br.headers.etag, 'each representation has its own strong ETag');
    assert.notEqual(plain.headers.etag, br.headers.etag);
    const none = await get(vigil.endpoint, kustoWorker, { 'accept-encoding': 'identity, br;q=0, gzip;q=0' });
    assert.equal(none.headers['content-encoding'], undefined);
    assert.deepEqual(none.body, plain.body);
    const star = await get(vigil.endpoint, entryCss, { 'accept-encoding': '*' });
    assert.equal(star.headers['content-encoding'], 'br');
    // A revalidation in one coding matches the same content fetched in another (If-None-Match is a weak comparison).
    assert.equal((await get(vigil.endpoint, kustoWorker, { 'accept-encoding': 'br', 'if-none-match': String(plain.headers.etag) })).status, 304);
  });

  it('names nothing outside the assets folder, nor the pre-compressed files themselves', async () => {
    const etag = String((await get(vigil.endpoint, '/portal/')).headers.etag);
    const worker = kustoWorker.split('/').pop()!;
    for (const name of ['..%2Findex.html', '..%2F..%2Fportal%2Findex.html', '%2e%2e%2f%2e%2e%2fbootstrap.json', '..%5Cindex.html', 'index.html', `${worker}.br`, `${worker}.gz`, '.%2E%2Findex.html', 'a%00.js']) {
      for (const headers of [{}, { 'if-none-match': etag, 'accept-encoding': 'br' }] as Record<string, string>[]) {
        const r = await get(vigil.endpoint, `/portal/assets/${name}`, headers);
        assert.equal(r.status, 404, name);
        assert.match(r.body.toString('utf8'), /"code":"PathNotFoundError"/, name);
      }
    }
    for (const path of ['/portal/assets/../../bootstrap.json', '/portal/assets/%2e%2e/%2e%2e/bootstrap.json', '/portal/assets//etc/passwd']) {
      const r = await get(vigil.endpoint, path, { 'if-none-match': etag });
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.body.toString('utf8'), /tenantId|root:/, path);
    }
  });
});
