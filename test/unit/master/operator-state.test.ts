/**
 * Goal: the v1 Operator API's view of the master's state (GET_STATE and its parts, GET_ROLES,
 * GET_MASTER) has Mesos' shapes: master.proto field names, empty lists left out, TimeInfo times,
 * resources in the endpoint format with their allocation role; tasks sit in the list their life
 * puts them in; and what the listings say each agent and framework uses agrees with the core's books and with events.
 * Method: scripted clusters through the Harness (a real MasterCore, a manual clock), then the
 * pure converters of operator-state.ts on its core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReservationInfo, Resource } from '../../../src/api/mesos.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import fc from 'fast-check';
import { addAll, toEndpointFormat } from '../../../src/allocator/resource-math.js';
import type { MasterCore } from '../../../src/master/core/master-core.js';
import {
  getMaster, getRoles, OperatorStateWriter, sumResources,
} from '../../../src/master/shell/operator-state.js';
import { JsonChunks } from '../../../src/master/shell/json-pieces.js';
import { answerText, Harness, parseSimple } from './harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What `write` writes, parsed. */
function parsed(write: (out: JsonChunks) => void): Json {
  const out = new JsonChunks();
  write(out);
  return JSON.parse(answerText(out.answer())) as Json;
}
const getState = (core: MasterCore, writer = new OperatorStateWriter(core)) => parsed((out) => writer.writeState(out));
const getAgents = (core: MasterCore) => parsed((out) => new OperatorStateWriter(core).writeAgents(out));
const getFrameworks = (core: MasterCore) => parsed((out) => new OperatorStateWriter(core).writeFrameworks(out));
const getTasks = (core: MasterCore, writer = new OperatorStateWriter(core)) => parsed((out) => writer.writeTasks(out));


const sorted = (list: readonly Resource[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));

/** Resources as a sorted list of canonical texts (keys sorted at every level): equal when the same entries, in any order. */
function canonicalSet(list: readonly unknown[]): string[] {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, canonical(inner)]));
  };
  return list.map((entry) => JSON.stringify(canonical(entry))).sort();
}

/** One agent running t1 (1 cpu, 128 MB) for framework `web` in role eng; the rest of the agent is offered. */
function runningCluster(): { h: Harness; agentId: AgentId; frameworkId: FrameworkId } {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:1024;ports:[31000-31009]');
  const { frameworkId } = h.subscribe('web', { role: 'eng', principal: 'ops' });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1', resources: parseSimple('cpus:1;mem:128') }]);
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING', 'u1');
  h.nowMs += 6_000; // Past the decline filter of the launch's leftovers: they are offered again.
  assert.equal(h.allocate().length, 1);
  return { h, agentId, frameworkId };
}

test('an empty master: every listing is an empty message, as protobuf leaves empty lists out', () => {
  const h = new Harness();
  assert.deepEqual(getState(h.core), { get_tasks: {}, get_executors: {}, get_frameworks: {}, get_agents: {} });
  assert.deepEqual(getRoles(h.core), {});
});

test('GET_STATE: an agent, a framework and its running task', () => {
  const { h, agentId, frameworkId } = runningCluster();
  const state = getState(h.core);

  const [agent, ...otherAgents] = state.get_agents.agents;
  assert.equal(otherAgents.length, 0);
  assert.deepEqual(agent.agent_info.id, { value: agentId });
  assert.equal(agent.agent_info.hostname, 'a1');
  assert.equal(agent.active, true);
  assert.equal(agent.version, '1.11.0');
  assert.equal(agent.pid, 'slave(1)@127.0.0.1:5051');
  assert.deepEqual(agent.registered_time, { nanoseconds: 1_000_000 * 1e6 }, 'the harness clock starts at 1,000,000 ms');
  assert.equal(agent.reregistered_time, undefined, 'a first registration');
  assert.deepEqual(agent.capabilities, [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }]);
  assert.deepEqual(sorted(agent.allocated_resources), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*', allocation_info: { role: 'eng' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 128 }, role: '*', allocation_info: { role: 'eng' } },
  ]);
  // Offered: what t1 does not use. Total: everything, unreserved (role "*" in the endpoint format).
  const offeredCpus = agent.offered_resources.find((r: Resource) => r.name === 'cpus');
  assert.deepEqual(offeredCpus, { name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, role: '*', allocation_info: { role: 'eng' } });
  assert.deepEqual(agent.total_resources.find((r: Resource) => r.name === 'ports'), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31009 }] }, role: '*' });

  const [framework] = state.get_frameworks.frameworks;
  assert.equal(state.get_frameworks.completed_frameworks, undefined);
  assert.deepEqual(framework.framework_info, { failover_timeout: 0, checkpoint: false, user: 'u', name: 'web', role: 'eng', principal: 'ops', id: { value: frameworkId } });
  assert.equal(framework.active, true);
  assert.equal(framework.connected, true);
  assert.equal(framework.recovered, false);
  assert.deepEqual(framework.registered_time, { nanoseconds: 1e12 });
  assert.equal(framework.unregistered_time, undefined);
  assert.equal(framework.offers.length, 1);
  const [offer] = framework.offers;
  assert.deepEqual(offer.framework_id, { value: frameworkId });
  assert.deepEqual(offer.agent_id, { value: agentId });
  assert.deepEqual(offer.allocation_info, { role: 'eng' });
  assert.deepEqual(offer.url, { scheme: 'http', address: { hostname: 'a1', ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' });
  assert.deepEqual(sorted(framework.allocated_resources), sorted(agent.allocated_resources));
  assert.deepEqual(sorted(framework.offered_resources), sorted(agent.offered_resources));

  assert.deepEqual(state.get_executors, {}, 'the built-in command executor is not one the master accounts for');
  const [task] = state.get_tasks.tasks;
  assert.equal(task.name, 't1');
  assert.deepEqual(task.task_id, { value: 't1' });
  assert.deepEqual(task.framework_id, { value: frameworkId });
  assert.deepEqual(task.agent_id, { value: agentId });
  assert.equal(task.state, 'TASK_RUNNING');
  assert.equal(task.status_update_state, 'TASK_RUNNING');
  assert.equal(task.status_update_uuid, 'u1');
  assert.deepEqual(task.statuses.map((s: Json) => s.state), ['TASK_RUNNING']);
  assert.deepEqual(sorted(task.resources), sorted(agent.allocated_resources));
  assert.equal(state.get_tasks.completed_tasks, undefined);
  assert.equal(state.get_tasks.pending_tasks, undefined);
});

test('an offer as mesos.proto Offer: ids, its agent\'s host, address, domain and attributes, the role, resources; it follows the agent\'s new address', () => {
  const h = new Harness();
  const agentInfo = {
    hostname: 'rack1-a', port: 5151,
    attributes: [{ name: 'rack', type: 'TEXT' as const, text: { value: 'r1' } }],
    domain: { fault_domain: { region: { name: 'eu' }, zone: { name: 'eu-1' } } },
  };
  const subscribeAgent = (remoteIp: string, id?: string) => h.step({
    kind: 'agent-subscribe', connectionId: h.newConnection(), remoteIp,
    subscribe: { agent_info: { ...agentInfo, ...(id ? { id: { value: id } } : {}) }, resources: parseSimple('cpus:2;mem:256'), version: '1.11.0' },
  });
  subscribeAgent('10.0.0.7');
  const agentId = [...h.core.agents.keys()][0]!;
  const { frameworkId } = h.subscribe('web', { role: 'eng' });
  const [made] = h.allocate();
  assert.ok(made);
  const writer = new OperatorStateWriter(h.core);
  const offerOf = () => parsed((out) => writer.writeFrameworks(out)).frameworks[0].offers[0];
  const expected = (ip: string) => ({
    id: { value: made.id.value },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    hostname: 'rack1-a',
    url: { scheme: 'http', address: { hostname: 'rack1-a', ip, port: 5151 }, path: '/slave(1)' },
    domain: agentInfo.domain,
    allocation_info: { role: 'eng' },
    resources: toEndpointFormat(h.core.offers.get(made.id.value as never)!.resources),
    attributes: agentInfo.attributes,
  });
  assert.deepEqual(offerOf(), expected('10.0.0.7'));
  assert.deepEqual(offerOf().resources.map((r: Resource) => [r.name, r.role, r.allocation_info?.role]), [['cpus', '*', 'eng'], ['mem', '*', 'eng']]);
  subscribeAgent('10.0.0.8', agentId);
  assert.ok(h.core.offers.has(made.id.value as never), 'the offer outlives the reregistration');
  assert.deepEqual(offerOf(), expected('10.0.0.8'), 'the kept text follows the new address');
});

test('GET_TASKS: a finished and acknowledged task is completed; a torn-down framework keeps its tasks there; unreachable ones apart', () => {
  const { h, agentId, frameworkId } = runningCluster();
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_FINISHED', 'u2');
  assert.deepEqual(getTasks(h.core).tasks.map((t: Json) => t.state), ['TASK_FINISHED'], 'listed until acknowledged');
  h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: 'u2' } });
  const acknowledged = getTasks(h.core);
  assert.equal(acknowledged.tasks, undefined);
  assert.deepEqual(acknowledged.completed_tasks.map((t: Json) => [t.task_id.value, t.state]), [['t1', 'TASK_FINISHED']]);

  // A partition-aware framework on a second agent that stops answering pings: its task is unreachable.
  const lonely = h.addAgent('cpus:2;mem:512', 'a2');
  const { frameworkId: paId } = h.subscribe('pa', { role: 'pa', capabilities: [{ type: 'PARTITION_AWARE' }] });
  h.nowMs += 6_000;
  const offers = h.allocate().filter((o) => o.framework_id.value === paId && o.agent_id.value === lonely);
  h.launch(paId, offers[0]!, [{ id: 'p1', resources: parseSimple('cpus:1;mem:64') }]);
  h.agentUpdate(lonely, paId, 'p1', 'TASK_RUNNING');
  for (let tick = 0; tick <= h.core.options.maxAgentPingTimeouts; tick++) {
    h.step({ kind: 'ping-tick' });
    h.step({ kind: 'agent-call', agentId, call: { type: 'PONG' } }); // a1 answers, a2 does not
  }
  const partitioned = getTasks(h.core);
  assert.deepEqual(partitioned.unreachable_tasks.map((t: Json) => [t.task_id.value, t.state]), [['p1', 'TASK_UNREACHABLE']]);
  assert.deepEqual(getAgents(h.core).agents.map((a: Json) => a.agent_info.id.value), [agentId], 'the unreachable agent is not listed');

  h.step({ kind: 'teardown-framework', frameworkId: paId });
  const frameworks = getFrameworks(h.core);
  assert.deepEqual(frameworks.completed_frameworks.map((f: Json) => [f.framework_info.name, f.active, f.connected]), [['pa', false, false]]);
  assert.ok(frameworks.completed_frameworks[0].unregistered_time.nanoseconds > 0);
  const afterTeardown = getTasks(h.core);
  assert.equal(afterTeardown.unreachable_tasks, undefined);
  assert.deepEqual(afterTeardown.completed_tasks.map((t: Json) => [t.task_id.value, t.state]), [['t1', 'TASK_FINISHED'], ['p1', 'TASK_KILLED']]);
});

test('listings and events agree on what each agent and framework uses and is offered (tasks, executors, offers, reservations)', () => {
  const h = new Harness();
  const a1 = h.addAgent('cpus:8;mem:4096;cpus(eng):2', 'a1');
  const a2 = h.addAgent('cpus:4;mem:2048', 'a2');
  const web = h.subscribe('web', { role: 'eng' }).frameworkId;
  const batch = h.subscribe('batch', { roles: ['ops', 'ops/nightly'], capabilities: [{ type: 'MULTI_ROLE' }] }).frameworkId;
  const offers = h.allocate();
  for (const offer of offers) {
    const executor = { executor_id: { value: `e-${offer.agent_id.value}` }, command: { value: 'exec' }, resources: parseSimple('cpus:0.5;mem:64') };
    // A task of the framework's own executor: the harness's default command is unset.
    const task = { id: `t-${offer.id.value}`, resources: parseSimple('cpus:1;mem:100'), executor, command: undefined };
    h.launch(offer.framework_id.value as FrameworkId, offer, [task as unknown as { id: string }]);
  }
  h.nowMs += 6_000;
  h.allocate();
  const writer = new OperatorStateWriter(h.core);
  const usage = (json: Json) => ({ used: canonicalSet(json.allocated_resources ?? []), offered: canonicalSet(json.offered_resources ?? []) });
  const endpoint = (resources: Resource[]) => canonicalSet(toEndpointFormat(sumResources(resources)));
  const agents = getAgents(h.core).agents as Json[];
  assert.equal(agents.length, 2);
  for (const agent of agents) {
    const record = h.core.agents.get(agent.agent_info.id.value as AgentId)!;
    assert.deepEqual(usage(agent), { used: endpoint(h.core.usedResourcesOf(record.id)), offered: endpoint(h.core.offeredResourcesOf(record.id)) }, `agent ${record.id}`);
    assert.deepEqual(usage(agent), usage(JSON.parse(writer.agentEventJson(record)) as Json), `agent ${record.id}, as an event gives it`);
  }
  for (const framework of getFrameworks(h.core).frameworks as Json[]) {
    const record = h.core.frameworks.get(framework.framework_info.id.value as FrameworkId)!;
    assert.deepEqual(framework, JSON.parse(writer.frameworkEventJson(record)), `framework ${record.id}, as an event gives it`);
    assert.ok(usage(framework).used.length > 0 && usage(framework).offered.length > 0, 'each framework runs something and is offered more');
  }
  assert.ok([a1, a2].every((id) => h.core.usedResourcesOf(id).length > 0));
  assert.deepEqual(new Set([web, batch]).size, 2);
});

test('GET_ROLES: subscribed, weighted, quota\'d and reserved roles, sorted, with what is allocated or offered to each', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:1024;cpus(res):1', 'a1');
  const { frameworkId } = h.subscribe('web', { role: 'eng' });
  h.step({ kind: 'update-weights', weights: [{ role: 'ops', weight: 2.5 }] });
  h.step({ kind: 'update-quota', update: [{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 1 } } }] });
  const [offer] = h.allocate();
  assert.ok(offer);
  const roles = (getRoles(h.core) as Json).roles;
  assert.deepEqual(roles.map((r: Json) => [r.name, r.weight]), [['dev', 1], ['eng', 1], ['ops', 2.5], ['res', 1]]);
  const eng = roles.find((r: Json) => r.name === 'eng');
  assert.deepEqual(eng.frameworks, [{ value: frameworkId }]);
  assert.deepEqual(eng.resources.find((r: Resource) => r.name === 'cpus'), { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*', allocation_info: { role: 'eng' } });
  const ops = roles.find((r: Json) => r.name === 'ops');
  assert.equal(ops.frameworks, undefined);
  assert.equal(ops.resources, undefined);
});

test('GET_MASTER: the MasterInfo and start and election times in seconds', () => {
  const h = new Harness();
  const identity = { version: '1.11.0', buildDate: '', startTimeMs: 1_500, electedTimeMs: 2_250, pid: 'master@m1:5050', hostname: 'm1', flags: {} };
  assert.deepEqual(getMaster(h.core, identity), { master_info: h.core.options.masterInfo, start_time: 1.5, elected_time: 2.25 });
});

test('a task\'s text is kept between requests and written anew when the task changes', () => {
  const { h, agentId, frameworkId } = runningCluster();
  const writer = new OperatorStateWriter(h.core);
  const first = getState(h.core, writer);
  assert.deepEqual(getState(h.core, writer), first, 'the same answer from the kept text');
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_FINISHED', 'u2');
  const [task] = getTasks(h.core, writer).tasks;
  assert.equal(task.state, 'TASK_FINISHED');
  assert.equal(task.status_update_uuid, 'u2');
  assert.deepEqual(task.statuses.map((s: Json) => s.state), ['TASK_RUNNING', 'TASK_FINISHED']);
});

test('sumResources sums as addAll does (property: random scalars with roles and reservations, ranges, sets)', () => {
  const stacks: Array<ReservationInfo[] | undefined> = [undefined, [{ type: 'STATIC', role: 'eng' }], [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }]];
  const reservation = fc.constantFrom(...stacks);
  const scalarEntry = fc.record({
    name: fc.constantFrom('cpus', 'mem', 'gpus'),
    amount: fc.integer({ min: 1, max: 4000 }),
    role: fc.constantFrom(undefined, 'eng', 'ops'),
    reservations: reservation,
  }).map(({ name, amount, role, reservations }): Resource => ({
    name, type: 'SCALAR', scalar: { value: amount / 1000 }, ...(reservations ? { reservations } : {}), ...(role ? { allocation_info: { role } } : {}),
  }));
  const rangeEntry = fc.integer({ min: 31000, max: 31100 }).map((port): Resource => ({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: port, end: port + 2 }] }, allocation_info: { role: 'eng' } }));
  const canonical = (list: readonly Resource[]) => list.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  fc.assert(fc.property(fc.array(fc.oneof(scalarEntry, scalarEntry, rangeEntry), { maxLength: 40 }), (parts) => {
    assert.deepEqual(canonical(sumResources(parts)), canonical(addAll([], parts)));
  }), { numRuns: 300 });
});

test('kept texts never go stale: after every change, a writer that kept its texts writes what a fresh one writes', () => {
  const h = new Harness();
  const kept = new OperatorStateWriter(h.core);
  const check = (what: string) => {
    const fresh = new OperatorStateWriter(h.core);
    assert.deepEqual(getState(h.core, kept), getState(h.core, fresh), what);
    assert.deepEqual(getAgents(h.core), parsed((out) => kept.writeAgents(out)), `${what}: agents`);
  };
  check('empty');
  const a1 = h.addAgent('cpus:4;mem:1024', 'a1');
  check('an agent');
  const web = h.subscribe('web', { role: 'eng', failover_timeout: 60 });
  const batch = h.subscribe('batch', { role: 'ops', capabilities: [{ type: 'PARTITION_AWARE' }] });
  check('two frameworks');
  const offers = h.allocate();
  check('offers out');
  for (const [i, offer] of offers.entries()) h.launch(offer.framework_id.value as FrameworkId, offer, [{ id: `t${i}`, resources: parseSimple('cpus:1;mem:64') }]);
  check('tasks launched, leftovers declined');
  h.agentUpdate(a1, web.frameworkId, 't0', 'TASK_RUNNING', 'r0');
  check('a task running');
  const a2 = h.addAgent('cpus:2;mem:512', 'a2');
  h.nowMs += 6_000;
  h.allocate();
  check('a second agent, offered');
  h.agentUpdate(a1, web.frameworkId, 't0', 'TASK_FINISHED', 'f0');
  check('a task finished');
  h.call(web.frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: a1 }, task_id: { value: 't0' }, uuid: 'f0' } });
  check('acknowledged: completed');
  h.step({ kind: 'framework-disconnected', frameworkId: web.frameworkId, connectionId: web.connectionId });
  check('a framework disconnected');
  h.step({ kind: 'update-weights', weights: [{ role: 'eng', weight: 2 }] });
  h.step({ kind: 'reserve-resources', agentId: a2, source: [], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'ops' }] }] });
  check('a reservation');
  h.step({ kind: 'mark-agent-gone', agentId: a1 });
  check('an agent gone');
  h.step({ kind: 'teardown-framework', frameworkId: batch.frameworkId });
  check('a framework torn down');
});

test('when one task of a framework changes, the text of the others is reused as it was', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:1024');
  const { frameworkId } = h.subscribe('web');
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, ['a', 'b', 'c'].map((id) => ({ id, resources: parseSimple('cpus:0.5;mem:64') })));
  const kept = new OperatorStateWriter(h.core);
  assert.deepEqual(getTasks(h.core, kept).tasks.map((t: Json) => t.state), ['TASK_STAGING', 'TASK_STAGING', 'TASK_STAGING']);
  h.agentUpdate(agentId, frameworkId, 'b', 'TASK_RUNNING', 'rb');
  const tasks = getTasks(h.core, kept).tasks;
  assert.deepEqual(tasks.map((t: Json) => [t.task_id.value, t.state]), [['a', 'TASK_STAGING'], ['b', 'TASK_RUNNING'], ['c', 'TASK_STAGING']]);
  assert.deepEqual(getTasks(h.core, kept), getTasks(h.core), 'the same as written afresh');
  h.agentUpdate(agentId, frameworkId, 'a', 'TASK_FAILED', 'fa');
  h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: 'a' }, uuid: 'fa' } });
  const after = getTasks(h.core, kept);
  assert.deepEqual(after.tasks.map((t: Json) => t.task_id.value), ['b', 'c']);
  assert.deepEqual(after.completed_tasks.map((t: Json) => [t.task_id.value, t.state]), [['a', 'TASK_FAILED']]);
  assert.deepEqual(after, getTasks(h.core));
});

test('prepare writes a cold state a slice at a time, letting the event loop run, and what changes meanwhile is still written true', async () => {
  const h = new Harness();
  const agents = Array.from({ length: 40 }, (_, i) => h.addAgent('cpus:8;mem:4096', `a${i}`));
  const frameworks = Array.from({ length: 20 }, (_, i) => h.subscribe(`f${i}`, { role: 'eng' }));
  for (const offer of h.allocate()) {
    const tasks = Array.from({ length: 40 }, (_, i) => ({ id: `${offer.agent_id.value}-${i}`, resources: parseSimple('cpus:0.1;mem:16') }));
    h.launch(offer.framework_id.value as FrameworkId, offer, tasks);
  }
  const writer = new OperatorStateWriter(h.core);
  let turns = 0;
  const count = () => {
    turns++;
    if (turns < 1000) setImmediate(count);
  };
  setImmediate(count);
  // A change arrives while the preparation runs: the answer after it must show it.
  setImmediate(() => h.agentUpdate(agents[0] as AgentId, frameworks[0]?.frameworkId as FrameworkId, `${agents[0]}-0`, 'TASK_RUNNING', 'r0'));
  await writer.prepare(0); // Slices of 0 ms: it lets the loop run after every piece.
  assert.ok(turns > 20, `the event loop turned ${turns} times during the preparation`);
  assert.deepEqual(getState(h.core, writer), getState(h.core, new OperatorStateWriter(h.core)));
  assert.equal(h.core.frameworks.get(frameworks[0]?.frameworkId as FrameworkId)?.tasks.size, 40 * 2);
});
