/** The SSRF checks of alert webhooks: which resolved addresses Vigil may connect to. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookSender } from '../../src/alerts/webhook-delivery.js';
import { checkTarget, parseAllowEntry, restrictedRange } from '../../src/alerts/webhook-target.js';

describe('webhook target checks', () => {
  it('classifies loopback, private, link-local, CGNAT, multicast, unspecified and IPv6 special ranges', () => {
    for (const [a, why] of [
      ['127.0.0.1', 'loopback'],
      ['127.255.1.2', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.0.1', 'carrier-grade NAT'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd00::1', 'unique-local (private)'],
      ['fe80::1', 'link-local'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:169.254.169.254', 'link-local'],
    ] as const) {
      assert.equal(restrictedRange(a), why, a);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700::1111', '100.128.0.1']) assert.equal(restrictedRange(a), undefined, a);
  });

  it('refuses restricted addresses unless an operator entry allows them', () => {
    const none = { allow: [] };
    assert.match(checkTarget(none, '127.0.0.1', '127.0.0.1', 8080)!, /loopback/);
    assert.match(checkTarget(none, 'metadata', '169.254.169.254', 80)!, /link-local.*--alert-webhook-allow 169\.254\.169\.254:80/);
    assert.equal(checkTarget(none, 'example.com', '93.184.216.34', 443), undefined);
    const hostPort = { allow: [parseAllowEntry('127.0.0.1:9000')] };
    assert.equal(checkTarget(hostPort, '127.0.0.1', '127.0.0.1', 9000), undefined);
    assert.match(checkTarget(hostPort, '127.0.0.1', '127.0.0.1', 9001)!, /loopback/, 'another port is not allowed');
    const byName = { allow: [parseAllowEntry('hooks.internal:443')] };
    assert.equal(checkTarget(byName, 'hooks.internal', '10.0.0.5', 443), undefined, 'a named host:port allows what that name resolves to');
    assert.match(checkTarget(byName, 'other.internal', '10.0.0.5', 443)!, /private/);
    const cidr = { allow: [parseAllowEntry('10.0.0.0/8'), parseAllowEntry('fd00::/8')] };
    assert.equal(checkTarget(cidr, 'x', '10.9.9.9', 1234), undefined);
    assert.equal(checkTarget(cidr, 'x', 'fd12::1', 1234), undefined);
    assert.match(checkTarget(cidr, 'x', '192.168.0.1', 1234)!, /private/);
  });

  it("never allows Vigil's own port on a local address, even when the range is allowed", () => {
    const policy = { allow: [parseAllowEntry('127.0.0.0/8'), parseAllowEntry('127.0.0.1:8443')], ownPort: () => 8443 };
    assert.match(checkTarget(policy, '127.0.0.1', '127.0.0.1', 8443)!, /Vigil's own listener/);
    assert.match(checkTarget(policy, 'localhost', '::ffff:127.0.0.2', 8443)!, /Vigil's own listener/);
    assert.equal(checkTarget(policy, '127.0.0.1', '127.0.0.1', 8444), undefined);
  });

  it('parses allow entries and refuses malformed ones', () => {
    assert.deepEqual(parseAllowEntry('[::1]:8080').hostPort, { host: '::1', port: 8080 });
    assert.deepEqual(parseAllowEntry('192.168.0.0/16').cidr, { address: '192.168.0.0', prefix: 16, family: 'ipv4' });
    for (const bad of ['10.0.0.0/33', 'nonsense', 'host:0', 'host:99999', 'x/8']) assert.throws(() => parseAllowEntry(bad), bad);
  });

  it('checks every address a name resolves to, and refuses non-https targets', async () => {
    const sender = new WebhookSender({ policy: { allow: [] } });
    // localhost resolves to loopback addresses only: refused before any connection.
    const r = await sender.resolveTarget(new URL('https://localhost:9/x'));
    assert.ok('refused' in r && /loopback/.test(r.refused), JSON.stringify(r));
    const plain = await sender.send('http://127.0.0.1:9/x', '{}');
    assert.equal(plain.ok, false);
    assert.equal(plain.permanent, true);
    assert.match(plain.error!, /only https/);
    const meta = await sender.send('https://169.254.169.254/latest/meta-data', '{}');
    assert.match(meta.error!, /link-local/);
  });
});
