/**
 * The private-data scanner: samples every stored table of a workspace (its string and dynamic
 * columns, rows since a point in time) for e-mail addresses, payment card numbers (Luhn-checked),
 * national identifiers (a configurable list of formats), IPv4/IPv6 addresses, secrets and keys,
 * and high-entropy tokens. It reports, per table, column and pattern, how many values matched —
 * never a value: findings are counts, written to the workspace's `VigilPrivateDataFindings` table
 * (which an alert rule can watch) and returned to the caller with a suggested remedy (a
 * transformation that masks the column at ingestion, and a purge of what is stored).
 *
 * Runs on demand (`vigil scan`, the `scanPrivateData` action) and on a schedule per workspace
 * (`privateDataScanSettings/default`).
 */
import { randomUUID } from 'node:crypto';
import { VIGIL_PRIVATE_DATA_FINDINGS } from '../audit/system-tables.js';
import type { AuditSink } from '../audit/sink.js';
import { compile, type ColumnSchema } from '../kql/index.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { AUDIT_TABLES } from '../metadata/standard-tables.js';
import type { LogStore } from '../store/store.js';
import { CARD_CANDIDATE, DEFAULT_NATIONAL_ID_PATTERNS, EMAIL, IPV4, IPV6, jsRegExp, luhnValid, SECRET_PATTERNS } from './private-data-patterns.js';

export interface PrivateDataScanSettings {
  enabled: boolean;
  /** Hours between scheduled scans. */
  intervalHours: number;
  /** Each scan looks at rows of the last this many hours. */
  lookbackHours: number;
  /** At most this many rows per table. */
  sampleRows: number;
  /** National identifier formats (name and regular expression); the defaults when absent. */
  nationalIdPatterns?: { name: string; regex: string }[];
  /** When the last scheduled scan ran (ISO 8601). */
  lastRunAt?: string;
}

export interface ScanFinding {
  table: string;
  column: string;
  pattern: string;
  matchCount: number;
  rowsWithMatches: number;
  rowsSampled: number;
  suggestedRemedy: string;
}

export interface ScanReport {
  scanId: string;
  workspaceId: string;
  since: string;
  tablesScanned: number;
  rowsSampled: number;
  findings: ScanFinding[];
}

export const SCAN_LIMITS = { maxSampleRows: 100_000, defaultSampleRows: 10_000 };

/** Tables the scanner skips: its own findings (counts only). The audit tables are scanned (query texts may hold data). */
const SKIPPED = new Set([VIGIL_PRIVATE_DATA_FINDINGS.toLowerCase()]);
/** Columns only Vigil fills. */
const SKIPPED_COLUMNS = new Set(['tenantid', 'type', '_itemid', '_resourceid']);

interface Detector {
  pattern: string;
  /** Number of matches in a value. */
  count(value: string): number;
  /** The KQL expression that masks column `c` at ingestion. */
  mask(c: string): string;
}

function regexDetector(pattern: string, re: RegExp, mask: (c: string) => string, accept?: (m: string) => boolean): Detector {
  return {
    pattern,
    mask,
    count(value) {
      let n = 0;
      re.lastIndex = 0;
      for (const m of value.matchAll(re)) if (!accept || accept(m[0])) n++;
      return n;
    },
  };
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * High-entropy tokens: 24+ characters of base64/base64url alphabet with upper and lower case letters
 * and digits and more than 4.3 bits per character — random keys and tokens, not words, GUIDs or
 * hex digests (at most 4 bits per character: hash_sha256/hash_hmac_sha256_ws output is not flagged).
 */
const TOKEN = /[A-Za-z0-9+/_=-]{24,}/g;
const isHighEntropy = (t: string) => /[a-z]/.test(t) && /[A-Z]/.test(t) && /\d/.test(t) && entropy(t) > 4.3;

export function detectors(nationalIds: readonly { name: string; regex: string }[] = DEFAULT_NATIONAL_ID_PATTERNS): Detector[] {
  const col = (c: string) => `['${c.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  return [
    regexDetector('email', jsRegExp(EMAIL), (c) => `extend ${col(c)} = redact_email(${col(c)})`),
    regexDetector('payment-card', jsRegExp(CARD_CANDIDATE), (c) => `extend ${col(c)} = redact_card(${col(c)})`, luhnValid),
    ...nationalIds.map((p) => regexDetector(`national-id:${p.name}`, jsRegExp(p.regex), (c) => `extend ${col(c)} = hash_hmac_sha256_ws(${col(c)})  (or project-away ${col(c)})`)),
    regexDetector('ipv4', jsRegExp(IPV4), (c) => `extend ${col(c)} = redact_ip(${col(c)})`),
    regexDetector('ipv6', jsRegExp(IPV6), (c) => `extend ${col(c)} = redact_ip(${col(c)})`),
    ...SECRET_PATTERNS.map((p) => regexDetector(`secret:${p.name}`, jsRegExp(p.regex), (c) => `extend ${col(c)} = redact_secrets(${col(c)})`)),
    regexDetector('high-entropy-token', TOKEN, (c) => `extend ${col(c)} = redact_secrets(${col(c)})  (or project-away ${col(c)})`, isHighEntropy),
  ];
}

/** Checks a configured national-id pattern: a valid regular expression that does not match the empty string. */
export function validateNationalIdPattern(p: { name: string; regex: string }): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(p.name)) return `the name '${p.name}' must be 1 to 40 letters, digits, '_', '.' or '-'`;
  if (p.regex.length > 500) return `the pattern of '${p.name}' is longer than 500 characters`;
  let re: RegExp;
  try {
    re = jsRegExp(p.regex);
  } catch (err) {
    return `the pattern of '${p.name}' is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '')}`;
  }
  if (re.test('')) return `the pattern of '${p.name}' matches the empty string`;
  return undefined;
}

export class PrivateDataScanner {
  private readonly timer: NodeJS.Timeout;
  private running = new Set<string>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly store: LogStore,
    private readonly sink: AuditSink,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void = () => undefined,
    checkEveryMs = 60_000,
  ) {
    this.timer = setInterval(() => void this.runDue(), checkEveryMs);
    this.timer.unref();
  }

  /** Scans one workspace: rows since `since`, at most `sampleRows` per table. */
  async scan(w: WorkspaceRecord, since: Date, sampleRows: number, nationalIds?: { name: string; regex: string }[]): Promise<ScanReport> {
    const scanId = randomUUID();
    const dets = detectors(nationalIds ?? w.privateDataScan?.nationalIdPatterns ?? DEFAULT_NATIONAL_ID_PATTERNS);
    const findings: ScanFinding[] = [];
    let tablesScanned = 0;
    let rowsTotal = 0;
    for (const t of w.tables) {
      if (SKIPPED.has(t.name.toLowerCase())) continue;
      const schema = tableSchema(t);
      const columns = schema.filter((c) => (c.type === 'string' || c.type === 'dynamic') && !SKIPPED_COLUMNS.has(c.name.toLowerCase()));
      if (columns.length === 0) continue;
      const rows = await this.sample(w, t.name, schema, columns, since, sampleRows);
      tablesScanned++;
      rowsTotal += rows.length;
      columns.forEach((c, ci) => {
        for (const d of dets) {
          let matches = 0;
          let rowsWith = 0;
          for (const r of rows) {
            const v = r[ci];
            if (v === null || v === undefined || v === '') continue;
            const n = d.count(typeof v === 'string' ? v : JSON.stringify(v));
            if (n > 0) {
              matches += n;
              rowsWith++;
            }
          }
          if (matches > 0) findings.push({ table: t.name, column: c.name, pattern: d.pattern, matchCount: matches, rowsWithMatches: rowsWith, rowsSampled: rows.length, suggestedRemedy: remedy(w, t.name, c.name, d, AUDIT_TABLES.has(t.name.toLowerCase())) });
        }
      });
    }
    const report: ScanReport = { scanId, workspaceId: w.customerId, since: since.toISOString(), tablesScanned, rowsSampled: rowsTotal, findings };
    for (const f of findings) {
      this.sink.write(w, VIGIL_PRIVATE_DATA_FINDINGS, {
        TimeGenerated: new Date(),
        ScanId: scanId,
        ScannedTable: f.table,
        ScannedColumn: f.column,
        Pattern: f.pattern,
        MatchCount: BigInt(f.matchCount),
        RowsSampled: BigInt(f.rowsSampled),
        RowsWithMatches: BigInt(f.rowsWithMatches),
        SinceTime: since,
        SuggestedRemedy: f.suggestedRemedy,
      });
    }
    // Counts and names only: never a value.
    this.log('info', `private-data scan ${scanId} of workspace ${w.customerId}: ${tablesScanned} table(s), ${rowsTotal} row(s) sampled, ${findings.length} finding(s)`);
    return report;
  }

  /** The newest rows since `since` (at most `n`), columns `columns`, through the KQL compiler and the store's statement checks. */
  private async sample(w: WorkspaceRecord, table: string, schema: ColumnSchema[], columns: ColumnSchema[], since: Date, n: number): Promise<unknown[][]> {
    const q = (name: string) => `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
    const kql = `${q(table)} | where TimeGenerated >= datetime(${since.toISOString()}) | take ${n} | project ${columns.map((c) => q(c.name)).join(', ')}`;
    const compiled = compile(kql, { resolveTable: (name) => (name === table ? { sql: this.store.tableSource(w.customerId, table), columns: schema } : undefined) }, { now: new Date() });
    const out = await this.store.query(compiled.sql, { timeoutMs: 120_000, tables: [{ workspaceId: w.customerId, table }] });
    return out.rows;
  }

  /** Runs the scheduled scans that are due (one at a time per workspace). */
  async runDue(now = new Date()): Promise<void> {
    for (const w of this.metadata.workspaces()) {
      const s = w.privateDataScan;
      if (!s?.enabled || this.running.has(w.customerId)) continue;
      if (s.lastRunAt && now.getTime() - Date.parse(s.lastRunAt) < s.intervalHours * 3_600_000) continue;
      this.running.add(w.customerId);
      try {
        this.metadata.mutate(() => {
          s.lastRunAt = now.toISOString();
        });
        await this.scan(w, new Date(now.getTime() - s.lookbackHours * 3_600_000), s.sampleRows);
      } catch (err) {
        // The engine's message may quote a value: keep none of its quoted parts.
        const why = String((err as Error).message ?? err).split('\n')[0]!.replace(/'[^']*'|"[^"]*"/g, "'…'").slice(0, 300);
        this.log('error', `scheduled private-data scan of workspace ${w.customerId} failed: ${why}`);
      } finally {
        this.running.delete(w.customerId);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function remedy(w: WorkspaceRecord, table: string, column: string, d: Detector, audit: boolean): string {
  const purge = `purge what is stored: POST /subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${w.name}/purge with {"table":"${table}","filters":[{"column":"${column}","operator":"has","value":"…"}]}`;
  if (audit) return `${table} is written by Vigil: restrict who can read it, and ${purge}`;
  return `mask it at ingestion: add "| ${d.mask(column)}" to the transformKql of the data flows (or the workspace transformation) that write ${table}; then ${purge}`;
}
