/**
 * Syslog facility and severity numbers (RFC 5424 §6.2.1) and the names Azure uses for them: the
 * facility names of a DCR's `dataSources.syslog[].facilityNames` (also the `Facility` column), the
 * `logLevels` names of the same data source, and the severity keywords of the `SeverityLevel` column.
 */

/** Facility code → name (the `Facility` column and the DCR facilityNames). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/** Every facility name a DCR may list: the RFC ones, rsyslog's pseudo-facilities `mark` and `nopri`, and `*`. */
export const DCR_FACILITY_NAMES: ReadonlySet<string> = new Set([...FACILITY_NAMES, 'mark', 'nopri', '*']);

/** Severity code → DCR `logLevels` name. */
export const LOG_LEVEL_NAMES: readonly string[] = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Info', 'Debug'];

export const DCR_LOG_LEVELS: ReadonlySet<string> = new Set([...LOG_LEVEL_NAMES, '*']);

/** Severity code → the keyword stored in `Syslog.SeverityLevel` (rsyslog's keyword form). */
export const SEVERITY_KEYWORDS: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export function facilityName(code: number): string {
  return FACILITY_NAMES[code] ?? `facility${code}`;
}
