/**
 * Goal: offer operation feedback works on real processes as in Mesos: a framework that RESERVEs with
 * an `id` is sent UPDATE_OPERATION_STATUS OPERATION_FINISHED (converted resources, agent, uuid), the
 * reservation is real (the master's state and the agent show it), GET_OPERATIONS lists the
 * operation, RECONCILE_OPERATIONS answers without uuid, a new subscription of the framework is sent
 * the unacknowledged status again, ACKNOWLEDGE_OPERATION_STATUS ends it (a bad one is a 400 naming
 * the field), and an invalid RESERVE with an id is answered with OPERATION_ERROR.
 * Method: one master and one agent (TestCluster) on loopback; a framework on the scheduler SDK that
 * keeps every event and declines offers it is not waiting for; the Operator API over plain HTTP.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrameworkInfo, Offer, Resource } from '../../src/api/mesos.js';
import type { Operation, OperationStatus } from '../../src/api/operations.js';
import { request } from '../../src/common/http/client.js';
import { SchedulerCallError, SchedulerClient, type ClientEvent } from '../../src/sdk/scheduler-client.js';
import { TestCluster, waitFor } from './cluster.js';

/** Offers a test is not waiting for go back this soon. */
const DECLINE_SECONDS = 0.1;
const FRAMEWORK: FrameworkInfo = { user: 'root', name: 'feedback', role: 'eng', principal: 'eng-p', failover_timeout: 60 };

/** A framework that keeps every event and hands out the next offer a test asks for. */
class Framework {
  readonly events: ClientEvent[] = [];
  private wanted: ((offer: Offer) => void) | null = null;
  private consuming: Promise<void> | null = null;

  constructor(readonly client: SchedulerClient) {}

  static async start(master: string, info: FrameworkInfo): Promise<Framework> {
    const framework = new Framework(new SchedulerClient({ master, framework: info }));
    framework.consuming = (async () => {
      for await (const event of framework.client.events()) {
        framework.events.push(event);
        if (event.type !== 'OFFERS') continue;
        for (const offer of event.offers.offers) {
          if (framework.wanted) {
            framework.wanted(offer);
            framework.wanted = null;
          } else {
            framework.client.decline([offer.id], { refuse_seconds: DECLINE_SECONDS }).catch(() => undefined);
          }
        }
      }
    })().catch(() => undefined);
    await waitFor('the framework to subscribe', () => (framework.client.subscribed ? true : undefined));
    return framework;
  }

  /** The next offer, which the caller then holds (accepts or declines). */
  nextOffer(timeoutMs = 10_000): Promise<Offer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wanted = null;
        reject(new Error(`no offer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.wanted = (offer) => {
        clearTimeout(timer);
        resolve(offer);
      };
    });
  }

  /** Operation statuses received since event number `since`. */
  operationStatuses(since = 0): OperationStatus[] {
    return this.events.slice(since).flatMap((e) => (e.type === 'UPDATE_OPERATION_STATUS' ? [e.update_operation_status.status] : []));
  }

  waitForStatus(what: string, match: (status: OperationStatus) => boolean, since = 0): Promise<OperationStatus> {
    return waitFor(what, () => this.operationStatuses(since).find(match), 10_000, 50);
  }

  /** Closes this subscription; the master keeps the framework for its failover timeout. */
  async disconnect(): Promise<void> {
    this.client.close();
    await this.consuming;
  }

  async stop(): Promise<void> {
    await this.client.teardown().catch(() => undefined);
    await this.disconnect();
  }
}

let cluster: TestCluster;
let framework: Framework;

before(async () => {
  cluster = await new TestCluster({ agents: 1, agentResources: 'cpus:2;mem:1024;disk:512' }).start();
  framework = await Framework.start(cluster.masterAddress, FRAMEWORK);
});

after(async () => {
  await framework?.stop();
  await cluster?.stop();
});

const cpusForEng = (value: number, principal = 'eng-p'): Resource => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, role: 'eng', reservation: { principal } });

async function operatorCall(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const result = await request(cluster.masterEndpoint(), 'POST', '/api/v1', JSON.stringify(body), { 'content-type': 'application/json', accept: 'application/json' });
  assert.equal(result.status, 200, result.body);
  return { status: result.status, json: JSON.parse(result.body) as Record<string, unknown> };
}

async function reservedForEng(): Promise<Record<string, number | string> | undefined> {
  const state = await cluster.get<{ slaves: Array<{ reserved_resources: Record<string, Record<string, number | string>> }> }>('/master/state');
  return state.slaves[0]?.reserved_resources.eng;
}

test('RESERVE with an id: OPERATION_FINISHED, listed by GET_OPERATIONS, reconciled, re-sent to a new subscription, then acknowledged', async () => {
  const offer = await framework.nextOffer();
  const agentId = offer.agent_id.value;
  await framework.client.accept([offer.id], [{ type: 'RESERVE', id: { value: 'reserve-1' }, reserve: { resources: [cpusForEng(1)] } }], { refuse_seconds: DECLINE_SECONDS });

  const finished = await framework.waitForStatus('OPERATION_FINISHED', (s) => s.operation_id?.value === 'reserve-1');
  assert.equal(finished.state, 'OPERATION_FINISHED');
  assert.deepEqual(finished.agent_id, { value: agentId });
  assert.deepEqual(finished.converted_resources, [cpusForEng(1)], 'in the format of the framework, which has no RESERVATION_REFINEMENT');
  const uuid = finished.uuid?.value ?? '';
  assert.equal(Buffer.from(uuid, 'base64').length, 16);
  assert.equal((await reservedForEng())?.cpus, 1, 'the reservation is real');
  const agentPort = (await cluster.slaves())[0]?.port;
  const agentState = await (await fetch(`http://127.0.0.1:${agentPort}/state`)).json() as { reserved_resources: Record<string, Record<string, number>> };
  assert.equal(agentState.reserved_resources.eng?.cpus, 1, 'and the agent was told');

  const listed = (await operatorCall({ type: 'GET_OPERATIONS' })).json as { type: string; get_operations: { operations?: Operation[] } };
  assert.equal(listed.type, 'GET_OPERATIONS');
  const [operation] = listed.get_operations.operations ?? [];
  assert.equal(operation?.info.id?.value, 'reserve-1');
  assert.deepEqual(operation?.framework_id, { value: framework.client.frameworkId });
  assert.deepEqual(operation?.agent_id, { value: agentId });
  assert.equal(operation?.latest_status.state, 'OPERATION_FINISHED');
  assert.deepEqual(operation?.statuses?.map((s) => s.uuid?.value), [uuid]);

  // Reconciliation, explicit then implicit: the latest status, without uuid.
  const { uuid: _uuid, ...latest } = finished;
  let since = framework.events.length;
  await framework.client.call({ type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'reserve-1' }, agent_id: { value: agentId } }] } });
  assert.deepEqual(await framework.waitForStatus('explicit reconciliation', () => true, since), latest);
  since = framework.events.length;
  await framework.client.call({ type: 'RECONCILE_OPERATIONS', reconcile_operations: {} });
  assert.deepEqual(await framework.waitForStatus('implicit reconciliation', () => true, since), latest);

  // Not acknowledged yet: a new subscription of the framework is sent the status again, same uuid.
  const frameworkId = framework.client.frameworkId ?? '';
  await framework.disconnect();
  framework = await Framework.start(cluster.masterAddress, { ...FRAMEWORK, id: { value: frameworkId } });
  assert.deepEqual(await framework.waitForStatus('the status again after resubscribing', (s) => s.operation_id?.value === 'reserve-1'), finished);

  await framework.client.call({
    type: 'ACKNOWLEDGE_OPERATION_STATUS',
    acknowledge_operation_status: { agent_id: { value: agentId }, uuid, operation_id: { value: 'reserve-1' } },
  });
  await waitFor('the operation to be forgotten', async () => {
    const listedNow = (await operatorCall({ type: 'GET_OPERATIONS' })).json;
    return JSON.stringify(listedNow) === JSON.stringify({ type: 'GET_OPERATIONS', get_operations: {} }) ? true : undefined;
  }, 5000);
  since = framework.events.length;
  await framework.client.call({ type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'reserve-1' }, agent_id: { value: agentId } }] } });
  const unknown = await framework.waitForStatus('reconciliation after the acknowledgement', () => true, since);
  assert.equal(unknown.state, 'OPERATION_UNKNOWN');
  assert.equal((await reservedForEng())?.cpus, 1, 'acknowledging changes nothing but the feedback');
});

test('a bad ACKNOWLEDGE_OPERATION_STATUS is a 400 naming the field', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ uuid: Buffer.alloc(16).toString('base64'), operation_id: { value: 'x' } }, /Expecting 'acknowledge_operation_status\.agent_id' to be present/],
    [{ agent_id: { value: 'a' }, uuid: 'short', operation_id: { value: 'x' } }, /'acknowledge_operation_status\.uuid' is invalid/],
  ];
  for (const [body, message] of cases) {
    const refused = await framework.client.call({ type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: body } as never).then(() => null, (error: unknown) => error);
    assert.ok(refused instanceof SchedulerCallError, `refused: ${String(refused)}`);
    assert.equal(refused.status, 400);
    assert.match(refused.body, message);
  }
});

test('an invalid RESERVE with an id is answered with OPERATION_ERROR, without uuid, and reserves nothing', async () => {
  const reservedBefore = await reservedForEng();
  const since = framework.events.length;
  const offer = await framework.nextOffer();
  await framework.client.accept([offer.id], [{ type: 'RESERVE', id: { value: 'bad-1' }, reserve: { resources: [cpusForEng(1, 'someone-else')] } }], { refuse_seconds: DECLINE_SECONDS });
  const error = await framework.waitForStatus('OPERATION_ERROR', (s) => s.operation_id?.value === 'bad-1', since);
  assert.equal(error.state, 'OPERATION_ERROR');
  assert.match(error.message ?? '', /principal: 'someone-else' does not match the framework's principal 'eng-p'/);
  assert.equal(error.uuid, undefined);
  assert.equal(error.agent_id, undefined);
  assert.deepEqual(await reservedForEng(), reservedBefore);
});
