/**
 * Resource usage of executor runs, measured from /proc as Mesos' posix isolators measure it, for
 * `/monitor/statistics` and GET_CONTAINERS.
 *
 * Which processes belong to a run: every task process starts its own session (the executor host
 * and the fork server call setsid), and a custom executor is started detached, so each run is a
 * set of sessions. A session belongs to the run whose sandbox its first process names in
 * `MESOS_SANDBOX` or `MESOS_DIRECTORY` (the agent and the executors set both; tasks inherit
 * them), or whose custom executor leads it. Children stay in their parent's session, so what a
 * task forks is counted with it.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { isTerminalTaskState, type Resource } from '../api/mesos.js';
import type { ResourceStatisticsWire } from '../api/operator/agent-calls.js';
import { sendText } from '../common/http/mesos-http.js';
import { runResources, type AgentSnapshot, type ExecutorSnapshot } from './agent-view.js';
import { jsonpOf, sendJson } from './files.js';

/** /proc counts CPU time in USER_HZ, which Linux fixes at 100 for every architecture's userspace ABI. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Files read from /proc at once: enough to be quick, few enough not to flood the thread pool. */
const PROC_READS_IN_FLIGHT_MAX = 32;
const BYTES_PER_MB = 1024 * 1024;

/** One process as `/proc/<pid>/stat` describes it. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  session: number;
  /** CPU time in clock ticks, the process's own plus that of children it waited for. */
  userTicks: number;
  systemTicks: number;
}

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may hold spaces and
 * parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcessStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): ppid 4, session 6, utime 14, stime 15, cutime 16, cstime 17.
  const number = (field: number): number => Number(fields[field - 3]);
  const stat = {
    pid, ppid: number(4), session: number(6),
    userTicks: number(14) + number(16), systemTicks: number(15) + number(17),
  };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

/** `VmRSS` of `/proc/<pid>/status`, in bytes; null when the process has no memory (a zombie, a kernel thread). */
export function parseVmRssBytes(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** The values of the named variables in a `/proc/<pid>/environ` (NUL-separated `NAME=value`). */
export function environValues(environ: string, names: readonly string[]): string[] {
  const values: string[] = [];
  for (const entry of environ.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0 && names.includes(entry.slice(0, equals))) values.push(entry.slice(equals + 1));
  }
  return values;
}

async function mapLimited<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += PROC_READS_IN_FLIGHT_MAX) {
    results.push(...(await Promise.all(items.slice(start, start + PROC_READS_IN_FLIGHT_MAX).map(work))));
  }
  return results;
}

const readOrNull = (path: string, encoding: 'utf8' | 'latin1' = 'utf8'): Promise<string | null> => readFile(path, encoding).catch(() => null);

/** Every process `procDir` lists (processes that exit meanwhile are skipped). */
export async function readProcessTable(procDir = '/proc'): Promise<ProcessStat[]> {
  const pids = (await readdir(procDir).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  const stats = await mapLimited(pids, async (pid) => {
    const text = await readOrNull(`${procDir}/${pid}/stat`);
    return text === null ? null : parseProcStat(text);
  });
  return stats.filter((stat): stat is ProcessStat => stat !== null);
}

/** What was measured of one run's processes. */
export interface RunUsage {
  processes: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  rssBytes: number;
}

/** The runs to measure: their sandbox, and the custom executor's pid when there is one. */
export interface MeasuredRun {
  directory: string;
  pid: number | null;
}

/** Which run a session belongs to, from the sandbox its first process names (see the file comment). */
function runOfSandbox(values: readonly string[], runs: readonly MeasuredRun[]): MeasuredRun | undefined {
  for (const value of values) {
    const run = runs.find((candidate) => value === candidate.directory || value.startsWith(`${candidate.directory}/`));
    if (run) return run;
  }
  return undefined;
}

/**
 * Measures each run's processes. Runs whose processes are all gone (or whose /proc is not
 * readable) are absent from the answer.
 */
const KTHREADD_PID = 2;

export async function measureRuns(runs: readonly MeasuredRun[], procDir = '/proc'): Promise<Map<MeasuredRun, RunUsage>> {
  const usage = new Map<MeasuredRun, RunUsage>();
  if (runs.length === 0) return usage;
  const sessions = new Map<number, ProcessStat[]>();
  for (const stat of await readProcessTable(procDir)) {
    if (stat.pid === KTHREADD_PID || stat.ppid === KTHREADD_PID) continue; // Kernel threads.
    // Session 0 means the session's leader lives outside this PID namespace (a container started
    // us), so nothing ties these processes together: each stands alone, keyed apart from real ids.
    const key = stat.session === 0 ? -stat.pid : stat.session;
    const members = sessions.get(key);
    if (members) members.push(stat);
    else sessions.set(key, [stat]);
  }
  const owned = await mapLimited([...sessions.entries()], async ([session, members]) => {
    const byPid = runs.find((run) => run.pid !== null && members.some((member) => member.pid === run.pid));
    if (byPid) return { members, run: byPid };
    const first = members.find((member) => member.pid === session) ?? members.reduce((a, b) => (a.pid < b.pid ? a : b));
    const environ = await readOrNull(`${procDir}/${first.pid}/environ`, 'latin1');
    const run = environ === null ? undefined : runOfSandbox(environValues(environ, ['MESOS_SANDBOX', 'MESOS_DIRECTORY']), runs);
    return { members, run };
  });
  for (const { members, run } of owned) {
    if (!run) continue;
    const rss = await mapLimited(members, async (member) => parseVmRssBytes((await readOrNull(`${procDir}/${member.pid}/status`)) ?? '') ?? 0);
    const total = usage.get(run) ?? { processes: 0, cpuUserSeconds: 0, cpuSystemSeconds: 0, rssBytes: 0 };
    total.processes += members.length;
    total.cpuUserSeconds += members.reduce((sum, member) => sum + member.userTicks, 0) / CLOCK_TICKS_PER_SECOND;
    total.cpuSystemSeconds += members.reduce((sum, member) => sum + member.systemTicks, 0) / CLOCK_TICKS_PER_SECOND;
    total.rssBytes += rss.reduce((sum, bytes) => sum + bytes, 0);
    usage.set(run, total);
  }
  return usage;
}

function scalarTotal(resources: readonly Resource[], name: string): number | null {
  const matching = resources.filter((resource) => resource.name === name && resource.type === 'SCALAR');
  return matching.length === 0 ? null : matching.reduce((sum, resource) => sum + (resource.scalar?.value ?? 0), 0);
}

/**
 * A run's `ResourceStatistics`: the limits from what the run holds (executor and live tasks, as
 * Mesos sets a container's limits), the usage when its processes were measured. Keys sorted, as
 * Mesos writes them.
 */
export function resourceStatistics(resources: readonly Resource[], usage: RunUsage | undefined, nowSeconds: number): ResourceStatisticsWire {
  const cpus = scalarTotal(resources, 'cpus');
  const mem = scalarTotal(resources, 'mem');
  return {
    ...(cpus !== null ? { cpus_limit: Math.round(cpus * 1000) / 1000 } : {}),
    ...(usage ? { cpus_system_time_secs: round(usage.cpuSystemSeconds), cpus_user_time_secs: round(usage.cpuUserSeconds) } : {}),
    ...(mem !== null ? { mem_limit_bytes: Math.round(mem * BYTES_PER_MB) } : {}),
    ...(usage ? { mem_rss_bytes: usage.rssBytes } : {}),
    timestamp: nowSeconds,
  };
}

const round = (seconds: number): number => Math.round(seconds * 100) / 100;

/** The executor runs that still run, with what each holds. */
export function liveRuns(snapshot: AgentSnapshot): ExecutorSnapshot[] {
  return snapshot.frameworks.flatMap((framework) => framework.executors).filter((executor) => executor.state !== 'terminated');
}

/** Statistics of every live run, measured now. */
export async function runStatistics(snapshot: AgentSnapshot, nowSeconds: number, procDir = '/proc'): Promise<Map<ExecutorSnapshot, ResourceStatisticsWire>> {
  const runs = liveRuns(snapshot);
  const measured = runs.map((executor) => ({ directory: executor.directory, pid: executor.pid }));
  const usage = await measureRuns(measured, procDir);
  const statistics = new Map<ExecutorSnapshot, ResourceStatisticsWire>();
  runs.forEach((executor, index) => {
    const resources = runResources(executor, (task) => isTerminalTaskState(task.state));
    statistics.set(executor, resourceStatistics(resources, usage.get(measured[index] as MeasuredRun), nowSeconds));
  });
  return statistics;
}

/** `/monitor/statistics`: one entry per live executor run, keys as Mesos writes them. */
export function monitorEntries(statistics: ReadonlyMap<ExecutorSnapshot, ResourceStatisticsWire>): unknown[] {
  return [...statistics.entries()].map(([executor, stats]) => ({
    executor_id: executor.info.executor_id.value,
    executor_name: executor.info.name ?? '',
    framework_id: executor.frameworkId,
    source: executor.info.source ?? '',
    statistics: stats,
  }));
}

/** Registers `/monitor/statistics` and its `.json` name. */
export function registerMonitorRoutes(app: FastifyInstance, snapshot: () => AgentSnapshot): void {
  for (const path of ['/monitor/statistics', '/monitor/statistics.json']) {
    app.get(path, async (request, reply) => {
      const jsonp = jsonpOf(request.query as Record<string, string | string[] | undefined>);
      if (!jsonp.ok) return sendText(reply, 400, jsonp.message);
      const statistics = await runStatistics(snapshot(), Date.now() / 1000);
      return sendJson(reply, monitorEntries(statistics), jsonp.value);
    });
  }
}
