/**
 * `vigil verify`: checks every workspace's manifest (MAC and hash chain), every segment (size,
 * SHA-256 and authenticated decryption against its manifest entry) and every write-ahead log file
 * (header and every record authenticated, sequence numbers contiguous), and names the file and
 * table of each problem. Run it with the server stopped, so no file changes under it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadMasterKeys, type MasterKeys } from '../keys/master-key.js';
import { loadOrCreateWorkspaceKeys } from '../keys/workspace-keys.js';
import { Manifest } from './manifest.js';
import { decodeRecord } from './record-codec.js';
import { openSegment, sha256 } from './segment.js';
import { readWal } from './wal.js';
import { verifyCmkWrap } from '../keyvault/verify-cmk.js';

export interface Finding {
  severity: 'error' | 'warning';
  workspaceId: string;
  file: string;
  /** The table(s) whose data the file holds, when known. */
  table?: string;
  message: string;
}

export interface VerifyReport {
  findings: Finding[];
  workspaces: number;
  segments: number;
  walFiles: number;
  walRecords: number;
}

/** `master`: the keys opened under the data folder's root of trust (default: its plain key files). */
export async function verifyDataDir(dataDir: string, master?: MasterKeys): Promise<VerifyReport> {
  const report: VerifyReport = { findings: [], workspaces: 0, segments: 0, walFiles: 0, walRecords: 0 };
  const root = join(dataDir, 'storage');
  if (!existsSync(root)) return report;
  master ??= await loadMasterKeys(dataDir, { create: false });
  for (const id of readdirSync(root).sort()) {
    const dir = join(root, id);
    if (!statSync(dir).isDirectory()) continue;
    report.workspaces++;
    const add = (f: Omit<Finding, 'workspaceId'>) => report.findings.push({ workspaceId: id, ...f });
    let keys;
    try {
      keys = loadOrCreateWorkspaceKeys(dir, id, master, false);
    } catch (err) {
      add({ severity: 'error', file: join(dir, 'keyring.json'), message: `${(err as Error).message}; nothing of this workspace can be checked further` });
      continue;
    }
    const cmkProblem = verifyCmkWrap(dataDir, dir, master);
    if (cmkProblem) add({ severity: 'error', file: join(dir, 'keyring.json'), message: cmkProblem });
    const manifestPath = join(dir, 'manifest.json');
    let manifest: Manifest | undefined;
    const problems: string[] = [];
    try {
      manifest = Manifest.load(manifestPath, id, keys.macKey, problems);
    } catch (err) {
      add({ severity: 'error', file: manifestPath, table: '(all tables of the workspace)', message: (err as Error).message });
    }
    for (const p of problems) {
      const m = / of table (\S+) /.exec(p);
      add({ severity: 'error', file: manifestPath, table: m?.[1] ?? '(all tables of the workspace)', message: p.replace(`${manifestPath}: `, '') });
    }
    if (manifest) {
      const listed = new Set<string>();
      for (const seg of manifest.segments) {
        report.segments++;
        listed.add(seg.file);
        const path = join(dir, 'segments', seg.file);
        const fail = (message: string) => add({ severity: 'error', file: path, table: seg.table, message });
        if (!existsSync(path)) {
          fail(`segment ${seg.id} is listed in the manifest but its file is missing (${seg.rows} rows lost)`);
          continue;
        }
        const bytes = readFileSync(path);
        if (bytes.length !== seg.size) fail(`the file is ${bytes.length} bytes, the manifest says ${seg.size}: it was altered`);
        else if (sha256(bytes) !== seg.sha256) fail('the SHA-256 of the file does not match the manifest: it was altered');
        else {
          try {
            openSegment(keys.wrapKey, bytes, { segmentId: seg.id, workspaceId: id, table: seg.table });
          } catch (err) {
            fail((err as Error).message);
          }
        }
      }
      if (existsSync(join(dir, 'segments'))) {
        for (const f of readdirSync(join(dir, 'segments'))) {
          if (!listed.has(f)) add({ severity: 'warning', file: join(dir, 'segments', f), message: 'not in the manifest (left by an interrupted seal or compaction; removed at the next start)' });
        }
      }
    }
    const read = readWal(
      join(dir, 'wal'),
      id,
      keys.wrapKey,
      (_seq, payload) => {
        report.walRecords++;
        try {
          return decodeRecord(payload).table;
        } catch {
          return undefined;
        }
      },
      false,
    );
    report.walFiles += read.files.length;
    for (const p of read.problems) {
      const info = read.files.find((f) => f.path === p.file);
      const tables = info && info.tags.size > 0 ? [...info.tags.keys()].join(', ') : undefined;
      add({
        severity: p.kind === 'torn-tail' ? 'warning' : 'error',
        file: p.file,
        table: tables ? `${tables} (the readable records' tables; the damaged record cannot be attributed)` : '(unknown: the damaged record cannot be decrypted)',
        message: p.kind === 'torn-tail' ? `${p.message}: a write interrupted by a crash (never acknowledged; dropped at the next start)` : p.message,
      });
    }
  }
  return report;
}

export function formatReport(r: VerifyReport): string {
  const lines = r.findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.file}\n        workspace ${f.workspaceId}${f.table ? `, table ${f.table}` : ''}: ${f.message}`);
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  lines.push(
    `checked ${r.workspaces} workspace(s), ${r.segments} segment(s), ${r.walFiles} log file(s) with ${r.walRecords} record(s): ` +
      (errors === 0 ? 'no damage found' : `${errors} problem(s) found — restore the named files from a backup`),
  );
  return lines.join('\n');
}
