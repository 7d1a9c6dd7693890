/**
 * The UI's picture of the cluster, built only from the master's Operator API event stream: the
 * SUBSCRIBED event's `get_state` sets it, and each later event changes it. `applyEvent` is
 * deterministic and does no IO (the time comes in as an argument), so the same stream always
 * gives the same picture and unit tests replay streams directly. It mutates the state in place
 * and bumps `revision`, because copying 10,000 tasks per event would cost more than rendering.
 */
import { reservationRole, sumResources, type ResourceAmounts } from './resources.js';
import {
  isTerminalTaskState, type AgentEntry, type Attribute, type FrameworkEntry, type FrameworkInfo, type GetState, type MasterEvent,
  type Task, type TaskStatus, type TimeInfo,
} from './wire.js';

/** Ended tasks kept for display; the oldest are forgotten first, so a long-lived page stays small. */
export const ENDED_TASKS_MAX = 20_000;
/** Removed frameworks kept for display, oldest forgotten first. */
export const REMOVED_FRAMEWORKS_MAX = 100;
/** Status updates kept per task: the first ones and the latest are what people look at. */
export const STATUSES_PER_TASK_MAX = 20;

export interface AgentRecord {
  id: string;
  hostname: string;
  port: number;
  /** `slave(1)@ip:port`, as Mesos writes it; empty when the master did not say. */
  pid: string;
  active: boolean;
  version: string;
  registeredAtSeconds: number | null;
  total: ResourceAmounts;
  attributes: Attribute[];
}

export interface FrameworkRecord {
  id: string;
  name: string;
  roles: string[];
  user: string;
  principal: string;
  hostname: string;
  webuiUrl: string;
  capabilities: string[];
  active: boolean;
  connected: boolean;
  registeredAtSeconds: number | null;
  /** Set once FRAMEWORK_REMOVED arrives: the framework is kept, marked, for its ended tasks. */
  removed: boolean;
}

export interface TaskRecord {
  /** Unique in the cluster: task ids are unique per framework only, and Mesos ids never hold '/'. */
  key: string;
  id: string;
  name: string;
  frameworkId: string;
  agentId: string;
  /** The executor running the task; Mesos' command executor takes the task's id. */
  executorId: string;
  state: string;
  role: string;
  resources: ResourceAmounts;
  statuses: TaskStatus[];
  /** Seconds since the epoch of the latest status, or null before the first one. */
  updatedAtSeconds: number | null;
  /** Order of the latest change across all tasks: the tasks view lists the most recent first. */
  changeSeq: number;
}

export interface ClusterState {
  agents: Map<string, AgentRecord>;
  frameworks: Map<string, FrameworkRecord>;
  tasks: Map<string, TaskRecord>;
  /** Keys of ended tasks in the order they ended (a Map keeps insertion order): the oldest go first. */
  endedTaskKeys: Map<string, true>;
  /** Ids of removed frameworks in the order they were removed. */
  removedFrameworkIds: Map<string, true>;
  heartbeatIntervalSeconds: number | null;
  /** Whether a SUBSCRIBED has arrived; until then the picture is empty, not "a cluster with nothing". */
  subscribed: boolean;
  lastEventAtMs: number | null;
  /** Events that named a task, agent or framework the picture does not hold (kept for the status bar). */
  unknownReferences: number;
  /** Bumped by every change; views recompute what they derive when it moves. */
  revision: number;
  changeSeq: number;
}

export function emptyClusterState(): ClusterState {
  return {
    agents: new Map(),
    frameworks: new Map(),
    tasks: new Map(),
    endedTaskKeys: new Map(),
    removedFrameworkIds: new Map(),
    heartbeatIntervalSeconds: null,
    subscribed: false,
    lastEventAtMs: null,
    unknownReferences: 0,
    revision: 0,
    changeSeq: 0,
  };
}

export const taskKey = (frameworkId: string, taskId: string): string => `${frameworkId}/${taskId}`;

export function secondsOf(time: TimeInfo | undefined): number | null {
  if (time === undefined) return null;
  const nanoseconds = Number(time.nanoseconds);
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : null;
}

function agentRecord(entry: AgentEntry): AgentRecord | null {
  const info = entry.agent_info;
  const id = info.id?.value;
  if (!id) return null;
  return {
    id,
    hostname: info.hostname,
    port: info.port ?? 5051,
    pid: entry.pid ?? '',
    active: entry.active ?? true,
    version: entry.version ?? '',
    registeredAtSeconds: secondsOf(entry.registered_time),
    total: sumResources(entry.total_resources ?? info.resources),
    attributes: info.attributes ?? [],
  };
}

function frameworkRoles(info: FrameworkInfo): string[] {
  if (info.roles && info.roles.length > 0) return [...info.roles];
  return [info.role ?? '*'];
}

function frameworkRecord(entry: FrameworkEntry, removed: boolean): FrameworkRecord | null {
  const info = entry.framework_info;
  const id = info.id?.value;
  if (!id) return null;
  return {
    id,
    name: info.name,
    roles: frameworkRoles(info),
    user: info.user ?? '',
    principal: info.principal ?? '',
    hostname: info.hostname ?? '',
    webuiUrl: info.webui_url ?? '',
    capabilities: (info.capabilities ?? []).map((capability) => capability.type),
    active: !removed && (entry.active ?? false),
    connected: !removed && (entry.connected ?? false),
    registeredAtSeconds: secondsOf(entry.registered_time),
    removed,
  };
}

function keptStatuses(statuses: TaskStatus[]): TaskStatus[] {
  if (statuses.length <= STATUSES_PER_TASK_MAX) return statuses;
  // The first status says how the task began; the rest are the latest.
  return [statuses[0] as TaskStatus, ...statuses.slice(statuses.length - STATUSES_PER_TASK_MAX + 1)];
}

function taskRecord(task: Task, changeSeq: number): TaskRecord {
  // The event's own array is kept (not copied): events are parsed for this picture alone.
  const statuses = keptStatuses(task.statuses ?? []);
  const first = task.resources?.[0];
  return {
    key: taskKey(task.framework_id.value, task.task_id.value),
    id: task.task_id.value,
    name: task.name,
    frameworkId: task.framework_id.value,
    agentId: task.agent_id.value,
    executorId: task.executor_id?.value || task.task_id.value,
    state: task.state,
    role: first ? (first.allocation_info?.role ?? reservationRole(first)) : '*',
    resources: sumResources(task.resources),
    statuses,
    updatedAtSeconds: statuses[statuses.length - 1]?.timestamp ?? null,
    changeSeq,
  };
}

/** Puts a task in the picture, forgetting the oldest ended tasks beyond ENDED_TASKS_MAX. */
function putTask(state: ClusterState, record: TaskRecord): void {
  state.tasks.set(record.key, record);
  noteEnded(state, record);
}

function noteEnded(state: ClusterState, record: TaskRecord): void {
  if (!isTerminalTaskState(record.state) || state.endedTaskKeys.has(record.key)) return;
  state.endedTaskKeys.set(record.key, true);
  while (state.endedTaskKeys.size > ENDED_TASKS_MAX) {
    const oldest = state.endedTaskKeys.keys().next().value as string;
    state.endedTaskKeys.delete(oldest);
    state.tasks.delete(oldest);
  }
}

function putRemovedFramework(state: ClusterState, record: FrameworkRecord): void {
  state.frameworks.set(record.id, record);
  state.removedFrameworkIds.delete(record.id);
  state.removedFrameworkIds.set(record.id, true);
  while (state.removedFrameworkIds.size > REMOVED_FRAMEWORKS_MAX) {
    const oldest = state.removedFrameworkIds.keys().next().value as string;
    state.removedFrameworkIds.delete(oldest);
    state.frameworks.delete(oldest);
  }
}

/** Replaces the whole picture with a SUBSCRIBED snapshot. */
function resetFromSnapshot(state: ClusterState, snapshot: GetState, heartbeatIntervalSeconds: number | null): void {
  const fresh = emptyClusterState();
  fresh.revision = state.revision;
  fresh.changeSeq = state.changeSeq;
  Object.assign(state, fresh);
  state.subscribed = true;
  state.heartbeatIntervalSeconds = heartbeatIntervalSeconds;
  for (const entry of snapshot.get_agents?.agents ?? []) {
    const record = agentRecord(entry);
    if (record) state.agents.set(record.id, record);
  }
  for (const entry of snapshot.get_frameworks?.completed_frameworks ?? []) {
    const record = frameworkRecord(entry, true);
    if (record) putRemovedFramework(state, record);
  }
  for (const entry of snapshot.get_frameworks?.frameworks ?? []) {
    const record = frameworkRecord(entry, false);
    if (record) state.frameworks.set(record.id, record);
  }
  const tasks = snapshot.get_tasks ?? {};
  // Completed tasks first, so that when there are more than the UI keeps, the live ones stay.
  for (const list of [tasks.completed_tasks, tasks.tasks, tasks.unreachable_tasks, tasks.pending_tasks]) {
    for (const task of list ?? []) putTask(state, taskRecord(task, ++state.changeSeq));
  }
}

/** Applies TASK_UPDATED; false when the task is not in the picture (so nothing changed). */
function applyTaskUpdated(state: ClusterState, frameworkId: string, status: TaskStatus, latestState: string): boolean {
  const record = state.tasks.get(taskKey(frameworkId, status.task_id.value));
  if (!record) return false;
  record.state = latestState;
  record.statuses = keptStatuses([...record.statuses, status]);
  if (status.agent_id?.value) record.agentId = status.agent_id.value;
  if (status.timestamp !== undefined) record.updatedAtSeconds = status.timestamp;
  record.changeSeq = ++state.changeSeq;
  noteEnded(state, record);
  return true;
}

/** Applies one event; false when it named something the picture does not hold, or changed nothing visible. */
function applyChange(state: ClusterState, event: MasterEvent): boolean {
  switch (event.type) {
    case 'SUBSCRIBED':
      resetFromSnapshot(state, event.subscribed.get_state ?? {}, event.subscribed.heartbeat_interval_seconds ?? null);
      return true;
    case 'TASK_ADDED':
      putTask(state, taskRecord(event.task_added.task, ++state.changeSeq));
      return true;
    case 'TASK_UPDATED':
      return applyTaskUpdated(state, event.task_updated.framework_id.value, event.task_updated.status, event.task_updated.state);
    case 'AGENT_ADDED': {
      const record = agentRecord(event.agent_added.agent);
      if (record) state.agents.set(record.id, record);
      return record !== null;
    }
    case 'AGENT_REMOVED':
      return state.agents.delete(event.agent_removed.agent_id.value);
    case 'FRAMEWORK_ADDED':
    case 'FRAMEWORK_UPDATED': {
      const entry = event.type === 'FRAMEWORK_ADDED' ? event.framework_added.framework : event.framework_updated.framework;
      const record = frameworkRecord(entry, false);
      if (!record) return false;
      state.removedFrameworkIds.delete(record.id);
      state.frameworks.set(record.id, record);
      return true;
    }
    case 'FRAMEWORK_REMOVED': {
      const info = event.framework_removed.framework_info;
      const id = info.id?.value;
      const known = id === undefined ? undefined : state.frameworks.get(id);
      const record = known ?? frameworkRecord({ framework_info: info }, true);
      if (!record) return false;
      putRemovedFramework(state, { ...record, active: false, connected: false, removed: true });
      return true;
    }
    default:
      return false;
  }
}

/** Applies one event of the master's Operator API stream; `nowMs` is when it arrived. */
export function applyEvent(state: ClusterState, event: MasterEvent, nowMs: number): void {
  state.lastEventAtMs = nowMs;
  // Heartbeats say only that the master is alive; types a newer master sends and this UI does
  // not know change nothing it shows.
  if (event.type === 'HEARTBEAT' || !KNOWN_EVENT_TYPES.has(event.type)) return;
  if (applyChange(state, event)) state.revision++;
  else state.unknownReferences++;
}

const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set<MasterEvent['type']>([
  'SUBSCRIBED', 'TASK_ADDED', 'TASK_UPDATED', 'AGENT_ADDED', 'AGENT_REMOVED', 'FRAMEWORK_ADDED', 'FRAMEWORK_UPDATED', 'FRAMEWORK_REMOVED', 'HEARTBEAT',
]);

/** Applies events in order; one call per batch read from the stream. */
export function applyEvents(state: ClusterState, events: readonly MasterEvent[], nowMs: number): void {
  for (const event of events) applyEvent(state, event, nowMs);
}
