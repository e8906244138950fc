/**
 * The export ledger: every block the exporter appends to an exported blob is recorded BEFORE it is
 * written — destination, container, blob, offset, length and SHA-256 — in `D/exports/ledger.jsonl`
 * (0600, fsynced), each entry chained to the previous one by an HMAC under a key derived from the
 * storage master key (through the blob store's keyring). `vigil verify` checks the chain and, for
 * destinations in Vigil's own blob store, that every exported blob consists exactly of ledgered blocks:
 * bytes nobody ledgered (someone else appending to an export blob, which a WORM policy that allows
 * protected appends cannot prevent), altered blocks, or a broken chain are errors. An entry whose block
 * never reached the blob (Vigil stopped between the two) is allowed when the blob ends there or the
 * exporter wrote the same offset again.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { BlobStore, blobStoreDir } from '../../blob/blob-store.js';
import { parseStorageAccountId } from '../../blob/resource-ids.js';
import { deriveKey, hmacHex } from '../../keys/crypto.js';
import type { MasterKeys } from '../../keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../../keys/workspace-keys.js';

export interface LedgerEntry {
  n: number;
  at: string;
  workspaceId: string;
  dataExportId: string;
  destination: string;
  container: string;
  blob: string;
  offset: number;
  length: number;
  sha256: string;
  prev: string;
  mac: string;
}

export const ledgerPath = (dataDir: string) => join(dataDir, 'exports', 'ledger.jsonl');
export const ledgerKeyFrom = (blobMacKey: Buffer) => deriveKey(blobMacKey, 'vigil export ledger');

const macOf = (key: Buffer, e: Omit<LedgerEntry, 'mac'>) =>
  hmacHex(key, JSON.stringify([e.n, e.at, e.workspaceId, e.dataExportId, e.destination, e.container, e.blob, e.offset, e.length, e.sha256, e.prev]));

export class ExportLedger {
  private n = 0;
  private prev = '';

  constructor(
    private readonly path: string,
    private readonly key: Buffer,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) {
      let text = readFileSync(path, 'utf8');
      // A torn last line (Vigil stopped mid-write) is cut, so the next entry starts on a line of its own.
      if (text.length > 0 && !text.endsWith('\n')) {
        text = text.slice(0, text.lastIndexOf('\n') + 1);
        truncateSync(path, Buffer.byteLength(text));
      }
      const lines = text.split('\n').filter((l) => l.length > 0);
      for (const l of lines) {
        try {
          const e = JSON.parse(l) as LedgerEntry;
          this.n = e.n;
          this.prev = e.mac;
        } catch {
          break;
        }
      }
    }
  }

  /** Records a block about to be appended (call before the append). */
  record(e: Omit<LedgerEntry, 'n' | 'at' | 'prev' | 'mac' | 'sha256' | 'length'>, data: Uint8Array): void {
    const body: Omit<LedgerEntry, 'mac'> = {
      n: this.n + 1,
      at: new Date().toISOString(),
      ...e,
      length: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      prev: this.prev,
    };
    const entry: LedgerEntry = { ...body, mac: macOf(this.key, body) };
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.n = entry.n;
    this.prev = entry.mac;
  }
}

export interface LedgerFinding {
  severity: 'error' | 'warning';
  file: string;
  message: string;
}

export interface LedgerReport {
  entries: number;
  blobsChecked: number;
  remoteEntries: number;
  findings: LedgerFinding[];
}

/** Offline check (server stopped): the chain, and every ledgered blob of Vigil's own blob store against its entries. */
/** `master`: the storage master keys, opened through the root of trust by the caller (vigil verify). */
export async function verifyExportLedger(dataDir: string, master: MasterKeys): Promise<LedgerReport> {
  const report: LedgerReport = { entries: 0, blobsChecked: 0, remoteEntries: 0, findings: [] };
  const path = ledgerPath(dataDir);
  if (!existsSync(path)) return report;
  const keys = loadOrCreateWorkspaceKeys(blobStoreDir(dataDir), 'vigil-blob-store', master, false);
  const key = ledgerKeyFrom(keys.macKey);
  const lines = readFileSync(path, 'utf8').split('\n');
  const entries: LedgerEntry[] = [];
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    let e: LedgerEntry;
    try {
      e = JSON.parse(l) as LedgerEntry;
    } catch {
      if (i >= lines.length - 2) report.findings.push({ severity: 'warning', file: path, message: `line ${i + 1} is torn (Vigil stopped while writing it); ignored` });
      else report.findings.push({ severity: 'error', file: path, message: `line ${i + 1} is not a ledger entry` });
      continue;
    }
    const { mac, ...body } = e;
    if (e.prev !== prev || macOf(key, body) !== mac || e.n !== entries.length + 1) {
      report.findings.push({ severity: 'error', file: path, message: `entry ${e.n} (line ${i + 1}) breaks the chain: the ledger was altered` });
      return report;
    }
    prev = mac;
    entries.push(e);
  }
  report.entries = entries.length;

  const blobs = BlobStore.open(dataDir, master);
  const byBlob = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const k = `${e.destination.toLowerCase()}\u0000${e.container}\u0000${e.blob}`;
    let list = byBlob.get(k);
    if (!list) byBlob.set(k, (list = []));
    list.push(e);
  }
  const ledgered = new Set<string>();
  for (const list of byBlob.values()) {
    const first = list[0]!;
    const dest = parseStorageAccountId(first.destination);
    const account = dest ? blobs.account(dest.name) : undefined;
    if (!dest || !account || account.subscriptionId.toLowerCase() !== dest.subscriptionId.toLowerCase()) {
      report.remoteEntries += list.length;
      continue;
    }
    const where = `${account.name}/${first.container}/${first.blob}`;
    ledgered.add(where);
    if (!blobs.blob(account.name, first.container, first.blob)) {
      report.findings.push({ severity: 'error', file: where, message: 'the ledger records blocks of this blob but the blob does not exist' });
      continue;
    }
    report.blobsChecked++;
    const content = blobs.readBlob(account.name, first.container, first.blob);
    let pos = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      // The exporter takes each block's offset from the blob's size just before appending, so a later
      // entry at the same offset proves this block never reached the blob (Vigil stopped in between) —
      // even when the retried block starts with the same bytes (the same rows and later ones).
      if (e.offset === pos && list[i + 1]?.offset === e.offset) continue;
      const slice = content.subarray(e.offset, e.offset + e.length);
      const applied = e.offset === pos && slice.length === e.length && createHash('sha256').update(slice).digest('hex') === e.sha256;
      if (applied) {
        pos += e.length;
        continue;
      }
      const lastAndAbsent = i === list.length - 1 && content.length === e.offset;
      if (e.offset === pos && lastAndAbsent) continue; // recorded, then Vigil stopped before appending
      report.findings.push({ severity: 'error', file: where, message: `block ${e.n} of the ledger (offset ${e.offset}, ${e.length} bytes) does not match the blob: it was altered` });
      pos = -1;
      break;
    }
    if (pos >= 0 && pos !== content.length) {
      report.findings.push({ severity: 'error', file: where, message: `${content.length - pos} bytes from offset ${pos} were not written by the exporter` });
    }
  }
  return report;
}

export function formatLedgerReport(r: LedgerReport): string {
  const lines = r.findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.file}\n        export ledger: ${f.message}`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  lines.push(
    `checked the export ledger: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}, ${r.blobsChecked} exported blob(s) in Vigil's blob store` +
      (r.remoteEntries ? ` (${r.remoteEntries} entries for remote destinations: check those with 'vigil export verify')` : '') +
      `: ${errors === 0 ? 'every exported blob is exactly what the exporter wrote' : `${errors} problem(s) found`}`,
  );
  return lines.join('\n');
}
