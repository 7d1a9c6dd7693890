/**
 * Goal: the Operator API's event stream reports what really changes in the master, in Mesos'
 * shapes: AGENT_ADDED/REMOVED, FRAMEWORK_ADDED/UPDATED/REMOVED, TASK_ADDED, and TASK_UPDATED only
 * when a task's latest state changes (not for retried updates). The operator's TEARDOWN and
 * MARK_AGENT_GONE do what Mesos does: a gone agent's tasks end TASK_GONE_BY_OPERATOR (TASK_LOST for
 * frameworks that are not partition-aware), it is told to shut down and is refused when it returns.
 * Method: scripted scenarios through the Harness (a real MasterCore); the core's `state-changed`
 * effects are turned into events by OperatorEvents, as the shell does after each step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import type { Effect } from '../../../src/master/core/types.js';
import { MasterShellMetrics } from '../../../src/master/shell/metrics.js';
import { OperatorEvents } from '../../../src/master/shell/operator-events.js';
import { OperatorStateWriter } from '../../../src/master/shell/operator-state.js';
import { agentEvents, frameworkEvents, Harness, makeCore, parseSimple, updatesIn } from './harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The events a subscriber would get for these effects. */
function eventsOf(h: Harness, effects: readonly Effect[]): Json[] {
  const events = new OperatorEvents(h.core, new OperatorStateWriter(h.core), new MasterShellMetrics(), { heartbeatIntervalMs: 15_000 });
  const texts = effects.flatMap((effect) => (effect.kind === 'state-changed' ? [events.eventJson(effect.change)] : []));
  return texts.filter((text): text is string => text !== null).map((text) => JSON.parse(text) as Json);
}

const types = (events: Json[]) => events.map((event) => event.type);

test('a task\'s life as subscribers see it: added, then an update per new state, none for retries', () => {
  const h = new Harness();
  const agentAdded = eventsOf(h, capture(h, () => h.addAgent('cpus:2;mem:512')));
  assert.deepEqual(types(agentAdded), ['AGENT_ADDED']);
  const agentId = agentAdded[0]!.agent_added.agent.agent_info.id.value as AgentId;
  assert.equal(agentAdded[0]!.agent_added.agent.active, true);
  assert.deepEqual(agentAdded[0]!.agent_added.agent.total_resources.map((r: Json) => r.name).sort(), ['cpus', 'mem']);

  const subscribed = capture(h, () => h.subscribe('web', { role: 'eng' }));
  const [frameworkAdded] = eventsOf(h, subscribed);
  assert.equal(frameworkAdded?.type, 'FRAMEWORK_ADDED');
  assert.equal(frameworkAdded?.framework_added.framework.framework_info.name, 'web');
  assert.equal(frameworkAdded?.framework_added.framework.connected, true);
  const frameworkId = [...h.core.frameworks.keys()][0]!;

  const [offer] = h.allocate();
  const launched = eventsOf(h, h.launch(frameworkId, offer!, [{ id: 't1', resources: parseSimple('cpus:1;mem:64') }]));
  assert.deepEqual(types(launched), ['TASK_ADDED']);
  assert.equal(launched[0]!.task_added.task.state, 'TASK_STAGING');
  assert.deepEqual(launched[0]!.task_added.task.resources.map((r: Json) => [r.name, r.role, r.allocation_info.role]).sort(), [['cpus', '*', 'eng'], ['mem', '*', 'eng']]);

  const running = eventsOf(h, h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING', 'u1'));
  assert.deepEqual(running, [{
    type: 'TASK_UPDATED',
    task_updated: {
      framework_id: { value: frameworkId },
      status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: 'u1', agent_id: { value: agentId }, timestamp: 1000 },
      state: 'TASK_RUNNING',
    },
  }]);
  assert.deepEqual(eventsOf(h, h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING', 'u1')), [], 'a retried update changes nothing');
  const finished = eventsOf(h, h.agentUpdate(agentId, frameworkId, 't1', 'TASK_FINISHED', 'u2'));
  assert.deepEqual(finished.map((e) => [e.type, e.task_updated.state, e.task_updated.status.state]), [['TASK_UPDATED', 'TASK_FINISHED', 'TASK_FINISHED']]);
});

test('frameworks: a disconnect and a resubscription are updates; TEARDOWN by the operator removes it', () => {
  const h = new Harness();
  h.addAgent();
  const { frameworkId, connectionId } = h.subscribe('web', { failover_timeout: 60 });
  const disconnected = eventsOf(h, h.step({ kind: 'framework-disconnected', frameworkId, connectionId }));
  assert.deepEqual(disconnected.map((e) => [e.type, e.framework_updated.framework.connected, e.framework_updated.framework.active]), [['FRAMEWORK_UPDATED', false, false]]);
  assert.ok(disconnected[0]!.framework_updated.framework.unregistered_time.nanoseconds > 0);
  const back = eventsOf(h, capture(h, () => h.subscribe('web', { failover_timeout: 60 }, frameworkId)));
  assert.deepEqual(back.map((e) => [e.type, e.framework_updated.framework.connected]), [['FRAMEWORK_UPDATED', true]]);
  assert.ok(back[0]!.framework_updated.framework.reregistered_time.nanoseconds > 0);

  const torn = h.step({ kind: 'teardown-framework', frameworkId });
  assert.deepEqual(eventsOf(h, torn), [{ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: { failover_timeout: 60, checkpoint: false, user: 'u', name: 'web', role: '*', id: { value: frameworkId } } } }]);
  assert.ok(torn.some((e) => e.kind === 'framework-stream-close'), 'the scheduler\'s stream is closed');
  assert.equal(h.core.frameworkAccess(frameworkId).kind, 'removed');
  assert.deepEqual(h.step({ kind: 'teardown-framework', frameworkId }), [], 'a removed framework cannot be torn down again');
});

test('an agent that stops answering pings: removed, and its tasks of a framework that is not partition-aware are lost', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:2;mem:512');
  const { frameworkId } = h.subscribe('web');
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1', resources: parseSimple('cpus:1;mem:64') }]);
  const effects: Effect[] = [];
  for (let tick = 0; tick <= h.core.options.maxAgentPingTimeouts; tick++) effects.push(...h.step({ kind: 'ping-tick' }));
  const events = eventsOf(h, effects);
  assert.deepEqual(types(events), ['TASK_UPDATED', 'AGENT_REMOVED']);
  assert.equal(events[0]!.task_updated.state, 'TASK_LOST');
  assert.deepEqual(events[1], { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } });
});

test('MARK_AGENT_GONE on a registered agent: tasks TASK_GONE_BY_OPERATOR (TASK_LOST when not partition-aware), SHUTDOWN, refused when it returns', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:1024');
  const aware = h.subscribe('aware', { role: 'a', capabilities: [{ type: 'PARTITION_AWARE' }] }).frameworkId;
  h.subscribe('plain', { role: 'b' });
  // One offer a round goes to the framework with the lower share; the other's turn comes next round.
  const launched = new Set<string>();
  for (let round = 0; round < 2; round++) {
    for (const offer of h.allocate()) {
      const id = offer.framework_id.value === aware ? 'pa-task' : 'plain-task';
      if (launched.has(id)) continue;
      launched.add(id);
      h.launch(offer.framework_id.value as FrameworkId, offer, [{ id, resources: parseSimple('cpus:1;mem:64') }]);
    }
  }
  assert.equal(launched.size, 2);
  assert.equal(h.core.agentStanding(agentId), 'registered');
  const gone = h.step({ kind: 'mark-agent-gone', agentId });

  assert.deepEqual(agentEvents(gone, agentId).map((e) => e.type), ['SHUTDOWN'], 'the agent is told to shut down');
  assert.ok(gone.some((e) => e.kind === 'agent-stream-close'));
  const updates = updatesIn(gone).map((s) => [s.task_id.value, s.state, s.reason, s.source]);
  assert.deepEqual(updates.sort(), [
    ['pa-task', 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'SOURCE_MASTER'],
    ['plain-task', 'TASK_LOST', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'SOURCE_MASTER'],
  ]);
  assert.deepEqual(frameworkEvents(gone, aware).filter((e) => e.type === 'FAILURE').length, 1, 'frameworks hear the agent is lost');
  assert.deepEqual(types(eventsOf(h, gone)), ['TASK_UPDATED', 'TASK_UPDATED', 'AGENT_REMOVED']);
  assert.equal(h.core.agents.has(agentId), false);
  assert.equal(h.core.unreachableAgents.has(agentId), false);
  assert.equal(h.core.agentStanding(agentId), 'gone');
  const completed = [...h.core.frameworks.values()].flatMap((f) => f.completedTasks.map((t) => [t.task_id.value, t.state]));
  assert.deepEqual(completed.sort(), [['pa-task', 'TASK_GONE_BY_OPERATOR'], ['plain-task', 'TASK_LOST']]);

  // The agent comes back (its operator was wrong): it is refused with SHUTDOWN and not added.
  const connectionId = h.newConnection();
  const returned = h.step({ kind: 'agent-subscribe', connectionId, remoteIp: '127.0.0.1', subscribe: { agent_info: { hostname: 'a1', id: { value: agentId } }, resources: parseSimple('cpus:4'), version: '1.11.0' } });
  const refusal = returned.find((e) => e.kind === 'agent-stream-close');
  assert.deepEqual(refusal, { kind: 'agent-stream-close', connectionId, event: { type: 'SHUTDOWN', shutdown: { message: 'Agent has been marked gone' } } });
  assert.equal(returned.some((e) => e.kind === 'agent-stream-open'), false);
  assert.equal(h.core.agents.has(agentId), false);
});

test('MARK_AGENT_GONE on an unreachable agent: its unreachable tasks end TASK_GONE_BY_OPERATOR', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:2;mem:512');
  const { frameworkId } = h.subscribe('aware', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1', resources: parseSimple('cpus:1;mem:64') }]);
  for (let tick = 0; tick <= h.core.options.maxAgentPingTimeouts; tick++) h.step({ kind: 'ping-tick' });
  assert.equal(h.core.agentStanding(agentId), 'unreachable');
  const gone = h.step({ kind: 'mark-agent-gone', agentId });
  assert.deepEqual(updatesIn(gone).map((s) => [s.task_id.value, s.state]), [['t1', 'TASK_GONE_BY_OPERATOR']]);
  assert.deepEqual(eventsOf(h, gone).map((e) => [e.type, e.task_updated.state]), [['TASK_UPDATED', 'TASK_GONE_BY_OPERATOR']]);
  const framework = h.core.frameworks.get(frameworkId)!;
  assert.equal(framework.unreachableTasks.size, 0);
  assert.deepEqual(framework.completedTasks.map((t) => t.state), ['TASK_GONE_BY_OPERATOR']);
  assert.equal(h.core.agentStanding(agentId), 'gone');
  assert.deepEqual(h.step({ kind: 'mark-agent-gone', agentId }).filter((e) => e.kind !== 'log'), [], 'marking it again changes nothing');
});

test('after a master restart, an agent that reregisters with tasks is added, and its tasks with it', () => {
  const h = new Harness(makeCore());
  const effects = h.step({
    kind: 'agent-subscribe',
    connectionId: h.newConnection(),
    remoteIp: '127.0.0.1',
    subscribe: {
      agent_info: { hostname: 'a1', id: { value: 'S1' } },
      resources: parseSimple('cpus:2;mem:512'),
      version: '1.11.0',
      tasks: [{ name: 't1', task_id: { value: 't1' }, framework_id: { value: 'F1' }, agent_id: { value: 'S1' }, state: 'TASK_RUNNING', resources: parseSimple('cpus:1;mem:64'), statuses: [] }],
    },
  });
  const events = eventsOf(h, effects);
  assert.deepEqual(types(events), ['AGENT_ADDED', 'TASK_ADDED']);
  assert.deepEqual(events[1]!.task_added.task.framework_id, { value: 'F1' });
  assert.equal(events[1]!.task_added.task.state, 'TASK_RUNNING');
});

/** The effects of whatever `act` steps through the harness. */
function capture(h: Harness, act: () => unknown): Effect[] {
  const before = h.effects.length;
  act();
  return h.effects.slice(before);
}
