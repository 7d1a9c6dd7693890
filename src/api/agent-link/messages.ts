/**
 * The agent link: Meridian's own protocol between an agent and the master, on the same pattern as
 * the Mesos v1 APIs. The agent SUBSCRIBEs at `POST /api/v1/agent-link` and receives a RecordIO
 * stream of events; everything else it says is a call answered 202. The master PINGs on the stream
 * and the agent answers PONG, so either side notices a dead peer.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  AgentID, AgentInfo, ExecutorID, ExecutorInfo, FrameworkID, FrameworkInfo, Resource, Task, TaskID, TaskStatus,
  type IdWire, type KillPolicy, type MasterInfo, type TaskGroupInfo, type TaskInfo,
} from '../mesos.js';
import { literals, makeUnionValidator, makeValidator } from '../schema.js';

export const AGENT_CALL_TYPES = ['SUBSCRIBE', 'UPDATE', 'EXECUTOR_EXITED', 'MESSAGE', 'PONG', 'BATCH'] as const;
export type AgentCallType = (typeof AGENT_CALL_TYPES)[number];
export const AGENT_CALL_BODY: Readonly<Record<AgentCallType, string | null>> = {
  SUBSCRIBE: 'subscribe',
  UPDATE: 'update',
  EXECUTOR_EXITED: 'executor_exited',
  MESSAGE: 'message',
  PONG: null,
  BATCH: 'batch',
};

/** What an agent reports when it (re)subscribes: who it is and everything it runs. */
export const AgentSubscribe = Type.Object({
  agent_info: AgentInfo,
  /**
   * The agent's total resources: its `--resources` (which agent_info.resources holds) with its
   * checkpointed dynamic reservations applied, so a master that restarted learns them again.
   */
  resources: Type.Array(Resource),
  version: Type.String(),
  /** Non-terminal tasks and tasks whose terminal update is not yet acknowledged. */
  tasks: Type.Optional(Type.Array(Task)),
  executors: Type.Optional(Type.Array(ExecutorInfo)),
  frameworks: Type.Optional(Type.Array(FrameworkInfo)),
});
export type AgentSubscribe = Static<typeof AgentSubscribe>;

/** A status update as the agent forwards it (mesos.proto-internal `StatusUpdate`). */
export const StatusUpdate = Type.Object({
  framework_id: FrameworkID,
  executor_id: Type.Optional(ExecutorID),
  status: TaskStatus,
  /** The latest state the agent knows for the task, which may be ahead of `status`. */
  latest_state: Type.Optional(TaskStatus.properties.state),
});
export type StatusUpdate = Static<typeof StatusUpdate>;

export const AgentCall = Type.Object({
  agent_id: Type.Optional(AgentID),
  type: literals(AGENT_CALL_TYPES),
  subscribe: Type.Optional(AgentSubscribe),
  update: Type.Optional(StatusUpdate),
  executor_exited: Type.Optional(
    Type.Object({ framework_id: FrameworkID, executor_id: ExecutorID, status: Type.Optional(Type.Integer()) }),
  ),
  message: Type.Optional(Type.Object({ framework_id: FrameworkID, executor_id: ExecutorID, data: Type.String() })),
  /**
   * Several calls in one request, applied in order: an agent sends what piled up in one turn of
   * its event loop (a burst of status updates) as one call. Each is validated on its own.
   */
  batch: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 10_000 })),
});
export type AgentCall = Static<typeof AgentCall>;

export const validateAgentCall = makeUnionValidator<AgentCall>('agent-link::Call', AgentCall, AGENT_CALL_BODY);

/**
 * The body of the master's CHECKPOINT_RESOURCES event: every dynamically reserved resource the
 * agent has, in full (not a change), after a RESERVE or UNRESERVE. The agent saves the list before
 * it takes it in, and its total is its `--resources` with these applied (Mesos'
 * `CheckpointResourcesMessage`).
 */
export const CheckpointResources = Type.Object({ resources: Type.Array(Resource) });
export type CheckpointResources = Static<typeof CheckpointResources>;

/** Checks a CHECKPOINT_RESOURCES body; errors read `checkpoint_resources.resources[0].type: ...`. */
export const validateCheckpointResources = makeValidator(CheckpointResources, 'checkpoint_resources');

export type AgentEvent =
  | { type: 'SUBSCRIBED'; subscribed: { agent_id: IdWire; heartbeat_interval_seconds: number; ping_interval_seconds: number; master_info: MasterInfo } }
  | { type: 'RUN_TASK'; run_task: { framework: FrameworkInfo; task: TaskInfo } }
  | { type: 'RUN_TASK_GROUP'; run_task_group: { framework: FrameworkInfo; executor: ExecutorInfo; task_group: TaskGroupInfo } }
  | { type: 'KILL_TASK'; kill_task: { framework_id: IdWire; task_id: IdWire; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGE'; acknowledge: { framework_id: IdWire; task_id: IdWire; uuid: string } }
  | { type: 'SHUTDOWN_FRAMEWORK'; shutdown_framework: { framework_id: IdWire } }
  | { type: 'SHUTDOWN_EXECUTOR'; shutdown_executor: { framework_id: IdWire; executor_id: IdWire } }
  | { type: 'MESSAGE'; message: { framework_id: IdWire; executor_id: IdWire; data: string } }
  | { type: 'UPDATE_FRAMEWORK'; update_framework: { framework: FrameworkInfo } }
  | { type: 'CHECKPOINT_RESOURCES'; checkpoint_resources: CheckpointResources }
  | { type: 'PING' }
  /** The master refuses this agent (removed, or gone): it must stop and not reregister with this id. */
  | { type: 'SHUTDOWN'; shutdown: { message: string } }
  | { type: 'HEARTBEAT' };

export type AgentEventType = AgentEvent['type'];
export { TaskID };
