/**
 * A stand-in agent for executor-host tests, built on node:http: it serves the executor-host link
 * (`/api/v1/executor-host`) and the Executor API (`/api/v1/executor`) with RecordIO event
 * streams, records every call, and acknowledges updates unless a test says not to. Tests drive it
 * by pushing events onto the streams and waiting for the calls they expect.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskStatus } from '../../../src/api/mesos.js';
import { encodeRecord } from '../../../src/common/recordio.js';

export interface RecordedUpdate {
  executorId: string;
  status: TaskStatus & { uuid: string };
}

export interface ExecutorSubscribeCall {
  executorId: string;
  frameworkId: string;
  unacknowledgedTasks: Array<{ task_id: { value: string } }>;
  unacknowledgedUpdates: Array<{ status: TaskStatus & { uuid: string } }>;
}

export interface ExitedReport {
  host_id: string;
  executor_exited: {
    framework_id: { value: string };
    executor_id: { value: string };
    container_id: { value: string };
    status: number;
    message?: string;
  };
}

export class FakeAgent {
  readonly hostSubscribes: Array<{ host_id: string; pid: number }> = [];
  readonly executorSubscribes: ExecutorSubscribeCall[] = [];
  readonly updates: RecordedUpdate[] = [];
  readonly exited: ExitedReport[] = [];
  /** Executors whose updates are recorded but not acknowledged. */
  readonly withholdAcks = new Set<string>();
  private hostStream: http.ServerResponse | null = null;
  private readonly executorStreams = new Map<string, http.ServerResponse>();
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.route(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get endpoint(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops serving and cuts every connection, as a crashed agent would. */
  async close(): Promise<void> {
    this.hostStream = null;
    this.executorStreams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  sendToHost(event: unknown): void {
    if (this.hostStream === null) throw new Error('the host has no open stream');
    this.hostStream.write(encodeRecord(JSON.stringify(event)));
  }

  /** Ends the host's stream cleanly, as an agent restart would. */
  closeHostStream(): void {
    this.hostStream?.end();
    this.hostStream = null;
  }

  sendToExecutor(executorId: string, event: unknown): void {
    const stream = this.executorStreams.get(executorId);
    if (stream === undefined) throw new Error(`executor ${executorId} has no open stream`);
    stream.write(encodeRecord(JSON.stringify(event)));
  }

  closeExecutorStream(executorId: string): void {
    this.executorStreams.get(executorId)?.end();
    this.executorStreams.delete(executorId);
  }

  hasExecutorStream(executorId: string): boolean {
    return this.executorStreams.has(executorId);
  }

  updatesOf(executorId: string, taskId?: string): RecordedUpdate[] {
    return this.updates.filter((u) => u.executorId === executorId && (taskId === undefined || u.status.task_id.value === taskId));
  }

  exitedOf(executorId: string): ExitedReport | undefined {
    return this.exited.find((r) => r.executor_exited.executor_id.value === executorId);
  }

  acknowledge(executorId: string, status: TaskStatus & { uuid: string }): void {
    this.sendToExecutor(executorId, { type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    let call: Record<string, unknown>;
    try {
      call = JSON.parse(body) as Record<string, unknown>;
    } catch {
      res.writeHead(400).end('bad json');
      return;
    }
    if (req.method === 'POST' && req.url === '/api/v1/executor-host') this.onHostCall(call, res);
    else if (req.method === 'POST' && req.url === '/api/v1/executor') this.onExecutorCall(call, res);
    else res.writeHead(404).end();
  }

  private onHostCall(call: Record<string, unknown>, res: http.ServerResponse): void {
    if (call.type === 'SUBSCRIBE') {
      this.hostSubscribes.push(call.subscribe as { host_id: string; pid: number });
      this.hostStream?.end();
      this.hostStream = openStream(res);
      this.sendToHost({ type: 'SUBSCRIBED' });
    } else if (call.type === 'EXECUTOR_EXITED') {
      this.exited.push(call as unknown as ExitedReport);
      res.writeHead(202).end();
    } else {
      res.writeHead(400).end();
    }
  }

  private onExecutorCall(call: Record<string, unknown>, res: http.ServerResponse): void {
    const executorId = (call.executor_id as { value: string }).value;
    const frameworkId = (call.framework_id as { value: string }).value;
    if (call.type === 'SUBSCRIBE') {
      const subscribe = (call.subscribe ?? {}) as { unacknowledged_tasks?: []; unacknowledged_updates?: [] };
      this.executorSubscribes.push({
        executorId,
        frameworkId,
        unacknowledgedTasks: subscribe.unacknowledged_tasks ?? [],
        unacknowledgedUpdates: subscribe.unacknowledged_updates ?? [],
      });
      this.executorStreams.get(executorId)?.end();
      this.executorStreams.set(executorId, openStream(res));
      this.sendToExecutor(executorId, {
        type: 'SUBSCRIBED',
        subscribed: {
          executor_info: { executor_id: { value: executorId } },
          framework_info: { user: 'test', name: 'test', id: { value: frameworkId } },
          agent_info: { hostname: 'localhost' },
        },
      });
    } else if (call.type === 'UPDATE') {
      const status = (call.update as { status: TaskStatus & { uuid: string } }).status;
      this.updates.push({ executorId, status });
      res.writeHead(202).end();
      if (!this.withholdAcks.has(executorId) && this.executorStreams.has(executorId)) this.acknowledge(executorId, status);
    } else {
      res.writeHead(400).end();
    }
  }
}

function openStream(res: http.ServerResponse): http.ServerResponse {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
  return res;
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
