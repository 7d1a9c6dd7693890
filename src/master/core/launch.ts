/**
 * Validation of the tasks in an ACCEPT, as Mesos validates them: an invalid task gets TASK_ERROR
 * with REASON_TASK_INVALID (REASON_TASK_GROUP_INVALID for a group) and a message saying why; the
 * rest are launched from what remains of the offers, in order.
 */
import type { ExecutorInfo, Resource, TaskInfo } from '../../api/mesos.js';
import { addAll, contains, describe, validateResources } from '../../allocator/resource-math.js';

export type TaskCheck = { ok: true } | { ok: false; message: string };

/** Ids as Mesos accepts them: non-empty, printable, no '/', not '.' or '..'. */
export function validateId(kind: string, value: string): string | null {
  if (value.length === 0) return `${kind} must not be empty`;
  if (value === '.' || value === '..') return `${kind} '${value}' is not allowed`;
  if (value.includes('/')) return `${kind} '${value}' must not contain '/'`;
  if (/[\x00-\x1f\x7f]/.test(value)) return `${kind} '${value}' must not contain control characters`;
  return null;
}

export interface TaskContext {
  offerAgentId: string;
  /** Task ids the framework already runs, plus those accepted earlier in this ACCEPT. */
  taskIdInUse(taskId: string): boolean;
  /** The executor the framework already runs on the agent under this id, if any. */
  existingExecutor(executorId: string): ExecutorInfo | undefined;
}

/** Checks one task's description, independent of resources. */
export function validateTaskInfo(task: TaskInfo, context: TaskContext): TaskCheck {
  const idProblem = validateId('Task ID', task.task_id.value);
  if (idProblem) return { ok: false, message: idProblem };
  if (context.taskIdInUse(task.task_id.value)) return { ok: false, message: `Task has duplicate ID: ${task.task_id.value}` };
  if (task.agent_id.value !== context.offerAgentId) {
    return { ok: false, message: `Task uses agent ${task.agent_id.value} but the offers are from agent ${context.offerAgentId}` };
  }
  if ((task.executor === undefined) === (task.command === undefined)) {
    return { ok: false, message: 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present' };
  }
  if (task.command && task.command.shell !== false && task.command.value === undefined) {
    return { ok: false, message: "Task's CommandInfo must set 'value' when 'shell' is true" };
  }
  if (task.command && task.command.shell === false && task.command.value === undefined) {
    return { ok: false, message: "Task's CommandInfo must set 'value' (the program) when 'shell' is false" };
  }
  const resourceProblem = validateResources(task.resources ?? []);
  if (resourceProblem) return { ok: false, message: `Task has invalid resources: ${resourceProblem}` };
  if (task.executor) {
    const executorProblem = validateExecutor(task.executor, context);
    if (executorProblem) return { ok: false, message: executorProblem };
  }
  return { ok: true };
}

export function validateExecutor(executor: ExecutorInfo, context: TaskContext): string | null {
  const idProblem = validateId('Executor ID', executor.executor_id.value);
  if (idProblem) return idProblem;
  const resourceProblem = validateResources(executor.resources ?? []);
  if (resourceProblem) return `Executor has invalid resources: ${resourceProblem}`;
  if (executor.type !== 'DEFAULT' && executor.command === undefined) {
    return "ExecutorInfo of a custom executor must have 'command'";
  }
  const existing = context.existingExecutor(executor.executor_id.value);
  if (existing && JSON.stringify(existing.command ?? null) !== JSON.stringify(executor.command ?? null)) {
    return `ExecutorInfo for executor '${executor.executor_id.value}' differs from the one already running on the agent`;
  }
  return null;
}

/**
 * Resources a launch consumes: the task's, plus its executor's when that executor is not running
 * yet (it starts with this task and holds its resources until it exits).
 */
export function resourcesToConsume(taskResources: readonly Resource[], executorResources: readonly Resource[] | null): Resource[] {
  return executorResources ? addAll(taskResources, executorResources) : [...taskResources];
}

export function checkFits(needed: readonly Resource[], available: readonly Resource[], what: string): TaskCheck {
  if (contains(available, needed)) return { ok: true };
  return { ok: false, message: `${what} uses more resources than available: needs ${describe(needed)}; available ${describe(available)}` };
}
