/**
 * Scheduler API v1 events (scheduler.proto `Event`), streamed to a subscribed framework as RecordIO.
 * The union's body sits under the lower-cased type name, as on the real wire (`offers.offers`).
 */
import type { IdWire, MasterInfo, Offer, TaskStatus } from '../mesos.js';
import type { OperationStatus } from '../operations.js';

export type SchedulerEvent =
  | { type: 'SUBSCRIBED'; subscribed: { framework_id: IdWire; heartbeat_interval_seconds: number; master_info: MasterInfo } }
  | { type: 'OFFERS'; offers: { offers: Offer[] } }
  | { type: 'RESCIND'; rescind: { offer_id: IdWire } }
  | { type: 'UPDATE'; update: { status: TaskStatus } }
  /** Feedback on an offer operation that set `id`; acknowledged with ACKNOWLEDGE_OPERATION_STATUS when it has a uuid. */
  | { type: 'UPDATE_OPERATION_STATUS'; update_operation_status: { status: OperationStatus } }
  | { type: 'MESSAGE'; message: { agent_id: IdWire; executor_id: IdWire; data: string } }
  | { type: 'FAILURE'; failure: { agent_id?: IdWire; executor_id?: IdWire; status?: number } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };

export type SchedulerEventType = SchedulerEvent['type'];
