/**
 * Goal: the operator CLI works against a real cluster — `meridian agents|frameworks|tasks|roles`
 * list the right rows (and `--json` parses to the same), `logs` prints a task's stdout and
 * stderr (whole, or the last lines of a file larger than one read), `logs --follow` prints as
 * the task writes and ends when the task ends (Ctrl-C ends it with 130), `top --once` prints a
 * frame; a standby's 307 is followed to the leader; bad flags exit 2 naming the flag, an
 * unreachable master or an unknown task exit 1 with one line, a sandbox that is gone is said so.
 * Method: a master and two agents as processes (TestCluster), tasks launched by the test
 * framework, then `bin/meridian.js` run as a child process for every check, each bounded in
 * time; a small HTTP server on 127.0.0.1 plays a standby that redirects to the master.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

const CLI = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));
/** A CLI run that takes longer than this has hung (the machine may be busy: start-up alone can take seconds). */
const CLI_TIMEOUT_MS = 60_000;
const BIG_LINES = 20_000;

let cluster: TestCluster;
let framework: TestFramework;
let releaseFile: string;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `meridian` child: its output so far, and its end. */
function startCli(args: string[], timeoutMs = CLI_TIMEOUT_MS) {
  const env = { ...process.env };
  delete env.MERIDIAN_MASTER; // Every run names its master, or none on purpose.
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = { stdout: '', stderr: '' };
  // Decoded as a stream: a pipe read can end inside a character, and decoding each read alone
  // would turn its halves into two replacement characters.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.on('data', (chunk: string) => (output.stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const ended = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...output });
    });
  });
  return { child, output, ended };
}

const meridian = (...args: string[]): Promise<CliResult> => startCli(args).ended;
const masterFlag = () => `--master=${cluster.masterAddress}`;

/** Lines of a table split into cells (two or more spaces apart). */
const cells = (line: string): string[] => line.trim().split(/ {2,}/);

function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

before(async () => {
  cluster = await new TestCluster({ agents: 2 }).start();
  releaseFile = join(cluster.root, 'release-follow');
  framework = await new TestFramework(cluster.masterAddress, 'cli-views-test').start();
  framework.launch(
    { id: 'cli-sleeper', command: 'echo started; sleep 600', cpus: 0.5, mem: 64 },
    { id: 'cli-echo', command: "printf 'hello from stdout\\n'; printf 'hello from stderr\\n' >&2" },
    { id: 'cli-big', command: `i=1; while [ $i -le ${BIG_LINES} ]; do echo "line $i ✓ é"; i=$((i+1)); done` },
    { id: 'cli-doomed', command: 'echo soon gone' },
  );
  await framework.waitForState('cli-sleeper', ['TASK_RUNNING']);
  for (const id of ['cli-echo', 'cli-big', 'cli-doomed']) await framework.waitForState(id, ['TASK_FINISHED']);
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

test('agents: one row per agent with its resources and live tasks; --json has the same rows', async () => {
  const slaves = await cluster.slaves();
  const result = await meridian('agents', masterFlag());
  assert.equal(result.code, 0, result.stderr);
  const [heading, ...rows] = result.stdout.trimEnd().split('\n');
  assert.deepEqual(cells(heading as string), ['ID', 'HOSTNAME', 'ACTIVE', 'CPUS', 'MEM', 'DISK', 'TASKS']);
  assert.deepEqual(rows.map((row) => cells(row)[0]).sort(), slaves.map((slave) => slave.id).sort());
  for (const row of rows) assert.match(row, /^\S+ +127\.0\.0\.1 +yes +[\d.]+\/4 +(?:0|[\d.]+ [MG]B)\/4 GB +0\/4 GB +\d+$/);

  const json = JSON.parse((await meridian('agents', masterFlag(), '--json')).stdout) as Array<{ id: string; tasks: number; total: Record<string, number>; used: Record<string, number> }>;
  assert.deepEqual(json.map((agent) => agent.id).sort(), slaves.map((slave) => slave.id).sort());
  // Only the sleeper is live: 0.5 cpus and 64 MB on one agent.
  assert.equal(json.reduce((sum, agent) => sum + agent.tasks, 0), 1);
  assert.equal(json.reduce((sum, agent) => sum + (agent.used.cpus ?? 0), 0), 0.5);
  assert.deepEqual(json[0]?.total, { cpus: 4, mem: 4096, disk: 4096 });
});

test('frameworks: the test framework with its role, live tasks and what they use', async () => {
  const result = await meridian('frameworks', masterFlag());
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.deepEqual(cells(lines[0] as string), ['ID', 'NAME', 'ROLES', 'ACTIVE', 'TASKS', 'CPUS', 'MEM']);
  assert.deepEqual(cells(lines.find((line) => line.startsWith(framework.frameworkId)) as string), [framework.frameworkId, 'cli-views-test', '*', 'yes', '1', '0.5', '64 MB']);
  const json = JSON.parse((await meridian('frameworks', masterFlag(), '--json')).stdout) as Array<Record<string, unknown>>;
  // What is offered to it at this moment depends on the allocator's timing: left out of the comparison.
  const { offered: _offered, ...row } = json.find((entry) => entry.id === framework.frameworkId) ?? {};
  assert.deepEqual(row, { id: framework.frameworkId, name: 'cli-views-test', roles: ['*'], active: true, completed: false, tasks: 1, used: { cpus: 0.5, mem: 64 } });
});

test('tasks: live by default; --state, --framework and --agent filter; --json parses', async () => {
  const live = await meridian('tasks', masterFlag());
  assert.equal(live.code, 0, live.stderr);
  const [heading, ...rows] = live.stdout.trimEnd().split('\n');
  assert.deepEqual(cells(heading as string), ['ID', 'NAME', 'STATE', 'FRAMEWORK', 'AGENT', 'CPUS', 'MEM']);
  const sleeper = rows.find((row) => row.startsWith('cli-sleeper'));
  assert.ok(sleeper, live.stdout);
  assert.match(sleeper, /^cli-sleeper +cli-sleeper +TASK_RUNNING +cli-views-test +127\.0\.0\.1:\d+ +0\.5 +64 MB$/);
  assert.ok(!rows.some((row) => row.startsWith('cli-echo')), 'finished tasks are left out by default');

  const finished = await meridian('tasks', masterFlag(), '--state', 'finished', '--framework', 'cli-views-test');
  assert.equal(finished.code, 0, finished.stderr);
  assert.deepEqual(finished.stdout.trimEnd().split('\n').slice(1).map((row) => cells(row)[0]), ['cli-big', 'cli-doomed', 'cli-echo']);

  const agentAddress = (cells(sleeper)[4] as string);
  const onAgent = await meridian('tasks', masterFlag(), '--agent', agentAddress, '--wide');
  assert.equal(onAgent.code, 0, onAgent.stderr);
  assert.match(onAgent.stdout.split('\n')[0] as string, /FRAMEWORK_ID +AGENT_ID$/);
  assert.ok(onAgent.stdout.includes(`cli-sleeper`) && onAgent.stdout.includes(framework.frameworkId));

  const json = JSON.parse((await meridian('tasks', masterFlag(), '--all', '--json')).stdout) as Array<{ id: string; state: string; framework_id: string; resources: Record<string, number> }>;
  assert.deepEqual(json.map((task) => [task.id, task.state]), [
    ['cli-big', 'TASK_FINISHED'], ['cli-doomed', 'TASK_FINISHED'], ['cli-echo', 'TASK_FINISHED'], ['cli-sleeper', 'TASK_RUNNING'],
  ]);
  assert.deepEqual(json[3]?.resources, { cpus: 0.5, mem: 64 });

  assertOneLineError(await meridian('tasks', masterFlag(), '--framework', 'no-such-framework'), 1, /^meridian tasks: --framework: no framework has the id or name 'no-such-framework'\n$/);
});

test('roles: weights, frameworks, allocation and quota limits set through the Operator API', async () => {
  const call = (body: unknown) => request(cluster.masterEndpoint(), 'POST', '/api/v1', JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/json' });
  assert.equal((await call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'ops', weight: 2.5 }] } })).status, 200);
  const quota = await call({ type: 'UPDATE_QUOTA', update_quota: { force: true, quota_configs: [{ role: 'ops', limits: { cpus: { value: 2 }, mem: { value: 1024 } } }] } });
  assert.equal(quota.status, 200, quota.body);
  const result = await meridian('roles', masterFlag());
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  assert.deepEqual(cells(lines[0] as string), ['ROLE', 'WEIGHT', 'FRAMEWORKS', 'CPUS', 'MEM', 'QUOTA LIMIT']);
  assert.deepEqual(cells(lines.find((line) => line.startsWith('*')) as string), ['*', '1', '1', '0.5', '64 MB', '-']);
  assert.deepEqual(cells(lines.find((line) => line.startsWith('ops')) as string), ['ops', '2.5', '0', '0', '0', 'cpus 2, mem 1 GB']);
  const json = JSON.parse((await meridian('roles', masterFlag(), '--json')).stdout) as Array<{ role: string; quota: unknown }>;
  assert.deepEqual(json.find((row) => row.role === 'ops')?.quota, { limits: { cpus: 2, mem: 1024 }, guarantees: {} });
});

test('logs: stdout and stderr of a finished task, read from its sandbox through the master', async () => {
  const stdout = await meridian('logs', 'cli-echo', masterFlag());
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.equal(stdout.stdout, 'hello from stdout\n');
  const stderr = await meridian('logs', '--stderr', 'cli-echo', masterFlag());
  assert.equal(stderr.code, 0, stderr.stderr);
  assert.equal(stderr.stdout, 'hello from stderr\n');
});

test('logs: a file larger than one read is printed whole and in order; --tail N starts at the N-th last line', async () => {
  const expected = Array.from({ length: BIG_LINES }, (_, i) => `line ${i + 1} ✓ é\n`).join('');
  assert.ok(Buffer.byteLength(expected) > 4 * 64 * 1024, 'spans several reads');
  const whole = await meridian('logs', 'cli-big', masterFlag());
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(whole.stdout, expected);
  const tail = await meridian('logs', 'cli-big', '--tail', '3', masterFlag());
  assert.equal(tail.code, 0, tail.stderr);
  assert.equal(tail.stdout, `line ${BIG_LINES - 2} ✓ é\nline ${BIG_LINES - 1} ✓ é\nline ${BIG_LINES} ✓ é\n`);
  const none = await meridian('logs', 'cli-big', '--tail', '0', masterFlag());
  assert.equal(none.stdout, '');
});

test('logs --follow prints as the task writes and ends when the task ends', async () => {
  framework.launch({ id: 'cli-follow', command: `echo first; while [ ! -e '${releaseFile}' ]; do sleep 0.1; done; echo last` });
  await framework.waitForState('cli-follow', ['TASK_RUNNING']);
  const following = startCli(['logs', 'cli-follow', '--follow', masterFlag()]);
  await waitFor('the first line through --follow', () => (following.output.stdout.includes('first\n') ? true : undefined), 30_000);
  assert.equal(following.child.exitCode, null, 'still following while the task runs');
  writeFileSync(releaseFile, '');
  await framework.waitForState('cli-follow', ['TASK_FINISHED']);
  const result = await following.ended;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'first\nlast\n');
});

test('logs --follow stops cleanly on Ctrl-C with 130', async () => {
  const following = startCli(['logs', 'cli-sleeper', '--follow', masterFlag()]);
  await waitFor('the sleeper\'s output', () => (following.output.stdout.includes('started\n') ? true : undefined), 30_000);
  following.child.kill('SIGINT');
  const result = await following.ended;
  assert.equal(result.code, 130, result.stderr);
  assert.equal(result.stderr, '');
});

test('logs: an unknown task, and a task whose sandbox is gone, are one-line errors with exit 1', async () => {
  assertOneLineError(await meridian('logs', 'no-such-task', masterFlag()), 1, /^meridian logs: no task no-such-task is known to the master/);
  const runs = findRunDirectories(cluster.root, 'cli-doomed');
  assert.equal(runs.length, 1, 'one sandbox of cli-doomed');
  rmSync(runs[0] as string, { recursive: true, force: true });
  assertOneLineError(await meridian('logs', 'cli-doomed', masterFlag()), 1, /^meridian logs: task cli-doomed has no stdout on agent \S+: it ended \(TASK_FINISHED\) and its sandbox is gone; the agent says: .+\n$/);
});

test('top --once (and any top whose stdout is not a terminal) prints one frame', async () => {
  for (const args of [['top', '--once'], ['top']]) {
    const result = await meridian(...args, masterFlag());
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0] as string, /^meridian top · 127\.0\.0\.1:\d+ · \d\d:\d\d:\d\d · every 2s$/);
    assert.equal(lines[1], '2 agents (2 active) · 1 framework');
    assert.deepEqual(cells(lines.find((line) => line.startsWith('cpus')) as string).slice(0, 3), ['cpus', '8', '0.5']);
    assert.match(lines.find((line) => line.startsWith('TASKS')) as string, /running 1 /);
    assert.match(lines.find((line) => line.startsWith('ENDED')) as string, /finished [3-9]/);
    assert.match(lines.find((line) => line.startsWith(framework.frameworkId)) as string, / cli-views-test +\* +6% +cpus +0\.5 +64 MB +0$/);
    assert.doesNotMatch(result.stdout, /\x1b/);
  }
});

test('a standby\'s 307 is followed to the leader', async () => {
  const standby = http.createServer((req, res) => res.writeHead(307, { location: `//${cluster.masterAddress}${req.url ?? '/'}` }).end());
  await new Promise<void>((resolve) => standby.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = standby.address() as AddressInfo;
    const direct = await meridian('tasks', masterFlag());
    const redirected = await meridian('tasks', `--master=127.0.0.1:${port}`);
    assert.equal(redirected.code, 0, redirected.stderr);
    assert.equal(redirected.stdout, direct.stdout);
    const logs = await meridian('logs', 'cli-echo', `--master=127.0.0.1:${port}`);
    assert.equal(logs.stdout, 'hello from stdout\n');
  } finally {
    standby.closeAllConnections();
    await new Promise((resolve) => standby.close(resolve));
  }
});

test('bad input: unknown flags, bad --master, --state, --tail, --interval exit 2 naming the flag; an unreachable master exits 1 in one line', async () => {
  assertOneLineError(await meridian('tasks', '--bogus'), 2, /unknown option '--bogus'/);
  assertOneLineError(await meridian('agents', '--master=nope:99999'), 2, /^meridian: --master: 'nope:99999' has a port outside 1-65535\n$/);
  assertOneLineError(await meridian('tasks', '--state=runing', masterFlag()), 2, /^meridian: --state: 'runing' is not a task state \(one of: staging/);
  assertOneLineError(await meridian('logs', 'x', '--tail=-1', masterFlag()), 2, /^meridian: --tail: must be between 0 and/);
  assertOneLineError(await meridian('logs', 'x', '--tail=many', masterFlag()), 2, /^meridian: --tail: 'many' is not an integer/);
  assertOneLineError(await meridian('top', '--interval=0', masterFlag()), 2, /^meridian: --interval: must be between 0\.5 and 3600 seconds, not 0\n$/);
  assertOneLineError(await meridian('logs'), 2, /missing required argument 'task_id'/);
  // A port nothing listens on: the closed standby's.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  for (const command of ['agents', 'frameworks', 'tasks', 'roles', 'top']) {
    assertOneLineError(await meridian(command, `--master=127.0.0.1:${port}`), 1, new RegExp(`^meridian ${command}: cannot reach the master at 127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED[^\\n]*\\)\\n$`));
  }
  assertOneLineError(await meridian('logs', 'cli-echo', `--master=127.0.0.1:${port}`), 1, /^meridian logs: cannot reach the master/);
});

/** The run directories of an executor named `executorId` under every agent's work dir. */
function findRunDirectories(root: string, executorId: string): string[] {
  const found: string[] = [];
  for (const agentDir of readdirSync(root).filter((name) => name.startsWith('agent-'))) {
    const slaves = join(root, agentDir, 'slaves');
    if (!existsSync(slaves)) continue;
    for (const agentId of readdirSync(slaves)) {
      const frameworks = join(slaves, agentId, 'frameworks');
      if (!existsSync(frameworks)) continue;
      for (const frameworkId of readdirSync(frameworks)) {
        const runs = join(frameworks, frameworkId, 'executors', executorId, 'runs');
        if (!existsSync(runs)) continue;
        for (const run of readdirSync(runs)) if (run !== 'latest') found.push(join(runs, run));
      }
    }
  }
  return found;
}
