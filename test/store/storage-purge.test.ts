/**
 * GDPR purge in the storage engine (issue 6, DESIGN §6): matching rows are physically removed from
 * hot rows, the write-ahead log and sealed segments. Afterwards no query finds them, the replaced
 * segment files are gone together with their wrapped data keys, a marker string of a purged row is
 * in no file of the data folder — neither as raw bytes nor in any decrypted log record or segment —
 * a restart replays exactly the purged state, and `verify` passes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSchema } from '../../src/kql/index.js';
import { WRAPPED_KEY_BYTES } from '../../src/keys/crypto.js';
import { loadMasterKeys } from '../../src/keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../../src/keys/workspace-keys.js';
import { StorageEngine, type EngineOptions } from '../../src/store/engine.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';
import { Manifest } from '../../src/store/manifest.js';
import { openSegment } from '../../src/store/segment.js';
import { readWal } from '../../src/store/wal.js';
import { verifyDataDir } from '../../src/store/verify.js';
import type { Mutex } from '../../src/store/mutex.js';

const WS = '7a1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const COLS: ColumnSchema[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'User', type: 'string' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];

const tempDir = tempDirs('vigil-purge-');

async function open(dataDir: string, extra: Partial<EngineOptions> = {}): Promise<StorageEngine> {
  const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, log: () => undefined, ...extra });
  await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
  return e;
}

async function q(e: StorageEngine, sql: string): Promise<unknown[][]> {
  const out = await e.query(sql.replaceAll('$T', e.tableSource(WS, 'T_CL')), { timeoutMs: 30_000, tables: [{ workspaceId: WS, table: 'T_CL' }] });
  return out.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every plaintext the data folder can yield with its keys: each log record and each segment's rows. */
async function decryptEverything(dataDir: string): Promise<string> {
  const wsDir = join(dataDir, 'storage', WS);
  const keys = loadOrCreateWorkspaceKeys(wsDir, WS, await loadMasterKeys(dataDir, { create: false }), false);
  const out: string[] = [];
  const read = readWal(join(wsDir, 'wal'), WS, keys.wrapKey, (_seq, payload) => {
    out.push(payload.toString('utf8'));
    return undefined;
  }, false);
  assert.deepEqual(read.problems, []);
  const manifest = Manifest.load(join(wsDir, 'manifest.json'), WS, keys.macKey);
  const scratch = mkdtempSync(join('/dev/shm', 'vigil-purge-test-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    for (const seg of manifest.segments) {
      const parquet = openSegment(keys.wrapKey, readFileSync(join(wsDir, 'segments', seg.file)), { segmentId: seg.id, workspaceId: WS, table: seg.table });
      const p = join(scratch, `${seg.id}.parquet`);
      writeFileSync(p, parquet);
      const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${p}')`)).getRowsJS();
      out.push(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    }
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
  return out.join('\n');
}

describe('storage engine purge', { timeout: 120_000 }, () => {
  it('removes the rows from hot data, the log and segments; destroys the replaced segments and their keys; verify passes', async () => {
    const dir = tempDir();
    const marker = `PURGE-ME-${randomUUID()}`;
    const keep = `KEEP-${randomUUID()}`;
    // 3 hours × 4 rows sealed (one segment per hour), the user "victim" in hours 0 and 2; then hot rows.
    const row = (h: number, k: number, user: string): unknown[] => [BASE_TICKS + BigInt(h) * HOUR_TICKS + BigInt(k), user, user === 'victim' ? `${marker} ${h}/${k}` : `${keep} ${h}/${k}`, BigInt(h * 10 + k)];
    let e = await open(dir);
    for (const h of [0, 1, 2]) await e.append(WS, 'T_CL', COLS, [0, 1, 2, 3].map((k) => row(h, k, h !== 1 && k < 2 ? 'victim' : 'alice')) as never);
    await e.sealDue(true);
    // Unsealed: in the hot table and in the log.
    await e.append(WS, 'T_CL', COLS, [row(5, 0, 'victim'), row(5, 1, 'bob')] as never);
    await e.append(WS, 'T_CL', COLS, [row(5, 2, 'bob')] as never);
    const segDir = join(dir, 'storage', WS, 'segments');
    const before = [...(await e.segmentsOf(WS))];
    assert.equal(before.length, 3);
    const wrappedKeyOf = (file: string) => {
      const b = readFileSync(join(segDir, file));
      const at = 12 + b.readUInt32BE(8);
      return b.subarray(at, at + WRAPPED_KEY_BYTES);
    };
    const keysBefore = new Map(before.map((s) => [s.id, Buffer.from(wrappedKeyOf(s.file))]));
    assert.match(await decryptEverything(dir), new RegExp(marker), 'the marker is stored (encrypted) before the purge');

    const removed = await e.purge(WS, 'T_CL', `("User" = 'victim')`);
    assert.equal(removed, 5);
    assert.deepEqual(await q(e, `SELECT count(*) FROM $T WHERE "User" = 'victim' OR "Msg" LIKE '%PURGE-ME%'`), [[0]]);
    assert.deepEqual(await q(e, 'SELECT count(*), count(DISTINCT "N") FROM $T'), [[10, 10]]);

    // Segments of hours 0 and 2 were replaced; hour 1 had no matching row and stays as it was.
    const afterSegs = await e.segmentsOf(WS);
    const replaced = before.filter((s) => !afterSegs.some((a) => a.id === s.id));
    assert.deepEqual(replaced.map((s) => s.minTime).sort(), [before[0]!.minTime, before[2]!.minTime].sort());
    for (const s of replaced) assert.throws(() => statSync(join(segDir, s.file)), /ENOENT/, `${s.file} is gone`);
    assert.deepEqual(readdirSync(segDir).sort(), afterSegs.map((s) => s.file).sort());
    // The new segments have new data keys; the old wrapped keys exist in no file any more.
    const allFiles = filesUnder(dir);
    for (const s of replaced) {
      for (const f of allFiles) assert.equal(readFileSync(f).indexOf(keysBefore.get(s.id)!), -1, `the wrapped data key of ${s.id} is still in ${f}`);
    }
    const manifestText = readFileSync(join(dir, 'storage', WS, 'manifest.json'), 'utf8');
    for (const s of replaced) {
      assert.ok(!manifestText.includes(s.id) && !manifestText.includes(s.sha256), `${s.id} is gone from the manifest`);
    }

    // Neither as bytes in any file, nor in any plaintext the keys can recover.
    const needle = Buffer.from(marker);
    for (const f of filesUnder(dir)) assert.equal(readFileSync(f).indexOf(needle), -1, `${f} holds the marker`);
    const plain = await decryptEverything(dir);
    assert.ok(!plain.includes(marker), 'no decrypted log record or segment holds the marker');
    assert.ok(plain.includes(keep), 'the other rows are still stored');

    // A restart replays exactly the purged state (the unsealed bob rows once, the victim row never).
    await e.close();
    e = await open(dir);
    assert.deepEqual(await q(e, `SELECT count(*), count(DISTINCT "N"), count(*) FILTER (WHERE "User" = 'victim') FROM $T`), [[10, 10, 0]]);
    await e.append(WS, 'T_CL', COLS, [row(6, 0, 'carol')] as never);
    await e.sealDue(true);
    await e.close();
    e = await open(dir);
    assert.deepEqual(await q(e, `SELECT count(*), count(DISTINCT "N") FROM $T`), [[11, 11]]);
    await e.close();

    const report = await verifyDataDir(dir);
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);
  });

  it('keeps every concurrently acknowledged row exactly once, and a purge of nothing changes nothing', async () => {
    const dir = tempDir();
    let e = await open(dir, { walFileBytes: 4096 });
    const rows = (from: number, n: number, user: (i: number) => string) => Array.from({ length: n }, (_, k) => [BASE_TICKS + BigInt(from + k), user(from + k), `m${from + k}`, BigInt(from + k)]);
    for (let i = 0; i < 10; i++) await e.append(WS, 'T_CL', COLS, rows(i * 20, 20, (n) => (n % 7 === 0 ? 'victim' : 'x')) as never);
    const segFilesBefore = readdirSync(join(dir, 'storage', WS, 'segments'));
    assert.equal(await e.purge(WS, 'T_CL', `"User" = 'nobody'`), 0);
    assert.deepEqual(readdirSync(join(dir, 'storage', WS, 'segments')), segFilesBefore);
    // Appends of non-matching rows while the purge runs: each acknowledged row is kept exactly once.
    const appends = Array.from({ length: 20 }, (_, i) => e.append(WS, 'T_CL', COLS, rows(1000 + i * 5, 5, () => 'late') as never));
    const removed = await e.purge(WS, 'T_CL', `"User" = 'victim'`);
    await Promise.all(appends);
    assert.equal(removed, Math.ceil(200 / 7));
    const expected = [[200 - removed + 100, 200 - removed + 100, 0]];
    const check = `SELECT count(*), count(DISTINCT "N"), count(*) FILTER (WHERE "User" = 'victim') FROM $T`;
    assert.deepEqual(await q(e, check), expected);
    await e.close();
    e = await open(dir);
    assert.deepEqual(await q(e, check), expected);
    await e.close();
    assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
  });

  it('a log rewrite interrupted after its new file was complete is finished at the next start', async () => {
    const dir = tempDir();
    let e = await open(dir);
    await e.append(WS, 'T_CL', COLS, [[BASE_TICKS, 'victim', 'secret', 1n], [BASE_TICKS, 'x', 'kept', 2n]] as never);
    await e.close();
    const walDir = join(dir, 'storage', WS, 'wal');
    const name = readdirSync(walDir).find((f) => f.endsWith('.wal'))!;
    e = await open(dir);
    await e.purge(WS, 'T_CL', `"User" = 'victim'`);
    await e.close();
    // Simulate the crash window: the complete new file sits beside a shredded old one.
    copyFileSync(join(walDir, name), join(walDir, `${name}.new`));
    writeFileSync(join(walDir, name), Buffer.alloc(statSync(join(walDir, `${name}.new`)).size));
    assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
    e = await open(dir);
    assert.deepEqual(await q(e, 'SELECT "User", "N" FROM $T ORDER BY "N"'), [['x', 2]]);
    await e.close();
    assert.ok(!readdirSync(walDir).some((f) => f.endsWith('.new')));
  });

  it('a query that chose a segment before a purge replaced it leaves none of its plaintext behind', async () => {
    const dir = tempDir();
    let e = await open(dir);
    await e.append(WS, 'T_CL', COLS, [[BASE_TICKS, 'a', 'first', 1n]] as never);
    await e.sealDue(true);
    await e.append(WS, 'T_CL', COLS, [[BASE_TICKS + HOUR_TICKS, 'victim', 'secret', 2n], [BASE_TICKS + HOUR_TICKS, 'b', 'kept', 3n]] as never);
    await e.sealDue(true);
    await e.close();
    e = await open(dir); // nothing in the memory tier yet
    try {
      const [first, second] = await e.segmentsOf(WS);
      assert.ok(first && second && second.minTime > first.maxTime);
      // Internals, to stop the query at a chosen point: the memory tier's lock (the query waits there
      // to load its first segment, both segments pinned), and the engine's readers and deferred deletes.
      const internals = e as unknown as { segmentReaders: Map<string, number>; pendingDelete: Map<string, unknown> };
      const tierLock = (e.memory as unknown as { lock: Mutex }).lock;
      let release!: () => void;
      const held = tierLock.run(() => new Promise<void>((r) => (release = r)));
      const until = async (what: string, cond: () => boolean) => {
        const deadline = performance.now() + 60_000;
        while (!cond()) {
          if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      // (It reads the rows: a pure count would take them from the manifest and load nothing.)
      const reading = q(e, 'SELECT count(*) FROM $T WHERE "N" > 0');
      await until('the query to pin the segments', () => (internals.segmentReaders.get(second.id) ?? 0) > 0);
      const purging = e.purge(WS, 'T_CL', `"User" = 'victim'`);
      // The purge replaced the segment and waits for the query to let go of its file.
      await until('the purge to replace the segment', () => internals.pendingDelete.has(second.id));
      release();
      await held;
      // The query began before the purge (it may count the row); it loads the replaced segment only now, after the purge forgot it.
      assert.ok([2, 3].includes((await reading)[0]![0] as number));
      assert.equal(await purging, 1);
      await e.memory.settle();
      assert.equal(e.memory.has(second.id), false, 'the replaced segment left the memory tier with its last reader');
      assert.deepEqual(await q(e, 'SELECT "User" FROM $T ORDER BY "N"'), [['a'], ['b']]);
    } finally {
      await e.close();
    }
  });
});
