/**
 * Goal: the master's `/metrics/snapshot` counts what Mesos counts: live tasks by state as gauges,
 * tasks that ended as counters since the start (once per task), messages under Mesos' names,
 * valid and invalid status updates, agents and frameworks connected or not, resources total and
 * used, the allocator's runs and gauges.
 * Method: scripted scenarios through the Harness with the shell's MasterShellMetrics watching
 * every input (as MasterShell.step does), then the snapshot's numbers, worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
    'master/valid_status_updates', 'master/invalid_status_updates', 'master/event_queue_messages',
    'allocator/mesos/allocation_runs', 'allocator/mesos/allocation_run_ms',
    ...['count', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'p999', 'p9999'].map((s) => `allocator/mesos/allocation_run_ms/${s}`),
  ]) {
    assert.ok(keys.includes(key), `${key} is missing`);
  }
  assert.deepEqual(keys, [...keys].sort(), 'keys sorted, as Mesos sorts them');
});
