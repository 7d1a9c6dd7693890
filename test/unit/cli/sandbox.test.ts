/**
 * Goal: `meridian logs` finds the right task and sandbox: a unique task among live, unreachable
 * and completed ones (an id shared by frameworks needs --framework), the executor of a command
 * task (named after the task), and the directory of the executor run that lists the task, else
 * Mesos' virtual path of the executor's latest run.
 * Method: the pure lookups of src/cli/views/sandbox.ts on hand-built answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTask, sandboxOf } from '../../../src/cli/views/sandbox.js';
import { task } from './fixtures.js';

test('a task is found among live, unreachable and completed tasks; its executor comes from the task, its statuses, or its id', () => {
  const grouped = { ...task('g-1', 'TASK_RUNNING', 'F1', 'A1'), executor_id: { value: 'group-executor' } };
  const command = { ...task('c-1', 'TASK_FINISHED', 'F1', 'A1'), statuses: [{ state: 'TASK_FINISHED' as const, executor_id: { value: 'c-1-exec' } }] };
  const tasks = { tasks: [grouped], unreachable_tasks: [task('u-1', 'TASK_UNREACHABLE', 'F1', 'A2')], completed_tasks: [command, task('plain', 'TASK_FAILED', 'F1', 'A1')] };
  assert.deepEqual(pick(findTask(tasks, 'g-1', null)), ['g-1', 'group-executor']);
  assert.deepEqual(pick(findTask(tasks, 'c-1', null)), ['c-1', 'c-1-exec']);
  assert.deepEqual(pick(findTask(tasks, 'plain', null)), ['plain', 'plain']);
  assert.deepEqual(pick(findTask(tasks, 'u-1', 'F1')), ['u-1', 'u-1']);
  const unknown = findTask(tasks, 'nope', null);
  assert.ok(!unknown.ok && unknown.reason === 'unknown' && /no task nope is known to the master/.test(unknown.message));
  assert.ok(!findTask(tasks, 'g-1', 'F2').ok);
});

test('a task id used by two frameworks needs --framework', () => {
  const tasks = { tasks: [task('t', 'TASK_RUNNING', 'F1', 'A1'), task('t', 'TASK_RUNNING', 'F2', 'A2')] };
  const both = findTask(tasks, 't', null);
  assert.ok(!both.ok && both.reason === 'ambiguous' && /F1, F2.*--framework/.test(both.message));
  const chosen = findTask(tasks, 't', 'F2');
  assert.ok(chosen.ok && chosen.task.agent_id?.value === 'A2');
});

test('the sandbox is the directory of the run that lists the task, else of the executor, else the virtual path', () => {
  const state = {
    frameworks: [{ id: 'F1', executors: [
      { id: 'E1', directory: '/sb/E1/runs/new', tasks: [{ id: 'other' }] },
      { id: 'E2', directory: '/sb/E2/runs/r1', queued_tasks: [{ task_id: { value: 't-queued' } }] },
    ], completed_executors: [{ id: 'E1', directory: '/sb/E1/runs/old', completed_tasks: [{ task_id: { value: 't-old' } }] }] }],
    completed_frameworks: [{ id: 'F0', completed_executors: [{ id: 'X', directory: '/sb/X/runs/1', completed_tasks: [{ id: 'gone-fw' }] }] }],
  };
  assert.equal(sandboxOf(state, 'F1', 'E1', 't-old'), '/sb/E1/runs/old');
  assert.equal(sandboxOf(state, 'F1', 'E2', 't-queued'), '/sb/E2/runs/r1');
  assert.equal(sandboxOf(state, 'F1', 'E1', 'not-listed'), '/sb/E1/runs/new');
  assert.equal(sandboxOf(state, 'F0', 'X', 'gone-fw'), '/sb/X/runs/1');
  assert.equal(sandboxOf(state, 'F9', 'E9', 't'), '/frameworks/F9/executors/E9/runs/latest');
});

function pick(lookup: ReturnType<typeof findTask>): [string, string] | string {
  return lookup.ok ? [lookup.task.task_id.value, lookup.executorId] : lookup.message;
}
