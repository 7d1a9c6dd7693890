/**
 * A master that dies and comes back: agents reregister with their tasks, the framework resubscribes
 * under its id (within its failover timeout), and its running task goes on to finish.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

let cluster: TestCluster;
let framework: TestFramework;

before(async () => {
  cluster = await new TestCluster({ agents: 1 }).start();
  framework = await new TestFramework(cluster.masterAddress, 'failover-test', { failoverTimeoutSeconds: 300 }).start();
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

test('after a master restart the task is known again and its end is reported', async () => {
  framework.launch({ id: 'outlives-master', command: 'sleep 5' });
  const running = await framework.waitForState('outlives-master', ['TASK_RUNNING']);
  const frameworkId = framework.frameworkId;
  await cluster.restartMaster();
  await cluster.waitForAgents(1);
  // The SDK resubscribes by itself; the new master learns the framework from it.
  // The task may end while the master is down; once the framework acknowledges that, the master
  // moves it to completed_tasks, possibly between two polls, so either list counts.
  type Listed = { id: string; tasks: Array<{ id: string }>; completed_tasks: Array<{ id: string }> };
  await waitFor('the framework to resubscribe', async () => {
    const state = await cluster.get<{ frameworks: Listed[] }>('/master/state').catch(() => undefined);
    const known = state?.frameworks.find((f) => f.id === frameworkId);
    return [...(known?.tasks ?? []), ...(known?.completed_tasks ?? [])].some((t) => t.id === 'outlives-master') ? true : undefined;
  }, 20_000);
  const finished = await framework.waitForState('outlives-master', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST'], 20_000);
  assert.equal(finished.state, 'TASK_FINISHED');
  assert.equal(finished.agent_id?.value, running.agent_id?.value);
  assert.equal(framework.frameworkId, frameworkId, 'the framework kept its id');
});
