/**
 * The portal in a real browser (issue 18): Debian's Chromium driven by playwright-core against a real
 * Vigil process. A security analyst signs in (password + TOTP, code flow with PKCE), runs a query with
 * the monaco-kusto editor, sees a chart, sees a query error marked at its line and column, exports CSV,
 * opens the insights and sees another principal's 403 in the audit, the rows a data collection rule
 * ingested, the alert its rule fired and the private-data scanner's findings (all produced through the
 * real APIs), and that only the latest of overlapping insights loads renders; reads a principal's effective
 * access. Each page is checked with axe-core (no serious or critical violation), screenshotted into
 * test-artifacts/portal/, and watched for Content-Security-Policy violations. Attacker's side: a
 * sign-in form posted from another origin is refused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, screenshot, seriousAxeViolations } from '../support/browser.js';
import { sdkClients } from '../support/clients.js';
import { AUD, call, Principals, type TestPrincipal } from '../support/principals.js';
import { createUserWithCli, freshTotp, totpNow, type CreatedUser } from '../support/user-sign-in.js';
import { startVigil, type VigilProcess } from '../support/vigil-process.js';

describe('portal in Chromium', { timeout: 600_000 }, () => {
  let vigil: VigilProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let analyst: CreatedUser;
  let owner: CreatedUser;
  /** The last TOTP time step the owner used (each step serves once). */
  const ownerSteps = { step: 0 };
  let limited: TestPrincipal;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  // A value the private-data scanner must find, and that no page may ever show.
  const plantedEmail = 'planted.person@leak-example.org';
  let dcrName: string;

  before(async () => {
    // Alert rules may be evaluated every few seconds, so the insights' alert history fills during the test.
    vigil = await startVigil({ args: ['--alert-min-frequency', '2'] });
    const b = vigil.bootstrap;
    const principals = new Principals(b);
    // The query audit on: LAQueryLogs of the workspace receives every query (a diagnostic setting, category Audit).
    await sdkClients(b).monitor.diagnosticSettings.createOrUpdate(b.workspaceResourceId, 'audit', { workspaceId: b.workspaceResourceId, logs: [{ category: 'Audit', enabled: true }] });
    // The analyst reads everything of the subscription, the audit included, and may see who has access.
    analyst = await createUserWithCli(vigil, 'analyst@vigil.local', ['--name', 'Ana Lyst', '--role', 'Log Analytics Reader', '--scope', `/subscriptions/${b.subscriptionId}`]);
    // Another principal may query the workspace but read no table: its query of LAQueryLogs is a 403.
    limited = await principals.create('limited-app');
    const queryOnly = await principals.createQueryOnlyRole('Query only', b.workspaceResourceId);
    await principals.assign(limited.objectId, queryOnly, b.workspaceResourceId);
    const denied = await call(b, await limited.token(AUD.logs), 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query: 'LAQueryLogs | take 1' });
    assert.equal(denied.status, 403, denied.text);

    // A log search alert rule on the workspace, for the insights' alert panel.
    const rule = await call(b, await principals.adminToken(AUD.arm), 'PUT', `/subscriptions/${b.subscriptionId}/resourceGroups/${b.resourceGroup}/providers/Microsoft.Insights/scheduledQueryRules/denied-queries?api-version=2023-12-01`, {
      location: 'local',
      kind: 'LogAlert',
      identity: { type: 'SystemAssigned' },
      properties: {
        displayName: 'Denied queries',
        severity: 2,
        enabled: true,
        scopes: [b.workspaceResourceId],
        evaluationFrequency: 'PT5S',
        windowSize: 'PT1H',
        criteria: { allOf: [{ query: 'LAQueryLogs | where ResponseCode == 403', timeAggregation: 'Count', operator: 'GreaterThan', threshold: 0 }] },
      },
    });
    assert.equal(rule.status, 201, rule.text);
    // The rule's query runs as its managed identity, with that identity's rights only.
    await principals.assign(rule.json<{ identity: { principalId: string } }>().identity.principalId, 'Log Analytics Reader', b.workspaceResourceId);

    // A data collection rule with a transformation that drops rows, fed through the Logs Ingestion API:
    // the insights' ingestion per rule (VigilIngestionStatistics); one row carries an e-mail address for the scanner.
    const clients = sdkClients(b);
    const columns = [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Message', type: 'string' }, { name: 'Level', type: 'int' }] as const;
    await clients.logAnalytics.tables.beginCreateOrUpdateAndWait(b.resourceGroup, b.workspaceName, 'Signins_CL', {
      schema: { name: 'Signins_CL', columns: columns.map((c) => ({ name: c.name, type: c.type === 'datetime' ? 'dateTime' : c.type })) },
    });
    dcrName = 'signins-dcr';
    const dcr = await clients.monitor.dataCollectionRules.create(b.resourceGroup, dcrName, {
      body: {
        location: 'local',
        streamDeclarations: { 'Custom-Signins': { columns: [...columns] } },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: b.workspaceResourceId }] },
        dataFlows: [{ streams: ['Custom-Signins'], destinations: ['la'], transformKql: 'source | where Level >= 2', outputStream: 'Custom-Signins_CL' }],
      },
    });
    const now = Date.now();
    await clients.ingestion.upload(dcr.immutableId!, 'Custom-Signins', [
      { TimeGenerated: new Date(now - 1000).toISOString(), Message: `sign-in by ${plantedEmail}`, Level: 3 },
      { TimeGenerated: new Date(now - 2000).toISOString(), Message: 'sign-in ok', Level: 2 },
      { TimeGenerated: new Date(now - 3000).toISOString(), Message: 'debug noise', Level: 0 },
    ]);
    // A private-data scan through ARM records its findings in VigilPrivateDataFindings.
    const scan = await call(b, await principals.adminToken(AUD.arm), 'POST', `${b.workspaceResourceId}/scanPrivateData?api-version=2023-09-01`, { since: '1d' });
    assert.equal(scan.status, 200, scan.text);
    // Wait until the statistics (flushed every few seconds), the fired alert and the findings are queryable.
    const adminLogs = await principals.adminToken(AUD.logs);
    const rowsOf = async (query: string) => {
      const r = await call(b, adminLogs, 'POST', `/v1/workspaces/${b.workspaceId}/query`, { query, timespan: 'P1D' });
      assert.equal(r.status, 200, r.text);
      return r.json<{ tables: { rows: unknown[][] }[] }>().tables[0]!.rows;
    };
    const deadline = Date.now() + 120_000;
    const ready = async () =>
      (await rowsOf(`VigilIngestionStatistics | where OutputTable == 'Signins_CL' | summarize sum(RowsReceived)`))[0]?.[0] === 3 &&
      (await rowsOf(`VigilAlertHistory | where AlertRuleName == 'denied-queries' and MonitorCondition == 'Fired' | count`))[0]?.[0] !== 0 &&
      (await rowsOf(`VigilPrivateDataFindings | where ScannedTable == 'Signins_CL' | count`))[0]?.[0] !== 0;
    while (!(await ready())) {
      assert.ok(Date.now() < deadline, 'ingestion statistics, alert history and private-data findings within 120 s');
      await new Promise((r) => setTimeout(r, 1000));
    }
    browser = await launchChromium(b.caPath);
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await vigil?.dispose();
  });

  const noSeriousViolations = async (name: string) => {
    const v = await seriousAxeViolations(page);
    assert.deepEqual(v, [], `${name}: axe found serious accessibility violations:\n${JSON.stringify(v, null, 2)}`);
  };

  it('signs in with password and TOTP through the sign-in page', async () => {
    const scripts = new Set<string>();
    const record = (r: Request) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith('.js')) scripts.add(path);
    };
    page.on('request', record);
    await page.goto(`${vigil.endpoint}/portal/`);
    await page.waitForSelector('form input[name=username]', { timeout: 60_000 });
    page.off('request', record);
    assert.match(page.url(), /\/oauth2\/v2\.0\/authorize\?/);
    // The load that only sends the browser to sign in fetches the small entry, not the app (Monaco, ECharts, workers: megabytes).
    const fetched = await Promise.all([...scripts].map(async (p) => [p, (await (await fetch(`${vigil.endpoint}${p}`)).arrayBuffer()).byteLength] as const));
    assert.ok(fetched.some(([p]) => /^\/portal\/assets\/portal-[A-Z2-7]{8}\.js$/.test(p)), JSON.stringify(fetched));
    const bytes = fetched.reduce((n, [, size]) => n + size, 0);
    assert.ok(bytes < 50_000, `${bytes} bytes of script before the sign-in page: ${JSON.stringify(fetched)}`);
    await screenshot(page, '01-sign-in');
    await noSeriousViolations('sign-in');
    await page.getByLabel('User name').fill(analyst.userPrincipalName);
    await page.getByLabel('Password').fill(analyst.password);
    await page.getByLabel('Authenticator code').fill(totpNow(analyst.totpSecret));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#editor[data-schema=loaded]', { timeout: 90_000 });
    assert.equal(new URL(page.url()).pathname, '/portal/');
    assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar');
    assert.equal(await page.locator('#user-name').textContent(), 'Ana Lyst');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'vigil_session')!;
    assert.ok(session.secure && session.httpOnly && session.sameSite === 'Strict');
  });

  it('signs a new tab in without leaving it while the sign-in session lasts: one page load, the code never in the address bar', async () => {
    const tab = await context.newPage();
    const navigations: string[] = [];
    tab.on('framenavigated', (f) => {
      if (f === tab.mainFrame()) navigations.push(f.url());
    });
    const authorize: { navigation: boolean; prompt: string | null }[] = [];
    tab.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('/oauth2/v2.0/authorize')) authorize.push({ navigation: r.isNavigationRequest(), prompt: u.searchParams.get('prompt') });
    });
    await tab.goto(`${vigil.endpoint}/portal/#/logs`);
    await tab.waitForSelector('#editor[data-schema=loaded]', { timeout: 90_000 });
    // The authorization request was a fetch of this document (prompt=none), not a navigation.
    assert.deepEqual(authorize, [{ navigation: false, prompt: 'none' }]);
    assert.deepEqual(navigations, [`${vigil.endpoint}/portal/#/logs`]);
    assert.equal(tab.url(), `${vigil.endpoint}/portal/#/logs`);
    assert.equal(await tab.locator('#user-name').textContent(), 'Ana Lyst');
    await tab.close();
  });

  it('gives another origin no code from the sign-in session: its fetch of the authorization endpoint reads nothing', async () => {
    const b = vigil.bootstrap;
    const challenge = createHash('sha256').update('attacker-chosen-verifier-attacker-chosen-verifier').digest('base64url');
    const url = `${vigil.endpoint}/${b.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: '6f1c1bd4-8a0e-4b57-9d3e-5b7c0f4a9e21',
      response_type: 'code',
      redirect_uri: `${vigil.endpoint}/portal/`,
      scope: `${vigil.endpoint}/.default`,
      state: 'attacker',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      prompt: 'none',
    })}`;
    // The same browser (the analyst's session cookie is in it), a page of another origin.
    const attacker = await context.newPage();
    await attacker.setContent('<p>elsewhere</p>');
    const seen = await attacker.evaluate(async (u) => {
      const out: string[] = [];
      try {
        const r = await fetch(u, { credentials: 'include' });
        out.push(`cors: ${r.status} ${r.url}`);
      } catch (e) {
        out.push(`cors: refused`);
      }
      const opaque = await fetch(u, { credentials: 'include', mode: 'no-cors' });
      out.push(`no-cors: ${opaque.type} '${opaque.url}'`);
      return out;
    }, url);
    assert.deepEqual(seen, ['cors: refused', "no-cors: opaque ''"]);
    await attacker.close();
  });

  it('completes table names from the workspace schema in the monaco-kusto editor', async () => {
    await page.evaluate(() => (window as any).vigilEditor.setValue(''));
    await page.locator('#editor .monaco-editor').click();
    await page.keyboard.type('LAQuery');
    await page.keyboard.press('Control+Space');
    const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'LAQueryLogs' });
    await suggestion.first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
  });

  /**
   * The editor's hover at a position (1-based line and column) once it holds `text`: the cursor goes there
   * and the hover is asked for (Monaco's "Show Hover", as Ctrl+K Ctrl+I does), again until it shows or 30 s.
   * Each try first closes the hover a previous one opened (Escape in the editor): Monaco keeps a visible
   * hover as it is when asked again at the same position, so a hover computed before the language service's
   * markers arrived would otherwise stay without them for good (a CI run failed so).
   */
  const hoverAt = async (lineNumber: number, column: number, text: string) => {
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        await page.evaluate(() => (window as any).vigilEditor.focus());
        await page.keyboard.press('Escape');
        await page.locator('.monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
      }
      await page.evaluate(
        ({ lineNumber, column }) => {
          const editor = (window as any).vigilEditor;
          editor.focus();
          editor.setPosition({ lineNumber, column });
          editor.trigger('test', 'editor.action.showHover', {});
        },
        { lineNumber, column },
      );
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: text });
      try {
        await hover.first().waitFor({ timeout: 2_000 });
        return (await hover.first().textContent()) ?? '';
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  };

  it('documents completions: a function’s description in the suggestion list', async () => {
    await page.evaluate(() => {
      const editor = (window as any).vigilEditor;
      editor.setValue('LAQueryLogs\n| summarize dcoun');
      editor.setPosition({ lineNumber: 2, column: 17 });
      editor.focus();
    });
    await page.keyboard.press('Control+Space');
    const row = page.locator('.suggest-widget .monaco-list-row', { hasText: /^dcount\b/ }).first();
    await row.waitFor({ timeout: 30_000 });
    // Focus dcount and open the details pane: the description from the language service's documentation.
    await page.waitForFunction(() => !!document.querySelector('.suggest-widget .monaco-list-row.focused'));
    await page.keyboard.press('Control+Space');
    const details = page.locator('.suggest-details');
    await details.waitFor({ timeout: 30_000 });
    assert.match((await details.textContent()) ?? '', /distinct/i);
    await page.keyboard.press('Escape');
  });

  it('shows the language service’s diagnostics for the workspace schema before the query runs', async () => {
    await page.evaluate(() => (window as any).vigilEditor.setValue('LAQueryLogs\n| where NoSuchColumn == 1'));
    await page.waitForSelector('#editor .squiggly-error', { timeout: 30_000 });
    assert.equal(await page.locator('#query-error').isHidden(), true, 'nothing ran: the marker is the editor’s own');
    await hoverAt(2, 10, "The name 'NoSuchColumn' does not refer to any known column");
    await screenshot(page, '02a-logs-diagnostics');
    await page.keyboard.press('Escape');
    // A known column is no error.
    await page.evaluate(() => (window as any).vigilEditor.setValue('LAQueryLogs\n| where ResponseCode == 403'));
    await page.waitForSelector('#editor .squiggly-error', { state: 'detached', timeout: 30_000 });
  });

  it('hovers a column with its type from the workspace schema', async () => {
    await page.evaluate(() => (window as any).vigilEditor.setValue('LAQueryLogs\n| project ResponseCode'));
    const text = await hoverAt(2, 13, 'ResponseCode');
    assert.match(text, /\bint\b/, text);
    await page.keyboard.press('Escape');
  });

  it('runs a query and shows a chart for render', async () => {
    await page.evaluate(() =>
      (window as any).vigilEditor.setValue('range t from ago(2h) to now() step 10m\n| extend Requests = toint(hourofday(t)) * 3 + 7, Errors = 2\n| render timechart'),
    );
    await page.click('#run');
    await page.waitForSelector('#chart[data-visualization=timechart] svg path', { state: 'attached', timeout: 60_000 });
    assert.match((await page.locator('#query-status').textContent()) ?? '', /^1[23] rows/);
    await screenshot(page, '02-logs-timechart');
    await page.evaluate(() => (window as any).vigilEditor.setValue('range x from 1 to 6 step 1\n| extend Name = strcat("host-", tostring(x)), Value = x * x\n| project Name, Value\n| render columnchart'));
    await page.click('#run');
    await page.waitForSelector('#chart[data-visualization=columnchart] svg path', { state: 'attached', timeout: 60_000 });
    await page.click('#tab-results');
    assert.equal(await page.locator('#panel-results [role=row][aria-rowindex]').count(), 7, 'header + 6 rows');
    await noSeriousViolations('logs');
  });

  it('exports the result as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const stream = await download.createReadStream();
    let text = '';
    for await (const chunk of stream) text += chunk.toString();
    assert.equal(text.split('\r\n')[0], 'Name,Value');
    assert.equal(text.split('\r\n')[6], 'host-6,36');
  });

  it('marks a query error at its line and column in the editor', async () => {
    await page.evaluate(() => (window as any).vigilEditor.setValue('print a = 1\n| where b > 2'));
    await page.click('#run');
    await page.waitForSelector('#error-position', { timeout: 60_000 });
    const text = (await page.locator('#error-position').textContent()) ?? '';
    assert.match(text, /^Line 2, column \d+:/);
    await page.waitForSelector('#editor .squiggly-error', { timeout: 30_000 });
    await screenshot(page, '03-logs-error');
  });

  it('shows dynamic values expanded on demand', async () => {
    await page.evaluate(() => (window as any).vigilEditor.setValue('print Bag = bag_pack("user", "ana", "roles", pack_array("reader", "analyst"))'));
    await page.click('#run');
    const expand = page.getByRole('button', { name: 'Expand Bag of row 1' });
    await expand.waitFor({ timeout: 60_000 });
    await expand.click();
    const details = page.locator('.cell-details pre');
    assert.match((await details.textContent()) ?? '', /"roles": \[\s+"reader",\s+"analyst"\s+\]/);
  });

  it('keeps a history of this tab’s queries; a reader may not save queries', async () => {
    const options = await page.locator('#query-history option').allTextContents();
    assert.ok(options.some((o) => o.startsWith('print Bag = bag_pack')), 'the last query is in the history');
    await page.fill('#save-name', 'Mine');
    await page.click('#save-query');
    await page.waitForFunction(() => /^Not saved: AuthorizationFailed/.test(document.querySelector('#query-status')?.textContent ?? ''));
  });

  it('queries in resource context over the resource group', async () => {
    await page.selectOption('#scope', 'resourceGroup');
    await page.waitForFunction(() => /^Schema loaded/.test(document.querySelector('#query-status')?.textContent ?? ''));
    await page.evaluate(() => (window as any).vigilEditor.setValue('print Scope = "resource group"'));
    await page.click('#run');
    await page.waitForFunction(() => /^1 rows/.test(document.querySelector('#query-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(await page.locator('#panel-results [aria-rowindex="2"] [role=cell]').first().textContent(), 'resource group');
    await page.selectOption('#scope', 'workspace');
  });

  it('keeps only the rows in view in the page at 500k rows, the last one reachable (virtualised grid)', async () => {
    // 500,000 rows: the Query API's own row limit, reached without truncation.
    await page.evaluate(() => (window as any).vigilEditor.setValue('range x from 1 to 500000 step 1\n| extend Host = strcat("host-", tostring(x % 50))'));
    await page.click('#run');
    await page.waitForFunction(() => /^500000 rows/.test(document.querySelector('#query-status')?.textContent ?? ''), undefined, { timeout: 180_000 });
    const rowsInDom = () => page.locator('#panel-results .grid-body [role=row]').count();
    const atStart = await rowsInDom();
    assert.ok(atStart > 5 && atStart < 100, `${atStart} rows in the DOM`);
    assert.equal(await page.locator('#panel-results .grid-viewport').getAttribute('aria-rowcount'), '500001');
    const viewport = page.locator('#panel-results .grid-viewport');
    await viewport.evaluate((el) => (el.scrollTop = 28 * 250_000));
    await page.waitForSelector('#panel-results [aria-rowindex="250002"]', { state: 'attached' });
    assert.equal(await page.locator('#panel-results [aria-rowindex="250002"] [role=cell]').first().textContent(), '250001');
    // The very end, by keyboard: End on the focused grid scrolls to the last row.
    await viewport.focus();
    await page.keyboard.press('End');
    await page.waitForSelector('#panel-results [aria-rowindex="500001"]', { state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('#panel-results [aria-rowindex="500001"] [role=cell]').first().textContent(), '500000');
    const atEnd = await rowsInDom();
    assert.ok(atEnd > 5 && atEnd < 100, `${atEnd} rows in the DOM at the end`);
  });

  it('shows the insights, with the other principal’s 403 in the audit', async () => {
    await page.click('#nav-insights');
    await page.waitForSelector('main[data-page=insights][data-ready=true]', { timeout: 120_000 });
    const denied = page.locator('#table-audit-denied-queries');
    await denied.waitFor();
    const text = (await denied.textContent()) ?? '';
    assert.match(text, /403/);
    assert.ok(text.includes(limited.objectId), 'the denied principal is named');
    assert.ok(text.includes('limited-app'), 'and resolved to its display name');
    const whoQueried = (await page.locator('#table-audit-who-queried-what').textContent()) ?? '';
    assert.ok(whoQueried.includes('Ana Lyst'), 'the analyst’s own queries are in the audit');
    assert.ok((await page.locator('#table-ingestion-volume').textContent())?.includes('LAQueryLogs'));
    assert.match((await page.locator('#table-alert-rules').textContent()) ?? '', /Denied queries2Yes/);
    await page.waitForSelector('#insights-panels .insights-view[data-complete=true]', { timeout: 120_000 });
    // Ingestion per data collection rule: 3 received, 1 dropped by the transformation, 2 ingested.
    const perRule = await page.locator('#table-ingestion-per-dcr tbody tr', { hasText: dcrName }).allTextContents();
    assert.equal(perRule.length, 1, JSON.stringify(perRule));
    assert.ok(perRule[0]!.startsWith(`${dcrName}Signins_CL312/subscriptions/`), perRule[0]);
    // The alert the rule fired: in the alerts API (state New) and in the alert history.
    assert.match((await page.locator('#table-fired-alerts').textContent()) ?? '', /denied-queriesSev2NewFired/);
    // A reader may not change an alert's state: ARM's refusal is shown, the state stays.
    await page.locator('#table-fired-alerts button[data-new-state=Acknowledged]').first().click();
    await page.waitForFunction(() => /^Not changed: AuthorizationFailed: /.test(document.querySelector('#alert-action-result')?.textContent ?? ''));
    assert.equal(await page.locator('#table-fired-alerts .alert-state').first().textContent(), 'New');
    assert.match((await page.locator('#table-alert-history').textContent()) ?? '', /denied-queriesSev2Fired/);
    // The scanner's finding, without the value.
    const findings = (await page.locator('#table-private-data-findings').textContent()) ?? '';
    assert.match(findings, /Signins_CLMessageemail1/);
    assert.match((await page.locator('#private-data-schedule').textContent()) ?? '', /^Off: /);
    assert.ok(!(await page.locator('main').textContent())!.includes(plantedEmail), 'no page shows a scanned value');
    // The section jumps work from the keyboard.
    await page.focus('#jump-private-data');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'section-private-data');
    await screenshot(page, '04-insights');
    await noSeriousViolations('insights');
  });

  it('renders only the latest of overlapping insights loads', async () => {
    // Hold the 30-day load's queries until the 24-hour load chosen after it has rendered completely.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const stalled = new Promise<void>((r) => (holding = r));
    const staleQueries: string[] = [];
    const isStale = (body: string | null) => (body ?? '').includes('ago(30d)');
    await page.route('**/v1/workspaces/*/query', async (route) => {
      if (isStale(route.request().postData())) {
        staleQueries.push(route.request().postData()!);
        holding();
        await held;
      }
      await route.continue();
    });
    const staleAnswered = page.waitForEvent('requestfinished', { predicate: (r) => isStale(r.postData()), timeout: 120_000 });
    await page.selectOption('#insights-window', '30d');
    await stalled; // the 30-day load waits for its first query's answer…
    await page.selectOption('#insights-window', '1d'); // …while the 24-hour load starts
    await page.waitForSelector('#insights-panels .insights-view[data-window="1d"][data-complete=true]', { timeout: 120_000 });
    release();
    await staleAnswered;
    // One more complete load: by its end the late answer has long been handled.
    await page.click('#insights-refresh');
    await page.waitForSelector('#insights-panels .insights-view[data-window="1d"][data-complete=true]', { timeout: 120_000 });
    await page.unroute('**/v1/workspaces/*/query');
    assert.equal(await page.locator('#insights-panels .insights-view').count(), 1);
    assert.equal(await page.locator('#table-ingestion-volume').count(), 1, 'one ingestion table, not one per load');
    assert.equal(await page.locator('#table-audit-denied-queries').count(), 1);
    assert.equal(staleQueries.length, 1, 'the superseded load stopped after its held query');
  });

  it('shows a principal’s effective access per table, with the assignment and scope that grant it', async () => {
    await page.click('#nav-access');
    await page.waitForSelector('main[data-page=access][data-ready=true]', { timeout: 60_000 });
    const mine = (await page.locator('#access-table').textContent()) ?? '';
    assert.match(mine, /LAQueryLogsYesLog Analytics Reader at \/subscriptions\//);
    await page.selectOption('#access-principal', limited.objectId);
    await page.waitForFunction(() => document.querySelector('#access-summary')?.textContent?.includes('Query only'));
    const theirs = (await page.locator('#access-table').textContent()) ?? '';
    assert.match(theirs, /LAQueryLogsNo/);
    assert.doesNotMatch(theirs, /Yes/);
    await page.check('#access-readable');
    await page.waitForFunction(() => document.querySelector('#access-table tbody')?.textContent === 'No rows.');
    await page.uncheck('#access-readable');
    await page.fill('#access-filter', 'laquery');
    await page.waitForFunction(() => document.querySelectorAll('#access-table tbody tr').length === 1);
    await screenshot(page, '05-access');
    await noSeriousViolations('access');
  });

  it('a reader cannot grant roles from the portal: ARM refuses the call', async () => {
    await page.selectOption('#grant-role', { label: 'Owner' });
    await page.click('#grant');
    await page.waitForFunction(() => /^Not granted: AuthorizationFailed/.test(document.querySelector('#grant-result')?.textContent ?? ''));
    const list = await call(vigil.bootstrap, await new Principals(vigil.bootstrap).adminToken(AUD.arm), 'GET', `/subscriptions/${vigil.bootstrap.subscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${limited.objectId}'`)}`);
    assert.equal(list.json<{ value: unknown[] }>().value.length, 1, 'still only the query-only role');
  });

  it('had no Content-Security-Policy violation and no page error', () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
  });

  it('refuses a sign-in form posted from another origin (CSRF)', async () => {
    const attacker = await context.newPage();
    await attacker.setContent(
      `<form id="f" method="post" action="${vigil.endpoint}/${vigil.bootstrap.tenantId}/oauth2/v2.0/authorize"><input name="username" value="analyst@vigil.local"><input name="password" value="x"><input name="otp" value="000000"></form>`,
    );
    const [response] = await Promise.all([attacker.waitForNavigation(), attacker.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
    assert.equal(response?.status(), 403);
    await attacker.close();
  });

  it('signs out: the session ends and the portal asks to sign in again', async () => {
    await page.click('#sign-out');
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    assert.equal((await context.cookies()).find((c) => c.name === 'vigil_session'), undefined);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('form input[name=username]');
  });

  it('an owner grants a table to a principal from the Access page, and the page shows the new grant', async () => {
    owner = await createUserWithCli(vigil, 'owner@vigil.local', ['--name', 'Olive Owner', '--role', 'Owner', '--scope', `/subscriptions/${vigil.bootstrap.subscriptionId}`]);
    await page.getByLabel('User name').fill(owner.userPrincipalName);
    await page.getByLabel('Password').fill(owner.password);
    // Each code serves once: the password change and the renewal below need later ones (freshTotp).
    await page.getByLabel('Authenticator code').fill(await freshTotp(owner.totpSecret, ownerSteps));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('main[data-page=access][data-ready=true]', { timeout: 90_000 });
    await page.selectOption('#access-principal', limited.objectId);
    await page.waitForFunction(() => document.querySelector('#access-summary')?.textContent?.includes('Query only'));
    await page.selectOption('#grant-role', { label: 'Reader' });
    await page.fill('#grant-table', 'LAQueryLogs');
    await page.click('#grant');
    await page.waitForFunction(() => /^Granted Reader at /.test(document.querySelector('#grant-result')?.textContent ?? ''));
    await page.fill('#access-filter', 'LAQueryLogs');
    await page.waitForFunction(() => /LAQueryLogsYesReader at \/subscriptions\/.*\/tables\/LAQueryLogs/.test(document.querySelector('#access-table')?.textContent ?? ''));
    await screenshot(page, '06-access-granted');
    // An owner saves a query as a savedSearch, and opens it again.
    await page.click('#nav-logs');
    await page.waitForSelector('main[data-page=logs][data-ready=true]', { timeout: 60_000 });
    await page.evaluate(() => (window as any).vigilEditor.setValue('LAQueryLogs | where ResponseCode == 403'));
    await page.fill('#save-name', 'Denied queries');
    await page.click('#save-query');
    await page.waitForFunction(() => document.querySelector('#query-status')?.textContent === "Saved as 'Denied queries'.");
    await page.evaluate(() => (window as any).vigilEditor.setValue(''));
    await page.selectOption('#saved-queries', { label: 'Denied queries' });
    assert.equal(await page.evaluate(() => (window as any).vigilEditor.getValue()), 'LAQueryLogs | where ResponseCode == 403');
    await screenshot(page, '07-logs-saved-query');
    // The grant is real: the principal's query of LAQueryLogs now succeeds.
    const q = await call(vigil.bootstrap, await limited.token(AUD.logs), 'POST', `/v1/workspaces/${vigil.bootstrap.workspaceId}/query`, { query: 'LAQueryLogs | take 1' });
    assert.equal(q.status, 200, q.text);
  });

  it('a user changes its password on the Account page, and signs in again with the new one', async () => {
    await page.click('#nav-account');
    await page.waitForSelector('main[data-page=account][data-ready=true]', { timeout: 60_000 });
    assert.equal(await page.locator('#account-who').textContent(), 'Signed in as Olive Owner (owner@vigil.local).');
    await screenshot(page, '08-account');
    await noSeriousViolations('account');
    const newPassword = 'olive chose a new passphrase';
    await page.getByLabel('Current password').fill('not her password');
    await page.getByLabel('New password (12 characters or more)').fill(newPassword);
    await page.getByLabel('New password again').fill(newPassword);
    await page.getByLabel('Authenticator code').fill('000000'); // the password is checked first
    await page.click('#change-password');
    await page.waitForFunction(() => /^Not changed: The current password or the authenticator code is wrong/.test(document.querySelector('#password-result')?.textContent ?? ''));
    await page.getByLabel('Current password').fill(owner.password);
    await page.getByLabel('Authenticator code').fill(await freshTotp(owner.totpSecret, ownerSteps));
    await page.click('#change-password');
    await page.waitForSelector('#password-changed', { timeout: 60_000 });
    // Every session ended: signing in again asks for the password, and only the new one works.
    await page.click('#sign-in-again');
    await page.waitForSelector('form input[name=username]', { timeout: 60_000 });
    await page.getByLabel('User name').fill(owner.userPrincipalName);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByLabel('Authenticator code').fill(await freshTotp(owner.totpSecret, ownerSteps));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('main[data-page=account][data-ready=true]', { timeout: 90_000 });
    assert.equal(await page.locator('#user-name').textContent(), 'Olive Owner');
  });

  it('keeps the page when the access token expires: the refresh token (rotated) gets a new one', async () => {
    const grants: string[] = [];
    const record = (r: Request) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/oauth2/v2.0/token')) grants.push(new URLSearchParams(r.postData() ?? '').get('grant_type') ?? '');
    };
    page.on('request', record);
    await page.evaluate(() => ((window as any).vigilStayed = true));
    await page.evaluate(() => (window as any).vigilExpireToken());
    await page.click('#nav-insights');
    await page.waitForSelector('main[data-page=insights][data-ready=true]', { timeout: 120_000 });
    page.off('request', record);
    assert.deepEqual(grants, ['refresh_token']);
    assert.equal(await page.evaluate(() => (window as any).vigilStayed), true, 'no navigation to sign in');
  });

  it('an owner acknowledges, then closes, a fired alert from the insights page', async () => {
    const b = vigil.bootstrap;
    await page.waitForSelector('#table-fired-alerts button[data-new-state=Acknowledged]', { timeout: 120_000 });
    const alertId = (await page.locator('#table-fired-alerts .alert-actions').first().getAttribute('data-alert-id'))!;
    await page.locator('#table-fired-alerts button[data-new-state=Acknowledged]').first().click();
    await page.waitForFunction(() => /^The alert denied-queries is now Acknowledged\.$/.test(document.querySelector('#alert-action-result')?.textContent ?? ''));
    assert.equal(await page.locator('#table-fired-alerts .alert-state').first().textContent(), 'Acknowledged');
    await screenshot(page, '09-alert-acknowledged');
    await noSeriousViolations('insights with alert actions');
    await page.locator('#table-fired-alerts button[data-new-state=Closed]').first().click();
    await page.waitForFunction(() => /^The alert denied-queries is now Closed\.$/.test(document.querySelector('#alert-action-result')?.textContent ?? ''));
    // Through the public API: the same alert, closed, its history naming the owner.
    const admin = await new Principals(b).adminToken(AUD.arm);
    const alert = await call(b, admin, 'GET', `${alertId}?api-version=2019-03-01`);
    assert.equal(alert.status, 200, alert.text);
    assert.equal(alert.json<{ properties: { essentials: { alertState: string } } }>().properties.essentials.alertState, 'Closed');
    const history = await call(b, admin, 'GET', `${alertId}/history?api-version=2019-03-01`);
    const mods = history.json<{ properties: { modifications: { modifiedBy: string; newValue: string }[] } }>().properties.modifications;
    assert.ok(mods.some((m) => m.newValue === 'Acknowledged' && m.modifiedBy.includes(owner.objectId)), JSON.stringify(mods));
    assert.ok(mods.some((m) => m.newValue === 'Closed' && m.modifiedBy.includes(owner.objectId)), JSON.stringify(mods));
  });

  it('a user renews its authenticator on the Account page: the new secret is shown once and its sessions end', async () => {
    await page.click('#nav-account');
    await page.waitForSelector('main[data-page=account][data-ready=true]', { timeout: 60_000 });
    await page.getByLabel('Your password, to confirm it is you').fill('olive chose a new passphrase');
    // A code of a later time step than the owner's last sign-in (the clock may have to reach it first).
    await page.getByLabel('Code from your current authenticator').fill(await freshTotp(owner.totpSecret, ownerSteps));
    await page.click('#renew-totp');
    await page.waitForSelector('#totp-renewed', { timeout: 60_000 });
    const secret = (await page.locator('#totp-secret').textContent())!;
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(secret, owner.totpSecret);
    assert.ok((await page.locator('#totp-uri').textContent())!.startsWith('otpauth://totp/'));
    await screenshot(page, '10-authenticator-renewed');
    await noSeriousViolations('authenticator renewed');
    // Every session ended: signing in asks for the password (and a code) again.
    await page.click('#sign-in-again');
    await page.waitForSelector('form input[name=username]', { timeout: 60_000 });
  });
});
