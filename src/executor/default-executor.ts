/**
 * Mesos' default executor, hosted: runs task groups (LAUNCH_GROUP). Every task of a group runs in
 * the executor's sandbox with its own status stream and its own `<sandbox>/tasks/<task_id>/stdout`
 * and `stderr`. As in Mesos, a group lives and dies together: a task that fails, or a KILL of any
 * one task, kills the rest of its group. More groups may arrive on the same executor; the
 * executor ends when every task is terminal and acknowledged.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KillPolicy, TaskGroupInfo, TaskInfo } from '../api/mesos.js';
import type { ExecutorBehavior, StatusSink } from './executor-session.js';
import { refuseTask, RunningTask, type ExecutorContext } from './running-task.js';
import { gracePeriodMsOf, isSafePathSegment, taskEnvironmentOf, type TerminalOutcome } from './task-outcome.js';

/** The default executor's behaviour; the session does the talking. */
export class DefaultExecutor implements ExecutorBehavior {
  /** Tasks not yet terminal, by id. */
  private readonly live = new Map<string, RunningTask>();
  /** The live members of each live task's group (one Set shared by the group). */
  private readonly groupOf = new Map<string, Set<RunningTask>>();
  /** Every task id this executor was given, so a repeated id is refused rather than run twice. */
  private readonly seen = new Set<string>();
  private launchedFlag = false;

  constructor(
    private readonly sink: StatusSink,
    private readonly context: ExecutorContext,
  ) {}

  get launched(): boolean {
    return this.launchedFlag;
  }

  get liveTaskCount(): number {
    return this.live.size;
  }

  launch(task: TaskInfo): void {
    this.launchedFlag = true;
    refuseTask(this.sink, task, 'The "default" executor runs task groups (LAUNCH_GROUP), not single tasks', 'REASON_TASK_INVALID');
  }

  launchGroup(group: TaskGroupInfo): void {
    this.launchedFlag = true;
    const problem = this.checkGroup(group) ?? this.createTaskDirectories(group);
    if (problem !== null) {
      // A group launches atomically: if one task cannot run, none does.
      for (const task of group.tasks) if (!this.seen.has(task.task_id.value)) refuseTask(this.sink, task, problem.message, problem.reason);
      for (const task of group.tasks) this.seen.add(task.task_id.value);
      return;
    }
    const members = new Set<RunningTask>();
    for (const task of group.tasks) {
      const running = this.createTask(task);
      this.seen.add(running.id);
      this.live.set(running.id, running);
      this.groupOf.set(running.id, members);
      members.add(running);
      this.sink.trackTask(task);
    }
    // A member that fails while its siblings start kills them; those not started yet never start.
    for (const running of [...members]) running.start();
  }

  kill(taskId: string, killPolicy: KillPolicy | undefined): void {
    const members = this.groupOf.get(taskId);
    if (members === undefined) {
      this.context.log.warn({ task_id: taskId }, 'kill of a task that is not running here');
      return;
    }
    // Mesos' default executor kills a task group as a whole.
    for (const member of [...members]) member.kill(gracePeriodMsOf(killPolicy, member.info.kill_policy));
  }

  shutdown(gracePeriodMs: number | undefined): void {
    for (const task of [...this.live.values()]) task.kill(gracePeriodMs ?? gracePeriodMsOf(task.info.kill_policy));
  }

  killAllNow(): void {
    for (const task of [...this.live.values()]) task.killNow();
  }

  private checkGroup(group: TaskGroupInfo): { message: string; reason: 'REASON_TASK_GROUP_INVALID' } | null {
    if (group.tasks.length === 0) return { message: 'Task group is empty', reason: 'REASON_TASK_GROUP_INVALID' };
    const ids = new Set<string>();
    for (const task of group.tasks) {
      const id = task.task_id.value;
      if (!isSafePathSegment(id)) return { message: `Task id '${id}' cannot name a sandbox directory`, reason: 'REASON_TASK_GROUP_INVALID' };
      if (ids.has(id) || this.seen.has(id)) return { message: `Task id '${id}' is used twice`, reason: 'REASON_TASK_GROUP_INVALID' };
      ids.add(id);
    }
    return null;
  }

  private createTaskDirectories(group: TaskGroupInfo): { message: string; reason: 'REASON_CONTAINER_LAUNCH_FAILED' } | null {
    try {
      for (const task of group.tasks) fs.mkdirSync(this.logDirectoryOf(task.task_id.value), { recursive: true });
      return null;
    } catch (error) {
      return { message: `Failed to create the task sandbox: ${(error as Error).message}`, reason: 'REASON_CONTAINER_LAUNCH_FAILED' };
    }
  }

  private createTask(task: TaskInfo): RunningTask {
    const { directory } = this.context;
    return new RunningTask({
      task,
      cwd: directory,
      logDirectory: this.logDirectoryOf(task.task_id.value),
      env: taskEnvironmentOf({
        inherited: this.context.inheritedEnvironment,
        executor: this.context.environment,
        sandbox: directory,
        taskId: task.task_id.value,
        command: task.command,
      }),
      launchFailureReason: 'REASON_CONTAINER_LAUNCH_FAILED',
      sink: this.sink,
      clock: this.context.clock,
      onTerminal: (running, outcome) => this.onTaskTerminal(running, outcome),
    });
  }

  private onTaskTerminal(task: RunningTask, outcome: TerminalOutcome): void {
    this.live.delete(task.id);
    const members = this.groupOf.get(task.id);
    this.groupOf.delete(task.id);
    if (members === undefined) return;
    members.delete(task);
    // Only a failure brings the group down: a task that finishes leaves its siblings running, and a
    // TASK_KILLED here is always one we asked for (an unrequested signal death is TASK_FAILED).
    if (outcome.state !== 'TASK_FAILED') return;
    this.context.log.info({ task_id: task.id, siblings: members.size }, 'a task of the group failed; killing the rest');
    for (const member of [...members]) member.kill(gracePeriodMsOf(member.info.kill_policy));
  }

  private logDirectoryOf(taskId: string): string {
    return path.join(this.context.directory, 'tasks', taskId);
  }
}
