/**
 * Safety properties checked after every simulated step. Each returns human-readable violations;
 * an empty list means the state is sound.
 */
import { contains, unallocated, addAll } from '../allocator/resource-math.js';
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

export function checkInvariants(sim: Simulator): string[] {
  const violations = [...checkAgentResources(sim), ...checkOffers(sim), ...sim.violations];
  sim.violations.length = 0;
  return violations;
}
