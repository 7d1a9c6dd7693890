/**
 * Goal: the master answers "why is my framework starving?" — for a framework that declined every
 * agent, one that is suppressed, one at its quota limit, one whose agents are fully used, one
 * that is disconnected — with the allocator's agent breakdown, the master's facts and a summary
 * naming the reason; the cheap `allocation` field of /master/state and /master/frameworks agrees;
 * the endpoint answers 404 for an unknown framework and 400 for a bad or foreign role.
 * Method: the Harness steps a real MasterCore (manual clock); the routes run in-process (Fastify's
 * inject) on that core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/common/clock.js';
import { createHttpServer } from '../../../src/common/http/server.js';
import { createLogger } from '../../../src/common/log.js';
import type { FrameworkId } from '../../../src/common/ids.js';
import type { FrameworkAllocation } from '../../../src/master/core/allocation-explain.js';
import { registerAllocationRoutes } from '../../../src/master/shell/allocation-explain.js';
import { masterStateJson, type MasterIdentity } from '../../../src/master/shell/state-json.js';
import { Harness, parseSimple } from './harness.js';

const HOUR_S = 3600;
const IDENTITY: MasterIdentity = { version: '1.11.0', buildDate: '', startTimeMs: 0, electedTimeMs: 0, pid: 'master@127.0.0.1:5050', hostname: 'm1', flags: {} };

function explain(h: Harness, frameworkId: FrameworkId, role?: string): FrameworkAllocation {
  const result = h.core.explainAllocation(frameworkId, role, h.nowMs);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function onlyRole(h: Harness, frameworkId: FrameworkId, role?: string) {
  const roles = explain(h, frameworkId, role).roles;
  assert.equal(roles.length, 1);
  return roles[0] as NonNullable<(typeof roles)[0]>;
}

function stateAllocation(h: Harness, frameworkId: FrameworkId): Record<string, unknown> {
  const state = masterStateJson(h.core, IDENTITY, h.nowMs) as { frameworks: Array<{ id: string; allocation: Record<string, unknown> }> };
  return state.frameworks.find((f) => f.id === frameworkId)?.allocation ?? {};
}

/** Two agents of 4 cpus, a framework in `dev` that was offered both and declined them for an hour. */
function declinedEverything(): { h: Harness; frameworkId: FrameworkId } {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096', 'a1');
  h.addAgent('cpus:4;mem:4096', 'a2');
  const { frameworkId } = h.subscribe('starving', { role: 'dev' });
  const offers = h.allocate();
  assert.equal(offers.length, 2);
  h.call(frameworkId, { type: 'DECLINE', decline: { offer_ids: offers.map((o) => o.id), filters: { refuse_seconds: HOUR_S } } });
  h.nowMs += 1000;
  h.allocate();
  return { h, frameworkId };
}

test('a framework that declined every agent for an hour: every agent filtered, and the summary says its declines do it', () => {
  const { h, frameworkId } = declinedEverything();
  const dev = onlyRole(h, frameworkId);
  assert.equal(dev.role, 'dev');
  assert.deepEqual(dev.agents, { total: 2, fullyAllocated: 0, reservedForOtherRoles: 0, belowMinimum: 0, filtered: 2, available: 0 });
  assert.equal(dev.offeredLastRun, 0);
  assert.deepEqual(dev.outstandingOffers, { count: 0, cpus: 0, mem: 0 });
  assert.equal(dev.connected, true);
  assert.match(dev.summary, /^Its declines filter every agent \(2 of 2\): .*REVIVE clears the filters$/);

  // An hour later the filters are gone: both agents could be offered again.
  h.nowMs += HOUR_S * 1000;
  const later = onlyRole(h, frameworkId);
  assert.equal(later.agents.filtered, 0);
  assert.equal(later.agents.available, 2);
  assert.match(later.summary, /^2 agents could offer to role 'dev', but it was offered nothing in the last allocation run/);
});

test('the allocation field of /master/state agrees with the endpoint, cheaply', () => {
  const { h, frameworkId } = declinedEverything();
  const full = onlyRole(h, frameworkId);
  assert.deepEqual(stateAllocation(h, frameworkId), {
    dev: { summary: full.summary, offered_last_run: 0, suppressed: false, at_quota_limit: false, filtered_agents: 2 },
  });
  h.call(frameworkId, { type: 'SUPPRESS' });
  assert.match((stateAllocation(h, frameworkId).dev as { summary: string }).summary, /^Suppressed/);
});

test('a suppressed framework is told it is suppressed, before anything else', () => {
  const { h, frameworkId } = declinedEverything();
  h.call(frameworkId, { type: 'SUPPRESS', suppress: { roles: ['dev'] } });
  const dev = onlyRole(h, frameworkId, 'dev');
  assert.equal(dev.suppressed, true);
  assert.match(dev.summary, /^Suppressed: the framework asked for no offers in role 'dev' .*REVIVE asks again$/);
});

test('a framework in a role at its quota limit is told so', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('capped', { role: 'dev' });
  h.step({ kind: 'update-quota', update: [{ role: 'dev', spec: { guarantees: {}, limits: { cpus: 0, mem: 0 } } }] });
  assert.deepEqual(h.allocate(), []);
  const dev = onlyRole(h, frameworkId);
  assert.equal(dev.atQuotaLimit, true);
  assert.match(dev.summary, /^At its quota limit: the limits of role 'dev' leave no cpus and no mem to offer$/);
  assert.equal((stateAllocation(h, frameworkId).dev as { at_quota_limit: boolean }).at_quota_limit, true);
});

test('a framework whose agents are fully used by another is told nothing is free', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:1;mem:128');
  const greedy = h.subscribe('greedy', { role: 'web' });
  const [offer] = h.allocate();
  assert.ok(offer);
  h.launch(greedy.frameworkId, offer, [{ id: 't1', resources: parseSimple('cpus:1;mem:128') }]);
  h.agentUpdate(agentId, greedy.frameworkId, 't1', 'TASK_RUNNING');
  const starving = h.subscribe('starving', { role: 'batch' });
  assert.deepEqual(h.allocate(), []);
  const batch = onlyRole(h, starving.frameworkId);
  assert.deepEqual(batch.agents, { total: 1, fullyAllocated: 1, reservedForOtherRoles: 0, belowMinimum: 0, filtered: 0, available: 0 });
  assert.equal(batch.summary, 'Nothing is free: everything on the only agent is offered or in use');
});

test('offers made and held are the answer; a disconnected framework is told it is not connected', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096', 'a1');
  h.addAgent('cpus:2;mem:1024', 'a2');
  const { frameworkId, connectionId } = h.subscribe('fed');
  assert.equal(h.allocate().length, 2);
  const star = onlyRole(h, frameworkId, '*');
  assert.equal(star.offeredLastRun, 2);
  assert.deepEqual(star.outstandingOffers, { count: 2, cpus: 6, mem: 5120 });
  assert.equal(star.summary, 'Offered 2 times in the last allocation run; holds 2 outstanding offers (cpus 6, mem 5120)');
  h.allocate(); // Nothing new: the framework still holds everything.
  assert.equal(onlyRole(h, frameworkId).summary, 'Holds 2 outstanding offers (cpus 6, mem 5120)');

  h.step({ kind: 'framework-disconnected', frameworkId, connectionId });
  const gone = onlyRole(h, frameworkId);
  assert.equal(gone.connected, false);
  assert.equal(gone.active, false);
  assert.match(gone.summary, /^Not connected/);
});

test('every role of a multi-role framework, in its order; errors name the framework or the role', () => {
  const h = new Harness();
  h.addAgent();
  const { frameworkId } = h.subscribe('multi', { roles: ['web', 'batch'], capabilities: [{ type: 'MULTI_ROLE' }] });
  assert.deepEqual(explain(h, frameworkId).roles.map((r) => r.role), ['web', 'batch']);
  assert.deepEqual(h.core.explainAllocation('nope' as FrameworkId, undefined, h.nowMs), {
    ok: false, reason: 'FRAMEWORK_UNKNOWN', message: "Framework 'nope' is not known to this master",
  });
  const invalid = h.core.explainAllocation(frameworkId, 'a//b', h.nowMs);
  assert.equal(invalid.ok ? null : invalid.reason, 'ROLE_INVALID');
  const foreign = h.core.explainAllocation(frameworkId, 'ops', h.nowMs);
  assert.deepEqual(foreign.ok ? null : foreign, {
    ok: false, reason: 'ROLE_NOT_HELD', message: `Framework '${frameworkId}' is not in role 'ops' (its roles: 'web', 'batch')`,
  });
  h.call(frameworkId, { type: 'TEARDOWN' });
  const removed = h.core.explainAllocation(frameworkId, undefined, h.nowMs);
  assert.equal(removed.ok ? null : removed.reason, 'FRAMEWORK_REMOVED');
});

test('GET /master/frameworks/<id>/allocation and /master/frameworks: shapes, 404 and 400', async () => {
  const { h, frameworkId } = declinedEverything();
  const app = createHttpServer(createLogger('test', 'silent'));
  registerAllocationRoutes(app, h.core, new ManualClock(h.nowMs));
  const get = (url: string) => app.inject({ method: 'GET', url });

  for (const url of [`/master/frameworks/${frameworkId}/allocation`, `/frameworks/${frameworkId}/allocation?role=dev`]) {
    const answer = await get(url);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json(), {
      framework_id: frameworkId,
      name: 'starving',
      roles: [{
        role: 'dev',
        summary: onlyRole(h, frameworkId).summary,
        offered_last_run: 0,
        subscribed: true,
        connected: true,
        active: true,
        suppressed: false,
        at_quota_limit: false,
        outstanding_offers: { count: 0, cpus: 0, mem: 0 },
        agents: { total: 2, fully_allocated: 0, reserved_for_other_roles: 0, below_minimum: 0, filtered: 2, available: 0 },
      }],
    });
  }
  const unknown = await get('/master/frameworks/no-such-framework/allocation');
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.body, "Framework 'no-such-framework' is not known to this master");
  const invalid = await get(`/master/frameworks/${frameworkId}/allocation?role=..`);
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.body, /^Invalid role: role '\.\.' must not have a '\.' or '\.\.' component$/);
  const foreign = await get(`/master/frameworks/${frameworkId}/allocation?role=ops`);
  assert.equal(foreign.statusCode, 400);
  assert.equal(foreign.body, `Framework '${frameworkId}' is not in role 'ops' (its roles: 'dev')`);
  assert.equal((await get(`/master/frameworks/${frameworkId}/allocation?role=dev&role=ops`)).statusCode, 400);

  const listed = await get(`/master/frameworks?framework_id=${frameworkId}`);
  assert.equal(listed.statusCode, 200);
  const body = listed.json() as { frameworks: Array<{ id: string; allocation: unknown }>; completed_frameworks: unknown[] };
  assert.deepEqual(body.frameworks.map((f) => f.id), [frameworkId]);
  assert.deepEqual(body.frameworks[0]?.allocation, stateAllocation(h, frameworkId));
  assert.deepEqual((await get('/frameworks?framework_id=other')).json(), { frameworks: [], completed_frameworks: [], unregistered_frameworks: [] });
  await app.close();
});
