/**
 * documents.ts — parse_xml() and dynamic_to_json().
 *
 * parse_xml follows the conversion table of parse-xml-function.md (Json.NET's XML conversion):
 * `<e/>` → {"e": null}, attributes as "@name", text beside attributes or children as "#text"
 * (attributes first, then text, then children), repeated elements as arrays, values as strings;
 * the XML declaration is left out and invalid XML gives null. dynamic_to_json writes a value
 * canonically: property names sorted (ordinal), no spaces.
 */
import { VARCHAR } from '@duckdb/node-api';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { runtimeFunction } from './udf.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };

/** Empty elements become null; keys ordered attributes, text, children. */
function normalize(v: Json): Json {
  if (v === '') return null;
  if (Array.isArray(v)) return v.map(normalize);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  const rank = (k: string) => (k.startsWith('@') ? 0 : k === '#text' ? 1 : 2);
  const out: { [k: string]: Json } = {};
  for (const k of [...keys].sort((a, b) => rank(a) - rank(b))) out[k] = k.startsWith('@') || k === '#text' ? v[k]! : normalize(v[k]!);
  return out;
}

function parseXml(text: string): string | null {
  if (XMLValidator.validate(text) !== true) return null;
  const doc = parser.parse(text) as Json;
  return JSON.stringify(normalize(doc));
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export const DOCUMENT_FUNCTIONS = [
  runtimeFunction('kql_parse_xml', [VARCHAR], VARCHAR, (text: string) => parseXml(text)),
  runtimeFunction('kql_dynamic_to_json', [VARCHAR], VARCHAR, (json: string) => {
    try {
      return canonical(JSON.parse(json));
    } catch {
      return null;
    }
  }),
];
