/**
 * The agent's metrics under Mesos' names (`slave/...`), for `/metrics/snapshot` and `/metrics`.
 * Counters (tasks that ended by terminal state, executors terminated, status updates valid and
 * invalid) are bumped by the agent where it already handles the update or the executor; gauges
 * (tasks by live state, resources, executors) are read from its state when a snapshot is taken.
 */
import { isTerminalTaskState, TERMINAL_TASK_STATES, type Resource, type TaskState } from '../api/mesos.js';
import { addScalars, GAUGED_RESOURCES, round3, taskStateMetric } from '../common/metrics/scalars.js';
import { MetricsSnapshot } from '../common/metrics/snapshot.js';

/** Counts since the agent started; they reset with it, as Mesos' do. */
export class AgentCounters {
  private readonly tasksEnded = new Map<TaskState, number>();
  /** Executors that ended (exited, killed, or never subscribed). */
  executorsTerminated = 0;
  /** Status updates taken in, from executors or made by the agent itself (duplicates included). */
  validStatusUpdates = 0;
  /** Status updates refused: for an executor or a task this agent does not know. */
  invalidStatusUpdates = 0;

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

/** Every agent metric as of `nowMs`. */
export function agentMetricsSnapshot(view: AgentMetricsView, nowMs: number): MetricsSnapshot {
  const snapshot = new MetricsSnapshot();
  snapshot.gauge('slave/uptime_secs', Math.max(0, nowMs - view.startTimeMs) / 1000, 'Seconds since the agent started');
  snapshot.gauge('slave/registered', view.registered ? 1 : 0, 'Whether the agent is registered with a master (1) or not (0)');
  const states = new Map<TaskState, number>();
  const used = new Map<string, number>();
  let registering = 0;
  let running = 0;
  for (const executor of view.executors) {
    if (executor.state === 'terminated') continue;
    if (executor.state === 'registering') registering++;
    else running++;
    addScalars(used, executor.checkpoint.info.resources ?? []);
    for (const task of executor.tasks.values()) {
      states.set(task.state, (states.get(task.state) ?? 0) + 1);
      if (!isTerminalTaskState(task.state)) addScalars(used, task.info.resources ?? []);
    }
  }
  const total = new Map<string, number>();
  addScalars(total, view.total);
  for (const name of GAUGED_RESOURCES) {
    const totalAmount = round3(total.get(name) ?? 0);
    const usedAmount = round3(used.get(name) ?? 0);
    const unit = name === 'mem' || name === 'disk' ? ' (MB)' : '';
    snapshot.gauge(`slave/${name}_total`, totalAmount, `${name} of the agent${unit}, revocable excluded`);
    snapshot.gauge(`slave/${name}_used`, usedAmount, `${name} used by tasks and executors${unit}, revocable excluded`);
    snapshot.gauge(`slave/${name}_percent`, totalAmount > 0 ? usedAmount / totalAmount : 0, `Fraction of ${name} used (0 to 1)`);
  }
  for (const state of LIVE_TASK_STATES) snapshot.gauge(`slave/${taskStateMetric(state)}`, states.get(state) ?? 0, `Tasks in ${state} now`);
  for (const state of TERMINAL_TASK_STATES) {
    snapshot.counter(`slave/${taskStateMetric(state)}`, view.counters.tasksEndedIn(state), `Tasks that reached ${state} since the agent started`);
  }
  snapshot.gauge('slave/executors_registering', registering, 'Executors launched that have not subscribed yet');
  snapshot.gauge('slave/executors_running', running, 'Executors subscribed and running');
  snapshot.counter('slave/executors_terminated', view.counters.executorsTerminated, 'Executors that ended since the agent started');
  snapshot.gauge('slave/frameworks_active', view.frameworks, 'Frameworks with executors on the agent');
  snapshot.counter('slave/valid_status_updates', view.counters.validStatusUpdates, 'Status updates the agent took in');
  snapshot.counter('slave/invalid_status_updates', view.counters.invalidStatusUpdates, 'Status updates refused for an unknown executor or task');
  return snapshot;
}
