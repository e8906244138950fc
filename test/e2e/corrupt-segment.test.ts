/**
 * A corrupt segment seen from the Query API: the query over the damaged table answers 500
 * StorageCorrupted naming the segment file and the table; another table of the same workspace and
 * ingestion keep working; `vigil verify` exits 1 naming the same file and table.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor } from '../support/log-table.js';

const SERVE_ARGS = ['--seal-age', '0.5'];
const COLS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'K', type: 'int' },
] as const;

describe('a corrupt segment over HTTPS', { timeout: 240_000 }, () => {
  let vigil: VigilProcess | undefined;
  after(async () => vigil?.dispose());

  it('answers 500 StorageCorrupted naming the segment; the rest keeps serving; verify names it', async () => {
    vigil = await startVigil({ args: SERVE_ARGS });
    const b = vigil.bootstrap;
    const ruleA = await createLogTable(b, 'Good_CL', 'Good', [...COLS]);
    const ruleB = await createLogTable(b, 'Bad_CL', 'Bad', [...COLS]);
    const monitor = await tokenFor(b, MONITOR_AUDIENCE);
    const now = new Date().toISOString();
    assert.equal(await ingest(b, monitor, ruleA, 'Good', [{ TimeGenerated: now, K: 1 }]), 204);
    assert.equal(await ingest(b, monitor, ruleB, 'Bad', [{ TimeGenerated: now, K: 2 }]), 204);
    const segDir = join(vigil.dataDir, 'storage', b.workspaceId, 'segments');
    const segments = () => (JSON.parse(readFileSync(join(segDir, '..', 'manifest.json'), 'utf8')) as { segments: { file: string; table: string }[] }).segments;
    // Both tables sealed (the 0.5 s seal age).
    for (let i = 0; i < 600 && !['Good_CL', 'Bad_CL'].every((t) => segments().some((s) => s.table === t)); i++) await new Promise((r) => setTimeout(r, 100));
    await vigil.stop();
    const victim = segments().find((s) => s.table === 'Bad_CL')?.file;
    assert.ok(victim && readdirSync(segDir).includes(victim), JSON.stringify(segments()));
    const bytes = readFileSync(join(segDir, victim));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(join(segDir, victim), bytes);

    vigil = await startVigil({ dataDir: vigil.dataDir, args: SERVE_ARGS });
    const b2 = vigil.bootstrap; // a new port
    const logs = await tokenFor(b2, LOGS_AUDIENCE);
    // A query that reads every column of the rows (a pure count would be answered from the authenticated manifest's
    // row counts, src/store/manifest-count.ts; a query of some columns decrypts only theirs, src/store/segment-parts.ts).
    const bad = await queryWithStatistics(b2, logs, 'Bad_CL', 'P1D');
    assert.equal(bad.status, 500, JSON.stringify(bad.body));
    const error = (bad.body as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'StorageCorrupted');
    assert.ok(error.message.includes(victim) && error.message.includes('Bad_CL'), error.message);
    const good = await queryWithStatistics(b2, logs, 'Good_CL | count', 'P1D');
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(Number(good.rows[0]![0]), 1);
    assert.equal(await ingest(b2, await tokenFor(b2, MONITOR_AUDIENCE), ruleA, 'Good', [{ TimeGenerated: new Date().toISOString(), K: 3 }]), 204);
    assert.match(vigil.output(), new RegExp(victim));

    await vigil.stop();
    const verify = spawnSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir], { encoding: 'utf8' });
    assert.equal(verify.status, 1, verify.stdout + verify.stderr);
    assert.ok((verify.stdout + verify.stderr).includes(victim) && (verify.stdout + verify.stderr).includes('Bad_CL'), verify.stdout + verify.stderr);
  });
});
