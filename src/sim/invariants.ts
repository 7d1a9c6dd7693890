/**
 * Safety properties checked after every simulated step. Each returns human-readable violations;
 * an empty list means the state is sound.
 */
import { contains, unallocated, addAll } from '../allocator/resource-math.js';
import type { Resource } from '../api/mesos.js';
import type { Simulator } from './simulator.js';

/** Used plus offered never exceeds an agent's total: no resource is offered or used twice. */
export function checkAgentResources(sim: Simulator): string[] {
  const violations: string[] = [];
  for (const agent of sim.core.agents.values()) {
    const used = unallocated(sim.core.usedResourcesOf(agent.id));
    const offered = unallocated(sim.core.offeredResourcesOf(agent.id));
    if (!contains(agent.total, addAll(used, offered))) {
      violations.push(`agent ${agent.id}: used ${JSON.stringify(used)} + offered ${JSON.stringify(offered)} exceed total ${JSON.stringify(agent.total)}`);
    }
  }
  return violations;
}

/** Every offer the master holds belongs to a live framework and a registered agent, and both know it. */
export function checkOffers(sim: Simulator): string[] {
  const violations: string[] = [];
  for (const offer of sim.core.offers.values()) {
    const framework = sim.core.frameworks.get(offer.frameworkId);
    const agent = sim.core.agents.get(offer.agentId);
    if (!framework?.offers.has(offer.id)) violations.push(`offer ${offer.id} is not held by framework ${offer.frameworkId}`);
    if (!agent?.offers.has(offer.id)) violations.push(`offer ${offer.id} is not on a registered agent ${offer.agentId}`);
    if (framework && framework.connectionId === null) violations.push(`offer ${offer.id} outstanding to disconnected framework ${offer.frameworkId}`);
  }
  return violations;
}

/** What was offered to role `*` after the last check, per simulator. */
const offeredBefore = new WeakMap<Simulator, Record<string, number>>();

/**
 * New offers never take a role past its quota limit: a step that offers role `*` more leaves what
 * its tasks use plus what it is offered within the limit. (Without new offers the sum may pass it:
 * an agent that comes back brings its tasks whatever the quota says, as in Mesos.)
 */
export function checkQuotaLimits(sim: Simulator): string[] {
  const limits = sim.core.quotas().get('*')?.limits;
  if (!limits) return [];
  const used: Record<string, number> = {};
  const offered: Record<string, number> = {};
  const add = (into: Record<string, number>, resources: readonly Resource[]) => {
    for (const r of resources) if (r.type === 'SCALAR' && r.reservations === undefined) into[r.name] = (into[r.name] ?? 0) + (r.scalar?.value ?? 0);
  };
  for (const agent of sim.core.agents.values()) {
    add(used, sim.core.usedResourcesOf(agent.id));
    add(offered, sim.core.offeredResourcesOf(agent.id));
  }
  const before = offeredBefore.get(sim) ?? {};
  offeredBefore.set(sim, offered);
  return Object.entries(limits).flatMap(([name, limit]) => {
    const offeredNow = offered[name] ?? 0;
    const total = (used[name] ?? 0) + offeredNow;
    const grew = offeredNow > (before[name] ?? 0) + 1e-6;
    return grew && total > limit + 1e-6 ? [`role '*': ${name} offered ${offeredNow} more, used ${used[name] ?? 0} + offered exceed its quota limit ${limit}`] : [];
  });
}

export function checkInvariants(sim: Simulator): string[] {
  const violations = [...checkAgentResources(sim), ...checkOffers(sim), ...checkQuotaLimits(sim), ...sim.violations];
  sim.violations.length = 0;
  return violations;
}
