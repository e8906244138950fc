import assert from 'node:assert/strict';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ensureTlsMaterial } from '../../src/server/tls.js';
import { tempDir } from './helpers.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function get(port: number, host: string, ca: string | undefined, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, path: '/', method: 'GET', ca, servername, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test('creates the CA and server certificate with private modes, then reuses them', async (t) => {
  const dir = tempDir(t);
  const m = await ensureTlsMaterial(dir);
  const tlsDir = path.join(dir, 'tls');
  assert.equal(m.caPath, path.join(tlsDir, 'ca.pem'));
  assert.equal(mode(tlsDir), 0o700);
  assert.equal(mode(path.join(tlsDir, 'ca-key.pem')), 0o600);
  assert.equal(mode(path.join(tlsDir, 'server.pem')), 0o600);
  assert.equal(mode(path.join(tlsDir, 'server-key.pem')), 0o600);
  assert.ok((mode(m.caPath) & 0o022) === 0, 'ca.pem not writable by others');
  assert.equal(readFileSync(m.caPath, 'utf8'), m.caPem);
  assert.match(m.keyPem, /^-----BEGIN PRIVATE KEY-----/); // PKCS#8

  const ca = new X509Certificate(m.caPem);
  const leaf = new X509Certificate(m.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  assert.ok(leaf.checkHost('localhost'));
  assert.ok(leaf.checkIP('127.0.0.1'));
  assert.ok(leaf.checkIP('::1'));
  assert.equal(leaf.checkHost('example.com'), undefined);
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']); // EKU serverAuth only
  assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
  assert.ok(days > 360 && days <= 366, `leaf valid for ${days} days`);
  assert.ok((Date.parse(ca.validTo) - Date.now()) / 86_400_000 > 3600);

  const again = await ensureTlsMaterial(dir);
  assert.deepEqual(again, m);
});

test('extra host names re-issue the leaf under the same CA', async (t) => {
  const dir = tempDir(t);
  const first = await ensureTlsMaterial(dir);
  const second = await ensureTlsMaterial(dir, ['vigil.internal', '10.1.2.3']);
  assert.equal(second.caPem, first.caPem);
  assert.notEqual(second.certPem, first.certPem);
  const leaf = new X509Certificate(second.certPem);
  assert.ok(leaf.checkHost('vigil.internal'));
  assert.ok(leaf.checkIP('10.1.2.3'));
  assert.ok(leaf.checkHost('localhost'));
  assert.deepEqual(await ensureTlsMaterial(dir, ['vigil.internal']), second); // already covered
  const wild = await ensureTlsMaterial(dir, ['*.vigil.internal']);
  assert.deepEqual(await ensureTlsMaterial(dir, ['*.vigil.internal']), wild); // stable across restarts
  assert.ok(new X509Certificate(wild.certPem).checkHost('node1.vigil.internal'));
  await assert.rejects(ensureTlsMaterial(dir, ['bad host/name']), /Invalid host name/);
});

test('loosened key permissions are tightened; a lone CA certificate is refused, not replaced', async (t) => {
  const dir = tempDir(t);
  const m = await ensureTlsMaterial(dir);
  const caKey = path.join(dir, 'tls', 'ca-key.pem');
  chmodSync(caKey, 0o644);
  chmodSync(path.join(dir, 'tls'), 0o755);
  await ensureTlsMaterial(dir);
  assert.equal(mode(caKey), 0o600);
  assert.equal(mode(path.join(dir, 'tls')), 0o700);

  rmSync(caKey);
  await assert.rejects(ensureTlsMaterial(dir), /ca-key\.pem is missing/);
  assert.equal(readFileSync(m.caPath, 'utf8'), m.caPem);
});

test('a leaf not signed by the CA is re-issued', async (t) => {
  const dir = tempDir(t);
  const other = await ensureTlsMaterial(tempDir(t));
  const m = await ensureTlsMaterial(dir);
  writeFileSync(path.join(dir, 'tls', 'server.pem'), other.certPem);
  writeFileSync(path.join(dir, 'tls', 'server-key.pem'), other.keyPem);
  const fixed = await ensureTlsMaterial(dir);
  assert.equal(fixed.caPem, m.caPem);
  assert.ok(new X509Certificate(fixed.certPem).checkIssued(new X509Certificate(m.caPem)));
});

test('a leaf that expires within 30 days is re-issued', async (t) => {
  const dir = tempDir(t);
  const m = await ensureTlsMaterial(dir);
  const tlsDir = path.join(dir, 'tls');
  const ec = { name: 'ECDSA', namedCurve: 'P-256' };
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(readFileSync(path.join(tlsDir, 'ca-key.pem'))).export({ type: 'pkcs8', format: 'der' }),
    ec,
    false,
    ['sign'],
  );
  const leafKeys = (await webcrypto.subtle.generateKey(ec, true, ['sign', 'verify'])) as CryptoKeyPair;
  const shortLived = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: new x509.X509Certificate(m.caPem).subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: leafKeys.publicKey,
    signingKey: caKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }])],
  });
  const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey));
  writeFileSync(path.join(tlsDir, 'server.pem'), shortLived.toString('pem'));
  writeFileSync(path.join(tlsDir, 'server-key.pem'), createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
  // Sanity: the planted leaf is otherwise acceptable (right CA, right names).
  assert.ok(new X509Certificate(shortLived.toString('pem')).checkIssued(new X509Certificate(m.caPem)));

  const renewed = await ensureTlsMaterial(dir);
  assert.equal(renewed.caPem, m.caPem);
  assert.notEqual(renewed.certPem, shortLived.toString('pem'));
  assert.ok((Date.parse(new X509Certificate(renewed.certPem).validTo) - Date.now()) / 86_400_000 > 360);
  assert.equal(mode(path.join(tlsDir, 'server-key.pem')), 0o600);
});

test('an https server with the certificate is trusted for localhost and 127.0.0.1 by a client with the CA', async (t) => {
  const m = await ensureTlsMaterial(tempDir(t));
  const server = https.createServer({ key: m.keyPem, cert: m.certPem, minVersion: 'TLSv1.2' }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;

  assert.equal(await get(port, '127.0.0.1', m.caPem), 'ok');
  assert.equal(await get(port, '127.0.0.1', m.caPem, 'localhost'), 'ok'); // connect by IP, verify as "localhost"
  // Without the CA, or for a name outside the SANs, the client refuses.
  await assert.rejects(get(port, '127.0.0.1', undefined), /self[- ]signed|unable to (get|verify)/i);
  await assert.rejects(get(port, '127.0.0.1', m.caPem, 'example.com'), /altnames|does not match/i);
});
