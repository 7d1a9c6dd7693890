/**
 * Goal: `meridian agents|frameworks|tasks|roles` show the right rows and numbers — what each
 * agent has and uses, tasks counted only while live, frameworks with their roles, tasks filtered
 * by state, framework and agent (by id or by name), roles with their allocation and quota — and
 * the tables read as documented (GPUS only when there are GPUs, --wide adds the ids).
 * Method: the pure row builders and renderers of src/cli/views on a hand-built GET_STATE
 * (fixtures.ts) with the expected lines written out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentRows, renderAgents } from '../../../src/cli/views/agents.js';
import { frameworkRows, renderFrameworks } from '../../../src/cli/views/frameworks.js';
import { formatLimits, renderRoles, roleRows } from '../../../src/cli/views/roles.js';
import { parseStateFilter } from '../../../src/cli/views/task-states.js';
import { agentLabelsOf, renderTasks, taskRows, type TaskFilter, type TaskRow } from '../../../src/cli/views/tasks.js';
import { agent, sampleState, scalars } from './fixtures.js';

const NO_FILTER: TaskFilter = { states: null, framework: null, agent: null, all: false };

function rowsOf(filter: Partial<TaskFilter>): TaskRow[] {
  const result = taskRows(sampleState(), { ...NO_FILTER, ...filter });
  assert.ok(result.ok, JSON.stringify(result));
  return result.rows;
}

test('agents: sorted by id, used of total per resource, live tasks counted (a finished one is not)', () => {
  const rows = agentRows(sampleState());
  assert.deepEqual(rows.map((row) => [row.id, row.tasks]), [['M-S0', 1], ['M-S1', 2], ['M-S2', 0]]);
  assert.deepEqual(rows[1]?.offered, { cpus: 3.8, mem: 4032, disk: 8192 });
  assert.deepEqual(renderAgents(rows), [
    'ID    HOSTNAME  ACTIVE   CPUS          MEM    DISK  TASKS',
    'M-S0  node-a    yes       1/4  512 MB/4 GB  0/8 GB      1',
    'M-S1  node-a    yes     0.2/4   64 MB/4 GB  0/8 GB      2',
    'M-S2  node-b    no        0/2       0/2 GB  0/1 GB      0',
  ]);
});

test('agents: a GPUS column appears only when some agent has GPUs', () => {
  const state = sampleState();
  assert.ok(!(renderAgents(agentRows(state))[0] as string).includes('GPUS'));
  state.get_agents?.agents?.push(agent('M-S3', 'gpu-box', 5051, 'cpus:8;mem:8192;gpus:2', 'gpus:1'));
  const lines = renderAgents(agentRows(state));
  assert.match(lines[0] as string, /DISK\s+GPUS\s+TASKS$/);
  assert.match(lines.find((line) => line.startsWith('M-S3')) as string, /\s1\/2\s+0$/);
});

test('frameworks: live ones by id with roles and live task counts; completed ones only with --all', () => {
  const rows = frameworkRows(sampleState(), { all: false });
  assert.deepEqual(renderFrameworks(rows), [
    'ID      NAME   ROLES                ACTIVE  TASKS  CPUS     MEM',
    'M-0000  web    *                    yes         2   0.2   64 MB',
    'M-0001  batch  batch,batch/nightly  yes         1     1  512 MB',
  ]);
  const all = frameworkRows(sampleState(), { all: true });
  assert.deepEqual(all.map((row) => [row.id, row.completed]), [['M-0000', false], ['M-0001', false], ['M-0002', true]]);
  assert.match(renderFrameworks(all)[3] as string, /^M-0002\s+old-job\s+\*\s+completed\s+0\s+0\s+0$/);
});

test('tasks: live and unreachable by default, sorted by id; frameworks by name, agents by hostname (with the port when shared)', () => {
  const rows = rowsOf({});
  assert.deepEqual(rows.map((row) => row.id), ['nightly-1', 'web-0', 'web-1', 'web-2']);
  assert.deepEqual(renderTasks(rows, { wide: false }), [
    'ID         NAME     STATE          FRAMEWORK  AGENT        CPUS     MEM',
    'nightly-1  nightly  TASK_STAGING   batch      node-a:5051     1  512 MB',
    'web-0      web      TASK_FINISHED  web        node-a:5052   0.1   32 MB',
    'web-1      web      TASK_RUNNING   web        node-a:5052   0.1   32 MB',
    'web-2      web      TASK_RUNNING   web        node-a:5052   0.1   32 MB',
  ]);
  assert.match(renderTasks(rows, { wide: true })[0] as string, /MEM {2}FRAMEWORK_ID {2}AGENT_ID$/);
  assert.match(renderTasks(rows, { wide: true })[1] as string, /512 MB {2}M-0001 {8}M-S0$/);
});

test('tasks: --all adds the completed history; a --state filter looks in it too', () => {
  assert.deepEqual(rowsOf({ all: true }).map((row) => row.id), ['nightly-1', 'old-1', 'web-0', 'web-1', 'web-2']);
  assert.deepEqual(rowsOf({ states: parseStateFilter('failed') }).map((row) => [row.id, row.framework, row.agent]), [['old-1', 'old-job', 'node-b']]);
  assert.deepEqual(rowsOf({ states: parseStateFilter('TASK_RUNNING,staging') }).map((row) => row.id), ['nightly-1', 'web-1', 'web-2']);
});

test('tasks: --framework takes an id or a name, --agent an id, a hostname or hostname:port', () => {
  assert.deepEqual(rowsOf({ framework: 'batch' }).map((row) => row.id), ['nightly-1']);
  assert.deepEqual(rowsOf({ framework: 'M-0000' }).map((row) => row.id), ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(rowsOf({ agent: 'M-S0' }).map((row) => row.id), ['nightly-1']);
  assert.deepEqual(rowsOf({ agent: 'node-a:5052' }).map((row) => row.id), ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(rowsOf({ agent: 'node-a' }).map((row) => row.id), ['nightly-1', 'web-0', 'web-1', 'web-2']);
  assert.deepEqual(rowsOf({ agent: 'node-a', framework: 'web', states: parseStateFilter('running') }).map((row) => row.id), ['web-1', 'web-2']);
});

test('tasks: a --framework or --agent that names nothing the master knows is an error naming the flag, not an empty table', () => {
  assert.deepEqual(taskRows(sampleState(), { ...NO_FILTER, framework: 'nope' }), {
    ok: false, flag: '--framework', message: "no framework has the id or name 'nope'",
  });
  const agentResult = taskRows(sampleState(), { ...NO_FILTER, agent: 'node-z' });
  assert.equal(agentResult.ok, false);
  assert.equal(!agentResult.ok && agentResult.flag, '--agent');
  // A known framework with no matching task is an empty table.
  assert.deepEqual(rowsOf({ framework: 'web', states: parseStateFilter('killed') }), []);
});

test('tasks: a task on an agent the master no longer has is named by the agent id', () => {
  const state = sampleState();
  state.get_agents = { agents: [] };
  const result = taskRows(state, NO_FILTER);
  assert.ok(result.ok);
  assert.equal(result.rows[0]?.agent, 'M-S0');
  assert.deepEqual(agentLabelsOf([agent('a', 'h', 1, 'cpus:1')]), new Map([['a', 'h']]));
});

test('--state takes Mesos names or short ones in any case; anything else is refused naming the flag', () => {
  assert.deepEqual([...parseStateFilter('Running, task_finished,GONE_BY_OPERATOR')], ['TASK_RUNNING', 'TASK_FINISHED', 'TASK_GONE_BY_OPERATOR']);
  assert.throws(() => parseStateFilter('runing'), /^FlagError: --state: 'runing' is not a task state \(one of: staging, starting, running/);
  assert.throws(() => parseStateFilter('running,'), /--state: 'running,' names no state/);
});

test('roles: weight, frameworks, what is allocated to the role itself, and quota limits; a quota-only role is listed', () => {
  const state = sampleState();
  const rows = roleRows(
    { roles: [
      { name: '*', weight: 1, frameworks: [{ value: 'M-0000' }] },
      { name: 'batch', weight: 2.5, frameworks: [{ value: 'M-0001' }] },
      { name: 'batch/nightly', weight: 1, frameworks: [{ value: 'M-0001' }] },
    ] },
    { status: { configs: [
      { role: 'batch', limits: { cpus: { value: 4 }, mem: { value: 8192 } }, guarantees: { cpus: { value: 1 } } },
      { role: 'ops', limits: { cpus: { value: 2 } } },
    ] } },
    state.get_frameworks ?? {},
  );
  assert.deepEqual(rows.map((row) => row.role), ['*', 'batch', 'batch/nightly', 'ops']);
  assert.deepEqual(rows[1]?.quota, { limits: { cpus: 4, mem: 8192 }, guarantees: { cpus: 1 } });
  assert.deepEqual(renderRoles(rows), [
    'ROLE           WEIGHT  FRAMEWORKS  CPUS     MEM  QUOTA LIMIT',
    '*                   1           1   0.2   64 MB  -',
    'batch             2.5           1     1  512 MB  cpus 4, mem 8 GB',
    'batch/nightly       1           1     0       0  -',
    'ops                 1           0     0       0  cpus 2',
  ]);
  assert.equal(formatLimits({}), '-');
  assert.deepEqual(scalars('cpus:1', 'r')[0]?.allocation_info, { role: 'r' });
});
