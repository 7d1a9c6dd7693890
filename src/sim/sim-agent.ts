/**
 * A simulated agent: it registers, runs tasks through their lifecycle, keeps a per-task queue of
 * status updates that it resends until acknowledged (as the real status update manager does),
 * answers pings, and can crash and restart with its tasks still running (executors outlive it).
 */
import type { AgentCall, AgentEvent } from '../api/agent-link/messages.js';
import { isTerminalTaskState, type Resource, type Task, type TaskInfo, type TaskState, type TaskStatus } from '../api/mesos.js';
import type { AgentId, FrameworkId } from '../common/ids.js';
import type { ConnectionId } from '../master/core/types.js';
import type { Simulator } from './simulator.js';

/** Steps between resends of an unacknowledged update. */
const RESEND_STEPS = 20;

interface SimTask {
  frameworkId: FrameworkId;
  info: TaskInfo;
  state: TaskState;
  /** Updates not yet acknowledged, oldest first; only the head is in flight. */
  queue: TaskStatus[];
  lastSentStep: number;
  /** Step at which the task ends by itself. */
  endsAtStep: number;
}

export class SimAgent {
  agentId: AgentId | undefined;
  alive = true;
  connectionId: ConnectionId | null = null;
  private subscribing = false;
  private readonly tasks = new Map<string, SimTask>();
  private uuidCounter = 0;
  readonly resources: Resource[];

  constructor(private readonly sim: Simulator, readonly index: number) {
    const cpus = 2 + (index % 4) * 2;
    this.resources = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
      { name: 'mem', type: 'SCALAR', scalar: { value: cpus * 1024 } },
    ];
  }

  get hostname(): string {
    return `agent-${this.index}`;
  }

  act(): void {
    if (!this.alive) return;
    if (this.connectionId === null && !this.subscribing) this.subscribe();
    for (const task of this.tasks.values()) {
      if (!isTerminalTaskState(task.state) && this.sim.stepNumber >= task.endsAtStep && task.state === 'TASK_RUNNING') {
        this.transition(task, this.sim.rng.nextFloat() < 0.8 ? 'TASK_FINISHED' : 'TASK_FAILED');
      }
      this.sendHead(task);
    }
  }

  crash(): void {
    this.alive = false;
    this.subscribing = false;
    const connectionId = this.connectionId;
    this.connectionId = null;
    if (connectionId && this.agentId) this.sim.toMaster({ kind: 'agent-disconnected', agentId: this.agentId, connectionId });
  }

  restart(): void {
    this.alive = true;
  }

  /** The master failed over: the stream is gone, so the agent subscribes again (an answer still in flight may land on the new master). */
  onMasterLost(): void {
    this.connectionId = null;
  }

  /** Whether the agent runs the task (it has not ended here). */
  runs(frameworkId: string, taskId: string): boolean {
    const task = this.tasks.get(key(frameworkId, taskId));
    return task !== undefined && !isTerminalTaskState(task.state);
  }

  onSubscribed(connectionId: ConnectionId, agentId: AgentId): void {
    this.subscribing = false;
    this.connectionId = connectionId;
    this.agentId = agentId;
    for (const task of this.tasks.values()) task.lastSentStep = -RESEND_STEPS;
  }

  onStreamClosed(connectionId: ConnectionId): void {
    if (this.connectionId === connectionId) this.connectionId = null;
  }

  onEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'RUN_TASK': this.addTask(event.run_task.framework.id?.value as FrameworkId, event.run_task.task); return;
      case 'RUN_TASK_GROUP':
        for (const task of event.run_task_group.task_group.tasks) this.addTask(event.run_task_group.framework.id?.value as FrameworkId, task);
        return;
      case 'KILL_TASK': {
        const task = this.tasks.get(key(event.kill_task.framework_id.value, event.kill_task.task_id.value));
        if (task && !isTerminalTaskState(task.state)) this.transition(task, 'TASK_KILLED');
        return;
      }
      case 'ACKNOWLEDGE': {
        const task = this.tasks.get(key(event.acknowledge.framework_id.value, event.acknowledge.task_id.value));
        if (!task || task.queue[0]?.uuid !== event.acknowledge.uuid) return;
        task.queue.shift();
        task.lastSentStep = -RESEND_STEPS;
        if (task.queue.length === 0 && isTerminalTaskState(task.state)) this.tasks.delete(key(task.frameworkId, task.info.task_id.value));
        return;
      }
      case 'SHUTDOWN_FRAMEWORK':
        for (const task of this.tasks.values()) {
          if (task.frameworkId === event.shutdown_framework.framework_id.value) this.tasks.delete(key(task.frameworkId, task.info.task_id.value));
        }
        return;
      case 'PING': this.call({ type: 'PONG' }); return;
      default: return;
    }
  }

  private subscribe(): void {
    this.subscribing = true;
    const connectionId = this.sim.newConnection();
    this.sim.registerAgentConnection(connectionId, this);
    const tasks: Task[] = [...this.tasks.values()].map((t) => ({
      name: t.info.name,
      task_id: t.info.task_id,
      framework_id: { value: t.frameworkId },
      agent_id: { value: this.agentId ?? '' },
      state: t.state,
      resources: t.info.resources ?? [],
      statuses: [],
    }));
    const subscribe = {
      agent_info: { hostname: this.hostname, port: 5051, ...(this.agentId ? { id: { value: this.agentId } } : {}) },
      resources: this.resources,
      version: '1.11.0',
      tasks,
    };
    this.sim.send(`agent-calls:${this.index}`, () => {
      if (this.alive) this.sim.toMaster({ kind: 'agent-subscribe', connectionId, subscribe, remoteIp: '127.0.0.1' });
      else this.subscribing = false;
    });
  }

  private addTask(frameworkId: FrameworkId, info: TaskInfo): void {
    const task: SimTask = {
      frameworkId,
      info,
      state: 'TASK_STAGING',
      queue: [],
      lastSentStep: -RESEND_STEPS,
      endsAtStep: this.sim.stepNumber + 5 + this.sim.rng.nextInt(200),
    };
    this.tasks.set(key(frameworkId, info.task_id.value), task);
    this.transition(task, 'TASK_RUNNING');
  }

  private transition(task: SimTask, state: TaskState): void {
    task.state = state;
    task.queue.push({
      task_id: task.info.task_id,
      state,
      source: 'SOURCE_EXECUTOR',
      uuid: `a${this.index}-${++this.uuidCounter}`,
      timestamp: this.sim.nowMs / 1000,
      ...(this.agentId ? { agent_id: { value: this.agentId } } : {}),
    });
  }

  private sendHead(task: SimTask): void {
    const head = task.queue[0];
    if (!head || this.connectionId === null || this.sim.stepNumber - task.lastSentStep < RESEND_STEPS) return;
    task.lastSentStep = this.sim.stepNumber;
    this.call({ type: 'UPDATE', update: { framework_id: { value: task.frameworkId }, status: head, latest_state: task.state } });
  }

  private call(call: AgentCall): void {
    const connectionId = this.connectionId;
    const agentId = this.agentId;
    if (!connectionId || !agentId) return;
    this.sim.send(`agent-calls:${this.index}`, () => {
      // The real shell answers 403 to an agent whose subscription the master no longer holds.
      if (this.alive && this.sim.core.agentConnection(agentId) === connectionId) this.sim.toMaster({ kind: 'agent-call', agentId, call });
    });
  }
}

const key = (frameworkId: string, taskId: string): string => `${frameworkId} ${taskId}`;
