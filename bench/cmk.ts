/**
 * Customer-managed keys: ingestion and queries into a workspace linked to a dedicated cluster with a
 * key in a Vigil key vault, against the same into a workspace with service-managed keys, in the same
 * Vigil process and the same run, in alternating rounds (so load drift hits both alike). Vigil runs
 * with its default `--cmk-key-cache-seconds` (60). Goal (issue #15): ratio ≥ 0.95.
 */
import { KeyClient } from '@azure/keyvault-keys';
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { vaultAgent } from '../test/support/key-vault.js';
import { AUD, call, Principals } from '../test/support/principals.js';
import { BATCH, COLUMNS, SPAN_MS, STREAM, TABLE, benchEndMs, emitResult, makeBatch, parseOptions, pool, progress, startBenchVigil, timed, uploadBatch, type BenchVigil } from './support.js';

const ROUNDS = 5;
const HOUR = 3_600_000;
const QUERIES = [`${TABLE} | summarize count() by bin(TimeGenerated, 5m)`, `${TABLE} | where Level == 'Error' | count`, `${TABLE} | summarize avg(DurationMs) by Service`, `${TABLE} | top 10 by DurationMs | project DurationMs`];

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 20_000 : 200_000);
const batchCount = Math.ceil(total / BATCH);
const endMs = benchEndMs();
const batches = Array.from({ length: batchCount }, (_, b) => makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs));
const timespan = { startTime: new Date(endMs - SPAN_MS - HOUR), endTime: new Date(endMs + HOUR) };
const must = (r: { status: number; text: string }, ok: number[], what: string) => {
  if (!ok.includes(r.status)) throw new Error(`${what}: ${r.status} ${r.text}`);
};

process.stderr.write(`cmk: ${total.toLocaleString('en')} rows per workspace, ${ROUNDS} alternating rounds, ${opts.runs} runs of ${QUERIES.length} queries each\n`);
progress('starting Vigil');
const v = await startBenchVigil();
let result: Record<string, unknown> | undefined;
try {
  const b = v.vigil.bootstrap;
  const p = new Principals(b);
  const arm = await p.adminToken(AUD.arm);
  const rg = `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}`;
  // ---- setup (not measured): vault, key, cluster with the key, a second workspace linked to it.
  progress('vault, key, cluster, linked workspace');
  const vaultArm = `${rg}/providers/Microsoft.KeyVault/vaults/bench-vault`;
  const vault = await call(b, arm, 'PUT', `${vaultArm}?api-version=2024-11-01`, { location: 'local', properties: { tenantId: b.tenantId, sku: { family: 'A', name: 'standard' }, enablePurgeProtection: true } });
  must(vault, [201], 'vault');
  const vaultUrl = String(vault.json<{ properties: { vaultUri: string } }>().properties.vaultUri).replace(/\/$/, '');
  const adminSp = await call(b, await p.adminToken(AUD.graph), 'GET', `/v1.0/servicePrincipals?$filter=appId eq '${b.clientId}'`);
  await p.assign(adminSp.json<{ value: { id: string }[] }>().value[0]!.id, 'Key Vault Crypto Officer', vaultArm);
  await new KeyClient(vaultUrl, v.clients.credential, { agent: vaultAgent }).createRsaKey('cmk', { keySize: 2048 });
  const la = v.clients.logAnalytics;
  const cluster = await la.clusters.beginCreateOrUpdateAndWait(b.resourceGroup, 'bench-cluster', { location: 'local', identity: { type: 'SystemAssigned' }, sku: { name: 'CapacityReservation', capacity: 100 } });
  await p.assign(cluster.identity!.principalId!, 'Key Vault Crypto Service Encryption User', `${vaultArm}/keys/cmk`);
  await la.clusters.beginUpdateAndWait(b.resourceGroup, 'bench-cluster', { keyVaultProperties: { keyVaultUri: vaultUrl, keyName: 'cmk', keyVersion: '' } });
  // Two fresh workspaces, alike but for the link (the default workspace also receives the audit).
  const workspace = async (name: string) => {
    const ws = await la.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, name, { location: 'local' });
    await la.tables.beginCreateOrUpdateAndWait(b.resourceGroup, name, TABLE, { schema: { name: TABLE, columns: COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) } });
    const rule = await v.clients.monitor.dataCollectionRules.create(b.resourceGroup, `${name}-logs`, {
      body: {
        location: 'local',
        streamDeclarations: { [STREAM]: { columns: COLUMNS.map((c) => ({ ...c })) } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: ws.id! }] },
        dataFlows: [{ streams: [STREAM], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${TABLE}` }],
      },
    });
    return { v: { ...v, ruleId: rule.immutableId! } as BenchVigil, workspaceId: ws.customerId! };
  };
  const smkWs = await workspace('bench-smk');
  const cmkWs = await workspace('bench-cmk');
  await la.linkedServices.beginCreateOrUpdateAndWait(b.resourceGroup, 'bench-cmk', 'cluster', { writeAccessResourceId: cluster.id! });
  const targets = [
    { name: 'service-managed', ...smkWs, ingestMs: 0, queryMs: 0 },
    { name: 'customer-managed', ...cmkWs, ingestMs: 0, queryMs: 0 },
  ];
  // ---- warm-up (not measured; the same rows into both), then ingestion in alternating slices.
  const warmup = Array.from({ length: 5 }, (_, i) => makeBatch(total + i * BATCH, BATCH, total, endMs));
  for (const t of targets) await pool(warmup.length, opts.concurrency, (i) => uploadBatch(t.v, warmup[i]!));
  const perRound = Math.ceil(batchCount / ROUNDS);
  for (let r = 0; r * perRound < batchCount; r++) {
    const slice = batches.slice(r * perRound, (r + 1) * perRound);
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) t.ingestMs += (await timed(() => pool(slice.length, opts.concurrency, (i) => uploadBatch(t.v, slice[i]!)))).ms;
    progress(`round ${r + 1}: service-managed ${Math.round(targets[0]!.ingestMs)} ms, customer-managed ${Math.round(targets[1]!.ingestMs)} ms`);
  }
  // ---- queries, alternating (answers compared: both workspaces hold the same rows).
  const ask = async (t: (typeof targets)[number], q: string) => {
    const res = await v.clients.query.queryWorkspace(t.workspaceId, q, timespan);
    if (res.status !== LogsQueryResultStatus.Success) throw new Error(`${t.name}: ${q} failed`);
    // Floating-point sums depend on the order rows are added: compare them to 9 significant digits.
    return JSON.stringify(res.tables[0]!.rows.map((row) => row.map((x) => (typeof x === 'number' ? x.toPrecision(9) : String(x)))).sort());
  };
  for (const q of QUERIES) {
    const [a, c] = [await ask(targets[0]!, q), await ask(targets[1]!, q)];
    if (a !== c) throw new Error(`the two workspaces answer '${q}' differently`);
  }
  for (let run = 0; run < opts.runs; run++) {
    for (const t of run % 2 === 0 ? targets : [...targets].reverse()) {
      t.queryMs += (await timed(async () => {
        for (const q of QUERIES) await ask(t, q);
      })).ms;
    }
  }
  const [smk, cmkT] = targets as [(typeof targets)[number], (typeof targets)[number]];
  result = {
    suite: 'cmk',
    rows: total,
    concurrency: opts.concurrency,
    rounds: ROUNDS,
    queryRuns: opts.runs,
    ingest: { serviceManagedMs: Math.round(smk.ingestMs), customerManagedMs: Math.round(cmkT.ingestMs), ratio: Math.round((smk.ingestMs / cmkT.ingestMs) * 1000) / 1000 },
    query: { serviceManagedMs: Math.round(smk.queryMs), customerManagedMs: Math.round(cmkT.queryMs), ratio: Math.round((smk.queryMs / cmkT.queryMs) * 1000) / 1000 },
    /** Throughput with CMK divided by without (1 = no cost); the goal is ≥ 0.95. */
    goal: 0.95,
  };
} finally {
  vaultAgent.destroy();
  await v.dispose();
}
emitResult(result);
