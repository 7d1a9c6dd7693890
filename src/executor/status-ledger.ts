/**
 * What an executor owes its agent: status updates not yet ACKNOWLEDGED, and tasks whose terminal
 * update is not yet acknowledged. Both go back to the agent in every SUBSCRIBE, which is how an
 * executor survives an agent restart (Mesos' `unacknowledged_updates` / `unacknowledged_tasks`).
 * Pure: the session does the sending.
 */
import { isTerminalTaskState, type TaskInfo, type TaskStatus } from '../api/mesos.js';

/** The body of a (re)SUBSCRIBE call. */
export interface SubscribeBody {
  unacknowledged_tasks: TaskInfo[];
  unacknowledged_updates: Array<{ status: TaskStatus }>;
}

interface PendingUpdate {
  status: TaskStatus;
  /** Insertion number, so the session can tell updates made after a SUBSCRIBE body from those in it. */
  sequence: number;
}

export type Acknowledgement =
  | { known: false }
  /** `taskSettled`: the acknowledged update was terminal, so the agent will never ask about the task again. */
  | { known: true; taskSettled: boolean };

/** The unacknowledged tasks and updates of one executor. */
export class StatusLedger {
  /** By uuid, in the order the updates were made (a Map keeps insertion order). */
  private readonly updates = new Map<string, PendingUpdate>();
  /** By task id: tasks launched here whose terminal update is not acknowledged. */
  private readonly tasks = new Map<string, TaskInfo>();
  private nextSequence = 1;

  /** Remembers a task from the moment the executor learns of it. */
  addTask(task: TaskInfo): void {
    this.tasks.set(task.task_id.value, task);
  }

  /** Records an update (which must carry a uuid) and returns its sequence number. */
  record(status: TaskStatus & { uuid: string }): number {
    const sequence = this.nextSequence++;
    this.updates.set(status.uuid, { status, sequence });
    return sequence;
  }

  acknowledge(taskId: string, uuid: string): Acknowledgement {
    const pending = this.updates.get(uuid);
    if (pending === undefined || pending.status.task_id.value !== taskId) return { known: false };
    this.updates.delete(uuid);
    if (!isTerminalTaskState(pending.status.state)) return { known: true, taskSettled: false };
    // The agent handles a task's updates in order, so a terminal acknowledgement settles older ones too.
    for (const [otherUuid, other] of this.updates) {
      if (other.status.task_id.value === taskId) this.updates.delete(otherUuid);
    }
    this.tasks.delete(taskId);
    return { known: true, taskSettled: true };
  }

  /** Whether `uuid` still waits for its acknowledgement. */
  isPending(uuid: string): boolean {
    return this.updates.has(uuid);
  }

  /** The sequence number the next recorded update will get; everything below it is in `subscribeBody()`. */
  get sequenceMark(): number {
    return this.nextSequence;
  }

  subscribeBody(): SubscribeBody {
    return {
      unacknowledged_tasks: [...this.tasks.values()],
      unacknowledged_updates: [...this.updates.values()].map((pending) => ({ status: pending.status })),
    };
  }

  /** Uuids of pending updates made at or after `mark`, oldest first. */
  pendingSince(mark: number): string[] {
    const uuids: string[] = [];
    for (const [uuid, pending] of this.updates) if (pending.sequence >= mark) uuids.push(uuid);
    return uuids;
  }

  /** The status of a pending update, to send it. */
  statusOf(uuid: string): TaskStatus | undefined {
    return this.updates.get(uuid)?.status;
  }

  /** True when the agent has acknowledged everything. */
  isSettled(): boolean {
    return this.updates.size === 0 && this.tasks.size === 0;
  }

  get pendingUpdateCount(): number {
    return this.updates.size;
  }
}
