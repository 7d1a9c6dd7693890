/**
 * Goal: the scheduler SDK speaks the v1 Scheduler API as a Mesos master expects and keeps its
 * subscription alive: SUBSCRIBED with a Mesos-format framework id, heartbeats, calls carrying the
 * stream id, 307 redirects, resubscription under the same framework id after a dropped or silent
 * stream, and the fatal cases (ERROR after a failover, a refused resubscription after TEARDOWN).
 * `meridian run` is covered up to the point where agents would be needed.
 *
 * Method: an in-process master on 127.0.0.1 with an ephemeral port and a 200 ms heartbeat, no
 * agents. Drops and silences are made by a TCP proxy between client and master that can cut or
 * freeze its connections. The backoff schedule and the offer carving are tested as pure functions.
 * Every wait is bounded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { Resource } from '../../src/api/mesos.js';
import { resolveFlags } from '../../src/common/flags.js';
import { postJson, request, subscribe, SubscribeRefusedError, type Endpoint, type Subscription } from '../../src/common/http/client.js';
import type { AgentEvent } from '../../src/api/agent-link/messages.js';
import { createLogger } from '../../src/common/log.js';
import { SeededRng } from '../../src/common/rng.js';
import { MASTER_FLAGS, runMaster, type RunningMaster } from '../../src/master/shell/main.js';
import {
  backoffDelayMs, endpointOfLocation, NotSubscribedError, SchedulerCallError, SchedulerClient, SCHEDULER_API_PATH,
  type ClientEvent, type SchedulerClientOptions,
} from '../../src/sdk/scheduler-client.js';
import { carveTasks, formatStatusLine, RUN_FLAGS, runCommand, runOptionsFromFlags } from '../../src/cli/run.js';

const WAIT_MS_MAX = 5_000;
const HEARTBEAT_INTERVAL_MS = 200;
const FAST_BACKOFF = { initialMs: 50, maxMs: 200 };

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads events until one matches; fails if the stream ends or nothing matches in time. */
function nextMatching<T extends ClientEvent['type']>(
  events: AsyncIterator<ClientEvent>,
  type: T,
  ms = WAIT_MS_MAX,
): Promise<Extract<ClientEvent, { type: T }>> {
  return within(ms, `a ${type} event`, (async () => {
    for (;;) {
      const result = await events.next();
      if (result.done) throw new Error(`the stream ended before a ${type} event`);
      if (result.value.type === type) return result.value as Extract<ClientEvent, { type: T }>;
    }
  })());
}

/** A TCP proxy whose connections can be cut (a dropped stream) or frozen (a silent master). */
class TcpProxy {
  private readonly pairs = new Set<{ downstream: net.Socket; upstream: net.Socket }>();

  private constructor(private readonly server: net.Server, readonly endpoint: Endpoint) {}

  static async start(target: Endpoint): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as net.AddressInfo;
    const proxy = new TcpProxy(server, { host: '127.0.0.1', port: address.port });
    server.on('connection', (downstream) => proxy.onConnection(downstream, target));
    return proxy;
  }

  private onConnection(downstream: net.Socket, target: Endpoint): void {
    const upstream = net.connect(target.port, target.host);
    const pair = { downstream, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  }

  /** Cuts every open connection, as a crashed master or a network failure would. */
  cutAll(): void {
    for (const { downstream, upstream } of [...this.pairs]) {
      downstream.destroy();
      upstream.destroy();
    }
  }

  /** Stops forwarding the master's bytes on every open connection, leaving them open. */
  freezeAll(): void {
    for (const { downstream, upstream } of this.pairs) {
      upstream.unpipe(downstream);
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface FrameworkState {
  id: string;
  active: boolean;
}

async function masterFrameworks(master: RunningMaster): Promise<{ frameworks: FrameworkState[]; completed_frameworks: FrameworkState[] }> {
  const response = await request(master.address, 'GET', '/master/state');
  return JSON.parse(response.body) as { frameworks: FrameworkState[]; completed_frameworks: FrameworkState[] };
}


/**
 * Just enough of an agent on the agent link to take offers to a framework: it subscribes with
 * `resources`, records what the master sends, and answers RUN_TASK with the updates the test
 * scripts. Each update's acknowledgement shows up as an ACKNOWLEDGE event.
 */
class FakeAgent {
  readonly received: AgentEvent[] = [];
  private subscription: Subscription | null = null;
  private waiters: Array<() => void> = [];
  agentId = '';

  constructor(private readonly master: Endpoint) {}

  async start(resources: Resource[]): Promise<void> {
    const call = {
      type: 'SUBSCRIBE',
      subscribe: { agent_info: { hostname: '127.0.0.1', port: 5051, resources }, resources, version: '1.11.0' },
    };
    this.subscription = await subscribe(this.master, '/api/v1/agent-link', call, {
      onEvent: (event) => {
        const agentEvent = event as AgentEvent;
        if (agentEvent.type === 'SUBSCRIBED') this.agentId = agentEvent.subscribed.agent_id.value;
        if (agentEvent.type === 'PING') void this.send({ type: 'PONG' });
        this.received.push(agentEvent);
        for (const wake of this.waiters.splice(0)) wake();
      },
      onClose: () => undefined,
    });
    await this.waitFor('SUBSCRIBED', () => this.agentId !== '');
  }

  waitFor(what: string, done: () => boolean): Promise<void> {
    return within(WAIT_MS_MAX, what, (async () => {
      while (!done()) await new Promise<void>((resolve) => this.waiters.push(resolve));
    })());
  }

  async send(call: Record<string, unknown>): Promise<void> {
    const response = await postJson(this.master, '/api/v1/agent-link', { agent_id: { value: this.agentId }, ...call }, { 'meridian-agent-id': this.agentId });
    assert.equal(response.status, 202, response.body);
  }

  async update(frameworkId: string, taskId: string, state: string, uuid: string, message?: string): Promise<void> {
    const status = {
      task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', agent_id: { value: this.agentId },
      executor_id: { value: taskId }, uuid, timestamp: Date.now() / 1000, ...(message !== undefined ? { message } : {}),
    };
    await this.send({ type: 'UPDATE', update: { framework_id: { value: frameworkId }, executor_id: { value: taskId }, status } });
  }

  acknowledged(taskId: string, uuid: string): boolean {
    return this.received.some((e) => e.type === 'ACKNOWLEDGE' && e.acknowledge.task_id.value === taskId && e.acknowledge.uuid === uuid);
  }

  stop(): void {
    this.subscription?.close();
  }
}

const silentLogger = createLogger('sdk-test', 'silent');

describe('scheduler SDK against an in-process master', () => {
  let master: RunningMaster;
  const clients: SchedulerClient[] = [];

  const newClient = (options: Partial<SchedulerClientOptions> = {}): SchedulerClient => {
    const client = new SchedulerClient({
      master: master.address,
      framework: { user: 'tester', name: 'sdk-test', failover_timeout: 60 },
      backoff: FAST_BACKOFF,
      logger: silentLogger,
      rng: new SeededRng(7),
      ...options,
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    const flags = resolveFlags(MASTER_FLAGS, { port: '0', ip: '127.0.0.1', heartbeat_interval: `${HEARTBEAT_INTERVAL_MS}ms` }, {});
    master = await runMaster(flags, createLogger('master', 'silent'));
  });

  after(async () => {
    for (const client of clients) client.close();
    await master.stop();
  });

  test('SUBSCRIBE yields SUBSCRIBED with a Mesos-format framework id, then heartbeats', async () => {
    const client = newClient();
    const events = client.events()[Symbol.asyncIterator]();
    const subscribed = await nextMatching(events, 'SUBSCRIBED');
    const frameworkId = subscribed.subscribed.framework_id.value;
    assert.match(frameworkId, new RegExp(`^${master.masterId}-\\d{4}$`), 'framework ids are <master id>-NNNN');
    assert.equal(client.frameworkId, frameworkId);
    assert.equal(subscribed.subscribed.heartbeat_interval_seconds, HEARTBEAT_INTERVAL_MS / 1000);
    assert.ok(client.streamId, 'the Mesos-Stream-Id header was kept');
    await nextMatching(events, 'HEARTBEAT', HEARTBEAT_INTERVAL_MS * 10);
    client.close();
    assert.deepEqual(await within(WAIT_MS_MAX, 'the end of the iteration', events.next()), { done: true, value: undefined });
  });

  test('calls carry the stream id; a wrong or missing Mesos-Stream-Id is refused with 400', async () => {
    const client = newClient();
    const events = client.events()[Symbol.asyncIterator]();
    await nextMatching(events, 'SUBSCRIBED');
    const frameworkId = client.frameworkId as string;
    const revive = { type: 'REVIVE', framework_id: { value: frameworkId } };

    const wrong = await postJson(master.address, SCHEDULER_API_PATH, revive, { 'mesos-stream-id': 'not-the-stream-id' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /didn't match the stream ID/);
    const missing = await postJson(master.address, SCHEDULER_API_PATH, revive);
    assert.equal(missing.status, 400);
    const right = await postJson(master.address, SCHEDULER_API_PATH, revive, { 'mesos-stream-id': client.streamId as string });
    assert.equal(right.status, 202);

    await client.revive();
    await client.suppress(['*']);
    await client.decline([]); // An empty DECLINE is valid and does nothing.
    await assert.rejects(client.acknowledge('agent', 'task', ''), (error: unknown) => {
      assert.ok(error instanceof SchedulerCallError);
      assert.equal(error.status, 400, 'an empty uuid fails validation');
      assert.match(error.body, /acknowledge\.uuid/);
      return true;
    });
    client.close();
  });

  test('a call before SUBSCRIBED is refused locally with NotSubscribedError', async () => {
    const client = newClient();
    await assert.rejects(client.revive(), NotSubscribedError);
  });

  test('RECONCILE of an unknown task answers an UPDATE with REASON_RECONCILIATION', async () => {
    const client = newClient();
    const events = client.events()[Symbol.asyncIterator]();
    await nextMatching(events, 'SUBSCRIBED');
    await client.reconcile([{ taskId: 'never-launched', agentId: 'no-such-agent' }]);
    const update = await nextMatching(events, 'UPDATE');
    assert.equal(update.update.status.task_id.value, 'never-launched');
    assert.equal(update.update.status.state, 'TASK_LOST', 'not PARTITION_AWARE');
    assert.equal(update.update.status.reason, 'REASON_RECONCILIATION');
    assert.equal(update.update.status.uuid, undefined, 'reconciliation updates are not acknowledged');
    client.close();
  });

  test('a 307 from a standby is followed to the leader, for the stream and the calls', async () => {
    let redirected = 0;
    const standby = http.createServer((_req, res) => {
      redirected++;
      res.writeHead(307, { location: `//127.0.0.1:${master.address.port}${SCHEDULER_API_PATH}` }).end();
    });
    await new Promise<void>((resolve) => standby.listen(0, '127.0.0.1', resolve));
    try {
      const port = (standby.address() as net.AddressInfo).port;
      const client = newClient({ master: `127.0.0.1:${port}` });
      const events = client.events()[Symbol.asyncIterator]();
      await nextMatching(events, 'SUBSCRIBED');
      assert.equal(redirected, 1);
      assert.deepEqual(client.leader, master.address);
      await client.revive();
      assert.equal(redirected, 1, 'calls go straight to the leader');
      client.close();
    } finally {
      standby.closeAllConnections();
      await new Promise<void>((resolve) => standby.close(() => resolve()));
    }
  });

  test('a dropped stream is resubscribed under the same framework id, and the framework keeps its place', async () => {
    const proxy = await TcpProxy.start(master.address);
    try {
      const client = newClient({ master: proxy.endpoint });
      const events = client.events()[Symbol.asyncIterator]();
      const first = await nextMatching(events, 'SUBSCRIBED');
      const firstStreamId = client.streamId;

      proxy.cutAll();
      const disconnected = await nextMatching(events, 'DISCONNECTED');
      assert.ok(disconnected.disconnected.retryInMs >= FAST_BACKOFF.initialMs / 2);
      assert.ok(disconnected.disconnected.retryInMs <= FAST_BACKOFF.initialMs);
      assert.equal(client.subscribed, false);
      await assert.rejects(client.revive(), NotSubscribedError);

      const second = await nextMatching(events, 'SUBSCRIBED');
      assert.equal(second.subscribed.framework_id.value, first.subscribed.framework_id.value, 'failover, not a new framework');
      assert.notEqual(client.streamId, firstStreamId, 'a new stream id');
      await client.revive();
      const state = await masterFrameworks(master);
      const ours = state.frameworks.filter((f) => f.id === client.frameworkId);
      assert.equal(ours.length, 1);
      assert.equal(ours[0]?.active, true);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  test('a stream silent for 5 heartbeat intervals is dropped and resubscribed', async () => {
    const proxy = await TcpProxy.start(master.address);
    try {
      const client = newClient({ master: proxy.endpoint });
      const events = client.events()[Symbol.asyncIterator]();
      const first = await nextMatching(events, 'SUBSCRIBED');
      const frozenAtMs = Date.now();
      proxy.freezeAll();
      const disconnected = await nextMatching(events, 'DISCONNECTED');
      const silentMs = Date.now() - frozenAtMs;
      assert.match(disconnected.disconnected.reason, /HEARTBEAT/);
      assert.ok(silentMs >= 4 * HEARTBEAT_INTERVAL_MS, `dropped after ${silentMs} ms, not before ~5 intervals`);
      const second = await nextMatching(events, 'SUBSCRIBED');
      assert.equal(second.subscribed.framework_id.value, first.subscribed.framework_id.value);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  test('a second instance failing over the framework ends the first one with ERROR', async () => {
    const first = newClient();
    const firstEvents = first.events()[Symbol.asyncIterator]();
    await nextMatching(firstEvents, 'SUBSCRIBED');
    const frameworkId = first.frameworkId as string;

    const second = newClient({ framework: { user: 'tester', name: 'sdk-test', failover_timeout: 60, id: { value: frameworkId } } });
    const secondEvents = second.events()[Symbol.asyncIterator]();
    const subscribed = await nextMatching(secondEvents, 'SUBSCRIBED');
    assert.equal(subscribed.subscribed.framework_id.value, frameworkId);

    const error = await nextMatching(firstEvents, 'ERROR');
    assert.match(error.error.message, /failed over/);
    assert.deepEqual(await within(WAIT_MS_MAX, 'the end of the first stream', firstEvents.next()), { done: true, value: undefined });
    assert.equal(first.subscribed, false, 'no resubscription after ERROR');
    second.close();
  });

  test('TEARDOWN removes the framework and ends the iteration; resubscribing it is refused', async () => {
    const client = newClient();
    const events = client.events()[Symbol.asyncIterator]();
    await nextMatching(events, 'SUBSCRIBED');
    const frameworkId = client.frameworkId as string;
    await client.teardown();
    assert.deepEqual(await within(WAIT_MS_MAX, 'the end of the iteration', events.next()), { done: true, value: undefined });
    const state = await masterFrameworks(master);
    assert.ok(state.completed_frameworks.some((f) => f.id === frameworkId));
    assert.ok(!state.frameworks.some((f) => f.id === frameworkId));

    const again = newClient({ framework: { user: 'tester', name: 'sdk-test', id: { value: frameworkId } } });
    const againEvents = again.events()[Symbol.asyncIterator]();
    await assert.rejects(within(WAIT_MS_MAX, 'the refusal', againEvents.next()), (error: unknown) => {
      assert.ok(error instanceof SubscribeRefusedError);
      assert.equal(error.status, 400);
      assert.match(error.body, /removed/);
      return true;
    });
  });

  test('meridian run subscribes, waits for offers and on interrupt tears down with exit code 130', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const code = await within(WAIT_MS_MAX, 'runCommand', runCommand({
      master: `127.0.0.1:${master.address.port}`,
      name: 'hello',
      command: 'echo hello',
      logger: silentLogger,
      signal: controller.signal,
      out: (line) => {
        lines.push(line);
        if (line.startsWith('Subscribed')) controller.abort();
      },
    }));
    assert.equal(code, 130);
    const subscribedLine = lines.find((l) => l.startsWith('Subscribed with framework id '));
    assert.ok(subscribedLine, lines.join('\n'));
    const frameworkId = subscribedLine.slice('Subscribed with framework id '.length);
    const state = await masterFrameworks(master);
    assert.ok(state.completed_frameworks.some((f) => f.id === frameworkId), 'the framework was torn down');
  });

  test('meridian run launches on offers, prints updates, acknowledges them and exits 0 when all finish', async () => {
    const agent = new FakeAgent(master.address);
    const resources: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.25 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 256 } },
    ];
    await agent.start(resources);
    try {
      const lines: string[] = [];
      // cpus 0.25 / 0.1 = 2 tasks on this agent; the 3rd instance would wait for another offer,
      // so ask for 2.
      const running = runCommand({
        master: `127.0.0.1:${master.address.port}`, name: 'hello', command: 'echo hello', instances: 2,
        env: { GREETING: 'hi' }, logger: silentLogger, out: (line) => lines.push(line),
      });
      const runTasks = () => agent.received.filter((e): e is Extract<AgentEvent, { type: 'RUN_TASK' }> => e.type === 'RUN_TASK');
      await agent.waitFor('two RUN_TASKs', () => runTasks().length === 2);
      for (const [n, event] of runTasks().entries()) {
        const task = event.run_task.task;
        const frameworkId = event.run_task.framework.id?.value as string;
        assert.match(task.task_id.value, /^hello-[12]-[0-9a-f]{4}$/);
        assert.equal(task.name, 'hello');
        assert.deepEqual(task.command, { shell: true, value: 'echo hello', environment: { variables: [{ name: 'GREETING', type: 'VALUE', value: 'hi' }] } });
        await agent.update(frameworkId, task.task_id.value, 'TASK_RUNNING', `cnVu${n}A==`);
        await agent.waitFor('the RUNNING acknowledgement', () => agent.acknowledged(task.task_id.value, `cnVu${n}A==`));
        await agent.update(frameworkId, task.task_id.value, 'TASK_FINISHED', `Zmlu${n}A==`, 'Command exited with status 0');
      }
      assert.equal(await within(WAIT_MS_MAX, 'the run to end', running), 0, lines.join('\n'));
      const taskId = runTasks()[0]?.run_task.task.task_id.value as string;
      assert.ok(lines.includes(`[${taskId}] TASK_RUNNING on agent ${agent.agentId} (127.0.0.1)`), lines.join('\n'));
      assert.ok(lines.includes(`[${taskId}] TASK_FINISHED on agent ${agent.agentId} (127.0.0.1): Command exited with status 0`), lines.join('\n'));
      const frameworkId = runTasks()[0]?.run_task.framework.id?.value;
      const state = await masterFrameworks(master);
      assert.ok(state.completed_frameworks.some((f) => f.id === frameworkId), 'the framework was torn down');
    } finally {
      agent.stop();
    }
  });
});

describe('backoff and redirects (pure)', () => {
  test('the delay doubles from initialMs up to maxMs, jittered within [ceiling/2, ceiling]', () => {
    const policy = { initialMs: 500, maxMs: 10_000 };
    // Ceilings: 500, 1000, 2000, 4000, 8000, 10000 (capped), 10000.
    const ceilings = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
    ceilings.forEach((ceiling, attempt) => {
      assert.equal(backoffDelayMs(attempt, policy, 0), ceiling / 2);
      assert.equal(backoffDelayMs(attempt, policy, 0.999_999), ceiling);
    });
    assert.equal(backoffDelayMs(1_000, policy, 0.5), 7_500, 'huge attempt numbers do not overflow');
    const rng = new SeededRng(42);
    const replay = new SeededRng(42);
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffDelayMs(attempt, policy, rng.nextFloat());
      assert.equal(delay, backoffDelayMs(attempt, policy, replay.nextFloat()), 'the same seed gives the same schedule');
      assert.ok(delay >= 250 && delay <= 10_000);
    }
  });

  test('Location headers: scheme-relative, absolute, IPv6 and path-only', () => {
    const current = { host: '10.0.0.1', port: 5050 };
    assert.deepEqual(endpointOfLocation('//10.0.0.2:5051/api/v1/scheduler', current), { host: '10.0.0.2', port: 5051 });
    assert.deepEqual(endpointOfLocation('http://m2:5052/api/v1/scheduler', current), { host: 'm2', port: 5052 });
    assert.deepEqual(endpointOfLocation('//[::1]:5053/api/v1/scheduler', current), { host: '::1', port: 5053 });
    assert.deepEqual(endpointOfLocation('/api/v1/scheduler', current), current);
  });
});

describe('meridian run (pure parts)', () => {
  const unreserved = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value }, role: '*', allocation_info: { role: 'dev' } });

  test('flags are declared under the agreed names and convert into RunOptions', () => {
    assert.deepEqual(RUN_FLAGS.map((f) => f.name), ['master', 'name', 'command', 'cpus', 'mem', 'disk', 'instances', 'role', 'env', 'kill_after']);
    const values = resolveFlags(RUN_FLAGS, { name: 'hello', command: 'echo hi', env: '{"GREETING":"hi"}', kill_after: '2secs', instances: '3' }, {});
    const options = runOptionsFromFlags(values, () => undefined);
    assert.equal(options.cpus, 0.1);
    assert.equal(options.mem, 32);
    assert.equal(options.disk, undefined);
    assert.equal(options.instances, 3);
    assert.equal(options.role, '*');
    assert.deepEqual(options.env, { GREETING: 'hi' });
    assert.equal(options.killAfterSeconds, 2);
    assert.throws(() => runOptionsFromFlags({ ...values, env: '["x"]' }, () => undefined), /--env/);
  });

  test('offers are carved in thousandths, across entries, keeping roles and allocation', () => {
    const reserved: Resource = { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, role: 'dev', allocation_info: { role: 'dev' } };
    const offer = [unreserved('cpus', 0.2), reserved, unreserved('mem', 100), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31010 }] }, role: '*' } as Resource];
    // cpus 0.3 / 0.1 = 3 tasks (in floats 0.1 * 3 > 0.3); mem 100 / 16 = 6: cpus decide.
    const tasks = carveTasks(offer, { cpus: 0.1, mem: 16 }, 10);
    assert.equal(tasks.length, 3);
    assert.deepEqual(tasks[2], [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, role: 'dev', allocation_info: { role: 'dev' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 }, role: '*', allocation_info: { role: 'dev' } },
    ]);
    assert.equal(carveTasks(offer, { cpus: 0.1, mem: 16 }, 2).length, 2, 'never more than asked');
    assert.equal(carveTasks(offer, { cpus: 0.1, mem: 16, disk: 10 }, 10).length, 0, 'no disk in the offer');
  });

  test('status lines name the task, state, agent, host, message and reason', () => {
    const line = formatStatusLine(
      { task_id: { value: 'hello-1-ab12' }, state: 'TASK_FAILED', agent_id: { value: 'm-S0' }, message: 'Command exited with status 1', reason: 'REASON_COMMAND_EXECUTOR_FAILED' },
      'm-S0',
      '127.0.0.1',
    );
    assert.equal(line, '[hello-1-ab12] TASK_FAILED on agent m-S0 (127.0.0.1): Command exited with status 1 (REASON_COMMAND_EXECUTOR_FAILED)');
  });
});
