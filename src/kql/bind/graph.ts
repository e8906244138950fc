/**
 * bind/graph.ts — the binder's graph operators (graph-operators.md): make-graph builds a graph
 * value (plan-graph.ts) from the edge rows and the node tables — every one of them bound as any
 * tabular expression, so a table reaches a graph only through resolveTable's authorization — and
 * graph-to-table, graph-match, graph-shortest-paths and graph-mark-components read it.
 *
 * A graph is not a table: an operator other than a graph operator after make-graph, or a query
 * whose result is a graph, is refused with a 400.  The persisted graph models of `graph('…')` do
 * not exist in a Log Analytics workspace and are refused too; so labels() (of graph models) is always [].
 *
 * graph-match's `where` and `project` are bound against a match row: one column per property of
 * each named node and fixed edge variable (`n.p`), and one per all()/any()/map() over a variable
 * length edge (its body bound against the element's properties).
 */
import type * as A from '../ast.js';
import type { BoundExpr } from '../bound.js';
import type { Span } from '../errors.js';
import { GRAPH_PARTITION_SOURCE } from '../parser.js';
import type { GraphMatchColumn, GraphMatchPlan, GraphNodeProperty, GraphPatternEdge, GraphPlan, GraphToTablePlan } from '../plan-graph.js';
import { GRAPH_MAX_PATH_LENGTH, GRAPH_NODE_FUNCTIONS, NOT_A_TABLE, type GraphNodeFunction } from '../plan-graph.js';

export { NOT_A_TABLE } from '../plan-graph.js';
import type * as P from '../planner.js';
import type { ColumnSchema } from '../types.js';
import { Names, type RowContext, Scope } from './context.js';
import { OperatorBinder } from './operators.js';

const GRAPH_OPERATORS = new Set(['graph-match', 'graph-shortest-paths', 'graph-to-table', 'graph-mark-components']);

export function isGraph(plan: P.PlanNode): plan is GraphPlan {
  return plan.kind === 'graph';
}

/** The match-row column name of `variable.property` (never a valid KQL identifier). */
const rowName = (variable: string, property: string) => `\u0000g\u0000${variable}\u0000${property}`;

export abstract class GraphBinder extends OperatorBinder {
  protected override bindOperator(input: P.PlanNode, op: A.Operator, scope: Scope): P.PlanNode {
    if (op.kind === 'make-graph') {
      if (isGraph(input)) throw this.error(op.span, 'make-graph: its input is already a graph; make-graph reads a table of edges');
      return this.bindMakeGraph(input, op, scope);
    }
    if (GRAPH_OPERATORS.has(op.kind)) {
      if (!isGraph(input)) throw this.error(op.span, `${op.kind}: its input must be a graph (the output of make-graph), not a table`);
      switch (op.kind) {
        case 'graph-to-table':
          return this.bindGraphToTable(input, op, scope);
        case 'graph-mark-components':
          return this.bindMarkComponents(input, op);
        case 'graph-match':
        case 'graph-shortest-paths':
          return this.bindGraphMatch(input, op, scope);
      }
    }
    if (isGraph(input) && op.kind !== 'as') throw this.error(op.span, `${op.kind}: ${NOT_A_TABLE}`);
    return super.bindOperator(input, op, scope);
  }

  protected override bindSource(t: Exclude<A.TabularExpr, A.PipeNode>, scope: Scope): P.PlanNode {
    if (t.kind === 'tcall' && t.name === 'graph' && scope.lookup('graph') === undefined) {
      throw this.error(t.span, 'graph(): persisted graph models do not exist in a Log Analytics workspace; build the graph in the query with make-graph');
    }
    return super.bindSource(t, scope);
  }

  // ───────────── make-graph ─────────────

  private bindMakeGraph(edges: P.PlanNode, op: A.MakeGraphOp, scope: Scope): P.PlanNode {
    const column = (plan: P.PlanNode, c: { name: string; span: Span }, what: string) => {
      const i = plan.schema.findIndex((s) => s.name === c.name);
      if (i < 0) throw this.error(c.span, `make-graph: the ${what} column '${c.name}' does not exist`);
      return i;
    };
    const source = column(edges, op.source, 'source node id');
    const target = column(edges, op.target, 'target node id');
    const keyType = edges.schema[source]!.type;
    if (edges.schema[target]!.type !== keyType) throw this.error(op.target.span, `make-graph: the source and target node ids must have one type (${keyType} and ${edges.schema[target]!.type})`);
    if (keyType === 'dynamic') throw this.error(op.source.span, 'make-graph: node ids cannot be dynamic values; convert them (tostring(…), tolong(…)) first');
    const nodeTables: GraphPlan['nodeTables'] = [];
    const nodeSchema: ColumnSchema[] = [];
    const nodeProperties: GraphNodeProperty[] = [];
    if (op.nodes.length > 2) throw this.error(op.nodes[2]!.span, 'make-graph: at most two node tables (with Nodes1 on Id1, Nodes2 on Id2)');
    op.nodes.forEach((n, t) => {
      const input = this.bindTabular(n.table, scope);
      if (isGraph(input)) throw this.error(n.span, `make-graph: the node table is a graph; ${NOT_A_TABLE}`);
      const key = column(input, n.key, 'node id');
      if (input.schema[key]!.type !== keyType) throw this.error(n.key.span, `make-graph: the node id column '${n.key.name}' is ${input.schema[key]!.type}, the edges' node ids are ${keyType}`);
      nodeTables.push({ input, key });
      input.schema.forEach((c, i) => {
        const j = nodeSchema.findIndex((s) => s.name === c.name);
        if (j < 0) {
          nodeSchema.push({ name: c.name, type: c.type });
          nodeProperties.push({ from: 'tables', columns: [{ table: t, column: i }] });
        } else {
          if (nodeSchema[j]!.type !== c.type) throw this.error(n.span, `make-graph: the node property '${c.name}' is ${nodeSchema[j]!.type} in one node table and ${c.type} in the other`);
          (nodeProperties[j] as Extract<GraphNodeProperty, { from: 'tables' }>).columns.push({ table: t, column: i });
        }
      });
    });
    if (op.nodeId) {
      nodeSchema.push({ name: op.nodeId.name, type: keyType });
      nodeProperties.push({ from: 'id' });
    }
    const graph: GraphPlan = { kind: 'graph', schema: [], edges, source, target, keyType, nodeTables, nodeSchema, nodeProperties };
    if (!op.partitionedBy) return graph;
    const p = op.partitionedBy.column;
    const pe = edges.schema.findIndex((s) => s.name === p.name);
    if (pe < 0) throw this.error(p.span, `make-graph: partitioned-by: the edges have no column '${p.name}'`);
    const pn = nodeTables.map((t, k) => {
      const i = t.input.schema.findIndex((s) => s.name === p.name);
      if (i < 0) throw this.error(op.nodes[k]!.span, `make-graph: partitioned-by: the node table has no column '${p.name}' (the edges and every node table must have the partition column)`);
      if (t.input.schema[i]!.type !== edges.schema[pe]!.type) throw this.error(op.nodes[k]!.span, `make-graph: partitioned-by: '${p.name}' has another type in the node table`);
      return i;
    });
    graph.partition = { edges: pe, nodeTables: pn };
    // a node is (partition, id): no edge joins two partitions, so one graph over every partition answers as the per-partition graphs combined
    const inner = new Scope(scope);
    inner.define(GRAPH_PARTITION_SOURCE, { kind: 'tabular', plan: graph });
    const out = this.bindTabular(op.partitionedBy.body, inner);
    if (isGraph(out)) throw this.error(op.span, 'make-graph: partitioned-by: the operator in parentheses must return a table (graph-match, graph-shortest-paths or graph-to-table)');
    return out;
  }

  // ───────────── graph-to-table, graph-mark-components ─────────────

  private bindGraphToTable(graph: GraphPlan, op: A.GraphToTableOp, scope: Scope): P.PlanNode {
    if (op.parts.length !== 1) {
      throw this.error(op.span, 'graph-to-table: nodes and edges together return two result tables, which a Log Analytics query cannot return; export them in two queries (graph-to-table nodes …, graph-to-table edges …)');
    }
    const part = op.parts[0]!;
    const idColumns: ColumnSchema[] = [];
    if (part.nodeId) idColumns.push({ name: part.nodeId, type: 'long' });
    if (part.sourceId) idColumns.push({ name: part.sourceId, type: 'long' });
    if (part.targetId) idColumns.push({ name: part.targetId, type: 'long' });
    const columns = [...idColumns, ...(part.what === 'nodes' ? graph.nodeSchema : graph.edges.schema)];
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name)) throw this.error(part.span, `graph-to-table: the column '${c.name}' appears twice`);
      seen.add(c.name);
    }
    const plan: GraphToTablePlan = {
      kind: 'graphToTable', graph, what: part.what, schema: columns.map((c) => ({ ...c })),
      nodeId: !!part.nodeId, sourceId: !!part.sourceId, targetId: !!part.targetId,
    };
    if (part.as) {
      plan.asName = part.as;
      scope.define(part.as, { kind: 'tabular', plan });
    }
    return plan;
  }

  private bindMarkComponents(graph: GraphPlan, op: A.GraphMarkComponentsOp): GraphPlan {
    if (graph.nodeSchema.some((c) => c.name === op.column)) throw this.error(op.span, `graph-mark-components: the nodes already have a property '${op.column}'; name the component id with with_component_id=`);
    return {
      ...graph,
      nodeSchema: [...graph.nodeSchema, { name: op.column, type: 'long' }],
      nodeProperties: [...graph.nodeProperties, { from: 'component', componentKind: op.componentKind }],
    };
  }

  // ───────────── graph-match, graph-shortest-paths ─────────────

  private bindGraphMatch(graph: GraphPlan, op: A.GraphMatchOp, scope: Scope): GraphMatchPlan {
    const what = op.kind;
    const nodeVars = new Map<string, number>();
    const nodeNames: (string | undefined)[] = [];
    const edgeVars = new Map<string, number>();
    const edges: GraphPatternEdge[] = [];
    const nodeVar = (el: A.GraphPatternElement) => {
      if (el.name !== undefined) {
        if (edgeVars.has(el.name)) throw this.error(el.span, `${what}: '${el.name}' names an edge and a node`);
        const known = nodeVars.get(el.name);
        if (known !== undefined) return known;
        nodeVars.set(el.name, nodeNames.length);
      }
      nodeNames.push(el.name);
      return nodeNames.length - 1;
    };
    for (const seq of op.sequences) {
      let left = nodeVar(seq[0]!);
      for (let i = 1; i < seq.length; i += 2) {
        const el = seq[i] as Extract<A.GraphPatternElement, { kind: 'edge' }>;
        const right = nodeVar(seq[i + 1]!);
        if (el.name !== undefined) {
          if (edgeVars.has(el.name)) throw this.error(el.span, `${what}: the edge variable '${el.name}' appears twice in the pattern`);
          if (nodeVars.has(el.name)) throw this.error(el.span, `${what}: '${el.name}' names an edge and a node`);
          edgeVars.set(el.name, edges.length);
        }
        const edge: GraphPatternEdge = { from: left, to: right, direction: el.direction };
        if (el.range) {
          const { min, max } = el.range;
          if (min > max) throw this.error(el.span, `${what}: the variable length edge's minimum (${min}) is greater than its maximum (${max})`);
          if (max > GRAPH_MAX_PATH_LENGTH) throw this.error(el.span, `${what}: a variable length edge may have at most ${GRAPH_MAX_PATH_LENGTH} edges (Vigil limit), got ${max}`);
          edge.range = { min, max };
        }
        edges.push(edge);
        left = right;
      }
    }
    // only single connected component patterns are supported (graph-match-operator.md)
    const parent = nodeNames.map((_, i) => i);
    const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
    for (const e of edges) parent[find(e.from)] = find(e.to);
    if (nodeNames.some((_, i) => find(i) !== find(0))) throw this.error(op.span, `${what}: the pattern's sequences must share node variables (only single connected component patterns are supported)`);
    let shortest: GraphMatchPlan['shortest'];
    if (what === 'graph-shortest-paths') {
      if (op.sequences.length !== 1) throw this.error(op.span, 'graph-shortest-paths: the pattern must be one sequence');
      if (!edges.some((e) => e.range)) throw this.error(op.span, 'graph-shortest-paths: the pattern must have a variable length edge');
      shortest = { output: op.output ?? 'any', first: edges[0]!.from, last: edges[edges.length - 1]!.to };
    }

    // the match row: every property of every named node and fixed edge variable
    const row: GraphMatchColumn[] = [];
    const schema: ColumnSchema[] = [];
    for (const [name, v] of nodeVars) {
      graph.nodeSchema.forEach((c, property) => {
        row.push({ kind: 'node', variable: v, property });
        schema.push({ name: rowName(name, c.name), type: c.type });
      });
    }
    for (const [name, x] of edgeVars) {
      if (edges[x]!.range) continue;
      graph.edges.schema.forEach((c, property) => {
        row.push({ kind: 'edge', variable: x, property });
        schema.push({ name: rowName(name, c.name), type: c.type });
      });
    }
    const rowContext: RowContext = { schema, aggregates: false };
    const variableLength = (e: A.Expr): { variable: number; innerNodes: boolean } | undefined => {
      const inner = e.kind === 'call' && e.name === 'inner_nodes';
      const target = inner ? (e as A.CallExpr).args[0] : e;
      if (inner && (e as A.CallExpr).args.length !== 1) throw this.error(e.span, 'inner_nodes(): expects one variable length edge');
      if (target?.kind !== 'name') return inner ? this.fail(e.span, 'inner_nodes(): its argument must be a variable length edge of the pattern') : undefined;
      const x = edgeVars.get(target.name);
      if (x === undefined || !edges[x]!.range) return inner ? this.fail(e.span, `inner_nodes(): '${target.name}' is not a variable length edge of the pattern`) : undefined;
      return { variable: x, innerNodes: inner };
    };
    const isNodeFunction = (e: A.Expr): e is A.CallExpr => e.kind === 'call' && (GRAPH_NODE_FUNCTIONS as readonly string[]).includes(e.name);
    const nodeFunctionName = (fn: string) => `\u0000g\u0000${fn}`;
    const elements = (fn: 'all' | 'any' | 'map', of: { variable: number; innerNodes: boolean }, body: A.Expr): A.Expr => {
      // over inner nodes, node_degree_in() etc. (no argument) read the element node
      const elementSchema = of.innerNodes
        ? [...graph.nodeSchema, { name: nodeFunctionName('node_degree_in'), type: 'long' as const }, { name: nodeFunctionName('node_degree_out'), type: 'long' as const }, { name: nodeFunctionName('node_id'), type: graph.keyType }]
        : graph.edges.schema;
      const elementBody = rewriteExpr(body, (e) => {
        if (e.kind === 'call' && e.name === 'labels' && e.args.length === 0) return noLabels(e.span);
        if (!isNodeFunction(e) || e.args.length !== 0) return undefined;
        if (!of.innerNodes) throw this.error(e.span, `${e.name}(): without an argument only inside all(), any() or map() over inner_nodes()`);
        return { kind: 'name', name: nodeFunctionName(e.name), span: e.span };
      });
      const elementRow = { schema: elementSchema, aggregates: false };
      const bound = fn === 'map'
        ? this.bindScalar(elementBody, elementRow, scope)
        : this.requireBool(this.bindScalar(elementBody, elementRow, scope), body.span, `${fn}()`);
      row.push({ kind: 'elements', fn, variable: of.variable, innerNodes: of.innerNodes, body: bound });
      const name = `\u0000g\u0000fn${row.length}`;
      schema.push({ name, type: fn === 'map' ? 'dynamic' : 'bool' });
      return { kind: 'name', name, span: body.span };
    };
    const rewrite = (e: A.Expr): A.Expr | undefined => {
      if (e.kind === 'member' && e.target.kind === 'name') {
        const v = e.target.name;
        if (nodeVars.has(v)) {
          if (!graph.nodeSchema.some((c) => c.name === e.name)) throw this.error(e.span, `${what}: the nodes have no property '${e.name}'`);
          return { kind: 'name', name: rowName(v, e.name), span: e.span };
        }
        const x = edgeVars.get(v);
        if (x !== undefined) {
          if (!graph.edges.schema.some((c) => c.name === e.name)) throw this.error(e.span, `${what}: the edges have no property '${e.name}'`);
          if (!edges[x]!.range) return { kind: 'name', name: rowName(v, e.name), span: e.span };
          // a property of a variable length edge is the array of its edges' values
          return elements('map', { variable: x, innerNodes: false }, { kind: 'name', name: e.name, span: e.span });
        }
      }
      if (e.kind === 'call' && (e.name === 'all' || e.name === 'any' || e.name === 'map') && e.args.length === 2) {
        const of = variableLength(e.args[0]!);
        if (of) return elements(e.name, of, e.args[1]!);
      }
      if (e.kind === 'call' && e.name === 'inner_nodes') throw this.error(e.span, 'inner_nodes(): only as the first argument of all(), any() or map()');
      if (e.kind === 'call' && e.name === 'labels') {
        // labels-graph-function.md: a graph of make-graph has no labels, labels() is always []
        const arg = e.args[0];
        if (e.args.length !== 1 || arg?.kind !== 'name' || !(nodeVars.has(arg.name) || edgeVars.has(arg.name))) throw this.error(e.span, 'labels(): expects a node or edge variable of the pattern (or no argument inside all(), any() or map())');
        return noLabels(e.span);
      }
      if (isNodeFunction(e)) {
        const arg = e.args[0];
        const v = arg?.kind === 'name' && e.args.length === 1 ? nodeVars.get(arg.name) : undefined;
        if (v === undefined) throw this.error(e.span, `${e.name}(): expects a node variable of the pattern (or no argument inside all(), any() or map() over inner_nodes())`);
        row.push({ kind: 'nodeFunction', fn: e.name as GraphNodeFunction, variable: v });
        const name = `\u0000g\u0000fn${row.length}`;
        schema.push({ name, type: e.name === 'node_id' ? graph.keyType : 'long' });
        return { kind: 'name', name, span: e.span };
      }
      if (e.kind === 'name' && (nodeVars.has(e.name) || edgeVars.has(e.name))) throw this.error(e.span, `${what}: '${e.name}' is a pattern variable; use its properties (${e.name}.property)`);
      return undefined;
    };
    const where = op.where ? this.requireBool(this.bindScalar(rewriteExpr(op.where, rewrite), rowContext, scope), op.where.span, what) : undefined;
    const names = new Names();
    const project = op.project.map((item) => {
      const expr = this.bindScalar(rewriteExpr(item.expr, rewrite), rowContext, scope);
      const m = item.expr;
      // unnamed: n.p is n_p, node_degree_out(n) is node_degree_out (as Kusto names them)
      const name = item.names ? this.columnName(item, expr, names)
        : m.kind === 'member' && m.target.kind === 'name' ? names.unique(`${m.target.name}_${m.name}`)
          : isNodeFunction(m) ? names.unique(m.name)
            : expr.k === 'col' && expr.name.startsWith('\u0000') ? names.nextColumn() : this.derivedName(expr, names);
      return { name, expr };
    });
    if (project.length === 0) throw this.error(op.span, `${what}: expected a project clause`);
    const plan: GraphMatchPlan = {
      kind: 'graphMatch', graph, nodeVariables: nodeNames.length, edges, cycles: op.cycles ?? 'unique_edges', row,
      project: project.map((p) => p.expr), schema: project.map((p) => ({ name: p.name, type: p.expr.type })),
    };
    if (shortest) plan.shortest = shortest;
    if (where) plan.where = where;
    return plan;
  }

  private fail(span: Span, message: string): never {
    throw this.error(span, message);
  }
}

/** labels() of an element of a make-graph graph: graphs built in the query have no labels. */
const noLabels = (span: Span): A.Expr => ({ kind: 'literal', type: 'dynamic', value: '[]', span });

/** The expression with `f`'s replacements (f returns undefined to keep a node and look inside it). */
function rewriteExpr(e: A.Expr, f: (e: A.Expr) => A.Expr | undefined): A.Expr {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object') return x;
    const o = x as Record<string, unknown>;
    if (typeof o.kind === 'string' && 'span' in o) {
      const r = f(o as unknown as A.Expr);
      if (r) return r;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v)]));
  };
  return walk(e) as A.Expr;
}
