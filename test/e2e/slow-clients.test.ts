/**
 * Slow and abruptly disconnecting clients against a real server: connections that stall in the
 * middle of a request body (slowloris), that drop mid-body, mid-TLS-handshake or right after
 * connecting. Expected: the server keeps answering everyone else meanwhile; a stalled request is
 * answered 408 and its connection closed after --request-timeout; afterwards the server holds no
 * more open descriptors than before (nothing leaked).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';

const TABLE = 'Slow_CL';
const STREAM = 'Slow';
const N = 25;

describe('slow and abruptly disconnecting clients', { timeout: 240_000 }, () => {
  let vigil: VigilProcess;
  let ruleId: string;
  let port: number;
  const ca = () => readFileSync(process.env.NODE_EXTRA_CA_CERTS!);
  const fds = () => readdirSync(`/proc/${vigil.child.pid}/fd`).length;

  before(async () => {
    vigil = await startVigil({ args: ['--request-timeout', '3'] });
    port = Number(new URL(vigil.bootstrap.endpoint).port);
    ruleId = await createLogTable(vigil.bootstrap, TABLE, STREAM, [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'K', type: 'int' },
    ]);
  });
  after(async () => vigil?.dispose());

  const tls = () =>
    new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca() }, () => resolve(s));
      s.once('error', reject);
    });
  const head = (length: number) =>
    `POST /dataCollectionRules/${ruleId}/streams/Custom-${STREAM}?api-version=2023-01-01 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('keeps serving while clients stall or vanish, answers stalled requests 408, and leaks no connection', async () => {
    const monitor = await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE);
    const logs = await tokenFor(vigil.bootstrap, LOGS_AUDIENCE);
    assert.equal(await ingest(vigil.bootstrap, monitor, ruleId, STREAM, [{ K: 0 }]), 204);
    const baseline = fds();

    // Stalled: the head and a few bytes of a 100 kB body, then nothing.
    const stalled = await Promise.all(Array.from({ length: N }, () => tls()));
    const answers = stalled.map(
      (s) =>
        new Promise<string>((resolve) => {
          let text = '';
          s.on('data', (d: Buffer) => (text += d.toString()));
          s.on('error', () => undefined);
          s.on('close', () => resolve(text));
        }),
    );
    for (const s of stalled) s.write(`${head(100_000)}[{"K":1`);
    // Vanishing: mid-body, mid-handshake (raw TCP with half a ClientHello), and right after connecting.
    for (let i = 0; i < N; i++) {
      const s = await tls();
      s.on('error', () => undefined);
      s.write(`${head(50_000)}[{"K":2},`);
      s.destroy();
      const raw = netConnect(port, '127.0.0.1', () => {
        raw.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
        raw.destroy();
      });
      raw.on('error', () => undefined);
      const bare = netConnect(port, '127.0.0.1', () => bare.destroy());
      bare.on('error', () => undefined);
    }

    // Everyone else is served meanwhile.
    for (let k = 0; k < 5; k++) assert.equal(await ingest(vigil.bootstrap, monitor, ruleId, STREAM, [{ K: 10 + k }]), 204);
    const r = await queryWithStatistics(vigil.bootstrap, logs, `${TABLE} | count`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(Number(r.rows[0]![0]), 6, 'only the complete requests were stored');

    // The stalled requests are answered 408 in Azure's shape and closed by the server.
    for (const text of await Promise.all(answers)) {
      assert.match(text, /^HTTP\/1\.1 408 /, text.slice(0, 200));
      assert.match(text, /"code":"RequestTimeout"/);
    }
    // Nothing stays open: the descriptor count returns to where it was (waits, never a timing assertion).
    const deadline = Date.now() + 60_000;
    while (fds() > baseline + 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 250));
    assert.ok(fds() <= baseline + 2, `server descriptors: ${fds()} now, ${baseline} before`);
    assert.equal(await ingest(vigil.bootstrap, monitor, ruleId, STREAM, [{ K: 99 }]), 204);
  });
});
