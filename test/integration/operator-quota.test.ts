/**
 * Goal: operators set quota on a real master — UPDATE_QUOTA and GET_QUOTA on `POST /api/v1`, the
 * deprecated SET_QUOTA/REMOVE_QUOTA and `/quota` — a limit caps what a framework in the role is
 * offered, bad quota is refused with a 400 naming the field, and quota survives a master restart.
 * Method: a master and two agents of 2 cpus each (TestCluster), a scheduler in role `dev` (the
 * SDK) that holds every offer it gets, plain HTTP for the operator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Offer } from '../../src/api/mesos.js';
import { request } from '../../src/common/http/client.js';
import { SchedulerClient } from '../../src/sdk/scheduler-client.js';
import { sleep, TestCluster, waitFor } from './cluster.js';

let cluster: TestCluster;

before(async () => {
  cluster = await new TestCluster({ agents: 2, agentResources: 'cpus:2;mem:2048;disk:1024' }).start();
});

after(async () => {
  await cluster?.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

const endpoint = () => cluster.masterEndpoint();

const call = (body: unknown) => request(endpoint(), 'POST', '/api/v1', JSON.stringify(body), JSON_HEADERS);
const updateQuota = (configs: unknown, force?: boolean) => call({ type: 'UPDATE_QUOTA', update_quota: { ...(force !== undefined ? { force } : {}), quota_configs: configs } });

async function getQuota(): Promise<unknown> {
  const result = await call({ type: 'GET_QUOTA' });
  assert.equal(result.status, 200, result.body);
  return JSON.parse(result.body);
}

test('UPDATE_QUOTA then GET_QUOTA, and bad configs refused whole with the field named', async () => {
  assert.deepEqual(await getQuota(), { type: 'GET_QUOTA', get_quota: { status: {} } });
  const updated = await updateQuota([{ role: 'dev', limits: { cpus: { value: 1 }, mem: { value: 1024 } } }]);
  assert.equal(updated.status, 200, updated.body);
  assert.deepEqual(await getQuota(), {
    type: 'GET_QUOTA',
    get_quota: { status: { infos: [{ role: 'dev', guarantee: [] }], configs: [{ role: 'dev', limits: { cpus: { value: 1 }, mem: { value: 1024 } } }] } },
  });
  const cases: Array<[string, unknown, RegExp]> = [
    ['ports', [{ role: 'x', limits: { ports: { value: 1 } } }], /update_quota\.quota_configs\[0\]\.limits\.ports: quota applies to scalar resources only/],
    ['negative', [{ role: 'x', limits: { cpus: { value: -1 } } }], /quota_configs\[0\]\.limits\.cpus\.value: must not be negative/],
    ['not a number', [{ role: 'x', limits: { cpus: { value: 'two' } } }], /'update_quota\.quota_configs\[0\]\.limits\.cpus\.value' is invalid/],
    ['bad role', [{ role: '..', limits: {} }], /quota_configs\[0\]\.role: /],
    ['guarantee above limit', [{ role: 'x', guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 1 } } }], /the guarantee of cpus \(2\) is above its limit \(1\)/],
    ['capacity', [{ role: 'ok', limits: {} }, { role: 'x', guarantees: { cpus: { value: 100 } } }], /exceed cluster capacity 'cpus:4; disk:2048; mem:4096' \(use 'force' flag/],
  ];
  for (const [what, configs, message] of cases) {
    const result = await updateQuota(configs);
    assert.equal(result.status, 400, `${what}: ${result.body}`);
    assert.match(result.body, message, what);
  }
  const quota = await getQuota() as { get_quota: { status: { configs: Array<{ role: string }> } } };
  assert.deepEqual(quota.get_quota.status.configs.map((c) => c.role), ['dev'], 'nothing of a refused update got in');
  const forced = await updateQuota([{ role: 'x', guarantees: { cpus: { value: 100 } } }], true);
  assert.equal(forced.status, 200, forced.body);
  assert.equal((await updateQuota([{ role: 'x' }])).status, 200, 'an empty config removes the quota');
});

test('a framework in a role with a 1-cpu limit is offered 1 cpu of the cluster\'s 4', async () => {
  const client = new SchedulerClient({ master: cluster.masterAddress, framework: { user: 'root', name: 'quota-dev', role: 'dev', failover_timeout: 0 } });
  const held: Offer[] = [];
  const consuming = (async () => {
    for await (const event of client.events()) if (event.type === 'OFFERS') held.push(...event.offers.offers);
  })().catch(() => undefined);
  try {
    await waitFor('an offer for dev', () => (held.length > 0 ? true : undefined));
    await sleep(2500); // a couple more allocation intervals: more would come now if the limit let it
    const cpus = held.flatMap((o) => o.resources).filter((r) => r.name === 'cpus').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
    const mem = held.flatMap((o) => o.resources).filter((r) => r.name === 'mem').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
    assert.equal(cpus, 1);
    assert.ok(mem <= 1024, `mem offered ${mem}`);
  } finally {
    await client.teardown().catch(() => undefined);
    client.close();
    await consuming;
  }
});

test('the deprecated /quota endpoint and SET_QUOTA/REMOVE_QUOTA', async () => {
  const status = await request(endpoint(), 'GET', '/quota', '', {});
  assert.equal(status.status, 200);
  assert.deepEqual((JSON.parse(status.body) as { configs: Array<{ role: string }> }).configs.map((c) => c.role), ['dev']);
  const set = await request(endpoint(), 'POST', '/quota', JSON.stringify({ role: 'ops', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] }), {});
  assert.equal(set.status, 200, set.body);
  const again = await request(endpoint(), 'POST', '/quota', JSON.stringify({ role: 'ops', guarantee: [] }), {});
  assert.equal(again.status, 400);
  assert.match(again.body, /Failed to validate set quota request: .*cannot set quota for role 'ops' which already has quota/);
  const overcommit = await call({ type: 'SET_QUOTA', set_quota: { quota_request: { role: 'big', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 50 } }] } } });
  assert.equal(overcommit.status, 409, overcommit.body);
  const removed = await request(endpoint(), 'DELETE', '/quota/ops', '', {});
  assert.equal(removed.status, 200, removed.body);
  const missing = await call({ type: 'REMOVE_QUOTA', remove_quota: { role: 'ops' } });
  assert.equal(missing.status, 400);
  assert.match(missing.body, /remove_quota\.role: no quota set for role 'ops'/);
});

test('quota survives a master restart', async () => {
  await cluster.restartMaster();
  await waitFor('the master to answer again', async () => (await call({ type: 'GET_QUOTA' }).catch(() => undefined))?.status === 200 ? true : undefined);
  const quota = await getQuota() as { get_quota: { status: { configs: unknown[] } } };
  assert.deepEqual(quota.get_quota.status.configs, [{ role: 'dev', limits: { cpus: { value: 1 }, mem: { value: 1024 } } }]);
});
