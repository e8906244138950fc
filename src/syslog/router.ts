/**
 * Which rows a syslog message becomes, for one connection: the listener's data collection rules
 * (resolved by immutable id or ARM id), each one's `dataSources.syslog` filters (facility names and
 * log levels) and streams, and — for a sender signed in by its client certificate — only the rules
 * on which that principal may send data (`Microsoft.Insights/Telemetry/Write`, the dataAction of
 * Monitoring Metrics Publisher, exactly as for the Logs Ingestion API).
 *
 * A listener without client certificates (plain TCP/UDP on loopback, TLS on loopback without
 * `client-ca=`) sends to the rules its operator named on the command line: the operator's
 * configuration is the authorisation, as a local agent's configuration is in Azure.
 */
import { isAllowed, type Caller } from '../authz/authorize.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { DataCollectionRuleRecord, SyslogDataSource } from '../metadata/records.js';
import { dataCollectionRuleId } from '../metadata/resource-ids.js';
import { cefEventOf } from './cef.js';
import { facilityName, LOG_LEVEL_NAMES } from './facilities.js';
import type { SyslogMessage } from './parse-message.js';
import { commonSecurityLogRow, syslogRow, type ReceiveContext, type Row } from './rows.js';
import { CEF_STREAM, SYSLOG_STREAM } from './streams.js';

/** The single check of whether a signed-in syslog sender may write through a rule. */
export function mayIngestThrough(metadata: MetadataStore, caller: Caller, rule: DataCollectionRuleRecord): boolean {
  return isAllowed(metadata, caller, 'Microsoft.Insights/Telemetry/Write', dataCollectionRuleId(rule), 'dataAction');
}

/** A rule given as `dcr-…` (immutable id) or as its ARM id. */
export function resolveRule(metadata: MetadataStore, ref: string): DataCollectionRuleRecord | undefined {
  const arm = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Insights\/dataCollectionRules\/([^/]+)$/i.exec(ref.trim());
  if (arm) return metadata.dataCollectionRule(arm[1]!, arm[2]!, arm[3]!);
  return metadata.dataCollectionRuleByImmutableId(ref.trim());
}

export interface RoutedRow {
  ruleId: string;
  stream: string;
  row: Row;
}

interface Target {
  rule: DataCollectionRuleRecord;
  sources: SyslogDataSource[];
  /** Streams of this rule that some data flow takes somewhere. */
  flowing: Set<string>;
}

const REFRESH_MS = 1000;

function matches(source: SyslogDataSource, facility: string, level: string): boolean {
  const f = source.facilityNames.includes('*') || source.facilityNames.includes(facility);
  const l = source.logLevels.includes('*') || source.logLevels.includes(level);
  return f && l;
}

export class SyslogRouter {
  private targets: Target[] = [];
  private refreshedAt = -Infinity;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly ruleRefs: readonly string[],
    /** The signed-in sender, or undefined for a listener its operator's configuration authorises. */
    private readonly caller: Caller | undefined,
  ) {}

  /** The rules this connection sends through now (rules and role assignments are re-read every second). */
  current(): readonly Target[] {
    const now = performance.now();
    if (now - this.refreshedAt < REFRESH_MS) return this.targets;
    this.refreshedAt = now;
    this.targets = [];
    for (const ref of this.ruleRefs) {
      const rule = resolveRule(this.metadata, ref);
      const sources = rule?.dataSources?.syslog ?? [];
      if (!rule || sources.length === 0) continue;
      if (this.caller && !mayIngestThrough(this.metadata, this.caller, rule)) continue;
      this.targets.push({ rule, sources, flowing: new Set(rule.dataFlows.flatMap((f) => f.streams)) });
    }
    return this.targets;
  }

  /** The rows one message becomes (none when no rule's data source selects it). */
  route(message: SyslogMessage, ctx: ReceiveContext): RoutedRow[] {
    const facility = facilityName(message.facility);
    const level = LOG_LEVEL_NAMES[message.severity]!;
    const out: RoutedRow[] = [];
    let cef: ReturnType<typeof cefEventOf> | null = null;
    let syslog: Row | undefined;
    for (const t of this.current()) {
      const streams = new Set<string>();
      for (const s of t.sources) if (matches(s, facility, level)) for (const st of s.streams) if (t.flowing.has(st)) streams.add(st);
      if (streams.has(SYSLOG_STREAM)) {
        syslog ??= syslogRow(message, ctx);
        out.push({ ruleId: t.rule.immutableId, stream: SYSLOG_STREAM, row: syslog });
      }
      if (streams.has(CEF_STREAM)) {
        // Only CEF messages become CommonSecurityLog rows (as the Azure Monitor Agent does).
        if (cef === null) cef = cefEventOf(message);
        if (cef) out.push({ ruleId: t.rule.immutableId, stream: CEF_STREAM, row: commonSecurityLogRow(message, cef, ctx) });
      }
    }
    return out;
  }
}
