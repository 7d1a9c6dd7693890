/**
 * Goal: a real master serves the built web UI at `/` (HTML revalidated on each load, hashed
 * assets cached for good, right content types, other paths still the master's own 404) and
 * passes the UI's agent requests on: `/agent/<agent_id>/state` and `/files/*` answer exactly what
 * the agent answers directly, refusals included; an unknown agent or an endpoint outside the
 * allowed list is a 404 naming it; an agent that does not answer is a 502.
 * Method: a master and one agent as processes (TestCluster, after `npm run build` made ui/dist);
 * plain HTTP GETs on loopback, to the master and, for comparison, to the agent itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { request, type Endpoint } from '../../src/common/http/client.js';
import { TestCluster, waitFor } from './cluster.js';

const UI_INDEX = fileURLToPath(new URL('../../../ui/dist/index.html', import.meta.url));

let cluster: TestCluster;
let agentId = '';
let agent: Endpoint;

before(async () => {
  cluster = await new TestCluster({ agents: 1 }).start();
  const [slave] = await cluster.slaves();
  assert.ok(slave, 'one agent registered');
  agentId = slave.id;
  const [, address] = slave.pid.split('@') as [string, string];
  const [host, port] = address.split(':') as [string, string];
  agent = { host, port: Number(port) };
});

after(async () => {
  await cluster?.stop();
});

test('the UI page and its assets are served with their content types and cache rules', async () => {
  const page = await request(cluster.masterEndpoint(), 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.equal(page.body, readFileSync(UI_INDEX, 'utf8'));
  const assets = [...page.body.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((match) => match[1] as string);
  assert.ok(assets.some((path) => path.endsWith('.js')) && assets.some((path) => path.endsWith('.css')), `assets in the page: ${assets.join(', ')}`);
  for (const path of assets) {
    const asset = await request(cluster.masterEndpoint(), 'GET', `/${path}`);
    assert.equal(asset.status, 200, path);
    assert.match(String(asset.headers['content-type']), path.endsWith('.js') ? /^(application|text)\/javascript/ : /^text\/css/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(asset.headers.etag, 'an ETag for revalidation');
  }
  // No catch-all: the master's own paths and 404s are untouched.
  assert.equal((await request(cluster.masterEndpoint(), 'GET', '/no/such/page')).status, 404);
  assert.equal((await request(cluster.masterEndpoint(), 'GET', '/assets/no-such-file.js')).status, 404);
  assert.equal((await request(cluster.masterEndpoint(), 'GET', '/health')).status, 200);
});

test("the master passes /agent/<id>/state and /files/* on and answers what the agent answers", async () => {
  const proxied = await request(cluster.masterEndpoint(), 'GET', `/agent/${agentId}/state`);
  assert.equal(proxied.status, 200, proxied.body);
  assert.match(String(proxied.headers['content-type']), /^application\/json/);
  assert.equal(proxied.headers['cache-control'], 'no-store');
  const state = JSON.parse(proxied.body) as { id: string; flags?: Record<string, string> };
  assert.equal(state.id, agentId);

  const workDir = cluster.agents[0]?.workDir as string;
  const paths = [
    `/files/browse?path=${encodeURIComponent(workDir)}`,
    '/files/read?path=%2Fetc%2Fpasswd&offset=0&length=10',
    '/files/read?path=nowhere&offset=-1',
    '/files/read?offset=0',
    '/files/browse',
  ];
  for (const path of paths) {
    const direct = await request(agent, 'GET', path);
    const through = await request(cluster.masterEndpoint(), 'GET', `/agent/${agentId}${path}`);
    assert.equal(through.status, direct.status, `${path}: ${through.body}`);
    assert.equal(through.body, direct.body, path);
    assert.ok(through.status >= 400, `${path} is refused by the agent (${through.status})`);
  }
});

test('unknown agents and endpoints outside the list are 404s that say why', async () => {
  const unknown = await request(cluster.masterEndpoint(), 'GET', '/agent/no-such-agent/state');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /Agent no-such-agent is not registered/);
  for (const endpoint of ['metrics/snapshot', 'api/v1', 'files/../state', 'flags']) {
    const refused = await request(cluster.masterEndpoint(), 'GET', `/agent/${agentId}/${endpoint}`);
    assert.equal(refused.status, 404, endpoint);
    assert.match(refused.body, /not an agent endpoint the master passes on/, endpoint);
  }
  const post = await request(cluster.masterEndpoint(), 'POST', `/agent/${agentId}/state`, '{}', { 'content-type': 'application/json' });
  assert.equal(post.status, 404, 'only GET is passed on');
});

test('an agent that does not answer is a 502 naming it', async () => {
  const agentProcess = cluster.agents[0];
  assert.ok(agentProcess);
  agentProcess.child.kill('SIGKILL');
  await agentProcess.exited;
  // The master still lists the agent until its pings time out; its socket is closed now.
  const answer = await waitFor('a 502 from the master', async () => {
    const result = await request(cluster.masterEndpoint(), 'GET', `/agent/${agentId}/state`);
    return result.status === 502 ? result : undefined;
  }, 5_000);
  assert.match(answer.body, new RegExp(`Agent ${agentId} at 127\\.0\\.0\\.1:${agent.port} did not answer`));
});
