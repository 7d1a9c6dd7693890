/**
 * Messages of mesos.proto (v1) that every link shares, as TypeBox schemas: the schema is the single
 * source of both the TypeScript type and the validator, so the two cannot drift apart. Field names
 * are exactly Mesos'; unknown fields are tolerated as Mesos' JSON parser tolerates them.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Attribute, Labels, Resource } from '../common/resources/wire.js';
import { literals } from './schema.js';

export { Attribute, Label, Labels, Resource, type Range, type ReservationInfo } from '../common/resources/wire.js';

const Id = () => Type.Object({ value: Type.String({ minLength: 1 }) });
export const FrameworkID = Id();
export const AgentID = Id();
export const OfferID = Id();
export const TaskID = Id();
export const ExecutorID = Id();
export const ContainerID = Type.Object({ value: Type.String({ minLength: 1 }), parent: Type.Optional(Type.Unknown()) });
export type IdWire = Static<typeof FrameworkID>;

export const DurationInfo = Type.Object({ nanoseconds: Type.Number() });
export type DurationInfo = Static<typeof DurationInfo>;
export const TimeInfo = Type.Object({ nanoseconds: Type.Number() });

export const Address = Type.Object({
  hostname: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
});
export type Address = Static<typeof Address>;
export const URL = Type.Object({
  scheme: Type.String(),
  address: Address,
  path: Type.Optional(Type.String()),
  query: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.Optional(Type.String()) }))),
  fragment: Type.Optional(Type.String()),
});
export type URL = Static<typeof URL>;

export const DomainInfo = Type.Object({
  fault_domain: Type.Optional(
    Type.Object({
      region: Type.Object({ name: Type.String() }),
      zone: Type.Object({ name: Type.String() }),
    }),
  ),
});

export const EnvironmentVariable = Type.Object({
  name: Type.String({ minLength: 1 }),
  type: Type.Optional(Type.Union([Type.Literal('UNKNOWN'), Type.Literal('VALUE'), Type.Literal('SECRET')])),
  value: Type.Optional(Type.String()),
  secret: Type.Optional(Type.Unknown()),
});
export const Environment = Type.Object({ variables: Type.Optional(Type.Array(EnvironmentVariable)) });
export type Environment = Static<typeof Environment>;

export const CommandURI = Type.Object({
  value: Type.String({ minLength: 1 }),
  executable: Type.Optional(Type.Boolean()),
  extract: Type.Optional(Type.Boolean()),
  cache: Type.Optional(Type.Boolean()),
  output_file: Type.Optional(Type.String()),
});

export const CommandInfo = Type.Object({
  uris: Type.Optional(Type.Array(CommandURI)),
  environment: Type.Optional(Environment),
  /** Default true: `value` runs under `/bin/sh -c`; false: `value` is the program and `arguments` its argv. */
  shell: Type.Optional(Type.Boolean()),
  value: Type.Optional(Type.String()),
  arguments: Type.Optional(Type.Array(Type.String())),
  user: Type.Optional(Type.String()),
});
export type CommandInfo = Static<typeof CommandInfo>;

export const KillPolicy = Type.Object({ grace_period: Type.Optional(DurationInfo) });
export type KillPolicy = Static<typeof KillPolicy>;

export const ExecutorType = Type.Union([Type.Literal('UNKNOWN'), Type.Literal('DEFAULT'), Type.Literal('CUSTOM')]);

export const ExecutorInfo = Type.Object({
  type: Type.Optional(ExecutorType),
  executor_id: ExecutorID,
  framework_id: Type.Optional(FrameworkID),
  command: Type.Optional(CommandInfo),
  container: Type.Optional(Type.Unknown()),
  resources: Type.Optional(Type.Array(Resource)),
  name: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  data: Type.Optional(Type.String()),
  discovery: Type.Optional(Type.Unknown()),
  shutdown_grace_period: Type.Optional(DurationInfo),
  labels: Type.Optional(Labels),
});
export type ExecutorInfo = Static<typeof ExecutorInfo>;

export const TaskInfo = Type.Object({
  name: Type.String(),
  task_id: TaskID,
  agent_id: AgentID,
  resources: Type.Optional(Type.Array(Resource)),
  executor: Type.Optional(ExecutorInfo),
  command: Type.Optional(CommandInfo),
  container: Type.Optional(Type.Unknown()),
  health_check: Type.Optional(Type.Unknown()),
  check: Type.Optional(Type.Unknown()),
  kill_policy: Type.Optional(KillPolicy),
  data: Type.Optional(Type.String()),
  labels: Type.Optional(Labels),
  discovery: Type.Optional(Type.Unknown()),
  max_completion_time: Type.Optional(DurationInfo),
  limits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type TaskInfo = Static<typeof TaskInfo>;

export const TaskGroupInfo = Type.Object({ tasks: Type.Array(TaskInfo) });
export type TaskGroupInfo = Static<typeof TaskGroupInfo>;

export const TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED',
  'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TaskStateSchema = literals(TASK_STATES);

/** States after which a task never changes again (TASK_LOST and TASK_UNREACHABLE may come back). */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set([
  'TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_LOST',
]);
export const isTerminalTaskState = (state: TaskState): boolean => TERMINAL_TASK_STATES.has(state);

export const TASK_STATUS_SOURCES = ['SOURCE_MASTER', 'SOURCE_AGENT', 'SOURCE_EXECUTOR'] as const;
export type TaskStatusSource = (typeof TASK_STATUS_SOURCES)[number];

export const TASK_STATUS_REASONS = [
  'REASON_COMMAND_EXECUTOR_FAILED', 'REASON_CONTAINER_LAUNCH_FAILED', 'REASON_CONTAINER_LIMITATION',
  'REASON_CONTAINER_LIMITATION_DISK', 'REASON_CONTAINER_LIMITATION_MEMORY', 'REASON_CONTAINER_PREEMPTED',
  'REASON_CONTAINER_UPDATE_FAILED', 'REASON_MAX_COMPLETION_TIME_REACHED', 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
  'REASON_EXECUTOR_REREGISTRATION_TIMEOUT', 'REASON_EXECUTOR_TERMINATED', 'REASON_EXECUTOR_UNREGISTERED',
  'REASON_FRAMEWORK_REMOVED', 'REASON_GC_ERROR', 'REASON_INVALID_FRAMEWORKID', 'REASON_INVALID_OFFERS',
  'REASON_IO_SWITCHBOARD_EXITED', 'REASON_MASTER_DISCONNECTED', 'REASON_RECONCILIATION', 'REASON_RESOURCES_UNKNOWN',
  'REASON_AGENT_DISCONNECTED', 'REASON_AGENT_REMOVED', 'REASON_AGENT_REMOVED_BY_OPERATOR', 'REASON_AGENT_REREGISTERED',
  'REASON_AGENT_RESTARTED', 'REASON_AGENT_UNKNOWN', 'REASON_AGENT_DRAINING', 'REASON_TASK_KILLED_DURING_LAUNCH',
  'REASON_TASK_CHECK_STATUS_UPDATED', 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 'REASON_TASK_GROUP_INVALID',
  'REASON_TASK_GROUP_UNAUTHORIZED', 'REASON_TASK_INVALID', 'REASON_TASK_UNAUTHORIZED', 'REASON_TASK_UNKNOWN',
] as const;
export type TaskStatusReason = (typeof TASK_STATUS_REASONS)[number];

export const TaskStatus = Type.Object({
  task_id: TaskID,
  state: TaskStateSchema,
  message: Type.Optional(Type.String()),
  source: Type.Optional(literals(TASK_STATUS_SOURCES)),
  reason: Type.Optional(literals(TASK_STATUS_REASONS)),
  data: Type.Optional(Type.String()),
  agent_id: Type.Optional(AgentID),
  executor_id: Type.Optional(ExecutorID),
  timestamp: Type.Optional(Type.Number()),
  uuid: Type.Optional(Type.String()),
  healthy: Type.Optional(Type.Boolean()),
  check_status: Type.Optional(Type.Unknown()),
  labels: Type.Optional(Labels),
  container_status: Type.Optional(Type.Unknown()),
  unreachable_time: Type.Optional(TimeInfo),
  limitation: Type.Optional(Type.Unknown()),
});
export type TaskStatus = Static<typeof TaskStatus>;

export const FRAMEWORK_CAPABILITIES = [
  'UNKNOWN', 'REVOCABLE_RESOURCES', 'TASK_KILLING_STATE', 'GPU_RESOURCES', 'SHARED_RESOURCES', 'PARTITION_AWARE',
  'MULTI_ROLE', 'RESERVATION_REFINEMENT', 'REGION_AWARE',
] as const;
export type FrameworkCapability = (typeof FRAMEWORK_CAPABILITIES)[number];

export const FrameworkInfo = Type.Object({
  user: Type.String(),
  name: Type.String(),
  id: Type.Optional(FrameworkID),
  failover_timeout: Type.Optional(Type.Number({ minimum: 0 })),
  checkpoint: Type.Optional(Type.Boolean()),
  role: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.String())),
  hostname: Type.Optional(Type.String()),
  principal: Type.Optional(Type.String()),
  webui_url: Type.Optional(Type.String()),
  capabilities: Type.Optional(Type.Array(Type.Object({ type: Type.Optional(Type.String()) }))),
  labels: Type.Optional(Labels),
  offer_filters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type FrameworkInfo = Static<typeof FrameworkInfo>;

export const AgentInfo = Type.Object({
  hostname: Type.String(),
  port: Type.Optional(Type.Integer()),
  resources: Type.Optional(Type.Array(Resource)),
  attributes: Type.Optional(Type.Array(Attribute)),
  id: Type.Optional(AgentID),
  domain: Type.Optional(DomainInfo),
});
export type AgentInfo = Static<typeof AgentInfo>;

export const MasterInfo = Type.Object({
  id: Type.String(),
  ip: Type.Integer(),
  port: Type.Integer(),
  pid: Type.Optional(Type.String()),
  hostname: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  address: Type.Optional(Address),
  domain: Type.Optional(DomainInfo),
  capabilities: Type.Optional(Type.Array(Type.Object({ type: Type.String() }))),
});
export type MasterInfo = Static<typeof MasterInfo>;

export const Filters = Type.Object({ refuse_seconds: Type.Optional(Type.Number()) });
export type Filters = Static<typeof Filters>;

export const Offer = Type.Object({
  id: OfferID,
  framework_id: FrameworkID,
  agent_id: AgentID,
  hostname: Type.String(),
  url: Type.Optional(URL),
  domain: Type.Optional(DomainInfo),
  allocation_info: Type.Optional(Type.Object({ role: Type.Optional(Type.String()) })),
  resources: Type.Array(Resource),
  attributes: Type.Optional(Type.Array(Attribute)),
  executor_ids: Type.Optional(Type.Array(ExecutorID)),
  unavailability: Type.Optional(Type.Unknown()),
});
export type Offer = Static<typeof Offer>;

export const OPERATION_TYPES = [
  'UNKNOWN', 'LAUNCH', 'LAUNCH_GROUP', 'RESERVE', 'UNRESERVE', 'CREATE', 'DESTROY', 'GROW_VOLUME', 'SHRINK_VOLUME',
  'CREATE_DISK', 'DESTROY_DISK',
] as const;

export const OfferOperation = Type.Object({
  type: literals(OPERATION_TYPES),
  id: Type.Optional(Type.Object({ value: Type.String() })),
  launch: Type.Optional(Type.Object({ task_infos: Type.Array(TaskInfo) })),
  launch_group: Type.Optional(Type.Object({ executor: ExecutorInfo, task_group: TaskGroupInfo })),
  reserve: Type.Optional(Type.Object({ source: Type.Optional(Type.Array(Resource)), resources: Type.Optional(Type.Array(Resource)) })),
  unreserve: Type.Optional(Type.Object({ resources: Type.Array(Resource) })),
  create: Type.Optional(Type.Object({ volumes: Type.Array(Resource) })),
  destroy: Type.Optional(Type.Object({ volumes: Type.Array(Resource) })),
});
export type OfferOperation = Static<typeof OfferOperation>;

/** The master's record of a task (mesos.proto `Task`), as agents report it and state endpoints show it. */
export const Task = Type.Object({
  name: Type.String(),
  task_id: TaskID,
  framework_id: FrameworkID,
  executor_id: Type.Optional(ExecutorID),
  agent_id: AgentID,
  state: TaskStateSchema,
  resources: Type.Array(Resource),
  statuses: Type.Array(TaskStatus),
  status_update_state: Type.Optional(TaskStateSchema),
  status_update_uuid: Type.Optional(Type.String()),
  labels: Type.Optional(Labels),
  discovery: Type.Optional(Type.Unknown()),
  container: Type.Optional(Type.Unknown()),
  health_check: Type.Optional(Type.Unknown()),
  kill_policy: Type.Optional(KillPolicy),
  user: Type.Optional(Type.String()),
});
export type Task = Static<typeof Task>;
