/**
 * The sustained-load harness (`npm run load`, bench/load-run.ts) in its short real mode: several
 * principals ingest and query concurrently against a real server for VIGIL_LOAD_SECONDS (default
 * 20), with the ingestion limit set below the offered rate. Checks invariants only, never timings:
 * every acknowledged row is stored exactly once, nothing refused is stored, overload answers 429
 * with Retry-After (no request times out), every operation ran, and the report and plot are made.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad } from '../../bench/load-run.js';
import { loadSvg } from '../../bench/load-svg.js';

const SECONDS = Number(process.env.VIGIL_LOAD_SECONDS ?? 20);

describe('sustained load (short real mode of npm run load)', { timeout: 240_000 + SECONDS * 1000 }, () => {
  it('loses no acknowledged row and answers overload with 429 + Retry-After', async () => {
    const report = await runLoad({
      durationSec: SECONDS,
      principals: 3,
      ingestClients: 4,
      queryClients: 3,
      batchRows: 200,
      // 30 requests per minute for the rule: four clients exceed it within seconds.
      ingestRequestsPerMinute: 30,
      warmupSec: Math.floor(SECONDS / 2),
      requestTimeoutMs: 120_000,
    });
    assert.deepEqual(report.violations, []);
    assert.ok(report.rows.acknowledged >= 30 * 200, `at least the rule's first minute of requests is acknowledged (${report.rows.acknowledged})`);
    assert.equal(report.rows.lostAcknowledged, 0);
    assert.equal(report.rows.duplicated, 0);
    assert.ok(report.rows.stored >= report.rows.acknowledged);
    const ingest = report.operations.ingest!;
    assert.ok(ingest.outcomes.throttled > 0, `overload produced 429s: ${JSON.stringify(ingest.statuses)}`);
    assert.equal(ingest.outcomes.timeout, 0);
    for (const name of ['query:count-by-client', 'query:top10', 'query:has']) {
      assert.ok(report.operations[name]!.outcomes.ok > 0, `${name} answered`);
      assert.ok(report.operations[name]!.p99Ms >= report.operations[name]!.p50Ms);
    }
    assert.ok(report.samples.length >= SECONDS / 2 && report.samples.every((s) => s.rssMiB > 0), 'RSS sampled every second');
    const svg = loadSvg(report);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.equal(svg.match(/points="([^"]*)"/)![1]!.split(' ').length, report.samples.length);
  });
});
