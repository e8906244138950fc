/**
 * Azure's transformKql subset (reference §1.4, AMD `data-collection-transformations-kql.md`): a
 * transformation runs per row, so only operators that take one row and give at most one row, and
 * only the listed scalar functions. Everything else is refused when the rule is created or
 * updated, with the position of the first construct outside the subset.
 */
import type * as A from '../../kql/ast.js';
import { KqlError, type SourceText, type Span } from '../../kql/errors.js';
import { MASKING_FUNCTION_NAMES } from '../../kql/functions/masking.js';

/** Tabular operators a transformation may pipe through (`parse` takes at most 10 columns). */
const OPERATORS = new Set(['where', 'extend', 'project', 'project-away', 'project-rename', 'parse']);

/** Binary operators: numeric, comparison, string (and negations), regex, logical, as listed. */
const BINARY = new Set([
  '+', '-', '*', '/', '%', '<', '<=', '>', '>=', '==', '!=', 'and', 'or',
  '=~', '!~', 'contains', '!contains', 'contains_cs', '!contains_cs', 'has', '!has', 'has_cs', '!has_cs',
  'startswith', '!startswith', 'startswith_cs', '!startswith_cs', 'endswith', '!endswith', 'endswith_cs', '!endswith_cs',
  'matches regex',
]);

/** Scalar functions of Azure's list (`bin` = floor; `toreal` = todouble), plus `not`. */
const AZURE_FUNCTIONS = [
  // conversion
  'tobool', 'todatetime', 'todouble', 'toreal', 'toguid', 'toint', 'tolong', 'tostring', 'totimespan',
  // datetime and timespan
  'ago', 'datetime_add', 'datetime_diff', 'datetime_part', 'dayofmonth', 'dayofweek', 'dayofyear', 'endofday', 'endofmonth', 'endofweek', 'endofyear',
  'getmonth', 'getyear', 'hourofday', 'make_datetime', 'make_timespan', 'now', 'startofday', 'startofmonth', 'startofweek', 'startofyear', 'weekofyear',
  // dynamic
  'array_concat', 'array_length', 'pack_array', 'pack', 'parse_json', 'parse_xml', 'zip',
  // math
  'abs', 'bin', 'floor', 'ceiling', 'exp', 'exp10', 'exp2', 'isfinite', 'isinf', 'isnan', 'log', 'log10', 'log2', 'pow', 'round', 'sign',
  // conditional
  'case', 'iif', 'iff', 'max_of', 'min_of',
  // string
  'base64_encodestring', 'base64_decodestring', 'countof', 'extract', 'extract_all', 'indexof', 'isempty', 'isnotempty', 'split', 'strcat', 'strcat_delim',
  'strlen', 'substring', 'tolower', 'toupper', 'hash_sha256',
  // type
  'gettype', 'isnotnull', 'isnull',
  // bitwise
  'binary_and', 'binary_or', 'binary_xor', 'binary_not', 'binary_shift_left', 'binary_shift_right',
  // transformation-only
  'parse_cef_dictionary', 'columnifexists',
  // logical
  'not',
];


const FUNCTIONS = new Set([...AZURE_FUNCTIONS, ...MASKING_FUNCTION_NAMES]);

/** Functions Azure allows that Vigil cannot evaluate faithfully: refused with the reason. */
const UNAVAILABLE: Record<string, string> = {};

export class UnsupportedTransformError extends KqlError {}

/** What this server can evaluate beyond the fixed subset. */
export interface TransformFeatures {
  /** A GeoIP database was given (`vigil serve --geoip-database`): geo_location() is available. */
  geoLocation?: boolean;
}

const NO_GEO = 'geo_location() needs an IP geolocation database: start Vigil with --geoip-database <file.mmdb> (a GeoLite2-City or compatible MaxMind DB file), or enrich the data before sending it';

function refuse(source: SourceText, span: Span, what: string): never {
  const { line, column } = source.position(span.start);
  throw new UnsupportedTransformError('SemanticError', `${what} is not supported in a transformation (line ${line}, column ${column}); supported: source, print, datatable, let of scalars, ${[...OPERATORS].join(', ')} and the scalar functions listed in the README`, line, column, source.slice(span));
}

/** Throws UnsupportedTransformError at the first construct outside the subset. */
export function checkTransformSubset(ast: A.QueryAst, source: SourceText, features: TransformFeatures = {}): void {
  const tabularLets = new Set<string>();
  // Names callable besides the fixed list: the let functions, and geo_location() when there is a GeoIP database.
  const scalarFns = new Set<string>(features.geoLocation ? ['geo_location'] : []);
  let sawBody = false;
  for (const st of ast.statements) {
    if (st.kind === 'set') refuse(source, st.span, `'set ${st.name}'`);
    if (st.kind === 'let') {
      const v = st.value;
      if (v.kind === 'function') {
        if (v.view) refuse(source, v.span, 'a view');
        for (const p of v.params) {
          if (p.type === 'tabular') refuse(source, p.span, `the tabular parameter '${p.name}'`);
          if (p.default) checkExpr(p.default, source, scalarFns);
        }
        if (v.lets.length > 0) refuse(source, v.lets[0]!.span, 'a let inside a function body');
        if (isTabular(v.body)) refuse(source, v.span, 'a function with a tabular body');
        checkExpr(v.body as A.Expr, source, scalarFns);
        scalarFns.add(st.name);
      } else if (isTabular(v)) {
        checkTabular(v, source, tabularLets, scalarFns);
        tabularLets.add(st.name);
      } else {
        checkExpr(v, source, scalarFns);
      }
      continue;
    }
    sawBody = true;
    checkTabular(st.expr, source, tabularLets, scalarFns);
  }
  if (!sawBody) refuse(source, ast.span, 'a transformation without a tabular expression');
}

const TABULAR_KINDS = new Set(['tableRef', 'datatable', 'print', 'range', 'pipe', 'tcall', 'qref', 'unionSource', 'searchSource']);
function isTabular(x: A.Expr | A.TabularExpr): x is A.TabularExpr {
  return TABULAR_KINDS.has(x.kind);
}

function checkTabular(t: A.TabularExpr, source: SourceText, lets: Set<string>, fns: Set<string>): void {
  switch (t.kind) {
    case 'tableRef':
      if (t.name !== 'source' && !lets.has(t.name)) refuse(source, t.span, `the table '${t.name}' (a transformation reads only 'source')`);
      return;
    case 'datatable':
      if (t.external) refuse(source, t.span, 'externaldata');
      for (const v of t.values) checkExpr(v, source, fns);
      return;
    case 'print':
      for (const i of t.items) checkExpr(i.expr, source, fns);
      return;
    case 'pipe': {
      checkTabular(t.source, source, lets, fns);
      const op = t.op;
      if (!OPERATORS.has(op.kind)) refuse(source, op.span, `the '${op.kind}' operator`);
      switch (op.kind) {
        case 'where': checkExpr(op.predicate, source, fns); break;
        case 'extend': case 'project': for (const i of op.items) checkExpr(i.expr, source, fns); break;
        case 'parse': {
          if (op.parseKind !== 'simple') refuse(source, op.span, `parse kind=${op.parseKind}`);
          const cols = op.parts.filter((p) => p.kind === 'column').length;
          if (cols > 10) refuse(source, op.span, `a parse that extracts ${cols} columns (at most 10)`);
          checkExpr(op.source, source, fns);
          break;
        }
        default: break; // project-away, project-rename: names only
      }
      return;
    }
    case 'tcall': refuse(source, t.span, `the tabular function '${t.name}()'`);
    // eslint-disable-next-line no-fallthrough
    case 'range': refuse(source, t.span, 'range');
    // eslint-disable-next-line no-fallthrough
    case 'qref': refuse(source, t.span, `${t.qkind}()`);
    // eslint-disable-next-line no-fallthrough
    case 'unionSource': refuse(source, t.span, 'union');
    // eslint-disable-next-line no-fallthrough
    case 'searchSource': refuse(source, t.span, 'search');
  }
}

function checkExpr(e: A.Expr, source: SourceText, fns: Set<string>): void {
  switch (e.kind) {
    case 'literal': case 'name': return;
    case 'member': return checkExpr(e.target, source, fns);
    case 'index': checkExpr(e.target, source, fns); return checkExpr(e.index, source, fns);
    case 'unary': return checkExpr(e.operand, source, fns);
    case 'binary':
      if (!BINARY.has(e.op)) refuse(source, e.opSpan, `the operator '${e.op}'`);
      checkExpr(e.left, source, fns);
      return checkExpr(e.right, source, fns);
    case 'in':
      if (e.op !== 'in' && e.op !== '!in') refuse(source, e.span, `the operator '${e.op}'`);
      checkExpr(e.left, source, fns);
      for (const x of e.list) checkExpr(x, source, fns);
      return;
    case 'call': {
      const reason = UNAVAILABLE[e.name] ?? (e.name === 'geo_location' && !fns.has(e.name) ? NO_GEO : undefined);
      if (reason) {
        const { line, column } = source.position(e.nameSpan.start);
        throw new UnsupportedTransformError('SemanticError', `${reason} (line ${line}, column ${column})`, line, column, e.name);
      }
      if (!FUNCTIONS.has(e.name) && !fns.has(e.name)) refuse(source, e.nameSpan, `the function '${e.name}()'`);
      for (const a of e.args) checkExpr(a, source, fns);
      return;
    }
    case 'between': return refuse(source, e.span, `'${e.negated ? '!' : ''}between'`);
    case 'star': return refuse(source, e.span, "'*'");
    case 'subquery': return refuse(source, e.span, 'a subquery');
  }
}
