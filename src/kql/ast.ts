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

export type Statement = LetStatement | TabularStatement | SetStatement;

/** `set name [= value];` — a query option. */
export interface SetStatement {
  kind: 'set';
  name: string;
  value?: Expr;
  span: Span;
}

/** A parameter of a let function: scalar (`x:long = 1`) or tabular (`T:(a:long)`, `T:(*)`). */
export interface FunctionParam {
  name: string;
  span: Span;
  /** scalar type, or 'tabular' */
  type: KqlType | 'tabular';
  /** for tabular parameters: the declared columns (empty with star = `(*)`) */
  columns?: { name: string; type: KqlType }[];
  default?: Expr;
}

/** `(params) { let …; body }` or `view () { … }` */
export interface FunctionDef {
  kind: 'function';
  params: FunctionParam[];
  /** let statements inside the body */
  lets: LetStatement[];
  body: Expr | TabularExpr;
  view: boolean;
  span: Span;
}

/** `let name = <scalar or tabular expression>;` */
export interface LetStatement {
  kind: 'let';
  name: string;
  nameSpan: Span;
  value: Expr | TabularExpr | FunctionDef;
  span: Span;
}

/** A tabular expression statement — produces a result set. */
export interface TabularStatement {
  kind: 'tabular';
  expr: TabularExpr;
  span: Span;
}

// ───────────── tabular expressions ─────────────

export type TabularExpr =
  | TableRefNode | DatatableNode | PrintNode | RangeNode | PipeNode | TabularCallNode | QualifiedRefNode | UnionSourceNode | SearchSourceNode;

/** `f(args)` used as a tabular source (let function, materialize(), view, …). */
export interface TabularCallNode {
  kind: 'tcall';
  name: string;
  nameSpan: Span;
  args: Expr[];
  span: Span;
}

/** `workspace('id').Table` / `resource('id').Table` */
export interface QualifiedRefNode {
  kind: 'qref';
  qkind: 'workspace' | 'resource' | 'app';
  id: string;
  table: string;
  span: Span;
}

/** `union …` at the start of a pipeline. */
export interface UnionSourceNode { kind: 'unionSource'; op: UnionOp; span: Span }
/** `search …` at the start of a pipeline. */
export interface SearchSourceNode { kind: 'searchSource'; op: SearchOp; span: Span }

/** One leg of a union / a search table source: a (wildcard) name, or a tabular expression. */
export type UnionLeg = { kind: 'pattern'; pattern: string; span: Span } | { kind: 'expr'; expr: TabularExpr; span: Span };

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
  /** `externaldata (schema) [uris] with (…)`: parsed (schema and all), refused by the binder. */
  external?: true;
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
  | ProjectAwayOp | ProjectKeepOp | ProjectByNamesOp | ProjectRenameOp | ProjectReorderOp | RenderOp
  | UnionOp | JoinOp | LookupOp | AsOp | SerializeOp | MvExpandOp | MvApplyOp | ParseOp | ParseKvOp | MakeSeriesOp
  | SearchOp | GetSchemaOp | SampleOp | SampleDistinctOp | TopNestedOp | EvaluateOp | InvokeOp
  | PartitionOp | TopHittersOp | ConsumeOp | ScanOp | ForkOp | FacetOp | ReduceOp
  | MakeGraphOp | GraphMatchOp | GraphToTableOp | GraphMarkComponentsOp;

export interface UnionOp { kind: 'union'; unionKind: 'inner' | 'outer'; withsource?: string; isfuzzy: boolean; legs: UnionLeg[]; span: Span }
export type JoinKind = 'innerunique' | 'inner' | 'leftouter' | 'rightouter' | 'fullouter' | 'leftanti' | 'rightanti' | 'leftsemi' | 'rightsemi';
export interface JoinOp { kind: 'join'; joinKind: JoinKind; right: TabularExpr; on: Expr[]; span: Span }
export interface LookupOp { kind: 'lookup'; lookupKind: 'leftouter' | 'inner'; right: TabularExpr; on: Expr[]; span: Span }
export interface AsOp { kind: 'as'; name: string; span: Span }
export interface SerializeOp { kind: 'serialize'; items: NamedExpr[]; span: Span }
export interface MvExpandItem { name?: string; expr: Expr; toType?: KqlType; span: Span }
export interface MvExpandOp { kind: 'mv-expand'; bagKind: 'bag' | 'array'; itemIndex?: string; items: MvExpandItem[]; limit?: Expr; span: Span }
/** `partition by Column ( subquery )`: the subquery runs on each subtable of one Column value (source: PARTITION_SOURCE); `withSource` for the `{ … }` form. */
export interface PartitionOp { kind: 'partition'; column: string; columnSpan: Span; body: TabularExpr; withSource: boolean; span: Span }
/** `top-hitters N of Value [by Summing]`. */
export interface TopHittersOp { kind: 'top-hitters'; count: Expr; value: Expr; by?: Expr; span: Span }
/** `reduce [kind=source] by Expr [with threshold=T, characters=C]` (reduce-operator.md). */
export interface ReduceOp { kind: 'reduce'; source: boolean; by: Expr; options: { name: string; value: Expr; span: Span }[]; span: Span }
/** `consume`: reads its input and returns nothing. */
export interface ConsumeOp { kind: 'consume'; span: Span }
/** `scan [with_match_id=Id] [declare (c: T [= v], …)] with (step s [output=all|last|none]: cond [=> c = e, …]; …)` (scan-operator.md). */
export interface ScanOp { kind: 'scan'; matchId?: { name: string; span: Span }; declare: ScanDeclaration[]; steps: ScanStep[]; span: Span }
/** `fork [name=](ops) …` (fork-operator.md): one result table per leg; each leg's body reads FORK_SOURCE. */
export interface ForkOp { kind: 'fork'; legs: { name?: string; body: TabularExpr; span: Span }[]; span: Span }
/** `facet by c1, c2 [with (ops)]` (facet-operator.md): the `with` table (body reads FORK_SOURCE), then one count table per column. */
export interface FacetOp { kind: 'facet'; columns: { name: string; span: Span }[]; body?: TabularExpr; span: Span }
// ───────────── graph operators (graph-operators.md) ─────────────

/** `make-graph Src --> Dst [with T1 on K1 [, T2 on K2] | with_node_id=Name] [partitioned-by P (GraphOp)]`. */
export interface MakeGraphOp {
  kind: 'make-graph'; source: { name: string; span: Span }; target: { name: string; span: Span };
  nodes: { table: TabularExpr; key: { name: string; span: Span }; span: Span }[];
  nodeId?: { name: string; span: Span };
  partitionedBy?: { column: { name: string; span: Span }; body: TabularExpr };
  span: Span;
}
/** One element of a graph pattern: a node `(n)` / `()` or an edge `-[e]->`, `<--`, `-[e*1..3]-`. */
export type GraphPatternElement =
  | { kind: 'node'; name?: string; span: Span }
  | { kind: 'edge'; name?: string; direction: 'out' | 'in' | 'any'; range?: { min: number; max: number }; span: Span };
/** `graph-match [cycles=…] Pattern [where C] project …` and `graph-shortest-paths [output=…] Pattern [where C] project …`. */
export interface GraphMatchOp {
  kind: 'graph-match' | 'graph-shortest-paths';
  cycles?: 'all' | 'none' | 'unique_edges';
  output?: 'any' | 'all';
  sequences: GraphPatternElement[][];
  where?: Expr;
  project: NamedExpr[];
  span: Span;
}
/** `graph-to-table nodes [as N] [with_node_id=C]` / `edges [as E] [with_source_id=C] [with_target_id=C]`, or both, comma separated. */
export interface GraphToTableOp {
  kind: 'graph-to-table';
  parts: { what: 'nodes' | 'edges'; as?: string; nodeId?: string; sourceId?: string; targetId?: string; span: Span }[];
  span: Span;
}
/** `graph-mark-components [kind=weak|strong] [with_component_id=C]`. */
export interface GraphMarkComponentsOp { kind: 'graph-mark-components'; componentKind: 'weak' | 'strong'; column: string; span: Span }
export interface ScanDeclaration { name: string; type: KqlType; default?: Expr; span: Span }
export interface ScanStep { name: string; nameSpan: Span; output: 'all' | 'last' | 'none'; condition: Expr; assignments: { name: string; nameSpan: Span; expr: Expr }[]; span: Span }
export interface MvApplyOp { kind: 'mv-apply'; itemIndex?: string; items: MvExpandItem[]; limit?: Expr; body: TabularExpr; span: Span }
/** parse / parse-where: the pattern is a sequence of string literals, `*` and column declarations. */
export type ParsePart = { kind: 'text'; value: string; span: Span } | { kind: 'star'; span: Span } | { kind: 'column'; name: string; type: KqlType; span: Span };
export interface ParseOp { kind: 'parse' | 'parse-where'; parseKind: 'simple' | 'regex' | 'relaxed'; flags?: string; source: Expr; parts: ParsePart[]; span: Span }
export interface ParseKvOp {
  kind: 'parse-kv'; source: Expr; columns: { name: string; type: KqlType; span: Span }[];
  options: { name: string; value: Expr; span: Span }[]; span: Span;
}
export interface MakeSeriesOp {
  kind: 'make-series'; aggregates: { item: NamedExpr; default?: Expr }[]; on: Expr; onName?: string;
  /** kind=nonempty: without group keys, an empty input still gives one row of defaults (make-series-operator.md) */
  nonEmpty?: boolean;
  from?: Expr; to?: Expr; step: Expr; inRange?: boolean; by: NamedExpr[]; span: Span;
}
export interface SearchOp {
  kind: 'search';
  caseSensitive: boolean;
  tables?: UnionLeg[];
  predicate: Expr;
  span: Span;
  /** `find` (find-operator.md): its source column and output schema, where search has `$table` and every column. */
  find?: FindOutput;
}
/** `find [withsource=C] … [project-smart | project Col[:type], …[, pack_all()]]` */
export interface FindOutput {
  withsource: string;
  /** undefined: project-smart. */
  project?: { columns: { name: string; type?: KqlType; span: Span }[]; packAll: boolean };
}
export interface GetSchemaOp { kind: 'getschema'; span: Span }
export interface SampleOp { kind: 'sample'; count: Expr; span: Span }
export interface SampleDistinctOp { kind: 'sample-distinct'; count: Expr; column: Expr; span: Span }
export interface TopNestedLevel { count?: Expr; of: NamedExpr; others?: Expr; by: NamedExpr; order?: 'asc' | 'desc'; span: Span }
export interface TopNestedOp { kind: 'top-nested'; levels: TopNestedLevel[]; span: Span }
export interface EvaluateOp { kind: 'evaluate'; plugin: string; pluginSpan: Span; args: Expr[]; schema?: { name: string; type: KqlType }[]; schemaStar?: boolean; span: Span }
export interface InvokeOp { kind: 'invoke'; call: CallExpr; span: Span }

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
/** `project-by-names` (project-by-names-operator.md): constant names, dynamic arrays of names, or wildcard patterns. */
export interface ProjectByNamesOp { kind: 'project-by-names'; specs: Expr[]; span: Span }
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
  | LiteralExpr | NameExpr | MemberExpr | IndexExpr | CallExpr | BinaryExpr | UnaryExpr | InExpr | BetweenExpr | StarExpr | SubqueryExpr;

/** A tabular expression used where a value is expected: `x in (T | project y)`, `toscalar(T | count)`, tabular function arguments. */
export interface SubqueryExpr { kind: 'subquery'; query: TabularExpr; span: Span }

/**
 * A literal.  `value` uses the same representation as bound literals:
 * bool → boolean; int/long/timespan (ticks)/datetime (100-ns ticks since 0001-01-01) → bigint;
 * real → number; string/guid/decimal → string; dynamic → canonical JSON text; null → null.
 */
export interface LiteralExpr {
  kind: 'literal';
  type: KqlType;
  value: boolean | bigint | number | string | null;
  span: Span;
  /** A type literal `typeof(T)` (only as a function argument, e.g. extract()'s 4th): value is T's name. */
  typeOf?: KqlType;
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
