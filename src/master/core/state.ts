/**
 * The master's in-memory records of frameworks, agents, offers and tasks. Tasks and frameworks are
 * not durable: after a master restart they are rebuilt when agents reregister and frameworks
 * resubscribe, as in Mesos.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, Task } from '../../api/mesos.js';
import type { AgentId, ExecutorId, FrameworkId, OfferId, TaskId } from '../../common/ids.js';
import type { ConnectionId } from './types.js';

export interface TaskRecord {
  /** The wire record, kept current as updates arrive; `state` is the latest state known. */
  task: Task;
  frameworkId: FrameworkId;
  agentId: AgentId;
  /** Resources in the normalised (refinement) format, with allocation_info.role set. */
  resources: Resource[];
  /** True once the task's resources went back to the allocator (its latest state is terminal). */
  resourcesRecovered: boolean;
  /** When the master marked the task unreachable (its agent stopped answering). */
  unreachableAtMs?: number;
}

export interface FrameworkRecord {
  id: FrameworkId;
  info: FrameworkInfo;
  roles: string[];
  capabilities: Set<string>;
  /** The open subscription, or null while the scheduler is disconnected. */
  connectionId: ConnectionId | null;
  registeredAtMs: number;
  reregisteredAtMs: number | null;
  unregisteredAtMs: number | null;
  suppressedRoles: Set<string>;
  offers: Set<OfferId>;
  /** Non-terminal tasks, and terminal ones whose terminal update is not yet acknowledged. */
  tasks: Map<TaskId, TaskRecord>;
  /** Tasks on unreachable agents, kept to answer reconciliation. */
  unreachableTasks: Map<TaskId, TaskRecord>;
  completedTasks: Task[];
  /**
   * Bumped whenever one of its task lists (live, unreachable, completed) gains, loses or changes
   * a task, in place or not: readers that keep text of the lists compare it instead of every task.
   */
  taskChanges: number;
  /** Executors per agent, with their resources (the built-in command executor has none). */
  executors: Map<AgentId, Map<ExecutorId, ExecutorInfo>>;
}

export interface AgentRecord {
  id: AgentId;
  info: AgentInfo;
  total: Resource[];
  version: string;
  remoteIp: string;
  connectionId: ConnectionId | null;
  registeredAtMs: number;
  reregisteredAtMs: number | null;
  awaitingPong: boolean;
  missedPings: number;
  /** Task keys (`frameworkId taskId`) of tasks on this agent. */
  tasks: Set<string>;
  offers: Set<OfferId>;
}

export interface OfferRecord {
  id: OfferId;
  frameworkId: FrameworkId;
  agentId: AgentId;
  role: string;
  /** Normalised format, allocation_info.role set. */
  resources: Resource[];
  createdAtMs: number;
}

export interface UnreachableAgent {
  info: AgentInfo;
  unreachableAtMs: number;
}

export const taskKey = (frameworkId: FrameworkId, taskId: TaskId): string => `${frameworkId} ${taskId}`;

export function hasCapability(framework: FrameworkRecord, capability: string): boolean {
  return framework.capabilities.has(capability);
}
