/**
 * emit/graph.ts — the graph operators' SQL (plan-graph.ts).  Each operator is one statement with
 * its own WITH clause: the graph's nodes and edges are numbered relations built from the edge rows
 * and the node tables (as any other operator's inputs, from their plans), and
 *
 *   - graph-to-table selects them;
 *   - graph-mark-components numbers the components in runtime/graph.ts (kql_graph_components);
 *   - graph-match joins one copy of the nodes per node variable with one copy of the edges per
 *     fixed edge and one path list per variable length edge (runtime/graph.ts, kql_graph_paths,
 *     enumerates the paths, from the nodes that `where` conditions on one end's variable alone
 *     allow), then applies the cycles option, `where` and `project`;
 *   - graph-shortest-paths keeps, per (first node, last node), the matches of fewest edges.
 *
 * Relations: g_n(__n node number 1…, __k node key, __id node id, p0… properties) ordered by first
 * appearance (node tables first, then the edges' endpoints), g_e(__e edge number 1…, __s, __t node
 * numbers, c0… edge columns) in input order.  Past the limits of plan-graph.ts the query fails with
 * their messages (query-service.ts passes them to the user as a 400).
 */
import type { BoundExpr, EmitContext } from '../bound.js';
import { KqlError } from '../errors.js';
import { emitExpr, emitPlan } from '../emitter.js';
import { OPERATORS, SCALAR_FUNCTIONS } from '../functions/index.js';
import {
  GRAPH_EDGE_LIMIT, GRAPH_EDGE_LIMIT_MESSAGE, GRAPH_MATCH_LIMIT, GRAPH_MATCH_LIMIT_MESSAGE, GRAPH_NODE_LIMIT, GRAPH_NODE_LIMIT_MESSAGE,
  GRAPH_PATH_LIMIT, GRAPH_PATH_LIMIT_MESSAGE, NOT_A_TABLE,
  type GraphMatchColumn, type GraphMatchPlan, type GraphPlan, type GraphToTablePlan,
} from '../plan-graph.js';
import { GRAPH_PATHS_OVERFLOW } from '../runtime/graph.js';
import { sqlString } from '../sql.js';
import { toDynamicSql } from '../sqlexpr.js';
import { C, selectList } from './common.js';

const p = (j: number) => `p${j}`;

/** The graph's WITH clauses, ending with g_n and g_e. */
function graphCtes(g: GraphPlan, ctx: EmitContext): string[] {
  const part = g.partition;
  const key = (alias: string, id: number, partition: number | undefined) => (partition === undefined
    ? `${alias}.${C(id)}`
    : `CASE WHEN ${alias}.${C(id)} IS NULL OR ${alias}.${C(partition)} IS NULL THEN NULL ELSE struct_pack(p := ${alias}.${C(partition)}, i := ${alias}.${C(id)}) END`);
  const ctes: string[] = [];
  ctes.push(`g_e0 AS (SELECT row_number() OVER () AS __r, ${key('t', g.source, part?.edges)} AS __ks, ${key('t', g.target, part?.edges)} AS __kt, t.* FROM (${emitPlan(g.edges, ctx)}) AS t)`);
  g.nodeTables.forEach((n, i) => {
    ctes.push(`g_t${i} AS (SELECT row_number() OVER () AS __r, ${key('t', n.key, part?.nodeTables[i])} AS __k, t.* FROM (${emitPlan(n.input, ctx)}) AS t)`);
  });
  const T = g.nodeTables.length;
  const firsts = [
    ...g.nodeTables.map((_, i) => `SELECT __k AS k, [${i}, __r, 0] AS o FROM g_t${i} WHERE __k IS NOT NULL`),
    `SELECT __ks AS k, [${T}, __r, 0] AS o FROM g_e0 WHERE __ks IS NOT NULL AND __kt IS NOT NULL`,
    `SELECT __kt AS k, [${T}, __r, 1] AS o FROM g_e0 WHERE __ks IS NOT NULL AND __kt IS NOT NULL`,
  ];
  ctes.push(`g_ids AS (SELECT k, min(o) AS o FROM (${firsts.join(' UNION ALL ')}) AS f GROUP BY k)`);
  ctes.push(`g_chk AS (SELECT CASE WHEN (SELECT count(*) FROM g_e0) > ${GRAPH_EDGE_LIMIT} THEN error(${sqlString(GRAPH_EDGE_LIMIT_MESSAGE)}) `
    + `WHEN (SELECT count(*) FROM g_ids) > ${GRAPH_NODE_LIMIT} THEN error(${sqlString(GRAPH_NODE_LIMIT_MESSAGE)}) ELSE true END AS ok)`);
  const id = part ? 'ids.k.i' : 'ids.k';
  const props = g.nodeProperties.map((np, j) => {
    const type = g.nodeSchema[j]!.type;
    let v: string;
    if (np.from === 'id') v = id;
    else if (np.from === 'component') v = 'CAST(NULL AS BIGINT)';
    else {
      // a node table's key column holds the node's id, also for nodes that only the edges name
      const values = np.columns.map((c) => `n${c.table}.${C(c.column)}`);
      if (np.columns.some((c) => g.nodeTables[c.table]!.key === c.column)) values.push(id);
      v = values.length === 1 ? values[0]! : `coalesce(${values.join(', ')})`;
    }
    if (type === 'string' && np.from === 'tables') v = `coalesce(${v}, '')`;
    return `${v} AS ${p(j)}`;
  });
  const joins = g.nodeTables.map((_, i) => ` LEFT JOIN (SELECT * FROM g_t${i} WHERE __k IS NOT NULL QUALIFY row_number() OVER (PARTITION BY __k ORDER BY __r) = 1) AS n${i} ON n${i}.__k = ids.k`);
  ctes.push(`g_n0 AS (SELECT row_number() OVER (ORDER BY ids.o) AS __n, ids.k AS __k, ${id} AS __id${props.map((x) => `, ${x}`).join('')} FROM g_ids AS ids CROSS JOIN g_chk${joins.join('')} WHERE g_chk.ok)`);
  const edgeCols = g.edges.schema.map((_, i) => `e.${C(i)}`).join(', ');
  ctes.push(`g_e AS (SELECT row_number() OVER (ORDER BY e.__r) AS __e, s.__n AS __s, d.__n AS __t, ${edgeCols} FROM g_e0 AS e JOIN g_n0 AS s ON s.__k = e.__ks JOIN g_n0 AS d ON d.__k = e.__kt)`);
  ctes.push(`g_ej AS (SELECT coalesce((SELECT CAST(to_json(list([__s, __t] ORDER BY __e)) AS VARCHAR) FROM g_e), '[]') AS j, (SELECT count(*) FROM g_n0) AS n)`);
  const components = g.nodeProperties.flatMap((np, j) => (np.from === 'component' ? [{ j, strong: np.componentKind === 'strong' }] : []));
  // node_degree_in() / node_degree_out(): the node's incoming and outgoing edges
  const degrees = 'coalesce(di.c, 0) AS __din, coalesce(dout.c, 0) AS __dout';
  const degreeJoins = ' LEFT JOIN (SELECT __t AS n, count(*) AS c FROM g_e GROUP BY __t) AS di ON di.n = g_n0.__n LEFT JOIN (SELECT __s AS n, count(*) AS c FROM g_e GROUP BY __s) AS dout ON dout.n = g_n0.__n';
  if (components.length === 0) ctes.push(`g_n AS (SELECT g_n0.*, ${degrees} FROM g_n0${degreeJoins})`);
  else {
    const lists = components.map((c) => `from_json(kql_graph_components(g_ej.j, g_ej.n, ${c.strong}), '["BIGINT"]') AS l${c.j}`);
    ctes.push(`g_c AS (SELECT ${lists.join(', ')} FROM g_ej)`);
    ctes.push(`g_n AS (SELECT g_n0.* REPLACE (${components.map((c) => `g_c.l${c.j}[g_n0.__n] AS ${p(c.j)}`).join(', ')}), ${degrees} FROM g_n0 CROSS JOIN g_c${degreeJoins})`);
  }
  return ctes;
}

function hashSql(sql: string, g: GraphPlan, ctx: EmitContext): string {
  return SCALAR_FUNCTIONS.get('hash')!.emit([{ sql, type: g.keyType }], ctx);
}

export function emitGraphToTable(plan: GraphToTablePlan, ctx: EmitContext): string {
  const g = plan.graph;
  const ctes = graphCtes(g, ctx);
  if (plan.what === 'nodes') {
    const cols = [...(plan.nodeId ? [hashSql('n.__id', g, ctx)] : []), ...g.nodeSchema.map((_, j) => `n.${p(j)}`)];
    return `WITH ${ctes.join(', ')} SELECT ${selectList(cols)} FROM g_n AS n ORDER BY n.__n`;
  }
  const cols = [
    ...(plan.sourceId ? [hashSql('s.__id', g, ctx)] : []),
    ...(plan.targetId ? [hashSql('d.__id', g, ctx)] : []),
    ...g.edges.schema.map((_, i) => `e.${C(i)}`),
  ];
  return `WITH ${ctes.join(', ')} SELECT ${selectList(cols)} FROM g_e AS e JOIN g_n AS s ON s.__n = e.__s JOIN g_n AS d ON d.__n = e.__t ORDER BY e.__e`;
}

const PATHS_TYPE = `'[{"s":"BIGINT","t":"BIGINT","e":"BIGINT[]","n":"BIGINT[]"}]'`;

export function emitGraphMatch(plan: GraphMatchPlan, ctx: EmitContext): string {
  const g = plan.graph;
  const ctes = graphCtes(g, ctx);
  const usesEdgeElements = plan.row.some((c) => c.kind === 'elements' && !c.innerNodes);
  const usesNodeElements = plan.row.some((c) => c.kind === 'elements' && c.innerNodes);
  const structOf = (fields: string[]) => (fields.length ? `struct_pack(${fields.join(', ')})` : 'struct_pack(__none := NULL)');
  if (usesEdgeElements) ctes.push(`g_el AS (SELECT list(${structOf(g.edges.schema.map((_, i) => `${C(i)} := ${C(i)}`))} ORDER BY __e) AS l FROM g_e)`);
  if (usesNodeElements) {
    const K = g.nodeSchema.length;
    const fields = [...g.nodeSchema.map((_, j) => `${C(j)} := ${p(j)}`), `${C(K)} := __din`, `${C(K + 1)} := __dout`, `${C(K + 2)} := __id`];
    ctes.push(`g_nl AS (SELECT list(${structOf(fields)} ORDER BY __n) AS l FROM g_n)`);
  }
  if (plan.edges.some((e) => !e.range && e.direction === 'any')) {
    const cols = g.edges.schema.map((_, i) => C(i)).join(', ');
    ctes.push(`g_eu AS (SELECT __e, __s, __t, ${cols} FROM g_e UNION ALL SELECT __e, __t, __s, ${cols} FROM g_e WHERE __s <> __t)`);
  }
  const mode = plan.shortest || plan.cycles === 'none' ? 'simple' : plan.cycles === 'all' ? 'walk' : 'trail';
  const from: string[] = [];
  for (let v = 0; v < plan.nodeVariables; v++) from.push(`g_n AS v${v}`);
  const conds: string[] = [];
  const edgeLists: string[] = [];
  const lengths: string[] = [];
  const ref = (i: number) => columnSql(plan.row[i]!, i, ctx);
  const nodeFilters = plan.where ? nodeConditions(plan.where, plan.row) : new Map<number, BoundExpr[]>();
  plan.edges.forEach((e, x) => {
    const a = `v${e.from}.__n`, b = `v${e.to}.__n`;
    if (e.range) {
      // the paths start at the nodes that the where clause allows at one end (the left one, else the right one, walked backwards)
      const side = nodeFilters.has(e.from) ? e.from : nodeFilters.has(e.to) ? e.to : undefined;
      const backwards = side !== undefined && side !== e.from;
      const direction = backwards ? (e.direction === 'out' ? 'in' : e.direction === 'in' ? 'out' : 'any') : e.direction;
      const starts = side === undefined ? "'*'"
        : `coalesce((SELECT CAST(to_json(list(v${side}.__n)) AS VARCHAR) FROM g_n AS v${side} WHERE ${nodeFilters.get(side)!.map((c) => `(${emitExpr(c, ref, ctx)}) IS TRUE`).join(' AND ')}), '[]')`;
      const paths = `kql_graph_paths(g_ej.j, g_ej.n, ${sqlString(direction)}, ${e.range.min}, ${e.range.max}, ${sqlString(mode)}, ${GRAPH_PATH_LIMIT}, ${starts})`;
      const checked = `CASE WHEN r = ${sqlString(GRAPH_PATHS_OVERFLOW)} THEN error(${sqlString(GRAPH_PATH_LIMIT_MESSAGE)}) ELSE r END`;
      const unnested = `SELECT unnest(from_json(${checked}, ${PATHS_TYPE}), recursive := true) FROM (SELECT ${paths} AS r FROM g_ej) AS q`;
      ctes.push(backwards
        ? `g_p${x} AS (SELECT u.t AS s, u.s AS t, list_reverse(u.e) AS e, list_reverse(u.n) AS n FROM (${unnested}) AS u)`
        : `g_p${x} AS (${unnested})`);
      from.push(`g_p${x} AS x${x}`);
      conds.push(`x${x}.s = ${a}`, `x${x}.t = ${b}`);
      edgeLists.push(`x${x}.e`);
      lengths.push(`len(x${x}.e)`);
    } else {
      // an edge in any direction reads each edge both ways round (a self-loop once): equality joins only
      from.push(`${e.direction === 'any' ? 'g_eu' : 'g_e'} AS x${x}`);
      conds.push(e.direction === 'in' ? `x${x}.__s = ${b} AND x${x}.__t = ${a}` : `x${x}.__s = ${a} AND x${x}.__t = ${b}`);
      edgeLists.push(`[x${x}.__e]`);
      lengths.push('1');
    }
  });
  if (usesEdgeElements) from.push('g_el');
  if (usesNodeElements) from.push('g_nl');
  const allEdges = `flatten([${edgeLists.join(', ')}])`;
  if (plan.cycles !== 'all' && edgeLists.length > 1) conds.push(`len(list_distinct(${allEdges})) = len(${allEdges})`);
  if (plan.where) conds.push(`(${emitExpr(plan.where, ref, ctx)}) IS TRUE`);
  const outputs = plan.project.map((e) => emitExpr(e, ref, ctx));
  let qualify = '';
  if (plan.shortest) {
    const s = plan.shortest;
    const length = lengths.join(' + ');
    const window = s.output === 'any'
      ? `row_number() OVER (PARTITION BY v${s.first}.__n, v${s.last}.__n ORDER BY ${length}, ${allEdges})`
      : `rank() OVER (PARTITION BY v${s.first}.__n, v${s.last}.__n ORDER BY ${length})`;
    qualify = ` QUALIFY ${window} = 1`;
  }
  const order = [...Array.from({ length: plan.nodeVariables }, (_, v) => `v${v}.__n`), allEdges];
  const matches = `SELECT ${selectList(outputs)}, ${order.map((o, k) => `${o} AS __o${k}`).join(', ')} FROM ${from.join(', ')}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}${qualify}`;
  const cols = plan.project.map((_, i) => `m.${C(i)}`);
  const orderBy = order.map((_, k) => `m.__o${k}`).join(', ');
  return `WITH ${ctes.join(', ')} SELECT ${selectList(cols)} FROM (${matches}) AS m `
    + `QUALIFY CASE WHEN count(*) OVER () > ${GRAPH_MATCH_LIMIT} THEN error(${sqlString(GRAPH_MATCH_LIMIT_MESSAGE)}) ELSE true END ORDER BY ${orderBy}`;
}

const AND = OPERATORS.get('and')!;

/** The where clause's conjuncts that read one node variable only (and no subquery), by variable. */
function nodeConditions(where: BoundExpr, row: GraphMatchColumn[]): Map<number, BoundExpr[]> {
  const conjuncts: BoundExpr[] = [];
  const split = (e: BoundExpr): void => {
    if (e.k === 'call' && e.fn === AND && e.args.length === 2) e.args.forEach(split);
    else conjuncts.push(e);
  };
  split(where);
  const out = new Map<number, BoundExpr[]>();
  for (const c of conjuncts) {
    const variables = new Set<number>();
    let pushable = true;
    const visit = (e: BoundExpr | string | number): void => {
      if (typeof e !== 'object') return;
      if (e.k === 'col') {
        const column = row[e.index]!;
        if (column.kind === 'node' || column.kind === 'nodeFunction') variables.add(column.variable);
        else pushable = false;
      } else if (e.k === 'call') {
        if (e.subquery) pushable = false;
        e.args.forEach(visit);
      } else if (e.k === 'path') {
        visit(e.target);
        e.steps.forEach(visit);
      } else if (e.k === 'agg') pushable = false;
    };
    visit(c);
    if (!pushable || variables.size !== 1) continue;
    const v = [...variables][0]!;
    out.set(v, [...(out.get(v) ?? []), c]);
  }
  return out;
}

/** SQL for column i of the match row. */
function columnSql(c: GraphMatchColumn, i: number, ctx: EmitContext): string {
  if (c.kind === 'node') return `v${c.variable}.${p(c.property)}`;
  if (c.kind === 'edge') return `x${c.variable}.${C(c.property)}`;
  if (c.kind === 'nodeFunction') return `v${c.variable}.${c.fn === 'node_degree_in' ? '__din' : c.fn === 'node_degree_out' ? '__dout' : '__id'}`;
  const list = c.innerNodes ? `list_transform(x${c.variable}.n, __gi -> g_nl.l[__gi])` : `list_transform(x${c.variable}.e, __gi -> g_el.l[__gi])`;
  const y = `__gy${i}`;
  const body = emitExpr(c.body, (j) => `${y}.${C(j)}`, ctx);
  switch (c.fn) {
    case 'all':
      return `coalesce(list_bool_and(list_transform(${list}, ${y} -> coalesce(${body}, false))), true)`;
    case 'any':
      return `coalesce(list_bool_or(list_transform(${list}, ${y} -> coalesce(${body}, false))), false)`;
    case 'map':
      return `CAST(to_json(list_transform(${list}, ${y} -> ${toDynamicSql(body, c.body.type, false)})) AS JSON)`;
  }
}

/** A graph where a table is expected (a join's or union's leg, a subquery): refused. */
export function refuseGraph(): never {
  throw new KqlError('SemanticError', NOT_A_TABLE, 1, 1);
}
