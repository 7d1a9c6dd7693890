/**
 * Operator API v1 calls to an agent (agent.proto `mesos.v1.agent.Call`), sent to the agent's
 * `POST /api/v1`, and the response messages Meridian answers with (`mesos.v1.agent.Response`).
 * Like the master's calls, each is a union `{type: X, x: {...}}`; `validateAgentCall` checks the
 * envelope and the body of the calls the agent implements, and its errors name the field.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DurationInfo, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type IdWire, type Task } from '../mesos.js';
import { literals, makeUnionValidator } from '../schema.js';

/** Every call type of the Mesos 1.11 agent API, in agent.proto's order. */
export const AGENT_CALL_TYPES = [
  'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL', 'LIST_FILES',
  'READ_FILE', 'GET_STATE', 'GET_CONTAINERS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS',
  'GET_AGENT', 'GET_RESOURCE_PROVIDERS', 'LAUNCH_NESTED_CONTAINER', 'WAIT_NESTED_CONTAINER', 'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER', 'LAUNCH_NESTED_CONTAINER_SESSION', 'ATTACH_CONTAINER_INPUT', 'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER', 'WAIT_CONTAINER', 'KILL_CONTAINER', 'REMOVE_CONTAINER', 'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG', 'REMOVE_RESOURCE_PROVIDER_CONFIG', 'MARK_RESOURCE_PROVIDER_GONE', 'PRUNE_IMAGES',
] as const;
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];

/**
 * The body key of each call type when Mesos requires the body, else null. `get_containers` and
 * `prune_images` are optional bodies (their fields all have defaults), so they are null here and
 * optional in the schema.
 */
export const AGENT_CALL_BODY: Readonly<Record<AgentCallType, string | null>> = {
  GET_HEALTH: null,
  GET_FLAGS: null,
  GET_VERSION: null,
  GET_METRICS: 'get_metrics',
  GET_LOGGING_LEVEL: null,
  SET_LOGGING_LEVEL: 'set_logging_level',
  LIST_FILES: 'list_files',
  READ_FILE: 'read_file',
  GET_STATE: null,
  GET_CONTAINERS: null,
  GET_FRAMEWORKS: null,
  GET_EXECUTORS: null,
  GET_OPERATIONS: null,
  GET_TASKS: null,
  GET_AGENT: null,
  GET_RESOURCE_PROVIDERS: null,
  LAUNCH_NESTED_CONTAINER: 'launch_nested_container',
  WAIT_NESTED_CONTAINER: 'wait_nested_container',
  KILL_NESTED_CONTAINER: 'kill_nested_container',
  REMOVE_NESTED_CONTAINER: 'remove_nested_container',
  LAUNCH_NESTED_CONTAINER_SESSION: 'launch_nested_container_session',
  ATTACH_CONTAINER_INPUT: 'attach_container_input',
  ATTACH_CONTAINER_OUTPUT: 'attach_container_output',
  LAUNCH_CONTAINER: 'launch_container',
  WAIT_CONTAINER: 'wait_container',
  KILL_CONTAINER: 'kill_container',
  REMOVE_CONTAINER: 'remove_container',
  ADD_RESOURCE_PROVIDER_CONFIG: 'add_resource_provider_config',
  UPDATE_RESOURCE_PROVIDER_CONFIG: 'update_resource_provider_config',
  REMOVE_RESOURCE_PROVIDER_CONFIG: 'remove_resource_provider_config',
  MARK_RESOURCE_PROVIDER_GONE: 'mark_resource_provider_gone',
  PRUNE_IMAGES: null,
};

/** `Call.GetMetrics`: `timeout` bounds how long the answer may take (every agent metric is read at once). */
export const GetMetrics = Type.Object({ timeout: Type.Optional(DurationInfo) });

/** `Call.ListFiles`: the directory to list, a sandbox path as `/files/browse` takes it. */
export const ListFiles = Type.Object({ path: Type.String() });

/**
 * `Call.ReadFile`: up to `length` bytes from `offset` (both uint64; without `length`, to the end of
 * the file, capped as Mesos caps a read at 16 memory pages).
 */
export const ReadFile = Type.Object({
  path: Type.String(),
  offset: Type.Integer({ minimum: 0 }),
  length: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type ReadFile = Static<typeof ReadFile>;

/** `Call.GetContainers`: nested and standalone containers are left out unless asked for. */
export const GetContainers = Type.Object({
  show_nested: Type.Optional(Type.Boolean()),
  show_standalone: Type.Optional(Type.Boolean()),
});

/** Bodies of calls Meridian's agent does not implement: present when required, their content unchecked. */
const NotYetChecked: TSchema = Type.Unknown();

export const AgentCall = Type.Object({
  type: literals(AGENT_CALL_TYPES),
  get_metrics: Type.Optional(GetMetrics),
  set_logging_level: Type.Optional(NotYetChecked),
  list_files: Type.Optional(ListFiles),
  read_file: Type.Optional(ReadFile),
  get_containers: Type.Optional(GetContainers),
  launch_nested_container: Type.Optional(NotYetChecked),
  wait_nested_container: Type.Optional(NotYetChecked),
  kill_nested_container: Type.Optional(NotYetChecked),
  remove_nested_container: Type.Optional(NotYetChecked),
  launch_nested_container_session: Type.Optional(NotYetChecked),
  attach_container_input: Type.Optional(NotYetChecked),
  attach_container_output: Type.Optional(NotYetChecked),
  launch_container: Type.Optional(NotYetChecked),
  wait_container: Type.Optional(NotYetChecked),
  kill_container: Type.Optional(NotYetChecked),
  remove_container: Type.Optional(NotYetChecked),
  add_resource_provider_config: Type.Optional(NotYetChecked),
  update_resource_provider_config: Type.Optional(NotYetChecked),
  remove_resource_provider_config: Type.Optional(NotYetChecked),
  mark_resource_provider_gone: Type.Optional(NotYetChecked),
  prune_images: Type.Optional(NotYetChecked),
});
export type AgentCall = Static<typeof AgentCall>;

export const validateAgentCall = makeUnionValidator<AgentCall>('agent::Call', AgentCall, AGENT_CALL_BODY);

// ---------------------------------------------------------------- responses

/** mesos.proto `FileInfo` as the v1 API serialises it: `mode` is the raw `st_mode`, `uid`/`gid` are names. */
export interface FileInfoWire {
  path: string;
  nlink: number;
  size: number;
  mtime: { nanoseconds: number };
  mode: number;
  uid: string;
  gid: string;
}

/** mesos.proto `ResourceStatistics`, the fields an agent without cgroups can measure. */
export interface ResourceStatisticsWire {
  timestamp: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_limit?: number;
  mem_rss_bytes?: number;
  mem_limit_bytes?: number;
}

/** mesos.proto `ContainerStatus`, as the agent knows it for a container on the host network. */
export interface ContainerStatusWire {
  container_id: IdWire;
  executor_pid?: number;
  network_infos: Array<{ ip_addresses: Array<{ ip_address: string }> }>;
}

/** `Response.GetContainers.Container`. */
export interface ContainerWire {
  container_id: IdWire;
  container_status?: ContainerStatusWire;
  executor_id: IdWire;
  executor_name: string;
  framework_id: IdWire;
  resource_statistics?: ResourceStatisticsWire;
}

/** `Response.GetTasks`: tasks by where they are in their life on the agent. */
export interface GetTasksWire {
  pending_tasks?: Task[];
  queued_tasks?: Task[];
  launched_tasks?: Task[];
  terminated_tasks?: Task[];
  completed_tasks?: Task[];
}

/** `Response.GetExecutors`. */
export interface GetExecutorsWire {
  executors?: Array<{ executor_info: ExecutorInfo }>;
  completed_executors?: Array<{ executor_info: ExecutorInfo }>;
}

/** `Response.GetFrameworks`. */
export interface GetFrameworksWire {
  frameworks?: Array<{ framework_info: FrameworkInfo }>;
  completed_frameworks?: Array<{ framework_info: FrameworkInfo }>;
}

/** `Response.GetAgent`. */
export interface GetAgentWire {
  agent_info: AgentInfo;
}

/**
 * Protobuf's JSON form leaves an empty repeated field out; every list in an agent response goes
 * through this so `{"get_tasks": {}}` reads as Mesos writes it.
 */
export function repeated<K extends string, T>(key: K, items: readonly T[]): { [P in K]?: T[] } {
  return (items.length > 0 ? { [key]: [...items] } : {}) as { [P in K]?: T[] };
}
