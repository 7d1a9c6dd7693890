/**
 * One task from launch to its terminal update, shared by the command and the default executor:
 * TASK_STARTING, spawn, TASK_RUNNING, then the terminal state its exit maps to (Mesos' command
 * executor rules, in task-outcome.ts). Killing is SIGTERM, then SIGKILL after the grace period;
 * TASK_KILLING is sent first when the framework understands it.
 */
import path from 'node:path';
import type { TaskInfo, TaskStatusReason } from '../api/mesos.js';
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import type { StatusSink } from './executor-session.js';
import { TaskProcess } from './task-process.js';
import { commandLineOf, terminalOutcomeOf, type TaskExit, type TerminalOutcome } from './task-outcome.js';

/** What an executor behaviour needs besides the agent link. */
export interface ExecutorContext {
  /** The executor's sandbox (absolute). */
  directory: string;
  /** The Mesos executor environment the agent sent with LAUNCH_EXECUTOR. */
  environment: Readonly<Record<string, string>>;
  /** The host's own environment, which tasks inherit as Mesos tasks inherit the agent's. */
  inheritedEnvironment: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  log: Logger;
}

/** Answers a task the executor will not run with a terminal update, keeping it until acknowledged. */
export function refuseTask(sink: StatusSink, task: TaskInfo, message: string, reason: TaskStatusReason): void {
  sink.trackTask(task);
  sink.sendStatus(task.task_id.value, 'TASK_FAILED', { message, reason });
}

/** How to run one task and whom to tell. */
export interface RunningTaskOptions {
  task: TaskInfo;
  /** The task's working directory: the executor's sandbox. */
  cwd: string;
  /** Where `stdout` and `stderr` are appended. */
  logDirectory: string;
  env: Record<string, string>;
  /** The reason of a TASK_FAILED when the command could not be started. */
  launchFailureReason: TaskStatusReason;
  sink: StatusSink;
  clock: Clock;
  onTerminal(task: RunningTask, outcome: TerminalOutcome): void;
}

/** One task's lifecycle; see the file comment. */
export class RunningTask {
  private process: TaskProcess | null = null;
  private killRequestedFlag = false;
  private terminalFlag = false;

  constructor(private readonly options: RunningTaskOptions) {}

  get id(): string {
    return this.options.task.task_id.value;
  }

  get info(): TaskInfo {
    return this.options.task;
  }

  get terminal(): boolean {
    return this.terminalFlag;
  }

  /** Sends TASK_STARTING, starts the command, and TASK_RUNNING if the OS created the process. */
  start(): void {
    const { sink, task } = this.options;
    if (this.terminalFlag) return;
    if (this.killRequestedFlag) {
      this.end({ kind: 'killed-before-launch' });
      return;
    }
    const commandLine = commandLineOf(task.command);
    if (!commandLine.ok) {
      sink.sendStatus(this.id, 'TASK_STARTING');
      this.end({ kind: 'launch-failed', message: commandLine.message });
      return;
    }
    // The process is asked for first and TASK_STARTING sent while it is being created; the
    // launcher reports back asynchronously, so STARTING still goes out before RUNNING or an end.
    this.process = TaskProcess.start(
      {
        commandLine,
        cwd: this.options.cwd,
        env: this.options.env,
        stdoutPath: path.join(this.options.logDirectory, 'stdout'),
        stderrPath: path.join(this.options.logDirectory, 'stderr'),
      },
      (exit) => this.end(exit),
      () => {
        if (!this.terminalFlag) sink.sendStatus(this.id, 'TASK_RUNNING');
      },
    );
    sink.sendStatus(this.id, 'TASK_STARTING');
  }

  /**
   * Starts (or escalates) a kill; the task ends as TASK_KILLED whatever its exit looks like. A task
   * not started yet never starts.
   */
  kill(gracePeriodMs: number): void {
    if (this.terminalFlag) return;
    if (!this.killRequestedFlag) {
      this.killRequestedFlag = true;
      if (this.process !== null && this.options.sink.killingStateSupported) this.options.sink.sendStatus(this.id, 'TASK_KILLING');
    }
    this.process?.kill(gracePeriodMs, this.options.clock.nowMs());
  }

  /** SIGKILL at once, for an executor abandoning its tasks. */
  killNow(): void {
    if (!this.terminalFlag) this.process?.killNow();
  }

  private end(exit: TaskExit): void {
    if (this.terminalFlag) return;
    this.terminalFlag = true;
    this.process = null;
    const outcome = terminalOutcomeOf(exit, this.killRequestedFlag, this.options.launchFailureReason);
    this.options.sink.sendStatus(this.id, outcome.state, {
      message: outcome.message,
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    });
    this.options.onTerminal(this, outcome);
  }
}
