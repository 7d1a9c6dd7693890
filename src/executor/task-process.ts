/**
 * One task's process: spawned in its own process group (so a kill reaches everything it forked),
 * with stdout and stderr appended straight to sandbox files. Node never sees the output: the
 * child gets the file descriptors, so a chatty task costs the host no memory and no CPU.
 *
 * Killing follows Mesos: SIGTERM to the group, SIGKILL to the group when the grace period ends.
 * When the group leader exits, whatever it left in its group is SIGKILLed, as Mesos' launcher
 * destroys a finished container. The only timer is the kill escalation, alive only while killing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ForkServer } from './fork-server.js';
import { TaskLauncher, type SpawnHandlers, type SpawnRequest } from './task-launcher.js';
import type { CommandLine, TaskExit } from './task-outcome.js';

interface Launcher {
  readonly usable: boolean;
  spawn(request: SpawnRequest, handlers: SpawnHandlers): void;
}

/**
 * What starts task processes, chosen on first use: the perl fork server (fork-server.ts), else a
 * worker thread (task-launcher.ts), else this thread. MERIDIAN_SPAWNER=perl|worker|inline forces one.
 */
let taskLauncher: Launcher | null | undefined;
const pinnedSpawner = process.env.MERIDIAN_SPAWNER;

function chooseLauncher(): Launcher | null {
  const wanted = pinnedSpawner ?? 'perl';
  if (wanted === 'inline') return null;
  if (wanted === 'perl') {
    const server = ForkServer.start();
    if (server) return server;
  }
  return TaskLauncher.start();
}

function launcher(): Launcher | null {
  if (taskLauncher === undefined) taskLauncher = chooseLauncher();
  if (taskLauncher && !taskLauncher.usable) taskLauncher = chooseLauncher();
  return taskLauncher;
}

export interface TaskProcessOptions {
  commandLine: Extract<CommandLine, { ok: true }>;
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
}

export class TaskProcess {
  private childPid: number | undefined = undefined;
  private exit: TaskExit | null = null;
  private escalation: NodeJS.Timeout | null = null;
  private escalationAtMs = Number.POSITIVE_INFINITY;
  /** A kill that came before the process existed, applied once it does. */
  private killBeforeStart: { gracePeriodMs: number; nowMs: number } | null = null;

  private constructor(private readonly onExit: (exit: TaskExit) => void, private readonly onStarted: () => void) {}

  /**
   * Starts the process; `onStarted` runs once it exists (at once, or a moment later when a helper
   * starts it). Never throws: a failure to start (sandbox files, ENOENT, EACCES) arrives through
   * `onExit` as `launch-failed`.
   */
  static start(options: TaskProcessOptions, onExit: (exit: TaskExit) => void, onStarted: () => void): TaskProcess {
    const task = new TaskProcess(onExit, onStarted);
    const server = launcher();
    if (server) task.spawnThrough(server, options);
    else task.spawnChild(options);
    return task;
  }

  /** True once the OS created the process (a pid exists). */
  get started(): boolean {
    return this.childPid !== undefined;
  }

  get pid(): number | undefined {
    return this.childPid;
  }

  get exited(): boolean {
    return this.exit !== null;
  }

  /**
   * SIGTERM to the group now, SIGKILL after `gracePeriodMs`. A second kill may only shorten the
   * grace period (Mesos lets a framework escalate a kill), never lengthen it.
   */
  kill(gracePeriodMs: number, nowMs: number): void {
    if (this.exit !== null) return;
    if (!this.started) {
      this.killBeforeStart = { gracePeriodMs, nowMs };
      return;
    }
    const killAtMs = nowMs + gracePeriodMs;
    if (killAtMs >= this.escalationAtMs) return;
    const first = this.escalationAtMs === Number.POSITIVE_INFINITY;
    this.escalationAtMs = killAtMs;
    if (first) this.signalGroup('SIGTERM');
    if (this.escalation !== null) clearTimeout(this.escalation);
    if (gracePeriodMs <= 0) {
      this.signalGroup('SIGKILL');
      return;
    }
    this.escalation = setTimeout(() => {
      this.escalation = null;
      this.signalGroup('SIGKILL');
    }, gracePeriodMs);
  }

  /** SIGKILL to the group at once, for an executor that is abandoning its tasks. */
  killNow(): void {
    if (this.exit === null) this.signalGroup('SIGKILL');
  }

  private spawnThrough(server: Launcher, options: TaskProcessOptions): void {
    server.spawn(
      {
        file: options.commandLine.file,
        argv0: options.commandLine.argv0,
        args: options.commandLine.args,
        cwd: options.cwd,
        env: options.env,
        stdoutPath: options.stdoutPath,
        stderrPath: options.stderrPath,
      },
      {
        started: (pid) => this.markStarted(pid),
        exited: (exit) => this.finish(exit),
      },
    );
  }

  private markStarted(pid: number): void {
    if (this.exit !== null) return;
    this.childPid = pid;
    this.onStarted();
    const pendingKill = this.killBeforeStart;
    this.killBeforeStart = null;
    if (pendingKill) this.kill(pendingKill.gracePeriodMs, pendingKill.nowMs);
  }

  private spawnChild(options: TaskProcessOptions): void {
    let stdoutFd: number | null = null;
    let stderrFd: number | null = null;
    try {
      stdoutFd = fs.openSync(options.stdoutPath, 'a');
      stderrFd = fs.openSync(options.stderrPath, 'a');
      const child = spawn(options.commandLine.file, options.commandLine.args, {
        argv0: options.commandLine.argv0,
        cwd: options.cwd,
        env: options.env,
        stdio: ['ignore', stdoutFd, stderrFd],
        detached: true,
      });
      if (child.pid !== undefined) setImmediate(() => this.markStarted(child.pid as number));
      child.on('error', (error) => {
        // After a successful spawn, 'error' only reports a failed kill; we signal with process.kill.
        if (!this.started) this.finish({ kind: 'launch-failed', message: `Failed to launch the command: ${error.message}` });
      });
      child.once('exit', (code, signal) => {
        if (signal !== null) this.finish({ kind: 'signaled', signal });
        else this.finish({ kind: 'exited', code: code ?? 0 });
      });
    } catch (error) {
      const message = `Failed to launch the command: ${(error as Error).message}`;
      setImmediate(() => this.finish({ kind: 'launch-failed', message }));
    } finally {
      // The child holds its own copies; the host must not leak one pair per task.
      if (stdoutFd !== null) fs.closeSync(stdoutFd);
      if (stderrFd !== null) fs.closeSync(stderrFd);
    }
  }

  private finish(exit: TaskExit): void {
    if (this.exit !== null) return;
    this.exit = exit;
    if (this.escalation !== null) clearTimeout(this.escalation);
    this.escalation = null;
    // Reap what the task left behind in its group, as destroying its container would.
    if (this.started) this.signalGroup('SIGKILL');
    this.onExit(exit);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.childPid === undefined) return;
    try {
      process.kill(-this.childPid, signal);
      return;
    } catch (error) {
      // EPERM (a member changed its user) cannot be helped from here, and must not take the other
      // tasks of the host down. ESRCH after the process exited: the group is gone, as wanted.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH' || this.exit !== null) return;
    }
    // ESRCH while the process lives: the fork server reports a child as soon as it is forked, and
    // the child makes its own session (and group) just after, so a kill sent at once would be lost
    // and the task would wait out the whole grace period. The child itself is there: signal it.
    try {
      process.kill(this.childPid, signal);
    } catch {
      // Gone meanwhile: what we wanted.
    }
  }
}
