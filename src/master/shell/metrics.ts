/**
 * The master's metrics under Mesos' names, for `/metrics/snapshot` and `/metrics`.
 *
 * - Counters the shell keeps (MasterShellMetrics): `master/messages_*` for the calls frameworks
 *   and agents make, and the allocator's `allocation_runs` with the `allocation_run_ms` and
 *   `allocation_run_latency_ms` timers, measured around the shell's `allocate` step.
 * - Counters the core keeps (MasterCounters): tasks that ended, by terminal state; state changes
 *   by source and reason (`master/task_lost/source_master/reason_slave_removed`, made as they first
 *   occur, as in Mesos); valid and invalid status updates, acknowledgements and messages between
 *   frameworks and executors; agents registered, reregistered and removed.
 * - Gauges the core keeps as tasks come, change and go (TaskGauges): tasks by live state and the
 *   resources they use, so a snapshot never walks every task.
 * - Gauges read from the core's state when a snapshot is taken: agents, frameworks, offers,
 *   resources total, what executors use, and the allocator's own gauges. These walk agents,
 *   frameworks and executors, which are few beside tasks.
 * - The host's `system/*` gauges (SystemGauges), read at most every few seconds.
 *
 * Mesos names several message counters after its v0 messages; a v1 call counts under the name of
 * the message it replaces, as in Mesos: ACCEPT with a LAUNCH (or LAUNCH_GROUP) of tasks counts as
 * `messages_launch_tasks` and one with an empty LAUNCH as `messages_decline_offers` (Mesos has no
 * `messages_accept`), SUBSCRIBE as `messages_register_framework` or, with a framework id,
 * `messages_reregister_framework`, TEARDOWN as `messages_unregister_framework`, an agent's UPDATE as
 * `messages_status_update`.
 *
 * `master/event_queue_messages` is 0, and truly so: the core is synchronous and every input is
 * applied in the request (or timer) that brings it, so no message ever waits in a master queue.
 */
import { performance } from 'node:perf_hooks';
import type { TaskState } from '../../api/mesos.js';
import type { SchedulerCall } from '../../api/scheduler/calls.js';
import { addScalars, resourceGauges, taskStateMetric } from '../../common/metrics/scalars.js';
import { MetricsSnapshot } from '../../common/metrics/snapshot.js';
import { SystemGauges } from '../../common/metrics/system.js';
import { WindowedTimer } from '../../common/metrics/timer.js';
import type { MasterCore } from '../core/master-core.js';
import type { MasterInput } from '../core/types.js';

/** Message counters the master keeps, by the suffix of `master/messages_<suffix>`, with their help. */
export const MASTER_MESSAGES: Readonly<Record<string, string>> = {
  register_framework: 'SUBSCRIBE calls of frameworks without a framework id',
  reregister_framework: 'SUBSCRIBE calls of frameworks with a framework id',
  unregister_framework: 'TEARDOWN calls',
  launch_tasks: 'LAUNCH and LAUNCH_GROUP operations with tasks in ACCEPT calls',
  decline_offers: 'DECLINE calls, and LAUNCH operations without tasks in ACCEPT calls',
  revive_offers: 'REVIVE calls',
  suppress_offers: 'SUPPRESS calls',
  kill_task: 'KILL calls',
  status_update_acknowledgement: 'ACKNOWLEDGE calls',
  reconcile_tasks: 'RECONCILE calls',
  framework_to_executor: 'MESSAGE calls from frameworks to executors',
  resource_request: 'REQUEST calls',
  reconcile_operations: 'RECONCILE_OPERATIONS calls',
  operation_status_update_acknowledgement: 'ACKNOWLEDGE_OPERATION_STATUS calls',
  register_slave: 'SUBSCRIBE calls of agents without an agent id',
  reregister_slave: 'SUBSCRIBE calls of agents with an agent id',
  status_update: 'status updates agents forwarded',
  exited_executor: 'executor exits agents reported',
  executor_to_framework: 'messages from executors to frameworks',
};

/** Scheduler calls that map onto one message counter each (ACCEPT and SUBSCRIBE are worked out apart). */
const CALL_MESSAGES: Partial<Record<SchedulerCall['type'], string>> = {
  TEARDOWN: 'unregister_framework',
  DECLINE: 'decline_offers',
  REVIVE: 'revive_offers',
  SUPPRESS: 'suppress_offers',
  KILL: 'kill_task',
  ACKNOWLEDGE: 'status_update_acknowledgement',
  RECONCILE: 'reconcile_tasks',
  MESSAGE: 'framework_to_executor',
  REQUEST: 'resource_request',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  ACKNOWLEDGE_OPERATION_STATUS: 'operation_status_update_acknowledgement',
};

/** Live task states shown as gauges (`master/tasks_<state>`). */
const LIVE_TASK_STATES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'];

/** Milliseconds kept to the microsecond: finer digits of a timer are noise. */
const toMicroseconds = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Counters and timers the shell keeps around the core. */
export class MasterShellMetrics {
  /** Time an allocation run takes (the `allocate` step of the core, offers included). */
  readonly allocationRun = new WindowedTimer();
  /** Time from an allocation being wanted (an `allocation-wanted` effect) to its run starting. */
  readonly allocationRunLatency = new WindowedTimer();
  allocationRuns = 0;
  private readonly messages = new Map<string, number>(Object.keys(MASTER_MESSAGES).map((name) => [name, 0]));
  private allocationWantedAtMs: number | null = null;
  /** Allocation triggers (revives, declines, recovered resources, new agents) folded into the pending run. */
  triggersWaiting = 0;
  /** Operator API SUBSCRIBE streams open now (kept by OperatorEvents). */
  operatorEventStreamSubscribers = 0;
  /** The host's CPUs, load and memory. */
  readonly system = new SystemGauges();

  /** Counts the messages an input carries; returns the high-resolution time an allocation starts at (0 otherwise). */
  stepStarting(input: MasterInput): number {
    switch (input.kind) {
      case 'framework-subscribe': {
        const id = input.call.framework_id?.value || input.call.subscribe?.framework_info.id?.value;
        this.count(id ? 'reregister_framework' : 'register_framework');
        return 0;
      }
      case 'framework-call':
        this.countCall(input.call);
        return 0;
      case 'agent-subscribe':
        this.count(input.subscribe.agent_info.id?.value ? 'reregister_slave' : 'register_slave');
        return 0;
      case 'agent-call':
        if (input.call.type === 'UPDATE') this.count('status_update');
        else if (input.call.type === 'EXECUTOR_EXITED') this.count('exited_executor');
        else if (input.call.type === 'MESSAGE') this.count('executor_to_framework');
        return 0;
      case 'allocate':
        return performance.now();
      default:
        return 0;
    }
  }

  /** An allocation run that started at `startedMs` (high-resolution) ended now; `nowMs` is the wall clock. */
  allocationRan(startedMs: number, nowMs: number): void {
    this.allocationRuns++;
    this.allocationRun.record(toMicroseconds(performance.now() - startedMs), nowMs);
  }

  /** An allocation was asked for and deferred; its latency runs from now until `allocationStarting`. */
  allocationWanted(): void {
    this.allocationWantedAtMs ??= performance.now();
  }

  /**
   * The deferred allocation starts: records how long it waited. Runs of the periodic timer start
   * when it fires and wait in no queue, so only deferred runs are measured.
   */
  allocationStarting(nowMs: number): void {
    this.triggersWaiting = 0;
    if (this.allocationWantedAtMs === null) return;
    this.allocationRunLatency.record(toMicroseconds(performance.now() - this.allocationWantedAtMs), nowMs);
    this.allocationWantedAtMs = null;
  }

  /** `master/messages_<suffix>` counted so far. */
  messageCount(suffix: string): number {
    return this.messages.get(suffix) ?? 0;
  }

  private count(suffix: string): void {
    this.messages.set(suffix, (this.messages.get(suffix) ?? 0) + 1);
  }

  private countCall(call: SchedulerCall): void {
    if (call.type !== 'ACCEPT') {
      const suffix = CALL_MESSAGES[call.type];
      if (suffix) this.count(suffix);
      return;
    }
    for (const operation of call.accept?.operations ?? []) {
      if (operation.type === 'LAUNCH') this.count((operation.launch?.task_infos.length ?? 0) > 0 ? 'launch_tasks' : 'decline_offers');
      else if (operation.type === 'LAUNCH_GROUP' && (operation.launch_group?.task_group.tasks.length ?? 0) > 0) this.count('launch_tasks');
    }
  }
}

/** What the snapshot needs besides the core. */
export interface MasterMetricsContext {
  core: MasterCore;
  shell: MasterShellMetrics;
  startTimeMs: number;
}

/** Every master metric as of `nowMs`. */
export function masterMetricsSnapshot({ core, shell, startTimeMs }: MasterMetricsContext, nowMs: number): MetricsSnapshot {
  const snapshot = new MetricsSnapshot();
  snapshot.gauge('master/uptime_secs', Math.max(0, nowMs - startTimeMs) / 1000, 'Seconds since the master started');
  snapshot.gauge('master/elected', 1, 'Whether this master is the elected leader (1) or not (0)');
  addAgentGauges(snapshot, core);
  addFrameworkGauges(snapshot, core);
  snapshot.gauge('master/outstanding_offers', core.offers.size, 'Offers made and not yet answered');
  // Kept by the core as tasks come and go: no walk over every task.
  for (const state of LIVE_TASK_STATES) {
    snapshot.gauge(`master/${taskStateMetric(state)}`, core.taskGauges.tasksIn(state), `Tasks in ${state} now`);
  }
  for (const [state, count] of core.counters.tasksEndedByState()) {
    snapshot.counter(`master/${taskStateMetric(state)}`, count, `Tasks that reached ${state} since the master started`);
  }
  for (const [suffix, count] of core.counters.taskStateReasons()) {
    snapshot.counter(`master/${suffix}`, count, 'Tasks that changed to a state with a reason, by the source and reason of the update');
  }
  addResourceGauges(snapshot, core);
  for (const [suffix, help] of Object.entries(MASTER_MESSAGES)) snapshot.counter(`master/messages_${suffix}`, shell.messageCount(suffix), help);
  addValidityCounters(snapshot, core);
  addAgentCounters(snapshot, core);
  shell.system.addTo(snapshot, nowMs);
  snapshot.gauge('master/event_queue_messages', 0, 'Messages waiting in the master (none: every input is applied as it arrives)');
  snapshot.gauge('master/operator_event_stream_subscribers', shell.operatorEventStreamSubscribers, 'Operator API SUBSCRIBE streams open');
  snapshot.counter('allocator/mesos/allocation_runs', shell.allocationRuns, 'Allocation runs since the master started');
  snapshot.gauge('allocator/mesos/event_queue_dispatches', shell.triggersWaiting, 'Allocation triggers waiting for the next run (folded into it)');
  snapshot.timer('allocator/mesos/allocation_run_ms', shell.allocationRun, 'Milliseconds an allocation run took');
  snapshot.timer('allocator/mesos/allocation_run_latency_ms', shell.allocationRunLatency, 'Milliseconds from an allocation being wanted to its run starting');
  for (const [key, value] of Object.entries(core.allocatorMetrics(nowMs))) {
    snapshot.gauge(`allocator/mesos/${key}`, value, allocatorHelp(key));
  }
  return snapshot;
}

function addAgentGauges(snapshot: MetricsSnapshot, core: MasterCore): void {
  let connected = 0;
  for (const agent of core.agents.values()) if (agent.connectionId !== null) connected++;
  const disconnected = core.agents.size - connected;
  // A registered agent is active exactly while it is connected: Meridian deactivates an agent
  // when its link drops and has no operator deactivation yet.
  snapshot.gauge('master/slaves_active', connected, 'Registered agents that are active');
  snapshot.gauge('master/slaves_inactive', disconnected, 'Registered agents that are not active');
  snapshot.gauge('master/slaves_connected', connected, 'Registered agents connected to the master');
  snapshot.gauge('master/slaves_disconnected', disconnected, 'Registered agents whose link to the master is down');
  snapshot.gauge('master/slaves_unreachable', core.unreachableAgents.size, 'Agents marked unreachable');
}

function addFrameworkGauges(snapshot: MetricsSnapshot, core: MasterCore): void {
  let connected = 0;
  for (const framework of core.frameworks.values()) if (framework.connectionId !== null) connected++;
  const disconnected = core.frameworks.size - connected;
  // As for agents: a framework is active while its scheduler is subscribed.
  snapshot.gauge('master/frameworks_active', connected, 'Frameworks that are active');
  snapshot.gauge('master/frameworks_inactive', disconnected, 'Frameworks that are not active');
  snapshot.gauge('master/frameworks_connected', connected, 'Frameworks with a subscribed scheduler');
  snapshot.gauge('master/frameworks_disconnected', disconnected, 'Frameworks whose scheduler is disconnected (within their failover timeout)');
}

/**
 * Scalars the executors on registered agents use, by resource name, revocable ones apart.
 * Executors are few beside tasks (the built-in command executor is not one the master accounts
 * for), so they are walked.
 */
function executorScalars(core: MasterCore): { used: Map<string, number>; usedRevocable: Map<string, number> } {
  const used = new Map<string, number>();
  const usedRevocable = new Map<string, number>();
  for (const framework of core.frameworks.values()) {
    for (const [agentId, executors] of framework.executors) {
      if (!core.agents.has(agentId)) continue;
      for (const executor of executors.values()) {
        addScalars(used, executor.resources ?? []);
        addScalars(usedRevocable, executor.resources ?? [], true);
      }
    }
  }
  return { used, usedRevocable };
}

/**
 * Resources total on registered agents, and used there by tasks (kept by the core) and executors
 * (walked); revocable ones apart, as Mesos shows them.
 */
function addResourceGauges(snapshot: MetricsSnapshot, core: MasterCore): void {
  const total = new Map<string, number>();
  const totalRevocable = new Map<string, number>();
  for (const agent of core.agents.values()) {
    addScalars(total, agent.total);
    addScalars(totalRevocable, agent.total, true);
  }
  const executors = executorScalars(core);
  const used = (name: string) => core.taskGauges.used(name) + (executors.used.get(name) ?? 0);
  const usedRevocable = (name: string) => core.taskGauges.used(name, true) + (executors.usedRevocable.get(name) ?? 0);
  for (const { key, value, help } of resourceGauges('master', '', total, used)) snapshot.gauge(key, value, help);
  for (const { key, value, help } of resourceGauges('master', 'revocable_', totalRevocable, usedRevocable)) snapshot.gauge(key, value, help);
}

/** Mesos' valid and invalid counts of what the master passes on: status updates, acknowledgements, messages. */
function addValidityCounters(snapshot: MetricsSnapshot, core: MasterCore): void {
  const c = core.counters;
  snapshot.counter('master/valid_status_updates', c.validStatusUpdates, 'Status updates from agents for tasks the master knows');
  snapshot.counter('master/invalid_status_updates', c.invalidStatusUpdates, 'Status updates from agents for tasks the master does not know');
  snapshot.counter('master/valid_status_update_acknowledgements', c.validStatusUpdateAcknowledgements, 'ACKNOWLEDGE calls passed on to the agent');
  snapshot.counter('master/invalid_status_update_acknowledgements', c.invalidStatusUpdateAcknowledgements, 'ACKNOWLEDGE calls dropped: the agent is not connected');
  snapshot.counter('master/valid_framework_to_executor_messages', c.validFrameworkToExecutorMessages, 'MESSAGE calls passed on to the agent of the executor');
  snapshot.counter('master/invalid_framework_to_executor_messages', c.invalidFrameworkToExecutorMessages, 'MESSAGE calls dropped: the agent is not connected');
  snapshot.counter('master/valid_executor_to_framework_messages', c.validExecutorToFrameworkMessages, 'Executor messages passed on to the framework');
  snapshot.counter('master/invalid_executor_to_framework_messages', c.invalidExecutorToFrameworkMessages, 'Executor messages dropped: the framework is unknown or not subscribed');
}

function addAgentCounters(snapshot: MetricsSnapshot, core: MasterCore): void {
  const c = core.counters;
  snapshot.counter('master/slave_registrations', c.agentRegistrations, 'Agents admitted when they first subscribed');
  snapshot.counter('master/slave_reregistrations', c.agentReregistrations, 'Agents that subscribed again with their id');
  snapshot.counter('master/slave_removals', c.agentRemovals, 'Agents removed: marked unreachable (missed pings, or not back after a master failover) or gone');
  snapshot.counter('master/slave_removals/reason_unhealthy', c.agentRemovalsUnhealthy, 'Agents marked unreachable: they stopped answering pings, or did not reregister after a master failover');
  snapshot.counter('master/recovery_slave_removals', c.recoveryAgentRemovals, 'Agents of the registry marked unreachable because they did not reregister within agent_reregister_timeout after a master failover');
}

/** Help for an allocator gauge, by the shape of its key (the same for every role and resource). */
export function allocatorHelp(key: string): string {
  if (/^roles\/.+\/shares\/dominant$/.test(key)) return "A role's dominant share (0 to 1) of what it holds itself, before its weight";
  if (/^roles\/.+\/resources\/[^/]+\/offered_or_allocated$/.test(key)) return 'A resource offered or allocated to a role (not its subroles)';
  if (/^roles\/.+\/resources\/[^/]+\/reserved$/.test(key)) return 'A resource reserved to a role on agents, allocated or not';
  if (/^quota\/roles\/.+\/resources\/[^/]+\/consumed$/.test(key)) return "A resource a role's subtree consumes against its quota: unreserved allocated plus all reserved";
  if (/^offer_filters\/roles\/.+\/active$/.test(key)) return 'Decline filters in force for the frameworks of a role';
  if (/^quota\/roles\/.+\/resources\/[^/]+\/guarantee$/.test(key)) return "A role's quota guarantee of a resource";
  if (/^quota\/roles\/.+\/resources\/[^/]+\/limit$/.test(key)) return "A role's quota limit of a resource";
  if (/^quota\/roles\/.+\/resources\/[^/]+\/offered_or_allocated$/.test(key)) return "A resource offered or allocated to a role's subtree, against its quota";
  if (/^resources\/[^/]+\/total$/.test(key)) return 'A resource in the allocator, in total';
  if (/^resources\/[^/]+\/offered_or_allocated$/.test(key)) return 'A resource offered or allocated';
  return `Allocator metric ${key}`;
}
