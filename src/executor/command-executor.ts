/**
 * Mesos' command executor, hosted: one task per executor, run as the task's CommandInfo says, in
 * the sandbox, with stdout and stderr appended to `<sandbox>/stdout` and `<sandbox>/stderr`.
 * The executor ends once its task's terminal update is acknowledged.
 */
import type { KillPolicy, TaskGroupInfo, TaskInfo } from '../api/mesos.js';
import type { ExecutorBehavior, StatusSink } from './executor-session.js';
import { refuseTask, RunningTask, type ExecutorContext } from './running-task.js';
import { gracePeriodMsOf, taskEnvironmentOf } from './task-outcome.js';

/** The command executor's behaviour; the session does the talking. */
export class CommandExecutor implements ExecutorBehavior {
  private task: RunningTask | null = null;
  private launchedFlag = false;

  constructor(
    private readonly sink: StatusSink,
    private readonly context: ExecutorContext,
  ) {}

  get launched(): boolean {
    return this.launchedFlag;
  }

  get liveTaskCount(): number {
    return this.task !== null && !this.task.terminal ? 1 : 0;
  }

  launch(task: TaskInfo): void {
    this.launchedFlag = true;
    if (this.task !== null) {
      // Mesos' answer, word for word: a command executor runs exactly one task.
      refuseTask(this.sink, task, 'Attempted to run multiple tasks using a "command" executor', 'REASON_TASK_INVALID');
      return;
    }
    const { directory } = this.context;
    this.sink.trackTask(task);
    this.task = new RunningTask({
      task,
      cwd: directory,
      logDirectory: directory,
      env: taskEnvironmentOf({
        inherited: this.context.inheritedEnvironment,
        executor: this.context.environment,
        sandbox: directory,
        taskId: task.task_id.value,
        command: task.command,
      }),
      launchFailureReason: 'REASON_COMMAND_EXECUTOR_FAILED',
      sink: this.sink,
      clock: this.context.clock,
      onTerminal: () => {},
    });
    this.task.start();
  }

  launchGroup(group: TaskGroupInfo): void {
    this.launchedFlag = true;
    for (const task of group.tasks) {
      refuseTask(this.sink, task, 'The "command" executor cannot run task groups', 'REASON_TASK_GROUP_INVALID');
    }
  }

  kill(taskId: string, killPolicy: KillPolicy | undefined): void {
    if (this.task === null || this.task.id !== taskId) {
      this.context.log.warn({ task_id: taskId }, 'kill of a task this executor does not run');
      return;
    }
    this.task.kill(gracePeriodMsOf(killPolicy, this.task.info.kill_policy));
  }

  shutdown(gracePeriodMs: number | undefined): void {
    if (this.task === null) return;
    this.task.kill(gracePeriodMs ?? gracePeriodMsOf(this.task.info.kill_policy));
  }

  killAllNow(): void {
    this.task?.killNow();
  }
}
