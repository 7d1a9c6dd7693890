/**
 * Goal: a real Prometheus server scrapes a running cluster: it accepts the master's and the
 * agent's whole `/metrics` exposition (`up` is 1 for both, no scrape error), stores the values
 * the cluster shows (a running task counted by the master and by the agent that runs it, the
 * agent's cpus, a labelled allocator series, the agent's registration), and learns the types
 * Mesos documents (tasks_finished a counter, tasks_running a gauge).
 * Method: a master and one agent as processes (TestCluster) with a long task of the test
 * framework; Debian's prometheus (installed by scripts/ensure-debian.js when missing; the test
 * fails when it cannot be) on 127.0.0.1 with a free port, scraping both every second into a
 * temporary folder; its HTTP API polled within a bound until the values arrive; Prometheus
 * stopped by PID and its folder removed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, waitFor } from './cluster.js';
import { ensurePrometheusInstalled, PrometheusServer, type PromSample } from './prometheus-server.js';
import { TestFramework } from './test-framework.js';

/** Scrapes every second, but Prometheus takes up new targets only every 5 s: bounded loosely for a busy machine. */
const SCRAPED_WITHIN_MS = 60_000;

let cluster: TestCluster;
let framework: TestFramework;
let prometheus: PrometheusServer;

before(async () => {
  ensurePrometheusInstalled();
  cluster = await new TestCluster({ agents: 1 }).start();
  framework = await new TestFramework(cluster.masterAddress, 'prometheus-test').start();
  framework.launch({ id: 'long', command: 'sleep 300', cpus: 1, mem: 64 });
  const status = await framework.waitForState('long', ['TASK_RUNNING', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR']);
  assert.equal(status.state, 'TASK_RUNNING', status.message ?? '');
  const [agent] = await cluster.slaves();
  assert.ok(agent?.port, 'the agent is registered with its port');
  prometheus = await new PrometheusServer([
    { job: 'meridian-master', target: cluster.masterAddress },
    { job: 'meridian-agent', target: `127.0.0.1:${agent.port}` },
  ]).start();
}, { timeout: 20 * 60 * 1000 });

after(async () => {
  await prometheus?.stop();
  await framework?.stop();
  await cluster?.stop();
});

/** Waits until `promql` returns exactly one series whose value is `expected`; returns that series. */
async function waitForValue(promql: string, expected: number): Promise<PromSample> {
  let last: PromSample[] = [];
  try {
    return await waitFor(`${promql} == ${expected}`, async () => {
      last = await prometheus.query(promql);
      return last.length === 1 && Number(last[0]?.value[1]) === expected ? last[0] : undefined;
    }, SCRAPED_WITHIN_MS, 500);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last answer: ${JSON.stringify(last)}; targets: ${JSON.stringify(await targetHealth())}`);
  }
}

/** Each target's health and last scrape error, as Prometheus reports them. */
async function targetHealth(): Promise<Array<{ job: string; health: string; lastError: string }>> {
  const data = await prometheus.api<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>('/api/v1/targets');
  return data.activeTargets.map((t) => ({ job: t.labels.job ?? '', health: t.health, lastError: t.lastError }));
}

test('Prometheus scrapes the master and the agent: both targets up, without a scrape error', async () => {
  for (const job of ['meridian-master', 'meridian-agent']) {
    const up = await waitForValue(`up{job="${job}"}`, 1);
    assert.equal(up.metric.job, job);
  }
  for (const target of await targetHealth()) {
    assert.equal(target.health, 'up', `${target.job}: ${target.lastError}`);
    assert.equal(target.lastError, '', target.job);
  }
});

test('the values Prometheus stores are the cluster’s: the running task, the agent’s cpus, a labelled allocator series', async () => {
  await waitForValue('mesos_master_tasks_running{job="meridian-master"}', 1);
  await waitForValue('mesos_slave_tasks_running{job="meridian-agent"}', 1);
  await waitForValue('mesos_slave_registered', 1);
  await waitForValue('mesos_slave_cpus_total', 4);
  await waitForValue('mesos_master_cpus_used', 1);
  await waitForValue('mesos_master_slave_registrations_total', 1);
  const cpus = await waitForValue('mesos_allocator_resource_total{resource="cpus"}', 4);
  assert.equal(cpus.metric.resource, 'cpus');
  // A counter Prometheus can do arithmetic on: the task's STARTING and RUNNING updates at least.
  const updates = await prometheus.query('mesos_master_messages_status_update_total');
  assert.ok(Number(updates[0]?.value[1]) >= 2, JSON.stringify(updates));
  const system = await prometheus.query('mesos_system_cpus_total');
  assert.equal(system.length, 2, 'the master and the agent both show the host');
});

test('Prometheus learns the types Mesos documents: tasks_finished a counter, tasks_running and cpus_total gauges', async () => {
  const metadata = await waitFor('metadata of the scraped families', async () => {
    const data = await prometheus.api<Record<string, Array<{ type: string; help: string }>>>('/api/v1/metadata');
    return data.mesos_master_tasks_finished_total && data.mesos_slave_tasks_running ? data : undefined;
  }, SCRAPED_WITHIN_MS, 500);
  assert.equal(metadata.mesos_master_tasks_finished_total?.[0]?.type, 'counter');
  assert.equal(metadata.mesos_master_slave_removals_total?.[0]?.type, 'counter');
  assert.equal(metadata.mesos_master_tasks_running?.[0]?.type, 'gauge');
  assert.equal(metadata.mesos_master_cpus_total?.[0]?.type, 'gauge');
  assert.equal(metadata.mesos_slave_tasks_running?.[0]?.type, 'gauge');
  assert.equal(metadata.mesos_slave_tasks_finished_total?.[0]?.type, 'counter');
  assert.ok((metadata.mesos_master_tasks_running?.[0]?.help ?? '').length > 0, 'with its help text');
});
