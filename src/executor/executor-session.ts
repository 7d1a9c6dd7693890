/**
 * One hosted executor's link to its agent: a Mesos v1 Executor API client. It SUBSCRIBEs at
 * `POST /api/v1/executor`, hands LAUNCH / LAUNCH_GROUP / KILL / SHUTDOWN to the executor's
 * behaviour (command or default), and sends status updates, keeping each until the agent
 * ACKNOWLEDGEs it.
 *
 * Surviving an agent restart, as Mesos executors do: when the stream drops, the session
 * resubscribes every 500 ms, each SUBSCRIBE carrying the unacknowledged tasks and updates (the
 * agent takes them from there, so they are not re-sent as UPDATE calls). If no SUBSCRIBED arrives
 * within the recovery timeout, the executor kills its tasks at once and ends. An executor of a
 * framework that does not checkpoint (MESOS_CHECKPOINT=0) cannot be recovered by a restarted agent,
 * so, as in Mesos' executor library, losing the agent shuts it down instead.
 *
 * The session ends (and tells the host, which reports EXECUTOR_EXITED) when every task is terminal
 * and acknowledged, or after a SHUTDOWN once its tasks are dead.
 */
import type { KillPolicy, TaskGroupInfo, TaskInfo, TaskState, TaskStatus, TaskStatusReason } from '../api/mesos.js';
import { unreachable } from '../common/assert.js';
import type { Clock } from '../common/clock.js';
import { formatEndpoint, postJson, subscribe, type Endpoint, type Subscription } from '../common/http/client.js';
import type { Logger } from '../common/log.js';
import { newStatusUuid } from '../common/status-uuid.js';
import { parseExecutorEvent, type ReceivedExecutorEvent } from './executor-events.js';
import { StatusLedger } from './status-ledger.js';

/** The Executor API endpoint on the agent. */
export const EXECUTOR_API_PATH = '/api/v1/executor';

/** How often a disconnected executor tries to SUBSCRIBE again (Mesos executors retry on this order). */
export const RESUBSCRIBE_INTERVAL_MS = 500;

/**
 * After a SHUTDOWN, how long an executor whose tasks are dead waits for the agent to acknowledge
 * their terminal updates. The agent destroys what is left after its own grace period anyway, so
 * waiting longer only delays the host's report.
 */
export const SHUTDOWN_ACK_WAIT_MS = 5_000;

/** Optional fields of a status update. */
export interface StatusDetails {
  message?: string;
  reason?: TaskStatusReason;
}

/** What an executor's behaviour uses to speak to the agent. */
export interface StatusSink {
  /** Remembers a task until its terminal update is acknowledged (SUBSCRIBE's `unacknowledged_tasks`). */
  trackTask(task: TaskInfo): void;
  /** Sends an update now if connected; it is kept, and re-offered on resubscription, until acknowledged. */
  sendStatus(taskId: string, state: TaskState, details?: StatusDetails): void;
  /** Whether the framework understands TASK_KILLING (FrameworkInfo capability TASK_KILLING_STATE). */
  readonly killingStateSupported: boolean;
}

/** The part that differs between the command executor and the default executor. */
export interface ExecutorBehavior {
  launch(task: TaskInfo): void;
  launchGroup(group: TaskGroupInfo): void;
  /** `killPolicy` is the KILL event's, which overrides the task's own. */
  kill(taskId: string, killPolicy: KillPolicy | undefined): void;
  /** Kills every task; `gracePeriodMs` replaces the tasks' kill policies when given. */
  shutdown(gracePeriodMs: number | undefined): void;
  /** SIGKILLs every task at once; the session no longer sends anything. */
  killAllNow(): void;
  /** True once any task was launched: an executor with nothing launched yet is not finished. */
  readonly launched: boolean;
  /** Tasks not yet terminal. */
  readonly liveTaskCount: number;
}

/** Everything a session needs; the host builds it from LAUNCH_EXECUTOR. */
export interface ExecutorSessionOptions {
  frameworkId: string;
  executorId: string;
  agent: Endpoint;
  recoveryTimeoutMs: number;
  /** The grace period of a SHUTDOWN event (the agent's `executor_shutdown_grace_period`). */
  shutdownGracePeriodMs: number;
  /** MESOS_CHECKPOINT: whether a restarted agent can recover this executor. */
  checkpoint: boolean;
  clock: Clock;
  log: Logger;
  createBehavior(sink: StatusSink): ExecutorBehavior;
  /** Called once, when the executor is done; `status` 0 means it ended normally. */
  onEnded(status: number, message: string): void;
}

type LinkState = 'down' | 'connecting' | 'subscribed';

/** One hosted executor's Executor API client; see the file comment. */
export class ExecutorSession implements StatusSink {
  private readonly ledger = new StatusLedger();
  private readonly behavior: ExecutorBehavior;
  private readonly log: Logger;
  private link: LinkState = 'down';
  private subscription: Subscription | null = null;
  /** Bumped whenever the link goes down, so callbacks of an older attempt are ignored. */
  private attempt = 0;
  /** Updates recorded at or after this mark were not in the last SUBSCRIBE body. */
  private subscribeMark = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private recoveryTimer: NodeJS.Timeout | null = null;
  private ackWaitTimer: NodeJS.Timeout | null = null;
  private readonly sendQueue: string[] = [];
  private sending = false;
  private shutdownRequested = false;
  private ended = false;
  private killingCapable = false;

  constructor(private readonly options: ExecutorSessionOptions) {
    this.log = options.log;
    this.behavior = options.createBehavior(this);
  }

  /** Subscribes; the executor must reach its agent within the recovery timeout. */
  start(): void {
    this.startRecoveryTimer();
    this.connect();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get killingStateSupported(): boolean {
    return this.killingCapable;
  }

  /** Shuts the executor down as a SHUTDOWN event would; `gracePeriodMs` undefined: each task's kill policy. */
  shutdown(gracePeriodMs: number | undefined): void {
    if (this.ended) return;
    this.shutdownRequested = true;
    this.behavior.shutdown(gracePeriodMs);
    this.checkDone();
  }

  /** Kills every task at once and ends without waiting for anyone (the agent is gone for good). */
  abandon(message: string): void {
    this.end(1, message, { killTasks: true });
  }

  trackTask(task: TaskInfo): void {
    this.ledger.addTask(task);
  }

  sendStatus(taskId: string, state: TaskState, details: StatusDetails = {}): void {
    if (this.ended) return;
    const status: TaskStatus & { uuid: string } = {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: this.options.executorId },
      timestamp: this.options.clock.nowMs() / 1000,
      uuid: newStatusUuid(),
      ...(details.message !== undefined ? { message: details.message } : {}),
      ...(details.reason !== undefined ? { reason: details.reason } : {}),
    };
    this.ledger.record(status);
    this.log.debug({ task_id: taskId, state, message: details.message }, 'task status');
    if (this.link === 'subscribed') {
      this.sendQueue.push(status.uuid);
      this.drainSendQueue();
    }
    this.checkDone();
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.ended) return;
    const attempt = ++this.attempt;
    this.link = 'connecting';
    this.subscribeMark = this.ledger.sequenceMark;
    const call = {
      type: 'SUBSCRIBE',
      framework_id: { value: this.options.frameworkId },
      executor_id: { value: this.options.executorId },
      subscribe: this.ledger.subscribeBody(),
    };
    subscribe(this.options.agent, EXECUTOR_API_PATH, call, {
      onEvent: (event) => {
        if (attempt === this.attempt && !this.ended) this.onEvent(event);
      },
      onClose: (error) => {
        if (attempt === this.attempt) this.onLinkDown(error?.message ?? 'the agent closed the stream');
      },
    }).then(
      (subscription) => {
        if (attempt !== this.attempt || this.ended) subscription.close();
        else this.subscription = subscription;
      },
      (error: Error) => {
        if (attempt === this.attempt) this.onLinkDown(error.message);
      },
    );
  }

  private onLinkDown(why: string): void {
    if (this.ended) return;
    this.attempt++;
    this.subscription?.close();
    this.subscription = null;
    // Queued sends are dropped: the updates stay in the ledger and ride on the next SUBSCRIBE.
    this.sendQueue.length = 0;
    const wasSubscribed = this.link === 'subscribed';
    this.link = 'down';
    if (wasSubscribed) {
      this.log.warn({ agent: formatEndpoint(this.options.agent), why }, 'lost the agent; resubscribing');
      this.startRecoveryTimer();
      // Still resubscribing: if the agent is in fact there, it takes the terminal updates.
      if (!this.options.checkpoint) this.shutdown(this.options.shutdownGracePeriodMs);
    } else {
      this.log.debug({ why }, 'subscribe attempt failed');
    }
    if (this.retryTimer === null) this.retryTimer = setTimeout(() => this.connect(), RESUBSCRIBE_INTERVAL_MS);
  }

  private onEvent(raw: unknown): void {
    const parsed = parseExecutorEvent(raw);
    if (!parsed.ok) {
      this.log.error({ error: parsed.error }, 'ignoring an invalid event from the agent');
      return;
    }
    this.dispatch(parsed.value);
  }

  private dispatch(event: ReceivedExecutorEvent): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        this.onSubscribed(event);
        break;
      case 'LAUNCH':
        if (this.shutdownRequested) this.refuseDuringShutdown([event.launch.task]);
        else this.behavior.launch(event.launch.task);
        break;
      case 'LAUNCH_GROUP':
        if (this.shutdownRequested) this.refuseDuringShutdown(event.launch_group.task_group.tasks);
        else this.behavior.launchGroup(event.launch_group.task_group);
        break;
      case 'KILL':
        this.behavior.kill(event.kill.task_id.value, event.kill.kill_policy);
        break;
      case 'ACKNOWLEDGED': {
        const { task_id, uuid } = event.acknowledged;
        if (!this.ledger.acknowledge(task_id.value, uuid).known) {
          this.log.warn({ task_id: task_id.value, uuid }, 'acknowledgement of an unknown update');
        }
        this.checkDone();
        break;
      }
      case 'MESSAGE':
        this.log.debug({ bytes: event.message.data.length }, 'framework message (ignored)');
        break;
      case 'ERROR':
        this.log.warn({ error: event.error.message }, 'the agent reported an error');
        break;
      case 'SHUTDOWN':
        this.log.info('shutdown requested by the agent');
        this.shutdown(this.options.shutdownGracePeriodMs);
        break;
      case 'HEARTBEAT':
        break;
      default:
        unreachable(event, 'unhandled executor event');
    }
  }

  private onSubscribed(event: Extract<ReceivedExecutorEvent, { type: 'SUBSCRIBED' }>): void {
    const capabilities = event.subscribed?.framework_info?.capabilities ?? [];
    this.killingCapable = capabilities.some((capability) => capability.type === 'TASK_KILLING_STATE');
    this.link = 'subscribed';
    this.clearRecoveryTimer();
    this.log.info({ pending_updates: this.ledger.pendingUpdateCount }, 'subscribed');
    // Updates made while the SUBSCRIBE was in flight were not in its body: send them now.
    this.sendQueue.push(...this.ledger.pendingSince(this.subscribeMark));
    this.drainSendQueue();
  }

  /** Mesos' executors answer a launch during shutdown with TASK_KILLED: the task never ran. */
  private refuseDuringShutdown(tasks: TaskInfo[]): void {
    for (const task of tasks) {
      this.trackTask(task);
      this.sendStatus(task.task_id.value, 'TASK_KILLED', { message: 'Executor is shutting down' });
    }
  }

  /** Sends queued updates one at a time, so the agent sees each task's updates in order. */
  private drainSendQueue(): void {
    if (this.sending || this.ended) return;
    let status: TaskStatus | undefined;
    while (status === undefined && this.sendQueue.length > 0) status = this.ledger.statusOf(this.sendQueue.shift() as string);
    if (status === undefined) return;
    this.sending = true;
    const attempt = this.attempt;
    void this.postUpdate(status).then((failure) => {
      this.sending = false;
      // A failed send means a broken link: resubscribing re-offers every unacknowledged update.
      if (failure !== null && attempt === this.attempt) this.onLinkDown(failure);
      this.drainSendQueue();
    });
  }

  /** Never rejects; answers why the link should be considered broken, or null. */
  private async postUpdate(status: TaskStatus): Promise<string | null> {
    const call = {
      type: 'UPDATE',
      framework_id: { value: this.options.frameworkId },
      executor_id: { value: this.options.executorId },
      update: { status },
    };
    try {
      const result = await postJson(this.options.agent, EXECUTOR_API_PATH, call);
      if (result.status === 202) return null;
      this.log.warn({ status: result.status, body: result.body, task_id: status.task_id.value }, 'the agent refused an update');
      // A 4xx will not improve with repetition; a 5xx is treated as a broken link.
      return result.status >= 500 ? `update answered ${result.status}` : null;
    } catch (error) {
      return `update failed: ${(error as Error).message}`;
    }
  }

  private checkDone(): void {
    if (this.ended || this.behavior.liveTaskCount > 0) return;
    if (!this.behavior.launched && !this.shutdownRequested) return;
    if (this.ledger.isSettled()) {
      this.end(0, this.shutdownRequested ? 'Executor shut down' : 'All tasks are terminal and acknowledged', { killTasks: false });
      return;
    }
    if (this.shutdownRequested && this.ackWaitTimer === null) {
      this.ackWaitTimer = setTimeout(() => {
        const pending = this.ledger.pendingUpdateCount;
        this.end(0, `Executor shut down; ${pending} status update(s) were not acknowledged`, { killTasks: false });
      }, SHUTDOWN_ACK_WAIT_MS);
    }
  }

  private end(status: number, message: string, { killTasks }: { killTasks: boolean }): void {
    if (this.ended) return;
    this.ended = true;
    this.attempt++;
    for (const timer of [this.retryTimer, this.recoveryTimer, this.ackWaitTimer]) if (timer !== null) clearTimeout(timer);
    this.retryTimer = this.recoveryTimer = this.ackWaitTimer = null;
    this.subscription?.close();
    this.subscription = null;
    this.link = 'down';
    this.sendQueue.length = 0;
    if (killTasks) this.behavior.killAllNow();
    this.log.info({ status, message }, 'executor ended');
    this.options.onEnded(status, message);
  }

  private startRecoveryTimer(): void {
    if (this.recoveryTimer !== null) return;
    const timeoutMs = this.options.recoveryTimeoutMs;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = null;
      const agent = formatEndpoint(this.options.agent);
      this.log.error({ agent, recovery_timeout_ms: timeoutMs }, 'the agent did not come back; killing the tasks');
      this.abandon(`Agent ${agent} did not come back within the recovery timeout of ${timeoutMs} ms`);
    }, timeoutMs);
  }

  private clearRecoveryTimer(): void {
    if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
  }
}
