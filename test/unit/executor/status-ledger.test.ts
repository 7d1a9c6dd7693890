/**
 * Goal: an executor re-offers exactly what its agent has not acknowledged: every update until its
 * ACKNOWLEDGED, every task until its terminal update is acknowledged.
 * Method: scripted sequences against StatusLedger, checking the SUBSCRIBE body after each step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskInfo, TaskState, TaskStatus } from '../../../src/api/mesos.js';
import { StatusLedger } from '../../../src/executor/status-ledger.js';

const taskInfo = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'a1' } });
const status = (taskId: string, state: TaskState, uuid: string): TaskStatus & { uuid: string } => ({
  task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR',
});
const uuidsOf = (ledger: StatusLedger) => ledger.subscribeBody().unacknowledged_updates.map((u) => u.status.uuid);
const tasksOf = (ledger: StatusLedger) => ledger.subscribeBody().unacknowledged_tasks.map((t) => t.task_id.value);

test('updates stay until acknowledged; the task stays until its terminal update is', () => {
  const ledger = new StatusLedger();
  ledger.addTask(taskInfo('t1'));
  ledger.record(status('t1', 'TASK_STARTING', 'u1'));
  ledger.record(status('t1', 'TASK_RUNNING', 'u2'));
  assert.deepEqual(uuidsOf(ledger), ['u1', 'u2']);

  assert.deepEqual(ledger.acknowledge('t1', 'u1'), { known: true, taskSettled: false });
  ledger.record(status('t1', 'TASK_FINISHED', 'u3'));
  assert.deepEqual(uuidsOf(ledger), ['u2', 'u3']);
  assert.deepEqual(tasksOf(ledger), ['t1']);
  assert.equal(ledger.isSettled(), false);

  // A terminal acknowledgement settles the task and any older update of it.
  assert.deepEqual(ledger.acknowledge('t1', 'u3'), { known: true, taskSettled: true });
  assert.deepEqual(uuidsOf(ledger), []);
  assert.deepEqual(tasksOf(ledger), []);
  assert.equal(ledger.isSettled(), true);
});

test('unknown or mismatched acknowledgements change nothing', () => {
  const ledger = new StatusLedger();
  ledger.addTask(taskInfo('t1'));
  ledger.record(status('t1', 'TASK_RUNNING', 'u1'));
  assert.deepEqual(ledger.acknowledge('t1', 'nope'), { known: false });
  assert.deepEqual(ledger.acknowledge('t2', 'u1'), { known: false });
  assert.deepEqual(uuidsOf(ledger), ['u1']);
});

test('pendingSince names the updates made after a SUBSCRIBE body was taken', () => {
  const ledger = new StatusLedger();
  ledger.record(status('t1', 'TASK_STARTING', 'u1'));
  const mark = ledger.sequenceMark;
  ledger.record(status('t1', 'TASK_RUNNING', 'u2'));
  ledger.record(status('t2', 'TASK_RUNNING', 'u3'));
  ledger.acknowledge('t2', 'u3');
  assert.deepEqual(ledger.pendingSince(mark), ['u2']);
  assert.equal(ledger.statusOf('u2')?.state, 'TASK_RUNNING');
  assert.equal(ledger.statusOf('u3'), undefined);
});

test('tasks of several executors-worth of groups settle independently', () => {
  const ledger = new StatusLedger();
  for (const id of ['a', 'b']) ledger.addTask(taskInfo(id));
  ledger.record(status('a', 'TASK_FAILED', 'ua'));
  ledger.record(status('b', 'TASK_KILLED', 'ub'));
  ledger.acknowledge('b', 'ub');
  assert.deepEqual(tasksOf(ledger), ['a']);
  assert.deepEqual(uuidsOf(ledger), ['ua']);
});
