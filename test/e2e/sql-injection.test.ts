/**
 * Issue #11 — SQL injection from the attacker's side, end to end against a real Vigil over HTTPS.
 *
 * Setup: workspace `default` (W1) with Public_CL and Secret_CL and the query audit on (LAQueryLogs in
 * W1), workspace `inj-other` (W2) with Other_CL. `reader` may query W1 and read Public_CL only (the
 * "dual role" pattern); `appReader` has Reader on one resource (resource context only). Every row
 * the attacker must never see carries the marker `SECRET-ROW`; the admin's own queries in
 * LAQueryLogs carry `AUDIT-SECRET`.
 *
 * The attack: `evaluate pivot(k, agg)` built its per-column `FILTER (WHERE k = '<value>')` by
 * rewriting the compiled SQL text with a regex that also matched an aggregate call *inside a string
 * literal* ("count(z)"). The pivot value — data, taken from the datatable — then lands outside the
 * SQL string and runs as SQL. With chr() string building the payload needs no quote. Each test asserts
 * the attacker gets NO forbidden data (an error, or only its own data back) and that the audit row
 * names only tables the caller could read. The last test stacks statements after the injected text
 * (DELETE / UPDATE / DROP / DETACH of the memory tier): on a vulnerable build a table-level reader
 * empties or breaks every workspace's tables.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sdkClients } from '../support/clients.js';
import { createStreamsRule, type Column } from '../support/log-table.js';
import { AUD, call, Principals, type Reply, type TestPrincipal } from '../support/principals.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

const COLUMNS = [
  { name: 'TimeGenerated', type: 'dateTime' },
  { name: 'Marker', type: 'string' },
];
const STREAM_COLUMNS: Column[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Marker', type: 'string' },
  { name: '_ResourceId', type: 'string' },
];

/** A SQL string expression without any quote character: chr(..)||chr(..)… */
const sqlLit = (s: string) => `(${[...s].map((c) => `chr(${c.codePointAt(0)})`).join('||')})`;
/** A KQL string literal (double quotes) for any JS string. */
const kql = (s: string) => '"' + s.replace(/[\\"\n\r\t\0]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c]!) + '"';

/**
 * The pivot injection of issue #11. `expr` is raw SQL (no single quotes) whose text value is
 * concatenated into the pivot cell: the value comes back as data in a 200 response.
 * `strcat(k, "count(z)")` nests the literal two calls deep, so the rewriting regex cannot swallow
 * the enclosing aggregate and matches `count(z)` inside the literal instead.
 */
const pivotInjection = (expr: string, agg = 'count(z)') => `datatable(k:string)[${kql(` || (${expr}) || `)}] | evaluate pivot(k, max(strcat(k, ${kql(agg)})))`;

describe('issue #11: SQL injection from the attacker side (end to end)', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let b: VigilProcess['bootstrap'];
  let p: Principals;
  let sub: string;
  let w1Id: string;
  let w2Id: string;
  let w1Arm: string;
  let reader: TestPrincipal;
  let appReader: TestPrincipal;
  let readerLogs: string;
  let appReaderLogs: string;
  const appRes = () => `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-0`;
  const auditSecret = `AUDIT-SECRET-${randomUUID().slice(0, 8)}`;

  const wsQuery = (token: string, workspaceId: string, query: string, headers: Record<string, string> = {}) =>
    call(b, token, 'POST', `/v1/workspaces/${workspaceId}/query`, { query, timespan: 'P1D' }, headers);
  const resQuery = (token: string, resourceId: string, query: string, headers: Record<string, string> = {}) =>
    call(b, token, 'POST', `/v1${resourceId}/query`, { query, timespan: 'P1D' }, headers);
  const rowsOf = (r: Reply): Record<string, unknown>[] => {
    assert.equal(r.status, 200, r.text);
    const t = r.json<{ tables: { columns: { name: string }[]; rows: unknown[][] }[] }>().tables[0]!;
    return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i]])));
  };
  const hex = (id: string) => id.replace(/-/g, '').toLowerCase();

  /** The LAQueryLogs rows (read as the admin) with these correlation ids, by id; polls until all are there, at most `ms`. */
  const auditOf = async (correlationIds: string[], ms = 8000): Promise<Map<string, Record<string, unknown>>> => {
    const admin = await p.adminToken(AUD.logs);
    const deadline = Date.now() + ms;
    for (;;) {
      const rows = rowsOf(await wsQuery(admin, w1Id, `LAQueryLogs | where CorrelationId in (${correlationIds.map((c) => `'${c}'`).join(', ')})`));
      const byId = new Map(rows.map((r) => [String(r.CorrelationId), r]));
      if (byId.size >= correlationIds.length || Date.now() > deadline) return byId;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const auditFor = async (correlationId: string): Promise<Record<string, unknown>[]> => [...(await auditOf([correlationId])).values()];

  const FORBIDDEN = /SECRET-ROW|AUDIT-SECRET|duckdb-tmp|enable_external_access|max_temp_directory_size/;
  const assertNothingForbidden = (res: Reply, what: string) => {
    assert.doesNotMatch(res.text, FORBIDDEN, `${what}: forbidden data reached the attacker (${res.status}): ${res.text.slice(0, 800)}`);
    assert.ok(!res.text.includes(vigil.dataDir), `${what}: a server path reached the attacker`);
    assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${what}: a clean answer (200 with own data, or a 4xx), got ${res.status}: ${res.text.slice(0, 400)}`);
  };

  /** Runs attacks as `reader` in W1, one after the other, and checks each answer and its audit row. */
  const attacks = async (list: [what: string, query: string][], allowedTables = ['Public_CL']) => {
    const sent: { what: string; correlationId: string; status: number }[] = [];
    for (const [what, query] of list) {
      const correlationId = randomUUID();
      const res = await wsQuery(readerLogs, w1Id, query, { 'x-ms-client-request-id': correlationId });
      assertNothingForbidden(res, what);
      sent.push({ what, correlationId, status: res.status });
    }
    const audit = await auditOf(sent.map((x) => x.correlationId));
    for (const { what, correlationId, status } of sent) {
      const row = audit.get(correlationId);
      assert.ok(row, `${what}: the attack is in LAQueryLogs`);
      assert.equal(row.ResponseCode, status, `${what}: the audit records the status the attacker got`);
      const context = (typeof row.RequestContext === 'string' ? JSON.parse(row.RequestContext) : row.RequestContext) as { tables?: string[] };
      for (const t of context.tables ?? []) assert.ok(allowedTables.includes(t), `${what}: the audit claims the caller read ${t}, which it may not read`);
    }
  };
  const attack = (what: string, query: string) => attacks([[what, query]]);

  before(async () => {
    vigil = await startVigil();
    b = vigil.bootstrap;
    p = new Principals(b);
    sub = `/subscriptions/${b.subscriptionId}`;
    w1Id = b.workspaceId;
    w1Arm = b.workspaceResourceId;
    const { logAnalytics, monitor, ingestion } = sdkClients(b);
    const w2 = await logAnalytics.workspaces.beginCreateOrUpdateAndWait(b.resourceGroup, 'inj-other', { location: 'local' });
    w2Id = w2.customerId!;
    for (const [ws, table] of [
      [b.workspaceName, 'Public_CL'],
      [b.workspaceName, 'Secret_CL'],
      ['inj-other', 'Other_CL'],
    ] as const) {
      await logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, ws, table, { schema: { name: table, columns: COLUMNS } });
    }
    await monitor.diagnosticSettings.createOrUpdate(w1Arm, 'audit', { workspaceId: w1Arm, logs: [{ category: 'Audit', enabled: true }] });
    const r1 = await createStreamsRule(b, 'inj-w1', w1Arm, [{ stream: 'Public', table: 'Public_CL' }, { stream: 'Secret', table: 'Secret_CL' }], STREAM_COLUMNS);
    const r2 = await createStreamsRule(b, 'inj-w2', w2.id!, [{ stream: 'Other', table: 'Other_CL' }], STREAM_COLUMNS);
    const now = Date.now();
    const up = async (ruleId: string, stream: string, markers: string[], resourceIds?: string[]) => {
      let failed = 0;
      await ingestion.upload(
        ruleId,
        stream,
        markers.map((m, i) => ({ TimeGenerated: new Date(now - (i + 1) * 60_000).toISOString(), Marker: m, _ResourceId: resourceIds?.[i] ?? `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-9` })),
        { onError: () => void failed++ },
      );
      assert.equal(failed, 0);
    };
    await up(r1.immutableId!, 'Custom-Public', ['public-1', 'public-2'], [appRes(), `${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/app-1`]);
    // The secret rows belong to app-9: the resource-context reader (Reader on app-0) may read app-0's rows
    // only — public-1 — never app-1's public-2, app-9's secret rows or another workspace's.
    await up(r1.immutableId!, 'Custom-Secret', ['SECRET-ROW-w1-a', 'SECRET-ROW-w1-b']);
    await up(r2.immutableId!, 'Custom-Other', ['SECRET-ROW-w2-a']);

    const queryOnly = await p.createQueryOnlyRole('INJ query only', w1Arm);
    [reader, appReader] = await Promise.all([p.create('inj-reader'), p.create('inj-app-reader')]);
    await p.assign(reader.objectId, queryOnly, w1Arm);
    await p.assign(reader.objectId, 'Reader', `${w1Arm}/tables/Public_CL`);
    await p.assign(appReader.objectId, 'Reader', appRes());
    [readerLogs, appReaderLogs] = await Promise.all([reader.token(AUD.logs), appReader.token(AUD.logs)]);

    // The admin's own queries: LAQueryLogs rows the reader must never see.
    const admin = await p.adminToken(AUD.logs);
    const c = randomUUID();
    assert.equal((await wsQuery(admin, w1Id, `print s = "${auditSecret}"`, { 'x-ms-client-request-id': c })).status, 200);
    assert.equal((await auditFor(c)).length, 1, 'the audit is on');
    // The secret rows are there, for the admin.
    assert.match((await wsQuery(admin, w1Id, 'Secret_CL | project Marker')).text, /SECRET-ROW-w1-a/);
    assert.match((await wsQuery(admin, w2Id, 'Other_CL | project Marker')).text, /SECRET-ROW-w2-a/);

    // Sanity: the reader reads Public_CL and is refused Secret_CL, LAQueryLogs and workspace 2.
    assert.equal((await wsQuery(readerLogs, w1Id, 'Public_CL | project Marker')).status, 200);
    assert.equal((await wsQuery(readerLogs, w1Id, 'Secret_CL')).status, 403);
    assert.equal((await wsQuery(readerLogs, w1Id, 'LAQueryLogs')).status, 403);
    assert.equal((await wsQuery(readerLogs, w2Id, 'Other_CL')).status, 403);
  });
  after(async () => vigil?.dispose());

  // ───────────── the pivot injection (fails on main before the fix) ─────────────

  it('pivot: a harmless SQL-looking value next to a "count(z)" literal comes back exactly as data', async () => {
    // Not an attack: the same shape with a payload that is only a string. Whatever the fix, this must
    // come back exactly as data (the pivot column is named after the value, the cell is the strcat).
    const v = ' || (1+1) || ';
    const res = await wsQuery(readerLogs, w1Id, `datatable(k:string)[${kql(v)}] | evaluate pivot(k, max(strcat(k, "count(z)")))`);
    const rows = rowsOf(res);
    assert.deepEqual(rows, [{ [v]: `${v}count(z)` }], `the pivot value and the literal must round-trip: ${res.text.slice(0, 400)}`);
  });

  it('(a) pivot injection cannot read a table of the same workspace the caller may not read', async () => {
    await attacks([`vigil_${hex(w1Id)}_Secret_CL`, `v_${hex(w1Id)}_Secret_CL`].map((view) => [`(a) ${view}`, pivotInjection(`SELECT string_agg(Marker, chr(44)) FROM temp.main.${view}`)]));
    // The view exists once the table was queried by someone (the admin): read it right after.
    await wsQuery(await p.adminToken(AUD.logs), w1Id, 'Secret_CL | count');
    await attack('(a) after an admin read', pivotInjection(`SELECT string_agg(Marker, chr(44)) FROM temp.main.vigil_${hex(w1Id)}_Secret_CL`));
  });

  it('(b) pivot injection cannot read a table of another workspace the caller has no role on', async () => {
    await wsQuery(await p.adminToken(AUD.logs), w2Id, 'Other_CL | count');
    await attack('(b) view', pivotInjection(`SELECT string_agg(Marker, chr(44)) FROM temp.main.vigil_${hex(w2Id)}_Other_CL`));
  });

  it('(c) pivot injection cannot read LAQueryLogs (other principals\' query text)', async () => {
    await attack('(c) view', pivotInjection(`SELECT string_agg(QueryText, chr(44)) FROM temp.main.vigil_${hex(w1Id)}_LAQueryLogs`));
  });

  it('(d) pivot injection cannot read the engine settings (duckdb_settings(), current_setting)', async () => {
    await attacks([
      ['(d) duckdb_settings', pivotInjection(`SELECT string_agg(name || chr(61) || value, chr(44)) FROM duckdb_settings()`)],
      ['(d) current_setting', pivotInjection(`current_setting(${sqlLit('temp_directory')})`)],
      ['(d) catalog listing', pivotInjection(`SELECT string_agg(database_name || chr(46) || table_name || chr(58) || estimated_size, chr(44)) FROM duckdb_tables()`)],
    ]);
  });

  it('(e) pivot injection cannot read the memory tier (segmem.main.t_N) of any workspace', async () => {
    await attacks([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`(e) segmem.main.t_${n}`, pivotInjection(`SELECT string_agg(CAST(x AS VARCHAR), chr(44)) FROM segmem.main.t_${n} AS x`)]));
  });

  it('the same attacks through the other aggregate names the rewriting regex knew (sum, avg, min, max, any_value, list)', async () => {
    await wsQuery(await p.adminToken(AUD.logs), w1Id, 'Secret_CL | count');
    const expr = `SELECT string_agg(Marker, chr(44)) FROM temp.main.vigil_${hex(w1Id)}_Secret_CL`;
    await attacks(['sum(x)', 'avg(x)', 'min(x)', 'max(x)', 'any_value(x)', 'list(x)', 'count(*)', 'COUNT(z)', 'stddev_samp(x)'].map((agg) => [`agg ${agg}`, pivotInjection(expr, agg)]));
  });

  it('resource context: pivot injection over /v1/{resourceId}/query returns no other resource\'s rows and no other workspace\'s', async () => {
    for (const expr of [
      `SELECT string_agg(Marker, chr(44)) FROM temp.main.vigil_${hex(w1Id)}_Secret_CL`,
      `SELECT string_agg(Marker, chr(44)) FROM temp.main.vigil_${hex(w2Id)}_Other_CL`,
      ...[1, 2, 3, 4, 5, 6].map((n) => `SELECT string_agg(CAST(x AS VARCHAR), chr(44)) FROM segmem.main.t_${n} AS x`),
    ]) {
      const res = await resQuery(appReaderLogs, appRes(), pivotInjection(expr));
      assertNothingForbidden(res, `resource context: ${expr}`);
      assert.doesNotMatch(res.text, /public-2/, 'another resource\'s row reached a resource-context reader');
    }
  });

  // ───────────── payloads come back as data over the Query API ─────────────

  const PAYLOADS = [
    `x' || (SELECT 1) || '`,
    `count(z)`,
    `sum(x) FILTER (WHERE 1=1)`,
    `$' || chr(39) || $'`,
    `$& $\` $$ $1`,
    `a"b\`c'd`,
    `back\\slash\\' \\"`,
    `-- comment`,
    `/* c */ 1; DROP TABLE x; --`,
    `nul\0byte`,
    `ʼ U+02BC ＇ U+FF07 ’ U+2019`,
    `chr(39) || current_setting(chr(116))`,
  ];

  it('workspace context: hostile strings round-trip as data through pivot, bag_unpack, extend, where, parse, replace_string and project-rename', async () => {
    const failures: string[] = [];
    for (const v of PAYLOADS) {
      const lit = kql(v);
      const checks: [string, (rows: Record<string, unknown>[]) => void][] = [
        [`Public_CL | where Marker == "public-1" | extend s = ${lit} | project s`, (r) => assert.deepEqual(r, [{ s: v }])],
        [`Public_CL | where Marker != ${lit} | summarize c = countif(Marker == ${lit})`, (r) => assert.deepEqual(r, [{ c: 0 }])],
        [`datatable(k:string, n:long)[${lit}, 1, "b", 2] | evaluate pivot(k, sum(n))`, (r) => assert.deepEqual(r, [{ [v]: 1, b: 2 }])],
        [`datatable(k:string)[${lit}] | evaluate pivot(k, max(strcat(k, "count(z)")))`, (r) => assert.deepEqual(r, [{ [v]: `${v}count(z)` }])],
        [`datatable(d:dynamic)[dynamic({${lit}: ${lit}})] | evaluate bag_unpack(d)`, (r) => assert.deepEqual(r, [{ [v]: v }])],
        [`print s = strcat("<", ${lit}, ">") | parse s with "<" x:string ">" | project x`, (r) => assert.deepEqual(r, [{ x: v }])],
        [`print s = replace_string("AB", "B", ${lit})`, (r) => assert.deepEqual(r, [{ s: `A${v}` }])],
        [`Public_CL | where Marker == "public-1" | project-rename [${kql(v)}] = Marker | project-keep [${kql(v)}]`, (r) => assert.deepEqual(r, [{ [v]: 'public-1' }])],
      ];
      for (const [q, check] of checks) {
        const res = await wsQuery(readerLogs, w1Id, q);
        assertNothingForbidden(res, q);
        // A NUL cannot be part of a column name: a clean KQL error (never an engine error) is the answer there.
        const nameFromData = /pivot\(k|bag_unpack|project-rename/.test(q);
        if (v.includes('\0') && nameFromData && res.status === 400 && !/EngineError|Parser Error/.test(res.text)) continue;
        try {
          check(rowsOf(res));
        } catch (err) {
          failures.push(`${q}\n→ ${res.status} ${res.text.slice(0, 300)}\n${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    assert.deepEqual(failures, [], `payloads that did not come back as data:\n${failures.join('\n\n')}`);
  });

  it('the audit stores hostile query text and client app exactly as sent', async () => {
    const sent: { v: string; correlationId: string; app: string; q: string }[] = [];
    for (const v of PAYLOADS.filter((x) => !x.includes('\0'))) {
      const correlationId = randomUUID();
      const app = v.replace(/[^\x20-\x7e]/g, '?'); // header values are Latin-1 text
      const q = `Public_CL | where Marker == ${kql(v)} | count // ${v.replace(/[\r\n]/g, ' ')}`;
      const res = await wsQuery(readerLogs, w1Id, q, { 'x-ms-client-request-id': correlationId, 'x-ms-app': app });
      assert.equal(res.status, 200, res.text);
      sent.push({ v, correlationId, app, q });
    }
    const audit = await auditOf(sent.map((x) => x.correlationId));
    for (const { v, correlationId, app, q } of sent) {
      const row = audit.get(correlationId);
      assert.ok(row, `audit row for ${JSON.stringify(v)}`);
      assert.equal(row.QueryText, q);
      assert.equal(row.RequestClientApp, app);
    }
  });

  it('resource context: a resource id made of SQL reaches no other resource\'s rows', async () => {
    const rgReader = await p.create('inj-rg-reader');
    await p.assign(rgReader.objectId, 'Reader', `${sub}/resourceGroups/apps`);
    const token = await rgReader.token(AUD.logs);
    for (const name of [`x' OR '1'='1`, `x' OR 1=1 --`, `x%27%20OR%20%271%27%3D%271`, `x') OR (1=1`, `x\\' OR 1=1 --`, `count(z)' || (SELECT 1) || '`]) {
      const path = `/v1${sub}/resourceGroups/apps/providers/Microsoft.Web/sites/${name.includes('%') ? name : encodeURIComponent(name)}/query`;
      const res = await call(b, token, 'POST', path, { query: 'union * | project Marker', timespan: 'P1D' });
      assertNothingForbidden(res, path);
      if (res.status === 200) assert.deepEqual(rowsOf(res), [], `${path}: rows of other resources came back: ${res.text.slice(0, 300)}`);
    }
  });

  it('resource context: hostile strings round-trip as data, and only the resource\'s rows come back', async () => {
    for (const v of PAYLOADS) {
      const lit = kql(v);
      const res = await resQuery(appReaderLogs, appRes(), `Public_CL | extend s = ${lit} | project Marker, s`);
      assert.deepEqual(rowsOf(res), [{ Marker: 'public-1', s: v }], `${v}: ${res.text.slice(0, 400)}`);
      const piv = await resQuery(appReaderLogs, appRes(), `Public_CL | extend k = ${lit} | summarize n = count() by k, Marker | project k, n`);
      assert.deepEqual(rowsOf(piv), [{ k: v, n: 1 }]);
    }
  });
  // Last: on a vulnerable build this destroys the other tests' data.
  it('(f, last) pivot injection cannot change or destroy data: stacked DELETE / UPDATE / DROP statements', async () => {
    // The injected text closes the statement (the rest of the line is commented out) and stacks another one.
    const stacked = (stmt: string) => `datatable(k:string)[${kql(`)), chr(32)) AS c0 FROM (SELECT 1 AS c0) AS t) AS t) AS q(w0)) ; ${stmt}; --`)}] | evaluate pivot(k, max(strcat(k, "count(z)")))`;
    const admin = await p.adminToken(AUD.logs);
    const counts = async () => {
      const out: Record<string, unknown> = {};
      for (const [ws, q] of [[w1Id, 'Secret_CL | count'], [w1Id, 'Public_CL | count'], [w2Id, 'Other_CL | count']] as const) {
        const r = await wsQuery(admin, ws, q);
        out[q] = r.status === 200 ? rowsOf(r)[0]!.Count : `${r.status} ${r.text.slice(0, 200)}`;
      }
      return out;
    };
    const before = await counts();
    assert.deepEqual(before, { 'Secret_CL | count': 2, 'Public_CL | count': 2, 'Other_CL | count': 1 });
    const statements = [
      `UPDATE segmem.main.t_1 SET Marker = chr(120)`,
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `DELETE FROM segmem.main.t_${n}`),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `DROP TABLE segmem.main.t_${n}`),
      `DROP VIEW temp.main.vigil_${hex(w1Id)}_Secret_CL`,
      `DETACH segmem`,
    ];
    for (const stmt of statements) {
      const res = await wsQuery(readerLogs, w1Id, stacked(stmt));
      assertNothingForbidden(res, stmt);
    }
    assert.deepEqual(await counts(), before, 'a table-level reader changed or destroyed stored rows');
  });
});
