/**
 * Goal: the command executor's decisions match Mesos': exit → terminal state and message, which
 * kill grace period wins, how a CommandInfo becomes argv, and what environment a task sees.
 * Method: table-driven checks of the pure functions in task-outcome.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commandLineOf, gracePeriodMsOf, isSafePathSegment, KILL_GRACE_PERIOD_DEFAULT_MS, taskEnvironmentOf, terminalOutcomeOf,
  type TaskExit,
} from '../../../src/executor/task-outcome.js';

test('an exit maps to a terminal state and message as in Mesos', () => {
  const cases: Array<[TaskExit, boolean, string, string, string | undefined]> = [
    [{ kind: 'exited', code: 0 }, false, 'TASK_FINISHED', 'Command exited with status 0', undefined],
    [{ kind: 'exited', code: 3 }, false, 'TASK_FAILED', 'Command exited with status 3', undefined],
    [{ kind: 'signaled', signal: 'SIGSEGV' }, false, 'TASK_FAILED', 'Command terminated with signal SIGSEGV', undefined],
    // Anything that ends a task we were killing is TASK_KILLED, even a clean exit after trapping SIGTERM.
    [{ kind: 'signaled', signal: 'SIGTERM' }, true, 'TASK_KILLED', 'Command terminated with signal SIGTERM', undefined],
    [{ kind: 'exited', code: 0 }, true, 'TASK_KILLED', 'Command exited with status 0', undefined],
    [{ kind: 'launch-failed', message: 'spawn x ENOENT' }, false, 'TASK_FAILED', 'spawn x ENOENT', 'REASON_COMMAND_EXECUTOR_FAILED'],
    [{ kind: 'killed-before-launch' }, true, 'TASK_KILLED', 'Task was killed before it was launched', 'REASON_TASK_KILLED_DURING_LAUNCH'],
  ];
  for (const [exit, killing, state, message, reason] of cases) {
    const outcome = terminalOutcomeOf(exit, killing, 'REASON_COMMAND_EXECUTOR_FAILED');
    assert.equal(outcome.state, state, JSON.stringify(exit));
    assert.equal(outcome.message, message);
    assert.equal(outcome.reason, reason);
  }
});

test("a KILL's grace period overrides the task's; 3 s when neither names one", () => {
  const seconds = (s: number) => ({ grace_period: { nanoseconds: s * 1e9 } });
  assert.equal(gracePeriodMsOf(seconds(1), seconds(10)), 1_000);
  assert.equal(gracePeriodMsOf(undefined, seconds(10)), 10_000);
  assert.equal(gracePeriodMsOf({}, undefined), KILL_GRACE_PERIOD_DEFAULT_MS);
  assert.equal(gracePeriodMsOf(), 3_000);
  assert.equal(gracePeriodMsOf(seconds(-1)), 0);
});

test('shell commands run under /bin/sh -c; others take arguments as the whole argv', () => {
  assert.deepEqual(commandLineOf({ value: 'echo hi' }), { ok: true, file: '/bin/sh', args: ['-c', 'echo hi'], argv0: 'sh' });
  assert.deepEqual(commandLineOf({ shell: false, value: '/bin/echo', arguments: ['echo', 'a', 'b'] }), {
    ok: true, file: '/bin/echo', args: ['a', 'b'], argv0: 'echo',
  });
  assert.deepEqual(commandLineOf({ shell: false, value: '/bin/true' }), { ok: true, file: '/bin/true', args: [], argv0: '/bin/true' });
  assert.equal(commandLineOf(undefined).ok, false);
  assert.equal(commandLineOf({ shell: true }).ok, false);
});

test('a task sees the executor environment, MESOS_SANDBOX, MESOS_TASK_ID and its own variables last', () => {
  const env = taskEnvironmentOf({
    inherited: { PATH: '/usr/bin', MERIDIAN_HOST_ID: 'host-1', HOME: undefined },
    executor: { MESOS_SANDBOX: '/sandbox', MESOS_EXECUTOR_ID: 'e1', MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'secret', PATH: '/bin' },
    sandbox: '/sandbox-dir',
    taskId: 't1',
    command: {
      environment: {
        variables: [
          { name: 'PATH', value: '/task/bin' },
          { name: 'EMPTY' },
          { name: 'HIDDEN', type: 'SECRET', secret: {} },
        ],
      },
    },
  });
  assert.deepEqual(env, {
    PATH: '/task/bin',
    MESOS_SANDBOX: '/sandbox',
    MESOS_EXECUTOR_ID: 'e1',
    MESOS_TASK_ID: 't1',
    EMPTY: '',
  });
  assert.equal(taskEnvironmentOf({ inherited: {}, executor: {}, sandbox: '/dir', taskId: 't', command: undefined }).MESOS_SANDBOX, '/dir');
});

test('task ids that could leave the sandbox are not path segments', () => {
  for (const id of ['web.1', 'a-b_c', '..x']) assert.ok(isSafePathSegment(id), id);
  for (const id of ['', '.', '..', 'a/b', '../x', 'a\0b']) assert.ok(!isSafePathSegment(id), JSON.stringify(id));
});
