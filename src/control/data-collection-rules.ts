import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, isAllowed } from '../authz/authorize.js';
import { dataCollectionRuleId, parseWorkspaceResourceId, resourceGroupId, workspaceResourceId } from '../metadata/resource-ids.js';
import type { DataCollectionRuleRecord, StreamColumn, WorkspaceRecord } from '../metadata/records.js';
import { tableSchema } from '../metadata/standard-columns.js';
import { findWorkspaceTable, isAuditTable, isIngestibleStandardTable, materializeStandardTable, standardTable } from '../metadata/standard-tables.js';
import { ApiError } from '../errors/api-error.js';
import { requireApiVersion } from './api-versions.js';
import type { ArmRouter } from './arm-router.js';
import type { ControlContext } from './context.js';
import { requireResourceGroup, requireSubscription } from './resource-groups.js';
import { parseBody, resourceNotFound } from './validation.js';
import { SyslogSourcesBody, validateSyslogSources } from './dcr-syslog-sources.js';
import { syslogStreamColumns } from '../syslog/streams.js';
import { compileTransform, outputMismatch, streamInput, TransformError } from '../ingest/transform/compile-transform.js';
import { WORKSPACE_TABLE_STREAM, WORKSPACE_TRANSFORMS_KIND, workspaceTransformInput } from '../ingest/transform/ingestion-transforms.js';
import type { IngestionStatistics } from '../ingest/transform/ingestion-statistics.js';
import type { TransformFeatures } from '../ingest/transform/supported-kql.js';
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
      dataSources: z.object({ syslog: SyslogSourcesBody }).catchall(z.unknown()).nullish(),
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

export function ruleShape(r: DataCollectionRuleRecord, statistics?: IngestionStatistics) {
  const shape = {
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
      ...(r.dataSources || r.otelDataSources ? { dataSources: { ...r.dataSources, ...r.otelDataSources } } : {}),
      dataFlows: r.dataFlows,
      ...(r.otelDirectDataSources ? { directDataSources: r.otelDirectDataSources } : {}),
      provisioningState: 'Succeeded',
    },
  };
  // Vigil's addition: rows received, dropped by transformations and ingested, per data flow, since the server started.
  return statistics ? { ...shape, properties: { ...shape.properties, ingestionStatistics: statistics.forRule(r.immutableId) } } : shape;
}

/** A transformation's compile error as Azure reports it: 400 InvalidTransformQuery, with the position. */
function transformError(at: string, err: TransformError): ApiError {
  return new ApiError(400, 'InvalidTransformQuery', `${at}.transformKql: ${err.message}`, {
    target: `${at}.transformKql`,
    ...(err.line !== undefined ? { details: [{ code: 'TransformQueryPosition', message: `line ${err.line}, column ${err.column}`, target: `${at}.transformKql` }] } : {}),
  });
}

function compileOrRefuse(at: string, text: string, input: Parameters<typeof compileTransform>[1], features: TransformFeatures = {}) {
  try {
    return compileTransform(text, input, features);
  } catch (err) {
    if (err instanceof TransformError) throw transformError(at, err);
    throw err;
  }
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
  // Built-in streams of the rule's agent data sources (syslog) flow without a declaration.
  const syslogSources = validateSyslogSources(p.dataSources?.syslog);
  const sourceStreams = new Set(syslogSources?.flatMap((s) => s.streams) ?? []);
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
  if (body.kind === WORKSPACE_TRANSFORMS_KIND) return validateWorkspaceTransforms(body, destinations, ctx.deps.transformFeatures);
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
      if (!streams[s] && !sourceStreams.has(s) && !builtInStreamColumns(s)) throw new ApiError(400, 'InvalidPayload', `${at}.streams: stream '${s}' is not declared in properties.streamDeclarations (nor produced by a data source in properties.dataSources).`, { target: `${at}.streams` });
    }
    const transformKql = f.transformKql?.trim() || 'source';
    if (f.streams.length !== 1) throw new ApiError(400, 'InvalidPayload', `${at}.streams: a data flow into a Log Analytics table takes exactly one stream.`);
    const stream = f.streams[0]!;
    // Compiled here so that anything outside Azure's subset is refused now, with its position.
    const inputColumns = streams[stream]?.columns ?? (sourceStreams.has(stream) ? syslogStreamColumns(stream) : builtInStreamColumns(stream) ?? []);
    const compiled = transformKql === 'source' ? undefined : compileOrRefuse(at, transformKql, streamInput(inputColumns), ctx.deps.transformFeatures);
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
      if (table.plan === 'Auxiliary' && compiled) {
        throw new ApiError(400, 'InvalidTransformQuery', `${at}.transformKql: a data flow into the Auxiliary table '${table.name}' cannot have a transformation; use "transformKql": "source".`, { target: `${at}.transformKql` });
      }
      const schema = tableSchema(table);
      if (compiled) {
        const problem = outputMismatch(compiled.output, table.name, schema);
        if (problem) throw new ApiError(400, 'InvalidTransformOutput', `${at}.transformKql: ${problem}.`, { target: `${at}.transformKql` });
      }
      for (const c of compiled ? [] : streams[stream]?.columns ?? builtInStreamColumns(stream) ?? []) {
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
    dataSources: syslogSources ? { syslog: syslogSources } : undefined,
    standardTargets,
  };
}

/**
 * A workspace transformation rule (kind `WorkspaceTransforms`): one destination workspace; each data
 * flow reads `Microsoft-Table-<Table>` and transforms the rows that reach that table without a
 * transformation of their own. The transformation's `source` has the table's columns.
 */
function validateWorkspaceTransforms(body: z.infer<typeof RuleBody>, destinations: { name: string; workspaceResourceId: string; workspaceId: string; workspace: WorkspaceRecord }[], features?: TransformFeatures): ValidatedRule {
  const p = body.properties;
  if (destinations.length !== 1) {
    throw new ApiError(400, 'InvalidPayload', `properties.destinations.logAnalytics: a ${WORKSPACE_TRANSFORMS_KIND} rule has exactly one destination workspace.`, { target: 'properties.destinations.logAnalytics' });
  }
  if (Object.keys(p.streamDeclarations ?? {}).length > 0) {
    throw new ApiError(400, 'InvalidPayload', `properties.streamDeclarations: a ${WORKSPACE_TRANSFORMS_KIND} rule declares no streams; its data flows read 'Microsoft-Table-<Table>'.`, { target: 'properties.streamDeclarations' });
  }
  const d = destinations[0]!;
  const seen = new Set<string>();
  const flows = (p.dataFlows ?? []).map((f, i) => {
    const at = `properties.dataFlows[${i}]`;
    const m = f.streams.length === 1 ? WORKSPACE_TABLE_STREAM.exec(f.streams[0]!) : null;
    if (!m) throw new ApiError(400, 'InvalidPayload', `${at}.streams: a ${WORKSPACE_TRANSFORMS_KIND} data flow reads exactly one stream 'Microsoft-Table-<Table>'.`, { target: `${at}.streams` });
    if (f.destinations.length !== 1 || f.destinations[0]!.toLowerCase() !== d.name.toLowerCase()) {
      throw new ApiError(400, 'InvalidPayload', `${at}.destinations: a ${WORKSPACE_TRANSFORMS_KIND} data flow names the rule's one destination '${d.name}'.`, { target: `${at}.destinations` });
    }
    const table = findWorkspaceTable(d.workspace, m[1]!);
    if (!table) throw new ApiError(400, 'InvalidOutputTable', `${at}.streams: table '${m[1]}' does not exist in workspace '${d.workspace.name}'.`, { target: `${at}.streams` });
    if (isAuditTable(table.name)) throw new ApiError(400, 'InvalidOutputTable', `${at}.streams: '${table.name}' is written by Vigil only and cannot be transformed.`, { target: `${at}.streams` });
    if (seen.has(table.name.toLowerCase())) throw new ApiError(400, 'InvalidPayload', `${at}.streams: table '${table.name}' has a transformation in an earlier data flow of this rule.`, { target: `${at}.streams` });
    seen.add(table.name.toLowerCase());
    const transformKql = f.transformKql?.trim() || 'source';
    const schema = tableSchema(table);
    if (transformKql !== 'source') {
      const compiled = compileOrRefuse(at, transformKql, workspaceTransformInput(schema), features);
      const problem = outputMismatch(compiled.output, table.name, schema);
      if (problem) throw new ApiError(400, 'InvalidTransformOutput', `${at}.transformKql: ${problem}.`, { target: `${at}.transformKql` });
    }
    return { streams: [`Microsoft-Table-${table.name}`], destinations: [d.name], transformKql, outputStream: `Microsoft-Table-${table.name}` };
  });
  return {
    kind: WORKSPACE_TRANSFORMS_KIND,
    tags: body.tags ?? undefined,
    description: p.description ?? undefined,
    dataCollectionEndpointId: p.dataCollectionEndpointId ?? undefined,
    streamDeclarations: {},
    destinations: { logAnalytics: [{ name: d.name, workspaceResourceId: d.workspaceResourceId, workspaceId: d.workspaceId }] },
    dataFlows: flows,
    standardTargets: [],
  };
}

export function registerDataCollectionRuleRoutes(router: ArmRouter<ControlContext>): void {
  const rgBase = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Insights/dataCollectionRules';
  const visible = (ctx: ControlContext, rules: DataCollectionRuleRecord[]) =>
    rules.filter((r) => isAllowed(ctx.deps.metadata, ctx.caller, `${TYPE}/read`, dataCollectionRuleId(r))).map((r) => ruleShape(r, ctx.deps.ingestionStatistics));

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
    return { status: 200, body: ruleShape(r, ctx.deps.ingestionStatistics) };
  });
  router.add('PUT', `${rgBase}/{name}`, async ({ sub, rg, name }, ctx) => {
    requireApiVersion(ctx.query, TYPE);
    requireResourceGroup(ctx, sub!, rg!);
    if (!RULE_NAME.test(name!)) throw new ApiError(400, 'InvalidResourceName', `Data collection rule name '${name}' is invalid.`);
    authorize(ctx.deps.metadata, ctx.caller, `${TYPE}/write`, `${resourceGroupId(sub!, rg!)}/providers/${TYPE}/${name}`);
    const body = parseBody(RuleBody, ctx.body);
    const { standardTargets, ...validated } = validateRule(ctx, body);
    if (validated.kind === WORKSPACE_TRANSFORMS_KIND) {
      const ws = validated.destinations.logAnalytics[0]!.workspaceId;
      const other = ctx.deps.metadata
        .dataCollectionRules({})
        .find((r) => r.kind === WORKSPACE_TRANSFORMS_KIND && r.destinations.logAnalytics.some((x) => x.workspaceId === ws) && !(r.subscriptionId === sub && r.resourceGroup.toLowerCase() === rg!.toLowerCase() && r.name.toLowerCase() === name!.toLowerCase()));
      if (other) {
        throw new ApiError(409, 'Conflict', `Workspace '${validated.destinations.logAnalytics[0]!.workspaceResourceId}' already has the workspace transformation rule '${dataCollectionRuleId(other)}'; a workspace has one. Update that rule instead.`);
      }
    }
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
    return { status: existing ? 200 : 201, body: ruleShape(record, ctx.deps.ingestionStatistics) };
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
