/**
 * Counters the master core keeps for its metrics (Mesos' `master/tasks_finished`,
 * `master/valid_status_updates`, ...): plain integers bumped where the core already handles the
 * task or the update, so counting costs nothing on the hot path. They count since the master
 * started and reset with it, as Mesos' do. Gauges (tasks running now, agents connected) are read
 * from the core's state when a snapshot is taken, not counted here.
 */
import { isTerminalTaskState, TERMINAL_TASK_STATES, type TaskState } from '../../api/mesos.js';
import { assert } from '../../common/assert.js';

export class MasterCounters {
  private readonly tasksEnded = new Map<TaskState, number>();
  /** Status updates from agents for tasks the master knows. */
  validStatusUpdates = 0;
  /** Status updates from agents for tasks the master does not know (dropped). */
  invalidStatusUpdates = 0;

  /** A task reached the terminal `state`: from a live state, or refused at launch (TASK_ERROR, TASK_DROPPED). */
  taskEnded(state: TaskState): void {
    assert(isTerminalTaskState(state), `only terminal states are counted, not ${state}`);
    this.tasksEnded.set(state, (this.tasksEnded.get(state) ?? 0) + 1);
  }

  /** Counts a task's move from `previous` to `next` when it is the move into a terminal state. */
  taskStateChanged(previous: TaskState, next: TaskState): void {
    if (isTerminalTaskState(next) && !isTerminalTaskState(previous)) this.taskEnded(next);
  }

  /** Tasks that ended in `state` since the master started. */
  tasksEndedIn(state: TaskState): number {
    return this.tasksEnded.get(state) ?? 0;
  }

  /** Every terminal state with its count, zero included, in the order of TERMINAL_TASK_STATES. */
  tasksEndedByState(): Array<[TaskState, number]> {
    return [...TERMINAL_TASK_STATES].map((state) => [state, this.tasksEndedIn(state)]);
  }
}
