import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateClientSecret, hashSecret, secretHint, verifySecret } from '../../src/identity/secrets.js';

test('generated secrets are Entra-shaped, URL-safe and unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = generateClientSecret();
    assert.equal(s.length, 40);
    assert.match(s, /^[A-Za-z0-9]{3}8Q~[A-Za-z0-9._~-]{34}$/);
    assert.equal(encodeURIComponent(s).replace(/%7E/gi, '~'), s);
    assert.equal(secretHint(s), s.slice(0, 3));
    seen.add(s);
  }
  assert.equal(seen.size, 200);
});

test('hash/verify round trip; wrong secrets refused; hash never contains the secret', async () => {
  const secret = generateClientSecret();
  const hash = await hashSecret(secret);
  assert.match(hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
  assert.ok(!hash.includes(secret));
  assert.ok(!hash.includes(secret.slice(6)));
  assert.ok(!hash.includes(Buffer.from(secret).toString('base64').replace(/=+$/, '')));
  assert.equal(await verifySecret(secret, hash), true);
  assert.equal(await verifySecret(secret + 'x', hash), false);
  assert.equal(await verifySecret(secret.slice(0, -1), hash), false);
  assert.equal(await verifySecret('', hash), false);
  assert.equal(await verifySecret(secret.toUpperCase(), hash), false);
  // Same secret, different salt.
  assert.notEqual(await hashSecret(secret), hash);
});

test('a malformed stored hash is a mismatch, not an exception', async () => {
  for (const bad of ['', 'plain-text', '$argon2id$v=19$m=1,t=1,p=1$AAAA$BBBB', '$2b$10$abcdefghijklmnopqrstuv']) {
    assert.equal(await verifySecret('whatever', bad), false);
  }
});

test('verification is fast enough for a token endpoint (well under 100 ms)', async () => {
  const secret = generateClientSecret();
  const hash = await hashSecret(secret);
  await verifySecret(secret, hash); // warm-up
  const n = 5;
  const start = performance.now();
  for (let i = 0; i < n; i++) await verifySecret(secret, hash);
  const avg = (performance.now() - start) / n;
  assert.ok(avg < 100, `average verify took ${avg.toFixed(1)} ms`);
});
