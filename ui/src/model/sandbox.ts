/**
 * Finding a task's sandbox on its agent. The agent's `/state` lists each executor with its
 * `directory`; an ended framework's executors move to `completed_frameworks` and
 * `completed_executors`, as in Mesos. When the agent no longer lists the executor, Mesos' virtual
 * path for the executor's latest run is the way in.
 */

interface AgentTaskJson {
  id?: string;
  task_id?: { value: string };
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

/** The parts of an agent's `/state` the sandbox lookup reads. */
export interface AgentStateJson {
  id?: string;
  frameworks?: AgentFrameworkJson[];
  completed_frameworks?: AgentFrameworkJson[];
}

export interface SandboxLocation {
  path: string;
  /** `state`: the directory the agent reported; `virtual`: Mesos' path for the latest run, the agent did not list the executor. */
  source: 'state' | 'virtual';
}

const taskIdOf = (task: AgentTaskJson): string | undefined => task.id ?? task.task_id?.value;

function holdsTask(executor: AgentExecutorJson, taskId: string): boolean {
  for (const list of [executor.tasks, executor.queued_tasks, executor.completed_tasks]) {
    if ((list ?? []).some((task) => taskIdOf(task) === taskId)) return true;
  }
  return false;
}

/** Mesos' virtual path of an executor's latest run, which the agent's `/files` endpoints accept. */
export const virtualSandboxPath = (frameworkId: string, executorId: string): string =>
  `/frameworks/${frameworkId}/executors/${executorId}/runs/latest`;

/**
 * The sandbox of a task: the directory of the executor that holds it (live frameworks first; an
 * executor may have run several times, and the one listing the task wins), else the virtual path.
 */
export function findSandbox(agentState: AgentStateJson, frameworkId: string, executorId: string, taskId: string): SandboxLocation {
  let byExecutorId: string | undefined;
  for (const framework of [...(agentState.frameworks ?? []), ...(agentState.completed_frameworks ?? [])]) {
    if (framework.id !== frameworkId) continue;
    for (const executor of [...(framework.executors ?? []), ...(framework.completed_executors ?? [])]) {
      if (!executor.directory) continue;
      if (holdsTask(executor, taskId)) return { path: executor.directory, source: 'state' };
      if (executor.id === executorId) byExecutorId ??= executor.directory;
    }
  }
  if (byExecutorId !== undefined) return { path: byExecutorId, source: 'state' };
  return { path: virtualSandboxPath(frameworkId, executorId), source: 'virtual' };
}

/** Joins a sandbox-relative name onto a directory, the way `/files/browse` paths read. */
export function joinPath(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
}

/** The parent of a path, never above `root`. */
export function parentWithin(path: string, root: string): string {
  if (path === root || !path.startsWith(root)) return root;
  const parent = path.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
  return parent.length < root.length ? root : parent;
}
