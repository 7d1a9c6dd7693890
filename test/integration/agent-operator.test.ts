/**
 * Goal: a real agent answers the v1 Operator API (`POST /api/v1`), the legacy sandbox endpoints
 * (`/files/browse`, `/files/read`, `/files/download`, `/files/debug`) and `/monitor/statistics`
 * in Mesos' shapes: a task's stdout is listed and read (windows, sizes, base64), its process is
 * measured from /proc while it runs, it shows in GET_TASKS / GET_STATE / GET_CONTAINERS, and once
 * a task finishes it moves to completed_tasks while its sandbox stays readable. Paths that leave a
 * sandbox (`..`, a symlink a task planted, absolute paths elsewhere) are refused, and bad calls
 * and parameters get a 4xx that names what is wrong.
 * Method: a master and one agent as processes (TestCluster), tasks from the test framework that
 * write known text, then plain HTTP on loopback to the agent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { request, type Endpoint, type HttpResult } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

const LONG_TASK = 'files-long';
const SHORT_TASK = 'files-short';
const STDOUT_TEXT = 'hello from meridian files\nsecond line: ünïcödé\n';

let cluster: TestCluster;
let framework: TestFramework;
let agent: Endpoint;
let agentWorkDir: string;
let sandbox: string;

interface StateExecutor { id: string; directory: string; tasks: Array<{ id?: string; task_id?: { value: string } }> }
interface AgentState {
  id: string;
  frameworks: Array<{ id: string; executors: StateExecutor[]; completed_executors: StateExecutor[] }>;
  completed_frameworks: unknown[];
}

async function call(body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return request(agent, 'POST', '/api/v1', JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/json', ...headers });
}

async function callJson<T>(body: unknown): Promise<T> {
  const result = await call(body);
  assert.equal(result.status, 200, `${JSON.stringify(body)}: ${result.status} ${result.body}`);
  assert.match(String(result.headers['content-type']), /^application\/json/);
  return JSON.parse(result.body) as T;
}

async function get(path: string): Promise<HttpResult> {
  return request(agent, 'GET', path);
}

const query = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

before(async () => {
  cluster = await new TestCluster({ agents: 1 }).start();
  const [slave] = await cluster.slaves();
  assert.ok(slave);
  const address = slave.pid.split('@')[1] as string;
  agent = { host: address.split(':')[0] as string, port: Number(address.split(':')[1]) };
  agentWorkDir = join(cluster.root, 'agent-0');
  framework = await new TestFramework(cluster.masterAddress, 'agent-operator-test').start();
  // The long task writes its text, then a bit of work so it has a measurable process, then waits.
  framework.launch({ id: LONG_TASK, command: `printf '${STDOUT_TEXT}'; echo oops >&2; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 60`, mem: 64 });
  await framework.waitForState(LONG_TASK, ['TASK_RUNNING']);
  const state = await waitFor('the long task in the agent state', async () => {
    const body = JSON.parse((await get('/state')).body) as AgentState;
    return body.frameworks.some((f) => f.executors.some((e) => e.id === LONG_TASK)) ? body : undefined;
  });
  sandbox = state.frameworks.flatMap((f) => f.executors).find((e) => e.id === LONG_TASK)?.directory as string;
  // The v0 /state shows tasks as Mesos' agent does: string ids, summarized resources.
  const listed = state.frameworks.flatMap((f) => f.executors).flatMap((e) => e.tasks).find((t) => t.id === LONG_TASK) as Record<string, unknown> | undefined;
  assert.equal(typeof listed?.framework_id, 'string');
  assert.equal(listed?.state, 'TASK_RUNNING');
  assert.equal((listed?.resources as { mem?: number } | undefined)?.mem, 64);
  assert.equal(listed?.task_id, undefined);
  await waitFor('the task output', async () => {
    const read = await get(`/files/read?${query({ path: `${sandbox}/stdout`, offset: 0 })}`);
    return read.status === 200 && (JSON.parse(read.body) as { data: string }).data === STDOUT_TEXT ? true : undefined;
  });
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

test('GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS and GET_AGENT answer in the shapes of agent.proto', async () => {
  assert.deepEqual(await callJson({ type: 'GET_HEALTH' }), { type: 'GET_HEALTH', get_health: { healthy: true } });
  const flags = await callJson<{ type: string; get_flags: { flags: Array<{ name: string; value: string }> } }>({ type: 'GET_FLAGS' });
  assert.equal(flags.type, 'GET_FLAGS');
  const names = flags.get_flags.flags.map((f) => f.name);
  assert.deepEqual(names, [...names].sort(), 'flags are listed by name');
  assert.equal(flags.get_flags.flags.find((f) => f.name === 'work_dir')?.value, agentWorkDir);
  const version = await callJson<{ get_version: { version_info: Record<string, unknown> } }>({ type: 'GET_VERSION' });
  assert.deepEqual(Object.keys(version.get_version.version_info).sort(), ['build_date', 'build_time', 'build_user', 'version']);
  const metrics = await callJson<{ get_metrics: { metrics: Array<{ name: string; value: number }> } }>({ type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5e9 } } });
  const byName = new Map(metrics.get_metrics.metrics.map((m) => [m.name, m.value]));
  assert.equal(byName.get('slave/registered'), 1);
  assert.ok((byName.get('slave/tasks_running') ?? 0) >= 1);
  const agentInfo = await callJson<{ get_agent: { agent_info: { hostname: string; port: number; id: { value: string } } } }>({ type: 'GET_AGENT' });
  assert.equal(agentInfo.get_agent.agent_info.port, agent.port);
  assert.ok(agentInfo.get_agent.agent_info.id.value.length > 0);
});

test('GET_TASKS, GET_EXECUTORS, GET_FRAMEWORKS and GET_STATE show the running task, its executor and framework', async () => {
  const tasks = await callJson<{ type: string; get_tasks: { launched_tasks: Array<{ task_id: { value: string }; state: string; framework_id: { value: string } }> } }>({ type: 'GET_TASKS' });
  const launched = tasks.get_tasks.launched_tasks.find((t) => t.task_id.value === LONG_TASK);
  assert.equal(launched?.state, 'TASK_RUNNING');
  assert.equal(launched?.framework_id.value, framework.frameworkId);
  const executors = await callJson<{ get_executors: { executors: Array<{ executor_info: { executor_id: { value: string }; framework_id: { value: string } } }> } }>({ type: 'GET_EXECUTORS' });
  assert.ok(executors.get_executors.executors.some((e) => e.executor_info.executor_id.value === LONG_TASK && e.executor_info.framework_id.value === framework.frameworkId));
  const frameworks = await callJson<{ get_frameworks: { frameworks: Array<{ framework_info: { id: { value: string }; name: string } }> } }>({ type: 'GET_FRAMEWORKS' });
  assert.deepEqual(frameworks.get_frameworks.frameworks.map((f) => [f.framework_info.id.value, f.framework_info.name]), [[framework.frameworkId, 'agent-operator-test']]);
  const state = await callJson<{ type: string; get_state: Record<string, unknown> }>({ type: 'GET_STATE' });
  assert.equal(state.type, 'GET_STATE');
  assert.deepEqual(Object.keys(state.get_state).sort(), ['get_executors', 'get_frameworks', 'get_tasks']);
  assert.ok(JSON.stringify(state.get_state.get_tasks).includes(LONG_TASK));
});

test('GET_CONTAINERS and /monitor/statistics measure the running task from /proc', async () => {
  const containers = await callJson<{
    get_containers: { containers: Array<{ container_id: { value: string }; executor_id: { value: string }; framework_id: { value: string };
      container_status: { container_id: { value: string }; network_infos: unknown[] }; resource_statistics: Record<string, number> }> };
  }>({ type: 'GET_CONTAINERS', get_containers: { show_nested: true } });
  const container = containers.get_containers.containers.find((c) => c.executor_id.value === LONG_TASK);
  assert.ok(container, 'the task has a container');
  assert.equal(container.container_id.value, sandbox.split('/').at(-1), 'the container id names the sandbox run');
  assert.equal(container.container_status.container_id.value, container.container_id.value);
  assert.equal(container.framework_id.value, framework.frameworkId);
  const stats = container.resource_statistics;
  assert.equal(stats.cpus_limit, 0.1);
  assert.equal(stats.mem_limit_bytes, 64 * 1024 * 1024);
  assert.ok(stats.mem_rss_bytes !== undefined && stats.mem_rss_bytes > 0, `mem_rss_bytes: ${stats.mem_rss_bytes}`);
  assert.ok(Math.abs((stats.timestamp ?? 0) - Date.now() / 1000) < 60);

  for (const path of ['/monitor/statistics', '/monitor/statistics.json']) {
    const result = await get(path);
    assert.equal(result.status, 200);
    const entries = JSON.parse(result.body) as Array<{ executor_id: string; executor_name: string; framework_id: string; source: string; statistics: Record<string, number> }>;
    const entry = entries.find((e) => e.executor_id === LONG_TASK);
    assert.ok(entry, `${path} lists the executor`);
    assert.deepEqual(Object.keys(entry), ['executor_id', 'executor_name', 'framework_id', 'source', 'statistics']);
    assert.equal(entry.framework_id, framework.frameworkId);
    assert.ok(entry.statistics.mem_rss_bytes !== undefined && entry.statistics.mem_rss_bytes > 0);
    for (const key of ['cpus_user_time_secs', 'cpus_system_time_secs', 'cpus_limit', 'mem_limit_bytes', 'timestamp']) assert.equal(typeof entry.statistics[key], 'number', key);
  }
});

test('LIST_FILES and READ_FILE list and read the sandbox, by its real path and by the virtual latest path', async () => {
  const listed = await callJson<{ list_files: { file_infos: Array<{ path: string; size: number; mode: number; nlink: number; uid: string; gid: string; mtime: { nanoseconds: number } }> } }>(
    { type: 'LIST_FILES', list_files: { path: sandbox } },
  );
  const stdout = listed.list_files.file_infos.find((f) => f.path === `${sandbox}/stdout`);
  assert.ok(stdout, JSON.stringify(listed));
  assert.equal(stdout.size, Buffer.byteLength(STDOUT_TEXT));
  assert.equal(stdout.mode & 0o170000, 0o100000, 'a regular file');
  assert.equal(stdout.nlink, 1);
  assert.equal(typeof stdout.uid, 'string');
  assert.equal(stdout.mtime.nanoseconds % 1e9, 0, 'mtime in whole seconds, as Mesos records it');
  assert.ok(listed.list_files.file_infos.some((f) => f.path === `${sandbox}/stderr`));

  const whole = await callJson<{ type: string; read_file: { size: number; data: string } }>({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout`, offset: 0 } });
  assert.equal(whole.type, 'READ_FILE');
  assert.equal(Buffer.from(whole.read_file.data, 'base64').toString(), STDOUT_TEXT);
  assert.equal(whole.read_file.size, Buffer.byteLength(STDOUT_TEXT));
  const window = await callJson<{ read_file: { size: number; data: string } }>({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout`, offset: 6, length: 4 } });
  assert.equal(Buffer.from(window.read_file.data, 'base64').toString(), 'from');
  const past = await callJson<{ read_file: { size: number; data: string } }>({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout`, offset: 10_000 } });
  assert.deepEqual(past.read_file, { size: Buffer.byteLength(STDOUT_TEXT), data: '' });

  const virtual = `/frameworks/${framework.frameworkId}/executors/${LONG_TASK}/runs/latest`;
  const viaVirtual = await callJson<{ read_file: { data: string } }>({ type: 'READ_FILE', read_file: { path: `${virtual}/stdout`, offset: 0 } });
  assert.equal(Buffer.from(viaVirtual.read_file.data, 'base64').toString(), STDOUT_TEXT);
  const listedVirtual = await callJson<{ list_files: { file_infos: Array<{ path: string }> } }>({ type: 'LIST_FILES', list_files: { path: `${virtual}/` } });
  assert.ok(listedVirtual.list_files.file_infos.some((f) => f.path === `${virtual}/stdout`), 'listed paths keep the name asked for');
});

test('/files/read reads windows, and offset=-1 (or no offset) asks for the size only', async () => {
  const path = `${sandbox}/stdout`;
  const read = async (params: Record<string, string | number>) => {
    const result = await get(`/files/read?${query({ path, ...params })}`);
    assert.equal(result.status, 200, result.body);
    return JSON.parse(result.body) as { data: string; offset: number };
  };
  assert.deepEqual(await read({ offset: 0 }), { data: STDOUT_TEXT, offset: 0 });
  assert.deepEqual(await read({ offset: 6, length: 4 }), { data: 'from', offset: 6 });
  assert.deepEqual(await read({ offset: 0, length: -1 }), { data: STDOUT_TEXT, offset: 0 }, 'length=-1 means to the end, as the pailer sends it');
  const size = Buffer.byteLength(STDOUT_TEXT);
  assert.deepEqual(await read({ offset: -1 }), { data: '', offset: size });
  assert.deepEqual(await read({}), { data: '', offset: size });
  assert.deepEqual(await read({ offset: size + 5 }), { data: '', offset: size + 5 });
  // A window that ends inside 'ü' (2 bytes) stops before it, so a client can advance by the bytes it got.
  const start = Buffer.from(STDOUT_TEXT).indexOf(Buffer.from('ü'));
  const cut = await read({ offset: start - 2, length: 3 });
  assert.equal(cut.data, ': ');
  const jsonp = await get(`/files/read?${query({ path, offset: 0, length: 5, jsonp: 'show' })}`);
  assert.equal(jsonp.body, 'show({"data":"hello","offset":0});');
});

test('/files/browse lists entries as Mesos does and /files/download sends the file as an attachment', async () => {
  const browse = await get(`/files/browse?${query({ path: sandbox })}`);
  assert.equal(browse.status, 200, browse.body);
  const entries = JSON.parse(browse.body) as Array<Record<string, unknown>>;
  const stdout = entries.find((e) => e.path === `${sandbox}/stdout`);
  assert.ok(stdout);
  assert.deepEqual(Object.keys(stdout), ['gid', 'mode', 'mtime', 'nlink', 'path', 'size', 'uid']);
  assert.match(String(stdout.mode), /^-[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/);
  assert.equal(stdout.size, Buffer.byteLength(STDOUT_TEXT));
  assert.ok(Number.isInteger(stdout.mtime) && Math.abs((stdout.mtime as number) - Date.now() / 1000) < 600);
  const paths = entries.map((e) => String(e.path));
  assert.deepEqual(paths, [...paths].sort(), 'entries sorted by path');

  const download = await get(`/files/download?${query({ path: `${sandbox}/stdout` })}`);
  assert.equal(download.status, 200);
  assert.equal(download.body, STDOUT_TEXT);
  assert.equal(download.headers['content-type'], 'application/octet-stream');
  assert.equal(download.headers['content-disposition'], 'attachment; filename=stdout');
  const directory = await get(`/files/download?${query({ path: sandbox })}`);
  assert.equal(directory.status, 400);
  assert.match(directory.body, /Cannot download a directory/);

  const debug = JSON.parse((await get('/files/debug')).body) as Record<string, string>;
  assert.equal(debug[`/frameworks/${framework.frameworkId}/executors/${LONG_TASK}/runs/latest`], sandbox);
  assert.equal(debug[sandbox], sandbox);
});

test('paths outside a sandbox are refused with a message, whatever the endpoint', async () => {
  // A task can plant a symlink in its sandbox; the agent must not follow it out.
  symlinkSync('/etc/passwd', join(sandbox, 'planted'));
  symlinkSync(join(agentWorkDir, 'meta'), join(sandbox, 'planted-dir'));
  const escapes: Array<[path: string, status: number]> = [
    [`${sandbox}/planted`, 400],
    [`${sandbox}/planted-dir/journal`, 400],
    [`${sandbox}/../../../../../../../../meta/journal`, 400],
    [`/frameworks/${framework.frameworkId}/executors/${LONG_TASK}/runs/latest/../../../../../../../../meta/journal`, 400],
    [`${agentWorkDir}/meta/journal`, 404],
    ['/etc/passwd', 404],
    [`${agentWorkDir}/slaves/../meta/journal`, 404],
    [`${sandbox}/does-not-exist`, 404],
  ];
  for (const [path, status] of escapes) {
    for (const endpoint of ['read', 'browse', 'download']) {
      const result = await get(`/files/${endpoint}?${query({ path, offset: 0 })}`);
      assert.equal(result.status, status, `/files/${endpoint} ${path}: ${result.status} ${result.body}`);
      assert.ok(result.body.length > 0 && !result.body.includes('root:'), `/files/${endpoint} ${path} says why and shows nothing: ${result.body}`);
    }
    const readFile = await call({ type: 'READ_FILE', read_file: { path, offset: 0 } });
    assert.equal(readFile.status, status, `READ_FILE ${path}: ${readFile.body}`);
    const listFiles = await call({ type: 'LIST_FILES', list_files: { path } });
    assert.equal(listFiles.status, status, `LIST_FILES ${path}: ${listFiles.body}`);
  }
  const browse = JSON.parse((await get(`/files/browse?${query({ path: sandbox })}`)).body) as Array<{ path: string; mode: string; size: number }>;
  const planted = browse.find((e) => e.path === `${sandbox}/planted`);
  assert.equal(planted?.mode[0], 'l', 'a link out is listed as a link, not as its target');
});

test('bad calls and parameters get a 4xx that names the problem', async () => {
  const expectStatus = async (result: Promise<HttpResult>, status: number, pattern: RegExp) => {
    const { status: got, body } = await result;
    assert.equal(got, status, body);
    assert.match(body, pattern);
  };
  await expectStatus(get('/files/read'), 400, /'path=value'/);
  await expectStatus(get(`/files/read?${query({ path: `${sandbox}/stdout`, offset: 'abc' })}`), 400, /offset/);
  await expectStatus(get(`/files/read?${query({ path: `${sandbox}/stdout`, offset: 0, length: -5 })}`), 400, /Negative length/);
  await expectStatus(get(`/files/read?path=${encodeURIComponent(sandbox)}/stdout&path=x`), 400, /'path'/);
  await expectStatus(get(`/files/read?${query({ path: `${sandbox}/stdout`, jsonp: 'alert(1)' })}`), 400, /jsonp/);
  await expectStatus(get(`/files/read?${query({ path: sandbox, offset: 0 })}`), 400, /Cannot read a directory/);
  await expectStatus(get('/files/browse'), 400, /'path=value'/);
  await expectStatus(call({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout` } }), 400, /read_file\.offset/);
  await expectStatus(call({ type: 'READ_FILE', read_file: { path: `${sandbox}/stdout`, offset: -1 } }), 400, /read_file\.offset/);
  await expectStatus(call({ type: 'LIST_FILES' }), 400, /list_files/);
  await expectStatus(call({ type: 'GET_METRICS' }), 400, /get_metrics/);
  await expectStatus(call({ type: 'NOT_A_CALL' }), 400, /unknown 'type'/);
  await expectStatus(call({ type: 'LAUNCH_CONTAINER', launch_container: { container_id: { value: 'c' } } }), 501, /LAUNCH_CONTAINER/);
  await expectStatus(call({ type: 'GET_HEALTH' }, { 'content-type': 'text/plain' }), 415, /application\/json/);
  await expectStatus(call({ type: 'GET_HEALTH' }, { accept: 'text/html' }), 406, /Accept/);
  await expectStatus(request(agent, 'GET', '/api/v1'), 405, /POST/);
  await expectStatus(request(agent, 'POST', '/api/v1', '{not json', { 'content-type': 'application/json' }), 400, /JSON/);
});

test('a finished task moves to completed_tasks, its executor to completed_executors, and its sandbox stays readable', async () => {
  framework.launch({ id: SHORT_TASK, command: 'echo short task output' });
  await framework.waitForState(SHORT_TASK, ['TASK_FINISHED']);
  const tasks = await waitFor('the finished task among completed_tasks', async () => {
    const body = await callJson<{ get_tasks: { completed_tasks?: Array<{ task_id: { value: string }; state: string }> } }>({ type: 'GET_TASKS' });
    return body.get_tasks.completed_tasks?.some((t) => t.task_id.value === SHORT_TASK) ? body : undefined;
  });
  assert.equal(tasks.get_tasks.completed_tasks?.find((t) => t.task_id.value === SHORT_TASK)?.state, 'TASK_FINISHED');
  const executors = await callJson<{ get_executors: { completed_executors?: Array<{ executor_info: { executor_id: { value: string } } }> } }>({ type: 'GET_EXECUTORS' });
  assert.ok(executors.get_executors.completed_executors?.some((e) => e.executor_info.executor_id.value === SHORT_TASK));
  const state = JSON.parse((await get('/state')).body) as AgentState;
  const completed = state.frameworks.flatMap((f) => f.completed_executors).find((e) => e.id === SHORT_TASK);
  assert.ok(completed, '/state lists the completed executor');
  const read = await get(`/files/read?${query({ path: `${completed.directory}/stdout`, offset: 0 })}`);
  assert.equal(read.status, 200, read.body);
  assert.equal((JSON.parse(read.body) as { data: string }).data, 'short task output\n');
  const virtual = await call({ type: 'READ_FILE', read_file: { path: `/frameworks/${framework.frameworkId}/executors/${SHORT_TASK}/runs/latest/stdout`, offset: 0 } });
  assert.equal(virtual.status, 200);
  const containers = await callJson<{ get_containers: { containers?: Array<{ executor_id: { value: string } }> } }>({ type: 'GET_CONTAINERS' });
  assert.ok(!containers.get_containers.containers?.some((c) => c.executor_id.value === SHORT_TASK), 'an ended run has no container');
});
