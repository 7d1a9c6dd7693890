/**
 * The master's imperative shell: HTTP routes, subscription streams and timers around the pure
 * MasterCore. Every input goes through `step`, which runs the core and then carries out its
 * effects in order; nothing else touches the core's state.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validateAgentCall, type AgentCall } from '../../api/agent-link/messages.js';
import { validateSchedulerCall, type SchedulerCall } from '../../api/scheduler/calls.js';
import type { Clock } from '../../common/clock.js';
import { EventStream } from '../../common/http/event-stream.js';
import { acceptsJson, readCall, sendText } from '../../common/http/mesos-http.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { Logger } from '../../common/log.js';
import type { MasterCore } from '../core/master-core.js';
import { timerKeyString, type ConnectionId, type Effect, type MasterInput, type StateChange } from '../core/types.js';
import type { RegistryWriter } from './agent-registry-store.js';
import { MasterShellMetrics } from './metrics.js';

/** Header naming the agent on agent-link calls (the stream is the agent's SUBSCRIBE). */
export const AGENT_ID_HEADER = 'meridian-agent-id';

interface OpenStream {
  connectionId: ConnectionId;
  stream: EventStream;
  streamId: string;
}

interface PendingStream {
  response: ServerResponse;
  streamId: string;
}

/** Hears what changed in the core after each step (the Operator API's event streams). */
export interface StateObserver {
  onStateChange(change: StateChange): void;
  /** The master stops: end every stream. */
  stop(): void;
}

/** The least time between event-triggered allocation runs while triggers keep coming. */
export const TRIGGERED_RUN_GAP_MS = 25;

export interface MasterShellOptions {
  heartbeatIntervalMs: number;
  allocationIntervalMs: number;
  agentPingTimeoutMs: number;
  /** Where `persist` effects are made durable; none keeps the registry in memory only (no work_dir). */
  registry?: RegistryWriter | null;
  /** A registry write failed: the master cannot go on without breaking what it promised (Mesos aborts). */
  onRegistryFailure?: (error: Error) => void;
}

/** An effect held until the registry has made everything appended before it durable. */
interface HeldEffect {
  seq: number;
  effect: Effect;
}

export class MasterShell {
  private readonly frameworkStreams = new Map<FrameworkId, OpenStream>();
  private readonly agentStreams = new Map<AgentId, OpenStream>();
  private readonly pending = new Map<ConnectionId, PendingStream>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly intervals: NodeJS.Timeout[] = [];
  private allocationScheduled = false;
  /**
   * When (performance.now) the next event-triggered allocation may start: after the last run, as
   * long again as it took, and at least TRIGGERED_RUN_GAP_MS after it.
   */
  private nextTriggeredAllocationAt = 0;
  private stopped = false;
  /** Message counters and allocation timers for the metrics endpoints. */
  readonly metrics = new MasterShellMetrics();
  /** Set once by the wiring; hears every `state-changed` effect. */
  stateObserver: StateObserver | null = null;
  /**
   * Effects waiting for registry writes, in the order the core made them. Once one effect waits,
   * every later one waits behind it, so nothing overtakes what depends on a write (raft's Ready:
   * persist, then send).
   */
  private readonly held: HeldEffect[] = [];
  private draining = false;

  constructor(
    readonly core: MasterCore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: MasterShellOptions,
  ) {}

  /** Starts the periodic allocation and agent pings. */
  start(): void {
    this.intervals.push(setInterval(() => this.step({ kind: 'allocate' }), this.options.allocationIntervalMs));
    this.intervals.push(setInterval(() => this.step({ kind: 'ping-tick' }), this.options.agentPingTimeoutMs));
  }

  stop(): void {
    this.stopped = true;
    for (const interval of this.intervals) clearInterval(interval);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const open of [...this.frameworkStreams.values(), ...this.agentStreams.values()]) open.stream.close();
    this.stateObserver?.stop();
  }

  /** Runs one input through the core and carries out its effects; returns them (none once stopped). */
  step(input: MasterInput): Effect[] {
    if (this.stopped) return [];
    const startedMs = this.metrics.stepStarting(input);
    const started = performance.now();
    const effects = this.core.step(input, this.clock.nowMs());
    if (input.kind === 'allocate') {
      this.metrics.allocationRan(startedMs, this.clock.nowMs());
      const ended = performance.now();
      this.nextTriggeredAllocationAt = ended + Math.max(ended - started, TRIGGERED_RUN_GAP_MS);
    }
    const registry = this.options.registry ?? null;
    for (const effect of effects) {
      if (effect.kind === 'persist') {
        registry?.append(effect.change);
        continue;
      }
      // What only reads the core (operator answers, state-change events, logs) goes at once; the
      // Operator API's views of the core are not held back either.
      const immediate = effect.kind === 'state-changed' || effect.kind === 'operator-answer' || effect.kind === 'log';
      const seq = registry?.appendedSeq ?? 0;
      if (immediate || (this.held.length === 0 && seq <= (registry?.durableSeq ?? 0))) {
        this.apply(effect);
        continue;
      }
      this.held.push({ seq, effect });
    }
    if (this.held.length > 0) void this.drainHeld();
    return effects;
  }

  /** Carries out held effects as the registry makes their writes durable. */
  private async drainHeld(): Promise<void> {
    const registry = this.options.registry;
    if (this.draining || !registry) return;
    this.draining = true;
    try {
      while (this.held.length > 0 && !this.stopped) {
        const head = this.held[0] as HeldEffect;
        if (head.seq > registry.durableSeq) {
          await registry.whenDurable(head.seq);
          continue;
        }
        // One at a time: carrying out an effect may step the core again, whose effects queue behind.
        this.held.shift();
        this.apply(head.effect);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Registry write failed; the master cannot keep its promises and stops');
      this.held.length = 0;
      this.stop();
      this.options.onRegistryFailure?.(error as Error);
    } finally {
      this.draining = false;
    }
  }

  registerRoutes(app: FastifyInstance): void {
    app.all('/api/v1/scheduler', (request, reply) => this.onSchedulerRequest(request, reply));
    app.all('/api/v1/agent-link', (request, reply) => this.onAgentLinkRequest(request, reply));
  }

  // ---------------------------------------------------------------- scheduler API

  private onSchedulerRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const call = readCall(request, reply, validateSchedulerCall);
    if (!call) return reply;
    if (call.type === 'SUBSCRIBE') return this.onSchedulerSubscribe(request, reply, call as SchedulerCall & { type: 'SUBSCRIBE' });
    const frameworkId = call.framework_id?.value as FrameworkId | undefined;
    if (frameworkId === undefined) return sendText(reply, 400, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
    const access = this.core.frameworkAccess(frameworkId);
    if (access.kind === 'unknown') return sendText(reply, 400, 'Framework cannot be found');
    if (access.kind === 'removed') return sendText(reply, 403, 'Framework has been removed');
    if (access.connectionId === null) return sendText(reply, 403, 'Framework is not subscribed');
    const streamId = request.headers['mesos-stream-id'];
    if (streamId === undefined) return sendText(reply, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    const open = this.frameworkStreams.get(frameworkId);
    if (!open || open.streamId !== streamId) {
      return sendText(reply, 400, `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`);
    }
    this.step({ kind: 'framework-call', frameworkId, call });
    return reply.code(call.type === 'UPDATE_FRAMEWORK' ? 200 : 202).send();
  }

  private onSchedulerSubscribe(request: FastifyRequest, reply: FastifyReply, call: SchedulerCall & { type: 'SUBSCRIBE' }): FastifyReply | undefined {
    if (request.headers['mesos-stream-id'] !== undefined) {
      return sendText(reply, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    if (!acceptsJson(request)) return sendText(reply, 406, "Expecting 'Accept' to allow 'application/json'");
    const problem = this.core.validateSubscribe(call);
    if (problem) return sendText(reply, 400, `Failed to validate scheduler::Call: ${problem}`);
    const connectionId = randomUUID() as ConnectionId;
    reply.hijack();
    this.pending.set(connectionId, { response: reply.raw, streamId: randomUUID() });
    this.step({ kind: 'framework-subscribe', connectionId, call });
    return undefined;
  }

  // ---------------------------------------------------------------- agent link

  private onAgentLinkRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const call = readCall(request, reply, validateAgentCall);
    if (!call) return reply;
    if (call.type === 'SUBSCRIBE') {
      if (!acceptsJson(request)) return sendText(reply, 406, "Expecting 'Accept' to allow 'application/json'");
      const connectionId = randomUUID() as ConnectionId;
      reply.hijack();
      this.pending.set(connectionId, { response: reply.raw, streamId: randomUUID() });
      const remoteIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      this.step({ kind: 'agent-subscribe', connectionId, subscribe: call.subscribe as NonNullable<AgentCall['subscribe']>, remoteIp });
      return undefined;
    }
    const agentId = (request.headers[AGENT_ID_HEADER] ?? call.agent_id?.value) as AgentId | undefined;
    if (agentId === undefined) return sendText(reply, 400, `Expecting the '${AGENT_ID_HEADER}' header or 'agent_id' to be present`);
    const connection = this.core.agentConnection(agentId);
    if (connection === undefined) return sendText(reply, 403, `Agent ${agentId} is not registered`);
    if (connection === null) return sendText(reply, 403, `Agent ${agentId} is not subscribed`);
    if (call.type !== 'BATCH') {
      this.step({ kind: 'agent-call', agentId, call });
      return reply.code(202).send();
    }
    // All or nothing: a batch with one bad call is refused whole, so nothing is applied twice on retry.
    const calls: AgentCall[] = [];
    for (const [index, item] of (call.batch ?? []).entries()) {
      const checked = validateAgentCall(item);
      if (!checked.ok) return sendText(reply, 400, `batch[${index}]: ${checked.error}`);
      if (checked.value.type === 'SUBSCRIBE' || checked.value.type === 'BATCH') return sendText(reply, 400, `batch[${index}]: ${checked.value.type} cannot be batched`);
      calls.push(checked.value);
    }
    for (const item of calls) this.step({ kind: 'agent-call', agentId, call: item });
    return reply.code(202).send();
  }

  // ---------------------------------------------------------------- effects

  private apply(effect: Effect): void {
    switch (effect.kind) {
      case 'to-framework':
        this.frameworkStreams.get(effect.frameworkId)?.stream.send(effect.event);
        return;
      case 'framework-stream-open':
        this.openStream(this.frameworkStreams, effect.frameworkId, effect.connectionId, effect.event, true, () =>
          this.step({ kind: 'framework-disconnected', frameworkId: effect.frameworkId, connectionId: effect.connectionId }));
        return;
      case 'framework-stream-close':
        this.closeStream(effect.connectionId, this.frameworkStreams, effect.event);
        return;
      case 'to-agent':
        this.agentStreams.get(effect.agentId)?.stream.send(effect.event);
        return;
      case 'agent-stream-open':
        this.openStream(this.agentStreams, effect.agentId, effect.connectionId, effect.event, false, () =>
          this.step({ kind: 'agent-disconnected', agentId: effect.agentId, connectionId: effect.connectionId }));
        return;
      case 'agent-stream-close':
        this.closeStream(effect.connectionId, this.agentStreams, effect.event);
        return;
      case 'set-timer': {
        const name = timerKeyString(effect.key);
        const existing = this.timers.get(name);
        if (existing) clearTimeout(existing);
        const delayMs = Math.max(0, effect.atMs - this.clock.nowMs());
        this.timers.set(name, setTimeout(() => {
          this.timers.delete(name);
          this.step({ kind: 'timer', key: effect.key });
        }, Math.min(delayMs, 2 ** 31 - 1)));
        return;
      }
      case 'cancel-timer': {
        const name = timerKeyString(effect.key);
        const timer = this.timers.get(name);
        if (timer) clearTimeout(timer);
        this.timers.delete(name);
        return;
      }
      case 'allocation-wanted': {
        // Bursts of triggers (many declines, a wave of task ends, N revives) fold into one run: a
        // trigger soon after a run waits until TRIGGERED_RUN_GAP_MS after it, or as long again as
        // that run took if longer, so allocation never takes more than half the master's time and
        // a slow run (a large cluster) lets more triggers fold into the next. A trigger after a
        // quiet spell runs at once.
        this.metrics.triggersWaiting++;
        if (this.allocationScheduled) return;
        this.allocationScheduled = true;
        this.metrics.allocationWanted();
        const run = () => {
          this.allocationScheduled = false;
          this.metrics.allocationStarting(this.clock.nowMs());
          this.step({ kind: 'allocate' });
        };
        const waitMs = this.nextTriggeredAllocationAt - performance.now();
        if (waitMs >= 1) this.timers.set('allocation', setTimeout(() => {
          this.timers.delete('allocation');
          run();
        }, Math.ceil(waitMs)));
        else setImmediate(run);
        return;
      }
      case 'log':
        this.logger[effect.level](effect.message);
        return;
      case 'persist':
        return; // Appended to the registry by `step`.
      case 'operator-answer':
        return; // Read by the Operator API from what `step` returns.
      case 'state-changed':
        this.stateObserver?.onStateChange(effect.change);
        return;
    }
  }

  /**
   * Turns a pending subscription into the open stream of `key`, sends its first event, and tells
   * the core when it closes — unless a newer stream has replaced it by then.
   */
  private openStream<K>(
    streams: Map<K, OpenStream>, key: K, connectionId: ConnectionId, first: unknown, withStreamId: boolean, onLost: () => void,
  ): void {
    const pending = this.pending.get(connectionId);
    if (!pending) return;
    this.pending.delete(connectionId);
    const headers: Record<string, string> = withStreamId ? { 'Mesos-Stream-Id': pending.streamId } : {};
    const stream = new EventStream(pending.response, { heartbeatIntervalMs: this.options.heartbeatIntervalMs, headers });
    streams.set(key, { connectionId, stream, streamId: pending.streamId });
    stream.send(first);
    stream.onClose(() => {
      if (streams.get(key)?.connectionId !== connectionId) return;
      streams.delete(key);
      onLost();
    });
  }

  private closeStream<K>(connectionId: ConnectionId, streams: Map<K, OpenStream>, event: unknown): void {
    const pending = this.pending.get(connectionId);
    if (pending) {
      // A subscription refused after validation: the stream starts with the ERROR, then ends.
      this.pending.delete(connectionId);
      const stream = new EventStream(pending.response, { heartbeatIntervalMs: 0 });
      if (event !== undefined) stream.send(event);
      stream.close();
      return;
    }
    for (const [key, open] of streams) {
      if (open.connectionId !== connectionId) continue;
      streams.delete(key);
      if (event !== undefined) open.stream.send(event);
      open.stream.close();
      return;
    }
  }
}
