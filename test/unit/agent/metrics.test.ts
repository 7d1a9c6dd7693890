/**
 * Goal: the agent's `/metrics/snapshot` shows Mesos' `slave/...` keys: live tasks by state,
 * ended tasks counted once each since the start, executors by state (registering, running,
 * terminating, terminated) and launch errors, resources total and used with revocable ones apart
 * (tasks that ended no longer use theirs), registration, valid and invalid status updates and
 * framework messages, and the host's `system/*` gauges.
 * Method: AgentCounters driven through a task's states, and a hand-built view of the agent's
 * executors, compared with numbers worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource, TaskState } from '../../../src/api/mesos.js';
import { AgentCounters, agentMetricsSnapshot, type ExecutorView } from '../../../src/agent/metrics.js';
import { SystemGauges } from '../../../src/common/metrics/system.js';

const scalars = (cpus: number, mem: number): Resource[] => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
  { name: 'mem', type: 'SCALAR', scalar: { value: mem } },
];

function executor(state: ExecutorView['state'], resources: Resource[], tasks: Array<[string, TaskState, Resource[]]>, shuttingDown = false): ExecutorView {
  return {
    state,
    shuttingDown,
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
  counters.containerLaunchErrors = 1;
  counters.validFrameworkMessages = 3;
  counters.invalidFrameworkMessages = 2;
  counters.recoveryErrors = 4;
  const revocableCpus = (value: number): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, revocable: {} });
  const executors = [
    // A custom executor (0.1 cpus) with a running task and one that finished (its 1 cpu is free again).
    executor('running', scalars(0.1, 32), [['t1', 'TASK_RUNNING', scalars(1, 128)], ['t2', 'TASK_FINISHED', scalars(1, 128)]]),
    // A command executor still subscribing, its task staging.
    executor('registering', [], [['t3', 'TASK_STAGING', scalars(0.5, 64)]]),
    // An executor gone: nothing of it counts.
    executor('terminated', scalars(1, 1), [['t4', 'TASK_RUNNING', scalars(1, 1)]]),
    // An executor told to shut down, its task on revocable cpus still running until it ends.
    executor('running', [], [['t5', 'TASK_RUNNING', [revocableCpus(0.5)]]], true),
  ];
  const s = agentMetricsSnapshot({
    startTimeMs: 1_000,
    registered: true,
    total: [...scalars(4, 4096), revocableCpus(2)],
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
  assert.equal(s['slave/cpus_revocable_total'], 2);
  assert.equal(s['slave/cpus_revocable_used'], 0.5, 't5');
  assert.equal(s['slave/cpus_revocable_percent'], 0.25);
  assert.equal(s['slave/mem_revocable_total'], 0);
  assert.equal(s['slave/mem_revocable_percent'], 0, 'none: 0, not NaN');
  assert.equal(s['slave/tasks_running'], 2, 't1 and t5');
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
  assert.equal(s['slave/executors_terminating'], 1);
  assert.equal(s['slave/executors_terminated'], 2);
  assert.equal(s['slave/container_launch_errors'], 1);
  assert.equal(s['slave/valid_framework_messages'], 3);
  assert.equal(s['slave/invalid_framework_messages'], 2);
  assert.equal(s['slave/recovery_errors'], 4);
  assert.equal(s['system/cpus_total'], undefined, 'no system gauges unless asked for');
  assert.equal(s['slave/frameworks_active'], 1);
  assert.equal(s['slave/valid_status_updates'], 7);
  assert.equal(s['slave/invalid_status_updates'], 1);
});

test("with SystemGauges the snapshot shows the host's system/* gauges", () => {
  const s = agentMetricsSnapshot({ startTimeMs: 0, registered: true, total: [], executors: [], frameworks: 0, counters: new AgentCounters() }, 0, new SystemGauges()).toJson();
  assert.ok((s['system/cpus_total'] ?? 0) >= 1);
  assert.ok((s['system/mem_total_bytes'] ?? 0) > (s['system/mem_free_bytes'] ?? -1));
  for (const key of ['system/load_1min', 'system/load_5min', 'system/load_15min']) assert.ok((s[key] ?? -1) >= 0, key);
});

test('an agent not registered says so', () => {
  const s = agentMetricsSnapshot({ startTimeMs: 0, registered: false, total: [], executors: [], frameworks: 0, counters: new AgentCounters() }, 0).toJson();
  assert.equal(s['slave/registered'], 0);
  assert.equal(s['slave/cpus_percent'], 0);
});
