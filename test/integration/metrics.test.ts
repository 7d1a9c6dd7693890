/**
 * Goal: a real master and its agents serve Mesos' `/metrics/snapshot` and Prometheus' `/metrics`:
 * after a task finishes, the master counts it, its updates and their acknowledgements, its
 * agents' registrations and its allocation runs (with the timer's window keys), the agent that
 * ran it counts it too, both show the host's `system/*` gauges, and both `/metrics` answers parse
 * as Prometheus text and agree with the snapshots. (test/integration/prometheus.test.ts has a
 * real Prometheus scrape them.)
 * Method: a master and two agents as processes (TestCluster), one task through the test
 * framework, then plain HTTP GETs on loopback; a small parser of the text format written here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Endpoint } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

let cluster: TestCluster;
let framework: TestFramework;

before(async () => {
  cluster = await new TestCluster({ agents: 2 }).start();
  framework = await new TestFramework(cluster.masterAddress, 'metrics-test').start();
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

function masterEndpoint(): Endpoint {
  const [host, port] = cluster.masterAddress.split(':') as [string, string];
  return { host, port: Number(port) };
}

async function snapshotOf(endpoint: Endpoint, query = ''): Promise<Record<string, number>> {
  const result = await request(endpoint, 'GET', `/metrics/snapshot${query}`);
  assert.equal(result.status, 200, result.body);
  assert.match(String(result.headers['content-type']), /^application\/json/);
  const body = JSON.parse(result.body) as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) assert.equal(typeof value, 'number', `${key} is a number`);
  return body as Record<string, number>;
}

interface PrometheusFamily {
  type: string;
  help: string;
  /** Series (name and labels as written) → value. */
  samples: Map<string, number>;
}

/**
 * Parses Prometheus text (format 0.0.4) strictly enough to catch what a scraper refuses: every
 * sample after its family's HELP and TYPE, names and labels well formed, values numbers, no
 * family declared twice and no series twice.
 */
function parsePrometheus(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const sampleLine = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*\\})? (\\S+)$`);
  let current: string | null = null;
  assert.ok(text.endsWith('\n'), 'the text ends with a line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help) {
      const name = help[1] as string;
      assert.match(name, new RegExp(`^${NAME}$`), line);
      assert.ok(!families.has(name), `${name} is declared once`);
      families.set(name, { type: '', help: help[2] as string, samples: new Map() });
      current = name;
      continue;
    }
    const type = /^# TYPE (\S+) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (type) {
      assert.equal(type[1], current, `TYPE follows the HELP of ${type[1]}`);
      const family = families.get(type[1] as string) as PrometheusFamily;
      assert.equal(family.type, '', `${type[1]} has one TYPE`);
      family.type = type[2] as string;
      continue;
    }
    assert.ok(!line.startsWith('#'), `an unknown comment line: ${line}`);
    const sample = sampleLine.exec(line);
    assert.ok(sample, `a well-formed sample: ${line}`);
    assert.equal(sample[1], current, `${sample[1]} belongs to the family declared above it`);
    const value = Number(sample[3] === '+Inf' ? Infinity : sample[3] === '-Inf' ? -Infinity : sample[3]);
    assert.ok(!Number.isNaN(value) || sample[3] === 'NaN', `a number: ${line}`);
    const family = families.get(current as string) as PrometheusFamily;
    assert.notEqual(family.type, '', `${current} has a TYPE before its samples`);
    const series = `${sample[1]}${sample[2] ?? ''}`;
    assert.ok(!family.samples.has(series), `${series} appears once`);
    family.samples.set(series, value);
  }
  return families;
}

async function prometheusOf(endpoint: Endpoint): Promise<Map<string, PrometheusFamily>> {
  const result = await request(endpoint, 'GET', '/metrics');
  assert.equal(result.status, 200, result.body);
  assert.match(String(result.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(result.body);
}

const sampleOf = (families: Map<string, PrometheusFamily>, series: string): number | undefined =>
  families.get(series.replace(/\{.*$/, ''))?.samples.get(series);

test('after a task finishes: the master snapshot counts it, its agents and its allocation runs', async () => {
  framework.launch({ id: 'done', command: 'true' });
  const status = await framework.waitForState('done', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR']);
  assert.equal(status.state, 'TASK_FINISHED', status.message ?? '');

  // The periodic allocation runs every 100 ms here: two runs (the window keys) come quickly.
  const master = await waitFor('two allocation runs', async () => {
    const snapshot = await snapshotOf(masterEndpoint());
    return (snapshot['allocator/mesos/allocation_run_ms/count'] ?? 0) >= 2 ? snapshot : undefined;
  });
  assert.ok((master['master/tasks_finished'] ?? 0) >= 1, 'tasks_finished');
  assert.equal(master['master/slaves_active'], 2);
  assert.equal(master['master/slaves_connected'], 2);
  assert.equal(master['master/slaves_inactive'], 0);
  assert.equal(master['master/frameworks_active'], 1);
  assert.equal(master['master/elected'], 1);
  assert.ok((master['master/uptime_secs'] ?? 0) > 0);
  assert.equal(master['master/cpus_total'], 8, 'two agents of 4 cpus');
  assert.equal(master['master/mem_total'], 8192);
  assert.ok((master['allocator/mesos/allocation_runs'] ?? 0) > 0, 'allocation_runs');
  for (const suffix of ['', '/count', '/min', '/max', '/p50', '/p90', '/p95', '/p99', '/p999', '/p9999']) {
    assert.equal(typeof master[`allocator/mesos/allocation_run_ms${suffix}`], 'number', `allocation_run_ms${suffix}`);
  }
  assert.ok((master['allocator/mesos/allocation_run_ms/min'] ?? -1) <= (master['allocator/mesos/allocation_run_ms/max'] ?? -1));
  assert.ok((master['master/messages_launch_tasks'] ?? 0) >= 1);
  assert.ok((master['master/messages_register_framework'] ?? 0) >= 1);
  assert.ok((master['master/messages_status_update'] ?? 0) >= 3, 'STARTING, RUNNING, FINISHED');
  assert.ok((master['master/valid_status_updates'] ?? 0) >= 3);
  assert.ok((master['master/valid_status_update_acknowledgements'] ?? 0) >= 3, 'the framework acknowledged them');
  assert.equal(master['master/invalid_status_update_acknowledgements'], 0);
  assert.equal(master['master/slave_registrations'], 2);
  assert.equal(master['master/slave_removals'], 0);
  assert.equal(master['master/cpus_revocable_total'], 0);
  assert.ok((master['system/cpus_total'] ?? 0) >= 1, "the host's system gauges");
  assert.ok((master['system/mem_total_bytes'] ?? 0) > 0);
  assert.equal(master['allocator/mesos/resources/cpus/total'], 8);

  const garbage = await request(masterEndpoint(), 'GET', '/metrics/snapshot?timeout=soon');
  assert.equal(garbage.status, 400);
  assert.match(garbage.body, /^Invalid timeout 'soon'/);
  assert.equal(typeof (await snapshotOf(masterEndpoint(), '?timeout=5secs'))['master/uptime_secs'], 'number');
});

test('the agent that ran the task counts it', async () => {
  const status = await framework.waitForState('done', ['TASK_FINISHED']);
  const slave = (await cluster.slaves()).find((s) => s.id === status.agent_id?.value);
  assert.ok(slave, 'the agent is registered');
  const agent: Endpoint = { host: '127.0.0.1', port: slave.port ?? 0 };
  const snapshot = await snapshotOf(agent);
  assert.ok((snapshot['slave/tasks_finished'] ?? 0) >= 1, 'slave/tasks_finished');
  assert.equal(snapshot['slave/registered'], 1);
  assert.equal(snapshot['slave/cpus_total'], 4);
  assert.equal(snapshot['slave/mem_total'], 4096);
  assert.equal(snapshot['slave/disk_total'], 4096);
  assert.ok((snapshot['slave/valid_status_updates'] ?? 0) >= 3);
  assert.equal(snapshot['slave/tasks_running'], 0);
  assert.equal(snapshot['slave/executors_terminating'], 0);
  assert.equal(snapshot['slave/container_launch_errors'], 0);
  assert.ok((snapshot['system/cpus_total'] ?? 0) >= 1);
  assert.ok((snapshot['slave/uptime_secs'] ?? 0) > 0);
});

test('/metrics on the master and on an agent parse as Prometheus text and agree with the snapshots', async () => {
  const masterFamilies = await prometheusOf(masterEndpoint());
  const master = await snapshotOf(masterEndpoint());
  assert.equal(masterFamilies.get('mesos_master_cpus_total')?.type, 'gauge');
  assert.equal(sampleOf(masterFamilies, 'mesos_master_cpus_total'), master['master/cpus_total']);
  assert.equal(masterFamilies.get('mesos_master_tasks_finished_total')?.type, 'counter');
  assert.ok((sampleOf(masterFamilies, 'mesos_master_tasks_finished_total') ?? 0) >= 1);
  assert.equal(sampleOf(masterFamilies, 'mesos_master_slaves_active'), 2);
  assert.ok((sampleOf(masterFamilies, 'mesos_allocator_mesos_allocation_runs_total') ?? 0) > 0);
  assert.equal(sampleOf(masterFamilies, 'mesos_allocator_resource_total{resource="cpus"}'), 8);
  assert.equal(typeof sampleOf(masterFamilies, 'mesos_allocator_role_share_dominant{role="*"}'), 'number');
  assert.equal(masterFamilies.get('mesos_allocator_mesos_allocation_run_ms_window_quantile')?.samples.size, 6);

  const slave = (await cluster.slaves())[0];
  assert.ok(slave);
  const agentFamilies = await prometheusOf({ host: '127.0.0.1', port: slave.port ?? 0 });
  assert.equal(agentFamilies.get('mesos_slave_registered')?.type, 'gauge');
  assert.equal(sampleOf(agentFamilies, 'mesos_slave_registered'), 1);
  assert.equal(agentFamilies.get('mesos_slave_tasks_finished_total')?.type, 'counter');
});
