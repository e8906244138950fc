/**
 * Issue #12, the graph operators end to end: edges and nodes ingested with the official Logs
 * Ingestion SDK (stored in the workspace's DuckDB files), graphs built from them with make-graph
 * and queried with the official query SDK on a real server.  The path and component runtime
 * (kql_graph_paths, kql_graph_components) passes the store's statement guard; every graph limit
 * (plan-graph.ts) and the refusals (a graph is not a table, graph('model')) are 400s in Azure's shape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GRAPH_EDGE_LIMIT, GRAPH_MATCH_LIMIT, GRAPH_MAX_PATH_LENGTH, GRAPH_NODE_LIMIT, GRAPH_PATH_LIMIT } from '../../src/kql/plan-graph.js';
import type { Column } from '../support/log-table.js';
import { queryBadRequest, queryRows, storeRows } from '../support/stored-table.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const EDGE_COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Source', type: 'string' },
  { name: 'Destination', type: 'string' },
  { name: 'Action', type: 'string' },
];
const NODE_COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Name', type: 'string' },
  { name: 'Kind', type: 'string' },
];
// make-graph-operator.md's attack path example, as stored tables
const EDGES = [
  ['Alice', 'Bob', 'communicatesWith'],
  ['Alice', 'Trent', 'trusts'],
  ['Bob', 'Trent', 'hasPermission'],
  ['Eve', 'Alice', 'attacks'],
  ['Mallory', 'Alice', 'attacks'],
  ['Mallory', 'Bob', 'attacks'],
];
const NODES = [
  ['Alice', 'Person'],
  ['Bob', 'Person'],
  ['Eve', 'Person'],
  ['Trent', 'System'],
];

describe('graph operators over the query API', { timeout: 300_000 }, () => {
  let vigil: VigilProcess;

  const rows = (query: string) => queryRows(vigil.bootstrap, query);
  const badRequest = (query: string) => queryBadRequest(vigil.bootstrap, query);

  before(async () => {
    vigil = await startVigil();
    const now = new Date().toISOString();
    await storeRows(vigil.bootstrap, 'Access_CL', EDGE_COLUMNS, EDGES.map(([Source, Destination, Action]) => ({ TimeGenerated: now, Source, Destination, Action })));
    await storeRows(vigil.bootstrap, 'Entity_CL', NODE_COLUMNS, NODES.map(([Name, Kind]) => ({ TimeGenerated: now, Name, Kind })));
  });
  after(async () => {
    await vigil?.dispose();
  });

  it('graph-match finds the attack path in stored tables', async () => {
    const got = await rows(`Access_CL
      | make-graph Source --> Destination with Entity_CL on Name
      | graph-match (attacker)-[a]->(compromised)-[p]->(system)
        where a.Action == "attacks" and p.Action == "hasPermission" and system.Kind == "System"
        project Attacker = attacker.Name, Compromised = compromised.Name, System = system.Name
      | sort by Attacker asc`);
    assert.deepEqual(got, [['Mallory', 'Bob', 'Trent']]);
  });

  it('variable length edges, shortest paths and components run in the engine', async () => {
    const reach = await rows(`Access_CL | make-graph Source --> Destination with_node_id=N
      | graph-match (s)-[e*1..3]->(t) where s.N == "Eve" project t.N, hops = array_length(map(e, Action)) | sort by t_N asc, hops asc`);
    assert.deepEqual(reach, [['Alice', 1], ['Bob', 2], ['Trent', 2], ['Trent', 3]]);
    const shortest = await rows(`Access_CL | make-graph Source --> Destination with_node_id=N
      | graph-shortest-paths output=all (s)-[e*1..3]->(t) where s.N == "Mallory" and t.N == "Trent" project path = map(inner_nodes(e), N) | sort by tostring(path) asc`);
    assert.deepEqual(shortest, [[['Alice']], [['Bob']]]);
    const components = await rows(`Access_CL | union (print Source = "Zed", Destination = "Zoe", Action = "x")
      | make-graph Source --> Destination with_node_id=N | graph-mark-components | graph-to-table nodes | summarize make_set(N) by ComponentId | sort by ComponentId asc`);
    assert.deepEqual(components.map((r) => [r[0], (r[1] as string[]).sort()]), [[0, ['Alice', 'Bob', 'Eve', 'Mallory', 'Trent']], [1, ['Zed', 'Zoe']]]);
  });

  it('a graph is not a table, and graph() models do not exist: 400s', async () => {
    const notTable = await badRequest('Access_CL | make-graph Source --> Destination | where true');
    assert.equal(notTable.code, 'BadArgumentError');
    assert.match(notTable.message, /make-graph returns a graph, not a table/);
    const result = await badRequest('Access_CL | make-graph Source --> Destination');
    assert.match(result.message, /result is a graph/);
    const model = await badRequest('graph("Model") | graph-match (a)-->(b) project a.x');
    assert.match(model.message, /persisted graph models do not exist in a Log Analytics workspace/);
  });

  it('every graph limit is a 400 naming it; just under each runs', async () => {
    const edges = await badRequest(`range i from 1 to ${GRAPH_EDGE_LIMIT + 1} step 1 | extend j = i + 1 | make-graph i --> j | graph-to-table edges | count`);
    assert.equal(edges.code, 'BadArgumentError');
    assert.match(edges.message, new RegExp(`at most ${GRAPH_EDGE_LIMIT} edges`));
    // half the edge limit in edges between distinct nodes: one node too many
    const nodes = await badRequest(`range i from 1 to ${GRAPH_NODE_LIMIT / 2 + 1} step 1 | extend j = -i | make-graph i --> j | graph-to-table edges | count`);
    assert.match(nodes.message, new RegExp(`at most ${GRAPH_NODE_LIMIT} nodes`));
    const okNodes = await rows(`range i from 1 to ${GRAPH_NODE_LIMIT / 2} step 1 | extend j = -i | make-graph i --> j | graph-to-table edges | count`);
    assert.deepEqual(okNodes, [[GRAPH_NODE_LIMIT / 2]]);
    // a complete directed graph on 30 nodes (870 edges) has over 100,000 trails of up to 3 edges
    const complete = 'range i from 1 to 30 step 1 | extend k = range(1, 30) | mv-expand j = k to typeof(long) | where i != j | make-graph i --> j with_node_id=n';
    const paths = await badRequest(`${complete} | graph-match (a)-[e*1..3]->(b) project a.n | count`);
    assert.match(paths.message, new RegExp(`at most ${GRAPH_PATH_LIMIT} paths`));
    assert.deepEqual(await rows(`${complete} | graph-match (a)-[e*1..2]->(b) project a.n | count`), [[870 + 870 * 29]]);
    const length = await badRequest(`${complete} | graph-match (a)-[e*1..${GRAPH_MAX_PATH_LENGTH + 1}]->(b) project a.n`);
    assert.match(length.message, new RegExp(`at most ${GRAPH_MAX_PATH_LENGTH} edges`));
    // a star: leaves × (leaves − 1) matches of (a)<--(center)-->(b)
    const leaves = Math.ceil(Math.sqrt(GRAPH_MATCH_LIMIT)) + 1;
    const star = `range i from 1 to ${leaves} step 1 | extend c = 0 | make-graph c --> i with_node_id=n`;
    const matches = await badRequest(`${star} | graph-match (a)<--(center)-->(b) project a.n | count`);
    assert.match(matches.message, new RegExp(`at most ${GRAPH_MATCH_LIMIT} matches`));
    assert.deepEqual(await rows(`${star} | graph-match (a)<--(center)-->(b) where a.n < 3 project a.n | count`), [[2 * (leaves - 1)]]);
  });
});
