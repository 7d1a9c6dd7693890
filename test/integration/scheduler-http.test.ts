/**
 * The HTTP rules of `POST /api/v1/scheduler`, as Mesos applies them, against a real master on
 * loopback: methods, content types, Accept, malformed bodies, unknown frameworks, and GET /version;
 * and the batching of the agent link.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFlags } from '../../src/common/flags.js';
import { request, subscribe, type Endpoint } from '../../src/common/http/client.js';
import { createLogger } from '../../src/common/log.js';
import { MASTER_FLAGS, runMaster, type RunningMaster } from '../../src/master/shell/main.js';
import { waitFor } from './cluster.js';

let master: RunningMaster;
let endpoint: Endpoint;

before(async () => {
  master = await runMaster(resolveFlags(MASTER_FLAGS, { port: '0' }, {}), createLogger('master', 'silent'));
  endpoint = master.address;
});

after(async () => {
  await master.stop();
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const call = (body: string, headers: Record<string, string> = JSON_HEADERS, method = 'POST') =>
  request(endpoint, method, '/api/v1/scheduler', body, headers);

test('GET /version answers as Mesos does', async () => {
  const result = await request(endpoint, 'GET', '/version');
  assert.equal(result.status, 200);
  const version = JSON.parse(result.body) as Record<string, unknown>;
  assert.match(String(version.version), /^\d+\.\d+\.\d+$/);
  assert.ok('build_time' in version || 'build_date' in version);
});

test('only POST is allowed (405)', async () => {
  assert.equal((await call('', {}, 'GET')).status, 405);
});

test('Content-Type must be exactly application/json (415), and present (400)', async () => {
  assert.equal((await call('{}', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await call('{}', { 'content-type': 'application/x-protobuf' })).status, 415);
  assert.equal((await call('{}', {})).status, 400);
});

test('SUBSCRIBE with an Accept that excludes JSON is refused (406)', async () => {
  const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
  assert.equal((await call(body, { 'content-type': 'application/json', accept: 'application/x-protobuf' })).status, 406);
});

test('malformed JSON and invalid calls get 400 with a message naming the problem', async () => {
  const malformed = await call('{"type": ');
  assert.equal(malformed.status, 400);
  assert.ok(malformed.body.length > 0);
  const unknownType = await call(JSON.stringify({ type: 'LAUNCH_ROCKET' }));
  assert.equal(unknownType.status, 400);
  assert.match(unknownType.body, /type/);
  const missingBody = await call(JSON.stringify({ type: 'SUBSCRIBE' }));
  assert.equal(missingBody.status, 400);
  assert.match(missingBody.body, /subscribe/);
  const missingField = await call(JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'no-user' } } }));
  assert.equal(missingField.status, 400);
  assert.match(missingField.body, /user/);
});

test('explicit nulls are taken as absent fields', async () => {
  const body = JSON.stringify({ type: 'DECLINE', framework_id: { value: 'nope-0000' }, decline: { offer_ids: [], filters: null } });
  // Valid shape (the null filters are ignored), so the answer is about the unknown framework.
  const result = await call(body);
  assert.equal(result.status, 400);
  assert.match(result.body, /Framework cannot be found/);
});

test('a call without framework_id, or for an unknown framework, is refused (400)', async () => {
  assert.equal((await call(JSON.stringify({ type: 'REVIVE' }))).status, 400);
  const unknown = await call(JSON.stringify({ type: 'REVIVE', framework_id: { value: 'unknown-0000' } }), { ...JSON_HEADERS, 'mesos-stream-id': 'x' });
  assert.equal(unknown.status, 400);
});

test('bad input never takes the master down', async () => {
  const garbage = ['', 'null', '[]', '{"type":null}', '{"type":"ACCEPT","framework_id":{"value":""},"accept":{}}', '\u0000\u0001'];
  for (const body of garbage) assert.equal((await call(body)).status, 400, `body ${JSON.stringify(body)}`);
  assert.equal((await request(endpoint, 'GET', '/health')).status, 200);
});

test('the agent link takes a BATCH of calls, all or nothing', async () => {
  const events: Array<{ type: string; subscribed?: { agent_id: { value: string } } }> = [];
  const link = await subscribe(endpoint, '/api/v1/agent-link', {
    type: 'SUBSCRIBE',
    subscribe: { agent_info: { hostname: 'fake' }, resources: [], version: '1.11.0' },
  }, { onEvent: (event) => events.push(event as (typeof events)[number]), onClose: () => undefined });
  try {
    const agentId = (await waitFor('SUBSCRIBED', () => events.find((e) => e.type === 'SUBSCRIBED')))?.subscribed?.agent_id.value as string;
    const post = (body: unknown) => request(endpoint, 'POST', '/api/v1/agent-link', JSON.stringify(body), { ...JSON_HEADERS, 'meridian-agent-id': agentId });
    const bad = await post({ type: 'BATCH', batch: [{ type: 'PONG' }, { type: 'UPDATE' }] });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /batch\[1\]/);
    assert.equal((await post({ type: 'BATCH', batch: [{ type: 'PONG' }, { type: 'PONG' }] })).status, 202);
    assert.equal((await post({ type: 'BATCH', batch: [{ type: 'BATCH', batch: [] }] })).status, 400);
  } finally {
    link.close();
  }
});
