/**
 * The alert scheduler's period bookkeeping, with the real AlertService over a real data folder and a
 * query service that records what it is asked: catch-up after downtime (each missed period once, the
 * excess beyond the limit recorded as Skipped), and no period evaluated twice across restarts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AlertService, MAX_CATCH_UP } from '../../src/alerts/alert-service.js';
import { ruleResourceId } from '../../src/alerts/ids.js';
import type { ScheduledQueryRuleRecord } from '../../src/alerts/records.js';
import { JsonRows } from '../../src/query/result-json.js';

const FREQ = 60_000;
const rule: ScheduledQueryRuleRecord = {
  subscriptionId: 's',
  resourceGroup: 'rg',
  name: 'r',
  location: 'local',
  kind: 'LogAlert',
  identity: { type: 'SystemAssigned', principalId: 'p1' },
  severity: 3,
  enabled: true,
  scopes: ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w'],
  evaluationFrequency: 'PT1M',
  windowSize: 'PT5M',
  criteria: { allOf: [{ query: 'T', timeAggregation: 'Count', dimensions: [], operator: 'GreaterThan', threshold: 100, failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 } }] },
  autoMitigate: true,
  actions: { actionGroups: [] },
  createdWithApiVersion: '2023-12-01',
  createdAt: new Date(0).toISOString(),
  createdBy: 'x',
  updatedAt: new Date(0).toISOString(),
  updatedBy: 'x',
};

function service(dataDir: string, asked: { caller: string; start: number; end: number }[]) {
  const metadata = {
    tenantId: 't',
    scheduledQueryRules: () => [rule],
    workspace: () => ({ customerId: 'w', name: 'w' }),
  };
  const queries = {
    run: async (req: { caller: { objectId: string }; timespan: { start: Date; end: Date } }) => {
      asked.push({ caller: req.caller.objectId, start: req.timespan.start.getTime(), end: req.timespan.end.getTime() });
      return { tables: [{ name: 'PrimaryResult', columns: [{ name: 'x', type: 'long' }], rows: JsonRows.of(['[1]']) }] };
    },
  };
  return new AlertService({
    dataDir,
    metadata: metadata as never,
    queries: queries as never,
    issuer: {} as never,
    sender: {} as never,
    publicBaseUrl: () => 'https://vigil',
    tickMs: 20,
  });
}

const until = async (cond: () => boolean) => {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('alert scheduler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sched-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('catches up missed periods oldest first, each once, up to the limit, and records the rest as Skipped', async () => {
    const latest = Math.floor(Date.now() / FREQ) * FREQ;
    const last = latest - (MAX_CATCH_UP + 10) * FREQ; // 70 periods fell due while "stopped"
    mkdirSync(join(dir, 'alerts'), { recursive: true });
    writeFileSync(join(dir, 'alerts', 'state.json'), JSON.stringify({ version: 1, rules: { [ruleResourceId(rule).toLowerCase()]: { lastPeriodEnd: last, alerts: {}, history: [] } } }));
    const asked: { caller: string; start: number; end: number }[] = [];
    const s = service(dir, asked);
    s.start();
    await until(() => asked.length >= MAX_CATCH_UP && s.history(ruleResourceId(rule)).length >= MAX_CATCH_UP + 1);
    await s.close();
    const ends = asked.map((a) => a.end);
    assert.ok(ends.length === MAX_CATCH_UP || ends.length === MAX_CATCH_UP + 1, `${ends.length} evaluations`);
    assert.equal(ends[0], latest - (MAX_CATCH_UP - 1) * FREQ, 'the latest 60 periods are evaluated');
    for (let i = 1; i < ends.length; i++) assert.equal(ends[i]! - ends[i - 1]!, FREQ);
    assert.ok(asked.every((a) => a.caller === 'p1' && a.end - a.start === 5 * 60_000), 'as the rule identity, over windowSize');
    const history = s.history(ruleResourceId(rule));
    const skipped = history.filter((e) => e.outcome === 'Skipped');
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!.error!.message, /^10 periods fell due/);
    assert.equal(history.filter((e) => e.outcome === 'Succeeded').length, ends.length);
  });

  it('continues after a restart with the next period, never one already evaluated', async () => {
    const state = JSON.parse(readFileSync(join(dir, 'alerts', 'state.json'), 'utf8')) as { rules: Record<string, { lastPeriodEnd: number }> };
    const lastEnd = Object.values(state.rules)[0]!.lastPeriodEnd;
    const asked: { caller: string; start: number; end: number }[] = [];
    const s = service(dir, asked);
    s.start();
    await new Promise((r) => setTimeout(r, 300));
    await s.close();
    // Nothing new is due within the same minute, or exactly the next period if a minute boundary passed.
    assert.ok(asked.every((a) => a.end > lastEnd), 'no period evaluated twice');
    assert.ok(asked.length <= 1);
    if (asked.length === 1) assert.equal(asked[0]!.end, lastEnd + FREQ);
  });
});
