import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { dataCollectionRuleId, parseWorkspaceResourceId, resourceGroupId, workspaceResourceId } from '../metadata/resource-ids.js';
import type { DataCollectionRuleRecord, StreamColumn, WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { findWorkspaceTable, isIngestibleStandardTable, materializeStandardTable, standardTable } from '../metadata/standard-tables.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';
import { builtInStreamColumns, defaultOutputStream, OTEL_LOGS_STREAM, OTEL_TRACE_STREAMS } from '../ingest/streams.js';
import { otelDataSources, requireRuleEndpoint } from './data-collection-rule-extras.js';

const TYPE = 'Microsoft.Insights/dataCollectionRules';
const RULE_NAME = /^[A-Za-z0-9][-\w.]{0,62}$/;
const STREAM_TYPES = ['string', 'int', 'long', 'real', 'boolean', 'dynamic', 'datetime'] as const;

/** Which stream column types may feed which table column types without a transformation. */
const COMPATIBLE: Record<StreamColumn['type'], string[]> = {
  string: ['string', 'guid', 'dynamic'],
  int: ['int', 'long', 'real'],
  long: ['long', 'real'],
  real: ['real'],
  boolean: ['bool'],
  dynamic: ['dynamic', 'string'],
  datetime: ['datetime'],
};

const RuleBody = z.object({
  location: z.string().min(1, 'location is required'),
  kind: z.string().nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z
    .object({
      description: z.string().nullish(),
      dataCollectionEndpointId: z.string().nullish(),
      streamDeclarations: z
        .record(
          z.string().regex(/^Custom-[A-Za-z0-9_-]{1,100}$/, "a declared stream name starts with 'Custom-'"),
          z.object({
            columns: z
              .array(
                z.object({
                  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,44}$/, 'a column name has at most 45 letters, digits or underscores'),
                  type: z.enum(STREAM_TYPES),
                }),
              )
              .min(1, 'a stream declares at least one column')
              .max(500),
          }),
        )
        .nullish(),
      destinations: z
        .object({
          logAnalytics: z
            .array(z.object({ name: z.string().min(1, 'name is required'), workspaceResourceId: z.string().min(1, 'workspaceResourceId is required') }).catchall(z.unknown()))
            .nullish(),
        })
        .catchall(z.unknown())
        .nullish(),
      dataFlows: z
        .array(
          z.object({
            streams: z.array(z.string()).min(1, 'a data flow names at least one stream'),
            destinations: z.array(z.string()).min(1, 'a data flow names at least one destination'),
            transformKql: z.string().nullish(),
            outputStream: z.string().nullish(),
          }).catchall(z.unknown()),
        )
        .nullish(),
    })
    .catchall(z.unknown()),
});

export function ruleShape(r: DataCollectionRuleRecord) {
  return {
    id: dataCollectionRuleId(r),
    name: r.name,
    type: TYPE,
    location: r.location,
    kind: r.kind,
    tags: r.tags ?? {},
    properties: {
      description: r.description,
      immutableId: r.immutableId,
      dataCollectionEndpointId: r.dataCollectionEndpointId,
      streamDeclarations: r.streamDeclarations,
      destinations: r.destinations,
      dataFlows: r.dataFlows,
      ...(r.otelDataSources ? { dataSources: r.otelDataSources } : {}),
      ...(r.otelDirectDataSources ? { directDataSources: r.otelDirectDataSources } : {}),
      provisioningState: 'Succeeded',
    },
  };
}

function notFound(name: string, rg: string): ApiError {
  return resourceNotFound(TYPE, name, rg);
}

type ValidatedRule = Omit<DataCollectionRuleRecord, 'subscriptionId' | 'resourceGroup' | 'name' | 'location' | 'immutableId' | 'createdAt'> & {
  /** Azure standard tables the rule writes (`Microsoft-<Table>`), to be stored before the rule is saved. */
  standardTargets: { workspace: WorkspaceRecord; table: string }[];
};

/**
 * The table an output stream names: `Custom-<Table>_CL` (a custom table of the workspace) or
 * `Microsoft-<Table>` (one of Azure's standard tables, which every workspace has).
 */
function outputTable(outputStream: string): { kind: 'custom' | 'standard'; name: string } | undefined {
  const custom = /^Custom-([A-Za-z][A-Za-z0-9_]*_CL)$/.exec(outputStream);
  if (custom) return { kind: 'custom', name: custom[1]! };
  const ms = /^Microsoft-([A-Za-z][A-Za-z0-9_]*)$/.exec(outputStream);
  if (ms && isIngestibleStandardTable(ms[1]!)) return { kind: 'standard', name: standardTable(ms[1]!)!.name };
  return undefined;
}

/** Checks the rule end to end: streams declared, destinations exist, each flow lands in an existing, compatible table. */
function validateRule(ctx: ControlContext, body: z.infer<typeof RuleBody>): ValidatedRule {
  const standardTargets: ValidatedRule['standardTargets'] = [];
  const p = body.properties;
  const streams = p.streamDeclarations ?? {};
  const destinations = (p.destinations?.logAnalytics ?? []).map((d, i) => {
    const ref = parseWorkspaceResourceId(d.workspaceResourceId);
    const w = ref && ctx.deps.metadata.workspace(ref.subscriptionId, ref.resourceGroup, ref.name);
    if (!w) {
      throw new ApiError(400, 'InvalidPayload', `properties.destinations.logAnalytics[${i}].workspaceResourceId: workspace '${d.workspaceResourceId}' does not exist.`, {
        target: `properties.destinations.logAnalytics[${i}].workspaceResourceId`,
      });
    }
    // Pointing a rule at a workspace needs the right to see that workspace.
    authorize(ctx.deps.metadata, ctx.caller, 'Microsoft.OperationalInsights/workspaces/read', workspaceResourceId(w));
    return { name: d.name, workspaceResourceId: workspaceResourceId(w), workspaceId: w.customerId, workspace: w };
  });
  const names = new Set<string>();
  destinations.forEach((d, i) => {
    if (names.has(d.name.toLowerCase())) throw new ApiError(400, 'InvalidPayload', `properties.destinations.logAnalytics[${i}].name: destination '${d.name}' is declared twice.`);
    names.add(d.name.toLowerCase());
  });
  const otel = otelDataSources(p);
  const flows = (p.dataFlows ?? []).map((f, i) => {
    const at = `properties.dataFlows[${i}]`;
    for (const s of f.streams) {
      if (OTEL_TRACE_STREAMS.some((t) => t.toLowerCase() === s.toLowerCase())) {
        throw new ApiError(400, 'InvalidPayload', `${at}.streams: '${s}': Vigil ingests OpenTelemetry logs (${OTEL_LOGS_STREAM}), not traces.`, { target: `${at}.streams` });
      }
      if (s === OTEL_LOGS_STREAM && !otel.logs.includes(s)) {
        throw new ApiError(400, 'InvalidPayload', `${at}.streams: stream '${s}' needs an OpenTelemetry logs data source: add properties.directDataSources.otelLogs (or dataSources.otelLogs) with "streams": ["${s}"].`, { target: `${at}.streams` });
      }
      if (!streams[s] && !builtInStreamColumns(s)) throw new ApiError(400, 'InvalidPayload', `${at}.streams: stream '${s}' is not declared in properties.streamDeclarations.`, { target: `${at}.streams` });
    }
    const transformKql = f.transformKql?.trim() || 'source';
    if (transformKql !== 'source') {
      throw new ApiError(
        400,
        'InvalidTransformQuery',
        `${at}.transformKql: transformations other than 'source' are not supported yet; use "transformKql": "source" and shape the data before sending it.`,
        { target: `${at}.transformKql` },
      );
    }
    if (f.streams.length !== 1) throw new ApiError(400, 'InvalidPayload', `${at}.streams: a data flow into a Log Analytics table takes exactly one stream.`);
    const stream = f.streams[0]!;
    const outputStream = f.outputStream ?? defaultOutputStream(stream);
    const out = outputTable(outputStream);
    if (!out) {
      throw new ApiError(
        400,
        'InvalidOutputTable',
        `${at}.outputStream: '${outputStream}' is not supported: use 'Custom-<Table>_CL' naming a custom table of the destination workspace, or 'Microsoft-<Table>' naming an Azure standard table (such as Microsoft-Syslog or Microsoft-SecurityEvent; the audit tables LAQueryLogs and AzureActivity are written by Vigil only).`,
        { target: `${at}.outputStream` },
      );
    }
    for (const dn of f.destinations) {
      const d = destinations.find((x) => x.name.toLowerCase() === dn.toLowerCase());
      if (!d) throw new ApiError(400, 'InvalidPayload', `${at}.destinations: destination '${dn}' is not declared in properties.destinations.`, { target: `${at}.destinations` });
      const table = out.kind === 'custom' ? d.workspace.tables.find((t) => t.name.toLowerCase() === out.name.toLowerCase()) : findWorkspaceTable(d.workspace, out.name);
      if (!table) {
        throw new ApiError(400, 'InvalidOutputTable', `${at}.outputStream: table '${out.name}' does not exist in workspace '${d.workspace.name}'. Create the table first.`, {
          target: `${at}.outputStream`,
        });
      }
      if (table.plan === 'Auxiliary' && (p.dataFlows ?? []).length > 1) {
        throw new ApiError(400, 'InvalidPayload', `${at}: a rule that sends to the Auxiliary table '${table.name}' can send to only one table.`);
      }
      const schema = tableSchema(table);
      for (const c of streams[stream]?.columns ?? builtInStreamColumns(stream)!) {
        const target = schema.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
        if (target && !COMPATIBLE[c.type].includes(target.type)) {
          throw new ApiError(
            400,
            'InvalidPayload',
            `${at}: stream column '${c.name}' (${c.type}) cannot be written to column '${target.name}' (${target.type}) of table '${table.name}'.`,
            { target: `properties.streamDeclarations.${stream}.columns` },
          );
        }
      }
      if (out.kind === 'standard') standardTargets.push({ workspace: d.workspace, table: out.name });
    }
    return { streams: f.streams, destinations: f.destinations, transformKql, outputStream: `${out.kind === 'custom' ? 'Custom' : 'Microsoft'}-${out.name}` };
  });
  return {
    kind: body.kind ?? undefined,
    tags: body.tags ?? undefined,
    description: p.description ?? undefined,
    dataCollectionEndpointId: p.dataCollectionEndpointId ? requireRuleEndpoint(ctx, p.dataCollectionEndpointId) : undefined,
    streamDeclarations: streams,
    otelDataSources: otel.dataSources,
    otelDirectDataSources: otel.directDataSources,
    destinations: { logAnalytics: destinations.map(({ name, workspaceResourceId, workspaceId }) => ({ name, workspaceResourceId, workspaceId })) },
    dataFlows: flows,
    standardTargets,
  };
}

export function registerDataCollectionRuleRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionRules';
  const visible = (ctx: ControlContext, rules: DataCollectionRuleRecord[]) =>
    rules.filter((r) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, dataCollectionRuleId(r))).map(ruleShape);

  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.Insights/dataCollectionRules', ({ sub }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireSubscription(ctx, sub!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.dataCollectionRules({ subscriptionId: sub })) } };
  });
  router.add('GET', rgBase, ({ sub, rg }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    return { status: 200, body: { value: visible(ctx, ctx.deps.metadata.dataCollectionRules({ subscriptionId: sub, resourceGroup: rg })) } };
  });
  router.add('GET', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const r = ctx.deps.metadata.dataCollectionRule(sub!, rg!, name!);
    if (!r) throw notFound(name!, rg!);
    return { status: 200, body: ruleShape(r) };
  });
  router.add('PUT', `${rgBase}/{name}`, async ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    if (!RULE_NAME.test(name!)) throw new ApiError(400, 'InvalidResourceName', `Data collection rule name '${name}' is invalid.`);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    const body = parseBody(RuleBody, ctx.body);
    const { standardTargets, ...validated } = validateRule(ctx, body);
    // The Azure tables the rule writes become stored tables of their workspaces (schema as documented).
    for (const t of standardTargets) await materializeStandardTable(ctx.deps.metadata, ctx.deps.store, t.workspace, t.table);
    const existing = ctx.deps.metadata.dataCollectionRule(sub!, rg!, name!);
    const record = ctx.deps.metadata.mutate((state) => {
      if (existing) {
        Object.assign(existing, validated, { location: existing.location });
        return existing;
      }
      const created: DataCollectionRuleRecord = {
        subscriptionId: sub!,
        resourceGroup: rg!,
        name: name!,
        location: body.location,
        immutableId: `dcr-${randomBytes(16).toString('hex')}`,
        createdAt: new Date().toISOString(),
        ...validated,
      };
      state.dataCollectionRules.push(created);
      return created;
    });
    return { status: existing ? 200 : 201, body: ruleShape(record) };
  });
  router.add('DELETE', `${rgBase}/{name}`, ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/delete`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    requireResourceGroup(ctx, sub!, rg!);
    const r = ctx.deps.metadata.dataCollectionRule(sub!, rg!, name!);
    if (!r) return { status: 204 };
    ctx.deps.metadata.mutate((state) => {
      state.dataCollectionRules = state.dataCollectionRules.filter((x) => x !== r);
      // Its associations go with it, so that a later rule of the same name does not inherit them.
      const id = dataCollectionRuleId(r).toLowerCase();
      state.dataCollectionRuleAssociations = (state.dataCollectionRuleAssociations ?? []).filter((a) => a.dataCollectionRuleId?.toLowerCase() !== id);
    });
    return { status: 200 };
  });
}
