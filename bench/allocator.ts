/**
 * `npm run bench:allocator`: the Mesos allocator benchmarks, run against Meridian's pure allocator
 * code on one core (parameters as in ../shared/reference/performance.md, section 2).
 *
 * So far the sorter's: `CommonSorterTest.BENCHMARK_FullSort` (agents × clients, flat) and
 * `BENCHMARK_HierarchyFullSort` (about a thousand clients in trees of height 3, 7 and 10). Per
 * agent, the agent's total joins the cluster total and `cpus:16;mem:2014;disk:1024` is allocated
 * to one client, round-robin; then the clients are sorted. The allocator's own scenarios
 * (DeclineOffers, SuppressOffers, quota, …) join this file with the hierarchical allocator.
 *
 * BENCH_FULL=1 runs Mesos' whole grid (agents 1,000 to 50,000 × clients 1 to 1,000).
 */
import { DrfSorter } from '../src/allocator/drf-sorter.js';
import { allocatorBacklog } from './allocator-backlog.js';
import {
  addAndUpdateAgents, declineOffers, firstTouchMicrosPerPage, largeAndSmallQuota, multiFrameworkAllocations, nonQuotaVsQuota, resourceLabels, suppressOffers,
  updateAllocation,
} from './allocator-scenarios.js';
import { median, report, type BenchResult } from './report.js';

const FULL = process.env.BENCH_FULL === '1';
const AGENT_COUNTS = FULL ? [1000, 5000, 10000, 20000, 30000, 50000] : [1000, 10000, 50000];
const CLIENT_COUNTS = FULL ? [1, 50, 100, 200, 500, 1000] : [100, 1000];
const TREES: Array<[height: number, branching: number]> = [[3, 32], [7, 3], [10, 2]];
const SORTS = 5;

const AGENT_TOTAL = new Map([['cpus', 24], ['mem', 4096], ['disk', 4096]]);
const AGENT_ALLOCATION = new Map([['cpus', 16], ['mem', 2014], ['disk', 1024]]);

function timeMs(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

/** Every node of a tree below its root: `branching` children per node, `height - 1` levels. */
function treeClients(height: number, branching: number): string[] {
  let level = [''];
  const clients: string[] = [];
  for (let depth = 1; depth < height; depth++) {
    level = level.flatMap((parent) => Array.from({ length: branching }, (_, i) => (parent === '' ? `n${i}` : `${parent}/n${i}`)));
    clients.push(...level);
  }
  return clients;
}

function fullSort(scenario: string, agents: number, clients: string[], params: Record<string, unknown>): BenchResult[] {
  const sorter = new DrfSorter();
  const addClients = timeMs(() => {
    for (const client of clients) {
      sorter.add(client);
      sorter.activate(client);
    }
  });
  const addAgents = timeMs(() => {
    for (let i = 0; i < agents; i++) sorter.addTotal(AGENT_TOTAL);
  });
  const allocate = timeMs(() => {
    for (let i = 0; i < agents; i++) sorter.allocated(clients[i % clients.length] as string, AGENT_ALLOCATION);
  });
  const sorts: number[] = [];
  let order: string[] = [];
  for (let i = 0; i < SORTS; i++) sorts.push(timeMs(() => (order = sorter.sort())));
  if (order.length !== clients.length) throw new Error(`sort listed ${order.length} of ${clients.length} clients`);
  const unallocate = timeMs(() => {
    for (let i = 0; i < agents; i++) sorter.unallocated(clients[i % clients.length] as string, AGENT_ALLOCATION);
  });
  const removeClients = timeMs(() => {
    for (const client of clients) sorter.remove(client);
  });
  const all = { agents, clients: clients.length, ...params, add_clients_ms: round(addClients), add_agents_ms: round(addAgents), unallocated_all_ms: round(unallocate), remove_clients_ms: round(removeClients) };
  return [
    { scenario, metric: 'allocated() for every agent', unit: 'ms', median: allocate, params: all },
    { scenario, metric: 'sort()', unit: 'ms', median: median(sorts), p99: Math.max(...sorts), params: { ...all, sorts: SORTS } },
  ];
}

const round = (value: number) => Math.round(value * 100) / 100;

/** BENCH_ONLY=decline,suppress,labels,agents,quota,multi,reserve,backlog,sort runs only the named groups. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'decline,suppress,labels,agents,quota,multi,reserve,backlog,sort').split(',').map((name) => name.trim()));
const DECLINE_ROUNDS = Number(process.env.BENCH_DECLINE_ROUNDS ?? 10);

// The floor under every figure that grows the heap (see firstTouchMicrosPerPage).
const results: BenchResult[] = [
  { scenario: 'This machine', metric: 'first touch of a 4 KiB page', unit: 'µs', median: firstTouchMicrosPerPage(), params: {} },
];
if (ONLY.has('decline')) {
  for (const [agents, frameworks, target] of [[1000, 100, ''], [10000, 1000, '≤ 60 ms'], [20000, 2000, '≤ 250 ms']] as const) {
    const [cycle, first, addCold, addWarm] = declineOffers(agents, frameworks, DECLINE_ROUNDS);
    const addTarget = agents === 10000 ? '≤ 20 µs' : '';
    results.push({ ...cycle, target } as BenchResult, first as BenchResult, { ...addCold, target: addTarget } as BenchResult, { ...addWarm, target: addTarget } as BenchResult);
  }
}
if (ONLY.has('suppress')) {
  results.push(...suppressOffers(10000, 1000, false), ...suppressOffers(10000, 1000, true));
}
if (ONLY.has('labels')) results.push(...resourceLabels(10000, 1000, DECLINE_ROUNDS));
if (ONLY.has('agents')) {
  for (const [agents, frameworks] of [[10000, 1000], [50000, 1000]] as const) results.push(...addAndUpdateAgents(agents, frameworks));
}
if (ONLY.has('quota')) {
  for (const [small, large] of [[25, 5], [250, 50], [2500, 500]] as const) {
    const [first, second] = largeAndSmallQuota(small, large);
    results.push({ ...first, target: small === 2500 ? '≤ 1000 ms' : '' } as BenchResult, second as BenchResult);
  }
  for (const roles of [10, 100, 1000]) results.push(...nonQuotaVsQuota(roles, false), ...nonQuotaVsQuota(roles, true));
}
if (ONLY.has('reserve')) for (const roles of [50, 100, 200, 1600]) results.push(...updateAllocation(roles, 1));
if (ONLY.has('backlog')) results.push(...(await allocatorBacklog(10000, 1000)));
if (ONLY.has('multi')) results.push(...multiFrameworkAllocations());
if (ONLY.has('sort')) for (const agents of AGENT_COUNTS) {
  for (const clients of CLIENT_COUNTS) {
    results.push(...fullSort(`FullSort ${agents} agents × ${clients} clients`, agents, Array.from({ length: clients }, (_, i) => `client${i}`), {}));
  }
}
if (ONLY.has('sort')) for (const [height, branching] of TREES) {
  const clients = treeClients(height, branching);
  results.push(...fullSort(`HierarchyFullSort ${AGENT_COUNTS.at(-1)} agents, tree ${height}×${branching}`, AGENT_COUNTS.at(-1) as number, clients, { height, branching }));
}
report('allocator', results);
