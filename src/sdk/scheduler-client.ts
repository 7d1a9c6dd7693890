/**
 * A typed client of the Mesos v1 Scheduler HTTP API (`POST /api/v1/scheduler`), for frameworks
 * written in TypeScript against Meridian or Mesos.
 *
 * The client subscribes, hands the event stream to its user as an async iterator, and keeps the
 * subscription alive: it follows `307` redirects to the leading master, watches heartbeats, and
 * when the stream drops it resubscribes with exponential backoff under the same framework id, so
 * the framework fails over and keeps its tasks. Every other call goes out on its own connection
 * with the `Mesos-Stream-Id` of the current subscription and the framework id filled in.
 *
 * NOTE: resubscribing keeps the tasks only while the master still knows the framework, that is
 * within `framework_info.failover_timeout` seconds of the drop. Mesos' default is 0: the framework
 * is removed the moment its stream ends, and the resubscription is then refused (fatal).
 *
 * @example
 * const client = new SchedulerClient({ master: '127.0.0.1:5050', framework: { user: 'alice', name: 'web', failover_timeout: 60 } });
 * for await (const event of client.events()) {
 *   if (event.type === 'OFFERS') await client.decline(event.offers.offers.map((o) => o.id));
 *   if (event.type === 'DISCONNECTED') console.warn(`lost the master: ${event.disconnected.reason}`);
 * }
 */
import { randomInt } from 'node:crypto';
import type { ExecutorInfo, Filters, FrameworkInfo, IdWire, OfferOperation, TaskGroupInfo, TaskInfo } from '../api/mesos.js';
import type { SchedulerCall } from '../api/scheduler/calls.js';
import type { SchedulerEvent } from '../api/scheduler/events.js';
import {
  parseEndpoint, postJson, subscribe, SubscribeRefusedError, type Endpoint, type Subscription,
} from '../common/http/client.js';
import { createLogger, type Logger } from '../common/log.js';
import { SeededRng, type Rng } from '../common/rng.js';

/** Where calls and the subscription go, on the leading master. */
export const SCHEDULER_API_PATH = '/api/v1/scheduler';
/** A stream silent for this many heartbeat intervals is treated as dead (the master may be gone without a FIN). */
export const HEARTBEAT_MISSES_MAX = 5;
/** Redirects followed per subscription attempt; a loop of standbys pointing at each other ends here. */
export const REDIRECTS_MAX = 5;
/** Events buffered for a consumer that does not keep up; past this the stream is dropped and resubscribed. */
export const EVENT_QUEUE_LENGTH_MAX = 10_000;
/** Bound on waiting for the `200` and the SUBSCRIBED event of one subscription attempt. */
export const SUBSCRIBE_TIMEOUT_MS = 30_000;

/** Exponential backoff between subscription attempts. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Mesos' scheduler library starts at about half a second; ten seconds keeps a restarted master from waiting long. */
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = { initialMs: 500, maxMs: 10_000 };

/**
 * Delay before retry number `attempt` (0-based): the ceiling `min(maxMs, initialMs · 2^attempt)`
 * with "equal jitter", uniformly in [ceiling/2, ceiling]. The jitter keeps many frameworks that
 * lost the same master from resubscribing in lockstep; the lower half keeps a retry from being
 * immediate. `random01` is a number in [0, 1), passed in so the schedule can be replayed.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random01: number): number {
  const ceilingMs = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceilingMs / 2 + (ceilingMs / 2) * random01);
}

/**
 * Where a `307` sends the client. Mesos answers with a scheme-relative `Location`
 * (`//leader:5050/api/v1/scheduler`); absolute and path-only locations are accepted too.
 */
export function endpointOfLocation(location: string, current: Endpoint): Endpoint {
  const withoutScheme = location.trim().replace(/^[a-z][a-z0-9+.-]*:/i, '');
  if (!withoutScheme.startsWith('//')) return current; // A path on the same master.
  const authority = withoutScheme.slice(2).split('/')[0] ?? '';
  return authority === '' ? current : parseEndpoint(authority);
}

/**
 * A local event, never sent by a master: the subscription was lost (or an attempt to subscribe
 * failed) and the client will try again after `retryInMs`. Offers received before it are void.
 */
export interface DisconnectedEvent {
  type: 'DISCONNECTED';
  disconnected: { reason: string; retryInMs: number; attempt: number };
}

/** What `events()` yields: the master's events plus the client's own DISCONNECTED. */
export type ClientEvent = SchedulerEvent | DisconnectedEvent;

/** A call as the user writes it; the client fills in `framework_id`. */
export type SchedulerCallBody = Omit<SchedulerCall, 'framework_id'>;

/** An id as a plain string or as the wire object `{value}`. */
export type IdLike = string | IdWire;

/** The wire form of an id. */
export const idOf = (id: IdLike): IdWire => (typeof id === 'string' ? { value: id } : id);

/** A call the master answered with a non-2xx status. */
export class SchedulerCallError extends Error {
  constructor(readonly callType: string, readonly status: number, readonly body: string) {
    super(`${callType} refused with ${status}: ${body}`);
    this.name = 'SchedulerCallError';
  }
}

/** A call made while there is no subscription (before SUBSCRIBED, between a drop and the resubscription, after close). */
export class NotSubscribedError extends Error {
  constructor(readonly callType: string) {
    super(`${callType} needs a subscription; the client is not subscribed right now`);
    this.name = 'NotSubscribedError';
  }
}

export interface SchedulerClientOptions {
  /** The master, or any master of an HA group (standbys redirect to the leader). */
  master: string | Endpoint;
  framework: FrameworkInfo;
  logger?: Logger;
  backoff?: BackoffPolicy;
  /** Acknowledge UPDATE events that carry a uuid once the consumer asks for the next event. Default true. */
  autoAcknowledge?: boolean;
  /** Source of the backoff jitter; seeded from the OS by default. */
  rng?: Rng;
}

/** One subscription attempt; callbacks of an attempt that is no longer current are ignored. */
interface Session {
  readonly token: number;
  subscription: Subscription | null;
  streamId: string | null;
  /** False until the response headers are processed; events that arrive earlier wait in `early`. */
  ready: boolean;
  early: unknown[];
  earlyClose: { error: Error | undefined } | null;
}

type Phase = 'idle' | 'connecting' | 'subscribed' | 'backoff' | 'closed';

/**
 * The client. Events are buffered in a queue and read by one consumer through `events()`; the
 * call helpers resolve when the master answers 2xx and reject with SchedulerCallError otherwise.
 */
export class SchedulerClient {
  private readonly seed: Endpoint;
  private leaderEndpoint: Endpoint;
  private readonly framework: FrameworkInfo;
  private readonly logger: Logger;
  private readonly backoff: BackoffPolicy;
  private readonly autoAcknowledge: boolean;
  private readonly rng: Rng;

  private phase: Phase = 'idle';
  private session: Session | null = null;
  private sessionToken = 0;
  private attempt = 0;
  private currentFrameworkId: string | null;
  private heartbeatIntervalMs: number | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private tearingDown = false;
  private streamLostDuringTeardown = false;

  private readonly queue: ClientEvent[] = [];
  private lastYielded: ClientEvent | null = null;
  private wake: (() => void) | null = null;
  /** Set when no more events will come: iteration ends once the queue is empty. */
  private ended = false;
  /** Thrown to the consumer after the queue is drained, when the subscription was refused for good. */
  private failure: Error | null = null;

  constructor(options: SchedulerClientOptions) {
    this.seed = typeof options.master === 'string' ? parseEndpoint(options.master) : options.master;
    this.leaderEndpoint = this.seed;
    this.framework = { ...options.framework };
    this.currentFrameworkId = options.framework.id?.value ?? null;
    this.logger = options.logger ?? createLogger('scheduler-client', 'silent');
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.autoAcknowledge = options.autoAcknowledge ?? true;
    this.rng = options.rng ?? new SeededRng(randomInt(2 ** 32 - 1));
  }

  /** The framework id, once the master assigned it (or the one passed in `framework.id`). */
  get frameworkId(): string | null {
    return this.currentFrameworkId;
  }

  /** The `Mesos-Stream-Id` of the current subscription, null while not subscribed. */
  get streamId(): string | null {
    return this.phase === 'subscribed' ? (this.session?.streamId ?? null) : null;
  }

  /** The master that answered the last subscription (after redirects). */
  get leader(): Endpoint {
    return this.leaderEndpoint;
  }

  /** True between SUBSCRIBED and the next drop: calls can be made. */
  get subscribed(): boolean {
    return this.phase === 'subscribed';
  }

  /**
   * The event stream. The first call subscribes; iteration ends after close() or teardown(), and
   * after an ERROR event (Mesos: "the scheduler should abort"). A subscription refused for good
   * (a 4xx, e.g. an invalid FrameworkInfo or a framework already removed) is thrown from the loop.
   * One consumer at a time: events are not copied between iterators.
   */
  events(): AsyncIterable<ClientEvent> {
    if (this.phase === 'idle') this.connect();
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => this.nextEvent(),
        return: async () => {
          this.acknowledgeYielded();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  /** Ends the subscription and the iteration; no reconnect. Queued events are dropped. */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.stopTimers();
    this.session?.subscription?.close();
    this.session = null;
    this.queue.length = 0;
    this.finish(null);
  }

  // ---------------------------------------------------------------- calls

  /** Sends any call; `framework_id` and `Mesos-Stream-Id` are filled in. */
  async call(call: SchedulerCallBody): Promise<void> {
    const streamId = this.streamId;
    if (streamId === null || this.currentFrameworkId === null) throw new NotSubscribedError(call.type);
    const message = { framework_id: { value: this.currentFrameworkId }, ...call };
    const result = await postJson(this.leaderEndpoint, SCHEDULER_API_PATH, message, { 'mesos-stream-id': streamId });
    if (result.status < 200 || result.status >= 300) throw new SchedulerCallError(call.type, result.status, result.body);
  }

  /** ACCEPT: applies `operations` to the offers; what they leave unused is declined with `filters`. */
  accept(offerIds: readonly IdLike[], operations: readonly OfferOperation[], filters?: Filters): Promise<void> {
    return this.call({
      type: 'ACCEPT',
      accept: { offer_ids: offerIds.map(idOf), operations: [...operations], ...(filters ? { filters } : {}) },
    });
  }

  /** ACCEPT with one LAUNCH; each task's `agent_id` must be the offers' agent. */
  launch(offerIds: readonly IdLike[], tasks: readonly TaskInfo[], filters?: Filters): Promise<void> {
    return this.accept(offerIds, [{ type: 'LAUNCH', launch: { task_infos: [...tasks] } }], filters);
  }

  /** ACCEPT with one LAUNCH_GROUP: the tasks start together under `executor` (usually type DEFAULT). */
  launchGroup(offerIds: readonly IdLike[], executor: ExecutorInfo, taskGroup: TaskGroupInfo | readonly TaskInfo[], filters?: Filters): Promise<void> {
    const task_group = Array.isArray(taskGroup) ? { tasks: [...(taskGroup as readonly TaskInfo[])] } : (taskGroup as TaskGroupInfo);
    return this.accept(offerIds, [{ type: 'LAUNCH_GROUP', launch_group: { executor, task_group } }], filters);
  }

  /** DECLINE: the offers go back; `filters.refuse_seconds` (default 5) keeps them away that long. */
  decline(offerIds: readonly IdLike[], filters?: Filters): Promise<void> {
    return this.call({ type: 'DECLINE', decline: { offer_ids: offerIds.map(idOf), ...(filters ? { filters } : {}) } });
  }

  /** Clears offer filters and unsuppresses `roles` (all the framework's roles when omitted). */
  revive(roles?: readonly string[]): Promise<void> {
    return this.call({ type: 'REVIVE', ...(roles ? { revive: { roles: [...roles] } } : {}) });
  }

  /** Stops offers for `roles` (all the framework's roles when omitted) until REVIVE. */
  suppress(roles?: readonly string[]): Promise<void> {
    return this.call({ type: 'SUPPRESS', ...(roles ? { suppress: { roles: [...roles] } } : {}) });
  }

  /** KILL: the task ends in TASK_KILLED (unknown tasks get TASK_LOST from the master). */
  kill(taskId: IdLike, agentId?: IdLike): Promise<void> {
    return this.call({ type: 'KILL', kill: { task_id: idOf(taskId), ...(agentId !== undefined ? { agent_id: idOf(agentId) } : {}) } });
  }

  /** SHUTDOWN: stops an executor and all its tasks. */
  shutdown(executorId: IdLike, agentId: IdLike): Promise<void> {
    return this.call({ type: 'SHUTDOWN', shutdown: { executor_id: idOf(executorId), agent_id: idOf(agentId) } });
  }

  /** ACKNOWLEDGE a status update, so the agent sends the task's next one; echo the status' ids and base64 uuid verbatim. */
  acknowledge(agentId: IdLike, taskId: IdLike, uuid: string): Promise<void> {
    return this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: idOf(agentId), task_id: idOf(taskId), uuid } });
  }

  /** Explicit reconciliation of `tasks`; an empty list asks for implicit reconciliation of all of them. */
  reconcile(tasks: ReadonlyArray<{ taskId: IdLike; agentId?: IdLike }>): Promise<void> {
    const wire = tasks.map((t) => ({ task_id: idOf(t.taskId), ...(t.agentId !== undefined ? { agent_id: idOf(t.agentId) } : {}) }));
    return this.call({ type: 'RECONCILE', reconcile: { tasks: wire } });
  }

  /** A framework message to an executor; `data` is base64. Unreliable by contract. */
  message(agentId: IdLike, executorId: IdLike, data: string): Promise<void> {
    return this.call({ type: 'MESSAGE', message: { agent_id: idOf(agentId), executor_id: idOf(executorId), data } });
  }

  /** Removes the framework and kills its tasks, then closes the client. */
  async teardown(): Promise<void> {
    // The master ends the stream when it removes the framework: that must not count as a drop.
    this.tearingDown = true;
    try {
      await this.call({ type: 'TEARDOWN' });
    } catch (error) {
      this.tearingDown = false;
      if (this.streamLostDuringTeardown && this.phase !== 'closed') this.drop('stream ended during a failed TEARDOWN');
      this.streamLostDuringTeardown = false;
      throw error;
    }
    this.close();
  }

  // ---------------------------------------------------------------- the iterator

  private async nextEvent(): Promise<IteratorResult<ClientEvent, undefined>> {
    this.acknowledgeYielded();
    for (;;) {
      const event = this.queue.shift();
      if (event !== undefined) {
        this.lastYielded = event;
        return { done: false, value: event };
      }
      if (this.ended) {
        const failure = this.failure;
        this.failure = null;
        if (failure) throw failure;
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private push(event: ClientEvent): void {
    this.queue.push(event);
    this.wakeConsumer();
    if (this.queue.length > EVENT_QUEUE_LENGTH_MAX && this.phase === 'subscribed') {
      this.drop(`the consumer fell ${EVENT_QUEUE_LENGTH_MAX} events behind`);
    }
  }

  private wakeConsumer(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** No more events: iteration ends after the queue, throwing `failure` if there is one. */
  private finish(failure: Error | null): void {
    this.ended = true;
    this.failure = failure;
    this.wakeConsumer();
  }

  /** The consumer asked for the next event, so it is done with the previous one: acknowledge it. */
  private acknowledgeYielded(): void {
    const event = this.lastYielded;
    this.lastYielded = null;
    if (!this.autoAcknowledge || event?.type !== 'UPDATE') return;
    const status = event.update.status;
    if (status.uuid === undefined || status.agent_id === undefined) return;
    this.acknowledge(status.agent_id, status.task_id, status.uuid).catch((error: unknown) => {
      // The agent resends an unacknowledged update, so a lost acknowledgement only costs a repeat.
      this.logger.warn({ taskId: status.task_id.value, err: error }, 'Failed to acknowledge a status update');
    });
  }

  // ---------------------------------------------------------------- the subscription

  private subscribeCall(): SchedulerCall {
    const id = this.currentFrameworkId;
    if (id === null) return { type: 'SUBSCRIBE', subscribe: { framework_info: this.framework } };
    // Resubscribing under the same id is a failover: the master keeps the framework's tasks.
    return { type: 'SUBSCRIBE', framework_id: { value: id }, subscribe: { framework_info: { ...this.framework, id: { value: id } } } };
  }

  private connect(): void {
    this.retryTimer = null;
    this.phase = 'connecting';
    const session: Session = { token: ++this.sessionToken, subscription: null, streamId: null, ready: false, early: [], earlyClose: null };
    this.session = session;
    this.armWatchdog(SUBSCRIBE_TIMEOUT_MS, 'no SUBSCRIBED');
    void this.openSubscription(session);
  }

  private isCurrent(session: Session): boolean {
    return this.session === session && this.phase !== 'closed';
  }

  private async openSubscription(session: Session): Promise<void> {
    let endpoint = this.leaderEndpoint;
    for (let redirects = 0; ; redirects++) {
      try {
        const subscription = await subscribe(endpoint, SCHEDULER_API_PATH, this.subscribeCall(), {
          onEvent: (event) => this.onRawEvent(session, event),
          onClose: (error) => this.onRawClose(session, error),
        });
        if (!this.isCurrent(session)) {
          subscription.close();
          return;
        }
        this.leaderEndpoint = endpoint;
        this.onStreamOpen(session, subscription);
        return;
      } catch (error) {
        if (!this.isCurrent(session)) return;
        if (error instanceof SubscribeRefusedError && error.status === 307 && error.location !== undefined && redirects < REDIRECTS_MAX) {
          endpoint = endpointOfLocation(error.location, endpoint);
          this.logger.info({ location: error.location }, 'Following the redirect to the leading master');
          continue;
        }
        this.onSubscribeFailed(error as Error);
        return;
      }
    }
  }

  private onSubscribeFailed(error: Error): void {
    if (!(error instanceof SubscribeRefusedError)) {
      // The leader may be gone: the next attempt starts again from the configured master.
      this.leaderEndpoint = this.seed;
      this.drop(`cannot subscribe: ${error.message}`);
      return;
    }
    const retryable = error.status === 307 || error.status === 429 || error.status >= 500;
    if (retryable) {
      this.drop(`subscription refused with ${error.status}: ${error.body.trim()}`);
      return;
    }
    this.logger.error({ status: error.status, body: error.body }, 'Subscription refused');
    this.fail(error);
  }

  private onStreamOpen(session: Session, subscription: Subscription): void {
    const streamId = subscription.headers['mesos-stream-id'];
    session.subscription = subscription;
    session.streamId = typeof streamId === 'string' ? streamId : null;
    session.ready = true;
    for (const event of session.early.splice(0)) {
      if (!this.isCurrent(session)) return;
      this.onStreamEvent(event);
    }
    if (session.earlyClose && this.isCurrent(session)) this.onStreamClosed(session.earlyClose.error);
  }

  private onRawEvent(session: Session, event: unknown): void {
    if (!this.isCurrent(session)) return;
    if (!session.ready) session.early.push(event);
    else this.onStreamEvent(event);
  }

  private onRawClose(session: Session, error: Error | undefined): void {
    if (!this.isCurrent(session)) return;
    if (!session.ready) session.earlyClose = { error };
    else this.onStreamClosed(error);
  }

  private onStreamEvent(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') {
      this.drop('the master sent an event without a type');
      return;
    }
    const event = raw as SchedulerEvent;
    if (this.heartbeatIntervalMs !== null && this.phase === 'subscribed') {
      this.armWatchdog(HEARTBEAT_MISSES_MAX * this.heartbeatIntervalMs, 'no HEARTBEAT');
    }
    switch (event.type) {
      case 'SUBSCRIBED':
        this.onSubscribed(event.subscribed);
        this.push(event);
        return;
      case 'ERROR':
        // Mesos: "the scheduler should abort on receipt of this event" (failed over, refused...).
        this.logger.error({ message: event.error.message }, 'The master sent ERROR');
        this.push(event);
        this.fail(null);
        return;
      default:
        this.push(event);
    }
  }

  private onSubscribed(subscribed: Extract<SchedulerEvent, { type: 'SUBSCRIBED' }>['subscribed']): void {
    this.currentFrameworkId = subscribed.framework_id.value;
    this.phase = 'subscribed';
    this.attempt = 0;
    const intervalSeconds = subscribed.heartbeat_interval_seconds;
    this.heartbeatIntervalMs = intervalSeconds > 0 ? intervalSeconds * 1000 : null;
    if (this.heartbeatIntervalMs !== null) this.armWatchdog(HEARTBEAT_MISSES_MAX * this.heartbeatIntervalMs, 'no HEARTBEAT');
    else this.clearWatchdog();
    this.logger.info({ frameworkId: this.currentFrameworkId, master: this.leaderEndpoint }, 'Subscribed');
  }

  private onStreamClosed(error: Error | undefined): void {
    if (this.tearingDown) {
      this.streamLostDuringTeardown = true;
      return;
    }
    this.drop(error ? `the stream failed: ${error.message}` : 'the master ended the stream');
  }

  /** Gives up the current subscription and schedules the next attempt. */
  private drop(reason: string): void {
    if (this.phase === 'closed') return;
    this.stopTimers();
    this.session?.subscription?.close();
    this.session = null;
    const attempt = this.attempt++;
    const retryInMs = backoffDelayMs(attempt, this.backoff, this.rng.nextFloat());
    this.phase = 'backoff';
    this.logger.warn({ reason, retryInMs, attempt }, 'Disconnected from the master');
    this.queue.push({ type: 'DISCONNECTED', disconnected: { reason, retryInMs, attempt } });
    this.wakeConsumer();
    this.retryTimer = setTimeout(() => this.connect(), retryInMs);
  }

  /** Ends for good: no reconnect; iteration ends after the queue, throwing `error` when there is one. */
  private fail(error: Error | null): void {
    this.phase = 'closed';
    this.stopTimers();
    this.session?.subscription?.close();
    this.session = null;
    this.finish(error);
  }

  private armWatchdog(timeoutMs: number, what: string): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      this.drop(`${what} within ${timeoutMs} ms`);
    }, timeoutMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private stopTimers(): void {
    this.clearWatchdog();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
