/**
 * The query audit and the activity log under a full disk (issue #22): records the store refuses stay
 * queued and are written once storage works again — none dropped silently; the failure and the
 * recovery are each logged once; a bounded queue drops with an explicit log line; what is still
 * refused at shutdown is logged as lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditSink } from '../../src/audit/sink.js';
import { newWorkspace } from '../../src/control/workspaces.js';
import { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { MetadataState } from '../../src/metadata/records.js';
import type { StoredValue } from '../../src/store/column-types.js';
import type { LogStore } from '../../src/store/store.js';
import { StorageError } from '../../src/util/storage-io.js';

const SUBID = '22222222-1111-4111-8111-111111111111';
const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose appends fail with "storage full" while `full` is set. */
class FullStore {
  full = true;
  stored: { table: string; rows: StoredValue[][] }[] = [];
  attempts = 0;
  async ensureTable(): Promise<void> {}
  async append(_ws: string, table: string, _cols: unknown, rows: StoredValue[][]): Promise<void> {
    this.attempts++;
    if (this.full) throw new StorageError('full', "Vigil's storage is full: appending to the write-ahead log failed (ENOSPC).", '/data/wal/1.wal');
    this.stored.push({ table, rows });
  }
  get rows(): number {
    return this.stored.reduce((n, s) => n + s.rows.length, 0);
  }
}

function setup(maxQueued?: number) {
  const w = newWorkspace(SUBID, 'rg', `ws-${Math.random().toString(36).slice(2)}`, 'local');
  const state: MetadataState = {
    version: 1, tenantId: 't', subscriptions: [{ subscriptionId: SUBID, displayName: 's' }], resourceGroups: [], workspaces: [w],
    dataCollectionRules: [], servicePrincipals: [], roleDefinitions: [], userAssignedIdentities: [], locks: [], diagnosticSettings: [], purgeOperations: [], roleAssignments: [],
  };
  const { store: metadata } = MetadataStore.open(mkdtempSync(join(dir, 'm-')), () => state);
  const store = new FullStore();
  const logged: string[] = [];
  const sink = new AuditSink(metadata, store as unknown as LogStore, (m) => logged.push(m), 60_000, maxQueued);
  return { w: metadata.workspaceByCustomerId(w.customerId)!, store, logged, sink };
}

describe('audit sink under a full disk', () => {
  it('keeps refused LAQueryLogs and AzureActivity records queued and writes every one once storage works again', async () => {
    const { w, store, logged, sink } = setup();
    for (let i = 0; i < 5; i++) sink.write(w, 'LAQueryLogs', { QueryText: `q${i}`, ResponseCode: 200 });
    for (let i = 0; i < 3; i++) sink.write(w, 'AzureActivity', { OperationNameValue: `op${i}` });
    for (let round = 0; round < 4; round++) await sink.flush();
    assert.equal(store.rows, 0);
    assert.equal(sink.queued, 8, 'nothing dropped while storage refuses');
    assert.ok(store.attempts >= 8, 'retried on every flush');
    assert.equal(logged.filter((m) => /failed/.test(m)).length, 2, `one line per destination table, not per retry:\n${logged.join('\n')}`);
    assert.match(logged[0]!, /storage is full/);
    sink.write(w, 'LAQueryLogs', { QueryText: 'q5', ResponseCode: 200 });
    store.full = false;
    await sink.flush();
    assert.equal(sink.queued, 0);
    assert.equal(store.stored.filter((s) => s.table === 'LAQueryLogs').reduce((n, s) => n + s.rows.length, 0), 6);
    assert.equal(store.stored.filter((s) => s.table === 'AzureActivity').reduce((n, s) => n + s.rows.length, 0), 3);
    assert.equal(logged.filter((m) => /works again/.test(m)).length, 2);
    await sink.close();
  });

  it('a full queue drops the oldest with an explicit log line, and records refused until shutdown are logged as lost', async () => {
    const { w, store, logged, sink } = setup(10);
    for (let i = 0; i < 15; i++) sink.write(w, 'LAQueryLogs', { QueryText: `q${i}` });
    await sink.flush();
    assert.equal(sink.queued, 10);
    assert.equal(sink.dropped, 5);
    assert.ok(logged.some((m) => /DROPPED 5 LAQueryLogs/.test(m)), logged.join('\n'));
    await sink.close();
    assert.equal(store.rows, 0);
    assert.equal(sink.dropped, 15);
    assert.ok(logged.some((m) => /LOST 10 LAQueryLogs/.test(m)), logged.join('\n'));
  });
});
