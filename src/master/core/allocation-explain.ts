/**
 * "Why is my framework starving?": the allocator's explanation of a framework role joined with
 * what the master knows of it (is its scheduler connected, which offers does it hold now), and a
 * one-line summary naming the most likely reason it gets nothing. Pure: MasterCore hands in its
 * records and the allocator's answers; the shell turns the result into JSON.
 */
import type { AllocatorBrief, AllocatorExplanation } from '../../allocator/allocator.js';
import type { OfferId } from '../../common/ids.js';
import type { FrameworkRecord, OfferRecord } from './state.js';

/** Offers a framework holds in a role right now, and the cpus and mem in them. */
export interface OutstandingOffers {
  count: number;
  cpus: number;
  mem: number;
}

/** What the master adds to the allocator's view of a framework role. */
export interface MasterFacts {
  /** The scheduler's subscription is open. */
  connected: boolean;
  outstandingOffers: OutstandingOffers;
  /** The most likely reason for what the role gets, in one line. */
  summary: string;
}

/** One role of a framework: the allocator's full explanation (a walk over every agent) and the master's facts. */
export type RoleAllocation = AllocatorExplanation & MasterFacts;

/** One role of a framework, cheaply: no walk over the agents (for listings of every framework). */
export type RoleAllocationBrief = AllocatorBrief & MasterFacts;

export interface FrameworkAllocation {
  frameworkId: string;
  name: string;
  roles: RoleAllocation[];
}

/** Why no explanation could be given, as values the shell maps to HTTP (404 for frameworks, 400 for roles). */
export type AllocationExplanationResult =
  | { ok: true; value: FrameworkAllocation }
  | { ok: false; reason: 'FRAMEWORK_UNKNOWN' | 'FRAMEWORK_REMOVED' | 'ROLE_INVALID' | 'ROLE_NOT_HELD'; message: string };

/** What a summary is made from: the allocator's flags, the master's facts, and as much of the agent breakdown as is known. */
export interface SummaryFacts {
  role: string;
  connected: boolean;
  active: boolean;
  subscribed: boolean;
  suppressed: boolean;
  atQuotaLimit: boolean;
  offeredLastRun: number;
  outstandingOffers: OutstandingOffers;
  /** The full breakdown (explain), or only how many agents there are and how many the framework's filters name (explainBrief). */
  agents: AllocatorExplanation['agents'] | { total: number; filtered: number };
}

const NO_OFFERS: OutstandingOffers = { count: 0, cpus: 0, mem: 0 };

/**
 * The roles to explain for a framework: those it is subscribed to, in its own order, then any
 * other it still holds resources in (tasks, offers), sorted. `taskRoles`, when the caller already
 * knows the roles of the framework's tasks, saves the walk over them.
 */
export function allocationRolesOf(framework: FrameworkRecord, offers: ReadonlyMap<OfferId, OfferRecord>, taskRoles?: Iterable<string>): string[] {
  const held = new Set<string>(taskRoles);
  if (taskRoles === undefined) {
    for (const record of framework.tasks.values()) {
      const role = record.resources[0]?.allocation_info?.role;
      if (role !== undefined) held.add(role);
    }
  }
  for (const offerId of framework.offers) {
    const offer = offers.get(offerId);
    if (offer) held.add(offer.role);
  }
  for (const role of framework.roles) held.delete(role);
  return [...framework.roles, ...[...held].sort()];
}

/** The offers a framework holds now, by role. */
export function outstandingOffersByRole(framework: FrameworkRecord, offers: ReadonlyMap<OfferId, OfferRecord>): Map<string, OutstandingOffers> {
  const byRole = new Map<string, OutstandingOffers>();
  for (const offerId of framework.offers) {
    const offer = offers.get(offerId);
    if (!offer) continue;
    const sum = byRole.get(offer.role) ?? { ...NO_OFFERS };
    sum.count++;
    for (const resource of offer.resources) {
      if (resource.type !== 'SCALAR' || (resource.name !== 'cpus' && resource.name !== 'mem')) continue;
      sum[resource.name] = round3(sum[resource.name] + (resource.scalar?.value ?? 0));
    }
    byRole.set(offer.role, sum);
  }
  return byRole;
}

/** The master's facts for one role, given the allocator's answer for it. */
export function masterFacts(
  allocator: Omit<SummaryFacts, 'connected' | 'outstandingOffers'>,
  connected: boolean,
  outstanding: OutstandingOffers | undefined,
): MasterFacts {
  const outstandingOffers = outstanding ?? { ...NO_OFFERS };
  return { connected, outstandingOffers, summary: summarizeAllocation({ ...allocator, connected, outstandingOffers }) };
}

/**
 * One line on why a framework role gets what it gets. Reasons are tried in order, from what stops
 * every offer (no scheduler, inactive, not in the role, suppressed, no quota left) through what
 * it already has (offers last run, offers it holds) to what the agents say (every one filtered,
 * fully allocated, reserved for others, below the minimum). Offers it holds are always mentioned.
 */
export function summarizeAllocation(facts: SummaryFacts): string {
  const held = facts.outstandingOffers;
  const holding = held.count > 0 ? `holds ${plural(held.count, 'outstanding offer')} (cpus ${held.cpus}, mem ${held.mem})` : '';
  const reason = primaryReason(facts);
  if (reason === null) return capitalize(holding);
  return holding === '' ? reason : `${reason}; ${holding}`;
}

/** The first reason that applies, or null when the offers the framework holds are the whole story. */
function primaryReason(facts: SummaryFacts): string | null {
  const role = `'${facts.role}'`;
  if (!facts.connected) return 'Not connected: a framework without a scheduler subscribed is offered nothing until it resubscribes';
  if (!facts.active) return 'Inactive: the framework is offered nothing until it is active again';
  if (!facts.subscribed) return `Not subscribed to role ${role}, where it still holds resources: nothing is offered to it there`;
  if (facts.suppressed) return `Suppressed: the framework asked for no offers in role ${role} (SUPPRESS or suppressed_roles); REVIVE asks again`;
  if (facts.atQuotaLimit) return `At its quota limit: the limits of role ${role} leave no cpus and no mem to offer`;
  if (facts.offeredLastRun > 0) return `Offered ${plural(facts.offeredLastRun, 'time')} in the last allocation run`;
  if (facts.outstandingOffers.count > 0) return null;
  const agents = facts.agents;
  if (agents.total === 0) return 'No active agents: there is nothing to offer';
  if (agents.filtered >= agents.total) {
    return `Its declines filter every agent (${agents.filtered} of ${agents.total}): declined resources are not offered again until refuse_seconds pass; REVIVE clears the filters`;
  }
  if (!('available' in agents)) {
    const filtered = agents.filtered > 0 ? `; its declines filter ${agents.filtered} of ${plural(agents.total, 'agent')}` : '';
    return `Not offered anything in the last allocation run${filtered}`;
  }
  if (agents.fullyAllocated === agents.total) return `Nothing is free: everything on ${allOf(agents.total)} is offered or in use`;
  if (agents.reservedForOtherRoles === agents.total) return `What is free on ${allOf(agents.total)} is reserved for roles other than ${role}`;
  if (agents.belowMinimum === agents.total) {
    return `What role ${role} may have on ${allOf(agents.total)} is below min_allocatable_resources (or beyond what its quota leaves)`;
  }
  if (agents.available === 0) {
    const parts: Array<[number, string]> = [
      [agents.filtered, 'filtered by its declines'], [agents.fullyAllocated, 'fully allocated'],
      [agents.reservedForOtherRoles, 'reserved for other roles'], [agents.belowMinimum, 'below the minimum'],
    ];
    return `No agent has anything for role ${role}: ${parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`).join(', ')}`;
  }
  return `${plural(agents.available, 'agent')} could offer to role ${role}, but it was offered nothing in the last allocation run: roles and frameworks with lower shares come first, or the next run is yet to come`;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
const allOf = (agents: number): string => (agents === 1 ? 'the only agent' : `all ${agents} agents`);
const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
