/**
 * Goal: the monitor attributes processes to executor runs as the file comment of monitor.ts says
 * (by session, through the sandbox the session's first process names, or by a custom executor's
 * pid), sums their CPU time and memory, and writes Mesos' ResourceStatistics and
 * `/monitor/statistics` entries; /proc's quirks (names with spaces and parentheses, zombies,
 * unreadable processes, kernel threads) do not throw it off.
 * Method: a fake /proc written under a temporary folder, read by the same code that reads the real
 * one; then one reading of the real /proc for this test's own process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentSnapshot, ExecutorSnapshot } from '../../../src/agent/agent-view.js';
import {
  environValues, measureRuns, monitorEntries, parseProcStat, parseVmRssBytes, resourceStatistics, runStatistics, type MeasuredRun,
} from '../../../src/agent/monitor.js';

let proc: string;

/** A /proc/<pid>/stat line: utime, stime, cutime, cstime in ticks. */
function statLine(pid: number, name: string, ppid: number, session: number, ticks: [number, number, number, number]): string {
  const [utime, stime, cutime, cstime] = ticks;
  return `${pid} (${name}) S ${ppid} ${session} ${session} 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 1000000 200 18446744073709551615\n`;
}

function fakeProcess(pid: number, fields: { name?: string; ppid?: number; session: number; ticks?: [number, number, number, number]; env?: Record<string, string>; rssKb?: number | null }): void {
  const dir = join(proc, String(pid));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stat'), statLine(pid, fields.name ?? 'sh', fields.ppid ?? 1, fields.session, fields.ticks ?? [0, 0, 0, 0]));
  if (fields.env) writeFileSync(join(dir, 'environ'), Object.entries(fields.env).map(([k, v]) => `${k}=${v}\0`).join(''));
  const rss = fields.rssKb === undefined ? 1000 : fields.rssKb;
  writeFileSync(join(dir, 'status'), `Name:\t${fields.name ?? 'sh'}\n${rss === null ? '' : `VmRSS:\t    ${rss} kB\n`}Threads:\t1\n`);
}

const SANDBOX_A = '/work/slaves/A/frameworks/F/executors/a/runs/1';
const SANDBOX_B = '/work/slaves/A/frameworks/F/executors/b/runs/2';
const SANDBOX_C = '/work/slaves/A/frameworks/F/executors/c/runs/3';
const SANDBOX_D = '/work/slaves/A/frameworks/F/executors/d/runs/4';

before(() => {
  proc = mkdtempSync(join(tmpdir(), 'meridian-proc-'));
  // Run a: one task session (leader 100, a child 101), and a second task whose leader exited (only 111 left).
  fakeProcess(100, { session: 100, ticks: [150, 50, 20, 10], env: { MESOS_SANDBOX: SANDBOX_A, PATH: '/bin' }, rssKb: 2000 });
  fakeProcess(101, { name: 'a (weird) name', ppid: 100, session: 100, ticks: [30, 0, 0, 0], rssKb: 500 });
  fakeProcess(111, { ppid: 1, session: 110, ticks: [0, 0, 0, 0], env: { MESOS_SANDBOX: `${SANDBOX_A}/tasks/t2` }, rssKb: 100 });
  // Run b: a custom executor (pid 200) whose environment says nothing; it is known by pid. A zombie child.
  fakeProcess(200, { session: 200, ticks: [10, 10, 0, 0], env: { HOME: '/root' }, rssKb: 3000 });
  fakeProcess(201, { ppid: 200, session: 200, ticks: [5, 5, 0, 0], rssKb: null });
  // Someone else's processes, a kernel thread, and a process whose environ cannot be read.
  fakeProcess(300, { session: 300, ticks: [999, 999, 0, 0], env: { MESOS_SANDBOX: '/elsewhere' } });
  fakeProcess(2, { name: 'kthreadd', ppid: 0, session: 0, ticks: [1, 1, 0, 0] });
  fakeProcess(400, { session: 400, ticks: [7, 7, 0, 0] });
  // Run d, in a container whose session leader is outside the PID namespace: /proc says session 0
  // for every process, so each stands alone. A kernel thread (child of kthreadd) is never a run's.
  fakeProcess(500, { session: 0, ticks: [40, 0, 0, 0], env: { MESOS_SANDBOX: SANDBOX_D }, rssKb: 700 });
  fakeProcess(501, { session: 0, ticks: [60, 0, 0, 0], env: { HOME: '/root' }, rssKb: 800 });
  fakeProcess(3, { name: 'kworker', ppid: 2, session: 0, ticks: [9, 9, 0, 0], env: { MESOS_SANDBOX: SANDBOX_D } });
  mkdirSync(join(proc, 'self'));
  writeFileSync(join(proc, 'version'), 'not a process');
});

after(() => rmSync(proc, { recursive: true, force: true }));

test('parseProcStat counts fields from the last parenthesis and adds waited-for children', () => {
  const stat = parseProcStat(statLine(101, 'a (weird) name', 100, 100, [30, 4, 2, 1]));
  assert.deepEqual(stat, { pid: 101, ppid: 100, session: 100, userTicks: 32, systemTicks: 5 });
  assert.equal(parseProcStat('garbage'), null);
  assert.equal(parseProcStat('12 (x) S 1'), null, 'a short line is no process');
});

test('parseVmRssBytes and environValues read what they name', () => {
  assert.equal(parseVmRssBytes('Name:\tsh\nVmRSS:\t    1234 kB\n'), 1234 * 1024);
  assert.equal(parseVmRssBytes('Name:\tzombie\nState:\tZ\n'), null);
  assert.deepEqual(environValues('A=1\0MESOS_SANDBOX=/x=y\0B=2\0MESOS_DIRECTORY=/d\0', ['MESOS_SANDBOX', 'MESOS_DIRECTORY']), ['/x=y', '/d']);
});

test('measureRuns attributes sessions to runs by sandbox or by executor pid, and sums them', async () => {
  const a: MeasuredRun = { directory: SANDBOX_A, pid: null };
  const b: MeasuredRun = { directory: SANDBOX_B, pid: 200 };
  const c: MeasuredRun = { directory: SANDBOX_C, pid: null };
  const usage = await measureRuns([a, b, c], proc);
  // a: user (150+20) + 30 + 0 = 200 ticks = 2 s; system 50+10 = 60 ticks; rss 2000+500+100 kB.
  assert.deepEqual(usage.get(a), { processes: 3, cpuUserSeconds: 2, cpuSystemSeconds: 0.6, rssBytes: 2600 * 1024 });
  // b: 15 + 15 ticks; the zombie has no memory.
  assert.deepEqual(usage.get(b), { processes: 2, cpuUserSeconds: 0.15, cpuSystemSeconds: 0.15, rssBytes: 3000 * 1024 });
  assert.equal(usage.get(c), undefined, 'a run with no processes is not measured');
  const d: MeasuredRun = { directory: SANDBOX_D, pid: null };
  assert.deepEqual((await measureRuns([d], proc)).get(d), { processes: 1, cpuUserSeconds: 0.4, cpuSystemSeconds: 0, rssBytes: 700 * 1024 }, 'session 0 ties no processes together');
  const byPid: MeasuredRun = { directory: '/nowhere', pid: 501 };
  assert.deepEqual((await measureRuns([byPid], proc)).get(byPid), { processes: 1, cpuUserSeconds: 0.6, cpuSystemSeconds: 0, rssBytes: 800 * 1024 }, 'a process in session 0 is found by its pid');
  assert.equal((await measureRuns([], proc)).size, 0);
  assert.equal((await measureRuns([a], join(proc, 'missing'))).size, 0, 'no /proc, no measurements');
});

test('resourceStatistics sets limits from what the run holds and usage when it was measured, keys sorted', () => {
  const resources = [
    { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } },
    { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.2 } },
    { name: 'mem', type: 'SCALAR' as const, scalar: { value: 64 } },
  ];
  const measured = resourceStatistics(resources, { processes: 1, cpuUserSeconds: 1.234, cpuSystemSeconds: 0.5, rssBytes: 4096 }, 1700000000.5);
  assert.deepEqual(measured, {
    cpus_limit: 0.3, cpus_system_time_secs: 0.5, cpus_user_time_secs: 1.23, mem_limit_bytes: 64 * 1024 * 1024, mem_rss_bytes: 4096, timestamp: 1700000000.5,
  });
  assert.deepEqual(Object.keys(measured), [...Object.keys(measured)].sort());
  assert.deepEqual(resourceStatistics([], undefined, 5), { timestamp: 5 });
});

function executor(id: string, directory: string, state: ExecutorSnapshot['state'], pid: number | null = null): ExecutorSnapshot {
  return {
    frameworkId: 'F', info: { executor_id: { value: id }, name: `executor ${id}`, source: id, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 32 } }] },
    containerId: directory.split('/').at(-1) as string, directory, state, hosted: pid === null, pid, tasks: [
      { launched: true, task: { name: 't', task_id: { value: `${id}-t` }, framework_id: { value: 'F' }, agent_id: { value: 'A' }, state: 'TASK_RUNNING', statuses: [], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }] } },
      { launched: true, task: { name: 'done', task_id: { value: `${id}-done` }, framework_id: { value: 'F' }, agent_id: { value: 'A' }, state: 'TASK_FINISHED', statuses: [], resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }] } },
    ],
    completedTasks: [],
  };
}

test('/monitor/statistics lists live runs only, with limits of their executor and live tasks', async () => {
  const snapshot: AgentSnapshot = {
    agentId: 'A', agentInfo: { hostname: 'h', port: 5051 }, ip: '127.0.0.1', workDir: '/work', version: '1.11.0', flags: {}, executorHostPid: null,
    frameworks: [{ info: { user: 'u', name: 'f', id: { value: 'F' } }, completedExecutors: [], executors: [executor('a', SANDBOX_A, 'running'), executor('b', SANDBOX_B, 'running', 200), executor('c', SANDBOX_C, 'terminated')] }],
    completedFrameworks: [],
  };
  const entries = monitorEntries(await runStatistics(snapshot, 42, proc)) as Array<{ executor_id: string; source: string; executor_name: string; statistics: Record<string, number> }>;
  assert.deepEqual(entries.map((e) => e.executor_id), ['a', 'b'], 'the terminated run is left out');
  const [a, b] = entries;
  assert.deepEqual(Object.keys(a as object), ['executor_id', 'executor_name', 'framework_id', 'source', 'statistics']);
  assert.equal(a?.executor_name, 'executor a');
  assert.equal(a?.statistics.cpus_limit, 0.5, 'the finished task no longer counts');
  assert.equal(a?.statistics.mem_limit_bytes, 32 * 1024 * 1024);
  assert.equal(a?.statistics.cpus_user_time_secs, 2);
  assert.equal(b?.statistics.mem_rss_bytes, 3000 * 1024);
  assert.equal(b?.statistics.timestamp, 42);
});

test('the real /proc: this process is found by its pid and measured, whatever its session', async () => {
  const self = { directory: '/nowhere', pid: process.pid };
  const usage = (await measureRuns([self])).get(self);
  assert.ok(usage, 'this process is measured');
  assert.ok(usage.rssBytes > 1024 * 1024, `rss ${usage.rssBytes}`);
  assert.ok(usage.cpuUserSeconds + usage.cpuSystemSeconds > 0);
});
