/**
 * Continuous data export (issue #17): for every enabled `dataExports` rule, the rows newly stored in
 * each named table are written to the destination storage account in Azure's layout —
 *   container `am-{table lower-cased}`,
 *   append blob `WorkspaceResourceId=/subscriptions/{s}/resourcegroups/{rg}/providers/microsoft.operationalinsights/workspaces/{ws}/y={yyyy}/m={MM}/d={dd}/h={HH}/m={mm}/PT05M.json`
 *   (5-minute folders by each row's TimeGenerated; `PT05M_1.json`, … once a blob has 50,000 blocks),
 *   JSON Lines, one object per row with every column of the table.
 *
 * The cursor is the rows' `_TimeReceived`, persisted per rule and table in `D/exports/cursors.json`
 * after each table's batch is written. Each pass exports the rows with `_TimeReceived` in
 * (through, now − settle]. A row that becomes visible after the cursor passed its `_TimeReceived`
 * (a slow request) is still exported if it shows up within the overlap window (default 5 minutes):
 * the exporter remembers the `_ItemId`s it wrote in that window, counts the stored rows there on every
 * pass, and exports the ones it has not written. On restart it resumes from the persisted cursor, so
 * nothing acknowledged is skipped; a crash between writing a batch and saving the cursor writes that
 * batch again — duplicates are possible only for the last batch before a crash (at-least-once).
 *
 * As in Azure, a rule exports what arrives after it is created or (re-)enabled; there is no backfill.
 * Writes go through the blob store's own checks: a destination container whose immutability policy
 * does not allow protected append writes refuses them (409) and the export for that table waits,
 * retrying, without moving its cursor.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqlIdent } from '../../kql/sql.js';
import type { ColumnSchema } from '../../kql/types.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../../metadata/records.js';
import { workspaceResourceId } from '../../metadata/resource-ids.js';
import { tableSchema } from '../../metadata/standard-columns.js';
import { toWireRow, wrapForWire } from '../../query/wire-format.js';
import { ticksFromUnixMicros } from '../../kql/literals.js';
import type { LogStore } from '../../store/store.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { MAX_APPEND_BLOCKS, StorageError, type BlobStore } from '../../blob/blob-store.js';
import { crashPoint } from '../../store/crash-points.js';
import { LocalSink, RemoteSink, type ExportSink } from './destinations.js';
import type { ExportLedger } from './ledger.js';
import { parseStorageAccountId } from '../../blob/resource-ids.js';
import type { DataExportRule, DataExportRules } from './rules.js';

export interface ExporterOptions {
  /** Time between passes. */
  intervalMs: number;
  /** Rows are exported once their `_TimeReceived` is this far in the past. */
  settleMs: number;
  /** How long after its `_TimeReceived` a late row is still picked up. */
  overlapMs: number;
}

export const DEFAULT_EXPORTER_OPTIONS: ExporterOptions = { intervalMs: 2000, settleMs: 1000, overlapMs: 5 * 60_000 };

/** Largest Append Block the exporter writes (Azure's limit for append blocks is 4 MiB in older service versions). */
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;

interface Cursor {
  generation: number;
  /** µs since the epoch: every row with `_TimeReceived` ≤ through has been considered. */
  through: string;
  /** `_ItemId` → `_TimeReceived` (µs) of rows written within the overlap window. */
  recent: Record<string, string>;
  /** µs: when this generation of the rule began (nothing received before it is exported). */
  since: string;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Container of an exported table: `am-` and the table name lower-cased. Container names allow only
 * letters, digits and single hyphens, so any other character (the `_` of `_CL` tables) becomes a hyphen.
 */
export function exportContainer(table: string): string {
  return `am-${table.toLowerCase()}`.replace(/[^a-z0-9-]/g, '-').replace(/-{2,}/g, '-').replace(/-+$/, '').slice(0, 63);
}

export function exportFolder(w: Pick<WorkspaceRecord, 'subscriptionId' | 'resourceGroup' | 'name'>, timeGenerated: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(timeGenerated);
  const [y, mo, d, h, mi] = m ? m.slice(1) : ['1970', '01', '01', '00', '00'];
  const five = String(Math.floor(Number(mi) / 5) * 5).padStart(2, '0');
  return `WorkspaceResourceId=${workspaceResourceId(w).toLowerCase()}/y=${y}/m=${mo}/d=${d}/h=${h}/m=${five}`;
}

export class Exporter {
  private readonly cursorsPath: string;
  private cursors: Record<string, Cursor>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  /** Last error per rule/table, for the log (reported once per change). */
  private readonly lastError = new Map<string, string>();
  private readonly sinks = new Map<string, ExportSink>();

  constructor(
    dataDir: string,
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly blobs: BlobStore,
    private readonly rules: DataExportRules,
    private readonly options: ExporterOptions = DEFAULT_EXPORTER_OPTIONS,
    private readonly log: Log = () => undefined,
    /** Records every block before it is appended (src/governance/export/ledger.ts). */
    private readonly ledger?: ExportLedger,
  ) {
    this.cursorsPath = join(dataDir, 'exports', 'cursors.json');
    this.cursors = existsSync(this.cursorsPath) ? (JSON.parse(readFileSync(this.cursorsPath, 'utf8')) as { cursors: Record<string, Cursor> }).cursors : {};
  }

  start(): void {
    const loop = () => {
      if (this.closed) return;
      this.running = this.pass().finally(() => {
        if (!this.closed) {
          this.timer = setTimeout(loop, this.options.intervalMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(loop, this.options.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  private saveCursors(): void {
    writeFileAtomic(this.cursorsPath, JSON.stringify({ cursors: this.cursors }));
  }

  /** One pass over every enabled rule and table. */
  async pass(): Promise<void> {
    const live = new Set<string>();
    for (const rule of this.rules.all()) {
      if (!rule.enable) continue;
      const w = this.metadata.workspaceByCustomerId(rule.workspaceId);
      if (!w) continue;
      for (const table of rule.tableNames) {
        const key = `${rule.dataExportId}/${table}`;
        live.add(key);
        if (this.closed) return;
        try {
          await this.exportTable(rule, w, table, key);
          if (this.lastError.delete(key)) this.log('info', `data export '${rule.name}' of ${table} is writing again`);
        } catch (err) {
          const message = err instanceof StorageError ? `${err.status} ${err.code}: ${err.message}` : (err as Error).message;
          if (this.lastError.get(key) !== message) this.log('warn', `data export '${rule.name}' of ${table} failed, retrying: ${message}`);
          this.lastError.set(key, message);
        }
      }
    }
    // Cursors of deleted or disabled rules go (re-enabling starts afresh, as in Azure).
    let dropped = false;
    for (const key of Object.keys(this.cursors)) {
      if (!live.has(key)) {
        delete this.cursors[key];
        dropped = true;
      }
    }
    if (dropped) this.saveCursors();
  }

  private async rowsBetween(w: WorkspaceRecord, table: string, columns: ColumnSchema[], loUs: bigint, hiUs: bigint): Promise<unknown[][]> {
    const received = sqlIdent('_TimeReceived');
    // stored columns are as compiled KQL yields them (datetimes as ticks, kql/types.ts), what wrapForWire() takes
    const inner = `SELECT ${columns.map((c) => sqlIdent(c.name)).join(', ')} FROM ${this.store.tableSource(w.customerId, table)} WHERE ${receivedBetween(received, loUs, hiUs)} ORDER BY ${received}`;
    const out = await this.store.query(wrapForWire(inner, columns), { timeoutMs: 120_000, tables: [{ workspaceId: w.customerId, table }] });
    return out.rows.map((r) => toWireRow(r, columns));
  }

  private async countBetween(w: WorkspaceRecord, table: string, loUs: bigint, hiUs: bigint): Promise<number> {
    const received = sqlIdent('_TimeReceived');
    const sql = `SELECT count(*)::BIGINT AS n FROM ${this.store.tableSource(w.customerId, table)} WHERE ${receivedBetween(received, loUs, hiUs)}`;
    const out = await this.store.query(sql, { timeoutMs: 60_000, tables: [{ workspaceId: w.customerId, table }] });
    return Number(out.rows[0]?.[0] ?? 0);
  }

  private async exportTable(rule: DataExportRule, w: WorkspaceRecord, tableName: string, key: string): Promise<void> {
    const t = w.tables.find((x) => x.name.toLowerCase() === tableName.toLowerCase());
    if (!t) throw new Error(`the table '${tableName}' does not exist in workspace '${w.name}'`);
    const columns = tableSchema(t);
    let cursor = this.cursors[key];
    if (!cursor || cursor.generation !== rule.generation) {
      const since = String(BigInt(Date.parse(rule.lastModifiedDate)) * 1000n);
      cursor = { generation: rule.generation, through: since, recent: {}, since };
      this.cursors[key] = cursor;
      this.saveCursors();
    }
    const through = BigInt(cursor.through);
    const hi = BigInt(Date.now() - this.options.settleMs) * 1000n;
    if (hi <= through) return;
    const overlap = BigInt(this.options.overlapMs) * 1000n;
    const since = BigInt(cursor.since);
    const windowLo = through - overlap > since ? through - overlap : since;

    const itemIdx = columns.findIndex((c) => c.name === '_ItemId');
    const recvIdx = columns.findIndex((c) => c.name === '_TimeReceived');
    const rows = await this.rowsBetween(w, t.name, columns, through, hi);
    // Late rows: stored within the overlap window but not written yet.
    const remembered = Object.keys(cursor.recent).length;
    if (windowLo < through) {
      const inWindow = await this.countBetween(w, t.name, windowLo, through);
      if (inWindow !== remembered) {
        const late = (await this.rowsBetween(w, t.name, columns, windowLo, through)).filter((r) => !(String(r[itemIdx]) in cursor!.recent));
        rows.unshift(...late);
      }
    }
    if (rows.length > 0) await this.write(rule, w, t.name, columns, rows);

    const recent: Record<string, string> = {};
    const newLo = hi - overlap;
    for (const [id, us] of Object.entries(cursor.recent)) if (BigInt(us) > newLo) recent[id] = us;
    for (const r of rows) {
      const us = microsOf(String(r[recvIdx]));
      if (us > newLo) recent[String(r[itemIdx])] = String(us);
    }
    this.cursors[key] = { generation: rule.generation, through: String(hi), recent, since: cursor.since };
    // Crash points (test hook, src/store/crash-points.ts) only on passes that wrote rows: the others have nothing to lose.
    if (rows.length > 0) crashPoint('export:cursor-saving');
    this.saveCursors();
    if (rows.length > 0) crashPoint('export:cursor-saved');
  }

  /** The sink of a rule's container: Vigil's own storage account, or one the operator mapped to a Blob endpoint. */
  private sinkFor(rule: DataExportRule, container: string): ExportSink {
    const key = `${rule.destinationResourceId.toLowerCase()}\0${container}`;
    const cached = this.sinks.get(key);
    if (cached) return cached;
    let sink: ExportSink;
    const external = this.rules.external(rule.destinationResourceId);
    if (external) sink = new RemoteSink(external, container);
    else {
      const dest = parseStorageAccountId(rule.destinationResourceId);
      const account = dest ? this.blobs.account(dest.name) : undefined;
      if (!dest || !account || account.subscriptionId.toLowerCase() !== dest.subscriptionId.toLowerCase() || account.resourceGroup.toLowerCase() !== dest.resourceGroup.toLowerCase()) {
        throw new Error(`the destination storage account '${rule.destinationResourceId}' does not exist`);
      }
      sink = new LocalSink(this.blobs, account.name, container);
    }
    this.sinks.set(key, sink);
    return sink;
  }

  private async write(rule: DataExportRule, w: WorkspaceRecord, table: string, columns: ColumnSchema[], rows: unknown[][]): Promise<void> {
    const sink = this.sinkFor(rule, exportContainer(table));
    const tgIdx = columns.findIndex((c) => c.name === 'TimeGenerated');
    const byFolder = new Map<string, string[]>();
    for (const r of rows) {
      const obj: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        const v = r[i];
        obj[c.name] = c.type === 'dynamic' && typeof v === 'string' ? parseJson(v) : v;
      });
      const folder = exportFolder(w, String(r[tgIdx]));
      let lines = byFolder.get(folder);
      if (!lines) byFolder.set(folder, (lines = []));
      lines.push(`${JSON.stringify(obj)}\n`);
    }
    await sink.ensureContainer();
    const container = exportContainer(table);
    for (const [folder, lines] of [...byFolder.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      await this.appendLines(sink, folder, lines, (blob, offset, data) =>
        this.ledger?.record({ workspaceId: w.customerId, dataExportId: rule.dataExportId, destination: rule.destinationResourceId, container, blob, offset }, data),
      );
    }
  }

  /** Appends whole lines in blocks of at most 4 MiB to the folder's current append blob (a new `PT05M_n.json` once one is full). */
  private async appendLines(sink: ExportSink, folder: string, lines: string[], beforeAppend: (blob: string, offset: number, data: Buffer) => void): Promise<void> {
    const blocks: Buffer[] = [];
    let cur: string[] = [];
    let size = 0;
    for (const l of lines) {
      const n = Buffer.byteLength(l);
      if (size + n > MAX_BLOCK_BYTES && cur.length > 0) {
        blocks.push(Buffer.from(cur.join('')));
        cur = [];
        size = 0;
      }
      cur.push(l);
      size += n;
    }
    if (cur.length > 0) blocks.push(Buffer.from(cur.join('')));
    let suffix = 0;
    for (const block of blocks) {
      for (;;) {
        const name = `${folder}/${suffix === 0 ? 'PT05M.json' : `PT05M_${suffix}.json`}`;
        const b = await sink.blobInfo(name);
        if (b && (b.type !== 'AppendBlob' || b.blocks >= MAX_APPEND_BLOCKS)) {
          suffix++;
          continue;
        }
        if (!b) await sink.createAppendBlob(name);
        beforeAppend(name, b?.size ?? 0, block);
        crashPoint('export:block-ledgered');
        await sink.appendBlock(name, block);
        crashPoint('export:block-appended');
        break;
      }
    }
  }
}

/** `lo < received ≤ hi` on the stored ticks, the cursor's bounds being µs since the epoch. */
function receivedBetween(received: string, loUs: bigint, hiUs: bigint): string {
  return `${received} > ${ticksFromUnixMicros(loUs)}::BIGINT AND ${received} <= ${ticksFromUnixMicros(hiUs)}::BIGINT`;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** µs since the epoch of a wire datetime (`2026-01-01T10:00:00.1234567Z`). */
function microsOf(iso: string): bigint {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return 0n;
  const whole = BigInt(Date.parse(`${m[1]}Z`)) * 1000n;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return whole + BigInt(frac);
}
