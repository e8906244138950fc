/**
 * The cost of authorization on the query path (issue #5): query latency for a principal whose access
 * comes from 1,000 role assignments in force, against a principal with a single Owner assignment,
 * on the same Vigil process and the same rows, runs interleaved so drift hits both sides alike.
 *
 * The "many" principal holds Log Analytics Reader on the workspace plus 999 other assignments (table
 * scopes, resource scopes, resource groups, several roles) — every one of them is a candidate the
 * decision has to consider for every table reference. Goal: under 5 % slower at the median.
 *
 *   node dist/bench/authz.js [--quick] [--rows N] [--runs N]      (re-runs itself with the bench CA)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetadataStore } from '../src/metadata/metadata-store.js';
import { TableAccess } from '../src/query/table-access.js';
import type { LogStore } from '../src/store/store.js';
import { ensureTlsMaterial } from '../src/server/tls.js';
import { AUD, call, Principals, RA_VERSION, roleId, type TestPrincipal } from '../test/support/principals.js';
import {
  BATCH, BENCH_CA_DIR, TABLE, benchEndMs, emitResult, latency, makeBatch, parseOptions, pool, progress, startBenchVigil, timed, uploadBatch,
} from './support.js';

const { caPath } = await ensureTlsMaterial(BENCH_CA_DIR);
if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  // Node reads NODE_EXTRA_CA_CERTS only at start-up: run again trusting the bench CA.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath } });
  const code = await new Promise<number>((res) => child.once('exit', (c) => res(c ?? 1)));
  process.exit(code);
}

const opts = parseOptions();
const ROWS = opts.rows ?? (opts.quick ? 20_000 : 200_000);
const RUNS = opts.quick ? Math.min(opts.runs, 10) : Math.max(opts.runs, 100);
const ASSIGNMENTS = 1_000;
const WARMUP = 5;

const QUERIES = [
  { name: 'count', kql: `${TABLE} | count` },
  { name: "where Level == 'Error' | summarize count() by Service", kql: `${TABLE} | where Level == 'Error' | summarize count() by Service` },
  { name: 'take 100', kql: `${TABLE} | take 100` },
  { name: 'let + top', kql: `let e = ${TABLE} | where Level == 'Error'; e | summarize c = count() by Service | top 3 by c` },
];

const v = await startBenchVigil();
try {
  const b = v.vigil.bootstrap;
  const sub = `/subscriptions/${b.subscriptionId}`;
  const ws = b.workspaceResourceId;
  progress(`ingesting ${ROWS.toLocaleString('en')} rows`);
  const endMs = benchEndMs();
  await pool(Math.ceil(ROWS / BATCH), 4, (i) => uploadBatch(v, makeBatch(i * BATCH, Math.min(BATCH, ROWS - i * BATCH), ROWS, endMs)));

  const p = new Principals(b);
  const single: TestPrincipal = await p.create('bench-owner-only');
  await p.assign(single.objectId, 'Owner', sub);
  const many: TestPrincipal = await p.create('bench-many-assignments');
  await p.assign(many.objectId, 'Log Analytics Reader', ws);

  progress(`creating ${ASSIGNMENTS - 1} more assignments for one principal (and as many again for others)`);
  const others = await Promise.all([0, 1, 2, 3].map((i) => p.create(`bench-other-${i}`)));
  const roles = ['Reader', 'Monitoring Reader', 'Log Analytics Data Reader', 'Log Analytics Reader', 'Monitoring Contributor'];
  const arm = await p.adminToken(AUD.arm);
  const scopeFor = (i: number) => {
    switch (i % 4) {
      case 0: return `${ws}/tables/Table${i}_CL`;
      case 1: return `${sub}/resourceGroups/apps${i}/providers/Microsoft.Web/sites/site-${i}`;
      case 2: return `${sub}/resourceGroups/rg-${i}`;
      default: return `${sub}/resourceGroups/vm/providers/Microsoft.Compute/virtualMachines/vm-${i}/extensions/x${i}`;
    }
  };
  const assign = async (principalId: string, i: number) => {
    const res = await call(b, arm, 'PUT', `${scopeFor(i)}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?${RA_VERSION}`, {
      properties: { roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleId(roles[i % roles.length]!)}`, principalId },
    });
    if (res.status !== 201) throw new Error(`assignment ${i}: ${res.status} ${res.text}`);
  };
  await pool(ASSIGNMENTS - 1, 8, (i) => assign(many.objectId, i + 1));
  await pool(ASSIGNMENTS, 8, (i) => assign(others[i % others.length]!.objectId, i));

  const tokens = { single: await single.token(AUD.logs), many: await many.token(AUD.logs) };
  const run = async (who: 'single' | 'many', kql: string) => {
    const res = await call(b, tokens[who], 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: kql, timespan: 'P30D' });
    if (res.status !== 200) throw new Error(`${who}: ${res.status} ${res.text.slice(0, 300)}`);
    return res.text;
  };

  const results = [];
  for (const q of QUERIES) {
    // Same answer for both principals first: the comparison is only fair if they do the same work.
    const [a, c] = [await run('single', q.kql), await run('many', q.kql)];
    const rowsOf = (t: string) => JSON.stringify((JSON.parse(t) as { tables: { rows: unknown[] }[] }).tables[0]!.rows.length);
    if (rowsOf(a) !== rowsOf(c)) throw new Error(`${q.name}: the two principals got different answers`);
    for (let i = 0; i < WARMUP; i++) {
      await run('single', q.kql);
      await run('many', q.kql);
    }
    const samples = { single: [] as number[], many: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so neither side always gets the warmer cache.
      const order: ('single' | 'many')[] = i % 2 ? ['single', 'many'] : ['many', 'single'];
      for (const who of order) samples[who].push((await timed(() => run(who, q.kql))).ms);
    }
    const s = latency(samples.single);
    const m = latency(samples.many);
    const overheadPct = Math.round(((m.medianMs - s.medianMs) / s.medianMs) * 1000) / 10;
    progress(`${q.name}: single Owner ${s.medianMs} ms, 1,000 assignments ${m.medianMs} ms (${overheadPct >= 0 ? '+' : ''}${overheadPct} %)`);
    results.push({ name: q.name, singleOwner: s, thousandAssignments: m, overheadPct });
  }
  const worst = Math.max(...results.map((r) => r.overheadPct));
  const decision = measureDecision(v.vigil.dataDir, b.workspaceId, { single: single.objectId, many: many.objectId });
  progress(
    `the decision alone (workspace + table check, in process): warm ${decision.warmUs.single} µs vs ${decision.warmUs.many} µs; ` +
      `first query after a metadata change ${decision.coldUs.single} µs vs ${decision.coldUs.many} µs`,
  );
  emitResult({
    suite: 'authz', rows: ROWS, assignmentsForPrincipal: ASSIGNMENTS, assignmentsInForce: 2 * ASSIGNMENTS + 3, runs: RUNS,
    queries: results, worstOverheadPct: worst, goalPct: 5, met: worst < 5, decision,
  });
} finally {
  await v.dispose();
}

/**
 * The authorization work of one query, without HTTP or the engine: what the query path asks of the
 * decision (may query the workspace, may read the table) on a copy of the server's metadata, warm
 * (cached per metadata version) and cold (the first query after any metadata change).
 */
function measureDecision(dataDir: string, workspaceId: string, principals: { single: string; many: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-authz-'));
  try {
    copyFileSync(join(dataDir, 'metadata.json'), join(dir, 'metadata.json'));
    const { store: metadata } = MetadataStore.open(dir, () => {
      throw new Error('metadata.json missing');
    });
    const store = { tableSource: (ws: string, t: string) => `"ws_${ws}"."${t}"` } as unknown as LogStore;
    const access = new TableAccess(metadata, store);
    const w = metadata.workspaceByCustomerId(workspaceId)!;
    const one = (objectId: string) => {
      const caller = { objectId, appId: objectId, tenantId: metadata.tenantId };
      if (!access.canQueryWorkspace(caller, w)) throw new Error('bench principal may not query');
      if (!access.resolverFor(caller, { kind: 'workspace', workspaces: [w] }).resolveTable(TABLE)) throw new Error('table not resolved');
    };
    const perCallUs = (fn: () => void, n: number) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      return Math.round((Number(process.hrtime.bigint() - t) / 1e3 / n) * 100) / 100;
    };
    const warmUs = { single: 0, many: 0 };
    const coldUs = { single: 0, many: 0 };
    for (const who of ['single', 'many'] as const) {
      one(principals[who]);
      warmUs[who] = perCallUs(() => one(principals[who]), 20_000);
      coldUs[who] = perCallUs(() => {
        metadata.mutate(() => undefined); // any change moves the version and drops the cache
        one(principals[who]);
      }, 50);
    }
    // The cold figure includes writing metadata.json once per call; report that too, to subtract.
    const writeUs = perCallUs(() => metadata.mutate(() => undefined), 50);
    return { warmUs, coldUs, metadataWriteUs: writeUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
