/**
 * The TLS policy of a running Vigil, checked with real handshakes: Node's `tls` with the protocol and
 * ciphers forced, and Debian's `openssl s_client`. TLS 1.3 is negotiated by default; TLS 1.2 only with
 * ECDHE + AEAD ciphers; TLS 1.0 and 1.1 are refused; every answer carries HSTS. Then the operator's
 * certificate: served from the files given, and replaced live when the files change.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { ensureTlsMaterial } from '../../src/server/tls.js';
import { HSTS_VALUE } from '../../src/server/tls-policy.js';
import { TEST_CA_DIR } from '../support/test-ca.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const TEST_CA = readFileSync(join(TEST_CA_DIR, 'tls', 'ca.pem'), 'utf8');

interface Handshake {
  ok: boolean;
  protocol?: string | null;
  cipher?: string;
  fingerprint?: string;
  error?: string;
}

function handshake(url: string, options: tls.ConnectionOptions): Promise<Handshake> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: hostname, port: Number(port), servername: undefined, ...options });
    socket.once('secureConnect', () => {
      const result = { ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName, fingerprint: socket.getPeerX509Certificate()?.fingerprint256 };
      socket.end();
      resolve(result);
    });
    socket.once('error', (err) => resolve({ ok: false, error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` }));
  });
}

const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

/** `openssl s_client` with the given flags; the negotiated protocol and cipher from its summary. */
function sClient(url: string, flags: string[], caFile: string): { connected: boolean; protocol?: string; cipher?: string; output: string } {
  const { hostname, port } = new URL(url);
  const r = spawnSync('openssl', ['s_client', '-connect', `${hostname}:${port}`, '-CAfile', caFile, '-verify_return_error', ...flags], {
    input: 'Q\n',
    encoding: 'utf8',
    timeout: 30_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const m = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(output);
  return { connected: !!m && m[2] !== '(NONE)', protocol: m?.[1], cipher: m?.[2], output };
}

describe('TLS policy', () => {
  let vigil: VigilProcess;
  before(async () => {
    vigil = await startVigil();
  });
  after(async () => {
    await vigil?.dispose();
  });

  test('TLS 1.3 is negotiated by default', async () => {
    const h = await handshake(vigil.endpoint, { ca: TEST_CA });
    assert.equal(h.ok, true, h.error);
    assert.equal(h.protocol, 'TLSv1.3');
    assert.match(h.cipher!, /^TLS_(AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256|AES_128_GCM_SHA256)$/);
  });

  test('TLS 1.2 is accepted with an ECDHE + AEAD cipher', async () => {
    const h = await handshake(vigil.endpoint, { ca: TEST_CA, maxVersion: 'TLSv1.2' });
    assert.equal(h.ok, true, h.error);
    assert.equal(h.protocol, 'TLSv1.2');
    assert.match(h.cipher!, /^TLS_ECDHE_ECDSA_WITH_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256)$/);
  });

  for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-SHA256', 'AES128-GCM-SHA256', 'AES256-SHA']) {
    test(`TLS 1.2 with the weak cipher ${cipher} is refused`, async () => {
      const h = await handshake(vigil.endpoint, { ca: TEST_CA, maxVersion: 'TLSv1.2', ciphers: cipher });
      assert.equal(h.ok, false, `the server accepted ${cipher}: ${h.cipher}`);
      assert.match(h.error!, /handshake failure|no shared cipher|alert/i);
    });
  }

  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    test(`${version} is refused`, async () => {
      // The client is allowed everything (security level 0) so that only the server can refuse.
      const h = await handshake(vigil.endpoint, { ca: TEST_CA, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
      assert.equal(h.ok, false, `the server accepted ${version}`);
      assert.match(h.error!, /protocol version|unsupported protocol|alert/i);
    });
  }

  test('openssl s_client: 1.3 and 1.2 (AEAD) connect; 1.2 with CBC, 1.1 and 1.0 do not', { skip: !opensslAvailable && 'openssl is not installed (Debian package openssl)' }, () => {
    const caFile = join(TEST_CA_DIR, 'tls', 'ca.pem');
    const v13 = sClient(vigil.endpoint, ['-tls1_3'], caFile);
    assert.equal(v13.connected, true, v13.output);
    assert.equal(v13.protocol, 'TLSv1.3');
    const v12 = sClient(vigil.endpoint, ['-tls1_2'], caFile);
    assert.equal(v12.connected, true, v12.output);
    assert.match(v12.cipher!, /^ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    const cbc = sClient(vigil.endpoint, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384'], caFile);
    assert.equal(cbc.connected, false, cbc.output);
    for (const flag of ['-tls1_1', '-tls1']) {
      const old = sClient(vigil.endpoint, [flag, '-cipher', 'DEFAULT@SECLEVEL=0'], caFile);
      assert.equal(old.connected, false, old.output);
    }
  });

  test('every answer carries Strict-Transport-Security: success, 401, 404', async () => {
    for (const [path, status] of [
      ['/healthz', 200],
      ['/v1/workspaces/00000000-0000-0000-0000-000000000000/query?query=print%201', 401],
      ['/no/such/path', 404],
    ] as const) {
      const res = await fetch(`${vigil.endpoint}${path}`);
      assert.equal(res.status, status, path);
      assert.equal(res.headers.get('strict-transport-security'), HSTS_VALUE, path);
    }
  });
});

describe("the operator's certificate", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-opcert-'));
  let vigil: VigilProcess;
  let first: { ca: string; leaf: string };
  let second: { ca: string; leaf: string };
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');

  /** A CA and a leaf for 127.0.0.1 from it, as an operator's PKI would issue. */
  const issue = async (name: string) => {
    const m = await ensureTlsMaterial(join(dir, name));
    return { ca: m.caPem, leaf: m.certPem.trimEnd() + '\n', key: m.keyPem };
  };
  /** Replaces a file the way deployment tools do: a new file renamed over the old one. */
  const replace = (file: string, content: string) => {
    writeFileSync(`${file}.new`, content, { mode: 0o600 });
    renameSync(`${file}.new`, file);
  };
  const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

  before(async () => {
    const a = await issue('pki-a');
    const b = await issue('pki-b');
    first = a;
    second = b;
    // The certificate file holds the leaf and then its chain.
    writeFileSync(certFile, a.leaf + a.ca, { mode: 0o600 });
    writeFileSync(keyFile, a.key, { mode: 0o600 });
    copyFileSync(join(dir, 'pki-a', 'tls', 'ca.pem'), join(dir, 'ca-a.pem'));
    writeFileSync(join(dir, 'next-key.pem'), b.key, { mode: 0o600 });
    vigil = await startVigil({ args: ['--tls-cert', certFile, '--tls-key', keyFile, '--tls-ca', join(dir, 'ca-a.pem'), '--log-level', 'info'] });
  });
  after(async () => {
    await vigil?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is served with its chain, and bootstrap.json names the CA given', async () => {
    const h = await handshake(vigil.endpoint, { ca: first.ca });
    assert.equal(h.ok, true, h.error);
    assert.equal(h.fingerprint, fingerprint(first.leaf));
    assert.equal(vigil.bootstrap.caPath, join(dir, 'ca-a.pem'));
    // The local test CA no longer vouches for the listener.
    assert.equal((await handshake(vigil.endpoint, { ca: TEST_CA })).ok, false);
  });

  test('is replaced live when the files change; a mismatched pair is ignored until it is consistent', async () => {
    // An open connection before the rotation keeps working after it.
    const open = tls.connect({ host: '127.0.0.1', port: Number(new URL(vigil.endpoint).port), ca: first.ca });
    await new Promise<void>((res, rej) => open.once('secureConnect', () => res()).once('error', rej));

    // Step 1: the new certificate arrives before its key. The server says so and keeps the old pair.
    replace(certFile, second.leaf + second.ca);
    await waitFor(() => /not usable yet/.test(vigil.output()), 'the warning about the mismatched pair');
    const during = await handshake(vigil.endpoint, { ca: [first.ca, second.ca] });
    assert.equal(during.ok, true, during.error);
    assert.equal(during.fingerprint, fingerprint(first.leaf));

    // Step 2: the key follows: new handshakes get the new certificate, without a restart.
    replace(keyFile, readFileSync(join(dir, 'next-key.pem'), 'utf8'));
    await waitFor(() => /TLS certificate reloaded/.test(vigil.output()), 'the reload');
    const now = await handshake(vigil.endpoint, { ca: [first.ca, second.ca] });
    assert.equal(now.ok, true, now.error);
    assert.equal(now.fingerprint, fingerprint(second.leaf));
    assert.equal(now.protocol, 'TLSv1.3');
    const stillOld = await handshake(vigil.endpoint, { ca: first.ca });
    assert.equal(stillOld.ok, false, 'the old CA no longer verifies the new certificate');
    assert.equal(vigil.child.exitCode, null, 'the server did not restart');
    assert.equal(open.destroyed, false);
    open.end();

    // The APIs answer over the new certificate.
    const res = await new Promise<number>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: Number(new URL(vigil.endpoint).port), ca: second.ca }, () => {
        s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve(Number(/^HTTP\/1.1 (\d+)/.exec(text)?.[1])));
      s.on('error', reject);
    });
    assert.equal(res, 200);
  });
});

/** Waits for a condition the server reports (a log line), failing with a clear message if it never comes. */
async function waitFor(check: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
