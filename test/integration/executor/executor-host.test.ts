/**
 * Goal: the executor host, run as a real process, behaves as Mesos' command and default
 * executors do towards a real agent: status streams per task, kill policies, task-group failure
 * semantics, resubscription with unacknowledged updates after the agent drops the stream, the
 * control link's reconnect and SHUTDOWN, and the recovery timeout.
 *
 * Method: a fake agent (node:http, RecordIO streams) in this process; the host is spawned from
 * dist/ with its settings in the environment; tasks are real shell commands in temp sandboxes.
 * Every wait is bounded; the host is stopped by PID afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandInfo, KillPolicy, TaskInfo } from '../../../src/api/mesos.js';
import { FakeAgent, waitFor, type RecordedUpdate } from './fake-agent.js';

const HOST_MAIN = fileURLToPath(new URL('../../../src/executor/host-main.js', import.meta.url));
const FRAMEWORK_ID = 'framework-1';

interface HostProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  logPath: string;
}

function startHost(agent: FakeAgent, root: string, recoveryTimeoutMs: number): HostProcess {
  const logPath = path.join(root, 'host.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [HOST_MAIN], {
    env: {
      ...process.env,
      MERIDIAN_AGENT_ENDPOINT: agent.endpoint,
      MERIDIAN_HOST_ID: 'host-1',
      MERIDIAN_RECOVERY_TIMEOUT_MS: String(recoveryTimeoutMs),
      MERIDIAN_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'ignore', logFd],
  });
  fs.closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, logPath };
}

/** SIGTERM (the host kills its tasks), then SIGKILL if it is still there after 5 s. */
async function stopHost(host: HostProcess | undefined): Promise<void> {
  if (host === undefined || host.child.exitCode !== null || host.child.signalCode !== null) return;
  const pid = host.child.pid as number;
  process.kill(pid, 'SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([host.exited, timeout])) === 'timeout') process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it is dead for our purposes.
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const task = (id: string, command: CommandInfo, killPolicy?: KillPolicy): TaskInfo => ({
  name: id,
  task_id: { value: id },
  agent_id: { value: 'agent-1' },
  command,
  ...(killPolicy !== undefined ? { kill_policy: killPolicy } : {}),
});

const graceMs = (ms: number): KillPolicy => ({ grace_period: { nanoseconds: ms * 1e6 } });

function sendLaunchExecutor(agent: FakeAgent, executorId: string, kind: 'command' | 'default', sandbox: string, checkpoint = '1'): void {
  agent.sendToHost({
    type: 'LAUNCH_EXECUTOR',
    launch_executor: {
      framework_id: { value: FRAMEWORK_ID },
      executor_id: { value: executorId },
      container_id: { value: `container-${executorId}` },
      kind,
      directory: sandbox,
      environment: {
        MESOS_FRAMEWORK_ID: FRAMEWORK_ID,
        MESOS_EXECUTOR_ID: executorId,
        MESOS_AGENT_ENDPOINT: agent.endpoint,
        MESOS_DIRECTORY: sandbox,
        MESOS_SANDBOX: sandbox,
        MESOS_CHECKPOINT: checkpoint,
      },
      shutdown_grace_period_ms: 2_000,
    },
  });
}

/** Starts an executor on the host and waits for it to subscribe. Returns its sandbox. */
async function launchExecutor(agent: FakeAgent, root: string, executorId: string, kind: 'command' | 'default', checkpoint = '1'): Promise<string> {
  const sandbox = path.join(root, executorId);
  fs.mkdirSync(sandbox);
  sendLaunchExecutor(agent, executorId, kind, sandbox, checkpoint);
  await waitFor(`${executorId} to subscribe`, () => agent.hasExecutorStream(executorId));
  return sandbox;
}

async function runCommandTask(agent: FakeAgent, root: string, executorId: string, info: TaskInfo): Promise<string> {
  const sandbox = await launchExecutor(agent, root, executorId, 'command');
  agent.sendToExecutor(executorId, { type: 'LAUNCH', launch: { task: info } });
  return sandbox;
}

function terminalUpdate(agent: FakeAgent, executorId: string, taskId: string, timeoutMs = 5_000): Promise<RecordedUpdate> {
  const terminal = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED']);
  return waitFor(`a terminal update of ${taskId}`, () => agent.updatesOf(executorId, taskId).find((u) => terminal.has(u.status.state)), timeoutMs);
}

const states = (agent: FakeAgent, executorId: string, taskId: string): string[] =>
  agent.updatesOf(executorId, taskId).map((u) => u.status.state);

describe('executor host', () => {
  let root: string;
  let agent: FakeAgent;
  let host: HostProcess | undefined;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-executor-host-'));
    agent = new FakeAgent();
    await agent.listen();
    host = startHost(agent, root, 60_000);
    await waitFor('the host to subscribe', () => agent.hostSubscribes.length > 0, 10_000);
  });

  after(async () => {
    await stopHost(host);
    await agent.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('subscribes with its host id and pid', () => {
    assert.deepEqual(agent.hostSubscribes[0], { host_id: 'host-1', pid: host?.child.pid });
  });

  test('a command task runs to TASK_FINISHED and writes stdout to the sandbox', async () => {
    const sandbox = await runCommandTask(agent, root, 'echo', task('echo-task', { value: 'echo hi; echo "$MESOS_TASK_ID $GREETING" >&2', environment: { variables: [{ name: 'GREETING', value: 'hello' }] } }));
    const finished = await terminalUpdate(agent, 'echo', 'echo-task');
    assert.equal(finished.status.state, 'TASK_FINISHED');
    assert.equal(finished.status.message, 'Command exited with status 0');
    assert.equal(finished.status.source, 'SOURCE_EXECUTOR');
    assert.deepEqual(finished.status.executor_id, { value: 'echo' });
    assert.equal(Buffer.from(finished.status.uuid, 'base64').length, 16);
    assert.ok(Math.abs((finished.status.timestamp as number) - Date.now() / 1000) < 60, 'timestamp is in seconds');
    assert.deepEqual(states(agent, 'echo', 'echo-task'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    assert.equal(fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8'), 'hi\n');
    assert.equal(fs.readFileSync(path.join(sandbox, 'stderr'), 'utf8'), 'echo-task hello\n');
    const report = await waitFor('EXECUTOR_EXITED for echo', () => agent.exitedOf('echo'));
    assert.equal(report.host_id, 'host-1');
    assert.equal(report.executor_exited.status, 0);
    assert.deepEqual(report.executor_exited.container_id, { value: 'container-echo' });
  });

  test('a command that exits 3 ends in TASK_FAILED', async () => {
    await runCommandTask(agent, root, 'exit3', task('exit3-task', { value: 'exit 3' }));
    const failed = await terminalUpdate(agent, 'exit3', 'exit3-task');
    assert.equal(failed.status.state, 'TASK_FAILED');
    assert.equal(failed.status.message, 'Command exited with status 3');
    await waitFor('EXECUTOR_EXITED for exit3', () => agent.exitedOf('exit3'));
  });

  test('shell: false runs the program with arguments as argv, and a missing program fails the launch', async () => {
    // argv[0] shows in /proc/<pid>/cmdline; in `sh -c`, $0 and $1 are the arguments after the script.
    const script = 'tr "\\0" " " < /proc/$$/cmdline; echo; echo "$0 $1"';
    const sandbox = await runCommandTask(agent, root, 'argv', task('argv-task', { shell: false, value: '/bin/sh', arguments: ['my-sh', '-c', script, 'zero', 'one'] }));
    assert.equal((await terminalUpdate(agent, 'argv', 'argv-task')).status.state, 'TASK_FINISHED');
    const [cmdline, positional] = fs.readFileSync(path.join(sandbox, 'stdout'), 'utf8').split('\n');
    assert.match(cmdline ?? '', /^my-sh -c /);
    assert.equal(positional, 'zero one');

    await runCommandTask(agent, root, 'missing', task('missing-task', { shell: false, value: '/no/such/program' }));
    const failed = await terminalUpdate(agent, 'missing', 'missing-task');
    assert.equal(failed.status.state, 'TASK_FAILED');
    assert.equal(failed.status.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
    assert.match(failed.status.message ?? '', /ENOENT|No such file/);
    // As in Mesos, the process may already have been reported RUNNING when its exec fails.
    const seen = states(agent, 'missing', 'missing-task');
    assert.equal(seen[0], 'TASK_STARTING');
    assert.equal(seen.at(-1), 'TASK_FAILED');
  });

  test('KILL stops a sleeping task with TASK_KILLED within the grace period', async () => {
    await runCommandTask(agent, root, 'sleep', task('sleep-task', { value: 'sleep 60' }));
    await waitFor('TASK_RUNNING', () => states(agent, 'sleep', 'sleep-task').includes('TASK_RUNNING'));
    agent.sendToExecutor('sleep', { type: 'KILL', kill: { task_id: { value: 'sleep-task' }, kill_policy: graceMs(3_000) } });
    const killed = await terminalUpdate(agent, 'sleep', 'sleep-task');
    assert.equal(killed.status.state, 'TASK_KILLED');
    // SIGTERM was enough: had the grace period run out, the signal would be SIGKILL.
    assert.equal(killed.status.message, 'Command terminated with signal SIGTERM');
    assert.equal(killed.status.reason, undefined);
    await waitFor('EXECUTOR_EXITED for sleep', () => agent.exitedOf('sleep'));
  });

  test('a task that ignores SIGTERM is SIGKILLed when its kill policy grace period ends', async () => {
    await runCommandTask(agent, root, 'stubborn', task('stubborn-task', { value: 'trap "" TERM; sleep 60' }, graceMs(500)));
    await waitFor('TASK_RUNNING', () => states(agent, 'stubborn', 'stubborn-task').includes('TASK_RUNNING'));
    // RUNNING is sent once the process exists; give the shell a moment to install its trap.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    agent.sendToExecutor('stubborn', { type: 'KILL', kill: { task_id: { value: 'stubborn-task' } } });
    const killed = await terminalUpdate(agent, 'stubborn', 'stubborn-task');
    const tookMs = Date.now() - killedAt;
    // Not before the grace period ends; the upper bound only catches a hang (the machine may be busy).
    assert.ok(tookMs >= 450 && tookMs < 15_000, `killed after ${tookMs} ms, grace period 500 ms`);
    assert.equal(killed.status.state, 'TASK_KILLED');
    assert.equal(killed.status.message, 'Command terminated with signal SIGKILL');
  });

  test('a failing task of a group kills the rest of the group', async () => {
    const sandbox = await launchExecutor(agent, root, 'group', 'default');
    agent.sendToExecutor('group', {
      type: 'LAUNCH_GROUP',
      launch_group: { task_group: { tasks: [task('g-fail', { value: 'echo failing; sleep 0.3; exit 1' }), task('g-long', { value: 'echo long; sleep 60' })] } },
    });
    const failed = await terminalUpdate(agent, 'group', 'g-fail');
    assert.equal(failed.status.state, 'TASK_FAILED');
    assert.equal(failed.status.message, 'Command exited with status 1');
    const killed = await terminalUpdate(agent, 'group', 'g-long');
    assert.equal(killed.status.state, 'TASK_KILLED');
    assert.deepEqual(states(agent, 'group', 'g-long'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
    assert.equal(fs.readFileSync(path.join(sandbox, 'tasks', 'g-fail', 'stdout'), 'utf8'), 'failing\n');
    assert.equal(fs.readFileSync(path.join(sandbox, 'tasks', 'g-long', 'stdout'), 'utf8'), 'long\n');
    const report = await waitFor('EXECUTOR_EXITED for group', () => agent.exitedOf('group'));
    assert.equal(report.executor_exited.status, 0);
  });

  test('a KILL of one task kills its whole group; a later group on the same executor runs on', async () => {
    await launchExecutor(agent, root, 'group2', 'default');
    agent.sendToExecutor('group2', {
      type: 'LAUNCH_GROUP',
      launch_group: { task_group: { tasks: [task('a', { value: 'sleep 60' }), task('b', { value: 'sleep 60' })] } },
    });
    agent.sendToExecutor('group2', { type: 'LAUNCH_GROUP', launch_group: { task_group: { tasks: [task('c', { value: 'sleep 0.5' })] } } });
    await waitFor('a and b running', () => states(agent, 'group2', 'a').includes('TASK_RUNNING') && states(agent, 'group2', 'b').includes('TASK_RUNNING'));
    agent.sendToExecutor('group2', { type: 'KILL', kill: { task_id: { value: 'a' } } });
    assert.equal((await terminalUpdate(agent, 'group2', 'a')).status.state, 'TASK_KILLED');
    assert.equal((await terminalUpdate(agent, 'group2', 'b')).status.state, 'TASK_KILLED');
    assert.equal((await terminalUpdate(agent, 'group2', 'c')).status.state, 'TASK_FINISHED');
    await waitFor('EXECUTOR_EXITED for group2', () => agent.exitedOf('group2'));
  });

  test('after the agent drops its stream, the executor resubscribes with its unacknowledged tasks and updates', async () => {
    agent.withholdAcks.add('resub');
    await runCommandTask(agent, root, 'resub', task('resub-task', { value: 'echo once' }));
    await terminalUpdate(agent, 'resub', 'resub-task');
    const sent = agent.updatesOf('resub');
    assert.deepEqual(sent.map((u) => u.status.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    const subscribesBefore = agent.executorSubscribes.filter((s) => s.executorId === 'resub').length;

    agent.closeExecutorStream('resub');
    const resubscribe = await waitFor('a resubscription', () =>
      agent.executorSubscribes.filter((s) => s.executorId === 'resub')[subscribesBefore]);
    assert.deepEqual(resubscribe.unacknowledgedTasks.map((t) => t.task_id.value), ['resub-task']);
    assert.deepEqual(resubscribe.unacknowledgedUpdates.map((u) => u.status.uuid), sent.map((u) => u.status.uuid));
    assert.deepEqual(resubscribe.unacknowledgedUpdates.map((u) => u.status.state), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(agent.updatesOf('resub').length, 3, 'the updates ride on SUBSCRIBE, not on new UPDATE calls');
    assert.equal(agent.exitedOf('resub'), undefined, 'the executor waits for its acknowledgements');

    for (const update of sent) agent.acknowledge('resub', update.status);
    const report = await waitFor('EXECUTOR_EXITED for resub', () => agent.exitedOf('resub'));
    assert.equal(report.executor_exited.status, 0);
  });

  test("the agent's SHUTDOWN kills an executor's tasks, sends TASK_KILLED, and ends the executor", async () => {
    await launchExecutor(agent, root, 'shut', 'default');
    agent.sendToExecutor('shut', {
      type: 'LAUNCH_GROUP',
      launch_group: { task_group: { tasks: [task('s1', { value: 'sleep 60' }), task('s2', { value: 'sleep 60' })] } },
    });
    await waitFor('s1 and s2 running', () => states(agent, 'shut', 's1').includes('TASK_RUNNING') && states(agent, 'shut', 's2').includes('TASK_RUNNING'));
    agent.sendToExecutor('shut', { type: 'SHUTDOWN' });
    assert.equal((await terminalUpdate(agent, 'shut', 's1')).status.state, 'TASK_KILLED');
    assert.equal((await terminalUpdate(agent, 'shut', 's2')).status.state, 'TASK_KILLED');
    const report = await waitFor('EXECUTOR_EXITED for shut', () => agent.exitedOf('shut'));
    assert.equal(report.executor_exited.status, 0);
    assert.equal(report.executor_exited.message, 'Executor shut down');
  });

  test('an executor of a framework that does not checkpoint shuts down when it loses the agent', async () => {
    await launchExecutor(agent, root, 'nocheckpoint', 'command', '0');
    agent.sendToExecutor('nocheckpoint', { type: 'LAUNCH', launch: { task: task('nc-task', { value: 'sleep 60' }) } });
    await waitFor('TASK_RUNNING', () => states(agent, 'nocheckpoint', 'nc-task').includes('TASK_RUNNING'));
    agent.closeExecutorStream('nocheckpoint');
    // The executor kills its task at once; the TASK_KILLED reaches the agent on the resubscription
    // (acknowledged here by hand) or, if made while that was in flight, as an UPDATE (acknowledged by the fake).
    let acknowledged = false;
    const report = await waitFor('EXECUTOR_EXITED for nocheckpoint', () => {
      const carried = agent.executorSubscribes
        .filter((s) => s.executorId === 'nocheckpoint')
        .flatMap((s) => s.unacknowledgedUpdates)
        .find((u) => u.status.state === 'TASK_KILLED');
      if (carried !== undefined && !acknowledged && agent.hasExecutorStream('nocheckpoint')) {
        agent.acknowledge('nocheckpoint', carried.status);
        acknowledged = true;
      }
      return agent.exitedOf('nocheckpoint');
    });
    assert.equal(report.executor_exited.status, 0);
    const sawKilled = acknowledged || states(agent, 'nocheckpoint', 'nc-task').includes('TASK_KILLED');
    assert.ok(sawKilled, 'the agent got TASK_KILLED');
  });

  test('a launch the host cannot carry out is reported as an executor that exited with status 1', async () => {
    sendLaunchExecutor(agent, 'relative', 'command', 'relative/sandbox');
    const report = await waitFor('EXECUTOR_EXITED for relative', () => agent.exitedOf('relative'));
    assert.equal(report.executor_exited.status, 1);
    assert.match(report.executor_exited.message ?? '', /not an absolute path/);
  });

  test('the control link reconnects; SHUTDOWN kills the tasks, reports, and ends the host', async () => {
    agent.closeHostStream();
    await waitFor('the host to resubscribe', () => agent.hostSubscribes.length >= 2);
    await runCommandTask(agent, root, 'last', task('last-task', { value: 'sleep 60' }, graceMs(1_000)));
    await waitFor('TASK_RUNNING', () => states(agent, 'last', 'last-task').includes('TASK_RUNNING'));

    agent.sendToHost({ type: 'SHUTDOWN' });
    const killed = await terminalUpdate(agent, 'last', 'last-task');
    assert.equal(killed.status.state, 'TASK_KILLED');
    const report = await waitFor('EXECUTOR_EXITED for last', () => agent.exitedOf('last'));
    assert.equal(report.executor_exited.status, 0);
    const code = await Promise.race([host?.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref())]);
    assert.equal(code, 0);
  });
});

describe('executor host without its agent', () => {
  let root: string;
  let agent: FakeAgent;
  let host: HostProcess | undefined;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-executor-host-'));
    agent = new FakeAgent();
    await agent.listen();
    host = startHost(agent, root, 1_500);
    await waitFor('the host to subscribe', () => agent.hostSubscribes.length > 0, 10_000);
  });

  after(async () => {
    await stopHost(host);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('kills every task and exits once the agent has been away for the recovery timeout', async () => {
    const sandbox = await runCommandTask(agent, root, 'orphan', task('orphan-task', { value: 'echo $$ > task.pid; exec sleep 60' }));
    await waitFor('TASK_RUNNING', () => states(agent, 'orphan', 'orphan-task').includes('TASK_RUNNING'));
    const pidFile = path.join(sandbox, 'task.pid');
    const pid = await waitFor('the task pid', () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8').trim()));
    assert.ok(isAlive(pid));

    await agent.close();
    const code = await Promise.race([host?.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref())]);
    assert.equal(code, 1);
    await waitFor('the task to be dead', () => !isAlive(pid), 2_000);
  });
});
