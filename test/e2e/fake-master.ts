/**
 * A stand-in master for the web UI at scale: it serves the built UI (ui/dist) and answers the
 * Operator API's SUBSCRIBE with a RecordIO stream in Mesos' shapes — a SUBSCRIBED holding a
 * cluster of the asked size, then TASK_UPDATED events written when the caller says. Loading
 * 10,000 real tasks into a real cluster would take minutes on this machine; the UI cannot tell
 * the difference, since it reads only the stream. Used by test/e2e/ui-scale.test.ts (what the
 * page does) and bench/ui.ts (how fast it does it).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRecord } from '../../src/common/recordio.js';

const UI_DIST = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
/** Task ids are `task-` and five digits, so they sort in the order they were made. */
const TASKS_MAX = 100_000;
const TASK_ID_DIGITS = 5;

export interface FakeClusterSize {
  tasks: number;
  agents: number;
  frameworks: number;
}

export interface FakeMaster {
  /** `http://127.0.0.1:<port>`: the UI at `/`, the Operator API at `/api/v1`. */
  readonly base: string;
  /** Every SUBSCRIBE answered so far, oldest first; open until the page or `close()` ends it. */
  readonly streams: readonly http.ServerResponse[];
  /** `Date.now()` just before the newest SUBSCRIBED was written; 0 before the first. */
  subscribedAtMs(): number;
  /**
   * Writes TASK_UPDATED → TASK_FINISHED for `count` distinct tasks (every `tasks / count`-th one,
   * from the first) in a single write on the newest stream, and returns `Date.now()` just before it.
   */
  finishTasks(count: number): number;
  close(): Promise<void>;
}

/** `task-00042`: the id of the `index`-th task of the snapshot. */
export const taskId = (index: number): string => `task-${String(index).padStart(TASK_ID_DIGITS, '0')}`;

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR', scalar: { value }, allocation_info: { role: 'dev' } });

/** The SUBSCRIBED event: `size.tasks` running tasks spread round-robin over the agents and frameworks. */
export function subscribedEvent(size: FakeClusterSize): unknown {
  const agents = Array.from({ length: size.agents }, (_, i) => ({
    agent_info: { hostname: `host-${i}`, port: 5051, id: { value: `A${i}` } },
    active: true, version: '1.11.0', pid: `slave(1)@10.0.${i >> 8}.${i & 255}:5051`, total_resources: [scalar('cpus', 64), scalar('mem', 262144)],
  }));
  const frameworks = Array.from({ length: size.frameworks }, (_, i) => ({
    framework_info: { user: 'root', name: `framework-${i}`, id: { value: `F${i}` }, roles: ['dev'] }, active: true, connected: true, recovered: false,
  }));
  const tasks = Array.from({ length: size.tasks }, (_, i) => ({
    name: `service-${i % 250}`, task_id: { value: taskId(i) }, framework_id: { value: `F${i % size.frameworks}` },
    agent_id: { value: `A${i % size.agents}` }, state: 'TASK_RUNNING', resources: [scalar('cpus', 0.5), scalar('mem', 512)],
    statuses: [{ task_id: { value: taskId(i) }, state: 'TASK_RUNNING', timestamp: 1_700_000_000 + i }],
  }));
  return { type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15, get_state: { get_agents: { agents }, get_frameworks: { frameworks }, get_tasks: { tasks } } } };
}

/** `count` TASK_UPDATED records, each ending a different task, as one buffer. */
function finishedRecords(size: FakeClusterSize, count: number): Buffer {
  const stride = Math.floor(size.tasks / count);
  return Buffer.concat(Array.from({ length: count }, (_, i) => {
    const index = i * stride;
    return encodeRecord(JSON.stringify({
      type: 'TASK_UPDATED',
      task_updated: { framework_id: { value: `F${index % size.frameworks}` }, state: 'TASK_FINISHED', status: { task_id: { value: taskId(index) }, state: 'TASK_FINISHED', timestamp: 1_800_000_000 } },
    }));
  }));
}

function serveFile(path: string, response: http.ServerResponse): void {
  const file = normalize(join(UI_DIST, path === '/' ? 'index.html' : path));
  if (!file.startsWith(UI_DIST)) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = readFileSync(file);
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
}

/** Starts the fake master on a free port of 127.0.0.1. */
export async function startFakeMaster(size: FakeClusterSize): Promise<FakeMaster> {
  assert.ok(size.tasks > 0 && size.tasks <= TASKS_MAX, `between 1 and ${TASKS_MAX} tasks`);
  assert.ok(size.agents > 0 && size.frameworks > 0, 'at least one agent and one framework');
  if (!existsSync(join(UI_DIST, 'index.html'))) throw new Error(`no built UI in ${UI_DIST}: run \`npm run build\``);
  // Encoded once: every page load (and reconnect) is sent the same bytes.
  const subscribed = encodeRecord(JSON.stringify(subscribedEvent(size)));
  const streams: http.ServerResponse[] = [];
  let subscribedAtMs = 0;
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string;
    if (request.method === 'POST' && path === '/api/v1') {
      response.writeHead(200, { 'content-type': 'application/json' });
      subscribedAtMs = Date.now();
      response.write(subscribed);
      streams.push(response);
      return;
    }
    if (path === '/metrics/snapshot') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    serveFile(path, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streams,
    subscribedAtMs: () => subscribedAtMs,
    finishTasks(count) {
      assert.ok(count > 0 && count <= size.tasks, `between 1 and ${size.tasks} tasks to finish`);
      const stream = streams[streams.length - 1];
      assert.ok(stream && !stream.destroyed, 'a page holds a stream open');
      const records = finishedRecords(size, count);
      const writtenAtMs = Date.now();
      stream.write(records);
      return writtenAtMs;
    },
    async close() {
      for (const stream of streams) stream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
