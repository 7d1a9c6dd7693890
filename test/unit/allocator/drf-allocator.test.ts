/**
 * Goal: the allocator shares agents between roles down the role tree, by weight, then between the
 * frameworks of a role; suppressed or inactive frameworks get nothing; a framework's resources in
 * a role it left still count for that role.
 * Method: identical one-cpu agents, so what counts is how many each framework receives in one
 * allocation run, whatever the (seeded, shuffled) agent order; shares narrated per case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DrfAllocator } from '../../../src/allocator/drf-allocator.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import { SeededRng } from '../../../src/common/rng.js';

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value } });
const fw = (id: string) => id as FrameworkId;

function cluster(agents: number, frameworks: Record<string, string[]>): DrfAllocator {
  const allocator = new DrfAllocator(new SeededRng(7));
  for (const [id, roles] of Object.entries(frameworks)) allocator.addFramework(fw(id), { roles, suppressedRoles: [] }, true);
  for (let i = 0; i < agents; i++) allocator.addAgent(`agent-${i}` as AgentId, { total: [scalar('cpus', 1), scalar('mem', 1024)], used: [] });
  return allocator;
}

/** Agents offered to each framework role (`framework role`) in one run. */
function offersIn(allocator: DrfAllocator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const decision of allocator.allocate(0)) {
    const key = `${decision.frameworkId} ${decision.role}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

test('roles share down the tree: a lone role gets as much as a parent role with two subroles', () => {
  // eng/web, eng/batch and ops: eng and ops each get half of the 4 agents; eng's half is split.
  const allocator = cluster(4, { A: ['eng/web'], B: ['eng/batch'], C: ['ops'] });
  assert.deepEqual(offersIn(allocator), { 'A eng/web': 1, 'B eng/batch': 1, 'C ops': 2 });
});

test('weights: a role of weight 3 gets three times the share of a role of weight 1', () => {
  const allocator = cluster(8, { A: ['eng'], B: ['ops'] });
  allocator.updateWeight('eng', 3);
  assert.deepEqual(offersIn(allocator), { 'A eng': 6, 'B ops': 2 });
});

test('a weight on a parent role applies to its whole subtree', () => {
  const allocator = cluster(8, { A: ['eng/web'], B: ['eng/batch'], C: ['ops'] });
  allocator.updateWeight('eng', 3);
  assert.deepEqual(offersIn(allocator), { 'A eng/web': 3, 'B eng/batch': 3, 'C ops': 2 });
});

test('frameworks within a role share it; a multi-role framework is offered per role', () => {
  const allocator = cluster(6, { A: ['web'], B: ['web'], M: ['web', 'batch'] });
  // Roles web and batch get 3 agents each; web's three go one to each of A, B and M.
  assert.deepEqual(offersIn(allocator), { 'A web': 1, 'B web': 1, 'M web': 1, 'M batch': 3 });
});

test('suppressed roles and inactive frameworks are passed over', () => {
  const allocator = cluster(4, { A: ['web'], B: ['web'], M: ['web', 'batch'] });
  allocator.suppressOffers(fw('M'), ['batch']);
  allocator.deactivateFramework(fw('B'));
  assert.deepEqual(offersIn(allocator), { 'A web': 2, 'M web': 2 });
});

test('a role a framework left is offered nothing, though what it holds there is kept', () => {
  const allocator = cluster(4, { A: ['eng'], B: ['ops'] });
  allocator.recordAllocation(fw('A'), 'agent-0' as AgentId, [{ ...scalar('cpus', 1), ...{ allocation_info: { role: 'eng' } } }]);
  allocator.updateFramework(fw('A'), { roles: ['web'], suppressedRoles: [] });
  const decisions = allocator.allocate(0);
  assert.equal(decisions.filter((d) => d.role === 'eng').length, 0);
  // Agent 0 still has its mem to give; its cpu stays with A until recovered.
  const cpusOffered = decisions.flatMap((d) => d.resources).filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  assert.equal(cpusOffered, 3);
  allocator.recoverResources(fw('A'), 'agent-0' as AgentId, [{ ...scalar('cpus', 1), allocation_info: { role: 'eng' } }], null, 0);
  for (const decision of decisions) allocator.recoverResources(decision.frameworkId, decision.agentId, decision.resources, null, 0);
  assert.equal(allocator.allocate(0).flatMap((d) => d.resources).filter((r) => r.name === 'cpus').length, 4);
});

const reserved = (name: string, value: number, role: string) => ({ ...scalar(name, value), reservations: [{ type: 'STATIC' as const, role }] });
const cpusIn = (resources: ReadonlyArray<{ name: string; scalar?: { value: number } }>) =>
  resources.filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);

test('reserved resources go only to their role and its subroles; the rest of the agent goes on down the order', () => {
  // One agent: 4 cpus unreserved, 2 reserved to eng. dev sorts first (shares tie, then names) and takes
  // the unreserved part; the eng reservation still goes out in the same run, to eng/web (a subrole of eng).
  const allocator = new DrfAllocator(new SeededRng(7));
  allocator.addFramework(fw('O'), { roles: ['dev'], suppressedRoles: [] }, true);
  allocator.addFramework(fw('W'), { roles: ['eng/web'], suppressedRoles: [] }, true);
  allocator.addAgent('agent-0' as AgentId, { total: [scalar('cpus', 4), reserved('cpus', 2, 'eng'), scalar('mem', 1024)], used: [] });
  const decisions = allocator.allocate(0);
  const byFramework = Object.fromEntries(decisions.map((d) => [d.frameworkId, d]));
  assert.equal(decisions.length, 2);
  const web = byFramework.W;
  const dev = byFramework.O;
  assert.ok(web && dev);
  assert.deepEqual(web.resources.map((r) => [r.name, r.scalar?.value, r.reservations?.[0]?.role]), [['cpus', 2, 'eng']]);
  assert.equal(cpusIn(dev.resources), 4);
  assert.ok(!dev.resources.some((r) => r.reservations !== undefined), 'dev never sees eng\'s reservation');
});

test('a declined offer is not offered again to that framework role until its filter expires, but goes to others', () => {
  const allocator = cluster(1, { A: ['web'], B: ['web'] });
  const [first] = allocator.allocate(0);
  assert.ok(first);
  allocator.recoverResources(first.frameworkId, first.agentId, first.resources, 5, 1000);
  const [second] = allocator.allocate(1000);
  assert.ok(second);
  assert.notEqual(second.frameworkId, first.frameworkId);
  allocator.recoverResources(second.frameworkId, second.agentId, second.resources, 5, 1000);
  assert.deepEqual(allocator.allocate(2000), [], 'both have filtered it');
  const [again] = allocator.allocate(6000);
  assert.ok(again, 'filters expire after refuse_seconds');
});

test('revive clears a role\'s decline filters', () => {
  const allocator = cluster(1, { A: ['web'] });
  const [offer] = allocator.allocate(0);
  assert.ok(offer);
  allocator.recoverResources(fw('A'), offer.agentId, offer.resources, 3600, 0);
  assert.deepEqual(allocator.allocate(1), []);
  allocator.reviveOffers(fw('A'), ['web']);
  assert.equal(allocator.allocate(2).length, 1);
});

test('updateAllocation turns held resources into reserved ones; once recovered they go only to that role', () => {
  const allocator = cluster(1, { A: ['eng'], B: ['ops'] });
  const [offer] = allocator.allocate(0);
  assert.ok(offer);
  const role = offer.role;
  const held = offer.resources.filter((r) => r.name === 'cpus');
  const reservedCpus = held.map((r) => ({ ...r, reservations: [{ type: 'DYNAMIC' as const, role, principal: 'p' }] }));
  assert.equal(allocator.updateAllocation(offer.frameworkId, offer.agentId, [{ ...scalar('cpus', 5), allocation_info: { role } }], reservedCpus), false, 'not held');
  assert.equal(allocator.updateAllocation(offer.frameworkId, offer.agentId, held, reservedCpus), true);
  allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources.filter((r) => r.name !== 'cpus'), null, 0);
  allocator.recoverResources(offer.frameworkId, offer.agentId, reservedCpus, null, 0);
  // Now the agent has 1 cpu reserved to `role` and unreserved mem. The other role gets mem only.
  const other = offer.frameworkId === 'A' ? 'B' : 'A';
  allocator.suppressOffers(offer.frameworkId, []);
  const [next] = allocator.allocate(0);
  assert.ok(next);
  assert.equal(next.frameworkId, other);
  assert.equal(cpusIn(next.resources), 0);
  allocator.recoverResources(next.frameworkId, next.agentId, next.resources, null, 0);
  allocator.reviveOffers(offer.frameworkId, []);
  allocator.suppressOffers(fw(other), []);
  const [mine] = allocator.allocate(0);
  assert.ok(mine);
  assert.equal(mine.frameworkId, offer.frameworkId);
  assert.deepEqual(mine.resources.find((r) => r.name === 'cpus')?.reservations?.[0]?.role, role);
});

test('updateAgent: a new total frees what nobody holds and keeps what is held', () => {
  const allocator = cluster(1, { A: ['web'] });
  const [offer] = allocator.allocate(0);
  assert.ok(offer);
  allocator.updateAgent(offer.agentId, [scalar('cpus', 3), scalar('mem', 1024)]);
  const [more] = allocator.allocate(0);
  assert.ok(more, 'the two new cpus are offered');
  assert.equal(cpusIn(more.resources), 2);
});

test('never over-allocates: across random declines, accepts and returns, offers on an agent never exceed its total', () => {
  const allocator = cluster(5, { A: ['a'], B: ['b'], C: ['a/x'] });
  const rng = new SeededRng(3);
  const outstanding: ReturnType<DrfAllocator['allocate']> = [];
  for (let step = 0; step < 200; step++) {
    outstanding.push(...allocator.allocate(step * 1000));
    const perAgent = new Map<string, number>();
    for (const offer of outstanding) perAgent.set(offer.agentId, (perAgent.get(offer.agentId) ?? 0) + cpusIn(offer.resources));
    for (const [agent, cpus] of perAgent) assert.ok(cpus <= 1 + 1e-9, `${agent} offered ${cpus} cpus at step ${step}`);
    for (let i = outstanding.length - 1; i >= 0; i--) {
      if (rng.nextFloat() < 0.5) continue;
      const [offer] = outstanding.splice(i, 1);
      if (offer) allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, rng.nextFloat() < 0.5 ? 2 : null, step * 1000);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Quota: one-cpu agents with 1024 mem each; a role's consumption is its unreserved allocation
// plus everything reserved to it.

const allocatedCpus = (decisions: ReturnType<DrfAllocator['allocate']>, role: string) =>
  decisions.filter((d) => d.role === role || d.role.startsWith(`${role}/`)).reduce((sum, d) => sum + cpusIn(d.resources), 0);

test('quota limits: a role is never given more than its limit, the rest goes to others', () => {
  const allocator = cluster(6, { A: ['capped'], B: ['free'] });
  allocator.updateQuota('capped', { guarantees: {}, limits: { cpus: 2 } });
  const decisions = allocator.allocate(0);
  assert.equal(allocatedCpus(decisions, 'capped'), 2);
  assert.equal(allocatedCpus(decisions, 'free'), 4);
  // A limit of 2 cpus and nothing else: mem is not limited, so mem-only offers are fine, cpus are not.
  assert.ok(decisions.filter((d) => d.role === 'capped').every((d) => cpusIn(d.resources) <= 2));
});

test('quota limits bound a whole subtree: eng/web and eng/batch share eng\'s limit', () => {
  const allocator = cluster(8, { W: ['eng/web'], B: ['eng/batch'], O: ['ops'] });
  allocator.updateQuota('eng', { guarantees: {}, limits: { cpus: 3 } });
  const decisions = allocator.allocate(0);
  assert.equal(allocatedCpus(decisions, 'eng'), 3);
  assert.equal(allocatedCpus(decisions, 'ops'), 5);
});

test('quota limits count reservations: a role holding a 2-cpu reservation under a 2-cpu limit gets no unreserved cpus', () => {
  const allocator = new DrfAllocator(new SeededRng(7));
  allocator.addFramework(fw('A'), { roles: ['dev'], suppressedRoles: [] }, true);
  allocator.addAgent('agent-r' as AgentId, { total: [reserved('cpus', 2, 'dev')], used: [] });
  for (let i = 0; i < 3; i++) allocator.addAgent(`agent-${i}` as AgentId, { total: [scalar('cpus', 1), scalar('mem', 1024)], used: [] });
  allocator.updateQuota('dev', { guarantees: {}, limits: { cpus: 2 } });
  const decisions = allocator.allocate(0);
  assert.equal(allocatedCpus(decisions, 'dev'), 2, 'only the reserved two');
  assert.ok(decisions.every((d) => d.resources.every((r) => r.name !== 'cpus' || r.reservations !== undefined)));
});

test('quota guarantees are met first and held back from other roles while unmet', () => {
  // G (guarantee 3 cpus) declines everything for an hour; greedy H may still not take G's three.
  const allocator = cluster(6, { G: ['guaranteed'], H: ['greedy'] });
  allocator.updateQuota('guaranteed', { guarantees: { cpus: 3, mem: 3072 }, limits: {} });
  const first = allocator.allocate(0);
  assert.equal(allocatedCpus(first, 'guaranteed'), 3, 'stage 1 gives G its guarantee before fair sharing');
  for (const decision of first) if (decision.frameworkId === 'G') allocator.recoverResources(decision.frameworkId, decision.agentId, decision.resources, 3600, 0);
  const second = allocator.allocate(1000);
  assert.equal(allocatedCpus(second, 'greedy'), 0, 'the three G declined stay laid away for it');
  assert.equal(allocatedCpus(first, 'greedy'), 3);
});

test('property: under random quotas, declines and returns, no role with a limit is ever allocated beyond it, and reservations go only to their roles', () => {
  fc.assert(
    fc.property(
      fc.record({
        limits: fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
        guarantees: fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
        reservedTo: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 8, maxLength: 8 }),
        seed: fc.integer(),
      }),
      ({ limits, guarantees, reservedTo, seed }) => {
        const roles = ['a', 'b', 'a/c'];
        const allocator = new DrfAllocator(new SeededRng(seed));
        roles.forEach((role, i) => allocator.addFramework(fw(`F${i}`), { roles: [role], suppressedRoles: [] }, true));
        reservedTo.forEach((owner, i) => {
          const cpus = owner < 0 ? scalar('cpus', 1) : reserved('cpus', 1, roles[owner] as string);
          allocator.addAgent(`agent-${i}` as AgentId, { total: [cpus, scalar('mem', 1024)], used: [] });
        });
        roles.forEach((role, i) => {
          const limit = limits[i];
          const guarantee = guarantees[i];
          const capped = limit !== undefined && guarantee !== undefined ? Math.min(limit, guarantee) : guarantee;
          allocator.updateQuota(role, { guarantees: capped !== undefined ? { cpus: capped } : {}, limits: limit !== undefined ? { cpus: limit } : {} });
        });
        const rng = new SeededRng(seed ^ 1);
        const outstanding: ReturnType<DrfAllocator['allocate']> = [];
        for (let step = 0; step < 12; step++) {
          const made = allocator.allocate(step * 1000);
          // Reserved resources never leak: each goes to its role or a role below it.
          for (const offer of made) {
            for (const r of offer.resources) {
              const owner = r.reservations?.at(-1)?.role;
              if (owner !== undefined) assert.ok(offer.role === owner || offer.role.startsWith(`${owner}/`), `${owner}'s reservation offered to ${offer.role}`);
            }
          }
          outstanding.push(...made);
          roles.forEach((role, i) => {
            const limit = limits[i];
            if (limit === undefined) return;
            // Consumption: unreserved cpus held in the subtree, plus every cpu reserved to the subtree.
            const unreservedHeld = outstanding.filter((d) => d.role === role || d.role.startsWith(`${role}/`))
              .flatMap((d) => d.resources).filter((r) => r.name === 'cpus' && r.reservations === undefined).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
            const reservedTotal = reservedTo.filter((owner) => owner >= 0 && ((roles[owner] as string) === role || (roles[owner] as string).startsWith(`${role}/`))).length;
            if (unreservedHeld > 0) assert.ok(unreservedHeld + reservedTotal <= limit + 1e-9, `${role}: ${unreservedHeld} + ${reservedTotal} reserved > limit ${limit}`);
          });
          for (let i = outstanding.length - 1; i >= 0; i--) {
            if (rng.nextFloat() < 0.5) continue;
            const [offer] = outstanding.splice(i, 1);
            if (offer) allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, rng.nextFloat() < 0.3 ? 1 : null, step * 1000);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('property: guarantees the cluster can meet are met in one cycle, even against roles of higher weight', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (guarantees, greedyWeight, seed) => {
      fc.pre(guarantees.reduce((sum, g) => sum + g, 0) <= 10);
      const roles = ['a', 'b', 'c'];
      const allocator = new DrfAllocator(new SeededRng(seed));
      for (const [i, role] of [...roles, 'greedy'].entries()) allocator.addFramework(fw(`F${i}`), { roles: [role], suppressedRoles: [] }, true);
      allocator.updateWeight('greedy', greedyWeight);
      for (let i = 0; i < 10; i++) allocator.addAgent(`agent-${i}` as AgentId, { total: [scalar('cpus', 1), scalar('mem', 1024)], used: [] });
      roles.forEach((role, i) => allocator.updateQuota(role, { guarantees: { cpus: guarantees[i] as number }, limits: {} }));
      const decisions = allocator.allocate(0);
      roles.forEach((role, i) => assert.ok(allocatedCpus(decisions, role) >= (guarantees[i] as number), `${role}: ${allocatedCpus(decisions, role)} < guarantee ${guarantees[i]}`));
    }),
    { numRuns: 150 },
  );
});

test('min_allocatable_resources: every quantity of one of the sets must be there', () => {
  const allocator = new DrfAllocator(new SeededRng(7), { minAllocatable: [{ cpus: 2, mem: 512 }, { gpus: 1 }] });
  allocator.addFramework(fw('A'), { roles: ['web'], suppressedRoles: [], capabilities: ['GPU_RESOURCES'] }, true);
  allocator.addAgent('small' as AgentId, { total: [scalar('cpus', 1), scalar('mem', 4096)], used: [] });
  allocator.addAgent('big' as AgentId, { total: [scalar('cpus', 2), scalar('mem', 512)], used: [] });
  allocator.addAgent('gpu' as AgentId, { total: [scalar('gpus', 1)], used: [] });
  assert.deepEqual(allocator.allocate(0).map((d) => d.agentId).sort(), ['big', 'gpu']);
});

test('explain says why a framework role gets nothing: suppressed, filtered agents, reserved for others, below the minimum, quota', () => {
  const allocator = new DrfAllocator(new SeededRng(7));
  allocator.addFramework(fw('A'), { roles: ['web'], suppressedRoles: [] }, true);
  allocator.addAgent('declined' as AgentId, { total: [scalar('cpus', 1), scalar('mem', 1024)], used: [] });
  allocator.addAgent('theirs' as AgentId, { total: [reserved('cpus', 4, 'db')], used: [] });
  allocator.addAgent('crumbs' as AgentId, { total: [scalar('mem', 8)], used: [] });
  allocator.addAgent('open' as AgentId, { total: [scalar('cpus', 1)], used: [] });
  const offers = allocator.allocate(0);
  assert.equal(allocator.explain(fw('A'), 'web', 0)?.offeredLastRun, 2);
  for (const offer of offers) allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, offer.agentId === 'declined' ? 60 : null, 0);
  const why = allocator.explain(fw('A'), 'web', 1000);
  assert.deepEqual(why?.agents, { total: 4, fullyAllocated: 0, reservedForOtherRoles: 1, belowMinimum: 1, filtered: 1, available: 1 });
  assert.equal(why?.suppressed, false);
  allocator.suppressOffers(fw('A'), ['web']);
  allocator.updateQuota('web', { guarantees: {}, limits: { cpus: 0, mem: 0 } });
  const now = allocator.explain(fw('A'), 'web', 1000);
  assert.equal(now?.suppressed, true);
  assert.equal(now?.atQuotaLimit, true);
  assert.equal(now?.agents.available, 0, 'a zero limit leaves nothing allocatable');
  assert.equal(allocator.explain(fw('nobody'), 'web', 0), null);
});

test('explainBrief counts only unexpired filters of the role and agrees with explain on the rest', () => {
  const allocator = cluster(3, { A: ['web', 'batch'] });
  const offers = allocator.allocate(0);
  // Agents go to A's two roles; each web offer is declined for 60 s, batch's are handed back without a filter.
  for (const offer of offers) allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, offer.role === 'web' ? 60 : null, 0);
  const webOffers = offers.filter((offer) => offer.role === 'web').length;
  assert.ok(webOffers > 0);
  const brief = allocator.explainBrief(fw('A'), 'web', 1000);
  const full = allocator.explain(fw('A'), 'web', 1000);
  assert.equal(brief?.filteredAgents, webOffers);
  assert.equal(brief?.filteredAgents, full?.agents.filtered);
  const { agents: _agents, ...rest } = full as NonNullable<typeof full>;
  assert.deepEqual({ ...brief, filteredAgents: undefined }, { ...rest, filteredAgents: undefined });
  assert.equal(allocator.explainBrief(fw('A'), 'batch', 1000)?.filteredAgents, 0);
  assert.equal(allocator.explainBrief(fw('A'), 'web', 61_000)?.filteredAgents, 0, 'expired filters do not count');
  const filteredAgent = offers.find((offer) => offer.role === 'web')?.agentId as AgentId;
  allocator.deactivateAgent(filteredAgent);
  assert.equal(allocator.explainBrief(fw('A'), 'web', 1000)?.filteredAgents, webOffers - 1, 'nor do filters on disconnected agents');
  allocator.removeAgent(filteredAgent);
  assert.equal(allocator.explainBrief(fw('A'), 'web', 1000)?.filteredAgents, webOffers - 1, 'or removed ones');
  allocator.suppressOffers(fw('A'), ['web']);
  allocator.updateQuota('web', { guarantees: {}, limits: { cpus: 0, mem: 0 } });
  assert.deepEqual([allocator.explainBrief(fw('A'), 'web', 0)?.suppressed, allocator.explainBrief(fw('A'), 'web', 0)?.atQuotaLimit], [true, true]);
  assert.equal(allocator.explainBrief(fw('nobody'), 'web', 0), null);
});

test('metrics: totals, what is offered or allocated, dominant shares, active filters, quota', () => {
  const allocator = cluster(4, { A: ['web'], B: ['db'] });
  allocator.updateQuota('db', { guarantees: { cpus: 1 }, limits: { cpus: 2 } });
  const offers = allocator.allocate(0);
  const declined = offers.find((d) => d.frameworkId === 'A');
  assert.ok(declined);
  allocator.recoverResources(declined.frameworkId, declined.agentId, declined.resources, 60, 0);
  const metrics = allocator.metrics(1000);
  assert.equal(metrics['resources/cpus/total'], 4);
  assert.equal(metrics['resources/mem/total'], 4096);
  assert.equal(metrics['resources/cpus/offered_or_allocated'], 3);
  assert.equal(metrics['roles/db/shares/dominant'], 0.5);
  assert.equal(metrics['roles/web/shares/dominant'], 0.25);
  assert.equal(metrics['offer_filters/roles/web/active'], 1);
  assert.equal(metrics['quota/roles/db/resources/cpus/guarantee'], 1);
  assert.equal(metrics['quota/roles/db/resources/cpus/limit'], 2);
  assert.equal(metrics['quota/roles/db/resources/cpus/offered_or_allocated'], 2);
  assert.equal(metrics['quota/roles/db/resources/cpus/consumed'], 2);
  assert.equal(metrics['roles/db/resources/cpus/offered_or_allocated'], 2);
  assert.equal(metrics['roles/web/resources/mem/offered_or_allocated'], 1024);
  allocator.addAgent('reserved' as AgentId, { total: [reserved('cpus', 3, 'db')], used: [] });
  assert.equal(allocator.metrics(1000)['roles/db/resources/cpus/reserved'], 3);
  allocator.removeAgent('reserved' as AgentId);
  assert.equal(allocator.metrics(1000)['roles/db/resources/cpus/reserved'], undefined);
  assert.equal(allocator.metrics(61_000)['offer_filters/roles/web/active'], 0, 'expired filters are not active');
});

test('min_allocatable_resources counts the members of ranges: ports:2 needs two ports', () => {
  const allocator = new DrfAllocator(new SeededRng(7), { minAllocatable: [{ cpus: 1, ports: 2 }] });
  allocator.addFramework(fw('A'), { roles: ['web'], suppressedRoles: [] }, true);
  const ports = (begin: number, end: number) => ({ name: 'ports', type: 'RANGES' as const, ranges: { range: [{ begin, end }] } });
  allocator.addAgent('one-port' as AgentId, { total: [scalar('cpus', 1), ports(31000, 31000)], used: [] });
  allocator.addAgent('two-ports' as AgentId, { total: [scalar('cpus', 1), ports(31000, 31001)], used: [] });
  assert.deepEqual(allocator.allocate(0).map((d) => d.agentId), ['two-ports']);
});

test('capabilities: agents with GPUs, refined reservations and revocable resources go only to frameworks that opted in', () => {
  const allocator = new DrfAllocator(new SeededRng(7));
  allocator.addFramework(fw('plain'), { roles: ['eng/web'], suppressedRoles: [] }, true);
  allocator.addFramework(fw('able'), { roles: ['eng/web'], suppressedRoles: [], capabilities: ['GPU_RESOURCES', 'RESERVATION_REFINEMENT', 'REVOCABLE_RESOURCES', 'SHARED_RESOURCES'] }, true);
  allocator.addAgent('gpu' as AgentId, { total: [scalar('cpus', 1), scalar('gpus', 1)], used: [] });
  const refined = { ...scalar('cpus', 2), reservations: [{ type: 'STATIC' as const, role: 'eng' }, { type: 'DYNAMIC' as const, role: 'eng/web', principal: 'p' }] };
  allocator.addAgent('refined' as AgentId, { total: [refined, scalar('mem', 64)], used: [] });
  allocator.addAgent('revocable' as AgentId, { total: [{ ...scalar('cpus', 3), revocable: {} }, scalar('mem', 32)], used: [] });
  allocator.suppressOffers(fw('able'), []);
  const plain = allocator.allocate(0);
  assert.ok(!plain.some((d) => d.agentId === 'gpu'), 'no GPU agent without GPU_RESOURCES');
  const plainCpus = plain.flatMap((d) => d.resources).filter((r) => r.name === 'cpus');
  assert.deepEqual(plainCpus, [], 'neither the refined reservation nor the revocable cpus');
  for (const decision of plain) allocator.recoverResources(decision.frameworkId, decision.agentId, decision.resources, 3600, 0);
  allocator.reviveOffers(fw('able'), []);
  const able = allocator.allocate(0);
  assert.equal(cpusIn(able.flatMap((d) => d.resources)), 6, 'the capable framework gets all three kinds');
});

test('an offer a quota limit cuts below min_allocatable_resources is not made, though the agent\'s whole free list is allocatable', () => {
  const allocator = cluster(2, { A: ['dev'] });
  allocator.updateQuota('dev', { guarantees: {}, limits: { cpus: 0.005, mem: 16 } });
  assert.deepEqual(allocator.allocate(0), [], 'cpus:0.005 and mem:16 meet neither cpus:0.01 nor mem:32');
  allocator.updateQuota('dev', { guarantees: {}, limits: { cpus: 0.5, mem: 16 } });
  const offers = allocator.allocate(0);
  assert.equal(offers.length, 1, 'half a cpu is allocatable: one agent is cut to the limit');
  assert.deepEqual(offers[0]?.resources.map((r) => [r.name, r.scalar?.value]), [['cpus', 0.5], ['mem', 16]]);
});
