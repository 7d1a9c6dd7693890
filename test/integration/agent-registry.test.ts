/**
 * Goal: the master's registry of agents carries a failover. With an agent down (its task still
 * running) when the master restarts, the agent is a recovered agent: a framework that reconciles
 * the task naming the agent hears nothing (not TASK_LOST, which would make it relaunch a task
 * that is running), GET_AGENTS lists the agent under recovered_agents, and once the agent is back
 * the task is RUNNING again. With a short --agent_reregister_timeout the agent is instead marked
 * unreachable and reconciliation answers TASK_LOST.
 * Method: real processes; the agent is stopped with SIGTERM (executors keep running), the master
 * with SIGKILL, then the master is started again on the same work_dir and address.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../../src/common/http/client.js';
import { sleep, TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const started: Array<{ cluster: TestCluster; framework?: TestFramework }> = [];

after(async () => {
  for (const { cluster, framework } of started) {
    await framework?.stop();
    await cluster.stop();
  }
});

async function operator(cluster: TestCluster, type: string): Promise<Json> {
  const result = await request(cluster.masterEndpoint(), 'POST', '/api/v1', JSON.stringify({ type }), { 'content-type': 'application/json', accept: 'application/json' });
  assert.equal(result.status, 200, `${type}: ${result.body}`);
  return JSON.parse(result.body) as Json;
}

async function metric(cluster: TestCluster, name: string): Promise<number | undefined> {
  const snapshot = await cluster.get<Record<string, number>>('/metrics/snapshot').catch(() => undefined);
  return snapshot?.[name];
}

/**
 * A cluster of one agent running task `survivor`; the agent stopped (SIGTERM) and the master
 * restarted (SIGKILL), and the framework resubscribed to the new master.
 */
async function failedOverWithAgentDown(masterFlags: string[]): Promise<{ cluster: TestCluster; framework: TestFramework; agentId: string; agentPort: number }> {
  const cluster = await new TestCluster({ agents: 1, masterFlags }).start();
  const entry: { cluster: TestCluster; framework?: TestFramework } = { cluster };
  started.push(entry);
  const framework = await new TestFramework(cluster.masterAddress, 'registry-test', { failoverTimeoutSeconds: 300 }).start();
  entry.framework = framework;
  framework.launch({ id: 'survivor', command: 'sleep 120' });
  const running = await framework.waitForState('survivor', ['TASK_RUNNING']);
  const agentId = running.agent_id?.value as string;
  // The executors reconnect to the agent's address, so a restarted agent must take the same port.
  const agentPort = (await cluster.slaves()).find((s) => s.id === agentId)?.port as number;
  const agent = cluster.agents[0];
  assert.ok(agent);
  cluster.executorHostPid(0); // Remembered, so stop() ends the executors the stopped agent leaves running.
  agent.child.kill('SIGTERM');
  await Promise.race([agent.exited, sleep(10_000)]);
  assert.notEqual(agent.child.exitCode ?? agent.child.signalCode, null, 'the agent stopped');
  const subscriptions = framework.events.filter((e) => e.type === 'SUBSCRIBED').length;
  await cluster.restartMaster();
  await waitFor('the framework to resubscribe', () => (framework.events.filter((e) => e.type === 'SUBSCRIBED').length > subscriptions ? true : undefined), 20_000);
  return { cluster, framework, agentId, agentPort };
}

test('a task on an agent that has not reregistered after a master failover is not reported lost; it is RUNNING once the agent is back', async () => {
  const { cluster, framework, agentId, agentPort } = await failedOverWithAgentDown([]);
  const seen = framework.states('survivor').length;
  await framework.client.reconcile([{ taskId: 'survivor', agentId }]);
  await sleep(2_500);
  assert.deepEqual(framework.states('survivor').slice(seen), [], 'reconciliation answered nothing for the recovered agent');

  const agents = (await operator(cluster, 'GET_AGENTS')).get_agents as Json;
  assert.deepEqual((agents.recovered_agents as Json[]).map((info) => info.id.value), [agentId]);
  assert.equal(agents.agents, undefined, 'no agent is registered');
  const state = await cluster.get<Json>('/master/state');
  assert.deepEqual((state.recovered_slaves as Json[]).map((slave) => slave.id), [agentId]);
  assert.equal(await metric(cluster, 'master/recovery_slave_removals'), 0);

  cluster.startAgent(0, agentPort);
  await cluster.waitForAgents(1);
  await framework.client.reconcile([{ taskId: 'survivor', agentId }]);
  await waitFor('a RUNNING answer after the agent reregistered', () => (framework.states('survivor').slice(seen).includes('TASK_RUNNING') ? true : undefined), 15_000);
  assert.ok(!framework.states('survivor').slice(seen).some((s) => s === 'TASK_LOST' || s === 'TASK_UNKNOWN'));
  const after = (await operator(cluster, 'GET_AGENTS')).get_agents as Json;
  assert.equal(after.recovered_agents, undefined, 'no agent is left recovered');
  assert.deepEqual((after.agents as Json[]).map((a) => a.agent_info.id.value), [agentId]);
});

test('with a short --agent_reregister_timeout the agent is marked unreachable and reconciliation answers TASK_LOST', async () => {
  const { cluster, framework, agentId } = await failedOverWithAgentDown(['--agent_reregister_timeout=2secs']);
  await waitFor('the recovered agent to be marked unreachable', async () => ((await metric(cluster, 'master/recovery_slave_removals')) === 1 ? true : undefined), 15_000);
  assert.equal(await metric(cluster, 'master/slaves_unreachable'), 1);
  assert.equal(((await operator(cluster, 'GET_AGENTS')).get_agents as Json).recovered_agents, undefined);
  const seen = framework.states('survivor').length;
  await framework.client.reconcile([{ taskId: 'survivor', agentId }]);
  const lost = await waitFor('a reconciliation answer', () => framework.statuses.get('survivor')?.slice(seen)[0], 10_000);
  assert.equal(lost.state, 'TASK_LOST');
  assert.equal(lost.reason, 'REASON_RECONCILIATION');
  assert.equal(lost.agent_id?.value, agentId);
});
