/**
 * Goal: offer operation feedback follows Mesos (docs/scheduler-http-api.md UPDATE_OPERATION_STATUS,
 * ACKNOWLEDGE_OPERATION_STATUS, RECONCILE_OPERATIONS; docs/reconciliation.md; mesos.proto
 * OperationStatus): a RESERVE or UNRESERVE with an `id` is answered with OPERATION_FINISHED carrying
 * the converted resources in the framework's format, an agent id and a uuid, and re-sent (on a
 * backoff timer and on resubscription) until acknowledged; a refused one gets OPERATION_ERROR
 * without uuid or agent; an `id` on LAUNCH fails its tasks; reconciliation answers without uuid, by
 * the state of the operation or of the agent named; operations of an agent that leaves are
 * forgotten; without `id` nothing changes.
 * Method: scripted scenarios through the Harness (a real MasterCore and DrfAllocator with a manual
 * clock), asserting on the events, timers and logs the core emits; the call validator and the
 * Operator API conversion directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer, OfferOperation, Resource } from '../../../src/api/mesos.js';
import type { OperationStatus } from '../../../src/api/operations.js';
import { validateSchedulerCall } from '../../../src/api/scheduler/calls.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import {
  OPERATION_STATUS_RETRY_MAX_MS, OPERATION_STATUS_RETRY_MIN_MS, OPERATIONS_PER_FRAMEWORK_MAX, OperationFeedback, operationJson, uuidBytes,
} from '../../../src/master/core/operations.js';
import type { FrameworkRecord } from '../../../src/master/core/state.js';
import type { ConnectionId, Effect, TimerKey } from '../../../src/master/core/types.js';
import { agentEvents, Harness, updatesIn } from './harness.js';

// ---------------------------------------------------------------------------------------------
// Builders and readers
// ---------------------------------------------------------------------------------------------

const reservedOld = (name: string, value: number, role: string, principal?: string): Resource => ({
  name, type: 'SCALAR', scalar: { value }, role, reservation: principal !== undefined ? { principal } : {},
});

const reserve = (resources: Resource[], id?: string): OfferOperation => ({ type: 'RESERVE', ...(id !== undefined ? { id: { value: id } } : {}), reserve: { resources } });
const unreserve = (resources: Resource[], id?: string): OfferOperation => ({ type: 'UNRESERVE', ...(id !== undefined ? { id: { value: id } } : {}), unreserve: { resources } });

function accept(h: Harness, frameworkId: FrameworkId, offer: Offer, operations: OfferOperation[]): Effect[] {
  return h.call(frameworkId, { type: 'ACCEPT', accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } } });
}

function operationStatuses(effects: Effect[], frameworkId?: FrameworkId): OperationStatus[] {
  return effects.flatMap((e) => (e.kind === 'to-framework' && (!frameworkId || e.frameworkId === frameworkId) && e.event.type === 'UPDATE_OPERATION_STATUS'
    ? [e.event.update_operation_status.status] : []));
}

function onlyStatus(effects: Effect[]): OperationStatus {
  const statuses = operationStatuses(effects);
  assert.equal(statuses.length, 1, `one UPDATE_OPERATION_STATUS, got ${JSON.stringify(statuses)}`);
  return statuses[0] as OperationStatus;
}

const retryTimers = (effects: Effect[]): Array<Extract<Effect, { kind: 'set-timer' | 'cancel-timer' }>> =>
  effects.filter((e): e is Extract<Effect, { kind: 'set-timer' | 'cancel-timer' }> =>
    (e.kind === 'set-timer' || e.kind === 'cancel-timer') && e.key.kind === 'operation-status-retry');

const warnings = (effects: Effect[]): string[] => effects.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e.message] : []));

function acknowledge(h: Harness, frameworkId: FrameworkId, agentId: string, operationId: string, uuid: string): Effect[] {
  return h.call(frameworkId, {
    type: 'ACKNOWLEDGE_OPERATION_STATUS',
    acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: operationId } },
  });
}

function reconcile(h: Harness, frameworkId: FrameworkId, operations: Array<{ id: string; agentId?: string; providerId?: string }>): Effect[] {
  return h.call(frameworkId, {
    type: 'RECONCILE_OPERATIONS',
    reconcile_operations: {
      operations: operations.map(({ id, agentId, providerId }) => ({
        operation_id: { value: id },
        ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
        ...(providerId !== undefined ? { resource_provider_id: { value: providerId } } : {}),
      })),
    },
  });
}

/** A cluster of one agent and a framework in role eng (principal ops) that reserved 1 cpu with `id` 'r1'. */
function reservedWithFeedback(
  info: Parameters<Harness['subscribe']>[1] = { role: 'eng', principal: 'ops' },
  reserved: Resource = reservedOld('cpus', 1, 'eng', 'ops'),
) {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId, connectionId } = h.subscribe('eng', info);
  const [offer] = h.allocate();
  assert.ok(offer);
  const effects = accept(h, frameworkId, offer, [reserve([reserved], 'r1')]);
  const finished = onlyStatus(effects);
  return { h, agentId, frameworkId, connectionId, offer, effects, finished, uuid: finished.uuid?.value ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Applied operations: OPERATION_FINISHED, reliable
// ---------------------------------------------------------------------------------------------

test('RESERVE with an id: OPERATION_FINISHED with the converted resources in the offer format, the agent and a 16-byte uuid', () => {
  const { h, agentId, frameworkId, effects, finished, uuid } = reservedWithFeedback();
  assert.deepEqual(agentEvents(effects, agentId).map((e) => e.type), ['CHECKPOINT_RESOURCES'], 'applied as without an id');
  assert.deepEqual(finished, {
    operation_id: { value: 'r1' },
    state: 'OPERATION_FINISHED',
    // An old-style framework (no MULTI_ROLE, no RESERVATION_REFINEMENT) sees `role` + `reservation`, no allocation info.
    converted_resources: [reservedOld('cpus', 1, 'eng', 'ops')],
    uuid: { value: uuid },
    agent_id: { value: agentId },
  });
  assert.equal(Buffer.from(uuid, 'base64').length, 16);
  assert.deepEqual(retryTimers(effects), [{ kind: 'set-timer', key: { kind: 'operation-status-retry', frameworkId }, atMs: h.nowMs + OPERATION_STATUS_RETRY_MIN_MS }]);
  // The converted resources read as the framework's next offer shows them.
  const [next] = h.allocate();
  assert.deepEqual(next?.resources.find((r) => r.name === 'cpus' && r.role === 'eng'), reservedOld('cpus', 1, 'eng', 'ops'));
});

test('a MULTI_ROLE, RESERVATION_REFINEMENT framework sees the converted resources with their stack and allocation info', () => {
  const { finished } = reservedWithFeedback(
    { roles: ['eng'], principal: 'ops', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }], allocation_info: { role: 'eng' } },
  );
  assert.deepEqual(finished.converted_resources, [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
    allocation_info: { role: 'eng' },
  }]);
});

test('UNRESERVE with an id: OPERATION_FINISHED with the unreserved resources', () => {
  const { h, agentId, frameworkId, uuid } = reservedWithFeedback();
  acknowledge(h, frameworkId, agentId, 'r1', uuid);
  h.nowMs += 1000;
  const offer = h.allocate().find((o) => o.resources.some((r) => r.role === 'eng'));
  assert.ok(offer);
  const status = onlyStatus(accept(h, frameworkId, offer, [unreserve([reservedOld('cpus', 1, 'eng', 'ops')], 'u1')]));
  assert.equal(status.state, 'OPERATION_FINISHED');
  assert.deepEqual(status.converted_resources, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*' }]);
});

test('without an id nothing changes: no UPDATE_OPERATION_STATUS, no retry timer, nothing kept', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  const effects = accept(h, frameworkId, offer!, [reserve([reservedOld('cpus', 1, 'eng')]), reserve([{ name: 'cpus', type: 'SCALAR', scalar: { value: 99 } }])]);
  assert.deepEqual(operationStatuses(effects), [], 'neither the applied nor the invalid one reports');
  assert.deepEqual(retryTimers(effects), []);
  assert.deepEqual(h.core.operations.records(), []);
  h.effects.length = 0;
  h.subscribe('eng', { role: 'eng' }, frameworkId);
  assert.deepEqual(retryTimers(h.effects), [], 'resubscribing sets or cancels no retry timer either');
});

test('an unacknowledged status is re-sent with the same uuid, waiting 10 s, then twice as long each time up to 10 min', () => {
  const { h, frameworkId, finished } = reservedWithFeedback();
  const waits: number[] = [];
  for (let retry = 0; retry < 9; retry++) {
    const [timer] = retryTimers(h.effects.splice(0));
    assert.ok(timer?.kind === 'set-timer', 'a retry is always scheduled while unacknowledged');
    waits.push(timer.atMs - h.nowMs);
    h.nowMs = timer.atMs;
    const effects = h.step({ kind: 'timer', key: timer.key });
    assert.deepEqual(operationStatuses(effects, frameworkId), [finished], 'the same status, uuid and all');
  }
  assert.deepEqual(waits, [10, 20, 40, 80, 160, 320, 600, 600, 600].map((s) => s * 1000));
  assert.equal(OPERATION_STATUS_RETRY_MAX_MS, 600_000);
});

test('a retry timer that fires early sends nothing', () => {
  const { h, frameworkId } = reservedWithFeedback();
  h.nowMs += OPERATION_STATUS_RETRY_MIN_MS - 1;
  const effects = h.step({ kind: 'timer', key: { kind: 'operation-status-retry', frameworkId } });
  assert.deepEqual(operationStatuses(effects), []);
  assert.deepEqual(retryTimers(effects).map((t) => t.kind === 'set-timer' && t.atMs), [h.nowMs + 1], 'armed again for when it is due');
});

test('a framework that resubscribes is sent its unacknowledged statuses at once, after SUBSCRIBED, and the backoff starts over', () => {
  const { h, frameworkId, connectionId, finished } = reservedWithFeedback({ role: 'eng', principal: 'ops', failover_timeout: 60 });
  h.step({ kind: 'framework-disconnected', frameworkId, connectionId });
  h.nowMs += 30_000;
  // While disconnected, a due retry sends nothing and waits for the resubscription.
  const whileAway = h.step({ kind: 'timer', key: { kind: 'operation-status-retry', frameworkId } });
  assert.deepEqual(whileAway.filter((e) => e.kind === 'to-framework'), []);
  h.effects.length = 0;
  h.subscribe('eng', { role: 'eng', principal: 'ops', failover_timeout: 60 }, frameworkId);
  const kinds = h.effects.flatMap((e) => (e.kind === 'framework-stream-open' ? ['SUBSCRIBED'] : e.kind === 'to-framework' ? [e.event.type] : []));
  assert.deepEqual(kinds.slice(0, 2), ['SUBSCRIBED', 'UPDATE_OPERATION_STATUS']);
  assert.deepEqual(operationStatuses(h.effects), [finished]);
  assert.deepEqual(retryTimers(h.effects).map((t) => t.kind === 'set-timer' && t.atMs), [h.nowMs + OPERATION_STATUS_RETRY_MIN_MS]);
});

// ---------------------------------------------------------------------------------------------
// Acknowledgements
// ---------------------------------------------------------------------------------------------

test('acknowledging the terminal status forgets the operation and stops the retries', () => {
  const { h, agentId, frameworkId, uuid } = reservedWithFeedback();
  const effects = acknowledge(h, frameworkId, agentId, 'r1', uuid);
  assert.deepEqual(warnings(effects), []);
  assert.deepEqual(retryTimers(effects), [{ kind: 'cancel-timer', key: { kind: 'operation-status-retry', frameworkId } }]);
  assert.deepEqual(h.core.operations.records(), []);
  const answer = onlyStatus(reconcile(h, frameworkId, [{ id: 'r1', agentId }]));
  assert.equal(answer.state, 'OPERATION_UNKNOWN', 'acknowledged and gone, as in Mesos');
});

test('acknowledgements of nothing known are ignored with a warning, as Mesos ignores them, and the retries go on', () => {
  const { h, agentId, frameworkId, uuid } = reservedWithFeedback();
  const otherUuid = Buffer.alloc(16, 7).toString('base64');
  const cases: Array<[string, Effect[], RegExp]> = [
    ['unknown operation', acknowledge(h, frameworkId, agentId, 'nope', uuid), /operation 'nope' is not known/],
    ['unknown status', acknowledge(h, frameworkId, agentId, 'r1', otherUuid), /has no status with uuid/],
    ['another agent', acknowledge(h, frameworkId, 'm1-S99', 'r1', uuid), /is on agent .*, not m1-S99/],
    ['a resource provider', h.call(frameworkId, {
      type: 'ACKNOWLEDGE_OPERATION_STATUS',
      acknowledge_operation_status: { agent_id: { value: agentId }, resource_provider_id: { value: 'rp' }, uuid, operation_id: { value: 'r1' } },
    }), /not on resource provider rp/],
  ];
  for (const [what, effects, message] of cases) {
    const [warning] = warnings(effects);
    assert.match(warning ?? '', message, what);
    assert.match(warning ?? '', /^Ignoring ACKNOWLEDGE_OPERATION_STATUS/, what);
    assert.deepEqual(retryTimers(effects), [], `${what}: the retry stays as it was`);
  }
  assert.equal(h.core.operations.records().length, 1, 'still kept');
});

test('an id in use by an unacknowledged operation is refused with OPERATION_ERROR; once acknowledged it may be used again', () => {
  const { h, agentId, frameworkId, uuid } = reservedWithFeedback();
  const offer = h.allocate()[0];
  assert.ok(offer);
  const refused = accept(h, frameworkId, offer, [reserve([reservedOld('cpus', 1, 'eng', 'ops')], 'r1')]);
  assert.deepEqual(onlyStatus(refused), {
    operation_id: { value: 'r1' }, state: 'OPERATION_ERROR',
    message: "Operation ID 'r1' is already used by an operation whose terminal status is not acknowledged",
  });
  assert.deepEqual(agentEvents(refused, agentId), [], 'not applied');
  acknowledge(h, frameworkId, agentId, 'r1', uuid);
  h.nowMs += 1000;
  const again = h.allocate()[0];
  assert.equal(onlyStatus(accept(h, frameworkId, again!, [reserve([reservedOld('cpus', 1, 'eng', 'ops')], 'r1')])).state, 'OPERATION_FINISHED');
});

test(`past ${OPERATIONS_PER_FRAMEWORK_MAX} unacknowledged operations a framework's next id is refused`, () => {
  const emitted: Effect[] = [];
  const feedback = new OperationFeedback((effect) => emitted.push(effect));
  const framework = { id: 'f1' as FrameworkId, connectionId: 'c1' as ConnectionId, capabilities: new Set<string>() } as FrameworkRecord;
  for (let i = 0; i < OPERATIONS_PER_FRAMEWORK_MAX; i++) {
    feedback.finish(framework, 'a1' as AgentId, reserve([], `op${i}`), [], 'm1', 0);
  }
  assert.equal(feedback.countOf(framework.id), OPERATIONS_PER_FRAMEWORK_MAX);
  assert.match(feedback.checkId(framework, reserve([], 'one-more')) ?? '', /acknowledge them before asking for feedback on more/);
  assert.equal(feedback.checkId(framework, reserve([])), null, 'an operation without id is never held back');
  const uuids = new Set(feedback.records().flatMap((r) => [r.uuid, ...r.statuses.map((s) => s.uuid?.value)]));
  assert.equal(uuids.size, 2 * OPERATIONS_PER_FRAMEWORK_MAX, 'every operation and status uuid differs');
});

// ---------------------------------------------------------------------------------------------
// Refused operations: OPERATION_ERROR, unreliable
// ---------------------------------------------------------------------------------------------

test('an invalid RESERVE with an id gets OPERATION_ERROR naming the field, without uuid or agent, and is not kept', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng', principal: 'ops' });
  const [offer] = h.allocate();
  const effects = accept(h, frameworkId, offer!, [reserve([reservedOld('cpus', 1, 'eng', 'someone-else')], 'bad')]);
  const status = onlyStatus(effects);
  assert.deepEqual(Object.keys(status), ['operation_id', 'state', 'message']);
  assert.equal(status.state, 'OPERATION_ERROR');
  assert.match(status.message ?? '', /^accept\.operations\[0\]\.reserve\.resources\[0\]\.reservations\[0\]\.principal: 'someone-else' does not match/);
  assert.deepEqual(agentEvents(effects, agentId), [], 'nothing reserved');
  assert.deepEqual(retryTimers(effects), []);
  assert.equal(onlyStatus(reconcile(h, frameworkId, [{ id: 'bad' }])).state, 'OPERATION_UNKNOWN');
});

test('a RESERVE of more than was offered gets OPERATION_ERROR', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  const status = onlyStatus(accept(h, frameworkId, offer!, [reserve([reservedOld('cpus', 8, 'eng')], 'big')]));
  assert.equal(status.state, 'OPERATION_ERROR');
  assert.match(status.message ?? '', /do not contain/);
});

test('operations on offers that are no longer valid get OPERATION_ERROR, as Mesos answers them (not OPERATION_DROPPED)', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const effects = h.call(frameworkId, {
    type: 'ACCEPT',
    accept: { offer_ids: [{ value: 'm1-O404' }], operations: [reserve([reservedOld('cpus', 1, 'eng')], 'late'), unreserve([reservedOld('cpus', 1, 'eng')])] },
  });
  assert.deepEqual(operationStatuses(effects), [{
    operation_id: { value: 'late' }, state: 'OPERATION_ERROR', message: 'Operation attempted with invalid offers: Offer m1-O404 is no longer valid',
  }], 'only the operation that asked for feedback hears of it');
});

test("an id on LAUNCH or LAUNCH_GROUP fails the tasks with TASK_ERROR and launches nothing", () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('fw');
  const [offer] = h.allocate();
  const cpus = [{ name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.5 } }];
  const task = (id: string) => ({ name: id, task_id: { value: id }, agent_id: offer!.agent_id, resources: cpus });
  const effects = accept(h, frameworkId, offer!, [
    { type: 'LAUNCH', id: { value: 'l1' }, launch: { task_infos: [{ ...task('t1'), command: { value: 'true' } }] } },
    { type: 'LAUNCH_GROUP', id: { value: 'g1' }, launch_group: { executor: { executor_id: { value: 'e' }, type: 'DEFAULT', resources: cpus }, task_group: { tasks: [task('t2')] } } },
  ]);
  assert.deepEqual(updatesIn(effects).map((s) => [s.task_id.value, s.state, s.reason, s.message]), [
    ['t1', 'TASK_ERROR', 'REASON_TASK_INVALID', "The 'id' field cannot be set on LAUNCH operations"],
    ['t2', 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', "The 'id' field cannot be set on LAUNCH_GROUP operations"],
  ]);
  assert.deepEqual(agentEvents(effects, agentId), []);
  assert.deepEqual(operationStatuses(effects), []);
});

test('an id on an operation Meridian does not apply yet (CREATE) is answered with OPERATION_ERROR', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  const status = onlyStatus(accept(h, frameworkId, offer!, [{ type: 'CREATE', id: { value: 'v1' }, create: { volumes: [] } }]));
  assert.deepEqual(status, { operation_id: { value: 'v1' }, state: 'OPERATION_ERROR', message: 'Meridian does not apply CREATE operations yet' });
});

// ---------------------------------------------------------------------------------------------
// Reconciliation
// ---------------------------------------------------------------------------------------------

test('explicit reconciliation: the latest status of a known operation, without uuid', () => {
  const { h, agentId, frameworkId, finished } = reservedWithFeedback();
  const { uuid: _uuid, ...withoutUuid } = finished;
  assert.deepEqual(onlyStatus(reconcile(h, frameworkId, [{ id: 'r1' }])), withoutUuid);
  assert.deepEqual(onlyStatus(reconcile(h, frameworkId, [{ id: 'r1', agentId }])), withoutUuid);
});

test('implicit reconciliation: every operation the master keeps for the framework, and none of another framework', () => {
  const { h, frameworkId, offer } = reservedWithFeedback();
  h.nowMs += 1000;
  const next = h.allocate()[0] ?? offer;
  accept(h, frameworkId, next, [reserve([reservedOld('mem', 64, 'eng', 'ops')], 'r2')]);
  const other = h.subscribe('other', { role: 'eng' });
  const mine = operationStatuses(h.call(frameworkId, { type: 'RECONCILE_OPERATIONS', reconcile_operations: {} }));
  assert.deepEqual(mine.map((s) => [s.operation_id?.value, s.state, s.uuid]), [['r1', 'OPERATION_FINISHED', undefined], ['r2', 'OPERATION_FINISHED', undefined]]);
  assert.deepEqual(operationStatuses(h.call(other.frameworkId, { type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [] } })), []);
});

test('explicit reconciliation of unknown operations answers by the agent named: registered, unreachable, gone, unknown or none', () => {
  const h = new Harness();
  const registered = h.addAgent('cpus:1;mem:128', 'a1');
  const unreachable = h.addAgent('cpus:1;mem:128', 'a2');
  const gone = h.addAgent('cpus:1;mem:128', 'a3');
  for (let tick = 0; tick < 6; tick++) {
    h.step({ kind: 'ping-tick' });
    for (const agentId of [registered, gone]) h.step({ kind: 'agent-call', agentId, call: { type: 'PONG' } });
  }
  h.step({ kind: 'mark-agent-gone', agentId: gone });
  assert.equal(h.core.agentStanding(unreachable), 'unreachable');
  const { frameworkId } = h.subscribe('fw');
  const answers = operationStatuses(reconcile(h, frameworkId, [
    { id: 'x1', agentId: registered }, { id: 'x2', agentId: unreachable }, { id: 'x3', agentId: gone },
    { id: 'x4', agentId: 'm1-S404' }, { id: 'x5' }, { id: 'x6', agentId: registered, providerId: 'rp1' },
  ]));
  assert.deepEqual(answers.map((s) => [s.operation_id?.value, s.state, s.agent_id?.value, s.resource_provider_id?.value, s.uuid]), [
    ['x1', 'OPERATION_UNKNOWN', registered, undefined, undefined],
    ['x2', 'OPERATION_UNREACHABLE', unreachable, undefined, undefined],
    ['x3', 'OPERATION_GONE_BY_OPERATOR', gone, undefined, undefined],
    ['x4', 'OPERATION_UNKNOWN', 'm1-S404', undefined, undefined],
    ['x5', 'OPERATION_UNKNOWN', undefined, undefined, undefined],
    ['x6', 'OPERATION_UNKNOWN', registered, 'rp1', undefined],
  ]);
  for (const answer of answers) assert.match(answer.message ?? '', /^Reconciliation: /);
});

// ---------------------------------------------------------------------------------------------
// Agents and frameworks that leave
// ---------------------------------------------------------------------------------------------

test('an agent marked unreachable takes its operations with it, as in Mesos: reconciling them by agent says OPERATION_UNREACHABLE', () => {
  const { h, agentId, frameworkId } = reservedWithFeedback();
  h.effects.length = 0;
  for (let tick = 0; tick < 6; tick++) h.step({ kind: 'ping-tick' });
  assert.equal(h.core.agentStanding(agentId), 'unreachable');
  assert.deepEqual(h.core.operations.records(), []);
  assert.deepEqual(retryTimers(h.effects), [{ kind: 'cancel-timer', key: { kind: 'operation-status-retry', frameworkId } }]);
  assert.equal(onlyStatus(reconcile(h, frameworkId, [{ id: 'r1', agentId }])).state, 'OPERATION_UNREACHABLE');
  assert.equal(onlyStatus(reconcile(h, frameworkId, [{ id: 'r1' }])).state, 'OPERATION_UNKNOWN', 'without the agent id the master cannot tell');
});

test('an agent marked gone: its operations reconcile as OPERATION_GONE_BY_OPERATOR', () => {
  const { h, agentId, frameworkId } = reservedWithFeedback();
  h.step({ kind: 'mark-agent-gone', agentId });
  assert.equal(onlyStatus(reconcile(h, frameworkId, [{ id: 'r1', agentId }])).state, 'OPERATION_GONE_BY_OPERATOR');
});

test('a framework torn down leaves no operations and no retry timer behind', () => {
  const { h, frameworkId } = reservedWithFeedback();
  const effects = h.call(frameworkId, { type: 'TEARDOWN' });
  assert.deepEqual(h.core.operations.records(), []);
  assert.ok(retryTimers(effects).some((t) => t.kind === 'cancel-timer'));
  const key: TimerKey = { kind: 'operation-status-retry', frameworkId };
  assert.deepEqual(h.step({ kind: 'timer', key }), [], 'a late timer for it does nothing');
});

// ---------------------------------------------------------------------------------------------
// Wire: call validation, the Operator API's view, uuids
// ---------------------------------------------------------------------------------------------

test('ACKNOWLEDGE_OPERATION_STATUS and RECONCILE_OPERATIONS are validated, and a bad one names the field', () => {
  const uuid = Buffer.alloc(16, 1).toString('base64');
  const call = (body: Record<string, unknown>) => validateSchedulerCall({ type: 'ACKNOWLEDGE_OPERATION_STATUS', framework_id: { value: 'f' }, acknowledge_operation_status: body });
  assert.equal(call({ agent_id: { value: 'a' }, uuid, operation_id: { value: 'r1' } }).ok, true);
  const problems: Array<[Record<string, unknown>, RegExp]> = [
    [{ uuid, operation_id: { value: 'r1' } }, /Expecting 'acknowledge_operation_status\.agent_id' to be present/],
    [{ agent_id: { value: 'a' }, uuid: 'not-16-bytes', operation_id: { value: 'r1' } }, /'acknowledge_operation_status\.uuid' is invalid/],
    [{ agent_id: { value: 'a' }, uuid }, /Expecting 'acknowledge_operation_status\.operation_id' to be present/],
    [{ agent_id: { value: 'a' }, uuid, operation_id: 'r1' }, /'acknowledge_operation_status\.operation_id' is invalid/],
  ];
  for (const [body, message] of problems) {
    const checked = call(body);
    assert.equal(checked.ok, false);
    assert.match(checked.ok ? '' : checked.error, message);
  }
  const reconcileCall = validateSchedulerCall({ type: 'RECONCILE_OPERATIONS', framework_id: { value: 'f' }, reconcile_operations: { operations: [{ agent_id: { value: 'a' } }] } });
  assert.match(reconcileCall.ok ? '' : reconcileCall.error, /Expecting 'reconcile_operations\.operations\[0\]\.operation_id' to be present/);
  const missing = validateSchedulerCall({ type: 'RECONCILE_OPERATIONS', framework_id: { value: 'f' } });
  assert.match(missing.ok ? '' : missing.error, /Expecting 'reconcile_operations' to be present/);
});

test("GET_OPERATIONS' view: mesos.v1.Operation with the framework, agent, info, latest status without uuid, statuses and the master's uuid", () => {
  const { h, agentId, frameworkId, finished } = reservedWithFeedback();
  const [record] = h.core.operations.records();
  assert.ok(record);
  const json = operationJson(record);
  assert.deepEqual(Object.keys(json), ['framework_id', 'agent_id', 'info', 'latest_status', 'statuses', 'uuid']);
  assert.deepEqual(json.framework_id, { value: frameworkId });
  assert.deepEqual(json.agent_id, { value: agentId });
  assert.deepEqual(json.info, reserve([reservedOld('cpus', 1, 'eng', 'ops')], 'r1'));
  assert.equal(json.latest_status.state, 'OPERATION_FINISHED');
  assert.equal(json.latest_status.uuid, undefined);
  assert.deepEqual(json.statuses?.map((s) => s.uuid), [finished.uuid]);
  // Operator endpoints show both reservation formats, with the allocation role.
  assert.deepEqual(json.latest_status.converted_resources, [{
    name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, allocation_info: { role: 'eng' }, role: 'eng', reservation: { principal: 'ops' },
    reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'ops' }],
  }]);
  assert.notEqual(json.uuid.value, finished.uuid?.value);
  assert.equal(Buffer.from(json.uuid.value, 'base64').length, 16);
});

test('uuids are 16 bytes, differ by serial and by master', () => {
  const a = uuidBytes('master-a', 1);
  assert.equal(a.length, 16);
  assert.notDeepEqual(a, uuidBytes('master-a', 2));
  assert.notDeepEqual(a, uuidBytes('master-b', 1));
  assert.deepEqual([...uuidBytes('m', 2 ** 40 + 5).slice(8)], [0, 0, 1, 0, 0, 0, 0, 5], 'the serial, big-endian, in the last eight');
});
