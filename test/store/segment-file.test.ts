/**
 * Decrypting a segment file into the scratch folder piece by piece (`decryptSegmentFile`): the
 * plaintext written is exactly what was sealed, whatever its size against the piece size; anything
 * altered, cut, renamed or sealed with another key is refused — the GCM tag is checked after the
 * last piece, so a damaged file leaves no plaintext file behind, and none is handed to DuckDB.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ColumnSchema } from '../../src/kql/index.js';
import { AuthenticationError, newKey } from '../../src/keys/crypto.js';
import { StorageEngine } from '../../src/store/engine.js';
import { decryptSegmentFile, openSegment, sealSegmentWhole, SEGMENT_CHUNK_BYTES, type SegmentHeader } from '../../src/store/segment.js';
import { BASE_TICKS, HOUR_TICKS, tempDirs } from './fixtures.js';

const SECOND_TICKS = HOUR_TICKS / 3600n;

const tempDir = tempDirs('vigil-segfile-');
// Plaintext files only ever go to a memory-backed folder, as the engine's scratch folder does.
const shm = mkdtempSync('/dev/shm/vigil-segfile-test-');
after(() => rmSync(shm, { recursive: true, force: true }));

const HEADER: SegmentHeader = { segmentId: 'seg-test-1', workspaceId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', table: 'T_CL', createdAt: '2024-01-01T00:00:00.000Z' };
const EXPECT = { segmentId: HEADER.segmentId, workspaceId: HEADER.workspaceId, table: HEADER.table };

function sealed(plain: Buffer, key = newKey(), header = HEADER): { key: Buffer; path: string; bytes: Buffer } {
  const { bytes } = sealSegmentWhole(key, header, plain);
  const path = join(tempDir(), 'seg.vseg');
  writeFileSync(path, bytes);
  return { key, path, bytes };
}

let n = 0;
const dest = () => join(shm, `out-${++n}.parquet`);

/** The file's bytes with one byte flipped at `at` (negative: from the end). */
function altered(bytes: Buffer, at: number): Buffer {
  const b = Buffer.from(bytes);
  b[at < 0 ? b.length + at : at]! ^= 0x40;
  return b;
}

describe('decryptSegmentFile', () => {
  it('writes exactly the sealed plaintext, for sizes around the piece size, as a 0600 file', () => {
    for (const size of [0, 1, SEGMENT_CHUNK_BYTES - 200, SEGMENT_CHUNK_BYTES, SEGMENT_CHUNK_BYTES + 1, 3 * SEGMENT_CHUNK_BYTES + 17]) {
      const plain = randomBytes(size);
      const { key, path, bytes } = sealed(plain);
      const out = dest();
      assert.equal(decryptSegmentFile(key, path, EXPECT, out), size);
      assert.ok(readFileSync(out).equals(plain), `size ${size}`);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      // The same as the whole-file decryption `vigil verify` uses.
      assert.ok(openSegment(key, bytes, EXPECT).equals(plain));
    }
  });

  it('refuses an altered, cut, renamed or foreign file, and leaves no plaintext file behind', () => {
    const plain = randomBytes(3 * SEGMENT_CHUNK_BYTES + 1000);
    const { key, path, bytes } = sealed(plain);
    const cases: [string, Buffer, Buffer?][] = [
      // Flipped in the last piece: every earlier piece was written before the tag check fails.
      ['a ciphertext byte in the last piece', altered(bytes, -20)],
      ['a ciphertext byte in the first piece', altered(bytes, 200)],
      ['the tag', altered(bytes, -1)],
      ['the authenticated header', altered(bytes, 20)],
      ['the wrapped data key', altered(bytes, bytes.indexOf(Buffer.from('"}')) + 10)],
      ['the end cut off', bytes.subarray(0, bytes.length - 5000)],
      ['cut inside the header', bytes.subarray(0, 30)],
      ['not a segment', Buffer.from('PAR1 not a segment at all')],
      ['another key', bytes, newKey()],
    ];
    for (const [what, image, otherKey] of cases) {
      writeFileSync(path, image);
      const out = dest();
      assert.throws(() => decryptSegmentFile(otherKey ?? key, path, EXPECT, out), AuthenticationError, what);
      assert.equal(existsSync(out), false, `${what}: no plaintext file is left`);
    }
    // Another segment's file under this one's name: refused by the header it authenticates.
    writeFileSync(path, sealed(plain, key, { ...HEADER, segmentId: 'seg-test-2' }).bytes);
    const out = dest();
    assert.throws(() => decryptSegmentFile(key, path, EXPECT, out), /claims to be seg-test-2/);
    assert.equal(existsSync(out), false);
  });

  it('never overwrites an existing file, and reports a missing segment file as missing', () => {
    const plain = randomBytes(1000);
    const { key, path } = sealed(plain);
    const out = dest();
    writeFileSync(out, 'someone else');
    assert.throws(() => decryptSegmentFile(key, path, EXPECT, out), { code: 'EEXIST' });
    assert.equal(readFileSync(out, 'utf8'), 'someone else');
    assert.throws(() => decryptSegmentFile(key, join(tempDir(), 'missing.vseg'), EXPECT, dest()), { code: 'ENOENT' });
  });
});

describe('a query over a segment altered at its end', { timeout: 120_000 }, () => {
  const WS = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const COLS: ColumnSchema[] = [
    { name: 'TimeGenerated', type: 'datetime' },
    { name: 'Msg', type: 'string' },
  ];
  const open = async (dataDir: string, scratchDir: string) => {
    const e = await StorageEngine.open({ dataDir, scratchDir, sealAgeMs: 3_600_000, compactionIntervalMs: 3_600_000, memoryTierBytes: 0, log: () => undefined });
    await e.attachWorkspaces([{ workspaceId: WS, tables: [{ name: 'T_CL', columns: COLS }] }]);
    return e;
  };
  const q = (e: StorageEngine, sql: string) => e.query(sql.replaceAll('{T}', e.tableSource(WS, 'T_CL')), { timeoutMs: 30_000, tables: [{ workspaceId: WS, table: 'T_CL' }] });

  it('fails naming the segment, and no plaintext of it reaches the scratch folder', async () => {
    const dir = tempDir();
    const scratchBase = mkdtempSync(join(shm, 'scratch-'));
    // Incompressible text: the segment spans several pieces.
    const rows = Array.from({ length: 4000 }, (_, k) => [BASE_TICKS + BigInt(k) * (SECOND_TICKS / 2n), randomBytes(150).toString('base64')]);
    let e = await open(dir, scratchBase);
    await e.append(WS, 'T_CL', COLS, rows);
    await e.sealDue(true);
    await e.close();
    const segDir = join(dir, 'storage', WS, 'segments');
    const files = readdirSync(segDir);
    assert.equal(files.length, 1, 'the rows of one hour make one segment');
    const file = files[0];
    const bytes = readFileSync(join(segDir, file!));
    assert.ok(bytes.length > 2 * SEGMENT_CHUNK_BYTES, `a segment of ${bytes.length} bytes spans several pieces`);

    // Intact, it answers every row (read from the decrypted file).
    e = await open(dir, scratchBase);
    try {
      assert.equal(Number((await q(e, `SELECT count(*) FROM {T} WHERE "Msg" <> ''`)).rows[0]![0]), rows.length);
    } finally {
      await e.close();
    }
    writeFileSync(join(segDir, file!), altered(bytes, -30));
    e = await open(dir, scratchBase);
    try {
      await assert.rejects(q(e, `SELECT count(*) FROM {T} WHERE "Msg" <> ''`), (err: Error) => err.message.includes(file!));
      const [scratch] = readdirSync(scratchBase);
      assert.deepEqual(readdirSync(join(scratchBase, scratch!, 'segments')), [], 'no plaintext file is left in the scratch folder');
    } finally {
      await e.close();
    }
  });
});
