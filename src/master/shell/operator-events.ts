/**
 * The Operator API's SUBSCRIBE (master.proto `Event`): a RecordIO stream that starts with
 * SUBSCRIBED — the whole state and the heartbeat interval — and then carries TASK_ADDED,
 * TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED, FRAMEWORK_UPDATED and
 * FRAMEWORK_REMOVED as the core reports those changes (its `state-changed` effects), with a
 * HEARTBEAT every heartbeat interval (15 s by default, as Mesos).
 *
 * A subscriber never slows the master: each event is serialised once and handed to every
 * stream, and a stream whose unsent bytes pass what its snapshot took plus
 * OPERATOR_EVENT_BACKLOG_BYTES_MAX (a client that stopped reading, or reads too slowly) is cut off.
 */
import type { FastifyReply } from 'fastify';
import { EventStream } from '../../common/http/event-stream.js';
import type { MasterCore } from '../core/master-core.js';
import type { StateChange } from '../core/types.js';
import type { StateObserver } from './master-shell.js';
import type { MasterShellMetrics } from './metrics.js';
import { JsonChunks } from './json-pieces.js';
import { frameworkInfoMessage, type OperatorStateWriter } from './operator-state.js';

/** Unsent bytes of events a subscriber may fall behind by (beyond its first snapshot) before it is cut off. */
export const OPERATOR_EVENT_BACKLOG_BYTES_MAX = 16 * 1024 * 1024;

/** Streams open at once by default, as Mesos' `--max_operator_event_stream_subscribers`. */
export const OPERATOR_EVENT_SUBSCRIBERS_MAX = 1000;

export interface OperatorEventsOptions {
  heartbeatIntervalMs: number;
  backlogBytesMax?: number;
  /**
   * Streams open at once (`--max_operator_event_stream_subscribers`, 1000 as in Mesos); a new one
   * past it closes the oldest, so clients or proxies that never close cannot pile up.
   */
  subscribersMax?: number;
}

export class OperatorEvents implements StateObserver {
  private readonly subscribers = new Set<EventStream>();

  constructor(
    private readonly core: MasterCore,
    private readonly writer: OperatorStateWriter,
    private readonly metrics: MasterShellMetrics,
    private readonly options: OperatorEventsOptions,
  ) {}

  /** Streams open now (`master/operator_event_stream_subscribers`). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Takes over the request's connection: SUBSCRIBED with the state as of now, a first HEARTBEAT
   * (as Mesos sends one at once), then every change from here on.
   */
  async subscribe(reply: FastifyReply): Promise<void> {
    // The snapshot and the subscription are taken together below, after the slow part.
    await this.writer.prepare();
    const out = new JsonChunks();
    out.push('{"type":"SUBSCRIBED","subscribed":{"get_state":');
    this.writer.writeState(out);
    out.push(`,"heartbeat_interval_seconds":${this.options.heartbeatIntervalMs / 1000}}}`);
    const { pieces: snapshot, bytes: snapshotBytes } = out.answer();
    reply.hijack();
    const backlogBytesMax = snapshotBytes + (this.options.backlogBytesMax ?? OPERATOR_EVENT_BACKLOG_BYTES_MAX);
    const stream = new EventStream(reply.raw, { heartbeatIntervalMs: this.options.heartbeatIntervalMs, backlogBytesMax });
    // One RecordIO record written in pieces: the snapshot may be larger than a string can be.
    reply.raw.write(`${snapshotBytes}\n`);
    for (const piece of snapshot) reply.raw.write(piece);
    stream.sendRaw('{"type":"HEARTBEAT"}');
    this.subscribers.add(stream);
    for (const oldest of this.subscribers) {
      if (this.subscribers.size <= (this.options.subscribersMax ?? OPERATOR_EVENT_SUBSCRIBERS_MAX)) break;
      oldest.close(); // Its close listener takes it out of the set.
    }
    this.countSubscribers();
    stream.onClose(() => {
      this.subscribers.delete(stream);
      this.countSubscribers();
    });
  }

  onStateChange(change: StateChange): void {
    if (this.subscribers.size === 0) return;
    const json = this.eventJson(change);
    if (json === null) return;
    for (const stream of [...this.subscribers]) stream.sendRaw(json);
  }

  stop(): void {
    for (const stream of [...this.subscribers]) stream.close();
  }

  /** The event for a change as JSON text, read from the core after the step; null when what it names is gone already. */
  eventJson(change: StateChange): string | null {
    switch (change.kind) {
      case 'task-added':
        return `{"type":"TASK_ADDED","task_added":{"task":${this.writer.taskJson(change.task)}}}`;
      case 'task-updated':
        return JSON.stringify({ type: 'TASK_UPDATED', task_updated: { framework_id: change.task.framework_id, status: change.status, state: change.state } });
      case 'agent-added': {
        const agent = this.core.agents.get(change.agentId);
        return agent ? `{"type":"AGENT_ADDED","agent_added":{"agent":${this.writer.agentEventJson(agent)}}}` : null;
      }
      case 'agent-removed':
        return JSON.stringify({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: change.agentId } } });
      case 'framework-added':
      case 'framework-updated': {
        const framework = this.core.frameworks.get(change.frameworkId);
        if (!framework) return null;
        const key = change.kind === 'framework-added' ? 'FRAMEWORK_ADDED","framework_added' : 'FRAMEWORK_UPDATED","framework_updated';
        return `{"type":"${key}":{"framework":${this.writer.frameworkEventJson(framework)}}}`;
      }
      case 'framework-removed':
        return JSON.stringify({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: frameworkInfoMessage(change.info) } });
    }
  }

  private countSubscribers(): void {
    this.metrics.operatorEventStreamSubscribers = this.subscribers.size;
  }
}
