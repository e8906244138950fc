/**
 * Reads back what data export wrote to a Blob Storage container (Vigil's own, Azurite or another
 * Vigil), through @azure/storage-blob: every blob's name and type and every JSON line in it.
 */
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
