/**
 * The agent's Operator API (`POST /api/v1`, agent.proto): the HTTP rules of every v1 call
 * endpoint (mesos-http.ts), then one handler per implemented call type. A known type without a
 * handler answers 501; an unknown one 400. Handlers read the agent through a snapshot taken for
 * the request (agent-view.ts) and never change it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTerminalTaskState, type Task } from '../api/mesos.js';
import {
  repeated, validateAgentCall, type AgentCall, type AgentCallType, type ContainerWire, type GetExecutorsWire,
  type GetFrameworksWire, type GetTasksWire,
} from '../api/operator/agent-calls.js';
import { acceptsJson, readCall, sendText } from '../common/http/mesos-http.js';
import type { MetricsSnapshot } from '../common/metrics/snapshot.js';
import { versionJson } from '../master/shell/version.js';
import type { AgentSnapshot, CompletedExecutor } from './agent-view.js';
import { fileInfoWire, listDirectory, readFileWindow, refusalStatus } from './files.js';
import { liveRuns, runStatistics } from './monitor.js';
import type { SandboxLayout } from './sandbox-paths.js';

/** What the Operator API reads of the agent. */
export interface AgentOperatorSource {
  snapshot(): AgentSnapshot;
  layout(): SandboxLayout;
  metrics(): MetricsSnapshot;
}

/** A handler's answer: 200 with the response JSON, or a status with a plain-text reason. */
export type AgentAnswer = { status: 200; json: unknown } | { status: 400 | 404 | 501; text: string };

type AgentHandlers = {
  [T in AgentCallType]?: (call: AgentCall & { type: T }) => AgentAnswer | Promise<AgentAnswer>;
};

const ok = (json: unknown): AgentAnswer => ({ status: 200, json });

// ---------------------------------------------------------------- pure views of a snapshot

const allCompletedExecutors = (snapshot: AgentSnapshot): CompletedExecutor[] => [
  ...snapshot.frameworks.flatMap((framework) => framework.completedExecutors),
  ...snapshot.completedFrameworks.flatMap((framework) => framework.completedExecutors),
];

/**
 * `Response.GetTasks`: tasks queued for an executor that has not subscribed, launched and not
 * ended, ended with updates still unacknowledged (terminated), and ended for good (completed).
 * Nothing waits before its executor is launched here, so `pending_tasks` is always empty.
 */
export function getTasksOf(snapshot: AgentSnapshot): GetTasksWire {
  const queued: Task[] = [];
  const launched: Task[] = [];
  const terminated: Task[] = [];
  const completed: Task[] = [];
  for (const framework of snapshot.frameworks) {
    for (const executor of framework.executors) {
      for (const { task, launched: wasLaunched } of executor.tasks) {
        if (isTerminalTaskState(task.state)) terminated.push(task);
        else if (wasLaunched) launched.push(task);
        else queued.push(task);
      }
      completed.push(...executor.completedTasks);
    }
  }
  for (const executor of allCompletedExecutors(snapshot)) completed.push(...executor.tasks);
  return {
    ...repeated('queued_tasks', queued),
    ...repeated('launched_tasks', launched),
    ...repeated('terminated_tasks', terminated),
    ...repeated('completed_tasks', completed),
  };
}

/** `Response.GetExecutors`: runs the agent looks after, and runs that ended. */
export function getExecutorsOf(snapshot: AgentSnapshot): GetExecutorsWire {
  const live = snapshot.frameworks.flatMap((framework) => framework.executors).map((executor) => ({ executor_info: executor.info }));
  const completed = allCompletedExecutors(snapshot).map((executor) => ({ executor_info: executor.info }));
  return { ...repeated('executors', live), ...repeated('completed_executors', completed) };
}

/** `Response.GetFrameworks`: frameworks with something on the agent, and those that had. */
export function getFrameworksOf(snapshot: AgentSnapshot): GetFrameworksWire {
  return {
    ...repeated('frameworks', snapshot.frameworks.map((framework) => ({ framework_info: framework.info }))),
    ...repeated('completed_frameworks', snapshot.completedFrameworks.map((framework) => ({ framework_info: framework.info }))),
  };
}

/** `Response.GetFlags`: every flag as text, by name, as Mesos lists them. */
export function getFlagsOf(flags: Readonly<Record<string, string>>): { flags?: Array<{ name: string; value: string }> } {
  const names = Object.keys(flags).sort();
  return repeated('flags', names.map((name) => ({ name, value: flags[name] as string })));
}

/** `Response.GetVersion`: the fields of mesos.proto's `VersionInfo` only, so strict protobuf clients parse it. */
export function getVersionOf(): { version_info: { version: string; build_date: string; build_time: number; build_user: string } } {
  const { version, build_date, build_time, build_user } = versionJson() as { version: string; build_date: string; build_time: number; build_user: string };
  return { version_info: { version, build_date, build_time, build_user } };
}

// ---------------------------------------------------------------- the endpoint

export class AgentOperatorApi {
  private readonly handlers: AgentHandlers = {
    GET_HEALTH: () => ok({ type: 'GET_HEALTH', get_health: { healthy: true } }),
    GET_FLAGS: () => ok({ type: 'GET_FLAGS', get_flags: getFlagsOf(this.source.snapshot().flags) }),
    GET_VERSION: () => ok({ type: 'GET_VERSION', get_version: getVersionOf() }),
    // Every agent metric is read synchronously, so the optional timeout can never cut the answer short.
    GET_METRICS: () => ok({
      type: 'GET_METRICS',
      get_metrics: repeated('metrics', this.source.metrics().list().map((sample) => ({ name: sample.key, value: sample.value }))),
    }),
    LIST_FILES: (call) => this.listFiles((call.list_files as { path: string }).path),
    READ_FILE: (call) => this.readFile(call.read_file as { path: string; offset: number; length?: number }),
    GET_STATE: () => {
      const snapshot = this.source.snapshot();
      return ok({
        type: 'GET_STATE',
        get_state: { get_tasks: getTasksOf(snapshot), get_executors: getExecutorsOf(snapshot), get_frameworks: getFrameworksOf(snapshot) },
      });
    },
    GET_CONTAINERS: () => this.getContainers(),
    GET_FRAMEWORKS: () => ok({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworksOf(this.source.snapshot()) }),
    GET_EXECUTORS: () => ok({ type: 'GET_EXECUTORS', get_executors: getExecutorsOf(this.source.snapshot()) }),
    GET_TASKS: () => ok({ type: 'GET_TASKS', get_tasks: getTasksOf(this.source.snapshot()) }),
    GET_AGENT: () => ok({ type: 'GET_AGENT', get_agent: { agent_info: this.source.snapshot().agentInfo } }),
  };

  constructor(private readonly source: AgentOperatorSource) {}

  registerRoutes(app: FastifyInstance): void {
    for (const path of ['/api/v1', '/api/v1/', '/slave(1)/api/v1']) app.all(path, (request, reply) => this.onCall(request, reply));
  }

  private async onCall(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const call = readCall(request, reply, validateAgentCall);
    if (!call) return reply;
    // As on the master, Accept is checked once the call is valid; every answer here is JSON.
    if (!acceptsJson(request)) return sendText(reply, 406, "Expecting 'Accept' to allow 'application/json'");
    const handler = this.handlers[call.type] as ((call: AgentCall) => AgentAnswer | Promise<AgentAnswer>) | undefined;
    if (!handler) return sendText(reply, 501, `Meridian's agent does not implement the '${call.type}' call yet`);
    const answer = await handler(call);
    if (answer.status !== 200) return sendText(reply, answer.status, answer.text);
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer.json));
  }

  private async listFiles(path: string): Promise<AgentAnswer> {
    const listed = await listDirectory(path, this.source.layout());
    if (!listed.ok) return { status: refusalStatus(listed.refusal), text: listed.refusal.message };
    return ok({ type: 'LIST_FILES', list_files: repeated('file_infos', listed.value.map(fileInfoWire)) });
  }

  /** READ_FILE: `size` of the file and `data` (base64, as protobuf's JSON writes bytes) from `offset`. */
  private async readFile(body: { path: string; offset: number; length?: number }): Promise<AgentAnswer> {
    const read = await readFileWindow(body.path, this.source.layout(), body.offset, body.length ?? null);
    if (!read.ok) return { status: refusalStatus(read.refusal), text: read.refusal.message };
    return ok({ type: 'READ_FILE', read_file: { size: read.value.size, data: read.value.data.toString('base64') } });
  }

  /**
   * GET_CONTAINERS: every executor run that still runs, with its status and usage. Meridian runs
   * no nested or standalone containers, so `show_nested` and `show_standalone` add nothing.
   */
  private async getContainers(): Promise<AgentAnswer> {
    const snapshot = this.source.snapshot();
    const statistics = await runStatistics(snapshot, Date.now() / 1000);
    const containers: ContainerWire[] = liveRuns(snapshot).map((executor) => {
      // A built-in executor's process is the executor host that runs it.
      const pid = executor.hosted ? snapshot.executorHostPid : executor.pid;
      const stats = statistics.get(executor);
      return {
        container_id: { value: executor.containerId },
        container_status: {
          container_id: { value: executor.containerId },
          ...(pid !== null ? { executor_pid: pid } : {}),
          network_infos: [{ ip_addresses: [{ ip_address: snapshot.ip }] }],
        },
        executor_id: executor.info.executor_id,
        executor_name: executor.info.name ?? '',
        framework_id: { value: executor.frameworkId },
        ...(stats ? { resource_statistics: stats } : {}),
      };
    });
    return ok({ type: 'GET_CONTAINERS', get_containers: repeated('containers', containers) });
  }
}
