/**
 * Goal: on a real master, a user can find out why a framework is starving: after the framework
 * declines every offer for an hour, `GET /master/frameworks/<id>/allocation` reports every agent
 * filtered and a summary saying its declines do it, `/master/state` carries the same in brief,
 * `meridian why` prints it as tables (and as JSON), and unknown frameworks and bad or foreign
 * roles are refused (404, 400; exit code 1 from the CLI).
 * Method: a master and two agents (TestCluster), a scheduler in role `dev` (the SDK) that declines
 * everything with refuse_seconds of an hour, plain HTTP, and the CLI as a child process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from '../../src/common/http/client.js';
import { SchedulerClient } from '../../src/sdk/scheduler-client.js';
import { TestCluster, waitFor } from './cluster.js';

const CLI = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));
const HOUR_S = 3600;

interface RoleJson {
  role: string;
  summary: string;
  agents: { total: number; filtered: number; available: number };
}

let cluster: TestCluster;
let client: SchedulerClient;
let consuming: Promise<unknown>;
let frameworkId = '';

before(async () => {
  cluster = await new TestCluster({ agents: 2, agentResources: 'cpus:2;mem:1024;disk:1024' }).start();
  client = new SchedulerClient({ master: cluster.masterAddress, framework: { user: 'root', name: 'starving', role: 'dev', failover_timeout: 0 } });
  consuming = (async () => {
    for await (const event of client.events()) {
      if (event.type === 'OFFERS') await client.decline(event.offers.offers.map((o) => o.id), { refuse_seconds: HOUR_S });
    }
  })().catch(() => undefined);
  frameworkId = await waitFor('the framework id', () => client.frameworkId ?? undefined);
});

after(async () => {
  await client?.teardown().catch(() => undefined);
  client?.close();
  await consuming;
  await cluster?.stop();
});

function get(path: string) {
  const [host, port] = cluster.masterAddress.split(':') as [string, string];
  return request({ host, port: Number(port) }, 'GET', path);
}

const why = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, 'why', ...args], { timeout: 10_000 });

test('after declining every offer for an hour, every agent is filtered and the summary says so', async () => {
  const dev = await waitFor('both agents filtered for dev', async () => {
    const answer = await get(`/master/frameworks/${frameworkId}/allocation`);
    assert.equal(answer.status, 200, answer.body);
    const body = JSON.parse(answer.body) as { framework_id: string; name: string; roles: RoleJson[] };
    assert.equal(body.framework_id, frameworkId);
    assert.equal(body.name, 'starving');
    return body.roles[0]?.agents.filtered === 2 ? body.roles : undefined;
  });
  assert.deepEqual(dev.map((r) => r.role), ['dev']);
  assert.equal(dev[0]?.agents.total, 2);
  assert.equal(dev[0]?.agents.available, 0);
  assert.match(dev[0]?.summary ?? '', /^Its declines filter every agent \(2 of 2\)/);

  const alsoWithoutPrefix = await get(`/frameworks/${frameworkId}/allocation?role=dev`);
  assert.equal(alsoWithoutPrefix.status, 200);
  const state = JSON.parse((await get('/master/state')).body) as { frameworks: Array<{ id: string; allocation: Record<string, { filtered_agents: number; summary: string }> }> };
  const brief = state.frameworks.find((f) => f.id === frameworkId)?.allocation.dev;
  assert.equal(brief?.filtered_agents, 2);
  assert.match(brief?.summary ?? '', /^Its declines filter every agent \(2 of 2\)/);
  const frameworks = JSON.parse((await get('/master/frameworks')).body) as { frameworks: Array<{ id: string; allocation: unknown }> };
  assert.deepEqual(frameworks.frameworks.find((f) => f.id === frameworkId)?.allocation, state.frameworks.find((f) => f.id === frameworkId)?.allocation);
});

test('meridian why prints the summary and the agent breakdown, or the JSON', async () => {
  const [{ stdout }, json] = await Promise.all([
    why(frameworkId, '--master', cluster.masterAddress),
    why(frameworkId, '--master', cluster.masterAddress, '--role', 'dev', '--json'),
  ]);
  assert.match(stdout, new RegExp(`^Framework ${frameworkId} \\(starving\\)$`, 'm'));
  assert.match(stdout, /^dev +Its declines filter every agent \(2 of 2\)/m);
  assert.match(stdout, /^ROLE +AGENTS +AVAILABLE +FILTERED +FULLY_ALLOCATED +RESERVED_FOR_OTHER_ROLES +BELOW_MINIMUM +OFFERED_LAST_RUN +OUTSTANDING_OFFERS$/m);
  assert.match(stdout, /^dev +2 +0 +2 +0 +0 +0 +0 +0$/m);
  assert.equal((JSON.parse(json.stdout) as { roles: RoleJson[] }).roles[0]?.agents.filtered, 2);
});

test('an unknown framework is a 404, a bad or foreign role a 400; the CLI exits 1 and says why', async () => {
  const unknown = await get('/master/frameworks/no-such-framework/allocation');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body, "Framework 'no-such-framework' is not known to this master");
  const invalid = await get(`/master/frameworks/${frameworkId}/allocation?role=a//b`);
  assert.equal(invalid.status, 400);
  assert.match(invalid.body, /^Invalid role: role 'a\/\/b' must not contain '\/\/'$/);
  const foreign = await get(`/master/frameworks/${frameworkId}/allocation?role=ops`);
  assert.equal(foreign.status, 400);
  assert.equal(foreign.body, `Framework '${frameworkId}' is not in role 'ops' (its roles: 'dev')`);

  await Promise.all([
    assert.rejects(why('no-such-framework', '--master', cluster.masterAddress), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.equal(error.stderr, "meridian why: Framework 'no-such-framework' is not known to this master\n");
      return true;
    }),
    assert.rejects(why(frameworkId, '--master', cluster.masterAddress, '--role', 'ops'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /^meridian why: --role: Framework '.*' is not in role 'ops'/);
      return true;
    }),
  ]);
});
