/**
 * A deterministic simulation of a Meridian cluster (after TigerBeetle's VOPR): the real MasterCore
 * and allocator, driven by simulated agents and frameworks that exchange messages through a
 * seeded network with delays, and by injected faults (agent crashes and restarts, scheduler
 * disconnects and failovers). Everything random comes from one seed, so a failing run replays.
 */
import type { AgentEvent } from '../api/agent-link/messages.js';
import { isTerminalTaskState, type Offer, type Resource, type TaskState, type TaskStatus } from '../api/mesos.js';
import type { SchedulerCall } from '../api/scheduler/calls.js';
import type { SchedulerEvent } from '../api/scheduler/events.js';
import { DrfAllocator } from '../allocator/drf-allocator.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import { SeededRng } from '../common/rng.js';
import { MasterCore } from '../master/core/master-core.js';
import { timerKeyString, type ConnectionId, type Effect, type MasterInput, type TimerKey } from '../master/core/types.js';
import { SimAgent } from './sim-agent.js';
import { SimFramework } from './sim-framework.js';

export interface SimulatorOptions {
  seed: number;
  agents: number;
  frameworks: number;
  /** Per step: chance that a live agent crashes (its process and connection die). */
  agentCrashRatio: number;
  /** Per step: chance that a crashed agent restarts and reregisters. */
  agentRestartRatio: number;
  /** Per step: chance that a subscribed framework loses its connection. */
  frameworkDisconnectRatio: number;
  /** A quota limit on role `*`, which every simulated framework is in (none when absent). */
  quotaLimit?: Record<string, number>;
}

/** Simulated time per step; pings and allocation run on their own periods of it. */
export const STEP_MS = 100;
export const PING_PERIOD_MS = 1_000;
export const ALLOCATION_PERIOD_MS = 500;
/** Messages are delivered 0..DELIVERY_STEPS_MAX steps after they are sent. */
export const DELIVERY_STEPS_MAX = 3;

interface Delivery {
  atStep: number;
  deliver: () => void;
}

/** Each link (one stream or one peer's calls) is FIFO, as a TCP connection is: delays never reorder it. */
type LinkKey = string;

export class Simulator {
  readonly rng: SeededRng;
  readonly core: MasterCore;
  readonly agents: SimAgent[] = [];
  readonly frameworks: SimFramework[] = [];
  stepNumber = 0;
  nowMs = 0;
  private readonly inFlight: Delivery[] = [];
  private readonly lastDeliveryStep = new Map<LinkKey, number>();
  private readonly timers = new Map<string, { key: TimerKey; atMs: number }>();
  private connectionCounter = 0;
  /** Maps open connections to their endpoint, so a closed stream reaches the right simulated peer. */
  private readonly frameworkConnections = new Map<ConnectionId, SimFramework>();
  private readonly agentConnections = new Map<ConnectionId, SimAgent>();
  readonly violations: string[] = [];

  constructor(readonly options: SimulatorOptions) {
    this.rng = new SeededRng(options.seed);
    this.core = new MasterCore(
      {
        masterId: 'sim',
        masterInfo: { id: 'sim', ip: 0, port: 5050, hostname: 'sim-master', version: '1.11.0' },
        heartbeatIntervalSeconds: 15,
        agentPingTimeoutMs: PING_PERIOD_MS,
        maxAgentPingTimeouts: 3,
        offerTimeoutMs: 5_000,
        maxCompletedFrameworks: 50,
        maxCompletedTasksPerFramework: 100,
      },
      new DrfAllocator(new SeededRng(options.seed ^ 0x5eed)),
    );
    if (options.quotaLimit) this.core.step({ kind: 'update-quota', update: [{ role: '*', spec: { guarantees: {}, limits: options.quotaLimit } }] }, 0);
    for (let i = 0; i < options.agents; i++) this.agents.push(new SimAgent(this, i));
    for (let i = 0; i < options.frameworks; i++) this.frameworks.push(new SimFramework(this, i));
  }

  newConnection(): ConnectionId {
    return `sim-c${++this.connectionCounter}` as ConnectionId;
  }

  /** Schedules a message on a link after a random network delay, keeping the link's order. */
  send(link: LinkKey, deliver: () => void): void {
    const earliest = this.lastDeliveryStep.get(link) ?? 0;
    const atStep = Math.max(earliest, this.stepNumber + this.rng.nextInt(DELIVERY_STEPS_MAX + 1));
    this.lastDeliveryStep.set(link, atStep);
    this.inFlight.push({ atStep, deliver });
  }

  toMaster(input: MasterInput): void {
    const effects = this.core.step(input, this.nowMs);
    for (const effect of effects) this.apply(effect);
  }

  registerFrameworkConnection(connectionId: ConnectionId, framework: SimFramework): void {
    this.frameworkConnections.set(connectionId, framework);
  }

  registerAgentConnection(connectionId: ConnectionId, agent: SimAgent): void {
    this.agentConnections.set(connectionId, agent);
  }

  /** One step: time passes, due messages and timers fire, faults strike, peers act. */
  tick(): void {
    this.stepNumber++;
    this.nowMs += STEP_MS;
    this.deliverDue();
    this.fireTimers();
    if (this.nowMs % PING_PERIOD_MS === 0) this.toMaster({ kind: 'ping-tick' });
    if (this.nowMs % ALLOCATION_PERIOD_MS === 0) this.toMaster({ kind: 'allocate' });
    this.injectFaults();
    for (const agent of this.agents) agent.act();
    for (const framework of this.frameworks) framework.act();
  }

  /** Turns faults off so the cluster can settle (the liveness phase). */
  heal(): void {
    this.options.agentCrashRatio = 0;
    this.options.frameworkDisconnectRatio = 0;
    this.options.agentRestartRatio = 1;
  }

  private deliverDue(): void {
    const due = this.inFlight.filter((d) => d.atStep <= this.stepNumber);
    if (due.length === 0) return;
    // Array order is send order, so equal steps keep each link's FIFO order.
    const remaining = this.inFlight.filter((d) => d.atStep > this.stepNumber);
    this.inFlight.length = 0;
    this.inFlight.push(...remaining);
    for (const delivery of due) delivery.deliver();
  }

  private fireTimers(): void {
    const due = [...this.timers.entries()].filter(([, t]) => t.atMs <= this.nowMs).sort((a, b) => a[1].atMs - b[1].atMs || (a[0] < b[0] ? -1 : 1));
    for (const [name, timer] of due) {
      this.timers.delete(name);
      this.toMaster({ kind: 'timer', key: timer.key });
    }
  }

  private injectFaults(): void {
    for (const agent of this.agents) {
      if (agent.alive && this.rng.nextFloat() < this.options.agentCrashRatio) agent.crash();
      else if (!agent.alive && this.rng.nextFloat() < this.options.agentRestartRatio) agent.restart();
    }
    for (const framework of this.frameworks) {
      if (framework.connected && this.rng.nextFloat() < this.options.frameworkDisconnectRatio) framework.disconnect();
    }
  }

  private apply(effect: Effect): void {
    switch (effect.kind) {
      case 'to-framework': {
        const framework = this.frameworks.find((f) => f.frameworkId === effect.frameworkId);
        const connectionId = framework?.connectionId;
        // Events travel on the framework's current stream; if that stream dies first, they are lost with it.
        if (framework && connectionId) this.send(`stream:${connectionId}`, () => framework.connectionId === connectionId && framework.onEvent(effect.event));
        return;
      }
      case 'framework-stream-open': {
        const framework = this.frameworkConnections.get(effect.connectionId);
        framework?.onSubscribed(effect.connectionId, effect.frameworkId, effect.event);
        return;
      }
      case 'framework-stream-close':
        this.frameworkConnections.get(effect.connectionId)?.onStreamClosed(effect.connectionId, effect.event);
        this.frameworkConnections.delete(effect.connectionId);
        return;
      case 'to-agent': {
        const agent = this.agents.find((a) => a.agentId === effect.agentId);
        const connectionId = agent?.connectionId;
        if (agent && connectionId) this.send(`stream:${connectionId}`, () => agent.connectionId === connectionId && agent.onEvent(effect.event as AgentEvent));
        return;
      }
      case 'agent-stream-open':
        this.agentConnections.get(effect.connectionId)?.onSubscribed(effect.connectionId, effect.agentId);
        return;
      case 'agent-stream-close':
        this.agentConnections.get(effect.connectionId)?.onStreamClosed(effect.connectionId);
        this.agentConnections.delete(effect.connectionId);
        return;
      case 'set-timer':
        this.timers.set(timerKeyString(effect.key), { key: effect.key, atMs: effect.atMs });
        return;
      case 'cancel-timer':
        this.timers.delete(timerKeyString(effect.key));
        return;
      case 'allocation-wanted':
      case 'log':
      case 'operator-answer':
        return;
    }
  }

  frameworkById(frameworkId: FrameworkId): SimFramework | undefined {
    return this.frameworks.find((f) => f.frameworkId === frameworkId);
  }

  agentById(agentId: AgentId): SimAgent | undefined {
    return this.agents.find((a) => a.agentId === agentId);
  }
}

export type { Offer, Resource, SchedulerCall, SchedulerEvent, TaskState, TaskStatus };
export { isTerminalTaskState };
