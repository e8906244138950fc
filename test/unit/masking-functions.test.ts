/**
 * The masking functions (src/kql/functions-masking.ts) as DuckDB evaluates them, through the
 * transformation runner: the documented examples, and the cases that must stay untouched.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { compileTransform } from '../../src/ingest/transform/compile-transform.js';
import { TransformRunner } from '../../src/ingest/transform/run-transform.js';

const runner = new TransformRunner();
after(() => runner.close());

async function evaluate(expr: string, input: string, key?: Buffer): Promise<unknown> {
  const t = compileTransform(`source | project r = ${expr}`, [{ name: 's', type: 'string' }]);
  const rows = await runner.apply(t, [[input]], key);
  return rows[0]![0];
}

describe('masking functions', () => {
  it('redact_email replaces every address', async () => {
    assert.equal(await evaluate('redact_email(s)', 'from a.b+tag@mail.example.co.uk to x_y@host.io.'), 'from [email] to [email].');
    assert.equal(await evaluate("redact_email(s, '***')", 'mail alice@example.com'), 'mail ***');
    assert.equal(await evaluate('redact_email(s)', 'no address @ here, user@localhost'), 'no address @ here, user@localhost');
  });

  it('redact_card replaces Luhn-valid card numbers only', async () => {
    assert.equal(await evaluate('redact_card(s)', 'paid with 4111 1111 1111 1111 and 5500-0000-0000-0004'), 'paid with [card] and [card]');
    assert.equal(await evaluate('redact_card(s)', 'order 4111111111111112 (not Luhn-valid), phone 0123456789'), 'order 4111111111111112 (not Luhn-valid), phone 0123456789');
    assert.equal(await evaluate('redact_card(s)', 'amex 378282246310005'), 'amex [card]');
  });

  it('redact_ip replaces IPv4 and IPv6 addresses but not times or versions', async () => {
    assert.equal(await evaluate('redact_ip(s)', 'from 192.168.10.20 via fe80::1ff:fe23:4567:890a and 2001:db8:0:0:1:0:0:1, ::1'), 'from [ip] via [ip] and [ip], [ip]');
    assert.equal(await evaluate('redact_ip(s)', 'at 12:30:45 version 1.2.3 and 999.1.1.1'), 'at 12:30:45 version 1.2.3 and 999.1.1.1');
  });

  it('redact_secrets removes keys, tokens and connection-string secrets', async () => {
    assert.equal(
      await evaluate('redact_secrets(s)', 'DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=abc123+/==;EndpointSuffix=core.windows.net'),
      'DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=[secret];EndpointSuffix=core.windows.net',
    );
    assert.equal(await evaluate('redact_secrets(s)', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_part-1'), 'Authorization: Bearer [secret]');
    assert.equal(await evaluate('redact_secrets(s)', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc'), 'jwt [secret]');
    assert.equal(await evaluate('redact_secrets(s)', 'key AKIAIOSFODNN7EXAMPLE and ghp_abcdefghijklmnopqrstuvwxyz0123456789'), 'key [secret] and [secret]');
    assert.equal(await evaluate('redact_secrets(s)', 'password="p a s s"; api_key: k-123'), 'password=[secret]; api_key: [secret]');
    assert.equal(await evaluate('redact_secrets(s)', '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- end'), '[secret] end');
    assert.equal(await evaluate('redact_secrets(s)', 'nothing secret here'), 'nothing secret here');
  });

  it('hash_sha256 is the exact SHA-256 and hash_hmac_sha256_ws is RFC 2104 HMAC under the given key', async () => {
    assert.equal(await evaluate('hash_sha256(s)', 'abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    assert.equal(await evaluate('hash_hmac_sha256_ws(s)', 'alice@example.com', key), createHmac('sha256', key).update('alice@example.com').digest('hex'));
    await assert.rejects(runner.apply(compileTransform('source | project r = hash_hmac_sha256_ws(s)', [{ name: 's', type: 'string' }]), [['x']]), /no workspace key/);
  });

  it('parse_cef_dictionary reads the extension of a CEF message', async () => {
    const v = await evaluate('tostring(parse_cef_dictionary(s))', 'CEF:0|Vendor|Product|1.0|100|Login|5|src=10.0.0.1 suser=bob msg=login failed for bob dpt=22');
    assert.deepEqual(JSON.parse(v as string), { src: '10.0.0.1', suser: 'bob', msg: 'login failed for bob', dpt: '22' });
  });
});

describe('transformation runner', () => {
  it('keeps concurrent batches apart (each gets exactly its own rows back)', async () => {
    const a = compileTransform('source | where n % 2 == 0 | extend h = hash_sha256(s)', [{ name: 's', type: 'string' }, { name: 'n', type: 'long' }]);
    const b = compileTransform('source | project s = toupper(s)', [{ name: 's', type: 'string' }]);
    const jobs = Array.from({ length: 24 }, (_, k) =>
      k % 2 === 0
        ? runner.apply(a, Array.from({ length: 50 }, (_, i) => [`a${k}-${i}`, BigInt(i)])).then((rows) => {
          assert.equal(rows.length, 25);
          assert.ok(rows.every((r) => String(r[0]).startsWith(`a${k}-`)));
        })
        : runner.apply(b, Array.from({ length: 30 }, (_, i) => [`b${k}-${i}`])).then((rows) => {
          assert.deepEqual(rows, Array.from({ length: 30 }, (_, i) => [`B${k}-${i}`]));
        }),
    );
    await Promise.all(jobs);
  });
});
