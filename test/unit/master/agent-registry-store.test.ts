/**
 * Goal: the master's registry of agents (agents.log) keeps what it was told across a restart,
 * stays cheap for a burst of admissions, and tells a crash's torn tail from a damaged file.
 * Method: a real file in a temporary folder; disk work is counted by the store's own counters
 * (writes and fsyncs), never timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRegistryStore } from '../../../src/master/shell/agent-registry-store.js';
import type { AgentId } from '../../../src/common/ids.js';

function withFolder(run: (folder: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const folder = mkdtempSync(join(tmpdir(), 'meridian-registry-'));
    try {
      await run(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };
}

const id = (n: number) => `m-S${n}` as AgentId;
const info = (n: number) => ({ hostname: `host-${n}`, port: 5051, id: { value: id(n) } });

test('a burst of 10,000 admissions is written in one batch: one write and one fsync, then all are recovered', withFolder(async (folder) => {
  const path = join(folder, 'agents.log');
  const store = new AgentRegistryStore(path);
  store.load();
  const before = { ...store.stats };
  let last = 0;
  for (let n = 1; n <= 10_000; n++) last = store.append({ kind: 'admit-agent', agentId: id(n), info: info(n) });
  await store.whenDurable(last);
  assert.equal(store.durableSeq, 10_000);
  assert.equal(store.stats.writes - before.writes, 1, 'one write for the burst');
  assert.equal(store.stats.fsyncs - before.fsyncs, 1, 'one fsync for the burst');
  await store.close();

  const recovered = new AgentRegistryStore(path).load();
  assert.equal(recovered.admitted.length, 10_000);
  assert.deepEqual(recovered.admitted[9_999], { agentId: id(10_000), info: info(10_000) });
  assert.deepEqual(recovered.unreachable, []);
}));

test('changes arriving while a commit is under way go out together in the next one', withFolder(async (folder) => {
  const store = new AgentRegistryStore(join(folder, 'agents.log'));
  store.load();
  const first = store.append({ kind: 'admit-agent', agentId: id(1), info: info(1) });
  const durable = store.whenDurable(first);
  await new Promise((resolve) => setImmediate(resolve)); // The first commit has started.
  let last = 0;
  for (let n = 2; n <= 1_000; n++) last = store.append({ kind: 'admit-agent', agentId: id(n), info: info(n) });
  await durable;
  await store.whenDurable(last);
  assert.ok(store.stats.fsyncs <= 3, `at most a few fsyncs (${store.stats.fsyncs}, one of them the new file's folder)`);
  await store.close();
}));

test('the latest change of each agent wins: admitted, unreachable, removed', withFolder(async (folder) => {
  const path = join(folder, 'agents.log');
  const store = new AgentRegistryStore(path);
  store.load();
  store.append({ kind: 'admit-agent', agentId: id(1), info: info(1) });
  store.append({ kind: 'admit-agent', agentId: id(2), info: info(2) });
  store.append({ kind: 'admit-agent', agentId: id(3), info: info(3) });
  store.append({ kind: 'mark-agent-unreachable', agentId: id(2), info: info(2), unreachableAtMs: 1234 });
  const last = store.append({ kind: 'remove-agent', agentId: id(3) });
  await store.whenDurable(last);
  await store.close();
  const recovered = new AgentRegistryStore(path).load();
  assert.deepEqual(recovered.admitted, [{ agentId: id(1), info: info(1) }]);
  assert.deepEqual(recovered.unreachable, [{ agentId: id(2), info: info(2), unreachableAtMs: 1234 }]);
}));

test('a torn last line (a crash mid-write) is dropped and cut off, so the next record starts on a line of its own', withFolder(async (folder) => {
  const path = join(folder, 'agents.log');
  writeFileSync(path, `${JSON.stringify({ t: 'admit', id: id(1), info: info(1) })}\n{"t":"admit","id":"m-S2","in`);
  const store = new AgentRegistryStore(path);
  const recovered = store.load();
  assert.deepEqual(recovered.admitted.map((a) => a.agentId), [id(1)]);
  await store.whenDurable(store.append({ kind: 'admit-agent', agentId: id(3), info: info(3) }));
  await store.close();
  assert.deepEqual(new AgentRegistryStore(path).load().admitted.map((a) => a.agentId), [id(1), id(3)]);
}));

test('a damaged line inside the log stops the load, naming the file and the line', withFolder((folder) => {
  const path = join(folder, 'agents.log');
  writeFileSync(path, [
    JSON.stringify({ t: 'admit', id: id(1), info: info(1) }),
    '{"t":"admit","id":"m-S2","in',
    JSON.stringify({ t: 'admit', id: id(3), info: info(3) }),
    '',
  ].join('\n'));
  assert.throws(() => new AgentRegistryStore(path).load(), (error: Error) => error.message.includes(path) && error.message.includes('line 2'));
  // A whole line that is JSON but not a record is damage too.
  writeFileSync(path, `${JSON.stringify({ t: 'admit', id: id(1) })}\n`);
  assert.throws(() => new AgentRegistryStore(path).load(), (error: Error) => error.message.includes(path) && error.message.includes('line 1'));
}));

test('compaction keeps only live records and they survive a restart', withFolder(async (folder) => {
  const path = join(folder, 'agents.log');
  const store = new AgentRegistryStore(path);
  store.load();
  // Churn: agents admitted and removed again grow the log past the compaction size while few stay live.
  const padding = 'x'.repeat(1_000);
  let last = 0;
  for (let round = 0; round < 5; round++) {
    for (let n = 1; n <= 1_000; n++) {
      last = store.append({ kind: 'admit-agent', agentId: id(n), info: { ...info(n), hostname: `host-${n}-${padding}` } });
    }
    await store.whenDurable(last);
    for (let n = 11; n <= 1_000; n++) last = store.append({ kind: 'remove-agent', agentId: id(n) });
    await store.whenDurable(last);
  }
  assert.ok(store.stats.compactions >= 1, 'the log was compacted');
  last = store.append({ kind: 'mark-agent-unreachable', agentId: id(1), info: info(1), unreachableAtMs: 5 });
  await store.whenDurable(last);
  await store.close();
  const size = readFileSync(path).byteLength;
  assert.ok(size < 3 * 1024 * 1024, `the compacted log is well under the 5.5 MB written (${size} bytes)`);
  const recovered = new AgentRegistryStore(path).load();
  assert.deepEqual(recovered.admitted.map((a) => a.agentId), [2, 3, 4, 5, 6, 7, 8, 9, 10].map(id));
  assert.deepEqual(recovered.unreachable, [{ agentId: id(1), info: info(1), unreachableAtMs: 5 }]);
}));

test('a missing log is an empty registry, and appending after a restart extends it', withFolder(async (folder) => {
  const path = join(folder, 'sub', 'agents.log');
  const first = new AgentRegistryStore(path);
  assert.deepEqual(first.load(), { admitted: [], unreachable: [] });
  await first.whenDurable(first.append({ kind: 'admit-agent', agentId: id(1), info: info(1) }));
  await first.close();
  appendFileSync(path, ''); // Nothing torn: the file ends with a newline.
  const second = new AgentRegistryStore(path);
  assert.equal(second.load().admitted.length, 1);
  await second.whenDurable(second.append({ kind: 'admit-agent', agentId: id(2), info: info(2) }));
  await second.close();
  assert.equal(new AgentRegistryStore(path).load().admitted.length, 2);
}));
