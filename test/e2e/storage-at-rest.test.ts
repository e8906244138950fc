/**
 * The storage engine seen from outside, against a real server process: no plaintext at rest (marker
 * strings are searched in every file of the data folder, before and after sealing), time pruning
 * (a query over the last hour of 30 days of data opens only that hour's segments, read from the
 * engine's scan statistics through `Prefer: include-statistics=true`), and tamper detection
 * (`vigil verify` names an altered segment, log file and manifest, with their table).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, startVigil, type VigilProcess } from '../support/vigil-process.js';
import { createLogTable, ingest, LOGS_AUDIENCE, MONITOR_AUDIENCE, queryWithStatistics, tokenFor, type RawQueryResult } from '../support/log-table.js';

const HOUR = 3_600_000;
const DAYS = 30;
const PER_HOUR = 3;
const SERVE_ARGS = ['--seal-age', '1'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

describe('storage at rest: encryption, pruning, tamper detection', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;
  let ruleId: string;
  let ingestToken: string;
  let queryToken: string;
  const marker = `PLAINTEXT-MARKER-${randomUUID()}`;
  const end = Date.now();
  const total = DAYS * 24 * PER_HOUR;

  before(async () => {
    vigil = await startVigil({ args: SERVE_ARGS });
    ruleId = await createLogTable(vigil.bootstrap, 'Secret_CL', 'Secret', [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Message', type: 'string' },
      { name: 'Props', type: 'dynamic' },
      { name: 'Seq', type: 'long' },
    ]);
    ingestToken = await tokenFor(vigil.bootstrap, MONITOR_AUDIENCE);
    queryToken = await tokenFor(vigil.bootstrap, LOGS_AUDIENCE);
  });
  after(async () => vigil?.dispose());

  const statsOf = (r: RawQueryResult) => {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const s = r.statistics?.query?.storage;
    assert.ok(s, `scan statistics in ${JSON.stringify(r.statistics)}`);
    return s;
  };

  async function waitSealed(expectRows: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = statsOf(await queryWithStatistics(vigil.bootstrap, queryToken, 'Secret_CL | count'));
      if (s.hotRows === 0 && s.segmentRows === expectRows) return;
      if (Date.now() > deadline) assert.fail(`rows were not sealed within 60 s: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('ingests 30 days of rows carrying marker strings', async () => {
    // Rows spread evenly over the 30 days before `end` (newest first), PER_HOUR per hour.
    const rows = Array.from({ length: total }, (_, i) => ({
      TimeGenerated: new Date(end - 1 - Math.floor((i * HOUR) / PER_HOUR)).toISOString(),
      Message: `${marker} row ${i}`,
      Props: { secret: marker, i },
      Seq: i,
    }));
    for (let i = 0; i < rows.length; i += 500) assert.equal(await ingest(vigil.bootstrap, ingestToken, ruleId, 'Secret', rows.slice(i, i + 500)), 204);
  });

  it('never writes the markers in plaintext, neither in the log nor in sealed segments', async () => {
    const check = (when: string) => {
      const needle = Buffer.from(marker);
      const files = filesUnder(vigil.dataDir);
      assert.ok(files.some((f) => f.includes(`${join('storage', vigil.bootstrap.workspaceId)}`)), 'the workspace storage folder exists');
      for (const f of files) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(f);
        } catch (err) {
          // A temporary file of an atomic write (manifest.json.<pid>.<n>.tmp) renamed away after the listing.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        assert.equal(bytes.indexOf(needle), -1, `${when}: ${f} holds a marker in plaintext`);
      }
      assert.ok(!files.some((f) => /\.(duckdb|wal\.tmp|parquet)$/.test(f)), `${when}: no DuckDB database or plaintext Parquet in the data folder`);
    };
    check('before sealing');
    await waitSealed(total);
    check('after sealing');
    // The rows are all there and readable.
    const r = await queryWithStatistics(vigil.bootstrap, queryToken, `Secret_CL | where Message has "${marker}" | summarize count(), dcount(Seq)`);
    assert.deepEqual(r.rows, [[total, total]]);
    const d = await queryWithStatistics(vigil.bootstrap, queryToken, `Secret_CL | where tostring(Props.secret) == "${marker}" | count`);
    assert.deepEqual(d.rows, [[total]]);
  });

  it('opens only the segments of the last hour for a query over the last hour (request timespan)', async () => {
    const r = await queryWithStatistics(vigil.bootstrap, queryToken, 'Secret_CL | count', 'PT1H');
    const s = statsOf(r);
    assert.ok(Number(r.rows[0]![0]) >= PER_HOUR - 1 && Number(r.rows[0]![0]) <= PER_HOUR + 1, `rows in the last hour: ${JSON.stringify(r.rows)}`);
    assert.ok(s.segmentsConsidered >= DAYS * 24, `segments: ${JSON.stringify(s)}`);
    // The last hour overlaps at most two hourly partitions.
    assert.ok(s.segmentsOpened >= 1 && s.segmentsOpened <= 2, `opened ${s.segmentsOpened} segments: ${JSON.stringify(s)}`);
    assert.equal(s.segmentsPruned, s.segmentsConsidered - s.segmentsOpened);
    assert.ok(s.rowsScanned <= 2 * PER_HOUR + 2, `rows scanned ${s.rowsScanned}`);
  });

  it('prunes with TimeGenerated predicates written in the KQL too', async () => {
    const r = await queryWithStatistics(vigil.bootstrap, queryToken, 'Secret_CL | where TimeGenerated > ago(1h) | summarize count()');
    const s = statsOf(r);
    assert.ok(s.segmentsOpened <= 2, `opened ${s.segmentsOpened}: ${JSON.stringify(s)}`);
    const day = await queryWithStatistics(vigil.bootstrap, queryToken, `Secret_CL | where TimeGenerated between (datetime(${new Date(end - 10 * 24 * HOUR).toISOString()}) .. 1d) | count`);
    const ds = statsOf(day);
    const n = Number(day.rows[0]![0]);
    assert.ok(n >= 24 * PER_HOUR && n <= 24 * PER_HOUR + 1, `rows in one day: ${n}`);
    assert.ok(ds.segmentsOpened <= 26 && ds.segmentsOpened >= 24, `a one-day window opened ${ds.segmentsOpened}`);
  });

  it('vigil verify names an altered segment, log file and manifest with their table', async () => {
    // Some unsealed rows so there is a log file with records in it.
    await ingest(vigil.bootstrap, ingestToken, ruleId, 'Secret', [{ TimeGenerated: new Date().toISOString(), Message: 'a', Seq: -1 }]);
    await ingest(vigil.bootstrap, ingestToken, ruleId, 'Secret', [{ TimeGenerated: new Date().toISOString(), Message: 'b', Seq: -2 }]);
    await vigil.stop();
    const verify = () => spawnSync(process.execPath, [CLI, 'verify', '--insecure-dev-keys', '--data-dir', vigil.dataDir], { encoding: 'utf8' });
    const clean = verify();
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    const wsDir = join(vigil.dataDir, 'storage', vigil.bootstrap.workspaceId);
    const flip = (path: string, at: number) => {
      const b = readFileSync(path);
      b[at] = b[at]! ^ 0x20;
      writeFileSync(path, b);
    };
    const segment = join(wsDir, 'segments', readdirSync(join(wsDir, 'segments')).sort()[3]!);
    flip(segment, Math.floor(statSync(segment).size / 2));
    const wal = readdirSync(join(wsDir, 'wal'))
      .map((f) => join(wsDir, 'wal', f))
      .find((f) => statSync(f).size > 400)!;
    assert.ok(wal, 'a log file with records');
    const w = readFileSync(wal);
    flip(wal, 12 + w.readUInt32BE(8) + 60 + 16); // inside its first record
    const manifest = join(wsDir, 'manifest.json');
    const m = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, m.replace(/"rows": (\d+)/, (_, n: string) => `"rows": ${Number(n) + 1}`));
    const out = verify();
    assert.equal(out.status, 1, out.stdout);
    for (const f of [segment, wal, manifest]) assert.ok(out.stdout.includes(f), `verify names ${f}:\n${out.stdout}`);
    assert.match(out.stdout, /table Secret_CL/);
    // The server refuses altered storage instead of starting without acknowledged rows.
    await assert.rejects(startVigil({ dataDir: vigil.dataDir, args: SERVE_ARGS }), /altered/);
  });
});
