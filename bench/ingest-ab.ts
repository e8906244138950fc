/**
 * Ingestion A/B between two builds on a busy machine: both builds' servers run at once (compaction
 * off, so its work does not land in one side's slices), and the same 1,000-row batches go through
 * `LogsIngestionClient.upload` to each in alternating slices (A B, B A, …). Reported per side: the
 * server's CPU per 1,000 rows (from /proc, Linux; all threads, and the main thread's alone) and
 * rows/s, and B ÷ A for each.
 *
 *   NODE_EXTRA_CA_CERTS=<both builds' .bench-data/ca/tls/ca.pem, concatenated> \
 *     node dist/bench/ingest-ab.js <A's dist> <B's dist> [rounds=6] [batches per slice=20] [concurrency=4]
 *
 * Each side uses its own build's bench and test support (server, CA, SDK clients).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

type Support = typeof import('./support.js');
type Process = typeof import('../test/support/vigil-process.js');
type Clients = typeof import('../test/support/clients.js');

const [distA, distB, roundsArg = '6', perArg = '20', concurrencyArg = '4'] = process.argv.slice(2);
if (!distA || !distB) throw new Error('usage: node dist/bench/ingest-ab.js <A dist> <B dist> [rounds] [batches per slice] [concurrency]');
const rounds = Number(roundsArg);
const perSlice = Number(perArg);
const concurrency = Number(concurrencyArg);

/** CPU time (user + system, ms) of a process so far (or of its main thread: `thread`), from /proc. */
function cpuMs(pid: number, thread = false): number {
  const stat = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Side {
  dist: string;
  support: Support;
  upload: (rows: ReturnType<Support['makeBatch']>) => Promise<void>;
  pid: number;
  dispose: () => Promise<void>;
  cpuMs: number;
  /** Of which the main thread's (the event loop: request path, and DuckDB's work on calls made from it). */
  mainMs: number;
  wallMs: number;
  rows: number;
}

async function start(dist: string): Promise<Side> {
  const support = (await import(join(dist, 'bench/support.js'))) as Support;
  const { startVigil } = (await import(join(dist, 'test/support/vigil-process.js'))) as Process;
  const { sdkClients } = (await import(join(dist, 'test/support/clients.js'))) as Clients;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-ab-'));
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  for (const f of ['ca.pem', 'ca-key.pem']) copyFileSync(join(support.BENCH_CA_DIR, 'tls', f), join(tlsDir, f));
  const vigil = await startVigil({ dataDir, env: { VIGIL_COMPACTION_INTERVAL_SECONDS: '3600' } });
  try {
    const b = vigil.bootstrap;
    const clients = sdkClients(b);
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, support.TABLE, {
      schema: { name: support.TABLE, columns: support.COLUMNS.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    const rule = await clients.monitor.dataCollectionRules.create(b.resourceGroup, 'bench-logs', {
      body: {
        location: 'local',
        streamDeclarations: { [support.STREAM]: { columns: support.COLUMNS.map((c) => ({ ...c })) } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: [support.STREAM], destinations: ['la'], transformKql: 'source', outputStream: `Custom-${support.TABLE}` }],
      },
    });
    const v = { vigil, clients, ruleId: rule.immutableId!, dispose: () => vigil.dispose() };
    return { dist, support, upload: (rows) => support.uploadBatch(v, rows), pid: vigil.child.pid!, dispose: () => vigil.dispose(), cpuMs: 0, mainMs: 0, wallMs: 0, rows: 0 };
  } catch (err) {
    await vigil.dispose();
    throw err;
  }
}

const a = await start(resolve(distA));
let b: Side | undefined;
try {
  b = await start(resolve(distB));
  const { makeBatch, benchEndMs, pool } = a.support;
  const total = rounds * perSlice * 1000;
  const endMs = benchEndMs();
  const batches = Array.from({ length: rounds * perSlice }, (_, i) => makeBatch(i * 1000, 1000, total, endMs));
  const warmup = Array.from({ length: 10 }, (_, i) => makeBatch(total + i * 1000, 1000, total, endMs));
  for (const side of [a, b]) await pool(warmup.length, concurrency, (i) => side.upload(warmup[i]!));
  for (let r = 0; r < rounds; r++) {
    const slice = batches.slice(r * perSlice, (r + 1) * perSlice);
    for (const side of r % 2 ? [b, a] : [a, b]) {
      const cpuBefore = cpuMs(side.pid);
      const mainBefore = cpuMs(side.pid, true);
      const start = performance.now();
      await pool(slice.length, concurrency, (i) => side.upload(slice[i]!));
      side.wallMs += performance.now() - start;
      side.cpuMs += cpuMs(side.pid) - cpuBefore;
      side.mainMs += cpuMs(side.pid, true) - mainBefore;
      side.rows += slice.length * 1000;
    }
  }
  for (const [name, side] of [['A', a], ['B', b]] as const) {
    process.stdout.write(`${name} ${side.dist}: server CPU per 1,000 rows ${(side.cpuMs / (side.rows / 1000)).toFixed(2)} ms (main thread ${(side.mainMs / (side.rows / 1000)).toFixed(2)} ms), ${Math.round((side.rows / side.wallMs) * 1000).toLocaleString('en')} rows/s\n`);
  }
  process.stdout.write(`B/A: server CPU per row ×${(b.cpuMs / a.cpuMs).toFixed(3)}, main thread ×${(b.mainMs / a.mainMs).toFixed(3)}, rows/s ×${(a.wallMs / b.wallMs).toFixed(3)} (c=${concurrency}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`);
} finally {
  await a.dispose();
  await b?.dispose();
}
