/**
 * The parts of the Mesos v1 Operator API (master.proto `Event` and `Response.GetState`, and the
 * mesos.proto messages inside them) that the UI reads, with Mesos' JSON field names. Fields the UI
 * never reads are left out; everything the master may omit is optional, because a client written
 * to the protobuf schema must accept any field being absent.
 */

export interface IdValue {
  value: string;
}

/** Mesos' `TimeInfo`; int64 arrives as a JSON number or, from some encoders, as a string. */
export interface TimeInfo {
  nanoseconds: number | string;
}

export interface Range {
  begin: number;
  end: number;
}

export interface Resource {
  name: string;
  type?: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range?: Range[] };
  set?: { item?: string[] };
  role?: string;
  reservations?: Array<{ type?: string; role?: string; principal?: string }>;
  allocation_info?: { role?: string };
  revocable?: Record<string, unknown>;
}

export interface Attribute {
  name: string;
  type?: 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';
  scalar?: { value: number };
  ranges?: { range?: Range[] };
  set?: { item?: string[] };
  text?: { value: string };
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  id?: IdValue;
  resources?: Resource[];
  attributes?: Attribute[];
}

/** `Response.GetAgents.Agent`: also the body of AGENT_ADDED. */
export interface AgentEntry {
  agent_info: AgentInfo;
  active?: boolean;
  deactivated?: boolean;
  version?: string;
  pid?: string;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
  capabilities?: Array<{ type: string }>;
}

export interface FrameworkInfo {
  user?: string;
  name: string;
  id?: IdValue;
  role?: string;
  roles?: string[];
  principal?: string;
  hostname?: string;
  webui_url?: string;
  failover_timeout?: number;
  checkpoint?: boolean;
  capabilities?: Array<{ type: string }>;
}

/** `Response.GetFrameworks.Framework`: also the body of FRAMEWORK_ADDED and FRAMEWORK_UPDATED. */
export interface FrameworkEntry {
  framework_info: FrameworkInfo;
  active?: boolean;
  connected?: boolean;
  recovered?: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
}

export interface TaskStatus {
  task_id: IdValue;
  state: string;
  message?: string;
  source?: string;
  reason?: string;
  agent_id?: IdValue;
  executor_id?: IdValue;
  /** Seconds since the epoch, with fractions. */
  timestamp?: number;
  healthy?: boolean;
}

export interface Task {
  name: string;
  task_id: IdValue;
  framework_id: IdValue;
  executor_id?: IdValue;
  agent_id: IdValue;
  state: string;
  resources?: Resource[];
  statuses?: TaskStatus[];
  user?: string;
}

export interface GetState {
  get_tasks?: {
    pending_tasks?: Task[];
    tasks?: Task[];
    unreachable_tasks?: Task[];
    completed_tasks?: Task[];
    orphan_tasks?: Task[];
  };
  get_executors?: {
    executors?: Array<{ executor_info: { executor_id: IdValue; framework_id?: IdValue; name?: string }; agent_id: IdValue }>;
  };
  get_frameworks?: {
    frameworks?: FrameworkEntry[];
    completed_frameworks?: FrameworkEntry[];
  };
  get_agents?: {
    agents?: AgentEntry[];
    recovered_agents?: AgentInfo[];
  };
}

/** master.proto `Event`, one variant per type the UI handles. */
export type MasterEvent =
  | { type: 'SUBSCRIBED'; subscribed: { get_state?: GetState; heartbeat_interval_seconds?: number } }
  | { type: 'TASK_ADDED'; task_added: { task: Task } }
  | { type: 'TASK_UPDATED'; task_updated: { framework_id: IdValue; status: TaskStatus; state: string } }
  | { type: 'AGENT_ADDED'; agent_added: { agent: AgentEntry } }
  | { type: 'AGENT_REMOVED'; agent_removed: { agent_id: IdValue } }
  | { type: 'FRAMEWORK_ADDED'; framework_added: { framework: FrameworkEntry } }
  | { type: 'FRAMEWORK_UPDATED'; framework_updated: { framework: FrameworkEntry } }
  | { type: 'FRAMEWORK_REMOVED'; framework_removed: { framework_info: FrameworkInfo } }
  | { type: 'HEARTBEAT' };

export type MasterEventType = MasterEvent['type'];

/** Terminal task states, as Mesos (and src/api/mesos.ts) count them: TASK_LOST included. */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_LOST',
]);

/** Every task state, in the order the UI lists them (live states first). */
export const TASK_STATES: readonly string[] = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE', 'TASK_LOST',
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
];

export const isTerminalTaskState = (state: string): boolean => TERMINAL_TASK_STATES.has(state);
