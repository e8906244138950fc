/**
 * Reads back what data export wrote to a Blob Storage container (Vigil's own, Azurite or another
 * Vigil), through @azure/storage-blob: every blob's name and type and every JSON line in it.
 */
import assert from 'node:assert/strict';
import type { ContainerClient } from '@azure/storage-blob';

export interface ExportedBlobs<L> {
  lines: L[];
  blobs: { name: string; type?: string }[];
}

export async function readExportedBlobs<L>(container: ContainerClient): Promise<ExportedBlobs<L>> {
  const lines: L[] = [];
  const blobs: { name: string; type?: string }[] = [];
  if (!(await container.exists())) return { lines, blobs };
  for await (const item of container.listBlobsFlat()) {
    blobs.push({ name: item.name, type: item.properties.blobType });
    const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
    for (const l of text.split('\n')) if (l.length > 0) lines.push(JSON.parse(l) as L);
  }
  return { lines, blobs };
}

export interface ExportedRow {
  _ItemId: string;
  Seq: number;
  Message: string;
  TimeGenerated: string;
}

/**
 * Every stored row (`project _ItemId, Seq, Message, TimeGenerated` through the Query API) was
 * exported exactly once with the same values, and nothing else was.
 */
export function assertExportedAsStored(lines: readonly ExportedRow[], stored: readonly unknown[][]): void {
  const byId = new Map(lines.map((l) => [l._ItemId, l]));
  assert.equal(byId.size, stored.length, `${byId.size} distinct rows exported, ${stored.length} stored`);
  for (const r of stored) {
    const l = byId.get(String(r[0]));
    assert.ok(l, `row ${String(r[1])} was not exported`);
    assert.equal(l.Seq, Number(r[1]));
    assert.equal(l.Message, r[2]);
    assert.equal(l.TimeGenerated, r[3]);
  }
}
