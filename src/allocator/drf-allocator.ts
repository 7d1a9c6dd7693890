/**
 * A two-level DRF allocator, as Mesos' hierarchical allocator: for each agent (in random order),
 * roles are ordered by weighted dominant share down the role tree (drf-sorter.ts), then the
 * frameworks of each role by theirs, and the agent's free resources go to the first framework role
 * that may take them (not suppressed, not filtered by a decline, capable of them, above the
 * minimum). Resources reserved to a role go only to it and the roles below it. With quota a cycle
 * has two stages: roles whose guarantees are unmet first, up to them; then everyone, within limits
 * and leaving free what unmet guarantees still need (quota.ts keeps the accounts).
 *
 * Speed (bench:allocator): free resources are kept per agent as allocations come and go; an
 * allocation is kept whole, so a declined offer is taken back and offered again as it was; the
 * sorters keep their order incrementally and are walked until the first taker.
 */
import { withFields } from '../common/with-fields.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import type { Rng } from '../common/rng.js';
import type { Resource } from '../common/resources/wire.js';
import type { AgentOptions, Allocator, AllocatorBrief, AllocatorExplanation, FrameworkOptions, OfferDecision } from './allocator.js';
import { addToVector, addVector, DrfSorter, namedAmounts, SharedTotal, slotOf, type ResourceVector } from './drf-sorter.js';
import { QuotaBook, type QuotaSpec } from './quota.js';
import {
  addAll, allocatedTo, availableFor, contains, isEmpty, reservationRole, subtractAll, subtractAllocated, unallocated, withAllocationRole,
  type Quantities,
} from './resource-math.js';

/** Decline filters are capped at a year, as Mesos caps `refuse_seconds`. */
export const REFUSE_SECONDS_MAX = 365 * 24 * 3600;
/**
 * Mesos `min_allocatable_resources`: an offer must hold at least one of these sets of quantities
 * in full. The default, `cpus:0.01|mem:32`, asks for a little cpu or some memory.
 */
export type MinAllocatable = ReadonlyArray<Readonly<Record<string, number>>>;
export const DEFAULT_MIN_ALLOCATABLE: MinAllocatable = [{ cpus: 0.01 }, { mem: 32 }];

export interface DrfAllocatorOptions {
  minAllocatable?: MinAllocatable;
  /** Mesos `fair_sharing_excluded_resource_names`: resources that do not count towards shares. */
  fairSharingExcludedResourceNames?: readonly string[];
}

/** Up to this many allocations an agent's list is copied at its exact length as it grows (see allocateOn). */
const SHORT_LIST = 16;

/**
 * One allocation as it was made: the resources with allocation_info.role, and the same without.
 * Kept whole, not merged into the framework's other allocations, because what comes back is
 * nearly always exactly one of them (a declined offer, an offer's task ending), and then it can
 * be taken out as it was put in, without arithmetic.
 */
class Allocation {
  /** Whose it is; set when it is put on an agent (a declined offer's allocation may go to another framework next). */
  frameworkId = '' as FrameworkId;

  constructor(
    readonly resources: readonly Resource[],
    private bareList: readonly Resource[] | null,
    /** Scalar amounts per allocation role, as the sorters count them, and the unreserved part, as quota counts it. */
    readonly parts: ReadonlyArray<{ role: string; amounts: ResourceVector; unreserved: ResourceVector }>,
  ) {}

  /** The resources without allocation_info, built when first asked for: most tasks' never are. */
  get bare(): readonly Resource[] {
    return (this.bareList ??= unallocated(this.resources));
  }

  /** The bare list if it was built (or given), else null. */
  get builtBare(): readonly Resource[] | null {
    return this.bareList;
  }
}

interface AgentState {
  readonly id: AgentId;
  total: Resource[];
  /**
   * What frameworks were allocated (offered or used) on the agent, each allocation naming its
   * framework. A list, not a map by framework: an agent holds a few allocations, and at thousands
   * of agents a map each costs the collector more than scanning a few entries costs a lookup.
   */
  allocations: Allocation[];
  /** Total minus everything allocated, kept as allocations come and go (no allocation_info). */
  free: readonly Resource[];
  /** Mesos offers an agent with GPUs only to frameworks that can use them. */
  hasGpus: boolean;
  /**
   * The allocation last handed back whole. A declined offer comes back unchanged and is offered
   * again unchanged, so when `free` is still its `bare` list it is reused instead of rebuilt.
   */
  returned: Allocation | null;
  active: boolean;
  /**
   * The free list last found allocatable and plain (no GPUs, nothing that a framework's capabilities might
   * withhold), so a cycle checks each free list once, not once per candidate.
   */
  checkedFree: readonly Resource[] | null;
}

/** A role's frameworks, each client carrying its framework's state. */
type FrameworkSorter = DrfSorter<FrameworkState>;

interface OfferFilter {
  untilMs: number;
  resources: readonly Resource[];
}

interface FrameworkState {
  roles: Set<string>;
  suppressedRoles: Set<string>;
  active: boolean;
  capabilities: Capabilities;
  /** Offers per role in run `offeredInRun` (older counts are stale: the framework got nothing since). */
  offeredByRole: Map<string, number>;
  offeredInRun: number;
  /** Decline filters by role, then agent. */
  filters: Map<string, Map<AgentId, OfferFilter>>;
}

export class DrfAllocator implements Allocator {
  private readonly agents = new Map<AgentId, AgentState>();
  private readonly frameworks = new Map<FrameworkId, FrameworkState>();
  /** Roles by weighted dominant share; a role is a client while a framework is in it. */
  private readonly roleSorter: DrfSorter<FrameworkSorter>;
  /** Per role, its frameworks by dominant share. */
  private readonly frameworkSorters = new Map<string, FrameworkSorter>();
  private readonly quota = new QuotaBook();
  /** Scalars reserved on agents, by reservation role (allocated or not). */
  private readonly reservedByRole = new Map<string, number[]>();
  /** The cluster total, shared by every sorter. */
  private readonly sharedTotal = new SharedTotal();

  private readonly minAllocatable: ReadonlyArray<ReadonlyArray<[name: string, amount: number]>>;
  private readonly excludedResourceNames: readonly string[];
  /** Numbers allocation runs, so counts kept per framework know which run they are of. */
  private run = 0;

  constructor(private readonly rng: Rng, options: DrfAllocatorOptions = {}) {
    this.minAllocatable = (options.minAllocatable ?? DEFAULT_MIN_ALLOCATABLE).map((set) => Object.entries(set));
    this.excludedResourceNames = options.fairSharingExcludedResourceNames ?? [];
    this.roleSorter = new DrfSorter({ excludedResourceNames: this.excludedResourceNames, total: this.sharedTotal });
  }

  addFramework(frameworkId: FrameworkId, options: FrameworkOptions, active: boolean): void {
    this.frameworks.set(frameworkId, {
      roles: new Set(options.roles),
      suppressedRoles: new Set(options.suppressedRoles),
      active,
      capabilities: capabilitiesOf(options.capabilities),
      offeredByRole: new Map(),
      offeredInRun: -1,
      filters: new Map(),
    });
    this.syncSorters(frameworkId);
  }

  updateFramework(frameworkId: FrameworkId, options: FrameworkOptions): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    const before = new Set(framework.roles);
    framework.roles = new Set(options.roles);
    framework.suppressedRoles = new Set(options.suppressedRoles);
    if (options.capabilities !== undefined) framework.capabilities = capabilitiesOf(options.capabilities);
    this.syncSorters(frameworkId, before);
  }

  /** Weights of roles (or of any prefix of a role path); 1 unless set. */
  updateWeight(role: string, weight: number): void {
    this.roleSorter.updateWeight(role, weight);
  }

  removeFramework(frameworkId: FrameworkId): void {
    this.frameworks.delete(frameworkId);
    for (const agent of this.agents.values()) {
      if (!agent.allocations.some((allocation) => allocation.frameworkId === frameworkId)) continue;
      for (const allocation of agent.allocations) if (allocation.frameworkId === frameworkId) agent.free = addAll(agent.free, allocation.bare);
      agent.allocations = agent.allocations.filter((allocation) => allocation.frameworkId !== frameworkId);
    }
    for (const [role, sorter] of [...this.frameworkSorters]) {
      if (sorter.contains(frameworkId)) this.leaveRole(frameworkId, role, sorter);
    }
  }

  activateFramework(frameworkId: FrameworkId): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    framework.active = true;
    this.syncSorters(frameworkId);
  }

  deactivateFramework(frameworkId: FrameworkId): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    framework.active = false;
    this.syncSorters(frameworkId);
  }

  addAgent(agentId: AgentId, options: AgentOptions): void {
    // An agent added again (its total changed while it was away) keeps its decline filters.
    this.dropAgent(agentId);
    const total = unallocated(options.total);
    const agent: AgentState = { id: agentId, total, allocations: [], free: total, returned: null, hasGpus: hasGpus(total), active: true, checkedFree: null };
    this.agents.set(agentId, agent);
    this.changeClusterTotal(agent.total, 1);
    this.chargeReservations(agent.total, 1);
    for (const use of options.used) this.recordAllocation(use.frameworkId, agentId, use.resources);
  }

  removeAgent(agentId: AgentId): void {
    if (!this.dropAgent(agentId)) return;
    // Filters on it would never be looked at again, so never expire: they go with it.
    for (const framework of this.frameworks.values()) for (const byAgent of framework.filters.values()) byAgent.delete(agentId);
  }

  /** Takes an agent and what is allocated on it out of the allocator; false when it was not there. */
  private dropAgent(agentId: AgentId): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    for (const allocation of agent.allocations) this.trackClient(allocation.frameworkId, allocation, -1);
    this.agents.delete(agentId);
    this.changeClusterTotal(agent.total, -1);
    this.chargeReservations(agent.total, -1);
    return true;
  }

  updateAgent(agentId: AgentId, total: readonly Resource[]): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    this.changeClusterTotal(agent.total, -1);
    this.chargeReservations(agent.total, -1);
    agent.total = unallocated(total);
    agent.hasGpus = hasGpus(agent.total);
    this.changeClusterTotal(agent.total, 1);
    this.chargeReservations(agent.total, 1);
    const held = agent.allocations.reduce<Resource[]>((all, allocation) => addAll(all, allocation.bare), []);
    agent.free = subtractAll(agent.total, held);
    agent.returned = null;
  }

  updateAllocation(frameworkId: FrameworkId, agentId: AgentId, from: readonly Resource[], to: readonly Resource[]): boolean {
    const agent = this.agents.get(agentId);
    if (!agent) return false;
    const taken = takeBack(agent, frameworkId, from);
    if (!taken) return false;
    const converted = allocationOf(to);
    converted.frameworkId = frameworkId;
    agent.allocations.push(converted);
    this.trackClient(frameworkId, taken, -1);
    this.trackClient(frameworkId, converted, +1);
    this.changeClusterTotal(agent.total, -1);
    this.chargeReservations(agent.total, -1);
    agent.total = addAll(subtractAll(agent.total, taken.bare), converted.bare);
    this.changeClusterTotal(agent.total, 1);
    this.chargeReservations(agent.total, 1);
    return true;
  }

  activateAgent(agentId: AgentId): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = true;
  }

  deactivateAgent(agentId: AgentId): void {
    const agent = this.agents.get(agentId);
    if (agent) agent.active = false;
  }

  recordAllocation(frameworkId: FrameworkId, agentId: AgentId, resources: readonly Resource[]): void {
    const agent = this.agents.get(agentId);
    if (!agent || resources.length === 0) return;
    this.allocateOn(agent, frameworkId, allocationOf(resources));
  }

  private allocateOn(agent: AgentState, frameworkId: FrameworkId, allocation: Allocation): void {
    allocation.frameworkId = frameworkId;
    const held = agent.allocations;
    // A short list is copied at its exact length: a push leaves room for 16 more entries, which at
    // thousands of agents the collector pays for on every pass.
    if (held.length < SHORT_LIST) agent.allocations = held.length === 0 ? [allocation] : held.concat(allocation);
    else held.push(allocation);
    // The whole of what was free is the common case (one offer takes an unreserved agent).
    const bare = allocation.builtBare;
    agent.free = bare === agent.free ? [] : bare !== null ? subtractAll(agent.free, bare) : subtractAllocated(agent.free, allocation.resources);
    this.trackClient(frameworkId, allocation, +1);
  }

  recoverResources(frameworkId: FrameworkId, agentId: AgentId, resources: readonly Resource[], refuseSeconds: number | null, nowMs: number): void {
    const agent = this.agents.get(agentId);
    let returned: Allocation | null = null;
    if (agent) {
      returned = takeBack(agent, frameworkId, resources);
      if (returned) {
        agent.free = agent.free.length === 0 ? returned.bare : addAll(agent.free, returned.bare);
        agent.returned = returned;
        this.trackClient(frameworkId, returned, -1);
      }
    }
    const framework = this.frameworks.get(frameworkId);
    if (!framework || refuseSeconds === null || !(refuseSeconds > 0) || resources.length === 0) return;
    const untilMs = nowMs + Math.min(refuseSeconds, REFUSE_SECONDS_MAX) * 1000;
    // A declined offer (nearly always one role) comes back as it went out: its bare list is the filter's.
    const single = returned?.resources === resources && returned.parts.length === 1 ? returned : null;
    const byRole = single ? [[single.parts[0]?.role as string, single.bare] as const] : [...allocatedTo(resources)].map(([role, roleResources]) => [role, unallocated(roleResources)] as const);
    for (const [role, refused] of byRole) {
      let byAgent = framework.filters.get(role);
      if (!byAgent) framework.filters.set(role, (byAgent = new Map()));
      byAgent.set(agentId, { untilMs, resources: refused });
    }
  }

  suppressOffers(frameworkId: FrameworkId, roles: readonly string[]): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    for (const role of roles.length > 0 ? roles : framework.roles) framework.suppressedRoles.add(role);
    this.syncSorters(frameworkId);
  }

  reviveOffers(frameworkId: FrameworkId, roles: readonly string[]): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    const revived = new Set(roles.length > 0 ? roles : framework.roles);
    for (const role of revived) {
      framework.suppressedRoles.delete(role);
      framework.filters.delete(role);
    }
    this.syncSorters(frameworkId);
  }

  allocate(nowMs: number): OfferDecision[] {
    const decisions: OfferDecision[] = [];
    const agents: AgentState[] = [];
    for (const agent of this.agents.values()) if (agent.active && this.isAllocatableFree(agent)) agents.push(agent);
    // Random agent order, as Mesos shuffles, so one framework does not always get the same agents.
    this.rng.shuffle(agents);
    if (this.quota.size === 0) {
      agents.forEach(this.agentWalker(nowMs, decisions, null));
      return this.counted(decisions);
    }
    // With quota, two stages as in Mesos: first roles whose guarantees are unmet get up to them,
    // then everyone by fair share, within limits, leaving free what unmet guarantees still need.
    const cycle: QuotaCycle = { stage: 1, ...this.quotaCycleState(agents), parked: [] };
    for (const stage of [1, 2] as const) {
      if (stage === 1 && !this.quota.hasUnmetGuarantees) continue;
      cycle.stage = stage;
      agents.forEach(this.agentWalker(nowMs, decisions, cycle));
      for (const role of cycle.parked.splice(0)) this.roleSorter.activate(role);
    }
    return this.counted(mergeDecisions(decisions));
  }

  /** Counts the run's offers per framework role, for explanations (kept on the framework, reset each run). */
  private counted(decisions: OfferDecision[]): OfferDecision[] {
    this.run++;
    for (const { frameworkId, role } of decisions) {
      const framework = this.frameworks.get(frameworkId);
      if (!framework) continue;
      if (framework.offeredInRun !== this.run) {
        framework.offeredInRun = this.run;
        framework.offeredByRole.clear();
      }
      framework.offeredByRole.set(role, (framework.offeredByRole.get(role) ?? 0) + 1);
    }
    return decisions;
  }

  /** Sets a role's quota, or removes it with null (Mesos' UPDATE_QUOTA; the master validates). */
  updateQuota(role: string, spec: QuotaSpec | null): void {
    this.quota.set(role, spec, this.consumptionOf(role));
  }

  quotaConsumption(role: string): Record<string, number> {
    // A role with quota has its consumption kept as it changes; others are counted now.
    return namedAmounts(this.quota.consumed(role) ?? this.consumptionOf(role));
  }

  /** What a role's subtree consumes of quota: unreserved resources allocated to it, and everything reserved to it. */
  private consumptionOf(role: string): number[] {
    const consumed: number[] = [];
    const add = (amounts: ResourceVector) => addVector(consumed, amounts, 1);
    for (const agent of this.agents.values()) {
      for (const allocation of agent.allocations) for (const part of allocation.parts) if (inSubtree(part.role, role)) add(part.unreserved);
      for (const [reservedTo, amounts] of reservedVectors(agent.total)) if (inSubtree(reservedTo, role)) add(amounts);
    }
    return consumed;
  }

  /** Agents' reservations (a total joining or leaving) count for their roles, and against quota. */
  private chargeReservations(total: readonly Resource[], sign: 1 | -1): void {
    for (const [role, amounts] of reservedVectors(total)) {
      let reserved = this.reservedByRole.get(role);
      if (!reserved) this.reservedByRole.set(role, (reserved = []));
      addVector(reserved, amounts, sign);
      if (reserved.every((amount) => !(amount > 0))) this.reservedByRole.delete(role);
      if (this.quota.size > 0) this.quota.charge(role, amounts, sign);
    }
  }

  /** Unreserved free scalars over the given agents, by slot, and the roles free reserved resources there belong to. */
  private quotaCycleState(agents: readonly AgentState[]): Pick<QuotaCycle, 'unreservedFree' | 'reservedFreeRoles'> {
    const unreservedFree: number[] = [];
    const reservedFreeRoles = new Set<string>();
    for (const agent of agents) {
      for (const resource of agent.free) {
        if (resource.reservations !== undefined) reservedFreeRoles.add(reservationRole(resource));
        else if (resource.type === 'SCALAR') addToVector(unreservedFree, resource.name, resource.scalar?.value ?? 0);
      }
    }
    return { unreservedFree, reservedFreeRoles };
  }

  /**
   * True when a role can take nothing more in this stage on any agent: in stage 1 it has no unmet
   * guarantee; in stage 2 its limits leave it neither cpus nor mem (an offer needs one of them)
   * and no agent has free resources reserved to it (or a role below it).
   */
  private isDoneForStage(role: string, cycle: QuotaCycle): boolean {
    if (cycle.stage === 1) return !this.quota.lacksGuarantee(role);
    if (this.quota.limitLeft(role, slotOf('cpus')) > 0 || this.quota.limitLeft(role, slotOf('mem')) > 0) return false;
    for (const reservedTo of cycle.reservedFreeRoles) if (inSubtree(reservedTo, role) || inSubtree(role, reservedTo)) return false;
    return true;
  }

  /**
   * A cycle's walker: offers an agent's free resources down the order of roles, then of
   * frameworks within each: the first framework role that may take something (allocatable, not
   * filtered) gets all of it it may have. Resources only other roles may have (reserved to them)
   * go on down the order. Its visitors are made once per cycle, not once per agent.
   */
  private agentWalker(nowMs: number, decisions: OfferDecision[], cycle: QuotaCycle | null): (agent: AgentState) => void {
    let agent: AgentState;
    let role: string;
    let taken: OfferDecision | null = null;
    const tryClient = (frameworkId: string, framework: FrameworkState): boolean => {
      let offerable = offerableTo(agent.free, role);
      if (!framework.capabilities.all && offerable !== agent.checkedFree) {
        const allowed = forCapabilities(offerable, framework.capabilities, agent.hasGpus);
        if (allowed === null) return false;
        offerable = allowed;
      }
      if (cycle !== null) {
        const bounded = this.withinQuota(offerable, role, cycle);
        if (bounded === null) return false;
        offerable = bounded;
      }
      // Quota may have cut the list down: only the checked list itself is known to be allocatable.
      if (!(offerable === agent.checkedFree || this.isAllocatable(offerable)) || this.isFiltered(framework, role, agent.id, offerable, nowMs)) return false;
      const reused = agent.returned;
      const allocation = reused !== null && reused.bare === offerable && reused.parts[0]?.role === role
        ? reused
        : new Allocation(withAllocationRole(offerable, role), offerable, [partOf(role, offerable)]);
      this.allocateOn(agent, frameworkId as FrameworkId, allocation);
      if (cycle !== null) (allocation.parts[0] as Allocation['parts'][number]).unreserved.forEach((amount, slot) => {
        cycle.unreservedFree[slot] = Math.round(((cycle.unreservedFree[slot] ?? 0) - amount) * 1000) / 1000;
      });
      taken = { frameworkId: frameworkId as FrameworkId, agentId: agent.id, role, resources: allocation.resources as Resource[] };
      return true;
    };
    // A role done for the stage leaves the order until the stage ends (the walk stops to let it
    // go, as the order may not change under a walk), so later agents do not pass it again.
    let done: string | null = null;
    const tryRole = (candidate: string, sorter: FrameworkSorter): boolean => {
      if (cycle !== null && this.isDoneForStage(candidate, cycle)) {
        done = candidate;
        return true;
      }
      role = candidate;
      return sorter.visit(tryClient);
    };
    return (next: AgentState): void => {
      agent = next;
      // Each pass hands out everything some role may have, so the passes are bounded by the roles.
      for (let pass = 0; pass <= this.frameworkSorters.size; pass++) {
        taken = null;
        done = null;
        this.roleSorter.visit(tryRole);
        if (done !== null && cycle !== null) {
          this.roleSorter.deactivate(done);
          cycle.parked.push(done);
          pass--;
          continue;
        }
        if (taken === null) return;
        decisions.push(taken);
        if (!this.isAllocatable(agent.free)) return;
      }
    };
  }

  /**
   * What of `offerable` a role may be given under quota in this stage, or null for nothing: in
   * stage 1 only roles with unmet guarantees, up to them; in stage 2 anyone, up to its limits and
   * without eating into what other roles' unmet guarantees need.
   */
  private withinQuota(offerable: readonly Resource[], role: string, cycle: QuotaCycle | null): readonly Resource[] | null {
    const limits = this.quota.limitHeadroom(role);
    if (cycle === null) return limits === null ? offerable : shrink(offerable, limits, false);
    const lacking = cycle.stage === 1 ? this.quota.unmetGuarantee(role) : null;
    if (cycle.stage === 1 && lacking === null) return null;
    const unmet = this.quota.unmetGuarantees;
    if (limits === null && lacking === null && !unmet.some((amount) => amount > 0)) return offerable;
    const cap: Array<number | undefined> = limits ? [...limits] : [];
    unmet.forEach((amount, slot) => {
      if (!(amount > 0)) return;
      const spare = Math.max(0, (cycle.unreservedFree[slot] ?? 0) - amount);
      cap[slot] = Math.min(cap[slot] ?? Infinity, spare);
    });
    // A role meeting its guarantee takes up to what it lacks of each guaranteed resource, out of
    // what is laid away for it; other resources come with them, as far as others can spare them.
    lacking?.forEach((amount, slot) => (cap[slot] = Math.min(amount, limits?.[slot] ?? Infinity)));
    return shrink(offerable, cap, false);
  }


  /** Whether an agent's free list is allocatable, remembering a plain one that is (see `checkedFree`). */
  private isAllocatableFree(agent: AgentState): boolean {
    const free = agent.free;
    if (free === agent.checkedFree) return true;
    if (!this.isAllocatable(free)) return false;
    if (!agent.hasGpus && free.every(PLAIN.allows)) agent.checkedFree = free;
    return true;
  }

  /** Whether a list meets the minimum allocatable resources: every quantity of at least one set. */
  private isAllocatable(resources: readonly Resource[]): boolean {
    // Called for every agent and candidate in a cycle: indexed loops over a few entries, no maps.
    const sets = this.minAllocatable;
    for (let s = 0; s < sets.length; s++) {
      const set = sets[s] as ReadonlyArray<[string, number]>;
      let met = true;
      for (let q = 0; q < set.length && met; q++) {
        const [name, amount] = set[q] as [string, number];
        let held = 0;
        for (let r = 0; r < resources.length; r++) {
          const resource = resources[r] as Resource;
          if (resource.name === name) held += resource.type === 'SCALAR' ? (resource.scalar?.value ?? 0) : quantityOf(resource);
        }
        met = held >= amount;
      }
      if (met) return true;
    }
    return false;
  }



  metrics(nowMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    const clusterTotal = namedAmounts(this.sharedTotal.amounts);
    for (const [name, amount] of Object.entries(clusterTotal)) out[`resources/${name}/total`] = amount;
    for (const role of this.frameworkSorters.keys()) {
      const quantities = this.roleSorter.allocation(role);
      out[`roles/${role}/shares/dominant`] = this.roleSorter.share(role) * this.roleSorter.weight(role);
      for (const [name, amount] of quantities) {
        out[`resources/${name}/offered_or_allocated`] = round3((out[`resources/${name}/offered_or_allocated`] ?? 0) + amount);
        out[`roles/${role}/resources/${name}/offered_or_allocated`] = amount;
      }
    }
    for (const [role, reserved] of this.reservedByRole) {
      for (const [name, amount] of Object.entries(namedAmounts(reserved))) out[`roles/${role}/resources/${name}/reserved`] = amount;
    }
    for (const name of Object.keys(clusterTotal)) out[`resources/${name}/offered_or_allocated`] ??= 0;
    const filtersByRole = new Map<string, number>();
    for (const framework of this.frameworks.values()) {
      for (const [role, byAgent] of framework.filters) {
        let active = 0;
        for (const filter of byAgent.values()) if (filter.untilMs > nowMs) active++;
        filtersByRole.set(role, (filtersByRole.get(role) ?? 0) + active);
      }
    }
    for (const [role, active] of filtersByRole) out[`offer_filters/roles/${role}/active`] = active;
    for (const [role, spec] of this.quota.roles()) {
      for (const [name, amount] of Object.entries(spec.guarantees)) out[`quota/roles/${role}/resources/${name}/guarantee`] = amount;
      for (const [name, amount] of Object.entries(spec.limits)) out[`quota/roles/${role}/resources/${name}/limit`] = amount;
      const subtree = this.roleSorter.subtreeAllocation(role);
      const consumed = namedAmounts(this.quota.consumed(role) ?? []);
      for (const name of new Set([...Object.keys(spec.guarantees), ...Object.keys(spec.limits)])) {
        out[`quota/roles/${role}/resources/${name}/offered_or_allocated`] = subtree.get(name) ?? 0;
        out[`quota/roles/${role}/resources/${name}/consumed`] = consumed[name] ?? 0;
      }
    }
    return out;
  }

  explain(frameworkId: FrameworkId, role: string, nowMs: number): AllocatorExplanation | null {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return null;
    const agents = { total: 0, fullyAllocated: 0, reservedForOtherRoles: 0, belowMinimum: 0, filtered: 0, available: 0 };
    for (const [agentId, agent] of this.agents) {
      if (!agent.active) continue;
      agents.total++;
      if (agent.free.length === 0) agents.fullyAllocated++;
      else {
        const mine = offerableTo(agent.free, role);
        const offerable = this.quota.size > 0 ? this.withinQuota(mine, role, null) : mine;
        if (mine.length === 0) agents.reservedForOtherRoles++;
        else if (offerable === null || !this.isAllocatable(offerable)) agents.belowMinimum++;
        else if (this.isFiltered(framework, role, agentId, offerable, nowMs, false)) agents.filtered++;
        else agents.available++;
      }
    }
    return { ...this.standing(frameworkId, framework, role), agents };
  }

  explainBrief(frameworkId: FrameworkId, role: string, nowMs: number): AllocatorBrief | null {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return null;
    let filteredAgents = 0;
    // Only agents that could be offered count: a filter outlives its agent's disconnection.
    for (const [agentId, filter] of framework.filters.get(role) ?? []) if (filter.untilMs > nowMs && this.agents.get(agentId)?.active) filteredAgents++;
    return { ...this.standing(frameworkId, framework, role), filteredAgents };
  }

  /** What both explanations say of a framework role before looking at agents. */
  private standing(frameworkId: FrameworkId, framework: FrameworkState, role: string) {
    return {
      frameworkId,
      role,
      offeredLastRun: framework.offeredInRun === this.run ? (framework.offeredByRole.get(role) ?? 0) : 0,
      subscribed: framework.roles.has(role),
      active: framework.active,
      suppressed: framework.suppressedRoles.has(role),
      atQuotaLimit: this.quota.size > 0 && this.quota.limitLeft(role, slotOf('cpus')) <= 0 && this.quota.limitLeft(role, slotOf('mem')) <= 0,
    };
  }

  private isFiltered(framework: FrameworkState, role: string, agentId: AgentId, offerable: readonly Resource[], nowMs: number, expire = true): boolean {
    const byAgent = framework.filters.get(role);
    const filter = byAgent?.get(agentId);
    if (!byAgent || !filter) return false;
    if (filter.untilMs <= nowMs) {
      if (expire) byAgent.delete(agentId);
      return false;
    }
    // A filter refuses only what was declined: an agent that now has more to give is offered again.
    return contains(filter.resources, offerable);
  }

  /**
   * Brings the sorters in line with a framework: it is a client of every role it is in or holds
   * resources in, active where it is active, subscribed and not suppressed. `formerRoles` are roles
   * it may have left.
   */
  private syncSorters(frameworkId: FrameworkId, formerRoles: Iterable<string> = []): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    for (const role of new Set([...framework.roles, ...formerRoles])) {
      const wanted = framework.roles.has(role);
      const sorter = wanted ? this.frameworkSorterOf(role) : this.frameworkSorters.get(role);
      if (!sorter) continue;
      if (!wanted && isEmptyQuantities(sorter.allocation(frameworkId))) {
        this.leaveRole(frameworkId, role, sorter);
        continue;
      }
      sorter.add(frameworkId, framework);
      if (wanted && framework.active && !framework.suppressedRoles.has(role)) sorter.activate(frameworkId);
      else sorter.deactivate(frameworkId);
    }
  }

  private frameworkSorterOf(role: string): FrameworkSorter {
    let sorter = this.frameworkSorters.get(role);
    if (!sorter) {
      sorter = new DrfSorter<FrameworkState>({ hierarchical: false, excludedResourceNames: this.excludedResourceNames, total: this.sharedTotal });
      this.frameworkSorters.set(role, sorter);
      this.roleSorter.add(role, sorter);
      this.roleSorter.activate(role);
    }
    return sorter;
  }

  /** Takes a framework, and whatever it still holds there, out of a role; a role nobody is in is forgotten. */
  private leaveRole(frameworkId: FrameworkId, role: string, sorter: FrameworkSorter): void {
    this.roleSorter.unallocated(role, sorter.allocation(frameworkId));
    sorter.remove(frameworkId);
    if (sorter.size > 0) return;
    this.frameworkSorters.delete(role);
    this.roleSorter.remove(role);
  }

  private trackClient(frameworkId: FrameworkId, allocation: Allocation, sign: 1 | -1): void {
    for (const { role, amounts, unreserved } of allocation.parts) {
      if (this.quota.size > 0) this.quota.charge(role, unreserved, sign);
      if (sign > 0) {
        const sorter = this.frameworkSorterOf(role);
        if (!sorter.allocatedVector(frameworkId, amounts)) {
          // Resources of a role the framework is not (or no longer) subscribed to: tracked, never offered.
          sorter.add(frameworkId, this.frameworks.get(frameworkId));
          sorter.allocatedVector(frameworkId, amounts);
        }
        this.roleSorter.allocatedVector(role, amounts);
      } else {
        const sorter = this.frameworkSorters.get(role);
        if (!sorter?.unallocatedVector(frameworkId, amounts)) continue;
        this.roleSorter.unallocatedVector(role, amounts);
        if (this.frameworks.get(frameworkId)?.roles.has(role)) continue;
        if (isEmptyQuantities(sorter.allocation(frameworkId))) this.leaveRole(frameworkId, role, sorter);
      }
    }
  }

  /** An agent's total joins (or leaves) the cluster total that every sorter's shares are fractions of. */
  private changeClusterTotal(agentTotal: readonly Resource[], sign: 1 | -1): void {
    this.sharedTotal.change(partOf('*', agentTotal).amounts, sign);
  }
}

/** The capabilities that change what a framework is offered. */
interface Capabilities {
  gpus: boolean;
  refinement: boolean;
  revocable: boolean;
  shared: boolean;
  /** All of them: nothing is withheld. */
  all: boolean;
  /** Whether one resource may be offered. */
  allows: (resource: Resource) => boolean;
}

function capabilitiesOf(names: readonly string[] = []): Capabilities {
  const has = new Set(names);
  const capabilities = {
    gpus: has.has('GPU_RESOURCES'),
    refinement: has.has('RESERVATION_REFINEMENT'),
    revocable: has.has('REVOCABLE_RESOURCES'),
    shared: has.has('SHARED_RESOURCES'),
  };
  const allows = (r: Resource): boolean =>
    (capabilities.refinement || (r.reservations?.length ?? 0) <= 1)
    && (capabilities.revocable || r.revocable === undefined)
    && (capabilities.shared || r.shared === undefined);
  return withFields(capabilities, { all: Object.values(capabilities).every(Boolean), allows });
}

/** What a framework without capabilities may be offered: a list all of which it may have is plain. */
const PLAIN = capabilitiesOf();

const hasGpus = (total: readonly Resource[]): boolean => total.some((r) => r.name === 'gpus' && (r.scalar?.value ?? 0) > 0);

/**
 * What of `offerable` a framework's capabilities let it be offered (the list itself when all of
 * it), or null when the agent is not for it at all (GPUs without GPU_RESOURCES).
 */
function forCapabilities(offerable: readonly Resource[], capabilities: Capabilities, agentHasGpus: boolean): readonly Resource[] | null {
  if (agentHasGpus && !capabilities.gpus) return null;
  return offerable.every(capabilities.allows) ? offerable : offerable.filter(capabilities.allows);
}

/** What of an agent's free resources a role may have; the list itself when none is reserved. */
function offerableTo(free: readonly Resource[], role: string): readonly Resource[] {
  for (const resource of free) if (resource.reservations !== undefined) return availableFor(free, role);
  return free;
}

function allocationOf(resources: readonly Resource[]): Allocation {
  const role = resources[0]?.allocation_info?.role ?? '*';
  // Nearly always one role (an offer, a framework's tasks in one role): no grouping needed.
  const parts = resources.every((resource) => (resource.allocation_info?.role ?? '*') === role)
    ? [partOf(role, resources)]
    : [...allocatedTo(resources)].map(([partRole, roleResources]) => partOf(partRole, roleResources));
  return new Allocation(resources, null, parts);
}

/** A role's part of an allocation: its scalar amounts, all and unreserved only (the same vector when nothing is reserved). */
function partOf(role: string, resources: readonly Resource[]): Allocation['parts'][number] {
  const amounts: number[] = [];
  let unreserved: number[] | null = null;
  for (const resource of resources) {
    if (resource.type !== 'SCALAR') continue;
    if (resource.reservations !== undefined && unreserved === null) unreserved = [...amounts];
    addToVector(amounts, resource.name, resource.scalar?.value ?? 0);
    if (unreserved !== null && resource.reservations === undefined) addToVector(unreserved, resource.name, resource.scalar?.value ?? 0);
  }
  // Copied at their exact length, as kept vectors should be (built by index, they have room for 17).
  const exact = amounts.slice();
  return { role, amounts: exact, unreserved: unreserved?.slice() ?? exact };
}

/** Scalar amounts reserved in a list, by reservation role. */
const NO_RESERVATIONS: ReadonlyMap<string, number[]> = new Map();

function reservedVectors(resources: readonly Resource[]): ReadonlyMap<string, number[]> {
  if (!resources.some((resource) => resource.reservations !== undefined)) return NO_RESERVATIONS;
  const out = new Map<string, number[]>();
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || resource.reservations === undefined) continue;
    const role = reservationRole(resource);
    let amounts = out.get(role);
    if (!amounts) out.set(role, (amounts = []));
    addToVector(amounts, resource.name, resource.scalar?.value ?? 0);
  }
  return out;
}

/** A resource's quantity as min_allocatable_resources counts it: a scalar's value, or how many ports (or items) it holds. */
function quantityOf(resource: Resource): number {
  if (resource.type === 'SCALAR') return resource.scalar?.value ?? 0;
  if (resource.type === 'RANGES') return (resource.ranges?.range ?? []).reduce((count, range) => count + range.end - range.begin + 1, 0);
  if (resource.type === 'SET') return resource.set?.item?.length ?? 0;
  return 0;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** One allocation cycle's quota state: its stage, and the unreserved free resources left in the cluster. */
interface QuotaCycle {
  stage: 1 | 2;
  unreservedFree: number[];
  /** Roles that resources free now are reserved to. */
  reservedFreeRoles: ReadonlySet<string>;
  /** Roles taken out of the order until the stage ends. */
  parked: string[];
}

/** One offer per framework, agent and role: what the two quota stages gave the same one is joined. */
function mergeDecisions(decisions: OfferDecision[]): OfferDecision[] {
  const byKey = new Map<string, OfferDecision>();
  for (const decision of decisions) {
    const key = `${decision.frameworkId}\u0000${decision.agentId}\u0000${decision.role}`;
    const earlier = byKey.get(key);
    if (earlier) earlier.resources = addAll(earlier.resources, decision.resources);
    else byKey.set(key, { ...decision });
  }
  return [...byKey.values()];
}

const inSubtree = (role: string, of: string): boolean => role === of || role.startsWith(`${of}/`);

/**
 * Cuts unreserved scalars down to `cap` (per slot, used up as entries are taken); reserved and
 * non-scalar entries pass. With `onlyCapped`, unreserved scalars without a cap are left out.
 */
function shrink(resources: readonly Resource[], cap: Array<number | undefined>, onlyCapped: boolean): Resource[] {
  const left = [...cap];
  const out: Resource[] = [];
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || resource.reservations !== undefined) {
      out.push(resource);
      continue;
    }
    const slot = slotOf(resource.name);
    const limit = left[slot];
    if (limit === undefined) {
      if (!onlyCapped) out.push(resource);
      continue;
    }
    const value = Math.min(resource.scalar?.value ?? 0, limit);
    if (value <= 0) continue;
    left[slot] = Math.round((limit - value) * 1000) / 1000;
    out.push(value === resource.scalar?.value ? resource : { ...resource, scalar: { value } });
  }
  return out;
}

/**
 * Takes `resources` out of a framework's allocations on an agent: the allocation that is exactly
 * them (by identity, then by content), else out of their sum. Null when they are not all held —
 * returning more than is held would grow the free pool.
 */
function takeBack(agent: AgentState, frameworkId: FrameworkId, resources: readonly Resource[]): Allocation | null {
  const held = agent.allocations;
  let at = held.findIndex((allocation) => allocation.frameworkId === frameworkId && allocation.resources === resources);
  if (at < 0) {
    at = held.findIndex((allocation) => allocation.frameworkId === frameworkId && allocation.resources.length === resources.length
      && contains(allocation.resources, resources) && contains(resources, allocation.resources));
  }
  if (at >= 0) return held.splice(at, 1)[0] as Allocation;
  const sum = held.reduce<Resource[]>((all, allocation) => (allocation.frameworkId === frameworkId ? addAll(all, allocation.resources) : all), []);
  if (resources.length === 0 || !contains(sum, resources)) return null;
  const remaining = subtractAll(sum, resources);
  agent.allocations = held.filter((allocation) => allocation.frameworkId !== frameworkId);
  if (!isEmpty(remaining)) {
    const rest = allocationOf(remaining);
    rest.frameworkId = frameworkId;
    agent.allocations.push(rest);
  }
  const taken = allocationOf(resources);
  taken.frameworkId = frameworkId;
  return taken;
}

const isEmptyQuantities = (quantities: Quantities): boolean => quantities.size === 0;

