/**
 * Scheduler API v1 calls (scheduler.proto `Call`), sent by frameworks to `POST /api/v1/scheduler`.
 * Every call is a union `{type: X, x: {...}}`; `validateSchedulerCall` checks the envelope and the
 * body the type names, and its errors name the field.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  AgentID, ExecutorID, Filters, FrameworkID, FrameworkInfo, KillPolicy, OfferID, OfferOperation, TaskID,
} from '../mesos.js';
import { OperationID, ResourceProviderID } from '../operations.js';
import { literals, makeUnionValidator } from '../schema.js';

export const SCHEDULER_CALL_TYPES = [
  'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'KILL',
  'SHUTDOWN', 'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST',
  'SUPPRESS', 'UPDATE_FRAMEWORK',
] as const;
export type SchedulerCallType = (typeof SCHEDULER_CALL_TYPES)[number];

/** The body key of each call type, or null for calls without a body. */
export const SCHEDULER_CALL_BODY: Readonly<Record<SchedulerCallType, string | null>> = {
  SUBSCRIBE: 'subscribe',
  TEARDOWN: null,
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  REVIVE: null,
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  SUPPRESS: null,
  UPDATE_FRAMEWORK: 'update_framework',
};

export const Subscribe = Type.Object({
  framework_info: FrameworkInfo,
  suppressed_roles: Type.Optional(Type.Array(Type.String())),
  offer_constraints: Type.Optional(Type.Unknown()),
});
export const Accept = Type.Object({
  offer_ids: Type.Array(OfferID),
  operations: Type.Optional(Type.Array(OfferOperation)),
  filters: Type.Optional(Filters),
});
export const Decline = Type.Object({ offer_ids: Type.Array(OfferID), filters: Type.Optional(Filters) });
const InverseOffers = Type.Object({ inverse_offer_ids: Type.Array(OfferID), filters: Type.Optional(Filters) });
export const Roles = Type.Object({ roles: Type.Optional(Type.Array(Type.String())) });
export const Kill = Type.Object({ task_id: TaskID, agent_id: Type.Optional(AgentID), kill_policy: Type.Optional(KillPolicy) });
export const Shutdown = Type.Object({ executor_id: ExecutorID, agent_id: AgentID });
export const Acknowledge = Type.Object({ agent_id: AgentID, task_id: TaskID, uuid: Type.String({ minLength: 1 }) });
/** 16 bytes in base64, as Mesos reads a UUID's `bytes` from JSON. */
const UUID_BYTES_BASE64 = '^[A-Za-z0-9+/]{22}==$';
/**
 * Mesos requires `agent_id` (operations on external resource providers are not supported) and a
 * uuid of 16 bytes; anything else is a 400 naming the field.
 */
export const AcknowledgeOperationStatus = Type.Object({
  agent_id: AgentID,
  resource_provider_id: Type.Optional(ResourceProviderID),
  uuid: Type.String({ pattern: UUID_BYTES_BASE64 }),
  operation_id: OperationID,
});
/** Empty or absent `operations` asks for every operation the master knows of the framework. */
export const ReconcileOperations = Type.Object({
  operations: Type.Optional(Type.Array(Type.Object({
    operation_id: OperationID,
    agent_id: Type.Optional(AgentID),
    resource_provider_id: Type.Optional(ResourceProviderID),
  }))),
});
export const Reconcile = Type.Object({
  tasks: Type.Optional(Type.Array(Type.Object({ task_id: TaskID, agent_id: Type.Optional(AgentID) }))),
});
export const Message = Type.Object({ agent_id: AgentID, executor_id: ExecutorID, data: Type.String() });
export const UpdateFramework = Type.Object({
  framework_info: FrameworkInfo,
  suppressed_roles: Type.Optional(Type.Array(Type.String())),
  offer_constraints: Type.Optional(Type.Unknown()),
});

export const SchedulerCall = Type.Object({
  framework_id: Type.Optional(FrameworkID),
  type: literals(SCHEDULER_CALL_TYPES),
  subscribe: Type.Optional(Subscribe),
  accept: Type.Optional(Accept),
  decline: Type.Optional(Decline),
  accept_inverse_offers: Type.Optional(InverseOffers),
  decline_inverse_offers: Type.Optional(InverseOffers),
  revive: Type.Optional(Roles),
  kill: Type.Optional(Kill),
  shutdown: Type.Optional(Shutdown),
  acknowledge: Type.Optional(Acknowledge),
  acknowledge_operation_status: Type.Optional(AcknowledgeOperationStatus),
  reconcile: Type.Optional(Reconcile),
  reconcile_operations: Type.Optional(ReconcileOperations),
  message: Type.Optional(Message),
  request: Type.Optional(Type.Object({ requests: Type.Optional(Type.Array(Type.Unknown())) })),
  suppress: Type.Optional(Roles),
  update_framework: Type.Optional(UpdateFramework),
});
export type SchedulerCall = Static<typeof SchedulerCall>;

export const validateSchedulerCall = makeUnionValidator<SchedulerCall>('scheduler::Call', SchedulerCall, SCHEDULER_CALL_BODY);
