/**
 * Goal: the CLI's own list of task states (kept apart so the views do not load TypeBox) is the
 * wire list of api/mesos.ts, with the same terminal states.
 * Method: compare the lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_STATES, TERMINAL_TASK_STATES } from '../../../src/api/mesos.js';
import { isTerminal, TASK_STATE_NAMES } from '../../../src/cli/views/task-states.js';

test('every wire task state, in the same order, with the same terminal ones', () => {
  assert.deepEqual(TASK_STATE_NAMES, [...TASK_STATES]);
  assert.deepEqual(TASK_STATE_NAMES.filter(isTerminal), TASK_STATES.filter((state) => TERMINAL_TASK_STATES.has(state)));
});
