/**
 * Counters the master core keeps for its metrics (Mesos' `master/tasks_finished`,
 * `master/valid_status_updates`, `master/slave_registrations`, ...): plain integers bumped where
 * the core already handles the task, the message or the agent, so counting costs nothing on the
 * hot path. They count since the master started and reset with it, as Mesos' do. Gauges (tasks
 * running now, agents connected) are read from the core's state when a snapshot is taken, not
 * counted here.
 */
import { isTerminalTaskState, TERMINAL_TASK_STATES, type TaskState, type TaskStatus } from '../../api/mesos.js';
import { assert } from '../../common/assert.js';
import { taskStateReasonMetric } from '../../common/metrics/scalars.js';

export class MasterCounters {
  private readonly tasksEnded = new Map<TaskState, number>();
  /** State changes that came with a reason, by Mesos' key suffix (`task_lost/source_master/reason_slave_removed`). */
  private readonly stateReasons = new Map<string, number>();
  /** Status updates from agents for tasks the master knows. */
  validStatusUpdates = 0;
  /** Status updates from agents for tasks the master does not know (dropped). */
  invalidStatusUpdates = 0;
  /** ACKNOWLEDGE calls passed on to the agent, and those dropped because the agent is not connected. */
  validStatusUpdateAcknowledgements = 0;
  invalidStatusUpdateAcknowledgements = 0;
  /** Framework MESSAGE calls passed on to the agent, and those dropped because the agent is not connected. */
  validFrameworkToExecutorMessages = 0;
  invalidFrameworkToExecutorMessages = 0;
  /** Executor messages passed on to the framework, and those dropped because it is unknown or not subscribed. */
  validExecutorToFrameworkMessages = 0;
  invalidExecutorToFrameworkMessages = 0;
  /** Agents that subscribed without an id and were admitted. */
  agentRegistrations = 0;
  /** Agents that subscribed again with their id (reconnected, back from unreachable, or after a master restart). */
  agentReregistrations = 0;
  /** Registered agents taken out of the cluster: marked unreachable or gone. */
  agentRemovals = 0;
  /** Those of them marked unreachable because they stopped answering pings (Mesos' failed health checks). */
  agentRemovalsUnhealthy = 0;
  /** Agents recovered from the registry that did not reregister within `agent_reregister_timeout` (Mesos' `master/recovery_slave_removals`). */
  recoveryAgentRemovals = 0;

  /**
   * A task reached the terminal `state`: from a live state, or refused at launch (TASK_ERROR,
   * TASK_DROPPED); `status` is the update that says so.
   */
  taskEnded(state: TaskState, status?: TaskStatus): void {
    assert(isTerminalTaskState(state), `only terminal states are counted, not ${state}`);
    this.tasksEnded.set(state, (this.tasksEnded.get(state) ?? 0) + 1);
    if (status) this.countReason(state, status);
  }

  /**
   * Counts a task's move from `previous` to `next`: as an ended task when it is the move into a
   * terminal state, and by the source and reason of `status` when the update describes the move.
   */
  taskStateChanged(previous: TaskState, next: TaskState, status?: TaskStatus): void {
    if (previous === next) return;
    if (isTerminalTaskState(next) && !isTerminalTaskState(previous)) this.tasksEnded.set(next, (this.tasksEnded.get(next) ?? 0) + 1);
    if (status && !isTerminalTaskState(previous)) this.countReason(next, status);
  }

  /** A registered agent was removed; `why` says whether for missed pings or by the operator. */
  agentRemoved(why: 'unreachable' | 'gone'): void {
    this.agentRemovals++;
    if (why === 'unreachable') this.agentRemovalsUnhealthy++;
  }

  /** Tasks that ended in `state` since the master started. */
  tasksEndedIn(state: TaskState): number {
    return this.tasksEnded.get(state) ?? 0;
  }

  /** Every terminal state with its count, zero included, in the order of TERMINAL_TASK_STATES. */
  tasksEndedByState(): Array<[TaskState, number]> {
    return [...TERMINAL_TASK_STATES].map((state) => [state, this.tasksEndedIn(state)]);
  }

  /** State changes by state, source and reason, as Mesos keys them (only those seen: Mesos makes these counters as they first occur). */
  taskStateReasons(): ReadonlyMap<string, number> {
    return this.stateReasons;
  }

  private countReason(state: TaskState, status: TaskStatus): void {
    // An update describing another state (a retry behind a newer one) says nothing about this move.
    if (status.state !== state || status.reason === undefined || status.source === undefined) return;
    const key = taskStateReasonMetric(state, status.source, status.reason);
    this.stateReasons.set(key, (this.stateReasons.get(key) ?? 0) + 1);
  }
}
