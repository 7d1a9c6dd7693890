/**
 * `npm run bench:launch`: task launch speed and memory per task on a real local cluster (one
 * master, one agent, processes on 127.0.0.1).
 *
 *  - throughput: 1,000 no-op tasks (`true`) through the Scheduler API by one framework, tasks/s
 *    from the first ACCEPT to the last TASK_FINISHED, the median of three rounds (BENCH_ROUNDS);
 *  - latency: ACCEPT → TASK_RUNNING per task, for tasks launched one after another (so the figure
 *    is the system's latency, not a queue's);
 *  - memory: 200 `sleep 60` tasks running; RSS of the agent, its executor host and every task
 *    process, minus the idle agent, divided by 200.
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Offer, TaskInfo } from '../src/api/mesos.js';
import { ForkServer } from '../src/executor/fork-server.js';
import { TaskLauncher } from '../src/executor/task-launcher.js';
import { SchedulerClient } from '../src/sdk/scheduler-client.js';
import { TestCluster, sleep } from '../test/integration/cluster.js';
import { percentile, report, type BenchResult } from './report.js';

const THROUGHPUT_TASKS = Number(process.env.BENCH_TASKS ?? 1000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MEMORY_TASKS = Number(process.env.BENCH_MEMORY_TASKS ?? 200);

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, including reaped children) of a process, in ms. */
function cpuMs(pid: number, withChildren = true): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (withChildren ? [11, 12, 13, 14] : [11, 12]).reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / 100;
  } catch {
    return 0;
  }
}

/** The pid and every descendant of it, read from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value } });
const TASK_CPUS = 0.01;
const TASK_MEM = 4;
const task = (id: string, agentId: string, command: string): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: agentId },
  resources: [scalar('cpus', TASK_CPUS), scalar('mem', TASK_MEM)],
  command: { value: command, shell: true },
});

interface Tracker {
  client: SchedulerClient;
  offers: Offer[];
  starting: Map<string, number>;
  running: Map<string, number>;
  terminal: Map<string, number>;
  failed: string[];
  /** Woken after every event, so waits cost nothing while nothing happens. */
  wakers: Array<() => void>;
}

/** Resolves once `probe` returns a value, checking after each event (and failing after timeoutMs). */
function until<T>(tracker: Tracker, what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const ready = probe();
  if (ready !== undefined) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      tracker.wakers.splice(tracker.wakers.indexOf(check), 1);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = () => {
      const value = probe();
      if (value === undefined) return;
      clearTimeout(timer);
      tracker.wakers.splice(tracker.wakers.indexOf(check), 1);
      resolve(value);
    };
    tracker.wakers.push(check);
  });
}

async function startFramework(master: string): Promise<Tracker> {
  const client = new SchedulerClient({ master, framework: { user: 'root', name: 'bench-launch', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] } });
  const tracker: Tracker = { client, offers: [], starting: new Map(), running: new Map(), terminal: new Map(), failed: [], wakers: [] };
  void (async () => {
    for await (const event of client.events()) {
      if (event.type === 'OFFERS') tracker.offers.push(...event.offers.offers);
      if (event.type === 'RESCIND') tracker.offers = tracker.offers.filter((o) => o.id.value !== event.rescind.offer_id.value);
      if (event.type === 'UPDATE') {
        const { state, task_id } = event.update.status;
        const now = performance.now();
        if (state === 'TASK_STARTING') tracker.starting.set(task_id.value, now);
        else if (state === 'TASK_RUNNING') tracker.running.set(task_id.value, now);
        else if (state !== 'TASK_STAGING') {
          tracker.terminal.set(task_id.value, now);
          if (state !== 'TASK_FINISHED') tracker.failed.push(`${task_id.value}: ${state} ${event.update.status.message ?? ''}`);
        }
      }
      for (const wake of [...tracker.wakers]) wake();
    }
  })().catch(() => undefined);
  return tracker;
}

/**
 * Takes every offer held (waiting for one if none), with how many benchmark tasks they fit. As
 * tasks end, their resources come back as small offers of their own; accepting all held offers of
 * the one agent together (as Mesos allows) uses them all.
 */
async function takeOffers(tracker: Tracker): Promise<{ offerIds: Offer['id'][]; agentId: string; fits: number }> {
  await until(tracker, 'an offer', () => (tracker.offers.length > 0 ? true : undefined));
  const offers = tracker.offers.splice(0);
  const total = (name: string) => offers.flatMap((o) => o.resources).filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
  const fits = Math.floor(Math.min(total('cpus') / TASK_CPUS + 1e-6, total('mem') / TASK_MEM + 1e-6));
  return { offerIds: offers.map((o) => o.id), agentId: (offers[0] as Offer).agent_id.value, fits };
}

/**
 * The machine's own limit, for context: how many `sh -c true` processes per second the executor
 * host's launcher can create and reap here, with nothing else running. No scheduler can launch
 * one-process tasks faster than this on the same machine.
 */
async function processCreationCeiling(count: number): Promise<number> {
  const server = ForkServer.start() ?? TaskLauncher.start();
  if (!server) return Number.NaN;
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let exited = 0;
    const timer = setTimeout(() => reject(new Error(`process creation ceiling: only ${exited} of ${count} processes reported their end within 60 s`)), 60_000);
    for (let i = 0; i < count; i++) {
      server.spawn(
        { file: '/bin/sh', argv0: 'sh', args: ['-c', 'true'], cwd: '/', env, stdoutPath: '/dev/null', stderrPath: '/dev/null' },
        {
          started: () => undefined,
          exited: () => {
            if (++exited < count) return;
            clearTimeout(timer);
            resolve();
          },
        },
      );
    }
  });
  const rate = count / ((performance.now() - started) / 1000);
  server.stop();
  return rate;
}

/** For a run that hangs: which tasks never ended, and what the framework, master and agent last knew of them. */
async function describeStuck(cluster: TestCluster, tracker: Tracker, ids: string[]): Promise<string> {
  const stuck = ids.filter((id) => !tracker.terminal.has(id));
  type Task = { id: string; state: string };
  const master = await cluster.get<{ frameworks: Array<{ tasks: Task[] }> }>('/master/state').catch(() => null);
  const agentAddress = (await cluster.slaves().catch(() => []))[0]?.pid.split('@')[1];
  const agent = await fetch(`http://${agentAddress}/state`).then((r) => r.json() as Promise<{ frameworks: Array<{ executors: Array<{ tasks: Array<Task & { task_id: { value: string } }> }> }> }>).catch(() => null);
  const framework = (id: string) => (tracker.running.has(id) ? 'RUNNING' : tracker.starting.has(id) ? 'STARTING' : 'no update');
  const inMaster = (id: string) => master?.frameworks.flatMap((f) => f.tasks).find((t) => t.id === id)?.state ?? 'unknown';
  const inAgent = (id: string) => agent?.frameworks.flatMap((f) => f.executors.flatMap((e) => e.tasks)).find((t) => t.task_id.value === id)?.state ?? 'unknown';
  if (process.env.BENCH_KEEP_LOGS) execSync(`cp ${cluster.root}/*.log ${cluster.root}/agent-*/*.log ${process.env.BENCH_KEEP_LOGS}/`);
  const examples = stuck.slice(0, 5).map((id) => `${id} (framework ${framework(id)}, master ${inMaster(id)}, agent ${inAgent(id)})`);
  return `${stuck.length} never ended, e.g. ${examples.join(', ')}${process.env.BENCH_KEEP_LOGS ? '' : '; BENCH_KEEP_LOGS=DIR keeps the logs'}`;
}

/** Launches THROUGHPUT_TASKS no-op tasks as fast as offers come, and returns tasks/s from the first ACCEPT to the last end. */
async function throughputRound(cluster: TestCluster, tracker: Tracker, prefix: string): Promise<number> {
  const ids = Array.from({ length: THROUGHPUT_TASKS }, (_, i) => `${prefix}${i}`);
  let next = 0;
  const started = performance.now();
  while (next < ids.length) {
    const offers = await takeOffers(tracker);
    const batch: TaskInfo[] = [];
    while (next < ids.length && batch.length < Math.min(250, offers.fits)) batch.push(task(ids[next++] as string, offers.agentId, 'true'));
    await tracker.client.launch(offers.offerIds, batch, { refuse_seconds: 0 });
  }
  const ended = () => ids.every((id) => tracker.terminal.has(id));
  await until(tracker, `all tasks of ${prefix} to end`, () => (ended() ? true : undefined), Number(process.env.BENCH_TIMEOUT_MS ?? 300_000)).catch(async (error: Error) => {
    throw new Error(`${error.message}: ${await describeStuck(cluster, tracker, ids)}`);
  });
  const failed = tracker.failed.filter((line) => line.startsWith(prefix));
  if (failed.length > 0) throw new Error(`tasks did not finish: ${failed.slice(0, 5).join('; ')}`);
  const times = (map: Map<string, number>) => ids.map((id) => (map.get(id) ?? Number.NaN) - started);
  if (process.env.BENCH_TIMELINE) {
    const at = (values: number[]) => [10, 25, 50, 75, 90, 100].map((p) => `${p}%:${Math.round(percentile(values.filter((v) => !Number.isNaN(v)), p))}ms`).join(' ');
    process.stdout.write(`${prefix} STARTING at ${at(times(tracker.starting))}\n${prefix} RUNNING at ${at(times(tracker.running))}\n${prefix} ended at ${at(times(tracker.terminal))}\n`);
  }
  return ids.length / (Math.max(...times(tracker.terminal)) / 1000);
}

async function main(): Promise<void> {
  const ceiling = await processCreationCeiling(Number(process.env.BENCH_CEILING_PROCESSES ?? 300));
  const cluster = await new TestCluster({ agents: 1, agentResources: 'cpus:64;mem:262144;disk:10000;ports:[31000-32000]', logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn' }).start();
  const results: BenchResult[] = [];
  try {
    const agentPid = cluster.agents[0]?.child.pid as number;
    const idleAgentKb = rssKb(agentPid);
    const tracker = await startFramework(cluster.masterAddress);

    // Throughput: every offer is filled with as many pending tasks as it holds; several rounds,
    // reported by their median, since one round on a shared VM swings by a fifth.
    const masterPid = cluster.master.child.pid as number;
    const cpuBefore = { master: cpuMs(masterPid), agent: cpuMs(agentPid), framework: cpuMs(process.pid) };
    const rates: number[] = [];
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      const before = [cpuMs(masterPid), cpuMs(agentPid), cpuMs(cluster.executorHostPid(0) ?? 0, false)];
      rates.push(await throughputRound(cluster, tracker, `tp${round}-`));
      const after = [cpuMs(masterPid), cpuMs(agentPid), cpuMs(cluster.executorHostPid(0) ?? 0, false)];
      if (process.env.BENCH_TIMELINE) process.stdout.write(`round ${round}: ${Math.round(rates[round] as number)} tasks/s, CPU ms per task master ${((after[0]! - before[0]!) / THROUGHPUT_TASKS).toFixed(2)} agent ${((after[1]! - before[1]!) / THROUGHPUT_TASKS).toFixed(2)} host ${((after[2]! - before[2]!) / THROUGHPUT_TASKS).toFixed(2)}\n`);
    }
    const tasksLaunched = THROUGHPUT_TASKS * THROUGHPUT_ROUNDS;
    const hostPid = cluster.executorHostPid(0) as number;
    // CPU spent per task by each process; the host started with the first round.
    const cpuPerTask = {
      master_ms: (cpuMs(masterPid) - cpuBefore.master) / tasksLaunched,
      agent_ms: (cpuMs(agentPid) - cpuBefore.agent) / tasksLaunched,
      executor_host_ms: cpuMs(hostPid, false) / tasksLaunched,
      // The task processes (reaped by the host, or by the perl launcher) and the launcher itself.
      launcher_and_tasks_ms: (cpuMs(hostPid) - cpuMs(hostPid, false) + processTree(hostPid).filter((pid) => pid !== hostPid).reduce((sum, pid) => sum + cpuMs(pid), 0)) / tasksLaunched,
      framework_ms: (cpuMs(process.pid) - cpuBefore.framework) / tasksLaunched,
    };
    results.push({
      scenario: `launch ${THROUGHPUT_TASKS} no-op tasks`, metric: 'throughput', unit: 'tasks/s', median: percentile(rates, 50), target: '>= 300',
      params: { tasks: THROUGHPUT_TASKS, rounds: rates.map((rate) => Math.round(rate)), command: 'true', agents: 1, cpu_per_task: cpuPerTask },
    });

    // Latency: one task at a time, ACCEPT to TASK_RUNNING.
    const latencies: number[] = [];
    const toStarting: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const offers = await takeOffers(tracker);
      const id = `lat-${i}`;
      const acceptAt = performance.now();
      await tracker.client.launch(offers.offerIds, [task(id, offers.agentId, 'true')], { refuse_seconds: 0 });
      const runningAt = await until(tracker, `${id} running`, () => tracker.running.get(id));
      latencies.push(runningAt - acceptAt);
      toStarting.push((tracker.starting.get(id) ?? runningAt) - acceptAt);
      await until(tracker, `${id} ended`, () => tracker.terminal.get(id));
    }
    results.push({
      scenario: 'launch one task at a time', metric: 'ACCEPT to TASK_RUNNING', unit: 'ms',
      median: percentile(latencies, 50), p99: percentile(latencies, 99), target: 'p50 <= 10, p99 <= 30',
      params: { samples: LATENCY_SAMPLES, accept_to_starting_p50_ms: Math.round(percentile(toStarting, 50) * 10) / 10 },
    });

    // Memory: many sleeping tasks.
    let launched = 0;
    while (launched < MEMORY_TASKS) {
      const offers = await takeOffers(tracker);
      const batch: TaskInfo[] = [];
      while (launched < MEMORY_TASKS && batch.length < Math.min(250, offers.fits)) batch.push(task(`mem-${launched++}`, offers.agentId, 'sleep 60'));
      await tracker.client.launch(offers.offerIds, batch, { refuse_seconds: 0 });
    }
    await until(tracker, 'sleeping tasks running', () => ([...tracker.running.keys()].filter((k) => k.startsWith('mem-')).length >= MEMORY_TASKS ? true : undefined));
    await sleep(1000);
    const memoryHostPid = cluster.executorHostPid(0) as number;
    const pids = new Set([...processTree(agentPid), ...processTree(memoryHostPid)]);
    const totalKb = [...pids].reduce((sum, pid) => sum + rssKb(pid), 0);
    results.push({
      scenario: `${MEMORY_TASKS} sleep tasks running`, metric: 'agent memory per running task', unit: 'MB',
      median: (totalKb - idleAgentKb) / 1024 / MEMORY_TASKS, target: '<= 5',
      params: { tasks: MEMORY_TASKS, processes: pids.size, total_rss_mb: Math.round(totalKb / 1024), idle_agent_rss_mb: Math.round(idleAgentKb / 1024) },
    });
    await tracker.client.teardown().catch(() => undefined);
    tracker.client.close();
  } finally {
    await cluster.stop();
  }
  results.push({
    scenario: 'machine: create and reap `sh -c true`', metric: 'process creation ceiling', unit: 'processes/s', median: ceiling,
    params: { processes: Number(process.env.BENCH_CEILING_PROCESSES ?? 300), note: 'no cluster running; bounds any one-process-per-task launcher on this machine' },
  });
  report('launch', results);
}

await main();
