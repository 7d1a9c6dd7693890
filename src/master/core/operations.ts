/**
 * Offer operation feedback (Mesos 1.10+, operations on agent default resources). A framework that
 * sets `id` on a RESERVE or UNRESERVE of an ACCEPT is told how it went with UPDATE_OPERATION_STATUS
 * events: OPERATION_FINISHED with the converted resources once applied, or OPERATION_ERROR when the
 * operation was refused. It acknowledges reliable statuses (those with a `uuid`) with
 * ACKNOWLEDGE_OPERATION_STATUS and asks for the latest ones with RECONCILE_OPERATIONS.
 *
 * As in Mesos:
 * - A refused operation gets OPERATION_ERROR without uuid or agent: it is not retried, not kept,
 *   and reconciles as unknown (Mesos' `drop`, used for invalid offers and invalid operations alike).
 * - An applied operation is kept until its terminal status is acknowledged; acknowledgements that
 *   name no known operation or status are ignored.
 * - Reconciliation answers carry no uuid. For an operation the master does not know, the state
 *   depends on the agent the framework names: recovering (not back since a master failover),
 *   unreachable, gone, or unknown.
 * - When an agent leaves the cluster (unreachable or marked gone) its operations are forgotten; a
 *   framework that reconciles them with their `agent_id` hears OPERATION_UNREACHABLE or
 *   OPERATION_GONE_BY_OPERATOR.
 *
 * Unlike Mesos, where the agent applies the operation and its status update manager retries the
 * status, Meridian's master applies reservations itself (the agent checkpoints what it is told and
 * is told again when it reregisters), so the master makes the OPERATION_FINISHED status and re-sends
 * it until acknowledged: on a timer with the agent's backoff (10 s doubling to 10 min), and at once
 * when the framework resubscribes. Operations are not durable: a new master knows none of them.
 */
import type { OfferOperation, Resource } from '../../api/mesos.js';
import { isTerminalOperationState, type Operation, type OperationState, type OperationStatus } from '../../api/operations.js';
import type { SchedulerCall } from '../../api/scheduler/calls.js';
import { toEndpointFormat, toOfferFormat } from '../../allocator/resource-math.js';
import { assert } from '../../common/assert.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { FrameworkRecord } from './state.js';
import type { Effect } from './types.js';

/** First wait before a status is sent again, as Mesos' status update manager waits. */
export const OPERATION_STATUS_RETRY_MIN_MS = 10_000;
/** The wait doubles per retry up to this. */
export const OPERATION_STATUS_RETRY_MAX_MS = 600_000;
/** Operations with feedback a framework may have unacknowledged at once; past it, new ones are refused. */
export const OPERATIONS_PER_FRAMEWORK_MAX = 10_000;

/** Where an agent stands, as the master core says it (`MasterCore.agentStanding`). */
export type AgentStanding = 'registered' | 'recovered' | 'unreachable' | 'gone' | 'unknown';

export type AcknowledgeOperationStatus = NonNullable<SchedulerCall['acknowledge_operation_status']>;
export type ReconcileOperations = NonNullable<SchedulerCall['reconcile_operations']>;

/** A reliable status sent and not yet acknowledged, with when to send it again. */
interface PendingDelivery {
  statusUuid: string;
  retryIntervalMs: number;
  nextRetryAtMs: number;
}

/** An applied operation with feedback, kept until its terminal status is acknowledged. */
export interface OperationRecord {
  /** The master's own id of the operation (mesos.proto `Operation.uuid`), base64. */
  readonly uuid: string;
  readonly operationId: string;
  readonly frameworkId: FrameworkId;
  readonly agentId: AgentId;
  /** The operation as the framework sent it. */
  readonly info: OfferOperation;
  /** Every status sent to the framework, oldest first; converted resources in the normalised format. */
  readonly statuses: OperationStatus[];
  pending: PendingDelivery | null;
}

/**
 * The operations with feedback of every framework, and what the core says about them. It hands
 * its effects (events, timers) to `emit`, the core's own effect list.
 */
export class OperationFeedback {
  private readonly byFramework = new Map<FrameworkId, Map<string, OperationRecord>>();
  /** Frameworks whose retry timer is set, so a framework without one is not sent a cancel at every change. */
  private readonly retryTimerSet = new Set<FrameworkId>();
  private uuidsIssued = 0;

  constructor(private readonly emit: (effect: Effect) => void) {}

  /** Why `operation` may not be applied with feedback; null when it has no `id` or the id is free. */
  checkId(framework: FrameworkRecord, operation: OfferOperation): string | null {
    if (operation.id === undefined) return null;
    const known = this.byFramework.get(framework.id);
    if (known?.has(operation.id.value)) {
      return `Operation ID '${operation.id.value}' is already used by an operation whose terminal status is not acknowledged`;
    }
    if ((known?.size ?? 0) >= OPERATIONS_PER_FRAMEWORK_MAX) {
      return `The framework has ${OPERATIONS_PER_FRAMEWORK_MAX} operations whose statuses are not acknowledged; acknowledge them before asking for feedback on more`;
    }
    return null;
  }

  /** An operation refused before it was applied: OPERATION_ERROR when it asked for feedback, else nothing. */
  refuse(framework: FrameworkRecord, operation: OfferOperation, message: string): void {
    if (operation.id === undefined) return;
    this.send(framework, { operation_id: { value: operation.id.value }, state: 'OPERATION_ERROR', message });
  }

  /**
   * An operation the master applied on `agentId`: kept, and its OPERATION_FINISHED sent reliably.
   * `converted` is what it produced, in the normalised format. `masterId` seeds the uuids.
   */
  finish(framework: FrameworkRecord, agentId: AgentId, operation: OfferOperation, converted: readonly Resource[], masterId: string, nowMs: number): void {
    if (operation.id === undefined) return;
    const statusUuid = this.newUuid(masterId);
    const status: OperationStatus = {
      operation_id: { value: operation.id.value },
      state: 'OPERATION_FINISHED',
      converted_resources: [...converted],
      uuid: { value: statusUuid },
      agent_id: { value: agentId },
    };
    const record: OperationRecord = {
      uuid: this.newUuid(masterId),
      operationId: operation.id.value,
      frameworkId: framework.id,
      agentId,
      info: operation,
      statuses: [status],
      pending: { statusUuid, retryIntervalMs: OPERATION_STATUS_RETRY_MIN_MS, nextRetryAtMs: nowMs + OPERATION_STATUS_RETRY_MIN_MS },
    };
    const known = this.byFramework.get(framework.id) ?? new Map<string, OperationRecord>();
    known.set(record.operationId, record);
    this.byFramework.set(framework.id, known);
    this.send(framework, status);
    this.scheduleRetry(framework.id);
  }

  /**
   * ACKNOWLEDGE_OPERATION_STATUS. A known status stops being re-sent, and an operation whose
   * terminal status is acknowledged is forgotten. Returns why the call was ignored, or null.
   */
  acknowledge(framework: FrameworkRecord, ack: AcknowledgeOperationStatus): string | null {
    const operationId = ack.operation_id.value;
    const record = this.byFramework.get(framework.id)?.get(operationId);
    if (!record) return `operation '${operationId}' is not known`;
    if (record.agentId !== ack.agent_id.value) return `operation '${operationId}' is on agent ${record.agentId}, not ${ack.agent_id.value}`;
    if (ack.resource_provider_id !== undefined) return `operation '${operationId}' is on the agent's default resources, not on resource provider ${ack.resource_provider_id.value}`;
    const status = record.statuses.find((each) => each.uuid?.value === ack.uuid);
    if (!status) return `operation '${operationId}' has no status with uuid ${ack.uuid}`;
    if (record.pending?.statusUuid === ack.uuid) record.pending = null;
    if (isTerminalOperationState(status.state)) this.forget(record);
    this.scheduleRetry(framework.id);
    return null;
  }

  /**
   * RECONCILE_OPERATIONS: the latest status of each named operation (or of every operation the
   * master knows of the framework when none is named), without uuid.
   */
  reconcile(framework: FrameworkRecord, request: ReconcileOperations, standing: (agentId: AgentId) => AgentStanding): void {
    const known = this.byFramework.get(framework.id);
    const named = request.operations ?? [];
    if (named.length === 0) {
      for (const record of known?.values() ?? []) this.send(framework, withoutUuid(latestStatus(record)));
      return;
    }
    for (const { operation_id, agent_id, resource_provider_id } of named) {
      const record = known?.get(operation_id.value);
      const status = record
        ? withoutUuid(latestStatus(record))
        : unknownOperationStatus(operation_id.value, agent_id?.value as AgentId | undefined, standing);
      this.send(framework, {
        ...status,
        ...(!record && resource_provider_id ? { resource_provider_id: { value: resource_provider_id.value } } : {}),
      });
    }
  }

  /** A framework subscribed again: every status it has not acknowledged goes out now, and the backoff starts over. */
  resendAll(framework: FrameworkRecord, nowMs: number): void {
    for (const record of this.byFramework.get(framework.id)?.values() ?? []) {
      if (!record.pending) continue;
      record.pending.retryIntervalMs = OPERATION_STATUS_RETRY_MIN_MS;
      record.pending.nextRetryAtMs = nowMs + OPERATION_STATUS_RETRY_MIN_MS;
      this.resend(framework, record);
    }
    this.scheduleRetry(framework.id);
  }

  /** The retry timer fired: statuses that are due go out again, each waiting twice as long before the next time. */
  onRetryTimer(framework: FrameworkRecord, nowMs: number): void {
    this.retryTimerSet.delete(framework.id); // It fired.
    // A disconnected framework hears everything when it resubscribes (`resendAll`), which arms the timer again.
    if (framework.connectionId === null) return;
    for (const record of this.byFramework.get(framework.id)?.values() ?? []) {
      const pending = record.pending;
      if (!pending || pending.nextRetryAtMs > nowMs) continue;
      pending.retryIntervalMs = Math.min(pending.retryIntervalMs * 2, OPERATION_STATUS_RETRY_MAX_MS);
      pending.nextRetryAtMs = nowMs + pending.retryIntervalMs;
      this.resend(framework, record);
    }
    this.scheduleRetry(framework.id);
  }

  /** A framework removed for good: nobody is left to acknowledge its operations. */
  removeFramework(frameworkId: FrameworkId): void {
    this.byFramework.delete(frameworkId);
    this.scheduleRetry(frameworkId);
  }

  /** An agent left the cluster (unreachable or gone): its operations are forgotten, as Mesos forgets them. */
  removeAgent(agentId: AgentId): void {
    for (const [frameworkId, known] of this.byFramework) {
      let removed = false;
      for (const record of [...known.values()]) {
        if (record.agentId !== agentId) continue;
        known.delete(record.operationId);
        removed = true;
      }
      if (!removed) continue;
      if (known.size === 0) this.byFramework.delete(frameworkId);
      this.scheduleRetry(frameworkId);
    }
  }

  /** Every kept operation, frameworks and operations in the order they came. */
  records(): OperationRecord[] {
    return [...this.byFramework.values()].flatMap((known) => [...known.values()]);
  }

  /** The body of the Operator API's GET_OPERATIONS (master.proto `Response.GetOperations`); an empty list is left out. */
  getOperations(): { operations?: Operation[] } {
    const operations = this.records().map(operationJson);
    return operations.length > 0 ? { operations } : {};
  }

  /** How many operations the framework has with a status not yet acknowledged. */
  countOf(frameworkId: FrameworkId): number {
    return this.byFramework.get(frameworkId)?.size ?? 0;
  }

  private forget(record: OperationRecord): void {
    const known = this.byFramework.get(record.frameworkId);
    known?.delete(record.operationId);
    if (known?.size === 0) this.byFramework.delete(record.frameworkId);
  }

  private resend(framework: FrameworkRecord, record: OperationRecord): void {
    const status = record.statuses.find((each) => each.uuid?.value === record.pending?.statusUuid);
    if (status) this.send(framework, status);
  }

  /** One timer per framework, at its earliest due retry; none when nothing waits. */
  private scheduleRetry(frameworkId: FrameworkId): void {
    let earliestMs = Infinity;
    for (const record of this.byFramework.get(frameworkId)?.values() ?? []) {
      if (record.pending && record.pending.nextRetryAtMs < earliestMs) earliestMs = record.pending.nextRetryAtMs;
    }
    const key = { kind: 'operation-status-retry' as const, frameworkId };
    if (earliestMs !== Infinity) {
      this.retryTimerSet.add(frameworkId);
      this.emit({ kind: 'set-timer', key, atMs: earliestMs });
    } else if (this.retryTimerSet.delete(frameworkId)) {
      this.emit({ kind: 'cancel-timer', key });
    }
  }

  private send(framework: FrameworkRecord, status: OperationStatus): void {
    if (framework.connectionId === null) return;
    this.emit({
      kind: 'to-framework',
      frameworkId: framework.id,
      event: { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: formatForFramework(status, framework) } },
    });
  }

  /** A fresh 16-byte uuid in base64; unique per master run (`masterId` is new at every start). */
  private newUuid(masterId: string): string {
    return base64(uuidBytes(masterId, ++this.uuidsIssued));
  }
}

/** The Operator API's view of an operation (GET_OPERATIONS), resources in the endpoint format. */
export function operationJson(record: OperationRecord): Operation {
  const endpoint = (status: OperationStatus): OperationStatus =>
    status.converted_resources ? { ...status, converted_resources: toEndpointFormat(status.converted_resources) } : status;
  return {
    framework_id: { value: record.frameworkId },
    agent_id: { value: record.agentId },
    info: record.info,
    latest_status: endpoint(withoutUuid(latestStatus(record))),
    ...(record.statuses.length > 0 ? { statuses: record.statuses.map(endpoint) } : {}),
    uuid: { value: record.uuid },
  };
}

function latestStatus(record: OperationRecord): OperationStatus {
  const latest = record.statuses[record.statuses.length - 1];
  assert(latest !== undefined, 'an operation is kept only once a status was sent for it');
  return latest;
}

function withoutUuid(status: OperationStatus): OperationStatus {
  const { uuid: _uuid, ...rest } = status;
  return rest;
}

/** What reconciliation says of an operation the master does not know, by where the named agent stands. */
function unknownOperationStatus(operationId: string, agentId: AgentId | undefined, standing: (agentId: AgentId) => AgentStanding): OperationStatus {
  const answer = (state: OperationState, message: string): OperationStatus => ({
    operation_id: { value: operationId },
    state,
    message: `Reconciliation: ${message}`,
    ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
  });
  if (agentId === undefined) return answer('OPERATION_UNKNOWN', "the operation is not known, and no 'agent_id' was given");
  switch (standing(agentId)) {
    case 'registered': return answer('OPERATION_UNKNOWN', `the operation is not known on agent ${agentId}`);
    case 'recovered': return answer('OPERATION_RECOVERING', `agent ${agentId} has not reregistered since the master failed over`);
    case 'unreachable': return answer('OPERATION_UNREACHABLE', `agent ${agentId} is unreachable`);
    case 'gone': return answer('OPERATION_GONE_BY_OPERATOR', `agent ${agentId} was marked gone by the operator`);
    case 'unknown': return answer('OPERATION_UNKNOWN', `neither the operation nor agent ${agentId} is known`);
  }
}

/** Converted resources in the format the framework's capabilities ask for, as its offers are. */
function formatForFramework(status: OperationStatus, framework: FrameworkRecord): OperationStatus {
  if (!status.converted_resources) return status;
  const how = { refinement: framework.capabilities.has('RESERVATION_REFINEMENT'), allocationInfo: framework.capabilities.has('MULTI_ROLE') };
  return { ...status, converted_resources: toOfferFormat(status.converted_resources, how) };
}

/**
 * 16 bytes: eight from a hash of the master's id, eight counting up. Deterministic, as the core
 * must be, and unique across master runs because every run has a new id.
 */
export function uuidBytes(masterId: string, serial: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, fnv1a(masterId, 0x811c9dc5));
  view.setUint32(4, fnv1a(masterId, 0x050c5d1f));
  view.setUint32(8, Math.floor(serial / 2 ** 32));
  view.setUint32(12, serial >>> 0);
  return bytes;
}

/** 32-bit FNV-1a over the UTF-16 code units, from `seed`. */
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}
