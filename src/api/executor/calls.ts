/**
 * Executor API v1 (executor.proto): calls an executor sends to `POST /api/v1/executor` on its agent,
 * and the events the agent streams back.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  ExecutorID, FrameworkID, TaskInfo, TaskStatus,
  type AgentInfo, type ExecutorInfo, type FrameworkInfo, type IdWire, type KillPolicy, type TaskGroupInfo,
} from '../mesos.js';
import { literals, makeUnionValidator } from '../schema.js';

export const EXECUTOR_CALL_TYPES = ['SUBSCRIBE', 'UPDATE', 'MESSAGE', 'HEARTBEAT'] as const;
export const EXECUTOR_CALL_BODY: Readonly<Record<(typeof EXECUTOR_CALL_TYPES)[number], string | null>> = {
  SUBSCRIBE: 'subscribe',
  UPDATE: 'update',
  MESSAGE: 'message',
  HEARTBEAT: null,
};

export const ExecutorUpdate = Type.Object({ status: TaskStatus });

export const ExecutorCall = Type.Object({
  executor_id: ExecutorID,
  framework_id: FrameworkID,
  type: literals(EXECUTOR_CALL_TYPES),
  subscribe: Type.Optional(
    Type.Object({
      unacknowledged_tasks: Type.Optional(Type.Array(TaskInfo)),
      unacknowledged_updates: Type.Optional(Type.Array(ExecutorUpdate)),
    }),
  ),
  update: Type.Optional(ExecutorUpdate),
  message: Type.Optional(Type.Object({ data: Type.String() })),
});
export type ExecutorCall = Static<typeof ExecutorCall>;

export const validateExecutorCall = makeUnionValidator<ExecutorCall>('executor::Call', ExecutorCall, EXECUTOR_CALL_BODY);

export type ExecutorEvent =
  | {
      type: 'SUBSCRIBED';
      subscribed: { executor_info: ExecutorInfo; framework_info: FrameworkInfo; agent_info: AgentInfo; container_id?: IdWire };
    }
  | { type: 'LAUNCH'; launch: { task: Static<typeof TaskInfo> } }
  | { type: 'LAUNCH_GROUP'; launch_group: { task_group: TaskGroupInfo } }
  | { type: 'KILL'; kill: { task_id: IdWire; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGED'; acknowledged: { task_id: IdWire; uuid: string } }
  | { type: 'MESSAGE'; message: { data: string } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'SHUTDOWN' }
  | { type: 'HEARTBEAT' };
