/**
 * End to end on real processes: a master and two agents on 127.0.0.1, tasks launched through the
 * Scheduler API by the SDK, executed by the agents' executors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

const CUSTOM_EXECUTOR = fileURLToPath(new URL('../../../test/fixtures/custom-executor.mjs', import.meta.url));

let cluster: TestCluster;
let framework: TestFramework;

before(async () => {
  cluster = await new TestCluster({ agents: 2 }).start();
  framework = await new TestFramework(cluster.masterAddress).start();
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

test('20 tasks across two agents all finish', async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `many-${i}`);
  // 0.3 cpus each: one 4-cpu agent holds 13 of them at most, so both agents are used.
  framework.launch(...ids.map((id) => ({ id, command: 'echo "hello from $MESOS_TASK_ID"; sleep 1', cpus: 0.3 })));
  for (const id of ids) {
    const status = await framework.waitForState(id, ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_DROPPED'], 40_000);
    assert.equal(status.state, 'TASK_FINISHED', `${id}: ${status.message ?? ''}`);
    assert.deepEqual(framework.states(id), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  }
  const agentsUsed = new Set(ids.map((id) => framework.lastStatus(id)?.agent_id?.value));
  assert.equal(agentsUsed.size, 2, 'tasks ran on both agents');
  const finished = framework.lastStatus('many-0') as NonNullable<ReturnType<TestFramework['lastStatus']>>;
  assert.equal(finished.source, 'SOURCE_EXECUTOR');
  assert.ok(finished.uuid, 'updates carry a uuid');
  assert.ok(finished.timestamp && finished.timestamp > 1e9, 'updates carry a timestamp in seconds');
  assert.equal(finished.executor_id?.value, 'many-0', 'the command executor is named after its task');
});

test('the task output lands in the sandbox', async () => {
  framework.launch({ id: 'output', command: 'echo out-text; echo err-text >&2' });
  const status = await framework.waitForState('output', ['TASK_FINISHED', 'TASK_FAILED']);
  assert.equal(status.state, 'TASK_FINISHED');
  const agentIndex = await agentIndexOf(status.agent_id?.value ?? '');
  const agentDir = join(cluster.root, `agent-${agentIndex}`);
  const sandboxRoot = join(agentDir, 'slaves', status.agent_id?.value ?? '', 'frameworks', framework.frameworkId, 'executors', 'output', 'runs');
  const run = await waitFor('the sandbox', () => (existsSync(sandboxRoot) ? true : undefined));
  assert.ok(run);
  const entries = readdirSync(sandboxRoot).sort();
  assert.equal(entries.length, 2, `one run and 'latest': ${entries.join(', ')}`);
  const container = entries.find((entry) => entry !== 'latest') as string;
  assert.equal(readlinkSync(join(sandboxRoot, 'latest')), container, "'runs/latest' points at the run");
  assert.match(readFileSync(join(sandboxRoot, container, 'stdout'), 'utf8'), /out-text/);
  assert.match(readFileSync(join(sandboxRoot, 'latest', 'stderr'), 'utf8'), /err-text/);
});

test('a task that exits 3 fails with its exit status', async () => {
  framework.launch({ id: 'exit-3', command: 'exit 3' });
  const status = await framework.waitForState('exit-3', ['TASK_FINISHED', 'TASK_FAILED']);
  assert.equal(status.state, 'TASK_FAILED');
  assert.match(status.message ?? '', /status 3/);
});

test('KILL ends a running task with TASK_KILLED', async () => {
  framework.launch({ id: 'to-kill', command: 'sleep 60', killGraceSeconds: 1 });
  const running = await framework.waitForState('to-kill', ['TASK_RUNNING']);
  await framework.client.kill('to-kill', running.agent_id?.value);
  const status = await framework.waitForState('to-kill', ['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED'], 10_000);
  assert.equal(status.state, 'TASK_KILLED');
});

test('RECONCILE answers for known and unknown tasks', async () => {
  framework.launch({ id: 'reconciled', command: 'sleep 30' });
  const running = await framework.waitForState('reconciled', ['TASK_RUNNING']);
  const before = framework.events.length;
  await framework.client.reconcile([{ taskId: 'reconciled', agentId: running.agent_id?.value as string }, { taskId: 'never-launched' }]);
  await waitFor('reconciliation updates', () => {
    const updates = framework.events.slice(before).filter((e) => e.type === 'UPDATE');
    return updates.length >= 2 ? updates : undefined;
  });
  const reconciled = framework.statuses.get('reconciled')?.at(-1);
  assert.equal(reconciled?.state, 'TASK_RUNNING');
  assert.equal(reconciled?.reason, 'REASON_RECONCILIATION');
  const unknown = framework.statuses.get('never-launched')?.at(-1);
  assert.equal(unknown?.state, 'TASK_LOST');
  assert.equal(unknown?.reason, 'REASON_RECONCILIATION');
  // Implicit reconciliation: every task the master knows comes back.
  const mark = framework.events.length;
  await framework.client.reconcile([]);
  await waitFor('implicit reconciliation', () =>
    framework.events.slice(mark).some((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'reconciled') ? true : undefined);
  await framework.client.kill('reconciled');
  await framework.waitForState('reconciled', ['TASK_KILLED']);
});

test('a task group runs under one executor, and one failure kills the group', async () => {
  framework.launchGroup('group-executor', [
    { id: 'group-ok', command: 'sleep 30' },
    { id: 'group-bad', command: 'sleep 1; exit 1' },
  ]);
  const bad = await framework.waitForState('group-bad', ['TASK_FAILED', 'TASK_FINISHED'], 20_000);
  assert.equal(bad.state, 'TASK_FAILED');
  const ok = await framework.waitForState('group-ok', ['TASK_KILLED', 'TASK_FINISHED', 'TASK_FAILED'], 20_000);
  assert.equal(ok.state, 'TASK_KILLED');
  assert.equal(ok.executor_id?.value, 'group-executor');
});

test("a framework's own executor runs its tasks over the Executor API", async () => {
  const executor = {
    executor_id: { value: 'custom-executor' },
    name: 'a third-party executor',
    command: { value: `${JSON.stringify(process.execPath)} ${JSON.stringify(CUSTOM_EXECUTOR)}`, shell: true },
    resources: [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } }],
  };
  framework.launch({ id: 'custom-1', command: '', executor, data: 'first' });
  const first = await framework.waitForState('custom-1', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST'], 20_000);
  assert.equal(first.state, 'TASK_FINISHED', first.message);
  assert.equal(first.message, 'custom executor says: first');
  assert.deepEqual(framework.states('custom-1'), ['TASK_RUNNING', 'TASK_FINISHED']);
  // A second task on the same agent goes to the executor already running there.
  framework.launch({ id: 'custom-2', command: '', executor, data: 'second' });
  const second = await framework.waitForState('custom-2', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST'], 20_000);
  assert.equal(second.message, 'custom executor says: second');
  await waitFor('the executor to exit', () =>
    framework.events.some((e) => e.type === 'FAILURE' && e.failure.executor_id?.value === 'custom-executor') ? true : undefined, 20_000);
});

// Runs right after the custom executor test on purpose: that executor may still be alive on the
// agent we kill, and dies with it. Recovery once dropped a live executor when it ended a dead one
// of the same framework first.
test('an agent restarted keeps its running task, which finishes', async () => {
  framework.launch({ id: 'survivor', command: 'sleep 5' });
  const running = await framework.waitForState('survivor', ['TASK_RUNNING']);
  const index = await agentIndexOf(running.agent_id?.value ?? '');
  const port = (await cluster.slaves()).find((s) => s.id === running.agent_id?.value)?.port as number;
  // Twice: the second restart recovers from the journal the first one compacted.
  const reregisteredAt = async () =>
    (await cluster.get<{ slaves: Array<{ id: string; reregistered_time?: number }> }>('/master/slaves')).slaves.find((s) => s.id === running.agent_id?.value)?.reregistered_time ?? 0;
  for (let restart = 0; restart < 2; restart++) {
    const before = await reregisteredAt();
    const agent = cluster.agents[index] as NonNullable<(typeof cluster.agents)[number]>;
    agent.child.kill('SIGKILL');
    await agent.exited;
    cluster.startAgent(index, port);
    await waitFor('the agent to reregister', async () => ((await reregisteredAt()) > before ? true : undefined));
  }
  const finished = await framework.waitForState('survivor', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST'], 30_000);
  assert.equal(finished.state, 'TASK_FINISHED', finished.message);
  assert.equal(finished.agent_id?.value, running.agent_id?.value);
});

test('an agent killed for good: its tasks are reported to the framework', async () => {
  framework.launch({ id: 'orphan', command: 'sleep 60' });
  const running = await framework.waitForState('orphan', ['TASK_RUNNING']);
  const index = await agentIndexOf(running.agent_id?.value ?? '');
  const agent = cluster.agents[index] as NonNullable<(typeof cluster.agents)[number]>;
  cluster.executorHostPid(index);
  agent.child.kill('SIGKILL');
  const lost = await framework.waitForState('orphan', ['TASK_LOST', 'TASK_UNREACHABLE'], 20_000);
  assert.equal(lost.state, 'TASK_LOST');
  assert.equal(lost.reason, 'REASON_AGENT_REMOVED');
  assert.ok(framework.events.some((e) => e.type === 'FAILURE' && e.failure.agent_id?.value === running.agent_id?.value && !e.failure.executor_id));
});

async function agentIndexOf(agentId: string): Promise<number> {
  const slave = (await cluster.slaves()).find((s) => s.id === agentId);
  assert.ok(slave, `agent ${agentId} is registered`);
  for (const agent of cluster.agents) {
    if (agent && agent.args.some((a) => a === `--work_dir=${join(cluster.root, `agent-${agent.index}`)}`)) {
      const state = await fetch(`http://127.0.0.1:${slave.port}/state`).then((r) => r.json() as Promise<{ flags: { work_dir: string } }>);
      if (state.flags.work_dir === join(cluster.root, `agent-${agent.index}`)) return agent.index;
    }
  }
  throw new Error(`no agent process for ${agentId}`);
}
