/**
 * The executor host: one process per agent that runs every executor of that agent, each an
 * ordinary Mesos v1 Executor API client (ExecutorSession). One process for all of them keeps the
 * cost of a running task to a few objects and one HTTP stream, instead of a 40 MB Node process.
 *
 * The host is detached from the agent, so its executors (and their tasks) outlive an agent
 * restart. Its control link to the agent (host-link.ts) only starts executors and reports their
 * end. When the link drops the host reconnects with backoff (250 ms doubling to 2 s); if the agent
 * stays away longer than the recovery timeout (Mesos' MESOS_RECOVERY_TIMEOUT, 15 min), the host
 * SIGKILLs every task and exits. After SHUTDOWN it shuts every executor down, reports, and exits.
 */
import path from 'node:path';
import { stripNulls } from '../api/schema.js';
import { unreachable } from '../common/assert.js';
import type { Clock } from '../common/clock.js';
import { formatEndpoint, parseEndpoint, postJson, subscribe, type Endpoint, type Subscription } from '../common/http/client.js';
import type { Logger } from '../common/log.js';
import { CommandExecutor } from './command-executor.js';
import { DefaultExecutor } from './default-executor.js';
import { ExecutorSession, type ExecutorBehavior, type StatusSink } from './executor-session.js';
import {
  EXECUTOR_HOST_PATH, SHUTDOWN_GRACE_PERIOD_DEFAULT_MS, validateHostEvent,
  type ExecutorExited, type HostEvent, type LaunchExecutor,
} from './host-link.js';
import type { ExecutorContext } from './running-task.js';

/** Reconnect delays of the control link: 250 ms, doubling up to 2 s, reset by SUBSCRIBED. */
export const RECONNECT_BACKOFF_INITIAL_MS = 250;
export const RECONNECT_BACKOFF_MAX_MS = 2_000;
/** Mesos' agent `--recovery_timeout` default. */
export const RECOVERY_TIMEOUT_DEFAULT_MS = 900_000;
/** Pause before re-sending a report the agent did not take while the link stayed up. */
export const REPORT_RETRY_MS = 1_000;
/** Reports kept for an absent agent; beyond this the oldest go (each executor yields one report). */
export const REPORTS_PENDING_MAX = 10_000;
/** After SHUTDOWN, how long a host whose executors are done tries to deliver its last reports. */
export const SHUTDOWN_REPORT_WAIT_MS = 5_000;
/** The agent's port when MESOS_AGENT_ENDPOINT names none. */
const AGENT_PORT_DEFAULT = 5051;

/** The host's settings (host-main.ts reads them from the environment). */
export interface ExecutorHostConfig {
  agent: Endpoint;
  hostId: string;
  recoveryTimeoutMs: number;
  /** Passed on to tasks (Meridian's own MERIDIAN_* settings are removed on the way). */
  inheritedEnvironment: Readonly<Record<string, string | undefined>>;
}

interface HostedExecutor {
  launch: LaunchExecutor;
  session: ExecutorSession;
}

type ReportOutcome = 'delivered' | 'refused' | 'retry';

/** The host process's state: its control link, its executors and its undelivered reports. */
export class ExecutorHost {
  /** By container id. */
  private readonly executors = new Map<string, HostedExecutor>();
  /** EXECUTOR_EXITED reports not yet taken by the agent, oldest first. */
  private readonly reports: ExecutorExited[] = [];
  private linkUp = false;
  private subscription: Subscription | null = null;
  private attempt = 0;
  private backoffMs = RECONNECT_BACKOFF_INITIAL_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private recoveryTimer: NodeJS.Timeout | null = null;
  private reportRetryTimer: NodeJS.Timeout | null = null;
  private reportWaitTimer: NodeJS.Timeout | null = null;
  private reporting = false;
  private shuttingDown = false;
  private abandoning = false;
  private finished = false;
  private resolveDone: ((code: number) => void) | null = null;

  constructor(
    private readonly config: ExecutorHostConfig,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Connects to the agent and runs until the host is done; resolves with the process exit code. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.resolveDone = resolve;
    });
    this.log.info({ agent: formatEndpoint(this.config.agent), host_id: this.config.hostId }, 'executor host starting');
    this.startRecoveryTimer();
    this.connect();
    return done;
  }

  /** Shuts every executor down (tasks killed per kill policy), reports, then finishes. */
  shutdown(why: string): void {
    if (this.shuttingDown || this.finished) return;
    this.shuttingDown = true;
    this.log.info({ why, executors: this.executors.size }, 'shutting down');
    for (const { session } of [...this.executors.values()]) session.shutdown(undefined);
    this.maybeFinish();
  }

  /** SIGKILLs every task and finishes at once, reporting nothing. */
  abandon(why: string): void {
    if (this.finished) return;
    this.log.error({ why, executors: this.executors.size }, 'abandoning every executor');
    this.abandoning = true;
    for (const { session } of [...this.executors.values()]) session.abandon(why);
    this.executors.clear();
    this.finish(1);
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.finished) return;
    const attempt = ++this.attempt;
    const call = { type: 'SUBSCRIBE', subscribe: { host_id: this.config.hostId, pid: process.pid } };
    subscribe(this.config.agent, EXECUTOR_HOST_PATH, call, {
      onEvent: (event) => {
        if (attempt === this.attempt && !this.finished) this.onEvent(event);
      },
      onClose: (error) => {
        if (attempt === this.attempt) this.onLinkDown(error?.message ?? 'the agent closed the stream');
      },
    }).then(
      (subscription) => {
        if (attempt !== this.attempt || this.finished) subscription.close();
        else this.subscription = subscription;
      },
      (error: Error) => {
        if (attempt === this.attempt) this.onLinkDown(error.message);
      },
    );
  }

  private onLinkDown(why: string): void {
    if (this.finished) return;
    this.attempt++;
    this.subscription?.close();
    this.subscription = null;
    if (this.linkUp) {
      this.log.warn({ why, recovery_timeout_ms: this.config.recoveryTimeoutMs }, 'lost the agent; reconnecting');
      this.startRecoveryTimer();
    } else {
      this.log.debug({ why, retry_in_ms: this.backoffMs }, 'could not reach the agent');
    }
    this.linkUp = false;
    if (this.reconnectTimer === null) {
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_BACKOFF_MAX_MS);
    }
  }

  private onEvent(raw: unknown): void {
    const checked = validateHostEvent(stripNulls(raw));
    if (!checked.ok) {
      this.log.error({ error: checked.error }, 'ignoring an invalid event from the agent');
      return;
    }
    const event: HostEvent = checked.value;
    switch (event.type) {
      case 'SUBSCRIBED':
        this.onSubscribed();
        break;
      case 'LAUNCH_EXECUTOR':
        this.launchExecutor(event.launch_executor);
        break;
      case 'SHUTDOWN':
        this.shutdown('the agent sent SHUTDOWN');
        break;
      case 'HEARTBEAT':
        break;
      default:
        unreachable(event, 'unhandled executor-host event');
    }
  }

  private onSubscribed(): void {
    this.linkUp = true;
    this.backoffMs = RECONNECT_BACKOFF_INITIAL_MS;
    if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
    this.log.info({ executors: this.executors.size, pending_reports: this.reports.length }, 'subscribed to the agent');
    this.flushReports();
  }

  private launchExecutor(launch: LaunchExecutor): void {
    const containerId = launch.container_id.value;
    if (this.executors.has(containerId)) {
      this.log.info({ container_id: containerId }, 'executor already running; ignoring the repeated launch');
      return;
    }
    const refused = (message: string) => {
      this.log.error({ container_id: containerId, executor_id: launch.executor_id.value, message }, 'cannot launch the executor');
      this.queueReport({ framework_id: launch.framework_id, executor_id: launch.executor_id, container_id: launch.container_id, status: 1, message });
    };
    if (this.shuttingDown) return refused('The executor host is shutting down');
    if (!path.isAbsolute(launch.directory)) return refused(`Sandbox directory '${launch.directory}' is not an absolute path`);
    let agent = this.config.agent;
    const endpointText = launch.environment.MESOS_AGENT_ENDPOINT;
    if (endpointText !== undefined) {
      try {
        agent = parseEndpoint(endpointText, AGENT_PORT_DEFAULT);
      } catch (error) {
        return refused(`MESOS_AGENT_ENDPOINT: ${(error as Error).message}`);
      }
    }
    const log = this.log.child({ framework_id: launch.framework_id.value, executor_id: launch.executor_id.value, container_id: containerId });
    const context: ExecutorContext = {
      directory: launch.directory,
      environment: launch.environment,
      inheritedEnvironment: this.config.inheritedEnvironment,
      clock: this.clock,
      log,
    };
    const session = new ExecutorSession({
      frameworkId: launch.framework_id.value,
      executorId: launch.executor_id.value,
      agent,
      recoveryTimeoutMs: this.config.recoveryTimeoutMs,
      shutdownGracePeriodMs: launch.shutdown_grace_period_ms ?? SHUTDOWN_GRACE_PERIOD_DEFAULT_MS,
      // Mesos always sets it; absent, the executor keeps the safer course of waiting for the agent.
      checkpoint: launch.environment.MESOS_CHECKPOINT !== '0',
      clock: this.clock,
      log,
      createBehavior: (sink) => createBehavior(launch.kind, sink, context),
      onEnded: (status, message) => this.onExecutorEnded(launch, status, message),
    });
    this.executors.set(containerId, { launch, session });
    log.info({ kind: launch.kind, directory: launch.directory }, 'launching executor');
    session.start();
  }

  private onExecutorEnded(launch: LaunchExecutor, status: number, message: string): void {
    this.executors.delete(launch.container_id.value);
    if (this.abandoning) return;
    this.queueReport({ framework_id: launch.framework_id, executor_id: launch.executor_id, container_id: launch.container_id, status, message });
    this.maybeFinish();
  }

  private queueReport(report: ExecutorExited): void {
    this.reports.push(report);
    if (this.reports.length > REPORTS_PENDING_MAX) {
      const dropped = this.reports.shift() as ExecutorExited;
      this.log.error({ executor_id: dropped.executor_id.value, container_id: dropped.container_id.value }, 'too many undelivered reports; dropped the oldest');
    }
    this.flushReports();
  }

  /** Sends reports one at a time while the link is up; a report leaves the queue once the agent took it. */
  private flushReports(): void {
    if (!this.linkUp || this.reporting || this.finished) return;
    const report = this.reports[0];
    if (report === undefined) return;
    this.reporting = true;
    void this.deliver(report).then((outcome) => {
      this.reporting = false;
      if (outcome === 'retry') {
        this.scheduleReportRetry();
        return;
      }
      if (this.reports[0] === report) this.reports.shift();
      this.flushReports();
      this.maybeFinish();
    });
  }

  /** Never rejects: every failure is an outcome. */
  private async deliver(report: ExecutorExited): Promise<ReportOutcome> {
    const call = { type: 'EXECUTOR_EXITED', host_id: this.config.hostId, executor_exited: report };
    try {
      const result = await postJson(this.config.agent, EXECUTOR_HOST_PATH, call);
      if (result.status >= 200 && result.status < 300) return 'delivered';
      this.log.warn({ status: result.status, body: result.body, container_id: report.container_id.value }, 'the agent did not take a report');
      // A 4xx says the report itself is unwelcome, and repeating it will not change that.
      return result.status >= 400 && result.status < 500 ? 'refused' : 'retry';
    } catch (error) {
      this.log.warn({ error: (error as Error).message, container_id: report.container_id.value }, 'could not deliver a report');
      return 'retry';
    }
  }

  private scheduleReportRetry(): void {
    if (this.reportRetryTimer !== null || this.finished) return;
    this.reportRetryTimer = setTimeout(() => {
      this.reportRetryTimer = null;
      this.flushReports();
    }, REPORT_RETRY_MS);
  }

  private maybeFinish(): void {
    if (!this.shuttingDown || this.finished || this.executors.size > 0) return;
    if (this.reports.length === 0) {
      this.finish(0);
      return;
    }
    if (this.reportWaitTimer !== null) return;
    this.reportWaitTimer = setTimeout(() => {
      this.log.warn({ undelivered: this.reports.length }, 'giving up on the last reports');
      this.finish(0);
    }, SHUTDOWN_REPORT_WAIT_MS);
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    this.attempt++;
    for (const timer of [this.reconnectTimer, this.recoveryTimer, this.reportRetryTimer, this.reportWaitTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.reconnectTimer = this.recoveryTimer = this.reportRetryTimer = this.reportWaitTimer = null;
    this.subscription?.close();
    this.subscription = null;
    this.linkUp = false;
    this.log.info({ code }, 'executor host done');
    this.resolveDone?.(code);
  }

  private startRecoveryTimer(): void {
    if (this.recoveryTimer !== null) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = null;
      this.abandon(`the agent did not come back within the recovery timeout of ${this.config.recoveryTimeoutMs} ms`);
    }, this.config.recoveryTimeoutMs);
  }
}

function createBehavior(kind: LaunchExecutor['kind'], sink: StatusSink, context: ExecutorContext): ExecutorBehavior {
  switch (kind) {
    case 'command':
      return new CommandExecutor(sink, context);
    case 'default':
      return new DefaultExecutor(sink, context);
    default:
      return unreachable(kind, 'unknown executor kind');
  }
}
