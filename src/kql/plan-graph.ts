/**
 * plan-graph.ts — the plan nodes of the graph operators (graph-operators.md): make-graph's graph
 * value and the operators that read it (graph-to-table, graph-match, graph-shortest-paths;
 * graph-mark-components returns a graph again).  emit/graph.ts writes their SQL.
 *
 * A graph is not a table: its schema is empty and only graph operators may read it (the binder
 * refuses anything else with a 400).  Nodes are the distinct ids of the edges' endpoints and of the
 * node tables' key columns; edges are the rows of the edge input whose endpoints are not null.
 */
import type { BoundExpr } from './bound.js';
import type { PlanNode } from './planner.js';
import type { ColumnSchema, KqlType } from './types.js';

/** Vigil limits: a graph holds at most this many edges and nodes. */
export const GRAPH_EDGE_LIMIT = 200_000;
export const GRAPH_NODE_LIMIT = 200_000;
/** The longest variable length edge (`*min..max`: max at most this). */
export const GRAPH_MAX_PATH_LENGTH = 10;
/** Paths one variable length edge may take in the whole graph, before where filters them. */
export const GRAPH_PATH_LIMIT = 100_000;
/** Matches (rows) of one graph-match / graph-shortest-paths. */
export const GRAPH_MATCH_LIMIT = 500_000;
export const GRAPH_EDGE_LIMIT_MESSAGE = `Vigil limit: make-graph builds graphs of at most ${GRAPH_EDGE_LIMIT} edges; filter or summarize the edges first`;
export const GRAPH_NODE_LIMIT_MESSAGE = `Vigil limit: make-graph builds graphs of at most ${GRAPH_NODE_LIMIT} nodes; filter the edges and node tables first`;
export const GRAPH_PATH_LIMIT_MESSAGE = `Vigil limit: a variable length edge of a graph pattern may take at most ${GRAPH_PATH_LIMIT} paths in the graph; lower its maximum length, use cycles=none or filter the graph first`;
export const GRAPH_MATCH_LIMIT_MESSAGE = `Vigil limit: graph-match and graph-shortest-paths return at most ${GRAPH_MATCH_LIMIT} matches; constrain the pattern with where or make the graph smaller`;

/** The limits' messages (the engine raises them; query-service.ts answers them as a 400). */
export const GRAPH_LIMIT_MESSAGES = [GRAPH_EDGE_LIMIT_MESSAGE, GRAPH_NODE_LIMIT_MESSAGE, GRAPH_PATH_LIMIT_MESSAGE, GRAPH_MATCH_LIMIT_MESSAGE];

export const NOT_A_TABLE = 'make-graph returns a graph, not a table: only graph operators (graph-match, graph-shortest-paths, graph-to-table, graph-mark-components) may follow it';

interface GraphBase {
  schema: ColumnSchema[];
  serialized?: boolean;
  asName?: string;
}

/** Where a node property's value comes from. */
export type GraphNodeProperty =
  /** column `column` of node table `table` (the first table having the node's id wins) */
  | { from: 'tables'; columns: { table: number; column: number }[] }
  /** with_node_id: the node's id */
  | { from: 'id' }
  /** graph-mark-components: the node's component index */
  | { from: 'component'; componentKind: 'weak' | 'strong' };

export interface GraphPlan extends GraphBase {
  kind: 'graph';
  /** The edge rows (each row an edge; its columns the edge's properties). */
  edges: PlanNode;
  /** Edge columns holding the source and target node ids. */
  source: number;
  target: number;
  keyType: KqlType;
  /** Node tables (`with T on K`) and their key columns. */
  nodeTables: { input: PlanNode; key: number }[];
  /** The node properties, in output order, with where each value comes from. */
  nodeSchema: ColumnSchema[];
  nodeProperties: GraphNodeProperty[];
  /** partitioned-by: a node is (partition, id); the partition column of the edges and of each node table. */
  partition?: { edges: number; nodeTables: number[] };
}

export interface GraphToTablePlan extends GraphBase {
  kind: 'graphToTable';
  graph: GraphPlan;
  what: 'nodes' | 'edges';
  /** Hash id columns first: nodes [NodeId], edges [SourceId][, TargetId]. */
  nodeId: boolean;
  sourceId: boolean;
  targetId: boolean;
}

/** One edge of a pattern, between node variables `from` (left in the pattern) and `to` (right). */
export interface GraphPatternEdge {
  from: number;
  to: number;
  direction: 'out' | 'in' | 'any';
  /** A variable length edge: between min and max edges. */
  range?: { min: number; max: number };
}

/** A column of the match row that where/project are bound against. */
export type GraphMatchColumn =
  | { kind: 'node'; variable: number; property: number }
  | { kind: 'edge'; variable: number; property: number }
  /** all()/any()/map() over a variable length edge's edges, or its inner nodes (`inner_nodes(e)`); `body` reads the element's properties. */
  | { kind: 'elements'; fn: 'all' | 'any' | 'map'; variable: number; innerNodes: boolean; body: BoundExpr }
  /** node_degree_in(n), node_degree_out(n), node_id(n) of a node variable. */
  | { kind: 'nodeFunction'; fn: GraphNodeFunction; variable: number };

/**
 * node_degree_in(), node_degree_out(), node_id(): in all()/any()/map() over inner_nodes(e), the
 * element row is the node properties followed by these three, in this order.
 */
export const GRAPH_NODE_FUNCTIONS = ['node_degree_in', 'node_degree_out', 'node_id'] as const;
export type GraphNodeFunction = (typeof GRAPH_NODE_FUNCTIONS)[number];

export interface GraphMatchPlan extends GraphBase {
  kind: 'graphMatch';
  graph: GraphPlan;
  /** Number of node variables (named and anonymous). */
  nodeVariables: number;
  edges: GraphPatternEdge[];
  cycles: 'all' | 'none' | 'unique_edges';
  /** graph-shortest-paths: per (first node, last node) pair, the shortest matches only (`any`: one, `all`: every one). */
  shortest?: { output: 'any' | 'all'; first: number; last: number };
  row: GraphMatchColumn[];
  where?: BoundExpr;
  project: BoundExpr[];
}

export type GraphOperatorPlan = GraphPlan | GraphToTablePlan | GraphMatchPlan;
