/**
 * user-agent.ts — parse_user_agent(): ua-parser's algorithm over uap-core's regexes (the
 * Browserscope patterns Kusto's function is built on: its documented fields — Browser Family and
 * Major/Minor/Patch, OperatingSystem … PatchMinor, Device Family/Brand/Model — are ua-parser's).
 *
 * For each target, the first pattern that matches decides; a `*_replacement` overrides the
 * matched group, with `$1`…`$9` substituted. No match: Family "Other", versions "".
 * The patterns (≈1,200) are loaded and compiled once, on first use. They run on JavaScript's
 * backtracking engine in the server's process, so only the first MAX_USER_AGENT characters of a
 * value are parsed: real user agents are far shorter, and a crafted long value cannot make a
 * pattern backtrack for long.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VARCHAR } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';
import { runtimeFunction } from './udf.js';

type Rule = { re: RegExp } & Record<string, string | RegExp | undefined>;
interface Rules {
  browser: Rule[];
  os: Rule[];
  device: Rule[];
}

/** Characters of a user-agent string that are parsed (a limit of Vigil's). */
export const MAX_USER_AGENT = 1024;

let rules: Rules | undefined;

function compile(list: Record<string, string>[] | undefined): Rule[] {
  const out: Rule[] = [];
  for (const r of list ?? []) {
    try {
      out.push({ ...r, re: new RegExp(r.regex!, r.regex_flag === 'i' ? 'i' : '') });
    } catch {
      // a pattern JavaScript cannot compile is skipped (none in the pinned uap-core)
    }
  }
  return out;
}

function loadRules(): Rules {
  if (!rules) {
    const file = createRequire(import.meta.url).resolve('uap-core/regexes.yaml');
    const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, Record<string, string>[]>;
    rules = { browser: compile(doc.user_agent_parsers), os: compile(doc.os_parsers), device: compile(doc.device_parsers) };
  }
  return rules;
}

/** A replacement with `$n` substituted, or the matched group; '' when neither exists. */
function pick(m: RegExpExecArray, replacement: string | RegExp | undefined, group: number): string {
  if (typeof replacement === 'string') return replacement.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '').trim();
  return (m[group] ?? '').trim();
}

function first(list: Rule[], ua: string): [Rule, RegExpExecArray] | undefined {
  for (const r of list) {
    const m = r.re.exec(ua);
    if (m) return [r, m];
  }
  return undefined;
}

export function browserOf(ua: string) {
  const hit = first(loadRules().browser, ua);
  if (!hit) return { Family: 'Other', MajorVersion: '', MinorVersion: '', Patch: '' };
  const [r, m] = hit;
  return { Family: pick(m, r.family_replacement, 1) || 'Other', MajorVersion: pick(m, r.v1_replacement, 2), MinorVersion: pick(m, r.v2_replacement, 3), Patch: pick(m, r.v3_replacement, 4) };
}

export function osOf(ua: string) {
  const hit = first(loadRules().os, ua);
  if (!hit) return { Family: 'Other', MajorVersion: '', MinorVersion: '', Patch: '', PatchMinor: '' };
  const [r, m] = hit;
  return {
    Family: pick(m, r.os_replacement, 1) || 'Other',
    MajorVersion: pick(m, r.os_v1_replacement, 2),
    MinorVersion: pick(m, r.os_v2_replacement, 3),
    Patch: pick(m, r.os_v3_replacement, 4),
    PatchMinor: pick(m, r.os_v4_replacement, 5),
  };
}

export function deviceOf(ua: string) {
  const hit = first(loadRules().device, ua);
  if (!hit) return { Family: 'Other', Brand: '', Model: '' };
  const [r, m] = hit;
  const family = pick(m, r.device_replacement, 1) || 'Other';
  return { Family: family, Brand: typeof r.brand_replacement === 'string' ? pick(m, r.brand_replacement, 0) : '', Model: pick(m, r.model_replacement, 1) };
}

const TARGETS: Record<string, [string, (ua: string) => object]> = {
  browser: ['Browser', browserOf],
  os: ['OperatingSystem', osOf],
  device: ['Device', deviceOf],
};

/** `lookFor`: a JSON array of target names, or one name; null when a target is unknown. */
export function parseUserAgent(value: string, lookFor: string): string | null {
  const ua = value.slice(0, MAX_USER_AGENT);
  let targets: unknown;
  try {
    targets = JSON.parse(lookFor);
  } catch {
    targets = lookFor;
  }
  const list = Array.isArray(targets) ? targets : [targets];
  const out: Record<string, object> = {};
  for (const t of list) {
    const target = typeof t === 'string' ? TARGETS[t.toLowerCase()] : undefined;
    if (!target) return null;
    out[target[0]] = target[1](ua);
  }
  return JSON.stringify(out);
}

export const USER_AGENT_FUNCTIONS = [
  runtimeFunction('kql_parse_user_agent', [VARCHAR, VARCHAR], VARCHAR, parseUserAgent),
];
