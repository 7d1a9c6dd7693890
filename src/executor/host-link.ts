/**
 * The executor-host link: Meridian's own protocol between an agent and the one executor-host
 * process it runs, on the pattern of the Mesos v1 APIs. The host SUBSCRIBEs at
 * `POST /api/v1/executor-host` and receives a RecordIO stream of events (LAUNCH_EXECUTOR,
 * SHUTDOWN, HEARTBEAT); it reports each executor that ends with an EXECUTOR_EXITED call (202).
 *
 * The hosted executors themselves are ordinary Mesos v1 Executor API clients of the agent; this
 * link only starts them and reports their end, as a containerizer launches and reaps executors.
 *
 * NOTE: these wire types belong in `src/api/executor-host/` so the agent can import them without
 * reaching into `src/executor`; they live here until that folder exists.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ContainerID, ExecutorID, FrameworkID } from '../api/mesos.js';
import { literals, makeUnionValidator } from '../api/schema.js';

/** The path of the link on the agent. */
export const EXECUTOR_HOST_PATH = '/api/v1/executor-host';

/** `command`: Mesos' command executor (one task). `default`: Mesos' default executor (task groups). */
export const EXECUTOR_KINDS = ['command', 'default'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** Mesos' `--executor_shutdown_grace_period` default, used when the agent sends none. */
export const SHUTDOWN_GRACE_PERIOD_DEFAULT_MS = 5_000;

/** Starts one hosted executor. */
export const LaunchExecutor = Type.Object({
  framework_id: FrameworkID,
  executor_id: ExecutorID,
  container_id: ContainerID,
  kind: literals(EXECUTOR_KINDS),
  /** The executor's sandbox, an absolute path the agent has created. */
  directory: Type.String({ minLength: 1 }),
  /** The Mesos executor environment: MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT, MESOS_SANDBOX... */
  environment: Type.Record(Type.String(), Type.String()),
  shutdown_grace_period_ms: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type LaunchExecutor = Static<typeof LaunchExecutor>;

/** Events the agent streams to the host. */
export const HOST_EVENT_TYPES = ['SUBSCRIBED', 'LAUNCH_EXECUTOR', 'SHUTDOWN', 'HEARTBEAT'] as const;
export type HostEventType = (typeof HOST_EVENT_TYPES)[number];
export const HOST_EVENT_BODY: Readonly<Record<HostEventType, string | null>> = {
  SUBSCRIBED: null,
  LAUNCH_EXECUTOR: 'launch_executor',
  SHUTDOWN: null,
  HEARTBEAT: null,
};

/** The envelope of a host event; the type below is the checked union. */
export const HostEvent = Type.Object({
  type: literals(HOST_EVENT_TYPES),
  launch_executor: Type.Optional(LaunchExecutor),
});
export type HostEvent =
  | { type: 'SUBSCRIBED' }
  | { type: 'LAUNCH_EXECUTOR'; launch_executor: LaunchExecutor }
  | { type: 'SHUTDOWN' }
  | { type: 'HEARTBEAT' };

/** For the host: validates what the agent streams. */
export const validateHostEvent = makeUnionValidator<HostEvent>('executor-host::Event', HostEvent, HOST_EVENT_BODY);

/** The host's report that an executor ended. */
export const ExecutorExited = Type.Object({
  framework_id: FrameworkID,
  executor_id: ExecutorID,
  container_id: ContainerID,
  /** 0 when the executor ended normally (its tasks terminal and acknowledged, or shut down). */
  status: Type.Integer(),
  message: Type.Optional(Type.String()),
});
export type ExecutorExited = Static<typeof ExecutorExited>;

/** Calls the host makes to the agent, each a POST to EXECUTOR_HOST_PATH. */
export const HOST_CALL_TYPES = ['SUBSCRIBE', 'EXECUTOR_EXITED'] as const;
export type HostCallType = (typeof HOST_CALL_TYPES)[number];
export const HOST_CALL_BODY: Readonly<Record<HostCallType, string | null>> = {
  SUBSCRIBE: 'subscribe',
  EXECUTOR_EXITED: 'executor_exited',
};

/** The envelope of a host call; the type below is the checked union. */
export const HostCall = Type.Object({
  type: literals(HOST_CALL_TYPES),
  host_id: Type.Optional(Type.String({ minLength: 1 })),
  subscribe: Type.Optional(Type.Object({ host_id: Type.String({ minLength: 1 }), pid: Type.Integer({ minimum: 1 }) })),
  executor_exited: Type.Optional(ExecutorExited),
});
export type HostCall =
  | { type: 'SUBSCRIBE'; subscribe: { host_id: string; pid: number } }
  | { type: 'EXECUTOR_EXITED'; host_id: string; executor_exited: ExecutorExited };

/** For the agent side: validates what a host sends. */
export const validateHostCall = makeUnionValidator<HostCall>('executor-host::Call', HostCall, HOST_CALL_BODY);
