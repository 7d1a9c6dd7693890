/**
 * Goal: the web UI works on a large cluster: the tasks view shows all 10,000 tasks of the
 * master's SUBSCRIBED, renders only the rows in view, scrolls to the last task, applies a burst
 * of 1,000 task updates from the stream without a reload, and reconnects by itself when the
 * stream breaks. How fast it does so is measured by `npm run bench:ui` (bench/ui.ts), not here:
 * the timeouts below only bound a hang.
 * Method: the built UI (ui/dist) served by a fake master (test/e2e/fake-master.ts) whose
 * Operator API SUBSCRIBE is a RecordIO stream in Mesos' shapes: a SUBSCRIBED holding 10,000 tasks
 * on 100 agents, then TASK_UPDATED events written when the test says. Debian's chromium through
 * Playwright; screenshots go to test-artifacts/ui/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from './browser.js';
import { startFakeMaster, taskId, type FakeMaster } from './fake-master.js';

const TASKS = 10_000;
const AGENTS = 100;
const FRAMEWORKS = 10;
const UPDATES = 1_000;
/** A hang, not slowness: loose enough for a 2-core machine busy with other work. */
const HANG_BOUND_MS = 30_000;

let master: FakeMaster;
let browser: Browser;
let page: Page;

before(async () => {
  master = await startFakeMaster({ tasks: TASKS, agents: AGENTS, frameworks: FRAMEWORKS });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await master?.close();
});

test('10,000 tasks show, only the rows in view are rendered, and the last one scrolls into view', async () => {
  await page.goto(`${master.base}/#/tasks`);
  await page.locator(`[data-testid="tasks-table"][data-rows="${TASKS}"]`).waitFor({ timeout: HANG_BOUND_MS });
  assert.ok(master.subscribedAtMs() > 0, 'the page subscribed');
  await screenshot(page, 'tasks-10000');
  const renderedRows = await page.locator('[data-testid="tasks-table"] .vrow').count();
  assert.ok(renderedRows > 0 && renderedRows < 100, `${renderedRows} rows in the page for ${TASKS} tasks`);

  // Scrolled the way a person would, with the mouse wheel over the table.
  await page.locator('[data-testid="tasks-table"] .vbody').hover();
  await page.mouse.wheel(0, TASKS * 40);
  // Latest change first: the task listed last is the first one of the snapshot.
  await page.locator(`.vrow[data-task-id="${taskId(0)}"]`).waitFor({ timeout: HANG_BOUND_MS });
});

test('a burst of 1,000 task updates from the stream shows without a reload', async () => {
  await page.evaluate("window.meridianTestMarker = 'scale'");
  await page.selectOption('select[aria-label="State"]', 'TASK_FINISHED');
  await page.locator('[data-testid="tasks-table"][data-rows="0"]').waitFor({ timeout: HANG_BOUND_MS });
  master.finishTasks(UPDATES);
  await page.locator(`[data-testid="tasks-table"][data-rows="${UPDATES}"]`).waitFor({ timeout: HANG_BOUND_MS });
  assert.equal(await page.evaluate('window.meridianTestMarker'), 'scale', 'the page was not reloaded');
  assert.equal(await page.locator('[data-testid="task-count"]').innerText(), `(${UPDATES} of ${TASKS})`);
  await screenshot(page, 'tasks-finished-burst');
});

test('when the stream breaks the page reconnects by itself and the new SUBSCRIBED replaces what it showed', async () => {
  const before = master.streams.length;
  const stream = master.streams[before - 1];
  assert.ok(stream);
  stream.destroy();
  await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: HANG_BOUND_MS });
  assert.equal(master.streams.length, before + 1, 'one new subscription');
  // The fresh snapshot has every task running again: the filtered list of finished ones empties.
  await page.locator('[data-testid="tasks-table"][data-rows="0"]').waitFor({ timeout: HANG_BOUND_MS });
  assert.equal(await page.locator('[data-testid="task-count"]').innerText(), `(0 of ${TASKS})`);
  assert.equal(await page.evaluate('window.meridianTestMarker'), 'scale', 'the page was not reloaded');
});
