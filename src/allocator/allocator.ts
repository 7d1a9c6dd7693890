/**
 * The allocator decides which framework role is offered which agent's free resources. It is pure:
 * time comes in as `nowMs`, randomness from a seeded Rng, and decisions go out as return values
 * (OfferDecision[]) instead of callbacks, so tests and the simulator can assert on them.
 *
 * The master tells the allocator everything that changes what is free (agents, frameworks,
 * offers declined or returned, tasks that end); the allocator never learns about tasks themselves.
 * Offered and used resources are both "allocated" from its point of view, as in Mesos.
 */
import type { Resource } from '../common/resources/wire.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import type { QuotaSpec } from './quota.js';

/** One offer to make: all of `resources` on `agentId`, to `frameworkId` for its `role`. */
export interface OfferDecision {
  frameworkId: FrameworkId;
  agentId: AgentId;
  role: string;
  /** Resources with `allocation_info.role` set to `role`. */
  resources: Resource[];
}

export interface FrameworkOptions {
  roles: readonly string[];
  suppressedRoles: readonly string[];
  /**
   * The framework's capabilities (Mesos `FrameworkInfo.Capability.Type` names) that decide what
   * it may be offered, as in Mesos: agents with GPUs only with GPU_RESOURCES, refined reservations
   * only with RESERVATION_REFINEMENT, revocable resources only with REVOCABLE_RESOURCES, shared
   * ones only with SHARED_RESOURCES. Absent: none of them.
   */
  capabilities?: readonly string[];
}

export interface AgentOptions {
  total: readonly Resource[];
  /** Resources already in use on the agent (a reregistering agent's tasks), with allocation_info.role set. */
  used: ReadonlyArray<{ frameworkId: FrameworkId; resources: readonly Resource[] }>;
}

/**
 * Why a framework role gets what it gets, as of now: the answer to "why is my framework
 * starving?". Agents are counted once each, by the first reason that applies to them.
 */
export interface AllocatorExplanation {
  frameworkId: FrameworkId;
  role: string;
  /** Offers the role was made in the last allocation run. */
  offeredLastRun: number;
  /** The framework is subscribed to the role. */
  subscribed: boolean;
  /** The framework is connected and active. */
  active: boolean;
  /** The framework asked for no offers for the role (SUPPRESS, or `suppressed_roles`). */
  suppressed: boolean;
  /** The role's quota leaves it no cpus and no mem (limits reached). */
  atQuotaLimit: boolean;
  agents: {
    /** Active agents in the cluster. */
    total: number;
    /** Nothing free at all: everything is offered or used. */
    fullyAllocated: number;
    /** What is free is reserved to other roles. */
    reservedForOtherRoles: number;
    /** What the role may have is below the minimum allocatable resources. */
    belowMinimum: number;
    /** The framework declined this agent's resources for the role, and the filter has not expired. */
    filtered: number;
    /** Would be offered to the role if it came first in the fair-share order. */
    available: number;
  };
}

/**
 * The cheap part of an explanation, for listings of every framework (`/master/state`): it costs
 * the framework's decline filters for the role, not a walk over the agents.
 */
export interface AllocatorBrief extends Omit<AllocatorExplanation, 'agents'> {
  /**
   * Agents the framework's unexpired decline filters for the role name. An agent counts even when
   * it now has more to give than was declined (explain() would count it available then).
   */
  filteredAgents: number;
}

export interface Allocator {
  addFramework(frameworkId: FrameworkId, options: FrameworkOptions, active: boolean): void;
  updateFramework(frameworkId: FrameworkId, options: FrameworkOptions): void;
  removeFramework(frameworkId: FrameworkId): void;
  activateFramework(frameworkId: FrameworkId): void;
  deactivateFramework(frameworkId: FrameworkId): void;

  addAgent(agentId: AgentId, options: AgentOptions): void;
  removeAgent(agentId: AgentId): void;
  activateAgent(agentId: AgentId): void;
  deactivateAgent(agentId: AgentId): void;

  /**
   * The agent's total changed (reservations made or undone by the operator, or the agent reports
   * other resources). What frameworks hold there stays theirs; the free pool follows the total.
   */
  updateAgent(agentId: AgentId, total: readonly Resource[]): void;
  /**
   * Turns resources a framework holds on an agent (an offer it accepted) into others of the same
   * amounts: the RESERVE and UNRESERVE operations of an ACCEPT. The agent's total changes with
   * them. False, changing nothing, when the framework does not hold all of `from` there.
   */
  updateAllocation(frameworkId: FrameworkId, agentId: AgentId, from: readonly Resource[], to: readonly Resource[]): boolean;

  /** Records resources as allocated to a framework outside an allocation run (e.g. reported tasks). */
  recordAllocation(frameworkId: FrameworkId, agentId: AgentId, resources: readonly Resource[]): void;
  /**
   * Returns resources to the free pool: a declined or expired offer, the unused part of an accepted
   * one, or a task that ended. With `refuseSeconds` the framework is not offered them again on
   * that agent until the filter expires (Mesos `Filters.refuse_seconds`).
   */
  recoverResources(frameworkId: FrameworkId, agentId: AgentId, resources: readonly Resource[], refuseSeconds: number | null, nowMs: number): void;

  /**
   * Sets a role's quota (Mesos 1.9+ `QuotaConfig`: limits, and guarantees the allocator lays
   * resources away for), or removes it with null. A quota bounds the role's whole subtree.
   */
  updateQuota(role: string, quota: QuotaSpec | null): void;

  /** What a role's subtree consumes of quota now: unreserved resources allocated to it and all reserved to it. */
  quotaConsumption(role: string): Record<string, number>;

  /** Sets the weight of a role (or of a prefix of role paths, which weighs its whole subtree). */
  updateWeight(role: string, weight: number): void;

  suppressOffers(frameworkId: FrameworkId, roles: readonly string[]): void;
  /** Unsuppresses the roles (all when empty) and clears their decline filters. */
  reviveOffers(frameworkId: FrameworkId, roles: readonly string[]): void;

  /** Runs one allocation cycle over every active agent. */
  allocate(nowMs: number): OfferDecision[];

  /**
   * The allocator's gauges under Mesos' metric names (without the `allocator/mesos/` prefix):
   * `resources/<name>/total` and `/offered_or_allocated`, `roles/<role>/shares/dominant`,
   * `offer_filters/roles/<role>/active`, and `quota/roles/<role>/resources/<name>/guarantee`,
   * `/limit` and `/offered_or_allocated`; and Meridian's own per role,
   * `roles/<role>/resources/<name>/offered_or_allocated` and `/reserved`, and
   * `quota/roles/<role>/resources/<name>/consumed` (unreserved allocated plus all reserved).
   */
  metrics(nowMs: number): Record<string, number>;

  /** Why a framework role is offered what it is (null for an unknown framework). */
  explain(frameworkId: FrameworkId, role: string, nowMs: number): AllocatorExplanation | null;

  /** The same without the walk over agents, in O(the framework's filters for the role) (null for an unknown framework). */
  explainBrief(frameworkId: FrameworkId, role: string, nowMs: number): AllocatorBrief | null;
}
