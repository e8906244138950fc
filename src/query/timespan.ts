import { ApiError } from '../errors/api-error.js';

const DURATION = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** An ISO 8601 duration in milliseconds (a year counts 365 days and a month 30). */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined;
  const [, y, mo, w, d, h, mi, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return (((((y! * 365 + mo! * 30 + w! * 7 + d!) * 24 + h!) * 60 + mi!) * 60 + s!) * 1000);
}

function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text.trim()) || !/T/.test(text) ? text.trim() : `${text.trim()}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface TimeRange {
  start?: Date;
  end?: Date;
}

/**
 * The request `timespan` of the Query API: `PT1H` (the last hour up to now), `start/end`,
 * `start/duration` or `duration/end`. Returns undefined when absent (all data is queried).
 */
export function parseTimespan(text: string | undefined | null, now: Date): TimeRange | undefined {
  if (text === undefined || text === null || text.trim() === '') return undefined;
  const bad = () =>
    new ApiError(400, 'BadArgumentError', `The timespan '${text}' is not valid: use an ISO 8601 duration such as PT1H or P1D, or an interval start/end, start/duration or duration/end.`, {
      innererror: { code: 'InvalidTimespan', message: `Invalid timespan '${text}'` },
    });
  const parts = text.split('/');
  if (parts.length === 1) {
    const d = parseDurationMs(parts[0]!);
    if (d === undefined) throw bad();
    return { start: new Date(now.getTime() - d), end: now };
  }
  if (parts.length !== 2) throw bad();
  const [a, b] = parts as [string, string];
  const aStart = parseInstant(a);
  const bEnd = parseInstant(b);
  let start: number, end: number;
  if (aStart !== undefined && bEnd !== undefined) [start, end] = [aStart, bEnd];
  else if (aStart !== undefined) {
    const d = parseDurationMs(b);
    if (d === undefined) throw bad();
    [start, end] = [aStart, aStart + d];
  } else if (bEnd !== undefined) {
    const d = parseDurationMs(a);
    if (d === undefined) throw bad();
    [start, end] = [bEnd - d, bEnd];
  } else throw bad();
  if (end < start) throw bad();
  return { start: new Date(start), end: new Date(end) };
}
