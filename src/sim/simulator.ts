/**
 * A deterministic simulation of a Meridian cluster (after TigerBeetle's VOPR): the real MasterCore
 * and allocator, driven by simulated agents and frameworks that exchange messages through a
 * seeded network with delays, and by injected faults (agent crashes and restarts, scheduler
 * disconnects and failovers, master failovers). Everything random comes from one seed, so a
 * failing run replays. The master's registry is kept here as the shell keeps it on disk: every
 * `persist` effect is applied to it before the effects after it, and a new master recovers it.
 */
import type { AgentEvent } from '../api/agent-link/messages.js';
import { isTerminalTaskState, type Offer, type Resource, type TaskState, type TaskStatus } from '../api/mesos.js';
import type { SchedulerCall } from '../api/scheduler/calls.js';
import type { SchedulerEvent } from '../api/scheduler/events.js';
import { DrfAllocator } from '../allocator/drf-allocator.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import { SeededRng } from '../common/rng.js';
import { MasterCore } from '../master/core/master-core.js';
import {
  timerKeyString, type AdmittedAgentEntry, type ConnectionId, type Effect, type MasterInput, type RegistryChange, type TimerKey, type UnreachableAgentEntry,
} from '../master/core/types.js';
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
  /** Per step: chance that the master fails over (a new MasterCore recovers the registry; every stream breaks). */
  masterFailoverRatio?: number;
}

/** Simulated time per step; pings and allocation run on their own periods of it. */
export const STEP_MS = 100;
export const PING_PERIOD_MS = 1_000;
export const ALLOCATION_PERIOD_MS = 500;
/** Messages are delivered 0..DELIVERY_STEPS_MAX steps after they are sent. */
export const DELIVERY_STEPS_MAX = 3;
/** Agents of the registry not back this long after a master failover are marked unreachable (200 steps). */
export const AGENT_REREGISTER_TIMEOUT_MS = 20_000;

interface Delivery {
  atStep: number;
  deliver: () => void;
}

/** Each link (one stream or one peer's calls) is FIFO, as a TCP connection is: delays never reorder it. */
type LinkKey = string;

/** The registry's agents, as the master shell's agents.log holds them. */
class SimRegistry {
  readonly admitted = new Map<AgentId, AdmittedAgentEntry>();
  readonly unreachable = new Map<AgentId, UnreachableAgentEntry>();

  apply(change: RegistryChange): void {
    this.admitted.delete(change.agentId);
    this.unreachable.delete(change.agentId);
    if (change.kind === 'admit-agent') this.admitted.set(change.agentId, { agentId: change.agentId, info: change.info });
    else if (change.kind === 'mark-agent-unreachable') this.unreachable.set(change.agentId, { agentId: change.agentId, info: change.info, unreachableAtMs: change.unreachableAtMs });
  }
}

export class Simulator {
  readonly rng: SeededRng;
  core: MasterCore;
  /** Master failovers so far; each new master gets its own id, so the ids it makes are new. */
  masterGeneration = 0;
  private readonly registry = new SimRegistry();
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
    this.core = this.newMaster();
    for (let i = 0; i < options.agents; i++) this.agents.push(new SimAgent(this, i));
    for (let i = 0; i < options.frameworks; i++) this.frameworks.push(new SimFramework(this, i));
  }

  /** A master as it starts: quota set (the operator's, durable), the registry's agents recovered. */
  private newMaster(): MasterCore {
    const masterId = this.masterGeneration === 0 ? 'sim' : `sim${this.masterGeneration}`;
    const core = new MasterCore(
      {
        masterId,
        masterInfo: { id: masterId, ip: 0, port: 5050, hostname: 'sim-master', version: '1.11.0' },
        heartbeatIntervalSeconds: 15,
        agentPingTimeoutMs: PING_PERIOD_MS,
        maxAgentPingTimeouts: 3,
        offerTimeoutMs: 5_000,
        maxCompletedFrameworks: 50,
        maxCompletedTasksPerFramework: 100,
        agentReregisterTimeoutMs: AGENT_REREGISTER_TIMEOUT_MS,
      },
      new DrfAllocator(new SeededRng((this.options.seed ^ 0x5eed) + this.masterGeneration)),
    );
    const quotaLimit = this.options.quotaLimit;
    if (quotaLimit) core.step({ kind: 'update-quota', update: [{ role: '*', spec: { guarantees: {}, limits: quotaLimit } }] }, this.nowMs);
    const effects = core.step({ kind: 'recover-registry', admitted: [...this.registry.admitted.values()], unreachable: [...this.registry.unreachable.values()] }, this.nowMs);
    this.core = core;
    for (const effect of effects) this.apply(effect);
    return core;
  }

  /**
   * The master process dies and a new one takes over: its timers die with it, every stream breaks
   * (peers resubscribe; what was in flight to them is lost), and the new master starts from the
   * registry alone.
   */
  failoverMaster(): void {
    this.masterGeneration++;
    this.timers.clear();
    for (const framework of this.frameworks) framework.onMasterLost();
    for (const agent of this.agents) agent.onMasterLost();
    this.newMaster();
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
    this.options.masterFailoverRatio = 0;
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
    if (this.rng.nextFloat() < (this.options.masterFailoverRatio ?? 0)) this.failoverMaster();
  }

  private apply(effect: Effect): void {
    switch (effect.kind) {
      case 'persist':
        // Synchronous, so durable before any effect after it, as the shell guarantees.
        this.registry.apply(effect.change);
        return;
      case 'to-framework': {
        this.checkReconciliation(effect.frameworkId, effect.event);
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

  /**
   * The master never tells a framework in reconciliation that a task is lost, unknown or gone
   * while the agent it names still runs it and has not left the cluster (it is registered, or
   * recovered and may still come back): the framework would relaunch it and, once the agent
   * returns, run it twice. That is the mistake a master without a registry of agents makes after
   * a failover.
   */
  private checkReconciliation(frameworkId: FrameworkId, event: SchedulerEvent): void {
    if (event.type !== 'UPDATE') return;
    const { status } = event.update;
    if (status.reason !== 'REASON_RECONCILIATION' || !status.agent_id) return;
    if (!['TASK_LOST', 'TASK_UNKNOWN', 'TASK_GONE', 'TASK_DROPPED'].includes(status.state)) return;
    const agentId = status.agent_id.value as AgentId;
    const standing = this.core.agentStanding(agentId);
    if (standing === 'unreachable' || standing === 'gone') return;
    if (this.agentById(agentId)?.runs(frameworkId, status.task_id.value)) {
      this.violations.push(`reconciliation said ${status.state} for task ${status.task_id.value} still running on agent ${agentId} (${standing}; step ${this.stepNumber})`);
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
