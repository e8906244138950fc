/**
 * The private-data scanner over ARM (Vigil's addition to the workspace resource type):
 *
 *   POST …/workspaces/{ws}/scanPrivateData?api-version=…  {"since":"1d","sampleRows":10000}
 *        → 200 the scan report (per table, column and pattern: counts and a suggested remedy; never a value)
 *   GET|PUT …/workspaces/{ws}/privateDataScanSettings/default?api-version=…
 *        {"properties":{"enabled":true,"intervalHours":24,"lookbackHours":24,"sampleRows":10000,"nationalIdPatterns":[{"name","regex"}]}}
 *
 * Scanning reads every table of the workspace: it needs `…/workspaces/scanPrivateData/action`
 * (Owner, Contributor, Log Analytics Contributor through their wildcards).
 */
import { z } from 'zod';
import { authorize } from '../authz/authorize.js';
import { ApiError } from '../errors/api-error.js';
import { DEFAULT_NATIONAL_ID_PATTERNS } from '../governance/private-data-patterns.js';
import { SCAN_LIMITS, validateNationalIdPattern, type PrivateDataScanSettings } from '../governance/private-data-scanner.js';
import { workspaceResourceId } from '../metadata/resource-ids.js';
import type { WorkspaceRecord } from '../metadata/records.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { parseBody } from './validation.js';
import { requireWorkspace } from './workspaces.js';

const WS = 'Microsoft.OperationalInsights/workspaces';

/** `7d`, `12h`, `30m`, or ISO 8601 `P1D` / `PT12H` / `PT30M`: milliseconds. */
export function parseLookback(text: string): number | undefined {
  const short = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (short) return Number(short[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[short[2] as 'd' | 'h' | 'm'];
  const iso = /^P(?:(\d{1,5})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,5})M)?)?$/.exec(text.trim());
  if (iso && (iso[1] || iso[2] || iso[3])) return (Number(iso[1] ?? 0) * 24 * 60 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 60_000;
  return undefined;
}

const Pattern = z.object({ name: z.string(), regex: z.string() });
const ScanBody = z.object({
  since: z.string().default('1d'),
  sampleRows: z.number().int().min(1).max(SCAN_LIMITS.maxSampleRows).default(SCAN_LIMITS.defaultSampleRows),
  nationalIdPatterns: z.array(Pattern).max(50).optional(),
});
const SettingsBody = z.object({
  properties: z.object({
    enabled: z.boolean(),
    intervalHours: z.number().int().min(1).max(24 * 30).default(24),
    lookbackHours: z.number().int().min(1).max(24 * 365).default(24),
    sampleRows: z.number().int().min(1).max(SCAN_LIMITS.maxSampleRows).default(SCAN_LIMITS.defaultSampleRows),
    nationalIdPatterns: z.array(Pattern).max(50).optional(),
  }),
});

function checkPatterns(patterns: { name: string; regex: string }[] | undefined, at: string): void {
  for (const [i, p] of (patterns ?? []).entries()) {
    const problem = validateNationalIdPattern(p);
    if (problem) throw new ApiError(400, 'InvalidParameter', `${at}[${i}]: ${problem}.`, { target: `${at}[${i}]` });
  }
}

function settingsShape(w: WorkspaceRecord) {
  const s = w.privateDataScan;
  return {
    id: `${workspaceResourceId(w)}/privateDataScanSettings/default`,
    name: 'default',
    type: `${WS}/privateDataScanSettings`,
    properties: {
      enabled: s?.enabled ?? false,
      intervalHours: s?.intervalHours ?? 24,
      lookbackHours: s?.lookbackHours ?? 24,
      sampleRows: s?.sampleRows ?? SCAN_LIMITS.defaultSampleRows,
      nationalIdPatterns: s?.nationalIdPatterns ?? DEFAULT_NATIONAL_ID_PATTERNS,
      lastRunAt: s?.lastRunAt ?? null,
    },
  };
}

export function registerPrivateDataScanRoutes(router: ArmRouter<ControlContext>): void {
  const base = `/subscriptions/{sub}/resourceGroups/{rg}/providers/${WS}/{ws}`;
  router.add('POST', `${base}/scanPrivateData`, async ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, WS);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${WS}/scanPrivateData/action`, workspaceResourceId(w));
    const body = parseBody(ScanBody, ctx.body ?? {});
    const ms = parseLookback(body.since);
    if (ms === undefined) throw new ApiError(400, 'InvalidParameter', `since: '${body.since}' is not a look-back window; use e.g. 1d, 12h, 30m or P1D.`, { target: 'since' });
    checkPatterns(body.nationalIdPatterns, 'nationalIdPatterns');
    if (!ctx.deps.privateDataScanner) throw new ApiError(503, 'ServiceUnavailable', 'The private-data scanner is not running.');
    const report = await ctx.deps.privateDataScanner.scan(w, new Date(Date.now() - ms), body.sampleRows, body.nationalIdPatterns);
    return { status: 200, body: report };
  });
  router.add('GET', `${base}/privateDataScanSettings/default`, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, WS);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${WS}/read`, workspaceResourceId(w));
    return { status: 200, body: settingsShape(w) };
  });
  router.add('PUT', `${base}/privateDataScanSettings/default`, ({ sub, rg, ws }, ctx) => {
    requireApiVersion(ctx.query, WS);
    const w = requireWorkspace(ctx, sub!, rg!, ws!);
    authorize(ctx.deps.metadata, ctx.caller, `${WS}/scanPrivateData/action`, workspaceResourceId(w));
    const p = parseBody(SettingsBody, ctx.body).properties;
    checkPatterns(p.nationalIdPatterns, 'properties.nationalIdPatterns');
    ctx.deps.metadata.mutate(() => {
      const settings: PrivateDataScanSettings = { enabled: p.enabled, intervalHours: p.intervalHours, lookbackHours: p.lookbackHours, sampleRows: p.sampleRows };
      if (p.nationalIdPatterns) settings.nationalIdPatterns = p.nationalIdPatterns;
      if (w.privateDataScan?.lastRunAt) settings.lastRunAt = w.privateDataScan.lastRunAt;
      w.privateDataScan = settings;
    });
    // A newly enabled schedule runs its first scan now (then every intervalHours).
    if (p.enabled) void ctx.deps.privateDataScanner?.runDue();
    return { status: 200, body: settingsShape(w) };
  });
}
