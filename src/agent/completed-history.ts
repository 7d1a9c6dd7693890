/**
 * The agent's memory of work that ended: tasks whose updates were all acknowledged, executor runs
 * that exited, frameworks with nothing left here. The agent forgets these as soon as they end (its
 * journal is about what still runs); operators still want to see them, as Mesos' agent shows them
 * in `/state`, GET_TASKS and GET_EXECUTORS. Bounded with Mesos' agent limits, oldest evicted
 * first. Kept in memory only: a restarted agent starts with an empty history (its sandboxes stay
 * on disk and `/files` still serves them).
 */
import type { ExecutorInfo, FrameworkInfo, Task } from '../api/mesos.js';
import type { CompletedExecutor, CompletedFramework } from './agent-view.js';

/** Mesos' agent keeps 50 completed frameworks, 150 completed executors a framework, 200 tasks an executor. */
export const COMPLETED_FRAMEWORKS_MAX = 50;
export const COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX = 150;
export const COMPLETED_TASKS_PER_EXECUTOR_MAX = 200;

interface FrameworkHistory {
  info: FrameworkInfo;
  completedExecutors: CompletedExecutor[];
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

export class CompletedHistory {
  /** Completed tasks of runs that still go on, by container id. */
  private readonly tasksByContainer = new Map<string, Task[]>();
  /** Frameworks with completed executors, or completed themselves, by id (insertion order = first seen). */
  private readonly frameworks = new Map<string, FrameworkHistory>();
  /** Ids of frameworks that completed, oldest first. */
  private readonly completedOrder: string[] = [];

  /** A task ended and its last update was acknowledged. */
  taskCompleted(containerId: string, task: Task): void {
    let tasks = this.tasksByContainer.get(containerId);
    if (!tasks) {
      tasks = [];
      this.tasksByContainer.set(containerId, tasks);
    }
    pushBounded(tasks, task, COMPLETED_TASKS_PER_EXECUTOR_MAX);
  }

  /** Completed tasks of a run that goes on. */
  completedTasksOf(containerId: string): readonly Task[] {
    return this.tasksByContainer.get(containerId) ?? [];
  }

  /** An executor run ended and the agent forgets it: it becomes a completed executor of its framework. */
  executorCompleted(framework: FrameworkInfo, run: { frameworkId: string; info: ExecutorInfo; containerId: string; directory: string }): void {
    const tasks = this.tasksByContainer.get(run.containerId) ?? [];
    this.tasksByContainer.delete(run.containerId);
    const history = this.frameworkHistory(run.frameworkId, framework);
    pushBounded(history.completedExecutors, { ...run, tasks }, COMPLETED_EXECUTORS_PER_FRAMEWORK_MAX);
  }

  /** A framework has nothing left on the agent. */
  frameworkCompleted(framework: FrameworkInfo): void {
    const id = framework.id?.value ?? '';
    this.frameworkHistory(id, framework);
    const at = this.completedOrder.indexOf(id);
    if (at >= 0) this.completedOrder.splice(at, 1);
    this.completedOrder.push(id);
    while (this.completedOrder.length > COMPLETED_FRAMEWORKS_MAX) {
      this.frameworks.delete(this.completedOrder.shift() as string);
    }
  }

  /** Completed executors of a framework (live or not), oldest first. */
  completedExecutorsOf(frameworkId: string): readonly CompletedExecutor[] {
    return this.frameworks.get(frameworkId)?.completedExecutors ?? [];
  }

  /** Frameworks that completed and are not live again (`liveIds`), oldest first. */
  completedFrameworks(liveIds: ReadonlySet<string>): CompletedFramework[] {
    return this.completedOrder
      .filter((id) => !liveIds.has(id))
      .map((id) => this.frameworks.get(id) as FrameworkHistory)
      .map((history) => ({ info: history.info, completedExecutors: [...history.completedExecutors] }));
  }

  private frameworkHistory(id: string, info: FrameworkInfo): FrameworkHistory {
    let history = this.frameworks.get(id);
    if (!history) {
      history = { info, completedExecutors: [] };
      this.frameworks.set(id, history);
    } else {
      history.info = info;
    }
    return history;
  }
}
