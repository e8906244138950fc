/**
 * Debian's Chromium driven by playwright-core for the portal tests (issue 18). No browser is ever
 * downloaded: the test fails if /usr/bin/chromium is missing (.ci/run installs it).
 *
 * TLS: the server's certificate chains to the test CA. Instead of ignoring certificate errors
 * (`ignoreHTTPSErrors`), Chromium is told to accept chains that contain the test CA's public key
 * (`--ignore-certificate-errors-spki-list=<SHA-256 of the CA's SPKI>`): any other certificate is still
 * refused.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(fileURLToPath(new URL('../../../test-artifacts/portal/', import.meta.url)));
const AXE = resolve(fileURLToPath(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url)));

/** SHA-256 of the DER SubjectPublicKeyInfo of a PEM certificate, base64 (Chromium's SPKI list format). */
export function spkiHash(pemPath: string): string {
  const der = new X509Certificate(readFileSync(pemPath)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

const chromiumArgs = (caPemPath: string) => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  `--ignore-certificate-errors-spki-list=${spkiHash(caPemPath)}`,
];

export async function launchChromium(caPemPath: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(caPemPath), timeout: 60_000 });
}

/**
 * Chromium with a profile on disk (userDataDir), as a user's everyday browser: unlike the incognito-like
 * contexts of launchChromium, its HTTP cache and V8 code cache persist between page loads.
 */
export async function launchChromiumProfile(caPemPath: string, userDataDir: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: chromiumArgs(caPemPath), timeout: 60_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP, which forbids
 * injected scripts, stays on) and returns the serious and critical violations.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const source = readFileSync(AXE, 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    // Monaco's own widgets (hidden textarea, overflow guards) are third-party; everything else is checked.
    return axe.run({ exclude: [['.monaco-editor .monaco-aria-container'], ['.monaco-editor textarea.inputarea']] }, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}
