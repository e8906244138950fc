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
import { formatDatetimeUs, formatTimespanTicks, parseDatetimeText, parseGuidText, parseTimespanText } from './literals.js';
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

export function parse(text: string): { ast: A.QueryAst; source: SourceText } {
  const source = new SourceText(text);
  const parser = new Parser(source, tokenize(source));
  return { ast: parser.parseQuery(), source };
}

class Parser {
  private pos = 0;
  private recursion = 0;
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
    const expr = this.parseTabular();
    return { kind: 'tabular', expr, span: this.span(start) };
  }

  /** A let value is tabular if it starts with a tabular source keyword or is followed by a pipe. */
  private parseLetValue(): A.Expr | A.TabularExpr {
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
    if (this.isWord('datatable') && this.isOp('(', 1)) return true;
    if (this.isWord('print')) return true;
    if (this.isWord('range') && this.peek(1).kind === 'ident' && this.isWord('from', 2)) return true;
    return false;
  }

  private exprToTabularSource(expr: A.Expr, tok: Token): A.TabularExpr {
    if (expr.kind === 'name') return { kind: 'tableRef', name: expr.name, span: expr.span };
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
      if (this.isOp('(', 1)) throw this.error(this.peek(1), `tabular function '${t.text}' is not supported`);
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

  private parseDatatable(): A.DatatableNode {
    const start = this.next().span.start; // datatable
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

  private parseOperator(): A.Operator {
    const t = this.peek();
    const start = t.span.start;
    if (t.kind !== 'ident') throw this.error(t);
    switch (t.text) {
      case 'where':
      case 'filter': {
        this.next();
        const predicate = this.parseExpr();
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
      default:
        throw this.error(t);
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

  private parseOr(): A.Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      const op = this.next();
      left = this.binary('or', op, left, this.parseAnd());
    }
    return left;
  }

  private parseAnd(): A.Expr {
    let left = this.parseComparison();
    while (this.isWord('and')) {
      const op = this.next();
      left = this.binary('and', op, left, this.parseComparison());
    }
    return left;
  }

  private parseComparison(): A.Expr {
    let left = this.parseAdditive();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && COMPARISON_OPS.has(t.text)) {
        this.next();
        left = this.binary(t.text === '<>' ? '!=' : t.text, t, left, this.parseAdditive());
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
          do list.push(this.parseExpr());
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
          const inner = this.parseExpr();
          this.expectOp(')');
          this.leave();
          return inner;
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
      const typed = parseTypeName(word);
      if (typed && typed !== 'dynamic' && typed !== 'datetime' && typed !== 'timespan' && typed !== 'guid') return this.parseScalarTypedLiteral(t, typed);
      // function call
      const open = this.next();
      this.enter(open);
      const args: A.Expr[] = [];
      if (!this.isOp(')')) {
        do {
          // `*` as a whole argument (e.g. take_any(*), count(*)-style)
          if (this.isOp('*') && (this.isOp(')', 1) || this.isOp(',', 1))) args.push({ kind: 'star', span: this.next().span });
          else args.push(this.parseExpr());
        } while (this.acceptOp(','));
      }
      this.expectOp(')');
      this.leave();
      return this.nest<A.CallExpr>({ kind: 'call', name: word, nameSpan: t.span, args, span: this.span(t.span.start) }, ...args);
    }
    return { kind: 'name', name: word, span: t.span };
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
      const us = parseDatetimeText(raw);
      if (us === undefined) throw this.error(t, `invalid datetime literal '${raw}'`);
      return { kind: 'literal', type, value: us, span: t.span };
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
        return sign + String(n);
      }
      case 'ident':
        if (!sign && (v.text === 'true' || v.text === 'false' || v.text === 'null')) return v.text;
        throw this.error(v, 'invalid dynamic literal');
      case 'typed': {
        // datetime/timespan/guid inside dynamic literals are stored as strings
        const lit = this.typedRawLiteral(v);
        if (lit.kind !== 'literal' || lit.value === null) return 'null';
        if (lit.type === 'datetime') return JSON.stringify(formatDatetimeUs(lit.value as bigint));
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
