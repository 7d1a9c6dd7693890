/**
 * The agent: registers with the master over the agent link, runs the tasks it is sent through
 * executors that speak the Executor API v1, and relays their status updates to the master —
 * checkpointed first, ordered per task, retried until the framework acknowledges them.
 *
 * Command tasks and task groups run in executors hosted by one detached executor-host process
 * (src/executor), so they outlive an agent restart and cost little memory each; executors a
 * framework brings itself (ExecutorInfo with a command) are launched as their own processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { validateCheckpointResources, type AgentCall, type AgentEvent, type StatusUpdate } from '../api/agent-link/messages.js';
import { validateExecutorCall, type ExecutorCall, type ExecutorEvent } from '../api/executor/calls.js';
import {
  isTerminalTaskState,
  type AgentInfo, type Attribute, type CommandInfo, type ExecutorInfo, type FrameworkInfo, type Resource, type Task,
  type TaskGroupInfo, type TaskInfo, type TaskState, type TaskStatus,
} from '../api/mesos.js';
import { literals, makeUnionValidator } from '../api/schema.js';
import { newStatusUuid } from '../common/status-uuid.js';
import { formatEndpoint, postJson, subscribe, type Endpoint, type Subscription } from '../common/http/client.js';
import { EventStream } from '../common/http/event-stream.js';
import { readCall, sendText } from '../common/http/mesos-http.js';
import type { Logger } from '../common/log.js';
import {
  applyCheckpointedResources, describe, fromWireFormat, reservationFields, summarize, unallocated,
} from '../common/resources/resources.js';
import { StatusUpdateStream } from './core/status-update-stream.js';
import {
  Journal, readJson, recordsOf, recoverCheckpointedResources, writeJsonAtomic,
  type ExecutorCheckpoint, type ExecutorKind, type JournalRecord, type RecoveredAgent, type UpdateRecord,
} from './checkpoint.js';
import type { AgentSnapshot, CompletedExecutor, ExecutorSnapshot } from './agent-view.js';
import { CompletedHistory } from './completed-history.js';
import { AgentCounters, type AgentMetricsView } from './metrics.js';
import { AgentPaths } from './paths.js';
import type { SandboxLayout } from './sandbox-paths.js';
import { completedTaskRole, taskJson } from '../api/v0-json.js';

export const AGENT_LINK_PATH = '/api/v1/agent-link';
export const AGENT_ID_HEADER = 'meridian-agent-id';
const HOST_LINK_PATH = '/api/v1/executor-host';
const EXECUTOR_HEARTBEAT_MS = 30_000;
const UPDATE_RETRY_MIN_MS = 10_000;
const UPDATE_RETRY_MAX_MS = 600_000;
const REGISTRATION_BACKOFF_MAX_MS = 60_000;

export interface AgentOptions {
  master: Endpoint;
  ip: string;
  hostname: string;
  port: number;
  workDir: string;
  resources: Resource[];
  attributes: Attribute[];
  version: string;
  executorRegistrationTimeoutMs: number;
  executorReregistrationTimeoutMs: number;
  executorShutdownGracePeriodMs: number;
  recoveryTimeoutMs: number;
  /** Whether a damaged checkpoint is fatal (Mesos' `--strict`); else it is skipped and counted. */
  strict: boolean;
  registrationBackoffMs: number;
  flags: Record<string, string>;
}

interface TaskEntry {
  info: TaskInfo;
  frameworkId: string;
  executor: ExecutorEntry;
  state: TaskState;
  latestStatus: TaskStatus | null;
  updates: StatusUpdateStream;
  /** True once LAUNCH went to the executor; before that the agent answers for the task itself. */
  launched: boolean;
  killRequested: boolean;
  retryTimer: NodeJS.Timeout | null;
  retryDelayMs: number;
}

type ExecutorState = 'registering' | 'running' | 'terminated';

interface ExecutorEntry {
  frameworkId: string;
  executorId: string;
  checkpoint: ExecutorCheckpoint;
  tasks: Map<string, TaskEntry>;
  /** LAUNCH / LAUNCH_GROUP events waiting for the executor to subscribe. */
  queued: ExecutorEvent[];
  stream: EventStream | null;
  state: ExecutorState;
  /** Told to shut down and not yet ended (Mesos' TERMINATING), for the metrics. */
  shuttingDown: boolean;
  registrationTimer: NodeJS.Timeout | null;
  child: ChildProcess | null;
}

interface FrameworkEntry {
  info: FrameworkInfo;
  executors: Map<string, ExecutorEntry>;
}

interface ExecutorHost {
  hostId: string;
  pid: number | null;
  stream: EventStream | null;
  /** Control events waiting for the host to (re)connect. */
  pending: unknown[];
}

const HostCall = Type.Object({
  type: literals(['SUBSCRIBE', 'EXECUTOR_EXITED'] as const),
  host_id: Type.Optional(Type.String()),
  subscribe: Type.Optional(Type.Object({ host_id: Type.String({ minLength: 1 }), pid: Type.Integer() })),
  executor_exited: Type.Optional(
    Type.Object({
      framework_id: Type.Object({ value: Type.String() }),
      executor_id: Type.Object({ value: Type.String() }),
      container_id: Type.Optional(Type.Object({ value: Type.String() })),
      status: Type.Optional(Type.Integer()),
      message: Type.Optional(Type.String()),
    }),
  ),
});
type HostCall = typeof HostCall.static;
const validateHostCall = makeUnionValidator<HostCall>('executor-host::Call', HostCall, { SUBSCRIBE: 'subscribe', EXECUTOR_EXITED: 'executor_exited' });

const nowSeconds = (): number => Date.now() / 1000;

function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process whose parent died waits as a zombie until init reaps it; it is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // No /proc here: trust the signal check.
  }
}

function executorKindOf(task: TaskInfo): ExecutorKind {
  return task.executor ? 'custom' : 'command';
}

function describeCommand(command: CommandInfo | undefined): string {
  if (!command) return '';
  if (command.shell === false) return [command.value ?? '', ...(command.arguments ?? []).slice(1)].join(' ');
  return `sh -c '${command.value ?? ''}'`;
}

export class Agent {
  private agentId: string | null = null;
  /** Counts since the agent started, for its metrics (see ./metrics.ts). */
  readonly counters = new AgentCounters();
  /** Tasks, executors and frameworks that ended, for the operator endpoints (bounded, in memory). */
  private readonly history = new CompletedHistory();
  private readonly paths: AgentPaths;
  private journal: Journal | null = null;
  private readonly frameworks = new Map<string, FrameworkEntry>();
  private masterLink: Subscription | null = null;
  private masterSubscribed = false;
  private lastMasterEventMs = 0;
  private masterSilenceLimitMs = 60_000;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly outbox: AgentCall[] = [];
  private registrationAttempts = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private custodian: NodeJS.Timeout | null = null;
  private host: ExecutorHost | null = null;
  private stopped = false;
  private recovering = false;
  private readonly startTimeMs = Date.now();
  /** `--resources` with the dynamic reservations the master made here applied (they are saved in `meta/resources.json`). */
  private totalResources: Resource[];
  /** Called when the master tells this agent to shut down for good. */
  onFatal: (message: string) => void = () => undefined;

  constructor(private readonly options: AgentOptions, private readonly logger: Logger) {
    this.paths = new AgentPaths(options.workDir);
    this.totalResources = options.resources;
  }

  /** The port the agent's server listens on, known once it listens (it may be picked by the OS). */
  setPort(port: number): void {
    this.options.port = port;
  }

  get id(): string | null {
    return this.agentId;
  }

  /** What `/metrics/snapshot` reads of the agent; ./metrics.ts turns it into Mesos' keys. */
  metricsView(): AgentMetricsView {
    return {
      startTimeMs: this.startTimeMs,
      registered: this.masterSubscribed,
      total: this.totalResources,
      executors: this.allExecutors(),
      frameworks: this.frameworks.size,
      counters: this.counters,
    };
  }

  registerRoutes(app: FastifyInstance): void {
    app.all('/api/v1/executor', (request, reply) => this.onExecutorRequest(request, reply));
    app.all(HOST_LINK_PATH, (request, reply) => this.onHostRequest(request, reply));
    for (const path of ['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']) app.get(path, async () => this.stateJson());
  }

  /** Recovers checkpointed executors (waiting for them to resubscribe), then registers with the master. */
  async start(): Promise<void> {
    mkdirSync(this.paths.metaDir(), { recursive: true });
    this.recoverResources();
    const journalFile = this.paths.journalFile();
    const { state: recovered, errors } = Journal.recover(journalFile, this.options.strict);
    for (const error of errors) this.logger.error(`Skipped a damaged record of ${journalFile} (--strict=false): ${error}`);
    this.counters.recoveryErrors += errors.length;
    this.journal = new Journal(journalFile);
    if (recovered) {
      await this.recover(recovered);
      this.journal.rewrite(this.liveRecords());
    }
    this.watchdog = setInterval(() => this.checkMasterSilence(), 1000);
    this.watchdog.unref();
    this.custodian = setInterval(() => this.checkCustomExecutors(), 1000);
    this.custodian.unref();
    this.connectToMaster();
  }

  /**
   * Stops the agent process. By default executors keep running so a restarted agent reattaches to
   * them (Mesos does the same on SIGTERM); with `killExecutors` every executor is shut down first.
   */
  async stop(options: { killExecutors: boolean }): Promise<void> {
    if (options.killExecutors) await this.shutdownAllExecutors();
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.custodian) clearInterval(this.custodian);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const task of this.allTasks()) if (task.retryTimer) clearTimeout(task.retryTimer);
    for (const executor of this.allExecutors()) {
      if (executor.registrationTimer) clearTimeout(executor.registrationTimer);
      executor.stream?.close();
    }
    this.host?.stream?.close();
    this.masterLink?.close();
    this.journal?.close();
    this.journal = null;
  }

  private checkpoint(record: JournalRecord): void {
    this.journal?.append(record);
  }

  /** The journal records of what the agent still looks after (a compacted journal). */
  private liveRecords(): JournalRecord[] {
    if (!this.agentId) return [];
    const frameworks = [...this.frameworks.entries()].map(([frameworkId, framework]) => ({
      info: framework.info,
      executors: [...framework.executors.values()].map((executor) => ({
        checkpoint: executor.checkpoint,
        tasks: [...executor.tasks.values()].map((task) => ({ info: task.info, records: this.liveUpdateRecords(frameworkId, task) })),
      })),
    }));
    return recordsOf({ agentId: this.agentId, info: this.agentInfo(), frameworks });
  }

  /** A task's unacknowledged updates; when all are acknowledged, its latest one as already acknowledged. */
  private liveUpdateRecords(frameworkId: string, task: TaskEntry): UpdateRecord[] {
    const pending = task.updates.unacknowledged();
    if (pending.length > 0 || !task.latestStatus) return pending.map((update) => ({ update }));
    const update: StatusUpdate = { framework_id: { value: frameworkId }, executor_id: { value: task.executor.executorId }, status: task.latestStatus };
    return [{ update }, { ack: task.latestStatus.uuid ?? '' }];
  }

  // ---------------------------------------------------------------- recovery

  private async recover(recovered: RecoveredAgent): Promise<void> {
    this.agentId = recovered.agentId;
    this.recovering = true;
    const host = readJson<{ hostId: string; pid: number }>(this.paths.executorHostFile());
    if (host && isAlive(host.pid)) this.host = { hostId: host.hostId, pid: host.pid, stream: null, pending: [] };
    // Rebuild everything first: ending one executor may forget its framework if it looks empty.
    for (const framework of recovered.frameworks) {
      const entry: FrameworkEntry = { info: framework.info, executors: new Map() };
      this.frameworks.set(framework.info.id?.value ?? '', entry);
      for (const { checkpoint, tasks } of framework.executors) {
        const executor = this.newExecutorEntry(framework.info.id?.value ?? '', checkpoint);
        entry.executors.set(executor.executorId, executor);
        for (const { info, records } of tasks) this.recoverTask(executor, info, records);
      }
    }
    let waiting = 0;
    for (const executor of this.allExecutors()) {
      const alive = executor.checkpoint.kind === 'custom' ? isAlive(executor.checkpoint.pid) : this.host !== null;
      if (alive) waiting++;
      else this.executorTerminated(executor, null, 'Executor did not survive the agent restart', 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
    }
    this.logger.info({ agentId: this.agentId, executors: waiting }, 'Recovered checkpointed state; waiting for executors to resubscribe');
    // Executors that do not come back in time are considered gone, as in Mesos.
    const deadline = Date.now() + this.options.executorReregistrationTimeoutMs;
    while (Date.now() < deadline && this.allExecutors().some((e) => e.state === 'registering')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const executor of this.allExecutors()) {
      if (executor.state !== 'registering') continue;
      this.logger.warn({ executorId: executor.executorId }, 'Executor did not resubscribe after the agent restart');
      this.executorTerminated(executor, null, 'Executor did not resubscribe after the agent restarted', 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
    }
    this.recovering = false;
  }

  /**
   * Takes back the dynamic reservations saved before a restart, so the agent reports them to the
   * master. As in Mesos, an agent whose `--resources` no longer hold what was reserved from them
   * does not start: the operator must undo the reservations or restore the flags.
   * @throws Error when the saved reservations cannot be read or do not fit `--resources`.
   */
  private recoverResources(): void {
    const checkpointed = recoverCheckpointedResources(this.paths.resourcesFile());
    if (checkpointed.length === 0) return;
    const applied = applyCheckpointedResources(this.options.resources, fromWireFormat(checkpointed));
    if (!applied.ok) throw new Error(`Incompatible agent resources: the reservations in ${this.paths.resourcesFile()} do not fit --resources: ${applied.error}`);
    this.totalResources = applied.total;
    this.logger.info({ reserved: describe(fromWireFormat(checkpointed)) }, 'Recovered checkpointed resources');
  }

  /**
   * CHECKPOINT_RESOURCES: the master's full list of this agent's dynamic reservations. Saved before
   * it is taken in, so a restarted agent reports what the master granted. A list that is malformed
   * or does not fit `--resources` is refused with an error in the log (Mesos' agent would abort);
   * the master sends its list again when the agent next reregisters.
   */
  private onCheckpointResources(body: unknown): void {
    const checked = validateCheckpointResources(body);
    if (!checked.ok) {
      this.logger.error({ error: checked.error }, 'Ignoring an invalid CHECKPOINT_RESOURCES from the master');
      return;
    }
    const checkpointed = unallocated(fromWireFormat(checked.value.resources));
    const applied = applyCheckpointedResources(this.options.resources, checkpointed);
    if (!applied.ok) {
      this.logger.error({ error: applied.error }, 'Ignoring a CHECKPOINT_RESOURCES that does not fit --resources');
      return;
    }
    try {
      writeJsonAtomic(this.paths.resourcesFile(), { resources: checkpointed });
    } catch (error) {
      this.logger.error({ err: error, file: this.paths.resourcesFile() }, 'Failed to save the checkpointed resources; keeping the previous ones');
      return;
    }
    this.totalResources = applied.total;
    this.logger.info({ reserved: describe(checkpointed) }, 'Checkpointed resources');
  }

  private recoverTask(executor: ExecutorEntry, info: TaskInfo, records: UpdateRecord[]): void {
    const task = this.newTaskEntry(executor, info);
    task.launched = true;
    for (const record of records) {
      if ('update' in record) {
        task.updates.add(record.update);
        task.state = record.update.status.state;
        task.latestStatus = record.update.status;
      } else {
        task.updates.acknowledge(record.ack);
      }
    }
    if (task.updates.finished) return;
    executor.tasks.set(info.task_id.value, task);
  }

  // ---------------------------------------------------------------- master link

  private subscribeCall(): AgentCall {
    const tasks: Task[] = [];
    const executors: ExecutorInfo[] = [];
    const frameworks: FrameworkInfo[] = [];
    for (const framework of this.frameworks.values()) {
      frameworks.push(framework.info);
      for (const executor of framework.executors.values()) {
        if (executor.state === 'terminated') continue;
        if (executor.checkpoint.kind !== 'command') executors.push(executor.checkpoint.info);
      }
      for (const executor of framework.executors.values()) {
        for (const task of executor.tasks.values()) tasks.push(this.taskWire(task));
      }
    }
    return {
      type: 'SUBSCRIBE',
      subscribe: { agent_info: this.agentInfo(), resources: this.totalResources, version: this.options.version, tasks, executors, frameworks },
    };
  }

  /** A task as the v0 `/state` shows it, as Mesos' agent does (string ids, summarized resources). */
  private taskJson(task: TaskEntry): Record<string, unknown> {
    const wire = this.taskWire(task);
    return taskJson(wire, completedTaskRole(wire));
  }

  private taskWire(task: TaskEntry): Task {
    const front = task.updates.front();
    return {
      name: task.info.name,
      task_id: task.info.task_id,
      framework_id: { value: task.frameworkId },
      ...(task.executor.checkpoint.kind !== 'command' ? { executor_id: { value: task.executor.executorId } } : {}),
      agent_id: { value: this.agentId ?? '' },
      state: task.state,
      resources: task.info.resources ?? [],
      statuses: task.latestStatus ? [task.latestStatus] : [],
      ...(front ? { status_update_state: front.status.state, ...(front.status.uuid !== undefined ? { status_update_uuid: front.status.uuid } : {}) } : {}),
      ...(task.info.labels ? { labels: task.info.labels } : {}),
      ...(task.info.kill_policy ? { kill_policy: task.info.kill_policy } : {}),
    };
  }

  agentInfo(): AgentInfo {
    return {
      hostname: this.options.hostname,
      port: this.options.port,
      resources: this.options.resources,
      attributes: this.options.attributes,
      ...(this.agentId ? { id: { value: this.agentId } } : {}),
    };
  }

  private connectToMaster(): void {
    if (this.stopped) return;
    this.reconnectTimer = null;
    this.masterSubscribed = false;
    const handlers = {
      onEvent: (event: unknown) => this.onMasterEvent(event as AgentEvent),
      onClose: (error?: Error) => {
        this.masterLink = null;
        this.masterSubscribed = false;
        if (this.stopped) return;
        this.logger.warn({ error: error?.message }, 'Lost the connection to the master; reconnecting');
        this.scheduleReconnect();
      },
    };
    subscribe(this.options.master, AGENT_LINK_PATH, this.subscribeCall(), handlers)
      .then((subscription) => {
        if (this.stopped) {
          subscription.close();
          return;
        }
        this.masterLink = subscription;
        this.lastMasterEventMs = Date.now();
      })
      .catch((error: Error) => {
        if (this.stopped) return;
        this.logger.warn({ master: formatEndpoint(this.options.master), error: error.message }, 'Could not subscribe to the master');
        this.scheduleReconnect();
      });
  }

  /** Backs off as Mesos agents do: a random wait up to a bound that doubles per failure. */
  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const bound = Math.min(this.options.registrationBackoffMs * 2 ** this.registrationAttempts, REGISTRATION_BACKOFF_MAX_MS);
    this.registrationAttempts++;
    this.reconnectTimer = setTimeout(() => this.connectToMaster(), Math.random() * bound);
  }

  private checkMasterSilence(): void {
    if (!this.masterLink || !this.masterSubscribed) return;
    if (Date.now() - this.lastMasterEventMs <= this.masterSilenceLimitMs) return;
    this.logger.warn('The master has been silent for too long; reconnecting');
    this.masterLink.close();
  }

  /**
   * Calls made in one turn of the event loop go to the master as one BATCH call: a burst of status
   * updates then costs one request instead of one each.
   */
  private callMaster(call: AgentCall): void {
    if (!this.agentId || !this.masterSubscribed) return;
    this.outbox.push(call);
    if (this.outbox.length === 1) setImmediate(() => this.flushOutbox());
  }

  private flushOutbox(): void {
    const calls = this.outbox.splice(0);
    if (calls.length === 0 || !this.agentId || !this.masterSubscribed) return;
    this.postToMaster(calls.length === 1 ? (calls[0] as AgentCall) : { type: 'BATCH', batch: calls });
  }

  private postToMaster(call: AgentCall): void {
    if (!this.agentId) return;
    postJson(this.options.master, AGENT_LINK_PATH, { ...call, agent_id: { value: this.agentId } }, { [AGENT_ID_HEADER]: this.agentId })
      .then((result) => {
        if (result.status === 403 && this.masterLink) {
          this.logger.warn({ body: result.body }, 'The master no longer knows this agent as subscribed; resubscribing');
          this.masterLink.close();
        }
      })
      .catch(() => undefined); // A dead link is noticed by the stream; updates are retried.
  }

  private onMasterEvent(event: AgentEvent): void {
    this.lastMasterEventMs = Date.now();
    switch (event.type) {
      case 'SUBSCRIBED': {
        const { agent_id, heartbeat_interval_seconds, ping_interval_seconds } = event.subscribed;
        if (this.agentId !== agent_id.value) {
          this.agentId = agent_id.value;
          this.checkpoint({ t: 'agent', agentId: this.agentId, info: this.agentInfo() });
        }
        this.masterSilenceLimitMs = 3 * Math.max(heartbeat_interval_seconds, ping_interval_seconds) * 1000;
        this.masterSubscribed = true;
        this.registrationAttempts = 0;
        this.logger.info({ agentId: this.agentId, master: formatEndpoint(this.options.master) }, 'Subscribed to the master');
        for (const task of this.allTasks()) this.forwardFront(task, true);
        return;
      }
      case 'RUN_TASK': this.runTask(event.run_task.framework, event.run_task.task); return;
      case 'RUN_TASK_GROUP': this.runTaskGroup(event.run_task_group.framework, event.run_task_group.executor, event.run_task_group.task_group); return;
      case 'KILL_TASK': this.killTask(event.kill_task.framework_id.value, event.kill_task.task_id.value, event.kill_task.kill_policy); return;
      case 'ACKNOWLEDGE': this.onAcknowledge(event.acknowledge.framework_id.value, event.acknowledge.task_id.value, event.acknowledge.uuid); return;
      case 'SHUTDOWN_FRAMEWORK': this.shutdownFramework(event.shutdown_framework.framework_id.value); return;
      case 'SHUTDOWN_EXECUTOR': {
        const executor = this.frameworks.get(event.shutdown_executor.framework_id.value)?.executors.get(event.shutdown_executor.executor_id.value);
        if (executor) this.shutdownExecutor(executor);
        return;
      }
      case 'MESSAGE': {
        const executor = this.frameworks.get(event.message.framework_id.value)?.executors.get(event.message.executor_id.value);
        if (!executor || executor.state === 'terminated') {
          this.counters.invalidFrameworkMessages++;
          return;
        }
        this.counters.validFrameworkMessages++;
        this.sendToExecutor(executor, { type: 'MESSAGE', message: { data: event.message.data } });
        return;
      }
      case 'UPDATE_FRAMEWORK': {
        const info = event.update_framework.framework;
        const framework = this.frameworks.get(info.id?.value ?? '');
        if (framework && this.agentId) {
          framework.info = info;
          this.checkpoint({ t: 'framework', info });
        }
        return;
      }
      case 'CHECKPOINT_RESOURCES': this.onCheckpointResources(event.checkpoint_resources); return;
      case 'PING': this.callMaster({ type: 'PONG' }); return;
      case 'SHUTDOWN':
        this.logger.error({ message: event.shutdown.message }, 'The master asked this agent to shut down');
        this.onFatal(event.shutdown.message);
        return;
      case 'HEARTBEAT': return;
    }
  }

  // ---------------------------------------------------------------- launching

  private frameworkEntry(info: FrameworkInfo): FrameworkEntry {
    const frameworkId = info.id?.value ?? '';
    let framework = this.frameworks.get(frameworkId);
    if (!framework) {
      framework = { info, executors: new Map() };
      this.frameworks.set(frameworkId, framework);
    } else if (JSON.stringify(framework.info) !== JSON.stringify(info)) {
      framework.info = info;
    } else {
      return framework;
    }
    this.checkpoint({ t: 'framework', info });
    return framework;
  }

  private commandExecutorInfo(frameworkId: string, task: TaskInfo): ExecutorInfo {
    return {
      type: 'CUSTOM',
      executor_id: { value: task.task_id.value },
      framework_id: { value: frameworkId },
      name: `Command Executor (Task: ${task.task_id.value}) (Command: ${describeCommand(task.command)})`,
      source: task.task_id.value,
      command: { value: 'meridian executor (built in)', shell: false },
    };
  }

  private runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void {
    if (!this.agentId) return;
    const framework = this.frameworkEntry(frameworkInfo);
    const frameworkId = frameworkInfo.id?.value ?? '';
    const kind = executorKindOf(task);
    const executorInfo = task.executor ?? this.commandExecutorInfo(frameworkId, task);
    let executor = framework.executors.get(executorInfo.executor_id.value);
    if (executor?.state === 'terminated') executor = undefined;
    if (kind === 'command' && executor) {
      this.agentUpdate(this.newTaskEntry(executor, task), 'TASK_FAILED', 'REASON_TASK_INVALID', 'A command task with this id already runs here');
      return;
    }
    if (!executor) executor = this.createExecutor(framework, frameworkId, executorInfo, kind);
    const entry = this.newTaskEntry(executor, task);
    executor.tasks.set(task.task_id.value, entry);
    this.checkpointTask(entry);
    this.sendToExecutor(executor, { type: 'LAUNCH', launch: { task } }, [entry]);
  }

  private runTaskGroup(frameworkInfo: FrameworkInfo, executorInfo: ExecutorInfo, group: TaskGroupInfo): void {
    if (!this.agentId) return;
    const framework = this.frameworkEntry(frameworkInfo);
    const frameworkId = frameworkInfo.id?.value ?? '';
    let executor = framework.executors.get(executorInfo.executor_id.value);
    if (executor?.state === 'terminated') executor = undefined;
    if (!executor) executor = this.createExecutor(framework, frameworkId, executorInfo, 'default');
    const entries = group.tasks.map((task) => {
      const entry = this.newTaskEntry(executor, task);
      executor.tasks.set(task.task_id.value, entry);
      this.checkpointTask(entry);
      return entry;
    });
    this.sendToExecutor(executor, { type: 'LAUNCH_GROUP', launch_group: { task_group: group } }, entries);
  }

  private newTaskEntry(executor: ExecutorEntry, info: TaskInfo): TaskEntry {
    return {
      info,
      frameworkId: executor.frameworkId,
      executor,
      state: 'TASK_STAGING',
      latestStatus: null,
      updates: new StatusUpdateStream(),
      launched: false,
      killRequested: false,
      retryTimer: null,
      retryDelayMs: UPDATE_RETRY_MIN_MS,
    };
  }

  private newExecutorEntry(frameworkId: string, checkpoint: ExecutorCheckpoint): ExecutorEntry {
    return {
      frameworkId,
      executorId: checkpoint.info.executor_id.value,
      checkpoint,
      tasks: new Map(),
      queued: [],
      stream: null,
      state: 'registering',
      shuttingDown: false,
      registrationTimer: null,
      child: null,
    };
  }

  private checkpointTask(task: TaskEntry): void {
    this.checkpoint({ t: 'task', frameworkId: task.frameworkId, executorId: task.executor.executorId, info: task.info });
  }

  private createExecutor(framework: FrameworkEntry, frameworkId: string, info: ExecutorInfo, kind: ExecutorKind): ExecutorEntry {
    const agentId = this.agentId ?? '';
    const containerId = randomUUID();
    const directory = this.paths.sandbox(agentId, frameworkId, info.executor_id.value, containerId);
    createSandbox(directory, containerId);
    const executor = this.newExecutorEntry(frameworkId, { info: { ...info, framework_id: { value: frameworkId } }, kind, containerId, directory });
    framework.executors.set(executor.executorId, executor);
    const environment = this.executorEnvironment(executor);
    try {
      if (kind === 'custom') this.launchCustomExecutor(executor, environment);
      else this.launchHostedExecutor(executor, environment);
    } catch (error) {
      this.counters.containerLaunchErrors++;
      this.logger.error({ executorId: executor.executorId, error: (error as Error).message }, 'Failed to launch executor');
      this.checkpoint({ t: 'executor', frameworkId, checkpoint: executor.checkpoint });
      setImmediate(() => this.executorTerminated(executor, null, `Failed to launch executor: ${(error as Error).message}`, 'REASON_CONTAINER_LAUNCH_FAILED'));
      return executor;
    }
    this.checkpoint({ t: 'executor', frameworkId, checkpoint: executor.checkpoint });
    executor.registrationTimer = setTimeout(() => {
      executor.registrationTimer = null;
      if (executor.state !== 'registering') return;
      this.logger.warn({ executorId: executor.executorId }, 'Executor did not subscribe in time');
      this.killExecutorProcess(executor);
      this.executorTerminated(executor, null, 'Executor did not register within the executor registration timeout', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT');
    }, this.options.executorRegistrationTimeoutMs);
    this.logger.debug({ executorId: executor.executorId, kind, directory }, 'Launching executor');
    return executor;
  }

  private executorEnvironment(executor: ExecutorEntry): Record<string, string> {
    const { directory } = executor.checkpoint;
    return {
      MESOS_FRAMEWORK_ID: executor.frameworkId,
      MESOS_EXECUTOR_ID: executor.executorId,
      MESOS_DIRECTORY: directory,
      MESOS_SANDBOX: directory,
      MESOS_AGENT_ENDPOINT: `${this.options.ip}:${this.options.port}`,
      MESOS_SLAVE_ID: this.agentId ?? '',
      MESOS_AGENT_ID: this.agentId ?? '',
      MESOS_CHECKPOINT: '1',
      MESOS_RECOVERY_TIMEOUT: `${Math.round(this.options.recoveryTimeoutMs / 1000)}secs`,
      MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: `${Math.round(this.options.executorShutdownGracePeriodMs / 1000)}secs`,
      MESOS_HTTP_COMMAND_EXECUTOR: '1',
    };
  }

  private launchCustomExecutor(executor: ExecutorEntry, environment: Record<string, string>): void {
    const command = executor.checkpoint.info.command;
    if (!command?.value) throw new Error("a custom executor needs 'command.value'");
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment };
    for (const variable of command.environment?.variables ?? []) env[variable.name] = variable.value ?? '';
    const { directory } = executor.checkpoint;
    const stdout = openSync(`${directory}/stdout`, 'a');
    const stderr = openSync(`${directory}/stderr`, 'a');
    try {
      const shell = command.shell !== false;
      const child = shell
        ? spawn('/bin/sh', ['-c', command.value], { cwd: directory, env, detached: true, stdio: ['ignore', stdout, stderr] })
        : spawn(command.value, (command.arguments ?? [command.value]).slice(1), {
          cwd: directory, env, detached: true, stdio: ['ignore', stdout, stderr], argv0: command.arguments?.[0] ?? command.value,
        });
      child.unref();
      executor.child = child;
      if (child.pid !== undefined) executor.checkpoint.pid = child.pid;
      child.on('error', (error) => {
        this.counters.containerLaunchErrors++;
        this.executorTerminated(executor, null, `Failed to start executor: ${error.message}`, 'REASON_CONTAINER_LAUNCH_FAILED');
      });
      child.on('exit', (code, signal) => {
        const status = code ?? (signal ? 128 : 1);
        this.executorTerminated(executor, status, signal ? `Executor terminated with signal ${signal}` : `Executor exited with status ${code}`, 'REASON_EXECUTOR_TERMINATED');
      });
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  // ---------------------------------------------------------------- the executor host

  private launchHostedExecutor(executor: ExecutorEntry, environment: Record<string, string>): void {
    this.ensureHost();
    this.sendToHost({
      type: 'LAUNCH_EXECUTOR',
      launch_executor: {
        framework_id: { value: executor.frameworkId },
        executor_id: { value: executor.executorId },
        container_id: { value: executor.checkpoint.containerId },
        kind: executor.checkpoint.kind,
        directory: executor.checkpoint.directory,
        environment,
        shutdown_grace_period_ms: this.options.executorShutdownGracePeriodMs,
      },
    });
  }

  private ensureHost(): void {
    if (this.host && (this.host.stream || isAlive(this.host.pid))) return;
    const hostId = randomUUID();
    const script = fileURLToPath(new URL('../executor/host-main.js', import.meta.url));
    const log = openSync(this.paths.executorHostLog(), 'a');
    try {
      // The host runs with the agent's Node options (memory limits, profiling).
      const child = spawn(process.execPath, [...process.execArgv, script], {
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          ...process.env,
          MERIDIAN_AGENT_ENDPOINT: `${this.options.ip}:${this.options.port}`,
          MERIDIAN_HOST_ID: hostId,
          MERIDIAN_RECOVERY_TIMEOUT_MS: String(this.options.recoveryTimeoutMs),
        },
      });
      child.unref();
      child.on('error', (error) => this.logger.error({ error: error.message }, 'Could not start the executor host'));
      this.host = { hostId, pid: child.pid ?? null, stream: null, pending: this.host?.pending ?? [] };
      writeJsonAtomic(this.paths.executorHostFile(), { hostId, pid: child.pid });
      this.logger.info({ pid: child.pid }, 'Started the executor host');
    } finally {
      closeSync(log);
    }
  }

  private sendToHost(event: unknown): void {
    const host = this.host;
    if (!host) return;
    if (host.stream && !host.stream.closed) host.stream.send(event);
    else host.pending.push(event);
  }

  private onHostRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const call = readCall(request, reply, validateHostCall);
    if (!call) return reply;
    if (call.type === 'SUBSCRIBE') {
      const { host_id, pid } = call.subscribe as NonNullable<HostCall['subscribe']>;
      if (this.host && this.host.hostId !== host_id && (this.host.stream || isAlive(this.host.pid))) {
        return sendText(reply, 400, `Executor host '${host_id}' is not this agent's executor host`);
      }
      if (!this.host || this.host.hostId !== host_id) {
        this.host = { hostId: host_id, pid, stream: null, pending: this.host?.pending ?? [] };
        writeJsonAtomic(this.paths.executorHostFile(), { hostId: host_id, pid });
      }
      const host = this.host;
      reply.hijack();
      host.stream?.close();
      const stream = new EventStream(reply.raw, { heartbeatIntervalMs: EXECUTOR_HEARTBEAT_MS });
      host.stream = stream;
      host.pid = pid;
      stream.send({ type: 'SUBSCRIBED' });
      for (const event of host.pending.splice(0)) stream.send(event);
      stream.onClose(() => {
        if (host.stream !== stream) return;
        host.stream = null;
        if (!this.stopped) setTimeout(() => this.checkHostAlive(host), 1000).unref();
      });
      return undefined;
    }
    const exited = call.executor_exited as NonNullable<HostCall['executor_exited']>;
    const executor = this.frameworks.get(exited.framework_id.value)?.executors.get(exited.executor_id.value);
    if (executor && (!exited.container_id || exited.container_id.value === executor.checkpoint.containerId)) {
      const status = exited.status ?? 0;
      this.executorTerminated(executor, status, exited.message ?? `Executor exited with status ${status}`, 'REASON_EXECUTOR_TERMINATED');
    }
    return reply.code(202).send();
  }

  /** The host's control stream closed: if the process is gone, so are its executors. */
  private checkHostAlive(host: ExecutorHost): void {
    if (this.host !== host || host.stream || isAlive(host.pid)) return;
    this.logger.error({ pid: host.pid }, 'The executor host exited; its executors are lost');
    this.host = null;
    for (const executor of this.allExecutors()) {
      if (executor.checkpoint.kind !== 'custom' && executor.state !== 'terminated') {
        this.executorTerminated(executor, null, 'The executor host process exited', 'REASON_EXECUTOR_TERMINATED');
      }
    }
  }

  private checkCustomExecutors(): void {
    for (const executor of this.allExecutors()) {
      if (executor.checkpoint.kind !== 'custom' || executor.state === 'terminated' || executor.child) continue;
      if (!isAlive(executor.checkpoint.pid)) this.executorTerminated(executor, null, 'Executor process exited', 'REASON_EXECUTOR_TERMINATED');
    }
  }

  private killExecutorProcess(executor: ExecutorEntry): void {
    if (executor.checkpoint.kind === 'custom') {
      const pid = executor.checkpoint.pid;
      if (pid) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return;
    }
    this.sendToExecutor(executor, { type: 'SHUTDOWN' });
  }

  // ---------------------------------------------------------------- Executor API

  private onExecutorRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const call = readCall(request, reply, validateExecutorCall);
    if (!call) return reply;
    const framework = this.frameworks.get(call.framework_id.value);
    const executor = framework?.executors.get(call.executor_id.value);
    if (!framework || !executor || executor.state === 'terminated') {
      if (call.type === 'UPDATE') this.counters.invalidStatusUpdates++;
      return sendText(reply, 400, `Executor '${call.executor_id.value}' of framework '${call.framework_id.value}' is not known to this agent`);
    }
    switch (call.type) {
      case 'SUBSCRIBE':
        this.onExecutorSubscribe(framework, executor, call, reply);
        return undefined;
      case 'UPDATE': {
        const status = (call.update as NonNullable<ExecutorCall['update']>).status;
        if (status.uuid === undefined || status.uuid === '') return sendText(reply, 400, "Failed to validate executor::Call: Expecting 'uuid' to be present");
        if (status.state === 'TASK_STAGING') return sendText(reply, 400, "Failed to validate executor::Call: Received TASK_STAGING from executor, which is not allowed");
        const task = executor.tasks.get(status.task_id.value);
        if (!task) {
          this.counters.invalidStatusUpdates++;
          return sendText(reply, 400, `Task '${status.task_id.value}' is not a task of executor '${executor.executorId}'`);
        }
        this.receiveUpdate(task, { ...status, executor_id: { value: executor.executorId }, source: status.source ?? 'SOURCE_EXECUTOR' });
        reply.code(202).send();
        this.sendToExecutor(executor, { type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
        return reply;
      }
      case 'MESSAGE':
        this.callMaster({
          type: 'MESSAGE',
          message: { framework_id: call.framework_id, executor_id: call.executor_id, data: (call.message as NonNullable<ExecutorCall['message']>).data },
        });
        return reply.code(202).send();
      case 'HEARTBEAT':
        return reply.code(202).send();
    }
  }

  private onExecutorSubscribe(framework: FrameworkEntry, executor: ExecutorEntry, call: ExecutorCall, reply: FastifyReply): void {
    reply.hijack();
    executor.stream?.close();
    const stream = new EventStream(reply.raw, { heartbeatIntervalMs: EXECUTOR_HEARTBEAT_MS });
    executor.stream = stream;
    stream.onClose(() => {
      if (executor.stream === stream) executor.stream = null;
    });
    if (executor.registrationTimer) clearTimeout(executor.registrationTimer);
    executor.registrationTimer = null;
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: executor.checkpoint.info,
        framework_info: framework.info,
        agent_info: this.agentInfo(),
        container_id: { value: executor.checkpoint.containerId },
      },
    });
    // Updates the executor sent while we were away (or whose acknowledgement it never got).
    for (const { status } of call.subscribe?.unacknowledged_updates ?? []) {
      const task = executor.tasks.get(status.task_id.value);
      if (!task || status.uuid === undefined) continue;
      this.receiveUpdate(task, { ...status, executor_id: { value: executor.executorId } });
      stream.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
    }
    const wasRecovering = executor.state === 'registering' && executor.queued.length === 0 && executor.tasks.size > 0 && [...executor.tasks.values()].every((t) => t.launched);
    executor.state = 'running';
    for (const event of executor.queued.splice(0)) stream.send(event);
    for (const task of executor.tasks.values()) task.launched = true;
    if (wasRecovering) this.logger.info({ executorId: executor.executorId }, 'Executor resubscribed');
  }

  private sendToExecutor(executor: ExecutorEntry, event: ExecutorEvent, launching: TaskEntry[] = []): void {
    if (executor.state === 'running' && executor.stream && !executor.stream.closed) {
      executor.stream.send(event);
      for (const task of launching) task.launched = true;
      return;
    }
    if (executor.state === 'terminated') return;
    executor.queued.push(event);
  }

  // ---------------------------------------------------------------- status updates

  private receiveUpdate(task: TaskEntry, status: TaskStatus): void {
    this.counters.validStatusUpdates++;
    const stamped: TaskStatus = { ...status, agent_id: { value: this.agentId ?? '' }, timestamp: status.timestamp ?? nowSeconds() };
    const update: StatusUpdate = { framework_id: { value: task.frameworkId }, executor_id: { value: task.executor.executorId }, status: stamped };
    const result = task.updates.add(update);
    if (result !== 'added') return;
    this.checkpoint({ t: 'update', frameworkId: task.frameworkId, executorId: task.executor.executorId, taskId: task.info.task_id.value, update });
    this.counters.taskStateChanged(task.state, stamped.state);
    task.state = stamped.state;
    task.latestStatus = stamped;
    if (task.updates.front() === update) this.forwardFront(task, false);
  }

  /** An update the agent makes itself (task killed before launch, executor gone, ...). */
  private agentUpdate(task: TaskEntry, state: TaskState, reason: NonNullable<TaskStatus['reason']>, message: string): void {
    if (task.updates.terminal) return;
    if (!task.executor.tasks.has(task.info.task_id.value)) task.executor.tasks.set(task.info.task_id.value, task);
    this.receiveUpdate(task, {
      task_id: task.info.task_id,
      state,
      source: 'SOURCE_AGENT',
      reason,
      message,
      uuid: newStatusUuid(),
      ...(task.executor.checkpoint.kind !== 'command' ? { executor_id: { value: task.executor.executorId } } : {}),
    });
  }

  /** Sends the task's oldest unacknowledged update to the master, and retries it with backoff. */
  private forwardFront(task: TaskEntry, resetBackoff: boolean): void {
    const front = task.updates.front();
    if (task.retryTimer) clearTimeout(task.retryTimer);
    task.retryTimer = null;
    if (!front || this.stopped) return;
    if (resetBackoff) task.retryDelayMs = UPDATE_RETRY_MIN_MS;
    this.callMaster({ type: 'UPDATE', update: { ...front, latest_state: task.state } });
    task.retryTimer = setTimeout(() => {
      task.retryTimer = null;
      task.retryDelayMs = Math.min(task.retryDelayMs * 2, UPDATE_RETRY_MAX_MS);
      this.forwardFront(task, false);
    }, task.retryDelayMs);
    task.retryTimer.unref();
  }

  private onAcknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const task = this.findTask(frameworkId, taskId);
    if (!task) return;
    if (task.updates.acknowledge(uuid) !== 'acknowledged') {
      this.logger.debug({ taskId, uuid }, 'Ignoring an acknowledgement for an update that is not in flight');
      return;
    }
    this.checkpoint({ t: 'ack', frameworkId: task.frameworkId, executorId: task.executor.executorId, taskId, uuid });
    task.retryDelayMs = UPDATE_RETRY_MIN_MS;
    this.forwardFront(task, true);
    if (task.updates.finished) {
      this.history.taskCompleted(task.executor.checkpoint.containerId, this.taskWire(task));
      task.executor.tasks.delete(taskId);
      this.collectExecutor(task.executor);
    }
  }

  private findTask(frameworkId: string, taskId: string): TaskEntry | undefined {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return undefined;
    const direct = framework.executors.get(taskId)?.tasks.get(taskId);
    if (direct) return direct;
    for (const executor of framework.executors.values()) {
      const task = executor.tasks.get(taskId);
      if (task) return task;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- killing and shutting down

  private killTask(frameworkId: string, taskId: string, killPolicy: TaskInfo['kill_policy']): void {
    const task = this.findTask(frameworkId, taskId);
    if (!task) {
      const framework = this.frameworks.get(frameworkId);
      const partitionAware = framework?.info.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
      // The master believes the task is here; tell it, as Mesos agents do, that it is not.
      if (!this.agentId || !this.masterSubscribed) return;
      this.callMaster({
        type: 'UPDATE',
        update: {
          framework_id: { value: frameworkId },
          status: {
            task_id: { value: taskId }, state: partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', source: 'SOURCE_AGENT',
            reason: 'REASON_TASK_UNKNOWN', message: 'Task is not known to the agent', agent_id: { value: this.agentId }, timestamp: nowSeconds(),
          },
        },
      });
      return;
    }
    if (task.updates.terminal) return;
    task.killRequested = true;
    if (!task.launched) {
      const executor = task.executor;
      executor.queued = executor.queued.filter((event) => !this.eventLaunches(event, taskId));
      this.agentUpdate(task, 'TASK_KILLED', 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before it was launched');
      if (executor.queued.length === 0 && [...executor.tasks.values()].every((t) => t.updates.terminal)) this.shutdownExecutor(executor);
      return;
    }
    this.sendToExecutor(task.executor, { type: 'KILL', kill: { task_id: task.info.task_id, ...(killPolicy ? { kill_policy: killPolicy } : {}) } });
  }

  private eventLaunches(event: ExecutorEvent, taskId: string): boolean {
    if (event.type === 'LAUNCH') return event.launch.task.task_id.value === taskId;
    if (event.type === 'LAUNCH_GROUP') return event.launch_group.task_group.tasks.some((t) => t.task_id.value === taskId);
    return false;
  }

  private shutdownExecutor(executor: ExecutorEntry): void {
    if (executor.state === 'terminated') return;
    if (executor.state === 'registering') {
      // Never subscribed: nothing runs yet, so the agent can answer for its tasks at once.
      this.killExecutorProcess(executor);
      this.executorTerminated(executor, null, 'Executor was shut down before it subscribed', 'REASON_EXECUTOR_UNREGISTERED', true);
      return;
    }
    this.sendToExecutor(executor, { type: 'SHUTDOWN' });
    executor.shuttingDown = true;
    const grace = this.options.executorShutdownGracePeriodMs;
    setTimeout(() => {
      if (executor.state === 'terminated') return;
      this.killExecutorProcess(executor);
    }, grace + 2000).unref();
  }

  private shutdownFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    this.logger.info({ frameworkId }, 'Shutting down framework');
    for (const executor of framework.executors.values()) {
      for (const task of executor.tasks.values()) task.killRequested = true;
      this.shutdownExecutor(executor);
    }
  }

  private async shutdownAllExecutors(): Promise<void> {
    for (const framework of this.frameworks.keys()) this.shutdownFramework(framework);
    this.sendToHost({ type: 'SHUTDOWN' });
    const deadline = Date.now() + this.options.executorShutdownGracePeriodMs + 3000;
    while (Date.now() < deadline && this.allExecutors().some((e) => e.state !== 'terminated')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * An executor is gone: its unfinished tasks get a terminal update from the agent (TASK_FAILED
   * for command executors, whose tasks surely died with them; TASK_LOST, or TASK_GONE for
   * partition-aware frameworks, otherwise), and the master hears that it exited.
   */
  private executorTerminated(
    executor: ExecutorEntry, status: number | null, message: string, reason: NonNullable<TaskStatus['reason']>, killedOnPurpose = false,
  ): void {
    if (executor.state === 'terminated') return;
    executor.state = 'terminated';
    this.counters.executorsTerminated++;
    executor.queued = [];
    if (executor.registrationTimer) clearTimeout(executor.registrationTimer);
    executor.registrationTimer = null;
    executor.stream?.close();
    executor.stream = null;
    const framework = this.frameworks.get(executor.frameworkId);
    const partitionAware = framework?.info.capabilities?.some((c) => c.type === 'PARTITION_AWARE') ?? false;
    for (const task of executor.tasks.values()) {
      if (task.updates.terminal) continue;
      let state: TaskState;
      if (task.killRequested || killedOnPurpose) state = 'TASK_KILLED';
      else if (executor.checkpoint.kind === 'command' || reason !== 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT') state = 'TASK_FAILED';
      else state = partitionAware ? 'TASK_GONE' : 'TASK_LOST';
      this.agentUpdate(task, state, reason, message);
    }
    if (this.masterSubscribed && !this.recovering) {
      this.callMaster({
        type: 'EXECUTOR_EXITED',
        executor_exited: { framework_id: { value: executor.frameworkId }, executor_id: { value: executor.executorId }, ...(status !== null ? { status } : {}) },
      });
    }
    this.collectExecutor(executor);
  }

  /** Forgets an executor (and its checkpoints) once it ended and all its updates were acknowledged. */
  private collectExecutor(executor: ExecutorEntry): void {
    if (executor.state !== 'terminated' || executor.tasks.size > 0) return;
    const framework = this.frameworks.get(executor.frameworkId);
    if (!framework || framework.executors.get(executor.executorId) !== executor) return;
    framework.executors.delete(executor.executorId);
    this.checkpoint({ t: 'executor-done', frameworkId: executor.frameworkId, executorId: executor.executorId });
    const { info, containerId, directory } = executor.checkpoint;
    this.history.executorCompleted(framework.info, { frameworkId: executor.frameworkId, info, containerId, directory });
    if (framework.executors.size === 0) {
      this.frameworks.delete(executor.frameworkId);
      this.history.frameworkCompleted(framework.info);
    }
    if (this.journal?.needsCompaction) this.journal.rewrite(this.liveRecords());
  }

  // ---------------------------------------------------------------- views

  private allExecutors(): ExecutorEntry[] {
    return [...this.frameworks.values()].flatMap((f) => [...f.executors.values()]);
  }

  private allTasks(): TaskEntry[] {
    return this.allExecutors().flatMap((e) => [...e.tasks.values()]);
  }

  /** Counts for logs and tests: executors and tasks the agent is looking after. */
  summary(): { executors: number; tasks: number; hostPid: number | null } {
    return { executors: this.allExecutors().filter((e) => e.state !== 'terminated').length, tasks: this.allTasks().length, hostPid: this.host?.pid ?? null };
  }

  /** Where sandboxes are, for `/files` (read on every request, so it builds nothing). */
  sandboxLayout(): SandboxLayout {
    return { workDir: this.options.workDir, agentId: this.agentId };
  }

  /** A snapshot of what the agent looks after and what ended, for the operator endpoints (see agent-view.ts). */
  operatorSnapshot(): AgentSnapshot {
    const executorSnapshot = (executor: ExecutorEntry): ExecutorSnapshot => ({
      frameworkId: executor.frameworkId,
      info: executor.checkpoint.info,
      containerId: executor.checkpoint.containerId,
      directory: executor.checkpoint.directory,
      state: executor.state,
      hosted: executor.checkpoint.kind !== 'custom',
      pid: executor.checkpoint.kind === 'custom' ? executor.checkpoint.pid ?? null : null,
      tasks: [...executor.tasks.values()].map((task) => ({ task: this.taskWire(task), launched: task.launched })),
      completedTasks: [...this.history.completedTasksOf(executor.checkpoint.containerId)],
    });
    return {
      agentId: this.agentId,
      agentInfo: this.agentInfo(),
      ip: this.options.ip,
      workDir: this.options.workDir,
      version: this.options.version,
      flags: this.options.flags,
      executorHostPid: this.host?.pid ?? null,
      frameworks: [...this.frameworks.entries()].map(([id, framework]) => ({
        info: framework.info,
        executors: [...framework.executors.values()].map(executorSnapshot),
        completedExecutors: [...this.history.completedExecutorsOf(id)],
      })),
      completedFrameworks: this.history.completedFrameworks(new Set(this.frameworks.keys())),
    };
  }

  /** `/state` in the shape of the Mesos agent's endpoint (the operator issue completes it). */
  stateJson(): Record<string, unknown> {
    return {
      version: this.options.version,
      start_time: this.startTimeMs / 1000,
      id: this.agentId ?? '',
      pid: `slave(1)@${this.options.ip}:${this.options.port}`,
      hostname: this.options.hostname,
      resources: summarize(this.totalResources),
      ...reservationFields(this.totalResources),
      attributes: Object.fromEntries(this.options.attributes.map((a) => [a.name, a.scalar?.value ?? a.text?.value ?? ''])),
      master_hostname: this.options.master.host,
      flags: this.options.flags,
      frameworks: [...this.frameworks.entries()].map(([id, framework]) => ({
        id,
        name: framework.info.name,
        user: framework.info.user,
        executors: [...framework.executors.values()].map((executor) => ({
          id: executor.executorId,
          name: executor.checkpoint.info.name ?? '',
          source: executor.checkpoint.info.source ?? '',
          container: executor.checkpoint.containerId,
          directory: executor.checkpoint.directory,
          tasks: [...executor.tasks.values()].filter((t) => t.launched && !isTerminalTaskState(t.state)).map((t) => this.taskJson(t)),
          queued_tasks: [...executor.tasks.values()].filter((t) => !t.launched).map((t) => this.taskJson(t)),
          completed_tasks: [
            ...this.history.completedTasksOf(executor.checkpoint.containerId).map((task) => taskJson(task, completedTaskRole(task))),
            ...[...executor.tasks.values()].filter((t) => isTerminalTaskState(t.state)).map((t) => this.taskJson(t)),
          ],
        })),
        completed_executors: this.history.completedExecutorsOf(id).map(completedExecutorJson),
      })),
      completed_frameworks: this.history.completedFrameworks(new Set(this.frameworks.keys())).map((framework) => ({
        id: framework.info.id?.value ?? '',
        name: framework.info.name,
        user: framework.info.user,
        executors: [],
        completed_executors: framework.completedExecutors.map(completedExecutorJson),
      })),
    };
  }
}

/** An ended executor run in `/state`: its sandbox and the tasks it ran. */
function completedExecutorJson(executor: CompletedExecutor): Record<string, unknown> {
  return {
    id: executor.info.executor_id.value,
    name: executor.info.name ?? '',
    source: executor.info.source ?? '',
    container: executor.containerId,
    directory: executor.directory,
    tasks: [],
    queued_tasks: [],
    completed_tasks: executor.tasks.map((task) => taskJson(task, completedTaskRole(task))),
  };
}

/**
 * Makes a run's sandbox and points `runs/latest` at it, as in Mesos, so `.../runs/latest/stdout`
 * always works. Creating an entry costs far more than looking one up on many file systems (about
 * 0.3 ms of CPU each on an ext4 VM disk, against 5 µs for a lookup), and a sandbox is made per
 * task: the first run of an executor links `latest` directly; a later run swaps it atomically.
 */
function createSandbox(directory: string, containerId: string): void {
  const runs = dirname(directory);
  const firstRun = !existsSync(runs);
  mkdirSync(directory, { recursive: true });
  const link = join(runs, 'latest');
  try {
    if (firstRun) {
      symlinkSync(containerId, link);
    } else {
      const temporary = `${link}.${containerId}`;
      symlinkSync(containerId, temporary);
      renameSync(temporary, link);
    }
  } catch {
    // A convenience only: a file system without symlinks still runs tasks.
  }
}

