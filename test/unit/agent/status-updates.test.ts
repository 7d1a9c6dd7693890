/** The agent's per-task status update stream and its checkpoint journal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusUpdate } from '../../../src/api/agent-link/messages.js';
import type { TaskState } from '../../../src/api/mesos.js';
import { StatusUpdateStream } from '../../../src/agent/core/status-update-stream.js';
import { Journal, replayJournal, recordsOf, type ExecutorCheckpoint } from '../../../src/agent/checkpoint.js';

const update = (state: TaskState, uuid: string): StatusUpdate => ({
  framework_id: { value: 'f-0000' },
  executor_id: { value: 'e' },
  status: { task_id: { value: 't' }, state, uuid },
});

test('only the oldest update is in flight; an acknowledgement releases the next', () => {
  const stream = new StatusUpdateStream();
  assert.equal(stream.add(update('TASK_STARTING', 'a')), 'added');
  assert.equal(stream.add(update('TASK_RUNNING', 'b')), 'added');
  assert.equal(stream.front()?.status.uuid, 'a');
  assert.equal(stream.acknowledge('b'), 'unexpected', 'acknowledging out of order does nothing');
  assert.equal(stream.front()?.status.uuid, 'a');
  assert.equal(stream.acknowledge('a'), 'acknowledged');
  assert.equal(stream.front()?.status.uuid, 'b');
});

test('duplicates are ignored, nothing follows a terminal update, and the stream finishes on its acknowledgement', () => {
  const stream = new StatusUpdateStream();
  stream.add(update('TASK_RUNNING', 'a'));
  assert.equal(stream.add(update('TASK_RUNNING', 'a')), 'duplicate');
  stream.add(update('TASK_FINISHED', 'b'));
  assert.equal(stream.add(update('TASK_FAILED', 'c')), 'after-terminal');
  assert.equal(stream.terminal, true);
  stream.acknowledge('a');
  assert.equal(stream.finished, false);
  stream.acknowledge('b');
  assert.equal(stream.finished, true);
  assert.equal(stream.front(), undefined);
});

const checkpoint: ExecutorCheckpoint = { info: { executor_id: { value: 'e' } }, kind: 'command', containerId: 'c', directory: '/tmp/sandbox' };

test('the journal replays into the live state and forgets finished executors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-journal-'));
  try {
    const file = join(dir, 'journal');
    const journal = new Journal(file);
    journal.append({ t: 'agent', agentId: 'm-S1', info: { hostname: 'h' } });
    journal.append({ t: 'framework', info: { user: 'u', name: 'n', id: { value: 'f-0000' } } });
    journal.append({ t: 'executor', frameworkId: 'f-0000', checkpoint });
    journal.append({ t: 'task', frameworkId: 'f-0000', executorId: 'e', info: { name: 't', task_id: { value: 't' }, agent_id: { value: 'm-S1' } } });
    journal.append({ t: 'update', frameworkId: 'f-0000', executorId: 'e', taskId: 't', update: update('TASK_RUNNING', 'a') });
    journal.append({ t: 'ack', frameworkId: 'f-0000', executorId: 'e', taskId: 't', uuid: 'a' });
    journal.append({ t: 'update', frameworkId: 'f-0000', executorId: 'e', taskId: 't', update: update('TASK_FINISHED', 'b') });
    journal.close();
    // A crash in the middle of a write leaves a torn last line, which is dropped.
    appendFileSync(file, '{"t":"ack","frame');

    const { state: recovered, errors } = Journal.recover(file);
    assert.deepEqual(errors, [], 'a torn last line is expected after a crash, not an error');
    assert.equal(recovered?.agentId, 'm-S1');
    const task = recovered?.frameworks[0]?.executors[0]?.tasks[0];
    assert.deepEqual(task?.records.map((r) => ('update' in r ? r.update.status.state : `ack ${r.ack}`)), ['TASK_RUNNING', 'ack a', 'TASK_FINISHED']);

    // Compaction writes the same state back.
    assert.deepEqual(replayJournal(recordsOf(recovered as NonNullable<typeof recovered>).map((r) => JSON.stringify(r)).join('\n')).state, recovered);

    const after = new Journal(file);
    after.append({ t: 'executor-done', frameworkId: 'f-0000', executorId: 'e' });
    after.close();
    assert.deepEqual(Journal.recover(file).state?.frameworks, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a work dir without a journal recovers nothing', () => {
  assert.deepEqual(Journal.recover('/nonexistent/journal'), { state: null, errors: [] });
  assert.deepEqual(replayJournal(''), { state: null, errors: [] });
});

test('a damaged line inside the journal stops recovery, naming the file and line, unless strict is off', () => {
  const lines = [
    JSON.stringify({ t: 'agent', agentId: 'm-S1', info: { hostname: 'h' } }),
    JSON.stringify({ t: 'framework', info: { user: 'u', name: 'n', id: { value: 'f-0000' } } }),
    '{"t":"executor","frameworkId":"f-0',
    JSON.stringify({ t: 'framework', info: { user: 'u', name: 'later', id: { value: 'f-0001' } } }),
  ];
  const text = `${lines.join('\n')}\n`;
  assert.throws(() => replayJournal(text), /line 3 is not a record.*--strict=false/);
  const lenient = replayJournal(text, false);
  assert.equal(lenient.errors.length, 1);
  assert.match(lenient.errors[0] ?? '', /^line 3 is not a record/);
  assert.deepEqual(lenient.state?.frameworks.map((f) => f.info.name), ['n', 'later'], 'the records after the damaged line are kept');

  const dir = mkdtempSync(join(tmpdir(), 'meridian-journal-'));
  try {
    const file = join(dir, 'journal');
    writeFileSync(file, text);
    assert.throws(() => Journal.recover(file), (error: Error) => error.message.includes(file) && error.message.includes('line 3'));
    assert.equal(Journal.recover(file, false).errors.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
