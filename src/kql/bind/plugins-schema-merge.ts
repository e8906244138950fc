/**
 * bind/plugins-schema-merge.ts — `evaluate schema_merge([PreserveOrder])` (schema-merge-plugin.md):
 * merges the schemas of its input (rows as `getschema` returns them, schemas one after another) into
 * one. A column keeps the type of its first appearance; the merged columns are ordered by their
 * (last) ordinal, then by first appearance, and numbered from 0. With PreserveOrder (the default) a
 * column found at different ordinals is out of order: it comes last, with ordinal -1 and Kusto's
 * error text as its types.
 *
 * The plugin is a fixed KQL query over the input (bound like any query, so it is typed and checked
 * like one); the only value spliced into it is the PreserveOrder constant, as `true` or `false`.
 */
import type * as A from '../ast.js';
import type { Span } from '../errors.js';
import type { ColumnSchema } from '../types.js';

/** The name the query reads its input by (defined in a scope of its own). */
export const SCHEMA_MERGE_INPUT = 'schema_merge_input';

const COLUMNS: [string, string[]][] = [['ColumnName', ['string']], ['ColumnOrdinal', ['int', 'long']], ['DataType', ['string']], ['ColumnType', ['string']]];

/** The query that computes schema_merge over SCHEMA_MERGE_INPUT. */
export function schemaMergeQuery(input: ColumnSchema[], op: A.EvaluateOp, error: (span: Span, message: string) => Error): string {
  for (const [name, types] of COLUMNS) {
    const c = input.find((x) => x.name === name);
    if (!c || !types.includes(c.type)) throw error(op.pluginSpan, `schema_merge(): the input must be schemas as getschema returns them (a ${types[0]} column '${name}' is missing)`);
  }
  if (op.args.length > 1) throw error(op.pluginSpan, `schema_merge(): expects at most one argument (PreserveOrder), got ${op.args.length}`);
  let preserve = true;
  const arg = op.args[0];
  if (arg) {
    const value = arg.kind === 'binary' && arg.op === '=' && arg.left.kind === 'name' && arg.left.name === 'PreserveOrder' ? arg.right : arg;
    if (value.kind !== 'literal' || value.type !== 'bool' || typeof value.value !== 'boolean') throw error(arg.span, 'schema_merge(): PreserveOrder must be a constant bool');
    preserve = value.value;
  }
  const bad = preserve ? 'schema_merge_lo != schema_merge_hi' : 'false';
  return `${SCHEMA_MERGE_INPUT}
| serialize schema_merge_rn = row_number()
| summarize schema_merge_lo = min(ColumnOrdinal), schema_merge_hi = max(ColumnOrdinal), arg_min(schema_merge_rn, DataType, ColumnType) by ColumnName
| extend schema_merge_bad = ${bad}
| sort by schema_merge_bad asc, schema_merge_hi asc, schema_merge_rn asc
| extend ColumnOrdinal = toint(iff(schema_merge_bad, -1, row_number() - 1)),
    DataType = iff(schema_merge_bad, 'ERROR(unknown CSL type:ERROR(columns are out of order))', DataType),
    ColumnType = iff(schema_merge_bad, 'ERROR(columns are out of order)', ColumnType)
| project ColumnName, ColumnOrdinal, DataType, ColumnType`;
}
