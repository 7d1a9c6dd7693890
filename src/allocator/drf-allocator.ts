/**
 * A two-level DRF allocator: for each agent, roles are ordered by weighted dominant share down the
 * role tree (drf-sorter.ts), then the frameworks of each role by theirs, and the agent's free
 * resources go to the first framework role that wants them (not suppressed, not filtered). It
 * follows Mesos' hierarchical allocator in outline; quota and reservations arrive with issue #3
 * behind the same `Allocator` interface.
 */
import type { AgentId, FrameworkId } from '../common/ids.js';
import type { Rng } from '../common/rng.js';
import type { Resource } from '../common/resources/wire.js';
import type { AgentOptions, Allocator, FrameworkOptions, OfferDecision } from './allocator.js';
import { DrfSorter } from './drf-sorter.js';
import {
  addAll, allocatedTo, availableFor, contains, isEmpty, scalarQuantities, subtractAll, unallocated, type Quantities,
} from './resource-math.js';

/** Decline filters are capped at a year, as Mesos caps `refuse_seconds`. */
export const REFUSE_SECONDS_MAX = 365 * 24 * 3600;
/** Mesos `min_allocatable_resources` default: an offer needs at least this much cpus OR mem. */
export const MIN_ALLOCATABLE = { cpus: 0.01, mem: 32 } as const;

interface AgentState {
  total: Resource[];
  /** Allocated (offered or used) resources per framework, with allocation_info.role set. */
  allocated: Map<FrameworkId, Resource[]>;
  active: boolean;
}

interface OfferFilter {
  untilMs: number;
  resources: Resource[];
}

interface FrameworkState {
  roles: Set<string>;
  suppressedRoles: Set<string>;
  active: boolean;
  /** Decline filters by `role agentId`. */
  filters: Map<string, OfferFilter>;
}

const filterKey = (role: string, agentId: AgentId): string => `${role} ${agentId}`;

export class DrfAllocator implements Allocator {
  private readonly agents = new Map<AgentId, AgentState>();
  private readonly frameworks = new Map<FrameworkId, FrameworkState>();
  /** Roles by weighted dominant share; a role is a client while a framework is in it. */
  private readonly roleSorter = new DrfSorter();
  /** Per role, its frameworks by dominant share. */
  private readonly frameworkSorters = new Map<string, DrfSorter>();
  private clusterTotal: Quantities = new Map();

  constructor(private readonly rng: Rng) {}

  addFramework(frameworkId: FrameworkId, options: FrameworkOptions, active: boolean): void {
    this.frameworks.set(frameworkId, {
      roles: new Set(options.roles),
      suppressedRoles: new Set(options.suppressedRoles),
      active,
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
    this.syncSorters(frameworkId, before);
  }

  /** Weights of roles (or of any prefix of a role path); 1 unless set. */
  updateWeight(role: string, weight: number): void {
    this.roleSorter.updateWeight(role, weight);
  }

  removeFramework(frameworkId: FrameworkId): void {
    this.frameworks.delete(frameworkId);
    for (const agent of this.agents.values()) agent.allocated.delete(frameworkId);
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
    const agent: AgentState = { total: unallocated(options.total), allocated: new Map(), active: true };
    const replaced = this.agents.get(agentId);
    if (replaced) this.changeClusterTotal(replaced.total, -1);
    this.agents.set(agentId, agent);
    this.changeClusterTotal(agent.total, 1);
    for (const use of options.used) this.recordAllocation(use.frameworkId, agentId, use.resources);
  }

  removeAgent(agentId: AgentId): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    for (const [frameworkId, resources] of agent.allocated) this.trackClient(frameworkId, resources, -1);
    this.agents.delete(agentId);
    this.changeClusterTotal(agent.total, -1);
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
    agent.allocated.set(frameworkId, addAll(agent.allocated.get(frameworkId) ?? [], resources));
    this.trackClient(frameworkId, resources, +1);
  }

  recoverResources(frameworkId: FrameworkId, agentId: AgentId, resources: readonly Resource[], refuseSeconds: number | null, nowMs: number): void {
    const agent = this.agents.get(agentId);
    if (agent) {
      const held = agent.allocated.get(frameworkId) ?? [];
      // Only what is actually held can come back; anything else would double the free pool.
      const returned = contains(held, resources) ? [...resources] : [];
      if (returned.length > 0) {
        const remaining = subtractAll(held, returned);
        if (isEmpty(remaining)) agent.allocated.delete(frameworkId);
        else agent.allocated.set(frameworkId, remaining);
        this.trackClient(frameworkId, returned, -1);
      }
    }
    const framework = this.frameworks.get(frameworkId);
    if (!framework || refuseSeconds === null || !(refuseSeconds > 0) || resources.length === 0) return;
    const seconds = Math.min(refuseSeconds, REFUSE_SECONDS_MAX);
    for (const [role, roleResources] of allocatedTo(resources)) {
      framework.filters.set(filterKey(role, agentId), { untilMs: nowMs + seconds * 1000, resources: unallocated(roleResources) });
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
    for (const role of revived) framework.suppressedRoles.delete(role);
    for (const key of [...framework.filters.keys()]) {
      if (revived.has(key.slice(0, key.indexOf(' ')))) framework.filters.delete(key);
    }
    this.syncSorters(frameworkId);
  }

  allocate(nowMs: number): OfferDecision[] {
    const decisions: OfferDecision[] = [];
    const agentIds = [...this.agents.keys()].filter((id) => this.agents.get(id)?.active);
    // Random agent order, as Mesos shuffles, so one framework does not always get the same agents.
    this.rng.shuffle(agentIds);
    // The order changes only when something is allocated, so agents that give nothing (filtered,
    // empty) reuse it instead of sorting again.
    let clients: Array<{ frameworkId: FrameworkId; role: string }> | null = null;
    for (const agentId of agentIds) {
      clients ??= this.sortedClients();
      const decision = this.allocateAgent(agentId, this.agents.get(agentId) as AgentState, nowMs, clients);
      if (!decision) continue;
      decisions.push(decision);
      clients = null;
    }
    return decisions;
  }

  private allocateAgent(agentId: AgentId, agent: AgentState, nowMs: number, clients: ReadonlyArray<{ frameworkId: FrameworkId; role: string }>): OfferDecision | null {
    const free = subtractAll(agent.total, unallocated([...agent.allocated.values()].flat()));
    if (isEmpty(free)) return null;
    for (const { frameworkId, role } of clients) {
      const framework = this.frameworks.get(frameworkId) as FrameworkState;
      const offerable = availableFor(free, role);
      if (!isAllocatable(offerable) || this.isFiltered(framework, role, agentId, offerable, nowMs)) continue;
      const resources = offerable.map((r) => ({ ...r, allocation_info: { role } }));
      this.recordAllocation(frameworkId, agentId, resources);
      return { frameworkId, agentId, role, resources };
    }
    return null;
  }

  private isFiltered(framework: FrameworkState, role: string, agentId: AgentId, offerable: Resource[], nowMs: number): boolean {
    const key = filterKey(role, agentId);
    const filter = framework.filters.get(key);
    if (!filter) return false;
    if (filter.untilMs <= nowMs) {
      framework.filters.delete(key);
      return false;
    }
    // A filter refuses only what was declined: an agent that now has more to give is offered again.
    return contains(filter.resources, offerable);
  }

  /** Framework roles wanting offers: roles by weighted share down the role tree, then frameworks within a role by theirs. */
  private sortedClients(): Array<{ frameworkId: FrameworkId; role: string }> {
    const clients: Array<{ frameworkId: FrameworkId; role: string }> = [];
    for (const role of this.roleSorter.sort()) {
      for (const frameworkId of this.frameworkSorters.get(role)?.sort() ?? []) clients.push({ frameworkId: frameworkId as FrameworkId, role });
    }
    return clients;
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
      sorter.add(frameworkId);
      if (wanted && framework.active && !framework.suppressedRoles.has(role)) sorter.activate(frameworkId);
      else sorter.deactivate(frameworkId);
    }
  }

  private frameworkSorterOf(role: string): DrfSorter {
    let sorter = this.frameworkSorters.get(role);
    if (!sorter) {
      sorter = new DrfSorter();
      sorter.addTotal(this.clusterTotal);
      this.frameworkSorters.set(role, sorter);
      this.roleSorter.add(role);
      this.roleSorter.activate(role);
    }
    return sorter;
  }

  /** Takes a framework, and whatever it still holds there, out of a role; a role nobody is in is forgotten. */
  private leaveRole(frameworkId: FrameworkId, role: string, sorter: DrfSorter): void {
    this.roleSorter.unallocated(role, sorter.allocation(frameworkId));
    sorter.remove(frameworkId);
    if (sorter.size > 0) return;
    this.frameworkSorters.delete(role);
    this.roleSorter.remove(role);
  }

  private trackClient(frameworkId: FrameworkId, resources: readonly Resource[], sign: 1 | -1): void {
    for (const [role, roleResources] of allocatedTo(resources)) {
      const quantities = scalarQuantities(roleResources);
      if (sign > 0) {
        const sorter = this.frameworkSorterOf(role);
        if (!sorter.contains(frameworkId)) {
          // Resources of a role the framework is not (or no longer) subscribed to: tracked, never offered.
          sorter.add(frameworkId);
        }
        sorter.allocated(frameworkId, quantities);
        this.roleSorter.allocated(role, quantities);
      } else {
        const sorter = this.frameworkSorters.get(role);
        if (!sorter?.contains(frameworkId)) continue;
        sorter.unallocated(frameworkId, quantities);
        this.roleSorter.unallocated(role, quantities);
        const framework = this.frameworks.get(frameworkId);
        if (!framework?.roles.has(role) && isEmptyQuantities(sorter.allocation(frameworkId))) this.leaveRole(frameworkId, role, sorter);
      }
    }
  }

  /** An agent's total joins (or leaves) the cluster total that every sorter's shares are fractions of. */
  private changeClusterTotal(agentTotal: readonly Resource[], sign: 1 | -1): void {
    const quantities = scalarQuantities(agentTotal);
    for (const [name, amount] of quantities) {
      const next = Math.round(((this.clusterTotal.get(name) ?? 0) + sign * amount) * 1000) / 1000;
      if (next > 0) this.clusterTotal.set(name, next);
      else this.clusterTotal.delete(name);
    }
    for (const sorter of [this.roleSorter, ...this.frameworkSorters.values()]) {
      if (sign > 0) sorter.addTotal(quantities);
      else sorter.removeTotal(quantities);
    }
  }
}

const isEmptyQuantities = (quantities: Quantities): boolean => quantities.size === 0;

function isAllocatable(resources: readonly Resource[]): boolean {
  const quantities = scalarQuantities(resources);
  return (quantities.get('cpus') ?? 0) >= MIN_ALLOCATABLE.cpus || (quantities.get('mem') ?? 0) >= MIN_ALLOCATABLE.mem;
}
