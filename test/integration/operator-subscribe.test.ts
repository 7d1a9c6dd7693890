/**
 * Goal: an Operator API SUBSCRIBE client sees the cluster change as it does: SUBSCRIBED with the
 * state and the heartbeat interval, then FRAMEWORK_ADDED, TASK_ADDED and TASK_UPDATED (running,
 * finished) for a task a real framework launches, AGENT_ADDED and AGENT_REMOVED, FRAMEWORK_REMOVED
 * and heartbeats. A subscriber that stops reading is cut off once it falls far enough behind,
 * while the master keeps answering and a subscriber that reads keeps getting every event; past
 * `--max_operator_event_stream_subscribers` (2 here) a new subscriber closes the oldest.
 * Method: a master with a 1 s heartbeat and one agent as processes (TestCluster), the test
 * framework, subscribers as raw HTTP requests on loopback decoding RecordIO; to put a slow
 * subscriber behind, a framework updates its FrameworkInfo with a 256 KiB label many times over.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from '../../src/common/http/client.js';
import { RecordIODecoder } from '../../src/common/recordio.js';
import { TestCluster, waitFor } from './cluster.js';
import { TestFramework } from './test-framework.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cluster: TestCluster;

before(async () => {
  cluster = await new TestCluster({ agents: 1, masterFlags: ['--heartbeat_interval=1secs', '--max_operator_event_stream_subscribers=2'] }).start();
});

after(async () => {
  await cluster?.stop();
});

/** An Operator API subscription read event by event; `pause()` stops reading from the socket. */
class OperatorSubscriber {
  readonly events: Json[] = [];
  ended = false;
  private response: http.IncomingMessage | null = null;
  private readonly request: http.ClientRequest;
  readonly opened: Promise<number>;

  constructor() {
    const { host, port } = cluster.masterEndpoint();
    this.request = http.request({ host, port, method: 'POST', path: '/api/v1', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json' } });
    this.opened = new Promise((resolve, reject) => {
      this.request.on('error', (error) => {
        this.ended = true;
        reject(error);
      });
      this.request.on('response', (response) => {
        this.response = response;
        const decoder = new RecordIODecoder();
        response.on('data', (chunk: Buffer) => {
          for (const record of decoder.decode(chunk)) this.events.push(JSON.parse(Buffer.from(record).toString('utf8')) as Json);
        });
        const end = () => {
          this.ended = true;
        };
        response.on('end', end);
        response.on('close', end);
        response.on('error', end);
        resolve(response.statusCode ?? 0);
      });
    });
    this.request.end(JSON.stringify({ type: 'SUBSCRIBE' }));
  }

  get contentType(): string {
    return String(this.response?.headers['content-type']);
  }

  ofType(type: string): Json[] {
    return this.events.filter((event) => event.type === type);
  }

  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    return waitFor(what, probe, timeoutMs, 20);
  }

  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  close(): void {
    this.request.destroy();
  }
}

async function subscribersMetric(): Promise<number | undefined> {
  const snapshot = await cluster.get<Record<string, number>>('/metrics/snapshot');
  return snapshot['master/operator_event_stream_subscribers'];
}

test('a subscriber sees SUBSCRIBED, then a framework, its task running and finishing, agents come and go, heartbeats', async () => {
  const subscriber = new OperatorSubscriber();
  assert.equal(await subscriber.opened, 200);
  assert.match(subscriber.contentType, /^application\/json/);
  const [subscribed] = await subscriber.waitFor('SUBSCRIBED', () => (subscriber.events.length > 0 ? subscriber.events : undefined));
  assert.equal(subscribed?.type, 'SUBSCRIBED');
  assert.equal(subscribed?.subscribed.heartbeat_interval_seconds, 1);
  assert.equal(subscribed?.subscribed.get_state.get_agents.agents.length, 1);
  assert.equal(await subscribersMetric(), 1);

  const framework = await new TestFramework(cluster.masterAddress, 'operator-subscribe-test').start();
  try {
    framework.launch({ id: 'short', command: 'sleep 1' });
    await framework.waitForState('short', ['TASK_FINISHED']);
    const finished = await subscriber.waitFor('TASK_UPDATED to TASK_FINISHED', () =>
      subscriber.ofType('TASK_UPDATED').find((event) => event.task_updated.state === 'TASK_FINISHED'));
    assert.deepEqual(finished.task_updated.framework_id, { value: framework.frameworkId });
    assert.equal(finished.task_updated.status.task_id.value, 'short');
    assert.equal(finished.task_updated.status.state, 'TASK_FINISHED');

    const added = subscriber.ofType('FRAMEWORK_ADDED').map((event) => event.framework_added.framework);
    assert.deepEqual(added.map((f) => [f.framework_info.id.value, f.framework_info.name, f.connected]), [[framework.frameworkId, 'operator-subscribe-test', true]]);
    const [taskAdded] = subscriber.ofType('TASK_ADDED');
    assert.equal(taskAdded?.task_added.task.task_id.value, 'short');
    assert.equal(taskAdded?.task_added.task.state, 'TASK_STAGING');
    assert.deepEqual(taskAdded?.task_added.task.framework_id, { value: framework.frameworkId });
    const states = subscriber.ofType('TASK_UPDATED').map((event) => event.task_updated.state);
    assert.ok(states.includes('TASK_RUNNING'), `TASK_RUNNING among ${states.join(', ')}`);
    assert.equal(states.at(-1), 'TASK_FINISHED');
    const order = subscriber.events.map((event) => event.type).filter((type) => type !== 'HEARTBEAT');
    assert.ok(order.indexOf('FRAMEWORK_ADDED') < order.indexOf('TASK_ADDED') && order.indexOf('TASK_ADDED') < order.indexOf('TASK_UPDATED'), order.join(' '));
  } finally {
    await framework.stop();
  }
  const removed = await subscriber.waitFor('FRAMEWORK_REMOVED', () => subscriber.ofType('FRAMEWORK_REMOVED')[0]);
  assert.equal(removed.framework_removed.framework_info.id.value, framework.frameworkId);

  const agent = cluster.startAgent(1);
  const agentAdded = await subscriber.waitFor('AGENT_ADDED', () => subscriber.ofType('AGENT_ADDED')[0]);
  assert.equal(agentAdded.agent_added.agent.active, true);
  assert.match(agentAdded.agent_added.agent.pid, /^slave\(1\)@127\.0\.0\.1:\d+$/);
  const agentId = agentAdded.agent_added.agent.agent_info.id.value as string;
  const gone = await request(cluster.masterEndpoint(), 'POST', '/api/v1', JSON.stringify({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: agentId } } }), { 'content-type': 'application/json' });
  assert.equal(gone.status, 200, gone.body);
  await agent.exited;
  const agentRemoved = await subscriber.waitFor('AGENT_REMOVED', () => subscriber.ofType('AGENT_REMOVED')[0]);
  assert.deepEqual(agentRemoved.agent_removed, { agent_id: { value: agentId } });

  await subscriber.waitFor('three heartbeats', () => (subscriber.ofType('HEARTBEAT').length >= 3 ? true : undefined), 10_000);
  subscriber.close();
  await waitFor('the master to count the subscriber gone', async () => ((await subscribersMetric()) === 0 ? true : undefined));
});

test('a subscriber that stops reading is cut off; the master keeps answering and a reading subscriber gets every event', async () => {
  const reader = new OperatorSubscriber();
  const stalled = new OperatorSubscriber();
  assert.equal(await reader.opened, 200);
  assert.equal(await stalled.opened, 200);
  await stalled.waitFor('SUBSCRIBED', () => (stalled.events.length > 0 ? true : undefined));
  stalled.pause();
  await waitFor('two subscribers', async () => ((await subscribersMetric()) === 2 ? true : undefined));

  // Every UPDATE_FRAMEWORK is a FRAMEWORK_UPDATED of about 256 KiB: 160 of them are 40 MiB, far more
  // than the 16 MiB a subscriber may fall behind plus what the sockets on both ends hold.
  const framework = await new TestFramework(cluster.masterAddress, 'operator-slow-subscriber-test').start();
  const updates = 160;
  const blob = 'x'.repeat(256 * 1024);
  try {
    for (let round = 0; round < updates; round++) {
      const started = Date.now();
      await framework.client.call({
        type: 'UPDATE_FRAMEWORK',
        update_framework: {
          framework_info: {
            user: 'root', name: 'operator-slow-subscriber-test', roles: ['*'], failover_timeout: 0,
            capabilities: [{ type: 'MULTI_ROLE' }], labels: { labels: [{ key: 'blob', value: blob }, { key: 'round', value: String(round) }] },
          },
        },
      });
      assert.ok(Date.now() - started < 5_000, `UPDATE_FRAMEWORK ${round} answered in ${Date.now() - started} ms: the master is not held up`);
    }
    const health = await request(cluster.masterEndpoint(), 'POST', '/api/v1', '{"type":"GET_HEALTH"}', { 'content-type': 'application/json' });
    assert.equal(health.status, 200);

    await waitFor('the stalled subscriber to be cut off', async () => ((await subscribersMetric()) === 1 ? true : undefined));
    const rounds = await reader.waitFor(`${updates} FRAMEWORK_UPDATED events`, () => {
      const seen = reader.ofType('FRAMEWORK_UPDATED').map((event) => event.framework_updated.framework.framework_info.labels.labels[1].value as string);
      return seen.length >= updates ? seen : undefined;
    }, 60_000);
    assert.deepEqual(rounds, Array.from({ length: updates }, (_, round) => String(round)), 'the reading subscriber got every update, in order');
    assert.equal(reader.ended, false);

    // The stalled one, read again, finds what was buffered and then the end of the stream.
    stalled.resume();
    await stalled.waitFor('the stalled stream to end', () => (stalled.ended ? true : undefined));
    assert.ok(stalled.ofType('FRAMEWORK_UPDATED').length < updates, `it got ${stalled.ofType('FRAMEWORK_UPDATED').length} of ${updates}`);
  } finally {
    reader.close();
    stalled.close();
    await framework.stop();
  }
});

test('a subscriber past --max_operator_event_stream_subscribers closes the oldest one', async () => {
  const subscribers = [new OperatorSubscriber(), new OperatorSubscriber()];
  for (const subscriber of subscribers) await subscriber.waitFor('SUBSCRIBED', () => (subscriber.events.length > 0 ? true : undefined));
  await waitFor('two subscribers', async () => ((await subscribersMetric()) === 2 ? true : undefined));
  const third = new OperatorSubscriber();
  try {
    await third.waitFor('SUBSCRIBED', () => (third.events.length > 0 ? true : undefined));
    await subscribers[0]!.waitFor('the oldest stream to end', () => (subscribers[0]!.ended ? true : undefined));
    assert.equal(subscribers[1]!.ended, false);
    assert.equal(third.ended, false);
    assert.equal(await subscribersMetric(), 2);
  } finally {
    for (const subscriber of [...subscribers, third]) subscriber.close();
  }
});
