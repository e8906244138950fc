/**
 * bag-paths.ts — bag_set_key and bag_remove_keys with JSONPath keys ('$.a.b', "$['a']['b']"),
 * which reach into nested bags (bag-set-key-function.md, bag-remove-keys-function.md). Array
 * indexing and the root path are not supported there (null / ignored). Plain keys stay in SQL
 * (functions/dynamic.ts); the compiler routes a call here only when a constant key is a path.
 */
import { VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

type Bag = Record<string, unknown>;
const isBag = (x: unknown): x is Bag => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The names of a JSONPath of member accesses ('$.a.b', "$['a'].b"), or null (indexes, wildcards, the root alone). */
export function parseKeyPath(path: string): string[] | null {
  if (!path.startsWith('$')) return [path];
  const names: string[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return null;
    names.push(m[1] ?? (m[2] ?? m[3]!).replace(/\\(.)/g, '$1'));
  }
  return names.length ? names : null;
}

function parseBag(json: string): Bag | null {
  try {
    const v = JSON.parse(json) as unknown;
    return isBag(v) ? v : null;
  } catch {
    return null;
  }
}

export const BAG_PATH_FUNCTIONS = [
  runtimeFunction('kql_bag_set_key', [VARCHAR, VARCHAR, VARCHAR], VARCHAR, (json: string, key: string, value: string) => {
    const bag = parseBag(json);
    const names = parseKeyPath(key);
    if (!bag || !names) return null;
    let node = bag;
    for (const name of names.slice(0, -1)) {
      // an intermediate level that is not a bag becomes one (the docs' {"key1":123} gets key2: {prop1: …})
      if (!isBag(node[name])) node[name] = {};
      node = node[name] as Bag;
    }
    node[names[names.length - 1]!] = JSON.parse(value) as unknown;
    return JSON.stringify(bag);
  }),
  runtimeFunction('kql_bag_remove_keys', [VARCHAR, VARCHAR], VARCHAR, (json: string, keys: string) => {
    const bag = parseBag(json);
    let list: unknown;
    try {
      list = JSON.parse(keys);
    } catch {
      return null;
    }
    if (!bag || !Array.isArray(list)) return null;
    for (const k of list) {
      const names = typeof k === 'string' ? parseKeyPath(k) : null;
      if (!names) continue;
      let node: unknown = bag;
      for (const name of names.slice(0, -1)) node = isBag(node) ? node[name] : undefined;
      if (isBag(node)) delete node[names[names.length - 1]!];
    }
    return JSON.stringify(bag);
  }),
];
