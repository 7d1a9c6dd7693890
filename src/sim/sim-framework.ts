/**
 * A simulated framework: it subscribes (and resubscribes with its id after a disconnect), accepts
 * or declines offers, launches small tasks, acknowledges updates, kills and reconciles now and then,
 * and checks what it is told against the rules of the scheduler API.
 */
import { isTerminalTaskState, type Offer, type TaskState } from '../api/mesos.js';
import type { SchedulerCall } from '../api/scheduler/calls.js';
import type { SchedulerEvent } from '../api/scheduler/events.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import type { ConnectionId } from '../master/core/types.js';
import type { Simulator } from './simulator.js';

/** States after which a task must never change (TASK_LOST and TASK_UNREACHABLE may). */
const FINAL_STATES: ReadonlySet<TaskState> = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);

interface KnownTask {
  agentId: string;
  state: TaskState;
  /**
   * Learned on an earlier connection and not confirmed since: updates the master sends while a
   * framework is away are lost (frameworks reconcile for that), so such a task may have ended.
   */
  stale?: boolean;
}

export class SimFramework {
  frameworkId: FrameworkId | undefined;
  connectionId: ConnectionId | null = null;
  private subscribing = false;
  readonly tasks = new Map<string, KnownTask>();
  private taskCounter = 0;
  readonly partitionAware: boolean;

  constructor(private readonly sim: Simulator, readonly index: number) {
    this.partitionAware = index % 2 === 1;
  }

  /** Tasks this framework asked to launch. */
  get tasksLaunched(): number {
    return this.taskCounter;
  }

  get connected(): boolean {
    return this.connectionId !== null;
  }

  act(): void {
    if (this.connectionId === null) {
      if (!this.subscribing) this.subscribe();
      return;
    }
    const roll = this.sim.rng.nextFloat();
    if (roll < 0.01) this.killRandomTask();
    else if (roll < 0.015) this.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
  }

  disconnect(): void {
    const connectionId = this.connectionId;
    if (!connectionId || !this.frameworkId) return;
    this.connectionId = null;
    this.sim.toMaster({ kind: 'framework-disconnected', frameworkId: this.frameworkId, connectionId });
  }

  /** The master failed over: the stream is gone, so the framework subscribes again with its id. */
  onMasterLost(): void {
    this.connectionId = null;
  }

  onSubscribed(connectionId: ConnectionId, frameworkId: FrameworkId, _event: SchedulerEvent): void {
    this.subscribing = false;
    this.connectionId = connectionId;
    if (this.frameworkId !== undefined && this.frameworkId !== frameworkId) {
      this.sim.violations.push(`framework ${this.index} resubscribed as ${frameworkId}, not ${this.frameworkId}`);
    }
    this.frameworkId = frameworkId;
    // As a careful scheduler does after a failover: ask about every task it believes in.
    for (const task of this.tasks.values()) task.stale = true;
    const tasks = [...this.tasks.entries()].map(([taskId, task]) => ({ task_id: { value: taskId }, agent_id: { value: task.agentId as AgentId } }));
    if (tasks.length > 0) this.call({ type: 'RECONCILE', reconcile: { tasks } });
  }

  onStreamClosed(connectionId: ConnectionId, _event: SchedulerEvent | undefined): void {
    if (this.connectionId === connectionId) this.connectionId = null;
    this.subscribing = false;
  }

  onEvent(event: SchedulerEvent): void {
    switch (event.type) {
      case 'OFFERS': for (const offer of event.offers.offers) this.onOffer(offer); return;
      case 'UPDATE': this.onUpdate(event.update.status); return;
      case 'FAILURE': if (event.failure.agent_id && !event.failure.executor_id) this.onAgentLost(event.failure.agent_id.value); return;
      default: return;
    }
  }

  private subscribe(): void {
    this.subscribing = true;
    const connectionId = this.sim.newConnection();
    this.sim.registerFrameworkConnection(connectionId, this);
    const capabilities = this.partitionAware ? [{ type: 'PARTITION_AWARE' }] : [];
    const call = {
      type: 'SUBSCRIBE' as const,
      ...(this.frameworkId ? { framework_id: { value: this.frameworkId } } : {}),
      subscribe: {
        framework_info: {
          user: 'sim',
          name: `fw-${this.index}`,
          failover_timeout: 3600,
          capabilities,
          ...(this.frameworkId ? { id: { value: this.frameworkId } } : {}),
        },
      },
    };
    this.sim.send(`framework-calls:${this.index}`, () => this.sim.toMaster({ kind: 'framework-subscribe', connectionId, call }));
  }

  private onOffer(offer: Offer): void {
    if (this.sim.rng.nextFloat() < 0.3) {
      this.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1 } } });
      return;
    }
    let cpus = offer.resources.filter((r) => r.name === 'cpus').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
    let mem = offer.resources.filter((r) => r.name === 'mem').reduce((s, r) => s + (r.scalar?.value ?? 0), 0);
    const taskInfos = [];
    const wanted = 1 + this.sim.rng.nextInt(3);
    for (let i = 0; i < wanted && cpus >= 0.5 && mem >= 128; i++) {
      const taskId = `f${this.index}-t${++this.taskCounter}`;
      // Now and then ask for more than was offered, to exercise TASK_ERROR.
      const greedy = this.sim.rng.nextFloat() < 0.05;
      taskInfos.push({
        name: taskId,
        task_id: { value: taskId },
        agent_id: offer.agent_id,
        resources: [
          { name: 'cpus', type: 'SCALAR' as const, scalar: { value: greedy ? cpus + 1 : 0.5 } },
          { name: 'mem', type: 'SCALAR' as const, scalar: { value: 128 } },
        ],
        command: { value: 'sleep 10' },
      });
      this.tasks.set(taskId, { agentId: offer.agent_id.value, state: 'TASK_STAGING' });
      if (!greedy) {
        cpus -= 0.5;
        mem -= 128;
      }
    }
    this.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }], filters: { refuse_seconds: 1 } } });
  }

  private onUpdate(status: { task_id: { value: string }; state: TaskState; uuid?: string; agent_id?: { value: string }; reason?: string }): void {
    const known = this.tasks.get(status.task_id.value);
    const reconciliation = status.reason === 'REASON_RECONCILIATION';
    if (known && FINAL_STATES.has(known.state) && known.state !== status.state && !reconciliation) {
      this.sim.violations.push(`task ${status.task_id.value} went from ${known.state} to ${status.state} (step ${this.sim.stepNumber})`);
    }
    if (!reconciliation || known) {
      this.tasks.set(status.task_id.value, { agentId: status.agent_id?.value ?? known?.agentId ?? '', state: status.state });
    }
    if (status.uuid !== undefined && status.agent_id) {
      this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } });
    }
    if (isTerminalTaskState(status.state) && status.state !== 'TASK_LOST') this.tasks.delete(status.task_id.value);
  }

  /** Every task the master knew on a lost agent must have been reported before the FAILURE. */
  private onAgentLost(agentId: string): void {
    for (const [taskId, task] of this.tasks) {
      if (task.agentId !== agentId || task.stale) continue;
      if (task.state === 'TASK_RUNNING' || task.state === 'TASK_STARTING' || task.state === 'TASK_KILLING') {
        const master = this.sim.core.frameworks.get(this.frameworkId as FrameworkId);
        if (master?.tasks.has(taskId as never)) continue; // Re-adopted by a reregistration in between.
        this.sim.violations.push(`task ${taskId} on lost agent ${agentId} was never reported (state ${task.state}, step ${this.sim.stepNumber})`);
      }
    }
  }

  private killRandomTask(): void {
    const running = [...this.tasks.entries()].filter(([, t]) => t.state === 'TASK_RUNNING');
    if (running.length === 0) return;
    const [taskId, task] = running[this.sim.rng.nextInt(running.length)] as [string, KnownTask];
    this.call({ type: 'KILL', kill: { task_id: { value: taskId }, agent_id: { value: task.agentId as AgentId } } });
  }

  private call(call: Omit<SchedulerCall, 'framework_id'>): void {
    const connectionId = this.connectionId;
    const frameworkId = this.frameworkId;
    if (!connectionId || !frameworkId) return;
    this.sim.send(`framework-calls:${this.index}`, () => {
      // The real shell refuses calls from a framework whose stream the master no longer holds (403).
      const access = this.sim.core.frameworkAccess(frameworkId);
      if (access.kind !== 'known' || access.connectionId !== connectionId) return;
      this.sim.toMaster({ kind: 'framework-call', frameworkId, call: { ...call, framework_id: { value: frameworkId } } as SchedulerCall });
    });
  }
}
