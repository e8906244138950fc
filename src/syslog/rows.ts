/**
 * Syslog messages as rows of Azure's `Syslog` and `CommonSecurityLog` tables (the row objects the
 * ingestion service validates against the `Microsoft-Syslog` / `Microsoft-CommonSecurityLog`
 * streams). The mapping is documented in README "Syslog and CEF".
 */
import type { CefEvent } from './cef.js';
import { facilityName, SEVERITY_KEYWORDS } from './facilities.js';
import type { SyslogMessage } from './parse-message.js';

/** Where a message came from: the connection, and what the listener stamps on every row. */
export interface ReceiveContext {
  /** The sender's IP address (the TCP/UDP peer). */
  senderIp: string;
  /** This Vigil's host name (`CollectorHostName`). */
  collectorHostName: string;
  /** `_ResourceId` of the machine the listener collects for (the listener's `resource-id=`), if set. */
  resourceId?: string;
}

export type Row = Record<string, string | number | null>;

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

function int32(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= INT32_MIN && n <= INT32_MAX ? n : null;
}

function long(text: string): number | string | null {
  if (!/^-?\d{1,19}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  // Beyond 2^53 the text goes through as is: the ingestion service reads it exactly.
  return Number.isSafeInteger(n) ? n : BigInt(text.trim()) <= 2n ** 63n - 1n && BigInt(text.trim()) >= -(2n ** 63n) ? text.trim() : null;
}

function real(text: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

/** A CEF time: milliseconds since the epoch, or one of the `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]` forms. */
function cefTime(text: string): string | null {
  const t = text.trim();
  if (/^\d{10,13}$/.test(t)) {
    const ms = t.length === 13 ? Number(t) : Number(t) * 1000;
    return new Date(ms).toISOString();
  }
  if (!/^[A-Z][a-z]{2} \d{1,2} (\d{4} )?\d{2}:\d{2}:\d{2}/.test(t)) return null;
  const ms = Date.parse(/ \d{4} /.test(t) ? t : t.replace(/^(\w{3} \d{1,2}) /, `$1 ${new Date().getFullYear()} `));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function syslogTimestamp(m: SyslogMessage): string | null {
  return m.timestamp ?? null;
}

export function syslogRow(m: SyslogMessage, ctx: ReceiveContext): Row {
  return {
    EventTime: syslogTimestamp(m),
    Facility: facilityName(m.facility),
    SeverityLevel: SEVERITY_KEYWORDS[m.severity]!,
    HostName: m.hostname ?? ctx.senderIp,
    HostIP: ctx.senderIp,
    Computer: m.hostname ?? ctx.senderIp,
    CollectorHostName: ctx.collectorHostName,
    ProcessName: m.appName ?? null,
    ProcessID: int32(m.procId),
    // The space rsyslog keeps after a BSD tag (`tag: msg`, re-sent in RFC 5424 as ` msg`) is not part of the text.
    SyslogMessage: m.message.startsWith(' ') ? m.message.slice(1) : m.message,
    _ResourceId: ctx.resourceId ?? null,
  };
}

type ColumnType = 'string' | 'int' | 'long' | 'real' | 'datetime';

/** CEF extension key → CommonSecurityLog column (Microsoft Sentinel's CEF name mapping). */
const EXTENSION_COLUMNS: Record<string, [string, ColumnType]> = {
  act: ['DeviceAction', 'string'],
  app: ['ApplicationProtocol', 'string'],
  cat: ['DeviceEventCategory', 'string'],
  cnt: ['EventCount', 'int'],
  msg: ['Message', 'string'],
  outcome: ['EventOutcome', 'string'],
  reason: ['Reason', 'string'],
  proto: ['Protocol', 'string'],
  rt: ['ReceiptTime', 'string'],
  start: ['StartTime', 'datetime'],
  end: ['EndTime', 'datetime'],
  type: ['EventType', 'int'],
  dst: ['DestinationIP', 'string'],
  dpt: ['DestinationPort', 'int'],
  dhost: ['DestinationHostName', 'string'],
  dntdom: ['DestinationNTDomain', 'string'],
  duser: ['DestinationUserName', 'string'],
  duid: ['DestinationUserID', 'string'],
  dpriv: ['DestinationUserPrivileges', 'string'],
  dproc: ['DestinationProcessName', 'string'],
  dpid: ['DestinationProcessId', 'int'],
  dmac: ['DestinationMACAddress', 'string'],
  destinationDnsDomain: ['DestinationDnsDomain', 'string'],
  destinationServiceName: ['DestinationServiceName', 'string'],
  destinationTranslatedAddress: ['DestinationTranslatedAddress', 'string'],
  destinationTranslatedPort: ['DestinationTranslatedPort', 'int'],
  src: ['SourceIP', 'string'],
  spt: ['SourcePort', 'int'],
  shost: ['SourceHostName', 'string'],
  sntdom: ['SourceNTDomain', 'string'],
  suser: ['SourceUserName', 'string'],
  suid: ['SourceUserID', 'string'],
  spriv: ['SourceUserPrivileges', 'string'],
  sproc: ['SourceProcessName', 'string'],
  spid: ['SourceProcessId', 'int'],
  smac: ['SourceMACAddress', 'string'],
  sourceDnsDomain: ['SourceDnsDomain', 'string'],
  sourceServiceName: ['SourceServiceName', 'string'],
  sourceTranslatedAddress: ['SourceTranslatedAddress', 'string'],
  sourceTranslatedPort: ['SourceTranslatedPort', 'int'],
  dvc: ['DeviceAddress', 'string'],
  dvchost: ['DeviceName', 'string'],
  dvcmac: ['DeviceMacAddress', 'string'],
  dvcpid: ['ProcessID', 'int'],
  deviceProcessName: ['ProcessName', 'string'],
  deviceDnsDomain: ['DeviceDnsDomain', 'string'],
  deviceNtDomain: ['DeviceNtDomain', 'string'],
  dtz: ['DeviceTimeZone', 'string'],
  deviceDirection: ['CommunicationDirection', 'string'],
  deviceFacility: ['DeviceFacility', 'string'],
  deviceExternalId: ['DeviceExternalID', 'string'],
  deviceInboundInterface: ['DeviceInboundInterface', 'string'],
  deviceOutboundInterface: ['DeviceOutboundInterface', 'string'],
  deviceTranslatedAddress: ['DeviceTranslatedAddress', 'string'],
  devicePayloadId: ['DevicePayloadId', 'string'],
  fname: ['FileName', 'string'],
  fsize: ['FileSize', 'int'],
  fileHash: ['FileHash', 'string'],
  filePath: ['FilePath', 'string'],
  fileType: ['FileType', 'string'],
  fileId: ['FileID', 'string'],
  filePermission: ['FilePermission', 'string'],
  fileCreateTime: ['FileCreateTime', 'string'],
  fileModificationTime: ['FileModificationTime', 'string'],
  oldFileName: ['OldFileName', 'string'],
  oldFileSize: ['OldFileSize', 'int'],
  oldFileHash: ['OldFileHash', 'string'],
  oldFilePath: ['OldFilePath', 'string'],
  oldFileType: ['OldFileType', 'string'],
  oldFileId: ['OldFileID', 'string'],
  oldFilePermission: ['OldFilePermission', 'string'],
  oldFileCreateTime: ['OldFileCreateTime', 'string'],
  oldFileModificationTime: ['OldFileModificationTime', 'string'],
  in: ['ReceivedBytes', 'long'],
  out: ['SentBytes', 'long'],
  request: ['RequestURL', 'string'],
  requestMethod: ['RequestMethod', 'string'],
  requestClientApplication: ['RequestClientApplication', 'string'],
  requestContext: ['RequestContext', 'string'],
  requestCookies: ['RequestCookies', 'string'],
  deviceCustomDate1: ['DeviceCustomDate1', 'string'],
  deviceCustomDate1Label: ['DeviceCustomDate1Label', 'string'],
  deviceCustomDate2: ['DeviceCustomDate2', 'string'],
  deviceCustomDate2Label: ['DeviceCustomDate2Label', 'string'],
  flexString1: ['FlexString1', 'string'],
  flexString1Label: ['FlexString1Label', 'string'],
  flexString2: ['FlexString2', 'string'],
  flexString2Label: ['FlexString2Label', 'string'],
  flexNumber1: ['FlexNumber1', 'int'],
  flexNumber1Label: ['FlexNumber1Label', 'string'],
  flexNumber2: ['FlexNumber2', 'int'],
  flexNumber2Label: ['FlexNumber2Label', 'string'],
  flexDate1: ['FlexDate1', 'string'],
  flexDate1Label: ['FlexDate1Label', 'string'],
};
for (let i = 1; i <= 6; i++) {
  EXTENSION_COLUMNS[`cs${i}`] = [`DeviceCustomString${i}`, 'string'];
  EXTENSION_COLUMNS[`cs${i}Label`] = [`DeviceCustomString${i}Label`, 'string'];
}
for (let i = 1; i <= 3; i++) {
  EXTENSION_COLUMNS[`cn${i}`] = [`DeviceCustomNumber${i}`, 'int'];
  EXTENSION_COLUMNS[`cn${i}Label`] = [`DeviceCustomNumber${i}Label`, 'string'];
}
for (let i = 1; i <= 4; i++) {
  EXTENSION_COLUMNS[`c6a${i}`] = [`DeviceCustomIPv6Address${i}`, 'string'];
  EXTENSION_COLUMNS[`c6a${i}Label`] = [`DeviceCustomIPv6Address${i}Label`, 'string'];
  EXTENSION_COLUMNS[`cfp${i}`] = [`DeviceCustomFloatingPoint${i}`, 'real'];
  EXTENSION_COLUMNS[`cfp${i}Label`] = [`DeviceCustomFloatingPoint${i}Label`, 'string'];
}

/** The extension keys with a column of their own, for the README table and tests. */
export const CEF_EXTENSION_COLUMNS: Readonly<Record<string, readonly [string, ColumnType]>> = EXTENSION_COLUMNS;

function typed(value: string, type: ColumnType): string | number | null {
  switch (type) {
    case 'string':
      return value;
    case 'int':
      return int32(value);
    case 'long':
      return long(value);
    case 'real':
      return real(value);
    case 'datetime':
      return cefTime(value);
  }
}

/** AdditionalExtensions keeps what has no column as `key=value` pairs separated by `;`. */
function additional(pairs: [string, string][]): string | null {
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(';') : null;
}

export function commonSecurityLogRow(m: SyslogMessage, cef: CefEvent, ctx: ReceiveContext): Row {
  const row: Row = {
    DeviceVendor: cef.deviceVendor,
    DeviceProduct: cef.deviceProduct,
    DeviceVersion: cef.deviceVersion,
    DeviceEventClassID: cef.deviceEventClassId,
    Activity: cef.name,
    LogSeverity: cef.severity,
    Computer: m.hostname ?? ctx.senderIp,
    CollectorHostName: ctx.collectorHostName,
    _ResourceId: ctx.resourceId ?? null,
  };
  const unmapped: [string, string][] = [];
  for (const [key, value] of cef.extension) {
    const target = EXTENSION_COLUMNS[key];
    if (key === 'externalId') {
      // ExternalID is an int column; a non-numeric id goes to ExtID.
      const n = int32(value);
      if (n !== null) row.ExternalID = n;
      else row.ExtID = value;
      continue;
    }
    const v = target ? typed(value, target[1]) : null;
    // A value that does not fit its column's type is kept in AdditionalExtensions, never dropped.
    if (!target || v === null || row[target[0]] !== undefined) unmapped.push([key, value]);
    else row[target[0]] = v;
  }
  row.AdditionalExtensions = additional(unmapped);
  return row;
}
