/**
 * Alert data at rest (src/alerts/alert-seal.ts) over a real data folder and the real MetadataStore:
 * a catalog written in the clear by an earlier release is sealed when it is opened; an altered
 * sealed value is refused; and after `rotate-master-key` the sealed rules, the action groups'
 * receivers and the MACed Lockbox requests still open (their keyrings are re-wrapped with the others).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AlertSeal } from '../../src/alerts/alert-seal.js';
import type { ActionGroupRecord, ScheduledQueryRuleRecord } from '../../src/alerts/records.js';
import { loadMasterKeys } from '../../src/keys/master-key.js';
import { rotateMasterKey } from '../../src/keys/rotate.js';
import { LockboxRequests, lockboxMacKey } from '../../src/lockbox/requests.js';
import { MetadataStore } from '../../src/metadata/metadata-store.js';
import type { MetadataState } from '../../src/metadata/records.js';

const SUB = '00000000-0000-4000-8000-0000000000aa';
const WS = '00000000-0000-4000-8000-0000000000bb';
const QUERY = 'Secret_CL | where Token == "query-marker-81f"';
const HOOK = 'https://hooks.example.com/hook-marker-2c9';

function catalog(): MetadataState {
  const rule = {
    subscriptionId: SUB,
    resourceGroup: 'rg',
    name: 'r1',
    location: 'local',
    kind: 'LogAlert',
    identity: { type: 'SystemAssigned', principalId: '00000000-0000-4000-8000-0000000000cc' },
    description: 'description-marker-7d1',
    severity: 3,
    enabled: true,
    scopes: [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws`],
    evaluationFrequency: 'PT5M',
    windowSize: 'PT5M',
    criteria: { allOf: [{ query: QUERY, timeAggregation: 'Count', dimensions: [], operator: 'GreaterThan', threshold: 0, failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 } }] },
    autoMitigate: true,
    actions: { actionGroups: [], customProperties: { k: 'property-marker-44e' } },
    createdWithApiVersion: '2023-12-01',
    createdAt: new Date().toISOString(),
    createdBy: 'x',
    updatedAt: new Date().toISOString(),
    updatedBy: 'x',
  } as ScheduledQueryRuleRecord;
  const group = { subscriptionId: SUB, resourceGroup: 'rg', name: 'ag', location: 'global', groupShortName: 'ag', enabled: true, webhookReceivers: [{ name: 'h', serviceUri: HOOK, useCommonAlertSchema: true, useAadAuth: false }], emailReceivers: [{ name: 'e', emailAddress: 'mail-marker@example.com', useCommonAlertSchema: true }], createdAt: new Date().toISOString() } as ActionGroupRecord;
  return {
    version: 1,
    tenantId: '00000000-0000-4000-8000-0000000000dd',
    subscriptions: [],
    resourceGroups: [],
    workspaces: [{ subscriptionId: SUB, resourceGroup: 'rg', name: 'ws', customerId: WS }],
    scheduledQueryRules: [rule],
    actionGroups: [group],
  } as unknown as MetadataState;
}

const MARKERS = ['query-marker-81f', 'hook-marker-2c9', 'description-marker-7d1', 'property-marker-44e', 'mail-marker'];

describe('alert data sealed at rest', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-alert-seal-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = join(dataDir, 'metadata.json');

  it('seals a catalog an earlier release wrote in the clear when it is opened, and reads it back', async () => {
    const master = await loadMasterKeys(dataDir, { create: true });
    writeFileSync(file, JSON.stringify(catalog()));
    const { store } = MetadataStore.open(dataDir, () => assert.fail('exists'), new AlertSeal(dataDir, master));
    const onDisk = readFileSync(file, 'utf8');
    for (const m of MARKERS) assert.ok(!onDisk.includes(m), `${m} is not in metadata.json`);
    const disk = JSON.parse(onDisk) as { scheduledQueryRules: { sealed: string; criteria: { allOf: unknown[] } }[]; actionGroups: { sealed: string }[] };
    assert.ok(disk.scheduledQueryRules[0]!.sealed.startsWith(`sealed:v1:${WS}:`), 'the rule under its workspace key');
    assert.deepEqual(disk.scheduledQueryRules[0]!.criteria.allOf, []);
    assert.ok(disk.actionGroups[0]!.sealed.startsWith('sealed:v1:service:'), 'the receivers under the service keyring');
    assert.equal(store.scheduledQueryRules()[0]!.criteria.allOf[0]!.query, QUERY);
    assert.equal(store.scheduledQueryRules()[0]!.actions.customProperties?.k, 'property-marker-44e');
    // A second open reads the sealed form.
    const again = MetadataStore.open(dataDir, () => assert.fail('exists'), new AlertSeal(dataDir, master)).store;
    assert.deepEqual(again.scheduledQueryRules(), store.scheduledQueryRules());
    assert.equal(again.actionGroups()[0]!.webhookReceivers[0]!.serviceUri, HOOK);
    assert.equal(again.actionGroups()[0]!.emailReceivers![0]!.emailAddress, 'mail-marker@example.com');
  });

  it('refuses an altered sealed value, and one moved to another workspace', async () => {
    const master = await loadMasterKeys(dataDir, { create: false });
    const original = readFileSync(file, 'utf8');
    const disk = JSON.parse(original) as { scheduledQueryRules: { sealed: string }[] };
    const sealed = disk.scheduledQueryRules[0]!.sealed;
    const flipped = sealed.slice(0, -6) + (sealed.at(-6) === 'A' ? 'B' : 'A') + sealed.slice(-5);
    writeFileSync(file, JSON.stringify({ ...disk, scheduledQueryRules: [{ ...disk.scheduledQueryRules[0], sealed: flipped }] }));
    assert.throws(() => MetadataStore.open(dataDir, () => assert.fail('exists'), new AlertSeal(dataDir, master)), /failed authentication/);
    // The same ciphertext claimed for the service keyring: bound to its workspace, it does not open.
    writeFileSync(file, JSON.stringify({ ...disk, scheduledQueryRules: [{ ...disk.scheduledQueryRules[0], sealed: sealed.replace(`:${WS}:`, ':service:') }] }));
    assert.throws(() => MetadataStore.open(dataDir, () => assert.fail('exists'), new AlertSeal(dataDir, master)), /failed authentication/);
    writeFileSync(file, original);
  });

  it('after rotate-master-key the rules, the receivers and the Lockbox requests still open', async () => {
    const master = await loadMasterKeys(dataDir, { create: false });
    const lockbox = new LockboxRequests(dataDir, undefined, undefined, lockboxMacKey(dataDir, master));
    lockbox.setOptedIn(true);
    await rotateMasterKey(dataDir);
    const rotated = await loadMasterKeys(dataDir, { create: false });
    assert.notEqual(rotated.current.id, master.current.id);
    const { store } = MetadataStore.open(dataDir, () => assert.fail('exists'), new AlertSeal(dataDir, rotated));
    assert.equal(store.scheduledQueryRules()[0]!.criteria.allOf[0]!.query, QUERY);
    assert.equal(store.actionGroups()[0]!.webhookReceivers[0]!.serviceUri, HOOK);
    assert.equal(new LockboxRequests(dataDir, undefined, undefined, lockboxMacKey(dataDir, rotated)).optedIn, true);
  });
});
