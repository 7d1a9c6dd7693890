/**
 * What the agent's operator endpoints read of it: a plain snapshot of its frameworks, executors
 * and tasks, taken at the start of a request. The Operator API (operator-api.ts), the monitor
 * (monitor.ts) and the sandbox files (files.ts) read this instead of the agent's internals, so
 * they can be tested with hand-made snapshots and the agent keeps its maps to itself.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, Task } from '../api/mesos.js';

export type ExecutorRunState = 'registering' | 'running' | 'terminated';

/** A task the agent looks after, as the wire `Task` plus where it is in its life here. */
export interface TaskSnapshot {
  task: Task;
  /** LAUNCH went to the executor (false: queued until the executor subscribes). */
  launched: boolean;
}

/** One run of an executor (a container, in Mesos' words) and its sandbox. */
export interface ExecutorSnapshot {
  frameworkId: string;
  info: ExecutorInfo;
  containerId: string;
  /** The sandbox directory, as `/state` shows it. */
  directory: string;
  state: ExecutorRunState;
  /** Built-in executors (command, default) run inside the executor host; custom ones are their own process. */
  hosted: boolean;
  /** The executor's own process, when the agent launched it (custom executors). */
  pid: number | null;
  tasks: TaskSnapshot[];
  /** Tasks of this run that ended and whose updates were all acknowledged, oldest first. */
  completedTasks: Task[];
}

export interface FrameworkSnapshot {
  info: FrameworkInfo;
  executors: ExecutorSnapshot[];
  completedExecutors: CompletedExecutor[];
}

/** An executor run that ended, kept (bounded) so operators still find its tasks and sandbox. */
export interface CompletedExecutor {
  frameworkId: string;
  info: ExecutorInfo;
  containerId: string;
  directory: string;
  tasks: Task[];
}

export interface CompletedFramework {
  info: FrameworkInfo;
  completedExecutors: CompletedExecutor[];
}

export interface AgentSnapshot {
  /** Null until the master has given the agent an id. */
  agentId: string | null;
  agentInfo: AgentInfo;
  /** The address the agent serves on; containers share the host network. */
  ip: string;
  /** `--work_dir`, absolute: sandboxes live under `<work_dir>/slaves/`. */
  workDir: string;
  version: string;
  flags: Readonly<Record<string, string>>;
  /** The process hosting built-in executors, if one runs. */
  executorHostPid: number | null;
  frameworks: FrameworkSnapshot[];
  completedFrameworks: CompletedFramework[];
}

/** Resources a run holds: its executor's plus those of tasks not yet ended (what Mesos sets as the container's limits). */
export function runResources(executor: ExecutorSnapshot, isTerminal: (task: Task) => boolean): Resource[] {
  return [...(executor.info.resources ?? []), ...executor.tasks.filter((t) => !isTerminal(t.task)).flatMap((t) => t.task.resources)];
}
