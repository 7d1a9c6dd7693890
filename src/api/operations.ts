/**
 * Offer operation feedback on the wire (mesos.proto `OperationID`, `OperationState`,
 * `OperationStatus` and `Operation`): what a framework that sets `Offer.Operation.id` is told about
 * its operation, and what the Operator API's GET_OPERATIONS lists. Field order follows the field
 * numbers, as Mesos' JSON does.
 */
import { Type } from '@sinclair/typebox';
import type { IdWire, OfferOperation, Resource } from './mesos.js';
import { literals } from './schema.js';

/** `Offer.Operation.id`, chosen by the framework (mesos.proto `OperationID`). */
export const OperationID = Type.Object({ value: Type.String() });

/** Names a resource provider; Meridian has none, but calls may carry the field (mesos.proto `ResourceProviderID`). */
export const ResourceProviderID = Type.Object({ value: Type.String({ minLength: 1 }) });

export const OPERATION_STATES = [
  'OPERATION_UNSUPPORTED', 'OPERATION_PENDING', 'OPERATION_FINISHED', 'OPERATION_FAILED', 'OPERATION_ERROR',
  'OPERATION_DROPPED', 'OPERATION_UNREACHABLE', 'OPERATION_GONE_BY_OPERATOR', 'OPERATION_RECOVERING', 'OPERATION_UNKNOWN',
] as const;
export const OperationStateSchema = literals(OPERATION_STATES);
export type OperationState = (typeof OPERATION_STATES)[number];

/** The states after which an operation changes no more (mesos.proto marks them TERMINAL). */
export function isTerminalOperationState(state: OperationState): boolean {
  return state === 'OPERATION_FINISHED' || state === 'OPERATION_FAILED' || state === 'OPERATION_ERROR' || state === 'OPERATION_DROPPED';
}

/**
 * mesos.proto `UUID`: 16 bytes, base64 in JSON. An OperationStatus carries its uuid in this
 * message, while ACKNOWLEDGE_OPERATION_STATUS carries the bare bytes.
 */
export interface UuidWire {
  value: string;
}

/** mesos.proto `OperationStatus`. A status with a `uuid` is reliable: it is re-sent until acknowledged. */
export interface OperationStatus {
  operation_id?: IdWire;
  state: OperationState;
  message?: string;
  /** Only for OPERATION_FINISHED: the resources the operation produced. */
  converted_resources?: Resource[];
  uuid?: UuidWire;
  agent_id?: IdWire;
  resource_provider_id?: IdWire;
}

/** mesos.proto `Operation`, as the Operator API's GET_OPERATIONS lists it. */
export interface Operation {
  framework_id?: IdWire;
  agent_id?: IdWire;
  info: OfferOperation;
  latest_status: OperationStatus;
  /** Every status sent to the framework, oldest first; left out when empty. */
  statuses?: OperationStatus[];
  /** The master's own id of the operation, apart from the framework's `info.id`. */
  uuid: UuidWire;
}
