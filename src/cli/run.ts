/**
 * `meridian run`: runs a command as one or more tasks on the cluster and waits for them, as
 * `mesos-execute` does. It subscribes a short-lived framework, launches the tasks on the first
 * offers that fit, prints every state change, and tears the framework down when all tasks have
 * ended. The exit code says how they ended: 0 when all finished, 1 otherwise, 130 on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { CommandInfo, FrameworkInfo, Offer, Resource, TaskInfo, TaskState, TaskStatus } from '../api/mesos.js';
import { isTerminalTaskState } from '../api/mesos.js';
import { FlagError, type FlagSpec, type FlagValues } from '../common/flags.js';
import type { Logger } from '../common/log.js';
import { SchedulerClient, type ClientEvent } from '../sdk/scheduler-client.js';

/** The flags of `meridian run`, for the CLI to register (durations arrive in milliseconds). */
export const RUN_FLAGS: FlagSpec[] = [
  { name: 'master', kind: 'string', default: '127.0.0.1:5050', help: 'The master to run on, host:port (a standby redirects to the leader)' },
  { name: 'name', kind: 'string', required: true, help: 'Name of the tasks; task ids are <name>-<n>-<random>' },
  { name: 'command', kind: 'string', required: true, help: 'Shell command to run, as with /bin/sh -c' },
  { name: 'cpus', kind: 'number', default: '0.1', help: 'CPUs per task' },
  { name: 'mem', kind: 'number', default: '32', help: 'Memory per task, in MB' },
  { name: 'disk', kind: 'number', help: 'Disk per task, in MB (none requested when unset)' },
  { name: 'instances', kind: 'integer', default: '1', help: 'How many copies of the task to run' },
  { name: 'role', kind: 'string', default: '*', help: 'Role whose resources the tasks use' },
  { name: 'env', kind: 'string', help: 'Environment of the command as a JSON object, e.g. {"GREETING":"hi"}' },
  { name: 'kill_after', kind: 'duration', help: 'Kill each task this long after it starts running (e.g. 10secs)' },
];

/** What `meridian run` runs, and where; see RUN_FLAGS for the meaning and the defaults. */
export interface RunOptions {
  master: string;
  name: string;
  command: string;
  /** True (default): `command` runs under `/bin/sh -c`. False: `command` is a program run without a shell or arguments. */
  shell?: boolean;
  cpus?: number;
  mem?: number;
  disk?: number;
  instances?: number;
  role?: string;
  env?: Record<string, string>;
  killAfterSeconds?: number;
  /** Receives each line of progress (state changes, errors). */
  out: (line: string) => void;
  logger?: Logger;
  /** Aborting acts like Ctrl-C: the tasks are killed, the framework is torn down, and the run ends with 130. */
  signal?: AbortSignal;
}

/** Exit codes of `meridian run`: all tasks TASK_FINISHED; anything else; interrupted (128 + SIGINT). */
export const EXIT_ALL_FINISHED = 0;
export const EXIT_NOT_ALL_FINISHED = 1;
export const EXIT_INTERRUPTED = 130;
/** Offers that cannot be used are declined for this long, so other frameworks get them first. */
export const DECLINE_REFUSE_SECONDS = 5;
/**
 * A dropped connection to the master is survived if the client resubscribes within this time; if
 * `meridian run` itself dies, its tasks are killed after it.
 */
export const RUN_FAILOVER_TIMEOUT_SECONDS = 60;
/** Bound on the kills and the TEARDOWN after Ctrl-C. */
export const INTERRUPT_CLEANUP_MS_MAX = 5_000;
/** Bound on --instances: one run is one framework's worth of tasks, not a cluster's. */
export const INSTANCES_MAX = 10_000;

/** Converts the values of RUN_FLAGS (as `resolveFlags` returns them) into RunOptions; throws FlagError. */
export function runOptionsFromFlags(values: FlagValues, out: (line: string) => void): RunOptions {
  const options: RunOptions = {
    master: String(values.master ?? '127.0.0.1:5050'),
    name: String(values.name ?? ''),
    command: String(values.command ?? ''),
    out,
  };
  if (values.cpus !== undefined) options.cpus = Number(values.cpus);
  if (values.mem !== undefined) options.mem = Number(values.mem);
  if (values.disk !== undefined) options.disk = Number(values.disk);
  if (values.instances !== undefined) options.instances = Number(values.instances);
  if (values.role !== undefined) options.role = String(values.role);
  if (values.env !== undefined) options.env = parseEnv(String(values.env));
  if (values.kill_after !== undefined) options.killAfterSeconds = Number(values.kill_after) / 1000;
  return options;
}

/** Parses `--env`: a JSON object of string values. */
export function parseEnv(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FlagError(`--env: not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FlagError('--env: expected a JSON object such as {"KEY":"value"}');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new FlagError(`--env: the value of '${key}' must be a string`);
    env[key] = value;
  }
  return env;
}

/** Resources of one task, in the units Mesos uses (cpus, MB). */
export interface TaskShape {
  cpus: number;
  mem: number;
  disk?: number;
}

const MILLI = 1000;
const toMilli = (value: number): number => Math.round(value * MILLI);

/** Scalar entries a plain command task may use: no volumes, no shared or revocable resources, no providers. */
function isPlainScalar(resource: Resource): boolean {
  return resource.type === 'SCALAR' && resource.scalar !== undefined && resource.disk === undefined &&
    resource.shared === undefined && resource.revocable === undefined && resource.provider_id === undefined;
}

/** A copy of `source` holding `milli` thousandths, with its role, reservation and allocation kept. */
function portionOf(source: Resource, milli: number): Resource {
  return {
    name: source.name,
    type: 'SCALAR',
    scalar: { value: milli / MILLI },
    ...(source.role !== undefined ? { role: source.role } : {}),
    ...(source.reservation !== undefined ? { reservation: source.reservation } : {}),
    ...(source.reservations !== undefined ? { reservations: source.reservations } : {}),
    ...(source.allocation_info !== undefined ? { allocation_info: source.allocation_info } : {}),
  };
}

/**
 * Cuts up to `countMax` task resource sets of `shape` out of an offer's resources, in Mesos'
 * fixed-point thousandths so 0.1 + 0.2 cpus fit in 0.3. A task may draw one resource from several
 * entries (say unreserved and reserved cpus); each portion keeps its entry's role and allocation.
 */
export function carveTasks(resources: readonly Resource[], shape: TaskShape, countMax: number): Resource[][] {
  const pool = resources.filter(isPlainScalar).map((r) => ({ source: r, milli: toMilli(r.scalar?.value ?? 0) }));
  const wanted = (['cpus', 'mem', 'disk'] as const)
    .map((name) => ({ name, milli: toMilli(shape[name] ?? 0) }))
    .filter((w) => w.milli > 0);
  const tasks: Resource[][] = [];
  while (tasks.length < countMax) {
    const fits = wanted.every((w) => pool.filter((p) => p.source.name === w.name).reduce((sum, p) => sum + p.milli, 0) >= w.milli);
    if (!fits) break;
    const taskResources: Resource[] = [];
    for (const w of wanted) {
      let needed = w.milli;
      for (const entry of pool) {
        if (needed === 0) break;
        if (entry.source.name !== w.name || entry.milli === 0) continue;
        const take = Math.min(needed, entry.milli);
        entry.milli -= take;
        needed -= take;
        taskResources.push(portionOf(entry.source, take));
      }
    }
    tasks.push(taskResources);
  }
  return tasks;
}

interface RunTask {
  id: string;
  agentId: string;
  hostname: string;
  state: TaskState | null;
  killTimer: NodeJS.Timeout | null;
}

/** One line per state change: `[hello-1-ab12] TASK_RUNNING on agent …-S0 (127.0.0.1): message (REASON)`. */
export function formatStatusLine(status: TaskStatus, agentId: string, hostname: string): string {
  let line = `[${status.task_id.value}] ${status.state} on agent ${status.agent_id?.value ?? agentId} (${hostname})`;
  if (status.message !== undefined && status.message !== '') line += `: ${status.message}`;
  if (status.reason !== undefined) line += ` (${status.reason})`;
  return line;
}

function validateOptions(options: RunOptions): void {
  if (options.name === '' || /[/\s\x00-\x1f\x7f]/.test(options.name)) {
    throw new FlagError(`--name: '${options.name}' must be non-empty, without '/', spaces or control characters`);
  }
  if (options.command === '') throw new FlagError('--command: must not be empty');
  for (const [flag, value] of [['cpus', options.cpus], ['mem', options.mem], ['disk', options.disk]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new FlagError(`--${flag}: must be a number >= 0`);
  }
  const instances = options.instances ?? 1;
  if (!Number.isInteger(instances) || instances < 1 || instances > INSTANCES_MAX) throw new FlagError(`--instances: must be an integer in 1..${INSTANCES_MAX}`);
  if (options.killAfterSeconds !== undefined && !(options.killAfterSeconds >= 0)) throw new FlagError('--kill_after: must not be negative');
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/**
 * The run as a state machine over the client's events; `runCommand` drives it. It decides which
 * offers to use and when the run is over, and does its calls through the client.
 */
class Run {
  readonly tasks = new Map<string, RunTask>();
  private launchedCount = 0;
  private subscribedOnce = false;
  private interrupted = false;
  private readonly shape: TaskShape;
  private readonly instances: number;

  constructor(private readonly options: RunOptions, private readonly client: SchedulerClient) {
    this.shape = { cpus: options.cpus ?? 0.1, mem: options.mem ?? 32, ...(options.disk !== undefined ? { disk: options.disk } : {}) };
    this.instances = options.instances ?? 1;
  }

  /** True when every task was launched and has ended. */
  get done(): boolean {
    return this.launchedCount === this.instances && [...this.tasks.values()].every((t) => t.state !== null && isTerminalTaskState(t.state));
  }

  get exitCode(): number {
    if (this.interrupted) return EXIT_INTERRUPTED;
    return this.done && [...this.tasks.values()].every((t) => t.state === 'TASK_FINISHED') ? EXIT_ALL_FINISHED : EXIT_NOT_ALL_FINISHED;
  }

  /** Handles one event; returns true when the run is over. */
  async onEvent(event: ClientEvent): Promise<boolean> {
    switch (event.type) {
      case 'SUBSCRIBED': await this.onSubscribed(event.subscribed.framework_id.value); return false;
      case 'OFFERS': await this.onOffers(event.offers.offers); return false;
      case 'UPDATE': return this.onUpdate(event.update.status);
      case 'ERROR': this.options.out(`Framework error: ${event.error.message}`); return true;
      case 'DISCONNECTED':
        this.options.out(`Disconnected from the master (${event.disconnected.reason}); retrying in ${(event.disconnected.retryInMs / 1000).toFixed(1)}s`);
        return false;
      case 'FAILURE':
        if (event.failure.executor_id !== undefined) {
          this.options.out(`Executor ${event.failure.executor_id.value} exited${event.failure.status !== undefined ? ` with status ${event.failure.status}` : ''}`);
        }
        return false;
      case 'RESCIND':
      case 'MESSAGE':
      case 'HEARTBEAT':
      case 'UPDATE_OPERATION_STATUS':
        return false;
    }
  }

  private async onSubscribed(frameworkId: string): Promise<void> {
    if (!this.subscribedOnce) {
      this.subscribedOnce = true;
      this.options.out(`Subscribed with framework id ${frameworkId}`);
      return;
    }
    this.options.out(`Resubscribed with framework id ${frameworkId}`);
    // Updates sent while we were away are resent by the agents; ask anyway, the cost is one call.
    const open = [...this.tasks.values()].filter((t) => t.state === null || !isTerminalTaskState(t.state));
    if (open.length > 0) await this.client.reconcile(open.map((t) => ({ taskId: t.id, agentId: t.agentId }))).catch(() => undefined);
  }

  private async onOffers(offers: readonly Offer[]): Promise<void> {
    for (const offer of offers) {
      const remaining = this.instances - this.launchedCount;
      const carved = remaining > 0 ? carveTasks(offer.resources, this.shape, remaining) : [];
      if (carved.length === 0) {
        await this.client.decline([offer.id], { refuse_seconds: DECLINE_REFUSE_SECONDS }).catch((error: unknown) => this.report('DECLINE', error));
        continue;
      }
      const tasks = carved.map((resources, i) => this.taskInfo(offer, resources, this.launchedCount + i + 1));
      for (const task of tasks) {
        this.tasks.set(task.task_id.value, { id: task.task_id.value, agentId: offer.agent_id.value, hostname: offer.hostname, state: null, killTimer: null });
        this.options.out(`[${task.task_id.value}] launching on agent ${offer.agent_id.value} (${offer.hostname})`);
      }
      this.launchedCount += tasks.length;
      try {
        await this.client.launch([offer.id], tasks, { refuse_seconds: DECLINE_REFUSE_SECONDS });
      } catch (error) {
        // The tasks never reached the master: count them as failed rather than wait for them.
        this.report('LAUNCH', error);
        for (const task of tasks) this.markFailed(task.task_id.value);
      }
    }
    if (this.launchedCount === this.instances) await this.client.suppress().catch(() => undefined);
  }

  /** Task number `index` (1-based) of the run, on `offer`. */
  private taskInfo(offer: Offer, resources: Resource[], index: number): TaskInfo {
    const id = `${this.options.name}-${index}-${randomBytes(2).toString('hex')}`;
    return { name: this.options.name, task_id: { value: id }, agent_id: offer.agent_id, resources, command: this.commandInfo() };
  }

  private commandInfo(): CommandInfo {
    const env = Object.entries(this.options.env ?? {});
    const environment = env.length > 0 ? { environment: { variables: env.map(([name, value]) => ({ name, type: 'VALUE' as const, value })) } } : {};
    if (this.options.shell === false) return { shell: false, value: this.options.command, arguments: [this.options.command], ...environment };
    return { shell: true, value: this.options.command, ...environment };
  }

  private onUpdate(status: TaskStatus): boolean {
    const task = this.tasks.get(status.task_id.value);
    if (!task) return false; // Not ours (another run under a reused framework id); nothing to print.
    task.state = status.state;
    this.options.out(formatStatusLine(status, task.agentId, task.hostname));
    if (status.state === 'TASK_RUNNING' && this.options.killAfterSeconds !== undefined && task.killTimer === null) {
      task.killTimer = setTimeout(() => {
        this.options.out(`[${task.id}] killing after ${this.options.killAfterSeconds}s (--kill_after)`);
        this.client.kill(task.id, task.agentId).catch((error: unknown) => this.report('KILL', error));
      }, this.options.killAfterSeconds * 1000);
    }
    if (isTerminalTaskState(status.state) && task.killTimer) {
      clearTimeout(task.killTimer);
    }
    return this.done;
  }

  private markFailed(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (task) task.state = 'TASK_ERROR';
  }

  private report(what: string, error: unknown): void {
    this.options.out(`${what} failed: ${(error as Error).message}`);
  }

  /** Ctrl-C: kill what runs, then tear down (which kills anything left), within a bound. */
  async interrupt(): Promise<void> {
    this.interrupted = true;
    const open = [...this.tasks.values()].filter((t) => t.state === null || !isTerminalTaskState(t.state));
    const cleanup = (async () => {
      await Promise.allSettled(open.map((t) => this.client.kill(t.id, t.agentId)));
      await this.client.teardown().catch(() => undefined);
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cleanup, new Promise<void>((resolve) => { timer = setTimeout(resolve, INTERRUPT_CLEANUP_MS_MAX); })]);
    clearTimeout(timer);
  }

  stopTimers(): void {
    for (const task of this.tasks.values()) if (task.killTimer) clearTimeout(task.killTimer);
  }
}

/** Runs `meridian run`; resolves with the exit code. Invalid options throw FlagError. */
export async function runCommand(options: RunOptions): Promise<number> {
  validateOptions(options);
  const role = options.role ?? '*';
  const framework: FrameworkInfo = {
    user: currentUser(),
    name: `meridian-run (${options.name})`,
    roles: [role],
    failover_timeout: RUN_FAILOVER_TIMEOUT_SECONDS,
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'TASK_KILLING_STATE' }],
  };
  const client = new SchedulerClient({ master: options.master, framework, ...(options.logger ? { logger: options.logger } : {}) });
  const run = new Run(options, client);

  let interrupting: Promise<void> | null = null;
  const interrupt = () => {
    if (interrupting) {
      client.close(); // A second Ctrl-C: stop waiting for the cleanup.
      return;
    }
    options.out('Interrupted: killing the tasks and tearing down the framework');
    interrupting = run.interrupt().finally(() => client.close());
  };
  process.on('SIGINT', interrupt);
  options.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    if (options.signal?.aborted) interrupt();
    for await (const event of client.events()) {
      if (interrupting) continue;
      if (await run.onEvent(event)) break;
    }
    if (interrupting) await interrupting;
    else await client.teardown().catch(() => client.close());
  } catch (error) {
    options.out(`Cannot run: ${(error as Error).message}`);
    client.close();
    return EXIT_NOT_ALL_FINISHED;
  } finally {
    process.removeListener('SIGINT', interrupt);
    options.signal?.removeEventListener('abort', interrupt);
    run.stopTimers();
  }
  return run.exitCode;
}
