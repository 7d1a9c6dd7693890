/**
 * Goal: on a real cluster the master's Operator API (`POST /api/v1`) answers every call of issue 4
 * with Mesos' status, content type and JSON shape: GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS,
 * GET/SET_LOGGING_LEVEL, GET_STATE and its parts, GET_ROLES, GET_MASTER, TEARDOWN and
 * MARK_AGENT_GONE; bad calls get a 4xx naming the problem; a gone agent is shut down, stays
 * refused when it comes back, also after a master restart.
 * Method: a master and two agents as processes (TestCluster), a task from the test framework,
 * plain HTTP on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cluster: TestCluster;
let framework: TestFramework;

before(async () => {
  cluster = await new TestCluster({ agents: 2 }).start();
  framework = await new TestFramework(cluster.masterAddress, 'operator-api-test').start();
  framework.launch({ id: 'long', command: 'sleep 60' });
  await framework.waitForState('long', ['TASK_RUNNING']);
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

const call = (body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
  request(cluster.masterEndpoint(), 'POST', '/api/v1', typeof body === 'string' ? body : JSON.stringify(body), headers);

/** A 200 JSON answer of the call's type; its body. */
async function answer(body: { type: string } & Record<string, unknown>): Promise<Json> {
  const result = await call(body);
  assert.equal(result.status, 200, `${body.type}: ${result.body}`);
  assert.match(String(result.headers['content-type']), /^application\/json/);
  const parsed = JSON.parse(result.body) as Json;
  assert.equal(parsed.type, body.type);
  return parsed;
}

test('GET_HEALTH, GET_VERSION, GET_FLAGS, GET_MASTER and GET_METRICS', async () => {
  assert.deepEqual(await answer({ type: 'GET_HEALTH' }), { type: 'GET_HEALTH', get_health: { healthy: true } });
  assert.equal((await answer({ type: 'GET_VERSION' })).get_version.version_info.version, '1.11.0');
  const flags = (await answer({ type: 'GET_FLAGS' })).get_flags.flags as Array<{ name: string; value: string }>;
  assert.deepEqual(flags.find((f) => f.name === 'allocation_interval'), { name: 'allocation_interval', value: '100ms' });
  assert.deepEqual(flags.find((f) => f.name === 'agent_ping_timeout'), { name: 'agent_ping_timeout', value: '1secs' });
  const master = (await answer({ type: 'GET_MASTER' })).get_master;
  assert.equal(master.master_info.pid, `master@${cluster.masterAddress}`);
  assert.equal(master.master_info.port, cluster.masterEndpoint().port);
  assert.ok(master.start_time > 1e9 && master.elected_time >= master.start_time);
  const metrics = (await answer({ type: 'GET_METRICS', get_metrics: {} })).get_metrics.metrics as Array<{ name: string; value: number }>;
  const value = (name: string) => metrics.find((m) => m.name === name)?.value;
  assert.equal(value('master/slaves_active'), 2);
  assert.equal(value('master/tasks_running'), 1);
  assert.equal(value('master/operator_event_stream_subscribers'), 0);
});

test('GET_STATE and its parts show the agents, the framework and its running task', async () => {
  const state = (await answer({ type: 'GET_STATE' })).get_state;
  assert.deepEqual(Object.keys(state).sort(), ['get_agents', 'get_executors', 'get_frameworks', 'get_tasks']);
  assert.equal(state.get_agents.agents.length, 2);
  for (const agent of state.get_agents.agents) {
    assert.equal(agent.active, true);
    assert.match(agent.pid, /^slave\(1\)@127\.0\.0\.1:\d+$/);
    assert.ok(agent.registered_time.nanoseconds > 1e18);
    assert.deepEqual(agent.total_resources.find((r: Json) => r.name === 'cpus'), { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' });
  }
  const [running] = state.get_tasks.tasks;
  assert.equal(running.task_id.value, 'long');
  assert.equal(running.state, 'TASK_RUNNING');
  assert.deepEqual(running.framework_id, { value: framework.frameworkId });
  const host = state.get_agents.agents.find((a: Json) => a.agent_info.id.value === running.agent_id.value);
  assert.deepEqual(host.allocated_resources.map((r: Json) => [r.name, r.scalar.value, r.allocation_info.role]).sort(), [['cpus', 0.1, '*'], ['mem', 32, '*']]);
  const mine = state.get_frameworks.frameworks.find((f: Json) => f.framework_info.id.value === framework.frameworkId);
  assert.equal(mine.framework_info.name, 'operator-api-test');
  assert.equal(mine.connected, true);

  assert.deepEqual((await answer({ type: 'GET_AGENTS' })).get_agents.agents.map((a: Json) => a.agent_info.id.value).sort(),
    state.get_agents.agents.map((a: Json) => a.agent_info.id.value).sort());
  // The test agents have no attributes: protobuf's JSON leaves the empty list out, as Mesos does.
  assert.ok(state.get_agents.agents.every((a: Json) => !('attributes' in a.agent_info)));
  assert.ok((await answer({ type: 'GET_FRAMEWORKS' })).get_frameworks.frameworks.some((f: Json) => f.framework_info.id.value === framework.frameworkId));
  assert.deepEqual((await answer({ type: 'GET_TASKS' })).get_tasks.tasks.map((t: Json) => t.task_id.value), ['long']);
  assert.ok('get_executors' in await answer({ type: 'GET_EXECUTORS' }));
  const roles = (await answer({ type: 'GET_ROLES' })).get_roles.roles as Json[];
  const star = roles.find((r) => r.name === '*');
  assert.equal(star?.weight, 1);
  assert.ok(star?.frameworks.some((f: Json) => f.value === framework.frameworkId));
});

test('SET_LOGGING_LEVEL then GET_LOGGING_LEVEL; it reverts after its duration', async () => {
  const set = await call({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1_000_000_000 } } });
  assert.equal(set.status, 200, set.body);
  assert.equal(set.body, '');
  assert.equal((await answer({ type: 'GET_LOGGING_LEVEL' })).get_logging_level.level, 1);
  await waitFor('the level to revert', async () => ((await answer({ type: 'GET_LOGGING_LEVEL' })).get_logging_level.level === 0 ? true : undefined), 10_000);
});

test('bad calls: 400 naming the field or the type, 405, 406, 415; known calls not implemented 501', async () => {
  const cases: Array<[unknown, number, RegExp]> = [
    [{ type: 'LAUNCH_ROCKET' }, 400, /unknown 'type' "LAUNCH_ROCKET"/],
    [{ get_state: {} }, 400, /Expecting 'type' to be present/],
    ['{"type": "GET_STATE"', 400, /Failed to parse body into JSON/],
    [{ type: 'TEARDOWN' }, 400, /Expecting 'teardown' to be present/],
    [{ type: 'TEARDOWN', teardown: { framework_id: { value: 'no-such-framework' } } }, 400, /teardown\.framework_id: no framework found with ID 'no-such-framework'/],
    [{ type: 'MARK_AGENT_GONE', mark_agent_gone: {} }, 400, /Expecting 'mark_agent_gone\.agent_id' to be present/],
    [{ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'no-such-agent' } } }, 404, /mark_agent_gone\.agent_id: no registered or unreachable agent/],
    [{ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 'loud', duration: { nanoseconds: 1 } } }, 400, /'set_logging_level\.level' is invalid/],
    [{ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: -1 } } }, 400, /'get_metrics\.timeout\.nanoseconds' is invalid/],
    [{ type: 'GET_MAINTENANCE_STATUS' }, 501, /not implement the 'GET_MAINTENANCE_STATUS' call yet/],
  ];
  for (const [body, status, message] of cases) {
    const result = await call(body);
    assert.equal(result.status, status, `${JSON.stringify(body)}: ${result.body}`);
    assert.match(result.body, message);
  }
  assert.equal((await request(cluster.masterEndpoint(), 'GET', '/api/v1')).status, 405);
  assert.equal((await call({ type: 'GET_STATE' }, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await call({ type: 'GET_STATE' }, { 'content-type': 'application/json', accept: 'application/x-protobuf' })).status, 406);
  assert.equal((await answer({ type: 'GET_HEALTH' })).get_health.healthy, true, 'the master is fine after all of that');
});

test('TEARDOWN by the operator removes the framework and kills its task', async () => {
  const torn = await call({ type: 'TEARDOWN', teardown: { framework_id: { value: framework.frameworkId } } });
  assert.equal(torn.status, 200, torn.body);
  assert.equal(torn.body, '');
  const frameworks = (await answer({ type: 'GET_FRAMEWORKS' })).get_frameworks;
  assert.equal((frameworks.frameworks ?? []).some((f: Json) => f.framework_info.id.value === framework.frameworkId), false);
  assert.ok(frameworks.completed_frameworks.some((f: Json) => f.framework_info.id.value === framework.frameworkId && f.active === false));
  const tasks = (await answer({ type: 'GET_TASKS' })).get_tasks;
  assert.deepEqual(tasks.completed_tasks.map((t: Json) => [t.task_id.value, t.state]), [['long', 'TASK_KILLED']]);
  await waitFor('the master to stop counting the task\'s resources', async () => {
    const metrics = (await answer({ type: 'GET_METRICS', get_metrics: {} })).get_metrics.metrics as Array<{ name: string; value: number }>;
    return metrics.find((m) => m.name === 'master/cpus_used')?.value === 0 ? true : undefined;
  });
});

test('MARK_AGENT_GONE: the agent is shut down, removed, and refused when it comes back, also after a master restart', async () => {
  const agents = (await answer({ type: 'GET_AGENTS' })).get_agents.agents as Json[];
  const victimId = agents[0]!.agent_info.id.value as string;
  const victim = cluster.agents.find((agent) => readFileSync(agent.logFile, 'utf8').includes(victimId))!;
  assert.ok(victim, 'the agent process of the first agent');
  const gone = await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: victimId } } });
  assert.equal(gone.status, 200, gone.body);
  assert.equal(gone.body, '');
  await victim.exited; // It was told to SHUTDOWN.
  const left = (await answer({ type: 'GET_AGENTS' })).get_agents.agents as Json[];
  assert.deepEqual(left.map((a) => a.agent_info.id.value), [agents[1]!.agent_info.id.value]);
  assert.deepEqual(JSON.parse(readFileSync(join(cluster.root, 'master', 'gone-agents.json'), 'utf8')), { agent_ids: [{ value: victimId }] });
  assert.equal((await call({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: victimId } } })).status, 200, 'idempotent');

  // Restarted on its work_dir, it reregisters with its old id and is refused again.
  const logBytes = readFileSync(victim.logFile).length;
  const again = cluster.startAgent(victim.index);
  await again.exited;
  assert.match(readFileSync(again.logFile).subarray(logBytes).toString('utf8'), /Agent has been marked gone/);

  await cluster.restartMaster();
  await waitFor('the restarted master', async () => ((await call({ type: 'GET_HEALTH' }).catch(() => undefined))?.status === 200 ? true : undefined));
  const third = cluster.startAgent(victim.index);
  await third.exited;
  await cluster.waitForAgents(1);
  const afterRestart = (await answer({ type: 'GET_AGENTS' })).get_agents.agents as Json[];
  assert.deepEqual(afterRestart.map((a) => a.agent_info.id.value), [agents[1]!.agent_info.id.value], 'only the other agent came back');
});
