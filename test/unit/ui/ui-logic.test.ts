/**
 * Goal: the UI's pure helpers do what the views rely on: the event decoder turns a SUBSCRIBE
 * response split at any byte into the same events and refuses broken streams naming the field;
 * reconnect delays grow and stay bounded; the table window renders only rows in view; task
 * queries filter and round-trip through the URL; charts and log tails compute right; a task's
 * sandbox is found in an agent's `/state`.
 * Method: plain calls with inputs built here; fast-check for the any-split property.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeRecord } from '../../../src/common/recordio.js';
import { backoffDelayMs } from '../../../ui/src/model/backoff.js';
import { applyEvents, emptyClusterState, type TaskRecord } from '../../../ui/src/model/cluster-state.js';
import { EventStreamError, MasterEventDecoder } from '../../../ui/src/model/event-decoder.js';
import { appendSample, chartPaths, sampleFromSnapshot } from '../../../ui/src/model/metric-history.js';
import { formatAmount, sumResources } from '../../../ui/src/model/resources.js';
import { parseRoute, routeHref } from '../../../ui/src/model/route.js';
import { findSandbox, parentWithin } from '../../../ui/src/model/sandbox.js';
import { applyRead, initialTail, nextRead, TAIL_BACKLOG_BYTES, TAIL_READ_BYTES_MAX, TAIL_TEXT_CHARS_MAX } from '../../../ui/src/model/tail.js';
import { EMPTY_TASK_QUERY, filterTasks } from '../../../ui/src/model/task-filter.js';
import { rowWindow } from '../../../ui/src/model/virtual-window.js';
import type { MasterEvent } from '../../../ui/src/model/wire.js';

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const STREAM_EVENTS: MasterEvent[] = [
  { type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15, get_state: { get_agents: { agents: [] } } } },
  {
    type: 'TASK_ADDED',
    task_added: { task: { name: 'grüße ✓', task_id: { value: 't1' }, framework_id: { value: 'F1' }, agent_id: { value: 'A1' }, state: 'TASK_STAGING' } },
  },
  { type: 'HEARTBEAT' },
  { type: 'TASK_UPDATED', task_updated: { framework_id: { value: 'F1' }, state: 'TASK_RUNNING', status: { task_id: { value: 't1' }, state: 'TASK_RUNNING' } } },
];

test('the event decoder gives the same events however the bytes are split (multi-byte characters included)', () => {
  const bytes = concatBytes(STREAM_EVENTS.map((event) => encodeRecord(JSON.stringify(event))));
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.byteLength - 1 }), { maxLength: 12 }), (cuts) => {
    const decoder = new MasterEventDecoder();
    const points = [0, ...cuts.sort((a, b) => a - b), bytes.byteLength];
    const events: MasterEvent[] = [];
    for (let i = 0; i + 1 < points.length; i++) events.push(...decoder.decode(bytes.subarray(points[i], points[i + 1])));
    assert.deepEqual(events, STREAM_EVENTS);
  }));
});

test('the event decoder refuses a broken stream, naming what is wrong', () => {
  assert.throws(() => new MasterEventDecoder().decode(new TextEncoder().encode('x\n{}')), EventStreamError);
  assert.throws(() => new MasterEventDecoder().decode(encodeRecord('not json')), /not UTF-8 JSON/);
  assert.throws(() => new MasterEventDecoder().decode(encodeRecord('{"no_type":1}')), /string 'type'/);
  assert.throws(
    () => new MasterEventDecoder().decode(encodeRecord('{"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"F"},"state":"TASK_RUNNING","status":{}}}')),
    /'task_updated\.status\.task_id\.value' must be a string/,
  );
  assert.throws(() => new MasterEventDecoder().decode(encodeRecord('{"type":"AGENT_ADDED","agent_added":{}}')), /'agent_added\.agent\.agent_info' must be an object/);
  // Types the UI does not know pass: a newer master may send them.
  assert.deepEqual(new MasterEventDecoder().decode(encodeRecord('{"type":"SOMETHING_NEW"}')), [{ type: 'SOMETHING_NEW' }]);
});

test('reconnect delays double from the base, are jittered, and never exceed the cap', () => {
  const options = { baseMs: 500, maxMs: 15_000 };
  assert.equal(backoffDelayMs(0, () => 0, options), 250);
  assert.equal(backoffDelayMs(0, () => 0.999999, options), 500);
  assert.equal(backoffDelayMs(3, () => 0, options), 2_000);
  for (const attempt of [10, 100, 10_000]) {
    assert.ok(backoffDelayMs(attempt, () => 0.999999, options) <= 15_000);
    assert.ok(backoffDelayMs(attempt, () => 0, options) >= 7_500);
  }
});

test('the table window covers the viewport plus overscan, and the padding stands for the rest', () => {
  const base = { viewportHeightPx: 300, rowHeightPx: 30, rowCount: 10_000, overscanRows: 5 };
  const top = rowWindow({ ...base, scrollTopPx: 0 });
  assert.deepEqual(top, { first: 0, end: 16, paddingTopPx: 0, paddingBottomPx: (10_000 - 16) * 30 });
  const middle = rowWindow({ ...base, scrollTopPx: 3_000 });
  assert.deepEqual([middle.first, middle.end], [95, 116]);
  assert.equal(middle.paddingTopPx + (middle.end - middle.first) * 30 + middle.paddingBottomPx, 10_000 * 30);
  const bottom = rowWindow({ ...base, scrollTopPx: 10_000 * 30 });
  assert.equal(bottom.end, 10_000);
  assert.deepEqual(rowWindow({ ...base, rowCount: 0, scrollTopPx: 50 }), { first: 0, end: 0, paddingTopPx: 0, paddingBottomPx: 0 });
});

function manyTasks(count: number): TaskRecord[] {
  const state = emptyClusterState();
  const tasks = Array.from({ length: count }, (_, i) => ({
    name: i % 2 === 0 ? `web-${i}` : `batch-${i}`,
    task_id: { value: `task-${i}` },
    framework_id: { value: i % 3 === 0 ? 'F1' : 'F2' },
    agent_id: { value: `A${i % 4}` },
    state: i % 5 === 0 ? 'TASK_FINISHED' : 'TASK_RUNNING',
  }));
  applyEvents(state, [{ type: 'SUBSCRIBED', subscribed: { get_state: { get_tasks: { tasks } } } }], 0);
  return [...state.tasks.values()];
}

test('task queries filter by state group, framework, agent and search, latest change first', () => {
  const tasks = manyTasks(100);
  assert.equal(filterTasks(tasks, EMPTY_TASK_QUERY).length, 100);
  assert.equal(filterTasks(tasks, { ...EMPTY_TASK_QUERY, state: 'ended' }).length, 20);
  assert.equal(filterTasks(tasks, { ...EMPTY_TASK_QUERY, state: 'live' }).length, 80);
  assert.equal(filterTasks(tasks, { ...EMPTY_TASK_QUERY, state: 'TASK_FINISHED', frameworkId: 'F1' }).length, 7); // i ≡ 0 mod 15
  assert.equal(filterTasks(tasks, { ...EMPTY_TASK_QUERY, agentId: 'A1' }).length, 25);
  assert.deepEqual(filterTasks(tasks, { ...EMPTY_TASK_QUERY, search: 'TASK-42' }).map((t) => t.id), ['task-42']);
  assert.equal(filterTasks(tasks, { ...EMPTY_TASK_QUERY, search: 'batch' }).length, 50);
  const listed = filterTasks(tasks, EMPTY_TASK_QUERY);
  assert.equal(listed[0]?.id, 'task-99', 'the latest change comes first');
});

test('filtering 10,000 tasks takes a small part of the one-second budget', () => {
  const tasks = manyTasks(10_000);
  const started = performance.now();
  const selected = filterTasks(tasks, { ...EMPTY_TASK_QUERY, state: 'live', search: 'web' });
  const elapsedMs = performance.now() - started;
  assert.equal(selected.length, 4_000);
  assert.ok(elapsedMs < 250, `filtering took ${elapsedMs.toFixed(1)} ms`);
});

test('routes round-trip through the hash, with ids that need escaping', () => {
  const routes = [
    { view: 'overview' as const },
    { view: 'agents' as const },
    { view: 'agent' as const, agentId: 'abc-S1' },
    { view: 'framework' as const, frameworkId: 'f 1?x' },
    { view: 'tasks' as const, query: { state: 'TASK_RUNNING', frameworkId: 'F1', agentId: '', search: 'web #2' } },
    { view: 'task' as const, frameworkId: 'F1', taskId: 'echo.1', path: '/var/sandbox/dir' },
    { view: 'roles' as const },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(routeHref(route)), route);
  assert.equal(parseRoute('#/nowhere').view, 'not-found');
  assert.equal(parseRoute('#/agents/%E0%A4%A').view, 'not-found', 'a malformed escape is not a page');
  assert.deepEqual(parseRoute(''), { view: 'overview' });
});

test('metric samples split offered from used, and charts scale to the largest value', () => {
  const sample = sampleFromSnapshot({
    'master/cpus_total': 8, 'master/cpus_used': 2, 'allocator/mesos/resources/cpus/offered_or_allocated': 5,
    'master/mem_total': 1024, 'master/mem_used': 0,
  }, 1_000);
  assert.deepEqual(sample.resources.cpus, { total: 8, used: 2, offered: 3, idle: 3 });
  assert.deepEqual(sample.resources.mem, { total: 1024, used: 0, offered: 0, idle: 1024 });
  assert.deepEqual(sample.resources.gpus, { total: 0, used: 0, offered: 0, idle: 0 });

  let samples = [sample];
  samples = appendSample(samples, sampleFromSnapshot({ 'master/cpus_total': 8, 'master/cpus_used': 8 }, 3_000));
  const { paths, maxValue } = chartPaths(samples, 'cpus', 100, 50);
  assert.equal(maxValue, 8);
  assert.equal(paths.total, 'M0,0 L100,0');
  assert.equal(paths.used, 'M0,37.5 L100,0');
  let bounded = samples;
  for (let i = 0; i < 10; i++) bounded = appendSample(bounded, sample, 4);
  assert.equal(bounded.length, 4);
});

test('resource sums are exact to the thousandth and read as people read them', () => {
  const sum = sumResources([
    { name: 'cpus', scalar: { value: 0.1 } }, { name: 'cpus', scalar: { value: 0.2 } },
    { name: 'ports', ranges: { range: [{ begin: 1, end: 3 }, { begin: 10, end: 10 }] } },
    { name: 'zones', set: { item: ['a', 'b'] } },
  ]);
  assert.deepEqual(sum, { cpus: 0.3, ports: 4, zones: 2 });
  assert.equal(formatAmount('mem', 512), '512 MB');
  assert.equal(formatAmount('mem', 3072), '3 GB');
  assert.equal(formatAmount('cpus', 0.333333), '0.33');
});

test('a log tail asks for the size, starts a little before the end, then follows', () => {
  let tail = initialTail();
  assert.deepEqual(nextRead(tail), { offset: -1, length: 0 });
  tail = applyRead(tail, { data: '', offset: TAIL_BACKLOG_BYTES + 100 });
  assert.deepEqual(tail, { offset: 100, text: '', clipped: true });
  assert.deepEqual(nextRead(tail), { offset: 100, length: TAIL_READ_BYTES_MAX });
  tail = applyRead(tail, { data: 'héllo\n', offset: 100 });
  assert.equal(tail.text, 'héllo\n');
  assert.equal(tail.offset, 107, 'offsets count bytes: é is two');
  assert.equal(applyRead(tail, { data: '', offset: 107 }), tail, 'nothing new, nothing changes');
  assert.deepEqual(applyRead(tail, { data: '', offset: 3 }), initialTail(), 'a file that shrank is followed again from its end');
  const big = applyRead({ offset: 0, text: '', clipped: false }, { data: 'x'.repeat(TAIL_TEXT_CHARS_MAX + 10), offset: 0 });
  assert.equal(big.text.length, TAIL_TEXT_CHARS_MAX);
  assert.equal(big.clipped, true);
  const small = applyRead(initialTail(), { data: '', offset: 10 });
  assert.deepEqual(small, { offset: 0, text: '', clipped: false });
});

test("a task's sandbox is the directory of the executor that lists it, live or completed, else Mesos' virtual path", () => {
  const agentState = {
    frameworks: [{ id: 'F1', executors: [{ id: 'e1', directory: '/w/e1/runs/c2', tasks: [{ id: 't1' }] }] }],
    completed_frameworks: [{ id: 'F2', completed_executors: [{ id: 't9', directory: '/w/t9/runs/c1', completed_tasks: [{ task_id: { value: 't9' } }] }] }],
  };
  assert.deepEqual(findSandbox(agentState, 'F1', 'e1', 't1'), { path: '/w/e1/runs/c2', source: 'state' });
  assert.deepEqual(findSandbox(agentState, 'F2', 't9', 't9'), { path: '/w/t9/runs/c1', source: 'state' });
  assert.deepEqual(findSandbox(agentState, 'F1', 'e1', 'other'), { path: '/w/e1/runs/c2', source: 'state' });
  assert.deepEqual(findSandbox(agentState, 'F3', 'x', 'x'), { path: '/frameworks/F3/executors/x/runs/latest', source: 'virtual' });
  assert.equal(parentWithin('/w/e1/runs/c2/logs/a', '/w/e1/runs/c2'), '/w/e1/runs/c2/logs');
  assert.equal(parentWithin('/w/e1/runs/c2/logs', '/w/e1/runs/c2'), '/w/e1/runs/c2');
  assert.equal(parentWithin('/w/e1/runs/c2', '/w/e1/runs/c2'), '/w/e1/runs/c2', 'never above the sandbox');
});
