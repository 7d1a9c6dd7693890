/**
 * The master's core: a synchronous, deterministic state machine. `step(input, nowMs)` applies one
 * input (a scheduler call, an agent message, a timer) and returns the effects the shell must carry
 * out. It never awaits, reads the clock or does IO, so the simulator can drive thousands of agents
 * through it and replay any run from its seed.
 */
import { withFields } from '../../common/with-fields.js';
import type { AgentCall, AgentSubscribe, StatusUpdate } from '../../api/agent-link/messages.js';
import {
  isTerminalTaskState, type AgentInfo, type ExecutorInfo, type FrameworkInfo, type Offer, type OfferOperation, type Resource, type Task, type TaskInfo, type TaskState,
  type TaskStatus, type TaskStatusReason,
} from '../../api/mesos.js';
import type { WeightInfo } from '../../api/operator/calls.js';
import type { SchedulerCall } from '../../api/scheduler/calls.js';
import type { SchedulerEvent } from '../../api/scheduler/events.js';
import type { Allocator, OfferDecision } from '../../allocator/allocator.js';
import {
  addAll, contains, describe, dynamicallyReserved, fromWireFormat, isEmpty, subtractAll, toOfferFormat, toWire, unallocated,
  withAllocationRole, withDefaultAllocationRole,
} from '../../allocator/resource-math.js';
import { assert } from '../../common/assert.js';
import {
  agentIdOf, frameworkIdOf, offerIdOf, type AgentId, type ExecutorId, type FrameworkId, type MasterId, type OfferId,
  type TaskId,
} from '../../common/ids.js';
import {
  allocationRolesOf, masterFacts, outstandingOffersByRole, type AllocationExplanationResult, type RoleAllocation, type RoleAllocationBrief,
} from './allocation-explain.js';
import { MasterCounters } from './counters.js';
import { checkFits, resourcesToConsume, validateExecutor, validateTaskInfo, type TaskContext } from './launch.js';
import { OperationFeedback } from './operations.js';
import { checkReserve, checkUnreserve, type Conversion, type Requester } from './reservations.js';
import { isSameOrSubrole, validateRole } from './roles.js';
import {
  taskKey, type AgentRecord, type FrameworkRecord, type OfferRecord, type TaskRecord, type UnreachableAgent,
} from './state.js';
import { recountIn, TaskGauges } from './task-gauges.js';
import type {
  AdmittedAgentEntry, ConnectionId, Effect, MasterCoreOptions, MasterInput, OperatorAnswer, TimerKey, UnreachableAgentEntry,
} from './types.js';
import { checkWeightInfos, sortedWeightInfos } from './weights.js';
import {
  applyQuotaUpdate, checkLimitAgainstConsumption, checkOvercommit, checkQuotaTree, isEmptySpec, reservationOverLimit,
} from './quota-rules.js';
import type { QuotaSpec } from '../../allocator/quota.js';

/** Default `Filters.refuse_seconds` (mesos.proto). */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Status history kept per task; older statuses are dropped (the latest is what matters). */
export const TASK_STATUSES_MAX = 10;

type SubscribeCall = SchedulerCall & { type: 'SUBSCRIBE' };

/** Why a quota update may not be applied; `overcommit` when the cluster cannot hold its guarantees. */
export interface QuotaProblem {
  overcommit: boolean;
  message: string;
}

/** How the shell should treat a non-SUBSCRIBE call for a framework. */
export type FrameworkAccess = { kind: 'unknown' } | { kind: 'removed' } | { kind: 'known'; connectionId: ConnectionId | null };

/** Mesos' registry defaults: `--registry_max_agent_age`, `--registry_max_agent_count`, `--registry_gc_interval`. */
const REGISTRY_MAX_AGENT_AGE_MS = 14 * 24 * 3_600_000;
const REGISTRY_MAX_AGENT_COUNT = 102_400;
const REGISTRY_GC_INTERVAL_MS = 15 * 60_000;

export class MasterCore {
  readonly frameworks = new Map<FrameworkId, FrameworkRecord>();
  readonly agents = new Map<AgentId, AgentRecord>();
  readonly offers = new Map<OfferId, OfferRecord>();
  readonly unreachableAgents = new Map<AgentId, UnreachableAgent>();
  /**
   * Agents the registry held as admitted when this master started that have not reregistered yet
   * (Mesos' `slaves.recovered`). They are not offered and their tasks are unknown until they
   * return, so reconciliation of a task on one answers nothing rather than TASK_LOST; those not
   * back within `agentReregisterTimeoutMs` are marked unreachable.
   */
  readonly recoveredAgents = new Map<AgentId, AgentInfo>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  private readonly removedFrameworkIds = new Set<FrameworkId>();
  /** Agents an operator marked gone (MARK_AGENT_GONE): they may never reregister. Durable in the shell. */
  private readonly goneAgentIds = new Set<AgentId>();
  /** Weights operators set (role → weight); roles not here weigh 1. Durable in the shell, not here. */
  private readonly roleWeights = new Map<string, number>();
  private nextFrameworkNumber = 0;
  private nextAgentNumber = 1;
  private nextOfferNumber = 1;
  private effects: Effect[] = [];
  private nowMs = 0;
  /** Counts since the master started, for its metrics: bumped here as the core handles tasks and updates, read by the shell. */
  readonly counters = new MasterCounters();
  private readonly roleQuotas = new Map<string, QuotaSpec>();
  /** Tasks by state and the resources they use, kept as task records come, change and go (the maps below count into it). */
  readonly taskGauges = new TaskGauges();
  /** Feedback on offer operations that set `id` (UPDATE_OPERATION_STATUS), kept until acknowledged. */
  readonly operations = new OperationFeedback((effect) => this.emit(effect));

  constructor(readonly options: MasterCoreOptions, private readonly allocator: Allocator) {}

  get masterId(): MasterId {
    return this.options.masterId as MasterId;
  }

  /** Lets the shell answer 400/403 before a call reaches `step`. */
  frameworkAccess(frameworkId: FrameworkId): FrameworkAccess {
    const framework = this.frameworks.get(frameworkId);
    if (framework) return { kind: 'known', connectionId: framework.connectionId };
    return this.removedFrameworkIds.has(frameworkId) ? { kind: 'removed' } : { kind: 'unknown' };
  }

  /** The weights operators set, sorted by role (GET_WEIGHTS, `GET /weights`); roles never set are absent. */
  weightInfos(): WeightInfo[] {
    return sortedWeightInfos(this.roleWeights);
  }

  /** The quota of every role that has one (GET_QUOTA, `/quota`). */
  quotas(): ReadonlyMap<string, QuotaSpec> {
    return this.roleQuotas;
  }

  /**
   * What a role's subtree consumes of quota, as Mesos reports it: unreserved resources its
   * frameworks use and everything reserved to it; outstanding offers are not charged.
   */
  quotaConsumed(role: string): Record<string, number> {
    const consumed = { ...this.allocator.quotaConsumption(role) };
    for (const offer of this.offers.values()) {
      if (!isSameOrSubrole(offer.role, role)) continue;
      for (const resource of offer.resources) {
        if (resource.type !== 'SCALAR' || resource.reservations !== undefined) continue;
        const left = Math.round(((consumed[resource.name] ?? 0) - (resource.scalar?.value ?? 0)) * 1000) / 1000;
        consumed[resource.name] = Math.max(0, left);
      }
    }
    return consumed;
  }

  /**
   * Checks a quota update against the live cluster (Mesos' UPDATE_QUOTA checks after each config's
   * own): the quota tree, and without `force` limits below what a role consumes and guarantees
   * the cluster cannot hold. Null when it may be applied.
   */
  checkQuotaUpdate(update: ReadonlyArray<{ role: string; spec: QuotaSpec }>, force: boolean): QuotaProblem | null {
    const next = applyQuotaUpdate(this.roleQuotas, update);
    const treeProblem = checkQuotaTree(next);
    if (treeProblem) return { overcommit: false, message: treeProblem };
    if (force) return null;
    for (const { role, spec } of update) {
      const problem = checkLimitAgainstConsumption(role, spec, this.quotaConsumed(role));
      if (problem) return { overcommit: false, message: problem };
    }
    const capacity: Record<string, number> = {};
    for (const agent of this.agents.values()) {
      for (const resource of agent.total) {
        if (resource.type === 'SCALAR' && resource.revocable === undefined) {
          capacity[resource.name] = Math.round(((capacity[resource.name] ?? 0) + (resource.scalar?.value ?? 0)) * 1000) / 1000;
        }
      }
    }
    const overcommit = checkOvercommit(next, capacity);
    return overcommit ? { overcommit: true, message: overcommit } : null;
  }

  /** Where an agent stands, for the Operator API's MARK_AGENT_GONE (404 for an unknown one, idempotent for a gone one). */
  agentStanding(agentId: AgentId): 'registered' | 'recovered' | 'unreachable' | 'gone' | 'unknown' {
    if (this.goneAgentIds.has(agentId)) return 'gone';
    if (this.agents.has(agentId)) return 'registered';
    if (this.recoveredAgents.has(agentId)) return 'recovered';
    return this.unreachableAgents.has(agentId) ? 'unreachable' : 'unknown';
  }

  agentConnection(agentId: AgentId): ConnectionId | null | undefined {
    return this.agents.get(agentId)?.connectionId;
  }

  /** The allocator's gauges for the metrics endpoints, under Mesos' names without `allocator/mesos/`; only reads. */
  allocatorMetrics(nowMs: number): Record<string, number> {
    return this.allocator.metrics(nowMs);
  }

  /**
   * Why a framework gets what it gets, for `role` or every role it is in (subscribed, or holding
   * resources): the allocator's explanation, which walks every agent, with the master's facts and
   * a summary. Only reads.
   */
  explainAllocation(frameworkId: FrameworkId, role: string | undefined, nowMs: number): AllocationExplanationResult {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) {
      const removed = this.removedFrameworkIds.has(frameworkId);
      return removed
        ? { ok: false, reason: 'FRAMEWORK_REMOVED', message: `Framework '${frameworkId}' has been removed` }
        : { ok: false, reason: 'FRAMEWORK_UNKNOWN', message: `Framework '${frameworkId}' is not known to this master` };
    }
    const roles = allocationRolesOf(framework, this.offers);
    if (role !== undefined) {
      const problem = validateRole(role);
      if (problem) return { ok: false, reason: 'ROLE_INVALID', message: `Invalid role: ${problem}` };
      if (!roles.includes(role)) {
        return { ok: false, reason: 'ROLE_NOT_HELD', message: `Framework '${frameworkId}' is not in role '${role}' (its roles: ${roles.map((r) => `'${r}'`).join(', ')})` };
      }
    }
    const outstanding = outstandingOffersByRole(framework, this.offers);
    const explained = (role !== undefined ? [role] : roles).map((each): RoleAllocation => {
      const explanation = this.allocator.explain(frameworkId, each, nowMs);
      assert(explanation !== null, 'the allocator knows every framework the master knows');
      return { ...explanation, ...masterFacts(explanation, framework.connectionId !== null, outstanding.get(each)) };
    });
    return { ok: true, value: { frameworkId, name: framework.info.name, roles: explained } };
  }

  /**
   * The cheap version of `explainAllocation` for listings of every framework (`/master/state`):
   * no walk over agents, only the framework's own filters and offers. `agentsTotal` is how many
   * agents are active, counted once by the caller; `taskRoles`, the roles of the framework's tasks
   * when the caller knows them (saves a walk over its tasks). Only reads.
   */
  allocationBriefs(frameworkId: FrameworkId, nowMs: number, agentsTotal: number, taskRoles?: Iterable<string>): Map<string, RoleAllocationBrief> {
    const briefs = new Map<string, RoleAllocationBrief>();
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return briefs;
    const outstanding = outstandingOffersByRole(framework, this.offers);
    for (const role of allocationRolesOf(framework, this.offers, taskRoles)) {
      const brief = this.allocator.explainBrief(frameworkId, role, nowMs);
      assert(brief !== null, 'the allocator knows every framework the master knows');
      const agents = { total: agentsTotal, filtered: brief.filteredAgents };
      briefs.set(role, { ...brief, ...masterFacts({ ...brief, agents }, framework.connectionId !== null, outstanding.get(role)) });
    }
    return briefs;
  }

  /** Checks a SUBSCRIBE before a stream is opened for it; null when it may proceed. */
  validateSubscribe(call: SubscribeCall): string | null {
    const info = call.subscribe?.framework_info;
    if (!info) return "Expecting 'subscribe.framework_info' to be present";
    const multiRole = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
    if (multiRole && info.role !== undefined) return "'framework_info.role' must not be set by a MULTI_ROLE framework; use 'roles'";
    if (!multiRole && info.roles !== undefined && info.roles.length > 0) {
      return "'framework_info.roles' requires the MULTI_ROLE capability; use 'role'";
    }
    for (const role of rolesOf(info)) {
      const problem = validateRole(role);
      if (problem) return `Invalid framework roles: ${problem}`;
    }
    if (new Set(rolesOf(info)).size !== rolesOf(info).length) return "'framework_info.roles' contains duplicates";
    const id = call.framework_id?.value;
    if (id !== undefined && info.id !== undefined && info.id.value !== id) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    if (id !== undefined && this.removedFrameworkIds.has(id as FrameworkId)) return 'Framework has been removed';
    return null;
  }

  step(input: MasterInput, nowMs: number): Effect[] {
    this.nowMs = nowMs;
    this.effects = [];
    switch (input.kind) {
      case 'framework-subscribe': this.onFrameworkSubscribe(input.connectionId, input.call); break;
      case 'framework-call': this.onFrameworkCall(input.frameworkId, input.call); break;
      case 'framework-disconnected': this.onFrameworkDisconnected(input.frameworkId, input.connectionId); break;
      case 'agent-subscribe': this.onAgentSubscribe(input.connectionId, input.subscribe, input.remoteIp); break;
      case 'agent-call': this.onAgentCall(input.agentId, input.call); break;
      case 'agent-disconnected': this.onAgentDisconnected(input.agentId, input.connectionId); break;
      case 'timer': this.onTimer(input.key); break;
      case 'ping-tick': this.onPingTick(); break;
      case 'allocate': this.onAllocate(); break;
      case 'update-weights': this.onUpdateWeights(input.weights); break;
      case 'update-quota': this.onUpdateQuota(input.update); break;
      case 'reserve-resources': this.onOperatorReservation(input.agentId, 'RESERVE', input.resources, input.source); break;
      case 'unreserve-resources': this.onOperatorReservation(input.agentId, 'UNRESERVE', input.resources, []); break;
      case 'teardown-framework': {
        const framework = this.frameworks.get(input.frameworkId);
        if (framework) this.removeFramework(framework, 'Framework was torn down by the operator');
        break;
      }
      case 'mark-agent-gone': this.onMarkAgentGone(input.agentId); break;
      case 'recover-registry': this.onRecoverRegistry(input.admitted, input.unreachable); break;
    }
    const effects = this.effects;
    this.effects = [];
    return effects;
  }

  // ---------------------------------------------------------------- frameworks

  private onFrameworkSubscribe(connectionId: ConnectionId, call: SubscribeCall): void {
    const problem = this.validateSubscribe(call);
    if (problem) {
      this.emit({ kind: 'framework-stream-close', connectionId, event: { type: 'ERROR', error: { message: problem } } });
      return;
    }
    const info = (call.subscribe as NonNullable<SubscribeCall['subscribe']>).framework_info;
    const suppressed = call.subscribe?.suppressed_roles ?? [];
    const requestedId = call.framework_id?.value as FrameworkId | undefined;
    const existing = requestedId ? this.frameworks.get(requestedId) : undefined;
    if (existing) {
      this.failoverFramework(existing, connectionId, info, suppressed);
      return;
    }
    const id = requestedId ?? this.newFrameworkId();
    const framework: FrameworkRecord = {
      id,
      info: withFields(info, { id: { value: id } }),
      roles: rolesOf(info),
      capabilities: capabilitiesOf(info),
      connectionId,
      registeredAtMs: this.nowMs,
      reregisteredAtMs: requestedId ? this.nowMs : null,
      unregisteredAtMs: null,
      suppressedRoles: new Set(suppressed),
      offers: new Set(),
      tasks: this.taskGauges.map(true),
      unreachableTasks: this.taskGauges.map(false),
      completedTasks: [],
      taskChanges: 0,
      executors: new Map(),
    };
    this.frameworks.set(id, framework);
    this.allocator.addFramework(id, { roles: framework.roles, suppressedRoles: suppressed, capabilities: capabilityNames(info) }, true);
    this.adoptReportedTasks(framework);
    this.emit({ kind: 'state-changed', change: { kind: 'framework-added', frameworkId: id } });
    this.emit({ kind: 'framework-stream-open', connectionId, frameworkId: id, event: this.subscribedEvent(id) });
    this.emit({ kind: 'log', level: 'info', message: `Framework ${id} (${info.name}) subscribed` });
    this.emit({ kind: 'allocation-wanted' });
  }

  private failoverFramework(framework: FrameworkRecord, connectionId: ConnectionId, info: FrameworkInfo, suppressed: string[]): void {
    if (framework.connectionId !== null) {
      this.emit({
        kind: 'framework-stream-close',
        connectionId: framework.connectionId,
        event: { type: 'ERROR', error: { message: 'Framework failed over' } },
      });
    }
    this.emit({ kind: 'cancel-timer', key: { kind: 'framework-failover', frameworkId: framework.id } });
    // Offers made to the old scheduler instance are void for the new one.
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { rescind: false, refuseSeconds: null });
    framework.info = withFields(info, { id: { value: framework.id } });
    framework.roles = rolesOf(info);
    framework.capabilities = capabilitiesOf(info);
    framework.connectionId = connectionId;
    framework.reregisteredAtMs = this.nowMs;
    framework.unregisteredAtMs = null;
    framework.suppressedRoles = new Set(suppressed);
    this.allocator.updateFramework(framework.id, { roles: framework.roles, suppressedRoles: suppressed, capabilities: capabilityNames(info) });
    this.allocator.activateFramework(framework.id);
    this.emit({ kind: 'state-changed', change: { kind: 'framework-updated', frameworkId: framework.id } });
    this.emit({ kind: 'framework-stream-open', connectionId, frameworkId: framework.id, event: this.subscribedEvent(framework.id) });
    this.operations.resendAll(framework, this.nowMs);
    this.emit({ kind: 'log', level: 'info', message: `Framework ${framework.id} (${info.name}) resubscribed` });
    this.emit({ kind: 'allocation-wanted' });
  }

  private subscribedEvent(frameworkId: FrameworkId): SchedulerEvent {
    return {
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: frameworkId },
        heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds,
        master_info: this.options.masterInfo,
      },
    };
  }

  private newFrameworkId(): FrameworkId {
    for (;;) {
      const id = frameworkIdOf(this.masterId, this.nextFrameworkNumber++);
      if (!this.frameworks.has(id) && !this.removedFrameworkIds.has(id)) return id;
    }
  }

  private onFrameworkDisconnected(frameworkId: FrameworkId, connectionId: ConnectionId): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.connectionId !== connectionId) return;
    framework.connectionId = null;
    framework.unregisteredAtMs = this.nowMs;
    this.allocator.deactivateFramework(frameworkId);
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { rescind: false, refuseSeconds: null });
    const failoverMs = Math.max(0, (framework.info.failover_timeout ?? 0) * 1000);
    this.emit({ kind: 'state-changed', change: { kind: 'framework-updated', frameworkId } });
    this.emit({ kind: 'log', level: 'info', message: `Framework ${frameworkId} disconnected; failover timeout ${failoverMs} ms` });
    this.emit({ kind: 'set-timer', key: { kind: 'framework-failover', frameworkId }, atMs: this.nowMs + failoverMs });
  }

  private onFrameworkCall(frameworkId: FrameworkId, call: SchedulerCall): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    switch (call.type) {
      case 'SUBSCRIBE': return; // Handled as framework-subscribe by the shell.
      case 'TEARDOWN': this.removeFramework(framework, 'Framework was torn down'); return;
      case 'ACCEPT': this.onAccept(framework, call.accept as NonNullable<SchedulerCall['accept']>); return;
      case 'DECLINE': {
        const decline = call.decline as NonNullable<SchedulerCall['decline']>;
        const refuse = decline.filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
        for (const { value } of decline.offer_ids) this.declineOffer(framework, value as OfferId, refuse);
        return;
      }
      case 'REVIVE': {
        const roles = call.revive?.roles ?? [];
        for (const role of roles.length > 0 ? roles : framework.roles) framework.suppressedRoles.delete(role);
        this.allocator.reviveOffers(frameworkId, roles);
        this.emit({ kind: 'allocation-wanted' });
        return;
      }
      case 'SUPPRESS': {
        const roles = call.suppress?.roles ?? [];
        for (const role of roles.length > 0 ? roles : framework.roles) framework.suppressedRoles.add(role);
        this.allocator.suppressOffers(frameworkId, roles);
        return;
      }
      case 'KILL': this.onKill(framework, call.kill as NonNullable<SchedulerCall['kill']>); return;
      case 'SHUTDOWN': this.onShutdownExecutor(framework, call.shutdown as NonNullable<SchedulerCall['shutdown']>); return;
      case 'ACKNOWLEDGE': this.onAcknowledge(framework, call.acknowledge as NonNullable<SchedulerCall['acknowledge']>); return;
      case 'RECONCILE': this.onReconcile(framework, call.reconcile?.tasks ?? []); return;
      case 'MESSAGE': {
        const message = call.message as NonNullable<SchedulerCall['message']>;
        const agentId = message.agent_id.value as AgentId;
        if (!this.agents.get(agentId)?.connectionId) {
          this.counters.invalidFrameworkToExecutorMessages++;
          return; // Unreliable by contract: dropped.
        }
        this.counters.validFrameworkToExecutorMessages++;
        this.emit({
          kind: 'to-agent',
          agentId,
          event: { type: 'MESSAGE', message: { framework_id: { value: frameworkId }, executor_id: message.executor_id, data: message.data } },
        });
        return;
      }
      case 'UPDATE_FRAMEWORK': this.onUpdateFramework(framework, call.update_framework as NonNullable<SchedulerCall['update_framework']>); return;
      case 'ACKNOWLEDGE_OPERATION_STATUS': {
        // As Mesos: an acknowledgement of nothing known is ignored (202), with a warning.
        const ignored = this.operations.acknowledge(framework, call.acknowledge_operation_status as NonNullable<SchedulerCall['acknowledge_operation_status']>);
        if (ignored) this.emit({ kind: 'log', level: 'warn', message: `Ignoring ACKNOWLEDGE_OPERATION_STATUS from framework ${frameworkId}: ${ignored}` });
        return;
      }
      case 'RECONCILE_OPERATIONS':
        this.operations.reconcile(framework, call.reconcile_operations ?? {}, (agentId) => this.agentStanding(agentId));
        return;
      case 'REQUEST':
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
        // Accepted and ignored: the allocator takes no requests, and Meridian makes no inverse offers.
        return;
    }
  }

  private onUpdateFramework(framework: FrameworkRecord, update: NonNullable<SchedulerCall['update_framework']>): void {
    const info = update.framework_info;
    framework.info = { ...info, id: { value: framework.id }, user: framework.info.user, ...(framework.info.principal !== undefined ? { principal: framework.info.principal } : {}), ...(framework.info.checkpoint !== undefined ? { checkpoint: framework.info.checkpoint } : {}) };
    const removedRoles = framework.roles.filter((role) => !rolesOf(info).includes(role));
    framework.roles = rolesOf(info);
    framework.capabilities = capabilitiesOf(info);
    framework.suppressedRoles = new Set(update.suppressed_roles ?? []);
    for (const offerId of [...framework.offers]) {
      const offer = this.offers.get(offerId);
      if (offer && removedRoles.includes(offer.role)) this.removeOffer(offerId, { rescind: true, refuseSeconds: null });
    }
    this.allocator.updateFramework(framework.id, { roles: framework.roles, suppressedRoles: [...framework.suppressedRoles], capabilities: capabilityNames(framework.info) });
    this.emit({ kind: 'state-changed', change: { kind: 'framework-updated', frameworkId: framework.id } });
    for (const agent of this.agents.values()) {
      if (agent.connectionId && agent.tasks.size > 0) {
        this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'UPDATE_FRAMEWORK', update_framework: { framework: framework.info } } });
      }
    }
    this.emit({ kind: 'allocation-wanted' });
  }

  /** Removes a framework for good: kills its tasks, forgets its offers, keeps a bounded record. */
  private removeFramework(framework: FrameworkRecord, why: string): void {
    this.emit({ kind: 'log', level: 'info', message: `Removing framework ${framework.id}: ${why}` });
    if (framework.connectionId !== null) {
      this.emit({ kind: 'framework-stream-close', connectionId: framework.connectionId });
    }
    this.emit({ kind: 'cancel-timer', key: { kind: 'framework-failover', frameworkId: framework.id } });
    this.operations.removeFramework(framework.id);
    for (const offerId of [...framework.offers]) this.removeOffer(offerId, { rescind: false, refuseSeconds: null });
    const agentIds = new Set<AgentId>();
    for (const record of [...framework.tasks.values(), ...framework.unreachableTasks.values()]) {
      agentIds.add(record.agentId);
      if (!isTerminalTaskState(record.task.state)) this.setTaskState(record, 'TASK_KILLED');
      this.completeTask(framework, record);
    }
    for (const agentId of framework.executors.keys()) agentIds.add(agentId);
    for (const agentId of agentIds) {
      if (this.agents.get(agentId)?.connectionId) {
        this.emit({ kind: 'to-agent', agentId, event: { type: 'SHUTDOWN_FRAMEWORK', shutdown_framework: { framework_id: { value: framework.id } } } });
      }
    }
    this.allocator.removeFramework(framework.id);
    this.frameworks.delete(framework.id);
    this.removedFrameworkIds.add(framework.id);
    framework.connectionId = null;
    framework.unregisteredAtMs = this.nowMs;
    this.completedFrameworks.push(framework);
    while (this.completedFrameworks.length > this.options.maxCompletedFrameworks) this.completedFrameworks.shift();
    this.emit({ kind: 'state-changed', change: { kind: 'framework-removed', info: framework.info } });
    this.emit({ kind: 'allocation-wanted' });
  }

  // ---------------------------------------------------------------- offers

  private onAllocate(): void {
    const decisions = this.allocator.allocate(this.nowMs);
    const byFramework = new Map<FrameworkId, Offer[]>();
    for (const decision of decisions) {
      const offer = this.createOffer(decision);
      if (!offer) continue;
      const list = byFramework.get(decision.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(decision.frameworkId, list);
    }
    for (const [frameworkId, offers] of byFramework) {
      this.emit({ kind: 'to-framework', frameworkId, event: { type: 'OFFERS', offers: { offers } } });
    }
  }

  private createOffer(decision: OfferDecision): Offer | null {
    const framework = this.frameworks.get(decision.frameworkId);
    const agent = this.agents.get(decision.agentId);
    if (!framework || framework.connectionId === null || !agent || agent.connectionId === null) {
      // The allocator raced a disconnect: give the resources straight back.
      this.allocator.recoverResources(decision.frameworkId, decision.agentId, decision.resources, null, this.nowMs);
      return null;
    }
    const id = offerIdOf(this.masterId, this.nextOfferNumber++);
    const record: OfferRecord = { id, frameworkId: framework.id, agentId: agent.id, role: decision.role, resources: decision.resources, createdAtMs: this.nowMs };
    this.offers.set(id, record);
    framework.offers.add(id);
    agent.offers.add(id);
    if (this.options.offerTimeoutMs !== null) {
      this.emit({ kind: 'set-timer', key: { kind: 'offer-timeout', offerId: id }, atMs: this.nowMs + this.options.offerTimeoutMs });
    }
    return this.offerWire(record, framework, agent);
  }

  private offerWire(record: OfferRecord, framework: FrameworkRecord, agent: AgentRecord): Offer {
    const multiRole = framework.capabilities.has('MULTI_ROLE');
    const refinement = framework.capabilities.has('RESERVATION_REFINEMENT');
    const executorIds = [...(framework.executors.get(agent.id)?.keys() ?? [])].map((value) => ({ value }));
    return {
      id: { value: record.id },
      framework_id: { value: framework.id },
      agent_id: { value: agent.id },
      hostname: agent.info.hostname,
      url: {
        scheme: 'http',
        address: { hostname: agent.info.hostname, ip: agent.remoteIp, port: agent.info.port ?? 5051 },
        path: '/slave(1)',
      },
      ...(agent.info.domain ? { domain: agent.info.domain } : {}),
      ...(multiRole ? { allocation_info: { role: record.role } } : {}),
      resources: toOfferFormat(record.resources, { refinement, allocationInfo: multiRole }),
      attributes: agent.info.attributes ?? [],
      executor_ids: executorIds,
    };
  }

  /** Takes an offer out of circulation, returning its resources to the allocator. */
  private removeOffer(offerId: OfferId, how: { rescind: boolean; refuseSeconds: number | null }): OfferRecord | undefined {
    const offer = this.offers.get(offerId);
    if (!offer) return undefined;
    this.offers.delete(offerId);
    this.frameworks.get(offer.frameworkId)?.offers.delete(offerId);
    this.agents.get(offer.agentId)?.offers.delete(offerId);
    this.emit({ kind: 'cancel-timer', key: { kind: 'offer-timeout', offerId } });
    this.allocator.recoverResources(offer.frameworkId, offer.agentId, offer.resources, how.refuseSeconds, this.nowMs);
    if (how.rescind && this.frameworks.get(offer.frameworkId)?.connectionId) {
      this.emit({ kind: 'to-framework', frameworkId: offer.frameworkId, event: { type: 'RESCIND', rescind: { offer_id: { value: offerId } } } });
    }
    this.emit({ kind: 'allocation-wanted' });
    return offer;
  }

  private declineOffer(framework: FrameworkRecord, offerId: OfferId, refuseSeconds: number): void {
    const offer = this.offers.get(offerId);
    if (!offer || offer.frameworkId !== framework.id) return;
    this.removeOffer(offerId, { rescind: false, refuseSeconds });
  }

  // ---------------------------------------------------------------- weights

  private onUpdateWeights(weights: readonly WeightInfo[]): void {
    const checked = checkWeightInfos(weights, 'weights');
    assert(checked.ok, `the shell checks weights before stepping: ${checked.ok ? '' : checked.error}`);
    for (const { role, weight } of checked.value) {
      this.roleWeights.set(role, weight);
      this.allocator.updateWeight(role, weight);
    }
    // As Mesos does: when a role that frameworks are in (or one above them) changes weight, all
    // outstanding offers are rescinded, so the next allocation shares everything by the new weights.
    const updated = checked.value.map((info) => info.role);
    const touchesFrameworks = [...this.frameworks.values()].some((framework) =>
      framework.roles.some((role) => updated.some((changed) => isSameOrSubrole(role, changed))));
    if (touchesFrameworks) {
      for (const offerId of [...this.offers.keys()]) this.removeOffer(offerId, { rescind: true, refuseSeconds: null });
    }
    const listed = checked.value.map((info) => `${info.role}=${info.weight}`).join(', ');
    this.emit({ kind: 'log', level: 'info', message: `Updated weights: ${listed}` });
    this.emit({ kind: 'allocation-wanted' });
  }

  // ---------------------------------------------------------------- quota

  /**
   * Applies checked quota configs (an empty one removes a role's quota) and, best effort as in
   * Mesos, rescinds offers: first a role's own, while what it consumes and is offered is above
   * its new limits; then other roles', until what was rescinded and what the role holds covers
   * its guarantees.
   */
  private onUpdateQuota(update: ReadonlyArray<{ role: string; spec: QuotaSpec }>): void {
    for (const { role, spec } of update) {
      if (isEmptySpec(spec)) this.roleQuotas.delete(role);
      else this.roleQuotas.set(role, spec);
      this.allocator.updateQuota(role, isEmptySpec(spec) ? null : spec);
    }
    for (const { role, spec } of update) {
      const held = this.allocator.quotaConsumption(role);
      const over = () => Object.entries(spec.limits).some(([name, limit]) => (held[name] ?? 0) > limit + 1e-9);
      for (const offer of [...this.offers.values()]) {
        if (!over()) break;
        if (!isSameOrSubrole(offer.role, role)) continue;
        subtractScalars(held, offer.resources);
        this.removeOffer(offer.id, { rescind: true, refuseSeconds: null });
      }
      const covered = { ...held };
      const guaranteed = () => Object.entries(spec.guarantees).every(([name, amount]) => (covered[name] ?? 0) >= amount - 1e-9);
      for (const offer of [...this.offers.values()]) {
        if (guaranteed()) break;
        if (isSameOrSubrole(offer.role, role)) continue;
        subtractScalars(covered, offer.resources, -1);
        this.removeOffer(offer.id, { rescind: true, refuseSeconds: null });
      }
    }
    const listed = update.map(({ role, spec }) => (isEmptySpec(spec) ? `${role} (removed)` : role)).join(', ');
    this.emit({ kind: 'log', level: 'info', message: `Updated quota of ${listed}` });
    this.emit({ kind: 'allocation-wanted' });
  }

  // ---------------------------------------------------------------- accept and launch

  private onAccept(framework: FrameworkRecord, accept: NonNullable<SchedulerCall['accept']>): void {
    const refuseSeconds = accept.filters?.refuse_seconds ?? DEFAULT_REFUSE_SECONDS;
    const operations = accept.operations ?? [];
    const offers: OfferRecord[] = [];
    let invalid: string | null = accept.offer_ids.length === 0 ? 'No offers were given' : null;
    const seen = new Set<string>();
    for (const { value } of accept.offer_ids) {
      const offer = this.offers.get(value as OfferId);
      if (seen.has(value)) invalid ??= `Offer ${value} appears more than once`;
      else if (!offer) invalid ??= `Offer ${value} is no longer valid`;
      else if (offer.frameworkId !== framework.id) invalid ??= `Offer ${value} belongs to another framework`;
      else offers.push(offer);
      seen.add(value);
    }
    if (!invalid && offers.some((o) => o.agentId !== (offers[0] as OfferRecord).agentId)) {
      invalid = 'Aggregated offers must belong to one agent';
    }
    if (invalid) {
      // Valid offers among them go back to the pool without a filter, as Mesos does.
      for (const offer of offers) this.removeOffer(offer.id, { rescind: false, refuseSeconds: null });
      this.dropOperations(framework, operations, invalid);
      for (const operation of operations) {
        if (operation.type !== 'LAUNCH' && operation.type !== 'LAUNCH_GROUP') this.operations.refuse(framework, operation, `Operation attempted with invalid offers: ${invalid}`);
      }
      return;
    }
    const agent = this.agents.get((offers[0] as OfferRecord).agentId) as AgentRecord;
    let available = offers.reduce<Resource[]>((sum, offer) => addAll(sum, offer.resources), []);
    for (const offer of offers) {
      this.offers.delete(offer.id);
      framework.offers.delete(offer.id);
      agent.offers.delete(offer.id);
      this.emit({ kind: 'cancel-timer', key: { kind: 'offer-timeout', offerId: offer.id } });
    }
    const role = (offers[0] as OfferRecord).role;
    const accepted = new Set<string>();
    // In order: a RESERVE changes what the operations after it may use (Mesos applies them in turn).
    for (const [index, operation] of operations.entries()) {
      if (this.refusedForItsId(framework, agent, operation)) continue;
      if (operation.type === 'LAUNCH') {
        for (const task of operation.launch?.task_infos ?? []) available = this.launchTask(framework, agent, role, task, available, accepted);
      } else if (operation.type === 'LAUNCH_GROUP' && operation.launch_group) {
        available = this.launchGroup(framework, agent, role, operation.launch_group, available, accepted);
      } else if (operation.type === 'RESERVE' || operation.type === 'UNRESERVE') {
        available = this.applyOfferedReservation(framework, agent, role, operation, index, available);
      } else {
        this.emit({ kind: 'log', level: 'warn', message: `Framework ${framework.id}: offer operation ${operation.type} is not supported yet; skipped` });
      }
    }
    if (!isEmpty(available)) this.allocator.recoverResources(framework.id, agent.id, available, refuseSeconds, this.nowMs);
    this.emit({ kind: 'allocation-wanted' });
  }

  /**
   * A RESERVE or UNRESERVE of an ACCEPT, applied to what the framework was offered: checked as
   * Mesos checks it, then converted in the allocator (which must hold what is converted), in the
   * agent's total, and on the agent. An invalid one is dropped with a warning, as Mesos drops it;
   * the operations after it go on, and a task that needed its result fails for lack of resources.
   */
  private applyOfferedReservation(
    framework: FrameworkRecord, agent: AgentRecord, role: string, operation: OfferOperation, index: number, available: Resource[],
  ): Resource[] {
    const requester: Requester = {
      kind: 'framework',
      roles: framework.roles,
      principal: framework.info.principal,
      multiRole: framework.capabilities.has('MULTI_ROLE'),
      refinement: framework.capabilities.has('RESERVATION_REFINEMENT'),
      offerRole: role,
    };
    const path = `accept.operations[${index}]`;
    let conversion: Conversion;
    if (operation.type === 'RESERVE') {
      conversion = operation.reserve
        ? checkReserve(operation.reserve.resources ?? [], operation.reserve.source ?? [], requester, `${path}.reserve`)
        : { ok: false, error: `${path}.reserve: must be set for a RESERVE operation` };
    } else {
      conversion = operation.unreserve
        ? checkUnreserve(operation.unreserve.resources, requester, `${path}.unreserve`)
        : { ok: false, error: `${path}.unreserve: must be set for an UNRESERVE operation` };
    }
    const drop = (why: string): Resource[] => {
      this.emit({ kind: 'log', level: 'warn', message: `Dropping ${operation.type} operation from framework ${framework.id}: ${why}` });
      this.operations.refuse(framework, operation, why);
      return available;
    };
    if (!conversion.ok) return drop(conversion.error);
    if (!contains(available, conversion.from)) return drop(`the offered ${describe(available)} do not contain ${describe(conversion.from)}`);
    if (!this.allocator.updateAllocation(framework.id, agent.id, conversion.from, conversion.to)) {
      return drop(`framework ${framework.id} does not hold ${describe(conversion.from)} on agent ${agent.id}`);
    }
    this.convertAgentResources(agent, conversion.from, conversion.to);
    this.emit({ kind: 'log', level: 'info', message: `Applied ${operation.type} of ${describe(conversion.to)} from framework ${framework.id} on agent ${agent.id}` });
    this.operations.finish(framework, agent.id, operation, conversion.to, this.masterId, this.nowMs);
    return addAll(subtractAll(available, conversion.from), conversion.to);
  }

  /**
   * Feedback rules for an operation's `id`, checked before it is applied, as Mesos checks them:
   * LAUNCH and LAUNCH_GROUP take none (their tasks fail with TASK_ERROR), only RESERVE and
   * UNRESERVE can report back here, and an id may not be in use by an operation whose terminal
   * status is unacknowledged. True when the operation was refused.
   */
  private refusedForItsId(framework: FrameworkRecord, agent: AgentRecord, operation: OfferOperation): boolean {
    if (operation.id === undefined) return false;
    let problem: string | null;
    if (operation.type === 'LAUNCH' || operation.type === 'LAUNCH_GROUP') {
      problem = `The 'id' field cannot be set on ${operation.type} operations`;
      const reason = operation.type === 'LAUNCH' ? 'REASON_TASK_INVALID' : 'REASON_TASK_GROUP_INVALID';
      for (const task of operation.launch?.task_infos ?? operation.launch_group?.task_group.tasks ?? []) {
        this.counters.taskEnded('TASK_ERROR', this.sendMasterUpdate(framework, task.task_id.value, agent.id, 'TASK_ERROR', reason, problem));
      }
    } else {
      problem = operation.type === 'RESERVE' || operation.type === 'UNRESERVE'
        ? this.operations.checkId(framework, operation)
        : `Meridian does not apply ${operation.type} operations yet`;
      if (problem) this.operations.refuse(framework, operation, problem);
    }
    if (problem) this.emit({ kind: 'log', level: 'warn', message: `Dropping ${operation.type} operation from framework ${framework.id}: ${problem}` });
    return problem !== null;
  }

  /** Makes `to` of `from` in the agent's total and tells the agent its new dynamic reservations. */
  private convertAgentResources(agent: AgentRecord, from: readonly Resource[], to: readonly Resource[]): void {
    agent.total = addAll(subtractAll(agent.total, unallocated(from)), unallocated(to));
    this.sendCheckpointedResources(agent);
  }

  /** The agent saves every dynamic reservation it has (Mesos' CheckpointResourcesMessage); a disconnected agent is told when it returns. */
  private sendCheckpointedResources(agent: AgentRecord): void {
    if (agent.connectionId === null) return;
    this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'CHECKPOINT_RESOURCES', checkpoint_resources: { resources: toWire(dynamicallyReserved(agent.total)) } } });
  }

  /**
   * RESERVE_RESOURCES and UNRESERVE_RESOURCES of the Operator API, on an agent's unallocated
   * resources. When they are not free because some are offered, offers on the agent that hold
   * part of what is missing are rescinded, one at a time, until they are (with the default 5 s
   * filter, so the allocator does not hand them straight back, as Mesos' `_operation` does).
   * Answers 202 once applied, 400 for an invalid request or unknown agent, 409 when the resources
   * are in use.
   */
  private onOperatorReservation(agentId: AgentId, type: 'RESERVE' | 'UNRESERVE', resources: readonly Resource[], source: readonly Resource[]): void {
    const answer = (status: OperatorAnswer['status'], message: string): void => this.emit({ kind: 'operator-answer', answer: { status, message } });
    const path = type === 'RESERVE' ? 'reserve_resources' : 'unreserve_resources';
    const agent = this.agents.get(agentId);
    if (!agent) return answer(400, `${path}.agent_id: no agent found with ID '${agentId}'`);
    const requester: Requester = { kind: 'operator' };
    const conversion = type === 'RESERVE' ? checkReserve(resources, source, requester, path) : checkUnreserve(resources, requester, path);
    if (!conversion.ok) return answer(400, conversion.error);
    const { from, to } = conversion;
    const overLimit = type === 'RESERVE' ? reservationOverLimit(this.quotas(), (role) => this.allocator.quotaConsumption(role), from, to) : null;
    if (overLimit !== null) return answer(409, overLimit);
    let free = this.freeResourcesOf(agent);
    for (const offerId of [...agent.offers]) {
      if (contains(free, from)) break;
      const offer = this.offers.get(offerId);
      if (!offer) continue;
      const missing = subtractAll(from, free);
      const recovered = unallocated(offer.resources);
      if (contains(subtractAll(missing, recovered), missing)) continue; // Rescinding it would not help.
      this.removeOffer(offerId, { rescind: true, refuseSeconds: DEFAULT_REFUSE_SECONDS });
      free = addAll(free, recovered);
    }
    if (!contains(free, from)) {
      return answer(409, `Insufficient resources on agent ${agent.id} to ${type.toLowerCase()}: the unallocated ${describe(free)} do not contain ${describe(from)}`);
    }
    this.convertAgentResources(agent, from, to);
    this.allocator.updateAgent(agent.id, agent.total);
    this.emit({ kind: 'log', level: 'info', message: `Operator ${type} of ${describe(type === 'RESERVE' ? to : from)} on agent ${agent.id}` });
    this.emit({ kind: 'allocation-wanted' });
    answer(202, '');
  }

  /** What on an agent is neither used nor offered. */
  private freeResourcesOf(agent: AgentRecord): Resource[] {
    return subtractAll(agent.total, unallocated(addAll(this.usedResourcesOf(agent.id), this.offeredResourcesOf(agent.id))));
  }

  /** Every task in operations on invalid offers is dropped (TASK_LOST for frameworks that are not partition-aware). */
  private dropOperations(framework: FrameworkRecord, operations: NonNullable<SchedulerCall['accept']>['operations'], why: string): void {
    const state: TaskState = framework.capabilities.has('PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const operation of operations ?? []) {
      const tasks = operation.launch?.task_infos ?? operation.launch_group?.task_group.tasks ?? [];
      for (const task of tasks) {
        this.counters.taskEnded(state, this.sendMasterUpdate(framework, task.task_id.value, task.agent_id.value, state, 'REASON_INVALID_OFFERS', why));
      }
    }
  }

  private taskContext(framework: FrameworkRecord, agent: AgentRecord, accepted: Set<string>): TaskContext {
    return {
      offerAgentId: agent.id,
      taskIdInUse: (taskId) => accepted.has(taskId) || framework.tasks.has(taskId as TaskId),
      existingExecutor: (executorId) => framework.executors.get(agent.id)?.get(executorId as ExecutorId),
    };
  }

  private launchTask(framework: FrameworkRecord, agent: AgentRecord, role: string, task: TaskInfo, available: Resource[], accepted: Set<string>): Resource[] {
    const context = this.taskContext(framework, agent, accepted);
    const reject = (message: string) => {
      this.counters.taskEnded('TASK_ERROR', this.sendMasterUpdate(framework, task.task_id.value, agent.id, 'TASK_ERROR', 'REASON_TASK_INVALID', message));
      return available;
    };
    const check = validateTaskInfo(task, context);
    if (!check.ok) return reject(check.message);
    const taskResources = withAllocationRole(fromWireFormat(task.resources ?? []), role);
    const executor = task.executor;
    const newExecutor = executor && !context.existingExecutor(executor.executor_id.value) ? executor : null;
    const executorResources = newExecutor ? withAllocationRole(fromWireFormat(newExecutor.resources ?? []), role) : null;
    const needed = resourcesToConsume(taskResources, executorResources);
    const fits = checkFits(needed, available, 'Task');
    if (!fits.ok) return reject(fits.message);
    accepted.add(task.task_id.value);
    // The offer's resources stay allocated to the framework: now they are its task's (and executor's).
    const sentExecutor = executor ? { ...executor, framework_id: { value: framework.id }, resources: toWire(executorResources ?? withAllocationRole(fromWireFormat(executor.resources ?? []), role)) } : undefined;
    if (newExecutor && sentExecutor) this.addExecutor(framework, agent.id, sentExecutor);
    this.addTask(framework, agent, task, taskResources, executor?.executor_id.value);
    const sentTask: TaskInfo = { ...task, resources: toWire(taskResources), ...(sentExecutor ? { executor: sentExecutor } : {}) };
    this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'RUN_TASK', run_task: { framework: framework.info, task: sentTask } } });
    return subtractAll(available, needed);
  }

  private launchGroup(
    framework: FrameworkRecord,
    agent: AgentRecord,
    role: string,
    group: NonNullable<NonNullable<SchedulerCall['accept']>['operations']>[number]['launch_group'] & object,
    available: Resource[],
    accepted: Set<string>,
  ): Resource[] {
    const context = this.taskContext(framework, agent, accepted);
    const tasks = group.task_group.tasks;
    const problem = this.validateGroup(group.executor, tasks, context, agent.id);
    const executorKnown = context.existingExecutor(group.executor.executor_id.value) !== undefined;
    const executorResources = executorKnown ? null : withAllocationRole(fromWireFormat(group.executor.resources ?? []), role);
    const taskResources = tasks.map((task) => withAllocationRole(fromWireFormat(task.resources ?? []), role));
    const needed = resourcesToConsume(taskResources.reduce<Resource[]>((sum, r) => addAll(sum, r), []), executorResources);
    const fits = problem ? null : checkFits(needed, available, 'Task group');
    const failure = problem ?? (fits && !fits.ok ? fits.message : null);
    if (failure) {
      for (const task of tasks) {
        this.counters.taskEnded('TASK_ERROR', this.sendMasterUpdate(framework, task.task_id.value, agent.id, 'TASK_ERROR', 'REASON_TASK_GROUP_INVALID', failure));
      }
      return available;
    }
    const executor: ExecutorInfo = {
      ...group.executor,
      framework_id: { value: framework.id },
      resources: toWire(executorResources ?? withAllocationRole(fromWireFormat(group.executor.resources ?? []), role)),
    };
    if (!executorKnown) this.addExecutor(framework, agent.id, executor);
    tasks.forEach((task, i) => {
      accepted.add(task.task_id.value);
      this.addTask(framework, agent, task, taskResources[i] ?? [], executor.executor_id.value);
    });
    const sentGroup = { tasks: tasks.map((task, i) => ({ ...task, resources: toWire(taskResources[i] ?? []) })) };
    this.emit({
      kind: 'to-agent',
      agentId: agent.id,
      event: { type: 'RUN_TASK_GROUP', run_task_group: { framework: framework.info, executor, task_group: sentGroup } },
    });
    return subtractAll(available, needed);
  }

  private validateGroup(executor: ExecutorInfo, tasks: TaskInfo[], context: TaskContext, agentId: AgentId): string | null {
    if (tasks.length === 0) return 'Task group must contain at least one task';
    if (executor.type !== 'DEFAULT') return "Task group's executor must be of type DEFAULT";
    const executorProblem = validateExecutor(executor, context);
    if (executorProblem) return executorProblem;
    const ids = new Set<string>();
    for (const task of tasks) {
      if (ids.has(task.task_id.value)) return `Task group has duplicate task ID: ${task.task_id.value}`;
      ids.add(task.task_id.value);
      if (task.executor !== undefined) return `Task '${task.task_id.value}' in a task group must not set 'executor'`;
      const check = validateTaskInfo({ ...task, command: task.command ?? { value: '' } }, context);
      if (!check.ok) return `Task '${task.task_id.value}' is invalid: ${check.message}`;
      if (task.agent_id.value !== agentId) return `Task '${task.task_id.value}' uses another agent than the offers`;
    }
    return null;
  }

  private addExecutor(framework: FrameworkRecord, agentId: AgentId, executor: ExecutorInfo): void {
    const executors = framework.executors.get(agentId) ?? new Map<ExecutorId, ExecutorInfo>();
    executors.set(executor.executor_id.value as ExecutorId, withFields(executor, { framework_id: { value: framework.id } }));
    framework.executors.set(agentId, executors);
  }

  private addTask(framework: FrameworkRecord, agent: AgentRecord, info: TaskInfo, resources: Resource[], executorId: string | undefined): void {
    const task: Task = {
      name: info.name,
      task_id: info.task_id,
      framework_id: { value: framework.id },
      ...(executorId !== undefined ? { executor_id: { value: executorId } } : {}),
      agent_id: { value: agent.id },
      state: 'TASK_STAGING',
      resources,
      statuses: [],
      ...(info.labels ? { labels: info.labels } : {}),
      ...(info.discovery !== undefined ? { discovery: info.discovery } : {}),
      ...(info.container !== undefined ? { container: info.container } : {}),
      ...(info.health_check !== undefined ? { health_check: info.health_check } : {}),
      ...(info.kill_policy ? { kill_policy: info.kill_policy } : {}),
      ...(info.command?.user !== undefined ? { user: info.command.user } : { user: framework.info.user }),
    };
    const record: TaskRecord = { task, frameworkId: framework.id, agentId: agent.id, resources, resourcesRecovered: false };
    framework.tasks.set(info.task_id.value as TaskId, record);
    framework.taskChanges++;
    agent.tasks.add(taskKey(framework.id, info.task_id.value as TaskId));
    this.emit({ kind: 'state-changed', change: { kind: 'task-added', task } });
  }

  // ---------------------------------------------------------------- kill, shutdown, acknowledge, reconcile

  private onKill(framework: FrameworkRecord, kill: NonNullable<SchedulerCall['kill']>): void {
    const record = framework.tasks.get(kill.task_id.value as TaskId);
    if (!record) {
      // As Mesos: killing an unknown task answers with what reconciliation knows of it.
      this.onReconcile(framework, [{ task_id: kill.task_id, ...(kill.agent_id ? { agent_id: kill.agent_id } : {}) }]);
      return;
    }
    const agent = this.agents.get(record.agentId);
    if (!agent?.connectionId) return; // Delivered when the agent reregisters and reconciles.
    this.emit({
      kind: 'to-agent',
      agentId: agent.id,
      event: {
        type: 'KILL_TASK',
        kill_task: { framework_id: { value: framework.id }, task_id: kill.task_id, ...(kill.kill_policy ? { kill_policy: kill.kill_policy } : {}) },
      },
    });
  }

  private onShutdownExecutor(framework: FrameworkRecord, shutdown: NonNullable<SchedulerCall['shutdown']>): void {
    const agentId = shutdown.agent_id.value as AgentId;
    if (!this.agents.get(agentId)?.connectionId) return;
    this.emit({
      kind: 'to-agent',
      agentId,
      event: { type: 'SHUTDOWN_EXECUTOR', shutdown_executor: { framework_id: { value: framework.id }, executor_id: shutdown.executor_id } },
    });
  }

  private onAcknowledge(framework: FrameworkRecord, ack: NonNullable<SchedulerCall['acknowledge']>): void {
    const agentId = ack.agent_id.value as AgentId;
    const record = framework.tasks.get(ack.task_id.value as TaskId);
    if (record && record.task.status_update_uuid === ack.uuid && record.task.status_update_state && isTerminalTaskState(record.task.status_update_state)) {
      this.completeTask(framework, record);
    }
    if (!this.agents.get(agentId)?.connectionId) {
      this.counters.invalidStatusUpdateAcknowledgements++;
      return;
    }
    this.counters.validStatusUpdateAcknowledgements++;
    this.emit({
      kind: 'to-agent',
      agentId,
      event: { type: 'ACKNOWLEDGE', acknowledge: { framework_id: { value: framework.id }, task_id: ack.task_id, uuid: ack.uuid } },
    });
  }

  private onReconcile(framework: FrameworkRecord, tasks: Array<{ task_id: { value: string }; agent_id?: { value: string } }>): void {
    const partitionAware = framework.capabilities.has('PARTITION_AWARE');
    if (tasks.length === 0) {
      for (const record of [...framework.tasks.values(), ...framework.unreachableTasks.values()]) {
        this.sendReconciliation(framework, record.task.task_id.value, record.agentId, record.task.state, record.task);
      }
      return;
    }
    for (const { task_id, agent_id } of tasks) {
      const record = framework.tasks.get(task_id.value as TaskId) ?? framework.unreachableTasks.get(task_id.value as TaskId);
      if (record) {
        this.sendReconciliation(framework, task_id.value, record.agentId, record.task.state, record.task);
        continue;
      }
      const agentId = agent_id?.value as AgentId | undefined;
      // As Mesos: the task is unknown but its agent may still come back with it after a master
      // failover, so the master says nothing (the framework asks again later). Answering TASK_LOST
      // here would make a framework relaunch a task that is still running.
      if (agentId && this.recoveredAgents.has(agentId)) continue;
      let state: TaskState;
      if (agentId && this.agents.has(agentId)) state = partitionAware ? 'TASK_GONE' : 'TASK_LOST';
      else if (agentId && this.unreachableAgents.has(agentId)) state = partitionAware ? 'TASK_UNREACHABLE' : 'TASK_LOST';
      else state = partitionAware ? 'TASK_UNKNOWN' : 'TASK_LOST';
      this.sendReconciliation(framework, task_id.value, agentId, state, null);
    }
  }

  private sendReconciliation(framework: FrameworkRecord, taskId: string, agentId: string | undefined, state: TaskState, task: Task | null): void {
    const latest = task?.statuses[task.statuses.length - 1];
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_MASTER',
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: latest task state',
      timestamp: this.nowMs / 1000,
      ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
      ...(task?.executor_id ? { executor_id: task.executor_id } : {}),
      ...(latest?.healthy !== undefined ? { healthy: latest.healthy } : {}),
      ...(latest?.labels ? { labels: latest.labels } : {}),
      ...(latest?.container_status !== undefined ? { container_status: latest.container_status } : {}),
      ...(latest?.unreachable_time ? { unreachable_time: latest.unreachable_time } : {}),
    };
    this.emit({ kind: 'to-framework', frameworkId: framework.id, event: { type: 'UPDATE', update: { status } } });
  }

  /** A status update made by the master itself: carries no uuid and must not be acknowledged. */
  private sendMasterUpdate(framework: FrameworkRecord, taskId: string, agentId: string | undefined, state: TaskState, reason: TaskStatusReason, message: string, extra: Partial<TaskStatus> = {}): TaskStatus {
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_MASTER',
      reason,
      message,
      timestamp: this.nowMs / 1000,
      ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
      ...extra,
    };
    if (framework.connectionId !== null) {
      this.emit({ kind: 'to-framework', frameworkId: framework.id, event: { type: 'UPDATE', update: { status } } });
    }
    return status;
  }

  // ---------------------------------------------------------------- task bookkeeping

  private setTaskState(record: TaskRecord, state: TaskState, status?: TaskStatus): void {
    this.counters.taskStateChanged(record.task.state, state, status);
    // As Mesos: subscribers hear of an update that changes the latest state, not of retries (nor
    // of the kills that come with removing a framework, which FRAMEWORK_REMOVED reports).
    if (status && state !== record.task.state) this.emit({ kind: 'state-changed', change: { kind: 'task-updated', task: record.task, state, status } });
    record.task.state = state;
    if (status) {
      record.task.statuses.push(status);
      if (record.task.statuses.length > TASK_STATUSES_MAX) record.task.statuses.splice(0, record.task.statuses.length - TASK_STATUSES_MAX);
    }
    if (isTerminalTaskState(state) && !record.resourcesRecovered) {
      record.resourcesRecovered = true;
      this.allocator.recoverResources(record.frameworkId, record.agentId, record.resources, null, this.nowMs);
      this.emit({ kind: 'allocation-wanted' });
    }
    this.recountTask(record);
  }

  /** Counts a task record that changed in place again, in whichever of the core's maps holds it. */
  private recountTask(record: TaskRecord): void {
    const taskId = record.task.task_id.value as TaskId;
    const framework = this.frameworks.get(record.frameworkId);
    if (framework) {
      framework.taskChanges++;
      recountIn(framework.tasks, taskId, record);
      recountIn(framework.unreachableTasks, taskId, record);
    }
    recountIn(this.pendingAgentTasks, taskKey(record.frameworkId, taskId), record);
  }

  /** Moves a terminal task out of the active set into the framework's bounded history. */
  private completeTask(framework: FrameworkRecord, record: TaskRecord): void {
    const taskId = record.task.task_id.value as TaskId;
    if (!record.resourcesRecovered) {
      record.resourcesRecovered = true;
      this.allocator.recoverResources(record.frameworkId, record.agentId, record.resources, null, this.nowMs);
    }
    framework.tasks.delete(taskId);
    framework.unreachableTasks.delete(taskId);
    this.agents.get(record.agentId)?.tasks.delete(taskKey(framework.id, taskId));
    framework.completedTasks.push(record.task);
    const excess = framework.completedTasks.length - this.options.maxCompletedTasksPerFramework;
    if (excess > 0) framework.completedTasks.splice(0, excess);
    framework.taskChanges++;
  }

  // ---------------------------------------------------------------- agents

  private onAgentSubscribe(connectionId: ConnectionId, subscribe: AgentSubscribe, remoteIp: string): void {
    const requestedId = subscribe.agent_info.id?.value as AgentId | undefined;
    if (requestedId && this.goneAgentIds.has(requestedId)) {
      this.emit({ kind: 'agent-stream-close', connectionId, event: { type: 'SHUTDOWN', shutdown: { message: 'Agent has been marked gone' } } });
      this.emit({ kind: 'log', level: 'warn', message: `Refused agent ${requestedId} (${subscribe.agent_info.hostname}): it was marked gone` });
      return;
    }
    if (requestedId) this.counters.agentReregistrations++;
    else this.counters.agentRegistrations++;
    const known = requestedId ? this.agents.get(requestedId) : undefined;
    if (known) {
      this.reregisterKnownAgent(known, connectionId, subscribe, remoteIp);
      return;
    }
    const wasUnreachable = requestedId !== undefined && this.unreachableAgents.has(requestedId);
    const recoveredInfo = requestedId !== undefined ? this.recoveredAgents.get(requestedId) : undefined;
    const id = requestedId ?? this.newAgentId();
    if (requestedId) {
      this.unreachableAgents.delete(requestedId);
      this.recoveredAgents.delete(requestedId);
    }
    const info: AgentInfo = withFields(subscribe.agent_info, { id: { value: id }, resources: subscribe.resources });
    // Admitted before the agent hears its id: the shell holds the SUBSCRIBED event below until this
    // is durable. A recovered agent is in the registry already (unless its AgentInfo changed).
    if (recoveredInfo === undefined || !sameJson(recoveredInfo, info)) this.emit({ kind: 'persist', change: { kind: 'admit-agent', agentId: id, info } });
    if (recoveredInfo !== undefined && this.recoveredAgents.size === 0) this.emit({ kind: 'cancel-timer', key: { kind: 'agent-reregister-timeout' } });
    const agent: AgentRecord = {
      id,
      info,
      total: fromWireFormat(subscribe.resources),
      version: subscribe.version,
      remoteIp,
      connectionId,
      registeredAtMs: this.nowMs,
      reregisteredAtMs: requestedId ? this.nowMs : null,
      awaitingPong: false,
      missedPings: 0,
      tasks: new Set(),
      offers: new Set(),
    };
    this.agents.set(id, agent);
    this.emit({ kind: 'state-changed', change: { kind: 'agent-added', agentId: id } });
    const used = this.adoptAgentTasks(agent, subscribe, wasUnreachable);
    this.allocator.addAgent(id, { total: agent.total, used });
    this.emit({ kind: 'agent-stream-open', connectionId, agentId: id, event: this.agentSubscribedEvent(id) });
    this.emit({ kind: 'log', level: 'info', message: `Agent ${id} (${agent.info.hostname}) ${requestedId ? 'reregistered' : 'registered'}` });
    this.emit({ kind: 'allocation-wanted' });
  }

  private newAgentId(): AgentId {
    for (;;) {
      const id = agentIdOf(this.masterId, this.nextAgentNumber++);
      if (!this.agents.has(id) && !this.unreachableAgents.has(id) && !this.recoveredAgents.has(id)) return id;
    }
  }

  private agentSubscribedEvent(agentId: AgentId) {
    return {
      type: 'SUBSCRIBED' as const,
      subscribed: {
        agent_id: { value: agentId },
        heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds,
        ping_interval_seconds: this.options.agentPingTimeoutMs / 1000,
        master_info: this.options.masterInfo,
      },
    };
  }

  /**
   * Takes in the tasks a (re)registering agent reports. After a master restart they are news to
   * us; after a partition, tasks of frameworks that are not partition-aware are killed, as Mesos
   * does for backward compatibility.
   */
  private adoptAgentTasks(agent: AgentRecord, subscribe: AgentSubscribe, wasUnreachable: boolean): Array<{ frameworkId: FrameworkId; resources: Resource[] }> {
    const used = new Map<FrameworkId, Resource[]>();
    for (const executor of subscribe.executors ?? []) {
      const frameworkId = executor.framework_id?.value as FrameworkId | undefined;
      const framework = frameworkId ? this.frameworks.get(frameworkId) : undefined;
      if (framework && frameworkId) {
        this.addExecutor(framework, agent.id, executor);
        const resources = this.executorResources(framework, executor);
        used.set(frameworkId, addAll(used.get(frameworkId) ?? [], resources));
      }
    }
    for (const task of subscribe.tasks ?? []) {
      const frameworkId = task.framework_id.value as FrameworkId;
      const framework = this.frameworks.get(frameworkId);
      const taskId = task.task_id.value as TaskId;
      const resources = withDefaultAllocationRole(fromWireFormat(task.resources), framework?.roles[0] ?? '*');
      const record: TaskRecord = { task: withFields(task, { agent_id: { value: agent.id } }), frameworkId, agentId: agent.id, resources, resourcesRecovered: isTerminalTaskState(task.state) };
      this.pendingAgentTasks.set(taskKey(frameworkId, taskId), record);
      agent.tasks.add(taskKey(frameworkId, taskId));
      this.emit({ kind: 'state-changed', change: { kind: 'task-added', task: record.task } });
      if (!isTerminalTaskState(task.state)) used.set(frameworkId, addAll(used.get(frameworkId) ?? [], resources));
      if (!framework) continue;
      framework.unreachableTasks.delete(taskId);
      framework.tasks.set(taskId, record);
      framework.taskChanges++;
      this.pendingAgentTasks.delete(taskKey(frameworkId, taskId));
      if (wasUnreachable && !framework.capabilities.has('PARTITION_AWARE') && !isTerminalTaskState(task.state)) {
        this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'KILL_TASK', kill_task: { framework_id: { value: frameworkId }, task_id: task.task_id } } });
      }
    }
    return [...used].map(([frameworkId, resources]) => ({ frameworkId, resources }));
  }

  /** Tasks reported by agents for frameworks that have not resubscribed yet (after a master restart). */
  private readonly pendingAgentTasks = this.taskGauges.map<string>(true);

  /** A framework that subscribes after a master restart gets back the tasks its agents reported. */
  private adoptReportedTasks(framework: FrameworkRecord): void {
    for (const [key, record] of this.pendingAgentTasks) {
      if (record.frameworkId !== framework.id) continue;
      framework.tasks.set(record.task.task_id.value as TaskId, record);
      framework.taskChanges++;
      this.pendingAgentTasks.delete(key);
      const executorId = record.task.executor_id?.value;
      if (executorId && !framework.executors.get(record.agentId)?.has(executorId as ExecutorId)) {
        this.addExecutor(framework, record.agentId, { executor_id: { value: executorId }, framework_id: { value: framework.id } });
      }
    }
  }

  private reregisterKnownAgent(agent: AgentRecord, connectionId: ConnectionId, subscribe: AgentSubscribe, remoteIp: string): void {
    if (agent.connectionId !== null && agent.connectionId !== connectionId) {
      this.emit({ kind: 'agent-stream-close', connectionId: agent.connectionId });
    }
    agent.connectionId = connectionId;
    agent.remoteIp = remoteIp;
    agent.reregisteredAtMs = this.nowMs;
    agent.awaitingPong = false;
    agent.missedPings = 0;
    agent.version = subscribe.version;
    const info: AgentInfo = withFields(subscribe.agent_info, { id: { value: agent.id }, resources: agent.info.resources ?? subscribe.resources });
    if (!sameJson(agent.info, info)) this.emit({ kind: 'persist', change: { kind: 'admit-agent', agentId: agent.id, info } });
    agent.info = info;
    // Tasks we launched there that the agent does not know were lost in flight.
    const reported = new Set((subscribe.tasks ?? []).map((t) => taskKey(t.framework_id.value as FrameworkId, t.task_id.value as TaskId)));
    for (const key of [...agent.tasks]) {
      if (reported.has(key)) continue;
      const record = this.findTask(key);
      if (!record || isTerminalTaskState(record.task.state)) continue;
      const framework = this.frameworks.get(record.frameworkId);
      if (!framework) continue;
      const state: TaskState = framework.capabilities.has('PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
      const status = this.sendMasterUpdate(framework, record.task.task_id.value, agent.id, state, 'REASON_AGENT_REREGISTERED', 'Task is unknown to the agent after it reregistered');
      this.setTaskState(record, state, status);
      this.completeTask(framework, record);
    }
    this.allocator.activateAgent(agent.id);
    this.emit({ kind: 'agent-stream-open', connectionId, agentId: agent.id, event: this.agentSubscribedEvent(agent.id) });
    // The master's record of the agent's reservations wins: a CHECKPOINT_RESOURCES sent while the
    // agent was away was lost with its stream, so it is sent again (as Mesos does on reregistration).
    if (!sameResources(dynamicallyReserved(agent.total), dynamicallyReserved(fromWireFormat(subscribe.resources)))) this.sendCheckpointedResources(agent);
    this.emit({ kind: 'log', level: 'info', message: `Agent ${agent.id} (${agent.info.hostname}) reconnected` });
    this.emit({ kind: 'allocation-wanted' });
  }

  private findTask(key: string): TaskRecord | undefined {
    const [frameworkId, taskId] = key.split(' ') as [FrameworkId, TaskId];
    const framework = this.frameworks.get(frameworkId);
    return framework?.tasks.get(taskId) ?? framework?.unreachableTasks.get(taskId) ?? this.pendingAgentTasks.get(key);
  }

  private onAgentDisconnected(agentId: AgentId, connectionId: ConnectionId): void {
    const agent = this.agents.get(agentId);
    if (!agent || agent.connectionId !== connectionId) return;
    agent.connectionId = null;
    this.allocator.deactivateAgent(agentId);
    for (const offerId of [...agent.offers]) this.removeOffer(offerId, { rescind: true, refuseSeconds: null });
    this.emit({ kind: 'log', level: 'warn', message: `Agent ${agentId} disconnected; it is marked unreachable unless it returns within ${this.options.agentPingTimeoutMs * this.options.maxAgentPingTimeouts} ms` });
  }

  private onAgentCall(agentId: AgentId, call: AgentCall): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    switch (call.type) {
      case 'SUBSCRIBE': return;
      case 'BATCH': return; // Unpacked by the shell into its calls.
      case 'PONG':
        agent.awaitingPong = false;
        agent.missedPings = 0;
        return;
      case 'UPDATE': this.onStatusUpdate(agent, call.update as StatusUpdate); return;
      case 'EXECUTOR_EXITED': {
        const exited = call.executor_exited as NonNullable<AgentCall['executor_exited']>;
        this.onExecutorExited(agent, exited.framework_id.value as FrameworkId, exited.executor_id.value as ExecutorId, exited.status);
        return;
      }
      case 'MESSAGE': {
        const message = call.message as NonNullable<AgentCall['message']>;
        const framework = this.frameworks.get(message.framework_id.value as FrameworkId);
        if (!framework?.connectionId) {
          this.counters.invalidExecutorToFrameworkMessages++;
          return;
        }
        this.counters.validExecutorToFrameworkMessages++;
        this.emit({
          kind: 'to-framework',
          frameworkId: framework.id,
          event: { type: 'MESSAGE', message: { agent_id: { value: agent.id }, executor_id: message.executor_id, data: message.data } },
        });
        return;
      }
    }
  }

  private onStatusUpdate(agent: AgentRecord, update: StatusUpdate): void {
    const frameworkId = update.framework_id.value as FrameworkId;
    const framework = this.frameworks.get(frameworkId);
    const taskId = update.status.task_id.value as TaskId;
    const record = framework?.tasks.get(taskId) ?? this.pendingAgentTasks.get(taskKey(frameworkId, taskId));
    if (record) this.counters.validStatusUpdates++;
    else this.counters.invalidStatusUpdates++;
    if (record) {
      this.setTaskState(record, update.latest_state ?? update.status.state, update.status);
      record.task.status_update_state = update.status.state;
      if (update.status.uuid !== undefined) record.task.status_update_uuid = update.status.uuid;
      if (framework) framework.taskChanges++;
    }
    // Without a subscribed framework the update is dropped; the agent retries until acknowledged.
    if (!framework || framework.connectionId === null) return;
    const status: TaskStatus = withFields(update.status, { agent_id: { value: agent.id } });
    this.emit({ kind: 'to-framework', frameworkId, event: { type: 'UPDATE', update: { status } } });
  }

  private onExecutorExited(agent: AgentRecord, frameworkId: FrameworkId, executorId: ExecutorId, exitStatus: number | undefined): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    const executors = framework.executors.get(agent.id);
    const executor = executors?.get(executorId);
    if (executor) {
      executors?.delete(executorId);
      if (executors?.size === 0) framework.executors.delete(agent.id);
      const resources = this.executorResources(framework, executor);
      if (resources.length > 0) {
        this.allocator.recoverResources(frameworkId, agent.id, resources, null, this.nowMs);
        this.emit({ kind: 'allocation-wanted' });
      }
    }
    if (framework.connectionId === null) return;
    this.emit({
      kind: 'to-framework',
      frameworkId,
      event: { type: 'FAILURE', failure: { agent_id: { value: agent.id }, executor_id: { value: executorId }, ...(exitStatus !== undefined ? { status: exitStatus } : {}) } },
    });
  }

  private onPingTick(): void {
    for (const agent of [...this.agents.values()]) {
      if (agent.awaitingPong) agent.missedPings++;
      if (agent.missedPings >= this.options.maxAgentPingTimeouts) {
        this.markAgentUnreachable(agent);
        continue;
      }
      if (agent.connectionId === null) {
        agent.awaitingPong = true;
        continue;
      }
      agent.awaitingPong = true;
      this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'PING' } });
    }
  }

  /**
   * An agent that stopped answering pings: its offers are rescinded, its tasks reported as
   * TASK_UNREACHABLE (TASK_LOST to frameworks that are not partition-aware), and frameworks get
   * a FAILURE event for it. It may come back and reregister.
   */
  private markAgentUnreachable(agent: AgentRecord): void {
    this.emit({ kind: 'log', level: 'warn', message: `Agent ${agent.id} (${agent.info.hostname}) missed ${agent.missedPings} pings: marking it unreachable` });
    this.removeAgent(agent, 'unreachable');
  }

  /**
   * MARK_AGENT_GONE: the operator says the agent is never coming back. A registered agent is
   * removed as an unreachable one is, but for good; an unreachable one's tasks, kept for its
   * return, end. Either way the id may never reregister.
   */
  private onMarkAgentGone(agentId: AgentId): void {
    this.goneAgentIds.add(agentId);
    const inRegistry = this.agents.has(agentId) || this.recoveredAgents.has(agentId) || this.unreachableAgents.has(agentId);
    if (inRegistry) this.emit({ kind: 'persist', change: { kind: 'remove-agent', agentId } });
    if (this.recoveredAgents.delete(agentId)) {
      // Its tasks are unknown to this master: there is nothing to end, and it will be refused if it comes back.
      this.emit({ kind: 'log', level: 'warn', message: `Recovered agent ${agentId} was marked gone by the operator` });
      if (this.recoveredAgents.size === 0) this.emit({ kind: 'cancel-timer', key: { kind: 'agent-reregister-timeout' } });
      return;
    }
    const agent = this.agents.get(agentId);
    if (agent) {
      this.emit({ kind: 'log', level: 'warn', message: `Agent ${agent.id} (${agent.info.hostname}) was marked gone by the operator` });
      this.removeAgent(agent, 'gone');
      return;
    }
    if (!this.unreachableAgents.delete(agentId)) return;
    this.emit({ kind: 'log', level: 'warn', message: `Unreachable agent ${agentId} was marked gone by the operator` });
    for (const framework of this.frameworks.values()) {
      for (const record of [...framework.unreachableTasks.values()]) {
        if (record.agentId !== agentId) continue;
        const status = this.sendMasterUpdate(framework, record.task.task_id.value, agentId, 'TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', `Agent ${agentId} was marked gone`);
        this.setTaskState(record, 'TASK_GONE_BY_OPERATOR', status);
        this.completeTask(framework, record);
      }
    }
  }

  /**
   * Takes an agent out of the cluster: its offers are rescinded, its live tasks reported ended,
   * and frameworks get a FAILURE event for it. An unreachable agent's tasks become
   * TASK_UNREACHABLE and wait for it to come back; a gone agent's become TASK_GONE_BY_OPERATOR and
   * it is told to shut down. Frameworks that are not partition-aware see TASK_LOST either way.
   */
  private removeAgent(agent: AgentRecord, why: 'unreachable' | 'gone'): void {
    // Durable before frameworks hear of it: a master that restarts must not take the agent back as
    // if it had never left (its non-partition-aware tasks, reported lost, would keep running).
    if (why === 'unreachable') this.emit({ kind: 'persist', change: { kind: 'mark-agent-unreachable', agentId: agent.id, info: agent.info, unreachableAtMs: this.nowMs } });
    this.counters.agentRemoved(why);
    if (agent.connectionId !== null) {
      if (why === 'gone') this.emit({ kind: 'to-agent', agentId: agent.id, event: { type: 'SHUTDOWN', shutdown: { message: 'Agent has been marked gone' } } });
      this.emit({ kind: 'agent-stream-close', connectionId: agent.connectionId });
    }
    for (const offerId of [...agent.offers]) this.removeOffer(offerId, { rescind: true, refuseSeconds: null });
    const unreachableTime = { nanoseconds: Math.round(this.nowMs * 1e6) };
    for (const key of [...agent.tasks]) {
      const record = this.findTask(key);
      agent.tasks.delete(key);
      if (!record) continue;
      const framework = this.frameworks.get(record.frameworkId);
      if (!framework) {
        this.pendingAgentTasks.delete(key);
        continue;
      }
      // A task that ended on the agent but whose terminal update the framework has not been sent
      // yet (it queues behind an unacknowledged one) is reported like a live task: the agent,
      // which would have delivered that update, is gone.
      if (isTerminalTaskState(record.task.status_update_state ?? record.task.state)) {
        this.completeTask(framework, record);
        continue;
      }
      const partitionAware = framework.capabilities.has('PARTITION_AWARE');
      const state: TaskState = !partitionAware ? 'TASK_LOST' : why === 'gone' ? 'TASK_GONE_BY_OPERATOR' : 'TASK_UNREACHABLE';
      const reason = why === 'gone' ? 'REASON_AGENT_REMOVED_BY_OPERATOR' : 'REASON_AGENT_REMOVED';
      const status = this.sendMasterUpdate(framework, record.task.task_id.value, agent.id, state, reason, `Agent ${agent.id} is ${why}`, {
        ...(why === 'unreachable' ? { unreachable_time: unreachableTime } : {}),
        ...(record.task.executor_id ? { executor_id: record.task.executor_id } : {}),
      });
      this.setTaskState(record, state, status);
      framework.tasks.delete(record.task.task_id.value as TaskId);
      framework.taskChanges++;
      if (state === 'TASK_UNREACHABLE') {
        record.unreachableAtMs = this.nowMs;
        framework.unreachableTasks.set(record.task.task_id.value as TaskId, record);
      } else {
        this.completeTask(framework, record);
      }
    }
    for (const framework of this.frameworks.values()) {
      framework.executors.delete(agent.id);
      if (framework.connectionId !== null) {
        this.emit({ kind: 'to-framework', frameworkId: framework.id, event: { type: 'FAILURE', failure: { agent_id: { value: agent.id } } } });
      }
    }
    this.allocator.removeAgent(agent.id);
    this.operations.removeAgent(agent.id);
    this.agents.delete(agent.id);
    if (why === 'unreachable') this.unreachableAgents.set(agent.id, { info: agent.info, unreachableAtMs: this.nowMs });
    this.emit({ kind: 'state-changed', change: { kind: 'agent-removed', agentId: agent.id } });
    this.emit({ kind: 'allocation-wanted' });
  }

  // ---------------------------------------------------------------- registry recovery

  /**
   * What the registry held when this master started: admitted agents become recovered agents, to
   * be taken back as they reregister; unreachable ones stay unreachable. One timer covers them all
   * (as Mesos' single `agent_reregister_timeout` after recovery does).
   */
  private onRecoverRegistry(admitted: readonly AdmittedAgentEntry[], unreachable: readonly UnreachableAgentEntry[]): void {
    for (const { agentId, info, unreachableAtMs } of unreachable) {
      if (this.goneAgentIds.has(agentId) || this.agents.has(agentId)) continue;
      this.unreachableAgents.set(agentId, { info, unreachableAtMs });
    }
    for (const { agentId, info } of admitted) {
      if (this.goneAgentIds.has(agentId) || this.agents.has(agentId) || this.unreachableAgents.has(agentId)) continue;
      this.recoveredAgents.set(agentId, info);
    }
    if (this.recoveredAgents.size > 0) {
      this.emit({ kind: 'set-timer', key: { kind: 'agent-reregister-timeout' }, atMs: this.nowMs + this.options.agentReregisterTimeoutMs });
    }
    this.collectRegistryGarbage();
    this.emit({
      kind: 'log',
      level: 'info',
      message: `Recovered ${this.recoveredAgents.size} agents and ${this.unreachableAgents.size} unreachable agents from the registry; allowing ${this.options.agentReregisterTimeoutMs} ms for agents to reregister`,
    });
  }

  /**
   * Forgets unreachable agents older than `registryMaxAgentAgeMs`, then the oldest beyond
   * `registryMaxAgentCount`, as Mesos' registry GC does, and comes back in `registryGcIntervalMs`.
   * Reconciliation of their tasks then answers as for any unknown agent.
   */
  private collectRegistryGarbage(): void {
    const maxAgeMs = this.options.registryMaxAgentAgeMs ?? REGISTRY_MAX_AGENT_AGE_MS;
    const maxCount = this.options.registryMaxAgentCount ?? REGISTRY_MAX_AGENT_COUNT;
    const forget = (agentId: AgentId): void => {
      this.unreachableAgents.delete(agentId);
      this.emit({ kind: 'persist', change: { kind: 'remove-agent', agentId } });
    };
    let forgotten = 0;
    for (const [agentId, { unreachableAtMs }] of [...this.unreachableAgents]) {
      if (this.nowMs - unreachableAtMs > maxAgeMs) {
        forget(agentId);
        forgotten++;
      }
    }
    if (this.unreachableAgents.size > maxCount) {
      const oldestFirst = [...this.unreachableAgents].sort(([, a], [, b]) => a.unreachableAtMs - b.unreachableAtMs);
      for (const [agentId] of oldestFirst.slice(0, this.unreachableAgents.size - maxCount)) {
        forget(agentId);
        forgotten++;
      }
    }
    if (forgotten > 0) this.emit({ kind: 'log', level: 'info', message: `Forgot ${forgotten} unreachable agents past the registry's age or count limit` });
    this.emit({ kind: 'set-timer', key: { kind: 'registry-gc' }, atMs: this.nowMs + (this.options.registryGcIntervalMs ?? REGISTRY_GC_INTERVAL_MS) });
  }

  /**
   * Recovered agents that did not reregister in time are marked unreachable, as Mesos does after
   * a failover: saved first, counted as removals (and `master/recovery_slave_removals`), and
   * frameworks get a FAILURE for each. Their tasks are unknown to this master, so no task update
   * is sent; reconciliation now answers TASK_UNREACHABLE (TASK_LOST if not partition-aware).
   */
  private onAgentReregisterTimeout(): void {
    for (const [agentId, info] of [...this.recoveredAgents]) {
      this.recoveredAgents.delete(agentId);
      this.emit({ kind: 'persist', change: { kind: 'mark-agent-unreachable', agentId, info, unreachableAtMs: this.nowMs } });
      this.unreachableAgents.set(agentId, { info, unreachableAtMs: this.nowMs });
      this.counters.agentRemoved('unreachable');
      this.counters.recoveryAgentRemovals++;
      this.emit({ kind: 'log', level: 'warn', message: `Agent ${agentId} (${info.hostname}) did not reregister within ${this.options.agentReregisterTimeoutMs} ms after master failover: marking it unreachable` });
      for (const framework of this.frameworks.values()) {
        if (framework.connectionId !== null) {
          this.emit({ kind: 'to-framework', frameworkId: framework.id, event: { type: 'FAILURE', failure: { agent_id: { value: agentId } } } });
        }
      }
    }
  }

  // ---------------------------------------------------------------- timers

  private onTimer(key: TimerKey): void {
    if (key.kind === 'agent-reregister-timeout') {
      this.onAgentReregisterTimeout();
      return;
    }
    if (key.kind === 'registry-gc') {
      this.collectRegistryGarbage();
      return;
    }
    if (key.kind === 'offer-timeout') {
      this.removeOffer(key.offerId, { rescind: true, refuseSeconds: null });
      return;
    }
    if (key.kind === 'operation-status-retry') {
      const framework = this.frameworks.get(key.frameworkId);
      if (framework) this.operations.onRetryTimer(framework, this.nowMs);
      return;
    }
    const framework = this.frameworks.get(key.frameworkId);
    if (framework && framework.connectionId === null) this.removeFramework(framework, 'failover timeout elapsed');
  }

  private emit(effect: Effect): void {
    this.effects.push(effect);
  }

  /** Resources in use on an agent: its tasks' and executors', for state endpoints and invariants. */
  usedResourcesOf(agentId: AgentId): Resource[] {
    const agent = this.agents.get(agentId);
    assert(agent !== undefined, 'usedResourcesOf is asked about a known agent');
    // One merge over all parts: adding part by part would re-merge the growing sum each time.
    const parts: Resource[] = [];
    for (const key of agent.tasks) {
      const record = this.findTask(key);
      if (record && !isTerminalTaskState(record.task.state)) parts.push(...record.resources);
    }
    for (const framework of this.frameworks.values()) {
      for (const executor of framework.executors.get(agentId)?.values() ?? []) {
        parts.push(...this.executorResources(framework, executor));
      }
    }
    return addAll([], parts);
  }

  /** An executor's resources with their allocation role (set at launch; a framework's first role otherwise). */
  private executorResources(framework: FrameworkRecord, executor: ExecutorInfo): Resource[] {
    return withDefaultAllocationRole(fromWireFormat(executor.resources ?? []), framework.roles[0] ?? '*');
  }

  offeredResourcesOf(agentId: AgentId): Resource[] {
    const parts: Resource[] = [];
    for (const offerId of this.agents.get(agentId)?.offers ?? []) {
      const offer = this.offers.get(offerId);
      if (offer) parts.push(...offer.resources);
    }
    return addAll([], parts);
  }
}

function rolesOf(info: FrameworkInfo): string[] {
  const multiRole = (info.capabilities ?? []).some((c) => c.type === 'MULTI_ROLE');
  if (multiRole) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}

/** Whether two lists hold exactly the same resources. */
function sameResources(a: readonly Resource[], b: readonly Resource[]): boolean {
  return contains(a, b) && contains(b, a);
}

/** Whether two wire records say the same, field order included (an AgentInfo rebuilt the same way keeps its order). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function capabilitiesOf(info: FrameworkInfo): Set<string> {
  return new Set((info.capabilities ?? []).map((c) => c.type ?? 'UNKNOWN'));
}

/** Subtracts (or, with sign -1, adds) the unreserved scalars of `resources` from amounts by name. */
function subtractScalars(amounts: Record<string, number>, resources: readonly Resource[], sign: 1 | -1 = 1): void {
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || resource.reservations !== undefined) continue;
    amounts[resource.name] = Math.round(((amounts[resource.name] ?? 0) - sign * (resource.scalar?.value ?? 0)) * 1000) / 1000;
  }
}

/** The framework's capability type names, which decide what the allocator may offer it. */
function capabilityNames(info: FrameworkInfo): string[] {
  return (info.capabilities ?? []).flatMap((capability) => (capability.type !== undefined ? [capability.type] : []));
}
