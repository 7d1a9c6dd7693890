/**
 * A harness in place of the master's shell (as Nomad's Harness): it feeds inputs to a real
 * MasterCore with a manual clock and collects the effects instead of performing them, so tests
 * read as scripts of what a framework and an agent say and what the master answers.
 */
import assert from 'node:assert/strict';
import type { AgentEvent, AgentSubscribe } from '../../../src/api/agent-link/messages.js';
import type { Offer, Resource, TaskInfo, TaskState, TaskStatus } from '../../../src/api/mesos.js';
import type { SchedulerCall } from '../../../src/api/scheduler/calls.js';
import type { SchedulerEvent } from '../../../src/api/scheduler/events.js';
import type { Allocator } from '../../../src/allocator/allocator.js';
import { DrfAllocator } from '../../../src/allocator/drf-allocator.js';
import type { JsonPieces } from '../../../src/common/http/mesos-http.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import { parseResourcesText } from '../../../src/common/resources/parse.js';
import { SeededRng } from '../../../src/common/rng.js';
import { MasterCore } from '../../../src/master/core/master-core.js';
import type { ConnectionId, Effect, MasterCoreOptions, MasterInput } from '../../../src/master/core/types.js';

export const MASTER_ID = 'm1';

export function makeCore(overrides: Partial<MasterCoreOptions> = {}, allocator: Allocator = new DrfAllocator(new SeededRng(1))): MasterCore {
  return new MasterCore(
    {
      masterId: MASTER_ID,
      masterInfo: { id: MASTER_ID, ip: 0, port: 5050, hostname: 'm1', version: '1.11.0' },
      heartbeatIntervalSeconds: 15,
      agentPingTimeoutMs: 15_000,
      maxAgentPingTimeouts: 5,
      offerTimeoutMs: 60_000,
      maxCompletedFrameworks: 50,
      maxCompletedTasksPerFramework: 1000,
      agentReregisterTimeoutMs: 600_000,
      ...overrides,
    },
    allocator,
  );
}

export class Harness {
  nowMs = 1_000_000;
  readonly effects: Effect[] = [];
  private connectionCounter = 0;

  constructor(readonly core: MasterCore = makeCore()) {}

  step(input: MasterInput): Effect[] {
    const effects = this.core.step(input, this.nowMs);
    this.effects.push(...effects);
    return effects;
  }

  newConnection(): ConnectionId {
    return `c${++this.connectionCounter}` as ConnectionId;
  }

  /** An agent with `resources` in the `--resources` text form (`cpus(eng):2` is a static reservation) or as a list. */
  addAgent(resources: string | Resource[] = 'cpus:4;mem:4096', hostname = 'a1', id?: string): AgentId {
    const connectionId = this.newConnection();
    const subscribe: AgentSubscribe = {
      agent_info: { hostname, port: 5051, ...(id ? { id: { value: id } } : {}) },
      resources: typeof resources === 'string' ? parseResourcesText(resources) : resources,
      version: '1.11.0',
    };
    const effects = this.step({ kind: 'agent-subscribe', connectionId, subscribe, remoteIp: '127.0.0.1' });
    const open = effects.find((e) => e.kind === 'agent-stream-open');
    if (!open || open.kind !== 'agent-stream-open') throw new Error('agent did not register');
    return open.agentId;
  }

  subscribe(name = 'fw', extra: Partial<NonNullable<SchedulerCall['subscribe']>['framework_info']> = {}, frameworkId?: string): { frameworkId: FrameworkId; connectionId: ConnectionId } {
    const connectionId = this.newConnection();
    const call = {
      type: 'SUBSCRIBE' as const,
      ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
      subscribe: { framework_info: { user: 'u', name, ...extra, ...(frameworkId ? { id: { value: frameworkId } } : {}) } },
    };
    const effects = this.step({ kind: 'framework-subscribe', connectionId, call });
    const open = effects.find((e) => e.kind === 'framework-stream-open');
    if (!open || open.kind !== 'framework-stream-open') throw new Error(`framework did not subscribe: ${JSON.stringify(effects)}`);
    return { frameworkId: open.frameworkId, connectionId };
  }

  call(frameworkId: FrameworkId, call: Omit<SchedulerCall, 'framework_id'>): Effect[] {
    return this.step({ kind: 'framework-call', frameworkId, call: { ...call, framework_id: { value: frameworkId } } as SchedulerCall });
  }

  allocate(): Offer[] {
    return offersIn(this.step({ kind: 'allocate' }));
  }

  launch(frameworkId: FrameworkId, offer: Offer, tasks: Array<Partial<TaskInfo> & { id: string }>): Effect[] {
    return this.call(frameworkId, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{
          type: 'LAUNCH',
          launch: {
            task_infos: tasks.map(({ id, ...rest }) => ({
              name: id,
              task_id: { value: id },
              agent_id: offer.agent_id,
              resources: parseSimple('cpus:1;mem:128'),
              command: { value: 'true' },
              ...rest,
            })),
          },
        }],
      },
    });
  }

  agentUpdate(agentId: AgentId, frameworkId: FrameworkId, taskId: string, state: TaskState, uuid = `u-${taskId}-${state}`): Effect[] {
    const status: TaskStatus = { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, agent_id: { value: agentId }, timestamp: this.nowMs / 1000 };
    return this.step({ kind: 'agent-call', agentId, call: { type: 'UPDATE', update: { framework_id: { value: frameworkId }, status } } });
  }
}

/** `cpus:4;mem:4096` into unreserved scalar resources; enough for tests that do not exercise parsing. */
export function parseSimple(text: string): Array<{ name: string; type: 'SCALAR'; scalar: { value: number } }> {
  return text.split(';').map((part) => {
    const [name, value] = part.split(':');
    return { name: name as string, type: 'SCALAR' as const, scalar: { value: Number(value) } };
  });
}

export function offersIn(effects: Effect[]): Offer[] {
  return frameworkEvents(effects).flatMap((e) => (e.type === 'OFFERS' ? e.offers.offers : []));
}

export function frameworkEvents(effects: Effect[], frameworkId?: FrameworkId): SchedulerEvent[] {
  return effects.flatMap((e) => (e.kind === 'to-framework' && (!frameworkId || e.frameworkId === frameworkId) ? [e.event] : []));
}

export function agentEvents(effects: Effect[], agentId?: AgentId): AgentEvent[] {
  return effects.flatMap((e) => (e.kind === 'to-agent' && (!agentId || e.agentId === agentId) ? [e.event] : []));
}

export function updatesIn(effects: Effect[]): TaskStatus[] {
  return frameworkEvents(effects).flatMap((e) => (e.type === 'UPDATE' ? [e.update.status] : []));
}

export function scalar(resources: Array<{ name: string; scalar?: { value: number } }>, name: string): number {
  return resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

/** An answer's text; its stated length must be its length in bytes (it is the Content-Length). */
export function answerText({ pieces, bytes }: JsonPieces): string {
  const joined = Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)));
  assert.equal(joined.length, bytes, 'the stated length is the bytes sent');
  return joined.toString('utf8');
}
