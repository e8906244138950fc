/**
 * Durability under a full disk (issue #22), through the real HTTPS ingestion API: Vigil's data folder
 * is a small tmpfs mounted by the test; several clients upload batches of incompressible rows until
 * the file system is full; then it grows (remount) and ingestion must resume without a restart; then
 * a clean restart. Fails if any acknowledged row is missing or duplicated, if a refusal is not 503
 * with Retry-After and a storage error code, if the first upload after the disk grew is refused, if
 * the server cannot restart on the full disk, if the operator log does not say (once per episode)
 * that storage is full, or if the activity record of a control-plane write made on the full disk is
 * missing once space returns. Run with no threshold (the disk fills completely: the write-ahead log
 * meets ENOSPC and short writes) and with a small one (refused before the disk is full).
 *
 * Needs root (mount). Short mode inside `npm test` (a 16 MB tmpfs); `npm run test:crash` sets
 * VIGIL_DISKFULL_MB / VIGIL_DISKFULL_CLIENTS / VIGIL_DISKFULL_ROUNDS for the long run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedTestCa } from '../support/test-ca.js';
import { rawRequest } from '../support/clients.js';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createLogTable, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';

const SIZE_MB = Number(process.env.VIGIL_DISKFULL_MB ?? 16);
const CLIENTS = Number(process.env.VIGIL_DISKFULL_CLIENTS ?? 3);
const ROUNDS = Number(process.env.VIGIL_DISKFULL_ROUNDS ?? 1);
const BATCH = 200;
const TABLE = 'DiskFull_CL';
const STREAM = 'DiskFull';
/** Seals every 3000 rows and compacts often, so that sealing and compaction write while the disk fills. */
const OTHER_ARGS = ['--seal-rows', '3000', '--seal-age', '1', '--compaction-interval', '2'];

function tryMount(dir: string, sizeMb: number): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root, cannot mount a tmpfs';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
}

for (const minFreeMb of [0, 2]) {
const base = mkdtempSync(join(tmpdir(), 'vigil-diskfull-'));
const dataDir = join(base, 'data');
mkdirSync(dataDir);
const skip = tryMount(dataDir, SIZE_MB);
if (skip) process.stdout.write(`# storage-disk-full: skipped — ${skip}. Run the tests as root on Linux to exercise a full disk.\n`);
const SERVE_ARGS = ['--min-free-disk-mb', String(minFreeMb), ...OTHER_ARGS];

describe(`a full disk (--min-free-disk-mb ${minFreeMb}${minFreeMb === 0 ? ': the disk fills completely' : ''}) loses nothing acknowledged, answers 503 and recovers without a restart`, { skip, timeout: 600_000 }, () => {
  let vigil: VigilProcess | undefined;
  let ruleId: string;
  /** batch id → acknowledged (204) */
  const acked = new Set<string>();
  const attempted = new Set<string>();

  before(async () => {
    seedTestCa(dataDir);
    vigil = await startVigil({ dataDir, args: SERVE_ARGS });
    ruleId = await createLogTable(vigil.bootstrap, TABLE, STREAM, [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Batch', type: 'string' },
      { name: 'K', type: 'int' },
      { name: 'Payload', type: 'string' },
    ]);
  });
  after(async () => {
    await vigil?.stop();
    try {
      execFileSync('umount', [dataDir], { stdio: 'pipe' });
    } catch {
      /* not mounted */
    }
    rmSync(base, { recursive: true, force: true });
  });

  async function check(when: string): Promise<void> {
    const token = await tokenFor(vigil!.bootstrap, LOGS_AUDIENCE);
    const r = await queryWithStatistics(vigil!.bootstrap, token, `${TABLE} | summarize n = count(), k = dcount(K) by Batch`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const present = new Map(r.rows.map((row) => [String(row[0]), { n: Number(row[1]), k: Number(row[2]) }]));
    for (const [batch, got] of present) {
      assert.ok(attempted.has(batch), `${when}: batch ${batch} was never sent`);
      assert.equal(got.n, BATCH, `${when}: batch ${batch} has ${got.n} rows, not ${BATCH} (partial or duplicated)`);
      assert.equal(got.k, BATCH, `${when}: batch ${batch} has duplicated rows`);
    }
    const missing = [...acked].filter((b) => !present.has(b));
    assert.deepEqual(missing, [], `${when}: ${missing.length} acknowledged batch(es) missing (${acked.size} acknowledged, ${present.size} present)`);
  }

  const rowsFor = (batch: string) =>
    Array.from({ length: BATCH }, (_, k) => ({
      TimeGenerated: new Date(Date.now() - (k % 3) * 3_600_000).toISOString(),
      Batch: batch,
      K: k,
      // Incompressible: neither the segments' zstd nor anything else shrinks it.
      Payload: randomBytes(300).toString('base64'),
    }));

  async function upload(token: string, batch: string) {
    attempted.add(batch);
    const res = await rawRequest(vigil!.bootstrap, token, 'POST', `/dataCollectionRules/${ruleId}/streams/Custom-${STREAM}?api-version=2023-01-01`, JSON.stringify(rowsFor(batch)), { 'content-type': 'application/json' });
    if (res.status === 204) acked.add(batch);
    return res;
  }

  it(`keeps every acknowledged batch over ${ROUNDS} fill/grow round(s) with ${CLIENTS} clients on a ${SIZE_MB} MB tmpfs`, async () => {
    let size = SIZE_MB;
    let refusedTotal = 0;
    const activityIds: string[] = [];
    // What every server process of the scenario printed (the restart on the full disk starts a second one).
    const earlierOutput: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let token = await tokenFor(vigil!.bootstrap, MONITOR_AUDIENCE);
      // 1. Fill: every client uploads until it has been refused three times in a row.
      const refusals: { status: number; retryAfter: string | null; code: string | undefined; message: string }[] = [];
      const client = async (c: number) => {
        let refusedInARow = 0;
        for (let n = 0; refusedInARow < 3; n++) {
          const res = await upload(token, `r${round}-c${c}-${n}`);
          if (res.status === 204) refusedInARow = 0;
          else {
            refusedInARow++;
            const body = JSON.parse(res.text) as { error?: { code?: string; message?: string } };
            refusals.push({ status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code, message: body.error?.message ?? '' });
          }
          assert.ok(n < 100_000, 'the disk never filled');
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      refusedTotal += refusals.length;
      assert.ok(acked.size > 0, 'nothing was acknowledged');
      for (const r of refusals) {
        assert.equal(r.status, 503, `a refusal under a full disk was ${r.status} ${r.code}: ${r.message}`);
        assert.match(r.retryAfter ?? '', /^\d+$/, 'a 503 without Retry-After');
        assert.equal(r.code, 'StorageFull', r.message);
        assert.match(r.message, /storage|disk/i);
      }
      // Queries keep working on a full disk.
      await check(`round ${round}, disk full`);
      if (round === 1) {
        // A restart on the full disk: it starts, replays, serves queries, and still refuses uploads with 503.
        await vigil!.stop();
        earlierOutput.push(vigil!.output());
        vigil = await startVigil({ dataDir, args: SERVE_ARGS });
        await check(`round ${round}, restarted on the full disk`);
        const res = await upload(await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE), `r${round}-restarted-full`);
        // Refused — unless the restart freed space: the log starts a new file, and the closed one goes once its rows are sealed.
        if (res.status !== 204) {
          assert.equal(res.status, 503, res.text);
          assert.ok(res.headers.get('retry-after'));
        }
      }

      // A control-plane write on the full disk: done or refused with 503 — and in the activity log either way, once space returns.
      const correlation = randomUUID();
      const armToken = await tokenFor(vigil!.bootstrap, 'https://management.azure.com');
      const lock = await rawRequest(vigil!.bootstrap, armToken, 'PUT', `${vigil!.bootstrap.workspaceResourceId}/providers/Microsoft.Authorization/locks/full-disk-${round}?api-version=2016-09-01`, JSON.stringify({ properties: { level: 'CanNotDelete' } }), {
        'content-type': 'application/json',
        'x-ms-client-request-id': correlation,
      });
      assert.ok(lock.status === 201 || lock.status === 200 || (lock.status === 503 && lock.headers.get('retry-after')), `lock write on a full disk: ${lock.status} ${lock.text}`);
      activityIds.push(correlation);
      token = await tokenFor(vigil!.bootstrap, MONITOR_AUDIENCE);
      // 2. More space: the next upload of every client succeeds, without a restart.
      size += SIZE_MB; // as an operator grows a volume (a tmpfs is memory: grow it by steps)
      execFileSync('mount', ['-o', `remount,size=${size}m`, dataDir], { stdio: 'pipe' });
      const after = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => upload(token, `r${round}-c${c}-after`)));
      for (const res of after) assert.equal(res.status, 204, `the first upload after the disk grew was refused: ${res.status} ${res.text}`);
      // A few more, concurrently, and a seal catches up.
      await Promise.all(Array.from({ length: CLIENTS * 3 }, (_, c) => upload(token, `r${round}-more-${c}`).then((res) => assert.equal(res.status, 204, res.text))));
      await check(`round ${round}, after the disk grew`);
    }
    // The activity records of the control-plane writes made on the full disk were kept and written (not dropped).
    const logsToken = await tokenFor(vigil!.bootstrap, LOGS_AUDIENCE);
    for (const id of activityIds) {
      let found = 0;
      for (let i = 0; i < 60 && found === 0; i++) {
        const r = await queryWithStatistics(vigil!.bootstrap, logsToken, `AzureActivity | where CorrelationId == '${id}' | count`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        found = Number(r.rows[0]?.[0] ?? 0);
        if (found === 0) await new Promise((res) => setTimeout(res, 250));
      }
      assert.equal(found, 1, `the activity record ${id} of a write on the full disk is missing`);
    }
    // The operator is told, with the folder and its free space — once per episode, not per refused request.
    const output = [...earlierOutput, vigil!.output()].join('\n');
    const told = output.split('\n').filter((l) => /storage is full: .* free/.test(l));
    assert.ok(told.length >= 1, `the operator log does not say the disk is full:\n${output}`);
    assert.ok(told.length < refusedTotal, `the full disk was logged ${told.length} times for ${refusedTotal} refusals`);
    assert.doesNotMatch(output, /"request failed"/, 'a refusal was logged as a failed request');

    // 3. Clean restart: everything acknowledged is there exactly once; the folder verifies.
    await vigil!.stop();
    const out = execFileSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.match(out, /no damage found/);
    vigil = await startVigil({ dataDir, args: SERVE_ARGS });
    await check('after the restart');
  });
});
}
