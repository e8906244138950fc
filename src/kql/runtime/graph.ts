/**
 * graph.ts — the graph operators' algorithms (emit/graph.ts): enumerating the paths a variable
 * length edge of a graph-match / graph-shortest-paths pattern may take, and the connected
 * components of graph-mark-components.  Both read the graph's edges as a JSON array of
 * `[source, target]` node numbers (1-based; the edge's number is its position, 1-based).
 */
import { BIGINT, BOOLEAN, VARCHAR } from '@duckdb/node-api';
import { runtimeFunction } from './udf.js';

/** What kql_graph_paths returns instead of the paths when there are more than its limit. */
export const GRAPH_PATHS_OVERFLOW = 'overflow';

type Adjacency = { node: number; edge: number }[][];

function adjacency(edges: [number, number][], nodeCount: number, direction: string): Adjacency {
  const adj: Adjacency = Array.from({ length: nodeCount + 1 }, () => []);
  edges.forEach(([s, t], i) => {
    const edge = i + 1;
    if (direction !== 'in') adj[s]?.push({ node: t, edge });
    if (direction !== 'out' && !(direction === 'any' && s === t)) adj[t]?.push({ node: s, edge });
  });
  return adj;
}

/**
 * Every path of `min`..`max` edges from every start node, following edges forward (`out`), backward
 * (`in`) or both (`any`).  mode `walk` allows any repetition (cycles=all), `trail` no repeated edge
 * (cycles=unique_edges), `simple` no repeated node (cycles=none, and shortest paths).  Returns a
 * JSON array of `{"s": start, "t": end, "e": [edges], "n": [inner nodes]}`, or
 * GRAPH_PATHS_OVERFLOW past `limit` paths.
 */
export function graphPaths(edgesJson: string, nodeCount: number, direction: string, min: number, max: number, mode: string, limit: number, starts: string): string {
  const adj = adjacency(JSON.parse(edgesJson) as [number, number][], nodeCount, direction);
  // the start nodes: '*' for every node, else a JSON array of node numbers (the pattern's where restricts them)
  const from = starts === '*' ? Array.from({ length: nodeCount }, (_, i) => i + 1) : (JSON.parse(starts) as number[]);
  const out: string[] = [];
  const edgePath: number[] = [];
  const nodePath: number[] = [];
  const onPathEdges = new Set<number>();
  const onPathNodes = new Set<number>();
  let overflow = false;
  const visit = (start: number, at: number): void => {
    if (overflow) return;
    if (edgePath.length >= min) {
      if (out.length >= limit) {
        overflow = true;
        return;
      }
      out.push(`{"s":${start},"t":${at},"e":[${edgePath.join(',')}],"n":[${nodePath.slice(0, -1).join(',')}]}`);
    }
    if (edgePath.length >= max) return;
    for (const { node, edge } of adj[at] ?? []) {
      if (mode === 'trail' && onPathEdges.has(edge)) continue;
      if (mode === 'simple' && onPathNodes.has(node)) continue;
      edgePath.push(edge);
      nodePath.push(node);
      onPathEdges.add(edge);
      onPathNodes.add(node);
      visit(start, node);
      edgePath.pop();
      nodePath.pop();
      // a walk may hold an edge or node twice: only forget it when no other occurrence is left
      if (!edgePath.includes(edge)) onPathEdges.delete(edge);
      if (node !== start && !nodePath.includes(node)) onPathNodes.delete(node);
      if (overflow) return;
    }
  };
  for (const start of from) {
    if (overflow) break;
    onPathNodes.clear();
    onPathEdges.clear();
    onPathNodes.add(start);
    visit(start, start);
  }
  return overflow ? GRAPH_PATHS_OVERFLOW : `[${out.join(',')}]`;
}

/**
 * The component of every node (a JSON array, node 1 first): weak components ignore the edges'
 * direction, strong ones are the sets of nodes that reach each other.  Components are numbered
 * 0, 1, … in the order of their first node.
 */
export function graphComponents(edgesJson: string, nodeCount: number, strong: boolean): string {
  const edges = JSON.parse(edgesJson) as [number, number][];
  const label = strong ? strongComponents(edges, nodeCount) : weakComponents(edges, nodeCount);
  const number = new Map<number, number>();
  const out: number[] = [];
  for (let n = 1; n <= nodeCount; n++) {
    const l = label[n]!;
    if (!number.has(l)) number.set(l, number.size);
    out.push(number.get(l)!);
  }
  return JSON.stringify(out);
}

function weakComponents(edges: [number, number][], nodeCount: number): number[] {
  const parent = Array.from({ length: nodeCount + 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const [s, t] of edges) {
    const a = find(s), b = find(t);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  return parent.map((_, i) => find(i));
}

/** Tarjan's algorithm, iterative (no recursion depth limit on long chains). */
function strongComponents(edges: [number, number][], nodeCount: number): number[] {
  const adj = adjacency(edges, nodeCount, 'out');
  const index = new Array<number>(nodeCount + 1).fill(-1);
  const low = new Array<number>(nodeCount + 1).fill(0);
  const onStack = new Array<boolean>(nodeCount + 1).fill(false);
  const label = new Array<number>(nodeCount + 1).fill(0);
  const stack: number[] = [];
  let next = 0;
  for (let root = 1; root <= nodeCount; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; i: number }[] = [{ node: root, i: 0 }];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1]!;
      const nbrs = adj[top.node]!;
      if (top.i < nbrs.length) {
        const w = nbrs[top.i++]!.node;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = true;
          work.push({ node: w, i: 0 });
        } else if (onStack[w]) low[top.node] = Math.min(low[top.node]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1]!.node] = Math.min(low[work[work.length - 1]!.node]!, low[top.node]!);
      if (low[top.node] === index[top.node]) {
        // the component's label is its smallest node number
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          members.push(w);
        } while (w !== top.node);
        const l = Math.min(...members);
        for (const m of members) label[m] = l;
      }
    }
  }
  return label;
}

export const GRAPH_FUNCTIONS = [
  runtimeFunction('kql_graph_paths', [VARCHAR, BIGINT, VARCHAR, BIGINT, BIGINT, VARCHAR, BIGINT, VARCHAR], VARCHAR,
    (edges: string, nodes: bigint, direction: string, min: bigint, max: bigint, mode: string, limit: bigint, starts: string) =>
      graphPaths(edges, Number(nodes), direction, Number(min), Number(max), mode, Number(limit), starts)),
  runtimeFunction('kql_graph_components', [VARCHAR, BIGINT, BOOLEAN], VARCHAR,
    (edges: string, nodes: bigint, strong: boolean) => graphComponents(edges, Number(nodes), strong)),
];
