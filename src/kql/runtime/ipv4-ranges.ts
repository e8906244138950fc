/**
 * ipv4-ranges.ts — ipv4_range_to_cidr_list(start, end): the smallest list of CIDR blocks that
 * covers exactly the addresses start…end (each block the largest aligned one that starts at the
 * next uncovered address and does not pass the end). Invalid addresses or start > end: null.
 */
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

const IPV4 = /^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*$/;

function ipv4(text: string): number | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! * 256 + parts[1]!) * 256 + parts[2]!) * 256 + parts[3]!;
}
const text = (a: number) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

export function ipv4RangeToCidrList(startText: string, endText: string): string[] | null {
  const start = ipv4(startText), end = ipv4(endText);
  if (start === null || end === null || start > end) return null;
  const out: string[] = [];
  let at = start;
  while (at <= end) {
    let size = 1; // block size, a power of two aligned at `at`
    while (size < 2 ** 32 && at % (size * 2) === 0 && at + size * 2 - 1 <= end) size *= 2;
    out.push(`${text(at)}/${32 - Math.log2(size)}`);
    at += size;
  }
  return out;
}

export const IPV4_RANGE_FUNCTIONS = [
  runtimeFunction('kql_ipv4_range_to_cidr_list', [VARCHAR, VARCHAR], VARCHAR, (s: string, e: string) => {
    const list = ipv4RangeToCidrList(s, e);
    return list && JSON.stringify(list);
  }),
];
