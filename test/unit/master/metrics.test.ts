/**
 * Goal: the master's `/metrics/snapshot` counts what Mesos counts: live tasks by state as gauges,
 * tasks that ended as counters since the start (once per task) and state changes by source and
 * reason under Mesos' v0 names, messages under Mesos' names, valid and invalid status updates,
 * acknowledgements and messages between frameworks and executors, agents registered,
 * reregistered and removed (and why), agents and frameworks connected or not, resources total
 * and used with revocable ones apart, the host's system gauges, the allocator's runs and gauges.
 * Method: scripted scenarios through the Harness with the shell's MasterShellMetrics watching
 * every input (as MasterShell.step does), then the snapshot's numbers, worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskStatus } from '../../../src/api/mesos.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import type { Effect, MasterInput } from '../../../src/master/core/types.js';
import { MasterShellMetrics, masterMetricsSnapshot } from '../../../src/master/shell/metrics.js';
import { Harness, parseSimple } from './harness.js';

/** The Harness, with the shell's metrics watching each input as MasterShell.step does. */
class MeteredHarness extends Harness {
  readonly shell = new MasterShellMetrics();

  override step(input: MasterInput): Effect[] {
    const startedMs = this.shell.stepStarting(input);
    const effects = super.step(input);
    if (input.kind === 'allocate') this.shell.allocationRan(startedMs, this.nowMs);
    return effects;
  }

  snapshot(): Record<string, number> {
    return masterMetricsSnapshot({ core: this.core, shell: this.shell, startTimeMs: this.nowMs - 42_000 }, this.nowMs).toJson();
  }
}

test('a script of launches and updates: live tasks, ended tasks, messages, resources', () => {
  const h = new MeteredHarness();
  const a1 = h.addAgent('cpus:4;mem:4096;disk:1000', 'a1');
  h.addAgent('cpus:4;mem:4096;disk:1000', 'a2');
  const { frameworkId } = h.subscribe('web');
  const offers = h.allocate();
  assert.equal(offers.length, 2, 'one offer per agent to the only framework');
  const onA1 = offers.find((o) => o.agent_id.value === a1)!;
  const onA2 = offers.find((o) => o.agent_id.value !== a1)!;
  h.launch(frameworkId, onA1, [{ id: 't1' }, { id: 't2' }, { id: 'greedy', resources: parseSimple('cpus:8;mem:128') }]);
  h.call(frameworkId, { type: 'DECLINE', decline: { offer_ids: [onA2.id] } });
  h.agentUpdate(a1, frameworkId, 't1', 'TASK_RUNNING');
  h.agentUpdate(a1, frameworkId, 't2', 'TASK_RUNNING');
  h.agentUpdate(a1, frameworkId, 't2', 'TASK_FINISHED');
  h.agentUpdate(a1, frameworkId, 't2', 'TASK_FINISHED'); // The agent retries until acknowledged: counted once.
  h.agentUpdate(a1, frameworkId, 'ghost', 'TASK_RUNNING'); // A task the master never launched.

  const s = h.snapshot();
  assert.equal(s['master/uptime_secs'], 42);
  assert.equal(s['master/elected'], 1);
  assert.equal(s['master/slaves_active'], 2);
  assert.equal(s['master/slaves_connected'], 2);
  assert.equal(s['master/slaves_inactive'], 0);
  assert.equal(s['master/slaves_unreachable'], 0);
  assert.equal(s['master/frameworks_active'], 1);
  assert.equal(s['master/frameworks_connected'], 1);
  assert.equal(s['master/outstanding_offers'], 0, 'one accepted, one declined');
  assert.equal(s['master/tasks_running'], 1, 't1');
  assert.equal(s['master/tasks_staging'], 0);
  assert.equal(s['master/tasks_finished'], 1, 't2, once');
  assert.equal(s['master/tasks_error'], 1, 'greedy, refused at launch');
  assert.equal(s['master/tasks_failed'], 0);
  assert.equal(s['master/valid_status_updates'], 4);
  assert.equal(s['master/invalid_status_updates'], 1);
  // 8 cpus on two agents; t1 holds 1 (t2 gave its cpu back when it finished).
  assert.equal(s['master/cpus_total'], 8);
  assert.equal(s['master/cpus_used'], 1);
  assert.equal(s['master/cpus_percent'], 0.125);
  assert.equal(s['master/mem_total'], 8192);
  assert.equal(s['master/mem_used'], 128);
  assert.equal(s['master/disk_total'], 2000);
  assert.equal(s['master/gpus_total'], 0);
  assert.equal(s['master/gpus_percent'], 0, 'no gpus: 0, not NaN');
  assert.equal(s['master/messages_register_framework'], 1);
  assert.equal(s['master/messages_register_slave'], 2);
  assert.equal(s['master/messages_launch_tasks'], 1, 'one LAUNCH operation');
  assert.equal(s['master/messages_decline_offers'], 1);
  assert.equal(s['master/messages_status_update'], 5);
  assert.equal(s['master/messages_kill_task'], 0);
  assert.equal(s['master/event_queue_messages'], 0);
  assert.equal(s['allocator/mesos/allocation_runs'], 1);
  assert.equal(typeof s['allocator/mesos/allocation_run_ms'], 'number');
  assert.equal(s['allocator/mesos/allocation_run_ms/count'], undefined, 'one run: no window statistics yet (as Mesos)');
  assert.equal(s['allocator/mesos/resources/cpus/total'], 8, "the allocator's own gauges, under allocator/mesos/");
  assert.equal(typeof s['allocator/mesos/roles/*/shares/dominant'], 'number');

  h.call(frameworkId, { type: 'KILL', kill: { task_id: { value: 't1' } } });
  h.agentUpdate(a1, frameworkId, 't1', 'TASK_KILLING');
  assert.equal(h.snapshot()['master/tasks_killing'], 1);
  h.agentUpdate(a1, frameworkId, 't1', 'TASK_KILLED');
  h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: a1 }, task_id: { value: 't1' }, uuid: 'u-t1-TASK_KILLED' } });
  h.call(frameworkId, { type: 'REVIVE' });
  h.call(frameworkId, { type: 'SUPPRESS' });
  h.call(frameworkId, { type: 'RECONCILE', reconcile: { tasks: [] } });
  h.allocate();
  const after = h.snapshot();
  assert.equal(after['master/tasks_running'], 0);
  assert.equal(after['master/tasks_killing'], 0);
  assert.equal(after['master/tasks_killed'], 1);
  assert.equal(after['master/cpus_used'], 0);
  assert.equal(after['master/messages_kill_task'], 1);
  assert.equal(after['master/messages_status_update_acknowledgement'], 1);
  assert.equal(after['master/messages_revive_offers'], 1);
  assert.equal(after['master/messages_suppress_offers'], 1);
  assert.equal(after['master/messages_reconcile_tasks'], 1);
  assert.equal(after['allocator/mesos/allocation_runs'], 2);
  assert.equal(after['allocator/mesos/allocation_run_ms/count'], 2, 'two runs: the window statistics appear');
  assert.ok((after['allocator/mesos/allocation_run_ms/p50'] ?? -1) >= 0);
});

test('an ACCEPT counts each LAUNCH with tasks as launch_tasks, an empty LAUNCH as decline_offers', () => {
  const h = new MeteredHarness();
  h.addAgent('cpus:4;mem:4096', 'a1');
  const { frameworkId } = h.subscribe('web');
  const [offer] = h.allocate();
  h.call(frameworkId, {
    type: 'ACCEPT',
    accept: { offer_ids: [offer!.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [] } }] },
  });
  const s = h.snapshot();
  assert.equal(s['master/messages_launch_tasks'], 0);
  assert.equal(s['master/messages_decline_offers'], 1);
});

test('an agent that stops answering: lost tasks counted, the agent unreachable, its resources gone', () => {
  const h = new MeteredHarness();
  const agentId = h.addAgent('cpus:2;mem:1024', 'a1');
  const { frameworkId } = h.subscribe('legacy');
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING');
  const connectionId = h.core.agents.get(agentId)!.connectionId!;
  h.step({ kind: 'agent-disconnected', agentId, connectionId });
  const away = h.snapshot();
  assert.equal(away['master/slaves_active'], 0);
  assert.equal(away['master/slaves_inactive'], 1);
  assert.equal(away['master/slaves_disconnected'], 1);
  assert.equal(away['master/tasks_running'], 1, 'still running as far as the master knows');
  for (let i = 0; i < 6; i++) h.step({ kind: 'ping-tick' });
  const gone = h.snapshot();
  assert.equal(gone['master/slaves_unreachable'], 1);
  assert.equal(gone['master/slaves_disconnected'], 0, 'no longer registered');
  assert.equal(gone['master/tasks_running'], 0);
  assert.equal(gone['master/tasks_lost'], 1, 'TASK_LOST for a framework that is not partition-aware');
  assert.equal(gone['master/cpus_total'], 0);
});

test('a partition-aware task on an unreachable agent is a tasks_unreachable gauge, not an ended task', () => {
  const h = new MeteredHarness();
  const agentId = h.addAgent('cpus:2;mem:1024', 'a1');
  const { frameworkId } = h.subscribe('pa', { capabilities: [{ type: 'PARTITION_AWARE' }] });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1' }]);
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING');
  for (let i = 0; i < 6; i++) h.step({ kind: 'ping-tick' });
  const s = h.snapshot();
  assert.equal(s['master/tasks_unreachable'], 1);
  assert.equal(s['master/tasks_lost'], 0);
  assert.equal(s['master/tasks_running'], 0);
});

test('after a master restart, tasks agents report for frameworks not yet back are counted and use resources', () => {
  const h = new MeteredHarness();
  const connectionId = h.newConnection();
  h.step({
    kind: 'agent-subscribe',
    connectionId,
    remoteIp: '127.0.0.1',
    subscribe: {
      agent_info: { hostname: 'a1', port: 5051, id: { value: 'old-S1' } },
      resources: parseSimple('cpus:4;mem:4096'),
      version: '1.11.0',
      tasks: [{
        name: 't1', task_id: { value: 't1' }, framework_id: { value: 'old-0001' }, agent_id: { value: 'old-S1' },
        state: 'TASK_RUNNING', resources: parseSimple('cpus:1.5;mem:256'), statuses: [],
      }],
    },
  });
  const s = h.snapshot();
  assert.equal(s['master/messages_reregister_slave'], 1, 'an agent with an id reregisters');
  assert.equal(s['master/tasks_running'], 1);
  assert.equal(s['master/cpus_used'], 1.5);
  assert.equal(s['master/mem_used'], 256);
  assert.equal(s['master/frameworks_active'], 0);
});

test('a framework whose scheduler disconnects is inactive until it comes back; SUBSCRIBE with an id reregisters', () => {
  const h = new MeteredHarness();
  const { frameworkId, connectionId } = h.subscribe('web', { failover_timeout: 60 });
  h.step({ kind: 'framework-disconnected', frameworkId, connectionId });
  const away = h.snapshot();
  assert.equal(away['master/frameworks_active'], 0);
  assert.equal(away['master/frameworks_inactive'], 1);
  assert.equal(away['master/frameworks_disconnected'], 1);
  h.subscribe('web', { failover_timeout: 60 }, frameworkId);
  const back = h.snapshot();
  assert.equal(back['master/frameworks_connected'], 1);
  assert.equal(back['master/messages_register_framework'], 1);
  assert.equal(back['master/messages_reregister_framework'], 1);
});

/** A status update from the agent with a source and reason, as the agent itself makes them. */
function agentUpdateWithReason(h: Harness, agentId: AgentId, frameworkId: FrameworkId, taskId: string, status: Pick<TaskStatus, 'state' | 'source' | 'reason'>): void {
  const full: TaskStatus = { task_id: { value: taskId }, uuid: `u-${taskId}-${status.state}`, agent_id: { value: agentId }, timestamp: h.nowMs / 1000, ...status };
  h.step({ kind: 'agent-call', agentId, call: { type: 'UPDATE', update: { framework_id: { value: frameworkId }, status: full } } });
}

test("agents registered, reregistered and removed, and why: Mesos' slave_* counters", () => {
  const h = new MeteredHarness();
  const a1 = h.addAgent('cpus:2;mem:1024', 'a1');
  const a2 = h.addAgent('cpus:2;mem:1024', 'a2');
  h.addAgent('cpus:2;mem:1024', 'a3', 'from-before'); // An agent the master does not know, with its id: after a master restart.
  // a1's link drops and it comes back with its id.
  h.step({ kind: 'agent-disconnected', agentId: a1, connectionId: h.core.agents.get(a1)!.connectionId! });
  h.addAgent('cpus:2;mem:1024', 'a1', a1);
  let s = h.snapshot();
  assert.equal(s['master/slave_registrations'], 2, 'a1 and a2');
  assert.equal(s['master/slave_reregistrations'], 2, 'a3 after the restart, a1 back');
  assert.equal(s['master/slave_removals'], 0);
  // The operator marks a1 gone; then a2 and a3 answer no pings (the harness never does).
  h.step({ kind: 'mark-agent-gone', agentId: a1 });
  for (let i = 0; i < 6; i++) h.step({ kind: 'ping-tick' });
  s = h.snapshot();
  assert.equal(s['master/slave_removals'], 3, 'a1 gone, a2 and a3 unreachable');
  assert.equal(s['master/slave_removals/reason_unhealthy'], 2, 'a2 and a3: missed pings');
  h.step({ kind: 'mark-agent-gone', agentId: a2 });
  assert.equal(h.snapshot()['master/slave_removals'], 3, 'an unreachable agent marked gone was removed already');
  // A gone agent that tries again is refused, and not counted as a reregistration.
  h.step({
    kind: 'agent-subscribe', connectionId: h.newConnection(), remoteIp: '127.0.0.1',
    subscribe: { agent_info: { hostname: 'a1', port: 5051, id: { value: a1 } }, resources: parseSimple('cpus:2'), version: '1.11.0' },
  });
  assert.equal(h.snapshot()['master/slave_reregistrations'], 2);
});

test('acknowledgements and messages between frameworks and executors: valid when passed on, invalid when dropped', () => {
  const h = new MeteredHarness();
  const a1 = h.addAgent('cpus:2;mem:1024', 'a1');
  const a2 = h.addAgent('cpus:2;mem:1024', 'a2');
  const { frameworkId } = h.subscribe('web');
  h.step({ kind: 'agent-disconnected', agentId: a2, connectionId: h.core.agents.get(a2)!.connectionId! });
  const toExecutor = (agentId: AgentId) => h.call(frameworkId, { type: 'MESSAGE', message: { agent_id: { value: agentId }, executor_id: { value: 'e1' }, data: 'aGk=' } });
  const acknowledge = (agentId: AgentId) => h.call(frameworkId, { type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: agentId }, task_id: { value: 't1' }, uuid: 'u1' } });
  const fromExecutor = (framework: string) => h.step({
    kind: 'agent-call', agentId: a1, call: { type: 'MESSAGE', message: { framework_id: { value: framework }, executor_id: { value: 'e1' }, data: 'aGk=' } },
  });
  toExecutor(a1);
  toExecutor(a2); // Its agent is not connected: dropped.
  toExecutor('nowhere' as AgentId);
  acknowledge(a1);
  acknowledge(a2);
  fromExecutor(frameworkId);
  fromExecutor('unknown-framework');
  const s = h.snapshot();
  assert.equal(s['master/messages_framework_to_executor'], 3);
  assert.equal(s['master/valid_framework_to_executor_messages'], 1);
  assert.equal(s['master/invalid_framework_to_executor_messages'], 2);
  assert.equal(s['master/messages_status_update_acknowledgement'], 2);
  assert.equal(s['master/valid_status_update_acknowledgements'], 1);
  assert.equal(s['master/invalid_status_update_acknowledgements'], 1);
  assert.equal(s['master/messages_executor_to_framework'], 2);
  assert.equal(s['master/valid_executor_to_framework_messages'], 1);
  assert.equal(s['master/invalid_executor_to_framework_messages'], 1);
});

test("state changes counted by source and reason under Mesos' v0 names (AGENT is SLAVE), once per change", () => {
  const h = new MeteredHarness();
  const a1 = h.addAgent('cpus:4;mem:4096', 'a1');
  const a2 = h.addAgent('cpus:4;mem:4096', 'a2');
  const legacy = h.subscribe('legacy').frameworkId;
  const aware = h.subscribe('aware', { capabilities: [{ type: 'PARTITION_AWARE' }] }).frameworkId;
  const offers = h.allocate();
  const offerOn = (agentId: AgentId) => offers.find((o) => o.agent_id.value === agentId)!;
  // Each framework gets one agent's offer; launch there.
  const legacyOffer = offers.find((o) => o.framework_id.value === legacy)!;
  const awareOffer = offers.find((o) => o.framework_id.value === aware)!;
  assert.ok(legacyOffer && awareOffer && legacyOffer.agent_id.value !== awareOffer.agent_id.value);
  h.launch(legacy, legacyOffer, [{ id: 'crash' }, { id: 'lost' }, { id: 'too-big', resources: parseSimple('cpus:64') }]);
  h.launch(aware, awareOffer, [{ id: 'away' }]);
  const legacyAgent = legacyOffer.agent_id.value as AgentId;
  const awareAgent = awareOffer.agent_id.value as AgentId;
  assert.ok(offerOn(a1) && offerOn(a2));
  agentUpdateWithReason(h, legacyAgent, legacy, 'crash', { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
  agentUpdateWithReason(h, legacyAgent, legacy, 'crash', { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED' }); // A retry.
  h.agentUpdate(legacyAgent, legacy, 'lost', 'TASK_RUNNING'); // No reason: not counted by reason.
  h.agentUpdate(awareAgent, aware, 'away', 'TASK_RUNNING');
  for (const agentId of [a1, a2]) h.step({ kind: 'agent-disconnected', agentId, connectionId: h.core.agents.get(agentId)!.connectionId! });
  for (let i = 0; i < 6; i++) h.step({ kind: 'ping-tick' });
  const s = h.snapshot();
  assert.equal(s['master/task_failed/source_slave/reason_container_launch_failed'], 1, 'once, the retry changes nothing');
  assert.equal(s['master/task_error/source_master/reason_task_invalid'], 1, 'too-big, refused at launch');
  assert.equal(s['master/task_lost/source_master/reason_slave_removed'], 1, 'lost: its agent became unreachable');
  assert.equal(s['master/task_unreachable/source_master/reason_slave_removed'], 1, 'away: partition-aware');
  assert.equal(s['master/tasks_failed'], 1);
  assert.equal(s['master/tasks_lost'], 1);
  const byReason = Object.keys(s).filter((key) => /^master\/task_[a-z_]+\/source_/.test(key));
  assert.equal(byReason.length, 4, `no others: ${byReason.join(', ')}`);
});

test('revocable resources are gauged apart: total on agents, used by tasks', () => {
  const h = new MeteredHarness();
  const revocableCpus = { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 8 }, revocable: {} };
  h.addAgent([...parseSimple('cpus:2;mem:1024'), revocableCpus], 'a1');
  const { frameworkId } = h.subscribe('batch', { capabilities: [{ type: 'REVOCABLE_RESOURCES' }] });
  const [offer] = h.allocate();
  assert.ok(offer);
  h.launch(frameworkId, offer, [{ id: 'scavenger', resources: [{ ...revocableCpus, scalar: { value: 3 } }, ...parseSimple('mem:64')] }]);
  const s = h.snapshot();
  assert.equal(s['master/cpus_total'], 2, 'revocable cpus are not in cpus_total');
  assert.equal(s['master/cpus_used'], 0);
  assert.equal(s['master/cpus_revocable_total'], 8);
  assert.equal(s['master/cpus_revocable_used'], 3);
  assert.equal(s['master/cpus_revocable_percent'], 0.375);
  assert.equal(s['master/mem_used'], 64);
  assert.equal(s['master/mem_revocable_total'], 0);
  assert.equal(s['master/mem_revocable_percent'], 0);
  h.agentUpdate(offer.agent_id.value as AgentId, frameworkId, 'scavenger', 'TASK_FINISHED');
  assert.equal(h.snapshot()['master/cpus_revocable_used'], 0, 'given back when it ends');
});

test('allocation latency is measured from the first wanted allocation to the run starting', () => {
  const metrics = new MasterShellMetrics();
  metrics.allocationStarting(1_000);
  assert.equal(metrics.allocationRunLatency.latest, null, 'an allocation nobody waited for has no latency');
  metrics.allocationWanted();
  metrics.allocationWanted(); // Folded into the same run: the wait counts from the first.
  metrics.allocationStarting(1_001);
  assert.equal(metrics.allocationRunLatency.size, 1);
  assert.ok((metrics.allocationRunLatency.latest ?? -1) >= 0);
});

test('every master key Mesos names that Meridian keeps is in the snapshot', () => {
  const h = new MeteredHarness();
  h.addAgent();
  h.subscribe();
  h.allocate();
  h.allocate();
  const keys = Object.keys(h.snapshot());
  for (const key of [
    'master/uptime_secs', 'master/elected',
    ...['cpus', 'mem', 'disk', 'gpus'].flatMap((r) => [`master/${r}_total`, `master/${r}_used`, `master/${r}_percent`]),
    ...['active', 'inactive', 'connected', 'disconnected', 'unreachable'].map((s) => `master/slaves_${s}`),
    ...['active', 'inactive', 'connected', 'disconnected'].map((s) => `master/frameworks_${s}`),
    'master/outstanding_offers',
    ...['staging', 'starting', 'running', 'killing', 'finished', 'failed', 'killed', 'lost', 'error', 'dropped', 'unreachable', 'gone', 'gone_by_operator']
      .map((s) => `master/tasks_${s}`),
    ...['launch_tasks', 'decline_offers', 'revive_offers', 'suppress_offers', 'kill_task', 'reconcile_tasks', 'status_update_acknowledgement',
      'register_framework', 'reregister_framework', 'unregister_framework', 'register_slave', 'reregister_slave', 'status_update', 'exited_executor']
      .map((m) => `master/messages_${m}`),
    ...['framework_to_executor', 'executor_to_framework'].map((m) => `master/messages_${m}`),
    ...['status_updates', 'status_update_acknowledgements', 'framework_to_executor_messages', 'executor_to_framework_messages']
      .flatMap((m) => [`master/valid_${m}`, `master/invalid_${m}`]),
    'master/slave_registrations', 'master/slave_reregistrations', 'master/slave_removals', 'master/slave_removals/reason_unhealthy',
    ...['cpus', 'mem', 'disk', 'gpus'].flatMap((r) => [`master/${r}_revocable_total`, `master/${r}_revocable_used`, `master/${r}_revocable_percent`]),
    'master/event_queue_messages', 'master/operator_event_stream_subscribers',
    'system/cpus_total', 'system/load_1min', 'system/load_5min', 'system/load_15min', 'system/mem_total_bytes', 'system/mem_free_bytes',
    'allocator/mesos/allocation_runs', 'allocator/mesos/allocation_run_ms',
    ...['count', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999', 'p9999'].map((s) => `allocator/mesos/allocation_run_ms/${s}`),
  ]) {
    assert.ok(keys.includes(key), `${key} is missing`);
  }
  assert.deepEqual(keys, [...keys].sort(), 'keys sorted, as Mesos sorts them');
});
