/** Small parts of Managed Prometheus: finding the binary, reading snappy's declared length, account network decisions. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findPrometheusBinary } from '../../src/metrics/prometheus-binary.js';
import { snappyDecodedLength } from '../../src/metrics/remote-write-routes.js';
import { parseMonitorAccountId } from '../../src/metrics/records.js';

describe('Managed Prometheus parts', () => {
  test('the binary: the given path if executable, else prometheus on PATH, else a reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-bin-'));
    try {
      const exe = join(dir, 'prometheus');
      writeFileSync(exe, '#!/bin/sh\n');
      chmodSync(exe, 0o644);
      assert.equal(findPrometheusBinary(undefined, dir).found, false, 'not executable');
      assert.equal(findPrometheusBinary(exe).found, false);
      chmodSync(exe, 0o755);
      assert.deepEqual(findPrometheusBinary(undefined, `/nonexistent:${dir}`), { found: true, path: exe });
      assert.deepEqual(findPrometheusBinary(exe, ''), { found: true, path: exe });
      const missing = findPrometheusBinary(join(dir, 'nope'), dir);
      assert.equal(missing.found, false);
      assert.match((missing as { reason: string }).reason, /does not exist/);
      assert.equal(findPrometheusBinary(dir).found, false, 'a folder is not a binary');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("snappy's declared decompressed length", () => {
    assert.equal(snappyDecodedLength(Buffer.from([0x00])), 0);
    assert.equal(snappyDecodedLength(Buffer.from([0x7f, 0x00])), 127);
    assert.equal(snappyDecodedLength(Buffer.from([0x80, 0x01])), 128);
    assert.equal(snappyDecodedLength(Buffer.from([0x80, 0x80, 0x80, 0x20])), 64 * 1024 * 1024);
    assert.equal(snappyDecodedLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), 2 ** 32 - 1);
    assert.equal(snappyDecodedLength(Buffer.from([])), undefined);
    assert.equal(snappyDecodedLength(Buffer.from([0x80, 0x80])), undefined, 'truncated');
    assert.equal(snappyDecodedLength(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), undefined, 'longer than 5 bytes');
  });

  test('account ids parse in any casing and nothing else does', () => {
    assert.deepEqual(parseMonitorAccountId('/subscriptions/s/resourcegroups/rg/providers/microsoft.monitor/ACCOUNTS/amw'), { subscriptionId: 's', resourceGroup: 'rg', name: 'amw' });
    assert.equal(parseMonitorAccountId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w'), undefined);
    assert.equal(parseMonitorAccountId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Monitor/accounts/a/b'), undefined);
  });
});
