/**
 * Goal: the Operator API's weight calls answer as Mesos does, and a weight update is durable
 * before it is acknowledged: when the save fails the master answers 503 and changes nothing.
 * Method: in-process HTTP (Fastify's inject, as Hono's app.request) against a real MasterShell and
 * MasterCore, with the weights file in a temporary folder.
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
import { MasterShell } from '../../../src/master/shell/master-shell.js';
import { masterMetricsSnapshot } from '../../../src/master/shell/metrics.js';
import { OperatorApi } from '../../../src/master/shell/operator-api.js';
import { OperatorEvents } from '../../../src/master/shell/operator-events.js';
import { WeightsStore } from '../../../src/master/shell/weights-store.js';
import { makeCore } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'meridian-operator-'));
after(() => rmSync(root, { recursive: true, force: true }));

const logger = createLogger('test', 'silent');
let instances = 0;

function operatorServer(withStore = true): { app: FastifyInstance; shell: MasterShell; file: string } {
  const file = join(root, `master-${++instances}`, 'weights.json');
  const shell = new MasterShell(makeCore(), new ManualClock(), logger, { heartbeatIntervalMs: 15_000, allocationIntervalMs: 1000, agentPingTimeoutMs: 15_000 });
  const app = createHttpServer(logger);
  operatorApi(shell, withStore ? new WeightsStore(file) : null).registerRoutes(app);
  return { app, shell, file };
}

/** An Operator API over `shell` as the master wires it, without the stores it does not test. */
export function operatorApi(shell: MasterShell, weightsStore: WeightsStore | null = null): OperatorApi {
  const identity = { version: '1.11.0', buildDate: '', startTimeMs: 1_000, electedTimeMs: 2_000, pid: 'master@127.0.0.1:5050', hostname: 'm1', flags: {} };
  const events = new OperatorEvents(shell.core, shell.metrics, { heartbeatIntervalMs: 15_000 });
  shell.stateObserver = events;
  return new OperatorApi(shell, logger, {
    weightsStore, quotaStore: null, goneAgentsStore: null, identity, flags: { port: 5050, offer_timeout: 60_000, log_level: 'info' }, flagSpecs: MASTER_FLAGS,
    metrics: () => masterMetricsSnapshot({ core: shell.core, shell: shell.metrics, startTimeMs: 1_000 }, 5_000), events,
  });
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
  const operations = await post(app, { type: 'GET_OPERATIONS' });
  assert.equal(operations.statusCode, 501);
  assert.match(operations.body, /'GET_OPERATIONS' call yet/);
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
