/**
 * Goal: after a master restart, agents of the registry are recovered agents, so reconciliation
 * never reports a task on one lost while the agent may still bring it back (a framework would
 * relaunch it: a duplicate); they come back by reregistering, or are marked unreachable once
 * `agentReregisterTimeoutMs` passes. Registry changes come out as `persist` effects ahead of what
 * depends on them.
 * Method: the harness in place of the shell; a "restarted" master is a new core stepped with
 * `recover-registry`, as the shell does with what agents.log holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSubscribe } from '../../../src/api/agent-link/messages.js';
import type { AgentId } from '../../../src/common/ids.js';
import type { Effect, RegistryChange } from '../../../src/master/core/types.js';
import { frameworkEvents, Harness, makeCore, parseSimple, updatesIn } from './harness.js';

const TIMEOUT_MS = 600_000;
const persisted = (effects: Effect[]): RegistryChange[] => effects.flatMap((e) => (e.kind === 'persist' ? [e.change] : []));

/** A master that restarted with agent `a1` (hostname host-1) in its registry, and a subscribed framework. */
function restartedMaster(capabilities: Array<{ type: string }> = []) {
  const h = new Harness(makeCore({ agentReregisterTimeoutMs: TIMEOUT_MS }));
  const agentId = 'old-S1' as AgentId;
  const info = { hostname: 'host-1', port: 5051, id: { value: agentId }, resources: parseSimple('cpus:4;mem:4096') };
  const recover = h.step({ kind: 'recover-registry', admitted: [{ agentId, info }], unreachable: [] });
  const { frameworkId } = h.subscribe('fw', { capabilities }, 'old-0000');
  return { h, agentId, info, recover, frameworkId };
}

function reregister(h: Harness, agentId: AgentId, tasks: AgentSubscribe['tasks'] = []): Effect[] {
  const subscribe: AgentSubscribe = {
    agent_info: { hostname: 'host-1', port: 5051, id: { value: agentId } },
    resources: parseSimple('cpus:4;mem:4096'),
    version: '1.11.0',
    ...(tasks ? { tasks } : {}),
  };
  return h.step({ kind: 'agent-subscribe', connectionId: h.newConnection(), subscribe, remoteIp: '127.0.0.1' });
}

test('a new agent is admitted to the registry before it is told its id', () => {
  const h = new Harness();
  const connectionId = h.newConnection();
  const effects = h.step({ kind: 'agent-subscribe', connectionId, subscribe: { agent_info: { hostname: 'a1', port: 5051 }, resources: parseSimple('cpus:1;mem:128'), version: '1.11.0' }, remoteIp: '127.0.0.1' });
  const persist = effects.findIndex((e) => e.kind === 'persist');
  const open = effects.findIndex((e) => e.kind === 'agent-stream-open');
  assert.ok(persist >= 0 && persist < open, 'the admission comes before the SUBSCRIBED event');
  const change = persisted(effects)[0];
  assert.equal(change?.kind, 'admit-agent');
});

test('registry agents are recovered: known, not registered, not offered; the timer is set', () => {
  const { h, agentId, recover } = restartedMaster();
  assert.equal(h.core.recoveredAgents.has(agentId), true);
  assert.equal(h.core.agents.size, 0);
  assert.equal(h.core.agentStanding(agentId), 'recovered');
  assert.deepEqual(recover.filter((e) => e.kind === 'set-timer' && e.key.kind === 'agent-reregister-timeout').map((e) => e.kind === 'set-timer' && e.atMs), [h.nowMs + TIMEOUT_MS]);
  assert.deepEqual(h.allocate(), []);
});

test('explicit reconciliation of a task on a recovered agent answers nothing, for either kind of framework', () => {
  for (const capabilities of [[], [{ type: 'PARTITION_AWARE' }]]) {
    const { h, agentId, frameworkId } = restartedMaster(capabilities);
    const effects = h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: agentId } }] } });
    assert.deepEqual(updatesIn(effects), []);
    // A task naming no agent, or an agent nobody knows, is still answered.
    const other = h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't2' }, agent_id: { value: 'nobody' } }] } });
    assert.deepEqual(updatesIn(other).map((s) => s.state), [capabilities.length > 0 ? 'TASK_UNKNOWN' : 'TASK_LOST']);
  }
});

test('a recovered agent that reregisters is a normal agent again, with its tasks, and needs no new registry write', () => {
  const { h, agentId, frameworkId } = restartedMaster();
  const task = { name: 't1', task_id: { value: 't1' }, framework_id: { value: frameworkId }, agent_id: { value: agentId }, state: 'TASK_RUNNING' as const, resources: parseSimple('cpus:1;mem:128'), statuses: [] };
  const effects = reregister(h, agentId, [task]);
  assert.deepEqual(persisted(effects), [], 'the agent is admitted already, with the same AgentInfo');
  assert.ok(effects.some((e) => e.kind === 'cancel-timer' && e.key.kind === 'agent-reregister-timeout'), 'the last recovered agent back cancels the timer');
  assert.equal(h.core.recoveredAgents.size, 0);
  assert.equal(h.core.agentStanding(agentId), 'registered');
  const answer = h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: agentId } }] } });
  assert.deepEqual(updatesIn(answer).map((s) => s.state), ['TASK_RUNNING']);
  assert.equal(h.core.counters.recoveryAgentRemovals, 0);
  assert.equal(h.allocate().length, 1, 'its free resources are offered');
});

test('recovered agents not back in time are marked unreachable, persisted and counted; then reconciliation answers', () => {
  for (const [capabilities, expected] of [[[], 'TASK_LOST'], [[{ type: 'PARTITION_AWARE' }], 'TASK_UNREACHABLE']] as const) {
    const { h, agentId, info, frameworkId } = restartedMaster([...capabilities]);
    h.nowMs += TIMEOUT_MS;
    const effects = h.step({ kind: 'timer', key: { kind: 'agent-reregister-timeout' } });
    assert.deepEqual(persisted(effects), [{ kind: 'mark-agent-unreachable', agentId, info, unreachableAtMs: h.nowMs }]);
    assert.deepEqual(frameworkEvents(effects, frameworkId), [{ type: 'FAILURE', failure: { agent_id: { value: agentId } } }]);
    assert.equal(h.core.recoveredAgents.size, 0);
    assert.equal(h.core.agentStanding(agentId), 'unreachable');
    assert.equal(h.core.counters.recoveryAgentRemovals, 1);
    assert.equal(h.core.counters.agentRemovals, 1);
    const answer = h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: { value: agentId } }] } });
    assert.deepEqual(updatesIn(answer).map((s) => s.state), [expected]);
  }
});

test('an agent back after it was marked unreachable is admitted again, and its non-partition-aware tasks are killed', () => {
  const { h, agentId, frameworkId } = restartedMaster();
  h.step({ kind: 'timer', key: { kind: 'agent-reregister-timeout' } });
  const task = { name: 't1', task_id: { value: 't1' }, framework_id: { value: frameworkId }, agent_id: { value: agentId }, state: 'TASK_RUNNING' as const, resources: parseSimple('cpus:1;mem:128'), statuses: [] };
  const effects = reregister(h, agentId, [task]);
  assert.deepEqual(persisted(effects).map((c) => c.kind), ['admit-agent']);
  assert.ok(effects.some((e) => e.kind === 'to-agent' && e.event.type === 'KILL_TASK'));
});

test('unreachable agents of the registry stay unreachable after a restart', () => {
  const h = new Harness(makeCore());
  const agentId = 'old-S2' as AgentId;
  h.step({ kind: 'recover-registry', admitted: [], unreachable: [{ agentId, info: { hostname: 'h2' }, unreachableAtMs: 5 }] });
  assert.equal(h.core.agentStanding(agentId), 'unreachable');
  const { frameworkId } = h.subscribe('fw', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const answer = h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't' }, agent_id: { value: agentId } }] } });
  assert.deepEqual(updatesIn(answer).map((s) => s.state), ['TASK_UNREACHABLE']);
});

test('marking an agent gone removes it from the registry: registered, recovered or unreachable', () => {
  const { h, agentId } = restartedMaster();
  const effects = h.step({ kind: 'mark-agent-gone', agentId });
  assert.deepEqual(persisted(effects), [{ kind: 'remove-agent', agentId }]);
  assert.equal(h.core.agentStanding(agentId), 'gone');
  assert.equal(h.core.recoveredAgents.size, 0);
  const registered = h.addAgent('cpus:1;mem:128', 'a2');
  assert.deepEqual(persisted(h.step({ kind: 'mark-agent-gone', agentId: registered })), [{ kind: 'remove-agent', agentId: registered }]);
});

test('an agent that misses its pings is marked unreachable in the registry before frameworks hear of it', () => {
  const h = new Harness(makeCore({ maxAgentPingTimeouts: 1 }));
  const agentId = h.addAgent();
  h.subscribe('fw');
  h.step({ kind: 'ping-tick' });
  const effects = h.step({ kind: 'ping-tick' });
  const persist = effects.findIndex((e) => e.kind === 'persist');
  const failure = effects.findIndex((e) => e.kind === 'to-framework' && e.event.type === 'FAILURE');
  assert.ok(persist >= 0 && persist < failure);
  assert.equal(persisted(effects)[0]?.kind, 'mark-agent-unreachable');
  assert.equal(h.core.agentStanding(agentId), 'unreachable');
});

test('reconciling an operation on a recovered agent answers OPERATION_RECOVERING, as Mesos documents', () => {
  const { h, agentId, frameworkId } = restartedMaster();
  const effects = h.call(frameworkId, { type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'op-1' }, agent_id: { value: agentId } }] } });
  const states = effects.flatMap((e) => (e.kind === 'to-framework' && e.event.type === 'UPDATE_OPERATION_STATUS' ? [e.event.update_operation_status?.status.state] : []));
  assert.deepEqual(states, ['OPERATION_RECOVERING']);
});

test('the registry forgets unreachable agents past its age, then the oldest past its count, at each GC', () => {
  const DAY_MS = 86_400_000;
  const h = new Harness(makeCore({ agentReregisterTimeoutMs: TIMEOUT_MS, registryMaxAgentAgeMs: 14 * DAY_MS, registryMaxAgentCount: 2, registryGcIntervalMs: 15 * 60_000 }));
  const entry = (name: string, daysAgo: number) => ({
    agentId: name as AgentId, info: { hostname: name, port: 5051, id: { value: name } }, unreachableAtMs: h.nowMs - daysAgo * DAY_MS,
  });
  const recover = h.step({ kind: 'recover-registry', admitted: [], unreachable: [entry('ancient', 15), entry('old', 3), entry('older', 4), entry('new', 1)] });
  // At start: 'ancient' is past 14 days; of the three left, the count keeps the newest two.
  assert.deepEqual(persisted(recover), [{ kind: 'remove-agent', agentId: 'ancient' }, { kind: 'remove-agent', agentId: 'older' }]);
  assert.deepEqual([...h.core.unreachableAgents.keys()].sort(), ['new', 'old']);
  const next = recover.find((e) => e.kind === 'set-timer' && e.key.kind === 'registry-gc');
  assert.equal(next?.kind === 'set-timer' && next.atMs, h.nowMs + 15 * 60_000, 'the next GC is due in registry_gc_interval');

  // Eleven days on, 'old' (now 14 days and a bit) goes at the GC; 'new' stays.
  h.nowMs += 11 * DAY_MS + 1;
  const gc = h.step({ kind: 'timer', key: { kind: 'registry-gc' } });
  assert.deepEqual(persisted(gc), [{ kind: 'remove-agent', agentId: 'old' }]);
  assert.deepEqual([...h.core.unreachableAgents.keys()], ['new']);
  assert.equal(h.core.agentStanding('old' as AgentId), 'unknown', 'a forgotten agent is as unknown as one never seen');
});
