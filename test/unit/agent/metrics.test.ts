/**
 * Goal: the agent's `/metrics/snapshot` shows Mesos' `slave/...` keys: live tasks by state,
 * ended tasks counted once each since the start, executors, resources total and used (tasks that
 * ended no longer use theirs), registration, valid and invalid status updates.
 * Method: AgentCounters driven through a task's states, and a hand-built view of the agent's
 * executors, compared with numbers worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource, TaskState } from '../../../src/api/mesos.js';
import { AgentCounters, agentMetricsSnapshot, type ExecutorView } from '../../../src/agent/metrics.js';

const scalars = (cpus: number, mem: number): Resource[] => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

function executor(state: ExecutorView['state'], resources: Resource[], tasks: Array<[string, TaskState, Resource[]]>): ExecutorView {
  return {
    state,
    checkpoint: { info: { resources } },
    tasks: new Map(tasks.map(([id, taskState, taskResources]) => [id, { state: taskState, info: { resources: taskResources } }])),
  };
}

test('a task is counted once when it ends, whatever repeats after', () => {
  const counters = new AgentCounters();
  const path: TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED', 'TASK_FINISHED'];
  for (let i = 1; i < path.length; i++) counters.taskStateChanged(path[i - 1]!, path[i]!);
  assert.equal(counters.tasksEndedIn('TASK_FINISHED'), 1);
  counters.taskStateChanged('TASK_RUNNING', 'TASK_KILLING');
  counters.taskStateChanged('TASK_KILLING', 'TASK_KILLED');
  counters.taskStateChanged('TASK_STAGING', 'TASK_GONE');
  assert.equal(counters.tasksEndedIn('TASK_KILLED'), 1);
  assert.equal(counters.tasksEndedIn('TASK_GONE'), 1);
  assert.equal(counters.tasksEndedIn('TASK_FAILED'), 0);
});

test('the snapshot: live tasks, ended tasks, executors, resources, registration', () => {
  const counters = new AgentCounters();
  counters.taskStateChanged('TASK_RUNNING', 'TASK_FINISHED');
  counters.taskStateChanged('TASK_RUNNING', 'TASK_FAILED');
  counters.executorsTerminated = 2;
  counters.validStatusUpdates = 7;
  counters.invalidStatusUpdates = 1;
  const executors = [
    // A custom executor (0.1 cpus) with a running task and one that finished (its 1 cpu is free again).
    executor('running', scalars(0.1, 32), [['t1', 'TASK_RUNNING', scalars(1, 128)], ['t2', 'TASK_FINISHED', scalars(1, 128)]]),
    // A command executor still subscribing, its task staging.
    executor('registering', [], [['t3', 'TASK_STAGING', scalars(0.5, 64)]]),
    // An executor gone: nothing of it counts.
    executor('terminated', scalars(1, 1), [['t4', 'TASK_RUNNING', scalars(1, 1)]]),
  ];
  const s = agentMetricsSnapshot({
    startTimeMs: 1_000,
    registered: true,
    total: [...scalars(4, 4096), { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, revocable: {} }],
    executors,
    frameworks: 1,
    counters,
  }, 11_000).toJson();
  assert.equal(s['slave/uptime_secs'], 10);
  assert.equal(s['slave/registered'], 1);
  assert.equal(s['slave/cpus_total'], 4, 'revocable cpus left out');
  assert.equal(s['slave/cpus_used'], 1.6, '0.1 + 1 + 0.5');
  assert.equal(s['slave/mem_used'], 224, '32 + 128 + 64');
  assert.equal(s['slave/mem_total'], 4096);
  assert.equal(s['slave/disk_total'], 0);
  assert.equal(s['slave/cpus_percent'], 0.4);
  assert.equal(s['slave/tasks_running'], 1);
  assert.equal(s['slave/tasks_staging'], 1);
  assert.equal(s['slave/tasks_starting'], 0);
  assert.equal(s['slave/tasks_killing'], 0);
  assert.equal(s['slave/tasks_finished'], 1);
  assert.equal(s['slave/tasks_failed'], 1);
  assert.equal(s['slave/tasks_killed'], 0);
  assert.equal(s['slave/tasks_lost'], 0);
  assert.equal(s['slave/tasks_gone'], 0);
  assert.equal(s['slave/executors_running'], 1);
  assert.equal(s['slave/executors_registering'], 1);
  assert.equal(s['slave/executors_terminated'], 2);
  assert.equal(s['slave/frameworks_active'], 1);
  assert.equal(s['slave/valid_status_updates'], 7);
  assert.equal(s['slave/invalid_status_updates'], 1);
});

test('an agent not registered says so', () => {
  const s = agentMetricsSnapshot({ startTimeMs: 0, registered: false, total: [], executors: [], frameworks: 0, counters: new AgentCounters() }, 0).toJson();
  assert.equal(s['slave/registered'], 0);
  assert.equal(s['slave/cpus_percent'], 0);
});
