/**
 * Goal: reservations work end to end on real processes, as in Mesos: a static reservation from an
 * agent's `--resources` is offered to its role only; a framework reserves through ACCEPT, is
 * offered the reservation and runs a task on it; an operator reserves and unreserves through
 * `POST /api/v1` and `/master/state` and the offers follow; and a dynamic reservation survives an
 * agent restart together with a master restart (the new master learns it from the agent).
 * Method: one master and one agent (TestCluster) on loopback, frameworks on the scheduler SDK that
 * decline what they are not waiting for, the Operator API and the state endpoints over plain HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Offer, OfferOperation, Resource, TaskState, TaskStatus } from '../../src/api/mesos.js';
import { request } from '../../src/common/http/client.js';
import { SchedulerClient } from '../../src/sdk/scheduler-client.js';
import { TestCluster, waitFor } from './cluster.js';

/** What a framework is offered while the tests wait for something else goes back this soon. */
const DECLINE_SECONDS = 0.1;

/**
 * A framework that declines every offer on arrival unless a test is waiting for one like it, and
 * keeps every offer and status it was sent, so tests can say what it was never offered.
 */
class Scheduler {
  readonly seen: Offer[] = [];
  readonly statuses: TaskStatus[] = [];
  private readonly waiters: Array<{ match: (offer: Offer) => boolean; resolve: (offer: Offer) => void }> = [];
  private consuming: Promise<void> | null = null;

  constructor(readonly client: SchedulerClient) {}

  static async start(master: string, info: { name: string; role: string; principal?: string }): Promise<Scheduler> {
    const scheduler = new Scheduler(new SchedulerClient({ master, framework: { user: 'root', failover_timeout: 60, ...info } }));
    scheduler.consuming = (async () => {
      for await (const event of scheduler.client.events()) {
        if (event.type === 'UPDATE') scheduler.statuses.push(event.update.status);
        if (event.type !== 'OFFERS') continue;
        for (const offer of event.offers.offers) scheduler.receive(offer);
      }
    })().catch(() => undefined);
    await waitFor(`${info.name} to subscribe`, () => (scheduler.client.subscribed ? true : undefined));
    return scheduler;
  }

  private receive(offer: Offer): void {
    this.seen.push(offer);
    const at = this.waiters.findIndex((waiter) => waiter.match(offer));
    if (at < 0) {
      this.client.decline([offer.id], { refuse_seconds: DECLINE_SECONDS }).catch(() => undefined);
      return;
    }
    const [waiter] = this.waiters.splice(at, 1);
    waiter?.resolve(offer);
  }

  /** The next offer that matches; the caller then holds it (accepts or declines it). */
  nextOffer(what: string, match: (offer: Offer) => boolean, timeoutMs = 8000): Promise<Offer> {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (offer: Offer) => { clearTimeout(timer); resolve(offer); } };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  accept(offer: Offer, operations: OfferOperation[]): Promise<void> {
    return this.client.accept([offer.id], operations, { refuse_seconds: DECLINE_SECONDS });
  }

  decline(offer: Offer): Promise<void> {
    return this.client.decline([offer.id], { refuse_seconds: DECLINE_SECONDS });
  }

  waitForState(taskId: string, states: readonly TaskState[]): Promise<TaskStatus> {
    return waitFor(`${taskId} in ${states.join('|')}`, () => this.statuses.find((s) => s.task_id.value === taskId && states.includes(s.state)), 15_000, 50);
  }

  async stop(): Promise<void> {
    await this.client.teardown().catch(() => undefined);
    this.client.close();
    await this.consuming;
  }
}

interface AgentJson {
  id: string;
  port: number;
  reserved_resources: Record<string, Record<string, number | string>>;
  unreserved_resources: Record<string, number | string>;
  reserved_resources_full: Record<string, Resource[]>;
}

let cluster: TestCluster;
let eng: Scheduler;
let dev: Scheduler;

before(async () => {
  cluster = await new TestCluster({ agents: 1, agentResources: 'cpus(eng):1;cpus:3;mem:2048;disk:1024;ports:[31000-31100]' }).start();
  eng = await Scheduler.start(cluster.masterAddress, { name: 'eng', role: 'eng', principal: 'eng-p' });
  dev = await Scheduler.start(cluster.masterAddress, { name: 'dev', role: 'dev' });
});

after(async () => {
  await Promise.all([eng?.stop(), dev?.stop()]);
  await cluster?.stop();
});

const scalarOf = (resources: readonly Resource[], name: string, where: (r: Resource) => boolean): number =>
  resources.filter((r) => r.name === name && where(r)).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
const unreservedPart = (r: Resource) => (r.role ?? '*') === '*';
/** eng's own dynamic reservation, as a framework without RESERVATION_REFINEMENT is shown it. */
const engDynamic = (r: Resource) => r.role === 'eng' && r.reservation?.principal === 'eng-p';
const engStatic = (r: Resource) => r.role === 'eng' && r.reservation === undefined;

async function masterAgent(): Promise<AgentJson> {
  const state = await cluster.get<{ slaves: AgentJson[] }>('/master/state');
  assert.equal(state.slaves.length, 1);
  return state.slaves[0] as AgentJson;
}

async function agentState(port: number): Promise<Omit<AgentJson, 'port'>> {
  return (await fetch(`http://127.0.0.1:${port}/state`)).json() as Promise<Omit<AgentJson, 'port'>>;
}

function operatorCall(body: unknown) {
  const [host, port] = cluster.masterAddress.split(':') as [string, string];
  return request({ host, port: Number(port) }, 'POST', '/api/v1', JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/json' });
}

/** No offer dev was ever sent held anything reserved: reservations go to their role only. */
function assertDevSawNothingReserved(): void {
  const reserved = dev.seen.flatMap((offer) => offer.resources.filter((r) => !unreservedPart(r)));
  assert.deepEqual(reserved, [], 'dev was never offered reserved resources');
}

test('a static reservation from --resources is offered to its role only, and /master/state lists it by role', async () => {
  const offer = await eng.nextOffer('an offer with the static eng cpus', (o) => scalarOf(o.resources, 'cpus', engStatic) === 1);
  assert.equal(offer.allocation_info, undefined, 'eng is not MULTI_ROLE');
  await eng.decline(offer);
  await dev.decline(await dev.nextOffer('an offer to dev', () => true));
  assertDevSawNothingReserved();
  const agent = await masterAgent();
  assert.deepEqual(agent.reserved_resources, { eng: { disk: 0, mem: 0, gpus: 0, cpus: 1 } });
  assert.deepEqual(agent.reserved_resources_full, { eng: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservations: [{ type: 'STATIC', role: 'eng' }] }] });
  assert.equal(agent.unreserved_resources.cpus, 3);
});

test('a framework reserves through ACCEPT, is offered the reservation, and runs a task on it', async () => {
  const offer = await eng.nextOffer('unreserved cpus and mem', (o) => scalarOf(o.resources, 'cpus', unreservedPart) >= 1 && scalarOf(o.resources, 'mem', unreservedPart) >= 256);
  const reserved = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value }, role: 'eng', reservation: { principal: 'eng-p' } });
  await eng.accept(offer, [{ type: 'RESERVE', reserve: { resources: [reserved('cpus', 1), reserved('mem', 256)] } }]);

  const withReservation = await eng.nextOffer('an offer with the new reservation', (o) => scalarOf(o.resources, 'cpus', engDynamic) === 1);
  assert.deepEqual(withReservation.resources.filter(engDynamic), [reserved('cpus', 1), reserved('mem', 256)]);
  await eng.client.launch([withReservation.id], [{
    name: 'on-reserved',
    task_id: { value: 'on-reserved' },
    agent_id: withReservation.agent_id,
    resources: [reserved('cpus', 0.5), reserved('mem', 128)],
    command: { value: 'sleep 0.5' },
  }], { refuse_seconds: DECLINE_SECONDS });
  const finished = await eng.waitForState('on-reserved', ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR', 'TASK_LOST']);
  assert.equal(finished.state, 'TASK_FINISHED', finished.message);

  const agent = await masterAgent();
  assert.deepEqual(agent.reserved_resources.eng, { disk: 0, mem: 256, gpus: 0, cpus: 2 }, 'static 1 cpu + dynamic 1 cpu and 256 mem');
  const dynamicFull = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'eng', reservation: { principal: 'eng-p' }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'eng-p' }] };
  assert.ok(agent.reserved_resources_full.eng?.some((r) => JSON.stringify(r) === JSON.stringify(dynamicFull)), JSON.stringify(agent.reserved_resources_full));
  const onAgent = await agentState(agent.port);
  assert.deepEqual(onAgent.reserved_resources, agent.reserved_resources, 'the agent was told');
  const saved = JSON.parse(readFileSync(join(cluster.root, 'agent-0', 'meta', 'resources.json'), 'utf8')) as { resources: Resource[] };
  assert.deepEqual(saved.resources.map((r) => [r.name, r.scalar?.value, r.reservations]), [
    ['cpus', 1, [{ type: 'DYNAMIC', role: 'eng', principal: 'eng-p' }]],
    ['mem', 256, [{ type: 'DYNAMIC', role: 'eng', principal: 'eng-p' }]],
  ]);
  assertDevSawNothingReserved();
});

test('operator RESERVE_RESOURCES and UNRESERVE_RESOURCES change /master/state and what is offered', async () => {
  const { id: agentId, port } = await masterAgent();
  const opsCpus = { type: 'SCALAR', name: 'cpus', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'ops', principal: 'admin' }] };
  const reserved = await operatorCall({ type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: agentId }, resources: [opsCpus] } });
  assert.equal(reserved.status, 202, reserved.body);
  assert.deepEqual((await masterAgent()).reserved_resources.ops, { disk: 0, mem: 0, gpus: 0, cpus: 1 });
  await waitFor('the agent to be told of the ops reservation', async () => ((await agentState(port)).reserved_resources.ops ? true : undefined));

  const ops = await Scheduler.start(cluster.masterAddress, { name: 'ops', role: 'ops' });
  try {
    const offer = await ops.nextOffer('the ops reservation', (o) => scalarOf(o.resources, 'cpus', (r) => r.role === 'ops') === 1);
    assert.deepEqual(offer.resources.find((r) => r.role === 'ops'), { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'ops', reservation: { principal: 'admin' } });
    // ops holds the offer: unreserving rescinds it to make room.
    const invalid = await operatorCall({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: [{ ...opsCpus, reservations: [{ type: 'STATIC', role: 'ops' }] }] } });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body, /^Failed to validate master::Call: unreserve_resources\.resources\[0\]: cpus\(ops\):1 is not dynamically reserved/);
    const tooMuch = await operatorCall({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: [{ ...opsCpus, scalar: { value: 2 } }] } });
    assert.equal(tooMuch.status, 409, tooMuch.body);
    const unreserved = await operatorCall({ type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: { value: agentId }, resources: [opsCpus] } });
    assert.equal(unreserved.status, 202, unreserved.body);
  } finally {
    await ops.stop();
  }
  assert.equal((await masterAgent()).reserved_resources.ops, undefined);
  await waitFor('the agent to be told the ops reservation is gone', async () => ((await agentState(port)).reserved_resources.ops ? undefined : true));
  assertDevSawNothingReserved();
});

test('a dynamic reservation survives an agent restart, and a restarted master learns it from the agent', async () => {
  const { port } = await masterAgent();
  const agent = cluster.agents[0] as NonNullable<(typeof cluster.agents)[number]>;
  agent.child.kill('SIGKILL');
  await agent.exited;
  // The new master knows nothing of the agent: only the agent's own checkpoint can bring the reservation back.
  await cluster.restartMaster();
  cluster.startAgent(0, port);
  await cluster.waitForAgents(1);
  const restarted = await masterAgent();
  assert.deepEqual(restarted.reserved_resources.eng, { disk: 0, mem: 256, gpus: 0, cpus: 2 });
  assert.deepEqual((await agentState(port)).reserved_resources.eng, { disk: 0, mem: 256, gpus: 0, cpus: 2 });
  const offer = await eng.nextOffer('the reservation, from the new master', (o) => scalarOf(o.resources, 'cpus', engDynamic) === 1, 15_000);
  await eng.decline(offer);
  assertDevSawNothingReserved();
});
