/**
 * Ingestion throughput with a typical ingestion-time transformation — a `where`, a `project-away`
 * and a `hash_sha256` — against the same rows through a `source` data flow, same Vigil process,
 * same run, alternating slices. The figure is the ratio transformed/source of rows per second (rows
 * sent, not rows kept; the `where` drops the 404s, ~7.5 % of the rows).
 */
import { LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { isAggregateLogsUploadError } from '@azure/monitor-ingestion';
import {
  BATCH, COLUMNS, STREAM, TABLE, benchEndMs, emitResult, makeBatch, parseOptions, pool, progress, startBenchVigil, timed, uploadBatch,
  type BenchVigil, type LogRow,
} from './support.js';

const WARMUP_BATCHES = 5;
const ROUNDS = 5;
const MASKED = 'BenchMasked_CL';
export const TRANSFORMATION = "source | where Code != 404 | project-away Props | extend Message = hash_sha256(Message)";

const opts = parseOptions();
const total = opts.rows ?? (opts.quick ? 20_000 : 100_000);
const batchCount = Math.ceil(total / BATCH);
const endMs = benchEndMs();
const batches: LogRow[][] = Array.from({ length: batchCount }, (_, b) => makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), total, endMs));
const warmup: LogRow[][] = Array.from({ length: WARMUP_BATCHES }, (_, b) => makeBatch(total + b * BATCH, BATCH, total, endMs));
const perSecond = (rows: number, ms: number) => Math.round((rows / ms) * 1000);

process.stderr.write(`ingest-transform: ${total.toLocaleString('en')} rows per side in requests of ${BATCH}, concurrency ${opts.concurrency}, ${ROUNDS} alternating rounds\n`);
progress('starting Vigil');
const v: BenchVigil = await startBenchVigil();
let sourceMs = 0;
let transformMs = 0;
let stored: { plain?: number; masked?: number } = {};
let transformedRuleId = '';
try {
  const b = v.vigil.bootstrap;
  await v.clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, MASKED, {
    schema: { name: MASKED, columns: COLUMNS.filter((c) => c.name !== 'Props').map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
  });
  const rule = await v.clients.monitor.dataCollectionRules.create(b.resourceGroup, 'bench-masked', {
    body: {
      location: 'local',
      streamDeclarations: { [STREAM]: { columns: COLUMNS.map((c) => ({ ...c })) } },
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
      dataFlows: [{ streams: [STREAM], destinations: ['la'], transformKql: TRANSFORMATION, outputStream: `Custom-${MASKED}` }],
    },
  });
  transformedRuleId = rule.immutableId!;
  const uploadTransformed = async (rows: LogRow[]) => {
    try {
      await v.clients.ingestion.upload(transformedRuleId, STREAM, rows, { maxConcurrency: 1 });
    } catch (err) {
      const causes = isAggregateLogsUploadError(err) ? err.errors.map((e) => e.cause.message) : [String(err)];
      throw new Error(`upload failed: ${causes.join('; ')}`);
    }
  };
  await pool(warmup.length, opts.concurrency, (i) => uploadBatch(v, warmup[i]!));
  await pool(warmup.length, opts.concurrency, (i) => uploadTransformed(warmup[i]!));
  const perRound = Math.ceil(batchCount / ROUNDS);
  for (let r = 0; r * perRound < batchCount; r++) {
    const slice = batches.slice(r * perRound, (r + 1) * perRound);
    sourceMs += (await timed(() => pool(slice.length, opts.concurrency, (i) => uploadBatch(v, slice[i]!)))).ms;
    transformMs += (await timed(() => pool(slice.length, opts.concurrency, (i) => uploadTransformed(slice[i]!)))).ms;
    const sent = Math.min(total, (r + 1) * perRound * BATCH);
    progress(`${sent.toLocaleString('en')} rows: source ${perSecond(sent, sourceMs).toLocaleString('en')} rows/s, transformed ${perSecond(sent, transformMs).toLocaleString('en')} rows/s`);
  }
  // Not timed: every row arrived exactly once on the source side; the transformed side kept exactly the non-404 rows.
  const count = async (kql: string) => {
    const res = await v.clients.query.queryWorkspace(b.workspaceId, kql, { startTime: new Date(0), endTime: new Date(endMs + 3_600_000) });
    return res.status === LogsQueryResultStatus.Success ? Number(res.tables[0]!.rows[0]![0]) : undefined;
  };
  stored = { plain: await count(`${TABLE} | count`), masked: await count(`${MASKED} | count`) };
} finally {
  await v.dispose();
}

const all = [...batches, ...warmup].flat();
const expected = { plain: all.length, masked: all.filter((r) => r.Code !== 404).length };
const result = {
  suite: 'ingest-transform',
  rows: total,
  batchRows: BATCH,
  concurrency: opts.concurrency,
  rounds: ROUNDS,
  transformation: TRANSFORMATION,
  source: { ms: Math.round(sourceMs), rowsPerSecond: perSecond(total, sourceMs) },
  transformed: { ms: Math.round(transformMs), rowsPerSecond: perSecond(total, transformMs) },
  /** Transformed rows/s divided by source rows/s (goal ≥ 0.8). */
  ratio: Math.round((sourceMs / transformMs) * 1000) / 1000,
  check: { expected, stored, ok: stored.plain === expected.plain && stored.masked === expected.masked },
};
emitResult(result);
if (!result.check.ok) {
  process.stderr.write(`ingest-transform: stored ${JSON.stringify(stored)}, expected ${JSON.stringify(expected)}\n`);
  process.exitCode = 1;
}
