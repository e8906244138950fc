/**
 * buildschema.ts — the buildschema() aggregate (buildschema-aggregation-function.md): the minimal
 * schema that admits every value seen. A value's schema is its type name (`long`, `double`,
 * `string`, `bool`) or, for a property bag, an object of its properties' schemas; an array is a
 * container with one property, "`indexer`", the schema of its elements. Several schemas of one
 * position merge into the list of alternatives in first-seen order (containers merge into one);
 * a single alternative is written alone. Nulls add nothing.
 */
import { VARCHAR } from '@duckdb/node-api';
import { isLosslessNumber, parse as losslessParse, type LosslessNumber } from 'lossless-json';
import { runtimeFunction } from './udf.js';

const INDEXER = '`indexer`';

/** Alternatives in first-seen order: type names, and at most one container (its properties). */
type Schema = (string | Map<string, Schema>)[];

function add(schema: Schema, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !isLosslessNumber(value)) {
    let container = schema.find((a): a is Map<string, Schema> => a instanceof Map);
    if (!container) {
      container = new Map();
      schema.push(container);
    }
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v) => [INDEXER, v]) : Object.entries(value);
    for (const [k, v] of entries) {
      let child = container.get(k);
      if (!child) {
        child = [];
        container.set(k, child);
      }
      add(child, v);
    }
    return;
  }
  const name = isLosslessNumber(value) ? (/[.eE]/.test((value as LosslessNumber).value) ? 'double' : 'long') : typeof value === 'boolean' ? 'bool' : 'string';
  if (!schema.includes(name)) schema.push(name);
}

function render(schema: Schema): unknown {
  const alts = schema.map((a) => (typeof a === 'string' ? a : Object.fromEntries([...a].filter(([, s]) => s.length > 0).map(([k, s]) => [k, render(s)]))));
  return alts.length === 1 ? alts[0] : alts;
}

/** `valuesJson`: a JSON array of the group's values. */
export function buildSchema(valuesJson: string): string | null {
  const values = losslessParse(valuesJson);
  if (!Array.isArray(values)) return null;
  const schema: Schema = [];
  for (const v of values) add(schema, v);
  return schema.length === 0 ? null : JSON.stringify(render(schema));
}

export const BUILDSCHEMA_FUNCTIONS = [runtimeFunction('kql_buildschema', [VARCHAR], VARCHAR, buildSchema)];
