/**
 * Goal: operators set and read role weights on a real master — through `POST /api/v1`
 * (UPDATE_WEIGHTS, GET_WEIGHTS) and the legacy `/weights` — bad input is refused with a 400 naming
 * the field, and weights survive a master restart; a corrupt weights file stops the master.
 * Method: one master process without agents (TestCluster), plain HTTP requests on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';

let cluster: TestCluster;

before(async () => {
  cluster = await new TestCluster({ agents: 0 }).start();
});

after(async () => {
  await cluster?.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

const endpoint = () => cluster.masterEndpoint();

const call = (body: unknown, headers: Record<string, string> = JSON_HEADERS, method = 'POST') =>
  request(endpoint(), method, '/api/v1', typeof body === 'string' ? body : JSON.stringify(body), headers);
const updateWeights = (weightInfos: unknown) => call({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: weightInfos } });

async function getWeights(): Promise<unknown> {
  const result = await call({ type: 'GET_WEIGHTS' });
  assert.equal(result.status, 200, result.body);
  return JSON.parse(result.body);
}

test('UPDATE_WEIGHTS then GET_WEIGHTS', async () => {
  assert.deepEqual(await getWeights(), { type: 'GET_WEIGHTS', get_weights: {} });
  const updated = await updateWeights([{ role: 'eng', weight: 2.0 }, { role: 'ops/batch', weight: 0.5 }]);
  assert.equal(updated.status, 200, updated.body);
  assert.equal(updated.body, '');
  assert.deepEqual(await getWeights(), {
    type: 'GET_WEIGHTS',
    get_weights: { weight_infos: [{ role: 'eng', weight: 2 }, { role: 'ops/batch', weight: 0.5 }] },
  });
});

test('legacy /weights: PUT a JSON array, GET it back (also at /master/weights)', async () => {
  const put = await request(endpoint(), 'PUT', '/weights', JSON.stringify([{ role: 'web', weight: 3.5 }, { role: 'eng', weight: 4 }]));
  assert.equal(put.status, 200, put.body);
  for (const path of ['/weights', '/master/weights']) {
    const got = await request(endpoint(), 'GET', path);
    assert.equal(got.status, 200);
    assert.deepEqual(JSON.parse(got.body), [{ role: 'eng', weight: 4 }, { role: 'ops/batch', weight: 0.5 }, { role: 'web', weight: 3.5 }]);
  }
  const refused = await request(endpoint(), 'PUT', '/weights', JSON.stringify([{ role: 'web', weight: 0 }]));
  assert.equal(refused.status, 400);
  assert.match(refused.body, /\[0\]\.weight: must be greater than 0/);
  assert.equal((await request(endpoint(), 'DELETE', '/weights')).status, 405);
});

test('every bad input is refused with 400 naming the field, and changes nothing', async () => {
  const before = await getWeights();
  const cases: Array<[string, unknown, RegExp]> = [
    ['weight 0', [{ role: 'eng', weight: 1 }, { role: 'a', weight: 0 }], /update_weights\.weight_infos\[1\]\.weight: must be greater than 0/],
    ['negative weight', [{ role: 'a', weight: -1.5 }], /update_weights\.weight_infos\[0\]\.weight: must be greater than 0/],
    ['string weight', [{ role: 'a', weight: '2' }], /'update_weights\.weight_infos\[0\]\.weight' is invalid/],
    ['missing weight', [{ role: 'a' }], /'update_weights\.weight_infos\[0\]\.weight' to be present/],
    ['missing role', [{ weight: 2 }], /'update_weights\.weight_infos\[0\]\.role' to be present/],
    ['role ..', [{ role: '..', weight: 2 }], /update_weights\.weight_infos\[0\]\.role: role '\.\.'/],
    ['role a//b', [{ role: 'eng', weight: 1 }, { role: 'a//b', weight: 2 }], /update_weights\.weight_infos\[1\]\.role: role 'a\/\/b'/],
    ['empty role', [{ role: '', weight: 2 }], /update_weights\.weight_infos\[0\]\.role: role name must not be empty/],
    ['duplicated role', [{ role: 'x', weight: 2 }, { role: 'x', weight: 3 }], /update_weights\.weight_infos\[1\]\.role: role 'x' is already given a weight/],
  ];
  for (const [what, weightInfos, message] of cases) {
    const result = await updateWeights(weightInfos);
    assert.equal(result.status, 400, what);
    assert.match(result.body, message, what);
  }
  // Protobuf JSON leaves an empty list out: no weight_infos is an empty update, as in Mesos.
  const emptyList = await call({ type: 'UPDATE_WEIGHTS', update_weights: {} });
  assert.equal(emptyList.status, 200);
  const missingBody = await call({ type: 'UPDATE_WEIGHTS' });
  assert.equal(missingBody.status, 400);
  assert.match(missingBody.body, /'update_weights' to be present/);
  const unknownType = await call({ type: 'LAUNCH_ROCKET' });
  assert.equal(unknownType.status, 400);
  assert.match(unknownType.body, /'type' "LAUNCH_ROCKET"/);
  const malformed = await call('{"type": ');
  assert.equal(malformed.status, 400);
  assert.match(malformed.body, /JSON/);
  assert.deepEqual(await getWeights(), before, 'no refused update changed anything');
});

test('HTTP rules: POST only (405), Content-Type application/json (415, 400 when absent); known calls not implemented answer 501', async () => {
  assert.equal((await call('', {}, 'GET')).status, 405);
  assert.equal((await call({ type: 'GET_WEIGHTS' }, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await call({ type: 'GET_WEIGHTS' }, { 'content-type': 'application/x-protobuf' })).status, 415);
  assert.equal((await call({ type: 'GET_WEIGHTS' }, {})).status, 400);
  const notYet = await call({ type: 'GET_MAINTENANCE_STATUS' });
  assert.equal(notYet.status, 501);
  assert.match(notYet.body, /not implement the 'GET_MAINTENANCE_STATUS' call yet/);
});

test('weights survive a master restart (they are saved in the master work_dir)', async () => {
  const expected = await getWeights();
  assert.deepEqual(JSON.parse(readFileSync(join(cluster.root, 'master', 'weights.json'), 'utf8')), {
    weight_infos: (expected as { get_weights: { weight_infos: unknown[] } }).get_weights.weight_infos,
  });
  await cluster.restartMaster();
  const after = await waitFor('the restarted master to answer GET_WEIGHTS', async () => {
    const result = await call({ type: 'GET_WEIGHTS' }).catch(() => undefined);
    return result?.status === 200 ? JSON.parse(result.body) as unknown : undefined;
  });
  assert.deepEqual(after, expected);
});

test('a corrupt weights file stops the master with a message naming the file', async () => {
  const file = join(cluster.root, 'master', 'weights.json');
  writeFileSync(file, '{"weight_infos":[{"role":"eng","weight":');
  await cluster.restartMaster();
  await cluster.master.exited;
  assert.equal(cluster.master.child.exitCode, 2);
  const log = readFileSync(join(cluster.root, 'master.log'), 'utf8');
  assert.ok(log.includes(`${file} is not JSON`), log.slice(-2000));
});
