/**
 * The agent's metrics under Mesos' names (`slave/...`), for `/metrics/snapshot` and `/metrics`.
 * Counters (tasks that ended by terminal state, executors terminated, container launch errors,
 * status updates and framework messages valid and invalid) are bumped by the agent where it
 * already handles the update, the message or the executor; gauges (tasks by live state,
 * resources, executors) are read from its state when a snapshot is taken, and the host's
 * `system/*` gauges from the kernel at most every few seconds.
 */
import { isTerminalTaskState, TERMINAL_TASK_STATES, type Resource, type TaskState } from '../api/mesos.js';
import { addScalars, resourceGauges, taskStateMetric } from '../common/metrics/scalars.js';
import { MetricsSnapshot } from '../common/metrics/snapshot.js';
import type { SystemGauges } from '../common/metrics/system.js';

/** Counts since the agent started; they reset with it, as Mesos' do. */
export class AgentCounters {
  private readonly tasksEnded = new Map<TaskState, number>();
  /** Executors that ended (exited, killed, or never subscribed). */
  executorsTerminated = 0;
  /** Executors that could not be started (no command, or the process failed to spawn). */
  containerLaunchErrors = 0;
  /** Status updates taken in, from executors or made by the agent itself (duplicates included). */
  validStatusUpdates = 0;
  /** Status updates refused: for an executor or a task this agent does not know. */
  invalidStatusUpdates = 0;
  /** Framework messages from the master passed on to a live executor. */
  validFrameworkMessages = 0;
  /** Framework messages from the master for an executor this agent does not run (dropped). */
  invalidFrameworkMessages = 0;
  /** Checkpoint lines skipped at start because they could not be read (only with --strict=false). */
  recoveryErrors = 0;

  /** Counts a task's move from `previous` to `next` when it is the move into a terminal state. */
  taskStateChanged(previous: TaskState, next: TaskState): void {
    if (isTerminalTaskState(next) && !isTerminalTaskState(previous)) this.tasksEnded.set(next, (this.tasksEnded.get(next) ?? 0) + 1);
  }

  /** Tasks that ended in `state` since the agent started. */
  tasksEndedIn(state: TaskState): number {
    return this.tasksEnded.get(state) ?? 0;
  }
}

/** What the snapshot reads of an executor; the agent's own executor entries fit it. */
export interface ExecutorView {
  state: 'registering' | 'running' | 'terminated';
  /** Told to shut down and not yet ended (Mesos' TERMINATING). */
  shuttingDown: boolean;
  checkpoint: { info: { resources?: Resource[] } };
  tasks: ReadonlyMap<string, { state: TaskState; info: { resources?: Resource[] } }>;
}

/** What the snapshot reads of the agent. */
export interface AgentMetricsView {
  startTimeMs: number;
  /** Subscribed to the master now. */
  registered: boolean;
  /** `--resources` with the dynamic reservations made here applied. */
  total: readonly Resource[];
  executors: Iterable<ExecutorView>;
  frameworks: number;
  counters: AgentCounters;
}

const LIVE_TASK_STATES: readonly TaskState[] = ['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'];

/** Executors by Mesos' executor states, and tasks by state with what the live ones use. */
interface ExecutorWalk {
  registering: number;
  running: number;
  terminating: number;
  tasksByState: Map<TaskState, number>;
  used: Map<string, number>;
  usedRevocable: Map<string, number>;
}

/** One pass over the agent's executors; an ended executor and what its tasks held count for nothing. */
function walkExecutors(executors: Iterable<ExecutorView>): ExecutorWalk {
  const walk: ExecutorWalk = { registering: 0, running: 0, terminating: 0, tasksByState: new Map(), used: new Map(), usedRevocable: new Map() };
  for (const executor of executors) {
    if (executor.state === 'terminated') continue;
    if (executor.shuttingDown) walk.terminating++;
    else if (executor.state === 'registering') walk.registering++;
    else walk.running++;
    addScalars(walk.used, executor.checkpoint.info.resources ?? []);
    addScalars(walk.usedRevocable, executor.checkpoint.info.resources ?? [], true);
    for (const task of executor.tasks.values()) {
      walk.tasksByState.set(task.state, (walk.tasksByState.get(task.state) ?? 0) + 1);
      if (isTerminalTaskState(task.state)) continue;
      addScalars(walk.used, task.info.resources ?? []);
      addScalars(walk.usedRevocable, task.info.resources ?? [], true);
    }
  }
  return walk;
}

/** Every agent metric as of `nowMs`; with `system`, the host's gauges too. */
export function agentMetricsSnapshot(view: AgentMetricsView, nowMs: number, system?: SystemGauges): MetricsSnapshot {
  const snapshot = new MetricsSnapshot();
  snapshot.gauge('slave/uptime_secs', Math.max(0, nowMs - view.startTimeMs) / 1000, 'Seconds since the agent started');
  snapshot.gauge('slave/registered', view.registered ? 1 : 0, 'Whether the agent is registered with a master (1) or not (0)');
  const walk = walkExecutors(view.executors);
  const total = new Map<string, number>();
  const totalRevocable = new Map<string, number>();
  addScalars(total, view.total);
  addScalars(totalRevocable, view.total, true);
  for (const { key, value, help } of resourceGauges('slave', '', total, (name) => walk.used.get(name) ?? 0)) snapshot.gauge(key, value, help);
  for (const { key, value, help } of resourceGauges('slave', 'revocable_', totalRevocable, (name) => walk.usedRevocable.get(name) ?? 0)) {
    snapshot.gauge(key, value, help);
  }
  for (const state of LIVE_TASK_STATES) snapshot.gauge(`slave/${taskStateMetric(state)}`, walk.tasksByState.get(state) ?? 0, `Tasks in ${state} now`);
  const counters = view.counters;
  for (const state of TERMINAL_TASK_STATES) {
    snapshot.counter(`slave/${taskStateMetric(state)}`, counters.tasksEndedIn(state), `Tasks that reached ${state} since the agent started`);
  }
  snapshot.gauge('slave/executors_registering', walk.registering, 'Executors launched that have not subscribed yet');
  snapshot.gauge('slave/executors_running', walk.running, 'Executors subscribed and running');
  snapshot.gauge('slave/executors_terminating', walk.terminating, 'Executors told to shut down that have not ended yet');
  snapshot.counter('slave/executors_terminated', counters.executorsTerminated, 'Executors that ended since the agent started');
  snapshot.counter('slave/container_launch_errors', counters.containerLaunchErrors, 'Executors that could not be started');
  snapshot.gauge('slave/frameworks_active', view.frameworks, 'Frameworks with executors on the agent');
  snapshot.counter('slave/valid_status_updates', counters.validStatusUpdates, 'Status updates the agent took in');
  snapshot.counter('slave/invalid_status_updates', counters.invalidStatusUpdates, 'Status updates refused for an unknown executor or task');
  snapshot.counter('slave/valid_framework_messages', counters.validFrameworkMessages, 'Framework messages passed on to an executor');
  snapshot.counter('slave/recovery_errors', counters.recoveryErrors, 'Checkpoint records the agent could not read when it started (with --strict=false)');
  snapshot.counter('slave/invalid_framework_messages', counters.invalidFrameworkMessages, 'Framework messages for an executor the agent does not run');
  system?.addTo(snapshot, nowMs);
  return snapshot;
}
