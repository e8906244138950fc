/**
 * Crash safety through the real HTTPS ingestion API: several clients ingest at full speed while the
 * server is killed with SIGKILL at random moments, again and again (with small, frequent seals and
 * compactions so kills also land in the middle of those). After every restart each acknowledged
 * batch is present exactly once, and no batch is ever partly present or duplicated.
 *
 * Short mode runs inside `npm test`; VIGIL_CRASH_ROUNDS / VIGIL_CRASH_CLIENTS make it the long run
 * (`npm run test:crash`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';

const ROUNDS = Number(process.env.VIGIL_CRASH_ROUNDS ?? 5);
const CLIENTS = Number(process.env.VIGIL_CRASH_CLIENTS ?? 4);
const BATCH = 40;
const TABLE = 'Crash_CL';
const STREAM = 'Crash';
const SERVE_ARGS = ['--seal-rows', '1500', '--seal-age', '0.5', '--compaction-interval', '1'];

describe('crash safety under SIGKILL', { timeout: Math.max(120_000, ROUNDS * 30_000) }, () => {
  let vigil: VigilProcess;
  let ruleId: string;
  /** batch id → rows acknowledged (204) */
  const acked = new Map<string, number>();
  const attempted = new Set<string>();

  before(async () => {
    vigil = await startVigil({ args: SERVE_ARGS });
    ruleId = await createLogTable(vigil.bootstrap, TABLE, STREAM, [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Batch', type: 'string' },
      { name: 'K', type: 'int' },
      { name: 'Payload', type: 'string' },
    ]);
  });
  after(async () => vigil?.dispose());

  async function check(round: number): Promise<void> {
    const token = await tokenFor(vigil.bootstrap, LOGS_AUDIENCE);
    const r = await queryWithStatistics(vigil.bootstrap, token, `${TABLE} | summarize n = count(), k = dcount(K) by Batch`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const present = new Map(r.rows.map((row) => [String(row[0]), { n: Number(row[1]), k: Number(row[2]) }]));
    for (const [batch, got] of present) {
      assert.ok(attempted.has(batch), `round ${round}: batch ${batch} was never sent`);
      assert.equal(got.n, BATCH, `round ${round}: batch ${batch} is present ${got.n} times over ${BATCH} rows (partial or duplicated)`);
      assert.equal(got.k, BATCH, `round ${round}: batch ${batch} has duplicated rows`);
    }
    for (const batch of acked.keys()) assert.ok(present.has(batch), `round ${round}: acknowledged batch ${batch} is missing`);
  }

  it(`keeps every acknowledged row exactly once over ${ROUNDS} kills`, async () => {
    let sent = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const token = await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE);
      const b = vigil.bootstrap;
      let stop = false;
      const client = async (c: number) => {
        for (let n = 0; !stop; n++) {
          const batch = `r${round}-c${c}-${n}`;
          const now = Date.now();
          const rows = Array.from({ length: BATCH }, (_, k) => ({
            // Spread over three hours so seals write several partitions.
            TimeGenerated: new Date(now - ((n * BATCH + k) % 3) * 3_600_000).toISOString(),
            Batch: batch,
            K: k,
            Payload: `crash-test-${batch}-${k}-${'x'.repeat(40)}`,
          }));
          attempted.add(batch);
          let status: number;
          try {
            status = await ingest(b, token, ruleId, STREAM, rows);
          } catch {
            return; // the server is gone: this batch was not acknowledged
          }
          if (status === 204) acked.set(batch, BATCH);
          else if (status >= 500 || status === 503) return;
          else assert.fail(`unexpected status ${status}`);
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1600));
      await vigil.kill();
      stop = true;
      await Promise.all(clients);
      sent = acked.size;
      vigil = await startVigil({ dataDir: vigil.dataDir, args: SERVE_ARGS });
      await check(round);
    }
    assert.ok(sent > ROUNDS * CLIENTS, `only ${sent} batches were acknowledged: the test did not load the server`);
    // Once stopped cleanly, the data folder verifies.
    await vigil.stop();
    const out = execFileSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir], { encoding: 'utf8' });
    assert.match(out, /no damage found/);
    vigil = await startVigil({ dataDir: vigil.dataDir, args: SERVE_ARGS });
    await check(ROUNDS + 1);
  });
});
