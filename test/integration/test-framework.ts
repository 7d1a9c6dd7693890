/**
 * A small framework for integration tests, on the scheduler SDK: it keeps every event, places
 * tasks on offers as they come (declining what it cannot use), and waits for task states.
 */
import type { ExecutorInfo, Offer, TaskInfo, TaskState, TaskStatus } from '../../src/api/mesos.js';
import { SchedulerClient, type ClientEvent } from '../../src/sdk/scheduler-client.js';
import { waitFor } from './cluster.js';

export interface TaskSpec {
  id: string;
  command: string;
  cpus?: number;
  mem?: number;
  killGraceSeconds?: number;
  /** The framework's own executor for this task (else the built-in command executor runs it). */
  executor?: ExecutorInfo;
  /** TaskInfo.data, given as text. */
  data?: string;
}

export function scalar(name: string, value: number) {
  return { name, type: 'SCALAR' as const, scalar: { value } };
}

const offerScalar = (offer: Offer, name: string): number =>
  offer.resources.filter((r) => r.name === name && r.type === 'SCALAR').reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);

export class TestFramework {
  readonly client: SchedulerClient;
  readonly events: ClientEvent[] = [];
  readonly statuses = new Map<string, TaskStatus[]>();
  private readonly offers: Offer[] = [];
  private pending: TaskSpec[] = [];
  private pendingGroups: Array<{ executor: ExecutorInfo; tasks: TaskSpec[] }> = [];
  private consuming: Promise<void> | null = null;
  frameworkId = '';

  constructor(master: string, name = 'integration-test', extra: { failoverTimeoutSeconds?: number; partitionAware?: boolean } = {}) {
    this.client = new SchedulerClient({
      master,
      framework: {
        user: 'root',
        name,
        roles: ['*'],
        failover_timeout: extra.failoverTimeoutSeconds ?? 0,
        capabilities: [{ type: 'MULTI_ROLE' }, ...(extra.partitionAware ? [{ type: 'PARTITION_AWARE' }] : [])],
      },
    });
  }

  async start(): Promise<this> {
    this.consuming = (async () => {
      for await (const event of this.client.events()) {
        this.events.push(event);
        if (event.type === 'SUBSCRIBED') this.frameworkId = event.subscribed.framework_id.value;
        if (event.type === 'OFFERS') {
          this.offers.push(...event.offers.offers);
          await this.place();
        }
        if (event.type === 'RESCIND') {
          const index = this.offers.findIndex((o) => o.id.value === event.rescind.offer_id.value);
          if (index >= 0) this.offers.splice(index, 1);
        }
        if (event.type === 'UPDATE') {
          const status = event.update.status;
          const list = this.statuses.get(status.task_id.value) ?? [];
          list.push(status);
          this.statuses.set(status.task_id.value, list);
        }
      }
    })().catch(() => undefined);
    await waitFor('SUBSCRIBED', () => (this.frameworkId !== '' ? true : undefined));
    return this;
  }

  taskInfo(spec: TaskSpec, agentId: string): TaskInfo {
    return {
      name: spec.id,
      task_id: { value: spec.id },
      agent_id: { value: agentId },
      resources: [scalar('cpus', spec.cpus ?? 0.1), scalar('mem', spec.mem ?? 32)],
      ...(spec.executor ? { executor: spec.executor } : { command: { value: spec.command, shell: true } }),
      ...(spec.data !== undefined ? { data: Buffer.from(spec.data).toString('base64') } : {}),
      ...(spec.killGraceSeconds !== undefined ? { kill_policy: { grace_period: { nanoseconds: spec.killGraceSeconds * 1e9 } } } : {}),
    };
  }

  launch(...tasks: TaskSpec[]): void {
    this.pending.push(...tasks);
    void this.place();
  }

  launchGroup(executorId: string, tasks: TaskSpec[]): void {
    this.pendingGroups.push({
      executor: { type: 'DEFAULT', executor_id: { value: executorId }, resources: [scalar('cpus', 0.1), scalar('mem', 32)] },
      tasks,
    });
    void this.place();
  }

  /** Packs pending tasks onto held offers; offers left unused are declined for a short while. */
  private async place(): Promise<void> {
    const offers = this.offers.splice(0);
    for (const offer of offers) {
      let cpus = offerScalar(offer, 'cpus');
      let mem = offerScalar(offer, 'mem');
      const fits = (spec: TaskSpec) => (spec.cpus ?? 0.1) <= cpus + 1e-9 && (spec.mem ?? 32) <= mem + 1e-9;
      const take = (spec: TaskSpec) => {
        cpus -= spec.cpus ?? 0.1;
        mem -= spec.mem ?? 32;
      };
      const group = this.pendingGroups[0];
      if (group && cpus >= 0.1 + group.tasks.reduce((s, t) => s + (t.cpus ?? 0.1), 0) && mem >= 32 + group.tasks.reduce((s, t) => s + (t.mem ?? 32), 0)) {
        this.pendingGroups.shift();
        await this.client.launchGroup([offer.id], group.executor, group.tasks.map((t) => this.taskInfo(t, offer.agent_id.value))).catch(() => undefined);
        continue;
      }
      const chosen: TaskSpec[] = [];
      this.pending = this.pending.filter((spec) => {
        if (!fits(spec)) return true;
        take(spec);
        chosen.push(spec);
        return false;
      });
      if (chosen.length === 0) {
        await this.client.decline([offer.id], { refuse_seconds: 0.2 }).catch(() => undefined);
        continue;
      }
      await this.client.launch([offer.id], chosen.map((spec) => this.taskInfo(spec, offer.agent_id.value)), { refuse_seconds: 0.2 }).catch(() => undefined);
    }
  }

  states(taskId: string): TaskState[] {
    return (this.statuses.get(taskId) ?? []).map((s) => s.state);
  }

  lastStatus(taskId: string): TaskStatus | undefined {
    return this.statuses.get(taskId)?.at(-1);
  }

  async waitForState(taskId: string, states: readonly TaskState[], timeoutMs = 20_000): Promise<TaskStatus> {
    return waitFor(`${taskId} in ${states.join('|')} (seen: ${this.states(taskId).join(', ') || 'nothing'})`, () => {
      const status = this.statuses.get(taskId)?.find((s) => states.includes(s.state));
      return status;
    }, timeoutMs, 50);
  }

  async stop(): Promise<void> {
    await this.client.teardown().catch(() => undefined);
    this.client.close();
    await this.consuming;
  }
}
