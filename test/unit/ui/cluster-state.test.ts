/**
 * Goal: the UI's picture of the cluster follows the master's Operator API stream exactly: the
 * SUBSCRIBED snapshot sets it, task, agent and framework events change it, a reconnect's
 * SUBSCRIBED replaces it whole, and the number of ended tasks kept is bounded (oldest first).
 * Method: streams of events in Mesos' master.proto JSON shapes, built here, applied with
 * applyEvent; then the derived usage (resources per agent/framework/role, counts per state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent, applyEvents, emptyClusterState, ENDED_TASKS_MAX, taskKey, type ClusterState } from '../../../ui/src/model/cluster-state.js';
import { computeUsage } from '../../../ui/src/model/usage.js';
import type { AgentEntry, FrameworkEntry, MasterEvent, Resource, Task } from '../../../ui/src/model/wire.js';

const scalar = (name: string, value: number, role?: string): Resource => ({
  name, type: 'SCALAR', scalar: { value }, ...(role ? { allocation_info: { role } } : {}),
});

function agent(id: string, cpus: number, mem: number): AgentEntry {
  return {
    agent_info: { hostname: `host-${id}`, port: 5051, id: { value: id }, attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }] },
    active: true,
    version: '1.11.0',
    pid: `slave(1)@127.0.0.1:5051`,
    registered_time: { nanoseconds: 1_700_000_000_000_000_000 },
    total_resources: [scalar('cpus', cpus), scalar('mem', mem), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] } }],
  };
}

function framework(id: string, name: string, roles: string[]): FrameworkEntry {
  return { framework_info: { user: 'root', name, id: { value: id }, roles, capabilities: [{ type: 'MULTI_ROLE' }] }, active: true, connected: true, recovered: false };
}

function task(frameworkId: string, id: string, agentId: string, state: string, cpus = 0.1, mem = 32, role = 'dev'): Task {
  return {
    name: `name-${id}`,
    task_id: { value: id },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state,
    resources: [scalar('cpus', cpus, role), scalar('mem', mem, role)],
    statuses: [{ task_id: { value: id }, state, timestamp: 1000 }],
  };
}

function subscribed(tasks: Task[] = [], completed: Task[] = []): MasterEvent {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      heartbeat_interval_seconds: 15,
      get_state: {
        get_agents: { agents: [agent('A1', 4, 4096), agent('A2', 2, 2048)] },
        get_frameworks: { frameworks: [framework('F1', 'web', ['dev']), framework('F2', 'batch', ['ops', 'dev'])] },
        get_tasks: { tasks, completed_tasks: completed },
      },
    },
  };
}

const updated = (frameworkId: string, id: string, state: string, timestamp = 2000): MasterEvent => ({
  type: 'TASK_UPDATED',
  task_updated: { framework_id: { value: frameworkId }, state, status: { task_id: { value: id }, state, timestamp, source: 'SOURCE_EXECUTOR' } },
});

function freshState(events: MasterEvent[]): ClusterState {
  const state = emptyClusterState();
  applyEvents(state, events, 0);
  return state;
}

test('SUBSCRIBED sets agents, frameworks and tasks from get_state', () => {
  const state = freshState([subscribed([task('F1', 't1', 'A1', 'TASK_RUNNING')], [task('F2', 't0', 'A2', 'TASK_FINISHED')])]);
  assert.equal(state.subscribed, true);
  assert.equal(state.heartbeatIntervalSeconds, 15);
  assert.deepEqual([...state.agents.keys()], ['A1', 'A2']);
  const a1 = state.agents.get('A1');
  assert.deepEqual(a1?.total, { cpus: 4, mem: 4096, ports: 10 });
  assert.equal(a1?.registeredAtSeconds, 1_700_000_000);
  assert.deepEqual(state.frameworks.get('F2')?.roles, ['ops', 'dev']);
  assert.equal(state.tasks.get(taskKey('F1', 't1'))?.state, 'TASK_RUNNING');
  assert.equal(state.tasks.get(taskKey('F1', 't1'))?.executorId, 't1', 'a command task runs under an executor named after it');
  assert.equal(state.tasks.get(taskKey('F2', 't0'))?.state, 'TASK_FINISHED');
  assert.deepEqual([...state.endedTaskKeys.keys()], [taskKey('F2', 't0')]);
});

test('a task goes STAGING → RUNNING → FINISHED through TASK_ADDED and TASK_UPDATED, keeping its statuses', () => {
  const state = freshState([subscribed()]);
  const revision = state.revision;
  applyEvent(state, { type: 'TASK_ADDED', task_added: { task: task('F1', 'echo', 'A1', 'TASK_STAGING') } }, 1);
  applyEvent(state, updated('F1', 'echo', 'TASK_RUNNING', 2001), 2);
  let record = state.tasks.get(taskKey('F1', 'echo'));
  assert.equal(record?.state, 'TASK_RUNNING');
  assert.equal(record?.updatedAtSeconds, 2001);
  applyEvent(state, updated('F1', 'echo', 'TASK_FINISHED', 2002), 3);
  record = state.tasks.get(taskKey('F1', 'echo'));
  assert.equal(record?.state, 'TASK_FINISHED');
  assert.deepEqual(record?.statuses.map((s) => s.state), ['TASK_STAGING', 'TASK_RUNNING', 'TASK_FINISHED']);
  assert.equal(state.revision, revision + 3, 'every change moves the revision');
  assert.ok(state.endedTaskKeys.has(taskKey('F1', 'echo')));
});

test('the same task id in two frameworks is two tasks', () => {
  const state = freshState([subscribed([task('F1', 'same', 'A1', 'TASK_RUNNING'), task('F2', 'same', 'A2', 'TASK_RUNNING')])]);
  applyEvent(state, updated('F2', 'same', 'TASK_FAILED'), 1);
  assert.equal(state.tasks.get(taskKey('F1', 'same'))?.state, 'TASK_RUNNING');
  assert.equal(state.tasks.get(taskKey('F2', 'same'))?.state, 'TASK_FAILED');
});

test('an update for a task the picture does not hold is counted, not applied', () => {
  const state = freshState([subscribed()]);
  const revision = state.revision;
  applyEvent(state, updated('F1', 'ghost', 'TASK_RUNNING'), 1);
  assert.equal(state.tasks.size, 0);
  assert.equal(state.unknownReferences, 1);
  assert.equal(state.revision, revision, 'nothing visible changed');
});

test('agents come and go; frameworks are updated and, once removed, kept marked', () => {
  const state = freshState([subscribed()]);
  applyEvent(state, { type: 'AGENT_ADDED', agent_added: { agent: agent('A3', 8, 8192) } }, 1);
  applyEvent(state, { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'A1' } } }, 2);
  assert.deepEqual([...state.agents.keys()].sort(), ['A2', 'A3']);

  applyEvent(state, { type: 'FRAMEWORK_ADDED', framework_added: { framework: framework('F3', 'new', ['qa']) } }, 3);
  const disconnected = { ...framework('F3', 'new', ['qa', 'dev']), connected: false, active: false };
  applyEvent(state, { type: 'FRAMEWORK_UPDATED', framework_updated: { framework: disconnected } }, 4);
  assert.deepEqual(state.frameworks.get('F3')?.roles, ['qa', 'dev']);
  assert.equal(state.frameworks.get('F3')?.connected, false);

  applyEvent(state, { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: { name: 'web', id: { value: 'F1' } } } }, 5);
  const removed = state.frameworks.get('F1');
  assert.equal(removed?.removed, true);
  assert.equal(removed?.active, false);
  assert.equal(removed?.name, 'web', 'what was known of it is kept');
});

test('a heartbeat changes nothing but the time of the last event', () => {
  const state = freshState([subscribed()]);
  const revision = state.revision;
  applyEvent(state, { type: 'HEARTBEAT' }, 12345);
  assert.equal(state.revision, revision);
  assert.equal(state.lastEventAtMs, 12345);
});

test('event types this UI does not know are ignored', () => {
  const state = freshState([subscribed()]);
  const revision = state.revision;
  applyEvent(state, { type: 'OPERATION_UPDATED', operation_updated: {} } as unknown as MasterEvent, 1);
  assert.equal(state.revision, revision);
});

test('a second SUBSCRIBED (after a reconnect) replaces the whole picture', () => {
  const state = freshState([subscribed([task('F1', 'old', 'A1', 'TASK_RUNNING')])]);
  applyEvent(state, { type: 'AGENT_ADDED', agent_added: { agent: agent('A9', 1, 1) } }, 1);
  const before = state.revision;
  applyEvent(state, subscribed([task('F1', 'new', 'A2', 'TASK_STARTING')]), 2);
  assert.ok(state.revision > before, 'the revision keeps moving forward across snapshots');
  assert.deepEqual([...state.tasks.keys()], [taskKey('F1', 'new')]);
  assert.equal(state.agents.has('A9'), false);
});

test('ended tasks beyond ENDED_TASKS_MAX are forgotten oldest first; live tasks are kept', () => {
  const state = freshState([subscribed([task('F1', 'live', 'A1', 'TASK_RUNNING')])]);
  const extra = 5;
  for (let i = 0; i < ENDED_TASKS_MAX + extra; i++) {
    applyEvent(state, { type: 'TASK_ADDED', task_added: { task: task('F1', `t${i}`, 'A1', 'TASK_STAGING') } }, i);
    applyEvent(state, updated('F1', `t${i}`, 'TASK_FINISHED'), i);
  }
  assert.equal(state.endedTaskKeys.size, ENDED_TASKS_MAX);
  assert.equal(state.tasks.size, ENDED_TASKS_MAX + 1);
  assert.equal(state.tasks.has(taskKey('F1', 't0')), false);
  assert.equal(state.tasks.has(taskKey('F1', `t${extra - 1}`)), false);
  assert.equal(state.tasks.has(taskKey('F1', `t${extra}`)), true);
  assert.equal(state.tasks.get(taskKey('F1', 'live'))?.state, 'TASK_RUNNING');
});

test('usage: live tasks hold resources per agent, framework and role; ended ones only count', () => {
  const state = freshState([subscribed([
    task('F1', 'a', 'A1', 'TASK_RUNNING', 1, 512, 'dev'),
    task('F2', 'b', 'A1', 'TASK_RUNNING', 0.5, 256, 'ops'),
    task('F2', 'c', 'A2', 'TASK_STAGING', 0.2, 64, 'dev'),
    task('F2', 'd', 'A2', 'TASK_FAILED', 3, 1000, 'dev'),
  ])]);
  const usage = computeUsage(state);
  // A1 runs a (1 cpu) and b (0.5): 1.5 of its 4 cpus; A2 runs c only, d has ended.
  assert.deepEqual(usage.usedByAgent.get('A1'), { cpus: 1.5, mem: 768 });
  assert.deepEqual(usage.usedByAgent.get('A2'), { cpus: 0.2, mem: 64 });
  assert.deepEqual(usage.usedByFramework.get('F2'), { cpus: 0.7, mem: 320 });
  assert.deepEqual(usage.usedByRole.get('dev'), { cpus: 1.2, mem: 576 });
  assert.deepEqual(usage.used, { cpus: 1.7, mem: 832 });
  assert.deepEqual(usage.total, { cpus: 6, mem: 6144, ports: 20 });
  assert.equal(usage.liveTasks, 3);
  assert.equal(usage.tasksByState.get('TASK_FAILED'), 1);
  assert.equal(usage.liveTasksByFramework.get('F2'), 2);
  assert.equal(usage.activeAgents, 2);
  assert.equal(usage.activeFrameworks, 2);
});
