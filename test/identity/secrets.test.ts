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

test('hashes use a bounded argon2id cost fit for a token endpoint (OWASP minimum profile: 19 MiB, 2 passes, 1 lane)', async () => {
  // Checked through the parameters the PHC string carries, not by timing (timings fail under load):
  // these parameters fix the work of one verification.
  const hash = await hashSecret(generateClientSecret());
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
});
