/**
 * Write-path failures injected through the storage I/O layer (issue #22): a short write followed by
 * ENOSPC, a failed fdatasync, a failed truncate during the repair, a failed rename of the manifest,
 * a failed segment write. In every case no acknowledged record is lost or duplicated — neither in the
 * running engine nor after a restart — the failed append is refused with a StorageError, and the next
 * append succeeds once the fault is gone (no restart). Also: the free-space threshold, and the
 * audit tables writing into its reserve.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { StorageEngine, type EngineOptions } from '../../src/store/engine.js';
import { readWal, WalWriter } from '../../src/store/wal.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { nodeIo, StorageError, type StorageFile, type StorageIo } from '../../src/util/storage-io.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const WS = '1f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const COLS: ColumnSchema[] = [
  { name: 'TenantId', type: 'string' },
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Msg', type: 'string' },
  { name: 'N', type: 'long' },
];
const tempDir = tempDirs('vigil-faults-');
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5 });

type Op = 'write' | 'datasync' | 'truncate' | 'writeSync' | 'rename';

/**
 * The real file system, with faults: `fail(op, match, times, err)` makes the next `times` calls of
 * `op` on a path matching `match` fail; `short` makes the next write write only half its bytes
 * (as write(2) does when the disk fills) — the call after it then fails, if a fault is armed.
 */
class FaultyIo implements StorageIo {
  private faults: { op: Op; match: RegExp; times: number; err: () => Error }[] = [];
  private shortNext = false;
  calls: Record<Op, number> = { write: 0, datasync: 0, truncate: 0, writeSync: 0, rename: 0 };
  private readonly paths = new Map<number, string>();

  fail(op: Op, match: RegExp, times: number, err: () => Error): void {
    this.faults.push({ op, match, times, err });
  }
  short(): void {
    this.shortNext = true;
  }
  clear(): void {
    this.faults = [];
    this.shortNext = false;
  }
  private check(op: Op, path: string): void {
    this.calls[op]++;
    const f = this.faults.find((x) => x.op === op && x.times > 0 && x.match.test(path));
    if (f) {
      f.times--;
      throw f.err();
    }
  }

  async open(path: string, flags: string, mode?: number): Promise<StorageFile> {
    const inner = await nodeIo.open(path, flags, mode);
    return {
      write: async (buf, offset, length, position) => {
        if (this.shortNext && length > 1) {
          this.shortNext = false;
          return inner.write(buf, offset, Math.floor(length / 2), position);
        }
        this.check('write', path);
        return inner.write(buf, offset, length, position);
      },
      datasync: async () => {
        this.check('datasync', path);
        return inner.datasync();
      },
      truncate: async (length) => {
        this.check('truncate', path);
        return inner.truncate(length);
      },
      close: () => inner.close(),
    };
  }
  openSync(path: string, flags: string, mode?: number): number {
    const fd = nodeIo.openSync(path, flags, mode);
    this.paths.set(fd, path);
    return fd;
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number {
    this.check('writeSync', this.paths.get(fd) ?? '');
    return nodeIo.writeSync(fd, buf, offset, length, position);
  }
  fsyncSync(fd: number): void {
    nodeIo.fsyncSync(fd);
  }
  ftruncateSync(fd: number, length: number): void {
    nodeIo.ftruncateSync(fd, length);
  }
  closeSync(fd: number): void {
    this.paths.delete(fd);
    nodeIo.closeSync(fd);
  }
  renameSync(from: string, to: string): void {
    this.check('rename', to);
    nodeIo.renameSync(from, to);
  }
  unlinkSync(path: string): void {
    nodeIo.unlinkSync(path);
  }
}

const KEY = randomBytes(32);
const WAL_WS = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

/** Every record of the log folder, in order (problems other than a torn tail fail the test). */
function records(dir: string): { seq: number; text: string }[] {
  const out: { seq: number; text: string }[] = [];
  const r = readWal(dir, WAL_WS, KEY, (seq, payload) => {
    out.push({ seq, text: payload.toString() });
    return 't';
  }, false);
  assert.deepEqual(r.problems, [], 'the log has no torn or damaged record');
  return out;
}

async function settle(p: Promise<number>): Promise<number | Error> {
  return p.then((s) => s, (e: unknown) => e as Error);
}

describe('write-ahead log under injected write and fsync failures', () => {
  const newLog = () => {
    const dir = join(tempDir(), 'wal');
    mkdirSync(dir);
    const io = new FaultyIo();
    return { dir, io, wal: new WalWriter(dir, WAL_WS, KEY, 0, [], 64 * 1024 * 1024, io) };
  };
  const noop = async () => undefined;

  for (const fault of ['a short write, then ENOSPC', 'ENOSPC on write', 'EIO on fdatasync'] as const) {
    it(`${fault}: the acknowledged records before it stay intact, the group is refused, the next append succeeds`, async () => {
      const { dir, io, wal } = newLog();
      assert.equal(await wal.append(Buffer.from('a1'), 't', noop), 1);
      assert.equal(await wal.append(Buffer.from('a2'), 't', noop), 2);
      if (fault === 'a short write, then ENOSPC') {
        io.short();
        io.fail('write', /\.wal$/, 1, enospc);
      } else if (fault === 'ENOSPC on write') io.fail('write', /\.wal$/, 1, enospc);
      else io.fail('datasync', /\.wal$/, 1, eio);
      // A group of three (queued while the log is held, written in one go), refused as a whole.
      const pending: Promise<number | Error>[] = [];
      await wal.exclusive(false, async () => {
        for (const text of ['x'.repeat(5000), 'y', 'z']) pending.push(settle(wal.append(Buffer.from(text), 't', noop)));
      });
      const refused = await Promise.all(pending);
      for (const r of refused) {
        assert.ok(r instanceof StorageError, `refused with a StorageError, got ${String(r)}`);
        assert.equal(r.kind, fault === 'EIO on fdatasync' ? 'failing' : 'full');
        assert.match(r.path ?? '', /\.wal$/);
      }
      // No restart: the next append works, with the next sequence number after the acknowledged ones.
      assert.equal(await wal.append(Buffer.from('a3'), 't', noop), 3);
      assert.equal(await wal.append(Buffer.from('a4'), 't', noop), 4);
      await wal.close();
      assert.deepEqual(records(dir).map((r) => r.text), ['a1', 'a2', 'a3', 'a4']);
    });
  }

  it('a failed fdatasync while the repair fails too: appends are refused until the file can be truncated, then continue', async () => {
    const { dir, io, wal } = newLog();
    assert.equal(await wal.append(Buffer.from('a1'), 't', noop), 1);
    io.short();
    io.fail('write', /\.wal$/, 1, enospc);
    io.fail('truncate', /\.wal$/, 1000, eio);
    // The failed group, then two more appends while the repair keeps failing.
    for (let i = 0; i < 3; i++) assert.ok((await settle(wal.append(Buffer.from(`r${i}-${'q'.repeat(3000)}`), 't', noop))) instanceof StorageError);
    assert.ok(io.calls.truncate >= 3, 'every append tried the repair first');
    io.clear();
    assert.equal(await wal.append(Buffer.from('a2'), 't', noop), 2);
    await wal.close();
    assert.deepEqual(records(dir).map((r) => r.text), ['a1', 'a2']);
  });

  it('a failure creating a new log file (full disk on its header) leaves nothing behind, and the next append creates it', async () => {
    const { dir, io, wal } = newLog();
    io.fail('write', /\.wal$/, 1, enospc);
    assert.ok((await settle(wal.append(Buffer.from('r'), 't', noop))) instanceof StorageError);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(await wal.append(Buffer.from('a1'), 't', noop), 1);
    await wal.close();
    assert.deepEqual(records(dir).map((r) => r.text), ['a1']);
  });

  it('a record the disk cut short is never acknowledged (what lost the last batch in issue #22)', async () => {
    const { dir, io, wal } = newLog();
    assert.equal(await wal.append(Buffer.from('a1'), 't', noop), 1);
    // Only a short write: no error from the kernel — the rest is simply written by the next call.
    io.short();
    assert.equal(await wal.append(Buffer.from('a2'.repeat(4000)), 't', noop), 2);
    await wal.close();
    assert.deepEqual(records(dir).map((r) => r.text.slice(0, 2)), ['a1', 'a2']);
    assert.equal(records(dir)[1]!.text.length, 8000);
  });
});

const rowsAt = (from: number, count: number) => Array.from({ length: count }, (_, k) => ['t', BASE_TICKS + BigInt(from + k) * HOUR_TICKS, `m-${from + k}`, BigInt(from + k)]);

describe('storage engine under injected failures', { timeout: 120_000 }, () => {
  async function open(dataDir: string, io: StorageIo, extra: Partial<EngineOptions> = {}): Promise<StorageEngine> {
    const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, minFreeBytes: 0, log: () => undefined, io, ...extra });
    await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    return e;
  }
  async function count(e: StorageEngine): Promise<[number, number]> {
    const out = await e.query(`SELECT count(*), count(DISTINCT "N") FROM ${e.tableSource(WS, 'T_CL')}`, { timeoutMs: 30_000, tables: [{ workspaceId: WS, table: 'T_CL' }] });
    return out.rows[0]!.map(Number) as [number, number];
  }

  for (const [name, arm] of [
    ['append (ENOSPC after a short write)', (io: FaultyIo) => (io.short(), io.fail('write', /\.wal$/, 1, enospc))],
    ['fsync (EIO)', (io: FaultyIo) => io.fail('datasync', /\.wal$/, 1, eio)],
    ['rename of the manifest, on a new column', (io: FaultyIo) => io.fail('rename', /manifest\.json$/, 1, enospc)],
  ] as const) {
    it(`an injected failure in the ${name}: 503-class StorageError, acknowledged rows intact before and after a restart, the next append succeeds`, async () => {
      const dir = tempDir();
      const io = new FaultyIo();
      let e = await open(dir, io);
      await e.append(WS, 'T_CL', COLS, rowsAt(0, 10));
      arm(io);
      // The manifest is written on a schema change: the refused append brings a new column.
      const cols = name.startsWith('rename') ? [...COLS, { name: 'Extra', type: 'string' as const }] : COLS;
      const rows = name.startsWith('rename') ? rowsAt(10, 5).map((r) => [...r, 'x']) : rowsAt(10, 5);
      const err = await e.append(WS, 'T_CL', cols, rows).then(() => undefined, (x: unknown) => x);
      assert.ok(err instanceof StorageError, `refused with a StorageError, got ${String(err)}`);
      assert.deepEqual(await count(e), [10, 10], 'the refused rows are not visible, the acknowledged ones are');
      await e.append(WS, 'T_CL', COLS, rowsAt(20, 5));
      assert.deepEqual(await count(e), [15, 15]);
      await e.close();
      io.clear();
      e = await open(dir, io);
      assert.deepEqual(await count(e), [15, 15], 'after a restart: every acknowledged row once, no refused one');
      await e.close();
      assert.deepEqual((await verifyDataDir(dir)).findings.filter((f) => f.severity === 'error'), []);
    });
  }

  it('sealing that fails (segment write, then the manifest rename) keeps the rows and seals them on the next attempt, without duplicates', async () => {
    const dir = tempDir();
    const io = new FaultyIo();
    const logged: string[] = [];
    let e = await open(dir, io, { log: (_l, m) => logged.push(m) });
    await e.append(WS, 'T_CL', COLS, rowsAt(0, 30));
    io.fail('writeSync', /segments/, 1, enospc);
    assert.equal(await e.sealDue(true), 0);
    const segDir = join(dir, 'storage', WS, 'segments');
    assert.deepEqual(readdirSync(segDir), [], 'no partial or orphan segment file is left');
    io.fail('rename', /manifest\.json$/, 1, enospc);
    assert.equal(await e.sealDue(true), 0);
    assert.deepEqual(readdirSync(segDir), [], 'segments of an uncommitted seal are removed');
    assert.equal(logged.filter((m) => /sealing table T_CL/.test(m)).length, 1, 'one log line for the episode, not one per attempt');
    assert.deepEqual(await count(e), [30, 30]);
    // The next attempt seals them — this one, or the background's (it retries a pending seal every second).
    await e.sealDue(true);
    assert.deepEqual([e.status().segmentRows, e.status().hotRows], [30, 0], 'the next attempt seals them');
    assert.ok(logged.some((m) => /sealing works again/.test(m)));
    assert.deepEqual(await count(e), [30, 30]);
    await e.close();
    e = await open(dir, io);
    assert.deepEqual(await count(e), [30, 30]);
    await e.close();
    assert.ok(readdirSync(segDir).every((f) => statSync(join(segDir, f)).size > 0));
  });

  it('the free-space threshold refuses ingestion with StorageFull, lets the audit tables write into the reserve, and logs once per episode', async () => {
    const dir = tempDir();
    const logged: string[] = [];
    const e = await open(dir, nodeIo, { minFreeBytes: Number.MAX_SAFE_INTEGER / 2, log: (_l, m) => logged.push(m) });
    for (let i = 0; i < 3; i++) {
      const err = await e.append(WS, 'T_CL', COLS, rowsAt(i, 1)).then(() => undefined, (x: unknown) => x);
      assert.ok(err instanceof StorageError && err.code === 'StorageFull', String(err));
      assert.match((err as Error).message, /keeps at least .* free \(--min-free-disk-mb\)/);
    }
    await e.ensureTable(WS, 'LAQueryLogs', COLS).catch(() => undefined);
    await e.append(WS, 'LAQueryLogs', COLS, rowsAt(0, 2));
    await new Promise((r) => setTimeout(r, 50));
    const told = logged.filter((m) => /storage is full: .* free/.test(m));
    assert.equal(told.length, 1, logged.join('\n'));
    assert.match(told[0]!, new RegExp(dir.replace(/[/.]/g, '\\$&')));
    await e.close();
  });
});
