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
import { agentMessage, frameworkInfoMessage, frameworkMessage, getState, RecordUsage, taskMessage } from './operator-state.js';

/** Unsent bytes of events a subscriber may fall behind by (beyond its first snapshot) before it is cut off. */
export const OPERATOR_EVENT_BACKLOG_BYTES_MAX = 16 * 1024 * 1024;

export interface OperatorEventsOptions {
  heartbeatIntervalMs: number;
  backlogBytesMax?: number;
}

export class OperatorEvents implements StateObserver {
  private readonly subscribers = new Set<EventStream>();
  private readonly usage: RecordUsage;

  constructor(
    private readonly core: MasterCore,
    private readonly metrics: MasterShellMetrics,
    private readonly options: OperatorEventsOptions,
  ) {
    this.usage = new RecordUsage(core);
  }

  /** Streams open now (`master/operator_event_stream_subscribers`). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Takes over the request's connection: SUBSCRIBED with the state as of now, a first HEARTBEAT
   * (as Mesos sends one at once), then every change from here on.
   */
  subscribe(reply: FastifyReply): void {
    const subscribed = JSON.stringify({
      type: 'SUBSCRIBED',
      subscribed: { get_state: getState(this.core), heartbeat_interval_seconds: this.options.heartbeatIntervalMs / 1000 },
    });
    reply.hijack();
    const backlogBytesMax = Buffer.byteLength(subscribed) + (this.options.backlogBytesMax ?? OPERATOR_EVENT_BACKLOG_BYTES_MAX);
    const stream = new EventStream(reply.raw, { heartbeatIntervalMs: this.options.heartbeatIntervalMs, backlogBytesMax });
    stream.sendRaw(subscribed);
    stream.sendRaw('{"type":"HEARTBEAT"}');
    this.subscribers.add(stream);
    this.countSubscribers();
    stream.onClose(() => {
      this.subscribers.delete(stream);
      this.countSubscribers();
    });
  }

  onStateChange(change: StateChange): void {
    if (this.subscribers.size === 0) return;
    const event = this.eventOf(change);
    if (event === null) return;
    const json = JSON.stringify(event);
    for (const stream of [...this.subscribers]) stream.sendRaw(json);
  }

  stop(): void {
    for (const stream of [...this.subscribers]) stream.close();
  }

  /** The event for a change, read from the core after the step; null when what it names is gone already. */
  eventOf(change: StateChange): Record<string, unknown> | null {
    switch (change.kind) {
      case 'task-added':
        return { type: 'TASK_ADDED', task_added: { task: taskMessage(change.task) } };
      case 'task-updated':
        return { type: 'TASK_UPDATED', task_updated: { framework_id: change.task.framework_id, status: change.status, state: change.state } };
      case 'agent-added': {
        const agent = this.core.agents.get(change.agentId);
        return agent ? { type: 'AGENT_ADDED', agent_added: { agent: agentMessage(agent, this.usage) } } : null;
      }
      case 'agent-removed':
        return { type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: change.agentId } } };
      case 'framework-added':
      case 'framework-updated': {
        const framework = this.core.frameworks.get(change.frameworkId);
        if (!framework) return null;
        const message = { framework: frameworkMessage(this.core, framework, this.usage) };
        return change.kind === 'framework-added' ? { type: 'FRAMEWORK_ADDED', framework_added: message } : { type: 'FRAMEWORK_UPDATED', framework_updated: message };
      }
      case 'framework-removed':
        return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: frameworkInfoMessage(change.info) } };
    }
  }

  private countSubscribers(): void {
    this.metrics.operatorEventStreamSubscribers = this.subscribers.size;
  }
}
