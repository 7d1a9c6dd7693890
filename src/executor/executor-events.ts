/**
 * Validation of the events an agent streams to an executor. The host runs many executors in one
 * process, so a malformed event must be refused as a value, never crash the process (and with it
 * every other executor).
 */
import { Type } from '@sinclair/typebox';
import { KillPolicy, TaskGroupInfo, TaskID, TaskInfo } from '../api/mesos.js';
import { literals, makeUnionValidator, stripNulls, type Validation } from '../api/schema.js';

/** The events of executor.proto's `Event`. */
export const EXECUTOR_EVENT_TYPES = [
  'SUBSCRIBED', 'LAUNCH', 'LAUNCH_GROUP', 'KILL', 'ACKNOWLEDGED', 'MESSAGE', 'ERROR', 'SHUTDOWN', 'HEARTBEAT',
] as const;
type ExecutorEventType = (typeof EXECUTOR_EVENT_TYPES)[number];

/** SUBSCRIBED's body is optional here: the executor needs nothing from it but framework capabilities. */
const EXECUTOR_EVENT_BODY: Readonly<Record<ExecutorEventType, string | null>> = {
  SUBSCRIBED: null,
  LAUNCH: 'launch',
  LAUNCH_GROUP: 'launch_group',
  KILL: 'kill',
  ACKNOWLEDGED: 'acknowledged',
  MESSAGE: 'message',
  ERROR: 'error',
  SHUTDOWN: null,
  HEARTBEAT: null,
};

const Capabilities = Type.Array(Type.Object({ type: Type.Optional(Type.String()) }));

const ReceivedEventSchema = Type.Object({
  type: literals(EXECUTOR_EVENT_TYPES),
  subscribed: Type.Optional(
    Type.Object({ framework_info: Type.Optional(Type.Object({ capabilities: Type.Optional(Capabilities) })) }),
  ),
  launch: Type.Optional(Type.Object({ task: TaskInfo })),
  launch_group: Type.Optional(Type.Object({ task_group: TaskGroupInfo })),
  kill: Type.Optional(Type.Object({ task_id: TaskID, kill_policy: Type.Optional(KillPolicy) })),
  acknowledged: Type.Optional(Type.Object({ task_id: TaskID, uuid: Type.String({ minLength: 1 }) })),
  message: Type.Optional(Type.Object({ data: Type.String() })),
  error: Type.Optional(Type.Object({ message: Type.String() })),
});

/** An event as the executor uses it: the fields it reads, checked. */
export type ReceivedExecutorEvent =
  | { type: 'SUBSCRIBED'; subscribed?: { framework_info?: { capabilities?: Array<{ type?: string }> } } }
  | { type: 'LAUNCH'; launch: { task: TaskInfo } }
  | { type: 'LAUNCH_GROUP'; launch_group: { task_group: TaskGroupInfo } }
  | { type: 'KILL'; kill: { task_id: { value: string }; kill_policy?: KillPolicy } }
  | { type: 'ACKNOWLEDGED'; acknowledged: { task_id: { value: string }; uuid: string } }
  | { type: 'MESSAGE'; message: { data: string } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'SHUTDOWN' }
  | { type: 'HEARTBEAT' };

const validate = makeUnionValidator<ReceivedExecutorEvent>('executor::Event', ReceivedEventSchema, EXECUTOR_EVENT_BODY);

/** Checks a decoded event (null fields count as absent, as in Mesos' JSON parser). */
export function parseExecutorEvent(raw: unknown): Validation<ReceivedExecutorEvent> {
  return validate(stripNulls(raw));
}
