/**
 * The syslog listener options: plain TCP/UDP only on loopback, TLS elsewhere only with client
 * certificates — checked when `vigil serve` parses its command line, before anything starts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseSyslogListener } from '../../src/syslog/options.js';
import { CLI, startVigil } from '../support/vigil-process.js';

const run = promisify(execFile);

describe('syslog listener options', () => {
  test('parsing', () => {
    assert.deepEqual(parseSyslogListener('tcp', '127.0.0.1:514,dcr=dcr-1,dcr=dcr-2'), { transport: 'tcp', host: '127.0.0.1', port: 514, dcrs: ['dcr-1', 'dcr-2'] });
    assert.deepEqual(parseSyslogListener('tls', '10.0.0.5:6514,client-ca=/etc/ca.pem,resource-id=/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1'), {
      transport: 'tls',
      host: '10.0.0.5',
      port: 6514,
      dcrs: [],
      clientCaFile: '/etc/ca.pem',
      resourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1',
    });
    assert.deepEqual(parseSyslogListener('udp', '[::1]:514'), { transport: 'udp', host: '::1', port: 514, dcrs: [] });
    assert.throws(() => parseSyslogListener('udp', '0.0.0.0:514'), /only listen on a loopback address/);
    assert.throws(() => parseSyslogListener('tcp', '10.0.0.5:514'), /only listen on a loopback address/);
    assert.throws(() => parseSyslogListener('tls', '0.0.0.0:6514,dcr=x'), /must authenticate its senders: add client-ca=FILE/);
    assert.throws(() => parseSyslogListener('tcp', '127.0.0.1:514,client-ca=x'), /not an option of --syslog-tcp/);
    assert.throws(() => parseSyslogListener('tcp', 'localhost:514'), /not ADDRESS:PORT/);
    assert.throws(() => parseSyslogListener('tls', '127.0.0.1:6514,resource-id=vm1'), /not an ARM resource id/);
  });

  test('vigil serve refuses a plain listener on a non-loopback address, and a listener without a rule', async () => {
    const refused = await run(process.execPath, [CLI, 'serve', '--insecure-dev-keys', '--syslog-udp', '0.0.0.0:514']).then(
      () => assert.fail('vigil serve started'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--syslog-udp carries logs in clear and unauthenticated: it may only listen on a loopback address/);
    const help = await run(process.execPath, [CLI, 'serve', '--help']);
    await assert.rejects(startVigil({ args: ['--syslog-tcp', '127.0.0.1:0'] }), /names no data collection rule: add dcr=ID to it or give --syslog-dcr ID/);
    for (const option of ['--syslog-tls', '--syslog-tcp', '--syslog-udp', '--syslog-dcr', '--syslog-max-message-bytes', '--syslog-max-queued-rows']) assert.match(help.stdout, new RegExp(option));
  });
});
