/**
 * parser.ts — recursive-descent parser from tokens to the AST (ast.ts).
 *
 * Grammar (current slice; new operators are added in `parseOperator`):
 *   query      := statement (';' statement)* ';'?
 *   statement  := 'let' name '=' (tabular | scalar) | tabular
 *   tabular    := source ('|' operator)*
 *   source     := name | ['name'] | datatable(...)[...] | print ... | range x from a to b step c
 *   scalar precedence (low→high): or, and, comparison/string ops/in/between, + -, * / %, unary - +, postfix . [] (), primary
 *
 * Hostile input: the nesting depth of the produced tree and the parser's own
 * recursion are both bounded by MAX_DEPTH, pipelines by MAX_OPERATORS.
 */
import type * as A from './ast.js';
import { KqlError, SourceText, type Span } from './errors.js';
import { tokenize, type Token } from './lexer.js';
import { formatDatetimeTicks, formatTimespanTicks, parseDatetimeText, parseGuidText, parseTimespanText } from './literals.js';
import { parseTypeName, type KqlType } from './types.js';

export const MAX_DEPTH = 120;
export const MAX_OPERATORS = 300;

const COMPARISON_OPS = new Set(['==', '!=', '<>', '<', '<=', '>', '>=', '=~', '!~']);
const STRING_OPS = new Set([
  'contains', '!contains', 'contains_cs', '!contains_cs',
  'has', '!has', 'has_cs', '!has_cs', 'hasprefix', '!hasprefix', 'hasprefix_cs', '!hasprefix_cs',
  'hassuffix', '!hassuffix', 'hassuffix_cs', '!hassuffix_cs',
  'startswith', '!startswith', 'startswith_cs', '!startswith_cs',
  'endswith', '!endswith', 'endswith_cs', '!endswith_cs',
]);
const LIST_STRING_OPS = new Set(['has_any', 'has_all']);
const IN_OPS = new Set(['in', '!in', 'in~', '!in~']);
/** `workspace('id').T`, `resource('id').T`, `app('id').T` */
const QUALIFIERS = new Set(['workspace', 'resource', 'app']);
/**
 * Azure Data Explorer's cross-cluster and cross-database references (`cluster('c').database('d').T`,
 * `database('d').T`, `external_table('t')`, …): parsed with their `.member(…)` chain so that the
 * binder can refuse them with a reason (Log Analytics has workspaces, not clusters or databases).
 */
export const CROSS_SCOPE_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['cluster', 'Log Analytics has no clusters'],
  ['database', 'Log Analytics has no databases'],
  ['external_table', 'external tables are an Azure Data Explorer feature'],
  ['materialized_view', 'materialized views are an Azure Data Explorer feature'],
  ['stored_query_result', 'stored query results are an Azure Data Explorer feature'],
]);

/** The 400 for a cross-cluster or cross-database reference (CROSS_SCOPE_FUNCTIONS). */
export function crossScopeRefusal(name: string): string {
  return `${name}() is not supported: ${CROSS_SCOPE_FUNCTIONS.get(name)}; a query reads the tables of its workspace, and another workspace's with workspace('<workspace id or name>').<table>`;
}
const JOIN_KINDS: Record<string, A.JoinKind> = {
  innerunique: 'innerunique', inner: 'inner', leftouter: 'leftouter', rightouter: 'rightouter', fullouter: 'fullouter',
  leftanti: 'leftanti', anti: 'leftanti', leftantisemi: 'leftanti', rightanti: 'rightanti', rightantisemi: 'rightanti',
  leftsemi: 'leftsemi', rightsemi: 'rightsemi',
};
/** Name of the implicit source of an mv-apply subquery (cannot be written in a query: contains NUL). */
export const MV_APPLY_SOURCE = '\u0000mv-apply';
/** The implicit source of a partition subquery: the rows of one partition. */
export const PARTITION_SOURCE = '\u0000partition';
/** The implicit source of make-graph's `partitioned-by P ( graph operator )` body: the graph of one partition. */
export const GRAPH_PARTITION_SOURCE = '\u0000graphpartition';
/** The input of a fork leg or of facet's `with` pipe. */
export const FORK_SOURCE = '\u0000fork';
/** Pseudo-function names the parser produces for search predicates. */
export const SEARCH_TERM = '\u0000search';

export function parse(text: string): { ast: A.QueryAst; source: SourceText } {
  const source = new SourceText(text);
  const parser = new Parser(source, tokenize(source));
  return { ast: parser.parseQuery(), source };
}

function isTabular(v: A.Expr | A.TabularExpr): v is A.TabularExpr {
  switch (v.kind) {
    case 'tableRef': case 'datatable': case 'print': case 'range': case 'pipe': case 'tcall': case 'qref': case 'unionSource': case 'searchSource':
      return true;
    default:
      return false;
  }
}

type MakeSeriesAgg = A.MakeSeriesOp['aggregates'][number];

class Parser {
  private pos = 0;
  private recursion = 0;
  /** Inside a `where` predicate, where Kusto also reads a single `=` as `==`. */
  private singleEqualsCompares = false;
  private readonly depth = new WeakMap<object, number>();

  constructor(private readonly src: SourceText, private readonly tokens: Token[]) {}

  // ───────────── token helpers ─────────────

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.text === text;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text === word;
  }
  private acceptOp(text: string): Token | undefined {
    return this.isOp(text) ? this.next() : undefined;
  }
  private acceptWord(word: string): Token | undefined {
    return this.isWord(word) ? this.next() : undefined;
  }
  private expectOp(text: string): Token {
    if (!this.isOp(text)) throw this.error(this.peek(), `expected '${text}'`);
    return this.next();
  }
  private expectWord(word: string): Token {
    if (!this.isWord(word)) throw this.error(this.peek(), `expected '${word}'`);
    return this.next();
  }
  private error(t: Token, detail?: string): KqlError {
    return this.src.syntaxError(t.span, detail);
  }
  private span(start: number): Span {
    const prev = this.tokens[Math.max(this.pos - 1, 0)]!;
    return { start, end: Math.max(prev.span.end, start) };
  }

  /** Records the nesting depth of a node, throwing if it exceeds MAX_DEPTH. */
  private nest<T extends object>(node: T, ...children: (object | undefined)[]): T {
    let d = 0;
    for (const c of children) if (c) d = Math.max(d, this.depth.get(c) ?? 1);
    if (d + 1 > MAX_DEPTH) throw this.src.syntaxError((node as { span: Span }).span, `the expression is nested too deeply (limit ${MAX_DEPTH})`);
    this.depth.set(node, d + 1);
    return node;
  }
  private enter(t: Token): void {
    if (++this.recursion > MAX_DEPTH) throw this.src.syntaxError(t.span, `the query is nested too deeply (limit ${MAX_DEPTH})`);
  }
  private leave(): void {
    this.recursion--;
  }

  // ───────────── statements ─────────────

  parseQuery(): A.QueryAst {
    const statements: A.Statement[] = [];
    for (;;) {
      while (this.acceptOp(';'));
      if (this.peek().kind === 'eof') break;
      statements.push(this.parseStatement());
      if (this.peek().kind !== 'eof' && !this.isOp(';')) throw this.error(this.peek());
    }
    if (statements.length === 0) throw this.src.syntaxError({ start: 0, end: 0 }, 'the query is empty');
    return { statements, span: { start: 0, end: this.src.text.length } };
  }

  private parseStatement(): A.Statement {
    const start = this.peek().span.start;
    if (this.isWord('set') && this.peek(1).kind === 'ident' && (this.isOp('=', 2) || this.isOp(';', 2) || this.peek(2).kind === 'eof')) {
      this.next();
      const nameTok = this.next();
      let name = nameTok.text;
      // option names may contain dots (e.g. query_results_cache_max_age) — only plain words here
      const st: A.SetStatement = { kind: 'set', name, span: nameTok.span };
      if (this.acceptOp('=')) st.value = this.parseSetValue();
      st.span = this.span(start);
      name = st.name;
      return st;
    }
    if (this.isWord('let') && this.peek(1).kind === 'ident') {
      this.next();
      const nameTok = this.next();
      this.expectOp('=');
      const value = this.parseLetValue();
      return { kind: 'let', name: nameTok.text, nameSpan: nameTok.span, value, span: this.span(start) };
    }
    if (this.isWord('let') && this.isOp('[', 1)) {
      this.next();
      const { name, span } = this.parseBracketName();
      this.expectOp('=');
      const value = this.parseLetValue();
      return { kind: 'let', name, nameSpan: span, value, span: this.span(start) };
    }
    if (this.isWord('declare') && this.isWord('pattern', 1)) {
      throw this.src.syntaxError(this.peek(1).span, 'the pattern statement (declare pattern) is not supported; define the tables with let statements or a stored function instead');
    }
    const expr = this.parseTabular();
    return { kind: 'tabular', expr, span: this.span(start) };
  }

  /** `set x = value`: a literal, or a bare word taken as a string. */
  private parseSetValue(): A.Expr {
    const t = this.peek();
    if (t.kind === 'ident' && t.text !== 'true' && t.text !== 'false' && !this.isOp('(', 1)) {
      this.next();
      return { kind: 'literal', type: 'string', value: t.text, span: t.span };
    }
    return this.parseExpr();
  }

  /** A let value: a function definition, a tabular expression, or a scalar expression. */
  private parseLetValue(): A.Expr | A.TabularExpr | A.FunctionDef {
    if (this.startsFunctionDef()) return this.parseFunctionDef();
    return this.parseExprOrTabular();
  }

  private startsFunctionDef(): boolean {
    let k = 0;
    if (this.isWord('view') && this.isOp('(', 1)) k = 1;
    if (!this.isOp('(', k)) return false;
    if (this.isOp(')', k + 1) && this.isOp('{', k + 2)) return true;
    return this.peek(k + 1).kind === 'ident' && this.isOp(':', k + 2);
  }

  /** `[view] (a:long, T:(x:string), b:string = "d") { [let …;]* expr }` */
  private parseFunctionDef(): A.FunctionDef {
    const start = this.peek().span.start;
    const view = !!this.acceptWord('view');
    const open = this.expectOp('(');
    this.enter(open);
    const params: A.FunctionParam[] = [];
    if (!this.isOp(')')) {
      do {
        const n = this.peek();
        if (n.kind !== 'ident') throw this.error(n, 'expected a parameter name');
        this.next();
        this.expectOp(':');
        if (this.isOp('(')) {
          this.next();
          const columns: { name: string; type: KqlType }[] = [];
          if (this.acceptOp('*')) {
            // (*) — any schema
          } else if (!this.isOp(')')) {
            do {
              const c = this.parseColumnName();
              this.expectOp(':');
              columns.push({ name: c.name, type: this.parseTypeWord() });
            } while (this.acceptOp(','));
          }
          this.expectOp(')');
          params.push({ name: n.text, span: n.span, type: 'tabular', columns });
        } else {
          const type = this.parseTypeWord();
          const p: A.FunctionParam = { name: n.text, span: n.span, type };
          if (this.acceptOp('=')) p.default = this.parseExpr();
          params.push(p);
        }
      } while (this.acceptOp(','));
    }
    this.expectOp(')');
    this.expectOp('{');
    const lets: A.LetStatement[] = [];
    let body: A.Expr | A.TabularExpr | undefined;
    for (;;) {
      while (this.acceptOp(';'));
      if (this.isOp('}')) break;
      if (body !== undefined) throw this.error(this.peek(), "expected '}'");
      const st = this.peek().span.start;
      if (this.isWord('let') && (this.peek(1).kind === 'ident' || this.isOp('[', 1))) {
        this.next();
        const { name, span } = this.isOp('[') ? this.parseBracketName() : { name: this.peek().text, span: this.next().span };
        this.expectOp('=');
        const value = this.parseLetValue();
        lets.push({ kind: 'let', name, nameSpan: span, value, span: this.span(st) });
        if (!this.isOp(';') && !this.isOp('}')) throw this.error(this.peek(), "expected ';'");
        continue;
      }
      body = this.parseExprOrTabular();
    }
    if (body === undefined) throw this.error(this.peek(), 'the function body has no expression');
    this.expectOp('}');
    this.leave();
    return { kind: 'function', params, lets, body, view, span: this.span(start) };
  }

  /** A scalar type name (`long`, `string`, …); `typeof(T)` is accepted too. */
  private parseTypeWord(): KqlType {
    const t = this.peek();
    if (t.kind === 'ident' && t.text === 'typeof' && this.isOp('(', 1)) {
      this.next();
      this.next();
      const ty = this.parseTypeWord();
      this.expectOp(')');
      return ty;
    }
    if (t.kind === 'typed' && t.typeName && parseTypeName(t.typeName) && t.value === '') {
      // `datetime()`-style token cannot appear here; fall through to the error
    }
    const type = t.kind === 'ident' ? parseTypeName(t.text) : t.kind === 'typed' ? undefined : undefined;
    if (!type) throw this.error(t, 'expected a scalar type name');
    this.next();
    return type;
  }

  /** A scalar expression, or a tabular expression (a tabular source, or an expression followed by a pipe). */
  private parseExprOrTabular(): A.Expr | A.TabularExpr {
    if (this.startsTabularSource()) return this.parseTabular();
    const startTok = this.peek();
    const expr = this.parseExpr();
    if (this.isOp('|')) {
      const source = this.exprToTabularSource(expr, startTok);
      return this.parsePipeTail(source);
    }
    return expr;
  }

  private startsTabularSource(): boolean {
    if ((this.isWord('datatable') || this.isWord('externaldata') || this.isWord('external_data')) && this.isOp('(', 1)) return true;
    if (this.isWord('print')) return true;
    if (this.isWord('range') && this.peek(1).kind === 'ident' && this.isWord('from', 2)) return true;
    if (this.isWord('union') && !this.isOp(')', 1) && !this.isOp(',', 1) && !this.isOp('|', 1) && this.peek(1).kind !== 'eof' && !this.isOp(';', 1)) return true;
    if (this.startsSearch()) return true;
    if (this.startsFind()) return true;
    // cluster('c').database('d').T … (refused by the binder, with its reason)
    if (this.peek().kind === 'ident' && CROSS_SCOPE_FUNCTIONS.has(this.peek().text) && this.isOp('(', 1)) return true;
    return false;
  }

  /** `search "term"`, `search in (…)`, `search kind=…`, `search *`, `search Col:"term"`, `search Col == …` (not a table or let name `search`). */
  private startsSearch(): boolean {
    if (!this.isWord('search')) return false;
    const n = this.peek(1);
    if (n.kind === 'string' || this.isWord('in', 1) || this.isWord('kind', 1) || this.isOp('*', 1) || this.isOp('(', 1)) return true;
    if (this.isWord('not', 1) && this.isOp('(', 2)) return true;
    return n.kind === 'ident' && (this.isOp(':', 2) || (this.peek(2).kind === 'op' && COMPARISON_OPS.has(this.peek(2).text)) || (this.peek(2).kind === 'ident' && STRING_OPS.has(this.peek(2).text)));
  }

  /** `find "term"`, `find in (…)`, `find withsource=…`, `find where …`, `find Col == …` (not a table or let name `find`). */
  private startsFind(): boolean {
    if (!this.isWord('find')) return false;
    const n = this.peek(1);
    if (n.kind === 'string') return true;
    if (this.isWord('in', 1) && this.isOp('(', 2)) return true;
    if ((this.isWord('withsource', 1) && this.isOp('=', 2)) || this.isWord('where', 1)) return true;
    return n.kind === 'ident' && (this.isOp('*', 1) || (this.peek(2).kind === 'op' && COMPARISON_OPS.has(this.peek(2).text)) || (this.peek(2).kind === 'ident' && STRING_OPS.has(this.peek(2).text)));
  }

  private exprToTabularSource(expr: A.Expr, tok: Token): A.TabularExpr {
    if (expr.kind === 'name') return { kind: 'tableRef', name: expr.name, span: expr.span };
    if (expr.kind === 'subquery') return expr.query;
    if (expr.kind === 'call') return { kind: 'tcall', name: expr.name, nameSpan: expr.nameSpan, args: expr.args, span: expr.span };
    if (expr.kind === 'member' && expr.target.kind === 'call' && QUALIFIERS.has(expr.target.name)) {
      const arg = expr.target.args[0];
      if (expr.target.args.length !== 1 || arg?.kind !== 'literal' || arg.type !== 'string') throw this.error(tok, `${expr.target.name}() expects one string literal`);
      return { kind: 'qref', qkind: expr.target.name as A.QualifiedRefNode['qkind'], id: String(arg.value), table: expr.name, span: expr.span };
    }
    throw this.error(tok, 'expected a tabular expression');
  }

  // ───────────── tabular expressions ─────────────

  private parseTabular(): A.TabularExpr {
    return this.parsePipeTail(this.parseSource());
  }

  private parsePipeTail(source: A.TabularExpr): A.TabularExpr {
    let expr = source;
    let count = 0;
    while (this.isOp('|')) {
      const pipe = this.next();
      if (++count > MAX_OPERATORS) throw this.error(pipe, `the pipeline is too long (limit ${MAX_OPERATORS} operators)`);
      const op = this.parseOperator();
      expr = { kind: 'pipe', source: expr, op, span: { start: source.span.start, end: op.span.end } };
    }
    return expr;
  }

  private parseSource(): A.TabularExpr {
    const t = this.peek();
    const start = t.span.start;
    if (t.kind === 'ident') {
      if (this.isWord('datatable') && this.isOp('(', 1)) return this.parseDatatable();
      if ((this.isWord('externaldata') || this.isWord('external_data')) && this.isOp('(', 1)) return this.parseDatatable(true); // external_data: externaldata's other spelling (ipv4-lookup-plugin.md)
      if (this.isWord('print')) {
        this.next();
        const items = this.parseNamedExprList();
        return { kind: 'print', items, span: this.span(start) };
      }
      if (this.isWord('range') && this.peek(1).kind === 'ident' && this.isWord('from', 2)) {
        this.next();
        const column = this.next().text;
        this.expectWord('from');
        const from = this.parseExpr();
        this.expectWord('to');
        const to = this.parseExpr();
        this.expectWord('step');
        const step = this.parseExpr();
        return { kind: 'range', column, from, to, step, span: this.span(start) };
      }
      if (this.isWord('union') && this.startsTabularSource()) {
        this.next();
        const op = this.parseUnionOp(start);
        return { kind: 'unionSource', op, span: op.span };
      }
      if (this.isWord('search') && this.startsTabularSource()) {
        this.next();
        const op = this.parseSearchOp(start);
        return { kind: 'searchSource', op, span: op.span };
      }
      if (this.startsFind()) {
        this.next();
        const op = this.parseFindOp(start);
        return { kind: 'searchSource', op, span: op.span };
      }
      if (this.isOp('(', 1)) {
        this.next();
        const args = this.parseCallArgs();
        const span = this.span(start);
        if (CROSS_SCOPE_FUNCTIONS.has(t.text)) {
          // the rest of the reference: .database('d').T, .T, and find's wildcards .*, .C* …
          while (this.isOp('.')) {
            this.next();
            if (this.isOp('*')) {
              this.next();
              continue;
            }
            this.parseColumnName();
            if (this.isOp('*') && !this.peek().spaceBefore) this.next();
            if (this.isOp('(')) this.parseCallArgs();
          }
          return { kind: 'tcall', name: t.text, nameSpan: t.span, args, span: this.span(start) };
        }
        if (QUALIFIERS.has(t.text)) {
          if (args.length !== 1 || args[0]!.kind !== 'literal' || (args[0] as A.LiteralExpr).type !== 'string') throw this.src.syntaxError(span, `${t.text}() expects one string literal`);
          this.expectOp('.');
          const table = this.parseColumnName();
          return { kind: 'qref', qkind: t.text as A.QualifiedRefNode['qkind'], id: String((args[0] as A.LiteralExpr).value), table: table.name, span: this.span(start) };
        }
        return { kind: 'tcall', name: t.text, nameSpan: t.span, args, span };
      }
      this.next();
      return { kind: 'tableRef', name: t.text, span: t.span };
    }
    if (this.isOp('[')) {
      const { name, span } = this.parseBracketName();
      return { kind: 'tableRef', name, span };
    }
    if (this.isOp('(')) {
      this.enter(t);
      this.next();
      const inner = this.parseTabular();
      this.expectOp(')');
      this.leave();
      return inner;
    }
    throw this.error(t);
  }

  /** `['name']` or `["name"]` */
  private parseBracketName(): { name: string; span: Span } {
    const open = this.expectOp('[');
    const s = this.peek();
    if (s.kind !== 'string') throw this.error(s, 'expected a quoted name');
    this.next();
    let name = s.value!;
    while (this.peek().kind === 'string') name += this.next().value!;
    this.expectOp(']');
    return { name, span: this.span(open.span.start) };
  }

  /** `datatable (schema) [values]`, or `externaldata (schema) [uris] [with (name = value, …)]`. */
  private parseDatatable(external = false): A.DatatableNode {
    const start = this.next().span.start; // datatable / externaldata
    this.expectOp('(');
    const columns: A.DatatableNode['columns'] = [];
    if (!this.isOp(')')) {
      do {
        const { name, span } = this.parseColumnName();
        this.expectOp(':');
        const typeTok = this.next();
        const type = typeTok.kind === 'ident' ? parseTypeName(typeTok.text) : typeTok.kind === 'typed' ? undefined : undefined;
        if (!type) throw this.error(typeTok, 'expected a scalar type name');
        columns.push({ name, type, span });
      } while (this.acceptOp(','));
    }
    this.expectOp(')');
    this.expectOp('[');
    const values: A.Expr[] = [];
    if (!this.isOp(']')) {
      do {
        if (this.isOp(']')) break; // trailing comma
        values.push(this.parseExpr());
      } while (this.acceptOp(','));
    }
    this.expectOp(']');
    if (external) {
      if (this.acceptWord('with')) {
        this.expectOp('(');
        if (!this.isOp(')')) {
          do {
            this.parseColumnName(); // the property name
            this.expectOp('=');
            this.parseExpr();
          } while (this.acceptOp(','));
        }
        this.expectOp(')');
      }
      return { kind: 'datatable', columns, values: [], span: this.span(start), external: true };
    }
    return { kind: 'datatable', columns, values, span: this.span(start) };
  }

  private parseColumnName(): { name: string; span: Span } {
    if (this.isOp('[')) return this.parseBracketName();
    const t = this.peek();
    if (t.kind !== 'ident') throw this.error(t, 'expected a column name');
    this.next();
    return { name: t.text, span: t.span };
  }

  // ───────────── operators ─────────────

  /** `( op | op … )`: operators applied to an implicit source (mv-apply's rows, a partition's subtable). */
  private parseSubqueryOn(source: string): A.TabularExpr {
    const open = this.expectOp('(');
    this.enter(open);
    let body: A.TabularExpr = { kind: 'tableRef', name: source, span: open.span };
    do {
      const o = this.parseOperator();
      body = { kind: 'pipe', source: body, op: o, span: { start: open.span.start, end: o.span.end } };
    } while (this.acceptOp('|'));
    this.expectOp(')');
    this.leave();
    return body;
  }

  private parseOperator(): A.Operator {
    const t = this.peek();
    const start = t.span.start;
    if (t.kind !== 'ident') throw this.error(t);
    switch (t.text) {
      case 'where':
      case 'filter': {
        this.next();
        const saved = this.singleEqualsCompares;
        this.singleEqualsCompares = true;
        let predicate: A.Expr;
        try {
          predicate = this.parseExpr();
        } finally {
          this.singleEqualsCompares = saved;
        }
        return { kind: 'where', predicate, span: this.span(start) };
      }
      case 'project': {
        this.next();
        return { kind: 'project', items: this.parseNamedExprList(), span: this.span(start) };
      }
      case 'extend': {
        this.next();
        return { kind: 'extend', items: this.parseNamedExprList(), span: this.span(start) };
      }
      case 'summarize': {
        this.next();
        this.skipHints();
        const aggregates = this.isWord('by') ? [] : this.parseNamedExprList();
        let by: A.NamedExpr[] = [];
        if (this.acceptWord('by')) by = this.parseNamedExprList();
        if (aggregates.length === 0 && by.length === 0) throw this.error(this.peek(), 'expected an aggregate or a by clause');
        return { kind: 'summarize', aggregates, by, span: this.span(start) };
      }
      case 'take':
      case 'limit': {
        this.next();
        this.skipHints();
        return { kind: 'take', count: this.parseExpr(), span: this.span(start) };
      }
      case 'sort':
      case 'order': {
        this.next();
        this.skipHints();
        this.expectWord('by');
        const keys: A.SortKey[] = [];
        do keys.push(this.parseSortKey());
        while (this.acceptOp(','));
        return { kind: 'sort', keys, span: this.span(start) };
      }
      case 'top': {
        this.next();
        const count = this.parseExpr();
        this.expectWord('by');
        const key = this.parseSortKey();
        return { kind: 'top', count, key, span: this.span(start) };
      }
      case 'count': {
        this.next();
        return { kind: 'count', span: this.span(start) };
      }
      case 'distinct': {
        this.next();
        if (this.acceptOp('*')) return { kind: 'distinct', items: [], star: true, span: this.span(start) };
        return { kind: 'distinct', items: this.parseNamedExprList(), star: false, span: this.span(start) };
      }
      case 'project-away':
      case 'project-keep': {
        this.next();
        const patterns: A.NamePattern[] = [];
        do patterns.push(this.parseNamePattern());
        while (this.acceptOp(','));
        return { kind: t.text, patterns, span: this.span(start) };
      }
      case 'project-by-names': {
        this.next();
        const specs: A.Expr[] = [];
        do specs.push(this.parseExpr());
        while (this.acceptOp(','));
        return { kind: 'project-by-names', specs, span: this.span(start) };
      }
      case 'project-reorder': {
        this.next();
        const patterns: A.ProjectReorderOp['patterns'] = [];
        do {
          const pattern = this.parseNamePattern();
          const order = this.acceptWord('asc') ? 'asc' : this.acceptWord('desc') ? 'desc' : undefined;
          patterns.push(order ? { pattern, order } : { pattern });
        } while (this.acceptOp(','));
        return { kind: 'project-reorder', patterns, span: this.span(start) };
      }
      case 'project-rename': {
        this.next();
        const renames: A.ProjectRenameOp['renames'] = [];
        do {
          const s = this.peek().span.start;
          const n = this.parseColumnName();
          this.expectOp('=');
          const o = this.parseColumnName();
          renames.push({ newName: n.name, oldName: o.name, span: this.span(s) });
        } while (this.acceptOp(','));
        return { kind: 'project-rename', renames, span: this.span(start) };
      }
      case 'render': {
        this.next();
        const vt = this.peek();
        if (vt.kind !== 'ident') throw this.error(vt, 'expected a visualization name');
        this.next();
        const properties: A.RenderOp['properties'] = [];
        if (this.acceptWord('with')) {
          this.expectOp('(');
          if (!this.isOp(')')) {
            do {
              const p = this.peek();
              if (p.kind !== 'ident') throw this.error(p, 'expected a property name');
              this.next();
              this.expectOp('=');
              properties.push({ name: p.text, value: this.parseRenderValue() });
            } while (this.acceptOp(','));
          }
          this.expectOp(')');
        }
        return { kind: 'render', visualization: vt.text, properties, span: this.span(start) };
      }
      case 'union':
        this.next();
        return this.parseUnionOp(start);
      case 'join': {
        this.next();
        let joinKind: A.JoinKind = 'innerunique';
        for (;;) {
          if (this.isWord('kind') && this.isOp('=', 1)) {
            this.next();
            this.next();
            const k = this.next();
            const jk = Object.prototype.hasOwnProperty.call(JOIN_KINDS, k.text) ? JOIN_KINDS[k.text] : undefined;
            if (k.kind !== 'ident' || !jk) throw this.error(k, 'unknown join kind');
            joinKind = jk;
            continue;
          }
          if (this.skipOneHint()) continue;
          break;
        }
        const { right, on } = this.parseRightOn();
        return { kind: 'join', joinKind, right, on, span: this.span(start) };
      }
      case 'lookup': {
        this.next();
        let lookupKind: 'leftouter' | 'inner' = 'leftouter';
        for (;;) {
          if (this.isWord('kind') && this.isOp('=', 1)) {
            this.next();
            this.next();
            const k = this.next();
            if (k.text !== 'leftouter' && k.text !== 'inner') throw this.error(k, "lookup kind must be 'leftouter' or 'inner'");
            lookupKind = k.text;
            continue;
          }
          if (this.skipOneHint()) continue;
          break;
        }
        const { right, on } = this.parseRightOn();
        return { kind: 'lookup', lookupKind, right, on, span: this.span(start) };
      }
      case 'as': {
        this.next();
        while (this.skipOneHint());
        const n = this.parseColumnName();
        return { kind: 'as', name: n.name, span: this.span(start) };
      }
      case 'serialize': {
        this.next();
        const items = this.atOperatorEnd() ? [] : this.parseNamedExprList();
        return { kind: 'serialize', items, span: this.span(start) };
      }
      case 'mv-expand':
      case 'mvexpand': {
        this.next();
        let bagKind: 'bag' | 'array' = 'bag';
        let itemIndex: string | undefined;
        for (;;) {
          if ((this.isWord('kind') || this.isWord('bagexpansion')) && this.isOp('=', 1)) {
            this.next();
            this.next();
            const k = this.next();
            if (k.text !== 'bag' && k.text !== 'array') throw this.error(k, "expected 'bag' or 'array'");
            bagKind = k.text;
            continue;
          }
          if (this.isWord('with_itemindex') && this.isOp('=', 1)) {
            this.next();
            this.next();
            itemIndex = this.parseColumnName().name;
            continue;
          }
          if (this.skipOneHint()) continue;
          break;
        }
        const items = this.parseMvItems();
        const op: A.MvExpandOp = { kind: 'mv-expand', bagKind, items, span: this.span(start) };
        if (itemIndex !== undefined) op.itemIndex = itemIndex;
        if (this.acceptWord('limit')) op.limit = this.parseExpr();
        else if (t.text === 'mvexpand') op.limit = { kind: 'literal', type: 'long', value: 128n, span: t.span };
        op.span = this.span(start);
        return op;
      }
      case 'partition': {
        this.next();
        while (this.skipOneHint());
        this.expectWord('by');
        const col = this.parseColumnName();
        if (this.isOp('{')) {
          const open = this.expectOp('{');
          this.enter(open);
          const body = this.parseTabular();
          this.expectOp('}');
          this.leave();
          return { kind: 'partition', column: col.name, columnSpan: col.span, body, withSource: true, span: this.span(start) };
        }
        const body = this.parseSubqueryOn(PARTITION_SOURCE);
        return { kind: 'partition', column: col.name, columnSpan: col.span, body, withSource: false, span: this.span(start) };
      }
      case 'top-hitters': {
        this.next();
        const count = this.parseExpr();
        this.expectWord('of');
        const value = this.parseExpr();
        const op: A.TopHittersOp = { kind: 'top-hitters', count, value, span: this.span(start) };
        if (this.acceptWord('by')) op.by = this.parseExpr();
        op.span = this.span(start);
        return op;
      }
      case 'scan':
        return this.parseScanOp(start);
      case 'make-graph':
        return this.parseMakeGraph(start);
      case 'graph-match':
      case 'graph-shortest-paths':
        return this.parseGraphMatch(start);
      case 'graph-to-table':
        return this.parseGraphToTable(start);
      case 'graph-mark-components': {
        this.next();
        const op: A.GraphMarkComponentsOp = { kind: 'graph-mark-components', componentKind: 'weak', column: 'ComponentId', span: this.span(start) };
        for (;;) {
          if (this.isWord('kind') && this.isOp('=', 1)) {
            this.next();
            this.next();
            const k = this.next();
            if (k.text !== 'weak' && k.text !== 'strong') throw this.error(k, "graph-mark-components: kind must be 'weak' or 'strong'");
            op.componentKind = k.text;
          } else if (this.isWord('with_component_id') && this.isOp('=', 1)) {
            this.next();
            this.next();
            op.column = this.parseColumnName().name;
          } else break;
        }
        op.span = this.span(start);
        return op;
      }
      case 'reduce': {
        // reduce-operator.md: reduce [kind=source] by Expr [with [threshold=T] [, characters=C]]
        this.next();
        const op: A.ReduceOp = { kind: 'reduce', source: false, by: { kind: 'name', name: '', span: t.span }, options: [], span: t.span };
        if (this.isWord('kind') && this.isOp('=', 1)) {
          this.next();
          this.next();
          const k = this.next();
          if (k.kind !== 'ident' || k.text !== 'source') throw this.error(k, "reduce: the only kind is 'source'");
          op.source = true;
        }
        this.expectWord('by');
        op.by = this.parseExpr();
        if (this.acceptWord('with')) {
          do {
            const n = this.peek();
            if (n.kind !== 'ident') throw this.error(n, 'expected threshold or characters');
            this.next();
            this.expectOp('=');
            op.options.push({ name: n.text, value: this.parseExpr(), span: this.span(n.span.start) });
          } while (this.acceptOp(','));
        }
        op.span = this.span(start);
        return op;
      }
      case 'fork': {
        this.next();
        const legs: A.ForkOp['legs'] = [];
        while (this.isOp('(') || (this.peek().kind === 'ident' && this.isOp('=', 1) && this.isOp('(', 2))) {
          const legStart = this.peek().span.start;
          let name: string | undefined;
          if (!this.isOp('(')) {
            name = this.next().text;
            this.expectOp('=');
          }
          const body = this.parseSubqueryOn(FORK_SOURCE);
          legs.push({ ...(name !== undefined ? { name } : {}), body, span: this.span(legStart) });
        }
        if (legs.length === 0) throw this.error(this.peek(), "fork: expected a subquery '( … )'");
        return { kind: 'fork', legs, span: this.span(start) };
      }
      case 'facet': {
        this.next();
        this.expectWord('by');
        const columns: A.FacetOp['columns'] = [];
        do columns.push(this.parseColumnName());
        while (this.acceptOp(','));
        const op: A.FacetOp = { kind: 'facet', columns, span: this.span(start) };
        if (this.acceptWord('with')) op.body = this.parseSubqueryOn(FORK_SOURCE);
        op.span = this.span(start);
        return op;
      }
      case 'consume': {
        this.next();
        while (this.isWord('decodeblocks') && this.isOp('=', 1)) {
          this.next();
          this.next();
          this.parseExpr();
        }
        return { kind: 'consume', span: this.span(start) };
      }
      case 'mv-apply': {
        this.next();
        let itemIndex: string | undefined;
        for (;;) {
          if (this.isWord('with_itemindex') && this.isOp('=', 1)) {
            this.next();
            this.next();
            itemIndex = this.parseColumnName().name;
            continue;
          }
          if (this.skipOneHint()) continue;
          break;
        }
        const items = this.parseMvItems();
        let limit: A.Expr | undefined;
        if (this.acceptWord('limit')) limit = this.parseExpr();
        this.expectWord('on');
        const body = this.parseSubqueryOn(MV_APPLY_SOURCE);
        const op: A.MvApplyOp = { kind: 'mv-apply', items, body, span: this.span(start) };
        if (itemIndex !== undefined) op.itemIndex = itemIndex;
        if (limit) op.limit = limit;
        return op;
      }
      case 'parse':
      case 'parse-where': {
        this.next();
        let parseKind: 'simple' | 'regex' | 'relaxed' = 'simple';
        let flags: string | undefined;
        for (;;) {
          if (this.isWord('kind') && this.isOp('=', 1)) {
            this.next();
            this.next();
            const k = this.next();
            if (k.text !== 'simple' && k.text !== 'regex' && k.text !== 'relaxed') throw this.error(k, "expected 'simple', 'regex' or 'relaxed'");
            parseKind = k.text;
            continue;
          }
          if (this.isWord('flags') && this.isOp('=', 1)) {
            this.next();
            this.next();
            const f = this.next();
            if (f.kind !== 'ident' || !/^[imsU]+$/.test(f.text)) throw this.error(f, 'invalid regex flags');
            flags = f.text;
            continue;
          }
          break;
        }
        const source = this.parseExpr();
        this.expectWord('with');
        const parts: A.ParsePart[] = [];
        while (!this.atOperatorEnd()) {
          const p = this.peek();
          if (p.kind === 'string') {
            let value = '';
            while (this.peek().kind === 'string') value += this.next().value!;
            parts.push({ kind: 'text', value, span: this.span(p.span.start) });
          } else if (this.isOp('*')) {
            this.next();
            parts.push({ kind: 'star', span: p.span });
          } else if (p.kind === 'ident' || this.isOp('[')) {
            const c = this.parseColumnName();
            let type: KqlType = 'string';
            if (this.acceptOp(':')) type = this.parseTypeWord();
            parts.push({ kind: 'column', name: c.name, type, span: c.span });
          } else if (this.isOp(',')) {
            this.next(); // parse allows commas between pattern parts
          } else throw this.error(p, 'expected a string, * or a column name');
        }
        if (parts.length === 0) throw this.error(this.peek(), 'expected a parse pattern');
        const op: A.ParseOp = { kind: t.text, parseKind, source, parts, span: this.span(start) };
        if (flags) op.flags = flags;
        return op;
      }
      case 'parse-kv': {
        this.next();
        const source = this.parseExpr();
        this.expectWord('as');
        this.expectOp('(');
        const columns: A.ParseKvOp['columns'] = [];
        do {
          const c = this.parseColumnName();
          let type: KqlType = 'string';
          if (this.acceptOp(':')) type = this.parseTypeWord();
          columns.push({ name: c.name, type, span: c.span });
        } while (this.acceptOp(','));
        this.expectOp(')');
        const options: A.ParseKvOp['options'] = [];
        if (this.acceptWord('with')) {
          this.expectOp('(');
          if (!this.isOp(')')) {
            do {
              const n = this.peek();
              if (n.kind !== 'ident') throw this.error(n, 'expected an option name');
              this.next();
              this.expectOp('=');
              options.push({ name: n.text, value: this.parseExpr(), span: this.span(n.span.start) });
            } while (this.acceptOp(','));
          }
          this.expectOp(')');
        }
        return { kind: 'parse-kv', source, columns, options, span: this.span(start) };
      }
      case 'make-series': {
        this.next();
        let nonEmpty = false;
        while ((this.isWord('kind') && this.isOp('=', 1)) || this.skipOneHint()) {
          if (this.isWord('kind')) {
            this.next();
            this.next();
            const k = this.next();
            if (k.text !== 'nonempty') throw this.error(k, "expected 'nonempty'");
            nonEmpty = true;
          }
        }
        const aggregates: MakeSeriesAgg[] = [];
        do {
          const item = this.parseNamedExpr();
          const a: MakeSeriesAgg = { item };
          if (this.acceptWord('default')) {
            this.expectOp('=');
            a.default = this.parseExpr();
          }
          aggregates.push(a);
        } while (this.acceptOp(','));
        this.expectWord('on');
        let onName: string | undefined;
        if (this.peek().kind === 'ident' && this.isOp('=', 1)) {
          onName = this.next().text;
          this.next();
        }
        // the axis is parsed below the comparison level so that `in range(…)` isn't taken as the `in` operator
        const onExpr = this.parseAdditive();
        const op: A.MakeSeriesOp = { kind: 'make-series', aggregates, on: onExpr, step: onExpr, by: [], span: t.span, ...(nonEmpty ? { nonEmpty } : {}) };
        if (onName !== undefined) op.onName = onName;
        if (this.isWord('in') && this.isWord('range', 1)) {
          this.next();
          this.next();
          this.expectOp('(');
          op.from = this.parseExpr();
          this.expectOp(',');
          op.to = this.parseExpr();
          this.expectOp(',');
          op.step = this.parseExpr();
          this.expectOp(')');
          op.inRange = true;
        } else {
          if (this.acceptWord('from')) op.from = this.parseExpr();
          if (this.acceptWord('to')) op.to = this.parseExpr();
          this.expectWord('step');
          op.step = this.parseExpr();
        }
        if (this.acceptWord('by')) op.by = this.parseNamedExprList();
        op.span = this.span(start);
        return op;
      }
      case 'search':
        this.next();
        return this.parseSearchOp(start);
      case 'getschema':
        this.next();
        return { kind: 'getschema', span: this.span(start) };
      case 'sample': {
        this.next();
        while (this.skipOneHint());
        return { kind: 'sample', count: this.parseExpr(), span: this.span(start) };
      }
      case 'sample-distinct': {
        this.next();
        while (this.skipOneHint());
        const count = this.parseExpr();
        this.expectWord('of');
        const column = this.parseExpr();
        return { kind: 'sample-distinct', count, column, span: this.span(start) };
      }
      case 'top-nested': {
        const levels: A.TopNestedLevel[] = [];
        do {
          const ls = this.peek().span.start;
          this.expectWord('top-nested');
          const level: Partial<A.TopNestedLevel> = {};
          if (!this.isWord('of')) level.count = this.parseExpr();
          this.expectWord('of');
          level.of = this.parseNamedExpr();
          if (this.acceptWord('with')) {
            this.expectWord('others');
            this.expectOp('=');
            level.others = this.parseExpr();
          }
          this.expectWord('by');
          level.by = this.parseNamedExpr();
          if (this.acceptWord('asc')) level.order = 'asc';
          else if (this.acceptWord('desc')) level.order = 'desc';
          level.span = this.span(ls);
          levels.push(level as A.TopNestedLevel);
        } while (this.acceptOp(','));
        return { kind: 'top-nested', levels, span: this.span(start) };
      }
      case 'evaluate': {
        this.next();
        while (this.skipOneHint());
        const p = this.peek();
        if (p.kind !== 'ident' || !this.isOp('(', 1)) throw this.error(p, 'expected a plugin call');
        this.next();
        const args = this.parseCallArgs();
        const op: A.EvaluateOp = { kind: 'evaluate', plugin: p.text, pluginSpan: p.span, args, span: this.span(start) };
        if (this.acceptOp(':')) {
          this.expectOp('(');
          const schema: { name: string; type: KqlType }[] = [];
          do {
            if (this.acceptOp('*')) {
              op.schemaStar = true;
              continue;
            }
            const c = this.parseColumnName();
            this.expectOp(':');
            schema.push({ name: c.name, type: this.parseTypeWord() });
          } while (this.acceptOp(','));
          this.expectOp(')');
          op.schema = schema;
        }
        op.span = this.span(start);
        return op;
      }
      case 'invoke': {
        this.next();
        const c = this.peek();
        if (c.kind !== 'ident' || !this.isOp('(', 1)) throw this.error(c, 'expected a function call');
        const call = this.parseIdentExpr();
        if (call.kind !== 'call') throw this.error(c, 'expected a function call');
        return { kind: 'invoke', call, span: this.span(start) };
      }
      default:
        throw this.error(t);
    }
  }

  /** make-graph-operator.md: `make-graph Src --> Dst [with T on K [, T2 on K2] | with_node_id=N] [partitioned-by P ( GraphOp )]`. */
  private parseMakeGraph(start: number): A.MakeGraphOp {
    this.expectWord('make-graph');
    const source = this.parseColumnName();
    this.expectOp('-');
    this.expectOp('-');
    this.expectOp('>');
    const target = this.parseColumnName();
    const op: A.MakeGraphOp = { kind: 'make-graph', source, target, nodes: [], span: this.span(start) };
    if (this.isWord('with_node_id')) {
      this.next();
      this.expectOp('=');
      op.nodeId = this.parseColumnName();
    } else if (this.acceptWord('with')) {
      do {
        const s0 = this.peek().span.start;
        const table = this.parseTabular();
        this.expectWord('on');
        const key = this.parseColumnName();
        op.nodes.push({ table, key, span: this.span(s0) });
      } while (this.acceptOp(','));
    }
    if (this.acceptWord('partitioned-by')) {
      const column = this.parseColumnName();
      op.partitionedBy = { column, body: this.parseSubqueryOn(GRAPH_PARTITION_SOURCE) };
    }
    op.span = this.span(start);
    return op;
  }

  /** graph-match-operator.md / graph-shortest-paths-operator.md: `[cycles=…|output=…] Pattern [where C] project …`. */
  private parseGraphMatch(start: number): A.GraphMatchOp {
    const kind = this.next().text as A.GraphMatchOp['kind'];
    const op: A.GraphMatchOp = { kind, sequences: [], project: [], span: this.span(start) };
    for (;;) {
      if (kind === 'graph-match' && this.isWord('cycles') && this.isOp('=', 1)) {
        this.next();
        this.next();
        const c = this.next();
        if (c.text !== 'all' && c.text !== 'none' && c.text !== 'unique_edges') throw this.error(c, "graph-match: cycles must be 'all', 'none' or 'unique_edges'");
        op.cycles = c.text;
      } else if (kind === 'graph-shortest-paths' && this.isWord('output') && this.isOp('=', 1)) {
        this.next();
        this.next();
        const c = this.next();
        if (c.text !== 'any' && c.text !== 'all') throw this.error(c, "graph-shortest-paths: output must be 'any' or 'all'");
        op.output = c.text;
      } else if (this.skipOneHint()) continue;
      else break;
    }
    do op.sequences.push(this.parseGraphSequence());
    while (this.acceptOp(','));
    if (this.acceptWord('where')) op.where = this.parseExpr();
    if (!this.acceptWord('project')) throw this.error(this.peek(), `${kind}: expected 'where' or 'project'`);
    op.project = this.parseNamedExprList();
    op.span = this.span(start);
    return op;
  }

  /** `(a)-[e]->(b)<--()-[p*1..3]-(c)`: nodes and edges alternate, starting and ending with a node. */
  private parseGraphSequence(): A.GraphPatternElement[] {
    const out: A.GraphPatternElement[] = [this.parseGraphNode()];
    while (this.isOp('-') || (this.isOp('<') && this.isOp('-', 1))) {
      const s0 = this.peek().span.start;
      const left = !!this.acceptOp('<');
      this.expectOp('-');
      const edge: A.GraphPatternElement & { kind: 'edge' } = { kind: 'edge', direction: 'any', span: this.span(s0) };
      if (this.acceptOp('[')) {
        if (this.peek().kind === 'ident') edge.name = this.next().text;
        if (this.acceptOp('*')) {
          const bound = () => {
            const t = this.next();
            if (t.kind !== 'int') throw this.error(t, 'expected an integer bound of the variable length edge');
            return Number(t.text);
          };
          const min = bound();
          this.expectOp('..');
          edge.range = { min, max: bound() };
        }
        this.expectOp(']');
        this.expectOp('-');
      } else this.expectOp('-');
      const right = !!this.acceptOp('>');
      if (left && right) throw this.src.syntaxError(this.span(s0), 'a graph edge has one direction: <-[e]- or -[e]->');
      edge.direction = left ? 'in' : right ? 'out' : 'any';
      edge.span = this.span(s0);
      out.push(edge, this.parseGraphNode());
    }
    return out;
  }

  private parseGraphNode(): A.GraphPatternElement {
    const open = this.expectOp('(');
    const node: A.GraphPatternElement = { kind: 'node', span: open.span };
    if (this.peek().kind === 'ident') node.name = this.next().text;
    this.expectOp(')');
    node.span = this.span(open.span.start);
    return node;
  }

  /** graph-to-table-operator.md: `nodes [as N] [with_node_id=C]` and/or `edges [as E] [with_source_id=C] [with_target_id=C]`. */
  private parseGraphToTable(start: number): A.GraphToTableOp {
    this.expectWord('graph-to-table');
    const op: A.GraphToTableOp = { kind: 'graph-to-table', parts: [], span: this.span(start) };
    do {
      const w = this.next();
      if (w.text !== 'nodes' && w.text !== 'edges') throw this.error(w, "graph-to-table: expected 'nodes' or 'edges'");
      const part: A.GraphToTableOp['parts'][number] = { what: w.text, span: w.span };
      for (;;) {
        if (this.acceptWord('as')) part.as = this.parseColumnName().name;
        else if (this.isOp('=', 1) && (this.isWord('with_node_id') || this.isWord('with_source_id') || this.isWord('with_target_id'))) {
          const o = this.next().text;
          this.next();
          const c = this.parseColumnName().name;
          if (o === 'with_node_id' && w.text === 'nodes') part.nodeId = c;
          else if (o === 'with_source_id' && w.text === 'edges') part.sourceId = c;
          else if (o === 'with_target_id' && w.text === 'edges') part.targetId = c;
          else throw this.src.syntaxError(this.span(w.span.start), `graph-to-table: ${o} does not apply to ${w.text}`);
        } else break;
      }
      part.span = this.span(w.span.start);
      op.parts.push(part);
    } while (this.acceptOp(','));
    op.span = this.span(start);
    return op;
  }

  /** scan-operator.md: `scan [with_match_id = Id] [declare (…)] with (step …; …)`. */
  private parseScanOp(start: number): A.ScanOp {
    this.expectWord('scan');
    const op: A.ScanOp = { kind: 'scan', declare: [], steps: [], span: this.span(start) };
    if (this.isWord('with_match_id')) {
      this.next();
      this.expectOp('=');
      const c = this.parseColumnName();
      op.matchId = { name: c.name, span: c.span };
    }
    if (this.acceptWord('declare')) {
      this.expectOp('(');
      do {
        const c = this.parseColumnName();
        this.expectOp(':');
        const d: A.ScanDeclaration = { name: c.name, type: this.parseTypeWord(), span: c.span };
        if (this.acceptOp('=')) d.default = this.parseExpr();
        d.span = this.span(c.span.start);
        op.declare.push(d);
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    this.expectWord('with');
    const open = this.expectOp('(');
    this.enter(open);
    while (!this.isOp(')')) {
      const stepStart = this.expectWord('step').span.start;
      const name = this.parseColumnName();
      let output: A.ScanStep['output'] = 'all';
      if (this.acceptWord('output')) {
        this.expectOp('=');
        const o = this.peek();
        if (o.kind !== 'ident' || (o.text !== 'all' && o.text !== 'last' && o.text !== 'none')) throw this.error(o, "expected 'all', 'last' or 'none'");
        this.next();
        output = o.text;
      }
      this.expectOp(':');
      const condition = this.parseExpr();
      const assignments: A.ScanStep['assignments'] = [];
      if (this.acceptOp('=>')) {
        do {
          const c = this.parseColumnName();
          this.expectOp('=');
          assignments.push({ name: c.name, nameSpan: c.span, expr: this.parseExpr() });
        } while (this.acceptOp(','));
      }
      op.steps.push({ name: name.name, nameSpan: name.span, output, condition, assignments, span: this.span(stepStart) });
      if (!this.acceptOp(';')) break;
    }
    this.expectOp(')');
    this.leave();
    if (op.steps.length === 0) throw this.src.syntaxError(open.span, 'scan: expected at least one step');
    op.span = this.span(start);
    return op;
  }

  /** True at the end of an operator: `|`, `;`, `)`, `}`, end of input. */
  private atOperatorEnd(): boolean {
    return this.peek().kind === 'eof' || this.isOp('|') || this.isOp(';') || this.isOp(')') || this.isOp('}');
  }

  /** Skips one `hint.name = value` parameter; returns whether one was skipped. */
  private skipOneHint(): boolean {
    if (!(this.isWord('hint') && this.isOp('.', 1))) return false;
    this.next();
    while (this.acceptOp('.')) this.next();
    this.expectOp('=');
    this.next();
    return true;
  }

  /** The right side of join/lookup: a parenthesized tabular expression or a single source. */
  private parseOperand(): A.TabularExpr {
    const t = this.peek();
    if (this.isOp('(')) {
      this.enter(t);
      this.next();
      const inner = this.parseTabular();
      this.expectOp(')');
      this.leave();
      return inner;
    }
    return this.parseSource();
  }

  /** mv-expand/mv-apply items: `[Name =] expr [to typeof(T)]`. */
  private parseMvItems(): A.MvExpandItem[] {
    const items: A.MvExpandItem[] = [];
    do {
      const s = this.peek().span.start;
      const ne = this.parseNamedExpr();
      const item: A.MvExpandItem = { expr: ne.expr, span: ne.span };
      if (ne.names) {
        if (ne.names.length !== 1) throw this.src.syntaxError(ne.span, 'expected a single column name');
        item.name = ne.names[0]!.name;
      }
      if (this.isWord('to') && this.isWord('typeof', 1)) {
        this.next();
        item.toType = this.parseTypeWord();
      }
      item.span = this.span(s);
      items.push(item);
    } while (this.acceptOp(','));
    return items;
  }

  /** `union [kind=…] [withsource=…] [isfuzzy=…] legs` (after the `union` word). */
  private parseUnionOp(start: number): A.UnionOp {
    const op: A.UnionOp = { kind: 'union', unionKind: 'outer', isfuzzy: false, legs: [], span: this.span(start) };
    for (;;) {
      if (this.isWord('kind') && this.isOp('=', 1)) {
        this.next();
        this.next();
        const k = this.next();
        if (k.text !== 'inner' && k.text !== 'outer') throw this.error(k, "expected 'inner' or 'outer'");
        op.unionKind = k.text;
        continue;
      }
      if (this.isWord('withsource') && this.isOp('=', 1)) {
        this.next();
        this.next();
        op.withsource = this.parseColumnName().name;
        continue;
      }
      if (this.isWord('isfuzzy') && this.isOp('=', 1)) {
        this.next();
        this.next();
        const v = this.next();
        if (v.text !== 'true' && v.text !== 'false') throw this.error(v, "expected 'true' or 'false'");
        op.isfuzzy = v.text === 'true';
        continue;
      }
      if (this.skipOneHint()) continue;
      break;
    }
    op.legs = this.parseLegs();
    op.span = this.span(start);
    return op;
  }

  /** Comma-separated union legs / search table sources. */
  private parseLegs(): A.UnionLeg[] {
    const legs: A.UnionLeg[] = [];
    do {
      const t = this.peek();
      if (this.isOp('(')) {
        legs.push({ kind: 'expr', expr: this.parseOperand(), span: this.span(t.span.start) });
        continue;
      }
      if (this.isOp('[')) {
        const { name, span } = this.parseBracketName();
        legs.push({ kind: 'expr', expr: { kind: 'tableRef', name, span }, span });
        continue;
      }
      // a (wildcard) name: adjacent identifier and `*` tokens
      let pattern = '';
      let end = t.span.start;
      while ((this.peek().kind === 'ident' || this.isOp('*')) && (pattern === '' || !this.peek().spaceBefore)) {
        const x = this.next();
        pattern += x.text;
        end = x.span.end;
      }
      if (pattern === '') throw this.error(t, 'expected a table name');
      const span = { start: t.span.start, end };
      if (pattern.includes('*')) {
        legs.push({ kind: 'pattern', pattern, span });
        continue;
      }
      if (this.isOp('(')) {
        this.pos--; // re-read the name as a source (function call / qualified name)
        legs.push({ kind: 'expr', expr: this.parseSource(), span: this.span(t.span.start) });
        continue;
      }
      legs.push({ kind: 'expr', expr: { kind: 'tableRef', name: pattern, span }, span });
    } while (this.acceptOp(','));
    return legs;
  }

  /** `search [kind=…] [in (legs)] predicate` (after the `search` word). */
  private parseSearchOp(start: number): A.SearchOp {
    let caseSensitive = false;
    if (this.isWord('kind') && this.isOp('=', 1)) {
      this.next();
      this.next();
      const k = this.next();
      if (!['default', 'case_insensitive', 'case_sensitive'].includes(k.text)) throw this.error(k, 'unknown search kind');
      caseSensitive = k.text === 'case_sensitive';
    }
    const op: A.SearchOp = { kind: 'search', caseSensitive, predicate: { kind: 'literal', type: 'bool', value: true, span: this.peek().span }, span: this.span(start) };
    if (this.isWord('in') && this.isOp('(', 1)) {
      this.next();
      this.expectOp('(');
      op.tables = this.parseLegs();
      this.expectOp(')');
    }
    op.predicate = this.parseSearchOr();
    op.span = this.span(start);
    return op;
  }

  /**
   * `find [withsource=C] [in (legs)] where predicate [project-smart | project Col[:type], …[, pack_all()]]`,
   * or `find predicate [project…]` (after the `find` word; find-operator.md). The predicate is a
   * search predicate: a bare "term" searches every column.
   */
  private parseFindOp(start: number): A.SearchOp {
    const find: A.FindOutput = { withsource: 'source_' };
    const op: A.SearchOp = { kind: 'search', caseSensitive: false, predicate: { kind: 'literal', type: 'bool', value: true, span: this.peek().span }, span: this.span(start), find };
    let clauses = false;
    if (this.isWord('withsource') && this.isOp('=', 1)) {
      this.next();
      this.next();
      find.withsource = this.parseColumnName().name;
      clauses = true;
    }
    if (this.isWord('in') && this.isOp('(', 1)) {
      this.next();
      this.expectOp('(');
      op.tables = this.parseLegs();
      this.expectOp(')');
      clauses = true;
    }
    if (clauses) this.expectWord('where');
    else this.acceptWord('where');
    op.predicate = this.parseSearchOr();
    if (this.acceptWord('project-smart')) {
      // the default
    } else if (this.isWord('project') && !this.isOp('|', 1)) {
      this.next();
      const columns: NonNullable<A.FindOutput['project']>['columns'] = [];
      let packAll = false;
      do {
        if (this.isWord('pack_all') && this.isOp('(', 1)) {
          this.next();
          this.expectOp('(');
          this.expectOp(')');
          packAll = true;
          continue;
        }
        const { name, span } = this.parseColumnName();
        let type: KqlType | undefined;
        if (this.acceptOp(':')) {
          const typeTok = this.next();
          type = typeTok.kind === 'ident' ? parseTypeName(typeTok.text) : undefined;
          if (!type) throw this.error(typeTok, 'expected a scalar type name');
        }
        columns.push({ name, type, span });
      } while (this.acceptOp(','));
      find.project = { columns, packAll };
    }
    op.span = this.span(start);
    return op;
  }

  private parseSearchOr(): A.Expr {
    return this.keywordChain('or', () => this.parseSearchAnd());
  }

  private parseSearchAnd(): A.Expr {
    return this.keywordChain('and', () => this.parseSearchAtom());
  }

  /** A search term (`"x"`, `Col:"x"`, `*`), a parenthesized search predicate, or an ordinary comparison. */
  private parseSearchAtom(): A.Expr {
    const t = this.peek();
    this.enter(t);
    try {
      if (t.kind === 'string' && !(this.peek(1).kind === 'op' && COMPARISON_OPS.has(this.peek(1).text))) {
        this.next();
        const lit: A.LiteralExpr = { kind: 'literal', type: 'string', value: t.value!, span: t.span };
        return { kind: 'call', name: SEARCH_TERM, nameSpan: t.span, args: [lit], span: t.span };
      }
      if (this.isOp('*') && (this.atOperatorEnd() || this.peek(1).kind === 'eof' || this.isOp('|', 1) || this.isOp(';', 1) || this.isOp(')', 1))) {
        this.next();
        return { kind: 'literal', type: 'bool', value: true, span: t.span };
      }
      // Col:"term", or Col:term with a bare word or number as the term (search-operator.md)
      const term = this.peek(2);
      if (t.kind === 'ident' && this.isOp(':', 1) && (term.kind === 'string' || (!term.spaceBefore && (term.kind === 'ident' || term.kind === 'int' || term.kind === 'real')))) {
        this.next();
        this.next();
        const v = this.next();
        const lit: A.LiteralExpr = { kind: 'literal', type: 'string', value: v.kind === 'string' ? v.value! : v.text, span: v.span };
        return { kind: 'call', name: SEARCH_TERM, nameSpan: t.span, args: [lit, { kind: 'name', name: t.text, span: t.span }], span: this.span(t.span.start) };
      }
      if (this.isOp('(')) {
        this.next();
        const inner = this.parseSearchOr();
        this.expectOp(')');
        return inner;
      }
      if (this.isWord('not') && this.isOp('(', 1)) {
        this.next();
        this.next();
        const inner = this.parseSearchOr();
        this.expectOp(')');
        return { kind: 'call', name: 'not', nameSpan: t.span, args: [inner], span: this.span(t.span.start) };
      }
      return this.parseComparison();
    } finally {
      this.leave();
    }
  }

  /** Render property values: a scalar, or a parenthesized list of names (ycolumns=a,b is also allowed). */
  private parseRenderValue(): A.Expr {
    const t = this.peek();
    if (t.kind === 'ident' && !this.isOp('(', 1) && t.text !== 'true' && t.text !== 'false') {
      // bare identifiers (column names, kind=stacked, …) are taken as strings
      let text = this.next().text;
      while (this.isOp(',') && this.peek(1).kind === 'ident' && !this.isOp('=', 2)) {
        this.next();
        text += ',' + this.next().text;
      }
      return { kind: 'literal', type: 'string', value: text, span: this.span(t.span.start) };
    }
    return this.parseExpr();
  }

  /** Skips `hint.xxx = value` / `kind = value` operator parameters (accepted, ignored). */
  private skipHints(): void {
    while (this.peek().kind === 'ident' && /^(hint|kind)$/.test(this.peek().text) && (this.isOp('.', 1) || this.isOp('=', 1))) {
      this.next();
      while (this.acceptOp('.')) this.next();
      this.expectOp('=');
      this.next();
    }
  }

  private parseSortKey(): A.SortKey {
    const start = this.peek().span.start;
    const expr = this.parseExpr();
    const key: A.SortKey = { expr, span: expr.span };
    if (this.acceptWord('asc')) key.order = 'asc';
    else if (this.acceptWord('desc')) key.order = 'desc';
    if (this.acceptWord('nulls')) {
      if (this.acceptWord('first')) key.nulls = 'first';
      else if (this.acceptWord('last')) key.nulls = 'last';
      else throw this.error(this.peek(), "expected 'first' or 'last'");
    }
    key.span = this.span(start);
    return key;
  }

  /** A column name that may contain `*` wildcards, written without spaces (e.g. `Prop*`, `*Id`). */
  private parseNamePattern(): A.NamePattern {
    const first = this.peek();
    if (this.isOp('[')) {
      const { name, span } = this.parseBracketName();
      return { pattern: name.replace(/\*/g, '\\*'), span };
    }
    let pattern = '';
    let end = first.span.start;
    while (
      (this.peek().kind === 'ident' || this.isOp('*')) &&
      (pattern === '' || !this.peek().spaceBefore)
    ) {
      const t = this.next();
      pattern += t.text;
      end = t.span.end;
    }
    if (pattern === '') throw this.error(first, 'expected a column name');
    return { pattern, span: { start: first.span.start, end } };
  }

  private parseNamedExprList(): A.NamedExpr[] {
    const items: A.NamedExpr[] = [];
    do items.push(this.parseNamedExpr());
    while (this.acceptOp(','));
    return items;
  }

  /** `name = expr` | `['name'] = expr` | `(a, b) = expr` | `expr` */
  private parseNamedExpr(): A.NamedExpr {
    const start = this.peek().span.start;
    const t = this.peek();
    if (t.kind === 'ident' && this.isOp('=', 1)) {
      this.next();
      this.next();
      const expr = this.parseExpr();
      return { names: [{ name: t.text, span: t.span }], expr, span: this.span(start) };
    }
    if (this.isOp('[') && this.peek(1).kind === 'string') {
      // ['name'] = expr   (look ahead past the bracket)
      let k = 2;
      while (this.peek(k).kind === 'string') k++;
      if (this.isOp(']', k) && this.isOp('=', k + 1)) {
        const { name, span } = this.parseBracketName();
        this.expectOp('=');
        const expr = this.parseExpr();
        return { names: [{ name, span }], expr, span: this.span(start) };
      }
    }
    if (this.isOp('(') && this.peek(1).kind === 'ident') {
      // (a, b) = expr
      let k = 1;
      let ok = false;
      while (this.peek(k).kind === 'ident') {
        if (this.isOp(')', k + 1)) { ok = this.isOp('=', k + 2); break; }
        if (!this.isOp(',', k + 1)) break;
        k += 2;
      }
      if (ok) {
        this.next();
        const names: { name: string; span: Span }[] = [];
        do {
          const n = this.next();
          names.push({ name: n.text, span: n.span });
        } while (this.acceptOp(','));
        this.expectOp(')');
        this.expectOp('=');
        const expr = this.parseExpr();
        return { names, expr, span: this.span(start) };
      }
    }
    const expr = this.parseExpr();
    return { expr, span: expr.span };
  }

  // ───────────── scalar expressions ─────────────

  parseExpr(): A.Expr {
    const t = this.peek();
    this.enter(t);
    const e = this.parseOr();
    this.leave();
    return e;
  }

  private binary(op: string, opTok: Token, left: A.Expr, right: A.Expr): A.Expr {
    return this.nest<A.BinaryExpr>(
      { kind: 'binary', op, opSpan: opTok.span, left, right, span: { start: left.span.start, end: right.span.end } },
      left, right,
    );
  }

  /** The right side and keys of `join` / `lookup`: `(T) on k1, $left.a == $right.b`. */
  private parseRightOn(): { right: A.TabularExpr; on: A.Expr[] } {
    const right = this.parseOperand();
    this.expectWord('on');
    const on: A.Expr[] = [];
    do on.push(this.parseExpr());
    while (this.acceptOp(','));
    return { right, on };
  }

  /** `a and b and c` / `a or b or c`: a keyword operator, left-associative. */
  private keywordChain(word: 'and' | 'or', operand: () => A.Expr): A.Expr {
    let left = operand();
    while (this.isWord(word)) {
      const op = this.next();
      left = this.binary(word, op, left, operand());
    }
    return left;
  }

  private parseOr(): A.Expr {
    return this.keywordChain('or', () => this.parseAnd());
  }

  private parseAnd(): A.Expr {
    return this.keywordChain('and', () => this.parseComparison());
  }

  private parseComparison(): A.Expr {
    let left = this.parseAdditive();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (COMPARISON_OPS.has(t.text) || (t.text === '=' && this.singleEqualsCompares))) {
        this.next();
        left = this.binary(t.text === '<>' ? '!=' : t.text === '=' ? '==' : t.text, t, left, this.parseAdditive());
        continue;
      }
      if (t.kind !== 'ident') return left;
      if (STRING_OPS.has(t.text)) {
        this.next();
        left = this.binary(t.text, t, left, this.parseAdditive());
        continue;
      }
      if (t.text === 'matches' && this.isWord('regex', 1)) {
        this.next();
        this.next();
        left = this.binary('matches regex', t, left, this.parseAdditive());
        continue;
      }
      if (IN_OPS.has(t.text) || LIST_STRING_OPS.has(t.text)) {
        this.next();
        const open = this.expectOp('(');
        const list: A.Expr[] = [];
        if (!this.isOp(')')) {
          do list.push(this.subqueryOrExpr());
          while (this.acceptOp(','));
        }
        this.expectOp(')');
        const span = { start: left.span.start, end: this.span(open.span.start).end };
        if (LIST_STRING_OPS.has(t.text)) {
          left = this.nest<A.CallExpr>({ kind: 'call', name: t.text, nameSpan: t.span, args: [left, ...list], span }, left, ...list);
        } else {
          left = this.nest<A.InExpr>({ kind: 'in', op: t.text as A.InExpr['op'], left, list, span }, left, ...list);
        }
        continue;
      }
      if (t.text === 'between' || t.text === '!between') {
        this.next();
        this.expectOp('(');
        const low = this.parseAdditive();
        this.expectOp('..');
        const high = this.parseAdditive();
        this.expectOp(')');
        left = this.nest<A.BetweenExpr>(
          { kind: 'between', negated: t.text === '!between', left, low, high, span: this.span(left.span.start) },
          left, low, high,
        );
        continue;
      }
      return left;
    }
  }

  private parseAdditive(): A.Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      left = this.binary(op.text, op, left, this.parseMultiplicative());
    }
    return left;
  }

  private parseMultiplicative(): A.Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next();
      left = this.binary(op.text, op, left, this.parseUnary());
    }
    return left;
  }

  private parseUnary(): A.Expr {
    const t = this.peek();
    if (this.isOp('-') || this.isOp('+')) {
      this.enter(t);
      this.next();
      const operand = this.parseUnary();
      this.leave();
      // Fold signs into numeric literals so that -9223372036854775808 is representable.
      if (operand.kind === 'literal' && operand.value !== null && (operand.type === 'long' || operand.type === 'real' || operand.type === 'timespan' || operand.type === 'int' || operand.type === 'decimal')) {
        if (t.text === '+') return { ...operand, span: { start: t.span.start, end: operand.span.end } };
        return this.negateLiteral(operand, t);
      }
      return this.nest<A.UnaryExpr>({ kind: 'unary', op: t.text as '-' | '+', operand, span: { start: t.span.start, end: operand.span.end } }, operand);
    }
    return this.parsePostfix();
  }

  private negateLiteral(l: A.LiteralExpr, minus: Token): A.LiteralExpr {
    const span = { start: minus.span.start, end: l.span.end };
    if (typeof l.value === 'bigint') {
      let v = -l.value;
      if (l.type === 'long' && v < -(2n ** 63n)) throw this.src.syntaxError(span, 'the number is out of range for long');
      if (l.type === 'long' && v > 2n ** 63n - 1n) v -= 2n ** 64n; // -(-9223372036854775808) wraps, as long arithmetic does
      return { ...l, value: v, span };
    }
    if (typeof l.value === 'number') return { ...l, value: -l.value, span };
    if (typeof l.value === 'string' && l.type === 'decimal') return { ...l, value: l.value.startsWith('-') ? l.value.slice(1) : '-' + l.value, span };
    return l;
  }

  private parsePostfix(): A.Expr {
    let e = this.parsePrimary();
    for (;;) {
      if (this.isOp('.') && (this.peek(1).kind === 'ident' || this.isOp('[', 1))) {
        this.next();
        // `x.[0]`, `x.[i + 1]`: an index written after a dot (as `x[0]`); `x.['name']` is a member.
        if (this.isOp('[') && !(this.peek(1).kind === 'string' && this.isOp(']', 2))) continue;
        if (this.isOp('[')) {
          const { name } = this.parseBracketName();
          e = this.nest<A.MemberExpr>({ kind: 'member', target: e, name, span: this.span(e.span.start) }, e);
        } else {
          const n = this.next();
          e = this.nest<A.MemberExpr>({ kind: 'member', target: e, name: n.text, span: { start: e.span.start, end: n.span.end } }, e);
        }
        continue;
      }
      if (this.isOp('[')) {
        const open = this.next();
        this.enter(open);
        const index = this.parseExpr();
        this.leave();
        this.expectOp(']');
        e = this.nest<A.IndexExpr>({ kind: 'index', target: e, index, span: this.span(e.span.start) }, e, index);
        continue;
      }
      return e;
    }
  }

  private parsePrimary(): A.Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'string': {
        // adjacent string literals concatenate: "a" 'b' → "ab"
        let value = '';
        let end = t.span.end;
        while (this.peek().kind === 'string') {
          const s = this.next();
          value += s.value!;
          end = s.span.end;
        }
        return { kind: 'literal', type: 'string', value, span: { start: t.span.start, end } };
      }
      case 'int': {
        this.next();
        // Kusto integer literals are long; 2^63 is kept so that a leading minus can fold it.
        if (t.big! > 2n ** 63n) throw this.error(t, 'the number is out of range for long');
        if (t.big! === 2n ** 63n && !(this.pos >= 2 && this.tokens[this.pos - 2]!.kind === 'op' && this.tokens[this.pos - 2]!.text === '-')) {
          throw this.error(t, 'the number is out of range for long');
        }
        return { kind: 'literal', type: 'long', value: t.big!, span: t.span };
      }
      case 'real':
        this.next();
        if (!Number.isFinite(t.num!)) throw this.error(t, 'the number is out of range for real');
        return { kind: 'literal', type: 'real', value: t.num!, span: t.span };
      case 'timespan':
        this.next();
        return { kind: 'literal', type: 'timespan', value: t.big!, span: t.span };
      case 'typed':
        this.next();
        return this.typedRawLiteral(t);
      case 'op':
        if (t.text === '(') {
          this.enter(t);
          this.next();
          const inner = this.subqueryOrExpr();
          this.expectOp(')');
          this.leave();
          if (inner.kind === 'subquery') return { ...inner, span: this.span(t.span.start) };
          return inner;
        }
        if (t.text === '*' && this.peek(1).kind === 'ident' && (STRING_OPS.has(this.peek(1).text) || this.peek(1).text === 'matches')) {
          this.next();
          return { kind: 'star', span: t.span };
        }
        if (t.text === '[' && this.peek(1).kind === 'string') {
          const { name, span } = this.parseBracketName();
          return { kind: 'name', name, span };
        }
        throw this.error(t);
      case 'ident':
        return this.parseIdentExpr();
      default:
        throw this.error(t);
    }
  }

  private parseIdentExpr(): A.Expr {
    const t = this.next();
    const word = t.text;
    if (word === 'true' || word === 'false') return { kind: 'literal', type: 'bool', value: word === 'true', span: t.span };
    if (this.isOp('(')) {
      if (word === 'dynamic') return this.parseDynamicLiteral(t);
      if (word === 'typeof') {
        this.expectOp('(');
        const ty = this.parseTypeWord();
        this.expectOp(')');
        return { kind: 'literal', type: 'string', value: ty, typeOf: ty, span: this.span(t.span.start) };
      }
      const typed = parseTypeName(word);
      if (typed && typed !== 'dynamic' && typed !== 'datetime' && typed !== 'timespan' && typed !== 'guid') return this.parseScalarTypedLiteral(t, typed);
      // function call
      const args = this.parseCallArgs();
      return this.nest<A.CallExpr>({ kind: 'call', name: word, nameSpan: t.span, args, span: this.span(t.span.start) }, ...args);
    }
    return { kind: 'name', name: word, span: t.span };
  }

  /** `( arg, … )` — arguments may be `*`, tabular expressions (as subqueries) or `name = value` (named plugin arguments). */
  private parseCallArgs(): A.Expr[] {
    const open = this.expectOp('(');
    this.enter(open);
    const args: A.Expr[] = [];
    if (!this.isOp(')')) {
      do {
        // `*` as a whole argument (e.g. take_any(*), count(*)-style)
        if (this.isOp('*') && (this.isOp(')', 1) || this.isOp(',', 1))) args.push({ kind: 'star', span: this.next().span });
        else if (this.peek().kind === 'ident' && this.isOp('=', 1)) {
          const n = this.next();
          const eq = this.next();
          const value = this.parseExpr();
          args.push(this.binary('=', eq, { kind: 'name', name: n.text, span: n.span }, value));
        } else args.push(this.subqueryOrExpr());
      } while (this.acceptOp(','));
    }
    this.expectOp(')');
    this.leave();
    return args;
  }

  /** parseExprOrTabular, with tabular results wrapped as a SubqueryExpr. */
  private subqueryOrExpr(): A.Expr {
    const start = this.peek().span.start;
    const v = this.parseExprOrTabular();
    if (isTabular(v)) return { kind: 'subquery', query: v, span: this.span(start) };
    return v;
  }

  /** datetime(…), date(…), time(…), timespan(…), guid(…) — bodies captured raw by the lexer. */
  private typedRawLiteral(t: Token): A.Expr {
    let raw = t.value!;
    // datetime('2007-04-07') — a quoted body is allowed
    const q = /^(['"])(.*)\1$/s.exec(raw);
    if (q) raw = q[2]!;
    const type: KqlType = t.typeName === 'guid' ? 'guid' : t.typeName === 'datetime' || t.typeName === 'date' ? 'datetime' : 'timespan';
    if (raw === 'null') return { kind: 'literal', type, value: null, span: t.span };
    if (type === 'datetime') {
      if (raw === '') return { kind: 'call', name: 'now', nameSpan: t.span, args: [], span: t.span };
      const ticks = parseDatetimeText(raw);
      if (ticks === undefined) throw this.error(t, `invalid datetime literal '${raw}'`);
      return { kind: 'literal', type, value: ticks, span: t.span };
    }
    if (type === 'timespan') {
      const ticks = parseTimespanText(raw);
      if (ticks === undefined) throw this.error(t, `invalid timespan literal '${raw}'`);
      return { kind: 'literal', type, value: ticks, span: t.span };
    }
    const g = parseGuidText(raw);
    if (g === undefined) throw this.error(t, `invalid guid literal '${raw}'`);
    return { kind: 'literal', type, value: g, span: t.span };
  }

  /** bool(…), int(…), long(…), real(…), double(…), decimal(…), string(…)? — literal arguments only. */
  private parseScalarTypedLiteral(nameTok: Token, type: KqlType): A.LiteralExpr {
    this.expectOp('(');
    let sign = 1;
    let signTok: Token | undefined;
    if (this.isOp('-') || this.isOp('+')) {
      signTok = this.next();
      if (signTok.text === '-') sign = -1;
    }
    const v = this.next();
    this.expectOp(')');
    const span = this.span(nameTok.span.start);
    const bad = () => this.error(v, `invalid ${type} literal`);
    if (v.kind === 'ident' && v.text === 'null' && !signTok) return { kind: 'literal', type, value: null, span };
    switch (type) {
      case 'bool':
        if (v.kind === 'ident' && (v.text === 'true' || v.text === 'false') && !signTok) return { kind: 'literal', type, value: v.text === 'true', span };
        if (v.kind === 'int' && !signTok) return { kind: 'literal', type, value: v.big! !== 0n, span };
        throw bad();
      case 'int':
      case 'long': {
        let n: bigint;
        if (v.kind === 'int') n = v.big! * BigInt(sign);
        else if (v.kind === 'real' && Number.isFinite(v.num!)) n = BigInt(Math.trunc(v.num! * sign));
        else throw bad();
        const lim = type === 'int' ? 2n ** 31n : 2n ** 63n;
        if (n < -lim || n >= lim) throw this.error(v, `the number is out of range for ${type}`);
        return { kind: 'literal', type, value: n, span };
      }
      case 'real': {
        if (v.kind === 'int' || v.kind === 'real') return { kind: 'literal', type, value: sign * Number(v.text), span };
        if (v.kind === 'ident' && /^(nan|NaN)$/.test(v.text)) return { kind: 'literal', type, value: NaN, span };
        if (v.kind === 'ident' && /^(inf|Infinity)$/.test(v.text)) return { kind: 'literal', type, value: sign * Infinity, span };
        throw bad();
      }
      case 'decimal': {
        if (v.kind === 'int' || v.kind === 'real') {
          if (!/^\d+(\.\d*)?([eE][+-]?\d+)?$/.test(v.text)) throw bad();
          return { kind: 'literal', type, value: (sign < 0 ? '-' : '') + v.text, span };
        }
        throw bad();
      }
      case 'string':
        if (v.kind === 'string' && !signTok) return { kind: 'literal', type, value: v.value!, span };
        throw bad();
      default:
        throw bad();
    }
  }

  /** dynamic(JSON-like literal) → canonical JSON text. */
  private parseDynamicLiteral(nameTok: Token): A.LiteralExpr {
    const open = this.expectOp('(');
    this.enter(open);
    let json: string | null;
    if (this.isWord('null') && this.isOp(')', 1)) {
      this.next();
      json = null;
    } else {
      json = this.parseJsonValue(0);
    }
    this.expectOp(')');
    this.leave();
    return { kind: 'literal', type: 'dynamic', value: json, span: this.span(nameTok.span.start) };
  }

  private parseJsonValue(depth: number): string {
    const t = this.peek();
    if (depth > MAX_DEPTH) throw this.error(t, 'the dynamic literal is nested too deeply');
    if (this.acceptOp('[')) {
      const items: string[] = [];
      if (!this.isOp(']')) {
        do {
          if (this.isOp(']')) break;
          items.push(this.parseJsonValue(depth + 1));
        } while (this.acceptOp(','));
      }
      this.expectOp(']');
      return '[' + items.join(',') + ']';
    }
    // a nested dynamic(…) literal is its value (dynamic-to-json-function.md writes them)
    if (t.kind === 'ident' && t.text === 'dynamic' && this.isOp('(', 1)) {
      this.next();
      this.expectOp('(');
      const inner = this.parseJsonValue(depth + 1);
      this.expectOp(')');
      return inner;
    }
    if (this.acceptOp('{')) {
      const items: string[] = [];
      if (!this.isOp('}')) {
        do {
          if (this.isOp('}')) break;
          const k = this.next();
          if (k.kind !== 'string' && k.kind !== 'ident') throw this.error(k, 'expected a property name');
          this.expectOp(':');
          items.push(JSON.stringify(k.kind === 'string' ? k.value! : k.text) + ':' + this.parseJsonValue(depth + 1));
        } while (this.acceptOp(','));
      }
      this.expectOp('}');
      return '{' + items.join(',') + '}';
    }
    let sign = '';
    if (this.isOp('-') || this.isOp('+')) sign = this.next().text === '-' ? '-' : '';
    const v = this.next();
    switch (v.kind) {
      case 'string':
        if (sign) throw this.error(v);
        return JSON.stringify(v.value!);
      case 'int':
        return sign + v.big!.toString();
      case 'real': {
        const n = Number(v.text);
        if (!Number.isFinite(n)) throw this.error(v, 'the number is out of range');
        // a real stays a real in the bag (111.0 is not the long 111: gettype, series_fill_linear)
        const text = String(n);
        return sign + (/[.eE]/.test(text) ? text : `${text}.0`);
      }
      case 'ident':
        if (!sign && (v.text === 'true' || v.text === 'false' || v.text === 'null')) return v.text;
        throw this.error(v, 'invalid dynamic literal');
      case 'typed': {
        // datetime/timespan/guid inside dynamic literals are stored as strings
        const lit = this.typedRawLiteral(v);
        if (lit.kind !== 'literal' || lit.value === null) return 'null';
        if (lit.type === 'datetime') return JSON.stringify(formatDatetimeTicks(lit.value as bigint));
        if (lit.type === 'timespan') return JSON.stringify(formatTimespanTicks(lit.value as bigint));
        return JSON.stringify(String(lit.value));
      }
      case 'timespan':
        return JSON.stringify(formatTimespanTicks(sign === '-' ? -v.big! : v.big!));
      default:
        throw this.error(v, 'invalid dynamic literal');
    }
  }
}
