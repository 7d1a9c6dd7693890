/**
 * Goal: the task gauges the master core keeps as it goes (tasks by state, resources used) always
 * equal what a walk over every task record would count, whatever frameworks, agents and tasks do:
 * launches, updates in any order, duplicates, acknowledgements, kills, agents lost and back,
 * frameworks failing over or torn down.
 * Method: random scripts of those inputs (fast-check) through the Harness; after every input the
 * kept gauges are compared with a walk over the core's task maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TASK_STATES, type TaskState } from '../../../src/api/mesos.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import type { MasterCore } from '../../../src/master/core/master-core.js';
import type { TaskRecord } from '../../../src/master/core/state.js';
import { TaskGauges } from '../../../src/master/core/task-gauges.js';
import type { Offer } from '../../../src/api/mesos.js';
import { Harness, parseSimple } from './harness.js';

/** What a walk over every task record the core holds counts: the reference for the kept gauges. */
function walk(core: MasterCore): { states: Map<TaskState, number>; cpus: number; mem: number } {
  const states = new Map<TaskState, number>();
  let cpus = 0;
  let mem = 0;
  const visit = (record: TaskRecord, holdsResources: boolean) => {
    states.set(record.task.state, (states.get(record.task.state) ?? 0) + 1);
    if (!holdsResources || record.resourcesRecovered) return;
    for (const r of record.resources) {
      if (r.name === 'cpus') cpus += r.scalar?.value ?? 0;
      if (r.name === 'mem') mem += r.scalar?.value ?? 0;
    }
  };
  for (const framework of core.frameworks.values()) {
    for (const record of framework.tasks.values()) visit(record, true);
    for (const record of framework.unreachableTasks.values()) visit(record, false);
  }
  // Tasks reported for frameworks not back yet: private to the core, read here only to check it.
  for (const record of (core as unknown as { pendingAgentTasks: Map<string, TaskRecord> }).pendingAgentTasks.values()) visit(record, true);
  return { states, cpus: Math.round(cpus * 1000) / 1000, mem: Math.round(mem * 1000) / 1000 };
}

function assertGaugesMatch(core: MasterCore, after: string): void {
  const expected = walk(core);
  for (const state of TASK_STATES) assert.equal(core.taskGauges.tasksIn(state), expected.states.get(state) ?? 0, `${state} after ${after}`);
  assert.equal(core.taskGauges.used('cpus'), expected.cpus, `cpus used after ${after}`);
  assert.equal(core.taskGauges.used('mem'), expected.mem, `mem used after ${after}`);
}

type Action =
  | { kind: 'add-agent' }
  | { kind: 'subscribe'; partitionAware: boolean }
  | { kind: 'allocate' }
  | { kind: 'launch'; offer: number; tasks: number; invalid: boolean }
  | { kind: 'decline'; offer: number }
  | { kind: 'update'; task: number; state: TaskState; latest: TaskState | null }
  | { kind: 'acknowledge'; task: number }
  | { kind: 'kill'; task: number }
  | { kind: 'ping-ticks'; times: number }
  | { kind: 'pong'; agent: number }
  | { kind: 'agent-back'; agent: number; reported: number }
  | { kind: 'framework-gone'; framework: number; teardown: boolean };

const AGENT_STATES: TaskState[] = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_LOST', 'TASK_GONE'];
const index = fc.nat({ max: 50 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'add-agent' as const }) },
  { weight: 1, arbitrary: fc.boolean().map((partitionAware) => ({ kind: 'subscribe' as const, partitionAware })) },
  { weight: 4, arbitrary: fc.constant({ kind: 'allocate' as const }) },
  { weight: 5, arbitrary: fc.record({ offer: index, tasks: fc.integer({ min: 0, max: 3 }), invalid: fc.boolean() }).map((a) => ({ kind: 'launch' as const, ...a })) },
  { weight: 1, arbitrary: index.map((offer) => ({ kind: 'decline' as const, offer })) },
  {
    weight: 10,
    arbitrary: fc.record({ task: index, state: fc.constantFrom(...AGENT_STATES), latest: fc.option(fc.constantFrom(...AGENT_STATES), { nil: null }) })
      .map((a) => ({ kind: 'update' as const, ...a })),
  },
  { weight: 3, arbitrary: index.map((task) => ({ kind: 'acknowledge' as const, task })) },
  { weight: 1, arbitrary: index.map((task) => ({ kind: 'kill' as const, task })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((times) => ({ kind: 'ping-ticks' as const, times })) },
  { weight: 2, arbitrary: index.map((agent) => ({ kind: 'pong' as const, agent })) },
  { weight: 1, arbitrary: fc.record({ agent: index, reported: fc.nat({ max: 7 }) }).map((a) => ({ kind: 'agent-back' as const, ...a })) },
  { weight: 1, arbitrary: fc.record({ framework: index, teardown: fc.boolean() }).map((a) => ({ kind: 'framework-gone' as const, ...a })) },
);

interface Launched { frameworkId: FrameworkId; agentId: AgentId; taskId: string }

function run(actions: Action[]): void {
  const h = new Harness();
  const agents: Array<{ id: AgentId; hostname: string }> = [];
  const frameworks: Array<{ id: FrameworkId; connectionId: string }> = [];
  let offers: Offer[] = [];
  const tasks: Launched[] = [];
  let uuid = 0;
  const pick = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
  for (const [step, a] of actions.entries()) {
    switch (a.kind) {
      case 'add-agent': {
        if (agents.length >= 4) break;
        const hostname = `a${agents.length}`;
        agents.push({ id: h.addAgent('cpus:4;mem:1024', hostname), hostname });
        break;
      }
      case 'subscribe': {
        if (frameworks.length >= 3) break;
        const { frameworkId, connectionId } = h.subscribe(`f${frameworks.length}`, {
          failover_timeout: 60, ...(a.partitionAware ? { capabilities: [{ type: 'PARTITION_AWARE' as const }] } : {}),
        });
        frameworks.push({ id: frameworkId, connectionId });
        break;
      }
      case 'allocate':
        offers = offers.concat(h.allocate());
        break;
      case 'launch': {
        const offer = pick(offers, a.offer);
        if (!offer) break;
        offers = offers.filter((o) => o !== offer);
        const specs = Array.from({ length: a.tasks }, () => ({ id: `t${tasks.length + Math.random().toString(36).slice(2, 6)}`, resources: parseSimple('cpus:0.5;mem:64') }));
        if (a.invalid) specs.push({ id: `bad${step}`, resources: parseSimple('cpus:64;mem:64') });
        h.launch(offer.framework_id.value as FrameworkId, offer, specs);
        for (const spec of specs) tasks.push({ frameworkId: offer.framework_id.value as FrameworkId, agentId: offer.agent_id.value as AgentId, taskId: spec.id });
        break;
      }
      case 'decline': {
        const offer = pick(offers, a.offer);
        if (!offer) break;
        offers = offers.filter((o) => o !== offer);
        h.call(offer.framework_id.value as FrameworkId, { type: 'DECLINE', decline: { offer_ids: [offer.id] } });
        break;
      }
      case 'update': {
        const task = pick(tasks, a.task);
        if (!task || !h.core.agents.get(task.agentId)?.connectionId) break;
        const status = { task_id: { value: task.taskId }, state: a.state, source: 'SOURCE_EXECUTOR' as const, uuid: `u${++uuid}`, agent_id: { value: task.agentId } };
        h.step({
          kind: 'agent-call', agentId: task.agentId,
          call: { type: 'UPDATE', update: { framework_id: { value: task.frameworkId }, status, ...(a.latest ? { latest_state: a.latest } : {}) } },
        });
        break;
      }
      case 'acknowledge': {
        const task = pick(tasks, a.task);
        const record = task && h.core.frameworks.get(task.frameworkId)?.tasks.get(task.taskId as never);
        if (!task || !record?.task.status_update_uuid) break;
        h.call(task.frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: task.agentId }, task_id: { value: task.taskId }, uuid: record.task.status_update_uuid } });
        break;
      }
      case 'kill': {
        const task = pick(tasks, a.task);
        if (task && h.core.frameworks.has(task.frameworkId)) h.call(task.frameworkId, { type: 'KILL', kill: { task_id: { value: task.taskId } } });
        break;
      }
      case 'ping-ticks':
        // Five missed in a row make an agent unreachable.
        for (let i = 0; i < a.times; i++) h.step({ kind: 'ping-tick' });
        break;
      case 'pong': {
        const agent = pick(agents, a.agent);
        if (agent && h.core.agents.get(agent.id)?.connectionId) h.step({ kind: 'agent-call', agentId: agent.id, call: { type: 'PONG' } });
        break;
      }
      case 'agent-back': {
        // The agent (re)subscribes with its id, reporting some of the tasks launched on it, in a live state.
        const agent = pick(agents, a.agent);
        if (!agent) break;
        const reported = tasks.filter((t) => t.agentId === agent.id).slice(0, a.reported);
        h.step({
          kind: 'agent-subscribe', connectionId: h.newConnection(), remoteIp: '127.0.0.1',
          subscribe: {
            agent_info: { hostname: agent.hostname, port: 5051, id: { value: agent.id } },
            resources: parseSimple('cpus:4;mem:1024'),
            version: '1.11.0',
            tasks: reported.map((t) => ({
              name: t.taskId, task_id: { value: t.taskId }, framework_id: { value: t.frameworkId }, agent_id: { value: agent.id },
              state: 'TASK_RUNNING' as const, resources: parseSimple('cpus:0.5;mem:64'), statuses: [],
            })),
          },
        });
        break;
      }
      case 'framework-gone': {
        const framework = pick(frameworks, a.framework);
        if (!framework || !h.core.frameworks.has(framework.id)) break;
        if (a.teardown) {
          h.call(framework.id, { type: 'TEARDOWN' });
        } else {
          const connectionId = h.core.frameworks.get(framework.id)?.connectionId;
          if (connectionId) h.step({ kind: 'framework-disconnected', frameworkId: framework.id, connectionId });
          h.step({ kind: 'timer', key: { kind: 'framework-failover', frameworkId: framework.id } });
        }
        break;
      }
    }
    assertGaugesMatch(h.core, `step ${step} (${a.kind})`);
  }
}

test('property: the kept task gauges equal a walk over every task, after every input', () => {
  // Every script starts with two agents and two frameworks (one partition-aware), so it has something to launch.
  const prelude: Action[] = [{ kind: 'add-agent' }, { kind: 'add-agent' }, { kind: 'subscribe', partitionAware: true }, { kind: 'subscribe', partitionAware: false }];
  fc.assert(fc.property(fc.array(action, { minLength: 20, maxLength: 150, size: 'large' }), (actions) => run([...prelude, ...actions])), { numRuns: 300 });
});

test('a record that leaves a map takes away what it added, even after it changed', () => {
  const gauges = new TaskGauges();
  const map = gauges.map<string>(true);
  const record = {
    task: { state: 'TASK_RUNNING' }, resources: parseSimple('cpus:0.1;mem:32'), resourcesRecovered: false,
  } as unknown as TaskRecord;
  map.set('t', record);
  assert.equal(gauges.tasksIn('TASK_RUNNING'), 1);
  assert.equal(gauges.used('cpus'), 0.1);
  // Changed in place without a recount, then taken out: exactly what was added goes.
  record.task.state = 'TASK_FINISHED';
  record.resourcesRecovered = true;
  map.delete('t');
  assert.equal(gauges.tasksIn('TASK_RUNNING'), 0);
  assert.equal(gauges.tasksIn('TASK_FINISHED'), 0);
  assert.equal(gauges.used('cpus'), 0);
  // Set twice under one key: counted once. A second map counts its own.
  record.task.state = 'TASK_STAGING';
  record.resourcesRecovered = false;
  map.set('t', record);
  map.set('t', record);
  const unreachable = gauges.map<string>(false);
  unreachable.set('t', record);
  assert.equal(gauges.tasksIn('TASK_STAGING'), 2);
  assert.equal(gauges.used('mem'), 32, 'a map without resources adds none');
  map.clear();
  unreachable.clear();
  assert.equal(gauges.tasksIn('TASK_STAGING'), 0);
  assert.equal(gauges.used('mem'), 0);
  for (let i = 0; i < 1000; i++) map.set(`k${i}`, record);
  for (let i = 0; i < 1000; i++) map.delete(`k${i}`);
  assert.equal(gauges.used('cpus'), 0, 'a thousand 0.1 cpus added and taken away leave exactly 0');
});
