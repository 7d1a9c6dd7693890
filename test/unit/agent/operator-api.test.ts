/**
 * Goal: the agent's Operator API sorts what it knows as Mesos' agent does (queued, launched,
 * terminated and completed tasks; live and completed executors and frameworks), leaves empty
 * lists out as protobuf's JSON does, keeps its history of ended work within Mesos' bounds, and
 * answers every call type: implemented ones 200, other known ones 501, unknown ones 400.
 * Method: hand-made snapshots through the pure views; the history driven through its methods;
 * the endpoint in-process (Fastify's inject), with a snapshot source and no agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSnapshot, ExecutorSnapshot } from '../../../src/agent/agent-view.js';
import {
  COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX, COMPLETED_FRAMEWORKS_MAX, COMPLETED_TASKS_PER_EXECUTOR_MAX, CompletedHistory,
} from '../../../src/agent/completed-history.js';
import { AgentOperatorApi, getExecutorsOf, getFlagsOf, getFrameworksOf, getTasksOf } from '../../../src/agent/operator-api.js';
import type { Task, TaskState } from '../../../src/api/mesos.js';
import { AGENT_CALL_TYPES } from '../../../src/api/operator/agent-calls.js';
import { createHttpServer } from '../../../src/common/http/server.js';
import { createLogger } from '../../../src/common/log.js';
import { MetricsSnapshot } from '../../../src/common/metrics/snapshot.js';

const task = (id: string, state: TaskState): Task => ({
  name: id, task_id: { value: id }, framework_id: { value: 'F' }, agent_id: { value: 'A' }, state, resources: [], statuses: [],
});

function run(id: string, tasks: ExecutorSnapshot['tasks'], completedTasks: Task[] = []): ExecutorSnapshot {
  return {
    frameworkId: 'F', info: { executor_id: { value: id } }, containerId: `c-${id}`, directory: `/w/slaves/A/frameworks/F/executors/${id}/runs/c-${id}`,
    state: 'running', hosted: true, pid: null, tasks, completedTasks,
  };
}

function snapshotWith(executors: ExecutorSnapshot[]): AgentSnapshot {
  return {
    agentId: 'A', agentInfo: { hostname: 'h', port: 5051, id: { value: 'A' } }, ip: '127.0.0.1', workDir: '/w', version: '1.11.0',
    flags: { work_dir: '/w', master: 'm:5050', port: '5051' }, executorHostPid: 77,
    frameworks: [{
      info: { user: 'u', name: 'live', id: { value: 'F' } }, executors,
      completedExecutors: [{ frameworkId: 'F', info: { executor_id: { value: 'old' } }, containerId: 'c-old', directory: '/w/old', tasks: [task('old-task', 'TASK_KILLED')] }],
    }],
    completedFrameworks: [{
      info: { user: 'u', name: 'gone', id: { value: 'G' } },
      completedExecutors: [{ frameworkId: 'G', info: { executor_id: { value: 'g' } }, containerId: 'c-g', directory: '/w/g', tasks: [task('g-task', 'TASK_FINISHED')] }],
    }],
  };
}

test('GET_TASKS sorts tasks by where they are in their life on the agent', () => {
  const snapshot = snapshotWith([
    run('e1', [
      { task: task('queued', 'TASK_STAGING'), launched: false },
      { task: task('running', 'TASK_RUNNING'), launched: true },
      { task: task('ended-unacked', 'TASK_FAILED'), launched: true },
    ], [task('ended-acked', 'TASK_FINISHED')]),
  ]);
  const ids = (tasks: Task[] | undefined) => (tasks ?? []).map((t) => t.task_id.value);
  const tasks = getTasksOf(snapshot);
  assert.deepEqual(ids(tasks.queued_tasks), ['queued']);
  assert.deepEqual(ids(tasks.launched_tasks), ['running']);
  assert.deepEqual(ids(tasks.terminated_tasks), ['ended-unacked']);
  assert.deepEqual(ids(tasks.completed_tasks), ['ended-acked', 'old-task', 'g-task']);
  assert.equal('pending_tasks' in tasks, false, 'empty lists are left out');
  assert.deepEqual(getTasksOf({ ...snapshot, frameworks: [], completedFrameworks: [] }), {});
});

test('GET_EXECUTORS and GET_FRAMEWORKS list live and completed ones; GET_FLAGS lists flags by name', () => {
  const snapshot = snapshotWith([run('e1', [])]);
  assert.deepEqual(getExecutorsOf(snapshot), {
    executors: [{ executor_info: { executor_id: { value: 'e1' } } }],
    completed_executors: [{ executor_info: { executor_id: { value: 'old' } } }, { executor_info: { executor_id: { value: 'g' } } }],
  });
  const frameworks = getFrameworksOf(snapshot);
  assert.deepEqual(frameworks.frameworks?.map((f) => f.framework_info.name), ['live']);
  assert.deepEqual(frameworks.completed_frameworks?.map((f) => f.framework_info.name), ['gone']);
  assert.deepEqual(getFlagsOf(snapshot.flags).flags?.map((f) => f.name), ['master', 'port', 'work_dir']);
  assert.deepEqual(getFlagsOf({}), {});
});

test('the history keeps completed work within Mesos\' bounds, oldest evicted first', () => {
  const history = new CompletedHistory();
  const framework = (id: string) => ({ user: 'u', name: id, id: { value: id } });
  for (let i = 0; i < COMPLETED_TASKS_PER_EXECUTOR_MAX + 5; i++) history.taskCompleted('c1', task(`t${i}`, 'TASK_FINISHED'));
  assert.equal(history.completedTasksOf('c1').length, COMPLETED_TASKS_PER_EXECUTOR_MAX);
  assert.equal(history.completedTasksOf('c1')[0]?.task_id.value, 't5');
  history.executorCompleted(framework('F'), { frameworkId: 'F', info: { executor_id: { value: 'e1' } }, containerId: 'c1', directory: '/d1' });
  assert.equal(history.completedTasksOf('c1').length, 0, 'the run\'s tasks moved with it');
  assert.equal(history.completedExecutorsOf('F')[0]?.tasks.length, COMPLETED_TASKS_PER_EXECUTOR_MAX);
  for (let i = 0; i < COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX + 3; i++) {
    history.executorCompleted(framework('F'), { frameworkId: 'F', info: { executor_id: { value: `x${i}` } }, containerId: `cx${i}`, directory: `/x${i}` });
  }
  assert.equal(history.completedExecutorsOf('F').length, COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX);
  assert.equal(history.completedExecutorsOf('F')[0]?.info.executor_id.value, 'x3', 'e1, x0, x1 and x2 were evicted');
  for (let i = 0; i < COMPLETED_FRAMEWORKS_MAX + 2; i++) history.frameworkCompleted(framework(`G${i}`));
  history.frameworkCompleted(framework('F'));
  const completed = history.completedFrameworks(new Set());
  assert.equal(completed.length, COMPLETED_FRAMEWORKS_MAX);
  assert.equal(completed.at(-1)?.info.name, 'F');
  assert.equal(completed.at(-1)?.completedExecutors.length, COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX);
  assert.equal(completed[0]?.info.name, 'G3', 'the oldest completed frameworks were evicted');
  assert.equal(history.completedExecutorsOf('G0').length, 0);
  assert.ok(!history.completedFrameworks(new Set(['F'])).some((f) => f.info.name === 'F'), 'a framework live again is not completed');
});

test('every known call type answers 200 (implemented) or 501; unknown types 400', async () => {
  const app = createHttpServer(createLogger('test', 'silent'));
  const snapshot = snapshotWith([run('e1', [{ task: task('running', 'TASK_RUNNING'), launched: true }])]);
  new AgentOperatorApi({
    snapshot: () => snapshot,
    layout: () => ({ workDir: '/nonexistent-meridian-work-dir', agentId: 'A' }),
    metrics: () => new MetricsSnapshot().gauge('slave/uptime_secs', 3, 'uptime'),
  }).registerRoutes(app);
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  const bodies: Record<string, unknown> = {
    get_metrics: {}, list_files: { path: '/nowhere' }, read_file: { path: '/nowhere', offset: 0 },
  };
  const implemented = new Set(['GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'LIST_FILES', 'READ_FILE', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_TASKS', 'GET_AGENT']);
  for (const type of AGENT_CALL_TYPES) {
    const key = type.toLowerCase();
    const response = await post({ type, [key]: bodies[key] ?? {} });
    const expected = type === 'LIST_FILES' || type === 'READ_FILE' ? 404 : implemented.has(type) ? 200 : 501;
    assert.equal(response.statusCode, expected, `${type}: ${response.body}`);
    if (expected === 200) assert.equal((JSON.parse(response.body) as { type: string }).type, type, 'the response names its type');
  }
  const metrics = JSON.parse((await post({ type: 'GET_METRICS', get_metrics: {} })).body) as unknown;
  assert.deepEqual(metrics, { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'slave/uptime_secs', value: 3 }] } });
  const containers = JSON.parse((await post({ type: 'GET_CONTAINERS' })).body) as { get_containers: { containers: Array<Record<string, unknown>> } };
  assert.deepEqual(containers.get_containers.containers[0]?.container_status, {
    container_id: { value: 'c-e1' }, executor_pid: 77, network_infos: [{ ip_addresses: [{ ip_address: '127.0.0.1' }] }],
  }, 'a hosted executor\'s process is the executor host');
  const unknown = await post({ type: 'GET_EVERYTHING' });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.body, /agent::Call.*unknown 'type'/);
  await app.close();
});
