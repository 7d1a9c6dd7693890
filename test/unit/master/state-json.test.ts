/**
 * Goal: the master's v0 JSON endpoints have Mesos' shapes (`/master/state` and its parts,
 * `/master/state-summary`, `/master/tasks` with Mesos' order and paging, `/master/roles`, flags),
 * bad `/master/tasks` parameters are refused naming the parameter, and the fast, caching
 * MasterStateWriter writes exactly the bytes of `JSON.stringify` of the plain builders — on a
 * varied cluster, again after every kind of change, and with nothing made anew when nothing changed.
 * Method: the Harness steps a real MasterCore (manual clock); the writer and the builders read the
 * same core and their texts are compared whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer, TaskState } from '../../../src/api/mesos.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import { parseResourcesText } from '../../../src/common/resources/parse.js';
import { MASTER_FLAGS } from '../../../src/master/shell/flags.js';
import {
  flagTexts, masterFrameworksJson, masterRolesJson, masterSlavesJson, masterStateJson, masterStateSummaryJson, masterTasksJson, parseTasksQuery,
  type MasterIdentity, type TasksQuery,
} from '../../../src/master/shell/state-json.js';
import { MasterStateWriter } from '../../../src/master/shell/state-writer.js';
import { answerText, Harness, parseSimple } from './harness.js';

const IDENTITY: MasterIdentity = {
  version: '1.11.0', buildDate: '', startTimeMs: 1_000_000, electedTimeMs: 1_000_000, pid: 'master@127.0.0.1:5050', hostname: 'm1',
  flags: { port: '5050', allocation_interval: '1secs' },
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const text = answerText;

/** Every answer of the writer equals JSON.stringify of its builder. */
function assertWriterMatches(h: Harness, writer: MasterStateWriter, why: string): void {
  const core = h.core;
  assert.equal(text(writer.state(IDENTITY, h.nowMs)), JSON.stringify(masterStateJson(core, IDENTITY, h.nowMs)), `${why}: /master/state`);
  assert.equal(text(writer.frameworks(h.nowMs)), JSON.stringify(masterFrameworksJson(core, h.nowMs)), `${why}: /master/frameworks`);
  for (const frameworkId of [...core.frameworks.keys(), ...core.completedFrameworks.map((f) => f.id), 'unknown']) {
    assert.equal(text(writer.frameworks(h.nowMs, frameworkId)), JSON.stringify(masterFrameworksJson(core, h.nowMs, frameworkId)), `${why}: framework ${frameworkId}`);
  }
  assert.equal(text(writer.slaves()), JSON.stringify(masterSlavesJson(core)), `${why}: /master/slaves`);
  for (const agentId of [...core.agents.keys(), 'unknown']) {
    assert.equal(text(writer.slaves(agentId)), JSON.stringify(masterSlavesJson(core, agentId)), `${why}: slave ${agentId}`);
  }
  assert.equal(text(writer.stateSummary(IDENTITY)), JSON.stringify(masterStateSummaryJson(core, IDENTITY)), `${why}: /master/state-summary`);
  const query: TasksQuery = { limit: 1000, offset: 0, order: 'asc' };
  assert.equal(text(writer.tasksPage(query)), JSON.stringify(masterTasksJson(core, query)), `${why}: /master/tasks`);
}

function accept(h: Harness, frameworkId: FrameworkId, offer: Offer, ids: string[], resources = 'cpus:1;mem:128'): void {
  h.launch(frameworkId, offer, ids.map((id) => ({ id, resources: parseResourcesText(resources), labels: { labels: [{ key: 'tier', value: id }] } })));
}

function update(h: Harness, agentId: AgentId, frameworkId: FrameworkId, taskId: string, state: TaskState, extra: Json = {}): string {
  const uuid = `u-${taskId}-${state}-${h.nowMs}`;
  const status = { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR' as const, uuid, agent_id: { value: agentId }, timestamp: h.nowMs / 1000, ...extra };
  h.step({ kind: 'agent-call', agentId, call: { type: 'UPDATE', update: { framework_id: { value: frameworkId }, status } } });
  return uuid;
}

function acknowledge(h: Harness, agentId: AgentId, frameworkId: FrameworkId, taskId: string, uuid: string): void {
  h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid } });
}

/**
 * Two agents (one with a static reservation, ports and attributes), a multi-role framework with
 * labels and a principal running tasks in two roles, a single-role framework with a task group under a
 * DEFAULT executor and a finished task, outstanding offers, and a torn-down framework.
 */
function variedCluster() {
  const h = new Harness();
  const connectionId = h.newConnection();
  const resources = parseResourcesText('cpus:8;mem:8192;disk:1024;cpus(eng):2;ports:[31000-32000]');
  h.step({
    kind: 'agent-subscribe', connectionId, remoteIp: '10.0.0.1',
    subscribe: {
      agent_info: { hostname: 'a1', port: 5051, attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'gen', type: 'SCALAR', scalar: { value: 3 } }] },
      resources, version: '1.11.0',
    },
  });
  const a1 = [...h.core.agents.keys()][0] as AgentId;
  const a2 = h.addAgent('cpus:4;mem:4096', 'a2');
  const web = h.subscribe('web', { roles: ['eng', 'ops'], capabilities: [{ type: 'MULTI_ROLE' }], principal: 'alice', labels: { labels: [{ key: 'team', value: 'w' }] } }).frameworkId;
  const batch = h.subscribe('batch', { role: '*' }).frameworkId;
  const torn = h.subscribe('short-lived').frameworkId;
  h.call(torn, { type: 'TEARDOWN' });
  const offers = h.allocate();
  // web is offered its reservation on a1 (role eng, cpus only) and a2 (role ops); batch the rest of a1.
  const engOffer = offers.find((o) => o.framework_id.value === web && o.agent_id.value === a1);
  const webOffer = offers.find((o) => o.framework_id.value === web && o.agent_id.value === a2);
  const batchOffer = offers.find((o) => o.framework_id.value === batch);
  assert.ok(engOffer && webOffer && batchOffer, JSON.stringify(offers.map((o) => [o.framework_id.value, o.agent_id.value])));
  accept(h, web, webOffer, ['w1', 'w2']);
  accept(h, web, engOffer, ['w0'], 'cpus(eng):1');
  h.call(batch, {
    type: 'ACCEPT',
    accept: {
      offer_ids: [batchOffer.id],
      operations: [
        { type: 'LAUNCH', launch: { task_infos: [{ name: 'b1', task_id: { value: 'b1' }, agent_id: batchOffer.agent_id, resources: parseSimple('cpus:0.5;mem:64'), command: { value: 'true' } }] } },
        {
          type: 'LAUNCH_GROUP',
          launch_group: {
            executor: { type: 'DEFAULT', executor_id: { value: 'ex' }, resources: parseSimple('cpus:0.1;mem:32') },
            task_group: { tasks: ['g1', 'g2'].map((id) => ({ name: id, task_id: { value: id }, agent_id: batchOffer.agent_id, resources: parseSimple('cpus:0.5;mem:64'), command: { value: 'sleep 1' } })) },
          },
        },
      ],
    },
  });
  const webAgent = webOffer.agent_id.value as AgentId;
  const batchAgent = batchOffer.agent_id.value as AgentId;
  h.nowMs += 1000;
  update(h, webAgent, web, 'w1', 'TASK_RUNNING', { healthy: true, labels: { labels: [{ key: 'ip', value: '10.1.1.1' }] } });
  update(h, batchAgent, batch, 'g1', 'TASK_RUNNING');
  const finished = update(h, batchAgent, batch, 'b1', 'TASK_FINISHED');
  acknowledge(h, batchAgent, batch, 'b1', finished);
  h.nowMs += 1000;
  h.allocate();
  return { h, a1, a2, web, batch, torn, webAgent, batchAgent };
}

test('the writer writes exactly what the builders build, on a varied cluster and after every kind of change', () => {
  const { h, web, batch, webAgent, batchAgent, a1, a2 } = variedCluster();
  const writer = new MasterStateWriter(h.core);
  assertWriterMatches(h, writer, 'at first');
  assertWriterMatches(h, writer, 'again, from the caches');

  h.nowMs += 1000;
  update(h, webAgent, web, 'w2', 'TASK_RUNNING');
  assertWriterMatches(h, writer, 'a task started');
  const killed = update(h, webAgent, web, 'w1', 'TASK_KILLED');
  assertWriterMatches(h, writer, 'a task ended, not yet acknowledged');
  acknowledge(h, webAgent, web, 'w1', killed);
  assertWriterMatches(h, writer, 'the end acknowledged: the task is completed');

  const offers = h.allocate();
  assertWriterMatches(h, writer, 'new offers');
  h.call(batch, { type: 'DECLINE', decline: { offer_ids: offers.filter((o) => o.framework_id.value === batch).map((o) => o.id), filters: { refuse_seconds: 3600 } } });
  assertWriterMatches(h, writer, 'offers declined');
  const again = h.allocate().find((o) => o.framework_id.value === web);
  if (again) accept(h, web, again, ['w3']);
  assertWriterMatches(h, writer, 'one more task');

  h.call(web, { type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { user: 'u', name: 'web-2', roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }], webui_url: 'http://w' } } });
  assertWriterMatches(h, writer, 'the framework updated');
  h.step({ kind: 'framework-disconnected', frameworkId: batch, connectionId: [...h.core.frameworks.values()].find((f) => f.id === batch)?.connectionId as never });
  assertWriterMatches(h, writer, 'a scheduler disconnected');

  // Pings go unanswered by the batch framework's agent until it is unreachable: its tasks move.
  const pongers = [a1, a2].filter((agentId) => agentId !== batchAgent);
  for (let tick = 0; tick <= h.core.options.maxAgentPingTimeouts; tick++) {
    h.step({ kind: 'ping-tick' });
    for (const agentId of pongers) h.step({ kind: 'agent-call', agentId, call: { type: 'PONG' } });
  }
  assert.equal(h.core.agents.has(batchAgent), false, 'the silent agent is unreachable');
  assertWriterMatches(h, writer, 'an agent became unreachable');

  h.call(web, { type: 'TEARDOWN' });
  assertWriterMatches(h, writer, 'a framework torn down');
});

test('nothing is made anew while nothing changes; a status update remakes only what holds that task', () => {
  const { h, web, webAgent } = variedCluster();
  const writer = new MasterStateWriter(h.core);
  writer.state(IDENTITY, h.nowMs);
  const first = { ...writer.misses };
  assert.ok(first.tasks >= 4 && first.agents === 2, JSON.stringify(first));
  writer.state(IDENTITY, h.nowMs);
  assert.deepEqual(writer.misses, first, 'a second answer comes from the caches');

  update(h, webAgent, web, 'w2', 'TASK_RUNNING');
  writer.state(IDENTITY, h.nowMs);
  assert.deepEqual(writer.misses, {
    tasks: first.tasks + 1, taskLists: first.taskLists + 1, agents: first.agents + 1, frameworkHeaders: first.frameworkHeaders + 1,
  }, 'the task, its list, its agent and its framework');
});

test('prepare writes cold caches ahead; what changes after it is still caught when the answer is written', async () => {
  const { h, web, webAgent } = variedCluster();
  const writer = new MasterStateWriter(h.core);
  await writer.prepare();
  const prepared = { ...writer.misses };
  assert.ok(prepared.tasks >= 6 && prepared.agents === 2, `prepare made the cold texts: ${JSON.stringify(prepared)}`);
  update(h, webAgent, web, 'w2', 'TASK_RUNNING');
  assertWriterMatches(h, writer, 'a change between prepare and the answer');
  await writer.prepare();
  assert.equal(writer.misses.tasks, prepared.tasks + 1, 'a warm prepare makes nothing anew: only the changed task was, by the answer');
});

test('/master/state has the fields of Mesos, in its order', () => {
  const { h, a1, web, batch } = variedCluster();
  const state = masterStateJson(h.core, IDENTITY, h.nowMs) as Json;
  assert.deepEqual(Object.keys(state), [
    'version', 'build_date', 'build_time', 'build_user', 'start_time', 'elected_time', 'id', 'pid', 'hostname', 'capabilities',
    'activated_slaves', 'deactivated_slaves', 'unreachable_slaves', 'leader', 'leader_info', 'flags', 'slaves', 'recovered_slaves',
    'frameworks', 'completed_frameworks', 'orphan_tasks', 'unregistered_frameworks',
  ]);
  assert.equal(state.start_time, 1000);
  assert.equal(state.activated_slaves, 2);
  assert.equal(state.leader, 'master@127.0.0.1:5050');
  assert.deepEqual(state.flags, IDENTITY.flags);
  assert.equal(typeof state.build_time, 'number');

  const agent = state.slaves.find((s: Json) => s.id === a1);
  assert.deepEqual(Object.keys(agent), [
    'id', 'hostname', 'port', 'attributes', 'pid', 'registered_time', 'resources', 'used_resources', 'offered_resources', 'reserved_resources',
    'unreserved_resources', 'active', 'deactivated', 'version', 'capabilities', 'reserved_resources_full', 'unreserved_resources_full',
    'used_resources_full', 'offered_resources_full',
  ]);
  assert.equal(agent.pid, 'slave(1)@10.0.0.1:5051');
  assert.deepEqual(agent.attributes, { rack: 'r1', gen: 3 });
  assert.deepEqual(agent.resources, { disk: 1024, mem: 8192, gpus: 0, cpus: 10, ports: '[31000-32000]' });
  assert.deepEqual(agent.reserved_resources, { eng: { disk: 0, mem: 0, gpus: 0, cpus: 2 } });

  const framework = state.frameworks.find((f: Json) => f.id === web);
  assert.deepEqual(Object.keys(framework), [
    'id', 'name', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active', 'connected', 'recovered', 'user',
    'failover_timeout', 'checkpoint', 'registered_time', 'unregistered_time', 'principal', 'resources', 'roles', 'used_resources_full',
    'offered_resources_full', 'tasks', 'unreachable_tasks', 'completed_tasks', 'offers', 'executors', 'labels', 'allocation',
  ]);
  assert.deepEqual(framework.roles, ['eng', 'ops']);
  assert.deepEqual(framework.capabilities, ['MULTI_ROLE']);
  assert.deepEqual(framework.labels, [{ key: 'team', value: 'w' }]);
  assert.deepEqual(framework.used_resources, { disk: 0, mem: 256, gpus: 0, cpus: 3 }, 'two tasks of cpus:1;mem:128 and one of cpus:1');
  assert.equal(framework.used_resources_full.length, 3, 'used resources are merged per resource (ops cpus, ops mem, eng-reserved cpus), not listed per task');
  const offered = framework.offered_resources;
  assert.equal(framework.resources.cpus, Math.round((3 + offered.cpus) * 1000) / 1000, 'resources are used and offered together, as in Mesos');

  const task = framework.tasks.find((t: Json) => t.id === 'w1');
  assert.deepEqual(Object.keys(task), ['id', 'name', 'framework_id', 'executor_id', 'slave_id', 'state', 'resources', 'role', 'statuses', 'user', 'labels']);
  assert.equal(task.state, 'TASK_RUNNING');
  assert.deepEqual(task.statuses.at(-1), { state: 'TASK_RUNNING', timestamp: 1001, labels: [{ key: 'ip', value: '10.1.1.1' }], healthy: true });

  const batchFramework = state.frameworks.find((f: Json) => f.id === batch);
  assert.equal(batchFramework.role, '*');
  assert.equal(batchFramework.roles, undefined);
  assert.deepEqual(batchFramework.completed_tasks.map((t: Json) => [t.id, t.state]), [['b1', 'TASK_FINISHED']]);
  assert.deepEqual(batchFramework.executors.map((e: Json) => [e.executor_id, e.type, e.role, e.resources.cpus]), [['ex', 'DEFAULT', '*', 0.1]]);
  assert.ok(batchFramework.offers.every((o: Json) => Object.keys(o).join() === 'id,framework_id,slave_id,resources,allocation_info'));
  assert.deepEqual(state.completed_frameworks.map((f: Json) => [f.name, f.active, f.connected, 'allocation' in f]), [['short-lived', false, false, false]]);
});

test('/master/state-summary: agents and frameworks without tasks, counted per state, and who runs where', () => {
  const { h, web, batch, webAgent, batchAgent } = variedCluster();
  const summary = masterStateSummaryJson(h.core, IDENTITY) as Json;
  assert.deepEqual(Object.keys(summary), ['hostname', 'slaves', 'frameworks']);
  const batchSummary = summary.frameworks.find((f: Json) => f.id === batch);
  assert.deepEqual(Object.keys(batchSummary), [
    'id', 'name', 'used_resources', 'offered_resources', 'capabilities', 'hostname', 'webui_url', 'active', 'connected', 'recovered',
    'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR',
    'TASK_UNREACHABLE', 'slave_ids',
  ]);
  assert.deepEqual([batchSummary.TASK_STAGING, batchSummary.TASK_RUNNING, batchSummary.TASK_FINISHED], [1, 1, 1], 'g2 staging, g1 running, b1 finished');
  assert.deepEqual(batchSummary.slave_ids, [batchAgent]);
  const agent = summary.slaves.find((s: Json) => s.id === webAgent);
  assert.equal(agent.reserved_resources_full, undefined, 'no resources in full here');
  assert.ok(agent.framework_ids.includes(web));
  assert.equal(summary.frameworks.some((f: Json) => f.name === 'short-lived'), false, 'completed frameworks are not summarized');
});

test('/master/tasks: live, unreachable and completed tasks by first status time, newest first by default, paged', () => {
  const { h, web, batch } = variedCluster();
  const ids = (query: Partial<TasksQuery>) => (masterTasksJson(h.core, { limit: 100, offset: 0, order: 'desc', ...query }).tasks as Json[]).map((t) => t.id);
  // Tasks without a status (w0, w2, g2) come last in descending order and first in ascending order.
  const descending = ids({});
  assert.equal(descending.length, 6);
  assert.deepEqual(descending.slice(-3).sort(), ['g2', 'w0', 'w2']);
  assert.deepEqual(ids({ order: 'asc' }).slice(0, 3).sort(), ['g2', 'w0', 'w2']);
  assert.deepEqual(descending.slice(0, 3).sort(), ['b1', 'g1', 'w1'], 'all three first had a status at the same time');
  assert.deepEqual(ids({ limit: 2, offset: 3 }), descending.slice(3, 5));
  assert.deepEqual(ids({ limit: 0 }), []);
  assert.deepEqual(ids({ offset: 100 }), []);
  assert.deepEqual(ids({ frameworkId: batch }).sort(), ['b1', 'g1', 'g2']);
  assert.deepEqual(ids({ taskId: 'w1' }), ['w1']);
  assert.deepEqual(ids({ frameworkId: web, taskId: 'b1' }), []);
});

test('/master/tasks refuses bad parameters with a message naming them', () => {
  assert.deepEqual(parseTasksQuery({}), { ok: true, value: { limit: 100, offset: 0, order: 'desc' } });
  assert.deepEqual(parseTasksQuery({ limit: '5', offset: '10', order: 'asc', framework_id: 'f', task_id: 't' }), {
    ok: true, value: { limit: 5, offset: 10, order: 'asc', frameworkId: 'f', taskId: 't' },
  });
  const refusals: Array<[Json, RegExp]> = [
    [{ limit: 'ten' }, /^Invalid 'limit': 'ten' is not a non-negative integer$/],
    [{ limit: '-1' }, /^Invalid 'limit'/],
    [{ limit: '1.5' }, /^Invalid 'limit'/],
    [{ limit: '' }, /^Invalid 'limit'/],
    [{ limit: '99999999999999999999' }, /^Invalid 'limit'/],
    [{ offset: 'x' }, /^Invalid 'offset': 'x' is not a non-negative integer$/],
    [{ order: 'up' }, /^Invalid 'order': 'up' is neither 'asc' nor 'desc'$/],
    [{ limit: ['1', '2'] }, /^Invalid 'limit': it may be given only once$/],
    [{ framework_id: ['a', 'b'] }, /^Invalid 'framework_id'/],
    [{ task_id: ['a', 'b'] }, /^Invalid 'task_id'/],
  ];
  for (const [query, message] of refusals) {
    const parsed = parseTasksQuery(query);
    assert.equal(parsed.ok, false, JSON.stringify(query));
    if (!parsed.ok) assert.match(parsed.error, message);
  }
});

test('/master/roles: roles with frameworks, weights or quota, with what is allocated and offered in each', () => {
  const { h, web, batch } = variedCluster();
  h.step({ kind: 'update-weights', weights: [{ role: 'eng', weight: 2 }, { role: 'idle', weight: 3 }] });
  h.step({ kind: 'update-quota', update: [{ role: 'ops', spec: { guarantees: { cpus: 1 }, limits: { cpus: 4, mem: 1024 } } }] });
  const roles = (masterRolesJson(h.core) as { roles: Json[] }).roles;
  assert.deepEqual(roles.map((r) => r.name), ['*', 'eng', 'idle', 'ops']);
  const byName = new Map(roles.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('idle'), { name: 'idle', weight: 3, resources: { disk: 0, mem: 0, gpus: 0, cpus: 0 }, frameworks: [] });
  assert.deepEqual(byName.get('ops')?.quota, { role: 'ops', guarantee: { cpus: 1 }, limit: { cpus: 4, mem: 1024 } });
  assert.deepEqual(byName.get('ops')?.frameworks, [web]);
  assert.equal(byName.get('eng')?.weight, 2);
  assert.equal(byName.get('*')?.weight, 1);
  assert.deepEqual(byName.get('*')?.frameworks, [batch]);
  // ops holds web's two tasks of cpus:1;mem:128 and whatever web is offered there; eng its task of cpus:1.
  const offeredIn = (role: string, name: string) => [...h.core.offers.values()].filter((o) => o.role === role).flatMap((o) => o.resources)
    .filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  assert.equal(byName.get('ops')?.resources.mem, 256 + offeredIn('ops', 'mem'));
  assert.equal(byName.get('eng')?.resources.cpus, Math.round((1 + offeredIn('eng', 'cpus')) * 1000) / 1000);
});

test('flags are printed as Mesos prints them: every flag with a value, durations in Mesos units', () => {
  const texts = flagTexts(MASTER_FLAGS, { port: 0, allocation_interval: 100, offer_timeout: 60_000, agent_ping_timeout: 1500, hostname: 'h', weights: undefined });
  assert.deepEqual(texts, { port: '0', hostname: 'h', allocation_interval: '100ms', offer_timeout: '1mins', agent_ping_timeout: '1500ms' });
});

test('names outside ASCII: an answer\'s stated length is its length in bytes, for kept text and kept Buffers alike', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:1024', 'hôte-✓-日本');
  h.subscribe('cadre-é', { role: 'eng' });
  h.allocate();
  const writer = new MasterStateWriter(h.core);
  for (let answer = 0; answer < 3; answer++) {
    // The first answer sends the agents' block as text, the next ones as the Buffer it became.
    assert.equal(text(writer.state(IDENTITY, h.nowMs)), JSON.stringify(masterStateJson(h.core, IDENTITY, h.nowMs)), `answer ${answer}`);
    assert.equal(text(writer.slaves()), JSON.stringify(masterSlavesJson(h.core)), `slaves, answer ${answer}`);
  }
});
