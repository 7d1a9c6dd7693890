/**
 * Goal: the web UI served by a real master shows a task's life as it happens and its output: a
 * task launched with `meridian run` appears, becomes RUNNING and then FINISHED in the open page
 * without a reload, and its stdout, read from the agent's sandbox through the master, holds the
 * text the task echoed. The other pages render from the same live state: the overview's counts
 * and charts, agents, a framework with the allocator's explanation, roles with the weight and
 * quota set through the Operator API.
 * Method: a master and one agent as processes (TestCluster), Debian's chromium driven by
 * Playwright at the master's `/`; `meridian run` as a child process, and a long-running task of
 * the integration tests' framework; a marker set on `window`
 * after load proves the page was never reloaded. Screenshots go to test-artifacts/ui/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { postJson } from '../../src/common/http/client.js';
import { TestCluster } from '../integration/cluster.js';
import { TestFramework } from '../integration/test-framework.js';
import { launchChromium, screenshot } from './browser.js';

const CLI = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));
/** Long enough for the page to show RUNNING before the task ends. */
const TASK_RUN_SECONDS = 3;
const STEP_TIMEOUT_MS = 30_000;

let cluster: TestCluster;
let browser: Browser;
let page: Page;
let run: ChildProcess | undefined;
let service: TestFramework | undefined;
/** Every URL the page asked for: all of them must be the master's (nothing fetched from elsewhere). */
const requested: string[] = [];

before(async () => {
  cluster = await new TestCluster({ agents: 1 }).start();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (request) => requested.push(request.url()));
});

after(async () => {
  if (run && run.exitCode === null && run.signalCode === null) run.kill('SIGKILL');
  await service?.stop();
  await browser?.close();
  await cluster?.stop();
});

/** Runs `meridian run` against the cluster; resolves with its exit code and output. */
function meridianRun(name: string, command: string): { done: Promise<{ code: number | null; output: string }> } {
  run = spawn(process.execPath, [CLI, 'run', `--master=${cluster.masterAddress}`, `--name=${name}`, `--command=${command}`, '--cpus=0.1', '--mem=32'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  run.stdout?.setEncoding('utf8');
  run.stderr?.setEncoding('utf8');
  run.stdout?.on('data', (chunk: string) => (output += chunk));
  run.stderr?.on('data', (chunk: string) => (output += chunk));
  const child = run;
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, output }))) };
}

test('a task launched with meridian run goes RUNNING then FINISHED in the open page, and its stdout shows what it echoed', async () => {
  const base = `http://${cluster.masterAddress}`;
  await page.goto(`${base}/#/tasks`);
  await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: STEP_TIMEOUT_MS });
  const marker = randomBytes(8).toString('hex');
  // Page code is given as text: these tests compile without the DOM's types.
  await page.evaluate(`window.meridianTestMarker = '${marker}'`);

  const text = `hello from meridian ${randomBytes(6).toString('hex')}`;
  const name = `ui-e2e-${randomBytes(3).toString('hex')}`;
  const launched = meridianRun(name, `echo '${text}'; echo 'to stderr' >&2; sleep ${TASK_RUN_SECONDS}`);

  const row = page.locator(`.vrow[data-task-id^="${name}-"]`);
  await page.locator(`.vrow[data-task-id^="${name}-"][data-task-state="TASK_RUNNING"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
  await screenshot(page, 'tasks-running');
  await page.locator(`.vrow[data-task-id^="${name}-"][data-task-state="TASK_FINISHED"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
  await screenshot(page, 'tasks-finished');
  const { code, output } = await launched.done;
  assert.equal(code, 0, `meridian run ended with ${code}:\n${output}`);

  const stillSamePage = await page.evaluate('window.meridianTestMarker');
  assert.equal(stillSamePage, marker, 'the page was not reloaded');

  await row.click();
  await page.locator('[data-testid="task-state"]', { hasText: 'TASK_FINISHED' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('[data-testid="log-stdout"]', { hasText: text }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('[data-testid="sandbox"] [data-file="stdout"]').waitFor({ timeout: STEP_TIMEOUT_MS });
  await screenshot(page, 'task-stdout');
  await page.locator('[data-testid="tab-stderr"]').click();
  await page.locator('[data-testid="log-stderr"]', { hasText: 'to stderr' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  assert.equal(await page.evaluate('window.meridianTestMarker'), marker);
});

test('the overview, agents, frameworks (with why they get offers) and roles (weight, quota) pages render the live cluster', async () => {
  const base = `http://${cluster.masterAddress}`;
  service = await new TestFramework(cluster.masterAddress, 'ui-e2e-service').start();
  service.launch({ id: 'service-1', command: 'sleep 120', cpus: 0.5, mem: 64 });
  await service.waitForState('service-1', ['TASK_RUNNING']);
  const weights = await postJson(cluster.masterEndpoint(), '/api/v1', { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'ui-e2e', weight: 2.5 }] } });
  assert.equal(weights.status, 200, weights.body);
  const quota = await postJson(cluster.masterEndpoint(), '/api/v1', { type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'ui-e2e', limits: { cpus: { value: 1 } } }] } });
  assert.equal(quota.status, 200, quota.body);

  await page.goto(`${base}/#/`);
  await page.locator('[data-testid="card-active-agents"] .value', { hasText: '1' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('[data-testid="card-live-tasks"] .value', { hasText: '1' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  // The charts sample /metrics/snapshot every 3 s: the service's 0.5 cpus show within a few seconds.
  await page.locator('[data-testid="chart-cpus"] .title', { hasText: '0.5 used of 4' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  assert.match(await page.locator('[data-testid="chart-cpus"] path').last().getAttribute('d') ?? '', /^M[\d.,]+( L[\d.,]+)+$/);
  await screenshot(page, 'overview');

  await page.goto(`${base}/#/agents`);
  await page.locator('[data-testid="agents-table"] .vrow').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  assert.equal(await page.locator('[data-testid="agents-table"] .vrow').count(), 1);
  await screenshot(page, 'agents');

  await page.goto(`${base}/#/frameworks`);
  await page.locator('[data-testid="frameworks-table"] .vrow', { hasText: 'ui-e2e-service' }).click({ timeout: STEP_TIMEOUT_MS });
  await page.locator('h1', { hasText: 'ui-e2e-service' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  // The allocator's explanation for the framework's role, from /master/frameworks/<id>/allocation.
  await page.locator('[data-testid="allocation"] tbody tr').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.vrow', { hasText: 'service-1' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await screenshot(page, 'framework');

  await page.goto(`${base}/#/roles`);
  const role = page.locator('[data-testid="roles-table"] tr[data-role="ui-e2e"]');
  await role.locator('[data-testid="role-weight"]', { hasText: '2.5' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  assert.match(await role.innerText(), /cpus 1/);
  // The service's task, from the live stream, in the role it runs in.
  assert.match(await page.locator('[data-testid="roles-table"] tr[data-role="*"] [data-testid="role-used"]').innerText(), /cpus 0\.5/);
  await screenshot(page, 'roles');

  const elsewhere = requested.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:'));
  assert.deepEqual(elsewhere, [], 'the UI loads nothing from other hosts');
  assert.ok(requested.some((url) => url.startsWith(`${base}/agent/`)), 'agent files were read through the master');
});
