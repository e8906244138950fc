/**
 * Back-pressure instead of loss: a real TCP syslog listener and its ingestion queue in front of an
 * ingestion that answers StorageFull (as the store does on a full disk). The listener stops reading
 * (the sender's bytes stay in the sender's buffers), the refused batch is retried, and once storage
 * accepts again every message arrives, in order. UDP, which has no flow control, queues while there
 * is room and then drops and counts.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { DataCollectionRuleRecord } from '../../src/metadata/records.js';
import { workspaceResourceId } from '../../src/metadata/resource-ids.js';
import { initialState } from '../../src/server/bootstrap.js';
import { startSyslogListeners, type SyslogListeners } from '../../src/syslog/listeners.js';
import { SyslogPipeline } from '../../src/syslog/pipeline.js';
import { StorageError } from '../../src/util/storage-io.js';

const until = async (what: string | (() => string), check: () => boolean) => {
  for (let i = 0; i < 1200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
};

describe('syslog back-pressure', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-bp-'));
  let metadata: MetadataStore;
  let rule: DataCollectionRuleRecord;
  let storageFull = true;
  let refusals = 0;
  const stored: string[] = [];
  let pipeline: SyslogPipeline;
  let listeners: SyslogListeners;

  before(async () => {
    const { state } = await initialState();
    const w = state.workspaces[0]!;
    rule = {
      subscriptionId: w.subscriptionId,
      resourceGroup: w.resourceGroup,
      name: 'syslog',
      location: 'local',
      immutableId: 'dcr-00000000000000000000000000000001',
      streamDeclarations: {},
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: workspaceResourceId(w), workspaceId: w.customerId }] },
      dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['la'], transformKql: 'source', outputStream: 'Microsoft-Syslog' }],
      dataSources: { syslog: [{ name: 's', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['*'] }] },
      createdAt: new Date().toISOString(),
    };
    state.dataCollectionRules.push(rule);
    metadata = MetadataStore.open(dir, () => state).store;
    pipeline = new SyslogPipeline(
      (id) => metadata.dataCollectionRuleByImmutableId(id),
      async (_rule, stream, rows) => {
        if (storageFull) {
          refusals++;
          throw new StorageError('full', "Vigil's storage is full.");
        }
        assert.equal(stream, 'Microsoft-Syslog');
        for (const r of rows as { SyslogMessage: string }[]) stored.push(r.SyslogMessage);
        return rows.length;
      },
      () => {},
      { batchRows: 500, flushMs: 20, maxQueuedRows: 2000, maxQueuedBytes: 1 << 30 },
    );
    listeners = await startSyslogListeners(
      [
        { transport: 'tcp', host: '127.0.0.1', port: 0, dcrs: [rule.immutableId] },
        { transport: 'udp', host: '127.0.0.1', port: 0, dcrs: [rule.immutableId] },
      ],
      { metadata, pipeline, tlsOptions: () => ({}), maxMessageBytes: 64 * 1024, defaultDcrs: [], log: () => {} },
    );
  });
  let sender: import('node:net').Socket | undefined;
  after(async () => {
    storageFull = false;
    sender?.destroy();
    await listeners?.close();
    await pipeline?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('TCP: the listener stops reading while storage is full, then everything arrives in order', async () => {
    const [tcp, udp] = listeners.listeners;
    const total = 40_000;
    const padding = 'p'.repeat(400);
    const socket = connect(tcp!.stats.port, '127.0.0.1');
    sender = socket;
    await new Promise((r) => socket.once('connect', r));
    // Everything is handed to the socket at once; what the listener does not read stays in the sender's buffer.
    for (let i = 0; i < total; i++) socket.write(`<13>Dec  6 10:00:00 h app: m${i} ${padding}\n`);
    const finished = new Promise<void>((r) => socket.end(() => r()));
    await until('the queue to fill and the listener to pause', () => pipeline.stats.paused && refusals > 1);
    const readWhilePaused = tcp!.stats.messages;
    await new Promise((r) => setTimeout(r, 500));
    // Paused: the listener read no more than the queue bound plus what was already in flight, and
    // the sender still holds most of its 16 MB.
    assert.ok(tcp!.stats.messages < total / 2, `read ${tcp!.stats.messages} of ${total} while storage was full`);
    assert.ok(socket.writableLength > 0, 'the sender was not held back');
    assert.equal(stored.length, 0);
    assert.ok(tcp!.stats.messages - readWhilePaused < 1000);

    // UDP meanwhile: no flow control; once the queue is full, datagrams are dropped and counted.
    const u = createSocket('udp4');
    const datagrams = 2500;
    try {
      for (let i = 0; i < datagrams; i++) {
        await new Promise<void>((r) => u.send(`<13>udp ${i}`, udp!.stats.port, '127.0.0.1', () => r()));
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
      }
      await until(() => `the datagrams to be accounted for (${JSON.stringify(udp!.stats)}, ${JSON.stringify(pipeline.stats)})`, () => udp!.stats.messages + udp!.stats.udpDropped === datagrams);
    } finally {
      u.close();
    }
    assert.ok(udp!.stats.udpDropped > 0);
    assert.ok(pipeline.stats.queuedRows <= 2000 + 1000);
    const udpKept = udp!.stats.messages;

    storageFull = false;
    await finished;
    await until('every message to be stored', () => stored.length === total + udpKept);
    assert.deepEqual(stored.filter((m) => !m.startsWith('udp ')), Array.from({ length: total }, (_, i) => `m${i} ${padding}`));
    assert.ok(pipeline.stats.retries > 0);
    assert.equal(pipeline.stats.paused, false);
    assert.equal(pipeline.stats.failedRows, 0);
  });
});
