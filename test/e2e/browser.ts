/**
 * Debian's chromium driven by Playwright for the browser tests: installed by
 * scripts/ensure-debian.js when missing (never Playwright's own browser download), started with
 * the flags this machine's closed network needs, and screenshots saved under test-artifacts/ui/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const ENSURE_DEBIAN = fileURLToPath(new URL('../../../scripts/ensure-debian.js', import.meta.url));
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/ui/', import.meta.url));

/** Without the background-networking flags chromium keeps trying to reach Google's hosts, which this network refuses. */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  const ensured = spawnSync(process.execPath, [ENSURE_DEBIAN, 'chromium'], { stdio: 'inherit', timeout: 15 * 60 * 1000 });
  if (ensured.status !== 0) throw new Error(`scripts/ensure-debian.js chromium failed (exit ${ensured.status}); the browser test needs Debian's chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Saves a full-page screenshot as test-artifacts/ui/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
