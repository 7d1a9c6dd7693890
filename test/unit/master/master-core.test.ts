/**
 * Goal: the master core follows the Mesos scheduler API semantics for the offer cycle, launches,
 * status updates, acknowledgements, kills, reconciliation, failover and agent loss.
 * Method: scripted scenarios through the Harness (a real MasterCore, a manual clock), asserting
 * on the effects it returns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentId } from '../../../src/common/ids.js';
import { agentEvents, frameworkEvents, Harness, offersIn, parseSimple, scalar, updatesIn } from './harness.js';

test('an agent and a framework: offer, launch, updates, acknowledgement', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('web');
  const [offer] = h.allocate();
  assert.ok(offer, 'the only framework is offered the only agent');
  assert.equal(scalar(offer.resources, 'cpus'), 4);
  assert.equal(offer.agent_id.value, agentId);
  assert.equal(offer.url?.address.port, 5051);

  const launched = h.launch(frameworkId, offer, [{ id: 't1' }]);
  const [run] = agentEvents(launched, agentId);
  assert.equal(run?.type, 'RUN_TASK');

  const running = h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING', 'uuid-1');
  const [status] = updatesIn(running);
  assert.equal(status?.state, 'TASK_RUNNING');
  assert.equal(status?.uuid, 'uuid-1');

  const acked = h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: 'uuid-1' } });
  assert.deepEqual(agentEvents(acked, agentId).map((e) => e.type), ['ACKNOWLEDGE']);

  // The unused 3 cpus were declined with the default 5 s filter: not offered again right away.
  assert.deepEqual(h.allocate(), []);
  h.nowMs += 5_001;
  const [again] = h.allocate();
  assert.equal(scalar(again?.resources ?? [], 'cpus'), 3, '4 cpus - 1 for t1');
});

test('a finished task returns its resources once the update arrives', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:1;mem:128');
  const { frameworkId } = h.subscribe();
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  assert.deepEqual(h.allocate(), [], 'everything is in use');
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_FINISHED');
  const [back] = h.allocate();
  assert.equal(scalar(back?.resources ?? [], 'cpus'), 1);
});

test('ACCEPT of an unknown offer drops its tasks with REASON_INVALID_OFFERS', () => {
  const h = new Harness();
  h.addAgent();
  const { frameworkId } = h.subscribe('pa', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const [offer] = h.allocate();
  const effects = h.launch(frameworkId, { ...offer!, id: { value: 'no-such-offer' } }, [{ id: 't1' }]);
  const [status] = updatesIn(effects);
  assert.equal(status?.state, 'TASK_DROPPED');
  assert.equal(status?.reason, 'REASON_INVALID_OFFERS');
  assert.equal(status?.uuid, undefined, 'master-generated updates carry no uuid');
});

test('invalid tasks get TASK_ERROR naming the problem; valid ones in the same ACCEPT launch', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:2;mem:1024');
  const { frameworkId } = h.subscribe();
  const [offer] = h.allocate();
  const effects = h.launch(frameworkId, offer!, [
    { id: 'ok' },
    { id: 'ok' },
    { id: 'greedy', resources: parseSimple('cpus:8;mem:128') },
    { id: 'both', executor: { executor_id: { value: 'e' }, command: { value: 'x' } } },
  ]);
  const updates = updatesIn(effects);
  assert.deepEqual(updates.map((u) => [u.task_id.value, u.state, u.reason]), [
    ['ok', 'TASK_ERROR', 'REASON_TASK_INVALID'],
    ['greedy', 'TASK_ERROR', 'REASON_TASK_INVALID'],
    ['both', 'TASK_ERROR', 'REASON_TASK_INVALID'],
  ]);
  assert.match(updates[0]?.message ?? '', /duplicate ID/);
  assert.match(updates[1]?.message ?? '', /more resources than available/);
  assert.match(updates[2]?.message ?? '', /not both/);
  assert.equal(agentEvents(effects, agentId).filter((e) => e.type === 'RUN_TASK').length, 1);
});

test('KILL is forwarded to the agent; KILL of an unknown task answers by reconciliation', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const { frameworkId } = h.subscribe();
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  const kill = h.call(frameworkId, { type: 'KILL', kill: { task_id: { value: 't1' } } });
  assert.deepEqual(agentEvents(kill, agentId).map((e) => e.type), ['KILL_TASK']);
  const unknown = h.call(frameworkId, { type: 'KILL', kill: { task_id: { value: 'nope' } } });
  const [status] = updatesIn(unknown);
  assert.equal(status?.state, 'TASK_LOST', 'not partition-aware: TASK_LOST');
  assert.equal(status?.reason, 'REASON_RECONCILIATION');
});

test('RECONCILE: implicit lists known tasks; explicit answers the six Mesos cases', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const { frameworkId } = h.subscribe('pa', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING');
  const implicit = updatesIn(h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [] } }));
  assert.deepEqual(implicit.map((u) => [u.task_id.value, u.state, u.reason]), [['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION']]);
  const explicit = updatesIn(h.call(frameworkId, {
    type: 'RECONCILE',
    reconcile: { tasks: [
      { task_id: { value: 't1' } },
      { task_id: { value: 'ghost' }, agent_id: { value: agentId } },
      { task_id: { value: 'ghost' } },
    ] },
  }));
  assert.deepEqual(explicit.map((u) => u.state), ['TASK_RUNNING', 'TASK_GONE', 'TASK_UNKNOWN']);
});

test('an agent that misses its pings is unreachable: tasks reported, FAILURE sent, offers rescinded', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const pa = h.subscribe('pa', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const legacy = h.subscribe('legacy');
  const offers = h.allocate();
  assert.equal(offers.length, 1);
  const offer = offers[0]!;
  const owner = offer.framework_id.value === pa.frameworkId ? pa.frameworkId : legacy.frameworkId;
  h.launch(owner, offer, [{ id: 't1' }]);
  let last: ReturnType<Harness['step']> = [];
  for (let i = 0; i < 6; i++) last = last.concat(h.step({ kind: 'ping-tick' }));
  const lost = updatesIn(last);
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.state, owner === pa.frameworkId ? 'TASK_UNREACHABLE' : 'TASK_LOST');
  assert.equal(lost[0]?.reason, 'REASON_AGENT_REMOVED');
  const failures = frameworkEvents(last).filter((e) => e.type === 'FAILURE');
  assert.equal(failures.length, 2, 'every subscribed framework hears of the lost agent');
  assert.equal(h.core.agents.has(agentId as AgentId), false);
  assert.equal(h.core.unreachableAgents.has(agentId as AgentId), true);
});

test('PONGs keep an agent registered', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  for (let i = 0; i < 10; i++) {
    h.step({ kind: 'ping-tick' });
    h.step({ kind: 'agent-call', agentId, call: { type: 'PONG' } });
  }
  assert.equal(h.core.agents.has(agentId), true);
});

test('a framework that disconnects keeps its tasks until its failover timeout, then they are killed', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const { frameworkId, connectionId } = h.subscribe('svc', { failover_timeout: 60 });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  const disconnected = h.step({ kind: 'framework-disconnected', frameworkId, connectionId });
  const timer = disconnected.find((e) => e.kind === 'set-timer');
  assert.equal(timer?.kind === 'set-timer' ? timer.atMs - h.nowMs : -1, 60_000);

  // Resubscribing within the timeout keeps the task.
  const again = h.subscribe('svc', { failover_timeout: 60 }, frameworkId);
  assert.equal(again.frameworkId, frameworkId);
  assert.equal(h.core.frameworks.get(frameworkId)?.tasks.size, 1);

  h.step({ kind: 'framework-disconnected', frameworkId, connectionId: again.connectionId });
  h.nowMs += 60_000;
  const removed = h.step({ kind: 'timer', key: { kind: 'framework-failover', frameworkId } });
  assert.deepEqual(agentEvents(removed, agentId).map((e) => e.type), ['SHUTDOWN_FRAMEWORK']);
  assert.equal(h.core.frameworks.has(frameworkId), false);
  assert.equal(h.core.frameworkAccess(frameworkId).kind, 'removed');
});

test('offers are rescinded after the offer timeout', () => {
  const h = new Harness();
  h.addAgent();
  const { frameworkId } = h.subscribe();
  const [offer] = h.allocate();
  const effects = h.step({ kind: 'timer', key: { kind: 'offer-timeout', offerId: offer!.id.value as never } });
  const [rescind] = frameworkEvents(effects, frameworkId);
  assert.equal(rescind?.type, 'RESCIND');
  assert.equal(offersIn(h.step({ kind: 'allocate' })).length, 1, 'rescinded resources are offered again, unfiltered');
});

test('two frameworks share by DRF: the one with less gets the next agent', () => {
  const h = new Harness();
  for (let i = 0; i < 4; i++) h.addAgent('cpus:2;mem:1024', `a${i}`);
  const a = h.subscribe('a');
  const b = h.subscribe('b');
  const offers = h.allocate();
  const perFramework = new Map<string, number>();
  for (const offer of offers) perFramework.set(offer.framework_id.value, (perFramework.get(offer.framework_id.value) ?? 0) + 1);
  assert.equal(perFramework.get(a.frameworkId), 2);
  assert.equal(perFramework.get(b.frameworkId), 2);
});

test('LAUNCH_GROUP runs under one DEFAULT executor; an invalid group fails as a whole', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const { frameworkId } = h.subscribe();
  const [offer] = h.allocate();
  const group = (ids: string[], type: 'DEFAULT' | 'CUSTOM') => h.call(frameworkId, {
    type: 'ACCEPT',
    accept: {
      offer_ids: [offer!.id],
      operations: [{
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: { type, executor_id: { value: 'ex' }, resources: parseSimple('cpus:0.1;mem:32') },
          task_group: { tasks: ids.map((id) => ({ name: id, task_id: { value: id }, agent_id: offer!.agent_id, resources: parseSimple('cpus:0.5;mem:64'), command: { value: 'sleep 1' } })) },
        },
      }],
    },
  });
  const bad = group(['x', 'y'], 'CUSTOM');
  assert.deepEqual(updatesIn(bad).map((u) => u.reason), ['REASON_TASK_GROUP_INVALID', 'REASON_TASK_GROUP_INVALID']);
  h.nowMs += 10_000;
  const [offer2] = h.allocate();
  assert.ok(offer2);
  offer!.id = offer2.id;
  const good = group(['x', 'y'], 'DEFAULT');
  assert.deepEqual(agentEvents(good, agentId).map((e) => e.type), ['RUN_TASK_GROUP']);
  assert.equal(h.core.frameworks.get(frameworkId)?.tasks.size, 2);
});

test('a task that ended on a lost agent, but whose end the framework was never sent, is reported lost', () => {
  const h = new Harness();
  const agentId = h.addAgent();
  const { frameworkId } = h.subscribe('legacy');
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  // The agent forwards RUNNING while it already knows the task finished (FINISHED waits for the ack).
  const status = { task_id: { value: 't1' }, state: 'TASK_RUNNING' as const, source: 'SOURCE_EXECUTOR' as const, uuid: 'u1', agent_id: { value: agentId } };
  h.step({ kind: 'agent-call', agentId, call: { type: 'UPDATE', update: { framework_id: { value: frameworkId }, status, latest_state: 'TASK_FINISHED' } } });
  let last: ReturnType<Harness['step']> = [];
  for (let i = 0; i < 6; i++) last = last.concat(h.step({ kind: 'ping-tick' }));
  const [lost] = updatesIn(last);
  assert.equal(lost?.task_id.value, 't1', 'the framework, which last heard RUNNING, is told');
  assert.equal(lost?.state, 'TASK_LOST');
  assert.equal(lost?.reason, 'REASON_AGENT_REMOVED');
});
