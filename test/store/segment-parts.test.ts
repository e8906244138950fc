/**
 * Segment files of format VGLSEG02 (segment-parts.ts): the Parquet file encrypted per column chunk,
 * so a query decrypts only the columns its plan reads. Every byte written to the plaintext file was
 * authenticated first; a part not decrypted is a hole. Altering any kind of part (header, wrapped
 * key, part table, column chunk, footer), swapping parts within or between segments, cutting or
 * extending the file, or another key, is refused by a reader that needs the part and always by
 * `vigil verify`; a query that does not read an altered column chunk is answered (it reads none of
 * its bytes, as DuckDB's own files are). Files of format VGLSEG01 stay readable.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { AuthenticationError, newKey } from '../../src/keys/crypto.js';
import { loadMasterKeys } from '../../src/keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../../src/keys/workspace-keys.js';
import { StorageEngine } from '../../src/store/engine.js';
import { SegmentDamagedError } from '../../src/store/segment-damaged.js';
import { decryptSegmentInto, openSegment, sealSegmentWhole, type SegmentHeader } from '../../src/store/segment.js';
import { fillSegmentParts, partsLayout, partsOf, sealSegmentParts, type ColumnChunk } from '../../src/store/segment-parts.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const tempDir = tempDirs('vigil-segparts-');
// Plaintext files only ever go to a memory-backed folder, as the engine's scratch folder does.
const shm = mkdtempSync('/dev/shm/vigil-segparts-test-');
after(() => rmSync(shm, { recursive: true, force: true }));
let n = 0;
const dest = () => join(shm, `out-${++n}.parquet`);

const HEADER: SegmentHeader = { segmentId: 'seg-parts-1', workspaceId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', table: 'T_CL', createdAt: '2024-01-01T00:00:00.000Z' };
const EXPECT = { segmentId: HEADER.segmentId, workspaceId: HEADER.workspaceId, table: HEADER.table };

/** A 10,000-byte "Parquet file": magic, two row groups of columns a and b (a0 and b1 of equal length), footer. */
const SIZE = 10_000;
const CHUNKS: ColumnChunk[] = [
  { column: 'A', at: 4, length: 1000 },
  { column: 'B', at: 1004, length: 3000 },
  { column: 'A', at: 4004, length: 2000 },
  { column: 'B', at: 6004, length: 1000 },
];
const ranges = (col: string) => CHUNKS.filter((c) => c.column === col);

function sealed(plain = randomBytes(SIZE), key = newKey(), header = HEADER) {
  const { bytes } = sealSegmentParts(key, header, plain, CHUNKS);
  const path = join(tempDir(), 'seg.vseg');
  writeFileSync(path, bytes);
  return { key, plain, bytes, path };
}

const zeroes = (b: Buffer) => b.every((x) => x === 0);

describe('VGLSEG02 segment files', () => {
  it('writes only the parts a reader needs (the rest stays holes), then the rest into the same file', () => {
    const { key, plain, bytes, path } = sealed();
    const out = dest();
    const fill = fillSegmentParts(key, path, EXPECT, out, undefined, new Set(['a']));
    const got = readFileSync(out);
    assert.equal(got.length, SIZE);
    for (const c of ranges('A')) assert.ok(got.subarray(c.at, c.at + c.length).equals(plain.subarray(c.at, c.at + c.length)));
    for (const c of ranges('B')) assert.ok(zeroes(got.subarray(c.at, c.at + c.length)), 'column b is a hole');
    assert.ok(got.subarray(0, 4).equals(plain.subarray(0, 4)) && got.subarray(7004).equals(plain.subarray(7004)), 'the parts every reader needs');
    assert.equal(fill.bytes, SIZE - 4000);
    assert.ok(fill.covers(new Set(['a'])) && fill.covers(new Set()) && !fill.covers(new Set(['b'])) && !fill.covers(undefined));
    // A later reader of b: its parts are written into the same file.
    assert.equal(decryptSegmentInto(key, path, EXPECT, out, fill, new Set(['b'])), fill);
    assert.ok(readFileSync(out).equals(plain));
    assert.equal(fill.bytes, SIZE);
    assert.ok(fill.covers(undefined));
    // A column no part holds (the plan names it, the file does not): everything, rather than a hole read.
    const all = fillSegmentParts(key, path, EXPECT, dest(), undefined, new Set(['c']));
    assert.ok(all.covers(undefined));
    // `vigil verify`'s whole-file decryption reads both formats.
    assert.ok(openSegment(key, bytes, EXPECT).equals(plain));
    const old = sealSegmentWhole(key, HEADER, plain).bytes;
    assert.ok(openSegment(key, old, EXPECT).equals(plain));
    writeFileSync(path, old);
    const oldOut = dest();
    assert.ok(decryptSegmentInto(key, path, EXPECT, oldOut, undefined, new Set(['a'])).covers(undefined), 'a VGLSEG01 file is decrypted whole');
    assert.ok(readFileSync(oldOut).equals(plain));
  });

  it('makes one part of chunks that overlap or leave the file', () => {
    assert.deepEqual(partsOf(100, [{ column: 'a', at: 10, length: 50 }, { column: 'b', at: 40, length: 10 }]), [[0, 100, null]]);
    assert.deepEqual(partsOf(100, [{ column: 'a', at: 90, length: 20 }]), [[0, 100, null]]);
    assert.deepEqual(partsOf(100, [{ column: 'A', at: 4, length: 50 }]), [[0, 4, null], [4, 50, 'a'], [54, 46, null]]);
  });

  it('refuses every kind of altered, moved, cut or foreign part when it is needed, and verify always', () => {
    const { key, plain, bytes, path } = sealed();
    const layout = partsLayout(key, bytes, EXPECT);
    assert.deepEqual(layout.map((p) => p.column), [null, 'a', 'b', 'a', 'b', null]);
    const bodyEnd = bytes.indexOf(Buffer.from('"}')) + 2;
    const flip = (at: number) => {
      const b = Buffer.from(bytes);
      b[at]! ^= 0x20;
      return b;
    };
    const swap = (i: number, j: number, from = bytes) => {
      const b = Buffer.from(bytes);
      from.subarray(layout[j]!.at, layout[j]!.at + layout[j]!.length).copy(b, layout[i]!.at);
      return b;
    };
    const other = sealed(plain, key, { ...HEADER, createdAt: '2024-01-02T00:00:00.000Z' }).bytes;
    const column = (i: number) => layout[i]!.at + 100;
    // [what, file image, a reader refused, a reader that reads none of the damage (or none)]
    const cases: [string, Buffer, Set<string>, Set<string> | undefined][] = [
      ['the header', flip(20), new Set(), undefined],
      ['the wrapped data key', flip(bodyEnd + 10), new Set(), undefined],
      ['the part table length', flip(bodyEnd + 60 + 3), new Set(), undefined],
      ['the part table', flip(bodyEnd + 64 + 2), new Set(), undefined],
      ['the part table tag', flip(layout[0]!.at - 1), new Set(), undefined],
      ['the Parquet magic part', flip(layout[0]!.at), new Set(), undefined],
      ['a chunk of column a', flip(column(3)), new Set(['a']), new Set(['b'])],
      ['the tag of a chunk of column b', flip(layout[2]!.at + layout[2]!.length - 1), new Set(['b']), new Set(['a'])],
      ['the footer', flip(bytes.length - 30), new Set(), undefined],
      ['two chunks of the same length swapped (a0, b1)', swap(1, 4), new Set(['a']), undefined],
      ['a chunk taken from another segment of the same key and layout', swap(1, 1, other), new Set(['a']), new Set(['b'])],
      ['cut inside a part', bytes.subarray(0, layout[2]!.at + 50), new Set(), undefined],
      ['cut at a part boundary', bytes.subarray(0, layout[5]!.at), new Set(), undefined],
      ['bytes appended', Buffer.concat([bytes, Buffer.alloc(16)]), new Set(), undefined],
      ['cut inside the header', bytes.subarray(0, 30), new Set(), undefined],
    ];
    for (const [what, image, refused, answered] of cases) {
      writeFileSync(path, image);
      const out = dest();
      assert.throws(() => fillSegmentParts(key, path, EXPECT, out, undefined, refused), AuthenticationError, what);
      assert.equal(existsSync(out), false, `${what}: no plaintext file is left`);
      if (answered) {
        const ok = dest();
        fillSegmentParts(key, path, EXPECT, ok, undefined, answered);
        const got = readFileSync(ok);
        for (const c of CHUNKS.filter((x) => answered.has(x.column.toLowerCase()))) assert.ok(got.subarray(c.at, c.at + c.length).equals(plain.subarray(c.at, c.at + c.length)), what);
      }
      assert.throws(() => openSegment(key, image, EXPECT), AuthenticationError, `${what}: verify's decryption finds it`);
    }
    writeFileSync(path, bytes);
    assert.throws(() => fillSegmentParts(newKey(), path, EXPECT, dest(), undefined, new Set()), AuthenticationError, 'another key');
    // The part table of another segment of the same header length and layout.
    const spliced = Buffer.from(bytes);
    other.subarray(bodyEnd + 60, layout[0]!.at).copy(spliced, bodyEnd + 60);
    writeFileSync(path, spliced);
    assert.throws(() => fillSegmentParts(key, path, EXPECT, dest(), undefined, new Set()), /part table failed authentication/, 'a part table taken from another segment');
    writeFileSync(path, sealed(plain, key, { ...HEADER, segmentId: 'seg-parts-2' }).bytes);
    assert.throws(() => fillSegmentParts(key, path, EXPECT, dest(), undefined, new Set()), /claims to be seg-parts-2/);
  });

  it('keeps the parts written before a later part fails, and writes nothing unauthenticated', () => {
    const { key, plain, bytes, path } = sealed();
    const out = dest();
    const fill = fillSegmentParts(key, path, EXPECT, out, undefined, new Set(['a']));
    const layout = partsLayout(key, bytes, EXPECT);
    const b = Buffer.from(bytes);
    b[layout[4]!.at + 10]! ^= 1; // the second chunk of column b
    writeFileSync(path, b);
    assert.throws(() => fillSegmentParts(key, path, EXPECT, out, fill, new Set(['b'])), /part 4 \(a chunk of column b\)/);
    const got = readFileSync(out);
    const b0 = ranges('B')[0]!;
    const b1 = ranges('B')[1]!;
    assert.ok(got.subarray(b0.at, b0.at + b0.length).equals(plain.subarray(b0.at, b0.at + b0.length)), 'the intact chunk of b was written');
    assert.ok(zeroes(got.subarray(b1.at, b1.at + b1.length)), 'the altered chunk was not');
    assert.ok(!fill.covers(new Set(['b'])) && fill.covers(new Set(['a'])));
  });
});

describe('queries over VGLSEG02 segments', { timeout: 180_000 }, () => {
  const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const COLS: ColumnSchema[] = [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'Code', type: 'int' },
    { name: 'Msg', type: 'string' },
  ];
  const ROWS = 3000;
  const rows = Array.from({ length: ROWS }, (_, k) => [BASE_TICKS + BigInt(k) * (HOUR_TICKS / 3600n), k % 7, `${k}:${randomBytes(60).toString('base64')}`]);
  const open = async (dataDir: string, memoryTierBytes = 0) => {
    const e = await StorageEngine.open({ dataDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, memoryTierBytes, log: () => undefined });
    await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    return e;
  };
  const q = (e: StorageEngine, sql: string) => e.query(sql.replaceAll('{T}', e.tableSource(WS, 'T_CL')), { timeoutMs: 30_000, tables: [{ workspaceId: WS, table: 'T_CL' }] });
  const sumCode = rows.reduce((s, r) => s + (r[1] as number), 0);
  const sealedDir = async () => {
    const dir = tempDir();
    const e = await open(dir);
    await e.append(WS, 'T_CL', COLS, rows);
    await e.sealDue(true);
    await e.close();
    const segDir = join(dir, 'storage', WS, 'segments');
    const [file] = readdirSync(segDir);
    const bytes = readFileSync(join(segDir, file!));
    assert.equal(bytes.subarray(0, 8).toString(), 'VGLSEG02', 'new segments are written in parts');
    const master = await loadMasterKeys(dir, { create: false });
    const keys = loadOrCreateWorkspaceKeys(join(dir, 'storage', WS), WS, master, false);
    const id = file!.replace(/\.vseg$/, '');
    const layout = partsLayout(keys.wrapKey, bytes, { segmentId: id, workspaceId: WS, table: 'T_CL' });
    return { dir, path: join(segDir, file!), file: file!, bytes, layout };
  };

  it('decrypts only the columns a query reads, more for a later query, and answers as from whole files', async () => {
    const { dir, bytes } = await sealedDir();
    const e = await open(dir);
    try {
      const a = await q(e, 'SELECT sum("Code") FROM {T}');
      assert.equal(Number(a.rows[0]![0]), sumCode);
      assert.ok(a.statistics!.bytesDecrypted > 0 && a.statistics!.bytesDecrypted < bytes.length / 4, `decrypted ${a.statistics!.bytesDecrypted} of ${bytes.length}`);
      // A count over the view reads a column of the file (DuckDB keeps one per UNION ALL branch), read from the plan.
      const c = await q(e, `SELECT count(*) FROM {T} WHERE "Code" = 3`);
      assert.equal(Number(c.rows[0]![0]), rows.filter((r) => r[1] === 3).length);
      const m = await q(e, `SELECT count(*), max("Msg"), min("TimeGenerated") FROM {T} WHERE "Msg" LIKE '1%'`);
      const ones = rows.filter((r) => String(r[2]).startsWith('1'));
      assert.equal(Number(m.rows[0]![0]), ones.length);
      assert.equal(m.rows[0]![1], ones.map((r) => String(r[2])).sort().at(-1));
      assert.equal(BigInt(m.rows[0]![2] as bigint), ones[0]![0]);
      assert.equal(m.statistics!.segmentsDecrypted, 1, 'Msg is decrypted into the same file');
      assert.equal(m.statistics!.segmentCacheHits, 0);
      const all = await q(e, 'SELECT * FROM {T} ORDER BY "TimeGenerated" LIMIT 2 OFFSET 1500');
      assert.deepEqual(all.rows.map((r) => [BigInt(r[0] as bigint), Number(r[1]), r[2]]), rows.slice(1500, 1502));
      assert.equal(all.statistics!.segmentsDecrypted, 0, 'every column is there now');
      assert.equal(all.statistics!.segmentCacheHits, 1);
    } finally {
      await e.close();
    }
  });

  it('fails a query that reads an altered column chunk naming the segment, answers one that does not; verify finds it', async () => {
    const { dir, path, file, bytes, layout } = await sealedDir();
    const msg = layout.find((p) => p.column === 'msg')!;
    const altered = Buffer.from(bytes);
    altered[msg.at + 7]! ^= 0x10;
    writeFileSync(path, altered);
    const e = await open(dir);
    try {
      await assert.rejects(q(e, `SELECT count(*) FROM {T} WHERE "Msg" <> ''`), (err: Error) => err instanceof SegmentDamagedError && err.message.includes(file) && /column msg/.test(err.message));
      // Code's chunks are intact and it reads no byte of Msg's.
      assert.equal(Number((await q(e, 'SELECT sum("Code") FROM {T}')).rows[0]![0]), sumCode);
      await assert.rejects(q(e, 'SELECT max("Msg") FROM {T}'), SegmentDamagedError);
    } finally {
      await e.close();
    }
    const report = await verifyDataDir(dir);
    assert.ok(report.findings.some((f) => f.severity === 'error' && f.file === path), 'verify names the altered file');
  });

  it('a footer or part table altered fails every query reading the segment', async () => {
    for (const where of ['footer', 'table'] as const) {
      const { dir, path, file, bytes, layout } = await sealedDir();
      const altered = Buffer.from(bytes);
      altered[where === 'footer' ? bytes.length - 20 : layout[0]!.at - 20]! ^= 0x01;
      writeFileSync(path, altered);
      const e = await open(dir);
      try {
        await assert.rejects(q(e, 'SELECT sum("Code") FROM {T}'), (err: Error) => err instanceof SegmentDamagedError && err.message.includes(file), where);
      } finally {
        await e.close();
      }
    }
  });

  it('a segment read in part is loaded whole into the memory tier, purged and compacted whole', async () => {
    const { dir } = await sealedDir();
    let e = await open(dir, 64 * 1024 * 1024);
    try {
      assert.equal(Number((await q(e, 'SELECT sum("Code") FROM {T}')).rows[0]![0]), sumCode);
      await e.tierLoadsSettled();
      const fromTier = await q(e, 'SELECT max("Msg"), count(*) FROM {T} WHERE "Code" = 1');
      assert.equal(fromTier.statistics!.segmentsInMemory, 1);
      assert.equal(fromTier.rows[0]![0], rows.filter((r) => r[1] === 1).map((r) => String(r[2])).sort().at(-1));
    } finally {
      await e.close();
    }
    e = await open(dir);
    try {
      assert.equal(Number((await q(e, 'SELECT sum("Code") FROM {T}')).rows[0]![0]), sumCode);
      assert.equal(await e.purge(WS, 'T_CL', '"Code" = 6'), rows.filter((r) => r[1] === 6).length);
      const left = rows.filter((r) => r[1] !== 6);
      const leftSum = sumCode - 6 * (rows.length - left.length);
      const after = await q(e, 'SELECT count(*), max("Msg"), sum("Code") FROM {T}');
      assert.deepEqual([Number(after.rows[0]![0]), after.rows[0]![1], Number(after.rows[0]![2])], [left.length, left.map((r) => String(r[2])).sort().at(-1), leftSum]);
      await e.append(WS, 'T_CL', COLS, [[BASE_TICKS + 5n, 100, 'late']]);
      await e.sealDue(true);
      assert.equal(Number((await q(e, 'SELECT sum("Code") FROM {T}')).rows[0]![0]), leftSum + 100);
      await e.runCompaction();
      const merged = await q(e, `SELECT count(*), sum("Code"), count(*) FILTER (WHERE "Msg" = 'late') FROM {T}`);
      assert.deepEqual(merged.rows[0]!.map(Number), [left.length + 1, leftSum + 100, 1]);
    } finally {
      await e.close();
    }
    const report = await verifyDataDir(dir);
    assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), []);
  });
});
