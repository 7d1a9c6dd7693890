/**
 * The status updates of one task, in the order the executor sent them. Only the front update is
 * ever in flight to the master; the next one goes out when the framework acknowledges the front
 * (by its uuid). This is what makes updates at-least-once and ordered per task. Pure: the agent's
 * shell persists every change (see checkpoint.ts) and owns the retry timers.
 */
import type { StatusUpdate } from '../../api/agent-link/messages.js';
import { isTerminalTaskState } from '../../api/mesos.js';

export type AddResult = 'added' | 'duplicate' | 'after-terminal';
export type AckResult = 'acknowledged' | 'unexpected';

export class StatusUpdateStream {
  private readonly pending: StatusUpdate[] = [];
  private readonly seenUuids = new Set<string>();
  private terminalReceived = false;
  private terminalAcknowledged = false;

  /** Adds an update from the executor (or the agent itself); duplicates by uuid are ignored. */
  add(update: StatusUpdate): AddResult {
    const uuid = update.status.uuid;
    if (uuid !== undefined && this.seenUuids.has(uuid)) return 'duplicate';
    if (this.terminalReceived) return 'after-terminal';
    if (uuid !== undefined) this.seenUuids.add(uuid);
    this.pending.push(update);
    if (isTerminalTaskState(update.status.state)) this.terminalReceived = true;
    return 'added';
  }

  /** The framework acknowledged an update: only the front one may be acknowledged. */
  acknowledge(uuid: string): AckResult {
    const front = this.pending[0];
    if (!front || front.status.uuid !== uuid) return 'unexpected';
    this.pending.shift();
    if (isTerminalTaskState(front.status.state)) this.terminalAcknowledged = true;
    return 'acknowledged';
  }

  /** The update to send (again) to the master, if any. */
  front(): StatusUpdate | undefined {
    return this.pending[0];
  }

  /** Unacknowledged updates, oldest first. */
  unacknowledged(): readonly StatusUpdate[] {
    return this.pending;
  }

  /** True once the terminal update was acknowledged: nothing more will ever be sent. */
  get finished(): boolean {
    return this.terminalAcknowledged;
  }

  get terminal(): boolean {
    return this.terminalReceived;
  }
}
