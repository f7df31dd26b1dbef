/**
 * Debian's Chromium through playwright-core (never a downloaded browser). A suite asks
 * `chromiumAvailable(name)` first: without /usr/bin/chromium it is skipped with a note, except under
 * CI=true, where a missing browser fails the run (CI installs it: `apt-get install -y chromium`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(suite: string): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing and CI=true: install it (apt-get install -y chromium)`);
  console.warn(`[skip] ${CHROMIUM} is missing: ${suite} is skipped (apt-get install -y chromium)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Where screenshots go (kept by CI as artifacts; .test-results/ is not committed). */
export function screenshotPath(name: string): string {
  const dir = path.resolve('.test-results', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical findings on the page, as "rule: target" lines. The source goes
 * in through the DevTools protocol (page.evaluate), which the page's CSP does not govern; an
 * inline <script> tag would be refused by it.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as { id: string; impact: string | null; targets: string[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.targets.map((target) => `${v.id} (${v.impact}): ${target}`));
}
