/**
 * `properties.dataSources.syslog[]` of a data collection rule (api 2024-03-11 `SyslogDataSource`):
 * which facilities and levels of syslog the rule collects into which built-in stream
 * (`Microsoft-Syslog`, or `Microsoft-CommonSecurityLog` for CEF). Vigil's syslog listeners
 * (src/syslog) read these to route messages; the rule's dataFlows take the streams to workspaces.
 */
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import type { SyslogDataSource } from '../metadata/records.js';
import { DCR_FACILITY_NAMES, DCR_LOG_LEVELS } from '../syslog/facilities.js';
import { SYSLOG_SOURCE_STREAMS } from '../syslog/streams.js';

const caseInsensitive = (allowed: ReadonlySet<string>) => {
  const byLower = new Map([...allowed].map((v) => [v.toLowerCase(), v]));
  return (v: string) => byLower.get(v.toLowerCase());
};
const facility = caseInsensitive(DCR_FACILITY_NAMES);
const level = caseInsensitive(DCR_LOG_LEVELS);
const stream = caseInsensitive(SYSLOG_SOURCE_STREAMS);

export const SyslogSourcesBody = z
  .array(
    z
      .object({
        name: z.string().min(1, 'name is required'),
        streams: z.array(z.string()).min(1, 'a syslog data source names at least one stream'),
        facilityNames: z.array(z.string()).nullish(),
        logLevels: z.array(z.string()).nullish(),
        transformKql: z.string().nullish(),
      })
      .catchall(z.unknown()),
  )
  .nullish();

/** Validates `dataSources.syslog` (names canonicalised), throwing Azure's InvalidPayload on a bad value. */
export function validateSyslogSources(body: z.infer<typeof SyslogSourcesBody>): SyslogDataSource[] | undefined {
  if (!body) return undefined;
  const names = new Set<string>();
  return body.map((s, i) => {
    const at = `properties.dataSources.syslog[${i}]`;
    if (names.has(s.name.toLowerCase())) throw new ApiError(400, 'InvalidPayload', `${at}.name: data source '${s.name}' is declared twice.`, { target: `${at}.name` });
    names.add(s.name.toLowerCase());
    const bad = (field: string, value: string, allowed: ReadonlySet<string>) =>
      new ApiError(400, 'InvalidPayload', `${at}.${field}: '${value}' is not one of ${[...allowed].join(', ')}.`, { target: `${at}.${field}` });
    const streams = s.streams.map((v) => stream(v) ?? (() => { throw bad('streams', v, SYSLOG_SOURCE_STREAMS); })());
    const facilityNames = (s.facilityNames ?? ['*']).map((v) => facility(v) ?? (() => { throw bad('facilityNames', v, DCR_FACILITY_NAMES); })());
    const logLevels = (s.logLevels ?? ['*']).map((v) => level(v) ?? (() => { throw bad('logLevels', v, DCR_LOG_LEVELS); })());
    if (s.transformKql?.trim() && s.transformKql.trim() !== 'source') {
      throw new ApiError(400, 'InvalidPayload', `${at}.transformKql is deprecated on data sources: put the transformation on the data flow.`, { target: `${at}.transformKql` });
    }
    return { name: s.name, streams, facilityNames, logLevels };
  });
}
