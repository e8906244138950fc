/**
 * Data export under SIGKILL (issue #20), end to end: a rule made with @azure/arm-operationalinsights
 * `dataExports`, rows sent with the Logs Ingestion API, the exported blobs read back with
 * @azure/storage-blob — against a real server that kills itself (test hook VIGIL_CRASH_AT of
 * src/store/crash-points.ts) at each point of an export pass, and is started again on the same data
 * folder. Each wave is one ingestion request whose rows fall in two 5-minute folders, so a pass writes
 * two blocks. Afterwards every row is exported, and a row is written twice exactly when the crash
 * came after its block was appended and before the cursor was saved — the duplicates window README
 * "Faults" documents; `vigil export verify` and the export ledger (`vigil verify`) still pass.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { StorageManagementClient } from '@azure/arm-storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { sdkClients } from '../support/clients.js';
import { readExportedBlobs } from '../support/exported-blobs.js';
import { createLogTable, ingest, tokenFor, MONITOR_AUDIENCE } from '../support/log-table.js';
import { Principals } from '../support/principals.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { waitFor } from '../support/wait-for.js';

const TABLE = 'ExportCrash_CL';
const STREAM = 'ExportCrash';
const ACCOUNT = 'vigilexportcrash';
const CONTAINER = 'am-exportcrash-cl';
const WAVE_ROWS = 20;

type Line = { _ItemId: string; Wave: string; Seq: number };

/**
 * The crash points in the order an export pass reaches them, and how often each row of the wave
 * ends up exported: the first half of the wave (older folder, written first) and the second half.
 */
const POINTS: { point: string; older: number; newer: number }[] = [
  // The block is in the ledger but not in the blob: written once after the restart.
  { point: 'export:block-ledgered', older: 1, newer: 1 },
  // The first folder's block is in the blob, the cursor still before it: that block is written again.
  { point: 'export:block-appended', older: 2, newer: 1 },
  // Both blocks written, the cursor not saved: the whole batch is written again.
  { point: 'export:cursor-saving', older: 2, newer: 2 },
  // The cursor is saved: nothing is written again.
  { point: 'export:cursor-saved', older: 1, newer: 1 },
];

function exportVerify(dataDir: string): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, 'export', 'verify', '--data-dir', dataDir, '--account', ACCOUNT, '--container', CONTAINER], { timeout: 120_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('data export under SIGKILL at each point of an export pass', { timeout: 600_000 }, () => {
  let vigil: VigilProcess | undefined;
  after(async () => {
    await vigil?.dispose();
  });

  const exported = async (v: VigilProcess) => {
    const credential = sdkClients(v.bootstrap).credential;
    const container = new BlobServiceClient(`${v.bootstrap.endpoint}/${ACCOUNT}`, credential).getContainerClient(CONTAINER);
    return (await readExportedBlobs<Line>(container)).lines;
  };
  const countsById = (lines: Line[]) => {
    const m = new Map<string, number>();
    for (const l of lines) m.set(l._ItemId, (m.get(l._ItemId) ?? 0) + 1);
    return m;
  };

  it('loses no row and writes again only the batch the crash interrupted; both verifications pass', async () => {
    let ruleId = '';
    let dataDir: string | undefined;
    // Expected number of copies of every row by Seq.
    const expected = new Map<number, number>();
    let seq = 0;
    /** `dies`: the server may kill itself exporting the wave before its 204 is sent (the rows are then stored: they were exported). */
    const sendWave = async (v: VigilProcess, wave: string, older: number, newer: number, dies = false) => {
      const now = Date.now();
      const rows = Array.from({ length: WAVE_ROWS }, (_, i) => {
        seq++;
        const first = i < WAVE_ROWS / 2;
        expected.set(seq, first ? older : newer);
        // Ten minutes apart: two 5-minute folders; the older one sorts and is written first.
        return { TimeGenerated: new Date(first ? now - 10 * 60_000 : now).toISOString(), Wave: wave, Seq: seq };
      });
      const token = await tokenFor(v.bootstrap, MONITOR_AUDIENCE);
      const status = await ingest(v.bootstrap, token, ruleId, STREAM, rows).catch((err: Error) => {
        if (dies) return 0;
        throw err;
      });
      if (!dies || status !== 0) assert.equal(status, 204, `wave ${wave} acknowledged`);
    };
    /** Every row exported with exactly the expected copies, once a sentinel sent after the restart is exported (passes are sequential: whatever the restart writes again comes before it). */
    const settled = async (v: VigilProcess, phase: string) => {
      const firstSeq = seq + 1;
      await sendWave(v, `${phase}-sentinel`, 1, 1);
      const lastSeq = seq;
      // Blobs are read one after the other, the older folder first: only when the sentinel's rows are in
      // both folders has the read of each folder come after everything written before the sentinel.
      const lines = await waitFor(`the sentinel of ${phase} to be exported`, async () => {
        const l = await exported(v);
        const got = new Set(l.map((x) => x.Seq));
        for (let s = firstSeq; s <= lastSeq; s++) if (!got.has(s)) return undefined;
        return l;
      });
      const bySeq = new Map<number, number>();
      for (const l of lines) bySeq.set(l.Seq, (bySeq.get(l.Seq) ?? 0) + 1);
      for (const [s, n] of expected) assert.equal(bySeq.get(s) ?? 0, n, `after ${phase}: row ${s} exported ${bySeq.get(s) ?? 0} times, expected ${n}`);
      assert.equal(bySeq.size, expected.size, `after ${phase}: rows exported that were never sent`);
      // A duplicate is the same stored row (same _ItemId) written again, never a new row.
      assert.equal(countsById(lines).size, expected.size);
    };

    for (const { point, older, newer } of POINTS) {
      await vigil?.stop();
      vigil = await startVigil({ dataDir, env: { VIGIL_CRASH_AT: point } });
      const v = vigil;
      if (!dataDir) {
        dataDir = v.dataDir;
        const b = v.bootstrap;
        const c = sdkClients(b);
        ruleId = await createLogTable(b, TABLE, STREAM, [
          { name: 'TimeGenerated', type: 'datetime' },
          { name: 'Wave', type: 'string' },
          { name: 'Seq', type: 'long' },
        ]);
        const storage = new StorageManagementClient(c.credential, b.subscriptionId, { endpoint: b.endpoint });
        await storage.storageAccounts.create(b.resourceGroup, ACCOUNT, { location: 'local', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
        const accountId = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
        const token = await c.credential.getToken('https://storage.azure.com/.default');
        const oid = JSON.parse(Buffer.from(token!.token.split('.')[1]!, 'base64url').toString()).oid as string;
        await new Principals(b).assign(oid, 'Storage Blob Data Owner', accountId);
        await c.logAnalytics.dataExports.createOrUpdate(b.resourceGroup, b.workspaceName, 'crash-copy', { tableNames: [TABLE], destination: { resourceId: accountId }, enable: true });
      }
      const exited = new Promise<NodeJS.Signals | null>((res) => v.child.once('exit', (_code, signal) => res(signal)));
      await sendWave(v, point, older, newer, true);
      // A generous deadline, so that a crash point never reached fails here instead of at the suite's timeout.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'still running'>((res) => (timer = setTimeout(() => res('still running'), 120_000)));
      const signal = v.child.exitCode !== null || v.child.signalCode !== null ? v.child.signalCode : await Promise.race([exited, deadline]);
      clearTimeout(timer);
      assert.equal(signal, 'SIGKILL', `the server killed itself at ${point}:\n${v.output().slice(-2000)}`);

      vigil = await startVigil({ dataDir });
      await settled(vigil, point);
    }

    // The operator's checks: the export holds every row of the workspace (duplicates are reported, allowed) …
    const verified = await exportVerify(dataDir!);
    assert.equal(verified.code, 0, verified.out);
    const copies = [...expected.values()].reduce((a, n) => a + n, 0);
    assert.match(verified.out, new RegExp(`${expected.size} rows exported in \\d+ blobs \\(${copies} lines, ${copies - expected.size} duplicates\\), ${expected.size} rows in the workspace`));
    assert.match(verified.out, /^OK: /m);
    // … and, server stopped, every exported blob is exactly the ledgered blocks, including the block
    // ledgered but never appended (the exporter wrote the same offset again after the restart).
    await vigil!.stop();
    const ledger = spawnSync(process.execPath, [CLI, 'verify', '--data-dir', dataDir!, '--insecure-dev-keys'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(ledger.status, 0, `${ledger.stdout}${ledger.stderr}`);
    assert.match(ledger.stdout, /checked the export ledger: \d+ entries, \d+ exported blob\(s\) in Vigil's blob store: every exported blob is exactly what the exporter wrote/);
  });
});
