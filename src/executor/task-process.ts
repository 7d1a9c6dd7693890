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
import type { CommandLine, TaskExit } from './task-outcome.js';

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

  private constructor(private readonly onExit: (exit: TaskExit) => void) {}

  /**
   * Starts the process. Never throws: a failure to start (sandbox files, ENOENT, EACCES) arrives
   * later through `onExit` as `launch-failed`, and `started` is false.
   */
  static start(options: TaskProcessOptions, onExit: (exit: TaskExit) => void): TaskProcess {
    const task = new TaskProcess(onExit);
    task.spawnChild(options);
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
    if (this.exit !== null || !this.started) return;
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
      this.childPid = child.pid;
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
    } catch {
      // ESRCH: the group is already gone, which is what we wanted. EPERM (a member changed its
      // user) cannot be helped from here, and must not take the other tasks of the host down.
    }
  }
}
