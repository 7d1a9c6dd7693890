/**
 * Goal: reservations follow Mesos (docs/reservation.md, master/validation.cpp): static ones from an
 * agent's `--resources` and dynamic ones made by frameworks (RESERVE / UNRESERVE in an ACCEPT,
 * applied in order) and by operators (RESERVE_RESOURCES / UNRESERVE_RESOURCES) go only to their
 * role and the roles below it; an invalid operation is dropped and the operations after it go on;
 * offers show reservations in the format the framework's capabilities ask for; the agent is told
 * every change (CHECKPOINT_RESOURCES) and a restarted master learns them from the agent again.
 * Method: scripted scenarios through the Harness (a real MasterCore and DrfAllocator), asserting on
 * the effects, the offers and the master's record of the agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentEvent } from '../../../src/api/agent-link/messages.js';
import type { Offer, OfferOperation, Resource, TaskInfo } from '../../../src/api/mesos.js';
import type { AgentId, FrameworkId } from '../../../src/common/ids.js';
import type { Effect, OperatorAnswer } from '../../../src/master/core/types.js';
import { agentJson } from '../../../src/master/shell/state-json.js';
import { agentEvents, Harness, scalar, updatesIn } from './harness.js';

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/** A dynamic reservation in the format before RESERVATION_REFINEMENT: `role` plus `reservation`. */
const reservedOld = (name: string, value: number, role: string, principal?: string): Resource => ({
  name, type: 'SCALAR', scalar: { value }, role, reservation: principal !== undefined ? { principal } : {},
});

/** A resource with a reservation stack (the RESERVATION_REFINEMENT format), allocated to `allocatedTo` when given. */
const stacked = (name: string, value: number, stack: Resource['reservations'], allocatedTo?: string): Resource => ({
  name, type: 'SCALAR', scalar: { value }, ...(stack && stack.length > 0 ? { reservations: stack } : {}),
  ...(allocatedTo !== undefined ? { allocation_info: { role: allocatedTo } } : {}),
});

const dynamic = (role: string, principal?: string) => ({ type: 'DYNAMIC' as const, role, ...(principal !== undefined ? { principal } : {}) });
const staticLevel = (role: string) => ({ type: 'STATIC' as const, role });

const task = (id: string, offer: Offer, resources: Resource[]): TaskInfo => ({
  name: id, task_id: { value: id }, agent_id: offer.agent_id, resources, command: { value: 'sleep 10' },
});

const reserve = (resources: Resource[]): OfferOperation => ({ type: 'RESERVE', reserve: { resources } });
const unreserve = (resources: Resource[]): OfferOperation => ({ type: 'UNRESERVE', unreserve: { resources } });
const launch = (...tasks: TaskInfo[]): OfferOperation => ({ type: 'LAUNCH', launch: { task_infos: tasks } });

function accept(h: Harness, frameworkId: FrameworkId, offer: Offer, operations: OfferOperation[], refuseSeconds?: number): Effect[] {
  return h.call(frameworkId, {
    type: 'ACCEPT',
    accept: { offer_ids: [offer.id], operations, ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}) },
  });
}

type CheckpointEvent = Extract<AgentEvent, { type: 'CHECKPOINT_RESOURCES' }>;
const checkpoints = (effects: Effect[], agentId: AgentId): CheckpointEvent[] =>
  agentEvents(effects, agentId).filter((e): e is CheckpointEvent => e.type === 'CHECKPOINT_RESOURCES');

const warnings = (effects: Effect[]): string[] => effects.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e.message] : []));

function operatorAnswer(effects: Effect[]): OperatorAnswer {
  const found = effects.filter((e) => e.kind === 'operator-answer');
  assert.equal(found.length, 1, 'one answer per operator call');
  return (found[0] as Extract<Effect, { kind: 'operator-answer' }>).answer;
}

/** The resources of a list reserved (at their innermost level) to `role`, by name. */
const reservedTo = (resources: readonly Resource[], role: string, name: string): number =>
  scalar(resources.filter((r) => (r.reservations?.at(-1)?.role ?? r.role) === role && r.name === name), name);

const unreservedOf = (resources: readonly Resource[], name: string): number =>
  scalar(resources.filter((r) => (r.reservations ?? []).length === 0 && (r.role ?? '*') === '*' && r.name === name), name);

// ---------------------------------------------------------------------------------------------
// Frameworks: RESERVE and UNRESERVE in an ACCEPT
// ---------------------------------------------------------------------------------------------

test('RESERVE then LAUNCH in one ACCEPT: the task runs on what was just reserved, and the agent is told first', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng', principal: 'ops' });
  const [offer] = h.allocate();
  assert.ok(offer);
  const effects = accept(h, frameworkId, offer, [
    reserve([reservedOld('cpus', 2, 'eng', 'ops'), reservedOld('mem', 1024, 'eng', 'ops')]),
    launch(task('t1', offer, [reservedOld('cpus', 1, 'eng', 'ops'), reservedOld('mem', 256, 'eng', 'ops')])),
  ]);
  assert.deepEqual(updatesIn(effects), [], 'no task failed');
  assert.deepEqual(agentEvents(effects, agentId).map((e) => e.type), ['CHECKPOINT_RESOURCES', 'RUN_TASK']);
  const [checkpoint] = checkpoints(effects, agentId);
  assert.deepEqual(checkpoint?.checkpoint_resources.resources, [
    stacked('cpus', 2, [dynamic('eng', 'ops')]),
    stacked('mem', 1024, [dynamic('eng', 'ops')]),
  ], 'the full list of dynamic reservations, in the refinement format, without allocation info');
  const run = agentEvents(effects, agentId).find((e) => e.type === 'RUN_TASK');
  assert.deepEqual(run?.type === 'RUN_TASK' ? run.run_task.task.resources : [], [
    stacked('cpus', 1, [dynamic('eng', 'ops')], 'eng'),
    stacked('mem', 256, [dynamic('eng', 'ops')], 'eng'),
  ]);
  const total = h.core.agents.get(agentId)?.total ?? [];
  assert.equal(reservedTo(total, 'eng', 'cpus'), 2);
  assert.equal(unreservedOf(total, 'cpus'), 2, '4 cpus - 2 reserved');
  assert.equal(reservedTo(total, 'eng', 'mem'), 1024);
});

test('a LAUNCH before the RESERVE it needs fails: operations apply in order', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  const effects = accept(h, frameworkId, offer!, [
    launch(task('early', offer!, [reservedOld('cpus', 1, 'eng')])),
    reserve([reservedOld('cpus', 2, 'eng')]),
  ]);
  const [status] = updatesIn(effects);
  assert.equal(status?.state, 'TASK_ERROR');
  assert.match(status?.message ?? '', /more resources than available/);
  assert.equal(checkpoints(effects, agentId).length, 1, 'the RESERVE after it still applies');
});

test('reserved resources go back to their role and the roles below it only, in the format each framework asks for', () => {
  const h = new Harness();
  h.addAgent('cpus:4;mem:4096');
  const eng = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  // Everything is reserved for eng; eng then declines it for a long while.
  accept(h, eng.frameworkId, offer!, [reserve([reservedOld('cpus', 4, 'eng'), reservedOld('mem', 4096, 'eng')])], 1000);
  const dev = h.subscribe('dev', { role: 'dev' });
  const sub = h.subscribe('sub', { roles: ['eng/sub'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
  const old = h.subscribe('old', { role: 'eng/old' });
  const offers = h.allocate();
  assert.equal(offers.filter((o) => o.framework_id.value === dev.frameworkId).length, 0, 'dev is offered nothing reserved for eng');
  assert.equal(offers.length, 1, 'one framework below eng gets the whole agent');
  const below = offers[0] as Offer;
  assert.ok([sub.frameworkId, old.frameworkId].includes(below.framework_id.value as FrameworkId));
  assert.equal(scalar(below.resources, 'cpus'), 4);
  if (below.framework_id.value === sub.frameworkId) {
    assert.deepEqual(below.allocation_info, { role: 'eng/sub' });
    assert.deepEqual(below.resources.find((r) => r.name === 'cpus'), stacked('cpus', 4, [dynamic('eng')], 'eng/sub'));
  } else {
    assert.deepEqual(below.resources.find((r) => r.name === 'cpus'), { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: 'eng', reservation: {} });
  }
});

test('UNRESERVE gives the resources back to everyone, and the agent is told its reservations are gone', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:2;mem:1024');
  const eng = h.subscribe('eng', { role: 'eng' });
  const [first] = h.allocate();
  accept(h, eng.frameworkId, first!, [reserve([reservedOld('cpus', 2, 'eng'), reservedOld('mem', 1024, 'eng')])], 0);
  const [reserved] = h.allocate();
  assert.equal(reserved?.framework_id.value, eng.frameworkId);
  assert.deepEqual(reserved?.resources.map((r) => r.role), ['eng', 'eng'], 'offered reserved, in the old format');
  const effects = accept(h, eng.frameworkId, reserved!, [unreserve(reserved!.resources)], 1000);
  assert.deepEqual(checkpoints(effects, agentId).map((e) => e.checkpoint_resources.resources), [[]]);
  assert.deepEqual(h.core.agents.get(agentId)?.total, [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 } },
  ]);
  const dev = h.subscribe('dev', { role: 'dev' });
  const [back] = h.allocate();
  assert.equal(back?.framework_id.value, dev.frameworkId, 'eng declined; dev may have them now');
  assert.equal(unreservedOf(back?.resources ?? [], 'cpus'), 2);
});

test('an invalid RESERVE is dropped as Mesos drops it: nothing is reserved, the rest of the ACCEPT goes on', async (t) => {
  const cases: Array<{ name: string; resources: Resource[]; problem: RegExp; capabilities?: string[] }> = [
    { name: 'reservation role is not the offer role', resources: [reservedOld('cpus', 1, 'dev', 'ops')], problem: /allocated to role 'eng'/ },
    { name: 'principal of someone else', resources: [reservedOld('cpus', 1, 'eng', 'mallory')], problem: /'mallory' does not match the framework's principal 'ops'/ },
    { name: 'no principal', resources: [reservedOld('cpus', 1, 'eng')], problem: /has no principal/ },
    { name: 'more than offered', resources: [reservedOld('cpus', 8, 'eng', 'ops')], problem: /do not contain/ },
    { name: 'a static reservation', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng' }], problem: /not dynamically reserved/ },
    { name: "role '*'", resources: [reservedOld('cpus', 1, '*', 'ops')], problem: /role '\*' cannot be dynamically reserved/ },
    { name: 'a refinement without RESERVATION_REFINEMENT', resources: [stacked('cpus', 1, [dynamic('eng', 'ops'), dynamic('eng/x', 'ops')])], problem: /RESERVATION_REFINEMENT/ },
    { name: 'a refinement that is not below', resources: [stacked('cpus', 1, [dynamic('eng', 'ops'), dynamic('dev', 'ops')])], problem: /'dev' is not a refinement of 'eng'/ },
    { name: 'a level without a type', resources: [stacked('cpus', 1, [{ role: 'eng', principal: 'ops' }])], problem: /reservations\[0\]\.type: must be STATIC or DYNAMIC/ },
  ];
  for (const { name, resources, problem } of cases) {
    await t.test(name, () => {
      const h = new Harness();
      const agentId = h.addAgent('cpus:4;mem:4096');
      const { frameworkId } = h.subscribe('eng', { role: 'eng', principal: 'ops' });
      const [offer] = h.allocate();
      const effects = accept(h, frameworkId, offer!, [
        reserve(resources),
        launch(task('needs-it', offer!, [reservedOld('cpus', 1, 'eng', 'ops')]), task('plain', offer!, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }])),
      ]);
      assert.equal(checkpoints(effects, agentId).length, 0, 'the agent is told nothing');
      const [warning] = warnings(effects);
      assert.match(warning ?? '', /^Dropping RESERVE operation from framework/);
      assert.match(warning ?? '', problem);
      assert.deepEqual(updatesIn(effects).map((u) => [u.task_id.value, u.state]), [['needs-it', 'TASK_ERROR']]);
      assert.equal(agentEvents(effects, agentId).filter((e) => e.type === 'RUN_TASK').length, 1, 'the task on unreserved resources runs');
      assert.equal(reservedTo(h.core.agents.get(agentId)?.total ?? [], 'eng', 'cpus'), 0);
    });
  }
});

test('an UNRESERVE of what is not reserved, or only statically, is dropped', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus(eng):2;cpus:2;mem:1024');
  const { frameworkId } = h.subscribe('eng', { role: 'eng' });
  const [offer] = h.allocate();
  const effects = accept(h, frameworkId, offer!, [
    unreserve([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng' }]),
    unreserve([reservedOld('cpus', 1, 'eng')]),
  ]);
  assert.equal(checkpoints(effects, agentId).length, 0);
  const [staticOne, missing] = warnings(effects);
  assert.match(staticOne ?? '', /^Dropping UNRESERVE operation.*not dynamically reserved/);
  assert.match(missing ?? '', /do not contain/);
});

test('refinement: a framework in eng/backend refines a static eng reservation, and UNRESERVE gives it back to eng', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus(eng):2;cpus:1;mem:512');
  const refining = { roles: ['eng/backend'], principal: 'be', capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] };
  const { frameworkId } = h.subscribe('backend', refining);
  const [offer] = h.allocate();
  assert.deepEqual(offer?.resources.find((r) => r.name === 'cpus' && r.reservations), stacked('cpus', 2, [staticLevel('eng')], 'eng/backend'),
    'a framework with RESERVATION_REFINEMENT is offered the stack, allocation info included');
  const refined = stacked('cpus', 2, [staticLevel('eng'), dynamic('eng/backend', 'be')], 'eng/backend');
  const reserved = accept(h, frameworkId, offer!, [reserve([refined])], 0);
  assert.deepEqual(checkpoints(reserved, agentId).map((e) => e.checkpoint_resources.resources), [[stacked('cpus', 2, [staticLevel('eng'), dynamic('eng/backend', 'be')])]]);
  const [again] = h.allocate();
  assert.deepEqual(again?.resources.find((r) => r.name === 'cpus' && r.reservations), refined);
  const unreserved = accept(h, frameworkId, again!, [unreserve([refined])], 0);
  assert.deepEqual(checkpoints(unreserved, agentId).map((e) => e.checkpoint_resources.resources), [[]]);
  assert.equal(reservedTo(h.core.agents.get(agentId)?.total ?? [], 'eng', 'cpus'), 2, 'back to the static eng reservation');
});

test('offers show a static reservation as `role` to old frameworks and as `reservations` to refining ones', () => {
  const agent = 'cpus(eng):2;cpus:2;mem:1024';
  const old = new Harness();
  old.addAgent(agent);
  old.subscribe('old', { role: 'eng' });
  const [oldOffer] = old.allocate();
  assert.deepEqual(sortByRole(oldOffer?.resources ?? []), sortByRole([
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'eng' },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, role: '*' },
  ]), 'no allocation info (not MULTI_ROLE), no reservations stack (no RESERVATION_REFINEMENT)');
  const refining = new Harness();
  refining.addAgent(agent);
  refining.subscribe('new', { roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }] });
  const [newOffer] = refining.allocate();
  assert.deepEqual(sortByRole(newOffer?.resources ?? []), sortByRole([
    stacked('cpus', 2, [staticLevel('eng')], 'eng'),
    stacked('cpus', 2, [], 'eng'),
    stacked('mem', 1024, [], 'eng'),
  ]));
  const other = new Harness();
  other.addAgent(agent);
  other.subscribe('dev', { role: 'dev' });
  const [devOffer] = other.allocate();
  assert.equal(scalar(devOffer?.resources ?? [], 'cpus'), 2, 'dev gets the unreserved cpus only');
  assert.ok(devOffer?.resources.every((r) => r.role === '*'));
});

function sortByRole(resources: readonly Resource[]): Resource[] {
  const key = (r: Resource) => `${r.name} ${r.role ?? ''} ${JSON.stringify(r.reservations ?? [])}`;
  return [...resources].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Operators: RESERVE_RESOURCES and UNRESERVE_RESOURCES
// ---------------------------------------------------------------------------------------------

test('operator RESERVE_RESOURCES on free resources: 202, the agent is told, and only the role is offered them', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const effects = h.step({ kind: 'reserve-resources', agentId, source: [], resources: [stacked('cpus', 3, [dynamic('ads', 'admin')]), reservedOld('mem', 2048, 'ads')] });
  assert.deepEqual(operatorAnswer(effects), { status: 202, message: '' });
  assert.deepEqual(checkpoints(effects, agentId)[0]?.checkpoint_resources.resources, [
    stacked('cpus', 3, [dynamic('ads', 'admin')]),
    stacked('mem', 2048, [dynamic('ads')]),
  ]);
  h.subscribe('dev', { role: 'dev' });
  const [devOffer] = h.allocate();
  assert.equal(scalar(devOffer?.resources ?? [], 'cpus'), 1, 'dev gets what is not reserved for ads');
  assert.equal(scalar(devOffer?.resources ?? [], 'mem'), 2048);
  const ads = h.subscribe('ads', { role: 'ads' });
  const [adsOffer] = h.allocate();
  assert.equal(adsOffer?.framework_id.value, ads.frameworkId);
  assert.equal(reservedTo(adsOffer?.resources ?? [], 'ads', 'cpus'), 3);
  const json = agentJson(h.core, h.core.agents.get(agentId)!);
  assert.deepEqual(json.reserved_resources, { ads: { disk: 0, mem: 2048, gpus: 0, cpus: 3 } });
  assert.deepEqual(json.unreserved_resources, { disk: 0, mem: 2048, gpus: 0, cpus: 1 });
  assert.deepEqual(json.reserved_resources_full, {
    ads: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 3 }, role: 'ads', reservation: { principal: 'admin' }, reservations: [dynamic('ads', 'admin')] },
      { name: 'mem', type: 'SCALAR', scalar: { value: 2048 }, role: 'ads', reservation: {}, reservations: [dynamic('ads')] },
    ],
  });
});

test('operator RESERVE_RESOURCES of offered resources rescinds the offer to make room (and filters it 5 s)', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const dev = h.subscribe('dev', { role: 'dev' });
  const [offer] = h.allocate();
  assert.equal(scalar(offer?.resources ?? [], 'cpus'), 4, 'everything is offered to dev');
  const effects = h.step({ kind: 'reserve-resources', agentId, source: [], resources: [reservedOld('cpus', 2, 'ads')] });
  assert.equal(operatorAnswer(effects).status, 202);
  const rescinds = effects.flatMap((e) => (e.kind === 'to-framework' && e.event.type === 'RESCIND' ? [e.event.rescind.offer_id.value] : []));
  assert.deepEqual(rescinds, [offer?.id.value]);
  assert.deepEqual(h.allocate(), [], 'dev has a 5 s filter on the agent, and nobody else is there');
  h.nowMs += 5_001;
  const [back] = h.allocate();
  assert.equal(back?.framework_id.value, dev.frameworkId);
  assert.equal(scalar(back?.resources ?? [], 'cpus'), 2, 'dev gets the 2 cpus not reserved for ads');
});

test('operator RESERVE_RESOURCES of resources in use answers 409 and changes nothing', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:2;mem:1024');
  const { frameworkId } = h.subscribe('dev', { role: 'dev' });
  const [offer] = h.allocate();
  h.launch(frameworkId, offer!, [{ id: 't1', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] }]);
  const effects = h.step({ kind: 'reserve-resources', agentId, source: [], resources: [reservedOld('cpus', 1, 'ads')] });
  const answer = operatorAnswer(effects);
  assert.equal(answer.status, 409);
  assert.match(answer.message, /^Insufficient resources on agent .* to reserve: the unallocated .* do not contain cpus:1$/);
  assert.equal(checkpoints(effects, agentId).length, 0);
  assert.equal(reservedTo(h.core.agents.get(agentId)?.total ?? [], 'ads', 'cpus'), 0);
});

test('operator UNRESERVE_RESOURCES: 202 when reserved and free, 409 when not reserved', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  assert.equal(operatorAnswer(h.step({ kind: 'reserve-resources', agentId, source: [], resources: [reservedOld('cpus', 2, 'ads')] })).status, 202);
  const missing = operatorAnswer(h.step({ kind: 'unreserve-resources', agentId, resources: [reservedOld('cpus', 3, 'ads')] }));
  assert.equal(missing.status, 409);
  const effects = h.step({ kind: 'unreserve-resources', agentId, resources: [reservedOld('cpus', 2, 'ads')] });
  assert.equal(operatorAnswer(effects).status, 202);
  assert.deepEqual(checkpoints(effects, agentId).map((e) => e.checkpoint_resources.resources), [[]]);
  assert.equal(unreservedOf(h.core.agents.get(agentId)?.total ?? [], 'cpus'), 4);
});

test('operator re-reservation with `source`: ads → web, same amounts', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  h.step({ kind: 'reserve-resources', agentId, source: [], resources: [stacked('cpus', 2, [dynamic('ads')])] });
  const moved = h.step({ kind: 'reserve-resources', agentId, source: [stacked('cpus', 2, [dynamic('ads')])], resources: [stacked('cpus', 2, [dynamic('web')])] });
  assert.equal(operatorAnswer(moved).status, 202);
  const total = h.core.agents.get(agentId)?.total ?? [];
  assert.equal(reservedTo(total, 'web', 'cpus'), 2);
  assert.equal(reservedTo(total, 'ads', 'cpus'), 0);
  const unequal = operatorAnswer(h.step({ kind: 'reserve-resources', agentId, source: [stacked('cpus', 2, [dynamic('web')])], resources: [stacked('cpus', 1, [dynamic('ads')])] }));
  assert.equal(unequal.status, 400);
  assert.match(unequal.message, /^reserve_resources\.source: must hold the same amounts as 'resources'/);
});

test('operator calls that are invalid answer 400 naming the field', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  const cases: Array<[Resource[], RegExp]> = [
    [[stacked('cpus', 1, [dynamic('eng'), dynamic('dev')])], /^reserve_resources\.resources\[0\]\.reservations\[1\]\.role: role 'dev' is not a refinement of 'eng'/],
    [[stacked('cpus', 1, [dynamic('*')])], /^reserve_resources\.resources\[0\]\.reservations\[0\]\.role: role '\*' cannot be reserved/],
    [[stacked('cpus', 1, [dynamic('eng/')])], /^reserve_resources\.resources\[0\]\.reservations\[0\]\.role: role 'eng\/' must not start or end with '\/'/],
    [[stacked('cpus', 1, [staticLevel('eng')])], /^reserve_resources\.resources\[0\]: cpus\(eng\):1 is not dynamically reserved/],
    [[stacked('cpus', 1, [dynamic('eng')], 'eng')], /^reserve_resources\.resources\[0\]\.allocation_info: the operator API reserves and unreserves unallocated resources only/],
    [[{ ...reservedOld('cpus', 1, 'eng'), reservations: [dynamic('eng')] }], /^reserve_resources\.resources\[0\]: 'reservations' must not be given together with 'role'/],
    [[{ name: 'cpus', type: 'SCALAR', reservations: [dynamic('eng')] }], /^reserve_resources\.resources\[0\]: 'cpus' is SCALAR but has no 'scalar' value/],
    [[], /^reserve_resources\.resources: must not be empty/],
  ];
  for (const [resources, problem] of cases) {
    const answer = operatorAnswer(h.step({ kind: 'reserve-resources', agentId, source: [], resources }));
    assert.equal(answer.status, 400, JSON.stringify(resources));
    assert.match(answer.message, problem);
  }
  const unknown = operatorAnswer(h.step({ kind: 'reserve-resources', agentId: 'no-such-agent' as AgentId, source: [], resources: [reservedOld('cpus', 1, 'eng')] }));
  assert.deepEqual(unknown, { status: 400, message: "reserve_resources.agent_id: no agent found with ID 'no-such-agent'" });
  const staticUnreserve = operatorAnswer(h.step({ kind: 'unreserve-resources', agentId, resources: [stacked('cpus', 1, [staticLevel('eng')])] }));
  assert.equal(staticUnreserve.status, 400);
  assert.match(staticUnreserve.message, /^unreserve_resources\.resources\[0\]: cpus\(eng\):1 is not dynamically reserved/);
  assert.equal((h.core.agents.get(agentId)?.total ?? []).some((r) => r.reservations), false, 'nothing was reserved');
});

// ---------------------------------------------------------------------------------------------
// Agents and master restarts
// ---------------------------------------------------------------------------------------------

test('a restarted master learns dynamic reservations from the agent and offers them to their role only', () => {
  const h = new Harness();
  const agentId = h.addAgent([
    stacked('cpus', 3, [dynamic('eng', 'ops')]),
    stacked('cpus', 1, []),
    stacked('mem', 1024, []),
  ], 'a1', 'agent-from-before');
  assert.equal(agentId, 'agent-from-before');
  assert.equal(reservedTo(h.core.agents.get(agentId)?.total ?? [], 'eng', 'cpus'), 3);
  h.subscribe('dev', { role: 'dev' });
  const [offer] = h.allocate();
  assert.equal(scalar(offer?.resources ?? [], 'cpus'), 1);
});

test('an agent that reregisters with stale reservations is sent the master\'s list again', () => {
  const h = new Harness();
  const agentId = h.addAgent('cpus:4;mem:4096');
  h.step({ kind: 'reserve-resources', agentId, source: [], resources: [reservedOld('cpus', 2, 'ads')] });
  const connectionId = h.core.agentConnection(agentId) as NonNullable<ReturnType<Harness['core']['agentConnection']>>;
  h.step({ kind: 'agent-disconnected', agentId, connectionId });
  const stale = h.step({
    kind: 'agent-subscribe',
    connectionId: h.newConnection(),
    remoteIp: '127.0.0.1',
    subscribe: { agent_info: { hostname: 'a1', port: 5051, id: { value: agentId } }, resources: [stacked('cpus', 4, []), stacked('mem', 4096, [])], version: '1.11.0' },
  });
  assert.deepEqual(checkpoints(stale, agentId).map((e) => e.checkpoint_resources.resources), [[stacked('cpus', 2, [dynamic('ads')])]]);
  const current = h.step({
    kind: 'agent-subscribe',
    connectionId: h.newConnection(),
    remoteIp: '127.0.0.1',
    subscribe: {
      agent_info: { hostname: 'a1', port: 5051, id: { value: agentId } },
      resources: [stacked('cpus', 2, [dynamic('ads')]), stacked('cpus', 2, []), stacked('mem', 4096, [])],
      version: '1.11.0',
    },
  });
  assert.equal(checkpoints(current, agentId).length, 0, 'an agent that agrees is not told again');
});
