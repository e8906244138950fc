/**
 * The DCR streams of the syslog data source (`dataSources.syslog[].streams`): Azure's built-in
 * `Microsoft-Syslog` and `Microsoft-CommonSecurityLog`, which a rule uses without declaring them
 * (`streamDeclarations` is for `Custom-` streams). Their columns are those of the standard tables.
 */
import type { StreamColumn } from '../metadata/records.js';
import { standardTable } from '../metadata/standard-tables.js';

export const SYSLOG_STREAM = 'Microsoft-Syslog';
export const CEF_STREAM = 'Microsoft-CommonSecurityLog';
export const SYSLOG_SOURCE_STREAMS: ReadonlySet<string> = new Set([SYSLOG_STREAM, CEF_STREAM]);

const STREAM_TYPE: Record<string, StreamColumn['type']> = { string: 'string', int: 'int', long: 'long', real: 'real', datetime: 'datetime', bool: 'boolean', dynamic: 'dynamic', guid: 'string' };

const cache = new Map<string, StreamColumn[]>();

/** The columns of a built-in syslog stream: its table's own columns, and `_ResourceId`. */
export function syslogStreamColumns(stream: string): StreamColumn[] {
  let columns = cache.get(stream);
  if (!columns) {
    const table = standardTable(stream.slice('Microsoft-'.length))!;
    columns = [...table.columns.map((c) => ({ name: c.name, type: STREAM_TYPE[c.type] ?? 'string' })), { name: '_ResourceId', type: 'string' }];
    cache.set(stream, columns);
  }
  return columns;
}
