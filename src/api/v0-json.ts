/**
 * Tasks as Mesos' v0 JSON endpoints show them (the master's `/master/state`, `/master/tasks`, and
 * the agent's `/state`): string ids, summarized resources, statuses without their uuid.
 */
import type { Task, TaskStatus } from './mesos.js';
import { summarize } from '../common/resources/resources.js';

// Fields are set one after another (not spread from optional objects): a cluster has hundreds of
// thousands of tasks, and the order of setting is the order in the JSON.

function statusJson(status: TaskStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { state: status.state, timestamp: status.timestamp ?? 0 };
  if (status.labels) out.labels = status.labels.labels ?? [];
  if (status.container_status !== undefined) out.container_status = status.container_status;
  if (status.healthy !== undefined) out.healthy = status.healthy;
  return out;
}

/** A task as every v0 endpoint shows it; `role` is the role its resources are allocated to. */
export function taskJson(task: Task, role: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? '',
    slave_id: task.agent_id.value,
    state: task.state,
    resources: summarize(task.resources),
  };
  if (role !== undefined) out.role = role;
  out.statuses = task.statuses.map(statusJson);
  if (task.user !== undefined) out.user = task.user;
  if (task.labels) out.labels = task.labels.labels ?? [];
  if (task.discovery !== undefined) out.discovery = task.discovery;
  if (task.container !== undefined) out.container = task.container;
  return out;
}

/** The role a task's resources are allocated to. */
export const completedTaskRole = (task: Task): string | undefined => task.resources[0]?.allocation_info?.role;
