/**
 * Goal: `meridian top` shows the cluster's totals (used, offered, idle), tasks by state from the
 * master's counters, and frameworks by dominant share, fitted to the screen; the live loop
 * redraws in place, and `q`, Ctrl-C or a signal quit and restore the terminal — also when the
 * master stops answering in between, which is shown, not fatal.
 * Method: the pure frame on hand-built answers; the loop on a fake terminal and a stand-in for
 * the master (the HTTP side is the integration test's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topCommand, type TopSource, type TopTerminal } from '../../../src/cli/top.js';
import { MasterUnreachableError } from '../../../src/cli/views/master-client.js';
import { clusterAmounts, dominantShare, renderTopFrame, type FrameContext, type TopSnapshot } from '../../../src/cli/views/top-frame.js';
import { agent, framework, sampleState } from './fixtures.js';

const METRICS = { 'master/tasks_running': 2, 'master/tasks_staging': 1, 'master/tasks_finished': 7, 'master/tasks_failed': 1 };

function snapshot(): TopSnapshot {
  const state = sampleState();
  return { agents: state.get_agents ?? {}, frameworks: { frameworks: state.get_frameworks?.frameworks ?? [] }, metrics: METRICS };
}

const CONTEXT: FrameContext = { master: 'm:5050', clock: '12:00:00', intervalSeconds: 2, columns: null, rows: null, error: null, keysHint: false };

test('totals, used, offered and idle add up per resource', () => {
  const sums = clusterAmounts(snapshot().agents);
  assert.deepEqual(sums.total, { cpus: 10, mem: 10240, disk: 17408 });
  assert.deepEqual(sums.used, { cpus: 1.2, mem: 576 });
  assert.deepEqual(sums.offered, { cpus: 3.8, mem: 4032, disk: 8192 });
  // batch: cpus 1/10 = 0.1, mem 512/10240 = 0.05 → dominant cpus 10%.
  assert.deepEqual(dominantShare({ cpus: 1, mem: 512 }, sums.total), { share: 0.1, resource: 'cpus' });
  assert.deepEqual(dominantShare({}, sums.total), { share: 0, resource: null });
});

test('one frame: heading, resources, tasks by state, frameworks by dominant share', () => {
  const lines = renderTopFrame(snapshot(), CONTEXT);
  assert.equal(lines[0], 'meridian top · m:5050 · 12:00:00 · every 2s');
  assert.equal(lines[1], '3 agents (2 active) · 2 frameworks');
  assert.deepEqual(lines.slice(3, 7), [
    'RESOURCE  TOTAL    USED       OFFERED         IDLE',
    'cpus         10     1.2  12%      3.8  38%       5  50%',
    'mem       10 GB  576 MB   6%   3.9 GB  39%  5.5 GB  55%',
    'disk      17 GB       0   0%     8 GB  47%    9 GB  53%',
  ]);
  assert.ok(lines.includes('TASKS  staging 1  starting 0  running 2  killing 0  unreachable 0'));
  assert.ok(lines.includes('ENDED  finished 7  failed 1'));
  assert.ok(renderTopFrame({ ...snapshot(), metrics: {} }, CONTEXT).includes('ENDED  none'));
  const table = lines.slice(lines.findIndex((line) => line.startsWith('FRAMEWORK')));
  assert.match(table[1] as string, /^M-0001\s+batch\s+batch,batch\/nightly\s+10%\s+cpus\s+1\s+512 MB\s+0$/);
  assert.match(table[2] as string, /^M-0000\s+web\s+\*\s+2%\s+cpus\s+0\.2\s+64 MB\s+0$/);
});

test('on a screen: lines cut to its width, frameworks cut to its height with a count of the rest', () => {
  const many = snapshot();
  many.frameworks.frameworks = Array.from({ length: 30 }, (_, i) => framework(`F-${String(i).padStart(2, '0')}`, `fw${i}`, ['*'], `cpus:${i / 10}`));
  many.agents.agents?.push(agent('M-S9', 'node-c', 5051, 'gpus:4;cpus:1'));
  const lines = renderTopFrame(many, { ...CONTEXT, columns: 40, rows: 20, error: 'cannot reach the master', keysHint: true });
  assert.equal(lines.length, 20);
  for (const line of lines) assert.ok([...line].length <= 40, line);
  assert.equal(lines[0], 'meridian top · m:5050 · 12:00:00 · every');
  assert.equal(lines[1], '! cannot reach the master');
  assert.equal(lines[2], '4 agents (3 active) · 30 frameworks');
  assert.ok(lines.some((line) => line.startsWith('gpus')));
  assert.match(lines.at(-1) as string, /^… \d+ more$/);
  assert.match(lines.find((line) => line.startsWith('F-')) as string, /^F-29/);
});

/** A stand-in for the master: answers with the sample snapshot, or fails like an unreachable master while `down`. */
function fakeSource() {
  let down = false;
  let fetches = 0;
  const source: TopSource = {
    describe: () => 'm:5050',
    fetch: async () => {
      fetches++;
      if (down) throw new MasterUnreachableError('cannot reach the master at m:5050 (connect ECONNREFUSED)');
      return snapshot();
    },
  };
  return { source, setDown: (value: boolean) => (down = value), fetches: () => fetches };
}

/** A terminal that records what is written and lets the test press keys. */
function fakeTerminal(isTTY: boolean, keys = true) {
  const written: string[] = [];
  let onKey: ((key: string) => void) | null = null;
  let keysStopped = false;
  const terminal: TopTerminal = {
    isTTY,
    columns: () => 100,
    rows: () => 30,
    write: (text) => void written.push(text),
    readKeys: (listener) => {
      if (!keys) return null;
      onKey = listener;
      return () => (keysStopped = true);
    },
    onResize: () => () => undefined,
  };
  return { terminal, written, press: (key: string) => onKey?.(key), keysStopped: () => keysStopped };
}

const waitUntil = async (what: string, condition: () => boolean) => {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), `timed out waiting for ${what}`);
};

test('not a terminal, or --once: one plain frame, no escape sequences', async () => {
  for (const [isTTY, once] of [[false, false], [true, true]] as const) {
    const { source } = fakeSource();
    const { terminal, written } = fakeTerminal(isTTY);
    assert.equal(await topCommand({ source, intervalSeconds: 2, once }, terminal, () => assert.fail('no error expected')), 0);
    assert.equal(written.length, 1);
    assert.ok(!(written[0] as string).includes('\x1b'));
    assert.match(written[0] as string, /^meridian top · m:5050 · \d\d:\d\d:\d\d · every 2s\n3 agents/);
  }
});

test('live: redraws in place; an unreachable master is shown and survived; q restores the terminal', async () => {
  const master = fakeSource();
  const { terminal, written, press, keysStopped } = fakeTerminal(true);
  const done = topCommand({ source: master.source, intervalSeconds: 0.5, once: false }, terminal, () => assert.fail('no error expected'));
  await waitUntil('the first frame', () => written.length >= 2);
  assert.equal(written[0], '\x1b[?1049h\x1b[?25l');
  assert.ok((written[1] as string).startsWith('\x1b[H') && (written[1] as string).endsWith('\x1b[J'));
  assert.match(written[1] as string, /q quits/);
  master.setDown(true);
  await waitUntil('a frame with the error', () => written.some((text) => text.includes('! cannot reach the master at m:5050')));
  master.setDown(false);
  const framesBefore = written.length;
  await waitUntil('a fresh frame', () => written.length > framesBefore && !(written.at(-1) as string).includes('! '));
  press('q');
  assert.equal(await done, 0);
  assert.equal(written.at(-1), '\x1b[?25h\x1b[?1049l');
  assert.ok(keysStopped());
});

test('live: Ctrl-C as a key, or an abort (SIGINT without a terminal on stdin), quits and restores', async () => {
  const byKey = fakeTerminal(true);
  const first = topCommand({ source: fakeSource().source, intervalSeconds: 60, once: false }, byKey.terminal, () => undefined);
  await waitUntil('the first frame', () => byKey.written.length >= 2);
  byKey.press('\x03');
  assert.equal(await first, 0);
  assert.equal(byKey.written.at(-1), '\x1b[?25h\x1b[?1049l');

  const bySignal = fakeTerminal(true, false);
  const controller = new AbortController();
  const second = topCommand({ source: fakeSource().source, intervalSeconds: 60, once: false }, bySignal.terminal, () => undefined, controller.signal);
  await waitUntil('the first frame', () => bySignal.written.length >= 2);
  assert.doesNotMatch(bySignal.written[1] as string, /q quits/);
  controller.abort();
  assert.equal(await second, 0);
  assert.equal(bySignal.written.at(-1), '\x1b[?25h\x1b[?1049l');
});

test('a master that cannot be reached for the first frame is a one-line error and exit 1, the terminal untouched', async () => {
  const master = fakeSource();
  master.setDown(true);
  const errors: string[] = [];
  const { terminal, written } = fakeTerminal(true);
  assert.equal(await topCommand({ source: master.source, intervalSeconds: 2, once: false }, terminal, (line) => errors.push(line)), 1);
  assert.equal(written.length, 0);
  assert.deepEqual(errors, ['meridian top: cannot reach the master at m:5050 (connect ECONNREFUSED)']);
  assert.equal(master.fetches(), 1);
});
