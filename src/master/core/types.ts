/**
 * What goes into the master core and what comes out. The core is a pure state machine: the shell
 * turns HTTP requests, stream closes and timers into `MasterInput`s, calls `step`, and carries out
 * the returned `Effect`s in order (send an event, close a stream, set a timer).
 */
import type { AgentCall, AgentEvent, AgentSubscribe } from '../../api/agent-link/messages.js';
import type { AgentInfo, FrameworkInfo, MasterInfo, Resource, Task, TaskState, TaskStatus } from '../../api/mesos.js';
import type { WeightInfo } from '../../api/operator/calls.js';
import type { QuotaSpec } from '../../allocator/quota.js';
import type { SchedulerCall } from '../../api/scheduler/calls.js';
import type { SchedulerEvent } from '../../api/scheduler/events.js';
import type { AgentId, FrameworkId, OfferId } from '../../common/ids.js';

/** Identifies one open subscription stream; the shell makes these up. */
export type ConnectionId = string & { readonly __brand: 'ConnectionId' };

export type TimerKey =
  | { kind: 'offer-timeout'; offerId: OfferId }
  | { kind: 'framework-failover'; frameworkId: FrameworkId }
  /** Re-send the framework's unacknowledged operation statuses that are due (operations.ts). */
  | { kind: 'operation-status-retry'; frameworkId: FrameworkId }
  /** `agent_reregister_timeout` after recovering the registry: agents not back by then are marked unreachable. */
  | { kind: 'agent-reregister-timeout' }
  /** Every `registryGcIntervalMs`: unreachable agents past their age or count leave the registry. */
  | { kind: 'registry-gc' };

export const timerKeyString = (key: TimerKey): string => {
  switch (key.kind) {
    case 'offer-timeout': return `offer-timeout:${key.offerId}`;
    case 'agent-reregister-timeout':
    case 'registry-gc': return key.kind;
    default: return `${key.kind}:${key.frameworkId}`;
  }
};

/** An agent the registry holds as admitted: it registered with some master and was not removed since. */
export interface AdmittedAgentEntry {
  agentId: AgentId;
  info: AgentInfo;
}

/** An agent the registry holds as unreachable, with when it was marked so. */
export interface UnreachableAgentEntry {
  agentId: AgentId;
  info: AgentInfo;
  unreachableAtMs: number;
}

/**
 * A change to the registry's list of agents (Mesos' registry operations AdmitSlave,
 * MarkSlaveUnreachable, and the removal that comes with MarkSlaveGone). Applied in order, they
 * rebuild the admitted and unreachable lists a restarted master recovers.
 */
export type RegistryChange =
  /** The agent is admitted (new, back from unreachable, or with a changed AgentInfo); it is no longer unreachable. */
  | { kind: 'admit-agent'; agentId: AgentId; info: AgentInfo }
  /** The agent is unreachable since `unreachableAtMs`; it is no longer admitted. */
  | { kind: 'mark-agent-unreachable'; agentId: AgentId; info: AgentInfo; unreachableAtMs: number }
  /** The agent leaves both lists (marked gone, which gone-agents.json keeps, or unreachable too long). */
  | { kind: 'remove-agent'; agentId: AgentId };

export type MasterInput =
  | { kind: 'framework-subscribe'; connectionId: ConnectionId; call: SchedulerCall & { type: 'SUBSCRIBE' } }
  | { kind: 'framework-call'; frameworkId: FrameworkId; call: SchedulerCall }
  | { kind: 'framework-disconnected'; frameworkId: FrameworkId; connectionId: ConnectionId }
  | { kind: 'agent-subscribe'; connectionId: ConnectionId; subscribe: AgentSubscribe; remoteIp: string }
  | { kind: 'agent-call'; agentId: AgentId; call: AgentCall }
  | { kind: 'agent-disconnected'; agentId: AgentId; connectionId: ConnectionId }
  | { kind: 'timer'; key: TimerKey }
  /** Every `agent_ping_timeout`: ping agents, count the pongs that did not come. */
  | { kind: 'ping-tick' }
  | { kind: 'allocate' }
  /**
   * Operator weights, already checked (checkWeightInfos) and, when the master has a work_dir,
   * already saved: the shell persists before it steps, so the core only applies them.
   */
  | { kind: 'update-weights'; weights: readonly WeightInfo[] }
  /** Quota configs already checked (`MasterCore.checkQuotaUpdate`) and saved; an empty spec removes a role's quota. */
  | { kind: 'update-quota'; update: ReadonlyArray<{ role: string; spec: QuotaSpec }> }
  /**
   * The Operator API's RESERVE_RESOURCES and UNRESERVE_RESOURCES, their shape already validated;
   * the core answers each with one `operator-answer` effect.
   */
  | { kind: 'reserve-resources'; agentId: AgentId; source: readonly Resource[]; resources: readonly Resource[] }
  | { kind: 'unreserve-resources'; agentId: AgentId; resources: readonly Resource[] }
  /** The Operator API's TEARDOWN of a framework the master knows (the shell checks that first). */
  | { kind: 'teardown-framework'; frameworkId: FrameworkId }
  /**
   * The Operator API's MARK_AGENT_GONE, already saved when the master has a work_dir: a registered
   * or unreachable agent is removed for good, and the id may never reregister. Restoring the saved
   * gone agents at start steps this for ids the core has not seen.
   */
  | { kind: 'mark-agent-gone'; agentId: AgentId }
  /**
   * Once, as the master starts, before any agent or framework: what the registry holds. Admitted
   * agents become recovered agents, known but not offered until they reregister or
   * `agentReregisterTimeoutMs` passes; unreachable agents stay unreachable.
   */
  | { kind: 'recover-registry'; admitted: readonly AdmittedAgentEntry[]; unreachable: readonly UnreachableAgentEntry[] };

/**
 * A change the Operator API's event stream reports (master.proto `Event`). The core says what
 * changed as it changes it; the shell turns each into an event for subscribers, reading the
 * records named here once the step is over.
 */
export type StateChange =
  | { kind: 'task-added'; task: Task }
  /** The task's latest state changed; `status` is the update that changed it. */
  | { kind: 'task-updated'; task: Task; state: TaskState; status: TaskStatus }
  | { kind: 'agent-added'; agentId: AgentId }
  | { kind: 'agent-removed'; agentId: AgentId }
  | { kind: 'framework-added'; frameworkId: FrameworkId }
  /** Resubscribed, disconnected, or changed its FrameworkInfo (UPDATE_FRAMEWORK). */
  | { kind: 'framework-updated'; frameworkId: FrameworkId }
  | { kind: 'framework-removed'; info: FrameworkInfo };

/** How the core answers an operator's call: 202 when applied, 400 when invalid, 409 when the resources are not free. */
export type OperatorAnswer = { status: 202 | 400 | 409; message: string };

export type Effect =
  /**
   * A registry change: the shell makes it durable before it carries out any effect after it, of
   * this step or a later one (durable before acknowledged: an agent learns its id only once its
   * admission is saved, and frameworks hear of an agent marked unreachable only once that is).
   */
  | { kind: 'persist'; change: RegistryChange }
  | { kind: 'to-framework'; frameworkId: FrameworkId; event: SchedulerEvent }
  /** Binds a subscription stream to a framework; the shell sends `event` (SUBSCRIBED) on it first. */
  | { kind: 'framework-stream-open'; connectionId: ConnectionId; frameworkId: FrameworkId; event: SchedulerEvent }
  /** Ends a subscription stream, after sending `event` on it when given (ERROR). */
  | { kind: 'framework-stream-close'; connectionId: ConnectionId; event?: SchedulerEvent }
  | { kind: 'to-agent'; agentId: AgentId; event: AgentEvent }
  | { kind: 'agent-stream-open'; connectionId: ConnectionId; agentId: AgentId; event: AgentEvent }
  | { kind: 'agent-stream-close'; connectionId: ConnectionId; event?: AgentEvent }
  | { kind: 'set-timer'; key: TimerKey; atMs: number }
  | { kind: 'cancel-timer'; key: TimerKey }
  /** Something changed what can be allocated; the shell batches these into one allocation soon. */
  | { kind: 'allocation-wanted' }
  | { kind: 'log'; level: 'info' | 'warn'; message: string }
  /** The answer to the operator input of this step (there is exactly one for each such input). */
  | { kind: 'operator-answer'; answer: OperatorAnswer }
  /** For the Operator API's SUBSCRIBE streams; nothing else depends on it. */
  | { kind: 'state-changed'; change: StateChange };

export interface MasterCoreOptions {
  masterId: string;
  masterInfo: MasterInfo;
  heartbeatIntervalSeconds: number;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  /** Offers not answered within this time are rescinded; null never rescinds. */
  offerTimeoutMs: number | null;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  /** How long agents recovered from the registry have to reregister before they are marked unreachable (Mesos' `--agent_reregister_timeout`). */
  agentReregisterTimeoutMs: number;
  /**
   * How long, and how many, unreachable agents the registry remembers (Mesos'
   * `--registry_max_agent_age`, 2 weeks, and `--registry_max_agent_count`, 102,400), checked every
   * `registryGcIntervalMs` (`--registry_gc_interval`, 15 minutes). A forgotten agent that comes back
   * registers as a new one would.
   */
  registryMaxAgentAgeMs?: number;
  registryMaxAgentCount?: number;
  registryGcIntervalMs?: number;
}
