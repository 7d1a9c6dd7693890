/**
 * Finding a task and its sandbox for `meridian logs`. The master knows where a task runs (its
 * agent and executor); only the agent knows the sandbox directory, which its `/state` lists
 * under the executor (`directory`). Pure: the answers in, a location or the reason there is none
 * out.
 */
import type { GetTasksJson, IdJson, TaskJson } from './operator-json.js';

export type TaskLookup =
  | { ok: true; task: TaskJson; executorId: string }
  | { ok: false; reason: 'unknown' | 'ambiguous' | 'no-agent'; message: string };

/**
 * The task with this id among the master's live, unreachable and completed tasks; `frameworkId`
 * picks one when several frameworks use the same task id. A command task has no `executor_id`:
 * its executor is named after the task, as the statuses from its executor say.
 */
export function findTask(tasks: GetTasksJson, taskId: string, frameworkId: string | null): TaskLookup {
  const matches = [...(tasks.tasks ?? []), ...(tasks.unreachable_tasks ?? []), ...(tasks.completed_tasks ?? [])]
    .filter((task) => task.task_id.value === taskId && (frameworkId === null || task.framework_id.value === frameworkId));
  if (matches.length === 0) {
    const where = frameworkId === null ? '' : ` of framework ${frameworkId}`;
    return { ok: false, reason: 'unknown', message: `no task ${taskId}${where} is known to the master (live or in its history of completed tasks)` };
  }
  const frameworks = [...new Set(matches.map((task) => task.framework_id.value))];
  if (frameworks.length > 1) {
    return { ok: false, reason: 'ambiguous', message: `task id ${taskId} is used by several frameworks (${frameworks.join(', ')}); pick one with --framework` };
  }
  // Live entries come first in `matches`, so a live task wins over an entry of the history.
  const task = matches[0] as TaskJson;
  if (task.agent_id === undefined) return { ok: false, reason: 'no-agent', message: `task ${taskId} was never placed on an agent` };
  const fromStatus = [...(task.statuses ?? [])].reverse().find((status) => status.executor_id !== undefined)?.executor_id;
  return { ok: true, task, executorId: (task.executor_id ?? fromStatus ?? task.task_id).value };
}

interface AgentTaskJson {
  id?: string;
  task_id?: IdJson;
}

interface AgentExecutorJson {
  id?: string;
  directory?: string;
  tasks?: AgentTaskJson[];
  queued_tasks?: AgentTaskJson[];
  completed_tasks?: AgentTaskJson[];
}

interface AgentFrameworkJson {
  id?: string;
  executors?: AgentExecutorJson[];
  completed_executors?: AgentExecutorJson[];
}

/** The parts of an agent's `/state` the lookup reads; tasks carry `id` (Mesos) or `task_id`. */
export interface AgentStateJson {
  frameworks?: AgentFrameworkJson[];
  completed_frameworks?: AgentFrameworkJson[];
}

const holdsTask = (executor: AgentExecutorJson, taskId: string): boolean =>
  [executor.tasks, executor.queued_tasks, executor.completed_tasks].some((list) =>
    (list ?? []).some((task) => (task.id ?? task.task_id?.value) === taskId));

/**
 * The sandbox of a task: the directory of the executor run that lists the task (live frameworks
 * first), else of the latest run of its executor id; otherwise Mesos' virtual path of the
 * executor's latest run, which the agent's `/files` endpoints also take (and answer 404 once the
 * sandbox is gone).
 */
export function sandboxOf(agentState: AgentStateJson, frameworkId: string, executorId: string, taskId: string): string {
  let byExecutorId: string | undefined;
  for (const framework of [...(agentState.frameworks ?? []), ...(agentState.completed_frameworks ?? [])]) {
    if (framework.id !== frameworkId) continue;
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      if (executor.directory === undefined) continue;
      if (holdsTask(executor, taskId)) return executor.directory;
      if (executor.id === executorId) byExecutorId ??= executor.directory;
    }
  }
  return byExecutorId ?? `/frameworks/${frameworkId}/executors/${executorId}/runs/latest`;
}
