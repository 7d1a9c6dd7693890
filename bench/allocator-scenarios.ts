/**
 * The allocator scenarios of Mesos' `HierarchicalAllocator_BENCHMARK_Test` (parameters in
 * ../shared/reference/performance.md §2a), run against Meridian's allocator with a simulated clock:
 * filters never expire and nothing waits on `allocation_interval`.
 *
 * Frameworks are added first, then agents; agent i carries resources already used by framework
 * i mod F, as in Mesos. What is timed is one `allocate()` (a batch allocation cycle); the work
 * between cycles (declining or returning every offer) is not, as Mesos times only the cycle.
 */
import type { Allocator, OfferDecision } from '../src/allocator/allocator.js';
import { DrfAllocator } from '../src/allocator/drf-allocator.js';
import type { AgentId, FrameworkId } from '../src/common/ids.js';
import { SeededRng } from '../src/common/rng.js';
import type { Range, Resource } from '../src/common/resources/wire.js';
import { median, type BenchResult } from './report.js';

const scalar = (name: string, value: number, role?: string): Resource => ({
  name, type: 'SCALAR', scalar: { value }, ...(role !== undefined ? { allocation_info: { role } } : {}),
});
const ports = (range: Range[], role?: string): Resource => ({
  name: 'ports', type: 'RANGES', ranges: { range }, ...(role !== undefined ? { allocation_info: { role } } : {}),
});

/** `[31000-32000]` cut into `count` pieces with gaps between them, as Mesos' `fragment()` leaves a used port range. */
function fragments(begin: number, end: number, count: number): Range[] {
  const step = Math.floor((end - begin + 1) / count);
  return Array.from({ length: count }, (_, i) => ({ begin: begin + i * step, end: begin + i * step + Math.floor(step / 2) }));
}

const AGENT_TOTAL: Resource[] = [scalar('cpus', 24), scalar('mem', 4096), scalar('disk', 4096), ports([{ begin: 31000, end: 32000 }])];

function used(cpus: number, mem: number): Resource[] {
  return [scalar('cpus', cpus, '*'), scalar('mem', mem, '*'), scalar('disk', 1024, '*'), ports(fragments(31000, 32000, 16), '*')];
}

const frameworkId = (i: number) => `framework-${i}` as FrameworkId;
const agentId = (i: number) => `agent-${i}` as AgentId;

function timeMs<T>(work: () => T): [T, number] {
  const started = performance.now();
  const value = work();
  return [value, performance.now() - started];
}

interface Cluster {
  allocator: Allocator;
  addAgentsMs: number;
}

/** F frameworks in role `*`, then A agents, agent i with `usedPerAgent` held by framework i mod F. */
function cluster(agents: number, frameworks: number, usedPerAgent: Resource[]): Cluster {
  const allocator = new DrfAllocator(new SeededRng(1));
  for (let i = 0; i < frameworks; i++) allocator.addFramework(frameworkId(i), { roles: ['*'], suppressedRoles: [] }, true);
  const [, addAgentsMs] = timeMs(() => {
    for (let i = 0; i < agents; i++) {
      allocator.addAgent(agentId(i), { total: AGENT_TOTAL, used: [{ frameworkId: frameworkId(i % frameworks), resources: usedPerAgent }] });
    }
  });
  return { allocator, addAgentsMs };
}

function returnAll(allocator: Allocator, offers: readonly OfferDecision[], refuseSeconds: number | null): void {
  for (const offer of offers) allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, refuseSeconds, 0);
}

/** Rounds of: decline every outstanding offer for ever, then one timed cycle. */
function declineRounds(allocator: Allocator, rounds: number): { times: number[]; offerCounts: number[] } {
  const times: number[] = [];
  const offerCounts: number[] = [];
  let offers: OfferDecision[] = [];
  for (let round = 0; round < rounds; round++) {
    returnAll(allocator, offers, 2 ** 31 - 1);
    let took: number;
    [offers, took] = timeMs(() => allocator.allocate(0));
    times.push(took);
    offerCounts.push(offers.length);
  }
  return { times, offerCounts };
}

/**
 * DeclineOffers: every round declines every outstanding offer for ever (Mesos passes INT_MAX
 * seconds, capped at a year), then times one cycle. Mesos runs 2·F rounds; `maxRounds` caps that
 * for large F (each round adds one filter per agent, so later rounds cost a little more).
 *
 * Adding the agents is timed twice. Cold: the first cluster of this size in the process, so the
 * heap grows into memory the process has never touched (on a VM that lazily backs its memory each
 * new 4 KiB page costs microseconds; `firstTouchMicrosPerPage` measures it). Warm: the same cluster
 * built again after the first is dropped, as a master that has run a while adds agents.
 */
export function declineOffers(agents: number, frameworks: number, maxRounds: number): BenchResult[] {
  // The cold cluster is dropped as soon as it is built, so the warm build can reuse its memory.
  const coldAddAgentsMs = cluster(agents, frameworks, used(16, 2014)).addAgentsMs;
  const { allocator, addAgentsMs } = cluster(agents, frameworks, used(16, 2014));
  const rounds = Math.min(2 * frameworks, maxRounds);
  const { times, offerCounts } = declineRounds(allocator, rounds);
  const scenario = `DeclineOffers ${agents} agents × ${frameworks} frameworks`;
  const params = { agents, frameworks, rounds, offers_per_round: offerCounts, round_ms: times.map(round2) };
  // As Mesos' runs are read: the first cycle (cold, every agent new) apart, the median of the rest.
  const later = times.slice(1);
  return [
    { scenario, metric: 'allocate() per cycle, rounds 1…', unit: 'ms', median: median(later), p99: Math.max(...later), params },
    { scenario, metric: 'allocate(), round 0', unit: 'ms', median: times[0] as number, params: { agents, frameworks } },
    { scenario, metric: 'addAgent(), cold heap', unit: 'µs/agent', median: (coldAddAgentsMs * 1000) / agents, params: { agents, frameworks } },
    { scenario, metric: 'addAgent(), warm heap', unit: 'µs/agent', median: (addAgentsMs * 1000) / agents, params: { agents, frameworks } },
  ];
}

/**
 * What touching a 4 KiB page of memory for the first time costs here, in µs: the floor under any
 * benchmark that grows its heap. About 0.1–0.3 µs on bare Linux; far more on a VM whose host backs
 * guest memory only when first touched.
 */
export function firstTouchMicrosPerPage(): number {
  const PAGE = 4096;
  const bytes = 64 * 2 ** 20;
  const samples: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const buffer = Buffer.allocUnsafeSlow(bytes);
    for (let at = 0; at < bytes; at += PAGE) buffer[at] = 1;
    samples.push(((performance.now() - started) * 1000) / (bytes / PAGE));
  }
  return median(samples);
}

/**
 * SuppressOffers: five rounds; each returns every offer without a filter, suppresses another fifth
 * of the frameworks, and times one cycle. ExtremeSuppressOffers suppresses 99 % up front.
 */
export function suppressOffers(agents: number, frameworks: number, extreme: boolean): BenchResult[] {
  const { allocator } = cluster(agents, frameworks, used(16, 1024));
  const times: number[] = [];
  const offerCounts: number[] = [];
  let suppressed = 0;
  const suppressUpTo = (count: number) => {
    for (; suppressed < count; suppressed++) allocator.suppressOffers(frameworkId(suppressed), []);
  };
  if (extreme) suppressUpTo(Math.floor(0.99 * frameworks));
  let offers: OfferDecision[] = [];
  for (let round = 0; round < 5; round++) {
    returnAll(allocator, offers, null);
    if (!extreme) suppressUpTo(Math.min(frameworks, suppressed + Math.floor(frameworks / 5)));
    let took: number;
    [offers, took] = timeMs(() => allocator.allocate(0));
    times.push(took);
    offerCounts.push(offers.length);
  }
  const scenario = `${extreme ? 'ExtremeSuppressOffers' : 'SuppressOffers'} ${agents} agents × ${frameworks} frameworks`;
  return [{ scenario, metric: 'allocate() per cycle', unit: 'ms', median: median(times), p99: Math.max(...times), params: { agents, frameworks, offers_per_round: offerCounts, round_ms: times.map(round2) } }];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

const quotaAgent: Resource[] = [scalar('cpus', 2), scalar('mem', 2048), scalar('disk', 2048)];

/**
 * LargeAndSmallQuota (`BENCHMARK_HierarchicalAllocator_WithQuotaParam`): `small` roles with quota
 * `cpus:1;mem:1024;disk:1024` and `large` roles with `cpus:4;mem:4096;disk:4096`, one framework
 * each, on small/5 + 5·large agents of `cpus:2;mem:2048;disk:2048`. Times the first cycle (all
 * quota handed out) and a second one with nothing left to give. Quota is set as guarantees and
 * limits both, as Mesos' benchmark helper does.
 */
export function largeAndSmallQuota(small: number, large: number): BenchResult[] {
  const allocator = new DrfAllocator(new SeededRng(1));
  const agents = small / 5 + 5 * large;
  const roles: Array<[string, Record<string, number>]> = [
    ...Array.from({ length: small }, (_, i): [string, Record<string, number>] => [`small-${i}`, { cpus: 1, mem: 1024, disk: 1024 }]),
    ...Array.from({ length: large }, (_, i): [string, Record<string, number>] => [`large-${i}`, { cpus: 4, mem: 4096, disk: 4096 }]),
  ];
  for (const [role, quota] of roles) allocator.updateQuota(role, { guarantees: quota, limits: quota });
  roles.forEach(([role], i) => allocator.addFramework(frameworkId(i), { roles: [role], suppressedRoles: [] }, true));
  const [, addAgentsMs] = timeMs(() => {
    for (let i = 0; i < agents; i++) allocator.addAgent(agentId(i), { total: quotaAgent, used: [] });
  });
  const [first, firstMs] = timeMs(() => allocator.allocate(0));
  const [second, secondMs] = timeMs(() => allocator.allocate(0));
  const scenario = `LargeAndSmallQuota ${agents} agents, ${small}+${large} roles`;
  const params = { agents, small_roles: small, large_roles: large, first_cycle_offers: first.length, second_cycle_offers: second.length, add_agents_ms: round2(addAgentsMs) };
  return [
    { scenario, metric: 'first allocate()', unit: 'ms', median: firstMs, params },
    { scenario, metric: 'second allocate()', unit: 'ms', median: secondMs, params },
  ];
}

/**
 * NonQuotaVsQuota (`BENCHMARK_HierarchicalAllocator_WithNonQuotaVsQuotaParam`): `roles` roles with
 * 2 frameworks and 2 agents each; with quota on, each role's limit is exactly its two agents, so
 * both modes make the same offers and the difference is the cost of quota.
 */
export function nonQuotaVsQuota(roles: number, withQuota: boolean): BenchResult[] {
  const allocator = new DrfAllocator(new SeededRng(1));
  for (let r = 0; r < roles; r++) {
    if (withQuota) allocator.updateQuota(`role-${r}`, { guarantees: {}, limits: { cpus: 4, mem: 4096, disk: 4096 } });
    for (let f = 0; f < 2; f++) allocator.addFramework(frameworkId(2 * r + f), { roles: [`role-${r}`], suppressedRoles: [] }, true);
  }
  for (let i = 0; i < 2 * roles; i++) allocator.addAgent(agentId(i), { total: quotaAgent, used: [] });
  const [first, firstMs] = timeMs(() => allocator.allocate(0));
  const [, secondMs] = timeMs(() => allocator.allocate(0));
  const scenario = `NonQuotaVsQuota ${roles} roles, quota ${withQuota ? 'on' : 'off'}`;
  const params = { roles, agents: 2 * roles, frameworks: 2 * roles, quota: withQuota, first_cycle_offers: first.length };
  return [
    { scenario, metric: 'first allocate()', unit: 'ms', median: firstMs, params },
    { scenario, metric: 'second allocate()', unit: 'ms', median: secondMs, params },
  ];
}

/**
 * AddAndUpdateSlave: F frameworks, then A agents of `cpus:2;mem:1024;disk:4096;ports:[31000-32000]`
 * each carrying `cpus:1;mem:128;disk:1024` and some ports used by framework i mod F; then every
 * agent's total grows by 10 cpus (Mesos adds them as revocable; Meridian has no revocable
 * resources yet, so they are plain cpus). Times adding and updating per agent.
 */
export function addAndUpdateAgents(agents: number, frameworks: number): BenchResult[] {
  const allocator = new DrfAllocator(new SeededRng(1));
  for (let i = 0; i < frameworks; i++) allocator.addFramework(frameworkId(i), { roles: ['*'], suppressedRoles: [] }, true);
  const total: Resource[] = [scalar('cpus', 2), scalar('mem', 1024), scalar('disk', 4096), ports([{ begin: 31000, end: 32000 }])];
  const usedHere: Resource[] = [scalar('cpus', 1, '*'), scalar('mem', 128, '*'), scalar('disk', 1024, '*'), ports([{ begin: 31126, end: 31510 }, { begin: 31512, end: 31623 }, { begin: 31810, end: 31852 }, { begin: 31854, end: 31964 }], '*')];
  const [, addMs] = timeMs(() => {
    for (let i = 0; i < agents; i++) allocator.addAgent(agentId(i), { total, used: [{ frameworkId: frameworkId(i % frameworks), resources: usedHere }] });
  });
  const grown = [...total.filter((r) => r.name !== 'cpus'), scalar('cpus', 12)];
  const [, updateMs] = timeMs(() => {
    for (let i = 0; i < agents; i++) allocator.updateAgent(agentId(i), grown);
  });
  const offersAfter = allocator.allocate(0).length;
  const scenario = `AddAndUpdateSlave ${agents} agents × ${frameworks} frameworks`;
  const params = { agents, frameworks, add_ms: round2(addMs), update_ms: round2(updateMs), offers_after: offersAfter };
  return [
    { scenario, metric: 'addAgent()', unit: 'µs/agent', median: (addMs * 1000) / agents, params },
    { scenario, metric: 'updateAgent()', unit: 'µs/agent', median: (updateMs * 1000) / agents, params },
  ];
}

/**
 * ResourceLabels: DeclineOffers with frameworks in `role1` and, on every agent, two dynamic
 * reservations of `cpus:8` to role1 with 13 and 11 labels (one label unique per agent), used by
 * framework i mod F; the labels make every reserved entry's identity long and distinct.
 */
export function resourceLabels(agents: number, frameworks: number, maxRounds: number): BenchResult[] {
  const allocator = new DrfAllocator(new SeededRng(1));
  for (let i = 0; i < frameworks; i++) allocator.addFramework(frameworkId(i), { roles: ['role1'], suppressedRoles: [] }, true);
  const shared = Array.from({ length: 11 }, (_, i) => ({ key: `key_${i}`, value: `value_${i}` }));
  const reservedCpus = (labels: Array<{ key: string; value: string }>, allocated: boolean): Resource => ({
    ...scalar('cpus', 8, allocated ? 'role1' : undefined),
    reservations: [{ type: 'DYNAMIC', role: 'role1', principal: 'principal1', labels: { labels } }],
  });
  const [, addMs] = timeMs(() => {
    for (let i = 0; i < agents; i++) {
      const labels1 = [...shared, { key: 'unique_key_1', value: `value_${i}` }, { key: 'unique_key_2', value: `value_${i}` }];
      const total = [reservedCpus(labels1, false), reservedCpus(shared, false), scalar('cpus', 8), scalar('mem', 4096), scalar('disk', 4096), ports([{ begin: 31000, end: 32000 }])];
      const usedHere = [reservedCpus(labels1, true), reservedCpus(shared, true), scalar('mem', 2014, 'role1'), scalar('disk', 1024, 'role1'), ports(fragments(31000, 32000, 16), 'role1')];
      allocator.addAgent(agentId(i), { total, used: [{ frameworkId: frameworkId(i % frameworks), resources: usedHere }] });
    }
  });
  const rounds = Math.min(2 * frameworks, maxRounds);
  const { times } = declineRounds(allocator, rounds);
  const scenario = `ResourceLabels ${agents} agents × ${frameworks} frameworks`;
  return [{ scenario, metric: 'allocate() per cycle', unit: 'ms', median: median(times), p99: Math.max(...times), params: { agents, frameworks, rounds, add_agents_ms: round2(addMs), round_ms: times.map(round2) } }];
}

interface FrameworkProfile {
  name: string;
  role: string;
  instances: number;
  tasks: number;
  cpus: number;
  mem: number;
  maxTasksPerOffer: number;
}

/**
 * MultiFrameworkAllocations (`BENCHMARK_HierarchicalAllocations`): 80 agents of
 * `cpus:64;mem:488000`; 4 Marathon-like frameworks (4,000 tasks of `cpus:0.07;mem:400`, ≤ 100 per
 * offer), Jenkins (500 instances × 5 tasks of `cpus:0.1;mem:4000`, 1 per offer) and 50 Spark
 * dispatchers (20 tasks of `cpus:1;mem:1000`, ≤ 5 per offer): 554 frameworks, 19,500 tasks. Each
 * cycle, every offer launches what fits within the caps and the rest is returned without a filter,
 * until every task runs. Reports the cycles, the median cycle and the total time.
 */
export function multiFrameworkAllocations(): BenchResult[] {
  const profiles: FrameworkProfile[] = [
    ...Array.from({ length: 4 }, (_, i) => ({ name: `marathon-${i}`, role: `roleA-${i}`, instances: 1, tasks: 4000, cpus: 0.07, mem: 400, maxTasksPerOffer: 100 })),
    { name: 'jenkins', role: 'roleB', instances: 500, tasks: 5, cpus: 0.1, mem: 4000, maxTasksPerOffer: 1 },
    ...Array.from({ length: 50 }, (_, i) => ({ name: `spark-${i}`, role: `roleC-${i}`, instances: 1, tasks: 20, cpus: 1, mem: 1000, maxTasksPerOffer: 5 })),
  ];
  const allocator = new DrfAllocator(new SeededRng(1));
  const pending = new Map<FrameworkId, { profile: FrameworkProfile; left: number }>();
  for (const profile of profiles) {
    for (let i = 0; i < profile.instances; i++) {
      const id = `${profile.name}-${i}` as FrameworkId;
      allocator.addFramework(id, { roles: [profile.role], suppressedRoles: [] }, true);
      pending.set(id, { profile, left: profile.tasks });
    }
  }
  for (let i = 0; i < 80; i++) allocator.addAgent(agentId(i), { total: [scalar('cpus', 64), scalar('mem', 488000)], used: [] });
  const totalTasks = [...pending.values()].reduce((sum, p) => sum + p.left, 0);
  let launched = 0;
  const cycles: number[] = [];
  const started = performance.now();
  while (launched < totalTasks && performance.now() - started < 30_000) {
    const [offers, took] = timeMs(() => allocator.allocate(0));
    cycles.push(took);
    for (const offer of offers) {
      const state = pending.get(offer.frameworkId);
      let cpus = offer.resources.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
      let mem = offer.resources.find((r) => r.name === 'mem')?.scalar?.value ?? 0;
      let tasks = 0;
      while (state && state.left > 0 && tasks < state.profile.maxTasksPerOffer && cpus >= state.profile.cpus - 1e-9 && mem >= state.profile.mem) {
        cpus = Math.round((cpus - state.profile.cpus) * 1000) / 1000;
        mem -= state.profile.mem;
        state.left--;
        tasks++;
      }
      launched += tasks;
      if (state && state.left === 0) allocator.suppressOffers(offer.frameworkId, []);
      const remainder = [scalar('cpus', cpus, offer.role), scalar('mem', mem, offer.role)].filter((r) => (r.scalar?.value ?? 0) > 0);
      if (remainder.length > 0) allocator.recoverResources(offer.frameworkId, offer.agentId, remainder, null, 0);
    }
  }
  const totalMs = performance.now() - started;
  const scenario = 'MultiFrameworkAllocations 80 agents × 554 frameworks';
  const params = { tasks: totalTasks, launched, cycles: cycles.length, total_ms: round2(totalMs) };
  return [
    { scenario, metric: 'cycles to launch every task', unit: 'cycles', median: cycles.length, params },
    { scenario, metric: 'allocate() per cycle', unit: 'ms', median: median(cycles), p99: Math.max(...cycles), params },
  ];
}

/**
 * UpdateAllocation (`…WithResourceParam.UpdateAllocation`): one agent holding, for each of `roles`
 * roles, reservations of `cpus:100`, `mem:100`, `disk:100` and `ports` (`portsPerRole` single
 * ports), each with its own 36-character label, all used by one framework per role; then one
 * framework makes 20 RESERVE and 20 UNRESERVE of `cpus:1` out of unreserved cpus it holds. Mesos'
 * cost grew with the resource objects on the agent (4 × roles of them); times the 40 operations.
 */
export function updateAllocation(roles: number, portsPerRole: number): BenchResult[] {
  const rng = new SeededRng(roles);
  const label = () => Array.from({ length: 36 }, () => String.fromCharCode(97 + rng.nextInt(26))).join('');
  const allocator = new DrfAllocator(new SeededRng(1));
  const reservedTo = (role: string, resource: Resource): Resource => ({ ...resource, reservations: [{ type: 'DYNAMIC', role, principal: 'principal', labels: { labels: [{ key: 'key', value: label() }] } }] });
  const roleNames = Array.from({ length: roles }, () => `role-${label()}`);
  const total: Resource[] = [scalar('cpus', 1000), scalar('mem', 1000)];
  const used: Array<{ frameworkId: FrameworkId; resources: Resource[] }> = [];
  roleNames.forEach((role, i) => {
    const slice = [
      reservedTo(role, scalar('cpus', 100)), reservedTo(role, scalar('mem', 100)), reservedTo(role, scalar('disk', 100)),
      reservedTo(role, ports(Array.from({ length: portsPerRole }, (_, p) => ({ begin: 10000 + i * portsPerRole + p, end: 10000 + i * portsPerRole + p })))),
    ];
    total.push(...slice);
    allocator.addFramework(frameworkId(i), { roles: [role], suppressedRoles: [] }, true);
    used.push({ frameworkId: frameworkId(i), resources: slice.map((r) => ({ ...r, allocation_info: { role } })) });
  });
  const role0 = roleNames[0] as string;
  used.push({ frameworkId: frameworkId(0), resources: [scalar('cpus', 1000, role0), scalar('mem', 1000, role0)] });
  allocator.addAgent(agentId(0), { total, used });
  const one = scalar('cpus', 1, role0);
  const reservedOne: Resource = { ...one, reservations: [{ type: 'DYNAMIC', role: role0, principal: 'principal' }] };
  const [, took] = timeMs(() => {
    for (let i = 0; i < 20; i++) if (!allocator.updateAllocation(frameworkId(0), agentId(0), [one], [reservedOne])) throw new Error('RESERVE refused');
    for (let i = 0; i < 20; i++) if (!allocator.updateAllocation(frameworkId(0), agentId(0), [reservedOne], [one])) throw new Error('UNRESERVE refused');
  });
  const scenario = `UpdateAllocation ${roles} roles, ${4 * roles} reserved resources`;
  return [{ scenario, metric: '20 RESERVE + 20 UNRESERVE', unit: 'ms', median: took, params: { roles, ports_per_role: portsPerRole, resource_objects: total.length } }];
}
