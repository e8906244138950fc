/**
 * Compiling a data flow's transformKql: Azure's subset check (supported-kql.ts), then Vigil's KQL
 * compiler with `source` bound to the batch being ingested, then the check that the output fits
 * the destination table. Done when a rule is created or updated (errors go back to the caller with
 * their position) and cached per rule version for the ingestion path.
 */
import { createHash } from 'node:crypto';
import { compile, KqlError, sqlIdent, type ColumnSchema, type KqlType } from '../../kql/index.js';
import { parse } from '../../kql/parser.js';
import type { StreamColumn } from '../../metadata/records.js';
import { checkTransformSubset, type TransformFeatures } from './supported-kql.js';

export const STREAM_TO_KQL: Record<StreamColumn['type'], KqlType> = {
  string: 'string', int: 'int', long: 'long', real: 'real', boolean: 'bool', dynamic: 'dynamic', datetime: 'datetime',
};

/** Which transformation output types may be written to which table column types. */
const OUTPUT_COMPATIBLE: Record<KqlType, KqlType[]> = {
  string: ['string', 'guid', 'dynamic'],
  int: ['int', 'long', 'real'],
  long: ['long', 'real'],
  real: ['real'],
  decimal: ['decimal', 'real'],
  bool: ['bool'],
  dynamic: ['dynamic', 'string'],
  datetime: ['datetime'],
  timespan: ['timespan'],
  guid: ['guid', 'string'],
};

/** Columns only Vigil fills; a transformation may not produce them. */
export const VIGIL_FILLED = new Set(['tenantid', 'type', '_itemid', '_timereceived', '_billedsize']);

export interface CompiledTransform {
  /** The transformation text as written in the rule. */
  text: string;
  /** `source`: the stream's declared columns, in declaration order, as KQL types. */
  input: ColumnSchema[];
  /** The table `source` is read from (a temporary table per input schema, see run-transform.ts). */
  sourceTable: string;
  output: ColumnSchema[];
  /** The SQL for one batch; `now` changes it only when the text uses now()/ago(). */
  sql(now: Date, pseudonymKey?: Uint8Array): string;
  /** The transformation uses hash_hmac_sha256_ws() (it needs the destination workspace's key). */
  usesPseudonym: boolean;
  /** The SQL does not change from batch to batch (no now()/ago()): it can be prepared once. */
  stableSql: boolean;
}

/** A transformation problem in Azure's words, with the position when there is one. */
export class TransformError extends Error {
  constructor(message: string, readonly line?: number, readonly column?: number) {
    super(message);
  }
}

export function sourceTableFor(input: ColumnSchema[]): string {
  const h = createHash('sha256').update(JSON.stringify(input.map((c) => [c.name, c.type]))).digest('hex').slice(0, 16);
  return `__vigil_source_${h}`;
}

/** A stream declaration's columns as KQL columns. */
export function streamInput(stream: readonly StreamColumn[]): ColumnSchema[] {
  return stream.map((c) => ({ name: c.name, type: STREAM_TO_KQL[c.type] }));
}

/**
 * Compiles a transformation whose `source` has the columns `input` (a stream's declared columns, or
 * a table's for a workspace transformation); throws TransformError (with line/column) for any problem.
 */
export function compileTransform(text: string, input: ColumnSchema[], features: TransformFeatures = {}): CompiledTransform {
  const sourceTable = sourceTableFor(input);
  const resolver = { resolveTable: (name: string) => (name === 'source' ? { sql: sqlIdent(sourceTable), columns: input } : undefined) };
  const usesPseudonym = /hash_hmac_sha256_ws/.test(text);
  // A stand-in key at creation: the SQL is only type-checked here; each batch gets its workspace's key.
  const probeKey = usesPseudonym ? new Uint8Array(32) : undefined;
  const geo = features.geoLocation ? { geoLocation: true } : {};
  let compiled;
  try {
    const { ast, source } = parse(text);
    checkTransformSubset(ast, source, features);
    compiled = compile(text, resolver, { now: new Date(0), ...geo, ...(probeKey ? { pseudonymKey: probeKey } : {}) });
  } catch (err) {
    if (err instanceof KqlError) throw new TransformError(withPosition(err), err.line, err.column);
    throw err;
  }
  // Whether now()/ago() appear: the SQL differs with a different now.
  const other = compile(text, resolver, { now: new Date(86_400_000), ...geo, ...(probeKey ? { pseudonymKey: probeKey } : {}) }).sql;
  const dependsOnNow = other !== compiled.sql;
  const staticSql = compiled.sql;
  return {
    text,
    input,
    sourceTable,
    output: compiled.columns,
    usesPseudonym,
    stableSql: !dependsOnNow,
    sql(now, pseudonymKey) {
      if (!dependsOnNow && !usesPseudonym) return staticSql;
      return compile(text, resolver, { now, ...geo, ...(pseudonymKey ? { pseudonymKey } : {}) }).sql;
    },
  };
}

function withPosition(err: KqlError): string {
  return /line \[?\d+[,\]]|\(line \d+, column \d+\)/.test(err.message) ? err.message : `${err.message} (line ${err.line}, column ${err.column})`;
}

/**
 * Checks a transformation's output against the destination table: every output column must be a
 * column of the table, of a compatible type, and not one only Vigil fills. Returns the problem, or undefined.
 */
export function outputMismatch(output: readonly ColumnSchema[], table: string, schema: readonly ColumnSchema[]): string | undefined {
  for (const c of output) {
    if (VIGIL_FILLED.has(c.name.toLowerCase())) return `the transformation's output column '${c.name}' is filled by the service and cannot be written by a transformation`;
    const target = schema.find((x) => x.name === c.name) ?? schema.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
    if (!target) return `the transformation's output column '${c.name}' (${c.type}) does not exist in table '${table}'; add the column to the table or remove it in the transformation (project-away)`;
    if (!OUTPUT_COMPATIBLE[c.type].includes(target.type)) {
      return `the transformation's output column '${c.name}' is of type '${c.type}', but column '${target.name}' of table '${table}' is '${target.type}'; convert it in the transformation (e.g. to${target.type === 'real' ? 'real' : target.type}())`;
    }
  }
  return undefined;
}
