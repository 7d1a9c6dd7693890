/**
 * Goal: a real master serves Mesos' v0 read-only endpoints — `/master/state` (and `/state`,
 * `/state.json`, `/master/state.json`), `/master/state-summary`, `/master/frameworks`,
 * `/master/slaves`, `/master/tasks`, `/master/roles`, `/master/flags`, `/master/redirect`,
 * `/health`, `/version` — with Mesos' shapes, its filters and paging, an exact Content-Length, and a
 * 400 naming the parameter for bad query parameters.
 * Method: a master and two agents as processes (TestCluster), a framework that runs one task to
 * its end and keeps another running (TestFramework), then plain HTTP GETs on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type HttpResult } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cluster: TestCluster;
let framework: TestFramework;

before(async () => {
  cluster = await new TestCluster({ agents: 2 }).start();
  framework = await new TestFramework(cluster.masterAddress, 'state-endpoints').start();
  framework.launch({ id: 'done', command: 'true' }, { id: 'running', command: 'sleep 60' });
  await framework.waitForState('done', ['TASK_FINISHED']);
  await framework.waitForState('running', ['TASK_RUNNING']);
  // The finished task moves to completed_tasks once its end is acknowledged.
  await waitFor('the finished task among completed tasks', async () => {
    const state = await getJson('/master/state');
    return state.frameworks.some((f: Json) => f.completed_tasks.some((t: Json) => t.id === 'done')) ? true : undefined;
  });
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

const get = (path: string): Promise<HttpResult> => request(cluster.masterEndpoint(), 'GET', path);

async function getJson(path: string): Promise<Json> {
  const answer = await get(path);
  assert.equal(answer.status, 200, `${path}: ${answer.body}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/, path);
  assert.equal(Number(answer.headers['content-length']), Buffer.byteLength(answer.body), `${path}: Content-Length is the body's`);
  return JSON.parse(answer.body) as Json;
}

test('/master/state and its aliases: the cluster, its frameworks and their tasks, in Mesos shape', async () => {
  const state = await getJson('/master/state');
  for (const alias of ['/state', '/state.json', '/master/state.json']) {
    assert.deepEqual(Object.keys(await getJson(alias)), Object.keys(state), alias);
  }
  assert.deepEqual(Object.keys(state), [
    'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time', 'id', 'pid', 'hostname', 'capabilities',
    'activated_slaves', 'deactivated_slaves', 'unreachable_slaves', 'leader', 'leader_info', 'flags', 'slaves', 'recovered_slaves',
    'frameworks', 'completed_frameworks', 'orphan_tasks', 'unregistered_frameworks',
  ]);
  assert.equal(state.pid, `master@${cluster.masterAddress}`);
  assert.equal(state.leader, state.pid);
  assert.equal(state.leader_info.port, cluster.masterEndpoint().port);
  assert.equal(state.activated_slaves, 2);
  assert.equal(state.flags.allocation_interval, '100ms', 'durations as Mesos prints them');
  assert.equal(state.slaves.length, 2);
  assert.ok(state.slaves.every((s: Json) => s.active === true && /^slave\(1\)@127\.0\.0\.1:\d+$/.test(s.pid) && s.resources.cpus === 4));

  const mine = state.frameworks.find((f: Json) => f.id === framework.frameworkId);
  assert.ok(mine, 'the framework is listed');
  assert.equal(mine.name, 'state-endpoints');
  assert.equal(mine.active, true);
  assert.deepEqual(mine.roles, ['*']);
  assert.deepEqual(mine.tasks.map((t: Json) => [t.id, t.state]), [['running', 'TASK_RUNNING']]);
  assert.deepEqual(mine.completed_tasks.map((t: Json) => [t.id, t.state]), [['done', 'TASK_FINISHED']]);
  assert.equal(mine.used_resources.cpus, 0.1);
  const running = mine.tasks[0];
  assert.deepEqual(Object.keys(running).slice(0, 9), ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'role', 'statuses']);
  assert.ok(running.statuses.some((s: Json) => s.state === 'TASK_RUNNING' && typeof s.timestamp === 'number'));
  const host = state.slaves.find((s: Json) => s.id === running.slave_id);
  assert.ok(host.used_resources.cpus >= 0.1, 'the agent counts the running task as used');
});

test('/master/state-summary counts tasks per state on agents and frameworks', async () => {
  const summary = await getJson('/master/state-summary');
  assert.deepEqual(Object.keys(summary), ['hostname', 'slaves', 'frameworks']);
  const mine = summary.frameworks.find((f: Json) => f.id === framework.frameworkId);
  assert.equal(mine.TASK_RUNNING, 1);
  assert.equal(mine.TASK_FINISHED, 1);
  assert.equal(mine.tasks, undefined, 'no tasks in the summary');
  assert.equal(summary.slaves.length, 2);
  assert.equal(summary.slaves.reduce((sum: number, s: Json) => sum + s.TASK_RUNNING, 0), 1);
  assert.ok(mine.slave_ids.length >= 1);
});

test('/master/frameworks and /master/slaves filter by id; a repeated id is refused', async () => {
  const all = await getJson('/master/frameworks');
  assert.deepEqual(Object.keys(all), ['frameworks', 'completed_frameworks', 'unregistered_frameworks']);
  const one = await getJson(`/master/frameworks?framework_id=${framework.frameworkId}`);
  assert.deepEqual(one.frameworks.map((f: Json) => f.id), [framework.frameworkId]);
  assert.deepEqual((await getJson('/master/frameworks?framework_id=nope')).frameworks, []);

  const slaves = await getJson('/slaves');
  assert.deepEqual(Object.keys(slaves), ['slaves', 'recovered_slaves']);
  const agentId = slaves.slaves[1].id as string;
  const only = await getJson(`/master/slaves?slave_id=${agentId}`);
  assert.deepEqual(only.slaves.map((s: Json) => s.id), [agentId]);
  assert.ok(Array.isArray(only.slaves[0].unreserved_resources_full));
  assert.deepEqual((await getJson('/master/slaves?slave_id=nope')).slaves, []);

  for (const path of ['/master/slaves?slave_id=a&slave_id=b', '/master/frameworks?framework_id=a&framework_id=b']) {
    const refused = await get(path);
    assert.equal(refused.status, 400, path);
    assert.match(refused.body, /(slave_id|framework_id)'.*only once/, path);
  }
});

test('/master/tasks pages tasks as Mesos does and refuses bad parameters naming them', async () => {
  const all = await getJson('/master/tasks');
  assert.deepEqual(all.tasks.map((t: Json) => t.id).sort(), ['done', 'running']);
  const firstTimes = (tasks: Json[]) => tasks.map((t) => t.statuses[0].timestamp as number);
  const descending = firstTimes(all.tasks);
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a), 'newest first by default');
  const ascending = firstTimes((await getJson('/tasks?order=asc')).tasks);
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), 'oldest first with order=asc');
  assert.deepEqual((await getJson('/master/tasks?limit=1&offset=1')).tasks.map((t: Json) => t.id), [all.tasks[1].id]);
  assert.deepEqual((await getJson('/master/tasks.json?task_id=done')).tasks.map((t: Json) => t.state), ['TASK_FINISHED']);
  assert.deepEqual((await getJson(`/master/tasks?framework_id=${framework.frameworkId}&limit=0`)).tasks, []);
  for (const [query, name] of [['limit=ten', 'limit'], ['limit=-1', 'limit'], ['offset=1.5', 'offset'], ['order=sideways', 'order'], ['task_id=a&task_id=b', 'task_id']]) {
    const refused = await get(`/master/tasks?${query}`);
    assert.equal(refused.status, 400, query);
    assert.match(refused.body, new RegExp(`^Invalid '${name}'`), query);
  }
});

test('/master/roles, /master/flags, /master/redirect, /health and /version', async () => {
  const roles = await getJson('/master/roles');
  const star = roles.roles.find((r: Json) => r.name === '*');
  assert.deepEqual(Object.keys(star), ['name', 'weight', 'resources', 'frameworks']);
  assert.equal(star.weight, 1);
  assert.deepEqual(star.frameworks, [framework.frameworkId]);
  assert.ok(star.resources.cpus >= 0.1);
  for (const alias of ['/roles', '/roles.json', '/master/roles.json']) {
    assert.deepEqual((await getJson(alias)).roles.map((r: Json) => r.name), roles.roles.map((r: Json) => r.name), alias);
  }

  const flags = await getJson('/master/flags');
  assert.deepEqual(Object.keys(flags), ['flags']);
  assert.equal(flags.flags.agent_ping_timeout, '1secs');
  assert.deepEqual(await getJson('/flags'), flags);

  for (const path of ['/master/redirect', '/redirect']) {
    const redirect = await get(path);
    assert.equal(redirect.status, 307, path);
    assert.equal(redirect.headers.location, `//127.0.0.1:${cluster.masterEndpoint().port}`, path);
  }
  for (const path of ['/health', '/master/health']) {
    const health = await get(path);
    assert.equal(health.status, 200, path);
    assert.equal(health.body, '', path);
  }
  assert.equal((await getJson('/version')).version, (await getJson('/master/state')).version);
});
