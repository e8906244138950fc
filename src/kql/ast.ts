/**
 * ast.ts — syntax tree produced by the parser.  Every node carries its source span.
 *
 * The tree is deliberately close to the surface syntax (no name resolution,
 * no types); the binder gives it meaning.  New operators/statements are added
 * as new union members.
 */
import type { Span } from './errors.js';
import type { KqlType } from './types.js';

// ───────────── statements ─────────────

export interface QueryAst {
  statements: Statement[];
  span: Span;
}

export type Statement = LetStatement | TabularStatement;

/** `let name = <scalar or tabular expression>;` */
export interface LetStatement {
  kind: 'let';
  name: string;
  nameSpan: Span;
  value: Expr | TabularExpr;
  span: Span;
}

/** A tabular expression statement — produces a result set. */
export interface TabularStatement {
  kind: 'tabular';
  expr: TabularExpr;
  span: Span;
}

// ───────────── tabular expressions ─────────────

export type TabularExpr = TableRefNode | DatatableNode | PrintNode | RangeNode | PipeNode;

/** A table name (or let-bound tabular name). */
export interface TableRefNode {
  kind: 'tableRef';
  name: string;
  span: Span;
}

export interface DatatableNode {
  kind: 'datatable';
  columns: { name: string; type: KqlType; span: Span }[];
  values: Expr[];
  span: Span;
}

export interface PrintNode {
  kind: 'print';
  items: NamedExpr[];
  span: Span;
}

export interface RangeNode {
  kind: 'range';
  column: string;
  from: Expr;
  to: Expr;
  step: Expr;
  span: Span;
}

/** `source | operator` */
export interface PipeNode {
  kind: 'pipe';
  source: TabularExpr;
  op: Operator;
  span: Span;
}

// ───────────── pipe operators ─────────────

export type Operator =
  | WhereOp | ProjectOp | ExtendOp | SummarizeOp | TakeOp | SortOp | TopOp | CountOp | DistinctOp
  | ProjectAwayOp | ProjectKeepOp | ProjectRenameOp | ProjectReorderOp | RenderOp;

export interface WhereOp { kind: 'where'; predicate: Expr; span: Span }
export interface ProjectOp { kind: 'project'; items: NamedExpr[]; span: Span }
export interface ExtendOp { kind: 'extend'; items: NamedExpr[]; span: Span }
export interface SummarizeOp { kind: 'summarize'; aggregates: NamedExpr[]; by: NamedExpr[]; span: Span }
export interface TakeOp { kind: 'take'; count: Expr; span: Span }
export interface SortOp { kind: 'sort'; keys: SortKey[]; span: Span }
export interface TopOp { kind: 'top'; count: Expr; key: SortKey; span: Span }
export interface CountOp { kind: 'count'; span: Span }
/** `distinct a, b` or `distinct *` (columns empty + star). */
export interface DistinctOp { kind: 'distinct'; items: NamedExpr[]; star: boolean; span: Span }
export interface ProjectAwayOp { kind: 'project-away'; patterns: NamePattern[]; span: Span }
export interface ProjectKeepOp { kind: 'project-keep'; patterns: NamePattern[]; span: Span }
export interface ProjectReorderOp { kind: 'project-reorder'; patterns: { pattern: NamePattern; order?: 'asc' | 'desc' }[]; span: Span }
export interface ProjectRenameOp { kind: 'project-rename'; renames: { newName: string; oldName: string; span: Span }[]; span: Span }
export interface RenderOp { kind: 'render'; visualization: string; properties: { name: string; value: Expr }[]; span: Span }

/** A column name, possibly with `*` wildcards (project-away/keep). */
export interface NamePattern {
  pattern: string;
  span: Span;
}

export interface SortKey {
  expr: Expr;
  order?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
  span: Span;
}

/** `name = expr`, `(a, b) = expr`, or a bare `expr`. */
export interface NamedExpr {
  names?: { name: string; span: Span }[];
  expr: Expr;
  span: Span;
}

// ───────────── scalar expressions ─────────────

export type Expr =
  | LiteralExpr | NameExpr | MemberExpr | IndexExpr | CallExpr | BinaryExpr | UnaryExpr | InExpr | BetweenExpr | StarExpr;

/**
 * A literal.  `value` uses the same representation as bound literals:
 * bool → boolean; int/long/timespan (ticks)/datetime (µs since epoch) → bigint;
 * real → number; string/guid/decimal → string; dynamic → canonical JSON text; null → null.
 */
export interface LiteralExpr {
  kind: 'literal';
  type: KqlType;
  value: boolean | bigint | number | string | null;
  span: Span;
}

export interface NameExpr { kind: 'name'; name: string; span: Span }
/** `target.name` */
export interface MemberExpr { kind: 'member'; target: Expr; name: string; span: Span }
/** `target[index]` */
export interface IndexExpr { kind: 'index'; target: Expr; index: Expr; span: Span }
export interface CallExpr { kind: 'call'; name: string; nameSpan: Span; args: Expr[]; span: Span }
export interface BinaryExpr { kind: 'binary'; op: string; opSpan: Span; left: Expr; right: Expr; span: Span }
export interface UnaryExpr { kind: 'unary'; op: '-' | '+'; operand: Expr; span: Span }
/** `x in (a, b)`, `x !in (…)`, `x in~ (…)`, `x !in~ (…)` */
export interface InExpr { kind: 'in'; op: 'in' | '!in' | 'in~' | '!in~'; left: Expr; list: Expr[]; span: Span }
export interface BetweenExpr { kind: 'between'; negated: boolean; left: Expr; low: Expr; high: Expr; span: Span }
/** `*` as a function argument (e.g. `count(*)`-style, take_any(*)). */
export interface StarExpr { kind: 'star'; span: Span }
