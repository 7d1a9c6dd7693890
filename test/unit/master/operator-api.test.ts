/**
 * Goal: the master's Operator API answers every call it implements as Mesos does — status, content
 * type and JSON shape — refuses bad bodies with a 400 naming the field, and is durable before it
 * acknowledges: a weight update or MARK_AGENT_GONE whose save fails answers 503 and changes nothing.
 * Method: in-process HTTP (Fastify's inject, as Hono's app.request) against a real MasterShell and
 * MasterCore populated through the Harness, with the master's files in a temporary folder.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../../../src/common/clock.js';
import type { AgentId } from '../../../src/common/ids.js';
import { createHttpServer } from '../../../src/common/http/server.js';
import { createLogger } from '../../../src/common/log.js';
import type { ConnectionId } from '../../../src/master/core/types.js';
import { MASTER_FLAGS } from '../../../src/master/shell/flags.js';
import { GoneAgentsStore } from '../../../src/master/shell/gone-agents-store.js';
import { MasterShell } from '../../../src/master/shell/master-shell.js';
import { masterMetricsSnapshot } from '../../../src/master/shell/metrics.js';
import { OperatorApi } from '../../../src/master/shell/operator-api.js';
import { OperatorEvents } from '../../../src/master/shell/operator-events.js';
import { JsonChunks } from '../../../src/master/shell/json-pieces.js';
import { getRoles, OperatorStateWriter } from '../../../src/master/shell/operator-state.js';
import { WeightsStore } from '../../../src/master/shell/weights-store.js';
import { answerText, Harness, makeCore, parseSimple } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'meridian-operator-'));
after(() => rmSync(root, { recursive: true, force: true }));

const logger = createLogger('test', 'silent');
let instances = 0;

interface OperatorServer {
  app: FastifyInstance;
  shell: MasterShell;
  api: OperatorApi;
  /** Drives the shell's core directly, for the state the calls read. */
  harness: Harness;
  file: string;
  goneFile: string;
}

/** A master's Operator API in-process, as main.ts wires it; `withStore` false is a master without --work_dir. */
function operatorServer(withStore = true, serverLogger = logger): OperatorServer {
  const folder = join(root, `master-${++instances}`);
  const file = join(folder, 'weights.json');
  const goneFile = join(folder, 'gone-agents.json');
  const shell = new MasterShell(makeCore(), new ManualClock(), serverLogger, { heartbeatIntervalMs: 15_000, allocationIntervalMs: 1000, agentPingTimeoutMs: 15_000 });
  const app = createHttpServer(serverLogger);
  const identity = { version: '1.11.0', buildDate: '', startTimeMs: 1_000, electedTimeMs: 2_000, pid: 'master@127.0.0.1:5050', hostname: 'm1', flags: {} };
  const stateWriter = new OperatorStateWriter(shell.core);
  const events = new OperatorEvents(shell.core, stateWriter, shell.metrics, { heartbeatIntervalMs: 15_000 });
  shell.stateObserver = events;
  const api = new OperatorApi(shell, serverLogger, {
    weightsStore: withStore ? new WeightsStore(file) : null,
    quotaStore: null,
    goneAgentsStore: withStore ? new GoneAgentsStore(goneFile) : null,
    identity,
    flags: { port: 5050, offer_timeout: 60_000, log_level: 'info', allocation_interval: 1000 },
    flagSpecs: MASTER_FLAGS,
    metrics: () => masterMetricsSnapshot({ core: shell.core, shell: shell.metrics, startTimeMs: 1_000 }, 5_000),
    stateWriter,
    events,
  });
  api.registerRoutes(app);
  return { app, shell, api, harness: new Harness(shell.core), file, goneFile };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const post = (app: FastifyInstance, body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
  app.inject({ method: 'POST', url: '/api/v1', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
const update = (weightInfos: unknown) => ({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: weightInfos } });

test('UPDATE_WEIGHTS saves, then applies; GET_WEIGHTS answers the weights set', async () => {
  const { app, shell, file } = operatorServer();
  const empty = await post(app, { type: 'GET_WEIGHTS' });
  assert.equal(empty.statusCode, 200);
  assert.deepEqual(empty.json(), { type: 'GET_WEIGHTS', get_weights: {} }, 'Mesos leaves an empty repeated field out');

  const updated = await post(app, update([{ role: 'eng', weight: 2.0 }, { role: 'ops', weight: 0.5 }]));
  assert.equal(updated.statusCode, 200);
  assert.equal(updated.body, '');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { weight_infos: [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }] });

  const got = await post(app, { type: 'GET_WEIGHTS' });
  assert.equal(got.statusCode, 200);
  assert.match(String(got.headers['content-type']), /^application\/json/);
  assert.deepEqual(got.json(), { type: 'GET_WEIGHTS', get_weights: { weight_infos: [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }] } });
  assert.deepEqual(shell.core.weightInfos(), [{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0.5 }]);
  shell.stop();
});

test('concurrent updates are saved one after the other, so none is lost from the file', async () => {
  const { app, shell, file } = operatorServer();
  const answers = await Promise.all(['a', 'b', 'c', 'd'].map((role, i) => post(app, update([{ role, weight: i + 1 }]))));
  assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 200, 200]);
  const expected = [{ role: 'a', weight: 1 }, { role: 'b', weight: 2 }, { role: 'c', weight: 3 }, { role: 'd', weight: 4 }];
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { weight_infos: expected });
  assert.deepEqual(shell.core.weightInfos(), expected);
  shell.stop();
});

test('a save that fails answers 503 with the reason and changes nothing', async () => {
  const { app, shell, file } = operatorServer();
  assert.equal((await post(app, update([{ role: 'eng', weight: 2 }]))).statusCode, 200);
  mkdirSync(`${file}.tmp`); // A folder where the temporary file goes: the write fails.
  const failed = await post(app, update([{ role: 'eng', weight: 5 }, { role: 'ops', weight: 3 }]));
  assert.equal(failed.statusCode, 503);
  assert.match(failed.body, new RegExp(`Failed to save the weights to ${file}: .*EISDIR.*nothing was changed`));
  assert.deepEqual(shell.core.weightInfos(), [{ role: 'eng', weight: 2 }]);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { weight_infos: [{ role: 'eng', weight: 2 }] });
  rmSync(`${file}.tmp`, { recursive: true });
  assert.equal((await post(app, update([{ role: 'ops', weight: 3 }]))).statusCode, 200, 'the next update goes through');
  shell.stop();
});

test('a bad update is refused whole: 400 naming the field, nothing saved or applied', async () => {
  const { app, shell, file } = operatorServer();
  const refused = await post(app, update([{ role: 'eng', weight: 2 }, { role: 'ops', weight: 0 }]));
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.body, 'Failed to validate master::Call: update_weights.weight_infos[1].weight: must be greater than 0');
  assert.deepEqual(shell.core.weightInfos(), []);
  assert.throws(() => readFileSync(file), /ENOENT/);
  shell.stop();
});

test('without a work_dir weights are kept in memory', async () => {
  const { app, shell } = operatorServer(false);
  assert.equal((await post(app, update([{ role: 'eng', weight: 2 }]))).statusCode, 200);
  assert.deepEqual(shell.core.weightInfos(), [{ role: 'eng', weight: 2 }]);
  shell.stop();
});

test('known calls not implemented yet answer 501; Accept must allow JSON (406); /api/v1/ works too', async () => {
  const { app, shell } = operatorServer();
  const operations = await post(app, { type: 'GET_MAINTENANCE_STATUS' });
  assert.equal(operations.statusCode, 501);
  assert.match(operations.body, /'GET_MAINTENANCE_STATUS' call yet/);
  const protobufOnly = await post(app, { type: 'GET_WEIGHTS' }, { ...JSON_HEADERS, accept: 'application/x-protobuf' });
  assert.equal(protobufOnly.statusCode, 406);
  const slash = await app.inject({ method: 'POST', url: '/api/v1/', headers: JSON_HEADERS, payload: '{"type":"GET_WEIGHTS"}' });
  assert.equal(slash.statusCode, 200);
  shell.stop();
});

test('legacy /weights: PUT a JSON array (any Content-Type), GET it back; other methods 405', async () => {
  const { app, shell, file } = operatorServer();
  const put = await app.inject({ method: 'PUT', url: '/weights', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '[{"role":"web","weight":3.5}]' });
  assert.equal(put.statusCode, 200);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { weight_infos: [{ role: 'web', weight: 3.5 }] });
  for (const url of ['/weights', '/master/weights']) {
    const got = await app.inject({ method: 'GET', url });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), [{ role: 'web', weight: 3.5 }]);
  }
  const bad = await app.inject({ method: 'PUT', url: '/weights', payload: '[{"role":"web","weight":-1}]' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body, 'Failed to validate update weights request JSON: [0].weight: must be greater than 0');
  assert.equal((await app.inject({ method: 'POST', url: '/weights', payload: '[]' })).statusCode, 405);
  shell.stop();
});

test('RESERVE_RESOURCES / UNRESERVE_RESOURCES: 202 with no body, 400 naming the field, 409 when not free', async () => {
  const { app, shell } = operatorServer();
  shell.step({
    kind: 'agent-subscribe',
    connectionId: 'agent-connection' as ConnectionId,
    remoteIp: '127.0.0.1',
    subscribe: { agent_info: { hostname: 'a1', port: 5051 }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }], version: '1.11.0' },
  });
  const agentId = [...shell.core.agents.keys()][0] as string;
  const cpus = (value: number) => ({ type: 'SCALAR', name: 'cpus', scalar: { value }, role: 'ads', reservation: { principal: 'admin' } });
  const reserve = (body: unknown) => post(app, { type: 'RESERVE_RESOURCES', reserve_resources: body });

  const applied = await reserve({ agent_id: { value: agentId }, resources: [cpus(3)] });
  assert.equal(applied.statusCode, 202);
  assert.equal(applied.body, '');
  const total = shell.core.agents.get(agentId as AgentId)?.total ?? [];
  assert.deepEqual(total.find((r) => r.reservations), { name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, reservations: [{ type: 'DYNAMIC', role: 'ads', principal: 'admin' }] });

  const conflict = await reserve({ agent_id: { value: agentId }, resources: [cpus(2)] });
  assert.equal(conflict.statusCode, 409);
  assert.match(conflict.body, /^Insufficient resources on agent .* to reserve/);

  const missingAgent = await reserve({ resources: [cpus(1)] });
  assert.equal(missingAgent.statusCode, 400);
  assert.equal(missingAgent.body, "Failed to validate master::Call: Expecting 'reserve_resources.agent_id' to be present");
  const unknownAgent = await reserve({ agent_id: { value: 'nope' }, resources: [cpus(1)] });
  assert.equal(unknownAgent.statusCode, 400);
  assert.equal(unknownAgent.body, "Failed to validate master::Call: reserve_resources.agent_id: no agent found with ID 'nope'");
  const badRole = await reserve({ agent_id: { value: agentId }, resources: [{ ...cpus(1), role: '-ads' }] });
  assert.equal(badRole.statusCode, 400);
  assert.equal(badRole.body, "Failed to validate master::Call: reserve_resources.resources[0].role: role '-ads' must not have a component starting with '-'");

  const unreserved = await post(app, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: [cpus(3)] } });
  assert.equal(unreserved.statusCode, 202);
  assert.equal((shell.core.agents.get(agentId as AgentId)?.total ?? []).some((r) => r.reservations), false);
  shell.stop();
});

// ---------------------------------------------------------------- the calls of issue 4

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** POSTs a call and checks the 200 JSON answer's type; returns its body. */
async function answer(app: FastifyInstance, call: unknown): Promise<Json> {
  const response = await post(app, call);
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = response.json() as Json;
  assert.equal(body.type, (call as { type: string }).type);
  return body;
}

/** One agent, one framework in role eng, one running task. */
function withRunningTask(server: OperatorServer): { agentId: AgentId } {
  const h = server.harness;
  const agentId = h.addAgent('cpus:2;mem:512');
  const { frameworkId } = h.subscribe('web', { role: 'eng', capabilities: [{ type: 'PARTITION_AWARE' }] });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1', resources: parseSimple('cpus:1;mem:64') }]);
  h.agentUpdate(agentId, frameworkId, 't1', 'TASK_RUNNING');
  return { agentId };
}

test('GET_HEALTH, GET_VERSION, GET_MASTER, GET_FLAGS and GET_METRICS', async () => {
  const { app, shell } = operatorServer();
  assert.deepEqual(await answer(app, { type: 'GET_HEALTH' }), { type: 'GET_HEALTH', get_health: { healthy: true } });
  const version = (await answer(app, { type: 'GET_VERSION' })).get_version.version_info;
  assert.equal(version.version, '1.11.0');
  assert.deepEqual(Object.keys(version).sort(), ['build_date', 'build_time', 'build_user', 'version'], 'mesos.proto VersionInfo fields only');
  const master = (await answer(app, { type: 'GET_MASTER' })).get_master;
  assert.deepEqual(master, { master_info: shell.core.options.masterInfo, start_time: 1, elected_time: 2 });
  assert.deepEqual((await answer(app, { type: 'GET_FLAGS' })).get_flags.flags, [
    { name: 'allocation_interval', value: '1secs' },
    { name: 'log_level', value: 'info' },
    { name: 'offer_timeout', value: '1mins' },
    { name: 'port', value: '5050' },
  ], 'sorted by name, durations as Mesos writes them');

  const metrics = (await answer(app, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: 5_000_000_000 } } })).get_metrics.metrics as Array<{ name: string; value: number }>;
  assert.deepEqual(metrics.find((m) => m.name === 'master/uptime_secs'), { name: 'master/uptime_secs', value: 4 });
  assert.deepEqual(metrics.find((m) => m.name === 'master/operator_event_stream_subscribers'), { name: 'master/operator_event_stream_subscribers', value: 0 });
  assert.deepEqual(metrics.map((m) => m.name), [...metrics.map((m) => m.name)].sort(), 'sorted by name');
  assert.ok((await answer(app, { type: 'GET_METRICS', get_metrics: {} })).get_metrics.metrics.length > 10);

  const missing = await post(app, { type: 'GET_METRICS' });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.body, "Failed to validate master::Call: Expecting 'get_metrics' to be present");
  const badTimeout = await post(app, { type: 'GET_METRICS', get_metrics: { timeout: { nanoseconds: '5s' } } });
  assert.equal(badTimeout.statusCode, 400);
  assert.match(badTimeout.body, /'get_metrics\.timeout\.nanoseconds' is invalid/);
  shell.stop();
});

test('SET_LOGGING_LEVEL raises the level for its duration, GET_LOGGING_LEVEL reads it; bad bodies are 400 naming the field', async () => {
  const ownLogger = createLogger('test', 'warn');
  const { app, shell, api } = operatorServer(true, ownLogger);
  assert.deepEqual(await answer(app, { type: 'GET_LOGGING_LEVEL' }), { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: 0 } });
  const set = await post(app, { type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 2, duration: { nanoseconds: 150_000_000 } } });
  assert.equal(set.statusCode, 200);
  assert.equal(set.body, '');
  assert.equal((await answer(app, { type: 'GET_LOGGING_LEVEL' })).get_logging_level.level, 2);
  assert.equal(ownLogger.level, 'debug', 'two levels more verbose than warn');
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await answer(app, { type: 'GET_LOGGING_LEVEL' })).get_logging_level.level, 0, 'back once the duration is over');
  assert.equal(ownLogger.level, 'warn');

  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'SET_LOGGING_LEVEL' }, /Expecting 'set_logging_level' to be present/],
    [{ type: 'SET_LOGGING_LEVEL', set_logging_level: { duration: { nanoseconds: 1 } } }, /Expecting 'set_logging_level\.level' to be present/],
    [{ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: -1, duration: { nanoseconds: 1 } } }, /'set_logging_level\.level' is invalid/],
    [{ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1 } }, /Expecting 'set_logging_level\.duration' to be present/],
    [{ type: 'SET_LOGGING_LEVEL', set_logging_level: { level: 1, duration: { nanoseconds: 1.5 } } }, /'set_logging_level\.duration\.nanoseconds' is invalid/],
  ];
  for (const [call, message] of cases) {
    const refused = await post(app, call);
    assert.equal(refused.statusCode, 400, JSON.stringify(call));
    assert.match(refused.body, message);
  }
  assert.equal(ownLogger.level, 'warn', 'no refused call changed the level');
  api.stop();
  shell.stop();
});

test('GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS and GET_ROLES answer the v1 state', async () => {
  const server = operatorServer();
  const { app, shell } = server;
  withRunningTask(server);
  const core = shell.core;
  const writer = new OperatorStateWriter(core);
  const written = (write: (out: JsonChunks) => void): Json => {
    const out = new JsonChunks();
    write(out);
    return JSON.parse(answerText(out.answer())) as Json;
  };
  const state = await answer(app, { type: 'GET_STATE' });
  assert.deepEqual(state.get_state, written((out) => writer.writeState(out)));
  assert.equal(state.get_state.get_tasks.tasks[0].state, 'TASK_RUNNING');
  assert.deepEqual((await answer(app, { type: 'GET_AGENTS' })).get_agents, written((out) => writer.writeAgents(out)));
  assert.deepEqual((await answer(app, { type: 'GET_FRAMEWORKS' })).get_frameworks, written((out) => writer.writeFrameworks(out)));
  assert.deepEqual((await answer(app, { type: 'GET_EXECUTORS' })).get_executors, written((out) => writer.writeExecutors(out)));
  assert.deepEqual((await answer(app, { type: 'GET_TASKS' })).get_tasks, written((out) => writer.writeTasks(out)));
  const roles = (await answer(app, { type: 'GET_ROLES' })).get_roles;
  assert.deepEqual(roles, JSON.parse(JSON.stringify(getRoles(core))));
  assert.deepEqual(roles.roles.map((r: Json) => r.name), ['eng']);
  shell.stop();
});

test('TEARDOWN: 200 with no body for a subscribed framework; 400 naming the field otherwise', async () => {
  const server = operatorServer();
  const { app, shell, harness } = server;
  const { frameworkId } = harness.subscribe('web');
  const torn = await post(app, { type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } });
  assert.equal(torn.statusCode, 200);
  assert.equal(torn.body, '');
  assert.equal(shell.core.frameworkAccess(frameworkId).kind, 'removed');
  assert.deepEqual(shell.core.completedFrameworks.map((f) => f.id), [frameworkId]);

  const again = await post(app, { type: 'TEARDOWN', teardown: { framework_id: { value: frameworkId } } });
  assert.equal(again.statusCode, 400);
  assert.equal(again.body, `Failed to validate master::Call: teardown.framework_id: no framework found with ID '${frameworkId}' (it was removed already)`);
  const unknown = await post(app, { type: 'TEARDOWN', teardown: { framework_id: { value: 'nope' } } });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.body, "Failed to validate master::Call: teardown.framework_id: no framework found with ID 'nope'");
  const noBody = await post(app, { type: 'TEARDOWN' });
  assert.equal(noBody.statusCode, 400);
  assert.match(noBody.body, /Expecting 'teardown' to be present/);
  const noId = await post(app, { type: 'TEARDOWN', teardown: {} });
  assert.equal(noId.statusCode, 400);
  assert.match(noId.body, /Expecting 'teardown\.framework_id' to be present/);
  shell.stop();
});

test('MARK_AGENT_GONE: saved, then applied; 200 again for a gone agent; 404 for an unknown one', async () => {
  const server = operatorServer();
  const { app, shell, goneFile } = server;
  const { agentId } = withRunningTask(server);
  const gone = await post(app, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
  assert.equal(gone.statusCode, 200);
  assert.equal(gone.body, '');
  assert.deepEqual(JSON.parse(readFileSync(goneFile, 'utf8')), { agent_ids: [{ value: agentId }] });
  assert.equal(shell.core.agentStanding(agentId), 'gone');
  const tasks = (await answer(app, { type: 'GET_TASKS' })).get_tasks;
  assert.deepEqual(tasks.completed_tasks.map((t: Json) => [t.task_id.value, t.state]), [['t1', 'TASK_GONE_BY_OPERATOR']]);
  assert.deepEqual((await answer(app, { type: 'GET_AGENTS' })).get_agents, {});

  const again = await post(app, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
  assert.equal(again.statusCode, 200, 'idempotent, as in Mesos');
  const unknown = await post(app, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: 'S99' } } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.body, "mark_agent_gone.agent_id: no registered or unreachable agent with ID 'S99'");
  const noId = await post(app, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: '' } } });
  assert.equal(noId.statusCode, 400);
  assert.match(noId.body, /'mark_agent_gone\.agent_id\.value' is invalid/);
  shell.stop();
});

test('MARK_AGENT_GONE whose save fails answers 503 and the agent stays', async () => {
  const server = operatorServer();
  const { app, shell, goneFile } = server;
  const { agentId } = withRunningTask(server);
  mkdirSync(`${goneFile}.tmp`, { recursive: true }); // A folder where the temporary file goes: the write fails.
  const failed = await post(app, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } });
  assert.equal(failed.statusCode, 503);
  assert.match(failed.body, /Failed to save the gone agents to .*gone-agents\.json: .*EISDIR.*nothing was changed/);
  assert.equal(shell.core.agentStanding(agentId), 'registered');
  rmSync(`${goneFile}.tmp`, { recursive: true });
  shell.stop();
});
